// Cross-cluster replication auto-follow patterns with real node processes (issue 10): a leader
// cluster and a follower cluster, the official client for every call. Reference:
// shared/spec/ccr.md §5 (put/get/delete/pause/resume, the coordinator), §3.7 (auto_follow_stats),
// §7 (privileges on the pattern strings) and §8 (errors).
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

async function ids(client: Client, index: string): Promise<string[]> {
  await client.indices.refresh({ index });
  const result = await client.search({ index, size: 1000, query: { match_all: {} } });
  return result.hits.hits.map((hit) => hit._id!).sort();
}

/** Waits until `followerIndex` exists on the follower and holds the leader's documents. */
async function followedAndConverged(leaderIndex: string, followerIndex: string): Promise<string[]> {
  const expected = await ids(leaderAdmin, leaderIndex);
  return until(`${followerIndex} to be auto-followed and converge`, async () => {
    if (!(await followerAdmin.indices.exists({ index: followerIndex }))) return undefined;
    const actual = await ids(followerAdmin, followerIndex).catch(() => undefined);
    return actual !== undefined && JSON.stringify(actual) === JSON.stringify(expected) ? actual : undefined;
  }, 200);
}

async function autoFollowStats(): Promise<Record<string, unknown>> {
  const stats = (await followerAdmin.ccr.stats()) as unknown as { auto_follow_stats: Record<string, unknown> };
  return stats.auto_follow_stats;
}

/** Several coordinator rounds (it polls every second): long enough to be sure something was NOT followed. */
const rounds = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 3_500));

before(async () => {
  ({ leader, follower } = await startCcrPair('lc'));
  leaderAdmin = leader.client();
  followerAdmin = follower.client();
});

after(async () => {
  await Promise.all([leader?.destroy(), follower?.destroy()]);
});

test('§5.1/§5.2/§8: put, get, pause, resume, delete and their errors', async () => {
  assert.deepEqual(await followerAdmin.ccr.getAutoFollowPattern(), { patterns: [] });
  // Thunks, called one at a time: four requests started together would leave the later rejections
  // unhandled while the first is awaited.
  for (const call of [
    () => followerAdmin.ccr.getAutoFollowPattern({ name: 'nope' }),
    () => followerAdmin.ccr.deleteAutoFollowPattern({ name: 'nope' }),
    () => followerAdmin.ccr.pauseAutoFollowPattern({ name: 'nope' }),
    () => followerAdmin.ccr.resumeAutoFollowPattern({ name: 'nope' }),
  ]) {
    assert.deepEqual(await failure(call()), { status: 404, type: 'resource_not_found_exception', reason: 'auto-follow pattern [nope] is missing' });
  }
  const cases: [Record<string, unknown>, number, string, RegExp][] = [
    [{ follow_index_pattern: 'x-{{leader_index}}' }, 400, 'action_request_validation_exception', /1: \[remote_cluster\] is missing;2: \[leader_index_patterns\] is missing;/],
    [{ remote_cluster: 'lc', leader_index_patterns: [] }, 400, 'action_request_validation_exception', /\[leader_index_patterns\] is missing/],
    [{ remote_cluster: 'lc', leader_index_patterns: ['a-*'], max_outstanding_read_requests: 0 }, 400, 'action_request_validation_exception', /max_outstanding_read_requests must be larger than 0/],
    [{ remote_cluster: 'lc', leader_index_patterns: ['a-*'], bogus: true }, 400, 'x_content_parse_exception', /unknown field \[bogus\]/],
    [{ remote_cluster: 'nowhere', leader_index_patterns: ['a-*'] }, 404, 'no_such_remote_cluster_exception', /no such remote cluster: \[nowhere\]/],
  ];
  for (const [body, status, type, reason] of cases) {
    const refused = await failure(followerAdmin.ccr.putAutoFollowPattern({ name: 'bad', ...(body as { remote_cluster: string }) }));
    assert.equal(refused.status, status, JSON.stringify(body));
    assert.equal(refused.type, type, JSON.stringify(body));
    assert.match(refused.reason, reason);
  }
  assert.deepEqual(await failure(followerAdmin.ccr.getAutoFollowPattern({ name: 'bad' })), { status: 404, type: 'resource_not_found_exception', reason: 'auto-follow pattern [bad] is missing' });
  const underscore = await failure(followerAdmin.ccr.putAutoFollowPattern({ name: '_bad', remote_cluster: 'lc', leader_index_patterns: ['a-*'] }));
  assert.equal(underscore.type, 'action_request_validation_exception');
  assert.match(underscore.reason, /\[name\] name must not start with '_'/);

  assert.deepEqual(
    await followerAdmin.ccr.putAutoFollowPattern({ name: 'api', remote_cluster: 'lc', leader_index_patterns: ['api-*'], leader_index_exclusion_patterns: ['api-x'], max_read_request_size: '1024k' }),
    { acknowledged: true },
  );
  const expected = {
    active: true,
    remote_cluster: 'lc',
    leader_index_patterns: ['api-*'],
    leader_index_exclusion_patterns: ['api-x'],
    follow_index_pattern: '{{leader_index}}',
    max_read_request_size: '1mb',
  };
  assert.deepEqual(await followerAdmin.ccr.getAutoFollowPattern({ name: 'api' }), { patterns: [{ name: 'api', pattern: expected }] });
  assert.deepEqual(await followerAdmin.ccr.pauseAutoFollowPattern({ name: 'api' }), { acknowledged: true });
  assert.deepEqual(await followerAdmin.ccr.getAutoFollowPattern(), { patterns: [{ name: 'api', pattern: { ...expected, active: false } }] });
  await followerAdmin.ccr.resumeAutoFollowPattern({ name: 'api' });
  assert.equal((await followerAdmin.ccr.getAutoFollowPattern({ name: 'api' })).patterns[0]!.pattern.active, true);
  // PUT on an existing name replaces it.
  await followerAdmin.ccr.putAutoFollowPattern({ name: 'api', remote_cluster: 'lc', leader_index_patterns: ['api-v2-*'], follow_index_pattern: '{{leader_index}}-copy' });
  assert.deepEqual((await followerAdmin.ccr.getAutoFollowPattern({ name: 'api' })).patterns[0]!.pattern, {
    active: true,
    remote_cluster: 'lc',
    leader_index_patterns: ['api-v2-*'],
    leader_index_exclusion_patterns: [],
    follow_index_pattern: '{{leader_index}}-copy',
  });
  assert.deepEqual(await followerAdmin.ccr.deleteAutoFollowPattern({ name: 'api' }), { acknowledged: true });
  assert.deepEqual(await followerAdmin.ccr.getAutoFollowPattern(), { patterns: [] });
});

test('§5.3: a new leader index is followed within seconds under the templated name; existing and excluded ones are not; pause, resume, delete', async () => {
  await leaderAdmin.indices.create({ index: 'logs-old' });
  await followerAdmin.ccr.putAutoFollowPattern({
    name: 'logs',
    remote_cluster: 'lc',
    leader_index_patterns: ['logs-*'],
    leader_index_exclusion_patterns: ['logs-skip-*'],
    follow_index_pattern: 'copy-{{leader_index}}',
  });
  const before = await autoFollowStats();
  await leaderAdmin.indices.create({ index: 'logs-new', mappings: { properties: { level: { type: 'keyword' } } } });
  await leaderAdmin.indices.create({ index: 'logs-skip-1' });
  await leaderAdmin.bulk({ refresh: true, operations: Array.from({ length: 30 }, (_, i) => [{ index: { _index: 'logs-new', _id: `l${i}` } }, { level: 'info', i }]).flat() });
  assert.equal((await followedAndConverged('logs-new', 'copy-logs-new')).length, 30);
  // It is an ordinary follower: it tails new writes.
  await leaderAdmin.index({ index: 'logs-new', id: 'late', document: { level: 'warn' } });
  assert.equal((await followedAndConverged('logs-new', 'copy-logs-new')).length, 31);
  const info = await followerAdmin.ccr.followInfo({ index: 'copy-logs-new' });
  assert.equal(info.follower_indices[0]!.leader_index, 'logs-new');
  assert.equal(info.follower_indices[0]!.remote_cluster, 'lc');

  await rounds();
  assert.equal(await followerAdmin.indices.exists({ index: 'copy-logs-old' }), false, 'an index that existed at PUT time is not followed');
  assert.equal(await followerAdmin.indices.exists({ index: 'copy-logs-skip-1' }), false, 'an excluded index is not followed');
  const stats = await autoFollowStats();
  assert.equal(stats['number_of_successful_follow_indices'], Number(before['number_of_successful_follow_indices']) + 1);
  assert.equal(stats['number_of_failed_remote_cluster_state_requests'], 0);
  const clusters = stats['auto_followed_clusters'] as { cluster_name: string; time_since_last_check_millis: number; last_seen_metadata_version: number }[];
  assert.deepEqual(clusters.map((cluster) => cluster.cluster_name), ['lc']);
  assert.ok(clusters[0]!.time_since_last_check_millis >= 0 && clusters[0]!.last_seen_metadata_version > 0);

  // Paused: new indices wait; after resume they are followed (unless closed meanwhile).
  await followerAdmin.ccr.pauseAutoFollowPattern({ name: 'logs' });
  await leaderAdmin.indices.create({ index: 'logs-while-paused' });
  await leaderAdmin.indices.create({ index: 'logs-closed-while-paused' });
  await leaderAdmin.indices.close({ index: 'logs-closed-while-paused' });
  await rounds();
  assert.equal(await followerAdmin.indices.exists({ index: 'copy-logs-while-paused' }), false);
  await followerAdmin.ccr.resumeAutoFollowPattern({ name: 'logs' });
  await followedAndConverged('logs-while-paused', 'copy-logs-while-paused');
  await rounds();
  assert.equal(await followerAdmin.indices.exists({ index: 'copy-logs-closed-while-paused' }), false);

  // Deleted: nothing new is followed; its followers stay.
  await followerAdmin.ccr.deleteAutoFollowPattern({ name: 'logs' });
  await leaderAdmin.indices.create({ index: 'logs-after-delete' });
  await rounds();
  assert.equal(await followerAdmin.indices.exists({ index: 'copy-logs-after-delete' }), false);
  assert.equal(await followerAdmin.indices.exists({ index: 'copy-logs-new' }), true);
});

test('§5.3: an index two patterns of the same remote match is followed by neither; errors keyed <pattern>:<index>', async () => {
  await followerAdmin.ccr.putAutoFollowPattern({ name: 'conf1', remote_cluster: 'lc', leader_index_patterns: ['conf-*'] });
  await followerAdmin.ccr.putAutoFollowPattern({ name: 'conf2', remote_cluster: 'lc', leader_index_patterns: ['conf-a*'] });
  const before = Number((await autoFollowStats())['number_of_failed_follow_indices']);
  await leaderAdmin.indices.create({ index: 'conf-a1' });
  const errors = await until('conflict errors', async () => {
    const stats = await autoFollowStats();
    const recent = stats['recent_auto_follow_errors'] as { leader_index: string; timestamp: number; auto_follow_exception: { type: string; reason: string } }[];
    const keyed = new Map(recent.map((entry) => [entry.leader_index, entry]));
    return keyed.has('conf1:conf-a1') && keyed.has('conf2:conf-a1') ? { keyed, stats } : undefined;
  });
  assert.equal(errors.keyed.get('conf1:conf-a1')!.auto_follow_exception.reason, 'index to follow [conf-a1] for pattern [conf1] matches with other patterns [conf2]');
  assert.equal(errors.keyed.get('conf2:conf-a1')!.auto_follow_exception.reason, 'index to follow [conf-a1] for pattern [conf2] matches with other patterns [conf1]');
  assert.ok(Number(errors.stats['number_of_failed_follow_indices']) >= before + 2);
  assert.equal(await followerAdmin.indices.exists({ index: 'conf-a1' }), false);
  await followerAdmin.ccr.deleteAutoFollowPattern({ name: 'conf1' });
  await followerAdmin.ccr.deleteAutoFollowPattern({ name: 'conf2' });
});

test('§7.2/§7.4 certificate model: the pattern strings need leader-side follow privileges; the coordinator follows as the creator', async () => {
  await leaderAdmin.security.putRole({ name: 'af_user', cluster: ['read_ccr'], indices: [{ names: ['eu-*'], privileges: ['monitor', 'read'] }] });
  await followerAdmin.security.putRole({ name: 'af_user', cluster: ['manage_ccr', 'monitor'], indices: [{ names: ['eu-*'], privileges: ['monitor', 'read', 'write', 'manage_follow_index'] }] });
  await followerAdmin.security.putUser({ username: 'afu', password: 'afu-password', roles: ['af_user'] });
  await followerAdmin.security.putRole({ name: 'no_ccr', cluster: ['monitor'] });
  await followerAdmin.security.putUser({ username: 'noccr', password: 'noccr-password', roles: ['no_ccr'] });
  const afu = follower.client({ username: 'afu', password: 'afu-password' });
  const noccr = follower.client({ username: 'noccr', password: 'noccr-password' });

  const cluster = await failure(noccr.ccr.putAutoFollowPattern({ name: 'x', remote_cluster: 'lc', leader_index_patterns: ['eu-*'] }));
  assert.equal(cluster.status, 403);
  assert.match(cluster.reason, /cluster:admin\/xpack\/ccr\/auto_follow_pattern\/put/);
  assert.equal((await failure(noccr.ccr.getAutoFollowPattern())).status, 403);

  const wide = await failure(afu.ccr.putAutoFollowPattern({ name: 'eu', remote_cluster: 'lc', leader_index_patterns: ['*'] }));
  assert.equal(wide.status, 403);
  assert.equal(wide.type, 'security_exception');
  assert.match(wide.reason, /insufficient privileges to follow index \[\*\], privilege for action \[indices:monitor\/stats\] is missing/);
  assert.deepEqual(await failure(afu.ccr.getAutoFollowPattern({ name: 'eu' })), { status: 404, type: 'resource_not_found_exception', reason: 'auto-follow pattern [eu] is missing' });

  // The follower side is authorized as the creator too: no manage_follow_index on the templated name, no follower.
  await afu.ccr.putAutoFollowPattern({ name: 'eu-elsewhere', remote_cluster: 'lc', leader_index_patterns: ['eu-x*'], follow_index_pattern: 'other-{{leader_index}}' });
  await leaderAdmin.indices.create({ index: 'eu-x1' });
  const denied = await until('the follower-side refusal', async () => {
    const recent = (await autoFollowStats())['recent_auto_follow_errors'] as { leader_index: string; auto_follow_exception: { type: string; reason: string } }[];
    return recent.find((error) => error.leader_index === 'eu-elsewhere:eu-x1');
  });
  assert.equal(denied.auto_follow_exception.type, 'security_exception');
  assert.equal(denied.auto_follow_exception.reason, 'action [indices:admin/xpack/ccr/put_follow] is unauthorized for user [afu] with effective roles [af_user] on indices [other-eu-x1]');
  assert.equal(await followerAdmin.indices.exists({ index: 'other-eu-x1' }), false);
  await followerAdmin.ccr.deleteAutoFollowPattern({ name: 'eu-elsewhere' });

  await afu.ccr.putAutoFollowPattern({ name: 'eu', remote_cluster: 'lc', leader_index_patterns: ['eu-*'] });
  await leaderAdmin.indices.create({ index: 'eu-1' });
  await leaderAdmin.index({ index: 'eu-1', id: 'a', document: { v: 1 }, refresh: true });
  await followedAndConverged('eu-1', 'eu-1');

  // The pattern keeps following as the identity stored with it, even after its creator is gone here.
  await followerAdmin.security.deleteUser({ username: 'afu' });
  await leaderAdmin.indices.create({ index: 'eu-2' });
  await leaderAdmin.index({ index: 'eu-2', id: 'b', document: { v: 2 }, refresh: true });
  await followedAndConverged('eu-2', 'eu-2');

  // Without read_ccr on the leader, reading its index list fails: counted, and recorded under the pattern name.
  const failedBefore = Number((await autoFollowStats())['number_of_failed_remote_cluster_state_requests']);
  await leaderAdmin.security.putRole({ name: 'af_user', cluster: [], indices: [{ names: ['eu-*'], privileges: ['monitor', 'read'] }] });
  const failed = await until('a failed leader index listing', async () => {
    const stats = await autoFollowStats();
    const recent = stats['recent_auto_follow_errors'] as { leader_index: string; auto_follow_exception: { type: string; reason: string } }[];
    const entry = recent.find((error) => error.leader_index === 'eu');
    return Number(stats['number_of_failed_remote_cluster_state_requests']) > failedBefore && entry !== undefined ? entry : undefined;
  });
  assert.equal(failed.auto_follow_exception.type, 'security_exception');
  assert.match(failed.auto_follow_exception.reason, /cluster:monitor\/state/);
  await followerAdmin.ccr.deleteAutoFollowPattern({ name: 'eu' });
});

test('§7.3 API key model: the key is the ceiling for the pattern strings; the listing runs as _system', async () => {
  const key = await leaderAdmin.security.createCrossClusterApiKey({ name: 'af-replication', access: { replication: [{ names: ['metrics-*'] }] } });
  follower.keystoreAdd('cluster.remote.lk.credentials', key.encoded);
  await followerAdmin.nodes.reloadSecureSettings();
  await followerAdmin.cluster.putSettings({ persistent: { 'cluster.remote.lk.mode': 'proxy', 'cluster.remote.lk.proxy_address': leader.remoteClusterAddress!, 'cluster.remote.lk.skip_unavailable': false } });
  await connected(followerAdmin, 'lk');

  const outside = await failure(followerAdmin.ccr.putAutoFollowPattern({ name: 'k', remote_cluster: 'lk', leader_index_patterns: ['orders-*'] }));
  assert.equal(outside.status, 403);
  assert.match(outside.reason, /insufficient privileges to follow index \[orders-\*\]/);

  await leaderAdmin.indices.create({ index: 'metrics-existing' });
  await followerAdmin.ccr.putAutoFollowPattern({ name: 'k', remote_cluster: 'lk', leader_index_patterns: ['metrics-*'], follow_index_pattern: 'k-{{leader_index}}' });
  await leaderAdmin.indices.create({ index: 'metrics-a' });
  await leaderAdmin.index({ index: 'metrics-a', id: '1', document: { v: 1 }, refresh: true });
  await followedAndConverged('metrics-a', 'k-metrics-a');
  await rounds();
  assert.equal(await followerAdmin.indices.exists({ index: 'k-metrics-existing' }), false);
  const clusters = (await autoFollowStats())['auto_followed_clusters'] as { cluster_name: string }[];
  assert.deepEqual(clusters.map((entry) => entry.cluster_name), ['lk']);
  await followerAdmin.ccr.deleteAutoFollowPattern({ name: 'k' });
});

test('patterns survive a follower restart: the coordinator resumes and still follows only new indices', async () => {
  await followerAdmin.ccr.putAutoFollowPattern({ name: 'durable', remote_cluster: 'lc', leader_index_patterns: ['dur-*'] });
  await leaderAdmin.indices.create({ index: 'dur-1' });
  await followedAndConverged('dur-1', 'dur-1');
  follower = await follower.restart();
  followerAdmin = follower.client();
  await connected(followerAdmin, 'lc');
  assert.equal((await followerAdmin.ccr.getAutoFollowPattern({ name: 'durable' })).patterns[0]!.pattern.leader_index_patterns[0], 'dur-*');
  await leaderAdmin.indices.create({ index: 'dur-2' });
  await leaderAdmin.index({ index: 'dur-2', id: 'x', document: { v: 1 }, refresh: true });
  await followedAndConverged('dur-2', 'dur-2');
  // dur-1 was handled before the restart: not followed twice (no failure recorded for it).
  await rounds();
  const recent = (await autoFollowStats())['recent_auto_follow_errors'] as { leader_index: string }[];
  assert.deepEqual(recent.filter((error) => error.leader_index.startsWith('durable')), []);
  await followerAdmin.ccr.deleteAutoFollowPattern({ name: 'durable' });
});
