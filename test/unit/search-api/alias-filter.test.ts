// Filtered aliases (aliases.html#filter-alias): filters apply only when every path to the index is a filtered alias.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aliasFilterFor } from '../../../src/search/index.js';

const aliases = { red: { filter: { term: { color: 'red' } } }, blue: { filter: { term: { color: 'blue' } } }, everything: {} };

test('one filtered alias, two OR-ed, unfiltered paths win', () => {
  assert.equal(aliasFilterFor('red', 'paint', aliases)?.kind, 'term');
  const both = aliasFilterFor('red,blue', 'paint', aliases);
  assert.equal(both?.kind, 'bool');
  assert.equal(both?.kind === 'bool' ? both.should.length : 0, 2);
  assert.equal(aliasFilterFor('red,everything', 'paint', aliases), undefined);
  assert.equal(aliasFilterFor('red,paint', 'paint', aliases), undefined);
  assert.equal(aliasFilterFor('pa*', 'paint', aliases), undefined);
  assert.equal(aliasFilterFor('_all', 'paint', aliases), undefined);
  assert.equal(aliasFilterFor(undefined, 'paint', aliases), undefined);
  assert.equal(aliasFilterFor('re*', 'paint', aliases)?.kind, 'term');
});

test('the definitions a multi-node search sends with its shard requests combine to the same filter', async () => {
  const { aliasFilterDefinitions, combinedAliasFilter } = await import('../../../src/search/alias-filter.js');
  assert.deepEqual(aliasFilterDefinitions('red,blue', 'paint', aliases), [{ term: { color: 'red' } }, { term: { color: 'blue' } }]);
  assert.equal(aliasFilterDefinitions('red,everything', 'paint', aliases), undefined);
  assert.equal(aliasFilterDefinitions('paint', 'paint', aliases), undefined);
  assert.deepEqual(combinedAliasFilter(aliasFilterDefinitions('red,blue', 'paint', aliases)), aliasFilterFor('red,blue', 'paint', aliases));
  assert.equal(combinedAliasFilter(undefined), undefined);
});
