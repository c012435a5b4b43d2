/**
 * Document routing (pure): which shard of an index holds a document, by Elasticsearch's formula
 * (IndexRouting.Unpartitioned, OperationRouting): Murmur3 x86_32 (seed 0) over the routing value's
 * UTF-16 code units as little-endian byte pairs (Murmur3HashFunction.hash(String)), then
 * `floorMod(hash, number_of_routing_shards) / routing_factor`, where the routing factor is
 * `number_of_routing_shards / number_of_shards`. The routing value is `_routing` when the request
 * gives one, otherwise the document `_id`. The same id and routing land on the same shard number as
 * in Elasticsearch, so shard-aware clients and habits (`preference=_shards:`) keep their meaning.
 *
 * `index.routing_partition_size` (partitioned routing) is not accepted by Strait's settings, so
 * the partition offset is always 0 here.
 */
import { errors } from '../common/index.js';
import { murmur3, utf16leBytes } from '../common/murmur3.js';

/** Murmur3 x86_32 with seed 0 over `text` as UTF-16LE bytes, as a signed 32-bit integer (Java's int). */
export function murmur3Utf16(text: string): number {
  return murmur3(utf16leBytes(text), 0);
}

/** Java's Math.floorMod for a positive divisor. */
function floorMod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

/**
 * Elasticsearch's default `index.number_of_routing_shards` for indices created on 7.0 and later
 * (MetadataCreateIndexService.calculateNumRoutingShards): the largest `shards * 2^x` that stays
 * at or below 1024, with at least one split (x >= 1).
 */
export function defaultRoutingShards(shards: number): number {
  const log2Max = 10;
  const log2Shards = shards <= 1 ? 0 : Math.ceil(Math.log2(shards));
  const splits = Math.max(1, log2Max - log2Shards);
  return shards * 2 ** splits;
}

/**
 * Validates `index.number_of_routing_shards` against `index.number_of_shards` (IndexMetadata's
 * setting validator and getRoutingFactor); throws Elasticsearch's 400.
 */
export function validateRoutingShards(shards: number, routingShards: number): void {
  if (routingShards < shards) {
    throw errors.illegalArgument(`index.number_of_routing_shards [${routingShards}] must be >= index.number_of_shards [${shards}]`);
  }
  if (routingShards > shards) {
    const factor = Math.floor(routingShards / shards);
    if (factor * shards !== routingShards || factor <= 1) throw errors.illegalArgument(`the number of source shards [${shards}] must be a factor of [${routingShards}]`);
  }
}

/** The routing layout of one index: its shard count and routing shard count. */
export interface RoutingLayout {
  readonly shards: number;
  readonly routingShards: number;
}

/** The layout from flat index settings (the routing shards given at creation, or the default). */
export function routingLayoutOf(settings: Readonly<Record<string, string>>): RoutingLayout {
  const shards = Math.max(1, Number(settings['index.number_of_shards'] ?? '1'));
  const given = settings['index.number_of_routing_shards'];
  return { shards, routingShards: given === undefined ? defaultRoutingShards(shards) : Number(given) };
}

/** The shard number of a routing value (the `_routing`, or the `_id` without one). */
export function shardNumber(layout: RoutingLayout, routingValue: string): number {
  if (layout.shards === 1) return 0;
  const factor = layout.routingShards / layout.shards;
  return Math.floor(floorMod(murmur3Utf16(routingValue), layout.routingShards) / factor);
}

/**
 * The shards a search `routing` parameter selects (comma-separated values, each routed as a
 * document would be), sorted; undefined when there is no routing (every shard).
 */
export function searchRoutingShards(layout: RoutingLayout, routing: readonly string[] | undefined): number[] | undefined {
  if (routing === undefined) return undefined;
  return [...new Set(routing.map((value) => shardNumber(layout, value)))].sort((a, b) => a - b);
}
