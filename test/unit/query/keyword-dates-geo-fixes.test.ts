// Keyword split_queries_on_whitespace, strict date parsing of mapped formats, date aggregation
// keys rendered with the field's format, and search_after on _geo_distance sorts, end to end over
// a real segment.
// References: keyword.html (split_queries_on_whitespace: "full text queries split the input on
// whitespace"), mapping-date-format.html (strict parsing refuses impossible dates),
// search-aggregations-bucket-datehistogram-aggregation.html and -daterange- ("if no format is
// specified, the first date format of the field mapping is used"), SearchAfterBuilder (a
// geo-distance sort is a double sort: its search_after text is read as Java reads a double).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
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
  const context = { mappings, indexName: 'idx', shardKey: 'idx:0', nowMs: Date.UTC(2024, 0, 15), defaultFields: ['*'] };
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

test('a date format pattern parses strictly: 2023-02-30 is refused in documents and range bounds, not rolled into March', () => {
  const mapping = { properties: { day: { type: 'date', format: 'yyyy-MM-dd' } } };
  const root = parseMapping(mapping);
  for (const bad of ['2023-02-30', '2023-13-01', '2023-04-31', '2023-00-10']) {
    assert.throws(
      () => parseDocument(root, { day: bad }, '1'),
      (error: unknown) => {
        assert.ok(error instanceof EsError);
        assert.equal(error.status, 400);
        assert.equal(error.type, 'document_parsing_exception');
        assert.match(error.message, /failed to parse field \[day\] of type \[date\]/);
        return true;
      },
    );
  }
  // Leap days are real dates.
  assert.deepEqual(parseDocument(root, { day: '2024-02-29' }, '1').fields['day'], [Date.UTC(2024, 1, 29)]);
  const search = index(mapping, [{ day: '2023-02-28' }, { day: '2023-03-02' }]);
  assert.deepEqual(search({ query: { range: { day: { gte: '2023-02-28', lte: '2023-02-28' } } } }).ids, ['1']);
  assert.throws(
    () => search({ query: { range: { day: { gte: '2023-02-30' } } } }),
    (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'parse_exception',
  );
  assert.throws(
    () => search({ query: { range: { day: { gte: '2023-01-01 25:00:00', format: 'yyyy-MM-dd HH:mm:ss' } } } }),
    (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'parse_exception',
  );
});

test("date_histogram and date_range render keys with the field's mapped format unless the aggregation names one", () => {
  const search = index({ properties: { day: { type: 'date', format: 'yyyy/MM/dd||epoch_millis' }, at: { type: 'date' } } }, [
    { day: '2023/01/15', at: '2023-01-15T10:00:00Z' },
    { day: '2023/02/20', at: '2023-02-20T10:00:00Z' },
  ]);
  const { aggregations } = search({
    size: 0,
    aggs: {
      months: { date_histogram: { field: 'day', calendar_interval: 'month' } },
      months_own: { date_histogram: { field: 'day', calendar_interval: 'month', format: 'yyyy-MM' } },
      months_default: { date_histogram: { field: 'at', calendar_interval: 'month' } },
      ranges: { date_range: { field: 'day', ranges: [{ to: '2023/02/01' }, { from: '2023/02/01' }] } },
      ranges_own: { date_range: { field: 'day', format: 'yyyy-MM-dd', ranges: [{ from: '2023-01-01', to: '2023-02-01' }] } },
    },
  });
  const keys = (name: string, key: string) => ((aggregations![name] as { buckets: Record<string, unknown>[] }).buckets).map((bucket) => bucket[key]);
  assert.deepEqual(keys('months', 'key_as_string'), ['2023/01/01', '2023/02/01']);
  assert.deepEqual(keys('months_own', 'key_as_string'), ['2023-01', '2023-02']);
  assert.deepEqual(keys('months_default', 'key_as_string'), ['2023-01-01T00:00:00.000Z', '2023-02-01T00:00:00.000Z']);
  assert.deepEqual(keys('ranges', 'key'), ['*-2023/02/01', '2023/02/01-*']);
  assert.deepEqual(keys('ranges', 'to_as_string'), ['2023/02/01', undefined]);
  assert.deepEqual(keys('ranges', 'from_as_string'), [undefined, '2023/02/01']);
  assert.deepEqual(keys('ranges', 'doc_count'), [1, 1]);
  assert.deepEqual(keys('ranges_own', 'from_as_string'), ['2023-01-01']);
  assert.deepEqual(keys('ranges_own', 'to_as_string'), ['2023-02-01']);
});

test('search_after reads back the "Infinity" a _geo_distance sort gives a document without a point', () => {
  const search = index({ properties: { place: { type: 'geo_point' } } }, [
    { place: { lat: 0, lon: 0 } },
    { place: { lat: 0, lon: 1 } },
    { other: 1 },
    { other: 2 },
  ]);
  const sort = [{ _geo_distance: { place: { lat: 0, lon: 0 }, order: 'asc', unit: 'km' } }, { other: { order: 'asc', missing: '_first' } }];
  assert.deepEqual(search({ sort, query: { match_all: {} } }).ids, ['1', '2', '3', '4']);
  // After the first point-less document ("Infinity", other 1): only the second is left.
  assert.deepEqual(search({ sort, search_after: ['Infinity', 1] }).ids, ['4']);
  // After the second point: the point-less documents (text numbers are read as doubles too).
  assert.deepEqual(search({ sort, search_after: ['1.112e2', null] }).ids, ['3', '4']);
  assert.throws(
    () => search({ sort, search_after: ['far', 1] }),
    (error: unknown) =>
      error instanceof EsError && error.status === 400 && error.type === 'illegal_argument_exception' && error.message === 'Failed to parse search_after value for field [place].',
  );
});

test('split_queries_on_whitespace is a boolean parameter that a mapping update may change (KeywordFieldMapper: updateable)', () => {
  assert.throws(
    () => parseMapping({ properties: { tag: { type: 'keyword', split_queries_on_whitespace: 'yes' } } }),
    (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'mapper_parsing_exception',
  );
  const before = parseMapping({ properties: { tag: { type: 'keyword' } } });
  const after = mergeMappings(before, parseMapping({ properties: { tag: { type: 'keyword', split_queries_on_whitespace: 'true' } } }));
  assert.deepEqual(after['properties'], { tag: { type: 'keyword', split_queries_on_whitespace: true } });
  const back = mergeMappings(after, parseMapping({ properties: { tag: { type: 'keyword', split_queries_on_whitespace: false } } }));
  assert.deepEqual(back['properties'], { tag: { type: 'keyword', split_queries_on_whitespace: false } });
});
