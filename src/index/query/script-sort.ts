/**
 * Script-based sorting (`sort: {_script: {type, script, order}}`), pure: the key of each document
 * is what its script returns, a double for `type: number` and a string for `type: string`.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/sort-search-results.html#script-based-sorting
 */
import { errors } from '../../common/errors.js';
import { sourceOf, type Segment } from '../engine/segment.js';
import { compileScript, fromJson, segmentDocLookup, fault, wallClock, javaString, parseScriptSpec, JDouble, ParamsWithSource, type CompiledScript, type Value } from '../script/index.js';
import { numericKind, asNumber } from '../script/values.js';
import type { SortSpec, SortValue } from './sort.js';

type ScriptSort = Extract<SortSpec, { kind: 'script' }>;

export function parseScriptSort(options: Readonly<Record<string, unknown>>): ScriptSort {
  let type: 'number' | 'string' | undefined;
  let order: 'asc' | 'desc' = 'asc';
  let script: ScriptSort['script'] | undefined;
  for (const [key, value] of Object.entries(options)) {
    if (key === 'type') {
      if (value !== 'number' && value !== 'string') {
        if (value === 'version') throw errors.illegalArgument('[_script] sort type [version] is not supported by Strait');
        throw errors.illegalArgument(`Unknown ScriptSortType [${String(value)}]`);
      }
      type = value;
    } else if (key === 'order') {
      const text = typeof value === 'string' ? value.toLowerCase() : '';
      if (text !== 'asc' && text !== 'desc') throw errors.illegalArgument(`Unknown SortOrder [${String(value)}] for [_script]`);
      order = text;
    } else if (key === 'script') script = parseScriptSpec(value);
    else if (key === 'mode' || key === 'nested') throw errors.illegalArgument(`[_script] sort option [${key}] is not supported by Strait`);
    else throw errors.parsing(`[_script] unknown field [${key}]`);
  }
  if (script === undefined) throw errors.parsing('[_script] failed to parse field [script]: script is required');
  if (type === undefined) throw errors.parsing('[_script] failed to parse field [type]: type is required');
  return { kind: 'script', order, type, script };
}

/** Each parsed sort's script, compiled on its first document rather than once per document (a sort spec lives for one request). */
const compiled = new WeakMap<ScriptSort, CompiledScript>();

/** The sort key of one document: the script runs with `doc`, `params` and `_score`. */
export function scriptSortValue(segment: Segment, spec: ScriptSort, doc: number, score: number): SortValue {
  let script = compiled.get(spec);
  if (script === undefined) compiled.set(spec, (script = compileScript(spec.script, 'sort')));
  const lookup = segmentDocLookup(segment, segment.mappings, '_na_', doc);
  const params = new ParamsWithSource(fromJson(script.params) as Map<unknown, Value>, () => sourceOf(segment, doc));
  const value = script.execute({ doc: lookup, params, _score: new JDouble(score) }, wallClock);
  if (spec.type === 'string') return value === null ? null : javaString(value);
  if (numericKind(value) === undefined) throw script.runtimeFailure(fault('class_cast_exception', `Cannot cast from [${value === null ? 'null' : typeof value}] to [double]`));
  return asNumber(value);
}
