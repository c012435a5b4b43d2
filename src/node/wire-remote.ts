import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getCiphers } from 'node:tls';
import type { Logger } from 'pino';
import { ClusterSettingsStore, dynamicSettingTypes, type DynamicSetting } from '../cluster/settings.js';
import { assert, ES_API_VERSION } from '../common/index.js';
import { Keystore, type NodeConfig, type SecureSettings, type SslConfig } from '../config/index.js';
import { remoteRoutes } from '../http/routes/remote.js';
import { remoteDoctorRoutes } from '../http/routes/remote-doctor.js';
import { remoteEnrollmentRoutes } from '../http/routes/remote-enrollment.js';
import type { Route } from '../http/route.js';
import type { NodeIdentity } from '../http/routes/node-info.js';
import { RemoteClusterService, timeValueMs, type Flat } from '../remote/index.js';
import { AuditTrail } from '../remote/audit.js';
import { CredentialRotation } from '../remote/rotation.js';
import { apiKeyModel, certificateModel, RemoteClustersClient, type ModelOptions } from '../remote/client.js';
import { DIAGNOSE_STEP_TIMEOUT_MS_MAX } from '../remote/doctor.js';
import { buildRemoteHandlers, notJoinedRemoteSide, remoteClusterHandshakeCheck, type ExtraRemoteAction, type RemoteClusterSide } from '../remote/server.js';
import type { SearchService } from '../search/index.js';
import type { NativeSecurityService } from '../security/index.js';
import { startTransportServer, tlsProtocols, TRANSPORT_FORMAT_VERSION, type HandshakeInfo, type TlsProtocols, type TransportHandler, type TransportServer } from '../transport/index.js';
import type { TransportClientTlsOptions } from '../transport/tls.js';
import { NodeStartError } from './errors.js';
import { enrollmentEffects, PinnedAliasCas, remoteClusterCa } from './remote-enroll.js';
import { watchTrustRestrictions } from './trust-restrictions-watch.js';

const REMOTE_PREFIX = 'cluster.remote.';

/** The dynamic `cluster.remote.<alias>.*` settings (spec §2.1), validated per key; cross-key rules run in the service. */
const remoteDynamicSettings: DynamicSetting[] = [
  { key: 'cluster.remote.*.mode', normalize: (key, value) => {
    const text = dynamicSettingTypes.string(key, value) as string;
    return text.toLowerCase();
  } },
  { key: 'cluster.remote.*.seeds', normalize: dynamicSettingTypes.list },
  { key: 'cluster.remote.*.node_connections', normalize: dynamicSettingTypes.string },
  { key: 'cluster.remote.*.proxy', normalize: dynamicSettingTypes.string },
  { key: 'cluster.remote.*.proxy_address', normalize: dynamicSettingTypes.string },
  { key: 'cluster.remote.*.proxy_socket_connections', normalize: dynamicSettingTypes.string },
  { key: 'cluster.remote.*.server_name', normalize: dynamicSettingTypes.string },
  { key: 'cluster.remote.*.skip_unavailable', normalize: dynamicSettingTypes.boolean },
  { key: 'cluster.remote.*.transport.ping_schedule', normalize: dynamicSettingTypes.timeValue },
  { key: 'cluster.remote.*.transport.compress', normalize: dynamicSettingTypes.string },
];

function flatString(config: NodeConfig, key: string): string | undefined {
  const value = config.flat[key];
  return value === undefined ? undefined : typeof value === 'string' ? value : value.join(',');
}

function readPem(setting: string, file: string | undefined): Buffer {
  if (file === undefined) throw new NodeStartError(`[${setting}] must be set`);
  try {
    return readFileSync(file);
  } catch (error) {
    throw new NodeStartError(`cannot read [${setting}] file [${file}]: ${(error as Error).message}`);
  }
}

/**
 * A node's outgoing TLS: the trusted authorities, the verification mode and, when configured, the
 * client certificate it presents (a server asking for one under `client_authentication` gets it).
 */
function clientTls(ssl: SslConfig, prefix: string, protocols: TlsProtocols): TransportClientTlsOptions {
  return {
    protocols,
    ...(ssl.certificateAuthorities.length > 0 ? { ca: ssl.certificateAuthorities.map((file) => readPem(`${prefix}.certificate_authorities`, file)) } : {}),
    ...(ssl.certificate !== undefined && ssl.key !== undefined
      ? { cert: readPem(`${prefix}.certificate`, ssl.certificate), key: readPem(`${prefix}.key`, ssl.key), ...(ssl.keyPassphrase !== undefined ? { passphrase: ssl.keyPassphrase } : {}) }
      : {}),
    verificationMode: ssl.verificationMode,
  };
}

/** `<prefix>.supported_protocols` and `<prefix>.cipher_suites`, refused at start when this server cannot honour them. */
export function protocolsFrom(flat: NodeConfig['flat'], prefix: string): TlsProtocols {
  const listOf = (key: string): string[] | undefined => {
    const value = flat[key];
    return value === undefined ? undefined : (typeof value === 'string' ? value.split(',') : [...value]).map((entry) => entry.trim()).filter((entry) => entry !== '');
  };
  try {
    return tlsProtocols(prefix, listOf(`${prefix}.supported_protocols`), listOf(`${prefix}.cipher_suites`), getCiphers());
  } catch (error) {
    throw new NodeStartError((error as Error).message);
  }
}

/** A key without its certificate (or the reverse) could never be presented: refuse the start, naming both. */
function checkKeyPair(ssl: SslConfig, prefix: string): void {
  if (ssl.key !== undefined && ssl.certificate === undefined) throw new NodeStartError(`cannot specify [${prefix}.key] without also setting [${prefix}.certificate]`);
  if (ssl.certificate !== undefined && ssl.key === undefined) throw new NodeStartError(`cannot specify [${prefix}.certificate] without also setting [${prefix}.key]`);
}

/** An SslConfig for the families NodeConfig does not carry (remote_cluster_server / remote_cluster_client), from the flat settings. */
function sslFrom(config: NodeConfig, prefix: string, defaults: { enabled: boolean; clientAuthentication: SslConfig['clientAuthentication'] }): SslConfig {
  const resolvePath = (value: string | undefined) => (value === undefined ? undefined : path.resolve(config.configDir, value));
  const list = config.flat[`${prefix}.certificate_authorities`];
  const authorities = list === undefined ? [] : (typeof list === 'string' ? list.split(',') : list).map((entry) => path.resolve(config.configDir, entry.trim()));
  return {
    enabled: (flatString(config, `${prefix}.enabled`) ?? String(defaults.enabled)) === 'true',
    key: resolvePath(flatString(config, `${prefix}.key`)),
    certificate: resolvePath(flatString(config, `${prefix}.certificate`)),
    certificateAuthorities: authorities,
    keyPassphrase: config.secure.getString(`${prefix}.secure_key_passphrase`),
    verificationMode: (flatString(config, `${prefix}.verification_mode`) ?? 'full') as SslConfig['verificationMode'],
    clientAuthentication: (flatString(config, `${prefix}.client_authentication`) ?? defaults.clientAuthentication) as SslConfig['clientAuthentication'],
  };
}

function credentialsIn(secure: SecureSettings, suffix = '.credentials'): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of secure.names()) {
    if (name.startsWith(REMOTE_PREFIX) && name.endsWith(suffix)) {
      const alias = name.slice(REMOTE_PREFIX.length, -suffix.length);
      const value = secure.getString(name);
      if (value !== undefined && value !== '') out.set(alias, value);
    }
  }
  return out;
}

export interface WiredRemote {
  readonly handshake: () => HandshakeInfo;
  readonly transportAddress: () => string | undefined;
  readonly remoteClusterAddress: () => string | undefined;
  readonly client: RemoteClustersClient;
  /** TLS for this node's own connections to other nodes' transport interface (undefined: plain TCP). */
  readonly transportClientTls: TransportClientTlsOptions | undefined;
  /** Adds actions to the transport interface (looked up per request, so also after start). */
  addTransportHandlers(handlers: ReadonlyMap<string, TransportHandler>): void;
  /** Replaces one transport action's handler; `wrap` gets the one registered so far (undefined: none). */
  wrapTransportHandler(action: string, wrap: (own: TransportHandler | undefined) => TransportHandler): void;
  routes(identity: NodeIdentity): Route[];
  /** Multi-node (issue #14): remote clusters' requests are answered for the whole cluster from now on. */
  serveClusterWide(side: RemoteClusterSide): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The transport interface, the remote cluster interface and the remote cluster client, wired to
 * the node's search, security and cluster settings.
 */
export function wireRemote(options: {
  config: NodeConfig;
  identity: { nodeId: string; clusterUuid: string };
  clusterSettings: ClusterSettingsStore;
  search: SearchService;
  security: NativeSecurityService | undefined;
  log: Logger;
  nowMs: () => number;
  /** Actions other layers serve to remote clusters (cross-cluster replication's leader side). */
  extraRemoteActions?: readonly ExtraRemoteAction[];
}): WiredRemote {
  const { config, log } = options;
  const version = flatString(config, 'strait.test.version') ?? ES_API_VERSION;
  if (version !== ES_API_VERSION) log.warn({ version }, 'strait.test.version is set: this node claims another version (test-only setting)');
  // TEST ONLY fault injection (refused by the config unless STRAIT_TEST_FAULT_INJECTION=1).
  const disconnectSetting = config.flat['strait.test.remote.scroll_disconnect_aliases'];
  const testScrollDisconnectAliases = disconnectSetting === undefined ? [] : Array.isArray(disconnectSetting) ? [...disconnectSetting] : String(disconnectSetting).split(',').map((alias) => alias.trim()).filter((alias) => alias !== '');
  if (testScrollDisconnectAliases.length > 0) log.warn({ aliases: testScrollDisconnectAliases }, 'strait.test.remote.scroll_disconnect_aliases is set: scroll pages for these aliases lose their first answer (test-only fault injection)');
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(config.flat)) if (key.startsWith('node.attr.')) attributes[key.slice('node.attr.'.length)] = String(value);
  let transportServer: TransportServer | undefined;
  let remoteClusterServer: TransportServer | undefined;
  const handshake = (): HandshakeInfo => ({
    clusterName: config.clusterName,
    // Read at each handshake: a multi-node node takes its cluster's uuid once it joins (after the
    // transport server started), and every later handshake must carry that one.
    get clusterUuid() {
      return options.identity.clusterUuid;
    },
    nodeId: options.identity.nodeId,
    nodeName: config.nodeName,
    version,
    roles: config.nodeRoles,
    attributes,
    transportFormatVersion: TRANSPORT_FORMAT_VERSION,
  });
  const publish = (server: TransportServer | undefined, publishHostKey: string, publishPortKey: string): string | undefined => {
    if (server === undefined) return undefined;
    const host = flatString(config, publishHostKey) ?? flatString(config, 'network.publish_host') ?? server.address.host;
    const port = flatString(config, publishPortKey) ?? String(server.address.port);
    return `${host}:${port}`;
  };
  const transportAddress = () => publish(transportServer, 'transport.publish_host', 'transport.publish_port');
  const remoteClusterAddress = () => publish(remoteClusterServer, 'remote_cluster.publish_host', 'remote_cluster.publish_port');
  const auditFile =
    flatString(config, 'xpack.security.audit.enabled') === 'true'
      ? path.join(flatString(config, 'path.logs') !== undefined ? path.resolve(config.configDir, flatString(config, 'path.logs')!) : path.resolve(config.pathData, '..', 'logs'), `${config.clusterName}_audit.json`)
      : undefined;
  const audit = new AuditTrail(auditFile, options.nowMs);

  // ---- start-up checks first: a misconfiguration names its setting before any file is read
  const remoteServerEnabled = flatString(config, 'remote_cluster_server.enabled') === 'true';
  const remoteServerSsl = sslFrom(config, 'xpack.security.remote_cluster_server.ssl', { enabled: true, clientAuthentication: 'none' });
  if (remoteServerEnabled) {
    if (!config.securityEnabled || options.security === undefined) {
      throw new NodeStartError('[remote_cluster_server.enabled] requires [xpack.security.enabled] to be true');
    }
    if (!remoteServerSsl.enabled) throw new NodeStartError('[remote_cluster_server.enabled] requires [xpack.security.remote_cluster_server.ssl.enabled] to be true');
    if (remoteServerSsl.key === undefined) throw new NodeStartError('[xpack.security.remote_cluster_server.ssl.key] must be set when [remote_cluster_server.enabled] is true');
    if (remoteServerSsl.certificate === undefined) throw new NodeStartError('[xpack.security.remote_cluster_server.ssl.certificate] must be set when [remote_cluster_server.enabled] is true');
  }
  if (config.securityEnabled && !config.transportSsl.enabled) {
    throw new NodeStartError('[xpack.security.transport.ssl.enabled] must be true when [xpack.security.enabled] is true: the transport interface carries user identities');
  }
  const transportProtocols = protocolsFrom(config.flat, 'xpack.security.transport.ssl');
  const remoteServerProtocols = protocolsFrom(config.flat, 'xpack.security.remote_cluster_server.ssl');
  const remoteClientProtocols = protocolsFrom(config.flat, 'xpack.security.remote_cluster_client.ssl');
  checkKeyPair(config.transportSsl, 'xpack.security.transport.ssl');


  // ---- local side: remote cluster connections
  let secure: SecureSettings = config.secure;
  // Decoded once, and again at each reload_secure_settings (not per request).
  let credentialMap = credentialsIn(secure);
  // Overlapping key rotation (issue #12 §4): the next key per alias, promoted after its first success.
  let keystorePassword = process.env['STRAIT_KEYSTORE_PASSWORD'] ?? '';
  const rotation = new CredentialRotation(credentialMap, credentialsIn(secure, '.credentials_next'), (alias, credentials) => {
    credentialMap = rotation.currentMap();
    service.adoptCredentials(alias, credentials);
    // Persisted, so a restart or the next reload keeps the promoted key (and the old one is gone).
    let persisted = true;
    try {
      const keystore = Keystore.load(config.configDir, keystorePassword);
      if (keystore.getString(`${REMOTE_PREFIX}${alias}.credentials_next`) === credentials) {
        keystore.set(`${REMOTE_PREFIX}${alias}.credentials`, Buffer.from(credentials, 'utf8'));
        keystore.remove(`${REMOTE_PREFIX}${alias}.credentials_next`);
        keystore.save(keystorePassword);
        secure = keystore;
      }
    } catch (error) {
      persisted = false;
      log.warn({ alias, reason: (error as Error).message }, `remote cluster [${alias}]: the promoted credential could not be written to the keystore`);
    }
    log.info(
      { alias, persisted },
      `remote cluster [${alias}]: promoted [cluster.remote.${alias}.credentials_next] to [cluster.remote.${alias}.credentials] after its first successful use`,
    );
  });
  const transportSsl = config.transportSsl;
  // Restricted trust applies to the transport interface only, on both sides of its connections.
  const trustRestrictions = config.securityEnabled && transportSsl.enabled ? watchTrustRestrictions(config, log.child({ component: 'transport' })) : undefined;
  const remoteClientSsl = sslFrom(config, 'xpack.security.remote_cluster_client.ssl', { enabled: true, clientAuthentication: 'none' });
  checkKeyPair(remoteClientSsl, 'xpack.security.remote_cluster_client.ssl');
  const modelOptions: ModelOptions = {
    local: handshake,
    log: log.child({ component: 'remote-client' }),
    connectTimeoutMs: timeValueMs(flatString(config, 'transport.connect_timeout') ?? '30s'),
    transportTls:
      config.securityEnabled && transportSsl.enabled
        ? { ...clientTls(transportSsl, 'xpack.security.transport.ssl', transportProtocols), ...(trustRestrictions !== undefined ? { trustRestriction: trustRestrictions.current } : {}) }
        : undefined,
    remoteClusterClientTls: remoteClientSsl.enabled ? clientTls(remoteClientSsl, 'xpack.security.remote_cluster_client.ssl', remoteClientProtocols) : undefined,
  };
  const staticSettings: Record<string, string | readonly string[]> = {};
  for (const [key, value] of Object.entries(config.flat)) if (key.startsWith(REMOTE_PREFIX)) staticSettings[key] = value;
  const nodeAttr = flatString(config, 'cluster.remote.node.attr');
  const pinnedCas = new PinnedAliasCas(config.configDir);
  const service = new RemoteClusterService({
    staticSettings,
    defaults: {
      connectionsPerCluster: Number(flatString(config, 'cluster.remote.connections_per_cluster') ?? 3),
      pingScheduleMs: timeValueMs(flatString(config, 'transport.ping_schedule') ?? '-1'),
      compress: flatString(config, 'transport.compress') === 'true',
    },
    nodeAttr,
    initialConnectTimeoutMs: timeValueMs(flatString(config, 'cluster.remote.initial_connect_timeout') ?? '30s'),
    connectTimeoutMs: modelOptions.connectTimeoutMs,
    modelFor: (alias, credentials) =>
      credentials !== undefined ? apiKeyModel(pinnedCas.modelOptions(modelOptions, alias), rotation.sourceFor(alias)) : certificateModel(modelOptions),
    credentials: () => credentialMap,
    log: log.child({ component: 'remote' }),
    remoteClusterClient: { enabled: config.nodeRoles.includes('remote_cluster_client'), nodeName: config.nodeName },
  });
  options.clusterSettings.register(remoteDynamicSettings);
  const remoteOnly = (flat: Flat): Flat => Object.fromEntries(Object.entries(flat).filter(([key]) => key.startsWith(REMOTE_PREFIX)));
  options.clusterSettings.addValidator((effective) => service.validate(remoteOnly(effective)));
  options.clusterSettings.onChange((effective) => service.apply(remoteOnly(effective)));
  const client = new RemoteClustersClient(service, options.security, (alias) => credentialMap.get(alias), audit, log.child({ component: 'remote-client' }), rotation);
  const reloadSecure = (password: string | undefined): void => {
    keystorePassword = password ?? process.env['STRAIT_KEYSTORE_PASSWORD'] ?? '';
    secure = Keystore.load(config.configDir, keystorePassword);
    credentialMap = credentialsIn(secure);
    rotation.reset(credentialMap, credentialsIn(secure, '.credentials_next'));
    service.reloadCredentials();
  };

  // ---- remote side: the interfaces other clusters call
  // Multi-node: until the node joined (its interfaces start first), remote clusters are refused.
  let clusterSide: RemoteClusterSide | undefined = config.discoveryType === 'multi-node' ? notJoinedRemoteSide() : undefined;
  const remoteSide = {
    node: { handshake, transportAddress, remoteClusterAddress },
    cluster: () => clusterSide,
    search: options.search,
    security: options.security,
    audit,
    log: log.child({ component: 'remote-server' }),
    ...(options.extraRemoteActions !== undefined ? { extraActions: options.extraRemoteActions } : {}),
    ...(testScrollDisconnectAliases.length > 0 ? { testScrollDisconnectAliases: new Set(testScrollDisconnectAliases) } : {}),
  };
  const transportHandlers = buildRemoteHandlers(remoteSide, 'transport');
  return {
    handshake,
    transportAddress,
    remoteClusterAddress,
    client,
    routes: (identity) => [
      ...remoteRoutes({
        remotes: service,
        client,
        search: options.search,
        identity,
        reloadSecureSettings: reloadSecure,
      }),
      // One-paste pairing (issue #12 §1): mint a token here, enroll with one elsewhere.
      ...remoteEnrollmentRoutes({
        security: options.security,
        clusterName: config.clusterName,
        remoteClusterAddresses: () => (remoteClusterAddress() !== undefined ? [remoteClusterAddress()!] : []),
        remoteClusterCa: () =>
          remoteClusterCa(remoteServerSsl.certificate, [...remoteServerSsl.certificateAuthorities, ...transportSsl.certificateAuthorities, ...remoteClientSsl.certificateAuthorities]),
        effects: enrollmentEffects({
          configDir: config.configDir,
          modelOptions,
          pinnedCas,
          service,
          clusterSettings: options.clusterSettings,
          keystorePassword: () => keystorePassword,
          reload: reloadSecure,
          log: log.child({ component: 'remote-enrollment' }),
        }),
        audit,
        nowMs: options.nowMs,
        connectTimeoutMs: modelOptions.connectTimeoutMs,
      }),
      ...remoteDoctorRoutes({
        remotes: service,
        client,
        security: options.security,
        timeoutMs: Math.min(modelOptions.connectTimeoutMs, DIAGNOSE_STEP_TIMEOUT_MS_MAX),
        doctor: {
          local: handshake,
          log: log.child({ component: 'remote-doctor' }),
          connectTimeoutMs: modelOptions.connectTimeoutMs,
          tlsFor: (model, alias) => (model === 'api_key' ? pinnedCas.modelOptions(modelOptions, alias).remoteClusterClientTls : modelOptions.transportTls),
          credential: (alias) => credentialMap.get(alias),
          clock: () => performance.now(),
          pinnedClusterName: (alias) => service.pinnedClusterName(alias),
        },
      }),
    ],
    transportClientTls: modelOptions.transportTls,
    serveClusterWide: (side) => {
      clusterSide = side;
    },
    addTransportHandlers: (handlers) => {
      for (const [action, handler] of handlers) {
        assert(!transportHandlers.has(action), `transport action [${action}] is registered once`);
        transportHandlers.set(action, handler);
      }
    },
    wrapTransportHandler: (action, wrap) => {
      transportHandlers.set(action, wrap(transportHandlers.get(action)));
    },
    start: async () => {
      const transportTls =
        config.securityEnabled && transportSsl.enabled
          ? {
              key: readPem('xpack.security.transport.ssl.key', transportSsl.key),
              cert: readPem('xpack.security.transport.ssl.certificate', transportSsl.certificate),
              ca: transportSsl.certificateAuthorities.map((file) => readPem('xpack.security.transport.ssl.certificate_authorities', file)),
              ...(transportSsl.keyPassphrase !== undefined ? { passphrase: transportSsl.keyPassphrase } : {}),
              clientAuthentication: transportSsl.clientAuthentication,
              verificationMode: transportSsl.verificationMode,
              protocols: transportProtocols,
              ...(trustRestrictions !== undefined ? { trustRestriction: trustRestrictions.current } : {}),
            }
          : undefined;
      transportServer = await startTransportServer({
        host: config.transportHost,
        port: config.transportPort,
        local: handshake(),
        handlers: transportHandlers,
        logger: log.child({ component: 'transport' }),
        ...(transportTls !== undefined ? { tls: transportTls } : {}),
        name: 'transport',
      });
      if (remoteServerEnabled) {
        remoteClusterServer = await startTransportServer({
          // As http/transport: the interface's own host, then its bind_host, then network.bind_host/network.host.
          host: flatString(config, 'remote_cluster.host') ?? flatString(config, 'remote_cluster.bind_host') ?? flatString(config, 'network.bind_host') ?? config.networkHost,
          port: Number(flatString(config, 'remote_cluster.port') ?? 9443),
          local: handshake(),
          handlers: buildRemoteHandlers(remoteSide, 'remote_cluster'),
          logger: log.child({ component: 'remote_cluster_server' }),
          tls: {
            key: readPem('xpack.security.remote_cluster_server.ssl.key', remoteServerSsl.key),
            cert: readPem('xpack.security.remote_cluster_server.ssl.certificate', remoteServerSsl.certificate),
            ...(remoteServerSsl.certificateAuthorities.length > 0
              ? { ca: remoteServerSsl.certificateAuthorities.map((file) => readPem('xpack.security.remote_cluster_server.ssl.certificate_authorities', file)) }
              : {}),
            ...(remoteServerSsl.keyPassphrase !== undefined ? { passphrase: remoteServerSsl.keyPassphrase } : {}),
            clientAuthentication: remoteServerSsl.clientAuthentication,
            verificationMode: remoteServerSsl.verificationMode,
            protocols: remoteServerProtocols,
          },
          name: 'remote_cluster',
          onHandshake: remoteClusterHandshakeCheck(options.security!, log.child({ component: 'remote_cluster_server' })),
        });
      }
      service.apply(remoteOnly(options.clusterSettings.effective()));
      await service.initialConnect();
    },
    close: async () => {
      trustRestrictions?.close();
      service.close();
      await transportServer?.close();
      await remoteClusterServer?.close();
    },
  };
}
