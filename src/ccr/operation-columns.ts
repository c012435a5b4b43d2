/**
 * The column form of a `shard_changes` answer's operations (pure), Strait to Strait (our transport
 * encoding, shared/spec/remote-clusters.md §9.1): one array or one string per field instead of one
 * map per operation. A leader serializing a thousand maps of eight keys, and a follower decoding
 * them, spent microseconds per operation in msgpack (issue #10: the leader's throughput with a
 * follower); the columns cost one native string encode and decode for all sources, and for all ids.
 *
 * A follower asks for it (`operation_columns: true` in the request); a leader that does not know the
 * field answers with `operations` as before, so either side may be older.
 */
import { errors } from '../common/index.js';
import type { Operation } from '../index/store/index.js';
import { checkColumnLengths, isCount, routingsColumn } from './columns.js';
import type { ChangeOperation } from './types.js';

export interface OperationColumns {
  /** The seq_no of the first operation; the others follow it without a gap. */
  readonly from_seq_no: number;
  /** One character per operation: `i` index, `d` delete. */
  readonly ops: string;
  /** Every id, joined; `id_lengths` cuts them apart (UTF-16 code units, as JavaScript counts). */
  readonly ids: string;
  readonly id_lengths: readonly number[];
  /** Every `_source`, joined; a delete's length is -1 (no source). */
  readonly sources: string;
  readonly source_lengths: readonly number[];
  readonly primary_terms: readonly number[];
  readonly versions: readonly number[];
  /** Present when an operation has a `_routing` (null for those without). */
  readonly routings?: readonly (string | null)[];
  /** Leader acknowledgement times, epoch ms; -1 for an operation from before they were kept. */
  readonly timestamps_ms: readonly number[];
}

/**
 * Operations with consecutive seq_nos (the leader reads a contiguous range) into columns; the
 * shard store's `Operation`, which a follower's `ChangeOperation` also fits.
 */
export function encodeOperationColumns(operations: readonly Operation[]): OperationColumns {
  const count = operations.length;
  const fromSeqNo = count === 0 ? 0 : operations[0]!.seqNo;
  let ops = '';
  const ids: string[] = new Array<string>(count);
  const idLengths: number[] = new Array<number>(count);
  const sources: string[] = [];
  const sourceLengths: number[] = new Array<number>(count);
  const primaryTerms: number[] = new Array<number>(count);
  const versions: number[] = new Array<number>(count);
  const timestamps: number[] = new Array<number>(count);
  for (let index = 0; index < count; index++) {
    const operation = operations[index]!;
    if (operation.seqNo !== fromSeqNo + index) throw new Error(`operation columns need consecutive seq_nos: [${operation.seqNo}] follows [${fromSeqNo + index - 1}]`);
    ops += operation.op === 'delete' ? 'd' : 'i';
    ids[index] = operation.id;
    idLengths[index] = operation.id.length;
    const source = operation.op === 'delete' ? null : operation.source;
    if (source === null) {
      sourceLengths[index] = -1;
    } else {
      sources.push(source);
      sourceLengths[index] = source.length;
    }
    primaryTerms[index] = operation.primaryTerm;
    versions[index] = operation.version;
    timestamps[index] = operation.timestampMs ?? -1;
  }
  const routings = routingsColumn(operations, (operation) => operation.routing);
  return {
    from_seq_no: fromSeqNo,
    ops,
    ids: ids.join(''),
    id_lengths: idLengths,
    sources: sources.join(''),
    source_lengths: sourceLengths,
    primary_terms: primaryTerms,
    versions,
    ...(routings !== undefined ? { routings } : {}),
    timestamps_ms: timestamps,
  };
}

function malformed(reason: string): never {
  throw errors.illegalState(`malformed shard_changes operation columns: ${reason}`);
}

/** The operations of a column answer; a column that does not add up is an illegal_state_exception. */
export function decodeOperationColumns(wire: unknown): ChangeOperation[] {
  if (typeof wire !== 'object' || wire === null) malformed('not an object');
  const columns = wire as Partial<Record<keyof OperationColumns, unknown>>;
  const { from_seq_no: fromSeqNo, ops, ids, id_lengths: idLengths, sources, source_lengths: sourceLengths, primary_terms: primaryTerms, versions, routings, timestamps_ms: timestamps } = columns;
  if (!isCount(fromSeqNo)) malformed('from_seq_no');
  if (typeof ops !== 'string' || typeof ids !== 'string' || typeof sources !== 'string') malformed('ops, ids and sources are strings');
  const count = ops.length;
  checkColumnLengths([['id_lengths', idLengths], ['source_lengths', sourceLengths], ['primary_terms', primaryTerms], ['versions', versions], ['timestamps_ms', timestamps]], routings, count, 'operation', malformed);
  const idLengthOf = idLengths as unknown[];
  const sourceLengthOf = sourceLengths as unknown[];
  const primaryTermOf = primaryTerms as unknown[];
  const versionOf = versions as unknown[];
  const timestampOf = timestamps as unknown[];
  const routingOf = routings as unknown[] | undefined;
  const operations: ChangeOperation[] = new Array<ChangeOperation>(count);
  let idAt = 0;
  let sourceAt = 0;
  for (let index = 0; index < count; index++) {
    const kind = ops.charCodeAt(index);
    if (kind !== 0x69 && kind !== 0x64) malformed(`op [${ops[index]}]`);
    const idLength = idLengthOf[index];
    if (!isCount(idLength) || idAt + idLength > ids.length) malformed('id_lengths exceed ids');
    const id = ids.slice(idAt, idAt + idLength);
    idAt += idLength;
    const sourceLength = sourceLengthOf[index];
    let source: string | null = null;
    if (sourceLength !== -1) {
      if (!isCount(sourceLength) || sourceAt + sourceLength > sources.length) malformed('source_lengths exceed sources');
      source = sources.slice(sourceAt, sourceAt + sourceLength);
      sourceAt += sourceLength;
    }
    const primaryTerm = primaryTermOf[index];
    const version = versionOf[index];
    const timestampMs = timestampOf[index];
    if (!isCount(primaryTerm) || !isCount(version) || typeof timestampMs !== 'number') malformed('primary_terms, versions and timestamps_ms are numbers');
    const routing = routingOf?.[index] ?? null;
    if (routing !== null && typeof routing !== 'string') malformed('routings are strings or null');
    const op = kind === 0x64 ? 'delete' : 'index';
    // One shape for every operation (every field present, in one order): cheaper to make and to read.
    operations[index] = { seqNo: fromSeqNo + index, op, id, source: op === 'delete' ? null : source, primaryTerm, version, routing: routing ?? undefined, timestampMs: timestampMs >= 0 ? timestampMs : undefined };
  }
  if (idAt !== ids.length || sourceAt !== sources.length) malformed('the lengths do not add up to ids and sources');
  return operations;
}
