/**
 * Measured costs of shard query phases, by what the shard runs (search-pool.ts). A shard job sent
 * to a worker costs the main thread a structured clone and a message each way (and the search
 * two thread wake-ups of latency): for a query phase that itself takes a few microseconds (a
 * rare term, a match on a small index), that hop costs the main thread more than the work. So a
 * job whose measured cost is below the hop's (also measured) runs on the main thread instead; everything else, and
 * everything never measured, goes to the pool. The choice moves work only: the main thread and
 * a worker run the same `runShardQuery` and answer the same (search-pool.ts), so a wrong estimate
 * costs time, never a different answer. Pure (the caller measures).
 */
import type { ShardJob } from './search-pool.js';

/** Limits of the estimates (style P4). */
export const shardCostLimits = {
  /**
   * A query phase measured at most as long as a hop costs the main thread (posting the job and
   * taking its answer, measured by the pool) runs on the main thread: there it costs that thread
   * no more than the hop would. This is the hop's cost until one is measured (about 50 µs on
   * the bench machine).
   */
  inlineMicrosMax: 50,
  /**
   * The most a hop is taken to cost, whatever was measured: measurements are wall times, and a
   * thread descheduled in the middle of a postMessage (a loaded machine) would otherwise make
   * every query look cheaper than a hop, and, with nothing sent any more, keep that estimate.
   */
  hopMicrosMax: 100,
  /** Distinct shard jobs remembered (the oldest go first). */
  entriesMax: 2_000,
  /** Weight of the newest measurement in the running estimate (an index that grows makes a cheap query dear). */
  newestWeight: 0.25,
} as const;

/**
 * What identifies "the same work": the index, the shard and the whole parsed request (query,
 * sort, size, aggregations, post filter), without the clock. Undefined when it cannot be written
 * as JSON (such a job is never estimated: it goes to the pool as before).
 */
export function shardCostKey(job: ShardJob): string | undefined {
  try {
    return `${job.context.indexName}\u0000${job.context.shardKey}\u0000${JSON.stringify(job.request)}\u0000${JSON.stringify(job.postFiltered) ?? ''}`;
  } catch {
    // BigInt values, cycles: no estimate.
    return undefined;
  }
}

export class ShardCosts {
  private readonly micros = new Map<string, number>();
  /** A job's key, computed once (the batch asks where to run it, then the run records its cost). */
  private readonly keys = new WeakMap<ShardJob, string | null>();

  constructor(
    private readonly inlineMicrosMax: number = shardCostLimits.inlineMicrosMax,
    private readonly entriesMax: number = shardCostLimits.entriesMax,
  ) {}

  private keyOf(job: ShardJob): string | undefined {
    let key = this.keys.get(job);
    if (key === undefined) this.keys.set(job, (key = shardCostKey(job) ?? null));
    return key ?? undefined;
  }

  /** The running estimate for this job, in µs (undefined: never measured). */
  estimate(job: ShardJob): number | undefined {
    const key = this.keyOf(job);
    return key === undefined ? undefined : this.micros.get(key);
  }

  /**
   * The main thread's own cost of a hop to a worker (posting the job, taking its answer), in µs:
   * measured by the pool, `inlineMicrosMax` until then.
   */
  private hop: number | undefined;

  get hopMicros(): number {
    return Math.min(this.hop ?? this.inlineMicrosMax, shardCostLimits.hopMicrosMax);
  }

  /** One hop's main-thread time, in µs (counted as at most `hopMicrosMax`). */
  observeHop(micros: number): void {
    if (!Number.isFinite(micros) || micros < 0) return;
    const sample = Math.min(micros, shardCostLimits.hopMicrosMax);
    this.hop = this.hop === undefined ? sample : this.hop + (sample - this.hop) * shardCostLimits.newestWeight;
  }

  /** True when this job was measured cheaper than a pool hop costs the main thread. */
  prefersMainThread(job: ShardJob): boolean {
    const estimate = this.estimate(job);
    return estimate !== undefined && estimate <= this.hopMicros;
  }

  /** One measured run of the job's query phase (on a worker or on the main thread), in µs. */
  observe(job: ShardJob, micros: number): void {
    if (!Number.isFinite(micros) || micros < 0) return;
    const key = this.keyOf(job);
    if (key === undefined) return;
    const previous = this.micros.get(key);
    if (previous === undefined) {
      if (this.micros.size >= this.entriesMax) {
        const oldest = this.micros.keys().next();
        if (!oldest.done) this.micros.delete(oldest.value);
      }
      this.micros.set(key, micros);
      return;
    }
    this.micros.set(key, previous + (micros - previous) * shardCostLimits.newestWeight);
  }

  get size(): number {
    return this.micros.size;
  }
}
