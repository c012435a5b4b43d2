/**
 * Async search (bookkeeping core; time and randomness are inputs): a submitted search runs in the
 * background, its answer is kept in memory until its keep-alive passes, and the submitter (or a
 * caller with a cancelling privilege, decided by the route) may fetch it, ask its status or
 * delete it. Deleting a running search aborts it: its AbortSignal fires, which the cross-cluster
 * coordinator forwards to the work it started. Results live in this node's memory only (not in a
 * `.async-search` index as in Elasticsearch), so they do not survive a restart.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/async-search.html
 */
import { EsError, errors } from '../common/index.js';
import { encodeOpaqueId, opaqueIdBody, type ScrollOwner } from './scroll.js';
import { formatTimeValue, parseTimeValueMs } from './time-value.js';

export const asyncSearchLimits = {
  /** Elasticsearch's default keep_alive of an async search (5d). */
  keepAliveMsDefault: 5 * 24 * 60 * 60 * 1000,
  /** Elasticsearch refuses a keep_alive under one second. */
  keepAliveMsMin: 1000,
  /** Elasticsearch's default wait_for_completion_timeout on submit (1s). */
  submitWaitMsDefault: 1000,
  /** Ours: async searches one node keeps (running or stored) before refusing new ones with 429. */
  entriesMax: 1000,
} as const;

export type AsyncSearchOwner = ScrollOwner;

/** What a finished search produced: a search response body, or the error it failed with. */
type Outcome = { readonly ok: true; readonly body: Record<string, unknown> } | { readonly ok: false; readonly error: EsError };

interface Entry {
  readonly id: string;
  readonly owner: AsyncSearchOwner;
  readonly startMs: number;
  expiresAtMs: number;
  completionMs: number | undefined;
  outcome: Outcome | undefined;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

export interface AsyncSubmitOptions {
  readonly owner: AsyncSearchOwner;
  readonly keepAliveMs: number;
  readonly keepOnCompletion: boolean;
  readonly waitMs: number;
}

/** Parsed `_async_search` submit parameters (the rest are the search's own). */
export interface AsyncSubmitParams {
  readonly keepAliveMs: number;
  readonly keepOnCompletion: boolean;
  readonly waitMs: number;
  /** The parameters left for the search itself. */
  readonly searchParams: Record<string, string>;
}

export const asyncSubmitParamNames = ['wait_for_completion_timeout', 'keep_on_completion', 'keep_alive', 'batched_reduce_size'] as const;

function booleanValue(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw errors.illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
}

/** Reads `keep_alive` (at least 1s, as Elasticsearch's SubmitAsyncSearchRequest validates). */
export function parseAsyncKeepAlive(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTimeValueMs(value, 'keep_alive');
  if (ms < asyncSearchLimits.keepAliveMsMin) throw errors.actionRequestValidation([`[keep_alive] must be greater or equal to [${formatTimeValue(asyncSearchLimits.keepAliveMsMin)}]`]);
  return ms;
}

/** Reads a wait time; `-1` (or absent with no default) waits for nothing. */
export function parseWait(value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const ms = parseTimeValueMs(value, 'wait_for_completion_timeout');
  return ms < 0 ? 0 : ms;
}

/**
 * Splits the submit parameters from the search's. `scroll` is refused as Elasticsearch does
 * (an async search cannot be a scroll); `request_cache` and `batched_reduce_size` are accepted
 * (Strait has no request cache and reduces once, so neither changes the answer).
 */
export function parseAsyncSubmitParams(params: Readonly<Record<string, string>>): AsyncSubmitParams {
  const searchParams: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (!(asyncSubmitParamNames as readonly string[]).includes(name) && name !== 'request_cache') searchParams[name] = value;
  }
  if (params['scroll'] !== undefined) throw errors.actionRequestValidation(['[scroll] queries are not supported']);
  const batched = params['batched_reduce_size'];
  if (batched !== undefined && !(Number.isInteger(Number(batched)) && Number(batched) >= 2)) {
    throw errors.actionRequestValidation(['batchedReduceSize must be >= 2']);
  }
  booleanValue(params['request_cache'], true);
  return {
    keepAliveMs: parseAsyncKeepAlive(params['keep_alive']) ?? asyncSearchLimits.keepAliveMsDefault,
    keepOnCompletion: booleanValue(params['keep_on_completion'], false),
    waitMs: parseWait(params['wait_for_completion_timeout'], asyncSearchLimits.submitWaitMsDefault),
    searchParams,
  };
}

const idPrefix = 'strait-async:';

export function encodeAsyncId(entryId: string): string {
  return encodeOpaqueId(idPrefix, entryId);
}

/** The entry id in an async search id; Elasticsearch's 400 for an id we could not have issued. */
export function decodeAsyncId(id: string): string {
  const entryId = opaqueIdBody(idPrefix, id);
  if (entryId === undefined) throw errors.illegalArgument(`invalid id: [${id}]`);
  return entryId;
}

function sameOwner(left: AsyncSearchOwner, right: AsyncSearchOwner): boolean {
  return left.username === right.username && left.realm === right.realm;
}

/** `is_partial` of a finished search: failed, timed out or missing shards. */
function isPartial(outcome: Outcome): boolean {
  if (!outcome.ok) return true;
  const shards = outcome.body['_shards'] as { failed?: number } | undefined;
  return outcome.body['timed_out'] === true || (shards?.failed ?? 0) > 0;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export class AsyncSearchStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly nowMs: () => number,
    private readonly randomId: () => string,
    private readonly entriesMax: number = asyncSearchLimits.entriesMax,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Starts `run` (on a later tick, so a submit never blocks on the search itself) and waits up
   * to `waitMs` for it. A search that finished in time and is not kept is answered without an
   * id and forgotten, as Elasticsearch does.
   */
  async submit(run: (signal: AbortSignal) => Promise<Record<string, unknown>>, options: AsyncSubmitOptions): Promise<{ status: number; body: Record<string, unknown> }> {
    const now = this.nowMs();
    this.sweep(now);
    if (this.entries.size >= this.entriesMax) {
      throw new EsError(429, 'es_rejected_execution_exception', `too many async searches are open [${this.entriesMax}]; delete some or lower their keep_alive`);
    }
    const controller = new AbortController();
    const id = this.randomId();
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const entry: Entry = { id, owner: options.owner, startMs: now, expiresAtMs: now + options.keepAliveMs, completionMs: undefined, outcome: undefined, controller, done };
    this.entries.set(id, entry);
    setImmediate(() => {
      const finish = (outcome: Outcome): void => {
        entry.outcome = outcome;
        entry.completionMs = this.nowMs();
        resolveDone();
      };
      if (controller.signal.aborted) return finish({ ok: false, error: cancelled() });
      // A search that throws at once fails like one that rejects later.
      Promise.resolve().then(() => run(controller.signal)).then(
        (body) => finish({ ok: true, body }),
        (error: unknown) => finish({ ok: false, error: error instanceof EsError ? error : errors.illegalState(error instanceof Error ? error.message : String(error)) }),
      );
    });
    await Promise.race([done, delay(options.waitMs, controller.signal)]);
    if (entry.outcome !== undefined && !options.keepOnCompletion) {
      this.entries.delete(id);
      return this.render(entry, false);
    }
    return this.render(entry, true);
  }

  private find(id: string): Entry | undefined {
    const entryId = decodeAsyncId(id);
    this.sweep(this.nowMs());
    return this.entries.get(entryId);
  }

  /** The entry for the owner, or Elasticsearch's 404 (a stranger's id looks missing). */
  private owned(id: string, owner: AsyncSearchOwner | 'any'): Entry {
    const entry = this.find(id);
    if (entry === undefined || (owner !== 'any' && !sameOwner(entry.owner, owner))) throw errors.resourceNotFound(id);
    return entry;
  }

  /** `GET _async_search/{id}`: waits up to `waitMs` (default none), renews the keep-alive when given. */
  async get(id: string, owner: AsyncSearchOwner, options: { waitMs: number; keepAliveMs: number | undefined }): Promise<{ status: number; body: Record<string, unknown> }> {
    const entry = this.owned(id, owner);
    if (options.keepAliveMs !== undefined) entry.expiresAtMs = this.nowMs() + options.keepAliveMs;
    if (entry.outcome === undefined && options.waitMs > 0) await Promise.race([entry.done, delay(options.waitMs, entry.controller.signal)]);
    if (!this.entries.has(entry.id)) throw errors.resourceNotFound(id);
    return this.render(entry, true);
  }

  /** `GET _async_search/status/{id}`: state without the hits. */
  status(id: string, owner: AsyncSearchOwner | 'any', keepAliveMs?: number): Record<string, unknown> {
    const entry = this.owned(id, owner);
    if (keepAliveMs !== undefined) entry.expiresAtMs = this.nowMs() + keepAliveMs;
    const body: Record<string, unknown> = {
      id: encodeAsyncId(entry.id),
      is_running: entry.outcome === undefined,
      is_partial: entry.outcome === undefined ? true : isPartial(entry.outcome),
      start_time_in_millis: entry.startMs,
      expiration_time_in_millis: entry.expiresAtMs,
    };
    if (entry.outcome !== undefined) body['completion_time_in_millis'] = entry.completionMs;
    if (entry.outcome?.ok === true) {
      const shards = entry.outcome.body['_shards'] as Record<string, unknown> | undefined;
      if (shards !== undefined) body['_shards'] = { total: shards['total'], successful: shards['successful'], skipped: shards['skipped'], failed: shards['failed'] };
      if (entry.outcome.body['_clusters'] !== undefined) body['_clusters'] = entry.outcome.body['_clusters'];
      body['completion_status'] = 200;
    } else if (entry.outcome !== undefined) {
      body['completion_status'] = entry.outcome.error.status;
    }
    return body;
  }

  /** Whether `owner` submitted this search (undefined when there is no such search). */
  isOwner(id: string, owner: AsyncSearchOwner): boolean | undefined {
    const entry = this.find(id);
    return entry === undefined ? undefined : sameOwner(entry.owner, owner);
  }

  /** `DELETE _async_search/{id}`: aborts a running search and forgets the entry. */
  delete(id: string, owner: AsyncSearchOwner | 'any'): Record<string, unknown> {
    const entry = this.owned(id, owner);
    this.entries.delete(entry.id);
    if (entry.outcome === undefined) entry.controller.abort(cancelled());
    return { acknowledged: true };
  }

  /** Drops expired entries (a running one is aborted first); returns how many. */
  sweep(nowMs: number): number {
    let dropped = 0;
    for (const [id, entry] of this.entries) {
      if (entry.expiresAtMs > nowMs) continue;
      this.entries.delete(id);
      if (entry.outcome === undefined) entry.controller.abort(cancelled());
      dropped++;
    }
    return dropped;
  }

  close(): void {
    for (const entry of this.entries.values()) if (entry.outcome === undefined) entry.controller.abort(cancelled());
    this.entries.clear();
  }

  private render(entry: Entry, withId: boolean): { status: number; body: Record<string, unknown> } {
    const body: Record<string, unknown> = {};
    if (withId) body['id'] = encodeAsyncId(entry.id);
    const outcome = entry.outcome;
    body['is_partial'] = outcome === undefined ? true : isPartial(outcome);
    body['is_running'] = outcome === undefined;
    body['start_time_in_millis'] = entry.startMs;
    body['expiration_time_in_millis'] = entry.expiresAtMs;
    if (outcome === undefined) {
      // Strait reduces once, at the end: while running there are no partial hits to show yet.
      body['response'] = {
        took: this.nowMs() - entry.startMs,
        timed_out: false,
        num_reduce_phases: 0,
        hits: { total: { value: 0, relation: 'gte' }, max_score: null, hits: [] },
      };
      return { status: 200, body };
    }
    body['completion_time_in_millis'] = entry.completionMs;
    if (outcome.ok) {
      body['response'] = outcome.body;
      return { status: 200, body };
    }
    body['error'] = outcome.error.toCause();
    return { status: outcome.error.status, body };
  }
}

/** The cause a deleted (or expired) running search ends with, as Elasticsearch's cancelled tasks. */
export function cancelled(): EsError {
  return new EsError(400, 'task_cancelled_exception', 'cancelled');
}
