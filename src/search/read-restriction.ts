/**
 * Document and field level security in the search layer (pure). The security layer says what a
 * caller may read of an index (`ReadRestriction`); this module turns it into what the shard
 * search uses:
 * - DLS: an extra non-scoring filter, AND-ed with any alias filter, so the query, aggregations,
 *   counts, scroll and by-query all run over the visible documents only (counts cannot leak);
 * - FLS: mappings without the hidden fields. A query, sort or aggregation on a hidden field then
 *   behaves as on a field that does not exist, as Elasticsearch's field-level security does, and
 *   `_source`, `fields`, `docvalue_fields`, highlighting and field capabilities never show one.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/field-and-document-access-control.html
 */
import type { FlattenedMapping, ReadRestriction } from '../index/index.js';
import { parseQuery, type FieldMappings, type QueryNode, type Segment } from '../index/searcher/index.js';

/** Both filters apply (either may be absent). */
export function andFilters(first: QueryNode | undefined, second: QueryNode | undefined): QueryNode | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return { kind: 'bool', must: [], should: [], filter: [first, second], mustNot: [], minimumShouldMatch: undefined, boost: 1 };
}

/** The DLS filter as a query node (the role query parses as any search query does). */
export function documentFilterOf(restriction: ReadRestriction | undefined): QueryNode | undefined {
  return restriction?.query === undefined ? undefined : parseQuery(restriction.query);
}

/** The mapping with only the visible fields (objects are kept: they hold no values themselves). */
export function visibleMapping(mapping: FlattenedMapping, visible: ((path: string) => boolean) | undefined): FlattenedMapping {
  if (visible === undefined) return mapping;
  const fields = new Map([...mapping.fields].filter(([path]) => visible(path)));
  return { ...mapping, fields };
}

/** Engine mappings with only the visible fields (an alias is visible under its own name). */
export function visibleEngineMappings(mappings: FieldMappings, visible: ((path: string) => boolean) | undefined): FieldMappings {
  if (visible === undefined) return mappings;
  return Object.freeze(Object.fromEntries(Object.entries(mappings).filter(([path, mapping]) => visible(path) && (mapping.aliasOf === undefined || visible(mapping.aliasOf)))));
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
