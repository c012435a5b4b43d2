/**
 * Summarizes a V8 CPU profile (`--cpu-prof`; bench/pool-ab.ts writes one per thread with
 * AB_PROFILE_DIR): the share of samples idle, and the functions with the most self time (and with
 * TOTAL=n the n with the most inclusive time), over the profile's last `lastSeconds` (0: all of
 * it), the window in which pool-ab.ts measures before it stops the node. TIMELINE=1 also prints
 * how busy each second was. Not a test.
 * Run: node bench/profile-summary.mjs <file.cpuprofile> [lastSeconds] [topN]
 */
import { readFileSync } from 'node:fs';
const [file, lastS = '0', topN = '40'] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
let t = p.startTime;
const times = p.samples.map((_, i) => (t += p.timeDeltas[i]));
const end = p.endTime;
const from = Number(lastS) > 0 ? end - Number(lastS) * 1e6 : p.startTime;
const self = new Map(); const total = new Map(); let count = 0; let idle = 0;
const perSec = new Map();
for (let i = 0; i < p.samples.length; i++) {
  const sec = Math.floor((times[i] - p.startTime) / 1e6);
  const n = byId.get(p.samples[i]);
  const name = n.callFrame.functionName || '(anon)';
  const isIdle = name === '(idle)';
  const b = perSec.get(sec) ?? [0, 0]; b[isIdle ? 0 : 1]++; perSec.set(sec, b);
  if (times[i] < from) continue;
  count++;
  if (isIdle) { idle++; continue; }
  const key = `${name} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + 1);
  const seen = new Set();
  for (let id = n.id; id !== undefined; id = parent.get(id)) {
    const m = byId.get(id); const k = `${m.callFrame.functionName || '(anon)'} ${m.callFrame.url.split('/').slice(-2).join('/')}:${m.callFrame.lineNumber}`;
    if (seen.has(k)) continue; seen.add(k); total.set(k, (total.get(k) ?? 0) + 1);
  }
}
const ms = (c) => ((c / count) * (Math.min(end, end) - from) / 1000).toFixed(0);
console.log(`${file}: window ${((end - from) / 1e6).toFixed(1)} s, samples ${count}, idle ${(100 * idle / count).toFixed(1)}%`);
if (process.env.TIMELINE) console.log('busy% per second:', [...perSec].map(([s, [i, b]]) => `${s}:${Math.round(100 * b / (i + b))}`).join(' '));
console.log('--- self (% of window samples)');
for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topN))) console.log(`${(100 * c / count).toFixed(1).padStart(5)}%  ${k}`);
if (process.env.TOTAL) { console.log('--- total (inclusive)'); for (const [k, c] of [...total].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOTAL))) console.log(`${(100 * c / count).toFixed(1).padStart(5)}%  ${k}`); }
