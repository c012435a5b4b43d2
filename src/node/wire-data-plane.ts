/**
 * Wiring of the replication data plane on a multi-node node (issue #14, step 1): the
 * ReplicationService with its TransportNodeChannel (other nodes' transport addresses from the
 * applied cluster state, TLS from `xpack.security.transport.ssl`), its internode actions on this
 * node's transport interface, and the history retention floor (peer recovery leases combined with
 * cross-cluster replication's). Loaded only in multi-node mode (node.ts), like wire-coordination.
 *
 * Not wired yet (README): opening shard copies from applied states, routing writes to primaries and
 * searching across nodes; until then every node keeps its own full copy of each index.
 */
import type { Logger } from 'pino';
import type { IndexHandle, IndicesService } from '../index/index.js';
import { ReplicationService } from '../index/replication/service.js';
import { TransportNodeChannel } from '../index/replication/node-channel.js';
import { internalVersionWriter } from '../index/replication/shard-writer.js';
import type { HandshakeInfo, TransportAddress } from '../transport/index.js';
import type { TransportClientTlsOptions } from '../transport/tls.js';
import type { CoordinationWiring } from './wire-coordination.js';

export interface DataPlaneWiring {
  readonly replication: ReplicationService;
  close(): void;
}

export interface DataPlaneOptions {
  readonly nodeId: string;
  readonly coordination: CoordinationWiring;
  /** This node's transport handshake (it carries the cluster's uuid once the node joined). */
  readonly handshake: HandshakeInfo;
  readonly transportTls: TransportClientTlsOptions | undefined;
  readonly addTransportHandlers: (handlers: ReadonlyMap<string, import('../transport/index.js').TransportHandler>) => void;
  readonly indices: IndicesService;
  /** Cross-cluster replication's floor (its leader's retention leases). */
  readonly ccrRetentionFloor: (index: IndexHandle, shard: number) => number | undefined;
  /** The node-wide recovery pacer (`indices.recovery.max_bytes_per_sec`). */
  readonly pace: (bytes: number) => Promise<void>;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/** `host:port` or `[v6]:port` as the cluster state publishes transport addresses. */
export function parseTransportAddress(address: string): TransportAddress | undefined {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port };
}

/** The lowest of the floors that are set: history any of them still needs is kept (undefined: none). */
export function lowestFloor(...floors: readonly (number | undefined)[]): number | undefined {
  const set = floors.filter((floor): floor is number => floor !== undefined);
  return set.length === 0 ? undefined : Math.min(...set);
}

export function startDataPlane(options: DataPlaneOptions): DataPlaneWiring {
  const { coordinator } = options.coordination;
  const log = options.log.child({ layer: 'data-plane' });
  const channel = new TransportNodeChannel({
    local: options.handshake,
    logger: log,
    tls: options.transportTls,
    addressOf: (nodeId) => {
      const node = coordinator.state().nodes[nodeId];
      return node === undefined ? undefined : parseTransportAddress(node.transport_address);
    },
  });
  const replication = new ReplicationService({
    nodeId: options.nodeId,
    cluster: { clusterName: coordinator.state().cluster_name, clusterUuid: coordinator.clusterUuid },
    channel,
    logger: log,
    writer: internalVersionWriter,
    masterNodeId: () => coordinator.state().master_node ?? undefined,
    reportShard: (report) => options.coordination.reportShard(report),
    nowMs: options.nowMs,
    pace: options.pace,
  });
  options.addTransportHandlers(replication.handlers());
  // Operations a recovering copy still needs are kept as long as a cross-cluster follower's are.
  options.indices.setRetentionFloor((index, shard) =>
    lowestFloor(options.ccrRetentionFloor(index, shard), replication.retentionFloor({ indexUuid: index.uuid, index: index.name, shard })),
  );
  return {
    replication,
    close: () => {
      options.indices.setRetentionFloor(options.ccrRetentionFloor);
      replication.close();
      channel.close();
    },
  };
}
