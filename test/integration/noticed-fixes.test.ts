// Differences from Elasticsearch noticed earlier and checked against its source, on one real node
// process (HTTPS, security on), raw HTTP so every field is checked as sent:
// - aggregations on date and date_nanos fields render key_as_string / value_as_string with the
//   field's format (the field type's DocValueFormat; search-aggregations-bucket-terms-aggregation.html,
//   search-aggregations-metrics-min-aggregation.html), not always ISO 8601;
// - `_ignored` where Elasticsearch returns it: get and explain (FieldsVisitor always loads it),
//   never the update API's `get` (UpdateHelper.extractGetResult builds it without metadata fields)
//   nor `GET _source` (the source alone). Reference: mapping-ignored-field.html;
// - version_conflict_engine_exception names the index's uuid (EngineException carries the shard id);
// - task ids parse alike in the task APIs and the rethrottle APIs, as TaskId(String) does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonAsserts } from '../harness/json-asserts.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'noticed-fixes', nodeName: 'n1' });
});
after(async () => {
  await node?.destroy();
});

const { call, ok } = jsonAsserts(() => node);

// ---------------------------------------------------------------- 1. date formats in aggregations

test('terms, min, max, avg and stats on a date field render with the field format (yyyy-MM-dd)', async () => {
  await ok('PUT', '/agg-dates', { mappings: { properties: { day: { type: 'date', format: 'yyyy-MM-dd' } } } });
  await ok('PUT', '/agg-dates/_doc/1', { day: '2024-01-15' });
  await ok('PUT', '/agg-dates/_doc/2?refresh=true', { day: '2024-01-17' });
  const answer = await ok('POST', '/agg-dates/_search', {
    size: 0,
    aggs: {
      days: { terms: { field: 'day' } },
      first: { min: { field: 'day' } },
      last: { max: { field: 'day' } },
      middle: { avg: { field: 'day' } },
      all: { stats: { field: 'day' } },
    },
  });
  const aggs = answer.aggregations;
  assert.deepEqual(
    aggs.days.buckets.map((bucket: any) => [bucket.key, bucket.key_as_string]),
    [
      [Date.UTC(2024, 0, 15), '2024-01-15'],
      [Date.UTC(2024, 0, 17), '2024-01-17'],
    ],
  );
  assert.deepEqual(aggs.first, { value: Date.UTC(2024, 0, 15), value_as_string: '2024-01-15' });
  assert.deepEqual(aggs.last, { value: Date.UTC(2024, 0, 17), value_as_string: '2024-01-17' });
  assert.deepEqual(aggs.middle, { value: Date.UTC(2024, 0, 16), value_as_string: '2024-01-16' });
  assert.equal(aggs.all.min_as_string, '2024-01-15');
  assert.equal(aggs.all.max_as_string, '2024-01-17');
  assert.equal(aggs.all.avg_as_string, '2024-01-16');
});

test('a date field with epoch_second first prints epoch seconds; rare_terms and multi_terms use the format too', async () => {
  await ok('PUT', '/agg-epoch', { mappings: { properties: { at: { type: 'date', format: 'epoch_second||yyyy-MM-dd' }, tag: { type: 'keyword' } } } });
  await ok('PUT', '/agg-epoch/_doc/1?refresh=true', { at: 1_700_000_000, tag: 'a' });
  const answer = await ok('POST', '/agg-epoch/_search', {
    size: 0,
    aggs: {
      at: { terms: { field: 'at' } },
      rare: { rare_terms: { field: 'at' } },
      pairs: { multi_terms: { terms: [{ field: 'at' }, { field: 'tag' }] } },
      latest: { max: { field: 'at' } },
    },
  });
  const aggs = answer.aggregations;
  assert.equal(aggs.at.buckets[0].key, 1_700_000_000_000);
  assert.equal(aggs.at.buckets[0].key_as_string, '1700000000');
  assert.equal(aggs.rare.buckets[0].key_as_string, '1700000000');
  assert.equal(aggs.pairs.buckets[0].key_as_string, '1700000000|a');
  assert.deepEqual(aggs.latest, { value: 1_700_000_000_000, value_as_string: '1700000000' });
});

test('date_nanos: keys in milliseconds, printed with the field format (default: strict_date_optional_time_nanos)', async () => {
  await ok('PUT', '/agg-nanos', {
    mappings: { properties: { plain: { type: 'date_nanos' }, custom: { type: 'date_nanos', format: 'yyyy-MM-dd HH:mm:ss.SSSSSSSSS' } } },
  });
  await ok('PUT', '/agg-nanos/_doc/1?refresh=true', { plain: '2024-03-01T10:00:00.123456789Z', custom: '2024-03-01 10:00:00.123456789' });
  const answer = await ok('POST', '/agg-nanos/_search', {
    size: 0,
    aggs: { plain: { terms: { field: 'plain' } }, custom: { terms: { field: 'custom' } }, customMax: { max: { field: 'custom' } } },
  });
  const aggs = answer.aggregations;
  const millis = Date.UTC(2024, 2, 1, 10, 0, 0, 123);
  assert.equal(aggs.plain.buckets[0].key, millis);
  assert.equal(aggs.plain.buckets[0].key_as_string, '2024-03-01T10:00:00.123Z');
  assert.equal(aggs.custom.buckets[0].key, millis);
  // Aggregations read date_nanos in milliseconds: the nanoseconds print as zeros.
  assert.equal(aggs.custom.buckets[0].key_as_string, '2024-03-01 10:00:00.123000000');
  assert.deepEqual(aggs.customMax, { value: millis, value_as_string: '2024-03-01 10:00:00.123000000' });
});

// ---------------------------------------------------------------- 2. _ignored

test('_ignored: get and explain show it; the update API get section and GET _source do not', async () => {
  await ok('PUT', '/ignored-docs', { mappings: { properties: { code: { type: 'keyword', ignore_above: 3 }, n: { type: 'long', ignore_malformed: true } } } });
  await ok('PUT', '/ignored-docs/_doc/1?refresh=true', { code: 'toolong', n: 'x' });

  const got = await ok('GET', '/ignored-docs/_doc/1');
  assert.deepEqual(got._ignored, ['code', 'n']);
  assert.deepEqual(Object.keys(got), ['_index', '_id', '_version', '_seq_no', '_primary_term', '_ignored', 'found', '_source']);

  const source = await ok('GET', '/ignored-docs/_source/1');
  assert.deepEqual(source, { code: 'toolong', n: 'x' });

  const updated = await ok('POST', '/ignored-docs/_update/1?_source=true', { doc: { other: 1 } });
  assert.deepEqual(updated.get, { _seq_no: 1, _primary_term: 1, found: true, _source: { code: 'toolong', n: 'x', other: 1 } });

  await ok('POST', '/ignored-docs/_refresh');
  const explained = await ok('POST', '/ignored-docs/_explain/1?_source=true', { query: { match_all: {} } });
  assert.deepEqual(explained.get._ignored, ['code', 'n']);
  assert.deepEqual(Object.keys(explained.get), ['_seq_no', '_primary_term', '_ignored', 'found', '_source']);
});

// ---------------------------------------------------------------- 3. index_uuid of version conflicts

test('version_conflict_engine_exception names the index uuid (create, if_seq_no, external version, get version)', async () => {
  await ok('PUT', '/conflicts', { settings: { number_of_shards: 1 } });
  const uuid = (await ok('GET', '/conflicts/_settings')).conflicts.settings.index.uuid;
  await ok('PUT', '/conflicts/_doc/1', { a: 1 });
  const attempts = [
    await call('PUT', '/conflicts/_create/1', { a: 2 }),
    await call('PUT', '/conflicts/_doc/1?if_seq_no=9&if_primary_term=1', { a: 2 }),
    await call('PUT', '/conflicts/_doc/1?version=1&version_type=external', { a: 2 }),
    await call('DELETE', '/conflicts/_doc/1?if_seq_no=9&if_primary_term=1'),
    await call('POST', '/conflicts/_update/1?if_seq_no=9&if_primary_term=1', { doc: { a: 2 } }),
    await call('GET', '/conflicts/_doc/1?version=7'),
  ];
  for (const answer of attempts) {
    assert.equal(answer.status, 409, answer.text);
    assert.equal(answer.body.error.type, 'version_conflict_engine_exception');
    assert.equal(answer.body.error.index_uuid, uuid, answer.text);
    assert.equal(answer.body.error.root_cause[0].index_uuid, uuid);
    assert.equal(answer.body.error.index, 'conflicts');
    assert.equal(answer.body.error.shard, '0');
  }
  const bulk = await ok('POST', '/_bulk', '{"create":{"_index":"conflicts","_id":"1"}}\n{"a":3}\n');
  assert.equal(bulk.items[0].create.status, 409);
  assert.equal(bulk.items[0].create.error.index_uuid, uuid);
});

// ---------------------------------------------------------------- 6. task ids

test('task ids parse as TaskId does in the task and rethrottle APIs: first colon, a Java long', async () => {
  const nodeId = Object.keys((await ok('GET', '/_nodes')).nodes)[0]!;
  for (const path of ['/_tasks/a:b:1', '/_tasks/a:9223372036854775808', '/_reindex/a:b:1/_rethrottle?requests_per_second=1', '/_update_by_query/a:9223372036854775808/_rethrottle?requests_per_second=1']) {
    const answer = await call(path.startsWith('/_tasks') ? 'GET' : 'POST', path);
    assert.equal(answer.status, 400, `${path}: ${answer.text}`);
    assert.equal(answer.body.error.type, 'illegal_argument_exception');
    assert.equal(answer.body.error.reason, `malformed task id ${path.split('/')[2]}`);
  }
  // Past 2^53 but within a long: a task id, of no task.
  const big = await call('GET', `/_tasks/${nodeId}:9007199254740993`);
  assert.equal(big.status, 404, big.text);
  assert.equal(big.body.error.type, 'resource_not_found_exception');
  const rethrottled = await ok('POST', `/_delete_by_query/${nodeId}:9007199254740993/_rethrottle?requests_per_second=1`);
  assert.equal(rethrottled.task_failures[0].status, 'NOT_FOUND');
});
