/**
 * Wiring of the security metadata shared through etcd in multi-node mode (issue #14): users,
 * roles, API keys (cross-cluster ones too), application privileges and service account tokens
 * written through any node exist on every node, as Elasticsearch's replicated `.security` index
 * makes them. The decisions are the security layer's (replication.ts), the etcd side is
 * cluster/etcd-metadata-range.ts; this file joins them and makes a request that wrote security
 * metadata answer only after etcd accepted each write (the node applied it already: its store
 * wrote it first), so a write is read back on the node that made it and reaches the others within
 * the watch's latency. A write etcd did not accept fails its request with a 503, and the node goes
 * back to etcd's values as soon as etcd answers.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { EtcdCoordinator } from '../cluster/etcd-coordinator.js';
import { EtcdMetadataRange } from '../cluster/etcd-metadata-range.js';
import { errors, limits } from '../common/index.js';
import type { Route } from '../http/route.js';
import type { NativeSecurityService } from '../security/index.js';
import { SharedRecordExists } from '../security/replication.js';
import { RequestPublications } from './shared-metadata-publications.js';


export interface SecuritySharing {
  /** The routes, each answering only once the security writes it made are in etcd. */
  applyTo(routes: readonly Route[]): Route[];
  close(): Promise<void>;
}

export async function startSecuritySharing(options: {
  readonly coordinator: EtcdCoordinator;
  /** `cluster.coordination.etcd.prefix` (ends with `/`). */
  readonly prefix: string;
  readonly security: NativeSecurityService;
  readonly log: Logger;
}): Promise<SecuritySharing> {
  const { coordinator, security } = options;
  const log = options.log.child({ layer: 'security', shared: 'etcd' });
  const range = new EtcdMetadataRange({
    client: coordinator.etcdClient(),
    prefix: `${options.prefix}security/`,
    target: {
      load: (entries) => security.loadShared(entries, coordinator.clusterUuid),
      apply: (key, value, revision) => security.applyShared(key, value, revision),
    },
    log,
    retryMs: limits.sharedMetadataReloadRetryMs,
  });
  // The publications a request started: its answer waits for them (shared-metadata-publications.ts).
  const publications = new RequestPublications((cause) =>
    errors.unavailableShards('.security', `the security metadata change was applied on this node but etcd did not accept it (${cause}); this node returns to etcd's values once etcd answers`),
  );
  // A new service token reserves its name cluster-wide: created only when etcd has no token of
  // that name (two nodes creating one name at once: one wins, the other answers a conflict).
  security.shareChanges((key, value, create) => {
    const published =
      create && value !== null
        ? range.publishIfAbsent(key, value).then(({ created, revision }) => {
            if (!created) throw new SharedRecordExists(key);
            return revision;
          })
        : range.publish(key, value);
    // The request answers the lost race itself (a version conflict); the publications' wait must not turn it into a 503.
    publications.track(published.catch((error: unknown) => (error instanceof SharedRecordExists ? 0 : Promise.reject(error))));
    return published;
  }, limits.sharedMetadataRecordBytesMax);
  // Errors name the security index's uuid: one for the whole cluster, from the cluster's uuid.
  security.useSharedStoreUuid(createHash('sha256').update(`${coordinator.clusterUuid}/.security-7`).digest('base64url').slice(0, 22));
  await range.start();
  return {
    applyTo: (routes) => publications.applyTo(routes),
    close: () => range.close(),
  };
}
