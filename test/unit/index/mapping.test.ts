import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { checkAnalysisNames, deepFreezeMapping, flattenMapping, mergeMappings, parseDocument, parseDocumentAgainst, parseMapping } from '../../../src/index/index.js';

const throwsEs = (fn: () => unknown, type: string, reason: RegExp | string): void => {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof EsError, `an EsError, got ${String(error)}`);
    assert.equal(error.type, type);
    if (typeof reason === 'string') assert.equal(error.message, reason);
    else assert.match(error.message, reason);
    return true;
  });
};

// Reference: dynamic-field-mapping.html (the table of JSON types to field types).
test('dynamic mapping: string → text + keyword(ignore_above 256), integer → long, fraction → float, boolean, object', () => {
  const parsed = parseDocument({}, { title: 'hello', count: 3, ratio: 1.5, ok: true, user: { name: 'kimchy' }, none: null, empty: [] }, '1');
  assert.deepEqual(parsed.mappingUpdate, {
    properties: {
      title: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
      count: { type: 'long' },
      ratio: { type: 'float' },
      ok: { type: 'boolean' },
      user: { properties: { name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } } } },
    },
  });
  assert.deepEqual(parsed.fields['title'], ['hello']);
  assert.deepEqual(parsed.fields['title.keyword'], ['hello']);
  assert.deepEqual(parsed.fields['user.name'], ['kimchy']);
  assert.deepEqual(parsed.fields['count'], [3]);
});

test('date detection: strict_date_optional_time → date; yyyy/MM/dd HH:mm:ss → date with its format; off when date_detection false', () => {
  const parsed = parseDocument({}, { at: '2015-01-01T12:10:30Z', slash: '2015/01/01 12:10:30', plain: 'not a date' }, '1');
  const properties = parsed.mappingUpdate!['properties'] as Record<string, Record<string, unknown>>;
  assert.deepEqual(properties['at'], { type: 'date' });
  assert.equal(properties['slash']!['type'], 'date');
  assert.equal(properties['plain']!['type'], 'text');
  assert.deepEqual(parsed.fields['at'], [Date.UTC(2015, 0, 1, 12, 10, 30)]);
  const off = parseDocument({ date_detection: false }, { at: '2015-01-01' }, '1');
  assert.equal((off.mappingUpdate!['properties'] as Record<string, Record<string, unknown>>)['at']!['type'], 'text');
});

test('dotted field names in documents become objects', () => {
  const parsed = parseDocument({}, { 'a.b': 1 }, '1');
  assert.deepEqual(parsed.mappingUpdate, { properties: { a: { properties: { b: { type: 'long' } } } } });
  assert.deepEqual(parsed.fields['a.b'], [1]);
});

test('dynamic false ignores new fields, strict refuses them (strict_dynamic_mapping_exception)', () => {
  const none = parseDocument({ dynamic: 'false' }, { x: 1 }, '1');
  assert.equal(none.mappingUpdate, undefined);
  assert.deepEqual(none.fields, {});
  throwsEs(() => parseDocument({ dynamic: 'strict' }, { x: 1 }, '1'), 'strict_dynamic_mapping_exception', 'mapping set to strict, dynamic introduction of [x] within [_doc] is not allowed');
  const nested = parseMapping({ dynamic: 'strict', properties: { obj: { dynamic: true, properties: {} } } });
  assert.ok(parseDocument(nested, { obj: { y: 'ok' } }, '1').mappingUpdate);
});

test('bad values → 400 document_parsing_exception with caused_by', () => {
  const mapping = parseMapping({ properties: { n: { type: 'long' }, i: { type: 'integer' }, b: { type: 'boolean' }, d: { type: 'date' }, ip: { type: 'ip' } } });
  for (const [field, value, cause] of [
    ['n', 'abc', 'For input string: "abc"'],
    ['i', 3_000_000_000, 'Value [3000000000] is out of range for an integer'],
    ['b', 'yes', 'Failed to parse value [yes] as only [true] or [false] are allowed.'],
    ['d', 'soon', 'failed to parse date field [soon] with format [strict_date_optional_time||epoch_millis]'],
    ['ip', '1.2.3', "'1.2.3' is not an IP string literal."],
  ] as const) {
    assert.throws(
      () => parseDocument(mapping, { [field]: value }, '7'),
      (error: unknown) => {
        assert.ok(error instanceof EsError);
        assert.equal(error.status, 400);
        assert.equal(error.type, 'document_parsing_exception');
        assert.match(error.message, new RegExp(`failed to parse field \\[${field}\\] .* in document with id '7'`));
        assert.equal(error.causedBy?.message, cause);
        return true;
      },
    );
  }
  // Coercion: numeric strings and fractions into long (coerce defaults to true).
  assert.deepEqual(parseDocument(mapping, { n: '12', i: 1.9 }, '1').fields, { n: [12], i: [1] });
  throwsEs(() => parseDocument(mapping, { n: { x: 1 } }, '1'), 'document_parsing_exception', /Preview of field's value: '\{x=1\}'/);
  const objects = parseMapping({ properties: { o: { properties: { a: { type: 'keyword' } } } } });
  throwsEs(() => parseDocument(objects, { o: 'flat' }, '1'), 'document_parsing_exception', /tried to parse field \[o\] as object, but found a concrete value/);
});

test('ignore_above drops long keyword values from the index, not from the document, and names the field in _ignored', () => {
  const mapping = parseMapping({ properties: { k: { type: 'keyword', ignore_above: 3 } } });
  assert.deepEqual(parseDocument(mapping, { k: ['abc', 'abcd'] }, '1').fields, { k: ['abc'], _ignored: ['k'] });
});

test('explicit mappings: multi-fields, dotted property names, flattened field list', () => {
  const mapping = parseMapping({
    properties: {
      title: { type: 'text', analyzer: 'whitespace', fields: { raw: { type: 'keyword' } } },
      'subfield.text3': { type: 'text' },
      when: { type: 'date', format: 'yyyy-MM-dd' },
      tags: { type: 'nested', properties: { name: { type: 'keyword' } } },
    },
  });
  assert.deepEqual(mapping['properties'], {
    title: { type: 'text', analyzer: 'whitespace', fields: { raw: { type: 'keyword' } } },
    subfield: { properties: { text3: { type: 'text' } } },
    when: { type: 'date', format: 'yyyy-MM-dd' },
    tags: { type: 'nested', properties: { name: { type: 'keyword' } } },
  });
  const flat = flattenMapping(mapping);
  assert.deepEqual([...flat.fields.keys()].sort(), ['subfield.text3', 'tags.name', 'title', 'title.raw', 'when']);
  assert.equal(flat.fields.get('title')!.analyzer, 'whitespace');
  assert.equal(flat.fields.get('title.raw')!.parentPath, 'title');
  assert.equal(flat.fields.get('tags.name')!.nestedPath, 'tags');
  assert.equal(flat.objects.get('tags'), 'nested');
});

test('bad mapping definitions → 400 mapper_parsing_exception', () => {
  throwsEs(() => parseMapping({ properties: { f: { type: 'strange' } } }), 'mapper_parsing_exception', 'No handler for type [strange] declared on field [f]');
  throwsEs(() => parseMapping({ properties: { f: { type: 'text', foo: 1 } } }), 'mapper_parsing_exception', 'unknown parameter [foo] on mapper [f] of type [text]');
  // A text field's analyzer may be one of the index's: the name is checked against the index's analysis settings.
  const unknownAnalyzer = parseMapping({ properties: { f: { type: 'text', analyzer: 'nope' } } });
  throwsEs(() => checkAnalysisNames(unknownAnalyzer, new Map(), new Map()), 'mapper_parsing_exception', 'analyzer [nope] has not been configured in mappings');
  throwsEs(() => parseMapping({ properties: { f: { type: 'token_count', analyzer: 'nope' } } }), 'mapper_parsing_exception', 'analyzer [nope] has not been configured in mappings');
  throwsEs(() => parseMapping({ foo: 'bar' }), 'mapper_parsing_exception', /Root mapping definition has unsupported parameters: {2}\[foo : bar\]/);
  throwsEs(() => parseMapping({ properties: { f: 'text' } }), 'mapper_parsing_exception', /Expected map for property/);
});

test('mapping merge: new fields added; type change and parameter change refused; updateable parameters accepted', () => {
  const current = parseMapping({ properties: { n: { type: 'long' }, t: { type: 'text' }, k: { type: 'keyword', ignore_above: 10 } } });
  const merged = mergeMappings(current, parseMapping({ properties: { extra: { type: 'keyword' }, k: { type: 'keyword', ignore_above: 20 } } }));
  assert.deepEqual(Object.keys(merged['properties'] as object).sort(), ['extra', 'k', 'n', 't']);
  assert.equal(((merged['properties'] as Record<string, Record<string, unknown>>)['k']!)['ignore_above'], 20);
  throwsEs(() => mergeMappings(current, parseMapping({ properties: { n: { type: 'text' } } })), 'illegal_argument_exception', 'mapper [n] cannot be changed from type [long] to [text]');
  throwsEs(
    () => mergeMappings(current, parseMapping({ properties: { t: { type: 'text', analyzer: 'whitespace' } } })),
    'illegal_argument_exception',
    'Mapper for [t] conflicts with existing mapper:\n\tCannot update parameter [analyzer] from [standard] to [whitespace]',
  );
  // Restating the default is not a change.
  mergeMappings(current, parseMapping({ properties: { t: { type: 'text', analyzer: 'standard' } } }));
  throwsEs(() => mergeMappings(current, parseMapping({ properties: { n: { properties: {} } } })), 'illegal_argument_exception', /can't merge a non object mapping \[n\] with an object mapping/);
});

test('parseDocumentAgainst: same fields as parseDocument without copying the mapping; a mapping change falls back', () => {
  const source = { title: 'hello', count: 3, user: { name: 'kimchy' }, at: '2015-01-01T12:10:30Z' };
  const mapping = parseDocument({}, source, '1').mappingUpdate!;
  const frozen = deepFreezeMapping(structuredClone(mapping));
  const fast = parseDocumentAgainst(frozen, source, '1');
  assert.ok(fast !== undefined);
  assert.deepEqual(fast.fields, parseDocument(mapping, source, '1').fields);
  assert.equal(fast.mappingUpdate, undefined);
  // A new field would change the mapping: undefined, and the frozen mapping is untouched.
  assert.equal(parseDocumentAgainst(frozen, { ...source, extra: 1 }, '2'), undefined);
  assert.deepEqual(frozen, mapping);
  assert.equal(parseDocumentAgainst(frozen, 'not an object', '3'), undefined);
});
