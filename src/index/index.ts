/**
 * The index layer: durable store, index metadata, mappings and document operations. Other layers
 * import only from here.
 */
export {
  IndicesService,
  openIndicesService,
  parseAliasDefinition,
  parseTimeMs,
  renderFlatSettings,
  type AliasAction,
  type BlockName,
  type IndexHandle,
  type IndexListener,
  type OpenIndicesServiceOptions,
} from './indices-service.js';
export {
  allowAllAccess,
  parseExpandWildcards,
  parseIndicesOptions,
  resolveIndexExpression,
  resolveSingleIndex,
  resolveWriteIndex,
  strictExpandOpen,
  wildcardMatch,
  type IndexAccess,
  type IndexView,
  type IndicesOptions,
  type ResolvedIndices,
  type WildcardState,
} from './expression.js';
export { validateIndexName, validateDocumentId, documentIdBytesMax } from './names.js';
export { isDateMathName, resolveDateMathExpression, resolveDateMathName } from './date-math-names.js';
export { checkAutoCreateIndex, parseAutoCreateIndex, type AutoCreateIndexRule } from './auto-create.js';
export { checkShardLimit, shardCopies } from './shard-limit.js';
export {
  applySettingsUpdate,
  autoExpandedReplicas,
  CLUSTER_DATA_NODES,
  defaultSettings,
  flattenSettings,
  indexSettingSpecs,
  INDEX_VERSION_CREATED,
  nestFlatSettings,
  parseAutoExpandReplicas,
  parseCreateSettings,
  queryDefaultFields,
  settingBoolean,
  settingInteger,
  settingValue,
  withAutoExpandedReplicas,
  type AutoExpandReplicas,
  type FlatSettings,
} from './settings.js';
export * from './mapping/index.js';
export { bulkSliceLimits, executeBulkInSlices, parseBulkBodyInSlices } from './bulk-slices.js';
export { filterSource, filterSourceFields, fetchWholeSource, sourceFilterFromBody, sourceFilterFromQuery, type ReadRestriction, type SourceFilter } from './source-filter.js';
export {
  deleteDocument,
  DynamicMappingUpdateRequired,
  executeBulk,
  executeBulkStepwise,
  executeMget,
  getDocument,
  readRestrictionFor,
  indexDocument,
  mergeSource,
  parseBulkBody,
  parseConcurrency,
  parseLong,
  parseMgetBody,
  parseRefresh,
  parseRouting,
  parseVersionType,
  routingRequired,
  pipelineNotSupported,
  updateDocument,
  writeShards,
  type BulkAuthorizer,
  type BulkDefaults,
  type Concurrency,
  type RefreshPolicy,
  type VersionType,
  type WriteOutcome,
} from './documents.js';
export { ShardStore, MetadataStore, STORE_FORMAT_VERSION, StoreFormatError, type Operation, type StoredDocument, type IndexMetadata, type AliasMetadata } from './store/index.js';
export { openVersionedTables, JsonDocumentTable } from './store/index.js';
export { clusterHealth, indexHealth, statusSatisfies, statusWithLagObjective, worstStatus, type ClusterHealthSummary, type HealthStatus, type IndexHealth, type IndexShape } from './health.js';
export { renderFlatSettingValues, settingList } from './setting-lists.js';
