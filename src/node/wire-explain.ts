/**
 * `_explain` in a multi-node cluster (issue #14). Elasticsearch's explain is a single-shard read
 * (TransportExplainAction, a TransportSingleShardAction): the coordinating node resolves and
 * authorizes the target, routes the id (or the `routing`, or the alias's index routing) to its
 * shard and asks one started copy of that shard (`preference` chooses which; none: round robin)
 * on the node holding it (`indices:data/read/explain[s]`). That node runs the single-node explain
 * on its copy, under the alias filter the coordinating node decided (the data node sees only the
 * index's name), the coordinating node's authorization and the caller's document and field level
 * security (which travels with the request, travelling-restriction.ts).
 * Loaded only in multi-node mode (through wire-search.ts).
 */
import type { ClusterState } from '../cluster/state.js';
import { errors, EsError } from '../common/errors.js';
import type { IndexHandle, IndicesService } from '../index/index.js';
import { routingLayoutOf, shardNumber } from '../index/routing.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { combinedAliasFilter } from '../search/alias-filter.js';
import { explainAction, parseExplainRequest, type ExplainService } from '../search/explain.js';
import { pickCopy } from '../search/multi-node-search.js';
import type { ShardCopies } from '../search/shard-search.js';
import type { TransportHandler } from '../transport/index.js';
import { restrictionFromWire, restrictionToWire, type TravellingRestriction } from './travelling-restriction.js';

/** The shard-level explain action (Elasticsearch's name for the single-shard request). */
export const EXPLAIN_SHARD_ACTION = 'indices:data/read/explain[s]';

/** How long the coordinating node waits for the data node's explanation (ours). */
const explainRequestTimeoutMs = 60_000;

/** What the coordinating node sends: the request as it came (re-parsed there) and what it resolved. */
interface ExplainShardRequest {
  readonly index: string;
  readonly index_uuid: string;
  readonly shard: number;
  readonly id: string;
  readonly routing: string | null;
  readonly params: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly path: string;
  readonly alias_filter: readonly unknown[] | null;
  /** The caller's document and field level security on the index (travelling-restriction.ts). */
  readonly read_restriction: TravellingRestriction | null;
}

export interface ExplainWiringOptions {
  readonly nodeId: string;
  readonly indices: IndicesService;
  readonly explainer: ExplainService;
  readonly state: () => ClusterState;
  /** The started copies of one shard of the index (undefined: another incarnation of the index is published). */
  readonly copiesOf: (state: ClusterState, index: IndexHandle, shard: number) => ShardCopies | undefined;
  readonly request: (nodeId: string, action: string, body: unknown, timeoutMs: number) => Promise<unknown>;
  /** A handler serving `handle` to nodes of this cluster only. */
  readonly internalHandler: (handle: (body: unknown) => unknown) => TransportHandler;
}

function parseShardRequest(body: unknown): ExplainShardRequest {
  const request = body as Partial<ExplainShardRequest> | null;
  const isStringMap = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((item) => typeof item === 'string');
  if (
    request === null ||
    typeof request !== 'object' ||
    typeof request.index !== 'string' ||
    typeof request.index_uuid !== 'string' ||
    typeof request.id !== 'string' ||
    typeof request.path !== 'string' ||
    !Number.isInteger(request.shard) ||
    !(request.routing === null || typeof request.routing === 'string') ||
    !isStringMap(request.params) ||
    !(request.alias_filter === null || (Array.isArray(request.alias_filter) && request.alias_filter.length > 0))
  ) {
    throw errors.illegalArgument(`malformed [${EXPLAIN_SHARD_ACTION}] request`);
  }
  return request as ExplainShardRequest;
}

export function wireExplain(options: ExplainWiringOptions): { readonly handlers: ReadonlyMap<string, TransportHandler>; route(original: Route): Route } {
  const { indices, explainer, nodeId } = options;
  let cursor = 0;

  /** The data node's side: this node's copy of the shard explains the document. */
  const explainHere = (request: ExplainShardRequest): RestResponse => {
    const handle = indices.get(request.index);
    if (handle === undefined || handle.uuid !== request.index_uuid || handle.shards?.[request.shard] === undefined) throw errors.shardNotFound(request.index, request.shard);
    const parsed = parseExplainRequest(request.params, request.body ?? undefined, request.path);
    return explainer.explainShard(handle, request.id, parsed, request.routing ?? undefined, combinedAliasFilter(request.alias_filter ?? undefined), restrictionFromWire(request.read_restriction));
  };

  const route = (original: Route): Route => ({
    ...original,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      const target = request.params['index']!;
      const id = request.params['id']!;
      const body = request.json();
      const parsed = parseExplainRequest(request.query, body, request.rawPath);
      const { handle, routing, aliasFilter } = explainer.resolve(target, id, parsed, context.authorize);
      const restriction = context.authorize.readRestriction?.(explainAction, handle.name, Object.keys(handle.metadata.aliases));
      const shard = shardNumber(routingLayoutOf(handle.metadata.settings), routing ?? id);
      const copies = options.copiesOf(options.state(), handle, shard);
      const preference = request.query['preference'];
      const node = copies === undefined ? undefined : pickCopy(copies.nodes, nodeId, preference, cursor++);
      if (node === undefined) throw errors.noShardAvailable(handle.name, shard);
      const shardRequest: ExplainShardRequest = {
        index: handle.name,
        index_uuid: handle.uuid,
        shard,
        id,
        routing: routing ?? null,
        params: request.query,
        body: body ?? null,
        path: request.rawPath,
        alias_filter: aliasFilter ?? null,
        read_restriction: restriction === undefined ? null : restrictionToWire(restriction, handle.name),
      };
      const ask = async (on: string): Promise<RestResponse> => (on === nodeId ? explainHere(shardRequest) : ((await options.request(on, EXPLAIN_SHARD_ACTION, shardRequest, explainRequestTimeoutMs)) as RestResponse));
      try {
        return await ask(node);
      } catch (error) {
        // A copy that is gone or unreachable: one more try on another started copy (a bad request would fail on any).
        const retryable = !(error instanceof EsError) || error.status >= 500 || error.type === 'shard_not_found_exception';
        const other = preference === undefined ? copies!.nodes.find((candidate) => candidate !== node) : undefined;
        if (!retryable || other === undefined) throw error;
        return ask(other);
      }
    },
  });

  return { handlers: new Map([[EXPLAIN_SHARD_ACTION, options.internalHandler((body) => explainHere(parseShardRequest(body)))]]), route };
}
