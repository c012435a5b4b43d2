import { EsError, errors } from '../common/index.js';
import { mergeShardResults, type FieldMappings, type ShardResult } from '../index/searcher/index.js';
import type { IndexHandle } from '../index/index.js';
import type { FieldCapsIndex } from './field-caps.js';
import { splitIndexExpression } from './expression.js';
import { renderShards, typedKeys } from './response.js';
import type { ClusterSearchResult, SearchAuthorizer, SearchInput, SearchService } from './search-service.js';
import { rejectAcrossClusters } from './search-extras.js';

/**
 * Cross-cluster search, coordinating side (spec §7): split the expression, search the local
 * part here and each remote part on its cluster (one request per cluster, ccs_minimize_roundtrips),
 * merge with the same pure merge as local shards, and report `_clusters`.
 */
export interface RemoteClusters {
  aliases(): readonly string[];
  skipUnavailable(alias: string): boolean;
  /** Runs the search on the alias's cluster as `caller`; rejects with that cluster's EsError. */
  search(alias: string, input: SearchInput, caller: unknown): Promise<ClusterSearchResult>;
  /** The alias's matching indices with their mappings (names as `alias:index`). */
  fieldCaps(alias: string, input: SearchInput, caller: unknown): Promise<FieldCapsIndex[]>;
}

/**
 * Runs the local part of a cross-cluster search on this cluster's nodes (a multi-node cluster,
 * src/node/wire-search.ts): this cluster's top hits rendered with partial aggregations, as a
 * remote cluster answers them; undefined when this node's own stores answer it (localPart).
 */
export type LocalAcross = (input: SearchInput) => Promise<ClusterSearchResult | undefined>;

/** Local authorization for a request that may also target other clusters (which authorize their own indices). */
export type ClusterAuthorizer = SearchAuthorizer & { delegateToRemote?(): void };

export interface ClusterPlan {
  /** The local expression (comma-joined), or undefined when no element targets this cluster. */
  readonly local: string | undefined;
  readonly remotes: readonly { readonly alias: string; readonly expression: string }[];
}

/** Splits an expression; undefined when it names no remote cluster (a purely local request). */
export function planClusters(expression: string | undefined, remotes: RemoteClusters): ClusterPlan | undefined {
  if (expression === undefined || !expression.includes(':')) return undefined;
  const split = splitIndexExpression(expression, remotes.aliases());
  if (split.remote.size === 0) return split.local.length === 0 ? { local: undefined, remotes: [] } : undefined;
  return {
    local: split.local.length === 0 ? undefined : split.local.join(','),
    remotes: [...split.remote].map(([alias, parts]) => ({ alias, expression: parts.join(',') })),
  };
}

type ClusterStatus = 'successful' | 'partial' | 'skipped' | 'failed';

interface ClusterDetail {
  status: ClusterStatus;
  indices: string;
  took?: number;
  timed_out: boolean;
  _shards?: Record<string, unknown>;
  failures?: Record<string, unknown>[];
}

function clusterFailure(error: unknown): Record<string, unknown> {
  const cause = error instanceof EsError ? error.toCause() : { type: 'exception', reason: error instanceof Error ? error.message : String(error) };
  return { shard: -1, index: null, reason: cause };
}

function renderClusters(details: Map<string, ClusterDetail>): Record<string, unknown> {
  const values = [...details.values()];
  const count = (status: ClusterStatus): number => values.filter((detail) => detail.status === status).length;
  return {
    total: values.length,
    successful: count('successful'),
    skipped: count('skipped'),
    running: 0,
    partial: count('partial'),
    failed: count('failed'),
    details: Object.fromEntries(details),
  };
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Runs every remote part; a failing remote is skipped when skip_unavailable allows, else the search fails. */
async function runRemotes<T>(
  plan: ClusterPlan,
  remotes: RemoteClusters,
  run: (alias: string, expression: string) => Promise<T>,
): Promise<Map<string, Outcome<T>>> {
  const outcomes = await Promise.all(
    plan.remotes.map(async ({ alias, expression }): Promise<[string, Outcome<T>]> => {
      try {
        return [alias, { ok: true, value: await run(alias, expression) }];
      } catch (error) {
        if (!remotes.skipUnavailable(alias)) throw error;
        return [alias, { ok: false, error }];
      }
    }),
  );
  return new Map(outcomes);
}

/** `_search` across clusters: the whole response, `_clusters` included. */
export async function searchAcrossClusters(
  service: SearchService,
  input: SearchInput,
  plan: ClusterPlan,
  access: ClusterAuthorizer,
  remotes: RemoteClusters,
  caller: unknown,
  localAcross?: LocalAcross,
): Promise<Record<string, unknown>> {
  const started = Date.now();
  access.delegateToRemote?.();
  if (input.params['scroll'] !== undefined) throw errors.illegalArgument('scroll is not supported for searches that target remote clusters; use search_after');
  const parsed = service.parseForClusters(input);
  rejectAcrossClusters(parsed.extras);
  const { ccs_minimize_roundtrips: _minimize, ...params } = input.params;
  const details = new Map<string, ClusterDetail>();
  const shardResults: ShardResult[] = [];
  const mappings: Record<string, FieldMappings[string]> = {};
  const shards = { total: 0, successful: 0, skipped: 0, failed: 0 };
  const failures: Record<string, unknown>[] = [];
  const gathered: Gathered = { shardResults, mappings, shards, failures, details };
  let fetchLocal: ((hits: readonly ShardResult['hits'][number][]) => Record<string, unknown>[]) | undefined;
  const remoteRun = runRemotes(plan, remotes, (alias, expression) => remotes.search(alias, { expression, params, body: input.body }, caller));
  // Awaited below; if the local part throws first, a failing remote must not become an unhandled rejection (it would stop the node).
  remoteRun.catch(() => undefined);
  // The local part on this cluster's nodes (a multi-node cluster): its answer merges as a remote's does.
  const across = plan.local === undefined || localAcross === undefined ? undefined : await localAcross({ expression: plan.local, params, body: input.body });
  if (across !== undefined) {
    addClusterResult('(local)', plan.local!, across, gathered);
  } else if (plan.local !== undefined) {
    const localStarted = Date.now();
    const local = service.localPart({ ...input, expression: plan.local }, parsed, access);
    shardResults.push(...local.shardResults);
    Object.assign(mappings, local.mappings);
    fetchLocal = local.fetch;
    const rendered = renderShards(local.shards);
    Object.assign(shards, { total: local.shards.total, successful: local.shards.successful, skipped: local.shards.skipped, failed: local.shards.failed });
    if (Array.isArray(rendered['failures'])) failures.push(...(rendered['failures'] as Record<string, unknown>[]));
    details.set('(local)', {
      status: local.shards.failed > 0 ? 'partial' : 'successful',
      indices: plan.local,
      took: Date.now() - localStarted,
      timed_out: false,
      _shards: { total: local.shards.total, successful: local.shards.successful, skipped: local.shards.skipped, failed: local.shards.failed },
    });
  }
  const outcomes = await remoteRun;
  for (const { alias, expression } of plan.remotes) {
    const outcome = outcomes.get(alias)!;
    if (!outcome.ok) {
      details.set(alias, { status: 'skipped', indices: expression, timed_out: false, failures: [clusterFailure(outcome.error)] });
      continue;
    }
    addClusterResult(alias, expression, outcome.value, gathered);
  }
  const merged = mergeShardResults(shardResults, parsed.request);
  const localHits = merged.hits.filter((hit) => !('rendered' in hit));
  const renderedLocal = localHits.length > 0 && fetchLocal !== undefined ? fetchLocal(localHits) : [];
  let localCursor = 0;
  const hits = merged.hits.map((hit) => ('rendered' in hit ? (hit as { rendered: Record<string, unknown> }).rendered : renderedLocal[localCursor++]!));
  const aggregations =
    merged.aggregations === undefined ? undefined : parsed.typedKeys ? typedKeys(merged.aggregations, parsed.request.aggregations, mappings) : merged.aggregations;
  const response: Record<string, unknown> = {
    took: Date.now() - started,
    timed_out: merged.timedOut,
    ...(parsed.request.terminateAfter !== undefined ? { terminated_early: merged.terminatedEarly } : {}),
    ...reducePhasesField(plan, details),
    _shards: { ...shards, ...(failures.length > 0 ? { failures } : {}) },
    _clusters: renderClusters(details),
    hits: {
      ...(merged.total !== undefined ? { total: parsed.restTotalHitsAsInt ? merged.total.value : merged.total } : {}),
      max_score: merged.maxScore,
      hits,
    },
  };
  if (aggregations !== undefined) response['aggregations'] = aggregations;
  return response;
}

/** What the merge of a cross-cluster search gathers, cluster by cluster. */
interface Gathered {
  readonly shardResults: ShardResult[];
  readonly mappings: Record<string, FieldMappings[string]>;
  readonly shards: { total: number; successful: number; skipped: number; failed: number };
  readonly failures: Record<string, unknown>[];
  readonly details: Map<string, ClusterDetail>;
}

/** Adds one cluster's reduced answer (a remote's, or the local part run on a multi-node cluster's nodes), its `_shards` to the sums. */
function addClusterResult(cluster: string, expression: string, result: ClusterSearchResult, gathered: Gathered): void {
  gathered.shardResults.push({
    shardKey: cluster === '(local)' ? '' : `${cluster}:`,
    totalHits: result.totalHits,
    totalRelation: result.totalRelation,
    maxScore: result.maxScore ?? -Infinity,
    hits: result.hits,
    aggregations: result.aggregations,
    terminatedEarly: result.terminatedEarly,
    ...(result.timedOut === true ? { timedOut: true } : {}),
  });
  for (const [path, mapping] of Object.entries(result.mappings)) gathered.mappings[path] ??= mapping;
  if (result.shards.failures !== undefined) gathered.failures.push(...result.shards.failures);
  gathered.details.set(cluster, {
    status: result.shards.failed > 0 ? 'partial' : 'successful',
    indices: expression,
    took: result.tookMs,
    timed_out: result.timedOut === true,
    _shards: { total: result.shards.total, successful: result.shards.successful, skipped: result.shards.skipped, failed: result.shards.failed },
    ...(result.shards.failures !== undefined && result.shards.failures.length > 0 ? { failures: [...result.shards.failures] } : {}),
  });
  const { shards } = gathered;
  shards.total += result.shards.total;
  shards.successful += result.shards.successful;
  shards.skipped += result.shards.skipped;
  shards.failed += result.shards.failed;
}

/**
 * `num_reduce_phases` of a cross-cluster search, which Elasticsearch writes only when it is not 1.
 * One cluster alone answers with its own response (one reduce). Several clusters are merged as
 * Elasticsearch's SearchResponseMerger does: one final reduce plus each answering cluster's own.
 */
function reducePhasesField(plan: ClusterPlan, details: ReadonlyMap<string, ClusterDetail>): { num_reduce_phases?: number } {
  const clusters = plan.remotes.length + (plan.local !== undefined ? 1 : 0);
  if (clusters <= 1) return {};
  const answered = [...details.values()].filter((detail) => detail.status !== 'skipped').length;
  const phases = 1 + answered;
  return phases === 1 ? {} : { num_reduce_phases: phases };
}

/** `_count` across clusters: a size-0 search with exact totals. */
export async function countAcrossClusters(
  service: SearchService,
  input: SearchInput,
  plan: ClusterPlan,
  access: ClusterAuthorizer,
  remotes: RemoteClusters,
  caller: unknown,
  localAcross?: LocalAcross,
): Promise<Record<string, unknown>> {
  const body = (input.body ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(body).filter((key) => key !== 'query');
  if (unknown.length > 0) throw errors.parsing(`request does not support [${unknown[0]}]`);
  const searchInput: SearchInput = { expression: input.expression, params: input.params, body: { ...body, size: 0, track_total_hits: true } };
  const response = await searchAcrossClusters(service, searchInput, plan, access, remotes, caller, localAcross);
  const total = (response['hits'] as { total?: { value: number } | number }).total;
  return { count: typeof total === 'number' ? total : (total?.value ?? 0), _shards: response['_shards'], _clusters: response['_clusters'] };
}

/** `_field_caps` across clusters: remote indices join the local ones in one answer. */
export async function fieldCapsAcrossClusters(
  service: SearchService,
  input: SearchInput,
  plan: ClusterPlan,
  access: ClusterAuthorizer,
  remotes: RemoteClusters,
  caller: unknown,
  /** Whether a local index takes part under the request's `index_filter`, decided on this cluster's nodes (a multi-node cluster); read here without it. */
  indexFilterMatches?: (handle: IndexHandle) => boolean,
): Promise<Record<string, unknown>> {
  access.delegateToRemote?.();
  const outcomes = await runRemotes(plan, remotes, (alias, expression) => remotes.fieldCaps(alias, { expression, params: input.params, body: input.body }, caller));
  const remoteIndices: FieldCapsIndex[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const [alias, outcome] of outcomes) {
    if (outcome.ok) remoteIndices.push(...outcome.value);
    else failures.push({ indices: [`${alias}:*`], failure: outcome.error instanceof EsError ? outcome.error.toCause() : { type: 'exception', reason: String(outcome.error) } });
  }
  const response = service.fieldCaps({ ...input, expression: plan.local ?? '' }, access, remoteIndices, indexFilterMatches);
  return failures.length > 0 ? { ...response, failures } : response;
}
