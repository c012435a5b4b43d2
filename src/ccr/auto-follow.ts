/**
 * Cross-cluster replication auto-follow patterns (spec ccr.md §5): named collections of leader
 * index patterns on a remote cluster; a coordinator follows every new leader index that matches.
 *
 * Layout (style P1): a pure core — body validation, matching, `{{leader_index}}` templating,
 * candidate selection, bookkeeping pruning and the stats counters, all without clock or I/O — then
 * two thin shells: the leader-side listing action (`autoFollowLeaderActions`) and the follower-side
 * `AutoFollowService` (node.db table, REST operations, the polling coordinator).
 *
 * "Only new indices" (spec §5.3): on PUT, the leader indices that already match are recorded as
 * handled, exactly as if they had been followed; the coordinator follows what is not recorded.
 */
import type { Logger } from 'pino';
import { EsError, errors, type SqlDatabase } from '../common/index.js';
import { wildcardMatch } from '../index/index.js';
import type { IndexHandle, IndicesService } from '../index/index.js';
import { compilePermission, type RoleDescriptor } from '../security/index.js';
import type { Authentication } from '../security/types.js';
import type { StoredSubject } from './follower-records.js';
import { CCR_ACTIONS } from './leader.js';
import { isFollowParameterField, parseFollowParameters, renderFollowParameters } from './parameters.js';
import type { CcrRemote } from './service.js';

/**
 * Strait-internal leader actions. Elasticsearch reads the leader's cluster state
 * (`cluster:monitor/state`), which Strait's remote side already serves for sniffing as `_system`
 * without index data; rather than widen that action, the leader index list and the pattern
 * privilege check get their own names under `indices:internal/cross_cluster/ccr/`, which the
 * `cross_cluster_replication` index privilege covers (so a cross-cluster key's replication access
 * applies on the remote cluster interface).
 */
export const AUTO_FOLLOW_ACTIONS = {
  leaderIndices: 'indices:internal/cross_cluster/ccr/auto_follow/leader_indices',
  checkPatterns: 'indices:internal/cross_cluster/ccr/auto_follow/check_patterns',
} as const;

/** Limits (style P4). */
export const autoFollowLimits = {
  pollIntervalMs: 1_000, // ours: Elasticsearch long-polls the leader's metadata version; we poll the index list this often
  recentErrorsMax: 256, // AutoFollowCoordinator's MAX_AUTO_FOLLOW_ERRORS
  nameBytesMax: 255, // PutAutoFollowPatternAction's MAX_NAME_BYTES
  patternsMax: 1_000, // ours: auto-follow patterns per cluster
  leaderIndicesMax: 100_000, // ours: leader indices one listing answers
} as const;

const DEFAULT_FOLLOW_INDEX_PATTERN = '{{leader_index}}';
const PUT_FIELDS = new Set(['remote_cluster', 'leader_index_patterns', 'leader_index_exclusion_patterns', 'follow_index_pattern', 'settings']);

// ------------------------------------------------------------------ pure core

/** One leader index as the listing action reports it. */
export interface LeaderIndexEntry {
  readonly name: string;
  readonly uuid: string;
  readonly open: boolean;
  readonly creation_date: number;
  readonly soft_deletes: boolean;
  /** The data stream the index backs, if any: a pattern matching the stream's name covers its backing indices. */
  readonly data_stream?: string;
}

/** What a PUT body says (validated). */
export interface AutoFollowPatternSpec {
  readonly remoteCluster: string;
  readonly leaderIndexPatterns: readonly string[];
  readonly leaderIndexExclusionPatterns: readonly string[];
  readonly followIndexPattern: string;
  readonly settings: Record<string, unknown> | undefined;
  /** The follow parameters given, by wire name, as given (validated). */
  readonly parameters: Record<string, unknown>;
}

/** A stored pattern: the spec, whether active, who put it, and the leader index uuids already handled. */
export interface AutoFollowPatternRecord extends AutoFollowPatternSpec {
  readonly name: string;
  readonly active: boolean;
  readonly subject: StoredSubject | undefined;
  readonly followedLeaderUuids: readonly string[];
}

/** A string array; a lone string is a one-element array (Elasticsearch's ObjectParser string arrays). */
function stringList(field: string, value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw errors.xContentParse(`[put_auto_follow_pattern_request] failed to parse field [${field}]`);
  return value as string[];
}

/**
 * Validates `PUT /_ccr/auto_follow/{name}` (spec §5.1, PutAutoFollowPatternAction.Request): unknown
 * fields and wrong shapes are parse errors; missing fields and bad names are collected into one
 * `action_request_validation_exception`, then the follow parameters are checked.
 */
export function parseAutoFollowPatternBody(name: string, body: unknown): AutoFollowPatternSpec {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.parse('request body is required');
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!PUT_FIELDS.has(key) && !isFollowParameterField(key)) throw errors.xContentParse(`[put_auto_follow_pattern_request] unknown field [${key}]`);
  }
  const remote = input['remote_cluster'];
  if (remote !== undefined && remote !== null && typeof remote !== 'string') throw errors.xContentParse('[put_auto_follow_pattern_request] failed to parse field [remote_cluster]');
  const inclusions = input['leader_index_patterns'] === undefined || input['leader_index_patterns'] === null ? [] : stringList('leader_index_patterns', input['leader_index_patterns']);
  const exclusions =
    input['leader_index_exclusion_patterns'] === undefined || input['leader_index_exclusion_patterns'] === null ? [] : stringList('leader_index_exclusion_patterns', input['leader_index_exclusion_patterns']);
  const template = input['follow_index_pattern'];
  if (template !== undefined && template !== null && typeof template !== 'string') throw errors.xContentParse('[put_auto_follow_pattern_request] failed to parse field [follow_index_pattern]');
  const settings = input['settings'];
  if (settings !== undefined && settings !== null && (typeof settings !== 'object' || Array.isArray(settings))) throw errors.xContentParse('[put_auto_follow_pattern_request] failed to parse field [settings]');
  const problems: string[] = [];
  if (name === '') problems.push('[name] is missing');
  else {
    if (name.includes(',')) problems.push("[name] name must not contain a ','");
    if (name.startsWith('_')) problems.push("[name] name must not start with '_'");
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes > autoFollowLimits.nameBytesMax) problems.push(`[name] name is too long (${bytes} > ${autoFollowLimits.nameBytesMax})`);
  }
  if (typeof remote !== 'string' || remote === '') problems.push('[remote_cluster] is missing');
  if (inclusions.length === 0) problems.push('[leader_index_patterns] is missing');
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  parseFollowParameters(input);
  const parameters: Record<string, unknown> = {};
  for (const wire of Object.keys(input)) if (isFollowParameterField(wire) && input[wire] !== undefined && input[wire] !== null) parameters[wire] = input[wire];
  return {
    remoteCluster: remote as string,
    leaderIndexPatterns: inclusions,
    leaderIndexExclusionPatterns: exclusions,
    followIndexPattern: typeof template === 'string' && template !== '' ? template : DEFAULT_FOLLOW_INDEX_PATTERN,
    settings: settings === undefined || settings === null ? undefined : (settings as Record<string, unknown>),
    parameters,
  };
}

/** An index the pattern covers: some inclusion matches and no exclusion does (spec §5.1). */
export function patternMatches(pattern: Pick<AutoFollowPatternSpec, 'leaderIndexPatterns' | 'leaderIndexExclusionPatterns'>, index: string): boolean {
  return pattern.leaderIndexPatterns.some((inclusion) => wildcardMatch(inclusion, index)) && !pattern.leaderIndexExclusionPatterns.some((exclusion) => wildcardMatch(exclusion, index));
}

/** Elasticsearch's AutoFollowPattern.match: the index's name, or the name of the data stream it backs. */
export function leaderMatches(pattern: Pick<AutoFollowPatternSpec, 'leaderIndexPatterns' | 'leaderIndexExclusionPatterns'>, leader: LeaderIndexEntry): boolean {
  return patternMatches(pattern, leader.name) || (leader.data_stream !== undefined && patternMatches(pattern, leader.data_stream));
}

/** The follower name: every `{{leader_index}}` replaced by the leader index name. */
export function followerIndexName(template: string, leaderIndex: string): string {
  return template.split(DEFAULT_FOLLOW_INDEX_PATTERN).join(leaderIndex);
}

/** Leader uuids of the indices a new or replaced pattern treats as already handled (spec §5.3). */
export function existingMatches(pattern: Pick<AutoFollowPatternSpec, 'leaderIndexPatterns' | 'leaderIndexExclusionPatterns'>, leaderIndices: readonly LeaderIndexEntry[]): string[] {
  return leaderIndices.filter((index) => leaderMatches(pattern, index)).map((index) => index.uuid);
}

/** Bookkeeping of leader indices that are gone is dropped (spec §5.3), so the list stays bounded. */
export function pruneFollowed(followed: readonly string[], leaderIndices: readonly LeaderIndexEntry[]): string[] {
  const present = new Set(leaderIndices.map((index) => index.uuid));
  return followed.filter((uuid) => present.has(uuid));
}

/**
 * One change of a stored pattern: the next record from the current one (undefined: none). Pure,
 * so a writer that finds the record changed under it (many nodes: a compare-and-swap on etcd that
 * lost) applies the same change again to the newer record; returning `current` itself means
 * nothing to write. A change may throw (an EsError for the caller) when the record is not there.
 */
export type PatternChange = (current: AutoFollowPatternRecord | undefined) => AutoFollowPatternRecord | undefined;

const missingPattern = (name: string): EsError => errors.resourceNotFound(`auto-follow pattern [${name}] is missing`);

/**
 * `PUT /_ccr/auto_follow/{name}`: the new spec, active, as `subject`; a replaced pattern keeps
 * what it handled and adds `matching` (the leader indices that match now), pruned to `present`.
 */
export function putPatternChange(name: string, spec: AutoFollowPatternSpec, subject: StoredSubject | undefined, matching: readonly string[], present: readonly LeaderIndexEntry[]): PatternChange {
  return (current) => {
    const followed = new Set([...(current?.followedLeaderUuids ?? []), ...matching]);
    return { ...spec, name, active: true, subject, followedLeaderUuids: pruneFollowed([...followed], present) };
  };
}

/** `DELETE /_ccr/auto_follow/{name}`: 404 when it is not there. */
export function deletePatternChange(name: string): PatternChange {
  return (current) => {
    if (current === undefined) throw missingPattern(name);
    return undefined;
  };
}

/** `POST /_ccr/auto_follow/{name}/pause|resume`: only `active` changes (what it handled stays); 404 when it is not there. */
export function activatePatternChange(name: string, active: boolean): PatternChange {
  return (current) => {
    if (current === undefined) throw missingPattern(name);
    return current.active === active ? current : { ...current, active };
  };
}

/**
 * The coordinator's bookkeeping: `uuids` join the handled leader indices (pruned to `present`
 * when given); nothing else changes, so a pause or a PUT made meanwhile stays. A deleted pattern
 * stays deleted.
 */
export function handledPatternChange(uuids: readonly string[], present?: readonly LeaderIndexEntry[]): PatternChange {
  return (current) => {
    if (current === undefined) return undefined;
    const followed = [...new Set([...current.followedLeaderUuids, ...uuids])];
    const next = present === undefined ? followed : pruneFollowed(followed, present);
    const unchanged = next.length === current.followedLeaderUuids.length && next.every((uuid, at) => uuid === current.followedLeaderUuids[at]);
    return unchanged ? current : { ...current, followedLeaderUuids: next };
  };
}

/** What the coordinator does for one pattern in one round. */
export interface AutoFollowPlan {
  /** Follow these (templated follower name). */
  readonly follow: readonly { readonly leader: LeaderIndexEntry; readonly followerIndex: string }[];
  /** Not followed, an error per index (recorded under `<pattern>:<index>`); `handled` ones are not retried. */
  readonly failures: readonly { readonly leader: LeaderIndexEntry; readonly error: EsError; readonly handled: boolean }[];
}

/**
 * Candidate selection (spec §5.3, AutoFollowCoordinator): open leader indices that the pattern
 * matches and has not handled; an index another pattern for the same remote also matches is not
 * followed by either (an error each round); one without soft deletes is an error once, then handled.
 */
export function planAutoFollow(
  pattern: AutoFollowPatternRecord,
  others: readonly Pick<AutoFollowPatternRecord, 'name' | 'remoteCluster' | 'leaderIndexPatterns' | 'leaderIndexExclusionPatterns'>[],
  leaderIndices: readonly LeaderIndexEntry[],
): AutoFollowPlan {
  const handled = new Set(pattern.followedLeaderUuids);
  const rivals = others.filter((other) => other.name !== pattern.name && other.remoteCluster === pattern.remoteCluster);
  const follow: { leader: LeaderIndexEntry; followerIndex: string }[] = [];
  const failures: { leader: LeaderIndexEntry; error: EsError; handled: boolean }[] = [];
  for (const leader of leaderIndices) {
    if (!leader.open || handled.has(leader.uuid) || !leaderMatches(pattern, leader)) continue;
    const conflicting = rivals.filter((other) => leaderMatches(other, leader)).map((other) => other.name);
    if (conflicting.length > 0) {
      failures.push({ leader, handled: false, error: new EsError(500, 'exception', `index to follow [${leader.name}] for pattern [${pattern.name}] matches with other patterns [${conflicting.join(', ')}]`) });
      continue;
    }
    if (!leader.soft_deletes) {
      failures.push({ leader, handled: true, error: errors.illegalArgument(`index [${leader.name}] cannot be followed, because soft deletes are not enabled`) });
      continue;
    }
    follow.push({ leader, followerIndex: followerIndexName(pattern.followIndexPattern, leader.name) });
  }
  return { follow, failures };
}

/** The `auto_follow_stats` counters (spec §3.7); time arrives as an input. */
export class AutoFollowStats {
  successful = 0;
  failedFollow = 0;
  failedRemoteState = 0;
  /** Error key → when and what; insertion order is recency (oldest dropped first). */
  private readonly recent = new Map<string, { timestampMs: number; error: EsError }>();
  private readonly clusters = new Map<string, { lastCheckMs: number; metadataVersion: number }>();

  private remember(key: string, timestampMs: number, error: EsError): void {
    this.recent.delete(key);
    this.recent.set(key, { timestampMs, error });
    if (this.recent.size > autoFollowLimits.recentErrorsMax) this.recent.delete(this.recent.keys().next().value as string);
  }

  remoteStateFailed(pattern: string, nowMs: number, error: EsError): void {
    this.failedRemoteState += 1;
    this.remember(pattern, nowMs, error);
  }

  remoteStateFetched(pattern: string, alias: string, nowMs: number, metadataVersion: number): void {
    this.recent.delete(pattern);
    this.clusters.set(alias, { lastCheckMs: nowMs, metadataVersion });
  }

  followFailed(pattern: string, index: string, nowMs: number, error: EsError): void {
    this.failedFollow += 1;
    this.remember(`${pattern}:${index}`, nowMs, error);
  }

  followSucceeded(pattern: string, index: string): void {
    this.successful += 1;
    this.recent.delete(`${pattern}:${index}`);
  }

  /** Remotes no active pattern references any more drop out of `auto_followed_clusters`. */
  retainClusters(aliases: ReadonlySet<string>): void {
    for (const alias of [...this.clusters.keys()]) if (!aliases.has(alias)) this.clusters.delete(alias);
  }

  render(nowMs: number): Record<string, unknown> {
    return {
      number_of_failed_follow_indices: this.failedFollow,
      number_of_failed_remote_cluster_state_requests: this.failedRemoteState,
      number_of_successful_follow_indices: this.successful,
      recent_auto_follow_errors: [...this.recent].map(([key, entry]) => ({
        leader_index: key,
        timestamp: entry.timestampMs,
        auto_follow_exception: { type: entry.error.type, reason: entry.error.message },
      })),
      auto_followed_clusters: [...this.clusters].map(([alias, entry]) => ({
        cluster_name: alias,
        time_since_last_check_millis: Math.max(0, nowMs - entry.lastCheckMs),
        last_seen_metadata_version: entry.metadataVersion,
      })),
    };
  }
}

/** The `pattern` object of GET (spec §5.2): follow parameters and settings only when they were given. */
export function renderPattern(record: AutoFollowPatternRecord): Record<string, unknown> {
  const rendered = renderFollowParameters(parseFollowParameters(record.parameters));
  const parameters: Record<string, unknown> = {};
  for (const wire of Object.keys(record.parameters)) parameters[wire] = rendered[wire];
  return {
    active: record.active,
    remote_cluster: record.remoteCluster,
    leader_index_patterns: record.leaderIndexPatterns,
    leader_index_exclusion_patterns: record.leaderIndexExclusionPatterns,
    follow_index_pattern: record.followIndexPattern,
    ...(record.settings !== undefined ? { settings: record.settings } : {}),
    ...parameters,
  };
}

// ------------------------------------------------------------------ leader side (I/O shell)

/** Spec §2.3 step 6: following needs stats and shard_changes on the leader index. */
const FOLLOW_ACTIONS = [CCR_ACTIONS.leaderInfo, CCR_ACTIONS.shardChanges] as const;

/** Who asks, as the remote side describes the caller (src/remote/server.ts `RemoteActionAccess`). */
export interface AutoFollowLeaderAccess {
  allowsIndex(action: string, index: string): boolean;
  allowsCluster?(action: string): boolean;
  readonly model: 'certificate' | 'api_key' | 'none';
}

/**
 * Counts changes of the leader's index list and index metadata, so the follower can report
 * `last_seen_metadata_version`; it starts from the indices' own metadata versions.
 */
class MetadataVersion {
  value: number;
  constructor(indices: IndicesService) {
    this.value = indices.all().reduce((sum, handle) => sum + handle.metadata.version, 0);
    const bump = (): void => {
      this.value += 1;
    };
    indices.addListener({ indexCreated: bump, indexDeleted: bump, indexOpened: bump, indexClosed: bump, mappingChanged: bump });
  }
}

function entryOf(handle: IndexHandle, dataStream: string | undefined): LeaderIndexEntry {
  return {
    name: handle.name,
    uuid: handle.uuid,
    open: handle.metadata.state === 'open',
    creation_date: Number(handle.metadata.settings['index.creation_date'] ?? '0'),
    soft_deletes: handle.metadata.settings['index.soft_deletes.enabled'] !== 'false',
    ...(dataStream !== undefined ? { data_stream: dataStream } : {}),
  };
}

/**
 * The leader-side actions (served through the remote side's `extraActions`, both interfaces):
 * - the index list, as Elasticsearch's cluster-state metadata request: reading cluster state needs
 *   `cluster:monitor/state` (`read_ccr`; a replication key's `_system` has it), and only indices the
 *   caller may `indices:monitor/stats` are listed, so nothing leaks beyond what it may follow;
 * - the PUT-time check that the caller may follow the pattern strings themselves (spec §5.1).
 */
export function autoFollowLeaderActions(indices: IndicesService): { action: string; remoteCluster: boolean; run(body: Record<string, unknown>, access: AutoFollowLeaderAccess): unknown }[] {
  const version = new MetadataVersion(indices);
  return [
    {
      action: AUTO_FOLLOW_ACTIONS.leaderIndices,
      remoteCluster: true,
      run: (_body, access) => {
        if (access.allowsCluster !== undefined && !access.allowsCluster('cluster:monitor/state')) {
          throw errors.securityForbidden('action [cluster:monitor/state] is unauthorized for the auto-follow pattern\'s user on the leader cluster');
        }
        const listed = indices
          .all()
          .filter((handle) => access.allowsIndex(CCR_ACTIONS.leaderInfo, handle.name))
          .slice(0, autoFollowLimits.leaderIndicesMax)
          .map((handle) => entryOf(handle, indices.dataStreamOf(handle.name)));
        return { metadata_version: version.value, indices: listed };
      },
    },
    {
      action: AUTO_FOLLOW_ACTIONS.checkPatterns,
      remoteCluster: true,
      run: (body, access) => {
        const patterns = body['patterns'];
        if (!Array.isArray(patterns) || !patterns.every((pattern) => typeof pattern === 'string')) throw errors.badRequest('malformed cross-cluster replication request: [patterns] is required');
        // A pattern string is checked as an index name: a role pattern grants it when it covers it.
        for (const pattern of patterns as string[]) {
          const missing = FOLLOW_ACTIONS.filter((action) => !access.allowsIndex(action, pattern));
          if (missing.length === 0) continue;
          const detail = access.model === 'certificate' ? missing.map((action) => `, privilege for action [${action}] is missing`).join('') : '';
          throw errors.securityForbidden(`insufficient privileges to follow index [${pattern}]${detail}`);
        }
        return { acknowledged: true };
      },
    },
  ];
}

/** Under the API key model the listing runs as `_system`: the key's replication access alone decides (spec §7.3). */
export function isAutoFollowSystemAction(action: string): boolean {
  return action === AUTO_FOLLOW_ACTIONS.leaderIndices;
}

// ------------------------------------------------------------------ follower side (I/O shell)

/** What the coordinator needs of the follower service. */
export interface AutoFollowFollower {
  followAs(followerName: string, body: Record<string, unknown>, subject: StoredSubject | undefined): Promise<unknown>;
  /** True when `followerName` already follows `leaderIndex` on `alias` (a round cut short by a restart made it). */
  follows(followerName: string, alias: string, leaderIndex: string): boolean;
}

export interface AutoFollowServiceOptions {
  readonly db: SqlDatabase;
  readonly remote: CcrRemote;
  readonly follower: AutoFollowFollower;
  readonly descriptorSets: ((authentication: Authentication) => RoleDescriptor[][]) | undefined;
  readonly nowMs: () => number;
  readonly log: Logger;
  readonly pollIntervalMs?: number;
  /** A node of a multi-node cluster: it follows nothing before `attachCluster`, then only while it coordinates. */
  readonly multiNode?: boolean;
}

/**
 * A follower cluster of many nodes (src/node/wire-ccr-follower.ts implements it). As in
 * Elasticsearch, the patterns (with the leader uuids each already handled, AutoFollowMetadata)
 * are the cluster's, seen by every node, and one coordinator, on the elected master, follows.
 */
export interface AutoFollowCluster {
  /** True on the node that runs the coordinator (the elected master). */
  coordinates(): boolean;
  /**
   * Applies `change` to the cluster's record of pattern `name` as one compare-and-swap (re-applied
   * to the newer record when another node wrote it first), so no writer's change is lost; resolves
   * with the record written or kept once this node holds it.
   */
  change(name: string, change: PatternChange): Promise<AutoFollowPatternRecord | undefined>;
  /** The coordinator's `auto_follow_stats` (asked of the master unless this node is it). */
  coordinatorStats(): Promise<Record<string, unknown>>;
}

interface LeaderListing {
  readonly metadata_version: number;
  readonly indices: readonly LeaderIndexEntry[];
}

/**
 * Elasticsearch runs the auto-follow put-follow with the pattern's stored headers, so the follower
 * side authorizes it as that user: `manage_ccr` and `manage_follow_index` on the follower name
 * (the same checks as `PUT /{follower}/_ccr/follow`). Undefined subject: security is off.
 */
export function checkFollowerSidePrivileges(subject: StoredSubject | undefined, followerIndex: string): void {
  if (subject === undefined) return;
  const permissions = subject.descriptorSets.map((set) => compilePermission([...set]));
  const user = subject.authentication.user;
  const roles = ` with effective roles [${[...user.roles].sort().join(',')}]`;
  if (!permissions.every((permission) => permission.allowsCluster('cluster:admin/xpack/ccr/resume_follow'))) {
    throw errors.actionDenied('cluster:admin/xpack/ccr/resume_follow', user.username, roles);
  }
  if (!permissions.every((permission) => permission.allowsIndex('indices:admin/xpack/ccr/put_follow', followerIndex))) {
    throw errors.actionDenied('indices:admin/xpack/ccr/put_follow', user.username, `${roles} on indices [${followerIndex}]`);
  }
}

function asEsError(error: unknown): EsError {
  return error instanceof EsError ? error : errors.internal(error instanceof Error ? error.message : String(error));
}

export class AutoFollowService {
  private readonly stats = new AutoFollowStats();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** Set on a node of a multi-node cluster (`attachCluster`). */
  private cluster: AutoFollowCluster | undefined;

  constructor(private readonly options: AutoFollowServiceOptions) {
    options.db.exec('CREATE TABLE IF NOT EXISTS ccr_auto_follow_patterns (name TEXT PRIMARY KEY, record TEXT NOT NULL)');
  }

  // ------------------------------------------------------------------ storage

  private all(): AutoFollowPatternRecord[] {
    return (this.options.db.prepare('SELECT record FROM ccr_auto_follow_patterns ORDER BY name').all() as { record: string }[]).map((row) => JSON.parse(row.record) as AutoFollowPatternRecord);
  }

  private find(name: string): AutoFollowPatternRecord | undefined {
    const row = this.options.db.prepare('SELECT record FROM ccr_auto_follow_patterns WHERE name = ?').get(name) as { record: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.record) as AutoFollowPatternRecord);
  }

  /**
   * Changes one pattern: on many nodes in the cluster's shared patterns (which every node
   * mirrors), by compare-and-swap; on one node in one node.db transaction.
   */
  private async change(name: string, change: PatternChange): Promise<AutoFollowPatternRecord | undefined> {
    if (this.cluster !== undefined) return this.cluster.change(name, change);
    return this.options.db.transaction(() => {
      const current = this.find(name);
      const next = change(current);
      if (next !== current) {
        if (next === undefined) this.options.db.prepare('DELETE FROM ccr_auto_follow_patterns WHERE name = ?').run(name);
        else this.storeLocal(next);
      }
      return next;
    })();
  }

  private storeLocal(record: AutoFollowPatternRecord): void {
    this.options.db
      .prepare('INSERT INTO ccr_auto_follow_patterns (name, record) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET record = excluded.record')
      .run(record.name, JSON.stringify(record));
  }

  // ------------------------------------------------------------------ many nodes

  /** A multi-node node: patterns are shared, and only the coordinating node (the master) follows. */
  attachCluster(cluster: AutoFollowCluster): void {
    this.cluster = cluster;
  }

  /** Many nodes: a shared pattern (undefined: deleted), mirrored into node.db; the coordinator acts on a new or resumed one soon. */
  applyShared(name: string, record: AutoFollowPatternRecord | undefined): void {
    if (record === undefined) this.options.db.prepare('DELETE FROM ccr_auto_follow_patterns WHERE name = ?').run(name);
    else this.storeLocal(record);
    if (record?.active === true && this.cluster?.coordinates() === true) this.wake();
  }

  /** Many nodes: the names this node holds (a full load of the shared patterns removes those the cluster no longer has). */
  names(): string[] {
    return this.all().map((record) => record.name);
  }

  private existing(name: string): AutoFollowPatternRecord {
    const record = this.find(name);
    if (record === undefined) throw errors.resourceNotFound(`auto-follow pattern [${name}] is missing`);
    return record;
  }

  private listing(alias: string, subject: StoredSubject | undefined): Promise<LeaderListing> {
    return this.options.remote.send(alias, AUTO_FOLLOW_ACTIONS.leaderIndices, {}, subject) as Promise<LeaderListing>;
  }

  // ------------------------------------------------------------------ REST operations

  /**
   * `PUT /_ccr/auto_follow/{name}` (spec §5.1): validation, the alias, the caller's leader-side
   * rights on the pattern strings, then the leader indices that match now are recorded as handled.
   */
  async put(name: string, body: unknown, authentication: Authentication): Promise<void> {
    const spec = parseAutoFollowPatternBody(name, body);
    if (!this.options.remote.aliases().includes(spec.remoteCluster)) throw errors.noSuchRemoteCluster(spec.remoteCluster);
    const previous = this.find(name);
    if (previous === undefined && this.all().length >= autoFollowLimits.patternsMax) {
      throw errors.illegalArgument(`cannot put more than [${autoFollowLimits.patternsMax}] auto-follow patterns`);
    }
    const subject = this.options.descriptorSets === undefined ? undefined : { authentication, descriptorSets: this.options.descriptorSets(authentication) };
    if (subject !== undefined) {
      await this.options.remote.send(spec.remoteCluster, AUTO_FOLLOW_ACTIONS.checkPatterns, { patterns: [...spec.leaderIndexPatterns] }, subject);
    }
    const listing = await this.listing(spec.remoteCluster, subject);
    // A replaced pattern keeps what it handled (applied to the stored record at the write: a round
    // may have followed meanwhile) and adds what matches now (Elasticsearch's put).
    const stored = await this.change(name, putPatternChange(name, spec, subject, existingMatches(spec, listing.indices), listing.indices));
    this.options.log.info({ pattern: name, remote_cluster: spec.remoteCluster, already_present: stored?.followedLeaderUuids.length ?? 0 }, 'put auto-follow pattern');
    this.wake();
  }

  /** `GET /_ccr/auto_follow[/{name}]` (spec §5.2). */
  get(name: string | undefined): Record<string, unknown> {
    const records = name === undefined || name === '' ? this.all() : [this.existing(name)];
    return { patterns: records.map((record) => ({ name: record.name, pattern: renderPattern(record) })) };
  }

  /** `DELETE /_ccr/auto_follow/{name}`: followers it created stay (they are ordinary followers). */
  async delete(name: string): Promise<void> {
    this.existing(name);
    await this.change(name, deletePatternChange(name));
    this.options.log.info({ pattern: name }, 'deleted auto-follow pattern');
  }

  /** `POST /_ccr/auto_follow/{name}/pause|resume` (spec §5.2): indices created while paused are followed after resume. */
  async activate(name: string, active: boolean): Promise<void> {
    this.existing(name);
    // Only `active` changes, on the stored record: the coordinator's handled indices recorded
    // meanwhile stay, and its later bookkeeping keeps this pause (both are compare-and-swaps).
    await this.change(name, activatePatternChange(name, active));
    this.options.log.info({ pattern: name, active }, active ? 'resumed auto-follow pattern' : 'paused auto-follow pattern');
    if (active) this.wake();
  }

  /** `auto_follow_stats` of `GET /_ccr/stats` (spec §3.7): on many nodes, the coordinator's (the master's). */
  statsJson(): Record<string, unknown> | Promise<Record<string, unknown>> {
    if (this.cluster !== undefined) return this.cluster.coordinatorStats();
    return this.localStats();
  }

  /** This node's coordinator counters (a multi-node master answers the other nodes with them). */
  localStats(): Record<string, unknown> {
    return this.stats.render(this.options.nowMs());
  }

  // ------------------------------------------------------------------ coordinator

  start(): void {
    this.schedule(0);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running !== undefined) return this.schedule(this.options.pollIntervalMs ?? autoFollowLimits.pollIntervalMs);
      this.running = this.round()
        .catch((error: unknown) => this.options.log.warn({ reason: (error as Error).message }, 'auto-follow round failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.pollIntervalMs ?? autoFollowLimits.pollIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** A change (put, resume) is acted on soon rather than at the next interval. */
  private wake(): void {
    if (this.running === undefined) this.schedule(0);
  }

  /** One pass over the active patterns (spec §5.3), each as the identity stored with it. */
  async round(): Promise<void> {
    // Many nodes: one coordinator, on the elected master (Elasticsearch's AutoFollowCoordinator);
    // what it handled is in the shared patterns, so a new master does not follow an index twice.
    if (this.options.multiNode === true && (this.cluster === undefined || !this.cluster.coordinates())) return;
    const patterns = this.all();
    const active = patterns.filter((pattern) => pattern.active);
    this.stats.retainClusters(new Set(active.map((pattern) => pattern.remoteCluster)));
    for (const pattern of active) {
      if (this.closed) return;
      let listing: LeaderListing;
      try {
        if (!this.options.remote.aliases().includes(pattern.remoteCluster)) throw errors.noSuchRemoteCluster(pattern.remoteCluster);
        listing = await this.listing(pattern.remoteCluster, pattern.subject);
      } catch (error) {
        this.stats.remoteStateFailed(pattern.name, this.options.nowMs(), asEsError(error));
        this.options.log.debug({ pattern: pattern.name, reason: (error as Error).message }, 'auto-follow could not list the leader indices');
        continue;
      }
      this.stats.remoteStateFetched(pattern.name, pattern.remoteCluster, this.options.nowMs(), listing.metadata_version);
      const plan = planAutoFollow(pattern, patterns, listing.indices);
      const handled: string[] = [];
      for (const failure of plan.failures) {
        this.stats.followFailed(pattern.name, failure.leader.name, this.options.nowMs(), failure.error);
        if (failure.handled) handled.push(failure.leader.uuid);
      }
      for (const { leader, followerIndex } of plan.follow) {
        if (this.closed) return;
        // Paused or deleted meanwhile: stop following for this pattern.
        const current = this.find(pattern.name);
        if (current === undefined || !current.active || (this.cluster !== undefined && !this.cluster.coordinates())) break;
        if (this.options.follower.follows(followerIndex, pattern.remoteCluster, leader.name)) {
          await this.markHandled(pattern.name, [leader.uuid]);
          continue;
        }
        try {
          checkFollowerSidePrivileges(pattern.subject, followerIndex);
          await this.options.follower.followAs(
            followerIndex,
            {
              remote_cluster: pattern.remoteCluster,
              leader_index: leader.name,
              // A renaming pattern renames the local data stream as it renames the backing index.
              ...(leader.data_stream !== undefined && pattern.followIndexPattern !== DEFAULT_FOLLOW_INDEX_PATTERN
                ? { data_stream_name: followerIndexName(pattern.followIndexPattern, leader.data_stream) }
                : {}),
              ...(pattern.settings !== undefined ? { settings: pattern.settings } : {}),
              ...pattern.parameters,
            },
            pattern.subject,
          );
          // Recorded at once, so a restart in the middle of a round does not follow it again.
          await this.markHandled(pattern.name, [leader.uuid]);
          this.stats.followSucceeded(pattern.name, leader.name);
          this.options.log.info({ pattern: pattern.name, leader: leader.name, follower: followerIndex }, 'auto-followed a new leader index');
        } catch (error) {
          this.stats.followFailed(pattern.name, leader.name, this.options.nowMs(), asEsError(error));
          this.options.log.info({ pattern: pattern.name, leader: leader.name, reason: (error as Error).message }, 'auto-follow of a leader index failed');
        }
      }
      await this.markHandled(pattern.name, handled, listing.indices);
    }
  }

  /** Adds leader uuids to a pattern's handled list, pruning vanished leaders; a pause or PUT made meanwhile stays. */
  private async markHandled(name: string, uuids: readonly string[], present?: readonly LeaderIndexEntry[]): Promise<void> {
    // Unchanged: nothing to write (on many nodes every write is a shared one).
    const latest = this.find(name);
    if (latest === undefined || handledPatternChange(uuids, present)(latest) === latest) return;
    await this.change(name, handledPatternChange(uuids, present));
  }
}
