/**
 * Index mappings (pure): parsing and normalizing a mapping definition, merging mapping updates
 * with Elasticsearch's conflict rules, and the flattened field list the search layer reads.
 * A mapping is kept as the JSON Elasticsearch renders in `GET /{index}/_mapping`.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping.html
 */
import { errors, limits } from '../../common/index.js';
import { getAnalyzer, type AnalyzerDefinition, type NormalizerDefinition } from '../analysis/index.js';
import { validateRuntimeSection } from '../script/runtime-fields.js';
import { flattenedParameters, parseFlattenedParameters } from './flattened.js';
import { completionParameters, parseCompletionParameters } from './completion.js';
import { checkSupportedParameterValues, checkSupportedRootParameters } from './parameter-support.js';
import { checkCopyTo, checkCopyToValue, copyToTargets } from './copy-to.js';
import { mergeDynamicTemplates, parseDynamicTemplates } from './dynamic-templates.js';
import { checkSourceMappingUpdate, checkSourceWithCompletion } from './source-mapping.js';

/** One property as stored: an object mapper (`properties`) or a field mapper (`type`). */
export type PropertyMapping = Record<string, unknown>;
/** The root mapping as stored and rendered; `{}` for an index without mappings. */
export type RootMapping = Record<string, unknown>;

export const fieldTypes = [
  'text',
  'keyword',
  'long',
  'integer',
  'short',
  'byte',
  'double',
  'float',
  'half_float',
  'boolean',
  'scaled_float',
  'date',
  'date_nanos',
  'ip',
  'geo_point',
  'constant_keyword',
  'match_only_text',
  'wildcard',
  'token_count',
  'binary',
  'alias',
  'flattened',
  'completion',
] as const;
export type FieldType = (typeof fieldTypes)[number];
export type ObjectType = 'object' | 'nested';

export const numericTypes: ReadonlySet<string> = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float']);

/**
 * Field types Elasticsearch knows that Strait does not implement. A mapping that declares one is
 * refused with a 400 naming the type (rather than Elasticsearch's "No handler" for types that do
 * not exist at all), so a client learns the mapping would not behave as on Elasticsearch.
 */
export const unsupportedFieldTypes: ReadonlySet<string> = new Set([
  'unsigned_long',
  'version',
  'search_as_you_type',
  'dense_vector',
  'sparse_vector',
  'rank_feature',
  'rank_features',
  'semantic_text',
  'integer_range',
  'long_range',
  'float_range',
  'double_range',
  'date_range',
  'ip_range',
  'percolator',
  'join',
  'geo_shape',
  'shape',
  'point',
  'histogram',
  'aggregate_metric_double',
  'annotated_text',
  'murmur3',
  'counted_keyword',
  'passthrough',
]);

/** Elasticsearch's default date format. */
export const DEFAULT_DATE_FORMAT = 'strict_date_optional_time||epoch_millis';
/** Elasticsearch's default format of `date_nanos` fields (8.0 and later). */
export const DEFAULT_DATE_NANOS_FORMAT = 'strict_date_optional_time_nanos||epoch_millis';

/** The `format` a date or date_nanos mapping uses (its own or the type's default). */
export function dateFormatOf(mapping: PropertyMapping): string {
  if (typeof mapping['format'] === 'string') return mapping['format'];
  return mapping['type'] === 'date_nanos' ? DEFAULT_DATE_NANOS_FORMAT : DEFAULT_DATE_FORMAT;
}

const commonParameters = ['type', 'index', 'doc_values', 'store', 'meta', 'fields', 'copy_to', 'boost', 'null_value'];
const parametersByType: Readonly<Record<string, readonly string[]>> = {
  text: [
    'analyzer',
    'search_analyzer',
    'search_quote_analyzer',
    'norms',
    'index_options',
    'position_increment_gap',
    'fielddata',
    'fielddata_frequency_filter',
    'term_vector',
    'similarity',
    'index_phrases',
    'index_prefixes',
    'eager_global_ordinals',
  ],
  keyword: [
    'ignore_above',
    'normalizer',
    'norms',
    'eager_global_ordinals',
    'split_queries_on_whitespace',
    'index_options',
    'similarity',
    'time_series_dimension',
  ],
  long: ['coerce', 'ignore_malformed', 'time_series_metric', 'time_series_dimension'],
  integer: ['coerce', 'ignore_malformed', 'time_series_metric', 'time_series_dimension'],
  short: ['coerce', 'ignore_malformed', 'time_series_metric', 'time_series_dimension'],
  byte: ['coerce', 'ignore_malformed', 'time_series_metric', 'time_series_dimension'],
  double: ['coerce', 'ignore_malformed', 'time_series_metric'],
  float: ['coerce', 'ignore_malformed', 'time_series_metric'],
  half_float: ['coerce', 'ignore_malformed', 'time_series_metric'],
  scaled_float: ['coerce', 'ignore_malformed', 'time_series_metric', 'scaling_factor'],
  boolean: [],
  date: ['format', 'locale', 'ignore_malformed', 'print_format'],
  date_nanos: ['format', 'locale', 'ignore_malformed', 'print_format'],
  match_only_text: [],
  wildcard: ['ignore_above'],
  token_count: ['analyzer', 'enable_position_increments'],
  binary: [],
  ip: ['ignore_malformed', 'time_series_dimension'],
  geo_point: ['ignore_malformed', 'ignore_z_value'],
};
/** Types that accept only these parameters (not the common ones). */
const restrictedParameters: Readonly<Record<string, readonly string[]>> = {
  constant_keyword: ['type', 'value', 'meta'],
  match_only_text: ['type', 'fields', 'meta', 'copy_to'],
  binary: ['type', 'doc_values', 'store', 'meta', 'copy_to'],
  alias: ['type', 'path'],
  flattened: flattenedParameters,
  completion: completionParameters,
};
const objectParameters = ['type', 'properties', 'dynamic', 'enabled', 'subobjects'];
const nestedParameters = [...objectParameters, 'include_in_parent', 'include_in_root'];
const rootParameters = [
  'properties',
  'dynamic',
  'date_detection',
  'numeric_detection',
  'dynamic_date_formats',
  'dynamic_templates',
  '_source',
  '_meta',
  '_routing',
  'enabled',
  'subobjects',
  'runtime',
];

/** Parameters whose value may change in a mapping update (everything else conflicts). */
const updateableParameters: ReadonlySet<string> = new Set([
  'path', // field aliases may point elsewhere
  'ignore_above',
  'meta',
  'search_analyzer',
  'search_quote_analyzer',
  'ignore_malformed',
  'fielddata',
  'eager_global_ordinals',
  'boost',
  'copy_to',
  'fielddata_frequency_filter',
  'depth_limit', // flattened
  'split_queries_on_whitespace', // keyword: only the search-time analysis changes
]);

/** Defaults used to decide whether an update "changes" a parameter (absent = its default). */
function parameterDefault(type: string, parameter: string): unknown {
  switch (parameter) {
    case 'index':
    case 'doc_values':
      return true;
    case 'store':
    case 'index_phrases':
      return false;
    case 'coerce':
      return true;
    case 'analyzer':
      return type === 'text' ? 'standard' : undefined;
    case 'norms':
      return type === 'text';
    case 'format':
      return type === 'date' ? DEFAULT_DATE_FORMAT : type === 'date_nanos' ? DEFAULT_DATE_NANOS_FORMAT : undefined;
    case 'position_increment_gap':
      return type === 'text' ? 100 : undefined;
    default:
      return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function javaMapPreview(value: unknown): string {
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([key, child]) => `${key}=${javaMapPreview(child)}`)
      .join(', ')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(javaMapPreview).join(', ')}]`;
  return String(value);
}

function javaClassOf(value: unknown): string {
  if (typeof value === 'string') return 'java.lang.String';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'java.lang.Integer' : 'java.lang.Double';
  if (Array.isArray(value)) return 'java.util.ArrayList';
  return 'java.util.LinkedHashMap';
}

function parseBooleanParameter(value: unknown, name: string, path: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw errors.mapperParsing(`Failed to parse mapping: [${name}] on mapper [${path}] must be a boolean, got [${String(value)}]`);
}

function parseDynamic(value: unknown, path: string): string {
  const text = String(value).toLowerCase();
  if (['true', 'false', 'strict', 'runtime'].includes(text) && (typeof value === 'string' || typeof value === 'boolean')) return text;
  throw errors.mapperParsing(
    `Could not convert [${path === '' ? '_doc' : path}.dynamic] to boolean, allowed values are [true, false, strict, runtime]`,
  );
}

/**
 * Expands dotted property names (`"a.b": {...}` → `a: {properties: {b: {...}}}`), as Elasticsearch
 * does when parsing `properties`.
 */
function expandDottedProperties(properties: Record<string, unknown>, path: string): Record<string, unknown> {
  const expanded: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(properties)) {
    if (name === '' || name.trim() === '') {
      throw errors.mapperParsing(`field name cannot be an empty string`);
    }
    const parts = name.split('.');
    if (parts.length === 1) {
      expanded[name] = mergeRawDefinitions(expanded[name], definition);
      continue;
    }
    if (parts.some((part) => part === '')) {
      throw errors.illegalArgument(`field name cannot contain only whitespace or be an empty segment: ['${path === '' ? '' : path + '.'}${name}']`);
    }
    let wrapped: unknown = definition;
    for (let index = parts.length - 1; index >= 1; index--) wrapped = { properties: { [parts[index]!]: wrapped } };
    expanded[parts[0]!] = mergeRawDefinitions(expanded[parts[0]!], wrapped);
  }
  return expanded;
}

function mergeRawDefinitions(existing: unknown, incoming: unknown): unknown {
  if (!isPlainObject(existing) || !isPlainObject(incoming)) return incoming;
  const existingProperties = existing['properties'];
  const incomingProperties = incoming['properties'];
  if (isPlainObject(existingProperties) && isPlainObject(incomingProperties)) {
    const properties: Record<string, unknown> = { ...existingProperties };
    for (const [name, definition] of Object.entries(incomingProperties)) properties[name] = mergeRawDefinitions(properties[name], definition);
    return { ...existing, ...incoming, properties };
  }
  return { ...existing, ...incoming };
}

/** Parses a field or object definition at `path` into its normalized stored form. */
function parseProperty(name: string, path: string, definition: unknown, depth: number): PropertyMapping {
  if (!isPlainObject(definition)) {
    throw errors.mapperParsing(`Expected map for property [fields] on field [${name}] but got a class ${javaClassOf(definition)}`);
  }
  if (depth > limits.fieldDepthMax) {
    throw errors.illegalArgument(`Limit of mapping depth [${limits.fieldDepthMax}] has been exceeded due to object field [${path}]`);
  }
  const rawType = definition['type'];
  if (rawType !== undefined && typeof rawType !== 'string') {
    throw errors.mapperParsing(`No type specified for field [${name}]`);
  }
  const type = rawType ?? 'object';
  if (type === 'object' || type === 'nested') return parseObject(path, definition, type, depth);
  if (unsupportedFieldTypes.has(type)) {
    throw errors.mapperParsing(`Field type [${type}] declared on field [${name}] is not supported by Strait`);
  }
  if (!(fieldTypes as readonly string[]).includes(type)) {
    throw errors.mapperParsing(`No handler for type [${type}] declared on field [${name}]`);
  }
  const allowed = new Set(restrictedParameters[type] ?? [...commonParameters, ...(parametersByType[type] ?? [])]);
  const unknown = Object.keys(definition).filter((key) => !allowed.has(key));
  if (unknown.length > 0) {
    throw errors.mapperParsing(`unknown parameter [${unknown[0]}] on mapper [${path}] of type [${type}]`);
  }
  const normalized: PropertyMapping = { ...definition, type };
  for (const parameter of ['index', 'doc_values', 'store', 'norms', 'coerce', 'ignore_malformed', 'eager_global_ordinals', 'fielddata', 'split_queries_on_whitespace']) {
    if (definition[parameter] !== undefined) normalized[parameter] = parseBooleanParameter(definition[parameter], parameter, path);
  }
  checkSupportedParameterValues(path, type, definition);
  checkCopyToValue(path, definition['copy_to']);
  // Elasticsearch renders copy_to as a list, whichever form was given.
  if (definition['copy_to'] !== undefined) normalized['copy_to'] = [...copyToTargets(definition)];
  if (definition['ignore_above'] !== undefined) {
    const ignoreAbove = Number(definition['ignore_above']);
    if (!Number.isInteger(ignoreAbove) || ignoreAbove < 0) {
      throw errors.mapperParsing(`Failed to parse mapping: [ignore_above] must be a non-negative integer on field [${path}]`);
    }
    normalized['ignore_above'] = ignoreAbove;
  }
  for (const parameter of ['analyzer', 'search_analyzer', 'search_quote_analyzer']) {
    const analyzer = definition[parameter];
    if (analyzer === undefined) continue;
    // A text field may name one of the index's analyzers: checkAnalysisNames checks those names
    // against the index's settings (the other types take the built-in analyzers only).
    if (typeof analyzer !== 'string' || (type !== 'text' && getAnalyzer(analyzer) === undefined)) {
      throw errors.mapperParsing(`analyzer [${String(analyzer)}] has not been configured in mappings`);
    }
  }
  if (definition['search_analyzer'] !== undefined && definition['analyzer'] === undefined && type !== 'completion') {
    // Elasticsearch requires the index analyzer when a search analyzer is set.
    throw errors.mapperParsing(`analyzer on field [${path}] must be set when search_analyzer is set`);
  }
  if (type === 'scaled_float') {
    const factor = definition['scaling_factor'];
    if (factor === undefined) throw errors.mapperParsing(`Field [scaling_factor] is required`);
    const number = typeof factor === 'number' ? factor : typeof factor === 'string' && factor.trim() !== '' ? Number(factor) : Number.NaN;
    if (!Number.isFinite(number) || number <= 0) throw errors.mapperParsing(`[scaling_factor] must be a positive number, got [${String(factor)}]`);
    normalized['scaling_factor'] = number;
  }
  if (type === 'flattened') parseFlattenedParameters(path, definition, normalized);
  if (type === 'completion') parseCompletionParameters(path, definition, normalized);
  if (type === 'alias') {
    if (typeof definition['path'] !== 'string' || definition['path'] === '') {
      throw errors.mapperParsing(`The [path] property must be specified for field [${name}].`);
    }
    return normalized;
  }
  if (type === 'token_count' && typeof definition['analyzer'] !== 'string') {
    throw errors.mapperParsing(`Analyzer must be set for field [${name}] but wasn't.`);
  }
  if (type === 'constant_keyword' && definition['value'] !== undefined) {
    const value = definition['value'];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw errors.mapperParsing(`Failed to parse mapping: [value] on mapper [${path}] of type [constant_keyword] must be a string`);
    }
    normalized['value'] = String(value);
  }
  if ((type === 'date' || type === 'date_nanos') && definition['format'] !== undefined && typeof definition['format'] !== 'string') {
    throw errors.mapperParsing(`Failed to parse mapping: [format] on mapper [${path}] must be a string`);
  }
  const fields = definition['fields'];
  if (fields !== undefined) {
    if (!isPlainObject(fields)) {
      throw errors.mapperParsing(`Expected map for property [fields] on field [${name}] but got a class ${javaClassOf(fields)}`);
    }
    const parsedFields: Record<string, PropertyMapping> = {};
    for (const [subName, subDefinition] of Object.entries(fields)) {
      if (subName.includes('.')) {
        throw errors.mapperParsing(`Field name [${subName}] which is a multi field of [${path}] cannot contain '.'`);
      }
      const sub = parseProperty(subName, `${path}.${subName}`, subDefinition, depth + 1);
      if (sub['properties'] !== undefined || sub['type'] === 'object' || sub['type'] === 'nested') {
        throw errors.mapperParsing(`Type [${String(sub['type'] ?? 'object')}] cannot be used in multi field`);
      }
      parsedFields[subName] = sub;
    }
    normalized['fields'] = parsedFields;
  }
  return normalized;
}

function parseObject(path: string, definition: Record<string, unknown>, type: ObjectType, depth: number): PropertyMapping {
  const allowed = new Set(type === 'nested' ? nestedParameters : objectParameters);
  const unknown = Object.keys(definition).filter((key) => !allowed.has(key));
  if (unknown.length > 0) {
    throw errors.mapperParsing(`unknown parameter [${unknown[0]}] on mapper [${path}] of type [${type}]`);
  }
  const normalized: PropertyMapping = {};
  if (type === 'nested') normalized['type'] = 'nested';
  if (definition['dynamic'] !== undefined) normalized['dynamic'] = parseDynamic(definition['dynamic'], path);
  if (definition['enabled'] !== undefined) normalized['enabled'] = parseBooleanParameter(definition['enabled'], 'enabled', path);
  for (const parameter of ['include_in_parent', 'include_in_root', 'subobjects']) {
    if (definition[parameter] !== undefined) normalized[parameter] = parseBooleanParameter(definition[parameter], parameter, path);
  }
  const properties = definition['properties'];
  if (properties !== undefined) {
    if (!isPlainObject(properties)) {
      throw errors.mapperParsing(`Expected map for property [properties] on field [${path}] but got a class ${javaClassOf(properties)}`);
    }
    normalized['properties'] = parseProperties(properties, path, depth + 1);
  } else if (type === 'object') {
    normalized['type'] = 'object';
  }
  return normalized;
}

function parseProperties(properties: Record<string, unknown>, path: string, depth: number): Record<string, PropertyMapping> {
  const parsed: Record<string, PropertyMapping> = {};
  for (const [name, definition] of Object.entries(expandDottedProperties(properties, path))) {
    parsed[name] = parseProperty(name, path === '' ? name : `${path}.${name}`, definition, depth);
  }
  return parsed;
}

/**
 * Parses a mapping definition (the body of `PUT /{index}/_mapping` or `mappings` of create index)
 * into its normalized stored form. Throws 400 mapper_parsing_exception for a bad definition.
 */
export function parseMapping(input: unknown): RootMapping {
  if (input === undefined || input === null) return {};
  if (!isPlainObject(input)) throw errors.mapperParsing('Failed to parse mapping: mapping must be an object');
  const unsupported = Object.keys(input).filter((key) => !rootParameters.includes(key));
  if (unsupported.length > 0) {
    throw errors.mapperParsing(
      `Root mapping definition has unsupported parameters:  ${unsupported.map((key) => `[${key} : ${javaMapPreview(input[key])}]`).join(' ')}`,
    );
  }
  checkSupportedRootParameters(input);
  const root: RootMapping = {};
  if (input['dynamic'] !== undefined) root['dynamic'] = parseDynamic(input['dynamic'], '');
  // Root `enabled: false`: documents are kept in _source only (document.ts indexes nothing of them).
  if (input['enabled'] !== undefined) root['enabled'] = parseBooleanParameter(input['enabled'], 'enabled', '_doc');
  for (const parameter of ['date_detection', 'numeric_detection']) {
    if (input[parameter] !== undefined) root[parameter] = parseBooleanParameter(input[parameter], parameter, '_doc');
  }
  if (input['dynamic_date_formats'] !== undefined) {
    const formats = input['dynamic_date_formats'];
    if (!Array.isArray(formats) || formats.some((format) => typeof format !== 'string')) {
      throw errors.mapperParsing('Failed to parse mapping: [dynamic_date_formats] must be an array of strings');
    }
    root['dynamic_date_formats'] = formats;
  }
  // Runtime fields are computed at search time (script/runtime-fields.ts); their definitions are checked now.
  if (input['runtime'] !== undefined) validateRuntimeSection(input['runtime']);
  for (const parameter of ['dynamic_templates', '_source', '_meta', '_routing', 'runtime']) {
    if (input[parameter] !== undefined) root[parameter] = input[parameter];
  }
  if (input['dynamic_templates'] !== undefined) root['dynamic_templates'] = parseDynamicTemplates(input['dynamic_templates']);
  const properties = input['properties'];
  if (properties !== undefined) {
    if (!isPlainObject(properties)) throw errors.mapperParsing('Failed to parse mapping: [properties] must be an object');
    root['properties'] = parseProperties(properties, '', 1);
  }
  checkCopyTo(root);
  return root;
}

function isObjectMapping(mapping: PropertyMapping): boolean {
  return mapping['type'] === undefined || mapping['type'] === 'object' || mapping['type'] === 'nested';
}

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

function mergeField(path: string, existing: PropertyMapping, incoming: PropertyMapping): PropertyMapping {
  const type = String(existing['type']);
  if (incoming['type'] !== existing['type']) {
    throw errors.illegalArgument(`mapper [${path}] cannot be changed from type [${type}] to [${String(incoming['type'])}]`);
  }
  const conflicts: string[] = [];
  const merged: PropertyMapping = { ...existing };
  const parameters = new Set([...Object.keys(existing), ...Object.keys(incoming)]);
  for (const parameter of parameters) {
    if (parameter === 'type' || parameter === 'fields') continue;
    const before = existing[parameter] ?? parameterDefault(type, parameter);
    const after = incoming[parameter] ?? parameterDefault(type, parameter);
    if (incoming[parameter] === undefined && !updateableParameters.has(parameter)) continue;
    if (parameter === 'value' && type === 'constant_keyword' && existing['value'] === undefined) {
      // A constant_keyword without a value takes the first one given (mapping update or document).
      merged['value'] = incoming['value'];
      continue;
    }
    if (sameValue(before, after)) {
      if (incoming[parameter] !== undefined) merged[parameter] = incoming[parameter];
      continue;
    }
    if (updateableParameters.has(parameter)) {
      if (incoming[parameter] === undefined) delete merged[parameter];
      else merged[parameter] = incoming[parameter];
      continue;
    }
    conflicts.push(`Cannot update parameter [${parameter}] from [${String(before)}] to [${String(after)}]`);
  }
  if (conflicts.length > 0) {
    throw errors.illegalArgument(`Mapper for [${path}] conflicts with existing mapper:\n\t${conflicts.join('\n\t')}`);
  }
  const existingFields = (existing['fields'] ?? {}) as Record<string, PropertyMapping>;
  const incomingFields = (incoming['fields'] ?? {}) as Record<string, PropertyMapping>;
  if (Object.keys(incomingFields).length > 0) {
    const fields: Record<string, PropertyMapping> = { ...existingFields };
    for (const [name, sub] of Object.entries(incomingFields)) {
      fields[name] = fields[name] === undefined ? sub : mergeField(`${path}.${name}`, fields[name]!, sub);
    }
    merged['fields'] = fields;
  }
  return merged;
}

function mergeObject(path: string, existing: PropertyMapping, incoming: PropertyMapping): PropertyMapping {
  const existingNested = existing['type'] === 'nested';
  const incomingNested = incoming['type'] === 'nested';
  if (existingNested !== incomingNested && !(incoming['type'] === undefined && incoming['properties'] !== undefined && existingNested)) {
    throw errors.illegalArgument(
      existingNested ? `object mapping [${path}] can't be changed from nested to non-nested` : `object mapping [${path}] can't be changed from non-nested to nested`,
    );
  }
  const merged: PropertyMapping = { ...existing };
  for (const parameter of ['dynamic', 'enabled', 'include_in_parent', 'include_in_root', 'subobjects']) {
    if (incoming[parameter] === undefined) continue;
    if (parameter === 'enabled' && !sameValue(existing['enabled'] ?? true, incoming['enabled'])) {
      throw errors.illegalArgument(`the [enabled] parameter can't be updated for the object mapping [${path}]`);
    }
    merged[parameter] = incoming[parameter];
  }
  const properties = mergeProperties(
    path,
    (existing['properties'] ?? {}) as Record<string, PropertyMapping>,
    (incoming['properties'] ?? {}) as Record<string, PropertyMapping>,
  );
  if (Object.keys(properties).length > 0) {
    merged['properties'] = properties;
    if (merged['type'] === 'object') delete merged['type'];
  }
  return merged;
}

function mergeProperties(
  path: string,
  existing: Record<string, PropertyMapping>,
  incoming: Record<string, PropertyMapping>,
): Record<string, PropertyMapping> {
  const merged: Record<string, PropertyMapping> = { ...existing };
  for (const [name, mapping] of Object.entries(incoming)) {
    const fullPath = path === '' ? name : `${path}.${name}`;
    const current = merged[name];
    if (current === undefined) {
      merged[name] = mapping;
      continue;
    }
    const currentIsObject = isObjectMapping(current);
    const incomingIsObject = isObjectMapping(mapping);
    if (currentIsObject && incomingIsObject) merged[name] = mergeObject(fullPath, current, mapping);
    else if (!currentIsObject && !incomingIsObject) merged[name] = mergeField(fullPath, current, mapping);
    else if (currentIsObject) {
      throw errors.illegalArgument(`can't merge a non object mapping [${fullPath}] with an object mapping`);
    } else {
      throw errors.illegalArgument(`can't merge a non object mapping [${fullPath}] with an object mapping`);
    }
  }
  return merged;
}

/**
 * Elasticsearch merges the `runtime` section by name (RootObjectMapper): an update adds or
 * replaces the fields it names, `null` removes one, and the others stay.
 */
function mergeRuntime(merged: RootMapping, existing: unknown, incoming: unknown): void {
  const runtime: Record<string, unknown> = isPlainObject(existing) ? { ...existing } : {};
  for (const [name, definition] of Object.entries(isPlainObject(incoming) ? incoming : {})) {
    if (definition === null) delete runtime[name];
    else runtime[name] = definition;
  }
  if (Object.keys(runtime).length > 0) merged['runtime'] = runtime;
  else delete merged['runtime'];
}

/** Merges a parsed update into the current mapping with Elasticsearch's conflict rules. */
export function mergeMappings(existing: RootMapping, incoming: RootMapping): RootMapping {
  checkSourceMappingUpdate(existing, incoming);
  const merged: RootMapping = { ...existing };
  if (incoming['enabled'] !== undefined && incoming['enabled'] !== (existing['enabled'] ?? true)) {
    throw errors.illegalArgument(`the [enabled] parameter can't be updated for the object mapping [_doc]`);
  }
  for (const [parameter, value] of Object.entries(incoming)) {
    if (parameter === 'properties') continue;
    if (parameter === 'runtime') {
      mergeRuntime(merged, existing[parameter], value);
      continue;
    }
    merged[parameter] = parameter === 'dynamic_templates' ? mergeDynamicTemplates(existing[parameter], value) : value;
  }
  const properties = mergeProperties(
    '',
    (existing['properties'] ?? {}) as Record<string, PropertyMapping>,
    (incoming['properties'] ?? {}) as Record<string, PropertyMapping>,
  );
  if (Object.keys(properties).length > 0) merged['properties'] = properties;
  return merged;
}

/** A leaf field as the search layer sees it (multi-fields appear as `path.sub`). */
export interface MappedField {
  readonly path: string;
  readonly type: FieldType;
  readonly analyzer?: string;
  readonly searchAnalyzer?: string;
  readonly format?: string;
  readonly ignoreAbove?: number;
  /** False when `index: false`: kept in `_source`, not searchable. */
  readonly indexed: boolean;
  /** The enclosing `nested` object path, if any (nested objects are stored as plain objects). */
  readonly nestedPath?: string;
  /** For a multi-field, the path of its parent field. */
  readonly parentPath?: string;
  /** `scaled_float`: values are stored as round(value × factor) / factor. */
  readonly scalingFactor?: number;
  /** `constant_keyword`: the value every document of the index has (unset until the first one). */
  readonly constantValue?: string;
  /** False when `doc_values: false`. */
  readonly docValues?: boolean;
  /** `alias`: the path of the field this alias stands for (validated to exist, not an alias). */
  readonly aliasPath?: string;
  /** The field's `meta` (string keys and values), which `_field_caps` reports. */
  readonly meta?: Readonly<Record<string, string>>;
  /** `store: true`: `stored_fields` returns its values. */
  readonly stored?: boolean;
  /** keyword `split_queries_on_whitespace: true`: full-text queries split their text on whitespace. */
  readonly splitQueriesOnWhitespace?: boolean;
  /** keyword `normalizer`, resolved against the index's analysis settings (see flattenMapping). */
  readonly normalizer?: NormalizerDefinition;
  /** text: the index analyzer `analyzer` names (or the index's `default`), when it is one of the index's. */
  readonly analyzerDefinition?: AnalyzerDefinition;
  /** text: the index analyzer queries use (`search_analyzer`, or the index's `default_search`), when it is one of the index's. */
  readonly searchAnalyzerDefinition?: AnalyzerDefinition;
  /** text and keyword: every analyzer the index defines, for a query's `analyzer` parameter (one object shared by the fields). */
  readonly indexAnalyzers?: Readonly<Record<string, AnalyzerDefinition>>;
}

export interface FlattenedMapping {
  readonly fields: ReadonlyMap<string, MappedField>;
  /** Paths of object and nested mappers. */
  readonly objects: ReadonlyMap<string, ObjectType>;
}

function toMappedField(
  path: string,
  mapping: PropertyMapping,
  nestedPath: string | undefined,
  parentPath: string | undefined,
  normalizers: ReadonlyMap<string, NormalizerDefinition>,
  analyzers: ReadonlyMap<string, AnalyzerDefinition>,
  indexAnalyzers?: Readonly<Record<string, AnalyzerDefinition>>,
): MappedField {
  const field: {
    -readonly [K in keyof MappedField]: MappedField[K];
  } = { path, type: mapping['type'] as FieldType, indexed: mapping['index'] !== false };
  if (typeof mapping['analyzer'] === 'string') field.analyzer = mapping['analyzer'];
  if (typeof mapping['search_analyzer'] === 'string') field.searchAnalyzer = mapping['search_analyzer'];
  if (field.type === 'alias') field.aliasPath = String(mapping['path']);
  if (field.type === 'date' || field.type === 'date_nanos') field.format = dateFormatOf(mapping);
  if (typeof mapping['scaling_factor'] === 'number') field.scalingFactor = mapping['scaling_factor'];
  if (field.type === 'constant_keyword' && typeof mapping['value'] === 'string') field.constantValue = mapping['value'];
  if (mapping['doc_values'] === false || (field.type === 'binary' && mapping['doc_values'] !== true)) field.docValues = false;
  if (typeof mapping['ignore_above'] === 'number') field.ignoreAbove = mapping['ignore_above'];
  if (mapping['store'] === true) field.stored = true;
  const split = mapping['split_queries_on_whitespace'];
  if (field.type === 'keyword' && (split === true || split === 'true')) field.splitQueriesOnWhitespace = true;
  const normalizer = field.type === 'keyword' && typeof mapping['normalizer'] === 'string' ? normalizers.get(mapping['normalizer']) : undefined;
  if (normalizer !== undefined) field.normalizer = normalizer;
  if (indexAnalyzers !== undefined && (field.type === 'text' || field.type === 'keyword')) field.indexAnalyzers = indexAnalyzers;
  if (field.type === 'text' && analyzers.size > 0) {
    // Elasticsearch: the field's analyzer, else the index's `default`; queries use the field's
    // search_analyzer, else its analyzer when it names one, else `default_search`, else `default`.
    const indexAnalyzer = analyzers.get(field.analyzer ?? 'default');
    if (indexAnalyzer !== undefined) field.analyzerDefinition = indexAnalyzer;
    const searchName = field.searchAnalyzer ?? (field.analyzer === undefined ? (analyzers.has('default_search') ? 'default_search' : undefined) : undefined);
    const searchAnalyzer = searchName === undefined ? undefined : analyzers.get(searchName);
    if (searchAnalyzer !== undefined) field.searchAnalyzerDefinition = searchAnalyzer;
  }
  const meta = mapping['meta'];
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta) && Object.keys(meta).length > 0) field.meta = meta as Record<string, string>;
  if (nestedPath !== undefined) field.nestedPath = nestedPath;
  if (parentPath !== undefined) field.parentPath = parentPath;
  return field;
}

/**
 * The flattened field list (path → field) of a mapping: what search and aggregations resolve against.
 * `normalizers` are the index's (normalizers.ts `normalizersOf`): a keyword field's `normalizer`
 * name resolves to its definition there; a name missing from them (checkAnalysisNames refuses
 * it when a mapping is written) leaves the field without one.
 */
export function flattenMapping(
  root: RootMapping,
  normalizers: ReadonlyMap<string, NormalizerDefinition> = new Map(),
  analyzers: ReadonlyMap<string, AnalyzerDefinition> = new Map(),
): FlattenedMapping {
  const fields = new Map<string, MappedField>();
  const objects = new Map<string, ObjectType>();
  const indexAnalyzers = analyzers.size === 0 ? undefined : Object.freeze(Object.fromEntries(analyzers));
  const walk = (properties: Record<string, PropertyMapping>, prefix: string, nestedPath: string | undefined): void => {
    for (const [name, mapping] of Object.entries(properties)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      if (isObjectMapping(mapping)) {
        const type: ObjectType = mapping['type'] === 'nested' ? 'nested' : 'object';
        objects.set(path, type);
        walk((mapping['properties'] ?? {}) as Record<string, PropertyMapping>, path, type === 'nested' ? path : nestedPath);
        continue;
      }
      fields.set(path, toMappedField(path, mapping, nestedPath, undefined, normalizers, analyzers, indexAnalyzers));
      for (const [subName, sub] of Object.entries((mapping['fields'] ?? {}) as Record<string, PropertyMapping>)) {
        fields.set(`${path}.${subName}`, toMappedField(`${path}.${subName}`, sub, nestedPath, path, normalizers, analyzers, indexAnalyzers));
      }
    }
  };
  walk((root['properties'] ?? {}) as Record<string, PropertyMapping>, '', undefined);
  const flattened = { fields, objects };
  flattenedRoots.set(flattened, root);
  return flattened;
}

/** Each flattened mapping's root mapping (nested documents are parsed against the root). */
const flattenedRoots = new WeakMap<FlattenedMapping, RootMapping>();

/** The root mapping `flattened` was made from. */
export function rootMappingOf(flattened: FlattenedMapping): RootMapping | undefined {
  return flattenedRoots.get(flattened);
}

/** Fields counted against `index.mapping.total_fields.limit` (fields, multi-fields and objects). */
export function countMappedFields(root: RootMapping): number {
  const flattened = flattenMapping(root);
  // Elasticsearch's MappingLookup counts each entry of the `runtime` section too (a composite
  // runtime field is one entry however many sub-fields it emits).
  const runtime = root['runtime'];
  const runtimeCount = isPlainObject(runtime) ? Object.values(runtime).filter((definition) => definition !== null).length : 0;
  return flattened.fields.size + flattened.objects.size + runtimeCount;
}

/**
 * The checks Elasticsearch makes on a whole mapping after a create or a merge: the index's total
 * fields limit, and that each field alias names an existing field that is not itself an alias
 * (an alias can point at a field of an earlier mapping update, so this cannot run per update).
 */
export function checkFieldLimits(root: RootMapping, totalFieldsLimit: number, nestedFieldsLimit = Infinity): void {
  const count = countMappedFields(root);
  if (count > totalFieldsLimit) {
    throw errors.illegalArgument(`Limit of total fields [${totalFieldsLimit}] has been exceeded`);
  }
  // `index.mapping.nested_fields.limit`: nested mappers in the whole mapping (MappingLookup.checkNestedLimit).
  if (nestedFieldsLimit !== Infinity) {
    let nestedCount = 0;
    for (const type of flattenMapping(root).objects.values()) if (type === 'nested') nestedCount++;
    if (nestedCount > nestedFieldsLimit) throw errors.illegalArgument(`Limit of nested fields [${nestedFieldsLimit}] has been exceeded`);
  }
  checkCopyTo(root); // targets may be fields of an earlier mapping update
  const flattened = flattenMapping(root);
  checkSourceWithCompletion(root, [...flattened.fields.values()].filter((field) => field.type === 'completion').map((field) => field.path));
  for (const field of flattened.fields.values()) {
    if (field.aliasPath === undefined) continue;
    const target = field.aliasPath === field.path ? undefined : flattened.fields.get(field.aliasPath);
    if (target === undefined) {
      throw errors.mapperParsing(`Invalid [path] value [${field.aliasPath}] for field alias [${field.path}]: an alias must refer to an existing field in the mappings.`);
    }
    if (target.type === 'alias') {
      throw errors.mapperParsing(`Invalid [path] value [${field.aliasPath}] for field alias [${field.path}]: an alias cannot refer to another alias.`);
    }
  }
}

/**
 * Refuses, as Elasticsearch does when a mapping is created or updated, a keyword field whose
 * `normalizer` names none of the index's normalizers: 400 mapper_parsing_exception
 * "Failed to parse mapping: normalizer [n] not found for field [f]"; and a text field whose
 * analyzer is neither the index's nor a built-in one ("analyzer [a] has not been configured in mappings").
 */
export function checkAnalysisNames(root: RootMapping, normalizers: ReadonlyMap<string, NormalizerDefinition>, analyzers: ReadonlyMap<string, AnalyzerDefinition>): void {
  const walk = (properties: Record<string, PropertyMapping>, prefix: string): void => {
    for (const [name, mapping] of Object.entries(properties)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      if (isObjectMapping(mapping)) {
        walk((mapping['properties'] ?? {}) as Record<string, PropertyMapping>, path);
        continue;
      }
      const fields: [string, PropertyMapping][] = [[path, mapping], ...Object.entries((mapping['fields'] ?? {}) as Record<string, PropertyMapping>).map(([sub, value]): [string, PropertyMapping] => [`${path}.${sub}`, value])];
      for (const [fieldPath, field] of fields) {
        // A text field's analyzers: the index's or the built-in ones (the other types were checked when parsed).
        for (const parameter of field['type'] === 'text' ? ['analyzer', 'search_analyzer', 'search_quote_analyzer'] : []) {
          const analyzer = field[parameter];
          if (typeof analyzer === 'string' && !analyzers.has(analyzer) && getAnalyzer(analyzer) === undefined) {
            throw errors.mapperParsing(`analyzer [${analyzer}] has not been configured in mappings`);
          }
        }
        const normalizer = field['normalizer'];
        if (field['type'] !== 'keyword' || normalizer === undefined || normalizer === null) continue;
        if (typeof normalizer !== 'string' || !normalizers.has(normalizer)) {
          const cause = errors.mapperParsing(`normalizer [${String(normalizer)}] not found for field [${fieldPath}]`);
          throw errors.mapperParsing(`Failed to parse mapping: ${cause.message}`, cause);
        }
      }
    }
  };
  walk((root['properties'] ?? {}) as Record<string, PropertyMapping>, '');
}

/** Looks up a property mapping by dotted path (objects only walked through `properties`). */
export function findProperty(root: RootMapping, path: string): PropertyMapping | undefined {
  let properties = (root['properties'] ?? {}) as Record<string, PropertyMapping>;
  const parts = path.split('.');
  for (let index = 0; index < parts.length; index++) {
    const mapping = properties[parts[index]!];
    if (mapping === undefined) return undefined;
    if (index === parts.length - 1) return mapping;
    if (!isObjectMapping(mapping)) {
      const sub = (mapping['fields'] as Record<string, PropertyMapping> | undefined)?.[parts.slice(index + 1).join('.')];
      return sub;
    }
    properties = (mapping['properties'] ?? {}) as Record<string, PropertyMapping>;
  }
  return undefined;
}

export { isObjectMapping, isPlainObject, javaMapPreview };
