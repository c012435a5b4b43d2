/**
 * Coordination on a real etcd (issue #14 "Many nodes" and "Bad input"): membership by lease,
 * election with a rising term, the cluster state written only by the master and applied in
 * order everywhere, index requests from any node, and each start-up refusal naming the problem.
 * The coordinators run in this process (one per simulated node) against one etcd 3.4 process;
 * test/integration/multi-node.test.ts runs real Strait nodes, as does the last test here: two
 * clusters of real nodes on one etcd over mutual TLS with credentials, and nodes refused at start.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { Watcher } from 'etcd3';
import { CoordinationStartError, EtcdCoordinator } from '../../src/cluster/etcd-coordinator.js';
import type { ClusterState, DiscoveryNode } from '../../src/cluster/state.js';
import type { CoordinationConfig } from '../../src/config/coordination.js';
import { isDynamicIndexSetting } from '../../src/index/settings.js';
import { mergePublishedMappings } from '../../src/node/published-mappings.js';
import { etcdSkipReason, startEtcd, type RunningEtcd } from '../harness/etcd.js';
import { makeCa, makeNodeCertificate, makeTempDir, startNode } from '../harness/cluster.js';
import { startMultiNodeCluster, type MultiNodeCluster } from '../harness/multi-node-cluster.js';

const skip = etcdSkipReason();
const log = pino({ level: process.env['STRAIT_TEST_LOG'] ?? 'silent' });

function config(endpoint: string, prefix: string, extra: Partial<CoordinationConfig> = {}): CoordinationConfig {
  return { endpoints: [endpoint], tls: undefined, username: undefined, password: undefined, prefix, keepAliveIntervalMs: 1_000, leaseTtlSeconds: 4, connectTimeoutMs: 5_000, ...extra };
}

function node(name: string, version = '9.1.0', roles = ['data', 'master']): DiscoveryNode {
  return { name, ephemeral_id: randomUUID(), transport_address: '127.0.0.1:9300', external_id: name, attributes: {}, roles, version };
}

async function join(endpoint: string, prefix: string, name: string, options: { id?: string; version?: string; roles?: string[]; clusterName?: string; config?: Partial<CoordinationConfig>; log?: Logger } = {}): Promise<EtcdCoordinator> {
  return EtcdCoordinator.join({
    config: config(endpoint, prefix, options.config),
    clusterName: options.clusterName ?? 'west',
    nodeId: options.id ?? `id-${name}`,
    node: node(name, options.version, options.roles),
    log: options.log ?? log,
    nowMs: () => Date.now(),
    newUuid: () => randomUUID(),
    readFile: (_setting, file) => readFileSync(file),
    mergeMappings: mergePublishedMappings, isDynamicIndexSetting,
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CoordinationStartError, `expected a CoordinationStartError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected a refusal');
}

describe('coordination on etcd', { skip }, () => {
  let etcd: RunningEtcd;
  const coordinators: EtcdCoordinator[] = [];
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    for (const coordinator of coordinators) await coordinator.close();
    await etcd?.destroy();
  });

  test('three nodes: one master with term 1, every node applies the same state, index requests from any node', async () => {
    const prefix = '/strait/west/';
    for (const name of ['n1', 'n2', 'n3']) coordinators.push(await join(etcd.endpoint, prefix, name));
    const [c1, c2, c3] = coordinators as [EtcdCoordinator, EtcdCoordinator, EtcdCoordinator];
    for (const c of coordinators) assert.ok(await c.waitForState((s) => Object.keys(s.nodes).length === 3 && s.master_node !== null, 30_000), 'formed');
    assert.equal(coordinators.filter((c) => c.isMaster()).length, 1);
    const master = c1.state().master_node;
    assert.equal(c1.state().term, 1);
    assert.equal(c2.state().master_node, master);
    const follower = coordinators.find((c) => !c.isMaster())!;
    const created = await follower.submit(
      { kind: 'create_index', name: 'logs', uuid: 'u1', settings: { 'index.number_of_shards': '3', 'index.number_of_replicas': '1' }, mappings: {}, aliases: {}, routingNumShards: 768 },
      10_000,
    );
    assert.deepEqual(Object.keys(created.routing_table.indices['logs']!.shards), ['0', '1', '2']);
    const primaries = Object.values(created.routing_table.indices['logs']!.shards).map((copies) => copies.find((c) => c.primary)!.node);
    assert.equal(new Set(primaries).size, 3, 'one primary per node');
    for (const c of coordinators) assert.ok(await c.waitForState((s) => s.version >= created.version, 5_000));
    assert.equal(c3.state().state_uuid, created.state_uuid);
    await assert.rejects(
      follower.submit({ kind: 'create_index', name: 'logs', uuid: 'u2', settings: {}, mappings: {}, aliases: {}, routingNumShards: 1024 }, 10_000),
      (error: { status?: number; type?: string }) => error.status === 400 && error.type === 'resource_already_exists_exception',
    );
    // Shard reports: every copy starts; the state goes green on every node.
    for (let round = 0; round < 3; round++) {
      const state = follower.state();
      for (const copies of Object.values(state.routing_table.indices['logs']!.shards)) {
        for (const copy of copies.filter((c) => c.state === 'INITIALIZING')) {
          await follower.submit({ kind: 'shard_report', report: { kind: 'shard_started', index: 'logs', shard: copy.shard, allocationId: copy.allocation_id!.id, primaryTerm: 1 } }, 10_000);
        }
      }
    }
    const started = follower.state().routing_table.indices['logs']!.shards;
    assert.ok(Object.values(started).every((copies) => copies.length === 2 && copies.every((c) => c.state === 'STARTED')));
    // A waiter leaves no state listener behind, satisfied or timed out (each replica waiting for a
    // write's state added one for good), and one leaving does not make the others miss the state.
    const listeners = (follower as unknown as { listeners: unknown[] }).listeners;
    const registered = listeners.length;
    assert.equal(await follower.waitForState(() => false, 10), false);
    const current = follower.state().version;
    const waiting = [1, 2, 3].map(() => follower.waitForState((s) => s.version > current, 10_000));
    assert.equal(listeners.length, registered + 3);
    await follower.submit({ kind: 'create_index', name: 'tiny', uuid: 'u3', settings: { 'index.number_of_shards': '1', 'index.number_of_replicas': '0' }, mappings: {}, aliases: {}, routingNumShards: 1 }, 10_000);
    assert.deepEqual(await Promise.all(waiting), [true, true, true]);
    assert.equal(listeners.length, registered);
  });

  test('the master leaves: another is elected with a higher term and the nodes list drops it', async () => {
    const master = coordinators.find((c) => c.isMaster())!;
    const before = master.state();
    coordinators.splice(coordinators.indexOf(master), 1);
    await master.close();
    for (const c of coordinators) {
      assert.ok(await c.waitForState((s) => s.master_node !== null && s.master_node !== before.master_node && Object.keys(s.nodes).length === 2, 30_000), 'new master');
    }
    const after = coordinators[0]!.state();
    assert.ok(after.term > before.term, `term ${after.term} > ${before.term}`);
    assert.ok(after.version > before.version);
    // The primaries of the departed node were promoted replicas, with a primary term of 2.
    const terms = Object.values(after.metadata.indices['logs']!.primary_terms);
    assert.ok(terms.includes(2), `a primary term went up: ${terms}`);
  });

  test('refusals: duplicate node.name, another cluster at the prefix, an incompatible version', async () => {
    const prefix = '/strait/west/';
    assert.match(await refusal(join(etcd.endpoint, prefix, 'n2', { id: 'someone-else' })), /node name \[n2\] \(\[node\.name\]\) is already used by node \[id-n2\]/);
    assert.match(await refusal(join(etcd.endpoint, prefix, 'e1', { clusterName: 'east' })), /\[cluster\.coordination\.etcd\.prefix\]\) belongs to cluster \[west\], but this node's \[cluster\.name\] is \[east\]/);
    assert.match(await refusal(join(etcd.endpoint, prefix, 'old', { version: '7.10.0' })), /remote node version \[9\.1\.0\] is incompatible with local node version \[7\.10\.0\]/);
    // Nothing of the refused nodes stays behind.
    const state = coordinators[0]!.state();
    assert.equal(Object.values(state.nodes).some((n) => ['e1', 'old'].includes(n.name)), false);
  });

  test('without a master-eligible node a change times out with process_cluster_event_timeout_exception (503)', async () => {
    const lonely = await join(etcd.endpoint, '/strait/no-master/', 'd1', { roles: ['data'] });
    try {
      await assert.rejects(
        lonely.submit({ kind: 'delete_index', name: 'x' }, 500),
        (error: { status?: number; type?: string; message?: string }) => error.status === 503 && error.type === 'process_cluster_event_timeout_exception' && /within 500ms/.test(error.message ?? ''),
      );
      assert.equal(lonely.state().master_node, null);
    } finally {
      await lonely.close();
    }
  });

  test('fencing: a deposed master that still believes it is master cannot publish; the change is applied once, by the next master', async () => {
    // Issue #14: "Writes are compare-and-swap on the etcd revision, fenced by the master's term."
    const prefix = '/strait/fence/';
    const lines: string[] = [];
    const recording = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const a = await join(etcd.endpoint, prefix, 'fa', { clusterName: 'fence', log: recording });
    const b = await join(etcd.endpoint, prefix, 'fb', { clusterName: 'fence', roles: ['data'] });
    const admin = etcd.client();
    const published: ClusterState[] = [];
    let history: Watcher | undefined;
    try {
      for (const c of [a, b]) assert.ok(await c.waitForState((s) => Object.keys(s.nodes).length === 2 && s.master_node === 'id-fa', 30_000), 'formed');
      assert.equal(a.isMaster(), true);
      const before = (await admin.get(`${prefix}state`).exec()).kvs[0]!;
      const term = Number(await admin.get(`${prefix}term`).string());
      history = await admin.watch().key(`${prefix}state`).startRevision(String(BigInt(before.mod_revision) + 1n)).create();
      history.on('put', (kv) => published.push(JSON.parse(kv.value.toString('utf8')) as ClusterState));
      // A does not hear that its master key went (a watch stream slow to deliver, as when A is cut
      // off from etcd's watch but not from its lease): it keeps believing it is master.
      const internals = a as unknown as { onDelete: (key: string) => void };
      const deliver = internals.onDelete.bind(a);
      const held: string[] = [];
      internals.onDelete = (key) => (key === `${prefix}master` ? void held.push(key) : deliver(key));
      // Mastership moves away behind A's back: another master key (a new create revision) under a higher term.
      const usurper = admin.lease(30, { autoKeepAlive: true });
      const usurperLease = await usurper.grant();
      await admin.delete().key(`${prefix}master`).exec();
      const took = await admin
        .if(`${prefix}master`, 'Create', '==', 0)
        .then(admin.put(`${prefix}master`).value(JSON.stringify({ node_id: 'usurper', term: term + 1 })).lease(usurperLease), admin.put(`${prefix}term`).value(String(term + 1)))
        .commit();
      assert.equal(took.succeeded, true);
      assert.equal(a.isMaster(), true, 'A still believes it is master');
      // A change through A: A runs it as the master it believes it is; its publication fails on the fence.
      const submitted = a.submit({ kind: 'create_index', name: 'fenced', uuid: 'fenced-uuid', settings: { 'index.number_of_shards': '1', 'index.number_of_replicas': '0' }, mappings: {}, aliases: {}, routingNumShards: 1 }, 20_000);
      const deadline = Date.now() + 10_000;
      while (a.isMaster() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(a.isMaster(), false, 'A learnt from its refused transaction that it is no longer master');
      assert.ok(lines.some((line) => line.includes('publication refused: another master was elected')), lines.join(''));
      const during = (await admin.get(`${prefix}state`).exec()).kvs[0]!;
      assert.equal(during.mod_revision, before.mod_revision, 'the state key is unchanged by the deposed master');
      assert.equal(during.value.toString('utf8'), before.value.toString('utf8'));
      assert.equal(published.length, 0, 'nothing was published');
      assert.equal(Object.keys(await admin.getAll().prefix(`${prefix}requests/`).strings()).length, 1, 'the change waits, not consumed');
      // The usurper goes without publishing: the next master (A again, under a higher term) applies the waiting change.
      internals.onDelete = deliver;
      for (const key of held) deliver(key);
      await usurper.revoke();
      const applied = await submitted;
      assert.equal(applied.metadata.indices['fenced']?.settings['index.uuid'], 'fenced-uuid');
      assert.ok(applied.term > term + 1, `the next master's term ${applied.term} is above the usurper's ${term + 1}`);
      assert.equal(a.isMaster(), true);
      // Every state published since: by the new term only, and the index appears once.
      assert.ok(published.length > 0);
      assert.ok(published.every((state) => state.term > term + 1), `terms published: ${published.map((state) => state.term)}`);
      const appearances = published.filter((state, i) => state.metadata.indices['fenced'] !== undefined && (i === 0 || published[i - 1]!.metadata.indices['fenced'] === undefined));
      assert.equal(appearances.length, 1, 'the change is applied once');
      assert.deepEqual(await admin.getAll().prefix(`${prefix}requests/`).strings(), {});
    } finally {
      await history?.cancel();
      admin.close();
      await b.close();
      await a.close();
    }
  });

  test('refusal: etcd down at start names the endpoints setting', async () => {
    const message = await refusal(join('http://127.0.0.1:1', '/strait/down/', 'x', { config: { connectTimeoutMs: 1_000 } }));
    assert.match(message, /cannot reach etcd at \[http:\/\/127\.0\.0\.1:1\] \(\[cluster\.coordination\.etcd\.endpoints\]\)/);
  });
});

describe('coordination on etcd with authentication', { skip }, () => {
  let etcd: RunningEtcd;
  before(async () => {
    etcd = await startEtcd();
    await etcd.enableAuth('strait', 'right-password');
  });
  after(async () => {
    await etcd?.destroy();
  });

  test('right credentials join; wrong ones are refused naming the username setting', async () => {
    const good = await join(etcd.endpoint, '/strait/west/', 'a1', { config: { username: 'strait', password: 'right-password' } });
    assert.ok(await good.waitForState((s) => s.master_node !== null, 10_000));
    await good.close();
    const message = await refusal(join(etcd.endpoint, '/strait/west/', 'a2', { config: { username: 'strait', password: 'wrong' } }));
    assert.match(message, /refused the credentials of \[cluster\.coordination\.etcd\.username\] \[strait\]/);
  });
});

describe('coordination on etcd over TLS with authentication', { skip }, () => {
  let etcd: RunningEtcd;
  let certs: string;
  let otherCa: string;
  const auth = { username: 'strait', password: 'right-password' };
  before(async () => {
    const ca = makeCa();
    certs = makeTempDir('strait-etcd-certs-');
    makeNodeCertificate(ca, certs, 'node');
    writeFileSync(path.join(certs, 'ca.crt'), ca.caPem);
    otherCa = path.join(certs, 'other-ca.crt');
    writeFileSync(otherCa, makeCa().caPem);
    etcd = await startEtcd({ tls: { certFile: path.join(certs, 'node.crt'), keyFile: path.join(certs, 'node.key'), trustedCaFile: path.join(certs, 'ca.crt') } });
    await etcd.enableAuth(auth.username, auth.password);
  });
  after(async () => {
    await etcd?.destroy();
  });

  test('mutual TLS joins; a CA that does not sign etcd, or no client certificate, is refused naming the ssl settings', async () => {
    const tls = { certificateAuthorities: [path.join(certs, 'ca.crt')], certificate: path.join(certs, 'node.crt'), key: path.join(certs, 'node.key') };
    const good = await join(etcd.endpoint, '/strait/west/', 't1', { config: { tls, ...auth } });
    assert.ok(await good.waitForState((s) => s.master_node !== null, 30_000));
    await good.close();
    const wrongCa = await refusal(join(etcd.endpoint, '/strait/west/', 't2', { config: { tls: { ...tls, certificateAuthorities: [otherCa] }, ...auth, connectTimeoutMs: 2_000 } }));
    assert.match(wrongCa, /cannot reach etcd at \[https:\/\/127\.0\.0\.1:\d+\].*check \[cluster\.coordination\.etcd\.ssl\.certificate_authorities\]/);
    const noClientCertificate = await refusal(join(etcd.endpoint, '/strait/west/', 't3', { config: { tls: { ...tls, certificate: undefined, key: undefined }, ...auth, connectTimeoutMs: 2_000 } }));
    assert.match(noClientCertificate, /\[cluster\.coordination\.etcd\.ssl\.certificate\]/);
  });

  test('real nodes: two clusters on one etcd over mutual TLS with credentials each form apart; a wrong password or a wrong CA is refused at start naming the setting, leaving nothing in etcd', async () => {
    // README "Clusters of many nodes": TLS through `cluster.coordination.etcd.ssl.*`, the user in
    // `cluster.coordination.etcd.username`, its password in the keystore; one prefix per cluster
    // (`/strait/<cluster.name>/` by default), so one etcd serves several clusters.
    const tlsYaml = (ca: string): string =>
      [
        `cluster.coordination.etcd.ssl.certificate_authorities: [${ca}]`,
        `cluster.coordination.etcd.ssl.certificate: ${path.join(certs, 'node.crt')}`,
        `cluster.coordination.etcd.ssl.key: ${path.join(certs, 'node.key')}`,
        `cluster.coordination.etcd.username: ${auth.username}`,
        'cluster.coordination.etcd.connect_timeout: 2s',
      ].join('\n');
    const keystore = { 'cluster.coordination.etcd.password': auth.password };
    const clusters: MultiNodeCluster[] = [];
    const admin = etcd.client({ username: 'root', password: `${auth.password}-root` });
    try {
      const refusedStart = (name: string, options: { ca?: string; password?: string }): Promise<string> =>
        startNode({
          security: false,
          clusterName: 'east',
          nodeName: name,
          yaml: ['discovery.type: multi-node', `cluster.coordination.etcd.endpoints: ${etcd.endpoint}`, tlsYaml(options.ca ?? path.join(certs, 'ca.crt'))].join('\n'),
          keystore: { 'cluster.coordination.etcd.password': options.password ?? auth.password },
        }).then(
          async (node) => {
            await node.destroy();
            assert.fail(`[${name}] started`);
          },
          (error: Error) => error.message,
        );
      // Both clusters start while the two refused nodes try (their start-ups overlap).
      const starts = Promise.allSettled(['east', 'west'].map((name) => startMultiNodeCluster({ etcd, clusterName: name, nodes: 2, security: false, yaml: tlsYaml(path.join(certs, 'ca.crt')), keystore })));
      const refusals = Promise.all([refusedStart('east-wrong-password', { password: 'wrong-password' }), refusedStart('east-wrong-ca', { ca: otherCa })]);
      for (const started of await starts) if (started.status === 'fulfilled') clusters.push(started.value);
      const [wrongPassword, wrongCa] = await refusals;
      assert.equal(clusters.length, 2, 'both clusters started');
      const [east, west] = clusters as [MultiNodeCluster, MultiNodeCluster];
      assert.match(wrongPassword, /refused the credentials of \[cluster\.coordination\.etcd\.username\] \[strait\] \(keystore \[cluster\.coordination\.etcd\.password\]\)/);
      assert.match(wrongCa, /cannot reach etcd at \[https:\/\/127\.0\.0\.1:\d+\] \(\[cluster\.coordination\.etcd\.endpoints\]\).*check \[cluster\.coordination\.etcd\.ssl\.certificate_authorities\]/);
      const stored = await admin.getAll().prefix('/strait/').strings();
      const left = Object.entries(stored).filter(([key, value]) => key.includes('wrong') || (!key.endsWith('/state') && value.includes('wrong')));
      assert.deepEqual(left, [], 'nothing of the refused nodes is in etcd');
      const eastNodes = Object.values(JSON.parse((await admin.get('/strait/east/state').string())!).nodes as Record<string, { name: string }>).map((node) => node.name);
      assert.deepEqual(eastNodes.sort(), ['east-1', 'east-2']);

      // Each cluster forms on its own prefix: green with one replica, its own nodes and indices only.
      const uuids = new Set<string>();
      for (const [cluster, name] of [[east, 'east'], [west, 'west']] as const) {
        const client = cluster.nodes[1]!.client();
        try {
          await client.indices.create({ index: `only-${name}`, settings: { number_of_shards: 1, number_of_replicas: 1 } });
          const health = await client.cluster.health({ index: `only-${name}`, wait_for_status: 'green', timeout: '30s' });
          assert.equal(health.status, 'green');
          assert.equal(health.number_of_nodes, 2);
          assert.equal(health.active_shards, 2);
          const nodes = await client.cat.nodes({ format: 'json', h: 'name' });
          assert.deepEqual(nodes.map((row) => row.name).sort(), [`${name}-1`, `${name}-2`]);
          uuids.add((await client.info()).cluster_uuid);
          assert.equal((await client.info()).cluster_name, name);
        } finally {
          await client.close();
        }
      }
      assert.equal(uuids.size, 2, 'two clusters, two cluster uuids');
      for (const [cluster, other] of [[east, 'west'], [west, 'east']] as const) {
        const client = cluster.nodes[0]!.client();
        try {
          assert.equal(await client.indices.exists({ index: `only-${other}` }), false);
          assert.deepEqual(Object.keys((await client.cluster.state({ metric: 'metadata' })).metadata!.indices!).filter((index) => index.startsWith('only-')), [`only-${other === 'west' ? 'east' : 'west'}`]);
        } finally {
          await client.close();
        }
      }
    } finally {
      admin.close();
      for (const cluster of clusters) await cluster.destroy();
    }
  });
});
