// Differences from Elasticsearch checked against its source, docs and REST tests, on one real node
// process, raw HTTP so every field is checked as sent:
// - a mapping error at index creation is wrapped once: MapperService.parseMapping answers
//   "Failed to parse mapping: <cause>" with the cause as the root cause, never the prefix twice;
// - runtime fields count against `index.mapping.total_fields.limit` (mapping-settings-limit.html:
//   "Mapped runtime fields count towards this limit"; MappingLookup counts each runtime entry);
// - the update API's `get` section is the source the update wrote (UpdateHelper.extractGetResult
//   returns the index request's source, filtered only by the request's `_source`), the stored
//   source read before it being the one the `_source` mapping keeps.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonAsserts } from '../harness/json-asserts.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'correctness-fixes-3', nodeName: 'n1' });
});
after(async () => {
  await node?.destroy();
});

const { call, ok, fails } = jsonAsserts(() => node);

// ---------------------------------------------------------------- item 2: one prefix

test('index creation: a mapping refusal says "Failed to parse mapping:" once, its cause is the root cause', async () => {
  const inner = '[similarity] value [boolean] on mapper [f] is not supported by Strait (only [BM25] is supported)';
  const body = await fails('PUT', '/prefix-once', { mappings: { properties: { f: { type: 'text', similarity: 'boolean' } } } }, 400, 'mapper_parsing_exception', `Failed to parse mapping: ${inner}`);
  assert.deepEqual(body.error.root_cause, [{ type: 'mapper_parsing_exception', reason: inner }]);
  assert.equal(body.error.caused_by.reason, inner);
  // An error raised without the prefix keeps Elasticsearch's shape too.
  const unknown = await fails('PUT', '/prefix-once', { mappings: { properties: { f: { type: 'no_such_type' } } } }, 400, 'mapper_parsing_exception', 'Failed to parse mapping: No handler for type [no_such_type] declared on field [f]');
  assert.equal(unknown.error.root_cause[0].reason, 'No handler for type [no_such_type] declared on field [f]');
  assert.equal((await call('HEAD', '/prefix-once')).status, 404);
});

// ---------------------------------------------------------------- item 3: runtime fields counted

test('runtime fields count against index.mapping.total_fields.limit, at creation and on put mapping', async () => {
  const settings = { 'index.mapping.total_fields.limit': 2 };
  await fails('PUT', '/runtime-limit-a', { settings, mappings: { properties: { a: { type: 'keyword' }, b: { type: 'keyword' } }, runtime: { r: { type: 'keyword' } } } },
    400, 'illegal_argument_exception', 'Limit of total fields [2] has been exceeded');
  await ok('PUT', '/runtime-limit-b', { settings, mappings: { properties: { a: { type: 'keyword' } }, runtime: { r: { type: 'keyword' } } } });
  await fails('PUT', '/runtime-limit-b/_mapping', { runtime: { s: { type: 'long' } } }, 400, 'illegal_argument_exception', 'Limit of total fields [2] has been exceeded');
  const mapping = await ok('GET', '/runtime-limit-b/_mapping');
  assert.deepEqual(Object.keys(mapping['runtime-limit-b'].mappings.runtime), ['r']);
  // Removing a runtime field (null) frees its place.
  await ok('PUT', '/runtime-limit-b/_mapping', { runtime: { r: null, s: { type: 'long' } } });
  const freed = await ok('GET', '/runtime-limit-b/_mapping');
  assert.deepEqual(freed['runtime-limit-b'].mappings.runtime, { s: { type: 'long' } });
});

// ---------------------------------------------------------------- item 4: update get section

test('update with _source: the get section is the written source; the stored one read first is what the mapping keeps', async () => {
  await ok('PUT', '/update-get', { mappings: { _source: { excludes: ['secret'] }, properties: { a: { type: 'long' }, b: { type: 'long' }, secret: { type: 'keyword' } } } });
  await ok('PUT', '/update-get/_doc/1?refresh=true', { a: 1, secret: 'x' });
  assert.deepEqual((await ok('GET', '/update-get/_doc/1'))._source, { a: 1 });
  const updated = await ok('POST', '/update-get/_update/1?_source=true', { doc: { b: 2 } });
  assert.deepEqual(updated.get._source, { a: 1, b: 2 });
  // The request's own fields are in it, as the update wrote them, even an excluded one.
  const withSecret = await ok('POST', '/update-get/_update/1?_source=true', { doc: { secret: 'y' } });
  assert.deepEqual(withSecret.get._source, { a: 1, b: 2, secret: 'y' });
  assert.deepEqual((await ok('GET', '/update-get/_doc/1'))._source, { a: 1, b: 2 });
  // The request's `_source` filter applies on top.
  const filtered = await ok('POST', '/update-get/_update/1', { doc: { b: 3 }, _source: { includes: ['b', 'secret'] } });
  assert.deepEqual(filtered.get._source, { b: 3 });
  const noop = await ok('POST', '/update-get/_update/1?_source=true', { doc: { b: 3 } });
  assert.equal(noop.result, 'noop');
  assert.deepEqual(noop.get._source, { a: 1, b: 3 });
});

// ---------------------------------------------------------------- item 5: templates validated at put

test('templates: a normalizer the settings do not define fails the put (legacy, component, composable, simulate), nothing stored', async () => {
  const badMappings = { properties: { f: { type: 'keyword', normalizer: 'folded' } } };
  const folded = { analysis: { normalizer: { folded: { type: 'custom', filter: ['lowercase', 'asciifolding'] } } } };
  const inner = 'normalizer [folded] not found for field [f]';
  // Legacy: the mapping error itself, as an index creation answers it.
  const legacy = await fails('PUT', '/_template/t-legacy', { index_patterns: ['tl-*'], mappings: badMappings }, 400, 'mapper_parsing_exception', `Failed to parse mapping: ${inner}`);
  assert.deepEqual(legacy.error.root_cause, [{ type: 'mapper_parsing_exception', reason: inner }]);
  assert.equal((await call('GET', '/_template/t-legacy')).status, 404);
  await ok('PUT', '/_template/t-legacy', { index_patterns: ['tl-*'], settings: folded, mappings: badMappings });
  // Component: the same.
  await fails('PUT', '/_component_template/c-bad', { template: { mappings: badMappings } }, 400, 'mapper_parsing_exception', `Failed to parse mapping: ${inner}`);
  assert.equal((await call('GET', '/_component_template/c-bad')).status, 404);
  // Composable: wrapped twice, the outer exception the root cause.
  const composable = await fails('PUT', '/_index_template/t-comp', { index_patterns: ['tc-*'], template: { mappings: badMappings } }, 400, 'illegal_argument_exception', 'composable template [t-comp] template after composition is invalid');
  assert.deepEqual(composable.error.root_cause, [{ type: 'illegal_argument_exception', reason: 'composable template [t-comp] template after composition is invalid' }]);
  assert.equal(composable.error.caused_by.type, 'illegal_argument_exception');
  assert.equal(composable.error.caused_by.reason, 'invalid composite mappings for [t-comp]');
  assert.equal(composable.error.caused_by.caused_by.type, 'mapper_parsing_exception');
  assert.equal(composable.error.caused_by.caused_by.reason, `Failed to parse mapping: ${inner}`);
  assert.equal((await call('GET', '/_index_template/t-comp')).status, 404);
  // The normalizer may come from a component template's settings.
  await ok('PUT', '/_component_template/c-settings', { template: { settings: folded } });
  await ok('PUT', '/_index_template/t-comp', { index_patterns: ['tc-*'], composed_of: ['c-settings'], template: { mappings: badMappings } });
  // ... and removing it from the component breaks the composable template: refused.
  const update = await fails('PUT', '/_component_template/c-settings', { template: { settings: { number_of_shards: 1 } } }, 400, 'illegal_argument_exception',
    'updating component template [c-settings] results in invalid composable template [t-comp] after templates are merged');
  assert.equal(update.error.caused_by.reason, 'composable template [t-comp] template after composition with component templates [c-settings] is invalid');
  assert.ok(JSON.stringify((await ok('GET', '/_component_template/c-settings')).component_templates[0].component_template.template.settings).includes('folded'));
  // Simulate validates as the put does.
  await fails('POST', '/_index_template/_simulate', { index_patterns: ['ts-*'], template: { mappings: badMappings } }, 400, 'illegal_argument_exception', 'composable template [simulate_template] template after composition is invalid');
  await fails('POST', '/_index_template/_simulate_index/ts-1', { index_patterns: ['ts-*'], template: { mappings: badMappings } }, 400, 'illegal_argument_exception', 'composable template [simulate_index_template] template after composition is invalid');
  // An analyzer the composed settings do not define: refused as an undefined normalizer is (an
  // index's analyzers come from its settings, as its normalizers do).
  const analyzer = await fails('PUT', '/_index_template/t-an', { index_patterns: ['ta-*'], template: { mappings: { properties: { t: { type: 'text', analyzer: 'nope' } } } } }, 400, 'illegal_argument_exception', 'composable template [t-an] template after composition is invalid');
  assert.equal(analyzer.error.caused_by.caused_by.reason, 'Failed to parse mapping: analyzer [nope] has not been configured in mappings');
  await ok('PUT', '/_index_template/t-an', { index_patterns: ['ta-*'], template: { settings: { analysis: { analyzer: { nope: { tokenizer: 'whitespace' } } } }, mappings: { properties: { t: { type: 'text', analyzer: 'nope' } } } } });
});

// ---------------------------------------------------------------- item 6: list settings stay lists

test('index settings: a list stays a list in GET _settings (nested and flat_settings), an item with a comma survives', async () => {
  await ok('PUT', '/list-settings', {
    settings: {
      analysis: {
        normalizer: { folded: { type: 'custom', filter: ['lowercase', 'asciifolding'] } },
        filter: { stop_x: { type: 'stop', stopwords: ['a,b', 'c'] } },
      },
    },
    mappings: { properties: { name: { type: 'keyword', normalizer: 'folded' } } },
  });
  const nested = await ok('GET', '/list-settings/_settings');
  const analysis = nested['list-settings'].settings.index.analysis;
  assert.deepEqual(analysis.normalizer.folded.filter, ['lowercase', 'asciifolding']);
  assert.deepEqual(analysis.filter.stop_x.stopwords, ['a,b', 'c']);
  const flat = await ok('GET', '/list-settings/_settings?flat_settings=true');
  assert.deepEqual(flat['list-settings'].settings['index.analysis.normalizer.folded.filter'], ['lowercase', 'asciifolding']);
  assert.deepEqual(flat['list-settings'].settings['index.analysis.filter.stop_x.stopwords'], ['a,b', 'c']);
  assert.equal(flat['list-settings'].settings['index.analysis.normalizer.folded.type'], 'custom');
  // The index and the cluster state print it alike.
  assert.deepEqual((await ok('GET', '/list-settings?flat_settings=true'))['list-settings'].settings['index.analysis.normalizer.folded.filter'], ['lowercase', 'asciifolding']);
  const state = await ok('GET', '/_cluster/state/metadata/list-settings?flat_settings=true');
  assert.deepEqual(state.metadata.indices['list-settings'].settings['index.analysis.normalizer.folded.filter'], ['lowercase', 'asciifolding']);
  // The normalizer still works from the kept list.
  await ok('PUT', '/list-settings/_doc/1?refresh=true', { name: 'Crème' });
  assert.equal((await ok('POST', '/list-settings/_search', { query: { term: { name: 'CREME' } } })).hits.total.value, 1);
  // A comma-delimited string is a list too (Elasticsearch's getAsList), printed as given.
  await ok('PUT', '/list-settings-string', { settings: { analysis: { normalizer: { folded: { type: 'custom', filter: 'lowercase,asciifolding' } } } }, mappings: { properties: { name: { type: 'keyword', normalizer: 'folded' } } } });
  assert.equal((await ok('GET', '/list-settings-string/_settings?flat_settings=true'))['list-settings-string'].settings['index.analysis.normalizer.folded.filter'], 'lowercase,asciifolding');
  await ok('PUT', '/list-settings-string/_doc/1?refresh=true', { name: 'Crème' });
  assert.equal((await ok('POST', '/list-settings-string/_search', { query: { term: { name: 'CREME' } } })).hits.total.value, 1);
  // Templates keep lists as well.
  await ok('PUT', '/_index_template/list-template', { index_patterns: ['lt-*'], template: { settings: { analysis: { normalizer: { n: { type: 'custom', filter: ['lowercase'] } } } } } });
  const template = await ok('GET', '/_index_template/list-template?flat_settings=true');
  assert.deepEqual(template.index_templates[0].index_template.template.settings['index.analysis.normalizer.n.filter'], ['lowercase']);
});

// ---------------------------------------------------------------- item 1: aggregation keys over HTTP

test('aggregations: an unknown key is a 400 with the parser\'s error, never ignored', async () => {
  await ok('PUT', '/agg-keys/_doc/1?refresh=true', { n: 1, k: 'a' });
  const body = await fails('POST', '/agg-keys/_search', { size: 0, aggs: { a: { terms: { script: { source: "doc['k.keyword'].value" }, params: { x: 1 } } } } }, 400, 'x_content_parse_exception', '[terms] unknown field [params]');
  assert.deepEqual(body.error.root_cause, [{ type: 'x_content_parse_exception', reason: '[terms] unknown field [params]' }]);
  await fails('POST', '/agg-keys/_search', { size: 0, aggs: { a: { avg: { field: 'n', missng: 0 } } } }, 400, 'x_content_parse_exception', '[avg] unknown field [missng] did you mean [missing]?');
  await fails('POST', '/agg-keys/_search', { size: 0, aggs: { a: { top_hits: { sizes: 1 } } } }, 400, 'parsing_exception', 'Unknown key for a VALUE_NUMBER in [a]: [sizes].');
  const answer = await ok('POST', '/agg-keys/_search', { size: 0, aggs: { a: { avg: { field: 'n', missing: 0 } } } });
  assert.equal(answer.aggregations.a.value, 1);
});
