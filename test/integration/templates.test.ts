// Index templates with one real node and the official client, from what Elasticsearch's
// rest-api-spec YAML tests assert: indices.put_index_template/10_basic.yml and 15_composition.yml,
// cluster.put_component_template, indices.simulate_index_template, indices.simulate_template,
// indices.put_template (legacy), and Elastic's "Index templates" page
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/index-templates.html).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let client: Client;

interface ErrorBody {
  error: { type: string; reason: string; root_cause: { type: string; reason: string }[] };
  status: number;
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const response = await rawRequest(node, method, path, {
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: response.status, body: response.text === '' ? undefined : response.json(), headers: response.headers };
}

async function failure(method: string, path: string, body?: unknown): Promise<ErrorBody & { statusCode: number }> {
  const response = await call(method, path, body);
  assert.ok(response.status >= 400, `${method} ${path} answered ${response.status}`);
  return { ...(response.body as ErrorBody), statusCode: response.status };
}

before(async () => {
  node = await startNode({ nodeName: 'templates-1' });
  client = node.client();
});

after(async () => {
  await node?.destroy();
});

test('put and get a composable template (10_basic "Put index template"): settings nested as strings, mappings as given', async () => {
  await client.indices.putIndexTemplate({
    name: 'basic',
    index_patterns: ['basic-*'],
    template: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { field: { type: 'keyword' } } } },
  });
  const got = await client.indices.getIndexTemplate({ name: 'basic' });
  assert.equal(got.index_templates[0]!.name, 'basic');
  const template = got.index_templates[0]!.index_template as any;
  assert.deepEqual(template.index_patterns, ['basic-*']);
  assert.deepEqual(template.template.settings.index, { number_of_shards: '1', number_of_replicas: '0' });
  assert.deepEqual(template.template.mappings, { properties: { field: { type: 'keyword' } } });
  assert.deepEqual(template.composed_of, []);
  assert.equal(await client.indices.existsIndexTemplate({ name: 'basic' }), true);
  assert.equal(await client.indices.existsIndexTemplate({ name: 'nothing-here' }), false);
  assert.equal((await call('HEAD', '/_index_template/nothing-*')).status, 404, 'a wildcard matching nothing does not exist');
  assert.equal((await call('HEAD', '/_index_template/bas*')).status, 200);
  assert.equal((await call('HEAD', '/_component_template/nothing-*')).status, 404);
  assert.equal((await call('HEAD', '/_component_template/nothing-here')).status, 404, 'a missing literal name is a bare 404');
});

test('aliases in a template: routing splits into index_routing and search_routing, filters kept', async () => {
  await client.indices.putIndexTemplate({
    name: 'aliased',
    index_patterns: ['aliased-*', 'aliased2-*'],
    template: { aliases: { test_alias: {}, test_blias: { routing: 'b' }, test_clias: { filter: { term: { user: 'kimchy' } } } } },
  });
  const got = (await client.indices.getIndexTemplate({ name: 'aliased' })).index_templates[0]!.index_template as any;
  assert.equal(Object.keys(got.template.aliases).length, 3);
  assert.equal(got.template.aliases.test_blias.index_routing, 'b');
  assert.equal(got.template.aliases.test_blias.search_routing, 'b');
  assert.equal(got.template.aliases.test_clias.filter.term.user, 'kimchy');
});

test('create=true refuses to replace an existing template; a body without index_patterns is a 400', async () => {
  const exists = await failure('PUT', '/_index_template/basic?create=true', { index_patterns: ['basic-*'] });
  assert.equal(exists.statusCode, 400);
  assert.equal(exists.error.type, 'illegal_argument_exception');
  assert.equal(exists.error.reason, 'index template [basic] already exists');
  const noPatterns = await failure('PUT', '/_index_template/empty', {});
  assert.equal(noPatterns.statusCode, 400);
  assert.equal(noPatterns.error.type, 'action_request_validation_exception');
  assert.equal(noPatterns.error.reason, 'Validation Failed: 1: index patterns are missing;');
  const unknown = await failure('PUT', '/_index_template/odd', { index_patterns: ['odd-*'], nonsense: 1 });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.error.type, 'x_content_parse_exception');
  assert.equal((await call('GET', '/_index_template/empty')).status, 404);
});

test('overlapping patterns at the same priority are refused with Elasticsearch\'s message; a different priority is accepted', async () => {
  await client.indices.putIndexTemplate({ name: 'ov-one', index_patterns: ['ov-*'], priority: 10 });
  const conflict = await failure('PUT', '/_index_template/ov-two', { index_patterns: ['ov-a*', 'other'], priority: 10 });
  assert.equal(conflict.statusCode, 400);
  assert.equal(conflict.error.type, 'illegal_argument_exception');
  assert.equal(
    conflict.error.reason,
    'index template [ov-two] has index patterns [ov-a*, other] matching patterns from existing templates [ov-one] with patterns (ov-one => [ov-*]) that have the same priority [10], multiple index templates may not match during index creation, please use a different priority',
  );
  assert.equal((await call('GET', '/_index_template/ov-two')).status, 404, 'the refused template changed nothing');
  await client.indices.putIndexTemplate({ name: 'ov-two', index_patterns: ['ov-a*'], priority: 11 });
});

test('composition (15_composition): component templates in order, then the template, then the request; aliases replaced by name', async () => {
  await client.cluster.putComponentTemplate({
    name: 'ct_low',
    template: { settings: { number_of_replicas: 1 }, mappings: { properties: { field1: { type: 'text' } } }, aliases: { aliasname: { is_write_index: false } } } as any,
  });
  await client.cluster.putComponentTemplate({
    name: 'ct_high',
    template: { settings: { 'index.number_of_replicas': 0 }, mappings: { properties: { field2: { type: 'keyword' } } }, aliases: { aliasname: { is_write_index: true } } } as any,
  });
  await client.indices.putIndexTemplate({
    name: 'my-template',
    index_patterns: ['foo', 'bar-*'],
    template: {
      settings: { 'index.number_of_shards': 2 },
      mappings: { properties: { field3: { type: 'integer' } } },
      aliases: { my_alias: {}, aliasname: { filter: { match_all: {} } } },
    },
    composed_of: ['ct_low', 'ct_high'],
    priority: 400,
  });
  await client.indices.create({
    index: 'bar-baz',
    settings: { 'index.priority': 17 } as any,
    mappings: { properties: { foo: { type: 'keyword' } } },
    aliases: { other: {} },
  });
  const got = (await client.indices.get({ index: 'bar-baz' }))['bar-baz'] as any;
  assert.equal(got.settings.index.number_of_shards, '2');
  assert.equal(got.settings.index.number_of_replicas, '0');
  assert.equal(got.settings.index.priority, '17');
  assert.deepEqual(got.mappings.properties.field1, { type: 'text' });
  assert.deepEqual(got.mappings.properties.field2, { type: 'keyword' });
  assert.deepEqual(got.mappings.properties.field3, { type: 'integer' });
  assert.deepEqual(got.mappings.properties.foo, { type: 'keyword' });
  assert.deepEqual(got.aliases.aliasname, { filter: { match_all: {} } });
  assert.deepEqual(got.aliases.my_alias, {});
  assert.deepEqual(got.aliases.other, {});
});

test('the highest priority template wins (15_composition "Index template priority"), also for an index auto-created by a write', async () => {
  await client.indices.putIndexTemplate({ name: 'prio-low', index_patterns: ['prio-*'], template: { settings: { 'index.number_of_shards': 2 } }, priority: 400 });
  await client.indices.putIndexTemplate({ name: 'prio-high', index_patterns: ['prio-b*'], template: { settings: { 'index.number_of_shards': 3 } }, priority: 405 });
  await client.index({ index: 'prio-baz', id: '1', document: { a: 1 } });
  const got = (await client.indices.get({ index: 'prio-baz' }))['prio-baz'] as any;
  assert.equal(got.settings.index.number_of_shards, '3');
  const other = await client.indices.create({ index: 'prio-other' });
  assert.equal(other.acknowledged, true);
  assert.equal(((await client.indices.get({ index: 'prio-other' }))['prio-other'] as any).settings.index.number_of_shards, '2');
});

test('mapping merging (15_composition): dotted names expand, later definitions replace fields, objects merge', async () => {
  await client.cluster.putComponentTemplate({ name: 'red', template: { mappings: { properties: { 'object1.red': { type: 'keyword' }, 'object2.red': { type: 'keyword' } } } } as any });
  await client.cluster.putComponentTemplate({
    name: 'blue',
    template: { mappings: { properties: { 'object2.red': { type: 'text' }, 'object1.blue': { type: 'text' }, 'object2.blue': { type: 'text' } } } } as any,
  });
  await client.indices.putIndexTemplate({
    name: 'purple',
    index_patterns: ['purple-index'],
    composed_of: ['red', 'blue'],
    template: { mappings: { properties: { 'object2.blue': { type: 'integer' }, 'object1.purple': { type: 'integer' }, 'object2.purple': { type: 'integer' } } } as any },
  });
  await client.indices.create({ index: 'purple-index', mappings: { properties: { 'object2.purple': { type: 'double' }, 'object3.purple': { type: 'double' } } } as any });
  const properties = ((await client.indices.get({ index: 'purple-index' }))['purple-index'] as any).mappings.properties;
  assert.deepEqual(properties.object1.properties.red, { type: 'keyword' });
  assert.deepEqual(properties.object1.properties.blue, { type: 'text' });
  assert.deepEqual(properties.object1.properties.purple, { type: 'integer' });
  assert.deepEqual(properties.object2.properties.red, { type: 'text' });
  assert.deepEqual(properties.object2.properties.blue, { type: 'integer' });
  assert.deepEqual(properties.object2.properties.purple, { type: 'double' });
  assert.deepEqual(properties.object3.properties.purple, { type: 'double' });
});

test('a template naming a missing component template is invalid_index_template_exception', async () => {
  const missing = await failure('PUT', '/_index_template/broken', { index_patterns: ['broken-*'], composed_of: ['red', 'nope'] });
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.error.type, 'invalid_index_template_exception');
  assert.equal(missing.error.reason, 'index_template [broken] invalid, cause [index template [broken] specifies component templates [nope] that do not exist]');
  const ignored = await failure('PUT', '/_index_template/broken', { index_patterns: ['broken-*'], composed_of: ['red', 'blue2'], ignore_missing_component_templates: ['foo'] });
  assert.match(ignored.error.reason, /index_template \[broken\] invalid, cause \[index template \[broken\] specifies a missing component templates \[blue2\] that does not exist/);
});

test('component templates: get, wildcard get, 404 for a missing name, and no delete while an index template uses one', async () => {
  const got = await client.cluster.getComponentTemplate({ name: 'ct_*' });
  assert.deepEqual(got.component_templates.map((entry) => entry.name), ['ct_high', 'ct_low']);
  assert.equal((got.component_templates[1]!.component_template.template as any).settings.index.number_of_replicas, '1');
  const local = await call('GET', '/_component_template?local=true');
  assert.equal(local.status, 200);
  assert.match(String(local.headers['warning']), /the \[\?local\] query parameter to this API has no effect, is now deprecated/);
  const missing = await failure('GET', '/_component_template/absent');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.error.type, 'resource_not_found_exception');
  assert.equal(missing.error.reason, 'component template matching [absent] not found');
  const inUse = await failure('DELETE', '/_component_template/ct_low');
  assert.equal(inUse.statusCode, 400);
  assert.equal(inUse.error.type, 'illegal_argument_exception');
  assert.equal(inUse.error.reason, 'component templates [ct_low] cannot be removed as they are still in use by index templates [my-template]');
  await client.cluster.putComponentTemplate({ name: 'unused', template: { settings: { number_of_replicas: 0 } }, version: 3, _meta: { a: 'b' } });
  const unused = (await client.cluster.getComponentTemplate({ name: 'unused' })).component_templates[0]!.component_template as any;
  assert.equal(unused.version, 3);
  assert.deepEqual(unused._meta, { a: 'b' });
  assert.equal((await client.cluster.deleteComponentTemplate({ name: 'unused' })).acknowledged, true);
  assert.equal((await call('DELETE', '/_component_template/unused')).status, 404);
});

test('get with a wildcard answers the matches (none is an empty list); delete takes a comma list and 404s a missing name', async () => {
  const wildcard = await client.indices.getIndexTemplate({ name: 'prio-*' });
  assert.deepEqual(wildcard.index_templates.map((entry) => entry.name), ['prio-high', 'prio-low']);
  assert.deepEqual((await call('GET', '/_index_template/zzz*')).body, { index_templates: [] });
  const missing = await failure('GET', '/_index_template/zzz');
  assert.equal(missing.error.type, 'resource_not_found_exception');
  assert.equal(missing.error.reason, 'index template matching [zzz] not found');
  await client.indices.putIndexTemplate({ name: 'del-a', index_patterns: ['del-a-*'] });
  await client.indices.putIndexTemplate({ name: 'del-b', index_patterns: ['del-b-*'] });
  await client.indices.deleteIndexTemplate({ name: 'del-a,del-b' });
  assert.equal((await call('GET', '/_index_template/del-a')).status, 404);
  const gone = await failure('DELETE', '/_index_template/del-a');
  assert.equal(gone.statusCode, 404);
  assert.equal(gone.error.type, 'index_template_missing_exception');
  assert.equal(gone.error.reason, 'index_template [del-a] missing');
});

test('_meta, version and allow_auto_create are kept; allow_auto_create=false forbids creating a matching index by a write', async () => {
  await client.indices.putIndexTemplate({ name: 'noauto', index_patterns: ['noauto-*'], version: 7, _meta: { owner: 'me' }, allow_auto_create: false });
  const got = (await client.indices.getIndexTemplate({ name: 'noauto' })).index_templates[0]!.index_template as any;
  assert.equal(got.version, 7);
  assert.deepEqual(got._meta, { owner: 'me' });
  assert.equal(got.allow_auto_create, false);
  const refused = await failure('PUT', '/noauto-1/_doc/1', { a: 1 });
  assert.equal(refused.statusCode, 404);
  assert.equal(refused.error.type, 'index_not_found_exception');
  assert.equal((await call('HEAD', '/noauto-1')).status, 404);
  assert.equal((await client.indices.create({ index: 'noauto-2' })).acknowledged, true, 'an explicit create is still allowed');
});

test('_simulate_index shows what a new index would get and the templates that lose; _simulate composes a template', async () => {
  const simulated = await call('POST', '/_index_template/_simulate_index/prio-bar');
  assert.equal(simulated.status, 200);
  assert.equal(simulated.body.template.settings.index.number_of_shards, '3');
  assert.deepEqual(simulated.body.template.mappings, {});
  assert.deepEqual(simulated.body.overlapping, [{ name: 'prio-low', index_patterns: ['prio-*'] }]);
  const byName = await call('POST', '/_index_template/_simulate/my-template');
  assert.equal(byName.status, 200);
  assert.equal(byName.body.template.settings.index.number_of_shards, '2');
  assert.equal(byName.body.template.settings.index.number_of_replicas, '0');
  assert.deepEqual(byName.body.template.mappings.properties.field1, { type: 'text' });
  assert.deepEqual(byName.body.overlapping, []);
  const fromBody = await call('POST', '/_index_template/_simulate', {
    index_patterns: ['prio-x*'],
    priority: 1,
    template: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { field: { type: 'keyword' } } } },
  });
  assert.equal(fromBody.status, 200);
  assert.equal(fromBody.body.template.settings.index.number_of_shards, '1');
  assert.deepEqual(fromBody.body.template.mappings.properties.field, { type: 'keyword' });
  assert.deepEqual(fromBody.body.overlapping, [{ name: 'prio-low', index_patterns: ['prio-*'] }]);
  assert.equal((await call('GET', '/_index_template/simulate_template')).status, 404, 'a simulation stores nothing');
  assert.deepEqual((await call('POST', '/_index_template/_simulate_index/matches-nothing')).body, {});
});

test('legacy templates: put with order, get, HEAD, merged by order, and a composable template wins over them', async () => {
  const put = await call('PUT', '/_template/legacy-low', { index_patterns: ['legacy-*'], order: 0, settings: { number_of_shards: 2 }, mappings: { properties: { a: { type: 'keyword' } } } });
  assert.equal(put.status, 200);
  assert.match(String(put.headers['warning']), /Legacy index templates are deprecated in favor of composable templates\./);
  await client.indices.putTemplate({ name: 'legacy-high', index_patterns: ['legacy-b*'], order: 5, settings: { number_of_shards: 3 }, aliases: { legacy_alias: {} } });
  const got = await client.indices.getTemplate({ name: 'legacy-*' });
  assert.deepEqual(Object.keys(got).sort(), ['legacy-high', 'legacy-low']);
  assert.equal(got['legacy-low']!.order, 0);
  assert.deepEqual(got['legacy-low']!.index_patterns, ['legacy-*']);
  assert.equal((got['legacy-high']!.settings as any).index.number_of_shards, '3');
  assert.equal(await client.indices.existsTemplate({ name: 'legacy-low' }), true);
  assert.equal(await client.indices.existsTemplate({ name: 'legacy-none' }), false);
  assert.deepEqual((await call('GET', '/_template/legacy-none')).status, 404);

  await client.indices.create({ index: 'legacy-bar' });
  const merged = (await client.indices.get({ index: 'legacy-bar' }))['legacy-bar'] as any;
  assert.equal(merged.settings.index.number_of_shards, '3', 'the higher order wins');
  assert.deepEqual(merged.mappings.properties.a, { type: 'keyword' }, 'the lower order still contributes');
  assert.deepEqual(merged.aliases.legacy_alias, {});

  const withLegacyOverlap = await call('PUT', '/_index_template/beats-legacy', { index_patterns: ['legacy-c*'], priority: 10, template: { settings: { number_of_shards: 1 } } });
  assert.match(String(withLegacyOverlap.headers['warning']), /index template \[beats-legacy\] has index patterns \[legacy-c\*\] matching patterns from existing older templates \[legacy-low\]/);
  await client.indices.create({ index: 'legacy-cat' });
  const composed = (await client.indices.get({ index: 'legacy-cat' }))['legacy-cat'] as any;
  assert.equal(composed.settings.index.number_of_shards, '1');
  assert.equal(composed.mappings.properties, undefined, 'legacy templates do not apply under a composable one');
  // indices.simulate_index_template 10_basic "overlapping legacy and composable templates": legacy first, then composable.
  await client.indices.putIndexTemplate({ name: 'beats-low', index_patterns: ['legacy-c*'], priority: 1 });
  const simulated = await call('POST', '/_index_template/_simulate_index/legacy-cow');
  assert.equal(simulated.body.template.settings.index.number_of_shards, '1');
  assert.deepEqual(simulated.body.overlapping, [
    { name: 'legacy-low', index_patterns: ['legacy-*'] },
    { name: 'beats-low', index_patterns: ['legacy-c*'] },
  ]);

  const create = await failure('PUT', '/_template/legacy-low?create=true', { index_patterns: ['x'] });
  assert.equal(create.error.reason, 'index_template [legacy-low] already exists');
  await client.indices.deleteTemplate({ name: 'legacy-high' });
  const missing = await failure('DELETE', '/_template/legacy-high');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.error.type, 'index_template_missing_exception');
});

test('a template setting that is invalid is refused when the template is put, and changes nothing', async () => {
  const bad = await failure('PUT', '/_index_template/bad-settings', { index_patterns: ['bad-*'], template: { settings: { 'index.no_such_setting': 1 } } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.error.type, 'illegal_argument_exception');
  const hiddenGlobal = await failure('PUT', '/_index_template/hidden-global', { index_patterns: ['*'], template: { settings: { 'index.hidden': true } } });
  assert.equal(hiddenGlobal.error.type, 'invalid_index_template_exception');
  assert.equal(hiddenGlobal.error.reason, 'index_template [hidden-global] invalid, cause [global composable templates may not specify the setting index.hidden]');
  const hiddenLegacy = await failure('PUT', '/_template/hidden-global', { index_patterns: ['*'], settings: { 'index.hidden': true } });
  assert.equal(hiddenLegacy.error.reason, 'index_template [hidden-global] invalid, cause [global templates may not specify the setting index.hidden]');
  const badMapping = await failure('PUT', '/_component_template/bad-mapping', { template: { mappings: { properties: { f: { type: 'no_such_type' } } } } });
  assert.equal(badMapping.statusCode, 400);
  assert.equal((await call('GET', '/_index_template/bad-settings')).status, 404);
  assert.equal((await call('GET', '/_component_template/bad-mapping')).status, 404);
});

test('flat_settings=true renders template settings flat; a component template keeps deprecated', async () => {
  const flat = await call('GET', '/_index_template/basic?flat_settings=true');
  assert.deepEqual(flat.body.index_templates[0].index_template.template.settings, { 'index.number_of_replicas': '0', 'index.number_of_shards': '1' });
  const legacy = await call('GET', '/_template/legacy-low?flat_settings=true');
  assert.deepEqual(legacy.body['legacy-low'].settings, { 'index.number_of_shards': '2' });
  await client.cluster.putComponentTemplate({ name: 'old-parts', template: { settings: { number_of_replicas: 0 } }, deprecated: true } as any);
  const component = await call('GET', '/_component_template/old-parts?flat_settings=true');
  assert.equal(component.body.component_templates[0].component_template.deprecated, true);
  assert.deepEqual(component.body.component_templates[0].component_template.template.settings, { 'index.number_of_replicas': '0' });
  const unsupported = await call('GET', '/_index_template/basic?include_defaults=true');
  assert.equal(unsupported.status, 400, 'a parameter Strait does not honour is refused');
});

test('_cat/templates lists legacy and composable templates (h, v, s, format=json)', async () => {
  const json = await call('GET', '/_cat/templates/prio-*?format=json&s=name');
  assert.equal(json.status, 200);
  assert.deepEqual(json.body, [
    { name: 'prio-high', index_patterns: '[prio-b*]', order: '405', version: null, composed_of: '[]' },
    { name: 'prio-low', index_patterns: '[prio-*]', order: '400', version: null, composed_of: '[]' },
  ]);
  const text = await rawRequest(node, 'GET', '/_cat/templates/my-template,legacy-low?v&h=name,order,c');
  assert.equal(text.status, 200);
  const lines = text.text.trimEnd().split('\n');
  // A column picked by an alias shows under that alias (Elasticsearch's RestTable).
  assert.match(lines[0]!, /^name\s+order\s+c$/);
  assert.match(lines[1]!, /^legacy-low\s+0\s*$/);
  assert.match(lines[2]!, /^my-template\s+400 \[ct_low, ct_high\]$/);
});

test('manage_index_templates covers index, component and legacy templates and nothing else (security privileges page)', async () => {
  await client.security.putRole({ name: 'templater', cluster: ['manage_index_templates'] });
  await client.security.putUser({ username: 'templater', password: 'templater-password', roles: ['templater'] });
  const templater = node.client({ username: 'templater', password: 'templater-password' });
  assert.equal((await templater.cluster.putComponentTemplate({ name: 'by-templater', template: { settings: { number_of_replicas: 0 } } })).acknowledged, true);
  assert.equal((await templater.indices.putIndexTemplate({ name: 'by-templater', index_patterns: ['templater-*'], composed_of: ['by-templater'] })).acknowledged, true);
  assert.equal((await templater.indices.getTemplate({ name: 'legacy-low' }))['legacy-low']!.order, 0);
  const denied = await templater.indices.create({ index: 'templater-1' }, { meta: true, ignore: [403] });
  assert.equal(denied.statusCode, 403);
});

test('templates survive a restart (node.db)', async () => {
  node = await node.restart();
  client = node.client();
  assert.equal(await client.indices.existsIndexTemplate({ name: 'my-template' }), true);
  assert.deepEqual((await client.cluster.getComponentTemplate({ name: 'ct_low' })).component_templates.length, 1);
  assert.equal(await client.indices.existsTemplate({ name: 'legacy-low' }), true);
  await client.indices.create({ index: 'bar-after-restart' });
  assert.equal(((await client.indices.get({ index: 'bar-after-restart' }))['bar-after-restart'] as any).settings.index.number_of_shards, '2');
});
