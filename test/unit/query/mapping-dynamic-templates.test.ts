// Root dynamic_templates: the first matching template's mapping is used for a new field, with
// {name} and {dynamic_type} substituted; templates are validated at mapping time (8.x) and merged
// by name on update. References: dynamic-templates.html; Elasticsearch's indices.put_mapping and
// DynamicTemplateTests (match_mapping_type values, match/unmatch/path_match, match_pattern regex).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { mergeMappings, parseDocument, parseMapping } from '../../../src/index/mapping/index.js';

type Props = Record<string, Record<string, unknown>>;

function added(mapping: Record<string, unknown>, source: Record<string, unknown>): Props {
  const parsed = parseDocument(parseMapping(mapping), source, '1');
  return (parsed.mappingUpdate?.['properties'] ?? {}) as Props;
}

function refused(mapping: Record<string, unknown>, type: string, message: RegExp): void {
  assert.throws(() => parseMapping(mapping), (error: unknown) => {
    assert.ok(error instanceof EsError, `an EsError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.type, type);
    assert.match(error.message, message);
    return true;
  });
}

const logShipper = {
  dynamic_templates: [
    { texts: { match: '*_text', mapping: { type: 'text' } } },
    { strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
  ],
};

test('match_mapping_type string and match: the first matching template wins, others use the defaults', () => {
  const properties = added(logShipper, { message_text: 'hello world', host: 'a', count: 3, ok: true, ratio: 1.5 });
  assert.deepEqual(properties['message_text'], { type: 'text' });
  assert.deepEqual(properties['host'], { type: 'keyword', ignore_above: 1024 });
  assert.deepEqual(properties['count'], { type: 'long' });
  assert.deepEqual(properties['ok'], { type: 'boolean' });
  assert.deepEqual(properties['ratio'], { type: 'float' });
});

test('{name} and {dynamic_type} are substituted; unmatch, path_match and regex patterns', () => {
  const properties = added(
    {
      dynamic_templates: [
        { no_skip: { match_mapping_type: ['long', 'double'], unmatch: 'skip*', mapping: { type: '{dynamic_type}', meta: { source: '{name}' } } } },
        { in_labels: { path_match: 'labels.*', mapping: { type: 'keyword' } } },
        { regex: { match_pattern: 'regex', match: '^ip_\\d+$', mapping: { type: 'ip' } } },
      ],
    },
    { n: 4, skip_n: 5, labels: { env: 'prod' }, ip_1: '10.0.0.1' },
  );
  assert.deepEqual(properties['n'], { type: 'long', meta: { source: 'n' } });
  assert.deepEqual(properties['skip_n'], { type: 'long' });
  assert.deepEqual((properties['labels']!['properties'] as Props)['env'], { type: 'keyword' });
  assert.deepEqual(properties['ip_1'], { type: 'ip' });
});

test('a template for dates and for objects', () => {
  const properties = added(
    { dynamic_templates: [{ dates: { match_mapping_type: 'date', mapping: { type: 'date_nanos' } } }, { objs: { match_mapping_type: 'object', match: 'n_*', mapping: { type: 'nested' } } }] },
    { at: '2024-01-02T03:04:05Z', n_x: { a: 1 } },
  );
  assert.deepEqual(properties['at'], { type: 'date_nanos' });
  assert.equal(properties['n_x']!['type'], 'nested');
});

test('a mapping update merges templates by name, in place', () => {
  const merged = mergeMappings(
    parseMapping({ dynamic_templates: [{ a: { match: 'a', mapping: { type: 'keyword' } } }, { b: { match: 'b', mapping: { type: 'keyword' } } }] }),
    parseMapping({ dynamic_templates: [{ c: { match: 'c', mapping: { type: 'long' } } }, { a: { match: 'a', mapping: { type: 'text' } } }] }),
  );
  assert.deepEqual(merged['dynamic_templates'], [
    { a: { match: 'a', mapping: { type: 'text' } } },
    { b: { match: 'b', mapping: { type: 'keyword' } } },
    { c: { match: 'c', mapping: { type: 'long' } } },
  ]);
});

test('invalid templates are refused at put time', () => {
  refused({ dynamic_templates: [{ t: { match_mapping_type: 'foo', mapping: {} } }] }, 'mapper_parsing_exception', /No field type matched on \[foo\], possible values are/);
  refused({ dynamic_templates: [{ t: { match: 'x' } }] }, 'mapper_parsing_exception', /template \[t\] must have either mapping or runtime set/);
  refused({ dynamic_templates: [{ t: { match_mapping_type: 'string', mapping: { type: 'keyword', analyzer: 'nope' } } }] }, 'mapper_parsing_exception', /dynamic template \[t\] has invalid content/);
  // Runtime templates are accepted (runtime-dynamic-templates.test.ts); they cannot match objects.
  refused({ dynamic_templates: [{ t: { match_mapping_type: 'object', runtime: {} } }] }, 'mapper_parsing_exception', /defines a runtime field but type \[object\] is not supported as runtime field/);
  refused({ dynamic_templates: [{ t: { match: 'x', foo: 1, mapping: {} } }] }, 'mapper_parsing_exception', /Illegal dynamic template parameter: \[foo\]/);
  refused({ dynamic_templates: { t: {} } }, 'mapper_parsing_exception', /Dynamic template syntax error/);
});

test('a template with no match_mapping_type, match or path_match matches nothing by itself (DynamicTemplate.parse: no types)', () => {
  const props = added({ dynamic_templates: [{ location: { mapping: { type: 'geo_point' } } }, { unmatched_only: { unmatch: 'x', mapping: { type: 'keyword' } } }] }, { a: 'text', b: { c: 1 } });
  assert.equal(props['a']!['type'], 'text');
  assert.equal(props['b']!['type'], undefined, 'an object, not a geo_point');
});
