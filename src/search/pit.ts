/**
 * Point in time (bookkeeping; time is an input): a point in time pins each index's searcher
 * snapshot as it was when opened, so later searches naming it see the same documents whatever
 * was written since. It lives until its keep-alive passes without use or it is closed. As in
 * Elasticsearch, the id is not tied to a user: every search through it is authorized on its
 * indices like any search.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/point-in-time-api.html
 */
import { errors } from '../common/index.js';
import type { QueryNode } from '../index/query/index.js';
import type { ShardSnapshot } from '../index/searcher/index.js';
import { checkKeepAlive, encodeOpaqueId, opaqueIdBody, scrollLimits } from './scroll.js';
import { parseTimeValueMs } from './time-value.js';

export const pitActions = {
  open: 'indices:data/read/open_point_in_time',
  close: 'indices:data/read/close_point_in_time',
} as const;

/** One index as the point in time pinned it: the snapshot of each pinned shard, by shard number. */
export interface PinnedIndex {
  readonly name: string;
  readonly uuid: string;
  readonly snapshots: readonly ShardSnapshot[];
  /** Each pinned shard's ordinal in the point in time, by shard number (`_shard_doc` sorts by it first). */
  readonly ordinals?: readonly number[];
  /**
   * The filter of the filtered alias(es) the point in time was opened through: every search
   * through it applies it, as Elasticsearch keeps alias filters in its point in time id.
   */
  readonly aliasFilter?: QueryNode;
}

interface Entry {
  readonly indices: readonly PinnedIndex[];
  keepAliveMs: number;
  expiresAtMs: number;
}

const idPrefix = 'strait-pit:';

export function encodePitId(contextId: string): string {
  return encodeOpaqueId(idPrefix, contextId);
}

/** The context id in a point in time id; Elasticsearch's 400 for an id we could not have issued. */
export function decodePitId(id: string): string {
  const contextId = opaqueIdBody(idPrefix, id);
  if (contextId === undefined) throw errors.illegalArgument(`invalid id: [${id}]`);
  return contextId;
}

/** `keep_alive` of an open point in time request: required, bounded like a scroll's. */
export function parsePitKeepAlive(value: string | undefined): number {
  if (value === undefined) throw errors.actionRequestValidation(['[keep_alive] is not specified']);
  const ms = parseTimeValueMs(value, 'keep_alive');
  checkKeepAlive(ms);
  return ms;
}

export class PointInTimeRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly contextsMax: number = scrollLimits.contextsMax) {}

  get size(): number {
    return this.entries.size;
  }

  open(contextId: string, indices: readonly PinnedIndex[], keepAliveMs: number, nowMs: number): void {
    checkKeepAlive(keepAliveMs);
    this.sweep(nowMs);
    if (this.entries.size >= this.contextsMax) throw errors.tooManyScrollContexts(this.contextsMax);
    this.entries.set(contextId, { indices, keepAliveMs, expiresAtMs: nowMs + keepAliveMs });
  }

  /** The pinned indices (keep-alive renewed, to `keepAliveMs` when given), or undefined when gone. */
  use(contextId: string, keepAliveMs: number | undefined, nowMs: number): readonly PinnedIndex[] | undefined {
    if (keepAliveMs !== undefined) checkKeepAlive(keepAliveMs);
    this.sweep(nowMs);
    const entry = this.entries.get(contextId);
    if (entry === undefined) return undefined;
    if (keepAliveMs !== undefined) entry.keepAliveMs = keepAliveMs;
    entry.expiresAtMs = nowMs + entry.keepAliveMs;
    return entry.indices;
  }

  /** The pinned indices without renewing (closing checks privileges on them first). */
  peek(contextId: string, nowMs: number): readonly PinnedIndex[] | undefined {
    this.sweep(nowMs);
    return this.entries.get(contextId)?.indices;
  }

  /** Frees a point in time: how many shard contexts it held (0 when there was none). */
  close(contextId: string): number {
    const entry = this.entries.get(contextId);
    if (entry === undefined) return 0;
    this.entries.delete(contextId);
    return entry.indices.reduce((sum, index) => sum + index.snapshots.filter((snapshot) => snapshot !== undefined).length, 0);
  }

  sweep(nowMs: number): number {
    let dropped = 0;
    for (const [id, entry] of this.entries) {
      if (entry.expiresAtMs > nowMs) continue;
      this.entries.delete(id);
      dropped++;
    }
    return dropped;
  }

  clear(): void {
    this.entries.clear();
  }
}
