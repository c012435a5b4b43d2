import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterSettingsStore, baseDynamicSettings, pinoLevelOf } from '../cluster/settings.js';
import { awarenessAttributesSetting, clusterFilterSettings } from '../cluster/allocation.js';
import type { MultiNodeWiringOptions } from './multi-node-wiring.js';
import type { SqlDatabase } from '../common/index.js';
import type { NodeConfig } from '../config/types.js';
import { startHttpServer, type HttpServer, type HttpTlsOptions } from '../http/server.js';
import type { Route } from '../http/route.js';
import { clusterSettingsRoutes } from '../http/routes/cluster-settings.js';
import { nodeInfoRoutes, type NodeIdentity } from '../http/routes/node-info.js';
import { nodeFiguresProbe } from '../http/routes/node-figures.js';
import { taskRoutes } from '../http/routes/tasks.js';
import { wireIndices } from './wire-indices.js';
import { availableProcessorTypes } from '../index/ingest/index.js';
import { CcrLeaderService, ccrLeaderActions, isCcrInternalAction } from '../ccr/leader.js';
import { CcrService, type CcrRemote } from '../ccr/service.js';
import { bytesPerSecOf, recoveryBytesPerSecDefault } from '../ccr/pacer.js';
import { AutoFollowService, autoFollowLeaderActions, isAutoFollowSystemAction } from '../ccr/auto-follow.js';
import { ccrRoutes } from '../http/routes/ccr.js';
import { autoFollowRoutes } from '../http/routes/ccr-auto-follow.js';
import { catListRoutes } from '../http/routes/cat-list.js';
import { clusterStatsRoutes, singleNodeShardCopies } from '../http/routes/cluster-stats.js';
import { parseAutoCreateIndex } from '../index/index.js';
import { wireSecurity } from './wire-security.js';
import { protocolsFrom, wireRemote } from './wire-remote.js';
import { openDatabase } from './database.js';
import type { RunningNode, StartOptions } from './index.js';

import { NodeStartError } from './errors.js';
export { NodeStartError };

/**
 * One process holds a data path at a time, as Elasticsearch's node.lock: a lock left by a killed
 * process (its pid no longer alive) is taken over.
 */
function lockDataPath(pathData: string): () => void {
  const lockFile = path.join(pathData, 'node.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new NodeStartError(`failed to obtain node lock on [${pathData}]: held by process ${holder}; is another node running on this data path?`);
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new NodeStartError(`failed to obtain node lock on [${pathData}]`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** The node id and cluster uuid are made once and kept in node.db. */
function loadIdentityRow(db: SqlDatabase): { nodeId: string; clusterUuid: string } {
  db.exec('CREATE TABLE IF NOT EXISTS node_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const read = (key: string): string | undefined =>
    (db.prepare('SELECT value FROM node_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  const ensure = (key: string, make: () => string): string => {
    const existing = read(key);
    if (existing !== undefined) return existing;
    const value = make();
    db.prepare('INSERT INTO node_meta (key, value) VALUES (?, ?)').run(key, value);
    return value;
  };
  return {
    nodeId: ensure('node_id', () => randomBytes(16).toString('base64url').slice(0, 22)),
    clusterUuid: ensure('cluster_uuid', () => randomBytes(16).toString('base64url').slice(0, 22)),
  };
}

function buildInfo(): { hash: string; date: string } {
  try {
    const packageFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
    const manifest = JSON.parse(readFileSync(packageFile, 'utf8')) as { version?: string };
    return { hash: `strait-${manifest.version ?? 'dev'}`, date: '2026-11-23T00:00:00.000Z' };
  } catch {
    return { hash: 'strait-dev', date: '2026-11-23T00:00:00.000Z' };
  }
}

function readTls(config: NodeConfig): HttpTlsOptions | undefined {
  const ssl = config.httpSsl;
  if (!config.securityEnabled || !ssl.enabled) return undefined;
  if (ssl.key === undefined || ssl.certificate === undefined) {
    throw new NodeStartError('xpack.security.http.ssl.enabled is true but [xpack.security.http.ssl.key] or [xpack.security.http.ssl.certificate] is not set');
  }
  const read = (setting: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new NodeStartError(`cannot read [${setting}] file [${file}]: ${(error as Error).message}`);
    }
  };
  return {
    key: read('xpack.security.http.ssl.key', ssl.key),
    cert: read('xpack.security.http.ssl.certificate', ssl.certificate),
    ca: ssl.certificateAuthorities.map((file) => read('xpack.security.http.ssl.certificate_authorities', file)),
    passphrase: ssl.keyPassphrase,
    clientAuthentication: ssl.clientAuthentication,
    verificationMode: ssl.verificationMode,
    protocols: protocolsFrom(config.flat, 'xpack.security.http.ssl'),
  };
}

export async function startNode(config: NodeConfig, options: StartOptions): Promise<RunningNode> {
  const { log } = options;
  mkdirSync(config.pathData, { recursive: true });
  const unlock = lockDataPath(config.pathData);
  const closers: (() => unknown)[] = [unlock];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        log.error({ err: error }, 'failed to close a node component');
      }
    }
    closers.length = 0;
  };
  try {
    const nodeDb = openDatabase(path.join(config.pathData, 'node.db'));
    closers.push(() => nodeDb.close());
    const { nodeId, clusterUuid: localClusterUuid } = loadIdentityRow(nodeDb);
    // A multi-node node takes the cluster's uuid (kept in etcd) once it joins; handshakes and
    // `GET /` then name the cluster, not this node's own database.
    const clusterIdentity = { nodeId, clusterUuid: localClusterUuid };
    const nowMs = (): number => Date.now();
    const security = await wireSecurity({ config, nodeDb, log, nowMs, elasticPassword: options.elasticPassword });
    closers.push(() => security.close());
    const indices = wireIndices({ config, nodeDb, log, nowMs });
    closers.push(() => indices.close());
    // Allocation awareness means something only with several nodes: accepted (and honoured) in multi-node mode.
    const clusterSettings = new ClusterSettingsStore(nodeDb, [...baseDynamicSettings, ...(config.discoveryType === 'multi-node' ? [awarenessAttributesSetting, ...clusterFilterSettings] : [])]);
    // Cross-key checks the registry's per-key normalizers cannot make, then every accepted change
    // takes effect at once; the stored (persistent) settings take effect at start.
    clusterSettings.addValidator((effective) => {
      const autoCreate = effective['action.auto_create_index'];
      if (autoCreate !== undefined) parseAutoCreateIndex(String(autoCreate));
    });
    clusterSettings.onChange((effective) => indices.applyClusterSettings(effective));
    // `logger._root`: the whole logger tree follows the root's level (pino children inherit it).
    const startLevel = log.level;
    const applyLogLevel = (effective: Readonly<Record<string, string | readonly string[]>>): void => {
      const level = effective['logger._root'];
      log.level = level === undefined ? startLevel : pinoLevelOf(String(level));
    };
    clusterSettings.onChange(applyLogLevel);
    applyLogLevel(clusterSettings.effective());
    indices.applyClusterSettings(clusterSettings.effective());
    // Cross-cluster replication: the leader side answers other clusters over the remote
    // interfaces; the follower side runs follow tasks through the remote clusters client.
    const ccrLeader = new CcrLeaderService(indices.indices, nodeDb, nowMs, log.child({ layer: 'ccr', side: 'leader' }), indices.dataStreams);
    closers.push(() => ccrLeader.close());
    // Many nodes: until this node joined, it does not know where a leader shard's primary is.
    if (config.discoveryType === 'multi-node') ccrLeader.setRouter((await import('./wire-ccr-leader.js')).unjoinedRouter(nodeId));
    const remote = wireRemote({
      config,
      identity: clusterIdentity,
      clusterSettings,
      search: indices.search,
      security: security.native,
      log,
      nowMs,
      extraRemoteActions: [...ccrLeaderActions(ccrLeader), ...autoFollowLeaderActions(indices.indices)],
    });
    closers.push(() => remote.close());
    await remote.start();
    const native = security.native;
    const ccrRemote: CcrRemote = {
      aliases: () => remote.client.aliases(),
      send: (alias, action, body, subject) =>
        remote.client.sendAs(
          alias,
          action,
          body,
          subject === undefined ? undefined : { ...subject, system: isCcrInternalAction(action) || isAutoFollowSystemAction(action) },
          typeof body['index'] === 'string' ? [body['index']] : [],
        ),
    };
    const ccr = new CcrService({
      indices: indices.indices,
      // Many nodes: tasks wait for the cluster (wire-ccr-follower.ts) to say where the primaries are.
      multiNode: config.discoveryType === 'multi-node',
      dataStreams: indices.dataStreams,
      db: nodeDb,
      remote: ccrRemote,
      descriptorSets: native === undefined ? undefined : (authentication) => native.descriptorSets(authentication),
      clusterName: config.clusterName,
      nowMs,
      log: log.child({ layer: 'ccr', side: 'follower' }),
    });
    closers.push(() => ccr.close());
    const applyRecoveryRates = (effective: Readonly<Record<string, string | readonly string[]>>): void => {
      ccrLeader.setOutboundBytesPerSec(bytesPerSecOf(effective['indices.recovery.max_bytes_per_sec'], recoveryBytesPerSecDefault));
      ccr.setInboundBytesPerSec(bytesPerSecOf(effective['ccr.indices.recovery.max_bytes_per_sec'], recoveryBytesPerSecDefault));
    };
    clusterSettings.onChange(applyRecoveryRates);
    applyRecoveryRates(clusterSettings.effective());
    ccr.start();
    // Auto-follow patterns: the coordinator follows new leader indices as the pattern's creator.
    const autoFollow = new AutoFollowService({
      db: nodeDb,
      remote: ccrRemote,
      follower: {
        followAs: (name, body, subject) => ccr.followAs(name, body, undefined, subject),
        follows: (name, alias, leaderIndex) => {
          if (!ccr.isFollower(name)) return false;
          const entry = (ccr.info(name)['follower_indices'] as { remote_cluster: string; leader_index: string }[])[0];
          return entry?.remote_cluster === alias && entry.leader_index === leaderIndex;
        },
      },
      descriptorSets: native === undefined ? undefined : (authentication) => native.descriptorSets(authentication),
      nowMs,
      log: log.child({ layer: 'ccr', side: 'auto_follow' }),
      multiNode: config.discoveryType === 'multi-node',
    });
    closers.push(() => autoFollow.close());
    ccr.attachAutoFollowStats(() => autoFollow.statsJson());
    autoFollow.start();
    // Multi-node (issue #14): join the cluster through etcd before serving; a refusal stops the
    // start. Loaded only then, so a single node never loads the etcd client.
    const coordination =
      config.discoveryType === 'multi-node'
        ? await (await import('./wire-coordination.js')).startCoordination({
            config,
            nodeId,
            version: remote.handshake().version,
            attributes: remote.handshake().attributes ?? {},
            transportAddress: remote.transportAddress() ?? `${config.transportHost}:${config.transportPort}`,
            ...(remote.remoteClusterAddress() !== undefined ? { remoteClusterAddress: remote.remoteClusterAddress()! } : {}),
            indices: indices.indices,
            dataStreams: indices.dataStreams,
            clusterSettings: () => clusterSettings.effective(),
            followersPastLagObjective: () => ccr.followersPastLagObjectiveOfCluster(),
            log,
            nowMs,
          })
        : undefined;
    let securitySharing: import('./wire-security-sharing.js').SecuritySharing | undefined;
    let metadataSharing: import('./wire-metadata-sharing.js').MetadataSharing | undefined;
    let documents: import('./wire-documents.js').DocumentsWiring | undefined;
    let searchWiring: import('./wire-search.js').SearchWiring | undefined;
    let statsWiring: import('./wire-stats.js').StatsWiring | undefined;
    let nodesStatsWiring: import('./wire-nodes-stats.js').NodesStatsWiring | undefined;
    let reindexWiring: import('./wire-reindex-multi-node.js').ReindexAcrossNodes | undefined;
    let tasksWiring: import('./wire-tasks-multi-node.js').TasksAcrossNodes | undefined;
    let credentialsWiring: import('./wire-service-credentials.js').ServiceCredentialsWiring | undefined;
    let indexStateWiring: import('./wire-index-state.js').IndexStateWiring | undefined;
    if (coordination !== undefined) {
      closers.push(() => coordination.close());
      // Users, roles, API keys ... shared by every node through etcd, loaded before serving (wire-security-sharing.ts).
      if (security.native !== undefined && config.coordination !== undefined) {
        const sharing = await (await import('./wire-security-sharing.js')).startSecuritySharing({ coordinator: coordination.coordinator, prefix: config.coordination.prefix, security: security.native, log });
        closers.push(() => sharing.close());
        securitySharing = sharing;
      }
      // Templates, pipelines and stored scripts shared by every node through etcd, loaded before serving (wire-metadata-sharing.ts).
      if (config.coordination !== undefined) {
        const sharing = await (await import('./wire-metadata-sharing.js')).startMetadataSharing({
          coordinator: coordination.coordinator,
          prefix: config.coordination.prefix,
          templates: indices.templates,
          ingest: indices.ingest,
          scripts: indices.indices.storedScripts,
          clusterSettings,
          nodeDb,
          log,
        });
        closers.push(() => sharing.close());
        metadataSharing = sharing;
      }
      clusterIdentity.clusterUuid = coordination.coordinator.clusterUuid;
      const dataPlane = (await import('./wire-data-plane.js')).startDataPlane({
        nodeId,
        coordination,
        handshake: remote.handshake(),
        transportTls: remote.transportClientTls,
        addTransportHandlers: (handlers) => remote.addTransportHandlers(handlers),
        indices: indices.indices,
        ccrRetentionFloor: (index, shard) => ccrLeader.retentionFloor(index, shard),
        pace: (bytes) => ccrLeader.paceOutbound(bytes),
        // A cross-cluster follower shard's primary copies its leader shard before it starts.
        preparePrimary: (target, fromStore) => ccr.preparePrimary(target, fromStore),
        log,
        nowMs,
      });
      closers.push(() => dataPlane.close());
      // Document APIs route to primaries (wire-documents.ts).
      documents = (await import('./wire-documents.js')).wireDocuments({
        nodeId,
        coordination,
        dataPlane,
        indices: indices.indices,
        ingest: indices.ingest,
        addTransportHandlers: (handlers) => remote.addTransportHandlers(handlers),
        log,
        nowMs,
      });
      // Searches fan out to the nodes holding the shards (wire-search.ts).
      searchWiring = (await import('./wire-search.js')).wireSearch({
        nodeId,
        coordination,
        dataPlane,
        indices: indices.indices,
        search: indices.search,
        asyncSearches: indices.asyncSearches,
        explainer: indices.explainer,
        wrapTransportHandler: (action, wrap) => remote.wrapTransportHandler(action, wrap),
        addTransportHandlers: (handlers) => remote.addTransportHandlers(handlers),
        remotes: remote.client,
        // TEST ONLY fault injection (refused by the config unless STRAIT_TEST_FAULT_INJECTION=1).
        testForwardedScrollPageDisconnect: String(config.flat['strait.test.scroll.node_page_disconnect'] ?? false) === 'true',
        log,
        nowMs,
      });
      // Reindex and by-query read through the cross-node scroll and write through the routed bulk (wire-reindex-multi-node.ts).
      const reindexAcross = (await import('./wire-reindex-multi-node.js')).wireReindexAcrossNodes({
        nodeId,
        config,
        state: () => coordination.coordinator.state(),
        indices: indices.indices,
        search: indices.search,
        ingest: indices.ingest,
        documents,
        searchWiring,
        log,
        nowMs,
        request: (node, action, body, timeoutMs) => dataPlane.channel.request(node, action, body, timeoutMs),
        internalHandler: (handle) => dataPlane.replication.internalHandler(handle),
        addTransportHandlers: (handlers) => remote.addTransportHandlers(handlers),
      });
      closers.push(() => reindexAcross.close());
      reindexWiring = reindexAcross;
      // `GET /_tasks`, `_cancel` and `_rethrottle` answer for every node (wire-tasks-multi-node.ts).
      tasksWiring = (await import('./wire-tasks-multi-node.js')).wireTasksAcrossNodes({
        nodeId,
        state: () => coordination.coordinator.state(),
        channel: dataPlane.channel,
        internalHandler: (handle) => dataPlane.replication.internalHandler(handle),
        addTransportHandlers: (handlers) => remote.addTransportHandlers(handlers),
        log,
      });
      // Remote clusters' sniffing and searches answered for the whole cluster (wire-remote-search.ts).
      const remoteSearch = (await import('./wire-remote-search.js')).wireRemoteSearch({
        nodeId,
        state: () => coordination.coordinator.state(),
        channel: dataPlane.channel,
        indices: indices.indices,
        search: indices.search,
        scrolls: searchWiring.scrolls,
        pits: searchWiring.pits,
        nowMs,
      });
      closers.push(() => remoteSearch.close());
      remote.serveClusterWide(remoteSearch);
      // What the wirings below that ask every node share (multi-node-wiring.ts).
      const nodeWiring: MultiNodeWiringOptions = { nodeId, coordination, dataPlane, addTransportHandlers: (handlers) => remote.addTransportHandlers(handlers), log };
      // Index stats, `_cat/indices` and flush cover every node's copies (wire-stats.ts).
      statsWiring = (await import('./wire-stats.js')).wireStats({
        ...nodeWiring,
        indices: indices.indices,
        searchers: indices.searchers,
        dataStreams: indices.dataStreams,
        nowMs,
      });
      // `_nodes/stats` and `_cat/nodes` ask every node for its figures (wire-nodes-stats.ts).
      nodesStatsWiring = (await import('./wire-nodes-stats.js')).wireNodesStats({ ...nodeWiring, identity: () => identity, indices: indices.indices, gatherCopies: statsWiring.gatherCopies, nowMs });
      // Index close and open go through the master and every node's copies (wire-index-state.ts).
      indexStateWiring = (await import('./wire-index-state.js')).wireIndexState({
        ...nodeWiring,
        indices: indices.indices,
      });
      // The service account credentials API's `nodes_credentials` asks every node (wire-service-credentials.ts).
      credentialsWiring = (await import('./wire-service-credentials.js')).wireServiceCredentials(nodeWiring);
      // Cross-cluster replication's leader actions run on the shards' primaries (wire-ccr-leader.ts).
      const ccrLeaderWiring = (await import('./wire-ccr-leader.js')).wireCcrLeader({ ...nodeWiring, leader: ccrLeader, indices: indices.indices, nowMs });
      closers.push(() => ccrLeaderWiring.close());
      // Cross-cluster replication's follow tasks run on the follower shards' primaries (wire-ccr-follower.ts).
      if (config.coordination !== undefined) {
        const follower = await (await import('./wire-ccr-follower.js')).wireCcrFollower({
          ...nodeWiring,
          ccr,
          autoFollow,
          indices: indices.indices,
          prefix: config.coordination.prefix,
        });
        closers.push(() => follower.close());
      }
    }
    const clusterUuid = clusterIdentity.clusterUuid;
    let httpServer: HttpServer | undefined;
    const build = buildInfo();
    // What this process and machine measure (`_nodes/stats`, `_cat/nodes`, `_cat/allocation`).
    const figures = nodeFiguresProbe(config.pathData);
    const identity: NodeIdentity = {
      nodeId,
      nodeName: config.nodeName,
      clusterName: config.clusterName,
      clusterUuid,
      roles: config.nodeRoles,
      buildHash: build.hash,
      buildDate: build.date,
      // `http.publish_host` (then `network.publish_host`) is the address other parties are told, as Elasticsearch does.
      httpAddress: () => publishedHttpAddress(config, httpServer?.address ?? `${config.httpHost}:${config.httpPort}`),
      transportAddress: remote.transportAddress,
      remoteClusterAddress: remote.remoteClusterAddress,
      version: remote.handshake().version,
      attributes: remote.handshake().attributes,
      httpBodyBytesMax: config.httpMaxContentLengthBytes,
      settings: config.flat,
      ingestStats: () => indices.ingest.statsJson(),
      ingestProcessors: availableProcessorTypes(),
      figures,
      dataPath: config.pathData,
      // The copies this node holds: on one node every open shard; on many, those the applied state places here.
      shardCopies: statsWiring === undefined ? () => singleNodeShardCopies(indices.indices, indices.searchers) : statsWiring.localShardCopies,
    };
    const routes: Route[] = [
      ...nodeInfoRoutes(identity),
      ...taskRoutes(identity, indices.search.tasks),
      ...clusterSettingsRoutes(clusterSettings),
      ...security.service.routes(),
      ...indices.routes({ clusterName: config.clusterName, followersPastLagObjective: () => ccr.followersPastLagObjective(), node: identity }, remote.client),
      ...remote.routes(identity),
      ...ccrRoutes(ccr, ccrLeader, indices.indices),
      ...autoFollowRoutes(autoFollow),
      ...indices.nodeCatRoutes(identity, figures),
      ...clusterStatsRoutes({ identity, indices: indices.indices, searchers: indices.searchers, nowMs }),
    ];
    routes.push(...catListRoutes(routes));
    const tls = readTls(config);
    httpServer = await startHttpServer({
      host: config.httpHost,
      port: config.httpPort,
      tls,
      bodyBytesMax: config.httpMaxContentLengthBytes,
      // Elasticsearch compresses plain HTTP responses by default, HTTPS ones only when asked (BREACH).
      compression: { enabled: config.httpCompression ?? tls === undefined, level: config.httpCompressionLevel },
      nowMs,
      routes: coordination === undefined ? routes : coordination.applyTo([documents, searchWiring, reindexWiring, tasksWiring, statsWiring, nodesStatsWiring, indexStateWiring, credentialsWiring, securitySharing, metadataSharing].reduce((wired, wiring) => wiring?.applyTo(wired) ?? wired, routes)),
      security: security.service,
      log,
    });
    const server = httpServer;
    closers.push(() => server.close());
    await coordination?.publishHttpAddress(publishedHttpAddress(config, server.address));
    const httpScheme = tls === undefined ? 'http' : 'https';
    log.info(
      {
        http_address: server.address,
        http_scheme: httpScheme,
        transport_address: remote.transportAddress(),
        remote_cluster_address: remote.remoteClusterAddress(),
        node_id: nodeId,
        cluster_name: config.clusterName,
        cluster_uuid: clusterUuid,
      },
      'started',
    );
    let stopping: Promise<void> | undefined;
    return {
      httpAddress: server.address,
      httpScheme,
      stop: () => {
        stopping ??= (async () => {
          log.info('stopping');
          await closeAll();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The HTTP address this node publishes: `http.publish_host` or `network.publish_host` with the bound port. */
export function publishedHttpAddress(config: NodeConfig, bound: string): string {
  const host = config.flat['http.publish_host'] ?? config.flat['network.publish_host'];
  if (typeof host !== 'string' || host === '') return bound;
  const port = bound.slice(bound.lastIndexOf(':') + 1);
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}
