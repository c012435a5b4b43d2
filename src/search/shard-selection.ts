/**
 * Which shards of an index a search reads (pure): the `routing` parameter (each value routed as a
 * document would be, Elasticsearch's OperationRouting.computeTargetedShards) and the `preference`
 * parameter (Elasticsearch's Preference and OperationRouting.preferenceActiveShardIterator).
 *
 * One node holds one copy of every shard, so the copy-choosing preferences (`_local`,
 * `_only_local`, `_prefer_nodes:`, a custom string) all pick that copy; `_shards:0,2` restricts the
 * shards, optionally followed by `|` and another preference; `_only_nodes:` must name this node.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-search.html#search-preference
 */
import { errors } from '../common/index.js';
import { wildcardMatch } from '../index/expression.js';
import { searchRoutingShards, type RoutingLayout } from '../index/routing.js';

export interface ShardSelection {
  /** The `routing` values (comma-separated in the parameter); undefined: no routing. */
  readonly routing: readonly string[] | undefined;
  /** `_shards:` of the preference; undefined: every shard. */
  readonly preferredShards: ReadonlySet<number> | undefined;
  /** `_only_nodes:` node specifications, checked against this node per index. */
  readonly onlyNodes: readonly string[] | undefined;
}

export const everyShard: ShardSelection = { routing: undefined, preferredShards: undefined, onlyNodes: undefined };

const preferenceTypes = new Set(['_shards', '_prefer_nodes', '_local', '_only_local', '_only_nodes']);

function preferenceType(preference: string): string {
  const colon = preference.indexOf(':');
  const type = colon < 0 ? preference : preference.slice(0, colon);
  if (!preferenceTypes.has(type)) throw errors.illegalArgument(`no Preference for [${type}]`);
  return type;
}

/**
 * The part of a `preference` that chooses among a shard's copies: what follows `_shards:...|`, or
 * the whole preference when it does not restrict shards; undefined when nothing chooses (round robin).
 */
export function copyPreferenceOf(preference: string | undefined): string | undefined {
  if (preference === undefined || preference === '') return undefined;
  if (preference !== '_shards' && !preference.startsWith('_shards:')) return preference;
  const bar = preference.indexOf('|');
  return bar < 0 || bar === preference.length - 1 ? undefined : preference.slice(bar + 1);
}

/** Parses `routing` and `preference` search parameters. */
export function parseShardSelection(routingParam: string | undefined, preferenceParam: string | undefined): ShardSelection {
  // Values are not trimmed: Elasticsearch routes "tw " and "tw" apart (Strings.splitStringByCommaToArray).
  const routingValues = routingParam === undefined ? [] : routingParam.split(',').filter((value) => value !== '');
  const routing = routingValues.length === 0 ? undefined : routingValues;
  let preferredShards: Set<number> | undefined;
  let onlyNodes: string[] | undefined;
  let preference = preferenceParam;
  if (preference !== undefined && preference.startsWith('_')) {
    if (preferenceType(preference) === '_shards') {
      const bar = preference.indexOf('|');
      const list = preference.slice('_shards:'.length, bar < 0 ? undefined : bar);
      preferredShards = new Set();
      for (const id of list.split(',').filter((value) => value !== '')) {
        if (!/^[+-]?\d+$/.test(id) || !Number.isSafeInteger(Number(id))) throw errors.numberFormat(`For input string: "${id}"`); // Integer.parseInt's failure
        preferredShards.add(Number(id));
      }
      preference = copyPreferenceOf(preference);
    }
    if (preference !== undefined && preference.startsWith('_')) {
      const type = preferenceType(preference);
      if (type === '_shards') throw errors.illegalArgument(`no Preference for [${type}]`);
      if (type === '_only_nodes') onlyNodes = preference.slice('_only_nodes:'.length).split(',').map((value) => value.trim());
    }
  }
  return { routing, preferredShards, onlyNodes };
}

/**
 * The routing values a search uses on one index (Elasticsearch's
 * IndexNameExpressionResolver.resolveSearchRouting): naming the index (or a wildcard over its
 * name, or nothing, or `_all`) or an alias without `search_routing` uses the request's routing;
 * an alias with `search_routing` uses its values, intersected with the request's (an empty
 * intersection routes nowhere in particular: every shard, as Elasticsearch drops it). Undefined:
 * every shard.
 */
export function searchRoutingFor(
  expression: string | undefined,
  indexName: string,
  aliases: Readonly<Record<string, { readonly search_routing?: string }>>,
  paramRouting: readonly string[] | undefined,
): readonly string[] | undefined {
  const elements = (expression ?? '').split(',').map((element) => element.trim()).filter((element) => element !== '' && !element.startsWith('-'));
  if (elements.length === 0 || elements.includes('_all')) return paramRouting;
  let routing: Set<string> | undefined;
  let noRouting = false;
  let reached = false; // through its name or one of its aliases
  const plain = (): void => {
    if (noRouting) return;
    noRouting = true;
    routing = paramRouting === undefined ? undefined : new Set(paramRouting);
  };
  for (const element of elements) {
    if (wildcardMatch(element, indexName)) {
      reached = true;
      plain();
    }
    for (const [alias, definition] of Object.entries(aliases)) {
      if (noRouting || !wildcardMatch(element, alias)) continue;
      reached = true;
      const values = (definition.search_routing ?? '').split(',').filter((value) => value !== '');
      if (values.length === 0) {
        plain();
        continue;
      }
      const next = routing ?? new Set<string>();
      for (const value of values) next.add(value);
      if (paramRouting !== undefined) for (const value of [...next]) if (!paramRouting.includes(value)) next.delete(value);
      routing = next.size === 0 ? undefined : next;
    }
  }
  // Reached otherwise (a data stream's backing index, date math): a concrete index, the request's routing.
  if (!reached) return paramRouting;
  return routing === undefined ? undefined : [...routing];
}

/**
 * The shard numbers of one index a search reads, in order: those its routing values select (all
 * without), narrowed by `_shards:`. Throws when `_only_nodes:` names no node holding them
 * (`nodeMatches` says whether a specification names this node).
 */
export function selectShards(layout: RoutingLayout, selection: ShardSelection, routing: readonly string[] | undefined, index: string, nodeMatches: (spec: string) => boolean): number[] {
  const routed = searchRoutingShards(layout, routing) ?? Array.from({ length: layout.shards }, (_, shard) => shard);
  const shards = selection.preferredShards === undefined ? routed : routed.filter((shard) => selection.preferredShards!.has(shard));
  if (selection.onlyNodes !== undefined && shards.length > 0 && !selection.onlyNodes.some(nodeMatches)) {
    throw errors.illegalArgument(`no data nodes with criteria [${selection.onlyNodes.join(',')}] found for shard: [${index}][${shards[0]}]`);
  }
  return shards;
}
