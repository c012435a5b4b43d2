/**
 * Lucene's encoding of geo points (pure, as its GeoEncodingUtils): latitude and longitude each
 * become a signed 32-bit integer step of their range, and doc values keep the pair. Distances
 * and box tests then run on the decoded steps, so they agree with Elasticsearch's to the bit of
 * the stored point.
 */

import type { NumericDocValues } from './segment.js';

/** A `geo_point` field's indexable value (the mapping layer checked the range). */
export interface GeoPointValue {
  readonly lat: number;
  readonly lon: number;
}

/** A point as its (latitude step, longitude step) pair; undefined for anything else. */
export function encodeGeoPoint(value: unknown): { millis: number; nanos: number } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { lat, lon } = value as Partial<GeoPointValue>;
  if (typeof lat !== 'number' || typeof lon !== 'number' || !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) return undefined;
  // Named as the date_nanos pair the numeric column carries: (latitude step, longitude step).
  return { millis: encodeLatitude(lat), nanos: encodeLongitude(lon) };
}

// Lucene's GeoEncodingUtils: each coordinate is a 32-bit integer step of the full range.
const latitudeDecode = 180 / 2 ** 32;
const longitudeDecode = 360 / 2 ** 32;

/** The largest double below `value` (Java's Math.nextDown for positive finite values). */
function nextDown(value: number): number {
  const buffer = new Float64Array([value]);
  const bits = new BigInt64Array(buffer.buffer);
  bits[0] = bits[0]! - 1n;
  return buffer[0]!;
}

/** A latitude as its 32-bit integer step (90 itself falls into the last step). */
export function encodeLatitude(lat: number): number {
  return Math.floor((lat === 90 ? nextDown(lat) : lat) / latitudeDecode);
}

/** A longitude as its 32-bit integer step (180 itself falls into the last step). */
export function encodeLongitude(lon: number): number {
  return Math.floor((lon === 180 ? nextDown(lon) : lon) / longitudeDecode);
}

const encodedMax = 2 ** 31 - 1;

/** The smallest step whose value is at or above `lat` (the lower bound of a box query). */
export function encodeLatitudeCeil(lat: number): number {
  return Math.min(Math.ceil(lat / latitudeDecode), encodedMax);
}

/** The smallest step whose value is at or above `lon` (the lower bound of a box query). */
export function encodeLongitudeCeil(lon: number): number {
  return Math.min(Math.ceil(lon / longitudeDecode), encodedMax);
}

export function decodeLatitude(encoded: number): number {
  return encoded * latitudeDecode;
}

export function decodeLongitude(encoded: number): number {
  return encoded * longitudeDecode;
}

/**
 * The points of `doc` in a `geo_point` doc values column, decoded: the column is numeric, with
 * each point's latitude step in `values` and its longitude step in `nanos` (pairs sorted by
 * latitude, then longitude). Aggregations and sorts read geo points through this.
 */
export function docGeoPoints(values: NumericDocValues, doc: number): GeoPointValue[] {
  const points: GeoPointValue[] = [];
  const longitudes = values.nanos;
  if (longitudes === undefined) return points;
  for (let at = values.valueStart[doc]!; at < values.valueStart[doc + 1]!; at++) {
    points.push({ lat: decodeLatitude(values.values[at]!), lon: decodeLongitude(longitudes[at]!) });
  }
  return points;
}
