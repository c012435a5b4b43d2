// Replicated operations (a follower's batch, spec ccr.md §4.2 step 6) are written many rows per
// statement (issue #10: a statement per row cost the follower about a third more CPU per
// operation). What the shard holds is the same as one statement per operation: the last operation
// on an id wins even inside one statement, deletes leave tombstones, routing and acknowledgement
// times are kept, and the history reads back in order from the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ShardStore, type Operation } from '../../../src/index/index.js';

test('a batch of replicated operations larger than one statement applies as one operation at a time would', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-replicated-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'shard-0.db');
  const store = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  // 150 operations over 20 ids: each id is written several times, within one statement's rows too.
  const operations: Operation[] = Array.from({ length: 150 }, (_, seqNo) => {
    const id = `d${seqNo % 20}`;
    const version = Math.floor(seqNo / 20) + 1;
    if (seqNo % 7 === 3) return { seqNo, op: 'delete', id, source: 'ignored', primaryTerm: 2, version, routing: 'ignored' };
    return { seqNo, op: 'index', id, source: JSON.stringify({ seqNo }), primaryTerm: 2, version, routing: seqNo % 5 === 0 ? `r${seqNo}` : null, timestampMs: 1_000 + seqNo };
  });
  assert.equal(store.applyOperations(operations.slice(0, 10)), 10);
  assert.equal(store.applyOperations(operations), 140, 'what was applied before is skipped');
  assert.equal(store.maxSeqNo, 149);
  store.close();
  const reopened = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  t.after(() => reopened.close());
  for (let id = 0; id < 20; id++) {
    const last = operations.filter((operation) => operation.id === `d${id}`).at(-1)!;
    const info = reopened.versionInfo(`d${id}`)!;
    assert.deepEqual(info, { seqNo: last.seqNo, primaryTerm: 2, version: last.version, deleted: last.op === 'delete' }, `d${id}`);
    const document = reopened.get(`d${id}`);
    if (last.op === 'delete') assert.equal(document, undefined);
    else assert.deepEqual(document, { id: `d${id}`, source: last.source, seqNo: last.seqNo, primaryTerm: 2, version: last.version, ...(last.routing ? { routing: last.routing } : {}) });
  }
  const history = reopened.readOps(0, 1_000);
  assert.equal(history.length, 150);
  history.forEach((operation, seqNo) => {
    const expected = operations[seqNo]!;
    const deleted = expected.op === 'delete';
    assert.deepEqual(operation, {
      seqNo,
      op: expected.op,
      id: expected.id,
      source: deleted ? null : expected.source,
      primaryTerm: 2,
      version: expected.version,
      routing: deleted ? null : expected.routing,
      ...(expected.timestampMs !== undefined ? { timestampMs: expected.timestampMs } : {}),
    });
  });
  // A batch with a gap changes nothing.
  assert.throws(() => reopened.applyOperations([...operations.slice(0, 80).map((operation) => ({ ...operation, seqNo: operation.seqNo + 150 })), { ...operations[0]!, seqNo: 300 }]));
  assert.equal(reopened.maxSeqNo, 149);
  assert.equal(reopened.readOps(150, 10).length, 0);
});
