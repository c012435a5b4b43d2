/**
 * Document and field level security travelling with a multi-node search (issue #14). The
 * coordinating node resolves the caller's restriction on each index (the DLS query with its
 * templates rendered, the FLS grant/except sets) and sends it with the shard requests; the node
 * holding the shard rebuilds it and reads its copy under it (the query filters the documents, the
 * fields are hidden from queries, aggregations and the fetched `_source`), so no node returns more
 * than one node would. The caller's credentials never travel.
 */
import { errors } from '../common/errors.js';
import type { ReadRestriction } from '../index/index.js';
import type { SearchAuthorizer } from '../search/search-service.js';
import { readRestrictionFromParts, type FieldSecurity } from '../security/document-field-access.js';

/** A restriction as it crosses the transport. */
export interface TravellingRestriction {
  readonly query?: Readonly<Record<string, unknown>>;
  readonly field_sets?: readonly (readonly FieldSecurity[])[];
}

/** The restriction to send, or a 400 when its field predicate came without the sets it was compiled from. */
export function restrictionToWire(restriction: ReadRestriction, index: string): TravellingRestriction {
  if (restriction.fields !== undefined && restriction.fieldSets === undefined) {
    throw errors.illegalArgument(`field level security on [${index}] is not supported by Strait for searches whose shards live on several nodes yet ([discovery.type] is [multi-node])`);
  }
  return { ...(restriction.query !== undefined ? { query: restriction.query } : {}), ...(restriction.fieldSets !== undefined ? { field_sets: restriction.fieldSets } : {}) };
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The restriction a shard request carries (undefined: none); a malformed one is a 400. */
export function restrictionFromWire(value: unknown): ReadRestriction | undefined {
  if (value === undefined || value === null) return undefined;
  const sets = isRecord(value) ? value['field_sets'] : undefined;
  const query = isRecord(value) ? value['query'] : undefined;
  const validSets =
    sets === undefined ||
    (Array.isArray(sets) &&
      sets.every((set) => Array.isArray(set) && set.every((entry) => isRecord(entry) && [entry['grant'], entry['except']].every((patterns) => Array.isArray(patterns) && patterns.every((pattern) => typeof pattern === 'string')))));
  if (!isRecord(value) || !(query === undefined || isRecord(query)) || !validSets) throw errors.illegalArgument('malformed [read_restriction] in a shard request');
  return readRestrictionFromParts(query as Record<string, unknown> | undefined, sets as FieldSecurity[][] | undefined);
}

/**
 * The access a data node reads `index` with for a coordinating node of this cluster: authorized
 * there already, restricted as the caller is.
 */
export function coordinatedAccess(base: SearchAuthorizer, index: string, restriction: ReadRestriction | undefined): SearchAuthorizer {
  if (restriction === undefined) return base;
  return { ...base, readRestriction: (_action, name) => (name === index ? restriction : undefined) };
}
