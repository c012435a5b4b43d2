/**
 * `inner_hits` of nested queries (fetch phase): for each hit, the nested documents of each nested
 * query with `inner_hits` that match its inner query, best score first, each rendered with
 * `_nested` (its path and offset, level by level) and the nested object as `_source`. A nested
 * query with inner hits inside another one puts its hits inside each of the outer inner hits;
 * inside one without, beside the outer ones (Elasticsearch's InnerHitsBuilder does the same).
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/inner-hits.html#nested-inner-hits
 */
import { errors } from '../common/errors.js';
import { fetchWholeSource, filterSource, sourceFilterFromBody } from '../index/source-filter.js';
import { NestedWeight, planQuery, type NestedInnerHits, type PlanContext, type QueryNode, type Weight } from '../index/query/index.js';
import { matchingChildren } from '../index/query/nested.js';
import { sourceOf, type Segment } from '../index/searcher/index.js';
import type { DocMetadata } from '../index/searcher/searcher-state.js';

type Json = Record<string, unknown>;

/** The nested queries with inner hits reachable from `weight` without passing through another such query. */
function innerHitWeights(weight: Weight, into: NestedWeight[] = []): NestedWeight[] {
  if (weight instanceof NestedWeight && weight.node.innerHits !== undefined) {
    into.push(weight);
    return into;
  }
  for (const child of weight.children) innerHitWeights(child, into);
  return into;
}

/** Whether any nested query of `query` asks for inner hits; refuses two inner hits of one name (InnerHitsBuilder). */
export function nestedInnerHitsOf(query: QueryNode): boolean {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    if (node['kind'] === 'nested' && node['innerHits'] !== undefined) {
      const spec = node['innerHits'] as NestedInnerHits;
      const name = spec.name ?? String(node['path']);
      if (names.has(name)) throw errors.illegalArgument(`[inner_hits] already contains an entry for key [${name}]`);
      names.add(name);
    }
    for (const key of Object.keys(node)) visit(node[key]);
  };
  visit(query);
  return names.size > 0;
}

/**
 * The renderer of one shard's hits' `inner_hits` (undefined when the query asks for none). The
 * query is planned once, on the first hit; `segments` are the ones the query phase searched.
 */
export function nestedInnerHitsRenderer(
  query: QueryNode,
  plan: () => PlanContext,
  segments: readonly Segment[],
  indexName: string,
  metadata?: readonly DocMetadata[],
  /** `rest_total_hits_as_int`: inner hits' totals are plain numbers too. */
  restTotalHitsAsInt = false,
): ((segmentIndex: number, doc: number) => Json | undefined) | undefined {
  if (!nestedInnerHitsOf(query)) return undefined;
  let weights: NestedWeight[] | undefined;
  const scoringInner = new Map<NestedWeight, Weight>();
  // `root` is the hit: its version and sequence number are every nested document's.
  const render = (found: readonly NestedWeight[], segment: Segment, doc: number, root: { readonly segmentIndex: number; readonly doc: number }): Json | undefined => {
    if (found.length === 0) return undefined;
    const result: Json = {};
    for (const weight of found) {
      const spec = weight.node.innerHits!;
      // Inner hits score their nested documents with the inner query alone, whatever the context of the nested query.
      let inner = scoringInner.get(weight);
      if (inner === undefined) {
        inner = planQuery(weight.node.query, weight.innerPlanContext);
        scoringInner.set(weight, inner);
      }
      const { level, docs, scores } = matchingChildren(weight, segment, doc, inner);
      const order = docs.map((_, index) => index).sort((left, right) => scores[right]! - scores[left]! || docs[left]! - docs[right]!);
      const filter = sourceFilterFromBody(spec.source) ?? fetchWholeSource;
      const nested = innerHitWeights(weight.inner);
      const hits = order.slice(spec.from, spec.from + spec.size).map((index) => {
        const child = docs[index]!;
        const hit: Json = { _index: indexName, _id: level.segment.ids[child], _nested: level.identity(child) };
        const parent = metadata?.[root.segmentIndex];
        if (spec.version && parent !== undefined) hit['_version'] = parent.versions[root.doc];
        if (spec.seqNoPrimaryTerm && parent !== undefined) {
          hit['_seq_no'] = parent.seqNos[root.doc];
          hit['_primary_term'] = parent.primaryTerms[root.doc];
        }
        hit['_score'] = scores[index]!;
        if (filter.fetch) hit['_source'] = nestedSource(sourceOf(level.segment, child), weight.node.path, filter);
        const deeper = render(nested, level.segment, child, root);
        if (deeper !== undefined) hit['inner_hits'] = deeper;
        return hit;
      });
      let maxScore = -Infinity;
      for (const score of scores) if (score > maxScore) maxScore = score;
      result[spec.name ?? weight.node.path] = { hits: { total: restTotalHitsAsInt ? docs.length : { value: docs.length, relation: 'eq' }, max_score: docs.length === 0 ? null : maxScore, hits } };
    }
    return result;
  };
  return (segmentIndex, doc) => {
    if (weights === undefined) weights = innerHitWeights(planQuery(query, plan()));
    return render(weights, segments[segmentIndex]!, doc, { segmentIndex, doc });
  };
}

/**
 * The nested object filtered by `_source` includes and excludes given as full paths
 * (`comments.author`), as Elasticsearch filters a nested hit's source under its path.
 */
function nestedSource(object: unknown, path: string, filter: ReturnType<typeof sourceFilterFromBody> & object): unknown {
  if (filter.includes.length === 0 && filter.excludes.length === 0) return object;
  const parts = path.split('.');
  let wrapped: unknown = object;
  for (let index = parts.length - 1; index >= 0; index--) wrapped = { [parts[index]!]: wrapped };
  let filtered: unknown = filterSource(wrapped, filter);
  for (const part of parts) filtered = filtered !== null && typeof filtered === 'object' ? (filtered as Json)[part] : undefined;
  return filtered ?? {};
}
