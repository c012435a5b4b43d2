/**
 * Async search (bookkeeping core; time and randomness are inputs): a submitted search runs in the
 * background, its answer is kept until its keep-alive passes, and the submitter (or a
 * caller with a cancelling privilege, decided by the route) may fetch it, ask its status or
 * delete it. Deleting a running search aborts it: its AbortSignal fires, which the cross-cluster
 * coordinator forwards to the work it started. Running searches live in this node's memory; kept
 * results are stored durably (AsyncSearchResults, the node database in place of Elasticsearch's
 * `.async-search` index), so they survive a restart until their keep-alive passes.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/async-search.html
 */
import { assert, EsError, errors } from '../common/index.js';
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
  /** Elasticsearch's default `search.max_async_search_response_size` (10mb): the largest result stored. */
  storedBytesMax: 10 * 1024 * 1024,
} as const;

export type AsyncSearchOwner = ScrollOwner;

/**
 * What a finished search produced: a search response body, or the error it failed with (its
 * status and rendered cause, so that it reads back the same from the durable store).
 */
export type AsyncSearchOutcome =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: number; readonly cause: Record<string, unknown> };

/** A finished async search as the durable store keeps it (the owner is an identity, never a credential). */
export interface StoredAsyncSearch {
  readonly id: string;
  readonly owner: AsyncSearchOwner;
  readonly startMs: number;
  readonly expiresAtMs: number;
  readonly completionMs: number;
  readonly outcome: AsyncSearchOutcome;
}

/**
 * Where finished async searches are kept across restarts (Elasticsearch's `.async-search` index);
 * src/search/async-search-results.ts keeps them in the node database.
 */
export interface AsyncSearchResults {
  /** Stores (or replaces) one result in one commit; false, writing nothing, when it encodes to more than `bytesMax`. */
  put(result: StoredAsyncSearch, bytesMax: number): boolean;
  get(id: string): StoredAsyncSearch | undefined;
  setExpiration(id: string, expiresAtMs: number): boolean;
  remove(id: string): boolean;
  /** Removes every result whose expiration is at or before `nowMs`; returns how many. */
  removeExpired(nowMs: number): number;
  count(): number;
}

/** A search this node is running (or has just finished and not yet stored or forgotten). */
interface Entry {
  readonly id: string;
  readonly owner: AsyncSearchOwner;
  readonly startMs: number;
  expiresAtMs: number;
  completionMs: number | undefined;
  outcome: AsyncSearchOutcome | undefined;
  /** The submit answered with this id while the search ran: its result is stored when it finishes. */
  handedOut: boolean;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/** What a lookup finds: a running entry, or a stored result. */
type Found = { readonly running: Entry } | { readonly stored: StoredAsyncSearch };

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
function isPartial(outcome: AsyncSearchOutcome): boolean {
  if (!outcome.ok) return true;
  const shards = outcome.body['_shards'] as { failed?: number } | undefined;
  return outcome.body['timed_out'] === true || (shards?.failed ?? 0) > 0;
}

function failureOf(error: EsError): AsyncSearchOutcome {
  return { ok: false, status: error.status, cause: error.toCause() };
}

/**
 * Elasticsearch's refusal to store a result over `search.max_async_search_response_size`. Strait
 * has no such setting (the limit is asyncSearchLimits.storedBytesMax), so the reason keeps only
 * Elasticsearch's first sentence, not its advice to change the setting.
 */
function tooLargeToStore(bytesMax: number): EsError {
  return errors.illegalArgument(`Can't store an async search response larger than [${bytesMax}] bytes.`);
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

/**
 * The async searches of one node. Running searches live in memory (a search cannot outlive the
 * node that runs it: after a restart its id is unknown, 404, as in Elasticsearch when the
 * `.async-search` document is absent). A finished search that is kept (`keep_on_completion`, or
 * its submit answered while it ran) moves to `results`, the durable store, and is answered from
 * there until its keep-alive passes, across restarts. Clock and ids are inputs.
 */
export class AsyncSearchStore {
  private readonly running = new Map<string, Entry>();
  private closed = false;

  constructor(
    private readonly results: AsyncSearchResults,
    private readonly nowMs: () => number,
    private readonly randomId: () => string,
    private readonly entriesMax: number = asyncSearchLimits.entriesMax,
    private readonly storedBytesMax: number = asyncSearchLimits.storedBytesMax,
  ) {
    // Results that expired while the node was down go at once, not at the first sweep.
    results.removeExpired(nowMs());
  }

  /** Running and stored async searches. */
  get size(): number {
    return this.running.size + this.results.count();
  }

  /**
   * Starts `run` (on a later tick, so a submit never blocks on the search itself) and waits up
   * to `waitMs` for it. A search that finished in time and is not kept is answered without an
   * id and forgotten, as Elasticsearch does; one that is kept is stored before the answer.
   */
  async submit(run: (signal: AbortSignal) => Promise<Record<string, unknown>>, options: AsyncSubmitOptions): Promise<{ status: number; body: Record<string, unknown> }> {
    const now = this.nowMs();
    this.sweep(now);
    if (this.size >= this.entriesMax) {
      throw new EsError(429, 'es_rejected_execution_exception', `too many async searches are open [${this.entriesMax}]; delete some or lower their keep_alive`);
    }
    const controller = new AbortController();
    const id = this.randomId();
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const entry: Entry = { id, owner: options.owner, startMs: now, expiresAtMs: now + options.keepAliveMs, completionMs: undefined, outcome: undefined, handedOut: false, controller, done };
    this.running.set(id, entry);
    setImmediate(() => {
      const finish = (outcome: AsyncSearchOutcome): void => {
        entry.outcome = outcome;
        entry.completionMs = this.nowMs();
        if (entry.handedOut) this.storeFinished(entry);
        resolveDone();
      };
      if (controller.signal.aborted) return finish(failureOf(cancelled()));
      // A search that throws at once fails like one that rejects later.
      Promise.resolve().then(() => run(controller.signal)).then(
        (body) => finish({ ok: true, body }),
        (error: unknown) => finish(failureOf(error instanceof EsError ? error : errors.illegalState(error instanceof Error ? error.message : String(error)))),
      );
    });
    await Promise.race([done, delay(options.waitMs, controller.signal)]);
    if (entry.outcome === undefined) {
      entry.handedOut = true;
      return this.render(entry, true);
    }
    this.running.delete(id);
    if (!options.keepOnCompletion) return this.render(entry, false);
    // As Elasticsearch, a kept result too large to store fails the submit and is not kept.
    if (!this.results.put(storedOf(entry), this.storedBytesMax)) throw tooLargeToStore(this.storedBytesMax);
    return this.render(entry, true);
  }

  /**
   * Moves a finished, handed-out search to the durable store. One deleted, expired or closed
   * meanwhile is not stored. A result too large to store is stored as that failure, as
   * Elasticsearch does; one the database refuses stays in memory (its answer is still right,
   * only not durable) since no request is there to fail.
   */
  private storeFinished(entry: Entry): void {
    if (this.closed || this.running.get(entry.id) !== entry) return;
    try {
      if (!this.results.put(storedOf(entry), this.storedBytesMax)) {
        entry.outcome = failureOf(tooLargeToStore(this.storedBytesMax));
        this.results.put(storedOf(entry), Number.MAX_SAFE_INTEGER);
      }
      this.running.delete(entry.id);
    } catch {
      // Kept in memory: see above.
    }
  }

  /** The live search of this id (running or stored), or undefined; expired ones are gone. */
  private find(entryId: string): Found | undefined {
    this.sweep(this.nowMs());
    const running = this.running.get(entryId);
    if (running !== undefined) return { running };
    const stored = this.results.get(entryId);
    return stored === undefined ? undefined : { stored };
  }

  /** The search for the owner, or Elasticsearch's 404 (a stranger's id looks missing). */
  private owned(id: string, owner: AsyncSearchOwner | 'any'): Found {
    const found = this.find(decodeAsyncId(id));
    if (found === undefined || (owner !== 'any' && !sameOwner(viewOf(found).owner, owner))) throw errors.resourceNotFound(id);
    return found;
  }

  /** Sets the expiration to `now + keepAliveMs` (a `keep_alive` on get or status). */
  private renew(found: Found, keepAliveMs: number): Found {
    const expiresAtMs = this.nowMs() + keepAliveMs;
    if ('running' in found) {
      found.running.expiresAtMs = expiresAtMs;
      return found;
    }
    this.results.setExpiration(found.stored.id, expiresAtMs);
    return { stored: { ...found.stored, expiresAtMs } };
  }

  /** `GET _async_search/{id}`: waits up to `waitMs` (default none), renews the keep-alive when given. */
  async get(id: string, owner: AsyncSearchOwner, options: { waitMs: number; keepAliveMs: number | undefined }): Promise<{ status: number; body: Record<string, unknown> }> {
    let found = this.owned(id, owner);
    if (options.keepAliveMs !== undefined) found = this.renew(found, options.keepAliveMs);
    if ('running' in found && found.running.outcome === undefined && options.waitMs > 0) {
      await Promise.race([found.running.done, delay(options.waitMs, found.running.controller.signal)]);
      // Meanwhile it may have been stored, deleted or expired.
      found = this.owned(id, owner);
    }
    return this.render(viewOf(found), true);
  }

  /** `GET _async_search/status/{id}`: state without the hits. */
  status(id: string, owner: AsyncSearchOwner | 'any', keepAliveMs?: number): Record<string, unknown> {
    let found = this.owned(id, owner);
    if (keepAliveMs !== undefined) found = this.renew(found, keepAliveMs);
    const view = viewOf(found);
    const body: Record<string, unknown> = {
      id: encodeAsyncId(view.id),
      is_running: view.outcome === undefined,
      is_partial: view.outcome === undefined ? true : isPartial(view.outcome),
      start_time_in_millis: view.startMs,
      expiration_time_in_millis: view.expiresAtMs,
    };
    if (view.outcome !== undefined) body['completion_time_in_millis'] = view.completionMs;
    if (view.outcome?.ok === true) {
      const shards = view.outcome.body['_shards'] as Record<string, unknown> | undefined;
      if (shards !== undefined) body['_shards'] = { total: shards['total'], successful: shards['successful'], skipped: shards['skipped'], failed: shards['failed'] };
      if (view.outcome.body['_clusters'] !== undefined) body['_clusters'] = view.outcome.body['_clusters'];
      body['completion_status'] = 200;
    } else if (view.outcome !== undefined) {
      body['completion_status'] = view.outcome.status;
    }
    return body;
  }

  /** Whether `owner` submitted this search (undefined when there is no such search). */
  isOwner(id: string, owner: AsyncSearchOwner): boolean | undefined {
    const found = this.find(decodeAsyncId(id));
    return found === undefined ? undefined : sameOwner(viewOf(found).owner, owner);
  }

  /** `DELETE _async_search/{id}`: aborts a running search and forgets it, stored or not. */
  delete(id: string, owner: AsyncSearchOwner | 'any'): Record<string, unknown> {
    const found = this.owned(id, owner);
    if ('running' in found) {
      this.running.delete(found.running.id);
      if (found.running.outcome === undefined) found.running.controller.abort(cancelled());
    } else {
      this.results.remove(found.stored.id);
    }
    return { acknowledged: true };
  }

  /** Drops expired searches (a running one is aborted first), stored ones too; returns how many. */
  sweep(nowMs: number): number {
    let dropped = 0;
    for (const [id, entry] of this.running) {
      if (entry.expiresAtMs > nowMs) continue;
      this.running.delete(id);
      if (entry.outcome === undefined) entry.controller.abort(cancelled());
      dropped++;
    }
    return dropped + this.results.removeExpired(nowMs);
  }

  /** Aborts the running searches (they are not stored: a restart forgets them); stored results stay. */
  close(): void {
    this.closed = true;
    for (const entry of this.running.values()) if (entry.outcome === undefined) entry.controller.abort(cancelled());
    this.running.clear();
  }

  private render(view: View, withId: boolean): { status: number; body: Record<string, unknown> } {
    const body: Record<string, unknown> = {};
    if (withId) body['id'] = encodeAsyncId(view.id);
    const outcome = view.outcome;
    body['is_partial'] = outcome === undefined ? true : isPartial(outcome);
    body['is_running'] = outcome === undefined;
    body['start_time_in_millis'] = view.startMs;
    body['expiration_time_in_millis'] = view.expiresAtMs;
    if (outcome === undefined) {
      // Strait reduces once, at the end: while running there are no partial hits to show yet.
      body['response'] = {
        took: this.nowMs() - view.startMs,
        timed_out: false,
        num_reduce_phases: 0,
        hits: { total: { value: 0, relation: 'gte' }, max_score: null, hits: [] },
      };
      return { status: 200, body };
    }
    body['completion_time_in_millis'] = view.completionMs;
    if (outcome.ok) {
      body['response'] = outcome.body;
      return { status: 200, body };
    }
    body['error'] = outcome.cause;
    return { status: outcome.status, body };
  }
}

/** The fields rendering needs, from a running entry or a stored result alike. */
interface View {
  readonly id: string;
  readonly owner: AsyncSearchOwner;
  readonly startMs: number;
  readonly expiresAtMs: number;
  readonly completionMs: number | undefined;
  readonly outcome: AsyncSearchOutcome | undefined;
}

function viewOf(found: Found): View {
  return 'running' in found ? found.running : found.stored;
}

function storedOf(entry: Entry): StoredAsyncSearch {
  assert(entry.outcome !== undefined && entry.completionMs !== undefined, 'only a finished async search is stored');
  return { id: entry.id, owner: entry.owner, startMs: entry.startMs, expiresAtMs: entry.expiresAtMs, completionMs: entry.completionMs, outcome: entry.outcome };
}

/** The cause a deleted (or expired) running search ends with, as Elasticsearch's cancelled tasks. */
export function cancelled(): EsError {
  return new EsError(400, 'task_cancelled_exception', 'cancelled');
}
