/**
 * `_cluster/health?wait_for_nodes=` forms (cluster-health.html: `N`, `>=N`, `<=N`, `>N`, `<N`,
 * and `ge(N)`, `le(N)`, `gt(N)`, `lt(N)`); anything else is a 400.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { masterTimeoutOf, nodesInfoFromState, parseWaitForNodes } from '../../../src/node/wire-coordination.js';
import { emptyClusterState, type ClusterState } from '../../../src/cluster/state.js';
import { EsError } from '../../../src/common/index.js';

test('wait_for_nodes comparisons', () => {
  const cases: ReadonlyArray<readonly [string, number, boolean]> = [
    ['3', 3, true], ['3', 2, false], ['>=3', 4, true], ['>=3', 2, false], ['<=2', 2, true], ['<=2', 3, false],
    ['>2', 3, true], ['>2', 2, false], ['<2', 1, true], ['<2', 2, false], ['ge(3)', 3, true], ['le(3)', 4, false], ['gt(1)', 2, true], ['lt(1)', 0, true],
  ];
  for (const [value, count, expected] of cases) assert.equal(parseWaitForNodes(value)(count), expected, `${value} with ${count}`);
});

test('a malformed wait_for_nodes is a 400 illegal_argument_exception', () => {
  assert.throws(() => parseWaitForNodes('three'), (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'illegal_argument_exception');
});

// nodes-info.html: `GET /_nodes/{node_id}` and `GET /_nodes/{metric}` share the path; a target whose
// parts are all metrics (`http`, `settings,os`) lists every node, as the single-node route does.
test('GET /_nodes/{target} in multi-node: a metric list selects all nodes, a node filter selects by id, name, _local, _master', () => {
  const node = (name: string, port: number, roles: readonly string[]) => ({ name, ephemeral_id: `e-${name}`, transport_address: `127.0.0.1:${port}`, external_id: name, attributes: {}, roles, version: '8.15.0' });
  const state: ClusterState = { ...emptyClusterState('c', 'u'), master_node: 'idA', nodes: { idA: node('a', 9300, ['master', 'data']), idB: node('b', 9301, ['data']) } };
  const ids = (target: string | undefined): string[] => Object.keys((nodesInfoFromState(state, target, 'idB') as { nodes: Record<string, unknown> }).nodes).sort();
  assert.deepEqual(ids(undefined), ['idA', 'idB']);
  assert.deepEqual(ids('http'), ['idA', 'idB']);
  assert.deepEqual(ids('settings,os'), ['idA', 'idB']);
  assert.deepEqual(ids('_all'), ['idA', 'idB']);
  assert.deepEqual(ids('b'), ['idB']);
  assert.deepEqual(ids('idA'), ['idA']);
  assert.deepEqual(ids('_local'), ['idB']);
  assert.deepEqual(ids('_master'), ['idA']);
  assert.deepEqual(ids('nosuchnode'), []);
  const body = nodesInfoFromState(state, 'b', 'idB') as { _nodes: Record<string, number>; nodes: Record<string, { host: string; roles: string[] }> };
  assert.deepEqual(body._nodes, { total: 1, successful: 1, failed: 0 });
  assert.equal(body.nodes['idB']!.host, '127.0.0.1');
});

// cluster-nodes-info.html: `GET /_nodes/{node_id}/{metric}` selects the nodes by filter and the
// sections by metric (it answered for the local node only, through the single-node route).
test('GET /_nodes/{node_id}/{metric} in multi-node: the filter selects nodes, the metrics keep their sections', () => {
  const node = (name: string, port: number) => ({ name, ephemeral_id: `e-${name}`, transport_address: `127.0.0.1:${port}`, http_address: `127.0.0.1:${port - 100}`, external_id: name, attributes: {}, roles: ['data'], version: '8.15.0' });
  const state: ClusterState = { ...emptyClusterState('c', 'u'), master_node: 'idA', nodes: { idA: node('a', 9300), idB: node('b', 9301) } };
  const nodes = (target: string | undefined, metric?: string): Record<string, Record<string, unknown>> => (nodesInfoFromState(state, target, 'idB', metric) as { nodes: Record<string, Record<string, unknown>> }).nodes;
  const all = nodes('_all', 'http');
  assert.deepEqual(Object.keys(all).sort(), ['idA', 'idB']);
  assert.deepEqual(all['idA']!['http'], { publish_address: '127.0.0.1:9200', bound_address: ['127.0.0.1:9200'] });
  assert.equal(all['idA']!['transport'], undefined);
  assert.deepEqual(Object.keys(nodes('_local', 'transport')), ['idB']);
  assert.equal(nodes('_local', 'transport')['idB']!['http'], undefined);
  assert.ok(nodes('a', '_all')['idA']!['http'] !== undefined && nodes('a', '_all')['idA']!['transport'] !== undefined);
  // `/_nodes/http` (metrics only) keeps http alone on every node.
  const http = nodes('http');
  assert.deepEqual([Object.keys(http).length, http['idB']!['transport'], typeof http['idB']!['http']], [2, undefined, 'object']);
});

test('a change routed to the master waits the request master_timeout (it waited a fixed 30s), -1 without bound', () => {
  assert.equal(masterTimeoutOf({ query: {} }), 30_000);
  assert.equal(masterTimeoutOf({ query: { master_timeout: '5s' } }), 5_000);
  assert.equal(masterTimeoutOf({ query: { master_timeout: '250ms' } }), 250);
  assert.equal(masterTimeoutOf({ query: { master_timeout: '-1' } }), 2 ** 31 - 1);
  assert.equal(masterTimeoutOf({ query: { master_timeout: '90d' } }), 2 ** 31 - 1);
});
