// Template mappings with many properties: parsing them must stay linear. Elasticsearch parses a
// template's mappings in one pass; expanding dotted names merged every property into a copy of all
// the ones before it, so 5,000 properties blocked the node for tens of seconds (bad-input sweep).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandDottedProperties, parseComponentTemplate } from '../../../src/index/templates.js';

const properties = (count: number): Record<string, unknown> => Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}`, { type: 'keyword' }]));

// Not a speed assertion (speed is measured by the bench, and a loaded CI machine took 1.9 s here):
// the quadratic expansion took minutes at this size, so the test's timeout is the guard.
test('20,000 properties parse (the quadratic expansion would run into the timeout)', { timeout: 60_000 }, () => {
  const template = parseComponentTemplate({ template: { mappings: { properties: properties(20_000) } } });
  assert.equal(Object.keys((template.template.mappings as { properties: object }).properties).length, 20_000);
});

test('dotted names still merge into one object, in the order given', () => {
  const expanded = expandDottedProperties({ properties: { 'a.b': { type: 'keyword' }, x: { type: 'long' }, 'a.c': { type: 'text' } } });
  assert.deepEqual(expanded, { properties: { a: { properties: { b: { type: 'keyword' }, c: { type: 'text' } } }, x: { type: 'long' } } });
  assert.deepEqual(Object.keys(expanded['properties'] as object), ['a', 'x']);
});
