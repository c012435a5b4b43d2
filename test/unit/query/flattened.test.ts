// The `flattened` field type and `enabled: false` (root and object) end to end over real segments:
// mapping → document parsing → segment (serialized, merged) → query plan → fetch rendering.
// References: flattened.html, enabled.html; rest-api-spec search/340_flattened.yml,
// search/600_flattened_ignore_above.yml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { mergeMappings, parseDocument, parseMapping } from '../../../src/index/mapping/index.js';
import { segmentIndex, throwsEs } from './segment-index.js';

const buckets = (aggregations: unknown, name: string) => (aggregations as Record<string, { buckets: { key: unknown; doc_count: number }[] }>)[name]!.buckets;

const index = (definition: unknown, sources: readonly Record<string, unknown>[]) => segmentIndex(definition, sources, { split: true });

const headers = [
  { headers: { 'content-type': 'application/javascript', origin: 'elastic.co' } },
  { headers: { 'content-type': 'text/plain', origin: 'elastic.co', release: ['v1.3.0', 'v1.4.0'] } },
  { headers: { 'content-type': 'text/html', origin: 'example.org', nested: { level: 7 }, empty: null } },
];

test('flattened: a mapping of type flattened is accepted with its parameters, and rendered as given (flattened.html)', () => {
  const root = parseMapping({ properties: { labels: { type: 'flattened', depth_limit: 5, ignore_above: 10, null_value: 'NULL', eager_global_ordinals: true, index_options: 'freqs', meta: { unit: 'none' } } } });
  assert.deepEqual((root['properties'] as Record<string, unknown>)['labels'], {
    type: 'flattened', depth_limit: 5, ignore_above: 10, null_value: 'NULL', eager_global_ordinals: true, index_options: 'freqs', meta: { unit: 'none' },
  });
  throwsEs(() => parseMapping({ properties: { labels: { type: 'flattened', fields: { raw: { type: 'keyword' } } } } }), 'mapper_parsing_exception', 'unknown parameter [fields] on mapper [labels] of type [flattened]');
  throwsEs(() => parseMapping({ properties: { labels: { type: 'flattened', depth_limit: 'x' } } }), 'mapper_parsing_exception', /\[depth_limit\]/);
  throwsEs(() => parseMapping({ properties: { labels: { type: 'flattened', index_options: 'positions' } } }), 'mapper_parsing_exception', /accepted values are \[docs, freqs\]/);
  // depth_limit may be raised by a mapping update; the type may not change.
  const merged = mergeMappings(root, parseMapping({ properties: { labels: { type: 'flattened', depth_limit: 8, ignore_above: 10, null_value: 'NULL', eager_global_ordinals: true, index_options: 'freqs', meta: { unit: 'none' } } } }));
  assert.equal(((merged['properties'] as Record<string, Record<string, unknown>>)['labels'])!['depth_limit'], 8);
  throwsEs(() => mergeMappings(root, parseMapping({ properties: { labels: { type: 'keyword' } } })), 'illegal_argument_exception', 'mapper [labels] cannot be changed from type [flattened] to [keyword]');
});

test('flattened: leaves are keywords of the field and of their key path; no mapping appears below it', () => {
  const parsed = parseDocument(parseMapping({ properties: { labels: { type: 'flattened' } } }), { labels: { a: 'x', b: { c: [1, true] }, d: null } }, '1');
  assert.equal(parsed.mappingUpdate, undefined);
  assert.deepEqual(parsed.fields['labels'], ['x', '1', 'true']);
  assert.deepEqual(parsed.fields['labels.a'], ['x']);
  assert.deepEqual(parsed.fields['labels.b.c'], ['1', 'true']);
  assert.equal(parsed.fields['labels.d'], undefined);
  const withNull = parseDocument(parseMapping({ properties: { labels: { type: 'flattened', null_value: 'none' } } }), { labels: { d: null } }, '1');
  assert.deepEqual(withNull.fields['labels.d'], ['none']);
});

test('flattened: a concrete value where the object belongs, a key with \\0 and depth beyond depth_limit are refused (FlattenedFieldParser)', () => {
  const mapping = parseMapping({ properties: { labels: { type: 'flattened', depth_limit: 2 } } });
  throwsEs(() => parseDocument(mapping, { labels: 'text' }, '1'), 'document_parsing_exception', "failed to parse field [labels] of type [flattened] in document with id '1'. Preview of field's value: 'text'");
  assert.deepEqual(parseDocument(mapping, { labels: { a: { b: 'ok' } } }, '1').fields['labels.a.b'], ['ok']);
  assert.throws(
    () => parseDocument(mapping, { labels: { a: { b: { c: 'deep' } } } }, '1'),
    (error: unknown) => {
      assert.ok(error instanceof EsError && error.type === 'document_parsing_exception');
      assert.equal(error.causedBy?.type, 'illegal_argument_exception');
      assert.equal(error.causedBy?.message, 'The provided [flattened] field [labels] exceeds the maximum depth limit of [2].');
      return true;
    },
  );
  throwsEs(() => parseDocument(mapping, { labels: { 'a\0b': 'x' } }, '1'), 'document_parsing_exception', /of type \[flattened\]/);
  // The cause names the token found where the object belongs.
  for (const [value, token] of [['text', 'VALUE_STRING'], [5, 'VALUE_NUMBER'], [true, 'VALUE_BOOLEAN']] as const) {
    assert.throws(
      () => parseDocument(mapping, { labels: value }, '1'),
      (error: unknown) => error instanceof EsError && error.causedBy?.message === `Failed to parse object: expecting token of type [START_OBJECT] but found [${token}]`,
    );
  }
});

test('flattened: exists, term, terms, prefix, range, match and query_string on the field and on key paths (340_flattened.yml)', () => {
  const { search } = index({ properties: { headers: { type: 'flattened' } } }, headers);
  assert.equal(search({ query: { exists: { field: 'headers' } } }).total, 3);
  assert.equal(search({ query: { exists: { field: 'headers.release' } } }).total, 1);
  assert.equal(search({ query: { exists: { field: 'headers.nonexistent_key' } } }).total, 0);
  assert.deepEqual(search({ query: { term: { headers: 'text/plain' } } }).ids, ['2']);
  assert.deepEqual(search({ query: { term: { 'headers.origin': 'elastic.co' } }, sort: ['_doc'] }).ids, ['1', '2']);
  // A value under another key does not match a key path.
  assert.deepEqual(search({ query: { term: { 'headers.origin': 'text/plain' } } }).ids, []);
  assert.deepEqual(search({ query: { terms: { 'headers.release': ['v1.4.0', 'v9'] } } }).ids, ['2']);
  assert.deepEqual(search({ query: { prefix: { 'headers.content-type': 'text/' } }, sort: ['_doc'] }).ids, ['2', '3']);
  assert.deepEqual(search({ query: { range: { 'headers.nested.level': { gte: '5' } } } }).ids, ['3']);
  assert.deepEqual(search({ query: { match: { 'headers.origin': 'example.org' } } }).ids, ['3']);
  assert.deepEqual(search({ query: { query_string: { query: 'headers:text\\/plain' } } }).ids, ['2']);
  assert.deepEqual(search({ query: { query_string: { query: 'application\\/javascript AND headers.origin:elastic.co' } } }).ids, ['1']);
});

test('flattened: terms aggregation and sort on the field and on a key path read doc values', () => {
  const { search } = index({ properties: { headers: { type: 'flattened' } } }, headers);
  const result = search({ size: 0, aggs: { origins: { terms: { field: 'headers.origin' } }, all: { terms: { field: 'headers', size: 2 } } } });
  assert.deepEqual(buckets(result.aggregations, 'origins').map((bucket) => [bucket.key, bucket.doc_count]), [['elastic.co', 2], ['example.org', 1]]);
  assert.deepEqual(buckets(result.aggregations, 'all').map((bucket) => [bucket.key, bucket.doc_count]), [['elastic.co', 2], ['7', 1]]);
  const sorted = search({ sort: [{ 'headers.content-type': 'desc' }] });
  assert.deepEqual(sorted.ids, ['2', '3', '1']);
  assert.deepEqual(sorted.keys, [['text/plain'], ['text/html'], ['application/javascript']]);
  // A document without the key sorts last (missing: _last).
  assert.deepEqual(search({ sort: [{ 'headers.release': 'asc' }, '_doc'] }).ids, ['2', '1', '3']);
});

test('flattened: fields returns the object (less values beyond ignore_above) and key paths their values (340_flattened.yml, 600_flattened_ignore_above.yml)', () => {
  const { search } = index({ properties: { name: { type: 'keyword' }, flat: { type: 'flattened', ignore_above: 5 } } }, [
    { name: 'A', flat: { value: ['foo', 'bar'], key: 'foo bar array key' } },
    { name: 'B', flat: { value: ['foobar', 'foo'], key: ['foo key', 'bar key'] } },
  ]);
  const result = search({ sort: ['name'] });
  assert.deepEqual(result.fields('flat'), [{ flat: [{ value: ['foo', 'bar'] }] }, { flat: [{ value: 'foo' }] }]);
  assert.deepEqual(result.fields('fl*'), [{ flat: [{ value: ['foo', 'bar'] }] }, { flat: [{ value: 'foo' }] }]);
  assert.deepEqual(result.fields('flat.value'), [{ 'flat.value': ['foo', 'bar'] }, { 'flat.value': ['foo'] }]);
  assert.deepEqual(result.fields('flat.val*'), [undefined, undefined]);
  assert.deepEqual(result.fields('flat.missing'), [undefined, undefined]);
  // ignore_above: the long values are not indexed either.
  assert.deepEqual(search({ query: { term: { 'flat.value': 'foobar' } } }).ids, []);
  assert.deepEqual(search({ query: { term: { 'flat.value': 'foo' } }, sort: ['name'] }).ids, ['1', '2']);
});

test('root enabled: false keeps every document in _source only: nothing indexed, no mapping introduced (enabled.html)', () => {
  const mapping = parseMapping({ enabled: false });
  assert.deepEqual(mapping, { enabled: false });
  const parsed = parseDocument(mapping, { title: 'hello', n: { deep: [1, 'x', { y: null }] } }, '1');
  assert.deepEqual(parsed, { fields: {}, nested: [], mappingUpdate: undefined });
  const { search, flat } = index({ enabled: false }, [{ title: 'hello' }, { title: 5 }]);
  assert.equal(flat.fields.size, 0);
  assert.equal(search({ query: { match_all: {} } }).total, 2);
  assert.equal(search({ query: { match: { title: 'hello' } } }).total, 0);
  throwsEs(() => mergeMappings(mapping, parseMapping({ enabled: true })), 'illegal_argument_exception', "the [enabled] parameter can't be updated for the object mapping [_doc]");
  throwsEs(() => parseMapping({ enabled: 'maybe' }), 'mapper_parsing_exception', /\[enabled\]/);
});
