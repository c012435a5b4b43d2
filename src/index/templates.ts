/**
 * Index templates (pure): composable index templates, component templates and legacy templates,
 * as Elasticsearch's MetadataIndexTemplateService parses, validates, matches and composes them.
 *
 * - A composable template (`PUT /_index_template/x`) names `index_patterns`, a `priority`, the
 *   component templates it is `composed_of` and its own `template` (settings, mappings, aliases).
 *   Two composable templates with overlapping patterns may not share a priority.
 * - A new index takes the highest-priority composable template matching its name: its component
 *   templates in order, then its own template, each overriding what came before; the create
 *   request's own settings, mappings and aliases override all of them.
 * - Legacy templates (`PUT /_template/x`) apply only when no composable template matches: every
 *   matching one, lower `order` first.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/index-templates.html
 * and the rest-api-spec tests indices.put_index_template, cluster.put_component_template,
 * indices.simulate_index_template and indices.put_template.
 */
import { errors } from '../common/index.js';
import { parseMapping } from './mapping/index.js';
import { parseAliasDefinition } from './indices-service.js';
import { wildcardMatch } from './expression.js';
import { nestFlatSettings, parseCreateSettings } from './settings.js';
import type { AliasMetadata } from './store/index.js';
import { renderFlatSettingValues } from './setting-lists.js';

/** What a template gives a new index: flat `index.*` settings, a mapping, aliases. */
export interface TemplateContent {
  readonly settings: Readonly<Record<string, string>>;
  readonly mappings: Readonly<Record<string, unknown>>;
  readonly aliases: Readonly<Record<string, AliasMetadata>>;
}

export interface DataStreamTemplate {
  readonly hidden: boolean;
  readonly allow_custom_routing: boolean;
}

export interface ComposableTemplate {
  readonly index_patterns: readonly string[];
  /** undefined when the body had no `template`. */
  readonly template: TemplateContent | undefined;
  readonly composed_of: readonly string[];
  readonly priority: number | undefined;
  readonly version: number | undefined;
  readonly _meta: Readonly<Record<string, unknown>> | undefined;
  readonly data_stream: DataStreamTemplate | undefined;
  readonly allow_auto_create: boolean | undefined;
  readonly ignore_missing_component_templates: readonly string[] | undefined;
}

export interface ComponentTemplate {
  readonly template: TemplateContent;
  readonly version: number | undefined;
  readonly _meta: Readonly<Record<string, unknown>> | undefined;
  /** Marks a component template its owner means to remove (shown, nothing else changes). */
  readonly deprecated?: boolean;
}

export interface LegacyTemplate {
  readonly order: number;
  readonly index_patterns: readonly string[];
  readonly version: number | undefined;
  readonly content: TemplateContent;
}

/** Every template the node holds, by name. */
export interface TemplateState {
  readonly composable: ReadonlyMap<string, ComposableTemplate>;
  readonly component: ReadonlyMap<string, ComponentTemplate>;
  readonly legacy: ReadonlyMap<string, LegacyTemplate>;
}

export const emptyContent: TemplateContent = { settings: {}, mappings: {}, aliases: {} };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Java's List.toString, which Elasticsearch's messages print: `[a, b]`. */
function javaList(values: readonly string[]): string {
  return `[${values.join(', ')}]`;
}

// ---------------------------------------------------------------- parsing

function parseLong(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw errors.xContentParse(`[1:2] [${field}] failed to parse field: ${JSON.stringify(value)} is not a long`);
}

function parseMeta(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw errors.xContentParse('[1:2] [_meta] must be an object');
  return value;
}

function parsePatterns(value: unknown): string[] {
  if (typeof value === 'string') return value.split(',').map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
  if (Array.isArray(value) && value.every((pattern) => typeof pattern === 'string')) return value as string[];
  throw errors.xContentParse('[1:2] [index_patterns] must be a string or an array of strings');
}

function parseStringList(value: unknown, field: string): string[] {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw errors.xContentParse(`[1:2] [${field}] must be an array of strings`);
}

function parseBoolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw errors.xContentParse(`[1:2] [${field}] failed to parse field: must be a boolean`);
}

/** Settings, mappings and aliases of a template, validated as a create-index request would be. */
export function parseTemplateContent(input: unknown, owner: string): TemplateContent {
  if (input === undefined || input === null) return emptyContent;
  if (!isPlainObject(input)) throw errors.xContentParse(`[1:2] [${owner}] template must be an object`);
  let settings: Record<string, string> = {};
  let mappings: Record<string, unknown> = {};
  const aliases: Record<string, AliasMetadata> = {};
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'settings':
        settings = parseCreateSettings(value);
        break;
      case 'mappings':
        // Parsed to validate it; the given form is kept, since later mappings compose over it.
        parseMapping(isPlainObject(value) ? expandDottedProperties(value) : value);
        mappings = isPlainObject(value) ? expandDottedProperties(value) : {};
        break;
      case 'aliases':
        if (value === undefined || value === null) break;
        if (!isPlainObject(value)) throw errors.xContentParse('[1:2] [aliases] must be an object');
        for (const [alias, definition] of Object.entries(value)) aliases[alias] = parseAliasDefinition(definition);
        break;
      case 'lifecycle':
      case 'data_stream_options':
        throw errors.illegalArgument(`[${key}] in a template is not supported by Strait (no data stream lifecycle)`);
      default:
        throw errors.xContentParse(`[1:2] [template] unknown field [${key}]`);
    }
  }
  return { settings, mappings, aliases };
}

/** Parses the body of `PUT /_index_template/{name}`. */
export function parseComposableTemplate(body: unknown): ComposableTemplate {
  if (!isPlainObject(body)) throw errors.parsing('request body must be an object');
  let indexPatterns: string[] | undefined;
  let template: TemplateContent | undefined;
  let composedOf: string[] = [];
  let priority: number | undefined;
  let version: number | undefined;
  let meta: Record<string, unknown> | undefined;
  let dataStream: DataStreamTemplate | undefined;
  let allowAutoCreate: boolean | undefined;
  let ignoreMissing: string[] | undefined;
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'index_patterns':
        indexPatterns = parsePatterns(value);
        break;
      case 'template':
        template = parseTemplateContent(value, 'index_template');
        break;
      case 'composed_of':
        composedOf = value === null ? [] : parseStringList(value, 'composed_of');
        break;
      case 'priority':
        if (value !== null) priority = parseLong(value, 'priority');
        break;
      case 'version':
        if (value !== null) version = parseLong(value, 'version');
        break;
      case '_meta':
        meta = parseMeta(value);
        break;
      case 'data_stream':
        dataStream = parseDataStreamTemplate(value);
        break;
      case 'allow_auto_create':
        if (value !== null) allowAutoCreate = parseBoolean(value, 'allow_auto_create');
        break;
      case 'ignore_missing_component_templates':
        ignoreMissing = parseStringList(value, 'ignore_missing_component_templates');
        break;
      default:
        throw errors.xContentParse(`[1:2] [index_template] unknown field [${key}]`);
    }
  }
  const problems: string[] = [];
  if (indexPatterns === undefined || indexPatterns.length === 0) problems.push('index patterns are missing');
  if (priority !== undefined && priority < 0) problems.push('index template priority must be >= 0');
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  return {
    index_patterns: indexPatterns!,
    template,
    composed_of: composedOf,
    priority,
    version,
    _meta: meta,
    data_stream: dataStream,
    allow_auto_create: allowAutoCreate,
    ignore_missing_component_templates: ignoreMissing,
  };
}

function parseDataStreamTemplate(value: unknown): DataStreamTemplate | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isPlainObject(value)) throw errors.xContentParse('[1:2] [data_stream] must be an object');
  let hidden = false;
  let allowCustomRouting = false;
  for (const [key, field] of Object.entries(value)) {
    if (key === 'hidden') hidden = parseBoolean(field, 'hidden');
    else if (key === 'allow_custom_routing') {
      allowCustomRouting = parseBoolean(field, 'allow_custom_routing');
      // Strait routes every document of a data stream by its id only.
      if (allowCustomRouting) throw errors.illegalArgument('[allow_custom_routing] true is not supported by Strait');
    } else if (key === 'failure_store') {
      if (parseBoolean(field, 'failure_store')) throw errors.illegalArgument('[failure_store] is not supported by Strait');
    } else throw errors.xContentParse(`[1:2] [data_stream] unknown field [${key}]`);
  }
  return { hidden, allow_custom_routing: allowCustomRouting };
}

/** Parses the body of `PUT /_component_template/{name}`. */
export function parseComponentTemplate(body: unknown): ComponentTemplate {
  if (!isPlainObject(body)) throw errors.parsing('request body must be an object');
  let template: TemplateContent | undefined;
  let version: number | undefined;
  let meta: Record<string, unknown> | undefined;
  let deprecated: boolean | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'template') template = parseTemplateContent(value, 'component_template');
    else if (key === 'version') version = value === null ? undefined : parseLong(value, 'version');
    else if (key === '_meta') meta = parseMeta(value);
    else if (key === 'deprecated') deprecated = value === null ? undefined : parseBoolean(value, 'deprecated');
    else throw errors.xContentParse(`[1:2] [component_template] unknown field [${key}]`);
  }
  if (template === undefined) throw errors.xContentParse('[1:2] Required [template]');
  return { template, version, _meta: meta, ...(deprecated !== undefined ? { deprecated } : {}) };
}

/** Parses the body of `PUT /_template/{name}` (legacy); `order` from the body or the parameter. */
export function parseLegacyTemplate(body: unknown, orderParam: number | undefined): LegacyTemplate {
  if (!isPlainObject(body)) throw errors.parsing('request body must be an object');
  let indexPatterns: string[] | undefined;
  let order = orderParam ?? 0;
  let version: number | undefined;
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'index_patterns':
        indexPatterns = parsePatterns(value);
        break;
      case 'order':
        order = parseLong(value, 'order');
        break;
      case 'version':
        version = value === null ? undefined : parseLong(value, 'version');
        break;
      case 'settings':
      case 'mappings':
      case 'aliases':
        content[key] = value;
        break;
      default:
        throw errors.parse(`unknown key [${key}] in the template `);
    }
  }
  if (indexPatterns === undefined || indexPatterns.length === 0) throw errors.actionRequestValidation(['index patterns are missing']);
  return { order, index_patterns: indexPatterns, version, content: parseTemplateContent(content, 'template') };
}

// ---------------------------------------------------------------- validation

const PATTERN_FORBIDDEN = ['\\', '/', '?', '"', '<', '>', '|', ' ', ','] as const;

/** Elasticsearch's validateIndexTemplateV2 / validate: pattern characters and component references. */
export function validateComposableTemplate(name: string, template: ComposableTemplate, state: TemplateState): void {
  const problems: string[] = [];
  if (name.includes(' ')) problems.push('name must not contain a space');
  if (name.includes(',')) problems.push("name must not contain a ','");
  if (name.includes('#')) problems.push("name must not contain a '#'");
  if (name.includes('*')) problems.push("name must not contain a '*'");
  if (name.startsWith('_')) problems.push("name must not start with '_'");
  if (name.toLowerCase() !== name) problems.push('name must be lower cased');
  for (const pattern of template.index_patterns) {
    if (pattern.includes(' ')) problems.push(`index_pattern [${pattern}] must not contain a space ' '`);
    if (pattern.includes(',')) problems.push(`index_pattern [${pattern}] must not contain a ','`);
    if (pattern.includes('#')) problems.push(`index_pattern [${pattern}] must not contain a '#'`);
    if (pattern.includes(':')) problems.push(`index_pattern [${pattern}] must not contain a ':'`);
    if (pattern.startsWith('_')) problems.push(`index_pattern [${pattern}] must not start with '_'`);
    const forbidden = PATTERN_FORBIDDEN.filter((character) => character !== ' ' && character !== ',' && pattern.includes(character));
    if (forbidden.length > 0) problems.push(`index_pattern [${pattern}] must not contain the following characters ${javaList(PATTERN_FORBIDDEN.slice())}`);
  }
  if (problems.length > 0) throw errors.invalidIndexTemplate(name, `Validation Failed: ${problems.map((problem, index) => `${index + 1}: ${problem};`).join('')}`);
  const ignored = new Set(template.ignore_missing_component_templates ?? []);
  const missing = template.composed_of.filter((component) => !state.component.has(component));
  const notIgnored = missing.filter((component) => !ignored.has(component));
  if (notIgnored.length > 0) {
    const cause =
      template.ignore_missing_component_templates === undefined
        ? `index template [${name}] specifies component templates ${javaList(notIgnored)} that do not exist`
        : `index template [${name}] specifies a missing component templates ${javaList(notIgnored)} that does not exist and is not part of 'ignore_missing_component_templates'`;
    throw errors.invalidIndexTemplate(name, cause);
  }
  // A global template would make every new index hidden (Elasticsearch's validateV2TemplateRequest).
  if (template.index_patterns.includes('*') && composeTemplate(template, state).settings['index.hidden'] !== undefined) {
    throw errors.invalidIndexTemplate(name, 'global composable templates may not specify the setting index.hidden');
  }
  if (template.data_stream !== undefined) {
    const content = composeTemplate(template, state);
    if (Object.keys(content.aliases).length > 0) {
      throw errors.illegalArgument(`template [${name}] creates data streams; aliases in a data stream template are not supported by Strait`);
    }
  }
}

/**
 * Elasticsearch refuses two composable templates whose patterns can match one index name at the
 * same priority: which one applied would be undefined.
 */
export function checkPriorityOverlap(name: string, template: ComposableTemplate, state: TemplateState): void {
  const priority = template.priority ?? 0;
  const overlapping = new Map<string, readonly string[]>();
  for (const [otherName, other] of state.composable) {
    if (otherName === name || (other.priority ?? 0) !== priority) continue;
    if (patternsOverlap(template.index_patterns, other.index_patterns)) overlapping.set(otherName, other.index_patterns);
  }
  if (overlapping.size === 0) return;
  const names = [...overlapping.keys()].sort();
  throw errors.illegalArgument(
    `index template [${name}] has index patterns ${javaList(template.index_patterns)} matching patterns from existing templates [${names.join(',')}] with patterns (${names
      .map((other) => `${other} => ${javaList(overlapping.get(other)!)}`)
      .join(',')}) that have the same priority [${priority}], multiple index templates may not match during index creation, please use a different priority`,
  );
}

/**
 * The deprecation warning Elasticsearch gives when a composable template's patterns overlap
 * legacy templates' (the composable one wins), or undefined.
 */
export function legacyOverlapWarning(name: string, patterns: readonly string[], state: TemplateState): string | undefined {
  const overlapping = [...state.legacy].filter(([, legacy]) => patternsOverlap(patterns, legacy.index_patterns)).sort(([a], [b]) => (a < b ? -1 : 1));
  if (overlapping.length === 0) return undefined;
  return `index template [${name}] has index patterns ${javaList(patterns)} matching patterns from existing older templates [${overlapping
    .map(([other]) => other)
    .join(',')}] with patterns (${overlapping.map(([other, legacy]) => `${other} => ${javaList(legacy.index_patterns)}`).join(',')}); this template [${name}] will take precedence during new index creation`;
}

/** True when some name matches a pattern of each list. */
export function patternsOverlap(left: readonly string[], right: readonly string[]): boolean {
  return left.some((a) => right.some((b) => globsIntersect(a, b)));
}

/**
 * Can one string match both `*`-globs? A dynamic programme over both patterns: a `*` on either
 * side may match nothing or swallow the other side's next character (or `*`).
 */
export function globsIntersect(left: string, right: string): boolean {
  const memo = new Map<number, boolean>();
  const width = right.length + 1;
  const visit = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, false);
    let result: boolean;
    if (i === left.length && j === right.length) result = true;
    else if (i < left.length && left[i] === '*') result = visit(i + 1, j) || (j < right.length && visit(i, j + 1));
    else if (j < right.length && right[j] === '*') result = visit(i, j + 1) || (i < left.length && visit(i + 1, j));
    else result = i < left.length && j < right.length && left[i] === right[j] && visit(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}

// ---------------------------------------------------------------- matching and composing

function matches(patterns: readonly string[], index: string, hidden: boolean): boolean {
  // A hidden index takes no global (`*`) template, as Elasticsearch's findV2Template/findV1Templates.
  if (hidden && patterns.includes('*')) return false;
  return patterns.some((pattern) => wildcardMatch(pattern, index));
}

/** The composable templates matching `index`, highest priority first (name breaks ties). */
export function matchingComposable(state: TemplateState, index: string, hidden: boolean): Array<[string, ComposableTemplate]> {
  return [...state.composable]
    .filter(([, template]) => matches(template.index_patterns, index, hidden))
    .sort(([leftName, left], [rightName, right]) => (right.priority ?? 0) - (left.priority ?? 0) || (leftName < rightName ? -1 : 1));
}

/** The legacy templates matching `index`, lowest order first (applied in this order, the last wins). */
export function matchingLegacy(state: TemplateState, index: string, hidden: boolean): Array<[string, LegacyTemplate]> {
  return [...state.legacy].filter(([, template]) => matches(template.index_patterns, index, hidden)).sort(([leftName, left], [rightName, right]) => left.order - right.order || (leftName < rightName ? -1 : 1));
}

/** Splits `a.b: {...}` property names into nested objects, as Elasticsearch's mapping parser does. */
export function expandDottedProperties(mapping: unknown): Record<string, unknown> {
  if (!isPlainObject(mapping)) return {};
  const result: Record<string, unknown> = { ...mapping };
  const properties = mapping['properties'];
  if (!isPlainObject(properties)) return result;
  const expanded = new Map<string, unknown>();
  for (const [name, definition] of Object.entries(properties)) {
    const parts = name.split('.');
    let node: Record<string, unknown> = isPlainObject(definition) ? expandDottedProperties(definition) : (definition as Record<string, unknown>);
    for (const part of parts.slice(1).reverse()) node = { properties: { [part]: node } };
    // Merged one name at a time: merging into a copy of everything expanded so far was quadratic
    // (5,000 properties blocked the node for tens of seconds).
    const head = parts[0]!;
    const existing = expanded.get(head);
    expanded.set(head, existing === undefined ? node : mergeMappingJson({ [head]: existing }, { [head]: node }, true)[head]);
  }
  result['properties'] = Object.fromEntries(expanded);
  return result;
}

function isObjectLike(definition: Record<string, unknown>): boolean {
  const type = definition['type'];
  return type === undefined || type === 'object' || type === 'nested';
}

/**
 * Composes two mappings (raw JSON): root parameters and leaf fields of `over` replace those of
 * `base`; object fields merge property by property, as template composition does.
 * `propertiesLevel`: both arguments are `properties` maps rather than mappings.
 */
export function mergeMappingJson(base: Record<string, unknown>, over: Record<string, unknown>, propertiesLevel = false): Record<string, unknown> {
  if (propertiesLevel) {
    const merged: Record<string, unknown> = { ...base };
    for (const [name, definition] of Object.entries(over)) {
      const existing = merged[name];
      if (isPlainObject(existing) && isPlainObject(definition) && isObjectLike(existing) && isObjectLike(definition)) {
        merged[name] = mergeMappingJson(existing, definition);
      } else merged[name] = definition;
    }
    return merged;
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (key === 'properties' && isPlainObject(value)) {
      merged['properties'] = mergeMappingJson(isPlainObject(base['properties']) ? base['properties'] : {}, value, true);
    } else merged[key] = value;
  }
  return merged;
}

/** Layers `over` on `base`: settings and aliases key by key, mappings as mergeMappingJson. */
export function layerContent(base: TemplateContent, over: TemplateContent): TemplateContent {
  return {
    settings: { ...base.settings, ...over.settings },
    mappings: mergeMappingJson(base.mappings as Record<string, unknown>, over.mappings as Record<string, unknown>),
    aliases: { ...base.aliases, ...over.aliases },
  };
}

/** A composable template's component templates in order, then its own template. */
export function composeTemplate(template: ComposableTemplate, state: TemplateState): TemplateContent {
  let content = emptyContent;
  for (const component of template.composed_of) {
    const found = state.component.get(component);
    if (found !== undefined) content = layerContent(content, found.template);
  }
  if (template.template !== undefined) content = layerContent(content, template.template);
  if (template.data_stream !== undefined) content = withTimestampMapping(content);
  return content;
}

/** A data stream's backing indices map `@timestamp` as a date unless the template maps it. */
export function withTimestampMapping(content: TemplateContent): TemplateContent {
  const properties = isPlainObject(content.mappings['properties']) ? content.mappings['properties'] : {};
  if (properties['@timestamp'] !== undefined) return content;
  return { ...content, mappings: { ...content.mappings, properties: { ...properties, '@timestamp': { type: 'date' } } } };
}

export interface ResolvedTemplates {
  /** The composable template that applies, if any. */
  readonly composable: { readonly name: string; readonly template: ComposableTemplate } | undefined;
  /** The legacy templates that apply (none when a composable one does). */
  readonly legacy: readonly string[];
  readonly content: TemplateContent;
}

/** What templates give a new index named `index` (Elasticsearch: V2 wins over V1 entirely). */
export function resolveTemplates(state: TemplateState, index: string, hidden: boolean): ResolvedTemplates | undefined {
  const composable = matchingComposable(state, index, hidden)[0];
  if (composable !== undefined) {
    const [name, template] = composable;
    return { composable: { name, template }, legacy: [], content: composeTemplate(template, state) };
  }
  const legacy = matchingLegacy(state, index, hidden);
  if (legacy.length === 0) return undefined;
  let content = emptyContent;
  for (const [, template] of legacy) content = layerContent(content, template.content);
  return { composable: undefined, legacy: legacy.map(([name]) => name), content };
}

/**
 * The create-index body inputs with template content underneath: the request's settings, mapping
 * fields and aliases win over the template's.
 */
export function applyTemplateContent(
  content: TemplateContent,
  request: { readonly settings: unknown; readonly mappings: unknown; readonly aliases: unknown },
): { settings: Record<string, unknown>; mappings: unknown; aliases: unknown } {
  const requestSettings = parseCreateSettings(request.settings);
  const settings = { ...content.settings, ...requestSettings };
  const mappings =
    request.mappings === undefined || request.mappings === null || !isPlainObject(request.mappings)
      ? request.mappings ?? (Object.keys(content.mappings).length > 0 ? content.mappings : undefined)
      : mergeMappingJson(content.mappings as Record<string, unknown>, expandDottedProperties(request.mappings));
  const aliases =
    request.aliases === undefined || request.aliases === null || !isPlainObject(request.aliases)
      ? request.aliases ?? (Object.keys(content.aliases).length > 0 ? content.aliases : undefined)
      : { ...content.aliases, ...request.aliases };
  return { settings, mappings, aliases };
}

/** Index names that the templates would match with `index.hidden` as given (from request settings). */
export function requestIsHidden(settingsInput: unknown): boolean {
  if (!isPlainObject(settingsInput)) return false;
  const flat = parseCreateSettings(settingsInput);
  return flat['index.hidden'] === 'true';
}

// ---------------------------------------------------------------- rendering

/** Settings as GET renders them: nested, or flat and sorted with `flat_settings=true`. */
function renderSettings(settings: Readonly<Record<string, string>>, flat: boolean): Record<string, unknown> {
  return flat ? renderFlatSettingValues(Object.fromEntries(Object.entries(settings).sort(([left], [right]) => (left < right ? -1 : 1)))) : nestFlatSettings(settings);
}

export function renderContent(content: TemplateContent, flat = false): Record<string, unknown> {
  const rendered: Record<string, unknown> = {};
  if (Object.keys(content.settings).length > 0) rendered['settings'] = renderSettings(content.settings, flat);
  if (Object.keys(content.mappings).length > 0) rendered['mappings'] = content.mappings;
  if (Object.keys(content.aliases).length > 0) rendered['aliases'] = content.aliases;
  return rendered;
}

export function renderComposable(template: ComposableTemplate, flat = false): Record<string, unknown> {
  const rendered: Record<string, unknown> = { index_patterns: template.index_patterns };
  if (template.template !== undefined) rendered['template'] = renderContent(template.template, flat);
  rendered['composed_of'] = template.composed_of;
  if (template.priority !== undefined) rendered['priority'] = template.priority;
  if (template.version !== undefined) rendered['version'] = template.version;
  if (template._meta !== undefined) rendered['_meta'] = template._meta;
  if (template.data_stream !== undefined) rendered['data_stream'] = template.data_stream;
  if (template.allow_auto_create !== undefined) rendered['allow_auto_create'] = template.allow_auto_create;
  if (template.ignore_missing_component_templates !== undefined) rendered['ignore_missing_component_templates'] = template.ignore_missing_component_templates;
  return rendered;
}

export function renderComponent(template: ComponentTemplate, flat = false): Record<string, unknown> {
  const rendered: Record<string, unknown> = { template: renderContent(template.template, flat) };
  if (template.version !== undefined) rendered['version'] = template.version;
  if (template._meta !== undefined) rendered['_meta'] = template._meta;
  if (template.deprecated !== undefined) rendered['deprecated'] = template.deprecated;
  return rendered;
}

/** Legacy GET renders every part, empty or not. */
export function renderLegacy(template: LegacyTemplate, flat = false): Record<string, unknown> {
  const rendered: Record<string, unknown> = { order: template.order };
  if (template.version !== undefined) rendered['version'] = template.version;
  rendered['index_patterns'] = template.index_patterns;
  rendered['settings'] = renderSettings(template.content.settings, flat);
  rendered['mappings'] = template.content.mappings;
  rendered['aliases'] = template.content.aliases;
  return rendered;
}

/** The `template` part of a simulate answer: settings nested, mappings and aliases always present. */
export function renderSimulated(content: TemplateContent): Record<string, unknown> {
  return { settings: nestFlatSettings(content.settings), mappings: content.mappings, aliases: content.aliases };
}

/** Names in `state` matched by a comma list of names and `*` wildcards. */
export function selectNames(names: Iterable<string>, expression: string | undefined): { found: string[]; missing: string[] } {
  const all = [...names].sort();
  if (expression === undefined || expression === '' || expression === '*' || expression === '_all') return { found: all, missing: [] };
  const found = new Set<string>();
  const missing: string[] = [];
  for (const element of expression.split(',')) {
    if (element.includes('*')) {
      for (const name of all) if (wildcardMatch(element, name)) found.add(name);
    } else if (all.includes(element)) found.add(element);
    else missing.push(element);
  }
  return { found: all.filter((name) => found.has(name)), missing };
}
