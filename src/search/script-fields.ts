/**
 * `script_fields` in a search (pure): each named script runs for each hit in the fetch phase, with
 * `doc`, `params` (`params._source` is the hit's source) and `_score`; its value is rendered in
 * the hit's `fields` as a list (a list result is the list itself), as Elasticsearch renders it.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-fields.html#script-fields
 */
import { errors, EsError, limits } from '../common/index.js';
import type { FieldMappings, Segment } from '../index/engine/segment.js';
import { compileScript, fromJson, JDouble, ParamsWithSource, wallClock, parseScriptSpec, segmentDocLookup, toJson, type CompiledScript, type ScriptSpec, type Value } from '../index/script/index.js';
import { wildcardMatch } from '../index/expression.js';
import { renderRuntimeValues, runtimeValues, type RuntimeField } from '../index/script/runtime-fields.js';

export interface ScriptField {
  readonly name: string;
  readonly script: ScriptSpec;
  /** `ignore_failure`: a failing script leaves the field out instead of failing the search. */
  readonly ignoreFailure: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseScriptFields(value: unknown): readonly ScriptField[] | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw errors.parsing('Expected [START_OBJECT] in [script_fields] but found [VALUE]');
  const fields = Object.entries(value).map(([name, definition]): ScriptField => {
    if (!isObject(definition)) throw errors.parsing(`Expected [START_OBJECT] in [${name}] but found [VALUE]`);
    let script: ScriptSpec | undefined;
    let ignoreFailure = false;
    for (const [key, item] of Object.entries(definition)) {
      if (key === 'script') script = parseScriptSpec(item);
      else if (key === 'ignore_failure') {
        if (typeof item !== 'boolean') throw errors.parsing(`[${name}] failed to parse field [ignore_failure]`);
        ignoreFailure = item;
      } else throw errors.parsing(`Unknown key for a ${Array.isArray(item) ? 'START_ARRAY' : isObject(item) ? 'START_OBJECT' : 'VALUE'} in [${key}].`);
    }
    if (script === undefined) throw errors.parsing(`must specify a script in script fields`);
    return { name, script, ignoreFailure };
  });
  if (fields.length > limits.scriptFieldsMax) {
    throw errors.illegalArgument(
      `Trying to retrieve too many script_fields. Must be less than or equal to: [${limits.scriptFieldsMax}] but was [${fields.length}]. This limit can be set by changing the [index.max_script_fields] index level setting.`,
    );
  }
  return fields;
}

/** Each parsed script field's script, compiled on its first hit rather than once per hit (a field lives for one request). */
const compiled = new WeakMap<ScriptField, CompiledScript>();

/** The script fields of one hit, by name (undefined when none is asked). */
export function renderScriptFields(
  fields: readonly ScriptField[] | undefined,
  hit: { readonly segment: Segment; readonly doc: number; readonly score: number; readonly source: unknown },
  mappings: FieldMappings,
  indexName: string,
): Record<string, unknown[]> | undefined {
  if (fields === undefined || fields.length === 0) return undefined;
  const rendered: Record<string, unknown[]> = {};
  const doc = segmentDocLookup(hit.segment, mappings, indexName, hit.doc);
  for (const field of fields) {
    let script = compiled.get(field);
    if (script === undefined) compiled.set(field, (script = compileScript(field.script, 'field')));
    const params = new ParamsWithSource(fromJson(field.script.params) as Map<unknown, Value>, () => hit.source);
    let value: Value;
    try {
      value = script.execute({ doc, params, _score: new JDouble(Number.isNaN(hit.score) ? 0 : hit.score) }, wallClock);
    } catch (error) {
      if (field.ignoreFailure && error instanceof EsError) continue;
      throw error;
    }
    const json = toJson(value);
    rendered[field.name] = Array.isArray(json) ? json : [json];
  }
  return rendered;
}

/** The runtime fields a hit's `fields` section asks for, computed for its document. */
export function renderRuntimeFields(
  fields: readonly RuntimeField[] | undefined,
  requested: readonly { readonly pattern: string }[],
  hit: { readonly segment: Segment; readonly doc: number; readonly source: unknown },
  mappings: FieldMappings,
  indexName: string,
): Record<string, unknown[]> | undefined {
  if (fields === undefined || requested.length === 0) return undefined;
  const rendered: Record<string, unknown[]> = {};
  for (const field of fields) {
    if (!requested.some((request) => wildcardMatch(request.pattern, field.name))) continue;
    const values = runtimeValues(field, hit.segment, mappings, indexName, hit.doc, () => hit.source);
    if (values.length > 0) rendered[field.name] = renderRuntimeValues(field, values);
  }
  return rendered;
}

/** The index's runtime fields with the request's over them, by name. */
export function mergeRuntimeFields(index: readonly RuntimeField[] | undefined, request: readonly RuntimeField[] | undefined): readonly RuntimeField[] | undefined {
  if (index === undefined || index.length === 0) return request;
  if (request === undefined || request.length === 0) return index;
  const byName = new Map<string, RuntimeField>();
  for (const field of [...index, ...request]) byName.set(field.name, field);
  return [...byName.values()];
}
