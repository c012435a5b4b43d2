/**
 * Test harness for multi-node tests (issue #14): where each shard copy of an index lives (from the
 * published cluster state), what one node's copy holds, and a check that every copy of every
 * shard holds the same documents with the same seq_nos and versions.
 */
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import type { StartedNode } from './cluster.js';
import { jsonCall } from './json-call.js';

export interface CopyDoc {
  readonly seqNo: number;
  readonly version: number;
  readonly source: string;
}

/** Node id by node name, and the nodes holding each started copy of `index` (primary first). */
export async function shardLayout(node: StartedNode, index: string): Promise<{ ids: Record<string, string>; shards: Record<string, { primary: string; replicas: string[] }> }> {
  const state = await jsonCall(node, 'GET', `/_cluster/state/nodes,routing_table/${index}`);
  assert.equal(state.status, 200, state.text);
  const ids: Record<string, string> = {};
  for (const [id, info] of Object.entries<{ name: string }>(state.body.nodes)) ids[info.name] = id;
  const shards: Record<string, { primary: string; replicas: string[] }> = {};
  for (const [shard, copies] of Object.entries<{ primary: boolean; node: string; state: string }[]>(state.body.routing_table.indices[index].shards)) {
    shards[shard] = { primary: copies.find((copy) => copy.primary)!.node, replicas: copies.filter((copy) => !copy.primary && copy.state === 'STARTED').map((copy) => copy.node) };
  }
  return { ids, shards };
}

/**
 * What one node's copy of one shard holds (a search of that shard on that node only), by id. The
 * layout comes from one node's cluster state; the node holding the copy may apply that state a
 * moment later (until then it has no started copy to search): it is asked again for a while.
 */
export async function copyOf(node: StartedNode, index: string, shard: string): Promise<Map<string, CopyDoc>> {
  const deadline = Date.now() + 10_000;
  const refreshedSearch = async (): Promise<Awaited<ReturnType<typeof jsonCall>>> => {
    const refreshed = await jsonCall(node, 'POST', `/${index}/_refresh`);
    assert.equal(refreshed.status, 200, refreshed.text);
    return jsonCall(node, 'GET', `/${index}/_search?preference=_shards:${shard}|_only_local&size=10000&seq_no_primary_term=true&version=true`);
  };
  let answer = await refreshedSearch();
  while (answer.status === 400 && answer.text.includes('no started copy of shard') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answer = await refreshedSearch();
  }
  assert.equal(answer.status, 200, answer.text);
  return new Map(answer.body.hits.hits.map((hit: { _id: string; _seq_no: number; _version: number; _source: unknown }) => [hit._id, { seqNo: hit._seq_no, version: hit._version, source: JSON.stringify(hit._source) }]));
}

/** The running node with this node id. */
export async function nodeById(nodes: readonly StartedNode[], id: string): Promise<StartedNode> {
  for (const node of nodes) {
    const info = await jsonCall(node, 'GET', '/_nodes/_local');
    if (Object.keys(info.body.nodes)[0] === id) return node;
  }
  throw new Error(`no running node has id ${id}`);
}

/** Every copy of every shard of `index` holds the same documents, seq_nos and versions; the documents by id. */
export async function assertCopiesIdentical(nodes: readonly StartedNode[], index: string): Promise<Map<string, CopyDoc>> {
  const { shards } = await shardLayout(nodes[0]!, index);
  const all = new Map<string, CopyDoc>();
  for (const [shard, { primary, replicas }] of Object.entries(shards)) {
    const primaryCopy = await copyOf(await nodeById(nodes, primary), index, shard);
    for (const replica of replicas) {
      const replicaCopy = await copyOf(await nodeById(nodes, replica), index, shard);
      assert.deepEqual([...replicaCopy.entries()].sort(), [...primaryCopy.entries()].sort(), `the copies of [${index}][${shard}] differ`);
    }
    for (const [id, doc] of primaryCopy) {
      assert.ok(!all.has(id), `[${id}] is in two shards`);
      all.set(id, doc);
    }
  }
  return all;
}

/** Every document of `index` (refreshed first) through `client`, by id: a whole index, wherever its shards live. */
export async function documentsOf(client: Client, index: string): Promise<Map<string, CopyDoc>> {
  await client.indices.refresh({ index });
  const answer = await client.search({ index, size: 10_000, seq_no_primary_term: true, version: true, query: { match_all: {} } });
  return new Map(answer.hits.hits.map((hit) => [hit._id!, { seqNo: hit._seq_no!, version: hit._version!, source: JSON.stringify(hit._source) }]));
}

/** One shard's entry of `GET /{index}/_ccr/stats`, as the CCR tests read it. */
export interface FollowShardStats {
  shard_id: number;
  leader_global_checkpoint: number;
  follower_global_checkpoint: number;
  operations_written: number;
  fatal_exception?: unknown;
}
