/**
 * Wildcard patterns as security uses them: action patterns (`indices:data/read/*`) and index name
 * patterns (`logs-*`, `?`, or a Lucene-style `/regex/`). Pure.
 */

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

/** A predicate over names built from patterns; an empty pattern list matches nothing. */
export type NameMatcher = (name: string) => boolean;

export function compilePatterns(patterns: readonly string[]): NameMatcher {
  if (patterns.length === 0) return () => false;
  if (patterns.includes('*')) return () => true;
  const exact = new Set<string>();
  const parts: string[] = [];
  for (const pattern of patterns) {
    if (pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) parts.push(`(?:${pattern.slice(1, -1)})`);
    else if (pattern.includes('*') || pattern.includes('?')) parts.push(globToRegex(pattern));
    else exact.add(pattern);
  }
  if (parts.length === 0) return (name) => exact.has(name);
  const regex = new RegExp(`^(?:${parts.join('|')})$`, 's');
  return (name) => exact.has(name) || regex.test(name);
}

/** Is `pattern` a valid Lucene-style `/regex/` (JavaScript syntax)? Other patterns are always valid. */
export function patternError(pattern: string): string | undefined {
  if (pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    try {
      new RegExp(pattern.slice(1, -1));
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}

/**
 * Does glob `outer` match every name that glob `inner` matches? Sound (never says yes wrongly):
 * a `*` of `inner` can only be absorbed by a `*` of `outer`, a `?` of `inner` by `?` or `*`.
 * Regex patterns are compared only for equality.
 */
export function globCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === '*') return true;
  if (outer.startsWith('/') || inner.startsWith('/')) return false;
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

/** Might some name match both patterns? Conservative: true unless their literal prefixes differ. */
export function globsMayOverlap(a: string, b: string): boolean {
  if (a.startsWith('/') || b.startsWith('/')) return true;
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
