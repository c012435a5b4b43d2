import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHarness } from './harness.js';

// GET /_cluster/health: wait_for_status is read in any case and an unknown status is refused as
// Elasticsearch's RestClusterHealthAction refuses it (ClusterHealthStatus.valueOf of the upper case);
// a wait not met in time answers 408 with timed_out: true (cluster-health.html, "timeout").

test('wait_for_status in any case; an unknown status is a 400 naming the enum constant', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'one' }, body: { settings: { number_of_replicas: 0 } } });
  const upper = await h.call('GET', '/_cluster/health', { query: { wait_for_status: 'GREEN', timeout: '1s' } });
  assert.equal(upper.status, 200);
  assert.equal(upper.body.status, 'green');
  const unknown = await h.call('GET', '/_cluster/health', { query: { wait_for_status: 'purple' } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.type, 'illegal_argument_exception');
  assert.equal(unknown.body.error.reason, 'No enum constant org.elasticsearch.cluster.health.ClusterHealthStatus.PURPLE');
});

test('auto_expand_replicas 1-all on one node: wait_for_status=green answers 408, timed_out: true, status yellow', async (t) => {
  let now = 0;
  const h = openHarness(t, { nowMs: () => (now += 100) });
  await h.call('PUT', '/:index', { params: { index: 'wide' }, body: { settings: { auto_expand_replicas: '1-all' } } });
  const health = await h.call('GET', '/_cluster/health/:index', { params: { index: 'wide' }, query: { wait_for_status: 'green', timeout: '1s' } });
  assert.equal(health.status, 408);
  assert.equal(health.body.timed_out, true);
  assert.equal(health.body.status, 'yellow');
  assert.equal(health.body.unassigned_shards, 1);
});
