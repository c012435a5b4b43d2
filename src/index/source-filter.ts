/**
 * `_source` filtering (pure), as Elasticsearch's XContentMapValues.filter: include and exclude
 * patterns on dotted paths with `*` wildcards; including an object includes all of it.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping-source-field.html#include-exclude
 */
import { errors } from '../common/index.js';
import { wildcardMatch } from './expression.js';

export interface SourceFilter {
  /** False: no `_source` in the answer at all. */
  readonly fetch: boolean;
  readonly includes: readonly string[];
  readonly excludes: readonly string[];
}

export const fetchWholeSource: SourceFilter = { fetch: true, includes: [], excludes: [] };

function splitList(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** Reads `_source`, `_source_includes` and `_source_excludes` query parameters. */
export function sourceFilterFromQuery(query: Readonly<Record<string, string>>, fallback: SourceFilter = fetchWholeSource): SourceFilter {
  const source = query['_source'];
  const includes = splitList(query['_source_includes'] ?? query['_source_include']);
  const excludes = splitList(query['_source_excludes'] ?? query['_source_exclude']);
  if (source === 'false') return { fetch: false, includes: [], excludes: [] };
  if (source === undefined || source === 'true' || source === '') {
    if (includes.length === 0 && excludes.length === 0) return fallback;
    return { fetch: true, includes, excludes };
  }
  return { fetch: true, includes: [...splitList(source), ...includes], excludes };
}

/** Reads a `_source` value from a request body: boolean, string, list, or `{includes, excludes}`. */
export function sourceFilterFromBody(value: unknown): SourceFilter | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true) return fetchWholeSource;
  if (value === false) return { fetch: false, includes: [], excludes: [] };
  if (typeof value === 'string') return { fetch: true, includes: splitList(value), excludes: [] };
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return { fetch: true, includes: value as string[], excludes: [] };
  if (typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const list = (field: unknown): string[] => {
      if (field === undefined) return [];
      if (typeof field === 'string') return [field];
      if (Array.isArray(field) && field.every((item) => typeof item === 'string')) return field as string[];
      throw errors.parsing(`[_source] includes and excludes must be strings or arrays of strings`);
    };
    return {
      fetch: true,
      includes: list(object['includes'] ?? object['include']),
      excludes: list(object['excludes'] ?? object['exclude']),
    };
  }
  throw errors.parsing('[_source] must be a boolean, a string, an array of strings or an object');
}

function matchesAny(patterns: readonly string[], path: string): boolean {
  return patterns.some((pattern) => wildcardMatch(pattern, path) || path.startsWith(`${pattern}.`));
}

/** Could a pattern match something below `path`? */
function mayMatchBelow(patterns: readonly string[], path: string): boolean {
  return patterns.some((pattern) => pattern.startsWith(`${path}.`) || (pattern.includes('*') && prefixMayMatch(pattern, `${path}.`)));
}

function prefixMayMatch(pattern: string, prefix: string): boolean {
  // True when some string starting with `prefix` matches `pattern`.
  const star = pattern.indexOf('*');
  const literalHead = pattern.slice(0, star);
  return prefix.startsWith(literalHead) || literalHead.startsWith(prefix);
}

function filterValue(value: unknown, path: string, filter: SourceFilter, included: boolean): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      if (filter.excludes.length > 0 && matchesAny(filter.excludes, childPath)) continue;
      const childIncluded = included || filter.includes.length === 0 || matchesAny(filter.includes, childPath);
      const isContainer = child !== null && typeof child === 'object';
      if (!childIncluded && !(isContainer && mayMatchBelow(filter.includes, childPath))) continue;
      const filtered = filterValue(child, childPath, filter, childIncluded);
      if (!childIncluded && isContainer && isEmpty(filtered)) continue;
      result[key] = filtered;
    }
    return result;
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => filterValue(item, path, filter, included));
    return included ? items : items.filter((item) => item !== null && typeof item === 'object' && !isEmpty(item));
  }
  return value;
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return value !== null && typeof value === 'object' && Object.keys(value).length === 0;
}

/** Applies include and exclude patterns to a source document; the whole source when both are empty. */
export function filterSource(source: unknown, filter: SourceFilter): unknown {
  if (filter.includes.length === 0 && filter.excludes.length === 0) return source;
  return filterValue(source, '', filter, false);
}

/**
 * What document and field level security leave readable of one index for one caller (built by
 * the security layer; see src/security/document-field-access.ts).
 */
export interface ReadRestriction {
  /** DLS: only documents matching this query (Query DSL) are readable; undefined: all. */
  readonly query?: Readonly<Record<string, unknown>>;
  /** FLS: is this dotted field path readable? undefined: every field. */
  readonly fields?: (path: string) => boolean;
  /**
   * FLS as the roles grant it, which `fields` was compiled from (`{grant, except}` patterns: union
   * within a set, intersection across sets): what travels to the node holding a shard in a
   * multi-node cluster, which compiles `fields` again.
   */
  readonly fieldSets?: readonly (readonly { readonly grant: readonly string[]; readonly except: readonly string[] }[])[];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `_source` with hidden fields removed: a leaf stays when its dotted path is visible; an object
 * stays when something in it does (an empty object left by filtering is dropped, as ES does).
 */
export function filterSourceFields(source: unknown, visible: (path: string) => boolean): unknown {
  const walk = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (const item of value) {
        if (isPlainObject(item) || Array.isArray(item)) {
          const kept = walk(item, path);
          if (kept !== undefined) items.push(kept);
        } else if (visible(path)) items.push(item);
      }
      return items.length > 0 || visible(path) ? items : undefined;
    }
    if (isPlainObject(value)) {
      const result: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        const childPath = path === '' ? key : `${path}.${key}`;
        const kept = isPlainObject(child) || Array.isArray(child) ? walk(child, childPath) : visible(childPath) ? child : undefined;
        if (kept !== undefined) result[key] = kept;
      }
      return path === '' || Object.keys(result).length > 0 ? result : undefined;
    }
    return visible(path) ? value : undefined;
  };
  return walk(source, '') ?? {};
}
