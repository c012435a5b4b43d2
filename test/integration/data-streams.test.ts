// Data streams with one real node and the official client, from what Elasticsearch's YAML tests
// assert (modules/data-streams .../data_stream/10_basic.yml, 30_auto_create_data_stream.yml,
// 70_rollover_data_streams.yml, 120_data_streams_stats.yml; indices.rollover/10_basic.yml) and
// Elastic's "Data streams" page (https://www.elastic.co/guide/en/elasticsearch/reference/current/data-streams.html).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let client: Client;

const BACKING = (stream: string, generation: number): RegExp => new RegExp(`^\\.ds-${stream.replace(/[.]/g, '\\.')}-\\d{4}\\.\\d{2}\\.\\d{2}-${String(generation).padStart(6, '0')}$`);

interface ErrorBody {
  error: { type: string; reason: string; root_cause: { type: string; reason: string }[]; caused_by?: { type: string; reason: string } };
  status: number;
}

async function call(method: string, path: string, body?: unknown, ndjson = false): Promise<{ status: number; body: any }> {
  const text = body === undefined ? undefined : ndjson ? (body as unknown[]).map((line) => JSON.stringify(line)).join('\n') + '\n' : JSON.stringify(body);
  const response = await rawRequest(node, method, path, {
    ...(text !== undefined ? { body: text, headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' } } : {}),
  });
  return { status: response.status, body: response.text === '' ? undefined : response.json() };
}

async function failure(method: string, path: string, body?: unknown): Promise<ErrorBody & { statusCode: number }> {
  const response = await call(method, path, body);
  assert.ok(response.status >= 400, `${method} ${path} answered ${response.status}`);
  return { ...(response.body as ErrorBody), statusCode: response.status };
}

async function stream(name: string): Promise<any> {
  return (await client.indices.getDataStream({ name })).data_streams[0];
}

before(async () => {
  node = await startNode({ nodeName: 'data-streams-1' });
  client = node.client();
  await client.indices.putIndexTemplate({ name: 'my-template1', index_patterns: ['simple-data-stream1'], template: { settings: { 'index.number_of_replicas': 1 } }, data_stream: {} });
  await client.indices.putIndexTemplate({
    name: 'my-template2',
    index_patterns: ['simple-data-stream2'],
    template: { settings: { 'index.number_of_replicas': 0 }, mappings: { properties: { '@timestamp': { type: 'date_nanos' } } } },
    data_stream: {},
  });
  await client.indices.putIndexTemplate({ name: 'generic_logs_template', index_patterns: ['logs-*'], _meta: { managed_by: 'core-features', managed: true }, template: { settings: { number_of_replicas: 0 } }, data_stream: {} });
  await client.indices.putIndexTemplate({ name: 'plain', index_patterns: ['plain-*'] });
});

after(async () => {
  await node?.destroy();
});

test('create data stream (10_basic): one hidden backing index, generation 1, @timestamp mapped, the template named', async () => {
  assert.equal((await client.indices.createDataStream({ name: 'simple-data-stream1' })).acknowledged, true);
  assert.equal((await client.indices.createDataStream({ name: 'simple-data-stream2' })).acknowledged, true);
  const all = (await client.indices.getDataStream({ name: '*' })).data_streams as any[];
  assert.deepEqual(all.map((entry) => entry.name).slice(0, 2), ['simple-data-stream1', 'simple-data-stream2']);
  const first = all[0];
  assert.equal(first.timestamp_field.name, '@timestamp');
  assert.equal(first.generation, 1);
  assert.equal(first.indices.length, 1);
  assert.match(first.indices[0].index_name, BACKING('simple-data-stream1', 1));
  assert.equal(first.status, 'YELLOW', 'one replica cannot be assigned on one node');
  assert.equal(all[1].status, 'GREEN');
  assert.equal(first.template, 'my-template1');
  assert.equal(first.hidden, false);
  assert.equal(first.replicated, false);
  assert.equal(first.allow_custom_routing, false);
  const index0 = first.indices[0].index_name as string;
  const index1 = all[1].indices[0].index_name as string;
  const mapping0 = await client.indices.getMapping({ index: index0, expand_wildcards: 'hidden' });
  assert.equal((mapping0[index0]!.mappings.properties!['@timestamp'] as any).type, 'date');
  const mapping1 = await client.indices.getMapping({ index: index1, expand_wildcards: 'hidden' });
  assert.equal((mapping1[index1]!.mappings.properties!['@timestamp'] as any).type, 'date_nanos');
  const settings = await client.indices.getSettings({ index: index0, expand_wildcards: 'hidden' });
  assert.equal((settings[index0]!.settings as any).index.hidden, 'true');
  // 10_basic "Delete data stream with backing indices": a dot pattern reaches the hidden dot-prefixed backing index.
  const byPattern = await client.indices.get({ index: '.ds-simple-data-stream1-*000001' });
  assert.deepEqual(Object.keys(byPattern), [index0]);
  assert.equal((await call('GET', '/*simple-data-stream1-*000001')).status, 404, 'other wildcards skip a hidden index');
});

test('index into a stream, then search, count and GET /{stream} resolve to its backing indices', async () => {
  const written = await client.index({ index: 'simple-data-stream1', document: { '@timestamp': '2020-12-12', foo: 'bar' } });
  assert.match(written._index, BACKING('simple-data-stream1', 1));
  await client.indices.refresh({ index: 'simple-data-stream1' });
  const found = await client.search({ index: 'simple-data-stream1', query: { match_all: {} } });
  assert.equal(found.hits.hits.length, 1);
  assert.match(found.hits.hits[0]!._index, BACKING('simple-data-stream1', 1));
  assert.equal((found.hits.hits[0]!._source as any).foo, 'bar');
  assert.equal((await client.count({ index: 'simple-data-stream1' })).count, 1);
  assert.equal((await client.search({ index: 'simple-*' })).hits.hits.length, 1, 'a wildcard matches the stream name');
  const got = await client.indices.get({ index: 'simple-data-stream1' });
  assert.deepEqual(Object.keys(got), [written._index]);
});

test('invalid and existing names, and templates that are missing or have no data_stream, are refused as Elasticsearch does', async () => {
  const invalid = await failure('PUT', '/_data_stream/invalid-data-stream%23-name');
  assert.equal(invalid.statusCode, 400);
  assert.equal(invalid.error.root_cause[0]!.type, 'illegal_argument_exception');
  assert.equal(invalid.error.root_cause[0]!.reason, "data_stream [invalid-data-stream#-name] must not contain '#'");
  const exists = await failure('PUT', '/_data_stream/simple-data-stream1');
  assert.equal(exists.statusCode, 400);
  assert.equal(exists.error.root_cause[0]!.type, 'resource_already_exists_exception');
  assert.equal(exists.error.root_cause[0]!.reason, 'data_stream [simple-data-stream1] already exists');
  const noTemplate = await failure('PUT', '/_data_stream/nothing-matches');
  assert.equal(noTemplate.error.type, 'illegal_argument_exception');
  assert.equal(noTemplate.error.reason, 'no matching index template found for data stream [nothing-matches]');
  const notStream = await failure('PUT', '/_data_stream/plain-one');
  assert.equal(notStream.error.reason, 'matching index template [plain] for data stream [plain-one] has no data stream template');
  const missing = await failure('GET', '/_data_stream/nonexistent-data-stream');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.error.root_cause[0]!.type, 'index_not_found_exception');
  assert.deepEqual((await call('GET', '/_data_stream/nonexistent*')).body, { data_streams: [] });
});

test('writes: op_type=create only, @timestamp required once; an index create on a data stream pattern is refused', async () => {
  const indexOp = await failure('PUT', '/simple-data-stream1/_doc/1', { '@timestamp': '2020-12-12' });
  assert.equal(indexOp.statusCode, 400);
  assert.equal(indexOp.error.type, 'illegal_argument_exception');
  assert.equal(indexOp.error.reason, 'only write ops with an op_type of create are allowed in data streams');
  assert.equal((await call('PUT', '/simple-data-stream1/_create/1', { '@timestamp': '2020-12-13' })).status, 201);
  const deleteByStream = await failure('DELETE', '/simple-data-stream1/_doc/1');
  assert.equal(deleteByStream.statusCode, 400);
  assert.equal(deleteByStream.error.reason, 'only write ops with an op_type of create are allowed in data streams');
  const updateByStream = await failure('POST', '/simple-data-stream1/_update/1', { doc: { foo: 'baz' } });
  assert.equal(updateByStream.error.reason, 'only write ops with an op_type of create are allowed in data streams');
  const noTimestamp = await failure('POST', '/simple-data-stream1/_doc', { foo: 'bar' });
  assert.equal(noTimestamp.statusCode, 400);
  assert.equal(noTimestamp.error.type, 'document_parsing_exception');
  assert.equal(noTimestamp.error.caused_by?.type, 'illegal_argument_exception');
  assert.equal(noTimestamp.error.caused_by?.reason, 'data stream timestamp field [@timestamp] is missing');

  const bulk = await call(
    'POST',
    '/_bulk',
    [{ create: { _index: 'logs-foobar' } }, { foo: 'bar' }, { create: { _index: 'logs-foobar' } }, { '@timestamp': '2020-12-12' }, { create: { _index: 'logs-foobar' } }, { '@timestamp': ['2020-12-12', '2022-12-12'] }, { index: { _index: 'logs-foobar' } }, { '@timestamp': '2020-12-12' }],
    true,
  );
  assert.equal(bulk.status, 200);
  assert.equal(bulk.body.errors, true);
  assert.equal(bulk.body.items[0].create.status, 400);
  assert.equal(bulk.body.items[0].create.error.caused_by.type, 'illegal_argument_exception');
  assert.equal(bulk.body.items[0].create.error.caused_by.reason, 'data stream timestamp field [@timestamp] is missing');
  assert.equal(bulk.body.items[1].create.result, 'created');
  assert.match(bulk.body.items[1].create._index, BACKING('logs-foobar', 1), 'a bulk create made the stream on first write');
  assert.equal(bulk.body.items[2].create.status, 400);
  assert.equal(bulk.body.items[2].create.error.caused_by.reason, 'data stream timestamp field [@timestamp] encountered multiple values');
  assert.equal(bulk.body.items[3].index.status, 400);
  assert.equal(bulk.body.items[3].index.error.reason, 'only write ops with an op_type of create are allowed in data streams');

  const created = await failure('PUT', '/logs-explicit');
  assert.equal(created.statusCode, 400);
  assert.equal(
    created.error.reason,
    'cannot create index with name [logs-explicit], because it matches with template [generic_logs_template] that creates data streams only, use create data stream api instead',
  );
});

test('auto-create on first write (30_auto_create_data_stream), _meta from the template, and writes to backing indices refused', async () => {
  const written = await client.index({ index: 'logs-auto', document: { '@timestamp': '2020-12-12' } });
  assert.match(written._index, BACKING('logs-auto', 1));
  const created = await stream('logs-auto');
  assert.equal(created.template, 'generic_logs_template');
  assert.deepEqual(created._meta, { managed_by: 'core-features', managed: true });
  assert.equal(created.status, 'GREEN');
  const backing = created.indices[0].index_name as string;
  const direct = await failure('POST', `/${backing}/_doc`, { '@timestamp': '2020-12-12' });
  assert.equal(direct.statusCode, 400);
  const bulk = await call('POST', '/_bulk', [{ create: { _index: backing } }, { '@timestamp': '2020-12-12' }, { index: { _index: backing } }, { '@timestamp': '2020-12-12' }, { create: { _index: 'logs-auto' } }, { '@timestamp': '2020-12-12' }], true);
  assert.equal(bulk.body.items[0].create.error.reason, 'index request with op_type=create targeting backing indices is disallowed, target corresponding data stream [logs-auto] instead');
  assert.equal(
    bulk.body.items[1].index.error.reason,
    'index request with op_type=index and no if_primary_term and if_seq_no set targeting backing indices is disallowed, target corresponding data stream [logs-auto] instead',
  );
  assert.equal(bulk.body.items[2].create.result, 'created');
});

test('rollover: conditions, dry_run, a new generation, all generations searched, and the write index kept undeletable', async () => {
  await client.index({ index: 'logs-roll', document: { '@timestamp': '2021-01-01T00:00:00Z', n: 1 }, refresh: true });
  const notYet = await client.indices.rollover({ alias: 'logs-roll', conditions: { max_docs: 100 } });
  assert.equal(notYet.rolled_over, false);
  assert.equal(notYet.acknowledged, false);
  assert.deepEqual(notYet.conditions, { '[max_docs: 100]': false });
  assert.match(notYet.old_index, BACKING('logs-roll', 1));
  assert.match(notYet.new_index, BACKING('logs-roll', 2));
  const dryRun = await client.indices.rollover({ alias: 'logs-roll', dry_run: true, conditions: { max_docs: 1 } });
  assert.equal(dryRun.dry_run, true);
  assert.equal(dryRun.rolled_over, false);
  assert.deepEqual(dryRun.conditions, { '[max_docs: 1]': true });
  assert.equal((await stream('logs-roll')).generation, 1);
  const rolled = await client.indices.rollover({ alias: 'logs-roll', conditions: { max_docs: 1, max_age: '30d' } });
  assert.equal(rolled.rolled_over, true);
  assert.equal(rolled.acknowledged, true);
  assert.deepEqual(rolled.conditions, { '[max_docs: 1]': true, '[max_age: 30d]': false });
  const after = await stream('logs-roll');
  assert.equal(after.generation, 2);
  assert.deepEqual(after.indices.map((entry: any) => entry.index_name), [rolled.old_index, rolled.new_index]);
  const written = await client.index({ index: 'logs-roll', document: { '@timestamp': '2021-01-02T00:00:00Z', n: 2 }, refresh: true });
  assert.equal(written._index, rolled.new_index);
  assert.equal((await client.count({ index: 'logs-roll' })).count, 2);
  const noCondition = await client.indices.rollover({ alias: 'logs-roll' });
  assert.equal(noCondition.rolled_over, true);
  assert.equal((await stream('logs-roll')).generation, 3);

  const writeIndex = (await stream('logs-roll')).indices[2].index_name as string;
  const refused = await failure('DELETE', `/${writeIndex}`);
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.error.reason, `index [${writeIndex}] is the write index for data stream [logs-roll] and cannot be deleted`);
  const close = await failure('POST', `/${writeIndex}/_close`);
  assert.equal(close.statusCode, 400);
  assert.equal(close.error.reason, `cannot close the following data stream write indices [${writeIndex}]`);
  assert.equal((await client.indices.get({ index: writeIndex })).hasOwnProperty(writeIndex), true);
  const byName = await failure('DELETE', '/logs-roll');
  assert.equal(byName.statusCode, 400);
  assert.equal(byName.error.reason, 'The provided expression [logs-roll] matches a data stream, specify the corresponding concrete indices instead.');
  await client.indices.delete({ index: rolled.old_index });
  assert.deepEqual(
    (await stream('logs-roll')).indices.map((entry: any) => entry.index_name),
    [rolled.new_index, writeIndex],
    'a deleted backing index leaves its stream',
  );
  const bad = await failure('POST', '/logs-roll/_rollover', { conditions: { max_docs: 'many' } });
  assert.equal(bad.statusCode, 400);
  const onlyMin = await failure('POST', '/logs-roll/_rollover', { conditions: { min_docs: 1 } });
  assert.equal(onlyMin.error.reason, 'Validation Failed: 1: at least one max_* rollover condition must be set when using min_* conditions;');
});

test('rollover of an alias (indices.rollover/10_basic): -000001 becomes -000002 and the write index moves', async () => {
  await client.indices.create({ index: 'roll-000001', aliases: { roll: { is_write_index: true } } });
  await client.index({ index: 'roll', id: '1', document: { a: 1 }, refresh: true });
  const rolled = await client.indices.rollover({ alias: 'roll', conditions: { max_docs: 1 } });
  assert.equal(rolled.rolled_over, true);
  assert.equal(rolled.old_index, 'roll-000001');
  assert.equal(rolled.new_index, 'roll-000002');
  const aliases = await client.indices.getAlias({ name: 'roll' });
  assert.equal((aliases['roll-000001']!.aliases['roll'] as any).is_write_index, false);
  assert.equal((aliases['roll-000002']!.aliases['roll'] as any).is_write_index, true);
  assert.equal((await client.index({ index: 'roll', id: '2', document: { a: 2 } }))._index, 'roll-000002');
  await client.indices.create({ index: 'plainly', aliases: { simple_alias: {} } });
  const named = await client.indices.rollover({ alias: 'simple_alias', new_index: 'plainly-2' });
  assert.equal(named.new_index, 'plainly-2');
  assert.deepEqual(Object.keys(await client.indices.getAlias({ name: 'simple_alias' })), ['plainly-2'], 'an implicit write alias moves');
  const concrete = await failure('POST', '/roll-000002/_rollover');
  assert.equal(concrete.error.reason, 'rollover target is a [concrete index] but one of [alias,data_stream] was expected');
});

test('rollover (indices.rollover 10_basic, 20, 30): the new name is checked even on dry_run, a missing target is a 404, max_size measures documents', async () => {
  await client.indices.create({ index: 'applogs-1', aliases: { applogs_index: {}, applogs_search: {} } });
  await client.indices.create({ index: 'applogs-000002' });
  const exists = await failure('POST', '/applogs_search/_rollover?dry_run=true', { conditions: { max_docs: 1 } });
  assert.equal(exists.statusCode, 400);
  assert.equal(exists.error.type, 'resource_already_exists_exception');
  assert.equal((await failure('POST', '/applogs_search/_rollover', { conditions: { max_docs: 1 } })).error.type, 'resource_already_exists_exception');
  const invalid = await failure('POST', '/applogs_search/_rollover/invalid%7Cindex%7Cname?dry_run=true', { conditions: { max_docs: 1 } });
  assert.equal(invalid.error.type, 'invalid_index_name_exception');
  const missing = await failure('POST', '/non_existent/_rollover');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.error.reason, 'rollover target [non_existent] does not exist');

  await client.indices.create({ index: 'sized-1', aliases: { sized: {} } });
  await client.index({ index: 'sized-1', id: '1', document: { foo: 'hello world' }, refresh: true });
  const large = await rawRequest(node, 'POST', '/sized/_rollover', { body: JSON.stringify({ conditions: { max_size: '100mb' } }), headers: { 'content-type': 'application/json' } });
  assert.deepEqual(JSON.parse(large.text).conditions, { '[max_size: 100mb]': false });
  assert.match(String(large.headers['warning']), /Use of the \[max_size\] rollover condition has been deprecated in favour of the \[max_primary_shard_size\] condition/);
  const small = await client.indices.rollover({ alias: 'sized', conditions: { max_size: '10b' } });
  assert.deepEqual(small.conditions, { '[max_size: 10b]': true });
  assert.equal(small.rolled_over, true);
  const empty = await client.indices.rollover({ alias: 'sized', conditions: { max_size: '1b' } });
  assert.deepEqual(empty.conditions, { '[max_size: 1b]': false }, 'an empty index has no document bytes');
  assert.equal(empty.rolled_over, false);
});

test('_data_stream/_stats counts backing indices, bytes and the newest @timestamp', async () => {
  const stats = await call('GET', '/_data_stream/logs-roll/_stats');
  assert.equal(stats.status, 200);
  assert.equal(stats.body.data_stream_count, 1);
  assert.equal(stats.body.backing_indices, 2);
  assert.ok(stats.body.total_store_size_bytes > 0);
  assert.equal(stats.body.data_streams[0].data_stream, 'logs-roll');
  assert.equal(stats.body.data_streams[0].maximum_timestamp, Date.parse('2021-01-02T00:00:00Z'));
  // 120_data_streams_stats: epoch milliseconds count too; an empty stream's maximum is 0.
  await client.index({ index: 'logs-epoch', op_type: 'create', document: { '@timestamp': 1593639273740 }, refresh: true });
  assert.equal((await call('GET', '/_data_stream/logs-epoch/_stats')).body.data_streams[0].maximum_timestamp, 1593639273740);
  await client.indices.createDataStream({ name: 'logs-empty' });
  assert.equal((await call('GET', '/_data_stream/logs-empty/_stats')).body.data_streams[0].maximum_timestamp, 0);
  const all = await client.indices.dataStreamsStats({ name: '*' });
  assert.ok(all.data_stream_count >= 4);
});

test('hidden data streams match wildcards only with expand_wildcards=hidden (10_basic "Create hidden data stream")', async () => {
  await client.indices.putIndexTemplate({ name: 'my-template3', index_patterns: ['.hidden-data-stream', 'hidden-data-stream'], data_stream: { hidden: true } });
  await client.indices.createDataStream({ name: 'hidden-data-stream' });
  await client.indices.createDataStream({ name: '.hidden-data-stream' });
  const visible = (await client.indices.getDataStream({ name: '*' })).data_streams.map((entry) => entry.name);
  assert.ok(!visible.includes('hidden-data-stream'));
  const hidden = (await client.indices.getDataStream({ name: '*hidden-data-stream', expand_wildcards: 'hidden' })).data_streams as any[];
  assert.deepEqual(hidden.map((entry) => [entry.name, entry.hidden]), [['.hidden-data-stream', true], ['hidden-data-stream', true]]);
  await client.index({ index: 'hidden-data-stream', document: { '@timestamp': '2020-12-12', foo: 'bar' }, refresh: true });
  assert.equal((await client.search({ index: 'hidden-data-*' })).hits.hits.length, 0);
  assert.equal((await client.search({ index: 'hidden-data-*', expand_wildcards: ['open', 'hidden'] })).hits.hits.length, 1);
  await client.index({ index: '.hidden-data-stream', document: { '@timestamp': '2020-12-12', foo: 'bar' }, refresh: true });
  assert.equal((await client.search({ index: '.hidden-data-*' })).hits.hits.length, 1);
});

test('a template in use by a data stream cannot be deleted; delete data stream removes its backing indices', async () => {
  const inUse = await failure('DELETE', '/_index_template/my-template1');
  assert.equal(inUse.statusCode, 400);
  assert.equal(inUse.error.reason, 'unable to remove composable templates [my-template1] as they are in use by a data streams [simple-data-stream1]');
  const backing = (await stream('simple-data-stream1')).indices[0].index_name as string;
  assert.equal((await client.indices.deleteDataStream({ name: 'simple-data-stream1' })).acknowledged, true);
  assert.equal((await call('GET', `/${backing}`)).status, 404);
  assert.equal((await call('DELETE', '/_data_stream/simple-data-stream1')).status, 404);
  assert.equal((await client.indices.deleteDataStream({ name: 'no-matching-data-streams*' })).acknowledged, true);
  await client.indices.deleteIndexTemplate({ name: 'my-template1' });
});

test('a log shipper (issue 15): bulk creates into a data stream through its template\'s default pipeline, then searches it', async () => {
  await client.ingest.putPipeline({ id: 'shipper', processors: [{ set: { field: 'event.dataset', value: 'app' } }, { lowercase: { field: 'level' } }] });
  await client.indices.putIndexTemplate({ name: 'shipper', index_patterns: ['logs-shipper-*'], priority: 200, template: { settings: { 'index.default_pipeline': 'shipper', number_of_replicas: 0 } }, data_stream: {} });
  const bulk = await client.bulk({
    operations: [
      { create: { _index: 'logs-shipper-default' } },
      { '@timestamp': '2024-05-01T10:00:00Z', level: 'INFO', message: 'started' },
      { create: { _index: 'logs-shipper-default' } },
      { '@timestamp': '2024-05-01T10:00:01Z', level: 'ERROR', message: 'disk full' },
      { create: { _index: 'logs-shipper-default' } },
      { '@timestamp': '2024-05-01T10:00:02Z', level: 'INFO', message: 'stopped' },
    ],
    refresh: true,
  });
  assert.equal(bulk.errors, false);
  assert.match(bulk.items[0]!.create!._index, BACKING('logs-shipper-default', 1));
  const errors = await client.search({ index: 'logs-shipper-*', query: { term: { level: 'error' } } });
  assert.equal(errors.hits.hits.length, 1);
  assert.equal((errors.hits.hits[0]!._source as any).message, 'disk full');
  assert.equal((errors.hits.hits[0]!._source as any).event.dataset, 'app');
  const verbose = await call('GET', '/_data_stream/logs-shipper-default?verbose=true');
  assert.equal(verbose.body.data_streams[0].maximum_timestamp, Date.parse('2024-05-01T10:00:02Z'));
  const backingIndex = verbose.body.data_streams[0].indices[0].index_name as string;
  const got = await client.indices.get({ index: 'logs-shipper-default' });
  assert.equal((got[backingIndex] as any).data_stream, 'logs-shipper-default', 'GET /{index} names the data stream of a backing index');
});

test('require_data_stream (190_require_data_stream): the target must be a data stream or auto-create as one', async () => {
  await client.indices.putIndexTemplate({ name: 'ds-template', index_patterns: ['ds-*'], template: { settings: { number_of_replicas: 0 } }, data_stream: {}, allow_auto_create: true });
  const created = await call('POST', '/ds-test/_doc?require_data_stream=true', { '@timestamp': '2022-12-12', foo: 'bar' });
  assert.equal(created.status, 201);
  const noTemplate = await failure('POST', '/index-test/_doc?require_data_stream=true', { '@timestamp': '2022-12-12' });
  assert.equal(noTemplate.statusCode, 404);
  assert.equal(noTemplate.error.type, 'index_not_found_exception');
  assert.equal(noTemplate.error.reason, 'no such index [index-test] and the index creation request requires a data stream, but no matching index template with data stream template was found for it');
  assert.equal((await call('HEAD', '/index-test')).status, 404, 'nothing was created');
  assert.equal((await call('POST', '/other-index/_doc?require_data_stream=false', { '@timestamp': '2022-12-12' })).status, 201);
  const notStream = await failure('POST', '/other-index/_doc?require_data_stream=true', { '@timestamp': '2022-12-12' });
  assert.equal(notStream.statusCode, 404);
  assert.match(notStream.error.reason, /is not a data stream/);

  const bulk = await call(
    'POST',
    '/_bulk?refresh=true&require_data_stream=true',
    [{ index: { _index: 'new_index_not_created' } }, { f: 1 }, { index: { _index: 'new_index_created', require_data_stream: false } }, { f: 2 }, { index: { _index: 'ds-other', op_type: 'create' } }, { '@timestamp': '2024-01-01' }],
    true,
  );
  assert.equal(bulk.body.errors, true);
  assert.equal(bulk.body.items[0].index.status, 404);
  assert.equal(bulk.body.items[0].index.error.type, 'index_not_found_exception');
  assert.equal(
    bulk.body.items[0].index.error.reason,
    'no such index [new_index_not_created] and the index creation request requires a data stream, but no matching index template with data stream template was found for it',
  );
  assert.equal(bulk.body.items[1].index.result, 'created');
  assert.equal(bulk.body.items[2].index?.result ?? bulk.body.items[2].create?.result, 'created');
});

test('privileges on the data stream name cover its backing indices (security: "Data stream privileges")', async () => {
  await client.security.putRole({ name: 'logs_writer', indices: [{ names: ['logs-sec*'], privileges: ['create_doc', 'auto_configure', 'read', 'view_index_metadata'] }] });
  await client.security.putUser({ username: 'shipper', password: 'shipper-password', roles: ['logs_writer'] });
  const shipper = node.client({ username: 'shipper', password: 'shipper-password' });
  const written = await shipper.index({ index: 'logs-sec', document: { '@timestamp': '2024-01-01', msg: 'hi' }, op_type: 'create', refresh: true });
  assert.match(written._index, BACKING('logs-sec', 1));
  assert.equal((await shipper.search({ index: 'logs-sec' })).hits.hits.length, 1);
  assert.equal((await shipper.count({ index: 'logs-sec*' })).count, 1);
  assert.equal((await shipper.indices.getDataStream({ name: 'logs-sec' })).data_streams.length, 1);
  const others = await shipper.indices.getDataStream({ name: '*' });
  assert.deepEqual(others.data_streams.map((entry) => entry.name), ['logs-sec'], 'a wildcard lists only the streams the caller may see');
  const denied = await shipper.search({ index: 'logs-roll' }, { meta: true, ignore: [403] });
  assert.equal(denied.statusCode, 403);
});

test('data streams survive a restart: the write index, generation and searches stay', async () => {
  const before = await stream('logs-roll');
  node = await node.restart();
  client = node.client();
  const afterRestart = await stream('logs-roll');
  assert.equal(afterRestart.generation, before.generation);
  assert.deepEqual(afterRestart.indices, before.indices);
  const written = await client.index({ index: 'logs-roll', document: { '@timestamp': '2021-01-03T00:00:00Z' }, refresh: true });
  assert.equal(written._index, before.indices[before.indices.length - 1].index_name);
  assert.equal((await client.count({ index: 'logs-roll' })).count, 2);
});
