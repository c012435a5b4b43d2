/**
 * `cluster.max_shards_per_node` (pure), as Elasticsearch's ShardLimitValidator: creating or opening
 * indices is refused when the open shard copies (primaries and replicas, assigned or not) would
 * exceed the limit times the number of data nodes. Strait clusters have one data node.
 */
import { errors } from '../common/index.js';

export const maxShardsPerNodeDefault = 1000;

/** Shard copies an index counts for: primaries × (1 + replicas). */
export function shardCopies(settings: Readonly<Record<string, string>>): number {
  const shards = Number(settings['index.number_of_shards'] ?? '1');
  const replicas = Number(settings['index.number_of_replicas'] ?? '1');
  return shards * (1 + replicas);
}

/** Throws 400 `validation_exception` when adding `adding` copies to `open` would pass the limit. */
export function checkShardLimit(adding: number, open: number, maxShardsPerNode: number, dataNodes: number): void {
  const max = maxShardsPerNode * dataNodes;
  if (adding <= 0 || open + adding <= max) return;
  throw errors.validation([`this action would add [${adding}] shards, but this cluster currently has [${open}]/[${max}] maximum normal shards open`]);
}
