// The `strait` CLI as an operator uses it: keystore, certutil, start-up errors naming the setting.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeTempDir, runCli } from '../harness/cluster.js';

const dir = makeTempDir('strait-cli-');
after(() => removeTempDir(dir));

test('keystore create, add from stdin, add-file, list (names only), remove', () => {
  const configDir = path.join(dir, 'ks');
  assert.equal(runCli(['keystore', 'create', '--config-dir', configDir]).status, 0);
  assert.equal(statSync(path.join(configDir, 'strait.keystore')).mode & 0o777, 0o600);
  assert.notEqual(runCli(['keystore', 'create', '--config-dir', configDir]).status, 0, 'refuses to overwrite');
  assert.equal(runCli(['keystore', 'add', 'bootstrap.password', '--stdin', '--config-dir', configDir], { input: 'p4ssw0rd-secret\n' }).status, 0);
  const secretFile = path.join(dir, 'secret.txt');
  writeFileSync(secretFile, 'from-a-file');
  assert.equal(runCli(['keystore', 'add-file', 'xpack.security.http.ssl.secure_key_passphrase', secretFile, '--config-dir', configDir]).status, 0);
  const listed = runCli(['keystore', 'list', '--config-dir', configDir]);
  assert.equal(listed.status, 0);
  assert.deepEqual(listed.stdout.trim().split('\n'), ['bootstrap.password', 'xpack.security.http.ssl.secure_key_passphrase']);
  assert.equal(listed.stdout.includes('p4ssw0rd-secret'), false);
  assert.equal(readFileSync(path.join(configDir, 'strait.keystore'), 'utf8').includes('p4ssw0rd-secret'), false);
  assert.equal(runCli(['keystore', 'remove', 'bootstrap.password', '--config-dir', configDir]).status, 0);
  assert.deepEqual(runCli(['keystore', 'list', '--config-dir', configDir]).stdout.trim().split('\n'), ['xpack.security.http.ssl.secure_key_passphrase']);
  const missing = runCli(['keystore', 'remove', 'bootstrap.password', '--config-dir', configDir]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /does not exist/);
});

test('certutil ca and cert produce PEM files that verify', () => {
  const out = path.join(dir, 'certs');
  assert.equal(runCli(['certutil', 'ca', '--out', out]).status, 0);
  const cert = runCli(['certutil', 'cert', '--ca-cert', path.join(out, 'ca.crt'), '--ca-key', path.join(out, 'ca.key'), '--name', 'node-a', '--dns', 'node-a.local', '--ip', '127.0.0.1', '--out', out]);
  assert.equal(cert.status, 0, cert.stderr);
  const ca = new X509Certificate(readFileSync(path.join(out, 'ca.crt')));
  const leaf = new X509Certificate(readFileSync(path.join(out, 'node-a.crt')));
  assert.equal(leaf.verify(ca.publicKey), true);
  assert.equal(leaf.checkHost('node-a.local'), 'node-a.local');
  assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(statSync(path.join(out, 'node-a.key')).mode & 0o777, 0o600);
  const bad = runCli(['certutil', 'cert', '--ca-cert', path.join(out, 'ca.crt'), '--ca-key', path.join(out, 'ca.key'), '--name', 'x', '--ip', 'nope', '--out', out]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /not an IP address/);
});

test('start refuses an unknown setting with exit code 78, naming it', () => {
  const configDir = path.join(dir, 'bad');
  const result = runCli(['start', '--config-dir', configDir, '-E', 'cluster.nmae=typo', '-E', `path.data=${path.join(dir, 'bad-data')}`]);
  assert.equal(result.status, 78);
  assert.match(result.stderr, /unknown setting \[cluster\.nmae\]/);
  assert.equal(existsSync(path.join(configDir, 'certs')), false, 'no auto-configuration before settings validate');
});

test('start refuses a corrupt keystore with exit code 78', () => {
  const configDir = path.join(dir, 'corrupt');
  assert.equal(runCli(['keystore', 'create', '--config-dir', configDir]).status, 0);
  writeFileSync(path.join(configDir, 'strait.keystore'), '{"format":"strait-keystore"');
  const result = runCli(['start', '--config-dir', configDir, '-E', `path.data=${path.join(dir, 'corrupt-data')}`]);
  assert.equal(result.status, 78);
  assert.match(result.stderr, /keystore .* is corrupt/);
});

test('start refuses the remote cluster interface without security or without its TLS material, naming the setting', () => {
  const withoutSecurity = runCli([
    'start', '--config-dir', path.join(dir, 'rcs-nosec'),
    '-E', 'xpack.security.enabled=false', '-E', 'remote_cluster_server.enabled=true', '-E', 'http.port=0', '-E', 'transport.port=0',
    '-E', `path.data=${path.join(dir, 'rcs-nosec-data')}`,
  ]);
  assert.equal(withoutSecurity.status, 78);
  assert.match(withoutSecurity.stderr, /\[remote_cluster_server\.enabled\] requires \[xpack\.security\.enabled\]/);
  const ca = path.join(dir, 'rcs-ca');
  assert.equal(runCli(['certutil', 'ca', '--out', ca]).status, 0);
  const configDir = path.join(dir, 'rcs-notls');
  assert.equal(runCli(['certutil', 'cert', '--ca-cert', path.join(ca, 'ca.crt'), '--ca-key', path.join(ca, 'ca.key'), '--name', 'node', '--ip', '127.0.0.1', '--out', path.join(configDir, 'certs')]).status, 0);
  writeFileSync(path.join(configDir, 'certs', 'ca.crt'), readFileSync(path.join(ca, 'ca.crt')));
  writeFileSync(
    path.join(configDir, 'strait.yml'),
    [
      'xpack.security.enabled: true',
      'xpack.security.http.ssl.enabled: false',
      'xpack.security.transport.ssl.enabled: true',
      'xpack.security.transport.ssl.key: certs/node.key',
      'xpack.security.transport.ssl.certificate: certs/node.crt',
      'xpack.security.transport.ssl.certificate_authorities: [certs/ca.crt]',
      'remote_cluster_server.enabled: true',
    ].join('\n'),
  );
  const withoutTls = runCli(['start', '--config-dir', configDir, '-E', 'http.port=0', '-E', 'transport.port=0', '-E', `path.data=${path.join(dir, 'rcs-notls-data')}`]);
  assert.equal(withoutTls.status, 78);
  assert.match(withoutTls.stderr, /\[xpack\.security\.remote_cluster_server\.ssl\.key\] must be set/);
});
