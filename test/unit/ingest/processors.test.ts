/**
 * Each processor type against what Elasticsearch's ingest-common REST tests
 * (modules/ingest-common/src/yamlRestTest/.../test/ingest/*.yml) and processor reference pages
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/processors.html) assert.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { executePipeline, IngestDocument } from '../../../src/index/ingest/index.js';
import { configError, nowMs, pipelineOf, run } from './helpers.js';

test('set: value with a {{field}} template, override false keeps a value, copy_from copies deeply (270_set_processor.yml)', () => {
  assert.deepEqual(run([{ set: { field: 'b', value: 'x-{{a}}-{{missing}}' } }], { a: 1 }).source, { a: 1, b: 'x-1-' });
  assert.deepEqual(run([{ set: { field: 'a', value: 'new', override: false } }], { a: 'old' }).source, { a: 'old' });
  assert.deepEqual(run([{ set: { field: 'a', value: 'new', override: false } }], { a: null }).source, { a: 'new' });
  const copied = run([{ set: { field: 'c', copy_from: 'a' } }], { a: { x: [1] } });
  assert.deepEqual(copied.source, { a: { x: [1] }, c: { x: [1] } });
  assert.notEqual(copied.source['a'], copied.source['c']);
  assert.deepEqual(run([{ set: { field: 'n.m', value: { '{{k}}': '{{v}}' } } }], { k: 'key', v: 'val' }).source['n'], { m: { key: 'val' } });
  assert.deepEqual(run([{ set: { field: 'e', value: '{{missing}}', ignore_empty_value: true } }], {}).source, {});
  assert.deepEqual(run([{ set: { field: 'ts', value: '{{_ingest.timestamp}}' } }], {}).source, { ts: '2024-05-17T10:20:30.400Z' });
});

test('set: configuration errors name the processor, tag and property (20_crud.yml "Test invalid processor config")', () => {
  const missing = configError([{ set: { tag: 'fritag' } }]);
  assert.equal(missing.status, 400);
  assert.equal(missing.type, 'parse_exception');
  assert.equal(missing.message, '[field] required property is missing');
  assert.deepEqual(missing.extra, { processor_type: 'set', processor_tag: 'fritag', property_name: 'field' });
  const value = configError([{ set: { field: 'f' } }]);
  assert.equal(value.message, '[value] required property is missing');
  assert.equal(value.extra['processor_tag'], undefined);
  assert.equal(configError([{ set: { field: 'f', value: 1, copy_from: 'g' } }]).extra['property_name'], 'copy_from');
  const unknown = configError([{ set: { field: 'f', value: 1, bogus: true } }]);
  assert.equal(unknown.message, 'processor [set] doesn\'t support one or more provided configuration parameters [bogus]');
});

test('an unknown processor type is a parse_exception naming it', () => {
  const error = configError([{ frobnicate: {} }]);
  assert.equal(error.type, 'parse_exception');
  assert.equal(error.message, 'No processor type exists with name [frobnicate]');
  assert.equal(error.extra['processor_type'], 'frobnicate');
});

test('remove: one field, a list, ignore_missing, keep; a missing field fails', () => {
  assert.deepEqual(run([{ remove: { field: ['a', 'b.c'] } }], { a: 1, b: { c: 2, d: 3 } }).source, { b: { d: 3 } });
  assert.deepEqual(run([{ remove: { field: 'x', ignore_missing: true } }], { a: 1 }).source, { a: 1 });
  assert.equal(run([{ remove: { field: 'x' } }], { a: 1 }).error?.message, 'field [x] not present as part of path [x]');
  assert.deepEqual(run([{ remove: { keep: ['a'] } }], { a: 1, b: 2 }).source, { a: 1 });
});

test('rename: moves the value; a missing source or an existing target fails (280_rename.yml)', () => {
  assert.deepEqual(run([{ rename: { field: 'a', target_field: 'b.c' } }], { a: 1 }).source, { b: { c: 1 } });
  const missing = run([{ rename: { field: 'does_not_exist', target_field: 'x' } }], {});
  assert.equal(missing.error?.type, 'illegal_argument_exception');
  assert.equal(missing.error?.message, "field [does_not_exist] doesn't exist");
  assert.equal(run([{ rename: { field: 'a', target_field: 'b' } }], { a: 1, b: 2 }).error?.message, 'field [b] already exists');
  assert.deepEqual(run([{ rename: { field: 'a', target_field: 'b', override: true } }], { a: 1, b: 2 }).source, { b: 1 });
  assert.deepEqual(run([{ rename: { field: 'x', target_field: 'b', ignore_missing: true } }], { a: 1 }).source, { a: 1 });
});

test('append: makes lists, flattens list values, allow_duplicates false skips present values (360_append_allow_duplicates.yml)', () => {
  assert.deepEqual(run([{ append: { field: 'a', value: ['y', 'z'] } }], { a: 'x' }).source, { a: ['x', 'y', 'z'] });
  assert.deepEqual(run([{ append: { field: 'n', value: '{{a}}' } }], { a: 'v' }).source['n'], ['v']);
  assert.deepEqual(run([{ append: { field: 'a', value: ['x', 'y'], allow_duplicates: false } }], { a: ['x'] }).source, { a: ['x', 'y'] });
});

test('lowercase, uppercase, trim, urldecode: strings and lists of strings; other types fail', () => {
  assert.deepEqual(run([{ lowercase: { field: 'a' } }, { uppercase: { field: 'b', target_field: 'c' } }, { trim: { field: 'd' } }], { a: 'HeLLo', b: 'x', d: '  y ' }).source, {
    a: 'hello',
    b: 'x',
    c: 'X',
    d: 'y',
  });
  assert.deepEqual(run([{ uppercase: { field: 'l' } }], { l: ['a', 'b'] }).source, { l: ['A', 'B'] });
  assert.deepEqual(run([{ urldecode: { field: 'u' } }], { u: 'a%20b+c%2Fd' }).source, { u: 'a b c/d' });
  assert.equal(run([{ lowercase: { field: 'n' } }], { n: 5 }).error?.message, 'field [n] of type [java.lang.Integer] cannot be cast to [java.lang.String]');
  assert.equal(run([{ uppercase: { field: 'foo' } }], { not_foo: 'bar' }).error?.type, 'illegal_argument_exception');
  assert.deepEqual(run([{ uppercase: { field: 'foo', ignore_missing: true } }], {}).source, {});
  assert.equal(run([{ lowercase: { field: 'n' } }], { n: null }).error?.message, 'field [n] is null, cannot process it.');
});

test('split and join: Java split semantics (trailing empties dropped unless preserve_trailing)', () => {
  assert.deepEqual(run([{ split: { field: 'a', separator: ',' } }], { a: 'x,y,,' }).source, { a: ['x', 'y'] });
  assert.deepEqual(run([{ split: { field: 'a', separator: ',', preserve_trailing: true } }], { a: 'x,y,,' }).source, { a: ['x', 'y', '', ''] });
  assert.deepEqual(run([{ split: { field: 'a', separator: '\\s+', target_field: 'b' } }], { a: 'one  two' }).source['b'], ['one', 'two']);
  assert.deepEqual(run([{ split: { field: 'a', separator: '(-)' } }], { a: 'x-y' }).source['a'], ['x', 'y']);
  assert.deepEqual(run([{ join: { field: 'a', separator: '-' } }], { a: ['x', 1, true] }).source, { a: 'x-1-true' });
  assert.equal(run([{ join: { field: 'a', separator: '-' } }], { a: 'x' }).error?.message, 'field [a] of type [java.lang.String] cannot be cast to [java.util.List]');
});

test('split, kv and date compile their patterns with the pipeline: one parsed pipeline serves document after document', () => {
  const pipeline = pipelineOf({
    processors: [
      { split: { field: 'list', separator: ',' } },
      { kv: { field: 'pairs', field_split: '&', value_split: '=' } },
      { date: { field: 'when', formats: ['dd/MM/yyyy'], target_field: 'at' } },
    ],
  });
  const runOnce = (source: Record<string, unknown>): Record<string, unknown> => {
    const document = IngestDocument.of({ _index: 'index', _id: 'id' }, source, new Date(nowMs).toISOString());
    executePipeline(pipeline, document, { nowMs, elapsedMs: () => 0, pipeline: () => undefined, trace: undefined, stats: undefined });
    return document.source();
  };
  for (const day of ['01', '02', '03']) {
    const source = runOnce({ list: `a,${day},b`, pairs: `x=${day}&y=2`, when: `${day}/03/2020` });
    assert.deepEqual(source['list'], ['a', day, 'b']);
    assert.equal(source['x'], day);
    assert.equal(source['y'], '2');
    assert.equal(source['at'], `2020-03-${day}T00:00:00.000Z`);
  }
});

test('convert: each type, lists, and the errors (90_simulate.yml "verbose simulate with exception thrown")', () => {
  const converted = run(
    [
      { convert: { field: 'i', type: 'integer' } },
      { convert: { field: 'l', type: 'long' } },
      { convert: { field: 'f', type: 'float' } },
      { convert: { field: 'd', type: 'double' } },
      { convert: { field: 'b', type: 'boolean' } },
      { convert: { field: 's', type: 'string' } },
      { convert: { field: 'ip', type: 'ip' } },
      { convert: { field: 'list', type: 'integer' } },
      { convert: { field: 'auto', type: 'auto' } },
      { convert: { field: 'hex', type: 'integer' } },
    ],
    { i: '5', l: '9007199254740991', f: '242.15', d: '1.5e3', b: 'TRUE', s: 12, ip: '::1', list: ['1', '2'], auto: 'false', hex: '0x1F' },
  ).source;
  assert.deepEqual(converted, { i: 5, l: 9007199254740991, f: 242.15, d: 1500, b: true, s: '12', ip: '::1', list: [1, 2], auto: false, hex: 31 });
  assert.equal(run([{ convert: { field: 'foo', type: 'integer' } }], { foo: 'bar' }).error?.message, 'unable to convert [bar] to integer');
  assert.equal(run([{ convert: { field: 'foo', type: 'integer' } }], { foo: '2147483648' }).error?.message, 'unable to convert [2147483648] to integer');
  assert.equal(run([{ convert: { field: 'b', type: 'boolean' } }], { b: 'yes' }).error?.message, '[yes] is not a boolean value, cannot convert to boolean');
  assert.equal(run([{ convert: { field: 'ip', type: 'ip' } }], { ip: '1.2.3' }).error?.type, 'illegal_argument_exception');
  const badType = configError([{ convert: { field: 'a', type: 'number' } }]);
  assert.equal(badType.message, '[type] type [number] not supported, cannot convert field.');
  assert.equal(badType.extra['property_name'], 'type');
  assert.deepEqual(run([{ convert: { field: 'auto', type: 'auto' } }], { auto: '42' }).source, { auto: 42 });
});

test('date: Java patterns, ISO8601, UNIX, UNIX_MS, TAI64N, timezone, target_field default @timestamp (30_date_processor.yml)', () => {
  const parsed = run([{ date: { field: 'date_source_field', target_field: 'date_target_field', formats: ['dd/MM/yyyy'], timezone: 'Europe/Amsterdam' } }], { date_source_field: '12/06/2010' });
  assert.equal(parsed.source['date_target_field'], '2010-06-12T00:00:00.000+02:00');
  assert.equal(run([{ date: { field: 'd', formats: ['ISO8601'] } }], { d: '2016-06-12T00:00:00+02:00' }).source['@timestamp'], '2016-06-11T22:00:00.000Z');
  assert.equal(run([{ date: { field: 'd', formats: ['UNIX'] } }], { d: '1000500' }).source['@timestamp'], '1970-01-12T13:55:00.000Z');
  assert.equal(run([{ date: { field: 'd', formats: ['UNIX_MS'] } }], { d: 1000500 }).source['@timestamp'], '1970-01-01T00:16:40.500Z');
  assert.equal(run([{ date: { field: 'd', formats: ['TAI64N'] } }], { d: '4000000050d506482dbdf024' }).source['@timestamp'], '2012-12-22T01:00:46.767Z');
  assert.equal(
    run([{ date: { field: 'd', formats: ['dd/MMM/yyyy:HH:mm:ss Z'], output_format: 'yyyy-MM-dd' } }], { d: '10/Oct/2000:13:55:36 -0700' }).source['@timestamp'],
    '2000-10-10',
  );
  assert.equal(run([{ date: { field: 'd', formats: ['yyyy', 'MMM dd HH:mm:ss'] } }], { d: 'Jun 10 04:05:06' }).source['@timestamp'], '2024-06-10T04:05:06.000Z');
  const failed = run([{ date: { field: 'd', formats: ['yyyy-MM-dd'] } }], { d: 'nope' });
  assert.equal(failed.error?.message, 'unable to parse date [nope]');
  assert.equal(configError([{ date: { field: 'd' } }]).message, '[formats] required property is missing');
});

test('date_index_name: sets _index to a date math name that the write resolves (100_date_index_name_processor.yml)', () => {
  const ran = run([{ date_index_name: { field: 'date', date_rounding: 'M', index_name_prefix: 'events-', date_formats: ['UNIX'] } }], { date: '1461587040' });
  assert.equal(ran.document.root['_index'], '<events-{2016-04-25T12:24:00.000Z||/M{yyyy-MM-dd|UTC}}>');
});

test('gsub: Java regex and replacement; dissect with append and skip modifiers', () => {
  assert.deepEqual(run([{ gsub: { field: 'a', pattern: '\\.', replacement: '-' } }], { a: '1.2.3' }).source, { a: '1-2-3' });
  assert.deepEqual(run([{ gsub: { field: 'a', pattern: '(\\d+)-(\\d+)', replacement: '$2:$1' } }], { a: '12-34' }).source, { a: '34:12' });
  const dissected = run([{ dissect: { field: 'message', pattern: '%{clientip} %{?ident} %{auth} [%{@timestamp}] "%{verb} %{request}"' } }], {
    message: '1.2.3.4 - - [30/Apr/1998:22:00:52 +0000] "GET /a.gif"',
  });
  assert.deepEqual(dissected.source, { message: '1.2.3.4 - - [30/Apr/1998:22:00:52 +0000] "GET /a.gif"', clientip: '1.2.3.4', auth: '-', '@timestamp': '30/Apr/1998:22:00:52 +0000', verb: 'GET', request: '/a.gif' });
  assert.deepEqual(run([{ dissect: { field: 'm', pattern: '%{+name} %{+name} %{+name}', append_separator: ' ' } }], { m: 'john jacob smith' }).source['name'], 'john jacob smith');
  assert.deepEqual(run([{ dissect: { field: 'm', pattern: '%{+name/2} %{+name/1}' } }], { m: 'b a' }).source['name'], 'ab');
  assert.deepEqual(run([{ dissect: { field: 'm', pattern: '%{a->} %{b}' } }], { m: 'x     y' }).source, { m: 'x     y', a: 'x', b: 'y' });
  assert.deepEqual(run([{ dissect: { field: 'm', pattern: '%{*k} %{&k}' } }], { m: 'color red' }).source, { m: 'color red', color: 'red' });
  assert.equal(run([{ dissect: { field: 'm', pattern: '%{a}:%{b}' } }], { m: 'nocolon' }).error?.message, 'Unable to find match for dissect pattern: %{a}:%{b} against source: nocolon');
});

test('grok: the bank, pattern_definitions, types, dotted and bracket names, trace_match, no match (120_grok.yml)', () => {
  const ran = run([{ grok: { field: 'field1', patterns: ['%{NUMBER:val:float} %{NUMBER:status:int} <%{WORD:msg}>'] } }], { field1: '123.42 400 <foo>' });
  assert.deepEqual(ran.source, { field1: '123.42 400 <foo>', val: 123.42, status: 400, msg: 'foo' });
  const custom = run([{ grok: { field: 'field1', patterns: ['<%{MY_PATTERN:msg}>'], pattern_definitions: { MY_PATTERN: 'foo' } } }], { field1: '<foo>' });
  assert.equal(custom.source['msg'], 'foo');
  const traced = run([{ grok: { field: 'f', patterns: ['%{IP:a.ip}', '%{WORD:[w][x]}'], trace_match: true } }], { f: 'hello' });
  assert.deepEqual(traced.source['w'], { x: 'hello' });
  assert.equal(traced.document.ingest['_grok_match_index'], '1');
  const named = run([{ grok: { field: 'f', patterns: ['(?<first>\\w+) %{GREEDYDATA:rest}'] } }], { f: 'a b c' });
  assert.deepEqual([named.source['first'], named.source['rest']], ['a', 'b c']);
  const apache = run([{ grok: { field: 'm', patterns: ['%{COMBINEDAPACHELOG}'] } }], {
    m: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"',
  }).source;
  assert.equal(apache['clientip'], '127.0.0.1');
  assert.equal(apache['auth'], 'frank');
  assert.equal(apache['timestamp'], '10/Oct/2000:13:55:36 -0700');
  assert.equal(apache['verb'], 'GET');
  assert.equal(apache['request'], '/apache_pb.gif');
  assert.equal(apache['response'], '200');
  assert.equal(apache['agent'], '"Mozilla/4.08"');
  const failed = run([{ grok: { field: 'f', patterns: ['%{INT:n}'] } }], { f: 'abc' });
  assert.equal(failed.error?.message, 'Provided Grok expressions do not match field value: [abc]');
  const unknown = configError([{ grok: { field: 'field', patterns: ['%{INVALID_PATTERN:field}'] } }]);
  assert.equal(unknown.type, 'parse_exception');
  assert.equal(unknown.message, "[patterns] Invalid regex pattern found in: [%{INVALID_PATTERN:field}]. Unable to find pattern [INVALID_PATTERN] in Grok's pattern dictionary");
  assert.deepEqual(unknown.extra, { processor_type: 'grok', property_name: 'patterns' });
  const shadowing = run([{ grok: { field: 'field1', patterns: ['<%{NUMBER:msg}>'], pattern_definitions: { NUMBER: 'foo' } } }], { field1: '<foo>' });
  assert.equal(shadowing.source['msg'], 'foo');
  assert.match(configError([{ grok: { field: 'f', patterns: ['%{A}'], pattern_definitions: { A: '%{B}', B: '%{A}' } } }]).message, /circular reference/);
});

test('json and kv (140_json.yml, 150_kv.yml)', () => {
  assert.deepEqual(run([{ json: { field: 'j', target_field: 't' } }], { j: '{"a":[1,2]}' }).source['t'], { a: [1, 2] });
  assert.deepEqual(run([{ json: { field: 'j', add_to_root: true } }], { j: '{"a":1}' }).source, { j: '{"a":1}', a: 1 });
  assert.deepEqual(run([{ json: { field: 'j', add_to_root: true, add_to_root_conflict_strategy: 'merge' } }], { j: '{"o":{"b":2}}', o: { a: 1 } }).source['o'], { a: 1, b: 2 });
  assert.equal(run([{ json: { field: 'j' } }], { j: '{"a":1,"a":2}' }).error?.type, 'illegal_argument_exception');
  assert.equal(run([{ json: { field: 'j' } }], { j: 'not json' }).error?.type, 'illegal_argument_exception');
  assert.deepEqual(run([{ kv: { field: 'k', field_split: ' ', value_split: '=' } }], { k: 'goodbye=everybody hello=world hello=again' }).source, {
    k: 'goodbye=everybody hello=world hello=again',
    goodbye: 'everybody',
    hello: ['world', 'again'],
  });
  assert.deepEqual(
    run([{ kv: { field: 'k', field_split: '&', value_split: '=', target_field: 't', include_keys: ['a'], prefix: 'p_', strip_brackets: true } }], { k: 'a=(1)&b=2' }).source['t'],
    { p_a: '1' },
  );
  assert.equal(run([{ kv: { field: 'k', field_split: ' ', value_split: '=' } }], { k: 'novalue' }).error?.message, 'field [k] does not contain value_split [=]');
});

test('fail is a 400 fail_processor_exception (Elasticsearch answers 500; input never gets a 5xx from Strait) with the rendered message; drop marks the document (60_fail.yml, 220_drop_processor.yml)', () => {
  const failed = run([{ fail: { message: 'no {{a}}' } }], { a: 'way' });
  assert.equal(failed.error?.type, 'fail_processor_exception');
  assert.equal(failed.error?.status, 400);
  assert.equal(failed.error?.message, 'no way');
  const dropped = run([{ drop: {} }, { set: { field: 'after', value: 1 } }], { a: 1 });
  assert.equal(dropped.document.dropped, true);
  assert.deepEqual(dropped.source, { a: 1 });
});

test('pipeline: runs a stored pipeline, detects cycles (210_pipeline_processor.yml)', () => {
  const stored = { inner: { processors: [{ set: { field: 'inner', value: true } }] } };
  assert.deepEqual(run([{ pipeline: { name: 'inner' } }], {}, { stored }).source, { inner: true });
  const cycle = run([{ pipeline: { name: 'outer' } }], {}, { stored: { outer: { processors: [{ pipeline: { name: 'inner' } }] }, inner: { processors: [{ pipeline: { name: 'outer' } }] } } });
  assert.equal(cycle.error?.message, 'Cycle detected for pipeline: outer');
  // Elasticsearch 8.13+ (GraphStructureException); older 210_pipeline_processor.yml versions asserted illegal_state_exception.
  assert.equal(cycle.error?.type, 'graph_structure_exception');
  assert.equal(cycle.error?.status, 400);
  const chain = Object.fromEntries(Array.from({ length: 120 }, (_unused, index) => [`p${index}`, { processors: [{ pipeline: { name: `p${index + 1}` } }] }]));
  assert.equal(run([{ pipeline: { name: 'p0' } }], {}, { stored: chain }).error?.message, 'Too many nested pipelines. Cannot have more than 100 nested pipelines');
  const templated = { 'engineering-department': { processors: [{ set: { field: 'manager', value: 'john' } }] } };
  assert.deepEqual(run([{ pipeline: { name: '{{org}}-department' } }], { org: 'engineering' }, { stored: templated }).source, { org: 'engineering', manager: 'john' });
  const metadata = {
    another: { processors: [{ append: { field: 'pipelines', value: '{{_ingest.pipeline}}' } }] },
  };
  assert.deepEqual(run([{ append: { field: 'pipelines', value: '{{_ingest.pipeline}}' } }, { pipeline: { name: 'another' } }], {}, { stored: metadata }).source['pipelines'], ['_simulate_pipeline', 'another']);
  assert.equal(run([{ pipeline: { name: 'nope' } }], {}).error?.message, 'Pipeline processor configured for non-existent pipeline [nope]');
  assert.equal(run([{ pipeline: { name: 'nope', ignore_missing_pipeline: true } }], {}).error, undefined);
});

test('foreach: each element through _ingest._value, maps through _ingest._key (80_foreach.yml)', () => {
  assert.deepEqual(run([{ foreach: { field: 'values', processor: { uppercase: { field: '_ingest._value' } } } }], { values: ['foo', 'bar'] }).source, { values: ['FOO', 'BAR'] });
  assert.deepEqual(
    run([{ foreach: { field: 'm', processor: { uppercase: { field: '_ingest._key' } } } }], { m: { a: 1, b: 2 } }).source,
    { m: { A: 1, B: 2 } },
  );
  assert.equal(run([{ foreach: { field: 'v', processor: { uppercase: { field: '_ingest._value' } } } }], { v: 'x' }).error?.message, 'field [v] of type [java.lang.String] cannot be cast to a list or map');
});

test('script processor and if conditions run Painless in the ingest context (190_script_processor.yml, 210_conditional_processor.yml)', () => {
  assert.deepEqual(run([{ script: { source: 'ctx.bytes_total = ctx.bytes_in + ctx.bytes_out' } }], { bytes_in: 1234, bytes_out: 4321 }).source, { bytes_in: 1234, bytes_out: 4321, bytes_total: 5555 });
  assert.deepEqual(run([{ script: { source: 'ctx.x = params.v', params: { v: 'p' } } }], {}).source, { x: 'p' });
  const conditional = [{ set: { if: "ctx.foo == 'bar'", field: 'matched', value: true } }];
  assert.deepEqual(run(conditional, { foo: 'bar' }).source, { foo: 'bar', matched: true });
  assert.deepEqual(run(conditional, { foo: 'baz' }).source, { foo: 'baz' });
  const dropped = run([{ drop: { if: "ctx.foo == 'bar'" } }], { foo: 'bar' });
  assert.equal(dropped.document.dropped, true);
  assert.equal(configError([{ set: { if: 'ctx.foo ==', field: 'a', value: 1 } }]).type, 'script_exception');
});

test('a script processor given as its source alone runs it', () => {
  assert.deepEqual(run([{ script: 'ctx.x = 1' }], {}).source, { x: 1 });
});

test('bytes: human readable sizes to bytes (180_bytes_processor.yml, 200_default_pipeline.yml)', () => {
  assert.deepEqual(run([{ bytes: { field: 'b', target_field: 't' } }], { b: '1kb' }).source['t'], 1024);
  assert.deepEqual(run([{ bytes: { field: 'b' } }], { b: ['2KB', '1mb'] }).source['b'], [2048, 1048576]);
  assert.equal(run([{ bytes: { field: 'b' } }], { b: '12' }).error?.message, 'failed to parse setting [Ingest Field] with value [12] as a size in bytes: unit is missing or unrecognized');
});

test('sort and dot_expander (110_sort.yml, dot_expander processor page)', () => {
  assert.deepEqual(run([{ sort: { field: 'a' } }], { a: [3, 1, 2] }).source, { a: [1, 2, 3] });
  assert.deepEqual(run([{ sort: { field: 'a', order: 'desc', target_field: 'b' } }], { a: ['b', 'c', 'a'] }).source['b'], ['c', 'b', 'a']);
  assert.deepEqual(run([{ dot_expander: { field: 'foo.bar' } }], { 'foo.bar': 'value' }).source, { foo: { bar: 'value' } });
  assert.deepEqual(run([{ dot_expander: { field: '*' } }], { 'a.b': 1, 'c.d': 2, e: 3 }).source, { a: { b: 1 }, c: { d: 2 }, e: 3 });
  assert.deepEqual(run([{ dot_expander: { field: 'foo.bar' } }], { 'foo.bar': 'v1', foo: { bar: 'v2' } }).source, { foo: { bar: ['v2', 'v1'] } });
  assert.deepEqual(run([{ dot_expander: { field: 'foo.bar', override: true } }], { 'foo.bar': 'v1', foo: { bar: 'v2' } }).source, { foo: { bar: 'v1' } });
  assert.deepEqual(run([{ dot_expander: { field: 'b.c', path: 'a' } }], { a: { 'b.c': 1 } }).source, { a: { b: { c: 1 } } });
  assert.equal(run([{ dot_expander: { field: 'foo.bar' } }], { 'foo.bar': 1, foo: 'x' }).error?.message, 'cannot expand [foo.bar], because [foo] is not an object field, but a value field');
});

test('json: nulls, scalars, duplicates allowed on request, lenient parsing reads the first value (140_json.yml)', () => {
  const ran = run(
    [{ json: { field: 'foo_object' } }, { json: { field: 'foo_array' } }, { json: { field: 'foo_null' } }, { json: { field: 'foo_string' } }, { json: { field: 'foo_number' } }, { json: { field: 'foo_boolean' } }],
    { foo_object: '{"hello": "world"}', foo_array: '[1, 2, 3]', foo_null: null, foo_string: '"bla bla"', foo_number: 3, foo_boolean: 'true' },
  );
  assert.deepEqual(ran.source, { foo_object: { hello: 'world' }, foo_array: [1, 2, 3], foo_null: null, foo_string: 'bla bla', foo_number: 3, foo_boolean: true });
  assert.deepEqual(run([{ json: { field: 'json', add_to_root: true, allow_duplicate_keys: true } }], { json: '{"dupe": 1, "dupe": 2}' }).source['dupe'], 2);
  assert.deepEqual(run([{ json: { field: 'message', strict_json_parsing: false } }], { message: '123 foo' }).source, { message: 123 });
  assert.deepEqual(run([{ json: { field: 'message', strict_json_parsing: false } }], { message: '{"a":"}"} trailing' }).source, { message: { a: '}' } });
});

test('csv: defaults, quote and separator, trim, empty_value (250_csv.yml)', () => {
  assert.deepEqual(run([{ csv: { field: 'value', target_fields: ['a', 'b', 'c'] } }], { value: 'aa,bb,cc' }).source, { value: 'aa,bb,cc', a: 'aa', b: 'bb', c: 'cc' });
  const quoted = run([{ csv: { field: 'value', target_fields: ['a', 'b', 'c', 'd', 'e'], quote: "'", separator: ';' } }], { value: "'aa';'b;b';'cc';d,d;'ee''ee'" }).source;
  assert.deepEqual([quoted['a'], quoted['b'], quoted['c'], quoted['d'], quoted['e']], ['aa', 'b;b', 'cc', 'd,d', "ee'ee"]);
  const trimmed = run([{ csv: { field: 'value', target_fields: ['a', 'b', 'c'], trim: true, quote: "'" } }], { value: "    aa,  bb  ,    'cc'" }).source;
  assert.deepEqual([trimmed['a'], trimmed['b'], trimmed['c']], ['aa', 'bb', 'cc']);
  const log = run([{ csv: { field: 'value', target_fields: ['date', 'level', 'server', 'id', 'msg'], trim: true, separator: '|' } }], {
    value: '2018-01-06 16:56:14.295748|INFO    |VirtualServer |1  |listening on 0.0.0.0:9987, :::9987',
  }).source;
  assert.deepEqual([log['date'], log['level'], log['server'], log['id'], log['msg']], ['2018-01-06 16:56:14.295748', 'INFO', 'VirtualServer', '1', 'listening on 0.0.0.0:9987, :::9987']);
  assert.deepEqual(run([{ csv: { field: 'v', target_fields: ['a', 'b'], empty_value: 'none' } }], { v: ',x' }).source, { v: ',x', a: 'none', b: 'x' });
  assert.equal(run([{ csv: { field: 'v', target_fields: ['a'] } }], { v: '"open' }).error?.message, 'Unmatched quote');
});

test('terminate stops the running pipeline only: callers and the final pipeline go on (330_terminate_processor.yml)', () => {
  const inner = { 'test-pipeline': { processors: [{ append: { field: 'steps', value: 'before' } }, { terminate: { if: 'ctx.number < 50' } }, { append: { field: 'steps', value: 'after' } }] } };
  assert.deepEqual(run([{ pipeline: { name: 'test-pipeline' } }, { append: { field: 'steps', value: 'outer' } }], { number: 40, steps: [] }, { stored: inner }).source['steps'], ['before', 'outer']);
  assert.deepEqual(run([{ pipeline: { name: 'test-pipeline' } }, { append: { field: 'steps', value: 'outer' } }], { number: 60, steps: [] }, { stored: inner }).source['steps'], ['before', 'after', 'outer']);
});

test('uri_parts: the ECS url fields of a URI (320_uri_parts_processor.yml, uri-parts processor page)', () => {
  const uri = 'https://user:pw@testing.google.com:8080/foo/bar.txt?foo1=bar1&foo2=bar2#anchorVal';
  assert.deepEqual(run([{ uri_parts: { field: 'my_uri' } }], { my_uri: uri }).source['url'], {
    original: uri,
    scheme: 'https',
    domain: 'testing.google.com',
    fragment: 'anchorVal',
    path: '/foo/bar.txt',
    port: 8080,
    username: 'user',
    password: 'pw',
    user_info: 'user:pw',
    query: 'foo1=bar1&foo2=bar2',
    extension: 'txt',
  });
  assert.deepEqual(run([{ uri_parts: { field: 'u', target_field: 't', keep_original: false, remove_if_successful: true } }], { u: 'http://example.com/a' }).source, {
    t: { scheme: 'http', domain: 'example.com', path: '/a' },
  });
  assert.equal(run([{ uri_parts: { field: 'u' } }], { u: 'not a uri' }).error?.message, 'unable to parse URI [not a uri]');
});

test('uri_parts keeps an IPv6 host in brackets and splits its port', () => {
  assert.deepEqual(run([{ uri_parts: { field: 'u', keep_original: false } }], { u: 'http://[::1]:9200/_search' }).source['url'], { scheme: 'http', domain: '[::1]', port: 9200, path: '/_search' });
});
