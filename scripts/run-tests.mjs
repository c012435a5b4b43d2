#!/usr/bin/env node
// Runs every test file under test/ (Node 20's --test takes no globs), each file in its own
// process, the longest first. Extra arguments filter files by substring.
// The clients-tests conformance suite is read from STRAIT_CLIENTS_TESTS_DIR (default
// ../shared/conformance/clients-tests); outside CI a missing suite is reported as skipped.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';

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
// The longest files first (those starting several nodes or clusters), then the other integration
// files, then the unit files: with two files at a time, the short ones fill the end instead of one
// long file running alone there.
const weight = (file) => (/multi-node|ccr|ccs|three-cluster/.test(file) ? 0 : file.startsWith(path.join('test', 'integration')) ? 1 : 2);
const files = walk(path.join(root, 'test'))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort((a, b) => weight(a) - weight(b) || (a < b ? -1 : a > b ? 1 : 0));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
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
const runner = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
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
