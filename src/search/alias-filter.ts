/**
 * Filtered aliases (pure): when an index is searched only through aliases that all carry a
 * `filter`, Elasticsearch adds the alias filters (OR-ed) to the query; reaching the index by its
 * own name, `_all`, a wildcard over its name, or any alias without a filter searches it unfiltered.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/aliases.html#filter-alias
 */
import { wildcardMatch } from '../index/index.js';
import { parseQuery, type QueryNode } from '../index/searcher/index.js';

export interface AliasDefinitionView {
  readonly filter?: unknown;
}

/** The filter to apply to `indexName` for this expression, or undefined for none. */
export function aliasFilterFor(expression: string | undefined, indexName: string, aliases: Readonly<Record<string, AliasDefinitionView>>): QueryNode | undefined {
  const elements = (expression ?? '').split(',').map((element) => element.trim()).filter((element) => element !== '' && !element.startsWith('-'));
  if (elements.length === 0 || elements.includes('_all')) return undefined;
  if (elements.some((element) => wildcardMatch(element, indexName))) return undefined;
  const filters: QueryNode[] = [];
  for (const [alias, definition] of Object.entries(aliases)) {
    if (!elements.some((element) => wildcardMatch(element, alias))) continue;
    if (definition.filter === undefined) return undefined;
    filters.push(parseQuery(definition.filter));
  }
  if (filters.length === 0) return undefined;
  if (filters.length === 1) return filters[0];
  return { kind: 'bool', must: [], should: filters, filter: [], mustNot: [], minimumShouldMatch: '1', boost: 1 };
}

/** `query` restricted to documents matching `filter` (the filter does not score). */
export function withFilter(query: QueryNode, filter: QueryNode | undefined): QueryNode {
  if (filter === undefined) return query;
  return { kind: 'bool', must: [query], should: [], filter: [filter], mustNot: [], minimumShouldMatch: undefined, boost: 1 };
}
