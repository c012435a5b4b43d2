/**
 * The pipeline engine: on_failure (per processor and per pipeline), ignore_failure, `if`, and the
 * verbose `_simulate` trace, as Elasticsearch's 50_on_failure.yml, 90_simulate.yml and
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/handling-pipeline-failures.html assert.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/index.js';
import { executePipeline, IngestDocument, IngestStats } from '../../../src/index/ingest/index.js';
import { processorStatsName } from '../../../src/index/ingest/pipeline.js';
import { configError, pipelineOf, run } from './helpers.js';

test('processor on_failure runs with _ingest.on_failure_* set, and they are gone afterwards', () => {
  const ran = run(
    [
      {
        rename: {
          tag: 'r1',
          field: 'missing',
          target_field: 'x',
          on_failure: [
            { set: { field: 'message', value: '{{_ingest.on_failure_message}}' } },
            { set: { field: 'type', value: '{{_ingest.on_failure_processor_type}}' } },
            { set: { field: 'tag', value: '{{_ingest.on_failure_processor_tag}}' } },
            { set: { field: 'pipeline', value: '{{_ingest.on_failure_pipeline}}' } },
          ],
        },
      },
      { set: { field: 'after', value: true } },
    ],
    {},
  );
  assert.equal(ran.error, undefined);
  assert.deepEqual(ran.source, { message: "field [missing] doesn't exist", type: 'rename', tag: 'r1', pipeline: '_simulate_pipeline', after: true });
  assert.deepEqual(Object.keys(ran.document.ingest), ['timestamp']);
});

test('pipeline on_failure handles a failure and stops the pipeline; the failing processor of a nested pipeline is reported', () => {
  const ran = run(
    {
      processors: [{ pipeline: { name: 'inner' } }, { set: { field: 'not_reached', value: 1 } }],
      on_failure: [{ set: { field: 'failed_in', value: '{{_ingest.on_failure_processor_type}}:{{_ingest.on_failure_processor_tag}}:{{_ingest.on_failure_pipeline}}' } }],
    },
    {},
    { stored: { inner: { processors: [{ fail: { tag: 'f', message: 'boom' } }] } } },
  );
  assert.equal(ran.error, undefined);
  assert.deepEqual(ran.source, { failed_in: 'fail:f:inner' });
});

test('a failing on_failure processor fails the document; ignore_failure swallows a failure', () => {
  const failed = run([{ fail: { message: 'first', on_failure: [{ fail: { message: 'second' } }] } }], {});
  assert.equal(failed.error?.message, 'second');
  const ignored = run([{ rename: { field: 'x', target_field: 'y', ignore_failure: true } }, { set: { field: 'ok', value: 1 } }], {});
  assert.equal(ignored.error, undefined);
  assert.deepEqual(ignored.source, { ok: 1 });
});

test('on_failure drop drops the document (220_drop_processor.yml "Test Drop Processor On Failure")', () => {
  const ran = run([{ fail: { message: 'failed', on_failure: [{ drop: {} }] } }], { foo: 'bar' });
  assert.equal(ran.document.dropped, true);
});

test('an empty on_failure list is refused; description and tag are kept', () => {
  const error = configError([{ set: { field: 'a', value: 1, on_failure: [] } }]);
  assert.equal(error.message, '[on_failure] processors list cannot be empty');
  const pipeline = pipelineOf({ description: 'd', version: 3, processors: [{ set: { description: 'sets', tag: 't', field: 'a', value: 1 } }] });
  assert.equal(pipeline.version, 3);
  assert.equal(pipeline.processors[0]?.description, 'sets');
  assert.throws(() => pipelineOf({ description: 'd' }), (thrown: EsError) => thrown.message === '[processors] required property is missing' && thrown.extra['property_name'] === 'processors');
  assert.throws(() => pipelineOf({ processors: [], bogus: 1 }), /doesn't support one or more provided configuration parameters \[bogus\]/);
});

test('verbose trace: one entry per processor with the document after it (90_simulate.yml "Test simulate with verbose flag")', () => {
  const ran = run(
    [
      { set: { tag: 'processor[set]-0', field: 'field2.value', value: '_value' } },
      { set: { field: 'field3', value: 'third_val' } },
      { uppercase: { field: 'field2.value' } },
      { lowercase: { field: 'foo.bar.0.item' } },
    ],
    { foo: { bar: [{ item: 'HELLO' }] } },
    { verbose: true },
  );
  const trace = ran.trace!;
  assert.equal(trace.length, 4);
  assert.equal(trace[0]!.tag, 'processor[set]-0');
  assert.equal(trace[0]!.processor_type, 'set');
  assert.equal(trace[0]!.status, 'success');
  assert.deepEqual((trace[0]!.doc as any)._source, { foo: { bar: [{ item: 'HELLO' }] }, field2: { value: '_value' } });
  assert.deepEqual(Object.keys((trace[0]!.doc as any)._ingest).sort(), ['pipeline', 'timestamp']);
  assert.equal((trace[2]!.doc as any)._source.field2.value, '_VALUE');
  assert.equal((trace[3]!.doc as any)._source.foo.bar[0].item, 'hello');
  assert.equal((trace[0]!.doc as any)._index, 'index');
  assert.equal((trace[0]!.doc as any)._id, 'id');
});

test('verbose trace with on_failure: error entries, then the handlers (90_simulate.yml "Test verbose simulate with on_failure")', () => {
  const ran = run(
    [
      { set: { tag: 'setstatus-1', field: 'status', value: 200 } },
      {
        rename: {
          tag: 'rename-1',
          field: 'foofield',
          target_field: 'field1',
          on_failure: [
            { set: { tag: 'set on_failure rename', field: 'foofield', value: 'exists' } },
            { rename: { field: 'foofield2', target_field: 'field1', on_failure: [{ set: { field: 'foofield2', value: 'ran' } }] } },
          ],
        },
      },
    ],
    { field1: '123.42 400 <foo>' },
    { verbose: true },
  );
  const trace = ran.trace!;
  assert.equal(trace.length, 5);
  assert.equal(trace[1]!.tag, 'rename-1');
  assert.equal(trace[1]!.status, 'error');
  assert.equal((trace[1]!.error as any).type, 'illegal_argument_exception');
  assert.equal((trace[1]!.error as any).reason, "field [foofield] doesn't exist");
  assert.equal((trace[1]!.error as any).root_cause[0].reason, "field [foofield] doesn't exist");
  assert.equal(trace[2]!.tag, 'set on_failure rename');
  assert.equal((trace[2]!.doc as any)._ingest.on_failure_processor_tag, 'rename-1');
  assert.equal(trace[3]!.tag, undefined);
  assert.deepEqual((trace[4]!.doc as any)._source, { field1: '123.42 400 <foo>', status: 200, foofield: 'exists', foofield2: 'ran' });
});

test('verbose trace: ignore_failure gives error_ignored with ignored_error; a nested pipeline gets its own entry; cycles fail on the caller', () => {
  const ignored = run([{ rename: { tag: 'rename-1', field: 'foofield', target_field: 'field1', ignore_failure: true } }], {}, { verbose: true }).trace!;
  assert.equal(ignored[0]!.status, 'error_ignored');
  assert.equal((ignored[0]!.ignored_error!.error as any).type, 'illegal_argument_exception');
  assert.ok(ignored[0]!.doc !== undefined);
  const nested = run([{ pipeline: { name: 'my_pipeline' } }], {}, { verbose: true, stored: { my_pipeline: { processors: [{ rename: { field: 'does_not_exist', target_field: '_value' } }] } } }).trace!;
  assert.deepEqual(
    nested.map((entry) => [entry.processor_type, entry.status]),
    [
      ['pipeline', 'success'],
      ['rename', 'error'],
    ],
  );
  assert.equal((nested[1]!.error as any).reason, "field [does_not_exist] doesn't exist");
  const cycle = run([{ pipeline: { name: 'outer' } }], {}, { verbose: true, stored: { outer: { processors: [{ pipeline: { name: 'inner' } }] }, inner: { processors: [{ pipeline: { name: 'outer' } }] } } }).trace!;
  assert.equal(cycle.length, 1);
  assert.equal((cycle[0]!.error as any).reason, 'Cycle detected for pipeline: outer');
});

test('verbose trace: if shows the condition and its result; false is skipped; drop is dropped', () => {
  const trace = run(
    [
      { set: { if: "ctx.foo == 'bar'", field: 'a', value: 1 } },
      { set: { if: "ctx.foo == 'baz'", field: 'b', value: 1 } },
      { drop: {} },
    ],
    { foo: 'bar' },
    { verbose: true },
  ).trace!;
  assert.deepEqual(trace[0]!.if, { condition: "ctx.foo == 'bar'", result: true });
  assert.equal(trace[0]!.status, 'success');
  assert.deepEqual(trace[1]!.if, { condition: "ctx.foo == 'baz'", result: false });
  assert.equal(trace[1]!.status, 'skipped');
  assert.equal(trace[1]!.doc, undefined);
  assert.equal(trace[2]!.status, 'dropped');
});

test('stats name processors as Elasticsearch does: type:tag, conditional, the compound wrapper, pipeline:name (300_stats.yml)', () => {
  const pipeline = pipelineOf({
    processors: [
      { set: { tag: 'set-a', field: 'a', value: '1' } },
      { set: { tag: 'set-b', field: 'b', value: '2', if: 'false' } },
      { set: { tag: 'set-c', field: 'c', value: '3', ignore_failure: true } },
      { set: { tag: 'set-d', field: 'd', value: '4', if: 'true', ignore_failure: true } },
      { pipeline: { name: 'other' } },
    ],
  });
  assert.deepEqual(
    pipeline.processors.map((processor) => processorStatsName(processor)),
    [
      { key: 'set:set-a', type: 'set' },
      { key: 'set:set-b', type: 'conditional' },
      { key: 'set:set-c', type: 'set' },
      { key: 'compound:CompoundProcessor-set-d', type: 'conditional' },
      { key: 'pipeline:other', type: 'pipeline' },
    ],
  );
  const stats = new IngestStats();
  const document = IngestDocument.of({ _index: 'i' }, {}, 't');
  executePipeline(pipeline, document, { nowMs: 0, elapsedMs: () => 0, pipeline: (id) => (id === 'other' ? pipelineOf({ processors: [] }, 'other') : undefined), trace: undefined, stats });
  const json = stats.toJson(new Map([['p', pipeline]])) as any;
  assert.equal(json.pipelines.p.count, 1);
  assert.deepEqual(
    json.pipelines.p.processors.map((entry: Record<string, any>) => Object.values(entry)[0].stats.count),
    [1, 0, 1, 1, 1],
  );
});

test('processor stats count per document, and a replaced pipeline keeps the counters of a processor whose name is unchanged', () => {
  const stats = new IngestStats();
  const runWith = (pipeline: ReturnType<typeof pipelineOf>): void =>
    executePipeline(pipeline, IngestDocument.of({ _index: 'i' }, {}, 't'), { nowMs: 0, elapsedMs: () => 0, pipeline: () => undefined, trace: undefined, stats });
  const counts = (pipeline: ReturnType<typeof pipelineOf>): unknown =>
    ((stats.toJson(new Map([['p', pipeline]])) as any).pipelines.p.processors as Record<string, any>[]).map((entry) => Object.entries(entry).map(([key, value]) => [key, value.stats.count])[0]);
  const first = pipelineOf({ processors: [{ set: { tag: 'a', field: 'x', value: 1 } }, { set: { tag: 'b', field: 'y', value: 2 } }] });
  runWith(first);
  runWith(first);
  assert.deepEqual(counts(first), [['set:a', 2], ['set:b', 2]]);
  // The pipeline put again: the first processor keeps its name (and counters), the second is renamed (and starts over).
  const replaced = pipelineOf({ processors: [{ set: { tag: 'a', field: 'x', value: 3 } }, { set: { tag: 'c', field: 'y', value: 2 } }] });
  runWith(replaced);
  assert.deepEqual(counts(replaced), [['set:a', 3], ['set:c', 1]]);
});

test('an empty pipeline on_failure is refused with Elasticsearch\'s message (50_on_failure.yml)', () => {
  assert.throws(
    () => pipelineOf({ processors: [{ set: { field: 'foo', value: '_message' } }], on_failure: [] }, 'my_pipeline'),
    (thrown: EsError) => thrown.type === 'parse_exception' && thrown.message === 'pipeline [my_pipeline] cannot have an empty on_failure option defined',
  );
  const tagged = configError([{ fail: { tag: 'emptyfail', message: '_message', on_failure: [] } }]);
  assert.deepEqual(tagged.extra, { processor_type: 'fail', processor_tag: 'emptyfail', property_name: 'on_failure' });
});
