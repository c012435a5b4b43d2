import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoleDescriptor, type Authentication } from '../../../src/security/index.js';
import {
  crossClusterSubjectHeader,
  intersectAll,
  parseCertificateSubject,
  parseCrossClusterSubject,
  remoteDescriptorSets,
  certificateSubjectHeader,
} from '../../../src/remote/subject.js';
import { compilePermission } from '../../../src/security/index.js';

const user: Authentication = {
  user: { username: 'rita', roles: ['remote_reader'], fullName: null, email: null, metadata: {}, enabled: true },
  authenticatingRealm: { name: 'default_native', type: 'native' },
  lookupRealm: { name: 'default_native', type: 'native' },
  authenticationType: 'realm',
};

const role = parseRoleDescriptor('remote_reader', {
  indices: [{ names: ['local'], privileges: ['read'] }],
  remote_indices: [
    { clusters: ['eu_*'], names: ['logs-*'], privileges: ['read_cross_cluster', 'read'] },
    { clusters: ['us'], names: ['metrics'], privileges: ['read'] },
  ],
  remote_cluster: [{ clusters: ['eu_*'], privileges: ['monitor_enrich'] }],
});

test('only remote_indices whose clusters match the alias travel, as one _remote_user descriptor per set (spec §5.1)', () => {
  const sets = remoteDescriptorSets('eu_logs', [[role]])!;
  assert.equal(sets.length, 1);
  assert.equal(sets[0]![0]!.name, '_remote_user');
  assert.deepEqual(sets[0]![0]!.indices, [{ names: ['logs-*'], privileges: ['read', 'read_cross_cluster'], allowRestrictedIndices: false }]);
  assert.deepEqual(sets[0]![0]!.cluster, ['monitor_enrich']);
  assert.equal(remoteDescriptorSets('asia', [[role]]), undefined, 'nothing applies: the caller fails before sending');
  // An API key caller: the key's set and the owner's set both travel; an empty key part means nothing applies.
  const keyRole = parseRoleDescriptor('k', { remote_indices: [{ clusters: ['eu_*'], names: ['logs-2024'], privileges: ['read'] }] });
  assert.equal(remoteDescriptorSets('eu_logs', [[keyRole], [role]])!.length, 2);
  assert.equal(remoteDescriptorSets('eu_logs', [[parseRoleDescriptor('k', {})], [role]]), undefined);
});

test('the remote intersects the key with every set it receives', () => {
  const sets = remoteDescriptorSets('eu_logs', [[role]])!;
  const header = crossClusterSubjectHeader(user, sets);
  const subject = parseCrossClusterSubject(header);
  assert.equal(subject.username, 'rita');
  const key = compilePermission([parseRoleDescriptor('cross_cluster', { indices: [{ names: ['logs-eu-*'], privileges: ['read', 'read_cross_cluster', 'view_index_metadata'] }] })]);
  const effective = intersectAll(key, subject.descriptorSets);
  assert.equal(effective.allowsIndex('indices:data/read/search', 'logs-eu-1'), true);
  assert.equal(effective.allowsIndex('indices:data/read/search', 'audit'), false);
});

test('received subjects: internal users, application privileges, malformed and oversized headers are refused', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
  assert.throws(() => parseCrossClusterSubject(encode({ username: '_system', roles: [], descriptorSets: [[]] })), /unexpected internal user/);
  assert.throws(
    () => parseCrossClusterSubject(encode({ username: 'x', roles: [], descriptorSets: [[{ name: 'r', applications: [{ application: 'a', privileges: ['*'], resources: ['*'] }] }]] })),
    /may only contain index privileges/,
  );
  assert.throws(() => parseCrossClusterSubject('%%%'), /invalid transport header/);
  assert.throws(() => parseCrossClusterSubject(undefined), /require transport header/);
  assert.throws(() => parseCrossClusterSubject('A'.repeat(2 * 1024 * 1024)), /too large/);
  const certificate = parseCertificateSubject(certificateSubjectHeader(user, [[role]]));
  assert.deepEqual(certificate.roles, ['remote_reader'], 'the certificate model sends role names');
  assert.equal(certificate.descriptorSets, undefined);
});
