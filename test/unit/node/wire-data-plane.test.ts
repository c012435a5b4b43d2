/**
 * Pure helpers of the data plane's wiring (issue #14): transport addresses as the cluster state
 * publishes them (DiscoveryNode transport_address, `host:port` or `[v6]:port`), and the history
 * retention floor combining peer recovery's leases with cross-cluster replication's (both are
 * retention leases in Elasticsearch's ReplicationTracker: the lowest retained seq_no wins).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lowestFloor, parseTransportAddress } from '../../../src/node/wire-data-plane.js';

test('transport addresses of the published state parse to host and port', () => {
  assert.deepEqual(parseTransportAddress('127.0.0.1:9300'), { host: '127.0.0.1', port: 9300 });
  assert.deepEqual(parseTransportAddress('[::1]:9301'), { host: '::1', port: 9301 });
  assert.equal(parseTransportAddress('no-port'), undefined);
  assert.equal(parseTransportAddress('host:0'), undefined);
  assert.equal(parseTransportAddress('host:70000'), undefined);
});

test('the retention floor is the lowest one set: no floor when neither holds history', () => {
  assert.equal(lowestFloor(undefined, undefined), undefined);
  assert.equal(lowestFloor(12, undefined), 12);
  assert.equal(lowestFloor(undefined, 7), 7);
  assert.equal(lowestFloor(12, 7), 7);
});
