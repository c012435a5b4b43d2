// canonicalJson: the mapping comparisons of multi-node mode (wire-coordination.ts) must not see a
// change where two nodes merged the same fields in different orders; otherwise such a node sends
// its mapping to the master on every write, and re-applies the published one on every state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../../src/common/json.js';
import { mergeMappings, parseMapping } from '../../../src/index/mapping/index.js';

test('equal for values that differ only in key order, at any depth; arrays keep their order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: null } }), canonicalJson({ a: { c: null, d: [2, { x: 2, y: 1 }] }, b: 1 }));
  assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }));
  assert.notEqual(canonicalJson({ a: 1 }), canonicalJson({ a: 1, b: 2 }));
});

test('two nodes merging the same two dynamic fields in opposite orders hold the same canonical mapping', () => {
  const base = parseMapping({ properties: { title: { type: 'text' } } });
  const x = parseMapping({ properties: { x: { type: 'long' } } });
  const y = parseMapping({ properties: { y: { type: 'keyword' } } });
  const onA = mergeMappings(mergeMappings(base, x), y);
  const onB = mergeMappings(mergeMappings(base, y), x);
  assert.notEqual(JSON.stringify(onA), JSON.stringify(onB), 'the orders differ');
  assert.equal(canonicalJson(onA), canonicalJson(onB));
});
