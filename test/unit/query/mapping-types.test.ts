// Field types and value coercion end to end over real segments (issue #9, items 9 and 18):
// mapping → document parsing → segment (serialized, merged) → query plan → fetch rendering.
// References: mapping-types.html, date_nanos.html, query-dsl-term-query.html, mapping-id-field.html,
// constant-keyword.html, text.html#match-only-text-field-type, keyword.html#wildcard-field-type,
// number.html (scaled_float, half_float), token-count.html, binary.html, ip.html, enabled.html,
// sort-search-results.html (numeric_type), rest-api-spec search/240_date_nanos.yml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EsError } from '../../../src/common/index.js';
import { deserializeSegment, serializeSegment, SEGMENT_FORMAT_VERSION, SegmentFormatError } from '../../../src/index/engine/index.js';
import { checkFieldLimits, flattenMapping, mergeMappings, parseDocument, parseMapping } from '../../../src/index/mapping/index.js';
import { formatDateNanos, parseDateNanos } from '../../../src/index/query/date-math.js';
import { formatIp, normalizeIp, parseCidr } from '../../../src/index/query/ip.js';
import { segmentIndex, throwsEs } from './segment-index.js';

const index = (definition: unknown, sources: readonly Record<string, unknown>[]) => segmentIndex(definition, sources);

test('term, terms and match on _id compare any JSON value as a string; ids accepts numbers (mapping-id-field, query-dsl-term-query)', () => {
  const { search } = index({ properties: { k: { type: 'keyword' } } }, [{ k: 'a' }, { k: 'b' }, { k: 'c' }]);
  assert.deepEqual(search({ query: { term: { _id: 2 } } }).ids, ['2']);
  assert.deepEqual(search({ query: { term: { _id: { value: '3' } } } }).ids, ['3']);
  assert.deepEqual(search({ query: { terms: { _id: [1, '3', 99] } }, sort: ['_doc'] }).ids, ['1', '3']);
  assert.deepEqual(search({ query: { match: { _id: 1 } } }).ids, ['1']);
  assert.deepEqual(search({ query: { multi_match: { query: 2, fields: ['_id', 'k'] } } }).ids, ['2']);
  assert.deepEqual(search({ query: { query_string: { query: '_id:3' } } }).ids, ['3']);
  assert.deepEqual(search({ query: { ids: { values: [2, 3] } }, sort: ['_doc'] }).ids, ['2', '3']);
  assert.deepEqual(search({ query: { exists: { field: '_id' } } }).total, 3);
  throwsEs(() => search({ query: { prefix: { _id: '1' } } }), 'query_shard_exception', 'Can only use prefix queries on keyword and text fields - not on [_id] which is of type [_id]');
  throwsEs(() => search({ query: { range: { _id: { gte: '1' } } } }), 'query_shard_exception', 'Field [_id] of type [_id] does not support range queries');
});

test('coercion of query values: numbers and booleans on keyword, strings on numeric, date and boolean fields (query-dsl-term-query)', () => {
  const { search } = index(
    { properties: { k: { type: 'keyword' }, n: { type: 'integer' }, f: { type: 'boolean' }, d: { type: 'date' } } },
    [
      { k: '2', n: 5, f: true, d: '2024-01-01' },
      { k: 'true', n: 6, f: false, d: 1704153600000 },
    ],
  );
  assert.deepEqual(search({ query: { term: { k: 2 } } }).ids, ['1']);
  assert.deepEqual(search({ query: { term: { k: true } } }).ids, ['2']);
  assert.deepEqual(search({ query: { terms: { k: [2, true] } }, sort: ['_doc'] }).ids, ['1', '2']);
  assert.deepEqual(search({ query: { term: { n: '5' } } }).ids, ['1']);
  assert.deepEqual(search({ query: { term: { n: 5.5 } } }).ids, []);
  assert.deepEqual(search({ query: { term: { f: 'false' } } }).ids, ['2']);
  assert.deepEqual(search({ query: { term: { d: 1704067200000 } } }).ids, ['1']);
  assert.deepEqual(search({ query: { term: { d: '1704153600000' } } }).ids, ['2']);
  throwsEs(() => search({ query: { term: { n: 'five' } } }), 'query_shard_exception', 'failed to create query: For input string: "five"');
  throwsEs(() => search({ query: { term: { f: 1 } } }), 'query_shard_exception', "failed to create query: Can't parse boolean value [1], expected [true] or [false]");
});

test('date_nanos: nine fraction digits, epoch_millis numbers and fractions, before-epoch refused (date_nanos.html)', () => {
  assert.deepEqual(parseDateNanos('2018-10-29T12:12:12.123456789Z', undefined, undefined), { millis: 1540815132123, nanos: 456789 });
  assert.deepEqual(parseDateNanos(1540815132123, undefined, undefined), { millis: 1540815132123, nanos: 0 });
  assert.deepEqual(parseDateNanos('1540815132123.456789', undefined, undefined), { millis: 1540815132123, nanos: 456789 });
  assert.deepEqual(parseDateNanos('2015-01-01', undefined, undefined), { millis: Date.UTC(2015, 0, 1), nanos: 0 });
  assert.deepEqual(parseDateNanos('29/10/2018', 'dd/MM/yyyy', undefined), { millis: Date.UTC(2018, 9, 29), nanos: 0 });
  const instant = { millis: 1540815132123, nanos: 456789 };
  assert.equal(formatDateNanos(instant, undefined, undefined), '2018-10-29T12:12:12.123456789Z');
  assert.equal(formatDateNanos(instant, undefined, 'strict_date_optional_time'), '2018-10-29T12:12:12.123Z');
  assert.equal(formatDateNanos(instant, undefined, 'epoch_millis'), '1540815132123.456789');
  assert.equal(formatDateNanos({ millis: 1540815132987, nanos: 0 }, undefined, 'epoch_millis'), '1540815132987');
  assert.equal(formatDateNanos({ millis: 1540815132987, nanos: 0 }, undefined, "uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSSX"), '2018-10-29T12:12:12.987000000Z');
  assert.equal(formatDateNanos({ millis: 1540815132987, nanos: 0 }, undefined, 'strict_date_optional_time_nanos'), '2018-10-29T12:12:12.987Z');

  const mapping = parseMapping({ properties: { d: { type: 'date_nanos' } } });
  assert.deepEqual(parseDocument(mapping, { d: '2018-10-29T12:12:12.123456789Z' }, '1').fields, { d: ['1540815132123456789'] });
  throwsEs(
    () => parseDocument(mapping, { d: '1969-12-31T23:59:59.999Z' }, '1'),
    'document_parsing_exception',
    /failed to parse field \[d\] of type \[date_nanos\]/,
  );
  try {
    parseDocument(mapping, { d: '1969-12-31T23:59:59.999Z' }, '1');
  } catch (error) {
    assert.equal((error as EsError).toCause()['caused_by']?.['reason' as never], 'date[1969-12-31T23:59:59.999Z] is before the epoch in 1970 and cannot be stored in nanosecond resolution');
  }
  assert.equal(flattenMapping(mapping).fields.get('d')!.format, 'strict_date_optional_time_nanos||epoch_millis');
});

test('date_nanos: exact doc values, nanosecond range and term queries, sort keys and search_after, aggregations in millis (240_date_nanos.yml)', () => {
  const { search } = index({ properties: { date: { type: 'date_nanos' } } }, [
    { date: '2018-10-29T12:12:12.123456789Z' }, // 1
    { date: '2018-10-29T12:12:12.987654321Z' }, // 2
    { date: '2018-10-29T12:12:12.123456790Z' }, // 3: one nanosecond after 1
    { date: 1540815132123 }, // 4: epoch millis
    { date: '2018-10-30T00:00:00Z' }, // 5
  ]);
  assert.deepEqual(search({ query: { range: { date: { gt: '2018-10-29T12:12:12.123456789Z', lt: '2018-10-29T12:12:12.987654321Z' } } } }).ids, ['3']);
  assert.deepEqual(search({ query: { range: { date: { gte: '2018-10-29T12:12:12.123456789Z', lte: '2018-10-29T12:12:12.123456790Z' } } }, sort: ['_doc'] }).ids, ['1', '3']);
  assert.deepEqual(search({ query: { term: { date: '2018-10-29T12:12:12.123456790Z' } } }).ids, ['3']);
  assert.deepEqual(search({ query: { terms: { date: ['2018-10-29T12:12:12.123Z', 1540815132987] } } }).ids, ['4']);
  assert.deepEqual(search({ query: { range: { date: { gte: '2018-10-30||/d' } } } }).ids, ['5']);
  assert.deepEqual(search({ query: { range: { date: { gt: '2018-10-29T12:12:12.123456789Z||-1s', lt: '2018-10-29T12:12:12.123456790Z||+1s' } } }, sort: ['_doc'] }).ids, ['1', '2', '3', '4']);

  const sorted = search({ sort: [{ date: 'desc' }] });
  assert.deepEqual(sorted.ids, ['5', '2', '3', '1', '4']);
  // Keys are exact epoch nanoseconds; rendered as JSON numbers (the nearest double).
  assert.deepEqual(sorted.keys.slice(1, 4), [['1540815132987654321'], ['1540815132123456790'], ['1540815132123456789']]);
  assert.deepEqual(sorted.sorts[1], [1540815132987654321]);
  // search_after with the exact digits pages between the two instants one nanosecond apart.
  assert.deepEqual(search({ sort: [{ date: 'desc' }], search_after: ['1540815132123456790'] }).ids, ['1', '4']);
  assert.deepEqual(search({ sort: [{ date: 'asc' }], search_after: [1540815132123000000] }).ids, ['1', '3', '2', '5']);
  // numeric_type: date compares (and returns) milliseconds.
  assert.deepEqual(search({ sort: [{ date: { order: 'asc', numeric_type: 'date' } }], size: 1, query: { ids: { values: ['2'] } } }).sorts, [[1540815132987]]);
  throwsEs(() => search({ sort: [{ date: { numeric_type: 'nanos' } }] }), 'illegal_argument_exception', 'invalid value for [numeric_type], must be [long, double, date, date_nanos], got nanos');

  const formatted = search({ sort: [{ date: 'desc' }], size: 3 });
  assert.deepEqual(formatted.docValues('date'), [{ date: ['2018-10-30T00:00:00.000Z'] }, { date: ['2018-10-29T12:12:12.987654321Z'] }, { date: ['2018-10-29T12:12:12.12345679Z'] }]);
  assert.deepEqual(formatted.docValues('date', 'epoch_millis')[1], { date: ['1540815132987.654321'] });
  assert.deepEqual(formatted.docValues('date', 'strict_date_optional_time')[1], { date: ['2018-10-29T12:12:12.987Z'] });
  assert.deepEqual(formatted.fields('date')[1], { date: ['2018-10-29T12:12:12.987654321Z'] });

  const aggregated = search({ size: 0, aggs: { days: { date_histogram: { field: 'date', calendar_interval: '1d' } }, latest: { max: { field: 'date' } } } });
  assert.deepEqual(aggregated.aggregations, {
    days: {
      buckets: [
        { key_as_string: '2018-10-29T00:00:00.000Z', key: 1540771200000, doc_count: 4 },
        { key_as_string: '2018-10-30T00:00:00.000Z', key: 1540857600000, doc_count: 1 },
      ],
    },
    latest: { value: 1540857600000, value_as_string: '2018-10-30T00:00:00.000Z' },
  });
});

test('date and date_nanos sorted together: numeric_type date_nanos converts milliseconds to nanoseconds (sort-search-results#_sorting_numeric_fields)', () => {
  const nanos = index({ properties: { date: { type: 'date_nanos' } } }, [{ date: '2018-10-29T12:12:12.123456789Z' }]);
  const millis = index({ properties: { date: { type: 'date' } } }, [{ date: '2018-10-29T12:12:12.124Z' }]);
  const body = { sort: [{ date: { order: 'asc', numeric_type: 'date_nanos' } }] };
  const keys = [...nanos.search(body).keys, ...millis.search(body).keys].map((key) => key![0]!);
  assert.deepEqual(keys, ['1540815132123456789', '1540815132124000000']);
  assert.ok(keys[0]! < keys[1]!);
});

test('segment format version 4 (nested fields left out of parents; sources as texts since 3), with the nanosecond doc values of version 2; an older segment is refused, so the searcher rebuilds it from the store (style P12)', () => {
  assert.equal(SEGMENT_FORMAT_VERSION, 4);
  const { segment } = index({ properties: { d: { type: 'date_nanos' } } }, [{ d: '2018-10-29T12:12:12.123456789Z' }]);
  const bytes = serializeSegment(segment);
  const reloaded = deserializeSegment(bytes).docValues.get('d');
  assert.ok(reloaded?.kind === 'numeric');
  assert.deepEqual([...reloaded.values, ...reloaded.nanos!, ...reloaded.pointNanos!], [1540815132123, 456789, 456789]);
  bytes.writeUInt32LE(2, 8);
  assert.throws(() => deserializeSegment(bytes), (error: Error) => error instanceof SegmentFormatError && error.message === 'unsupported segment format version [2]');
  bytes.writeUInt32LE(3, 8);
  assert.throws(() => deserializeSegment(bytes), (error: Error) => error instanceof SegmentFormatError && error.message === 'unsupported segment format version [3]');
});

test('scaled_float and half_float round values as Elasticsearch stores them (number.html)', () => {
  const { search, root } = index({ properties: { price: { type: 'scaled_float', scaling_factor: 100 }, h: { type: 'half_float' } } }, [
    { price: 10.123, h: 0.1 },
    { price: '3.005', h: 65504 },
  ]);
  assert.deepEqual(parseDocument(root, { price: 1.239, h: 1.0001 }, 'x').fields, { price: [1.24], h: [1] });
  assert.deepEqual(search({ query: { term: { price: 10.12 } } }).ids, ['1']);
  // Term values round as indexed values do: 10.123 is the scaled 1012, 0.1 the half 0.0999755859375.
  assert.deepEqual(search({ query: { term: { price: 10.123 } } }).ids, ['1']);
  assert.deepEqual(search({ query: { terms: { h: [0.1, 65504] } }, sort: ['_doc'] }).ids, ['1', '2']);
  assert.deepEqual(search({ query: { range: { h: { lt: 0.1 } } } }).ids, ['1']); // 0.1 as a half is 0.0999755859375
  assert.deepEqual(search({ sort: [{ price: 'asc' }] }).sorts, [[3.01], [10.12]]);
  assert.deepEqual(search({ sort: [{ price: 'asc' }] }).fields('price'), [{ price: [3.01] }, { price: [10.12] }]);
  throwsEs(() => parseMapping({ properties: { p: { type: 'scaled_float' } } }), 'mapper_parsing_exception', 'Field [scaling_factor] is required');
  throwsEs(() => parseDocument(root, { h: 70000 }, 'x'), 'document_parsing_exception', /failed to parse field \[h\] of type \[half_float\]/);
});

test('constant_keyword: every document has the value; queries match all or none; first document sets it; a different value is refused (constant-keyword.html)', () => {
  const { search, root } = index({ properties: { level: { type: 'constant_keyword' }, n: { type: 'long' } } }, [{ level: 'debug', n: 1 }, { n: 2 }]);
  assert.deepEqual((root['properties'] as Record<string, unknown>)['level'], { type: 'constant_keyword', value: 'debug' });
  assert.equal(search({ query: { term: { level: 'debug' } } }).total, 2);
  assert.equal(search({ query: { term: { level: 'info' } } }).total, 0);
  assert.equal(search({ query: { prefix: { level: 'deb' } } }).total, 2);
  assert.equal(search({ query: { exists: { field: 'level' } } }).total, 2);
  assert.deepEqual(search({ sort: [{ n: 'asc' }] }).fields('level'), [{ level: ['debug'] }, { level: ['debug'] }]);
  assert.deepEqual(search({ size: 0, aggs: { levels: { terms: { field: 'level' } } } }).aggregations, {
    levels: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: 'debug', doc_count: 2 }] },
  });
  throwsEs(() => parseDocument(root, { level: 'info' }, '9'), 'document_parsing_exception', /failed to parse field \[level\] of type \[constant_keyword\]/);
  throwsEs(() => mergeMappings(root, parseMapping({ properties: { level: { type: 'constant_keyword', value: 'info' } } })), 'illegal_argument_exception', /Cannot update parameter \[value\] from \[debug\] to \[info\]/);
});

test('match_only_text and wildcard score every match with the boost; token_count indexes the token count (text.html, keyword.html, token-count.html)', () => {
  const { search } = index(
    { properties: { m: { type: 'match_only_text' }, w: { type: 'wildcard' }, name: { type: 'text', fields: { length: { type: 'token_count', analyzer: 'standard' } } } } },
    [
      { m: 'quick brown fox', w: 'server-01.example', name: 'John Smith' },
      { m: 'quick quick quick', w: 'server-02.example', name: 'Rachel Alice Williams' },
    ],
  );
  assert.deepEqual(search({ query: { match: { m: { query: 'quick', boost: 2 } } } }).scores, [2, 2]);
  assert.deepEqual(search({ query: { match_phrase: { m: 'brown fox' } } }).ids, ['1']);
  assert.deepEqual(search({ query: { wildcard: { w: '*-02*' } } }).ids, ['2']);
  assert.deepEqual(search({ query: { term: { w: 'server-01.example' } } }).scores, [1]);
  assert.deepEqual(search({ query: { term: { 'name.length': 3 } } }).ids, ['2']);
  assert.deepEqual(search({ sort: [{ 'name.length': 'asc' }] }).fields('name.length'), [{ 'name.length': [2] }, { 'name.length': [3] }]);
  throwsEs(() => parseMapping({ properties: { c: { type: 'token_count' } } }), 'mapper_parsing_exception', "Analyzer must be set for field [c] but wasn't.");
});

test('binary: kept in _source, not searchable; ip: canonical text, CIDR and range queries (binary.html, ip.html)', () => {
  const { search } = index({ properties: { blob: { type: 'binary' }, ip: { type: 'ip' } } }, [
    { blob: 'U29tZSBiaW5hcnkgYmxvYg==', ip: '192.168.1.10' },
    { ip: '2001:DB8:0:0:0:0:0:1' },
    { ip: '::ffff:10.0.0.1' },
  ]);
  throwsEs(() => search({ query: { term: { blob: 'x' } } }), 'query_shard_exception', 'failed to create query: Binary fields do not support searching');
  assert.deepEqual(search({ query: { exists: { field: 'blob' } } }).ids, ['1']);
  assert.deepEqual(search({ query: { exists: { field: 'blob' } } }).fields('blob'), [{ blob: ['U29tZSBiaW5hcnkgYmxvYg=='] }]);
  throwsEs(() => parseDocument(parseMapping({ properties: { b: { type: 'binary' } } }), { b: 'not base64!' }, '1'), 'document_parsing_exception', /failed to parse field \[b\] of type \[binary\]/);
  assert.deepEqual(search({ query: { term: { ip: '2001:db8::1' } } }).ids, ['2']);
  assert.deepEqual(search({ query: { term: { ip: '192.168.0.0/16' } } }).ids, ['1']);
  assert.deepEqual(search({ query: { terms: { ip: ['10.0.0.1', '2001:db8::/32'] } }, sort: ['_doc'] }).ids, ['2', '3']);
  assert.deepEqual(search({ query: { range: { ip: { gte: '10.0.0.0', lt: '192.168.1.10' } } } }).ids, ['3']);
  assert.deepEqual(search({ query: { ids: { values: ['2'] } } }).fields('ip'), [{ ip: ['2001:db8::1'] }]);
  throwsEs(() => search({ query: { term: { ip: 'nope' } } }), 'query_shard_exception', "failed to create query: 'nope' is not an IP string literal.");
  assert.equal(normalizeIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(formatIp(parseCidr('10.1.2.3/8')!.from), '10.0.0.0');
});

test('object with enabled: false keeps any value in _source without parsing it (enabled.html)', () => {
  const mapping = parseMapping({ properties: { session: { type: 'object', enabled: false } } });
  assert.deepEqual(parseDocument(mapping, { session: 'a concrete value' }, '1').fields, {});
  assert.deepEqual(parseDocument(mapping, { session: { any: { thing: [1, 'x'] } } }, '2').fields, {});
});

test('alias: queries, sorts, aggregations, fields and docvalue_fields resolve to the target; writes and bad paths refused (field-alias.html)', () => {
  const { search, root } = index({ properties: { distance: { type: 'long' }, route_length_miles: { type: 'alias', path: 'distance' }, tag: { type: 'keyword' }, label: { type: 'alias', path: 'tag' } } }, [
    { distance: 12, tag: 'b' },
    { distance: 7, tag: 'a' },
  ]);
  assert.deepEqual(search({ query: { range: { route_length_miles: { gte: 10 } } } }).ids, ['1']);
  assert.deepEqual(search({ query: { term: { label: 'a' } } }).ids, ['2']);
  const sorted = search({ sort: [{ route_length_miles: 'asc' }] });
  assert.deepEqual(sorted.ids, ['2', '1']);
  assert.deepEqual(sorted.sorts, [[7], [12]]);
  assert.deepEqual(sorted.fields('route_length_miles'), [{ route_length_miles: [7] }, { route_length_miles: [12] }]);
  assert.deepEqual(sorted.docValues('label'), [{ label: ['a'] }, { label: ['b'] }]);
  assert.deepEqual(search({ size: 0, aggs: { total: { sum: { field: 'route_length_miles' } }, labels: { terms: { field: 'label' } } } }).aggregations, {
    total: { value: 19 },
    labels: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: 'a', doc_count: 1 }, { key: 'b', doc_count: 1 }] },
  });
  throwsEs(() => parseDocument(root, { route_length_miles: 3 }, '9'), 'document_parsing_exception', 'failed to parse: Cannot write to a field alias [route_length_miles].');
  throwsEs(() => checkFieldLimits(parseMapping({ properties: { a: { type: 'alias', path: 'nope' } } }), 1000), 'mapper_parsing_exception', 'Invalid [path] value [nope] for field alias [a]: an alias must refer to an existing field in the mappings.');
  throwsEs(
    () => checkFieldLimits(parseMapping({ properties: { a: { type: 'alias', path: 'b' }, b: { type: 'alias', path: 'c' }, c: { type: 'long' } } }), 1000),
    'mapper_parsing_exception',
    'Invalid [path] value [b] for field alias [a]: an alias cannot refer to another alias.',
  );
  throwsEs(() => parseMapping({ properties: { a: { type: 'alias' } } }), 'mapper_parsing_exception', 'The [path] property must be specified for field [a].');
});

test('field types Elasticsearch knows but Strait does not implement are refused by name; unknown types get "No handler" (mapping-types.html)', () => {
  for (const type of ['unsigned_long', 'dense_vector', 'version', 'search_as_you_type', 'integer_range', 'date_range', 'percolator', 'join', 'geo_shape']) {
    throwsEs(() => parseMapping({ properties: { f: { type } } }), 'mapper_parsing_exception', `Field type [${type}] declared on field [f] is not supported by Strait`);
  }
  throwsEs(() => parseMapping({ properties: { f: { type: 'no_such_type' } } }), 'mapper_parsing_exception', 'No handler for type [no_such_type] declared on field [f]');
});

test('exists on an object path matches documents with any sub-field; a mapped field or pattern is not widened (query-dsl-exists-query)', () => {
  const { search } = index(
    { properties: { user: { properties: { name: { type: 'keyword' }, age: { type: 'integer' } } }, username: { type: 'keyword' }, empty: { type: 'object' } } },
    [{ user: { name: 'a' } }, { user: { age: 3 } }, { username: 'c' }, { user: {} }],
  );
  assert.deepEqual(search({ query: { exists: { field: 'user' } }, sort: ['_doc'] }).ids, ['1', '2']);
  // Elasticsearch tries `<field>.*` only when the field (or pattern) matches no mapped field.
  assert.deepEqual(search({ query: { exists: { field: 'user*' } }, sort: ['_doc'] }).ids, ['1', '2', '3']);
  assert.deepEqual(search({ query: { exists: { field: 'user.name' } }, sort: ['_doc'] }).ids, ['1']);
  assert.deepEqual(search({ query: { bool: { must_not: { exists: { field: 'user' } } } }, sort: ['_doc'] }).ids, ['3', '4']);
  assert.equal(search({ query: { exists: { field: 'empty' } } }).total, 0);
  assert.equal(search({ query: { exists: { field: 'missing' } } }).total, 0);
});
