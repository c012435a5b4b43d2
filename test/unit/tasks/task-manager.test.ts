// The task manager core (src/tasks/task-manager.ts): ids, listing filters, cancellation of a task
// and its children, the remote cancel that only reaches the same caller's tasks, and the
// cancellation checkpoint of searches.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/tasks.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { actionMatcher, checkpoint, currentTask, parseTaskId, taskHeaders, TaskManager } from '../../../src/tasks/task-manager.js';

const clock = () => {
  let ms = 1000;
  let ns = 0n;
  return { nowMs: () => ms, nowNanos: () => ns, advance: (by: number) => ((ms += by), (ns += BigInt(by) * 1_000_000n)) };
};

test('tasks get <nodeId>:<number> ids and render as Elasticsearch task infos', () => {
  const time = clock();
  const tasks = new TaskManager('node-a', time.nowMs, time.nowNanos);
  const task = tasks.register({ action: 'indices:data/read/search', description: 'indices[x]', cancellable: true, headers: { 'X-Opaque-Id': 'op' } });
  const child = tasks.register({ action: 'indices:data/read/search', description: '', cancellable: false, parentTaskId: task.taskId });
  assert.equal(task.taskId, 'node-a:1');
  assert.equal(child.taskId, 'node-a:2');
  time.advance(5);
  assert.deepEqual(tasks.info(task, true), {
    node: 'node-a', id: 1, type: 'transport', action: 'indices:data/read/search', description: 'indices[x]',
    start_time_in_millis: 1000, running_time_in_nanos: 5_000_000, cancellable: true, cancelled: false, headers: { 'X-Opaque-Id': 'op' },
  });
  // Not detailed: no description; not cancellable: no cancelled flag.
  const info = tasks.info(child, false);
  assert.equal(info['description'], undefined);
  assert.equal(info['cancelled'], undefined);
  assert.equal(info['parent_task_id'], 'node-a:1');
  assert.equal(tasks.get('node-a:2'), child);
  assert.equal(tasks.get('node-b:2'), undefined);
  tasks.unregister(child);
  assert.equal(tasks.get('node-a:2'), undefined);
});

test('list filters by action patterns, parent and origin', () => {
  const tasks = new TaskManager('n', () => 0);
  const search = tasks.register({ action: 'indices:data/read/search', description: '', cancellable: true });
  tasks.register({ action: 'cluster:monitor/tasks/lists', description: '', cancellable: false });
  const child = tasks.register({ action: 'indices:data/read/search[phase/query]', description: '', cancellable: true, parentTaskId: search.taskId, origin: 'x' });
  assert.deepEqual(tasks.list({ actions: actionMatcher('indices:data/read/search*') }).map((task) => task.id), [1, 3]);
  assert.deepEqual(tasks.list({ actions: actionMatcher('cluster:*,nothing') }).map((task) => task.id), [2]);
  assert.deepEqual(tasks.list({ parentTaskId: search.taskId }), [child]);
  assert.deepEqual(tasks.list({ origin: 'x' }), [child]);
  assert.equal(actionMatcher('indices:data/read/search')('indices:data/read/search[phase/query]'), false);
});

test('cancelling a task cancels its children on this node and runs its cancel hooks (remote children)', () => {
  const tasks = new TaskManager('n', () => 0);
  const parent = tasks.register({ action: 'a', description: '', cancellable: true });
  const child = tasks.register({ action: 'b', description: '', cancellable: true, parentTaskId: parent.taskId });
  const grandchild = tasks.register({ action: 'c', description: '', cancellable: true, parentTaskId: child.taskId });
  const other = tasks.register({ action: 'd', description: '', cancellable: true });
  const hooks: string[] = [];
  parent.onCancel((reason) => hooks.push(reason));
  tasks.cancel(parent, 'by user request');
  assert.deepEqual([parent.cancelled, child.cancelled, grandchild.cancelled, other.cancelled], [true, true, true, false]);
  assert.deepEqual(hooks, ['by user request']);
  // A hook added after the cancel runs at once; a child registered after it starts cancelled.
  parent.onCancel((reason) => hooks.push(`late ${reason}`));
  assert.deepEqual(hooks, ['by user request', 'late by user request']);
  assert.equal(tasks.register({ action: 'e', description: '', cancellable: true, parentTaskId: parent.taskId }).cancelled, true);
  assert.ok(parent.signal.aborted);
  assert.throws(() => parent.throwIfCancelled(), (error: unknown) => error instanceof EsError && error.type === 'task_cancelled_exception' && error.reason === 'task cancelled [by user request]' && error.status === 400);
});

test('a remote cancel reaches only the children that the same caller started, and bans late ones', () => {
  const tasks = new TaskManager('remote', () => 0);
  const mine = tasks.register({ action: 'indices:data/read/search', description: '', cancellable: true, parentTaskId: 'coord:7', origin: 'alice' });
  const theirs = tasks.register({ action: 'indices:data/read/search', description: '', cancellable: true, parentTaskId: 'coord:7', origin: 'mallory' });
  const unrelated = tasks.register({ action: 'indices:data/read/search', description: '', cancellable: true, parentTaskId: 'coord:8', origin: 'alice' });
  assert.deepEqual(tasks.cancelChildrenOf('coord:7', 'alice', 'by user request'), [mine]);
  assert.deepEqual([mine.cancelled, theirs.cancelled, unrelated.cancelled], [true, false, false]);
  // A child of that parent that arrives after the cancel starts cancelled (for the same caller only).
  assert.equal(tasks.register({ action: 's', description: '', cancellable: true, parentTaskId: 'coord:7', origin: 'alice' }).cancelled, true);
  assert.equal(tasks.register({ action: 's', description: '', cancellable: true, parentTaskId: 'coord:7', origin: 'mallory' }).cancelled, false);
});

test('task ids, task headers', () => {
  assert.deepEqual(parseTaskId('abc:12'), { nodeId: 'abc', id: 12, set: true, taskId: 'abc:12' });
  // Elasticsearch's TaskId(String): split at the first colon, an empty node id allowed, a Java long
  // read by Long.parseLong (a sign allowed; -1 is the unset id, as are '' and 'unset').
  assert.deepEqual(parseTaskId(':1'), { nodeId: '', id: 1, set: true, taskId: ':1' });
  assert.deepEqual(parseTaskId('abc:9223372036854775807'), { nodeId: 'abc', id: 9223372036854775807, set: true, taskId: 'abc:9223372036854775807' });
  assert.deepEqual(parseTaskId('abc:+05'), { nodeId: 'abc', id: 5, set: true, taskId: 'abc:5' });
  assert.deepEqual(parseTaskId('abc:-5'), { nodeId: 'abc', id: -5, set: true, taskId: 'abc:-5' });
  assert.deepEqual(parseTaskId('abc:-9223372036854775808'), { nodeId: 'abc', id: -9223372036854775808, set: true, taskId: 'abc:-9223372036854775808' });
  for (const unset of ['abc:-1', 'abc:-01', '', 'unset']) assert.equal(parseTaskId(unset).set, false, unset);
  for (const bad of ['abc', 'abc:', 'abc:x', 'abc:+', 'abc:--1', 'a:b:1', 'abc:9223372036854775808', 'abc:-9223372036854775809']) assert.throws(() => parseTaskId(bad), (error: unknown) => error instanceof EsError && error.status === 400 && error.reason === `malformed task id ${bad}`);
  const incoming: Record<string, string> = { 'x-opaque-id': 'op', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  assert.deepEqual(taskHeaders((name) => incoming[name]), { 'X-Opaque-Id': 'op', 'trace.id': '0af7651916cd43dd8448eb211c80319c' });
  assert.deepEqual(taskHeaders(() => undefined), {});
});

test('checkpoint yields, and fails a cancelled task with task_cancelled_exception', async () => {
  const tasks = new TaskManager('n', () => 0);
  await checkpoint(); // outside a task: nothing to check
  await assert.rejects(
    tasks.run({ action: 'a', description: '', cancellable: true }, async (task) => {
      await checkpoint();
      setImmediate(() => tasks.cancel(task, 'stop'));
      await checkpoint();
      await checkpoint();
      return 'finished';
    }),
    (error: unknown) => error instanceof EsError && error.reason === 'task cancelled [stop]',
  );
  assert.deepEqual(tasks.list(), []);
  assert.equal(currentTask.getStore(), undefined);
  assert.equal(await tasks.run({ action: 'a', description: '', cancellable: true }, () => 'done'), 'done');
});
