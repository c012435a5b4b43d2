// Differences from Elasticsearch checked against its source and REST tests, on one real node
// process (HTTPS, security on), raw HTTP so every field is checked as sent:
// - task ids read their number as Long.parseLong does (TaskId(String)): a sign is allowed, `-1`
//   is the unset id (GetTaskRequest.validate: "task id is required"; a cancel or rethrottle with
//   it targets every matching task), and errors name the id as TaskId.toString prints it;
// - a second service account token of the same name is the create's 409 on its `.security-7`
//   document (IndexServiceAccountTokenStore.createToken, OpType.CREATE): version_conflict_engine_exception
//   naming the index, shard 0 and the index's uuid (here the security store's), never `_na_`;
// - date and date_nanos fields with a Java pattern holding a quoted literal and nine fraction
//   digits (`yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS`, mapping-date-format.html#custom-date-formats) index,
//   match range queries and print with it (a date keeps milliseconds: zeros past them);
// - the aggregation `format` parameter builds the field's DocValueFormat, as Elasticsearch does:
//   a DecimalFormat pattern on numbers (`*_as_string`, range keys), a date format on dates, and
//   "does not support custom formats" on other fields (search-aggregations-metrics-*-aggregation.html#format).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonAsserts } from '../harness/json-asserts.js';

let node: StartedNode;
let nodeId: string;
before(async () => {
  node = await startNode({ clusterName: 'correctness-fixes-2', nodeName: 'n1' });
  nodeId = Object.keys((await ok('GET', '/_nodes')).nodes)[0]!;
});
after(async () => {
  await node?.destroy();
});

const json = jsonAsserts(() => node);
const { call, ok } = json;

/** The shared refusal check, and the root cause of the same type (these refusals have no inner cause). */
async function fails(method: string, path: string, body: unknown, status: number, type: string, reason?: string | RegExp): Promise<any> {
  const answer = await json.fails(method, path, body, status, type, reason);
  assert.equal(answer.error.root_cause[0].type, type);
  return answer;
}

// ---------------------------------------------------------------- task ids with a sign

test('task ids: a signed number is a Java long, -1 is the unset id (TaskId, GetTaskRequest.validate)', async () => {
  // `+5` is task 5: the errors print it as TaskId.toString does.
  await fails('GET', '/_tasks/other:+5', undefined, 404, 'resource_not_found_exception', "task [other:5] belongs to the node [other] which isn't part of the cluster and there is no record of the task");
  await fails('GET', `/_tasks/${nodeId}:+0099999`, undefined, 404, 'resource_not_found_exception', `task [${nodeId}:99999] isn't running and hasn't stored its results`);
  // A negative number other than -1 is a task id of no task.
  await fails('GET', `/_tasks/${nodeId}:-5`, undefined, 404, 'resource_not_found_exception', `task [${nodeId}:-5] isn't running and hasn't stored its results`);
  // -1 (and `unset`) is TaskId's unset id: the get refuses it.
  for (const id of [`${nodeId}:-1`, 'other:-1', 'unset']) await fails('GET', `/_tasks/${id}`, undefined, 400, 'action_request_validation_exception', 'Validation Failed: 1: task id is required;');
  // Past the long range, and a sign alone, are malformed.
  for (const id of ['a:-9223372036854775809', 'a:+', 'a:-', 'a:+-1']) await fails('GET', `/_tasks/${id}`, undefined, 400, 'illegal_argument_exception', `malformed task id ${id}`);
  const rethrottled = await ok('POST', `/_reindex/${nodeId}:+77/_rethrottle?requests_per_second=5`);
  assert.deepEqual(rethrottled.task_failures.map((failure: any) => [failure.task_id, failure.node_id, failure.status, failure.reason.type, failure.reason.reason]), [
    [77, nodeId, 'NOT_FOUND', 'resource_not_found_exception', `task [${nodeId}:77] is missing`],
  ]);
  // The unset id names no one task: the cancel and the rethrottle apply to every task they match
  // (none runs here), as without an id.
  assert.deepEqual(await ok('POST', `/_tasks/${nodeId}:-1/_cancel`), { nodes: {} });
  assert.deepEqual(await ok('POST', `/_update_by_query/${nodeId}:-1/_rethrottle?requests_per_second=5`), { nodes: {} });
  // The list filter: parent_task_id=<node>:+0 is <node>:0, a parent of nothing.
  assert.deepEqual((await ok('GET', `/_tasks?parent_task_id=${nodeId}:%2B0&group_by=none`)).tasks, []);
});

// ---------------------------------------------------------------- service account token conflicts

test('a duplicate service account token name is a 409 version conflict on .security-7 with its uuid', async () => {
  await ok('POST', '/_security/service/elastic/fleet-server/credential/token/dup-token');
  const uuids = new Set<string>();
  for (const method of ['POST', 'PUT']) {
    const body = await fails(method, '/_security/service/elastic/fleet-server/credential/token/dup-token', undefined, 409, 'version_conflict_engine_exception',
      '[service_account_token-elastic/fleet-server/dup-token]: version conflict, document already exists (current version [1])');
    for (const error of [body.error, body.error.root_cause[0]]) {
      assert.equal(error.index, '.security-7');
      assert.equal(error.shard, '0');
      assert.match(error.index_uuid, /^[A-Za-z0-9_-]{22}$/);
      uuids.add(error.index_uuid);
    }
  }
  // One store, one uuid.
  assert.equal(uuids.size, 1);
  // Another account's token of the same name is another document.
  await ok('POST', '/_security/service/elastic/kibana/credential/token/dup-token');
  assert.deepEqual(Object.keys((await ok('GET', '/_security/service/elastic/fleet-server/credential')).tokens), ['dup-token']);
});

// ---------------------------------------------------------------- Java patterns: quoted literals, nine fraction digits

test("date and date_nanos with yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS: index, range queries, printed values", async () => {
  const format = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS";
  await ok('PUT', '/nine-digits', { mappings: { properties: { nanos: { type: 'date_nanos', format }, millis: { type: 'date', format } } } });
  await ok('PUT', '/nine-digits/_doc/1', { nanos: '2024-03-01T10:20:30.123456789', millis: '2024-03-01T10:20:30.123456789' });
  await ok('PUT', '/nine-digits/_doc/2?refresh=true', { nanos: '2024-03-01T10:20:30.123456790', millis: '2024-03-01T10:20:31.000000000' });
  // Strict: exactly nine digits, the quoted T, a real date.
  for (const bad of ['2024-03-01T10:20:30.1234', '2024-03-01 10:20:30.123456789', '2024-02-30T10:20:30.123456789']) {
    const answer = await call('PUT', '/nine-digits/_doc/bad', { nanos: bad });
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.body.error.type, 'document_parsing_exception');
    assert.equal(answer.body.error.reason, `failed to parse field [nanos] of type [date_nanos] in document with id 'bad'. Preview of field's value: '${bad}'`);
    assert.equal(answer.body.error.caused_by.reason, `failed to parse date field [${bad}] with format [${format}]`);
  }
  const search = async (query: unknown): Promise<any> => ok('POST', '/nine-digits/_search', { query, sort: [{ nanos: 'asc' }], fields: ['nanos', 'millis'], _source: false });
  // The nanosecond decides: only document 2 is after ...789.
  const after789 = await search({ range: { nanos: { gt: '2024-03-01T10:20:30.123456789' } } });
  assert.deepEqual(after789.hits.hits.map((hit: any) => hit._id), ['2']);
  assert.deepEqual(after789.hits.hits[0].fields, { nanos: ['2024-03-01T10:20:30.123456790'], millis: ['2024-03-01T10:20:31.000000000'] });
  const both = await search({ range: { millis: { gte: '2024-03-01T10:20:30.123000000', lte: '2024-03-01T10:20:31.000000000' } } });
  assert.deepEqual(both.hits.hits.map((hit: any) => [hit._id, hit.fields.millis[0], hit.fields.nanos[0]]), [
    ['1', '2024-03-01T10:20:30.123000000', '2024-03-01T10:20:30.123456789'],
    ['2', '2024-03-01T10:20:31.000000000', '2024-03-01T10:20:30.123456790'],
  ]);
  // A range bound in another pattern given by the query's own format.
  const byQueryFormat = await search({ range: { nanos: { gte: "01/03/2024 10:20:30.123456790", format: "dd/MM/yyyy HH:mm:ss.SSSSSSSSS" } } });
  assert.deepEqual(byQueryFormat.hits.hits.map((hit: any) => hit._id), ['2']);
  const aggs = await ok('POST', '/nine-digits/_search', { size: 0, aggs: { first: { min: { field: 'nanos' } }, last: { max: { field: 'millis' } } } });
  // Aggregations work in milliseconds, also on date_nanos (date_nanos.html#_limitations).
  assert.equal(aggs.aggregations.first.value_as_string, '2024-03-01T10:20:30.123000000');
  assert.equal(aggs.aggregations.last.value_as_string, '2024-03-01T10:20:31.000000000');
});

// ---------------------------------------------------------------- aggregation format

test('aggregation format: DecimalFormat on numbers, date formats on dates, refused on keyword', async () => {
  await ok('PUT', '/agg-format', { mappings: { properties: { n: { type: 'long' }, d: { type: 'double' }, t: { type: 'date' }, k: { type: 'keyword' } } } });
  await ok('PUT', '/agg-format/_doc/1', { n: 5, d: 1234.5, t: '2024-03-01T10:00:00Z', k: 'a' });
  await ok('PUT', '/agg-format/_doc/2?refresh=true', { n: 15, d: 0.125, t: '2024-03-02T10:00:00Z', k: 'b' });
  const decimal = '#,##0.00';
  const day = 'yyyy/MM/dd';
  const answer = await ok('POST', '/agg-format/_search', {
    size: 0,
    aggs: {
      terms: { terms: { field: 'n', format: decimal } },
      days: { terms: { field: 't', format: day } },
      min: { min: { field: 'd', format: decimal } },
      max: { max: { field: 'n', format: decimal } },
      avg: { avg: { field: 'n', format: decimal } },
      sum: { sum: { field: 'd', format: decimal } },
      stats: { stats: { field: 'n', format: decimal } },
      first: { min: { field: 't', format: day } },
      per_day: { date_histogram: { field: 't', calendar_interval: 'day', format: day } },
      histogram: { histogram: { field: 'n', interval: 10, format: decimal } },
      ranges: { range: { field: 'n', format: decimal, ranges: [{ to: 10 }, { from: 10 }] } },
      date_ranges: { date_range: { field: 't', format: day, ranges: [{ to: '2024/03/02' }] } },
      plain: { range: { field: 'n', ranges: [{ to: 10 }] } },
    },
  });
  const aggs = answer.aggregations;
  assert.deepEqual(aggs.terms.buckets.map((bucket: any) => [bucket.key, bucket.key_as_string]), [[5, '5.00'], [15, '15.00']]);
  assert.deepEqual(aggs.days.buckets.map((bucket: any) => bucket.key_as_string), ['2024/03/01', '2024/03/02']);
  // DecimalFormat rounds HALF_EVEN: 0.125 is 0.12, 1234.625 is 1,234.62.
  assert.deepEqual(aggs.min, { value: 0.125, value_as_string: '0.12' });
  assert.deepEqual(aggs.max, { value: 15, value_as_string: '15.00' });
  assert.deepEqual(aggs.avg, { value: 10, value_as_string: '10.00' });
  assert.deepEqual(aggs.sum, { value: 1234.625, value_as_string: '1,234.62' });
  assert.deepEqual(aggs.stats, { count: 2, min: 5, max: 15, avg: 10, sum: 20, min_as_string: '5.00', max_as_string: '15.00', avg_as_string: '10.00', sum_as_string: '20.00' });
  assert.deepEqual(aggs.first, { value: Date.UTC(2024, 2, 1, 10), value_as_string: '2024/03/01' });
  assert.deepEqual(aggs.per_day.buckets.map((bucket: any) => bucket.key_as_string), ['2024/03/01', '2024/03/02']);
  assert.deepEqual(aggs.histogram.buckets, [{ key_as_string: '0.00', key: 0, doc_count: 1 }, { key_as_string: '10.00', key: 10, doc_count: 1 }]);
  assert.deepEqual(aggs.ranges.buckets, [
    { key: '*-10.00', to: 10, to_as_string: '10.00', doc_count: 1 },
    { key: '10.00-*', from: 10, from_as_string: '10.00', doc_count: 1 },
  ]);
  assert.deepEqual(aggs.date_ranges.buckets, [{ key: '*-2024/03/02', to: Date.UTC(2024, 2, 2), to_as_string: '2024/03/02', doc_count: 1 }]);
  // Without a format a numeric range prints Java doubles and no *_as_string (DocValueFormat.RAW).
  assert.deepEqual(aggs.plain.buckets, [{ key: '*-10.0', to: 10, doc_count: 1 }]);
  // Refusals: a keyword takes no format; a pattern DecimalFormat cannot read is a 400.
  const refused = async (agg: unknown, reason: string | RegExp): Promise<void> => {
    const answer = await call('POST', '/agg-format/_search', { size: 0, aggs: { a: agg } });
    assert.equal(answer.status, 400, answer.text);
    const body = answer.body;
    assert.equal(body.error.type, 'search_phase_execution_exception');
    assert.equal(body.error.root_cause[0].type, 'illegal_argument_exception');
    if (typeof reason === 'string') assert.equal(body.error.caused_by.reason, reason);
    else assert.match(body.error.caused_by.reason, reason);
    assert.equal(body.error.caused_by.type, 'illegal_argument_exception');
  };
  await refused({ terms: { field: 'k', format: decimal } }, 'Field [k] of type [keyword] does not support custom formats');
  await refused({ sum: { field: 'n', format: '#.#.#' } }, /^Invalid format: \[#\.#\.#\]/);
  await refused({ extended_stats: { field: 'n', format: decimal } }, '[format] is not supported for [extended_stats] aggregation [a]');
  const percentiles = await call('POST', '/agg-format/_search', { size: 0, aggs: { a: { percentiles: { field: 'n', format: decimal } } } });
  assert.equal(percentiles.status, 400, percentiles.text);
  assert.equal(percentiles.body.error.type, 'illegal_argument_exception');
  assert.equal(percentiles.body.error.reason, '[format] is not supported for [percentiles] aggregation [a]');
  // A date format Strait cannot print (a named format it does not know, an unquoted letter) is refused, not printed otherwise.
  await refused({ date_histogram: { field: 't', calendar_interval: 'day', format: 'basic_date' } }, /^Invalid format: \[basic_date\]/);
  await refused({ terms: { field: 't', format: "yyyy-MM-ddTHH" } }, /^Invalid format: \[yyyy-MM-ddTHH\]/);
});
