/**
 * Cross-cluster replication from a leader cluster of three nodes (issue #14 "Tests": "cross-cluster
 * replication ... against a 3-node remote ..., with the remote's gateway node killed mid-way";
 * issue #10). Real processes: a real etcd, three leader nodes in multi-node mode with security on
 * and TLS from our certutil, one follower node.
 *
 * What Elasticsearch does and this enforces (ccr-overview.html, "Replication mechanics": the
 * follower's shard tasks read the operation history of the leader's primary shards; "the leader
 * index ... retention leases" keep it; ShardChangesAction, RetentionLeaseActions and the restore
 * session actions are single-shard actions run on the primary): a follower of a 3-shard, 1-replica
 * leader bootstraps every document wherever the shards live; it keeps following under continuous
 * indexing when the node its connection landed on (its gateway, which also holds primaries) is
 * killed with kill -9, through another gateway, and after the leader promotes replicas it continues
 * from its checkpoints; after convergence the follower holds the leader's documents one by one
 * (ids, _source, _version, and _seq_no: the same shard numbers and the same per-shard history),
 * and `_ccr/stats` (ccr-get-follow-stats.html) shows each shard caught up.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Client } from '@elastic/elasticsearch';
import { REMOTE_CLUSTER_CLIENT_YAML, startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';
import { etcdSkipReason } from '../harness/etcd.js';
import { startMultiNodeCluster, type MultiNodeCluster } from '../harness/multi-node-cluster.js';
import { documentsOf, shardLayout, type FollowShardStats } from '../harness/shard-copies.js';
import { until } from '../harness/wait.js';
import { connectTransport, TRANSPORT_FORMAT_VERSION } from '../../src/transport/index.js';

const skip = etcdSkipReason();

/** The node id of a running node. */
async function nodeIdOf(node: StartedNode): Promise<string> {
  return Object.keys((await jsonCall(node, 'GET', '/_nodes/_local')).body.nodes)[0]!;
}

/** A write through `through`, retried until acknowledged (it may wait out a failover); an update or delete of a deleted document is answered 404. */
async function writeUntilAcknowledged(through: () => StartedNode, method: string, path: string, body?: unknown): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const answer = await jsonCall(through(), method, `${path}?timeout=20s`, body).catch(() => undefined);
    if (answer !== undefined && (answer.status === 200 || answer.status === 201 || (method !== 'PUT' && answer.status === 404))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${method} ${path} was never acknowledged`);
}

describe('cross-cluster replication from a three-node leader cluster', { skip }, () => {
  let cluster: MultiNodeCluster;
  let follower: StartedNode;
  let followerAdmin: Client;
  /** Indexes into cluster.nodes of the leader nodes killed so far. */
  const killed: number[] = [];
  const running = (): StartedNode[] => cluster.nodes.filter((_, index) => !killed.includes(index));

  before(async () => {
    cluster = await startMultiNodeCluster({ clusterName: 'leaders', nodes: 3, remoteClusterServer: true });
    follower = await startNode({ ca: cluster.ca!, clusterName: 'followers', nodeName: 'follow-1', yaml: REMOTE_CLUSTER_CLIENT_YAML });
    followerAdmin = follower.client();
  });
  after(async () => {
    await follower?.destroy();
    await cluster?.destroy();
  });

  /**
   * The scenario of both models: a 3-shard, 1-replica leader `leaderIndex` with 300 documents;
   * the follower's alias `alias` (sniff mode) gets one seed (`addressOf`): the node with the most
   * primaries (the gateway), and sniffing connects it to every node; put-follow bootstraps every
   * document; two writers index, update and delete through the other nodes; kill -9 of the
   * gateway; after convergence the follower equals the leader document by document. Returns
   * the time from the kill until every follower shard applies operations again.
   */
  const followThroughGatewayKill = async (leaderIndex: string, followerIndex: string, alias: string, configureAlias: (seeds: string[]) => Promise<void>, addressOf: (node: StartedNode) => string): Promise<{ resumedMs: number; documents: number }> => {
    const nodes = running();
    assert.equal(nodes.length, 3);
    const leaderAdmin = nodes[0]!.client();
    // Each copy keeps one operation below its refreshed point beyond what retention leases retain:
    // the follower's history survives only through its lease (on the primary, and on the copies
    // that may become primary).
    await leaderAdmin.indices.create({ index: leaderIndex, settings: { number_of_shards: 3, number_of_replicas: 1, 'index.soft_deletes.retention.operations': 1 } });
    const green = await jsonCall(nodes[1]!, 'GET', `/_cluster/health/${leaderIndex}?wait_for_status=green&timeout=60s`);
    assert.equal(green.body.status, 'green', green.text);
    const operations: unknown[] = [];
    for (let i = 0; i < 300; i++) operations.push({ index: { _index: leaderIndex, _id: `pre-${i}` } }, { n: i, phase: 'before' });
    const bulk = await leaderAdmin.bulk({ operations: operations as never });
    assert.equal(bulk.errors, false);

    const { shards } = await shardLayout(nodes[0]!, leaderIndex);
    const primariesOf = (id: string): number => Object.values(shards).filter((shard) => shard.primary === id).length;
    const ids = await Promise.all(nodes.map(nodeIdOf));
    const order = [0, 1, 2].sort((a, b) => primariesOf(ids[b]!) - primariesOf(ids[a]!));
    const gateway = nodes[order[0]!]!;
    assert.ok(primariesOf(ids[order[0]!]!) >= 1, 'the gateway holds a primary');
    const survivors = order.slice(1).map((index) => nodes[index]!);
    // One seed, the gateway: sniffing finds the other two nodes, and the follower connects to every node.
    await configureAlias([addressOf(gateway)]);
    const connected = await until(`${alias} connected to every leader node`, async () => {
      const info = (await followerAdmin.cluster.remoteInfo()) as Record<string, { connected: boolean; num_nodes_connected: number }>;
      return info[alias]?.connected === true && info[alias]!.num_nodes_connected === 3 ? info[alias] : undefined;
    });
    assert.equal(connected.num_nodes_connected, 3);

    const follow = await followerAdmin.ccr.follow({ index: followerIndex, remote_cluster: alias, leader_index: leaderIndex, settings: { 'index.number_of_replicas': 0 }, wait_for_active_shards: 1 });
    assert.deepEqual(follow, { follow_index_created: true, follow_index_shards_acked: true, index_following_started: true });
    await followerAdmin.indices.refresh({ index: followerIndex });
    assert.equal((await followerAdmin.count({ index: followerIndex })).count, 300, 'the bootstrap copied every document of every shard');

    let stop = false;
    let written = 0;
    const writer = async (k: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const through = (): StartedNode => survivors[(k + n) % survivors.length]!;
        const id = `w${k}-${n}`;
        await writeUntilAcknowledged(through, 'PUT', `/${leaderIndex}/_doc/${id}`, { k, n, phase: 'during' });
        if (n % 7 === 3) await writeUntilAcknowledged(through, 'POST', `/${leaderIndex}/_update/pre-${(k * 100 + n) % 300}`, { doc: { touched: `${k}-${n}` } });
        if (n % 11 === 5) await writeUntilAcknowledged(through, 'DELETE', `/${leaderIndex}/_doc/pre-${(k * 150 + n) % 300}`);
        written++;
      }
    };
    const writers = [0, 1].map(writer);
    await until('indexing under way', async () => (written >= 30 ? true : undefined));
    await until('the follower tailing the new writes', async () => ((await followerAdmin.count({ index: followerIndex, q: 'phase:during' }).catch(() => ({ count: 0 }))).count > 0 ? true : undefined));

    const checkpoints = async (): Promise<number[]> => {
      const stats = (await followerAdmin.ccr.followStats({ index: followerIndex })) as unknown as { indices: { shards: FollowShardStats[] }[] };
      return stats.indices[0]!.shards.sort((a, b) => a.shard_id - b.shard_id).map((shard) => shard.follower_global_checkpoint);
    };
    await gateway.kill9();
    const killedAtMs = Date.now();
    killed.push(cluster.nodes.indexOf(gateway));
    // Time to resume: from the kill until every follower shard (those whose primary died too)
    // applied operations beyond its checkpoint at the kill.
    const atKill = await checkpoints();
    await until('every follower shard to move on after the kill', async () => ((await checkpoints()).every((checkpoint, shard) => checkpoint > atKill[shard]!) ? true : undefined), 600);
    const resumedMs = Date.now() - killedAtMs;
    // Indexing goes on a while after the follower resumed.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stop = true;
    await Promise.all(writers);

    const expected = await documentsOf(survivors[0]!.client(), leaderIndex);
    assert.ok(expected.size > 300, `indexing went on (${expected.size} documents)`);
    const copied = await until(
      'the follower to converge on the leader',
      async () => {
        const copy = await documentsOf(followerAdmin, followerIndex);
        return copy.size === expected.size && [...expected].every(([id, doc]) => copy.get(id)?.seqNo === doc.seqNo) ? copy : undefined;
      },
      600,
    );
    // Document by document: the same ids, sources, versions and seq_nos (same shard, same history).
    assert.deepEqual([...copied.entries()].sort(), [...expected.entries()].sort());

    const stats = (await followerAdmin.ccr.followStats({ index: followerIndex })) as unknown as { indices: { shards: FollowShardStats[] }[] };
    const shardStats = stats.indices[0]!.shards;
    assert.deepEqual(shardStats.map((shard) => shard.shard_id).sort(), [0, 1, 2]);
    for (const shard of shardStats) {
      assert.equal(shard.fatal_exception, undefined, JSON.stringify(shard));
      assert.ok(shard.operations_written > 0, `shard ${shard.shard_id} applied operations (${shard.operations_written})`);
      assert.equal(shard.follower_global_checkpoint, shard.leader_global_checkpoint, `shard ${shard.shard_id} caught up`);
    }
    const info = await followerAdmin.ccr.followInfo({ index: followerIndex });
    assert.equal(info.follower_indices[0]!.status, 'active');
    return { resumedMs, documents: expected.size };
  };

  test('certificate model (sniff from one seed): bootstrap, continuous indexing, kill -9 of the gateway holding primaries; the follower converges document by document', async (t) => {
    const figures = await followThroughGatewayKill(
      'orders',
      'orders-copy',
      'lm',
      async (seeds) => {
        await followerAdmin.cluster.putSettings({ persistent: { 'cluster.remote.lm.mode': 'sniff', 'cluster.remote.lm.seeds': seeds, 'cluster.remote.lm.skip_unavailable': false } });
      },
      (node) => node.transportAddress,
    );
    t.diagnostic(`certificate model: kill -9 of the gateway (with primaries) -> every follower shard applying operations again ${figures.resumedMs} ms; ${figures.documents} documents compared`);
  });

  test('retention leases live on every copy: a paused follower resumes on replicas promoted after a second kill -9, from its checkpoint', async () => {
    const survivors = running();
    assert.equal(survivors.length, 2);
    // The replicas the first kill lost are made again on the two nodes left.
    const green = await jsonCall(survivors[0]!, 'GET', '/_cluster/health/orders?wait_for_status=green&timeout=60s');
    assert.equal(green.body.status, 'green', green.text);
    await followerAdmin.ccr.pauseFollow({ index: 'orders-copy' });
    for (let i = 0; i < 60; i++) await writeUntilAcknowledged(() => survivors[0]!, 'PUT', `/orders/_doc/paused-${i}`, { i, phase: 'paused' });
    // A refresh of every copy trims history below the leases each copy holds.
    assert.equal((await jsonCall(survivors[0]!, 'POST', '/orders/_refresh')).status, 200);
    // kill -9 of the node with the most primaries: the last node promotes its replicas.
    const { shards } = await shardLayout(survivors[0]!, 'orders');
    const ids = await Promise.all(survivors.map(nodeIdOf));
    const primariesOf = (id: string): number => Object.values(shards).filter((shard) => shard.primary === id).length;
    const victim = primariesOf(ids[0]!) >= primariesOf(ids[1]!) ? 0 : 1;
    const last = survivors[1 - victim]!;
    await survivors[victim]!.kill9();
    killed.push(cluster.nodes.indexOf(survivors[victim]!));
    for (let i = 0; i < 40; i++) await writeUntilAcknowledged(() => last, 'PUT', `/orders/_doc/promoted-${i}`, { i, phase: 'promoted' });
    assert.equal((await jsonCall(last, 'POST', '/orders/_refresh')).status, 200);
    const layout = await shardLayout(last, 'orders');
    const lastId = await nodeIdOf(last);
    assert.deepEqual(Object.values(layout.shards).map((shard) => shard.primary), [lastId, lastId, lastId], 'every primary is on the last node');

    await followerAdmin.ccr.resumeFollow({ index: 'orders-copy' });
    const expected = await documentsOf(last.client(), 'orders');
    const copied = await until(
      'the resumed follower to converge on the promoted primaries',
      async () => {
        const stats = (await followerAdmin.ccr.followStats({ index: 'orders-copy' })) as unknown as { indices: { shards: FollowShardStats[] }[] };
        const fatal = stats.indices[0]?.shards.find((shard) => shard.fatal_exception !== undefined);
        assert.equal(fatal, undefined, `the history the follower needs was kept: ${JSON.stringify(fatal)}`);
        const copy = await documentsOf(followerAdmin, 'orders-copy');
        return copy.size === expected.size && [...expected].every(([id, doc]) => copy.get(id)?.seqNo === doc.seqNo) ? copy : undefined;
      },
      600,
    );
    assert.deepEqual([...copied.entries()].sort(), [...expected.entries()].sort());
  });

  test('API key model (sniff over the remote cluster interface, from one seed): the same through a cross-cluster key valid on every leader node', async (t) => {
    // The two killed nodes come back (their copies recover); the key is made on one node and
    // authenticates on every other.
    // Both at once: each restart waits until the cluster lists every node again.
    await Promise.all(killed.splice(0).map((index) => cluster.restart(index)));
    const key = await cluster.nodes[2]!.client().security.createCrossClusterApiKey({ name: 'replication', access: { replication: [{ names: ['orders-k'] }] } });
    follower.keystoreAdd('cluster.remote.lk.credentials', key.encoded);
    await followerAdmin.nodes.reloadSecureSettings();
    const figures = await followThroughGatewayKill(
      'orders-k',
      'orders-k-copy',
      'lk',
      async (seeds) => {
        await followerAdmin.cluster.putSettings({ persistent: { 'cluster.remote.lk.mode': 'sniff', 'cluster.remote.lk.seeds': seeds, 'cluster.remote.lk.skip_unavailable': false } });
      },
      (node) => node.remoteClusterAddress!,
    );
    // Fenced promotion (Strait's) against a leader of many nodes: the write block goes through the
    // leader's master, every leader primary refuses writes, then the follower becomes writable.
    const promote = await jsonCall(follower, 'POST', '/orders-k-copy/_ccr/promote');
    assert.equal(promote.status, 200, promote.text);
    assert.equal(promote.body.leader_fenced, true);
    assert.equal(promote.body.forced, false);
    const stats = await jsonCall(running()[0]!, 'GET', '/orders-k/_stats?level=shards');
    assert.equal(stats.status, 200, stats.text);
    const leaderShards = stats.body.indices['orders-k'].shards as Record<string, { routing: { primary: boolean }; seq_no: { max_seq_no: number } }[]>;
    const leaderSeqNos = Object.keys(leaderShards)
      .sort((a, b) => Number(a) - Number(b))
      .map((shard) => leaderShards[shard]!.find((copy) => copy.routing.primary)!.seq_no.max_seq_no);
    assert.deepEqual(promote.body.follower_shard_checkpoints, leaderSeqNos);
    for (const node of running()) {
      const settings = await until(`the write block on ${node.transportAddress}`, async () => {
        const answer = await jsonCall(node, 'GET', '/orders-k/_settings?flat_settings=true');
        return answer.body['orders-k']?.settings['index.blocks.write'] === 'true' ? answer : undefined;
      });
      assert.equal(settings.status, 200);
      const write = await jsonCall(node, 'PUT', '/orders-k/_doc/after-fence', { late: true });
      assert.equal(write.status, 403, write.text);
      assert.equal(write.body.error.type, 'cluster_block_exception');
    }
    assert.equal((await followerAdmin.ccr.followInfo({ index: 'orders-k-copy' })).follower_indices[0]!.status, 'promoted');
    const mine = await jsonCall(follower, 'PUT', '/orders-k-copy/_doc/after-promotion?refresh=true', { mine: true });
    assert.equal(mine.status, 201, mine.text);
    t.diagnostic(`API key model: kill -9 of the gateway (with primaries) -> every follower shard applying operations again ${figures.resumedMs} ms; ${figures.documents} documents compared`);
  });
  test('the routed shard-level actions serve nodes of the leader cluster only: another cluster cannot skip the gateway authorization', async () => {
    const leader = running()[0]!;
    const version = String((await jsonCall(leader, 'GET', '/')).body.version.number);
    const colon = leader.transportAddress.lastIndexOf(':');
    // The follower node's own certificate (the same CA): the TLS layer accepts it, the action does not.
    const connection = await connectTransport({
      address: { host: leader.transportAddress.slice(0, colon), port: Number(leader.transportAddress.slice(colon + 1)) },
      local: { clusterName: 'followers', clusterUuid: 'another-cluster', nodeId: 'probe', nodeName: 'probe', version, roles: ['data'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION },
      logger: pino({ level: 'silent' }),
      tls: { ca: cluster.ca!.caPem, cert: readFileSync(path.join(follower.configDir, 'certs', 'node.crt')), key: readFileSync(path.join(follower.configDir, 'certs', 'node.key')), verificationMode: 'full' },
    });
    try {
      const body = { index_uuid: 'x', index: 'orders-k', shard: 0, body: { index: 'orders-k', shard: 0, from_seq_no: 0, max_operation_count: 10, poll_timeout_ms: 0, max_batch_size: 1024 } };
      for (const action of ['indices:data/read/xpack/ccr/shard_changes[s]', 'indices:internal/admin/ccr/restore/session/put[s]', 'indices:admin/seq_no/retention_lease_sync[r]']) {
        await assert.rejects(connection.request(action, body, { timeoutMs: 10_000 }), (error: any) => error.type === 'security_exception' && error.message.includes(`action [${action}] is unauthorized`), action);
      }
    } finally {
      connection.close();
    }
  });
  test('an idle leader after a failover: a promoted primary with another live replica hands out the operations it resynced, without a further write', async () => {
    for (const index of killed.splice(0)) await cluster.restart(index);
    const nodes = running();
    const admin = nodes[0]!.client();
    // Two replicas: the promoted primary has another in-sync copy whose checkpoint it must learn.
    await admin.indices.create({ index: 'quiet', settings: { number_of_shards: 1, number_of_replicas: 2 } });
    const green = await jsonCall(nodes[1]!, 'GET', '/_cluster/health/quiet?wait_for_status=green&timeout=60s');
    assert.equal(green.body.status, 'green', green.text);
    await followerAdmin.cluster.putSettings({ persistent: { 'cluster.remote.lk.seeds': nodes.map((node) => node.remoteClusterAddress!) } });
    const key = await admin.security.createCrossClusterApiKey({ name: 'quiet', access: { replication: [{ names: ['quiet'] }] } });
    follower.keystoreAdd('cluster.remote.lq.credentials', key.encoded);
    await followerAdmin.nodes.reloadSecureSettings();
    await followerAdmin.cluster.putSettings({ persistent: { 'cluster.remote.lq.mode': 'sniff', 'cluster.remote.lq.seeds': nodes.map((node) => node.remoteClusterAddress!), 'cluster.remote.lq.skip_unavailable': false } });
    await until('lq connected to every leader node', async () => {
      const info = (await followerAdmin.cluster.remoteInfo()) as Record<string, { connected: boolean; num_nodes_connected: number }>;
      return info['lq']?.connected === true && info['lq']!.num_nodes_connected === 3 ? true : undefined;
    });
    await followerAdmin.ccr.follow({ index: 'quiet-copy', remote_cluster: 'lq', leader_index: 'quiet', wait_for_active_shards: 1 });
    await followerAdmin.ccr.pauseFollow({ index: 'quiet-copy' });
    for (let i = 0; i < 20; i++) await writeUntilAcknowledged(() => nodes[1]!, 'PUT', `/quiet/_doc/q-${i}`, { i });
    const { shards } = await shardLayout(nodes[0]!, 'quiet');
    const primaryId = shards['0']!.primary;
    const ids = await Promise.all(nodes.map(nodeIdOf));
    const victim = ids.indexOf(primaryId);
    await nodes[victim]!.kill9();
    killed.push(cluster.nodes.indexOf(nodes[victim]!));
    const other = nodes[(victim + 1) % 3]!;
    await until('a replica promoted', async () => {
      const layout = await shardLayout(other, 'quiet').catch(() => undefined);
      return layout !== undefined && layout.shards['0']!.primary !== primaryId && layout.shards['0']!.primary !== undefined ? true : undefined;
    }, 300);
    // No write after the failover: the follower still gets every acknowledged document.
    await followerAdmin.ccr.resumeFollow({ index: 'quiet-copy' });
    const expected = await documentsOf(other.client(), 'quiet');
    assert.equal(expected.size, 20);
    const copied = await until('the follower to hold every document of the idle leader', async () => {
      const copy = await documentsOf(followerAdmin, 'quiet-copy');
      return copy.size === expected.size ? copy : undefined;
    }, 200);
    assert.deepEqual([...copied.entries()].sort(), [...expected.entries()].sort());
  });
});
