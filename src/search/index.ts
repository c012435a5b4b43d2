/**
 * The search layer: index expression handling for cross-cluster search (expression.ts), the
 * search coordinator (query phase per shard, pure merge, fetch), scroll, msearch, count,
 * field caps, analyze and the by-query write APIs. Other layers import only from here.
 */
export { splitIndexExpression, type SplitExpression } from './expression.js';
export { countAcrossClusters, fieldCapsAcrossClusters, planClusters, searchAcrossClusters, type ClusterPlan, type RemoteClusters } from './ccs.js';
export {
  parseMsearchLines,
  searchActions,
  SearchService,
  type ClusterSearchResult,
  type LocalSearchOptions,
  type LocalSearchResult,
  type SearchAuthorizer,
  type SearchInput,
  type SearchServiceOptions,
} from './search-service.js';
export { checkCountQueryParams, checkQueryStringParams, checkResultWindow, parseCount, parseSearch, queryFromUrl, searchUrlParams, type ParsedSearch } from './request.js';
export { renderHit, renderFields, renderDocValueFields, renderSortValues, sourceValues, floatString, type FetchOptions, type FetchTarget, type FieldRequest } from './fetch.js';
export { collectQueryTerms, highlightHit, highlightValues, parseHighlight, type HighlightFieldSpec, type HighlightSpec } from './highlight.js';
export { aliasFilterFor, withFilter } from './alias-filter.js';
export { allShardsFailed, aggregationTypeName, renderSearchResponse, renderShards, typedKeys, type ShardFailure, type ShardsSummary, type SearchResponseParts } from './response.js';
export { checkKeepAlive, decodeScrollId, encodeScrollId, ScrollRegistry, scrollLimits, type ScrollOwner } from './scroll.js';
export { fieldCaps, parseFieldCapsOptions, type FieldCapsIndex, type FieldCapsOptions } from './field-caps.js';
export { analyze, type AnalyzeContext } from './analyze.js';
export { formatTimeValue, parseTimeValueMs } from './time-value.js';
export { mergeShardResults, mergeAggregationPartials, type ShardResult, type ShardHit, type SearchRequest } from '../index/searcher/index.js';
