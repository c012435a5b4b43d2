// Failover under load at the data-plane level (issue #14's ledger test, with the coordination
// played by the pure master decisions of src/index/replication/shard-state.ts): four writers index
// through two coordinating nodes while the primary's node dies (its transport endpoint and shard
// copy vanish at once, as after kill -9). The master promotes an in-sync replica under the next
// primary term; writers retry on it. Every acknowledged write survives, and after the stale
// replica recovers every copy is identical. Real mutual-TLS transport endpoints on 127.0.0.1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { REPLICATION_ACTIONS, type ShardTarget } from '../../../src/index/replication/actions.js';
import { TransportNodeChannel } from '../../../src/index/replication/node-channel.js';
import { ReplicationService, type AppliedShardState } from '../../../src/index/replication/service.js';
import { internalVersionWriter } from '../../../src/index/replication/shard-writer.js';
import { decideShardFailed, decideShardStarted, type ShardStateView } from '../../../src/index/replication/shard-state.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { startTransportServer, TRANSPORT_FORMAT_VERSION, type HandshakeInfo, type TransportHandler, type TransportServer } from '../../../src/transport/index.js';
import { makeCa, makeNodeCertificate, makeTempDir, type Certificates } from '../../harness/cluster.js';

const logger = pino({ level: 'silent' });
const target: ShardTarget = { indexUuid: 'idx', index: 'ledger', shard: 0 };
const handshake = (nodeId: string): HandshakeInfo => ({ clusterName: 'strait', clusterUuid: 'cu', nodeId, nodeName: nodeId, version: '9.1.0', roles: ['master', 'data'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION });

interface Node {
  readonly id: string;
  readonly service: ReplicationService;
  readonly channel: TransportNodeChannel;
  server: TransportServer | undefined;
  store: ShardStore;
  readonly dir: string;
  alive: boolean;
}

let ca: Certificates;
const nodes = new Map<string, Node>();
let view: ShardStateView;
const masterNode = 'b'; // the master's decisions run on b (a, the first primary, dies)

function publish(next: ShardStateView): void {
  view = next;
  const primary = next.copies.find((copy) => copy.primary);
  const applied: AppliedShardState = { primaryTerm: next.primaryTerm, primaryAllocationId: primary?.allocationId, inSync: next.inSync, copies: Object.fromEntries(next.copies.map((copy) => [copy.allocationId, copy.nodeId])) };
  for (const node of nodes.values()) if (node.alive) node.service.applyShardState(target, applied);
}

const masterHandlers = new Map<string, TransportHandler>([
  [
    REPLICATION_ACTIONS.shardFailure,
    async (request) => {
      const body = request.body as Record<string, unknown>;
      const decision = decideShardFailed(view, { allocationId: String(body['allocation_id']), primaryTerm: Number(body['primary_term']), markAsStale: true });
      if (decision.outcome === 'refused') throw decision.error;
      if (decision.outcome === 'applied') publish(decision.shard);
      return {};
    },
  ],
  [
    REPLICATION_ACTIONS.shardStarted,
    async (request) => {
      const body = request.body as Record<string, unknown>;
      const decision = decideShardStarted(view, { allocationId: String(body['allocation_id']), primaryTerm: Number(body['primary_term']) });
      if (decision.outcome === 'applied') publish(decision.shard);
      return {};
    },
  ],
]);

let generation = 0;
function openReplica(node: Node, allocationId: string): void {
  node.service.openReplica(target, node.store, allocationId, view.primaryTerm, () => {
    node.store.close();
    node.store = ShardStore.open(path.join(node.dir, `copy-${++generation}.db`), { indexUuid: target.indexUuid, durability: 'async' });
    return node.store;
  });
}

function documentsOf(store: ShardStore): string {
  return JSON.stringify([...store.scan()].sort((x, y) => x.id.localeCompare(y.id)).map((document) => [document.id, document.seqNo, document.primaryTerm, document.version, document.source]));
}

before(async () => {
  ca = makeCa();
  for (const id of ['a', 'b', 'c']) {
    const dir = makeTempDir(`strait-failover-${id}-`);
    makeNodeCertificate(ca, dir, id);
    const pem = { key: readFileSync(path.join(dir, `${id}.key`), 'utf8'), cert: readFileSync(path.join(dir, `${id}.crt`), 'utf8') };
    const channel = new TransportNodeChannel({
      local: handshake(id),
      logger,
      tls: { ca: ca.caPem, cert: pem.cert, key: pem.key, verificationMode: 'full' },
      addressOf: (nodeId) => {
        const server = nodes.get(nodeId)?.server;
        return server === undefined ? undefined : { host: '127.0.0.1', port: server.address.port };
      },
      connectTimeoutMs: 1_000,
    });
    const service = new ReplicationService({ nodeId: id, cluster: { clusterName: 'strait', clusterUuid: 'cu' }, channel, logger, writer: internalVersionWriter, masterNodeId: () => masterNode, nowMs: () => Date.now() });
    const node: Node = { id, service, channel, server: undefined, store: ShardStore.open(path.join(dir, 'copy-0.db'), { indexUuid: target.indexUuid, durability: 'async' }), dir, alive: true };
    node.server = await startTransportServer({
      host: '127.0.0.1',
      port: 0,
      local: handshake(id),
      handlers: new Map([...service.handlers(), ...(id === masterNode ? masterHandlers : [])]),
      logger,
      tls: { key: pem.key, cert: pem.cert, ca: ca.caPem, clientAuthentication: 'required' },
    });
    nodes.set(id, node);
  }
  view = {
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
  const a = nodes.get('a')!;
  a.service.openPrimary(target, a.store, 'pa', { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa'], copies: { pa: 'a', rb: 'b', rc: 'c' } });
  openReplica(nodes.get('b')!, 'rb');
  openReplica(nodes.get('c')!, 'rc');
  await nodes.get('b')!.service.recover(target, 'a');
  await nodes.get('c')!.service.recover(target, 'a');
  assert.deepEqual(view.inSync, ['pa', 'rb', 'rc']);
});

after(async () => {
  for (const node of nodes.values()) {
    node.service.close();
    node.channel.close();
    await node.server?.close();
    node.store.close();
  }
});

test('the primary dies under four writers: every acknowledged write survives the failover, and every copy is identical after recovery', async () => {
  const acknowledged = new Map<string, number>(); // id -> the n written
  let stop = false;
  const primaryNode = (): string => view.copies.find((copy) => copy.primary)!.nodeId;
  const writer = async (w: number): Promise<void> => {
    const coordinator = nodes.get(w % 2 === 0 ? 'b' : 'c')!;
    for (let n = 0; !stop; n++) {
      const id = `w${w}-${n}`;
      for (let attempt = 0; ; attempt++) {
        assert.ok(attempt < 200, `write ${id} kept failing`);
        try {
          const response = await coordinator.service.sendBulkShard(primaryNode(), target, [{ op: 'index', id, source: JSON.stringify({ w, n }) }]);
          const item = (response['items'] as Record<string, unknown>[])[0]!;
          assert.ok(item['status'] === 201 || item['status'] === 200, JSON.stringify(item));
          acknowledged.set(id, n);
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  const waitFor = async (count: number): Promise<void> => {
    while (acknowledged.size < count) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  await waitFor(40);
  // kill -9 of a: its endpoint and its copy vanish mid-write.
  const a = nodes.get('a')!;
  a.alive = false;
  a.service.close();
  await a.server!.close();
  a.server = undefined;
  // The master notices the node left: its copy fails, an in-sync replica becomes primary under term 2.
  const promoted = decideShardFailed(view, { allocationId: 'pa', primaryTerm: 0, markAsStale: true });
  assert.equal(promoted.outcome, 'applied');
  if (promoted.outcome !== 'applied') return;
  publish(promoted.shard);
  assert.equal(view.primaryTerm, 2);
  assert.equal(primaryNode(), 'b');
  await waitFor(acknowledged.size + 40);
  stop = true;
  await Promise.all(writers);
  const b = nodes.get('b')!;
  const c = nodes.get('c')!;
  // Nothing acknowledged is lost on the new primary.
  for (const [id, n] of acknowledged) assert.deepEqual(JSON.parse(b.store.get(id)?.source ?? 'null'), { w: Number(id.slice(1, id.indexOf('-'))), n }, id);
  // c either kept up or was failed out of the in-sync set and must recover; either way it converges.
  if (!view.inSync.includes('rc')) {
    c.service.closeCopy(target);
    publish({ ...view, copies: [...view.copies.filter((copy) => copy.allocationId !== 'rc'), { allocationId: 'rc2', nodeId: 'c', primary: false, state: 'INITIALIZING' }] });
    openReplica(c, 'rc2');
    await c.service.recover(target, 'b');
  }
  const written = await b.service.write(target, [{ op: 'index', id: 'final', source: '{}' }]);
  assert.equal(written.shards.failed, 0);
  assert.equal(written.shards.successful, 2);
  assert.equal(documentsOf(c.store), documentsOf(b.store));
  for (const id of acknowledged.keys()) assert.ok(c.store.get(id) !== undefined, id);
});
