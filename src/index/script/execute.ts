/**
 * The Painless execute API (`POST _scripts/painless/_execute`), pure: runs one script in the
 * `painless_test` context (params only; the answer is the result as a string), or in a search
 * context (`filter`, `score`, the runtime field contexts) over the one document `context_setup`
 * gives, indexed with the named index's mappings into a segment of its own.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/painless/current/painless-execute-api.html
 */
import { errors } from '../../common/index.js';
import { buildSegment } from '../engine/segment-builder.js';
import type { FieldMappings } from '../engine/segment.js';
import type { FlattenedMapping, RootMapping } from '../mapping/index.js';
import { engineMappings, toSegmentInputs } from '../searcher/document-input.js';
import { segmentDocLookup } from './doc.js';
import { compileScript, parseScriptSpec, wallClock } from './index.js';
import { renderRuntimeValues, runtimeValues, type RuntimeFieldType } from './runtime-fields.js';
import { JDouble, javaString, toJson } from './values.js';

/** What the request names: the index whose mappings parse the document. */
export interface ExecuteIndex {
  readonly name: string;
  readonly rootMapping: RootMapping;
  readonly mapping: FlattenedMapping;
}

const runtimeContexts: Readonly<Record<string, RuntimeFieldType>> = {
  boolean_field: 'boolean',
  date_field: 'date',
  double_field: 'double',
  keyword_field: 'keyword',
  long_field: 'long',
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request body's parts, checked before any index is resolved. */
export function parseExecuteRequest(body: unknown): { script: unknown; context: string; index: string | undefined; document: unknown } {
  if (!isObject(body)) throw errors.parsing('request body is required');
  let context = 'painless_test';
  let index: string | undefined;
  let document: unknown;
  for (const key of Object.keys(body)) if (key !== 'script' && key !== 'context' && key !== 'context_setup') throw errors.parsing(`[painless_execute_request] unknown field [${key}]`);
  if (body['script'] === undefined) throw errors.parsing('[painless_execute_request] failed to parse field [script]: script is required');
  if (body['context'] !== undefined) {
    if (typeof body['context'] !== 'string') throw errors.parsing('[painless_execute_request] failed to parse field [context]');
    context = body['context'];
  }
  const setup = body['context_setup'];
  if (setup !== undefined) {
    if (!isObject(setup)) throw errors.parsing('[painless_execute_request] failed to parse field [context_setup]');
    for (const key of Object.keys(setup)) if (key !== 'index' && key !== 'document' && key !== 'query') throw errors.parsing(`[context_setup] unknown field [${key}]`);
    if (setup['query'] !== undefined) throw errors.illegalArgument('[context_setup] [query] is not supported by Strait');
    if (setup['index'] !== undefined) index = String(setup['index']);
    document = setup['document'];
  }
  if (context !== 'painless_test' && context !== 'filter' && context !== 'score' && runtimeContexts[context] === undefined) {
    throw errors.illegalArgument(`unsupported context [${context}]`);
  }
  if (context !== 'painless_test' && document === undefined) throw errors.illegalArgument('document is required for context [' + context + ']');
  return { script: body['script'], context, index, document };
}

/** Runs the script and returns the API's answer (`{"result": ...}`). */
export function executePainless(request: ReturnType<typeof parseExecuteRequest>, index: ExecuteIndex | undefined): Record<string, unknown> {
  const spec = parseScriptSpec(request.script);
  if (request.context === 'painless_test') {
    // Elasticsearch answers with the result's String.valueOf.
    const result = compileScript(spec, 'painless_test').execute({}, wallClock);
    try {
      return { result: javaString(result) };
    } catch (error) {
      // A list or map nested thousands deep (a script may build one) outruns the stack of the
      // recursive String.valueOf; that is the script's doing, not the node's.
      if (error instanceof RangeError) throw errors.illegalArgument('the script result is nested too deeply to be written as a string');
      throw error;
    }
  }
  if (index === undefined) throw errors.illegalArgument(`index is required for context [${request.context}]`);
  if (!isObject(request.document)) throw errors.parsing('[context_setup] [document] must be an object');
  const { inputs } = toSegmentInputs([{ id: '_execute', source: JSON.stringify(request.document) }], index.rootMapping);
  const mappings: FieldMappings = engineMappings(index.mapping);
  const segment = buildSegment({ length: 1, at: (docId) => inputs[docId] }, mappings, { name: '_execute', maxSeqNo: 0 });
  const doc = segmentDocLookup(segment, mappings, index.name, 0);
  const runtimeType = runtimeContexts[request.context];
  if (runtimeType !== undefined) {
    const field = { name: '_execute', type: runtimeType, script: spec };
    return { result: renderRuntimeValues(field, runtimeValues(field, segment, mappings, index.name, 0, () => request.document)) };
  }
  if (request.context === 'filter') return { result: toJson(compileScript(spec, 'filter').execute({ doc }, wallClock)) };
  return { result: toJson(compileScript(spec, 'score').execute({ doc, _score: new JDouble(0) }, wallClock)) };
}

