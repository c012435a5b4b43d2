/**
 * Waiting for a started node to settle (bench helper): the merges and segment persisting that a
 * refresh leaves to the background, measured from the process's CPU time in /proc.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** CPU time a process has used, in clock ticks (user + system, /proc/<pid>/stat fields 14 and 15). */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

/** Linux's USER_HZ: /proc counts CPU time in these ticks per second. */
const TICKS_PER_SECOND = 100;

/** CPU time a process has used, in ms (NaN when /proc cannot tell). */
export function cpuMs(pid: number): number {
  return (cpuTicks(pid) * 1000) / TICKS_PER_SECOND;
}

/**
 * Waits until the node has used under 5% of a core for 3 s in a row (at most `maxMs`): the merges
 * and segment persisting a refresh leaves to the background (persisting starts after 2 s without
 * changes) end before the searches are timed, as Lucene's merges end before its searches. Returns
 * the milliseconds until the quiet began; NaN when /proc cannot tell (no wait then).
 */
export async function waitUntilIdle(pid: number, maxMs = 180_000): Promise<number> {
  const started = performance.now();
  const sampleMs = 250;
  const quietSamplesNeeded = 3000 / sampleMs;
  let quiet = 0;
  let quietSince = started;
  let previous = cpuTicks(pid);
  if (Number.isNaN(previous)) return NaN;
  while (quiet < quietSamplesNeeded && performance.now() - started < maxMs) {
    const sampleStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const now = cpuTicks(pid);
    const busy = (now - previous) / TICKS_PER_SECOND / (sampleMs / 1000);
    previous = now;
    if (busy >= 0.05) quiet = 0;
    else if (quiet++ === 0) quietSince = sampleStarted;
  }
  return Math.round(quietSince - started);
}

