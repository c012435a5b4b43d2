// Bad input against the APIs that landed with issues #14 and #15: index and component templates,
// data streams, ingest pipelines, stored and inline scripts, reindex and tasks, the newer queries,
// request features and aggregations. The project's rule (README, "Errors"): malformed input gets
// Elasticsearch's error shape `{error:{root_cause,type,reason},status}` and a 4xx status (a 5xx
// caused by input is a bug), changes nothing, and the node keeps serving. Elasticsearch answers
// these with 400 (parse, x_content_parse, illegal_argument, script_exception, search_phase_execution)
// or 404 (resource_not_found); see its rest-api-spec YAML tests named beside each group.
// Raw HTTP throughout so the bytes sent are exactly the bytes in the table.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;

/** One bad request: the body is sent as is when it is a string or Buffer, as JSON otherwise. */
interface Case {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
  /**
   * 'failures': a bulk-by-scroll answer whose items failed. Elasticsearch answers those with the
   * worst item status and the task's body (`failures: [...]`, no `error`), not an error object.
   */
  readonly shape?: 'failures';
}

const REQUEST_TIMEOUT_MS = 15_000;

async function send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const raw = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
  });
  try {
    const response = await Promise.race([
      rawRequest(node, method, path, raw === undefined ? {} : { body: raw, headers: { 'content-type': contentType } }),
      timeout,
    ]);
    return { status: response.status, text: response.text };
  } finally {
    clearTimeout(timer);
  }
}

async function ok(method: string, path: string, body?: unknown, contentType?: string): Promise<any> {
  const response = await send(method, path, body, contentType);
  assert.ok(response.status >= 200 && response.status < 300, `${method} ${path} answered ${response.status}: ${response.text}`);
  return response.text === '' ? undefined : JSON.parse(response.text);
}

/** Why a response is not a well-formed 4xx error, or undefined when it is. */
function problem(status: number, text: string, shape?: 'failures'): string | undefined {
  if (status < 400 || status > 499) return `status ${status}: ${text.slice(0, 400)}`;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${status} with a body that is not JSON: ${text.slice(0, 200)}`;
  }
  if (shape === 'failures') {
    const failures = body?.failures;
    if (!Array.isArray(failures) || failures.length === 0) return `no failures: ${text.slice(0, 300)}`;
    if ((body.created ?? 0) !== 0 || body.updated !== 0 || body.deleted !== 0) return `wrote despite the failures: ${text.slice(0, 300)}`;
    for (const failure of failures) if (typeof failure?.cause?.type !== 'string' || failure.status !== status) return `failure without cause or status: ${JSON.stringify(failure)}`;
    return undefined;
  }
  if (body?.status !== status) return `body status ${String(body?.status)} is not the HTTP status ${status}: ${text.slice(0, 300)}`;
  const error = body.error;
  if (typeof error !== 'object' || error === null) return `no error object: ${text.slice(0, 300)}`;
  if (typeof error.type !== 'string' || typeof error.reason !== 'string') return `error without type/reason: ${text.slice(0, 300)}`;
  if (!Array.isArray(error.root_cause) || error.root_cause.length === 0) return `error without root_cause: ${text.slice(0, 300)}`;
  for (const cause of error.root_cause) {
    if (typeof cause?.type !== 'string' || typeof cause?.reason !== 'string') return `root_cause without type/reason: ${text.slice(0, 300)}`;
  }
  return undefined;
}

/** Sends every case and fails once, listing every case that was not a well-formed 4xx. */
async function sweep(cases: readonly Case[]): Promise<void> {
  const failures: string[] = [];
  for (const one of cases) {
    const label = `${one.method} ${one.path} ${one.body === undefined ? '' : Buffer.isBuffer(one.body) ? `<${one.body.length} bytes>` : (typeof one.body === 'string' ? one.body : JSON.stringify(one.body)).slice(0, 160)}`;
    try {
      const response = await send(one.method, one.path, one.body, one.contentType);
      const why = problem(response.status, response.text, one.shape);
      if (why !== undefined) failures.push(`${label}\n    -> ${why}`);
    } catch (error) {
      failures.push(`${label}\n    -> ${(error as Error).message}`);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} bad requests were not a 4xx error:\n${failures.join('\n')}`);
}

/** Body variants every JSON endpoint must refuse: malformed, not an object, invalid UTF-8, deeply nested. */
function malformedBodies(): unknown[] {
  return [
    '{',
    '{"a":}',
    '[]',
    '"text"',
    '42',
    'null',
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), // {"<invalid UTF-8>":1}
    '['.repeat(5000) + ']'.repeat(5000),
    '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
  ];
}

function each(method: string, path: string, bodies: readonly unknown[]): Case[] {
  return bodies.map((body) => ({ method, path, body }));
}

// Everything written before the sweep, read back after it.
const DOCS: Record<string, Record<string, unknown>> = {
  '1': { title: 'quick brown fox', tag: 'a', n: 1, price: 10.5, when: '2024-01-01T00:00:00Z', loc: 'x' },
  '2': { title: 'lazy dog', tag: 'b', n: 2, price: 20, when: '2024-01-02T00:00:00Z', loc: 'y' },
  '3': { title: 'brown dog jumps', tag: 'a', n: 3, price: 30.25, when: '2024-01-03T00:00:00Z', loc: 'x' },
  '4': { title: 'old cat', tag: 'c', n: 4, price: 1, when: '1970-01-01T00:00:00Z', loc: 'z' }, // 54 years before the others
};
const PIPELINE = { description: 'sets a field', processors: [{ set: { field: 'seen', value: true } }] };
const SCRIPT = { script: { lang: 'painless', source: "doc['n'].value * params.factor" } };
const COMPONENT = { template: { settings: { number_of_shards: 1 } } };
const INDEX_TEMPLATE = { index_patterns: ['bi-logs-*'], data_stream: {}, composed_of: ['bi-comp'], priority: 100, template: { mappings: { properties: { '@timestamp': { type: 'date' } } } } };
const LEGACY = { index_patterns: ['bi-legacy-*'], order: 1, settings: { number_of_shards: 1 } };

interface Snapshot {
  readonly docs: Record<string, { version: number; source: unknown }>;
  readonly count: number;
  readonly indices: string[];
  readonly pipelines: unknown;
  readonly script: unknown;
  readonly indexTemplates: unknown;
  readonly componentTemplates: unknown;
  readonly legacyTemplates: unknown;
  readonly dataStream: unknown;
  readonly dataStreamCount: number;
}

async function snapshot(): Promise<Snapshot> {
  const docs: Snapshot['docs'] = {};
  for (const id of Object.keys(DOCS)) {
    const got = await ok('GET', `/bi-data/_doc/${id}`);
    docs[id] = { version: got._version, source: got._source };
  }
  const count = (await ok('GET', '/bi-data/_count')).count;
  const cat = (await ok('GET', '/_cat/indices?format=json&expand_wildcards=all&h=index')) as { index: string }[];
  const indices = cat.map((row) => row.index).sort();
  const stream = await ok('GET', '/_data_stream/bi-logs-one');
  const names = (list: { name: string }[]) => list.map((item) => item.name).sort();
  return {
    docs,
    count,
    indices,
    pipelines: await ok('GET', '/_ingest/pipeline'),
    script: await ok('GET', '/_scripts/bi-script'),
    indexTemplates: names((await ok('GET', '/_index_template')).index_templates),
    componentTemplates: names((await ok('GET', '/_component_template')).component_templates),
    legacyTemplates: Object.keys(await ok('GET', '/_template')).sort(),
    dataStream: stream.data_streams.map((ds: any) => ({ name: ds.name, generation: ds.generation, indices: ds.indices.map((i: any) => i.index_name) })),
    dataStreamCount: (await ok('GET', '/bi-logs-one/_count')).count,
  };
}

let before_: Snapshot;

before(async () => {
  node = await startNode({ nodeName: 'bad-input-1', security: false });
  await ok('PUT', '/bi-data', {
    mappings: {
      properties: {
        title: { type: 'text' },
        tag: { type: 'keyword' },
        n: { type: 'long' },
        price: { type: 'double' },
        when: { type: 'date' },
        loc: { type: 'keyword' },
      },
    },
  });
  for (const [id, doc] of Object.entries(DOCS)) await ok('PUT', `/bi-data/_doc/${id}`, doc);
  await ok('POST', '/bi-data/_refresh');
  await ok('PUT', '/_ingest/pipeline/bi-pipe', PIPELINE);
  await ok('PUT', '/_scripts/bi-script', SCRIPT);
  await ok('PUT', '/_component_template/bi-comp', COMPONENT);
  await ok('PUT', '/_index_template/bi-tmpl', INDEX_TEMPLATE);
  await ok('PUT', '/_template/bi-legacy', LEGACY);
  await ok('POST', '/bi-logs-one/_doc?refresh=true', { '@timestamp': '2024-01-01T00:00:00Z', message: 'm' });
  before_ = await snapshot();
});

after(async () => {
  await node?.destroy();
});

const search = (body: unknown, path = '/bi-data/_search'): Case => ({ method: 'POST', path, body });
/** Painless that builds a map nested 100,000 deep in `m` (each statement is cheap; the depth is not). */
const DEEP_MAP = 'def m = [:]; def cur = m; for (int i = 0; i < 100000; i++) { def next = [:]; cur.x = next; cur = next; }';
const query = (q: unknown): Case => search({ query: q });
const aggs = (a: unknown): Case => search({ size: 0, aggs: a });

test('index templates, component templates, legacy templates and simulate refuse bad input', async () => {
  const cases: Case[] = [
    ...each('PUT', '/_index_template/bi-bad', malformedBodies()),
    ...each('PUT', '/_component_template/bi-bad', malformedBodies()),
    ...each('PUT', '/_template/bi-bad', malformedBodies()),
    ...each('POST', '/_index_template/_simulate_index/bi-logs-x', malformedBodies()),
    ...each('POST', '/_index_template/_simulate', malformedBodies()),
    ...each('PUT', '/_index_template/bi-bad', [
      '',
      {},
      { index_patterns: 'bi-x-*', unknown_field: 1 },
      { index_patterns: 42 },
      { index_patterns: [42] },
      { index_patterns: null },
      { index_patterns: {} },
      { index_patterns: [] },
      { index_patterns: ['bi-x-*'], priority: -1 },
      { index_patterns: ['bi-x-*'], priority: 'high' },
      { index_patterns: ['bi-x-*'], priority: 1e300 },
      { index_patterns: ['bi-x-*'], priority: 'NaN' },
      { index_patterns: ['bi-x-*'], version: 'v1' },
      { index_patterns: ['bi-x-*'], composed_of: 'bi-comp' },
      { index_patterns: ['bi-x-*'], composed_of: [{}] },
      { index_patterns: ['bi-x-*'], composed_of: ['missing-component'] },
      { index_patterns: ['bi-x-*'], template: [] },
      { index_patterns: ['bi-x-*'], template: { settings: { number_of_shards: -1 } } },
      { index_patterns: ['bi-x-*'], template: { settings: { number_of_shards: 'many' } } },
      { index_patterns: ['bi-x-*'], template: { settings: { number_of_shards: 1e20 } } },
      { index_patterns: ['bi-x-*'], template: { mappings: { properties: { f: { type: 'no_such_type' } } } } },
      { index_patterns: ['bi-x-*'], template: { mappings: { properties: { f: 'keyword' } } } },
      { index_patterns: ['bi-x-*'], template: { mappings: [] } },
      { index_patterns: ['bi-x-*'], template: { aliases: [] } },
      { index_patterns: ['bi-x-*'], data_stream: [] },
      { index_patterns: ['bi-x-*'], data_stream: { hidden: 'maybe' } },
      { index_patterns: ['bi-x-*'], _meta: 'meta' },
      { index_patterns: ['bi x *'] },
      { index_patterns: ['bi-logs-*'], priority: 100 }, // same patterns and priority as bi-tmpl
      { index_patterns: ['bi-x-*'], template: { settings: { 'index.no_such_setting': 1 } } },
    ]),
    { method: 'PUT', path: '/_index_template/bi-bad?create=maybe', body: { index_patterns: ['bi-x-*'] } },
    { method: 'PUT', path: '/_index_template/bi-tmpl?create=true', body: { index_patterns: ['bi-y-*'] } },
    { method: 'PUT', path: '/_index_template/BAD', body: { index_patterns: ['bi-x-*'] } },
    { method: 'PUT', path: '/_index_template/_bad', body: { index_patterns: ['bi-x-*'] } },
    { method: 'PUT', path: '/_index_template/a%23b', body: { index_patterns: ['bi-x-*'] } },
    { method: 'POST', path: '/_index_template/_simulate/Upper', body: { index_patterns: ['bi-x-*'] } },
    { method: 'PUT', path: '/_index_template/bad%20name', body: { index_patterns: ['bi-x-*'] } },
    ...each('PUT', '/_component_template/bi-bad', [
      '',
      {},
      { template: 'x' },
      { template: {}, unknown: 1 },
      { template: { settings: { number_of_replicas: -5 } } },
      { template: { mappings: { properties: { f: { type: 'bogus' } } } } },
      { template: {}, version: -1.5 },
      { template: {}, version: 'one' },
    ]),
    { method: 'DELETE', path: '/_component_template/bi-comp' }, // in use by bi-tmpl
    { method: 'DELETE', path: '/_component_template/no-such-component' },
    { method: 'DELETE', path: '/_index_template/no-such-template' },
    { method: 'GET', path: '/_index_template/no-such-template' },
    { method: 'GET', path: '/_component_template/no-such-template' },
    ...each('PUT', '/_template/bi-bad', [
      '',
      {},
      { index_patterns: ['bi-z-*'], order: 'first' },
      { index_patterns: ['bi-z-*'], order: 1e300 },
      { index_patterns: ['bi-z-*'], mappings: { properties: { f: { type: 'bogus' } } } },
      { index_patterns: ['bi-z-*'], settings: { number_of_shards: 0 } },
      { index_patterns: [null] },
      { index_patterns: ['bi-z-*'], unknown: true },
    ]),
    { method: 'PUT', path: '/_template/bi-bad?order=-x', body: { index_patterns: ['bi-z-*'] } },
    { method: 'DELETE', path: '/_template/no-such-template' },
    ...each('POST', '/_index_template/_simulate_index/bi-logs-x', [
      { index_patterns: 5 },
      { index_patterns: ['bi-logs-*'], composed_of: ['missing-component'] },
      { index_patterns: ['bi-logs-*'], template: { mappings: { properties: { f: { type: 'bogus' } } } } },
    ]),
    { method: 'POST', path: '/_index_template/_simulate/no-such-template' },
    ...each('POST', '/_index_template/_simulate', [
      {},
      { index_patterns: [] },
      { index_patterns: ['bi-s-*'], priority: -3 },
      { index_patterns: ['bi-s-*'], composed_of: ['missing-component'] },
      { index_patterns: ['bi-s-*'], template: { settings: { number_of_shards: 'x' } } },
    ]),
    { method: 'POST', path: '/_index_template/_simulate/bi-tmpl?include_defaults=perhaps' },
    { method: 'GET', path: '/_cat/templates?s=no_such_column' },
    { method: 'GET', path: '/_cat/templates?v=sometimes' },
    { method: 'GET', path: '/_cat/templates?no_such_param=1' },
  ];
  await sweep(cases);
});

test('composable template names are validated as Elasticsearch validates them (MetadataIndexTemplateService.validate)', async () => {
  for (const [name, reason] of [
    ['BAD', 'name must be lower cased'],
    ['_bad', "name must not start with '_'"],
    ['a%23b', "name must not contain a '#'"],
  ]) {
    const response = await send('PUT', `/_index_template/${name}`, { index_patterns: ['bi-n-*'] });
    assert.equal(response.status, 400, response.text);
    const body = JSON.parse(response.text);
    assert.equal(body.error.type, 'invalid_index_template_exception');
    assert.ok(body.error.reason.includes(reason), body.error.reason);
  }
});

test('stored_fields: _none_ with a requested _source or fields is refused as SearchSourceBuilder#validate refuses it', async () => {
  for (const [body, path, reason] of [
    [{ stored_fields: '_none_', _source: true }, '/bi-data/_search', '[stored_fields] cannot be disabled if [_source] is requested'],
    [{}, '/bi-data/_search?stored_fields=_none_&_source=true', '[stored_fields] cannot be disabled if [_source] is requested'],
    [{ stored_fields: '_none_', fields: ['tag'] }, '/bi-data/_search', '[stored_fields] cannot be disabled when using the [fields] option'],
  ] as const) {
    const response = await send('POST', path, body);
    assert.equal(response.status, 400, response.text);
    const error = JSON.parse(response.text).error;
    assert.equal(error.type, 'action_request_validation_exception');
    assert.ok(error.reason.includes(reason), error.reason);
  }
  // _none_ alone, or with _source: false, docvalue_fields or script_fields, still answers
  for (const body of [{ stored_fields: '_none_' }, { stored_fields: '_none_', _source: false }, { stored_fields: '_none_', docvalue_fields: ['tag'] }]) {
    const answer = await ok('POST', '/bi-data/_search', body);
    assert.equal(answer.hits.hits.length, Object.keys(DOCS).length);
    assert.equal(answer.hits.hits[0]._source, undefined);
  }
});

test('data streams and rollover refuse bad input', async () => {
  await sweep([
    { method: 'PUT', path: '/_data_stream/no-template-matches' },
    { method: 'PUT', path: '/_data_stream/bi-legacy-x' }, // a legacy template cannot make a data stream
    { method: 'PUT', path: '/_data_stream/BI-LOGS-UPPER' },
    { method: 'PUT', path: '/_data_stream/_bi-logs' },
    { method: 'PUT', path: '/_data_stream/bi-logs-one' }, // exists
    { method: 'PUT', path: `/_data_stream/bi-logs-${'x'.repeat(300)}` },
    { method: 'PUT', path: '/_data_stream/bi-logs-*' },
    { method: 'PUT', path: '/_data_stream/bi-logs-a%2Cb' },
    { method: 'GET', path: '/_data_stream/no-such-stream' },
    { method: 'DELETE', path: '/_data_stream/no-such-stream' },
    { method: 'GET', path: '/_data_stream/bi-logs-one?expand_wildcards=sideways' },
    { method: 'DELETE', path: `/${'.ds-bi-logs-one-'}*` },
    ...each('POST', '/bi-logs-one/_rollover', malformedBodies()),
    ...each('POST', '/bi-logs-one/_rollover', [
      { conditions: [] },
      { conditions: { max_docs: 'many' } },
      { conditions: { max_docs: -1 } },
      { conditions: { max_age: 'forever' } },
      { conditions: { max_size: 'huge' } },
      { conditions: { max_primary_shard_size: -3 } },
      { conditions: { no_such_condition: 1 } },
      { conditions: { max_docs: 1e400 } },
      { conditions: { max_docs: null } },
      { settings: { number_of_shards: 2 } }, // a data stream rollover takes no settings
      { mappings: { properties: { f: { type: 'keyword' } } } },
      { aliases: { a: {} } },
      { unknown: 1 },
    ]),
    { method: 'POST', path: '/bi-logs-one/_rollover?dry_run=perhaps' },
    { method: 'POST', path: '/bi-logs-one/_rollover/named-target' },
    { method: 'POST', path: '/no-such-stream/_rollover' },
    { method: 'POST', path: '/bi-logs-one/_rollover?wait_for_active_shards=-2' }, // it rolled the stream over
    { method: 'POST', path: '/bi-logs-one/_rollover?wait_for_active_shards=several' },
    // writes into a data stream that break its rules
    { method: 'PUT', path: '/bi-logs-one/_doc/1', body: { '@timestamp': '2024-01-01T00:00:00Z' } },
    { method: 'POST', path: '/bi-logs-one/_doc', body: { message: 'no timestamp' } },
    { method: 'POST', path: '/bi-logs-one/_doc', body: { '@timestamp': 'not a date' } },
    { method: 'POST', path: '/bi-logs-one/_doc', body: { '@timestamp': null } },
    { method: 'POST', path: '/bi-logs-one/_doc', body: { '@timestamp': ['2024-01-01', '2024-01-02'] } },
    { method: 'POST', path: '/bi-logs-one/_doc?op_type=index', body: { '@timestamp': '2024-01-01T00:00:00Z' } },
    { method: 'POST', path: '/bi-logs-one/_close' },
  ]);
});

test('ingest pipelines, simulate and the pipeline parameter refuse bad input', async () => {
  await sweep([
    ...each('PUT', '/_ingest/pipeline/bi-bad', malformedBodies()),
    ...each('POST', '/_ingest/pipeline/_simulate', malformedBodies()),
    ...each('PUT', '/_ingest/pipeline/bi-bad', [
      '',
      {},
      { processors: {} },
      { processors: 'set' },
      { processors: [null] },
      { processors: [[]] },
      { processors: [{}] },
      { processors: [{ no_such_processor: {} }] },
      { processors: [{ set: {}, rename: {} }] },
      { processors: [{ set: { value: 1 } }] },
      { processors: [{ set: { field: 'x' } }] },
      { processors: [{ set: { field: 'x', value: 1, unknown_option: 2 } }] },
      { processors: [{ set: 'x' }] },
      { processors: [{ set: { field: 5, value: 1 } }] },
      { processors: [{ set: { field: 'x', value: 1, if: 'ctx.' } }] },
      { processors: [{ set: { field: 'x', value: 1, if: 5 } }] },
      { processors: [{ set: { field: 'x', value: 1, on_failure: {} } }] },
      { processors: [{ set: { field: 'x', value: 1, on_failure: [] } }] },
      { processors: [{ set: { field: 'x', value: 1 } }], on_failure: 'drop' },
      { processors: [{ set: { field: 'x', value: 1 } }], version: 'latest' },
      { processors: [{ set: { field: 'x', value: 1 } }], unknown: {} },
      { processors: [{ set: { field: 'x', value: 1 } }], _meta: [] },
      { processors: [{ script: { source: 'ctx.x = ' } }] },
      { processors: [{ script: { lang: 'mustache', source: 'x' } }] },
      { processors: [{ script: { id: 'no-such-script' } }] },
      { processors: [{ script: { id: 'bi-script', source: 'x' } }] },
      { processors: [{ grok: { field: 'm', patterns: ['%{NO_SUCH_PATTERN:x}'] } }] },
      { processors: [{ grok: { field: 'm', patterns: [] } }] },
      { processors: [{ grok: { field: 'm', patterns: ['(unclosed'] } }] },
      { processors: [{ gsub: { field: 'm', pattern: '[', replacement: '' } }] },
      { processors: [{ date: { field: 'd', formats: ['no such format %%%'], timezone: 'Mars/Olympus' } }] },
      { processors: [{ convert: { field: 'x', type: 'complex' } }] },
      { processors: [{ split: { field: 'x', separator: '(' } }] },
      { processors: [{ foreach: { field: 'x' } }] },
      { processors: [{ foreach: { field: 'x', processor: { no_such: {} } } }] },
      { processors: [{ pipeline: {} }] },
      { processors: [{ kv: { field: 'm' } }] },
      { processors: [{ csv: { field: 'm', target_fields: [] } }] },
      { processors: [{ json: { field: 'm', add_to_root: true, target_field: 't' } }] },
      { processors: [{ append: { field: 'x' } }] },
      { processors: [{ uri_parts: {} }] },
      { processors: [{ set: { field: 'x', value: 1, tag: 5 } }] },
      { processors: [{ fail: {} }] },
    ]),
    { method: 'PUT', path: '/_ingest/pipeline/bi-bad?if_version=abc', body: PIPELINE },
    { method: 'PUT', path: '/_ingest/pipeline/bi-pipe?if_version=999', body: PIPELINE },
    { method: 'PUT', path: '/_ingest/pipeline/bi-bad', body: { processors: [{ set: { field: 'x', value: 'y'.repeat(2 * 1024 * 1024) } }] } },
    { method: 'DELETE', path: '/_ingest/pipeline/no-such-pipeline' },
    ...each('POST', '/_ingest/pipeline/_simulate', [
      '',
      {},
      // SimulatePipelineRequest parses `_version` with Long.parseLong
      { pipeline: PIPELINE, docs: [{ _source: {}, _version: 'one' }] },
      { pipeline: PIPELINE, docs: [{ _source: {}, _version: null }] },
      { docs: [{ _source: {} }] },
      { pipeline: PIPELINE },
      { pipeline: PIPELINE, docs: {} },
      { pipeline: PIPELINE, docs: [] },
      { pipeline: PIPELINE, docs: [null] },
      { pipeline: PIPELINE, docs: ['doc'] },
      { pipeline: PIPELINE, docs: [{}] },
      { pipeline: PIPELINE, docs: [{ _source: 'text' }] },
      { pipeline: 'bi-pipe', docs: [{ _source: {} }] },
      { pipeline: { processors: [{ nope: {} }] }, docs: [{ _source: {} }] },
      // runs: a script that never ends, recursion, a fail processor
      { pipeline: { processors: [{ script: { source: 'String s = "x"; while (true) { s += s; }' } }] }, docs: [{ _source: {} }] },
      { pipeline: { processors: [{ script: { source: 'List l = new ArrayList(); while (true) { l.add(1); }' } }] }, docs: [{ _source: {} }] },
    ]),
    { method: 'POST', path: '/_ingest/pipeline/no-such-pipeline/_simulate', body: { docs: [{ _source: {} }] } },
    { method: 'POST', path: '/_ingest/pipeline/bi-pipe/_simulate?verbose=loud', body: { docs: [{ _source: {} }] } },
    // the pipeline parameter on writes
    { method: 'PUT', path: '/bi-data/_doc/9?pipeline=no-such-pipeline', body: { n: 9 } },
    { method: 'POST', path: '/bi-data/_doc?pipeline=', body: { n: 9 } },
    { method: 'POST', path: '/bi-data/_doc?pipeline=bi-pipe&pipeline=other', body: { n: 9 } },
  ]);
});

test('ingest: cyclic pipelines and a pipeline that loops are refused when run, and write nothing', async () => {
  await ok('PUT', '/_ingest/pipeline/bi-cycle-a', { processors: [{ pipeline: { name: 'bi-cycle-b' } }] });
  await ok('PUT', '/_ingest/pipeline/bi-cycle-b', { processors: [{ pipeline: { name: 'bi-cycle-a' } }] });
  await ok('PUT', '/_ingest/pipeline/bi-self', { processors: [{ pipeline: { name: 'bi-self' } }] });
  await ok('PUT', '/_ingest/pipeline/bi-loop', { processors: [{ script: { source: 'long i = 0; while (i >= 0) { i++; ctx.n = 1; }' } }] });
  await ok('PUT', '/_ingest/pipeline/bi-fail', { processors: [{ fail: { message: 'no {{n}}' } }] });
  try {
    await sweep([
      { method: 'PUT', path: '/bi-data/_doc/9?pipeline=bi-cycle-a', body: { n: 9 } },
      { method: 'PUT', path: '/bi-data/_doc/9?pipeline=bi-self', body: { n: 9 } },
      { method: 'PUT', path: '/bi-data/_doc/9?pipeline=bi-loop', body: { n: 9 } },
      { method: 'PUT', path: '/bi-data/_doc/9?pipeline=bi-fail', body: { n: 9 } },
      { method: 'POST', path: '/bi-data/_update/1?pipeline=bi-cycle-a', body: { doc: { n: 1 } } }, // _update takes no pipeline
    ]);
    // a simulate answers 200 with each document's own error
    for (const [name, type] of [['bi-cycle-a', 'graph_structure_exception'], ['bi-self', 'graph_structure_exception'], ['bi-loop', 'script_exception']]) {
      const simulated = await ok('POST', `/_ingest/pipeline/${name}/_simulate`, { docs: [{ _source: {} }] });
      assert.equal(simulated.docs[0].error?.type, type, JSON.stringify(simulated));
    }
    // a bulk answers 200 with each item's own error
    const bulk = await send('POST', '/bi-data/_bulk?pipeline=bi-cycle-a', '{"index":{"_id":"9"}}\n{"n":9}\n{"index":{"_id":"10","pipeline":"bi-loop"}}\n{"n":10}\n', 'application/x-ndjson');
    assert.equal(bulk.status, 200, bulk.text);
    const items = JSON.parse(bulk.text).items as { index: { status: number; error?: { type: string } } }[];
    for (const item of items) {
      assert.ok(item.index.status >= 400 && item.index.status < 500, JSON.stringify(item));
      assert.equal(typeof item.index.error?.type, 'string');
    }
  } finally {
    for (const name of ['bi-cycle-a', 'bi-cycle-b', 'bi-self', 'bi-loop', 'bi-fail']) await ok('DELETE', `/_ingest/pipeline/${name}`);
  }
});

test('stored scripts, _update scripts and _update_by_query refuse bad input', async () => {
  await sweep([
    ...each('PUT', '/_scripts/bi-bad', malformedBodies()),
    ...each('POST', '/bi-data/_update/1', malformedBodies()),
    ...each('POST', '/bi-data/_update_by_query', malformedBodies()),
    ...each('PUT', '/_scripts/bi-bad', [
      '',
      {},
      { script: 'x' },
      { script: {} },
      { script: { lang: 'painless' } },
      { script: { source: '1' } },
      { script: { lang: 'no_such_lang', source: '1' } },
      { script: { lang: 'painless', source: '1 +' } },
      { script: { lang: 'painless', source: 5 } },
      { script: { lang: 'painless', source: null } },
      { script: { lang: 'painless', source: 'x'.repeat(70_000) } },
      { script: { lang: 'painless', source: '('.repeat(10_000) + '1' + ')'.repeat(10_000) } },
      { script: { lang: 'painless', source: '1', params: { a: 1 } } },
      { script: { lang: 'painless', source: '1', unknown: 1 } },
      { script: { lang: 'painless', source: '1', options: 'x' } },
      { script: { lang: 'mustache', source: '{{#a}}' } },
    ]),
    { method: 'PUT', path: '/_scripts/bi-bad/no_such_context', body: { script: { lang: 'painless', source: '1' } } },
    { method: 'PUT', path: '/_scripts/bad%23name', body: { script: { lang: 'painless', source: '1' } } },
    { method: 'DELETE', path: '/_scripts/no-such-script' },
    ...each('POST', '/bi-data/_update/1', [
      '',
      {},
      { script: null },
      { script: 5 },
      { script: [] },
      { script: { source: 'ctx._source.n += ' } },
      { script: { source: 'ctx._source.n = params.x.y' } },
      { script: { source: 'ctx._source.n++', lang: 'nope' } },
      { script: { id: 'no-such-script' } },
      { script: { source: 'long i = 0; while (i >= 0) { i++; }' } },
      { script: { source: 'for (int i = 0; ; i++) { ctx._source.n = i; }' } },
      { script: { source: 'void f() { f(); } f();' } },
      { script: { source: 'def f(def x) { return f(x); } f(1);' } },
      { script: { source: 'String s = "xx"; while (true) { s = s + s; }' } },
      { script: { source: 'def m = new HashMap(); m.self = m; ctx._source.m = m;' } },
      { script: { source: 'throw new IllegalStateException("from script")' } },
      { script: { source: 'int[] a = new int[-1];' } },
      { script: { source: 'int[] a = new int[2000000000];' } },
      { script: { source: 'ctx._source.n = 1 / 0' } },
      { script: { source: 'ctx._source.n = Math.pow(10, 400) / 0.0; ctx._source.n = Integer.parseInt("NaN")' } },
      { script: { source: "ctx._source.n = 'x'.substring(5)" } },
      { script: { source: 'ctx._source.n = null.x' } },
      { script: { source: "ctx._source = 'text'" } },
      { script: { source: "ctx._id = 'other'" } },
      { script: { source: "ctx._index = 'other'" } },
      { script: { source: 'ctx._source.n = /a(b/.matcher("x").matches()' } },
      { script: { source: "ctx._source.n = /(a+)+$/.matcher('a'.repeat(40) + 'b').matches()" } },
      { script: { source: 'ctx._source.n++', params: 'p' } },
      { doc: 'x' },
      { doc: { n: 'not a number' } },
      { doc: { when: 'not a date' } },
      { doc: { n: 1 }, script: { source: 'ctx._source.n++' } },
      { doc: { n: 1 }, unknown: 1 },
      { doc: { n: 1 }, doc_as_upsert: 'maybe' }, // read as false: it updated the document
      { doc: { n: 1 }, detect_noop: 5 },
      { script: { source: 'ctx._source.n++' }, scripted_upsert: 'yes' },
      { doc: { n: 1 }, doc_as_upsert: null },
      { upsert: 'x', script: { source: '1' } },
    ]),
    { method: 'POST', path: '/bi-data/_update/1?retry_on_conflict=-1', body: { doc: { n: 1 } } },
    { method: 'POST', path: '/bi-data/_update/1?retry_on_conflict=abc', body: { doc: { n: 1 } } },
    { method: 'POST', path: '/bi-data/_update/1?if_seq_no=-5&if_primary_term=1', body: { doc: { n: 1 } } },
    { method: 'POST', path: '/bi-data/_update/1?if_seq_no=999&if_primary_term=1', body: { doc: { n: 1 } } },
    { method: 'POST', path: '/bi-data/_update/no-such-doc', body: { doc: { n: 1 } } },
    { method: 'POST', path: '/bi-data/_update/no-such-doc', body: { script: { source: 'ctx._source.n++' } } },
    ...each('POST', '/bi-data/_update_by_query', [
      { query: 'all' },
      { query: { no_such_query: {} } },
      { script: { source: 'ctx._source.n +=' } },
      { script: { source: 'long i = 0; while (i >= 0) { i++; }' } },
      { script: { source: 'void f() { f(); } f();' } },
      { script: { source: 'ctx._source.n++' }, max_docs: 'all' },
      { script: { source: 'ctx._source.n++' }, conflicts: 'ignore' },
      { script: { source: 'ctx._source.n++' }, unknown: 1 },
      { slice: { id: 5, max: 2 } },
      { slice: { id: -1, max: 2 } },
      { slice: { id: 0, max: 0 } },
      { size: -3 },
    ]),
    { method: 'POST', path: '/bi-data/_update_by_query?requests_per_second=-5' },
    { method: 'POST', path: '/bi-data/_update_by_query?requests_per_second=fast' },
    { method: 'POST', path: '/bi-data/_update_by_query?slices=-1' },
    { method: 'POST', path: '/bi-data/_update_by_query?slices=lots' },
    { method: 'POST', path: '/bi-data/_update_by_query?scroll_size=-1' },
    { method: 'POST', path: '/bi-data/_update_by_query?conflicts=maybe' },
    { method: 'POST', path: '/bi-data/_update_by_query?wait_for_completion=soon' },
    { method: 'POST', path: '/bi-data/_update_by_query?scroll=forever' },
    { method: 'POST', path: '/bi-data/_update_by_query?pipeline=no-such-pipeline', shape: 'failures' },
    { method: 'POST', path: '/no-such-index/_update_by_query' },
    { method: 'POST', path: '/bi-data/_delete_by_query', body: {} },
    { method: 'POST', path: '/bi-data/_delete_by_query', body: { query: { no_such_query: {} } } },
    { method: 'POST', path: '/bi-data/_delete_by_query?slices=0', body: { query: { match_all: {} } } },
    { method: 'POST', path: '/_scripts/painless/_execute', body: { script: { source: 'long i = 0; while (i >= 0) { i++; }' } } },
    { method: 'POST', path: '/_scripts/painless/_execute', body: { script: { source: '1 +' } } },
    // a result nested deeper than any JSON may be (it overflowed the stack: 500)
    { method: 'POST', path: '/_scripts/painless/_execute', body: { script: { source: `${DEEP_MAP} return m;` } } },
    { method: 'POST', path: '/bi-data/_update/1', body: { script: { source: `${DEEP_MAP} ctx._source.m = m;` } } },
    { method: 'POST', path: '/bi-data/_update_by_query', body: { script: { source: `${DEEP_MAP} ctx._source.m = m;` } } },
    { method: 'POST', path: '/_scripts/painless/_execute', body: { script: { source: '1' }, context: 'no_such_context' } },
    { method: 'POST', path: '/_scripts/painless/_execute', body: { script: { source: '1' }, context: 'score', context_setup: {} } },
    { method: 'POST', path: '/_scripts/painless/_execute', body: { script: { source: '1' }, context: 'filter', context_setup: { index: 'no-such-index', document: {} } } },
  ]);
});

test('scripts in search: script_fields, script and script_score queries, function_score, _script sort, runtime_mappings', async () => {
  const loop = { source: 'long i = 0; while (i >= 0) { i++; } return 1;' };
  const recurse = { source: 'int f(int x) { return f(x + 1); } return f(0);' };
  await sweep([
    search({ script_fields: 'x' }),
    search({ script_fields: { f: 'x' } }),
    search({ script_fields: { f: {} } }),
    search({ script_fields: { f: { script: {} } } }),
    search({ script_fields: { f: { script: { source: 'doc[' } } } }),
    search({ script_fields: { f: { script: { source: "doc['no_such_field'].value" } } } }),
    search({ script_fields: { f: { script: { source: "doc['title'].value" } } } }), // text has no doc values
    search({ script_fields: { f: { script: loop } } }),
    search({ script_fields: { f: { script: recurse } } }),
    search({ script_fields: { f: { script: { id: 'no-such-script' } } } }),
    search({ script_fields: { f: { script: { id: 'bi-script' } } } }), // params.factor missing
    search({ script_fields: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, { script: { source: '1' } }])) }),
    search({ script_fields: { f: { script: { source: '1' }, unknown: 1 } } }),
    search({ script_fields: { f: { script: { source: `${DEEP_MAP} return m;` } } } }), // overflowed the stack: 500
    search({ script_fields: { f: { script: { source: `${DEEP_MAP} return m.toString();` } } } }),
    search({ script_fields: { f: { script: { source: 'def l = []; l.add(l); return l;' } } } }),
    query({ script: {} }),
    query({ script: { script: 'doc[' } }),
    query({ script: { script: { source: 'return "not a boolean"' } } }),
    query({ script: { script: loop } }),
    query({ script: { script: recurse } }),
    query({ script: { script: { source: "doc['n'].value / 0 > 1" } } }),
    query({ script_score: { query: { match_all: {} } } }),
    query({ script_score: { script: { source: '1' } } }),
    query({ script_score: { query: { match_all: {} }, script: { source: '-1' } } }),
    query({ script_score: { query: { match_all: {} }, script: { source: "'text'" } } }),
    query({ script_score: { query: { match_all: {} }, script: { source: '0.0/0.0' } } }),
    query({ script_score: { query: { match_all: {} }, script: loop } }),
    query({ script_score: { query: { match_all: {} }, script: { source: '1' }, min_score: 'low' } }),
    query({ script_score: { query: { match_all: {} }, script: { source: '1' }, boost: 'big' } }),
    query({ function_score: { functions: 'x' } }),
    query({ function_score: { functions: [{ script_score: { script: loop } }] } }),
    query({ function_score: { functions: [{ no_such_function: {} }] } }),
    query({ function_score: { functions: [{ weight: 'heavy' }] } }),
    query({ function_score: { functions: [{ weight: -1 }] } }), // ScoreFunctionBuilder#setWeight
    query({ function_score: { weight: -2 } }),
    query({ function_score: { score_mode: 'median' } }),
    query({ function_score: { boost_mode: 'median' } }),
    query({ function_score: { field_value_factor: { field: 'n', modifier: 'cube' } } }),
    query({ function_score: { field_value_factor: { field: 'n', modifier: 'log', factor: -1 } } }),
    query({ function_score: { field_value_factor: { field: 'title' } } }),
    query({ function_score: { gauss: { n: {} } } }),
    query({ function_score: { gauss: { n: { origin: 1, scale: 0 } } } }),
    query({ function_score: { gauss: { n: { origin: 1, scale: 1, decay: 2 } } } }),
    query({ function_score: { gauss: { when: { origin: 'now', scale: 'forever' } } } }),
    query({ function_score: { random_score: { seed: {}, field: '_seq_no' } } }),
    query({ function_score: { random_score: { seed: 1, field: 'no_such_field' } } }),
    query({ function_score: { query: { match_all: {} }, max_boost: 'x' } }),
    search({ sort: { _script: {} } }),
    search({ sort: { _script: { type: 'number' } } }),
    search({ sort: { _script: { type: 'complex', script: { source: '1' } } } }),
    search({ sort: { _script: { type: 'number', script: { source: "'text'" } } } }),
    search({ sort: { _script: { type: 'number', script: loop } } }),
    search({ sort: { _script: { type: 'string', script: { source: 'doc[' } } } }),
    search({ sort: { _script: { type: 'number', script: { source: '1' }, order: 'sideways' } } }),
    search({ sort: { _script: { type: 'number', script: { source: '1' }, mode: 'median' } } }),
    search({ runtime_mappings: 'x' }),
    search({ runtime_mappings: { r: 'long' } }),
    search({ runtime_mappings: { r: {} } }),
    search({ runtime_mappings: { r: { type: 'no_such_type' } } }),
    search({ runtime_mappings: { r: { type: 'long', script: 'emit(' } } }),
    search({ runtime_mappings: { r: { type: 'long', script: { source: 'emit("text")' } } }, fields: ['r'] }),
    search({ runtime_mappings: { r: { type: 'long', script: loop } }, fields: ['r'] }),
    search({ runtime_mappings: { r: { type: 'long', script: { source: 'emit(1)' }, unknown: 1 } } }),
    search({ runtime_mappings: { r: { type: 'long', script: { source: "emit(doc['r'].value)" } } }, fields: ['r'] }), // reads itself
    search({
      runtime_mappings: {
        a: { type: 'long', script: { source: "emit(doc['b'].value)" } },
        b: { type: 'long', script: { source: "emit(doc['a'].value)" } },
      },
      fields: ['a'],
    }),
    search({ runtime_mappings: { r: { type: 'long', script: { source: 'for (int i = 0; i < 1000000000; i++) { emit(i); }' } } }, fields: ['r'] }),
    search({ runtime_mappings: { r: { type: 'composite', script: { source: 'emit("x")' }, fields: {} } }, fields: ['r.*'] }),
    search({ runtime_mappings: { r: { type: 'composite', fields: { a: { type: 'long' } } } } }),
    search({ runtime_mappings: { r: { type: 'long', script: { source: 'emit(1)' } } }, query: { regexp: { r: 'x' } } }),
  ]);
});

test('reindex, tasks and rethrottle refuse bad input', async () => {
  await sweep([
    ...each('POST', '/_reindex', malformedBodies()),
    ...each('POST', '/_reindex', [
      '',
      {},
      { source: { index: 'bi-data' } },
      { dest: { index: 'bi-copy' } },
      { source: 'bi-data', dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data' }, dest: 'bi-copy' },
      { source: { index: 'no-such-index' }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-data' } },
      { source: { index: 'bi-data' }, dest: {} },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy', op_type: 'upsert' } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy', version_type: 'sideways' } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy', unknown: 1 } },
      { source: { index: 'bi-data', query: { no_such_query: {} } }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data', size: -1 }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data', size: 'many' }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data', slice: { id: 3, max: 2 } }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data', sort: { no_such_field: 'up' } }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data', _source: 5 }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data', unknown: 1 }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy' }, script: { source: 'ctx._source.n +=' } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy' }, script: { source: 'long i = 0; while (i >= 0) { i++; }' } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy' }, script: { source: "ctx._version = 'v'" } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy' }, conflicts: 'maybe' },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy' }, max_docs: 0 },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy' }, unknown: 1 },
      { source: { index: 'bi-data', remote: {} }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data', remote: { host: 'not a url' } }, dest: { index: 'bi-copy' } },
      { source: { index: 'bi-data', remote: { host: 'http://127.0.0.1:1' } }, dest: { index: 'bi-copy' } }, // not whitelisted
      { source: { index: 'bi-data', remote: { host: 'http://localhost:9200', socket_timeout: 'soon' } }, dest: { index: 'bi-copy' } },
      { source: { index: ['bi-data', 5] }, dest: { index: 'bi-copy' } },
    ]),
    ...[
      { source: { index: 'bi-data' }, dest: { index: 'BI-COPY' } },
      { source: { index: 'bi-data' }, dest: { index: '_bi-copy' } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy', pipeline: 'no-such-pipeline' } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy' }, script: { source: "ctx._index = ''" } },
      { source: { index: 'bi-data' }, dest: { index: 'bi-copy' }, script: { source: "ctx._index = 'BAD'" } },
    ].map((body): Case => ({ method: 'POST', path: '/_reindex', body, shape: 'failures' })),
    { method: 'POST', path: '/_reindex?requests_per_second=0', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    { method: 'POST', path: '/_reindex?requests_per_second=-2', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    { method: 'POST', path: '/_reindex?slices=0', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    { method: 'POST', path: '/_reindex?slices=1e9', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    { method: 'POST', path: '/_reindex?wait_for_completion=later', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    { method: 'POST', path: '/_reindex?wait_for_completion=false&slices=-3', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    { method: 'POST', path: '/_reindex?wait_for_completion=false', body: { source: { index: 'bi-data' }, dest: { index: 'bi-data' } } },
    { method: 'POST', path: '/_reindex?timeout=never', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    // -1 with any unit is Elasticsearch's TimeValue -1 (accepted); below -1 is refused
    { method: 'POST', path: '/_reindex?scroll=-2m', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    { method: 'POST', path: '/_reindex?refresh=sometimes', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    { method: 'POST', path: '/_reindex?max_docs=-2', body: { source: { index: 'bi-data' }, dest: { index: 'bi-copy' } } },
    { method: 'POST', path: '/_reindex/not-a-task-id/_rethrottle?requests_per_second=5' },
    { method: 'POST', path: '/_reindex/x:+-1/_rethrottle?requests_per_second=5' }, // x:-1 is TaskId's unset id (every matching task), not bad input
    { method: 'POST', path: '/_reindex/x:99999999999999999999/_rethrottle?requests_per_second=5' }, // past Long.MAX_VALUE
    { method: 'POST', path: '/_reindex/x:1/_rethrottle' },
    { method: 'POST', path: '/_reindex/x:1/_rethrottle?requests_per_second=fast' },
    { method: 'GET', path: '/_tasks/not-a-task-id' },
    { method: 'GET', path: '/_tasks/x:1' },
    { method: 'GET', path: '/_tasks/x:abc' },
    { method: 'GET', path: '/_tasks/x:-5' },
    { method: 'GET', path: '/_tasks/:' },
    { method: 'GET', path: '/_tasks/x:1?wait_for_completion=yes' },
    { method: 'GET', path: '/_tasks/x:1?timeout=later' },
    { method: 'GET', path: '/_tasks?group_by=colour' },
    { method: 'GET', path: '/_tasks?parent_task_id=garbage' },
    { method: 'GET', path: '/_tasks?detailed=very' },
    { method: 'GET', path: '/_tasks?wait_for_completion=true&timeout=-5s' },
    { method: 'POST', path: '/_tasks/not-a-task-id/_cancel' },
    { method: 'POST', path: '/_tasks/_cancel?parent_task_id=garbage' },
  ]);
});

test('regexp, intervals, combined_fields and match_bool_prefix refuse bad input', async () => {
  await sweep([
    query({ regexp: {} }),
    query({ regexp: { tag: null } }),
    query({ regexp: { tag: { value: '[' } } }),
    query({ regexp: { tag: { value: '(a' } } }),
    query({ regexp: { tag: { value: 'a{1,2' } } }),
    query({ regexp: { tag: { value: 'a{5,1}' } } }),
    query({ regexp: { tag: { value: '"' } } }),
    query({ regexp: { tag: { value: 'x'.repeat(2000) } } }),
    query({ regexp: { tag: { value: 'a', flags: 'NO_SUCH_FLAG' } } }),
    query({ regexp: { tag: { value: 'a', max_determinized_states: -1 } } }),
    query({ regexp: { tag: { value: 'a', max_determinized_states: 'many' } } }),
    query({ regexp: { tag: { value: 'a', unknown: 1 } } }),
    query({ regexp: { tag: { value: 'a' }, n: { value: 'b' } } }),
    query({ regexp: { n: { value: 'a' } } }), // numeric field
    query({ regexp: { tag: { value: 'a', case_insensitive: 'yes' } } }),
    query({ intervals: {} }),
    query({ intervals: { title: {} } }),
    query({ intervals: { title: { match: {} } } }),
    query({ intervals: { title: { match: { query: 'a', max_gaps: 'wide' } } } }),
    query({ intervals: { title: { match: { query: 'a', ordered: 'sometimes' } } } }),
    query({ intervals: { title: { match: { query: 'a', unknown: 1 } } } }),
    query({ intervals: { title: { no_such_rule: { query: 'a' } } } }),
    query({ intervals: { title: { match: { query: 'a' }, prefix: { prefix: 'b' } } } }),
    query({ intervals: { title: { all_of: { intervals: {} } } } }),
    query({ intervals: { title: { all_of: {} } } }),
    query({ intervals: { title: { any_of: { intervals: [] } } } }),
    query({ intervals: { title: { fuzzy: { term: 'dog', fuzziness: 'lots' } } } }),
    query({ intervals: { title: { regexp: { pattern: '(' } } } }),
    query({ intervals: { title: { range: { gte: 'a', lte: 'z', unknown: 1 } } } }),
    query({ intervals: { title: { match: { query: 'dog', filter: { no_such_filter: {} } } } } }),
    query({ intervals: { title: { match: { query: 'dog', filter: { script: { source: 'long i = 0; while (i >= 0) { i++; }' } } } } } }),
    // An unknown intervals analyzer is no error: the field's search analyzer reads the text (IntervalsSourceProvider).
    query({ intervals: { title: { match: { query: 'dog', use_field: 'no_such_field' } } } }),
    query({ intervals: { n: { match: { query: 'dog' } } } }),
    query({ combined_fields: {} }),
    query({ combined_fields: { query: 'dog' } }),
    query({ combined_fields: { query: 'dog', fields: [] } }),
    query({ combined_fields: { query: 'dog', fields: ['title', 'tag'] } }), // different analyzers
    query({ combined_fields: { query: 'dog', fields: ['title^-1'] } }),
    query({ combined_fields: { query: 'dog', fields: ['title^x'] } }),
    query({ combined_fields: { query: 'dog', fields: ['title'], operator: 'xor' } }),
    query({ combined_fields: { query: 'dog', fields: ['title'], zero_terms_query: 'some' } }),
    query({ combined_fields: { query: 'dog', fields: ['title'], unknown: 1 } }),
    query({ combined_fields: { query: { a: 1 }, fields: ['title'] } }),
    query({ match_bool_prefix: {} }),
    query({ match_bool_prefix: { title: {} } }),
    query({ match_bool_prefix: { title: { query: 'dog', operator: 'xor' } } }),
    query({ match_bool_prefix: { title: { query: 'dog', analyzer: 'no_such_analyzer' } } }),
    query({ match_bool_prefix: { title: { query: 'dog', unknown: 1 } } }),
    query({ match_bool_prefix: { title: { query: 'dog', minimum_should_match: {} } } }),
    query({ match_bool_prefix: { title: 'dog', tag: 'a' } }),
    // MatchBoolPrefixQueryBuilder#maxExpansions and #prefixLength
    query({ match_bool_prefix: { title: { query: 'dog', max_expansions: 0 } } }),
    query({ match_bool_prefix: { title: { query: 'dog', max_expansions: -1 } } }),
    query({ match_bool_prefix: { title: { query: 'dog', prefix_length: -1 } } }),
  ]);
});

test('collapse, rescore, slice, suggest, profile, indices_boost and stored_fields refuse bad input', async () => {
  await sweep([
    search({ collapse: 'tag' }),
    search({ collapse: {} }),
    search({ collapse: { field: 'no_such_field' } }),
    search({ collapse: { field: 'title' } }), // text
    search({ collapse: { field: 'tag', inner_hits: 'x' } }),
    search({ collapse: { field: 'tag', inner_hits: [{ name: 'i' }, { name: 'i' }] } }),
    search({ collapse: { field: 'tag', inner_hits: { name: 'i', collapse: { field: 'n', inner_hits: { name: 'j' } } } } }),
    search({ collapse: { field: 'tag', max_concurrent_group_searches: -1 } }),
    search({ collapse: { field: 'tag', unknown: 1 } }),
    search({ collapse: { field: 'tag' }, search_after: [1] }),
    search({ collapse: { field: 'tag' }, rescore: { query: { rescore_query: { match_all: {} } } } }),
    search({ collapse: { field: 'tag' } }, '/bi-data/_search?scroll=1m'),
    search({ rescore: 'x' }),
    search({ rescore: {} }),
    search({ rescore: { query: {} } }),
    search({ rescore: { window_size: -1, query: { rescore_query: { match_all: {} } } } }),
    search({ rescore: { window_size: 'big', query: { rescore_query: { match_all: {} } } } }),
    search({ rescore: { window_size: 100_000, query: { rescore_query: { match_all: {} } } } }),
    search({ rescore: { query: { rescore_query: { no_such_query: {} } } } }),
    search({ rescore: { query: { rescore_query: { match_all: {} }, score_mode: 'median' } } }),
    search({ rescore: { query: { rescore_query: { match_all: {} }, query_weight: 'heavy' } } }),
    search({ rescore: { query: { rescore_query: { match_all: {} } } }, sort: [{ n: 'asc' }] }),
    search({ rescore: { no_such_rescorer: {} } }),
    search({ rescore: { query: { rescore_query: { script_score: { query: { match_all: {} }, script: { source: 'long i = 0; while (i >= 0) { i++; }' } } } } } }),
    search({ slice: 'x' }),
    search({ slice: {} }),
    search({ slice: { id: 0 } }),
    search({ slice: { max: 2 } }),
    search({ slice: { id: 2, max: 2 } }),
    search({ slice: { id: -1, max: 2 } }),
    search({ slice: { id: 0, max: 1 } }),
    search({ slice: { id: 0, max: 0 } }),
    search({ slice: { id: 0, max: 2000 } }),
    search({ slice: { id: 0, max: 2, field: 'no_such_field' } }),
    search({ slice: { id: 0, max: 2, field: 'title' } }),
    search({ slice: { id: 'a', max: 2 } }),
    search({ slice: { id: 0, max: 2, unknown: 1 } }),
    search({ suggest: 'x' }),
    search({ suggest: { s: {} } }),
    search({ suggest: { s: { text: 'dgo' } } }),
    search({ suggest: { s: { text: 'dgo', term: {} } } }),
    search({ suggest: { s: { text: 'dgo', term: { field: 'title', size: -1 } } } }),
    search({ suggest: { s: { text: 'dgo', term: { field: 'title', suggest_mode: 'sometimes' } } } }),
    search({ suggest: { s: { text: 'dgo', term: { field: 'title', sort: 'random' } } } }),
    search({ suggest: { s: { text: 'dgo', term: { field: 'title', string_distance: 'euclid' } } } }),
    search({ suggest: { s: { text: 'dgo', term: { field: 'title', max_edits: 5 } } } }),
    search({ suggest: { s: { text: 'dgo', term: { field: 'title', unknown: 1 } } } }),
    search({ suggest: { s: { text: 'dgo', phrase: { field: 'title', max_errors: -1 } } } }),
    search({ suggest: { s: { text: 'dgo', phrase: { field: 'title', gram_size: 0 } } } }),
    search({ suggest: { s: { text: 'dgo', phrase: { field: 'title', smoothing: { no_such: {} } } } } }),
    search({ suggest: { s: { text: 'dgo', phrase: { field: 'title', collate: { query: { source: '{{' } } } } } }),
    search({ suggest: { s: { prefix: 'd', completion: { field: 'title' } } } }), // not a completion field
    search({ suggest: { s: { text: 'dgo', no_such_suggester: { field: 'title' } } } }),
    search({ suggest: { text: 5, s: { term: { field: 'title' } } } }),
    search({ profile: 'yes' }),
    search({ profile: {} }),
    search({ profile: 1 }),
    search({ indices_boost: 'x' }),
    search({ indices_boost: { 'bi-data': 'high' } }),
    search({ indices_boost: [{ 'bi-data': 'high' }] }),
    search({ indices_boost: [{ 'bi-data': 1, other: 2 }] }),
    search({ indices_boost: [5] }),
    search({ indices_boost: [{ 'no-such-index': 2 }] }),
    search({ stored_fields: 5 }),
    search({ stored_fields: {} }),
    search({ stored_fields: [5] }),
    search({ stored_fields: '_none_', _source: true }),
    search({ stored_fields: ['_none_'], _source: ['tag'] }),
    search({ stored_fields: '_none_', fields: ['tag'] }),
    search({ stored_fields: '_none_' }, '/bi-data/_search?_source=true'),
    { method: 'GET', path: '/bi-data/_search?stored_fields=_none_&_source=true' },
    { method: 'GET', path: '/bi-data/_search?profile=maybe' },
    { method: 'GET', path: '/bi-data/_search?suggest_field=title&suggest_mode=sometimes&suggest_text=dgo' },
    { method: 'GET', path: '/bi-data/_search?suggest_size=-1&suggest_field=title&suggest_text=dgo' },
  ]);
});

test('new aggregations refuse bad input', async () => {
  await sweep([
    aggs({ c: { composite: {} } }),
    aggs({ c: { composite: { sources: {} } } }),
    aggs({ c: { composite: { sources: [] } } }),
    aggs({ c: { composite: { sources: [{}] } } }),
    aggs({ c: { composite: { sources: [{ a: {} }] } } }),
    aggs({ c: { composite: { sources: [{ a: { no_such_source: { field: 'tag' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { terms: { field: 'tag' } }, b: { terms: { field: 'n' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { terms: { field: 'tag' } } }, { a: { terms: { field: 'n' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { terms: { field: 'tag', order: 'sideways' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { terms: {} } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { terms: { field: 'title' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { histogram: { field: 'n', interval: 0 } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { histogram: { field: 'n', interval: -1 } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { histogram: { field: 'n' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { date_histogram: { field: 'when' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { date_histogram: { field: 'when', calendar_interval: '3d' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { date_histogram: { field: 'when', fixed_interval: 'day' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { date_histogram: { field: 'when', fixed_interval: '1d', time_zone: 'Mars/Olympus' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { geotile_grid: { field: 'loc' } } }] } } }),
    aggs({ c: { composite: { size: -1, sources: [{ a: { terms: { field: 'tag' } } }] } } }),
    aggs({ c: { composite: { size: 0, sources: [{ a: { terms: { field: 'tag' } } }] } } }),
    aggs({ c: { composite: { size: 'ten', sources: [{ a: { terms: { field: 'tag' } } }] } } }),
    aggs({ c: { composite: { after: 'x', sources: [{ a: { terms: { field: 'tag' } } }] } } }),
    aggs({ c: { composite: { after: { b: 'x' }, sources: [{ a: { terms: { field: 'tag' } } }] } } }),
    aggs({ c: { composite: { after: { a: { x: 1 } }, sources: [{ a: { terms: { field: 'n' } } }] } } }),
    aggs({ c: { composite: { after: { a: 'x', b: 'y' }, sources: [{ a: { terms: { field: 'tag' } } }] } } }),
    aggs({ c: { composite: { sources: [{ a: { terms: { field: 'tag' } } }] } }, unknown: 1 } as any),
    aggs({ x: { terms: { field: 'tag' }, aggs: { c: { composite: { sources: [{ a: { terms: { field: 'tag' } } }] } } } } }), // composite must be top level
    aggs({ m: { multi_terms: {} } }),
    aggs({ m: { multi_terms: { terms: [] } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }] } } }),
    aggs({ m: { multi_terms: { terms: 'tag' } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, {}] } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, { field: 'n' }], size: -1 } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, { field: 'n' }], size: 0 } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, { field: 'n' }], order: { no_such_agg: 'asc' } } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, { field: 'n' }], order: { _count: 'sideways' } } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, { field: 'title' }] } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, { field: 'n', unknown: 1 }] } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, { field: 'n' }], min_doc_count: -1 } } }), // MultiTermsAggregationBuilder#minDocCount
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, { field: 'n' }], min_doc_count: 0 } } }),
    aggs({ m: { multi_terms: { terms: [{ field: 'tag' }, { field: 'n' }], shard_size: 0 } } }),
    aggs({ r: { rare_terms: {} } }),
    aggs({ r: { rare_terms: { field: 'tag', max_doc_count: 0 } } }),
    aggs({ r: { rare_terms: { field: 'tag', max_doc_count: 1000 } } }),
    aggs({ r: { rare_terms: { field: 'tag', max_doc_count: 'few' } } }),
    aggs({ r: { rare_terms: { field: 'title' } } }),
    aggs({ r: { rare_terms: { field: 'tag', include: { partition: 0, num_partitions: 2 } } } }),
    aggs({ r: { rare_terms: { field: 'tag', include: '[' } } }),
    aggs({ r: { rare_terms: { field: 'tag', unknown: 1 } } }),
    aggs({ r: { rare_terms: { field: 'tag', precision: 0.000001 } } }), // RareTermsAggregationBuilder#setPrecision
    aggs({ s: { significant_terms: {} } }),
    aggs({ s: { significant_terms: { field: 'title' } } }),
    aggs({ s: { significant_terms: { field: 'tag', size: -1 } } }),
    aggs({ s: { significant_terms: { field: 'tag', shard_size: -2 } } }), // SignificantTermsAggregationBuilder#shardSize
    aggs({ s: { significant_terms: { field: 'tag', min_doc_count: 'x' } } }),
    aggs({ s: { significant_terms: { field: 'tag', background_filter: { no_such_query: {} } } } }),
    aggs({ s: { significant_terms: { field: 'tag', jlh: {}, gnd: {} } } }),
    aggs({ s: { significant_terms: { field: 'tag', chi_square: { include_negatives: 'x' } } } }),
    aggs({ s: { significant_terms: { field: 'tag', script_heuristic: { script: { source: 'long i = 0; while (i >= 0) { i++; }' } } } } }),
    aggs({ s: { significant_terms: { field: 'tag', script_heuristic: { script: { source: '_subset_freq /' } } } } }),
    aggs({ s: { significant_terms: { field: 'tag', script_heuristic: { script: { source: "'text'" } } } } }),
    aggs({ s: { significant_terms: { field: 'tag', no_such_heuristic: {} } } }),
    aggs({ s: { significant_terms: { field: 'tag', include: '(' } } }),
    aggs({ s: { significant_text: { field: 'tag' } } }),
    aggs({ a: { auto_date_histogram: {} } }),
    aggs({ a: { auto_date_histogram: { field: 'when', buckets: 0 } } }),
    aggs({ a: { auto_date_histogram: { field: 'when', buckets: -3 } } }),
    aggs({ a: { auto_date_histogram: { field: 'when', buckets: 1e12 } } }), // over 54 years of seconds this hung the node
    aggs({ a: { auto_date_histogram: { field: 'when', buckets: 2_000_000_000 } } }),
    aggs({ a: { auto_date_histogram: { field: 'when', buckets: 2185 } } }),
    aggs({ a: { auto_date_histogram: { field: 'when', buckets: 656, minimum_interval: 'year' } } }),
    aggs({ a: { auto_date_histogram: { field: 'when', buckets: 'ten' } } }),
    aggs({ a: { auto_date_histogram: { field: 'when', minimum_interval: 'fortnight' } } }),
    aggs({ a: { auto_date_histogram: { field: 'when', time_zone: 'Mars/Olympus' } } }),
    aggs({ a: { auto_date_histogram: { field: 'tag' } } }),
    aggs({ a: { auto_date_histogram: { field: 'when', unknown: 1 } } }),
    aggs({ a: { auto_date_histogram: { field: 'when', missing: 'not a date' } } }),
    aggs({ v: { variable_width_histogram: {} } }),
    aggs({ v: { variable_width_histogram: { field: 'n', buckets: 0 } } }),
    aggs({ v: { variable_width_histogram: { field: 'n', buckets: -1 } } }),
    aggs({ v: { variable_width_histogram: { field: 'n', buckets: 10, shard_size: 2 } } }),
    aggs({ v: { variable_width_histogram: { field: 'tag' } } }),
    aggs({ v: { variable_width_histogram: { field: 'n', buckets: 'many' } } }),
    aggs({ v: { variable_width_histogram: { field: 'n' }, aggs: { c: { composite: { sources: [{ a: { terms: { field: 'tag' } } }] } } } } }),
    aggs({ p: { percentiles: {} } }),
    aggs({ p: { percentiles: { field: 'n', percents: [] } } }),
    aggs({ p: { percentiles: { field: 'n', percents: [-1] } } }),
    aggs({ p: { percentiles: { field: 'n', percents: [101] } } }),
    aggs({ p: { percentiles: { field: 'n', percents: ['NaN'] } } }),
    aggs({ p: { percentiles: { field: 'n', percents: 50 } } }),
    aggs({ p: { percentiles: { field: 'n', percents: [null] } } }),
    aggs({ p: { percentiles: { field: 'n', tdigest: { compression: -1 } } } }),
    aggs({ p: { percentiles: { field: 'n', tdigest: { compression: 'x' } } } }),
    aggs({ p: { percentiles: { field: 'n', hdr: { number_of_significant_value_digits: 10 } } } }),
    aggs({ p: { percentiles: { field: 'n', hdr: { number_of_significant_value_digits: -1 } } } }),
    aggs({ p: { percentiles: { field: 'n', hdr: {}, tdigest: {} } } }),
    aggs({ p: { percentiles: { field: 'tag' } } }),
    aggs({ p: { percentiles: { field: 'title' } } }),
    aggs({ p: { percentiles: { field: 'n', missing: 'lots' } } }),
    aggs({ p: { percentiles: { field: 'n', keyed: 'yes' } } }), // a boolean field of the parser
    aggs({ c: { composite: { sources: [{ a: { terms: { field: 'tag', missing_bucket: 'yes' } } }] } } }),
    aggs({ p: { percentile_ranks: { field: 'n' } } }),
    aggs({ p: { percentile_ranks: { field: 'n', values: [] } } }),
    aggs({ p: { percentile_ranks: { field: 'n', values: ['x'] } } }),
    // pipeline aggregations
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_script: {} } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_script: { buckets_path: { a: 's' } } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_script: { buckets_path: { a: 's' }, script: 'params.a +' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_script: { buckets_path: { a: 's' }, script: "'text'" } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_script: { buckets_path: { a: 's' }, script: 'while (true) {} return 1' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_script: { buckets_path: { a: 'no_such_agg' }, script: 'params.a' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_script: { buckets_path: { a: 's>deeper' }, script: 'params.a' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_script: { buckets_path: 5, script: 'params.a' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_script: { buckets_path: { a: 's' }, script: 'params.a', gap_policy: 'jump' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_selector: { buckets_path: { a: 's' }, script: 'params.a' } } } } }), // not a boolean
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_sort: { sort: [{ no_such_agg: 'asc' }] } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_sort: { size: -1 } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, b: { bucket_sort: { from: -1 } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, c: { cumulative_sum: { buckets_path: 'missing' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, c: { derivative: { buckets_path: 's', unit: 'fortnight' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, m: { moving_fn: { buckets_path: 's', window: 0, script: 'MovingFunctions.sum(values)' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, m: { moving_fn: { buckets_path: 's', window: -2, script: 'MovingFunctions.sum(values)' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, m: { moving_fn: { buckets_path: 's', window: 2, script: 'long i = 0; while (i >= 0) { i++; }' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, m: { serial_diff: { buckets_path: 's', lag: 0 } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, m: { serial_diff: { buckets_path: 's', lag: -1 } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, p: { percentiles_bucket: { buckets_path: 's', percents: [101] } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } } } }, p: { percentiles_bucket: { buckets_path: 'd>s', percents: [-5] } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } } } }, m: { max_bucket: { buckets_path: 'd>no_such' } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } } } }, m: { avg_bucket: { buckets_path: 'd>s', gap_policy: 'leap' } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } } } }, m: { stats_bucket: { buckets_path: 'd>s', format: {} } } }),
    aggs({ m: { max_bucket: { buckets_path: 'm' } } }), // itself
    aggs({ a: { max_bucket: { buckets_path: 'b>_count' } }, b: { max_bucket: { buckets_path: 'a>_count' } } }), // a cycle
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { n: { normalize: { buckets_path: '_count', method: 'wild' } } } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'day' }, aggs: { n: { inference: { model_id: 'x', buckets_path: {} } } } } }),
    // value scripts run now (see everyday-apis-more.test.ts); ones that cannot compile, or read what
    // an aggregation script may not, are refused
    ...['min', 'max', 'sum', 'avg', 'stats', 'extended_stats', 'value_count', 'cardinality', 'percentiles'].map((kind) => aggs({ m: { [kind]: { field: 'n', script: '_value *' } } })),
    aggs({ m: { percentile_ranks: { field: 'n', values: [2], script: '_value * (' } } }),
    aggs({ t: { terms: { field: 'tag', script: "_value + 'x" } } }),
    aggs({ h: { histogram: { field: 'n', interval: 1, script: '_score * 2' } } }),
    aggs({ r: { range: { field: 'n', ranges: [{ to: 2 }], script: { source: '_value * 2', lang: 'expression-x' } } } }),
    aggs({ r: { rare_terms: { field: 'tag', script: "_value + 'x" } } }),
    aggs({ c: { composite: { sources: [{ a: { terms: { field: 'tag', script: "_value + 'x" } } }] } } }),
    aggs({ c: { multi_terms: { terms: [{ field: 'tag' }, { script: '_score' }] } } }),
    // search.max_buckets (65,536): the empty-bucket fill stopped silently at 100,000 buckets
    aggs({ h: { histogram: { field: 'n', interval: 0.00001 } } }),
    aggs({ h: { histogram: { field: 'n', interval: 1, extended_bounds: { min: 0, max: 1e7 } } } }),
    aggs({ d: { date_histogram: { field: 'when', fixed_interval: '1m' } } }),
    aggs({ d: { date_histogram: { field: 'when', calendar_interval: 'hour' } } }),
  ]);
});

test('a histogram that would pass search.max_buckets is refused with too_many_buckets_exception (MultiBucketConsumerService)', async () => {
  // n holds 1..4: interval 2^-14 makes 3 * 16384 + 1 = 49,153 buckets (allowed), 2^-15 makes 98,305
  // (binary fractions, so the keys are exact)
  const allowed = await ok('POST', '/bi-data/_search', { size: 0, aggs: { h: { histogram: { field: 'n', interval: 2 ** -14 } } } });
  assert.equal(allowed.aggregations.h.buckets.length, 49_153);
  for (const [agg, total] of [
    [{ histogram: { field: 'n', interval: 2 ** -15 } }, 98_305],
    [{ histogram: { field: 'n', interval: 1, extended_bounds: { min: 0, max: 99_999 } } }, 100_000],
  ] as const) {
    const response = await send('POST', '/bi-data/_search', { size: 0, aggs: { h: agg } });
    assert.equal(response.status, 400, response.text.slice(0, 300));
    const body = JSON.parse(response.text);
    assert.equal(body.error.type, 'too_many_buckets_exception');
    assert.equal(
      body.error.reason,
      `Trying to create too many buckets. Must be less than or equal to: [65536] but was [${total}]. This limit can be set by changing the [search.max_buckets] cluster level setting.`,
    );
  }
  const dates = await send('POST', '/bi-data/_search', { size: 0, aggs: { d: { date_histogram: { field: 'when', calendar_interval: 'hour' } } } });
  assert.equal(dates.status, 400);
  assert.equal(JSON.parse(dates.text).error.type, 'too_many_buckets_exception');
});

test('field_caps with index_filter refuses bad input', async () => {
  await sweep([
    ...each('POST', '/bi-data/_field_caps?fields=*', malformedBodies()), // the body parser wants an object (null, [], "text", 42 too)
    { method: 'GET', path: '/bi-data/_field_caps?fields=*&include_unmapped=perhaps' },
    { method: 'POST', path: '/bi-data/_field_caps?fields=*', body: { index_filter: 'x' } },
    { method: 'POST', path: '/bi-data/_field_caps?fields=*', body: { index_filter: { no_such_query: {} } } },
    { method: 'POST', path: '/bi-data/_field_caps?fields=*', body: { index_filter: { range: { when: { gte: 'not a date' } } } } },
    { method: 'POST', path: '/bi-data/_field_caps?fields=*', body: { index_filter: { range: { n: { gte: 'abc' } } } } },
    { method: 'POST', path: '/bi-data/_field_caps?fields=*', body: { index_filter: { script: { script: { source: 'long i = 0; while (i >= 0) { i++; }' } } } } },
    { method: 'POST', path: '/bi-data/_field_caps?fields=*', body: { index_filter: { match_all: {} }, unknown: 1 } },
    { method: 'POST', path: '/bi-data/_field_caps?fields=*', body: { runtime_mappings: { r: { type: 'bogus' } } } },
    { method: 'POST', path: '/bi-data/_field_caps', body: {} },
    { method: 'GET', path: '/bi-data/_field_caps?fields=*&filters=bogus' },
    { method: 'GET', path: '/no-such-index/_field_caps?fields=*' },
  ]);
});

test('bad input inside a simulate or a bulk is answered per item with a 200 (as Elasticsearch does) and writes nothing', async () => {
  const docs = [{ _source: {} }];
  const perDoc: [unknown, string][] = [
    [{ processors: [{ fail: { message: 'stop' } }] }, 'fail_processor_exception'],
    [{ processors: [{ script: { source: 'def m = [:]; m.x = m; ctx.x = m;' } }] }, 'illegal_argument_exception'],
    [{ processors: [{ script: { source: 'long i = 0; while (i >= 0) { i++; }' } }] }, 'script_exception'],
    [{ processors: [{ script: { source: 'int f(int x) { return f(x + 1); } ctx.x = f(0);' } }] }, 'script_exception'],
    [{ processors: [{ script: { source: `${DEEP_MAP} ctx.m = m;` } }] }, 'illegal_argument_exception'],
  ];
  for (const [pipeline, type] of perDoc) {
    const simulated = await ok('POST', '/_ingest/pipeline/_simulate', { pipeline, docs });
    assert.equal(simulated.docs[0].error?.type, type, JSON.stringify(simulated));
  }
  // a JSON string nested 5,000 deep: the json processor refuses it (it overflowed the stack: 500)
  const deepJson = await ok('POST', '/_ingest/pipeline/_simulate', { pipeline: { processors: [{ json: { field: 'j' } }] }, docs: [{ _source: { j: '['.repeat(5000) + ']'.repeat(5000) } }] });
  assert.equal(deepJson.docs[0].error?.type, 'illegal_argument_exception', JSON.stringify(deepJson).slice(0, 300));
  assert.match(deepJson.docs[0].error.reason, /nesting depth/);
  const bulk = await ok('POST', '/bi-data/_bulk?pipeline=no-such-pipeline', '{"index":{"_id":"9"}}\n{"n":9}\n', 'application/x-ndjson');
  assert.equal(bulk.errors, true);
  assert.equal(bulk.items[0].index.status, 400);
  assert.equal(bulk.items[0].index.error.type, 'illegal_argument_exception');
  assert.equal((await send('GET', '/bi-data/_doc/9')).status, 404);
});

test('auto_date_histogram at its ceiling answers over 54 years without filling billions of seconds', async () => {
  const started = Date.now();
  const answer = await ok('POST', '/bi-data/_search', { size: 0, aggs: { a: { auto_date_histogram: { field: 'when', buckets: 2184 } } } });
  assert.ok(answer.aggregations.a.buckets.length <= 2184);
  assert.equal(answer.aggregations.a.buckets.reduce((sum: number, bucket: { doc_count: number }) => sum + bucket.doc_count, 0), Object.keys(DOCS).length);
  assert.ok(Date.now() - started < REQUEST_TIMEOUT_MS);
});

test('a template simulation with 5,000 properties answers promptly (expanding them was quadratic and blocked the node)', async () => {
  const properties = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, { type: 'keyword' }]));
  const started = Date.now();
  const response = await send('POST', '/_index_template/_simulate', { index_patterns: ['bi-many-*'], template: { mappings: { properties } } });
  assert.ok(response.status < 500, response.text.slice(0, 300));
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('after the whole sweep the node answers and nothing written before changed', async () => {
  const health = await ok('GET', '/_cluster/health');
  assert.ok(['green', 'yellow'].includes(health.status), JSON.stringify(health));
  const afterwards = await snapshot();
  assert.deepEqual(afterwards, before_);
  for (const [id, doc] of Object.entries(DOCS)) assert.deepEqual(afterwards.docs[id]!.source, doc);
  assert.equal(afterwards.count, Object.keys(DOCS).length);
  // a search over every field still answers as before
  const found = await ok('POST', '/bi-data/_search', { query: { match: { title: 'dog' } }, sort: [{ n: 'asc' }] });
  assert.deepEqual(found.hits.hits.map((hit: { _id: string }) => hit._id), ['2', '3']);
  // every refusal is logged (as a failed request), and none was a server error
  const entries = node.logs.flatMap((line): Record<string, unknown>[] => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  const failed = entries.filter((entry) => Object.values(entry).includes('request failed'));
  assert.ok(failed.some((entry) => entry['status'] === 400 && String(entry['path']).startsWith('/_index_template/')), `no failed request logged among ${entries.length} log lines`);
  assert.ok(failed.some((entry) => entry['status'] === 400 && String(entry['path']).startsWith('/_ingest/pipeline/')));
  assert.deepEqual(entries.filter((entry) => Object.values(entry).some((value) => typeof value === 'string' && /server error|unexpected error/.test(value))), []);
});
