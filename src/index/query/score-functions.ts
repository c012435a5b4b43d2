/**
 * The built-in score functions of `function_score` (pure, style P7): `field_value_factor`, the
 * decay functions `gauss`, `linear` and `exp` (numeric, date and geo_point fields), and
 * `random_score`. Parsing keeps each function as data; binding resolves its field against the
 * shard's mappings (so an unknown or unsuitable field fails the shard, as Elasticsearch's
 * doToFunction does) and reads each document's doc values.
 *
 * Formulas (query-dsl-function-score-query.html): with `d = max(0, |value - origin| - offset)`,
 * gauss `exp(-d² / 2σ²)` where `σ² = -scale² / (2 ln decay)`, exp `exp(λ d)` where
 * `λ = ln decay / scale`, linear `max(0, (s - d) / s)` where `s = scale / (1 - decay)`: each
 * equals `decay` at `d = scale`. A document without the field has `d = 0`, so scores 1.
 * field_value_factor is `modifier(factor × value)`; random_score is uniform in [0, 1).
 */
import { errors, type EsError } from '../../common/errors.js';
import { murmur3 } from '../../common/murmur3.js';
import { timeValueMsOrReason } from '../../common/time-value.js';
import { docGeoPoints, type FieldMapping, type NumericDocValues, type Segment } from '../engine/index.js';
import { MainThreadOnly } from '../engine/shared-segment.js';
import { javaDouble, parseGeoPoint, type GeoPoint } from '../mapping/geo-point.js';
import { DateParseError, evaluateDateMath } from './date-math.js';
import { arcDistanceMeters, parseDistance } from './geo.js';
import type { PlanContext } from './plan.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export type Modifier = 'none' | 'log' | 'log1p' | 'log2p' | 'ln' | 'ln1p' | 'ln2p' | 'square' | 'sqrt' | 'reciprocal';
export type DecayKind = 'gauss' | 'linear' | 'exp';
export type MultiValueMode = 'min' | 'max' | 'avg' | 'sum' | 'median';

export type BuiltinFunction =
  | { readonly kind: 'field_value_factor'; readonly field: string; readonly factor: number; readonly modifier: Modifier; readonly missing: number | undefined }
  | { readonly kind: 'decay'; readonly decay: DecayKind; readonly field: string; readonly params: Json; readonly mode: MultiValueMode }
  | { readonly kind: 'random_score'; readonly seed: number | undefined; readonly field: string | undefined };

/** The function names this module parses. */
export const builtinFunctionNames: ReadonlySet<string> = new Set(['field_value_factor', 'random_score', 'gauss', 'linear', 'exp']);

const modifiers: Readonly<Record<Modifier, (n: number) => number>> = {
  none: (n) => n,
  log: (n) => Math.log10(n),
  log1p: (n) => Math.log10(n + 1),
  log2p: (n) => Math.log10(n + 2),
  ln: (n) => Math.log(n),
  ln1p: (n) => Math.log1p(n),
  ln2p: (n) => Math.log1p(n + 1),
  square: (n) => n * n,
  sqrt: (n) => Math.sqrt(n),
  reciprocal: (n) => 1 / n,
};

/** A JSON number, or a numeric string (Elasticsearch's parsers coerce them). */
function numberOf(value: unknown, what: string): number {
  const result = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(result)) throw errors.parsing(`[${what}] failed to parse field value [${typeof value === 'object' ? JSON.stringify(value) : String(value)}]`);
  return result;
}

/** Parses the body of a built-in function named `name` (one of `builtinFunctionNames`). */
export function parseBuiltinFunction(name: string, body: unknown): BuiltinFunction {
  if (!isObject(body)) throw errors.parsing(`[function_score] malformed score function [${name}]`);
  if (name === 'field_value_factor') return parseFieldValueFactor(body);
  if (name === 'random_score') return parseRandomScore(body);
  return parseDecay(name as DecayKind, body);
}

function parseFieldValueFactor(body: Json): BuiltinFunction {
  let field: string | undefined;
  let factor = 1;
  let modifier: Modifier = 'none';
  let missing: number | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'field') {
      if (typeof value !== 'string') throw errors.parsing('[field_value_factor] field [field] must be a string');
      field = value;
    } else if (key === 'factor') {
      if (typeof value === 'object' && value !== null) throw errors.parsing("[field_value_factor] field 'factor' does not support lists or objects");
      factor = numberOf(value, 'factor');
    }
    else if (key === 'missing') missing = numberOf(value, 'missing');
    else if (key === 'modifier') {
      const text = typeof value === 'string' ? value.toLowerCase() : '';
      // Modifier.fromString is Enum.valueOf: an unknown name is its IllegalArgumentException.
      if (!(text in modifiers)) throw errors.illegalArgument(`No enum constant org.elasticsearch.common.lucene.search.function.FieldValueFactorFunction.Modifier.${String(value).toUpperCase()}`);
      modifier = text as Modifier;
    } else throw errors.parsing(`field_value_factor query does not support [${key}]`);
  }
  if (field === undefined) throw errors.parsing("[field_value_factor] required field 'field' missing");
  return { kind: 'field_value_factor', field, factor, modifier, missing };
}

const multiValueModes: readonly MultiValueMode[] = ['min', 'max', 'avg', 'sum', 'median'];

function parseDecay(decay: DecayKind, body: Json): BuiltinFunction {
  let field: string | undefined;
  let params: Json | undefined;
  let mode: MultiValueMode = 'min';
  for (const [key, value] of Object.entries(body)) {
    if (isObject(value)) {
      field = key;
      params = value;
    } else if (key === 'multi_value_mode') {
      const text = typeof value === 'string' ? value.toLowerCase() : '';
      if (!multiValueModes.includes(text as MultiValueMode)) throw errors.illegalArgument(`Unknown MultiValueMode [${String(value)}]`);
      mode = text as MultiValueMode;
    } else throw errors.parsing('malformed score function score parameters.');
  }
  if (field === undefined || params === undefined) throw errors.parsing('malformed score function score parameters.');
  return { kind: 'decay', decay, field, params, mode };
}

/** Java's String.hashCode. */
function javaHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** Java's Long.hashCode-style fold of a long seed to an int, as RandomScoreFunctionBuilder does. */
function foldLong(value: bigint): number {
  const bits = BigInt.asUintN(64, value);
  return Number(BigInt.asIntN(32, bits ^ (bits >> 32n)));
}

function parseRandomScore(body: Json): BuiltinFunction {
  let seed: number | undefined;
  let field: string | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'seed') {
      if (typeof value === 'number' && Number.isInteger(value)) {
        seed = value >= -(2 ** 31) && value < 2 ** 31 ? value : foldLong(BigInt(value));
      } else if (typeof value === 'string') seed = javaHash(value);
      else throw errors.parsing(`random_score seed must be an int, long or string, not '${JSON.stringify(value)}'`);
    } else if (key === 'field') {
      if (typeof value !== 'string') throw errors.parsing('[random_score] field [field] must be a string');
      field = value;
    } else throw errors.parsing(`random_score query does not support [${key}]`);
  }
  return { kind: 'random_score', seed, field };
}

// ---------------------------------------------------------------- formulas

/** Each decay function's scale as computed once (DecayFunction#processScale) and its score of a distance. */
export const decayFormulas: Readonly<Record<DecayKind, { readonly scale: (scale: number, decay: number) => number; readonly score: (distance: number, scale: number) => number }>> = {
  gauss: { scale: (scale, decay) => (0.5 * scale * scale) / Math.log(decay), score: (distance, scale) => Math.exp((0.5 * distance * distance) / scale) },
  exp: { scale: (scale, decay) => Math.log(decay) / scale, score: (distance, scale) => Math.exp(scale * distance) },
  linear: { scale: (scale, decay) => scale / (1 - decay), score: (distance, scale) => Math.max(0, (scale - distance) / scale) },
};

/** The decay score of one distance (`d` before the offset), for unit tests and the bound function alike. */
export function decayScore(kind: DecayKind, distance: number, scale: number, offset: number, decay: number): number {
  const formula = decayFormulas[kind];
  return formula.score(Math.max(0, distance - offset), formula.scale(scale, decay));
}

/** Combines a document's distances (already minus the offset) as `multi_value_mode` asks. */
export function selectDistance(mode: MultiValueMode, distances: readonly number[]): number {
  if (distances.length === 1) return distances[0]!;
  switch (mode) {
    case 'min':
      return Math.min(...distances);
    case 'max':
      return Math.max(...distances);
    case 'sum':
      return distances.reduce((a, b) => a + b, 0);
    case 'avg':
      return distances.reduce((a, b) => a + b, 0) / distances.length;
    case 'median': {
      const sorted = [...distances].sort((a, b) => a - b);
      const middle = sorted.length >> 1;
      return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    }
  }
}

/** field_value_factor's score of a value (Elasticsearch multiplies by the factor as a float). */
export function fieldValueFactorScore(value: number, factor: number, modifier: Modifier): number {
  const result = modifiers[modifier](value * Math.fround(factor));
  if (result < 0) {
    const hint = modifier === 'ln' ? '; consider using ln1p or ln2p instead of ln to avoid negative scores' : modifier === 'log' ? '; consider using log1p or log2p instead of log to avoid negative scores' : '';
    throw errors.illegalArgument(`field value function must not produce negative scores, but got: [${javaDouble(result)}] for field value: [${javaDouble(value)}]${hint}`);
  }
  if (Number.isNaN(result)) {
    // A NaN would reach Lucene as a score; Elasticsearch refuses the score the same way.
    throw errors.illegalArgument(`field value function must not produce negative scores, but got: [NaN] for field value: [${javaDouble(value)}]`);
  }
  return result;
}

/** hppc's BitMixer.mix(int, int) (murmur3's finalizer of key ^ seed). */
function mix32(key: number, seed: number): number {
  let k = key ^ seed;
  k = Math.imul(k ^ (k >>> 16), 0x85ebca6b);
  k = Math.imul(k ^ (k >>> 13), 0xc2b2ae35);
  return (k ^ (k >>> 16)) | 0;
}

/** A hash as a score in [0, 1): its low 24 bits over 2^24, as RandomScoreFunction does. */
export function randomScoreOf(hash: number): number {
  return (hash & 0x00ffffff) / (1 << 24);
}

// ---------------------------------------------------------------- binding

/** A function bound to a shard: per segment, the score of a document. */
export interface BoundFunction {
  readonly description: string;
  forSegment(segment: Segment): (doc: number) => number;
}

const failed = (reason: string, context: PlanContext, causedBy?: EsError): EsError => errors.queryShard(`failed to create query: ${reason}`, context.indexName, causedBy);

function mappingOf(field: string, context: PlanContext): FieldMapping | undefined {
  const mapping = context.mappings[field];
  if (mapping?.aliasOf !== undefined) return context.mappings[mapping.aliasOf];
  return mapping;
}
function targetOf(field: string, context: PlanContext): string {
  return context.mappings[field]?.aliasOf ?? field;
}

const numericTypes = new Set(['long', 'integer', 'short', 'byte', 'double', 'float']);

/** A segment's numeric values of `doc` in `field` (none when the segment has no such column). */
function numericValues(column: NumericDocValues | undefined, doc: number): number[] {
  if (column === undefined) return [];
  const values: number[] = [];
  for (let at = column.valueStart[doc]!; at < column.valueStart[doc + 1]!; at++) values.push(column.values[at]!);
  return values;
}
function numericColumn(segment: Segment, field: string): NumericDocValues | undefined {
  const column = segment.docValues.get(field);
  return column?.kind === 'numeric' ? column : undefined;
}

/** Binds a parsed built-in function to a shard; bad parameters or fields fail here, as in Elasticsearch's doToFunction. */
export function bindBuiltinFunction(fn: BuiltinFunction, context: PlanContext): BoundFunction {
  switch (fn.kind) {
    case 'field_value_factor':
      return bindFieldValueFactor(fn, context);
    case 'decay':
      return bindDecay(fn, context);
    case 'random_score':
      return bindRandom(fn, context);
  }
}

function bindFieldValueFactor(fn: Extract<BuiltinFunction, { kind: 'field_value_factor' }>, context: PlanContext): BoundFunction {
  const mapping = mappingOf(fn.field, context);
  const field = targetOf(fn.field, context);
  if (mapping === undefined && fn.missing === undefined) {
    throw failed(`Unable to find a field mapper for field [${fn.field}]. No 'missing' value defined.`, context);
  }
  // Dates (epoch millis) and booleans (0/1) have numeric field data in Elasticsearch too.
  if (mapping !== undefined && !numericTypes.has(mapping.type) && mapping.type !== 'date' && mapping.type !== 'date_nanos' && mapping.type !== 'boolean') {
    throw failed(`field [${fn.field}] of type [${mapping.mappedType ?? mapping.type}] is not numeric: [field_value_factor] needs numeric doc values`, context);
  }
  return {
    description: `field_value_factor ${fn.modifier}(doc['${fn.field}'].value${fn.missing === undefined ? '' : `?:${fn.missing}`} * factor=${fn.factor})`,
    forSegment: (segment) => {
      const column = mapping === undefined ? undefined : numericColumn(segment, field);
      return (doc) => {
        let value: number;
        if (column !== undefined && column.valueStart[doc + 1]! > column.valueStart[doc]!) value = column.values[column.valueStart[doc]!]!;
        else if (fn.missing !== undefined) value = fn.missing;
        // Elasticsearch throws a bare ElasticsearchException (a 500) here; a document missing the field is the request's problem, so a 400.
        else throw errors.illegalArgument(`Missing value for field [${fn.field}]`);
        return fieldValueFactorScore(value, fn.factor, fn.modifier);
      };
    },
  };
}

/** A decay parameter as a double (`parser.doubleValue()`: numbers and numeric strings). */
function decayNumber(value: unknown, name: string, context: PlanContext): number {
  const result = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(result)) throw failed(`[${name}] must be a number, got [${typeof value === 'object' ? JSON.stringify(value) : String(value)}]`, context);
  return result;
}

function decayText(value: unknown, name: string, context: PlanContext): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw failed(`[${name}] must be a string or a number, got [${JSON.stringify(value)}]`, context);
}

function checkDecayParameters(scale: number, decay: number, offset: number, context: PlanContext): void {
  if (!(scale > 0)) throw failed('function_score : scale must be > 0.0.', context);
  if (!(decay > 0 && decay < 1)) throw failed('function_score : decay must be in the range [0..1].', context);
  if (offset < 0) throw failed('function_score : offset must be > 0.0', context);
}

function bindDecay(fn: Extract<BuiltinFunction, { kind: 'decay' }>, context: PlanContext): BoundFunction {
  const mapping = mappingOf(fn.field, context);
  if (mapping === undefined) throw errors.parsing(`unknown field [${fn.field}]`);
  const field = targetOf(fn.field, context);
  const kind = mapping.type === 'date' || mapping.type === 'date_nanos' ? 'date' : mapping.type === 'geo_point' ? 'geo' : numericTypes.has(mapping.type) ? 'number' : undefined;
  if (kind === undefined) throw errors.parsing(`field [${fn.field}] is of type [${mapping.mappedType ?? mapping.type}], but only numeric types are supported.`);
  let scale: number | undefined;
  let decay = 0.5;
  let offset: number | undefined;
  let origin: unknown;
  for (const [key, value] of Object.entries(fn.params)) {
    if (key === 'decay') decay = decayNumber(value, 'decay', context);
    else if (key === 'origin') origin = value;
    else if (key === 'scale') scale = kind === 'number' ? decayNumber(value, 'scale', context) : kind === 'geo' ? distance(value, 'scale', context) : timeValue(value, 'scale', context);
    else if (key === 'offset') offset = kind === 'number' ? decayNumber(value, 'offset', context) : kind === 'geo' ? distance(value, 'offset', context) : timeValue(value, 'offset', context);
    else throw failed(`parameter [${key}] not supported!`, context);
  }
  const formula = decayFormulas[fn.decay];
  const describe = (originText: string) => `${fn.decay}(${fn.field}, origin=${originText}, scale=${scale}, offset=${offset ?? 0}, decay=${decay}, multi_value_mode=${fn.mode})`;
  if (kind === 'geo') {
    if (origin === undefined || scale === undefined) throw failed('[origin] and [scale] must be set for geo fields.', context);
    let point: GeoPoint;
    try {
      point = parseGeoPoint(origin);
    } catch (error) {
      throw failed(`failed to parse [origin]: ${(error as Error).message}`, context);
    }
    checkDecayParameters(scale, decay, offset ?? 0, context);
    const processed = formula.scale(scale, decay);
    const shift = offset ?? 0;
    return {
      description: describe(`${point.lat},${point.lon}`),
      forSegment: (segment) => {
        const column = numericColumn(segment, field);
        return (doc) => {
          if (column === undefined) return 1;
          const distances = docGeoPoints(column, doc).map((other) => Math.max(0, arcDistanceMeters(point.lat, point.lon, other.lat, other.lon) - shift));
          return formula.score(distances.length === 0 ? 0 : selectDistance(fn.mode, distances), processed);
        };
      },
    };
  }
  let center: number;
  if (kind === 'number') {
    if (scale === undefined || origin === undefined) throw failed('both [scale] and [origin] must be set for numeric fields.', context);
    center = decayNumber(origin, 'origin', context);
  } else {
    if (scale === undefined) throw failed('[scale] must be set for date fields.', context);
    if (origin === undefined) center = context.nowMs;
    else {
      try {
        center = evaluateDateMath(decayText(origin, 'origin', context), { nowMs: context.nowMs, roundUp: false, format: mapping.format });
      } catch (error) {
        if (error instanceof DateParseError) throw failed(error.message, context);
        throw error;
      }
    }
  }
  checkDecayParameters(scale, decay, offset ?? 0, context);
  const processed = formula.scale(scale, decay);
  const shift = offset ?? 0;
  return {
    description: describe(String(center)),
    forSegment: (segment) => {
      const column = numericColumn(segment, field);
      return (doc) => {
        const distances = numericValues(column, doc).map((value) => Math.max(0, Math.abs(value - center) - shift));
        return formula.score(distances.length === 0 ? 0 : selectDistance(fn.mode, distances), processed);
      };
    },
  };
}

function distance(value: unknown, name: string, context: PlanContext): number {
  try {
    return parseDistance(typeof value === 'number' ? String(value) : value);
  } catch (error) {
    throw failed(`failed to parse [${name}] as a distance: ${(error as Error).message}`, context);
  }
}

/** A date decay's scale or offset: a time value (`10d`, `12h`), in milliseconds. */
function timeValue(value: unknown, name: string, context: PlanContext): number {
  const parsed = timeValueMsOrReason(decayText(value, name, context), `DecayFunctionParser.${name}`);
  if ('reason' in parsed) throw failed(parsed.reason, context);
  return parsed.ms;
}

const utf8 = new TextEncoder();

function bindRandom(fn: Extract<BuiltinFunction, { kind: 'random_score' }>, context: PlanContext): BoundFunction {
  // Elasticsearch salts with the index name's hash and the shard id; the plan context knows the index only.
  const salt = Math.imul(javaHash(context.indexName), 1 << 10);
  if (fn.seed === undefined) {
    // No seed: a per-request seed (the request's now) over Lucene doc ids, as Elasticsearch does.
    const seed = mix32(foldLong(BigInt(Math.trunc(context.nowMs))), salt);
    return {
      description: `random_score doc ids, seed from now`,
      forSegment: (segment) => {
        let docBase = 0;
        for (const other of context.segments) {
          if (other === segment || other.name === segment.name) break;
          docBase += other.maxDoc;
        }
        return (doc) => randomScoreOf(mix32(docBase + doc, seed));
      },
    };
  }
  const seed = mix32(fn.seed, salt);
  // A seed without a field is deprecated since 7.0; Elasticsearch 8 then hashes `_seq_no`.
  if (fn.field === undefined || fn.field === '_seq_no') {
    // The `_seq_no` field data is a long: its text is what gets hashed.
    const seqNos = context.seqNos;
    return {
      description: `random_score seed=${fn.seed} field=${fn.field ?? '_seq_no'}`,
      forSegment: (segment) => {
        // Only the main thread's search has the shard's doc metadata.
        if (seqNos === undefined) throw new MainThreadOnly('_seq_no');
        const values = seqNos.get(segment.name);
        return (doc) => {
          const seqNo = values?.[doc];
          return randomScoreOf(seqNo === undefined ? seed : murmur3(utf8.encode(String(seqNo)), seed));
        };
      },
    };
  }
  const mapping = mappingOf(fn.field, context);
  if (mapping === undefined) throw failed(`Field [${fn.field}] is not mapped on [[${context.indexName}]] and cannot be used as a source of random numbers.`, context);
  const field = targetOf(fn.field, context);
  const integral = numericTypes.has(mapping.type) && mapping.type !== 'double' && mapping.type !== 'float' || mapping.type === 'date' || mapping.type === 'date_nanos';
  if (mapping.type !== 'keyword' && !numericTypes.has(mapping.type) && mapping.type !== 'date' && mapping.type !== 'date_nanos' && mapping.type !== 'boolean') {
    throw failed(`[random_score] field [${fn.field}] of type [${mapping.mappedType ?? mapping.type}] has no doc values to hash`, context);
  }
  return {
    description: `random_score seed=${fn.seed} field=${fn.field}`,
    forSegment: (segment) => {
      const column = segment.docValues.get(field);
      const terms = segment.postings.get(field)?.terms;
      return (doc) => {
        // The document's first value as text, as field data's bytes values render it.
        let text: string | undefined;
        if (column?.kind === 'keyword' && column.valueStart[doc + 1]! > column.valueStart[doc]!) text = terms?.[column.ordinals[column.valueStart[doc]!]!];
        else if (column?.kind === 'numeric' && column.valueStart[doc + 1]! > column.valueStart[doc]!) {
          const value = column.values[column.valueStart[doc]!]!;
          text = mapping.type === 'boolean' ? (value === 0 ? 'false' : 'true') : integral ? String(value) : javaDouble(value);
        }
        return randomScoreOf(text === undefined ? seed : murmur3(utf8.encode(text), seed));
      };
    },
  };
}
