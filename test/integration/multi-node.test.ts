/**
 * Real Strait nodes coordinated by a real etcd (issue #14 "Tests"): three nodes form a cluster
 * (discovery-settings.html `discovery.type: multi-node`); `_cluster/state` shows version,
 * state_uuid, master_node and the nodes (cluster-state.html); index creation on any node goes
 * through the master and every node sees it; `_cluster/health` waits with `wait_for_nodes` and
 * `wait_for_status` (cluster-health.html); `number_of_replicas` above the nodes stays yellow and
 * allocation explain says why (cluster-allocation-explain.html); kill -9 of the master elects
 * another with a higher term and the node leaves with its lease; with etcd stopped, nodes keep
 * serving searches and health says coordination is unavailable (and an index created right after
 * etcd is back reaches every node); `index.routing.allocation.require.zone` follows `node.attr.zone`
 * (shard-allocation-filtering.html); start-up refusals name the setting.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';
import { etcdSkipReason, startEtcd, type RunningEtcd } from '../harness/etcd.js';

const skip = etcdSkipReason();

function multiNodeYaml(endpoint: string, zone: string): string {
  return ['discovery.type: multi-node', `cluster.coordination.etcd.endpoints: ${endpoint}`, `node.attr.zone: ${zone}`].join('\n');
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('three Strait nodes on etcd', { skip }, () => {
  let etcd: RunningEtcd;
  const nodes: StartedNode[] = [];
  before(async () => {
    etcd = await startEtcd();
    for (const [name, zone] of [['node-a', 'z1'], ['node-b', 'z2'], ['node-c', 'z3']] as const) {
      nodes.push(await startNode({ security: false, clusterName: 'multi', nodeName: name, yaml: multiNodeYaml(etcd.endpoint, zone) }));
    }
  });
  after(async () => {
    for (const node of nodes) await node.destroy();
    await etcd?.destroy();
  });

  test('the cluster forms: health waits for 3 nodes; _cluster/state, _nodes and _cat/nodes list them with one master', async () => {
    const health = await jsonCall(nodes[2]!, 'GET', '/_cluster/health?wait_for_nodes=3&timeout=30s');
    assert.equal(health.status, 200, health.text);
    assert.equal(health.body.number_of_nodes, 3);
    assert.equal(health.body.timed_out, false);
    assert.equal(health.body.coordination.available, true);
    const state = await jsonCall(nodes[1]!, 'GET', '/_cluster/state');
    assert.equal(state.status, 200);
    assert.ok(state.body.version >= 1 && typeof state.body.state_uuid === 'string');
    assert.ok(state.body.master_node in state.body.nodes);
    assert.deepEqual(Object.values(state.body.nodes).map((n: any) => n.name).sort(), ['node-a', 'node-b', 'node-c']);
    assert.equal(state.body.metadata.cluster_coordination.term >= 1, true);
    const info = await jsonCall(nodes[0]!, 'GET', '/_nodes');
    assert.equal(info.body._nodes.total, 3);
    assert.ok(Object.values(info.body.nodes).every((n: any) => typeof n.http.publish_address === 'string'));
    // `/_nodes/{node_id}/{metric}` (the client's sniffing path `/_nodes/_all/http`) lists every node too; `timeout` is checked.
    const sniffed = await jsonCall(nodes[0]!, 'GET', '/_nodes/_all/http');
    assert.deepEqual(Object.values(sniffed.body.nodes).map((n: any) => [n.name, typeof n.http.publish_address, n.transport]).sort(), [['node-a', 'string', undefined], ['node-b', 'string', undefined], ['node-c', 'string', undefined]]);
    assert.equal((await jsonCall(nodes[0]!, 'GET', '/_nodes?timeout=soon')).status, 400);
    const cat = await jsonCall(nodes[0]!, 'GET', '/_cat/nodes?format=json&h=name,master,node.role,pid,heap.percent,ram.percent,cpu,file_desc.current,disk.total');
    assert.equal(cat.body.length, 3);
    assert.equal(cat.body.filter((row: any) => row.master === '*').length, 1);
    // Every node's own figures, asked of it (cluster:monitor/nodes/stats[n]): three processes, three pids.
    for (const row of cat.body) for (const column of ['pid', 'heap.percent', 'ram.percent', 'cpu', 'file_desc.current']) assert.match(String(row[column]), /^\d+$/, `${row.name} ${column}: ${JSON.stringify(row)}`);
    assert.equal(new Set(cat.body.map((row: any) => row.pid)).size, 3);
    // _nodes/stats covers the cluster; a node filter and a metric narrow it.
    const stats = await jsonCall(nodes[1]!, 'GET', '/_nodes/stats');
    assert.equal(stats.status, 200, stats.text);
    assert.deepEqual(stats.body._nodes, { total: 3, successful: 3, failed: 0 });
    for (const entry of Object.values(stats.body.nodes) as any[]) {
      assert.ok(entry.jvm.mem.heap_used_in_bytes > 0 && entry.jvm.mem.heap_max_in_bytes >= entry.jvm.mem.heap_used_in_bytes, JSON.stringify(entry.jvm));
      assert.ok(entry.os.mem.total_in_bytes > 0 && entry.process.open_file_descriptors > 0 && entry.fs.total.total_in_bytes > 0);
      assert.equal(typeof entry.transport.rx_count, 'number');
    }
    const one = await jsonCall(nodes[1]!, 'GET', '/_nodes/node-c/stats/jvm,os');
    assert.deepEqual(Object.values(one.body.nodes).map((entry: any) => [entry.name, Object.keys(entry).filter((key) => ['jvm', 'os', 'process', 'fs', 'transport'].includes(key)).sort()]), [['node-c', ['jvm', 'os']]]);
    const master = await jsonCall(nodes[2]!, 'GET', '/_nodes/_master/stats/process');
    assert.deepEqual(Object.keys(master.body.nodes), [state.body.master_node]);
    const unknownMetric = await jsonCall(nodes[0]!, 'GET', '/_nodes/stats/no_such_metric');
    assert.equal(unknownMetric.status, 400, unknownMetric.text);
    // wait_for_metadata_version waits for Metadata.version (cluster-state.html), which nodes joining
    // do not move: the state version is ahead of it by now.
    const metadataVersion = state.body.metadata.version as number;
    assert.ok(Number.isInteger(metadataVersion) && metadataVersion >= 1 && metadataVersion < state.body.version, `metadata ${metadataVersion}, state ${state.body.version}`);
    const waited = await jsonCall(nodes[0]!, 'GET', `/_cluster/state/metadata?wait_for_metadata_version=${metadataVersion}&wait_for_timeout=5s`);
    assert.equal(waited.body.wait_for_timed_out, false, waited.text);
    assert.ok(waited.body.metadata.version >= metadataVersion);
    const notYet = await jsonCall(nodes[0]!, 'GET', `/_cluster/state/version?wait_for_metadata_version=${state.body.version}&wait_for_timeout=200ms`);
    assert.deepEqual(notYet.body, { wait_for_timed_out: true, cluster_name: 'multi' });
    // A metadata change (an index created through another node) ends a wait for the next version.
    const waiting = jsonCall(nodes[0]!, 'GET', `/_cluster/state/metadata?wait_for_metadata_version=${metadataVersion + 1}&wait_for_timeout=20s`);
    assert.equal((await jsonCall(nodes[1]!, 'PUT', '/metadata-moves', { settings: { number_of_shards: 1, number_of_replicas: 0 } })).status, 200);
    const moved = await waiting;
    assert.equal(moved.body.wait_for_timed_out, false, moved.text);
    assert.ok(moved.body.metadata.version > metadataVersion && moved.body.metadata.indices['metadata-moves'] !== undefined, moved.text);
    const timedOut = await jsonCall(nodes[0]!, 'GET', '/_cluster/health?wait_for_nodes=5&timeout=1s');
    assert.equal(timedOut.status, 408);
    assert.equal(timedOut.body.timed_out, true);
  });

  test('an index created on one node goes through the master: every node has it, its primaries start, health green with 0 replicas', async () => {
    const created = await jsonCall(nodes[1]!, 'PUT', '/logs', { settings: { number_of_shards: 3, number_of_replicas: 0 }, mappings: { properties: { msg: { type: 'text' } } } });
    assert.equal(created.status, 200, created.text);
    const health = await jsonCall(nodes[0]!, 'GET', '/_cluster/health/logs?wait_for_status=green&timeout=30s');
    assert.equal(health.status, 200, health.text);
    assert.equal(health.body.status, 'green');
    assert.equal(health.body.active_primary_shards, 3);
    // `wait_for_status` in any case, and Elasticsearch's refusal of an unknown one, as on one node.
    assert.equal((await jsonCall(nodes[2]!, 'GET', '/_cluster/health/logs?wait_for_status=GREEN&timeout=30s')).body.status, 'green');
    const purple = await jsonCall(nodes[2]!, 'GET', '/_cluster/health?wait_for_status=purple');
    assert.equal(purple.status, 400, purple.text);
    assert.equal(purple.body.error.type, 'illegal_argument_exception');
    assert.equal(purple.body.error.reason, 'No enum constant org.elasticsearch.cluster.health.ClusterHealthStatus.PURPLE');
    for (const node of nodes) {
      const mapping = await eventually(() => jsonCall(node, 'GET', '/logs/_mapping'), (answer) => answer.status === 200);
      assert.equal(mapping.body.logs.mappings.properties.msg.type, 'text');
    }
    const state = await jsonCall(nodes[2]!, 'GET', '/_cluster/state/routing_table,metadata/logs');
    const primaries = Object.values(state.body.routing_table.indices.logs.shards).map((copies: any) => copies[0]);
    assert.equal(new Set(primaries.map((copy: any) => copy.node)).size, 3, 'one primary per node');
    assert.ok(primaries.every((copy: any) => copy.state === 'STARTED' && state.body.metadata.indices.logs.in_sync_allocations[String(copy.shard)].includes(copy.allocation_id.id)));
    const twice = await jsonCall(nodes[2]!, 'PUT', '/logs', {});
    assert.equal(twice.status, 400);
    assert.equal(twice.body.error.type, 'resource_already_exists_exception');
    const shards = await jsonCall(nodes[0]!, 'GET', '/_cat/shards/logs?format=json');
    assert.equal(shards.body.length, 3);
    assert.equal(state.body.metadata.indices.logs.settings.index.number_of_shards, '3');
    const flat = await jsonCall(nodes[2]!, 'GET', '/_cluster/state/metadata/logs?flat_settings=true');
    assert.equal(flat.body.metadata.indices.logs.settings['index.number_of_shards'], '3');
    // Close and open go through the master (tested in multi-node-data.test.ts); a missing index is a 404.
    const close = await jsonCall(nodes[0]!, 'POST', '/no-such-logs/_close');
    assert.equal(close.status, 404, close.text);
    assert.equal(close.body.error.type, 'index_not_found_exception');
  });

  test('number_of_replicas above the nodes stays yellow and allocation explain names same_shard', async () => {
    const created = await jsonCall(nodes[0]!, 'PUT', '/wide', { settings: { number_of_shards: 1, number_of_replicas: 3 } });
    assert.equal(created.status, 200, created.text);
    const health = await eventually(() => jsonCall(nodes[1]!, 'GET', '/_cluster/health/wide'), (answer) => answer.body.active_primary_shards === 1);
    assert.equal(health.body.status, 'yellow');
    const explain = await eventually(
      () => jsonCall(nodes[1]!, 'GET', '/_cluster/allocation/explain', { index: 'wide', shard: 0, primary: false }),
      (answer) => answer.body?.can_allocate === 'no',
    );
    assert.equal(explain.status, 200, explain.text);
    assert.equal(explain.body.current_state, 'unassigned');
    // _cat/shards: an unassigned copy has no figures; the started primary has its node's own.
    const rows = (await jsonCall(nodes[2]!, 'GET', '/_cat/shards/wide?format=json&h=prirep,state,docs,seq_no.max,seq_no.local_checkpoint,seq_no.global_checkpoint')).body as Record<string, string | null>[];
    assert.deepEqual(rows.find((row) => row.prirep === 'p'), { prirep: 'p', state: 'STARTED', docs: '0', 'seq_no.max': '-1', 'seq_no.local_checkpoint': '-1', 'seq_no.global_checkpoint': '-1' });
    assert.ok(rows.some((row) => row.state === 'UNASSIGNED') && rows.filter((row) => row.state === 'UNASSIGNED').every((row) => row.docs === null && row['seq_no.max'] === null && row['seq_no.local_checkpoint'] === null && row['seq_no.global_checkpoint'] === null), JSON.stringify(rows));
    assert.ok(explain.body.node_allocation_decisions.some((decision: any) => decision.deciders.some((d: any) => d.decider === 'same_shard' && d.decision === 'NO')));
    const withYes = await jsonCall(nodes[1]!, 'GET', '/_cluster/allocation/explain?include_yes_decisions=true', { index: 'wide', shard: 0, primary: false });
    assert.ok(withYes.body.node_allocation_decisions.every((decision: any) => decision.deciders.some((d: any) => d.decision === 'YES')));
    const indexHealth = await jsonCall(nodes[1]!, 'GET', '/_cluster/health/wide?level=shards');
    assert.equal(indexHealth.body.indices.wide.status, 'yellow');
    assert.equal(indexHealth.body.indices.wide.number_of_replicas, 3);
    assert.equal(indexHealth.body.indices.wide.shards['0'].primary_active, true);
    const badLevel = await jsonCall(nodes[1]!, 'GET', '/_cluster/health?level=nodes');
    assert.equal(badLevel.status, 400);
    const missing = await jsonCall(nodes[1]!, 'GET', '/_cluster/allocation/explain', { index: 'nope', shard: 0, primary: true });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.type, 'index_not_found_exception');
    // Cluster-wide answers through every node (issue #14): _cat/health prints _cluster/health's
    // figures, _cat/master the state's master, _cat/allocation every data node and the copy no node
    // holds, _cluster/stats the copies on every node, each measured by the node holding it.
    await jsonCall(nodes[0]!, 'PUT', '/logs/_doc/1?refresh=true', { msg: 'one' });
    await jsonCall(nodes[1]!, 'PUT', '/logs/_doc/2?refresh=true', { msg: 'two' });
    const started = await jsonCall(nodes[0]!, 'GET', '/_cluster/health/wide?wait_for_active_shards=3&timeout=30s');
    assert.equal(started.status, 200, started.text);
    const clusterHealth = (await jsonCall(nodes[0]!, 'GET', '/_cluster/health')).body;
    const stateMaster = (await jsonCall(nodes[0]!, 'GET', '/_cluster/state/master_node,nodes')).body;
    const catShards = (await jsonCall(nodes[0]!, 'GET', '/_cat/shards?format=json&h=index,prirep,state,docs,node')).body as Record<string, string | null>[];
    const startedCopies = catShards.filter((row) => row.state === 'STARTED');
    for (const node of nodes) {
      const [health] = (await jsonCall(node, 'GET', '/_cat/health?format=json')).body;
      assert.equal(health['node.total'], '3', JSON.stringify(health));
      assert.equal(health['node.data'], '3');
      assert.equal(health.status, clusterHealth.status);
      assert.equal(health.status, 'yellow');
      assert.equal(health.shards, String(clusterHealth.active_shards));
      assert.equal(health.pri, String(clusterHealth.active_primary_shards));
      assert.equal(health.unassign, String(clusterHealth.unassigned_shards));
      assert.equal(health['unassign.pri'], '0');
      const [master] = (await jsonCall(node, 'GET', '/_cat/master?format=json')).body;
      assert.deepEqual([master.id, master.node], [stateMaster.master_node, stateMaster.nodes[stateMaster.master_node].name]);
    }
    const allocation = (await jsonCall(nodes[1]!, 'GET', '/_cat/allocation?format=json&bytes=b')).body as Record<string, string | null>[];
    assert.deepEqual(allocation.map((row) => row.node).sort(), ['UNASSIGNED', 'node-a', 'node-b', 'node-c']);
    for (const row of allocation.filter((entry) => entry.node !== 'UNASSIGNED')) {
      assert.equal(row.shards, String(catShards.filter((copy) => copy.node === row.node).length), JSON.stringify(row));
      assert.ok(Number(row['disk.total']) > 0 && Number(row['disk.indices']) > 0, JSON.stringify(row));
    }
    assert.equal(allocation.find((row) => row.node === 'UNASSIGNED')!.shards, String(clusterHealth.unassigned_shards));
    const stats = (await jsonCall(nodes[2]!, 'GET', '/_cluster/stats')).body;
    assert.deepEqual(stats._nodes, { total: 3, successful: 3, failed: 0 });
    assert.equal(stats.status, 'yellow');
    assert.equal(stats.cluster_uuid, (await jsonCall(nodes[0]!, 'GET', '/')).body.cluster_uuid);
    assert.equal(stats.indices.shards.total, startedCopies.length, JSON.stringify(stats.indices.shards));
    assert.equal(stats.indices.shards.primaries, startedCopies.filter((row) => row.prirep === 'p').length);
    assert.equal(stats.indices.docs.count, startedCopies.filter((row) => row.prirep === 'p').reduce((total, row) => total + Number(row.docs), 0));
    assert.equal(stats.indices.docs.count, 2);
    assert.deepEqual([stats.nodes.count.total, stats.nodes.count.master, stats.nodes.count.data], [3, 3, 3]);
    assert.deepEqual(stats.nodes.discovery_types, { 'multi-node': 3 });
    assert.equal(stats.nodes.os.names.reduce((total: number, entry: { count: number }) => total + entry.count, 0), 3);
    // _cat/segments: every copy's segments from the node holding it; _cat/nodeattrs: every node's attributes.
    const segments = (await jsonCall(nodes[0]!, 'GET', '/_cat/segments?format=json&h=index,prirep,id,docs.count')).body as Record<string, string>[];
    assert.equal(segments.length, stats.indices.segments.count, JSON.stringify(segments));
    assert.equal(segments.filter((row) => row.index === 'logs' && row.prirep === 'p').reduce((total, row) => total + Number(row['docs.count']), 0), 2);
    const logsHolders = new Set(segments.filter((row) => row.index === 'logs').map((row) => row.id));
    assert.ok(logsHolders.size >= 1 && [...logsHolders].every((id) => id in stateMaster.nodes), JSON.stringify(segments));
    // _nodes/stats indices (level=shards): each node measures the copies it holds (cluster:monitor/nodes/stats[n]).
    const nodeIndices = await jsonCall(nodes[1]!, 'GET', '/_nodes/stats/indices?level=shards');
    assert.equal(nodeIndices.status, 200, nodeIndices.text);
    assert.deepEqual(nodeIndices.body._nodes, { total: 3, successful: 3, failed: 0 });
    let segmentsCounted = 0;
    for (const [id, entry] of Object.entries(nodeIndices.body.nodes) as [string, any][]) {
      const held = startedCopies.filter((row) => row.node === entry.name);
      assert.equal(entry.indices.shard_stats.total_count, held.length, `${entry.name}: ${JSON.stringify(entry.indices)}`);
      assert.equal(entry.indices.docs.count, held.reduce((total, row) => total + Number(row.docs), 0));
      const listed = Object.values(entry.indices.shards as Record<string, Record<string, any>[]>).flat().map((copy) => Object.values(copy)[0]);
      assert.equal(listed.length, held.length);
      assert.ok(listed.every((copy) => copy.routing.node === id && copy.routing.state === 'STARTED'), JSON.stringify(listed));
      segmentsCounted += entry.indices.segments.count;
    }
    assert.equal(segmentsCounted, stats.indices.segments.count);
    const badLevelStats = await jsonCall(nodes[0]!, 'GET', '/_nodes/stats?level=cluster');
    assert.equal(badLevelStats.status, 400, badLevelStats.text);
    for (const node of nodes) {
      const attrs = (await jsonCall(node, 'GET', '/_cat/nodeattrs?format=json&h=node,attr,value,pid')).body as Record<string, string>[];
      assert.deepEqual(attrs.filter((row) => row.attr === 'zone').map((row) => [row.node, row.value]).sort(), [['node-a', 'z1'], ['node-b', 'z2'], ['node-c', 'z3']]);
      assert.ok(attrs.every((row) => /^\d+$/.test(row.pid!)), JSON.stringify(attrs));
    }
    const one = (await jsonCall(nodes[2]!, 'GET', '/_cluster/stats/nodes/node-a')).body;
    assert.deepEqual([one._nodes.total, one.nodes.count.total], [1, 1]);
    assert.equal(one.indices.shards.total, startedCopies.filter((row) => row.node === 'node-a').length);
    const deleted = await jsonCall(nodes[2]!, 'DELETE', '/wide');
    assert.equal(deleted.status, 200);
    await eventually(() => jsonCall(nodes[0]!, 'GET', '/wide'), (answer) => answer.status === 404);
  });

  test('index.routing.allocation.require.zone places every copy on the nodes whose node.attr.zone matches', async () => {
    // shard-allocation-filtering.html: node-b alone has zone z2, so both primaries go there, and a
    // replica has no second node of that zone to go to (yellow, explain names the filter).
    const created = await jsonCall(nodes[2]!, 'PUT', '/zoned', { settings: { number_of_shards: 2, number_of_replicas: 0, 'index.routing.allocation.require.zone': 'z2' } });
    assert.equal(created.status, 200, created.text);
    assert.equal((await jsonCall(nodes[0]!, 'GET', '/_cluster/health/zoned?wait_for_status=green&timeout=30s')).body.status, 'green');
    const rows = (await jsonCall(nodes[0]!, 'GET', '/_cat/shards/zoned?format=json&h=shard,prirep,state,node')).body as { state: string; node: string }[];
    assert.deepEqual(rows.map((row) => [row.state, row.node]), [['STARTED', 'node-b'], ['STARTED', 'node-b']]);
    assert.equal((await jsonCall(nodes[1]!, 'PUT', '/zoned/_settings', { index: { number_of_replicas: 1 } })).status, 200);
    const explain = await eventually(
      () => jsonCall(nodes[0]!, 'GET', '/_cluster/allocation/explain', { index: 'zoned', shard: 0, primary: false }),
      (answer) => answer.body?.can_allocate === 'no',
    );
    assert.equal(explain.body.current_state, 'unassigned', explain.text);
    const filtered = explain.body.node_allocation_decisions.filter((decision: any) => decision.deciders.some((d: any) => d.decider === 'filter' && d.decision === 'NO' && d.explanation === 'node does not match index setting [index.routing.allocation.require] filters [zone:"z2"]'));
    assert.deepEqual(filtered.map((decision: any) => decision.node_name).sort(), ['node-a', 'node-c'], explain.text);
    assert.equal((await jsonCall(nodes[0]!, 'GET', '/_cluster/health/zoned')).body.status, 'yellow');
    assert.equal((await jsonCall(nodes[2]!, 'DELETE', '/zoned')).status, 200);
  });

  test('start-up refusals name the setting: a duplicate node.name, another cluster name at the same prefix', async () => {
    await assert.rejects(
      startNode({ security: false, clusterName: 'multi', nodeName: 'node-a', yaml: multiNodeYaml(etcd.endpoint, 'z1') }),
      /node name \[node-a\] \(\[node\.name\]\) is already used/,
    );
    await assert.rejects(
      startNode({ security: false, clusterName: 'other', nodeName: 'x', yaml: `${multiNodeYaml(etcd.endpoint, 'z1')}\ncluster.coordination.etcd.prefix: /strait/multi/` }),
      /belongs to cluster \[multi\], but this node's \[cluster\.name\] is \[other\]/,
    );
    await assert.rejects(
      startNode({ security: false, clusterName: 'multi', nodeName: 'y', yaml: ['discovery.type: multi-node', 'cluster.coordination.etcd.endpoints: http://127.0.0.1:1'].join('\n') }),
      /cannot reach etcd at \[http:\/\/127\.0\.0\.1:1\] \(\[cluster\.coordination\.etcd\.endpoints\]\)/,
    );
  });

  test('SIGSTOP of the master past its lease: another is elected with a higher term; after SIGCONT the old master is a follower and rejoins', async () => {
    const before = await jsonCall(nodes[0]!, 'GET', '/_cluster/state/master_node,nodes,metadata');
    const masterId = before.body.master_node;
    const paused = nodes.find((node) => node.logs.some((line) => line.includes(`"node_id":"${masterId}"`)))!;
    const other = nodes.find((node) => node !== paused)!;
    process.kill(paused.pid, 'SIGSTOP');
    try {
      const during = await eventually(() => jsonCall(other, 'GET', '/_cluster/state/master_node,nodes,metadata'), (answer) => answer.body.master_node !== masterId && answer.body.master_node !== null);
      assert.notEqual(during.body.master_node, masterId);
      assert.ok(during.body.metadata.cluster_coordination.term > before.body.metadata.cluster_coordination.term);
      assert.equal(during.body.nodes[masterId], undefined, 'the paused node left with its lease');
    } finally {
      process.kill(paused.pid, 'SIGCONT');
    }
    // Back: it applies the newer state (a follower now) and joins again with a new lease.
    const rejoined = await eventually(() => jsonCall(paused, 'GET', '/_cluster/state/master_node,nodes'), (answer) => answer.body.nodes?.[masterId] !== undefined && answer.body.master_node !== masterId && Object.keys(answer.body.nodes).length === 3);
    assert.notEqual(rejoined.body.master_node, masterId);
    assert.equal(Object.keys(rejoined.body.nodes).length, 3);
  });

  test('kill -9 of the master: another node is elected with a higher term and the dead node leaves with its lease', async () => {
    const before = await jsonCall(nodes[0]!, 'GET', '/_cluster/state/master_node,nodes,metadata');
    const masterId = before.body.master_node;
    const masterName = before.body.nodes[masterId].name;
    const victim = nodes.find((node) => node.logs.some((line) => line.includes(`"node_id":"${masterId}"`)))!;
    assert.ok(victim !== undefined, `the master ${masterName} is one of ours`);
    const survivor = nodes.find((node) => node !== victim)!;
    const killedAt = Date.now();
    await victim.kill9();
    const after = await eventually(() => jsonCall(survivor, 'GET', '/_cluster/state/master_node,nodes,metadata'), (answer) => answer.body.master_node !== masterId && answer.body.master_node !== null && Object.keys(answer.body.nodes).length === 2);
    assert.notEqual(after.body.master_node, masterId);
    assert.ok(after.body.metadata.cluster_coordination.term > before.body.metadata.cluster_coordination.term);
    assert.ok(Date.now() - killedAt < 15_000, `failover took ${Date.now() - killedAt} ms`);
    nodes.splice(nodes.indexOf(victim), 1);
    await victim.destroy();
  });

  test('etcd stopped: nodes keep serving searches and health says coordination is unavailable; restarted, it resumes', async () => {
    const node = nodes[0]!;
    // Documents live on their shard's copies (the primary and its replica): with two nodes left, an
    // index of one shard and one replica has a copy on each, so this node searches its own.
    assert.equal((await jsonCall(node, 'PUT', '/kept', { settings: { number_of_shards: 1, number_of_replicas: 1 } })).status, 200);
    assert.equal((await jsonCall(node, 'GET', '/_cluster/health/kept?wait_for_status=green&timeout=30s')).body.status, 'green');
    const written = await jsonCall(node, 'POST', '/kept/_doc?refresh=true', { msg: 'still here' });
    assert.equal(written.status, 201, written.text);
    await etcd.stop();
    const health = await eventually(() => jsonCall(node, 'GET', '/_cluster/health'), (answer) => answer.body?.coordination?.available === false, 20_000);
    assert.equal(health.status, 200);
    assert.equal(health.body.coordination.available, false);
    assert.match(health.body.coordination.reason, /unreachable/);
    const search = await jsonCall(node, 'GET', '/kept/_search?q=msg:still');
    assert.equal(search.status, 200, search.text);
    assert.equal(search.body.hits.total.value, 1);
    await etcd.start();
    const back = await eventually(() => jsonCall(node, 'GET', '/_cluster/health'), (answer) => answer.body?.coordination?.available === true, 30_000);
    assert.equal(back.body.coordination.available, true);
    assert.equal(back.body.number_of_nodes, 2);
    // A master-routed change right after the restart: accepted, published, applied on every node.
    const after = await jsonCall(nodes[1]!, 'PUT', '/after-etcd', { settings: { number_of_shards: 1, number_of_replicas: 1 } });
    assert.equal(after.status, 200, after.text);
    assert.equal(after.body.acknowledged, true, after.text);
    assert.equal((await jsonCall(node, 'GET', '/_cluster/health/after-etcd?wait_for_status=green&timeout=30s')).body.status, 'green');
    for (const each of nodes) {
      const got = await jsonCall(each, 'GET', '/after-etcd/_settings');
      assert.equal(got.status, 200, got.text);
      assert.equal(got.body['after-etcd'].settings.index.number_of_replicas, '1');
    }
    const afterWrite = await jsonCall(node, 'PUT', '/after-etcd/_doc/1?refresh=true', { msg: 'after' });
    assert.equal(afterWrite.status, 201, afterWrite.text);
    assert.deepEqual(afterWrite.body._shards, { total: 2, successful: 2, failed: 0 });
  });
});
