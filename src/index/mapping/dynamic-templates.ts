/**
 * Root `dynamic_templates` (pure): their validation at mapping time, their merge on a mapping
 * update, and the choice of the mapping a new field gets when dynamic mapping adds it
 * (document.ts). A runtime template (`runtime` instead of `mapping`) adds the new field to the
 * mapping's `runtime` section instead (not indexed; its values read from `_source` at search
 * time), its `type` by default the one Elasticsearch gives each JSON kind (string → keyword,
 * long, double, boolean, date); it cannot match objects or binary values.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/dynamic-templates.html
 */
import { errors } from '../../common/index.js';
import { isPlainObject, parseMapping, type PropertyMapping } from './mapping.js';
import { parseRuntimeMappings } from '../script/runtime-fields.js';

/** The runtime field type a runtime template gives each JSON kind when it names none (DynamicFieldsBuilder's runtime strategy). */
const defaultRuntimeTypes: Readonly<Record<string, string>> = { string: 'keyword', long: 'long', double: 'double', boolean: 'boolean', date: 'date' };

/** The JSON kinds a template's `match_mapping_type` names, with the field type each maps to by default. */
const defaultTypes: Readonly<Record<string, string>> = {
  object: 'object', string: 'text', long: 'long', double: 'float', boolean: 'boolean', date: 'date', binary: 'binary',
};

const templateParameters = new Set(['match_mapping_type', 'unmatch_mapping_type', 'match', 'unmatch', 'path_match', 'path_unmatch', 'match_pattern', 'mapping', 'runtime']);

type Template = Readonly<Record<string, Record<string, unknown>>>;

function listOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Substitutes `{name}` and `{dynamic_type}` (also `{dynamicType}`) in every string of a template mapping. */
function substitute(value: unknown, name: string, dynamicType: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{name}', name).replaceAll('{dynamic_type}', dynamicType).replaceAll('{dynamicType}', dynamicType);
  if (Array.isArray(value)) return value.map((item) => substitute(item, name, dynamicType));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [substitute(key, name, dynamicType) as string, substitute(item, name, dynamicType)]));
  return value;
}

/**
 * Validates a `dynamic_templates` value and returns it: a list of single-key objects whose
 * configuration has a `mapping`, known `match_mapping_type` names and a `match_pattern` of
 * `simple` or `regex`; each mapping must parse for every type it can match (Elasticsearch 8.x).
 */
export function parseDynamicTemplates(value: unknown): Template[] {
  if (!Array.isArray(value)) throw errors.mapperParsing(`Dynamic template syntax error. An array of named objects is expected.`);
  const templates: Template[] = [];
  for (const entry of value) {
    if (!isPlainObject(entry) || Object.keys(entry).length !== 1) {
      throw errors.mapperParsing(`Dynamic template syntax error. An array of named objects is expected.`);
    }
    const [name, config] = Object.entries(entry)[0]!;
    if (!isPlainObject(config)) throw errors.mapperParsing(`Dynamic template syntax error. An array of named objects is expected.`);
    for (const key of Object.keys(config)) {
      if (!templateParameters.has(key)) throw errors.mapperParsing(`Illegal dynamic template parameter: [${key}]`);
    }
    if ((config['mapping'] === undefined) === (config['runtime'] === undefined)) throw errors.mapperParsing(`template [${name}] must have either mapping or runtime set`);
    if (config['runtime'] !== undefined) {
      validateRuntimeTemplate(name, config);
      templates.push({ [name]: config });
      continue;
    }
    if (!isPlainObject(config['mapping'])) throw errors.mapperParsing(`Failed to parse mapping: [mapping] of dynamic template [${name}] must be an object`);
    const pattern = config['match_pattern'] ?? 'simple';
    if (pattern !== 'simple' && pattern !== 'regex') throw errors.illegalArgument(`No matching pattern found for [${String(pattern)}]`);
    const types = [...(listOf(config['match_mapping_type']) ?? []), ...(listOf(config['unmatch_mapping_type']) ?? [])];
    for (const type of types) {
      if (type !== '*' && defaultTypes[type] === undefined) {
        throw errors.mapperParsing(`No field type matched on [${type}], possible values are [object, string, long, double, boolean, date, binary]`);
      }
    }
    if (pattern === 'regex') {
      for (const key of ['match', 'unmatch', 'path_match', 'path_unmatch']) {
        for (const regex of listOf(config[key]) ?? []) {
          try {
            new RegExp(regex);
          } catch {
            throw errors.illegalArgument(`Invalid regex pattern [${regex}] in dynamic template [${name}]`);
          }
        }
      }
    }
    // Elasticsearch 8.x refuses a template whose mapping does not parse for a type it can match.
    const matchTypes = listOf(config['match_mapping_type']);
    const candidates = matchTypes === undefined || matchTypes.includes('*') ? Object.keys(defaultTypes) : matchTypes;
    for (const type of candidates) {
      const mapping = substitute(config['mapping'], '__dynamic__', defaultTypes[type]!) as Record<string, unknown>;
      const withType = mapping['type'] === undefined && type !== 'object' ? { ...mapping, type: defaultTypes[type] } : mapping;
      try {
        parseMapping({ properties: { __dynamic__: withType } });
      } catch (error) {
        throw errors.mapperParsing(
          `dynamic template [${name}] has invalid content [${JSON.stringify({ [name]: config })}], attempted to validate it with the following match_mapping_type: [${type}], caused by [${error instanceof Error ? error.message : String(error)}]`,
        );
      }
    }
    templates.push({ [name]: config });
  }
  return templates;
}

/** A runtime template: its definition must be a runtime field for each kind it can match, and no object or binary kind. */
function validateRuntimeTemplate(name: string, config: Readonly<Record<string, unknown>>): void {
  if (!isPlainObject(config['runtime'])) throw errors.mapperParsing(`Failed to parse mapping: [runtime] of dynamic template [${name}] must be an object`);
  const pattern = config['match_pattern'] ?? 'simple';
  if (pattern !== 'simple' && pattern !== 'regex') throw errors.illegalArgument(`No matching pattern found for [${String(pattern)}]`);
  const matchTypes = listOf(config['match_mapping_type']);
  for (const type of [...(matchTypes ?? []), ...(listOf(config['unmatch_mapping_type']) ?? [])]) {
    if (type !== '*' && defaultTypes[type] === undefined) throw errors.mapperParsing(`No field type matched on [${type}], possible values are [object, string, long, double, boolean, date, binary]`);
  }
  const candidates = matchTypes === undefined || matchTypes.includes('*') ? Object.keys(defaultRuntimeTypes) : matchTypes;
  for (const type of candidates) {
    const runtimeType = defaultRuntimeTypes[type];
    if (runtimeType === undefined) {
      throw errors.mapperParsing(`Dynamic template [${name}] defines a runtime field but type [${type}] is not supported as runtime field`);
    }
    try {
      parseRuntimeMappings({ __dynamic__: runtimeDefinition(config['runtime'] as Record<string, unknown>, '__dynamic__', type) });
    } catch (error) {
      throw errors.mapperParsing(
        `dynamic template [${name}] has invalid content [${JSON.stringify({ [name]: config })}], attempted to validate it with the following match_mapping_type: [${type}], caused by [${error instanceof Error ? error.message : String(error)}]`,
      );
    }
  }
}

/** A runtime template's definition for one field: `{name}`/`{dynamic_type}` substituted, the kind's type when it names none. */
function runtimeDefinition(runtime: Readonly<Record<string, unknown>>, name: string, matchType: string): Record<string, unknown> {
  const dynamicType = defaultRuntimeTypes[matchType] ?? defaultTypes[matchType]!;
  const definition = substitute(runtime, name, dynamicType) as Record<string, unknown>;
  return definition['type'] === undefined ? { ...definition, type: dynamicType } : definition;
}

/** A mapping update's templates replace those of the same name (keeping their place); new names are appended. */
export function mergeDynamicTemplates(existing: unknown, incoming: unknown): unknown {
  if (!Array.isArray(existing) || !Array.isArray(incoming)) return incoming ?? existing;
  const byName = new Map<string, unknown>();
  for (const template of [...existing, ...incoming] as Template[]) byName.set(Object.keys(template)[0]!, template);
  return [...byName.values()];
}

function globMatch(pattern: string, text: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(text);
}

function anyMatch(patterns: string[] | undefined, text: string, regex: boolean): boolean {
  if (patterns === undefined) return false;
  return patterns.some((pattern) => (regex ? new RegExp(`^(?:${pattern})$`).test(text) : globMatch(pattern, text)));
}

/**
 * The first template matching a new field (`name` its last path part, `path` its full path,
 * `matchType` the JSON kind: string, long, double, boolean, date, object): a field mapping, or a
 * runtime field definition; `{name}` and `{dynamic_type}` substituted; undefined when none
 * matches (a runtime template matches no object or binary value).
 */
export function dynamicTemplateMatch(
  templates: unknown,
  name: string,
  path: string,
  matchType: string,
): { readonly mapping: PropertyMapping; readonly runtime?: undefined } | { readonly runtime: Record<string, unknown>; readonly mapping?: undefined } | undefined {
  if (!Array.isArray(templates)) return undefined;
  for (const template of templates as Template[]) {
    const config = Object.values(template)[0]!;
    const regex = config['match_pattern'] === 'regex';
    const types = listOf(config['match_mapping_type']);
    // Without match_mapping_type, a template matches every kind only when it has a match or
    // path_match; with neither it matches nothing and is used by name only (bulk dynamic_templates),
    // as Elasticsearch's DynamicTemplate.parse decides.
    if (types === undefined && config['match'] === undefined && config['path_match'] === undefined) continue;
    if (types !== undefined && !types.includes('*') && !types.includes(matchType)) continue;
    const unmatchTypes = listOf(config['unmatch_mapping_type']);
    if (unmatchTypes !== undefined && unmatchTypes.includes(matchType)) continue;
    const match = listOf(config['match']);
    if (match !== undefined && !anyMatch(match, name, regex)) continue;
    if (anyMatch(listOf(config['unmatch']), name, regex)) continue;
    const pathMatch = listOf(config['path_match']);
    if (pathMatch !== undefined && !anyMatch(pathMatch, path, regex)) continue;
    if (anyMatch(listOf(config['path_unmatch']), path, regex)) continue;
    if (config['runtime'] !== undefined && defaultRuntimeTypes[matchType] === undefined) continue;
    return templateResult(config, name, matchType);
  }
  return undefined;
}

type TemplateResult = { readonly mapping: PropertyMapping; readonly runtime?: undefined } | { readonly runtime: Record<string, unknown>; readonly mapping?: undefined };

/** What one template gives a field of this name and JSON kind. */
function templateResult(config: Readonly<Record<string, unknown>>, name: string, matchType: string): TemplateResult {
  if (config['runtime'] !== undefined) return { runtime: runtimeDefinition(config['runtime'] as Record<string, unknown>, name, matchType) };
  const dynamicType = defaultTypes[matchType]!;
  const mapping = substitute(config['mapping'], name, dynamicType) as Record<string, unknown>;
  const withType = mapping['type'] === undefined && matchType !== 'object' ? { ...mapping, type: dynamicType } : mapping;
  // The stored form, as a mapping update with this field would store it.
  const parsed = parseMapping({ properties: { __dynamic__: withType } });
  return { mapping: (parsed['properties'] as Record<string, PropertyMapping>)['__dynamic__']! };
}

/**
 * The template a bulk item names for a new field (its `dynamic_templates` parameter): used
 * whatever its match conditions, as in Elasticsearch; a name no template has is a 400
 * document_parsing_exception.
 */
export function namedDynamicTemplate(templates: unknown, templateName: string, name: string, path: string, matchType: string): TemplateResult {
  const found = Array.isArray(templates) ? (templates as Template[]).find((template) => Object.keys(template)[0] === templateName) : undefined;
  if (found === undefined) throw errors.documentParsing(`failed to parse: Can't find dynamic template for dynamic template name [${templateName}] of field [${path}]`);
  const config = Object.values(found)[0]!;
  if (config['runtime'] !== undefined && defaultRuntimeTypes[matchType] === undefined) {
    throw errors.documentParsing(`Dynamic template [${templateName}] defines a runtime field but type [${matchType}] is not supported as runtime field (field [${path}])`);
  }
  return templateResult(config, name, matchType);
}
