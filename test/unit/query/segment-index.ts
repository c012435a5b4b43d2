// Shared preamble of the end-to-end query tests: an index built over real segments (mapping grown
// by the documents as the index layer does → document parsing → segment, serialized and merged)
// searched through the query plan and rendered by fetch, plus an EsError assertion.
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { deserializeSegment, mergeSegments, serializeSegment, sourceOf, type Segment } from '../../../src/index/engine/index.js';
import { flattenMapping, mergeMappings, parseDocument, parseMapping, type RootMapping } from '../../../src/index/mapping/index.js';
import { mergeShardResults, parseSearchRequest, searchShard } from '../../../src/index/query/index.js';
import { engineMappings, toSegmentInputs } from '../../../src/index/searcher/document-input.js';
import { buildSegment } from '../../../src/index/engine/segment-builder.js';
import type { NormalizerDefinition } from '../../../src/index/analysis/index.js';
import { renderDocValueFields, renderFields, renderSortValues } from '../../../src/search/fetch.js';

export const throwsEs = (fn: () => unknown, type: string, reason: RegExp | string): void => {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof EsError, `an EsError, got ${String(error)}`);
    assert.equal(error.type, type);
    if (typeof reason === 'string') assert.equal(error.message, reason);
    else assert.match(error.message, reason);
    return true;
  });
};

/**
 * One index over one merged segment. With `split`, the documents are first built into two
 * segments (each serialized and read back) that the merge joins, so that fields or key paths only
 * some segments have survive the codec and the merge; otherwise one segment goes through both.
 */
export function segmentIndex(
  definition: unknown,
  sources: readonly Record<string, unknown>[],
  options: { split?: boolean; normalizers?: ReadonlyMap<string, NormalizerDefinition> } = {},
) {
  let root: RootMapping = parseMapping(definition);
  sources.forEach((source, position) => {
    const update = parseDocument(root, source, String(position + 1)).mappingUpdate;
    if (update !== undefined) root = mergeMappings(root, update);
  });
  const flat = flattenMapping(root, options.normalizers);
  const mappings = engineMappings(flat);
  const documents = sources.map((source, position) => ({ id: String(position + 1), source: JSON.stringify(source) }));
  const half = Math.ceil(documents.length / 2);
  const parts = options.split === true ? [documents.slice(0, half), documents.slice(half)].filter((part) => part.length > 0) : [documents];
  const segments = parts.map((part, number) => {
    const { inputs, unparsable } = toSegmentInputs(part, root);
    assert.deepEqual(unparsable, []);
    const maxSeqNo = options.split === true ? number : sources.length - 1;
    return deserializeSegment(serializeSegment(buildSegment(inputs, mappings, { name: `_${number}`, maxSeqNo })));
  });
  const segment: Segment = mergeSegments(segments, '_m');
  const context = { mappings, indexName: 'idx', shardKey: 'idx:0', nowMs: Date.UTC(2024, 0, 15), defaultFields: ['*'] };
  const search = (body: unknown) => {
    const request = parseSearchRequest(body);
    const merged = mergeShardResults([searchShard([segment], undefined, request, context)], request);
    return {
      ids: merged.hits.map((hit) => segment.ids[hit.doc]!),
      scores: merged.hits.map((hit) => hit.score),
      /** Sort values as the response renders them. */
      sorts: merged.hits.map((hit) => renderSortValues(hit.sortValues ?? [], request.sort, flat)),
      /** Sort keys as the shard computed them. */
      keys: merged.hits.map((hit) => hit.sortValues),
      docValues: (pattern: string, format?: string) => merged.hits.map((hit) => renderDocValueFields(segment, hit.doc, flat, mappings, [{ pattern, format }], 'idx')),
      fields: (pattern: string, format?: string) => merged.hits.map((hit) => renderFields(sourceOf(segment, hit.doc), flat, [{ pattern, format }])),
      aggregations: merged.aggregations,
      total: merged.total?.value,
    };
  };
  return { root, flat, segment, search };
}
