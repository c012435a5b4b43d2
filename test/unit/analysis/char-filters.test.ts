// Character filters in custom normalizers: `mapping` and `pattern_replace`, the two Elasticsearch
// allows there (NormalizingCharFilterFactory), with its refusals.
// References: analysis-normalizers.html (the `quote` mapping example), analysis-mapping-charfilter.html,
// analysis-pattern-replace-charfilter.html; Elasticsearch's CustomNormalizerProvider,
// MappingCharFilterFactory and PatternReplaceCharFilterFactory error texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeKeyword, normalizersOf } from '../../../src/index/analysis/index.js';
import { refused, settingsOf } from './normalizer-settings.js';

function normalize(analysis: unknown, name: string, value: string): string {
  return normalizeKeyword(normalizersOf(settingsOf(analysis)).get(name)!, value);
}

test('the docs example: a mapping char filter turns « and » into quotes before lowercase and asciifolding (analysis-normalizers.html)', () => {
  const analysis = {
    char_filter: { quote: { type: 'mapping', mappings: ['« => "', '» => "'] } },
    normalizer: { my_normalizer: { type: 'custom', char_filter: ['quote'], filter: ['lowercase', 'asciifolding'] } },
  };
  assert.equal(normalize(analysis, 'my_normalizer', '«Crème BRÛLÉE»'), '"creme brulee"');
});

test('mapping: the longest rule wins at each position; replaced text is not scanned again; escapes as Elasticsearch reads them', () => {
  const analysis = {
    char_filter: { m: { type: 'mapping', mappings: ['a => b', 'ab => X', 'b => a', '\\u0020 => _', 'tab => \\t', '\\\\ => /'] } },
    normalizer: { n: { char_filter: ['m'] } },
  };
  assert.equal(normalize(analysis, 'n', 'aab'), 'bX');
  assert.equal(normalize(analysis, 'n', 'b a'), 'a_b');
  assert.equal(normalize(analysis, 'n', 'tab\\'), '\t/');
  // An empty target deletes the source.
  assert.equal(normalize({ char_filter: { d: { type: 'mapping', mappings: ['- => '] } }, normalizer: { n: { char_filter: ['d'] } } }, 'n', '12-34-5'), '12345');
});

test('pattern_replace: Java replacement groups, flags, replacement default empty; char filters run in order, before the token filters', () => {
  const analysis = {
    char_filter: {
      digits: { type: 'pattern_replace', pattern: '(\\d+)-(?=\\d)', replacement: '$1_' },
      vowels: { type: 'pattern_replace', pattern: '[AEIOU]', flags: 'CASE_INSENSITIVE' },
      named: { type: 'pattern_replace', pattern: '(?<first>\\w+)@(?<host>\\w+)', replacement: '${host}\\$${first}' },
      twelve: { type: 'pattern_replace', pattern: '(a)', replacement: '$12' },
    },
    normalizer: {
      n: { char_filter: ['digits'], filter: ['uppercase'] },
      v: { char_filter: ['vowels'] },
      both: { char_filter: ['vowels', 'digits'] },
      named: { char_filter: ['named'] },
      twelve: { char_filter: ['twelve'] },
    },
  };
  assert.equal(normalize(analysis, 'n', '123-456-789 ab'), '123_456_789 AB');
  assert.equal(normalize(analysis, 'v', 'Education'), 'dctn');
  assert.equal(normalize(analysis, 'both', 'a1-2'), '1_2');
  assert.equal(normalize(analysis, 'named', 'me@host'), 'host$me');
  // Java reads $12 as group 1 then "2" when there is no group 12.
  assert.equal(normalize(analysis, 'twelve', 'xa'), 'xa2');
});

test('refusals: char filters that are not normalizing, unknown names and types, bad rules, bad patterns (400, as Elasticsearch)', () => {
  refused({ normalizer: { n: { char_filter: ['html_strip'] } } }, 'Custom normalizer [n] may not use char filter [html_strip]');
  refused({ char_filter: { h: { type: 'html_strip' } }, normalizer: { n: { char_filter: ['h'] } } }, 'Custom normalizer [n] may not use char filter [h]');
  refused({ normalizer: { n: { char_filter: ['nope'] } } }, 'Custom normalizer [n] failed to find char_filter under name [nope]');
  refused({ char_filter: { x: { type: 'bogus' } }, normalizer: { n: { char_filter: ['x'] } } }, 'Unknown char_filter type [bogus] for [x]');
  refused({ char_filter: { m: { type: 'mapping' } }, normalizer: { n: { char_filter: ['m'] } } }, 'mapping requires either `mappings` or `mappings_path` to be configured');
  refused({ char_filter: { m: { type: 'mapping', mappings: ['no arrow'] } }, normalizer: { n: { char_filter: ['m'] } } }, 'Invalid Mapping Rule : [no arrow]');
  refused({ char_filter: { m: { type: 'mapping', mappings: [' => x'] } }, normalizer: { n: { char_filter: ['m'] } } }, 'cannot match the empty string');
  refused({ char_filter: { m: { type: 'mapping', mappings_path: 'analysis/m.txt' } }, normalizer: { n: { char_filter: ['m'] } } }, /\[mappings_path\] is not supported/);
  refused({ char_filter: { m: { type: 'mapping', mappings: ['a => b'], bogus: 1 } }, normalizer: { n: { char_filter: ['m'] } } }, /\[bogus\]/);
  refused({ char_filter: { p: { type: 'pattern_replace' } }, normalizer: { n: { char_filter: ['p'] } } }, "pattern is missing for [p] char filter of type 'pattern_replace'");
  refused({ char_filter: { p: { type: 'pattern_replace', pattern: 'a', flags: 'NOPE' } }, normalizer: { n: { char_filter: ['p'] } } }, 'Unknown regex flag [NOPE]');
  refused({ char_filter: { p: { type: 'pattern_replace', pattern: 'a', flags: 'COMMENTS' } }, normalizer: { n: { char_filter: ['p'] } } }, /\[COMMENTS\] is not supported/);
  refused({ char_filter: { p: { type: 'pattern_replace', pattern: '(a' } }, normalizer: { n: { char_filter: ['p'] } } }, /^Invalid regex pattern \[\(a\]/);
  refused({ char_filter: { p: { type: 'pattern_replace', pattern: '\\Aa' } }, normalizer: { n: { char_filter: ['p'] } } }, /\[\\A\] is not supported/);
  refused({ char_filter: { p: { type: 'pattern_replace', pattern: '(a)', replacement: '$2' } }, normalizer: { n: { char_filter: ['p'] } } }, 'No group 2');
  refused({ char_filter: { p: { type: 'pattern_replace', pattern: '(a)', replacement: '$x' } }, normalizer: { n: { char_filter: ['p'] } } }, 'Illegal group reference');
});

test('\\p{..} classes work (JavaScript unicode mode)', () => {
  const analysis = { char_filter: { p: { type: 'pattern_replace', pattern: '[^\\p{L}\\p{N}]+', replacement: '' } }, normalizer: { n: { char_filter: ['p'], filter: ['lowercase'] } } };
  assert.equal(normalize(analysis, 'n', 'Ünïcode-Text 42!'), 'ünïcodetext42');
});

test('the pattern_replace token filter in a normalizer: after the filters before it, all (default true) or the first match (analysis-pattern_replace-tokenfilter.html)', () => {
  const analysis = {
    filter: {
      dots: { type: 'pattern_replace', pattern: '\\.', replacement: '-' },
      first: { type: 'pattern_replace', pattern: '\\.', replacement: '-', all: false },
      upper_a: { type: 'pattern_replace', pattern: 'A', replacement: '[$0]' },
    },
    normalizer: { all: { filter: ['dots'] }, once: { filter: ['first'] }, ordered: { filter: ['lowercase', 'upper_a'] }, reversed: { filter: ['upper_a', 'lowercase'] } },
  };
  assert.equal(normalize(analysis, 'all', 'a.b.c'), 'a-b-c');
  assert.equal(normalize(analysis, 'once', 'a.b.c'), 'a-b.c');
  assert.equal(normalize(analysis, 'ordered', 'ABA'), 'aba', 'lowercase first leaves no A');
  assert.equal(normalize(analysis, 'reversed', 'ABA'), '[a]b[a]');
  refused({ filter: { p: { type: 'pattern_replace' } }, normalizer: { n: { filter: ['p'] } } }, "pattern is missing for [p] token filter of type 'pattern_replace'");
  refused({ filter: { p: { type: 'pattern_replace', pattern: 'a', all: 'maybe' } }, normalizer: { n: { filter: ['p'] } } }, /only \[true\] or \[false\]/);
  refused({ filter: { p: { type: 'pattern_replace', pattern: 'a', bogus: 1 } }, normalizer: { n: { filter: ['p'] } } }, /\[bogus\]/);
});
