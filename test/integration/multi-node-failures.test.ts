/**
 * Issue #14 "Tests": failures of a many-node cluster under writes, with real nodes over a real etcd.
 * - SIGSTOP of the node holding a primary, past its lease: the master promotes the in-sync replica
 *   (primary term + 1) and writes through another node are acknowledged by it; a write that
 *   reached the paused node is acknowledged only if it is durable in the new in-sync set (an
 *   isolated old primary cannot acknowledge: docs-replication.html, "the primary ... is no longer
 *   the primary", and replicas refuse operations of an older term); after SIGCONT the old primary
 *   rejoins as a replica and its copy converges; writes sent through it at once after SIGCONT are
 *   acknowledged only under the new primary term, with the seq_no every copy then holds.
 * - A rolling restart of all three nodes while writers index: every acknowledged write is found on
 *   every copy afterwards, and the copies are identical.
 * - Allocation filters move started copies (shard-allocation-filtering.html): a node decommissioned
 *   by `cluster.routing.allocation.exclude._name` while writers index loses every copy, primaries
 *   included, with no acknowledged write lost.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';
import { etcdSkipReason, startEtcd, type RunningEtcd } from '../harness/etcd.js';
import { assertCopiesIdentical, nodeById, shardLayout } from '../harness/shard-copies.js';

const skip = etcdSkipReason();

/** Documents and operations in a node's stores of the first `shards` shards of index `uuid`, plus their segment files. */
function shardFilesHold(dataDir: string, uuid: string, shards: number): number {
  let held = 0;
  for (let shard = 0; shard < shards; shard++) {
    const file = path.join(dataDir, 'indices', uuid, `shard-${shard}.db`);
    if (existsSync(file)) {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        held += (db.prepare('SELECT (SELECT COUNT(*) FROM docs) + (SELECT COUNT(*) FROM ops) AS n').get() as { n: number }).n;
      } finally {
        db.close();
      }
    }
    const segments = path.join(dataDir, 'indices', uuid, shard === 0 ? 'searcher' : `searcher-${shard}`);
    if (existsSync(segments)) held += readdirSync(segments).length;
  }
  return held;
}

/** The files a node keeps of shards `shards` of index `uuid`: database, write-ahead log, shared memory and segment directories. */
function shardFilesLeft(dataDir: string, uuid: string, shards: readonly number[]): string[] {
  const directory = path.join(dataDir, 'indices', uuid);
  const names = new Set(shards.flatMap((shard) => [`shard-${shard}.db`, `shard-${shard}.db-wal`, `shard-${shard}.db-shm`, shard === 0 ? 'searcher' : `searcher-${shard}`]));
  return existsSync(directory) ? readdirSync(directory).filter((name) => names.has(name)) : [];
}

async function green(node: StartedNode, index: string): Promise<void> {
  const health = await jsonCall(node, 'GET', `/_cluster/health/${index}?wait_for_status=green&wait_for_nodes=3&timeout=60s`);
  assert.equal(health.body.status, 'green', health.text);
}

describe('failures of a three-node cluster under writes', { skip }, () => {
  let etcd: RunningEtcd;
  const nodes: StartedNode[] = [];
  const yaml = (): string => ['discovery.type: multi-node', `cluster.coordination.etcd.endpoints: ${etcd.endpoint}`].join('\n');
  before(async () => {
    etcd = await startEtcd();
    for (const name of ['fail-a', 'fail-b', 'fail-c']) nodes.push(await startNode({ security: false, clusterName: 'failures', nodeName: name, yaml: yaml() }));
    const formed = await jsonCall(nodes[0]!, 'GET', '/_cluster/health?wait_for_nodes=3&timeout=30s');
    assert.equal(formed.status, 200, formed.text);
  });
  after(async () => {
    for (const node of nodes) await node.destroy();
    await etcd?.destroy();
  });

  test('SIGSTOP of the primary past its lease: the replica is promoted and acknowledges writes; the old primary acknowledges nothing it could lose, then rejoins and converges', async () => {
    const created = await jsonCall(nodes[0]!, 'PUT', '/paused', { settings: { number_of_shards: 1, number_of_replicas: 1 } });
    assert.equal(created.status, 200, created.text);
    await green(nodes[0]!, 'paused');
    for (let i = 0; i < 10; i++) assert.equal((await jsonCall(nodes[0]!, 'PUT', `/paused/_doc/before-${i}`, { i })).status, 201);
    const { shards } = await shardLayout(nodes[0]!, 'paused');
    const oldPrimaryId = shards['0']!.primary;
    const paused = await nodeById(nodes, oldPrimaryId);
    const others = nodes.filter((node) => node !== paused);
    const termBefore = (await jsonCall(others[0]!, 'GET', '/paused/_doc/before-0')).body._primary_term as number;
    const acknowledged = new Set<string>(Array.from({ length: 10 }, (_, i) => `before-${i}`));

    process.kill(paused.pid, 'SIGSTOP');
    let toPaused: Promise<{ status: number; body: any }>[] = [];
    try {
      // Sent to the paused node: read by it only after SIGCONT, with whatever state it holds then.
      toPaused = [0, 1, 2].map((i) => jsonCall(paused, 'PUT', `/paused/_doc/to-old-primary-${i}?timeout=20s`, { via: 'old primary', i }));
      let promoted: { status: number; body: any } | undefined;
      const deadline = Date.now() + 30_000;
      while (promoted === undefined && Date.now() < deadline) {
        const answer = await jsonCall(others[0]!, 'PUT', '/paused/_doc/during-pause?timeout=2s', { via: 'new primary' });
        if (answer.status === 200 || answer.status === 201) promoted = answer;
      }
      assert.ok(promoted !== undefined, 'a write through another node was acknowledged while the old primary was paused');
      assert.ok(promoted.body._primary_term > termBefore, `the promoted primary writes under a higher term (${promoted.body._primary_term} > ${termBefore})`);
      acknowledged.add('during-pause');
      const layout = await shardLayout(others[0]!, 'paused');
      assert.notEqual(layout.shards['0']!.primary, oldPrimaryId, 'the primary moved off the paused node');
    } finally {
      process.kill(paused.pid, 'SIGCONT');
    }
    // At once after SIGCONT, before it can have applied the newer state: more writes through the
    // resumed node. Whatever it acknowledges (these and the ones queued while it was paused) was
    // written under the promoted primary's term, never under the term it held before the pause.
    const resumed = [0, 1, 2, 3, 4].map((i) => jsonCall(paused, 'PUT', `/paused/_doc/after-resume-${i}?timeout=20s`, { via: 'resumed node', i }));
    const throughResumed = new Map<string, { seqNo: number; primaryTerm: number; version: number }>();
    for (const answer of await Promise.all([...toPaused, ...resumed])) {
      if (answer.status !== 200 && answer.status !== 201) continue;
      assert.ok(answer.body._primary_term > termBefore, `[${answer.body._id}] acknowledged under primary term ${answer.body._primary_term}, not above ${termBefore}: ${JSON.stringify(answer.body)}`);
      throughResumed.set(answer.body._id, { seqNo: answer.body._seq_no, primaryTerm: answer.body._primary_term, version: answer.body._version });
      acknowledged.add(answer.body._id);
    }
    assert.ok([...throughResumed.keys()].some((id) => id.startsWith('after-resume-')), 'writes through the resumed node were acknowledged');
    // Back: it rejoins, recovers as a replica, and every copy holds every acknowledged write.
    await green(others[0]!, 'paused');
    const copies = await assertCopiesIdentical(nodes, 'paused');
    for (const id of acknowledged) assert.ok(copies.has(id), `acknowledged [${id}] is missing`);
    // Durable as acknowledged: the same seq_no and version on every copy, under the new term.
    for (const [id, ack] of throughResumed) {
      assert.equal(copies.get(id)!.seqNo, ack.seqNo, `[${id}] seq_no`);
      assert.equal(copies.get(id)!.version, ack.version, `[${id}] version`);
      const got = await jsonCall(paused, 'GET', `/paused/_doc/${id}`);
      assert.equal(got.body._primary_term, ack.primaryTerm, `[${id}] primary term: ${got.text}`);
    }
    for (const node of nodes) assert.equal((await jsonCall(node, 'GET', '/paused/_doc/during-pause')).status, 200);
  });

  test('a rolling restart of all three nodes while two writers index: no acknowledged write lost, the copies identical', async () => {
    const created = await jsonCall(nodes[0]!, 'PUT', '/rolling', { settings: { number_of_shards: 3, number_of_replicas: 1 } });
    assert.equal(created.status, 200, created.text);
    await green(nodes[0]!, 'rolling');
    const down = new Set<number>();
    const acknowledged = new Set<string>();
    let stop = false;
    const writer = async (k: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const up = nodes.map((_, index) => index).filter((index) => !down.has(index));
        const through = nodes[up[(k + n) % up.length]!]!;
        try {
          const answer = await jsonCall(through, 'PUT', `/rolling/_doc/w${k}-${n}?timeout=20s`, { k, n });
          if (answer.status === 200 || answer.status === 201) acknowledged.add(`w${k}-${n}`);
        } catch {
          // Not acknowledged (the node went down under the request): the ledger does not count it.
        }
      }
    };
    const writers = [0, 1].map(writer);
    for (let index = 0; index < nodes.length; index++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      down.add(index);
      nodes[index] = await nodes[index]!.restart();
      down.delete(index);
      await green(nodes[(index + 1) % nodes.length]!, 'rolling');
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop = true;
    await Promise.all(writers);
    assert.ok(acknowledged.size > 0);
    await green(nodes[0]!, 'rolling');
    const copies = await assertCopiesIdentical(nodes, 'rolling');
    for (const id of acknowledged) assert.ok(copies.has(id), `acknowledged [${id}] is missing after the rolling restart`);
    for (const [id, doc] of copies) {
      const [, k, n] = /^w(\d)-(\d+)$/.exec(id)!;
      assert.deepEqual(JSON.parse(doc.source), { k: Number(k), n: Number(n) });
    }
  });

  test('decommissioning a node by cluster.routing.allocation.exclude._name while two writers index: every copy, primaries included, moves off it; no acknowledged write lost, the copies identical', async () => {
    const created = await jsonCall(nodes[0]!, 'PUT', '/moving', { settings: { number_of_shards: 2, number_of_replicas: 1 } });
    assert.equal(created.status, 200, created.text);
    await green(nodes[0]!, 'moving');
    const { ids } = await shardLayout(nodes[0]!, 'moving');
    // The node holding a primary of [moving] is the one decommissioned.
    const before = await shardLayout(nodes[0]!, 'moving');
    const leavingId = before.shards['0']!.primary;
    const leavingName = Object.keys(ids).find((name) => ids[name] === leavingId)!;
    const acknowledged = new Set<string>();
    let stop = false;
    const writer = async (k: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const answer = await jsonCall(nodes[(k + n) % nodes.length]!, 'PUT', `/moving/_doc/w${k}-${n}?timeout=20s`, { k, n });
        if (answer.status === 200 || answer.status === 201) acknowledged.add(`w${k}-${n}`);
      }
    };
    const writers = [0, 1].map(writer);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const excluded = await jsonCall(nodes[1]!, 'PUT', '/_cluster/settings', { persistent: { 'cluster.routing.allocation.exclude._name': leavingName } });
      assert.equal(excluded.status, 200, excluded.text);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const shards = await jsonCall(nodes[0]!, 'GET', '/_cat/shards/moving?format=json&h=shard,prirep,state,node');
        const rows = shards.body as { shard: string; prirep: string; state: string; node: string }[];
        if (rows.length === 4 && rows.every((row) => row.state === 'STARTED' && row.node !== leavingName)) break;
        assert.ok(Date.now() < deadline, `copies still on [${leavingName}] or moving: ${shards.text}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    const after = await shardLayout(nodes[0]!, 'moving');
    assert.notEqual(after.shards['0']!.primary, leavingId, 'the primary moved off the decommissioned node');
    const term = await jsonCall(nodes[0]!, 'GET', '/_cluster/state/metadata/moving');
    assert.equal(term.body.metadata.indices.moving.primary_terms['0'], 2, 'the moved primary took over under a new primary term');
    await green(nodes[0]!, 'moving');
    assert.ok(acknowledged.size > 0);
    const copies = await assertCopiesIdentical(nodes, 'moving');
    for (const id of acknowledged) assert.ok(copies.has(id), `acknowledged [${id}] is missing after the move`);
    // Every copy started elsewhere: the decommissioned node deleted its files of both shards
    // (IndicesStore): no database, write-ahead log or segment file left.
    const leaving = await nodeById(nodes, leavingId);
    const uuid = (await jsonCall(nodes[0]!, 'GET', '/moving/_settings')).body.moving.settings.index.uuid as string;
    const deadline = Date.now() + 10_000;
    while (shardFilesLeft(leaving.dataDir, uuid, [0, 1]).length > 0) {
      assert.ok(Date.now() < deadline, `[${leavingName}] still has files of [moving]: ${shardFilesLeft(leaving.dataDir, uuid, [0, 1]).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(shardFilesHold(leaving.dataDir, uuid, 2), 0);
    // Allowed again: the setting is removed (the cluster may rebalance back).
    const cleared = await jsonCall(nodes[1]!, 'PUT', '/_cluster/settings', { persistent: { 'cluster.routing.allocation.exclude._name': null } });
    assert.equal(cleared.status, 200, cleared.text);
    const settings = await jsonCall(nodes[2]!, 'GET', '/_cluster/settings');
    assert.equal(settings.body.persistent?.cluster?.routing?.allocation?.exclude?._name, undefined, settings.text);

    // A copy allocated to it again recovers whole from its primary.
    const widened = await jsonCall(nodes[0]!, 'PUT', '/moving/_settings', { index: { number_of_replicas: 2 } });
    assert.equal(widened.status, 200, widened.text);
    await green(nodes[0]!, 'moving');
    const again = await assertCopiesIdentical(nodes, 'moving');
    assert.equal(again.size, copies.size);
    assert.ok(shardFilesHold(leaving.dataDir, uuid, 2) > 0, 'the node holds copies of [moving] again');
  });

  test('kill -9 of a node: its copies still know the global checkpoint they had, at once after the restart, without a new write', async () => {
    // Quiet after the writes above: every copy of [moving] learnt the global checkpoint of the last
    // write through the primary's sync (indices:admin/seq_no/global_checkpoint_sync).
    const leaving = nodes[2]!;
    const leavingId = Object.keys((await jsonCall(leaving, 'GET', '/_nodes/_local')).body.nodes)[0]!;
    const uuid = (await jsonCall(nodes[0]!, 'GET', '/moving/_settings')).body.moving.settings.index.uuid as string;
    const known = new Map<string, number>();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const stats = await jsonCall(nodes[0]!, 'GET', '/moving/_stats?level=shards');
      const shards = stats.body.indices.moving.shards as Record<string, { routing: { node: string }; seq_no: { max_seq_no: number; global_checkpoint: number } }[]>;
      const all = Object.entries(shards).flatMap(([shard, list]) => list.map((copy) => ({ shard, ...copy })));
      if (all.length === 6 && all.every((copy) => copy.seq_no.global_checkpoint === copy.seq_no.max_seq_no && copy.seq_no.max_seq_no >= 0)) {
        for (const copy of all) if (copy.routing.node === leavingId) known.set(copy.shard, copy.seq_no.global_checkpoint);
        break;
      }
      assert.ok(Date.now() < deadline, `the copies did not learn the global checkpoint: ${stats.text}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(known.size, 2);
    // [sparse]: one primary per node, no replica; each node keeps files only of the shard it holds,
    // before and after the restart (nothing is made again for the shards it does not hold).
    const sparse = await jsonCall(nodes[0]!, 'PUT', '/sparse', { settings: { number_of_shards: 3, number_of_replicas: 0 } });
    assert.equal(sparse.status, 200, sparse.text);
    await green(nodes[0]!, 'sparse');
    const sparseUuid = (await jsonCall(nodes[0]!, 'GET', '/sparse/_settings')).body.sparse.settings.index.uuid as string;
    const held = Object.entries((await shardLayout(nodes[0]!, 'sparse')).shards).filter(([, copies]) => copies.primary === leavingId).map(([shard]) => Number(shard));
    const others = [0, 1, 2].filter((shard) => !held.includes(shard));
    assert.ok(others.length > 0);
    const sparseDeadline = Date.now() + 10_000;
    while (shardFilesLeft(leaving.dataDir, sparseUuid, others).length > 0) {
      assert.ok(Date.now() < sparseDeadline, `files of shards it does not hold: ${shardFilesLeft(leaving.dataDir, sparseUuid, others).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await leaving.kill9();
    // What survived the kill: the store of each copy holds the global checkpoint it knew.
    for (const [shard, globalCheckpoint] of known) {
      const db = new Database(path.join(leaving.dataDir, 'indices', uuid, `shard-${shard}.db`), { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare("SELECT value FROM store_meta WHERE key = 'global_checkpoint'").get() as { value: string } | undefined;
        assert.equal(Number(row?.value ?? -1), globalCheckpoint, `shard [${shard}] persisted its global checkpoint`);
      } finally {
        db.close();
      }
    }
    nodes[2] = await leaving.restart();
    await green(nodes[0]!, 'moving');
    const stats = await jsonCall(nodes[0]!, 'GET', '/moving/_stats?level=shards');
    for (const [shard, list] of Object.entries(stats.body.indices.moving.shards as Record<string, { routing: { node: string }; seq_no: { global_checkpoint: number } }[]>)) {
      for (const copy of list) assert.equal(copy.seq_no.global_checkpoint, known.get(shard), `[moving][${shard}] on [${copy.routing.node}]: ${stats.text}`);
    }
    await green(nodes[0]!, 'sparse');
    assert.deepEqual(shardFilesLeft(nodes[2]!.dataDir, sparseUuid, others), []);
    for (const shard of held) assert.ok(shardFilesLeft(nodes[2]!.dataDir, sparseUuid, [shard]).includes(`shard-${shard}.db`));
  });
});
