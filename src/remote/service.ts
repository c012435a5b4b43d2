import type { Logger } from 'pino';
import { errors } from '../common/index.js';
import { needsReconnect, resolveRemoteAliases, type Flat, type RemoteAliasSettings, type RemoteDefaults } from './settings.js';
import { RemoteConnections, type RemoteConnection, type RemoteModel } from './strategy.js';

export interface RemoteClusterServiceOptions {
  /** Remote settings from strait.yml (overridden by dynamic cluster settings). */
  readonly staticSettings: Flat;
  readonly defaults: RemoteDefaults;
  readonly nodeAttr: string | undefined;
  readonly initialConnectTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** The model for an alias: API key model when credentials exist for it, else certificate model. */
  modelFor(alias: string, credentials: string | undefined): RemoteModel;
  readonly credentials: () => ReadonlyMap<string, string>;
  readonly log: Logger;
  /** Without the `remote_cluster_client` role the node opens no remote connections and refuses remote requests. */
  readonly remoteClusterClient?: { readonly enabled: boolean; readonly nodeName: string };
}

/**
 * The local side of remote clusters: which aliases exist (yml + dynamic settings), their
 * connections (sniff/proxy, either security model), `_remote/info`, and credential reloads.
 */
export class RemoteClusterService {
  private readonly aliases = new Map<string, { settings: RemoteAliasSettings; connections: RemoteConnections; credentials: string | undefined }>();
  private credentialMap: ReadonlyMap<string, string>;
  private dynamic: Flat = {};
  private closed = false;

  constructor(private readonly options: RemoteClusterServiceOptions) {
    this.credentialMap = options.credentials();
  }

  private combined(dynamic: Flat): Flat {
    return { ...this.options.staticSettings, ...dynamic };
  }

  /** Throws the spec §2.2 400s for a would-be dynamic configuration. */
  validate(dynamic: Flat): void {
    resolveRemoteAliases(this.combined(dynamic), this.options.defaults);
  }

  /** Applies settings: new aliases connect, removed ones close, changed ones rebuild (skip_unavailable in place). */
  apply(dynamic: Flat): void {
    if (this.closed) return;
    this.dynamic = dynamic;
    const wanted = resolveRemoteAliases(this.combined(dynamic), this.options.defaults);
    for (const [alias, entry] of this.aliases) {
      if (!wanted.has(alias)) {
        entry.connections.close();
        this.aliases.delete(alias);
        this.options.log.info({ alias }, 'remote cluster removed');
      }
    }
    for (const [alias, settings] of wanted) {
      const existing = this.aliases.get(alias);
      const credentials = this.credentialMap.get(alias);
      if (existing !== undefined && !needsReconnect(existing.settings, settings) && existing.credentials === credentials) {
        if (existing.settings.skipUnavailable !== settings.skipUnavailable) {
          existing.settings = settings;
          (existing.connections as { settings: RemoteAliasSettings }).settings = settings;
        }
        continue;
      }
      existing?.connections.close();
      const model = this.options.modelFor(alias, credentials);
      if (model.kind === 'certificate') {
        this.options.log.warn(
          { alias, deprecation: true },
          `remote cluster [${alias}] uses the certificate-based security model, which is deprecated; configure cluster.remote.${alias}.credentials with a cross-cluster API key to use the API key model`,
        );
      }
      const connections = new RemoteConnections(settings, model, this.options.log.child({ remote: alias }), this.options.nodeAttr);
      this.aliases.set(alias, { settings, connections, credentials });
      this.options.log.info({ alias, mode: settings.mode, model: model.kind }, existing === undefined ? 'remote cluster added' : 'remote cluster reconfigured');
      if (this.options.remoteClusterClient?.enabled !== false) void connections.connect();
    }
  }

  /** Waits (bounded by cluster.remote.initial_connect_timeout) for the first connection attempts. */
  async initialConnect(): Promise<void> {
    if (this.options.remoteClusterClient?.enabled === false) return;
    const attempts = [...this.aliases.values()].map((entry) => entry.connections.connect());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.initialConnectTimeoutMs)));
    const outcome = await Promise.race([Promise.all(attempts).then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.options.log.warn('failed to connect to all remote clusters within cluster.remote.initial_connect_timeout; continuing');
  }

  /** Re-reads credentials: aliases whose credential was added, changed or removed are rebuilt (spec §2.4). */
  reloadCredentials(): string[] {
    this.credentialMap = this.options.credentials();
    const rebuilt: string[] = [];
    for (const [alias, entry] of this.aliases) {
      if (entry.credentials !== this.credentialMap.get(alias)) rebuilt.push(alias);
    }
    for (const alias of rebuilt) {
      this.aliases.get(alias)!.connections.close();
      this.aliases.delete(alias);
    }
    this.apply(this.dynamic);
    if (rebuilt.length > 0) this.options.log.info({ aliases: rebuilt }, 'remote cluster credentials reloaded; connections rebuilt');
    return rebuilt;
  }

  /**
   * A next key was promoted (issue #12 §4): the alias's model already reads its credential at each
   * use, so the connections stay up (in-flight requests must not fail) and only the record changes.
   */
  adoptCredentials(alias: string, credentials: string): void {
    this.credentialMap = new Map(this.credentialMap).set(alias, credentials);
    const entry = this.aliases.get(alias);
    if (entry !== undefined) entry.credentials = credentials;
  }

  aliasNames(): string[] {
    return [...this.aliases.keys()].sort();
  }

  has(alias: string): boolean {
    return this.aliases.has(alias);
  }

  settingsOf(alias: string): RemoteAliasSettings {
    const entry = this.aliases.get(alias);
    if (entry === undefined) throw errors.noSuchRemoteCluster(alias);
    return entry.settings;
  }

  isConnected(alias: string): boolean {
    return this.aliases.get(alias)?.connections.connected ?? false;
  }

  /** The cluster name the alias's first handshake pinned (the connection doctor compares it). */
  pinnedClusterName(alias: string): string | undefined {
    return this.aliases.get(alias)?.connections.clusterName;
  }

  /** Why the alias's last background connect attempt failed, if it did (the doctor shows it beside `connected`). */
  lastConnectError(alias: string): string | undefined {
    return this.aliases.get(alias)?.connections.lastError?.message;
  }

  modelOf(alias: string): RemoteModel['kind'] {
    const entry = this.aliases.get(alias);
    if (entry === undefined) throw errors.noSuchRemoteCluster(alias);
    return entry.connections.model.kind;
  }

  /**
   * A connection to the alias. skip_unavailable=false waits for a connect attempt (bounded by
   * transport.connect_timeout); true fails fast while reconnecting in the background (spec §9).
   */
  async connection(alias: string, options: { wait?: boolean; nodeId?: string } = {}): Promise<RemoteConnection> {
    const client = this.options.remoteClusterClient;
    if (client !== undefined && !client.enabled) throw errors.illegalArgument(`node [${client.nodeName}] does not have the [remote_cluster_client] role`);
    const entry = this.aliases.get(alias);
    if (entry === undefined) throw errors.noSuchRemoteCluster(alias);
    if (options.nodeId !== undefined) return entry.connections.acquireTo(options.nodeId);
    const wait = options.wait ?? !entry.settings.skipUnavailable;
    return entry.connections.acquire(wait ? this.options.connectTimeoutMs : 0);
  }

  /** `GET /_remote/info` (spec §3): the live view, never probing. */
  info(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const timeout = `${Math.round(this.options.initialConnectTimeoutMs / 1000)}s`;
    for (const alias of this.aliasNames()) {
      const { settings, connections, credentials } = this.aliases.get(alias)!;
      const common = {
        initial_connect_timeout: timeout,
        skip_unavailable: settings.skipUnavailable,
        ...(credentials !== undefined ? { cluster_credentials: '::es_redacted::' } : {}),
      };
      out[alias] =
        settings.mode === 'sniff'
          ? {
              connected: connections.connected,
              mode: 'sniff',
              seeds: settings.seeds,
              num_nodes_connected: connections.connectedCount,
              max_connections_per_cluster: settings.nodeConnections,
              ...common,
            }
          : {
              connected: connections.connected,
              mode: 'proxy',
              proxy_address: settings.proxyAddress,
              server_name: settings.serverName,
              num_proxy_sockets_connected: connections.connectedCount,
              max_proxy_socket_connections: settings.proxySocketConnections,
              ...common,
            };
    }
    return out;
  }

  close(): void {
    this.closed = true;
    for (const entry of this.aliases.values()) entry.connections.close();
    this.aliases.clear();
  }
}
