// `thread_pool.search.size` (modules-threadpool.html): the search pool's worker threads. A known
// node setting, an integer from 0 (query phases on the main thread) to 64; the default is one
// worker per core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadNodeConfig } from '../../../src/config/index.js';
import { searchPoolSize } from '../../../src/index/searcher/search-pool.js';

test('thread_pool.search.size: 0..64 accepted and honoured; default one per core; others refused at start', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-pool-config-'));
  try {
    writeFileSync(path.join(dir, 'strait.yml'), '');
    assert.equal(searchPoolSize(loadNodeConfig(dir).flat['thread_pool.search.size']), availableParallelism());
    for (const size of [0, 1, 3, 64]) assert.equal(searchPoolSize(loadNodeConfig(dir, [`thread_pool.search.size=${size}`]).flat['thread_pool.search.size']), size);
    // The default follows the cores up to the setting's own maximum (a 96-core machine gets 64 workers).
    assert.equal(searchPoolSize(undefined, 96), 64);
    assert.equal(searchPoolSize(undefined, 3), 3);
    for (const size of ['-1', '65', 'two']) assert.throws(() => loadNodeConfig(dir, [`thread_pool.search.size=${size}`]), (error: unknown) => error instanceof ConfigError && /thread_pool\.search\.size/u.test(error.message), size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
