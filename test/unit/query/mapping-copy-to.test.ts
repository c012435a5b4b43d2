// copy_to: a field's values are also indexed into each target field (not into _source); a missing
// target is mapped dynamically; copies are not recursive; invalid targets are refused.
// References: copy-to.html; Elasticsearch CopyToMapperTests (parsing, inner/dynamic objects,
// strict dynamic, multi-field source/target, object target, nested scope).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { checkFieldLimits, parseDocument, parseMapping } from '../../../src/index/mapping/index.js';

function throwsEs(run: () => unknown, type: string, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof EsError, `an EsError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.type, type);
    assert.equal(error.message, message);
    return true;
  });
}

test('values are copied into each target, cycles are not followed, a missing target is mapped dynamically', () => {
  const mapping = parseMapping({
    properties: {
      copy_test: { type: 'text', copy_to: ['another_field', 'cyclic_test'] },
      another_field: { type: 'text' },
      cyclic_test: { type: 'text', copy_to: 'copy_test' },
      int_to_str_test: { type: 'integer', copy_to: ['another_field', 'new_field'] },
    },
  });
  const parsed = parseDocument(mapping, { copy_test: 'foo', cyclic_test: 'bar', int_to_str_test: 42 }, '1');
  assert.deepEqual(parsed.fields['copy_test'], ['foo', 'bar']);
  assert.deepEqual(parsed.fields['cyclic_test'], ['foo', 'bar']);
  assert.deepEqual(parsed.fields['another_field'], ['foo', '42']);
  assert.deepEqual(parsed.fields['new_field'], [42]);
  const added = (parsed.mappingUpdate?.['properties'] as Record<string, Record<string, unknown>>)['new_field'];
  assert.deepEqual(added, { type: 'long' });
});

test('copy_to is rendered as a list and arrays copy each value', () => {
  const mapping = parseMapping({ properties: { a: { type: 'keyword', copy_to: 'all' }, all: { type: 'text' } } });
  assert.deepEqual((mapping['properties'] as Record<string, Record<string, unknown>>)['a']!['copy_to'], ['all']);
  const parsed = parseDocument(mapping, { a: ['x', 'y'] }, '1');
  assert.deepEqual(parsed.fields['all'], ['x', 'y']);
  assert.equal(parsed.mappingUpdate, undefined);
});

test('targets in inner objects: existing and dynamically created parents', () => {
  const existing = parseMapping({
    properties: { copy_test: { type: 'text', copy_to: 'very.inner.field' }, very: { properties: { inner: { type: 'object' } } } },
  });
  assert.deepEqual(parseDocument(existing, { copy_test: 'foo' }, '1').fields['very.inner.field'], ['foo']);
  const dynamic = parseMapping({ properties: { copy_test: { type: 'text', copy_to: 'very.inner.field' } } });
  const parsed = parseDocument(dynamic, { copy_test: 'foo', new_field: 'bar' }, '1');
  assert.deepEqual(parsed.fields['very.inner.field'], ['foo']);
  assert.deepEqual(parsed.fields['new_field'], ['bar']);
  const very = (parsed.mappingUpdate?.['properties'] as Record<string, Record<string, unknown>>)['very']!;
  assert.equal((very['properties'] as Record<string, Record<string, unknown>>)['inner']!['properties'] !== undefined, true);
});

test('strict dynamic objects refuse a missing target', () => {
  const root = parseMapping({ dynamic: 'strict', properties: { copy_test: { type: 'text', copy_to: 'very.inner.field' } } });
  throwsEs(() => parseDocument(root, { copy_test: 'foo' }, '1'), 'strict_dynamic_mapping_exception', 'mapping set to strict, dynamic introduction of [very] within [_doc] is not allowed');
  const inner = parseMapping({
    properties: { copy_test: { type: 'text', copy_to: 'very.far.field' }, very: { properties: { far: { type: 'object', dynamic: 'strict' } } } },
  });
  throwsEs(() => parseDocument(inner, { copy_test: 'foo' }, '1'), 'strict_dynamic_mapping_exception', 'mapping set to strict, dynamic introduction of [field] within [very.far] is not allowed');
});

test('a target with its own null_value or type conversion: the value is parsed as the target', () => {
  const mapping = parseMapping({ properties: { a: { type: 'keyword', copy_to: 'n' }, n: { type: 'long' } } });
  assert.deepEqual(parseDocument(mapping, { a: '7' }, '1').fields['n'], [7]);
  assert.throws(() => parseDocument(mapping, { a: 'x' }, '1'), (error: unknown) => error instanceof EsError && error.type === 'document_parsing_exception');
});

test('invalid copy_to sources and targets are refused as Elasticsearch does', () => {
  throwsEs(
    () => parseMapping({ properties: { field: { type: 'text', fields: { bar: { type: 'keyword', copy_to: 'x' } } } } }),
    'illegal_argument_exception',
    '[copy_to] may not be used to copy from a multi-field: [field.bar]',
  );
  throwsEs(
    () => parseMapping({ properties: { a: { type: 'text', copy_to: 'b.raw' }, b: { type: 'text', fields: { raw: { type: 'keyword' } } } } }),
    'illegal_argument_exception',
    '[copy_to] may not be used to copy to a multi-field: [b.raw]',
  );
  throwsEs(
    () => parseMapping({ properties: { a: { type: 'text', copy_to: 'target' }, target: { properties: { x: { type: 'keyword' } } } } }),
    'illegal_argument_exception',
    'Cannot copy to field [target] since it is mapped as an object',
  );
  throwsEs(
    () => parseMapping({ properties: { a: { type: 'long', copy_to: 'n.target' }, n: { type: 'nested', properties: { target: { type: 'long' } } } } }),
    'illegal_argument_exception',
    'Illegal combination of [copy_to] and [nested] mappings: [copy_to] may only copy data to the current nested document or any of its parents, however one [copy_to] directive is trying to copy data from nested object [null] to [n]',
  );
  throwsEs(() => parseMapping({ properties: { a: { type: 'text', copy_to: { x: 1 } } } }), 'mapper_parsing_exception', 'Failed to parse mapping: [copy_to] on mapper [a] must be a string or a list of strings');
  // A target of an earlier mapping update is checked on the merged mapping.
  const merged = { properties: { a: { type: 'text', copy_to: ['target'] }, target: { properties: { x: { type: 'keyword' } } } } };
  throwsEs(() => checkFieldLimits(merged, 1000), 'illegal_argument_exception', 'Cannot copy to field [target] since it is mapped as an object');
});
