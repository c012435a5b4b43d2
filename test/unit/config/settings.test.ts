// Node settings: Elasticsearch names, unknown settings refused naming them, -E overrides, keystore-only secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, Keystore, loadNodeConfig, parseYamlSettings, validateSettings } from '../../../src/config/index.js';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-config-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('nested and dotted YAML flatten alike', () => {
  assert.deepEqual(parseYamlSettings('cluster:\n  name: a\nnode.name: b\nnode.roles: [data, master]\nhttp.port: 9201\n'), {
    'cluster.name': 'a',
    'node.name': 'b',
    'node.roles': ['data', 'master'],
    'http.port': '9201',
  });
});

test('defaults, -E overrides and paths relative to the config dir', () => {
  withDir((dir) => {
    writeFileSync(path.join(dir, 'strait.yml'), 'cluster.name: west\nhttp.port: 9250\nxpack.security.http.ssl:\n  enabled: true\n  key: certs/http.key\n  certificate: certs/http.crt\n');
    const config = loadNodeConfig(dir, ['http.port=0', 'node.name=n1']);
    assert.equal(config.clusterName, 'west');
    assert.equal(config.nodeName, 'n1');
    assert.equal(config.httpPort, 0);
    assert.equal(config.transportPort, 9300);
    assert.equal(config.pathData, path.resolve(dir, '..', 'data'));
    assert.equal(config.httpSsl.enabled, true);
    assert.equal(config.httpSsl.key, path.join(dir, 'certs', 'http.key'));
    assert.equal(config.httpSsl.clientAuthentication, 'none');
    assert.equal(config.transportSsl.clientAuthentication, 'required');
    assert.equal(config.securityEnabled, true);
    assert.equal(config.httpMaxContentLengthBytes, 100 * 1024 * 1024);
  });
});

// Reference: modules-network.html: `network.bind_host` is the default bind address of every
// interface (http.host/transport.host win), `network.host` its own default.
test('network.bind_host is the default bind address of HTTP and transport', () => {
  withDir((dir) => {
    writeFileSync(path.join(dir, 'strait.yml'), 'network.host: 127.0.0.1\nnetwork.bind_host: 0.0.0.0\n');
    const config = loadNodeConfig(dir, []);
    assert.equal(config.httpHost, '0.0.0.0');
    assert.equal(config.transportHost, '0.0.0.0');
    assert.equal(config.networkHost, '127.0.0.1');
    assert.equal(loadNodeConfig(dir, ['http.host=127.0.0.2']).httpHost, '127.0.0.2');
  });
});

test('unknown settings and invalid values stop the start naming the setting', () => {
  withDir((dir) => {
    assert.throws(() => loadNodeConfig(dir, ['no.such.setting=1']), (error: ConfigError) => error instanceof ConfigError && /unknown setting \[no\.such\.setting\]/.test(error.message));
    assert.throws(() => loadNodeConfig(dir, ['http.port=http']), /setting \[http\.port\]/);
    assert.throws(() => loadNodeConfig(dir, ['xpack.security.enabled=yes']), /setting \[xpack\.security\.enabled\]/);
    assert.throws(() => loadNodeConfig(dir, ['http.max_content_length=lots']), /setting \[http\.max_content_length\]/);
    assert.throws(() => loadNodeConfig(dir, ['cluster.remote.west.mode=mesh']), /setting \[cluster\.remote\.west\.mode\]/);
    assert.equal(loadNodeConfig(dir, ['cluster.remote.west.seeds=127.0.0.1:9300']).flat['cluster.remote.west.seeds'], '127.0.0.1:9300');
  });
});

test('a fault injection setting is refused unless the environment sets the test flag STRAIT_TEST_FAULT_INJECTION=1', () => {
  const setting = { 'strait.test.remote.scroll_disconnect_aliases': ['rcd'] };
  assert.throws(() => validateSettings(setting), (error: ConfigError) => error instanceof ConfigError && /setting \[strait\.test\.remote\.scroll_disconnect_aliases\] injects faults for tests and is refused unless the environment sets STRAIT_TEST_FAULT_INJECTION=1/.test(error.message));
  assert.doesNotThrow(() => validateSettings(setting, { faultInjectionAllowed: true }));
  // The older test-only settings (a claimed version, a slowed search) are fault injection too.
  for (const [key, value] of [['strait.test.version', '7.17.0'], ['strait.test.search.shard_delay', '2s']] as const) {
    assert.throws(() => validateSettings({ [key]: value }), (error: ConfigError) => error instanceof ConfigError && error.message === `setting [${key}] injects faults for tests and is refused unless the environment sets STRAIT_TEST_FAULT_INJECTION=1`);
    assert.doesNotThrow(() => validateSettings({ [key]: value }, { faultInjectionAllowed: true }));
  }
  const before = process.env['STRAIT_TEST_FAULT_INJECTION'];
  withDir((dir) => {
    try {
      for (const value of [undefined, '0', 'true']) {
        if (value === undefined) delete process.env['STRAIT_TEST_FAULT_INJECTION'];
        else process.env['STRAIT_TEST_FAULT_INJECTION'] = value;
        assert.throws(() => loadNodeConfig(dir, ['strait.test.remote.scroll_disconnect_aliases=rcd']), /injects faults for tests/);
      }
      process.env['STRAIT_TEST_FAULT_INJECTION'] = '1';
      assert.equal(loadNodeConfig(dir, ['strait.test.remote.scroll_disconnect_aliases=rcd']).flat['strait.test.remote.scroll_disconnect_aliases'], 'rcd');
    } finally {
      if (before === undefined) delete process.env['STRAIT_TEST_FAULT_INJECTION'];
      else process.env['STRAIT_TEST_FAULT_INJECTION'] = before;
    }
  });
});

test('secrets are refused outside the keystore', () => {
  withDir((dir) => {
    assert.throws(() => loadNodeConfig(dir, ['bootstrap.password=changeme']), /secure setting and must be stored inside the keystore/);
  });
});

test('the keystore round-trips with mode 0600, never stores plain text, and detects corruption', () => {
  withDir((dir) => {
    const keystore = Keystore.create(dir);
    keystore.set('bootstrap.password', Buffer.from('s3cret-pw'));
    keystore.save();
    const file = Keystore.pathIn(dir);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').includes('s3cret-pw'), false);
    const loaded = Keystore.load(dir);
    assert.equal(loaded.getString('bootstrap.password'), 's3cret-pw');
    assert.deepEqual(loaded.names(), ['bootstrap.password']);
    assert.equal(loadNodeConfig(dir).secure.getString('bootstrap.password'), 's3cret-pw');
    const contents = JSON.parse(readFileSync(file, 'utf8')) as { data: string };
    contents.data = Buffer.from('tampered').toString('base64');
    writeFileSync(file, JSON.stringify(contents));
    assert.throws(() => Keystore.load(dir), /corrupt or the password is wrong/);
    writeFileSync(file, 'garbage');
    assert.throws(() => loadNodeConfig(dir), /corrupt/);
  });
});

test('a keystore without a password is derived cheaply (obfuscation only); with one, slowly; a file keeps the cost it was written with', () => {
  withDir((dir) => {
    const kdfN = (): number => (JSON.parse(readFileSync(Keystore.pathIn(dir), 'utf8')) as { kdf: { N: number } }).kdf.N;
    const keystore = Keystore.create(dir);
    keystore.set('bootstrap.password', Buffer.from('s3cret-pw'));
    keystore.save('');
    assert.equal(kdfN(), 1024);
    assert.equal(Keystore.load(dir, '').getString('bootstrap.password'), 's3cret-pw');
    keystore.save('a keystore password');
    assert.equal(kdfN(), 32768);
    assert.equal(Keystore.load(dir, 'a keystore password').getString('bootstrap.password'), 's3cret-pw');
    assert.throws(() => Keystore.load(dir, ''), /corrupt or the password is wrong/);
  });
});

test('a keystore holding an unknown setting is refused', () => {
  withDir((dir) => {
    const keystore = Keystore.create(dir);
    keystore.set('some.random.secret', Buffer.from('x'));
    keystore.save();
    assert.throws(() => loadNodeConfig(dir), /unknown secure setting \[some\.random\.secret\]/);
  });
});
