/** Ingest pipelines: the processor engine (pure) and the service the node wires in. */
export { IngestDocument } from './document.js';
export { compileGrok, grokPatternBank, matchGrok } from './grok.js';
export { executePipeline, IngestStats, parsePipeline, ProcessorFailure, type Pipeline, type ProcessorContext, type ProcessorResult } from './pipeline.js';
export { availableProcessorTypes, processorRegistry } from './processors.js';
export { IngestService, type IngestOutcome, type IngestRequest } from './service.js';
export { SqlPipelineStore, INGEST_PIPELINES_FORMAT_VERSION } from './store.js';
