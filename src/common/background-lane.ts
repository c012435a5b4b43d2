/**
 * The background lane (issue 13): one queue for the event loop's sliced background work (a
 * `_bulk`'s slices, a scheduled refresh's build, merges, segment writes), so that a search waits
 * for at most one slice instead of a turn's worth of them.
 *
 * Each of those jobs used to yield with its own `setImmediate`, so one event-loop turn ran a slice
 * of every job (two bulks, a refresh, a merge: 40–60 ms), and a search paid that at each of its hops
 * (request read, search-pool reply, fetch): measured 67 ms p50 / 197 ms p99 against 1.2 / 5.1 ms
 * idle. The lane runs one slice per turn (the loop polls for I/O between two slices, so a request
 * that arrived is read before the next one), and while a search is in flight it runs none, so the
 * search's hops find the loop free; the background still gets a slice at least every
 * `foregroundDeferMsMax`, so searches back to back cannot stop indexing.
 *
 * The event loop is one per process, so the lane is too (`backgroundLane`); tests build their own
 * with a fake host.
 */

/** Limits of the background lane (style P4). */
export const backgroundLaneLimits = {
  /**
   * Longest the lane holds its slices back while searches are in flight (ms): past it one slice
   * runs anyway. Elasticsearch keeps indexing on its own write threads while searches run; here
   * both share one thread, and searches without pause must not stall writes (nor a refresh a
   * search is waiting on) for longer than this per slice.
   */
  foregroundDeferMsMax: 50,
} as const;

/** What the lane needs from its environment: a clock, the next event-loop turn, a timer. */
export interface LaneHost {
  nowMs(): number;
  /** Runs `run` on a later event-loop turn, after the loop has polled for I/O (setImmediate). */
  nextTurn(run: () => void): void;
  /** Runs `run` after `delayMs` unless cancelled. */
  after(delayMs: number, run: () => void): { cancel(): void };
}

/** What the lane does on a turn, given its state (pure: the clock is an input). */
export type LaneDecision =
  | { readonly kind: 'idle' }
  | { readonly kind: 'run' }
  | { readonly kind: 'defer'; readonly deferredSinceMs: number; readonly retryInMs: number };

/**
 * Decides a turn: nothing queued, run the next slice, or hold it back because searches are in
 * flight (until they end, or until it has waited `deferMsMax` since `deferredSinceMs`).
 */
export function decideLaneTurn(queued: number, foreground: number, deferredSinceMs: number | undefined, nowMs: number, deferMsMax: number): LaneDecision {
  if (queued === 0) return { kind: 'idle' };
  if (foreground === 0) return { kind: 'run' };
  const since = deferredSinceMs ?? nowMs;
  const waitedMs = nowMs - since;
  if (waitedMs >= deferMsMax) return { kind: 'run' };
  return { kind: 'defer', deferredSinceMs: since, retryInMs: deferMsMax - waitedMs };
}

export class BackgroundLane {
  private readonly queue: (() => void)[] = [];
  private foreground = 0;
  private turnScheduled = false;
  private deferredSinceMs: number | undefined;
  private retry: { cancel(): void } | undefined;

  constructor(
    private readonly host: LaneHost,
    private readonly deferMsMax: number = backgroundLaneLimits.foregroundDeferMsMax,
  ) {}

  /** Slices waiting for a turn. */
  get queued(): number {
    return this.queue.length;
  }

  /** Searches in flight. */
  get foregroundCount(): number {
    return this.foreground;
  }

  /** Runs `slice` on a later turn, after the slices queued before it. */
  schedule(slice: () => void): void {
    this.queue.push(slice);
    this.scheduleTurn();
  }

  /** Resolves on the caller's turn: `await lane.turn()` between two slices of a job. */
  turn(): Promise<void> {
    return new Promise<void>((resolve) => this.schedule(resolve));
  }

  /**
   * A search starts: slices wait until it ends (at most `deferMsMax` each). Returns its end, which
   * may be called more than once (only the first counts).
   */
  enterForeground(): () => void {
    this.foreground++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.foreground--;
      if (this.foreground === 0) this.scheduleTurn();
    };
  }

  private scheduleTurn(): void {
    if (this.turnScheduled || this.queue.length === 0) return;
    this.turnScheduled = true;
    this.host.nextTurn(() => this.runTurn());
  }

  private runTurn(): void {
    this.turnScheduled = false;
    const decision = decideLaneTurn(this.queue.length, this.foreground, this.deferredSinceMs, this.host.nowMs(), this.deferMsMax);
    if (decision.kind === 'idle') {
      this.deferredSinceMs = undefined;
      return;
    }
    if (decision.kind === 'defer') {
      // The search's end schedules the next turn; the timer bounds the wait if it lasts.
      this.deferredSinceMs = decision.deferredSinceMs;
      this.retry ??= this.host.after(decision.retryInMs, () => {
        this.retry = undefined;
        this.scheduleTurn();
      });
      return;
    }
    this.deferredSinceMs = undefined;
    this.retry?.cancel();
    this.retry = undefined;
    const slice = this.queue.shift()!;
    // The next turn is asked for before the slice runs, so that a slice that throws (the job's own
    // error, reported as an uncaught exception as before) does not stall the slices behind it.
    this.scheduleTurn();
    slice();
  }
}

/** The process's lane: its event-loop turns are setImmediate's, its clock performance.now(). */
export const backgroundLane = new BackgroundLane({
  nowMs: () => performance.now(),
  nextTurn: (run) => setImmediate(run),
  after: (delayMs, run) => {
    const timer = setTimeout(run, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
});
