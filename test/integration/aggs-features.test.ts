// Aggregation features on one real node with the official client: significant_terms through a
// filtered alias (sig_terms.yml "Test alias background filter": the background set is the alias's
// filtered documents) and moving_fn (moving_fn.yml).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;

before(async () => {
  node = await startNode({ clusterName: 'aggs-features', nodeName: 'a1' });
  const client = node.client();
  await client.indices.create({ index: 'sig', mappings: { properties: { field1: { type: 'keyword' }, field2: { type: 'keyword' } } } });
  await client.indices.putAlias({ index: 'sig', name: 'sig_alias', filter: { bool: { filter: [{ term: { field2: 'foo' } }] } } });
  const docs = [{ field1: '1', field2: 'foo' }, { field1: '2', field2: 'bar' }, { field1: '3', field2: 'foo' }];
  await client.bulk({ refresh: true, operations: docs.flatMap((doc, index) => [{ index: { _index: 'sig', _id: String(index + 1) } }, doc]) });
});

after(async () => {
  await node?.destroy();
});

test('significant_terms through a filtered alias: the background is the alias filter\'s documents (sig_terms.yml)', async () => {
  const client = node.client();
  const viaAlias = await client.search({ index: 'sig_alias', size: 0, aggs: { sig_terms: { significant_terms: { field: 'field1' } } } });
  assert.equal((viaAlias.aggregations!['sig_terms'] as { bg_count: number }).bg_count, 2);
  assert.equal((viaAlias.aggregations!['sig_terms'] as { doc_count: number }).doc_count, 2);
  // With a background_filter too, the background is both: field2:foo and field1 in [1, 2].
  const both = await client.search({ index: 'sig_alias', size: 0, aggs: { sig_terms: { significant_terms: { field: 'field1', background_filter: { terms: { field1: ['1', '2'] } } } } } });
  assert.equal((both.aggregations!['sig_terms'] as { bg_count: number }).bg_count, 1);
  // By the index's own name there is no alias filter: all three documents.
  const direct = await client.search({ index: 'sig', size: 0, aggs: { sig_terms: { significant_terms: { field: 'field1' } } } });
  assert.equal((direct.aggregations!['sig_terms'] as { bg_count: number }).bg_count, 3);
});
