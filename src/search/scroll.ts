/**
 * Scroll contexts (pure bookkeeping; time is an input): each open scroll keeps the frozen search
 * it pages through until its keep-alive passes without use, it is cleared, or the node stops.
 * A context belongs to the user who opened it: another caller gets "no search context found",
 * as Elasticsearch answers, so scroll ids cannot be used to read someone else's results.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/paginate-search-results.html#scroll-search-results
 */
import { errors } from '../common/index.js';
import { formatTimeValue } from './time-value.js';

export const scrollLimits = {
  /** Elasticsearch's search.max_open_scroll_context default. */
  contextsMax: 500,
  /** Elasticsearch's search.max_keep_alive default (24h). */
  keepAliveMsMax: 24 * 60 * 60 * 1000,
  /** Ours: hits one scroll may page through (each kept hit costs about 100 bytes). */
  hitsMax: 1_000_000,
} as const;

export interface ScrollOwner {
  readonly username: string;
  readonly realm: string;
}

interface Entry<T> {
  readonly owner: ScrollOwner;
  readonly value: T;
  keepAliveMs: number;
  expiresAtMs: number;
}

const scrollIdPrefix = 'strait-scroll:';

/** An opaque id we issue (scroll, point in time, async search): `prefix` + `body`, base64url. */
export function encodeOpaqueId(prefix: string, body: string): string {
  return Buffer.from(`${prefix}${body}`, 'utf8').toString('base64url');
}

/** The non-empty body of an id `encodeOpaqueId(prefix, ..)` issued, or undefined for any other string. */
export function opaqueIdBody(prefix: string, id: string): string | undefined {
  const text = /^[A-Za-z0-9_-]+=*$/.test(id) ? Buffer.from(id, 'base64url').toString('utf8') : '';
  return text.startsWith(prefix) && text.length > prefix.length ? text.slice(prefix.length) : undefined;
}

export function encodeScrollId(contextId: string): string {
  return encodeOpaqueId(scrollIdPrefix, contextId);
}

/** The context id in a scroll id; throws Elasticsearch's 400 for anything we did not issue. */
export function decodeScrollId(scrollId: string): string {
  const contextId = opaqueIdBody(scrollIdPrefix, scrollId);
  if (contextId === undefined) throw errors.illegalArgument('Cannot parse scroll id');
  return contextId;
}

export function checkKeepAlive(keepAliveMs: number): void {
  if (keepAliveMs > scrollLimits.keepAliveMsMax) {
    throw errors.illegalArgument(
      `Keep alive for request (${formatTimeValue(keepAliveMs)}) is too large. It must be less than (${formatTimeValue(scrollLimits.keepAliveMsMax)}). This limit can be set by changing the [search.max_keep_alive] cluster level setting.`,
    );
  }
}

function sameOwner(left: ScrollOwner, right: ScrollOwner): boolean {
  return left.username === right.username && left.realm === right.realm;
}

export class ScrollRegistry<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly contextsMax: number = scrollLimits.contextsMax) {}

  get size(): number {
    return this.entries.size;
  }

  /** Registers a context; throws 429 when too many are open (after dropping expired ones). */
  open(contextId: string, owner: ScrollOwner, value: T, keepAliveMs: number, nowMs: number): void {
    checkKeepAlive(keepAliveMs);
    this.sweep(nowMs);
    if (this.entries.size >= this.contextsMax) throw errors.tooManyScrollContexts(this.contextsMax);
    this.entries.set(contextId, { owner, value, keepAliveMs, expiresAtMs: nowMs + keepAliveMs });
  }

  /** The live context for this owner (its keep-alive renewed), or undefined. */
  use(contextId: string, owner: ScrollOwner, keepAliveMs: number | undefined, nowMs: number): T | undefined {
    if (keepAliveMs !== undefined) checkKeepAlive(keepAliveMs);
    this.sweep(nowMs);
    const entry = this.entries.get(contextId);
    if (entry === undefined || !sameOwner(entry.owner, owner)) return undefined;
    if (keepAliveMs !== undefined) entry.keepAliveMs = keepAliveMs;
    entry.expiresAtMs = nowMs + entry.keepAliveMs;
    return entry.value;
  }

  /** Frees one context of this owner; false when there was none. */
  free(contextId: string, owner: ScrollOwner): boolean {
    const entry = this.entries.get(contextId);
    if (entry === undefined || !sameOwner(entry.owner, owner)) return false;
    this.entries.delete(contextId);
    return true;
  }

  /** Frees every context (clear scroll `_all`, a cluster privilege). */
  freeAll(): number {
    const count = this.entries.size;
    this.entries.clear();
    return count;
  }

  /** Drops contexts whose keep-alive passed; returns how many. */
  sweep(nowMs: number): number {
    let dropped = 0;
    for (const [id, entry] of this.entries) {
      if (entry.expiresAtMs <= nowMs) {
        this.entries.delete(id);
        dropped++;
      }
    }
    return dropped;
  }
}
