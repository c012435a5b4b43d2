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
 * Loaded only in multi-node mode (through wire-search.ts).
 */
import type { ClusterState } from '../cluster/state.js';
import { EsError, errors } from '../common/errors.js';
import { mergeShardResults, type FieldMappings, type ShardHit, type ShardResult } from '../index/searcher/index.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { booleanParam } from '../http/request.js';
import { scrollOwner } from '../http/routes/search.js';
import { combinedAliasFilter } from '../search/alias-filter.js';
import { renderSearchResponse, typedKeys } from '../search/response.js';
import { checkKeepAlive, encodeOpaqueId, opaqueIdBody, type ScrollOwner } from '../search/scroll.js';
import { rejectAcrossClusters } from '../search/search-extras.js';
import type { ClusterScrollPage, SearchAuthorizer, SearchInput, SearchService } from '../search/search-service.js';
import { groupByNode, selectShardCopies, type ShardCopies } from '../search/shard-search.js';
import { parseTimeValueMs } from '../search/time-value.js';
import type { TransportHandler } from '../transport/index.js';
import { coordinatedAccess, restrictionFromWire, restrictionToWire } from './travelling-restriction.js';

export const SCROLL_NODE_ACTIONS = {
  /** Ours: opens a scroll context over the named shards of one index on this node. */
  open: 'indices:data/read/search[scroll/open]',
  page: 'indices:data/read/search[phase/query/scroll]',
  free: 'indices:data/read/search[free_context/scroll]',
  clearAll: 'indices:data/read/search[clear_scroll_contexts]',
} as const;

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
  readonly nowMs: () => number;
}

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
  /** Wraps the scroll and clear-scroll routes: multi-node ids here, the others as before. */
  route(original: Route): Route;
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
    return search.openScrollAsRemote({ expression, params: params as Record<string, string>, body: body['body'] ?? undefined }, access, ownerOf(body['owner']), undefined, filter === undefined ? undefined : new Map([[expression, filter]]));
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
  const handlers = new Map<string, TransportHandler>([
    [SCROLL_NODE_ACTIONS.open, options.internalHandler((body) => openHere(objectBody(body, SCROLL_NODE_ACTIONS.open)))],
    [SCROLL_NODE_ACTIONS.page, options.internalHandler((body) => pageHere(objectBody(body, SCROLL_NODE_ACTIONS.page)))],
    [SCROLL_NODE_ACTIONS.free, options.internalHandler((body) => freeHere(objectBody(body, SCROLL_NODE_ACTIONS.free)))],
    [SCROLL_NODE_ACTIONS.clearAll, options.internalHandler(() => ({ freed: search.clearScroll('all', { username: '_system', realm: '__cluster' }).body['num_freed'] as number }))],
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

  const openAs = async (input: SearchInput, shards: readonly ShardCopies[], owner: ScrollOwner): Promise<Record<string, unknown>> => {
    const started = options.nowMs();
    const parsed = search.parseForClusters(input);
    rejectAcrossClusters(parsed.extras);
    checkKeepAlive(parsed.scrollKeepAliveMs!);
    const { selections, unavailable } = selectShardCopies(shards, cursor++, input.params['preference'], nodeId);
    if (unavailable.length > 0) throw errors.noShardAvailable(unavailable[0]!.index, unavailable[0]!.shard);
    const aliasFilters = new Map(shards.flatMap((shard) => (shard.aliasFilter === undefined ? [] : [[shard.index, shard.aliasFilter] as const])));
    // The caller's document and field level security goes with each part (travelling-restriction.ts).
    const restrictions = new Map(shards.flatMap((shard) => (shard.readRestriction === undefined ? [] : [[shard.index, restrictionToWire(shard.readRestriction, shard.index)] as const])));
    const parts = groupByNode(selections);
    const outcomes = await Promise.allSettled(
      parts.map((part) =>
        onNode(part.nodeId, SCROLL_NODE_ACTIONS.open, { expression: part.index, params: { ...input.params, preference: `_shards:${part.shards.join(',')}` }, body: input.body ?? null, alias_filter: aliasFilters.get(part.index) ?? null, read_restriction: restrictions.get(part.index) ?? null, owner }, openHere),
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
    // Totals and aggregations from every part's first answer; hits come from the pages.
    const summary = mergeShardResults(
      pages.map((page, i) => ({ shardKey: String(i), totalHits: page.totalHits, totalRelation: page.totalRelation, maxScore: page.maxScore ?? -Infinity, hits: [], aggregations: page.aggregations, terminatedEarly: false })),
      { ...parsed.request, from: 0, size: 0, trackTotalHits: true },
    );
    const shardsSummary = { total: 0, successful: 0, skipped: 0, failed: 0 };
    for (const page of pages) {
      shardsSummary.total += page.shards.total;
      shardsSummary.successful += page.shards.successful;
      shardsSummary.skipped += page.shards.skipped;
      shardsSummary.failed += page.shards.failed;
    }
    const state: ScrollIdState = { parts: pages.map((page, i) => [parts[i]!.nodeId, page.scrollId, 0, page.totalHits] as const), size: parsed.request.size, sort: parsed.request.sort ?? null, shards: shardsSummary };
    const { hits, next } = cutPage({ ...state, sort: parsed.request.sort }, pages);
    const aggregations = summary.aggregations === undefined ? undefined : parsed.typedKeys ? typedKeys(summary.aggregations, parsed.request.aggregations, mappings) : summary.aggregations;
    const maxScores = pages.map((page) => page.maxScore).filter((score): score is number => score !== null);
    return renderSearchResponse({
      tookMs: options.nowMs() - started,
      scrollId: encodeId(next),
      terminatedEarly: undefined,
      shards: { ...shardsSummary, failures: [] },
      total: summary.total ?? { value: 0, relation: 'eq' },
      maxScore: maxScores.length === 0 ? null : Math.max(...maxScores),
      hits: hits.map((hit) => hit.rendered),
      aggregations,
      restTotalHitsAsInt: parsed.restTotalHitsAsInt,
    });
  };

  const page = async (state: ScrollIdState, keepAlive: string | undefined, restTotalHitsAsInt: boolean, owner: ScrollOwner): Promise<Record<string, unknown>> => {
    const started = options.nowMs();
    if (keepAlive !== undefined) checkKeepAlive(parseTimeValueMs(keepAlive, 'scroll'));
    // Every part is asked (even one read to its end), so each context's keep-alive is renewed and a gone one is reported.
    const pages = await Promise.all(state.parts.map(([node, id, offset]) => onNode(node, SCROLL_NODE_ACTIONS.page, { scroll_id: id, offset, scroll: keepAlive ?? null, owner }, pageHere)));
    const { hits, next } = cutPage({ ...state, sort: state.sort ?? undefined }, pages);
    let total = 0;
    let gte = false;
    for (const part of pages) {
      total += part.totalHits;
      gte ||= part.totalRelation === 'gte';
    }
    const maxScores = pages.map((part) => part.maxScore).filter((score): score is number => score !== null);
    return renderSearchResponse({
      tookMs: options.nowMs() - started,
      scrollId: encodeId({ ...next, sort: state.sort }),
      terminatedEarly: undefined,
      shards: { ...state.shards, failures: [] },
      total: { value: total, relation: gte ? 'gte' : 'eq' },
      maxScore: maxScores.length === 0 ? null : Math.max(...maxScores),
      hits: hits.map((hit) => hit.rendered),
      aggregations: undefined,
      restTotalHitsAsInt,
    });
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
        const state = asked === undefined ? undefined : decodeMultiNodeScrollId(asked.id);
        if (asked === undefined || state === undefined) return original.handle(request, context);
        return { status: 200, body: await page(state, asked.keepAlive, booleanParam(request.query['rest_total_hits_as_int']), owner) };
      }
      const ids = clearIdsOf(request);
      if (ids === undefined || ids.length === 0) return original.handle(request, context);
      if (ids.includes('_all')) {
        // This node's contexts as one node clears them (authorized there), then every other node's.
        const local = await original.handle(request, context);
        const others = Object.keys(options.state().nodes).filter((node) => node !== nodeId);
        const freed = await Promise.all(others.map((node) => (options.request(node, SCROLL_NODE_ACTIONS.clearAll, {}, scrollRequestTimeoutMs) as Promise<{ freed: number }>).then((answer) => answer.freed, () => 0)));
        const body = local.body as { num_freed: number };
        return { status: 200, body: { succeeded: true, num_freed: body.num_freed + freed.reduce((sum, count) => sum + count, 0) } };
      }
      const mine = ids.map((id) => ({ id, state: decodeMultiNodeScrollId(id) }));
      let freed = 0;
      for (const { state } of mine) if (state !== undefined) freed += await freeParts(state.parts, owner);
      const rest = mine.filter((entry) => entry.state === undefined).map((entry) => entry.id);
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
  };
}
