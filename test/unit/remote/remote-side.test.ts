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

// A cross-cluster scroll page names the hits the coordinating cluster has received (`offset`), so
// a page whose answer was lost with its connection is asked again and answered again instead of
// the next one (src/search/ccs-scroll.ts); the answer names the offset its hits start at.
test('a scroll page names its offset: the next page advances, the last page is answered again, any other offset is a 400', async (t) => {
  const { harness, call } = handlersWith(t, undefined);
  await harness.index('logs', { a: { n: 1 }, b: { n: 2 }, c: { n: 3 } });
  type Page = { scrollId: string; offset?: number; hits: { rendered: { _id: string } }[] };
  const ids = (page: Page) => page.hits.map((hit) => hit.rendered._id);
  const opened = (await call(REMOTE_ACTIONS.search, { expression: 'logs', params: { scroll: '1m' }, body: { size: 1, sort: [{ n: 'asc' }] }, cluster_alias: 'far' })) as Page;
  assert.deepEqual(ids(opened), ['a']);
  const page = (offset: number | undefined) => call(REMOTE_ACTIONS.scroll, { scroll_id: opened.scrollId, scroll: '1m', cluster_alias: 'far', ...(offset === undefined ? {} : { offset }) }) as Promise<Page>;
  const second = await page(1);
  assert.deepEqual([ids(second), second.offset], [['b'], 1]);
  // Asked again (its answer lost): the same page, and the scroll did not advance.
  const again = await page(1);
  assert.deepEqual([ids(again), again.offset], [['b'], 1]);
  const third = await page(2);
  assert.deepEqual([ids(third), third.offset], [['c'], 2]);
  // Neither the next page nor the last one: refused, the scroll unchanged.
  for (const offset of [0, 1, 4]) {
    await assert.rejects(page(offset), (error: EsError) => error.status === 400 && error.type === 'illegal_argument_exception' && /scroll offset \[\d\] is neither the next page's \[3\] nor the last page's \[2\]/.test(error.message));
  }
  for (const offset of [-1, 1.5, '2']) {
    await assert.rejects(call(REMOTE_ACTIONS.scroll, { scroll_id: opened.scrollId, offset, cluster_alias: 'far' }), (error: EsError) => error.status === 400 && /\[offset\] must be a non-negative integer/.test(error.message));
  }
  // A coordinating cluster that names no offset (one predating it) gets the next page, as a plain scroll.
  const last = await page(undefined);
  assert.deepEqual([ids(last), last.offset], [[], 3]);
});
