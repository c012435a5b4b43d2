// The reindex-from-remote node settings (docs-reindex.html#reindex-from-remote, #reindex-ssl):
// `reindex.remote.whitelist` and `reindex.ssl.*` are known settings with checked values, and the
// SSL files are read and checked at start, so a bad one stops the node with a configuration error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadNodeConfig } from '../../../src/config/index.js';
import { reindexTls } from '../../../src/node/wire-reindex.js';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-reindex-config-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('reindex settings are known; verification_mode is checked', () => {
  withDir((dir) => {
    writeFileSync(path.join(dir, 'strait.yml'), 'reindex.remote.whitelist: ["otherhost:9200", "127.0.10.*:9200"]\nreindex.ssl.verification_mode: certificate\n');
    const config = loadNodeConfig(dir);
    assert.deepEqual(config.flat['reindex.remote.whitelist'], ['otherhost:9200', '127.0.10.*:9200']);
    assert.deepEqual(reindexTls(config), { certificateAuthorities: undefined, verificationMode: 'certificate', certificate: undefined, key: undefined });
    assert.throws(() => loadNodeConfig(dir, ['reindex.ssl.verification_mode=sometimes']), ConfigError);
  });
});

test('reindex.ssl files: missing, half a pair, or not PEM stop the start with a configuration error', () => {
  withDir((dir) => {
    assert.throws(() => reindexTls(loadNodeConfig(dir, ['reindex.ssl.certificate_authorities=missing-ca.crt'])), (error) => error instanceof ConfigError && /missing-ca\.crt/.test(error.message));
    assert.throws(() => reindexTls(loadNodeConfig(dir, ['reindex.ssl.certificate=a.crt'])), /must be set together/);
    writeFileSync(path.join(dir, 'junk.crt'), 'not a certificate');
    writeFileSync(path.join(dir, 'junk.key'), 'not a key');
    assert.throws(() => reindexTls(loadNodeConfig(dir, ['reindex.ssl.certificate=junk.crt', 'reindex.ssl.key=junk.key'])), (error) => error instanceof ConfigError && /reindex\.ssl/.test(error.message));
  });
});
