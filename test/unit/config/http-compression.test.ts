// `http.compression` and `http.compression_level` as Elasticsearch defines them
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-network.html#http-settings):
// compression "when possible (with Accept-Encoding)", on by default for HTTP and off for HTTPS
// unless set to true explicitly (BREACH); the level from 1 to 9, default 3. Issue #9 item 17.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadNodeConfig } from '../../../src/config/index.js';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-config-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('unset, http.compression leaves the choice to the transport (HTTP on, HTTPS off); the level defaults to 3', () => {
  withDir((dir) => {
    const config = loadNodeConfig(dir);
    assert.equal(config.httpCompression, undefined);
    assert.equal(config.httpCompressionLevel, 3);
  });
});

test('explicit values are honoured', () => {
  withDir((dir) => {
    assert.equal(loadNodeConfig(dir, ['http.compression=true']).httpCompression, true);
    assert.equal(loadNodeConfig(dir, ['http.compression=false']).httpCompression, false);
    assert.equal(loadNodeConfig(dir, ['http.compression_level=9']).httpCompressionLevel, 9);
    assert.equal(loadNodeConfig(dir, ['http.compression_level=1']).httpCompressionLevel, 1);
  });
});

test('invalid values stop the start naming the setting', () => {
  withDir((dir) => {
    assert.throws(() => loadNodeConfig(dir, ['http.compression=maybe']), /setting \[http\.compression\]/);
    assert.throws(() => loadNodeConfig(dir, ['http.compression_level=0']), /setting \[http\.compression_level\]/);
    assert.throws(() => loadNodeConfig(dir, ['http.compression_level=10']), /setting \[http\.compression_level\]/);
    assert.throws(() => loadNodeConfig(dir, ['http.compression_level=fast']), /setting \[http\.compression_level\]/);
  });
});
