/**
 * Cross-cluster search with `ccs_minimize_roundtrips=false`, coordinating side: each cluster
 * (this one included) runs only the query phase and answers every shard's own result; this node
 * reduces all shards at once with the same pure merge as a local search, then asks each cluster
 * to fetch just the hits of the final page (and to free the query phase of a cluster none of
 * whose hits made it). The answer equals the minimized mode's.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-cross-cluster-search.html#ccs-min-roundtrips
 */
import { EsError } from '../common/index.js';
import { mergeShardResults, type FieldMappings, type ShardHit, type ShardResult } from '../index/searcher/index.js';
import type { ClusterAuthorizer, ClusterPlan, RemoteClusters } from './ccs.js';
import { typedKeys } from './response.js';
import type { ScrollOwner } from './scroll.js';
import type { RemoteQueryPhase, SearchInput, SearchService } from './search-service.js';
import { rejectAcrossClusters } from './search-extras.js';

/** What the unminimized mode needs from the remote clusters (RemoteClustersClient implements it). */
export interface QueryPhaseRemotes {
  queryPhase(alias: string, input: SearchInput, caller: unknown): Promise<RemoteQueryPhase>;
  fetchPhase(alias: string, contextId: string, hits: readonly ShardHit[], caller: unknown): Promise<Record<string, unknown>[]>;
  freeContext(alias: string, contextId: string, caller: unknown): Promise<void>;
}

/**
 * The local part's query phase, fetch and free when they run on this cluster's nodes (a
 * multi-node cluster, src/node/wire-search.ts) rather than in this node's stores.
 */
export interface LocalQueryPhases {
  queryPhase(input: SearchInput): Promise<RemoteQueryPhase>;
  fetch(contextId: string, hits: readonly ShardHit[]): Promise<Record<string, unknown>[]>;
  free(contextId: string): Promise<void>;
}

function clusterFailure(error: unknown): Record<string, unknown> {
  const cause = error instanceof EsError ? error.toCause() : { type: 'exception', reason: error instanceof Error ? error.message : String(error) };
  return { shard: -1, index: null, reason: cause };
}

export async function searchAcrossClustersUnminimized(
  service: SearchService,
  input: SearchInput,
  plan: ClusterPlan,
  access: ClusterAuthorizer,
  remotes: RemoteClusters & QueryPhaseRemotes,
  owner: ScrollOwner,
  caller: unknown,
  local?: LocalQueryPhases,
): Promise<Record<string, unknown>> {
  const started = Date.now();
  access.delegateToRemote?.();
  const parsed = service.parseForClusters(input);
  rejectAcrossClusters(parsed.extras);
  const { ccs_minimize_roundtrips: _minimize, ...params } = input.params;
  const parts: { alias: string | undefined; expression: string }[] = [...(plan.local !== undefined ? [{ alias: undefined, expression: plan.local }] : []), ...plan.remotes];
  // Query phase everywhere; a remote that fails is skipped when skip_unavailable allows.
  const outcomes = await Promise.allSettled(
    parts.map(async ({ alias, expression }) => {
      const clusterInput = { expression, params, body: input.body };
      if (alias !== undefined) return remotes.queryPhase(alias, clusterInput, caller);
      return local !== undefined ? local.queryPhase(clusterInput) : service.queryPhaseAsRemote(clusterInput, access, owner, undefined);
    }),
  );
  const release = (keep: ReadonlySet<number>): Promise<unknown> =>
    Promise.all(
      outcomes.map((outcome, i) => {
        if (outcome.status !== 'fulfilled' || keep.has(i)) return undefined;
        const alias = parts[i]!.alias;
        if (alias !== undefined) return remotes.freeContext(alias, outcome.value.contextId, caller).catch(() => undefined);
        return local !== undefined ? local.free(outcome.value.contextId).catch(() => undefined) : service.freeQueryContext(outcome.value.contextId, owner);
      }),
    );
  for (const [i, outcome] of outcomes.entries()) {
    const alias = parts[i]!.alias;
    if (outcome.status === 'rejected' && (alias === undefined || !remotes.skipUnavailable(alias))) {
      await release(new Set());
      throw outcome.reason;
    }
  }
  const shardResults: ShardResult[] = [];
  const clusterOf = new Map<ShardHit, number>();
  const mappings: Record<string, FieldMappings[string]> = {};
  const shards = { total: 0, successful: 0, skipped: 0, failed: 0 };
  const failures: Record<string, unknown>[] = [];
  const details: Record<string, Record<string, unknown>> = {};
  outcomes.forEach((outcome, i) => {
    const { alias, expression } = parts[i]!;
    const name = alias ?? '(local)';
    if (outcome.status === 'rejected') {
      details[name] = { status: 'skipped', indices: expression, timed_out: false, failures: [clusterFailure(outcome.reason)] };
      return;
    }
    const phase = outcome.value;
    for (const result of phase.shardResults) {
      shardResults.push(result);
      for (const hit of result.hits) clusterOf.set(hit, i);
    }
    for (const [path, mapping] of Object.entries(phase.mappings)) mappings[path] ??= mapping;
    shards.total += phase.shards.total;
    shards.successful += phase.shards.successful;
    shards.skipped += phase.shards.skipped;
    shards.failed += phase.shards.failed;
    failures.push(...phase.failures);
    details[name] = {
      status: phase.shards.failed > 0 ? 'partial' : 'successful',
      indices: expression,
      timed_out: phase.shardResults.some((result) => result.timedOut === true),
      _shards: phase.shards,
      ...(phase.failures.length > 0 ? { failures: [...phase.failures] } : {}),
    };
  });
  // One reduce over every shard of every cluster, then each cluster fetches its share of the page.
  const merged = mergeShardResults(shardResults, parsed.request);
  const byCluster = new Map<number, ShardHit[]>();
  for (const hit of merged.hits) {
    const i = clusterOf.get(hit)!;
    byCluster.set(i, [...(byCluster.get(i) ?? []), hit]);
  }
  await release(new Set(byCluster.keys()));
  const rendered = new Map<ShardHit, Record<string, unknown>>();
  await Promise.all(
    [...byCluster].map(async ([i, hits]) => {
      const alias = parts[i]!.alias;
      const contextId = (outcomes[i] as PromiseFulfilledResult<RemoteQueryPhase>).value.contextId;
      const documents =
        alias !== undefined ? await remotes.fetchPhase(alias, contextId, hits, caller) : local !== undefined ? await local.fetch(contextId, hits) : service.fetchAsRemote(contextId, hits, owner);
      hits.forEach((hit, k) => rendered.set(hit, documents[k]!));
    }),
  );
  const aggregations =
    merged.aggregations === undefined ? undefined : parsed.typedKeys ? typedKeys(merged.aggregations, parsed.request.aggregations, mappings) : merged.aggregations;
  const values = Object.values(details);
  const count = (status: string): number => values.filter((detail) => detail['status'] === status).length;
  const response: Record<string, unknown> = {
    took: Date.now() - started,
    timed_out: merged.timedOut,
    ...(parsed.request.terminateAfter !== undefined ? { terminated_early: merged.terminatedEarly } : {}),
    _shards: { ...shards, ...(failures.length > 0 ? { failures } : {}) },
    _clusters: { total: values.length, successful: count('successful'), skipped: count('skipped'), running: 0, partial: count('partial'), failed: 0, details },
    hits: {
      ...(merged.total !== undefined ? { total: parsed.restTotalHitsAsInt ? merged.total.value : merged.total } : {}),
      max_score: merged.maxScore,
      hits: merged.hits.map((hit) => rendered.get(hit)!),
    },
  };
  if (aggregations !== undefined) response['aggregations'] = aggregations;
  return response;
}
