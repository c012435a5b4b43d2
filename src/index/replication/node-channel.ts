/**
 * NodeChannel over the transport interface (I/O shell): one mutual-TLS connection per node of this
 * cluster, opened on first use and again after it closes. The handshake must come from the
 * expected cluster and node id, so a request never reaches a different node that took the address.
 */
import type { Logger } from 'pino';
import { errors } from '../../common/errors.js';
import { connectTransport, type HandshakeInfo, type TransportAddress, type TransportClientTlsOptions, type TransportConnection } from '../../transport/index.js';
import type { NodeChannel } from './service.js';

export interface TransportNodeChannelOptions {
  readonly local: HandshakeInfo;
  readonly logger: Logger;
  readonly tls: TransportClientTlsOptions | undefined;
  /** The node's transport address from the applied cluster state; undefined when it left. */
  readonly addressOf: (nodeId: string) => TransportAddress | undefined;
  readonly connectTimeoutMs?: number;
}

export class TransportNodeChannel implements NodeChannel {
  private readonly connections = new Map<string, Promise<TransportConnection>>();
  private closed = false;

  constructor(private readonly options: TransportNodeChannelOptions) {}

  async request(nodeId: string, action: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const connection = await this.connection(nodeId);
    return connection.request(action, body, { timeoutMs });
  }

  private connection(nodeId: string): Promise<TransportConnection> {
    if (this.closed) return Promise.reject(errors.nodeDisconnected(nodeId, undefined));
    const existing = this.connections.get(nodeId);
    if (existing !== undefined) return existing;
    const address = this.options.addressOf(nodeId);
    if (address === undefined) return Promise.reject(errors.connectTransport(nodeId, undefined, 'the node is not in the applied cluster state'));
    const opening = connectTransport({
      address,
      local: this.options.local,
      logger: this.options.logger,
      ...(this.options.tls !== undefined ? { tls: this.options.tls } : {}),
      expectedClusterName: this.options.local.clusterName,
      ...(this.options.connectTimeoutMs !== undefined ? { connectTimeoutMs: this.options.connectTimeoutMs } : {}),
    }).then((connection) => {
      if (connection.remote.nodeId !== nodeId || connection.remote.clusterUuid !== this.options.local.clusterUuid) {
        connection.close();
        throw errors.connectTransport(nodeId, `${address.host}:${address.port}`, `handshake answered by node [${connection.remote.nodeId}] of cluster [${connection.remote.clusterUuid}], expected node [${nodeId}] of cluster [${this.options.local.clusterUuid}]`);
      }
      connection.onClose(() => {
        if (this.connections.get(nodeId) === opening) this.connections.delete(nodeId);
      });
      return connection;
    });
    this.connections.set(nodeId, opening);
    opening.catch(() => {
      if (this.connections.get(nodeId) === opening) this.connections.delete(nodeId);
    });
    return opening;
  }

  close(): void {
    this.closed = true;
    for (const opening of this.connections.values()) opening.then((connection) => connection.close(), () => undefined);
    this.connections.clear();
  }
}
