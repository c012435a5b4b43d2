/**
 * Searches across the nodes of a multi-node cluster (issue #14, wiring step 4). `_search` and
 * `_count` on any node resolve and authorize their indices there (the coordinating node, as in
 * Elasticsearch), pick one started copy of each shard round robin and run the shards' query and
 * fetch phases on the nodes holding them (searchShardsOnNodes, src/search/shard-search.ts), merged
 * as a single node merges its shards; `_shards` counts every shard searched. The data nodes serve
 * those phases to this cluster's nodes under the coordinating node's authorization: the caller's
 * credentials never travel. `_msearch` runs each item so (at most `max_concurrent_searches` at a
 * time) and `_cat/count` counts so. A filtered alias's filter travels with the shard requests of
 * its index (the data node sees only the index's name). `_explain` reads one copy of the
 * document's shard on the node holding it (wire-explain.ts); a scroll keeps its contexts on the
 * data nodes and its id names them (wire-scroll.ts). A caller whose role restricts documents or
 * fields (DLS/FLS) has the restriction travel with every shard request (travelling-restriction.ts).
 * A point in time keeps its reader contexts on the data nodes and its id names them
 * (wire-pit.ts). `dfs_query_then_fetch` asks every node for its statistics first (a scroll once,
 * when it opens) and sends the sum with every query phase (dfs.ts);
 * `preference=_shards:N|_only_local` reads this node's own copies of those shards (how a copy is
 * inspected). A cross-cluster `_search`, async search, `_count`, `_msearch` item or `_field_caps` runs its local
 * part across this cluster's nodes and merges it with the remote clusters' answers as a single
 * node does (src/search/ccs.ts, with either `ccs_minimize_roundtrips`, ccs-roundtrips.ts); each
 * remote part is sent as a single node sends it.
 * A `_search` or `_count` across nodes or clusters is a cancellable task of the node coordinating
 * it, as one node's search is (`GET /_tasks`, `_cancel`), its query phases child tasks on the data
 * nodes; an `_msearch` is an `indices:data/read/msearch` task there, each item a search task under it.
 * Loaded only in multi-node mode (node.ts).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { isDataNode, type ClusterState } from '../cluster/state.js';
import { errors, EsError } from '../common/errors.js';
import { parseIndicesOptions } from '../index/expression.js';
import type { IndicesService, IndexHandle } from '../index/index.js';
import { searchableCopiesOf } from '../index/replication/applied-state.js';
import { routingLayoutOf, shardNumber } from '../index/routing.js';
import { headerOf, type RequestContext, type RestRequest, type RestResponse, type Route } from '../http/route.js';
import { parseTaskId, searchDescription, taskHeaders, untilCancelled } from '../tasks/task-manager.js';
import { scrollOwner } from '../http/routes/search.js';
import { renderCatCount } from '../http/routes/cat.js';
import { defaultMaxConcurrentSearches } from '../search/multi-node-search.js';
import { runLimited } from '../common/workers.js';
import { aliasFilterDefinitions } from '../search/alias-filter.js';
import { releasePhases, searchShardsOnNodes, shardSearchHandlers, SHARD_SEARCH_ACTIONS, TASK_BAN_ACTION, type ShardCopies, type ShardSearchChannel } from '../search/shard-search.js';
import { parseShardSelection, searchRoutingFor } from '../search/shard-selection.js';
import { checkCountQueryParams, checkQueryStringParams } from '../search/request.js';
import { parseMsearchLines, searchActions, searchIndicesOptions } from '../search/search-service.js';
import { parseFieldCapsOptions } from '../search/field-caps.js';
import type { SearchAuthorizer, SearchInput, SearchService } from '../search/search-service.js';
import type { ScrollOwner } from '../search/scroll.js';
import type { ScrollRemotes } from '../search/ccs-scroll.js';
import type { PitRemotes } from '../search/ccs-pit.js';
import type { TransportHandler } from '../transport/index.js';
import type { CoordinationWiring } from './wire-coordination.js';
import type { DataPlaneWiring } from './wire-data-plane.js';
import { wireExplain } from './wire-explain.js';
import { wireScroll, type ScrollWiring } from './wire-scroll.js';
import { wirePit, type PitWiring } from './wire-pit.js';
import { wireAsyncSearch } from './wire-async-search.js';
import type { AsyncSearchStore } from '../search/async-search.js';
import { asyncSearchActions } from '../http/routes/async-search.js';
import { pitActions } from '../search/pit.js';
import { coordinatedAccess, restrictionFromWire, restrictionToWire } from './travelling-restriction.js';
import { explainAction, type ExplainService } from '../search/explain.js';
import { countAcrossClusters, fieldCapsAcrossClusters, planClusters, searchAcrossClusters, type ClusterPlan, type LocalAcross, type RemoteClusters } from '../search/ccs.js';
import { GatewayQueryContexts, remoteFetchOnNodes, remoteFreeOnNodes, remoteQueryPhaseOnNodes, remoteSearchOnNodes } from '../search/remote-shard-search.js';
import { searchAcrossClustersUnminimized, type LocalQueryPhases, type QueryPhaseRemotes } from '../search/ccs-roundtrips.js';
import { booleanParam } from '../http/request.js';

const searchAction = 'indices:data/read/search';
const msearchAction = 'indices:data/read/msearch';
const fieldCapsAction = searchActions.fieldCaps;

/** The coordinating node authorized the search: a data node runs its phases for it as asked. */
export const COORDINATED: SearchAuthorizer = { indices: () => undefined, allowsIndex: () => true };
/** Owner of the shard contexts data nodes keep for coordinating nodes of this cluster. */
export const COORDINATED_OWNER: ScrollOwner = { username: '_system', realm: '__cluster' };

/** `preference=_shards:0,2|_only_local`: the shard numbers, or undefined for any other value. */
export function onlyLocalShards(preference: string | undefined): number[] | undefined {
  const match = preference === undefined ? null : /^_shards:(\d+(?:,\d+)*)\|_only_local$/.exec(preference);
  return match === null ? undefined : match[1]!.split(',').map(Number);
}

/**
 * The shards of `handle` a search reads (all, or those its routing values select) with the nodes
 * of their started copies; undefined when the published state has another incarnation of the index.
 */
export function shardsToSearch(state: ClusterState, handle: Pick<IndexHandle, 'name' | 'uuid' | 'metadata'>, routing: readonly string[] | undefined): ShardCopies[] | undefined {
  if (state.metadata.indices[handle.name]?.settings['index.uuid'] !== handle.uuid) return undefined;
  const layout = routingLayoutOf(handle.metadata.settings);
  const wanted = routing === undefined ? undefined : new Set(routing.map((value) => shardNumber(layout, value)));
  return searchableCopiesOf(state, handle.name).filter((shard) => wanted === undefined || wanted.has(shard.shard));
}

/**
 * The shards of a search over this cluster's nodes, or `local` when the search reads this node's
 * own copies (`_shards:N|_only_local`, each named shard held here). `access` resolves and
 * authorizes the indices: the REST caller's, or a remote cluster's caller on the node it reached
 * (src/node/wire-remote-search.ts). What would lose the caller's restrictions across nodes is refused.
 */
export function planSearchShards(
  deps: {
    readonly indices: IndicesService;
    readonly state: () => ClusterState;
    readonly nodeId: string;
    /**
     * The caller's document and field level security travels with the shard requests (this
     * cluster's REST searches); without it such a caller is refused with a 400 (a remote
     * cluster's caller, until that side carries it).
     */
    readonly restrictionsTravel?: boolean;
  },
  input: SearchInput,
  access: SearchAuthorizer,
): ShardCopies[] | 'local' {
  const { indices, nodeId } = deps;
  const expression = input.expression;
  if (expression !== undefined && expression.split(',').some((element) => element.includes(':'))) {
    throw errors.illegalArgument('cross-cluster requests other than _search, _async_search, _count, _msearch and _field_caps are not supported by Strait in a multi-node cluster yet ([discovery.type] is [multi-node])');
  }
  const body = input.body as Record<string, unknown> | undefined;
  if (body !== null && typeof body === 'object' && body['pit'] !== undefined) throw unsupported('a point in time');
  if (input.params['scroll'] !== undefined) throw unsupported('[scroll]');
  const local = onlyLocalShards(input.params['preference']);
  // `_shards:` restricts the shards (checked here, with an unknown preference type's 400); the
  // rest of the preference chooses each shard's copy (selectShardCopies).
  const preferredShards = input.params['preference'] === undefined || local !== undefined ? undefined : parseShardSelection(undefined, input.params['preference']).preferredShards;
  const handles = indices.resolve(expression, parseIndicesOptions(input.params, searchIndicesOptions), {
    allows: (name) => access.allowsIndex(searchAction, name),
    authorizeLiterals: (names) => access.indices(searchAction, names),
  });
  const state = deps.state();
  const routingParam = input.params['routing']?.split(',').filter((value) => value !== '');
  const shards: ShardCopies[] = [];
  for (const handle of handles) {
    if (handle.metadata.state !== 'open' || handle.shards === undefined) continue; // the search itself answers as a single node does
    const aliases = Object.keys(handle.metadata.aliases);
    // The caller's document and field level security travels with the shard requests (travelling-restriction.ts).
    const readRestriction = access.readRestriction?.(searchAction, handle.name, aliases);
    if (readRestriction !== undefined && deps.restrictionsTravel !== true) throw unsupported(`document or field level security on [${handle.name}]`);
    if (readRestriction !== undefined) restrictionToWire(readRestriction, handle.name);
    // A filtered alias's filter goes with every shard request of this index (shard-search.ts).
    const aliasFilter = aliasFilterDefinitions(expression, handle.name, handle.metadata.aliases);
    const routing = searchRoutingFor(expression, handle.name, handle.metadata.aliases, routingParam);
    if (local !== undefined) {
      for (const shard of local) {
        const copy = shardsToSearch(state, handle, undefined)?.find((candidate) => candidate.shard === shard);
        if (copy === undefined || !copy.nodes.includes(nodeId)) throw errors.illegalArgument(`no started copy of shard [${shard}] of [${handle.name}] on this node for [preference] [${input.params['preference']}]`);
      }
      continue;
    }
    const all = shardsToSearch(state, handle, routing);
    if (all === undefined) throw errors.noShardAvailable(handle.name, 0);
    const found = preferredShards === undefined ? all : all.filter((shard) => preferredShards.has(shard.shard));
    shards.push(...(aliasFilter === undefined && readRestriction === undefined ? found : found.map((shard) => ({ ...shard, ...(aliasFilter !== undefined ? { aliasFilter } : {}), ...(readRestriction !== undefined ? { readRestriction } : {}) }))));
  }
  return local !== undefined ? 'local' : shards;
}

/**
 * The indices of a `_field_caps` request whose `index_filter` (in `input.body`) matches a document
 * the caller may see, read on one started copy of each shard wherever it lives (a size-0 search,
 * as a count runs, under the caller's document and field level security on the index); an index
 * takes part when any shard holds a matching document (field-caps-filter.ts). The indices are
 * resolved and authorized for field capabilities, which do not need `read`.
 */
export async function indicesMatchingFilter(
  deps: {
    readonly indices: IndicesService;
    readonly search: SearchService;
    readonly state: () => ClusterState;
    readonly nodeId: string;
    readonly channel: ShardSearchChannel;
    readonly cursor: () => number;
    readonly nowMs: () => number;
  },
  input: SearchInput,
  access: SearchAuthorizer,
): Promise<Set<string>> {
  const filter = (input.body as Record<string, unknown> | undefined)?.['index_filter'];
  const handles = deps.indices.resolve(input.expression, parseIndicesOptions(input.params, searchIndicesOptions), {
    allows: (name) => access.allowsIndex(fieldCapsAction, name),
    authorizeLiterals: (names) => access.indices(fieldCapsAction, names),
  });
  const state = deps.state();
  const matching = new Set<string>();
  await Promise.all(
    handles.map(async (handle) => {
      if (handle.metadata.state !== 'open' || handle.shards === undefined) return;
      const found = shardsToSearch(state, handle, undefined);
      if (found === undefined || found.length === 0) return;
      const restriction = access.readRestriction?.(fieldCapsAction, handle.name, Object.keys(handle.metadata.aliases));
      if (restriction !== undefined) restrictionToWire(restriction, handle.name);
      const answer = await searchShardsOnNodes({
        search: deps.search,
        input: { expression: handle.name, params: { size: '0', track_total_hits: '1' }, body: { query: filter } },
        shards: restriction === undefined ? found : found.map((shard) => ({ ...shard, readRestriction: restriction })),
        cursor: deps.cursor(),
        localNodeId: deps.nodeId,
        channel: deps.channel,
        // Authorized above for field capabilities; the restriction travels with the shards.
        access: COORDINATED,
        owner: COORDINATED_OWNER,
        nowMs: deps.nowMs,
      });
      if ((answer['hits'] as { total: { value: number } }).total.value > 0) matching.add(handle.name);
    }),
  );
  return matching;
}

export interface SearchWiringOptions {
  readonly nodeId: string;
  readonly coordination: CoordinationWiring;
  readonly dataPlane: DataPlaneWiring;
  readonly indices: IndicesService;
  readonly search: SearchService;
  readonly explainer: ExplainService;
  /** This node's async searches (those it coordinates run here; wire-async-search.ts). */
  readonly asyncSearches: AsyncSearchStore;
  /** Adds transport handlers (`_explain`'s shard action, wire-explain.ts). */
  readonly addTransportHandlers: (handlers: ReadonlyMap<string, TransportHandler>) => void;
  /** Replaces a transport action's handler (given the one registered before, the cross-cluster side). */
  readonly wrapTransportHandler: (action: string, wrap: (own: TransportHandler | undefined) => TransportHandler) => void;
  /** The remote clusters this node searches (cross-cluster requests; their settings are the cluster's, their keystore credentials this node's). */
  readonly remotes?: RemoteClusters;
  /** TEST ONLY (`strait.test.scroll.node_page_disconnect`): see ScrollWiringOptions.testPageDisconnect. */
  readonly testForwardedScrollPageDisconnect?: boolean;
  readonly log: Logger;
  readonly nowMs: () => number;
}

export interface SearchWiring {
  applyTo(routes: readonly Route[]): Route[];
  /** Scrolls across nodes (a reindex reads its source through them, wire-reindex-multi-node.ts; a remote cluster's scroll, wire-remote-search.ts). */
  readonly scrolls: ScrollWiring;
  /** Points in time across nodes (a remote cluster's, wire-remote-search.ts). */
  readonly pits: PitWiring;
}

export function wireSearch(options: SearchWiringOptions): SearchWiring {
  const { indices, search, nodeId, dataPlane } = options;
  const { coordinator } = options.coordination;
  // Remote clusters keep reaching the cross-cluster handlers of the same action names.
  const otherCluster = new Map<string, TransportHandler>();
  const handlers = shardSearchHandlers({
    search,
    cluster: { clusterName: coordinator.state().cluster_name, clusterUuid: coordinator.clusterUuid },
    // Authorized on the coordinating node; read under the caller's restriction when one travelled with the request.
    authorize: (request) => {
      const body = request.body as { expression?: unknown; read_restriction?: unknown } | null;
      const expression = typeof body?.expression === 'string' ? body.expression : '';
      return { access: coordinatedAccess(COORDINATED, expression, restrictionFromWire(body?.read_restriction)), owner: COORDINATED_OWNER };
    },
    otherCluster,
  });
  for (const action of Object.values(SHARD_SEARCH_ACTIONS)) {
    options.wrapTransportHandler(action, (own) => {
      if (own !== undefined) otherCluster.set(action, own);
      return handlers.get(action)!;
    });
  }
  let cursor = 0;
  // `_explain` reads one copy of the document's shard, on the node holding it (wire-explain.ts).
  const explain = wireExplain({
    nodeId,
    indices,
    explainer: options.explainer,
    state: () => coordinator.state(),
    copiesOf: (state, handle, shard) => shardsToSearch(state, handle, undefined)?.find((copies) => copies.shard === shard),
    request: (node, action, body, timeoutMs) => dataPlane.channel.request(node, action, body, timeoutMs),
    internalHandler: (handle) => dataPlane.replication.internalHandler(handle),
  });
  options.addTransportHandlers(explain.handlers);
  // Scroll contexts stay on the data nodes; the scroll id names them (wire-scroll.ts).
  const scrolls = wireScroll({
    nodeId,
    search,
    state: () => coordinator.state(),
    request: (node, action, body, timeoutMs) => dataPlane.channel.request(node, action, body, timeoutMs),
    internalHandler: (handle) => dataPlane.replication.internalHandler(handle),
    coordinated: COORDINATED,
    // A scroll over remote clusters too: kept on this node, its local part across the nodes (wire-scroll.ts).
    ...(options.remotes !== undefined && 'openScroll' in options.remotes ? { remotes: options.remotes as RemoteClusters & ScrollRemotes } : {}),
    planLocal: (input, access) => planSearchShards({ indices, state: () => coordinator.state(), nodeId, restrictionsTravel: true }, input, access),
    nowMs: options.nowMs,
    log: options.log.child({ component: 'scroll' }),
    ...(options.testForwardedScrollPageDisconnect === true ? { testPageDisconnect: options.log.child({ component: 'scroll' }) } : {}),
  });
  options.addTransportHandlers(scrolls.handlers);
  // Point in time contexts stay on the data nodes; the id names each shard's node and context (wire-pit.ts).
  const pits = wirePit({
    nodeId,
    indices,
    search,
    state: () => coordinator.state(),
    channel: dataPlane.channel,
    internalHandler: (handle) => dataPlane.replication.internalHandler(handle),
    coordinated: COORDINATED,
    shardsOf: (state, handle) => shardsToSearch(state, handle, undefined),
    // A point in time over remote clusters too: its local part across the nodes (wire-pit.ts).
    ...(options.remotes !== undefined && 'openPointInTime' in options.remotes ? { remotes: options.remotes as RemoteClusters & PitRemotes } : {}),
    nowMs: options.nowMs,
  });
  options.addTransportHandlers(pits.handlers);

  const plan = (input: SearchInput, context: RequestContext): ShardCopies[] | 'local' =>
    planSearchShards({ indices, state: () => coordinator.state(), nodeId, restrictionsTravel: true }, input, context.authorize);

  const searchAcross = async (input: SearchInput, context: RequestContext, shards: readonly ShardCopies[]): Promise<Record<string, unknown>> =>
    searchShardsOnNodes({
      search,
      input,
      shards,
      cursor: cursor++,
      localNodeId: nodeId,
      channel: dataPlane.channel,
      access: context.authorize,
      owner: scrollOwner(context),
      nowMs: options.nowMs,
    });

  /** The clusters an expression names, or undefined when it names no remote cluster (planClusters). */
  const crossClusters = (expression: string | undefined): ClusterPlan | undefined =>
    options.remotes === undefined || expression === undefined || !expression.includes(':') ? undefined : planClusters(expression, options.remotes);

  /**
   * The local part of a cross-cluster request across this cluster's nodes, authorized here for the
   * caller (planSearchShards): reduced to this cluster's top hits with partial aggregations, as a
   * multi-node remote answers (remoteSearchOnNodes without a cluster alias, so `_index` names the
   * local index). Undefined when this node's own copies answer it, or no shard: the single-node part.
   */
  const localAcross =
    (context: RequestContext): LocalAcross =>
    async (input) => {
      const shards = plan(input, context);
      if (shards === 'local' || shards.length === 0) return undefined;
      return remoteSearchOnNodes({ search, input, shards, cursor: cursor++, localNodeId: nodeId, channel: dataPlane.channel, access: context.authorize, owner: scrollOwner(context), nowMs: options.nowMs });
    };

  // The unminimized local part: the data nodes' query contexts kept under one id here until this
  // node fetches the page's hits (or frees them), as a multi-node remote keeps them for its caller.
  const nodeSide = { search, channel: dataPlane.channel, localNodeId: nodeId, owner: COORDINATED_OWNER };
  const localContexts = new GatewayQueryContexts(
    () => randomBytes(12).toString('hex'),
    (context) => releasePhases({ ...nodeSide, phases: context.phases, keep: new Set() }),
  );
  const gateway = { ...nodeSide, nodeOwner: COORDINATED_OWNER, contexts: localContexts };
  /** The local part of a `ccs_minimize_roundtrips=false` search across this cluster's nodes; this node's stores when its own copies answer (or no shard). */
  const localPhases = (context: RequestContext): LocalQueryPhases => {
    const caller = scrollOwner(context);
    return {
      queryPhase: async (input) => {
        const shards = plan(input, context);
        if (shards === 'local' || shards.length === 0) return search.queryPhaseAsRemote(input, context.authorize, caller, undefined);
        return remoteQueryPhaseOnNodes({ ...nodeSide, input, shards, cursor: cursor++, access: context.authorize, contexts: localContexts, caller });
      },
      fetch: async (contextId, hits) => (await remoteFetchOnNodes(gateway, contextId, hits, caller)) ?? search.fetchAsRemote(contextId, hits, caller),
      free: async (contextId) => {
        if ((await remoteFreeOnNodes(gateway, contextId, caller)) === undefined) search.freeQueryContext(contextId, caller);
      },
    };
  };

  /**
   * A search over remote clusters too: each remote part goes to its cluster as a single node
   * sends it, carrying the caller; `ccs_minimize_roundtrips=false` runs the local part's query
   * phase across the nodes and fetches the page's local hits there. A `_search` scroll over
   * remote clusters is kept on this node (wire-scroll.ts); one anywhere else (an async search or
   * an `_msearch` item, which Elasticsearch refuses too) is refused here.
   */
  const checkClusterSearch = (input: SearchInput): void => {
    if (input.params['scroll'] !== undefined) throw unsupported('[scroll] over remote clusters');
    booleanParam(input.params['ccs_minimize_roundtrips'], true);
  };
  const searchClusters = (input: SearchInput, context: RequestContext, clusters: ClusterPlan): Promise<Record<string, unknown>> => {
    checkClusterSearch(input);
    const remotes = options.remotes!;
    if (!booleanParam(input.params['ccs_minimize_roundtrips'], true) && 'queryPhase' in remotes) {
      const unminimized = remotes as RemoteClusters & QueryPhaseRemotes;
      return searchAcrossClustersUnminimized(search, input, clusters, context.authorize, unminimized, scrollOwner(context), context.authentication, localPhases(context));
    }
    return searchAcrossClusters(search, input, clusters, context.authorize, options.remotes!, context.authentication, localAcross(context));
  };

  /**
   * A `_search` across nodes (or clusters) is a task of this node, as one node's is: listed by
   * `GET /_tasks` as `indices:data/read/search`, with each node's query phase a child task there
   * (shard-search.ts), and `_cancel` cancels it with its children, here and on the other nodes.
   */
  const asSearchTask = <T>(request: RestRequest, work: () => Promise<T>, description = searchDescription(request.params['index'], request.json())): Promise<T> =>
    search.tasks.run({ action: searchAction, description, cancellable: true, headers: taskHeaders((name) => headerOf(request, name)) }, (task) => untilCancelled(work(), task));
  // A cancelled task's children on this node, sent by the node whose task it is (TASK_BAN_ACTION).
  options.addTransportHandlers(
    new Map([
      [
        TASK_BAN_ACTION,
        dataPlane.replication.internalHandler((body) => {
          const object = body as { parent_task_id?: unknown; reason?: unknown } | null;
          if (object === null || typeof object !== 'object' || typeof object.parent_task_id !== 'string') throw errors.illegalArgument(`malformed [${TASK_BAN_ACTION}] request`);
          parseTaskId(object.parent_task_id);
          const reason = typeof object.reason === 'string' ? object.reason : 'by user request';
          return { cancelled: search.tasks.cancelChildrenOf(object.parent_task_id, '', reason).map((task) => task.taskId) };
        }),
      ],
    ]),
  );

  const searchRoute = (original: Route): Route => ({
    ...original,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      const input = { expression: request.params['index'], params: request.query, body: request.json() };
      checkQueryStringParams(request.query, request.rawPath);
      if (pits.names(input.body)) return { status: 200, body: await asSearchTask(request, () => pits.search(input, context)) };
      const clusters = crossClusters(input.expression);
      const crossClusterScroll = clusters !== undefined && input.params['scroll'] !== undefined ? scrolls.openAcrossClusters(input, clusters, context) : undefined;
      if (crossClusterScroll !== undefined) return { status: 200, body: await crossClusterScroll };
      if (clusters !== undefined) return { status: 200, body: await asSearchTask(request, () => searchClusters(input, context, clusters)) };
      // A scroll plans its shards as a search does, then keeps its contexts on the data nodes.
      const { scroll, ...unscrolled } = input.params;
      const shards = plan(scroll === undefined ? input : { ...input, params: unscrolled }, context);
      // This node's own copies, or no shard at all (an empty answer exactly as a single node gives it).
      if (shards === 'local' || shards.length === 0) return original.handle(request, context);
      // A DFS scroll runs its DFS phase across the nodes once, when it opens (wire-scroll.ts).
      if (scroll !== undefined) return { status: 200, body: await scrolls.open(input, shards, context) };
      return { status: 200, body: await asSearchTask(request, () => searchAcross(input, context, shards)) };
    },
  });

  // Async searches run across the nodes on the node that received the submit; their id names it (wire-async-search.ts).
  const asyncSearches = wireAsyncSearch({
    nodeId,
    store: options.asyncSearches,
    search,
    state: () => coordinator.state(),
    request: (node, action, body, timeoutMs) => dataPlane.channel.request(node, action, body, timeoutMs),
    internalHandler: (handle) => dataPlane.replication.internalHandler(handle),
    prepare: (input, context) => {
      if (pits.names(input.body)) return () => pits.search(input, context);
      const clusters = crossClusters(input.expression);
      if (clusters !== undefined) {
        // Refused or forbidden at the submit, as a local one: the local part is authorized here now.
        checkClusterSearch(input);
        context.authorize.delegateToRemote?.();
        if (clusters.local !== undefined) plan({ ...input, expression: clusters.local }, context);
        return () => searchClusters(input, context, clusters);
      }
      const shards = plan(input, context);
      if (shards === 'local' || shards.length === 0) return () => search.searchCancellable(input, context.authorize, scrollOwner(context));
      return () => searchAcross(input, context, shards);
    },
  });
  options.addTransportHandlers(asyncSearches.handlers);

  /** One search (an `_msearch` item) across nodes, or as a single node answers it when it reads this node's copies or none. */
  const searchOne = async (input: SearchInput, context: RequestContext): Promise<Record<string, unknown>> => {
    if (pits.names(input.body)) return pits.search(input, context);
    const clusters = crossClusters(input.expression);
    if (clusters !== undefined) return searchClusters(input, context, clusters);
    const shards = plan(input, context);
    if (shards === 'local' || shards.length === 0) return search.search(input, context.authorize, scrollOwner(context));
    return searchAcross(input, context, shards);
  };

  /**
   * `_msearch`: every item is a search across nodes, answered on its own (an item's error is its
   * response with its status, as on one node), at most `max_concurrent_searches` at a time.
   */
  const msearchRoute = (original: Route): Route => ({
    ...original,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      const started = options.nowMs();
      const text = request.text();
      if (text.trim() === '') throw errors.bodyRequired();
      if (!text.endsWith('\n')) throw errors.illegalArgument('The msearch request must be terminated by a newline [\\n]');
      const maxConcurrent = request.query['max_concurrent_searches'];
      if (maxConcurrent !== undefined && !(Number(maxConcurrent) >= 1)) throw errors.illegalArgument('maxConcurrentSearchRequests must be positive');
      const items = parseMsearchLines(request.ndjson(), { expression: request.params['index'], params: request.query });
      const dataNodes = Object.values(coordinator.state().nodes).filter(isDataNode).length;
      const limit = maxConcurrent === undefined ? defaultMaxConcurrentSearches(dataNodes, availableParallelism()) : Math.floor(Number(maxConcurrent));
      const headers = taskHeaders((name) => headerOf(request, name));
      // TransportMultiSearchAction: the `_msearch` is a task of this node, each item a search task
      // under it (whose query phases on the data nodes are its children, shard-search.ts). A
      // cancelled `_msearch` cancels its items, here and on the other nodes; each item then answers
      // task_cancelled_exception in its place, as Elasticsearch's do.
      const responses = await search.tasks.run({ action: msearchAction, description: `requests[${items.length}]: ${items.map((item) => searchDescription(item.expression, item.body)).join(' | ')}`, cancellable: true, headers }, (parent) =>
        runLimited(items, limit, async (item) => {
          try {
            const start = { action: searchAction, description: searchDescription(item.expression, item.body), cancellable: true, parentTaskId: parent.taskId, headers };
            return { ...(await search.tasks.run(start, (task) => untilCancelled(searchOne(item, context), task))), status: 200 };
          } catch (error) {
            if (!(error instanceof EsError)) throw error;
            return { ...error.toBody() };
          }
        }),
      );
      return { status: 200, body: { took: options.nowMs() - started, responses } };
    },
  });

  /** `_cat/count`: the cross-node count of the indices (every document; a size-0 search for the total). */
  const catCountRoute = (original: Route): Route => ({
    ...original,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      const params: Record<string, string> = { size: '0', track_total_hits: 'true' };
      for (const name of ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards']) if (request.query[name] !== undefined) params[name] = request.query[name]!;
      const input = { expression: request.params['index'], params, body: undefined };
      const shards = plan(input, context);
      if (shards === 'local' || shards.length === 0) return original.handle(request, context);
      const answer = await searchAcross(input, context, shards);
      const total = (answer['hits'] as { total: { value: number } }).total.value;
      return renderCatCount(request, options.nowMs(), total);
    },
  });

  /**
   * `_field_caps` with an `index_filter`: whether an index takes part depends on its documents,
   * which live on the nodes holding its shards (indicesMatchingFilter). The rest is the
   * single-node answer: mappings are the same on every node.
   */
  const filterDeps = { indices, search, state: () => coordinator.state(), nodeId, channel: dataPlane.channel, cursor: () => cursor++, nowMs: options.nowMs };
  const fieldCapsRoute = (original: Route): Route => ({
    ...original,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      const body = request.json();
      const expression = request.params['index'];
      const filter = parseFieldCapsOptions(request.query, body).indexFilter;
      const input = { expression, params: request.query, body };
      const clusters = crossClusters(expression);
      // Across clusters: the local indices that take part under the filter are decided on the nodes holding their shards.
      if (clusters !== undefined && filter !== undefined && clusters.local !== undefined) {
        const local = { expression: clusters.local, params: request.query, body };
        const matching = await indicesMatchingFilter(filterDeps, local, context.authorize);
        return { status: 200, body: await fieldCapsAcrossClusters(search, input, clusters, context.authorize, options.remotes!, context.authentication, (handle) => matching.has(handle.name)) };
      }
      if (filter === undefined || clusters !== undefined) return original.handle(request, context);
      const matching = await indicesMatchingFilter(filterDeps, input, context.authorize);
      return { status: 200, body: search.fieldCaps(input, context.authorize, [], (handle) => matching.has(handle.name)) };
    },
  });

  const countRoute = (original: Route): Route => ({
    ...original,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      const body = request.json();
      const input = { expression: request.params['index'], params: request.query, body };
      const clusters = crossClusters(input.expression);
      if (clusters !== undefined) {
        checkCountQueryParams(request.query, body !== undefined, request.rawPath);
        return { status: 200, body: await asSearchTask(request, () => countAcrossClusters(search, input, clusters, context.authorize, options.remotes!, context.authentication, localAcross(context))) };
      }
      const shards = plan(input, context);
      if (shards === 'local' || shards.length === 0) return original.handle(request, context);
      checkCountQueryParams(request.query, body !== undefined, request.rawPath);
      // A body other than `{query}` gets the single-node count's 400.
      if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).some((key) => key !== 'query'))) return original.handle(request, context);
      // A count is a search for the total only (TransportCountAction runs a size-0 search).
      const searchParams: Record<string, string> = { size: '0', track_total_hits: 'true' };
      for (const name of ['q', 'df', 'default_operator', 'analyzer', 'analyze_wildcard', 'lenient', 'terminate_after', 'routing', 'ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'ignore_throttled']) {
        if (request.query[name] !== undefined) searchParams[name] = request.query[name]!;
      }
      const minScore = request.query['min_score'];
      if (minScore !== undefined && !Number.isFinite(Number(minScore))) throw errors.illegalArgument(`failed to parse [min_score] value [${minScore}]`);
      const searchBody = { ...((body as Record<string, unknown> | undefined) ?? {}), ...(minScore !== undefined ? { min_score: Number(minScore) } : {}) };
      const counting = { expression: input.expression, params: searchParams, body: Object.keys(searchBody).length === 0 ? undefined : searchBody };
      // RestCountAction runs a search: an `indices:data/read/search` task, its query phases children on the data nodes.
      const answer = await asSearchTask(request, () => searchAcross(counting, context, shards), searchDescription(counting.expression, counting.body));
      const total = (answer['hits'] as { total: { value: number } | number }).total;
      return { status: 200, body: { count: typeof total === 'number' ? total : total.value, _shards: answer['_shards'] } };
    },
  });

  return {
    scrolls,
    pits,
    applyTo: (routes) =>
      routes.map((route) => {
        if (route.path === '/_search' || route.path === '/:index/_search') return searchRoute(route);
        if (route.path === '/_count' || route.path === '/:index/_count') return countRoute(route);
        if (route.path === '/_field_caps' || route.path === '/:index/_field_caps') return fieldCapsRoute(route);
        if (route.path === '/_msearch' || route.path === '/:index/_msearch') return msearchRoute(route);
        if (route.path === '/_cat/count' || route.path === '/_cat/count/:index') return catCountRoute(route);
        if (route.action === explainAction) return explain.route(route);
        if (route.path === '/_search/scroll' || route.path === '/_search/scroll/:scroll_id') return scrolls.route(route);
        if (route.action === pitActions.open || route.action === pitActions.close) return pits.route(route);
        if ([asyncSearchActions.submit, asyncSearchActions.get, asyncSearchActions.status, asyncSearchActions.delete].includes(route.action as never)) return asyncSearches.route(route);
        return route;
      }),
  };
}

export function unsupported(what: string) {
  return errors.illegalArgument(`${what} is not supported by Strait for searches whose shards live on several nodes yet ([discovery.type] is [multi-node])`);
}
