// Document and field level security, combined as Elasticsearch's "Multiple roles with document and
// field level security" (https://www.elastic.co/guide/en/elasticsearch/reference/current/field-and-document-access-control.html#multiple-roles-dls-fls):
// within one set of roles the queries of the granting entries are OR-ed and the field grants
// unioned; across sets (API key ∩ owner, cross-cluster key ∩ remote_indices) they AND / intersect.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterSourceFields } from '../../../src/index/source-filter.js';
import {
  crossClusterKeyProblem,
  dlsQueryOf,
  fieldVisibilityOf,
  readRestrictionOf,
  renderTemplate,
  resolveRoleQuery,
} from '../../../src/security/document-field-access.js';
import { compilePermission, intersectPermissions, parseRoleDescriptor } from '../../../src/security/index.js';

const user = { username: 'kim', roles: ['r'], fullName: null, email: 'kim@example.com', metadata: { groups: ['a', 'b'], dept: 'ops' } };
const read = 'indices:data/read/search';
const role = (name: string, body: unknown) => parseRoleDescriptor(name, body);

test('within one set: queries OR-ed, field grants unioned; one entry without DLS/FLS lifts it', () => {
  const permission = compilePermission([
    role('a', { indices: [{ names: ['logs'], privileges: ['read'], query: { term: { team: 'a' } }, field_security: { grant: ['title'] } }] }),
    role('b', { indices: [{ names: ['log*'], privileges: ['read'], query: '{"term":{"team":"b"}}', field_security: { grant: ['body'] } }] }),
  ]);
  const access = permission.indexAccess(read, 'logs');
  assert.deepEqual(dlsQueryOf(access, user), { bool: { should: [{ term: { team: 'a' } }, { term: { team: 'b' } }], minimum_should_match: 1 } });
  const visible = fieldVisibilityOf(access)!;
  assert.deepEqual(['title', 'body', 'secret', '_id'].map(visible), [true, true, false, true]);
  const lifted = compilePermission([
    role('a', { indices: [{ names: ['logs'], privileges: ['read'], query: { term: { team: 'a' } }, field_security: { grant: ['title'] } }] }),
    role('all', { indices: [{ names: ['logs'], privileges: ['read'] }] }),
  ]);
  assert.equal(readRestrictionOf(lifted.indexAccess(read, 'logs'), user), undefined);
  // Entries that do not grant the action do not count.
  const other = compilePermission([role('w', { indices: [{ names: ['logs'], privileges: ['write'], query: { term: { team: 'x' } } }] })]);
  assert.equal(readRestrictionOf(other.indexAccess(read, 'logs'), user), undefined);
});

test('across sets: queries AND-ed, fields intersected', () => {
  const key = compilePermission([role('key', { indices: [{ names: ['logs'], privileges: ['read'], query: { term: { team: 'a' } }, field_security: { grant: ['title', 'body'] } }] })]);
  const owner = compilePermission([role('owner', { indices: [{ names: ['*'], privileges: ['all'], query: { term: { level: 'info' } }, field_security: { grant: ['*'], except: ['body'] } }] })]);
  const both = intersectPermissions(key, owner);
  const restriction = readRestrictionOf(both.indexAccess(read, 'logs'), user)!;
  assert.deepEqual(restriction.query, { bool: { filter: [{ term: { team: 'a' } }, { term: { level: 'info' } }] } });
  assert.deepEqual(['title', 'body', 'other'].map(restriction.fields!), [true, false, false]);
  // An unrestricted set leaves the other set's restriction as it is.
  const superuser = compilePermission([role('su', { indices: [{ names: ['*'], privileges: ['all'] }] })]);
  assert.deepEqual(readRestrictionOf(intersectPermissions(superuser, key).indexAccess(read, 'logs'), user)!.query, { term: { team: 'a' } });
});

test('field_security except must be a subset of grant (parse_exception)', () => {
  assert.throws(
    () => role('bad', { indices: [{ names: ['x'], privileges: ['read'], field_security: { grant: ['field*'], except: ['_field3'] } }] }),
    (error: Error & { type?: string }) => error.message.includes('Exceptions for field permissions must be a subset of the granted fields') && error.message.includes('_field3'),
  );
  const ok = role('ok', { indices: [{ names: ['x'], privileges: ['read'], field_security: { grant: ['*'], except: ['customer.*'] } }] });
  const visible = fieldVisibilityOf(compilePermission([ok]).indexAccess(read, 'x'))!;
  assert.deepEqual(['customer.name', 'customer', 'title'].map(visible), [false, true, true]);
});

test('templated role queries render the user, JSON-escaped', () => {
  const query = { template: { source: { term: { owner: '{{_user.username}}' } } } };
  assert.deepEqual(resolveRoleQuery(query, user), { term: { owner: 'kim' } });
  assert.deepEqual(resolveRoleQuery({ template: { source: '{"terms":{"group":{{#toJson}}_user.metadata.groups{{/toJson}}}}' } }, user), { terms: { group: ['a', 'b'] } });
  assert.deepEqual(resolveRoleQuery(query, { ...user, username: 'x" , "y' }), { term: { owner: 'x" , "y' } });
  assert.equal(renderTemplate('{{_user.metadata.dept}}/{{_user.missing}}', { _user: user }), 'ops/');
  // A query that is not a template is used as written.
  assert.deepEqual(resolveRoleQuery('{"match_all":{}}', user), { match_all: {} });
});

test('FLS source filtering keeps visible leaves and the objects holding them', () => {
  const visible = (path: string): boolean => path === 'a.b' || path === 'list.x' || path === 'top';
  assert.deepEqual(filterSourceFields({ a: { b: 1, c: 2 }, d: 3, list: [{ x: 1, y: 2 }, { y: 3 }], top: [1, 2], hidden: { z: 1 } }, visible), {
    a: { b: 1 },
    list: [{ x: 1 }],
    top: [1, 2],
  });
});

test('CVE-2024-23445: a cross-cluster key with search DLS/FLS and replication is refused', () => {
  const search = { privileges: ['read', 'read_cross_cluster', 'view_index_metadata'], query: { term: { a: 1 } } };
  const replication = { privileges: ['cross_cluster_replication', 'cross_cluster_replication_internal'] };
  assert.equal(crossClusterKeyProblem([search, replication]), 'search does not support document or field level security if replication is assigned');
  assert.equal(crossClusterKeyProblem([search]), undefined);
  assert.equal(crossClusterKeyProblem([{ privileges: search.privileges }, replication]), undefined);
});

test('role queries are checked when the role is stored (parse_exception naming the entry)', () => {
  assert.throws(
    () => role('bad', { indices: [{ names: ['a'], privileges: ['read'] }, { names: ['logs', 'x'], privileges: ['read'], query: { no_such_query: {} } }] }),
    (error: Error) => error.message.startsWith("failed to parse field 'query' for indices [logs,x] at index privilege [1] of role descriptor"),
  );
  assert.throws(() => role('bad', { remote_indices: [{ clusters: ['c'], names: ['a'], privileges: ['read'], query: { term: 3 } }] }), /failed to parse field 'query'/);
  // A template is checked as rendered for a user with empty values.
  assert.doesNotThrow(() => role('ok', { indices: [{ names: ['a'], privileges: ['read'], query: { template: { source: { term: { owner: '{{_user.username}}' } } } } }] }));
});

test('a compiled permission answers a repeated read with the same access and the same compiled field predicate (no per-request recompilation)', () => {
  const permission = compilePermission([
    role('a', { indices: [{ names: ['logs'], privileges: ['read'], field_security: { grant: ['title'] } }] }),
  ]);
  const first = permission.indexAccess(read, 'logs', ['all-logs']);
  const again = permission.indexAccess(read, 'logs', ['all-logs']);
  assert.equal(again, first);
  assert.equal(fieldVisibilityOf(again), fieldVisibilityOf(first));
  // A different alias list is a different question.
  assert.notEqual(permission.indexAccess(read, 'logs'), first);
  assert.deepEqual(['title', 'body'].map(fieldVisibilityOf(first)!), [true, false]);
});
