// Cross-cluster replication shard by shard (issue #10 "Shard by shard", issue #14): a leader with 2
// shards gives a follower with 2 shards; the bootstrap copies each shard; one follow task per shard
// reads its leader shard's history into the same shard number, so every document (routed ones
// included) lives on the same shard on both sides; `_ccr/stats` lists one entry per shard; a
// restart resumes each shard from its own checkpoint. Spec ccr.md §4.1-§4.2; Elastic's
// "ccr-get-follow-stats" (indices[].shards[] with shard_id). Known shard numbers for 2 shards
// (1024 routing shards, floorMod(hash, 1024) / 512 of Murmur3HashFunctionTests' known hashes):
// "hello" and "hello w" land on shard 0, "hell" on shard 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { until, remoteConnected } from '../harness/wait.js';

let ca: Certificates;
let leader: StartedNode;
let follower: StartedNode;
let leaderAdmin: Client;
let followerAdmin: Client;

async function perShard(client: Client, index: string): Promise<number[]> {
  await client.indices.refresh({ index });
  const counts: number[] = [];
  for (const shard of [0, 1]) counts.push((await client.count({ index, preference: `_shards:${shard}` })).count);
  return counts;
}

async function caughtUp(): Promise<number[]> {
  const expected = await perShard(leaderAdmin, 'two');
  await until('the follower shards to match the leader shards', async () => (JSON.stringify(await perShard(followerAdmin, 'two-copy')) === JSON.stringify(expected) ? true : undefined), 300);
  return expected;
}

interface ShardStats {
  shard_id: number;
  leader_global_checkpoint: number;
  follower_global_checkpoint: number;
  operations_written: number;
}

async function shardStats(): Promise<ShardStats[]> {
  const stats = (await followerAdmin.ccr.followStats({ index: 'two-copy' })) as unknown as { indices: { index: string; shards: ShardStats[] }[] };
  assert.equal(stats.indices.length, 1);
  return stats.indices[0]!.shards;
}

before(async () => {
  ca = makeCa();
  [leader, follower] = await Promise.all([
    startNode({ ca, clusterName: 'lead', nodeName: 'lead-1', yaml: REMOTE_CLUSTER_SERVER_YAML }),
    startNode({ ca, clusterName: 'follow', nodeName: 'follow-1', yaml: REMOTE_CLUSTER_CLIENT_YAML }),
  ]);
  leaderAdmin = leader.client();
  followerAdmin = follower.client();
  const key = await leaderAdmin.security.createCrossClusterApiKey({ name: 'replication', access: { replication: [{ names: ['two'] }] } });
  follower.keystoreAdd('cluster.remote.lk.credentials', key.encoded);
  await followerAdmin.nodes.reloadSecureSettings();
  await followerAdmin.cluster.putSettings({ persistent: { 'cluster.remote.lk.mode': 'proxy', 'cluster.remote.lk.proxy_address': leader.remoteClusterAddress!, 'cluster.remote.lk.skip_unavailable': false } });
  await remoteConnected(followerAdmin, 'lk');
});

after(async () => {
  await Promise.all([leader?.destroy(), follower?.destroy()]);
});

test('a 2-shard leader: the bootstrap copies each shard onto the same shard number', async () => {
  await leaderAdmin.indices.create({ index: 'two', settings: { number_of_shards: 2, number_of_replicas: 0 } });
  const operations: unknown[] = [];
  for (let i = 0; i < 20; i++) operations.push({ index: { _index: 'two', _id: `d${i}` } }, { n: i });
  operations.push({ index: { _index: 'two', _id: 'hello' } }, { n: 100 });
  operations.push({ index: { _index: 'two', _id: 'x', routing: 'hell' } }, { n: 101 });
  await leaderAdmin.bulk({ operations: operations as never, refresh: true });
  const leaderCounts = await perShard(leaderAdmin, 'two');
  assert.ok(leaderCounts[0]! > 0 && leaderCounts[1]! > 0, `both leader shards hold documents (${leaderCounts})`);
  await followerAdmin.ccr.follow({ index: 'two-copy', remote_cluster: 'lk', leader_index: 'two', settings: { 'index.number_of_replicas': 0 }, wait_for_active_shards: 1 });
  assert.deepEqual(await caughtUp(), leaderCounts);
  const shards = (await followerAdmin.cat.shards({ index: 'two-copy', format: 'json', h: 'shard,prirep,state' })) as Record<string, string>[];
  assert.deepEqual(shards, [{ shard: '0', prirep: 'p', state: 'STARTED' }, { shard: '1', prirep: 'p', state: 'STARTED' }]);
  assert.ok((await followerAdmin.search({ index: 'two-copy', preference: '_shards:0', query: { ids: { values: ['hello'] } } })).hits.hits.length === 1);
  const routed = await followerAdmin.get({ index: 'two-copy', id: 'x', routing: 'hell' });
  assert.equal(routed._routing, 'hell');
  assert.ok((await followerAdmin.search({ index: 'two-copy', preference: '_shards:1', query: { ids: { values: ['x'] } } })).hits.hits.length === 1);
});

test('one follow task per shard: _ccr/stats lists each shard; tailing writes and deletes land on their shard', async () => {
  for (let i = 20; i < 30; i++) await leaderAdmin.index({ index: 'two', id: `d${i}`, document: { n: i } });
  await leaderAdmin.index({ index: 'two', id: 'y', routing: 'hell', document: { n: 102 } });
  await leaderAdmin.delete({ index: 'two', id: 'hello' });
  await leaderAdmin.update({ index: 'two', id: 'x', routing: 'hell', doc: { n: 200 } });
  await caughtUp();
  const stats = await shardStats();
  assert.deepEqual(stats.map((shard) => shard.shard_id), [0, 1]);
  const leaderState = (await leaderAdmin.cat.shards({ index: 'two', format: 'json', h: 'shard,seq_no.max' })) as Record<string, string>[];
  await until('each shard checkpoint to reach its leader shard', async () => {
    const current = await shardStats();
    return current.every((shard) => shard.follower_global_checkpoint === Number(leaderState[shard.shard_id]!['seq_no.max'])) ? true : undefined;
  });
  const copy = await followerAdmin.get({ index: 'two-copy', id: 'x', routing: 'hell' });
  const original = await leaderAdmin.get({ index: 'two', id: 'x', routing: 'hell' });
  assert.deepEqual([copy._version, copy._seq_no, copy._source], [original._version, original._seq_no, original._source]);
  assert.equal((await followerAdmin.get({ index: 'two-copy', id: 'hello' }, { ignore: [404], meta: true })).statusCode, 404);
  const info = await followerAdmin.ccr.followInfo({ index: 'two-copy' });
  assert.equal(info.follower_indices[0]!.status, 'active');
});

test('a follower restart resumes each shard from its own checkpoint', async () => {
  const before = await shardStats();
  follower = await follower.restart();
  followerAdmin = follower.client();
  await remoteConnected(followerAdmin, 'lk');
  for (let i = 30; i < 36; i++) await leaderAdmin.index({ index: 'two', id: `d${i}`, document: { n: i } });
  await leaderAdmin.index({ index: 'two', id: 'z', routing: 'hell', document: { n: 103 } });
  await caughtUp();
  const after = await until('both shard tasks running', async () => {
    const stats = await shardStats().catch(() => undefined);
    return stats !== undefined && stats.length === 2 ? stats : undefined;
  });
  for (const shard of after) {
    assert.ok(shard.follower_global_checkpoint >= before[shard.shard_id]!.follower_global_checkpoint, `shard ${shard.shard_id} did not go back`);
  }
  const written = after.reduce((sum, shard) => sum + shard.operations_written, 0);
  assert.ok(written <= 7, `only the new operations were read after the restart, not a new copy (${written})`);
});

test('promote records every shard\'s checkpoint: each follower shard reached its fenced leader shard\'s last seq_no', async () => {
  const stats = (await leaderAdmin.indices.stats({ index: 'two', level: 'shards' })) as unknown as { indices: Record<string, { shards: Record<string, { seq_no: { max_seq_no: number } }[]> }> };
  const leaderSeqNos = [0, 1].map((shard) => stats.indices['two']!.shards[String(shard)]![0]!.seq_no.max_seq_no);
  assert.notEqual(leaderSeqNos[0], leaderSeqNos[1], 'the shards stand at different seq_nos');
  const promoted = (await followerAdmin.transport.request({ method: 'POST', path: '/two-copy/_ccr/promote' })) as Record<string, unknown>;
  assert.equal(promoted['leader_fenced'], true);
  assert.deepEqual(promoted['follower_shard_checkpoints'], leaderSeqNos);
  assert.equal(promoted['follower_checkpoint'], leaderSeqNos[0]);
  const info = (await followerAdmin.ccr.followInfo({ index: 'two-copy' })) as unknown as { follower_indices: { status: string; promotion: Record<string, unknown> }[] };
  assert.equal(info.follower_indices[0]!.status, 'promoted');
  assert.deepEqual(info.follower_indices[0]!.promotion['follower_shard_checkpoints'], leaderSeqNos);
});
