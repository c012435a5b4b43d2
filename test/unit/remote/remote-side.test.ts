/**
 * The remote side's handlers (src/remote/server.ts) on a multi-node node (issue #14): before the
 * node has joined its cluster it answers remote clusters nothing from its own copies or metadata,
 * which may be stale or not its cluster's; it refuses with Elasticsearch's state-not-recovered
 * block (ClusterBlockException, SERVICE_UNAVAILABLE/1, 503). A single node (no cluster side)
 * answers from its own shards as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { EsError } from '../../../src/common/errors.js';
import { AuditTrail } from '../../../src/remote/audit.js';
import { buildRemoteHandlers, notJoinedRemoteSide, REMOTE_ACTIONS, type RemoteClusterSide } from '../../../src/remote/server.js';
import { TRANSPORT_FORMAT_VERSION, type HandshakeInfo, type TransportRequest } from '../../../src/transport/index.js';
import { openSearchHarness } from '../search-api/harness.js';

const handshake = (nodeId: string, clusterName: string): HandshakeInfo => ({ clusterName, clusterUuid: `${clusterName}-uuid`, nodeId, nodeName: nodeId, version: '9.1.0', roles: ['data'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION });

function handlersWith(t: { after: (fn: () => void) => void }, side: RemoteClusterSide | undefined) {
  const harness = openSearchHarness(t);
  const handlers = buildRemoteHandlers(
    {
      node: { handshake: () => handshake('far-1', 'far'), transportAddress: () => '127.0.0.1:9300', remoteClusterAddress: () => undefined },
      search: harness.search,
      security: undefined,
      audit: new AuditTrail(undefined, () => Date.now()),
      log: pino({ level: 'silent' }),
      cluster: () => side,
    },
    'transport',
  );
  const call = (action: string, body: Record<string, unknown>) =>
    handlers.get(action)!({ action, headers: {}, body, peer: { address: '127.0.0.1:40000', certificate: undefined, handshake: handshake('near-1', 'near') } } satisfies TransportRequest);
  return { harness, call };
}

const blocked = (error: EsError) => error.status === 503 && error.type === 'cluster_block_exception' && error.message === 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];';

test('a multi-node node that has not joined refuses sniffing, searches, scrolls, points in time, field caps and resolve cluster with the state-not-recovered block', async (t) => {
  const { harness, call } = handlersWith(t, notJoinedRemoteSide());
  await harness.index('logs', { a: { n: 1 } });
  await assert.rejects(call(REMOTE_ACTIONS.clusterState, { nodes: true }), blocked);
  await assert.rejects(call(REMOTE_ACTIONS.search, { expression: 'logs', params: {}, body: null, cluster_alias: 'far' }), blocked);
  await assert.rejects(call(REMOTE_ACTIONS.queryPhase, { expression: 'logs', params: {}, body: null, cluster_alias: 'far' }), blocked);
  await assert.rejects(call(REMOTE_ACTIONS.search, { expression: 'logs', params: { scroll: '1m' }, body: null, cluster_alias: 'far' }), blocked);
  await assert.rejects(call(REMOTE_ACTIONS.openPointInTime, { expression: 'logs', params: { keep_alive: '1m' } }), blocked);
  // Scroll pages and clearing, and closing a point in time: their contexts live on the nodes of a cluster this node has not joined.
  await assert.rejects(call(REMOTE_ACTIONS.scroll, { scroll_id: 'any', scroll: '1m' }), blocked);
  await assert.rejects(call(REMOTE_ACTIONS.clearScroll, { scroll_ids: ['any'] }), blocked);
  await assert.rejects(call(REMOTE_ACTIONS.closePointInTime, { id: 'any' }), blocked);
  await assert.rejects(call(REMOTE_ACTIONS.fieldCaps, { expression: 'logs', params: {}, body: null, cluster_alias: 'far' }), blocked);
  await assert.rejects(call(REMOTE_ACTIONS.resolveCluster, { expression: 'logs', params: {} }), blocked);
});

test('a single node answers from its own shards and lists itself', async (t) => {
  const { harness, call } = handlersWith(t, undefined);
  await harness.index('logs', { a: { n: 1 } });
  const state = (await call(REMOTE_ACTIONS.clusterState, { nodes: true })) as { nodes: { id: string; address: string }[] };
  assert.deepEqual(state.nodes.map((node) => [node.id, node.address]), [['far-1', '127.0.0.1:9300']]);
  const answer = (await call(REMOTE_ACTIONS.search, { expression: 'logs', params: {}, body: null, cluster_alias: 'far' })) as { totalHits: number; hits: { rendered: { _index: string } }[] };
  assert.equal(answer.totalHits, 1);
  assert.equal(answer.hits[0]!.rendered._index, 'far:logs');
});
