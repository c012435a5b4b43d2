/**
 * `docs.deleted` of the stats APIs (`_stats`, `_cat/indices`), as Elasticsearch counts it: the
 * documents the shard's searchable segments still hold but no longer serve (deleted, or the old
 * copy of an updated document), until a merge drops them. It is the sum of `_cat/segments`'
 * `docs.deleted` over the shard's segments, so the two APIs agree. A segment all of whose
 * documents are deleted is dropped at once (as Lucene drops fully deleted segments), so its
 * documents no longer count.
 * Reference: indices-stats.html (`docs.deleted`), cat-segments.html.
 */
import type { SearcherState } from './searcher-state.js';

export function docsDeletedOf(state: Pick<SearcherState, 'segments'>): number {
  let deleted = 0;
  for (const segment of state.segments) deleted += segment.maxDoc - segment.liveDocCount;
  return deleted;
}
