/**
 * The shards of a search's query phase, run together: on the search pool's worker threads when
 * the search runs asynchronously (REST `_search`, async and remote searches), on the main thread
 * when a synchronous caller drains the search (count, msearch, scroll, by-query) or when the pool
 * cannot run a shard (search-pool.ts says when). A search's steps yield a batch; the drain that
 * runs them sends back the outcomes, in the batch's order.
 */
import type { SearchPool, ShardJob } from '../index/searcher/search-pool.js';
import type { ShardResult } from '../index/query/index.js';

export type ShardOutcome = { readonly result: ShardResult } | { readonly error: unknown };

export interface BatchedShard {
  /** Runs the shard's query phase here. */
  readonly inline: () => ShardResult;
  /** The same work for a worker (undefined: main thread only). */
  readonly job: ShardJob | undefined;
}

function settle(run: () => ShardResult): ShardOutcome {
  try {
    return { result: run() };
  } catch (error) {
    return { error };
  }
}

export class ShardBatch {
  constructor(readonly shards: readonly BatchedShard[]) {}

  runInline(): ShardOutcome[] {
    return this.shards.map((shard) => settle(shard.inline));
  }

  /**
   * Sends the shards the pool can take first, runs the others here meanwhile, then waits for the
   * workers (a shard a worker hands back runs here). A cancelled search stops waiting at once.
   */
  async run(pool: SearchPool, signal: AbortSignal | undefined): Promise<ShardOutcome[]> {
    // Every worker answer is settled as it arrives (a rejection left waiting while an earlier
    // shard is awaited would be an unhandled one).
    // A shard measured cheaper than the hop to a worker runs here (search-pool.ts prefersMainThread).
    const pooled = this.shards.map((shard) =>
      shard.job === undefined || pool.prefersMainThread(shard.job)
        ? undefined
        : pool.run(shard.job, signal).then(
            (result) => ({ result }),
            (error: unknown) => ({ error }),
          ),
    );
    const here = (shard: BatchedShard): ShardOutcome => {
      if (shard.job === undefined) return settle(shard.inline);
      const started = performance.now();
      const outcome = settle(shard.inline);
      pool.observeMainThread(shard.job, (performance.now() - started) * 1000);
      return outcome;
    };
    const outcomes: (ShardOutcome | undefined)[] = this.shards.map((shard, index) => (pooled[index] === undefined ? here(shard) : undefined));
    for (let index = 0; index < this.shards.length; index++) {
      const running = pooled[index];
      if (running === undefined) continue;
      const answer = await running;
      if ('error' in answer) {
        if (signal?.aborted === true) throw answer.error;
        outcomes[index] = answer;
      } else {
        outcomes[index] = answer.result === undefined ? here(this.shards[index]!) : { result: answer.result };
      }
    }
    return outcomes as ShardOutcome[];
  }
}

/** A search's steps: pauses (void: a cancellable search may stop there) and shard batches. */
export type SearchSteps<T> = Generator<void | ShardBatch, T, ShardOutcome[] | undefined>;
