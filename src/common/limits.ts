/** Every limit Strait enforces, with its unit in the name (style P4). */
export const limits = {
  httpBodyBytesMax: 100 * 1024 * 1024, // Elasticsearch http.max_content_length default (100mb)
  httpHeaderBytesMax: 16 * 1024, // Node's default, stated
  searchResultWindowMax: 10_000, // index.max_result_window default
  bulkItemsMax: 100_000, // ours: one _bulk body above this is refused with 400
  mgetDocsMax: 10_000, // ours
  authCacheEntriesMax: 10_000, // ours: successful credential verifications kept in memory
  authCacheTtlMs: 20 * 60 * 1000, // Elasticsearch's xpack.security.authc.api_key.cache.ttl default (20m)
  indexNameBytesMax: 255,
  fieldsPerIndexMax: 1000, // index.mapping.total_fields.limit default
  fieldDepthMax: 20, // index.mapping.depth.limit default
  jsonNestingDepthMax: 1000, // the JSON parser's nesting limit Elasticsearch keeps (StreamReadConstraints default)
  queryNestedDepthMax: 30, // indices.query.bool.max_nested_depth default: queries inside queries
  regexLengthMax: 1000, // index.max_regex_length default: a longer regexp query pattern is refused with 400
  intervalsExpansionsMax: 128, // Lucene's Intervals default: a prefix/wildcard/fuzzy/regexp/range rule expanding to more terms is refused
  spanMultiExpansionsMax: 1024, // Lucene's IndexSearcher max clause count default: a span_multi expanding to more terms is refused with 400
  intervalsSearchStepsMax: 1_000_000, // ours: ordered/max_gaps interval combinations one document may try; beyond it 400
  collapseShardHitsMax: 100_000, // ours: ordered hits one shard hands to field collapsing (groups are picked from them)
  apiKeyNameBytesMax: 1024,
  securityRegexCodePointsMax: 1000, // ours: a `/regex/` name pattern (Lucene syntax) longer than this is refused
  securityRegexNestingDepthMax: 100, // ours: groups `( )` and complements `~` nested deeper than this are refused
  securityRegexMatchWordsMax: 20_000_000, // ours: bitset words one whole-name match may touch; beyond it 400
  scriptLoopStatementsMax: 1_000_000, // Painless's maxLoopCounter default: statements run inside loops per execution
  scriptRunMsMax: 1000, // ours: wall-clock budget of one script execution, so no script hangs the node
  scriptStringCharsMax: 10 * 1024 * 1024, // ours: a script may not build a longer string
  scriptSourceCharsMax: 65_535, // Elasticsearch's script.max_size_in_bytes default (stored and inline sources)
  scriptCacheEntriesMax: 3000, // Elasticsearch's script.cache.max_size default
  scriptFieldsMax: 32, // Elasticsearch's index.max_script_fields default
  scriptNestingDepthMax: 200, // ours: expressions and statements nested deeper are refused at compile time (the stack bounds them)
  scriptCollectionItemsMax: 1_000_000, // ours: a list, map or array a script builds may not hold more items
  scriptCallDepthMax: 100, // ours: a script's own functions may nest (recurse) this deep
  aggregationBucketsMax: 65_536, // Elasticsearch's search.max_buckets default (auto_date_histogram's `buckets` ceiling derives from it)
  percentilesBufferValuesMax: 10_000, // ours: a bucket's raw percentile values buffered before they fold into its t-digest
  ingestPipelinesMax: 10_000, // ours (Elasticsearch: ingest.pipeline.max_pipelines): a put adding one more is refused
  ingestPipelineBytesMax: 1024 * 1024, // ours (Elasticsearch: ingest.pipeline.max_pipeline_size): a larger definition is refused
  ingestNestedPipelinesMax: 100, // Elasticsearch's IngestDocument.MAX_PIPELINES: pipelines running inside one another on a document
  userAgentCacheEntriesMax: 1000, // Elasticsearch's ingest.user_agent.cache_size default: parsed user agent strings kept
  userAgentCharsMax: 8192, // ours: a longer string is refused by the user_agent processor (its ~1,200 regexes backtrack; no real browser sends one)
  sharedMetadataRecordBytesMax: 1.5 * 1024 * 1024 - 16 * 1024, // etcd's --max-request-bytes default (1.5 MiB) less room for the key and framing: a larger user, role, key, template, pipeline or stored script is refused with 400 in multi-node mode
  sharedMetadataOwnEventWaitMsMax: 10_000, // ours: a multi-node security write waits this long for the watch to bring it back, then answers anyway (etcd accepted it)
  sharedMetadataCompareAndSwapAttemptsMax: 32, // ours: attempts of one compare-and-swap of a shared etcd key (multi-node auto-follow patterns) that others keep changing, then 503 process_cluster_event_timeout_exception
  sharedMetadataReloadRetryMs: 1_000, // ours: between full loads of a shared etcd range while etcd is away (after a failed publish or a cancelled watch)
} as const;
