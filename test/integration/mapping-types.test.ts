// Field types and value coercion on one real node (issue #9, items 9 and 18), through raw HTTP so
// that status, error type and reason, and the exact JSON text are checked.
// References: date_nanos.html and rest-api-spec search/240_date_nanos.yml; mapping-id-field.html;
// query-dsl-term-query.html; constant-keyword.html; ip.html; mapping-types.html; search-field-caps.html.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall, type JsonAnswer } from '../harness/json-call.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'mapping-types', nodeName: 'm1' });
});
after(async () => {
  await node?.destroy();
});

type Answer = JsonAnswer;

const call = (method: string, path: string, body?: unknown): Promise<Answer> => jsonCall(node, method, path, body);

function assertError(answer: Answer, status: number, type: string, reason: string): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.body.error.type, type, answer.text);
  assert.equal(answer.body.error.reason, reason);
  assert.equal(answer.body.status, status);
}

const ndjson = (lines: readonly unknown[]): string => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';

test('date_nanos and date across indices: nanosecond sort, docvalue_fields formats, range, date_histogram (240_date_nanos.yml)', async () => {
  assert.equal((await call('PUT', '/date_ns', { mappings: { properties: { date: { type: 'date_nanos' }, field: { type: 'long' } } } })).status, 200);
  assert.equal((await call('PUT', '/date_ms', { mappings: { properties: { date: { type: 'date' }, field: { type: 'long' } } } })).status, 200);
  const bulk = await call(
    'POST',
    '/_bulk?refresh=true',
    ndjson([
      { index: { _index: 'date_ns', _id: 'first' } },
      { date: '2018-10-29T12:12:12.123456789Z', field: 1 },
      { index: { _index: 'date_ns', _id: 'second' } },
      { date: '2018-10-29T12:12:12.987654321Z', field: 2 },
      { index: { _index: 'date_ms', _id: 'date_ms_1' } },
      { date: '2018-10-29T12:12:12.987Z' },
      { index: { _index: 'date_ms', _id: 'date_ms_2' } },
      { date: '2018-10-30T12:12:12.987Z' },
    ]),
  );
  assert.equal(bulk.body.errors, false, bulk.text);

  const sorted = await call('POST', '/date_ns/_search', { sort: [{ date: 'desc' }] });
  assert.deepEqual(sorted.body.hits.hits.map((hit: any) => hit._id), ['second', 'first']);
  // Epoch nanoseconds as JSON numbers (printed as the nearest double: what JSON.parse yields too).
  assert.deepEqual(sorted.body.hits.hits.map((hit: any) => hit.sort), [[1540815132987654321], [1540815132123456789]]);

  const page = await call('POST', '/date_ns/_search', { sort: [{ date: 'desc' }], search_after: ['1540815132987654321'] });
  assert.deepEqual(page.body.hits.hits.map((hit: any) => hit._id), ['first']);

  const range = await call('POST', '/date_ns/_search', { query: { range: { date: { gt: '2018-10-29T12:12:12.123456789Z' } } } });
  assert.deepEqual(range.body.hits.hits.map((hit: any) => hit._id), ['second']);
  const exact = await call('POST', '/date_ns/_search', { query: { term: { date: '2018-10-29T12:12:12.123456789Z' } } });
  assert.deepEqual(exact.body.hits.hits.map((hit: any) => hit._id), ['first']);

  const formats = async (format: string): Promise<unknown[]> => {
    const answer = await call('POST', '/date*/_search', { query: { terms: { _id: ['first', 'date_ms_1'] } }, docvalue_fields: [{ field: 'date', format }], sort: [{ date: 'desc' }] });
    // Without numeric_type the raw values compare, nanoseconds against milliseconds, as in
    // Elasticsearch: the date_nanos hit sorts first although it is earlier.
    assert.deepEqual(answer.body.hits.hits.map((hit: any) => hit._id), ['first', 'date_ms_1']);
    return answer.body.hits.hits.map((hit: any) => hit.fields.date);
  };
  assert.deepEqual(await formats('strict_date_optional_time'), [['2018-10-29T12:12:12.123Z'], ['2018-10-29T12:12:12.987Z']]);
  assert.deepEqual(await formats('epoch_millis'), [['1540815132123.456789'], ['1540815132987']]);
  assert.deepEqual(await formats("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSSX"), [['2018-10-29T12:12:12.123456789Z'], ['2018-10-29T12:12:12.987000000Z']]);

  const fields = await call('POST', '/date_ns/_search', { query: { ids: { values: ['first'] } }, fields: ['date'], _source: false });
  assert.deepEqual(fields.body.hits.hits[0].fields, { date: ['2018-10-29T12:12:12.123456789Z'] });

  // numeric_type date_nanos: both indices sort in nanoseconds.
  const mixed = await call('POST', '/date*/_search', { sort: [{ date: { order: 'asc', numeric_type: 'date_nanos' } }] });
  assert.deepEqual(mixed.body.hits.hits.map((hit: any) => hit._id), ['first', 'date_ms_1', 'second', 'date_ms_2']);

  const histogram = await call('POST', '/date*/_search', { size: 0, aggs: { date: { date_histogram: { field: 'date', calendar_interval: '1d' } } } });
  assert.deepEqual(histogram.body.aggregations.date.buckets, [
    { key_as_string: '2018-10-29T00:00:00.000Z', key: 1540771200000, doc_count: 3 },
    { key_as_string: '2018-10-30T00:00:00.000Z', key: 1540857600000, doc_count: 1 },
  ]);

  const mapping = await call('GET', '/date_ns/_mapping');
  assert.deepEqual(mapping.body.date_ns.mappings.properties.date, { type: 'date_nanos' });
  const refused = await call('PUT', '/date_ns/_doc/old', { date: '1969-12-31T23:59:59Z' });
  assertError(
    refused,
    400,
    'document_parsing_exception',
    "failed to parse field [date] of type [date_nanos] in document with id 'old'. Preview of field's value: '1969-12-31T23:59:59Z'",
  );
  assert.equal(refused.body.error.caused_by.reason, 'date[1969-12-31T23:59:59.000Z] is before the epoch in 1970 and cannot be stored in nanosecond resolution');
});

test('term, terms and match on _id with numbers and booleans; keyword and numeric coercion (query-dsl-term-query)', async () => {
  assert.equal((await call('PUT', '/coerce', { mappings: { properties: { k: { type: 'keyword' }, n: { type: 'long' }, b: { type: 'boolean' } } } })).status, 200);
  const bulk = await call('POST', '/coerce/_bulk?refresh=true', ndjson([{ index: { _id: '1' } }, { k: '2', n: 7, b: true }, { index: { _id: '2' } }, { k: 'true', n: 8, b: false }]));
  assert.equal(bulk.body.errors, false, bulk.text);
  const ids = async (query: unknown): Promise<string[]> => {
    const answer = await call('POST', '/coerce/_search', { query, sort: ['_doc'] });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.hits.hits.map((hit: any) => hit._id);
  };
  assert.deepEqual(await ids({ term: { _id: 2 } }), ['2']);
  assert.deepEqual(await ids({ terms: { _id: [1, 2] } }), ['1', '2']);
  assert.deepEqual(await ids({ match: { _id: 1 } }), ['1']);
  assert.deepEqual(await ids({ ids: { values: [2] } }), ['2']);
  assert.deepEqual(await ids({ term: { k: 2 } }), ['1']);
  assert.deepEqual(await ids({ term: { k: true } }), ['2']);
  assert.deepEqual(await ids({ term: { n: '8' } }), ['2']);
  assert.deepEqual(await ids({ term: { b: 'true' } }), ['1']);
  const count = await call('POST', '/coerce/_count', { query: { term: { _id: 1 } } });
  assert.equal(count.body.count, 1);
  const bad = await call('POST', '/coerce/_search', { query: { term: { n: 'eight' } } });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.body.error.root_cause[0].type, 'query_shard_exception');
  assert.equal(bad.body.error.root_cause[0].reason, 'failed to create query: For input string: "eight"');
});

test('constant_keyword, ip, scaled_float, wildcard and binary through the REST API (constant-keyword.html, ip.html)', async () => {
  const created = await call('PUT', '/types', {
    mappings: {
      properties: {
        level: { type: 'constant_keyword' },
        ip: { type: 'ip' },
        price: { type: 'scaled_float', scaling_factor: 10 },
        host: { type: 'wildcard' },
        blob: { type: 'binary' },
      },
    },
  });
  assert.equal(created.status, 200, created.text);
  const bulk = await call(
    'POST',
    '/types/_bulk?refresh=true',
    ndjson([
      { index: { _id: '1' } },
      { level: 'debug', ip: '192.168.1.5', price: 1.26, host: 'web-01.example', blob: 'AAEC' },
      { index: { _id: '2' } },
      { ip: '2001:db8:0:0:0:0:0:7', price: 30, host: 'db-01.example' },
    ]),
  );
  assert.equal(bulk.body.errors, false, bulk.text);
  const mapping = await call('GET', '/types/_mapping');
  assert.deepEqual(mapping.body.types.mappings.properties.level, { type: 'constant_keyword', value: 'debug' });

  const search = async (body: unknown): Promise<any> => {
    const answer = await call('POST', '/types/_search', body);
    assert.equal(answer.status, 200, answer.text);
    return answer.body;
  };
  assert.equal((await search({ query: { term: { level: 'debug' } } })).hits.total.value, 2);
  assert.deepEqual((await search({ query: { term: { ip: '192.168.0.0/16' } } })).hits.hits.map((hit: any) => hit._id), ['1']);
  assert.deepEqual((await search({ query: { term: { ip: '2001:db8::7' } }, fields: ['ip', 'level'] })).hits.hits[0].fields, { ip: ['2001:db8::7'], level: ['debug'] });
  assert.deepEqual((await search({ query: { range: { price: { gte: 1.3 } } } })).hits.hits.map((hit: any) => hit._id), ['1', '2']);
  assert.deepEqual((await search({ query: { wildcard: { host: '*db*' } } })).hits.hits.map((hit: any) => [hit._id, hit._score]), [['2', 1]]);

  const other = await call('PUT', '/types/_doc/3?refresh=true', { level: 'info' });
  assertError(other, 400, 'document_parsing_exception', "failed to parse field [level] of type [constant_keyword] in document with id '3'. Preview of field's value: 'info'");
  const binary = await call('POST', '/types/_search', { query: { term: { blob: 'AAEC' } } });
  assert.equal(binary.status, 400, binary.text);
  assert.equal(binary.body.error.root_cause[0].reason, 'failed to create query: Binary fields do not support searching');

  const caps = await call('GET', '/types/_field_caps?fields=blob,level');
  assert.equal(caps.body.fields.blob.binary.searchable, false);
  assert.equal(caps.body.fields.level.constant_keyword.aggregatable, true);
});

test('field alias added by a mapping update resolves for documents indexed before it; bad paths refused (field-alias.html)', async () => {
  assert.equal((await call('PUT', '/trips', { mappings: { properties: { distance: { type: 'long' } } } })).status, 200);
  assert.equal((await call('PUT', '/trips/_doc/1?refresh=true', { distance: 12 })).status, 201);
  const added = await call('PUT', '/trips/_mapping', { properties: { route_length_miles: { type: 'alias', path: 'distance' } } });
  assert.equal(added.status, 200, added.text);
  const found = await call('POST', '/trips/_search', { query: { range: { route_length_miles: { gte: 10 } } }, fields: ['route_length_miles'], sort: [{ route_length_miles: 'desc' }] });
  assert.equal(found.status, 200, found.text);
  assert.deepEqual(found.body.hits.hits.map((hit: any) => [hit._id, hit.sort, hit.fields]), [['1', [12], { route_length_miles: [12] }]]);
  const caps = await call('GET', '/trips/_field_caps?fields=route_length_miles');
  assert.equal(caps.body.fields.route_length_miles.long.aggregatable, true);
  assertError(
    await call('PUT', '/trips/_mapping', { properties: { broken: { type: 'alias', path: 'nope' } } }),
    400,
    'mapper_parsing_exception',
    'Invalid [path] value [nope] for field alias [broken]: an alias must refer to an existing field in the mappings.',
  );
  const write = await call('PUT', '/trips/_doc/2', { route_length_miles: 3 });
  assertError(write, 400, 'document_parsing_exception', 'failed to parse: Cannot write to a field alias [route_length_miles].');
});

test('mapping types Strait does not implement are refused with 400 naming the type; unknown types get "No handler" (mapping-types.html)', async () => {
  for (const type of ['dense_vector', 'unsigned_long', 'date_range', 'join']) {
    const answer = await call('PUT', `/refused-${type.replace('_', '-')}`, { mappings: { properties: { f: { type } } } });
    assertError(answer, 400, 'mapper_parsing_exception', `Failed to parse mapping: Field type [${type}] declared on field [f] is not supported by Strait`);
    assert.equal(answer.body.error.root_cause[0].reason, `Field type [${type}] declared on field [f] is not supported by Strait`);
  }
  const unknown = await call('PUT', '/refused-unknown', { mappings: { properties: { f: { type: 'no_such_type' } } } });
  assertError(unknown, 400, 'mapper_parsing_exception', 'Failed to parse mapping: No handler for type [no_such_type] declared on field [f]');
  const update = await call('PUT', '/coerce/_mapping', { properties: { v: { type: 'dense_vector', dims: 3 } } });
  assert.equal(update.status, 400, update.text);
  assert.equal(update.body.error.type, 'mapper_parsing_exception');
});
