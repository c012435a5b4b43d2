// Issue 11 §2, the task management API and cancellation across clusters: searches are tasks
// (`GET /_tasks`, `GET /_tasks/{id}`, `_cancel`), and deleting an async search over a remote
// cluster cancels the search task the remote runs for it (a child of the coordinator's task,
// carrying the caller's X-Opaque-Id).
// References: https://www.elastic.co/guide/en/elasticsearch/reference/current/tasks.html
//             https://www.elastic.co/guide/en/elasticsearch/reference/current/async-search.html
// Searches are slowed with the test-only `strait.test.search.shard_delay` so they can be seen running.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, rawRequest, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type StartedNode } from '../harness/cluster.js';
import { remoteConnected, until } from '../harness/wait.js';

let fc: StartedNode;
let qc: StartedNode;
let fcAdmin: Client;
let qcAdmin: Client;

type TaskInfo = {
  node: string;
  id: number;
  type: string;
  action: string;
  description?: string;
  start_time_in_millis: number;
  running_time_in_nanos: number;
  cancellable: boolean;
  cancelled?: boolean;
  parent_task_id?: string;
  headers: Record<string, string>;
};
type NodesBody = { nodes: Record<string, { name: string; tasks: Record<string, TaskInfo> }>; node_failures?: { caused_by: { type: string; reason: string } }[] };

async function json<T>(node: StartedNode, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await rawRequest(node, method, path, {
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: response.json() as T };
}

/** Every task `GET /_tasks` lists on the node (group_by=none). */
async function listTasks(node: StartedNode, query: string): Promise<TaskInfo[]> {
  const answer = await json<{ tasks: TaskInfo[] }>(node, 'GET', `/_tasks?group_by=none&${query}`);
  assert.equal(answer.status, 200);
  return answer.body.tasks;
}

/**
 * The fulfilling cluster's task `remoteId` (listed under `actions`) is seen with cancelled: true, then
 * ends well before the six 1s shards of a `slow*` search could have run.
 */
async function assertRemoteTaskCancelled(remoteId: number, actions: string): Promise<void> {
  const cancelledAt = Date.now();
  let sawCancelled = false;
  await until('the remote task to end', async () => {
    const found = (await listTasks(fc, `actions=${actions}`)).find((task) => task.id === remoteId);
    if (found?.cancelled === true) sawCancelled = true;
    return found === undefined ? true : undefined;
  });
  assert.ok(sawCancelled, 'the remote task was listed as cancelled');
  assert.ok(Date.now() - cancelledAt < 4000, 'the remote search stopped early');
}

before(async () => {
  const ca = makeCa();
  // Each shard of a search waits 1s on either cluster: slow enough to be listed and cancelled.
  [fc, qc] = await Promise.all([
    startNode({ ca, clusterName: 'fulfilling', nodeName: 'fc-1', yaml: `${REMOTE_CLUSTER_SERVER_YAML}\nstrait.test.search.shard_delay: 1s`, faultInjection: true }),
    startNode({ ca, clusterName: 'querying', nodeName: 'qc-1', yaml: `${REMOTE_CLUSTER_CLIENT_YAML}\nstrait.test.search.shard_delay: 1s`, faultInjection: true }),
  ]);
  fcAdmin = fc.client();
  qcAdmin = qc.client();
  await fcAdmin.bulk({ refresh: true, operations: [1, 2, 3, 4, 5, 6].flatMap((i) => [{ index: { _index: `slow${i}`, _id: `r${i}` } }, { n: i }]) });
  await qcAdmin.bulk({ refresh: true, operations: [1, 2, 3, 4, 5, 6].flatMap((i) => [{ index: { _index: `local${i}`, _id: `l${i}` } }, { n: i }]) });
  const key = await fcAdmin.security.createCrossClusterApiKey({ name: 'for-qc', access: { search: [{ names: ['slow*'] }] } });
  qc.keystoreAdd('cluster.remote.rk.credentials', key.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  await qcAdmin.cluster.putSettings({
    persistent: {
      'cluster.remote.rc.seeds': [fc.transportAddress],
      'cluster.remote.rk.mode': 'proxy',
      'cluster.remote.rk.proxy_address': fc.remoteClusterAddress!,
    },
  });
  await Promise.all([remoteConnected(qcAdmin, 'rc'), remoteConnected(qcAdmin, 'rk')]);
});

after(async () => {
  await Promise.all([fc?.destroy(), qc?.destroy()]);
});

test('GET /_tasks lists the list task itself, with the caller X-Opaque-Id, grouped by node', async () => {
  const answer = await json<NodesBody>(qc, 'GET', '/_tasks?actions=cluster:monitor/tasks/*&detailed', { 'X-Opaque-Id': 'list-me' });
  assert.equal(answer.status, 200);
  const [nodeId, node] = Object.entries(answer.body.nodes)[0]!;
  assert.equal(node.name, 'qc-1');
  const [taskId, task] = Object.entries(node.tasks)[0]!;
  assert.equal(taskId, `${nodeId}:${task.id}`);
  assert.equal(task.node, nodeId);
  assert.equal(task.action, 'cluster:monitor/tasks/lists');
  assert.equal(task.type, 'transport');
  assert.equal(task.cancellable, false);
  assert.equal(task.cancelled, undefined);
  assert.equal(task.description, '');
  assert.deepEqual(task.headers, { 'X-Opaque-Id': 'list-me' });
  assert.ok(task.start_time_in_millis > Date.now() - 60_000);
  assert.ok(task.running_time_in_nanos >= 0);
  // An actions filter that matches nothing: no node has tasks to show.
  assert.deepEqual((await json<NodesBody>(qc, 'GET', '/_tasks?actions=indices:nothing*')).body, { nodes: {} });
  // Unknown and malformed ids, unknown group_by.
  const missing = await json<{ error: { type: string; reason: string } }>(qc, 'GET', `/_tasks/${nodeId}:999999`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.type, 'resource_not_found_exception');
  assert.equal(missing.body.error.reason, `task [${nodeId}:999999] isn't running and hasn't stored its results`);
  const malformed = await json<{ error: { type: string; reason: string } }>(qc, 'GET', '/_tasks/not-a-task');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.reason, 'malformed task id not-a-task');
  assert.equal((await json(qc, 'GET', '/_tasks?group_by=colour')).status, 400);
});

test('a running _search is a cancellable task: listed, got, waited for by a non-cancellable get, and cancelled by id', async () => {
  // Six shards at 1s each: the search runs for about six seconds unless cancelled.
  const searching = json<{ error?: { type: string; reason: string }; hits?: unknown }>(qc, 'POST', '/local*/_search', { 'X-Opaque-Id': 'slow-local' }, { query: { match_all: {} } });
  const task = await until('the search task', async () => (await listTasks(qc, 'actions=indices:data/read/search&detailed'))[0]);
  assert.equal(task.cancellable, true);
  assert.equal(task.cancelled, false);
  assert.equal(task.parent_task_id, undefined);
  assert.deepEqual(task.headers, { 'X-Opaque-Id': 'slow-local' });
  assert.match(task.description!, /^indices\[local\*\], search_type\[QUERY_THEN_FETCH\], source\[/);
  const taskId = `${task.node}:${task.id}`;

  const got = await json<{ completed: boolean; task: TaskInfo }>(qc, 'GET', `/_tasks/${taskId}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.completed, false);
  assert.equal(got.body.task.action, 'indices:data/read/search');

  // Waiting longer than `timeout`: Elasticsearch's timeout_exception.
  const timedOut = await json<{ error: { type: string; reason: string } }>(qc, 'GET', `/_tasks/${taskId}?wait_for_completion=true&timeout=100ms`);
  assert.equal(timedOut.status, 429);
  assert.equal(timedOut.body.error.type, 'timeout_exception');
  assert.equal(timedOut.body.error.reason, `Timed out waiting for completion of task [${taskId}]`);

  // A get waiting for completion is itself a task, and not a cancellable one. Its timeout is past
  // Node's timer limit (2^31-1 ms), which must still wait rather than time out at once.
  const waiting = json<{ completed: boolean; task: TaskInfo }>(qc, 'GET', `/_tasks/${taskId}?wait_for_completion=true&timeout=30d`);
  const getTask = await until('the waiting get', async () => (await listTasks(qc, 'actions=cluster:monitor/task/get'))[0]);
  assert.equal(getTask.cancellable, false);
  const refused = await json<NodesBody>(qc, 'POST', `/_tasks/${getTask.node}:${getTask.id}/_cancel`);
  assert.equal(refused.status, 200);
  assert.equal(refused.body.node_failures![0]!.caused_by.type, 'illegal_argument_exception');
  assert.equal(refused.body.node_failures![0]!.caused_by.reason, `task [${getTask.node}:${getTask.id}] doesn't support cancellation`);

  const cancelled = await json<NodesBody>(qc, 'POST', `/_tasks/${taskId}/_cancel`);
  assert.equal(cancelled.status, 200);
  assert.equal(cancelled.body.nodes[task.node]!.tasks[taskId]!.cancelled, true);

  const answer = await searching;
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error!.type, 'task_cancelled_exception');
  assert.equal(answer.body.error!.reason, 'task cancelled [by user request]');
  // The waiting get sees the task finish, and the task is gone.
  const waited = await waiting;
  assert.equal(waited.status, 200);
  assert.equal(waited.body.completed, true);
  assert.equal((await json(qc, 'GET', `/_tasks/${taskId}`)).status, 404);
  // Cancelling it again: it is not running.
  const again = await json<NodesBody>(qc, 'POST', `/_tasks/${taskId}/_cancel`);
  assert.equal(again.body.node_failures![0]!.caused_by.type, 'resource_not_found_exception');
});

test('POST /_tasks/_cancel?actions= cancels every matching running search', async () => {
  const searching = json<{ error?: { type: string } }>(qc, 'POST', '/local*/_search', {}, {});
  await until('the search task', async () => (await listTasks(qc, 'actions=indices:data/read/search'))[0]);
  const cancelled = await json<{ tasks: TaskInfo[] }>(qc, 'POST', '/_tasks/_cancel?actions=indices:data/read/*&group_by=none');
  assert.equal(cancelled.status, 200);
  assert.deepEqual(cancelled.body.tasks.map((task) => [task.action, task.cancelled]), [['indices:data/read/search', true]]);
  assert.equal((await searching).body.error!.type, 'task_cancelled_exception');
});

for (const [alias, minimize] of [['rk', true], ['rc', true], ['rk', false]] as const) {
  test(`deleting an async search over ${alias} (ccs_minimize_roundtrips=${minimize}) cancels the remote cluster's search task (its X-Opaque-Id, its parent task)`, async () => {
    const opaqueId = `async-across-${alias}-${minimize}`;
    const remoteAction = minimize ? 'indices:data/read/search' : 'indices:data/read/search[phase/query]';
    const submitted = await json<{ id: string; is_running: boolean }>(
      qc,
      'POST',
      `/${alias}:slow*/_async_search?wait_for_completion_timeout=100ms&keep_on_completion=true&keep_alive=1m&ccs_minimize_roundtrips=${minimize}`,
      { 'X-Opaque-Id': opaqueId },
      { query: { match_all: {} } },
    );
    assert.equal(submitted.status, 200);
    assert.equal(submitted.body.is_running, true);

    // The coordinator: the async search task, and the search task as its child.
    const local = await listTasks(qc, 'actions=indices:data/read/*&detailed');
    const submitTask = local.find((task) => task.action === 'indices:data/read/async_search/submit')!;
    const searchTask = local.find((task) => task.action === 'indices:data/read/search')!;
    assert.equal(searchTask.parent_task_id, `${submitTask.node}:${submitTask.id}`);
    assert.equal(submitTask.headers['X-Opaque-Id'], opaqueId);
    assert.equal(searchTask.headers['X-Opaque-Id'], opaqueId);
    const children = await listTasks(qc, `parent_task_id=${submitTask.node}:${submitTask.id}`);
    assert.deepEqual(children.map((task) => task.id), [searchTask.id]);
    const byParent = await json<{ tasks: Record<string, TaskInfo & { children?: TaskInfo[] }> }>(qc, 'GET', '/_tasks?group_by=parents&actions=indices:data/read/*');
    assert.deepEqual(Object.keys(byParent.body.tasks), [`${submitTask.node}:${submitTask.id}`]);
    assert.deepEqual(byParent.body.tasks[`${submitTask.node}:${submitTask.id}`]!.children!.map((task) => task.id), [searchTask.id]);

    // The remote cluster: its search task is a child of the coordinator's search task, with the caller's X-Opaque-Id.
    const remote = await until('the remote search task', async () =>
      (await listTasks(fc, 'actions=indices:data/read/search*&detailed')).find((task) => task.headers['X-Opaque-Id'] === opaqueId),
    );
    assert.equal(remote.action, remoteAction);
    assert.equal(remote.parent_task_id, `${searchTask.node}:${searchTask.id}`);
    assert.equal(remote.cancellable, true);
    assert.equal(remote.cancelled, false);
    assert.match(remote.description!, /^indices\[slow\*\]/);

    const deleted = await json<{ acknowledged: boolean }>(qc, 'DELETE', `/_async_search/${submitted.body.id}`);
    assert.deepEqual(deleted.body, { acknowledged: true });

    // The remote task is cancelled (seen with cancelled: true while its current shard finishes), then gone,
    // well before its six shards could have run.
    await assertRemoteTaskCancelled(remote.id, 'indices:data/read/search*');
    // And nothing of it is left on the coordinator.
    assert.deepEqual(await listTasks(qc, 'actions=indices:data/read/*'), []);
  });
}

test('cancelling a cross-cluster _search by its task id cancels its task on the remote cluster', async () => {
  const searching = json<{ error?: { type: string; reason: string } }>(qc, 'POST', '/rk:slow*/_search', { 'X-Opaque-Id': 'ccs-cancel' }, {});
  const local = await until('the search task', async () => (await listTasks(qc, 'actions=indices:data/read/search'))[0]);
  const remote = await until('the remote search task', async () =>
    (await listTasks(fc, 'actions=indices:data/read/search')).find((task) => task.headers['X-Opaque-Id'] === 'ccs-cancel'),
  );
  assert.equal(remote.parent_task_id, `${local.node}:${local.id}`);
  const cancelled = await json<NodesBody>(qc, 'POST', `/_tasks/${local.node}:${local.id}/_cancel`);
  assert.equal(cancelled.status, 200);
  const answer = await searching;
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error!.type, 'task_cancelled_exception');
  // Listed as cancelled while its current shard finishes, then gone well before its six shards could have run.
  await assertRemoteTaskCancelled(remote.id, 'indices:data/read/search');
});

test('an async search over a remote cluster that is not deleted runs to its answer', async () => {
  const submitted = await json<{ id: string }>(qc, 'POST', '/rk:slow1,rk:slow2/_async_search?wait_for_completion_timeout=100ms&keep_on_completion=true', {}, { query: { match_all: {} } });
  const done = await json<{ is_running: boolean; response: { hits: { hits: { _index: string }[] } } }>(qc, 'GET', `/_async_search/${submitted.body.id}?wait_for_completion_timeout=20s`);
  assert.equal(done.body.is_running, false);
  assert.deepEqual(done.body.response.hits.hits.map((hit) => hit._index).sort(), ['rk:slow1', 'rk:slow2']);
  assert.deepEqual(await listTasks(fc, 'actions=indices:data/read/search*'), []);
});
