/**
 * Named queries (`_name`): the parser records the name of each named clause beside the frozen
 * AST (a WeakMap keyed by the node), so that no query kind needs a `name` field and a new kind
 * is named without changes here. The fetch phase lists the named clauses (`namedQueries`) and
 * reports which of them each hit matches (`matched_queries`).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-bool-query.html#named-queries
 */
import type { QueryNode } from './ast.js';

const names = new WeakMap<object, string>();

/** Query kinds whose options sit under a field name (`{"match": {"title": {"query": .., "_name": ..}}}`). */
const singleFieldKinds: ReadonlySet<string> = new Set([
  'match', 'match_phrase', 'match_phrase_prefix', 'match_bool_prefix', 'term', 'range', 'prefix', 'wildcard', 'fuzzy', 'regexp', 'intervals', 'span_term',
]);

/** The `_name` of a clause body as written, beside the query's options or inside its field's object. */
export function queryNameOf(kind: string, body: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof body['_name'] === 'string') return body['_name'];
  if (!singleFieldKinds.has(kind)) return undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'boost') continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const name = (value as Record<string, unknown>)['_name'];
      if (typeof name === 'string') return name;
    }
  }
  return undefined;
}

export function nameQuery(node: QueryNode, name: string): void {
  names.set(node, name);
}

/**
 * Every named clause under `root` (root included), in query order. The walk follows every
 * object and array of the AST, so clauses inside any query kind are found.
 */
export function namedQueries(root: QueryNode): { readonly name: string; readonly node: QueryNode }[] {
  const found: { name: string; node: QueryNode }[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const name = names.get(value);
    if (name !== undefined) found.push({ name, node: value as QueryNode });
    for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child);
  };
  visit(root);
  return found;
}
