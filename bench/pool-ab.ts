/**
 * A/B of search concurrency scaling (issue 13's (a)-(e) at concurrency 1 and 8) between builds of
 * Strait over the same data directory: one node is created and loaded once (geonames-like
 * documents, security on, plain HTTP, as bench/run.ts), then restarted from each build in turn,
 * alternating A B B A ... so that drift in the machine's load hits both alike. Not a test.
 *
 * Run: `node --import tsx bench/pool-ab.ts` after `tsc -p tsconfig.json`. Environment:
 * - AB_BUILDS: `label=/path/to/dist,...` (default `this=<repo>/dist`); each is a compiled dist/.
 * - AB_SETTINGS_<label>: extra `-E` settings for that build, space separated.
 * - AB_DOCS (200000), AB_SECONDS per query and concurrency (5), AB_ROUNDS (2), AB_QUERIES (abcde).
 * - AB_PROFILE_DIR: runs each build with `--cpu-prof` into <dir>/<label>-<round> (one profile per
 *   thread; the node is stopped with SIGTERM so that they are written); each query (AB_PROFILE_QUERY: the
 *   letters to profile, default AB_QUERIES) then runs at concurrency 8 in a launch of its own.
 * Prints QPS, p50 and the node's CPU ms per request (from /proc) per build and query.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@elastic/elasticsearch';
import { repoRoot, startNode } from '../test/harness/cluster.js';
import { bulkIndexDocuments, generateGeonames, geonamesMappings } from './geonames-corpus.js';
import { cpuMs, waitUntilIdle } from './node-idle.js';

const DOCS = Number(process.env['AB_DOCS'] ?? 200_000);
const SECONDS = Number(process.env['AB_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['AB_ROUNDS'] ?? 2);
const LETTERS = process.env['AB_QUERIES'] ?? 'abcde';
const PROFILE_DIR = process.env['AB_PROFILE_DIR'];
const PROFILE_QUERY = process.env['AB_PROFILE_QUERY'];
const BUILDS = (process.env['AB_BUILDS'] ?? `this=${path.join(repoRoot, 'dist')}`).split(',').map((entry) => {
  const [label, dist] = entry.split('=') as [string, string];
  return { label, dist, settings: (process.env[`AB_SETTINGS_${label}`] ?? '').split(' ').filter((s) => s !== '') };
});

function pickTerms(descriptions: string[]): { common: string; rare: string } {
  const df = new Map<string, number>();
  for (const text of descriptions) for (const term of new Set(text.split(' '))) df.set(term, (df.get(term) ?? 0) + 1);
  let common = '';
  let rare = '';
  let commonGap = Infinity;
  let rareGap = Infinity;
  for (const [term, count] of df) {
    const fraction = count / descriptions.length;
    if (Math.abs(fraction - 0.7) < commonGap) (commonGap = Math.abs(fraction - 0.7)), (common = term);
    if (Math.abs(fraction - 0.0005) < rareGap) (rareGap = Math.abs(fraction - 0.0005)), (rare = term);
  }
  return { common, rare };
}

function queriesFor(terms: { common: string; rare: string }): Record<string, Record<string, unknown>> {
  return {
    a: { query: { match: { description: terms.common } } },
    b: { query: { match: { description: terms.rare } } },
    c: { query: { bool: { must: [{ match: { description: terms.common } }], filter: [{ range: { population: { gte: 10_000 } } }, { term: { country_code: 'AA' } }] } } },
    d: { size: 0, aggs: { countries: { terms: { field: 'country_code' } } } },
    e: { size: 0, aggs: { months: { date_histogram: { field: 'modification_date', calendar_interval: 'month' } } } },
  };
}

interface Figures {
  qps: number;
  p50: number;
  /** CPU time per request: the node's main thread, its other threads (search workers...), this client. */
  mainCpuMs: number;
  otherCpuMs: number;
  clientCpuMs: number;
}

/** CPU ms of each thread of a process (/proc/<pid>/task/<tid>/stat), by thread id. */
function threadCpuMs(pid: number): Map<number, number> {
  const times = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      // the thread ended
    }
  }
  return times;
}

async function measure(pid: number, seconds: number, concurrency: number, operation: () => Promise<unknown>): Promise<Figures> {
  // Warm-up at the measured concurrency (the first concurrent searches share the segments with the workers).
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = 0; i < 50; i++) await operation();
  }));
  const latencies: number[] = [];
  const threadsBefore = threadCpuMs(pid);
  const cpuBefore = cpuMs(pid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await operation();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = performance.now() - started;
  const client = process.cpuUsage(clientBefore);
  const cpu = cpuMs(pid) - cpuBefore;
  const main = (threadCpuMs(pid).get(pid) ?? NaN) - (threadsBefore.get(pid) ?? NaN);
  latencies.sort((x, y) => x - y);
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  const count = latencies.length;
  return {
    qps: Math.round((count / elapsed) * 1000),
    p50: round(latencies[Math.floor(count / 2)]!),
    mainCpuMs: round(main / count),
    otherCpuMs: round((cpu - main) / count),
    clientCpuMs: round((client.user + client.system) / 1000 / count),
  };
}

interface Launched {
  readonly child: ChildProcess;
  readonly url: string;
}

/** Starts `dist`'s CLI on an existing config and data directory (the node made by startNode). */
async function launch(dist: string, configDir: string, dataDir: string, settings: readonly string[], flags: readonly string[]): Promise<Launched> {
  const args = [...flags, path.join(dist, 'cli', 'main.js'), 'start', '--config-dir', configDir, ...['http.port=0', 'transport.port=0', `path.data=${dataDir}`, ...settings].flatMap((s) => ['-E', s])];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STRAIT_LOG_LEVEL: 'info' } });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        logs.push(line);
        if (line.includes('"msg":"started"')) resolve(`http://${(JSON.parse(line) as { http_address: string }).http_address}`);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`node exited with ${code}:\n${logs.slice(-20).join('\n')}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  const documents = generateGeonames(DOCS, 42).map((doc) => doc.source);
  const queries = queriesFor(pickTerms(documents.map((doc) => String(doc['description']))));
  const node = await startNode({ clusterName: 'bench', security: true, httpTls: false });
  const { configDir, dataDir, password } = node;
  try {
    const client = node.client();
    await client.indices.create({ index: 'geonames', settings: { number_of_replicas: 0, refresh_interval: '-1' }, mappings: { properties: geonamesMappings as Record<string, { type: 'text' }> } });
    console.log(`loading ${DOCS} documents…`);
    await bulkIndexDocuments([node.client(), node.client()], 'geonames', documents);
    await client.indices.refresh({ index: 'geonames' }, { requestTimeout: 600_000 });
    await waitUntilIdle(node.pid);
    await node.stop();
    const results: Record<string, Record<string, Figures[]>> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? BUILDS : [...BUILDS].reverse();
      // Profiling: one launch (and so one set of profiles) per query, at concurrency 8 only.
      const launches = PROFILE_DIR === undefined ? order.map((build) => ({ build, letters: LETTERS })) : order.flatMap((build) => [...(PROFILE_QUERY ?? LETTERS)].map((letter) => ({ build, letters: letter })));
      for (const { build, letters } of launches) {
        const profileDir = PROFILE_DIR === undefined ? undefined : path.join(PROFILE_DIR, `${build.label}-${letters}-${round}`);
        const flags = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
        if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
        const launched = await launch(build.dist, configDir, dataDir, build.settings, flags);
        try {
          const search = new Client({ node: launched.url, auth: { username: 'elastic', password }, maxRetries: 0, requestTimeout: 60_000 });
          await search.search({ index: 'geonames', ...queries['a'] }, { requestTimeout: 600_000 });
          await waitUntilIdle(launched.child.pid!, profileDir === undefined ? 60_000 : 5_000);
          for (const letter of letters) {
            for (const concurrency of [1, 8]) {
              if (profileDir !== undefined && concurrency !== 8) continue;
              const figures = await measure(launched.child.pid!, SECONDS, concurrency, () => search.search({ index: 'geonames', ...queries[letter] }));
              ((results[build.label] ??= {})[`${letter} c${concurrency}`] ??= []).push(figures);
              console.log(`[round ${round}] ${build.label} (${letter}) c${concurrency}: ${figures.qps} QPS, p50 ${figures.p50} ms, CPU ms/request: main ${figures.mainCpuMs}, other threads ${figures.otherCpuMs}, client ${figures.clientCpuMs}; load ${os.loadavg()[0]!.toFixed(2)}`);
            }
          }
          await search.close();
        } finally {
          await stop(launched.child);
        }
      }
    }
    console.log('\nmedian over rounds (QPS c1 / c8, ratio):');
    const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    for (const letter of LETTERS) {
      const cells = BUILDS.map((build) => {
        const c1 = results[build.label]?.[`${letter} c1`]?.map((f) => f.qps);
        const c8 = results[build.label]?.[`${letter} c8`]?.map((f) => f.qps);
        if (c1 === undefined || c8 === undefined) return `${build.label}: -`;
        return `${build.label}: ${median(c1)} / ${median(c8)} (×${(median(c8) / median(c1)).toFixed(2)})`;
      });
      console.log(`(${letter}) ${cells.join('   ')}`);
    }
    console.log(JSON.stringify(results));
  } finally {
    await node.destroy();
  }
}

await main();
