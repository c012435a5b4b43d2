import { assert } from './assert.js';
import { limits } from './limits.js';

/**
 * Lucene's regular expressions (org.apache.lucene.util.automaton.RegExp), shared by security's
 * `/regex/` name patterns and the `regexp` query. Pure. Operators: `|` union, `&` intersection,
 * `~` complement, concatenation, `?` `*` `+` `{n}` `{n,}` `{n,m}` repetition, `.` any character,
 * `@` any string, `#` the empty language, `"..."` a literal string, `()` the empty string,
 * `[a-z]` / `[^a-z]` character classes, `\d \D \s \S \w \W` predefined classes, `<n-m>`
 * decimal intervals and `\` escaping one character; the optional ones are chosen by
 * RegexSyntaxFlags. Characters are Unicode code points, as Lucene's are.
 *
 * We parse to our own syntax tree and match a whole string with a memoised pass over
 * (node, start position) giving the set of end positions, which handles intersection and
 * complement exactly, with no automaton construction.
 */

// ---------------------------------------------------------------------------------------------
// Lucene regular expressions: syntax tree and parser
// ---------------------------------------------------------------------------------------------

export type CodePointRange = readonly [number, number];

export type RegexBody =
  | { readonly kind: 'chars'; readonly ranges: readonly CodePointRange[]; readonly negated: boolean }
  | { readonly kind: 'string'; readonly codePoints: readonly number[] }
  | { readonly kind: 'anyString' }
  | { readonly kind: 'emptyLanguage' }
  | { readonly kind: 'concat' | 'union' | 'intersection'; readonly parts: readonly RegexNode[] }
  | { readonly kind: 'complement'; readonly part: RegexNode }
  | { readonly kind: 'repeat'; readonly part: RegexNode; readonly min: number; readonly max: number }
  | { readonly kind: 'interval'; readonly min: number; readonly max: number; readonly digits: number }
  | { readonly kind: 'named'; readonly name: string };

/** A node of a parsed expression; `id` numbers the nodes of one expression from 0. */
export type RegexNode = RegexBody & { readonly id: number };

export interface ParsedRegex {
  readonly root: RegexNode;
  readonly nodeCount: number;
  /** The first `<name>` the expression uses, if any. */
  readonly namedAutomaton?: string;
}

/** Lucene's IllegalArgumentException while parsing; the message says where. */
export class RegexSyntaxError extends Error {}

const CODE_POINT_MAX = 0x10ffff;
const INT_MAX = 2_147_483_647;
const DIGITS = '0123456789';
const ESCAPED_CLASS_LETTERS = '\\ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The ranges of `\d \D \s \S \w \W` (Lucene's expansions: whitespace is tab, newline, return, space). */
const PREDEFINED_CLASSES: Readonly<Record<string, readonly CodePointRange[]>> = {
  d: [[0x30, 0x39]],
  D: [[0, 0x2f], [0x3a, CODE_POINT_MAX]],
  s: [[0x09, 0x0a], [0x0d, 0x0d], [0x20, 0x20]],
  S: [[0, 0x08], [0x0b, 0x0c], [0x0e, 0x1f], [0x21, CODE_POINT_MAX]],
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  W: [[0, 0x2f], [0x3a, 0x40], [0x5b, 0x5e], [0x60, 0x60], [0x7b, CODE_POINT_MAX]],
};

/**
 * Lucene's optional operators (RegExp's syntax flags). An operator whose flag is off is an
 * ordinary character, as in Lucene: `&` INTERSECTION, `~` (DEPRECATED_)COMPLEMENT, `#` EMPTY,
 * `@` ANYSTRING, `<n-m>` INTERVAL, `<name>` AUTOMATON.
 */
export interface RegexSyntaxFlags {
  readonly intersection: boolean;
  readonly complement: boolean;
  readonly empty: boolean;
  readonly anyString: boolean;
  readonly interval: boolean;
  readonly automaton: boolean;
}

/** RegExp.ALL: every optional operator except complement (Lucene 10 took `~` out of ALL). */
export const regexFlagsAll: RegexSyntaxFlags = Object.freeze({ intersection: true, complement: false, empty: true, anyString: true, interval: true, automaton: true });

/**
 * Parses `source` by Lucene's grammar (a recursive descent of the same shape, so that the same
 * strings are accepted and mean the same) with the operators `flags` turns on.
 */
export function parseLuceneRegex(source: string, flags: RegexSyntaxFlags): ParsedRegex {
  const text = Array.from(source, (ch) => ch.codePointAt(0)!);
  let pos = 0;
  let nodeCount = 0;
  let depth = 0;
  let namedAutomaton: string | undefined;

  const fail = (message: string): never => {
    throw new RegexSyntaxError(message);
  };
  const make = (body: RegexBody): RegexNode => ({ ...body, id: nodeCount++ });
  const more = (): boolean => pos < text.length;
  const peek = (set: string): boolean => more() && text[pos]! <= 0xffff && set.includes(String.fromCharCode(text[pos]!));
  const match = (ch: string): boolean => {
    if (more() && text[pos] === ch.charCodeAt(0)) {
      pos++;
      return true;
    }
    return false;
  };
  const next = (): number => {
    if (!more()) fail('unexpected end-of-string');
    return text[pos++]!;
  };
  const nested = <T>(parse: () => T): T => {
    depth++;
    if (depth > limits.securityRegexNestingDepthMax) fail(`nested more than ${limits.securityRegexNestingDepthMax} levels deep`);
    const result = parse();
    depth--;
    return result;
  };
  const sequence = (kind: 'concat' | 'union' | 'intersection', parts: RegexNode[]): RegexNode => (parts.length === 1 ? parts[0]! : make({ kind, parts }));
  /** Java's Integer.parseInt, optionally signed with `+` (ASCII digits only: Java also takes other Unicode digits). */
  const javaInt = (digits: string): number | undefined => {
    if (!/^\+?[0-9]+$/.test(digits)) return undefined;
    const value = Number(digits);
    return value <= INT_MAX ? value : undefined;
  };

  const parseUnion = (): RegexNode => {
    const parts = [parseIntersection()];
    while (match('|')) parts.push(parseIntersection());
    return sequence('union', parts);
  };
  const parseIntersection = (): RegexNode => {
    const parts = [parseConcat()];
    while (flags.intersection && match('&')) parts.push(parseConcat());
    return sequence('intersection', parts);
  };
  const parseConcat = (): RegexNode => {
    const parts = [parseRepeat()];
    while (more() && !peek(')|') && !(flags.intersection && peek('&'))) parts.push(parseRepeat());
    return sequence('concat', parts);
  };
  const parseRepeat = (): RegexNode => {
    let node = parseComplement();
    while (peek('?*+{')) {
      if (match('?')) node = make({ kind: 'repeat', part: node, min: 0, max: 1 });
      else if (match('*')) node = make({ kind: 'repeat', part: node, min: 0, max: Infinity });
      else if (match('+')) node = make({ kind: 'repeat', part: node, min: 1, max: Infinity });
      else if (match('{')) {
        let start = pos;
        while (peek(DIGITS)) pos++;
        if (start === pos) fail(`integer expected at position ${pos}`);
        const min = javaInt(String.fromCodePoint(...text.slice(start, pos))) ?? fail(`integer too large at position ${start}`);
        let max = min;
        if (match(',')) {
          start = pos;
          while (peek(DIGITS)) pos++;
          max = start === pos ? Infinity : (javaInt(String.fromCodePoint(...text.slice(start, pos))) ?? fail(`integer too large at position ${start}`));
        }
        if (!match('}')) fail(`expected '}' at position ${pos}`);
        if (min > max) fail(`invalid repetition range(out of order): ${min}..${max}`);
        node = make({ kind: 'repeat', part: node, min, max });
      }
    }
    return node;
  };
  const parseComplement = (): RegexNode => {
    if (flags.complement && match('~')) return nested(() => make({ kind: 'complement', part: parseComplement() }));
    return parseCharClassExpression();
  };
  const parseCharClassExpression = (): RegexNode => {
    if (!match('[')) return parseSimple();
    const negated = match('^');
    const ranges = parseCharClasses();
    if (!match(']')) fail(`expected ']' at position ${pos}`);
    return make({ kind: 'chars', ranges, negated });
  };
  const expandPredefined = (ranges: CodePointRange[]): void => {
    const letter = String.fromCodePoint(next());
    if (letter === '\\') ranges.push([0x5c, 0x5c]);
    else ranges.push(...(PREDEFINED_CLASSES[letter] ?? fail(`invalid character class \\${letter}`)));
  };
  const parseCharExpression = (): number => {
    match('\\');
    return next();
  };
  const parseCharClasses = (): CodePointRange[] => {
    const ranges: CodePointRange[] = [];
    do {
      if (match('\\')) {
        if (peek(ESCAPED_CLASS_LETTERS)) expandPredefined(ranges);
        else {
          const ch = next();
          ranges.push([ch, ch]);
        }
      } else {
        const from = parseCharExpression();
        ranges.push(match('-') ? [from, parseCharExpression()] : [from, from]);
      }
    } while (more() && !peek(']'));
    for (const [from, to] of ranges) if (from > to) fail(`invalid range: from (${from}) cannot be > to (${to})`);
    return ranges;
  };
  const parseSimple = (): RegexNode => {
    if (match('.')) return make({ kind: 'chars', ranges: [[0, CODE_POINT_MAX]], negated: false });
    if (flags.empty && match('#')) return make({ kind: 'emptyLanguage' });
    if (flags.anyString && match('@')) return make({ kind: 'anyString' });
    if (match('"')) {
      const start = pos;
      while (more() && !peek('"')) pos++;
      if (!match('"')) fail(`expected '"' at position ${pos}`);
      return make({ kind: 'string', codePoints: text.slice(start, pos - 1) });
    }
    if (match('(')) {
      if (match(')')) return make({ kind: 'string', codePoints: [] });
      const node = nested(parseUnion);
      if (!match(')')) fail(`expected ')' at position ${pos}`);
      return node;
    }
    if ((flags.automaton || flags.interval) && match('<')) {
      const start = pos;
      while (more() && !peek('>')) pos++;
      if (!match('>')) fail(`expected '>' at position ${pos}`);
      const body = String.fromCodePoint(...text.slice(start, pos - 1));
      const dash = body.indexOf('-');
      if (dash === -1) {
        if (!flags.automaton) fail(`interval syntax error at position ${pos - 1}`);
        namedAutomaton ??= body;
        return make({ kind: 'named', name: body });
      }
      if (!flags.interval) fail(`illegal identifier at position ${pos - 1}`);
      if (dash === 0 || dash === body.length - 1 || dash !== body.lastIndexOf('-')) fail(`interval syntax error at position ${pos - 1}`);
      const low = body.slice(0, dash);
      const high = body.slice(dash + 1);
      const first = javaInt(low) ?? fail(`interval syntax error at position ${pos - 1}`);
      const second = javaInt(high) ?? fail(`interval syntax error at position ${pos - 1}`);
      // Equal lengths fix the width (zero-padded); otherwise any number of leading zeros.
      const digits = low.length === high.length ? low.length : 0;
      return make({ kind: 'interval', min: Math.min(first, second), max: Math.max(first, second), digits });
    }
    if (match('\\')) {
      if (peek(ESCAPED_CLASS_LETTERS)) {
        const ranges: CodePointRange[] = [];
        expandPredefined(ranges);
        return make({ kind: 'chars', ranges, negated: false });
      }
      const ch = next();
      return make({ kind: 'string', codePoints: [ch] });
    }
    return make({ kind: 'string', codePoints: [next()] });
  };

  if (text.length === 0) return { root: make({ kind: 'string', codePoints: [] }), nodeCount };
  const root = parseUnion();
  if (pos < text.length) fail(`end-of-string expected at position ${pos}`);
  return { root, nodeCount, ...(namedAutomaton !== undefined ? { namedAutomaton } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Whole-name matching
// ---------------------------------------------------------------------------------------------

/**
 * Does the expression match all of `name`? For each (node, start) it computes the set of end
 * positions the node can match to, as a bitset over positions 0..n, memoised; concatenation
 * chains the sets, union and intersection combine them, complement takes the positions from start
 * to n the operand cannot reach, repetition iterates layers until they empty or stop growing (a
 * fixed point within n + 2 steps). Leaves (a character, a class, a string) are matched in place
 * without a set. The work is bounded by the bitset words touched; a name and expression that need
 * more are refused with 400 rather than stall the node.
 */
/** Ours: (node, start) slots up to which the match memo is a plain array. */
const memoArrayEntriesMax = 1 << 20;

export interface RegexMatchOptions {
  /** Lucene's ASCII_CASE_INSENSITIVE: literal ASCII letters match either case. */
  readonly asciiCaseInsensitive: boolean;
  /** Bitset words one match may touch; past it `tooComplex` is thrown. */
  readonly wordsMax: number;
  readonly tooComplex: (length: number) => Error;
}

export function regexMatchesWhole(parsed: ParsedRegex, name: string, options: RegexMatchOptions): boolean {
  const fold = options.asciiCaseInsensitive ? (codePoint: number): number => (codePoint >= 0x41 && codePoint <= 0x5a ? codePoint + 0x20 : codePoint) : (codePoint: number): number => codePoint;
  const text = Array.from(name, (ch) => ch.codePointAt(0)!);
  const n = text.length;
  const words = (n + 32) >>> 5;
  // An array indexed by (node, start) when that is small, else a map of the entries computed.
  const memoSize = parsed.nodeCount * (n + 1);
  const memoArray = memoSize <= memoArrayEntriesMax ? new Array<Uint32Array | undefined>(memoSize) : undefined;
  const memoMap = memoArray === undefined ? new Map<number, Uint32Array>() : undefined;
  let wordsLeft = options.wordsMax;
  const spend = (amount: number): void => {
    wordsLeft -= amount;
    if (wordsLeft < 0) {
      throw options.tooComplex(n);
    }
  };
  const empty = (): Uint32Array => {
    spend(words);
    return new Uint32Array(words);
  };
  const add = (set: Uint32Array, position: number): void => {
    set[position >>> 5]! |= 1 << (position & 31);
  };
  const has = (set: Uint32Array, position: number): boolean => (set[position >>> 5]! & (1 << (position & 31))) !== 0;
  const addRange = (set: Uint32Array, from: number, to: number): void => {
    for (let position = from; position <= to; position++) add(set, position);
  };
  const unionInto = (target: Uint32Array, source: Uint32Array): void => {
    spend(words);
    for (let w = 0; w < words; w++) target[w]! |= source[w]!;
  };
  const isEmpty = (set: Uint32Array): boolean => {
    for (let w = 0; w < words; w++) if (set[w] !== 0) return false;
    return true;
  };
  const same = (first: Uint32Array, second: Uint32Array): boolean => {
    for (let w = 0; w < words; w++) if (first[w] !== second[w]) return false;
    return true;
  };
  /** Where a leaf matched at `start` ends, or -1; undefined when `node` is not a leaf. */
  const leafEnd = (node: RegexNode, start: number): number | undefined => {
    if (node.kind === 'chars') {
      if (start >= n) return -1;
      const codePoint = text[start]!;
      let inside = false;
      for (const [from, to] of node.ranges) {
        if (codePoint >= from && codePoint <= to) {
          inside = true;
          break;
        }
      }
      return inside !== node.negated ? start + 1 : -1;
    }
    if (node.kind === 'string') {
      const codePoints = node.codePoints;
      if (start + codePoints.length > n) return -1;
      for (let offset = 0; offset < codePoints.length; offset++) if (fold(text[start + offset]!) !== fold(codePoints[offset]!)) return -1;
      return start + codePoints.length;
    }
    return undefined;
  };
  /** Adds to `target` the ends of matching `node` once from every position in `starts`. */
  const stepInto = (target: Uint32Array, node: RegexNode, starts: Uint32Array): void => {
    for (let w = 0; w < words; w++) {
      let word = starts[w]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        word &= word - 1;
        const position = (w << 5) + bit;
        const end = leafEnd(node, position);
        if (end === undefined) unionInto(target, ends(node, position));
        else if (end >= 0) add(target, end);
      }
    }
  };

  const ends = (node: RegexNode, start: number): Uint32Array => {
    const key = node.id * (n + 1) + start;
    const cached = memoArray !== undefined ? memoArray[key] : memoMap!.get(key);
    if (cached !== undefined) return cached;
    let result = empty();
    switch (node.kind) {
      case 'chars':
      case 'string': {
        const end = leafEnd(node, start)!;
        if (end >= 0) add(result, end);
        break;
      }
      case 'anyString':
        addRange(result, start, n);
        break;
      case 'emptyLanguage':
        break;
      case 'concat': {
        add(result, start);
        for (const part of node.parts) {
          const reached = empty();
          stepInto(reached, part, result);
          result = reached;
          if (isEmpty(result)) break;
        }
        break;
      }
      case 'union':
        for (const part of node.parts) unionInto(result, ends(part, start));
        break;
      case 'intersection': {
        unionInto(result, ends(node.parts[0]!, start));
        for (let index = 1; index < node.parts.length && !isEmpty(result); index++) {
          const other = ends(node.parts[index]!, start);
          spend(words);
          for (let w = 0; w < words; w++) result[w]! &= other[w]!;
        }
        break;
      }
      case 'complement': {
        // Ends are never before the start, so "every end from start to n" is the universe here.
        addRange(result, start, n);
        const reached = ends(node.part, start);
        spend(words);
        for (let w = 0; w < words; w++) result[w]! &= ~reached[w]!;
        break;
      }
      case 'repeat': {
        let layer = empty();
        add(layer, start);
        if (node.min === 0) add(result, start);
        // A part that cannot match the empty string moves every layer at least one position on,
        // so the layers empty within n + 1 steps; one that can makes each layer contain the one
        // before, so they stop growing within n + 1 steps. Either way the loop is short.
        for (let count = 1; count <= node.max; count++) {
          assert(count <= n + 2, 'repetition layers reach a fixed point within n + 2 steps');
          const nextLayer = empty();
          stepInto(nextLayer, node.part, layer);
          if (isEmpty(nextLayer)) break;
          const stable = same(nextLayer, layer);
          layer = nextLayer;
          // A stable layer repeats for every larger count, min included (min <= max).
          if (count >= node.min || stable) unionInto(result, layer);
          if (stable) break;
        }
        break;
      }
      case 'interval': {
        let value = 0;
        for (let position = start; position < n && text[position]! >= 0x30 && text[position]! <= 0x39; position++) {
          value = Math.min(value * 10 + (text[position]! - 0x30), INT_MAX + 1);
          const length = position - start + 1;
          if (node.digits > 0 && length > node.digits) break;
          if ((node.digits === 0 || length === node.digits) && value >= node.min && value <= node.max) add(result, position + 1);
        }
        break;
      }
      case 'named':
        assert(false, 'expressions with a named automaton are refused before matching');
    }
    if (memoArray !== undefined) memoArray[key] = result;
    else memoMap!.set(key, result);
    return result;
  };

  const rootEnd = leafEnd(parsed.root, 0);
  return rootEnd === undefined ? has(ends(parsed.root, 0), n) : rootEnd === n;
}
