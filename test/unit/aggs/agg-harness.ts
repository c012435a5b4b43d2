/**
 * Runs aggregations over hand-written documents split across several shards (round robin, each
 * shard its own segments), then merges the shard partials as the coordinator does: what these
 * tests check has gone through partial -> reduce -> final reduce -> render.
 */
import { buildSegment, type FieldMappings } from '../../../src/index/engine/index.js';
import { mergeAggregationPartials, mergeShardResults, parseSearchRequest, searchShard } from '../../../src/index/query/index.js';

export type Doc = Record<string, unknown>;

function fieldsOf(doc: Doc, mappings: FieldMappings): Record<string, unknown[]> {
  const fields: Record<string, unknown[]> = {};
  for (const [name, value] of Object.entries(doc)) {
    if (value === null || value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    const type = mappings[name]?.type;
    fields[name] = type === 'date' ? values.map((item) => (typeof item === 'string' ? Date.parse(item.endsWith('Z') || item.length <= 10 ? item : `${item}Z`) : item)) : values;
  }
  return fields;
}

/** The rendered `aggregations` of a search with `body` over `docs` held by `shardCount` shards. */
export function searchAggs(docs: readonly Doc[], mappings: FieldMappings, body: Record<string, unknown>, shardCount = 1): Record<string, any> {
  const { request, results } = shardResults(docs, mappings, body, shardCount);
  // Reverse the shard order: the reduce must not depend on it.
  return mergeShardResults(results.reverse(), request).aggregations!;
}

/**
 * The same search as cross-cluster search with minimized round trips reduces it: the shards split
 * into two "clusters", each reduced to partials (mergeAggregationPartials), then the coordinator
 * reduces and renders those.
 */
export function searchAggsTwoClusters(docs: readonly Doc[], mappings: FieldMappings, body: Record<string, unknown>, shardCount: number): Record<string, any> {
  const { request, results } = shardResults(docs, mappings, body, shardCount);
  const half = Math.ceil(results.length / 2);
  const clusters = [results.slice(0, half), results.slice(half)].map((part, index) => ({
    ...part[0]!,
    shardKey: `cluster${index}:`,
    aggregations: mergeAggregationPartials(request.aggregations, part.map((result) => result.aggregations ?? {})),
  }));
  return mergeShardResults(clusters, request).aggregations!;
}

function shardResults(docs: readonly Doc[], mappings: FieldMappings, body: Record<string, unknown>, shardCount: number) {
  const request = parseSearchRequest({ size: 0, ...body });
  const results = [];
  for (let shard = 0; shard < shardCount; shard++) {
    const mine = docs.map((doc, index) => ({ doc, index })).filter(({ index }) => index % shardCount === shard);
    const segments = mine.length === 0 ? [] : [buildSegment(mine.map(({ doc, index }, docId) => ({ docId, id: String(index), source: JSON.stringify(doc), fields: fieldsOf(doc, mappings) })), mappings, { name: `s${shard}`, maxSeqNo: mine.length - 1 })];
    results.push(searchShard(segments, undefined, request, { mappings, indexName: 'test', shardKey: `test:${shard}`, nowMs: Date.UTC(2024, 0, 1), shardCount, defaultFields: ['*'] }));
  }
  return { request, results };
}
