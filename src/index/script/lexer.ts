/**
 * The Painless lexer (pure): source text to tokens with their offsets. Numbers keep their Java
 * suffix (`L`, `F`, `D`) so the parser can type them; strings use `'` or `"` with backslash escapes.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/painless/current/painless-lexical-structure.html
 */

export type TokenKind = 'number' | 'string' | 'identifier' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** For strings, the value after escapes; for numbers, the literal without its suffix. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** A compile error at an offset; the engine turns it into Elasticsearch's script_exception. */
export class ScriptCompileError extends Error {
  constructor(readonly offset: number, reason: string, readonly esType: string = 'illegal_argument_exception') {
    super(reason);
    this.name = 'ScriptCompileError';
  }
}

// Longest first, so `>>>=` wins over `>>>` and `>>`.
const puncts = [
  '>>>=', '===', '!==', '>>>', '<<=', '>>=', '?.', '?:',
  '==', '!=', '<=', '>=', '&&', '||', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>', '->', '::',
  '{', '}', '[', ']', '(', ')', '.', ',', ';', '+', '-', '*', '/', '%', '<', '>', '=', '!', '~', '?', ':', '&', '|', '^',
];

const isIdentStart = (c: string): boolean => /[A-Za-z_$]/.test(c);
const isIdentPart = (c: string): boolean => /[A-Za-z0-9_$]/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  const length = source.length;
  while (index < length) {
    const c = source[index]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      index++;
      continue;
    }
    if (c === '/' && source[index + 1] === '/') {
      while (index < length && source[index] !== '\n') index++;
      continue;
    }
    if (c === '/' && source[index + 1] === '*') {
      const close = source.indexOf('*/', index + 2);
      if (close < 0) throw new ScriptCompileError(index, 'unexpected end of script.');
      index = close + 2;
      continue;
    }
    const start = index;
    if (isDigit(c) || (c === '.' && isDigit(source[index + 1] ?? ''))) {
      index = scanNumber(source, index);
      const text = source.slice(start, index);
      if (isIdentStart(source[index] ?? '')) throw new ScriptCompileError(index, `unexpected character [${source[index]}].`);
      tokens.push({ kind: 'number', text, value: text, start, end: index });
      continue;
    }
    if (isIdentStart(c)) {
      while (index < length && isIdentPart(source[index]!)) index++;
      const text = source.slice(start, index);
      tokens.push({ kind: 'identifier', text, value: text, start, end: index });
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      index++;
      for (;;) {
        if (index >= length) throw new ScriptCompileError(start, 'unexpected end of script.');
        const d = source[index]!;
        if (d === c) {
          index++;
          break;
        }
        if (d === '\\') {
          const next = source[index + 1];
          // Painless strings know only two escapes: the quote and the backslash.
          if (next === c || next === '\\') {
            value += next;
            index += 2;
            continue;
          }
          throw new ScriptCompileError(index, `unexpected character [${source.slice(index, index + 2)}].`);
        }
        value += d;
        index++;
      }
      tokens.push({ kind: 'string', text: source.slice(start, index), value, start, end: index });
      continue;
    }
    const punct = puncts.find((candidate) => source.startsWith(candidate, index));
    if (punct === undefined) throw new ScriptCompileError(index, `unexpected character [${c}].`);
    index += punct.length;
    tokens.push({ kind: 'punct', text: punct, value: punct, start, end: index });
  }
  tokens.push({ kind: 'eof', text: '<EOF>', value: '', start: length, end: length });
  return tokens;
}

function scanNumber(source: string, start: number): number {
  let index = start;
  if (source[index] === '0' && (source[index + 1] === 'x' || source[index + 1] === 'X')) {
    index += 2;
    while (/[0-9a-fA-F]/.test(source[index] ?? '')) index++;
    if (/[lL]/.test(source[index] ?? '')) index++;
    return index;
  }
  while (isDigit(source[index] ?? '')) index++;
  if (source[index] === '.' && isDigit(source[index + 1] ?? '')) {
    index++;
    while (isDigit(source[index] ?? '')) index++;
  }
  if (/[eE]/.test(source[index] ?? '')) {
    let next = index + 1;
    if (source[next] === '+' || source[next] === '-') next++;
    if (isDigit(source[next] ?? '')) {
      index = next;
      while (isDigit(source[index] ?? '')) index++;
    }
  }
  if (/[lLfFdD]/.test(source[index] ?? '')) index++;
  return index;
}
