/**
 * Request features that wrap the query and fetch phases without changing them (pure, style P8):
 * `indices_boost`, `rescore`, `slice` (scroll and point in time), `collapse` (with `inner_hits`)
 * and `matched_queries` for named queries. search-service.ts calls in at four points: the
 * shard request (`shardRequest`), the shard result (`shardResult`), the merge (`mergeCollapsed`)
 * and the rendered hits (`expandCollapsed`, `namedQueryMatcher`).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/filter-search-results.html#rescore
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/collapse-search-results.html
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/paginate-search-results.html#slice-scroll
 */
import { errors, limits } from '../common/index.js';
import { murmur3 } from '../common/murmur3.js';
import {
  mergeShardResults,
  namedQueries,
  parseQuery,
  parseSort,
  planQuery,
  type MergedSearchResult,
  type PlanContext,
  type QueryNode,
  type SearchRequest,
  type ShardHit,
  type ShardResult,
  type SortSpec,
  type Weight,
} from '../index/query/index.js';
import { fetchWholeSource, sourceFilterFromBody } from '../index/index.js';
import type { FieldMappings, Segment } from '../index/searcher/index.js';
import { parseFieldRequests, type FetchOptions } from './fetch.js';
import { parseSuggest, type SuggestSpec } from './suggest.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

export type RescoreScoreMode = 'total' | 'multiply' | 'avg' | 'max' | 'min';

export interface Rescorer {
  readonly windowSize: number;
  readonly query: QueryNode;
  readonly queryWeight: number;
  readonly rescoreQueryWeight: number;
  readonly scoreMode: RescoreScoreMode;
}

export interface InnerHitsSpec {
  readonly name: string;
  readonly from: number;
  readonly size: number;
  readonly sort: readonly SortSpec[] | undefined;
  /** How the group's hits render (the inner hit's own `_source`, `fields`, `version`, ...). */
  readonly fetch: FetchOptions;
}

export interface CollapseSpec {
  readonly field: string;
  readonly innerHits: readonly InnerHitsSpec[];
}

export interface SliceSpec {
  readonly id: number;
  readonly max: number;
}

export interface SearchExtras {
  readonly indicesBoost: readonly { readonly expression: string; readonly boost: number }[];
  readonly rescore: readonly Rescorer[];
  readonly slice: SliceSpec | undefined;
  readonly collapse: CollapseSpec | undefined;
  /** `profile: true`: the response carries each shard's timed weight tree (profile.ts). */
  readonly profile: boolean;
  /** The `suggest` section (suggest.ts). */
  readonly suggest: readonly SuggestSpec[];
}

export const noSearchExtras: SearchExtras = Object.freeze({ indicesBoost: [], rescore: [], slice: undefined, collapse: undefined, profile: false, suggest: [] });

/** Elasticsearch's index.max_rescore_window and index.max_inner_result_window defaults. */
const rescoreWindowMax = 10_000;
const innerResultWindowMax = 100;

function finiteNumber(value: unknown, name: string): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(number)) throw errors.parsing(`[${name}] failed to parse field [${name}]`);
  return number;
}

function integer(value: unknown, name: string): number {
  const number = finiteNumber(value, name);
  if (!Number.isInteger(number)) throw errors.parsing(`[${name}] failed to parse field [${name}]`);
  return number;
}

function parseIndicesBoost(value: unknown): SearchExtras['indicesBoost'] {
  if (value === undefined) return [];
  // The array form keeps the order (first match wins); the object form is the deprecated one.
  const entries = Array.isArray(value) ? value : isObject(value) ? Object.entries(value).map(([key, boost]) => ({ [key]: boost })) : undefined;
  if (entries === undefined) throw errors.parsing('[indices_boost] expected an array of {index: boost} objects');
  return entries.map((entry) => {
    if (!isObject(entry) || Object.keys(entry).length !== 1) throw errors.parsing('Expected [END_OBJECT] in [indices_boost] but found [FIELD_NAME]');
    const [expression, boost] = Object.entries(entry)[0]!;
    return { expression, boost: finiteNumber(boost, 'indices_boost') };
  });
}

function parseRescorer(value: unknown): Rescorer {
  if (!isObject(value)) throw errors.parsing('[rescore] expected an object');
  let windowSize = 10;
  let rescorer: Omit<Rescorer, 'windowSize'> | undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'window_size') {
      windowSize = integer(inner, 'window_size');
      continue;
    }
    if (key !== 'query') throw errors.parsing(`rescore doesn't support rescorer with name [${key}]`);
    if (!isObject(inner)) throw errors.parsing('[query] rescorer expected an object');
    for (const option of Object.keys(inner)) {
      if (!['rescore_query', 'query_weight', 'rescore_query_weight', 'score_mode'].includes(option)) throw errors.parsing(`[query] unknown field [${option}]`);
    }
    if (inner['rescore_query'] === undefined) throw errors.parsing('[query] rescore_query cannot be null');
    const mode = inner['score_mode'] === undefined ? 'total' : String(inner['score_mode']).toLowerCase();
    if (!['total', 'multiply', 'avg', 'max', 'min'].includes(mode)) throw errors.illegalArgument(`illegal score_mode [${String(inner['score_mode'])}]`);
    rescorer = {
      query: parseQuery(inner['rescore_query']),
      queryWeight: inner['query_weight'] === undefined ? 1 : finiteNumber(inner['query_weight'], 'query_weight'),
      rescoreQueryWeight: inner['rescore_query_weight'] === undefined ? 1 : finiteNumber(inner['rescore_query_weight'], 'rescore_query_weight'),
      scoreMode: mode as RescoreScoreMode,
    };
  }
  if (rescorer === undefined) throw errors.parsing('missing rescore type');
  if (windowSize < 0) throw errors.illegalArgument('[window_size] must be greater than or equal to 0');
  return { windowSize, ...rescorer };
}

const innerHitsKeys = ['name', 'from', 'size', 'sort', 'version', 'seq_no_primary_term', '_source', 'fields', 'docvalue_fields'];

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw errors.parsing(`[inner_hits] failed to parse field [${name}]`);
  return value;
}

/** An inner hit definition's own fetch options (Elasticsearch's InnerHitBuilder: source by default, nothing else unless asked). */
function innerHitsFetch(item: Json, sorted: boolean): FetchOptions {
  return {
    source: sourceFilterFromBody(item['_source']) ?? fetchWholeSource,
    storedFieldsNone: false,
    storedFieldsOnly: false,
    fields: parseFieldRequests(item['fields'], 'fields'),
    docvalueFields: parseFieldRequests(item['docvalue_fields'], 'docvalue_fields'),
    highlight: undefined,
    explain: false,
    version: flag(item['version'], 'version'),
    seqNoPrimaryTerm: flag(item['seq_no_primary_term'], 'seq_no_primary_term'),
    scoreSortValues: sorted,
  };
}

function parseInnerHits(value: unknown, field: string): InnerHitsSpec[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  const specs = items.map((item) => {
    if (!isObject(item)) throw errors.parsing('[inner_hits] expected an object');
    for (const key of Object.keys(item)) {
      if (!innerHitsKeys.includes(key)) throw errors.illegalArgument(`[inner_hits] option [${key}] is not supported by Strait`);
    }
    const from = item['from'] === undefined ? 0 : integer(item['from'], 'from');
    const size = item['size'] === undefined ? 3 : integer(item['size'], 'size');
    if (from + size > innerResultWindowMax) {
      throw errors.illegalArgument(
        `Inner result window is too large, the inner hit definition's [${typeof item['name'] === 'string' ? item['name'] : field}]'s from + size must be less than or equal to: [${innerResultWindowMax}] but was [${from + size}]. This limit can be set by changing the [index.max_inner_result_window] index level setting.`,
      );
    }
    const sort = item['sort'] === undefined ? undefined : parseSort(item['sort']);
    return { name: typeof item['name'] === 'string' ? item['name'] : field, from, size, sort, fetch: innerHitsFetch(item, sort !== undefined) };
  });
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.name)) throw errors.illegalArgument(`[inner_hits] already contains an entry for key [${spec.name}]`);
    names.add(spec.name);
  }
  return specs;
}

function parseCollapse(value: unknown): CollapseSpec | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw errors.parsing('[collapse] expected an object');
  for (const key of Object.keys(value)) {
    if (!['field', 'inner_hits', 'max_concurrent_group_searches'].includes(key)) throw errors.parsing(`[collapse] unknown field [${key}]`);
  }
  if (typeof value['field'] !== 'string') throw errors.parsing('[collapse] field is required');
  if (value['max_concurrent_group_searches'] !== undefined) {
    // Group searches run one after another here; the bound is checked as Elasticsearch checks it.
    const max = integer(value['max_concurrent_group_searches'], 'max_concurrent_group_searches');
    if (max < 1) throw errors.illegalArgument(`maxConcurrentGroupSearches must be positive, got ${max}`);
  }
  return { field: value['field'], innerHits: parseInnerHits(value['inner_hits'], value['field']) };
}

function parseSlice(value: unknown): SliceSpec | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw errors.parsing('[slice] expected an object');
  for (const key of Object.keys(value)) {
    if (key === 'field') {
      if (value['field'] !== '_id') throw errors.illegalArgument(`[slice] on field [${String(value['field'])}] is not supported by Strait; slices split by [_id] (scroll) or by document (point in time)`);
    } else if (key !== 'id' && key !== 'max') throw errors.parsing(`[slice] unknown field [${key}]`);
  }
  if (value['id'] === undefined || value['max'] === undefined) throw errors.parsing('[slice] requires [id] and [max]');
  const id = integer(value['id'], 'id');
  const max = integer(value['max'], 'max');
  if (id < 0) throw errors.illegalArgument('id must be greater than or equal to 0');
  if (max <= 1) throw errors.illegalArgument('max must be greater than 1');
  if (id >= max) throw errors.illegalArgument('max must be greater than id');
  return { id, max };
}

function parseProfile(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (value === true) return true;
  throw errors.parsing('[profile] failed to parse field [profile]');
}

/**
 * Parses the features' body keys and checks the combinations Elasticsearch refuses (in its
 * SearchRequest.validate order, before any index is resolved).
 */
export function parseSearchExtras(body: Json, request: SearchRequest, context: { readonly scroll: boolean; readonly pit: boolean; readonly params: Readonly<Record<string, string>> }): SearchExtras {
  const rescoreRaw = body['rescore'];
  const rescore = rescoreRaw === undefined ? [] : (Array.isArray(rescoreRaw) ? rescoreRaw : [rescoreRaw]).map(parseRescorer);
  const extras: SearchExtras = {
    indicesBoost: parseIndicesBoost(body['indices_boost']),
    rescore,
    slice: parseSlice(body['slice']),
    collapse: parseCollapse(body['collapse']),
    profile: parseProfile(body['profile']),
    suggest: parseSuggest(body['suggest'], context.params),
  };
  const problems: string[] = [];
  if (extras.slice !== undefined && !context.scroll && !context.pit) problems.push('[slice] can only be used with [scroll] or [point-in-time] requests');
  if (extras.collapse !== undefined && context.scroll) problems.push('cannot use `collapse` in a scroll context');
  if (rescore.length > 0 && context.scroll) problems.push('using [rescore] is not allowed in a scroll context');
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  // A scroll's pages are rendered from its kept hit list; suggestions and profiles are not kept with it.
  if (context.scroll && (extras.suggest.length > 0 || extras.profile)) throw errors.illegalArgument('[suggest] and [profile] are not supported by Strait in a scroll context');
  if (rescore.length > 0 && request.sort !== undefined) throw errors.actionRequestValidation(['Cannot use [sort] option in conjunction with [rescore].']);
  if (extras.collapse !== undefined && rescore.length > 0) throw errors.actionRequestValidation(['cannot use `collapse` in conjunction with `rescore`']);
  if (extras.collapse !== undefined && request.searchAfter !== undefined) {
    // Each group has one value of a sort on the collapse field itself, so pages cannot split a group.
    const sort = request.sort;
    if (sort === undefined || sort.length !== 1 || sort[0]!.kind !== 'field' || sort[0]!.field !== extras.collapse.field) {
      throw errors.actionRequestValidation(['Cannot use [collapse] in conjunction with [search_after] unless the search is sorted on the same field. Multiple sort fields are not allowed.']);
    }
  }
  for (const rescorer of rescore) {
    if (rescorer.windowSize > rescoreWindowMax) {
      throw errors.illegalArgument(
        `Rescore window [${rescorer.windowSize}] is too large. It must be less than [${rescoreWindowMax}]. This prevents allocating massive heaps for storing the results to be rescored. This limit can be set by changing the [index.max_rescore_window] index level setting.`,
      );
    }
  }
  const none = extras.indicesBoost.length === 0 && rescore.length === 0 && extras.slice === undefined && extras.collapse === undefined && !extras.profile && extras.suggest.length === 0;
  return none ? noSearchExtras : extras;
}

/**
 * Features a cross-cluster search (or one over shards on several nodes) cannot give yet: their
 * results are built after the merge of one node's shards (collapse groups, profiles; suggestions
 * across clusters), and the merge across clusters or nodes does not carry them. Refused with a
 * 400 naming which kind of search it is, rather than answered without them.
 */
export function rejectAcrossClusters(extras: SearchExtras, where: 'remote clusters' | 'several nodes' = 'remote clusters'): void {
  const refused = [extras.collapse !== undefined ? 'collapse' : undefined, extras.suggest.length > 0 ? 'suggest' : undefined, extras.profile ? 'profile' : undefined].filter(
    (name): name is string => name !== undefined,
  );
  if (refused.length === 0) return;
  throw errors.illegalArgument(`[${refused.join(', ')}] is not supported by Strait for searches ${where === 'remote clusters' ? 'that target remote clusters' : 'whose shards live on several nodes'}`);
}

// ---------------------------------------------------------------------------------------------
// indices_boost

/**
 * The boost of each concrete index: the entries in order, each resolved as an index expression
 * (wildcards, aliases); the first entry naming an index gives its boost. `resolve` throws the
 * 404 of a missing index unless the request's indices options ignore unavailable ones.
 */
export function resolveIndicesBoost(extras: SearchExtras, resolve: (expression: string) => readonly string[]): ReadonlyMap<string, number> {
  const boosts = new Map<string, number>();
  for (const { expression, boost } of extras.indicesBoost) {
    for (const name of resolve(expression)) if (!boosts.has(name)) boosts.set(name, boost);
  }
  return boosts;
}

// ---------------------------------------------------------------------------------------------
// Shard request and result

/** What one shard's query phase needs to apply the features. */
export interface ShardExtrasContext {
  readonly plan: PlanContext;
  /** `indices_boost` of this shard's index (undefined: 1). */
  readonly indexBoost: number | undefined;
  /** The search reads a point in time (slices split by document, not by `_id`). */
  readonly pit: boolean;
}

/** murmur3_x86_32 over bytes; the slice hash feeds it an id's UTF-8 bytes (Lucene's StringHelper.murmurhash3_x86_32). */
export { murmur3 };

/** Elasticsearch's TermsSliceQuery seed. */
const sliceSeed = 7919;
const utf8 = new TextEncoder();

/**
 * The documents of one slice of one shard, as a filter clause: with a point in time a
 * contiguous range of the shard's document numbers (DocIdSliceQuery: the first `maxDoc % max`
 * slices one longer); with a scroll the documents whose `_id` hashes to the slice
 * (TermsSliceQuery: murmur3 of the id, seed 7919, floor-modulo max). Ids are hashed as UTF-8:
 * Elasticsearch hashes its binary id encoding, so which slice holds an id can differ from it;
 * the slices still partition the documents.
 */
export function sliceFilter(slice: SliceSpec, segments: readonly Segment[], pit: boolean): QueryNode {
  const ids: string[] = [];
  if (pit) {
    const maxDoc = segments.reduce((sum, segment) => sum + segment.maxDoc, 0);
    const quotient = Math.floor(maxDoc / slice.max);
    const remainder = maxDoc % slice.max;
    const start = slice.id < remainder ? (quotient + 1) * slice.id : remainder * (quotient + 1) + (slice.id - remainder) * quotient;
    const size = slice.id < remainder ? quotient + 1 : quotient;
    let base = 0;
    for (const segment of segments) {
      for (let doc = 0; doc < segment.maxDoc; doc++) {
        const global = base + doc;
        if (global >= start && global < start + size && (segment.liveDocs === null || (segment.liveDocs[doc >>> 5]! & (1 << (doc & 31))) !== 0)) ids.push(segment.ids[doc]!);
      }
      base += segment.maxDoc;
    }
  } else {
    for (const segment of segments) {
      for (const id of segment.ids) {
        const hash = murmur3(utf8.encode(id), sliceSeed);
        if (((hash % slice.max) + slice.max) % slice.max === slice.id) ids.push(id);
      }
    }
  }
  return { kind: 'ids', values: [...new Set(ids)], boost: 1 };
}

/** The shard request: the query filtered to the slice and boosted by the index's boost; the page widened to the rescore windows and to every collapse group candidate. */
export function shardRequest(request: SearchRequest, extras: SearchExtras, context: ShardExtrasContext): SearchRequest {
  let query = request.query;
  if (extras.slice !== undefined) {
    query = { kind: 'bool', must: [query], should: [], filter: [sliceFilter(extras.slice, context.plan.segments, context.pit)], mustNot: [], minimumShouldMatch: undefined, boost: 1 };
  }
  if (context.indexBoost !== undefined && context.indexBoost !== 1) {
    query = { kind: 'bool', must: [query], should: [], filter: [], mustNot: [], minimumShouldMatch: undefined, boost: context.indexBoost };
  }
  let size = request.size;
  const window = extras.rescore.reduce((max, rescorer) => Math.max(max, rescorer.windowSize), 0);
  if (request.from + size < window) size = window - request.from;
  let from = request.from;
  if (extras.collapse !== undefined) {
    // Collapsing keeps the first hit of each group: the shard returns its whole ordered match
    // list (bounded), and the groups are picked from it.
    from = 0;
    size = limits.collapseShardHitsMax;
  }
  return query === request.query && size === request.size && from === request.from ? request : { ...request, query, from, size };
}

function combine(mode: RescoreScoreMode, primary: number, secondary: number): number {
  switch (mode) {
    case 'total':
      return primary + secondary;
    case 'multiply':
      return primary * secondary;
    case 'avg':
      return (primary + secondary) / 2;
    case 'max':
      return Math.max(primary, secondary);
    case 'min':
      return Math.min(primary, secondary);
  }
}

/**
 * Elasticsearch's QueryRescorer on one shard's hits (sorted by score): the top `window_size`
 * hits get query_weight × score, combined by score_mode with rescore_query_weight × the rescore
 * query's score where it matches; the window is re-sorted by the new scores and stays ahead of
 * the hits after it. Rescorers apply one after another.
 */
export function rescoreHits(hits: readonly ShardHit[], rescorers: readonly Rescorer[], plan: PlanContext): ShardHit[] {
  let current = [...hits];
  for (const rescorer of rescorers) {
    const window = current.slice(0, rescorer.windowSize);
    const rest = current.slice(rescorer.windowSize);
    const weight = planQuery(rescorer.query, plan);
    const secondary = secondaryScores(weight, window, plan.segments);
    const rescored = window.map((hit, index) => {
      const primary = Math.fround(hit.score * rescorer.queryWeight);
      const other = secondary[index];
      const score = other === undefined ? primary : Math.fround(combine(rescorer.scoreMode, primary, Math.fround(other * rescorer.rescoreQueryWeight)));
      return { ...hit, score };
    });
    rescored.sort((left, right) => right.score - left.score || left.globalDoc - right.globalDoc);
    current = [...rescored, ...rest];
  }
  return current;
}

/** Each hit's score under `weight`, or undefined where it does not match; one scorer per segment, docs visited in order. */
function secondaryScores(weight: Weight, hits: readonly ShardHit[], segments: readonly Segment[]): (number | undefined)[] {
  const scores: (number | undefined)[] = new Array(hits.length).fill(undefined);
  const order = hits.map((_, index) => index).sort((a, b) => hits[a]!.segmentIndex - hits[b]!.segmentIndex || hits[a]!.doc - hits[b]!.doc);
  let segmentIndex = -1;
  let scorer: ReturnType<Weight['scorer']> = null;
  for (const index of order) {
    const hit = hits[index]!;
    if (hit.segmentIndex !== segmentIndex) {
      segmentIndex = hit.segmentIndex;
      scorer = weight.scorer(segments[segmentIndex]!);
    }
    if (scorer === null) continue;
    const doc = scorer.doc >= hit.doc ? scorer.doc : scorer.advance(hit.doc);
    if (doc === hit.doc) scores[index] = scorer.score();
  }
  return scores;
}

/** The collapse key of each collapsed hit (a field value, or null for documents without one). */
const collapseKeys = new WeakMap<ShardHit, string | number | null>();

/** The collapse field's first doc value of a document: a keyword's term, a number, or null. */
function collapseValue(segment: Segment, doc: number, field: string): string | number | null {
  const values = segment.docValues.get(field);
  if (values === undefined) return null;
  const start = values.valueStart[doc]!;
  if (values.valueStart[doc + 1]! === start) return null;
  if (values.kind === 'keyword') return segment.postings.get(field)?.terms[values.ordinals[start]!] ?? null;
  return values.values[start]!;
}

/** Collapse needs a single-valued keyword or numeric field with doc values (as Elasticsearch's CollapseBuilder checks). */
export function checkCollapseField(field: string, mappings: FieldMappings, segments: readonly Segment[]): void {
  const mapping = mappings[field];
  if (mapping === undefined) throw errors.illegalArgument(`no mapping found for \`${field}\` in order to collapse on`);
  if (mapping.type === 'text') throw errors.illegalArgument(`collapse is not supported for the field [${field}] of the type [text]`);
  for (const segment of segments) {
    const values = segment.docValues.get(field);
    if (values !== undefined && !values.singleValued) {
      throw errors.illegalStateOfRequest(`failed to collapse ${segment.name}, the collapse field must be single valued`);
    }
  }
}

/** One shard's result: rescored, then collapsed to the first hit of each group. */
export function shardResult(result: ShardResult, extras: SearchExtras, plan: PlanContext): ShardResult {
  let hits: readonly ShardHit[] = result.hits;
  if (extras.rescore.length > 0) hits = rescoreHits(hits, extras.rescore, plan);
  if (extras.collapse !== undefined) {
    const field = plan.mappings[extras.collapse.field]?.aliasOf ?? extras.collapse.field;
    checkCollapseField(field, plan.mappings, plan.segments);
    // Groups are picked from the shard's ordered hits: past the bound, later groups could be missed.
    if (hits.length >= limits.collapseShardHitsMax) {
      throw errors.illegalArgument(`collapse is limited by Strait to fewer than [${limits.collapseShardHitsMax}] matching documents per shard; narrow the query`);
    }
    const seen = new Set<string | number | null>();
    const heads: ShardHit[] = [];
    for (const hit of hits) {
      const key = collapseValue(plan.segments[hit.segmentIndex]!, hit.doc, field);
      if (seen.has(key)) continue;
      seen.add(key);
      collapseKeys.set(hit, key);
      heads.push(hit);
    }
    hits = heads;
  }
  if (hits === result.hits) return result;
  const maxScore = hits.reduce((max, hit) => (Number.isNaN(hit.score) ? max : Math.max(max, hit.score)), -Infinity);
  return { ...result, hits, maxScore: extras.rescore.length > 0 && Number.isFinite(maxScore) ? maxScore : result.maxScore };
}

/**
 * The merge of a collapsed search: every shard's group heads in the request's order, the first
 * head of each group across shards kept, then the page of groups. Totals count documents, not
 * groups, as in Elasticsearch.
 */
export function mergeCollapsed(results: readonly ShardResult[], request: SearchRequest): MergedSearchResult {
  const all = mergeShardResults(results, { ...request, from: 0, size: results.reduce((sum, result) => sum + result.hits.length, 0) });
  const seen = new Set<string | number | null>();
  const heads: ShardHit[] = [];
  for (const hit of all.hits) {
    const key = collapseKeys.has(hit) ? collapseKeys.get(hit)! : null;
    if (seen.has(key)) continue;
    seen.add(key);
    heads.push(hit);
  }
  return { ...all, hits: heads.slice(request.from, request.from + request.size) };
}

/** The collapse key of a head hit (for `fields` and the inner hits' filter). */
export function collapseKeyOf(hit: ShardHit): string | number | null {
  return collapseKeys.get(hit) ?? null;
}

/** The filter of one group's inner hits: its value, or no value. */
export function groupFilter(field: string, key: string | number | null): QueryNode {
  if (key === null) return { kind: 'bool', must: [], should: [], filter: [], mustNot: [{ kind: 'exists', field, boost: 1 }], minimumShouldMatch: undefined, boost: 1 };
  return { kind: 'term', field, value: key, caseInsensitive: false, boost: 1 };
}

/**
 * Adds to each rendered collapsed hit its `fields: {<field>: [value]}` (after `_source`, before
 * `highlight`/`sort`, as Elasticsearch orders hit keys) and its `inner_hits`, each from
 * `innerSearch` (the group's own search: the query filtered to the group, the inner hits' page
 * and sort).
 */
export function expandCollapsed(
  rendered: readonly Json[],
  hits: readonly ShardHit[],
  collapse: CollapseSpec,
  renderKey: (hit: ShardHit, key: string | number | null) => unknown,
  innerSearch: (group: QueryNode, spec: InnerHitsSpec) => Json,
): Json[] {
  return rendered.map((hit, index) => {
    const shardHit = hits[index]!;
    const key = collapseKeyOf(shardHit);
    const result: Json = {};
    const fieldsValue = key === null ? [null] : [renderKey(shardHit, key)];
    let placed = false;
    for (const [name, value] of Object.entries(hit)) {
      if (!placed && (name === 'highlight' || name === 'sort' || name === 'matched_queries' || name === '_explanation')) {
        result['fields'] = { ...(isObject(hit['fields']) ? hit['fields'] : {}), [collapse.field]: fieldsValue };
        placed = true;
      }
      if (name === 'fields') continue;
      result[name] = value;
    }
    if (!placed) result['fields'] = { ...(isObject(hit['fields']) ? hit['fields'] : {}), [collapse.field]: fieldsValue };
    if (collapse.innerHits.length > 0) {
      const inner: Json = {};
      for (const spec of collapse.innerHits) inner[spec.name] = { hits: innerSearch(groupFilter(collapse.field, key), spec) };
      result['inner_hits'] = inner;
    }
    return result;
  });
}

// ---------------------------------------------------------------------------------------------
// matched_queries

/**
 * Which named clauses of `query` a hit matches (name → the clause's own score), or undefined
 * when the query names none. Each named clause is planned once per shard and evaluated for the
 * hit's document alone, as Elasticsearch's MatchedQueriesPhase does.
 */
export function namedQueryMatcher(query: QueryNode, plan: () => PlanContext): ((segmentIndex: number, doc: number) => Map<string, number> | undefined) | undefined {
  const named = namedQueries(query);
  if (named.length === 0) return undefined;
  let weights: { name: string; weight: Weight }[] | undefined;
  return (segmentIndex, doc) => {
    const context = plan();
    weights ??= named.map(({ name, node }) => ({ name, weight: planQuery(node, context) }));
    const matched = new Map<string, number>();
    for (const { name, weight } of weights) {
      const scorer = weight.scorer(context.segments[segmentIndex]!);
      if (scorer === null || scorer.advance(doc) !== doc) continue;
      matched.set(name, Math.max(matched.get(name) ?? -Infinity, scorer.score()));
    }
    return new Map([...matched].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)));
  };
}
