import { assert, errors, limits } from '../common/index.js';

/**
 * Name patterns as security uses them: action patterns (`indices:data/read/*`), index name
 * patterns (`logs-*`, `?`) and `/regex/` patterns. Pure.
 *
 * A pattern wrapped in slashes is a Lucene regular expression, as Elasticsearch's Automatons
 * builds it (`new RegExp(body, RegExp.ALL | RegExp.DEPRECATED_COMPLEMENT)`): every optional
 * operator of Lucene's RegExp grammar is on, complement `~` included, and the expression always
 * matches the whole name. Operators: `|` union, `&` intersection, `~` complement, concatenation,
 * `?` `*` `+` `{n}` `{n,}` `{n,m}` repetition, `.` any character, `@` any string, `#` the empty
 * language, `"..."` a literal string, `()` the empty string, `[a-z]` / `[^a-z]` character classes,
 * `\d \D \s \S \w \W` predefined classes, `<n-m>` decimal intervals and `\` escaping one
 * character. `<name>` (a named automaton) parses but can never be built (Elasticsearch passes no
 * automaton provider), so it is refused. Characters are Unicode code points, as Lucene's are.
 *
 * We parse to our own syntax tree and match a whole name with a memoised pass over
 * (node, start position) giving the set of end positions, which handles intersection and
 * complement exactly, with no automaton construction.
 */

// ---------------------------------------------------------------------------------------------
// Lucene regular expressions: syntax tree and parser
// ---------------------------------------------------------------------------------------------

type CodePointRange = readonly [number, number];

type RegexBody =
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
type RegexNode = RegexBody & { readonly id: number };

interface ParsedRegex {
  readonly root: RegexNode;
  readonly nodeCount: number;
  /** The first `<name>` the expression uses, if any. */
  readonly namedAutomaton?: string;
}

/** Lucene's IllegalArgumentException while parsing; the message says where. */
class RegexSyntaxError extends Error {}

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
 * Parses `source` by Lucene's grammar (a recursive descent of the same shape, so that the same
 * strings are accepted and mean the same). `complement` says whether `~` is an operator (the
 * DEPRECATED_COMPLEMENT flag, on when Elasticsearch builds index patterns) or a plain character
 * (off in Elasticsearch's role validation, which calls `new RegExp(body)`).
 */
function parseLuceneRegex(source: string, complement: boolean): ParsedRegex {
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
    while (match('&')) parts.push(parseConcat());
    return sequence('intersection', parts);
  };
  const parseConcat = (): RegexNode => {
    const parts = [parseRepeat()];
    while (more() && !peek(')|&')) parts.push(parseRepeat());
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
    if (complement && match('~')) return nested(() => make({ kind: 'complement', part: parseComplement() }));
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
    if (match('#')) return make({ kind: 'emptyLanguage' });
    if (match('@')) return make({ kind: 'anyString' });
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
    if (match('<')) {
      const start = pos;
      while (more() && !peek('>')) pos++;
      if (!match('>')) fail(`expected '>' at position ${pos}`);
      const body = String.fromCodePoint(...text.slice(start, pos - 1));
      const dash = body.indexOf('-');
      if (dash === -1) {
        namedAutomaton ??= body;
        return make({ kind: 'named', name: body });
      }
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

/**
 * Why the body of a `/regex/` pattern cannot be used, or undefined. Elasticsearch's role
 * validation parses the body with `~` as a plain character, and its automaton build parses it
 * again with `~` as complement; a body either parse refuses, a `<name>` that can never resolve,
 * or a body over our length limit is refused here, when the role is written.
 */
function regexBodyProblem(body: string): string | undefined {
  const length = Array.from(body).length;
  if (length > limits.securityRegexCodePointsMax) return `the regular expression is longer than ${limits.securityRegexCodePointsMax} characters`;
  try {
    parseLuceneRegex(body, false);
    const parsed = parseLuceneRegex(body, true);
    if (parsed.namedAutomaton !== undefined) return `'${parsed.namedAutomaton}' not found`;
  } catch (error) {
    if (error instanceof RegexSyntaxError) return error.message;
    throw error;
  }
  return undefined;
}

/** Parsed regex bodies by source; bounded, cleared when full (parsing is cheap, names repeat). */
const parsedRegexes = new Map<string, ParsedRegex>();
const parsedRegexesEntriesMax = 1_000;

function parsedRegex(pattern: string): ParsedRegex {
  const cached = parsedRegexes.get(pattern);
  if (cached !== undefined) return cached;
  const problem = patternError(pattern);
  if (problem !== undefined) throw errors.illegalArgument(`invalid pattern [${pattern}]. ${problem}`);
  const parsed = parseLuceneRegex(pattern.slice(1, -1), true);
  if (parsedRegexes.size >= parsedRegexesEntriesMax) parsedRegexes.clear();
  parsedRegexes.set(pattern, parsed);
  return parsed;
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

function regexMatchesWhole(pattern: string, parsed: ParsedRegex, name: string): boolean {
  const text = Array.from(name, (ch) => ch.codePointAt(0)!);
  const n = text.length;
  const words = (n + 32) >>> 5;
  // An array indexed by (node, start) when that is small, else a map of the entries computed.
  const memoSize = parsed.nodeCount * (n + 1);
  const memoArray = memoSize <= memoArrayEntriesMax ? new Array<Uint32Array | undefined>(memoSize) : undefined;
  const memoMap = memoArray === undefined ? new Map<number, Uint32Array>() : undefined;
  let wordsLeft = limits.securityRegexMatchWordsMax;
  const spend = (amount: number): void => {
    wordsLeft -= amount;
    if (wordsLeft < 0) {
      throw errors.illegalArgument(`the regular expression pattern [${pattern}] is too complex to match a name of ${n} characters`);
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
      for (let offset = 0; offset < codePoints.length; offset++) if (text[start + offset] !== codePoints[offset]) return -1;
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

// ---------------------------------------------------------------------------------------------
// Pattern lists
// ---------------------------------------------------------------------------------------------

const escapeRegex = (text: string): string => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

function globToRegex(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else out += escapeRegex(ch);
  }
  return out;
}

/** Is `pattern` written as a regular expression (`/.../`, Elasticsearch's isLuceneRegex)? */
function isRegexPattern(pattern: string): boolean {
  return pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/');
}

/** A pattern with neither wildcard nor regex syntax names exactly one name. */
function isLiteralPattern(pattern: string): boolean {
  return !pattern.startsWith('/') && !pattern.includes('*') && !pattern.includes('?');
}

/** A predicate over names built from patterns; an empty pattern list matches nothing. */
export type NameMatcher = (name: string) => boolean;

/**
 * The union of `patterns` as a predicate. A `/regex/` pattern is a Lucene regular expression (see
 * the top of this file); an unusable one throws 400 illegal_argument_exception, as Elasticsearch's
 * automaton build throws IllegalArgumentException (roles refuse such patterns when written).
 */
export function compilePatterns(patterns: readonly string[]): NameMatcher {
  if (patterns.length === 0) return () => false;
  if (patterns.includes('*')) return () => true;
  const exact = new Set<string>();
  const globs: string[] = [];
  const regexes: { readonly pattern: string; readonly parsed: ParsedRegex }[] = [];
  for (const pattern of patterns) {
    if (pattern.startsWith('/')) regexes.push({ pattern, parsed: parsedRegex(pattern) });
    else if (pattern.includes('*') || pattern.includes('?')) globs.push(globToRegex(pattern));
    else exact.add(pattern);
  }
  const glob = globs.length > 0 ? new RegExp(`^(?:${globs.join('|')})$`, 's') : undefined;
  if (regexes.length === 0) return (name) => exact.has(name) || (glob !== undefined && glob.test(name));
  // The regex answers, remembered per name (bounded): a permission is compiled once per role set
  // and asked about the same index names request after request.
  const answers = new Map<string, boolean>();
  const regexMatches = (name: string): boolean => {
    let answer = answers.get(name);
    if (answer === undefined) {
      answer = regexes.some(({ pattern, parsed }) => regexMatchesWhole(pattern, parsed, name));
      if (answers.size >= regexAnswersEntriesMax) answers.clear();
      answers.set(name, answer);
    }
    return answer;
  };
  return (name) => exact.has(name) || (glob !== undefined && glob.test(name)) || regexMatches(name);
}

/** Ours: names whose regex answer one compiled pattern list remembers. */
const regexAnswersEntriesMax = 10_000;

/**
 * Why `pattern` cannot be used as a name pattern, or undefined. Only patterns starting with `/`
 * can be unusable: one that does not also end with `/`, or whose body is not a usable Lucene
 * regular expression (see regexBodyProblem).
 */
export function patternError(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return undefined;
  if (!isRegexPattern(pattern)) {
    return "patterns starting with '/' indicate regular expression pattern and therefore must also end with '/'. other patterns (those that do not start with '/') will be treated as simple wildcard patterns";
  }
  return regexBodyProblem(pattern.slice(1, -1));
}

/** compilePatterns for one pattern, where an unusable pattern answers `fallback` instead of throwing. */
function matchesOrElse(pattern: string, name: string, fallback: boolean): boolean {
  if (patternError(pattern) !== undefined) return fallback;
  try {
    return compilePatterns([pattern])(name);
  } catch {
    return fallback; // too complex to match: answer conservatively
  }
}

/**
 * Does glob `outer` match every name that glob `inner` matches? Sound (never says yes wrongly):
 * a `*` of `inner` can only be absorbed by a `*` of `outer`, a `?` of `inner` by `?` or `*`.
 * With regular expressions it stays conservative, not Elasticsearch's automaton subset test: a
 * regex `outer` covers a literal `inner` name exactly when it matches it; any other pair involving
 * a regex is covered only when the two are equal (or `outer` is `*`).
 */
export function globCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === '*') return true;
  if (inner.startsWith('/')) return false;
  if (outer.startsWith('/')) return isLiteralPattern(inner) && matchesOrElse(outer, inner, false);
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (inner.length + 1) + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (i === outer.length) result = j === inner.length;
    else if (outer[i] === '*') result = go(i + 1, j) || (j < inner.length && go(i, j + 1));
    else if (j === inner.length) result = false;
    else if (outer[i] === '?') result = inner[j] !== '*' && go(i + 1, j + 1);
    else result = outer[i] === inner[j] && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/**
 * Might some name match both patterns? Conservative: true unless their literal prefixes differ.
 * A regex against a literal name is answered exactly; a regex against any other pattern is
 * assumed to overlap.
 */
export function globsMayOverlap(a: string, b: string): boolean {
  if (a.startsWith('/') || b.startsWith('/')) {
    if (a.startsWith('/') && isLiteralPattern(b)) return matchesOrElse(a, b, true);
    if (b.startsWith('/') && isLiteralPattern(a)) return matchesOrElse(b, a, true);
    return true;
  }
  const prefix = (p: string): string => {
    const index = p.search(/[*?]/);
    return index < 0 ? p : p.slice(0, index);
  };
  const pa = prefix(a);
  const pb = prefix(b);
  const exactA = pa === a;
  const exactB = pb === b;
  if (exactA && exactB) return a === b;
  if (exactA) return compilePatterns([b])(a);
  if (exactB) return compilePatterns([a])(b);
  return pa.startsWith(pb) || pb.startsWith(pa);
}
