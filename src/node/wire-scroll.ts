/**
 * Scroll in a multi-node cluster (issue #14). Opening a scroll (`_search?scroll=`) picks one
 * started copy of every shard (round robin, as a search does) and has each node holding some of
 * them open a scroll context over its shards (`indices:data/read/search[scroll/open]`, ours): the
 * contexts stay on the data nodes, owned by the caller (the coordinating node names the user and
 * realm; the credentials never travel). Each node's context holds its hits in its merged order; the
 * scroll id names every node's context and how far into it the scroll has read, so any node can
 * continue the scroll (Elasticsearch's scroll id also names each shard's node and context). A page
 * asks each node for a page from its offset (`indices:data/read/search[phase/query/scroll]`),
 * merges them with the pure merge, keeps the first `size` (exact: every node not yet exhausted
 * offers a full page) and answers with the offsets advanced in a new id ("always use the most
 * recently received _scroll_id", paginate-search-results.html#scroll-search-results). Keep-alive
 * is renewed on every node each page; clear scroll frees every node's context
 * (`[free_context/scroll]`), `_all` every context on every node (`[clear_scroll_contexts]`).
 * A `dfs_query_then_fetch` scroll over several shards runs the DFS phase across the nodes once,
 * when it opens, and every node's context scores with the summed statistics (dfs.ts).
 * A scroll over remote clusters too (`remote:index`) is kept on the node that opened it, as one
 * node keeps it (src/search/ccs-scroll.ts), with this cluster's part a scroll across its nodes;
 * its id names that node, to which the other nodes forward its pages and clearing
 * (`[phase/query/scroll/clusters]`, `[free_context/scroll/clusters]`, ours), so it is lost with
 * that node. Another cluster's scroll over this one (this cluster is its remote) is the same
 * scroll across the nodes, its contexts owned by the remote caller and its hits' `_index` read
 * `alias:index` (`remote`, served through src/remote/server.ts). A part whose node died is a
 * context missing (404), as once the node left the cluster.
 * Loaded only in multi-node mode (through wire-search.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClusterState } from '../cluster/state.js';
import { EsError, errors } from '../common/errors.js';
import { mergeAggregationPartials, mergeShardResults, type FieldMappings, type ShardHit, type ShardResult } from '../index/searcher/index.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { booleanParam } from '../http/request.js';
import { scrollOwner } from '../http/routes/search.js';
import { combinedAliasFilter } from '../search/alias-filter.js';
import { renderSearchResponse, typedKeys } from '../search/response.js';
import { checkKeepAlive, encodeOpaqueId, opaqueIdBody, type ScrollOwner } from '../search/scroll.js';
import { rejectAcrossClusters } from '../search/search-extras.js';
import { allShardsFailed } from '../search/response.js';
import { CrossClusterScrolls, decodeCrossClusterScroll, decodeCrossClusterScrollId, type LocalScrollPart, type ScrollRemotes } from '../search/ccs-scroll.js';
import type { ClusterAuthorizer, ClusterPlan } from '../search/ccs.js';
import type { ClusterScrollPage, SearchAuthorizer, SearchInput, SearchService } from '../search/search-service.js';
import { dfsPhasesOnNodes, groupByNode, selectShardCopies, type ShardCopies } from '../search/shard-search.js';
import { parseDfsStatistics } from '../search/dfs.js';
import { parseTimeValueMs } from '../search/time-value.js';
import { connectionFailureTypes, type TransportHandler } from '../transport/index.js';
import { coordinatedAccess, restrictionFromWire, restrictionToWire } from './travelling-restriction.js';

export const SCROLL_NODE_ACTIONS = {
  /** Ours: opens a scroll context over the named shards of one index on this node. */
  open: 'indices:data/read/search[scroll/open]',
  page: 'indices:data/read/search[phase/query/scroll]',
  free: 'indices:data/read/search[free_context/scroll]',
  clearAll: 'indices:data/read/search[clear_scroll_contexts]',
  /** Ours: the next page of a cross-cluster scroll, answered by the node that coordinates it. */
  crossClusterPage: 'indices:data/read/search[phase/query/scroll/clusters]',
  /** Ours: frees a cross-cluster scroll on the node that coordinates it. */
  crossClusterFree: 'indices:data/read/search[free_context/scroll/clusters]',
} as const;

/** Transport failures after which a part's context is taken as gone with its node (as shard-search.ts's lost nodes). */
const lostWithNodeTypes = connectionFailureTypes;

/** How long the coordinating node waits for a node's part of a scroll (ours). */
const scrollRequestTimeoutMs = 60_000;

const idPrefix = 'strait-mn-scroll:';

type RenderedHit = ShardHit & { readonly rendered: Record<string, unknown> };
type PartPage = Pick<ClusterScrollPage, 'hits' | 'totalHits' | 'totalRelation' | 'maxScore'>;

/** What a multi-node scroll id holds: each node's context and offset, and what merging needs. */
interface ScrollIdState {
  /** [node id, the node's scroll id, offset, the part's total hits]. */
  readonly parts: readonly (readonly [string, string, number, number])[];
  readonly size: number;
  readonly sort: unknown;
  readonly shards: { readonly total: number; readonly successful: number; readonly skipped: number; readonly failed: number };
}

function encodeId(state: ScrollIdState): string {
  return encodeOpaqueId(idPrefix, JSON.stringify(state));
}

/** The state a multi-node scroll id holds, or undefined for any other id (a local or cross-cluster scroll's). */
export function decodeMultiNodeScrollId(id: string): ScrollIdState | undefined {
  const body = opaqueIdBody(idPrefix, id);
  if (body === undefined) return undefined;
  try {
    const state = JSON.parse(body) as ScrollIdState;
    const wellFormed = (part: unknown): boolean =>
      Array.isArray(part) && part.length === 4 && typeof part[0] === 'string' && typeof part[1] === 'string' && Number.isSafeInteger(part[2]) && part[2] >= 0 && Number.isSafeInteger(part[3]) && part[3] >= 0;
    if (Array.isArray(state.parts) && state.parts.every(wellFormed) && Number.isSafeInteger(state.size) && state.size >= 0) return state;
  } catch {
    // not ours after all
  }
  throw errors.illegalArgument('Cannot parse scroll id');
}

function ownerOf(value: unknown): ScrollOwner {
  const owner = value as Partial<ScrollOwner> | null;
  if (owner === null || typeof owner !== 'object' || typeof owner.username !== 'string' || typeof owner.realm !== 'string') throw errors.illegalArgument('a scroll request names its owner as {username, realm}');
  return { username: owner.username, realm: owner.realm };
}

function objectBody(body: unknown, action: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.illegalArgument(`malformed [${action}] request: the body is not an object`);
  return body as Record<string, unknown>;
}

export interface ScrollWiringOptions {
  readonly nodeId: string;
  readonly search: SearchService;
  readonly state: () => ClusterState;
  readonly request: (nodeId: string, action: string, body: unknown, timeoutMs: number) => Promise<unknown>;
  readonly internalHandler: (handle: (body: unknown) => unknown) => TransportHandler;
  /** The coordinating node authorized the search: data nodes run their part as asked. */
  readonly coordinated: SearchAuthorizer;
  /** The remote clusters a scroll over several clusters reads (undefined: none configured). */
  readonly remotes?: ScrollRemotes;
  /** The shards of this cluster's part of a cross-cluster scroll, authorized for the caller (`local`: this node's own copies). */
  readonly planLocal: (input: SearchInput, access: ClusterAuthorizer) => readonly ShardCopies[] | 'local';
  readonly nowMs: () => number;
  readonly log?: Logger;
  /**
   * TEST ONLY fault injection (`strait.test.scroll.node_page_disconnect`, refused unless
   * STRAIT_TEST_FAULT_INJECTION=1), logged there: a scroll page another node asks of this one (a
   * page of a cross-cluster scroll held here, forwarded to it; this node's part of a page of a
   * scroll across nodes) is computed (a cross-cluster scroll advances), then the connection it
   * came on closed instead of answered, once per scroll id and offset, so tests lose a page's
   * answer on a real link between nodes.
   */
  readonly testPageDisconnect?: Logger;
}

/** How many pages the test-only page disconnect remembers having dropped. */
const testDisconnectsMax = 10_000;

export interface ScrollWiring {
  readonly handlers: ReadonlyMap<string, TransportHandler>;
  /** `_search?scroll=` over shards on several nodes. */
  open(input: SearchInput, shards: readonly ShardCopies[], context: RequestContext): Promise<Record<string, unknown>>;
  /** `open` for a caller named by its scroll owner (a reindex's source scroll, wire-reindex-multi-node.ts). */
  openAs(input: SearchInput, shards: readonly ShardCopies[], owner: ScrollOwner): Promise<Record<string, unknown>>;
  /** The next page of a multi-node scroll (undefined: `id` is not a multi-node scroll's). */
  next(id: string, keepAlive: string | undefined, owner: ScrollOwner): Promise<Record<string, unknown>> | undefined;
  /** Frees a multi-node scroll's contexts on every node (false: `id` is not a multi-node scroll's). */
  clear(id: string, owner: ScrollOwner): Promise<boolean>;
  /** `_search?scroll=` naming remote clusters: kept on this node, this cluster's part across its nodes (undefined: no remote clusters). */
  openAcrossClusters(input: SearchInput, clusters: ClusterPlan, context: RequestContext): Promise<Record<string, unknown>> | undefined;
  /** Wraps the scroll and clear-scroll routes: multi-node ids here, the others as before. */
  route(original: Route): Route;
  /**
   * Another cluster's scroll over this cluster's shards (this cluster is the remote,
   * wire-remote-search.ts): opened across the nodes holding them under the remote caller's
   * scroll owner, continued and cleared by its id; a single node's scroll id as one node answers it.
   */
  readonly remote: {
    open(input: SearchInput, access: SearchAuthorizer, owner: ScrollOwner, clusterAlias: string): Promise<ClusterScrollPage> | ClusterScrollPage;
    scroll: LocalScrollPart['scroll'];
    clear: LocalScrollPart['clear'];
  };
}

export function wireScroll(options: ScrollWiringOptions): ScrollWiring {
  const { search, nodeId } = options;
  let cursor = 0;

  // ---------------------------------------------------------------- data node side

  const openHere = (body: Record<string, unknown>): ClusterScrollPage => {
    const expression = body['expression'];
    const params = body['params'];
    if (typeof expression !== 'string' || expression === '' || params === null || typeof params !== 'object' || !Object.values(params).every((value) => typeof value === 'string')) {
      throw errors.illegalArgument(`malformed [${SCROLL_NODE_ACTIONS.open}] request`);
    }
    const aliasFilter = body['alias_filter'];
    if (aliasFilter !== undefined && aliasFilter !== null && !Array.isArray(aliasFilter)) throw errors.illegalArgument(`malformed [${SCROLL_NODE_ACTIONS.open}] request: [alias_filter]`);
    const filter = combinedAliasFilter((aliasFilter as unknown[] | null | undefined) ?? undefined);
    const access = coordinatedAccess(options.coordinated, expression, restrictionFromWire(body['read_restriction']));
    // A DFS scroll's statistics of every shard, summed by the coordinating node when it opened (dfs.ts).
    const dfs = body['dfs'] === undefined || body['dfs'] === null ? undefined : parseDfsStatistics(body['dfs'], SCROLL_NODE_ACTIONS.open);
    // A remote cluster's scroll (this cluster is the remote): `_index` and shard keys read `alias:index`.
    const clusterAlias = body['cluster_alias'];
    if (clusterAlias !== undefined && clusterAlias !== null && (typeof clusterAlias !== 'string' || clusterAlias === '')) throw errors.illegalArgument(`malformed [${SCROLL_NODE_ACTIONS.open}] request: [cluster_alias]`);
    return search.openScrollAsRemote({ expression, params: params as Record<string, string>, body: body['body'] ?? undefined }, access, ownerOf(body['owner']), clusterAlias ?? undefined, filter === undefined ? undefined : new Map([[expression, filter]]), dfs);
  };
  const pageHere = (body: Record<string, unknown>): PartPage => {
    const { scroll_id: id, offset, scroll } = body;
    if (typeof id !== 'string' || !Number.isInteger(offset) || (offset as number) < 0 || !(scroll === null || typeof scroll === 'string')) throw errors.illegalArgument(`malformed [${SCROLL_NODE_ACTIONS.page}] request`);
    return search.scrollPartAt(id, offset as number, scroll ?? undefined, ownerOf(body['owner']));
  };
  const freeHere = (body: Record<string, unknown>): { freed: number } => {
    const ids = body['scroll_ids'];
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw errors.illegalArgument(`malformed [${SCROLL_NODE_ACTIONS.free}] request`);
    return { freed: search.clearScroll(ids as string[], ownerOf(body['owner'])).body['num_freed'] as number };
  };
  // TEST ONLY: the pages whose connection the fault injection already closed (once per scroll id and offset).
  const testDisconnected = new Set<string>();
  const withTestDisconnect = (handle: TransportHandler): TransportHandler => {
    const log = options.testPageDisconnect;
    if (log === undefined) return handle;
    return async (request) => {
      const answer = await handle(request);
      const { scroll_id: scrollId, offset } = request.body as Record<string, unknown>;
      const key = `${String(scrollId)}@${String(offset)}`;
      if (request.closeConnection !== undefined && !testDisconnected.has(key) && testDisconnected.size < testDisconnectsMax) {
        testDisconnected.add(key);
        log.warn({ peer: request.peer.handshake.nodeName, action: request.action }, 'strait.test.scroll.node_page_disconnect: closing the node-to-node connection instead of answering a computed scroll page (test-only setting)');
        request.closeConnection();
        throw errors.nodeDisconnected(undefined, request.peer.address, request.action);
      }
      return answer;
    };
  };
  const handlers = new Map<string, TransportHandler>([
    [SCROLL_NODE_ACTIONS.open, options.internalHandler((body) => openHere(objectBody(body, SCROLL_NODE_ACTIONS.open)))],
    [SCROLL_NODE_ACTIONS.page, withTestDisconnect(options.internalHandler((body) => pageHere(objectBody(body, SCROLL_NODE_ACTIONS.page))))],
    [SCROLL_NODE_ACTIONS.free, options.internalHandler((body) => freeHere(objectBody(body, SCROLL_NODE_ACTIONS.free)))],
    [
      SCROLL_NODE_ACTIONS.clearAll,
      options.internalHandler(async () => {
        const crossCluster = ccsScrolls === undefined ? 0 : await ccsScrolls.clearAll();
        return { freed: crossCluster + (search.clearScroll('all', { username: '_system', realm: '__cluster' }).body['num_freed'] as number) };
      }),
    ],
    [SCROLL_NODE_ACTIONS.crossClusterPage, withTestDisconnect(options.internalHandler((body) => crossClusterPageHere(objectBody(body, SCROLL_NODE_ACTIONS.crossClusterPage))))],
    [SCROLL_NODE_ACTIONS.crossClusterFree, options.internalHandler((body) => crossClusterFreeHere(objectBody(body, SCROLL_NODE_ACTIONS.crossClusterFree)))],
  ]);

  /** This node runs its own part in process; the others over the data-plane channel. */
  const onNode = <T>(node: string, action: string, body: Record<string, unknown>, local: (body: Record<string, unknown>) => T): Promise<T> => {
    if (node === nodeId) return Promise.resolve().then(() => local(body));
    // A node that is not (or no longer) in the cluster holds no context of this scroll (a forged or stale id).
    if (options.state().nodes[node] === undefined) return Promise.reject(errors.searchContextMissing(String(body['scroll_id'] ?? (body['scroll_ids'] as unknown[] | undefined)?.[0] ?? '')));
    return options.request(node, action, body, scrollRequestTimeoutMs) as Promise<T>;
  };

  const freeParts = async (parts: readonly (readonly [string, string, ...unknown[]])[], owner: ScrollOwner): Promise<number> => {
    const freed = await Promise.all(
      parts.map(([node, id]) =>
        onNode(node, SCROLL_NODE_ACTIONS.free, { scroll_ids: [id], owner }, freeHere)
          .then((answer) => answer.freed)
          .catch(() => 0), // a context already gone (expired, or its node left) frees nothing more
      ),
    );
    return freed.reduce((sum, count) => sum + count, 0);
  };

  /**
   * The next page from each part's buffer (each holds a full page from its offset, or is
   * exhausted): merged, cut to `size`, with each part's offset advanced by what it gave.
   */
  const cutPage = (state: ScrollIdState, pages: readonly PartPage[]): { hits: RenderedHit[]; next: ScrollIdState } => {
    const results: ShardResult[] = pages.map((page, i) => ({ shardKey: String(i), totalHits: page.hits.length, totalRelation: 'eq', maxScore: -Infinity, hits: page.hits, aggregations: undefined, terminatedEarly: false }));
    const request = { sort: state.sort, from: 0, size: state.size, aggregations: [], trackTotalHits: false } as unknown as Parameters<typeof mergeShardResults>[1];
    const merged = mergeShardResults(results, request).hits as RenderedHit[];
    const taken = new Set<ShardHit>(merged);
    const parts = state.parts.map(([node, id, offset, total], i) => [node, id, offset + pages[i]!.hits.filter((hit) => taken.has(hit)).length, total] as const);
    return { hits: merged, next: { ...state, parts } };
  };

  // ---------------------------------------------------------------- coordinating side

  /** Opens the scroll's context on every node holding a picked copy; its first page, cut from every part's. */
  const openParts = async (input: SearchInput, shards: readonly ShardCopies[], owner: ScrollOwner, clusterAlias?: string) => {
    const started = options.nowMs();
    const parsed = search.parseForClusters(input);
    rejectAcrossClusters(parsed.extras, clusterAlias === undefined ? 'several nodes' : 'remote clusters');
    checkKeepAlive(parsed.scrollKeepAliveMs!);
    const { selections, unavailable } = selectShardCopies(shards, cursor++, input.params['preference'], nodeId);
    if (unavailable.length > 0) throw errors.noShardAvailable(unavailable[0]!.index, unavailable[0]!.shard);
    const aliasFilters = new Map(shards.flatMap((shard) => (shard.aliasFilter === undefined ? [] : [[shard.index, shard.aliasFilter] as const])));
    // The caller's document and field level security goes with each part (travelling-restriction.ts).
    const restrictions = new Map(shards.flatMap((shard) => (shard.readRestriction === undefined ? [] : [[shard.index, restrictionToWire(shard.readRestriction, shard.index)] as const])));
    const parts = groupByNode(selections);
    // `dfs_query_then_fetch` over several shards: the DFS phase runs once, now, on the copies the
    // scroll reads, and every node's context scores with the sum (as Elasticsearch's scroll runs
    // its DFS phase once, then keeps each shard's context); later pages only continue them.
    const dfs =
      input.params['search_type'] === 'dfs_query_then_fetch' && selections.length > 1
        ? await dfsPhasesOnNodes({ search, input, shards, localNodeId: nodeId, channel: { request: options.request }, access: options.coordinated }, parts)
        : undefined;
    const outcomes = await Promise.allSettled(
      parts.map((part) =>
        onNode(
          part.nodeId,
          SCROLL_NODE_ACTIONS.open,
          {
            expression: part.index,
            params: { ...input.params, preference: `_shards:${part.shards.join(',')}` },
            body: input.body ?? null,
            alias_filter: aliasFilters.get(part.index) ?? null,
            read_restriction: restrictions.get(part.index) ?? null,
            owner,
            ...(clusterAlias === undefined ? {} : { cluster_alias: clusterAlias }),
            ...(dfs === undefined ? {} : { dfs }),
          },
          openHere,
        ),
      ),
    );
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed !== undefined) {
      // One part failed: the scroll fails, and the contexts that opened are freed.
      await freeParts(outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [[parts[i]!.nodeId, outcome.value.scrollId] as const] : [])), owner);
      throw failed.reason instanceof EsError ? failed.reason : errors.internal(String(failed.reason));
    }
    const pages = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<ClusterScrollPage>).value);
    const mappings: Record<string, FieldMappings[string]> = {};
    for (const page of pages) for (const [path, mapping] of Object.entries(page.mappings)) mappings[path] ??= mapping;
    const shardsSummary = { total: 0, successful: 0, skipped: 0, failed: 0 };
    for (const page of pages) {
      shardsSummary.total += page.shards.total;
      shardsSummary.successful += page.shards.successful;
      shardsSummary.skipped += page.shards.skipped;
      shardsSummary.failed += page.shards.failed;
    }
    const state: ScrollIdState = { parts: pages.map((page, i) => [parts[i]!.nodeId, page.scrollId, 0, page.totalHits] as const), size: parsed.request.size, sort: parsed.request.sort ?? null, shards: shardsSummary };
    const { hits, next } = cutPage({ ...state, sort: parsed.request.sort }, pages);
    const maxScores = pages.map((page) => page.maxScore).filter((score): score is number => score !== null);
    return { started, parsed, pages, mappings, shardsSummary, hits, scrollId: encodeId({ ...next, sort: state.sort }), maxScore: maxScores.length === 0 ? null : Math.max(...maxScores) };
  };

  const openAs = async (input: SearchInput, shards: readonly ShardCopies[], owner: ScrollOwner): Promise<Record<string, unknown>> => {
    const { started, parsed, pages, mappings, shardsSummary, hits, scrollId, maxScore } = await openParts(input, shards, owner);
    // Totals and aggregations from every part's first answer; hits come from the pages.
    const summary = mergeShardResults(
      pages.map((page, i) => ({ shardKey: String(i), totalHits: page.totalHits, totalRelation: page.totalRelation, maxScore: page.maxScore ?? -Infinity, hits: [], aggregations: page.aggregations, terminatedEarly: false })),
      { ...parsed.request, from: 0, size: 0, trackTotalHits: true },
    );
    const aggregations = summary.aggregations === undefined ? undefined : parsed.typedKeys ? typedKeys(summary.aggregations, parsed.request.aggregations, mappings) : summary.aggregations;
    return renderSearchResponse({
      tookMs: options.nowMs() - started,
      scrollId,
      terminatedEarly: undefined,
      shards: { ...shardsSummary, failures: [] },
      total: summary.total ?? { value: 0, relation: 'eq' },
      maxScore,
      hits: hits.map((hit) => hit.rendered),
      aggregations,
      restTotalHitsAsInt: parsed.restTotalHitsAsInt,
    });
  };

  /** This cluster's part of a cross-cluster scroll: its first page as mergeable hits, with totals and partial aggregations. */
  const openPart = async (input: SearchInput, shards: readonly ShardCopies[], owner: ScrollOwner, clusterAlias?: string): Promise<ClusterScrollPage> => {
    const { started, parsed, pages, mappings, shardsSummary, hits, scrollId, maxScore } = await openParts(input, shards, owner, clusterAlias);
    const aggregations = parsed.request.aggregations.length === 0 ? undefined : mergeAggregationPartials(parsed.request.aggregations, pages.map((page) => page.aggregations ?? {}));
    return {
      scrollId,
      tookMs: options.nowMs() - started,
      shards: shardsSummary,
      totalHits: pages.reduce((sum, page) => sum + page.totalHits, 0),
      totalRelation: pages.some((page) => page.totalRelation === 'gte') ? 'gte' : 'eq',
      maxScore,
      hits,
      aggregations,
      mappings,
    };
  };

  /** The next page from every part (each asked, so its keep-alive is renewed), and the id that continues after it. */
  const pageParts = async (state: ScrollIdState, keepAlive: string | undefined, owner: ScrollOwner) => {
    if (keepAlive !== undefined) checkKeepAlive(parseTimeValueMs(keepAlive, 'scroll'));
    // Every part is asked (even one read to its end), so each context's keep-alive is renewed and a gone one is reported.
    // A part's page is read at the offset the id names (the node's context does not advance), so
    // one whose connection dropped before the answer is asked once more rather than taken as gone.
    const pages = await Promise.all(
      state.parts.map(([node, id, offset]) => {
        const ask = () => onNode(node, SCROLL_NODE_ACTIONS.page, { scroll_id: id, offset, scroll: keepAlive ?? null, owner }, pageHere);
        return ask().catch((error: unknown) => {
          if (!(error instanceof EsError && error.type === 'node_disconnected_exception')) throw error;
          options.log?.info({ node }, 'a node holding part of a scroll closed the connection before answering its page; asking it again');
          return ask();
        }).catch((error: unknown) => {
          // A node that died holding a part (still in the published state, unreachable): its
          // context is gone with it, answered as a context missing, as once the node has left.
          if (error instanceof EsError && lostWithNodeTypes.has(error.type)) throw allShardsFailed([{ index: null, shard: -1, node, cause: errors.searchContextMissing(id) }]);
          throw error;
        });
      }),
    );
    const { hits, next } = cutPage({ ...state, sort: state.sort ?? undefined }, pages);
    return { pages, hits, scrollId: encodeId({ ...next, sort: state.sort }) };
  };

  const page = async (state: ScrollIdState, keepAlive: string | undefined, restTotalHitsAsInt: boolean, owner: ScrollOwner): Promise<Record<string, unknown>> => {
    const started = options.nowMs();
    const { pages, hits, scrollId } = await pageParts(state, keepAlive, owner);
    let total = 0;
    let gte = false;
    for (const part of pages) {
      total += part.totalHits;
      gte ||= part.totalRelation === 'gte';
    }
    const maxScores = pages.map((part) => part.maxScore).filter((score): score is number => score !== null);
    return renderSearchResponse({
      tookMs: options.nowMs() - started,
      scrollId,
      terminatedEarly: undefined,
      shards: { ...state.shards, failures: [] },
      total: { value: total, relation: gte ? 'gte' : 'eq' },
      maxScore: maxScores.length === 0 ? null : Math.max(...maxScores),
      hits: hits.map((hit) => hit.rendered),
      aggregations: undefined,
      restTotalHitsAsInt,
    });
  };

  // ---------------------------------------------------------------- across clusters

  /**
   * This cluster's part of a cross-cluster scroll: across its nodes as a multi-node scroll (its id
   * a multi-node scroll id), or this node's own copies (or no shard) as one node opens it. Under a
   * `clusterAlias`, another cluster's scroll over this one (this cluster is the remote): the same
   * contexts on the data nodes, owned by the remote caller, with `_index` read `alias:index`.
   */
  const partAcrossNodes = (clusterAlias: string | undefined): LocalScrollPart => ({
    open: (input, access, owner) => {
      const { scroll: _scroll, ...unscrolled } = input.params;
      const shards = options.planLocal({ ...input, params: unscrolled }, access);
      if (shards === 'local' || shards.length === 0) return search.openScrollAsRemote(input, access, owner, clusterAlias);
      return openPart(input, shards, owner, clusterAlias);
    },
    scroll: async (scrollId, keepAlive, owner, offset) => {
      const state = decodeMultiNodeScrollId(scrollId);
      if (state === undefined) return search.scrollAsRemote(scrollId, keepAlive, owner, offset);
      // The id holds every part's offset, so the same id answers the same page again (a page
      // resent after a dropped connection); its parts' offsets sum to the hits served before it.
      const served = state.parts.reduce((sum, part) => sum + part[2], 0);
      if (offset !== undefined && offset !== served) throw errors.illegalArgument(`scroll offset [${offset}] is not the offset [${served}] this scroll id continues from`);
      const started = options.nowMs();
      const next = await pageParts(state, keepAlive, owner);
      return { scrollId: next.scrollId, hits: next.hits, tookMs: options.nowMs() - started, offset: served };
    },
    clear: (scrollId, owner) => {
      const state = decodeMultiNodeScrollId(scrollId);
      return state === undefined ? (search.clearScroll([scrollId], owner).body['num_freed'] as number) : freeParts(state.parts, owner);
    },
  });
  const localPart = partAcrossNodes(undefined);
  // A cross-cluster scroll's state (each cluster's scroll id and the hits received but not yet
  // returned) stays on the node that opened it, as on one node; its context id names that node,
  // so any node of the cluster forwards the scroll's pages and clearing to it.
  const ccsScrolls = options.remotes === undefined ? undefined : new CrossClusterScrolls(search, options.remotes, options.nowMs, () => `${randomBytes(12).toString('hex')}@${nodeId}`, localPart);
  /** The node holding a cross-cluster scroll (undefined: not an id of a multi-node cluster's). */
  const coordinatorOf = (contextId: string): string | undefined => {
    const at = contextId.indexOf('@');
    return at < 0 ? undefined : contextId.slice(at + 1);
  };
  const crossClusterPageHere = (body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const { context_id: contextId, scroll_id: scrollId, scroll, rest_total_hits_as_int: asInt } = body;
    if (typeof contextId !== 'string' || typeof scrollId !== 'string' || !(scroll === null || typeof scroll === 'string') || typeof asInt !== 'boolean') throw errors.illegalArgument(`malformed [${SCROLL_NODE_ACTIONS.crossClusterPage}] request`);
    if (ccsScrolls === undefined) throw allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.searchContextMissing(contextId) }]);
    return ccsScrolls.scroll(contextId, scrollId, scroll ?? undefined, asInt, ownerOf(body['owner']));
  };
  const crossClusterFreeHere = async (body: Record<string, unknown>): Promise<{ freed: number }> => {
    const contextId = body['context_id'];
    if (typeof contextId !== 'string') throw errors.illegalArgument(`malformed [${SCROLL_NODE_ACTIONS.crossClusterFree}] request`);
    return { freed: ccsScrolls === undefined ? 0 : await ccsScrolls.clear(contextId, ownerOf(body['owner'])) };
  };
  /**
   * The page of a cross-cluster scroll its id names, on the node holding it. The id names the
   * page's offset, so the holder answers the same page again for it: a page whose connection
   * dropped before the answer (the holder may have advanced) is sent once more; a holder that
   * cannot be reached is a missing context (the scroll is lost with its node), never a skipped page.
   */
  const crossClusterPage = async (node: string, contextId: string, scrollId: string, keepAlive: string | undefined, restTotalHitsAsInt: boolean, owner: ScrollOwner): Promise<Record<string, unknown>> => {
    const body = { context_id: contextId, scroll_id: scrollId, scroll: keepAlive ?? null, rest_total_hits_as_int: restTotalHitsAsInt, owner };
    const missing = () => allShardsFailed([{ index: null, shard: -1, node, cause: errors.searchContextMissing(contextId) }]);
    if (node === nodeId) return crossClusterPageHere(body);
    if (options.state().nodes[node] === undefined) throw missing();
    const ask = () => options.request(node, SCROLL_NODE_ACTIONS.crossClusterPage, body, scrollRequestTimeoutMs) as Promise<Record<string, unknown>>;
    try {
      try {
        return await ask();
      } catch (error) {
        // An id naming no offset (issued before ids named one) cannot be asked again safely.
        const resendable = decodeCrossClusterScroll(scrollId)?.offset !== undefined;
        if (!(error instanceof EsError && error.type === 'node_disconnected_exception') || !resendable) throw error;
        options.log?.info({ node, contextId }, 'the node holding a cross-cluster scroll closed the connection before answering a page; asking it for the same page again');
        return await ask();
      }
    } catch (error) {
      if (error instanceof EsError && lostWithNodeTypes.has(error.type)) throw missing();
      throw error;
    }
  };
  /** Frees a cross-cluster scroll on the node holding it (0: gone, another caller's, or its node left). */
  const crossClusterFree = (node: string, contextId: string, owner: ScrollOwner): Promise<number> => {
    if (node === nodeId) return crossClusterFreeHere({ context_id: contextId, owner }).then((answer) => answer.freed);
    if (options.state().nodes[node] === undefined) return Promise.resolve(0);
    return (options.request(node, SCROLL_NODE_ACTIONS.crossClusterFree, { context_id: contextId, owner }, scrollRequestTimeoutMs) as Promise<{ freed: number }>).then((answer) => answer.freed, () => 0);
  };

  /** The scroll id and keep-alive of a scroll request when it reads plainly (otherwise the single-node handler answers, errors included). */
  const scrollRequestOf = (request: RestRequest): { id: string; keepAlive: string | undefined } | undefined => {
    let id = request.params['scroll_id'] ?? request.query['scroll_id'];
    let keepAlive = request.query['scroll'];
    const body = request.json();
    if (body !== undefined) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
      for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
        if (key === 'scroll_id' && typeof value === 'string') id = value;
        else if (key === 'scroll' && typeof value === 'string') keepAlive = value;
        else return undefined;
      }
    }
    return id === undefined ? undefined : { id, keepAlive };
  };

  /** The ids a clear-scroll request names when it reads plainly (as clearScrollIdsOf in routes/search.ts). */
  const clearIdsOf = (request: RestRequest): string[] | undefined => {
    const body = request.json();
    if (body === undefined) return (request.params['scroll_id'] ?? request.query['scroll_id'])?.split(',').filter((id) => id !== '') ?? [];
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
    const entries = Object.entries(body as Record<string, unknown>);
    if (entries.length !== 1 || entries[0]![0] !== 'scroll_id') return undefined;
    const value = entries[0]![1];
    if (typeof value === 'string') return [value];
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
  };

  const route = (original: Route): Route => ({
    ...original,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      const owner = scrollOwner(context);
      if (original.action !== 'indices:data/read/scroll/clear') {
        const asked = scrollRequestOf(request);
        const crossCluster = asked === undefined ? undefined : decodeCrossClusterScrollId(asked.id);
        const coordinator = crossCluster === undefined ? undefined : coordinatorOf(crossCluster);
        if (asked !== undefined && crossCluster !== undefined && coordinator !== undefined) {
          return { status: 200, body: await crossClusterPage(coordinator, crossCluster, asked.id, asked.keepAlive, booleanParam(request.query['rest_total_hits_as_int']), owner) };
        }
        const state = asked === undefined || crossCluster !== undefined ? undefined : decodeMultiNodeScrollId(asked.id);
        if (asked === undefined || state === undefined) return original.handle(request, context);
        return { status: 200, body: await page(state, asked.keepAlive, booleanParam(request.query['rest_total_hits_as_int']), owner) };
      }
      const ids = clearIdsOf(request);
      if (ids === undefined || ids.length === 0) return original.handle(request, context);
      if (ids.includes('_all')) {
        // This node's contexts as one node clears them (authorized there), then every other node's.
        const local = await original.handle(request, context);
        const crossCluster = ccsScrolls === undefined ? 0 : await ccsScrolls.clearAll();
        const others = Object.keys(options.state().nodes).filter((node) => node !== nodeId);
        const freed = await Promise.all(others.map((node) => (options.request(node, SCROLL_NODE_ACTIONS.clearAll, {}, scrollRequestTimeoutMs) as Promise<{ freed: number }>).then((answer) => answer.freed, () => 0)));
        const body = local.body as { num_freed: number };
        return { status: 200, body: { succeeded: true, num_freed: body.num_freed + crossCluster + freed.reduce((sum, count) => sum + count, 0) } };
      }
      let freed = 0;
      const rest: string[] = [];
      for (const id of ids) {
        // A cross-cluster scroll is freed by the node holding it; a multi-node one on every node holding a part.
        const crossCluster = decodeCrossClusterScrollId(id);
        const coordinator = crossCluster === undefined ? undefined : coordinatorOf(crossCluster);
        const state = crossCluster === undefined ? decodeMultiNodeScrollId(id) : undefined;
        if (coordinator !== undefined) freed += await crossClusterFree(coordinator, crossCluster!, owner);
        else if (state !== undefined) freed += await freeParts(state.parts, owner);
        else rest.push(id);
      }
      if (rest.length > 0) {
        // The other ids (this node's or cross-cluster scrolls) as the single-node handler frees them.
        const narrowed = Object.assign(Object.create(request) as RestRequest, { json: () => ({ scroll_id: rest }) });
        const answer = await original.handle(narrowed, context);
        freed += (answer.body as { num_freed: number }).num_freed;
      }
      return { status: freed === 0 ? 404 : 200, body: { succeeded: true, num_freed: freed } };
    },
  });

  return {
    handlers,
    open: (input, shards, context) => openAs(input, shards, scrollOwner(context)),
    openAs,
    openAcrossClusters: (input, clusters, context) => ccsScrolls?.open(input, clusters, context.authorize, scrollOwner(context), context.authentication),
    next: (id, keepAlive, owner) => {
      const state = decodeMultiNodeScrollId(id);
      return state === undefined ? undefined : page(state, keepAlive, false, owner);
    },
    clear: async (id, owner) => {
      const state = decodeMultiNodeScrollId(id);
      if (state === undefined) return false;
      await freeParts(state.parts, owner);
      return true;
    },
    route,
    // The alias only shapes the opening (its contexts render `alias:index`); pages and clearing are the local part's.
    remote: { open: (input, access, owner, clusterAlias) => partAcrossNodes(clusterAlias).open(input, access, owner), scroll: localPart.scroll, clear: localPart.clear },
  };
}
