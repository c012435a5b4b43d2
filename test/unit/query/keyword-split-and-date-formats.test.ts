// Keyword split_queries_on_whitespace, strict date parsing of mapped formats, and date aggregation
// keys rendered with the field's format, end to end over a real segment.
// References: keyword.html (split_queries_on_whitespace: "full text queries split the input on
// whitespace"), mapping-date-format.html (strict parsing refuses impossible dates),
// search-aggregations-bucket-datehistogram-aggregation.html and -daterange- ("if no format is
// specified, the first date format of the field mapping is used").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSegment } from '../../../src/index/engine/segment-builder.js';
import { flattenMapping, mergeMappings, parseDocument, parseMapping, type RootMapping } from '../../../src/index/mapping/index.js';
import { mergeShardResults, parseSearchRequest, searchShard } from '../../../src/index/query/index.js';
import { engineMappings, toSegmentInputs } from '../../../src/index/searcher/document-input.js';

function index(definition: unknown, sources: readonly Record<string, unknown>[]) {
  let root: RootMapping = parseMapping(definition);
  sources.forEach((source, position) => {
    const update = parseDocument(root, source, String(position + 1)).mappingUpdate;
    if (update !== undefined) root = mergeMappings(root, update);
  });
  const mappings = engineMappings(flattenMapping(root));
  const { inputs } = toSegmentInputs(
    sources.map((source, position) => ({ id: String(position + 1), source: JSON.stringify(source) })),
    root,
  );
  const segment = buildSegment(inputs, mappings, { name: '_0', maxSeqNo: sources.length - 1 });
  const context = { mappings, indexName: 'idx', shardKey: 'idx:0', nowMs: Date.UTC(2024, 0, 15) };
  return (body: unknown) => {
    const request = parseSearchRequest(body);
    const merged = mergeShardResults([searchShard([segment], undefined, request, context)], request);
    return { ids: merged.hits.map((hit) => segment.ids[hit.doc]!).sort(), aggregations: merged.aggregations as Record<string, unknown> | undefined };
  };
}

test('match, multi_match and query_string on a split_queries_on_whitespace keyword look up each whitespace token', () => {
  const search = index(
    { properties: { tag: { type: 'keyword', split_queries_on_whitespace: true }, plain: { type: 'keyword' } } },
    [{ tag: 'red', plain: 'red' }, { tag: 'blue', plain: 'blue' }, { tag: 'red blue', plain: 'red blue' }],
  );
  assert.deepEqual(search({ query: { match: { tag: 'red blue' } } }).ids, ['1', '2']);
  assert.deepEqual(search({ query: { match: { tag: { query: 'red  green', operator: 'and' } } } }).ids, []);
  assert.deepEqual(search({ query: { multi_match: { query: 'blue', fields: ['tag'] } } }).ids, ['2']);
  assert.deepEqual(search({ query: { multi_match: { query: 'red blue', fields: ['tag'] } } }).ids, ['1', '2']);
  assert.deepEqual(search({ query: { query_string: { query: 'red blue', default_field: 'tag' } } }).ids, ['1', '2']);
  // Without the setting the whole text is one term.
  assert.deepEqual(search({ query: { match: { plain: 'red blue' } } }).ids, ['3']);
  // term queries are not analyzed either way.
  assert.deepEqual(search({ query: { term: { tag: 'red blue' } } }).ids, ['3']);
});
