/**
 * This cluster as the remote of a cross-cluster search when its shards live on several nodes
 * (issue #14). The node a remote cluster's request reached (its gateway) has already
 * authorized the remote caller; it coordinates the search as any node of this cluster does
 * (src/search/shard-search.ts): one started copy of each shard runs the query phase on the node
 * holding it, under the gateway's authorization, and only the hits that count are fetched.
 *
 * - `ccs_minimize_roundtrips=true` (remoteSearchOnNodes): the gateway reduces every shard to this
 *   cluster's top `from + size` hits, rendered, with partial aggregations, exactly what a single
 *   node answers (SearchService.searchAsRemoteCancellable), so the querying cluster merges it the
 *   same way.
 * - `ccs_minimize_roundtrips=false` (remoteQueryPhaseOnNodes): the gateway answers every shard's
 *   own result, as a single node does, and keeps the query contexts the data nodes hold under one
 *   context id of its own (GatewayQueryContexts). The querying cluster's fetch (or free) of that id
 *   comes back to this same gateway: the querying cluster sends it over a connection to the node
 *   that answered the query phase (src/remote/client.ts), as Elasticsearch sends a shard's fetch to
 *   the node that ran its query. The gateway then has each data node render its hits.
 */
import { errors } from '../common/errors.js';
import { mergeAggregationPartials, mergeShardResults, type ShardHit } from '../index/searcher/index.js';
import { allShardsFailed } from './response.js';
import type { ScrollOwner } from './scroll.js';
import type { ClusterSearchResult, RemoteQueryPhase, SearchService } from './search-service.js';
import { collectPhases, fetchOnNodes, fetchPage, hitsByPhase, queryPhasesOnNodes, releasePhases, type NodePart, type NodePhaseOptions, type ShardSearchChannel } from './shard-search.js';

export const remoteShardSearchLimits = {
  /** As a single node's query contexts for another cluster's fetch (search-service.ts): unfetched after this long, freed. */
  gatewayContextKeepAliveMs: 5 * 60 * 1000,
  /** Ours: at most this many query phases of other clusters awaiting their fetch on one gateway. */
  gatewayContextsMax: 10_000,
} as const;

/**
 * The minimized cross-cluster search's answer from this cluster, its shards read on the nodes
 * holding them; without `clusterAlias`, the local part of a cross-cluster search this cluster
 * coordinates (src/node/wire-search.ts), merged with the remote clusters' answers alike.
 */
export async function remoteSearchOnNodes(options: NodePhaseOptions & { readonly nowMs: () => number }): Promise<ClusterSearchResult> {
  const started = options.nowMs();
  const { parsed, phases, failures, total } = await queryPhasesOnNodes(options);
  const { shardResults, phaseOf, mappings, failures: partFailures } = collectPhases(phases);
  // This cluster's top `from + size`: the querying cluster applies `from` over every cluster's hits.
  const window = parsed.request.from + parsed.request.size;
  const merged = mergeShardResults(shardResults, { ...parsed.request, from: 0, size: window, aggregations: [] });
  const byPhase = hitsByPhase(merged.hits, phaseOf);
  await releasePhases({ ...options, phases, keep: new Set(byPhase.keys()) });
  // A data node lost during the fetch fails its shards, not the search (shard-search.ts fetchPage).
  const page = await fetchPage({ ...options, phases, hitsByPhase: byPhase, allowPartialSearchResults: parsed.allowPartialSearchResults }, merged.hits);
  let totalHits = 0;
  let gte = false;
  let maxScore = -Infinity;
  for (const result of shardResults) {
    totalHits += result.totalHits;
    gte ||= result.totalRelation === 'gte';
    if (result.maxScore > maxScore) maxScore = result.maxScore;
  }
  const allFailures = [...failures, ...partFailures, ...page.failures];
  return {
    tookMs: options.nowMs() - started,
    shards: { total, successful: total - allFailures.length, skipped: 0, failed: allFailures.length, ...(allFailures.length > 0 ? { failures: allFailures } : {}) },
    totalHits,
    totalRelation: gte ? 'gte' : 'eq',
    maxScore: Number.isFinite(maxScore) ? maxScore : null,
    hits: page.hits.map(({ hit, document }) => ({ ...hit, rendered: document })),
    aggregations: parsed.request.aggregations.length === 0 ? undefined : mergeAggregationPartials(parsed.request.aggregations, shardResults.map((result) => result.aggregations ?? {})),
    terminatedEarly: shardResults.some((result) => result.terminatedEarly),
    timedOut: shardResults.some((result) => result.timedOut === true),
    mappings,
  };
}

interface GatewayContext {
  readonly owner: string;
  /** Each data node's query context, by position. */
  readonly phases: readonly { readonly part: Pick<NodePart, 'nodeId'>; readonly phase: Pick<RemoteQueryPhase, 'contextId'> }[];
  /** Shard key (`alias:index:shard`) to the position of the phase that searched it. */
  readonly phaseOfShard: ReadonlyMap<string, number>;
  readonly timer: NodeJS.Timeout;
}

/**
 * The query phases a gateway ran for other clusters, awaiting their fetch: one id for the
 * contexts on every data node, usable by the caller that created it only, freed after
 * `gatewayContextKeepAliveMs` (the data nodes free theirs after the same time).
 */
export class GatewayQueryContexts {
  private readonly contexts = new Map<string, GatewayContext>();

  constructor(
    private readonly newId: () => string,
    private readonly release: (context: Pick<GatewayContext, 'phases'>) => Promise<void>,
  ) {}

  get size(): number {
    return this.contexts.size;
  }

  open(owner: ScrollOwner, context: Pick<GatewayContext, 'phases' | 'phaseOfShard'>): string {
    if (this.contexts.size >= remoteShardSearchLimits.gatewayContextsMax) {
      throw errors.rejectedExecution(`too many cross-cluster query phases awaiting their fetch on this node [${remoteShardSearchLimits.gatewayContextsMax}]`);
    }
    const id = this.newId();
    const timer = setTimeout(() => {
      const expired = this.contexts.get(id);
      this.contexts.delete(id);
      if (expired !== undefined) void this.release(expired).catch(() => undefined);
    }, remoteShardSearchLimits.gatewayContextKeepAliveMs);
    timer.unref();
    this.contexts.set(id, { ...context, owner: JSON.stringify(owner), timer });
    return id;
  }

  /** The context, removed; undefined when unknown here or another caller's (never said apart). */
  take(id: string, owner: ScrollOwner): Pick<GatewayContext, 'phases' | 'phaseOfShard'> | undefined {
    const context = this.contexts.get(id);
    if (context === undefined || context.owner !== JSON.stringify(owner)) return undefined;
    this.contexts.delete(id);
    clearTimeout(context.timer);
    return context;
  }

  has(id: string): boolean {
    return this.contexts.has(id);
  }

  close(): void {
    for (const context of this.contexts.values()) clearTimeout(context.timer);
    this.contexts.clear();
  }
}

/**
 * `ccs_minimize_roundtrips=false`: every shard's own result, the data nodes' contexts kept under
 * one gateway id that only `caller` (the remote caller) may fetch or free. Without `clusterAlias`,
 * the local part of an unminimized cross-cluster search this cluster coordinates (wire-search.ts). `owner` is the one the
 * data nodes open their contexts with.
 */
export async function remoteQueryPhaseOnNodes(options: NodePhaseOptions & { readonly contexts: GatewayQueryContexts; readonly caller: ScrollOwner }): Promise<RemoteQueryPhase> {
  const { phases, failures, total } = await queryPhasesOnNodes(options);
  const { shardResults, mappings, failures: partFailures } = collectPhases(phases);
  const phaseOfShard = new Map<string, number>();
  phases.forEach(({ phase }, i) => {
    for (const result of phase.shardResults) phaseOfShard.set(result.shardKey, i);
  });
  let contextId: string;
  try {
    contextId = options.contexts.open(options.caller, { phases: phases.map(({ part, phase }) => ({ part: { nodeId: part.nodeId }, phase: { contextId: phase.contextId } })), phaseOfShard });
  } catch (error) {
    await releasePhases({ ...options, phases, keep: new Set() });
    throw error;
  }
  const allFailures = [...failures, ...partFailures];
  return {
    contextId,
    shardResults,
    shards: { total, successful: total - allFailures.length, skipped: 0, failed: allFailures.length },
    failures: allFailures,
    mappings,
  };
}

interface GatewayFetchOptions {
  readonly search: SearchService;
  readonly channel: ShardSearchChannel;
  readonly localNodeId: string;
  /** The owner the data nodes' contexts were opened with (the gateway's, not the remote caller's). */
  readonly nodeOwner: ScrollOwner;
  readonly contexts: GatewayQueryContexts;
}

/**
 * The fetch of hits a querying cluster picked from a gateway query phase: each data node renders
 * its own (in the order given); the contexts of nodes none of whose hits made the page are freed.
 * Undefined when `contextId` is not a gateway context of this node (a single node's own context).
 */
export async function remoteFetchOnNodes(options: GatewayFetchOptions, contextId: string, hits: readonly ShardHit[], caller: ScrollOwner): Promise<Record<string, unknown>[] | undefined> {
  if (!options.contexts.has(contextId)) return undefined;
  const context = options.contexts.take(contextId, caller);
  if (context === undefined) throw allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.searchContextMissing(contextId) }], 'fetch');
  const byPhase = new Map<number, ShardHit[]>();
  for (const hit of hits) {
    const i = typeof hit?.shardKey === 'string' ? context.phaseOfShard.get(hit.shardKey) : undefined;
    if (i === undefined) {
      await releasePhases({ ...options, owner: options.nodeOwner, phases: context.phases, keep: new Set() });
      throw errors.illegalArgument(`malformed cross-cluster fetch: a hit names shard [${String(hit?.shardKey)}], which the query phase [${contextId}] did not search`);
    }
    const list = byPhase.get(i);
    if (list === undefined) byPhase.set(i, [hit]);
    else list.push(hit);
  }
  await releasePhases({ ...options, owner: options.nodeOwner, phases: context.phases, keep: new Set(byPhase.keys()) });
  const documents = await fetchOnNodes({ ...options, owner: options.nodeOwner, phases: context.phases, hitsByPhase: byPhase });
  return hits.map((hit) => documents.get(hit)!);
}

/** Frees a gateway query phase's contexts on every data node; undefined when `contextId` is not a gateway context here. */
export async function remoteFreeOnNodes(options: GatewayFetchOptions, contextId: string, caller: ScrollOwner): Promise<boolean | undefined> {
  if (!options.contexts.has(contextId)) return undefined;
  const context = options.contexts.take(contextId, caller);
  if (context === undefined) return false;
  await releasePhases({ ...options, owner: options.nodeOwner, phases: context.phases, keep: new Set() });
  return true;
}
