// Template rules (src/index/templates.ts), from Elastic's "Index templates" page
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/index-templates.html) and the
// rest-api-spec tests indices.put_index_template/10_basic.yml, 15_composition.yml and
// indices.put_template: pattern overlap at one priority, priority order, composition order,
// legacy order, and hidden indices taking no global template.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import {
  applyTemplateContent,
  checkPriorityOverlap,
  globsIntersect,
  mergeMappingJson,
  parseComponentTemplate,
  parseComposableTemplate,
  parseLegacyTemplate,
  resolveTemplates,
  selectNames,
  type ComponentTemplate,
  type ComposableTemplate,
  type LegacyTemplate,
  type TemplateState,
} from '../../../src/index/templates.js';

function state(
  composable: Record<string, unknown> = {},
  component: Record<string, unknown> = {},
  legacy: Record<string, unknown> = {},
): TemplateState {
  return {
    composable: new Map(Object.entries(composable).map(([name, body]) => [name, parseComposableTemplate(body)] as [string, ComposableTemplate])),
    component: new Map(Object.entries(component).map(([name, body]) => [name, parseComponentTemplate(body)] as [string, ComponentTemplate])),
    legacy: new Map(Object.entries(legacy).map(([name, body]) => [name, parseLegacyTemplate(body, undefined)] as [string, LegacyTemplate])),
  };
}

function thrown(fn: () => unknown): EsError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EsError);
    return error;
  }
  assert.fail('expected an error');
}

test('globsIntersect: can one name match both patterns', () => {
  assert.equal(globsIntersect('logs-*', 'logs-app'), true);
  assert.equal(globsIntersect('logs-*', '*-app'), true);
  assert.equal(globsIntersect('logs-*', 'metrics-*'), false);
  assert.equal(globsIntersect('a*b', 'a*c'), false);
  assert.equal(globsIntersect('a*b*', '*c'), true);
  assert.equal(globsIntersect('*', 'anything'), true);
  assert.equal(globsIntersect('abc', 'abd'), false);
  assert.equal(globsIntersect('ab*', 'a'), false);
});

test('same priority with overlapping patterns is an illegal_argument_exception; other priorities or disjoint patterns are not', () => {
  const current = state({ one: { index_patterns: ['foo-*'], priority: 5 } });
  const error = thrown(() => checkPriorityOverlap('two', parseComposableTemplate({ index_patterns: ['*-bar'], priority: 5 }), current));
  assert.equal(error.type, 'illegal_argument_exception');
  assert.equal(
    error.message,
    'index template [two] has index patterns [*-bar] matching patterns from existing templates [one] with patterns (one => [foo-*]) that have the same priority [5], multiple index templates may not match during index creation, please use a different priority',
  );
  checkPriorityOverlap('two', parseComposableTemplate({ index_patterns: ['*-bar'], priority: 6 }), current);
  checkPriorityOverlap('two', parseComposableTemplate({ index_patterns: ['baz-*'], priority: 5 }), current);
  // Replacing a template by its own name is no conflict.
  checkPriorityOverlap('one', parseComposableTemplate({ index_patterns: ['foo-*'], priority: 5 }), current);
  // No priority counts as 0.
  const unprioritised = state({ zero: { index_patterns: ['x*'] } });
  assert.equal(thrown(() => checkPriorityOverlap('other', parseComposableTemplate({ index_patterns: ['xy'], priority: 0 }), unprioritised)).type, 'illegal_argument_exception');
});

test('parsing: index_patterns required, negative priority refused, unknown fields are x_content_parse_exception', () => {
  assert.equal(thrown(() => parseComposableTemplate({})).message, 'Validation Failed: 1: index patterns are missing;');
  assert.equal(thrown(() => parseComposableTemplate({ index_patterns: ['a'], priority: -1 })).message, 'Validation Failed: 1: index template priority must be >= 0;');
  assert.equal(thrown(() => parseComposableTemplate({ index_patterns: ['a'], template: { nope: 1 } })).type, 'x_content_parse_exception');
  assert.equal(thrown(() => parseComponentTemplate({ version: 1 })).type, 'x_content_parse_exception');
  assert.equal(thrown(() => parseComponentTemplate({ template: { mappings: 'not an object' } })).type, 'mapper_parsing_exception');
  assert.deepEqual(parseComposableTemplate({ index_patterns: 'a, b' }).index_patterns, ['a', 'b']);
  assert.equal(thrown(() => parseLegacyTemplate({ settings: {} }, undefined)).message, 'Validation Failed: 1: index patterns are missing;');
  assert.equal(parseLegacyTemplate({ index_patterns: ['a'] }, 4).order, 4);
});

test('the highest priority composable template wins and composes its components in order; legacy ones are ignored then', () => {
  const current = state(
    {
      low: { index_patterns: ['logs-*'], priority: 1, template: { settings: { number_of_shards: 2 } } },
      high: { index_patterns: ['logs-app*'], priority: 9, composed_of: ['c1', 'c2'], template: { settings: { number_of_replicas: 0 } } },
    },
    { c1: { template: { settings: { number_of_replicas: 3 }, mappings: { properties: { a: { type: 'text' } } } } }, c2: { template: { mappings: { properties: { a: { type: 'keyword' } } } } } },
    { old: { index_patterns: ['*'], settings: { number_of_shards: 5 } } },
  );
  const resolved = resolveTemplates(current, 'logs-app-1', false)!;
  assert.equal(resolved.composable?.name, 'high');
  assert.deepEqual(resolved.legacy, []);
  assert.deepEqual(resolved.content.settings, { 'index.number_of_replicas': '0' });
  assert.deepEqual(resolved.content.mappings, { properties: { a: { type: 'keyword' } } });
  assert.equal(resolveTemplates(current, 'logs-web', false)!.composable?.name, 'low');
  const legacyOnly = resolveTemplates(current, 'other', false)!;
  assert.equal(legacyOnly.composable, undefined);
  assert.deepEqual(legacyOnly.legacy, ['old']);
  assert.equal(resolveTemplates(current, 'other', true), undefined, 'a hidden index takes no global (*) template');
});

test('legacy templates merge by order: the higher order wins per setting, the lower still contributes', () => {
  const current = state({}, {}, {
    second: { index_patterns: ['a*'], order: 2, settings: { number_of_shards: 3 } },
    first: { index_patterns: ['ab*'], order: 1, settings: { number_of_shards: 1, number_of_replicas: 0 } },
  });
  const resolved = resolveTemplates(current, 'abc', false)!;
  assert.deepEqual(resolved.legacy, ['first', 'second']);
  assert.deepEqual(resolved.content.settings, { 'index.number_of_shards': '3', 'index.number_of_replicas': '0' });
});

test('the request wins over the template: settings, mapping fields and aliases by name', () => {
  const content = { settings: { 'index.number_of_shards': '2', 'index.number_of_replicas': '1' }, mappings: { properties: { a: { type: 'text' }, o: { properties: { x: { type: 'long' } } } } }, aliases: { one: { is_write_index: true }, two: {} } };
  const applied = applyTemplateContent(content, { settings: { number_of_replicas: 0 }, mappings: { properties: { a: { type: 'keyword' }, 'o.y': { type: 'long' } } }, aliases: { one: {} } });
  assert.deepEqual(applied.settings, { 'index.number_of_shards': '2', 'index.number_of_replicas': '0' });
  assert.deepEqual(applied.mappings, { properties: { a: { type: 'keyword' }, o: { properties: { x: { type: 'long' }, y: { type: 'long' } } } } });
  assert.deepEqual(applied.aliases, { one: {}, two: {} });
  const untouched = applyTemplateContent(content, { settings: undefined, mappings: undefined, aliases: undefined });
  assert.deepEqual(untouched.mappings, content.mappings);
  assert.deepEqual(untouched.aliases, content.aliases);
});

test('mergeMappingJson: a leaf replaces, an object merges, root parameters replace', () => {
  assert.deepEqual(
    mergeMappingJson({ dynamic: 'strict', properties: { o: { properties: { a: { type: 'long' } } }, f: { type: 'text' } } }, { dynamic: true, properties: { o: { properties: { b: { type: 'long' } } }, f: { type: 'keyword' } } }),
    { dynamic: true, properties: { o: { properties: { a: { type: 'long' }, b: { type: 'long' } } }, f: { type: 'keyword' } } },
  );
});

test('selectNames: comma lists, wildcards and missing literals', () => {
  assert.deepEqual(selectNames(['b', 'a', 'ab'], 'a*'), { found: ['a', 'ab'], missing: [] });
  assert.deepEqual(selectNames(['b', 'a'], 'a,c'), { found: ['a'], missing: ['c'] });
  assert.deepEqual(selectNames(['b', 'a'], undefined), { found: ['a', 'b'], missing: [] });
});

test('a data stream template maps @timestamp as date unless it maps it itself', () => {
  const current = state({ ds: { index_patterns: ['logs-*'], data_stream: {} }, nanos: { index_patterns: ['n-*'], data_stream: {}, template: { mappings: { properties: { '@timestamp': { type: 'date_nanos' } } } } } });
  assert.deepEqual(resolveTemplates(current, 'logs-a', false)!.content.mappings, { properties: { '@timestamp': { type: 'date' } } });
  assert.deepEqual(resolveTemplates(current, 'n-a', false)!.content.mappings, { properties: { '@timestamp': { type: 'date_nanos' } } });
});
