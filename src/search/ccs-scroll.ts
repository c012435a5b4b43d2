/**
 * Scroll across clusters, coordinating side. Each cluster (this one included) opens its own
 * scroll and pages through its hits in its merged order; this coordinator keeps, per cluster,
 * the hits it has received but not yet returned, and builds each page by merging those buffers
 * with the same pure merge as local shards. A page is exact because every cluster still
 * scrolling has at least a full page buffered when the page is cut (each cluster is asked for
 * its next page whenever its buffer runs short, which also keeps its context alive).
 * `clear_scroll` frees the contexts on every cluster.
 * A page asked of a cluster names how many hits this coordinator has received from it (`offset`):
 * the cluster answers the page from there, so a page whose answer was lost with its connection is
 * asked again (by the client's retry, or once at once by the remote client) and answered again
 * rather than skipped; a cluster that cannot resend (its answer names no offset) after such a loss
 * fails the scroll with a missing context (404) instead of skipping hits silently.
 * Each page's scroll id names the offset of the page it asks for (the hits answered before it), so
 * a page whose answer was lost (a node of this cluster forwarded it to the node holding the scroll
 * and the connection between them dropped, or the client's own connection dropped) is answered
 * again for the same id rather than the next page; an id naming an older page is a missing
 * context (404): only the latest id and the one before it continue the scroll.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/paginate-search-results.html#scroll-search-results
 */
import { EsError, errors } from '../common/index.js';
import { mergeShardResults, type FieldMappings, type SearchRequest, type ShardHit, type ShardResult } from '../index/searcher/index.js';
import type { ClusterAuthorizer, ClusterPlan } from './ccs.js';
import { parseSearch } from './request.js';
import { allShardsFailed, renderSearchResponse, typedKeys } from './response.js';
import { checkKeepAlive, encodeOpaqueId, opaqueIdBody, scrollLimits, type ScrollOwner } from './scroll.js';
import type { ClusterScrollNext, ClusterScrollPage, SearchInput, SearchService } from './search-service.js';
import { parseTimeValueMs } from './time-value.js';

/** What a cross-cluster scroll needs from the remote clusters (RemoteClustersClient implements it). */
export interface ScrollRemotes {
  skipUnavailable(alias: string): boolean;
  openScroll(alias: string, input: SearchInput, caller: unknown): Promise<ClusterScrollPage>;
  /** The cluster's page from `offset` (the hits received from it so far); `resent` when it was sent again after a dropped connection. */
  scroll(alias: string, scrollId: string, keepAlive: string | undefined, caller: unknown, offset: number): Promise<ClusterScrollNext>;
  clearScroll(alias: string, scrollIds: readonly string[], caller: unknown): Promise<number>;
}

/**
 * This cluster's part of a cross-cluster scroll: this node's shards (SearchService), or, in a
 * multi-node cluster, a scroll whose contexts stay on the nodes holding the shards (wire-scroll.ts).
 */
export interface LocalScrollPart {
  open(input: SearchInput, access: ClusterAuthorizer, owner: ScrollOwner): Promise<ClusterScrollPage> | ClusterScrollPage;
  /** The page from `offset` (the hits the scroll's coordinator received; undefined: the next page, from one predating it). */
  scroll(scrollId: string, keepAlive: string | undefined, owner: ScrollOwner, offset: number | undefined): Promise<ClusterScrollNext> | ClusterScrollNext;
  /** How many contexts were freed. */
  clear(scrollId: string, owner: ScrollOwner): Promise<number> | number;
}

/** The local part on this node's own shards. */
export function localScrollPart(service: SearchService): LocalScrollPart {
  return {
    open: (input, access, owner) => service.openScrollAsRemote(input, access, owner, undefined),
    scroll: (scrollId, keepAlive, owner, offset) => service.scrollAsRemote(scrollId, keepAlive, owner, offset),
    clear: (scrollId, owner) => service.clearScroll([scrollId], owner).body['num_freed'] as number,
  };
}

type RenderedHit = ShardHit & { readonly rendered: Record<string, unknown> };

interface Cursor {
  /** undefined: this cluster. */
  readonly alias: string | undefined;
  scrollId: string;
  buffer: RenderedHit[];
  exhausted: boolean;
  /** Hits received from this cluster so far: the offset of its next page. */
  received: number;
  /** A page asked of this cluster failed since its last answer (the cluster may have advanced). */
  uncertain: boolean;
  /** Set once this cluster's part cannot continue exactly: every later page fails with it. */
  lost: EsError | undefined;
}

interface State {
  readonly owner: ScrollOwner;
  readonly caller: unknown;
  readonly cursors: Cursor[];
  readonly request: SearchRequest;
  readonly total: { readonly value: number; readonly relation: 'eq' | 'gte' };
  readonly maxScore: number | null;
  readonly shards: { total: number; successful: number; skipped: number; failed: number };
  readonly clusters: Record<string, unknown>;
  keepAliveMs: number;
  expiresAtMs: number;
  /** One page at a time: a scroll request waits for the one before it. */
  busy: Promise<unknown>;
  /** Hits answered so far (the offset the latest scroll id names). */
  served: number;
  /** The last page answered by `scroll` (where it started and its hits), answered again for the id that asked it. */
  lastPage: { readonly from: number; readonly hits: readonly RenderedHit[] } | undefined;
}

const idPrefix = 'strait-ccs-scroll:';

/** `#offset` after the context id: the page the id asks for (ids issued before pages named it have none). */
const offsetPattern = /#(0|[1-9][0-9]{0,15})$/;

/** The context id and page offset of a cross-cluster scroll id, or undefined for any other id (a local scroll's). */
export function decodeCrossClusterScroll(scrollId: string): { readonly contextId: string; readonly offset: number | undefined } | undefined {
  const body = opaqueIdBody(idPrefix, scrollId);
  if (body === undefined) return undefined;
  const match = offsetPattern.exec(body);
  if (match === null) return { contextId: body, offset: undefined };
  const offset = Number(match[1]);
  return Number.isSafeInteger(offset) && match.index > 0 ? { contextId: body.slice(0, match.index), offset } : { contextId: body, offset: undefined };
}

/** The context id of a cross-cluster scroll id, or undefined for any other id (a local scroll's). */
export function decodeCrossClusterScrollId(scrollId: string): string | undefined {
  return decodeCrossClusterScroll(scrollId)?.contextId;
}

/** The id asking for the page that starts `offset` hits into the scroll. */
function encodeId(contextId: string, offset: number): string {
  return encodeOpaqueId(idPrefix, `${contextId}#${offset}`);
}

function sameOwner(left: ScrollOwner, right: ScrollOwner): boolean {
  return left.username === right.username && left.realm === right.realm;
}

export class CrossClusterScrolls {
  private readonly contexts = new Map<string, State>();
  private readonly local: LocalScrollPart;

  constructor(
    service: SearchService,
    private readonly remotes: ScrollRemotes,
    private readonly nowMs: () => number,
    private readonly randomId: () => string,
    local?: LocalScrollPart,
  ) {
    this.local = local ?? localScrollPart(service);
  }

  get size(): number {
    return this.contexts.size;
  }

  /** `_search?scroll=` over several clusters: opens a scroll on each, answers the first page. */
  async open(input: SearchInput, plan: ClusterPlan, access: ClusterAuthorizer, owner: ScrollOwner, caller: unknown): Promise<Record<string, unknown>> {
    const started = this.nowMs();
    access.delegateToRemote?.();
    const parsed = parseSearch(input.params, input.body, { scroll: true });
    const keepAliveMs = parsed.scrollKeepAliveMs!;
    checkKeepAlive(keepAliveMs);
    this.sweep(started);
    if (this.contexts.size >= scrollLimits.contextsMax) throw errors.tooManyScrollContexts(scrollLimits.contextsMax);
    const { ccs_minimize_roundtrips: _minimize, ...params } = input.params;
    let parts: { alias: string | undefined; expression: string }[] = [
      ...(plan.local !== undefined ? [{ alias: undefined, expression: plan.local }] : []),
      ...plan.remotes,
    ];
    // Open every cluster's scroll; if one fails, free the ones that opened, then fail.
    const outcomes = await Promise.allSettled(
      parts.map(async ({ alias, expression }) => {
        const clusterInput = { expression, params, body: input.body };
        return alias === undefined ? this.local.open(clusterInput, access, owner) : this.remotes.openScroll(alias, clusterInput, caller);
      }),
    );
    // A remote that fails is left out when skip_unavailable allows (reported as skipped), else the scroll fails.
    const failed = outcomes.find((outcome, i): outcome is PromiseRejectedResult => outcome.status === 'rejected' && (parts[i]!.alias === undefined || !this.remotes.skipUnavailable(parts[i]!.alias!)));
    if (failed !== undefined) {
      await Promise.all(
        outcomes.map((outcome, i) => (outcome.status === 'fulfilled' ? this.clearOne(parts[i]!.alias, outcome.value.scrollId, owner, caller) : Promise.resolve(0))),
      );
      throw failed.reason;
    }
    const skipped: Record<string, unknown> = {};
    outcomes.forEach((outcome, i) => {
      if (outcome.status !== 'rejected') return;
      const reason = outcome.reason instanceof EsError ? outcome.reason.toCause() : { type: 'exception', reason: String(outcome.reason) };
      skipped[parts[i]!.alias!] = { status: 'skipped', indices: parts[i]!.expression, timed_out: false, failures: [{ shard: -1, index: null, reason }] };
    });
    const answered = parts.filter((_part, i) => outcomes[i]!.status === 'fulfilled');
    const pages = outcomes.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => (outcome as PromiseFulfilledResult<ClusterScrollPage>).value);
    parts = answered;
    const size = parsed.request.size;
    const cursors: Cursor[] = pages.map((page, i) => ({
      alias: parts[i]!.alias,
      scrollId: page.scrollId,
      buffer: [...page.hits],
      exhausted: page.hits.length < size,
      received: page.hits.length,
      uncertain: false,
      lost: undefined,
    }));
    const mappings: Record<string, FieldMappings[string]> = {};
    for (const page of pages) for (const [path, mapping] of Object.entries(page.mappings)) mappings[path] ??= mapping;
    // Totals and aggregations from every cluster's first answer; hits come from the buffers.
    const shardResults: ShardResult[] = pages.map((page, i) => ({
      shardKey: parts[i]!.alias ?? '(local)',
      totalHits: page.totalHits,
      totalRelation: page.totalRelation,
      maxScore: page.maxScore ?? -Infinity,
      hits: [],
      aggregations: page.aggregations,
      terminatedEarly: false,
    }));
    const summary = mergeShardResults(shardResults, { ...parsed.request, from: 0, size: 0, trackTotalHits: true });
    const shards = { total: 0, successful: 0, skipped: 0, failed: 0 };
    const details: Record<string, unknown> = {};
    pages.forEach((page, i) => {
      shards.total += page.shards.total;
      shards.successful += page.shards.successful;
      shards.skipped += page.shards.skipped;
      shards.failed += page.shards.failed;
      details[parts[i]!.alias ?? '(local)'] = { status: page.shards.failed > 0 ? 'partial' : 'successful', indices: parts[i]!.expression, took: page.tookMs, timed_out: false, _shards: page.shards };
    });
    const skippedCount = Object.keys(skipped).length;
    Object.assign(details, skipped);
    const partial = pages.filter((page) => page.shards.failed > 0).length;
    const clusters = { total: parts.length + skippedCount, successful: parts.length - partial, skipped: skippedCount, running: 0, partial, failed: 0, details };
    const state: State = {
      owner,
      caller,
      cursors,
      request: parsed.request,
      total: summary.total ?? { value: 0, relation: 'eq' },
      maxScore: summary.maxScore,
      shards,
      clusters,
      keepAliveMs,
      expiresAtMs: started + keepAliveMs,
      busy: Promise.resolve(),
      served: 0,
      lastPage: undefined,
    };
    const contextId = this.randomId();
    this.contexts.set(contextId, state);
    const aggregations =
      summary.aggregations === undefined ? undefined : parsed.typedKeys ? typedKeys(summary.aggregations, parsed.request.aggregations, mappings) : summary.aggregations;
    const hits = this.cut(state);
    state.served = hits.length;
    return this.render(state, hits, encodeId(contextId, state.served), started, parsed.restTotalHitsAsInt, aggregations);
  }

  /**
   * `_search/scroll` with a cross-cluster scroll id: the page its offset names, the next one (the
   * latest id) or the last one answered again (the id before it, whose answer was lost); an id
   * without an offset (issued before ids named one) gets the next page.
   */
  async scroll(contextId: string, scrollId: string, keepAlive: string | undefined, restTotalHitsAsInt: boolean, owner: ScrollOwner): Promise<Record<string, unknown>> {
    const started = this.nowMs();
    const keepAliveMs = keepAlive === undefined ? undefined : parseTimeValueMs(keepAlive, 'scroll');
    if (keepAliveMs !== undefined) checkKeepAlive(keepAliveMs);
    this.sweep(started);
    const state = this.contexts.get(contextId);
    if (state === undefined || !sameOwner(state.owner, owner)) {
      throw allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.searchContextMissing(contextId) }]);
    }
    if (keepAliveMs !== undefined) state.keepAliveMs = keepAliveMs;
    state.expiresAtMs = started + state.keepAliveMs;
    const previous = state.busy;
    const offset = decodeCrossClusterScroll(scrollId)?.offset;
    const next = previous.then(async () => {
      if (offset !== undefined && offset !== state.served) {
        // The page answered last, asked again (its answer was lost): the same hits, the same next id.
        if (state.lastPage === undefined || offset !== state.lastPage.from) {
          throw allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.scrollIdNotLatest(contextId, offset, state.served) }]);
        }
        return this.render(state, state.lastPage.hits, encodeId(contextId, state.served), started, restTotalHitsAsInt, undefined);
      }
      await this.refill(state, keepAlive);
      const hits = this.cut(state);
      state.lastPage = { from: state.served, hits };
      state.served += hits.length;
      // An id without an offset (issued before ids named one) keeps its form, as it was answered before.
      return this.render(state, hits, offset === undefined ? scrollId : encodeId(contextId, state.served), started, restTotalHitsAsInt, undefined);
    });
    state.busy = next.catch(() => undefined);
    return next;
  }

  /**
   * Asks every cluster still scrolling whose buffer is short of a page for its page from the hits
   * received so far. A failed request leaves the cursor as it was, so the next attempt asks for
   * the same page; a cluster whose answer names no offset (it predates resendable pages) is
   * trusted only while no request to it may have been lost.
   */
  private async refill(state: State, keepAlive: string | undefined): Promise<void> {
    const size = state.request.size;
    await Promise.all(
      state.cursors.map(async (cursor) => {
        if (cursor.exhausted || cursor.buffer.length >= size) return;
        if (cursor.lost !== undefined) throw cursor.lost;
        let page: ClusterScrollNext;
        try {
          page =
            cursor.alias === undefined
              ? await this.local.scroll(cursor.scrollId, keepAlive, state.owner, cursor.received)
              : await this.remotes.scroll(cursor.alias, cursor.scrollId, keepAlive, state.caller, cursor.received);
        } catch (error) {
          // Any failure may have come after the cluster advanced (a dropped connection, a timeout,
          // a resend refused after the first try was lost): only an answer naming its offset is trusted next.
          cursor.uncertain = true;
          throw error;
        }
        if (page.offset !== cursor.received && (page.offset !== undefined || cursor.uncertain || page.resent === true)) {
          // A page from elsewhere than asked: continuing would skip or repeat hits.
          cursor.lost = allShardsFailed([{ index: null, shard: -1, node: undefined, cause: errors.scrollPageUncertain(cursor.alias ?? '(local)') }]);
          throw cursor.lost;
        }
        cursor.uncertain = false;
        cursor.scrollId = page.scrollId;
        cursor.buffer.push(...page.hits);
        cursor.received += page.hits.length;
        if (page.hits.length < size) cursor.exhausted = true;
      }),
    );
  }

  /** Cuts the next page from the buffers (every cluster still scrolling has a full page buffered). */
  private cut(state: State): RenderedHit[] {
    const size = state.request.size;
    const results: ShardResult[] = state.cursors.map((cursor, i) => ({
      shardKey: String(i),
      totalHits: cursor.buffer.length,
      totalRelation: 'eq',
      maxScore: -Infinity,
      hits: cursor.buffer,
      aggregations: undefined,
      terminatedEarly: false,
    }));
    const merged = mergeShardResults(results, { ...state.request, from: 0, size, aggregations: [], trackTotalHits: false });
    const taken = new Set(merged.hits);
    for (const cursor of state.cursors) cursor.buffer = cursor.buffer.filter((hit) => !taken.has(hit));
    return merged.hits as RenderedHit[];
  }

  private render(state: State, hits: readonly RenderedHit[], scrollId: string, started: number, restTotalHitsAsInt: boolean, aggregations: Record<string, unknown> | undefined): Record<string, unknown> {
    const response = renderSearchResponse({
      tookMs: this.nowMs() - started,
      scrollId,
      terminatedEarly: undefined,
      shards: { ...state.shards, failures: [] },
      total: state.total,
      maxScore: state.maxScore,
      hits: hits.map((hit) => hit.rendered),
      aggregations,
      restTotalHitsAsInt,
    });
    return { ...response, _clusters: state.clusters };
  }

  private async clearOne(alias: string | undefined, scrollId: string, owner: ScrollOwner, caller: unknown): Promise<number> {
    try {
      if (alias === undefined) return await this.local.clear(scrollId, owner);
      return await this.remotes.clearScroll(alias, [scrollId], caller);
    } catch {
      // A context already gone (expired, or its cluster unreachable) frees nothing more.
      return 0;
    }
  }

  /** Frees one cross-cluster scroll and its contexts on every cluster: how many contexts were freed (0: the owner has none such). */
  async clear(contextId: string, owner: ScrollOwner): Promise<number> {
    const state = this.contexts.get(contextId);
    if (state === undefined || !sameOwner(state.owner, owner)) return 0;
    this.contexts.delete(contextId);
    const freed = await Promise.all(state.cursors.map((cursor) => this.clearOne(cursor.alias, cursor.scrollId, state.owner, state.caller)));
    return freed.reduce((sum, count) => sum + count, 0);
  }

  /** Frees every cross-cluster scroll (clear scroll `_all`) and their contexts; how many contexts were freed. */
  async clearAll(): Promise<number> {
    const ids = [...this.contexts.keys()];
    const freed = await Promise.all(ids.map((id) => this.clear(id, this.contexts.get(id)!.owner)));
    return freed.reduce((sum, count) => sum + count, 0);
  }

  /** Drops contexts whose keep-alive passed (their clusters drop theirs on their own keep-alive). */
  sweep(nowMs: number): number {
    let dropped = 0;
    for (const [id, state] of this.contexts) {
      if (state.expiresAtMs > nowMs) continue;
      this.contexts.delete(id);
      dropped++;
    }
    return dropped;
  }
}
