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

/**
 * One segment of a pattern, its regular expression compiled once per request rather than per key.
 */
type Segment = { readonly kind: 'any' } | { readonly kind: 'deep' } | { readonly kind: 'exact'; readonly text: string } | { readonly kind: 'glob'; readonly regex: RegExp };

function compileSegment(segment: string): Segment {
  if (segment === '**') return { kind: 'deep' };
  if (segment === '*') return { kind: 'any' };
  if (!segment.includes('*')) return { kind: 'exact', text: segment };
  return { kind: 'glob', regex: new RegExp(`^${segment.split('*').map(escapeRegex).join('.*')}$`) };
}

function segmentMatches(segment: Segment, key: string): boolean {
  switch (segment.kind) {
    case 'any':
    case 'deep':
      return true;
    case 'exact':
      return segment.text === key;
    case 'glob':
      return segment.regex.test(key);
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Where matching stands: for each pattern, the positions of the next segment to match (a position
 * equal to the pattern's length means "matched fully"). A set, so `**` repeated in a pattern
 * cannot multiply the work: it is bounded by the number of segments, whatever the body's depth.
 */
type States = ReadonlyMap<number, ReadonlySet<number>>;

function startStates(patterns: readonly (readonly Segment[])[]): States {
  const states = new Map<number, Set<number>>();
  patterns.forEach((_pattern, index) => states.set(index, new Set([0])));
  return states;
}

/** The states that remain after consuming `key`. */
function advance(patterns: readonly (readonly Segment[])[], states: States, key: string): States {
  if (states.size === 0) return states; // no pattern left alive (no exclude patterns, say): nothing to build per key
  const next = new Map<number, Set<number>>();
  const add = (pattern: number, position: number): void => {
    let positions = next.get(pattern);
    if (positions === undefined) next.set(pattern, (positions = new Set()));
    positions.add(position);
  };
  for (const [pattern, positions] of states) {
    const segments = patterns[pattern]!;
    for (const position of positions) {
      if (position === segments.length) continue;
      const segment = segments[position]!;
      if (segment.kind === 'deep') {
        add(pattern, position); // `**` may consume this key and stay
        if (position + 1 === segments.length) add(pattern, position + 1);
        else if (segmentMatches(segments[position + 1]!, key)) add(pattern, position + 2);
      } else if (segmentMatches(segment, key)) {
        add(pattern, position + 1);
      }
    }
  }
  return next;
}

function isFull(patterns: readonly (readonly Segment[])[], states: States): boolean {
  for (const [pattern, positions] of states) if (positions.has(patterns[pattern]!.length)) return true;
  return false;
}

const MISSING = Symbol('missing');

interface Compiled {
  readonly include: readonly (readonly Segment[])[];
  readonly exclude: readonly (readonly Segment[])[];
}

/** `include` null: everything below is kept (an include pattern matched fully, or there are none). */
function applyFilters(compiled: Compiled, value: unknown, include: States | null, exclude: States): unknown {
  if (isFull(compiled.exclude, exclude)) return MISSING;
  const included = include === null || isFull(compiled.include, include);
  if (Array.isArray(value)) {
    const items = value
      .map((item) => applyFilters(compiled, item, included ? null : include, exclude))
      .filter((item) => item !== MISSING);
    if (!included && items.length === 0) return MISSING;
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    let kept = 0;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childInclude = included ? null : advance(compiled.include, include!, key);
      if (childInclude !== null && childInclude.size === 0) continue;
      const filtered = applyFilters(compiled, child, childInclude, advance(compiled.exclude, exclude, key));
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
  const compiled: Compiled = { include: include.map((pattern) => pattern.map(compileSegment)), exclude: exclude.map((pattern) => pattern.map(compileSegment)) };
  const filtered = applyFilters(compiled, body, include.length === 0 ? null : startStates(compiled.include), startStates(compiled.exclude));
  return filtered === MISSING ? {} : filtered;
}
