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
