/**
 * Pure helpers of the searches a multi-node cluster carries across nodes (issue #14; the wiring is
 * src/node/wire-search.ts): `_msearch`'s default concurrency (common/workers.ts `runLimited` runs
 * the items), and which started copy of a document's shard answers a single-shard read such as
 * `_explain`.
 */
import { errors } from '../common/errors.js';
import { parseShardSelection } from './shard-selection.js';

/**
 * `_msearch`'s default `max_concurrent_searches`: "a function of the number of data nodes and the
 * default search thread pool size" (search-multi-search.html), which Elasticsearch computes as
 * data nodes × (processors × 3 / 2 + 1), at least 1.
 */
export function defaultMaxConcurrentSearches(dataNodes: number, processors: number): number {
  return Math.max(1, dataNodes * (Math.floor((processors * 3) / 2) + 1));
}

/** Java's String.hashCode: a custom preference string picks the same copy every time. */
function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The node whose copy of one shard answers a single-shard read, among the started copies `nodes`
 * (primary first), as Elasticsearch's OperationRouting picks it for a `preference`: none, round
 * robin by `cursor`; `_local` this node's copy when it holds one; `_only_local` this node's copy
 * or none; `_prefer_nodes:a,b` the first listed node holding a copy; `_only_nodes:a,b` one of
 * those; a custom string (not starting with `_`) always the same copy. Undefined: no copy fits.
 * Unknown `_` preferences are refused as Elasticsearch refuses them ("no Preference for [..]").
 */
export function pickCopy(nodes: readonly string[], localNodeId: string, preference: string | undefined, cursor: number): string | undefined {
  if (nodes.length === 0) return undefined;
  const roundRobin = nodes[cursor % nodes.length]!;
  if (preference === undefined || preference === '') return roundRobin;
  if (!preference.startsWith('_')) return nodes[Math.abs(javaStringHash(preference)) % nodes.length]!;
  parseShardSelection(undefined, preference); // throws for an unknown preference type
  const colon = preference.indexOf(':');
  const type = colon < 0 ? preference : preference.slice(0, colon);
  const listed = colon < 0 ? [] : preference.slice(colon + 1).split(',').map((value) => value.trim());
  switch (type) {
    case '_local':
      return nodes.includes(localNodeId) ? localNodeId : roundRobin;
    case '_only_local':
      return nodes.includes(localNodeId) ? localNodeId : undefined;
    case '_prefer_nodes':
      return listed.find((node) => nodes.includes(node)) ?? roundRobin;
    case '_only_nodes': {
      const allowed = nodes.filter((node) => listed.some((spec) => spec === node || spec === '*' || spec === '_all' || (spec === '_local' && node === localNodeId)));
      return allowed.length === 0 ? undefined : allowed[cursor % allowed.length];
    }
    default:
      // `_shards:` names shards, not copies: a single-shard read has its shard already.
      throw errors.illegalArgument(`[preference] [${preference}] is not supported by Strait for a read of one shard in a multi-node cluster`);
  }
}
