/**
 * A multi-node cluster's sniffing answers (issue #14; src/node/wire-remote-search.ts): every node of
 * the published state. Under the certificate model (`cluster:monitor/state`, nodes) each with its
 * transport publish address; under the API key model (`cluster:internal/remote_cluster/nodes`) only
 * the nodes that open the remote cluster interface, each with that interface's publish address, as
 * Elasticsearch's RemoteClusterNodesAction answers. Roles, version and `node.attr.*` travel along:
 * the querying cluster picks gateways by them (SniffConnectionStrategy's node predicate and
 * `cluster.remote.node.attr`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyClusterState, type ClusterState, type DiscoveryNode } from '../../../src/cluster/state.js';
import { sniffedNodes } from '../../../src/node/wire-remote-search.js';
import { isEligibleGateway } from '../../../src/remote/strategy.js';

const node = (name: string, roles: string[], attributes: Record<string, string>, remoteCluster: boolean): DiscoveryNode => ({
  name,
  ephemeral_id: `${name}-e`,
  transport_address: `127.0.0.1:93${name.slice(-1)}0`,
  external_id: name,
  attributes,
  roles,
  version: '9.1.0',
  ...(remoteCluster ? { remote_cluster_address: `127.0.0.1:94${name.slice(-1)}0` } : {}),
});

const state: ClusterState = {
  ...emptyClusterState('far', 'cu'),
  nodes: {
    m1: node('n-1', ['master'], {}, true),
    d2: node('n-2', ['data', 'master'], { gateway: 'true', zone: 'a' }, true),
    d3: node('n-3', ['data', 'ingest'], { zone: 'b' }, false),
  },
};

test('the certificate model lists every node with its transport address, roles, version and attributes', () => {
  assert.deepEqual(sniffedNodes(state, 'transport'), [
    { id: 'm1', name: 'n-1', address: '127.0.0.1:9310', roles: ['master'], version: '9.1.0', attributes: {} },
    { id: 'd2', name: 'n-2', address: '127.0.0.1:9320', roles: ['data', 'master'], version: '9.1.0', attributes: { gateway: 'true', zone: 'a' } },
    { id: 'd3', name: 'n-3', address: '127.0.0.1:9330', roles: ['data', 'ingest'], version: '9.1.0', attributes: { zone: 'b' } },
  ]);
});

test('the API key model lists the nodes that open the remote cluster interface, with that address', () => {
  assert.deepEqual(
    sniffedNodes(state, 'remote_cluster').map((entry) => [entry['id'], entry['address']]),
    [
      ['m1', '127.0.0.1:9410'],
      ['d2', '127.0.0.1:9420'],
    ],
  );
});

test('the querying cluster picks gateways from that list: no dedicated master, and the node.attr when one is required', () => {
  const listed = sniffedNodes(state, 'transport') as unknown as { id: string; roles: string[]; attributes: Record<string, string> }[];
  assert.deepEqual(listed.filter((entry) => isEligibleGateway(entry, undefined)).map((entry) => entry.id), ['d2', 'd3']);
  assert.deepEqual(listed.filter((entry) => isEligibleGateway(entry, 'gateway')).map((entry) => entry.id), ['d2']);
});
