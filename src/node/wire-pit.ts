/**
 * Point in time in a multi-node cluster (issue #14). Opening one (`POST /{index}/_pit`) resolves
 * and authorizes the indices on the coordinating node, picks one started copy of every shard
 * (round robin, as a search does) and has each node holding some of them open a reader context
 * over its copies of each index (`indices:data/read/open_reader_context`, Elasticsearch's name for
 * the shard-level open): the node pins those copies as a single node's point in time does
 * (src/search/pit.ts), with the keep-alive and each shard's ordinal among all the point in time's
 * shards (by index name, then shard number), which `_shard_doc` sorts by, so that its values are
 * unique and stable across nodes as Elasticsearch's `(ordinal << 32) | doc`. The contexts stay on the data nodes; the id names, for
 * every shard, the node and the context (multi-node-pit-id.ts), so any node can search it. A
 * search with `pit: {id, keep_alive}` is authorized on the coordinating node against the indices
 * the point in time holds (with the caller's document and field level security travelling as for
 * any search, travelling-restriction.ts) and runs each shard's query and fetch phases on its
 * context (src/search/shard-search.ts, each node's part naming its own context and renewing its
 * keep-alive); a shard whose node is gone, or whose context expired, fails in `_shards.failures`.
 * `DELETE /_pit` frees every context on every node (`indices:data/read/search[free_context/pit]`,
 * ours). As on one node, a point in time is not tied to a user. Over remote clusters too
 * (`remote:index`), its id holds each cluster's own (src/search/ccs-pit.ts), this cluster's a
 * multi-node id, so any node searches and closes it; the local part of such a search runs on the
 * contexts across the nodes and merges with the remote answers (a shard whose node left fails it).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/point-in-time-api.html
 * Loaded only in multi-node mode (through wire-search.ts).
 */
import type { ClusterState } from '../cluster/state.js';
import { EsError, errors } from '../common/errors.js';
import { parseIndicesOptions } from '../index/expression.js';
import type { IndicesService } from '../index/index.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { scrollOwner } from '../http/routes/search.js';
import { aliasFilterDefinitions, combinedAliasFilter } from '../search/alias-filter.js';
import { contextsOf, decodeMultiNodePitId, encodeMultiNodePitId, type PitShardContext } from '../search/multi-node-pit-id.js';
import { parsePitKeepAlive, pitActions } from '../search/pit.js';
import { renderSearchResponse } from '../search/response.js';
import { searchIndicesOptions, type ClusterSearchResult, type SearchAuthorizer, type SearchInput, type SearchService } from '../search/search-service.js';
import type { ScrollOwner } from '../search/scroll.js';
import { groupByNode, searchShardsOnNodes, selectShardCopies, type ShardCopies, type ShardSearchChannel } from '../search/shard-search.js';
import { parseShardSelection } from '../search/shard-selection.js';
import type { TransportHandler } from '../transport/index.js';
import type { ReadRestriction } from '../index/index.js';
import { planClusters, type LocalAcross, type RemoteClusters } from '../search/ccs.js';
import { closePointInTimeAcrossClusters, decodeCrossClusterPitId, openPointInTimeAcrossClusters, pitIdOf, searchPointInTimeAcrossClusters, type LocalPitPart, type PitRemotes } from '../search/ccs-pit.js';
import { remoteSearchOnNodes } from '../search/remote-shard-search.js';

export const PIT_NODE_ACTIONS = {
  /** Opens a reader context over the named shards of one index on this node (Elasticsearch's shard-level open). */
  open: 'indices:data/read/open_reader_context',
  /** Ours: frees reader contexts of points in time on this node. */
  free: 'indices:data/read/search[free_context/pit]',
} as const;

const searchAction = 'indices:data/read/search';
/** How long the coordinating node waits for a node's part of opening or closing (ours, as a scroll's). */
const pitRequestTimeoutMs = 60_000;

export interface PitWiringOptions {
  readonly nodeId: string;
  readonly indices: IndicesService;
  readonly search: SearchService;
  readonly state: () => ClusterState;
  readonly channel: ShardSearchChannel;
  readonly internalHandler: (handle: (body: unknown) => unknown) => TransportHandler;
  /** The coordinating node authorized the request: data nodes run their part as asked. */
  readonly coordinated: SearchAuthorizer;
  /** The shards of an index with the nodes of their started copies (wire-search.ts shardsToSearch). */
  readonly shardsOf: (state: ClusterState, handle: Parameters<IndicesService['checkReadBlock']>[0]) => ShardCopies[] | undefined;
  /** The remote clusters a cross-cluster point in time opens on too (undefined: none configured). */
  readonly remotes?: RemoteClusters & PitRemotes;
  readonly nowMs: () => number;
}

export interface PitWiring {
  readonly handlers: ReadonlyMap<string, TransportHandler>;
  /** Whether a search body names a point in time (then `search` answers it). */
  names(body: unknown): boolean;
  /** `_search` through a point in time whose contexts live on the data nodes. */
  search(input: SearchInput, context: RequestContext): Promise<Record<string, unknown>>;
  /** Wraps the open and close routes. */
  route(original: Route): Route;
  /**
   * Another cluster's point in time over this cluster (this cluster is the remote,
   * wire-remote-search.ts): opened across the nodes holding the shards, authorized for the remote
   * caller; closed, and searched on its contexts (`close` and `search` undefined for an id that is
   * not a multi-node one: a single node's, answered as one node does).
   */
  readonly remote: {
    open(input: SearchInput, access: SearchAuthorizer): Promise<{ id: string; _shards: { total: number; successful: number; skipped: number; failed: number } }>;
    close(id: string, access: SearchAuthorizer): Promise<number> | undefined;
    search(input: SearchInput, access: SearchAuthorizer, owner: ScrollOwner, clusterAlias: string): Promise<ClusterSearchResult> | undefined;
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The cause inside a search failure a data node answered with for its shards. */
function innermost(error: EsError): EsError {
  let cause = error;
  while (cause.type === 'search_phase_execution_exception' && cause.causedBy !== undefined) cause = cause.causedBy;
  return cause;
}

/** `innermost` on a rendered cause (a `_shards.failures` entry's reason). */
function innermostRendered(reason: unknown): unknown {
  let cause = reason;
  while (isRecord(cause) && cause['type'] === 'search_phase_execution_exception' && isRecord(cause['caused_by'])) cause = cause['caused_by'];
  return cause;
}

export function wirePit(options: PitWiringOptions): PitWiring {
  const { search, nodeId, indices } = options;
  let cursor = 0;

  // ---------------------------------------------------------------- data node side

  /** Pins this node's copies of the named shards of one index: the context's id and how many shards it holds. */
  const openHere = (body: unknown): { id: string; shards: number } => {
    const index = isRecord(body) ? body['index'] : undefined;
    const uuid = isRecord(body) ? body['uuid'] : undefined;
    const shards = isRecord(body) ? body['shards'] : undefined;
    const keepAlive = isRecord(body) ? body['keep_alive'] : undefined;
    const ordinals = isRecord(body) ? body['ordinals'] : undefined;
    const aliasFilter = isRecord(body) ? body['alias_filter'] : undefined;
    if (aliasFilter !== undefined && (!Array.isArray(aliasFilter) || aliasFilter.length === 0)) throw errors.illegalArgument(`malformed [${PIT_NODE_ACTIONS.open}] request: [alias_filter] must be a non-empty array`);
    const counts = (value: unknown): value is number[] => Array.isArray(value) && value.every((item) => Number.isSafeInteger(item) && item >= 0);
    if (typeof index !== 'string' || index === '' || typeof uuid !== 'string' || typeof keepAlive !== 'string' || !counts(shards) || shards.length === 0 || !counts(ordinals) || ordinals.length !== shards.length) {
      throw errors.illegalArgument(`malformed [${PIT_NODE_ACTIONS.open}] request`);
    }
    // The index the coordinating node resolved, not one re-created under its name since.
    const handle = indices.resolve(index, searchIndicesOptions)[0];
    if (handle === undefined || handle.uuid !== uuid) throw errors.noShardAvailable(index, shards[0] as number);
    // Each shard's ordinal is its place among all the point in time's shards (`_shard_doc`), decided by the coordinating node.
    // The filtered alias(es) it was opened through, applied by every search of these contexts.
    const filter = combinedAliasFilter(aliasFilter as unknown[] | undefined);
    const opened = search.openPointInTime(
      { expression: index, params: { keep_alive: keepAlive, preference: `_shards:${shards.join(',')}` }, body: undefined },
      options.coordinated,
      (_name, shard) => ordinals[shards.indexOf(shard)],
      filter === undefined ? undefined : new Map([[index, filter]]),
    );
    const id = opened['id'] as string;
    const pinned = (opened['_shards'] as { total: number }).total;
    if (pinned !== shards.length) {
      // A copy this node no longer holds (relocated since the coordinating node read the state).
      search.closePointInTime(id, options.coordinated);
      throw errors.noShardAvailable(index, shards[0] as number);
    }
    return { id, shards: pinned };
  };
  const freeHere = (body: unknown): { freed: number } => {
    const contexts = isRecord(body) ? body['contexts'] : undefined;
    if (!Array.isArray(contexts) || !contexts.every((context) => typeof context === 'string')) throw errors.illegalArgument(`malformed [${PIT_NODE_ACTIONS.free}] request`);
    let freed = 0;
    for (const context of contexts as string[]) freed += search.closePointInTime(context, options.coordinated).body['num_freed'] as number;
    return { freed };
  };
  const handlers = new Map<string, TransportHandler>([
    [PIT_NODE_ACTIONS.open, options.internalHandler(openHere)],
    [PIT_NODE_ACTIONS.free, options.internalHandler(freeHere)],
  ]);

  /** This node's part in process; the others' over the data-plane channel. */
  const onNode = <T>(node: string, action: string, body: Record<string, unknown>, local: (body: unknown) => T): Promise<T> => {
    if (node === nodeId) return Promise.resolve().then(() => local(body));
    // A node not (or no longer) in the cluster holds no context (a forged or stale id).
    if (options.state().nodes[node] === undefined) return Promise.reject(errors.searchContextMissing(String((body['contexts'] as unknown[] | undefined)?.[0] ?? node)));
    return options.channel.request(node, action, body, pitRequestTimeoutMs) as Promise<T>;
  };

  const freeContexts = async (contexts: readonly { node: string; context: string }[]): Promise<number> => {
    const freed = await Promise.all(
      contexts.map(({ node, context }) =>
        onNode(node, PIT_NODE_ACTIONS.free, { contexts: [context] }, freeHere).then(
          (answer) => answer.freed,
          () => 0, // gone with its node, or expired: nothing more to free
        ),
      ),
    );
    return freed.reduce((sum, count) => sum + count, 0);
  };

  // ---------------------------------------------------------------- coordinating side

  const open = async (input: SearchInput, access: SearchAuthorizer): Promise<{ id: string; _shards: { total: number; successful: number; skipped: number; failed: number } }> => {
    const expression = input.expression;
    if (expression !== undefined && expression.split(',').some((element) => element.includes(':'))) {
      throw errors.illegalArgument('a point in time over remote clusters needs remote clusters configured on this node');
    }
    const keepAlive = input.params['keep_alive'];
    parsePitKeepAlive(keepAlive);
    const indicesOptions = parseIndicesOptions(input.params, searchIndicesOptions);
    const handles = indices.resolve(expression, indicesOptions, {
      allows: (name) => access.allowsIndex(pitActions.open, name),
      authorizeLiterals: (names) => access.indices(pitActions.open, names),
    });
    const state = options.state();
    const shards: ShardCopies[] = [];
    const uuids = new Map<string, string>();
    // `preference`: `_shards:` restricts the shards, the rest chooses each shard's copy.
    const preference = input.params['preference'];
    const preferredShards = preference === undefined ? undefined : parseShardSelection(undefined, preference).preferredShards;
    // The filters of the filtered aliases the expression names, per index: kept by the contexts.
    const aliasFilters = new Map<string, unknown[]>();
    for (const handle of handles) {
      if (handle.metadata.state !== 'open' || handle.shards === undefined) {
        if (indicesOptions.ignoreUnavailable) continue;
        throw errors.indexClosed(handle.name, handle.uuid);
      }
      indices.checkReadBlock(handle);
      const found = options.shardsOf(state, handle);
      if (found === undefined) throw errors.noShardAvailable(handle.name, 0);
      uuids.set(handle.name, handle.uuid);
      const filter = aliasFilterDefinitions(expression, handle.name, handle.metadata.aliases);
      if (filter !== undefined) aliasFilters.set(handle.name, filter);
      shards.push(...(preferredShards === undefined ? found : found.filter((shard) => preferredShards.has(shard.shard))));
    }
    const { selections, unavailable } = selectShardCopies(shards, cursor++, preference, nodeId);
    if (unavailable.length > 0) throw errors.noShardAvailable(unavailable[0]!.index, unavailable[0]!.shard);
    const parts = groupByNode(selections);
    // `_shard_doc` orders the shards by index name, then shard number: each shard's ordinal is its place there.
    const ordered = [...selections].sort((left, right) => (left.index < right.index ? -1 : left.index > right.index ? 1 : left.shard - right.shard));
    const ordinalOf = new Map(ordered.map((selection, ordinal) => [`${selection.index}\u0000${selection.shard}`, ordinal]));
    const outcomes = await Promise.allSettled(
      parts.map((part) =>
        onNode(part.nodeId, PIT_NODE_ACTIONS.open, { index: part.index, uuid: uuids.get(part.index)!, shards: part.shards, ordinals: part.shards.map((shard) => ordinalOf.get(`${part.index}\u0000${shard}`)!), keep_alive: keepAlive!, ...(aliasFilters.has(part.index) ? { alias_filter: aliasFilters.get(part.index) } : {}) }, openHere),
      ),
    );
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed !== undefined) {
      // One part failed: the point in time is not opened, and the contexts that did open are freed.
      await freeContexts(outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [{ node: parts[i]!.nodeId, context: outcome.value.id }] : [])));
      throw failed.reason instanceof EsError ? failed.reason : errors.internal(String(failed.reason));
    }
    const contexts: PitShardContext[] = [];
    outcomes.forEach((outcome, i) => {
      const part = parts[i]!;
      const id = (outcome as PromiseFulfilledResult<{ id: string }>).value.id;
      for (const shard of part.shards) contexts.push({ index: part.index, shard, node: part.nodeId, context: id });
    });
    const total = contexts.length;
    return { id: encodeMultiNodePitId(contexts), _shards: { total, successful: total, skipped: 0, failed: 0 } };
  };

  const close = async (shards: readonly PitShardContext[], access: SearchAuthorizer): Promise<RestResponse> => {
    const names = [...new Set(shards.map((entry) => entry.index))];
    if (names.length > 0) access.indices(pitActions.close, names);
    const freed = await freeContexts(contextsOf(shards));
    return { status: freed === 0 ? 404 : 200, body: { succeeded: true, num_freed: freed } };
  };

  /** The indices a point in time holds, authorized for a search, with the caller's restrictions on each. */
  const authorizedRestrictions = (shards: readonly PitShardContext[], access: SearchAuthorizer) => {
    const names = [...new Set(shards.map((entry) => entry.index))];
    if (names.length === 0) return { names, restrictions: new Map<string, ReadRestriction>() };
    // Authorized against the indices the point in time holds, as any search of them.
    access.indices(searchAction, names);
    const restrictions = new Map(
      names.flatMap((name) => {
        const aliases = Object.keys(indices.resolve(name, { ...searchIndicesOptions, ignoreUnavailable: true, allowNoIndices: true })[0]?.metadata.aliases ?? {});
        const restriction = access.readRestriction?.(searchAction, name, aliases);
        return restriction === undefined ? [] : [[name, restriction] as const];
      }),
    );
    return { names, restrictions };
  };

  /**
   * The local part of a search through a cross-cluster point in time: each shard on its own
   * context, reduced to this cluster's top hits with partial aggregations (remoteSearchOnNodes),
   * merged with the remote clusters' answers. A shard whose node left fails the local part.
   * Under a `clusterAlias`, another cluster's search through this cluster's point in time (this
   * cluster is the remote): the same reduction, `_index` read `alias:index`.
   */
  const reducedOnContexts = async (input: SearchInput, shards: readonly PitShardContext[], access: SearchAuthorizer, owner: ScrollOwner, clusterAlias: string | undefined): Promise<ClusterSearchResult> => {
    const body = input.body as Record<string, unknown>;
    const pitBody = body['pit'] as Record<string, unknown>;
    const { restrictions } = authorizedRestrictions(shards, access);
    const members = options.state().nodes;
    const lost = shards.find((entry) => members[entry.node] === undefined);
    if (lost !== undefined) throw errors.searchContextMissing(lost.context);
    const contextOf = new Map(contextsOf(shards).map((entry) => [`${entry.node}\u0000${entry.index}`, entry.context]));
    return remoteSearchOnNodes({
      search,
      input: { ...input, expression: [...new Set(shards.map((entry) => entry.index))].join(',') },
      shards: shards.map((entry) => ({ index: entry.index, shard: entry.shard, nodes: [entry.node], ...(restrictions.has(entry.index) ? { readRestriction: restrictions.get(entry.index)! } : {}) })),
      cursor: 0,
      localNodeId: nodeId,
      channel: options.channel,
      access,
      owner,
      ...(clusterAlias === undefined ? {} : { clusterAlias }),
      nowMs: options.nowMs,
      bodyFor: (part) => ({ ...body, pit: { ...pitBody, id: contextOf.get(`${part.nodeId}\u0000${part.index}`) } }),
    }).catch((error: unknown) => {
      throw asPitFailure(error);
    });
  };
  const localAcross =
    (context: RequestContext): LocalAcross =>
    async (input) => {
      const pitBody = (input.body as Record<string, unknown>)['pit'] as Record<string, unknown>;
      const shards = decodeMultiNodePitId(String(pitBody['id']));
      if (shards === undefined) throw errors.illegalArgument(`invalid id: [${String(pitBody['id'])}]`);
      return reducedOnContexts(input, shards, context.authorize, scrollOwner(context), undefined);
    };

  /**
   * A failed search through a point in time: a shard's failure is its own cause (a data node
   * reports a missing context as its own search failure); every context gone (expired or closed)
   * is Elasticsearch's 404, as one node answers it.
   */
  const asPitFailure = (error: unknown): unknown => {
    if (!(error instanceof EsError) || error.type !== 'search_phase_execution_exception') return error;
    const rootCauses = (error.rootCauses ?? []).map(innermost);
    const failedShards = error.extra['failed_shards'];
    const extra = Array.isArray(failedShards) ? { ...error.extra, failed_shards: failedShards.map((failure: { reason?: unknown }) => ({ ...failure, reason: innermostRendered(failure.reason) })) } : error.extra;
    const status = rootCauses.length > 0 && rootCauses.every((cause) => cause.status === 404) ? 404 : error.status;
    return new EsError(status, error.type, error.reason, { extra, rootCauses, ...(error.causedBy !== undefined ? { causedBy: innermost(error.causedBy) } : {}) });
  };

  const searchThrough = async (input: SearchInput, context: RequestContext): Promise<Record<string, unknown>> => {
    const started = options.nowMs();
    const parsed = search.parseForClusters(input);
    const pit = parsed.pit!;
    if (input.expression !== undefined) throw errors.actionRequestValidation(['[indices] cannot be used with point in time. Do not specify any index with point in time.']);
    // A cross-cluster point in time: every cluster searches its own; this cluster's part across its nodes.
    const crossCluster = options.remotes === undefined ? undefined : decodeCrossClusterPitId(pit.id);
    if (crossCluster !== undefined) return searchPointInTimeAcrossClusters(search, input, crossCluster, context.authorize, options.remotes!, context.authentication, localAcross(context));
    const shards = decodeMultiNodePitId(pit.id);
    if (shards === undefined) throw errors.illegalArgument(`invalid id: [${pit.id}]`);
    const access = context.authorize;
    const { names, restrictions } = authorizedRestrictions(shards, access);
    if (names.length === 0) {
      // A point in time over no index (allow_no_indices): an empty answer over zero shards.
      return {
        pit_id: pit.id,
        ...renderSearchResponse({ tookMs: options.nowMs() - started, terminatedEarly: undefined, shards: { total: 0, successful: 0, skipped: 0, failed: 0, failures: [] }, total: parsed.request.trackTotalHits === false ? undefined : { value: 0, relation: 'eq' }, maxScore: 0, hits: [], aggregations: undefined, restTotalHitsAsInt: parsed.restTotalHitsAsInt }),
      };
    }
    // A shard whose node is not (or no longer) in the cluster lost its context with it: a failed
    // shard (404, its context is missing), never a request to a node that is not there.
    const members = options.state().nodes;
    const lost = shards.filter((entry) => members[entry.node] === undefined);
    const reachable = shards.filter((entry) => members[entry.node] !== undefined);
    const lostFailures = lost.map((entry) => ({ shard: entry.shard, index: entry.index, node: entry.node, cause: errors.searchContextMissing(entry.context) }));
    const renderedLost = lostFailures.map((failure) => ({ shard: failure.shard, index: failure.index, node: failure.node, reason: failure.cause.toCause() }));
    if (lost.length > 0 && (reachable.length === 0 || !parsed.allowPartialSearchResults)) {
      throw errors.searchPhaseFailed(404, reachable.length === 0 ? 'all shards failed' : 'Partial shards failure', 'query', lostFailures.map((failure) => failure.cause), lostFailures[0]!.cause, renderedLost);
    }
    const contexts = contextsOf(reachable);
    const contextOf = new Map(contexts.map((entry) => [`${entry.node}\u0000${entry.index}`, entry.context]));
    const body = input.body as Record<string, unknown>;
    const pitBody = body['pit'] as Record<string, unknown>;
    try {
      const answer = await searchShardsOnNodes({
        search,
        input,
        shards: reachable.map((entry) => ({ index: entry.index, shard: entry.shard, nodes: [entry.node], ...(restrictions.has(entry.index) ? { readRestriction: restrictions.get(entry.index)! } : {}) })),
        cursor: 0,
        localNodeId: nodeId,
        channel: options.channel,
        access,
        owner: scrollOwner(context),
        nowMs: options.nowMs,
        // Each node's part searches its own context, renewing its keep-alive when one is given.
        bodyFor: (part) => ({ ...body, pit: { ...pitBody, id: contextOf.get(`${part.nodeId}\u0000${part.index}`) } }),
      });
      const counted = answer['_shards'] as { total: number; successful: number; skipped: number; failed: number; failures?: { reason: unknown }[] };
      const failures = [...(counted.failures ?? []).map((failure) => ({ ...failure, reason: innermostRendered(failure.reason) })), ...renderedLost];
      const shardsSummary = { total: counted.total + lost.length, successful: counted.successful, skipped: counted.skipped, failed: counted.failed + lost.length, ...(failures.length > 0 ? { failures } : {}) };
      return { pit_id: pit.id, ...answer, _shards: shardsSummary };
    } catch (error) {
      throw asPitFailure(error);
    }
  };

  /** This cluster's part of a cross-cluster point in time: contexts on the nodes holding its shards. */
  const localPart: LocalPitPart = {
    open: (input, access) => open(input, access),
    close: async (id, access) => {
      const shards = decodeMultiNodePitId(id);
      if (shards === undefined) throw errors.illegalArgument(`invalid id: [${id}]`);
      return ((await close(shards, access)).body as { num_freed: number }).num_freed;
    },
  };

  const route = (original: Route): Route => ({
    ...original,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      if (original.action === pitActions.open) {
        const input = { expression: request.params['index'], params: request.query, body: undefined };
        // Over remote clusters too: one point in time per cluster, this one's across its nodes (ccs-pit.ts).
        const clusters = options.remotes === undefined ? undefined : planClusters(input.expression, options.remotes);
        if (clusters !== undefined) return { status: 200, body: await openPointInTimeAcrossClusters(search, input, clusters, context.authorize, options.remotes!, context.authentication, localPart) };
        return { status: 200, body: await open(input, context.authorize) };
      }
      // Close: a multi-node id here; anything else (errors included) as the single-node route answers it.
      const body = request.json();
      const id = isRecord(body) ? body['id'] : undefined;
      const crossCluster = typeof id === 'string' && options.remotes !== undefined ? decodeCrossClusterPitId(id) : undefined;
      if (crossCluster !== undefined) return closePointInTimeAcrossClusters(search, crossCluster, context.authorize, options.remotes!, context.authentication, localPart);
      const shards = typeof id === 'string' ? decodeMultiNodePitId(id) : undefined;
      if (shards === undefined) return original.handle(request, context);
      return close(shards, context.authorize);
    },
  });

  return {
    handlers,
    remote: {
      open: (input, access) => open(input, access),
      close: (id, access) => {
        const shards = decodeMultiNodePitId(id);
        return shards === undefined ? undefined : close(shards, access).then((answer) => (answer.body as { num_freed: number }).num_freed);
      },
      search: (input, access, owner, clusterAlias) => {
        const id = pitIdOf(input.body);
        const shards = id === undefined ? undefined : decodeMultiNodePitId(id);
        if (shards === undefined) return undefined;
        return reducedOnContexts(input, shards, access, owner, clusterAlias);
      },
    },
    names: (body) => isRecord(body) && body['pit'] !== undefined,
    search: searchThrough,
    route,
  };
}
