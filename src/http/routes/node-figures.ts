/**
 * What this process and its machine measure right now (I/O shell for the `_cat` node tables):
 * heap, memory, CPU, load, file descriptors, the disk under `path.data`, and the bytes the
 * indices take there. Elasticsearch reads the same figures from the JVM and the OS probes
 * (OsProbe, ProcessProbe, FsProbe); here they come from Node's `process`, `os`, `v8` and `fs`.
 */
import { readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

export interface NodeFigures {
  readonly pid: number;
  readonly uptimeMs: number;
  readonly heapUsedBytes: number;
  /** V8's heap size limit (the JVM's max heap in Elasticsearch). */
  readonly heapMaxBytes: number;
  readonly ramTotalBytes: number;
  /** Total minus free, as Elasticsearch's OsStats counts used memory. */
  readonly ramUsedBytes: number;
  /** Machine CPU use in percent since the previous sample (since boot at the first). */
  readonly cpuPercent: number;
  /** 1, 5 and 15 minute load averages; null where the OS has none (Windows reports zeros). */
  readonly loadAverage: readonly [number, number, number] | null;
  /** Open and maximum file descriptors; -1 where the OS does not say (as Elasticsearch on Windows). */
  readonly openFileDescriptors: number;
  readonly maxFileDescriptors: number;
  /** The file system holding `path.data`; null when it cannot be read. */
  readonly disk: { readonly totalBytes: number; readonly freeBytes: number; readonly availableBytes: number } | null;
  /** This process's CPU time (user + system) since it started, and its share of one core since the previous sample, in percent. */
  readonly processCpuTotalMs: number;
  readonly processCpuPercent: number;
  /** V8's committed heap, and memory outside it (external and array buffers), in bytes. */
  readonly heapCommittedBytes: number;
  readonly nonHeapBytes: number;
  readonly residentBytes: number;
}

interface CpuSample {
  readonly idle: number;
  readonly total: number;
}

function cpuSample(): CpuSample {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const times = cpu.times;
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

function fileDescriptors(): { open: number; max: number } {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const line = limits.split('\n').find((entry) => entry.startsWith('Max open files'));
    const soft = line === undefined ? NaN : Number(line.slice('Max open files'.length).trim().split(/\s+/)[0]);
    return { open, max: Number.isFinite(soft) ? soft : -1 };
  } catch {
    return { open: -1, max: -1 };
  }
}

/** A probe keeps the previous CPU sample, so that `cpuPercent` covers the time since the last call. */
export function nodeFiguresProbe(pathData: string): () => NodeFigures {
  let previous: CpuSample = { idle: 0, total: 0 };
  let previousProcess = { cpuMs: 0, atMs: 0 };
  return () => {
    const usage = process.cpuUsage();
    const processCpuMs = (usage.user + usage.system) / 1000;
    const atMs = performance.now();
    const processCpuPercent = previousProcess.atMs > 0 && atMs > previousProcess.atMs ? Math.round((100 * (processCpuMs - previousProcess.cpuMs)) / (atMs - previousProcess.atMs)) : Math.round((100 * processCpuMs) / Math.max(1, process.uptime() * 1000));
    previousProcess = { cpuMs: processCpuMs, atMs };
    const sample = cpuSample();
    const totalDelta = sample.total - previous.total;
    const idleDelta = sample.idle - previous.idle;
    previous = sample;
    const cpuPercent = totalDelta > 0 ? Math.round((100 * (totalDelta - idleDelta)) / totalDelta) : 0;
    const descriptors = fileDescriptors();
    let disk: NodeFigures['disk'] = null;
    try {
      const stats = statfsSync(pathData);
      disk = { totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bfree * stats.bsize, availableBytes: stats.bavail * stats.bsize };
    } catch {
      disk = null;
    }
    const load = os.loadavg();
    const totalMemory = os.totalmem();
    const memory = process.memoryUsage();
    return {
      pid: process.pid,
      uptimeMs: Math.round(process.uptime() * 1000),
      heapUsedBytes: memory.heapUsed,
      heapCommittedBytes: memory.heapTotal,
      nonHeapBytes: memory.external,
      residentBytes: memory.rss,
      processCpuTotalMs: Math.round(processCpuMs),
      processCpuPercent,
      heapMaxBytes: v8.getHeapStatistics().heap_size_limit,
      ramTotalBytes: totalMemory,
      ramUsedBytes: totalMemory - os.freemem(),
      cpuPercent,
      loadAverage: process.platform === 'win32' ? null : [load[0]!, load[1]!, load[2]!],
      openFileDescriptors: descriptors.open,
      maxFileDescriptors: descriptors.max,
      disk,
    };
  };
}

/** Limits of the directory walk that sizes the indices on disk (style P4). */
export const directorySizeLimits = {
  /** Index directories are two levels deep (index/searcher/segment files); deeper is not ours. */
  depthMax: 4,
} as const;

/** Bytes of the files under `directory` (0 when it does not exist). */
export function directoryBytes(directory: string, depth = 0): number {
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (depth < directorySizeLimits.depthMax) total += directoryBytes(full, depth + 1);
    } else if (entry.isFile()) {
      try {
        total += statSync(full).size;
      } catch {
        // Removed between listing and stat (a segment merged away): it no longer counts.
      }
    }
  }
  return total;
}
