// Loaded into a node by bench/memory-phases.ts (`--import`): every 200 ms it reads the main
// thread's memory figures, and writes the latest to stderr every 2 s (and at each new RSS peak),
// so the bench can tell the V8 heap (committed and used), the ArrayBuffer memory (segments, shared
// with the search workers, and buffers) and the rest of the RSS (worker threads, SQLite, code,
// malloc) apart, phase by phase. Not part of the server.
import { writeSync } from 'node:fs';
import v8 from 'node:v8';

const mb = (bytes) => Math.round(bytes / 1048576);
let peak = 0;
let latest = '';
const sample = setInterval(() => {
  const memory = process.memoryUsage();
  const spaces = new Map(v8.getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.space_size)]));
  const rest = memory.rss - memory.heapTotal - memory.arrayBuffers;
  latest = `memory-probe rss=${mb(memory.rss)} heap=${mb(memory.heapTotal)} (used ${mb(memory.heapUsed)}, new ${spaces.get('new_space')}, old ${spaces.get('old_space')}, large ${spaces.get('large_object_space')}) array_buffers=${mb(memory.arrayBuffers)} rest=${mb(rest)}`;
  if (memory.rss > peak) {
    peak = memory.rss;
    writeSync(2, `${latest} (peak)\n`);
  }
}, 200);
sample.unref();
setInterval(() => writeSync(2, `${latest}\n`), 2000).unref();
