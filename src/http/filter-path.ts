/**
 * `?filter_path=` as Elasticsearch applies it to a response body: a comma-separated list of dotted
 * paths; `*` matches within one key, `**` matches any number of levels, a leading `-` excludes.
 * Arrays are transparent (a path applies to each element). Pure.
 */
type Pattern = readonly string[];

interface Filters {
  readonly include: readonly Pattern[];
  readonly exclude: readonly Pattern[];
}

export function parseFilterPath(value: string): Filters {
  const include: Pattern[] = [];
  const exclude: Pattern[] = [];
  for (const raw of value.split(',')) {
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('-')) exclude.push(splitPath(trimmed.slice(1)));
    else include.push(splitPath(trimmed));
  }
  return { include, exclude };
}

function splitPath(path: string): Pattern {
  // A backslash escapes a dot that belongs to a key.
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < path.length; index++) {
    const char = path[index]!;
    if (char === '\\' && path[index + 1] === '.') {
      current += '.';
      index++;
    } else if (char === '.') {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

function keyMatches(pattern: string, key: string): boolean {
  if (pattern === '*' || pattern === '**') return true;
  if (!pattern.includes('*')) return pattern === key;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(key);
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** The patterns that remain after consuming `key`; an empty pattern means "matched fully". */
function advance(patterns: readonly Pattern[], key: string): Pattern[] {
  const next: Pattern[] = [];
  for (const pattern of patterns) {
    if (pattern.length === 0) continue;
    const head = pattern[0]!;
    if (head === '**') {
      next.push(pattern); // `**` may consume this key and stay
      const rest = pattern.slice(1);
      if (rest.length === 0) next.push(rest);
      else if (keyMatches(rest[0]!, key)) next.push(rest.slice(1));
    } else if (keyMatches(head, key)) {
      next.push(pattern.slice(1));
    }
  }
  return next;
}

const isFull = (patterns: readonly Pattern[]): boolean => patterns.some((pattern) => pattern.length === 0);

const MISSING = Symbol('missing');

function applyFilters(value: unknown, include: readonly Pattern[] | null, exclude: readonly Pattern[]): unknown {
  if (isFull(exclude)) return MISSING;
  const included = include === null || isFull(include);
  if (Array.isArray(value)) {
    const items = value
      .map((item) => applyFilters(item, included ? null : include, exclude))
      .filter((item) => item !== MISSING);
    if (!included && items.length === 0) return MISSING;
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    let kept = 0;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childInclude = included ? null : advance(include!, key);
      if (childInclude !== null && childInclude.length === 0) continue;
      const filtered = applyFilters(child, childInclude, advance(exclude, key));
      if (filtered === MISSING) continue;
      result[key] = filtered;
      kept++;
    }
    if (!included && kept === 0) return MISSING;
    return result;
  }
  return included ? value : MISSING;
}

export function filterPath(body: unknown, value: string): unknown {
  const { include, exclude } = parseFilterPath(value);
  const filtered = applyFilters(body, include.length === 0 ? null : include, exclude);
  return filtered === MISSING ? {} : filtered;
}
