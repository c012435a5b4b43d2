/**
 * The search thread pool (I/O shell): worker threads that run shards' query phases
 * (`runShardQuery`: scoring, top hits, sort values, aggregation partials) over segments in shared
 * memory, so that searches use every core while the main thread parses, authorizes, merges,
 * fetches and renders. Elasticsearch's `thread_pool.search.size` names it (default: the cores).
 *
 * Each worker is sent a segment's description once (shared-segment.ts: typed arrays shared, terms
 * as UTF-8 bytes), then jobs that name segments by key with the request's live docs, statistics
 * and parsed request. A job comes back as the shard result, as an EsError (a 400 the query
 * phase raised), or as "inline": the worker could not run it (it reads `_id`s or `_source`s, its
 * request or result is not plain data, or a bug threw) and the caller runs it on the main thread,
 * which then answers exactly as it did before the pool. A job naming a segment still on the
 * heap also runs there, and asks its searcher to share the segments (in the following turns).
 * Cancellation sets a shared flag the
 * worker's collectors read with the timeout, and the caller stops waiting at once; a worker that
 * dies fails its running jobs (500 shard failures) and is replaced.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { errors } from '../../common/errors.js';
import { spawnModuleWorker } from '../../common/module-worker.js';
import { describeSharedSegment, segmentCoreOf, sharedLiveDocs, type SharedSegmentDescription } from '../engine/shared-segment.js';
import type { Segment } from '../engine/segment.js';
import { parseErrorBody } from '../../transport/message.js';
import type { QueryNode } from '../query/ast.js';
import { rememberRenderedAggregations, withLazyPartials, type RenderedAggregations } from '../query/prerendered-aggregations.js';
import type { SearchRequest, ShardResult, ShardSearchContext } from '../query/search.js';
import { ShardCosts } from './shard-cost.js';

/** Limits of the search pool (style P4). */
export const searchPoolLimits = {
  /** `thread_pool.search.size` at most (Elasticsearch bounds it by the cores; we allow some more). */
  sizeMax: 64,
  /** Jobs waiting or running per worker before a shard runs on the main thread instead (Elasticsearch's search queue is 1,000 per node). */
  jobsPerWorkerMax: 1_000,
} as const;

/** `thread_pool.search.size` (validated by the node settings schema): default one worker per core, at most `sizeMax`. */
export function searchPoolSize(setting: unknown, cores = availableParallelism()): number {
  if (typeof setting === 'string' && setting !== '') return Number(setting);
  return Math.min(cores, searchPoolLimits.sizeMax);
}

/** One shard's query phase, as the pool runs it (see query/shard-query.ts). */
export interface ShardJob {
  /**
   * Its BM25 statistics are those of these segments' postings (`computeShardStats`), which the
   * worker computes itself (statistics are functions over the segments): a search with other
   * statistics (`dfs_query_then_fetch`) runs on the main thread.
   */
  readonly segments: readonly Segment[];
  /** Its query with the alias filter already in it. */
  readonly request: SearchRequest;
  /** The query narrowed by `post_filter` (undefined: none). */
  readonly postFiltered: QueryNode | undefined;
  /** Without `interrupted`: the worker adds its own. */
  readonly context: Omit<ShardSearchContext, 'interrupted'>;
  /** Asks for the shard's segments in shared memory: called when one is not yet (this job then runs on the main thread). */
  readonly share?: () => void;
}

export interface JobSegment {
  readonly key: number;
  readonly liveDocs: Uint32Array | null;
  readonly liveDocCount: number;
}

export type ToWorker =
  | { readonly type: 'segment'; readonly description: SharedSegmentDescription }
  | { readonly type: 'release'; readonly key: number }
  | {
      readonly type: 'job';
      readonly id: number;
      readonly segments: readonly JobSegment[];
      readonly request: SearchRequest;
      readonly postFiltered: QueryNode | undefined;
      readonly context: Omit<ShardSearchContext, 'interrupted'>;
      /** Element 0 becomes 1 when the job is cancelled. */
      readonly interrupt: Int32Array;
    };

export type FromWorker =
  /** Sent once, when the worker has loaded its modules: until then its shards run on the main thread. */
  | { readonly kind: 'ready' }
  /** `aggregations`: the search's aggregations reduced and rendered from this one shard's (prerendered-aggregations.ts). */
  | {
      readonly id: number;
      readonly kind: 'result';
      readonly result: ShardResult;
      readonly aggregations?: RenderedAggregations;
      /** The result's aggregation partials as JSON text (sent so when `aggregations` is, and JSON holds them exactly). */
      readonly partialsJson?: string;
      /** How long the query phase (and rendering) took on the worker, in µs (shard-cost.ts). */
      readonly micros?: number;
    }
  /** `error`: the EsError as a transport error frame carries it (transport/message.ts): plain data. */
  | { readonly id: number; readonly kind: 'error'; readonly error: Record<string, unknown> }
  | { readonly id: number; readonly kind: 'inline'; readonly reason: string };

/**
 * True when structured cloning keeps `value` as it is: primitives, plain objects and arrays,
 * Maps, Sets, RegExps, Dates and typed arrays. A function or a class instance (whose prototype a
 * clone loses) is not; such a request runs on the main thread, and such a result is redone there.
 */
export function isPlainData(value: unknown, seen: Set<object> = new Set()): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol';
  if (seen.has(value)) return true;
  seen.add(value);
  if (Array.isArray(value)) return value.every((item) => isPlainData(item, seen));
  if (ArrayBuffer.isView(value) || value instanceof RegExp || value instanceof Date) return true;
  if (value instanceof Map) {
    for (const [key, item] of value) if (!isPlainData(key, seen) || !isPlainData(item, seen)) return false;
    return true;
  }
  if (value instanceof Set) {
    for (const item of value) if (!isPlainData(item, seen)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key of Object.keys(value)) if (!isPlainData((value as Record<string, unknown>)[key], seen)) return false;
  return true;
}

/** Plain-data answers per request part (parts are immutable and shared by a request's shards). */
const plainParts = new WeakMap<object, boolean>();
function isPlainPart(part: unknown): boolean {
  if (part === null || typeof part !== 'object') return isPlainData(part);
  let plain = plainParts.get(part);
  if (plain === undefined) {
    plain = isPlainData(part);
    plainParts.set(part, plain);
  }
  return plain;
}

interface PendingJob {
  readonly job: ShardJob;
  /** The main thread's time posting it, in µs (with the answer's handling: a hop's cost). */
  postMicros: number;
  /** The job's aggregation nodes (the main thread's array), which rendered aggregations answer for. */
  readonly aggregations: SearchRequest['aggregations'];
  readonly resolve: (result: ShardResult | undefined) => void;
  readonly reject: (error: unknown) => void;
  readonly interrupt: Int32Array;
}

class PoolWorker {
  readonly worker: Worker;
  /** Segment keys this worker has been sent. */
  readonly known = new Set<number>();
  readonly pending = new Map<number, PendingJob>();
  alive = true;
  ready = false;

  constructor(
    readonly number: number,
    onExit: (worker: PoolWorker, reason: string) => void,
    onAnswer: () => void,
    costs: ShardCosts,
  ) {
    this.worker = spawnSearchWorker();
    this.worker.unref();
    this.worker.on('message', (message: FromWorker) => {
      if (message.kind === 'ready') {
        this.ready = true;
        return;
      }
      const job = this.pending.get(message.id);
      if (job === undefined) return;
      this.pending.delete(message.id);
      onAnswer();
      const answerStarted = performance.now();
      if (message.kind === 'result') {
        if (message.micros !== undefined) costs.observe(job.job, message.micros);
        const result = message.partialsJson === undefined ? message.result : withLazyPartials(message.result, message.partialsJson);
        if (message.aggregations !== undefined) rememberRenderedAggregations(result, job.aggregations, message.aggregations);
        job.resolve(result);
      }
      else if (message.kind === 'inline') job.resolve(undefined);
      else {
        // A frame that does not parse cannot come from our worker; the main thread then answers.
        const error = parseErrorBody(message.error);
        if (error === undefined) job.resolve(undefined);
        else job.reject(error);
      }
      costs.observeHop(job.postMicros + (performance.now() - answerStarted) * 1000);
    });
    this.worker.on('error', (error: Error) => onExit(this, error.message));
    this.worker.on('exit', (code: number) => onExit(this, `exit code [${code}]`));
  }
}

/** A worker thread running search-worker.ts (from source through tsx in tests and the bench). */
function spawnSearchWorker(): Worker {
  return spawnModuleWorker(import.meta.url, 'search-worker');
}

/** What `_cat/thread_pool` shows of the search pool (Elasticsearch's thread pool stats). */
export interface SearchPoolStats {
  /** `thread_pool.search.size`. */
  readonly size: number;
  /** Worker threads running now (they start with the first search). */
  readonly threads: number;
  /** Workers running a job. */
  readonly active: number;
  /** Jobs sent to a busy worker, waiting for it. */
  readonly queue: number;
  /** Most workers ever running at once. */
  readonly largest: number;
  /** Jobs a worker answered (a result, an error, or a hand-back to the main thread). */
  readonly completed: number;
}

export class SearchPool {
  private readonly workers: PoolWorker[] = [];
  private nextJobId = 1;
  private completed = 0;
  private largest = 0;
  private closed = false;
  /** Segment cores sent to some worker: when one is collected, the workers drop their views of it. */
  private readonly released = new FinalizationRegistry<number>((key) => {
    this.registered.delete(key);
    for (const worker of this.workers) {
      if (!worker.known.delete(key) || !worker.alive) continue;
      worker.worker.postMessage({ type: 'release', key } satisfies ToWorker);
    }
  });
  private readonly registered = new Set<number>();
  /** Measured query phase costs: what is cheaper than a hop runs on the main thread (shard-cost.ts). */
  private readonly costs = new ShardCosts();

  constructor(
    readonly size: number,
    private readonly onWorkerExit: (number: number, reason: string) => void = () => undefined,
  ) {}

  /**
   * Workers start with the first search (a node that never searches, as most test nodes, starts
   * none); until they have loaded, shards run on the main thread.
   */
  private start(): void {
    if (this.workers.length > 0 || this.closed) return;
    for (let number = 0; number < this.size; number++) this.workers.push(this.spawn(number));
    this.largest = this.size;
  }

  private spawn(number: number): PoolWorker {
    return new PoolWorker(
      number,
      (worker, reason) => this.workerExited(worker, reason),
      () => (this.completed += 1),
      this.costs,
    );
  }

  private workerExited(worker: PoolWorker, reason: string): void {
    if (!worker.alive) return;
    worker.alive = false;
    const failure = errors.internal(`search worker [${worker.number}] stopped while running a query phase: ${reason}`);
    for (const job of worker.pending.values()) job.reject(failure);
    worker.pending.clear();
    if (this.closed) return;
    this.onWorkerExit(worker.number, reason);
    // A new thread takes its place (it is sent segments again as jobs name them).
    this.workers[worker.number] = this.spawn(worker.number);
  }

  /**
   * Runs a shard's query phase on a worker. Resolves to undefined when it must run on the main
   * thread instead (see the file comment); rejects with an EsError the query phase raised, with a
   * 500 when the worker died, and with `signal`'s reason once it aborts.
   */
  run(job: ShardJob, signal?: AbortSignal): Promise<ShardResult | undefined> {
    this.start();
    if (this.closed) return Promise.resolve(undefined);
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    const { request } = job;
    if (!isPlainPart(request.query) || !isPlainPart(request.aggregations) || !isPlainPart(request.sort) || !isPlainPart(request.searchAfter) || !isPlainPart(job.postFiltered) || request.runtimeFields !== undefined) {
      return Promise.resolve(undefined);
    }
    // No worker ready (they are still loading, or all are full): the shard runs on the main
    // thread, and no segment is described (a description encodes every term) for nobody.
    const worker = this.leastBusy();
    if (worker === undefined || worker.pending.size >= searchPoolLimits.jobsPerWorkerMax) return Promise.resolve(undefined);
    const segments: JobSegment[] = [];
    const descriptions: SharedSegmentDescription[] = [];
    for (const segment of job.segments) {
      const description = describeSharedSegment(segment);
      if (description === undefined) {
        job.share?.();
        return Promise.resolve(undefined);
      }
      descriptions.push(description);
      segments.push({ key: description.key, liveDocs: sharedLiveDocs(segment.liveDocs), liveDocCount: segment.liveDocCount });
      if (!this.registered.has(description.key)) {
        this.registered.add(description.key);
        this.released.register(segmentCoreOf(segment), description.key);
      }
    }
    for (const description of descriptions) {
      if (worker.known.has(description.key)) continue;
      worker.known.add(description.key);
      worker.worker.postMessage({ type: 'segment', description } satisfies ToWorker);
    }
    const id = this.nextJobId++;
    const interrupt = new Int32Array(new SharedArrayBuffer(4));
    return new Promise<ShardResult | undefined>((resolve, reject) => {
      const onAbort = (): void => {
        Atomics.store(interrupt, 0, 1);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      const pending: PendingJob = {
        job,
        postMicros: 0,
        aggregations: request.aggregations,
        interrupt,
        resolve: (result) => {
          done();
          resolve(result);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      worker.pending.set(id, pending);
      const posting = performance.now();
      worker.worker.postMessage({ type: 'job', id, segments, request, postFiltered: job.postFiltered, context: job.context, interrupt } satisfies ToWorker);
      pending.postMicros = (performance.now() - posting) * 1000;
    });
  }

  /**
   * True when this job was measured cheaper than a hop to a worker (shard-cost.ts): the caller
   * runs it on the main thread (and reports the time through `observeMainThread`).
   */
  prefersMainThread(job: ShardJob): boolean {
    return this.costs.prefersMainThread(job);
  }

  /** The job's measured cost in µs (undefined: never measured). */
  estimateMicros(job: ShardJob): number | undefined {
    return this.costs.estimate(job);
  }

  /** What a hop to a worker costs the main thread, in µs (measured; the prior until then). */
  hopMicros(): number {
    return this.costs.hopMicros;
  }

  /** A run of the job's query phase on the main thread took `micros`. */
  observeMainThread(job: ShardJob, micros: number): void {
    this.costs.observe(job, micros);
  }

  private leastBusy(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const worker of this.workers) if (worker.alive && worker.ready && (best === undefined || worker.pending.size < best.pending.size)) best = worker;
    return best;
  }

  stats(): SearchPoolStats {
    const alive = this.workers.filter((worker) => worker.alive);
    return {
      size: this.size,
      threads: alive.length,
      active: alive.filter((worker) => worker.pending.size > 0).length,
      queue: alive.reduce((sum, worker) => sum + Math.max(0, worker.pending.size - 1), 0),
      largest: this.largest,
      completed: this.completed,
    };
  }

  /** Resolves once every worker has started (tests; searches do not wait: they run inline meanwhile). */
  async started(): Promise<void> {
    this.start();
    while (this.workers.some((worker) => !worker.ready)) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** Stops a worker as if it had crashed (tests of the failure path). */
  terminateWorker(number: number): Promise<number> {
    return this.workers[number]!.worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.worker.terminate()));
  }
}
