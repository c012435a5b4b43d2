// GET /_cluster/stats' body from gathered copies and nodes (cluster-stats.html): shards and their
// per-index min/max/avg, replication, docs of primaries only, store and segments of every copy,
// node counts by role, summed node figures, ingest processor stats by type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterStatsBody, type ClusterStatsCopy, type ClusterStatsNode } from '../../../src/http/routes/cluster-stats.js';

const copy = (index: string, shard: number, primary: boolean, docs: number, bytes: number): ClusterStatsCopy => ({ index, shard, primary, docs, deleted: primary ? 1 : 5, bytes, segments: 2 });
const node = (roles: string[], heap: number, descriptors: number, ingest?: Record<string, unknown>): ClusterStatsNode => ({
  roles,
  version: '8.15.0',
  platform: { name: 'Linux', arch: 'x64', availableProcessors: 4 },
  stats: {
    os: { mem: { total_in_bytes: 1000, free_in_bytes: 250 } },
    process: { open_file_descriptors: descriptors, cpu: { percent: 3 } },
    jvm: { uptime_in_millis: heap * 10, mem: { heap_used_in_bytes: heap, heap_max_in_bytes: 4 * heap } },
    fs: { total: { total_in_bytes: 100, free_in_bytes: 40, available_in_bytes: 30 } },
    ...(ingest === undefined ? {} : { ingest }),
  },
});

test('indices: copies summed as Elasticsearch does; nodes: counts by role and summed figures', () => {
  const ingest = { pipelines: { p1: { processors: [{ 'set:a': { type: 'set', stats: { count: 2, failed: 1, current: 0, time_in_millis: 5 } } }, { lowercase: { type: 'lowercase', stats: { count: 2, failed: 0, current: 0, time_in_millis: 1 } } }] } } };
  const body = clusterStatsBody({
    clusterName: 'c',
    clusterUuid: 'u',
    timestampMs: 42,
    status: 'yellow',
    nodesSelected: 3,
    failures: [{ type: 'failed_node_exception', node_id: 'x' }],
    nodes: [node(['data', 'master', 'ingest'], 100, 10, ingest), node(['data'], 300, 30, ingest)],
    // `a`: 2 shards with 1 replica each; `b`: 1 shard, no replica.
    copies: [copy('a', 0, true, 3, 10), copy('a', 0, false, 3, 11), copy('a', 1, true, 4, 12), copy('a', 1, false, 4, 13), copy('b', 0, true, 7, 20)],
    discoveryType: 'multi-node',
  }) as any;
  assert.deepEqual(body._nodes, { total: 3, successful: 2, failed: 1, failures: [{ type: 'failed_node_exception', node_id: 'x' }] });
  assert.deepEqual([body.cluster_name, body.cluster_uuid, body.timestamp, body.status], ['c', 'u', 42, 'yellow']);
  assert.equal(body.indices.count, 2);
  assert.deepEqual(body.indices.shards, {
    total: 5,
    primaries: 3,
    replication: 2 / 3,
    index: { shards: { min: 1, max: 4, avg: 2.5 }, primaries: { min: 1, max: 2, avg: 1.5 }, replication: { min: 0, max: 1, avg: 0.5 } },
  });
  assert.deepEqual(body.indices.docs, { count: 14, deleted: 3 });
  assert.deepEqual(body.indices.store, { size_in_bytes: 66, total_data_set_size_in_bytes: 66 });
  assert.deepEqual(body.indices.segments, { count: 10 });
  assert.equal(body.nodes.count.total, 2);
  assert.deepEqual([body.nodes.count.data, body.nodes.count.master, body.nodes.count.ingest, body.nodes.count.coordinating_only], [2, 1, 1, 0]);
  assert.deepEqual(body.nodes.versions, ['8.15.0']);
  assert.deepEqual(body.nodes.os.names, [{ name: 'Linux', count: 2 }]);
  assert.equal(body.nodes.os.available_processors, 8);
  assert.deepEqual(body.nodes.os.mem, { total_in_bytes: 2000, adjusted_total_in_bytes: 2000, free_in_bytes: 500, used_in_bytes: 1500, free_percent: 25, used_percent: 75 });
  assert.deepEqual(body.nodes.process, { cpu: { percent: 6 }, open_file_descriptors: { min: 10, max: 30, avg: 20 } });
  assert.deepEqual(body.nodes.jvm, { max_uptime_in_millis: 3000, mem: { heap_used_in_bytes: 400, heap_max_in_bytes: 1600 } });
  assert.deepEqual(body.nodes.fs, { total_in_bytes: 200, free_in_bytes: 80, available_in_bytes: 60 });
  assert.deepEqual(body.nodes.discovery_types, { 'multi-node': 2 });
  assert.deepEqual(body.nodes.ingest, { number_of_pipelines: 1, processor_stats: { lowercase: { count: 4, failed: 0, current: 0, time_in_millis: 2 }, set: { count: 4, failed: 2, current: 0, time_in_millis: 10 } } });
});

test('no copies: the shard figures are left out, as Elasticsearch prints an empty shards object', () => {
  const body = clusterStatsBody({ clusterName: 'c', clusterUuid: 'u', timestampMs: 0, status: 'green', nodesSelected: 0, failures: [], nodes: [], copies: [], discoveryType: 'single-node' }) as any;
  assert.deepEqual(body.indices.shards, {});
  assert.equal(body.indices.count, 0);
  assert.deepEqual(body.nodes.discovery_types, {});
  assert.deepEqual(body._nodes, { total: 0, successful: 0, failed: 0 });
});
