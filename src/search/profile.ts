/**
 * `profile: true` (pure; the clock is an input, style P1): per shard, the weight tree Strait
 * planned for the query, in Elasticsearch's profile shape (`searches[].query[]` nodes with `type`,
 * `description`, `time_in_nanos`, `breakdown`, `children`). Every node is timed by running its own
 * scorer over the shard's segments: building the scorer per segment (`build_scorer`), stepping
 * through its matches (`next_doc`) and scoring each (`score`); `create_weight` is the time the
 * planner took for the whole tree and is reported on the root. A child's time is therefore what
 * its clause costs run alone, not a share of its parent's run (Lucene's profiler measures the
 * share; Strait's scorers are not instrumented inside). Types are Strait's weight classes, not
 * Lucene's query classes: the profile describes what Strait ran.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-profile.html
 */
import { noMoreDocs, type Weight } from '../index/query/index.js';
import type { Segment } from '../index/searcher/index.js';

/** A monotonic clock in nanoseconds. */
export type NanoClock = () => bigint;

export interface ProfiledNode {
  readonly type: string;
  readonly description: string;
  readonly time_in_nanos: number;
  readonly breakdown: Readonly<Record<string, number>>;
  readonly children?: readonly ProfiledNode[];
}

const breakdownKeys = [
  'set_min_competitive_score', 'match', 'shallow_advance', 'next_doc', 'score', 'build_scorer', 'create_weight', 'advance', 'compute_max_score',
] as const;

function emptyBreakdown(): Record<string, number> {
  const breakdown: Record<string, number> = {};
  for (const key of breakdownKeys) {
    breakdown[key] = 0;
    breakdown[`${key}_count`] = 0;
  }
  return breakdown;
}

/** Times one weight (and, recursively, its children) over the segments. */
export function profileWeight(weight: Weight, segments: readonly Segment[], clock: NanoClock, createWeightNanos: number): ProfiledNode {
  const breakdown = emptyBreakdown();
  breakdown['create_weight'] = createWeightNanos;
  breakdown['create_weight_count'] = 1;
  for (const segment of segments) {
    const built = clock();
    const scorer = weight.scorer(segment);
    breakdown['build_scorer']! += Number(clock() - built);
    breakdown['build_scorer_count']! += 1;
    if (scorer === null) continue;
    const live = segment.liveDocs;
    for (;;) {
      const stepped = clock();
      const doc = scorer.nextDoc();
      breakdown['next_doc']! += Number(clock() - stepped);
      breakdown['next_doc_count']! += 1;
      if (doc === noMoreDocs) break;
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      const scored = clock();
      scorer.score();
      breakdown['score']! += Number(clock() - scored);
      breakdown['score_count']! += 1;
    }
  }
  const children = weight.children.map((child) => profileWeight(child, segments, clock, 0));
  let total = 0;
  for (const key of breakdownKeys) total += breakdown[key]!;
  return {
    type: weight.constructor.name,
    description: weight.describe(),
    time_in_nanos: total,
    breakdown,
    ...(children.length > 0 ? { children } : {}),
  };
}

/** One shard's entry of `profile.shards`. */
export function profileShard(
  shard: { readonly nodeId: string; readonly indexName: string; readonly clusterAlias: string | undefined },
  plan: () => Weight,
  segments: readonly Segment[],
  clock: NanoClock,
): Record<string, unknown> {
  const planned = clock();
  const weight = plan();
  const createWeightNanos = Number(clock() - planned);
  const root = profileWeight(weight, segments, clock, createWeightNanos);
  return {
    id: `[${shard.nodeId}][${shard.indexName}][0]`,
    node_id: shard.nodeId,
    shard_id: 0,
    index: shard.indexName,
    cluster: shard.clusterAlias ?? '(local)',
    searches: [
      {
        query: [root],
        rewrite_time: 0,
        // Strait's collectors are not instrumented: none is reported rather than a made-up time.
        collector: [],
      },
    ],
    aggregations: [],
  };
}
