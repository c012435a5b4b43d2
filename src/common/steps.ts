/**
 * Stepwise work (style P4): long computations are generators that yield between bounded pieces,
 * so the I/O shell can run them a slice per event-loop turn. `runToEnd` runs one at once.
 */
export function runToEnd<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}
