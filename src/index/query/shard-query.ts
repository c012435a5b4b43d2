/**
 * One shard's query phase as the search coordinator asks for it (pure): the query (alias filters
 * already in it) and, with a `post_filter`, the query narrowed by it, which selects the hits while
 * aggregations see the unfiltered query. The main thread and the search workers run this same
 * function, so a search answers the same wherever it ran.
 */
import type { Segment } from '../engine/segment.js';
import type { ShardStats } from '../engine/shard-stats.js';
import type { QueryNode } from './ast.js';
import { searchShard, type SearchRequest, type ShardResult, type ShardSearchContext } from './search.js';

export function runShardQuery(segments: readonly Segment[], stats: ShardStats, request: SearchRequest, postFiltered: QueryNode | undefined, context: ShardSearchContext): ShardResult {
  if (postFiltered === undefined) return searchShard(segments, stats, request, context);
  const hits = searchShard(segments, stats, { ...request, query: postFiltered, aggregations: [] }, context);
  if (request.aggregations.length === 0) return hits;
  const aggregations = searchShard(segments, stats, { ...request, from: 0, size: 0, trackTotalHits: false }, context);
  return { ...hits, aggregations: aggregations.aggregations };
}
