/**
 * auto_date_histogram: a date histogram whose interval is chosen so that at most `buckets` buckets
 * come back. As Elasticsearch does, the candidate roundings are second, minute, hour, day, month
 * and year, each with "inner intervals" (1, 5, 10 or 30 seconds, ..., 1 or 7 days, ...): the
 * final reduce takes the finest rounding whose bucket count (empty buckets included) is at most
 * `buckets` × its largest inner interval, then the smallest inner interval that fits, merging that
 * many consecutive buckets from the first one.
 *
 * A shard buckets by the finest rounding allowed, then coarsens to the rounding its own data
 * needs (never coarser than the final one, since a shard's span is within the whole span); the
 * reduce re-rounds partials to the coarsest rounding among them. Sub-aggregation partials of merged
 * buckets are merged by the pure reduce.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-autodatehistogram-aggregation.html
 */
import { limits } from '../../common/limits.js';
import type { CalendarUnit } from './ast.js';
import { type DateRounding, createDateRounding } from './date-rounding.js';
import type { PartialMap } from './partials.js';

export interface RoundingInfo {
  readonly name: 'second' | 'minute' | 'hour' | 'day' | 'month' | 'year';
  /** The suffix of the rendered `interval` ("7d", "3h", "1M"). */
  readonly unit: string;
  readonly innerIntervals: readonly number[];
  /** A rough bucket width, to skip roundings whose exact count would be far too large. */
  readonly roughMs: number;
}

export const roundingInfos: readonly RoundingInfo[] = [
  { name: 'second', unit: 's', innerIntervals: [1, 5, 10, 30], roughMs: 1000 },
  { name: 'minute', unit: 'm', innerIntervals: [1, 5, 10, 30], roughMs: 60_000 },
  { name: 'hour', unit: 'h', innerIntervals: [1, 3, 12], roughMs: 3_600_000 },
  { name: 'day', unit: 'd', innerIntervals: [1, 7], roughMs: 86_400_000 },
  { name: 'month', unit: 'M', innerIntervals: [1, 3], roughMs: 30 * 86_400_000 },
  { name: 'year', unit: 'y', innerIntervals: [1, 5, 10, 20, 50, 100], roughMs: 365 * 86_400_000 },
];

/**
 * The largest `buckets` allowed from `minimumRoundingIndex` on, as Elasticsearch's
 * AutoDateHistogramAggregationBuilder computes it: search.max_buckets over the largest inner
 * interval of every rounding but the last. Without it a huge target makes the fill of empty
 * buckets walk (and hold) billions of seconds. Only years left (minimum_interval: year) leaves
 * Elasticsearch nothing to take the largest of (it fails there); the year's own intervals bound it here.
 */
export function autoBucketCeiling(minimumRoundingIndex: number): number {
  const considered = roundingInfos.length - 1 > minimumRoundingIndex ? roundingInfos.slice(minimumRoundingIndex, -1) : roundingInfos.slice(-1);
  const largestInner = Math.max(...considered.flatMap((info) => info.innerIntervals));
  return Math.floor(limits.aggregationBucketsMax / largestInner);
}

export function roundingIndexOf(name: string): number {
  return roundingInfos.findIndex((info) => info.name === name);
}

export function roundingFor(index: number, timeZone: string | undefined): DateRounding {
  const info = roundingInfos[index]!;
  if (info.name === 'second') return createDateRounding({ calendarInterval: undefined, fixedIntervalMs: 1000, timeZone, offsetMs: 0 }, NaN, NaN);
  return createDateRounding({ calendarInterval: info.name as CalendarUnit, fixedIntervalMs: undefined, timeZone, offsetMs: 0 }, NaN, NaN);
}

export interface AutoBucket {
  readonly key: number;
  readonly docCount: number;
  readonly aggs: PartialMap;
}

/** Re-rounds buckets (sorted or not) to `rounding`, merging equal keys; sub-aggregations via `merge`. */
export function reroundBuckets(buckets: readonly AutoBucket[], rounding: DateRounding, merge: (parts: readonly PartialMap[]) => PartialMap): AutoBucket[] {
  const merged = new Map<number, { docCount: number; parts: PartialMap[] }>();
  for (const bucket of buckets) {
    const key = rounding.round(bucket.key);
    let entry = merged.get(key);
    if (entry === undefined) merged.set(key, (entry = { docCount: 0, parts: [] }));
    entry.docCount += bucket.docCount;
    entry.parts.push(bucket.aggs);
  }
  return [...merged.entries()]
    .sort((left, right) => left[0] - right[0])
    .map(([key, entry]) => ({ key, docCount: entry.docCount, aggs: entry.parts.length === 1 ? entry.parts[0]! : merge(entry.parts) }));
}

/** How many buckets of `rounding` span the sorted keys (empty ones included), or Infinity beyond `limit`. */
function filledCount(keys: readonly number[], info: RoundingInfo, rounding: DateRounding, limit: number): number {
  if (keys.length === 0) return 0;
  const first = rounding.round(keys[0]!);
  const last = rounding.round(keys[keys.length - 1]!);
  if ((last - first) / info.roughMs > limit * 2) return Infinity;
  let count = 1;
  for (let key = first; key < last && count <= limit; key = rounding.next(key)) count++;
  return count > limit ? Infinity : count;
}

/**
 * The rounding index, from `fromIndex`, whose bucket count fits `target` × its largest inner
 * interval (the last rounding when none fits).
 */
export function chooseRoundingIndex(keys: readonly number[], fromIndex: number, target: number, timeZone: string | undefined): number {
  for (let index = fromIndex; index < roundingInfos.length - 1; index++) {
    const info = roundingInfos[index]!;
    const limit = target * info.innerIntervals[info.innerIntervals.length - 1]!;
    if (filledCount(keys, info, roundingFor(index, timeZone), limit) <= limit) return index;
  }
  return roundingInfos.length - 1;
}

/**
 * The final buckets: rounded to the chosen rounding, empty buckets filled in, then each run of
 * `innerInterval` consecutive buckets merged into its first.
 */
export function finalAutoBuckets(
  buckets: readonly AutoBucket[],
  fromIndex: number,
  target: number,
  timeZone: string | undefined,
  merge: (parts: readonly PartialMap[]) => PartialMap,
): { readonly buckets: AutoBucket[]; readonly roundingIndex: number; readonly innerInterval: number } {
  const keys = buckets.map((bucket) => bucket.key).sort((left, right) => left - right);
  const roundingIndex = chooseRoundingIndex(keys, fromIndex, target, timeZone);
  const rounding = roundingFor(roundingIndex, timeZone);
  const rounded = reroundBuckets(buckets, rounding, merge);
  const filled: AutoBucket[] = [];
  const byKey = new Map(rounded.map((bucket) => [bucket.key, bucket]));
  if (rounded.length > 0) {
    const last = rounded[rounded.length - 1]!.key;
    for (let key = rounded[0]!.key; key <= last; key = rounding.next(key)) filled.push(byKey.get(key) ?? { key, docCount: 0, aggs: {} });
  }
  const info = roundingInfos[roundingIndex]!;
  const innerInterval = info.innerIntervals.find((interval) => filled.length <= target * interval) ?? info.innerIntervals[info.innerIntervals.length - 1]!;
  if (innerInterval === 1) return { buckets: filled, roundingIndex, innerInterval };
  const merged: AutoBucket[] = [];
  for (let start = 0; start < filled.length; start += innerInterval) {
    const group = filled.slice(start, start + innerInterval);
    const docCount = group.reduce((sum, bucket) => sum + bucket.docCount, 0);
    const parts = group.filter((bucket) => Object.keys(bucket.aggs).length > 0).map((bucket) => bucket.aggs);
    merged.push({ key: group[0]!.key, docCount, aggs: parts.length === 0 ? {} : parts.length === 1 ? parts[0]! : merge(parts) });
  }
  return { buckets: merged, roundingIndex, innerInterval };
}
