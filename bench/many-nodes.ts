/**
 * Issue #14's benchmark rows (not a test): on this machine, with the ratios printed,
 * 1. indexing throughput on 1 node (an index of 3 shards, no replica) vs 3 nodes over a real etcd
 *    (3 shards, 1 replica: every document written twice), `_bulk` of 1,000 from 2 clients per node
 *    in use (so 2 clients on one node, 6 on three), security off on both sides;
 * 2. search p50 of query (a) (a match on a common term, top 10) at concurrency 1 on one node, over
 *    an index of 3 shards vs the same documents in 1 shard;
 * 3. failover: kill -9 of the node holding a shard's primary, then the time until the first
 *    acknowledged write to that shard through another node (target: under 5 s with default
 *    settings).
 * Needs etcd (Debian's etcd-server); without it, rows 1's 3-node half and 3 are skipped with a line.
 */
import type { Client } from '@elastic/elasticsearch';
import { startNode, type StartedNode } from '../test/harness/cluster.js';
import { startEtcd, type RunningEtcd } from '../test/harness/etcd.js';
import { bulkIndexDocuments, commonTerm, generateGeonames, geonamesMappings } from './geonames-corpus.js';
import { spawnSync } from 'node:child_process';

export interface ManyNodesOptions {
  readonly docs: number;
  readonly seconds: number;
}

export interface ManyNodesResults {
  readonly docs: number;
  readonly indexing: { one_node_docs_per_s: number; three_nodes_one_replica_docs_per_s?: number; ratio?: number; skipped?: string };
  readonly search: { one_shard_p50_ms: number; three_shards_p50_ms: number; ratio: number; query: string };
  readonly failover: { ms?: number; target_ms: number; met?: boolean; victim?: string; skipped?: string };
}

const LONG = { requestTimeout: 600_000 };

function p50(latencies: number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function sequentialP50(seconds: number, operation: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) await operation();
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const started = performance.now();
    await operation();
    latencies.push(performance.now() - started);
  }
  return Math.round(p50(latencies) * 1000) / 1000;
}

async function createIndex(client: Client, index: string, shards: number, replicas: number): Promise<void> {
  await client.indices.create({ index, settings: { number_of_shards: shards, number_of_replicas: replicas }, mappings: { properties: geonamesMappings as never } }, LONG);
}

async function timedBulk(clients: readonly Client[], index: string, documents: readonly Record<string, unknown>[]): Promise<number> {
  const started = performance.now();
  await bulkIndexDocuments(clients, index, documents);
  return Math.round(documents.length / ((performance.now() - started) / 1000));
}

function etcdMissing(): string | undefined {
  return spawnSync('etcd', ['--version']).status === 0 ? undefined : 'etcd is not installed (Debian package etcd-server)';
}

/** Node names by node id, and each shard's primary node id, from the published state. */
async function primaries(client: Client, index: string): Promise<{ names: Record<string, string>; primaryOf: Record<string, string> }> {
  const state = (await client.cluster.state({ metric: ['nodes', 'routing_table'], index })) as unknown as {
    nodes: Record<string, { name: string }>;
    routing_table: { indices: Record<string, { shards: Record<string, { primary: boolean; node: string; state: string }[]> }> };
  };
  const names: Record<string, string> = {};
  for (const [id, info] of Object.entries(state.nodes)) names[id] = info.name;
  const primaryOf: Record<string, string> = {};
  for (const [shard, copies] of Object.entries(state.routing_table.indices[index]!.shards)) primaryOf[shard] = copies.find((copy) => copy.primary)!.node;
  return { names, primaryOf };
}

export async function runManyNodesBench(options: ManyNodesOptions): Promise<ManyNodesResults> {
  const documents = generateGeonames(options.docs, 77).map((doc) => (typeof doc.source === 'string' ? JSON.parse(doc.source) : doc.source) as Record<string, unknown>);
  const term = commonTerm(documents.map((doc) => String(doc['description'])));
  const query = { query: { match: { description: term } } };

  // One node: throughput into 3 shards, then search p50 over 3 shards vs 1 shard.
  console.log(`many nodes: one node, ${options.docs} docs into 3 shards, then into 1 shard…`);
  // Security off as on the three nodes below, so that the indexing ratio compares like with like.
  const single = await startNode({ clusterName: 'bench-one', security: false, httpTls: false });
  let oneNode: number;
  let search: ManyNodesResults['search'];
  try {
    const client = single.client();
    await createIndex(client, 'three', 3, 0);
    oneNode = await timedBulk([single.client(), single.client()], 'three', documents);
    await createIndex(client, 'one', 1, 0);
    await bulkIndexDocuments([single.client(), single.client()], 'one', documents);
    await client.indices.refresh({ index: 'one,three' }, LONG);
    await new Promise((resolve) => setTimeout(resolve, 5000)); // merges and persisting settle
    const oneShard = await sequentialP50(options.seconds, () => client.search({ index: 'one', ...query }));
    const threeShards = await sequentialP50(options.seconds, () => client.search({ index: 'three', ...query }));
    search = { query: `match description:${term}, top 10`, one_shard_p50_ms: oneShard, three_shards_p50_ms: threeShards, ratio: Math.round((threeShards / oneShard) * 100) / 100 };
  } finally {
    await single.destroy();
  }

  const missing = etcdMissing();
  if (missing !== undefined) {
    return { docs: options.docs, indexing: { one_node_docs_per_s: oneNode, skipped: missing }, search, failover: { target_ms: 5000, skipped: missing } };
  }

  console.log('many nodes: three nodes over etcd, 3 shards with 1 replica…');
  let etcd: RunningEtcd | undefined;
  const nodes: StartedNode[] = [];
  const nodeNames = ['bench-a', 'bench-b', 'bench-c'];
  try {
    etcd = await startEtcd();
    for (const name of nodeNames) {
      nodes.push(await startNode({ security: false, clusterName: 'bench-many', nodeName: name, yaml: ['discovery.type: multi-node', `cluster.coordination.etcd.endpoints: ${etcd.endpoint}`].join('\n') }));
    }
    const client = nodes[0]!.client();
    const formed = await client.cluster.health({ wait_for_nodes: '3', timeout: '60s' }, LONG);
    if (formed.number_of_nodes !== 3) throw new Error(`the 3 nodes did not form a cluster: ${JSON.stringify(formed)}`);
    await createIndex(client, 'replicated', 3, 1);
    const green = await client.cluster.health({ index: 'replicated', wait_for_status: 'green', timeout: '60s' }, { ...LONG, ignore: [408] });
    if (green.status !== 'green') throw new Error(`the replicated index did not go green within 60 s (${green.status}: ${green.unassigned_shards} unassigned, ${green.initializing_shards} initializing)`);
    const threeNodes = await timedBulk(nodes.flatMap((node) => [node.client(), node.client()]), 'replicated', documents);

    // Failover: kill -9 the node holding shard 0's primary; one write routed to shard 0 through
    // another node, retried on failure, until it is acknowledged.
    const { names, primaryOf } = await primaries(client, 'replicated');
    const victimId = primaryOf['0']!;
    const victim = nodes[nodeNames.indexOf(names[victimId]!)]!;
    const survivor = nodes.find((node) => node !== victim)!;
    const probe = survivor.client();
    // An id on shard 0: ask the search's explanation where each candidate lives.
    await probe.bulk({ refresh: true, operations: Array.from({ length: 30 }, (_, i) => [{ index: { _index: 'replicated', _id: `failover-${i}` } }, { name: `failover ${i}` }]).flat() });
    const located = await probe.search({ index: 'replicated', explain: true, size: 30, query: { prefix: { name: 'failover' } } });
    const onShard0 = located.hits.hits.find((hit) => String((hit as { _shard?: string })._shard).endsWith('[0]'))?._id;
    if (onShard0 === undefined) throw new Error('no failover document landed on shard 0');
    const killed = performance.now();
    await victim.kill9();
    let acknowledged: number | undefined;
    while (performance.now() - killed < 60_000) {
      try {
        await probe.index({ index: 'replicated', id: onShard0, document: { name: 'after failover' }, timeout: '30s' }, { requestTimeout: 40_000, maxRetries: 0 });
        acknowledged = performance.now() - killed;
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const failover = acknowledged === undefined ? { target_ms: 5000, met: false, victim: names[victimId]! } : { ms: Math.round(acknowledged), target_ms: 5000, met: acknowledged < 5000, victim: names[victimId]! };
    return {
      docs: options.docs,
      indexing: { one_node_docs_per_s: oneNode, three_nodes_one_replica_docs_per_s: threeNodes, ratio: Math.round((threeNodes / oneNode) * 100) / 100 },
      search,
      failover,
    };
  } catch (error) {
    // A 3-node failure is a finding to print beside the one-node rows, not a reason to lose them.
    const reason = `failed: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`;
    return { docs: options.docs, indexing: { one_node_docs_per_s: oneNode, skipped: reason }, search, failover: { target_ms: 5000, skipped: reason } };
  } finally {
    for (const node of nodes) await node.destroy();
    await etcd?.destroy();
  }
}

export function printManyNodesTable(results: ManyNodesResults): void {
  const rows: [string, string, string][] = [
    ['indexing, 1 node (3 shards), 2 clients', `${results.indexing.one_node_docs_per_s} docs/s`, 'security off on both'],
    [
      'indexing, 3 nodes (3 shards, 1 replica), 6 clients',
      results.indexing.three_nodes_one_replica_docs_per_s === undefined ? `skipped: ${results.indexing.skipped ?? ''}` : `${results.indexing.three_nodes_one_replica_docs_per_s} docs/s`,
      results.indexing.ratio === undefined ? '' : `${results.indexing.ratio} × 1 node`,
    ],
    ['search (a) p50, 1 node, 1 shard', `${results.search.one_shard_p50_ms} ms`, ''],
    ['search (a) p50, 1 node, 3 shards', `${results.search.three_shards_p50_ms} ms`, `${results.search.ratio} × 1 shard`],
    [
      'failover: kill -9 → first acknowledged write',
      results.failover.ms === undefined ? (results.failover.skipped === undefined ? 'no write acknowledged within 60 s' : `skipped: ${results.failover.skipped}`) : `${results.failover.ms} ms`,
      `target < ${results.failover.target_ms} ms${results.failover.met === undefined ? '' : results.failover.met ? ': met' : ': NOT met'}`,
    ],
  ];
  console.log(`\nMany nodes (issue #14), ${results.docs} documents:`);
  for (const [what, value, note] of rows) console.log(`  ${what.padEnd(46)} ${value.padEnd(24)} ${note}`);
}
