/**
 * A `_bulk` request run in slices (issue 13): a bulk of thousands of items takes tens to hundreds
 * of milliseconds, and run in one go it holds the event loop, so every search hop waits behind it.
 * Each slice commits what it wrote before other requests run, without an fsync; the response is
 * sent only after the last slice commits and, under `index.translog.durability: request`, after
 * one fsync of each written shard's log, run on libuv's thread pool (shard-store.ts
 * `syncDeferred`), so every acknowledged item is as durable as before. Slices take turns with the
 * other background work in the background lane (src/common/background-lane.ts).
 */
import { backgroundLane } from '../common/index.js';
import { executeBulkStepwise, parseBulkBodyStepwise, type BulkDefaults, type BulkResult } from './documents.js';
import type { ShardStore } from './store/index.js';

/** Limits of bulk slicing (style P4). */
export const bulkSliceLimits = {
  /**
   * Longest a slice runs before it commits and yields (ms; one item more at most): a search that
   * arrives meanwhile waits for at most this much bulk work. A slice's commit has no fsync of its
   * own (one per bulk, off the event loop), so short slices cost little: measured with
   * bench/search-during-bulk.ts, 4 ms instead of 10 cut the p99 of a search during a 2-client bulk
   * (27-94 ms against 75-95 ms on a machine at load 7-12) for about 2% more CPU per document.
   */
  sliceMs: 4,
} as const;

type StepwiseArgs = Parameters<typeof executeBulkStepwise>;

/**
 * Parses a bulk body in slices of about `sliceMs`, each on its turn of the background lane (the
 * body of 1,000 documents takes several milliseconds). A malformed line still fails the request
 * before anything is written.
 */
export async function parseBulkBodyInSlices(text: string, defaults: BulkDefaults): Promise<StepwiseArgs[1]> {
  let sliceStarted = performance.now();
  const steps = parseBulkBodyStepwise(text, defaults, () => performance.now() - sliceStarted >= bulkSliceLimits.sliceMs);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    await backgroundLane.turn();
    sliceStarted = performance.now();
  }
}

/** Runs a bulk's items in order, in slices of about `sliceMs`, yielding to other work between them. */
export async function executeBulkInSlices(
  service: StepwiseArgs[0],
  items: StepwiseArgs[1],
  defaults: StepwiseArgs[2],
  authorizer: StepwiseArgs[3],
  nowMs: StepwiseArgs[4],
  ingest: StepwiseArgs[5],
): Promise<BulkResult> {
  let sliceStarted = performance.now();
  // The slices' commits skip their fsync; one fsync per shard, off the event loop, makes them all
  // durable before the bulk answers (shard-store.ts `syncDeferred`).
  const committed = new Set<ShardStore>();
  const steps = executeBulkStepwise(service, items, defaults, authorizer, nowMs, ingest, () => performance.now() - sliceStarted >= bulkSliceLimits.sliceMs, committed);
  for (;;) {
    // Each slice, the first too, waits for its turn in the background lane: one slice per
    // event-loop turn, none while a search is in flight (background-lane.ts).
    await backgroundLane.turn();
    sliceStarted = performance.now();
    const step = steps.next();
    if (step.done === true) {
      await Promise.all([...committed].map((shard) => shard.syncDeferred()));
      // The response (a thousand items) is rendered on a turn of its own too, not during a search.
      await backgroundLane.turn();
      return step.value;
    }
  }
}
