/**
 * Waiting for a started node to settle (bench helper): the merges and segment persisting that a
 * refresh leaves to the background, measured from the process's CPU time in /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';
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


/** CPU time per thread name of a process (user and system ms, summed over threads of one name); empty when /proc cannot tell. */
export function threadCpuMs(pid: number): Map<string, { user: number; system: number }> {
  const byName = new Map<string, { user: number; system: number }>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '#');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const entry = byName.get(name) ?? { user: 0, system: 0 };
      entry.user += (Number(fields[11]) * 1000) / TICKS_PER_SECOND;
      entry.system += (Number(fields[12]) * 1000) / TICKS_PER_SECOND;
      byName.set(name, entry);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byName;
}

/** What each thread name used between two `threadCpuMs` readings, in ms per 1,000 of `units` (largest first). */
export function threadCpuPer1000(before: Map<string, { user: number; system: number }>, after: Map<string, { user: number; system: number }>, units: number): Record<string, { user: number; system: number }> {
  const rows: [string, { user: number; system: number }][] = [];
  for (const [name, now] of after) {
    const was = before.get(name) ?? { user: 0, system: 0 };
    const user = ((now.user - was.user) / units) * 1000;
    const system = ((now.system - was.system) / units) * 1000;
    if (user + system >= 0.5) rows.push([name, { user: Math.round(user * 10) / 10, system: Math.round(system * 10) / 10 }]);
  }
  rows.sort((a, b) => b[1].user + b[1].system - (a[1].user + a[1].system));
  return Object.fromEntries(rows);
}
