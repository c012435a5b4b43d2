// Cross-cluster replication of data streams with real node processes (issues 10 and 15): a leader
// cluster and a follower cluster, the official client for every call. Reference: shared/spec/ccr.md
// §2.1 (`data_stream_name`), §2.3 "Data streams" (a replicated local data stream holding the
// follower backing indices, newest last; the "no longer marked as replicated" refusal), §5 (auto-follow
// patterns match a backing index through its data stream's name), and Elastic's "Replicate data
// streams" notes in the cross-cluster replication docs
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/ccr-auto-follow.html).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import type { StartedNode } from '../harness/cluster.js';
import { startCcrPair } from '../harness/ccr.js';
import { failure, until } from '../harness/wait.js';

let leader: StartedNode;
let follower: StartedNode;
let leaderAdmin: Client;
let followerAdmin: Client;

async function backing(client: Client, stream: string): Promise<string[]> {
  return ((await client.indices.getDataStream({ name: stream })).data_streams[0] as any).indices.map((entry: any) => entry.index_name);
}

async function count(client: Client, index: string): Promise<number> {
  await client.indices.refresh({ index });
  return (await client.count({ index })).count;
}

before(async () => {
  ({ leader, follower } = await startCcrPair('lc'));
  leaderAdmin = leader.client();
  followerAdmin = follower.client();
  await leaderAdmin.indices.putIndexTemplate({ name: 'logs', index_patterns: ['logs-*', 'metrics-*'], template: { settings: { number_of_replicas: 0 } }, data_stream: {} });
});

after(async () => {
  await Promise.all([leader?.destroy(), follower?.destroy()]);
});

test('following a backing index creates the follower backing index and a replicated local data stream', async () => {
  await leaderAdmin.bulk({
    operations: [{ create: { _index: 'logs-app' } }, { '@timestamp': '2024-01-01T00:00:00Z', n: 1 }, { create: { _index: 'logs-app' } }, { '@timestamp': '2024-01-01T00:00:01Z', n: 2 }],
    refresh: true,
  });
  const [leaderBacking] = await backing(leaderAdmin, 'logs-app');
  const created = await followerAdmin.ccr.follow({ index: leaderBacking!, remote_cluster: 'lc', leader_index: leaderBacking!, wait_for_active_shards: 1 });
  assert.equal(created.follow_index_created, true);
  const local = (await followerAdmin.indices.getDataStream({ name: 'logs-app' })).data_streams[0] as any;
  assert.equal(local.name, 'logs-app');
  assert.equal(local.replicated, true);
  assert.equal(local.template, 'logs');
  assert.deepEqual(local.indices.map((entry: any) => entry.index_name), [leaderBacking]);
  await until('the follower stream to hold the leader documents', async () => ((await count(followerAdmin, 'logs-app')) === 2 ? true : undefined));
  await leaderAdmin.index({ index: 'logs-app', document: { '@timestamp': '2024-01-01T00:00:02Z', n: 3 } });
  await until('a later leader write to reach the follower stream', async () => ((await count(followerAdmin, 'logs-app')) === 3 ? true : undefined));

  const write = await failure(followerAdmin.index({ index: 'logs-app', document: { '@timestamp': '2024-01-02T00:00:00Z' } }));
  assert.equal(write.status, 403, 'a replicated stream takes writes from its leader only');
  const rollover = await failure(followerAdmin.indices.rollover({ alias: 'logs-app' }));
  assert.equal(rollover.status, 400);
  assert.equal(rollover.reason, 'data stream [logs-app] cannot be rolled over, because it is a replicated data stream');
});

test('a data stream name is not a leader index; data_stream_name renames the local stream', async () => {
  const byName = await failure(followerAdmin.ccr.follow({ index: 'copy', remote_cluster: 'lc', leader_index: 'logs-app' }));
  assert.equal(byName.status, 400);
  assert.equal(byName.type, 'illegal_argument_exception');
  assert.equal(byName.reason, 'cannot follow [logs-app], because it is a DATA_STREAM');

  await leaderAdmin.index({ index: 'logs-other', document: { '@timestamp': '2024-01-01T00:00:00Z' }, refresh: true });
  const [otherBacking] = await backing(leaderAdmin, 'logs-other');
  const renamedIndex = otherBacking!.replace('logs-other', 'logs-renamed');
  await followerAdmin.ccr.follow({ index: renamedIndex, remote_cluster: 'lc', leader_index: otherBacking!, data_stream_name: 'logs-renamed', wait_for_active_shards: 1 } as any);
  assert.deepEqual(await backing(followerAdmin, 'logs-renamed'), [renamedIndex]);
  assert.equal(await count(followerAdmin, 'logs-renamed'), 1);

  const empty = await failure(followerAdmin.ccr.follow({ index: 'x', remote_cluster: 'lc', leader_index: otherBacking!, data_stream_name: ' ' } as any));
  assert.equal(empty.status, 400);
  assert.match(empty.reason, /data stream name must contain text if present/);
});

test('auto-follow: a pattern matching the stream name follows its backing indices, rollovers included, newest last', async () => {
  await followerAdmin.ccr.putAutoFollowPattern({ name: 'metrics', remote_cluster: 'lc', leader_index_patterns: ['metrics-*'] });
  await leaderAdmin.index({ index: 'metrics-a', document: { '@timestamp': '2024-01-01T00:00:00Z', v: 1 }, refresh: true });
  const [first] = await backing(leaderAdmin, 'metrics-a');
  await until('the first backing index to be auto-followed', async () => {
    const streams = (await followerAdmin.indices.getDataStream({ name: 'metrics-*' })).data_streams as any[];
    return streams.length === 1 && streams[0].indices.length === 1 ? true : undefined;
  });
  assert.deepEqual(await backing(followerAdmin, 'metrics-a'), [first]);
  const rolled = await leaderAdmin.indices.rollover({ alias: 'metrics-a' });
  assert.equal(rolled.rolled_over, true);
  await leaderAdmin.index({ index: 'metrics-a', document: { '@timestamp': '2024-01-02T00:00:00Z', v: 2 }, refresh: true });
  await until('the new generation to be auto-followed', async () => ((await backing(followerAdmin, 'metrics-a')).length === 2 ? true : undefined));
  assert.deepEqual(await backing(followerAdmin, 'metrics-a'), [first, rolled.new_index], 'the write index stays last');
  await until('both generations searchable through the stream name', async () => ((await count(followerAdmin, 'metrics-a')) === 2 ? true : undefined));
  const local = (await followerAdmin.indices.getDataStream({ name: 'metrics-a' })).data_streams[0] as any;
  assert.equal(local.replicated, true);
  assert.equal(local.generation, 2);
});

test('a promoted stream is no longer replicated: it takes no further follower backing index', async () => {
  assert.equal((await followerAdmin.transport.request({ method: 'POST', path: '/_data_stream/_promote/logs-app' }) as any).acknowledged, true);
  assert.equal(((await followerAdmin.indices.getDataStream({ name: 'logs-app' })).data_streams[0] as any).replicated, false);
  const rolled = await leaderAdmin.indices.rollover({ alias: 'logs-app' });
  const refused = await failure(followerAdmin.ccr.follow({ index: rolled.new_index, remote_cluster: 'lc', leader_index: rolled.new_index }));
  assert.equal(refused.status, 400);
  assert.equal(refused.reason, `cannot follow backing index [${rolled.new_index}], because local data stream [logs-app] is no longer marked as replicated`);
  assert.equal(await followerAdmin.indices.exists({ index: rolled.new_index }), false, 'nothing was created');
});
