/**
 * The `completion` field type (pure): its mapping parameters and the inputs a document gives it.
 *
 * A completion value is a string, an object `{input: string | string[], weight: n}`, or an array
 * of those; each input gets a weight (default 1, an integer in [0, 2^31 - 1], given as a number
 * or a string of digits). Inputs longer than `max_input_length` (default 50 UTF-16 units) are cut
 * there, as Elasticsearch indexes them; an input of whitespace only is not indexed and names the
 * field in `_ignored`. The suggester (src/search/completion-suggest.ts) reads these inputs.
 *
 * Context mappings (`contexts`: category and geo) are not implemented: a mapping naming them is
 * refused with a 400 rather than indexed without its contexts.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-suggesters.html#completion-suggester
 */
import { errors } from '../../common/index.js';
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
  if (definition['contexts'] !== undefined) {
    throw errors.mapperParsing(`[contexts] of completion field [${path}] are not supported by Strait (category and geo context mappings are not implemented)`);
  }
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

/** One input of a document's completion field and its weight. */
export interface CompletionInput {
  readonly input: string;
  readonly weight: number;
}

function tokenName(value: unknown): string {
  if (value === null) return 'VALUE_NULL';
  if (Array.isArray(value)) return 'START_ARRAY';
  if (typeof value === 'object') return 'START_OBJECT';
  if (typeof value === 'number') return 'VALUE_NUMBER';
  if (typeof value === 'boolean') return 'VALUE_BOOLEAN';
  return 'VALUE_STRING';
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
    throw errors.illegalArgument(`weight must be a number or string, but was [${tokenName(value)}]`);
  }
  if (weight < 0 || weight > weightMax) throw errors.illegalArgument(`weight must be in the interval [0..${weightMax}], but was [${weight}]`);
  return weight;
}

/**
 * The inputs of one completion value (a string or an input object; arrays were unrolled by the
 * caller), or the cause of its refusal (an EsError the document parser wraps).
 */
export function completionInputs(path: string, value: unknown): CompletionInput[] {
  if (typeof value === 'string') return [{ input: value, weight: 1 }];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errors.parsing(`failed to parse [${path.split('.').pop()}]: expected text or object, but got ${tokenName(value)}`);
  }
  const inputs: string[] = [];
  let weight = 1;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'input') {
      if (typeof child === 'string') inputs.push(child);
      else if (Array.isArray(child)) {
        for (const item of child) {
          if (typeof item !== 'string') throw errors.illegalArgument(`input array must have string values, but was [${tokenName(item)}]`);
          inputs.push(item);
        }
      } else throw errors.illegalArgument(`input must be a string or array, but was [${tokenName(child)}]`);
    } else if (key === 'weight') {
      weight = parseWeight(child);
    } else if (key === 'contexts') {
      throw errors.illegalArgument(`contexts field is not supported for field: [${path}]`);
    } else {
      throw errors.illegalArgument(`unknown field name [${key}], must be one of [input, weight, contexts]`);
    }
  }
  return inputs.map((input) => ({ input, weight }));
}

/** An input as indexed: cut at `max_input_length` UTF-16 units (a surrogate pair is kept whole). */
export function truncateInput(mapping: PropertyMapping, input: string): string {
  const max = typeof mapping['max_input_length'] === 'number' ? mapping['max_input_length'] : completionDefaults.max_input_length;
  if (input.length <= max) return input;
  const code = input.charCodeAt(max - 1);
  return input.slice(0, code >= 0xd800 && code <= 0xdbff ? max + 1 : max);
}
