// The YAML runner's pure parts (shared/conformance/README.md describes the format).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiPath, asRegex, lookup, runStep, splitPath, Stash, valuesMatch, type ApiCaller } from '../../conformance/yaml-runner.js';

test('API names map to the client method path', () => {
  assert.deepEqual(apiPath('security.create_cross_cluster_api_key'), ['security', 'createCrossClusterApiKey']);
  assert.deepEqual(apiPath('index'), ['index']);
  assert.deepEqual(apiPath('indices.put_mapping'), ['indices', 'putMapping']);
});

test('paths honour escaped dots, array indexes, stashed keys and $body', () => {
  const stash = new Stash();
  stash.set('id', 'abc');
  const body = { hits: { hits: [{ _source: { 'a.b': 1 } }] }, abc: { name: 'x' } };
  assert.deepEqual(splitPath('a\\.b.c'), ['a.b', 'c']);
  assert.equal(lookup(body, 'hits.hits.0._source.a\\.b', stash), 1);
  assert.equal(lookup(body, '$id.name', stash), 'x');
  assert.equal(lookup(body, '$body', stash), body);
  assert.equal(lookup(body, 'hits.nothing.here', stash), undefined);
});

test('stash substitution works for whole values, embedded ${} and keys', () => {
  const stash = new Stash();
  stash.set('id', 'k1');
  stash.set('n', 3);
  assert.deepEqual(stash.substitute({ ids: ['$id'], text: 'key ${id}', '${id}': '$n' }), { ids: ['k1'], text: 'key k1', k1: 3 });
});

test('regex values ignore whitespace and comments', () => {
  const regex = asRegex('/ ^green \\s+ # colour\n yellow$ /')!;
  assert.equal(regex.test('green yellow'), true);
  assert.equal(valuesMatch('abc', '/^a.c$/'), true);
  assert.equal(valuesMatch(1, 1), true);
  assert.equal(valuesMatch({ a: [1] }, { a: [1] }), true);
  assert.equal(valuesMatch('1', 1), false);
});

test('a do step with catch, then match and set', async () => {
  const stash = new Stash();
  const calls: unknown[] = [];
  const call: ApiCaller = async (api, params) => {
    calls.push([api, params]);
    return api === 'get' ? { status: 404, body: { found: false } } : { status: 200, body: { _id: 'x1', result: 'created' } };
  };
  await runStep({ do: { index: { index: 'i', body: '{"a": 1}' } } }, stash, call);
  assert.deepEqual(calls[0], ['index', { index: 'i', body: { a: 1 } }]);
  await runStep({ set: { _id: 'id' } }, stash, call);
  await runStep({ match: { result: 'created' } }, stash, call);
  await runStep({ do: { catch: 'missing', get: { index: 'i', id: '$id' } } }, stash, call);
  assert.deepEqual(calls[1], ['get', { index: 'i', id: 'x1' }]);
  await assert.rejects(runStep({ do: { catch: 'conflict', get: { index: 'i', id: 'x' } } }, stash, call), /expected conflict \(409\), got 404/);
  await assert.rejects(runStep({ match: { found: true } }, stash, call), /expected true, got false/);
});
