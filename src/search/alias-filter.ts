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
  return combinedAliasFilter(aliasFilterDefinitions(expression, indexName, aliases));
}

/**
 * The alias filters (as defined, unparsed JSON) that apply to `indexName` for this expression, or
 * undefined for none: what a multi-node search sends with the shard request, as Elasticsearch's
 * ShardSearchRequest carries its AliasFilter to the node holding the shard.
 */
export function aliasFilterDefinitions(expression: string | undefined, indexName: string, aliases: Readonly<Record<string, AliasDefinitionView>>): unknown[] | undefined {
  const elements = (expression ?? '').split(',').map((element) => element.trim()).filter((element) => element !== '' && !element.startsWith('-'));
  if (elements.length === 0 || elements.includes('_all')) return undefined;
  if (elements.some((element) => wildcardMatch(element, indexName))) return undefined;
  const filters: unknown[] = [];
  for (const [alias, definition] of Object.entries(aliases)) {
    if (!elements.some((element) => wildcardMatch(element, alias))) continue;
    if (definition.filter === undefined) return undefined;
    filters.push(definition.filter);
  }
  return filters.length === 0 ? undefined : filters;
}

/** Alias filters OR-ed (one alias: its filter alone), or undefined for none. */
export function combinedAliasFilter(definitions: readonly unknown[] | undefined): QueryNode | undefined {
  if (definitions === undefined || definitions.length === 0) return undefined;
  const filters = definitions.map((definition) => parseQuery(definition));
  if (filters.length === 1) return filters[0];
  return { kind: 'bool', must: [], should: filters, filter: [], mustNot: [], minimumShouldMatch: '1', boost: 1 };
}

/** `query` restricted to documents matching `filter` (the filter does not score). */
export function withFilter(query: QueryNode, filter: QueryNode | undefined): QueryNode {
  if (filter === undefined) return query;
  return { kind: 'bool', must: [query], should: [], filter: [filter], mustNot: [], minimumShouldMatch: undefined, boost: 1 };
}
