/**
 * A full garbage collection on request, for the one place where V8 cannot know that memory waits
 * to be freed: a searcher that moves a segment's arrays into shared memory drops the heap copy
 * (tens of megabytes of ArrayBuffer backing stores), while the JS heap itself barely grows, so no
 * collection comes for a long time and the process holds both copies. `--expose-gc` is set at
 * first use and `gc` taken from a fresh context (the flag applies to contexts made after it).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | undefined | null = null;

/** Runs a full collection; false when this runtime does not allow it. */
export function collectGarbage(): boolean {
  if (collect === null) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc: unknown = vm.runInNewContext('gc');
      collect = typeof gc === 'function' ? (gc as () => void) : undefined;
    } catch {
      collect = undefined;
    }
  }
  collect?.();
  return collect !== undefined;
}

/**
 * Memory the V8 heap may hold beyond what it uses before `compactHeap` compacts it (bytes).
 * After a large bulk load and its refresh the main thread's heap measured 193 MB committed for
 * 86 MB in use (bench/memory-phases.ts): a plain full collection frees the dead objects but keeps
 * nearly every page they were spread over, and V8 only compacts on its own when the isolate looks
 * idle, which a node under searches never does.
 */
export const heapCompactionLimits = {
  slackBytesMin: 64 * 1024 * 1024,
} as const;

/**
 * What the old space holds and does not use (bytes): where long-lived objects are, and what
 * compaction can give back (the young generation is emptied by every collection anyway).
 */
export function oldSpaceSlackBytes(): number {
  const old = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space');
  return old === undefined ? 0 : old.space_size - old.space_used_size;
}

/**
 * A full collection that also compacts the heap (moves the live objects together and returns the
 * emptied pages), when the old space holds more than `slackBytesMin` it does not use; false when it did
 * not run. It pauses the thread for longer than a plain collection (about 1 ms per MB in use
 * here), so callers run it at points where a large amount of memory was just released (a refresh
 * and its merges persisted, segments moved to shared memory), not per request. V8 exposes no call
 * for a compacting collection, so the flag that makes every full collection compact is set for
 * this one and cleared again.
 */
export function compactHeap(slackBytesMin: number = heapCompactionLimits.slackBytesMin): boolean {
  if (oldSpaceSlackBytes() < slackBytesMin) return false;
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    return collectGarbage();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
}
