// A keyword normalizer end to end over real segments: values are normalized when indexed (doc
// values, sort keys, the `fields` option) and query values are normalized the same way by term,
// terms, range, prefix, wildcard, fuzzy and match; regexp is not (Elasticsearch leaves it alone).
// References: normalizer.html ("applied prior to indexing the keyword, as well as at search-time
// when the keyword field is searched via a query parser such as the match query or via a
// term-level query such as the term query"), keyword.html (normalizer), search-fields.html.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizersOf } from '../../../src/index/analysis/index.js';
import { flattenSettings } from '../../../src/index/settings.js';
import { segmentIndex } from './segment-index.js';

const normalizers = normalizersOf(flattenSettings({ analysis: { normalizer: { folded: { type: 'custom', filter: ['lowercase', 'asciifolding'] } } } }) as Record<string, string>);
const mapping = {
  properties: {
    name: { type: 'keyword', normalizer: 'folded' },
    plain: { type: 'keyword' },
    title: { type: 'text', fields: { raw: { type: 'keyword', normalizer: 'lowercase' } } },
  },
};
const sources = [
  { name: 'Crème BRÛLÉE', plain: 'Crème BRÛLÉE', title: 'First Title' },
  { name: 'creme brulee', plain: 'creme brulee', title: 'FIRST TITLE' },
  { name: 'Apple', plain: 'Apple', title: 'Other' },
];

for (const split of [false, true]) {
  const { search } = segmentIndex(mapping, sources, { split, normalizers });
  const ids = (query: unknown): string[] => search({ query }).ids.sort();

  test(`term, terms and match normalize the query value (split=${split})`, () => {
    assert.deepEqual(ids({ term: { name: 'CREME brûlée' } }), ['1', '2']);
    assert.deepEqual(ids({ terms: { name: ['APPLE', 'nothing'] } }), ['3']);
    assert.deepEqual(ids({ match: { name: 'Crème Brûlée' } }), ['1', '2']);
    assert.deepEqual(ids({ term: { 'title.raw': 'first title' } }), ['1', '2']);
    // The field without a normalizer still matches exactly.
    assert.deepEqual(ids({ term: { plain: 'creme brulee' } }), ['2']);
    assert.deepEqual(ids({ term: { plain: 'CREME BRULEE' } }), []);
  });

  test(`prefix, wildcard, range and fuzzy normalize; regexp does not (split=${split})`, () => {
    assert.deepEqual(ids({ prefix: { name: 'CRÈ' } }), ['1', '2']);
    assert.deepEqual(ids({ wildcard: { name: 'CR?ME*' } }), ['1', '2']);
    assert.deepEqual(ids({ range: { name: { gte: 'APPLE', lte: 'APPLE' } } }), ['3']);
    assert.deepEqual(ids({ fuzzy: { name: { value: 'APLE' } } }), ['3']);
    assert.deepEqual(ids({ match_bool_prefix: { name: 'CRÈME B' } }), ['1', '2']);
    assert.deepEqual(ids({ multi_match: { query: 'APPLE', fields: ['name', 'plain'] } }), ['3']);
    assert.deepEqual(ids({ regexp: { name: 'Apple' } }), []);
    assert.deepEqual(ids({ regexp: { name: 'apple' } }), ['3']);
  });

  test(`sort keys, docvalue_fields and the fields option show the normalized value (split=${split})`, () => {
    const result = search({ query: { match_all: {} }, sort: [{ name: 'asc' }, { plain: 'asc' }] });
    assert.deepEqual(result.sorts, [['apple', 'Apple'], ['creme brulee', 'Crème BRÛLÉE'], ['creme brulee', 'creme brulee']]);
    assert.deepEqual(result.docValues('name'), [{ name: ['apple'] }, { name: ['creme brulee'] }, { name: ['creme brulee'] }]);
    assert.deepEqual(result.fields('name'), [{ name: ['apple'] }, { name: ['creme brulee'] }, { name: ['creme brulee'] }]);
  });
}
