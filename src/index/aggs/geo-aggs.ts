/**
 * Geo aggregations over geo_point doc values (engine/geo-encoding.ts: each point as Lucene's
 * latitude and longitude steps): geohash_grid and geotile_grid (buckets keyed by a geohash or a
 * `zoom/x/y` Web Mercator tile), geo_bounds and geo_centroid. Per shard they collect partials;
 * the reduce merges them by key or by sums, and the final reduce orders and cuts the grids.
 * References: search-aggregations-bucket-geohashgrid-aggregation.html,
 * search-aggregations-bucket-geotilegrid-aggregation.html, search-aggregations-metrics-geobounds-aggregation.html,
 * search-aggregations-metrics-geocentroid-aggregation.html; rest-api-spec search.aggregation/280_geohash_grid.yml,
 * 290_geotile_grid.yml, 390_geo_bounds_centroid.yml.
 */
import { errors } from '../../common/errors.js';
import { decodeLatitude, decodeLongitude } from '../engine/geo-encoding.js';
import type { Segment } from '../engine/segment.js';
import type { GeoBox } from '../mapping/geo-point.js';
import { parseBox, parseDistance } from '../query/geo.js';
import type { Aggregator } from './aggregators.js';
import type { AggregationPartial, PartialMap } from './partials.js';

export type GeoGridKind = 'geohash_grid' | 'geotile_grid';

export interface GeoGridSpec {
  readonly kind: GeoGridKind;
  readonly field: string;
  readonly precision: number;
  readonly size: number;
  readonly shardSize: number | undefined;
  /** `bounds`: only cells that intersect this box are kept. */
  readonly bounds: GeoBox | undefined;
}

export interface GeoGridBucketPartial {
  readonly key: string;
  readonly docCount: number;
  readonly aggs: PartialMap;
}

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Parsing

const geohashPrecisionMax = 12;
const geotilePrecisionMax = 29;
/** GeoGridAggregationBuilder's default `size`. */
const geoGridSizeDefault = 10_000;

function intOf(value: unknown, field: string): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number)) throw errors.parsing(`[${field}] failed to parse field [${field}]`);
  return number;
}

/** WGS84's equator and half meridian in metres, as Elasticsearch's GeoUtils names them. */
const earthEquatorMeters = 2 * Math.PI * 6_378_137.0;
const earthPolarDistanceMeters = Math.PI * 6_356_752.314245;
/** GeohashPrefixTree's deepest level, what a distance of 0 asks for. */
const geohashLevelsMax = 24;

/**
 * The geohash level whose cells (their diagonal) do not exceed `meters`, as Elasticsearch's
 * GeoUtils.geoHashLevelsForPrecision counts it: the bits of longitude needed, five to a level,
 * longitude and latitude bits alternating.
 */
export function geohashLevelForDistance(meters: number): number {
  if (meters === 0) return geohashLevelsMax;
  const ratio = 1 + earthPolarDistanceMeters / earthEquatorMeters;
  const width = Math.sqrt((meters * meters) / (ratio * ratio));
  const part = Math.ceil(earthEquatorMeters / width);
  if (part === 1) return 1;
  const bits = Math.round(Math.ceil(Math.log(part) / Math.log(2)));
  const full = Math.trunc(bits / 5);
  const left = bits - full * 5;
  return full + (left > 0 ? 1 : 0) + full + (left > 3 ? 1 : 0);
}

export function parseGeoGrid(kind: GeoGridKind, body: Json, name: string, field: string): Omit<GeoGridSpec, 'kind'> & { kind: GeoGridKind } {
  for (const key of Object.keys(body)) {
    if (!['field', 'precision', 'size', 'shard_size', 'bounds'].includes(key)) throw errors.parsing(`[${kind}] unknown field [${key}]`);
  }
  let precision: number;
  const rawPrecision = body['precision'];
  if (kind === 'geohash_grid') {
    if (typeof rawPrecision === 'string' && !/^-?\d+$/.test(rawPrecision.trim())) {
      // A distance (`1km`): the level whose cells are no larger (GeoUtils.parsePrecision).
      precision = geohashLevelForDistance(parseDistance(rawPrecision));
      if (precision > geohashPrecisionMax) throw errors.illegalArgument(`precision too high [${rawPrecision}]`);
    } else {
      precision = rawPrecision === undefined ? 5 : intOf(rawPrecision, 'precision');
      if (precision < 1 || precision > geohashPrecisionMax) throw errors.illegalArgument(`Invalid geohash aggregation precision of ${precision}. Must be between 1 and ${geohashPrecisionMax}.`);
    }
  } else {
    precision = rawPrecision === undefined ? 7 : intOf(rawPrecision, 'precision');
    if (precision < 0 || precision > geotilePrecisionMax) throw errors.illegalArgument(`Invalid geotile_grid precision of ${precision}. Must be between 0 and ${geotilePrecisionMax}.`);
  }
  const size = body['size'] === undefined ? geoGridSizeDefault : intOf(body['size'], 'size');
  if (size <= 0) throw errors.illegalArgument(`[size] must be greater than 0. Found [${size}] in [${name}]`);
  const shardSize = body['shard_size'] === undefined ? undefined : intOf(body['shard_size'], 'shard_size');
  if (shardSize !== undefined && shardSize <= 0) throw errors.illegalArgument(`[shardSize] must be greater than 0. Found [${shardSize}] in [${name}]`);
  const rawBounds = body['bounds'];
  if (rawBounds !== undefined && (rawBounds === null || typeof rawBounds !== 'object' || Array.isArray(rawBounds))) throw errors.parsing(`[${kind}] failed to parse field [bounds]`);
  const bounds = rawBounds === undefined ? undefined : parseBox(rawBounds as Json);
  return { kind, field, precision, size, shardSize, bounds };
}

export function parseGeoBounds(body: Json, field: string): { kind: 'geo_bounds'; field: string; wrapLongitude: boolean } {
  for (const key of Object.keys(body)) if (!['field', 'wrap_longitude'].includes(key)) throw errors.parsing(`[geo_bounds] unknown field [${key}]`);
  const wrap = body['wrap_longitude'];
  if (wrap !== undefined && typeof wrap !== 'boolean') throw errors.parsing('[geo_bounds] failed to parse field [wrap_longitude]');
  return { kind: 'geo_bounds', field, wrapLongitude: wrap !== false };
}

export function parseGeoCentroid(body: Json, field: string): { kind: 'geo_centroid'; field: string } {
  for (const key of Object.keys(body)) if (key !== 'field') throw errors.parsing(`[geo_centroid] unknown field [${key}]`);
  return { kind: 'geo_centroid', field };
}

// ---------------------------------------------------------------------------------------------
// Cells

const geohashAlphabet = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * The geohash of a point given as its Lucene steps: a step plus 2^31 is the point's position in
 * 2^32 equal slices of the range, so its leading bits are the geohash bisections (longitude
 * first, interleaved), as Elasticsearch's Geohash.stringEncode derives them.
 */
export function geohashOfSteps(latStep: number, lonStep: number, precision: number): string {
  const lat = latStep + 2 ** 31;
  const lon = lonStep + 2 ** 31;
  let hash = '';
  let symbol = 0;
  for (let bit = 0; bit < precision * 5; bit++) {
    const half = bit >> 1;
    const source = bit % 2 === 0 ? lon : lat;
    symbol = symbol * 2 + (Math.floor(source / 2 ** (31 - half)) % 2);
    if (bit % 5 === 4) {
      hash += geohashAlphabet[symbol];
      symbol = 0;
    }
  }
  return hash;
}

/** Elasticsearch's GeoTileUtils limit: latitudes beyond it fall in the first or last row. */
const mercatorLatitudeMax = 85.0511287798066;

export function geotileX(lon: number, tiles: number): number {
  const x = Math.floor(((lon + 180) / 360) * tiles);
  return Math.min(Math.max(x, 0), tiles - 1);
}

export function geotileY(lat: number, tiles: number): number {
  if (lat >= mercatorLatitudeMax) return 0;
  if (lat <= -mercatorLatitudeMax) return tiles - 1;
  const sin = Math.sin((lat * Math.PI) / 180);
  const y = Math.floor((0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * tiles);
  return Math.min(Math.max(y, 0), tiles - 1);
}

function geohashBox(hash: string): GeoBox {
  let latMin = -90;
  let latMax = 90;
  let lonMin = -180;
  let lonMax = 180;
  let even = true;
  for (const char of hash) {
    const symbol = geohashAlphabet.indexOf(char);
    for (let bit = 4; bit >= 0; bit--) {
      const set = ((symbol >> bit) & 1) === 1;
      if (even) [lonMin, lonMax] = set ? [(lonMin + lonMax) / 2, lonMax] : [lonMin, (lonMin + lonMax) / 2];
      else [latMin, latMax] = set ? [(latMin + latMax) / 2, latMax] : [latMin, (latMin + latMax) / 2];
      even = !even;
    }
  }
  return { top: latMax, bottom: latMin, left: lonMin, right: lonMax };
}

/**
 * Whether a geohash cell shares an interior point with the `bounds` box (cells that only touch
 * it are out), as GeoHashBoundedPredicate decides; a box whose left is east of its right crosses
 * the dateline.
 */
function cellMeetsBounds(cell: GeoBox, bounds: GeoBox): boolean {
  if (!(bounds.top > cell.bottom && bounds.bottom < cell.top)) return false;
  if (bounds.right < bounds.left) return bounds.left < cell.right || bounds.right > cell.left;
  return bounds.left < cell.right && bounds.right > cell.left;
}

const tileLatitude = (row: number, tiles: number): number => (Math.atan(Math.sinh(Math.PI * (1 - (2 * row) / tiles))) * 180) / Math.PI;
const tileLongitude = (column: number, tiles: number): number => (column / tiles) * 360 - 180;

/**
 * The tile ranges `bounds` covers at `precision` (GeoTileBoundedPredicate): columns leftX until
 * rightX and rows minY until maxY, both exclusive at the end, with tiles that only touch the
 * box's edges left out; undefined when no tile can meet it.
 */
function tileRanges(bounds: GeoBox, precision: number): { leftX: number; rightX: number; minY: number; maxY: number; crosses: boolean } | undefined {
  if (bounds.bottom > mercatorLatitudeMax || bounds.top < -mercatorLatitudeMax) return undefined;
  const tiles = 2 ** precision;
  const minX = geotileX(bounds.left, tiles);
  const minY = geotileY(bounds.top, tiles);
  const maxX = geotileX(bounds.right, tiles);
  const maxY = geotileY(bounds.bottom, tiles);
  return {
    leftX: tileLongitude(minX + 1, tiles) === bounds.left ? minX + 1 : minX,
    minY: tileLatitude(minY + 1, tiles) === bounds.top ? minY + 1 : minY,
    rightX: tileLongitude(maxX, tiles) === bounds.right ? maxX : maxX + 1,
    maxY: tileLatitude(maxY, tiles) === bounds.bottom ? maxY : maxY + 1,
    crosses: bounds.right < bounds.left,
  };
}

function tileMeetsBounds(x: number, y: number, ranges: ReturnType<typeof tileRanges>): boolean {
  if (ranges === undefined || !(ranges.maxY > y && ranges.minY < y + 1)) return false;
  return ranges.crosses ? ranges.rightX > x || ranges.leftX < x + 1 : ranges.rightX > x && ranges.leftX < x + 1;
}

/** The cell key of a point, or undefined when `bounds` leaves its cell out (`ranges`: geotile's, computed once). */
function cellKey(spec: GeoGridSpec, latStep: number, lonStep: number, ranges: ReturnType<typeof tileRanges>): string | undefined {
  if (spec.kind === 'geohash_grid') {
    const hash = geohashOfSteps(latStep, lonStep, spec.precision);
    return spec.bounds === undefined || cellMeetsBounds(geohashBox(hash), spec.bounds) ? hash : undefined;
  }
  const tiles = 2 ** spec.precision;
  const x = geotileX(decodeLongitude(lonStep), tiles);
  const y = geotileY(decodeLatitude(latStep), tiles);
  if (spec.bounds !== undefined && !tileMeetsBounds(x, y, ranges)) return undefined;
  return `${spec.precision}/${x}/${y}`;
}

/**
 * Grid bucket order: doc count descending, then the cell's long encoding descending, as
 * Elasticsearch's geo grid BucketPriorityQueue ranks ties. At one precision that encoding orders
 * geohashes as text, and tiles by x then y.
 */
export function compareGridBuckets(left: GeoGridBucketPartial, right: GeoGridBucketPartial): number {
  if (left.docCount !== right.docCount) return right.docCount - left.docCount;
  if (left.key.includes('/')) {
    const [, lx, ly] = left.key.split('/').map(Number);
    const [, rx, ry] = right.key.split('/').map(Number);
    return rx! - lx! || ry! - ly!;
  }
  return left.key < right.key ? 1 : left.key > right.key ? -1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Collecting (the Aggregator shape; geo-aggs.ts does not extend the class, to keep the module graph acyclic)

function geoColumn(segment: Segment, field: string): { valueStart: Int32Array; lats: Float64Array; lons: Int32Array } | undefined {
  const values = segment.docValues.get(field);
  if (values?.kind !== 'numeric' || values.nanos === undefined) return undefined;
  return { valueStart: values.valueStart, lats: values.values, lons: values.nanos };
}

export class GeoGridAggregator implements Aggregator {
  private column: ReturnType<typeof geoColumn>;
  private readonly ordinals = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly owners: number[] = [];
  private readonly docCounts: number[] = [];
  private readonly ranges: ReturnType<typeof tileRanges>;
  constructor(
    readonly name: string,
    private readonly spec: GeoGridSpec,
    private readonly shardCount: number,
    private readonly subs: readonly Aggregator[],
  ) {
    this.ranges = spec.kind === 'geotile_grid' && spec.bounds !== undefined ? tileRanges(spec.bounds, spec.precision) : undefined;
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    this.column = geoColumn(segment, this.spec.field);
    for (const sub of this.subs) sub.setSegment(segment, segmentIndex, docBase);
  }
  collect(doc: number, owner: number, score: number): void {
    const column = this.column;
    if (column === undefined) return;
    const start = column.valueStart[doc]!;
    const end = column.valueStart[doc + 1]!;
    // A document counts once per cell; a single-valued one (the usual case) needs no set.
    const seen = end - start > 1 ? new Set<string>() : undefined;
    for (let at = start; at < end; at++) {
      const key = cellKey(this.spec, column.lats[at]!, column.lons[at]!, this.ranges);
      if (key === undefined || seen?.has(key) === true) continue;
      seen?.add(key);
      const ordinalKey = `${owner}\u0000${key}`;
      let ordinal = this.ordinals.get(ordinalKey);
      if (ordinal === undefined) {
        ordinal = this.keys.length;
        this.ordinals.set(ordinalKey, ordinal);
        this.keys.push(key);
        this.owners.push(owner);
        this.docCounts.push(0);
      }
      this.docCounts[ordinal]!++;
      for (const sub of this.subs) sub.collect(doc, ordinal, score);
    }
  }
  collectAllDocs(maxDoc: number, score: number): void {
    for (let doc = 0; doc < maxDoc; doc++) this.collect(doc, 0, score);
  }
  finish(): void {
    for (const sub of this.subs) sub.finish();
  }
  partial(owner: number): AggregationPartial {
    const buckets: GeoGridBucketPartial[] = [];
    for (let ordinal = 0; ordinal < this.keys.length; ordinal++) {
      if (this.owners[ordinal] !== owner) continue;
      const aggs: Record<string, AggregationPartial> = {};
      for (const sub of this.subs) aggs[sub.name] = sub.partial(ordinal);
      buckets.push({ key: this.keys[ordinal]!, docCount: this.docCounts[ordinal]!, aggs });
    }
    buckets.sort(compareGridBuckets);
    // shard_size defaults to Elasticsearch's suggestShardSideQueueSize (size * 1.5 + 10), never below size.
    const shardSize = Math.max(this.spec.shardSize ?? (this.shardCount <= 1 ? this.spec.size : Math.floor(this.spec.size * 1.5 + 10)), this.spec.size);
    return { type: 'geo_grid', buckets: buckets.slice(0, shardSize) };
  }
}

export interface GeoBoundsState {
  readonly top: number;
  readonly bottom: number;
  readonly posLeft: number;
  readonly posRight: number;
  readonly negLeft: number;
  readonly negRight: number;
}

export const emptyGeoBounds: GeoBoundsState = { top: -Infinity, bottom: Infinity, posLeft: Infinity, posRight: -Infinity, negLeft: Infinity, negRight: -Infinity };

export function mergeGeoBounds(parts: readonly GeoBoundsState[]): GeoBoundsState {
  return parts.reduce(
    (acc, part) => ({
      top: Math.max(acc.top, part.top),
      bottom: Math.min(acc.bottom, part.bottom),
      posLeft: Math.min(acc.posLeft, part.posLeft),
      posRight: Math.max(acc.posRight, part.posRight),
      negLeft: Math.min(acc.negLeft, part.negLeft),
      negRight: Math.max(acc.negRight, part.negRight),
    }),
    emptyGeoBounds,
  );
}

/** geo_bounds and geo_centroid: leaf metrics that read each point of a document's geo_point values. */
abstract class GeoPointMetricAggregator implements Aggregator {
  private column: ReturnType<typeof geoColumn>;
  constructor(
    readonly name: string,
    private readonly field: string,
  ) {}
  setSegment(segment: Segment): void {
    this.column = geoColumn(segment, this.field);
  }
  protected abstract add(owner: number, lat: number, lon: number): void;
  collect(doc: number, owner: number): void {
    const column = this.column;
    if (column === undefined) return;
    for (let at = column.valueStart[doc]!; at < column.valueStart[doc + 1]!; at++) this.add(owner, decodeLatitude(column.lats[at]!), decodeLongitude(column.lons[at]!));
  }
  collectAllDocs(maxDoc: number): void {
    for (let doc = 0; doc < maxDoc; doc++) this.collect(doc, 0);
  }
  finish(): void {}
  abstract partial(owner: number): AggregationPartial;
}

/** Per owning bucket: the extremes of latitudes, and of positive and negative longitudes apart (for wrap_longitude). */
export class GeoBoundsAggregator extends GeoPointMetricAggregator {
  /** Updated in place: a point must not allocate. */
  private readonly states: { -readonly [K in keyof GeoBoundsState]: number }[] = [];
  protected add(owner: number, lat: number, lon: number): void {
    let state = this.states[owner];
    if (state === undefined) this.states[owner] = state = { ...emptyGeoBounds };
    state.top = Math.max(state.top, lat);
    state.bottom = Math.min(state.bottom, lat);
    if (lon >= 0) {
      state.posLeft = Math.min(state.posLeft, lon);
      state.posRight = Math.max(state.posRight, lon);
    } else {
      state.negLeft = Math.min(state.negLeft, lon);
      state.negRight = Math.max(state.negRight, lon);
    }
  }
  partial(owner: number): AggregationPartial {
    return { type: 'geo_bounds', ...(this.states[owner] ?? emptyGeoBounds) };
  }
}

/** Per owning bucket: the count and sums of latitudes and longitudes. */
export class GeoCentroidAggregator extends GeoPointMetricAggregator {
  private readonly counts: number[] = [];
  private readonly latSums: number[] = [];
  private readonly lonSums: number[] = [];
  protected add(owner: number, lat: number, lon: number): void {
    this.counts[owner] = (this.counts[owner] ?? 0) + 1;
    this.latSums[owner] = (this.latSums[owner] ?? 0) + lat;
    this.lonSums[owner] = (this.lonSums[owner] ?? 0) + lon;
  }
  partial(owner: number): AggregationPartial {
    return { type: 'geo_centroid', count: this.counts[owner] ?? 0, latSum: this.latSums[owner] ?? 0, lonSum: this.lonSums[owner] ?? 0 };
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** geo_bounds as InternalGeoBounds renders it: with wrap_longitude, the narrower of the box across 0 and the box across the dateline. */
export function renderGeoBounds(state: GeoBoundsState, wrapLongitude: boolean): Record<string, unknown> {
  if (!Number.isFinite(state.top)) return {};
  let left: number;
  let right: number;
  if (!Number.isFinite(state.posLeft)) [left, right] = [state.negLeft, state.negRight];
  else if (!Number.isFinite(state.negLeft)) [left, right] = [state.posLeft, state.posRight];
  else if (wrapLongitude) {
    const unwrapped = state.posRight - state.negLeft;
    const wrapped = 180 - state.posLeft - (-180 - state.negRight);
    [left, right] = unwrapped <= wrapped ? [state.negLeft, state.posRight] : [state.posLeft, state.negRight];
  } else [left, right] = [state.negLeft, state.posRight];
  return { bounds: { top_left: { lat: state.top, lon: left }, bottom_right: { lat: state.bottom, lon: right } } };
}

export function renderGeoCentroid(count: number, latSum: number, lonSum: number): Record<string, unknown> {
  if (count === 0) return { count: 0 };
  return { location: { lat: latSum / count, lon: lonSum / count }, count };
}
