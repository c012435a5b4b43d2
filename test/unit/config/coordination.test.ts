/**
 * Multi-node coordination settings (issue #14 "Many nodes" and "Bad input"): `discovery.type`
 * (Elasticsearch's discovery-settings.html names `single-node` and `multi-node`), the etcd
 * connection, and the fault detection settings (Elasticsearch's
 * modules-discovery-settings.html `cluster.fault_detection.follower_check.*`) that size the lease.
 * Each refusal names the setting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNodeConfig, ConfigError, type SecureSettings } from '../../../src/config/index.js';

function secure(values: Record<string, string> = {}): SecureSettings {
  return { has: (name) => name in values, getString: (name) => values[name], names: () => Object.keys(values) };
}

const build = (settings: Record<string, string | string[]>, keystore: Record<string, string> = {}) => buildNodeConfig('/etc/strait', settings, secure(keystore));

function refuses(settings: Record<string, string | string[]>, pattern: RegExp, keystore: Record<string, string> = {}): void {
  assert.throws(() => build(settings, keystore), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));
}

test('single-node is the default and needs no etcd', () => {
  const config = build({});
  assert.equal(config.discoveryType, 'single-node');
  assert.equal(config.coordination, undefined);
});

test('a coordination setting on a single node is refused, naming it', () => {
  refuses({ 'cluster.coordination.etcd.endpoints': 'http://127.0.0.1:2379' }, /\[cluster\.coordination\.etcd\.endpoints\] requires \[discovery\.type\] to be \[multi-node\]/);
  refuses({ 'cluster.fault_detection.follower_check.interval': '2s' }, /\[cluster\.fault_detection\.follower_check\.interval\]/);
  refuses({}, /\[cluster\.coordination\.etcd\.password\]/, { 'cluster.coordination.etcd.password': 'p' });
});

test('multi-node: endpoints, default prefix, lease from the fault detection defaults', () => {
  const config = build({ 'cluster.name': 'west', 'discovery.type': 'multi-node', 'cluster.coordination.etcd.endpoints': 'http://127.0.0.1:2379, http://127.0.0.1:2380' });
  assert.equal(config.discoveryType, 'multi-node');
  assert.deepEqual(config.coordination?.endpoints, ['http://127.0.0.1:2379', 'http://127.0.0.1:2380']);
  assert.equal(config.coordination?.prefix, '/strait/west/');
  assert.equal(config.coordination?.keepAliveIntervalMs, 1000);
  assert.equal(config.coordination?.leaseTtlSeconds, 4); // 1s × 3 + 1s
  assert.equal(config.coordination?.tls, undefined);
});

test('multi-node: TLS paths resolve against the config dir, credentials come from the keystore, the prefix gets its slash', () => {
  const config = build(
    {
      'discovery.type': 'multi-node',
      'cluster.coordination.etcd.endpoints': ['https://etcd:2379'],
      'cluster.coordination.etcd.ssl.certificate_authorities': 'certs/ca.crt',
      'cluster.coordination.etcd.ssl.certificate': 'certs/node.crt',
      'cluster.coordination.etcd.ssl.key': 'certs/node.key',
      'cluster.coordination.etcd.username': 'strait',
      'cluster.coordination.etcd.prefix': '/clusters/a',
      'cluster.fault_detection.follower_check.interval': '2s',
      'cluster.fault_detection.follower_check.timeout': '3s',
      'cluster.fault_detection.follower_check.retry_count': '2',
    },
    { 'cluster.coordination.etcd.password': 'secret' },
  );
  assert.deepEqual(config.coordination?.tls, { certificateAuthorities: ['/etc/strait/certs/ca.crt'], certificate: '/etc/strait/certs/node.crt', key: '/etc/strait/certs/node.key' });
  assert.equal(config.coordination?.username, 'strait');
  assert.equal(config.coordination?.password, 'secret');
  assert.equal(config.coordination?.prefix, '/clusters/a/');
  assert.equal(config.coordination?.leaseTtlSeconds, 7);
});

test('multi-node refusals name the setting', () => {
  const base = { 'discovery.type': 'multi-node', 'cluster.coordination.etcd.endpoints': 'http://127.0.0.1:2379' };
  refuses({ 'discovery.type': 'multi-node' }, /\[cluster\.coordination\.etcd\.endpoints\] is required/);
  refuses({ 'discovery.type': 'cluster' }, /\[discovery\.type\]/);
  refuses({ ...base, 'cluster.coordination.etcd.endpoints': 'etcd:2379' }, /\[cluster\.coordination\.etcd\.endpoints\]/);
  refuses({ ...base, 'cluster.coordination.etcd.endpoints': 'http://a:1,https://b:2' }, /mixes http and https/);
  refuses({ ...base, 'cluster.coordination.etcd.ssl.certificate_authorities': 'ca.crt' }, /\[cluster\.coordination\.etcd\.ssl\.certificate_authorities\] requires https/);
  refuses({ ...base, 'cluster.coordination.etcd.endpoints': 'https://a:1', 'cluster.coordination.etcd.ssl.certificate': 'n.crt' }, /\[cluster\.coordination\.etcd\.ssl\.key\] is required/);
  refuses({ ...base, 'cluster.coordination.etcd.username': 'u' }, /requires the keystore setting \[cluster\.coordination\.etcd\.password\]/);
  refuses(base, /\[cluster\.coordination\.etcd\.password\] requires \[cluster\.coordination\.etcd\.username\]/, { 'cluster.coordination.etcd.password': 'p' });
  refuses({ ...base, 'cluster.coordination.etcd.password': 'p' }, /secure setting/);
  refuses({ ...base, 'cluster.coordination.etcd.prefix': 'strait' }, /\[cluster\.coordination\.etcd\.prefix\]/);
  refuses({ ...base, 'cluster.fault_detection.follower_check.interval': '100ms', 'cluster.fault_detection.follower_check.timeout': '100ms' }, /etcd needs at least/);
  refuses({ ...base, 'cluster.fault_detection.follower_check.retry_count': '0' }, /\[cluster\.fault_detection\.follower_check\.retry_count\]/);
  refuses({ ...base, 'cluster.fault_detection.leader_check.interval': '1s' }, /unknown setting \[cluster\.fault_detection\.leader_check\.interval\]/);
});
