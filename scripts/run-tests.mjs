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
// The longest files first (integration files starting several nodes or clusters), then the other
// integration files, then the unit files: with two files at a time, the short ones fill the end instead of one
// long file running alone there.
const weight = (file) => (file.startsWith(path.join('test', 'integration')) && /multi-node|ccr|ccs|three-cluster/.test(file) ? 0 : file.startsWith(path.join('test', 'integration')) ? 1 : 2);
const matched = walk(path.join(root, 'test'))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort((a, b) => weight(a) - weight(b) || (a < b ? -1 : a > b ? 1 : 0));
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
let files = matched;
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
  // The bundles (about 30 s each) after the cluster files, before the other integration files.
  files = [...matched.filter((file) => weight(file) === 0), ...entries, ...matched.filter((file) => weight(file) > 0 && !bundled.includes(file))];
}
// Nodes and CLI calls the tests start run from dist/ (see STRAIT_TEST_FROM_DIST in
// test/harness/cluster.ts), so src/ is compiled first: a stale dist/ would test old code.
// STRAIT_TEST_FROM_SOURCE=1 skips the compile and runs them through tsx instead.
const fromSource = process.env['STRAIT_TEST_FROM_SOURCE'] === '1';
if (!fromSource) {
  const compiled = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (compiled.status !== 0) {
    console.error('tsc failed: not running the tests');
    process.exit(compiled.status ?? 1);
  }
}
// STRAIT_TEST_TIMINGS=<file> appends each test file's wall time there (scripts/test-timing.mjs).
const timings = process.env['STRAIT_TEST_TIMINGS'] ? ['--import', path.join(root, 'scripts', 'test-timing.mjs')] : [];
const runner = spawn(
  process.execPath,
  ['--import', 'tsx', ...timings, '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, STRAIT_TEST_FROM_DIST: fromSource ? '0' : '1' } },
);
// A signal that stops this script (npm forwarding SIGTERM, a CI timeout) goes on to the test
// runner, which stops the test files, whose harness stops their nodes; waiting here (rather than
// in spawnSync) is what lets it through instead of leaving the runner going on alone.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => runner.kill(signal));
}
runner.on('exit', (code, signal) => {
  process.exit(code ?? (signal === null ? 1 : 128 + osConstants.signals[signal]));
});
