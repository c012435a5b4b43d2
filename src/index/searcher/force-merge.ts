/**
 * The force merge API's choice of merges (pure, style P1): which adjacent segments of a shard the
 * next forced merge rewrites, until none is left. Adjacent, as every Strait merge is, so that the
 * `_doc` order of documents is kept.
 *
 * - `max_num_segments: N`: while the shard has more than N segments, the window of adjacent segments
 *   that brings it to N, with the fewest live docs, is merged into one; once it has N or fewer, each
 *   segment that still holds deleted documents is rewritten alone (Lucene's `isMerged` counts a
 *   segment with deletions as not merged), so `max_num_segments=1` leaves no deleted documents.
 * - `only_expunge_deletes`: each segment whose deleted documents exceed
 *   `index.merge.policy.expunge_deletes_allowed` (10% by default) of it is rewritten alone
 *   (Lucene's forceMergeDeletes).
 * - neither: the regular merge policy, as Elasticsearch then only asks Lucene for the merges its
 *   policy wants.
 *
 * The picker only looks at the segments the force merge started with (and the segments its own
 * merges made): segments refreshed meanwhile are left to the regular policy, so a force merge under
 * steady writes ends.
 * References: indices-forcemerge.html, ForceMergeRequest, Lucene IndexWriter.forceMerge /
 * forceMergeDeletes.
 */
import type { Segment } from '../engine/index.js';
import { cheapestWindow, pickMerge, type MergeChoice } from './searcher-state.js';

export const forceMergeLimits = {
  /** Elasticsearch's `index.merge.policy.expunge_deletes_allowed` default (percent of a segment's docs). */
  expungeDeletesAllowedPercent: 10,
} as const;

/** What a force merge asks of each shard. */
export interface ForceMergeRequest {
  /** Merge down to at most this many segments (undefined: Elasticsearch's default -1, the policy decides). */
  readonly maxNumSegments: number | undefined;
  readonly onlyExpungeDeletes: boolean;
}

type SegmentCounts = Pick<Segment, 'maxDoc' | 'liveDocCount'>;

/** The next merge a force merge wants over `segments` (the ones it may touch, a prefix of the shard's), or undefined when it is done. */
export function pickForceMerge(segments: readonly SegmentCounts[], request: ForceMergeRequest): MergeChoice | undefined {
  if (request.onlyExpungeDeletes) {
    const position = segments.findIndex((segment) => (segment.maxDoc - segment.liveDocCount) * 100 > segment.maxDoc * forceMergeLimits.expungeDeletesAllowedPercent);
    return position < 0 ? undefined : { start: position, end: position + 1 };
  }
  const target = request.maxNumSegments;
  if (target === undefined) return pickMerge(segments);
  if (segments.length > target) return cheapestWindow(segments, segments.length - target + 1);
  const position = segments.findIndex((segment) => segment.liveDocCount < segment.maxDoc);
  return position < 0 ? undefined : { start: position, end: position + 1 };
}
