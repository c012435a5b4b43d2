/**
 * A search request as the REST layer receives it (URL parameters and body) → the engine's
 * SearchRequest plus the fetch-phase and rendering options (pure). URL parameters override the
 * body, as Elasticsearch's RestSearchAction does.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-search.html
 */
import { errors, jsonTokenName, limits } from '../common/index.js';
import { fetchWholeSource, sourceFilterFromBody, sourceFilterFromQuery } from '../index/index.js';
import { parseQuery, parseSearchRequest, type QueryNode, type SearchRequest } from '../index/searcher/index.js';
import { parseFieldRequests, type FetchOptions } from './fetch.js';
import { parseHighlight } from './highlight.js';
import { parseSearchExtras, type SearchExtras } from './search-extras.js';
import { parseTimeValueMs } from './time-value.js';
import { parseScriptFields } from './script-fields.js';
import { parseRuntimeMappings } from '../index/script/runtime-fields.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** URL parameters of `_search` (besides the indices options). */
export const searchUrlParams = [
  'q', 'df', 'default_operator', 'analyzer', 'analyze_wildcard', 'lenient', 'from', 'size', 'sort', 'track_scores', 'track_total_hits',
  'terminate_after', 'timeout', 'scroll', 'search_type', 'request_cache', 'preference', 'routing', 'allow_partial_search_results',
  'batched_reduce_size', 'max_concurrent_shard_requests', 'pre_filter_shard_size', 'ccs_minimize_roundtrips', 'typed_keys',
  'rest_total_hits_as_int', '_source', '_source_includes', '_source_excludes', '_source_include', '_source_exclude', 'stored_fields',
  'docvalue_fields', 'version', 'seq_no_primary_term', 'explain', 'stats', 'ignore_throttled', 'include_named_queries_score',
  'force_synthetic_source', 'suggest_field', 'suggest_mode', 'suggest_size', 'suggest_text', 'min_compatible_shard_node',
];

/** Body keys we implement. */
const bodyKeys = new Set([
  'script_fields', 'runtime_mappings',
  'query', 'from', 'size', 'sort', 'search_after', 'track_total_hits', 'aggs', 'aggregations', 'min_score', 'terminate_after', 'track_scores',
  '_source', 'fields', 'docvalue_fields', 'stored_fields', 'highlight', 'explain', 'version', 'seq_no_primary_term', 'timeout', 'post_filter',
  'stats', 'profile', 'ext', 'pit', 'indices_boost', 'rescore', 'slice', 'collapse', 'suggest',
]);

/** Body keys Elasticsearch knows that we do not implement: refused with a clear 400 instead of being ignored. */
const unsupportedBodyKeys = new Set([
  'knn', 'retriever', 'sub_searches', 'rank',
]);

export interface ParsedSearch {
  /** The engine request; `from`/`size` are checked against index.max_result_window per index later. */
  readonly request: SearchRequest;
  readonly postFilter: QueryNode | undefined;
  readonly fetch: FetchOptions;
  readonly restTotalHitsAsInt: boolean;
  readonly typedKeys: boolean;
  /** Set for scroll searches (`?scroll=1m`). */
  readonly scrollKeepAliveMs: number | undefined;
  readonly allowPartialSearchResults: boolean;
  /** A point in time to search (`pit: {id, keep_alive}`); the search then names no index. */
  readonly pit?: { readonly id: string; readonly keepAliveMs: number | undefined };
  /** indices_boost, rescore, slice, collapse (search-extras.ts). */
  readonly extras: SearchExtras;
}


function urlInteger(query: Readonly<Record<string, string>>, name: string): number | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const number = Number(value);
  // Elasticsearch reads these with paramAsInt: a Java int, or the same 400.
  if (!/^-?\d+$/.test(value.trim()) || number > 2_147_483_647 || number < -2_147_483_648) {
    throw errors.illegalArgument(`Failed to parse int parameter [${name}] with value [${value}]`);
  }
  return number;
}

function urlBoolean(query: Readonly<Record<string, string>>, name: string): boolean | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw errors.illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
}

function bodyInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isInteger(number)) throw errors.parsing(`[${name}] failed to parse field [${name}]`);
  return number;
}

function bodyBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw errors.parsing(`[${name}] failed to parse field [${name}]`);
}

function list(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** The `q` parameter as a query_string query, with its companion parameters. */
export function queryFromUrl(query: Readonly<Record<string, string>>): QueryNode | undefined {
  const text = query['q'];
  if (text === undefined) return undefined;
  const body: Json = { query: text };
  if (query['df'] !== undefined) body['default_field'] = query['df'];
  if (query['default_operator'] !== undefined) body['default_operator'] = query['default_operator'];
  if (query['analyzer'] !== undefined) body['analyzer'] = query['analyzer'];
  if (query['lenient'] !== undefined) body['lenient'] = urlBoolean(query, 'lenient');
  if (query['analyze_wildcard'] !== undefined) body['analyze_wildcard'] = urlBoolean(query, 'analyze_wildcard');
  return parseQuery({ query_string: body });
}

function checkBodyKeys(body: Json): void {
  for (const [key, value] of Object.entries(body)) {
    if (bodyKeys.has(key)) continue;
    if (unsupportedBodyKeys.has(key)) throw errors.illegalArgument(`[${key}] is not supported by Strait`);
    throw errors.parsing(`Unknown key for a ${jsonTokenName(value)} in [${key}].`);
  }
}

function validateSearchType(value: string | undefined): void {
  if (value === undefined || value === 'query_then_fetch' || value === 'dfs_query_then_fetch') return;
  throw errors.illegalArgument(`No search type for [${value}]`);
}

/** Parses one search request (a `_search` call, or one `_msearch` item with its header's parameters). */
export function parseSearch(query: Readonly<Record<string, string>>, bodyInput: unknown, options: { readonly scroll?: boolean } = {}): ParsedSearch {
  if (bodyInput !== undefined && bodyInput !== null && !isObject(bodyInput)) throw errors.parsing('request body must be an object');
  const body: Json = isObject(bodyInput) ? bodyInput : {};
  checkBodyKeys(body);
  validateSearchType(query['search_type']);
  const timeoutText = query['timeout'] ?? (typeof body['timeout'] === 'string' ? body['timeout'] : undefined);
  const timeoutMs = timeoutText === undefined ? undefined : parseTimeValueMs(timeoutText, 'timeout');

  const from = urlInteger(query, 'from') ?? bodyInteger(body['from'], 'from') ?? 0;
  // RestSearchAction: a URL `size` of -1 means "not set" (deprecated since Elasticsearch 7.13, still accepted).
  const urlSize = urlInteger(query, 'size');
  const size = (urlSize === -1 ? undefined : urlSize) ?? bodyInteger(body['size'], 'size') ?? 10;
  if (from < 0) throw errors.illegalArgument(`[from] parameter cannot be negative, found [${from}]`);
  if (size < 0) throw errors.illegalArgument(`[size] parameter cannot be negative, found [${size}]`);

  const restTotalHitsAsInt = urlBoolean(query, 'rest_total_hits_as_int') ?? false;
  let trackTotalHits: boolean | number | undefined;
  const trackRaw = query['track_total_hits'];
  if (trackRaw !== undefined) trackTotalHits = trackRaw === '' || trackRaw === 'true' ? true : trackRaw === 'false' ? false : Number(trackRaw);
  if (trackTotalHits === undefined && (restTotalHitsAsInt || options.scroll === true) && body['track_total_hits'] === undefined) trackTotalHits = true;

  const urlSort = query['sort'] === undefined ? undefined : list(query['sort']);
  const overrides: { from: number; size: number; sort?: unknown; trackTotalHits?: boolean | number } = { from: 0, size: 0 };
  if (urlSort !== undefined) overrides.sort = urlSort;
  if (trackTotalHits !== undefined) overrides.trackTotalHits = trackTotalHits;
  const urlQuery = queryFromUrl(query);
  const engineBody: Json = { ...body };
  delete engineBody['query'];
  const parsed = parseSearchRequest(engineBody, overrides);
  const runtimeFields = parseRuntimeMappings(body['runtime_mappings']);
  const terminateAfter = urlInteger(query, 'terminate_after');
  const trackScores = urlBoolean(query, 'track_scores');
  const request: SearchRequest = {
    ...parsed,
    query: urlQuery ?? (body['query'] === undefined ? parsed.query : parseQuery(body['query'])),
    from,
    size,
    ...(terminateAfter !== undefined ? { terminateAfter: terminateAfter === 0 ? undefined : terminateAfter } : {}),
    ...(trackScores !== undefined ? { trackScores } : {}),
    ...(timeoutMs !== undefined && timeoutMs >= 0 ? { timeoutMs } : {}),
    ...(runtimeFields !== undefined ? { runtimeFields } : {}),
  };
  if (request.terminateAfter !== undefined && request.terminateAfter < 0) throw errors.illegalArgument('terminateAfter must be > 0');
  if (request.searchAfter !== undefined && from > 0) throw errors.illegalArgument('[from] parameter must be set to 0 when [search_after] is used');
  if (restTotalHitsAsInt && request.trackTotalHits !== true) {
    throw errors.illegalArgument(`[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got ${String(request.trackTotalHits)}`);
  }

  let scrollKeepAliveMs: number | undefined;
  if (options.scroll === true && query['scroll'] !== undefined) {
    scrollKeepAliveMs = parseTimeValueMs(query['scroll'], 'scroll');
    const problems: string[] = [];
    if (from > 0) problems.push('using [from] is not allowed in a scroll context');
    if (size === 0) problems.push('[size] cannot be [0] in a scroll context');
    if (request.searchAfter !== undefined) problems.push('`search_after` cannot be used in a scroll context.');
    if (request.trackTotalHits === false) problems.push('disabling [track_total_hits] is not allowed in a scroll context');
    if (problems.length > 0) throw errors.actionRequestValidation(problems);
  }

  let pit: ParsedSearch['pit'];
  if (body['pit'] !== undefined) {
    const value = body['pit'];
    if (!isObject(value) || typeof value['id'] !== 'string') throw errors.parsing('[pit] requires an object with [id]');
    for (const key of Object.keys(value)) if (key !== 'id' && key !== 'keep_alive') throw errors.parsing(`[point_in_time] unknown field [${key}]`);
    if (value['keep_alive'] !== undefined && typeof value['keep_alive'] !== 'string') throw errors.parsing('[point_in_time] [keep_alive] must be a time value');
    pit = { id: value['id'], keepAliveMs: typeof value['keep_alive'] === 'string' ? parseTimeValueMs(value['keep_alive'], 'keep_alive') : undefined };
    if (query['scroll'] !== undefined) throw errors.actionRequestValidation(['using [point in time] is not allowed in a scroll context']);
  }
  // A shard's ordinal is the point in time's (SearchRequest#validate refuses `_shard_doc` without one).
  if (pit === undefined && request.sort?.some((spec) => spec.kind === 'doc' && spec.shardDoc === true)) {
    throw errors.actionRequestValidation(['[_shard_doc] sort field cannot be used without [point in time]']);
  }

  const bodySource = sourceFilterFromBody(body['_source']);
  const urlHasSource = ['_source', '_source_includes', '_source_excludes', '_source_include', '_source_exclude'].some((name) => query[name] !== undefined);
  const source = urlHasSource ? sourceFilterFromQuery(query) : (bodySource ?? fetchWholeSource);
  const storedFieldsRaw = query['stored_fields'] !== undefined ? list(query['stored_fields']) : body['stored_fields'];
  const storedFields = storedFieldsRaw === undefined ? undefined : Array.isArray(storedFieldsRaw) ? storedFieldsRaw.map(String) : [String(storedFieldsRaw)];
  const explicitSource = urlHasSource || bodySource !== undefined;
  if (storedFieldsRaw !== undefined && typeof storedFieldsRaw !== 'string' && !(Array.isArray(storedFieldsRaw) && storedFieldsRaw.every((item) => typeof item === 'string'))) {
    throw errors.parsing('[stored_fields] must be a string or an array of strings');
  }
  // SearchSourceBuilder#validate: `_none_` fetches nothing, so a requested _source or `fields` contradicts it.
  if (storedFields?.includes('_none_') === true) {
    const problems: string[] = [];
    if (explicitSource && source.fetch) problems.push('[stored_fields] cannot be disabled if [_source] is requested');
    if (body['fields'] !== undefined) problems.push('[stored_fields] cannot be disabled when using the [fields] option');
    if (problems.length > 0) throw errors.actionRequestValidation(problems);
  }
  const docvalueFields = query['docvalue_fields'] !== undefined ? list(query['docvalue_fields']).map((pattern) => ({ pattern, format: undefined })) : parseFieldRequests(body['docvalue_fields'], 'docvalue_fields');
  const fetch: FetchOptions = {
    source,
    storedFieldsNone: storedFields?.includes('_none_') === true,
    storedFieldsOnly: storedFields !== undefined && !storedFields.includes('_source') && !explicitSource,
    fields: parseFieldRequests(body['fields'], 'fields'),
    docvalueFields,
    highlight: body['highlight'] === undefined ? undefined : parseHighlight(body['highlight']),
    explain: urlBoolean(query, 'explain') ?? bodyBoolean(body['explain'], 'explain') ?? false,
    version: urlBoolean(query, 'version') ?? bodyBoolean(body['version'], 'version') ?? false,
    seqNoPrimaryTerm: urlBoolean(query, 'seq_no_primary_term') ?? bodyBoolean(body['seq_no_primary_term'], 'seq_no_primary_term') ?? false,
    // The engine folds an explicit `_score` sort into its default order; the hits still show it.
    scoreSortValues: (urlSort !== undefined || body['sort'] !== undefined) && request.sort === undefined,
    namedQueriesScore: urlBoolean(query, 'include_named_queries_score') ?? false,
    ...(storedFields !== undefined && !storedFields.includes('_none_') ? { storedFields } : {}),
    scriptFields: parseScriptFields(body['script_fields']),
    ...(runtimeFields !== undefined ? { runtimeFields } : {}),
  };
  const extras = parseSearchExtras(body, request, { scroll: scrollKeepAliveMs !== undefined, pit: pit !== undefined, params: query });
  return {
    request,
    postFilter: body['post_filter'] === undefined ? undefined : parseQuery(body['post_filter']),
    fetch,
    restTotalHitsAsInt,
    typedKeys: urlBoolean(query, 'typed_keys') ?? false,
    scrollKeepAliveMs,
    allowPartialSearchResults: urlBoolean(query, 'allow_partial_search_results') ?? true,
    ...(pit !== undefined ? { pit } : {}),
    extras,
  };
}

/** Elasticsearch's check of from + size against `index.max_result_window` (a shard-level failure). */
export function checkResultWindow(request: SearchRequest, maxResultWindow: number, scroll: boolean): void {
  if (scroll) {
    if (request.size > maxResultWindow) {
      throw errors.illegalArgument(
        `Batch size is too large, size must be less than or equal to: [${maxResultWindow}] but was [${request.size}]. Scroll batch sizes cost as much memory as result windows so they are controlled by the [index.max_result_window] index level setting.`,
      );
    }
    return;
  }
  if (request.from + request.size > maxResultWindow) {
    throw errors.illegalArgument(
      `Result window is too large, from + size must be less than or equal to: [${maxResultWindow}] but was [${request.from + request.size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`,
    );
  }
}

/** The default window when no index says otherwise (index.max_result_window default). */
export const defaultMaxResultWindow = limits.searchResultWindowMax;

/** `_count`: only `query` is allowed in the body; `q` and its companions in the URL. */
/** Parameters that only qualify `q` (Elasticsearch's RestActions.queryStringParams). */
const queryStringParams = ['df', 'analyzer', 'analyze_wildcard', 'lenient', 'default_operator'];

/**
 * `_count`'s query comes from the body when there is one and from `q` otherwise
 * (RestCountAction): next to a body, `q` and its companions are unrecognized parameters; without
 * `q`, a companion is refused as RestActions.urlParamsToQueryBuilder refuses it.
 */
export function checkCountQueryParams(query: Readonly<Record<string, string>>, hasBody: boolean, path: string): void {
  if (hasBody) {
    const unused = ['q', ...queryStringParams].filter((name) => query[name] !== undefined);
    if (unused.length > 0) throw errors.unrecognizedParameters(path, unused);
    return;
  }
  checkQueryStringParams(query, path);
}

/**
 * `_search` reads `q` whether or not there is a body (RestSearchAction); a companion of `q`
 * without it is refused (RestActions.urlParamsToQueryBuilder) rather than silently ignored.
 */
export function checkQueryStringParams(query: Readonly<Record<string, string>>, path: string): void {
  if (query['q'] !== undefined) return;
  const orphans = queryStringParams.filter((name) => query[name] !== undefined);
  if (orphans.length > 0) throw errors.illegalArgument(`request [${path}] contains parameters [${orphans.join(', ')}] but missing query string parameter 'q'.`);
}

export function parseCount(query: Readonly<Record<string, string>>, bodyInput: unknown): SearchRequest {
  if (bodyInput !== undefined && bodyInput !== null && !isObject(bodyInput)) throw errors.parsing('request body must be an object');
  const body: Json = isObject(bodyInput) ? bodyInput : {};
  for (const key of Object.keys(body)) {
    if (key !== 'query') throw errors.parsing(`request does not support [${key}]`);
  }
  const urlQuery = queryFromUrl(query);
  const terminateAfter = urlInteger(query, 'terminate_after');
  // SearchSourceBuilder.terminateAfter refuses a negative count (0 is the default: no limit).
  if (terminateAfter !== undefined && terminateAfter < 0) throw errors.illegalArgument('terminateAfter must be > 0');
  const minScoreText = query['min_score'];
  const minScore = minScoreText === undefined ? undefined : Number(minScoreText);
  // paramAsFloat: Java's Float.parseFloat, which refuses empty text (Number('') would be 0).
  if (minScoreText !== undefined && (Number.isNaN(minScore) || minScoreText.trim() === '')) {
    throw errors.illegalArgument(`Failed to parse float parameter [min_score] with value [${minScoreText}]`);
  }
  const base = parseSearchRequest({}, { from: 0, size: 0, trackTotalHits: true });
  return {
    ...base,
    query: urlQuery ?? (body['query'] === undefined ? base.query : parseQuery(body['query'])),
    terminateAfter: terminateAfter === undefined || terminateAfter === 0 ? undefined : terminateAfter,
    minScore,
  };
}
