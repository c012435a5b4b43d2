/**
 * `_reindex`, `_update_by_query` and `_delete_by_query` in a multi-node cluster (issue #14). The
 * bulk-by-scroll engine (src/search/bulk-by-scroll-runner.ts) is the single node's; only its two
 * ports change, as Elasticsearch's engine reads with a scroll search and writes with bulk requests
 * that any node coordinates:
 * - the reader opens the source scroll through the cross-node scroll (wire-scroll.ts): the shards
 *   are planned and authorized here as a search's are (read on the source), the caller's document
 *   and field level security travels with every shard request (travelling-restriction.ts), and the
 *   contexts stay on the data nodes;
 * - the writer sends each batch through the coordinating bulk path (wire-documents.ts): every item
 *   is authorized as the caller's (write on the destination, auto-create), goes through ingest here,
 *   and runs on its shard's primary, which replicates it. By-query items carry the hit's
 *   `if_seq_no`/`if_primary_term`, so a document changed since the search is a version conflict
 *   there, counted (`conflicts=proceed`) or failing the request (`abort`) as on one node.
 * Tasks are this node's: `GET /_tasks/<id>` answers here, and another node of the cluster forwards
 * it here over the transport (the task id names the node, as Elasticsearch's TransportGetTaskAction
 * sends the get to the node running the task). Loaded only in multi-node mode (node.ts).
 */
import { SYSTEM_CONTEXT } from './system-context.js';
import type { Logger } from 'pino';
import type { ClusterState } from '../cluster/state.js';
import type { NodeConfig } from '../config/types.js';
import { errors } from '../common/errors.js';
import { booleanParam, createRestRequest } from '../http/request.js';
import type { RequestContext, RestResponse, Route } from '../http/route.js';
import { reindexRoutes } from '../http/routes/reindex.js';
import type { IndicesService } from '../index/index.js';
import type { IngestService } from '../index/ingest/index.js';
import { bulkByScrollActions } from '../search/bulk-by-scroll.js';
import type { BulkByScrollReader, BulkByScrollWriter } from '../search/bulk-by-scroll-runner.js';
import type { SearchService } from '../search/index.js';
import { parseTimeValueMs } from '../search/time-value.js';
import { currentTask, parseTaskId, taskActions } from '../tasks/task-manager.js';
import type { TransportHandler } from '../transport/index.js';
import type { DocumentsWiring } from './wire-documents.js';
import { bulkByScrollService } from './wire-reindex.js';
import { planSearchShards, type SearchWiring } from './wire-search.js';

export interface ReindexAcrossNodesOptions {
  readonly nodeId: string;
  readonly config: NodeConfig;
  readonly state: () => ClusterState;
  readonly indices: IndicesService;
  readonly search: SearchService;
  readonly ingest: IngestService;
  readonly documents: DocumentsWiring;
  readonly searchWiring: SearchWiring;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** Another node of the cluster, over the data-plane channel (a task get forwarded to the task's node). */
  readonly request: (nodeId: string, action: string, body: unknown, timeoutMs: number) => Promise<unknown>;
  readonly internalHandler: (handle: (body: unknown) => unknown) => TransportHandler;
  readonly addTransportHandlers: (handlers: ReadonlyMap<string, TransportHandler>) => void;
}

/** Ours: `GET /_tasks/<id>` run on the node named by the id, for a coordinating node that authorized it. */
export const TASK_GET_NODE_ACTION = 'cluster:monitor/task/get[n]';
/** Ours: how much longer than the get's own wait the coordinating node waits for the task's node. */
const taskGetMarginMs = 10_000;
/** Elasticsearch's default wait of `GET /_tasks/<id>?wait_for_completion=true` (30s). */
const taskWaitMsDefault = 30_000;

export interface ReindexAcrossNodes {
  /** Replaces the single-node bulk-by-scroll routes with this engine's. */
  applyTo(routes: readonly Route[]): Route[];
  close(): void;
}

const bulkByScrollActionNames: ReadonlySet<string> = new Set(Object.values(bulkByScrollActions));

/** The reader port: the source scroll planned here, its contexts on the nodes holding the shards. */
export function crossNodeReader(options: Pick<ReindexAcrossNodesOptions, 'nodeId' | 'state' | 'indices' | 'search' | 'searchWiring'>): BulkByScrollReader {
  const { search, searchWiring } = options;
  return {
    open: async (input, caller, task) => {
      const { scroll: _keepAlive, ...unscrolled } = input.params;
      const shards = planSearchShards({ indices: options.indices, state: options.state, nodeId: options.nodeId, restrictionsTravel: true }, { ...input, params: unscrolled }, caller.authorize);
      // No shard to read (or only this node's own copies): the single-node scroll answers, as `_search` does.
      if (shards === 'local' || shards.length === 0) return currentTask.run(task, () => search.searchCancellable(input, caller.authorize, caller.owner));
      return searchWiring.scrolls.openAs(input, shards, caller.owner);
    },
    next: async (scrollId, keepAlive, caller) => (await searchWiring.scrolls.next(scrollId, keepAlive, caller.owner)) ?? search.scroll(scrollId, keepAlive, false, caller.owner),
    clear: async (scrollId, caller) => {
      if (!(await searchWiring.scrolls.clear(scrollId, caller.owner))) search.clearScroll([scrollId], caller.owner);
    },
  };
}

/** The writer port: each batch is a bulk request this node coordinates as the caller. */
export function crossNodeWriter(documents: DocumentsWiring): BulkByScrollWriter {
  return {
    bulk: async (ndjson, caller, { timeoutMs, waitForActiveShards }) => {
      const query: Record<string, string> = { timeout: `${timeoutMs}ms` };
      // 1 is the request's default: the index's `index.write.wait_for_active_shards` then decides, as for any bulk.
      if (waitForActiveShards !== 1) query['wait_for_active_shards'] = String(waitForActiveShards);
      const answer = await documents.bulkAs(ndjson, query, caller.authorize, caller.username);
      return (answer.body as { items: Record<string, Record<string, unknown>>[] }).items;
    },
    refresh: (names) => documents.refreshCopies(names),
  };
}

export function wireReindexAcrossNodes(options: ReindexAcrossNodesOptions): ReindexAcrossNodes {
  // The node's task manager: `_tasks`, `_cancel` and `_rethrottle` see these requests as on one node
  // (results of wait_for_completion=false are kept in node.db, set up by wire-reindex.ts).
  const service = bulkByScrollService(options, { reader: crossNodeReader(options), writer: crossNodeWriter(options.documents) });
  const replacements = reindexRoutes(service);

  // ------------------------------------------------------------------ task get on the task's node
  let taskGetHere: Route | undefined;
  const internalContext: RequestContext = SYSTEM_CONTEXT;
  options.addTransportHandlers(
    new Map([
      [
        TASK_GET_NODE_ACTION,
        options.internalHandler(async (raw) => {
          const body = (raw ?? {}) as Record<string, unknown>;
          const query = body['query'];
          if (typeof body['task_id'] !== 'string' || query === null || typeof query !== 'object' || !Object.values(query).every((value) => typeof value === 'string')) {
            throw errors.illegalArgument(`malformed [${TASK_GET_NODE_ACTION}] request`);
          }
          if (taskGetHere === undefined) throw errors.illegalState(`[${TASK_GET_NODE_ACTION}] is not wired on this node`);
          const request = createRestRequest({ method: 'GET', rawPath: `/_tasks/${body['task_id']}`, params: { task_id: body['task_id'] }, query: { ...(query as Record<string, string>) }, headers: {}, body: undefined });
          const answer = await taskGetHere.handle(request, internalContext);
          return { status: answer.status, body: answer.body };
        }),
      ],
    ]),
  );
  /** `GET /_tasks/<id>` naming another node of the cluster: answered by that node (authorized here). */
  const taskGetRoute = (original: Route): Route => ({
    ...original,
    handle: async (request, context): Promise<RestResponse> => {
      const raw = request.params['task_id'] ?? '';
      const { nodeId, set } = parseTaskId(raw);
      if (!set || nodeId === options.nodeId || options.state().nodes[nodeId] === undefined) return original.handle(request, context);
      const query: Record<string, string> = {};
      for (const name of ['wait_for_completion', 'timeout']) if (request.query[name] !== undefined) query[name] = request.query[name]!;
      // The task's node waits up to `timeout` (30s by default) when asked to wait; this node waits a little longer for it.
      const waitMs = booleanParam(query['wait_for_completion']) ? (query['timeout'] === undefined ? taskWaitMsDefault : parseTimeValueMs(query['timeout'], 'timeout')) : 0;
      const answer = (await options.request(nodeId, TASK_GET_NODE_ACTION, { task_id: raw, query }, Math.max(0, waitMs) + taskGetMarginMs)) as RestResponse;
      return { status: answer.status, body: answer.body };
    },
  });

  return {
    applyTo: (routes) =>
      routes.map((route) => {
        if (route.action === taskActions.get && route.path === '/_tasks/:task_id') {
          taskGetHere = route;
          return taskGetRoute(route);
        }
        if (!bulkByScrollActionNames.has(route.action)) return route;
        return replacements.find((replacement) => replacement.action === route.action && replacement.path === route.path) ?? route;
      }),
    close: () => service.close(),
  };
}
