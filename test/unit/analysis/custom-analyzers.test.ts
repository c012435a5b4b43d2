// Index analyzers (`index.analysis.analyzer`) and the tokenizers, token filters and char filters
// they chain, against the token output Elasticsearch's reference documents for each component;
// the refusals at index creation; and round trips against the built-in analyzers.
// References: analysis-custom-analyzer.html, analysis-*-tokenizer.html, analysis-*-tokenfilter.html.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { analyzersOf, compileAnalyzer, getAnalyzer } from '../../../src/index/analysis/index.js';
import { refusedWith, settingsOf } from './normalizer-settings.js';

type Analysis = Record<string, unknown>;

/** Terms of `text` through analyzer `name` of these analysis settings (plus `extra` index settings). */
function terms(analysis: Analysis, text: string, name = 'a', extra: Record<string, string> = {}): string[] {
  const definition = analyzersOf({ ...settingsOf(analysis), ...extra }).get(name);
  assert.ok(definition !== undefined, `analyzer [${name}] is defined`);
  return compileAnalyzer(definition).analyze(text).terms;
}

/** Terms through a custom analyzer of this tokenizer and these filters (components may be defined in `components`). */
function chain(tokenizer: string, filters: string[], text: string, components: Analysis = {}, charFilters: string[] = []): string[] {
  return terms({ ...components, analyzer: { a: { type: 'custom', tokenizer, filter: filters, char_filter: charFilters } } }, text);
}

function refused(analysis: Analysis, reason: string | RegExp, extra: Record<string, string> = {}): void {
  refusedWith(() => analyzersOf({ ...settingsOf(analysis), ...extra }), reason);
}

test('a custom analyzer: mapping char filter, pattern tokenizer, lowercase and stop (the custom analyzer example), offsets into the original text', () => {
  const analysis = {
    char_filter: { emoticons: { type: 'mapping', mappings: [':) => _happy_', ':( => _sad_'] } },
    tokenizer: { punctuation: { type: 'pattern', pattern: '[ .,!?]' } },
    filter: { english_stop: { type: 'stop', stopwords: '_english_' } },
    analyzer: { a: { type: 'custom', char_filter: ['emoticons'], tokenizer: 'punctuation', filter: ['lowercase', 'english_stop'] } },
  };
  const definition = analyzersOf(settingsOf(analysis)).get('a')!;
  const tokens = compileAnalyzer(definition).analyze("I'm a :) person, and you?");
  assert.deepEqual(tokens.terms, ["i'm", '_happy_', 'person', 'you']);
  assert.deepEqual(tokens.positions, [0, 2, 3, 5]);
  assert.deepEqual(tokens.startOffsets, [0, 6, 9, 21]);
  assert.deepEqual(tokens.endOffsets, [3, 8, 15, 24]);
});

test('ngram and edge_ngram tokenizers: defaults, token_chars, and the index.max_ngram_diff check', () => {
  assert.deepEqual(chain('ngram', [], 'Quick Fox'), ['Q', 'Qu', 'u', 'ui', 'i', 'ic', 'c', 'ck', 'k', 'k ', ' ', ' F', 'F', 'Fo', 'o', 'ox', 'x']);
  const trigrams = { tokenizer: { t: { type: 'ngram', min_gram: 3, max_gram: 3, token_chars: ['letter', 'digit'] } } };
  assert.deepEqual(chain('t', [], '2 Quick Foxes.', trigrams), ['Qui', 'uic', 'ick', 'Fox', 'oxe', 'xes']);
  assert.deepEqual(chain('edge_ngram', [], 'Quick Fox'), ['Q', 'Qu']);
  const edge = { tokenizer: { t: { type: 'edge_ngram', min_gram: 2, max_gram: 10, token_chars: ['letter', 'digit'] } } };
  assert.deepEqual(chain('t', [], '2 Quick Foxes.', edge), ['Qu', 'Qui', 'Quic', 'Quick', 'Fo', 'Fox', 'Foxe', 'Foxes']);
  const wide = { tokenizer: { t: { type: 'ngram', min_gram: 1, max_gram: 3 } }, analyzer: { a: { tokenizer: 't' } } };
  refused(wide, 'The difference between max_gram and min_gram in NGram Tokenizer must be less than or equal to: [1] but was [2]. This limit can be set by changing the [index.max_ngram_diff] index level setting.');
  assert.deepEqual(terms(wide, 'abc', 'a', { 'index.max_ngram_diff': '2' }), ['a', 'ab', 'abc', 'b', 'bc', 'c']);
});

test('standard (max_token_length, stopwords), pattern, char_group and whitespace tokenizers', () => {
  const standard = { analyzer: { a: { type: 'standard', max_token_length: 5, stopwords: '_english_' } } };
  assert.deepEqual(terms(standard, "The 2 QUICK Brown-Foxes jumped over the lazy dog's bone."), ['2', 'quick', 'brown', 'foxes', 'jumpe', 'd', 'over', 'lazy', "dog's", 'bone']);
  assert.deepEqual(chain('pattern', [], "The foo_bar_size's default is 5."), ['The', 'foo_bar_size', 's', 'default', 'is', '5']);
  const comma = { tokenizer: { t: { type: 'pattern', pattern: ',' } } };
  assert.deepEqual(chain('t', [], 'comma,separated,values', comma), ['comma', 'separated', 'values']);
  const quoted = { tokenizer: { t: { type: 'pattern', pattern: '"((?:\\\\"|[^"]|\\\\")+)"', group: 1 } } };
  assert.deepEqual(chain('t', [], '"value", "value with embedded \\" quote"', quoted), ['value', 'value with embedded \\" quote']);
  const group = { tokenizer: { t: { type: 'char_group', tokenize_on_chars: ['whitespace', '-', '\n'] } } };
  assert.deepEqual(chain('t', [], 'The QUICK brown-fox', group), ['The', 'QUICK', 'brown', 'fox']);
  assert.deepEqual(chain('whitespace', [], 'The 2 QUICK Brown-Foxes'), ['The', '2', 'QUICK', 'Brown-Foxes']);
  assert.deepEqual(chain('letter', [], "The 2 QUICK Brown-Foxes jumped over the lazy dog's bone."), ['The', 'QUICK', 'Brown', 'Foxes', 'jumped', 'over', 'the', 'lazy', 'dog', 's', 'bone']);
});

test('token filters: stop, asciifolding, edge_ngram, ngram, length, truncate, unique, reverse, trim, elision, stemmer', () => {
  assert.deepEqual(chain('standard', ['stop'], 'a quick fox jumps over the lazy dog'), ['quick', 'fox', 'jumps', 'over', 'lazy', 'dog']);
  const folding = { filter: { f: { type: 'asciifolding', preserve_original: true } } };
  assert.deepEqual(chain('standard', ['f'], 'açaí à la carte', folding), ['acai', 'açaí', 'a', 'à', 'la', 'carte']);
  assert.deepEqual(chain('standard', ['edge_ngram'], 'the quick brown fox jumps'), ['t', 'th', 'q', 'qu', 'b', 'br', 'f', 'fo', 'j', 'ju']);
  assert.deepEqual(chain('standard', ['ngram'], 'Quick fox'), ['Q', 'Qu', 'u', 'ui', 'i', 'ic', 'c', 'ck', 'k', 'f', 'fo', 'o', 'ox', 'x']);
  const length = { filter: { f: { type: 'length', min: 0, max: 4 } } };
  assert.deepEqual(chain('whitespace', ['f'], 'the quick brown fox jumps over the lazy dog', length), ['the', 'fox', 'over', 'the', 'lazy', 'dog']);
  assert.deepEqual(chain('whitespace', ['truncate'], 'the quinquennial extravaganza carried on'), ['the', 'quinquenni', 'extravagan', 'carried', 'on']);
  assert.deepEqual(chain('whitespace', ['unique'], 'the quick fox jumps the lazy fox'), ['the', 'quick', 'fox', 'jumps', 'lazy']);
  assert.deepEqual(chain('standard', ['reverse'], 'quick fox jumps'), ['kciuq', 'xof', 'spmuj']);
  assert.deepEqual(chain('keyword', ['trim'], ' fox '), ['fox']);
  assert.deepEqual(chain('standard', ['elision'], 'j’examine près du wharf'), ['examine', 'près', 'du', 'wharf']);
  assert.deepEqual(chain('whitespace', ['stemmer'], 'fox running and jumping'), ['fox', 'run', 'and', 'jump']);
  const marker = { filter: { keep: { type: 'keyword_marker', keywords: ['jumping'] } } };
  assert.deepEqual(chain('whitespace', ['keep', 'porter_stem'], 'fox running and jumping', marker), ['fox', 'run', 'and', 'jumping']);
  const light = { filter: { f: { type: 'stemmer', language: 'minimal_english' } } };
  assert.deepEqual(chain('whitespace', ['f'], 'ponies bus class cats', light), ['pony', 'bus', 'class', 'cat']);
  const trailing = { filter: { f: { type: 'stop', remove_trailing: false } } };
  assert.deepEqual(chain('whitespace', ['f'], 'the fox and the', trailing), ['fox', 'the']);
  assert.deepEqual(chain('whitespace', ['f'], 'the fox and the ', trailing), ['fox']);
});

test('shingle: unigrams and word n-grams at the first word\'s position, fillers for removed words, the index.max_shingle_diff check', () => {
  const definition = analyzersOf(settingsOf({ analyzer: { a: { tokenizer: 'whitespace', filter: ['shingle'] } } })).get('a')!;
  const tokens = compileAnalyzer(definition).analyze('quick brown fox jumps');
  assert.deepEqual(tokens.terms, ['quick', 'quick brown', 'brown', 'brown fox', 'fox', 'fox jumps', 'jumps']);
  assert.deepEqual(tokens.positions, [0, 0, 1, 1, 2, 2, 3]);
  assert.deepEqual(tokens.types, ['word', 'shingle', 'word', 'shingle', 'word', 'shingle', 'word']);
  const wide = { filter: { s: { type: 'shingle', min_shingle_size: 2, max_shingle_size: 3, output_unigrams: false } } };
  assert.deepEqual(chain('whitespace', ['s'], 'quick brown fox jumps', wide), ['quick brown', 'quick brown fox', 'brown fox', 'brown fox jumps', 'fox jumps']);
  const filler = { filter: { a_stop: { type: 'stop', stopwords: ['a'] }, s: { type: 'shingle', min_shingle_size: 3, max_shingle_size: 3, output_unigrams: false, filler_token: '+' } } };
  assert.deepEqual(chain('whitespace', ['a_stop', 's'], 'fox jumps a lazy dog', filler), ['fox jumps +', 'jumps + lazy', '+ lazy dog']);
  refused({ filter: { s: { type: 'shingle', min_shingle_size: 2, max_shingle_size: 5 } } }, 'In Shingle TokenFilter the difference between max_shingle_size and min_shingle_size (and +1 if outputting unigrams) must be less than or equal to: [3] but was [4]. This limit can be set by changing the [index.max_shingle_diff] index level setting.');
});

test('synonym: Solr rules analyzed by the chain before the filter, expand, explicit mappings, lenient; multi-word rules refused', () => {
  const analysis = {
    filter: { syn: { type: 'synonym', synonyms: ['QUICK, Fast', 'jumps => leaps', '# a comment'] } },
    analyzer: { a: { tokenizer: 'whitespace', filter: ['lowercase', 'syn'] } },
  };
  const tokens = compileAnalyzer(analyzersOf(settingsOf(analysis)).get('a')!).analyze('Quick fox Jumps');
  assert.deepEqual(tokens.terms, ['quick', 'fast', 'fox', 'leaps']);
  assert.deepEqual(tokens.positions, [0, 0, 1, 2]);
  assert.deepEqual(tokens.types, ['SYNONYM', 'SYNONYM', 'word', 'SYNONYM']);
  const contracted = { filter: { syn: { type: 'synonym_graph', synonyms: ['quick, fast, speedy'], expand: false } } };
  assert.deepEqual(chain('whitespace', ['syn'], 'speedy fox', contracted), ['quick', 'fox']);
  const eliminated = { filter: { syn: { type: 'synonym', synonyms: ['the, fast'] } }, analyzer: { a: { tokenizer: 'whitespace', filter: ['stop', 'syn'] } } };
  refused(eliminated, 'failed to build synonyms: term: [the] was completely eliminated by analyzer');
  const lenient = { filter: { syn: { type: 'synonym', synonyms: ['the, fast, quick'], lenient: true } } };
  assert.deepEqual(chain('whitespace', ['stop', 'syn'], 'quick', lenient), ['fast', 'quick']);
  refused({ filter: { syn: { type: 'synonym', synonyms: ['new york, ny'] } }, analyzer: { a: { tokenizer: 'whitespace', filter: ['syn'] } } }, /multi-word synonyms are not supported by Strait/);
  refused({ filter: { syn: { type: 'synonym', synonyms_path: 'synonyms.txt' } } }, /\[synonyms_path\] is not supported by Strait/);
});

test('stop words leave position gaps; grams of one token share its position', () => {
  const definition = analyzersOf(settingsOf({ analyzer: { a: { tokenizer: 'whitespace', filter: ['stop', 'edge_ngram'] } } })).get('a')!;
  const tokens = compileAnalyzer(definition).analyze('the fox is quick');
  assert.deepEqual(tokens.terms, ['f', 'fo', 'q', 'qu']);
  assert.deepEqual(tokens.positions, [1, 1, 3, 3]);
});

test('the english type with stem_exclusion; analysis.analyzer.default is an ordinary analyzer here (mapping.ts applies it)', () => {
  const english = { analyzer: { a: { type: 'english', stem_exclusion: ['organization'] } } };
  assert.deepEqual(terms(english, 'The organizations and the organization'), ['organ', 'organization']);
  assert.deepEqual(terms({ analyzer: { default: { type: 'simple' } } }, 'Hello-World 42', 'default'), ['hello', 'world']);
});

test('refusals: unknown tokenizer, filter, char filter and type, a custom analyzer without tokenizer, what Strait lacks, unknown parameters', () => {
  refused({ analyzer: { a: { type: 'custom', tokenizer: 'nonexistent' } } }, 'Custom Analyzer [a] failed to find tokenizer under name [nonexistent]');
  refused({ analyzer: { a: { tokenizer: 'standard', filter: ['nope'] } } }, 'Custom Analyzer [a] failed to find filter under name [nope]');
  refused({ analyzer: { a: { tokenizer: 'standard', char_filter: ['nope'] } } }, 'Custom Analyzer [a] failed to find char_filter under name [nope]');
  refused({ analyzer: { a: { type: 'custom' } } }, 'Custom Analyzer [a] must be configured with a tokenizer');
  refused({ analyzer: { a: { filter: ['lowercase'] } } }, 'analyzer [a] must specify either an analyzer type, or a tokenizer');
  refused({ analyzer: { a: { type: 'nope' } } }, 'Unknown analyzer type [nope] for [a]');
  refused({ filter: { f: { type: 'nope' } } }, 'Unknown filter type [nope] for [f]');
  refused({ tokenizer: { t: { type: 'nope' } } }, 'Unknown tokenizer type [nope] for [t]');
  refused({ filter: { f: { type: 'word_delimiter' } } }, /\[word_delimiter\], which Strait does not implement/);
  refused({ analyzer: { a: { tokenizer: 'standard', filter: ['synonym'] } } }, 'Custom Analyzer [a] failed to find filter under name [synonym]');
  refused({ analyzer: { a: { tokenizer: 'standard', char_filter: ['html_strip'] } } }, /uses char_filter \[html_strip\], which Strait does not implement/);
  refused({ analyzer: { a: { type: 'standard', stopwords_path: 'stop.txt' } } }, /\[stopwords_path\] is not supported by Strait/);
  refused({ analyzer: { a: { type: 'standard', stopwords: '_french_' } } }, /\[_french_\] is not supported by Strait/);
  refused({ filter: { f: { type: 'stop', words: ['a'] } } }, 'filter [f] has [words], which Strait does not support');
  refused({ filter: { f: { type: 'edge_ngram', side: 'back' } } }, /\[side\] \[back\] is not supported by Strait/);
  refused({ filter: { f: { type: 'stemmer', language: 'light_english' } } }, /stemmer language \[light_english\] is not supported/);
  refused({ analyzer: { a: { tokenizer: 'standard', position_increment_gap: 10 } } }, /\[position_increment_gap\] \[10\] is not supported/);
  refused({ analyzer: { a: { type: 'standard', filter: ['lowercase'] } } }, 'analyzer [a] of type [standard] has [filter], which only a custom analyzer takes');
});

test('random round trips: index analyzers of the built-in types give the built-in analyzers\' tokens', () => {
  const analyzers = analyzersOf(settingsOf({
    analyzer: { standard_copy: { type: 'standard' }, english_copy: { type: 'english' }, simple_copy: { type: 'simple' }, whitespace_copy: { type: 'whitespace' }, stop_copy: { type: 'stop' }, custom_standard: { tokenizer: 'standard', filter: ['lowercase'] } },
  }));
  const pairs: [string, string][] = [['standard_copy', 'standard'], ['english_copy', 'english'], ['simple_copy', 'simple'], ['whitespace_copy', 'whitespace'], ['stop_copy', 'stop'], ['custom_standard', 'standard']];
  const alphabet = ['a', 'B', 'c', 'é', 'Ö', '1', '2', ' ', ' ', '\t', '.', ',', "'", '-', '_', ':', '中', 'the', 'and', 'running', "dog's", '\n'];
  let seed = 7;
  const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let round = 0; round < 300; round++) {
    let text = '';
    const length = Math.floor(random() * 30);
    for (let index = 0; index < length; index++) text += alphabet[Math.floor(random() * alphabet.length)];
    for (const [own, builtIn] of pairs) {
      const expected = getAnalyzer(builtIn)!.analyze(text);
      const actual = compileAnalyzer(analyzers.get(own)!).analyze(text);
      assert.deepEqual(actual, expected, `${own} on ${JSON.stringify(text)}`);
    }
  }
});
