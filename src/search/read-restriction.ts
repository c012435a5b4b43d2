/**
 * Document and field level security in the search layer (pure). The security layer says what a
 * caller may read of an index (`ReadRestriction`); this module turns it into what the shard
 * search uses:
 * - DLS: segment views whose live documents are those the role query matches, so the query,
 *   aggregations, counts, scroll and by-query all run over the visible documents only (counts
 *   cannot leak). The role query is evaluated with the full mappings, before field level
 *   security, as Elasticsearch does; scoring statistics stay the shard's (as documented for ES);
 * - FLS: mappings without the hidden fields. A query, sort or aggregation on a hidden field then
 *   behaves as on a field that does not exist, as Elasticsearch's field-level security does, and
 *   `_source`, `fields`, `docvalue_fields`, highlighting and field capabilities never show one.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/field-and-document-access-control.html
 */
import type { FlattenedMapping, ReadRestriction } from '../index/index.js';
import { nestedScopeOf, noMoreDocs, registerNestedScope } from '../index/query/index.js';
import { errors } from '../common/errors.js';
import { isLive, parseQuery, planQuery, type FieldMappings, type Segment, type ShardStats } from '../index/searcher/index.js';

/** Views of one shard's segments, keyed by the role query, reused while the segments live. */
const documentLevelViews = new WeakMap<Segment, Map<string, Segment>>();
const documentLevelViewsPerSegmentMax = 32;

export interface DocumentLevelContext {
  readonly stats: ShardStats;
  /** The index's full engine mappings: the role query sees every field. */
  readonly mappings: FieldMappings;
  readonly nowMs: number;
  readonly indexName: string;
  /** The index's `index.query.default_field` now: a role query without fields searches these. */
  readonly defaultFields: readonly string[];
}

/**
 * Segments as a caller with document level security sees them: a document is live when it was
 * live and the role query matches it. Everything that reads segments (queries, aggregations,
 * counts) then skips hidden documents without knowing about security.
 */
export function documentLevelSegments(segments: readonly Segment[], restriction: ReadRestriction | undefined, context: DocumentLevelContext): readonly Segment[] {
  if (restriction?.query === undefined) return segments;
  // The default fields are part of the key: after a settings update the role query selects anew.
  const key = JSON.stringify([restriction.query, context.defaultFields]);
  let weight: ReturnType<typeof planQuery> | undefined;
  return segments.map((segment) => {
    let views = documentLevelViews.get(segment);
    const cached = views?.get(key);
    if (cached !== undefined) return cached;
    weight ??= planQuery(parseQuery(restriction.query), {
      stats: context.stats,
      segments,
      mappings: context.mappings,
      nowMs: context.nowMs,
      indexName: context.indexName,
      defaultFields: context.defaultFields,
    });
    const live = new Uint32Array((segment.maxDoc + 31) >>> 5);
    let liveDocCount = 0;
    const scorer = weight.scorer(segment);
    if (scorer !== null) {
      for (let doc = scorer.nextDoc(); doc !== noMoreDocs; doc = scorer.nextDoc()) {
        if (!isLive(segment, doc)) continue;
        live[doc >>> 5] = live[doc >>> 5]! | (1 << (doc & 31));
        liveDocCount += 1;
      }
    }
    const view: Segment = { ...segment, liveDocs: live, liveDocCount };
    if (views === undefined) documentLevelViews.set(segment, (views = new Map()));
    if (views.size >= documentLevelViewsPerSegmentMax) views.delete(views.keys().next().value as string);
    views.set(key, view);
    return view;
  });
}

/** The mapping with only the visible fields, and the objects that hold one of them. */
export function visibleMapping(mapping: FlattenedMapping, visible: ((path: string) => boolean) | undefined): FlattenedMapping {
  if (visible === undefined) return mapping;
  const fields = new Map([...mapping.fields].filter(([path]) => visible(path)));
  const holders = new Set<string>();
  for (const path of fields.keys()) {
    for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) holders.add(path.slice(0, dot));
  }
  const objects = new Map([...mapping.objects].filter(([path]) => holders.has(path)));
  return { ...mapping, fields, objects };
}

/** Engine mappings with only the visible fields (an alias is visible under its own name). */
export function visibleEngineMappings(mappings: FieldMappings, visible: ((path: string) => boolean) | undefined): FieldMappings {
  if (visible === undefined) return mappings;
  const result = Object.freeze(Object.fromEntries(Object.entries(mappings).filter(([path, mapping]) => visible(path) && (mapping.aliasOf === undefined || visible(mapping.aliasOf)))));
  // Nested documents are derived with every field: under field level security they are refused.
  const scope = nestedScopeOf(mappings);
  if (scope !== undefined) {
    registerNestedScope(result, {
      nestedPaths: scope.nestedPaths,
      objectPaths: scope.objectPaths,
      level: () => {
        throw errors.illegalArgument('[nested] queries and aggregations under field level security are not supported by Strait');
      },
    });
  }
  return result;
}

/**
 * Segments as a caller with field level security sees them: postings and doc values of hidden
 * fields are left out, so that nothing reading a field by name (aggregations, sorting, queries
 * that do not consult the mappings) can reach one. Views share everything else with the segment.
 */
export function visibleSegments(segments: readonly Segment[], visible: ((path: string) => boolean) | undefined): readonly Segment[] {
  if (visible === undefined) return segments;
  return segments.map((segment) => ({
    ...segment,
    postings: new Map([...segment.postings].filter(([path]) => visible(path))),
    docValues: new Map([...segment.docValues].filter(([path]) => visible(path))),
  }));
}
