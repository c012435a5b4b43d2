/**
 * `search_type=dfs_query_then_fetch` (pure): Elasticsearch first collects term and field
 * statistics from every shard the search reads (the DFS phase), then scores each shard with those
 * summed statistics, so BM25 sees the whole corpus rather than one shard's part of it. The default
 * `query_then_fetch` scores each shard with its own statistics, as Lucene does per index.
 * Reference: search-search.html#search-type, DfsPhase / AggregatedDfs.
 */
import type { FieldStats, ShardStats } from '../index/engine/index.js';

/** The statistics of several shards summed, as AggregatedDfs holds them. */
export function aggregatedStats(shards: readonly ShardStats[]): ShardStats {
  const fieldCache = new Map<string, FieldStats | undefined>();
  return {
    maxDoc: shards.reduce((sum, shard) => sum + shard.maxDoc, 0),
    fieldStats(field) {
      if (fieldCache.has(field)) return fieldCache.get(field);
      let combined: FieldStats | undefined;
      for (const shard of shards) {
        const stats = shard.fieldStats(field);
        if (stats === undefined) continue;
        combined =
          combined === undefined
            ? stats
            : { docCount: combined.docCount + stats.docCount, sumTotalTermFreq: combined.sumTotalTermFreq + stats.sumTotalTermFreq, sumDocFreq: combined.sumDocFreq + stats.sumDocFreq };
      }
      fieldCache.set(field, combined);
      return combined;
    },
    docFreq(field, term) {
      let docFreq = 0;
      for (const shard of shards) docFreq += shard.docFreq(field, term);
      return docFreq;
    },
  };
}
