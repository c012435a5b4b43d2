/**
 * The id of a point in time opened in a multi-node cluster (issue #14; pure). Its reader contexts
 * live on the data nodes, one context per node and index over the shard copies that node pinned,
 * so the id names, for every shard, the node holding its context and that context's id there, as
 * Elasticsearch's point in time id encodes each shard's node and context
 * (point-in-time-api.html: "the id ... encodes the search context").
 * Any node can decode it and send the search of each shard to its context.
 */
import { errors } from '../common/errors.js';
import { encodeOpaqueId, opaqueIdBody } from './scroll.js';

/** One shard of a multi-node point in time: where its reader context is. */
export interface PitShardContext {
  readonly index: string;
  readonly shard: number;
  /** The node holding the context. */
  readonly node: string;
  /** The context's id on that node (the node's own point in time id, src/search/pit.ts). */
  readonly context: string;
}

const idPrefix = 'strait-mn-pit:';
/** The node-local point in time ids a context may be (encodePitId's prefix, src/search/pit.ts). */
const contextPrefix = 'strait-pit:';

export function encodeMultiNodePitId(shards: readonly PitShardContext[]): string {
  return encodeOpaqueId(idPrefix, JSON.stringify({ shards: shards.map((entry) => [entry.index, entry.shard, entry.node, entry.context]) }));
}

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * The shards a multi-node point in time id names; undefined for any other id (a single node's or
 * a cross-cluster one's). An id that claims to be one but does not parse gets Elasticsearch's 400
 * for an id it could not have issued.
 */
export function decodeMultiNodePitId(id: string): PitShardContext[] | undefined {
  const body = opaqueIdBody(idPrefix, id);
  if (body === undefined) return undefined;
  try {
    const parsed = JSON.parse(body) as { shards?: unknown };
    const entries = parsed?.shards;
    const wellFormed = (entry: unknown): entry is [string, number, string, string] =>
      Array.isArray(entry) &&
      entry.length === 4 &&
      nonEmptyString(entry[0]) &&
      Number.isSafeInteger(entry[1]) &&
      (entry[1] as number) >= 0 &&
      nonEmptyString(entry[2]) &&
      nonEmptyString(entry[3]) &&
      opaqueIdBody(contextPrefix, entry[3]) !== undefined;
    if (Array.isArray(entries) && entries.every(wellFormed)) {
      const shards = entries.map(([index, shard, node, context]) => ({ index, shard, node, context }));
      // One shard named twice could be read twice: not an id we issue.
      if (new Set(shards.map((entry) => `${entry.index}\u0000${entry.shard}`)).size === shards.length) return shards;
    }
  } catch {
    // falls through to the 400
  }
  throw errors.illegalArgument(`invalid id: [${id}]`);
}

/** The contexts of a point in time: one per node and index, with the shards each holds. */
export function contextsOf(shards: readonly PitShardContext[]): { readonly node: string; readonly index: string; readonly context: string; readonly shards: number[] }[] {
  const byContext = new Map<string, { node: string; index: string; context: string; shards: number[] }>();
  for (const entry of shards) {
    const key = `${entry.node}\u0000${entry.context}\u0000${entry.index}`;
    const found = byContext.get(key) ?? { node: entry.node, index: entry.index, context: entry.context, shards: [] };
    found.shards.push(entry.shard);
    byContext.set(key, found);
  }
  return [...byContext.values()].map((entry) => ({ ...entry, shards: entry.shards.sort((a, b) => a - b) }));
}
