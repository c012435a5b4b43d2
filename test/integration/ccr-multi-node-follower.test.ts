/**
 * Cross-cluster replication into a follower cluster of three nodes (issues #10 and #14). Real
 * processes: a real etcd, three follower nodes in multi-node mode with security on and TLS from our
 * certutil, one leader node (certificate model).
 *
 * What Elasticsearch does and this enforces (ccr-put-follow.html, ccr-overview.html "Replication
 * mechanics"; spec ccr.md §2.3, §4.2): the follower index is created through the master with the
 * leader's settings and mappings and its own `number_of_replicas`; each follower shard's follow task
 * runs on the node holding that shard's primary (ShardFollowTasksExecutor assigns the persistent
 * task to the primary's node) and writes what it reads through the primary, which replicates it to
 * the replicas (TransportBulkShardOperationsAction is a replication action), so every copy holds
 * the leader's documents with the leader's seq_no and version; pause, resume, unfollow, info and
 * stats answer through any node for every shard; client writes stay refused; when a follower
 * primary's node dies, the promoted replica's node resumes the task from its own checkpoint.
 * A leader data stream's backing index followed into the cluster joins a local data stream the
 * master publishes with `replicated: true` (spec ccr.md §2.3 "Data streams",
 * TransportPutFollowAction.updateLocalDataStream in the restore's cluster state update), which
 * rolls over only on its leader until `_data_stream/_promote` (data-streams-promote-api).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, removeTempDir, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';
import { etcdSkipReason } from '../harness/etcd.js';
import { startMultiNodeCluster, type MultiNodeCluster } from '../harness/multi-node-cluster.js';
import { assertCopiesIdentical, documentsOf, nodeById, shardLayout, type CopyDoc, type FollowShardStats } from '../harness/shard-copies.js';
import { failure, until } from '../harness/wait.js';

const skip = etcdSkipReason();

describe('cross-cluster replication into a three-node follower cluster', { skip }, () => {
  let cluster: MultiNodeCluster;
  let leader: StartedNode;
  let leaderAdmin: Client;
  let ca: Certificates | undefined;
  let leaderStarted: Promise<unknown> | undefined;
  const killed: number[] = [];
  const running = (): StartedNode[] => cluster.nodes.filter((_, index) => !killed.includes(index));

  before(async () => {
    // One CA for both clusters; the leader starts while the follower cluster does.
    ca = makeCa();
    leaderStarted = startNode({ ca, clusterName: 'leaders', nodeName: 'lead-1' }).then((node) => (leader = node));
    cluster = await startMultiNodeCluster({ clusterName: 'followers', nodes: 3, remoteClusterClient: true, ca });
    await leaderStarted;
    leaderAdmin = leader.client();
    // Remote cluster settings are cluster settings: put through one node, every node connects.
    await cluster.nodes[0]!.client().cluster.putSettings({ persistent: { 'cluster.remote.lead.seeds': [leader.transportAddress], 'cluster.remote.lead.skip_unavailable': false } });
    for (const node of cluster.nodes) {
      await until(`${node.transportAddress} connected to the leader`, async () => {
        const info = (await node.client().cluster.remoteInfo()) as Record<string, { connected: boolean }>;
        return info['lead']?.connected === true ? true : undefined;
      });
    }
  });
  after(async () => {
    await leaderStarted?.catch(() => undefined);
    await leader?.destroy();
    await cluster?.destroy();
    if (ca !== undefined) removeTempDir(ca.dir);
  });

  /** Waits until the follower holds the leader's documents (same seq_nos), then checks every copy of every shard against the leader. */
  const converged = async (leaderIndex: string, followerIndex: string): Promise<Map<string, CopyDoc>> => {
    const expected = await documentsOf(leaderAdmin, leaderIndex);
    const nodes = running();
    await until(
      'the follower to converge on the leader',
      async () => {
        const answer = await jsonCall(nodes[0]!, 'GET', `/${followerIndex}/_search?size=10000&seq_no_primary_term=true&version=true`).catch(() => undefined);
        if (answer?.status !== 200) return undefined;
        const hits = answer.body.hits.hits as { _id: string; _seq_no: number }[];
        return hits.length === expected.size && hits.every((hit) => expected.get(hit._id)?.seqNo === hit._seq_no) ? true : undefined;
      },
      600,
    );
    const health = await jsonCall(nodes[0]!, 'GET', `/_cluster/health/${followerIndex}?wait_for_status=${nodes.length === 3 ? 'green' : 'yellow'}&timeout=60s`);
    assert.equal(health.status, 200, health.text);
    // Every copy (primary and replica of each shard, each read on its own node) equals the leader document by document.
    const copies = await assertCopiesIdentical(nodes, followerIndex);
    assert.deepEqual([...copies.entries()].sort(), [...expected.entries()].sort());
    return copies;
  };

  const followStats = async (node: StartedNode, index: string): Promise<FollowShardStats[]> => {
    const answer = await jsonCall(node, 'GET', `/${index}/_ccr/stats`);
    assert.equal(answer.status, 200, answer.text);
    return (answer.body.indices[0].shards as FollowShardStats[]).sort((a, b) => a.shard_id - b.shard_id);
  };

  test('put-follow through a node without primaries: bootstrap, tailing (index, update, delete), every replica identical, stats and info through every node, client writes refused', async () => {
    await leaderAdmin.indices.create({ index: 'orders', settings: { number_of_shards: 3, number_of_replicas: 0 }, mappings: { properties: { n: { type: 'long' } } } });
    const operations: unknown[] = [];
    for (let i = 0; i < 150; i++) operations.push({ index: { _index: 'orders', _id: `pre-${i}` } }, { n: i, phase: 'before' });
    assert.equal((await leaderAdmin.bulk({ operations: operations as never })).errors, false);
    await leaderAdmin.delete({ index: 'orders', id: 'pre-7' });

    const follow = await jsonCall(cluster.nodes[1]!, 'PUT', '/orders-copy/_ccr/follow?wait_for_active_shards=1', { remote_cluster: 'lead', leader_index: 'orders', settings: { 'index.number_of_replicas': 1 } });
    assert.equal(follow.status, 200, follow.text);
    assert.deepEqual(follow.body, { follow_index_created: true, follow_index_shards_acked: true, index_following_started: true });
    // Created through the master: every node has it, with the leader's mapping and its own replicas.
    for (const node of cluster.nodes) {
      const settings = await jsonCall(node, 'GET', '/orders-copy/_settings?flat_settings=true');
      assert.equal(settings.status, 200, settings.text);
      assert.equal(settings.body['orders-copy'].settings['index.number_of_shards'], '3');
      assert.equal(settings.body['orders-copy'].settings['index.number_of_replicas'], '1');
      assert.equal(settings.body['orders-copy'].settings['index.xpack.ccr.following_index'], 'true');
    }
    await converged('orders', 'orders-copy');

    // Tailing: new documents, updates and deletes reach every copy with the leader's seq_no and version.
    for (let i = 0; i < 60; i++) await leaderAdmin.index({ index: 'orders', id: `tail-${i}`, document: { n: 1000 + i, phase: 'tail' } });
    for (let i = 0; i < 20; i++) await leaderAdmin.update({ index: 'orders', id: `pre-${i * 3}`, doc: { touched: true } });
    for (let i = 0; i < 10; i++) await leaderAdmin.delete({ index: 'orders', id: `pre-${100 + i}` });
    const copies = await converged('orders', 'orders-copy');
    assert.equal(copies.get('pre-3')?.version, 2);
    assert.equal(copies.has('pre-100'), false);

    // Stats through every node list every shard, caught up; info through every node.
    for (const node of cluster.nodes) {
      const shards = await followStats(node, 'orders-copy');
      assert.deepEqual(shards.map((shard) => shard.shard_id), [0, 1, 2], `stats through ${node.transportAddress}`);
      for (const shard of shards) {
        assert.equal(shard.fatal_exception, undefined);
        assert.equal(shard.follower_global_checkpoint, shard.leader_global_checkpoint, `shard ${shard.shard_id} caught up`);
      }
      const all = await jsonCall(node, 'GET', '/_ccr/stats');
      assert.equal(all.status, 200, all.text);
      assert.equal(all.body.follow_stats.indices[0].shards.length, 3);
      const info = await jsonCall(node, 'GET', '/orders-copy/_ccr/info');
      assert.equal(info.status, 200, info.text);
      assert.equal(info.body.follower_indices[0].status, 'active');
      assert.equal(info.body.follower_indices[0].leader_index, 'orders');
    }
    // Client writes to a follower stay refused on every node.
    const write = await jsonCall(cluster.nodes[2]!, 'PUT', '/orders-copy/_doc/mine?timeout=5s', { mine: true });
    assert.equal(write.status, 403, write.text);
    assert.equal(write.body.error.type, 'status_exception');
  });

  test('pause through one node stops every shard task, resume through another starts them again', async () => {
    const paused = await jsonCall(cluster.nodes[2]!, 'POST', '/orders-copy/_ccr/pause_follow');
    assert.equal(paused.status, 200, paused.text);
    for (const node of cluster.nodes) {
      const stats = await until(`no task left on ${node.transportAddress}`, async () => {
        const answer = await jsonCall(node, 'GET', '/orders-copy/_ccr/stats');
        return answer.status === 404 ? answer : undefined;
      });
      assert.equal(stats.body.error.type, 'resource_not_found_exception');
      assert.equal((await jsonCall(node, 'GET', '/orders-copy/_ccr/info')).body.follower_indices[0].status, 'paused');
    }
    for (let i = 0; i < 20; i++) await leaderAdmin.index({ index: 'orders', id: `paused-${i}`, document: { n: 2000 + i, phase: 'paused' } });
    await leaderAdmin.indices.refresh({ index: 'orders' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await jsonCall(cluster.nodes[0]!, 'POST', '/orders-copy/_refresh');
    const count = await jsonCall(cluster.nodes[0]!, 'GET', '/orders-copy/_count?q=phase:paused');
    assert.equal(count.body.count, 0, 'a paused follower reads nothing');
    const again = await jsonCall(cluster.nodes[1]!, 'POST', '/orders-copy/_ccr/pause_follow');
    assert.equal(again.status, 400, again.text);
    const resumed = await jsonCall(cluster.nodes[0]!, 'POST', '/orders-copy/_ccr/resume_follow', {});
    assert.equal(resumed.status, 200, resumed.text);
    await converged('orders', 'orders-copy');
  });

  const autoFollowStats = async (node: StartedNode): Promise<{ number_of_successful_follow_indices: number; number_of_failed_follow_indices: number; auto_followed_clusters: { cluster_name: string }[] }> => {
    const answer = await jsonCall(node, 'GET', '/_ccr/stats');
    assert.equal(answer.status, 200, answer.text);
    return answer.body.auto_follow_stats;
  };
  /** Waits until `follower` follows `leaderIndex` (seen through `node`). */
  const followedBy = (node: StartedNode, follower: string, leaderIndex: string): Promise<unknown> =>
    until(`${follower} auto-followed`, async () => {
      const info = await jsonCall(node, 'GET', `/${follower}/_ccr/info`);
      return info.status === 200 && info.body.follower_indices[0]?.leader_index === leaderIndex && info.body.follower_indices[0]?.status === 'active' ? true : undefined;
    }, 300);

  test('auto-follow pattern put through any node is on every node; the master follows a new matching leader index into every copy; pause and resume through other nodes; stats through every node', async () => {
    const put = await jsonCall(cluster.nodes[2]!, 'PUT', '/_ccr/auto_follow/logs', {
      remote_cluster: 'lead',
      leader_index_patterns: ['logs-*'],
      follow_index_pattern: '{{leader_index}}-copy',
      settings: { 'index.number_of_replicas': 1 },
    });
    assert.equal(put.status, 200, put.text);
    for (const node of cluster.nodes) {
      const got = await until(`the pattern on ${node.transportAddress}`, async () => {
        const answer = await jsonCall(node, 'GET', '/_ccr/auto_follow/logs');
        return answer.status === 200 ? answer : undefined;
      });
      assert.equal(got.body.patterns[0].pattern.remote_cluster, 'lead');
      assert.equal(got.body.patterns[0].pattern.active, true);
    }
    await leaderAdmin.indices.create({ index: 'logs-1', settings: { number_of_shards: 2, number_of_replicas: 0 } });
    const operations: unknown[] = [];
    for (let i = 0; i < 40; i++) operations.push({ index: { _index: 'logs-1', _id: `l-${i}` } }, { n: i });
    assert.equal((await leaderAdmin.bulk({ operations: operations as never })).errors, false);
    await followedBy(cluster.nodes[1]!, 'logs-1-copy', 'logs-1');
    await converged('logs-1', 'logs-1-copy');
    for (const node of cluster.nodes) {
      const stats = await until(`the follow counted, through ${node.transportAddress}`, async () => {
        const answer = await autoFollowStats(node);
        return answer.number_of_successful_follow_indices >= 1 ? answer : undefined;
      });
      assert.equal(stats.number_of_successful_follow_indices, 1, `auto_follow_stats through ${node.transportAddress}`);
      assert.equal(stats.number_of_failed_follow_indices, 0);
      assert.deepEqual(stats.auto_followed_clusters.map((entry) => entry.cluster_name), ['lead']);
    }

    // Paused through one node: a new leader index waits; resumed through another, it is followed.
    assert.equal((await jsonCall(cluster.nodes[0]!, 'POST', '/_ccr/auto_follow/logs/pause')).status, 200);
    await until('paused on every node', async () => {
      for (const node of cluster.nodes) if ((await jsonCall(node, 'GET', '/_ccr/auto_follow/logs')).body.patterns[0].pattern.active !== false) return undefined;
      return true;
    });
    await leaderAdmin.indices.create({ index: 'logs-2', settings: { number_of_shards: 1, number_of_replicas: 0 } });
    await leaderAdmin.index({ index: 'logs-2', id: 'only', document: { n: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal((await jsonCall(cluster.nodes[0]!, 'GET', '/logs-2-copy/_ccr/info')).status, 404, 'a paused pattern follows nothing');
    assert.equal((await jsonCall(cluster.nodes[1]!, 'POST', '/_ccr/auto_follow/logs/resume')).status, 200);
    await followedBy(cluster.nodes[2]!, 'logs-2-copy', 'logs-2');
    await converged('logs-2', 'logs-2-copy');
  });

  test('kill -9 of a node holding follower primaries while the leader is written: the promoted replicas resume from their own checkpoints, nothing lost or duplicated', async () => {
    const { shards } = await shardLayout(cluster.nodes[0]!, 'orders-copy');
    const primaries = Object.values(shards).map((shard) => shard.primary);
    // The master when it holds a follower primary: the auto-follow coordination moves too.
    const master = (await jsonCall(cluster.nodes[0]!, 'GET', '/_cluster/state/master_node')).body.master_node as string;
    const victimId = primaries.includes(master) ? master : primaries[0]!;
    const victim = await nodeById(cluster.nodes, victimId);
    let stop = false;
    let written = 0;
    const writer = (async () => {
      for (let n = 0; !stop; n++) {
        await leaderAdmin.index({ index: 'orders', id: `failover-${n}`, document: { n: 3000 + n, phase: 'failover' } });
        if (n % 5 === 2) await leaderAdmin.update({ index: 'orders', id: `tail-${n % 60}`, doc: { failover: n } });
        written++;
      }
    })();
    await until('writes under way', async () => (written >= 20 ? true : undefined));
    await victim.kill9();
    killed.push(cluster.nodes.indexOf(victim));
    const survivor = running()[0]!;
    await until('a replica promoted for every shard the victim led', async () => {
      const layout = await shardLayout(survivor, 'orders-copy').catch(() => undefined);
      return layout !== undefined && Object.values(layout.shards).every((shard) => shard.primary !== victimId && shard.primary !== undefined && shard.primary !== null) ? true : undefined;
    }, 300);
    await until('more writes after the failover', async () => (written >= 80 ? true : undefined), 300);
    stop = true;
    await writer;
    await converged('orders', 'orders-copy');
    for (const shard of await followStats(survivor, 'orders-copy')) assert.equal(shard.fatal_exception, undefined);
    // The (possibly new) master coordinates auto-follow: a new leader index is followed, and the
    // ones followed before are not followed again (their uuids are in the shared pattern).
    await leaderAdmin.indices.create({ index: 'logs-3', settings: { number_of_shards: 1, number_of_replicas: 0 } });
    await leaderAdmin.index({ index: 'logs-3', id: 'after-failover', document: { n: 3 } });
    await followedBy(survivor, 'logs-3-copy', 'logs-3');
    // (The counter moves once put-follow answered, just after the follow record is visible.)
    const afterFailover = await until('the follow counted', async () => {
      const stats = await autoFollowStats(survivor);
      return stats.number_of_successful_follow_indices >= 1 ? stats : undefined;
    });
    assert.equal(afterFailover.number_of_failed_follow_indices, 0, JSON.stringify(afterFailover));
    // The killed node comes back as a replica holder; the copies converge again.
    await cluster.restart(killed.pop()!);
    await converged('orders', 'orders-copy');
  });

  test('unfollow through any node (paused first) makes an ordinary writable index on every node; an auto-follow pattern deleted through any node is gone from every node', async () => {
    assert.equal((await jsonCall(cluster.nodes[2]!, 'DELETE', '/_ccr/auto_follow/logs')).status, 200);
    for (const node of cluster.nodes) {
      const gone = await until(`the pattern gone on ${node.transportAddress}`, async () => {
        const answer = await jsonCall(node, 'GET', '/_ccr/auto_follow/logs');
        return answer.status === 404 ? answer : undefined;
      });
      assert.equal(gone.body.error.type, 'resource_not_found_exception');
    }

    const early = await jsonCall(cluster.nodes[0]!, 'POST', '/orders-copy/_ccr/unfollow');
    assert.equal(early.status, 400, early.text);
    assert.match(early.body.error.reason, /has not been paused/);
    assert.equal((await jsonCall(cluster.nodes[1]!, 'POST', '/orders-copy/_ccr/pause_follow')).status, 200);
    const unfollow = await jsonCall(cluster.nodes[2]!, 'POST', '/orders-copy/_ccr/unfollow');
    assert.equal(unfollow.status, 200, unfollow.text);
    assert.deepEqual(unfollow.body, { acknowledged: true });
    for (const node of cluster.nodes) {
      const settings = await until(`the follower marker gone on ${node.transportAddress}`, async () => {
        const answer = await jsonCall(node, 'GET', '/orders-copy/_settings?flat_settings=true');
        return answer.body['orders-copy'].settings['index.xpack.ccr.following_index'] === undefined ? answer : undefined;
      });
      assert.equal(settings.status, 200);
      assert.deepEqual((await jsonCall(node, 'GET', '/orders-copy/_ccr/info')).body, { follower_indices: [] });
    }
    const write = await jsonCall(cluster.nodes[1]!, 'PUT', '/orders-copy/_doc/mine?refresh=true', { mine: true });
    assert.equal(write.status, 201, write.text);
  });

  test('promote through any node: every shard task stops, the leader is fenced first, the follower takes writes through every node, the record lists every shard', async () => {
    for (let i = 0; i < 20; i++) await leaderAdmin.index({ index: 'logs-1', id: `late-${i}`, document: { n: 100 + i } });
    const promoted = await jsonCall(cluster.nodes[1]!, 'POST', '/logs-1-copy/_ccr/promote');
    assert.equal(promoted.status, 200, promoted.text);
    assert.equal(promoted.body.leader_fenced, true);
    assert.equal(promoted.body.forced, false);
    // Each follower shard reached its fenced leader shard's last seq_no.
    const leaderShards = ((await jsonCall(leader, 'GET', '/logs-1/_stats?level=shards')).body.indices['logs-1'].shards) as Record<string, { seq_no: { max_seq_no: number } }[]>;
    const leaderSeqNos = Object.keys(leaderShards).sort().map((shard) => leaderShards[shard]![0]!.seq_no.max_seq_no);
    assert.deepEqual(promoted.body.follower_shard_checkpoints, leaderSeqNos);
    assert.equal(promoted.body.follower_checkpoint, leaderSeqNos[0]);
    const blocked = await jsonCall(leader, 'PUT', '/logs-1/_doc/after-promotion', { n: -1 });
    assert.equal(blocked.status, 403, blocked.text);
    assert.equal(blocked.body.error.type, 'cluster_block_exception');
    const copies = await assertCopiesIdentical(cluster.nodes, 'logs-1-copy');
    assert.deepEqual([...copies.entries()].sort(), [...(await documentsOf(leaderAdmin, 'logs-1')).entries()].sort());
    for (const [at, node] of cluster.nodes.entries()) {
      const info = await until(`the promotion on ${node.transportAddress}`, async () => {
        const answer = await jsonCall(node, 'GET', '/logs-1-copy/_ccr/info');
        return answer.body.follower_indices?.[0]?.status === 'promoted' ? answer : undefined;
      });
      assert.deepEqual(info.body.follower_indices[0].promotion.follower_shard_checkpoints, leaderSeqNos);
      assert.equal((await jsonCall(node, 'GET', '/logs-1-copy/_ccr/stats')).status, 404, 'no follow task left');
      const write = await jsonCall(node, 'PUT', `/logs-1-copy/_doc/mine-${at}?refresh=true`, { mine: at });
      assert.equal(write.status, 201, write.text);
    }
    const again = await jsonCall(cluster.nodes[0]!, 'POST', '/logs-1-copy/_ccr/promote');
    assert.equal(again.status, 400, again.text);
  });

  test('health through any node names a follower past its max_lag whose task runs on another node', async () => {
    await leaderAdmin.indices.create({ index: 'lagging', settings: { number_of_shards: 1, number_of_replicas: 0 } });
    await leaderAdmin.index({ index: 'lagging', id: '1', document: { n: 1 } });
    // Its own alias, so cutting it off leaves the other followers alone.
    await cluster.nodes[0]!.client().cluster.putSettings({ persistent: { 'cluster.remote.lag.seeds': [leader.transportAddress], 'cluster.remote.lag.skip_unavailable': false } });
    for (const node of cluster.nodes) {
      await until(`${node.transportAddress} connected to the leader as [lag]`, async () => {
        const info = (await node.client().cluster.remoteInfo()) as Record<string, { connected: boolean }>;
        return info['lag']?.connected === true ? true : undefined;
      });
    }
    const follow = await jsonCall(cluster.nodes[1]!, 'PUT', '/lagging-copy/_ccr/follow?wait_for_active_shards=1', {
      remote_cluster: 'lag',
      leader_index: 'lagging',
      settings: { 'index.number_of_replicas': 0 },
      max_lag: { time: '1s' },
    });
    assert.equal(follow.status, 200, follow.text);
    await converged('lagging', 'lagging-copy');
    for (const node of cluster.nodes) {
      const health = await jsonCall(node, 'GET', '/_cluster/health/lagging-copy');
      assert.equal(health.body.status, 'green', health.text);
      assert.equal(health.body.ccr_followers_past_max_lag, undefined);
    }
    // The leader out of reach: the follower falls behind its objective; every node sees it, the
    // nodes without the follower's one shard too.
    await cluster.nodes[0]!.client().cluster.putSettings({ persistent: { 'cluster.remote.lag.seeds': ['127.0.0.1:1'] } });
    await leaderAdmin.index({ index: 'lagging', id: '2', document: { n: 2 } });
    for (const node of cluster.nodes) {
      const health = await until(`health through ${node.transportAddress} to name the lagging follower`, async () => {
        const answer = await jsonCall(node, 'GET', '/_cluster/health/lagging-copy');
        return answer.body.status === 'yellow' ? answer : undefined;
      });
      assert.deepEqual(health.body.ccr_followers_past_max_lag, ['lagging-copy']);
    }
    assert.equal((await jsonCall(cluster.nodes[0]!, 'DELETE', '/lagging-copy')).status, 200);
  });
  test('data streams: a followed backing index joins a replicated stream in the cluster state on every node, searchable through its name, refusing writes and rollover; auto-follow follows rollovers; promote and unfollow make it writable', async () => {
    const clients = cluster.nodes.map((node) => node.client());
    const streamOn = async (client: Client, name: string): Promise<any> => (await client.indices.getDataStream({ name })).data_streams[0];
    const backingOf = async (client: Client, name: string): Promise<string[]> => (await streamOn(client, name)).indices.map((entry: { index_name: string }) => entry.index_name);
    await leaderAdmin.indices.putIndexTemplate({ name: 'feeds', index_patterns: ['feed-*'], data_stream: {}, template: { settings: { number_of_shards: 2, number_of_replicas: 0 } } });
    const operations: unknown[] = [];
    for (let i = 0; i < 30; i++) operations.push({ create: { _index: 'feed-app' } }, { '@timestamp': `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`, n: i });
    assert.equal((await leaderAdmin.bulk({ operations: operations as never })).errors, false);
    const [first] = await backingOf(leaderAdmin, 'feed-app');

    // Put-follow through a node that is not necessarily the master: the follower index and the
    // replicated stream are one master step, so every node shows both.
    const followed = await clients[1]!.ccr.follow({ index: first!, remote_cluster: 'lead', leader_index: first!, wait_for_active_shards: '1', settings: { 'index.number_of_replicas': 1 } } as never);
    assert.deepEqual(followed, { follow_index_created: true, follow_index_shards_acked: true, index_following_started: true });
    for (const client of clients) {
      const local = await until('the replicated stream on every node', async () => (await client.indices.getDataStream({ name: 'feed-app' }).catch(() => undefined))?.data_streams[0]);
      assert.equal((local as any).replicated, true);
      assert.equal((local as any).template, 'feeds');
      assert.deepEqual(await backingOf(client, 'feed-app'), [first]);
      const state = (await client.cluster.state({ metric: 'metadata' })) as any;
      assert.equal(state.metadata.data_stream.data_stream['feed-app'].replicated, true);
      assert.deepEqual(state.metadata.data_stream.data_stream['feed-app'].indices.map((entry: { index_name: string }) => entry.index_name), [first]);
    }
    await converged(first!, first!);
    await leaderAdmin.index({ index: 'feed-app', op_type: 'create', document: { '@timestamp': '2026-01-01T00:01:00Z', n: 30 } });
    const leaderDocuments = await documentsOf(leaderAdmin, 'feed-app');
    for (const client of clients) {
      const documents = await until('the stream name to find the leader documents', async () => {
        const found = await documentsOf(client, 'feed-app');
        return found.size === leaderDocuments.size ? found : undefined;
      });
      assert.deepEqual([...documents.entries()].sort(), [...leaderDocuments.entries()].sort());
    }

    // Writes and rollovers of a replicated stream are refused through every node.
    for (const client of clients) {
      const write = await failure(client.index({ index: 'feed-app', op_type: 'create', document: { '@timestamp': '2026-01-02T00:00:00Z' } }));
      assert.equal(write.status, 403);
      assert.equal(write.type, 'status_exception');
    }
    const rollover = await failure(clients[0]!.indices.rollover({ alias: 'feed-app' }));
    assert.equal(rollover.status, 400);
    assert.equal(rollover.reason, 'data stream [feed-app] cannot be rolled over, because it is a replicated data stream');

    // Auto-follow (on the master): a pattern matching a stream's name follows its backing indices, a
    // rollover's too, ordered by generation on every node.
    const pattern = await clients[2]!.ccr.putAutoFollowPattern({ name: 'feeds', remote_cluster: 'lead', leader_index_patterns: ['feed-auto*'], settings: { 'index.number_of_replicas': 1 } });
    assert.equal(pattern.acknowledged, true);
    await leaderAdmin.index({ index: 'feed-auto', op_type: 'create', document: { '@timestamp': '2026-01-01T00:00:00Z', n: 1 }, refresh: true });
    const rolled = await until('the first backing index auto-followed', async () => ((await clients[0]!.indices.getDataStream({ name: 'feed-auto' }).catch(() => undefined)) === undefined ? undefined : leaderAdmin.indices.rollover({ alias: 'feed-auto' })), 300);
    await leaderAdmin.index({ index: 'feed-auto', op_type: 'create', document: { '@timestamp': '2026-01-02T00:00:00Z', n: 2 }, refresh: true });
    const autoBacking = await backingOf(leaderAdmin, 'feed-auto');
    for (const client of clients) {
      await until('the rollover auto-followed on every node', async () => ((await backingOf(client, 'feed-auto').catch(() => [])).length === 2 ? true : undefined), 300);
      assert.deepEqual(await backingOf(client, 'feed-auto'), autoBacking, 'the write index stays last');
      assert.equal(autoBacking[1], rolled.new_index);
      assert.equal((await streamOn(client, 'feed-auto')).generation, 2);
      assert.equal((await streamOn(client, 'feed-auto')).replicated, true);
      await until('both generations through the stream name', async () => ((await documentsOf(client, 'feed-auto')).size === 2 ? true : undefined));
    }
    assert.equal((await clients[0]!.ccr.deleteAutoFollowPattern({ name: 'feeds' })).acknowledged, true);

    // Promote through one node: every node sees an ordinary stream, which takes no further follower
    // backing index; once its write index is unfollowed it takes writes, and it rolls over locally
    // (through this cluster's own template, as Elasticsearch needs one).
    assert.equal((await clients[2]!.indices.promoteDataStream({ name: 'feed-app' })).acknowledged, true);
    for (const client of clients) assert.equal(await until('the promotion on every node', async () => ((await streamOn(client, 'feed-app')).replicated === false ? false : undefined)), false);
    const leaderRolled = await leaderAdmin.indices.rollover({ alias: 'feed-app' });
    const refused = await failure(clients[0]!.ccr.follow({ index: leaderRolled.new_index, remote_cluster: 'lead', leader_index: leaderRolled.new_index } as never));
    assert.equal(refused.status, 400);
    assert.equal(refused.reason, `cannot follow backing index [${leaderRolled.new_index}], because local data stream [feed-app] is no longer marked as replicated`);
    assert.equal(await clients[1]!.indices.exists({ index: leaderRolled.new_index }), false, 'nothing was created');
    assert.equal((await failure(clients[1]!.index({ index: 'feed-app', op_type: 'create', document: { '@timestamp': '2026-01-02T00:00:00Z' } }))).status, 403, 'its write index still follows');
    assert.equal((await clients[0]!.ccr.pauseFollow({ index: first! })).acknowledged, true);
    assert.equal((await clients[1]!.ccr.unfollow({ index: first! })).acknowledged, true);
    const mine = await until('the unfollowed write index to take writes through the stream', async () =>
      clients[2]!.index({ index: 'feed-app', op_type: 'create', document: { '@timestamp': '2026-01-02T00:00:00Z', mine: true } }).catch(() => undefined),
    );
    assert.equal(mine._index, first);
    await clients[0]!.indices.putIndexTemplate({ name: 'feeds', index_patterns: ['feed-*'], data_stream: {}, template: { settings: { number_of_shards: 1, number_of_replicas: 1 } } });
    const localRolled = await clients[1]!.indices.rollover({ alias: 'feed-app' });
    assert.equal(localRolled.rolled_over, true);
    for (const client of clients) {
      await until('the local rollover on every node', async () => ((await backingOf(client, 'feed-app')).length === 2 ? true : undefined));
      assert.deepEqual(await backingOf(client, 'feed-app'), [first, localRolled.new_index]);
      assert.equal((await streamOn(client, 'feed-app')).generation, 2);
    }
    const rolledWrite = await clients[0]!.index({ index: 'feed-app', op_type: 'create', document: { '@timestamp': '2026-01-03T00:00:00Z', mine: true }, refresh: true });
    assert.equal(rolledWrite._index, localRolled.new_index);
    await until('leader documents and local writes through the stream name', async () => ((await documentsOf(clients[2]!, 'feed-app')).size === leaderDocuments.size + 2 ? true : undefined));
  });

  test('put-follows while other nodes change the cluster state: every follower index, its record and its task exist on every node', async () => {
    // A state published between a follower's local create and the master's answer (here: indices
    // made and deleted through another node) once deleted the unpublished follower index, and its
    // follow record with it: the put-follow answered `follow_index_shards_acked: false` and left
    // nothing following.
    const nodes = running();
    const names = Array.from({ length: 6 }, (_, i) => `race-${i}`);
    for (const name of names) await leaderAdmin.index({ index: name, id: 'one', document: { name }, refresh: true });
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        await jsonCall(nodes[2]!, 'PUT', `/churn-${i}`, { settings: { number_of_shards: 1, number_of_replicas: 0 } });
        await jsonCall(nodes[2]!, 'DELETE', `/churn-${i}`);
      }
    })();
    const follows = await Promise.all(names.map((name) => jsonCall(nodes[1]!, 'PUT', `/${name}-copy/_ccr/follow?wait_for_active_shards=1`, { remote_cluster: 'lead', leader_index: name })));
    churning = false;
    await churn;
    for (const follow of follows) {
      assert.equal(follow.status, 200, follow.text);
      assert.deepEqual(follow.body, { follow_index_created: true, follow_index_shards_acked: true, index_following_started: true });
    }
    for (const node of nodes) {
      const info = await jsonCall(node, 'GET', '/race-*-copy/_ccr/info');
      assert.equal(info.status, 200, info.text);
      assert.deepEqual((info.body.follower_indices as { follower_index: string; status: string }[]).map((entry) => `${entry.follower_index}:${entry.status}`).sort(), names.map((name) => `${name}-copy:active`));
    }
    for (const name of names) {
      await leaderAdmin.index({ index: name, id: 'two', document: { name }, refresh: true });
      await until(`${name}-copy to follow`, async () => ((await documentsOf(nodes[0]!.client(), `${name}-copy`)).size === 2 ? true : undefined));
    }
    for (const name of names) assert.equal((await jsonCall(nodes[0]!, 'POST', `/${name}-copy/_ccr/pause_follow`)).status, 200);
    assert.equal((await jsonCall(nodes[0]!, 'DELETE', `/${names.map((name) => `${name}-copy`).join(',')}`)).status, 200);
  });
});
