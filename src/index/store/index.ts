export {
  ShardStore,
  STORE_FORMAT_VERSION,
  StoreFormatError,
  type Durability,
  type StoredDocument,
  type VersionInfo,
  type Operation,
  type WriteResult,
} from './shard-store.js';
export { MetadataStore, METADATA_FORMAT_VERSION, type IndexMetadata, type AliasMetadata } from './metadata-store.js';
export { openVersionedTables, JsonDocumentTable, type VersionedTables, type JsonDocumentTableSpec } from './versioned-tables.js';
