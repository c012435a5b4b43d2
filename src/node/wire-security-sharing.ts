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
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { EtcdCoordinator } from '../cluster/etcd-coordinator.js';
import { EtcdMetadataRange } from '../cluster/etcd-metadata-range.js';
import { errors, limits } from '../common/index.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import type { NativeSecurityService } from '../security/index.js';

/** Between full loads while etcd is away (after a failed publish or a cancelled watch). */
const reloadRetryMs = 1_000;

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
    retryMs: reloadRetryMs,
  });
  // The publications a request started: its answer waits for them.
  const publications = new AsyncLocalStorage<Promise<number>[]>();
  security.shareChanges((key, value) => {
    const published = range.publish(key, value);
    const collected = publications.getStore();
    if (collected !== undefined) collected.push(published);
    else published.catch(() => undefined); // logged by the range, which reloads once etcd answers
  }, limits.sharedSecurityRecordBytesMax);
  await range.start();
  const wrapRoute = (route: Route): Route => ({
    ...route,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      const collected: Promise<number>[] = [];
      const response = await publications.run(collected, () => route.handle(request, context));
      if (collected.length > 0) {
        try {
          await Promise.all(collected);
        } catch (error) {
          throw errors.unavailableShards(
            '.security',
            `the security metadata change was applied on this node but etcd did not accept it (${error instanceof Error ? error.message : String(error)}); this node returns to etcd's values once etcd answers`,
          );
        }
      }
      return response;
    },
  });
  return {
    applyTo: (routes) => routes.map(wrapRoute),
    close: () => range.close(),
  };
}
