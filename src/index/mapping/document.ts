/**
 * Document parsing against a mapping (pure): validates each value against its field type,
 * introduces dynamic mappings as Elasticsearch does, and yields the indexable values per field
 * path for the search layer.
 *
 * Indexable values: text and keyword → string (keyword values longer than `ignore_above` are
 * dropped), numeric → number, date → epoch milliseconds, boolean → boolean, ip → string,
 * geo_point → `{lat, lon}`.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/dynamic-field-mapping.html
 */
import { errors, EsError, limits } from '../../common/index.js';
import { getAnalyzer } from '../analysis/index.js';
import { toHalfFloat } from '../engine/small-float.js';
import { normalizeIp } from '../query/ip.js';
import { DateParseError, compareNanoInstants, epochNanosString, formatDateNanos, maxNanoInstant, parseDate, parseDateNanos } from '../query/date-math.js';
import {
  dateFormatOf,
  isObjectMapping,
  isPlainObject,
  javaMapPreview,
  type PropertyMapping,
  type RootMapping,
} from './mapping.js';
import { flattenedLeaves } from './flattened.js';
import { copyToTargets } from './copy-to.js';
import { dynamicTemplateMatch, namedDynamicTemplate } from './dynamic-templates.js';
import { completeCompletionContexts, completionInputs, contextMappingsOf, truncateInput } from './completion.js';
import { checkGeoPoint, normalizeGeoPoint, parseGeoPoint } from './geo-point.js';

export interface ParsedDocument {
  /** Indexable values per field path, multi-fields included (`title.keyword`). */
  readonly fields: Record<string, unknown[]>;
  /**
   * The document's `nested` objects, each a document of its own (Elasticsearch's hidden nested
   * Lucene documents): their fields are not in `fields` unless `include_in_parent`/`include_in_root`
   * copied them there. Empty for a mapping without nested objects.
   */
  readonly nested: readonly NestedDocument[];
  /** The mapping with dynamically introduced fields; undefined when the document added none. */
  readonly mappingUpdate: RootMapping | undefined;
}

/** One object under a `nested` mapping, parsed as a document of its own. */
export interface NestedDocument {
  /** The nested object's full path (`comments`, `comments.votes`). */
  readonly path: string;
  /** Its position among the objects of `path` in its parent (the root or the enclosing nested object). */
  readonly offset: number;
  /** The object as it is in `_source`. */
  readonly source: Record<string, unknown>;
  readonly fields: Record<string, unknown[]>;
  /** The nested objects inside this one. */
  readonly children: readonly NestedDocument[];
}

/** Elasticsearch's default `dynamic_date_formats`. */
export const DEFAULT_DYNAMIC_DATE_FORMATS = ['strict_date_optional_time', 'yyyy/MM/dd HH:mm:ss||yyyy/MM/dd'];

interface Walk {
  readonly id: string;
  readonly root: RootMapping;
  /** Where values go: the root document's fields, or the nested document's being parsed. */
  fields: Record<string, unknown[]>;
  changed: boolean;
  /** `index.mapping.ignore_malformed`: the default of fields that do not set `ignore_malformed`. */
  readonly ignoreMalformed: boolean;
  /** Set while a value is copied by `copy_to`: a target's own copy_to is not followed (as Elasticsearch). */
  copying?: boolean;
  /** A bulk item's `dynamic_templates`: field path → the template a new field at that path uses. */
  readonly dynamicTemplates?: Readonly<Record<string, string>> | undefined;
  /** The root document's fields (`fields` is the nested document's while one is parsed). */
  readonly rootFields: Record<string, unknown[]>;
  /** Where a nested object found now goes: the children of the document being parsed. */
  nested: NestedDocument[];
  /** Per path, how many nested objects the document being parsed has had (their offsets). */
  nestedOffsets: Map<string, number> | undefined;
  nestedCount: number;
  readonly nestedObjectsLimit: number;
  /** The nested documents being parsed, outermost first (copy_to finds its target's among them). */
  readonly nestedStack: { readonly path: string; readonly fields: Record<string, unknown[]> }[];
}

/** Index settings that change how documents are parsed. */
export interface DocumentParseOptions {
  /** `index.mapping.ignore_malformed`. */
  readonly ignoreMalformed?: boolean;
  /** A bulk item's `dynamic_templates` (field path → template name); write time only. */
  readonly dynamicTemplates?: Readonly<Record<string, string>>;
  /**
   * `index.mapping.nested_objects.limit`, checked when a document is written. Unset (a refresh
   * parsing documents already written): no limit, as the setting may have changed since.
   */
  readonly nestedObjectsLimit?: number;
}

/** Field types with an `ignore_malformed` parameter: the index-level default applies to these only. */
const ignoreMalformedTypes: ReadonlySet<string> = new Set([
  'long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'date', 'date_nanos', 'ip', 'geo_point',
]);

/**
 * Parse options of an index, kept beside its root mapping object (a WeakMap): the searcher's
 * refresh receives the root mapping alone and must parse as the write did.
 */
const parseOptionsByRoot = new WeakMap<object, DocumentParseOptions>();

/** Records `options` for this root mapping object and returns it (see parseOptionsOf). */
export function withParseOptions<T extends object>(root: T, options: DocumentParseOptions): T {
  if (options.ignoreMalformed === true) parseOptionsByRoot.set(root, options);
  return root;
}

/** The options recorded for this root mapping object (none: the defaults). */
export function parseOptionsOf(root: object): DocumentParseOptions {
  return parseOptionsByRoot.get(root) ?? {};
}

/**
 * One object under a `nested` mapping: parsed into a nested document of its own, whose fields are
 * copied to the parent document with `include_in_parent` and to the root with `include_in_root`
 * (after its own nested objects copied theirs into it, so copies reach up level by level, as
 * Elasticsearch's DocumentParser makes them).
 */
function parseNestedObject(walk: Walk, mapping: PropertyMapping, path: string, value: Record<string, unknown>, dynamic: string): void {
  walk.nestedCount++;
  if (walk.nestedCount > walk.nestedObjectsLimit) {
    throw errors.documentParsing(
      `The number of nested documents has exceeded the allowed limit of [${walk.nestedObjectsLimit}]. This limit can be set by changing the [index.mapping.nested_objects.limit] index level setting.`,
    );
  }
  const offsets = (walk.nestedOffsets ??= new Map());
  const offset = offsets.get(path) ?? 0;
  offsets.set(path, offset + 1);
  const document: NestedDocument = { path, offset, source: value, fields: {}, children: [] };
  walk.nested.push(document);
  const parentFields = walk.fields;
  const parentNested = walk.nested;
  walk.fields = document.fields;
  walk.nested = document.children as NestedDocument[];
  walk.nestedOffsets = undefined;
  walk.nestedStack.push({ path, fields: document.fields });
  try {
    parseObjectValue(walk, mapping, path, value, dynamic);
  } finally {
    walk.fields = parentFields;
    walk.nested = parentNested;
    walk.nestedOffsets = offsets;
    walk.nestedStack.pop();
  }
  const inParent = mapping['include_in_parent'] === true;
  if (inParent) copyFields(document.fields, parentFields);
  if (mapping['include_in_root'] === true && !(inParent && parentFields === walk.rootFields)) copyFields(document.fields, walk.rootFields);
}

/** The fields of the innermost document being parsed whose nested path holds `target` (the root's when none does). */
function copyTargetFields(walk: Walk, target: string): Record<string, unknown[]> {
  for (let index = walk.nestedStack.length - 1; index >= 0; index--) {
    const entry = walk.nestedStack[index]!;
    if (target.startsWith(`${entry.path}.`)) return entry.fields;
  }
  return walk.rootFields;
}

function copyFields(from: Record<string, unknown[]>, into: Record<string, unknown[]>): void {
  for (const path in from) {
    if (!Object.hasOwn(from, path)) continue;
    const values = into[path];
    if (values === undefined) into[path] = [...from[path]!];
    else values.push(...from[path]!);
  }
}

function add(walk: Walk, path: string, value: unknown): void {
  // A one-element literal for the usual single value: `[]` then push reserved room for 17.
  const values = walk.fields[path];
  if (values === undefined) walk.fields[path] = [value];
  else values.push(value);
}

/**
 * The `_ignored` metadata field: the names of the document's fields whose value was dropped
 * (malformed with `ignore_malformed`, or a keyword longer than `ignore_above`), each once;
 * indexed as a keyword, so `exists`, `term` and `terms` on `_ignored` find these documents.
 */
export const ignoredFieldName = '_ignored';

function ignoreField(walk: Walk, path: string): void {
  const ignored = walk.fields[ignoredFieldName];
  if (ignored === undefined) walk.fields[ignoredFieldName] = [path];
  else if (!ignored.includes(path)) ignored.push(path);
}

function preview(value: unknown): string {
  return isPlainObject(value) || Array.isArray(value) ? javaMapPreview(value) : String(value);
}

function fieldError(walk: Walk, path: string, type: string, value: unknown, cause: EsError): EsError {
  return errors.documentParsing(
    `failed to parse field [${path}] of type [${type}] in document with id '${walk.id}'. Preview of field's value: '${preview(value)}'`,
    cause,
  );
}

const integerRanges: Readonly<Record<string, readonly [number, number, string]>> = {
  long: [-(2 ** 63), 2 ** 63 - 1, 'long'],
  integer: [-(2 ** 31), 2 ** 31 - 1, 'integer'],
  short: [-32768, 32767, 'short'],
  byte: [-128, 127, 'byte'],
};

function toNumber(value: unknown, type: string, coerce: boolean): number {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && coerce) {
    const text = value.trim();
    number = text === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number.NaN : Number(text);
    if (Number.isNaN(number)) {
      if (/^[+-]?(NaN|Infinity)$/.test(text) && !(type in integerRanges)) {
        throw errors.illegalArgument(`[${type}] supports only finite values, but got [${text.replace(/^\+/, '')}]`);
      }
      throw errors.numberFormat(`For input string: "${value}"`);
    }
  } else if (typeof value === 'string') {
    throw errors.illegalArgument(`Cannot parse value [${value}] as a number: coercion is disabled for field of type [${type}]`);
  } else {
    throw errors.illegalArgument(`Current token (${typeof value === 'boolean' ? (value ? 'VALUE_TRUE' : 'VALUE_FALSE') : 'START_OBJECT'}) not numeric, can not use numeric value accessors`);
  }
  const range = integerRanges[type];
  if (range !== undefined) {
    if (!Number.isInteger(number)) {
      if (!coerce) throw errors.illegalArgument(`Value [${String(value)}] has a decimal part`);
      number = Math.trunc(number);
    }
    if (number < range[0] || number > range[1]) {
      throw errors.illegalArgument(`Value [${String(value)}] is out of range for ${range[2] === 'integer' ? 'an' : 'a'} ${range[2]}`);
    }
    return number === 0 ? 0 : number; // -0 → 0
  }
  if (!Number.isFinite(number)) throw errors.illegalArgument(`[${type}] supports only finite values, but got [${String(value)}]`);
  if (type === 'float') return Math.fround(number);
  return number;
}

function toBoolean(value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false' || value === '') return false;
  throw errors.illegalArgument(`Failed to parse value [${String(value)}] as only [true] or [false] are allowed.`);
}

function toDate(value: unknown, format: string): number {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw errors.illegalArgument(`failed to parse date field [${String(value)}] with format [${format}]`);
  }
  try {
    const millis = parseDate(value, format, undefined);
    if (!Number.isFinite(millis)) throw new DateParseError('not finite');
    return millis;
  } catch (error) {
    if (error instanceof DateParseError) {
      throw errors.illegalArgument(`failed to parse date field [${String(value)}] with format [${format}]`);
    }
    throw error;
  }
}

/**
 * A date_nanos value as exact epoch nanoseconds (decimal digits): the range Elasticsearch can
 * store is 1970-01-01 to 2262-04-11T23:47:16.854775807Z.
 */
function toDateNanos(value: unknown, format: string): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw errors.illegalArgument(`failed to parse date field [${String(value)}] with format [${format}]`);
  }
  let instant;
  try {
    instant = parseDateNanos(value, format, undefined);
  } catch (error) {
    if (error instanceof DateParseError) throw errors.illegalArgument(`failed to parse date field [${String(value)}] with format [${format}]`);
    throw error;
  }
  if (instant.millis < 0) {
    throw errors.illegalArgument(`date[${formatDateNanos(instant, undefined, 'strict_date_optional_time')}] is before the epoch in 1970 and cannot be stored in nanosecond resolution`);
  }
  if (compareNanoInstants(instant, maxNanoInstant) > 0) {
    throw errors.illegalArgument(`date[${formatDateNanos(instant, undefined, 'strict_date_optional_time')}] is after 2262-04-11T23:47:16.854775807 and cannot be stored in nanosecond resolution`);
  }
  return epochNanosString(instant);
}

/**
 * A geo_point value as indexed: out-of-range coordinates are refused, or with `ignore_malformed`
 * brought back on the globe (Elasticsearch normalizes them then; only unreadable values are
 * ignored).
 */
function indexableGeoPoint(mapping: PropertyMapping, path: string, value: unknown, ignoreMalformed: boolean): { lat: number; lon: number } {
  const point = parseGeoPoint(value, mapping['ignore_z_value'] !== false);
  if (ignoreMalformed) return normalizeGeoPoint(point);
  checkGeoPoint(point, path);
  return point;
}

/** Converts one value to its indexable form for a field mapping; throws the cause (an EsError). */
export function indexableValue(mapping: PropertyMapping, value: unknown): unknown {
  const type = String(mapping['type']);
  const coerce = mapping['coerce'] !== false;
  switch (type) {
    case 'text':
    case 'keyword':
    case 'match_only_text':
    case 'wildcard':
    case 'constant_keyword': {
      if (isPlainObject(value)) throw errors.illegalArgument(`Can't get text on a START_OBJECT`);
      return String(value);
    }
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
    case 'double':
    case 'float':
      return toNumber(value, type, coerce);
    case 'half_float': {
      const number = toNumber(value, type, coerce);
      const half = toHalfFloat(number);
      // Beyond the largest half float (65504) the value would round to infinity.
      if (!Number.isFinite(half)) throw errors.illegalArgument(`[half_float] supports only finite values, but got [${number}]`);
      return half;
    }
    case 'scaled_float': {
      // Stored as the long round(value × factor): the indexed value is that long over the factor.
      const factor = Number(mapping['scaling_factor']);
      const scaled = Math.round(toNumber(value, type, coerce) * factor);
      return scaled / factor;
    }
    case 'token_count': {
      if (isPlainObject(value)) throw errors.illegalArgument(`Can't get text on a START_OBJECT`);
      const analyzer = getAnalyzer(String(mapping['analyzer']));
      if (analyzer === undefined) throw errors.illegalArgument(`analyzer [${String(mapping['analyzer'])}] has not been configured in mappings`);
      return analyzer.analyze(String(value)).terms.length;
    }
    case 'binary': {
      if (typeof value !== 'string') throw errors.illegalArgument(`Current token (${isPlainObject(value) ? 'START_OBJECT' : typeof value === 'number' ? 'VALUE_NUMBER_INT' : 'VALUE_TRUE'}) not VALUE_STRING or VALUE_EMBEDDED_OBJECT, can not access as binary`);
      if (!/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(value)) throw errors.illegalArgument(`Illegal base64 character in [${value}]`);
      return value;
    }
    case 'boolean':
      return toBoolean(value);
    case 'date':
      return toDate(value, dateFormatOf(mapping));
    case 'date_nanos':
      return toDateNanos(value, dateFormatOf(mapping));
    case 'ip': {
      // Indexed in Elasticsearch's canonical text, so that term queries match any spelling.
      const normalized = typeof value === 'string' ? normalizeIp(value) : undefined;
      if (normalized === undefined) throw errors.illegalArgument(`'${String(value)}' is not an IP string literal.`);
      return normalized;
    }
    case 'geo_point': {
      const point = parseGeoPoint(value, mapping['ignore_z_value'] !== false);
      checkGeoPoint(point, 'geo_point');
      return point;
    }
    default:
      throw errors.illegalArgument(`no handler for type [${type}]`);
  }
}

function indexField(walk: Walk, path: string, mapping: PropertyMapping, value: unknown): void {
  if (mapping['type'] === 'completion') return indexCompletion(walk, path, mapping, value); // a multi-field of another field
  if (value === null) {
    if (mapping['null_value'] === undefined) return;
    value = mapping['null_value'];
  }
  const type = String(mapping['type']);
  const ignoreMalformed = typeof mapping['ignore_malformed'] === 'boolean' ? mapping['ignore_malformed'] : walk.ignoreMalformed && ignoreMalformedTypes.has(type);
  let converted: unknown;
  try {
    converted = type === 'geo_point' ? indexableGeoPoint(mapping, path, value, ignoreMalformed) : indexableValue(mapping, value);
  } catch (error) {
    if (!(error instanceof EsError)) throw error;
    if (ignoreMalformed) {
      ignoreField(walk, path);
      return;
    }
    throw fieldError(walk, path, type, value, error);
  }
  if (type === 'constant_keyword') {
    // Every document has the mapping's value; the first document sets it when the mapping has none.
    const constant = mapping['value'];
    if (constant === undefined) {
      mapping['value'] = converted;
      walk.changed = true;
    } else if (constant !== converted) {
      const cause = errors.illegalArgument(
        `[constant_keyword] field [${path}] only accepts values that are equal to the value defined in the mappings [${String(constant)}], but got [${String(converted)}]`,
      );
      throw fieldError(walk, path, type, value, cause);
    }
    return;
  }
  const ignoreAbove = mapping['ignore_above'];
  const tooLong = (type === 'keyword' || type === 'wildcard') && typeof ignoreAbove === 'number' && (converted as string).length > ignoreAbove;
  if (tooLong) ignoreField(walk, path);
  if (!tooLong && mapping['index'] !== false) add(walk, path, converted);
  else if (!tooLong && mapping['doc_values'] !== false) add(walk, path, converted);
  const subFields = mapping['fields'] as Record<string, PropertyMapping> | undefined;
  // for-in over own keys of a JSON-shaped object: no entries array per field per document.
  if (subFields !== undefined) {
    for (const subName in subFields) if (Object.hasOwn(subFields, subName)) indexField(walk, `${path}.${subName}`, subFields[subName]!, value);
  }
}

/** Whether a JSON-shaped object has an own key (without `Object.keys`' array per call). */
function hasOwnKey(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}

function dynamicSetting(parentDynamic: string, mapping: PropertyMapping | RootMapping): string {
  return typeof mapping['dynamic'] === 'string' ? mapping['dynamic'] : parentDynamic;
}

function matchesDateFormats(walk: Walk, text: string): string | undefined {
  if (walk.root['date_detection'] === false) return undefined;
  const formats = (walk.root['dynamic_date_formats'] as string[] | undefined) ?? DEFAULT_DYNAMIC_DATE_FORMATS;
  for (const format of formats) {
    try {
      // Detection uses the format without epoch_millis so plain numbers in strings stay text.
      parseDate(text, format, undefined);
      return format;
    } catch (error) {
      if (!(error instanceof DateParseError)) throw error;
    }
  }
  return undefined;
}

/** The mapping Elasticsearch introduces for an unmapped value; undefined for null and empty arrays. */
function dynamicMappingFor(walk: Walk, value: unknown): PropertyMapping | undefined {
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    const first = value.find((item) => item !== null);
    return first === undefined ? undefined : dynamicMappingFor(walk, first);
  }
  if (isPlainObject(value)) return { type: 'object' };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'long' } : { type: 'float' };
  const text = String(value);
  const dateFormat = matchesDateFormats(walk, text);
  if (dateFormat !== undefined) {
    if (dateFormat === 'strict_date_optional_time') return { type: 'date' };
    return { type: 'date', format: dateFormat };
  }
  if (walk.root['numeric_detection'] === true && /^[+-]?\d+(\.\d+)?$/.test(text.trim())) {
    return text.includes('.') ? { type: 'float' } : { type: 'long' };
  }
  return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
}

/** The JSON kind `match_mapping_type` sees for a new value (after date and numeric detection); undefined for null and empty arrays. */
function dynamicMatchType(walk: Walk, value: unknown): string | undefined {
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    const first = value.find((item) => item !== null);
    return first === undefined ? undefined : dynamicMatchType(walk, first);
  }
  if (isPlainObject(value)) return 'object';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  const text = String(value);
  if (matchesDateFormats(walk, text) !== undefined) return 'date';
  if (walk.root['numeric_detection'] === true && /^[+-]?\d+(\.\d+)?$/.test(text.trim())) return text.includes('.') ? 'double' : 'long';
  return 'string';
}

/** Adds a runtime field to the mapping's `runtime` section (a runtime dynamic template matched). */
function addRuntimeField(walk: Walk, path: string, definition: Record<string, unknown>): void {
  const runtime = walk.root['runtime'] as Record<string, unknown> | undefined;
  if (runtime?.[path] !== undefined) return;
  // On a frozen mapping (parseDocumentAgainst) this throws: the caller parses again on a copy.
  const section = runtime ?? (walk.root['runtime'] = {});
  (section as Record<string, unknown>)[path] = definition;
  walk.changed = true;
}

/** The runtime field type `dynamic: runtime` gives each JSON kind (Elasticsearch's dynamic field mapping table). */
const runtimeTypeOfKind: Readonly<Record<string, string>> = { string: 'keyword', long: 'long', double: 'double', boolean: 'boolean', date: 'date' };

/**
 * `dynamic: runtime`: a matching dynamic template still decides (a mapping template maps the
 * field, a runtime one adds a runtime field); otherwise an object is mapped as an object (its
 * fields follow the same rule) and a value becomes a runtime field of its kind's type, in the
 * mapping's `runtime` section and not indexed. Returns the mapping to add, if any.
 */
function introducedUnderRuntime(walk: Walk, name: string, path: string, value: unknown): PropertyMapping | undefined {
  const matchType = dynamicMatchType(walk, value);
  if (matchType === undefined) return undefined;
  const templates = walk.root['dynamic_templates'];
  const named = walk.dynamicTemplates?.[path];
  if (named !== undefined || (Array.isArray(templates) && templates.length > 0)) {
    const templated = named !== undefined ? namedDynamicTemplate(templates, named, name, path, matchType) : dynamicTemplateMatch(templates, name, path, matchType);
    if (templated?.runtime !== undefined) {
      addRuntimeField(walk, path, templated.runtime);
      return undefined;
    }
    if (templated !== undefined) return templated.mapping;
  }
  if (matchType === 'object') return { type: 'object' };
  const type = runtimeTypeOfKind[matchType];
  if (type !== undefined) addRuntimeField(walk, path, { type });
  return undefined;
}

/** The mapping dynamic mapping gives a new field: the first matching dynamic template's, else the default rules'. */
function introducedMapping(walk: Walk, name: string, path: string, value: unknown): PropertyMapping | undefined {
  const templates = walk.root['dynamic_templates'];
  const named = walk.dynamicTemplates?.[path];
  if (named !== undefined || (Array.isArray(templates) && templates.length > 0)) {
    const matchType = dynamicMatchType(walk, value);
    if (matchType === undefined) return undefined;
    const templated = named !== undefined ? namedDynamicTemplate(templates, named, name, path, matchType) : dynamicTemplateMatch(templates, name, path, matchType);
    if (templated?.runtime !== undefined) {
      addRuntimeField(walk, path, templated.runtime);
      return undefined; // a runtime field is not indexed: the value stays in _source only
    }
    if (templated !== undefined) return templated.mapping;
  }
  return dynamicMappingFor(walk, value);
}

function parseObjectValue(
  walk: Walk,
  objectMapping: PropertyMapping | RootMapping,
  objectPath: string,
  value: Record<string, unknown>,
  dynamic: string,
): void {
  const properties = ((objectMapping['properties'] as Record<string, PropertyMapping> | undefined) ??= {});
  // Object.keys, not Object.entries: one array per object instead of one more per field.
  const keys = Object.keys(value);
  for (let keyIndex = 0; keyIndex < keys.length; keyIndex++) {
    const key = keys[keyIndex]!;
    const child = value[key];
    if (key.trim() === '') {
      throw errors.documentParsing(`field name cannot be an empty string`);
    }
    if (key.includes('.') && objectMapping['subobjects'] !== false) {
      const parts = key.split('.');
      if (parts.some((part) => part.trim() === '')) {
        throw errors.documentParsing(`object field starting or ending with a [.] makes object resolution ambiguous: [${key}]`);
      }
      let wrapped: unknown = child;
      for (let index = parts.length - 1; index >= 1; index--) wrapped = { [parts[index]!]: wrapped };
      parseObjectValue(walk, objectMapping, objectPath, { [parts[0]!]: wrapped }, dynamic);
      continue;
    }
    const path = objectPath === '' ? key : `${objectPath}.${key}`;
    let mapping = properties[key];
    if (mapping === undefined) {
      if (dynamic === 'strict') {
        throw errors.strictDynamicMapping(key, objectPath === '' ? '_doc' : objectPath);
      }
      if (dynamic === 'false') continue;
      const introduced = dynamic === 'runtime' ? introducedUnderRuntime(walk, key, path, child) : introducedMapping(walk, key, path, child);
      if (introduced === undefined) continue;
      if (isObjectMapping(introduced)) checkDynamicObjectDepth(path);
      properties[key] = introduced;
      mapping = introduced;
      walk.changed = true;
    }
    parseValue(walk, mapping, path, child, dynamic);
  }
  if (!hasOwnKey(properties)) delete objectMapping['properties'];
  else if (objectMapping['type'] === 'object') delete objectMapping['type'];
}

/**
 * `index.mapping.depth.limit` for an object mapping a document introduces: an object at path
 * `a.b` has depth 3 (the root counts as 1 and each object one more), as Elasticsearch counts it.
 * Checked before the object's fields are walked, so a deep document stops at the limit.
 */
function checkDynamicObjectDepth(path: string): void {
  const depth = path.split('.').length + 1;
  if (depth <= limits.fieldDepthMax) return;
  const cause = errors.illegalArgument(`Limit of mapping depth [${limits.fieldDepthMax}] has been exceeded due to object field [${path}]`);
  throw errors.documentParsing(`failed to parse: ${cause.message}`, cause);
}

function parseValue(walk: Walk, mapping: PropertyMapping, path: string, value: unknown, parentDynamic: string): void {
  // A geo_point array starting with a number is one point ([lon, lat]), not a list of values.
  if (Array.isArray(value) && !(mapping['type'] === 'geo_point' && typeof value[0] === 'number')) {
    for (const item of value) parseValue(walk, mapping, path, item, parentDynamic);
    return;
  }
  if (isObjectMapping(mapping)) {
    // A disabled object is kept in _source only, whatever its contents (even a concrete value).
    if (value === null || mapping['enabled'] === false) return;
    if (!isPlainObject(value)) {
      throw errors.documentParsing(`object mapping for [${path}] tried to parse field [${path.split('.').pop()}] as object, but found a concrete value`);
    }
    if (mapping['type'] === 'nested') parseNestedObject(walk, mapping, path, value, dynamicSetting(parentDynamic, mapping));
    else parseObjectValue(walk, mapping, path, value, dynamicSetting(parentDynamic, mapping));
    return;
  }
  if (mapping['type'] === 'alias') {
    const cause = errors.illegalArgument(`Cannot write to a field alias [${path}].`);
    throw errors.documentParsing(`failed to parse: ${cause.message}`, cause);
  }
  if (mapping['type'] === 'flattened') indexFlattened(walk, path, mapping, value);
  else if (mapping['type'] === 'completion') indexCompletion(walk, path, mapping, value);
  else if (isPlainObject(value) && mapping['type'] !== 'geo_point') {
    throw fieldError(walk, path, String(mapping['type']), value, errors.illegalArgument(`Can't get text on a START_OBJECT`));
  } else indexField(walk, path, mapping, value);
  if (mapping['copy_to'] !== undefined && walk.copying !== true) {
    for (const target of copyToTargets(mapping)) copyValue(walk, target, value);
  }
}

/**
 * `copy_to`: indexes `value` also into the field at `target` (a path from the root), not into
 * `_source`. A missing target (and its missing parent objects) is mapped by the dynamic rules of
 * the objects on its path, as Elasticsearch does; the target's own copy_to is not followed.
 */
function copyValue(walk: Walk, target: string, value: unknown): void {
  const parts = target.split('.');
  let object: PropertyMapping | RootMapping = walk.root;
  let objectPath = '';
  let dynamic = dynamicSetting('true', walk.root);
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!;
    const path = objectPath === '' ? part : `${objectPath}.${part}`;
    const last = index === parts.length - 1;
    let mapping = (object['properties'] as Record<string, PropertyMapping> | undefined)?.[part];
    if (mapping === undefined) {
      if (dynamic === 'strict') throw errors.strictDynamicMapping(part, objectPath === '' ? '_doc' : objectPath);
      if (dynamic === 'false' || dynamic === 'runtime') return;
      const leaf = last ? introducedMapping(walk, part, path, value) : dynamicMappingFor(walk, value);
      if (leaf === undefined) return;
      if (!last) checkDynamicObjectDepth(path);
      mapping = last ? leaf : { type: 'object' };
      ((object['properties'] as Record<string, PropertyMapping> | undefined) ??= {})[part] = mapping;
      if (object['type'] === 'object') delete object['type'];
      walk.changed = true;
    }
    if (last) {
      // The copy goes to the document of the target's nested object (an enclosing one or the
      // root), not necessarily to the nested document being parsed (checkCopyTo allows only those).
      const fields = walk.fields;
      walk.fields = copyTargetFields(walk, target);
      walk.copying = true;
      try {
        parseValue(walk, mapping, path, value, dynamic);
      } finally {
        walk.copying = false;
        walk.fields = fields;
      }
      return;
    }
    if (!isObjectMapping(mapping)) {
      const cause = errors.illegalArgument(
        `Could not dynamically add mapping for field [${target}]. Existing mapping for [${path}] must be of type object but found [${String(mapping['type'])}].`,
      );
      throw errors.documentParsing(`failed to parse: ${cause.message}`, cause);
    }
    object = mapping;
    objectPath = path;
    dynamic = dynamicSetting(dynamic, mapping);
  }
}

/**
 * A completion value (completion.ts): its inputs are indexed as `{input, weight}` for the
 * suggester, and each feeds the field's multi-fields (a completion sub-field keeps the weight).
 */
function indexCompletion(walk: Walk, path: string, mapping: PropertyMapping, value: unknown): void {
  if (value === null) return;
  let inputs;
  try {
    inputs = completionInputs(path, value, contextMappingsOf(mapping));
  } catch (error) {
    if (!(error instanceof EsError)) throw error;
    throw fieldError(walk, path, 'completion', value, error);
  }
  const subFields = mapping['fields'] as Record<string, PropertyMapping> | undefined;
  for (const entry of inputs) {
    if (entry.input.trim() === '') ignoreField(walk, path);
    else add(walk, path, { ...entry, input: truncateInput(mapping, entry.input) });
    if (subFields === undefined) continue;
    for (const subName in subFields) {
      if (!Object.hasOwn(subFields, subName)) continue;
      const sub = subFields[subName]!;
      // A completion sub-field gets the input with its weight (and its categories, when it has contexts too).
      const forSub = entry.contexts !== undefined && contextMappingsOf(sub).length > 0 ? entry : { input: entry.input, weight: entry.weight };
      indexField(walk, `${path}.${subName}`, sub, sub['type'] === 'completion' ? forSub : entry.input);
    }
  }
}

/**
 * A flattened field's leaves (see flattened.ts): each value is a keyword of the field and of its
 * key path `path.key`. A null (and no null_value) indexes nothing.
 */
function indexFlattened(walk: Walk, path: string, mapping: PropertyMapping, value: unknown): void {
  if (value === null) return;
  let leaves;
  try {
    leaves = flattenedLeaves(mapping, path, value);
  } catch (error) {
    if (!(error instanceof EsError)) throw error;
    throw fieldError(walk, path, 'flattened', value, error);
  }
  if (mapping['index'] === false && mapping['doc_values'] === false) return;
  for (const leaf of leaves) {
    add(walk, path, leaf.value);
    add(walk, `${path}.${leaf.key}`, leaf.value);
  }
}

/**
 * Parses a document `_source` against a mapping. Returns the indexable values per field and, when
 * the document introduced new fields (dynamic: true), the updated mapping to persist. Throws 400
 * document_parsing_exception (or strict_dynamic_mapping_exception) for values the mapping refuses.
 */
export function parseDocument(mapping: RootMapping, source: unknown, id: string, options: DocumentParseOptions = parseOptionsOf(mapping)): ParsedDocument {
  if (!isPlainObject(source)) {
    throw errors.documentParsing('failed to parse: root value must be an object', errors.illegalArgument('root value must be an object'));
  }
  // Root `enabled: false`: the whole document is kept in _source, nothing of it parsed or indexed.
  if (mapping['enabled'] === false) return { fields: {}, nested: [], mappingUpdate: undefined };
  const root = structuredClone(mapping) as RootMapping;
  const walk = newWalk(id, root, options);
  parseObjectValue(walk, root, '', source, dynamicSetting('true', root));
  completeCompletionContexts(mapping, walk.fields);
  return { fields: walk.fields, nested: walk.nested, mappingUpdate: walk.changed ? root : undefined };
}

function newWalk(id: string, root: RootMapping, options: DocumentParseOptions): Walk {
  const fields: Record<string, unknown[]> = {};
  return {
    id,
    root,
    fields,
    rootFields: fields,
    changed: false,
    ignoreMalformed: options.ignoreMalformed === true,
    dynamicTemplates: options.dynamicTemplates,
    nested: [],
    nestedOffsets: undefined,
    nestedCount: 0,
    nestedStack: [],
    nestedObjectsLimit: options.nestedObjectsLimit ?? Infinity,
  };
}

/** Freezes a mapping tree so that any attempt to change it throws (used by `parseDocumentAgainst`). */
export function deepFreezeMapping<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreezeMapping(child);
  }
  return value;
}

/**
 * `parseDocument` without copying the mapping, for documents already written under it (the
 * searcher's refresh): `frozen` must come from `deepFreezeMapping`. Returns undefined when the
 * document would change the mapping (the caller then uses `parseDocument`); a refresh of many
 * documents copies the mapping once instead of once per document.
 */
export function parseDocumentAgainst(frozen: RootMapping, source: unknown, id: string, options: DocumentParseOptions = parseOptionsOf(frozen)): ParsedDocument | undefined {
  if (!isPlainObject(source)) return undefined;
  if (frozen['enabled'] === false) return { fields: {}, nested: [], mappingUpdate: undefined };
  const walk = newWalk(id, frozen, options);
  try {
    parseObjectValue(walk, frozen, '', source, dynamicSetting('true', frozen));
  } catch (error) {
    if (error instanceof TypeError) return undefined; // an attempted mapping change hit the frozen tree
    throw error;
  }
  if (!walk.changed) completeCompletionContexts(frozen, walk.fields);
  return walk.changed ? undefined : { fields: walk.fields, nested: walk.nested, mappingUpdate: undefined };
}
