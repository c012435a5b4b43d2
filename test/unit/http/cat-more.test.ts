// _cat/nodes and _cat/allocation figures computed as Elasticsearch's RestNodesAction and
// RestAllocationAction compute them (heap percent truncated, ram percent rounded, disk used =
// total - available with a two-decimal percent, loads with two decimals, role abbreviations
// sorted), from fixed figures so that every value is known; and the directory sizing behind
// disk.indices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { catMoreRoutes, roleAbbreviations } from '../../../src/http/routes/cat-more.js';
import { directoryBytes, type NodeFigures } from '../../../src/http/routes/node-figures.js';
import { callRoute } from '../../harness/routes.js';

const figures: NodeFigures = {
  pid: 4242,
  uptimeMs: 90_000,
  heapUsedBytes: 333,
  heapMaxBytes: 1000,
  ramTotalBytes: 8 * 1024 ** 3,
  ramUsedBytes: 6 * 1024 ** 3 + 1,
  cpuPercent: 7,
  loadAverage: [0.5, 1.25, 2],
  openFileDescriptors: 50,
  maxFileDescriptors: 1024,
  disk: { totalBytes: 400 * 1024 ** 3, freeBytes: 310 * 1024 ** 3, availableBytes: 300 * 1024 ** 3 },
  processCpuTotalMs: 1234,
  processCpuPercent: 3,
  heapCommittedBytes: 500,
  nonHeapBytes: 200,
  residentBytes: 4000,
};

const routes = catMoreRoutes({
  indices: { all: () => [] } as never,
  searchers: {} as never,
  recoveries: {} as never,
  figures: () => figures,
  node: {
    nodeId: 'AbCdEfGhIjKlMnOpQrStUv',
    nodeName: 'unit-1',
    roles: ['master', 'data', 'ingest', 'remote_cluster_client', 'data_content'],
    buildHash: 'abc123',
    httpAddress: () => '127.0.0.1:9200',
    transportAddress: () => '127.0.0.1:9300',
    attributes: { zone: 'a' },
  },
});

test('role abbreviations sorted as Elasticsearch sorts them; none is -', () => {
  assert.equal(roleAbbreviations(['master', 'data', 'ingest', 'remote_cluster_client', 'data_content']), 'dimrs');
  assert.equal(roleAbbreviations(['index', 'search', 'ml']), 'ISl');
  assert.equal(roleAbbreviations([]), '-');
});

test('_cat/nodes values from the node figures', async () => {
  const all = 'id,pid,ip,port,http_address,heap.current,heap.percent,heap.max,ram.percent,ram.max,file_desc.current,file_desc.percent,file_desc.max,cpu,load_1m,load_5m,load_15m,uptime,disk.total,disk.used,disk.avail,disk.used_percent,node.role,master,name';
  const response = await callRoute(routes, 'GET', '/_cat/nodes', { query: { format: 'json', h: all } });
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, [
    {
      id: 'AbCd',
      pid: '4242',
      ip: '127.0.0.1',
      port: '9300',
      http_address: '127.0.0.1:9200',
      'heap.current': '333b',
      'heap.percent': '33',
      'heap.max': '1000b',
      'ram.percent': '75',
      'ram.max': '8gb',
      'file_desc.current': '50',
      'file_desc.percent': '4',
      'file_desc.max': '1024',
      cpu: '7',
      load_1m: '0.50',
      load_5m: '1.25',
      load_15m: '2.00',
      uptime: '1.5m',
      'disk.total': '400gb',
      'disk.used': '100gb',
      'disk.avail': '300gb',
      'disk.used_percent': '25.00',
      'node.role': 'dimrs',
      master: '*',
      name: 'unit-1',
    },
  ]);
  const seconds = await callRoute(routes, 'GET', '/_cat/nodes', { query: { h: 'uptime,disk.avail', time: 's', bytes: 'gb' } });
  assert.equal(seconds.body, '90 300\n');
});

test('_cat/allocation: one row for the node, disk percent truncated; _cat/nodeattrs and _cat/master', async () => {
  const allocation = await callRoute(routes, 'GET', '/_cat/allocation', { query: { format: 'json', h: 'shards,disk.indices,disk.used,disk.percent,node,node.role' } });
  assert.deepEqual(allocation.body, [{ shards: '0', 'disk.indices': '0b', 'disk.used': '100gb', 'disk.percent': '25', node: 'unit-1', 'node.role': 'dimrs' }]);
  const attrs = await callRoute(routes, 'GET', '/_cat/nodeattrs', { query: { v: 'true', h: 'node,pid,port,attr,value' } });
  assert.equal(attrs.body, 'node   pid  port attr value\nunit-1 4242 9300 zone a\n');
  const master = await callRoute(routes, 'GET', '/_cat/master', { query: {} });
  assert.equal(master.body, 'AbCdEfGhIjKlMnOpQrStUv 127.0.0.1 127.0.0.1 unit-1\n');
});

test('directoryBytes sums the files below a directory; a missing one is 0', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-cat-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'shard-0.db'), Buffer.alloc(100));
  mkdirSync(path.join(dir, 'searcher'));
  writeFileSync(path.join(dir, 'searcher', '_0.seg'), Buffer.alloc(23));
  assert.equal(directoryBytes(dir), 123);
  assert.equal(directoryBytes(path.join(dir, 'missing')), 0);
});
