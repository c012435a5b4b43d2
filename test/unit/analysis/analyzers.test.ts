// Analyzers: https://www.elastic.co/guide/en/elasticsearch/reference/current/analysis-analyzers.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeForApi, getAnalyzer, porterStem, standardTokenLengthMax } from '../../../src/index/analysis/index.js';

const tokens = (analyzer: string, text: string): string[] => getAnalyzer(analyzer)!.analyze(text).terms;

test('standard analyzer: lowercases, splits on word boundaries, keeps apostrophes and decimals (analysis-standard-analyzer)', () => {
  // The example from Elasticsearch's standard analyzer page.
  assert.deepEqual(tokens('standard', "The 2 QUICK Brown-Foxes jumped over the lazy dog's bone."), [
    'the', '2', 'quick', 'brown', 'foxes', 'jumped', 'over', 'the', 'lazy', "dog's", 'bone',
  ]);
  assert.deepEqual(tokens('standard', 'pi is 3.14, u.s.a and foo_bar'), ['pi', 'is', '3.14', 'u.s.a', 'and', 'foo_bar']);
});

test('standard analyzer: Han characters are one token each, typed <IDEOGRAPHIC>', () => {
  const result = analyzeForApi(getAnalyzer('standard')!, ['中文 ok']);
  assert.deepEqual(result.map((token) => [token.token, token.type]), [['中', '<IDEOGRAPHIC>'], ['文', '<IDEOGRAPHIC>'], ['ok', '<ALPHANUM>']]);
});

test('standard analyzer: tokens longer than max_token_length (255) are split', () => {
  const long = 'a'.repeat(standardTokenLengthMax + 10);
  assert.deepEqual(tokens('standard', long).map((token) => token.length), [255, 10]);
});

test('simple analyzer splits on non-letters and lowercases (analysis-simple-analyzer)', () => {
  assert.deepEqual(tokens('simple', "The 2 QUICK Brown-Foxes jumped over the lazy dog's bone."), [
    'the', 'quick', 'brown', 'foxes', 'jumped', 'over', 'the', 'lazy', 'dog', 's', 'bone',
  ]);
});

test('whitespace analyzer keeps case and punctuation (analysis-whitespace-analyzer)', () => {
  assert.deepEqual(tokens('whitespace', "The 2 QUICK Brown-Foxes jumped over the lazy dog's bone."), [
    'The', '2', 'QUICK', 'Brown-Foxes', 'jumped', 'over', 'the', 'lazy', "dog's", 'bone.',
  ]);
});

test('keyword analyzer emits the whole input (analysis-keyword-analyzer)', () => {
  assert.deepEqual(tokens('keyword', 'New York'), ['New York']);
});

test('stop analyzer removes English stop words and keeps position gaps (analysis-stop-analyzer)', () => {
  const result = analyzeForApi(getAnalyzer('stop')!, ["The 2 QUICK Brown-Foxes jumped over the lazy dog's bone."]);
  assert.deepEqual(result.map((token) => token.token), ['quick', 'brown', 'foxes', 'jumped', 'over', 'lazy', 'dog', 's', 'bone']);
  assert.deepEqual(result.map((token) => token.position), [1, 2, 3, 4, 5, 7, 8, 9, 10]);
});

test('english analyzer: possessives, stop words, Porter stems (analysis-lang-analyzer#english-analyzer)', () => {
  assert.deepEqual(tokens('english', "The runners are running quickly to John's generalizations"), ['runner', 'run', 'quickli', 'john', 'gener']);
});

test("Porter stemmer matches Porter's published examples", () => {
  const cases: Record<string, string> = {
    caresses: 'caress', ponies: 'poni', ties: 'ti', caress: 'caress', cats: 'cat', feed: 'feed', agreed: 'agre', plastered: 'plaster',
    motoring: 'motor', sing: 'sing', conflated: 'conflat', troubled: 'troubl', sized: 'size', hopping: 'hop', tanned: 'tan', falling: 'fall',
    hissing: 'hiss', fizzed: 'fizz', failing: 'fail', filing: 'file', happy: 'happi', sky: 'sky', relational: 'relat', conditional: 'condit',
    rational: 'ration', digitizer: 'digit', operator: 'oper', feudalism: 'feudal', decisiveness: 'decis', hopefulness: 'hope',
    formaliti: 'formal', triplicate: 'triplic', formative: 'form', electrical: 'electr', goodness: 'good', revival: 'reviv',
    allowance: 'allow', inference: 'infer', adjustable: 'adjust', replacement: 'replac', adoption: 'adopt', communism: 'commun',
    effective: 'effect', probate: 'probat', rate: 'rate', controll: 'control', roll: 'roll', oscillators: 'oscil',
  };
  for (const [word, stem] of Object.entries(cases)) assert.equal(porterStem(word), stem, word);
});

test('_analyze token shape: offsets, positions and the 100-position gap between array values (indices-analyze)', () => {
  assert.deepEqual(analyzeForApi(getAnalyzer('standard')!, ['Quick fox', 'lazy']), [
    { token: 'quick', start_offset: 0, end_offset: 5, type: '<ALPHANUM>', position: 0 },
    { token: 'fox', start_offset: 6, end_offset: 9, type: '<ALPHANUM>', position: 1 },
    { token: 'lazy', start_offset: 10, end_offset: 14, type: '<ALPHANUM>', position: 102 },
  ]);
});
