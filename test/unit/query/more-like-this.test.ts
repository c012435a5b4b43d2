// more_like_this term selection as Lucene's MoreLikeThis does it (tf * classic idf, the
// min_term_freq / min_doc_freq / max_doc_freq filters, word length and stop words, max_query_terms)
// and the parse errors Elasticsearch answers. Reference: query-dsl-mlt-query.html (parameters and
// their defaults: max_query_terms 25, min_term_freq 2, min_doc_freq 5, minimum_should_match 30%).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import { parseQuery } from '../../../src/index/query/index.js';
import { acceptWord, classicIdf, selectTerms, type TermSelectionOptions } from '../../../src/index/query/more-like-this.js';

const defaults: TermSelectionOptions = {
  maxQueryTerms: 25,
  minTermFreq: 1,
  minDocFreq: 1,
  maxDocFreq: Number.MAX_SAFE_INTEGER,
  minWordLength: 0,
  maxWordLength: 0,
  stopWords: new Set(),
};
const freqs = (entries: Record<string, Record<string, number>>) => new Map(Object.entries(entries).map(([field, terms]) => [field, new Map(Object.entries(terms))]));
const dfs: Record<string, number> = { apple: 1, banana: 5, cherry: 9, date: 0, elder: 3 };
const docFreq = (_field: string, term: string): number => dfs[term] ?? 0;

test('terms are ordered by tf * idf, idf being 1 + ln((numDocs + 1) / (docFreq + 1))', () => {
  const selected = selectTerms(freqs({ body: { apple: 1, banana: 3, cherry: 2 } }), new Map(), docFreq, 10, defaults);
  assert.deepEqual(selected.map((term) => term.term), ['banana', 'apple', 'cherry']); // 4.82, 2.70, 2.19: a rare term beats a frequent one
  assert.equal(selected[0]!.score, 3 * classicIdf(5, 10));
  assert.ok(Math.abs(classicIdf(1, 10) - (1 + Math.log(11 / 2))) < 1e-12);
});

test('terms no document has, or outside [min_doc_freq, max_doc_freq], or below min_term_freq, are dropped', () => {
  const terms = freqs({ body: { apple: 1, banana: 3, cherry: 2, date: 5, elder: 2 } });
  assert.deepEqual(selectTerms(terms, new Map(), docFreq, 10, defaults).map((t) => t.term).sort(), ['apple', 'banana', 'cherry', 'elder']);
  assert.deepEqual(selectTerms(terms, new Map(), docFreq, 10, { ...defaults, minTermFreq: 2 }).map((t) => t.term).sort(), ['banana', 'cherry', 'elder']);
  assert.deepEqual(selectTerms(terms, new Map(), docFreq, 10, { ...defaults, minDocFreq: 5 }).map((t) => t.term).sort(), ['banana', 'cherry']);
  assert.deepEqual(selectTerms(terms, new Map(), docFreq, 10, { ...defaults, maxDocFreq: 3 }).map((t) => t.term).sort(), ['apple', 'elder']);
});

test('max_query_terms keeps the best terms across fields; unliked terms are skipped', () => {
  const terms = freqs({ a: { banana: 3 }, b: { apple: 1, cherry: 2 } });
  assert.deepEqual(selectTerms(terms, new Map(), docFreq, 10, { ...defaults, maxQueryTerms: 2 }).map((t) => `${t.field}:${t.term}`), ['a:banana', 'b:apple']);
  const skip = new Map([['a', new Set(['banana'])]]);
  assert.deepEqual(selectTerms(terms, skip, docFreq, 10, defaults).map((t) => `${t.field}:${t.term}`), ['b:apple', 'b:cherry']);
});

test('stop words and word lengths filter words', () => {
  const options = { ...defaults, stopWords: new Set(['the']), minWordLength: 3, maxWordLength: 5 };
  assert.equal(acceptWord('the', options), false);
  assert.equal(acceptWord('an', options), false);
  assert.equal(acceptWord('longer', options), false);
  assert.equal(acceptWord('fox', options), true);
  assert.equal(acceptWord('longer', defaults), true);
});

function rejects(body: unknown, type: string, reason: RegExp): void {
  assert.throws(() => parseQuery({ more_like_this: body }), (error: unknown) => {
    assert.ok(error instanceof EsError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, type);
    assert.match(error.reason, reason);
    return true;
  });
}

test('bad more_like_this bodies are 400s', () => {
  rejects({ fields: ['body'] }, 'parsing_exception', /more_like_this requires 'like' to be specified/);
  rejects({ like: 'x', nope: 1 }, 'parsing_exception', /\[more_like_this\] query does not support \[nope\]/);
  rejects({ like: [{ _index: 'i', _id: '1', bogus: true }] }, 'parsing_exception', /does not support \[bogus\]/);
  rejects({ like: [{ _index: 'i' }] }, 'illegal_argument_exception', /requires either an \[_id\] or a \[doc\]/);
  rejects({ like: 'x', fields: [] }, 'illegal_argument_exception', /'fields' to be non-empty/);
  rejects({ like: 'x', max_query_terms: -1 }, 'illegal_argument_exception', /max_query_terms/);
  rejects({ like: 'x', include: 'maybe' }, 'parsing_exception', /failed to parse field \[include\]/);
});

test('defaults follow Elasticsearch', () => {
  const node = parseQuery({ more_like_this: { like: 'text' } });
  assert.equal(node.kind, 'more_like_this');
  if (node.kind !== 'more_like_this') return;
  assert.equal(node.maxQueryTerms, 25);
  assert.equal(node.minTermFreq, 2);
  assert.equal(node.minDocFreq, 5);
  assert.equal(node.minimumShouldMatch, '30%');
  assert.equal(node.include, false);
  assert.equal(node.failOnUnsupportedField, true);
  assert.equal(node.fields, undefined);
  assert.equal(node.lookups, undefined);
});
