/**
 * Aggregation value scripts (pure): a `script` in a values-source aggregation, alone (the script
 * computes each document's values from `doc` and `params`) or beside a `field` (a value script:
 * it runs once per value of the field, which it reads as `_value`, and its results replace them).
 *
 * The aggregation is parsed as if on a synthetic field (`syntheticFieldPrefix` + depth + name);
 * per segment, `scriptedSegment` runs the script over the segment's live documents and builds
 * that field's doc values (and terms), so the aggregator itself reads columns as for any field.
 * A script error on one document is kept and raised only if that document is collected, so a
 * document the query does not match cannot fail the search (as in Elasticsearch, which runs
 * scripts on collected documents only). The script is compiled when the request is parsed (a
 * compile error is a 400 then) and taken from the compile cache per shard.
 *
 * multi_terms terms and composite sources take a script each (`splitSourceScripts`), every one on
 * its own synthetic field; significant_terms, multi_terms and composite read every segment of the
 * shard, so their segments are all scripted before collection.
 *
 * Value types, as Elasticsearch's ValuesSourceConfig resolves them: a value script has its
 * field's kind (strings for keyword fields, epoch milliseconds for dates, numbers otherwise;
 * numbers become doubles, as Elasticsearch's scripted numeric values are floating point); a
 * script alone gives strings for terms, cardinality and value_count (their default KEYWORD
 * source: `1` becomes "1", `1.0` "1.0"), dates for date_histogram and date_range, and doubles
 * elsewhere; `value_type` overrides both.
 *
 * Not available: `_score` (scripts run per segment before scoring; a script naming it is refused
 * with a 400).
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations.html#use-scripts-in-an-aggregation
 */
import { errors, type EsError } from '../../common/errors.js';
import { buildSegment } from '../engine/segment-builder.js';
import { type FieldMapping, type FieldMappings, type Segment, isLive } from '../engine/segment.js';
import { checkCompiles, compileScript, parseScriptSpec, wallClock, type ScriptSpec } from '../script/index.js';
import { segmentDocLookup } from '../script/doc.js';
import { JDouble, JFloat, JavaFault, ParamsWithSource, fromJson, isObjectLike, javaString, type Value } from '../script/values.js';

/** The kinds that take a `script` (others keep refusing it, naming the aggregation). */
export const scriptableKinds: ReadonlySet<string> = new Set([
  'value_count', 'cardinality', 'min', 'max', 'avg', 'sum', 'stats', 'extended_stats', 'percentiles', 'percentile_ranks', 'terms', 'histogram', 'range',
  'date_histogram', 'date_range', 'rare_terms', 'significant_terms', 'auto_date_histogram', 'variable_width_histogram',
]);

/** Kinds whose values are dates when a script stands alone (Elasticsearch's DATE default source). */
const dateDefaultKinds: ReadonlySet<string> = new Set(['date_histogram', 'date_range', 'auto_date_histogram']);

/** Kinds whose values default to strings when a script stands alone (Elasticsearch's KEYWORD default source). */
const keywordDefaultKinds: ReadonlySet<string> = new Set(['terms', 'cardinality', 'value_count', 'rare_terms', 'significant_terms']);

/** The engine type a script's values are collected as. */
export type ScriptValueType = 'keyword' | 'double' | 'long' | 'date' | 'boolean';

export interface ValueScript {
  readonly spec: ScriptSpec;
  /** The field a value script reads as `_value`; undefined for a script alone. */
  readonly field: string | undefined;
  /** The synthetic field the aggregation was parsed on. */
  readonly syntheticField: string;
  /** undefined: decided by the field's type when the aggregator is made. */
  readonly valueType: ScriptValueType | undefined;
}

const syntheticFieldPrefix = '\u0000script';

/** Elasticsearch's `value_type` names (ValueType.lenientParse) to the engine type collected. */
const valueTypes: Readonly<Record<string, ScriptValueType>> = {
  string: 'keyword', keyword: 'keyword', ip: 'keyword',
  long: 'long', integer: 'long', short: 'long', byte: 'long',
  double: 'double', float: 'double', number: 'double', numeric: 'double',
  date: 'date', boolean: 'boolean',
};

/**
 * Splits a scriptable aggregation's body: with a `script`, the body to parse (its `field` replaced
 * by the synthetic one, `script` and `value_type` removed) and the script; otherwise the body as
 * it is. Throws the 400s of a bad script (shape, language, compile error) or value type.
 */
export function splitValueScript(kind: string, body: Readonly<Record<string, unknown>>, name: string, depth: number): { body: Record<string, unknown>; script: ValueScript | undefined } {
  if (body['script'] === undefined || !scriptableKinds.has(kind)) return { body: { ...body }, script: undefined };
  const spec = parseScriptSpec(body['script']);
  const field = body['field'];
  if (field !== undefined && typeof field !== 'string') throw errors.parsing(`[${kind}] failed to parse field [field]`);
  const typeName = body['value_type'];
  let valueType: ScriptValueType | undefined;
  if (typeName !== undefined) {
    valueType = typeof typeName === 'string' ? valueTypes[typeName] : undefined;
    if (valueType === undefined) throw errors.illegalArgument(`Unknown value type [${String(typeName)}]`);
  } else if (field === undefined) valueType = keywordDefaultKinds.has(kind) ? 'keyword' : dateDefaultKinds.has(kind) ? 'date' : 'double';
  if (spec.source !== undefined) {
    checkScoreFree(spec.source, name);
    checkCompiles(spec.source, 'aggs');
  }
  const syntheticField = `${syntheticFieldPrefix}\u0000${depth}\u0000${name}`;
  const { script: _script, value_type: _valueType, ...rest } = body;
  return { body: { ...rest, field: syntheticField }, script: { spec, field, syntheticField, valueType } };
}

/**
 * multi_terms `terms` and composite `sources` take a `script` per entry (Elasticsearch's
 * MultiValuesSourceFieldConfig and CompositeValuesSourceBuilder): each scripted entry gets its own
 * synthetic field. Default types of a script alone: strings for a multi_terms term and a `terms`
 * source, doubles for a `histogram` source, dates for a `date_histogram` source; a composite
 * source's `value_type` overrides them. Other kinds: the body as it is, no scripts.
 */
export function splitSourceScripts(kind: string, body: Readonly<Record<string, unknown>>, name: string, depth: number): { body: Record<string, unknown>; scripts: ValueScript[] } {
  const scripts: ValueScript[] = [];
  const split = (entry: Readonly<Record<string, unknown>>, label: string, defaultType: ScriptValueType, allowValueType: boolean): Record<string, unknown> => {
    if (entry['script'] === undefined) return { ...entry };
    const spec = parseScriptSpec(entry['script']);
    const field = entry['field'];
    if (field !== undefined && typeof field !== 'string') throw errors.parsing(`[${kind}] failed to parse field [field]`);
    let valueType: ScriptValueType | undefined;
    const typeName = allowValueType ? entry['value_type'] : undefined;
    if (typeName !== undefined) {
      valueType = typeof typeName === 'string' ? valueTypes[typeName] : undefined;
      if (valueType === undefined) throw errors.illegalArgument(`Unknown value type [${String(typeName)}]`);
    } else if (field === undefined) valueType = defaultType;
    if (spec.source !== undefined) {
      checkScoreFree(spec.source, name);
      checkCompiles(spec.source, 'aggs');
    }
    const syntheticField = `${syntheticFieldPrefix}\u0000${depth}\u0000${name}\u0000${label}`;
    scripts.push({ spec, field, syntheticField, valueType });
    const { script: _script, value_type: _valueType, ...rest } = entry;
    return { ...rest, field: syntheticField };
  };
  const isEntry = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (kind === 'multi_terms' && Array.isArray(body['terms'])) {
    const terms = body['terms'].map((term: unknown, index) => (isEntry(term) ? split(term, String(index), 'keyword', false) : term));
    return { body: { ...body, terms }, scripts };
  }
  if (kind === 'composite' && Array.isArray(body['sources'])) {
    const defaults: Readonly<Record<string, ScriptValueType>> = { terms: 'keyword', histogram: 'double', date_histogram: 'date' };
    const sources = body['sources'].map((source: unknown) => {
      if (!isEntry(source) || Object.keys(source).length !== 1) return source;
      const [sourceName, definition] = Object.entries(source)[0]!;
      if (!isEntry(definition) || Object.keys(definition).length !== 1) return source;
      const [type, sourceBody] = Object.entries(definition)[0]!;
      if (!isEntry(sourceBody) || defaults[type] === undefined) return source;
      return { [sourceName]: { [type]: split(sourceBody, sourceName, defaults[type], true) } };
    });
    return { body: { ...body, sources }, scripts };
  }
  return { body: { ...body }, scripts };
}

function checkScoreFree(source: string, name: string): void {
  if (/\b_score\b/.test(source)) throw errors.illegalArgument(`[_score] is not available to the script of aggregation [${name}]: Strait runs aggregation scripts before scoring`);
}

/** The value type of a value script on `mapping`'s field (a script alone has its type already). */
export function resolvedValueType(script: ValueScript, mapping: FieldMapping | undefined): ScriptValueType {
  if (script.valueType !== undefined) return script.valueType;
  if (mapping?.type === 'date' || mapping?.type === 'date_nanos') return 'date'; // the script maps epoch milliseconds
  return mapping === undefined || mapping.type === 'keyword' || mapping.type === 'constant_keyword' ? 'keyword' : 'double';
}

/** The mappings an aggregation with a script sees: the synthetic field beside the index's fields. */
export function scriptedMappings(mappings: FieldMappings, script: ValueScript, valueType: ScriptValueType): FieldMappings {
  return { ...mappings, [script.syntheticField]: { type: valueType } };
}

const longTypes: ReadonlySet<string> = new Set(['long', 'integer', 'short', 'byte', 'date', 'date_nanos', 'boolean']);

/** A field's values of one document as `_value` sees them: strings, longs, or doubles. */
function fieldValues(segment: Segment, field: string, mapping: FieldMapping | undefined, doc: number): Value[] {
  const values = segment.docValues.get(field);
  if (values === undefined) return [];
  const from = values.valueStart[doc]!;
  const to = values.valueStart[doc + 1]!;
  const result: Value[] = [];
  if (values.kind === 'keyword') {
    const terms = segment.postings.get(field)?.terms ?? [];
    for (let index = from; index < to; index++) result.push(terms[values.ordinals[index]!]!);
    return result;
  }
  const asLong = mapping !== undefined && longTypes.has(mapping.type);
  for (let index = from; index < to; index++) {
    const value = values.values[index]!;
    result.push(asLong ? BigInt(Math.trunc(value)) : new JDouble(value));
  }
  return result;
}

/** One script result as values of the collected type (a list gives each of its items). */
function collectedValues(result: Value, valueType: ScriptValueType, out: unknown[]): void {
  if (result === null || result === undefined) return;
  if (Array.isArray(result)) {
    for (const item of result) collectedValues(item, valueType, out);
    return;
  }
  if (valueType === 'keyword') {
    out.push(javaString(result));
    return;
  }
  if (typeof result === 'number') out.push(result);
  else if (typeof result === 'bigint') out.push(Number(result));
  else if (result instanceof JDouble || result instanceof JFloat) out.push(result.v);
  else if (typeof result === 'boolean') out.push(valueType === 'boolean' ? result : result ? 1 : 0);
  else if (isObjectLike(result) && result.javaType === 'java.time.ZonedDateTime' && result.call !== undefined) out.push(Number(result.call('toEpochMilli', []) as bigint));
  // Elasticsearch's AggregationExecutionException text, as a 400: the request's script caused it.
  else throw errors.illegalArgument(`Unsupported script value [${javaString(result)}], expected a number, date, or boolean`);
}

/**
 * `scriptedSegment` for several scripts (multi_terms terms, composite sources): each adds its
 * synthetic field; a document keeps its first script error.
 */
export function segmentWithScripts(segment: Segment, scripts: readonly ValueScript[], valueTypes: readonly ScriptValueType[], mappings: FieldMappings, indexName: string): ScriptedSegment {
  let current = segment;
  const failures = new Map<number, EsError>();
  scripts.forEach((script, index) => {
    const scripted = scriptedSegment(current, script, valueTypes[index]!, mappings, indexName);
    current = scripted.segment;
    for (const [doc, failure] of scripted.failures) if (!failures.has(doc)) failures.set(doc, failure);
  });
  return { segment: current, failures };
}

/** A segment with the script's values as doc values of the synthetic field, and the per-document script errors. */
export interface ScriptedSegment {
  readonly segment: Segment;
  readonly failures: ReadonlyMap<number, EsError>;
}

/**
 * Runs `script` over the live documents of `segment` and returns the segment with the values as
 * the synthetic field's doc values (and terms, for strings).
 */
export function scriptedSegment(segment: Segment, script: ValueScript, valueType: ScriptValueType, mappings: FieldMappings, indexName: string): ScriptedSegment {
  const compiled = compileScript(script.spec, 'aggs');
  const params = fromJson(script.spec.params) as Map<unknown, Value>;
  let sourceField = script.field;
  let sourceMapping = sourceField === undefined ? undefined : mappings[sourceField];
  if (sourceMapping?.aliasOf !== undefined) {
    sourceField = sourceMapping.aliasOf;
    sourceMapping = mappings[sourceField];
  }
  const failures = new Map<number, EsError>();
  const run = (variables: Record<string, Value>): Value => compiled.execute(variables, wallClock);
  const valuesOf = (doc: number): unknown[] => {
    const out: unknown[] = [];
    if (!isLive(segment, doc)) return out;
    let parsed: unknown;
    const source = (): unknown => (parsed ??= JSON.parse(segment.sources.text(doc)) as unknown);
    try {
      const docLookup = segmentDocLookup(segment, mappings, indexName, doc);
      if (sourceField === undefined) {
        collectedValues(run({ doc: docLookup, params: new ParamsWithSource(params, source) }), valueType, out);
      } else {
        for (const value of fieldValues(segment, sourceField, sourceMapping, doc)) {
          collectedValues(run({ doc: docLookup, params: new ParamsWithSource(params, source), _value: value }), valueType, out);
        }
      }
    } catch (error) {
      if (error instanceof JavaFault) failures.set(doc, compiled.runtimeFailure(error));
      else if (error instanceof Error && 'status' in error) failures.set(doc, error as EsError);
      else throw error;
      return [];
    }
    return out;
  };
  const field = script.syntheticField;
  const built = buildSegment(
    { length: segment.maxDoc, at: (docId) => ({ docId, id: segment.ids[docId]!, source: '{}', fields: { [field]: valuesOf(docId) } }) },
    { [field]: { type: valueType } },
    { name: `${segment.name}-script`, maxSeqNo: segment.maxSeqNo },
  );
  const docValues = new Map(segment.docValues);
  const postings = new Map(segment.postings);
  const values = built.docValues.get(field);
  if (values !== undefined) docValues.set(field, values);
  const terms = built.postings.get(field);
  if (terms !== undefined) postings.set(field, terms);
  return { segment: { ...segment, docValues, postings }, failures };
}
