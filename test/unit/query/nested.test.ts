// The `nested` query over real segments (issue #15): each nested object is matched on its own and
// only parents are hits; score modes; multi-level paths; include_in_parent / include_in_root; the
// mapping limits; sorting on nested fields; and the errors Elasticsearch gives.
// References: nested.html, query-dsl-nested-query.html (incl. its multi-level example),
// mapping-settings-limit.html, sort-search-results.html#nested-sorting; error texts as
// NestedQueryBuilder, FieldSortBuilder, MappingLookup and DocumentParser give them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFieldLimits, parseDocument, parseMapping } from '../../../src/index/mapping/index.js';
import { segmentIndex, throwsEs } from './segment-index.js';

const userMapping = (extra: Record<string, unknown> = {}) => ({
  properties: {
    title: { type: 'text' },
    group: { type: 'keyword' },
    owner: { properties: { name: { type: 'keyword' } } },
    user: { type: 'nested', ...extra, properties: { first: { type: 'keyword' }, last: { type: 'keyword' }, age: { type: 'integer' } } },
  },
});
const users = [
  { title: 'one', group: 'fans', user: [{ first: 'John', last: 'Smith', age: 30 }, { first: 'Alice', last: 'White', age: 20 }] },
  { title: 'two', user: { first: 'John', last: 'White', age: 40 } },
  { title: 'three', owner: { name: 'x' } },
];
const johnWhite = { bool: { must: [{ term: { 'user.first': 'John' } }, { term: { 'user.last': 'White' } }] } };

test('each nested object matches on its own; without a nested query nested fields match nothing (nested.html)', () => {
  const { search } = segmentIndex(userMapping(), users);
  assert.deepEqual(search({ query: { nested: { path: 'user', query: johnWhite } } }).ids, ['2']);
  // Across two objects of doc 1 (John Smith, Alice White): not a match, as in Elasticsearch.
  assert.deepEqual(search({ query: { nested: { path: 'user', query: { term: { 'user.first': 'Alice' } } } } }).ids, ['1']);
  assert.deepEqual(search({ query: johnWhite }).ids, []);
  assert.deepEqual(search({ query: { term: { 'user.first': 'John' } } }).ids, []);
  assert.deepEqual(search({ query: { exists: { field: 'user.age' } } }).ids, []);
  // Hits and counts are parents only.
  const all = search({ query: { nested: { path: 'user', query: { match_all: {} } } }, sort: ['_doc'] });
  assert.deepEqual(all.ids, ['1', '2']);
  assert.equal(all.total, 2);
  // Combined with parent-level clauses.
  assert.deepEqual(search({ query: { bool: { filter: [{ term: { group: 'fans' } }, { nested: { path: 'user', query: { range: { 'user.age': { lt: 25 } } } } }] } } }).ids, ['1']);
  assert.deepEqual(search({ query: { bool: { must_not: [{ nested: { path: 'user', query: { term: { 'user.first': 'John' } } } }] } } }).ids, ['3']);
});

test('score_mode avg (default), max, min, sum and none; boost multiplies (query-dsl-nested-query.html#nested-top-level-params)', () => {
  const { search } = segmentIndex(userMapping(), users);
  const inner = {
    bool: {
      should: [
        { constant_score: { filter: { term: { 'user.first': 'John' } }, boost: 2 } },
        { constant_score: { filter: { term: { 'user.age': 20 } }, boost: 1 } },
      ],
    },
  };
  const scores = (scoreMode?: string, boost?: number) =>
    search({ query: { nested: { path: 'user', query: inner, ...(scoreMode === undefined ? {} : { score_mode: scoreMode }), ...(boost === undefined ? {} : { boost }) } }, sort: ['_doc'], track_scores: true }).scores;
  assert.deepEqual(scores(), [1.5, 2]);
  assert.deepEqual(scores('avg'), [1.5, 2]);
  assert.deepEqual(scores('max'), [2, 2]);
  assert.deepEqual(scores('min'), [1, 2]);
  assert.deepEqual(scores('sum'), [3, 2]);
  assert.deepEqual(scores('none'), [0, 0]);
  assert.deepEqual(scores('sum', 2), [6, 4]);
});

test('multi-level nested paths, and a nested path queried from the root directly (query-dsl-nested-query.html#multi-level-nested-query-ex)', () => {
  const mapping = {
    properties: {
      driver: {
        type: 'nested',
        properties: { last_name: { type: 'text' }, vehicle: { type: 'nested', properties: { make: { type: 'text' }, model: { type: 'text' } } } },
      },
    },
  };
  const { search } = segmentIndex(mapping, [
    { driver: { last_name: 'McQueen', vehicle: [{ make: 'Powell Motors', model: 'Canyonero' }, { make: 'Miller-Meteor', model: 'Ecto-1' }] } },
    { driver: { last_name: 'Hudson', vehicle: [{ make: 'Mifune', model: 'Mach Five' }, { make: 'Miller-Meteor', model: 'Ecto-1' }] } },
  ]);
  const makeAndModel = (make: string, model: string) => ({ bool: { must: [{ match: { 'driver.vehicle.make': make } }, { match: { 'driver.vehicle.model': model } }] } });
  const twoLevels = (make: string, model: string) => ({ nested: { path: 'driver', query: { nested: { path: 'driver.vehicle', query: makeAndModel(make, model) } } } });
  assert.deepEqual(search({ query: twoLevels('Powell Motors', 'Canyonero') }).ids, ['1']);
  assert.deepEqual(search({ query: twoLevels('Powell Motors', 'Ecto-1') }).ids, []);
  assert.deepEqual(search({ query: twoLevels('Miller-Meteor', 'Ecto-1'), sort: ['_doc'] }).ids, ['1', '2']);
  assert.deepEqual(search({ query: { nested: { path: 'driver.vehicle', query: makeAndModel('Mifune', 'Mach Five') } } }).ids, ['2']);
  // A driver's field and a vehicle's, each in its own document.
  const mixed = { nested: { path: 'driver', query: { bool: { must: [{ match: { 'driver.last_name': 'hudson' } }, { nested: { path: 'driver.vehicle', query: { match: { 'driver.vehicle.model': 'ecto' } } } }] } } } };
  assert.deepEqual(search({ query: mixed }).ids, ['2']);
  assert.deepEqual(search({ query: { nested: { path: 'driver', query: { match: { 'driver.vehicle.make': 'Mifune' } } } } }).ids, []);
});

test('include_in_parent and include_in_root also index the nested fields in the parent / root document (nested.html#nested-params)', () => {
  const inParent = segmentIndex(userMapping({ include_in_parent: true }), users).search;
  // Flattened in the parent: the cross-object match Elasticsearch gives for plain objects.
  assert.deepEqual(inParent({ query: { bool: { must: [{ term: { 'user.first': 'Alice' } }, { term: { 'user.last': 'Smith' } }] } } }).ids, ['1']);
  assert.deepEqual(inParent({ query: { nested: { path: 'user', query: { bool: { must: [{ term: { 'user.first': 'Alice' } }, { term: { 'user.last': 'Smith' } }] } } } } }).ids, []);
  assert.deepEqual(inParent({ sort: [{ 'user.age': 'desc' }], query: { exists: { field: 'user.age' } } }).ids, ['2', '1']);
  const mapping = {
    properties: {
      a: { type: 'nested', properties: { name: { type: 'keyword' }, b: { type: 'nested', include_in_root: true, properties: { v: { type: 'keyword' } } } } },
    },
  };
  const { search } = segmentIndex(mapping, [{ a: [{ name: 'n1', b: [{ v: 'x' }] }, { name: 'n2', b: { v: 'y' } }] }, { a: { name: 'n3' } }]);
  assert.deepEqual(search({ query: { term: { 'a.b.v': 'y' } } }).ids, ['1']);
  assert.deepEqual(search({ query: { term: { 'a.name': 'n1' } } }).ids, []);
  assert.deepEqual(search({ query: { nested: { path: 'a', query: { term: { 'a.b.v': 'x' } } } } }).ids, []);
});

test('a nested path that is not nested, or not mapped: query_shard_exception unless ignore_unmapped; parse errors (NestedQueryBuilder)', () => {
  const { search } = segmentIndex(userMapping(), users);
  throwsEs(() => search({ query: { nested: { path: 'owner', query: { match_all: {} } } } }), 'query_shard_exception', '[nested] nested object under path [owner] is not of nested type');
  throwsEs(() => search({ query: { nested: { path: 'nope', query: { match_all: {} } } } }), 'query_shard_exception', '[nested] failed to find nested object under path [nope]');
  assert.deepEqual(search({ query: { nested: { path: 'nope', ignore_unmapped: true, query: { match_all: {} } } } }).ids, []);
  throwsEs(() => search({ query: { nested: { query: { match_all: {} } } } }), 'parsing_exception', "[nested] requires 'path' field");
  throwsEs(() => search({ query: { nested: { path: 'user' } } }), 'parsing_exception', "[nested] requires 'query' field");
  throwsEs(() => search({ query: { nested: { path: 'user', query: { match_all: {} }, score_mode: 'median' } } }), 'illegal_argument_exception', 'No score mode for child query [median] found');
  throwsEs(() => search({ query: { nested: { path: 'user', query: { match_all: {} }, foo: 1 } } }), 'parsing_exception', '[nested] query does not support [foo]');
});

test('sorting on a nested field needs a nested context: min ascending, max descending, mode, filter, keyword keys (sort-search-results.html#nested-sorting)', () => {
  const { search } = segmentIndex(userMapping(), users);
  throwsEs(() => search({ sort: [{ 'user.age': 'asc' }] }), 'query_shard_exception', 'it is mandatory to set the [nested] context on the nested sort field: [user.age].');
  const sorted = (spec: Record<string, unknown>) => {
    const result = search({ sort: [{ 'user.age': { nested: { path: 'user' }, ...spec } }] });
    return [result.ids, result.keys.map((key) => key![0])];
  };
  assert.deepEqual(sorted({ order: 'asc' }), [['1', '2', '3'], [20, 40, null]]);
  assert.deepEqual(sorted({ order: 'desc' }), [['2', '1', '3'], [40, 30, null]]);
  assert.deepEqual(sorted({ order: 'asc', mode: 'max' }), [['1', '2', '3'], [30, 40, null]]);
  const johns = search({ sort: [{ 'user.age': { order: 'asc', nested: { path: 'user', filter: { term: { 'user.first': 'John' } } } } }] });
  assert.deepEqual([johns.ids, johns.keys.map((key) => key![0])], [['1', '2', '3'], [30, 40, null]]);
  const names = search({ sort: [{ 'user.last': { order: 'desc', nested: { path: 'user' } } }, '_doc'] });
  assert.deepEqual([names.ids, names.keys.map((key) => key![0])], [['1', '2', '3'], ['White', 'White', null]]);
  const firstNames = search({ sort: [{ 'user.first': { order: 'asc', nested: { path: 'user' } } }] });
  assert.deepEqual(firstNames.keys.map((key) => key![0]), ['Alice', 'John', null]);
  // With the query: only parents that match, keys from all their (filtered) nested documents.
  const queried = search({ query: { term: { title: 'one' } }, sort: [{ 'user.age': { order: 'desc', nested: { path: 'user' } } }] });
  assert.deepEqual(queried.keys.map((key) => key![0]), [30]);
  throwsEs(() => search({ sort: [{ 'user.age': { nested: { path: 'owner' } } }] }), 'query_shard_exception', '[nested] nested object under path [owner] is not of nested type');
  throwsEs(() => search({ sort: [{ 'user.age': { nested: { path: 'user', max_children: 2 } } }] }), 'illegal_argument_exception', '[nested] sort option [max_children] is not supported by Strait');
  throwsEs(() => search({ sort: [{ 'user.age': { nested_path: 'user' } }] }), 'illegal_argument_exception', '[field_sort] option [nested_path] is not supported by Strait: use [nested]');
});

test('index.mapping.nested_fields.limit and index.mapping.nested_objects.limit (mapping-settings-limit.html)', () => {
  const root = parseMapping({ properties: { a: { type: 'nested' }, b: { type: 'nested', properties: { c: { type: 'nested' } } } } });
  checkFieldLimits(root, 1000, 3);
  throwsEs(() => checkFieldLimits(root, 1000, 2), 'illegal_argument_exception', 'Limit of nested fields [2] has been exceeded');
  const source = { a: [{ x: 1 }, { x: 2 }], b: { c: [{ y: 1 }] } };
  assert.equal(parseDocument(root, source, '1', { nestedObjectsLimit: 4 }).nested.length, 3);
  throwsEs(
    () => parseDocument(root, source, '1', { nestedObjectsLimit: 3 }),
    'document_parsing_exception',
    'The number of nested documents has exceeded the allowed limit of [3]. This limit can be set by changing the [index.mapping.nested_objects.limit] index level setting.',
  );
});

test('parsed nested documents: offsets per parent, fields per object, children (nested.html)', () => {
  const root = parseMapping({ properties: { a: { type: 'nested', properties: { k: { type: 'keyword' }, b: { type: 'nested' } } } } });
  const parsed = parseDocument(root, { top: 1, a: [{ k: 'x', b: [{ v: 1 }, { v: 2 }] }, null, { k: 'y' }] }, '1');
  assert.deepEqual(Object.keys(parsed.fields), ['top']);
  assert.deepEqual(parsed.nested.map((document) => [document.path, document.offset, document.fields['a.k']]), [['a', 0, ['x']], ['a', 1, ['y']]]);
  assert.deepEqual(parsed.nested[0]!.children.map((document) => [document.path, document.offset, document.fields['a.b.v']]), [['a.b', 0, [1]], ['a.b', 1, [2]]]);
});

test('type nested from a dynamic template; GET mapping shows it (dynamic-templates.html)', () => {
  const mapping = { dynamic_templates: [{ objects_nested: { match: 'n_*', match_mapping_type: 'object', mapping: { type: 'nested' } } }] };
  const { search, root } = segmentIndex(mapping, [{ n_items: [{ a: 'p', b: 'q' }, { a: 'r', b: 's' }] }, { n_items: { a: 'p', b: 's' } }]);
  assert.equal((root['properties'] as Record<string, Record<string, unknown>>)['n_items']!['type'], 'nested');
  const both = { bool: { must: [{ match: { 'n_items.a': 'p' } }, { match: { 'n_items.b': 's' } }] } };
  assert.deepEqual(search({ query: { nested: { path: 'n_items', query: both } } }).ids, ['2']);
});

test('copy_to from a nested field reaches its target document: the root, or the nested object itself (copy-to.html)', () => {
  const mapping = {
    properties: {
      all: { type: 'text' },
      n: { type: 'nested', properties: { first: { type: 'keyword', copy_to: ['all', 'n.full'] }, last: { type: 'keyword', copy_to: 'n.full' }, full: { type: 'text' } } },
    },
  };
  const { search } = segmentIndex(mapping, [{ n: [{ first: 'john', last: 'smith' }, { first: 'alice', last: 'white' }] }]);
  assert.deepEqual(search({ query: { match: { all: 'alice' } } }).ids, ['1']);
  assert.deepEqual(search({ query: { match: { 'n.full': 'alice' } } }).ids, []);
  assert.deepEqual(search({ query: { nested: { path: 'n', query: { match: { 'n.full': { query: 'alice white', operator: 'and' } } } } } }).ids, ['1']);
  assert.deepEqual(search({ query: { nested: { path: 'n', query: { match: { 'n.full': { query: 'alice smith', operator: 'and' } } } } } }).ids, []);
});
