// Differences from Elasticsearch checked against its source and REST tests, on one real node
// process (HTTPS, security on), raw HTTP so every field is checked as sent:
// - task ids read their number as Long.parseLong does (TaskId(String)): a sign is allowed, `-1`
//   is the unset id (GetTaskRequest.validate: "task id is required"; a cancel or rethrottle with
//   it targets every matching task), and errors name the id as TaskId.toString prints it;
// - a second service account token of the same name is the create's 409 on its `.security-7`
//   document (IndexServiceAccountTokenStore.createToken, OpType.CREATE): version_conflict_engine_exception
//   naming the index, shard 0 and the index's uuid (here the security store's), never `_na_`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall, type JsonAnswer } from '../harness/json-call.js';

let node: StartedNode;
let nodeId: string;
before(async () => {
  node = await startNode({ clusterName: 'correctness-fixes-2', nodeName: 'n1' });
  nodeId = Object.keys((await ok('GET', '/_nodes')).nodes)[0]!;
});
after(async () => {
  await node?.destroy();
});

const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> => jsonCall(node, method, path, body);

async function ok(method: string, path: string, body?: unknown): Promise<any> {
  const answer = await call(method, path, body);
  assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.body;
}

async function fails(method: string, path: string, body: unknown, status: number, type: string, reason?: string | RegExp): Promise<any> {
  const answer = await call(method, path, body);
  assert.equal(answer.status, status, `${method} ${path}: ${answer.text}`);
  assert.equal(answer.body.status, status);
  assert.equal(answer.body.error.type, type, answer.text);
  assert.equal(answer.body.error.root_cause[0].type, type);
  if (typeof reason === 'string') assert.equal(answer.body.error.reason, reason);
  else if (reason !== undefined) assert.match(answer.body.error.reason, reason);
  return answer.body;
}

// ---------------------------------------------------------------- task ids with a sign

test('task ids: a signed number is a Java long, -1 is the unset id (TaskId, GetTaskRequest.validate)', async () => {
  // `+5` is task 5: the errors print it as TaskId.toString does.
  await fails('GET', '/_tasks/other:+5', undefined, 404, 'resource_not_found_exception', "task [other:5] belongs to the node [other] which isn't part of the cluster and there is no record of the task");
  await fails('GET', `/_tasks/${nodeId}:+0099999`, undefined, 404, 'resource_not_found_exception', `task [${nodeId}:99999] isn't running and hasn't stored its results`);
  // A negative number other than -1 is a task id of no task.
  await fails('GET', `/_tasks/${nodeId}:-5`, undefined, 404, 'resource_not_found_exception', `task [${nodeId}:-5] isn't running and hasn't stored its results`);
  // -1 (and `unset`) is TaskId's unset id: the get refuses it.
  for (const id of [`${nodeId}:-1`, 'other:-1', 'unset']) await fails('GET', `/_tasks/${id}`, undefined, 400, 'action_request_validation_exception', 'Validation Failed: 1: task id is required;');
  // Past the long range, and a sign alone, are malformed.
  for (const id of ['a:-9223372036854775809', 'a:+', 'a:-', 'a:+-1']) await fails('GET', `/_tasks/${id}`, undefined, 400, 'illegal_argument_exception', `malformed task id ${id}`);
  const rethrottled = await ok('POST', `/_reindex/${nodeId}:+77/_rethrottle?requests_per_second=5`);
  assert.deepEqual(rethrottled.task_failures.map((failure: any) => [failure.task_id, failure.node_id, failure.status, failure.reason.type, failure.reason.reason]), [
    [77, nodeId, 'NOT_FOUND', 'resource_not_found_exception', `task [${nodeId}:77] is missing`],
  ]);
  // The unset id names no one task: the cancel and the rethrottle apply to every task they match
  // (none runs here), as without an id.
  assert.deepEqual(await ok('POST', `/_tasks/${nodeId}:-1/_cancel`), { nodes: {} });
  assert.deepEqual(await ok('POST', `/_update_by_query/${nodeId}:-1/_rethrottle?requests_per_second=5`), { nodes: {} });
  // The list filter: parent_task_id=<node>:+0 is <node>:0, a parent of nothing.
  assert.deepEqual((await ok('GET', `/_tasks?parent_task_id=${nodeId}:%2B0&group_by=none`)).tasks, []);
});

// ---------------------------------------------------------------- service account token conflicts

test('a duplicate service account token name is a 409 version conflict on .security-7 with its uuid', async () => {
  await ok('POST', '/_security/service/elastic/fleet-server/credential/token/dup-token');
  const uuids = new Set<string>();
  for (const method of ['POST', 'PUT']) {
    const body = await fails(method, '/_security/service/elastic/fleet-server/credential/token/dup-token', undefined, 409, 'version_conflict_engine_exception',
      '[service_account_token-elastic/fleet-server/dup-token]: version conflict, document already exists (current version [1])');
    for (const error of [body.error, body.error.root_cause[0]]) {
      assert.equal(error.index, '.security-7');
      assert.equal(error.shard, '0');
      assert.match(error.index_uuid, /^[A-Za-z0-9_-]{22}$/);
      uuids.add(error.index_uuid);
    }
  }
  // One store, one uuid.
  assert.equal(uuids.size, 1);
  // Another account's token of the same name is another document.
  await ok('POST', '/_security/service/elastic/kibana/credential/token/dup-token');
  assert.deepEqual(Object.keys((await ok('GET', '/_security/service/elastic/fleet-server/credential')).tokens), ['dup-token']);
});
