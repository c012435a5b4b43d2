/**
 * Measured costs of shard query phases, by what the shard runs (search-pool.ts). A shard job sent
 * to a worker costs the main thread a structured clone, a message each way, a promise and, at
 * concurrency 1, two thread wake-ups: for a query phase that itself takes a few microseconds (a
 * rare term, a match on a small index), that hop costs more than the work. So a job whose
 * measured cost is below the hop's runs on the main thread instead; everything else, and
 * everything never measured, goes to the pool. The choice moves work only: the main thread and
 * a worker run the same `runShardQuery` and answer the same (search-pool.ts), so a wrong estimate
 * costs time, never a different answer. Pure (the caller measures).
 */
import type { ShardJob } from './search-pool.js';

/** Limits of the estimates (style P4). */
export const shardCostLimits = {
  /**
   * A query phase measured at most this long runs on the main thread. Chosen from the main
   * thread's own cost of a pool hop (posting the job, taking the answer, resolving it), about
   * 40-60 µs on the bench machine: below it, running here is cheaper for the main thread too,
   * and it saves two thread wake-ups of latency.
   */
  inlineMicrosMax: 50,
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

  /** True when this job was measured cheaper than a pool hop. */
  prefersMainThread(job: ShardJob): boolean {
    const estimate = this.estimate(job);
    return estimate !== undefined && estimate <= this.inlineMicrosMax;
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
