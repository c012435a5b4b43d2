/**
 * The one error registry (style P2). Every Elasticsearch error `type` Strait emits is built here,
 * so the REST layer can render it in Elasticsearch's shape:
 * `{"error":{"root_cause":[...],"type":...,"reason":...},"status":N}`.
 */
export interface EsErrorCause {
  readonly type: string;
  readonly reason: string;
  readonly [extra: string]: unknown;
}

export class EsError extends Error {
  /** Extra fields rendered next to `type` and `reason` (for example `index`, `index_uuid`). */
  readonly extra: Record<string, unknown>;
  /** Response headers this error needs (for example `WWW-Authenticate` on 401). */
  readonly headers: Record<string, string>;
  readonly causedBy: EsError | undefined;
  /** Per-shard or per-item causes rendered as `root_cause` when present. */
  readonly rootCauses: readonly EsError[] | undefined;

  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
    options: {
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
      causedBy?: EsError;
      rootCauses?: readonly EsError[];
    } = {},
  ) {
    super(reason);
    this.name = 'EsError';
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
    this.causedBy = options.causedBy;
    this.rootCauses = options.rootCauses;
  }

  get reason(): string {
    return this.message;
  }

  /** The cause object as Elasticsearch renders it (without status). */
  toCause(): EsErrorCause {
    const cause: Record<string, unknown> = { type: this.type, reason: this.message, ...this.extra };
    if (this.causedBy !== undefined) cause['caused_by'] = this.causedBy.toCause();
    return cause as EsErrorCause;
  }

  /** The whole error body as Elasticsearch renders it. */
  toBody(): { error: Record<string, unknown>; status: number } {
    const rootCauses = (this.rootCauses ?? [this.rootMost()]).map((error) => {
      const { caused_by: _ignored, ...rest } = error.toCause() as Record<string, unknown>;
      return rest;
    });
    return { error: { root_cause: rootCauses, ...this.toCause() }, status: this.status };
  }

  private rootMost(): EsError {
    // Elasticsearch reports the innermost Elasticsearch exception as the root cause.
    let current: EsError = this;
    while (current.causedBy !== undefined) current = current.causedBy;
    return current;
  }
}

const indexExtra = (index: string, uuid?: string): Record<string, unknown> => ({
  'resource.type': 'index_or_alias',
  'resource.id': index,
  index_uuid: uuid ?? '_na_',
  index,
});

/**
 * Elasticsearch's ActionTransportException message: `[node][address][action] message`, each part
 * present only when known.
 */
const transportMessage = (node: string | undefined, address: string | undefined, action: string | undefined, message: string): string =>
  `${node !== undefined ? `[${node}]` : ''}${address !== undefined ? `[${address}]` : ''}${action !== undefined ? `[${action}]` : ''} ${message}`.trimStart();

export const errors = {
  // 400
  illegalArgument: (reason: string) => new EsError(400, 'illegal_argument_exception', reason),
  /**
   * An IllegalArgumentException wrapping a Java exception (a NumberFormatException, say). The cause
   * shows as `caused_by`, but the root cause is the IllegalArgumentException itself, since
   * Elasticsearch looks for root causes among its own exceptions only.
   */
  illegalArgumentCausedBy: (reason: string, causedBy: EsError) =>
    new EsError(400, 'illegal_argument_exception', reason, { causedBy, rootCauses: [new EsError(400, 'illegal_argument_exception', reason)] }),
  /** Delete-index and alias actions resolve against indices only (Elasticsearch's `ignoreAliases`). */
  expressionMatchesAlias: (expression: string) =>
    new EsError(400, 'illegal_argument_exception', `The provided expression [${expression}] matches an alias, specify the corresponding concrete indices instead.`),
  /** `action.destructive_requires_name` (true by default since Elasticsearch 8.0). */
  destructiveRequiresName: () => new EsError(400, 'illegal_argument_exception', 'Wildcard expressions or all indices are not allowed'),
  parsing: (reason: string, extra?: Record<string, unknown>) =>
    new EsError(400, 'parsing_exception', reason, { extra: { line: 1, col: 1, ...extra } }),
  xContentParse: (reason: string) => new EsError(400, 'x_content_parse_exception', reason),
  /**
   * Elasticsearch's ScriptException ("compile error" or "runtime error"): the script's stack,
   * source, language and position beside the type; the Java exception inside is `caused_by` but
   * not a root cause (Elasticsearch looks for root causes among its own exceptions only).
   */
  script: (reason: string, extra: Record<string, unknown>, cause: { readonly type: string; readonly reason: string }) =>
    new EsError(400, 'script_exception', reason, {
      extra,
      causedBy: new EsError(400, cause.type, cause.reason),
      rootCauses: [new EsError(400, 'script_exception', reason, { extra })],
    }),
  jsonParse: (reason: string) => new EsError(400, 'json_parse_exception', reason),
  mapperParsing: (reason: string, causedBy?: EsError) =>
    new EsError(400, 'mapper_parsing_exception', reason, causedBy ? { causedBy } : {}),
  documentParsing: (reason: string, causedBy?: EsError) =>
    new EsError(400, 'document_parsing_exception', reason, causedBy ? { causedBy } : {}),
  invalidIndexName: (index: string, reason: string) =>
    new EsError(400, 'invalid_index_name_exception', `Invalid index name [${index}], ${reason}`, {
      extra: { index, index_uuid: '_na_' },
    }),
  actionRequestValidation: (problems: readonly string[]) =>
    new EsError(
      400,
      'action_request_validation_exception',
      `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`,
    ),
  /** Elasticsearch's QueryValidationException: a query whose parameters contradict each other. */
  queryValidation: (problems: readonly string[]) =>
    new EsError(400, 'query_validation_exception', `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`),
  /** Elasticsearch's ValidationException (type `validation_exception`), as the shard limit uses. */
  validation: (problems: readonly string[]) =>
    new EsError(400, 'validation_exception', `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`),
  settingsException: (reason: string) => new EsError(400, 'settings_exception', reason),
  indexClosed: (index: string, uuid?: string) =>
    new EsError(400, 'index_closed_exception', 'closed', { extra: { index_uuid: uuid ?? '_na_', index } }),
  searchPhaseExecution: (reason: string, rootCauses: readonly EsError[]) =>
    new EsError(400, 'search_phase_execution_exception', reason, {
      rootCauses,
      extra: { phase: 'query', grouped: true },
    }),
  /** A search phase failed on shards: `status` follows the shard causes (SearchPhaseExecutionException.status). */
  searchPhaseFailed: (status: number, reason: string, phase: string, rootCauses: readonly EsError[], causedBy: EsError | undefined, failedShards: readonly unknown[]) =>
    new EsError(status, 'search_phase_execution_exception', reason, {
      rootCauses,
      ...(causedBy ? { causedBy } : {}),
      extra: { phase, grouped: true, failed_shards: failedShards },
    }),
  searchContextMissing: (id: string) => new EsError(404, 'search_context_missing_exception', `No search context found for id [${id}]`),
  /**
   * A cross-cluster scroll whose page from one cluster cannot be known to be the next one (a
   * request lost with its connection, then answered by a cluster that cannot resend a page): its
   * context is as good as missing, since continuing it could skip or repeat hits. Ours, as
   * Elasticsearch's missing context (404): the client starts a new scroll.
   */
  scrollPageUncertain: (cluster: string) =>
    new EsError(
      404,
      'search_context_missing_exception',
      `the scroll cannot continue exactly: cluster [${cluster}] may have advanced its scroll for a page whose answer was lost with its connection, and it cannot answer that page again`,
    ),
  /**
   * A cross-cluster scroll id naming a page before the last one answered (ours): that page cannot
   * be answered again, and continuing from it would repeat hits. As a missing context (404).
   */
  scrollIdNotLatest: (contextId: string, offset: number, served: number) =>
    new EsError(
      404,
      'search_context_missing_exception',
      `No search context found for id [${contextId}] at offset [${offset}]: the scroll has answered [${served}] hits; continue it with the most recently received scroll id`,
    ),
  tooManyScrollContexts: (max: number) =>
    new EsError(
      429,
      'too_many_scroll_contexts_exception',
      `Trying to create too many scroll contexts. Must be less than or equal to: [${max}]. This limit can be set by changing the [search.max_open_scroll_context] setting.`,
    ),
  queryShard: (reason: string, index: string, causedBy?: EsError) =>
    new EsError(400, 'query_shard_exception', reason, {
      extra: { index_uuid: '_na_', index },
      ...(causedBy ? { causedBy } : {}),
    }),
  numberFormat: (reason: string) => new EsError(400, 'number_format_exception', reason),
  /** Elasticsearch's AggregationExecutionException for a request's bad buckets_path (400 since 8.x, as InvalidPath). */
  aggregationExecution: (reason: string) => new EsError(400, 'aggregation_execution_exception', reason),
  /** Elasticsearch's TooManyBucketsException (search.max_buckets), with `max_buckets` beside the reason. */
  tooManyBuckets: (reason: string, maxBuckets: number) => new EsError(400, 'too_many_buckets_exception', reason, { extra: { max_buckets: maxBuckets } }),
  // 401
  authenticationRequired: (reason: string) =>
    new EsError(401, 'security_exception', reason, {
      headers: { 'WWW-Authenticate': 'Basic realm="security", charset="UTF-8", ApiKey' },
    }),
  authenticationFailed: (reason: string, extra: Record<string, unknown> = {}) =>
    new EsError(401, 'security_exception', reason, {
      extra,
      headers: { 'WWW-Authenticate': 'Basic realm="security", charset="UTF-8", ApiKey' },
    }),
  // 403
  actionDenied: (action: string, user: string, detail = '') =>
    new EsError(403, 'security_exception', `action [${action}] is unauthorized for user [${user}]${detail}`),
  securityForbidden: (reason: string) => new EsError(403, 'security_exception', reason),
  /** ElasticsearchTimeoutException: a wait the caller bounded ran out (429, as Elasticsearch answers it; never a 5xx). */
  waitTimeout: (reason: string) => new EsError(429, 'timeout_exception', reason),
  /** An update reads the document it changes: refused where document or field level security applies (Elasticsearch's UpdateRequestInterceptor). */
  updateWithDocumentFieldSecurity: () => new EsError(400, 'security_exception', "Can't execute an update request if field or document level security is enabled"),
  /** A client write to a cross-cluster replication follower (spec ccr.md §4.3). */
  followerWrite: () => new EsError(403, 'status_exception', 'a following engine does not accept operations without an assigned sequence number'),
  clusterBlock: (reason: string) => new EsError(403, 'cluster_block_exception', reason),
  // 404
  indexNotFound: (index: string) =>
    new EsError(404, 'index_not_found_exception', `no such index [${index}]`, { extra: indexExtra(index) }),
  /** Elasticsearch's IndexNotFoundException with a reason (`no such index [x] and <reason>`). */
  indexNotFoundBecause: (index: string, reason: string) =>
    new EsError(404, 'index_not_found_exception', `no such index [${index}] and ${reason}`, { extra: indexExtra(index) }),
  resourceNotFound: (reason: string) => new EsError(404, 'resource_not_found_exception', reason),
  /** Elasticsearch's IndexTemplateMissingException (delete of a missing index template). */
  indexTemplateMissing: (name: string) => new EsError(404, 'index_template_missing_exception', `index_template [${name}] missing`),
  /** Elasticsearch's InvalidIndexTemplateException. */
  invalidIndexTemplate: (name: string, cause: string) => new EsError(400, 'invalid_index_template_exception', `index_template [${name}] invalid, cause [${cause}]`),
  /** A data stream name given literally to an API that resolves concrete indices only (delete index). */
  expressionMatchesDataStream: (expression: string) =>
    new EsError(400, 'illegal_argument_exception', `The provided expression [${expression}] matches a data stream, specify the corresponding concrete indices instead.`),
  /** `PUT /_data_stream/x` when x exists (ResourceAlreadyExistsException, 400 as Elasticsearch answers it). */
  dataStreamExists: (name: string) => new EsError(400, 'resource_already_exists_exception', `data_stream [${name}] already exists`),
  aliasesNotFound: (aliases: readonly string[]) =>
    new EsError(404, 'aliases_not_found_exception', `aliases [${aliases.join(',')}] missing`, {
      extra: { 'resource.type': 'aliases', 'resource.id': aliases.join(',') },
    }),
  noSuchRemoteCluster: (alias: string) =>
    new EsError(404, 'no_such_remote_cluster_exception', `no such remote cluster: [${alias}]`),
  // 405
  methodNotAllowed: (method: string, path: string, allowed: readonly string[]) =>
    new EsError(
      405,
      'method_not_allowed',
      `Incorrect HTTP method for uri [${path}] and method [${method}], allowed: [${allowed.join(', ')}]`,
      { headers: { Allow: allowed.join(',') } },
    ),
  // 406 / 415
  notAcceptable: (reason: string) => new EsError(406, 'media_type_header_exception', reason),
  unsupportedMediaType: (header: string, contentType: string) =>
    new EsError(406, 'media_type_header_exception', `Invalid media-type value on headers [${header}]`, {
      causedBy: new EsError(406, 'media_type_header_exception', `${header} header [${contentType}] is not supported`),
    }),
  parse: (reason: string) => new EsError(400, 'parse_exception', reason),
  bodyRequired: () => new EsError(400, 'parse_exception', 'request body is required'),
  unrecognizedParameters: (path: string, names: readonly string[]) =>
    new EsError(
      400,
      'illegal_argument_exception',
      names.length === 1
        ? `request [${path}] contains unrecognized parameter: [${names[0]}]`
        : `request [${path}] contains unrecognized parameters: ${names.map((name) => `[${name}]`).join(', ')}`,
    ),
  badRequest: (reason: string) => new EsError(400, 'bad_request', reason),
  /** Request headers over `http.max_header_size`: Elasticsearch's HTTP decoder refuses them with 400. */
  tooLongHttpHeader: (bytesMax: number) => new EsError(400, 'too_long_http_header_exception', `HTTP header is larger than ${bytesMax} bytes.`),
  /** A request line over the limit (Elasticsearch: `http.max_initial_line_length`). */
  tooLongHttpLine: (bytesMax: number) => new EsError(400, 'too_long_http_line_exception', `An HTTP line is larger than ${bytesMax} bytes.`),
  // 409
  /** `uuid`: the index's uuid (EngineException carries the shard id); `_na_` only where there is no index. */
  versionConflict: (id: string, reason: string, index: string, shard = '0', uuid = '_na_') =>
    new EsError(409, 'version_conflict_engine_exception', `[${id}]: version conflict, ${reason}`, {
      extra: { index_uuid: uuid, shard, index },
    }),
  // 400 — index exists (Elasticsearch answers 400 for this one)
  resourceAlreadyExists: (index: string, uuid: string) =>
    new EsError(400, 'resource_already_exists_exception', `index [${index}/${uuid}] already exists`, {
      extra: { index_uuid: uuid, index },
    }),
  // 413
  contentTooLong: (bytes: number, limit: number) =>
    new EsError(413, 'content_too_long_exception', `request body of ${bytes} bytes exceeds the limit of ${limit} bytes [http.max_content_length]`),
  // 429
  rejectedExecution: (reason: string) => new EsError(429, 'es_rejected_execution_exception', reason),
  // 500
  internal: (reason: string) => new EsError(500, 'exception', reason),
  // 501 (unimplemented query types etc. are 400 in Elasticsearch; this is for unknown REST paths)
  noHandler: (method: string, path: string) =>
    new EsError(400, 'illegal_argument_exception', `no handler found for uri [${path}] and method [${method}]`),
  // Index layer (documents, mappings, aliases)
  /** `_routing: {required: true}` in the mapping and a document operation without routing. */
  routingMissing: (index: string, id: string) =>
    new EsError(400, 'routing_missing_exception', `routing is required for [${index}]/[${id}]`, { extra: { index_uuid: '_na_', index } }),
  documentMissing: (id: string, index: string, uuid = '_na_', shard = '0') =>
    new EsError(404, 'document_missing_exception', `[${id}]: document missing`, { extra: { index_uuid: uuid, shard, index } }),
  /** An update of a document whose index keeps no `_source` (`_source.enabled: false`). */
  documentSourceMissing: (id: string, index: string, uuid: string, shard: string) =>
    new EsError(400, 'document_source_missing_exception', `[${id}]: document source missing`, { extra: { index_uuid: uuid, shard, index } }),
  strictDynamicMapping: (field: string, parent: string) =>
    new EsError(400, 'strict_dynamic_mapping_exception', `mapping set to strict, dynamic introduction of [${field}] within [${parent}] is not allowed`),
  illegalState: (reason: string) => new EsError(500, 'illegal_state_exception', reason),
  /** A change for the elected master (multi-node) not applied within its timeout (ProcessClusterEventTimeoutException, 503). */
  processClusterEventTimeout: (source: string, timeoutMs: number) =>
    new EsError(503, 'process_cluster_event_timeout_exception', `failed to process cluster event (${source}) within ${timeoutMs}ms`),
  // Ingest pipelines (src/index/ingest). A processor's configuration error names the processor
  // type, tag and property as Elasticsearch's ConfigurationUtils headers do.
  ingestConfiguration: (reason: string, processorType?: string, processorTag?: string, propertyName?: string) =>
    new EsError(400, 'parse_exception', reason, {
      extra: {
        ...(processorType !== undefined ? { processor_type: processorType } : {}),
        ...(processorTag !== undefined ? { processor_tag: processorTag } : {}),
        ...(propertyName !== undefined ? { property_name: propertyName } : {}),
      },
    }),
  // The ingest errors below answer 500 on Elasticsearch (their exceptions carry no status). Each is
  // caused by the request or the pipeline a user wrote, never by the node, and Strait answers a
  // 5xx only for its own faults, so they are 400 with Elasticsearch's type and reason.
  /** The `fail` processor's error (Elasticsearch's FailProcessorException). */
  failProcessor: (message: string) => new EsError(400, 'fail_processor_exception', message),
  /** A `pipeline` processor that calls a pipeline already running, or nests too deep (8.13+'s GraphStructureException). */
  pipelineGraph: (reason: string) => new EsError(400, 'graph_structure_exception', reason),
  /**
   * Elasticsearch's IllegalStateException where the request caused it (a pipeline naming a missing
   * pipeline, a final pipeline changing `_index`, a reindex remote that is not Elasticsearch, a
   * collapse on a multi-valued field): Elasticsearch answers 500, Strait 400 with the same type.
   * `illegalState` stays for Strait's own faults.
   */
  illegalStateOfRequest: (reason: string) => new EsError(400, 'illegal_state_exception', reason),
  invalidAliasName: (alias: string, reason: string) =>
    new EsError(400, 'invalid_alias_name_exception', `Invalid alias name [${alias}]: ${reason}`),
  /** ClusterBlockException of STATE_NOT_RECOVERED_BLOCK: a node that has not applied its cluster's state yet (503). */
  stateNotRecovered: () => new EsError(503, 'cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];'),
  /**
   * ClusterBlockException of NoMasterBlockService's block (id 2, 503): a metadata write that
   * could not reach the cluster's coordination (multi-node: etcd did not accept it).
   */
  noMaster: () => new EsError(503, 'cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/2/no master];'),
  indexBlocked: (index: string, block: string, status = 403) =>
    new EsError(status, 'cluster_block_exception', `index [${index}] blocked by: [${block}];`),
  // Transport layer (src/transport). Statuses as Elasticsearch's: TransportException defaults to
  // 500; ConnectTransportException answers 502 since 8.18 so clients retry (elastic/elasticsearch#118681).
  /** A node of a nodes action (`..[n]`) did not answer: listed in the response's `_nodes.failures` (FailedNodeException). */
  failedNode: (nodeId: string, causedBy: EsError) => new EsError(500, 'failed_node_exception', `Failed node [${nodeId}]`, { extra: { node_id: nodeId }, causedBy }),
  /** A connection could not be opened or its handshake failed; `causedBy` carries a remote refusal. */
  connectTransport: (node: string | undefined, address: string | undefined, reason: string, causedBy?: EsError) =>
    new EsError(502, 'connect_transport_exception', transportMessage(node, address, undefined, reason), causedBy ? { causedBy } : {}),
  /** The connection closed while a request was in flight (or was already closed). */
  nodeDisconnected: (node: string | undefined, address: string | undefined, action?: string) =>
    new EsError(500, 'node_disconnected_exception', transportMessage(node, address, action, 'disconnected')),
  receiveTimeout: (node: string | undefined, address: string | undefined, action: string, requestId: number, timeoutMs: number) =>
    new EsError(500, 'receive_timeout_transport_exception', transportMessage(node, address, action, `request_id [${requestId}] timed out after [${timeoutMs}ms]`)),
  /**
   * A TLS handshake failed on the accepting side; Elasticsearch renders Java's SSLHandshakeException
   * under this (underscored class) name.
   */
  sslHandshake: (reason: string) => new EsError(500, 's_s_l_handshake_exception', reason),
  actionNotFoundTransport: (action: string) =>
    new EsError(500, 'action_not_found_transport_exception', `No handler for action [${action}]`),
  // Reindex from remote (src/search/reindex-remote.ts) and bulk-by-scroll writes. Messages name the
  // remote's address only, never its credentials. The remote is named by the request (host,
  // timeouts), so what it does wrong is the request's to fix: 400 with Elasticsearch's types, where
  // Elasticsearch answers 500 (Strait answers a 5xx only for its own faults).
  /** The remote source could not be reached (Java's ConnectException, as Elasticsearch renders it). */
  remoteConnect: (reason: string) => new EsError(400, 'connect_exception', reason),
  /** The remote source stopped answering within `socket_timeout` (Java's SocketTimeoutException). */
  remoteSocketTimeout: (reason: string) => new EsError(400, 'socket_timeout_exception', reason),

  /** The remote source answered with an HTTP error and no Elasticsearch error body (ElasticsearchStatusException). */
  status: (status: number, reason: string) => new EsError(status, 'status_exception', reason),
  // Replication between shard copies (src/index/replication). Statuses as Elasticsearch's:
  // ElasticsearchException defaults to 500, IllegalIndexShardStateException answers 404.
  /** The master refused a shard failure report from an older primary term (ShardStateAction). */
  noLongerPrimaryShard: (index: string, shard: number, reason: string) =>
    new EsError(500, 'no_longer_primary_shard_exception', reason, { extra: { index, shard: String(shard) } }),
  /** A primary-only operation reached a copy that is not (or no longer) the primary. */
  shardNotInPrimaryMode: (index: string, shard: number, currentState: string) =>
    new EsError(404, 'shard_not_in_primary_mode_exception', `CurrentState[${currentState}] shard is not in primary mode`, { extra: { index, shard: String(shard) } }),
  /** A shard operation reached a node without that shard copy. */
  shardNotFound: (index: string, shard: number) =>
    new EsError(404, 'shard_not_found_exception', `no such shard`, { extra: { index, shard: String(shard) } }),
  /** No started copy of a shard to search (NoShardAvailableActionException). */
  noShardAvailable: (index: string, shard: number) =>
    new EsError(503, 'no_shard_available_action_exception', `[${index}][${shard}] has no started copy`, { extra: { index, shard: String(shard) } }),
  /** Peer recovery of a shard copy failed (RecoveryFailedException). */
  recoveryFailed: (index: string, shard: number, source: string, target: string, causedBy: EsError) =>
    new EsError(500, 'recovery_failed_exception', `[${index}][${shard}]: Recovery failed from ${source} into ${target}`, { extra: { index, shard: String(shard) }, causedBy }),
  /** A write waited `timeout` for more active shard copies than exist (`wait_for_active_shards`). */
  unavailableShards: (index: string, reason: string) => new EsError(503, 'unavailable_shards_exception', reason, { extra: { index, shard: '0' } }),
} as const;

export type ErrorFactoryName = keyof typeof errors;

export function isEsError(value: unknown): value is EsError {
  return value instanceof EsError;
}
