/**
 * Geo points (pure): every input format Elasticsearch accepts for a `geo_point`, the range
 * checks and normalization it applies, geohash cells, and Lucene's 32-bit encoding of latitude
 * and longitude that doc values keep (so distances computed here equal Elasticsearch's, which
 * are computed from the same quantized values).
 *
 * Formats: `{"lat": 41.1, "lon": -71.3}`, `[-71.3, 41.1]` (lon first, as GeoJSON),
 * `"41.1,-71.3"`, a geohash (`"drm3btev3e86"`), WKT `"POINT (-71.3 41.1)"`, GeoJSON
 * `{"type": "Point", "coordinates": [-71.3, 41.1]}`; a third (z) value is accepted and dropped
 * unless `ignore_z_value: false`.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/geo-point.html
 */
import { errors } from '../../common/index.js';

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const geohashAlphabet = '0123456789bcdefghjkmnpqrstuvwxyz';
/** Elasticsearch's longest geohash (precision 12). */
export const geohashLengthMax = 12;

/** The cell a geohash names: its bounds in degrees. */
export interface GeoBox {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** A geohash's cell; throws illegal_argument for a symbol outside the geohash alphabet. */
export function geohashCell(geohash: string): GeoBox {
  let latMin = -90;
  let latMax = 90;
  let lonMin = -180;
  let lonMax = 180;
  let even = true; // bits alternate, longitude first
  const length = Math.min(geohash.length, geohashLengthMax);
  if (geohash.length === 0) throw errors.illegalArgument(`empty geohash`);
  for (let index = 0; index < length; index++) {
    const symbol = geohashAlphabet.indexOf(geohash[index]!);
    if (symbol < 0) throw errors.illegalArgument(`unsupported symbol [${geohash[index]}] in geohash [${geohash}]`);
    for (let bit = 4; bit >= 0; bit--) {
      const set = ((symbol >> bit) & 1) === 1;
      if (even) {
        const middle = (lonMin + lonMax) / 2;
        if (set) lonMin = middle;
        else lonMax = middle;
      } else {
        const middle = (latMin + latMax) / 2;
        if (set) latMin = middle;
        else latMax = middle;
      }
      even = !even;
    }
  }
  return { top: latMax, bottom: latMin, left: lonMin, right: lonMax };
}

/** A geohash's point: the centre of its cell, as Elasticsearch decodes `"drm3btev3e86"`. */
function geohashPoint(geohash: string): GeoPoint {
  const cell = geohashCell(geohash);
  return { lat: (cell.top + cell.bottom) / 2, lon: (cell.left + cell.right) / 2 };
}

function coordinate(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value.trim());
    if (!Number.isNaN(number)) return number;
  }
  throw errors.illegalArgument(`[${name}] must be a valid double value`);
}

function checkZ(z: unknown, ignoreZValue: boolean): void {
  coordinate(z, 'z');
  if (!ignoreZValue) {
    throw errors.illegalArgument(`Exception parsing coordinates: found Z value [${String(z)}] but [ignore_z_value] parameter is [false]`);
  }
}

/** Parses `"POINT (lon lat)"` (optional z), case-insensitive as WKT is. */
function wktPoint(text: string, ignoreZValue: boolean): GeoPoint {
  const match = /^\s*point\s*\(\s*([^\s(),]+)\s+([^\s(),]+)(?:\s+([^\s(),]+))?\s*\)\s*$/i.exec(text);
  if (match === null) throw errors.illegalArgument(`Unable to parse WKT point [${text}]: expected POINT (lon lat)`);
  if (match[3] !== undefined) checkZ(match[3], ignoreZValue);
  return { lon: coordinate(match[1], 'lon'), lat: coordinate(match[2], 'lat') };
}

/**
 * Reads a geo_point value in any format Elasticsearch accepts (not yet range-checked: see
 * `checkGeoPoint` and `normalizeGeoPoint`). Throws illegal_argument for a malformed value.
 */
export function parseGeoPoint(value: unknown, ignoreZValue = true): GeoPoint {
  if (isObject(value)) {
    if (value['type'] !== undefined || value['coordinates'] !== undefined) {
      if (typeof value['type'] !== 'string' || value['type'].toLowerCase() !== 'point') {
        throw errors.illegalArgument(`[type] for geo_point can only be 'Point'`);
      }
      const coordinates = value['coordinates'];
      if (!Array.isArray(coordinates)) throw errors.illegalArgument(`[coordinates] must be an array`);
      return parseGeoPoint(coordinates, ignoreZValue);
    }
    if (value['geohash'] !== undefined) {
      if (typeof value['geohash'] !== 'string') throw errors.illegalArgument(`[geohash] must be a string`);
      if (value['lat'] !== undefined || value['lon'] !== undefined) throw errors.illegalArgument(`field must be either lat/lon or geohash`);
      return geohashPoint(value['geohash']);
    }
    for (const key of Object.keys(value)) {
      if (key !== 'lat' && key !== 'lon' && key !== 'z') throw errors.illegalArgument(`field must be either [lat], [lon] or [geohash]`);
    }
    if (value['lat'] === undefined) throw errors.illegalArgument(`field [lat] missing`);
    if (value['lon'] === undefined) throw errors.illegalArgument(`field [lon] missing`);
    if (value['z'] !== undefined) checkZ(value['z'], ignoreZValue);
    return { lat: coordinate(value['lat'], 'lat'), lon: coordinate(value['lon'], 'lon') };
  }
  if (Array.isArray(value)) {
    if (value.length < 2) throw errors.illegalArgument(`geo_point expected [lon, lat] but found an array of ${value.length}`);
    if (value.length > 3) throw errors.illegalArgument(`[geo_point] field type does not accept > 3 dimensions`);
    if (value.some((item) => typeof item !== 'number')) throw errors.illegalArgument(`numeric value expected`);
    if (value.length === 3) checkZ(value[2], ignoreZValue);
    return { lon: value[0] as number, lat: value[1] as number };
  }
  if (typeof value === 'string') {
    if (/point/i.test(value)) return wktPoint(value, ignoreZValue);
    const parts = value.split(',');
    if (parts.length === 1) return geohashPoint(value.trim());
    if (parts.length > 3) throw errors.illegalArgument(`failed to parse [${value}], expected 2 or 3 coordinates but found: [${parts.length}]`);
    if (parts.length === 3) checkZ(parts[2]!.trim(), ignoreZValue);
    return { lat: coordinate(parts[0]!.trim(), 'lat'), lon: coordinate(parts[1]!.trim(), 'lon') };
  }
  throw errors.illegalArgument(`geo_point expected`);
}

/** Elasticsearch's range checks of an indexed point (`ignore_malformed: false`). */
export function checkGeoPoint(point: GeoPoint, field: string): void {
  if (!(point.lat >= -90 && point.lat <= 90)) throw errors.illegalArgument(`illegal latitude value [${javaDouble(point.lat)}] for ${field}`);
  if (!(point.lon >= -180 && point.lon <= 180)) throw errors.illegalArgument(`illegal longitude value [${javaDouble(point.lon)}] for ${field}`);
}

/** A double as Java prints it in these messages (`91.0`, not `91`). */
export function javaDouble(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** The remainder of dividend by divisor, in (-divisor/2, divisor/2]. */
function centeredModulus(dividend: number, divisor: number): number {
  let remainder = dividend % divisor;
  if (remainder <= 0) remainder += divisor;
  if (remainder > divisor / 2) remainder -= divisor;
  return remainder;
}

/**
 * Brings an out-of-range point back on the globe, as Elasticsearch's GeoUtils.normalizePoint:
 * latitudes past a pole come back down the other side (which moves the longitude half way
 * round), longitudes wrap into [-180, 180]. Used with `ignore_malformed` and `validation_method:
 * coerce`.
 */
export function normalizeGeoPoint(point: GeoPoint): GeoPoint {
  let { lat, lon } = point;
  if (lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) return point;
  let shift = false;
  lat = centeredModulus(lat, 360);
  if (lat < -90) {
    lat = -180 - lat;
    shift = true;
  } else if (lat > 90) {
    lat = 180 - lat;
    shift = true;
  }
  if (shift) lon += 180;
  lon = centeredModulus(lon, 360);
  return { lat, lon };
}

export { decodeLatitude, decodeLongitude, encodeLatitude, encodeLatitudeCeil, encodeLongitude, encodeLongitudeCeil } from '../engine/geo-encoding.js';
