// Keyword normalizers: parsing `index.analysis.normalizer` settings with Elasticsearch's refusals,
// and the per-character filters they chain.
// References: analysis-normalizers.html, normalizer.html (mapping parameter),
// analysis-lowercase-tokenfilter.html, analysis-asciifolding-tokenfilter.html, analysis-trim-tokenfilter.html.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeKeyword, normalizersOf, normalizeWildcardPattern } from '../../../src/index/analysis/index.js';
import { refused, settingsOf } from './normalizer-settings.js';

test('the built-in lowercase normalizer exists in every index; custom ones chain their filters in order', () => {
  const normalizers = normalizersOf(settingsOf({
    normalizer: { folded: { type: 'custom', char_filter: [], filter: ['lowercase', 'asciifolding'] }, upper: { filter: ['trim', 'uppercase'] } },
  }));
  assert.deepEqual([...normalizers.keys()].sort(), ['folded', 'lowercase', 'upper']);
  assert.equal(normalizeKeyword(normalizers.get('lowercase')!, 'FoO BaR'), 'foo bar');
  assert.equal(normalizeKeyword(normalizers.get('folded')!, 'Åmål Crème BRÛLÉE'), 'amal creme brulee');
  assert.equal(normalizeKeyword(normalizers.get('upper')!, '  straße\t'), 'STRASSE'.replace('SS', 'ß'), 'ß has no simple uppercase in Java');
  assert.equal(normalizersOf({}).size, 1);
});

test('filters defined under analysis.filter by type are resolved; a normalizer named lowercase replaces the built-in', () => {
  const normalizers = normalizersOf(settingsOf({
    filter: { my_fold: { type: 'asciifolding' } },
    normalizer: { lowercase: { type: 'custom', filter: ['uppercase'] }, n: { type: 'custom', filter: ['my_fold'] } },
  }));
  assert.equal(normalizeKeyword(normalizers.get('lowercase')!, 'abc'), 'ABC');
  assert.equal(normalizeKeyword(normalizers.get('n')!, 'Ñandú'), 'Nandu');
});

test("filters that do not work per character are refused as Elasticsearch refuses them ('may not use filter')", () => {
  refused({ normalizer: { n: { type: 'custom', filter: ['stop'] } } }, 'Custom normalizer [n] may not use filter [stop]');
  refused({ filter: { s: { type: 'porter_stem' } }, normalizer: { n: { type: 'custom', filter: ['s'] } } }, 'Custom normalizer [n] may not use filter [s]');
  refused({ normalizer: { n: { type: 'custom', filter: ['nope'] } } }, 'Custom normalizer [n] failed to find filter under name [nope]');
  refused({ normalizer: { n: { type: 'other' } } }, 'Unknown normalizer type [other] for [n]');
});

test('what Strait does not implement is refused with a 400 naming it, never ignored', () => {
  refused({ normalizer: { n: { type: 'custom', char_filter: ['html_strip'] } } }, 'Custom normalizer [n] may not use char filter [html_strip]');
  refused({ normalizer: { n: { type: 'custom', filter: ['cjk_width'] } } }, /\[cjk_width\].*Strait does not implement/);
  refused({ normalizer: { n: { type: 'custom', tokenizer: 'standard' } } }, 'Custom normalizer [n] cannot configure a tokenizer');
  refused({ filter: { f: { type: 'asciifolding', preserve_original: true } }, normalizer: { n: { filter: ['f'] } } }, /\[preserve_original\]/);
});

test("lowercase, uppercase and trim follow Java's per-code-point rules", () => {
  const normalizers = normalizersOf(settingsOf({ normalizer: { l: { filter: ['lowercase'] }, t: { filter: ['trim'] } } }));
  // Java's simple lowercase of U+0130 is 'i' (JavaScript's full mapping adds a combining dot).
  assert.equal(normalizeKeyword(normalizers.get('l')!, '\u0130STANBUL'), 'istanbul');
  // TrimFilter trims Character.isWhitespace: the no-break space is not whitespace in Java.
  assert.equal(normalizeKeyword(normalizers.get('t')!, ' \t a b \n'), 'a b');
  assert.equal(normalizeKeyword(normalizers.get('t')!, '\u00a0x\u00a0'), '\u00a0x\u00a0');
});

test('wildcard patterns: literal runs are normalized, wildcards and escapes kept', () => {
  const lowercase = normalizersOf({}).get('lowercase')!;
  assert.equal(normalizeWildcardPattern(lowercase, 'FO*B?R\\*X'), 'fo*b?r\\*x');
});
