/**
 * Point in time across clusters, coordinating side. Opening one opens a point in time on each
 * cluster the expression names (this one included); the id handed back carries each cluster's
 * own id, so the coordinator keeps no state. A search through it is a cross-cluster search in
 * which every cluster reads its own pinned snapshots; closing it closes it on every cluster.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/point-in-time-api.html
 */
import { EsError, errors } from '../common/index.js';
import { searchAcrossClusters, type ClusterAuthorizer, type ClusterPlan, type LocalAcross, type RemoteClusters } from './ccs.js';
import type { SearchInput, SearchService } from './search-service.js';
import { encodeOpaqueId, opaqueIdBody } from './scroll.js';

/** What a cross-cluster point in time needs from the remote clusters (RemoteClustersClient implements it). */
export interface PitRemotes {
  openPointInTime(alias: string, input: SearchInput, caller: unknown): Promise<{ id: string; _shards: ShardsCount }>;
  closePointInTime(alias: string, id: string, caller: unknown): Promise<number>;
}

/**
 * This cluster's part of a cross-cluster point in time: this node's shards (SearchService), or, in
 * a multi-node cluster, reader contexts on the nodes holding the shards (wire-pit.ts).
 */
export interface LocalPitPart {
  open(input: SearchInput, access: ClusterAuthorizer): Promise<{ id: string; _shards: ShardsCount }> | { id: string; _shards: ShardsCount };
  /** How many contexts were freed. */
  close(id: string, access: ClusterAuthorizer): Promise<number> | number;
}

function localPitPart(service: SearchService): LocalPitPart {
  return {
    open: (input, access) => service.openPointInTime(input, access) as { id: string; _shards: ShardsCount },
    close: (id, access) => service.closePointInTime(id, access).body['num_freed'] as number,
  };
}

interface ShardsCount {
  total: number;
  successful: number;
  skipped: number;
  failed: number;
}

/** Each cluster's own point in time id (the local one under no alias). */
interface Parts {
  readonly local: string | undefined;
  readonly remotes: Readonly<Record<string, string>>;
}

const idPrefix = 'strait-ccs-pit:';

function encodeId(parts: Parts): string {
  return encodeOpaqueId(idPrefix, JSON.stringify(parts));
}

/** The per-cluster ids of a cross-cluster point in time id, or undefined for any other id. */
export function decodeCrossClusterPitId(id: string): Parts | undefined {
  const body = opaqueIdBody(idPrefix, id);
  if (body === undefined) return undefined;
  try {
    const parts = JSON.parse(body) as Parts;
    if ((parts.local !== undefined && typeof parts.local !== 'string') || typeof parts.remotes !== 'object' || parts.remotes === null) throw new Error('shape');
    for (const value of Object.values(parts.remotes)) if (typeof value !== 'string') throw new Error('shape');
    return parts;
  } catch {
    throw errors.illegalArgument(`invalid id: [${id}]`);
  }
}

/** The `pit.id` of a search body, if any. */
export function pitIdOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const pit = (body as Record<string, unknown>)['pit'];
  if (pit === null || typeof pit !== 'object' || Array.isArray(pit)) return undefined;
  const id = (pit as Record<string, unknown>)['id'];
  return typeof id === 'string' ? id : undefined;
}

function withPitId(body: unknown, id: string): unknown {
  const object = body as Record<string, unknown>;
  return { ...object, pit: { ...(object['pit'] as Record<string, unknown>), id } };
}

/** `POST /{index}/_pit` naming remote clusters: one point in time per cluster, one id. */
export async function openPointInTimeAcrossClusters(
  service: SearchService,
  input: SearchInput,
  plan: ClusterPlan,
  access: ClusterAuthorizer,
  remotes: PitRemotes,
  caller: unknown,
  localPart: LocalPitPart = localPitPart(service),
): Promise<Record<string, unknown>> {
  access.delegateToRemote?.();
  const local = plan.local === undefined ? undefined : await localPart.open({ ...input, expression: plan.local }, access);
  const outcomes = await Promise.allSettled(plan.remotes.map(({ alias, expression }) => remotes.openPointInTime(alias, { expression, params: input.params, body: undefined }, caller)));
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed !== undefined) {
    // Free what opened before failing, so nothing lingers until its keep-alive.
    if (local !== undefined) await localPart.close(local.id, access);
    await Promise.all(
      outcomes.map((outcome, i) => (outcome.status === 'fulfilled' ? remotes.closePointInTime(plan.remotes[i]!.alias, outcome.value.id, caller).catch(() => 0) : Promise.resolve(0))),
    );
    throw failed.reason;
  }
  const opened = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<{ id: string; _shards: ShardsCount }>).value);
  const shards: ShardsCount = { total: 0, successful: 0, skipped: 0, failed: 0 };
  for (const part of [...(local !== undefined ? [local] : []), ...opened]) {
    shards.total += part._shards.total;
    shards.successful += part._shards.successful;
    shards.skipped += part._shards.skipped;
    shards.failed += part._shards.failed;
  }
  const parts: Parts = { local: local?.id, remotes: Object.fromEntries(plan.remotes.map(({ alias }, i) => [alias, opened[i]!.id])) };
  return { id: encodeId(parts), _shards: shards };
}

/** `DELETE /_pit` with a cross-cluster id: closes it on every cluster (404 when nothing was left to free). */
export async function closePointInTimeAcrossClusters(
  service: SearchService,
  parts: Parts,
  access: ClusterAuthorizer,
  remotes: PitRemotes,
  caller: unknown,
  localPart: LocalPitPart = localPitPart(service),
): Promise<{ status: number; body: Record<string, unknown> }> {
  let freed = parts.local === undefined ? 0 : await localPart.close(parts.local, access);
  const counts = await Promise.all(
    Object.entries(parts.remotes).map(([alias, id]) =>
      remotes.closePointInTime(alias, id, caller).catch((error: unknown) => {
        // A cluster that no longer knows it (expired, restarted) has nothing to free; refusals still fail.
        if (error instanceof EsError && (error.status === 401 || error.status === 403)) throw error;
        return 0;
      }),
    ),
  );
  freed += counts.reduce((sum, count) => sum + count, 0);
  return { status: freed === 0 ? 404 : 200, body: { succeeded: true, num_freed: freed } };
}

/** `_search` with a cross-cluster point in time: each cluster searches its own pinned snapshots. */
export async function searchPointInTimeAcrossClusters(
  service: SearchService,
  input: SearchInput,
  parts: Parts,
  access: ClusterAuthorizer,
  remotes: RemoteClusters,
  caller: unknown,
  /** The local part across a multi-node cluster's nodes (wire-pit.ts); this node's shards without it. */
  localAcross?: LocalAcross,
): Promise<Record<string, unknown>> {
  if (input.expression !== undefined) {
    throw errors.actionRequestValidation(['[indices] cannot be used with point in time. Do not specify any index with point in time.']);
  }
  const crossClusterId = pitIdOf(input.body)!;
  const plan: ClusterPlan = {
    // The local part reads the local point in time's indices, whatever the expression says.
    local: parts.local === undefined ? undefined : '',
    remotes: Object.keys(parts.remotes).map((alias) => ({ alias, expression: '' })),
  };
  // Each remote cluster gets the body with its own point in time id.
  const perCluster: RemoteClusters = {
    aliases: () => remotes.aliases(),
    skipUnavailable: (alias) => remotes.skipUnavailable(alias),
    search: (alias, remoteInput, remoteCaller) => remotes.search(alias, { ...remoteInput, body: withPitId(remoteInput.body, parts.remotes[alias]!) }, remoteCaller),
    fieldCaps: (alias, remoteInput, remoteCaller) => remotes.fieldCaps(alias, remoteInput, remoteCaller),
  };
  const localBody = parts.local === undefined ? input.body : withPitId(input.body, parts.local);
  const response = await searchAcrossClusters(service, { ...input, body: localBody }, plan, access, perCluster, caller, localAcross);
  return { pit_id: crossClusterId, ...response };
}
