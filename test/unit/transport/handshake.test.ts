// Transport handshake: shared/spec/remote-clusters.md §8.3 (version refusal, cluster-name pinning).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideHandshake, encodeHandshake, type HandshakeInfo } from '../../../src/transport/handshake.js';

const local: HandshakeInfo = {
  clusterName: 'local', clusterUuid: 'u1', nodeId: 'n1', nodeName: 'local-1', version: '9.1.0',
  roles: ['data', 'remote_cluster_client'], attributes: {}, transportFormatVersion: 1,
};
const remote = (overrides: Partial<HandshakeInfo>) => encodeHandshake({ ...local, clusterName: 'west', nodeName: 'west-1', nodeId: 'w1', ...overrides });
const options = { transportFormatVersions: [1, 1] as const };

test('a compatible peer is accepted and described', () => {
  const decision = decideHandshake(local, remote({ version: '8.19.3' }), { ...options, expectedClusterName: 'west' });
  assert.equal(decision.accepted, true);
  assert.equal(decision.accepted && decision.remote.clusterName, 'west');
});

test('an incompatible version is refused naming both versions', () => {
  const decision = decideHandshake(local, remote({ version: '7.17.0' }), options);
  assert.deepEqual(decision, { accepted: false, reason: 'handshake with [west-1] failed: remote node version [7.17.0] is incompatible with local node version [9.1.0]' });
});

test('the pinned cluster name must match', () => {
  const decision = decideHandshake(local, remote({}), { ...options, expectedClusterName: 'east' });
  assert.equal(decision.accepted, false);
  assert.match(!decision.accepted ? decision.reason : '', /remote cluster name \[west\] does not match expected remote cluster name \[east\]/);
});

test('malformed handshakes are refused, not thrown', () => {
  for (const body of [null, 'hello', { cluster_name: 1 }, { ...remote({}), roles: 'data' }, { ...remote({}), version: 'x' }]) {
    assert.equal(decideHandshake(local, body, options).accepted, false);
  }
});
