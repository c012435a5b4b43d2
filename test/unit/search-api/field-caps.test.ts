// _field_caps across indices (search-field-caps.html).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenMapping, parseMapping } from '../../../src/index/index.js';
import { fieldCaps, parseFieldCapsOptions } from '../../../src/search/index.js';

const a = { name: 'a', mapping: flattenMapping(parseMapping({ properties: { n: { type: 'long' }, user: { properties: { name: { type: 'text', fields: { raw: { type: 'keyword' } } } } } } })) };
const b = { name: 'b', mapping: flattenMapping(parseMapping({ properties: { n: { type: 'keyword', index: false } } })) };

test('types per index, searchability, objects and multi-fields, metadata fields', () => {
  const caps = fieldCaps([b, a], parseFieldCapsOptions({ fields: '*' }, undefined)) as { indices: string[]; fields: Record<string, Record<string, Record<string, unknown>>> };
  assert.deepEqual(caps.indices, ['a', 'b']);
  assert.deepEqual(caps.fields['n'], {
    keyword: { type: 'keyword', metadata_field: false, searchable: false, aggregatable: true, indices: ['b'] },
    long: { type: 'long', metadata_field: false, searchable: true, aggregatable: true, indices: ['a'] },
  });
  assert.deepEqual(caps.fields['user'], { object: { type: 'object', metadata_field: false, searchable: false, aggregatable: false } });
  assert.deepEqual(caps.fields['user.name.raw'], { keyword: { type: 'keyword', metadata_field: false, searchable: true, aggregatable: true } });
  assert.equal(caps.fields['_id']!['_id']!['metadata_field'], true);
});

test('filters, types, include_unmapped; fields is required', () => {
  const filtered = fieldCaps([a, b], parseFieldCapsOptions({ fields: '*', filters: '-metadata,-multifield,-parent', types: 'text,long' }, undefined)) as { fields: Record<string, unknown> };
  assert.deepEqual(Object.keys(filtered.fields).sort(), ['n', 'user.name']);
  const unmapped = fieldCaps([a, b], parseFieldCapsOptions({ fields: 'user.name', include_unmapped: 'true' }, undefined)) as { fields: Record<string, Record<string, unknown>> };
  assert.deepEqual(unmapped.fields['user.name']!['unmapped'], { type: 'unmapped', metadata_field: false, searchable: false, aggregatable: false, indices: ['b'] });
  assert.throws(() => parseFieldCapsOptions({}, undefined), { type: 'action_request_validation_exception' });
  assert.deepEqual(parseFieldCapsOptions({}, { fields: ['x'] }).fields, ['x']);
});
