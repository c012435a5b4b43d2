/**
 * Edit distance as Lucene's Levenshtein automata count it (term suggester's DirectSpellChecker,
 * completion's FuzzyCompletionQuery): a transposition is one edit by default, and the prefix form
 * measures against the nearest prefix of the input.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-suggesters.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, utf16EditDistance } from '../../../src/common/edit-distance.js';

const points = (text: string): number[] => Array.from(text, (ch) => ch.codePointAt(0)!);

test('whole-string distance: substitutions, insertions, transpositions as one edit', () => {
  assert.equal(editDistance(points('kitten'), points('sitten'), 2), 1);
  assert.equal(editDistance(points('abc'), points('acb'), 2), 1);
  assert.equal(editDistance(points('abc'), points('acb'), 2, { transpositions: false }), 2);
  assert.equal(editDistance(points('ab'), points('abcd'), 2), 2);
});

test('past the limit the answer is above the limit', () => {
  assert.ok(editDistance(points('a'), points('abcd'), 2) > 2);
  assert.ok(editDistance(points('xyz'), points('abc'), 1) > 1);
});

test('prefix form: the query against the nearest prefix of the input', () => {
  assert.equal(editDistance(points('nirv'), points('nirvana'), 1, { prefixOfRight: true }), 0);
  assert.equal(editDistance(points('nrv'), points('nirvana'), 1, { prefixOfRight: true }), 1);
  assert.ok(editDistance(points('xyz'), points('nirvana'), 1, { prefixOfRight: true }) > 1);
  assert.equal(editDistance([], points('nirvana'), 1, { prefixOfRight: true }), 0);
});

test('code points, not UTF-16 units: one astral character is one unit', () => {
  assert.equal(editDistance(points('a😀b'), points('a😁b'), 1), 1);
});

test('the string form counts UTF-16 code units, as the fuzzy query and the aggregation did-you-mean do', () => {
  // '😀' and '😁' share their high surrogate: one unit differs.
  assert.equal(utf16EditDistance('a😀b', 'a😁b', 2), 1);
  // An astral character in place of one ASCII letter is a substitution plus an insertion.
  assert.equal(utf16EditDistance('size', 'si😀e', 2), 2);
  assert.equal(utf16EditDistance('abc', 'acb', 2, { transpositions: false }), 2);
  assert.ok(utf16EditDistance('a', 'abcd', 2) > 2);
});
