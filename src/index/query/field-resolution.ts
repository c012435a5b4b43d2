/**
 * Field lists resolved against the mapping as Elasticsearch's QueryParserHelper
 * resolveMappingFields does (pure): each entry's pattern expands to the fields it matches, and a
 * field reached by several entries gets the product of their boosts. So a default field list
 * `["*", "title^3"]` searches every eligible field, `title` with boost 3 (1 from `*`, times 3).
 *
 * `multi_match` and `simple_query_string` resolve `index.query.default_field` this way whatever it
 * holds. `query_string` does too, except when the list has the entry `*` itself: it then parses in
 * its all-fields mode, every eligible field with boost 1, and the other entries' boosts are not
 * read (QueryStringQueryBuilder.doToQuery: `hasAllFieldsWildcard(defaultFields)`).
 * References: index-modules.html#index-query-default-field, QueryParserHelper,
 * MultiMatchQueryBuilder / SimpleQueryStringBuilder / QueryStringQueryBuilder.doToQuery.
 */
import type { FieldBoost } from './ast.js';

export interface ResolvedField {
  readonly field: string;
  readonly boost: number;
  /** Reached through a pattern: a type mismatch on this field matches nothing instead of failing the query. */
  readonly fromPattern: boolean;
}

/**
 * `entries` resolved to concrete fields, in the order first reached; `expand` gives the mapped
 * fields an entry (a pattern or a field name) stands for, none when it matches nothing.
 */
export function resolveFieldBoosts(entries: readonly FieldBoost[], expand: (pattern: string) => readonly string[]): ResolvedField[] {
  const resolved = new Map<string, ResolvedField>();
  for (const { field: pattern, boost } of entries) {
    const fromPattern = pattern.includes('*');
    for (const field of expand(pattern)) {
      const seen = resolved.get(field);
      resolved.set(field, seen === undefined ? { field, boost, fromPattern } : { field, boost: seen.boost * boost, fromPattern: seen.fromPattern || fromPattern });
    }
  }
  return [...resolved.values()];
}
