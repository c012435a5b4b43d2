/**
 * The search coordinator (I/O shell, style P8): resolves an index expression to shards the
 * caller may read, runs the query phase on each shard's searcher snapshot, merges shard results
 * purely (`mergeShardResults`), then fetches the page's hits from the same snapshots. Scroll,
 * multi-search, count and the by-query write APIs reuse the same phases.
 *
 * `searchLocal` is the part a cross-cluster coordinator calls on this cluster: it returns
 * query-phase shard results (mergeable with other clusters' through `mergeShardResults`) and a
 * fetch function for whichever of its hits make the final page.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { assert, errors, EsError } from '../common/index.js';
import {
  parseIndicesOptions,
  queryDefaultFields,
  settingInteger,
  type FlattenedMapping,
  type IndexHandle,
  type IndicesOptions,
  type IndicesService,
  type ReadRestriction,
} from '../index/index.js';
import {
  engineMappings,
  mergeAggregationPartials,
  mergeShardResults,
  planQuery,
  searchShard,
  shardStatsOf,
  storedNormalizersOf,
  storedAnalyzersOf,
  type FieldMappings,
  type PartialMap,
  type QueryNode,
  type SearcherService,
  type SearchRequest,
  type ShardHit,
  type ShardResult,
  type SearcherState,
  type ShardSnapshot,
  type Segment,
} from '../index/searcher/index.js';
import { storedComponentsOf } from '../index/analysis/custom-analyzers.js';
import { aliasFilterFor, withFilter } from './alias-filter.js';
import { analyze } from './analyze.js';
import { bindMoreLikeThisDocuments } from './mlt-documents.js';
import { documentLevelSegments, visibleEngineMappings, visibleMapping, visibleSegments } from './read-restriction.js';
import { renderHit, type FetchOptions, type FetchTarget } from './fetch.js';
import { explainDocument, renderExplanation } from './explain.js';
import type { PlanContext, Weight } from '../index/query/index.js';
import { fieldCaps, parseFieldCapsOptions, type FieldCapsIndex } from './field-caps.js';
import { checkResultWindow, parseCount, parseSearch, type ParsedSearch } from './request.js';
import { anyDocumentMatches } from './field-caps-filter.js';
import { profileShard } from './profile.js';
import { renderSuggest, shardSuggest, type ShardSuggest } from './suggest.js';
import { highlightQueriesOf, type HighlightSpec } from './highlight.js';
import { checkCompletionFields } from './completion-suggest.js';
import { expandCollapsed, mergeCollapsed, namedQueryMatcher, noSearchExtras, resolveIndicesBoost, shardRequest, shardResult, type CollapseSpec, type SearchExtras } from './search-extras.js';
import { nestedInnerHitsRenderer } from './nested-inner-hits.js';
import { allShardsFailed, renderSearchResponse, shardFailuresStatus, renderShards, typedKeys, type ShardFailure, type ShardsSummary } from './response.js';
import { decodeScrollId, encodeScrollId, ScrollRegistry, scrollLimits, type ScrollOwner } from './scroll.js';
import { parseTimeValueMs } from './time-value.js';
import { decodePitId, encodePitId, parsePitKeepAlive, pitActions, PointInTimeRegistry, type PinnedIndex } from './pit.js';
import { checkpoint, currentTask, TaskManager } from '../tasks/task-manager.js';
import { routingLayoutOf } from '../index/routing.js';
import { parseShardSelection, searchRoutingFor, selectShards } from './shard-selection.js';
import { aggregatedStats, recordingStats, statsFromDfs, sumDfsStatistics, type DfsStatistics } from './dfs.js';
import { effectiveRuntimeFields, withRuntimeFields } from '../index/script/runtime-fields.js';
import { withVisibleSources } from './visible-sources.js';
import { ShardBatch, type BatchedShard, type SearchSteps } from './shard-batch.js';
import type { SearchPool, ShardJob } from '../index/searcher/search-pool.js';
import { runShardQuery } from '../index/query/shard-query.js';

/**
 * Runs a search's steps (a generator that yields before each shard's query phase) to the end at
 * once: the synchronous callers (count, msearch, scroll, by-query, cross-cluster local parts).
 */
function drain<T>(steps: SearchSteps<T>): T {
  let next = steps.next();
  while (next.done !== true) next = steps.next(next.value instanceof ShardBatch ? next.value.runInline() : undefined);
  return next.value;
}

/**
 * Runs a search's steps, pausing at each yield: the search may be cancelled there (its task fails
 * it with task_cancelled_exception). Shard batches run on the search pool when there is one.
 */
async function drainAsync<T>(steps: SearchSteps<T>, pause: () => Promise<void>, poolForBatch: () => SearchPool | undefined): Promise<T> {
  let next = steps.next();
  while (next.done !== true) {
    const step = next.value;
    if (step instanceof ShardBatch) {
      const pool = poolForBatch();
      next = steps.next(pool === undefined ? step.runInline() : await step.run(pool, currentTask.getStore()?.signal));
      continue;
    }
    await pause();
    next = steps.next();
  }
  return next.value;
}

/** The authorization checks a search needs (the REST pipeline's RequestAuthorizer satisfies it). */
export interface SearchAuthorizer {
  /** Throws 403 unless the caller may perform `action` on every named index or alias. */
  indices(action: string, names: readonly string[]): void;
  allowsIndex(action: string, name: string): boolean;
  /** Document and field level security on this index (undefined: the whole index is readable). */
  readRestriction?(action: string, index: string, aliases?: readonly string[]): ReadRestriction | undefined;
}

export const searchActions = {
  search: 'indices:data/read/search',
  count: 'indices:data/read/search',
  fieldCaps: 'indices:data/read/field_caps',
  analyze: 'indices:admin/analyze',
} as const;

/** A search as it arrives: the local index expression, URL parameters and body. */
export interface SearchInput {
  readonly expression: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface SearchServiceOptions {
  readonly indices: IndicesService;
  readonly searchers: SearcherService;
  readonly nowMs: () => number;
  /** Shown as `_node` in explained hits and in shard failures. */
  readonly nodeId: string;
  readonly randomBytes?: (size: number) => Buffer;
  /** How often expired scroll contexts are dropped (ms; 0: only when scrolls are used). */
  readonly scrollSweepMs?: number;
  /** Worker threads for shards' query phases (`thread_pool.search.size`; none: all on the main thread). */
  readonly pool?: SearchPool | undefined;
}

/** One searched shard of this cluster. */
interface Target {
  readonly handle: IndexHandle;
  /** The shard number within the index. */
  readonly shard: number;
  /** The shard's ordinal in the point in time searched (`_shard_doc`); undefined without one. */
  readonly shardOrdinal?: number;
  readonly snapshot: ShardSnapshot;
  readonly aliasFilter: QueryNode | undefined;
  /** The segments the query phase reads: document level security's live documents, field level security's fields. */
  readonly segments: readonly Segment[];
  /** Field level security: the readable fields (undefined: all). */
  readonly fieldVisibility: ((path: string) => boolean) | undefined;
  readonly shardKey: string;
  readonly indexName: string;
  readonly mapping: FlattenedMapping;
  readonly mappings: FieldMappings;
  /** The index's `index.query.default_field` as this search read it (queries without fields search these). */
  readonly defaultFields: readonly string[];
  /** indices_boost, rescore, slice, collapse of the search (search-extras.ts), with this index's boost. */
  readonly extras?: { readonly features: SearchExtras; readonly indexBoost: number | undefined; readonly pit: boolean };
}

/** The query phase of a local search: mergeable shard results plus the fetch of chosen hits. */
export interface LocalSearchResult {
  readonly request: SearchRequest;
  readonly parsed: ParsedSearch;
  readonly shardResults: readonly ShardResult[];
  readonly shards: ShardsSummary;
  /** Field mappings over every searched index (for typed_keys). */
  readonly mappings: FieldMappings;
  /** Renders hits of this cluster (any subset, any order) with `_source`, highlight, etc. */
  fetch(hits: readonly ShardHit[]): Record<string, unknown>[];
}

/** Elasticsearch's search.keep_alive default: how long a query phase waits for its fetch. */
const queryContextKeepAliveMs = 5 * 60 * 1000;

/** One cluster's query phase for a coordinator that reduces its shards itself (serializable). */
export interface RemoteQueryPhase {
  readonly contextId: string;
  readonly shardResults: readonly ShardResult[];
  readonly shards: { readonly total: number; readonly successful: number; readonly skipped: number; readonly failed: number };
  readonly failures: readonly Record<string, unknown>[];
  readonly mappings: FieldMappings;
  /**
   * The suggest phase of every shard searched, in shard order (a search with `suggest` across the
   * nodes of one cluster: the coordinating node merges them, shard-search.ts).
   */
  readonly suggest?: readonly ShardSuggest[];
}

/**
 * A later page of a cluster's part of a cross-cluster scroll: `offset` is where its hits start in
 * that cluster's merged order (absent from a cluster predating resendable pages).
 */
export type ClusterScrollNext = Pick<ClusterScrollPage, 'scrollId' | 'hits' | 'tookMs'> & {
  readonly offset?: number;
  /** Set by the remote client: the request was sent again after its connection dropped before the answer. */
  readonly resent?: boolean;
};

/** One cluster's page of a cross-cluster scroll (serializable: it crosses the transport). */
export interface ClusterScrollPage {
  readonly scrollId: string;
  readonly tookMs: number;
  readonly shards: { readonly total: number; readonly successful: number; readonly skipped: number; readonly failed: number };
  readonly totalHits: number;
  readonly totalRelation: 'eq' | 'gte';
  readonly maxScore: number | null;
  /** At most the scroll's size, in this cluster's merged order; fewer means this cluster is done. */
  readonly hits: readonly (ShardHit & { readonly rendered: Record<string, unknown> })[];
  readonly aggregations: PartialMap | undefined;
  readonly mappings: FieldMappings;
}

/** One cluster's reduced answer to a cross-cluster search (serializable: it crosses the transport). */
export interface ClusterSearchResult {
  readonly tookMs: number;
  readonly shards: { readonly total: number; readonly successful: number; readonly skipped: number; readonly failed: number; readonly failures?: readonly Record<string, unknown>[] };
  readonly totalHits: number;
  readonly totalRelation: 'eq' | 'gte';
  readonly maxScore: number | null;
  readonly hits: readonly (ShardHit & { readonly rendered: Record<string, unknown> })[];
  readonly aggregations: PartialMap | undefined;
  readonly terminatedEarly: boolean;
  readonly timedOut?: boolean;
  readonly mappings: FieldMappings;
}

export interface LocalSearchOptions {
  /** Prefixes `_index` and shard keys for cross-cluster results (`cluster:index`). */
  readonly clusterAlias?: string;
  /** Default `strictExpandOpen`-like options when the URL does not say. */
  readonly indicesOptions?: IndicesOptions;
  /** A point in time's pinned snapshots by index uuid and shard number: the search reads these instead of the latest. */
  readonly snapshots?: ReadonlyMap<string, readonly ShardSnapshot[]>;
  /** Alias filters by index name, decided by a multi-node search's coordinating node (the expression here names the index itself). */
  readonly aliasFilters?: ReadonlyMap<string, QueryNode>;
  /** A point in time's shard ordinals by index uuid and shard number (`_shard_doc`). */
  readonly shardOrdinals?: ReadonlyMap<string, readonly number[]>;
  /** `dfs_query_then_fetch` across nodes: the statistics of every shard searched, summed by the coordinating node (dfs.ts). */
  readonly dfs?: DfsStatistics;
}

interface ScrollState {
  readonly fetchTargets: ReadonlyMap<string, FetchTarget>;
  readonly hits: readonly ShardHit[];
  offset: number;
  /** Where the last page served started (a cross-cluster scroll's resent page is answered from here, `scrollAsRemote`). */
  lastPageFrom: number;
  readonly size: number;
  readonly sort: SearchRequest['sort'];
  readonly fetch: FetchOptions;
  readonly total: { readonly value: number; readonly relation: 'eq' | 'gte' } | undefined;
  readonly maxScore: number | null;
  readonly shards: ShardsSummary;
}

/** Search's default indices options (SearchRequest.DEFAULT_INDICES_OPTIONS: strict, open indices); a point in time opens with them too. */
export const searchIndicesOptions: IndicesOptions = { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['open']) };

const seqNosCache = new WeakMap<SearcherState, ReadonlyMap<string, ArrayLike<number>>>();

/** Each segment's `_seq_no`s by segment name (random_score reads them): made once per searcher state, not per search. */
function seqNosOf(state: SearcherState): ReadonlyMap<string, ArrayLike<number>> {
  let seqNos = seqNosCache.get(state);
  if (seqNos === undefined) {
    seqNos = new Map(state.segments.map((segment, position) => [segment.name, state.metadata[position]!.seqNos] as const));
    seqNosCache.set(state, seqNos);
  }
  return seqNos;
}

function unionMappings(targets: readonly { mappings: FieldMappings }[]): FieldMappings {
  const union: Record<string, FieldMappings[string]> = {};
  for (const target of targets) for (const [path, mapping] of Object.entries(target.mappings)) union[path] ??= mapping;
  return union;
}

/**
 * `search_type=dfs_query_then_fetch`: every shard scores with the statistics of all the shards the
 * search reads (dfs.ts); with one shard both search types score alike.
 */
function withDfsStatistics(targets: Target[], searchType: string | undefined): Target[] {
  if (searchType !== 'dfs_query_then_fetch' || targets.length < 2) return targets;
  const stats = aggregatedStats(targets.map((target) => target.snapshot.stats));
  return targets.map((target) => ({ ...target, snapshot: { ...target.snapshot, stats } }));
}

/**
 * The shard's request with `_shard_doc` keyed by the shard's ordinal in the point in time, then
 * the document, as Elasticsearch's `(ordinal << 32) | doc` long: unique and stable across the
 * point in time's shards, wherever they are searched.
 */
function withShardOrdinal(request: SearchRequest, ordinal: number | undefined): SearchRequest {
  if (ordinal === undefined || request.sort === undefined || !request.sort.some((spec) => spec.kind === 'doc' && spec.shardDoc === true)) return request;
  return { ...request, sort: request.sort.map((spec) => (spec.kind === 'doc' && spec.shardDoc === true ? { ...spec, base: ordinal * 2 ** 32 } : spec)) };
}

export class SearchService {
  private readonly indices: IndicesService;
  private readonly searchers: SearcherService;
  private readonly nowMs: () => number;
  private readonly nodeId: string;
  private readonly randomBytes: (size: number) => Buffer;
  private readonly scrolls = new ScrollRegistry<ScrollState>();
  private readonly pits = new PointInTimeRegistry();
  /** Query phases run for a coordinator that fetches later (ccs_minimize_roundtrips=false), until fetched or freed. */
  private readonly queryContexts = new ScrollRegistry<(hits: readonly ShardHit[]) => Record<string, unknown>[]>();
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private defaultSearchTimeoutMs: number | undefined;
  /** This node's tasks: searches register here and are cancelled through it (one per node, as the search service). */
  readonly tasks: TaskManager;
  /** TEST ONLY (`strait.test.search.shard_delay`): a wait before each shard's query phase of a cancellable search. */
  private testShardDelayMs = 0;
  private readonly pool: SearchPool | undefined;
  /** Cancellable searches between their start and their answer (`poolForBatch`). */
  private searchesRunning = 0;

  constructor(options: SearchServiceOptions) {
    this.pool = options.pool;
    this.indices = options.indices;
    this.searchers = options.searchers;
    this.nowMs = options.nowMs;
    this.nodeId = options.nodeId;
    this.randomBytes = options.randomBytes ?? nodeRandomBytes;
    this.tasks = new TaskManager(this.nodeId, this.nowMs);
    const sweepMs = options.scrollSweepMs ?? 30_000;
    if (sweepMs > 0) {
      this.sweepTimer = setInterval(() => {
        this.scrolls.sweep(this.nowMs());
        this.pits.sweep(this.nowMs());
        this.queryContexts.sweep(this.nowMs());
      }, sweepMs);
      this.sweepTimer.unref();
    }
  }

  /**
   * `search.default_search_timeout` (a dynamic cluster setting; `-1` is none): the timeout of a
   * search that names none. Applied from the next search on.
   */
  setDefaultSearchTimeout(timeoutMs: number | undefined): void {
    this.defaultSearchTimeoutMs = timeoutMs !== undefined && timeoutMs >= 0 ? timeoutMs : undefined;
  }

  private parseWithDefaults(params: Readonly<Record<string, string>>, body: unknown, options: { readonly scroll?: boolean }): ParsedSearch {
    const parsed = parseSearch(params, body, options);
    if (this.defaultSearchTimeoutMs === undefined || parsed.request.timeoutMs !== undefined) return parsed;
    return { ...parsed, request: { ...parsed.request, timeoutMs: this.defaultSearchTimeoutMs } };
  }

  /** TEST ONLY: makes cancellable searches slow enough to be seen and cancelled (`strait.test.search.shard_delay`). */
  setTestShardDelay(delayMs: number): void {
    this.testShardDelayMs = Math.max(0, delayMs);
  }

  /** Runs a cancellable search's steps, counted among the searches running while it does. */
  private async drainCancellable<T>(steps: SearchSteps<T>): Promise<T> {
    this.searchesRunning += 1;
    try {
      return await drainAsync(steps, this.pause, this.poolForBatch);
    } finally {
      this.searchesRunning -= 1;
    }
  }

  /**
   * Where a search's shards run: on the worker pool while other searches are running, here when
   * this one runs alone. Alone, a worker round trip only adds latency (the main thread would wait
   * idle for it); with others, this thread has their parsing, authorization, fetching and
   * rendering to do while the workers run query phases, which is what keeps every core busy.
   * Concurrent searches are counted truthfully because each pauses (setImmediate) before its
   * shards, after every request read in the same turn has started. A lone expensive search
   * still holds this thread, as before the pool.
   */
  private readonly poolForBatch = (): SearchPool | undefined => (this.searchesRunning > 1 ? this.pool : undefined);

  /** The yield point of a cancellable search: before each shard's query phase. */
  private readonly pause = (): Promise<void> => checkpoint(this.testShardDelayMs);

  close(): void {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.scrolls.freeAll();
    this.pits.clear();
  }

  // ---------------------------------------------------------------- targets

  /**
   * Resolves the expression for `action`: wildcards expand only to indices the caller may use,
   * literal names are authorized (403) before any "no such index"; closed indices fail (or are
   * skipped with ignore_unavailable); read blocks fail.
   */
  private resolveTargets(
    expression: string | undefined,
    options: IndicesOptions,
    access: SearchAuthorizer,
    action: string,
    clusterAlias?: string,
    snapshots?: ReadonlyMap<string, readonly ShardSnapshot[]>,
    params: Readonly<Record<string, string>> = {},
    aliasFilters?: ReadonlyMap<string, QueryNode>,
  ): Target[] {
    const selection = parseShardSelection(params['routing'], params['preference']);
    const handles = this.indices.resolve(expression, options, {
      allows: (name) => access.allowsIndex(action, name),
      authorizeLiterals: (names) => access.indices(action, names),
    });
    const targets: Target[] = [];
    for (const handle of handles) {
      if (handle.metadata.state !== 'open' || handle.shards === undefined) {
        if (options.ignoreUnavailable) continue;
        throw errors.indexClosed(handle.name, handle.uuid);
      }
      this.indices.checkReadBlock(handle);
      const indexName = clusterAlias === undefined ? handle.name : `${clusterAlias}:${handle.name}`;
      const restriction = access.readRestriction?.(action, handle.name, Object.keys(handle.metadata.aliases));
      const pinned = snapshots?.get(handle.uuid);
      // A point in time over an index deleted (and maybe re-created) since: its context is gone.
      if (snapshots !== undefined && pinned === undefined) throw allShardsFailed([{ index: handle.name, shard: 0, node: this.nodeId, cause: errors.searchContextMissing(handle.uuid) }]);
      const fullMappings = engineMappings(handle.mapping);
      // Read per search, so that a settings update applies to the next one.
      const defaultFields = queryDefaultFields(handle.metadata.settings);
      const aliasFilter = aliasFilters?.get(handle.name) ?? aliasFilterFor(expression, handle.name, handle.metadata.aliases);
      const mapping = visibleMapping(handle.mapping, restriction?.fields);
      const mappings = visibleEngineMappings(fullMappings, restriction?.fields);
      const routing = searchRoutingFor(expression, handle.name, handle.metadata.aliases, selection.routing);
      const shards = selectShards(routingLayoutOf(handle.metadata.settings), selection, routing, handle.name, (spec) => spec === this.nodeId || spec === '_local' || spec === '*' || spec === '_all');
      for (const shard of shards) {
        // A point in time reads the shards it pinned (those its own routing selected).
        const snapshot = pinned === undefined ? this.searchers.snapshot(handle, shard) : pinned[shard];
        if (snapshot === undefined) continue;
        const documentLevel = documentLevelSegments(snapshot.state.segments, restriction, { stats: snapshot.stats, mappings: fullMappings, nowMs: this.nowMs(), indexName, defaultFields });
        targets.push({
          handle,
          shard,
          snapshot,
          aliasFilter,
          segments: visibleSegments(documentLevel, restriction?.fields),
          fieldVisibility: restriction?.fields,
          shardKey: `${indexName}:${shard}`,
          indexName,
          mapping,
          mappings,
          defaultFields,
        });
      }
    }
    return targets;
  }

  /** What planning a query over the target reads: its statistics, segments, mappings and default fields. */
  private planContext(target: Target, nowMs: number): PlanContext {
    return { stats: target.snapshot.stats, segments: target.segments, mappings: target.mappings, nowMs, indexName: target.indexName, defaultFields: target.defaultFields };
  }

  private fetchTarget(target: Target, query: QueryNode, restTotalHitsAsInt = false): FetchTarget {
    const nowMs = this.nowMs();
    let weight: Weight | undefined;
    const matcher = namedQueryMatcher(query, () => this.planContext(target, nowMs));
    const innerHits = nestedInnerHitsRenderer(query, () => this.planContext(target, nowMs), target.segments, target.indexName, target.snapshot.state.metadata, restTotalHitsAsInt);
    return {
      ...(matcher !== undefined ? { matchedQueries: (hit: ShardHit) => matcher(hit.segmentIndex, hit.doc) } : {}),
      ...(innerHits !== undefined ? { nestedInnerHits: (hit: ShardHit) => innerHits(hit.segmentIndex, hit.doc) } : {}),
      indexName: target.indexName,
      shard: target.shard,
      segments: target.snapshot.state.segments,
      metadata: target.snapshot.state.metadata,
      mapping: target.mapping,
      mappings: target.mappings,
      defaultFields: target.defaultFields,
      query,
      ...(target.fieldVisibility !== undefined ? { fieldVisibility: target.fieldVisibility } : {}),
      runtimeFields: effectiveRuntimeFields(target.handle.metadata.mappings, undefined),
      nodeId: this.nodeId,
      // The query as the query phase ran it: alias filters, and the segments document and field
      // level security leave to the caller; planned once per shard, on the first explained hit.
      explain: (hit) => {
        weight ??= planQuery(withFilter(query, target.aliasFilter), this.planContext(target, nowMs));
        return renderExplanation(explainDocument(weight, target.segments[hit.segmentIndex]!, hit.doc));
      },
    };
  }

  /** Runs one shard's query phase with the search's extra features (search-extras.ts) around it. */
  private queryShard(target: Target, request: SearchRequest, postFilter: QueryNode | undefined, shardCount: number, nowMs: number): ShardResult {
    if (target.extras === undefined) return this.queryShardPlain(target, request, postFilter, shardCount, nowMs);
    return this.queryShardWithExtras(target, target.extras, request, postFilter, shardCount, nowMs);
  }

  private queryShardWithExtras(target: Target, extras: NonNullable<Target['extras']>, request: SearchRequest, postFilter: QueryNode | undefined, shardCount: number, nowMs: number): ShardResult {
    // A completion suggestion on a field that is not a completion field fails the shard, as in Elasticsearch.
    checkCompletionFields(extras.features.suggest, target);
    const plan = this.planContext(target, nowMs);
    const shard = shardRequest(request, extras.features, { plan, indexBoost: extras.indexBoost, pit: extras.pit });
    return shardResult(this.queryShardPlain(target, shard, postFilter, shardCount, nowMs), extras.features, plan);
  }

  /**
   * A shard's query phase as a worker can run it: a plain search (no search extras, runtime
   * fields or field level security, whose shard work reads `_source` or wraps the segments) over
   * the searcher's segments. Undefined: it runs on the main thread.
   */
  private shardJob(target: Target, request: SearchRequest, postFilter: QueryNode | undefined, shardCount: number, nowMs: number): ShardJob | undefined {
    if (this.pool === undefined || target.extras !== undefined || target.fieldVisibility !== undefined || request.runtimeFields !== undefined) return undefined;
    if (effectiveRuntimeFields(target.handle.metadata.mappings, undefined) !== undefined) return undefined;
    // The worker computes the statistics over the segments' postings: they must be the snapshot's
    // own (not a DFS phase's), over the same postings (document level security only narrows live docs).
    const state = target.snapshot.state;
    if (target.snapshot.stats !== shardStatsOf(state) || target.segments.some((segment, index) => segment.postings !== state.segments[index]?.postings)) return undefined;
    const query = withFilter(request.query, target.aliasFilter);
    return {
      segments: target.segments,
      request: { ...request, query },
      postFiltered: postFilter === undefined ? undefined : withFilter(query, postFilter),
      context: { mappings: target.mappings, indexName: target.indexName, shardKey: target.shardKey, nowMs, shardCount, aliasFilter: target.aliasFilter, defaultFields: target.defaultFields },
      ...(target.snapshot.shareSegments === undefined ? {} : { share: target.snapshot.shareSegments }),
    };
  }

  /** Runs one shard's query phase (post_filter narrows hits, not aggregations). */
  private queryShardPlain(target: Target, request: SearchRequest, postFilter: QueryNode | undefined, shardCount: number, nowMs: number): ShardResult {
    // Runtime fields join the segments as doc values and postings for this search only.
    const runtimeFields = effectiveRuntimeFields(target.handle.metadata.mappings, request.runtimeFields);
    // Scripts and runtime fields read `_source`: under field level security, without the hidden fields.
    const visible = withVisibleSources(target.segments, target.fieldVisibility);
    const runtime = runtimeFields === undefined ? undefined : withRuntimeFields(visible, target.mappings, runtimeFields, target.indexName);
    const segments = runtime?.segments ?? visible;
    const seqNos = seqNosOf(target.snapshot.state);
    const context = { mappings: runtime?.mappings ?? target.mappings, indexName: target.indexName, shardKey: target.shardKey, nowMs, shardCount, aliasFilter: target.aliasFilter, seqNos, defaultFields: target.defaultFields };
    const query = withFilter(request.query, target.aliasFilter);
    return runShardQuery(segments, target.snapshot.stats, { ...request, query }, postFilter === undefined ? undefined : withFilter(query, postFilter), context);
  }

  /** The query phase over every target (results, failures and the `_shards` summary), yielding before each shard (a cancellable search pauses there). */
  private *queryPhaseSteps(
    targets: readonly Target[],
    request: SearchRequest,
    postFilter: QueryNode | undefined,
    scroll: boolean,
    allowPartial: boolean,
    highlight?: HighlightSpec,
  ): SearchSteps<{ results: ShardResult[]; shards: ShardsSummary }> {
    const nowMs = this.nowMs();
    const results: ShardResult[] = [];
    const failures: ShardFailure[] = [];
    let total = 0;
    let failed = 0;
    const batched: { target: Target; shard: BatchedShard }[] = [];
    for (const target of targets) {
      yield;
      total += 1;
      try {
        checkResultWindow(request, settingInteger(target.handle.metadata.settings, 'index.max_result_window'), scroll);
        // A highlight_query is built on each shard as a query is (HighlightBuilder#build): an unknown analyzer fails the shard.
        for (const query of highlightQueriesOf(highlight)) planQuery(query, this.planContext(target, nowMs));
        const shardRequest = withShardOrdinal(request, target.shardOrdinal);
        batched.push({ target, shard: { inline: () => this.queryShard(target, shardRequest, postFilter, targets.length, nowMs), job: this.shardJob(target, shardRequest, postFilter, targets.length, nowMs) } });
      } catch (error) {
        if (!(error instanceof EsError)) throw error;
        failed += 1;
        failures.push({ index: target.indexName, shard: target.shard, node: this.nodeId, cause: error });
      }
    }
    if (batched.length > 0) {
      const outcomes = yield new ShardBatch(batched.map((entry) => entry.shard));
      assert(outcomes !== undefined && outcomes.length === batched.length, 'a shard batch is answered shard by shard');
      for (let index = 0; index < batched.length; index++) {
        const outcome = outcomes[index]!;
        if ('result' in outcome) {
          results.push(outcome.result);
          continue;
        }
        if (!(outcome.error instanceof EsError)) throw outcome.error;
        failed += 1;
        failures.push({ index: batched[index]!.target.indexName, shard: batched[index]!.target.shard, node: this.nodeId, cause: outcome.error });
      }
    }
    if (failures.length > 0 && results.length === 0) throw allShardsFailed(failures);
    if (failures.length > 0 && !allowPartial) {
      throw errors.searchPhaseFailed(shardFailuresStatus(failures), 'Partial shards failure', 'query', failures.map((failure) => failure.cause), failures[0]!.cause, failures.map((failure) => ({ shard: failure.shard, index: failure.index, node: failure.node, reason: failure.cause.toCause() })));
    }
    return { results, shards: { total, successful: total - failed, skipped: 0, failed, failures } };
  }

  /** Renders hits; an EsError while fetching (e.g. docvalue_fields on a text field) fails the fetch phase. */
  private fetchHits(fetchTargets: ReadonlyMap<string, FetchTarget>, hits: readonly ShardHit[], sort: SearchRequest['sort'], options: FetchOptions): Record<string, unknown>[] {
    return hits.map((hit) => {
      const target = fetchTargets.get(hit.shardKey);
      if (target === undefined) throw errors.illegalState(`hit from unknown shard [${hit.shardKey}]`);
      try {
        return renderHit(target, hit, sort, options);
      } catch (error) {
        if (!(error instanceof EsError)) throw error;
        throw allShardsFailed([{ index: target.indexName, shard: target.shard, node: this.nodeId, cause: error }], 'fetch');
      }
    });
  }

  // ---------------------------------------------------------------- search

  /**
   * The query phase of a search on this cluster, for local searches and cross-cluster
   * coordinators alike. Throws 400/403/404 EsErrors for bad requests, unauthorized or missing
   * indices, and `search_phase_execution_exception` when every shard failed.
   */
  searchLocal(input: SearchInput, access: SearchAuthorizer, options: LocalSearchOptions = {}): LocalSearchResult {
    const parsed = this.parseWithDefaults(input.params, input.body, { scroll: input.params['scroll'] !== undefined });
    return this.searchParsed(input, parsed, access, options);
  }

  private searchParsed(input: SearchInput, parsed: ParsedSearch, access: SearchAuthorizer, options: LocalSearchOptions): LocalSearchResult & { targets: readonly Target[] } {
    return drain(this.searchParsedSteps(input, parsed, access, options));
  }

  private *searchParsedSteps(input: SearchInput, parsed: ParsedSearch, access: SearchAuthorizer, options: LocalSearchOptions): SearchSteps<LocalSearchResult & { targets: readonly Target[] }> {
    if (parsed.pit !== undefined && options.snapshots === undefined) {
      // Through a point in time (also the local or remote part of a cross-cluster one): its indices, its snapshots.
      const pinned = this.pinnedIndices(parsed.pit);
      const snapshots = new Map(pinned.map((index) => [index.uuid, index.snapshots]));
      const shardOrdinals = new Map(pinned.map((index) => [index.uuid, index.ordinals ?? []]));
      // The alias filters it was opened through (its indices are searched by name below).
      const pinnedFilters = pinned.flatMap((index) => (index.aliasFilter === undefined ? [] : [[index.name, index.aliasFilter] as const]));
      const aliasFilters = pinnedFilters.length === 0 ? options.aliasFilters : new Map([...(options.aliasFilters ?? []), ...pinnedFilters]);
      return yield* this.searchParsedSteps({ ...input, expression: pinned.map((index) => index.name).join(',') }, parsed, access, { ...options, snapshots, shardOrdinals, ...(aliasFilters === undefined ? {} : { aliasFilters }) });
    }
    bindMoreLikeThisDocuments([parsed.request.query, parsed.postFilter, ...highlightQueriesOf(parsed.fetch.highlight)], this.indices, access);
    const indicesOptions = parseIndicesOptions(input.params, options.indicesOptions ?? searchIndicesOptions);
    const resolvedTargets = this.resolveTargets(input.expression, indicesOptions, access, searchActions.search, options.clusterAlias, options.snapshots, input.params, options.aliasFilters);
    const dfs = options.dfs;
    const found = dfs === undefined ? withDfsStatistics(resolvedTargets, input.params['search_type']) : resolvedTargets.map((target) => ({ ...target, snapshot: { ...target.snapshot, stats: statsFromDfs(dfs, target.snapshot.stats) } }));
    const ordinals = options.shardOrdinals;
    const resolved = ordinals === undefined ? found : found.map((target) => ({ ...target, shardOrdinal: ordinals.get(target.handle.uuid)?.[target.shard] }));
    const boosts = resolveIndicesBoost(parsed.extras, (expression) =>
      this.indices.resolve(expression, indicesOptions, { allows: (name) => access.allowsIndex(searchActions.search, name), authorizeLiterals: () => undefined }).map((handle) => handle.name),
    );
    const targets = parsed.extras === noSearchExtras ? resolved : resolved.map((target) => ({ ...target, extras: { features: parsed.extras, indexBoost: boosts.get(target.handle.name), pit: parsed.pit !== undefined } }));
    const { results, shards } = yield* this.queryPhaseSteps(targets, parsed.request, parsed.postFilter, parsed.scrollKeepAliveMs !== undefined, parsed.allowPartialSearchResults, parsed.fetch.highlight);
    const fetchTargets = new Map(targets.map((target) => [target.shardKey, this.fetchTarget(target, parsed.request.query, parsed.restTotalHitsAsInt)]));
    return {
      request: parsed.request,
      parsed,
      shardResults: results,
      shards,
      mappings: unionMappings(targets),
      targets,
      fetch: (hits) => this.fetchHits(fetchTargets, hits, parsed.request.sort, parsed.fetch),
    };
  }

  /** `_search`: the whole response body. Opens a scroll context when `scroll` is given. */
  search(input: SearchInput, access: SearchAuthorizer, owner: ScrollOwner): Record<string, unknown> {
    return drain(this.searchSteps(input, access, owner));
  }

  /**
   * `_search` as a cancellable task's work: pauses before each shard's query phase, where a
   * cancelled task (the current one, see src/tasks) fails it with `task_cancelled_exception`.
   */
  searchCancellable(input: SearchInput, access: SearchAuthorizer, owner: ScrollOwner): Promise<Record<string, unknown>> {
    return this.drainCancellable(this.searchSteps(input, access, owner));
  }

  private *searchSteps(input: SearchInput, access: SearchAuthorizer, owner: ScrollOwner): SearchSteps<Record<string, unknown>> {
    const started = this.nowMs();
    const scroll = input.params['scroll'] !== undefined;
    const parsed = this.parseWithDefaults(input.params, input.body, { scroll });
    if (scroll) return this.openScroll(input, parsed, access, owner, started);
    if (parsed.pit !== undefined) return this.searchPointInTime(input, parsed, access, started);
    const local = yield* this.searchParsedSteps(input, parsed, access, {});
    if (local.targets.length === 0) return this.emptyResponse(parsed, started);
    return this.renderLocal(local, parsed, started);
  }

  /** The response body of a search on this cluster's shards: merge, typed keys, fetch, render. */
  private renderLocal(local: LocalSearchResult & { readonly targets: readonly Target[] }, parsed: ParsedSearch, started: number): Record<string, unknown> {
    const collapse = parsed.extras.collapse;
    const merged = collapse === undefined ? mergeShardResults(local.shardResults, parsed.request) : mergeCollapsed(local.shardResults, parsed.request);
    const aggregations = merged.aggregations === undefined ? undefined : parsed.typedKeys ? typedKeys(merged.aggregations, parsed.request.aggregations, local.mappings) : merged.aggregations;
    const response = renderSearchResponse({
      tookMs: this.nowMs() - started,
      terminatedEarly: parsed.request.terminateAfter === undefined ? undefined : merged.terminatedEarly,
      shards: local.shards,
      total: merged.total,
      maxScore: merged.maxScore,
      hits: collapse === undefined ? local.fetch(merged.hits) : this.expandCollapsedHits(local, parsed, merged.hits, collapse),
      aggregations,
      restTotalHitsAsInt: parsed.restTotalHitsAsInt,
      timedOut: merged.timedOut,
    });
    if (parsed.extras.suggest.length > 0) response['suggest'] = renderSuggest(parsed.extras.suggest, local.targets, parsed.typedKeys, local.fetch);
    if (!parsed.extras.profile) return response;
    const nowMs = this.nowMs();
    const shards = local.targets.map((target) => {
      const plan = this.planContext(target, nowMs);
      const extras = target.extras;
      const query = extras === undefined ? parsed.request.query : shardRequest(parsed.request, extras.features, { plan, indexBoost: extras.indexBoost, pit: extras.pit }).query;
      return profileShard({ nodeId: this.nodeId, indexName: target.indexName, clusterAlias: undefined }, () => planQuery(withFilter(withFilter(query, target.aliasFilter), parsed.postFilter), plan), target.segments, process.hrtime.bigint);
    });
    return { ...response, profile: { shards } };
  }

  /** A collapsed page: each group head with its collapse value and the group's inner hits (one search per group and inner_hits entry). */
  private expandCollapsedHits(local: LocalSearchResult & { readonly targets: readonly Target[] }, parsed: ParsedSearch, hits: readonly ShardHit[], collapse: CollapseSpec): Record<string, unknown>[] {
    const nowMs = this.nowMs();
    const fetchTargets = new Map(local.targets.map((target) => [target.shardKey, this.fetchTarget(target, parsed.request.query, parsed.restTotalHitsAsInt)]));
    return expandCollapsed(local.fetch(hits), hits, collapse, (_hit, key) => key, (group, spec) => {
      const sort = spec.sort === undefined || (spec.sort.length === 1 && spec.sort[0]!.kind === 'score' && spec.sort[0]!.order === 'desc') ? undefined : spec.sort;
      const request: SearchRequest = { ...parsed.request, query: withFilter(withFilter(parsed.request.query, group), parsed.postFilter), from: spec.from, size: spec.size, sort, searchAfter: undefined, aggregations: [], trackTotalHits: true };
      const merged = mergeShardResults(local.targets.map((target) => this.queryShardPlain(target, request, undefined, local.targets.length, nowMs)), request);
      return renderSearchResponse({ tookMs: 0, terminatedEarly: undefined, shards: local.shards, total: merged.total, maxScore: merged.maxScore, hits: this.fetchHits(fetchTargets, merged.hits, sort, spec.fetch), aggregations: undefined, restTotalHitsAsInt: parsed.restTotalHitsAsInt })['hits'] as Record<string, unknown>;
    });
  }

  // ---------------------------------------------------------------- point in time

  /** `POST /{index}/_pit`: pins the current snapshot of every target index. */
  openPointInTime(input: SearchInput, access: SearchAuthorizer, ordinalOf?: (index: string, shard: number) => number | undefined, aliasFilters?: ReadonlyMap<string, QueryNode>): Record<string, unknown> {
    const keepAliveMs = parsePitKeepAlive(input.params['keep_alive']);
    const targets = this.resolveTargets(input.expression, parseIndicesOptions(input.params, searchIndicesOptions), access, pitActions.open, undefined, undefined, input.params, aliasFilters);
    const contextId = this.randomBytes(12).toString('hex');
    const pinned = new Map<string, { name: string; uuid: string; snapshots: ShardSnapshot[]; ordinals: number[]; aliasFilter?: QueryNode }>();
    for (const [position, target] of targets.entries()) {
      let index = pinned.get(target.handle.uuid);
      if (index === undefined) {
        // Opened through a filtered alias: its filter stays with the point in time.
        index = { name: target.handle.name, uuid: target.handle.uuid, snapshots: [], ordinals: [], ...(target.aliasFilter === undefined ? {} : { aliasFilter: target.aliasFilter }) };
        pinned.set(target.handle.uuid, index);
      }
      index.snapshots[target.shard] = target.snapshot;
      // The shard's place among the point in time's shards (the coordinating node's, across nodes).
      index.ordinals[target.shard] = ordinalOf?.(target.handle.name, target.shard) ?? position;
    }
    this.pits.open(contextId, [...pinned.values()], keepAliveMs, this.nowMs());
    const total = targets.length;
    return { id: encodePitId(contextId), _shards: { total, successful: total, skipped: 0, failed: 0 } };
  }

  /** `DELETE /_pit`: frees a point in time (404 with `num_freed: 0` when it is already gone, as Elasticsearch). */
  closePointInTime(id: string, access: SearchAuthorizer): { status: number; body: Record<string, unknown> } {
    const contextId = decodePitId(id);
    const pinned = this.pits.peek(contextId, this.nowMs());
    if (pinned !== undefined) access.indices(pitActions.close, pinned.map((index) => index.name));
    const freed = this.pits.close(contextId);
    return { status: freed === 0 ? 404 : 200, body: { succeeded: true, num_freed: freed } };
  }

  /** The indices a point in time pinned (its keep-alive renewed), or the 404 of a context gone. */
  private pinnedIndices(pit: NonNullable<ParsedSearch['pit']>): readonly PinnedIndex[] {
    const contextId = decodePitId(pit.id);
    const pinned = this.pits.use(contextId, pit.keepAliveMs, this.nowMs());
    if (pinned === undefined) throw allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.searchContextMissing(contextId) }]);
    return pinned;
  }

  /** A search through a point in time: its pinned indices and snapshots, authorized for this caller. */
  private searchPointInTime(input: SearchInput, parsed: ParsedSearch, access: SearchAuthorizer, started: number): Record<string, unknown> {
    const pit = parsed.pit!;
    if (input.expression !== undefined) {
      throw errors.actionRequestValidation(['[indices] cannot be used with point in time. Do not specify any index with point in time.']);
    }
    const local = this.searchParsed(input, parsed, access, {});
    const response = this.renderLocal(local, parsed, started);
    return { pit_id: pit.id, ...response };
  }

  /** No index matched (allow_no_indices): Elasticsearch's empty response over zero shards. */
  private emptyResponse(parsed: ParsedSearch, started: number): Record<string, unknown> {
    return renderSearchResponse({
      tookMs: this.nowMs() - started,
      terminatedEarly: undefined,
      shards: { total: 0, successful: 0, skipped: 0, failed: 0, failures: [] },
      total: parsed.request.trackTotalHits === false ? undefined : { value: 0, relation: 'eq' },
      maxScore: 0,
      hits: [],
      aggregations: undefined,
      restTotalHitsAsInt: parsed.restTotalHitsAsInt,
    });
  }

  // ---------------------------------------------------------------- scroll

  /**
   * Opens a scroll: the query runs once over frozen snapshots; every matching hit is kept in
   * merged order (bounded by scrollLimits.hitsMax) and pages are slices of it.
   */
  private openScroll(input: SearchInput, parsed: ParsedSearch, access: SearchAuthorizer, owner: ScrollOwner, started: number): Record<string, unknown> {
    const { contextId, state, countMerged, local } = this.createScroll(input, parsed, access, owner, {});
    const aggregations =
      countMerged.aggregations === undefined ? undefined : parsed.typedKeys ? typedKeys(countMerged.aggregations, parsed.request.aggregations, local.mappings) : countMerged.aggregations;
    return this.scrollPage(state, encodeScrollId(contextId), started, parsed.restTotalHitsAsInt, aggregations);
  }

  /** Runs a scroll's search once and registers its context (local scrolls and the remote half of cross-cluster ones). */
  private createScroll(input: SearchInput, parsed: ParsedSearch, access: SearchAuthorizer, owner: ScrollOwner, options: LocalSearchOptions) {
    const keepAliveMs = parsed.scrollKeepAliveMs!;
    // First pass: totals and aggregations (and the batch-size check against index.max_result_window).
    const counting: ParsedSearch = { ...parsed, request: { ...parsed.request, trackTotalHits: true } };
    const local = this.searchParsed(input, counting, access, options);
    const countMerged = mergeShardResults(local.shardResults, counting.request);
    const total = countMerged.total?.value ?? 0;
    if (total > scrollLimits.hitsMax) {
      throw errors.illegalArgument(`a scroll may page through at most [${scrollLimits.hitsMax}] hits but this one matches [${total}]; narrow the query or use search_after`);
    }
    // Second pass: every hit, in merged order (query phase only; aggregations came with the count).
    const nowMs = this.nowMs();
    const allResults = local.targets.map((target) => {
      const shardTotal = local.shardResults.find((result) => result.shardKey === target.shardKey)?.totalHits ?? 0;
      const request: SearchRequest = { ...parsed.request, from: 0, size: shardTotal, aggregations: [], trackTotalHits: true };
      return this.queryShard(target, request, parsed.postFilter, local.targets.length, nowMs);
    });
    const ordered = mergeShardResults(allResults, { ...parsed.request, from: 0, size: total, aggregations: [], trackTotalHits: true });
    const fetchTargets = new Map(local.targets.map((target) => [target.shardKey, this.fetchTarget(target, parsed.request.query, parsed.restTotalHitsAsInt)]));
    const state: ScrollState = {
      fetchTargets,
      hits: ordered.hits,
      offset: 0,
      lastPageFrom: 0,
      size: parsed.request.size,
      sort: parsed.request.sort,
      fetch: parsed.fetch,
      total: countMerged.total,
      maxScore: parsed.request.sort === undefined || parsed.request.trackScores ? ordered.maxScore : null,
      shards: local.shards,
    };
    const contextId = this.randomBytes(12).toString('hex');
    this.scrolls.open(contextId, owner, state, keepAliveMs, this.nowMs());
    return { contextId, state, countMerged, local };
  }

  /**
   * The remote half of a cross-cluster scroll (and the local cluster's part of one): opens a
   * scroll context here and answers its first page as mergeable hits (rendered here, `_index` as
   * `alias:index`) with this cluster's totals and partial aggregations. `dfs`: a multi-node
   * scroll's statistics of every shard, summed once when it opens (wire-scroll.ts).
   */
  openScrollAsRemote(input: SearchInput, access: SearchAuthorizer, owner: ScrollOwner, clusterAlias: string | undefined, aliasFilters?: ReadonlyMap<string, QueryNode>, dfs?: DfsStatistics): ClusterScrollPage {
    const started = this.nowMs();
    const parsed = this.parseWithDefaults(input.params, input.body, { scroll: true });
    if (parsed.scrollKeepAliveMs === undefined) throw errors.illegalArgument('a cross-cluster scroll needs [scroll]');
    const { contextId, state, local } = this.createScroll(input, parsed, access, owner, {
      ...(clusterAlias === undefined ? {} : { clusterAlias }),
      ...(aliasFilters === undefined ? {} : { aliasFilters }),
      ...(dfs === undefined ? {} : { dfs }),
    });
    const request = { ...parsed.request, trackTotalHits: true };
    return {
      ...this.clusterScrollPage(state, encodeScrollId(contextId), started),
      shards: { total: local.shards.total, successful: local.shards.successful, skipped: local.shards.skipped, failed: local.shards.failed },
      totalHits: state.total?.value ?? 0,
      totalRelation: state.total?.relation ?? 'eq',
      maxScore: state.maxScore,
      aggregations: request.aggregations.length === 0 ? undefined : mergeAggregationPartials(request.aggregations, local.shardResults.map((result) => result.aggregations ?? {})),
      mappings: local.mappings,
    };
  }

  /**
   * `ccs_minimize_roundtrips=false`, remote half of the query phase: every shard's own result
   * (top from + size hits, unrendered; partial aggregations), and a context the coordinator
   * fetches the hits it picked from (`fetchAsRemote`) or frees (`freeQueryContext`).
   */
  queryPhaseAsRemote(input: SearchInput, access: SearchAuthorizer, owner: ScrollOwner, clusterAlias: string | undefined, aliasFilters?: ReadonlyMap<string, QueryNode>, dfs?: DfsStatistics): RemoteQueryPhase {
    return drain(this.queryPhaseAsRemoteSteps(input, access, owner, clusterAlias, aliasFilters, dfs));
  }

  /**
   * The DFS phase of a multi-node `dfs_query_then_fetch` search on this node's shards (the
   * expression and `preference=_shards:` name them): the statistics of the fields and terms the
   * query scores with, summed over those shards, found by planning the query over each shard.
   */
  dfsPhaseAsRemote(input: SearchInput, access: SearchAuthorizer, aliasFilters?: ReadonlyMap<string, QueryNode>): DfsStatistics {
    const parsed = this.parseWithDefaults(input.params, input.body, { scroll: false });
    bindMoreLikeThisDocuments([parsed.request.query, parsed.postFilter], this.indices, access);
    const indicesOptions = parseIndicesOptions(input.params, searchIndicesOptions);
    // Through a point in time: its pinned snapshots (and the alias filters it was opened through).
    const pinned = parsed.pit === undefined ? undefined : this.pinnedIndices(parsed.pit);
    const snapshots = pinned === undefined ? undefined : new Map(pinned.map((index) => [index.uuid, index.snapshots]));
    const expression = pinned === undefined ? input.expression : pinned.map((index) => index.name).join(',');
    const filters = pinned === undefined ? aliasFilters : new Map([...(aliasFilters ?? []), ...pinned.flatMap((index) => (index.aliasFilter === undefined ? [] : [[index.name, index.aliasFilter] as const]))]);
    const targets = this.resolveTargets(expression, indicesOptions, access, searchActions.search, undefined, snapshots, input.params, filters);
    const nowMs = this.nowMs();
    return sumDfsStatistics(
      targets.map((target) => {
        const recorder = recordingStats(target.snapshot.stats);
        planQuery(parsed.request.query, { stats: recorder.stats, segments: target.segments, mappings: target.mappings, nowMs, indexName: target.indexName, defaultFields: target.defaultFields });
        return recorder.collected();
      }),
    );
  }

  /** `queryPhaseAsRemote` as a cancellable task's work (the remote side of another cluster's search task, a child of a cross-node search's task). */
  queryPhaseAsRemoteCancellable(input: SearchInput, access: SearchAuthorizer, owner: ScrollOwner, clusterAlias: string | undefined, aliasFilters?: ReadonlyMap<string, QueryNode>, dfs?: DfsStatistics): Promise<RemoteQueryPhase> {
    return this.drainCancellable(this.queryPhaseAsRemoteSteps(input, access, owner, clusterAlias, aliasFilters, dfs));
  }

  private *queryPhaseAsRemoteSteps(input: SearchInput, access: SearchAuthorizer, owner: ScrollOwner, clusterAlias: string | undefined, aliasFilters?: ReadonlyMap<string, QueryNode>, dfs?: DfsStatistics): SearchSteps<RemoteQueryPhase> {
    const parsed = this.parseWithDefaults(input.params, input.body, { scroll: false });
    const local = yield* this.searchParsedSteps(input, parsed, access, { ...(clusterAlias === undefined ? {} : { clusterAlias }), ...(aliasFilters === undefined ? {} : { aliasFilters }), ...(dfs === undefined ? {} : { dfs }) });
    const contextId = this.randomBytes(12).toString('hex');
    this.queryContexts.open(contextId, owner, local.fetch, queryContextKeepAliveMs, this.nowMs());
    return {
      contextId,
      shardResults: local.shardResults,
      shards: { total: local.shards.total, successful: local.shards.successful, skipped: local.shards.skipped, failed: local.shards.failed },
      failures: local.shards.failures.map((failure) => ({ shard: failure.shard, index: failure.index, node: failure.node, reason: failure.cause.toCause() })),
      mappings: local.mappings,
      ...(parsed.extras.suggest.length > 0 ? { suggest: local.targets.map((target) => shardSuggest(parsed.extras.suggest, target)) } : {}),
    };
  }

  /** Renders the hits a coordinator picked from a query phase (in the order given), and frees its context. */
  fetchAsRemote(contextId: string, hits: readonly ShardHit[], owner: ScrollOwner): Record<string, unknown>[] {
    const fetch = this.queryContexts.use(contextId, owner, undefined, this.nowMs());
    if (fetch === undefined) throw allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.searchContextMissing(contextId) }], 'fetch');
    this.queryContexts.free(contextId, owner);
    return fetch(hits);
  }

  /** Frees a query phase's context none of whose hits made the page. */
  freeQueryContext(contextId: string, owner: ScrollOwner): boolean {
    return this.queryContexts.free(contextId, owner);
  }

  /**
   * A multi-node scroll's part on this node (src/node/wire-scroll.ts): the page of hits from
   * `offset` in this node's merged order, rendered, with the part's totals. The coordinating
   * node's scroll id keeps each node's offset (so any node can continue the scroll); the
   * context's own offset is not used. Renews the keep-alive.
   */
  scrollPartAt(scrollId: string, offset: number, keepAlive: string | undefined, owner: ScrollOwner): Pick<ClusterScrollPage, 'hits' | 'totalHits' | 'totalRelation' | 'maxScore'> {
    const contextId = decodeScrollId(scrollId);
    const keepAliveMs = keepAlive === undefined ? undefined : parseTimeValueMs(keepAlive, 'scroll');
    const state = this.scrolls.use(contextId, owner, keepAliveMs, this.nowMs());
    if (state === undefined) throw allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.searchContextMissing(contextId) }]);
    const page = state.hits.slice(offset, offset + state.size);
    const rendered = this.fetchHits(state.fetchTargets, page, state.sort, state.fetch);
    return { hits: page.map((hit, i) => ({ ...hit, rendered: rendered[i]! })), totalHits: state.total?.value ?? 0, totalRelation: state.total?.relation ?? 'eq', maxScore: state.maxScore };
  }

  /**
   * The next page of a scroll opened by `openScrollAsRemote`. `offset` (the hits the coordinating
   * cluster has received so far) makes a page safe to resend: the page from the scroll's current
   * offset advances it; the page the last request was answered with (its connection may have
   * dropped before the answer arrived) is answered again without advancing; any other offset is a
   * 400. The answer names the offset its hits start at. Without `offset` (a coordinating node
   * predating it) the scroll advances as a plain scroll page does.
   */
  scrollAsRemote(scrollId: string, keepAlive: string | undefined, owner: ScrollOwner, offset?: number): ClusterScrollNext {
    const started = this.nowMs();
    const contextId = decodeScrollId(scrollId);
    const keepAliveMs = keepAlive === undefined ? undefined : parseTimeValueMs(keepAlive, 'scroll');
    const state = this.scrolls.use(contextId, owner, keepAliveMs, started);
    if (state === undefined) throw allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.searchContextMissing(contextId) }]);
    if (offset !== undefined && offset !== state.offset) {
      if (offset !== state.lastPageFrom) {
        throw errors.illegalArgument(`scroll offset [${offset}] is neither the next page's [${state.offset}] nor the last page's [${state.lastPageFrom}]`);
      }
      state.offset = state.lastPageFrom;
    }
    return { ...this.clusterScrollPage(state, scrollId, started), offset: state.lastPageFrom };
  }

  private clusterScrollPage(state: ScrollState, scrollId: string, started: number): Pick<ClusterScrollPage, 'scrollId' | 'hits' | 'tookMs'> {
    const page = state.hits.slice(state.offset, state.offset + state.size);
    state.lastPageFrom = state.offset;
    state.offset += page.length;
    const rendered = this.fetchHits(state.fetchTargets, page, state.sort, state.fetch);
    return { scrollId, tookMs: this.nowMs() - started, hits: page.map((hit, i) => ({ ...hit, rendered: rendered[i]! })) };
  }

  private scrollPage(state: ScrollState, scrollId: string, started: number, restTotalHitsAsInt: boolean, aggregations?: Record<string, unknown>): Record<string, unknown> {
    const page = state.hits.slice(state.offset, state.offset + state.size);
    state.lastPageFrom = state.offset;
    state.offset += page.length;
    return renderSearchResponse({
      tookMs: this.nowMs() - started,
      scrollId,
      terminatedEarly: undefined,
      shards: state.shards,
      total: state.total,
      maxScore: state.maxScore,
      hits: this.fetchHits(state.fetchTargets, page, state.sort, state.fetch),
      aggregations,
      restTotalHitsAsInt,
    });
  }

  /** `_search/scroll`: the next page of an open scroll. */
  scroll(scrollId: string, keepAlive: string | undefined, restTotalHitsAsInt: boolean, owner: ScrollOwner): Record<string, unknown> {
    const started = this.nowMs();
    const contextId = decodeScrollId(scrollId);
    const keepAliveMs = keepAlive === undefined ? undefined : parseTimeValueMs(keepAlive, 'scroll');
    const state = this.scrolls.use(contextId, owner, keepAliveMs, started);
    if (state === undefined) throw allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.searchContextMissing(contextId) }]);
    return this.scrollPage(state, scrollId, started, restTotalHitsAsInt);
  }

  /** `DELETE _search/scroll`: frees contexts; `all` frees every one. Returns status and body. */
  clearScroll(scrollIds: readonly string[] | 'all', owner: ScrollOwner): { status: number; body: Record<string, unknown> } {
    if (scrollIds === 'all') return { status: 200, body: { succeeded: true, num_freed: this.scrolls.freeAll() } };
    const contextIds = scrollIds.map(decodeScrollId);
    let freed = 0;
    for (const contextId of contextIds) if (this.scrolls.free(contextId, owner)) freed++;
    return { status: freed === 0 && contextIds.length > 0 ? 404 : 200, body: { succeeded: true, num_freed: freed } };
  }

  // ---------------------------------------------------------------- msearch

  /**
   * `_msearch`: NDJSON header/body pairs, each answered on its own (an item's error is that
   * item's response with its status; the request fails only for a malformed body).
   */
  msearch(lines: readonly unknown[], defaults: { expression: string | undefined; params: Readonly<Record<string, string>> }, access: SearchAuthorizer, owner: ScrollOwner): Record<string, unknown> {
    const started = this.nowMs();
    const items = parseMsearchLines(lines, defaults);
    const responses = items.map((item) => {
      try {
        return { ...this.search(item, access, owner), status: 200 };
      } catch (error) {
        if (!(error instanceof EsError)) throw error;
        return { ...error.toBody() };
      }
    });
    return { took: this.nowMs() - started, responses };
  }

  // ---------------------------------------------------------------- cross-cluster (this cluster as a remote)

  /**
   * The remote half of a minimize-roundtrips cross-cluster search (spec §7.2): this cluster runs
   * the query, reduces its shards to its top `from + size` hits (rendered here, with `_index` as
   * `alias:index`) and partial aggregations, and the coordinating cluster merges them with the
   * same merge as local shards. It runs as a cancellable task's work (the remote side of another
   * cluster's search task).
   */
  searchAsRemoteCancellable(input: SearchInput, access: SearchAuthorizer, clusterAlias: string): Promise<ClusterSearchResult> {
    return this.drainCancellable(this.searchAsRemoteSteps(input, access, clusterAlias));
  }

  private *searchAsRemoteSteps(input: SearchInput, access: SearchAuthorizer, clusterAlias: string): SearchSteps<ClusterSearchResult> {
    const started = this.nowMs();
    const parsed = this.parseWithDefaults(input.params, input.body, { scroll: false });
    const window = parsed.request.from + parsed.request.size;
    const request: SearchRequest = { ...parsed.request, from: 0, size: window };
    const local = yield* this.searchParsedSteps(input, { ...parsed, request }, access, { clusterAlias });
    const merged = mergeShardResults(local.shardResults, { ...request, aggregations: [] });
    const rendered = local.fetch(merged.hits);
    let totalHits = 0;
    let gte = false;
    let maxScore = -Infinity;
    for (const result of local.shardResults) {
      totalHits += result.totalHits;
      gte ||= result.totalRelation === 'gte';
      if (result.maxScore > maxScore) maxScore = result.maxScore;
    }
    return {
      tookMs: this.nowMs() - started,
      shards: { ...renderShards(local.shards), total: local.shards.total, successful: local.shards.successful, skipped: local.shards.skipped, failed: local.shards.failed } as ClusterSearchResult['shards'],
      totalHits,
      totalRelation: gte ? 'gte' : 'eq',
      maxScore: Number.isFinite(maxScore) ? maxScore : null,
      hits: merged.hits.map((hit, i) => ({ ...hit, rendered: rendered[i]! })),
      aggregations:
        request.aggregations.length === 0 ? undefined : mergeAggregationPartials(request.aggregations, local.shardResults.map((result) => result.aggregations ?? {})),
      terminatedEarly: local.shardResults.some((result) => result.terminatedEarly),
      timedOut: local.shardResults.some((result) => result.timedOut === true),
      mappings: local.mappings,
    };
  }

  /**
   * This cluster's indices and mappings for a cross-cluster `_field_caps` (names prefixed with the
   * alias). `indexFilterMatches`: whether an index passes the `index_filter`, when someone else
   * decides it (a multi-node cluster asks the nodes holding the shards); else this node's copies.
   */
  fieldCapsIndices(input: SearchInput, access: SearchAuthorizer, clusterAlias?: string, indexFilterMatches?: (handle: IndexHandle) => boolean): FieldCapsIndex[] {
    const indicesOptions = parseIndicesOptions(input.params, searchIndicesOptions);
    const handles = this.indices.resolve(input.expression, indicesOptions, {
      allows: (name) => access.allowsIndex(searchActions.fieldCaps, name),
      authorizeLiterals: (names) => access.indices(searchActions.fieldCaps, names),
    });
    const filter = parseFieldCapsOptions(input.params, input.body).indexFilter;
    return handles.filter((handle) => filter === undefined || (indexFilterMatches !== undefined ? indexFilterMatches(handle) : this.indexFilterMatches(handle, filter, access))).map((handle) => ({
      name: clusterAlias === undefined ? handle.name : `${clusterAlias}:${handle.name}`,
      // Field level security: field capabilities list only the fields the caller may read.
      mapping: visibleMapping(handle.mapping, access.readRestriction?.(searchActions.fieldCaps, handle.name, Object.keys(handle.metadata.aliases))?.fields),
    }));
  }

  /** `index_filter`: does a document of this index that the caller can see match? (field-caps-filter.ts) */
  private indexFilterMatches(handle: IndexHandle, filter: QueryNode, access: SearchAuthorizer): boolean {
    if (handle.metadata.state !== 'open' || handle.shards === undefined) return false;
    const restriction = access.readRestriction?.(searchActions.fieldCaps, handle.name, Object.keys(handle.metadata.aliases));
    const mappings = engineMappings(handle.mapping);
    // Any shard holding a matching document is enough.
    return this.searchers.snapshots(handle).some((snapshot) => {
      const context = { stats: snapshot.stats, mappings, nowMs: this.nowMs(), indexName: handle.name, defaultFields: queryDefaultFields(handle.metadata.settings) };
      const segments = visibleSegments(documentLevelSegments(snapshot.state.segments, restriction, context), restriction?.fields);
      return anyDocumentMatches(filter, { ...context, segments, mappings: visibleEngineMappings(mappings, restriction?.fields) });
    });
  }

  /** Does the expression match any index the caller may see? (`_resolve/cluster`'s matching_indices.) */
  matchesIndices(expression: string, params: Readonly<Record<string, string>>, access: SearchAuthorizer): boolean {
    // Resolve index's defaults (strict, expand open): a missing concrete index is `no such index [..]`.
    const options = parseIndicesOptions(params, { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['open']) });
    const handles = this.indices.resolve(expression, options, {
      allows: (name) => access.allowsIndex('indices:admin/resolve/cluster', name),
      authorizeLiterals: (names) => access.indices('indices:admin/resolve/cluster', names),
    });
    return handles.length > 0;
  }

  /**
   * Resolves and authorizes a search's local targets without searching: an async search checks
   * who may read what before it answers, while the search itself runs later (a 403 fails the
   * submit; other problems, such as a missing index, are the stored search's failure).
   */
  authorizeSearchTargets(input: SearchInput, access: SearchAuthorizer): void {
    try {
      this.indices.resolve(input.expression, parseIndicesOptions(input.params, searchIndicesOptions), {
        allows: (name) => access.allowsIndex(searchActions.search, name),
        authorizeLiterals: (names) => access.indices(searchActions.search, names),
      });
    } catch (error) {
      if (error instanceof EsError && error.status === 403) throw error;
    }
  }

  /** Parses a search for a coordinator that also targets other clusters. */
  parseForClusters(input: SearchInput): ParsedSearch {
    return this.parseWithDefaults(input.params, input.body, { scroll: input.params['scroll'] !== undefined });
  }

  /** The local part of a cross-cluster search (query phase + fetch), or undefined without local indices. */
  localPart(input: SearchInput, parsed: ParsedSearch, access: SearchAuthorizer): LocalSearchResult {
    return this.searchParsed(input, parsed, access, {});
  }

  // ---------------------------------------------------------------- count

  /** `_count`: the number of documents matching a query. */
  count(input: SearchInput, access: SearchAuthorizer): Record<string, unknown> {
    const request = parseCount(input.params, input.body);
    bindMoreLikeThisDocuments([request.query], this.indices, access);
    const targets = this.resolveTargets(input.expression, parseIndicesOptions(input.params, searchIndicesOptions), access, searchActions.count, undefined, undefined, input.params);
    const { results, shards } = drain(this.queryPhaseSteps(targets, request, undefined, false, true));
    const count = results.reduce((sum, result) => sum + result.totalHits, 0);
    const body: Record<string, unknown> = { count };
    if (request.terminateAfter !== undefined) body['terminated_early'] = results.some((result) => result.terminatedEarly);
    body['_shards'] = renderShards(shards);
    return body;
  }

  // ---------------------------------------------------------------- field caps, analyze

  fieldCaps(input: SearchInput, access: SearchAuthorizer, remoteIndices: readonly FieldCapsIndex[] = [], indexFilterMatches?: (handle: IndexHandle) => boolean): Record<string, unknown> {
    const options = parseFieldCapsOptions(input.params, input.body);
    const local = input.expression === '' ? [] : this.fieldCapsIndices(input, access, undefined, indexFilterMatches);
    return fieldCaps([...local, ...remoteIndices], options);
  }

  /** `_analyze`, optionally in the context of one index (for `field`). */
  analyze(index: string | undefined, body: unknown, access: SearchAuthorizer): Record<string, unknown> {
    if (index === undefined) return analyze(body, { mappings: undefined });
    access.indices(searchActions.analyze, [index]);
    const handle = this.indices.singleIndex(index);
    return analyze(body, { mappings: engineMappings(handle.mapping), normalizers: storedNormalizersOf(handle.metadata.settings), analyzers: storedAnalyzersOf(handle.metadata.settings), components: storedComponentsOf(handle.metadata.settings) });
  }
}

/** Keys an `_msearch` header line may hold (MultiSearchRequest.readMultiLineFormat). */
const msearchHeaderKeys = new Set([
  'index', 'indices', 'search_type', 'ccs_minimize_roundtrips', 'request_cache', 'preference', 'routing', 'allow_partial_search_results',
  'expand_wildcards', 'ignore_unavailable', 'allow_no_indices', 'ignore_throttled',
]);

/** Turns `_msearch` lines into search inputs (header parameters become URL-style parameters). */
export function parseMsearchLines(lines: readonly unknown[], defaults: { expression: string | undefined; params: Readonly<Record<string, string>> }): SearchInput[] {
  if (lines.length === 0) throw errors.actionRequestValidation(['no requests added']);
  const items: SearchInput[] = [];
  for (let index = 0; index < lines.length; index += 2) {
    const header = lines[index];
    if (header === null || typeof header !== 'object' || Array.isArray(header)) throw errors.illegalArgument(`msearch header at line [${index + 1}] must be an object`);
    const params: Record<string, string> = {};
    for (const name of ['typed_keys', 'rest_total_hits_as_int', 'search_type', 'ccs_minimize_roundtrips', 'ignore_unavailable', 'allow_no_indices', 'expand_wildcards']) {
      const value = defaults.params[name];
      if (value !== undefined) params[name] = value;
    }
    let expression = defaults.expression;
    for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
      if (!msearchHeaderKeys.has(key)) throw errors.illegalArgument(`key [${key}] is not supported in the metadata section`);
      if (key === 'index' || key === 'indices') expression = Array.isArray(value) ? value.map(String).join(',') : String(value);
      else if (key === 'ccs_minimize_roundtrips' || key === 'request_cache') continue;
      else params[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
    }
    if (index + 1 >= lines.length) throw errors.actionRequestValidation([`source is missing for msearch item ${items.length}`]);
    items.push({ expression, params, body: lines[index + 1] });
  }
  return items;
}
