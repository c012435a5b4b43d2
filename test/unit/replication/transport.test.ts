// Replication between shard copies over real mutual-TLS transport endpoints on 127.0.0.1 (three
// nodes, certificates from the test CA of test/harness). Elasticsearch's rules enforced here:
// ReplicationOperation (a write is acknowledged once every in-sync copy wrote it; a failed copy is
// removed from the in-sync set by the master BEFORE the acknowledgement), ShardStateAction
// (no_longer_primary_shard_exception for a report from an older primary term), replica fencing
// ("operation primary term [x] is too old"), and peer recovery (operation replay when the history
// is retained, a full copy otherwise, then internal:cluster/shard/started).
// The master's part is played by the pure decisions of src/index/replication/shard-state.ts, its
// cluster state pushed to each node's ReplicationService as the coordination layer will.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { EsError } from '../../../src/common/errors.js';
import { REPLICATION_ACTIONS, type ShardTarget } from '../../../src/index/replication/actions.js';
import { TransportNodeChannel } from '../../../src/index/replication/node-channel.js';
import { ReplicationService, type AppliedShardState } from '../../../src/index/replication/service.js';
import { internalVersionWriter } from '../../../src/index/replication/shard-writer.js';
import { decideShardFailed, decideShardStarted, type ShardStateView } from '../../../src/index/replication/shard-state.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { connectTransport, startTransportServer, TRANSPORT_FORMAT_VERSION, type HandshakeInfo, type TransportHandler, type TransportServer } from '../../../src/transport/index.js';
import { makeCa, makeNodeCertificate, makeTempDir, type Certificates } from '../../harness/cluster.js';

const logger = pino({ level: 'silent' });
const target: ShardTarget = { indexUuid: 'idx-uuid', index: 'logs', shard: 0 };

function handshake(nodeId: string, clusterName = 'strait', clusterUuid = 'cluster-uuid'): HandshakeInfo {
  return { clusterName, clusterUuid, nodeId, nodeName: nodeId, version: '9.1.0', roles: ['master', 'data'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION };
}

interface TestNode {
  readonly id: string;
  readonly service: ReplicationService;
  readonly channel: TransportNodeChannel;
  server: TransportServer | undefined;
  port: number;
  store: ShardStore;
  readonly dir: string;
}

let ca: Certificates;
const pems = new Map<string, { key: string; cert: string }>();
const nodes = new Map<string, TestNode>();
const masterLog: string[] = [];
/** Recovery bytes each node (as a recovery source) passed through its rate limit. */
const pacedBytes = new Map<string, number>();
let master: ShardStateView;

function storeFile(dir: string, generation: number): string {
  return path.join(dir, `shard-0-${generation}.db`);
}

/** The master: applies a decision and publishes the shard's state to every node still reachable. */
function publish(view: ShardStateView, to: readonly string[] = [...nodes.keys()]): void {
  master = view;
  const primary = view.copies.find((copy) => copy.primary);
  const applied: AppliedShardState = {
    primaryTerm: view.primaryTerm,
    primaryAllocationId: primary?.allocationId,
    inSync: view.inSync,
    copies: Object.fromEntries(view.copies.map((copy) => [copy.allocationId, copy.nodeId])),
  };
  for (const id of to) nodes.get(id)?.service.applyShardState(target, applied);
}

const masterHandlers = new Map<string, TransportHandler>([
  [
    REPLICATION_ACTIONS.shardFailure,
    async (request) => {
      const body = request.body as Record<string, unknown>;
      const decision = decideShardFailed(master, { allocationId: String(body['allocation_id']), primaryTerm: Number(body['primary_term']), markAsStale: body['mark_as_stale'] === true });
      masterLog.push(`failure ${String(body['allocation_id'])} term=${String(body['primary_term'])} -> ${decision.outcome}`);
      if (decision.outcome === 'refused') throw decision.error;
      if (decision.outcome === 'applied') publish(decision.shard, publishTo);
      return {};
    },
  ],
  [
    REPLICATION_ACTIONS.shardStarted,
    async (request) => {
      const body = request.body as Record<string, unknown>;
      const decision = decideShardStarted(master, { allocationId: String(body['allocation_id']), primaryTerm: Number(body['primary_term']) });
      masterLog.push(`started ${String(body['allocation_id'])} -> ${decision.outcome}`);
      if (decision.outcome === 'applied') publish(decision.shard, publishTo);
      return {};
    },
  ],
]);
/** Nodes the master can reach (a partitioned node misses cluster states). */
let publishTo: string[] = [];

async function startServer(node: TestNode): Promise<void> {
  const pem = pems.get(node.id)!;
  const handlers = new Map([...node.service.handlers(), ...(node.id === 'a' ? masterHandlers : [])]);
  node.server = await startTransportServer({
    host: '127.0.0.1',
    port: node.port,
    local: handshake(node.id),
    handlers,
    logger,
    tls: { key: pem.key, cert: pem.cert, ca: ca.caPem, clientAuthentication: 'required' },
  });
  node.port = node.server.address.port;
}

async function startNode(id: string): Promise<TestNode> {
  const dir = makeTempDir(`strait-repl-${id}-`);
  const pem = pems.get(id)!;
  const channel = new TransportNodeChannel({
    local: handshake(id),
    logger,
    tls: { ca: ca.caPem, cert: pem.cert, key: pem.key, verificationMode: 'full' },
    addressOf: (nodeId) => {
      const other = nodes.get(nodeId);
      return other?.server === undefined ? undefined : { host: '127.0.0.1', port: other.port };
    },
    connectTimeoutMs: 2_000,
  });
  const service = new ReplicationService({
    nodeId: id,
    cluster: { clusterName: 'strait', clusterUuid: 'cluster-uuid' },
    channel,
    logger,
    writer: internalVersionWriter,
    masterNodeId: () => 'a',
    nowMs: () => Date.now(),
    pace: async (bytes) => {
      pacedBytes.set(id, (pacedBytes.get(id) ?? 0) + bytes);
    },
  });
  const node: TestNode = { id, service, channel, server: undefined, port: 0, store: ShardStore.open(storeFile(dir, 0), { indexUuid: target.indexUuid, durability: 'async' }), dir };
  nodes.set(id, node);
  await startServer(node);
  return node;
}

let generation = 0;
function openReplica(node: TestNode, allocationId: string, primaryTerm: number): void {
  node.service.openReplica(target, node.store, allocationId, primaryTerm, () => {
    node.store.close();
    node.store = ShardStore.open(storeFile(node.dir, ++generation), { indexUuid: target.indexUuid, durability: 'async' });
    return node.store;
  });
}

function documentsOf(store: ShardStore): string {
  return JSON.stringify([...store.scan()].sort((x, y) => x.id.localeCompare(y.id)).map((document) => [document.id, document.seqNo, document.primaryTerm, document.version, document.source]));
}

function indexItems(from: number, count: number, prefix = 'doc') {
  return Array.from({ length: count }, (_, index) => ({ op: 'index' as const, id: `${prefix}-${from + index}`, source: JSON.stringify({ n: from + index }) }));
}

before(async () => {
  ca = makeCa();
  for (const id of ['a', 'b', 'c']) {
    const dir = makeTempDir(`strait-repl-cert-${id}-`);
    makeNodeCertificate(ca, dir, id);
    pems.set(id, { key: readFileSync(path.join(dir, `${id}.key`), 'utf8'), cert: readFileSync(path.join(dir, `${id}.crt`), 'utf8') });
  }
  for (const id of ['a', 'b', 'c']) await startNode(id);
  publishTo = ['a', 'b', 'c'];
  // Primary on a; replicas assigned on b and c, initializing until they recover.
  master = {
    index: target.index,
    shard: 0,
    primaryTerm: 1,
    inSync: ['pa'],
    copies: [
      { allocationId: 'pa', nodeId: 'a', primary: true, state: 'STARTED' },
      { allocationId: 'rb', nodeId: 'b', primary: false, state: 'INITIALIZING' },
      { allocationId: 'rc', nodeId: 'c', primary: false, state: 'INITIALIZING' },
    ],
  };
  const applied: AppliedShardState = { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa'], copies: { pa: 'a', rb: 'b', rc: 'c' } };
  nodes.get('a')!.service.openPrimary(target, nodes.get('a')!.store, 'pa', applied);
  openReplica(nodes.get('b')!, 'rb', 1);
  openReplica(nodes.get('c')!, 'rc', 1);
});

after(async () => {
  for (const node of nodes.values()) {
    node.service.close();
    node.channel.close();
    await node.server?.close();
    node.store.close();
  }
});

test('a write before the replicas recovered: acknowledged by the primary alone, the replicas then recover by operation replay and join the in-sync set', async () => {
  const a = nodes.get('a')!;
  const first = await a.service.write(target, indexItems(0, 5));
  assert.deepEqual(first.shards, { total: 3, successful: 1, failed: 0, failures: [] });
  assert.equal(first.globalCheckpoint, 4);
  for (const id of ['b', 'c']) {
    const outcome = await nodes.get(id)!.service.recover(target, 'a');
    assert.deepEqual(outcome, { phase: 'operations', documents: 0, operations: 5 });
  }
  assert.deepEqual(master.inSync, ['pa', 'rb', 'rc']);
  assert.deepEqual(a.service.primaryState(target)?.inSync, ['pa', 'rb', 'rc']);
  assert.equal(documentsOf(nodes.get('b')!.store), documentsOf(a.store));
  assert.equal(documentsOf(nodes.get('c')!.store), documentsOf(a.store));
});

test('indices:data/write/bulk[s] from a coordinating node: acknowledged once every in-sync copy wrote it, same seq_no, term and version everywhere', async () => {
  const c = nodes.get('c')!;
  const response = await c.service.sendBulkShard('a', target, [...indexItems(5, 20), { op: 'create', id: 'doc-0', source: '{}' }, { op: 'delete', id: 'doc-1' }]);
  assert.deepEqual(response['_shards'], { total: 3, successful: 3, failed: 0 });
  const items = response['items'] as Record<string, unknown>[];
  assert.equal(items.length, 22);
  assert.deepEqual(items[0], { _id: 'doc-5', _version: 1, _seq_no: 5, _primary_term: 1, result: 'created', status: 201 });
  assert.equal((items[20]!['error'] as Record<string, unknown>)['type'], 'version_conflict_engine_exception');
  assert.deepEqual(items[21], { _id: 'doc-1', _version: 2, _seq_no: 25, _primary_term: 1, result: 'deleted', status: 200 });
  const a = nodes.get('a')!;
  for (const id of ['b', 'c']) {
    assert.equal(documentsOf(nodes.get(id)!.store), documentsOf(a.store), `copy on ${id}`);
    assert.equal(nodes.get(id)!.store.maxSeqNo, 25);
  }
  // The global checkpoint reaches the replicas with the next write.
  const next = await a.service.write(target, indexItems(25, 1));
  assert.equal(next.globalCheckpoint, 26);
  assert.equal(nodes.get('b')!.service.replicaState(target)?.globalCheckpoint, 25);
});

test('malformed or foreign internode requests are refused with Elasticsearch errors and change nothing', async () => {
  const b = nodes.get('b')!;
  const before = b.store.maxSeqNo;
  const pem = pems.get('c')!;
  const dial = (clusterName: string, clusterUuid: string) =>
    connectTransport({ address: { host: '127.0.0.1', port: b.port }, local: handshake('x', clusterName, clusterUuid), logger, tls: { ca: ca.caPem, cert: pem.cert, key: pem.key, verificationMode: 'full' } });
  const insider = await dial('strait', 'cluster-uuid');
  try {
    const refused = async (body: unknown, type: string, reason: RegExp): Promise<void> => {
      await assert.rejects(insider.request(REPLICATION_ACTIONS.bulkShardReplica, body), (error: EsError) => error.type === type && reason.test(error.message));
    };
    await refused({ index_uuid: 'idx-uuid', index: 'logs', shard: 0 }, 'illegal_argument_exception', /\[allocation_id\] must be a non-empty string/);
    await refused({ index_uuid: 'idx-uuid', index: 'logs', shard: 0, allocation_id: 'rb', primary_term: 1, global_checkpoint: 0, operations: [[before + 1, 'index', 'x', null, 1, 1, null, null]] }, 'illegal_argument_exception', /source that does not fit/);
    await refused({ index_uuid: 'idx-uuid', index: 'logs', shard: 0, allocation_id: 'other', primary_term: 1, global_checkpoint: 0, operations: [] }, 'shard_not_found_exception', /no such shard/);
    await refused({ index_uuid: 'idx-uuid', index: 'logs', shard: 0, allocation_id: 'rb', primary_term: 1, global_checkpoint: 0, operations: [[before + 2, 'index', 'gap', '{}', 1, 1, null, null]] }, 'illegal_state_exception', /expected operation \[\d+\] but received/);
  } finally {
    insider.close();
  }
  const foreign = await dial('elsewhere', 'other-uuid');
  try {
    await assert.rejects(
      foreign.request(REPLICATION_ACTIONS.bulkShardReplica, { index_uuid: 'idx-uuid', index: 'logs', shard: 0, allocation_id: 'rb', primary_term: 9, global_checkpoint: 0, operations: [] }),
      (error: EsError) => error.type === 'security_exception' && error.status === 403,
    );
  } finally {
    foreign.close();
  }
  assert.equal(b.store.maxSeqNo, before);
  assert.equal(b.service.replicaState(target)?.operationPrimaryTerm, 1);
});

test('a replica that fails is out of the in-sync set before the write is acknowledged (internal:cluster/shard/failure)', async () => {
  const a = nodes.get('a')!;
  const b = nodes.get('b')!;
  await b.server!.close();
  b.server = undefined; // b is unreachable: connections to it fail
  masterLog.length = 0;
  let inSyncWhenAcknowledged: readonly string[] = [];
  const response = await a.service.write(target, indexItems(100, 3)).then((written) => {
    inSyncWhenAcknowledged = master.inSync;
    return written;
  });
  assert.deepEqual(masterLog, ['failure rb term=1 -> applied']);
  assert.deepEqual(inSyncWhenAcknowledged, ['pa', 'rc']);
  assert.equal(response.shards.successful, 2);
  assert.equal(response.shards.failed, 1);
  assert.equal(response.shards.failures[0]!.allocationId, 'rb');
  assert.deepEqual(a.service.primaryState(target)?.inSync, ['pa', 'rc']);
  assert.equal(documentsOf(nodes.get('c')!.store), documentsOf(a.store));
});

test('an isolated old primary acknowledges nothing once a new primary exists: replicas fence it, the master refuses it', async () => {
  const a = nodes.get('a')!;
  const c = nodes.get('c')!;
  // The master promotes c (term 2); a does not hear of it (partitioned from the master's publication).
  publishTo = ['c'];
  const failed = decideShardFailed(master, { allocationId: 'pa', primaryTerm: 0, markAsStale: true });
  assert.equal(failed.outcome, 'applied');
  if (failed.outcome !== 'applied') return;
  assert.equal(failed.shard.primaryTerm, 2);
  publish(failed.shard, ['c']);
  assert.equal(c.service.primaryState(target)?.primaryTerm, 2);
  masterLog.length = 0;
  await assert.rejects(a.service.write(target, indexItems(200, 1)), (error: EsError) => error.type === 'no_longer_primary_shard_exception' && /primary term \[1\]/.test(error.message));
  assert.deepEqual(masterLog, ['failure rc term=1 -> refused']);
  assert.equal(a.service.primaryState(target)?.mode, 'stale');
  await assert.rejects(a.service.write(target, indexItems(201, 1)), (error: EsError) => error.type === 'shard_not_in_primary_mode_exception' && error.status === 404);
  // The new primary writes under term 2 and acknowledges alone (the only in-sync copy).
  const written = await c.service.write(target, indexItems(300, 2));
  assert.deepEqual(written.items[0], { _id: 'doc-300', _version: 1, _seq_no: c.store.maxSeqNo - 1, _primary_term: 2, result: 'created', status: 201 });
  assert.equal(written.shards.successful, 1);
});

test('recovery of returning copies: the old primary whose history diverged gets a full document copy, a copy with a shared history replays operations', async () => {
  const a = nodes.get('a')!;
  const b = nodes.get('b')!;
  const c = nodes.get('c')!;
  publishTo = ['a', 'b', 'c'];
  // a comes back as a replica (new allocation) of c; it holds operation [29] under term 1 that c never had.
  a.service.closeCopy(target);
  const view: ShardStateView = { ...master, copies: [...master.copies, { allocationId: 'ra', nodeId: 'a', primary: false, state: 'INITIALIZING' }] };
  openReplica(a, 'ra', 2);
  publish(view);
  const fromA = await a.service.recover(target, 'c');
  assert.equal(fromA.phase, 'documents');
  assert.match(fromA.reason ?? '', /histories diverged/);
  assert.equal(documentsOf(a.store), documentsOf(c.store));
  assert.equal(a.store.maxSeqNo, c.store.maxSeqNo);
  // b comes back with its store (a prefix of c's history): operation replay from its checkpoint.
  await startServer(b);
  b.service.closeCopy(target);
  const reopened = { ...master, copies: [...master.copies, { allocationId: 'rb2', nodeId: 'b', primary: false, state: 'INITIALIZING' as const }] };
  openReplica(b, 'rb2', 2);
  publish(reopened);
  const missing = c.store.maxSeqNo - b.store.maxSeqNo;
  const fromB = await b.service.recover(target, 'c');
  assert.deepEqual(fromB, { phase: 'operations', documents: 0, operations: missing });
  assert.deepEqual(master.inSync, ['ra', 'rb2', 'rc']);
  // Every copy in sync takes the next write, identical everywhere.
  const written = await c.service.write(target, indexItems(400, 10));
  assert.equal(written.shards.successful, 3);
  for (const node of [a, b]) assert.equal(documentsOf(node.store), documentsOf(c.store));
});

test('a write during a full copy is held for the recovering copy and reaches it once, in order', async () => {
  const a = nodes.get('a')!;
  const c = nodes.get('c')!;
  // Forget a's copy and recover it again while writes keep coming.
  a.service.closeCopy(target);
  const view: ShardStateView = { ...master, inSync: master.inSync.filter((id) => id !== 'ra'), copies: [...master.copies.filter((copy) => copy.allocationId !== 'ra'), { allocationId: 'ra2', nodeId: 'a', primary: false, state: 'INITIALIZING' }] };
  publish(view);
  const big = await c.service.write(target, indexItems(1000, 2_500)); // a misses these: three chunks to copy
  // One write of more operations than a replica request carries reaches b in several requests.
  assert.deepEqual({ successful: big.shards.successful, failed: big.shards.failed }, { successful: 2, failed: 0 });
  assert.ok(master.inSync.includes('rb2'));
  c.store.trimOpsBelow(c.store.maxSeqNo); // and the history a would need is gone: full copy
  openReplica(a, 'ra2', 2);
  let done = false;
  pacedBytes.delete('c');
  const recovering = a.service.recover(target, 'c').finally(() => {
    done = true;
  });
  // Writes keep coming; those made while a is tracked wait for it (held until the copy is done).
  let writesWhileTracked = 0;
  let next = 5_000;
  while (!done) {
    if (c.service.primaryState(target)?.recovering.includes('ra2') === true) writesWhileTracked++;
    const response = await c.service.write(target, indexItems(next, 3));
    assert.equal(response.shards.failed, 0);
    next += 3;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const outcome = await recovering;
  assert.equal(outcome.phase, 'documents');
  // Every copied document went through indices.recovery.max_bytes_per_sec's pacer.
  assert.ok((pacedBytes.get('c') ?? 0) >= 2_500 * '{"n":1000}'.length, 'the copied documents were paced');
  assert.match(outcome.reason ?? '', /no longer retains operations/);
  assert.ok(writesWhileTracked > 0, 'some writes happened while the copy was tracked');
  assert.equal(documentsOf(a.store), documentsOf(c.store));
  assert.equal(a.store.maxSeqNo, c.store.maxSeqNo);
  assert.ok(master.inSync.includes('ra2'));
});

test('after a promotion the new primary resyncs its in-sync copies (internal:index/seq_no/resync): a copy holding the same operations stays in sync without recovering', async () => {
  const c = nodes.get('c')!;
  publishTo = ['a', 'b', 'c'];
  assert.deepEqual([...master.inSync].sort(), ['ra2', 'rb2', 'rc']);
  // The replicas hold the last write but know a global checkpoint one behind it.
  const a = nodes.get('a')!;
  assert.ok(a.service.replicaState(target)!.localCheckpoint > a.service.replicaState(target)!.globalCheckpoint);
  // c's node dies; the master promotes the first started in-sync replica under the next term.
  await c.server!.close();
  c.server = undefined;
  c.service.closeCopy(target);
  publishTo = ['a', 'b'];
  const promoted = decideShardFailed(master, { allocationId: 'rc', primaryTerm: 0, markAsStale: true });
  assert.equal(promoted.outcome, 'applied');
  if (promoted.outcome !== 'applied') return;
  masterLog.length = 0;
  publish(promoted.shard, publishTo);
  const primaryId = promoted.shard.copies.find((copy) => copy.primary)!.nodeId;
  const primary = nodes.get(primaryId)!;
  const other = nodes.get(primaryId === 'a' ? 'b' : 'a')!;
  const written = await primary.service.write(target, indexItems(9_000, 3));
  assert.deepEqual({ successful: written.shards.successful, failed: written.shards.failed }, { successful: 2, failed: 0 });
  assert.deepEqual(masterLog, []);
  assert.equal(written.items[0]!['_primary_term'], promoted.shard.primaryTerm);
  assert.equal(documentsOf(other.store), documentsOf(primary.store));
  assert.equal(other.service.replicaState(target)?.mustRecover, false);
});
