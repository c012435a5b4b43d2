// Kept task results (Elasticsearch's `.tasks` index; Strait's node.db table task_results): a
// finished task's status and response answer GET /_tasks/{id} after it is gone, also from a
// reopened database; the oldest rows go past the bound; new task numbers skip kept ones.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/tasks.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDatabase } from '../../../src/common/index.js';
import { MemoryTaskResults, TaskManager } from '../../../src/tasks/task-manager.js';
import { SqlTaskResults } from '../../../src/tasks/task-results.js';

test('a finished task keeps its detailed info (status included) and its response', () => {
  const tasks = new TaskManager('node-a', () => 1000, () => 0n);
  let created = 0;
  const task = tasks.register({ action: 'indices:data/write/reindex', description: 'reindex from [a] to [b]', cancellable: true, status: () => ({ created }) });
  created = 3;
  assert.deepEqual(tasks.info(task, true)['status'], { created: 3 });
  assert.equal(tasks.info(task, false)['status'], undefined); // only detailed listings show the status
  tasks.storeResult(task, { response: { created: 3 } });
  tasks.unregister(task);
  const kept = tasks.result('node-a:1');
  assert.deepEqual(kept?.response, { created: 3 });
  assert.equal(kept?.task['description'], 'reindex from [a] to [b]');
  assert.deepEqual(kept?.task['status'], { created: 3 });
});

test('node.db keeps results across a reopen, drops the oldest past the bound, and new tasks skip kept numbers', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-task-results-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'node.db');
  let db = new Database(file) as unknown as SqlDatabase;
  const tasks = new TaskManager('node-a', () => 1000, () => 0n);
  tasks.keepResultsIn(SqlTaskResults.open(db, 2));
  for (let index = 0; index < 3; index++) {
    const task = tasks.register({ action: 'indices:data/write/reindex', description: `r${index}`, cancellable: true });
    tasks.storeResult(task, index === 2 ? { error: { type: 'exception', reason: 'boom' } } : { response: { n: index } });
    tasks.unregister(task);
  }
  db.close();
  db = new Database(file) as unknown as SqlDatabase;
  t.after(() => db.close());
  const reopened = new TaskManager('node-a', () => 1000, () => 0n);
  reopened.keepResultsIn(SqlTaskResults.open(db, 2));
  assert.equal(reopened.result('node-a:1'), undefined); // past the bound of 2
  assert.deepEqual(reopened.result('node-a:2')?.response, { n: 1 });
  assert.deepEqual(reopened.result('node-a:3')?.error, { type: 'exception', reason: 'boom' });
  assert.equal(reopened.register({ action: 'x:y', description: '', cancellable: false }).taskId, 'node-a:4');
});

test('memory results: bounded, latest write of an id wins', () => {
  const results = new MemoryTaskResults();
  results.put('n:1', { task: { id: 1 }, response: 'first' });
  results.put('n:1', { task: { id: 1 }, response: 'second' });
  assert.equal(results.get('n:1')?.response, 'second');
  assert.equal(results.maxTaskNumber('n'), 1);
  assert.equal(results.maxTaskNumber('other'), 0);
});
