/**
 * Per-shard segment management for search, and the search engine surface the search layer uses
 * (engine, query, aggregations and analysis re-exported so `src/search` imports one module).
 */
export { engineMappings, toSegmentInputs, type SourceDocument } from './document-input.js';
export {
  applyMerge,
  applyOperations,
  buildSearcherSegment,
  deletedDocs,
  emptySearcherState,
  finishMerge,
  mergePolicy,
  pickMerge,
  rebuildState,
  segmentName,
  startMerge,
  type DocMetadata,
  type MergeChoice,
  type MergePlan,
  type RefreshStep,
  type SearcherState,
  type VersionedDocument,
} from './searcher-state.js';
export {
  clearSearcherFiles,
  decodeDocMetadata,
  encodeDocMetadata,
  loadListedSegment,
  loadListedSegments,
  loadSearcherFiles,
  SEARCHER_MANIFEST_FORMAT_VERSION,
  SearcherFilesError,
  searcherDirectory,
  writeSearcherFiles,
} from './searcher-files.js';
export { refreshLimits, SearcherService, shardStatsOf, type ShardSnapshot } from './searcher-service.js';
export { prebuildLimits, type PrebuildLimits } from './segment-prebuilder.js';

export { isLive, sourceOf, namedAnalyzer, resolveAnalyzer, type FieldMapping, type FieldMappings, type Segment, type ShardStats } from '../engine/index.js';
export {
  explainPlan,
  formatDate,
  mergeAggregationPartials,
  mergeShardResults,
  parseDate,
  parseQuery,
  parseSearchRequest,
  planQuery,
  searchShard,
  trackTotalHitsDefault,
  type MergedSearchResult,
  type QueryNode,
  type SearchRequest,
  type ShardHit,
  type ShardResult,
  type SortSpec,
  type SortValue,
} from '../query/index.js';
export { parseAggregations, renderAggregations, type AggregationNode, type PartialMap } from '../aggs/index.js';
export { analyzeForApi, builtInAnalyzers, englishStopWords, getAnalyzer, normalizeKeyword, normalizersOf, storedNormalizersOf, storedAnalyzersOf, porterStem, type Analyzer, type AnalyzeToken, type NormalizerDefinition } from '../analysis/index.js';
export { pickForceMerge, forceMergeLimits, type ForceMergeRequest } from './force-merge.js';
export { docsDeletedOf } from './docs-deleted.js';
