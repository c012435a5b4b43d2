// Strait's Painless subset, pure: parser, Java semantics, budgets and Elasticsearch's
// script_exception rendering. References: the Painless language specification
// (https://www.elastic.co/guide/en/elasticsearch/painless/current/painless-lang-spec.html:
// literals, operators, casting, statements, for-each, list/map initializers, elvis, null-safe),
// Painless's loop counter (CompilerSettings maxLoopCounter 1,000,000) and ScriptException's
// rendering (script_stack, script, lang, position, caused_by), as modules-scripting-using.html shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { compileScript, docLookup, javaString, parseScriptSpec, runIngestScript, runWriteScript, toJson, type ScriptContext, type Value } from '../../../src/index/script/index.js';
import { parseScript } from '../../../src/index/script/parser.js';
import { parseStoredScriptPut } from '../../../src/index/script/stored.js';
import { markWholeDoubles, parseJsonKeepingDoubles } from '../../../src/index/script/json-doubles.js';

const clock = { nowMs: () => 1_000 };

function run(source: string, params: Record<string, unknown> = {}, context: ScriptContext = 'score', variables: Record<string, Value> = { doc: null, _score: null }): Value {
  return compileScript(parseScriptSpec({ source, params }), context).execute(variables, clock);
}

const show = (source: string, params: Record<string, unknown> = {}): string => javaString(run(source, params));

function failure(action: () => unknown): Record<string, unknown> {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof EsError, `expected an EsError, got ${String(error)}`);
    return error.toBody() as unknown as Record<string, unknown>;
  }
  assert.fail('expected a failure');
}

test('parser: statements carry offsets; the last statement may omit its semicolon', () => {
  const program = parseScript('int x = 1; if (x > 0) { x++ } else x--; return x');
  assert.deepEqual(program.body.map((statement) => statement.type), ['declare', 'if', 'return']);
  // A declaration's statement starts at its variable (`x`), as Painless marks it.
  assert.deepEqual(program.statementStarts.slice(0, 2), [4, 11]);
  assert.equal(program.body[2]!.start, 40);
});

test('literals: int, long, float and double suffixes, hex and octal, both string quotes', () => {
  assert.equal(show('5'), '5');
  assert.equal(show('5L + 1'), '6');
  assert.equal(show('5f'), '5.0');
  assert.equal(show('5d'), '5.0');
  assert.equal(show('1e3'), '1000.0');
  assert.equal(show('0x1F'), '31');
  assert.equal(show('010'), '8');
  assert.equal(show("'single' + \"double\""), 'singledouble');
  assert.equal(show("'it\\'s'"), "it's");
  assert.equal(show('-2147483648'), '-2147483648');
});

test('Java integer arithmetic: integer division, int overflow wraps, long does not at 2^31, % and shifts', () => {
  assert.equal(show('7 / 2'), '3');
  assert.equal(show('-7 / 2'), '-3');
  assert.equal(show('7.0 / 2'), '3.5');
  assert.equal(show('-7 % 3'), '-1');
  assert.equal(show('2147483647 + 1'), '-2147483648');
  assert.equal(show('2147483647L + 1'), '2147483648');
  assert.equal(show('9223372036854775807L + 1'), '-9223372036854775808');
  assert.equal(show('46341 * 46341'), '-2147479015');
  assert.equal(show('1 << 33'), '2');
  assert.equal(show('-1 >>> 28'), '15');
  assert.equal(show('(int) 3.99'), '3');
  assert.equal(show('(int) -3.99'), '-3');
  assert.equal(show('(long) 1e19'), '9223372036854775807');
  assert.equal(show('(byte) 200'), '-56');
  assert.equal(show('1.0 / 0'), 'Infinity');
});

test('string concatenation uses Java\'s String.valueOf (1.0 stays 1.0, lists and maps as Java prints them)', () => {
  assert.equal(show('"a" + 1 + 2'), 'a12');
  assert.equal(show('1 + 2 + "a"'), '3a');
  assert.equal(show('"v" + 2.0'), 'v2.0');
  assert.equal(show('"v" + 1e10'), 'v1.0E10');
  assert.equal(show('"v" + null'), 'vnull');
  assert.equal(show('"" + [1, "b"]'), '[1, b]');
  assert.equal(show("'' + ['a': 1]"), '{a=1}');
});

test('comparisons, ==/!= by value, === by identity, logical operators, instanceof, ternary, elvis, null-safe', () => {
  assert.equal(run('1 == 1L'), true);
  assert.equal(run('1 == 1.0'), true);
  assert.equal(run('"a" == "a"'), true);
  assert.equal(run('[1, 2] == [1, 2]'), true);
  assert.equal(run('def a = [1]; def b = [1]; a === b'), false);
  assert.equal(run('def a = [1]; def b = a; a === b'), true);
  assert.equal(run('3 > 2 && !(1 >= 2) || false'), true);
  assert.equal(run('def x = "s"; x instanceof String'), true);
  assert.equal(run('def x = 1; x instanceof Long'), false);
  assert.equal(show('params.n > 1 ? "big" : "small"', { n: 5 }), 'big');
  assert.equal(show('params.missing ?: "default"'), 'default');
  assert.equal(run('params.missing?.length()'), null);
  assert.equal(run('params.s?.length()', { s: 'abc' }), 3);
});

test('statements: if/else, for, for-each in both forms, while, do-while, break, continue, return', () => {
  assert.equal(show('int s = 0; for (int i = 0; i < 10; i++) { if (i == 5) break; s += i } return s'), '10');
  assert.equal(show('int s = 0; for (def x : [1, 2, 3, 4]) { if (x % 2 == 0) continue; s += x } s'), '4');
  assert.equal(show('def s = ""; for (x in ["a", "b"]) { s += x } s'), 'ab');
  assert.equal(show('int i = 0; while (i < 3) { i++ } i'), '3');
  assert.equal(show('int i = 10; do { i++ } while (i < 3); i'), '11');
  assert.equal(show('if (params.a == 1) { return "one" } else if (params.a == 2) { return "two" } return "other"', { a: 2 }), 'two');
  assert.equal(show('int a = 1, b = 2; a += b; a *= 3; a -= 1; a /= 2; a'), '4');
  assert.equal(show('int x = 5; int y = x++ + ++x; y'), '12');
  assert.equal(show('int x = 10; x /= 4; x'), '2');
  assert.equal(show('double d = 10; d /= 4; d'), '2.5');
});

test('lists and maps: literals, shortcuts, methods, negative list index', () => {
  assert.equal(show('def l = [1, 2, 3]; l.add(4); l.remove(0); l.set(0, 9); l.size() + ":" + l + ":" + l[-1]'), '3:[9, 3, 4]:4');
  assert.equal(show('List l = new ArrayList(); l.add("b"); l.add("a"); l.sort(null); l.contains("a") + "" + l.indexOf("b") + l'), 'true1[a, b]');
  assert.equal(show('Map m = [:]; m.put("a", 1); m.b = 2; m["c"] = 3; m.remove("a"); m.keySet() + "" + m.values() + m.containsKey("b") + m.getOrDefault("z", 0) + m.size()'), '[b, c][2, 3]true02');
  assert.equal(show("def m = ['x': 1, 'y': 2]; int s = 0; for (def e : m.entrySet()) { s += e.getValue() } s + m.isEmpty().toString()"), '3false');
  assert.equal(show('def l = []; l.addAll([1, 2]); l.isEmpty() + ":" + l.size() + ":" + l.get(1)'), 'false:2:2');
  assert.equal(show('int[] a = new int[3]; a[1] = 5; a.length + ":" + a[1] + ":" + a[0]'), '3:5:0');
});

test('String methods, Math, parsing and valueOf', () => {
  assert.equal(show('"Hello".length() + "Hello".substring(1, 3) + "Hello".indexOf("l") + "Hello".charAt(1)'), '5el2e');
  assert.equal(show('" Hi ".trim().toUpperCase() + "Hi".toLowerCase() + "abc".replace("b", "x")'), 'HIhiaxc');
  assert.equal(show('"a,b,,c".splitOnToken(",").length'), '4');
  assert.equal(show('"abc".startsWith("ab") + " " + "abc".endsWith("bc") + " " + "abc".contains("d") + " " + "".isEmpty() + " " + "a".equals("a")'), 'true true false true true');
  assert.equal(show('Math.max(1, 2) + Math.min(1L, 2L) + Math.abs(-3)'), '6');
  assert.equal(show('Math.pow(2, 10)'), '1024.0');
  assert.equal(show('Math.sqrt(16) + Math.floor(1.5) + Math.ceil(1.2)'), '7.0');
  assert.equal(show('Math.round(2.5) + Math.round(-2.5)'), '1');
  assert.equal(show('Math.log10(1000) + Math.log(Math.E) + Math.exp(0)'), '5.0');
  assert.equal(show('Integer.parseInt("41") + 1'), '42');
  assert.equal(show('Double.parseDouble("1.5") * 2'), '3.0');
  assert.equal(show('String.valueOf(12) + String.valueOf(1.5)'), '121.5');
});

test('typed locals: implicit widening only; narrowing between known types is a compile error with its position', () => {
  assert.equal(show('long l = 1; double d = l; d'), '1.0');
  const body = failure(() => run('int x = 1.5'));
  const error = body['error'] as Record<string, unknown>;
  assert.equal(error['type'], 'script_exception');
  assert.equal(error['reason'], 'compile error');
  assert.deepEqual(error['position'], { offset: 8, start: 0, end: 11 });
  assert.deepEqual(error['caused_by'], { type: 'illegal_argument_exception', reason: 'Cannot cast from [double] to [int].' });
  // A def value that does not fit fails when it runs.
  const runtime = failure(() => run('def x = 1L; int y = x; y'))['error'] as Record<string, unknown>;
  assert.equal(runtime['reason'], 'runtime error');
  assert.equal((runtime['caused_by'] as Record<string, unknown>)['type'], 'class_cast_exception');
});

test('compile errors: script_exception with script_stack, script, lang, position and caused_by; root cause is the script_exception', () => {
  const body = failure(() => run('ctx._source.age + 1'));
  const error = body['error'] as Record<string, unknown>;
  assert.equal(body['status'], 400);
  assert.equal(error['type'], 'script_exception');
  assert.equal(error['script'], 'ctx._source.age + 1');
  assert.equal(error['lang'], 'painless');
  assert.deepEqual(error['script_stack'], ['ctx._source.age + 1', '^---- HERE']);
  assert.deepEqual(error['caused_by'], { type: 'illegal_argument_exception', reason: 'cannot resolve symbol [ctx]' });
  const roots = error['root_cause'] as Record<string, unknown>[];
  assert.equal(roots[0]!['type'], 'script_exception');
  assert.equal(roots[0]!['caused_by'], undefined);

  const syntax = failure(() => run('1 +'))['error'] as Record<string, unknown>;
  assert.deepEqual(syntax['position'], { offset: 3, start: 0, end: 3 });
  assert.equal((syntax['caused_by'] as Record<string, unknown>)['reason'], "invalid sequence of tokens near ['<EOF>'].");

  // Long scripts show 25 characters each side of the offset, with ellipses.
  const long = failure(() => run('int aaaaaaaaaa = 1; int bbbbbbbbbb = 2; int cccccccccc = undefinedName; return 1111111111 + 222222222'))['error'] as Record<string, unknown>;
  const stack = long['script_stack'] as string[];
  assert.match(stack[0]!, /^\.\.\. .* \.\.\.$/);
  assert.equal(stack[1]!.indexOf('^'), 4 + 25);
  assert.equal((long['position'] as Record<string, number>)['offset'], 57);

  assert.equal(((failure(() => run('break'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], 'invalid break statement: not inside a loop');
  assert.equal(((failure(() => run('int x = 1; int x = 2'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], 'variable [x] is already defined');
  assert.equal(((failure(() => run('params = 1'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['type'], 'illegal_argument_exception');
  assert.match(((failure(() => run('Math.nope(1)'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, string>)['reason']!, /unknown static method \[nope\]/);
});

test('runtime errors: the failing statement, a pointer, and the Java exception as caused_by', () => {
  const error = failure(() => run('def x = [1, 2]; int y = 0; y = x[5]; y'))['error'] as Record<string, unknown>;
  assert.equal(error['reason'], 'runtime error');
  assert.deepEqual(error['script_stack'], ['y = x[5]; ', '    ^---- HERE']);
  assert.deepEqual(error['position'], { offset: 31, start: 27, end: 37 });
  assert.deepEqual(error['caused_by'], { type: 'index_out_of_bounds_exception', reason: 'Index 5 out of bounds for length 2' });
  assert.equal(((failure(() => run('1 / 0'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], '/ by zero');
  assert.equal(((failure(() => run('def x = null; x.length()'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['type'], 'null_pointer_exception');
  assert.equal(((failure(() => run('Integer.parseInt("x1")'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], 'For input string: "x1"');
  assert.match(((failure(() => run('"abc".foo()'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, string>)['reason']!, /dynamic method \[java.lang.String, foo\/0\] not found/);
});

test('budget: 1,000,000 loop statements per execution, then painless_error at the loop; a wall-clock budget stops long runs', () => {
  // 999,999 iterations of a one-statement body fit; an endless loop does not.
  assert.equal(show('int i = 0; while (i < 999999) { i++ } i'), '999999');
  const error = failure(() => run('int i = 0; while (i >= 0) { i++ }'))['error'] as Record<string, unknown>;
  assert.deepEqual(error['caused_by'], { type: 'painless_error', reason: 'The maximum number of statements that can be executed in a loop has been reached.' });
  assert.equal((error['position'] as Record<string, number>)['offset'], 11);
  // The counter charges each iteration the statements of its body: 3 statements x 400,000 > 1,000,000.
  assert.ok(failure(() => run('int a = 0; for (int i = 0; i < 400000; i++) { a++; a++; a++ } a')));
  // Time: a clock that jumps past the budget stops the script at the next clock read.
  let now = 0;
  const script = compileScript(parseScriptSpec('int i = 0; while (i < 100000) { i++ } i'), 'score');
  const timed = failure(() => script.execute({ doc: null, _score: null }, { nowMs: () => (now += 10_000) }))['error'] as Record<string, unknown>;
  assert.equal((timed['caused_by'] as Record<string, unknown>)['type'], 'painless_error');
  assert.match((timed['caused_by'] as Record<string, string>)['reason']!, /time budget/);
});

test('script specs: string shorthand, stored id, lang checks, params', () => {
  assert.deepEqual(parseScriptSpec('1'), { source: '1', id: undefined, lang: undefined, params: {} });
  assert.equal(failure(() => parseScriptSpec({ source: '1', lang: 'expression' }))['status'], 400);
  assert.equal((failure(() => parseScriptSpec({ source: '1', lang: 'expression' }))['error'] as Record<string, unknown>)['reason'], 'script_lang not supported [expression]');
  assert.equal((failure(() => parseScriptSpec({ id: 'x', lang: 'painless' }))['error'] as Record<string, unknown>)['reason'], 'lang cannot be specified for stored scripts');
  assert.equal((failure(() => parseScriptSpec({ params: {} }))['error'] as Record<string, unknown>)['reason'], 'must specify either [source] for an inline script or [id] for a stored script');
  assert.equal((failure(() => compileScript(parseScriptSpec({ id: 'nope' }), 'update', { get: () => undefined }))['error'] as Record<string, unknown>)['type'], 'resource_not_found_exception');
  const stored = compileScript(parseScriptSpec({ id: 'add', params: { n: 2 } }), 'score', { get: () => ({ lang: 'painless', source: 'params.n + 1' }) });
  assert.equal(stored.execute({ doc: null, _score: null }, clock), 3);
});

test('stored script bodies: lang and source required, mustache refused, syntax checked, context compiled', () => {
  assert.deepEqual(parseStoredScriptPut('s', undefined, { script: { lang: 'painless', source: 'ctx._source.a = 1' } }), { lang: 'painless', source: 'ctx._source.a = 1' });
  assert.equal((failure(() => parseStoredScriptPut('s', undefined, { script: { source: '1' } }))['error'] as Record<string, unknown>)['reason'], 'must specify lang for stored script');
  assert.equal((failure(() => parseStoredScriptPut('s', undefined, { script: { lang: 'painless' } }))['error'] as Record<string, unknown>)['reason'], 'must specify source for stored script');
  assert.equal((failure(() => parseStoredScriptPut('s', undefined, { script: { lang: 'mustache', source: '{}' } }))['status']), 400);
  assert.equal((failure(() => parseStoredScriptPut('s', undefined, { script: { lang: 'painless', source: '1 +' } }))['error'] as Record<string, unknown>)['type'], 'script_exception');
  assert.equal((failure(() => parseStoredScriptPut('s', 'score', { script: { lang: 'painless', source: 'ctx.x' } }))['error'] as Record<string, unknown>)['type'], 'script_exception');
  assert.equal((failure(() => parseStoredScriptPut('s', 'nope', { script: { lang: 'painless', source: '1' } }))['error'] as Record<string, unknown>)['reason'], 'Unknown context [nope]');
  assert.deepEqual((failure(() => parseStoredScriptPut('a#b', undefined, { script: { lang: 'painless', source: '1' } }))['error'] as Record<string, unknown>)['type'], 'action_request_validation_exception');
});

test('write scripts: ctx._source edits, ctx.op, read-only metadata, unknown ops are noops (UpdateMetadata)', () => {
  const spec = (source: string, params = {}) => compileScript(parseScriptSpec({ source, params }), 'update');
  const input = { source: { age: 29, tags: ['a'], price: 1.5 }, index: 'i', id: '1', version: 3, routing: undefined, op: 'index' as const };
  const edited = runWriteScript(spec('ctx._source.age++; ctx._source.tags.add(params.t); ctx._source.price *= 2; ctx._source.seen = ctx._id + ctx._version', { t: 'x' }), { ...input }, clock);
  assert.deepEqual(edited.source, { age: 30, tags: ['a', 'x'], price: 3, seen: '13' });
  assert.equal(edited.op, 'index');
  const withParams = runWriteScript(spec('ctx._source.tags.add(params.t)', { t: 'y' }), { ...input, source: { tags: [] } }, clock);
  assert.deepEqual(withParams.source, { tags: ['y'] });
  assert.equal(runWriteScript(spec("ctx.op = 'noop'"), input, clock).op, 'noop');
  assert.equal(runWriteScript(spec("ctx.op = 'none'"), input, clock).op, 'noop');
  assert.equal(runWriteScript(spec("ctx.op = 'delete'"), input, clock).op, 'delete');
  assert.equal(runWriteScript(spec("ctx.op = 'whatever'"), input, clock).op, 'noop');
  const readOnly = failure(() => runWriteScript(spec("ctx._id = 'x'"), input, clock))['error'] as Record<string, unknown>;
  assert.deepEqual(readOnly['caused_by'], { type: 'illegal_argument_exception', reason: '_id cannot be updated' });
  const unknownKey = failure(() => runWriteScript(spec("ctx.foo = 'x'"), input, clock))['error'] as Record<string, unknown>;
  assert.equal((unknownKey['caused_by'] as Record<string, unknown>)['reason'], 'Cannot put key [foo] with value [x] into ctx');
  assert.equal(runWriteScript(spec('ctx._now'), input, clock).op, 'index');
  // Reindex scripts may change _index and _id.
  const reindex = runWriteScript(compileScript(parseScriptSpec("ctx._index = 'other'; ctx._id = ctx._id + '-copy'"), 'reindex'), input, clock);
  assert.deepEqual([reindex.index, reindex.id], ['other', '1-copy']);
});

test('ingest scripts see the document as ctx', () => {
  const script = compileScript(parseScriptSpec({ source: "ctx.total = ctx.a + ctx.b; ctx.remove('a')", params: {} }), 'ingest');
  assert.deepEqual(runIngestScript(script, { a: 1, b: 2.5, _index: 'i' }, clock), { b: 2.5, _index: 'i', total: 3.5 });
});

test("doc['f']: value, size(), empty, length, index access; missing values and unmapped fields fail as Elasticsearch's", () => {
  const doc = docLookup('idx', 0, (name) => {
    if (name === 'n') return { mapping: { type: 'long' }, docValues: { kind: 'numeric', valueStart: Int32Array.from([0, 2]), values: Float64Array.from([3, 7]), singleValued: false, pointValues: new Float64Array(), pointDocs: new Int32Array() }, terms: undefined };
    if (name === 'k') return { mapping: { type: 'keyword' }, docValues: { kind: 'keyword', valueStart: Int32Array.from([0, 0]), ordinals: new Int32Array(), singleValued: true }, terms: [] };
    return { mapping: undefined, docValues: undefined, terms: undefined };
  });
  const score = (source: string) => compileScript(parseScriptSpec(source), 'score').execute({ doc, _score: null }, clock);
  assert.equal(javaString(score("doc['n'].value * 2")), '6');
  assert.equal(score("doc['n'].size()"), 2);
  assert.equal(score("doc['n'].length"), 2);
  assert.equal(javaString(score("doc['n'][1]")), '7');
  assert.equal(score("doc['k'].empty"), true);
  assert.equal(score("doc['k'].size() == 0 ? 'none' : doc['k'].value"), 'none');
  assert.equal(((failure(() => score("doc['k'].value"))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['type'], 'illegal_state_exception');
  assert.equal(((failure(() => score("doc['zz'].value"))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], 'No field found for [zz] in mapping');
  assert.deepEqual(toJson(score("doc['n'].values") as Value), [3, 7]);
});

test('runtime field scripts call emit; other contexts do not know it', () => {
  const emitted: Value[] = [];
  const script = compileScript(parseScriptSpec("for (def v : params.list) { emit(v * 2) }"), 'runtime_field');
  const withParams = compileScript({ ...parseScriptSpec("for (def v : params.list) { emit(v * 2) }"), params: { list: [1, 2] } }, 'runtime_field');
  void script;
  withParams.execute({ doc: null }, clock, { emit: (args) => (emitted.push(args[0]!), null) });
  assert.deepEqual(emitted, [2, 4]);
  assert.equal((failure(() => run('emit(1)'))['error'] as Record<string, unknown>)['reason'], 'compile error');
});

test('painless/17_update_error.yml: a compile error\'s position is the offending token, 25 characters each side', () => {
  const body = failure(() => parseStoredScriptPut('1', 'score', { script: { lang: 'painless', source: "_score * foo bar + doc['myParent.weight'].value" } }));
  const root = (body['error'] as Record<string, unknown>)['root_cause'] as Record<string, unknown>[];
  assert.equal(root[0]!['reason'], 'compile error');
  assert.deepEqual(root[0]!['position'], { offset: 13, start: 0, end: 38 });
});

test('painless/120_stored_scripts.yml: scripts for runtime field contexts cannot be stored', () => {
  const body = failure(() => parseStoredScriptPut('b', 'boolean_field', { script: { lang: 'painless', source: "'x'" } }));
  const error = body['error'] as Record<string, unknown>;
  assert.equal(error['type'], 'illegal_argument_exception');
  assert.equal((error['root_cause'] as Record<string, unknown>[])[0]!['type'], 'illegal_argument_exception');
  assert.equal((error['caused_by'] as Record<string, unknown>)['reason'], 'cannot store a script for context [boolean_field]');
});

test('painless/15_update.yml: a source that contains itself is a 400 illegal_argument_exception, not a script error', () => {
  const script = compileScript(parseScriptSpec('ctx._source.ctx = ctx'), 'update');
  const body = failure(() => runWriteScript(script, { source: { foo: 'bar' }, index: 'i', id: '2', version: 1, routing: undefined, op: 'index' }, clock));
  const error = body['error'] as Record<string, unknown>;
  assert.equal(error['type'], 'illegal_argument_exception');
  assert.equal(error['reason'], 'Iterable object is self-referencing itself');
});

test('System.currentTimeMillis() reads the clock the caller passes (25_script_upsert.yml uses it beside ctx._now)', () => {
  const script = compileScript(parseScriptSpec('long now = System.currentTimeMillis(); ctx._source.ok = ctx._now <= now'), 'update');
  const result = runWriteScript(script, { source: {}, index: 'i', id: '1', version: 1, routing: undefined, op: 'index' }, { nowMs: () => 1_700_000_000_000 });
  assert.deepEqual(result.source, { ok: true });
});

test('20_scriptfield.yml: a loop with a constant true condition and no way out is a compile error; constant false is extraneous', () => {
  const error = failure(() => run('while (true) {}'))['error'] as Record<string, unknown>;
  assert.equal(error['reason'], 'compile error');
  assert.deepEqual(error['caused_by'], { type: 'illegal_argument_exception', reason: 'no paths escape from while loop' });
  assert.equal(((failure(() => run('for (;;) { int x = 1 }'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], 'no paths escape from for loop');
  assert.equal(((failure(() => run('while (false) {}'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], 'extraneous while loop');
  // A break (not one of an inner loop) or a return is a way out.
  assert.equal(show('int i = 0; while (true) { i++; if (i > 3) break } i'), '4');
  assert.equal(show('int i = 0; for (;;) { i++; if (i > 2) return i }'), '3');
  assert.ok(failure(() => run('while (true) { for (int j = 0; j < 1; j++) { break } }')));
});

test('getters read as fields: doc.date.value.dayOfWeekEnum.value (20_scriptfield.yml "Access a date")', () => {
  const doc = docLookup('idx', 0, () => ({ mapping: { type: 'date' }, docValues: { kind: 'numeric', valueStart: Int32Array.from([0, 1]), values: Float64Array.from([Date.UTC(2017, 0, 1)]), singleValued: true, pointValues: new Float64Array(), pointDocs: new Int32Array() }, terms: undefined }));
  const value = compileScript(parseScriptSpec('doc.date.value.dayOfWeekEnum.value'), 'field').execute({ doc, _score: null }, clock);
  assert.equal(value, 7);
});

test('score functions (80_script_score.yml): saturation, sigmoid, numeric and date decays as function_score computes them', () => {
  const score = (source: string, params: Record<string, unknown> = {}) => Number(javaString(run(source, params)));
  assert.equal(score('saturation(10.0, 100)'), 10 / 110);
  assert.equal(score('sigmoid(10.0, 100, 2)'), 100 / (10000 + 100));
  // Linear: scale 10, decay 0.9 → 0.9 at distance 10 from the origin (offset 0).
  assert.ok(Math.abs(score('decayNumericLinear(20, 10, 0, 0.9, 30)') - 0.9) < 1e-12);
  assert.ok(Math.abs(score('decayNumericExp(20, 10, 0, 0.9, 30)') - 0.9) < 1e-12);
  assert.ok(Math.abs(score('decayNumericGauss(20, 10, 0, 0.9, 30)') - 0.9) < 1e-12);
  assert.equal(score('decayNumericLinear(20, 10, 5, 0.9, 25)'), 1);
  assert.ok(Math.abs(score("decayDateGauss('2018-01-01T00:00:00Z', '1h', '0', 0.9, '2018-01-01T01:00:00Z')") - 0.9) < 1e-12);
  assert.equal((failure(() => compileScript(parseScriptSpec('saturation(1, 2)'), 'filter'))['error'] as Record<string, unknown>)['reason'], 'compile error');
});

test('a run-time error\'s position and stack as Elasticsearch documents them (def x = new ArrayList(); Map y = x;)', () => {
  const error = failure(() => run('def x = new ArrayList(); Map y = x;'))['error'] as Record<string, unknown>;
  assert.equal(error['reason'], 'runtime error');
  assert.deepEqual(error['script_stack'], ['y = x;', '    ^---- HERE']);
  assert.deepEqual(error['position'], { offset: 33, start: 29, end: 35 });
  assert.deepEqual(error['caused_by'], { type: 'class_cast_exception', reason: 'Cannot cast java.util.ArrayList to java.util.Map' });
});

test('nesting deeper than scriptNestingDepthMax is a compile error, never a stack overflow', () => {
  for (const source of ['('.repeat(5000) + '1' + ')'.repeat(5000), '-'.repeat(5000) + '1', '1' + '+1'.repeat(5000), 'def x = [:]; x' + '.a'.repeat(5000), '{'.repeat(5000) + '}'.repeat(5000)]) {
    const error = failure(() => run(source))['error'] as Record<string, unknown>;
    assert.equal(error['reason'], 'compile error');
    assert.match((error['caused_by'] as Record<string, string>)['reason']!, /nests deeper than \[200\] levels/);
  }
  assert.equal(show('1' + '+1'.repeat(150)), '151');
});

test('memory: a list doubled by addAll in a short loop stops at scriptCollectionItemsMax, not at the node\'s heap', () => {
  const error = failure(() => run('def l = [1]; for (int i = 0; i < 40; i++) { l.addAll(l) } l.size()'))['error'] as Record<string, unknown>;
  assert.equal((error['caused_by'] as Record<string, unknown>)['type'], 'painless_error');
  assert.match((error['caused_by'] as Record<string, string>)['reason']!, /collection of \[\d+\] items, more than the \[1000000\]/);
  assert.ok(failure(() => run('def s = "ab"; for (int i = 0; i < 40; i++) { s += s } s.length()')));
  assert.ok(failure(() => run('new int[2000000].length')));
});

test('lambdas: removeIf, sort with a comparator, forEach, replaceAll, Map.forEach and computeIfAbsent', () => {
  assert.equal(show('def l = [1, 2, 3, 4]; l.removeIf(x -> x % 2 == 0); l'), '[1, 3]');
  assert.equal(show("def l = ['bb', 'a', 'ccc']; l.sort((a, b) -> a.length() - b.length()); l"), '[a, bb, ccc]');
  assert.equal(show('def l = [3, 1, 2]; l.sort((def a, def b) -> { return b.compareTo(a) }); l'), '[3, 2, 1]');
  assert.equal(show('int[] total = new int[1]; [1, 2, 3].forEach(x -> total[0] += x); total[0]'), '6');
  assert.equal(show('def l = [1, 2]; l.replaceAll(x -> x * 10); l'), '[10, 20]');
  assert.equal(show("def m = ['a': 1, 'b': 2]; def keys = []; m.forEach((k, v) -> keys.add(k + v)); keys"), '[a1, b2]');
  assert.equal(show("def m = [:]; m.computeIfAbsent('k', k -> []).add(1); m.computeIfAbsent('k', k -> []).add(2); m"), '{k=[1, 2]}');
  // The update docs' pattern: drop a tag given in params.
  assert.equal(show("def tags = ['x', 'y']; tags.removeIf(t -> t == params.tag); tags", { tag: 'x' }), '[y]');
  assert.equal(((failure(() => run('def l = [1]; l.removeIf(x -> 1)'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['type'], 'class_cast_exception');
  assert.equal(((failure(() => run('def x = 1; [1].forEach(x -> x)'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], 'variable [x] is already defined');
});

test('StringBuilder (20_scriptfield.yml "Access many dates" builds its answer with one)', () => {
  assert.equal(show('StringBuilder b = new StringBuilder(); for (def x : [1, 2, 3]) { b.append(" ").append(x) } return b.toString().trim()'), '1 2 3');
  assert.equal(show("def b = new StringBuilder('ab'); b.insert(1, 'X').reverse(); b.length() + ':' + b"), '3:bXa');
  assert.ok(failure(() => run('def b = new StringBuilder("ab"); for (int i = 0; i < 40; i++) { b.append(b.toString()) } b.length()')));
});

test('JSON text keeps whole doubles as doubles for params (100.0 / 1000.0 is 0.1, as Elasticsearch parses it)', () => {
  const parsed = parseJsonKeepingDoubles('{"a": 100.0, "b": [1, 2.5, 1e2], "c": {"d": "x\\"y"}, "e": null, "f": true}') as Record<string, unknown>;
  const script = compileScript({ source: 'params.a / 1000 + ":" + params.b[0] / 2 + ":" + params.b[2] + ":" + params.c.d', id: undefined, lang: undefined, params: parsed }, 'score');
  assert.equal(javaString(script.execute({ doc: null, _score: null }, clock)), '0.1:0:100.0:x"y');
  assert.equal(parseJsonKeepingDoubles('{"a": 1'), undefined);
});

test('the REST layer marks whole doubles beside JSON.parse (markWholeDoubles) and params honour the marks', () => {
  const text = '{"script": {"params": {"d": 2.0, "i": 2, "l": [1.0, 1], "n": {"e": 1e2}}}}';
  const parsed = JSON.parse(text) as { script: { params: Record<string, unknown> } };
  markWholeDoubles(parsed, text);
  const script = compileScript({ source: "params.d + ':' + params.i + ':' + params.l + ':' + params.n.e", id: undefined, lang: undefined, params: parsed.script.params }, 'score');
  assert.equal(javaString(script.execute({ doc: null, _score: null }, clock)), '2.0:2:[1.0, 1]:100.0');
});

test('functions declared before the statements: typed parameters and returns, recursion with its own locals, bounded depth', () => {
  assert.equal(show('int twice(int x) { return x * 2 } twice(21)'), '42');
  assert.equal(show('long fact(long n) { if (n <= 1) { return 1L } return n * fact(n - 1) } fact(20)'), '2432902008176640000');
  assert.equal(show('int fib(int n) { if (n < 2) { return n } int a = fib(n - 1); int b = fib(n - 2); return a + b } fib(15)'), '610');
  assert.equal(show('void add(List l, def x) { l.add(x) } def l = []; add(l, 1); add(l, 2); l'), '[1, 2]');
  // 20_scriptfield.yml "Scripted Field Doing Compare": a Supplier lambda passed to a function.
  assert.equal(show('boolean compare(Supplier s, def v) { return s.get() == v } compare(() -> { return params.x }, "aaa")', { x: 'aaa' }), 'true');
  const deep = failure(() => run('int down(int n) { return down(n + 1) } down(0)'))['error'] as Record<string, unknown>;
  assert.equal((deep['caused_by'] as Record<string, unknown>)['type'], 'painless_error');
  // Functions do not see the script's variables (they are static methods in Painless).
  assert.equal(((failure(() => run('int f() { return params.x } f()'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], 'cannot resolve symbol [params]');
  assert.equal(((failure(() => run('int x = 1; int f() { return 1 } f()'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['reason'], 'functions must be declared before the first statement');
  // Exponential recursion spends the loop counter: it ends with painless_error rather than running for ever.
  assert.equal(((failure(() => run('int f(int n) { if (n == 0) { return 0 } return f(n - 1) + f(n - 1) } f(40)'))['error'] as Record<string, unknown>)['caused_by'] as Record<string, unknown>)['type'], 'painless_error');
});
