/**
 * The replication layer's transport actions, with Elasticsearch's names, and their bodies: encoded
 * from our types, parsed back from untrusted input (a malformed body is an
 * illegal_argument_exception naming the action, never a crash).
 */
import { errors } from '../../common/errors.js';
import type { Operation } from '../store/shard-store.js';

export const REPLICATION_ACTIONS = {
  /** A shard's part of a bulk request, to the primary's node. */
  bulkShard: 'indices:data/write/bulk[s]',
  /** The primary's operations, to each replication target. */
  bulkShardReplica: 'indices:data/write/bulk[s][r]',
  /** A newly promoted primary to each in-sync copy: its operations above the global checkpoint. */
  resync: 'internal:index/seq_no/resync',
  /**
   * Primary to each in-sync copy once writes went quiet: the global checkpoint it computed after
   * their last operations (Elasticsearch's GlobalCheckpointSyncAction), which they persist.
   */
  globalCheckpointSync: 'indices:admin/seq_no/global_checkpoint_sync[r]',
  shardFailure: 'internal:cluster/shard/failure',
  shardStarted: 'internal:cluster/shard/started',
  /** Recovery target to the primary's node: recover me. */
  startRecovery: 'internal:index/shard/recovery/start_recovery',
  /** Primary to target, full copy: empty the copy's store before the documents arrive. */
  filesInfo: 'internal:index/shard/recovery/filesInfo',
  /** Primary to target, full copy: a chunk of the snapshot's documents. */
  fileChunk: 'internal:index/shard/recovery/file_chunk',
  /** Primary to target, full copy: the copy now stands at the snapshot's max seq_no. */
  cleanFiles: 'internal:index/shard/recovery/clean_files',
  /** Primary to target: operations to replay. */
  translogOps: 'internal:index/shard/recovery/translog_ops',
  /** Primary to target: recovery is complete, with the primary's global checkpoint. */
  finalize: 'internal:index/shard/recovery/finalize',
} as const;

export interface ShardTarget {
  readonly indexUuid: string;
  readonly index: string;
  readonly shard: number;
}

export function shardKey(target: ShardTarget): string {
  return `${target.indexUuid}/${target.shard}`;
}

type Body = Record<string, unknown>;

function invalid(action: string, what: string): never {
  throw errors.illegalArgument(`malformed [${action}] request: ${what}`);
}

function objectBody(action: string, body: unknown): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) invalid(action, 'the body is not an object');
  return body as Body;
}

export function readString(action: string, body: Body, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0) invalid(action, `[${name}] must be a non-empty string`);
  return value;
}

export function readInteger(action: string, body: Body, name: string, min: number): number {
  const value = body[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) invalid(action, `[${name}] must be an integer of at least [${min}]`);
  return value;
}

export function readShardTarget(action: string, body: unknown): { body: Body; target: ShardTarget } {
  const object = objectBody(action, body);
  return { body: object, target: { indexUuid: readString(action, object, 'index_uuid'), index: readString(action, object, 'index'), shard: readInteger(action, object, 'shard', 0) } };
}

export function encodeShardTarget(target: ShardTarget): Body {
  return { index_uuid: target.indexUuid, index: target.index, shard: target.shard };
}

export function encodeOperation(operation: Operation): unknown[] {
  return [operation.seqNo, operation.op, operation.id, operation.source, operation.primaryTerm, operation.version, operation.routing ?? null, operation.timestampMs ?? null];
}

export function parseOperations(action: string, value: unknown, countMax: number): Operation[] {
  if (!Array.isArray(value)) invalid(action, '[operations] must be an array');
  if (value.length > countMax) invalid(action, `[operations] holds [${value.length}] operations, the limit is [${countMax}]`);
  return value.map((entry, index) => {
    if (!Array.isArray(entry) || entry.length !== 8) invalid(action, `operation [${index}] is not an operation`);
    const [seqNo, op, id, source, primaryTerm, version, routing, timestampMs] = entry as unknown[];
    const integer = (candidate: unknown, min: number): candidate is number => typeof candidate === 'number' && Number.isSafeInteger(candidate) && candidate >= min;
    if (!integer(seqNo, 0) || !integer(primaryTerm, 1) || !integer(version, 0)) invalid(action, `operation [${index}] needs a seq_no, primary term and version`);
    if (op !== 'index' && op !== 'delete') invalid(action, `operation [${index}] has an unknown type`);
    if (typeof id !== 'string' || id.length === 0) invalid(action, `operation [${index}] has no id`);
    if (op === 'index' ? typeof source !== 'string' : source !== null) invalid(action, `operation [${index}] has a source that does not fit its type`);
    if (routing !== null && typeof routing !== 'string') invalid(action, `operation [${index}] has a malformed routing`);
    if (timestampMs !== null && !integer(timestampMs, 0)) invalid(action, `operation [${index}] has a malformed timestamp`);
    return {
      seqNo,
      op,
      id,
      source: source as string | null,
      primaryTerm,
      version,
      routing: routing as string | null,
      ...(timestampMs !== null ? { timestampMs: timestampMs as number } : {}),
    };
  });
}
