// shard_changes operations in column form (src/ccr/operation-columns.ts): a follower asks for them
// with `operation_columns: true` and gets the same operations as the map form (ids, seq_nos,
// versions, primary terms, sources, routings, deletes, acknowledgement times); a request without
// the field (an older follower) still gets `operations`. Issue #10: msgpack maps cost the leader and
// the follower microseconds per operation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeOperationColumns, encodeOperationColumns } from '../../../src/ccr/operation-columns.js';
import type { ChangeOperation } from '../../../src/ccr/types.js';
import { EsError } from '../../../src/common/index.js';
import { decodeFrames, emptyDecoder, encodeFrame } from '../../../src/transport/frame.js';

const stored = [
  { seqNo: 7, op: 'index', id: 'a', source: '{"t":"plain"}', primaryTerm: 1, version: 1, routing: null, timestampMs: 1_700_000_000_000 },
  { seqNo: 8, op: 'index', id: 'ü-ß-😀', source: '{"t":"ünïcödé 😀 \\"quoted\\""}', primaryTerm: 2, version: 3, routing: 'r1', timestampMs: 1_700_000_000_001 },
  { seqNo: 9, op: 'delete', id: 'a', source: null, primaryTerm: 2, version: 2, routing: null },
  { seqNo: 10, op: 'index', id: '', source: '{}', primaryTerm: 2, version: 1, routing: null, timestampMs: 1_700_000_000_002 },
] as const;

/** Only the fields that mean something (absent and undefined alike). */
function meaning(operation: ChangeOperation): Record<string, unknown> {
  return Object.fromEntries(Object.entries(operation).filter(([, value]) => value !== undefined && value !== null));
}

test('columns carry every operation field through a transport frame and back', () => {
  const columns = encodeOperationColumns(stored);
  const frames = decodeFrames(emptyDecoder, encodeFrame(1, 1, { operationColumns: columns }), 1 << 20).frames;
  assert.equal(frames.length, 1);
  const wire = (frames[0] as { body: { operationColumns: unknown } }).body.operationColumns;
  const operations = decodeOperationColumns(wire);
  assert.deepEqual(
    operations.map(meaning),
    stored.map((operation) => meaning(operation as unknown as ChangeOperation)),
  );
  assert.equal(operations[2]!.source, null, 'a delete has no source');
  assert.equal(operations[2]!.timestampMs, undefined, 'an operation from before acknowledgement times were kept has none');
  assert.deepEqual(decodeOperationColumns(encodeOperationColumns([])), []);
});

test('the encoder refuses a range with a hole; malformed columns are an illegal_state_exception', () => {
  assert.throws(() => encodeOperationColumns([stored[0], stored[2]]), /consecutive seq_nos/);
  const good = encodeOperationColumns(stored);
  const cases: Record<string, unknown>[] = [
    { ...good, ids: good.ids + 'x' },
    { ...good, source_lengths: good.source_lengths.slice(1) },
    { ...good, ops: good.ops.replace('d', 'x') },
    { ...good, versions: good.versions.map(() => 'one') },
    { ...good, id_lengths: good.id_lengths.map(() => 1_000) },
    { ...good, from_seq_no: -1 },
    { ...good, routings: [1, 2, 3, 4] },
  ];
  for (const wire of cases) {
    assert.throws(
      () => decodeOperationColumns(wire),
      (error: unknown) => error instanceof EsError && error.type === 'illegal_state_exception' && /malformed shard_changes operation columns/.test(error.message),
      JSON.stringify(wire).slice(0, 80),
    );
  }
  assert.throws(() => decodeOperationColumns(null), EsError);
});
