/**
 * The shell of `_reindex`, `_update_by_query` and `_delete_by_query`: a scroll search read as the
 * caller (local indices through the search service, or another cluster over HTTP), written back
 * batch by batch through the bulk write path (executeBulk: the caller's write privileges per
 * item, auto-create rules, mappings, blocks), throttled by `requests_per_second`, split into
 * `slices`, and run as a task that `_tasks` lists, `_cancel` stops between batches and
 * `_rethrottle` speeds up or slows down. With `wait_for_completion=false` the result is kept
 * with the task manager (in node.db, as Elasticsearch keeps it in `.tasks`).
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-reindex.html
 */
import type { Logger } from 'pino';
import { errors, EsError } from '../common/index.js';
import { executeBulk, parseBulkBody, pipelineNotSupported, settingInteger, type IndexHandle, type IndicesService } from '../index/index.js';
import type { IngestOutcome, IngestRequest } from '../index/ingest/index.js';
import { parseIndicesOptions, type IndicesOptions } from '../index/expression.js';
import { compileScript, runWriteScript, type CompiledScript, type ScriptSpec } from '../index/script/index.js';
import { currentTask, type Task, type TaskManager } from '../tasks/task-manager.js';
import {
  bulkByScrollActions,
  describeRemote,
  inSlice,
  newWorkerStatus,
  renderResponse,
  renderStatus,
  allStatusFields,
  responseFields,
  sliceRate,
  sumStatuses,
  throttleWaitMs,
  type BulkByScrollFailure,
  type BulkByScrollSpec,
  type Slice,
  type WorkerStatus,
  checkRemoteWhitelisted,
} from './bulk-by-scroll.js';
import { RemoteScroll, type RemotePage, type RemoteTlsOptions } from './reindex-remote.js';
import { scrollLimits, type ScrollOwner } from './scroll.js';
import { formatTimeValue } from './time-value.js';
import { searchActions, type SearchAuthorizer, type SearchInput, type SearchService } from './search-service.js';

/** Who runs the request: reads and writes are authorized as this caller. */
export interface BulkByScrollCaller {
  readonly authorize: SearchAuthorizer;
  readonly owner: ScrollOwner;
  readonly username: string;
  /** `X-Opaque-Id` and trace headers, kept with the task. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Where the source is read (a scroll search as the caller). Absent: this node's search service
 * (its shard copies). A multi-node cluster reads through its cross-node scroll
 * (src/node/wire-reindex-multi-node.ts), as Elasticsearch's engine reads with a scroll search any
 * node coordinates.
 */
export interface BulkByScrollReader {
  /** Opens the scroll (`input.params.scroll` holds the keep-alive): the first page's search response. */
  open(input: SearchInput, caller: BulkByScrollCaller, task: Task): Promise<Record<string, unknown>>;
  /** The next page of the scroll `scrollId`. */
  next(scrollId: string, keepAlive: string, caller: BulkByScrollCaller): Promise<Record<string, unknown>>;
  /** Frees the scroll's contexts (wherever they live). */
  clear(scrollId: string, caller: BulkByScrollCaller): Promise<void>;
}

/** The bulk parameters of one batch write. */
export interface BatchWriteOptions {
  readonly timeoutMs: number;
  readonly waitForActiveShards: number | 'all';
}

/**
 * Where batches are written (a bulk request as the caller). Absent: this node's bulk path over its
 * own stores. A multi-node cluster writes through the coordinating bulk path that routes each item
 * to its shard's primary.
 */
export interface BulkByScrollWriter {
  /** Runs the batch (bulk NDJSON) as the caller: one answered item per action, in order. */
  bulk(ndjson: string, caller: BulkByScrollCaller, options: BatchWriteOptions): Promise<readonly Record<string, Record<string, unknown>>[]>;
  /** Refreshes every copy of these indices (`refresh=true`, once the request is done). */
  refresh(indexNames: readonly string[]): Promise<void>;
}

export interface BulkByScrollServiceOptions {
  readonly search: SearchService;
  readonly indices: IndicesService;
  readonly tasks: TaskManager;
  readonly log: Logger;
  /** Wall clock (ms) for took, throttling and waits. */
  readonly nowMs: () => number;
  /** `reindex.remote.whitelist`: `host:port` patterns; empty: no remote is allowed. */
  readonly remoteWhitelist: readonly string[];
  readonly remoteTls: RemoteTlsOptions;
  /**
   * Ingest pipelines (src/index/ingest): the destination's default and final pipelines, and the
   * request's `pipeline`, run on every written document as on any bulk item. Absent: a request
   * naming a pipeline is refused.
   */
  readonly ingest?: (request: IngestRequest) => IngestOutcome;
  /** The source's reader port (absent: this node's search service). */
  readonly reader?: BulkByScrollReader;
  /** The destination's writer port (absent: this node's bulk path; `ingest` then runs the pipelines). */
  readonly writer?: BulkByScrollWriter;
}

export interface BulkByScrollOutcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One document read from the source. */
interface SourceHit {
  readonly index: string;
  readonly id: string;
  readonly version: number | undefined;
  readonly seqNo: number | undefined;
  readonly primaryTerm: number | undefined;
  readonly routing: string | undefined;
  readonly source: unknown;
  readonly hasSource: boolean;
}

interface SourcePage {
  readonly total: number;
  readonly hits: readonly SourceHit[];
  /** The search timed out (`search_timeout`): the request stops there, as Elasticsearch's does. */
  readonly timedOut: boolean;
  /** Shards that failed: the request stops and reports them. */
  readonly failures: readonly BulkByScrollFailure[];
}

/** Error types of shard failures that bad input causes (their status is 400; other failures are the server's). */
const clientFailureTypes = new Set(['parsing_exception', 'query_shard_exception', 'illegal_argument_exception', 'number_format_exception', 'x_content_parse_exception']);

/** `timed_out` and `_shards.failures` of a search answer (local or remote) as bulk-by-scroll search failures. */
function searchProblems(response: Record<string, unknown>): Pick<SourcePage, 'timedOut' | 'failures'> {
  const shards = response['_shards'] as { failures?: Record<string, unknown>[] } | undefined;
  const failures = (shards?.failures ?? []).map((failure): BulkByScrollFailure => {
    const reason = (failure['reason'] ?? {}) as Record<string, unknown>;
    const status = typeof failure['status'] === 'number' ? failure['status'] : reason['type'] === 'search_context_missing_exception' ? 404 : clientFailureTypes.has(String(reason['type'])) ? 400 : 500;
    return {
      kind: 'search',
      index: typeof failure['index'] === 'string' ? failure['index'] : null,
      shard: typeof failure['shard'] === 'number' ? failure['shard'] : null,
      node: typeof failure['node'] === 'string' ? failure['node'] : null,
      reason,
      status,
    };
  });
  return { timedOut: response['timed_out'] === true, failures };
}

/** A scroll over the source, local or remote. */
interface HitSource {
  first(): Promise<SourcePage>;
  next(extraKeepAliveMs: number): Promise<SourcePage>;
  close(): Promise<void>;
}

const searchIndicesDefaults: IndicesOptions = { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['open']) };

function keepAliveText(ms: number): string {
  return `${Math.max(1, Math.ceil(ms))}ms`;
}

function localPage(response: Record<string, unknown>): SourcePage & { scrollId: string | undefined } {
  const hitsBlock = response['hits'] as { total?: { value?: number } | number; hits: Record<string, unknown>[] };
  const total = typeof hitsBlock.total === 'number' ? hitsBlock.total : (hitsBlock.total?.value ?? 0);
  const hits = hitsBlock.hits.map((hit) => ({
    index: String(hit['_index']),
    id: String(hit['_id']),
    version: typeof hit['_version'] === 'number' ? hit['_version'] : undefined,
    seqNo: typeof hit['_seq_no'] === 'number' ? hit['_seq_no'] : undefined,
    primaryTerm: typeof hit['_primary_term'] === 'number' ? hit['_primary_term'] : undefined,
    routing: typeof hit['_routing'] === 'string' ? hit['_routing'] : undefined,
    source: hit['_source'],
    hasSource: '_source' in hit,
  }));
  const scrollId = response['_scroll_id'];
  return { total, hits, ...searchProblems(response), scrollId: typeof scrollId === 'string' ? scrollId : undefined };
}

/** The local source: a scroll search run by the search service as the caller (read privileges, DLS/FLS, aliases). */
class LocalHitSource implements HitSource {
  private scrollId: string | undefined;

  constructor(
    private readonly search: SearchService,
    private readonly expression: string,
    private readonly params: Readonly<Record<string, string>>,
    private readonly body: Record<string, unknown>,
    private readonly keepAliveMs: number,
    private readonly caller: BulkByScrollCaller,
    private readonly task: Task,
    private readonly reader: BulkByScrollReader | undefined,
  ) {}

  async first(): Promise<SourcePage> {
    const input = { expression: this.expression, params: { ...this.params, scroll: keepAliveText(this.keepAliveMs) }, body: this.body };
    // As the task's work: the search yields between shards and stops there once the task is cancelled.
    const response = this.reader !== undefined ? await this.reader.open(input, this.caller, this.task) : await currentTask.run(this.task, () => this.search.searchCancellable(input, this.caller.authorize, this.caller.owner));
    const page = localPage(response);
    this.scrollId = page.scrollId;
    return page;
  }

  async next(extraKeepAliveMs: number): Promise<SourcePage> {
    if (this.scrollId === undefined) return { total: 0, hits: [], timedOut: false, failures: [] };
    const keepAlive = keepAliveText(this.keepAliveMs + extraKeepAliveMs);
    const response = this.reader !== undefined ? await this.reader.next(this.scrollId, keepAlive, this.caller) : this.search.scroll(this.scrollId, keepAlive, false, this.caller.owner);
    const page = localPage(response);
    // A multi-node scroll's id names each node's offset: the most recent one continues it.
    if (page.scrollId !== undefined) this.scrollId = page.scrollId;
    return page;
  }

  async close(): Promise<void> {
    if (this.scrollId === undefined) return;
    const scrollId = this.scrollId;
    this.scrollId = undefined;
    if (this.reader !== undefined) await this.reader.clear(scrollId, this.caller);
    else this.search.clearScroll([scrollId], this.caller.owner);
  }
}

class RemoteHitSource implements HitSource {
  private readonly scroll: RemoteScroll;

  constructor(
    private readonly spec: BulkByScrollSpec & { kind: 'reindex' },
    tls: RemoteTlsOptions,
    signal: AbortSignal,
  ) {
    this.scroll = new RemoteScroll(spec.source.remote!, tls, spec.scrollKeepAliveMs, signal);
  }

  private static page(page: RemotePage): SourcePage {
    return {
      total: page.total,
      hits: page.hits.map((hit) => ({ ...hit, seqNo: undefined, primaryTerm: undefined, hasSource: hit.source !== undefined })),
      ...searchProblems(page.response),
    };
  }

  async first(): Promise<SourcePage> {
    const source = this.spec.source;
    const body: Record<string, unknown> = { size: source.batchSize };
    if (source.query !== undefined) body['query'] = source.query;
    if (source.sourceFilter !== undefined) body['_source'] = source.sourceFilter;
    if (source.sort !== undefined) body['sort'] = source.sort;
    return RemoteHitSource.page(await this.scroll.open(source.indices, body));
  }

  async next(extraKeepAliveMs: number): Promise<SourcePage> {
    return RemoteHitSource.page(await this.scroll.next(extraKeepAliveMs));
  }

  close(): Promise<void> {
    return this.scroll.close();
  }
}

/**
 * The wait between batches: interruptible by cancellation, and shortened at once when a
 * rethrottle speeds the request up (a slower rate applies from the next batch, as in Elasticsearch).
 */
class ThrottleWait {
  private timer: NodeJS.Timeout | undefined;
  private deadlineMs = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly nowMs: () => number) {}

  /** Ms until the pending wait ends (0 when none is pending). */
  remainingMs(): number {
    return this.wake === undefined ? 0 : Math.max(0, this.deadlineMs - this.nowMs());
  }

  wait(delayMs: number, signal: AbortSignal): Promise<void> {
    if (delayMs <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.wake = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wake = done;
      this.schedule(delayMs);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.deadlineMs = this.nowMs() + delayMs;
    const wake = this.wake;
    // Node's timers fire at once past 2^31-1 ms: a longer wait re-arms itself for the rest.
    const stepMs = Math.min(delayMs, 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      if (delayMs - stepMs <= 0) wake?.();
      else this.schedule(delayMs - stepMs);
    }, stepMs);
    // A throttled task must not keep a stopping node alive (close() cancels it, which ends the wait).
    this.timer.unref();
  }

  /** A faster rate shortens the pending wait in proportion (Elasticsearch's rethrottle of a delayed batch). */
  rethrottle(oldRequestsPerSecond: number, newRequestsPerSecond: number): void {
    if (this.wake === undefined || newRequestsPerSecond <= oldRequestsPerSecond) return;
    const remaining = this.remainingMs();
    const scaled = newRequestsPerSecond === Infinity ? 0 : (remaining * oldRequestsPerSecond) / newRequestsPerSecond;
    if (scaled <= 0) this.wake();
    else {
      this.deadlineMs = this.nowMs() + scaled;
      this.schedule(scaled);
    }
  }
}

/** One worker: the whole request, or one slice of it. */
class Worker {
  readonly status: WorkerStatus;
  readonly failures: BulkByScrollFailure[] = [];
  readonly touched = new Map<string, IndexHandle>();
  /** Indices the writer port wrote (refreshed at the end with `refresh`). */
  readonly touchedNames = new Set<string>();
  timedOut = false;
  finished = false;
  private readonly throttle: ThrottleWait;

  constructor(
    private readonly service: BulkByScrollService,
    private readonly spec: BulkByScrollSpec,
    private readonly caller: BulkByScrollCaller,
    private readonly task: Task,
    readonly slice: Slice | undefined,
    private readonly maxDocs: number,
    requestsPerSecond: number,
    private readonly script: CompiledScript | undefined,
  ) {
    this.status = newWorkerStatus(spec.slices === 1 || spec.source.slice !== undefined ? undefined : slice?.id, requestsPerSecond);
    this.throttle = new ThrottleWait(service.options.nowMs);
  }

  /** The status as `GET /_tasks` shows it now. */
  liveStatus(): WorkerStatus {
    return { ...this.status, throttledUntilMs: this.throttle.remainingMs() };
  }

  rethrottle(requestsPerSecond: number): void {
    const old = this.status.requestsPerSecond;
    this.status.requestsPerSecond = requestsPerSecond;
    this.throttle.rethrottle(old, requestsPerSecond);
  }

  private successes(): number {
    return this.status.created + this.status.updated + this.status.deleted;
  }

  private openSource(): HitSource {
    const spec = this.spec;
    if (spec.kind === 'reindex' && spec.source.remote !== undefined) return new RemoteHitSource(spec, this.service.options.remoteTls, this.task.signal);
    const body: Record<string, unknown> = {
      size: spec.source.batchSize,
      sort: spec.source.sort ?? ['_doc'],
      version: true,
      seq_no_primary_term: true,
    };
    if (spec.source.query !== undefined) body['query'] = spec.source.query;
    if (spec.source.sourceFilter !== undefined) body['_source'] = spec.source.sourceFilter;
    const params = spec.kind === 'reindex' ? {} : spec.params;
    return new LocalHitSource(this.service.options.search, spec.source.indices.join(','), params, body, spec.scrollKeepAliveMs, this.caller, this.task, this.service.options.reader);
  }

  async run(): Promise<void> {
    const { nowMs } = this.service.options;
    const source = this.openSource();
    try {
      let page = await source.first();
      const sliced = this.slice !== undefined && this.slice.max > 1;
      this.status.total = sliced ? 0 : Math.min(page.total, this.maxDocs);
      for (;;) {
        if (this.task.cancelled) break;
        if (page.timedOut || page.failures.length > 0) {
          this.timedOut = page.timedOut;
          this.failures.push(...page.failures);
          break;
        }
        if (page.hits.length === 0) break;
        let hits = sliced ? page.hits.filter((hit) => inSlice(hit.id, this.slice)) : page.hits;
        if (this.maxDocs !== Infinity) hits = hits.slice(0, Math.max(0, this.maxDocs - this.successes()));
        // A sliced worker learns its share as it reads (the search's total counts every slice).
        if (sliced) this.status.total += hits.length;
        const batchStartMs = nowMs();
        if (hits.length > 0) {
          this.status.batches++;
          await this.write(hits);
        }
        if (this.failures.length > 0) break;
        if (this.maxDocs !== Infinity && this.successes() >= this.maxDocs) break;
        const delayMs = throttleWaitMs(this.status.requestsPerSecond, hits.length, batchStartMs, nowMs());
        // The next page is read now, its context kept alive through the wait (as far as search.max_keep_alive
        // lets it: a rethrottle may end a longer wait early, and the page is in hand by then).
        page = await source.next(Math.max(0, Math.min(delayMs, scrollLimits.keepAliveMsMax - this.spec.scrollKeepAliveMs)));
        // Only a real wait counts as throttled time (an unthrottled run reports 0, however busy the loop).
        if (delayMs > 0) {
          const waitStartMs = nowMs();
          await this.throttle.wait(delayMs, this.task.signal);
          this.status.throttledMs += nowMs() - waitStartMs;
        }
      }
    } catch (error) {
      if (!(error instanceof EsError) || !this.task.cancelled) throw error;
    } finally {
      await source.close();
      if (this.task.cancelled) this.status.cancelledReason = this.cancelReason();
      this.finished = true;
    }
  }

  private cancelReason(): string {
    const reason = this.task.signal.reason as EsError | undefined;
    const match = reason === undefined ? undefined : /^task cancelled \[(.*)\]$/.exec(reason.message);
    return match?.[1] ?? 'by user request';
  }

  /** Waits for `wait_for_active_shards` like a bulk shard request: one node holds one copy of each shard. */
  private async activeShardsProblem(indexNames: readonly string[]): Promise<EsError | undefined> {
    const wanted = this.spec.waitForActiveShards;
    for (const name of indexNames) {
      const handle = this.service.options.indices.get(name);
      const replicas = handle === undefined ? 1 : settingInteger(handle.metadata.settings, 'index.number_of_replicas');
      const needed = wanted === 'all' ? 1 + replicas : wanted;
      if (needed <= 1) continue;
      // The bulk shard request waits `timeout` for copies that cannot come on one node, then fails.
      await new ThrottleWait(this.service.options.nowMs).wait(this.spec.timeoutMs, this.task.signal);
      return errors.unavailableShards(
        name,
        `[${name}][0] Not enough active copies to meet shard count of [${wanted === 'all' ? 'ALL' : wanted}] (have 1, needed ${needed}). Timeout: [${formatTimeValue(this.spec.timeoutMs)}], request: [BulkShardRequest [[${name}][0]]]`,
      );
    }
    return undefined;
  }

  /** One bulk request for the batch, through the bulk write path as the caller. */
  private async write(hits: readonly SourceHit[]): Promise<void> {
    const spec = this.spec;
    const lines: string[] = [];
    const targets = new Set<string>();
    const script = this.script;
    const clock = { nowMs: this.service.options.nowMs };
    for (const hit of hits) {
      if (spec.kind !== 'delete_by_query' && !hit.hasSource) throw errors.illegalArgument(`[${hit.index}][_doc][${hit.id}] didn't store _source`);
      if (spec.kind === 'reindex') {
        let index = spec.dest.index;
        let id: string | null = hit.id;
        let routing = spec.dest.routing.kind === 'keep' ? hit.routing : spec.dest.routing.kind === 'set' ? spec.dest.routing.value : undefined;
        let source = hit.source;
        let operation: string = spec.dest.opType;
        let version: number | null | undefined = hit.version;
        if (script !== undefined) {
          // The script sees the request about to be sent (destination index, id, routing) and may change it.
          const result = runWriteScript(script, { source: hit.source as Record<string, unknown>, index, id, version: hit.version, routing: routing ?? null, op: 'index' }, clock);
          if (result.op === 'noop') {
            this.status.noops++;
            continue;
          }
          index = result.index;
          id = result.id;
          routing = result.routing ?? undefined;
          source = result.source;
          // `ctx._version = null` makes the write unversioned (it overwrites whatever the destination holds).
          version = result.version;
          if (result.op === 'delete') operation = 'delete';
        }
        const metadata: Record<string, unknown> = { _index: index };
        // A script that sets `ctx._id = null` asks for an automatic id.
        if (id !== null) metadata['_id'] = id;
        if (routing !== undefined) metadata['routing'] = routing;
        if (spec.dest.versionType !== 'internal' && version !== undefined && version !== null) {
          metadata['version'] = version;
          metadata['version_type'] = spec.dest.versionType;
        }
        if (operation === 'delete') {
          lines.push(JSON.stringify({ delete: metadata }));
        } else {
          if (spec.requireAlias) metadata['require_alias'] = true;
          if (spec.dest.pipeline !== undefined) metadata['pipeline'] = spec.dest.pipeline;
          lines.push(JSON.stringify({ [operation]: metadata }), JSON.stringify(source));
        }
        targets.add(index);
      } else {
        // Each document goes back where it came from, only if it has not changed since the search (if_seq_no).
        const metadata: Record<string, unknown> = { _index: hit.index, _id: hit.id, if_seq_no: hit.seqNo, if_primary_term: hit.primaryTerm };
        if (hit.routing !== undefined) metadata['routing'] = hit.routing;
        let operation: 'index' | 'delete' = spec.kind === 'update_by_query' ? 'index' : 'delete';
        let source = hit.source;
        if (spec.kind === 'update_by_query' && script !== undefined) {
          const result = runWriteScript(script, { source: hit.source as Record<string, unknown>, index: hit.index, id: hit.id, version: hit.version, routing: hit.routing ?? null, op: 'index' }, clock);
          if (result.op === 'noop') {
            this.status.noops++;
            continue;
          }
          if (result.op === 'delete') operation = 'delete';
          source = result.source;
        }
        if (operation === 'index') {
          if (spec.kind === 'update_by_query' && spec.pipeline !== undefined) metadata['pipeline'] = spec.pipeline;
          lines.push(JSON.stringify({ index: metadata }), JSON.stringify(source));
        } else lines.push(JSON.stringify({ delete: metadata }));
        targets.add(hit.index);
      }
    }
    // Every document was a noop: nothing to write (and no index to create).
    if (lines.length === 0) return;
    const writer = this.service.options.writer;
    const answered = writer !== undefined ? await this.writeThrough(writer, lines) : await this.writeHere(lines, targets, hits);
    if (answered === undefined) return;
    for (const item of answered) {
      const outcome = Object.values(item)[0]!;
      const error = outcome['error'] as Record<string, unknown> | undefined;
      if (error !== undefined) {
        const conflict = error['type'] === 'version_conflict_engine_exception';
        if (conflict) this.status.versionConflicts++;
        if (!conflict || spec.conflicts === 'abort') {
          this.failures.push({ kind: 'bulk', index: String(outcome['_index']), id: outcome['_id'] === null ? null : String(outcome['_id']), cause: error, status: Number(outcome['status']) });
        }
        continue;
      }
      switch (outcome['result']) {
        case 'created':
          this.status.created++;
          break;
        case 'updated':
          this.status.updated++;
          break;
        case 'deleted':
          this.status.deleted++;
          break;
        case 'noop':
          this.status.noops++;
          break;
        case 'not_found':
          // Elasticsearch counts every successful delete item, found or not.
          this.status.deleted++;
          break;
        default:
          break;
      }
    }
  }

  /** The batch through this node's bulk path over its own stores; undefined when `wait_for_active_shards` failed it. */
  private async writeHere(lines: readonly string[], targets: ReadonlySet<string>, hits: readonly SourceHit[]): Promise<readonly Record<string, Record<string, unknown>>[] | undefined> {
    const spec = this.spec;
    const activeShards = await this.activeShardsProblem([...targets]);
    if (activeShards !== undefined) {
      for (const hit of hits) this.failures.push({ kind: 'bulk', index: spec.kind === 'reindex' ? spec.dest.index : hit.index, id: hit.id, cause: activeShards.toCause(), status: activeShards.status });
      return undefined;
    }
    const defaults = { index: undefined, requireAlias: false, sourceFilter: undefined, routing: undefined };
    const items = parseBulkBody(`${lines.join('\n')}\n`, defaults);
    const { indices, nowMs } = this.service.options;
    const authorize = this.caller.authorize;
    const result = executeBulk(
      indices,
      items,
      defaults,
      {
        allowsIndex: (action, name) => authorize.allowsIndex(action, name),
        ...(authorize.readRestriction !== undefined ? { readRestriction: (action: string, name: string, aliases?: readonly string[]) => authorize.readRestriction!(action, name, aliases) } : {}),
        username: this.caller.username,
      },
      nowMs,
      this.service.options.ingest,
    );
    for (const handle of result.touched) this.touched.set(handle.name, handle);
    return result.body['items'] as Record<string, Record<string, unknown>>[];
  }

  /**
   * The batch through the writer port (the cluster's bulk path: `wait_for_active_shards` and
   * `timeout` are its own); the indices written are refreshed at the end when asked.
   */
  private async writeThrough(writer: BulkByScrollWriter, lines: readonly string[]): Promise<readonly Record<string, Record<string, unknown>>[]> {
    const items = await writer.bulk(`${lines.join('\n')}\n`, this.caller, { timeoutMs: this.spec.timeoutMs, waitForActiveShards: this.spec.waitForActiveShards });
    for (const item of items) {
      const outcome = Object.values(item)[0];
      if (outcome !== undefined && outcome['error'] === undefined && typeof outcome['_index'] === 'string') this.touchedNames.add(outcome['_index']);
    }
    return items;
  }
}

/** How Elasticsearch's request descriptions name a script (` updated with Script{...}`). */
function scriptDescription(script: ScriptSpec | undefined): string {
  if (script === undefined) return '';
  const stored = script.id !== undefined;
  return ` updated with Script{type=${stored ? 'stored' : 'inline'}, lang='${script.lang ?? 'painless'}', idOrCode='${stored ? script.id : script.source}', options={}, params=${JSON.stringify(script.params)}}`;
}

export class BulkByScrollService {
  /** The requests running now (their parent tasks), cancelled when the node closes. */
  private readonly running = new Set<Task>();
  private closed = false;

  constructor(readonly options: BulkByScrollServiceOptions) {}

  /** Cancels every running request (they stop between batches); later requests are refused. */
  close(): void {
    this.closed = true;
    for (const task of this.running) this.options.tasks.cancel(task, 'node is closing');
  }

  /** Elasticsearch's task description of the request (never with credentials). */
  private description(spec: BulkByScrollSpec): string {
    if (spec.kind === 'reindex') {
      const remote = spec.source.remote === undefined ? '' : `[${describeRemote(spec.source.remote)}]`;
      return `reindex from ${remote}[${spec.source.indices.join(', ')}]${scriptDescription(spec.script)} to [${spec.dest.index}]`;
    }
    return `${spec.kind === 'update_by_query' ? 'update-by-query' : 'delete-by-query'} [${spec.source.indices.join(', ')}]${scriptDescription(spec.script)}`;
  }

  /**
   * Checks what can be checked before any work (Elasticsearch validates these before the task
   * starts): the remote whitelist, the caller's read on the source and the by-query action, the
   * destination not being a source. Returns the number of slices to run.
   */
  private preflight(spec: BulkByScrollSpec, caller: BulkByScrollCaller): number {
    const pipeline = spec.kind === 'reindex' ? spec.dest.pipeline : spec.kind === 'update_by_query' ? spec.pipeline : undefined;
    if (pipeline !== undefined && pipeline !== '_none' && this.options.ingest === undefined) throw pipelineNotSupported(pipeline);
    if (spec.kind === 'reindex' && spec.source.remote !== undefined) {
      checkRemoteWhitelisted(spec.source.remote, this.options.remoteWhitelist);
      return 1;
    }
    const indicesOptions = parseIndicesOptions(spec.kind === 'reindex' ? {} : spec.params, searchIndicesDefaults);
    const access = (action: string) => ({
      allows: (name: string) => caller.authorize.allowsIndex(action, name),
      authorizeLiterals: (names: readonly string[]) => caller.authorize.indices(action, names),
    });
    if (spec.kind !== 'reindex') this.options.indices.resolve(spec.source.indices, indicesOptions, access(bulkByScrollActions[spec.kind]));
    const handles = this.options.indices.resolve(spec.source.indices, indicesOptions, access(searchActions.search));
    if (spec.kind === 'reindex') {
      const dest = this.options.indices.get(spec.dest.index);
      const destNames = new Set([spec.dest.index]);
      for (const handle of handles) if (Object.keys(handle.metadata.aliases).includes(spec.dest.index)) destNames.add(handle.name);
      const overlap = handles.find((handle) => destNames.has(handle.name) || handle === dest);
      if (overlap !== undefined) throw errors.actionRequestValidation([`reindex cannot write into an index its reading from [${overlap.name}]`]);
    }
    if (spec.slices !== 'auto') return spec.slices;
    // `auto`: one slice per shard of the source, the fewest when there are several (Elasticsearch's rule).
    const shardCounts = handles.map((handle) => Math.max(1, settingInteger(handle.metadata.settings, 'index.number_of_shards')));
    return shardCounts.length === 0 ? 1 : Math.min(...shardCounts);
  }

  /**
   * Runs the request. With `wait_for_completion` (the default) answers when it is done; otherwise
   * answers `{task}` at once and keeps the result with the task manager.
   */
  async start(spec: BulkByScrollSpec, caller: BulkByScrollCaller): Promise<BulkByScrollOutcome> {
    if (this.closed) throw errors.illegalState('the node is closing');
    const slices = this.preflight(spec, caller);
    // A script that does not compile is the request's 400, before any task starts (Elasticsearch compiles it first too).
    const script = spec.script === undefined ? undefined : compileScript(spec.script, spec.kind === 'reindex' ? 'reindex' : 'update_by_query', this.options.indices.storedScripts);
    const { tasks, nowMs, log } = this.options;
    const startedMs = nowMs();
    const action = bulkByScrollActions[spec.kind];
    const description = this.description(spec);
    const workers: Worker[] = [];
    let requestsPerSecond = spec.requestsPerSecond;
    const liveStatus = (): Record<string, unknown> => {
      if (workers.length === 1 && slices === 1) return renderStatus(workers[0]!.liveStatus(), allStatusFields);
      const statuses = workers.map((worker) => worker.liveStatus());
      return renderStatus(sumStatuses(statuses, requestsPerSecond), allStatusFields, statuses);
    };
    const rethrottle = (rate: number): void => {
      requestsPerSecond = rate;
      const running = workers.filter((worker) => !worker.finished);
      for (const worker of running) worker.rethrottle(slices === 1 ? rate : sliceRate(rate, running.length));
    };
    const parent = tasks.register({ action, description, cancellable: true, headers: caller.headers, status: liveStatus, rethrottle });
    this.running.add(parent);
    const finish = (): void => {
      this.running.delete(parent);
      tasks.unregister(parent);
    };
    const run = async (): Promise<BulkByScrollOutcome> => {
      if (slices === 1) {
        const worker = new Worker(this, spec, caller, parent, spec.source.slice, spec.maxDocs, spec.requestsPerSecond, script);
        workers.push(worker);
        await worker.run();
      } else {
        const perSlice = spec.maxDocs === Infinity ? Infinity : Math.floor(spec.maxDocs / slices);
        const children: Promise<void>[] = [];
        for (let id = 0; id < slices; id++) {
          // Each slice runs as a child task of the request (cancelling the parent cancels it).
          let worker: Worker | undefined;
          const child = tasks.register({
            action,
            description,
            cancellable: true,
            parentTaskId: parent.taskId,
            headers: caller.headers,
            status: () => renderStatus(worker!.liveStatus(), allStatusFields),
          });
          worker = new Worker(this, spec, caller, child, { id, max: slices }, perSlice, sliceRate(spec.requestsPerSecond, slices), script);
          workers.push(worker);
          children.push(
            worker.run().finally(() => {
              tasks.unregister(child);
              // The remaining slices share the request's rate (Elasticsearch re-divides it as slices finish).
              if (requestsPerSecond !== Infinity) rethrottle(requestsPerSecond);
            }),
          );
        }
        const settled = await Promise.allSettled(children);
        const rejected = settled.find((outcome) => outcome.status === 'rejected');
        if (rejected !== undefined) throw (rejected as PromiseRejectedResult).reason;
      }
      if (spec.refresh) {
        const touched = new Map<string, IndexHandle>();
        for (const worker of workers) for (const [name, handle] of worker.touched) touched.set(name, handle);
        for (const handle of touched.values()) this.options.indices.refresh(handle);
        const names = new Set(workers.flatMap((worker) => [...worker.touchedNames]));
        if (names.size > 0) await this.options.writer?.refresh([...names]);
      }
      const statuses = workers.map((worker) => worker.status);
      const status = slices === 1 ? statuses[0]! : sumStatuses(statuses, requestsPerSecond);
      status.requestsPerSecond = requestsPerSecond;
      const failures = workers.flatMap((worker) => worker.failures);
      const fields = spec.waitForCompletion ? responseFields(spec.kind) : allStatusFields;
      const outcome = renderResponse(spec.kind, nowMs() - startedMs, workers.some((worker) => worker.timedOut), status, slices === 1 ? undefined : statuses, failures, fields);
      log.debug({ action, task: parent.taskId, total: status.total, failures: failures.length }, 'bulk-by-scroll request finished');
      return outcome;
    };
    if (spec.waitForCompletion) {
      try {
        return await run();
      } finally {
        finish();
      }
    }
    /** Keeps the result for `GET /_tasks/{id}`; a store that fails (the node closing) is logged, never thrown. */
    const keep = (outcome: { response: unknown } | { error: Record<string, unknown> }): void => {
      try {
        tasks.storeResult(parent, outcome);
      } catch (error) {
        log.warn({ err: error, task: parent.taskId }, 'could not keep the result of a bulk-by-scroll task');
      } finally {
        finish();
      }
    };
    void run().then(
      (outcome) => keep({ response: outcome.body }),
      (error: unknown) => {
        if (!(error instanceof EsError)) log.error({ err: error, task: parent.taskId }, 'bulk-by-scroll task failed unexpectedly');
        const cause = error instanceof EsError ? error.toCause() : { type: 'exception', reason: error instanceof Error ? error.message : String(error) };
        keep({ error: cause as Record<string, unknown> });
      },
    );
    return { status: 200, body: { task: parent.taskId } };
  }
}
