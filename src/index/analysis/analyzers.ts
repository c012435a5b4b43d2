/**
 * Analyzers (pure): text in, tokens with positions and offsets out. They follow Lucene's chains
 * as Elasticsearch configures them (https://www.elastic.co/guide/en/elasticsearch/reference/current/analysis-analyzers.html):
 * - `standard`: StandardTokenizer (UAX#29 word boundaries, approximated below) + lowercase; no stop words.
 * - `simple`: LetterTokenizer + lowercase (splits on anything that is not a letter).
 * - `whitespace`: splits on whitespace, no lowercasing.
 * - `keyword`: the whole input as one token.
 * - `stop`: `simple` + the English stop words.
 * - `english`: standard + possessive filter + lowercase + English stop words + Porter stemmer.
 * Stop words leave position gaps, as Lucene's StopFilter does, so phrase queries stay exact.
 */
import { porterStem } from './porter-stemmer.js';

/** Tokens as parallel arrays: no object per token in the indexing loop. */
export interface Tokens {
  readonly terms: string[];
  readonly positions: number[];
  readonly startOffsets: number[];
  readonly endOffsets: number[];
  readonly types: string[];
}

export interface Analyzer {
  readonly name: string;
  analyze(text: string): Tokens;
  /**
   * For analyzers whose every token is exactly `text.slice(start, end).toLowerCase()`: reports
   * spans instead of strings, so the indexer can look terms up without allocating a string per
   * token. Same tokens and positions as `analyze`.
   */
  readonly analyzeSpans?: (text: string, sink: SpanSink) => void;
}

/** Receives token spans (see Analyzer.analyzeSpans). */
export interface SpanSink {
  span(text: string, start: number, end: number, position: number): void;
  /** A span of ASCII characters only, with `termHash` of its lowercase form. */
  asciiSpan(text: string, start: number, end: number, position: number, type: string, hash: number): void;
}

/** Adapts spans to Tokens (with types), lowercasing or not. */
class TokensSpanSink {
  constructor(readonly out: Tokens, readonly lowercase: boolean) {}
  span(text: string, start: number, end: number, position: number, type: string): void {
    const raw = text.slice(start, end);
    this.out.terms.push(this.lowercase ? raw.toLowerCase() : raw);
    this.out.positions.push(position);
    this.out.startOffsets.push(start);
    this.out.endOffsets.push(end);
    this.out.types.push(type);
  }
  asciiSpan(text: string, start: number, end: number, position: number, type: string): void {
    this.span(text, start, end, position, type);
  }
}

/** One token in the `_analyze` API's shape. */
export interface AnalyzeToken {
  readonly token: string;
  readonly start_offset: number;
  readonly end_offset: number;
  readonly type: string;
  readonly position: number;
}

/** Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (also the `stop` analyzer's default list). */
export const englishStopWords: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no',
  'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this',
  'to', 'was', 'will', 'with',
]);

/** StandardTokenizer's default max_token_length: longer words are split into 255-char pieces. */
export const standardTokenLengthMax = 255;

const emptyTokens = (): Tokens => ({ terms: [], positions: [], startOffsets: [], endOffsets: [], types: [] });

// Character classes for the standard tokenizer. ASCII goes through a table; the rest through
// Unicode property regexes (tested once per non-ASCII code point).
const classOther = 0;
const classLetter = 1; // ALetter (and marks, which extend the previous character)
const classDigit = 2; // Numeric
const classJoiner = 3; // ExtendNumLet: '_' joins anything
const classMidLetter = 4; // ':' '·' between letters
const classMidNumber = 5; // ',' ';' between digits
const classMidBoth = 6; // '.' '\'' '’' between letters or between digits
const classIdeographic = 7; // Han, Hiragana: one token per character
const asciiClass = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const ch = String.fromCharCode(code);
  if (/[A-Za-z]/.test(ch)) asciiClass[code] = classLetter;
  else if (/[0-9]/.test(ch)) asciiClass[code] = classDigit;
  else if (ch === '_') asciiClass[code] = classJoiner;
  else if (ch === ':') asciiClass[code] = classMidLetter;
  else if (ch === ',' || ch === ';') asciiClass[code] = classMidNumber;
  else if (ch === '.' || ch === "'") asciiClass[code] = classMidBoth;
  else asciiClass[code] = classOther;
}
const letterPattern = /^[\p{L}\p{M}]$/u;
const digitPattern = /^\p{N}$/u;
const ideographicPattern = /^[\p{Script=Han}\p{Script=Hiragana}]$/u;
const connectorPattern = /^\p{Pc}$/u;

function classify(codePoint: number, ch: string): number {
  if (codePoint < 128) return asciiClass[codePoint]!;
  if (codePoint === 0x2019 || codePoint === 0x2018 || codePoint === 0xff0e) return classMidBoth;
  if (codePoint === 0xb7 || codePoint === 0x5f4 || codePoint === 0x2027 || codePoint === 0xfe13) return classMidLetter;
  if (ideographicPattern.test(ch)) return classIdeographic;
  if (letterPattern.test(ch)) return classLetter;
  if (digitPattern.test(ch)) return classDigit;
  if (connectorPattern.test(ch)) return classJoiner;
  return classOther;
}

/** The hash the indexer keys terms by: h = h * 31 + c over the UTF-16 code units, in 32 bits. */
export function termHash(term: string): number {
  let hash = 0;
  for (let index = 0; index < term.length; index++) hash = (Math.imul(hash, 31) + term.charCodeAt(index)) | 0;
  return hash;
}

/** What `standardTokenize` reports to: spans, and all-ASCII spans with their lowercase `termHash`. */
export interface StandardSink {
  span(text: string, start: number, end: number, position: number, type: string): void;
  asciiSpan(text: string, start: number, end: number, position: number, type: string, hash: number): void;
}

/**
 * An approximation of Lucene's StandardTokenizer (UAX#29): runs of letters, digits and `_`,
 * joined across `'`/`.`/`:` between letters (`don't`, `u.s.a`) and `.`/`,`/`;` between digits
 * (`3.14`, `1,000`); each Han or Hiragana character is a token of its own. Types: `<ALPHANUM>`,
 * `<NUM>`, `<IDEOGRAPHIC>`. Not implemented: Katakana/Hangul/emoji types (they come out as
 * `<ALPHANUM>` or are skipped).
 *
 * ASCII characters are classified by a table without the surrogate test, and while a token is
 * scanned the `termHash` of its lowercase form is computed on the way: a token that is all ASCII
 * (and not split at 255 characters) reaches the sink's `asciiSpan` with its hash, so the indexer
 * does not read its characters a second time to hash them.
 */
export function standardTokenize(text: string, sink: StandardSink, tokenLengthMax = standardTokenLengthMax): void {
  const length = text.length;
  let index = 0;
  let position = 0;
  while (index < length) {
    let code = text.charCodeAt(index);
    let width = 1;
    let kind: number;
    if (code < 128) kind = asciiClass[code]!;
    else {
      if (code >= 0xd800 && code <= 0xdbff && index + 1 < length) {
        code = text.codePointAt(index)!;
        width = 2;
      }
      kind = classify(code, String.fromCodePoint(code));
    }
    if (kind === classIdeographic) {
      sink.span(text, index, index + width, position++, '<IDEOGRAPHIC>');
      index += width;
      continue;
    }
    if (kind !== classLetter && kind !== classDigit && kind !== classJoiner) {
      index += width;
      continue;
    }
    const start = index;
    let hasLetter = kind === classLetter;
    let previous = kind;
    let ascii = code < 128;
    let hash = code >= 65 && code <= 90 ? code + 32 : code;
    index += width;
    while (index < length) {
      let next = text.charCodeAt(index);
      let nextWidth = 1;
      let nextKind: number;
      if (next < 128) nextKind = asciiClass[next]!;
      else {
        if (next >= 0xd800 && next <= 0xdbff && index + 1 < length) {
          next = text.codePointAt(index)!;
          nextWidth = 2;
        }
        nextKind = classify(next, String.fromCodePoint(next));
      }
      if (nextKind === classLetter || nextKind === classDigit || nextKind === classJoiner) {
        if (nextKind === classLetter) hasLetter = true;
        previous = nextKind;
        index += nextWidth;
        if (next < 128) hash = (Math.imul(hash, 31) + (next >= 65 && next <= 90 ? next + 32 : next)) | 0;
        else ascii = false;
        continue;
      }
      if (nextKind === classMidLetter || nextKind === classMidNumber || nextKind === classMidBoth) {
        // A middle character joins only when the same class continues after it.
        if (index + nextWidth >= length) break;
        let after = text.charCodeAt(index + nextWidth);
        if (after >= 0xd800 && after <= 0xdbff) after = text.codePointAt(index + nextWidth)!;
        const afterKind = after < 128 ? asciiClass[after]! : classify(after, String.fromCodePoint(after));
        const joinsLetters =
          previous === classLetter && afterKind === classLetter && (nextKind === classMidLetter || nextKind === classMidBoth);
        const joinsDigits =
          previous === classDigit && afterKind === classDigit && (nextKind === classMidNumber || nextKind === classMidBoth);
        if (joinsLetters || joinsDigits) {
          index += nextWidth;
          if (next < 128) hash = (Math.imul(hash, 31) + next) | 0; // the ASCII middle characters have no case
          else ascii = false;
          continue;
        }
      }
      break;
    }
    const type = hasLetter ? '<ALPHANUM>' : '<NUM>';
    if (ascii && index - start <= tokenLengthMax) {
      sink.asciiSpan(text, start, index, position++, type, hash);
      continue;
    }
    for (let pieceStart = start; pieceStart < index; pieceStart += tokenLengthMax) {
      const pieceEnd = Math.min(index, pieceStart + tokenLengthMax);
      sink.span(text, pieceStart, pieceEnd, position++, type);
    }
  }
}

/** LetterTokenizer (+ lowercase): maximal runs of letters. */
function letterTokenize(text: string, out: Tokens): void {
  let position = 0;
  let start = -1;
  const length = text.length;
  for (let index = 0; index <= length; index++) {
    let isLetter = false;
    let width = 1;
    if (index < length) {
      const code = text.charCodeAt(index);
      if (code < 128) isLetter = asciiClass[code] === classLetter;
      else {
        const point = text.codePointAt(index)!;
        const ch = String.fromCodePoint(point);
        width = ch.length;
        isLetter = /^\p{L}$/u.test(ch);
      }
    }
    if (isLetter) {
      if (start < 0) start = index;
      index += width - 1;
    } else if (start >= 0) {
      out.terms.push(text.slice(start, index).toLowerCase());
      out.positions.push(position++);
      out.startOffsets.push(start);
      out.endOffsets.push(index);
      out.types.push('word');
      start = -1;
    }
  }
}

const whitespacePattern = /\S+/g;
function whitespaceTokenize(text: string, out: Tokens): void {
  let position = 0;
  whitespacePattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = whitespacePattern.exec(text)) !== null) {
    out.terms.push(match[0]);
    out.positions.push(position++);
    out.startOffsets.push(match.index);
    out.endOffsets.push(match.index + match[0].length);
    out.types.push('word');
  }
}

/** Drops stop words in place, keeping the positions of the others (the gaps stay). */
function removeStopWords(tokens: Tokens, stopWords: ReadonlySet<string>): Tokens {
  const out = emptyTokens();
  for (let index = 0; index < tokens.terms.length; index++) {
    const term = tokens.terms[index]!;
    if (stopWords.has(term)) continue;
    out.terms.push(term);
    out.positions.push(tokens.positions[index]!);
    out.startOffsets.push(tokens.startOffsets[index]!);
    out.endOffsets.push(tokens.endOffsets[index]!);
    out.types.push(tokens.types[index]!);
  }
  return out;
}

// A bounded memo for the stemmer: natural-language vocabularies repeat a lot.
const stemCache = new Map<string, string>();
const stemCacheEntriesMax = 100_000;
export function stemCached(term: string): string {
  let stem = stemCache.get(term);
  if (stem === undefined) {
    stem = porterStem(term);
    if (stemCache.size >= stemCacheEntriesMax) stemCache.clear();
    stemCache.set(term, stem);
  }
  return stem;
}

/** EnglishPossessiveFilter: removes a trailing `'s` (any of ' ’ ＇). */
export function removePossessive(term: string): string {
  const length = term.length;
  if (length >= 2) {
    const last = term.charCodeAt(length - 1);
    const quote = term.charCodeAt(length - 2);
    if ((last === 115 || last === 83) && (quote === 39 || quote === 0x2019 || quote === 0xff07)) return term.slice(0, -2);
  }
  return term;
}

export const standardAnalyzer: Analyzer = {
  name: 'standard',
  analyze(text) {
    const out = emptyTokens();
    standardTokenize(text, new TokensSpanSink(out, true));
    return out;
  },
  analyzeSpans(text, sink) {
    standardTokenize(text, sink);
  },
};
export const simpleAnalyzer: Analyzer = {
  name: 'simple',
  analyze(text) {
    const out = emptyTokens();
    letterTokenize(text, out);
    return out;
  },
};
export const whitespaceAnalyzer: Analyzer = {
  name: 'whitespace',
  analyze(text) {
    const out = emptyTokens();
    whitespaceTokenize(text, out);
    return out;
  },
};
export const keywordAnalyzer: Analyzer = {
  name: 'keyword',
  analyze(text) {
    return { terms: [text], positions: [0], startOffsets: [0], endOffsets: [text.length], types: ['word'] };
  },
};
export const stopAnalyzer: Analyzer = {
  name: 'stop',
  analyze(text) {
    const out = emptyTokens();
    letterTokenize(text, out);
    return removeStopWords(out, englishStopWords);
  },
};
export const englishAnalyzer: Analyzer = {
  name: 'english',
  analyze(text) {
    const raw = emptyTokens();
    standardTokenize(text, new TokensSpanSink(raw, false));
    for (let index = 0; index < raw.terms.length; index++) raw.terms[index] = removePossessive(raw.terms[index]!).toLowerCase();
    const out = removeStopWords(raw, englishStopWords);
    for (let index = 0; index < out.terms.length; index++) out.terms[index] = stemCached(out.terms[index]!);
    return out;
  },
};

export const builtInAnalyzers: ReadonlyMap<string, Analyzer> = new Map(
  [standardAnalyzer, simpleAnalyzer, whitespaceAnalyzer, keywordAnalyzer, stopAnalyzer, englishAnalyzer].map((a) => [a.name, a]),
);

/** The analyzer by name, or undefined (callers turn that into their own 400). */
export function getAnalyzer(name: string): Analyzer | undefined {
  return builtInAnalyzers.get(name);
}

/**
 * Tokens in the `_analyze` API's shape for one or more texts (an array `text` is analyzed as
 * one field value after another, with Elasticsearch's position_increment_gap of 100 and offsets
 * continuing one past the previous value's end).
 */
export function analyzeForApi(analyzer: Analyzer, texts: readonly string[], positionIncrementGap = 100): AnalyzeToken[] {
  const tokens: AnalyzeToken[] = [];
  let positionBase = 0;
  let offsetBase = 0;
  for (let textIndex = 0; textIndex < texts.length; textIndex++) {
    const text = texts[textIndex]!;
    const analyzed = analyzer.analyze(text);
    let lastPosition = -1;
    for (let index = 0; index < analyzed.terms.length; index++) {
      const position = positionBase + analyzed.positions[index]!;
      lastPosition = position;
      tokens.push({
        token: analyzed.terms[index]!,
        start_offset: offsetBase + analyzed.startOffsets[index]!,
        end_offset: offsetBase + analyzed.endOffsets[index]!,
        type: analyzed.types[index]!,
        position,
      });
    }
    positionBase = (lastPosition >= 0 ? lastPosition + 1 : positionBase) + positionIncrementGap;
    offsetBase += text.length + 1;
  }
  return tokens;
}
