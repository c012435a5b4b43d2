/**
 * A multi-node cluster as the remote of cross-cluster requests (issue #14, "remote clusters meet
 * many nodes"). Whichever node a remote cluster reached (its gateway) answers for the whole
 * cluster:
 * - sniffing lists every node of the published cluster state: `cluster:monitor/state` (certificate
 *   model) with each node's transport publish address, `cluster:internal/remote_cluster/nodes` (API
 *   key model) with the remote cluster interface's address of each node that opens it, as
 *   Elasticsearch's RemoteClusterNodesAction does; roles and `node.attr.*` travel along, so the
 *   querying cluster picks its gateways (src/remote/strategy.ts);
 * - a search authorizes the remote caller here (src/remote/server.ts: the certificate model's
 *   roles, or the API key's access intersected with the caller's), plans the shards from the
 *   published routing table (planSearchShards, as a local search does) and runs their phases on
 *   the nodes holding started copies under this node's authorization (src/search/remote-shard-search.ts);
 * - field capabilities and resolve cluster read the index metadata and mappings every node mirrors
 *   from the published state, so the gateway answers them itself.
 * - a scroll is a scroll across the nodes (wire-scroll.ts), its contexts on the data nodes owned by
 *   the remote caller (its pages and clearing refused to any other caller, as one node refuses
 *   them); its id holds each node's context and offset, so any gateway continues it;
 * - a point in time is one across the nodes (wire-pit.ts): opened, searched on each shard's context
 *   and closed through any gateway.
 * A filtered alias's filter and the remote caller's document and field level security travel with
 * the shard requests, as for a local search; a field capabilities `index_filter` is read on the
 * nodes holding the shards (indicesMatchingFilter).
 */
import { randomBytes } from 'node:crypto';
import type { ClusterState } from '../cluster/state.js';
import type { IndicesService } from '../index/index.js';
import type { RemoteClusterSide } from '../remote/server.js';
import {
  GatewayQueryContexts,
  remoteFetchOnNodes,
  remoteFreeOnNodes,
  remoteQueryPhaseOnNodes,
  remoteSearchOnNodes,
} from '../search/remote-shard-search.js';
import type { SearchAuthorizer, SearchInput, SearchService } from '../search/search-service.js';
import { releasePhases, type ShardCopies, type ShardSearchChannel } from '../search/shard-search.js';
import type { PitWiring } from './wire-pit.js';
import type { ScrollWiring } from './wire-scroll.js';
import { COORDINATED, COORDINATED_OWNER, indicesMatchingFilter, planSearchShards, unsupported } from './wire-search.js';

export interface RemoteSearchWiringOptions {
  readonly nodeId: string;
  readonly state: () => ClusterState;
  readonly channel: ShardSearchChannel;
  readonly indices: IndicesService;
  readonly search: SearchService;
  /** Scrolls across this cluster's nodes (wire-scroll.ts): a remote caller's scroll is one of them. */
  readonly scrolls: Pick<ScrollWiring, 'remote'>;
  /** Points in time across this cluster's nodes (wire-pit.ts): a remote caller's is one of them. */
  readonly pits: Pick<PitWiring, 'remote'>;
  readonly nowMs: () => number;
}

/** The published state's nodes as the remote side of `iface` lists them for sniffing. */
export function sniffedNodes(state: ClusterState, iface: 'transport' | 'remote_cluster'): Record<string, unknown>[] {
  return Object.entries(state.nodes).flatMap(([id, node]) => {
    const address = iface === 'transport' ? node.transport_address : node.remote_cluster_address;
    return address === undefined ? [] : [{ id, name: node.name, address, roles: [...node.roles], version: node.version, attributes: { ...node.attributes } }];
  });
}

export function wireRemoteSearch(options: RemoteSearchWiringOptions): RemoteClusterSide & { close(): void } {
  const { nodeId, search, channel } = options;
  let cursor = 0;
  const nodeSide = { search, channel, localNodeId: nodeId, owner: COORDINATED_OWNER };
  const contexts = new GatewayQueryContexts(
    () => randomBytes(12).toString('hex'),
    (context) => releasePhases({ ...nodeSide, phases: context.phases, keep: new Set() }),
  );
  const gateway = { ...nodeSide, nodeOwner: COORDINATED_OWNER, contexts };
  /** The shards the remote caller's search reads across nodes, or undefined when this node's own copies answer. */
  const plan = (input: SearchInput, access: SearchAuthorizer): ShardCopies[] | undefined => {
    // The remote caller's document and field level security (its role here, or its API key's
    // access) travels with the shard requests, as a local caller's does.
    const shards = planSearchShards({ indices: options.indices, state: options.state, nodeId, restrictionsTravel: true }, input, access);
    return shards === 'local' || shards.length === 0 ? undefined : shards;
  };
  return {
    nodes: (iface) => sniffedNodes(options.state(), iface),
    search: async (input, access, clusterAlias) => {
      // Through a point in time of this cluster: each shard on its context, on its node.
      const throughPit = options.pits.remote.search(input, access, COORDINATED_OWNER, clusterAlias);
      if (throughPit !== undefined) return throughPit;
      const shards = plan(input, access);
      if (shards === undefined) return undefined;
      return remoteSearchOnNodes({ ...nodeSide, input, shards, cursor: cursor++, access: COORDINATED, clusterAlias, nowMs: options.nowMs });
    },
    queryPhase: async (input, access, caller, clusterAlias) => {
      const shards = plan(input, access);
      if (shards === undefined) return undefined;
      return remoteQueryPhaseOnNodes({ ...nodeSide, input, shards, cursor: cursor++, access: COORDINATED, clusterAlias, contexts, caller });
    },
    fetch: (contextId, hits, caller) => remoteFetchOnNodes(gateway, contextId, hits, caller),
    free: (contextId, caller) => remoteFreeOnNodes(gateway, contextId, caller),
    // A scroll's state is in its id (each node's context and offset), so any gateway continues it.
    openScroll: async (input, access, caller, clusterAlias) => options.scrolls.remote.open(input, access, caller, clusterAlias),
    scroll: async (scrollId, keepAlive, caller, offset) => options.scrolls.remote.scroll(scrollId, keepAlive, caller, offset),
    clearScroll: async (scrollIds, caller) => {
      let freed = 0;
      for (const scrollId of scrollIds) freed += await options.scrolls.remote.clear(scrollId, caller);
      return freed;
    },
    openPointInTime: (input, access) => options.pits.remote.open(input, access),
    closePointInTime: (id, access) => options.pits.remote.close(id, access),
    unsupported,
    fieldCapsMatching: (input, access) =>
      indicesMatchingFilter({ indices: options.indices, search, state: options.state, nodeId, channel, cursor: () => cursor++, nowMs: options.nowMs }, input, access),
    checkMetadata: () => undefined,
    close: () => contexts.close(),
  };
}
