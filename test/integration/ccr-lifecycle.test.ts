// Cross-cluster replication over time (issue 10): leader settings changes reach the follower; a
// task keeps the privileges it was created with; rotated credentials and an alias moved from one
// security model to the other carry running followers along without a new bootstrap; a key without
// replication access is refused; a leader or follower deleted while following leaves the node serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { failure, until, remoteConnected } from '../harness/wait.js';

let ca: Certificates;
let leader: StartedNode;
let follower: StartedNode;
let leaderAdmin: Client;
let followerAdmin: Client;

const LEADER_YAML = REMOTE_CLUSTER_SERVER_YAML;
const FOLLOWER_YAML = REMOTE_CLUSTER_CLIENT_YAML;

const connected = async (alias: string): Promise<void> => void (await remoteConnected(followerAdmin, alias));

async function count(client: Client, index: string): Promise<number> {
  await client.indices.refresh({ index });
  return (await client.count({ index })).count;
}

async function caughtUp(leaderIndex: string, followerIndex: string): Promise<void> {
  const expected = await count(leaderAdmin, leaderIndex);
  await until(`${followerIndex} to reach ${expected} documents`, async () => ((await count(followerAdmin, followerIndex)) === expected ? true : undefined), 300);
}

/** Operations the follower read so far: a new bootstrap would start over from a copy instead. */
async function operationsWritten(index: string): Promise<number> {
  const stats = (await followerAdmin.ccr.followStats({ index })) as unknown as { indices: { shards: { operations_written: number }[] }[] };
  return stats.indices[0]!.shards[0]!.operations_written;
}

before(async () => {
  ca = makeCa();
  [leader, follower] = await Promise.all([
    startNode({ ca, clusterName: 'lead', nodeName: 'lead-1', yaml: LEADER_YAML }),
    startNode({ ca, clusterName: 'follow', nodeName: 'follow-1', yaml: FOLLOWER_YAML }),
  ]);
  leaderAdmin = leader.client();
  followerAdmin = follower.client();
});

after(async () => {
  await Promise.all([leader?.destroy(), follower?.destroy()]);
});

test('API key model: a key without replication access is refused; rotating the key keeps the follower going', async () => {
  await leaderAdmin.index({ index: 'events', id: '0', document: { n: 0 }, refresh: true });
  const searchOnly = await leaderAdmin.security.createCrossClusterApiKey({ name: 'search-only', access: { search: [{ names: ['events'] }] } });
  follower.keystoreAdd('cluster.remote.ev.credentials', searchOnly.encoded);
  await followerAdmin.nodes.reloadSecureSettings();
  await followerAdmin.cluster.putSettings({ persistent: { 'cluster.remote.ev.mode': 'proxy', 'cluster.remote.ev.proxy_address': leader.remoteClusterAddress!, 'cluster.remote.ev.skip_unavailable': false } });
  await connected('ev');
  const refused = await failure(followerAdmin.ccr.follow({ index: 'events-copy', remote_cluster: 'ev', leader_index: 'events' }));
  assert.equal(refused.status, 403);
  assert.match(refused.reason, /insufficient privileges to follow index \[events\]/);
  assert.equal(await followerAdmin.indices.exists({ index: 'events-copy' }), false);

  const first = await leaderAdmin.security.createCrossClusterApiKey({ name: 'replication-1', access: { replication: [{ names: ['events'] }] } });
  follower.keystoreAdd('cluster.remote.ev.credentials', first.encoded);
  await followerAdmin.nodes.reloadSecureSettings();
  await connected('ev');
  await followerAdmin.ccr.follow({ index: 'events-copy', remote_cluster: 'ev', leader_index: 'events', wait_for_active_shards: 1 });
  await caughtUp('events', 'events-copy');

  // Rotation: a new key in the keystore, the old one invalidated; the running follower carries on.
  const second = await leaderAdmin.security.createCrossClusterApiKey({ name: 'replication-2', access: { replication: [{ names: ['events'] }] } });
  follower.keystoreAdd('cluster.remote.ev.credentials', second.encoded);
  await followerAdmin.nodes.reloadSecureSettings();
  await leaderAdmin.security.invalidateApiKey({ ids: [first.id] });
  const before = await operationsWritten('events-copy');
  for (let i = 1; i <= 5; i++) await leaderAdmin.index({ index: 'events', id: String(i), document: { n: i } });
  await caughtUp('events', 'events-copy');
  // Stats count a batch once it is durable (its fsync ends after the commit a search may already see).
  await until('the same task to count the new operations (no new bootstrap)', async () => ((await operationsWritten('events-copy')) >= before + 5 ? true : undefined));
});

test('an alias moved from the API key model to the certificate model carries its follower along', async () => {
  const before = await operationsWritten('events-copy');
  follower.keystoreRemove('cluster.remote.ev.credentials');
  await followerAdmin.nodes.reloadSecureSettings();
  await followerAdmin.cluster.putSettings({ persistent: { 'cluster.remote.ev.mode': null, 'cluster.remote.ev.proxy_address': null, 'cluster.remote.ev.seeds': [leader.transportAddress] } });
  await connected('ev');
  for (let i = 6; i <= 8; i++) await leaderAdmin.index({ index: 'events', id: String(i), document: { n: i } });
  await caughtUp('events', 'events-copy');
  // Stats count a batch once it is durable (its fsync ends after the commit a search may already see).
  await until('the follower to count the 3 operations written', async () => ((await operationsWritten('events-copy')) >= before + 3 ? true : undefined));
  const info = await followerAdmin.ccr.followInfo({ index: 'events-copy' });
  assert.equal(info.follower_indices[0]!.status, 'active');
});

test('leader settings and mapping changes reach the follower; non-replicated settings stay its own', async () => {
  await leaderAdmin.indices.create({ index: 'catalog', settings: { 'index.max_ngram_diff': 1 } });
  await followerAdmin.ccr.follow({ index: 'catalog-copy', remote_cluster: 'ev', leader_index: 'catalog', settings: { 'index.number_of_replicas': 0 }, wait_for_active_shards: 1 });
  await leaderAdmin.indices.putSettings({ index: 'catalog', settings: { 'index.max_ngram_diff': 5, 'index.number_of_replicas': 0 } });
  await leaderAdmin.indices.putMapping({ index: 'catalog', properties: { sku: { type: 'keyword' } } });
  await leaderAdmin.index({ index: 'catalog', id: '1', document: { sku: 'A-1' } });
  await caughtUp('catalog', 'catalog-copy');
  const settings = await followerAdmin.indices.getSettings({ index: 'catalog-copy', flat_settings: true });
  assert.equal(settings['catalog-copy']!.settings!['index.max_ngram_diff'], '5');
  assert.equal(settings['catalog-copy']!.settings!['index.number_of_replicas'], '0');
  const mapping = await followerAdmin.indices.getMapping({ index: 'catalog-copy' });
  assert.equal((mapping['catalog-copy']!.mappings.properties!['sku'] as { type: string }).type, 'keyword');
});

test('a task keeps the privileges it was created with after its creator loses them (certificate model: the leader resolves role names)', async () => {
  await leaderAdmin.security.putRole({ name: 'replicator', cluster: ['read_ccr'], indices: [{ names: ['audit'], privileges: ['monitor', 'read'] }] });
  await followerAdmin.security.putRole({ name: 'replicator', cluster: ['manage_ccr', 'monitor'], indices: [{ names: ['audit-copy'], privileges: ['monitor', 'read', 'write', 'manage_follow_index'] }] });
  await followerAdmin.security.putUser({ username: 'rex', password: 'rex-password', roles: ['replicator'] });
  await leaderAdmin.index({ index: 'audit', id: '0', document: { n: 0 }, refresh: true });
  await follower.client({ username: 'rex', password: 'rex-password' }).ccr.follow({ index: 'audit-copy', remote_cluster: 'ev', leader_index: 'audit', wait_for_active_shards: 1 });
  // The follower cluster takes rex's privileges away: the task runs with those it captured.
  await followerAdmin.security.putRole({ name: 'replicator', cluster: [], indices: [] });
  await leaderAdmin.index({ index: 'audit', id: '1', document: { n: 1 } });
  await caughtUp('audit', 'audit-copy');
});

test('a leader or follower deleted while following: the task stops with the leader error, the node keeps serving', async () => {
  await leaderAdmin.index({ index: 'ephemeral', id: '0', document: { n: 0 }, refresh: true });
  await followerAdmin.ccr.follow({ index: 'ephemeral-copy', remote_cluster: 'ev', leader_index: 'ephemeral', wait_for_active_shards: 1 });
  await leaderAdmin.indices.delete({ index: 'ephemeral' });
  const fatal = await until('the task to stop', async () => {
    const stats = (await followerAdmin.ccr.followStats({ index: 'ephemeral-copy' })) as unknown as { indices: { shards: Record<string, unknown>[] }[] };
    return stats.indices[0]!.shards[0]!['fatal_exception'] as { type: string } | undefined;
  });
  assert.equal(fatal.type, 'index_not_found_exception');
  assert.equal(await count(followerAdmin, 'ephemeral-copy'), 1, 'the follower keeps what it had');
  // Deleting a follower removes its task and record; the name can be followed again.
  await followerAdmin.indices.delete({ index: 'catalog-copy' });
  assert.deepEqual((await followerAdmin.ccr.followInfo({ index: 'catalog-*' })).follower_indices, []);
  await followerAdmin.ccr.follow({ index: 'catalog-copy', remote_cluster: 'ev', leader_index: 'catalog', wait_for_active_shards: 1 });
  await caughtUp('catalog', 'catalog-copy');
  assert.equal((await followerAdmin.cluster.health()).cluster_name, 'follow');
});
