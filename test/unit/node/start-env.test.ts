// Issue 13 (peak RSS): `npm start` runs the node with glibc's mmap threshold fixed
// (MALLOC_MMAP_THRESHOLD_, read by glibc when the process starts: the node cannot set it for
// itself), and the harness starts the nodes of the tests and benches with the same environment, so
// that the bench measures what a user runs. https://man7.org/linux/man-pages/man3/mallopt.3.html
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeProcessEnv, repoRoot } from '../../harness/cluster.js';

test('npm start sets the environment the harness gives its nodes (glibc mmap threshold 128 KiB)', () => {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(nodeProcessEnv['MALLOC_MMAP_THRESHOLD_'], '131072');
  const assignments = Object.entries(nodeProcessEnv).map(([name, value]) => `${name}=${value}`).join(' ');
  assert.equal(manifest.scripts['start'], `${assignments} node dist/cli/main.js start --config-dir ./config`);
});
