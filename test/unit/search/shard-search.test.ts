// Shard-level search over the transport (issue #14): a coordinating node asks one copy of each
// shard (round robin over the started copies) for its query phase
// (indices:data/read/search[phase/query]), merges every shard with the pure merge, and has each
// node fetch its hits of the page ([phase/fetch/id]); the answer equals the same search on one node.
// Three nodes with real mutual-TLS transport endpoints on 127.0.0.1 (certificates from the test CA),
// each holding a copy of every shard of a 3-shard index with the same documents.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { errors, type EsError } from '../../../src/common/errors.js';
import { TransportNodeChannel } from '../../../src/index/replication/node-channel.js';
import { GatewayQueryContexts, remoteFetchOnNodes, remoteFreeOnNodes, remoteQueryPhaseOnNodes, remoteSearchOnNodes } from '../../../src/search/remote-shard-search.js';
import { groupByNode, releasePhases, searchShardsOnNodes, selectShardCopies, shardSearchHandlers, SHARD_SEARCH_ACTIONS, type ShardCopies } from '../../../src/search/shard-search.js';
import { connectTransport, startTransportServer, TRANSPORT_FORMAT_VERSION, type HandshakeInfo, type TransportServer } from '../../../src/transport/index.js';
import { makeCa, makeNodeCertificate, makeTempDir, type Certificates } from '../../harness/cluster.js';
import { openSearchHarness, type SearchHarness } from '../search-api/harness.js';

const logger = pino({ level: 'silent' });
const allowAll = { indices: () => {}, allowsIndex: () => true };
const owner = { username: 'elastic', realm: 'reserved' };

function handshake(nodeId: string, clusterName = 'strait', clusterUuid = 'cluster-uuid'): HandshakeInfo {
  return { clusterName, clusterUuid, nodeId, nodeName: nodeId, version: '9.1.0', roles: ['data'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION };
}

interface Node {
  readonly id: string;
  readonly harness: SearchHarness;
  server: TransportServer | undefined;
  readonly queries: string[];
}

let ca: Certificates;
const pems = new Map<string, { key: string; cert: string }>();
const nodes = new Map<string, Node>();
let coordinator: TransportNodeChannel;
const harnessCleanups: (() => void)[] = [];

/** Copies of each shard: primaries spread a, b, c; replicas on the next nodes. */
const shards: ShardCopies[] = [
  { index: 'logs', shard: 0, nodes: ['a', 'b', 'c'] },
  { index: 'logs', shard: 1, nodes: ['b', 'c', 'a'] },
  { index: 'logs', shard: 2, nodes: ['c', 'a', 'b'] },
];

const documents: Record<string, Record<string, unknown>> = {};
for (let n = 0; n < 60; n++) documents[`doc-${n}`] = { n, kind: ['red', 'green', 'blue'][n % 3], text: n % 2 === 0 ? 'quick fox' : 'lazy dog' };

before(async () => {
  ca = makeCa();
  for (const id of ['a', 'b', 'c']) {
    const dir = makeTempDir(`strait-shard-search-cert-${id}-`);
    makeNodeCertificate(ca, dir, id);
    pems.set(id, { key: readFileSync(path.join(dir, `${id}.key`), 'utf8'), cert: readFileSync(path.join(dir, `${id}.crt`), 'utf8') });
  }
  for (const id of ['a', 'b', 'c']) {
    const harness = openSearchHarness({ after: (fn) => harnessCleanups.push(fn) });
    const created = await harness.call('PUT', '/:index', { params: { index: 'logs' }, body: { settings: { number_of_shards: 3 }, mappings: { properties: { kind: { type: 'keyword' }, n: { type: 'integer' } } } } });
    assert.equal(created.status, 200);
    await harness.index('logs', documents);
    const node: Node = { id, harness, server: undefined, queries: [] };
    const handlers = shardSearchHandlers({ search: harness.search, cluster: { clusterName: 'strait', clusterUuid: 'cluster-uuid' }, authorize: () => ({ access: allowAll, owner }) });
    const query = handlers.get(SHARD_SEARCH_ACTIONS.query)!;
    handlers.set(SHARD_SEARCH_ACTIONS.query, async (request) => {
      node.queries.push(String((request.body as { params: Record<string, string> }).params['preference']));
      return query(request);
    });
    const pem = pems.get(id)!;
    node.server = await startTransportServer({ host: '127.0.0.1', port: 0, local: handshake(id), handlers, logger, tls: { key: pem.key, cert: pem.cert, ca: ca.caPem, clientAuthentication: 'required' } });
    nodes.set(id, node);
  }
  const pem = pems.get('a')!;
  coordinator = new TransportNodeChannel({
    local: handshake('a'),
    logger,
    tls: { ca: ca.caPem, cert: pem.cert, key: pem.key, verificationMode: 'full' },
    addressOf: (nodeId) => {
      const server = nodes.get(nodeId)?.server;
      return server === undefined ? undefined : { host: '127.0.0.1', port: server.address.port };
    },
    connectTimeoutMs: 2_000,
  });
});

after(async () => {
  coordinator?.close();
  for (const node of nodes.values()) await node.server?.close();
  for (const cleanup of harnessCleanups) cleanup();
});

function searchOnNodes(body: Record<string, unknown>, cursor: number, params: Record<string, string> = {}, copies: readonly ShardCopies[] = shards) {
  const a = nodes.get('a')!;
  return searchShardsOnNodes({ search: a.harness.search, input: { expression: 'logs', params, body }, shards: copies, cursor, localNodeId: 'a', channel: coordinator, access: allowAll, owner, nowMs: () => Date.now() });
}

function comparable(response: Record<string, any>): unknown {
  return { total: response.hits.total, max_score: response.hits.max_score, hits: response.hits.hits, aggregations: response.aggregations };
}

const request = {
  query: { match: { text: 'quick' } },
  size: 7,
  from: 2,
  sort: [{ n: 'desc' }],
  aggs: { kinds: { terms: { field: 'kind' } }, total: { sum: { field: 'n' } } },
};

test('selectShardCopies: round robin over the started copies, one per shard; a shard without copies is unavailable', () => {
  const first = selectShardCopies(shards, 0);
  assert.deepEqual(first.selections.map((selection) => `${selection.shard}@${selection.nodeId}`), ['0@a', '1@b', '2@c']);
  assert.deepEqual(first.selections[0]!.alternatives, ['b', 'c']);
  assert.equal(first.cursor, 1);
  assert.deepEqual(selectShardCopies(shards, 1).selections.map((selection) => `${selection.shard}@${selection.nodeId}`), ['0@b', '1@c', '2@a']);
  assert.deepEqual(selectShardCopies(shards, 5).selections.map((selection) => selection.alternatives.join('')), ['ab', 'bc', 'ca']);
  const some = selectShardCopies([{ index: 'x', shard: 0, nodes: [] }, { index: 'x', shard: 1, nodes: ['a'] }], 3);
  assert.deepEqual(some.unavailable.map((shard) => shard.shard), [0]);
  assert.deepEqual(groupByNode([{ index: 'x', shard: 2, nodeId: 'a' }, { index: 'x', shard: 0, nodeId: 'a' }, { index: 'x', shard: 1, nodeId: 'b' }]), [
    { nodeId: 'a', index: 'x', shards: [0, 2] },
    { nodeId: 'b', index: 'x', shards: [1] },
  ]);
});

test('a search over shards on three nodes answers as the same search on one node, asking each node for its picked shard', async () => {
  for (const node of nodes.values()) node.queries.length = 0;
  const local = await nodes.get('b')!.harness.call('POST', '/:index/_search', { params: { index: 'logs' }, body: request });
  assert.equal(local.status, 200);
  const spread = await searchOnNodes(request, 0);
  assert.deepEqual(spread['_shards'], { total: 3, successful: 3, skipped: 0, failed: 0 });
  assert.deepEqual(comparable(spread), comparable(local.body));
  assert.equal((spread['hits'] as any).hits.length, 7);
  // Shard 0 ran on a (in process), shard 1 on b, shard 2 on c, each over the transport.
  assert.deepEqual(nodes.get('b')!.queries, ['_shards:1']);
  assert.deepEqual(nodes.get('c')!.queries, ['_shards:2']);
  // The next search starts one copy further (shard 2 on a, the coordinating node itself: no transport).
  assert.deepEqual(comparable(await searchOnNodes(request, 1)), comparable(local.body));
  assert.deepEqual(nodes.get('b')!.queries, ['_shards:1', '_shards:0']);
  assert.deepEqual(nodes.get('c')!.queries, ['_shards:2', '_shards:1']);
  assert.deepEqual(nodes.get('a')!.queries, []);
});

test('a node that fails its part: its shards are retried on other copies, the answer is unchanged', async () => {
  const local = await nodes.get('a')!.harness.call('POST', '/:index/_search', { params: { index: 'logs' }, body: request });
  const c = nodes.get('c')!;
  await c.server!.close();
  c.server = undefined;
  try {
    const spread = await searchOnNodes(request, 0);
    assert.deepEqual(spread['_shards'], { total: 3, successful: 3, skipped: 0, failed: 0 });
    assert.deepEqual(comparable(spread), comparable(local.body));
    // No copy left for a shard: partial results name it (allow_partial_search_results defaults to true) ...
    const onlyC: ShardCopies[] = [shards[0]!, shards[1]!, { index: 'logs', shard: 2, nodes: ['c'] }];
    const partial = await searchOnNodes(request, 0, {}, onlyC);
    const summary = partial['_shards'] as Record<string, any>;
    assert.equal(summary['failed'], 1);
    assert.equal(summary['successful'], 2);
    assert.equal(summary['failures'][0].shard, 2);
    assert.equal(summary['failures'][0].reason.type, 'connect_transport_exception');
    // ... and fail the search with allow_partial_search_results=false.
    await assert.rejects(searchOnNodes(request, 0, { allow_partial_search_results: 'false' }, onlyC), (error: EsError) => error.type === 'search_phase_execution_exception' && error.status === 503);
  } finally {
    const pem = pems.get('c')!;
    const handlers = shardSearchHandlers({ search: c.harness.search, cluster: { clusterName: 'strait', clusterUuid: 'cluster-uuid' }, authorize: () => ({ access: allowAll, owner }) });
    c.server = await startTransportServer({ host: '127.0.0.1', port: 0, local: handshake('c'), handlers, logger, tls: { key: pem.key, cert: pem.cert, ca: ca.caPem, clientAuthentication: 'required' } });
  }
});

// Elasticsearch's FetchSearchPhase: a shard whose fetch fails is a failed shard (its hits are left
// out, SearchPhaseController.merge skips hits without a fetch result), unless
// allow_partial_search_results=false fails the search. A node lost between the two phases (kill -9)
// must not fail a search, nor the minimized answer a remote cluster's gateway gives.
test('a node lost between the query and the fetch phase: its shards are failed shards, the other shards’ hits are answered', async () => {
  const body = { query: { match: { text: 'quick' } }, size: 100, sort: [{ n: 'desc' }] };
  const a = nodes.get('a')!;
  const ids = async (params: Record<string, string>) => ((await a.harness.call('POST', '/:index/_search', { params: { index: 'logs' }, query: params, body })).body.hits.hits as { _id: string }[]).map((hit) => hit._id);
  const onShard2 = new Set(await ids({ preference: '_shards:2' }));
  const expected = (await ids({})).filter((id) => !onShard2.has(id));
  assert.ok(onShard2.size > 0 && expected.length > 0);
  // Node c (holding shard 2's picked copy at cursor 0) answers its query phase, then is gone.
  const lossy = {
    request: (nodeId: string, action: string, payload: unknown, timeoutMs: number) =>
      nodeId === 'c' && action === SHARD_SEARCH_ACTIONS.fetch ? Promise.reject(errors.nodeDisconnected('c', '127.0.0.1:9', action)) : coordinator.request(nodeId, action, payload, timeoutMs),
  };
  const base = { search: a.harness.search, shards, cursor: 0, localNodeId: 'a', channel: lossy, access: allowAll, owner, nowMs: () => Date.now() };
  const answer = await searchShardsOnNodes({ ...base, input: { expression: 'logs', params: {}, body } });
  const summary = answer['_shards'] as Record<string, any>;
  assert.deepEqual({ total: summary['total'], successful: summary['successful'], failed: summary['failed'] }, { total: 3, successful: 2, failed: 1 });
  assert.deepEqual(summary['failures'].map((failure: any) => [failure.index, failure.shard, failure.node, failure.reason.type]), [['logs', 2, 'c', 'node_disconnected_exception']]);
  assert.deepEqual((answer['hits'] as any).hits.map((hit: { _id: string }) => hit._id), expected);
  assert.equal((answer['hits'] as any).total.value, 30, 'the query phase counted every shard');
  await assert.rejects(searchShardsOnNodes({ ...base, input: { expression: 'logs', params: { allow_partial_search_results: 'false' }, body } }), (error: EsError) => error.type === 'search_phase_execution_exception' && error.status === 503 && /"phase":"fetch"/.test(JSON.stringify(error.toBody())));
  // The minimized answer of a remote cluster's gateway, the same way.
  const gateway = await remoteSearchOnNodes({ ...base, input: { expression: 'logs', params: {}, body }, clusterAlias: 'far' });
  assert.deepEqual({ ...gateway.shards, failures: gateway.shards.failures?.map((failure: any) => [failure.shard, failure.reason.type]) }, { total: 3, successful: 2, skipped: 0, failed: 1, failures: [[2, 'node_disconnected_exception']] });
  assert.deepEqual(gateway.hits.map((hit) => (hit.rendered as { _id: string })._id), expected);
  // A request error while fetching is still the caller's, as on one node.
  const refusing = { request: (nodeId: string, action: string, payload: unknown, timeoutMs: number) => (action === SHARD_SEARCH_ACTIONS.fetch && nodeId === 'c' ? Promise.reject(errors.illegalArgument('bad fetch')) : coordinator.request(nodeId, action, payload, timeoutMs)) };
  await assert.rejects(searchShardsOnNodes({ ...base, channel: refusing, input: { expression: 'logs', params: {}, body } }), (error: EsError) => error.status === 400 && error.message === 'bad fetch');
  // A node restarted between the phases has no context any more: a lost shard too.
  const restarted = { request: (nodeId: string, action: string, payload: unknown, timeoutMs: number) => (action === SHARD_SEARCH_ACTIONS.fetch && nodeId === 'c' ? Promise.reject(errors.searchContextMissing('c-ctx')) : coordinator.request(nodeId, action, payload, timeoutMs)) };
  const afterRestart = await searchShardsOnNodes({ ...base, channel: restarted, input: { expression: 'logs', params: {}, body } });
  assert.deepEqual((afterRestart['_shards'] as any).failures.map((failure: any) => [failure.shard, failure.reason.type]), [[2, 'search_context_missing_exception']]);
  assert.deepEqual((afterRestart['hits'] as any).hits.map((hit: { _id: string }) => hit._id), expected);
});

test('bad input: a bad query is the caller’s 400 (not retried elsewhere), an unknown preference and a scroll are refused, peers of another cluster are refused', async () => {
  await assert.rejects(searchOnNodes({ query: { no_such_query: {} } }, 0), (error: EsError) => error.status === 400);
  await assert.rejects(searchOnNodes(request, 0, { preference: '_bogus' }), (error: EsError) => error.status === 400 && /no Preference for \[_bogus\]/.test(error.message));
  await assert.rejects(searchOnNodes(request, 0, { preference: '_only_nodes:nowhere' }), (error: EsError) => error.status === 400 && /no data nodes with criteria \[nowhere\] found for shard/.test(error.message));
  await assert.rejects(searchOnNodes(request, 0, { scroll: '1m' }), (error: EsError) => error.status === 400 && /\[scroll\]/.test(error.message));
  const pem = pems.get('a')!;
  const foreign = await connectTransport({ address: { host: '127.0.0.1', port: nodes.get('b')!.server!.address.port }, local: handshake('x', 'elsewhere', 'other'), logger, tls: { ca: ca.caPem, cert: pem.cert, key: pem.key, verificationMode: 'full' } });
  try {
    await assert.rejects(foreign.request(SHARD_SEARCH_ACTIONS.query, { expression: 'logs', params: {}, body: {} }), (error: EsError) => error.type === 'security_exception' && error.status === 403);
  } finally {
    foreign.close();
  }
});

// This cluster as a remote (issue #14, src/search/remote-shard-search.ts): the gateway a remote
// cluster reached coordinates its part over the nodes, and answers exactly what one node holding
// every shard answers (SearchService.searchAsRemoteCancellable, queryPhaseAsRemote + fetchAsRemote),
// `_index` named `alias:index` (modules-cross-cluster-search.html).
test('a remote cluster’s gateway: the minimized answer and the unminimized query phase and fetch over three nodes equal one node’s', async () => {
  const a = nodes.get('a')!;
  const input = { expression: 'logs', params: {}, body: request };
  const base = { search: a.harness.search, shards, localNodeId: 'a', channel: coordinator, access: allowAll, owner, clusterAlias: 'far' };
  const single = await a.harness.search.searchAsRemoteCancellable(input, allowAll, 'far');
  const summary = (answer: typeof single) => ({ totalHits: answer.totalHits, totalRelation: answer.totalRelation, maxScore: answer.maxScore, hits: answer.hits.map((hit) => hit.rendered), aggregations: answer.aggregations, shards: answer.shards.total });
  for (const cursor of [0, 1, 2]) {
    const gateway = await remoteSearchOnNodes({ ...base, input, cursor, nowMs: () => Date.now() });
    assert.deepEqual(summary(gateway), summary(single));
    assert.deepEqual(gateway.shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
  }
  assert.equal(single.hits.length, 9); // from + size: the querying cluster applies `from`
  assert.equal((single.hits[0]!.rendered as { _index: string })._index, 'far:logs');

  let made = 0;
  const contexts = new GatewayQueryContexts(
    () => `gateway-${++made}`,
    (context) => releasePhases({ search: a.harness.search, channel: coordinator, localNodeId: 'a', owner, phases: context.phases, keep: new Set() }),
  );
  const gatewayOptions = { search: a.harness.search, channel: coordinator, localNodeId: 'a', nodeOwner: owner, contexts };
  const caller = { username: 'remote-user', realm: 'remote:transport:native' };
  const phase = await remoteQueryPhaseOnNodes({ ...base, input, cursor: 1, contexts, caller });
  const onOne = a.harness.search.queryPhaseAsRemote(input, allowAll, caller, 'far');
  const byShard = (results: typeof phase.shardResults) => [...results].sort((x, y) => x.shardKey.localeCompare(y.shardKey));
  assert.deepEqual(byShard(phase.shardResults).map((result) => [result.shardKey, result.totalHits, result.hits.length]), byShard(onOne.shardResults).map((result) => [result.shardKey, result.totalHits, result.hits.length]));
  assert.deepEqual(phase.shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
  // Two hits of each shard, as a coordinator's merge might pick them (they cross the wire as JSON).
  const picked = (results: typeof phase.shardResults) => JSON.parse(JSON.stringify(byShard(results).flatMap((result) => result.hits.slice(0, 2))));
  // Another caller cannot use the gateway's context (nor tell it exists).
  await assert.rejects(remoteFetchOnNodes(gatewayOptions, phase.contextId, picked(phase.shardResults), { username: 'someone-else', realm: 'remote:transport:native' }), (error: EsError) => error.type === 'search_phase_execution_exception' && /No search context found/.test(JSON.stringify(error.toBody())));
  const fetched = await remoteFetchOnNodes(gatewayOptions, phase.contextId, picked(phase.shardResults), caller);
  assert.deepEqual(fetched, a.harness.search.fetchAsRemote(onOne.contextId, picked(onOne.shardResults), caller));
  assert.equal(fetched!.length, 6);
  // Fetched once: the context is gone; an id the gateway never made is a single node's own (undefined).
  assert.equal(contexts.size, 0);
  assert.equal(await remoteFetchOnNodes(gatewayOptions, phase.contextId, [], caller), undefined);
  assert.equal(await remoteFreeOnNodes(gatewayOptions, 'not-a-gateway-context', caller), undefined);
  // A hit of a shard the phase did not search is the caller's 400; freeing frees every node's part.
  const other = await remoteQueryPhaseOnNodes({ ...base, input, cursor: 2, contexts, caller });
  await assert.rejects(remoteFetchOnNodes(gatewayOptions, other.contextId, [{ ...picked(other.shardResults)[0], shardKey: 'far:other:0' }], caller), (error: EsError) => error.status === 400 && /did not search/.test(error.message));
  const freed = await remoteQueryPhaseOnNodes({ ...base, input, cursor: 0, contexts, caller });
  assert.equal(await remoteFreeOnNodes(gatewayOptions, freed.contextId, { username: 'someone-else', realm: 'x' }), false);
  assert.equal(await remoteFreeOnNodes(gatewayOptions, freed.contextId, caller), true);
  assert.equal(contexts.size, 0);
  contexts.close();
});
