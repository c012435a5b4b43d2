/**
 * Wiring of the cluster metadata shared through etcd in multi-node mode (issue #14): index
 * templates (composable, component, legacy), ingest pipelines, stored scripts and the persistent
 * and transient cluster settings (one entry holding both scopes) put or deleted through any node exist on every node, as
 * Elasticsearch's cluster state makes them. The rules
 * are cluster/shared-metadata.ts (keys, format, apply rules), the etcd side is
 * cluster/etcd-metadata-range.ts (range `<prefix>metadata/`); this file joins them to the owning
 * services. Each service writes locally first (every validation and error is a single node's),
 * hands the change to this file before committing it, and the request answers once etcd accepted
 * it (shared-metadata-publications.ts). A write etcd did not accept answers 503 (the no master
 * block), and the node returns to etcd's values as soon as etcd answers again (a full load).
 */
import type { Logger } from 'pino';
import type { EtcdCoordinator } from '../cluster/etcd-coordinator.js';
import { EtcdMetadataRange } from '../cluster/etcd-metadata-range.js';
import {
  CLUSTER_SETTINGS_NAME,
  decodeSharedMetadata,
  encodeSharedMetadata,
  isNewerRevision,
  parseSharedMetadataKey,
  planSharedLoad,
  sharedMetadataKey,
  type SharedMetadataKind,
} from '../cluster/shared-metadata.js';
import { errors, limits, type SqlDatabase } from '../common/index.js';
import type { Route } from '../http/route.js';
import type { ClusterSettingsStore } from '../cluster/settings.js';
import type { IngestService } from '../index/ingest/index.js';
import type { StoredScript } from '../index/script/index.js';
import type { SqlStoredScripts } from '../index/script/stored.js';
import { JsonDocumentTable } from '../index/store/versioned-tables.js';
import type { TemplateService } from '../index/template-service.js';
import type { TemplateKind } from '../index/store/template-store.js';
import { RequestPublications } from './shared-metadata-publications.js';

/** The format of the `shared_metadata_sources` rows (P12). */
const SHARED_METADATA_SOURCES_FORMAT_VERSION = 1;
const rangeName = 'metadata';

const templateKinds: Readonly<Record<TemplateKind, SharedMetadataKind>> = { composable: 'composable_template', component: 'component_template', legacy: 'legacy_template' };

export interface MetadataSharing {
  /** The routes, each answering only once the shared writes it made are in etcd. */
  applyTo(routes: readonly Route[]): Route[];
  close(): Promise<void>;
}

export async function startMetadataSharing(options: {
  readonly coordinator: EtcdCoordinator;
  /** `cluster.coordination.etcd.prefix` (ends with `/`). */
  readonly prefix: string;
  readonly templates: TemplateService;
  readonly ingest: IngestService;
  readonly scripts: SqlStoredScripts;
  /** Persistent and transient cluster settings (`PUT /_cluster/settings`). */
  readonly clusterSettings: ClusterSettingsStore;
  readonly nodeDb: SqlDatabase;
  readonly log: Logger;
}): Promise<MetadataSharing> {
  const { coordinator, templates, ingest, scripts, clusterSettings } = options;
  const log = options.log.child({ layer: 'cluster', shared: 'metadata' });
  // The cluster (uuid) whose range this node last loaded: a node that never did adopts what it had.
  const sources = JsonDocumentTable.open<{ cluster_uuid: string }>(options.nodeDb, {
    metaTable: 'shared_metadata_meta',
    version: SHARED_METADATA_SOURCES_FORMAT_VERSION,
    subject: 'shared metadata sources have',
    table: 'shared_metadata_sources',
    keyColumn: 'range',
    valueColumn: 'source',
  });
  /** The revision held per key (0: a local write etcd has not confirmed yet). */
  let held = new Map<string, number>();

  const localObjects = (): Map<string, string> => {
    const local = new Map<string, string>();
    for (const [kind, name, body] of templates.sharedEntries()) local.set(sharedMetadataKey(templateKinds[kind], name), encodeSharedMetadata(body));
    for (const [id, definition] of ingest.sharedEntries()) local.set(sharedMetadataKey('pipeline', id), encodeSharedMetadata(definition));
    for (const [id, script] of scripts.sharedEntries()) local.set(sharedMetadataKey('script', id), encodeSharedMetadata(script));
    const settings = clusterSettings.sharedEntry();
    if (settings !== undefined) local.set(sharedMetadataKey('cluster_settings', CLUSTER_SETTINGS_NAME), encodeSharedMetadata(settings));
    return local;
  };
  const writeLocal = (key: string, body: unknown): void => {
    const parsed = parseSharedMetadataKey(key);
    if (parsed === undefined) return;
    switch (parsed.kind) {
      case 'composable_template':
        return templates.applyShared('composable', parsed.name, body);
      case 'component_template':
        return templates.applyShared('component', parsed.name, body);
      case 'legacy_template':
        return templates.applyShared('legacy', parsed.name, body);
      case 'pipeline':
        return ingest.applyShared(parsed.name, body as Record<string, unknown> | null);
      case 'script':
        return scripts.applyShared(parsed.name, body as StoredScript | null);
      case 'cluster_settings': {
        // Both scopes at once (parseSharedMetadataKey accepts only the one entry's name).
        for (const err of clusterSettings.applyShared(body)) log.error({ err }, 'applying cluster settings shared by another node failed here');
        return;
      }
    }
  };

  const range = new EtcdMetadataRange({
    client: coordinator.etcdClient(),
    prefix: `${options.prefix}${rangeName}/`,
    target: {
      load: (entries) => {
        const plan = planSharedLoad({ entries, local: localObjects(), firstLoad: sources.get(rangeName)?.cluster_uuid !== coordinator.clusterUuid });
        for (const { key, reason } of plan.invalid) log.error({ key, reason }, 'skipping a shared metadata entry this node cannot read');
        for (const { key, body } of plan.puts) writeLocal(key, body);
        for (const key of plan.deletes) writeLocal(key, null);
        held = new Map(plan.revisions);
        sources.put(rangeName, { cluster_uuid: coordinator.clusterUuid });
        if (plan.puts.length + plan.deletes.length > 0) log.info({ written: plan.puts.length, deleted: plan.deletes.length }, 'loaded the shared cluster metadata');
        return plan.adopt;
      },
      apply: (key, value, revision) => {
        if (parseSharedMetadataKey(key) === undefined || !isNewerRevision(held.get(key), revision)) return;
        let body: unknown = null;
        if (value !== null) {
          const decoded = decodeSharedMetadata(value);
          if (!decoded.ok) {
            log.error({ key, reason: decoded.reason }, 'skipping a shared metadata entry this node cannot read');
            return;
          }
          body = decoded.body;
        }
        writeLocal(key, body);
        held.set(key, revision);
      },
    },
    log,
    retryMs: limits.sharedMetadataReloadRetryMs,
  });

  const publications = new RequestPublications((cause) => {
    log.warn({ err: cause }, 'a cluster metadata change was applied on this node but etcd did not accept it; this node returns to etcd values once etcd answers');
    return errors.noMaster();
  });
  /** Called by a service after validating a change and before committing it; may refuse it (400). */
  const share = (kind: SharedMetadataKind, name: string, body: unknown): void => {
    const key = sharedMetadataKey(kind, name);
    const value = body === null ? null : encodeSharedMetadata(body);
    if (value !== null && Buffer.byteLength(value) > limits.sharedMetadataRecordBytesMax) {
      throw errors.illegalArgument(`[${kind}] [${name}] takes [${Buffer.byteLength(value)}] bytes, more than the [${limits.sharedMetadataRecordBytesMax}] bytes a multi-node cluster can share through etcd`);
    }
    held.set(key, 0);
    publications.track(range.publish(key, value));
  };
  templates.shareChanges((kind, name, body) => share(templateKinds[kind], name, body));
  ingest.shareChanges((id, definition) => share('pipeline', id, definition));
  scripts.shareChanges((id, script) => share('script', id, script));
  // Both scopes in one entry, one etcd revision: every node applies them together.
  clusterSettings.shareChanges((settings) => share('cluster_settings', CLUSTER_SETTINGS_NAME, Object.keys(settings.persistent).length === 0 && Object.keys(settings.transient).length === 0 ? null : settings));
  await range.start();
  return {
    applyTo: (routes) => publications.applyTo(routes),
    close: () => range.close(),
  };
}
