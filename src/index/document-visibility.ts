/**
 * Document level security for realtime reads (get, mget): does one document match the role
 * query? Realtime reads see documents no searcher has indexed yet, so the document is indexed on
 * its own into a one-document segment with the index's mapping and the query runs over it, as
 * Elasticsearch evaluates the role query against a single-document in-memory index.
 */
import { buildSegment } from './engine/index.js';
import type { IndexHandle } from './indices-service.js';
import { parseSearchRequest, searchShard } from './query/index.js';
import { engineMappings, toSegmentInputs } from './searcher/document-input.js';
import { withParseOptions } from './mapping/index.js';
import { queryDefaultFields, settingBoolean } from './settings.js';

export function documentMatchesQuery(handle: IndexHandle, id: string, sourceText: string, query: Readonly<Record<string, unknown>>, nowMs: number): boolean {
  const mappings = engineMappings(handle.mapping);
  const root = withParseOptions(handle.metadata.mappings, { ignoreMalformed: settingBoolean(handle.metadata.settings, 'index.mapping.ignore_malformed') });
  const { inputs } = toSegmentInputs([{ id, source: sourceText }], root);
  const segment = buildSegment(inputs, mappings, { name: '_document_level_security', maxSeqNo: 0 });
  const request = parseSearchRequest({ query, size: 0 }, { trackTotalHits: true });
  const result = searchShard([segment], undefined, request, { mappings, indexName: handle.name, shardKey: `${handle.name}:0`, nowMs, defaultFields: queryDefaultFields(handle.metadata.settings) });
  return result.totalHits > 0;
}
