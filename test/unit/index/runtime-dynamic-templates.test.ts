// Runtime dynamic templates: a matching new field is added to the mapping's `runtime` section
// (not indexed, values read from _source at search time) instead of `properties`.
// References: dynamic-templates.html ("Mapping runtime fields in a dynamic template": runtime
// with match_mapping_type string maps new strings as keyword runtime fields; the default type per
// JSON kind), runtime-mapping-fields.html.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { parseDocument, parseMapping } from '../../../src/index/mapping/index.js';

test('a new field matching a runtime template becomes a runtime field, not an indexed one', () => {
  const root = parseMapping({
    dynamic_templates: [
      { ips: { match: 'ip_*', runtime: { type: 'keyword' } } },
      { numbers: { match_mapping_type: 'long', runtime: {} } },
      { strings: { match_mapping_type: 'string', mapping: { type: 'keyword' } } },
    ],
  });
  const parsed = parseDocument(root, { ip_src: '10.0.0.1', count: 5, ratio: 0.5, name: 'x', nested: { ip_dst: '10.0.0.2' } }, '1');
  const update = parsed.mappingUpdate!;
  assert.deepEqual(update['runtime'], { ip_src: { type: 'keyword' }, count: { type: 'long' }, 'nested.ip_dst': { type: 'keyword' } });
  const properties = update['properties'] as Record<string, unknown>;
  assert.deepEqual(Object.keys(properties).sort(), ['name', 'nested', 'ratio']);
  assert.equal(parsed.fields['ip_src'], undefined, 'a runtime field is not indexed');
  assert.equal(parsed.fields['count'], undefined);
  // A second document under the updated mapping changes nothing.
  assert.equal(parseDocument(update, { ip_src: '10.0.0.3', count: 6 }, '2').mappingUpdate, undefined);
});

test('runtime templates: {name} and {dynamic_type} are substituted; the first matching template wins', () => {
  const root = parseMapping({
    dynamic_templates: [
      { first: { match: 'a*', runtime: { type: '{dynamic_type}' } } },
      { second: { match: '*', runtime: { type: 'keyword' } } },
    ],
  });
  const update = parseDocument(root, { a1: true, a2: 1.5, b: 7 }, '1').mappingUpdate!;
  assert.deepEqual(update['runtime'], { a1: { type: 'boolean' }, a2: { type: 'double' }, b: { type: 'keyword' } });
});

test('invalid runtime templates are refused when the mapping is put', () => {
  const refused = (templates: unknown, reason: RegExp): void => {
    assert.throws(() => parseMapping({ dynamic_templates: templates }), (error: unknown) => error instanceof EsError && error.status === 400 && reason.test(error.message));
  };
  refused([{ t: { match: 'x', runtime: { type: 'nope' } } }], /dynamic template \[t\] has invalid content/);
  refused([{ t: { match: 'x', runtime: { type: 'keyword' }, mapping: { type: 'keyword' } } }], /must have either mapping or runtime set/);
  refused([{ t: { match_mapping_type: 'binary', runtime: {} } }], /type \[binary\] is not supported as runtime field/);
});

test('dynamic: runtime maps new values as runtime fields of their kind, objects as objects; templates still decide first', () => {
  const root = parseMapping({
    dynamic: 'runtime',
    dynamic_templates: [{ tags: { match: 'tag', mapping: { type: 'keyword' } } }],
    properties: { known: { type: 'long' } },
  });
  const parsed = parseDocument(root, { known: 1, name: 'x', count: 2, ratio: 0.5, on: true, when: '2024-01-02', tag: 't', inner: { deep: 'y' }, none: null }, '1');
  const update = parsed.mappingUpdate!;
  assert.deepEqual(update['runtime'], {
    name: { type: 'keyword' }, count: { type: 'long' }, ratio: { type: 'double' }, on: { type: 'boolean' }, when: { type: 'date' }, 'inner.deep': { type: 'keyword' },
  });
  const properties = update['properties'] as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(properties).sort(), ['inner', 'known', 'tag']);
  assert.deepEqual(properties['tag'], { type: 'keyword' });
  assert.deepEqual(Object.keys(parsed.fields).sort(), ['known', 'tag']);
});
