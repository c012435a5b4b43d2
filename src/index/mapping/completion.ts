/**
 * The `completion` field type (pure): its mapping parameters and the inputs a document gives it.
 *
 * A completion value is a string, an object `{input: string | string[], weight: n}`, or an array
 * of those; each input gets a weight (default 1, an integer in [0, 2^31 - 1], given as a number
 * or a string of digits). Inputs longer than `max_input_length` (default 50 UTF-16 units) are cut
 * there, as Elasticsearch indexes them; an input of whitespace only is not indexed and names the
 * field in `_ignored`. The suggester (src/search/completion-suggest.ts) reads these inputs.
 *
 * Category context mappings (`contexts: [{name, type: category, path?}]`) filter and boost
 * suggestions: an input's categories are those its object names under `contexts` plus the values
 * of the document's field at `path`; every input of a context enabled field needs one. Geo
 * contexts are not implemented: a mapping naming one is refused with a 400.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-suggesters.html#completion-suggester
 */
import { errors, jsonTokenName } from '../../common/index.js';
import { getAnalyzer } from '../analysis/index.js';
import type { PropertyMapping } from './mapping.js';

/** The parameters a completion mapping accepts (Elasticsearch's CompletionFieldMapper). */
export const completionParameters: readonly string[] = [
  'type', 'analyzer', 'search_analyzer', 'preserve_separators', 'preserve_position_increments', 'max_input_length', 'contexts', 'fields', 'meta',
];

/** Elasticsearch's defaults, rendered in `GET _mapping` as Elasticsearch does. */
export const completionDefaults = Object.freeze({ analyzer: 'simple', preserve_separators: true, preserve_position_increments: true, max_input_length: 50 });

/** The upper bound of a weight (Integer.MAX_VALUE). */
const weightMax = 2_147_483_647;

function booleanParameter(value: unknown, name: string, path: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw errors.mapperParsing(`Failed to parse mapping: [${name}] on mapper [${path}] must be a boolean, got [${String(value)}]`);
}

/** Validates a completion mapping and writes its normalized parameters (defaults included) into `normalized`. */
export function parseCompletionParameters(path: string, definition: Record<string, unknown>, normalized: Record<string, unknown>): void {
  if (definition['contexts'] !== undefined) normalized['contexts'] = parseContextMappings(path, definition['contexts']);
  const analyzer = definition['analyzer'] ?? completionDefaults.analyzer;
  if (typeof analyzer !== 'string' || getAnalyzer(analyzer) === undefined) throw errors.mapperParsing(`analyzer [${String(analyzer)}] has not been configured in mappings`);
  normalized['analyzer'] = analyzer;
  for (const name of ['preserve_separators', 'preserve_position_increments'] as const) {
    normalized[name] = definition[name] === undefined ? completionDefaults[name] : booleanParameter(definition[name], name, path);
  }
  const rawLength = definition['max_input_length'];
  const length = rawLength === undefined ? completionDefaults.max_input_length : typeof rawLength === 'number' ? rawLength : typeof rawLength === 'string' && rawLength.trim() !== '' ? Number(rawLength) : Number.NaN;
  if (!Number.isInteger(length)) throw errors.mapperParsing(`Failed to parse mapping: [max_input_length] on mapper [${path}] must be an integer, got [${String(rawLength)}]`);
  if (length <= 0) throw errors.mapperParsing(`Failed to parse mapping: [max_input_length] must be > 0 but was [${length}]`);
  normalized['max_input_length'] = length;
}

/** A category context mapping. */
export interface CategoryContext {
  readonly name: string;
  readonly type: 'category';
  readonly path?: string;
}

function parseContextMappings(path: string, raw: unknown): CategoryContext[] {
  const list = Array.isArray(raw) ? raw : [raw];
  const contexts: CategoryContext[] = [];
  for (const entry of list) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw errors.mapperParsing(`Failed to parse mapping: [contexts] of completion field [${path}] must be objects`);
    const { name, type, path: contextPath, ...rest } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw errors.mapperParsing(`Failed to parse mapping: field [name] is missing in the contexts of completion field [${path}]`);
    if (typeof type !== 'string') throw errors.mapperParsing(`Failed to parse mapping: field [type] is missing in context [${name}] of completion field [${path}]`);
    if (type === 'geo') throw errors.mapperParsing(`geo context [${name}] of completion field [${path}] is not supported by Strait (only category contexts)`);
    if (type !== 'category') throw errors.mapperParsing(`unknown context type [${type}]`);
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw errors.mapperParsing(`Failed to parse mapping: unknown field [${unknown}] in context [${name}] of completion field [${path}]`);
    if (contextPath !== undefined && (typeof contextPath !== 'string' || contextPath === '')) throw errors.mapperParsing(`Failed to parse mapping: [path] of context [${name}] must be a field name`);
    if (contexts.some((context) => context.name === name)) throw errors.mapperParsing(`Failed to parse mapping: context [${name}] of completion field [${path}] is defined twice`);
    contexts.push(contextPath === undefined ? { name, type } : { name, type, path: contextPath as string });
  }
  return contexts;
}

/** The category contexts of a completion mapping (none: an empty list). */
export function contextMappingsOf(mapping: PropertyMapping): readonly CategoryContext[] {
  return Array.isArray(mapping['contexts']) ? (mapping['contexts'] as CategoryContext[]) : [];
}

/** One input of a document's completion field, its weight and (for a context enabled field) its categories per context. */
export interface CompletionInput {
  readonly input: string;
  readonly weight: number;
  readonly contexts?: Readonly<Record<string, readonly string[]>>;
}

/** Category values: a string, number or boolean, or an array of them (CategoryContextMapping). */
function categoryValues(value: unknown): string[] {
  const scalar = (item: unknown): item is string | number | boolean => typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean';
  if (scalar(value)) return [String(value)];
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (!scalar(item)) throw errors.parsing('context array must have string, number or boolean values');
      return String(item);
    });
  }
  throw errors.parsing(`contexts must be a string, number or boolean or a list of string, number or boolean, but was [${jsonTokenName(value)}]`);
}

function parseInputContexts(path: string, value: unknown, mappings: readonly CategoryContext[]): Record<string, string[]> {
  if (mappings.length === 0) throw errors.illegalArgument(`contexts field is not supported for field: [${path}]`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw errors.illegalArgument(`contexts must be an object or an array , but was [${jsonTokenName(value)}]`);
  const contexts: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(value as Record<string, unknown>)) {
    if (!mappings.some((mapping) => mapping.name === name)) throw errors.illegalArgument(`Unknown context name [${name}], must be one of [${mappings.map((mapping) => mapping.name).join(', ')}]`);
    contexts[name] = categoryValues(values);
  }
  return contexts;
}

function parseWeight(value: unknown): number {
  let weight: number;
  if (typeof value === 'string') {
    if (!/^[+-]?\d+$/.test(value)) throw errors.illegalArgument(`weight must be an integer, but was [${value}]`);
    weight = Number(value);
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw errors.illegalArgument(`weight must be an integer, but was [${value}]`);
    weight = value;
  } else {
    throw errors.illegalArgument(`weight must be a number or string, but was [${jsonTokenName(value)}]`);
  }
  if (weight < 0 || weight > weightMax) throw errors.illegalArgument(`weight must be in the interval [0..${weightMax}], but was [${weight}]`);
  return weight;
}

/**
 * The inputs of one completion value (a string or an input object; arrays were unrolled by the
 * caller), or the cause of its refusal (an EsError the document parser wraps).
 */
export function completionInputs(path: string, value: unknown, mappings: readonly CategoryContext[] = []): CompletionInput[] {
  if (typeof value === 'string') return [{ input: value, weight: 1 }];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errors.parsing(`failed to parse [${path.split('.').pop()}]: expected text or object, but got ${jsonTokenName(value)}`);
  }
  const inputs: string[] = [];
  let weight = 1;
  let contexts: Record<string, string[]> | undefined;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'input') {
      if (typeof child === 'string') inputs.push(child);
      else if (Array.isArray(child)) {
        for (const item of child) {
          if (typeof item !== 'string') throw errors.illegalArgument(`input array must have string values, but was [${jsonTokenName(item)}]`);
          inputs.push(item);
        }
      } else throw errors.illegalArgument(`input must be a string or array, but was [${jsonTokenName(child)}]`);
    } else if (key === 'weight') {
      weight = parseWeight(child);
    } else if (key === 'contexts') {
      contexts = parseInputContexts(path, child, mappings);
    } else {
      throw errors.illegalArgument(`unknown field name [${key}], must be one of [input, weight, contexts]`);
    }
  }
  return inputs.map((input) => (contexts === undefined ? { input, weight } : { input, weight, contexts }));
}

/** Per root mapping: its context enabled completion fields (path and mapping), found once. */
const contextFieldsByRoot = new WeakMap<object, readonly { readonly path: string; readonly contexts: readonly CategoryContext[] }[]>();

function contextFields(root: Record<string, unknown>): readonly { readonly path: string; readonly contexts: readonly CategoryContext[] }[] {
  const known = contextFieldsByRoot.get(root);
  if (known !== undefined) return known;
  const found: { path: string; contexts: readonly CategoryContext[] }[] = [];
  const walk = (properties: unknown, prefix: string): void => {
    if (properties === null || typeof properties !== 'object') return;
    for (const [name, mapping] of Object.entries(properties as Record<string, PropertyMapping>)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      if (mapping['type'] === 'completion' && contextMappingsOf(mapping).length > 0) found.push({ path, contexts: contextMappingsOf(mapping) });
      walk(mapping['properties'], path);
      walk(mapping['fields'], path);
    }
  };
  walk(root['properties'], '');
  contextFieldsByRoot.set(root, found);
  return found;
}

/**
 * After a document's walk: each input of a context enabled completion field gets the categories
 * of the contexts with a `path` (the values of that field in the document), and one without any
 * category is refused, as Elasticsearch requires contexts in such a field.
 */
export function completeCompletionContexts(root: Record<string, unknown>, fields: Record<string, unknown[]>): void {
  for (const { path, contexts } of contextFields(root)) {
    const entries = fields[path];
    if (entries === undefined) continue;
    fields[path] = entries.map((value) => {
      const entry = value as CompletionInput;
      const merged: Record<string, string[]> = {};
      for (const context of contexts) {
        const values = [...(entry.contexts?.[context.name] ?? []), ...(context.path === undefined ? [] : (fields[context.path] ?? []).map(String))];
        if (values.length > 0) merged[context.name] = [...new Set(values)];
      }
      if (Object.keys(merged).length === 0) throw errors.illegalArgument(`Contexts are mandatory in context enabled completion field [${path}]`);
      return { input: entry.input, weight: entry.weight, contexts: merged };
    });
  }
}

/** An input as indexed: cut at `max_input_length` UTF-16 units (a surrogate pair is kept whole). */
export function truncateInput(mapping: PropertyMapping, input: string): string {
  const max = typeof mapping['max_input_length'] === 'number' ? mapping['max_input_length'] : completionDefaults.max_input_length;
  if (input.length <= max) return input;
  const code = input.charCodeAt(max - 1);
  return input.slice(0, code >= 0xd800 && code <= 0xdbff ? max + 1 : max);
}
