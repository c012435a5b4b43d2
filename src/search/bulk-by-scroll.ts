/**
 * The pure core of `_reindex`, `_update_by_query` and `_delete_by_query` (Elasticsearch's
 * bulk-by-scroll actions): request parsing with Elasticsearch's validation messages, the task
 * status counters and their JSON, the throttle arithmetic, slicing, and the remote whitelist.
 * No clock, no sockets: the runner (bulk-by-scroll-runner.ts) does the I/O.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-reindex.html,
 * docs-update-by-query.html, docs-delete-by-query.html; the rest-api-spec YAML tests of
 * modules/reindex (reindex/20_validation.yml, update_by_query/20_validation.yml).
 */
import { createHash } from 'node:crypto';
import { errors, EsError, ES_API_VERSION, jsonTokenName } from '../common/index.js';
import { wildcardMatch } from '../index/expression.js';
import { parseScriptSpec, type ScriptSpec } from '../index/script/index.js';
import { parseTimeValueMs } from './time-value.js';

export type BulkByScrollKind = 'reindex' | 'update_by_query' | 'delete_by_query';

export const bulkByScrollActions: Readonly<Record<BulkByScrollKind, string>> = {
  reindex: 'indices:data/write/reindex',
  update_by_query: 'indices:data/write/update/byquery',
  delete_by_query: 'indices:data/write/delete/byquery',
};

export const bulkByScrollLimits = {
  /** Elasticsearch's default scroll batch (`source.size`, `scroll_size`). */
  batchSizeDefault: 1000,
  /** Elasticsearch's default scroll keep-alive of a bulk-by-scroll search (`scroll`). */
  scrollKeepAliveMsDefault: 5 * 60_000,
  /** Ours: `slices` above this is refused (each slice is a task with its own scroll context; a node keeps at most 500). */
  slicesMax: 100,
  /** Elasticsearch's default `timeout` of each bulk write (1m). */
  bulkTimeoutMsDefault: 60_000,
  /** Elasticsearch's default `socket_timeout` and `connect_timeout` of a remote source. */
  remoteSocketTimeoutMsDefault: 30_000,
  remoteConnectTimeoutMsDefault: 30_000,
  /** Ours: bytes of one remote response we read; a larger one fails the reindex. */
  remoteResponseBytesMax: 100 * 1024 * 1024,
} as const;

/** `requests_per_second`: a positive float, or Infinity for `-1` (no throttling). */
function parseRequestsPerSecond(value: string | undefined): number {
  if (value === undefined) return Infinity;
  const number = Number(value);
  if (value.trim() === '-1') return Infinity;
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw errors.illegalArgument('[requests_per_second] must be a float greater than 0. Use -1 to disable throttling.');
  }
  return number;
}

/** The wire form of a rate: -1 for unlimited (Elasticsearch renders Float.POSITIVE_INFINITY as -1). */
function renderRequestsPerSecond(requestsPerSecond: number): number {
  return requestsPerSecond === Infinity ? -1 : requestsPerSecond;
}

/** `slices`: a positive integer or `auto`. */
function parseSlices(value: string | undefined): number | 'auto' {
  if (value === undefined) return 1;
  if (value === 'auto') return 'auto';
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1) throw errors.illegalArgument('[slices] must be a positive integer or the string "auto"');
  if (number > bulkByScrollLimits.slicesMax) throw errors.illegalArgument(`[slices] must be at most [${bulkByScrollLimits.slicesMax}] but was [${value}]`);
  return number;
}

function maxDocsOf(raw: unknown): number {
  const number = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (Number.isNaN(number)) throw errors.numberFormat(`For input string: "${String(raw)}"`);
  if (number === -1) return Infinity;
  if (number < 0) throw errors.illegalArgument(`[max_docs] parameter cannot be negative, found [${number}]`);
  return number;
}

/** `max_docs` from the URL and the body (and the body's deprecated `size`): two different values are an error. */
function mergeMaxDocs(values: readonly unknown[]): number {
  let chosen: number | undefined;
  for (const raw of values) {
    if (raw === undefined) continue;
    const value = maxDocsOf(raw);
    if (chosen !== undefined && chosen !== value) throw errors.illegalArgument(`[max_docs] set to two different values [${chosen}] and [${value}]`);
    chosen = value;
  }
  return chosen ?? Infinity;
}

function conflictsOf(value: unknown): 'abort' | 'proceed' {
  if (value === undefined) return 'abort';
  if (value !== 'abort' && value !== 'proceed') throw errors.illegalArgument(`conflicts may only be "proceed" or "abort" but was [${String(value)}]`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A manual slice (`slice: {id, max}`) or one of `slices` automatic ones: which documents one worker takes. */
export interface Slice {
  readonly id: number;
  readonly max: number;
}

/**
 * Does the document with this `_id` belong to the slice? A stable hash of the id modulo `max`, so
 * the slices are disjoint and together cover every document, whatever the shard layout.
 */
export function inSlice(id: string, slice: Slice | undefined): boolean {
  if (slice === undefined || slice.max <= 1) return true;
  const digest = createHash('md5').update(id, 'utf8').digest();
  return digest.readUInt32BE(0) % slice.max === slice.id;
}

function parseSlice(value: unknown): Slice {
  if (!isObject(value)) throw errors.parsing(`[slice] expected an object but found [${jsonTokenName(value)}]`);
  for (const key of Object.keys(value)) {
    if (key !== 'id' && key !== 'max') throw errors.illegalArgument(`[slice] field [${key}] is not supported by Strait: slices always split on _id`);
  }
  const id = Number(value['id']);
  const max = Number(value['max']);
  if (!Number.isInteger(max) || max <= 1) throw errors.illegalArgument('max must be greater than 1');
  if (!Number.isInteger(id) || id < 0) throw errors.illegalArgument('id must be greater than or equal to 0');
  if (id >= max) throw errors.illegalArgument('max must be greater than id');
  return { id, max };
}

/** Where a reindex reads from another cluster (`source.remote`); credentials stay here, never in descriptions. */
export interface RemoteSource {
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  readonly pathPrefix: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly socketTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** The remote as a task description may show it: no user name, password or headers. */
export function describeRemote(remote: RemoteSource): string {
  return `scheme=${remote.scheme} host=${remote.host} port=${remote.port}${remote.pathPrefix === '' ? '' : ` pathPrefix=${remote.pathPrefix}`}`;
}

const remoteKeys = new Set(['host', 'username', 'password', 'headers', 'socket_timeout', 'connect_timeout']);

function remoteTimeout(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const text = String(value);
  try {
    return parseTimeValueMs(text, name);
  } catch {
    throw errors.numberFormat(`For input string: "${text}"`);
  }
}

export function parseRemote(value: unknown): RemoteSource {
  if (!isObject(value)) throw errors.parsing(`[remote] expected an object but found [${jsonTokenName(value)}]`);
  const hostText = value['host'];
  const match = typeof hostText === 'string' ? /^(https?):\/\/([^/:[\]]+|\[[0-9a-fA-F:.]+\]):(\d+)(\/.*)?$/i.exec(hostText) : null;
  if (match === null) throw errors.illegalArgument(`[host] must be of the form [scheme]://[host]:[port](/[pathPrefix])? but was [${String(hostText)}]`);
  const unknown = Object.keys(value).filter((key) => !remoteKeys.has(key));
  if (unknown.length > 0) throw errors.illegalArgument(`Unsupported fields in [remote]: [${unknown.join(',')}]`);
  const port = Number(match[3]);
  if (port > 65535) throw errors.illegalArgument(`[host] port must be at most 65535 but was [${port}]`);
  const headers: Record<string, string> = {};
  if (value['headers'] !== undefined) {
    if (!isObject(value['headers'])) throw errors.parsing(`[headers] expected an object but found [${jsonTokenName(value['headers'])}]`);
    for (const [name, header] of Object.entries(value['headers'])) {
      if (typeof header !== 'string') throw errors.parsing(`[headers] header [${name}] must be a string`);
      headers[name] = header;
    }
  }
  const optionalString = (key: string): string | undefined => {
    const item = value[key];
    if (item === undefined || item === null) return undefined;
    if (typeof item !== 'string') throw errors.parsing(`[remote] [${key}] must be a string`);
    return item;
  };
  const username = optionalString('username');
  const password = optionalString('password');
  if (password !== undefined && username === undefined) throw errors.illegalArgument('[remote] [password] needs [username]');
  const prefix = (match[4] ?? '').replace(/\/+$/, '');
  return {
    scheme: match[1]!.toLowerCase() as 'http' | 'https',
    host: match[2]!.replace(/^\[|\]$/g, ''),
    port,
    pathPrefix: prefix,
    username,
    password,
    headers,
    socketTimeoutMs: remoteTimeout(value['socket_timeout'], 'socket_timeout', bulkByScrollLimits.remoteSocketTimeoutMsDefault),
    connectTimeoutMs: remoteTimeout(value['connect_timeout'], 'connect_timeout', bulkByScrollLimits.remoteConnectTimeoutMsDefault),
  };
}

/**
 * `reindex.remote.whitelist`: `host:port` patterns with `*` (Elasticsearch's ReindexValidator).
 * An empty whitelist allows no remote at all. Throws Elasticsearch's error when not whitelisted.
 */
export function checkRemoteWhitelisted(remote: RemoteSource, whitelist: readonly string[]): void {
  const host = remote.host.includes(':') ? `[${remote.host}]` : remote.host;
  const address = `${host}:${remote.port}`;
  const lower = address.toLowerCase();
  if (whitelist.some((pattern) => wildcardMatch(pattern.trim().toLowerCase(), lower))) return;
  throw errors.illegalArgument(`[${address}] not whitelisted in reindex.remote.whitelist`);
}

/** What the source search reads. */
export interface SourceSpec {
  /** Index expressions (local) or index names (remote), as given. */
  readonly indices: readonly string[];
  /** The query as JSON (sent as is to a remote; parsed by the search locally). */
  readonly query: unknown;
  readonly batchSize: number;
  /** `_source` as given (includes/excludes), undefined for the whole source. */
  readonly sourceFilter: unknown;
  /** Deprecated `sort` (Elasticsearch warns, and still sorts). */
  readonly sort: unknown;
  readonly slice: Slice | undefined;
  readonly remote: RemoteSource | undefined;
}

export type DestRouting = { readonly kind: 'keep' } | { readonly kind: 'discard' } | { readonly kind: 'set'; readonly value: string };

export interface DestSpec {
  readonly index: string;
  readonly opType: 'index' | 'create';
  readonly versionType: 'internal' | 'external' | 'external_gte';
  readonly pipeline: string | undefined;
  readonly routing: DestRouting;
}

/** The parameters every bulk-by-scroll request shares. */
export interface CommonSpec {
  readonly maxDocs: number;
  readonly conflicts: 'abort' | 'proceed';
  readonly requestsPerSecond: number;
  readonly slices: number | 'auto';
  readonly refresh: boolean;
  readonly waitForCompletion: boolean;
  readonly timeoutMs: number;
  /** `wait_for_active_shards`: a count, or `all`. */
  readonly waitForActiveShards: number | 'all';
  readonly scrollKeepAliveMs: number;
  readonly requireAlias: boolean;
  /** Deprecation warnings the response carries (Elasticsearch's `Warning` header texts). */
  readonly warnings: readonly string[];
}

export interface ReindexSpec extends CommonSpec {
  readonly kind: 'reindex';
  readonly source: SourceSpec;
  readonly dest: DestSpec;
  /** Runs over each document before it is written (Painless, `reindex` context). */
  readonly script: ScriptSpec | undefined;
}

export interface ByQuerySpec extends CommonSpec {
  readonly kind: 'update_by_query' | 'delete_by_query';
  readonly source: SourceSpec;
  /** Update by query only: runs over each document before it is written back (`update_by_query` context). */
  readonly script: ScriptSpec | undefined;
  /** `pipeline` of update by query (the documents are re-indexed through it). */
  readonly pipeline: string | undefined;
  /** URL parameters the source search takes as `_search` would (`q`, `routing`, `expand_wildcards`, ...). */
  readonly params: Readonly<Record<string, string>>;
}

/** URL parameters of a by-query request that its source search honours as `_search` does. */
export const byQuerySearchParams = [
  'q', 'df', 'analyzer', 'analyze_wildcard', 'default_operator', 'lenient', 'routing', 'preference', 'request_cache', 'search_type', 'stats',
  'ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'ignore_throttled',
] as const;

export type BulkByScrollSpec = ReindexSpec | ByQuerySpec;

const sortDeprecation = 'The sort option in reindex is deprecated. Instead consider using query filtering to find the desired subset of data.';
const sizeDeprecation = 'Deprecated field [size] used, expected [max_docs] instead';

/** Elasticsearch's `Warning` header value for a deprecation (RFC 7234 warn-code 299). */
export function warningHeader(text: string): string {
  return `299 Elasticsearch-${ES_API_VERSION} "${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function waitForActiveShardsOf(value: string | undefined): number | 'all' {
  if (value === undefined || value === 'index-setting' || value === 'default') return 1;
  if (value === 'all') return 'all';
  if (!/^\d+$/.test(value)) throw errors.illegalArgument(`failed to parse [wait_for_active_shards] value [${value}]`);
  return Number(value);
}

function booleanOf(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw errors.illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
}

/** Bulk-by-scroll `refresh` is a boolean (Elasticsearch reads it with paramAsBoolean: `wait_for` is refused). */
function refreshOf(value: string | undefined): boolean {
  return booleanOf(value, false);
}

function commonOf(params: Readonly<Record<string, string>>, bodyMaxDocs: readonly unknown[], bodyConflicts: unknown, warnings: string[]): CommonSpec {
  const slices = parseSlices(params['slices']);
  // The body is read first (in its key order), the URL after, as Elasticsearch's REST actions do.
  const maxDocs = mergeMaxDocs([...bodyMaxDocs, params['max_docs']]);
  const conflicts = conflictsOf(params['conflicts'] ?? bodyConflicts);
  const requestsPerSecond = parseRequestsPerSecond(params['requests_per_second']);
  if (typeof slices === 'number' && maxDocs !== Infinity && maxDocs < slices) throw errors.actionRequestValidation(['[max_docs] should be >= [slices]']);
  return {
    maxDocs,
    conflicts,
    requestsPerSecond,
    slices,
    refresh: refreshOf(params['refresh']),
    waitForCompletion: booleanOf(params['wait_for_completion'], true),
    timeoutMs: params['timeout'] === undefined ? bulkByScrollLimits.bulkTimeoutMsDefault : parseTimeValueMs(params['timeout'], 'timeout'),
    waitForActiveShards: waitForActiveShardsOf(params['wait_for_active_shards']),
    scrollKeepAliveMs: params['scroll'] === undefined ? bulkByScrollLimits.scrollKeepAliveMsDefault : parseTimeValueMs(params['scroll'], 'scroll'),
    requireAlias: booleanOf(params['require_alias'], false),
    warnings,
  };
}

function batchSizeOf(value: unknown): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (Number.isNaN(number)) throw errors.numberFormat(`For input string: "${String(value)}"`);
  if (!Number.isInteger(number) || number <= 0) throw errors.illegalArgument(`[size] must be greater than 0 but was [${String(value)}]`);
  return number;
}

/** `_source` of a bulk-by-scroll search: includes/excludes or a list; `false` is refused (the copy needs the source). */
function sourceFilterOf(value: unknown): unknown {
  if (value === undefined || value === true) return undefined;
  if (value === false) throw errors.actionRequestValidation(['_source:false is not supported in this context']);
  return value;
}

/** Keys of the search inside `source` that Elasticsearch refuses in this context (AbstractBulkByScrollRequest.validate). */
const notInThisContext: Readonly<Record<string, string>> = { from: 'from', stored_fields: 'stored_fields' };

/** Search body keys of Elasticsearch that a bulk-by-scroll source would accept but Strait does not honour: refused, never ignored. */
const unsupportedSourceKeys = new Set([
  'aggs', 'aggregations', 'collapse', 'docvalue_fields', 'explain', 'fields', 'highlight', 'indices_boost', 'min_score', 'post_filter', 'profile',
  'rescore', 'runtime_mappings', 'script_fields', 'search_after', 'stats', 'suggest', 'terminate_after', 'timeout', 'track_scores',
  'track_total_hits', 'version', 'seq_no_primary_term', 'pit', 'knn', 'retriever', 'ext',
]);

function parseSource(value: unknown): SourceSpec & { warnings: string[] } {
  if (value === undefined) return { indices: [], query: undefined, batchSize: bulkByScrollLimits.batchSizeDefault, sourceFilter: undefined, sort: undefined, slice: undefined, remote: undefined, warnings: [] };
  if (!isObject(value)) throw errors.parsing(`[source] expected an object but found [${jsonTokenName(value)}]`);
  const warnings: string[] = [];
  const problems: string[] = [];
  let indices: string[] = [];
  let remote: RemoteSource | undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key === 'index') {
      const list = Array.isArray(item) ? item : [item];
      if (!list.every((name) => typeof name === 'string')) throw errors.parsing('[source] [index] must be a string or an array of strings');
      indices = (list as string[]).flatMap((name) => name.split(',')).map((name) => name.trim()).filter((name) => name !== '');
    } else if (key === 'remote') remote = parseRemote(item);
    else if (key in notInThisContext) problems.push(`${notInThisContext[key]} is not supported in this context`);
    else if (unsupportedSourceKeys.has(key)) throw errors.illegalArgument(`[source] [${key}] is not supported by Strait's bulk-by-scroll requests`);
    else if (key !== 'query' && key !== 'size' && key !== '_source' && key !== 'sort' && key !== 'slice') {
      throw errors.parsing(`Unknown key for a ${jsonTokenName(item)} in [${key}].`);
    }
  }
  if (value['query'] !== undefined && !isObject(value['query'])) throw errors.parsing(`[query] expected an object but found [${jsonTokenName(value['query'])}]`);
  const sourceFilter = (() => {
    try {
      return sourceFilterOf(value['_source']);
    } catch (error) {
      if (error instanceof EsError) problems.push('_source:false is not supported in this context');
      return undefined;
    }
  })();
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  if (value['sort'] !== undefined) warnings.push(sortDeprecation);
  return {
    indices,
    query: value['query'],
    batchSize: value['size'] === undefined ? bulkByScrollLimits.batchSizeDefault : batchSizeOf(value['size']),
    sourceFilter,
    sort: value['sort'],
    slice: value['slice'] === undefined ? undefined : parseSlice(value['slice']),
    remote,
    warnings,
  };
}

const destKeys = new Set(['index', 'op_type', 'version_type', 'pipeline', 'routing']);

function parseDest(value: unknown): { index: string | undefined; rest: Omit<DestSpec, 'index'> } {
  const dest = value === undefined ? {} : value;
  if (!isObject(dest)) throw errors.parsing(`[dest] expected an object but found [${jsonTokenName(dest)}]`);
  for (const key of Object.keys(dest)) if (!destKeys.has(key)) throw errors.xContentParse(`[dest] unknown field [${key}]`);
  const index = dest['index'];
  if (index !== undefined && typeof index !== 'string') throw errors.parsing('[dest] [index] must be a string');
  const opType = dest['op_type'] === undefined ? 'index' : String(dest['op_type']).toLowerCase();
  if (opType !== 'index' && opType !== 'create') throw errors.illegalArgument(`opType must be 'create' or 'index', found: [${String(dest['op_type'])}]`);
  const versionType = dest['version_type'] === undefined ? 'internal' : String(dest['version_type']).toLowerCase();
  if (versionType !== 'internal' && versionType !== 'external' && versionType !== 'external_gte') {
    throw errors.illegalArgument(`No version type match [${String(dest['version_type'])}]`);
  }
  const routingText = dest['routing'];
  let routing: DestRouting;
  if (routingText === undefined || routingText === null || routingText === 'keep') routing = { kind: 'keep' };
  else if (routingText === 'discard') routing = { kind: 'discard' };
  else if (typeof routingText === 'string' && routingText.startsWith('=')) routing = { kind: 'set', value: routingText.slice(1) };
  else throw errors.illegalArgument('routing must be unset, [keep], [discard] or [=<some new value>]');
  const pipeline = dest['pipeline'] === undefined || dest['pipeline'] === null ? undefined : String(dest['pipeline']);
  return { index: index as string | undefined, rest: { opType, versionType, pipeline, routing } };
}

const reindexBodyKeys = new Set(['source', 'dest', 'conflicts', 'max_docs', 'size', 'script']);

/** Parses `POST /_reindex` (body and URL parameters) into its frozen spec, with Elasticsearch's errors for bad input. */
export function parseReindexRequest(body: unknown, params: Readonly<Record<string, string>>): ReindexSpec {
  if (body === undefined) throw errors.actionRequestValidation(['source is missing', 'dest is missing']);
  if (!isObject(body)) throw errors.parsing('request body must be an object');
  for (const key of Object.keys(body)) if (!reindexBodyKeys.has(key)) throw errors.xContentParse(`[reindex] unknown field [${key}]`);
  const script = body['script'] === undefined ? undefined : parseScriptSpec(body['script']);
  const source = parseSource(body['source']);
  const dest = parseDest(body['dest']);
  const warnings = [...source.warnings];
  if (body['size'] !== undefined) warnings.unshift(sizeDeprecation);
  const bodyMaxDocs = Object.keys(body).filter((key) => key === 'max_docs' || key === 'size').map((key) => body[key]);
  const common = commonOf(params, bodyMaxDocs, body['conflicts'], warnings);
  const problems: string[] = [];
  if (source.remote === undefined) checkNoRemoteIndices(source.indices);
  if (source.indices.length === 0) problems.push('use _all if you really want to copy from all existing indexes');
  if (dest.index === undefined || dest.index === '') problems.push('index must be specified');
  if (source.remote !== undefined && common.slices !== 1) problems.push(`reindex from remote sources doesn't support slices > 1 but was [${String(common.slices)}]`);
  if (source.slice !== undefined && common.slices !== 1) problems.push("can't specify both manual and automatic slicing at the same time");
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  const { warnings: _sourceWarnings, ...sourceSpec } = source;
  return Object.freeze({ ...common, kind: 'reindex', source: sourceSpec, dest: { index: dest.index!, ...dest.rest }, script });
}

/** Bulk-by-scroll requests read local indices only (a remote source is `source.remote`). */
function checkNoRemoteIndices(indices: readonly string[]): void {
  const remote = indices.filter((name) => !name.startsWith('<') && name.includes(':'));
  if (remote.length > 0) {
    throw errors.actionRequestValidation([`Cross-cluster calls are not supported in this context but remote indices were requested: [${remote.join(', ')}]`]);
  }
}

const byQueryBodyKeys = new Set(['query', 'max_docs', 'conflicts', 'slice', 'script', 'sort', '_source', 'from', 'stored_fields']);

/** Parses `POST /{index}/_update_by_query` or `_delete_by_query`. */
export function parseByQueryRequest(kind: 'update_by_query' | 'delete_by_query', expression: string, body: unknown, params: Readonly<Record<string, string>>): ByQuerySpec {
  const object = body === undefined ? {} : body;
  if (!isObject(object)) throw errors.parsing('request body must be an object');
  for (const key of Object.keys(object)) {
    if (!byQueryBodyKeys.has(key) || (kind === 'delete_by_query' && key === 'script')) throw errors.xContentParse(`[${kind}] unknown field [${key}]`);
  }
  const script = object['script'] === undefined ? undefined : parseScriptSpec(object['script']);
  if (object['query'] !== undefined && !isObject(object['query'])) throw errors.parsing(`[query] expected an object but found [${jsonTokenName(object['query'])}]`);
  if (kind === 'delete_by_query' && object['query'] === undefined && params['q'] === undefined) {
    throw errors.actionRequestValidation(['query is missing']);
  }
  const warnings: string[] = [];
  checkNoRemoteIndices(expression.split(','));
  if (params['from'] !== undefined || object['from'] !== undefined) throw errors.actionRequestValidation(['from is not supported in this context']);
  if (object['stored_fields'] !== undefined) throw errors.actionRequestValidation(['stored_fields is not supported in this context']);
  if (params['size'] !== undefined) warnings.push(sizeDeprecation);
  for (const name of ['sort', 'terminate_after', 'version_type'] as const) {
    if (params[name] !== undefined || (name === 'sort' && object['sort'] !== undefined)) throw errors.illegalArgument(`[${name}] is not supported by Strait's [_${kind}]`);
  }
  // The body's max_docs, then the URL's deprecated size, then its max_docs (RestDeleteByQueryAction's order).
  const common = commonOf(params, [object['max_docs'], params['size']], object['conflicts'], warnings);
  if (params['pipeline'] !== undefined && kind === 'delete_by_query') throw errors.illegalArgument('[pipeline] is not supported by [_delete_by_query]');
  const slice = object['slice'] === undefined ? undefined : parseSlice(object['slice']);
  if (slice !== undefined && common.slices !== 1) throw errors.actionRequestValidation(["can't specify both manual and automatic slicing at the same time"]);
  const scrollSizeText = params['scroll_size'];
  if (scrollSizeText !== undefined && !/^-?\d+$/.test(scrollSizeText.trim())) throw errors.illegalArgument(`Failed to parse int parameter [scroll_size] with value [${scrollSizeText}]`);
  const scrollSize = scrollSizeText === undefined ? bulkByScrollLimits.batchSizeDefault : batchSizeOf(scrollSizeText);
  return Object.freeze({
    ...common,
    kind,
    source: {
      indices: expression.split(',').filter((name) => name !== ''),
      query: object['query'],
      batchSize: scrollSize,
      sourceFilter: sourceFilterOf(object['_source']),
      sort: undefined,
      slice,
      remote: undefined,
    },
    pipeline: params['pipeline'],
    params: searchParamsOf(params),
    script,
  });
}

function searchParamsOf(params: Readonly<Record<string, string>>): Record<string, string> {
  const chosen: Record<string, string> = {};
  for (const name of byQuerySearchParams) if (params[name] !== undefined) chosen[name] = params[name]!;
  // `search_timeout` is the source search's `timeout` (`timeout` is the bulk writes').
  if (params['search_timeout'] !== undefined) chosen['timeout'] = params['search_timeout']!;
  return chosen;
}

// ---------------------------------------------------------------- status

/** The counters of one worker (a slice, or the whole request when unsliced): Elasticsearch's BulkByScrollTask.Status. */
export interface WorkerStatus {
  sliceId: number | undefined;
  total: number;
  updated: number;
  created: number;
  deleted: number;
  batches: number;
  versionConflicts: number;
  noops: number;
  retriesBulk: number;
  retriesSearch: number;
  throttledMs: number;
  requestsPerSecond: number;
  /** Ms from now until the next batch may run (0 when none is waiting). */
  throttledUntilMs: number;
  cancelledReason: string | undefined;
}

export function newWorkerStatus(sliceId: number | undefined, requestsPerSecond: number): WorkerStatus {
  return {
    sliceId,
    total: 0,
    updated: 0,
    created: 0,
    deleted: 0,
    batches: 0,
    versionConflicts: 0,
    noops: 0,
    retriesBulk: 0,
    retriesSearch: 0,
    throttledMs: 0,
    requestsPerSecond,
    throttledUntilMs: 0,
    cancelledReason: undefined,
  };
}

/** Sums slice statuses into the parent's (Elasticsearch's sliced status: the sum, with each slice listed). */
export function sumStatuses(statuses: readonly WorkerStatus[], requestsPerSecond: number): WorkerStatus {
  const sum = newWorkerStatus(undefined, requestsPerSecond);
  for (const status of statuses) {
    sum.total += status.total;
    sum.updated += status.updated;
    sum.created += status.created;
    sum.deleted += status.deleted;
    sum.batches += status.batches;
    sum.versionConflicts += status.versionConflicts;
    sum.noops += status.noops;
    sum.retriesBulk += status.retriesBulk;
    sum.retriesSearch += status.retriesSearch;
    sum.throttledMs += status.throttledMs;
    sum.throttledUntilMs = Math.max(sum.throttledUntilMs, status.throttledUntilMs);
    sum.cancelledReason ??= status.cancelledReason;
  }
  return sum;
}

export interface StatusFields {
  /** Whether `created` and `updated` are shown (by-query responses omit what cannot happen). */
  readonly created: boolean;
  readonly updated: boolean;
}

export const allStatusFields: StatusFields = { created: true, updated: true };

/** The fields each response of a kind renders (RestUpdateByQueryAction and RestDeleteByQueryAction drop some). */
export function responseFields(kind: BulkByScrollKind): StatusFields {
  if (kind === 'reindex') return allStatusFields;
  if (kind === 'update_by_query') return { created: false, updated: true };
  return { created: false, updated: false };
}

/** A status as Elasticsearch renders it (task status and response body), slices included. */
export function renderStatus(status: WorkerStatus, fields: StatusFields, slices?: readonly (WorkerStatus | undefined)[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (status.sliceId !== undefined) body['slice_id'] = status.sliceId;
  body['total'] = status.total;
  if (fields.updated) body['updated'] = status.updated;
  if (fields.created) body['created'] = status.created;
  body['deleted'] = status.deleted;
  body['batches'] = status.batches;
  body['version_conflicts'] = status.versionConflicts;
  body['noops'] = status.noops;
  body['retries'] = { bulk: status.retriesBulk, search: status.retriesSearch };
  body['throttled_millis'] = Math.round(status.throttledMs);
  body['requests_per_second'] = renderRequestsPerSecond(status.requestsPerSecond);
  if (status.cancelledReason !== undefined) body['canceled'] = status.cancelledReason;
  body['throttled_until_millis'] = Math.round(status.throttledUntilMs);
  if (slices !== undefined && slices.length > 0) body['slices'] = slices.map((slice) => (slice === undefined ? null : renderStatus(slice, fields)));
  return body;
}

/** One failure of a bulk-by-scroll request: a write that failed (bulk) or a read that failed (search). */
export type BulkByScrollFailure =
  | { readonly kind: 'bulk'; readonly index: string; readonly id: string | null; readonly cause: Record<string, unknown>; readonly status: number }
  | { readonly kind: 'search'; readonly index: string | null; readonly shard: number | null; readonly node: string | null; readonly reason: Record<string, unknown>; readonly status: number };

function renderFailure(failure: BulkByScrollFailure): Record<string, unknown> {
  if (failure.kind === 'bulk') return { index: failure.index, id: failure.id, cause: failure.cause, status: failure.status };
  return { index: failure.index, shard: failure.shard, node: failure.node, reason: failure.reason, status: failure.status };
}

/** The response body: `took`, `timed_out`, the status, `failures`; its HTTP status is the worst failure's (200 without). */
export function renderResponse(
  kind: BulkByScrollKind,
  tookMs: number,
  timedOut: boolean,
  status: WorkerStatus,
  slices: readonly WorkerStatus[] | undefined,
  failures: readonly BulkByScrollFailure[],
  /** The REST answer drops counters its kind cannot have; a kept task result shows them all (as Elasticsearch's `.tasks` entry). */
  fields: StatusFields = responseFields(kind),
): { status: number; body: Record<string, unknown> } {
  const body: Record<string, unknown> = { took: Math.round(tookMs), timed_out: timedOut, ...renderStatus(status, fields, slices) };
  body['failures'] = failures.map(renderFailure);
  const httpStatus = failures.reduce((worst, failure) => Math.max(worst, failure.status), 200);
  return { status: httpStatus, body };
}

// ---------------------------------------------------------------- throttling

/**
 * How long to wait before the next batch (Elasticsearch's throttle): a batch of `batchSize`
 * documents at `requestsPerSecond` takes `batchSize / requestsPerSecond` seconds; the time the
 * batch itself took counts toward it.
 */
export function throttleWaitMs(requestsPerSecond: number, batchSize: number, batchStartMs: number, nowMs: number): number {
  if (requestsPerSecond === Infinity || batchSize <= 0) return 0;
  const targetMs = (batchSize / requestsPerSecond) * 1000;
  return Math.max(0, batchStartMs + targetMs - nowMs);
}

/**
 * The rate each unfinished slice gets when a sliced request is rethrottled: the request's rate
 * shared among the slices still running (Elasticsearch's LeaderBulkByScrollTaskState).
 */
export function sliceRate(requestsPerSecond: number, runningSlices: number): number {
  if (requestsPerSecond === Infinity || runningSlices <= 0) return requestsPerSecond;
  return requestsPerSecond / runningSlices;
}
