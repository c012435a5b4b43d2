/**
 * Security metadata shared by every node of a multi-node cluster (issue #14), with security on:
 * Elasticsearch keeps users, roles and API keys in the replicated `.security` index, so a user,
 * role or key made through one node works on every node, and an invalidated key stops working
 * everywhere (security-api-put-user.html, security-api-put-role.html,
 * security-api-create-api-key.html, security-api-create-cross-cluster-api-key.html,
 * security-api-invalidate-api-key.html). Strait shares them through etcd
 * (`<prefix>security/<kind>/<id>`, src/security/replication.ts): three real nodes on a real etcd.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, REMOTE_CLUSTER_CLIENT_YAML, startNode, type StartedNode } from '../harness/cluster.js';
import { etcdSkipReason } from '../harness/etcd.js';
import { jsonCall } from '../harness/json-call.js';
import { startMultiNodeCluster, type MultiNodeCluster } from '../harness/multi-node-cluster.js';

const skip = etcdSkipReason();
const prefix = '/strait/shared-sec/security/';

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One request under the given Authorization header (Basic user:password or ApiKey). */
async function callAs(node: StartedNode, authorization: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const response = await rawRequest(node, method, path, {
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: response.text, body: response.text === '' ? undefined : response.json() };
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('security metadata shared by three nodes through etcd', { skip }, () => {
  let cluster: MultiNodeCluster;
  const node = (index: number): StartedNode => cluster.nodes[index]!;
  const sharedKeys = async (): Promise<string[]> => {
    const client = cluster.etcd.client();
    try {
      return Object.keys(await client.getAll().prefix(prefix).strings()).sort();
    } finally {
      client.close();
    }
  };

  before(async () => {
    // A short etcd deadline keeps the etcd-outage case quick. B's shard searches wait 2 s (a
    // test-only setting) so a search across nodes can be seen running and cancelled there; B is
    // neither the gateway other clusters use (C) nor the node searched through.
    cluster = await startMultiNodeCluster({
      clusterName: 'shared-sec',
      nodes: 3,
      remoteClusterServer: true,
      faultInjection: true,
      yaml: (index) => ['cluster.coordination.etcd.connect_timeout: 3s', ...(index === 1 ? ['strait.test.search.shard_delay: 2s'] : [])].join('\n'),
    });
  });
  after(async () => {
    await cluster?.destroy();
  });

  test('a user and a role made through node A authenticate and authorize through B and C; read-your-write on A', async () => {
    const role = await jsonCall(node(0), 'PUT', '/_security/role/monitor_only', { cluster: ['monitor'] });
    assert.equal(role.status, 200, role.text);
    assert.equal(role.body.role.created, true);
    const user = await jsonCall(node(0), 'PUT', '/_security/user/alice', { password: 'alice-secret', roles: ['monitor_only'], full_name: 'Alice' });
    assert.equal(user.status, 200, user.text);
    assert.equal(user.body.created, true);
    // The write answered: node A has it at once.
    const onA = await callAs(node(0), basic('alice', 'alice-secret'), 'GET', '/_security/_authenticate');
    assert.equal(onA.status, 200, onA.text);
    for (const index of [1, 2]) {
      const answer = await eventually(() => callAs(node(index), basic('alice', 'alice-secret'), 'GET', '/_security/_authenticate'), (value) => value.status === 200);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.username, 'alice');
      assert.deepEqual(answer.body.roles, ['monitor_only']);
      assert.equal(answer.body.full_name, 'Alice');
      const health = await callAs(node(index), basic('alice', 'alice-secret'), 'GET', '/_cluster/health');
      assert.equal(health.status, 200, health.text);
      const denied = await callAs(node(index), basic('alice', 'alice-secret'), 'PUT', '/_security/role/nope', { cluster: [] });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.type, 'security_exception');
      const wrong = await callAs(node(index), basic('alice', 'not-her-password'), 'GET', '/_security/_authenticate');
      assert.equal(wrong.status, 401);
    }
    const listed = await jsonCall(node(2), 'GET', '/_security/role/monitor_only');
    assert.deepEqual(listed.body.monitor_only.cluster, ['monitor']);
    assert.ok((await sharedKeys()).includes(`${prefix}user/alice`));
    assert.ok((await sharedKeys()).includes(`${prefix}role/monitor_only`));
  });

  test('etcd holds the salted slow hash, never the password', async () => {
    const client = cluster.etcd.client();
    try {
      const value = await client.get(`${prefix}user/alice`).string();
      assert.ok(value !== null);
      assert.doesNotMatch(value, /alice-secret/);
      assert.equal(JSON.parse(value).user.username, 'alice');
      assert.match(JSON.parse(value).user.passwordHash, /^\S+$/);
    } finally {
      client.close();
    }
  });

  test('an API key and a cross-cluster API key made on A work on C; invalidated on B, refused on A and C', async () => {
    const created = await jsonCall(node(0), 'POST', '/_security/api_key', { name: 'shared-key' });
    assert.equal(created.status, 200, created.text);
    const apiKey = `ApiKey ${created.body.encoded}`;
    const onC = await eventually(() => callAs(node(2), apiKey, 'GET', '/_security/_authenticate'), (value) => value.status === 200);
    assert.equal(onC.status, 200, onC.text);
    assert.equal(onC.body.api_key.id, created.body.id);
    assert.equal(onC.body.authentication_type, 'api_key');

    const crossCluster = await jsonCall(node(0), 'POST', '/_security/cross_cluster/api_key', { name: 'shared-cc', access: { search: [{ names: ['logs-*'] }] } });
    assert.equal(crossCluster.status, 200, crossCluster.text);
    // Node C knows the key and its secret: as a REST credential it is refused for its type, not as unknown.
    const ccOnC = await eventually(
      () => callAs(node(2), `ApiKey ${crossCluster.body.encoded}`, 'GET', '/_security/_authenticate'),
      (value) => /has type \[cross_cluster\]/.test(value.text),
    );
    assert.equal(ccOnC.status, 401, ccOnC.text);
    assert.match(ccOnC.body.error.reason, /authentication expected API key type of \[rest\], but API key \[[^\]]+\] has type \[cross_cluster\]/);
    const ccInfo = await jsonCall(node(2), 'GET', `/_security/api_key?id=${crossCluster.body.id}`);
    assert.equal(ccInfo.body.api_keys[0].type, 'cross_cluster');
    assert.equal(ccInfo.body.api_keys[0].invalidated, false);

    // Node B must know the keys before it can invalidate them.
    await eventually(() => jsonCall(node(1), 'GET', `/_security/api_key?id=${crossCluster.body.id}`), (value) => value.status === 200);
    const invalidated = await jsonCall(node(1), 'DELETE', '/_security/api_key', { ids: [created.body.id, crossCluster.body.id] });
    assert.equal(invalidated.status, 200, invalidated.text);
    assert.deepEqual([...invalidated.body.invalidated_api_keys].sort(), [created.body.id, crossCluster.body.id].sort());
    // Node B answered after etcd accepted it: B refuses at once, A and C within a short wait.
    const onB = await callAs(node(1), apiKey, 'GET', '/_security/_authenticate');
    assert.equal(onB.status, 401);
    for (const index of [0, 2]) {
      const refused = await eventually(() => callAs(node(index), apiKey, 'GET', '/_security/_authenticate'), (value) => value.status === 401, 5_000);
      assert.equal(refused.status, 401, refused.text);
      assert.match(refused.body.error.root_cause[0].reason ?? refused.text, /unable to authenticate|invalidated/);
      const info = await eventually(() => jsonCall(node(index), 'GET', `/_security/api_key?id=${crossCluster.body.id}`), (value) => value.body.api_keys[0].invalidated === true, 5_000);
      assert.equal(info.body.api_keys[0].invalidated, true);
    }
  });

  test('API key model: a cross-cluster key made on A lets another cluster connect to C; invalidated on B, C refuses it', async () => {
    const key = await jsonCall(node(0), 'POST', '/_security/cross_cluster/api_key', { name: 'for-qc', access: { search: [{ names: ['logs-*'] }] } });
    assert.equal(key.status, 200, key.text);
    const querying = await startNode({ ca: cluster.ca!, clusterName: 'qc', nodeName: 'qc-1', yaml: REMOTE_CLUSTER_CLIENT_YAML });
    try {
      querying.keystoreAdd('cluster.remote.shared.credentials', key.body.encoded);
      assert.equal((await jsonCall(querying, 'POST', '/_nodes/reload_secure_settings')).status, 200);
      // C's remote cluster interface checks the key at the handshake: connected means C knows it.
      const settings = await jsonCall(querying, 'PUT', '/_cluster/settings', {
        persistent: { 'cluster.remote.shared.mode': 'proxy', 'cluster.remote.shared.proxy_address': node(2).remoteClusterAddress, 'cluster.remote.shared.skip_unavailable': false },
      });
      assert.equal(settings.status, 200, settings.text);
      const info = await eventually(() => jsonCall(querying, 'GET', '/_remote/info'), (value) => value.body?.shared?.connected === true);
      assert.equal(info.body.shared.connected, true, info.text);
      assert.equal(info.body.shared.cluster_credentials, '::es_redacted::');
      const invalidated = await jsonCall(node(1), 'DELETE', '/_security/api_key', { ids: [key.body.id] });
      assert.deepEqual(invalidated.body.invalidated_api_keys, [key.body.id]);
      const refused = await eventually(() => jsonCall(querying, 'GET', '/shared:logs-*/_search'), (value) => value.status === 401, 5_000);
      assert.equal(refused.status, 401, refused.text);
      assert.match(refused.text, /refused by remote cluster \[shared\]/);
    } finally {
      await querying.destroy();
    }
  });

  test('a role updated on C changes what its users may do on A', async () => {
    const before = await callAs(node(0), basic('alice', 'alice-secret'), 'POST', '/_security/user/_has_privileges', { cluster: ['monitor'] });
    assert.equal(before.status, 200, before.text);
    assert.equal(before.body.has_all_requested, true);
    const updated = await jsonCall(node(2), 'PUT', '/_security/role/monitor_only', { cluster: [], indices: [{ names: ['logs-*'], privileges: ['read'] }] });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.role.created, false);
    const after = await eventually(
      () => callAs(node(0), basic('alice', 'alice-secret'), 'POST', '/_security/user/_has_privileges', { cluster: ['monitor'] }),
      (value) => value.body?.has_all_requested === false,
      5_000,
    );
    assert.equal(after.body.has_all_requested, false, after.text);
    const health = await callAs(node(0), basic('alice', 'alice-secret'), 'GET', '/_cluster/health');
    assert.equal(health.status, 403);
  });

  test('with security on, the data plane works across nodes, and a shared role grants reads on every node', async () => {
    const created = await jsonCall(node(0), 'PUT', '/logs-1', { settings: { number_of_shards: 1, number_of_replicas: 1 } });
    assert.equal(created.status, 200, created.text);
    const health = await jsonCall(node(1), 'GET', '/_cluster/health/logs-1?wait_for_status=green&timeout=30s');
    assert.equal(health.body.status, 'green', health.text);
    const indexed = await jsonCall(node(1), 'PUT', '/logs-1/_doc/1?refresh=true', { msg: 'hello' });
    assert.equal(indexed.status, 201, indexed.text);
    // alice's role (updated on C above) reads logs-*; she may not write.
    const found = await callAs(node(2), basic('alice', 'alice-secret'), 'GET', '/logs-1/_search');
    assert.equal(found.status, 200, found.text);
    assert.equal(found.body.hits.total.value, 1);
    const write = await callAs(node(0), basic('alice', 'alice-secret'), 'PUT', '/logs-1/_doc/2', { msg: 'no' });
    assert.equal(write.status, 403, write.text);
  });

  test('a search, a count and an msearch across nodes are tasks on the node coordinating them, each node\'s query phase a child task there; cancelling one cancels its children (tasks.html)', async () => {
    // One shard on A (no delay), one on B (its query phase waits 2 s before the shard).
    for (const [name, index] of [['tasks-a', 0], ['tasks-b', 1]] as const) {
      const created = await jsonCall(node(0), 'PUT', `/${name}`, { settings: { number_of_shards: 1, number_of_replicas: 0, 'index.routing.allocation.require._name': `shared-sec-${index + 1}` } });
      assert.equal(created.status, 200, created.text);
      assert.equal((await jsonCall(node(1), 'PUT', `/${name}/_doc/1?refresh=true`, { msg: name })).status, 201);
    }
    const nodeIds = await jsonCall(node(0), 'GET', '/_nodes');
    const idOf = (index: number): string => Object.entries(nodeIds.body.nodes as Record<string, { name: string }>).find(([, info]) => info.name === `shared-sec-${index + 1}`)![0];
    const searchTasks = async (via: StartedNode): Promise<Record<string, any>[]> => {
      const listed = await jsonCall(via, 'GET', '/_tasks?actions=*search*&detailed=true');
      assert.equal(listed.status, 200, listed.text);
      return Object.values(listed.body.nodes as Record<string, { tasks: Record<string, any> }>).flatMap((entry) => Object.entries(entry.tasks).map(([taskId, task]) => ({ ...task, taskId })));
    };
    const running = jsonCall(node(0), 'POST', '/tasks-a,tasks-b/_search', { query: { match_all: {} } });
    // Listed through C: the search on A, its query phase on B a child of it.
    const parent = await eventually(
      async () => (await searchTasks(node(2))).find((task) => task.action === 'indices:data/read/search' && task.node === idOf(0)),
      (task) => task !== undefined,
    );
    assert.equal(parent!.cancellable, true);
    assert.match(parent!.description, /indices\[tasks-a,tasks-b\]/);
    const child = await eventually(
      async () => (await searchTasks(node(2))).find((task) => task.parent_task_id === parent!.taskId),
      (task) => task !== undefined,
    );
    assert.equal(child!.action, 'indices:data/read/search[phase/query]');
    assert.equal(child!.node, idOf(1));
    // Cancelled through C: the search answers task_cancelled_exception, its child on B is cancelled.
    const cancelled = await jsonCall(node(2), 'POST', `/_tasks/${parent!.taskId}/_cancel`);
    assert.equal(cancelled.status, 200, cancelled.text);
    const answer = await running;
    assert.equal(answer.body?.error?.type, 'task_cancelled_exception', answer.text);
    // The ban reaches B while its child still waits before its shard: listed there as cancelled, then gone.
    const banned = await eventually(() => jsonCall(node(1), 'GET', `/_tasks?parent_task_id=${parent!.taskId}`), (value) => value.body?.nodes?.[idOf(1)]?.tasks?.[child!.taskId]?.cancelled === true, 1_500);
    assert.equal(banned.body.nodes[idOf(1)].tasks[child!.taskId].cancelled, true, banned.text);
    const done = await eventually(() => jsonCall(node(1), 'GET', `/_tasks?parent_task_id=${parent!.taskId}`), (value) => Object.keys(value.body?.nodes ?? {}).length === 0, 5_000);
    assert.deepEqual(done.body.nodes, {}, done.text);

    // A `_count` is a search too (RestCountAction): an `indices:data/read/search` task on A, its query phase on B a child.
    const counting = jsonCall(node(0), 'POST', '/tasks-a,tasks-b/_count', { query: { match_all: {} } });
    const countTask = await eventually(
      async () => (await searchTasks(node(2))).find((task) => task.action === 'indices:data/read/search' && task.node === idOf(0) && task.parent_task_id === undefined),
      (task) => task !== undefined,
    );
    const countChild = await eventually(async () => (await searchTasks(node(2))).find((task) => task.parent_task_id === countTask!.taskId), (task) => task !== undefined);
    assert.deepEqual([countChild!.action, countChild!.node], ['indices:data/read/search[phase/query]', idOf(1)]);
    assert.equal((await jsonCall(node(2), 'POST', `/_tasks/${countTask!.taskId}/_cancel`)).status, 200);
    const countAnswer = await counting;
    assert.equal(countAnswer.body?.error?.type, 'task_cancelled_exception', countAnswer.text);

    // An `_msearch` (TransportMultiSearchAction): an `indices:data/read/msearch` task on A, each item
    // a search task under it, each item's query phase on B under the item. Cancelled, every item
    // answers task_cancelled_exception in its place, and the ban reaches B.
    const msearching = jsonCall(node(0), 'POST', '/_msearch', '{"index":"tasks-a,tasks-b"}\n{"query":{"match_all":{}}}\n{"index":"tasks-b"}\n{}\n');
    const msearchTask = await eventually(async () => (await searchTasks(node(2))).find((task) => task.action === 'indices:data/read/msearch'), (task) => task !== undefined);
    assert.deepEqual([msearchTask!.node, msearchTask!.cancellable], [idOf(0), true]);
    assert.match(msearchTask!.description, /^requests\[2\]: indices\[tasks-a,tasks-b\]/);
    const item = await eventually(async () => (await searchTasks(node(2))).find((task) => task.parent_task_id === msearchTask!.taskId), (task) => task !== undefined);
    assert.deepEqual([item!.action, item!.node, item!.cancellable], ['indices:data/read/search', idOf(0), true]);
    const itemChild = await eventually(async () => (await searchTasks(node(2))).find((task) => task.parent_task_id === item!.taskId), (task) => task !== undefined);
    assert.deepEqual([itemChild!.action, itemChild!.node], ['indices:data/read/search[phase/query]', idOf(1)]);
    assert.equal((await jsonCall(node(2), 'POST', `/_tasks/${msearchTask!.taskId}/_cancel`)).status, 200);
    const msearchAnswer = await msearching;
    assert.equal(msearchAnswer.status, 200, msearchAnswer.text);
    assert.deepEqual(msearchAnswer.body.responses.map((response: any) => response.error?.type), ['task_cancelled_exception', 'task_cancelled_exception'], msearchAnswer.text);
    const itemBanned = await eventually(() => jsonCall(node(1), 'GET', `/_tasks?parent_task_id=${item!.taskId}`), (value) => value.body?.nodes?.[idOf(1)]?.tasks?.[itemChild!.taskId]?.cancelled === true, 1_500);
    assert.equal(itemBanned.body.nodes[idOf(1)].tasks[itemChild!.taskId].cancelled, true, itemBanned.text);
    for (const name of ['tasks-a', 'tasks-b']) assert.equal((await jsonCall(node(0), 'DELETE', `/${name}`)).status, 200);
  });

  test('a reserved user\'s password, application privileges and service account tokens are shared too', async () => {
    // kibana_system has no password on any node until one is set through the API.
    const password = await jsonCall(node(0), 'PUT', '/_security/user/kibana_system/_password', { password: 'kibana-secret' });
    assert.equal(password.status, 200, password.text);
    const kibana = await eventually(() => callAs(node(2), basic('kibana_system', 'kibana-secret'), 'GET', '/_security/_authenticate'), (value) => value.status === 200);
    assert.equal(kibana.status, 200, kibana.text);
    assert.equal(kibana.body.authentication_realm.type, 'reserved');

    const privilege = await jsonCall(node(1), 'PUT', '/_security/privilege', { myapp: { read: { actions: ['data:read/*'] } } });
    assert.equal(privilege.status, 200, privilege.text);
    const onC = await eventually(() => jsonCall(node(2), 'GET', '/_security/privilege/myapp/read'), (value) => value.body?.myapp?.read !== undefined);
    assert.deepEqual(onC.body.myapp.read.actions, ['data:read/*']);

    const token = await jsonCall(node(0), 'POST', '/_security/service/elastic/fleet-server/credential/token/shared-token');
    assert.equal(token.status, 200, token.text);
    const bearer = `Bearer ${token.body.token.value}`;
    const tokenOnB = await eventually(() => callAs(node(1), bearer, 'GET', '/_security/_authenticate'), (value) => value.status === 200);
    assert.equal(tokenOnB.status, 200, tokenOnB.text);
    assert.equal(tokenOnB.body.username, 'elastic/fleet-server');
    const listed = await jsonCall(node(2), 'GET', '/_security/service/elastic/fleet-server/credential');
    assert.ok('shared-token' in listed.body.tokens, listed.text);
    // security-api-get-service-credentials.html: `tokens` are the cluster's (shared), `nodes_credentials`
    // gathers every node's file-backed tokens (Strait keeps none), `_nodes` counting every node asked.
    for (const index of [0, 1, 2]) {
      const credentials = await eventually(() => jsonCall(node(index), 'GET', '/_security/service/elastic/fleet-server/credential'), (value) => 'shared-token' in (value.body?.tokens ?? {}));
      assert.equal(credentials.status, 200, credentials.text);
      assert.deepEqual(
        { account: credentials.body.service_account, count: credentials.body.count, tokens: credentials.body.tokens, nodes: credentials.body.nodes_credentials },
        { account: 'elastic/fleet-server', count: 1, tokens: { 'shared-token': {} }, nodes: { _nodes: { total: 3, successful: 3, failed: 0 }, file_tokens: {} } },
      );
    }
    const deleted = await jsonCall(node(2), 'DELETE', '/_security/service/elastic/fleet-server/credential/token/shared-token');
    assert.equal(deleted.status, 200, deleted.text);
    const refused = await eventually(() => callAs(node(1), bearer, 'GET', '/_security/_authenticate'), (value) => value.status === 401, 5_000);
    assert.equal(refused.status, 401);
    const removed = await eventually(() => jsonCall(node(0), 'DELETE', '/_security/privilege/myapp/read'), (value) => value.status === 200);
    assert.equal(removed.status, 200, removed.text);
    const gone = await eventually(() => jsonCall(node(2), 'GET', '/_security/privilege/myapp/read'), (value) => value.body?.myapp === undefined, 5_000);
    assert.deepEqual(gone.body, {});
  });

  test('two nodes writing one user at once: every node ends with the same user', async () => {
    const writes = await Promise.all([
      jsonCall(node(0), 'PUT', '/_security/user/racer', { password: 'racer-secret', roles: ['monitor_only'], full_name: 'from A' }),
      jsonCall(node(1), 'PUT', '/_security/user/racer', { password: 'racer-secret', roles: ['monitor_only'], full_name: 'from B' }),
    ]);
    for (const write of writes) assert.equal(write.status, 200, write.text);
    const client = cluster.etcd.client();
    let winner: string;
    try {
      winner = JSON.parse((await client.get(`${prefix}user/racer`).string())!).user.fullName;
    } finally {
      client.close();
    }
    for (const index of [0, 1, 2]) {
      const user = await eventually(() => jsonCall(node(index), 'GET', '/_security/user/racer'), (value) => value.body?.racer?.full_name === winner, 5_000);
      assert.equal(user.body.racer.full_name, winner, `node ${index}`);
    }
  });

  test('two nodes creating one service token name at once: one token, the other request a 409 naming the one security index uuid every node names', async () => {
    const path = '/_security/service/elastic/fleet-server/credential/token/raced-token';
    const answers = await Promise.all([jsonCall(node(0), 'POST', path), jsonCall(node(1), 'POST', path)]);
    const won = answers.filter((answer) => answer.status === 200);
    const lost = answers.filter((answer) => answer.status !== 200);
    assert.equal(won.length, 1, answers.map((answer) => answer.text).join('\n'));
    assert.equal(lost[0]!.status, 409, lost[0]!.text);
    assert.equal(lost[0]!.body.error.type, 'version_conflict_engine_exception');
    assert.equal(lost[0]!.body.error.index, '.security-7');
    // The winner's token is the cluster's: the node that lost the race holds it as well.
    const loser = answers[0]!.status === 200 ? 1 : 0;
    const who = await callAs(node(loser), `Bearer ${won[0]!.body.token.value}`, 'GET', '/_security/_authenticate');
    assert.equal(who.status, 200, who.text);
    assert.equal(who.body.username, 'elastic/fleet-server');
    // A conflict through any node names the same security index uuid.
    const uuids = new Set<string>();
    for (const index of [0, 1, 2]) {
      const again = await jsonCall(node(index), 'POST', path);
      assert.equal(again.status, 409, again.text);
      uuids.add(again.body.error.index_uuid);
    }
    uuids.add(lost[0]!.body.error.index_uuid);
    assert.equal(uuids.size, 1, [...uuids].join(', '));
    assert.equal((await jsonCall(node(2), 'DELETE', path)).status, 200);
  });

  test('bad input stays a 400 and publishes nothing', async () => {
    const huge = await jsonCall(node(0), 'PUT', '/_security/role/huge', { cluster: [], metadata: { blob: 'x'.repeat(2 * 1024 * 1024) } });
    assert.equal(huge.status, 400, huge.text.slice(0, 500));
    assert.equal(huge.body.error.type, 'illegal_argument_exception');
    assert.match(huge.body.error.reason, /more than the \[\d+\] bytes a multi-node cluster can share through etcd/);
    assert.equal((await jsonCall(node(0), 'GET', '/_security/role/huge')).status, 404);
    const keys = await sharedKeys();
    const noRoles = await jsonCall(node(0), 'PUT', '/_security/user/bob', { password: 'bob-secret' });
    assert.equal(noRoles.status, 400);
    assert.equal(noRoles.body.error.type, 'action_request_validation_exception');
    const badRole = await jsonCall(node(1), 'PUT', '/_security/role/broken', { cluster: ['not_a_privilege'] });
    assert.equal(badRole.status, 400, badRole.text);
    const badKey = await jsonCall(node(2), 'POST', '/_security/cross_cluster/api_key', { name: 'x', access: { nope: [] } });
    assert.equal(badKey.status, 400, badKey.text);
    assert.deepEqual(await sharedKeys(), keys);
  });

  test('a node stopped while users change catches up when it starts again', async () => {
    await node(2).stop();
    const created = await jsonCall(node(0), 'PUT', '/_security/user/carol', { password: 'carol-secret', roles: ['monitor_only'] });
    assert.equal(created.status, 200, created.text);
    const deleted = await jsonCall(node(1), 'DELETE', '/_security/user/racer');
    assert.equal(deleted.status, 200, deleted.text);
    const password = await jsonCall(node(0), 'PUT', '/_security/user/alice/_password', { password: 'alice-secret-2' });
    assert.equal(password.status, 200, password.text);
    const restarted = await cluster.restart(2);
    // Loaded before the node served its first request: no wait.
    const carol = await callAs(restarted, basic('carol', 'carol-secret'), 'GET', '/_security/_authenticate');
    assert.equal(carol.status, 200, carol.text);
    const racer = await jsonCall(restarted, 'GET', '/_security/user/racer');
    assert.equal(racer.status, 404);
    const oldPassword = await callAs(restarted, basic('alice', 'alice-secret'), 'GET', '/_security/_authenticate');
    assert.equal(oldPassword.status, 401);
    const newPassword = await callAs(restarted, basic('alice', 'alice-secret-2'), 'GET', '/_security/_authenticate');
    assert.equal(newPassword.status, 200, newPassword.text);
  });

  test('while etcd is away a security write answers 503 and is undone once etcd is back; then writes flow again', async () => {
    // A user whose password and role change while etcd is away (each answering 503), used on this
    // node before and during the outage so every cache of it is warm.
    const role = await jsonCall(node(0), 'PUT', '/_security/role/outage_role', { cluster: ['monitor'] });
    assert.equal(role.status, 200, role.text);
    const frank = await jsonCall(node(0), 'PUT', '/_security/user/frank', { password: 'frank-secret', roles: ['outage_role'] });
    assert.equal(frank.status, 200, frank.text);
    const grantsManage = async (password: string): Promise<number> => (await callAs(node(0), basic('frank', password), 'PUT', '/_security/role/frank_made', { cluster: [] })).status;
    assert.equal(await grantsManage('frank-secret'), 403);
    await cluster.etcd.stop();
    try {
      const during = await jsonCall(node(0), 'PUT', '/_security/user/dave', { password: 'dave-secret', roles: [] });
      assert.equal(during.status, 503, during.text);
      assert.equal(during.body.error.type, 'unavailable_shards_exception');
      assert.match(during.body.error.reason, /etcd did not accept it/);
      const password = await jsonCall(node(0), 'PUT', '/_security/user/frank/_password', { password: 'frank-during' });
      assert.equal(password.status, 503, password.text);
      const widened = await jsonCall(node(0), 'PUT', '/_security/role/outage_role', { cluster: ['manage_security'] });
      assert.equal(widened.status, 503, widened.text);
      // Until etcd answers this node holds its own writes (the caches follow them).
      assert.equal((await callAs(node(0), basic('frank', 'frank-during'), 'GET', '/_security/_authenticate')).status, 200);
    } finally {
      await cluster.etcd.start();
    }
    const undone = await eventually(() => jsonCall(node(0), 'GET', '/_security/user/dave'), (value) => value.status === 404, 30_000);
    assert.equal(undone.status, 404, 'the write etcd never accepted is gone again');
    // The rolled-back password and role are gone from every cache: the old password works and the
    // new one does not; the role grants what etcd holds, not what the refused write said.
    const restored = await eventually(() => callAs(node(0), basic('frank', 'frank-secret'), 'GET', '/_security/_authenticate'), (value) => value.status === 200, 30_000);
    assert.equal(restored.status, 200, restored.text);
    assert.equal((await callAs(node(0), basic('frank', 'frank-during'), 'GET', '/_security/_authenticate')).status, 401);
    assert.equal(await grantsManage('frank-secret'), 403, 'the rolled-back role change grants nothing');
    assert.deepEqual((await jsonCall(node(0), 'GET', '/_security/role/outage_role')).body.outage_role.cluster, ['monitor']);
    const created = await eventually(() => jsonCall(node(0), 'PUT', '/_security/user/erin', { password: 'erin-secret', roles: [] }), (value) => value.status === 200, 30_000);
    assert.equal(created.status, 200, created.text);
    for (const index of [1, 2]) {
      const erin = await eventually(() => callAs(node(index), basic('erin', 'erin-secret'), 'GET', '/_security/_authenticate'), (value) => value.status === 200, 30_000);
      assert.equal(erin.status, 200, erin.text);
      assert.equal((await jsonCall(node(index), 'GET', '/_security/user/dave')).status, 404);
    }
  });
});
