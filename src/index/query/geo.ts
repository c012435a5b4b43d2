/**
 * Geo queries and the geo distance sort (pure, style P7): `geo_distance` and `geo_bounding_box`
 * on `geo_point` fields, and `_geo_distance` in `sort`. Points are read from doc values (Lucene's
 * 32-bit steps, decoded), so distances are those Elasticsearch computes from the same stored
 * values.
 *
 * Distances: `arc` is the haversine on the mean earth radius (6371008.7714 m), computed as
 * Lucene's SloppyMath.haversinMeters arranges it (with exact trigonometry, whose results differ
 * from Lucene's tables by far less than a millimetre); `plane` is Elasticsearch's
 * GeoUtils.planeDistance (an equirectangular projection at the mean latitude).
 *
 * References: query-dsl-geo-distance-query.html, query-dsl-geo-bounding-box-query.html,
 * sort-search-results.html#geo-sorting, api-conventions.html#distance-units;
 * rest-api-spec search/400_geo_bounding_box_query.yml.
 */
import { errors } from '../../common/errors.js';
import { docGeoPoints, isLive, type FieldMappings, type Segment } from '../engine/index.js';
import {
  checkGeoPoint,
  encodeLatitude,
  encodeLatitudeCeil,
  encodeLongitude,
  encodeLongitudeCeil,
  geohashCell,
  normalizeGeoPoint,
  parseGeoPoint,
  type GeoBox,
  type GeoPoint,
} from '../mapping/geo-point.js';
import { bitSetFromDocs, MatchNoneWeight, type PlanContext, type Weight } from './plan.js';
import type { SortOrder } from './sort.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Earth's mean radius in metres, as Elasticsearch's GeoUtils.EARTH_MEAN_RADIUS and Lucene's SloppyMath. */
export const earthMeanRadiusMeters = 6_371_008.7714;

export type DistanceType = 'arc' | 'plane';
export type ValidationMethod = 'strict' | 'ignore_malformed' | 'coerce';

/** Elasticsearch's DistanceUnit: each unit's names and its length in metres. */
const distanceUnits: readonly (readonly [number, readonly string[]])[] = [
  [0.0254, ['in', 'inch']],
  [0.9144, ['yd', 'yards']],
  [0.3048, ['ft', 'feet']],
  [1000, ['km', 'kilometers']],
  [1852, ['NM', 'nmi', 'nauticalmiles']],
  [0.001, ['mm', 'millimeters']],
  [0.01, ['cm', 'centimeters']],
  [1609.344, ['mi', 'miles']],
  [1, ['m', 'meters']],
];

/** The length in metres of a unit name; undefined for a name Elasticsearch does not know. */
export function unitMeters(name: string): number | undefined {
  for (const [meters, names] of distanceUnits) if (names.includes(name)) return meters;
  return undefined;
}

/** A distance (`12km`, `200`, `1.5mi`) in metres; a bare number is in `defaultUnitMeters`. */
export function parseDistance(value: unknown, defaultUnitMeters = 1): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value * defaultUnitMeters;
  if (typeof value !== 'string') throw errors.parsing(`[geo_distance] failed to parse field [distance]`);
  const text = value.trim();
  // Longest unit name first, so that `nmi` is not read as `mi`.
  const names = distanceUnits.flatMap(([meters, unitNames]) => unitNames.map((name) => [name, meters] as const)).sort((a, b) => b[0].length - a[0].length);
  for (const [name, meters] of names) {
    if (!text.endsWith(name)) continue;
    const number = Number(text.slice(0, text.length - name.length).trim());
    if (text.length > name.length && Number.isFinite(number)) return number * meters;
  }
  const number = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(number)) throw errors.numberFormat(`For input string: "${text}"`);
  return number * defaultUnitMeters;
}

function toRadians(degrees: number): number {
  return (degrees * Math.PI) / 180;
}

/** The haversine "sort key" of two points: monotone in their distance (the last 3 bits cleared, as Lucene does to avoid rounding ties). */
function haversineKey(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const phi1 = toRadians(lat1);
  const phi2 = toRadians(lat2);
  const latitudeTerm = 1 - Math.cos(phi1 - phi2);
  const longitudeTerm = 1 - Math.cos(toRadians(lon1 - lon2));
  const key = latitudeTerm + Math.cos(phi1) * Math.cos(phi2) * longitudeTerm;
  const buffer = new Float64Array([key]);
  const bits = new BigUint64Array(buffer.buffer);
  bits[0] = bits[0]! & ~7n;
  return buffer[0]!;
}

/** The arc (great-circle) distance in metres between two points. */
export function arcDistanceMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const key = haversineKey(lat1, lon1, lat2, lon2);
  return earthMeanRadiusMeters * 2 * Math.asin(Math.min(1, Math.sqrt(key * 0.5)));
}

/** Elasticsearch's plane distance in metres: flat earth at the points' mean latitude. */
export function planeDistanceMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const x = toRadians(lon2 - lon1) * Math.cos(toRadians((lat2 + lat1) / 2));
  const y = toRadians(lat2 - lat1);
  return Math.sqrt(x * x + y * y) * earthMeanRadiusMeters;
}

export function distanceMeters(type: DistanceType, from: GeoPoint, to: GeoPoint): number {
  return type === 'plane' ? planeDistanceMeters(from.lat, from.lon, to.lat, to.lon) : arcDistanceMeters(from.lat, from.lon, to.lat, to.lon);
}

function parseDistanceType(value: unknown, context: string): DistanceType {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (text === 'arc' || text === 'plane') return text;
  throw errors.illegalArgument(`No geo distance for [${String(value)}]${context === '' ? '' : ` in [${context}]`}`);
}

function parseValidationMethod(value: unknown): ValidationMethod {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (text === 'strict' || text === 'ignore_malformed' || text === 'coerce') return text;
  throw errors.illegalArgument(`No enum constant org.elasticsearch.index.query.GeoValidationMethod.${String(value).toUpperCase()}`);
}

function booleanOf(value: unknown, query: string, name: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw errors.parsing(`[${query}] failed to parse field [${name}]`);
}

function numberOf(value: unknown, query: string, name: string): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) throw errors.parsing(`[${query}] failed to parse field [${name}]`);
  return number;
}

/** A point of a query or sort, its parse errors reported as the query's. */
function queryPoint(value: unknown, query: string): GeoPoint {
  try {
    return parseGeoPoint(value, true);
  } catch (error) {
    throw errors.parsing(`[${query}] failed to parse point: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Query AST

export type GeoQueryNode =
  | {
      readonly kind: 'geo_distance';
      readonly field: string;
      readonly point: GeoPoint;
      readonly distanceMeters: number;
      readonly distanceType: DistanceType;
      readonly validationMethod: ValidationMethod;
      readonly ignoreUnmapped: boolean;
      readonly boost: number;
    }
  | {
      readonly kind: 'geo_bounding_box';
      readonly field: string;
      readonly box: GeoBox;
      readonly validationMethod: ValidationMethod;
      readonly ignoreUnmapped: boolean;
      readonly boost: number;
    };

/** The parser of a geo query kind, or undefined for other kinds. */
export function geoQueryParser(kind: string): ((body: Json) => GeoQueryNode) | undefined {
  if (kind === 'geo_distance') return parseGeoDistance;
  if (kind === 'geo_bounding_box') return parseGeoBoundingBox;
  return undefined;
}

function parseGeoDistance(body: Json): GeoQueryNode {
  let field: string | undefined;
  let point: GeoPoint | undefined;
  let lat: number | undefined;
  let lon: number | undefined;
  let distance: unknown;
  let unit = 1;
  let distanceType: DistanceType = 'arc';
  let validationMethod: ValidationMethod = 'strict';
  let ignoreUnmapped = false;
  let boost = 1;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'distance') distance = value;
    else if (key === 'unit') {
      const meters = typeof value === 'string' ? unitMeters(value) : undefined;
      if (meters === undefined) throw errors.illegalArgument(`No distance unit match [${String(value)}]`);
      unit = meters;
    } else if (key === 'distance_type') distanceType = parseDistanceType(value, 'geo_distance');
    else if (key === 'validation_method') validationMethod = parseValidationMethod(value);
    else if (key === 'ignore_unmapped') ignoreUnmapped = booleanOf(value, 'geo_distance', key);
    else if (key === 'boost') boost = numberOf(value, 'geo_distance', key);
    else if (key === '_name') continue;
    else if (key.endsWith('.lat') && (typeof value === 'number' || typeof value === 'string')) {
      field = key.slice(0, -'.lat'.length);
      lat = numberOf(value, 'geo_distance', key);
    } else if (key.endsWith('.lon') && (typeof value === 'number' || typeof value === 'string')) {
      field = key.slice(0, -'.lon'.length);
      lon = numberOf(value, 'geo_distance', key);
    } else if (field !== undefined) {
      if (isObject(value)) throw errors.parsing(`[geo_distance] query doesn't support multiple fields, found [${field}] and [${key}]`);
      throw errors.parsing(`failed to parse [geo_distance] query. unexpected field [${key}]`);
    } else {
      field = key;
      point = queryPoint(value, 'geo_distance');
    }
  }
  if (point === undefined && (lat !== undefined || lon !== undefined)) point = { lat: lat ?? Number.NaN, lon: lon ?? Number.NaN };
  if (distance === undefined) throw errors.parsing(`geo_distance requires 'distance' to be specified`);
  if (field === undefined || point === undefined) throw errors.illegalArgument('fieldName must not be null or empty');
  const meters = parseDistance(distance, unit);
  if (!(meters > 0)) throw errors.illegalArgument(`distance must be greater than zero`);
  return { kind: 'geo_distance', field, point, distanceMeters: meters, distanceType, validationMethod, ignoreUnmapped, boost };
}

/** A geotile key `zoom/x/y` as its tile's bounds (Web Mercator, as Elasticsearch's GeoTileUtils). */
function geotileBox(key: string): GeoBox {
  const parts = key.split('/');
  const [zoom, x, y] = parts.map((part) => (/^\d+$/.test(part) ? Number(part) : Number.NaN));
  if (parts.length !== 3 || !Number.isInteger(zoom) || !Number.isInteger(x) || !Number.isInteger(y) || zoom! > 29) {
    throw errors.illegalArgument(`Invalid geotile_grid hash string of ${key}. Must be three integers in a form \"zoom/x/y\".`);
  }
  const tiles = 2 ** zoom!;
  if (x! >= tiles || y! >= tiles) throw errors.illegalArgument(`Zoom/X/Y combination is not valid: ${key}`);
  const latitudeOf = (row: number): number => (Math.atan(Math.sinh(Math.PI * (1 - (2 * row) / tiles))) * 180) / Math.PI;
  return { top: latitudeOf(y!), bottom: latitudeOf(y! + 1), left: (x! / tiles) * 360 - 180, right: ((x! + 1) / tiles) * 360 - 180 };
}

/** `BBOX (minLon, maxLon, maxLat, minLat)`, the WKT envelope Elasticsearch reads. */
function wktBox(text: unknown): GeoBox {
  const match = typeof text === 'string' ? /^\s*bbox\s*\(\s*([^,\s]+)\s*,\s*([^,\s]+)\s*,\s*([^,\s]+)\s*,\s*([^,\s]+)\s*\)\s*$/i.exec(text) : null;
  if (match === null) throw errors.parsing(`[geo_bounding_box] failed to parse bounding box. [wkt] must be a BBOX (minLon, maxLon, maxLat, minLat) envelope`);
  const [left, right, top, bottom] = match.slice(1, 5).map((part) => numberOf(part, 'geo_bounding_box', 'wkt'));
  return { top: top!, bottom: bottom!, left: left!, right: right! };
}

/**
 * A geo_bounding_box body's box (also the `bounds` of the geo grid aggregations); its errors are
 * reported as Elasticsearch wraps them for the query (parse_exception).
 */
export function parseBox(spec: Json): GeoBox {
  try {
    return parseBoxCorners(spec);
  } catch (error) {
    throw errors.parse(`failed to parse [geo_bounding_box] query. [${(error as Error).message}]`);
  }
}

function parseBoxCorners(spec: Json): GeoBox {
  let top = Number.NaN;
  let bottom = Number.NaN;
  let left = Number.NaN;
  let right = Number.NaN;
  let envelope: GeoBox | undefined;
  const cornerOf = (value: unknown, corner: 'top_left' | 'bottom_right' | 'top_right' | 'bottom_left'): GeoPoint => {
    // A geohash corner stands for its cell's corner (the cell's top left for top_left, ...).
    if (typeof value === 'string' && !value.includes(',') && !/point/i.test(value)) {
      const cell = geohashCellOf(value);
      return { lat: corner.startsWith('top') ? cell.top : cell.bottom, lon: corner.endsWith('left') ? cell.left : cell.right };
    }
    return queryPoint(value, 'geo_bounding_box');
  };
  for (const [key, value] of Object.entries(spec)) {
    switch (key) {
      case 'top_left': {
        const point = cornerOf(value, key);
        [top, left] = [point.lat, point.lon];
        break;
      }
      case 'bottom_right': {
        const point = cornerOf(value, key);
        [bottom, right] = [point.lat, point.lon];
        break;
      }
      case 'top_right': {
        const point = cornerOf(value, key);
        [top, right] = [point.lat, point.lon];
        break;
      }
      case 'bottom_left': {
        const point = cornerOf(value, key);
        [bottom, left] = [point.lat, point.lon];
        break;
      }
      case 'top':
        top = numberOf(value, 'geo_bounding_box', key);
        break;
      case 'bottom':
        bottom = numberOf(value, 'geo_bounding_box', key);
        break;
      case 'left':
        left = numberOf(value, 'geo_bounding_box', key);
        break;
      case 'right':
        right = numberOf(value, 'geo_bounding_box', key);
        break;
      case 'wkt':
        envelope = wktBox(value);
        break;
      case 'geohash':
        if (typeof value !== 'string') throw errors.parsing(`[geo_bounding_box] failed to parse field [geohash]`);
        envelope = geohashCellOf(value);
        break;
      case 'geotile':
        if (typeof value !== 'string') throw errors.parsing(`[geo_bounding_box] failed to parse field [geotile]`);
        envelope = geotileBox(value);
        break;
      default:
        throw errors.parse(`failed to parse bounding box. unexpected field [${key}]`);
    }
  }
  if (envelope !== undefined) {
    if (![top, bottom, left, right].every(Number.isNaN)) {
      throw errors.parse(`failed to parse bounding box. Conflicting definition found using well-known text and explicit corners.`);
    }
    return envelope;
  }
  // Missing corners stay NaN: the corner checks name them.
  return { top, bottom, left, right };
}

function geohashCellOf(geohash: string): GeoBox {
  return geohashCell(geohash);
}

/**
 * Elasticsearch's checks when the corners are set (at parse, whatever the validation method):
 * numbers, and top above bottom, left apart from right.
 */
function checkCorners(box: GeoBox): void {
  const { top, bottom, left, right } = box;
  if (!Number.isFinite(top)) throw errors.illegalArgument(`top latitude is invalid: ${javaNumber(top)}`);
  if (!Number.isFinite(left)) throw errors.illegalArgument(`left longitude is invalid: ${javaNumber(left)}`);
  if (!Number.isFinite(bottom)) throw errors.illegalArgument(`bottom latitude is invalid: ${javaNumber(bottom)}`);
  if (!Number.isFinite(right)) throw errors.illegalArgument(`right longitude is invalid: ${javaNumber(right)}`);
  if (top < bottom) throw errors.illegalArgument(`top is below bottom corner: ${javaNumber(top)} vs. ${javaNumber(bottom)}`);
  if (top === bottom) throw errors.illegalArgument(`top cannot be the same as bottom: ${javaNumber(top)} == ${javaNumber(bottom)}`);
  if (left === right) throw errors.illegalArgument(`left cannot be the same as right: ${javaNumber(left)} == ${javaNumber(right)}`);
}

function parseGeoBoundingBox(body: Json): GeoQueryNode {
  let field: string | undefined;
  let box: GeoBox | undefined;
  let validationMethod: ValidationMethod = 'strict';
  let ignoreUnmapped = false;
  let boost = 1;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'validation_method') validationMethod = parseValidationMethod(value);
    else if (key === 'ignore_unmapped') ignoreUnmapped = booleanOf(value, 'geo_bounding_box', key);
    else if (key === 'boost') boost = numberOf(value, 'geo_bounding_box', key);
    else if (key === '_name') continue;
    else if (isObject(value)) {
      field = key;
      box = parseBox(value);
    } else throw errors.parsing(`failed to parse [geo_bounding_box] query. unexpected field [${key}]`);
  }
  if (field === undefined || box === undefined) throw errors.parse('failed to parse [geo_bounding_box] query. bounding box not provided');
  checkCorners(box);
  return { kind: 'geo_bounding_box', field, box, validationMethod, ignoreUnmapped, boost };
}

// ---------------------------------------------------------------------------------------------
// Planning

/** The geo_point field a geo query or sort reads; undefined (match nothing) for an unmapped field with ignore_unmapped. */
function geoField(field: string, mappings: FieldMappings, indexName: string, ignoreUnmapped: boolean, query: string): string | undefined {
  const mapping = mappings[field];
  if (mapping === undefined) {
    if (ignoreUnmapped) return undefined;
    throw errors.queryShard(`failed to find geo field [${field}]`, indexName);
  }
  const target = mapping.aliasOf ?? field;
  const type = mapping.mappedType ?? mapping.type;
  if (mapping.type !== 'geo_point') throw errors.queryShard(`Field [${field}] is of unsupported type [${type}] for [${query}] query`, indexName);
  return target;
}

function javaNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** Docs of `segment` having a point that `accept` takes (latitude and longitude steps, and the decoded point). */
function pointDocs(segment: Segment, field: string, accept: (point: GeoPoint, latStep: number, lonStep: number) => boolean): Int32Array {
  const values = segment.docValues.get(field);
  const docs: number[] = [];
  if (values === undefined || values.kind !== 'numeric' || values.nanos === undefined) return Int32Array.from(docs);
  for (let doc = 0; doc < segment.maxDoc; doc++) {
    if (!isLive(segment, doc)) continue;
    const from = values.valueStart[doc]!;
    const to = values.valueStart[doc + 1]!;
    if (from === to) continue;
    const points = docGeoPoints(values, doc);
    for (let index = 0; index < points.length; index++) {
      if (accept(points[index]!, values.values[from + index]!, values.nanos[from + index]!)) {
        docs.push(doc);
        break;
      }
    }
  }
  return Int32Array.from(docs);
}

export function planGeoQuery(node: GeoQueryNode, context: PlanContext, boost: number, scoring: boolean): Weight {
  const field = geoField(node.field, context.mappings, context.indexName, node.ignoreUnmapped, node.kind);
  if (field === undefined) return new MatchNoneWeight(`unmapped geo field [${node.field}]`);
  const score = scoring ? Math.fround(boost * node.boost) : 0;
  if (node.kind === 'geo_distance') {
    let center = node.point;
    if (node.validationMethod === 'strict') {
      const problems: string[] = [];
      if (!(center.lat >= -90 && center.lat <= 90)) problems.push(`center point latitude is invalid: ${javaNumber(center.lat)}`);
      if (!(center.lon >= -180 && center.lon <= 180)) problems.push(`center point longitude is invalid: ${javaNumber(center.lon)}`);
      if (problems.length > 0) throw errors.queryShard(`couldn't validate latitude/ longitude values`, context.indexName, errors.validation(problems));
    } else if (node.validationMethod === 'coerce') center = normalizeGeoPoint(center);
    const radius = node.distanceMeters;
    // Elasticsearch's query is a circle on the sphere (arc distance) whatever `distance_type` says:
    // the parameter is accepted and has no effect on which documents match.
    const description = `geo_distance ${field} (${center.lat},${center.lon}) ${radius}m`;
    return docSetWeight(description, score, (segment) => pointDocs(segment, field, (point) => distanceMeters('arc', center, point) <= radius));
  }
  let { top, bottom, left, right } = node.box;
  if (node.validationMethod === 'strict') {
    const problems: string[] = [];
    if (!(top >= -90 && top <= 90)) problems.push(`top latitude is invalid: ${javaNumber(top)}`);
    if (!(left >= -180 && left <= 180)) problems.push(`left longitude is invalid: ${javaNumber(left)}`);
    if (!(bottom >= -90 && bottom <= 90)) problems.push(`bottom latitude is invalid: ${javaNumber(bottom)}`);
    if (!(right >= -180 && right <= 180)) problems.push(`right longitude is invalid: ${javaNumber(right)}`);
    if (problems.length > 0) throw errors.queryShard(`couldn't validate latitude/ longitude values`, context.indexName, errors.validation(problems));
  } else if (node.validationMethod === 'coerce') {
    // A right exactly k×360 east of the left asks for every longitude (normalizing would collapse it).
    const completeLongitudes = (right - left) % 360 === 0 && right > left;
    const topLeft = normalizeGeoPoint({ lat: top, lon: completeLongitudes ? 0 : left });
    const bottomRight = normalizeGeoPoint({ lat: bottom, lon: completeLongitudes ? 0 : right });
    [top, left, bottom, right] = [topLeft.lat, completeLongitudes ? -180 : topLeft.lon, bottomRight.lat, completeLongitudes ? 180 : bottomRight.lon];
  }
  // As Lucene's box query: bounds on the encoded steps (ceil for the low ends), a box whose
  // left is east of its right crosses the dateline.
  const latMin = encodeLatitudeCeil(bottom);
  const latMax = encodeLatitude(Math.min(top, 90));
  const lonMin = encodeLongitudeCeil(left);
  const lonMax = encodeLongitude(Math.min(right, 180));
  const crosses = left > right;
  const description = `geo_bounding_box ${field} [${top}, ${left}, ${bottom}, ${right}]`;
  return docSetWeight(description, score, (segment) =>
    pointDocs(segment, field, (_point, latStep, lonStep) => {
      if (latStep < latMin || latStep > latMax) return false;
      return crosses ? lonStep >= lonMin || lonStep <= lonMax : lonStep >= lonMin && lonStep <= lonMax;
    }),
  );
}

function docSetWeight(description: string, score: number, docs: (segment: Segment) => Int32Array): Weight {
  return {
    children: [],
    describe: () => `${description} score=${score}`,
    scorer: (segment) => {
      const matched = docs(segment);
      return bitSetFromDocs(segment.maxDoc, matched, 0, matched.length, score);
    },
  };
}

/** The error for a query other than exists and the geo queries on a geo_point field. */
export function geoPointFieldQueryError(field: string, indexName: string): Error {
  return errors.queryShard(`failed to create query: Geometry fields do not support exact searching, use dedicated geometry queries instead: [${field}]`, indexName);
}

// ---------------------------------------------------------------------------------------------
// The _geo_distance sort

export type GeoSortMode = 'min' | 'max' | 'avg' | 'median';

export interface GeoDistanceSortSpec {
  readonly kind: 'geo_distance';
  readonly field: string;
  readonly points: readonly GeoPoint[];
  readonly order: SortOrder;
  /** Metres per unit of the sort values (`unit`, default `m`). */
  readonly unitMeters: number;
  readonly mode: GeoSortMode | undefined;
  readonly distanceType: DistanceType;
  readonly validationMethod: ValidationMethod;
  readonly ignoreUnmapped: boolean;
}

const geoSortOptions = ['order', 'unit', 'mode', 'distance_type', 'validation_method', 'ignore_unmapped'];

/** Parses `{"_geo_distance": {...}}`'s body. */
export function parseGeoDistanceSort(options: Json): GeoDistanceSortSpec {
  let field: string | undefined;
  let points: GeoPoint[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (geoSortOptions.includes(key)) continue;
    if (key === 'nested' || key === 'nested_path' || key === 'nested_filter') throw errors.illegalArgument(`[_geo_distance] sort on nested fields is not supported by Strait`);
    if (field !== undefined) throw errors.parsing(`[_geo_distance] sort doesn't support multiple fields, found [${field}] and [${key}]`);
    field = key;
    // One point (any format, `[lon, lat]` included) or an array of points.
    const many = Array.isArray(value) && value.length > 0 && !value.every((item) => typeof item === 'number');
    points = (many ? (value as unknown[]) : [value]).map((item) => queryPoint(item, '_geo_distance'));
  }
  if (field === undefined || points.length === 0) throw errors.illegalArgument(`No points provided for _geo_distance sort.`);
  const order = options['order'] === undefined ? 'asc' : String(options['order']).toLowerCase();
  if (order !== 'asc' && order !== 'desc') throw errors.illegalArgument(`Unknown SortOrder [${String(options['order'])}]`);
  let unitMeters: number | undefined = 1;
  if (options['unit'] !== undefined) {
    unitMeters = typeof options['unit'] === 'string' ? unitMetersOf(options['unit']) : undefined;
    if (unitMeters === undefined) throw errors.illegalArgument(`No distance unit match [${String(options['unit'])}]`);
  }
  const mode = options['mode'] === undefined ? undefined : String(options['mode']).toLowerCase();
  if (mode === 'sum') throw errors.illegalArgument(`sort_mode [sum] isn't supported for sorting by geo distance`);
  if (mode !== undefined && mode !== 'min' && mode !== 'max' && mode !== 'avg' && mode !== 'median') throw errors.illegalArgument(`Unknown MultiValueMode [${mode}]`);
  return {
    kind: 'geo_distance',
    field,
    points,
    order,
    unitMeters,
    mode,
    distanceType: options['distance_type'] === undefined ? 'arc' : parseDistanceType(options['distance_type'], ''),
    validationMethod: options['validation_method'] === undefined ? 'strict' : parseValidationMethod(options['validation_method']),
    ignoreUnmapped: options['ignore_unmapped'] === undefined ? false : booleanOf(options['ignore_unmapped'], '_geo_distance', 'ignore_unmapped'),
  };
}

function unitMetersOf(name: string): number | undefined {
  return unitMeters(name);
}

/** Checks a geo distance sort against mappings (and its points, unless validation is relaxed). */
export function checkGeoDistanceSort(spec: GeoDistanceSortSpec, mappings: FieldMappings, indexName: string): void {
  const mapping = mappings[spec.field];
  if (mapping === undefined) {
    if (spec.ignoreUnmapped) return;
    throw errors.illegalArgument(`failed to find mapper for [${spec.field}] for geo distance based sort`);
  }
  if (mapping.type !== 'geo_point') throw errors.illegalArgument(`field [${spec.field}] is not a geo_point field`);
  if (spec.validationMethod === 'strict') {
    for (const point of spec.points) {
      try {
        checkGeoPoint(point, '_geo_distance');
      } catch (error) {
        throw errors.illegalArgument((error as Error).message.replace(/ for _geo_distance$/, ' for [_geo_distance]'), );
      }
    }
  }
  void indexName;
}

/**
 * A document's sort value: its distance (in the spec's unit) from the sort points, over every
 * (point, value) pair, chosen by mode (min for asc, max for desc by default); +Infinity for a
 * document without a value, as Elasticsearch sorts those.
 */
export function geoDistanceSortValue(segment: Segment, spec: GeoDistanceSortSpec, field: string, doc: number): number {
  const values = segment.docValues.get(field);
  if (values === undefined || values.kind !== 'numeric' || values.nanos === undefined) return Number.POSITIVE_INFINITY;
  const stored = docGeoPoints(values, doc);
  if (stored.length === 0) return Number.POSITIVE_INFINITY;
  const origins = spec.validationMethod === 'strict' ? spec.points : spec.points.map(normalizeGeoPoint);
  const distances: number[] = [];
  for (const origin of origins) for (const point of stored) distances.push(distanceMeters(spec.distanceType, origin, point) / spec.unitMeters);
  const mode = spec.mode ?? (spec.order === 'desc' ? 'max' : 'min');
  switch (mode) {
    case 'min':
      return Math.min(...distances);
    case 'max':
      return Math.max(...distances);
    case 'avg':
      return distances.reduce((sum, distance) => sum + distance, 0) / distances.length;
    case 'median': {
      const sorted = distances.sort((a, b) => a - b);
      const middle = sorted.length >> 1;
      return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    }
  }
}

/** The field the sort reads (an alias resolved to its target). */
export function geoSortField(spec: GeoDistanceSortSpec, mappings: FieldMappings): string {
  return mappings[spec.field]?.aliasOf ?? spec.field;
}
