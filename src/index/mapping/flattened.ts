/**
 * The `flattened` field type (pure): a whole JSON object mapped as one field. Each leaf value is
 * indexed as a keyword twice: under the field itself (`labels`) and under its key path
 * (`labels.host.name`), so that term-level queries, `exists`, sorts and terms aggregations work on
 * both. `_source` keeps the object as sent; no mapping is introduced below the field.
 *
 * Elasticsearch indexes the keyed values in one hidden `labels._keyed` field as `key\0value`;
 * Strait indexes them under their own path (a keyword per key path the segment has seen), which
 * answers the same queries with the engine's keyword machinery unchanged.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/flattened.html
 */
import { errors, jsonTokenName } from '../../common/index.js';
import type { PropertyMapping } from './mapping.js';

// Local, not mapping.ts's: mapping.ts imports this module's parameter list at load time.
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Elasticsearch's default `depth_limit` of a flattened field. */
export const flattenedDepthLimitDefault = 20;

/** Parameters a `flattened` mapping accepts (Elasticsearch's FlattenedFieldMapper, less the ones Strait refuses). */
export const flattenedParameters: readonly string[] = [
  'type',
  'depth_limit',
  'doc_values',
  'eager_global_ordinals',
  'ignore_above',
  'index',
  'index_options',
  'null_value',
  'meta',
  'split_queries_on_whitespace',
];

/**
 * Validates and normalizes the flattened-specific parameters of a mapping (the common booleans
 * and `ignore_above` are checked by the caller).
 */
export function parseFlattenedParameters(path: string, definition: Record<string, unknown>, normalized: PropertyMapping): void {
  const depthLimit = definition['depth_limit'];
  if (depthLimit !== undefined) {
    const number = typeof depthLimit === 'string' && depthLimit.trim() !== '' ? Number(depthLimit) : depthLimit;
    if (typeof number !== 'number' || !Number.isInteger(number)) {
      throw errors.mapperParsing(`Failed to parse mapping: [depth_limit] on mapper [${path}] of type [flattened] must be an integer, got [${String(depthLimit)}]`);
    }
    if (number < 0) throw errors.mapperParsing(`Failed to parse mapping: [depth_limit] must be positive, got [${number}]`);
    normalized['depth_limit'] = number;
  }
  const indexOptions = definition['index_options'];
  if (indexOptions !== undefined && indexOptions !== 'docs' && indexOptions !== 'freqs') {
    throw errors.mapperParsing(
      `Failed to parse mapping: Unknown value [${String(indexOptions)}] for field [index_options] - accepted values are [docs, freqs]`,
    );
  }
  const nullValue = definition['null_value'];
  if (nullValue !== undefined && nullValue !== null) {
    if (isPlainObject(nullValue) || Array.isArray(nullValue)) {
      throw errors.mapperParsing(`Failed to parse mapping: [null_value] on mapper [${path}] of type [flattened] must be a string`);
    }
    normalized['null_value'] = String(nullValue);
  }
  const split = definition['split_queries_on_whitespace'];
  if (split !== undefined && split !== false && split !== 'false') {
    // Honouring it would need whitespace-split match/query_string analysis on keyed fields, which
    // the keyword planner does not do: refused rather than silently ignored.
    throw errors.mapperParsing(`[split_queries_on_whitespace: true] on mapper [${path}] of type [flattened] is not supported by Strait`);
  }
  if (split !== undefined) normalized['split_queries_on_whitespace'] = false;
}

/** One leaf of a flattened object: its key path below the field and its keyword value. */
export interface FlattenedLeaf {
  readonly key: string;
  readonly value: string;
}

/**
 * The leaves of a flattened field's value, as Elasticsearch's FlattenedFieldParser walks it:
 * values as their JSON text (numbers and booleans too), arrays flattened into the key they sit
 * under, nulls dropped unless `null_value` is set, values longer than `ignore_above` dropped.
 * Throws an EsError (400 illegal_argument or parsing) the caller wraps as a document error.
 */
export function flattenedLeaves(mapping: PropertyMapping, path: string, value: unknown): FlattenedLeaf[] {
  if (!isPlainObject(value)) {
    throw errors.parsing(`Failed to parse object: expecting token of type [START_OBJECT] but found [${jsonTokenName(value)}]`);
  }
  const depthLimit = typeof mapping['depth_limit'] === 'number' ? mapping['depth_limit'] : flattenedDepthLimitDefault;
  const ignoreAbove = typeof mapping['ignore_above'] === 'number' ? mapping['ignore_above'] : Number.POSITIVE_INFINITY;
  const nullValue = typeof mapping['null_value'] === 'string' ? mapping['null_value'] : undefined;
  const leaves: FlattenedLeaf[] = [];
  const addLeaf = (key: string, text: string): void => {
    if (key.includes('\0')) {
      throw errors.illegalArgument(`Keys in [flattened] fields cannot contain the reserved character \\0. Offending key: [${key}].`);
    }
    if (text.length > ignoreAbove) return;
    leaves.push({ key, value: text });
  };
  const visit = (key: string, child: unknown, depth: number): void => {
    if (Array.isArray(child)) {
      for (const item of child) visit(key, item, depth);
      return;
    }
    if (isPlainObject(child)) {
      // An inner object one level deeper: its depth counts the field itself too.
      const level = depth + 1;
      if (level + 1 > depthLimit) {
        throw errors.illegalArgument(`The provided [flattened] field [${path}] exceeds the maximum depth limit of [${depthLimit}].`);
      }
      walkObject(child, key, level);
      return;
    }
    if (child === null || child === undefined) {
      if (nullValue !== undefined) addLeaf(key, nullValue);
      return;
    }
    addLeaf(key, String(child));
  };
  const walkObject = (object: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const [name, child] of Object.entries(object)) {
      const key = prefix === '' ? name : `${prefix}.${name}`;
      visit(key, child, depth);
    }
  };
  walkObject(value, '', 0);
  return leaves;
}

/**
 * The `fields` option on a flattened field: the object from `_source` with the values beyond
 * `ignore_above` (and nulls) left out, as Elasticsearch's fetcher renders it; undefined when
 * nothing remains.
 */
export function flattenedFetchObject(value: unknown, ignoreAbove: number | undefined): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => flattenedFetchObject(item, ignoreAbove)).filter((item) => item !== undefined);
    if (items.length === 0) return undefined;
    return items.length === 1 ? items[0] : items;
  }
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const kept = flattenedFetchObject(child, ignoreAbove);
      if (kept !== undefined) result[key] = kept;
    }
    return Object.keys(result).length === 0 ? undefined : result;
  }
  if (value === null || value === undefined) return undefined;
  const text = String(value);
  if (ignoreAbove !== undefined && text.length > ignoreAbove) return undefined;
  return value;
}

/**
 * The `fields` option on a key path (`labels.host.name`): the leaf values found there in
 * `_source`, as keyword strings, values beyond `ignore_above` left out.
 */
export function flattenedKeyFetchValues(values: readonly unknown[], ignoreAbove: number | undefined): string[] {
  const texts: string[] = [];
  for (const value of values) {
    if (isPlainObject(value) || Array.isArray(value) || value === null || value === undefined) continue;
    const text = String(value);
    if (ignoreAbove === undefined || text.length <= ignoreAbove) texts.push(text);
  }
  return texts;
}

/** The flattened field a key path belongs to (`labels` for `labels.host.name`), if any. */
export function flattenedRootField<F extends { readonly type: string; readonly path: string }>(fields: ReadonlyMap<string, F>, path: string): F | undefined {
  let found: F | undefined;
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    const field = fields.get(path.slice(0, dot));
    if (field?.type === 'flattened') found = field;
  }
  return found;
}
