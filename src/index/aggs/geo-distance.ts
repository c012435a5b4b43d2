/**
 * The `geo_distance` aggregation (pure): range buckets of each document's distance from an
 * origin, in the request's unit, over a geo_point field's doc values (engine/geo-encoding.ts).
 * Its partial is the `range` partial (from inclusive, to exclusive), reduced and rendered as
 * `range` is; keys read `*-100.0`, `100.0-300.0`, `300.0-*` as Elasticsearch's.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-geodistance-aggregation.html
 */
import { errors } from '../../common/errors.js';
import { docGeoPoints, type NumericDocValues, type Segment } from '../engine/index.js';
import { parseGeoPoint, type GeoPoint } from '../mapping/geo-point.js';
import { distanceMeters, unitMeters, type DistanceType } from '../query/geo.js';
import type { Aggregator } from './aggregators.js';
import type { RangeSpec } from './ast.js';
import type { AggregationPartial, PartialMap } from './partials.js';

type Json = Record<string, unknown>;

export interface GeoDistanceSpec {
  readonly kind: 'geo_distance';
  readonly field: string;
  readonly origin: GeoPoint;
  /** Metres per unit of the ranges (`unit`, default `m`). */
  readonly unitMeters: number;
  readonly distanceType: DistanceType;
  readonly ranges: readonly RangeSpec[];
  readonly keyed: boolean;
}

const parameters = new Set(['field', 'origin', 'point', 'center', 'unit', 'distance_type', 'ranges', 'keyed']);

/** Parses a geo_distance aggregation body (`field` already required by the caller). */
export function parseGeoDistanceAggregation(body: Json, field: string, name: string): GeoDistanceSpec {
  for (const key of Object.keys(body)) {
    if (!parameters.has(key)) throw errors.parsing(`[geo_distance] unknown field [${key}]`);
  }
  const originValue = body['origin'] ?? body['point'] ?? body['center'];
  if (originValue === undefined) throw errors.parsing(`Missing [origin] in geo_distance aggregator [${name}]`);
  let origin: GeoPoint;
  try {
    origin = parseGeoPoint(originValue);
  } catch (error) {
    throw errors.parsing(`[geo_distance] failed to parse [origin]: ${(error as Error).message}`);
  }
  let meters = 1;
  if (body['unit'] !== undefined) {
    const found = typeof body['unit'] === 'string' ? unitMeters(body['unit']) : undefined;
    if (found === undefined) throw errors.illegalArgument(`No distance unit match [${String(body['unit'])}]`);
    meters = found;
  }
  const distanceType = body['distance_type'] === undefined ? 'arc' : String(body['distance_type']).toLowerCase();
  if (distanceType !== 'arc' && distanceType !== 'plane') throw errors.illegalArgument(`No geo distance for [${String(body['distance_type'])}]`);
  const ranges = body['ranges'];
  if (!Array.isArray(ranges) || ranges.length === 0) throw errors.illegalArgument(`No [ranges] specified for the [${name}] aggregation`);
  const bound = (value: unknown, which: string): number | undefined => {
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!Number.isFinite(number)) throw errors.parsing(`[geo_distance] failed to parse field [${which}]`);
    return number;
  };
  return {
    kind: 'geo_distance',
    field,
    origin,
    unitMeters: meters,
    distanceType,
    ranges: ranges.map((range: unknown) => {
      const spec = (range ?? {}) as Json;
      return { key: typeof spec['key'] === 'string' ? spec['key'] : undefined, from: bound(spec['from'], 'from'), to: bound(spec['to'], 'to') };
    }),
    keyed: body['keyed'] === true,
  };
}

/** Collects documents into distance range buckets; a document counts once per range its points reach. */
export class GeoDistanceAggregator implements Aggregator {
  private readonly docCounts: number[] = [];
  private values: NumericDocValues | undefined;
  private readonly bounds: readonly { readonly from: number; readonly to: number }[];
  constructor(
    readonly name: string,
    private readonly spec: GeoDistanceSpec,
    private readonly subs: readonly Aggregator[],
  ) {
    this.bounds = spec.ranges.map((range) => ({ from: typeof range.from === 'number' ? range.from : -Infinity, to: typeof range.to === 'number' ? range.to : Infinity }));
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    const values = segment.docValues.get(this.spec.field);
    this.values = values?.kind === 'numeric' && values.nanos !== undefined ? values : undefined;
    for (const sub of this.subs) sub.setSegment(segment, segmentIndex, docBase);
  }
  collect(doc: number, owner: number, score: number): void {
    if (this.values === undefined) return;
    const points = docGeoPoints(this.values, doc);
    if (points.length === 0) return;
    const distances = points.map((point) => distanceMeters(this.spec.distanceType, this.spec.origin, point) / this.spec.unitMeters);
    for (let range = 0; range < this.bounds.length; range++) {
      const bound = this.bounds[range]!;
      if (!distances.some((distance) => distance >= bound.from && distance < bound.to)) continue;
      const bucket = owner * this.bounds.length + range;
      this.docCounts[bucket] = (this.docCounts[bucket] ?? 0) + 1;
      for (const sub of this.subs) sub.collect(doc, bucket, score);
    }
  }
  collectAllDocs(maxDoc: number, score: number): void {
    for (let doc = 0; doc < maxDoc; doc++) this.collect(doc, 0, score);
  }
  finish(): void {
    for (const sub of this.subs) sub.finish();
  }
  partial(owner: number): AggregationPartial {
    return {
      type: 'range',
      buckets: this.bounds.map((bound, range) => {
        const bucket = owner * this.bounds.length + range;
        const aggs: Record<string, AggregationPartial> = {};
        for (const sub of this.subs) aggs[sub.name] = sub.partial(bucket);
        return { from: bound.from, to: bound.to, docCount: this.docCounts[bucket] ?? 0, aggs: aggs as PartialMap };
      }),
    };
  }
}
