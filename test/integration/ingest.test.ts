// Ingest pipelines with one real node and the official client: the pipeline APIs, `_simulate`,
// the `pipeline` parameter of index and bulk, `index.default_pipeline` and `index.final_pipeline`,
// failures in bulk items, drops, and `_nodes/stats/ingest`, as Elasticsearch's ingest-common REST
// tests assert (modules/ingest-common/src/yamlRestTest/.../test/ingest: 20_crud.yml,
// 90_simulate.yml, 70_bulk.yml, 60_fail.yml, 220_drop_processor.yml, 200_default_pipeline.yml,
// 240_required_pipeline.yml, 230_change_target_index.yml) and
// https://www.elastic.co/guide/en/elasticsearch/reference/current/ingest.html.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let admin: Client;

interface ErrorBody {
  error: { type: string; reason: string; root_cause: Record<string, unknown>[] } & Record<string, unknown>;
  status: number;
}

async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await rawRequest(node, method, path, {
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    headers: { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' },
  });
  return { status: response.status, body: response.text === '' ? undefined : response.json() };
}

before(async () => {
  node = await startNode({ nodeName: 'ingest-1' });
  admin = node.client();
});

after(async () => {
  await node?.destroy();
});

test('pipeline CRUD: put, get (by id, wildcard, all), delete with wildcard, and the 404s (20_crud.yml)', async () => {
  assert.deepEqual(
    await admin.ingest.putPipeline({ id: 'crud_one', description: '_description', version: 7, _meta: { owner: 'me' }, processors: [{ set: { field: 'field2', value: '_value' } }] }),
    { acknowledged: true },
  );
  await admin.ingest.putPipeline({ id: 'crud_two', description: 'second', processors: [] });
  const one = (await admin.ingest.getPipeline({ id: 'crud_one' })) as Record<string, any>;
  assert.deepEqual(one['crud_one'], { description: '_description', version: 7, _meta: { owner: 'me' }, processors: [{ set: { field: 'field2', value: '_value' } }] });
  const all = (await admin.ingest.getPipeline()) as Record<string, any>;
  assert.equal(all['crud_two'].description, 'second');
  assert.deepEqual(Object.keys((await admin.ingest.getPipeline({ id: 'crud_*' })) as object).sort(), ['crud_one', 'crud_two']);
  assert.deepEqual(await admin.ingest.deletePipeline({ id: 'crud_*' }), { acknowledged: true });
  const missing = await raw('GET', '/_ingest/pipeline/crud_one');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, {});
  const deleteMissing = await raw('DELETE', '/_ingest/pipeline/crud_*');
  assert.equal(deleteMissing.status, 404);
  assert.equal(deleteMissing.body.error.type, 'resource_not_found_exception');
  assert.equal(deleteMissing.body.error.reason, 'pipeline [crud_*] is missing');
});

test('put validates the whole definition: unknown types and missing options are 400 parse_exception with the processor headers', async () => {
  const unknown = await raw('PUT', '/_ingest/pipeline/bad', { processors: [{ nope: {} }] });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.type, 'parse_exception');
  assert.equal(unknown.body.error.reason, 'No processor type exists with name [nope]');
  const missing = (await raw('PUT', '/_ingest/pipeline/bad', { processors: [{ set: { tag: 'fritag' } }] })).body as ErrorBody;
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.error.root_cause[0], { type: 'parse_exception', reason: '[field] required property is missing', processor_type: 'set', processor_tag: 'fritag', property_name: 'field' });
  assert.equal((await raw('GET', '/_ingest/pipeline/bad')).status, 404);
});

test('_simulate: stored and inline pipelines, verbose traces, per-document errors (90_simulate.yml)', async () => {
  await admin.ingest.putPipeline({ id: 'sim_stored', processors: [{ set: { field: 'field2', value: '_value' } }] });
  const stored = (await admin.ingest.simulate({ id: 'sim_stored', docs: [{ _index: 'index', _id: 'id', _source: { foo: 'bar' } }] })) as any;
  assert.deepEqual(stored.docs[0].doc._source, { foo: 'bar', field2: '_value' });
  assert.equal(stored.docs[0].doc._index, 'index');
  assert.equal(stored.docs[0].doc._id, 'id');
  assert.deepEqual(Object.keys(stored.docs[0].doc._ingest), ['timestamp']);
  const errors = (await admin.ingest.simulate({
    pipeline: { processors: [{ uppercase: { field: 'foo' } }] },
    docs: [{ _source: { not_foo: 'bar' } }, { _source: { foo: 'bar' } }],
  })) as any;
  assert.equal(errors.docs[0].error.type, 'illegal_argument_exception');
  assert.equal(errors.docs[1].doc._source.foo, 'BAR');
  const verbose = (await admin.ingest.simulate({
    verbose: true,
    pipeline: { processors: [{ convert: { field: 'foo', type: 'integer' } }, { uppercase: { field: 'bar' } }] },
    docs: [{ _source: { foo: 'bar', bar: 'hello' } }, { _source: { foo: '5', bar: 'hello' } }],
  })) as any;
  assert.equal(verbose.docs[0].processor_results.length, 1);
  assert.equal(verbose.docs[0].processor_results[0].error.type, 'illegal_argument_exception');
  assert.equal(verbose.docs[1].processor_results.length, 2);
  assert.equal(verbose.docs[1].processor_results[0].processor_type, 'convert');
  assert.equal(verbose.docs[1].processor_results[0].status, 'success');
  assert.equal(verbose.docs[1].processor_results[0].doc._source.foo, 5);
  assert.equal(verbose.docs[1].processor_results[1].doc._source.bar, 'HELLO');
  assert.ok(verbose.docs[1].processor_results[1].doc._ingest.pipeline);
  const noPipeline = await raw('POST', '/_ingest/pipeline/_simulate', { docs: [{ _source: {} }] });
  assert.equal(noPipeline.status, 400);
  assert.equal(noPipeline.body.error.reason, '[pipeline] required property is missing');
  assert.equal(noPipeline.body.error.root_cause[0].property_name, 'pipeline');
  const invalid = await raw('POST', '/_ingest/pipeline/_simulate', { pipeline: { processors: [{ set: { field: 'field2' } }] }, docs: [{ _source: {} }] });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error.root_cause[0].reason, '[value] required property is missing');
});

test('index and bulk run the pipeline parameter and per-item pipelines (70_bulk.yml)', async () => {
  await admin.ingest.putPipeline({ id: 'pipeline1', processors: [{ set: { field: 'field1', value: 'value1' } }] });
  await admin.ingest.putPipeline({ id: 'pipeline2', processors: [{ set: { field: 'field2', value: 'value2' } }] });
  const indexed = await admin.index({ index: 'bulk_index', id: 'single', pipeline: 'pipeline1', document: { f1: 'v0' }, refresh: true });
  assert.equal(indexed.result, 'created');
  assert.deepEqual((await admin.get({ index: 'bulk_index', id: 'single' }))._source, { f1: 'v0', field1: 'value1' });
  const bulk = (await admin.bulk({
    pipeline: 'pipeline1',
    refresh: true,
    operations: [{ index: { _index: 'bulk_index', _id: 'test_id1' } }, { f1: 'v1' }, { index: { _index: 'bulk_index', _id: 'test_id2', pipeline: 'pipeline2' } }, { f1: 'v2' }],
  })) as any;
  assert.equal(bulk.errors, false);
  assert.ok(bulk.ingest_took >= 0);
  assert.deepEqual((await admin.get({ index: 'bulk_index', id: 'test_id1' }))._source, { f1: 'v1', field1: 'value1' });
  assert.deepEqual((await admin.get({ index: 'bulk_index', id: 'test_id2' }))._source, { f1: 'v2', field2: 'value2' });
  const unknown = await raw('PUT', '/bulk_index/_doc/x?pipeline=nope', { a: 1 });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.type, 'illegal_argument_exception');
  assert.equal(unknown.body.error.reason, 'pipeline with id [nope] does not exist');
});

test('a failing pipeline fails the request or the bulk item and writes nothing; on_failure recovers (60_fail.yml)', async () => {
  await admin.ingest.putPipeline({ id: 'failing', processors: [{ fail: { message: 'error_message' } }] });
  await admin.ingest.putPipeline({ id: 'renaming', processors: [{ rename: { field: 'missing', target_field: 'x' } }] });
  await admin.ingest.putPipeline({ id: 'recovering', processors: [{ fail: { message: 'error', on_failure: [{ set: { field: 'error_message', value: 'fail_processor_ran' } }] } }] });
  const failed = await raw('PUT', '/fail_index/_doc/1?pipeline=failing', {});
  // Elasticsearch answers 500; a failure caused by the request or its pipeline is a 400 in Strait.
  assert.equal(failed.status, 400);
  assert.equal(failed.body.error.type, 'fail_processor_exception');
  assert.equal(failed.body.error.reason, 'error_message');
  assert.equal((await raw('GET', '/fail_index/_doc/1')).status, 404);
  const bulk = await raw('POST', '/_bulk?refresh=true', [
    JSON.stringify({ index: { _index: 'fail_index', _id: 'b1', pipeline: 'renaming' } }),
    JSON.stringify({ a: 1 }),
    JSON.stringify({ index: { _index: 'fail_index', _id: 'b2' } }),
    JSON.stringify({ a: 2 }),
    JSON.stringify({ create: { _index: 'fail_index', pipeline: 'renaming' } }),
    JSON.stringify({ a: 3 }),
    '',
  ].join('\n'));
  assert.equal(bulk.status, 200);
  assert.equal(bulk.body.errors, true);
  assert.deepEqual(bulk.body.items[0].index, { _index: 'fail_index', _id: 'b1', status: 400, error: { type: 'illegal_argument_exception', reason: "field [missing] doesn't exist" } });
  assert.equal(bulk.body.items[1].index.status, 201);
  assert.equal(bulk.body.items[2].create.error.type, 'illegal_argument_exception');
  assert.equal((await raw('GET', '/fail_index/_doc/b1')).status, 404);
  await admin.index({ index: 'fail_index', id: 'r', pipeline: 'recovering', document: {} });
  assert.deepEqual((await admin.get({ index: 'fail_index', id: 'r' }))._source, { error_message: 'fail_processor_ran' });
});

test('drop: the index API answers noop and writes nothing (220_drop_processor.yml)', async () => {
  await admin.ingest.putPipeline({ id: 'dropping', processors: [{ drop: { if: "ctx.foo == 'bar'" } }] });
  const dropped = await raw('PUT', '/drop_index/_doc/1?pipeline=dropping', { foo: 'bar' });
  assert.equal(dropped.status, 200);
  assert.equal(dropped.body.result, 'noop');
  assert.equal(dropped.body._id, '1');
  await admin.index({ index: 'drop_index', id: '2', pipeline: 'dropping', document: { foo: 'blub' }, refresh: true });
  assert.equal((await raw('GET', '/drop_index/_doc/1')).status, 404);
  assert.deepEqual((await admin.get({ index: 'drop_index', id: '2' }))._source, { foo: 'blub' });
  const bulk = (await admin.bulk({ operations: [{ index: { _index: 'drop_index', pipeline: 'dropping' } }, { foo: 'bar' }] })) as any;
  assert.equal(bulk.errors, false);
  assert.equal(bulk.items[0].index.result, 'noop');
  assert.equal(bulk.items[0].index.status, 200);
});

test('index.default_pipeline and index.final_pipeline; _none turns the default off; a changed _index reroutes (200_default_pipeline.yml, 240_required_pipeline.yml)', async () => {
  await admin.ingest.putPipeline({ id: 'default_p', processors: [{ set: { field: 'default', value: true } }] });
  await admin.ingest.putPipeline({ id: 'final_p', processors: [{ set: { field: 'final', value: true } }] });
  await admin.ingest.putPipeline({ id: 'final_2', processors: [{ set: { field: 'final_2', value: true } }] });
  await admin.ingest.putPipeline({ id: 'to_other', processors: [{ set: { field: '_index', value: 'pipelines_other' } }] });
  await admin.indices.create({ index: 'pipelines_main', settings: { index: { default_pipeline: 'default_p', final_pipeline: 'final_p' } }, aliases: { pipelines_alias: {} } });
  await admin.indices.create({ index: 'pipelines_other', settings: { index: { final_pipeline: 'final_2' } } });
  await admin.index({ index: 'pipelines_main', id: '1', document: { a: 1 } });
  assert.deepEqual((await admin.get({ index: 'pipelines_main', id: '1' }))._source, { a: 1, default: true, final: true });
  await admin.index({ index: 'pipelines_alias', id: '2', document: { a: 2 } });
  assert.deepEqual((await admin.get({ index: 'pipelines_main', id: '2' }))._source, { a: 2, default: true, final: true });
  await admin.index({ index: 'pipelines_main', id: '3', pipeline: '_none', document: { a: 3 } });
  assert.deepEqual((await admin.get({ index: 'pipelines_main', id: '3' }))._source, { a: 3, final: true });
  // The request's pipeline changes _index: the document lands in the other index, through its final pipeline only.
  await admin.index({ index: 'pipelines_main', id: '4', pipeline: 'to_other', document: { a: 4 } });
  assert.equal((await raw('GET', '/pipelines_main/_doc/4')).status, 404);
  assert.deepEqual((await admin.get({ index: 'pipelines_other', id: '4' }))._source, { a: 4, final_2: true });
  // A final pipeline may not change the target index.
  await admin.indices.putSettings({ index: 'pipelines_other', settings: { index: { final_pipeline: 'to_other' } } });
  await admin.indices.putSettings({ index: 'pipelines_main', settings: { index: { final_pipeline: 'to_other' } } });
  const refused = await raw('PUT', '/pipelines_main/_doc/5', { a: 5 });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.type, 'illegal_state_exception');
  assert.equal(refused.body.error.reason, "final pipeline [to_other] can't change the target index");
  // A pipeline an index uses cannot be deleted.
  const inUse = await raw('DELETE', '/_ingest/pipeline/default_p');
  assert.equal(inUse.status, 400);
  assert.match(inUse.body.error.reason, /^pipeline \[default_p\] cannot be deleted because it is the default pipeline for 1 index\(es\) including \[pipelines_main\]/);
  // Bulk items get the default pipeline too.
  await admin.indices.putSettings({ index: 'pipelines_main', settings: { index: { final_pipeline: '_none' } } });
  const bulk = (await admin.bulk({ refresh: true, operations: [{ index: { _index: 'pipelines_main', _id: '6' } }, { a: 6 }] })) as any;
  assert.equal(bulk.errors, false);
  assert.deepEqual((await admin.get({ index: 'pipelines_main', id: '6' }))._source, { a: 6, default: true });
});

test('GET /_nodes/stats/ingest counts documents per pipeline and processor (70_bulk.yml, 300_stats.yml)', async () => {
  await admin.ingest.putPipeline({ id: 'counted', processors: [{ set: { tag: 'a', field: 'x', value: 1 } }, { rename: { field: 'nope', target_field: 'y' } }] });
  const before = (await admin.nodes.stats({ metric: 'ingest' })) as any;
  const nodeId = Object.keys(before.nodes)[0]!;
  assert.deepEqual(before.nodes[nodeId].ingest.pipelines.counted, {
    count: 0,
    time_in_millis: 0,
    current: 0,
    failed: 0,
    processors: [{ 'set:a': { type: 'set', stats: { count: 0, time_in_millis: 0, current: 0, failed: 0 } } }, { rename: { type: 'rename', stats: { count: 0, time_in_millis: 0, current: 0, failed: 0 } } }],
  });
  await admin.bulk({ pipeline: 'counted', operations: [{ index: { _index: 'stats_index' } }, { nope: 1 }, { index: { _index: 'stats_index' } }, { a: 1 }] });
  const afterStats = (await admin.nodes.stats({ metric: 'ingest' })) as any;
  const ingest = afterStats.nodes[nodeId].ingest;
  assert.equal(ingest.pipelines.counted.count, 2);
  assert.equal(ingest.pipelines.counted.failed, 1);
  assert.equal(ingest.pipelines.counted.current, 0);
  assert.equal(ingest.pipelines.counted.processors[0]['set:a'].stats.count, 2);
  assert.equal(ingest.pipelines.counted.processors[1].rename.stats.failed, 1);
  assert.ok(ingest.total.count >= 2);
  assert.ok(ingest.total.failed >= 1);
  assert.equal(ingest.total.current, 0);
});

test('GET /_ingest/processor/grok lists the pattern bank', async () => {
  const response = (await admin.ingest.processorGrok()) as any;
  assert.equal(typeof response.patterns.IP, 'string');
  assert.equal(typeof response.patterns.COMBINEDAPACHELOG, 'string');
  const sorted = await raw('GET', '/_ingest/processor/grok?s=true');
  const names = Object.keys(sorted.body.patterns);
  assert.deepEqual(names, [...names].sort());
});

test('an update runs the default and final pipelines on its upsert document (240_required_pipeline.yml "final pipeline via upsert")', async () => {
  await admin.ingest.putPipeline({ id: 'upsert_final', processors: [{ set: { field: 'final', value: true } }] });
  await admin.indices.create({ index: 'upsert_index', settings: { index: { final_pipeline: 'upsert_final' } } });
  await admin.update({ index: 'upsert_index', id: '1', doc: { a: 1 }, upsert: { a: 0 } });
  assert.deepEqual((await admin.get({ index: 'upsert_index', id: '1' }))._source, { a: 0, final: true });
  await admin.update({ index: 'upsert_index', id: '2', doc: { a: 2 }, doc_as_upsert: true });
  assert.deepEqual((await admin.get({ index: 'upsert_index', id: '2' }))._source, { a: 2, final: true });
  const bulk = (await admin.bulk({ refresh: true, operations: [{ update: { _index: 'upsert_index', _id: '3' } }, { doc: { a: 3 }, doc_as_upsert: true }] })) as any;
  assert.equal(bulk.errors, false);
  assert.deepEqual((await admin.get({ index: 'upsert_index', id: '3' }))._source, { a: 3, final: true });
});

test('a shipper bulks into a data stream whose template names a default pipeline, then searches it', async () => {
  await admin.ingest.putPipeline({
    id: 'logs_parse',
    processors: [
      { grok: { field: 'message', patterns: ['%{IP:client} %{WORD:method} %{URIPATHPARAM:path} %{NUMBER:status:int}'] } },
      { date: { field: 'time', formats: ['UNIX_MS'] } },
      { remove: { field: 'time' } },
    ],
  });
  await admin.indices.putIndexTemplate({ name: 'shipper_logs', index_patterns: ['shipper-logs-*'], data_stream: {}, template: { settings: { index: { default_pipeline: 'logs_parse' } } } });
  const bulk = (await admin.bulk({
    refresh: true,
    operations: [
      { create: { _index: 'shipper-logs-app' } },
      { message: '10.0.0.1 GET /index.html?x=1 200', time: 1715941230400 },
      { create: { _index: 'shipper-logs-app' } },
      { message: '10.0.0.2 POST /login 401', time: 1715941231400 },
    ],
  })) as any;
  assert.equal(bulk.errors, false, JSON.stringify(bulk.items));
  const found = await admin.search({ index: 'shipper-logs-app', query: { match: { method: 'POST' } } });
  assert.equal(found.hits.hits.length, 1);
  assert.deepEqual(found.hits.hits[0]!._source, { message: '10.0.0.2 POST /login 401', client: '10.0.0.2', method: 'POST', path: '/login', status: 401, '@timestamp': '2024-05-17T10:20:31.400Z' });
});

test('date_index_name sends the document to the index its date names (100_date_index_name_processor.yml)', async () => {
  await admin.ingest.putPipeline({ id: 'monthly', processors: [{ date_index_name: { field: 'date', index_name_prefix: 'events-', date_rounding: 'M', date_formats: ['UNIX'] } }] });
  const indexed = await admin.index({ index: 'events', id: '1', pipeline: 'monthly', document: { date: '1461587040' } });
  assert.equal(indexed._index, 'events-2016-04-01');
  assert.deepEqual((await admin.get({ index: 'events-2016-04-01', id: '1' }))._source, { date: '1461587040' });
});

test('default pipeline through an alias and a scripted upsert; an empty pipeline name is a validation error (200_default_pipeline.yml)', async () => {
  await admin.ingest.putPipeline({ id: 'bytes_p', processors: [{ bytes: { field: 'bytes_source_field', target_field: 'bytes_target_field' } }] });
  await admin.indices.create({ index: 'bytes_index', settings: { index: { default_pipeline: 'bytes_p' } }, aliases: { bytes_alias: {} } });
  await admin.index({ index: 'bytes_alias', id: '2', document: { bytes_source_field: '1kb' } });
  assert.equal(((await admin.get({ index: 'bytes_index', id: '2' }))._source as any).bytes_target_field, 1024);
  await admin.update({ index: 'bytes_index', id: '4', script: { source: "ctx._source.bytes_source_field = '1kb'", lang: 'painless' }, upsert: {}, scripted_upsert: true });
  const scripted = (await admin.get({ index: 'bytes_index', id: '4' }))._source as any;
  assert.equal(scripted.bytes_source_field, '1kb');
  const empty = await raw('PUT', '/bytes_index/_doc/10?pipeline=', { bytes_source_field: '1kb' });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.type, 'action_request_validation_exception');
  assert.equal(empty.body.error.reason, 'Validation Failed: 1: pipeline cannot be an empty string;');
});

test('GET /_nodes lists the ingest processor types this node runs (10_basic.yml)', async () => {
  const info = (await admin.nodes.info()) as any;
  const types = (Object.values(info.nodes)[0] as any).ingest.processors.map((processor: { type: string }) => processor.type);
  for (const type of ['append', 'bytes', 'convert', 'date', 'date_index_name', 'dissect', 'dot_expander', 'fail', 'foreach', 'grok', 'gsub', 'join', 'json', 'kv', 'lowercase', 'remove', 'rename', 'script', 'set', 'sort', 'split', 'trim', 'uppercase']) {
    assert.ok(types.includes(type), type);
  }
  assert.ok(types.includes('user_agent'));
});

test('user_agent parses on index: Chrome on Mac OS X with defaults, and target_field with properties (ingest-useragent 20_useragent_processor.yml)', async () => {
  const chrome = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/33.0.1750.149 Safari/537.36';
  await admin.ingest.putPipeline({ id: 'ua_defaults', description: '_description', processors: [{ user_agent: { field: 'field1' } }] });
  await admin.index({ index: 'ua_test', id: '1', pipeline: 'ua_defaults', document: { field1: chrome } });
  const parsed = (await admin.get({ index: 'ua_test', id: '1' }))._source as any;
  assert.equal(parsed.field1, chrome);
  assert.equal(parsed.user_agent.name, 'Chrome');
  assert.equal(parsed.user_agent.original, chrome);
  assert.deepEqual(parsed.user_agent.os, { name: 'Mac OS X', version: '10.9.2', full: 'Mac OS X 10.9.2' });
  assert.equal(parsed.user_agent.version, '33.0.1750.149');
  await admin.ingest.putPipeline({ id: 'ua_params', processors: [{ user_agent: { field: 'field1', target_field: 'field2', properties: ['os'] } }] });
  await admin.index({ index: 'ua_test', id: '2', pipeline: 'ua_params', document: { field1: chrome } });
  const subset = (await admin.get({ index: 'ua_test', id: '2' }))._source as any;
  assert.equal(subset.field2.os.full, 'Mac OS X 10.9.2');
  assert.equal(subset.user_agent, undefined);
  assert.equal(subset.field2.name, undefined);
  assert.equal(subset.field2.device, undefined);
  assert.equal(subset.field2.original, undefined);
  const refused = await raw('PUT', '/_ingest/pipeline/ua_bad', { processors: [{ user_agent: { field: 'f', regex_file: 'custom.yml' } }] });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.type, 'parse_exception');
  assert.equal(refused.body.error.reason, "[regex_file] regex file [custom.yml] doesn't exist (has to exist at node startup)");
  assert.equal((await raw('GET', '/_ingest/pipeline/ua_bad')).status, 404);
});

test('a pipeline larger than the size limit is refused and not stored (25_pipeline_limits.yml; limits.ingestPipelineBytesMax)', async () => {
  const big = await raw('PUT', '/_ingest/pipeline/too_big', { description: 'x'.repeat(1024 * 1024 + 1), processors: [] });
  assert.equal(big.status, 400);
  assert.equal(big.body.error.type, 'illegal_argument_exception');
  assert.match(big.body.error.reason, /max_pipeline_size/);
  assert.equal((await raw('GET', '/_ingest/pipeline/too_big')).status, 404);
});

test('list_executed_pipelines lists the pipelines that ran, on index and in bulk items', async () => {
  await admin.ingest.putPipeline({ id: 'listed_default', processors: [{ set: { field: 'd', value: 1 } }] });
  await admin.ingest.putPipeline({ id: 'listed_final', processors: [{ set: { field: 'f', value: 1 } }] });
  await admin.indices.create({ index: 'listed_index', settings: { index: { default_pipeline: 'listed_default', final_pipeline: 'listed_final' } } });
  const single = await raw('PUT', '/listed_index/_doc/1?list_executed_pipelines=true', { a: 1 });
  assert.deepEqual(single.body.executed_pipelines, ['listed_default', 'listed_final']);
  const bulk = await raw('POST', '/_bulk', [
    JSON.stringify({ delete: { _index: 'listed_index', _id: 'none' } }),
    JSON.stringify({ index: { _index: 'listed_index', _id: '2', list_executed_pipelines: true } }),
    JSON.stringify({ a: 2 }),
    JSON.stringify({ index: { _index: 'listed_index', _id: '3' } }),
    JSON.stringify({ a: 3 }),
    '',
  ].join('\n'));
  assert.deepEqual(bulk.body.items[1].index.executed_pipelines, ['listed_default', 'listed_final']);
  assert.equal(bulk.body.items[2].index.executed_pipelines, undefined);
});

test('terminate ends the default pipeline, and the final pipeline still runs (330_terminate_processor.yml)', async () => {
  await admin.ingest.putPipeline({ id: 'terminating', processors: [{ append: { field: 'steps', value: 'before' } }, { terminate: { if: 'ctx.number < 50' } }, { append: { field: 'steps', value: 'after' } }] });
  await admin.ingest.putPipeline({ id: 'terminating_final', processors: [{ append: { field: 'steps', value: 'final' } }] });
  await admin.indices.create({ index: 'terminate_index', settings: { index: { default_pipeline: 'terminating', final_pipeline: 'terminating_final' } } });
  await admin.bulk({ refresh: true, operations: [{ index: { _index: 'terminate_index', _id: '40' } }, { number: 40, steps: [] }, { index: { _index: 'terminate_index', _id: '60' } }, { number: 60, steps: [] }] });
  assert.deepEqual(((await admin.get({ index: 'terminate_index', id: '40' }))._source as any).steps, ['before', 'final']);
  assert.deepEqual(((await admin.get({ index: 'terminate_index', id: '60' }))._source as any).steps, ['before', 'after', 'final']);
});

test('date_index_name into an index whose template names a final pipeline: that final pipeline runs', async () => {
  await admin.ingest.putPipeline({ id: 'monthly_final', processors: [{ set: { field: 'final', value: true } }] });
  await admin.indices.putIndexTemplate({ name: 'monthly_events', index_patterns: ['monthly-events-*'], template: { settings: { index: { final_pipeline: 'monthly_final' } } } });
  await admin.ingest.putPipeline({ id: 'to_monthly', processors: [{ date_index_name: { field: 'date', index_name_prefix: 'monthly-events-', date_rounding: 'M', date_formats: ['UNIX'] } }] });
  const indexed = await admin.index({ index: 'incoming', id: '1', pipeline: 'to_monthly', document: { date: '1461587040' } });
  assert.equal(indexed._index, 'monthly-events-2016-04-01');
  assert.deepEqual((await admin.get({ index: 'monthly-events-2016-04-01', id: '1' }))._source, { date: '1461587040', final: true });
});
