// The standard tokenizer's ASCII fast path (table classification without the surrogate test, the
// lowercase term hash computed while scanning) must give exactly the tokens of a straightforward
// implementation of the same rules (Elasticsearch's standard tokenizer, approximated:
// https://www.elastic.co/guide/en/elasticsearch/reference/current/analysis-standard-tokenizer.html,
// max_token_length 255), on seeded random Unicode text with surrogate pairs, lone surrogates,
// digits of other scripts, apostrophes and the 255-character split; and the hash it hands with an
// all-ASCII span must be the hash of that span's lowercase form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getAnalyzer, standardTokenLengthMax } from '../../../src/index/analysis/index.js';
import { termHash } from '../../../src/index/analysis/analyzers.js';
import { createRandom } from '../../harness/random.js';

const seed = Number(process.env['SEED'] ?? Math.floor(Math.random() * 2 ** 32));

// The reference: one code point at a time, every class through the Unicode property regexes.
const letter = /^[\p{L}\p{M}]$/u;
const digit = /^\p{N}$/u;
const ideographic = /^[\p{Script=Han}\p{Script=Hiragana}]$/u;
const connector = /^\p{Pc}$/u;
type Kind = 'other' | 'letter' | 'digit' | 'joiner' | 'midLetter' | 'midNumber' | 'midBoth' | 'ideographic';
function kindOf(point: number): Kind {
  const ch = String.fromCodePoint(point);
  if (ch === '_') return 'joiner';
  if (ch === ':' || point === 0xb7 || point === 0x5f4 || point === 0x2027 || point === 0xfe13) return 'midLetter';
  if (ch === ',' || ch === ';') return 'midNumber';
  if (ch === '.' || ch === "'" || point === 0x2019 || point === 0x2018 || point === 0xff0e) return 'midBoth';
  if (point < 128) return /[A-Za-z]/.test(ch) ? 'letter' : /[0-9]/.test(ch) ? 'digit' : 'other';
  if (ideographic.test(ch)) return 'ideographic';
  if (letter.test(ch)) return 'letter';
  if (digit.test(ch)) return 'digit';
  if (connector.test(ch)) return 'joiner';
  return 'other';
}
/** The code point at `index` and its width, as the tokenizer reads them (a high surrogate always takes two units when one follows). */
function readAt(text: string, index: number): [number, number] {
  const code = text.charCodeAt(index);
  if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) return [text.codePointAt(index)!, 2];
  return [code, 1];
}
function referenceTokens(text: string): [string, number, number, number, string][] {
  const out: [string, number, number, number, string][] = [];
  let index = 0;
  let position = 0;
  const wordKinds: Kind[] = ['letter', 'digit', 'joiner'];
  while (index < text.length) {
    const [point, width] = readAt(text, index);
    const kind = kindOf(point);
    if (kind === 'ideographic') {
      out.push([text.slice(index, index + width).toLowerCase(), index, index + width, position++, '<IDEOGRAPHIC>']);
      index += width;
      continue;
    }
    if (!wordKinds.includes(kind)) {
      index += width;
      continue;
    }
    const start = index;
    let hasLetter = kind === 'letter';
    let previous: Kind = kind;
    index += width;
    while (index < text.length) {
      const [next, nextWidth] = readAt(text, index);
      const nextKind = kindOf(next);
      if (wordKinds.includes(nextKind)) {
        hasLetter ||= nextKind === 'letter';
        previous = nextKind;
        index += nextWidth;
        continue;
      }
      if (index + nextWidth < text.length && (nextKind === 'midLetter' || nextKind === 'midNumber' || nextKind === 'midBoth')) {
        const afterKind = kindOf(text.codePointAt(index + nextWidth)!);
        if ((previous === 'letter' && afterKind === 'letter' && nextKind !== 'midNumber') || (previous === 'digit' && afterKind === 'digit' && nextKind !== 'midLetter')) {
          index += nextWidth;
          continue;
        }
      }
      break;
    }
    for (let piece = start; piece < index; piece += standardTokenLengthMax) {
      const end = Math.min(index, piece + standardTokenLengthMax);
      out.push([text.slice(piece, end).toLowerCase(), piece, end, position++, hasLetter ? '<ALPHANUM>' : '<NUM>']);
    }
  }
  return out;
}

const alphabet = [
  'a', 'Z', 'q', 'M', '0', '7', '_', '.', "'", ':', ',', ';', ' ', '-', '\n', '/',
  'é', 'ß', 'Ω', '\u212a', 'İ', '\u0301', '中', 'あ', 'カ', '٣', '\u2019', '\u00b7', '\uff0e', '\u00a0',
  '𝒜', '😀', '𐐀', '\ud800', '\udc00', '\ud83d',
];

function randomText(random: () => number): string {
  let text = '';
  const length = Math.floor(random() * 40);
  for (let index = 0; index < length; index++) {
    if (random() < 0.01) text += (random() < 0.5 ? 'aB' : '1.5').repeat(100 + Math.floor(random() * 80)); // past 255
    else text += alphabet[Math.floor(random() * alphabet.length)]!;
  }
  return text;
}

test(`standard analyzer tokens equal the reference tokenizer's on random Unicode text (seed ${seed})`, () => {
  const random = createRandom(seed);
  const analyzer = getAnalyzer('standard')!;
  for (let round = 0; round < 5000; round++) {
    const text = randomText(random);
    const tokens = analyzer.analyze(text);
    const actual = tokens.terms.map((term, index) => [term, tokens.startOffsets[index]!, tokens.endOffsets[index]!, tokens.positions[index]!, tokens.types[index]!]);
    assert.deepEqual(actual, referenceTokens(text), `text ${JSON.stringify(text)} (seed ${seed}, round ${round})`);
  }
});

test(`all-ASCII spans carry the hash of their lowercase form, other spans come without (seed ${seed})`, () => {
  const random = createRandom(seed ^ 0x5bd1e995);
  const analyzer = getAnalyzer('standard')!;
  for (let round = 0; round < 2000; round++) {
    const text = randomText(random);
    const seen: [number, number, number][] = [];
    analyzer.analyzeSpans!(text, {
      span(spanText, start, end, position) {
        // Without a hash: a word with a non-ASCII character, or a piece of a word split at 255.
        const piece = end - start === standardTokenLengthMax || seen.at(-1)?.[1] === start;
        seen.push([start, end, position]);
        assert.ok(piece || /[^\0-\x7f]/.test(spanText.slice(start, end)), `ASCII span ${JSON.stringify(spanText.slice(start, end))} without a hash (seed ${seed})`);
      },
      asciiSpan(spanText, start, end, position, _type, hash) {
        seen.push([start, end, position]);
        const term = spanText.slice(start, end);
        assert.ok(/^[\0-\x7f]*$/.test(term) && end - start <= standardTokenLengthMax, `asciiSpan ${JSON.stringify(term)} (seed ${seed})`);
        assert.equal(hash, termHash(term.toLowerCase()), `hash of ${JSON.stringify(term)} (seed ${seed})`);
      },
    });
    assert.deepEqual(seen, referenceTokens(text).map((token) => [token[1], token[2], token[3]]), `spans of ${JSON.stringify(text)} (seed ${seed})`);
  }
});
