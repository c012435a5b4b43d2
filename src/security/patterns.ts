import { errors, limits } from '../common/index.js';
import { type ParsedRegex, RegexSyntaxError, parseLuceneRegex, regexFlagsAll, regexMatchesWhole as matchesWhole } from '../common/lucene-regexp.js';

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
 * The parser and matcher live in common/lucene-regexp.ts (the `regexp` query uses them too).
 */

/** Index patterns: ALL plus complement (`~`), as Automatons builds them. */
const patternFlags = { ...regexFlagsAll, complement: true };

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
    parseLuceneRegex(body, regexFlagsAll);
    const parsed = parseLuceneRegex(body, patternFlags);
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
  const parsed = parseLuceneRegex(pattern.slice(1, -1), patternFlags);
  if (parsedRegexes.size >= parsedRegexesEntriesMax) parsedRegexes.clear();
  parsedRegexes.set(pattern, parsed);
  return parsed;
}

/** Whole-name match of a parsed `/regex/` pattern, refusing with 400 one too complex to match. */
function regexMatchesWhole(pattern: string, parsed: ParsedRegex, name: string): boolean {
  return matchesWhole(parsed, name, {
    asciiCaseInsensitive: false,
    wordsMax: limits.securityRegexMatchWordsMax,
    tooComplex: (length) => errors.illegalArgument(`the regular expression pattern [${pattern}] is too complex to match a name of ${length} characters`),
  });
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
