// `num_reduce_phases` of cross-cluster searches: Elasticsearch's SearchResponse writes the field
// only when it is not 1; one cluster alone answers with its own response, several are merged by
// SearchResponseMerger (one final reduce plus each answering cluster's own reduce).
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-cross-cluster-search.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '../../../src/common/index.js';
import { planClusters, searchAcrossClusters, type RemoteClusters } from '../../../src/search/index.js';
import { openSearchHarness } from './harness.js';

const allowAll = { indices: () => {}, allowsIndex: () => true };

test('num_reduce_phases: absent for one cluster (local or remote alone), 1 + answering clusters when several are merged', async (t) => {
  const local = openSearchHarness(t);
  const remote = openSearchHarness(t);
  await local.index('books', { '1': { title: 'local' } });
  await remote.index('books', { '2': { title: 'remote' } });
  const remotes: RemoteClusters = {
    aliases: () => ['eu', 'down'],
    skipUnavailable: () => true,
    search: async (alias, input) => {
      if (alias === 'down') throw errors.illegalArgument('unreachable');
      return remote.search.searchAsRemoteCancellable(input, allowAll, alias);
    },
    fieldCaps: async () => [],
  };
  const run = (expression: string) => searchAcrossClusters(local.search, { expression, params: {}, body: {} }, planClusters(expression, remotes)!, allowAll, remotes, undefined);

  const remoteOnly = await run('eu:books');
  assert.equal((remoteOnly as { hits: { hits: unknown[] } }).hits.hits.length, 1);
  assert.equal('num_reduce_phases' in remoteOnly, false);

  const both = await run('books,eu:books');
  assert.equal(both['num_reduce_phases'], 3);
  assert.deepEqual(Object.keys(both).slice(0, 4), ['took', 'timed_out', 'num_reduce_phases', '_shards']);

  // A skipped cluster sends no response to merge.
  const withSkipped = await run('books,eu:books,down:books');
  assert.equal(withSkipped['num_reduce_phases'], 3);
  const onlySkippedAndLocal = await run('books,down:books');
  assert.equal(onlySkippedAndLocal['num_reduce_phases'], 2);
});
