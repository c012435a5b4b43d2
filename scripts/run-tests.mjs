#!/usr/bin/env node
// Runs every test file under test/ (Node 20's --test takes no globs), each file in its own
// process, the longest first. Extra arguments filter files by substring.
// The clients-tests conformance suite is read from STRAIT_CLIENTS_TESTS_DIR (default
// ../shared/conformance/clients-tests); outside CI a missing suite is reported as skipped.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { constants as osConstants, tmpdir } from 'node:os';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
function walk(dir) {
  const files = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) files.push(...walk(full));
    else if (entry.endsWith('.test.ts')) files.push(path.relative(root, full));
  }
  return files;
}
const filters = process.argv.slice(2);
// The integration files, the longest first (by scripts/test-durations.json, a file it does not
// know counting as 20 s): with two or three files at a time, the short ones fill the end instead of
// one long file running alone there. The unit files run in a lane of their own (below).
const isIntegration = (file) => file.startsWith(path.join('test', 'integration'));
const weight = (file) => (isIntegration(file) ? 1 : 2);
let durations = {};
try {
  durations = JSON.parse(readFileSync(path.join(root, 'scripts', 'test-durations.json'), 'utf8')).seconds ?? {};
} catch {
  // No table: every file counts the same, in name order.
}
const durationOf = (file) => durations[file.split(path.sep).join('/')] ?? 20;
const matched = walk(path.join(root, 'test'))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort((a, b) => weight(a) - weight(b) || (isIntegration(a) ? durationOf(b) - durationOf(a) : 0) || (a < b ? -1 : a > b ? 1 : 0));
if (matched.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Unit files run together, a few bundles of them in one process each: a process per file spent
// more time loading src/ through tsx than running the tests (about 1.8 s of CPU per unit file,
// against about 0.3 s in a bundle). A file with top-level hooks (before/after at the root, which
// would attach to every file of a bundle) keeps its own process, as every integration file does.
const BUNDLES = 2;
// A file may also ask for its own process with a `// test-runner: own process` line.
const ownProcess = (file) => {
  if (weight(file) < 2) return true;
  const text = readFileSync(path.join(root, file), 'utf8');
  return /^(before|after|beforeEach|afterEach)\(/m.test(text) || /^\/\/ test-runner: own process/m.test(text);
};
const bundled = matched.filter((file) => !ownProcess(file));
let unitFiles = matched.filter((file) => weight(file) === 2);
if (bundled.length > 10) {
  const bundleDir = mkdtempSync(path.join(tmpdir(), 'strait-unit-bundles-'));
  process.on('exit', () => rmSync(bundleDir, { recursive: true, force: true }));
  const entries = [];
  for (let b = 0; b < BUNDLES; b += 1) {
    const entry = path.join(bundleDir, `unit-${b + 1}.test.mjs`);
    const members = bundled.filter((_, i) => i % BUNDLES === b);
    writeFileSync(entry, members.map((file) => `await import(${JSON.stringify(path.join(root, file))});\n`).join(''));
    entries.push(entry);
  }
  unitFiles = [...entries, ...unitFiles.filter((file) => !bundled.includes(file))];
}
const integrationFiles = matched.filter((file) => weight(file) < 2);
// STRAIT_TEST_FROM_SOURCE=1: no compile, nodes and CLI calls through tsx (see below).
const fromSource = process.env['STRAIT_TEST_FROM_SOURCE'] === '1';
// STRAIT_TEST_TIMINGS=<file> appends each test file's wall time there (scripts/test-timing.mjs).
const timings = process.env['STRAIT_TEST_TIMINGS'] ? ['--import', path.join(root, 'scripts', 'test-timing.mjs')] : [];
// Files the test files may share for the run (the harness keeps the keystore it made for a password
// there, test/harness/cluster.ts), removed at the end.
const sharedDir = mkdtempSync(path.join(tmpdir(), 'strait-test-shared-'));
process.on('exit', () => rmSync(sharedDir, { recursive: true, force: true }));
const env = { ...process.env, STRAIT_TEST_FROM_DIST: fromSource ? '0' : '1', STRAIT_TEST_SHARED_DIR: sharedDir };
// Two lanes at once: the integration files two at a time, and beside them the unit files one at a
// time (whose output is held and printed once the integration lane is done). The unit lane starts
// with the compile the integration lane waits for, so the compile no longer runs alone. Once the
// unit lane is done, the integration lane runs three files at a time: the machine then carries as
// many test processes as it did while the unit lane ran (two integration files and the unit lane).
const lanes = [];
const startLane = (name, files, concurrency, held, fromDist = !fromSource) => {
  const child = spawn(process.execPath, ['--import', 'tsx', ...timings, '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, STRAIT_TEST_FROM_DIST: fromDist ? '1' : '0' },
  });
  const output = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      output.push(chunk);
      if (!held) (stream === child.stdout ? process.stdout : process.stderr).write(chunk);
    });
  }
  // Listened to from the start: a lane may end before the other starts (a short unit lane, a long compile).
  const exit = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + osConstants.signals[signal]))));
  lanes.push({ name, child, output, held, exit });
};
/**
 * The integration lane: each file in a process of its own (as `--test` runs them), at most `slots`
 * at a time, the queue's order kept (the longest files first); a file's output is printed whole
 * when it ends, so files running together do not interleave.
 */
const startPool = (name, files, slots) => {
  const queue = [...files];
  const running = new Set();
  const output = [];
  const failed = [];
  let resolveExit;
  const exit = new Promise((resolve) => (resolveExit = resolve));
  const pool = { name, output, held: false, exit, children: running, widen: undefined };
  const next = () => {
    while (running.size < slots && queue.length > 0) {
      const file = queue.shift();
      const child = spawn(process.execPath, ['--import', 'tsx', ...timings, '--test-reporter=spec', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, STRAIT_TEST_FROM_DIST: fromSource ? '0' : '1' } });
      const chunks = [];
      child.stdout.on('data', (chunk) => chunks.push(chunk));
      child.stderr.on('data', (chunk) => chunks.push(chunk));
      running.add(child);
      child.on('close', (code, signal) => {
        running.delete(child);
        const text = `▶ ${file}\n${Buffer.concat(chunks).toString('utf8')}`;
        output.push(Buffer.from(text));
        process.stdout.write(text);
        if (code !== 0) failed.push(`${file} (${code ?? signal})`);
        if (queue.length === 0 && running.size === 0) {
          if (failed.length > 0) process.stdout.write(`\n✖ integration files that failed:\n${failed.map((line) => `  ${line}`).join('\n')}\n`);
          resolveExit(failed.length > 0 ? 1 : 0);
        } else next();
      });
    }
  };
  pool.widen = (to) => {
    slots = Math.max(slots, to);
    next();
  };
  pool.child = { kill: (signal) => running.forEach((child) => child.kill(signal)) };
  lanes.push(pool);
  next();
  return pool;
};
// A signal that stops this script (npm forwarding SIGTERM, a CI timeout) goes on to the test
// runners, which stop the test files, whose harness stops their nodes; waiting here (rather than
// in spawnSync) is what lets it through instead of leaving the runners going on alone.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    for (const { child } of lanes) child.kill(signal);
  });
}
// The unit lane starts at once, beside the compile: its files load src/ through tsx, and the CLI
// calls a few of them make run from source too (STRAIT_TEST_FROM_DIST=0), so it needs no dist/.
if (unitFiles.length > 0) startLane('unit', unitFiles, 1, integrationFiles.length > 0, false);
if (integrationFiles.length > 0) {
  // Nodes and CLI calls the integration files start run from dist/ (see STRAIT_TEST_FROM_DIST in
  // test/harness/cluster.ts), so src/ is compiled first: a stale dist/ would test old code.
  // STRAIT_TEST_FROM_SOURCE=1 skips the compile and runs them through tsx instead.
  if (!fromSource) {
    const compiled = await new Promise((resolve) => {
      const tsc = spawn(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
      tsc.on('close', (code) => resolve(code ?? 1));
    });
    if (compiled !== 0) {
      console.error('tsc failed: not running the tests');
      for (const { child } of lanes) child.kill('SIGTERM');
      process.exit(compiled);
    }
  }
  const pool = startPool('integration', integrationFiles, 2);
  const unit = lanes.find((lane) => lane.name === 'unit');
  if (unit !== undefined) void unit.exit.then(() => pool.widen(3));
}
const exits = await Promise.all(lanes.map(({ exit }) => exit));
for (const { name, output, held } of lanes) {
  if (held) process.stdout.write(`\n— the ${name} files (run beside the integration files) —\n${Buffer.concat(output).toString('utf8')}`);
}
if (lanes.length > 1 || integrationFiles.length > 1) {
  // Each lane ends with its own summary; their sum:
  const totals = new Map();
  for (const { output } of lanes) {
    for (const match of Buffer.concat(output).toString('utf8').matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
      totals.set(match[1], (totals.get(match[1]) ?? 0) + Number(match[2]));
    }
  }
  process.stdout.write(`\nℹ every file: ${[...totals].map(([name, count]) => `${name} ${count}`).join(', ')}\n`);
}
// The failing tests once more, at the very end: a log read from its tail (a CI summary) names them
// and the first lines of each one's error, not only the files' counts (each file's list is above).
const failures = [];
for (const { output } of lanes) {
  for (const piece of output) {
    const text = piece.toString('utf8');
    for (const match of text.matchAll(/^✖ failing tests:\n([\s\S]*?)(?=^▶ |^ℹ |(?![\s\S]))/gm)) {
      let kept = 0;
      for (const line of match[1].split('\n')) {
        if (line.startsWith('✖ ')) kept = 0;
        else if (line.trim() === '' || line.startsWith('test at ') || /^\s+at /.test(line) || kept >= 6) continue;
        failures.push(line);
        kept += 1;
      }
    }
  }
}
if (failures.length > 0) {
  const shown = failures.slice(0, 150);
  process.stdout.write(`\n✖ the failing tests again (details above):\n${shown.join('\n')}\n${failures.length > shown.length ? `… ${failures.length - shown.length} more lines\n` : ''}`);
}
process.exitCode = exits.find((code) => code !== 0) ?? 0;
