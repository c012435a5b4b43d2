// The `_ignored` metadata field (rest-api-spec search/200_ignore_malformed.yml; mapping-ignored-field.html)
// and date fields with `epoch_second` and multi-format `format` in `range` queries and
// `date_range` aggregations (mapping-date-format.html, search-aggregations-bucket-daterange-aggregation.html).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness, type SearchHarness } from './harness.js';

async function search(harness: SearchHarness, index: string, body: unknown, query: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return harness.call('POST', '/:index/_search', { params: { index }, body, query });
}

test('_ignored: malformed values with ignore_malformed and keywords over ignore_above are named in _ignored, searchable and returned (200_ignore_malformed.yml)', async (t) => {
  const harness = openSearchHarness(t);
  const created = await harness.call('PUT', '/:index', {
    params: { index: 'test' },
    body: { mappings: { properties: { my_date: { type: 'date', ignore_malformed: true }, my_ip: { type: 'ip', ignore_malformed: true }, code: { type: 'keyword', ignore_above: 3 } } } },
  });
  assert.equal(created.status, 200);
  await harness.index('test', {
    1: { my_date: '2018-05-11', my_ip: ':::1' },
    2: { my_date: 'bar', my_ip: '192.168.1.42' },
    3: { my_date: 'bar', my_ip: 'quux' },
    4: { my_date: '2018-05-12', code: 'toolong' },
    5: { my_date: '2018-05-13', code: 'ok' },
  });
  const ids = async (query: unknown): Promise<string[]> => (await search(harness, 'test', { query })).body.hits.hits.map((hit: any) => hit._id).sort();
  assert.deepEqual(await ids({ exists: { field: '_ignored' } }), ['1', '2', '3', '4']);
  assert.deepEqual(await ids({ term: { _ignored: 'my_date' } }), ['2', '3']);
  assert.deepEqual(await ids({ terms: { _ignored: ['my_date', 'my_ip'] } }), ['1', '2', '3']);
  assert.deepEqual(await ids({ term: { _ignored: 'code' } }), ['4']);
  const three = await search(harness, 'test', { query: { ids: { values: ['3'] } } });
  assert.deepEqual(three.body.hits.hits[0]._ignored, ['my_date', 'my_ip']);
  // Key order: metadata before _source.
  assert.deepEqual(Object.keys(three.body.hits.hits[0]), ['_index', '_id', '_score', '_ignored', '_source']);
  const stored = await search(harness, 'test', { query: { ids: { values: ['3'] } } }, { stored_fields: 'my_date' });
  assert.deepEqual(stored.body.hits.hits[0]._ignored, ['my_date', 'my_ip']);
  const fields = await search(harness, 'test', { query: { ids: { values: ['3'] } }, _source: false, fields: ['my*'] });
  const hit = fields.body.hits.hits[0];
  assert.deepEqual(hit._ignored, ['my_date', 'my_ip']);
  assert.deepEqual(hit.ignored_field_values, { my_date: ['bar'], my_ip: ['quux'] });
  assert.equal(hit.fields, undefined);
  // A document with nothing ignored has no _ignored key; `*` field patterns never reach _ignored.
  const five = await search(harness, 'test', { query: { ids: { values: ['5'] } } });
  assert.equal(five.body.hits.hits[0]._ignored, undefined);
  const star = await search(harness, 'test', { query: { query_string: { query: 'my_date' } } });
  assert.equal(star.body.hits.total.value, 0);
});

test('index.mapping.ignore_malformed: fields that do not set ignore_malformed ignore malformed values; an explicit false still refuses them', async (t) => {
  const harness = openSearchHarness(t);
  const created = await harness.call('PUT', '/:index', {
    params: { index: 'lenient' },
    body: {
      settings: { 'index.mapping.ignore_malformed': true },
      mappings: { properties: { n: { type: 'long' }, strict: { type: 'long', ignore_malformed: false }, flag: { type: 'boolean' }, title: { type: 'text' } } },
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  await harness.index('lenient', { 1: { n: 'not a number', title: 'first' }, 2: { n: 7, title: 'second' } });
  const strict = await harness.call('PUT', '/:index/_doc/:id', { params: { index: 'lenient', id: '3' }, body: { strict: 'x' } });
  assert.equal(strict.status, 400);
  assert.equal(strict.body.error.type, 'document_parsing_exception');
  // boolean has no ignore_malformed parameter: the index default does not apply to it.
  const flag = await harness.call('PUT', '/:index/_doc/:id', { params: { index: 'lenient', id: '4' }, body: { flag: 'maybe' } });
  assert.equal(flag.status, 400);
  // The refresh parses as the write did: document 1 keeps its other fields searchable.
  const first = await search(harness, 'lenient', { query: { match: { title: 'first' } } });
  assert.deepEqual(first.body.hits.hits.map((hit: any) => [hit._id, hit._ignored]), [['1', ['n']]]);
  const ignored = await search(harness, 'lenient', { query: { term: { _ignored: 'n' } } });
  assert.deepEqual(ignored.body.hits.hits.map((hit: any) => hit._id), ['1']);
});

test('dates: epoch_second and yyyy-MM-dd||epoch_millis in range queries and date_range aggregations (mapping-date-format.html)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.call('PUT', '/:index', {
    params: { index: 'd' },
    body: { mappings: { properties: { s: { type: 'date', format: 'epoch_second' }, m: { type: 'date', format: 'yyyy-MM-dd||epoch_millis' } } } },
  });
  await harness.index('d', { 1: { s: 1600000000, m: '2020-01-02' }, 2: { s: '1600000100', m: 1577836800000 }, 3: { s: 1 } });
  const ids = async (query: unknown): Promise<string[]> => (await search(harness, 'd', { query })).body.hits.hits.map((hit: any) => hit._id).sort();
  // Range bounds parse with the field's format: seconds here.
  assert.deepEqual(await ids({ range: { s: { gte: 1600000050 } } }), ['2']);
  assert.deepEqual(await ids({ range: { s: { gte: '1600000050' } } }), ['2']);
  // Either format of `m` in a bound; both documents were indexed through one of them.
  assert.deepEqual(await ids({ range: { m: { gte: '2020-01-01', lt: '2020-01-02' } } }), ['2']);
  assert.deepEqual(await ids({ range: { m: { gte: 1577923200000 } } }), ['1']);
  const aggs = await search(harness, 'd', {
    size: 0,
    aggs: {
      seconds: { date_range: { field: 's', ranges: [{ from: '1600000050' }] } },
      days: { date_range: { field: 'm', ranges: [{ to: '2020-01-02' }] } },
      millis: { date_range: { field: 's', ranges: [{ from: 1600000050000 }] } },
    },
  });
  assert.equal(aggs.status, 200, JSON.stringify(aggs.body));
  // A text bound is read with the field's format (seconds); a JSON number is epoch milliseconds.
  assert.equal(aggs.body.aggregations.seconds.buckets[0].from, 1600000050000);
  assert.equal(aggs.body.aggregations.seconds.buckets[0].doc_count, 1);
  assert.equal(aggs.body.aggregations.days.buckets[0].to, 1577923200000);
  assert.equal(aggs.body.aggregations.days.buckets[0].doc_count, 1);
  assert.equal(aggs.body.aggregations.millis.buckets[0].doc_count, 1);
});
