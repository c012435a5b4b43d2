/**
 * Searching shards that live on several nodes of one cluster (issue #14). The coordinating node
 * picks one copy of each shard, round robin over the started copies (Elasticsearch's default
 * before adaptive replica selection), asks each node for the query phase of its picked shards
 * (`indices:data/read/search[phase/query]`, with `preference=_shards:...` so the node searches
 * exactly those), reduces every shard's result with the pure merge local and cross-cluster
 * searches use (mergeShardResults), then has each node fetch only the hits of the page
 * (`[phase/fetch/id]`) and free the other contexts (`[free_context]`). A node that fails its part
 * is retried once on other copies of its shards; what still fails is reported per shard.
 * Within a task (the coordinating node's `indices:data/read/search`), each node's query phase is
 * a child task there (`[phase/query]` with `parent_task_id`); cancelling the task cancels them
 * (this node's with it, the others' by `internal:admin/tasks/ban`).
 *
 * The shard-level actions share their names with the cross-cluster ones (src/remote/server.ts):
 * the node's transport handler for each name serves peers of this cluster here and remote
 * clusters there (by the handshake's cluster), see `shardSearchHandlers`.
 */
import { errors, EsError } from '../common/errors.js';
import { mergeShardResults, type FieldMappings, type QueryNode, type ShardHit, type ShardResult } from '../index/searcher/index.js';
import type { ReadRestriction } from '../index/index.js';
import type { TransportHandler, TransportRequest } from '../transport/index.js';
import { dedupeCauses, shardFailuresStatus, typedKeys } from './response.js';
import type { ScrollOwner } from './scroll.js';
import { rejectAcrossClusters } from './search-extras.js';
import { combinedAliasFilter } from './alias-filter.js';
import type { ParsedSearch } from './request.js';
import type { RemoteQueryPhase, SearchAuthorizer, SearchInput, SearchService } from './search-service.js';
import { parseDfsStatistics, sumDfsStatistics, type DfsStatistics } from './dfs.js';
import { copyPreferenceOf } from './shard-selection.js';
import { mergeSuggest, type MergedSuggest } from './suggest.js';
import { pickCopy } from './multi-node-search.js';
import { currentTask, parseTaskId, searchDescription, type TaskStart } from '../tasks/task-manager.js';

export const SHARD_SEARCH_ACTIONS = {
  dfs: 'indices:data/read/search[phase/dfs]',
  query: 'indices:data/read/search[phase/query]',
  fetch: 'indices:data/read/search[phase/fetch/id]',
  freeContext: 'indices:data/read/search[free_context]',
} as const;

/**
 * Cancels, on the node it is sent to, the tasks there that are children of a cancelled task of
 * this cluster, and bans that parent so children still on their way start cancelled
 * (Elasticsearch's TaskCancellationService sends this ban to the nodes of the children).
 */
export const TASK_BAN_ACTION = 'internal:admin/tasks/ban';

export const shardSearchLimits = {
  requestTimeoutMs: 60_000, // ours: a node's query or fetch phase unanswered for this long fails its shards
} as const;

/** A shard of an index and where its copies are (from the applied routing table). */
export interface ShardCopies {
  readonly index: string;
  readonly shard: number;
  /** Node ids of the started copies, primary first. */
  readonly nodes: readonly string[];
  /**
   * The filters of the aliases the search reached this index through (as defined, unparsed): the
   * coordinating node decides them and they travel with the shard request, as Elasticsearch's
   * ShardSearchRequest carries its AliasFilter, because the data node sees only the index's name.
   */
  readonly aliasFilter?: readonly unknown[];
  /**
   * The caller's document and field level security on this index, decided by the coordinating
   * node: it travels with the shard request (`read_restriction`: the DLS query and the FLS sets)
   * and the data node reads its copy under it.
   */
  readonly readRestriction?: ReadRestriction;
}

export interface ShardSelection {
  readonly index: string;
  readonly shard: number;
  readonly nodeId: string;
  /** The other started copies, in the order a retry tries them. */
  readonly alternatives: readonly string[];
}

/**
 * One copy per shard, round robin: the `cursor`-th search starts at copy `cursor mod copies`, so
 * consecutive searches spread over every copy. Shards without a started copy are returned apart.
 * Pure; the caller keeps the cursor (returned advanced by one).
 */
export function selectShardCopies(
  shards: readonly ShardCopies[],
  cursor: number,
  preference?: string,
  localNodeId?: string,
): { readonly selections: ShardSelection[]; readonly unavailable: ShardCopies[]; readonly cursor: number } {
  const selections: ShardSelection[] = [];
  const unavailable: ShardCopies[] = [];
  // `preference` chooses the copy (`_local`, `_only_local`, `_prefer_nodes:`, `_only_nodes:`, a
  // custom string: OperationRouting.preferenceActiveShardIterator); without one, round robin.
  const copyPreference = copyPreferenceOf(preference);
  for (const shard of shards) {
    if (shard.nodes.length === 0) {
      unavailable.push(shard);
      continue;
    }
    const first = cursor % shard.nodes.length;
    const rotated = [...shard.nodes.slice(first), ...shard.nodes.slice(0, first)];
    if (copyPreference === undefined) {
      selections.push({ index: shard.index, shard: shard.shard, nodeId: rotated[0]!, alternatives: rotated.slice(1) });
      continue;
    }
    const picked = pickCopy(shard.nodes, localNodeId ?? '', copyPreference, cursor);
    if (picked === undefined) {
      if (copyPreference.startsWith('_only_nodes:')) throw errors.illegalArgument(`no data nodes with criteria [${copyPreference.slice('_only_nodes:'.length)}] found for shard: [${shard.index}][${shard.shard}]`);
      unavailable.push(shard); // `_only_local` without a copy here
      continue;
    }
    // The `_only_` preferences never fall back to other copies.
    const alternatives = copyPreference.startsWith('_only_') ? [] : rotated.filter((node) => node !== picked);
    selections.push({ index: shard.index, shard: shard.shard, nodeId: picked, alternatives });
  }
  return { selections, unavailable, cursor: cursor + 1 };
}

/** Requests to one node for one index's picked shards. */
export interface NodePart {
  readonly nodeId: string;
  readonly index: string;
  readonly shards: readonly number[];
}

export function groupByNode(selections: readonly Pick<ShardSelection, 'index' | 'shard' | 'nodeId'>[]): NodePart[] {
  const parts = new Map<string, { nodeId: string; index: string; shards: number[] }>();
  for (const selection of selections) {
    const key = `${selection.nodeId}\u0000${selection.index}`;
    const part = parts.get(key) ?? { nodeId: selection.nodeId, index: selection.index, shards: [] };
    part.shards.push(selection.shard);
    parts.set(key, part);
  }
  return [...parts.values()].map((part) => ({ ...part, shards: part.shards.sort((a, b) => a - b) }));
}

/** How the coordinating node reaches the data nodes (a NodeChannel in practice). */
export interface ShardSearchChannel {
  request(nodeId: string, action: string, body: unknown, timeoutMs: number): Promise<unknown>;
}

function partInput(part: NodePart, input: SearchInput, bodyFor?: (part: NodePart) => unknown): SearchInput {
  return { expression: part.index, params: { ...input.params, preference: `_shards:${part.shards.join(',')}` }, body: bodyFor === undefined ? input.body : bodyFor(part) };
}

/** What the data nodes need to run a search's shard phases (the coordinating node's side). */
export interface NodePhaseOptions {
  readonly search: SearchService;
  readonly input: SearchInput;
  readonly shards: readonly ShardCopies[];
  readonly cursor: number;
  readonly localNodeId: string;
  readonly channel: ShardSearchChannel;
  readonly access: SearchAuthorizer;
  readonly owner: ScrollOwner;
  /** A remote cluster's search (this cluster is the remote): `_index` and shard keys read `alias:index`. */
  readonly clusterAlias?: string;
  /** The body each node's part runs with (a point in time names each node's own context, wire-pit.ts); `input.body` without it. */
  readonly bodyFor?: (part: NodePart) => unknown;
  /** The caller merges the shards' suggest phases (searchShardsOnNodes); without it `suggest` is refused as across clusters. */
  readonly mergesSuggest?: boolean;
}

/** The query phases of a search's shards on the nodes holding them: each node's answer, and the shards that failed. */
export interface NodeQueryPhases {
  readonly parsed: ParsedSearch;
  readonly phases: readonly { readonly part: NodePart; readonly phase: RemoteQueryPhase }[];
  /** The shards that failed (after one retry on other copies), rendered as `_shards.failures` entries. */
  readonly failures: readonly Record<string, unknown>[];
  /** Every shard searched (failed ones included). */
  readonly total: number;
}

/** How each node's part of a search is sent: this node's in process, the others over the channel. */
function partRequests(options: Pick<NodePhaseOptions, 'shards' | 'access' | 'clusterAlias'>) {
  const { access, clusterAlias } = options;
  const aliasFilters = new Map(options.shards.flatMap((shard) => (shard.aliasFilter === undefined ? [] : [[shard.index, shard.aliasFilter] as const])));
  const restrictions = new Map(options.shards.flatMap((shard) => (shard.readRestriction === undefined ? [] : [[shard.index, shard.readRestriction] as const])));
  const localAccess: SearchAuthorizer =
    restrictions.size === 0 ? access : { ...access, readRestriction: (action, index, aliases) => restrictions.get(index) ?? access.readRestriction?.(action, index, aliases) };
  const travelling = (index: string): Record<string, unknown> => {
    const restriction = restrictions.get(index);
    if (restriction === undefined) return {};
    return { read_restriction: { ...(restriction.query !== undefined ? { query: restriction.query } : {}), ...(restriction.fieldSets !== undefined ? { field_sets: restriction.fieldSets } : {}) } };
  };
  const localAliasFilter = (index: string): ReadonlyMap<string, QueryNode> | undefined => {
    const filter = combinedAliasFilter(aliasFilters.get(index));
    return filter === undefined ? undefined : new Map([[index, filter]]);
  };
  const wireBody = (part: NodePart, sent: SearchInput): Record<string, unknown> => ({
    expression: sent.expression,
    params: sent.params,
    body: sent.body ?? null,
    ...(clusterAlias !== undefined ? { cluster_alias: clusterAlias } : {}),
    ...(aliasFilters.has(part.index) ? { alias_filter: aliasFilters.get(part.index) } : {}),
    ...travelling(part.index),
  });
  return { localAccess, localAliasFilter, wireBody };
}

/**
 * The DFS phase of `dfs_query_then_fetch` on the nodes of `parts` (one picked copy of each shard):
 * every node's statistics for the fields and terms the query scores with, summed (dfs.ts). A node
 * failing it fails the search (`search_phase_execution_exception`, phase `dfs`). A scroll runs it
 * once when it opens (wire-scroll.ts), as Elasticsearch's scroll keeps its first DFS.
 */
export async function dfsPhasesOnNodes(
  options: Pick<NodePhaseOptions, 'search' | 'input' | 'shards' | 'localNodeId' | 'channel' | 'access' | 'clusterAlias' | 'bodyFor'>,
  parts: readonly NodePart[],
): Promise<DfsStatistics> {
  const { search, localNodeId, channel } = options;
  const { localAccess, localAliasFilter, wireBody } = partRequests(options);
  // The DFS phase keeps no context: a scroll's keep-alive is not its business.
  const { scroll: _scroll, ...params } = options.input.params;
  const input = { ...options.input, params };
  const outcomes = await Promise.allSettled(
    parts.map((part) => {
      const sent = partInput(part, input, options.bodyFor);
      return part.nodeId === localNodeId
        ? Promise.resolve().then(() => search.dfsPhaseAsRemote(sent, localAccess, localAliasFilter(part.index)))
        : channel.request(part.nodeId, SHARD_SEARCH_ACTIONS.dfs, wireBody(part, sent), shardSearchLimits.requestTimeoutMs).then((answer) => parseDfsStatistics(answer, SHARD_SEARCH_ACTIONS.dfs));
    }),
  );
  const failed = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [{ part: parts[i]!, cause: outcome.reason instanceof EsError ? outcome.reason : errors.internal(String(outcome.reason)) }] : []));
  if (failed.length > 0) {
    const causes = failed.flatMap(({ part, cause }) => part.shards.map((shard) => ({ shard, index: part.index, node: part.nodeId, reason: cause.toCause() })));
    const status = failed.some(({ cause }) => cause.status < 500) ? failed.find(({ cause }) => cause.status < 500)!.cause.status : 503;
    throw errors.searchPhaseFailed(status, 'all shards failed', 'dfs', failed.map(({ cause }) => cause), failed[0]!.cause, causes);
  }
  return sumDfsStatistics(outcomes.map((outcome) => (outcome as PromiseFulfilledResult<DfsStatistics>).value));
}

/**
 * Runs the query phase of every shard on one started copy (round robin), retrying a failed node's
 * shards once on their other copies. Throws `search_phase_execution_exception` when every shard
 * failed, or some did and partial results are not allowed (freeing what succeeded).
 */
export async function queryPhasesOnNodes(options: NodePhaseOptions): Promise<NodeQueryPhases> {
  const { search, input, localNodeId, channel, owner, clusterAlias } = options;
  if (input.params['scroll'] !== undefined) throw errors.illegalArgument('[scroll] is not supported by Strait for searches whose shards live on several nodes');
  const parsed = search.parseForClusters(input);
  rejectAcrossClusters(options.mergesSuggest === true ? { ...parsed.extras, suggest: [] } : parsed.extras, clusterAlias === undefined ? 'several nodes' : 'remote clusters');
  const { selections, unavailable } = selectShardCopies(options.shards, options.cursor, input.params['preference'], localNodeId);
  const { localAccess, localAliasFilter, wireBody } = partRequests(options);

  // `dfs_query_then_fetch` over several shards: the DFS phase first, on the same copies; its
  // statistics, summed, go with every query phase (dfs.ts). A node failing it fails the search.
  const dfs = input.params['search_type'] === 'dfs_query_then_fetch' && options.shards.length > 1 ? await dfsPhasesOnNodes(options, groupByNode(selections)) : undefined;

  // Within a task (a REST search across nodes), each node's query phase is a child task of it
  // there (`parent_task_id`), cancelled with it: this node's in process, the others by a ban.
  const parent = currentTask.getStore();
  const banned = new Set<string>();
  const childOf = (nodeId: string): Record<string, unknown> => {
    if (parent === undefined) return {};
    if (!banned.has(nodeId)) {
      banned.add(nodeId);
      parent.onCancel((reason) => {
        channel.request(nodeId, TASK_BAN_ACTION, { parent_task_id: parent.taskId, reason }, shardSearchLimits.requestTimeoutMs).catch(() => undefined); // a node gone has no child left
      });
    }
    return { parent_task_id: parent.taskId };
  };
  const queryPart = (part: NodePart): Promise<RemoteQueryPhase> => {
    const sent = partInput(part, input, options.bodyFor);
    if (part.nodeId !== localNodeId) {
      return channel.request(part.nodeId, SHARD_SEARCH_ACTIONS.query, { ...wireBody(part, sent), ...(dfs === undefined ? {} : { dfs }), ...childOf(part.nodeId) }, shardSearchLimits.requestTimeoutMs) as Promise<RemoteQueryPhase>;
    }
    if (parent === undefined) return Promise.resolve().then(() => search.queryPhaseAsRemote(sent, localAccess, owner, clusterAlias, localAliasFilter(part.index), dfs));
    return search.tasks.run(queryPhaseTask(sent, parent.taskId), () => search.queryPhaseAsRemoteCancellable(sent, localAccess, owner, clusterAlias, localAliasFilter(part.index), dfs));
  };

  // Query phase; a failed node's shards get one more try on their other copies.
  const phases: { part: NodePart; phase: RemoteQueryPhase }[] = [];
  const failures: { index: string; shard: number; node: string | null; cause: EsError }[] = [];
  const run = async (parts: readonly NodePart[]): Promise<{ part: NodePart; error: unknown }[]> => {
    const outcomes = await Promise.allSettled(parts.map(queryPart));
    const failed: { part: NodePart; error: unknown }[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') phases.push({ part: parts[i]!, phase: outcome.value });
      else failed.push({ part: parts[i]!, error: outcome.reason });
    });
    return failed;
  };
  const firstFailures = await run(groupByNode(selections));
  const retries: ShardSelection[] = [];
  const failedNodes = new Set(firstFailures.map((failure) => failure.part.nodeId));
  const failShard = (index: string, shard: number, nodeId: string | null, error: unknown): void => {
    failures.push({ index, shard, node: nodeId, cause: error instanceof EsError ? error : errors.internal(String(error)) });
  };
  const rendered = (): Record<string, unknown>[] => failures.map((failure) => ({ shard: failure.shard, index: failure.index, node: failure.node, reason: failure.cause.toCause() }));
  for (const { part, error } of firstFailures) {
    // Errors of the request itself (a bad query) would fail on every copy: not retried.
    const retryable = !(error instanceof EsError) || error.status >= 500;
    for (const shard of part.shards) {
      const selection = selections.find((candidate) => candidate.index === part.index && candidate.shard === shard)!;
      const next = selection.alternatives.find((nodeId) => !failedNodes.has(nodeId));
      if (retryable && next !== undefined) retries.push({ ...selection, nodeId: next, alternatives: [] });
      else failShard(part.index, shard, part.nodeId, shardCause(error));
    }
  }
  for (const { part, error } of await run(groupByNode(retries))) for (const shard of part.shards) failShard(part.index, shard, part.nodeId, shardCause(error));
  for (const shard of unavailable) failShard(shard.index, shard.shard, null, errors.noShardAvailable(shard.index, shard.shard));

  if (phases.length === 0) {
    // As one node answers when every shard failed (allShardsFailed): the shards' status (a bad
    // request's 400 on every shard), unless one failed with a 5xx; each cause once in `root_cause`.
    throw errors.searchPhaseFailed(shardFailuresStatus(failures), 'all shards failed', 'query', dedupeCauses(failures.map((failure) => failure.cause)), failures[0]?.cause, rendered());
  }
  if (failures.length > 0 && !parsed.allowPartialSearchResults) {
    await releasePhases({ search, channel, localNodeId, owner, phases, keep: new Set() });
    throw errors.searchPhaseFailed(partialFailureStatus(failures), 'Partial shards failure', 'query', failures.map((failure) => failure.cause), failures[0]!.cause, rendered());
  }
  return { parsed, phases, failures: rendered(), total: options.shards.length };
}

/**
 * The status of a search refused for some failed shards (`allow_partial_search_results=false`):
 * their 4xx when the request itself failed there (a query one index cannot run), as one node
 * answers; 503 when shards were lost with their node or its connection (no shard available).
 */
function partialFailureStatus(failures: readonly { readonly cause: EsError }[]): number {
  const status = shardFailuresStatus(failures);
  return status >= 500 ? 503 : status;
}

/**
 * A node's failed part as its shards' cause: when every shard of the part failed there alike (a
 * bad request: the node's own 4xx `all shards failed`), the cause its shards failed with, so the
 * coordinating node reports what one node would; any other failure (a node lost) as it came.
 */
function shardCause(error: unknown): unknown {
  if (!(error instanceof EsError) || error.type !== 'search_phase_execution_exception' || error.status >= 500 || error.causedBy === undefined) return error;
  return error.causedBy;
}

/** The task of one node's query phase of a cross-node search, a child of the coordinating node's. */
function queryPhaseTask(input: SearchInput, parentTaskId: string): TaskStart {
  return { action: SHARD_SEARCH_ACTIONS.query, description: searchDescription(input.expression, input.body), cancellable: true, parentTaskId };
}

/** Frees the query contexts of the phases not in `keep` (by position), on the nodes holding them. */
export async function releasePhases(options: {
  readonly search: SearchService;
  readonly channel: ShardSearchChannel;
  readonly localNodeId: string;
  readonly owner: ScrollOwner;
  readonly phases: readonly { readonly part: Pick<NodePart, 'nodeId'>; readonly phase: Pick<RemoteQueryPhase, 'contextId'> }[];
  readonly keep: ReadonlySet<number>;
}): Promise<void> {
  const { search, channel, localNodeId, owner } = options;
  await Promise.all(
    options.phases.map(({ part, phase }, i) => {
      if (options.keep.has(i)) return undefined;
      if (part.nodeId === localNodeId) return search.freeQueryContext(phase.contextId, owner);
      return channel.request(part.nodeId, SHARD_SEARCH_ACTIONS.freeContext, { context_id: phase.contextId }, shardSearchLimits.requestTimeoutMs).catch(() => undefined);
    }),
  );
}

type PhaseRefs = readonly { readonly part: Pick<NodePart, 'nodeId'>; readonly phase: Pick<RemoteQueryPhase, 'contextId'> }[];

/** The fetch phase's documents by hit, and the phases (by position) whose fetch failed, with the error. */
export interface FetchOutcome {
  readonly documentsOf: Map<ShardHit, Record<string, unknown>>;
  readonly failed: ReadonlyMap<number, unknown>;
}

/**
 * The fetch phase: each phase (by position) renders its picked hits on the node holding its
 * context, which frees it. A phase whose fetch fails (its node died with the context) is reported
 * in `failed`, its hits left unrendered; the others' documents stand.
 */
export async function fetchOnNodesSettled(options: {
  readonly search: SearchService;
  readonly channel: ShardSearchChannel;
  readonly localNodeId: string;
  readonly owner: ScrollOwner;
  readonly phases: PhaseRefs;
  readonly hitsByPhase: ReadonlyMap<number, readonly ShardHit[]>;
}): Promise<FetchOutcome> {
  const { search, channel, localNodeId, owner } = options;
  const documentsOf = new Map<ShardHit, Record<string, unknown>>();
  const failed = new Map<number, unknown>();
  await Promise.all(
    [...options.hitsByPhase].map(async ([i, hits]) => {
      const { part, phase } = options.phases[i]!;
      try {
        const documents =
          part.nodeId === localNodeId
            ? search.fetchAsRemote(phase.contextId, hits, owner)
            : ((await channel.request(part.nodeId, SHARD_SEARCH_ACTIONS.fetch, { context_id: phase.contextId, hits: [...hits] }, shardSearchLimits.requestTimeoutMs)) as { hits: Record<string, unknown>[] }).hits;
        hits.forEach((hit, k) => documentsOf.set(hit, documents[k]!));
      } catch (error) {
        failed.set(i, error);
      }
    }),
  );
  return { documentsOf, failed };
}

/** `fetchOnNodesSettled`, failing as a whole when any phase's fetch fails (with that error). */
export async function fetchOnNodes(options: Parameters<typeof fetchOnNodesSettled>[0]): Promise<Map<ShardHit, Record<string, unknown>>> {
  const { documentsOf, failed } = await fetchOnNodesSettled(options);
  for (const error of failed.values()) throw error;
  return documentsOf;
}

/**
 * The fetch phase of a search whose page spans nodes, as Elasticsearch's FetchSearchPhase treats a
 * shard whose fetch fails: a failed shard of the search (in `_shards.failures`), its hits left out
 * of the page (SearchPhaseController.merge skips hits without a fetch result), the other shards'
 * hits kept; with `allow_partial_search_results=false` the search fails. A fetch is not retried on
 * another copy: that copy could render other documents (or versions) than the ones the query phase
 * ranked. Errors of the request itself (400, e.g. a script that fails to render) still fail the
 * search, as they would on every copy; a context gone with a restarted node (404) is a lost shard.
 */
export async function fetchPage(
  options: Parameters<typeof fetchOnNodesSettled>[0] & { readonly phases: NodeQueryPhases['phases']; readonly allowPartialSearchResults: boolean },
  hits: readonly ShardHit[],
): Promise<{ readonly hits: readonly { readonly hit: ShardHit; readonly document: Record<string, unknown> }[]; readonly failures: readonly Record<string, unknown>[] }> {
  const { documentsOf, failed } = await fetchOnNodesSettled(options);
  const failures: { index: string; shard: number; node: string; cause: EsError }[] = [];
  for (const [i, error] of failed) {
    if (error instanceof EsError && error.status === 400) throw error;
    const cause = error instanceof EsError ? error : errors.internal(String(error));
    const { part } = options.phases[i]!;
    // The shards whose hits this phase had to render (a hit's shard key ends with its shard number).
    const shards = new Set((options.hitsByPhase.get(i) ?? []).map((hit) => shardOfKey(hit.shardKey)));
    for (const shard of [...shards].sort((a, b) => a - b)) failures.push({ index: part.index, shard, node: part.nodeId, cause });
  }
  const rendered = failures.map((failure) => ({ shard: failure.shard, index: failure.index, node: failure.node, reason: failure.cause.toCause() }));
  if (failures.length > 0 && !options.allowPartialSearchResults) {
    throw errors.searchPhaseFailed(partialFailureStatus(failures), 'Partial shards failure', 'fetch', failures.map((failure) => failure.cause), failures[0]!.cause, rendered);
  }
  return { hits: hits.flatMap((hit) => (documentsOf.has(hit) ? [{ hit, document: documentsOf.get(hit)! }] : [])), failures: rendered };
}

/** The merged page's hits grouped by the phase (position) that found each. */
export function hitsByPhase(hits: readonly ShardHit[], phaseOf: ReadonlyMap<ShardHit, number>): Map<number, ShardHit[]> {
  const byPhase = new Map<number, ShardHit[]>();
  for (const hit of hits) {
    const i = phaseOf.get(hit)!;
    const list = byPhase.get(i);
    if (list === undefined) byPhase.set(i, [hit]);
    else list.push(hit);
  }
  return byPhase;
}

/** Every shard result of the phases, the phase (position) each hit came from, and the first mapping of each field. */
export function collectPhases(phases: NodeQueryPhases['phases']): { shardResults: ShardResult[]; phaseOf: Map<ShardHit, number>; mappings: FieldMappings; failures: Record<string, unknown>[] } {
  const shardResults: ShardResult[] = [];
  const phaseOf = new Map<ShardHit, number>();
  const mappings: Record<string, FieldMappings[string]> = {};
  const failures: Record<string, unknown>[] = [];
  phases.forEach(({ phase }, i) => {
    for (const result of phase.shardResults) {
      shardResults.push(result);
      for (const hit of result.hits) phaseOf.set(hit, i);
    }
    for (const [path, mapping] of Object.entries(phase.mappings)) mappings[path] ??= mapping;
    failures.push(...phase.failures);
  });
  return { shardResults, phaseOf, mappings, failures };
}

/**
 * `_search` over shards on several nodes; the same response as a search of those shards on one
 * node. `localNodeId`'s parts run in this process.
 */
export async function searchShardsOnNodes(options: NodePhaseOptions & { readonly nowMs: () => number }): Promise<Record<string, unknown>> {
  const started = options.nowMs();
  const { parsed, phases, failures, total } = await queryPhasesOnNodes({ ...options, mergesSuggest: true });
  const { shardResults, phaseOf, mappings, failures: partFailures } = collectPhases(phases);
  const merged = mergeShardResults(shardResults, parsed.request);
  const suggest = parsed.extras.suggest.length === 0 ? undefined : await mergeSuggestOfPhases(options, parsed, phases, phaseOf);
  const pageHits = suggest === undefined ? merged.hits : [...merged.hits, ...suggest.hits];
  const byPart = hitsByPhase(pageHits, phaseOf);
  await releasePhases({ ...options, phases, keep: new Set(byPart.keys()) });
  const page = await fetchPage({ ...options, phases, hitsByPhase: byPart, allowPartialSearchResults: parsed.allowPartialSearchResults }, pageHits);
  const documentOf = new Map(page.hits.map(({ hit, document }) => [hit, document]));
  const allFailures = [...failures, ...partFailures, ...page.failures];
  const failed = allFailures.length;
  const aggregations = merged.aggregations === undefined ? undefined : parsed.typedKeys ? typedKeys(merged.aggregations, parsed.request.aggregations, mappings) : merged.aggregations;
  const response: Record<string, unknown> = {
    took: options.nowMs() - started,
    timed_out: merged.timedOut,
    ...(parsed.request.terminateAfter !== undefined ? { terminated_early: merged.terminatedEarly } : {}),
    _shards: { total, successful: total - failed, skipped: 0, failed, ...(failed > 0 ? { failures: allFailures } : {}) },
    hits: {
      ...(merged.total !== undefined ? { total: parsed.restTotalHitsAsInt ? merged.total.value : merged.total } : {}),
      max_score: merged.maxScore,
      hits: merged.hits.flatMap((hit) => (documentOf.has(hit) ? [documentOf.get(hit)!] : [])),
    },
  };
  if (aggregations !== undefined) response['aggregations'] = aggregations;
  if (suggest !== undefined) response['suggest'] = suggest.render(suggest.hits.map((hit) => documentOf.get(hit)));
  return response;
}

/**
 * The suggest section of a search across nodes: every shard's suggest phase came with its node's
 * query phase (in that node's shard order); merged in the search's shard order (the order of
 * `options.shards`, as one node orders its shards), as one node merges them. The completion
 * options' hits join `phaseOf` under the phase that found them, to be fetched with the page. A
 * suggestion's 400 (an unmapped field, a bad analyzer) frees every context first.
 */
async function mergeSuggestOfPhases(options: NodePhaseOptions, parsed: ParsedSearch, phases: NodeQueryPhases['phases'], phaseOf: Map<ShardHit, number>): Promise<MergedSuggest> {
  const order = (index: string, shard: number): number => options.shards.findIndex((copies) => copies.index === index && copies.shard === shard);
  const parts = phases.flatMap(({ phase }, i) => (phase.suggest ?? []).map((shard) => ({ shard, phase: i })));
  parts.sort((left, right) => order(left.shard.index, left.shard.shard) - order(right.shard.index, right.shard.shard));
  let merged: MergedSuggest;
  try {
    merged = mergeSuggest(parsed.extras.suggest, parts.map((part) => part.shard), parsed.typedKeys);
  } catch (error) {
    await releasePhases({ ...options, phases, keep: new Set() });
    throw error;
  }
  // A completion option's hit names its shard: the phase whose node searched that shard fetches it.
  const phaseOfShard = new Map(parts.map((part) => [`${part.shard.index}\u0000${part.shard.shard}`, part.phase]));
  for (const hit of merged.hits) phaseOf.set(hit, phaseOfShard.get(`${hit.index}\u0000${shardOfKey(hit.shardKey)}`)!);
  return merged;
}

/** The shard number a hit's shard key ends with (`index:shard`). */
function shardOfKey(shardKey: string): number {
  return Number(shardKey.slice(shardKey.lastIndexOf(':') + 1));
}

/**
 * The data node's side of the three actions for peers of this cluster. `authorize` turns the
 * request (its thread-context headers) into the caller's access; a peer of another cluster is
 * left to `otherCluster` (the cross-cluster handlers of the same names), or refused without one.
 */
export function shardSearchHandlers(options: {
  readonly search: SearchService;
  readonly cluster: { readonly clusterName: string; readonly clusterUuid: string };
  readonly authorize: (request: TransportRequest) => { readonly access: SearchAuthorizer; readonly owner: ScrollOwner };
  readonly otherCluster?: ReadonlyMap<string, TransportHandler>;
}): Map<string, TransportHandler> {
  const { search, cluster } = options;
  const sameCluster = (request: TransportRequest): boolean => request.peer.handshake.clusterName === cluster.clusterName && request.peer.handshake.clusterUuid === cluster.clusterUuid;
  const body = (request: TransportRequest): Record<string, unknown> => {
    const value = request.body;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw errors.illegalArgument(`malformed [${request.action}] request: the body is not an object`);
    return value as Record<string, unknown>;
  };
  const contextId = (request: TransportRequest): string => {
    const value = body(request)['context_id'];
    if (typeof value !== 'string' || value.length === 0) throw errors.illegalArgument(`malformed [${request.action}] request: [context_id] must be a non-empty string`);
    return value;
  };
  /** The search a shard phase request names: its expression, params and body, the cluster alias, the alias filter. */
  const phaseInput = (request: TransportRequest): { input: SearchInput; alias: string | undefined; filters: ReadonlyMap<string, QueryNode> | undefined } => {
    const object = body(request);
    const expression = object['expression'];
    const params = object['params'];
    if (typeof expression !== 'string' || expression.length === 0) throw errors.illegalArgument(`malformed [${request.action}] request: [expression] must be a non-empty string`);
    if (params === null || typeof params !== 'object' || Array.isArray(params) || !Object.values(params).every((value) => typeof value === 'string')) {
      throw errors.illegalArgument(`malformed [${request.action}] request: [params] must map names to strings`);
    }
    // A remote cluster's search coordinated by a peer (src/node/wire-remote-search.ts) names its alias.
    const alias = object['cluster_alias'];
    if (alias !== undefined && (typeof alias !== 'string' || alias.length === 0)) throw errors.illegalArgument(`malformed [${request.action}] request: [cluster_alias] must be a non-empty string`);
    const aliasFilter = object['alias_filter'];
    if (aliasFilter !== undefined && (!Array.isArray(aliasFilter) || aliasFilter.length === 0)) throw errors.illegalArgument(`malformed [${request.action}] request: [alias_filter] must be a non-empty array`);
    const filter = combinedAliasFilter(aliasFilter as unknown[] | undefined);
    return { input: { expression, params: params as Record<string, string>, body: object['body'] ?? undefined }, alias: alias as string | undefined, filters: filter === undefined ? undefined : new Map([[expression, filter]]) };
  };
  const serve =
    (action: string, handle: (request: TransportRequest) => unknown): TransportHandler =>
    async (request) => {
      if (!sameCluster(request)) {
        const other = options.otherCluster?.get(action);
        if (other !== undefined) return other(request);
        throw errors.actionDenied(action, `node [${request.peer.handshake.nodeName}] of cluster [${request.peer.handshake.clusterName}]`);
      }
      return handle(request);
    };
  return new Map<string, TransportHandler>([
    [
      SHARD_SEARCH_ACTIONS.query,
      serve(SHARD_SEARCH_ACTIONS.query, (request) => {
        const { input, alias, filters } = phaseInput(request);
        const object = body(request);
        const dfs = object['dfs'] === undefined ? undefined : parseDfsStatistics(object['dfs'], request.action);
        const { access, owner } = options.authorize(request);
        // A child of the coordinating node's search task: listed and cancelled with it (TASK_BAN_ACTION).
        const parent = object['parent_task_id'];
        if (parent === undefined) return search.queryPhaseAsRemote(input, access, owner, alias, filters, dfs);
        if (typeof parent !== 'string') throw errors.illegalArgument(`malformed [${request.action}] request: [parent_task_id] must be a task id`);
        parseTaskId(parent);
        return search.tasks.run(queryPhaseTask(input, parent), () => search.queryPhaseAsRemoteCancellable(input, access, owner, alias, filters, dfs));
      }),
    ],
    [
      SHARD_SEARCH_ACTIONS.dfs,
      serve(SHARD_SEARCH_ACTIONS.dfs, (request) => {
        const { input, filters } = phaseInput(request);
        return search.dfsPhaseAsRemote(input, options.authorize(request).access, filters);
      }),
    ],
    [
      SHARD_SEARCH_ACTIONS.fetch,
      serve(SHARD_SEARCH_ACTIONS.fetch, (request) => {
        const hits = body(request)['hits'];
        if (!Array.isArray(hits)) throw errors.illegalArgument(`malformed [${request.action}] request: [hits] must be an array`);
        return { hits: search.fetchAsRemote(contextId(request), hits as ShardHit[], options.authorize(request).owner) };
      }),
    ],
    [SHARD_SEARCH_ACTIONS.freeContext, serve(SHARD_SEARCH_ACTIONS.freeContext, (request) => ({ freed: search.freeQueryContext(contextId(request), options.authorize(request).owner) }))],
  ]);
}
