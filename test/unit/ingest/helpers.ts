/** Runs pipeline definitions over documents with the pure engine (no store, no node). */
import { EsError } from '../../../src/common/index.js';
import { executePipeline, IngestDocument, parsePipeline, processorRegistry, ProcessorFailure, type Pipeline, type ProcessorResult } from '../../../src/index/ingest/index.js';

export const nowMs = Date.UTC(2024, 4, 17, 10, 20, 30, 400);

export function pipelineOf(definition: unknown, id = 'p'): Pipeline {
  return parsePipeline(id, definition, processorRegistry);
}

export interface Ran {
  readonly document: IngestDocument;
  readonly source: Record<string, unknown>;
  readonly error: EsError | undefined;
  readonly trace: ProcessorResult[] | undefined;
}

/** Runs `processors` (or a whole definition) over `source`; other stored pipelines by id in `stored`. */
export function run(processorsOrDefinition: unknown, source: Record<string, unknown>, options: { stored?: Record<string, unknown>; verbose?: boolean; index?: string; id?: string } = {}): Ran {
  const definition = Array.isArray(processorsOrDefinition) ? { processors: processorsOrDefinition } : processorsOrDefinition;
  const pipeline = pipelineOf(definition, '_simulate_pipeline');
  const stored = new Map(Object.entries(options.stored ?? {}).map(([id, item]) => [id, pipelineOf(item, id)]));
  const document = IngestDocument.of({ _index: options.index ?? 'index', _id: options.id ?? 'id' }, structuredClone(source), new Date(nowMs).toISOString());
  const trace: ProcessorResult[] | undefined = options.verbose ? [] : undefined;
  let error: EsError | undefined;
  try {
    executePipeline(pipeline, document, { nowMs, elapsedMs: () => 0, pipeline: (id) => stored.get(id), trace, stats: undefined });
  } catch (caught) {
    if (caught instanceof ProcessorFailure) error = caught.cause;
    else if (caught instanceof EsError) error = caught;
    else throw caught;
  }
  return { document, source: document.source(), error, trace };
}

/** The configuration error a definition gets when parsed. */
export function configError(processors: unknown[]): EsError {
  try {
    pipelineOf({ processors });
  } catch (error) {
    if (error instanceof EsError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}
