import type { Logger } from 'pino';
import type { HandshakeInfo } from '../transport/index.js';
import { EsError, errors } from '../common/index.js';
import { formatAddress, parseAddress, type Address, type RemoteAliasSettings } from './settings.js';

/** Who is at the other end of a connection: the handshake's identity, without the wire details. */
export type RemoteNodeInfo = Omit<HandshakeInfo, 'clusterUuid' | 'transportFormatVersion'>;

export interface RemoteConnection {
  readonly remote: RemoteNodeInfo;
  request(action: string, body: unknown, options?: { headers?: Record<string, string>; timeoutMs?: number }): Promise<unknown>;
  close(): void;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

export interface ConnectTarget {
  readonly alias: string;
  readonly address: Address;
  readonly serverName: string | undefined;
  readonly expectedClusterName: string | undefined;
  readonly compress: boolean;
  readonly pingScheduleMs: number;
}

/** One security model's way to reach a remote: open a connection, list the remote's nodes. */
export interface RemoteModel {
  readonly kind: 'certificate' | 'api_key';
  connect(target: ConnectTarget): Promise<RemoteConnection>;
  /** Sniff: the remote's nodes with the address to dial for each (transport or remote-cluster). */
  listNodes(connection: RemoteConnection): Promise<SniffedNode[]>;
}

export interface SniffedNode extends RemoteNodeInfo {
  readonly address: string;
}

const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 30_000;

/** Eligible gateway (spec §9): not a dedicated master, and carries the required attribute if any. */
export function isEligibleGateway(node: { roles: readonly string[]; attributes: Readonly<Record<string, string>> }, nodeAttr: string | undefined): boolean {
  const masterOnly = node.roles.includes('master') && !node.roles.some((role) => role.startsWith('data') || role === 'ingest');
  if (masterOnly) return false;
  if (nodeAttr !== undefined && node.attributes[nodeAttr] !== 'true') return false;
  return true;
}

/**
 * The connections of one alias, sniff or proxy (spec §9): opened on demand and at start, refilled
 * with backoff when one drops, round-robin for requests. A first handshake pins the cluster name.
 */
export class RemoteConnections {
  private readonly open: RemoteConnection[] = [];
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = BACKOFF_MIN_MS;
  private cursor = 0;
  private closedForGood = false;
  private pinnedClusterName: string | undefined;
  /**
   * Sniff: every eligible node of the remote is connected even though fewer than
   * `node_connections` exist. No refill until a connection drops (else each request would dial
   * a seed again).
   */
  private saturated = false;
  lastError: EsError | undefined;

  constructor(
    readonly settings: RemoteAliasSettings,
    readonly model: RemoteModel,
    private readonly log: Logger,
    private readonly nodeAttr: string | undefined,
  ) {}

  get connectedCount(): number {
    return this.open.filter((connection) => !connection.closed).length;
  }

  get connected(): boolean {
    return this.connectedCount > 0;
  }

  get clusterName(): string | undefined {
    return this.pinnedClusterName;
  }

  private get target(): number {
    return this.settings.mode === 'sniff' ? this.settings.nodeConnections : this.settings.proxySocketConnections;
  }

  /** Opens missing connections; concurrent callers share one attempt. */
  connect(): Promise<void> {
    if (this.closedForGood) return Promise.resolve();
    this.connecting ??= this.fill()
      .then(() => {
        this.backoffMs = BACKOFF_MIN_MS;
        this.lastError = undefined;
      })
      .catch((error: unknown) => {
        this.lastError = error instanceof EsError ? error : errors.connectTransport(undefined, undefined, error instanceof Error ? error.message : String(error));
        this.log.warn({ alias: this.settings.alias, reason: this.lastError.message }, 'failed to connect to remote cluster');
        this.scheduleRetry();
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  private scheduleRetry(): void {
    if (this.closedForGood || this.retryTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.connectedCount < this.target) void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private adopt(connection: RemoteConnection): void {
    this.pinnedClusterName ??= connection.remote.clusterName;
    this.open.push(connection);
    connection.onClose(() => {
      const index = this.open.indexOf(connection);
      if (index >= 0) this.open.splice(index, 1);
      this.saturated = false;
      if (!this.closedForGood) {
        this.log.info({ alias: this.settings.alias, node: connection.remote.nodeName }, 'remote cluster connection closed; reconnecting');
        this.scheduleRetry();
      }
    });
  }

  private targetFor(address: Address): Omit<ConnectTarget, 'address'> & { address: Address } {
    return {
      alias: this.settings.alias,
      address,
      serverName: this.settings.serverName === '' ? undefined : this.settings.serverName,
      expectedClusterName: this.pinnedClusterName,
      compress: this.settings.compress,
      pingScheduleMs: this.settings.pingScheduleMs,
    };
  }

  private async fill(): Promise<void> {
    this.open.splice(0, this.open.length, ...this.open.filter((connection) => !connection.closed));
    if (this.settings.mode === 'proxy') {
      const address = parseAddress(this.settings.proxyAddress);
      const missing = this.target - this.open.length;
      const results = await Promise.allSettled(Array.from({ length: missing }, () => this.model.connect(this.targetFor(address))));
      let firstError: unknown;
      for (const result of results) {
        if (result.status === 'fulfilled') {
          if (this.closedForGood) result.value.close();
          else this.adopt(result.value);
        } else firstError ??= result.reason;
      }
      if (this.open.length === 0) {
        throw errors.connectTransport(
          undefined,
          undefined,
          `failed to open any proxy connections to cluster [${this.settings.alias}]${firstError instanceof Error ? `: ${firstError.message}` : ''}`,
          firstError instanceof EsError ? firstError : undefined,
        );
      }
      return;
    }
    if (this.open.length >= this.target) return;
    let lastError: unknown;
    for (const seed of this.settings.seeds) {
      let seedConnection: RemoteConnection | undefined;
      try {
        seedConnection = await this.model.connect(this.targetFor(parseAddress(seed)));
        if (this.closedForGood) {
          seedConnection.close();
          return;
        }
        this.pinnedClusterName ??= seedConnection.remote.clusterName;
        const nodes = await this.model.listNodes(seedConnection);
        const connectedIds = new Set(this.open.map((connection) => connection.remote.nodeId));
        let keptSeed = false;
        if (isEligibleGateway(seedConnection.remote, this.nodeAttr) && !connectedIds.has(seedConnection.remote.nodeId) && this.open.length < this.target) {
          this.adopt(seedConnection);
          connectedIds.add(seedConnection.remote.nodeId);
          keptSeed = true;
        }
        for (const node of nodes) {
          if (this.open.length >= this.target) break;
          if (connectedIds.has(node.nodeId) || !isEligibleGateway(node, this.nodeAttr)) continue;
          try {
            const connection = await this.model.connect(this.targetFor(parseAddress(node.address)));
            if (connection.remote.nodeId !== node.nodeId && connectedIds.has(connection.remote.nodeId)) {
              connection.close();
              continue;
            }
            this.adopt(connection);
            connectedIds.add(connection.remote.nodeId);
          } catch (error) {
            lastError = error;
            this.log.info({ alias: this.settings.alias, node: node.nodeName, reason: (error as Error).message }, 'could not connect to a sniffed remote node');
          }
        }
        if (!keptSeed) seedConnection.close();
        if (this.open.length > 0) {
          this.saturated = this.open.length < this.target;
          return;
        }
      } catch (error) {
        lastError = error;
        seedConnection?.close();
        if (error instanceof EsError && (error.status === 401 || error.status === 403)) throw error;
        this.log.info({ alias: this.settings.alias, seed, reason: (error as Error).message }, 'remote seed failed; trying the next one');
      }
    }
    if (this.open.length === 0) {
      if (lastError instanceof EsError) throw lastError;
      throw errors.connectTransport(
        undefined,
        undefined,
        `no seed node left for cluster: [${this.settings.alias}]${lastError instanceof Error ? ` (${lastError.message})` : ''}`,
      );
    }
  }

  /**
   * A live connection to the remote node `nodeId` (a fetch goes to the node that ran its query
   * phase, which keeps the contexts); `node_disconnected_exception` when none is open any more.
   */
  acquireTo(nodeId: string): RemoteConnection {
    const ready = this.open.filter((connection) => !connection.closed && connection.remote.nodeId === nodeId);
    if (ready.length === 0) throw errors.nodeDisconnected(nodeId, undefined);
    return ready[this.cursor++ % ready.length]!;
  }

  /** A connection for the next request: waits for a connect attempt up to `waitMs` (0: fail fast). */
  async acquire(waitMs: number): Promise<RemoteConnection> {
    const live = this.open.filter((connection) => !connection.closed);
    if (live.length === 0) {
      const attempt = this.connect();
      if (waitMs > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([attempt, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        clearTimeout(timer);
      }
    } else if (live.length < this.target && !this.saturated && this.connecting === undefined) {
      void this.connect();
    }
    const ready = this.open.filter((connection) => !connection.closed);
    if (ready.length === 0) {
      throw this.lastError ?? errors.connectTransport(undefined, undefined, `unable to connect to remote cluster [${this.settings.alias}]`);
    }
    const connection = ready[this.cursor++ % ready.length]!;
    return connection;
  }

  close(): void {
    this.closedForGood = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    for (const connection of this.open.splice(0)) connection.close();
  }

  describeAddress(): string {
    return this.settings.mode === 'proxy' ? this.settings.proxyAddress : this.settings.seeds.join(',');
  }
}

export { formatAddress };
