/**
 * Search routing and preference (src/search/shard-selection.ts) against Elasticsearch:
 * IndexNameExpressionResolver.resolveSearchRouting as its test AliasRoutingIT/testResolveSearchRouting
 * asserts it (aliases alias, alias10 -> test1 routing 0, alias20/alias21 -> test2 routing 0/1,
 * alias3ltw -> test3 routing " ltw "), and Preference.parse / preferenceActiveShardIterator
 * (`_shards:`, `|`, "no Preference for [..]", Integer.parseInt's NumberFormatException).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShardSelection, searchRoutingFor, selectShards } from '../../../src/search/shard-selection.js';
import { EsError } from '../../../src/common/index.js';

const test1 = { alias: {}, alias10: { search_routing: '0' }, alias0: { search_routing: '0' } };
const test2 = { alias20: { search_routing: '0' }, alias21: { search_routing: '1' }, alias0: { search_routing: '0' } };
const test3 = { alias3tw: { search_routing: 'tw ' }, alias3ltw: { search_routing: ' ltw ' } };
const sorted = (values: readonly string[] | undefined): string[] | undefined => (values === undefined ? undefined : [...values].sort());

test('search routing through aliases follows resolveSearchRouting', () => {
  assert.equal(searchRoutingFor('alias', 'test1', test1, undefined), undefined);
  assert.deepEqual(sorted(searchRoutingFor('alias', 'test1', test1, ['0', '1'])), ['0', '1']);
  assert.deepEqual(searchRoutingFor('alias10', 'test1', test1, undefined), ['0']);
  assert.deepEqual(searchRoutingFor('alias10', 'test1', test1, ['0']), ['0']);
  assert.equal(searchRoutingFor('alias10', 'test1', test1, ['1']), undefined, 'an empty intersection is dropped');
  assert.deepEqual(searchRoutingFor('alias0', 'test2', test2, undefined), ['0']);
  assert.deepEqual(sorted(searchRoutingFor('alias20,alias21', 'test2', test2, undefined)), ['0', '1']);
  assert.equal(searchRoutingFor('test1,alias10', 'test1', test1, undefined), undefined);
  assert.equal(searchRoutingFor('alias10,test1', 'test1', test1, undefined), undefined);
  assert.deepEqual(searchRoutingFor('alias10,alias21', 'test2', test2, ['1']), ['1']);
  assert.deepEqual(sorted(searchRoutingFor('test1,alias10,alias21', 'test1', test1, ['0', '1', '2'])), ['0', '1', '2']);
  assert.deepEqual(searchRoutingFor('alias10,alias21', 'test2', test2, ['0', '1', '2']), ['1']);
  const param = parseShardSelection('tw , ltw , lw', undefined).routing;
  assert.deepEqual(param, ['tw ', ' ltw ', ' lw'], 'values are not trimmed');
  assert.deepEqual(searchRoutingFor('alias3tw', 'test3', test3, param), ['tw ']);
  assert.deepEqual(searchRoutingFor('alias3ltw', 'test3', test3, param), [' ltw ']);
  assert.deepEqual(searchRoutingFor(undefined, 'test3', test3, param), param);
  assert.deepEqual(searchRoutingFor('_all', 'test3', test3, param), param);
});

test('preference: _shards restricts, | chains, unknown types and bad shard ids are 400s', () => {
  const layout = { shards: 3, routingShards: 768 };
  const nodeMatches = (spec: string): boolean => spec === 'node-a';
  const pick = (routing: string | undefined, preference: string | undefined): number[] => {
    const selection = parseShardSelection(routing, preference);
    return selectShards(layout, selection, selection.routing, 'i', nodeMatches);
  };
  assert.deepEqual(pick(undefined, undefined), [0, 1, 2]);
  assert.deepEqual(pick(undefined, '_shards:0,2'), [0, 2]);
  assert.deepEqual(pick(undefined, '_shards:1|_local'), [1]);
  assert.deepEqual(pick(undefined, '_shards:1|'), [1]);
  assert.deepEqual(pick(undefined, '_shards:7'), [], 'a shard the index does not have selects nothing of it');
  assert.deepEqual(pick(undefined, 'my-session-id'), [0, 1, 2]);
  assert.deepEqual(pick(undefined, '_local'), [0, 1, 2]);
  assert.deepEqual(pick(undefined, '_prefer_nodes:x,y'), [0, 1, 2]);
  assert.deepEqual(pick(undefined, '_only_nodes:node-a'), [0, 1, 2]);
  // "hello" routes to shard 2 of 3 (known hash 0xd7c31989, floorMod 768 / 256).
  assert.deepEqual(pick('hello', undefined), [2]);
  assert.deepEqual(pick('hello', '_shards:0'), []);
  const error = (fn: () => unknown): EsError => {
    try {
      fn();
    } catch (caught) {
      assert.ok(caught instanceof EsError);
      return caught;
    }
    assert.fail('expected an error');
  };
  assert.equal(error(() => pick(undefined, '_foo')).message, 'no Preference for [_foo]');
  assert.equal(error(() => pick(undefined, '_shards:1|_bar:x')).message, 'no Preference for [_bar]');
  const notNumber = error(() => pick(undefined, '_shards:a'));
  assert.equal(notNumber.type, 'number_format_exception');
  assert.equal(notNumber.message, 'For input string: "a"');
  const elsewhere = error(() => pick(undefined, '_only_nodes:other'));
  assert.equal(elsewhere.type, 'illegal_argument_exception');
  assert.equal(elsewhere.status, 400);
});

// An index reached through neither its name nor an alias (a data stream's backing index, a date
// math expression) is a concrete index to resolveSearchRouting: the request's routing applies.
test('an index reached through a data stream or date math keeps the request routing', () => {
  assert.deepEqual(searchRoutingFor('logs', '.ds-logs-2026.12.06-000001', {}, ['a']), ['a']);
  assert.deepEqual(searchRoutingFor('<logs-{now/d}>', 'logs-2026.12.06', {}, ['a', 'b']), ['a', 'b']);
  assert.equal(searchRoutingFor('logs', '.ds-logs-2026.12.06-000001', {}, undefined), undefined);
});
