/**
 * The data plane on real multi-node nodes over a real etcd (issue #14, wiring step 1): each node
 * serves the replication and peer-recovery actions on its transport interface
 * (`indices:data/write/bulk[s]`, `internal:index/shard/recovery/start_recovery` ...) to nodes of its
 * own cluster only, and every node names the cluster's uuid: in `GET /` (rest-api/root.html,
 * `cluster_uuid` is the cluster's, the same on every node) and in its transport handshake, which is
 * how the data plane tells its own cluster's nodes from a remote cluster's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';
import { etcdSkipReason, startEtcd, type RunningEtcd } from '../harness/etcd.js';
import { connectTransport, TRANSPORT_FORMAT_VERSION, type TransportConnection } from '../../src/transport/index.js';

const skip = etcdSkipReason();

describe('data plane on three Strait nodes over etcd', { skip }, () => {
  let etcd: RunningEtcd;
  const nodes: StartedNode[] = [];
  before(async () => {
    etcd = await startEtcd();
    for (const name of ['data-a', 'data-b', 'data-c']) {
      nodes.push(await startNode({ security: false, clusterName: 'wired', nodeName: name, yaml: ['discovery.type: multi-node', `cluster.coordination.etcd.endpoints: ${etcd.endpoint}`].join('\n') }));
    }
    const health = await jsonCall(nodes[0]!, 'GET', '/_cluster/health?wait_for_nodes=3&timeout=30s');
    assert.equal(health.status, 200, health.text);
  });
  after(async () => {
    for (const node of nodes) await node.destroy();
    await etcd?.destroy();
  });

  test('every node names the cluster uuid of the published state in GET /', async () => {
    const state = await jsonCall(nodes[0]!, 'GET', '/_cluster/state/master_node');
    assert.equal(typeof state.body.cluster_uuid, 'string');
    for (const node of nodes) {
      const root = await jsonCall(node, 'GET', '/');
      assert.equal(root.status, 200);
      assert.equal(root.body.cluster_name, 'wired');
      assert.equal(root.body.cluster_uuid, state.body.cluster_uuid);
    }
  });

  test('the replication and recovery actions are served on the transport interface to nodes of this cluster only', async () => {
    const state = await jsonCall(nodes[1]!, 'GET', '/_cluster/state/nodes');
    const info = await jsonCall(nodes[1]!, 'GET', '/_nodes/_local');
    const [nodeId] = Object.keys(info.body.nodes);
    const address = String(info.body.nodes[nodeId!].transport.publish_address);
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const connect = (clusterUuid: string): Promise<TransportConnection> =>
      connectTransport({
        address: { host: '127.0.0.1', port },
        local: { clusterName: 'wired', clusterUuid, nodeId: 'probe-node', nodeName: 'probe', version: String(state.body.nodes[nodeId!].version), roles: ['data'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION },
        logger: pino({ level: 'silent' }),
      });
    const recovery = { index_uuid: 'no-such-uuid', index: 'missing', shard: 0, target_allocation_id: 'a1', target_node_id: 'probe-node', local_checkpoint: -1, last_operation_term: null };
    // The handshake answers with the cluster's uuid, not the node's own.
    const own = await connect(String(state.body.cluster_uuid));
    try {
      assert.equal(own.remote.clusterUuid, state.body.cluster_uuid);
      assert.equal(own.remote.nodeId, nodeId);
      // A node of this cluster reaches the service: no copy of that shard is open on the node.
      await assert.rejects(own.request('internal:index/shard/recovery/start_recovery', recovery, { timeoutMs: 10_000 }), (error: any) => error.type === 'shard_not_found_exception');
      await assert.rejects(
        own.request('indices:data/write/bulk[s]', { index_uuid: 'no-such-uuid', index: 'missing', shard: 0, items: [{ op: 'index', id: '1', source: '{}', routing: null, if_seq_no: null, if_primary_term: null }] }, { timeoutMs: 10_000 }),
        (error: any) => error.type === 'shard_not_found_exception',
      );
    } finally {
      own.close();
    }
    // A node of another cluster with the same name (a remote cluster's node) is refused the internal actions.
    const foreign = await connect('another-cluster-uuid');
    try {
      await assert.rejects(foreign.request('internal:index/shard/recovery/start_recovery', recovery, { timeoutMs: 10_000 }), (error: any) => error.type === 'security_exception' && /start_recovery\] is unauthorized/.test(error.message));
    } finally {
      foreign.close();
    }
  });
});
