// Cross-cluster replication with real node processes (issue 10): a leader cluster and a follower
// cluster trusting one CA made by our certutil, the official client for every call, both security
// models and both connection modes. Reference: shared/spec/ccr.md (§2 create, §3 life-cycle, §4
// mechanism, §7 privileges, §8 errors).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import type { StartedNode } from '../harness/cluster.js';
import { startCcrPair } from '../harness/ccr.js';
import { failure, until, remoteConnected } from '../harness/wait.js';

let leader: StartedNode;
let follower: StartedNode;
let leaderAdmin: Client;
let followerAdmin: Client;

const connected = async (client: Client, alias: string): Promise<void> => void (await remoteConnected(client, alias));

interface Doc {
  readonly id: string;
  readonly version: number | undefined;
  readonly seqNo: number | undefined;
  readonly source: unknown;
}

async function documents(client: Client, index: string): Promise<Doc[]> {
  await client.indices.refresh({ index });
  const result = await client.search({ index, size: 10_000, sort: ['_doc'], seq_no_primary_term: true, version: true, query: { match_all: {} } });
  return result.hits.hits.map((hit) => ({ id: hit._id!, version: hit._version, seqNo: hit._seq_no, source: hit._source })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Waits until the follower holds exactly the leader's documents (ids, versions, seq_no, sources). */
async function converged(leaderIndex: string, followerIndex: string): Promise<Doc[]> {
  const expected = await documents(leaderAdmin, leaderIndex);
  return until(`${followerIndex} to converge with ${leaderIndex}`, async () => {
    const actual = await documents(followerAdmin, followerIndex);
    return JSON.stringify(actual) === JSON.stringify(expected) ? actual : undefined;
  }, 300);
}

before(async () => {
  ({ leader, follower } = await startCcrPair('lc'));
  leaderAdmin = leader.client();
  followerAdmin = follower.client();
});

after(async () => {
  await Promise.all([leader?.destroy(), follower?.destroy()]);
});

/**
 * The follower's log says the shard's bootstrap copied the leader's segment files (over the
 * transport, as binary chunks) and stored every document from them (no source sent beside them). Its lines reach this process through a pipe: waited for a while.
 */
async function assertTookSegmentFiles(index: string, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let lines: string[] = [];
  while (lines.length === 0 && Date.now() < deadline) {
    lines = follower.logs.filter((line) => line.includes('follower shard bootstrapped from its leader shard') && line.includes(`"follower":"${index}"`));
    if (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const sessions = leader.logs.filter((line) => line.includes('restore session'));
  assert.ok(lines.length > 0 && lines.every((line) => /"segment_files":[1-9]/.test(line) && line.includes('"sources_sent":0')), `${what}:\n${lines.join('\n')}\nthe leader's sessions:\n${sessions.slice(-4).join('\n')}`);
}

test('certificate model, sniff: follow bootstraps, tails index/update/delete with the leader seq_no and versions', async () => {
  await leaderAdmin.indices.create({ index: 'orders', mappings: { properties: { item: { type: 'keyword' }, qty: { type: 'integer' } } } });
  await leaderAdmin.bulk({ refresh: true, operations: Array.from({ length: 50 }, (_, i) => [{ index: { _index: 'orders', _id: `o${i}` } }, { item: `item-${i}`, qty: i }]).flat() });
  await leaderAdmin.index({ index: 'orders', id: 'o1', document: { item: 'item-1', qty: 100 } });
  await leaderAdmin.delete({ index: 'orders', id: 'o2' });
  await leaderAdmin.index({ index: 'orders', id: 'routed', routing: 'r1', document: { item: 'routed', qty: 1 } });

  const created = await followerAdmin.ccr.follow({ index: 'orders-copy', remote_cluster: 'lc', leader_index: 'orders', wait_for_active_shards: 1 });
  assert.deepEqual(created, { follow_index_created: true, follow_index_shards_acked: true, index_following_started: true });
  await assertTookSegmentFiles('orders-copy', "the bootstrap took the leader's segment files (nothing built)");
  const copy = await converged('orders', 'orders-copy');
  assert.equal(copy.length, 50);
  const routed = await followerAdmin.get({ index: 'orders-copy', id: 'routed', routing: 'r1', stored_fields: ['_routing'] });
  assert.equal(routed._routing, 'r1');
  // The leader's mapping came along.
  const mapping = await followerAdmin.indices.getMapping({ index: 'orders-copy' });
  assert.equal((mapping['orders-copy']!.mappings.properties!['qty'] as { type: string }).type, 'integer');
  const settings = await followerAdmin.indices.getSettings({ index: 'orders-copy', flat_settings: true });
  assert.equal(settings['orders-copy']!.settings!['index.xpack.ccr.following_index'], 'true');

  // Tailing: new writes, updates, deletes and a new field (mapping) reach the follower.
  await leaderAdmin.index({ index: 'orders', id: 'o3', document: { item: 'item-3', qty: 333 } });
  await leaderAdmin.delete({ index: 'orders', id: 'o4' });
  await leaderAdmin.index({ index: 'orders', id: 'new', document: { item: 'new', qty: 1, note: 'a new field' } });
  await converged('orders', 'orders-copy');
  const found = await followerAdmin.search({ index: 'orders-copy', query: { match: { note: 'field' } } });
  assert.deepEqual(found.hits.hits.map((hit) => hit._id), ['new']);

  const info = await followerAdmin.ccr.followInfo({ index: 'orders-copy' });
  assert.equal(info.follower_indices.length, 1);
  const entry = info.follower_indices[0]!;
  assert.equal(entry.follower_index, 'orders-copy');
  assert.equal(entry.remote_cluster, 'lc');
  assert.equal(entry.leader_index, 'orders');
  assert.equal(entry.status, 'active');
  assert.deepEqual(entry.parameters, {
    max_read_request_operation_count: 5120,
    max_read_request_size: '32mb',
    max_outstanding_read_requests: 12,
    max_write_request_operation_count: 5120,
    max_write_request_size: '9223372036854775807b',
    max_outstanding_write_requests: 9,
    max_write_buffer_count: 2147483647,
    max_write_buffer_size: '512mb',
    max_retry_delay: '500ms',
    read_poll_timeout: '1m',
  });
  // Stats count a batch once it is durable (its fsync ends after the commit a search may already see).
  const shard = await until('the follower stats to count the converged operations', async () => {
    const stats = (await followerAdmin.ccr.followStats({ index: 'orders-copy' })) as unknown as { indices: { index: string; shards: Record<string, unknown>[] }[] };
    const first = stats.indices[0]!.shards[0]!;
    return first['follower_global_checkpoint'] === first['leader_global_checkpoint'] && Number(first['operations_written']) >= 3 ? first : undefined;
  });
  assert.equal(shard['remote_cluster'], 'lc');
  assert.equal(shard['leader_index'], 'orders');
  assert.equal(shard['follower_index'], 'orders-copy');
  assert.equal(shard['shard_id'], 0);
  assert.equal(shard['follower_global_checkpoint'], shard['leader_global_checkpoint']);
  assert.ok(Number(shard['operations_written']) >= 3);
  const all = (await followerAdmin.ccr.stats()) as unknown as { follow_stats: { indices: { index: string }[] } };
  assert.ok(all.follow_stats.indices.some((index) => index.index === 'orders-copy'));
});

test('a follower is read-only; pause, resume with new parameters, unfollow after close', async () => {
  const write = await failure(followerAdmin.index({ index: 'orders-copy', id: 'x', document: { item: 'x' } }));
  assert.equal(write.status, 403);
  assert.equal(write.type, 'status_exception');
  assert.equal(write.reason, 'a following engine does not accept operations without an assigned sequence number');
  const bulk = await followerAdmin.bulk({ operations: [{ delete: { _index: 'orders-copy', _id: 'o5' } }] });
  assert.equal(bulk.items[0]!.delete!.status, 403);

  const openUnfollow = await failure(followerAdmin.ccr.unfollow({ index: 'orders-copy' }));
  assert.equal(openUnfollow.status, 400);
  assert.match(openUnfollow.reason, /because it has not been closed/);

  await followerAdmin.ccr.pauseFollow({ index: 'orders-copy' });
  const paused = await followerAdmin.ccr.followInfo({ index: 'orders-copy' });
  assert.equal(paused.follower_indices[0]!.status, 'paused');
  assert.equal(paused.follower_indices[0]!.parameters, undefined);
  const noTasks = await failure(followerAdmin.ccr.followStats({ index: 'orders-copy' }));
  assert.equal(noTasks.status, 404);
  assert.match(noTasks.reason, /No shard follow tasks for follower indices \[orders-copy\]/);
  const again = await failure(followerAdmin.ccr.pauseFollow({ index: 'orders-copy' }));
  assert.equal(again.status, 400);
  assert.match(again.reason, /no shard follow tasks for \[orders-copy\]/);

  // Writes while paused arrive after resume.
  await leaderAdmin.index({ index: 'orders', id: 'while-paused', document: { item: 'p', qty: 7 } });
  await followerAdmin.ccr.resumeFollow({ index: 'orders-copy', max_read_request_operation_count: 2, read_poll_timeout: '2s' });
  const resumed = await followerAdmin.ccr.followInfo({ index: 'orders-copy' });
  assert.equal(resumed.follower_indices[0]!.parameters!.max_read_request_operation_count, 2);
  assert.equal(resumed.follower_indices[0]!.parameters!.read_poll_timeout, '2s');
  assert.equal(resumed.follower_indices[0]!.parameters!.max_outstanding_read_requests, 12, 'omitted parameters go back to the defaults');
  await converged('orders', 'orders-copy');

  const notPaused = await failure(followerAdmin.indices.close({ index: 'orders-copy' }).then(() => followerAdmin.ccr.unfollow({ index: 'orders-copy' })));
  assert.match(notPaused.reason, /because it has not been paused/);
  await followerAdmin.indices.open({ index: 'orders-copy' });
  await followerAdmin.ccr.pauseFollow({ index: 'orders-copy' });
  await followerAdmin.indices.close({ index: 'orders-copy' });
  await followerAdmin.ccr.unfollow({ index: 'orders-copy' });
  await followerAdmin.indices.open({ index: 'orders-copy' });
  await followerAdmin.index({ index: 'orders-copy', id: 'mine', document: { item: 'mine' }, refresh: true });
  assert.deepEqual((await followerAdmin.ccr.followInfo({ index: 'orders-copy' })).follower_indices, []);
  const resumeNormal = await failure(followerAdmin.ccr.resumeFollow({ index: 'orders-copy' }));
  assert.equal(resumeNormal.status, 400);
  assert.match(resumeNormal.reason, /follow index \[orders-copy\] does not have ccr metadata/);
  const pauseNormal = await failure(followerAdmin.ccr.pauseFollow({ index: 'orders-copy' }));
  assert.match(pauseNormal.reason, /index \[orders-copy\] is not a follower index/);
});

test('bad input gets Elasticsearch errors and creates nothing', async () => {
  await leaderAdmin.indices.create({ index: 'aliased', aliases: { 'the-alias': {} } });
  const cases: [Record<string, unknown>, number, string, RegExp][] = [
    [{ remote_cluster: 'nowhere', leader_index: 'orders' }, 404, 'no_such_remote_cluster_exception', /no such remote cluster: \[nowhere\]/],
    [{ remote_cluster: 'lc', leader_index: 'missing' }, 404, 'index_not_found_exception', /no such index \[missing\]/],
    [{ remote_cluster: 'lc', leader_index: 'the-alias' }, 400, 'illegal_argument_exception', /cannot follow \[the-alias\], because it is a ALIAS/],
    [{ leader_index: 'orders' }, 400, 'action_request_validation_exception', /remote_cluster is missing/],
    [{ remote_cluster: 'lc', leader_index: 'orders', max_read_request_operation_count: 0 }, 400, 'action_request_validation_exception', /max_read_request_operation_count must be larger than 0/],
    [{ remote_cluster: 'lc', leader_index: 'orders', max_retry_delay: '0ms' }, 400, 'action_request_validation_exception', /\[max_retry_delay\] must be positive but was \[0ms\]/],
    [{ remote_cluster: 'lc', leader_index: 'orders', settings: { 'index.number_of_shards': 2 } }, 400, 'illegal_argument_exception', /can not put follower index that could override leader settings/],
    [{ remote_cluster: 'lc', leader_index: 'orders', bogus: 1 }, 400, 'x_content_parse_exception', /unknown field \[bogus\]/],
  ];
  for (const [body, status, type, reason] of cases) {
    const refused = await failure(followerAdmin.transport.request({ method: 'PUT', path: '/bad-follower/_ccr/follow', body }));
    assert.equal(refused.status, status, JSON.stringify(body));
    assert.equal(refused.type, type, JSON.stringify(body));
    assert.match(refused.reason, reason);
    assert.equal(await followerAdmin.indices.exists({ index: 'bad-follower' }), false, 'nothing half-made');
  }
  const exists = await failure(followerAdmin.ccr.follow({ index: 'orders-copy', remote_cluster: 'lc', leader_index: 'orders' }));
  assert.equal(exists.status, 400);
  assert.equal(exists.type, 'resource_already_exists_exception');
  assert.equal((await failure(followerAdmin.ccr.followInfo({ index: 'nope' }))).status, 404);
});

test('certificate model privileges: the leader checks the follower user role names against its own roles', async () => {
  await leaderAdmin.indices.create({ index: 'secret' });
  await leaderAdmin.security.putRole({ name: 'ccr_user', cluster: ['read_ccr'], indices: [{ names: ['orders'], privileges: ['monitor', 'read'] }] });
  await followerAdmin.security.putRole({ name: 'ccr_user', cluster: ['manage_ccr', 'monitor'], indices: [{ names: ['copy-*'], privileges: ['monitor', 'read', 'write', 'manage_follow_index'] }] });
  await followerAdmin.security.putUser({ username: 'cora', password: 'cora-password', roles: ['ccr_user'] });
  const cora = follower.client({ username: 'cora', password: 'cora-password' });
  const denied = await failure(cora.ccr.follow({ index: 'copy-secret', remote_cluster: 'lc', leader_index: 'secret' }));
  assert.equal(denied.status, 403);
  assert.match(denied.reason, /insufficient privileges to follow index \[secret\], privilege for action \[indices:monitor\/stats\] is missing, privilege for action \[indices:data\/read\/xpack\/ccr\/shard_changes\] is missing/);
  assert.match(denied.reason, /refused by remote cluster \[lc\]/);
  const local = await failure(cora.ccr.follow({ index: 'elsewhere', remote_cluster: 'lc', leader_index: 'orders' }));
  assert.equal(local.status, 403);
  assert.match(local.reason, /indices:admin\/xpack\/ccr\/put_follow/);
  const ok = await cora.ccr.follow({ index: 'copy-orders', remote_cluster: 'lc', leader_index: 'orders', wait_for_active_shards: 1 });
  assert.equal(ok.index_following_started, true);
  await converged('orders', 'copy-orders');
  await cora.ccr.pauseFollow({ index: 'copy-orders' });
});

test('API key model, proxy: the key replication access is the ceiling; remote_indices narrow it', async () => {
  await leaderAdmin.indices.create({ index: 'metrics-1' });
  await leaderAdmin.bulk({ refresh: true, operations: Array.from({ length: 20 }, (_, i) => [{ index: { _index: 'metrics-1', _id: String(i) } }, { v: i }]).flat() });
  const key = await leaderAdmin.security.createCrossClusterApiKey({ name: 'replication', access: { replication: [{ names: ['metrics-*'] }] } });
  follower.keystoreAdd('cluster.remote.lk.credentials', key.encoded);
  await followerAdmin.nodes.reloadSecureSettings();
  await followerAdmin.cluster.putSettings({ persistent: { 'cluster.remote.lk.mode': 'proxy', 'cluster.remote.lk.proxy_address': leader.remoteClusterAddress!, 'cluster.remote.lk.skip_unavailable': false } });
  await connected(followerAdmin, 'lk');

  // A superuser is bound by the key.
  const outsideKey = await failure(followerAdmin.ccr.follow({ index: 'orders-k', remote_cluster: 'lk', leader_index: 'orders' }));
  assert.equal(outsideKey.status, 403);
  assert.match(outsideKey.reason, /insufficient privileges to follow index \[orders\]/);
  const created = await followerAdmin.ccr.follow({ index: 'metrics-1-copy', remote_cluster: 'lk', leader_index: 'metrics-1', wait_for_active_shards: 1 });
  await assertTookSegmentFiles('metrics-1-copy', "the bootstrap took the leader's segment files through the remote cluster interface");
  assert.equal(created.index_following_started, true);
  await leaderAdmin.index({ index: 'metrics-1', id: 'late', document: { v: 99 } });
  await converged('metrics-1', 'metrics-1-copy');

  // A user's remote_indices narrow the key.
  await leaderAdmin.indices.create({ index: 'metrics-2' });
  await followerAdmin.security.putRole({
    name: 'ccr_api',
    cluster: ['manage_ccr', 'monitor'],
    indices: [{ names: ['m-*'], privileges: ['monitor', 'read', 'write', 'manage_follow_index'] }],
    remote_indices: [{ clusters: ['lk'], names: ['metrics-1'], privileges: ['cross_cluster_replication'] }],
  });
  await followerAdmin.security.putUser({ username: 'kay', password: 'kay-password', roles: ['ccr_api'] });
  const kay = follower.client({ username: 'kay', password: 'kay-password' });
  const narrowed = await failure(kay.ccr.follow({ index: 'm-2', remote_cluster: 'lk', leader_index: 'metrics-2' }));
  assert.equal(narrowed.status, 403);
  assert.match(narrowed.reason, /insufficient privileges to follow index \[metrics-2\]/);
  const allowed = await kay.ccr.follow({ index: 'm-1', remote_cluster: 'lk', leader_index: 'metrics-1', wait_for_active_shards: 1 });
  assert.equal(allowed.index_following_started, true);
  await converged('metrics-1', 'm-1');
});

test('kill -9 of the follower under indexing: it resumes from its checkpoint and converges exactly', async () => {
  await leaderAdmin.indices.create({ index: 'stream' });
  await followerAdmin.ccr.follow({ index: 'stream-copy', remote_cluster: 'lc', leader_index: 'stream', wait_for_active_shards: 1 });
  let stop = false;
  let written = 0;
  const writer = (async () => {
    while (!stop) {
      const base = written;
      await leaderAdmin.bulk({
        operations: Array.from({ length: 20 }, (_, i) => [{ index: { _index: 'stream', _id: String((base + i) % 300) } }, { n: base + i }]).flat(),
      });
      written += 20;
    }
  })();
  await until('some operations to replicate', async () => ((await followerAdmin.count({ index: 'stream-copy' })).count > 0 ? true : undefined));
  await follower.kill9();
  await new Promise((resolve) => setTimeout(resolve, 300));
  follower = await follower.restart();
  followerAdmin = follower.client();
  await new Promise((resolve) => setTimeout(resolve, 300));
  stop = true;
  await writer;
  await connected(followerAdmin, 'lc');
  const docs = await converged('stream', 'stream-copy');
  assert.ok(docs.length > 0);
});
