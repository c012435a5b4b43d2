import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEsError } from '../../../src/common/index.js';
import { isEligibleGateway, needsReconnect, parseAddress, resolveRemoteAliases } from '../../../src/remote/index.js';

const defaults = { connectionsPerCluster: 3, pingScheduleMs: -1, compress: false };
const expect400 = (flat: Record<string, string | string[]>, pattern: RegExp): void => {
  assert.throws(() => resolveRemoteAliases(flat, defaults), (error: unknown) => isEsError(error) && error.status === 400 && pattern.test(error.message));
};

test('addresses: host:port, IPv6 in brackets, the spec §2.2 errors', () => {
  assert.deepEqual(parseAddress('fc-a.example.net:9443'), { host: 'fc-a.example.net', port: 9443 });
  assert.deepEqual(parseAddress('[::1]:9300'), { host: '::1', port: 9300 });
  assert.throws(() => parseAddress('nohost'), /remote hosts need to be configured as \[host:port\], found \[nohost\] instead/);
  assert.throws(() => parseAddress('h:abc'), /failed to parse port/);
  assert.throws(() => parseAddress('h:0'), /port number must be > 0/);
});

test('sniff and proxy aliases with defaults; aliases without an enabling key do not exist', () => {
  const aliases = resolveRemoteAliases(
    {
      'cluster.remote.eu.seeds': ['127.0.0.1:9300', '127.0.0.1:9301'],
      'cluster.remote.eu.skip_unavailable': 'false',
      'cluster.remote.archive.mode': 'proxy',
      'cluster.remote.archive.proxy_address': 'lb:9443',
      'cluster.remote.archive.server_name': 'archive.example.net',
      'cluster.remote.gone.mode': 'sniff',
      'cluster.remote.connections_per_cluster': '5',
    },
    defaults,
  );
  assert.deepEqual([...aliases.keys()].sort(), ['archive', 'eu']);
  const eu = aliases.get('eu')!;
  assert.equal(eu.mode, 'sniff');
  assert.equal(eu.nodeConnections, 3);
  assert.equal(eu.skipUnavailable, false);
  const archive = aliases.get('archive')!;
  assert.equal(archive.proxySocketConnections, 18);
  assert.equal(archive.serverName, 'archive.example.net');
  assert.equal(archive.skipUnavailable, true, 'skip_unavailable defaults to true (8.15+)');
});

test('validation: mode-specific keys, keys on a disabled alias, bad seeds', () => {
  expect400({ 'cluster.remote.a.seeds': ['h:1'], 'cluster.remote.a.proxy_address': 'h:2' }, /Setting "cluster.remote.a.proxy_address" cannot be used with the configured "cluster.remote.a.mode" \[required=PROXY, configured=SNIFF\]/);
  expect400({ 'cluster.remote.a.mode': 'proxy', 'cluster.remote.a.proxy_address': 'h:2', 'cluster.remote.a.seeds': ['h:1'] }, /required=SNIFF, configured=PROXY/);
  expect400({ 'cluster.remote.a.skip_unavailable': 'true' }, /Cannot configure setting \[cluster.remote.a.skip_unavailable\] if remote cluster is not enabled/);
  expect400({ 'cluster.remote.a.seeds': ['nope'] }, /remote hosts need to be configured as \[host:port\]/);
  expect400({ 'cluster.remote.a.mode': 'carrier-pigeon', 'cluster.remote.a.seeds': ['h:1'] }, /must be \[sniff\] or \[proxy\]/);
});

test('only connection-relevant changes force a reconnect', () => {
  const base = resolveRemoteAliases({ 'cluster.remote.a.seeds': ['h:1'] }, defaults).get('a')!;
  const skip = resolveRemoteAliases({ 'cluster.remote.a.seeds': ['h:1'], 'cluster.remote.a.skip_unavailable': 'false' }, defaults).get('a')!;
  const seeds = resolveRemoteAliases({ 'cluster.remote.a.seeds': ['h:2'] }, defaults).get('a')!;
  assert.equal(needsReconnect(base, skip), false);
  assert.equal(needsReconnect(base, seeds), true);
});

test('gateway eligibility: dedicated masters never; node.attr when configured', () => {
  assert.equal(isEligibleGateway({ roles: ['master'], attributes: {} }, undefined), false);
  assert.equal(isEligibleGateway({ roles: ['master', 'data'], attributes: {} }, undefined), true);
  assert.equal(isEligibleGateway({ roles: ['data'], attributes: { gateway: 'true' } }, 'gateway'), true);
  assert.equal(isEligibleGateway({ roles: ['data'], attributes: {} }, 'gateway'), false);
});
