/**
 * The indices service (I/O shell): index metadata (create, delete, mappings, settings, aliases,
 * open/close, blocks) kept in memory and persisted in the node database, plus one ShardStore per
 * open index. Pure rules live in names.ts, settings.ts, expression.ts, routing.ts and mapping/.
 *
 * Disk layout: `<path.data>/indices/<index uuid>/shard-<n>.db`, one store per shard of
 * `index.number_of_shards` (see store/shard-store.ts); an index made before shards existed has
 * only `shard-0.db`, which is its one shard.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { segmentInputsDigest } from './segment-inputs.js';
import type { Logger } from 'pino';
import { assert, errors, EsError, type SqlDatabase } from '../common/index.js';
import { timeValueMsOrReason } from '../common/time-value.js';
import {
  allowAllAccess,
  resolveIndexExpression,
  resolveSingleIndex,
  resolveWriteIndex,
  wildcardMatch,
  type AliasView,
  type IndexAccess,
  type IndexView,
  type IndicesOptions,
} from './expression.js';
import { checkFieldLimits, checkAnalysisNames, flattenMapping, mergeMappings, parseMapping, type FlattenedMapping, type RootMapping } from './mapping/index.js';
import { analyzersOf, normalizersOf, storedAnalyzersOf, storedNormalizersOf } from './analysis/index.js';
import { validateIndexName } from './names.js';
import { isDateMathName, resolveDateMathExpression, resolveDateMathName } from './date-math-names.js';
import { checkShardLimit, maxShardsPerNodeDefault, shardCopies } from './shard-limit.js';
import { autoCreateIndexAllowAll, checkAutoCreateIndex, parseAutoCreateIndex, type AutoCreateIndexRule } from './auto-create.js';
import {
  applySettingsUpdate,
  INDEX_VERSION_CREATED,
  parseCreateSettings,
  settingBoolean,
  settingInteger,
  settingValue,
  withAutoExpandedReplicas,
  type FlatSettings,
} from './settings.js';
import { routingLayoutOf, shardNumber, validateRoutingShards } from './routing.js';
import { MetadataStore, ShardStore, type AliasMetadata, type Durability, type IndexMetadata, type Operation, type StoredDocument } from './store/index.js';
import { SqlStoredScripts } from './script/stored.js';
import type { WalCheckpointer } from './store/wal-checkpointer.js';
import type { Segment } from './engine/index.js';
import type { DocMetadata } from './searcher/searcher-state.js';

/**
 * One index as the rest of the node sees it. `shards` (one store per shard number, each with its
 * own operation history, seq_no and primary term) is undefined while the index is closed.
 */
export interface IndexHandle {
  readonly name: string;
  readonly uuid: string;
  readonly metadata: IndexMetadata;
  readonly shards: readonly ShardStore[] | undefined;
  readonly mapping: FlattenedMapping;
}

/**
 * Hooks for the search engine (and later cross-cluster replication). All are called synchronously
 * after the change is committed.
 */
export interface IndexListener {
  indexCreated?(index: IndexHandle): void;
  indexDeleted?(index: { readonly name: string; readonly uuid: string }): void;
  indexOpened?(index: IndexHandle): void;
  indexClosed?(index: { readonly name: string; readonly uuid: string }): void;
  mappingChanged?(index: IndexHandle): void;
  /** Shard `shard`'s store was replaced by an empty one (`resetShard`): what was built from the old one is stale. */
  shardReset?(index: IndexHandle, shard: number): void;
  /** A write was committed at `seqNo` on shard `shard` (not yet searchable). */
  written?(index: IndexHandle, seqNo: number, shard: number): void;
  /** Operations of shard `shard` up to `maxSeqNo` must become searchable (refresh API, `refresh=true|wait_for`, refresh_interval). */
  refreshed?(index: IndexHandle, shard: number, maxSeqNo: number, scheduled?: boolean): void;
  /** As `refreshed`, for a refresh somebody waits for that may be done stepwise: settles when the operations are searchable. */
  refreshedStepwise?(index: IndexHandle, shard: number, maxSeqNo: number): Promise<void>;
  /** A follower's bootstrap copied these documents into shard `shard`'s store (committed; not searchable yet). */
  imported?(index: IndexHandle, shard: number, documents: readonly StoredDocument[]): void;
  /**
   * The bootstrap's copy into shard `shard` ended (`finishFollowerImport`): settles when what was
   * built from it is ready, or, with `copied`, when the leader's segment files copied with it are.
   */
  importFinished?(index: IndexHandle, shard: number, copied?: CopiedSegmentFiles): Promise<void>;
  /** Shard `shard`'s searchable state as files, at the store's max seq_no (a follower's bootstrap copies them); undefined when there are none. */
  segmentFiles?(index: IndexHandle, shard: number): SegmentFilesSnapshot | undefined;
}

/** One search segment as files: `<name>.seg` and `<name>.meta` (searcher-files.ts), its deletes beside them. */
export interface SegmentFileEntry {
  readonly name: string;
  readonly maxDoc: number;
  /** Deleted doc ids (the files hold every document; deletes live beside them, as in the manifest). */
  readonly deleted: readonly number[];
}

/**
 * A shard's searchable state as files, consistent with its store at `refreshedSeqNo`: the files
 * stay readable through `paths` while the caller holds them open, even once merged away.
 */
export interface SegmentFilesSnapshot {
  readonly refreshedSeqNo: number;
  readonly nextSegmentNumber: number;
  /** `segmentInputsDigest` of the index: a follower takes the files only when its own is the same. */
  readonly digest: string;
  readonly segments: readonly (SegmentFileEntry & { readonly directory: string })[];
}

/** Segment files a follower's bootstrap copied from its leader into `directory` (beside the documents). */
export interface CopiedSegmentFiles {
  readonly directory: string;
  readonly refreshedSeqNo: number;
  readonly nextSegmentNumber: number;
  readonly digest: string;
  readonly segments: readonly SegmentFileEntry[];
  /**
   * Segments of these files the copy loaded already (it stored their documents from them), by
   * name, with their deletes: taken as they are instead of loading their files again.
   */
  readonly loaded?: ReadonlyMap<string, { readonly segment: Segment; readonly metadata: DocMetadata }>;
}

export type BlockName = 'metadata' | 'read' | 'read_only' | 'write';

/** The create-index body's parts, as given. */
export interface CreateIndexInputs {
  readonly settings: unknown;
  readonly mappings: unknown;
  readonly aliases: unknown;
}

/**
 * Index templates and data streams (template-service.ts, data-stream-service.ts) plug in here, so
 * this service knows neither.
 */
export interface IndexCreationHooks {
  /** The create-index inputs with the matching templates' content underneath (the request wins). */
  applyTemplates(name: string, request: CreateIndexInputs): CreateIndexInputs;
  /**
   * A write to the missing name `name`: the write index of a data stream created for it, or
   * undefined to auto-create an index. Runs `checkDefault` (action.auto_create_index) unless a
   * matching template's `allow_auto_create` decides.
   */
  autoCreate(name: string, checkDefault: () => void): IndexHandle | undefined;
  /** The data streams an index backs, as aliases (the write index marked) for expression resolution. */
  streamAliases(index: string): ReadonlyArray<readonly [string, AliasView]>;
  /** Throws when these indices may not be deleted (a data stream's write index). */
  checkDelete(indices: readonly string[]): void;
  /** Throws when these indices may not be closed (a data stream's write index). */
  checkClose(indices: readonly string[]): void;
  /** Throws when this document operation may not go to `target` (data stream rules). */
  checkDocumentWrite(write: DocumentWriteCheck): void;
}

export interface DocumentWriteCheck {
  /** The name the request gave (a data stream, an alias or an index). */
  readonly target: string;
  readonly index: IndexHandle;
  readonly opType: 'index' | 'create' | 'update' | 'delete';
  readonly source?: unknown;
  /** The request carries if_seq_no and if_primary_term. */
  readonly conditional: boolean;
}

/** Elasticsearch's block descriptions (ClusterBlock id and description). */
const blockDescriptions: Readonly<Record<string, string>> = {
  'index.blocks.read_only': 'FORBIDDEN/5/index read-only (api)',
  'index.blocks.read': 'FORBIDDEN/7/index read (api)',
  'index.blocks.write': 'FORBIDDEN/8/index write (api)',
  'index.blocks.metadata': 'FORBIDDEN/9/index metadata (api)',
  'index.blocks.read_only_allow_delete': 'TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block',
};

export interface CreateIndexResult {
  readonly index: IndexHandle;
}

export interface OpenIndicesServiceOptions {
  readonly nodeDb: SqlDatabase;
  readonly pathData: string;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** Random bytes for uuids and auto-generated ids (defaults to node:crypto). */
  readonly randomBytes?: (size: number) => Buffer;
  /** Elasticsearch's `action.destructive_requires_name` (default true since 8.0). */
  readonly destructiveRequiresName?: boolean;
  /** How often the scheduled refresh checks `index.refresh_interval` (ms; 0 disables the timer). */
  readonly refreshTickMs?: number;
  /** Runs the shard stores' write-ahead log checkpoints on its thread; without it SQLite runs them inside commits. */
  readonly walCheckpointer?: WalCheckpointer;
  /**
   * A multi-node cluster's node: a shard file missing when an index's stores open (start, reopen)
   * is one whose data this node deleted (`releaseShard`); an empty store in memory stands in for
   * it and no file is made until the node is given a copy (`resetShard`). On one node every shard
   * is held, and a missing file is made empty, as before.
   */
  readonly missingShardFilesStayAbsent?: boolean;
}

class MutableHandle implements IndexHandle {
  /** Per shard: the highest seq_no made visible to search by the last refresh (-1: none). */
  refreshedSeqNos: number[];
  lastRefreshMs = 0;
  mapping: FlattenedMapping;
  constructor(
    public metadata: IndexMetadata,
    public shards: ShardStore[] | undefined,
  ) {
    this.refreshedSeqNos = (shards ?? []).map(() => -1);
    this.mapping = flattenMapping(metadata.mappings, storedNormalizersOf(metadata.settings), storedAnalyzersOf(metadata.settings));
  }
  get name(): string {
    return this.metadata.name;
  }
  get uuid(): string {
    return this.metadata.uuid;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The shard stores' fsync policy from `index.translog.durability` (Elasticsearch's default: request). */
function durabilityOf(settings: FlatSettings): Durability {
  return (settingValue(settings, 'index.translog.durability') ?? 'request') as Durability;
}

export class IndicesService {
  private readonly handles = new Map<string, MutableHandle>();
  private readonly listeners = new Set<IndexListener>();
  /** Follower shards (`uuid/shard`) whose bootstrap copies the leader's segment files with the documents. */
  private readonly segmentFileImports = new Set<string>();
  private readonly metadataStore: MetadataStore;
  private readonly randomBytes: (size: number) => Buffer;
  private destructiveRequiresName: boolean;
  private autoCreateIndex: AutoCreateIndexRule = autoCreateIndexAllowAll;
  private readonly destructiveRequiresNameDefault: boolean;
  private maxShardsPerNode = maxShardsPerNodeDefault;
  private refreshTimer: NodeJS.Timeout | undefined;
  private creationHooks: IndexCreationHooks | undefined;
  readonly log: Logger;
  readonly nowMs: () => number;
  readonly pathData: string;
  /** Stored scripts (`PUT _scripts/{id}`), which scripted updates and searches resolve by id. */
  readonly storedScripts: SqlStoredScripts;
  private readonly walCheckpointer: WalCheckpointer | undefined;
  private readonly missingShardFilesStayAbsent: boolean;

  constructor(options: OpenIndicesServiceOptions) {
    this.walCheckpointer = options.walCheckpointer;
    this.missingShardFilesStayAbsent = options.missingShardFilesStayAbsent ?? false;
    this.log = options.log;
    this.nowMs = options.nowMs;
    this.pathData = options.pathData;
    this.randomBytes = options.randomBytes ?? nodeRandomBytes;
    this.destructiveRequiresNameDefault = options.destructiveRequiresName ?? true;
    this.destructiveRequiresName = this.destructiveRequiresNameDefault;
    this.metadataStore = MetadataStore.open(options.nodeDb);
    this.storedScripts = SqlStoredScripts.open(options.nodeDb);
    for (const stored of this.metadataStore.loadAll()) {
      // Auto-expansion follows the data nodes at every start, as Elasticsearch's first reroute
      // does (this also corrects indices stored before Strait honoured it).
      const metadata: IndexMetadata = { ...stored, settings: withAutoExpandedReplicas(stored.settings) };
      const shards = metadata.state === 'open' ? this.openShardStores(metadata, this.missingShardFilesStayAbsent) : undefined;
      this.handles.set(metadata.name, new MutableHandle(metadata, shards));
    }
    this.removeOrphanDirectories();
    const tickMs = options.refreshTickMs ?? 200;
    if (tickMs > 0) {
      this.refreshTimer = setInterval(() => this.scheduledRefresh(), tickMs);
      this.refreshTimer.unref();
    }
  }

  // ---------------------------------------------------------------- state

  /** Directory of one index's shard files. */
  indexDirectory(uuid: string): string {
    return path.join(this.pathData, 'indices', uuid);
  }

  /**
   * Opens the store of every shard of the index, all or none: creating a missing file, or, with
   * `missingStayAbsent`, standing in for it with an empty store in memory.
   */
  private openShardStores(metadata: IndexMetadata, missingStayAbsent = false): ShardStore[] {
    const count = routingLayoutOf(metadata.settings).shards;
    const durability = durabilityOf(metadata.settings);
    const stores: ShardStore[] = [];
    try {
      for (let shard = 0; shard < count; shard++) {
        const file = path.join(this.indexDirectory(metadata.uuid), `shard-${shard}.db`);
        stores.push(missingStayAbsent && !existsSync(file) ? ShardStore.standIn(file, { indexUuid: metadata.uuid, durability }) : ShardStore.open(file, { indexUuid: metadata.uuid, durability, checkpointer: this.walCheckpointer }));
      }
    } catch (error) {
      for (const store of stores) store.close();
      throw error;
    }
    return stores;
  }

  private removeOrphanDirectories(): void {
    const root = path.join(this.pathData, 'indices');
    if (!existsSync(root)) return;
    const known = new Set([...this.handles.values()].map((handle) => handle.uuid));
    for (const entry of readdirSync(root)) {
      if (known.has(entry)) continue;
      // An index deleted (or never finished creating) before a crash: its metadata is gone.
      this.log.warn({ directory: entry }, 'removing the files of an index that has no metadata');
      rmSync(path.join(root, entry), { recursive: true, force: true });
    }
  }

  setCreationHooks(hooks: IndexCreationHooks): void {
    this.creationHooks = hooks;
  }

  /** The data stream `index` backs, if any (cross-cluster replication asks, leader side). */
  dataStreamOf(index: string): string | undefined {
    return this.creationHooks?.streamAliases(index).find(([, view]) => view.dataStream === true)?.[0];
  }

  /** Data stream rules for a document operation (no-op without data streams, or on a primary running a coordinated write). */
  checkDocumentWrite(write: DocumentWriteCheck): void {
    if (this.writesCheckedByCoordinatingNode) return;
    this.creationHooks?.checkDocumentWrite(write);
  }

  /**
   * Runs `write` (synchronous) on a primary for a multi-node cluster's coordinating node, which
   * already applied the data stream rules to the request's own target (the stream's name): the
   * shard request names the backing index itself, which those rules would refuse for op_type
   * create (as Elasticsearch checks them in TransportBulkAction, not on the shard).
   */
  writeCheckedByCoordinatingNode<T>(write: () => T): T {
    this.writesCheckedByCoordinatingNode = true;
    try {
      return write();
    } finally {
      this.writesCheckedByCoordinatingNode = false;
    }
  }
  private writesCheckedByCoordinatingNode = false;

  addListener(listener: IndexListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: (listener: IndexListener) => void): void {
    for (const listener of this.listeners) {
      try {
        event(listener);
      } catch (error) {
        this.log.error({ err: error }, 'an index listener failed');
      }
    }
  }

  /** All indices, sorted by name. */
  all(): IndexHandle[] {
    return [...this.handles.values()].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  }

  get(name: string): IndexHandle | undefined {
    return this.handles.get(name);
  }

  /** Index views for expression resolution. */
  views(): IndexView[] {
    return this.all().map((handle) => ({
      name: handle.name,
      open: handle.metadata.state === 'open',
      hidden: settingBoolean(handle.metadata.settings, 'index.hidden'),
      aliases: new Map([
        ...Object.entries(handle.metadata.aliases).map(([alias, definition]): [string, AliasView] => [
          alias,
          {
            ...(definition.is_write_index !== undefined ? { isWriteIndex: definition.is_write_index } : {}),
            ...(definition.is_hidden !== undefined ? { isHidden: definition.is_hidden } : {}),
          },
        ]),
        ...(this.creationHooks?.streamAliases(handle.name) ?? []),
      ]),
    }));
  }

  /** True when `name` is an alias or a data stream: a write target that is not itself an index. */
  isAliasOrDataStream(name: string): boolean {
    return this.aliasNames().has(name) || this.views().some((view) => view.aliases.get(name)?.dataStream === true);
  }

  /** All alias names in use. */
  aliasNames(): Set<string> {
    const names = new Set<string>();
    for (const handle of this.handles.values()) for (const alias of Object.keys(handle.metadata.aliases)) names.add(alias);
    return names;
  }

  /** Resolves a date math index name (`<logs-{now/d}>`) against the node's clock; other names as they are. */
  resolveDateMath(name: string): string {
    return isDateMathName(name) ? resolveDateMathName(name, this.nowMs()) : name;
  }

  /** Each element of an index expression with its date math resolved (`-<x-{now/d}>` too). */
  private resolveDateMathElements(expression: string | readonly string[] | undefined): string | readonly string[] | undefined {
    if (expression === undefined) return undefined;
    const nowMs = this.nowMs();
    if (typeof expression === 'string') return resolveDateMathExpression(expression, nowMs);
    return expression.map((element) => resolveDateMathExpression(element, nowMs));
  }

  resolve(expression: string | readonly string[] | undefined, options: IndicesOptions, access: IndexAccess = allowAllAccess): IndexHandle[] {
    const resolved = resolveIndexExpression(this.resolveDateMathElements(expression), this.views(), options, access);
    return resolved.indices.map((name) => this.handles.get(name)!).filter((handle) => handle !== undefined);
  }

  /**
   * Applies the dynamic cluster settings this service honours, at once (called at start with the
   * stored settings and after every accepted `PUT /_cluster/settings`): `action.destructive_requires_name`
   * and `action.auto_create_index`. A key that is absent falls back to the default.
   */
  applyClusterSettings(effective: Readonly<Record<string, string | readonly string[]>>): void {
    const destructive = effective['action.destructive_requires_name'];
    this.destructiveRequiresName = destructive === undefined ? this.destructiveRequiresNameDefault : String(destructive) === 'true';
    const autoCreate = effective['action.auto_create_index'];
    this.autoCreateIndex = autoCreate === undefined ? autoCreateIndexAllowAll : parseAutoCreateIndex(String(autoCreate));
    const maxShards = effective['cluster.max_shards_per_node'];
    this.maxShardsPerNode = maxShards === undefined ? maxShardsPerNodeDefault : Number(maxShards);
  }

  /**
   * The lowest seq_no that retention leases (cross-cluster replication) keep on an index, or
   * undefined without leases: operation history at or above it is never trimmed.
   */
  private retentionFloor: (index: IndexHandle, shard: number) => number | undefined = () => undefined;

  setRetentionFloor(floor: (index: IndexHandle, shard: number) => number | undefined): void {
    this.retentionFloor = floor;
  }

  /** Shard copies of the open indices (what `cluster.max_shards_per_node` counts). */
  private openShardCopies(): number {
    let open = 0;
    for (const handle of this.handles.values()) if (handle.metadata.state === 'open') open += shardCopies(handle.metadata.settings);
    return open;
  }

  /** Refuses `*`, `_all` and wildcards for destructive operations (action.destructive_requires_name). */
  checkDestructive(expression: string | undefined): void {
    if (!this.destructiveRequiresName) return;
    const elements = (expression ?? '_all').split(',');
    if (elements.some((element) => element === '_all' || (element.includes('*') && !element.startsWith('-')))) {
      throw errors.destructiveRequiresName();
    }
  }

  /** The handle of a single-index read target (index or single-index alias). */
  singleIndex(name: string): MutableHandle {
    const index = resolveSingleIndex(this.resolveDateMath(name), this.views());
    return this.handles.get(index)!;
  }

  /** The write target of `name`: its index, its alias's write index, or a new index (auto-create). */
  writeIndex(nameOrDateMath: string, options: { requireAlias?: boolean; requireDataStream?: boolean; authorizeCreate?: (index: string) => void } = {}): MutableHandle {
    const name = this.resolveDateMath(nameOrDateMath);
    const views = this.views();
    if (options.requireAlias && !views.some((view) => view.aliases.has(name))) {
      throw new EsError(404, 'index_not_found_exception', `no such index [${name}] and [require_alias] request flag is [true] and [${name}] is not an alias`, {
        extra: { 'resource.type': 'index_expression', 'resource.id': name, index_uuid: '_na_', index: name },
      });
    }
    const target = resolveWriteIndex(name, views);
    if ('index' in target) {
      // `require_data_stream=true`: the name must be a data stream (Elasticsearch's IndexNotFoundException wording).
      if (options.requireDataStream && (target.index === name || this.dataStreamOf(target.index) !== name)) {
        throw errors.indexNotFoundBecause(name, `[require_data_stream] request flag is [true] and [${name}] is not a data stream`);
      }
      return this.handles.get(target.index)!;
    }
    options.authorizeCreate?.(target.create);
    const checkDefault = (): void => checkAutoCreateIndex(this.autoCreateIndex, target.create);
    if (this.creationHooks === undefined) checkDefault();
    else {
      const streamWriteIndex = this.creationHooks.autoCreate(target.create, checkDefault);
      if (streamWriteIndex !== undefined) return this.handles.get(streamWriteIndex.name)!;
    }
    if (options.requireDataStream) {
      throw errors.indexNotFoundBecause(target.create, 'the index creation request requires a data stream, but no matching index template with data stream template was found for it');
    }
    return this.createIndex(target.create, undefined) as MutableHandle;
  }

  /** Throws unless the index is open; returns its shard stores (index = shard number). */
  openShardsOf(handle: IndexHandle): readonly ShardStore[] {
    if (handle.metadata.state !== 'open' || handle.shards === undefined) throw errors.indexClosed(handle.name, handle.uuid);
    return handle.shards;
  }

  /**
   * Drops one shard copy's documents and history and opens it empty (a peer recovery's full copy
   * follows, or the copy moved off this node: `reason` is logged); the index's other shards are
   * untouched. Throws unless the index is open.
   */
  resetShard(handle: IndexHandle, number: number, reason = 'reset a shard copy for a full copy from its primary'): ShardStore {
    return this.replaceShard(handle, number, reason, true);
  }

  /**
   * Deletes one shard's files (database, write-ahead log, search segments) once this node holds no
   * copy of it; an empty store in memory stands in for it until `resetShard` makes the file again
   * (the node is given a copy). Throws unless the index is open.
   */
  releaseShard(handle: IndexHandle, number: number, reason: string): ShardStore {
    return this.replaceShard(handle, number, reason, false);
  }

  private replaceShard(handle: IndexHandle, number: number, reason: string, onDisk: boolean): ShardStore {
    const mutable = this.handles.get(handle.name);
    if (mutable === undefined || mutable.uuid !== handle.uuid || mutable.shards === undefined) throw errors.indexClosed(handle.name, handle.uuid);
    const old = mutable.shards[number];
    assert(old !== undefined, `shard [${number}] of [${handle.name}] exists`);
    old.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${old.file}${suffix}`, { force: true });
    const durability = durabilityOf(mutable.metadata.settings);
    const store = onDisk ? ShardStore.open(old.file, { indexUuid: mutable.uuid, durability, checkpointer: this.walCheckpointer }) : ShardStore.standIn(old.file, { indexUuid: mutable.uuid, durability });
    mutable.shards[number] = store;
    mutable.refreshedSeqNos[number] = -1;
    this.log.info({ index: handle.name, uuid: handle.uuid, shard: number }, reason);
    this.emit((listener) => listener.shardReset?.(mutable, number));
    return store;
  }

  /** Throws unless the index is open; returns the store of shard `number`. */
  openShardOf(handle: IndexHandle, number: number): ShardStore {
    const shards = this.openShardsOf(handle);
    const store = shards[number];
    assert(store !== undefined, `shard [${number}] of [${handle.name}] exists`);
    return store;
  }

  /**
   * The shard a document lives on (Elasticsearch's routing formula over `routing`, or the id
   * without one). Throws unless the index is open.
   */
  routeDocument(handle: IndexHandle, id: string, routing: string | undefined): { readonly number: number; readonly store: ShardStore } {
    const shards = this.openShardsOf(handle);
    const number = shardNumber(routingLayoutOf(handle.metadata.settings), routing ?? id);
    return { number, store: shards[number]! };
  }

  checkReadBlock(handle: IndexHandle): void {
    if (settingBoolean(handle.metadata.settings, 'index.blocks.read')) {
      throw errors.indexBlocked(handle.name, blockDescriptions['index.blocks.read']!);
    }
  }

  checkWriteBlock(handle: IndexHandle, kind: 'write' | 'delete' = 'write'): void {
    const settings = handle.metadata.settings;
    // A cross-cluster replication follower takes writes from its leader only (spec ccr.md §4.3).
    if (settings['index.xpack.ccr.following_index'] === 'true') throw errors.followerWrite();
    for (const key of ['index.blocks.read_only', 'index.blocks.write']) {
      if (settingBoolean(settings, key)) throw errors.indexBlocked(handle.name, blockDescriptions[key]!);
    }
    if (kind === 'write' && settingBoolean(settings, 'index.blocks.read_only_allow_delete')) {
      throw errors.indexBlocked(handle.name, blockDescriptions['index.blocks.read_only_allow_delete']!, 429);
    }
  }

  checkMetadataBlock(handle: IndexHandle): void {
    const settings = handle.metadata.settings;
    for (const key of ['index.blocks.read_only', 'index.blocks.metadata']) {
      if (settingBoolean(settings, key)) throw errors.indexBlocked(handle.name, blockDescriptions[key]!);
    }
  }

  newUuid(): string {
    return this.randomBytes(16).toString('base64url');
  }

  /** Elasticsearch-style auto-generated document id: 20 URL-safe base64 characters. */
  newDocumentId(): string {
    return this.randomBytes(15).toString('base64url');
  }

  // ---------------------------------------------------------------- index lifecycle

  /**
   * Creates an index (PUT /{index}, or auto-create on first write when `body` is undefined).
   * Throws 400 for a bad name, settings, mappings or aliases; 400 resource_already_exists_exception.
   */
  createIndex(nameOrDateMath: string, body: unknown, options: { readonly templates?: boolean; readonly uuid?: string } = {}): IndexHandle {
    const name = this.resolveDateMath(nameOrDateMath);
    validateIndexName(name);
    const existing = this.handles.get(name);
    if (existing !== undefined) throw errors.resourceAlreadyExists(name, existing.uuid);
    if (this.aliasNames().has(name)) throw errors.invalidIndexName(name, 'already exists as alias');
    let settingsInput: unknown;
    let mappingsInput: unknown;
    let aliasesInput: unknown;
    if (body !== undefined && body !== null) {
      if (!isPlainObject(body)) throw errors.parsing('request body must be an object');
      for (const key of Object.keys(body)) {
        if (key === 'settings') settingsInput = body[key];
        else if (key === 'mappings') mappingsInput = body[key];
        else if (key === 'aliases') aliasesInput = body[key];
        else throw errors.parse(`unknown key [${key}] for create index`);
      }
    }
    if (options.templates !== false && this.creationHooks !== undefined) {
      ({ settings: settingsInput, mappings: mappingsInput, aliases: aliasesInput } = this.creationHooks.applyTemplates(name, {
        settings: settingsInput,
        mappings: mappingsInput,
        aliases: aliasesInput,
      }));
    }
    const given = parseCreateSettings(settingsInput);
    const settings: Record<string, string> = {
      'index.number_of_shards': '1',
      'index.number_of_replicas': '1',
      'index.routing.allocation.include._tier_preference': 'data_content',
      ...given,
    };
    let mappings: RootMapping;
    try {
      mappings = parseMapping(mappingsInput);
    } catch (error) {
      if (error instanceof EsError && error.type === 'mapper_parsing_exception') {
        // Elasticsearch wraps a mapping error once ("Failed to parse mapping: <cause>"); some of
        // our parsers already say it (their text is also the put-mapping answer), so the cause is
        // the text without it and the prefix never doubles.
        const prefix = 'Failed to parse mapping: ';
        const cause = error.message.startsWith(prefix) ? errors.mapperParsing(error.message.slice(prefix.length)) : error;
        throw errors.mapperParsing(`${prefix}${cause.message}`, cause);
      }
      throw error;
    }
    checkFieldLimits(mappings, settingInteger(settings, 'index.mapping.total_fields.limit'), settingInteger(settings, 'index.mapping.nested_fields.limit'));
    try {
      checkAnalysisNames(mappings, normalizersOf(settings), analyzersOf(settings));
    } catch (error) {
      // At creation Elasticsearch wraps a mapping error once, as for the parse above.
      const prefix = 'Failed to parse mapping: ';
      if (error instanceof EsError && error.type === 'mapper_parsing_exception' && !error.message.startsWith(prefix)) throw errors.mapperParsing(`${prefix}${error.message}`, error);
      throw error;
    }
    if (settings['index.number_of_routing_shards'] !== undefined) {
      validateRoutingShards(Number(settings['index.number_of_shards']), Number(settings['index.number_of_routing_shards']));
    }
    checkShardLimit(shardCopies(settings), this.openShardCopies(), this.maxShardsPerNode, 1);
    const aliases = this.parseCreateAliases(name, aliasesInput);
    const metadata: IndexMetadata = {
      name,
      // A multi-node node takes the uuid of the published index, so every copy names one index.
      uuid: options.uuid ?? this.newUuid(),
      creationDateMs: this.nowMs(),
      state: 'open',
      settings,
      mappings,
      aliases,
      version: 1,
    };
    if (Object.keys(aliases).length > 0) this.checkWriteIndexUniqueness([metadata]);
    // Files first, then metadata: a crash in between leaves an orphan directory, removed at start.
    const shards = this.openShardStores(metadata);
    try {
      this.metadataStore.put(metadata);
    } catch (error) {
      for (const shard of shards) shard.close();
      rmSync(this.indexDirectory(metadata.uuid), { recursive: true, force: true });
      throw error;
    }
    const handle = new MutableHandle(metadata, shards);
    this.handles.set(name, handle);
    this.log.info({ index: name, uuid: metadata.uuid }, 'created index');
    this.emit((listener) => listener.indexCreated?.(handle));
    return handle;
  }

  private parseCreateAliases(index: string, input: unknown): Record<string, AliasMetadata> {
    if (input === undefined || input === null) return {};
    if (!isPlainObject(input)) throw errors.parsing('[aliases] must be an object');
    const aliases: Record<string, AliasMetadata> = {};
    for (const [alias, definition] of Object.entries(input)) {
      this.validateAliasName(alias, index);
      aliases[alias] = parseAliasDefinition(definition);
    }
    return aliases;
  }

  validateAliasName(alias: string, index?: string): void {
    try {
      validateIndexName(alias);
    } catch (error) {
      if (error instanceof EsError && error.type === 'invalid_index_name_exception') {
        throw errors.invalidAliasName(alias, error.message.replace(/^Invalid index name \[[^\]]*\], /, ''));
      }
      throw error;
    }
    if (this.handles.has(alias) || alias === index) {
      throw errors.invalidAliasName(alias, 'an index or data stream exists with the same name as the alias');
    }
  }

  /** Deletes indices (already resolved). Closes and removes their files. */
  deleteIndices(handles: readonly IndexHandle[]): void {
    this.creationHooks?.checkDelete(handles.map((handle) => handle.name));
    for (const handle of handles) {
      const mutable = this.handles.get(handle.name);
      if (mutable === undefined) continue;
      this.metadataStore.remove(handle.name);
      this.handles.delete(handle.name);
      for (const shard of mutable.shards ?? []) shard.close();
      rmSync(this.indexDirectory(handle.uuid), { recursive: true, force: true });
      this.log.info({ index: handle.name, uuid: handle.uuid }, 'deleted index');
      this.emit((listener) => listener.indexDeleted?.({ name: handle.name, uuid: handle.uuid }));
    }
  }

  private replaceMetadata(handle: MutableHandle, metadata: IndexMetadata): void {
    this.metadataStore.put(metadata);
    // Normalizers are analysis settings: the flattened mapping resolves them anew when settings change.
    if (metadata.settings !== handle.metadata.settings) handle.mapping = flattenMapping(metadata.mappings, storedNormalizersOf(metadata.settings), storedAnalyzersOf(metadata.settings));
    handle.metadata = metadata;
  }

  /** Throws when one of the indices may not be closed (a data stream's write index), closing nothing. */
  checkCloseAllowed(handles: readonly IndexHandle[]): void {
    this.creationHooks?.checkClose(handles.map((handle) => handle.name));
  }

  closeIndices(handles: readonly IndexHandle[]): void {
    this.checkCloseAllowed(handles);
    for (const handle of handles) {
      const mutable = this.handles.get(handle.name)!;
      if (mutable.metadata.state === 'close') continue;
      this.replaceMetadata(mutable, { ...mutable.metadata, state: 'close', version: mutable.metadata.version + 1 });
      for (const shard of mutable.shards ?? []) shard.close();
      mutable.shards = undefined;
      this.emit((listener) => listener.indexClosed?.({ name: handle.name, uuid: handle.uuid }));
    }
  }

  openIndices(handles: readonly IndexHandle[]): void {
    const opening = handles.filter((handle) => this.handles.get(handle.name)?.metadata.state !== 'open');
    checkShardLimit(
      opening.reduce((sum, handle) => sum + shardCopies(handle.metadata.settings), 0),
      this.openShardCopies(),
      this.maxShardsPerNode,
      1,
    );
    for (const handle of handles) {
      const mutable = this.handles.get(handle.name)!;
      if (mutable.metadata.state === 'open') continue;
      const metadata: IndexMetadata = { ...mutable.metadata, state: 'open', version: mutable.metadata.version + 1 };
      mutable.shards = this.openShardStores(metadata, this.missingShardFilesStayAbsent);
      this.replaceMetadata(mutable, metadata);
      mutable.refreshedSeqNos = mutable.shards.map(() => -1);
      this.emit((listener) => listener.indexOpened?.(mutable));
    }
  }

  /** Merges a mapping update into each index (all validated before any is stored). */
  putMapping(handles: readonly IndexHandle[], body: unknown): void {
    const update = parseMapping(body);
    const merged = handles.map((handle) => {
      this.checkMetadataBlock(handle);
      const mappings = mergeMappings(handle.metadata.mappings, update);
      checkFieldLimits(mappings, settingInteger(handle.metadata.settings, 'index.mapping.total_fields.limit'), settingInteger(handle.metadata.settings, 'index.mapping.nested_fields.limit'));
      checkAnalysisNames(mappings, storedNormalizersOf(handle.metadata.settings), storedAnalyzersOf(handle.metadata.settings));
      return { handle: this.handles.get(handle.name)!, mappings };
    });
    for (const { handle, mappings } of merged) this.setMapping(handle, mappings);
  }

  // ---------------------------------------------------------------- cross-cluster replication

  /**
   * Creates a follower index (spec ccr.md §2.3 steps 9-10): the leader's replicated settings and
   * mappings, the caller's own (non-replicated) settings, and `index.xpack.ccr.following_index`.
   * `overridable` says which keys the caller may not give because the leader's replicate.
   */
  createFollowerIndex(name: string, leader: { settings: Readonly<Record<string, string>>; mappings: Readonly<Record<string, unknown>> }, ownSettings: unknown, isReplicated: (key: string) => boolean, uuid?: string): IndexHandle {
    const own = this.checkFollowerSettings(ownSettings, isReplicated);
    // A follower is a copy of its leader: local templates do not apply (Elasticsearch restores it from a snapshot).
    const handle = this.createIndex(name, { settings: { ...leader.settings, ...own }, mappings: leader.mappings }, { templates: false, ...(uuid !== undefined ? { uuid } : {}) });
    return this.markFollowing(handle);
  }

  /** The caller's own settings of a new follower (parsed); a 400 when any would override a replicated leader setting. */
  checkFollowerSettings(ownSettings: unknown, isReplicated: (key: string) => boolean): Record<string, string> {
    const own = ownSettings === undefined || ownSettings === null ? {} : parseCreateSettings(ownSettings);
    const overriding = Object.keys(own).filter((key) => isReplicated(key));
    if (overriding.length > 0) {
      const shown = overriding.map((key) => `${key}=${own[key]}`).join(', ');
      throw errors.illegalArgument(`can not put follower index that could override leader settings {${shown}}`);
    }
    return own;
  }

  /**
   * Puts the follower marker (`index.xpack.ccr.following_index`, private: no client may set it) on
   * an index: a new follower, or on many nodes a follower the published cluster state names.
   */
  markFollowing(handle: IndexHandle): IndexHandle {
    const mutable = this.handles.get(handle.name);
    assert(mutable !== undefined && mutable.uuid === handle.uuid, 'the follower index exists');
    this.replaceMetadata(mutable, {
      ...mutable.metadata,
      settings: { ...mutable.metadata.settings, 'index.xpack.ccr.following_index': 'true' },
      version: mutable.metadata.version + 1,
    });
    return mutable;
  }

  /**
   * Starts a follower shard's bootstrap: a shard holding documents of an earlier attempt that did
   * not finish (a crash or a failure mid-copy) is emptied first, so that the new copy of the
   * leader's snapshot is exactly that snapshot (a document the leader deleted since is not kept).
   */
  beginFollowerImport(handle: IndexHandle, shardNumber: number, options: { readonly segmentFiles?: boolean } = {}): void {
    const shard = this.openShardOf(handle, shardNumber);
    assert(!shard.bootstrapped, 'a bootstrapped follower shard is not copied again');
    if (shard.docCount() > 0 || shard.maxSeqNo >= 0) this.resetShard(handle, shardNumber);
    const key = `${handle.uuid}/${shardNumber}`;
    rmSync(this.followerSegmentsDirectory(handle, shardNumber), { recursive: true, force: true });
    // The leader's segment files come with the documents: nothing is built from the documents.
    if (options.segmentFiles === true) this.segmentFileImports.add(key);
    else this.segmentFileImports.delete(key);
  }

  /** Where a follower's bootstrap puts the leader's segment files of one shard while it copies them. */
  followerSegmentsDirectory(handle: IndexHandle, shardNumber: number): string {
    return path.join(this.indexDirectory(handle.uuid), `ccr-segments-${shardNumber}`);
  }

  /** `segmentInputsDigest` of an index: what its segments are built under besides the documents. */
  segmentInputsDigest(handle: IndexHandle): string {
    return segmentInputsDigest(handle.metadata);
  }

  /** Shard `shardNumber`'s searchable state as files at the store's max seq_no (a follower's bootstrap copies them), when a searcher offers them. */
  segmentFilesOf(handle: IndexHandle, shardNumber: number): SegmentFilesSnapshot | undefined {
    for (const listener of this.listeners) {
      const files = listener.segmentFiles?.(handle, shardNumber);
      if (files !== undefined) return files;
    }
    return undefined;
  }

  /** Bootstrap: leader documents of one shard copied as they are (no history rows), then the snapshot's seq_no. */
  importFollowerDocuments(handle: IndexHandle, shardNumber: number, documents: readonly StoredDocument[]): void {
    this.openShardOf(handle, shardNumber).importDocuments(documents);
    if (this.segmentFileImports.has(`${handle.uuid}/${shardNumber}`)) return;
    this.emit((listener) => listener.imported?.(handle, shardNumber, documents));
  }

  /**
   * Ends a bootstrap's copy: the shard stands at the snapshot's seq_no. Settles once what listeners
   * built from the copied documents meanwhile is ready (the searcher's segments built off the main
   * thread); a listener's failure is logged, and the refresh then builds from the store.
   */
  async finishFollowerImport(handle: IndexHandle, shardNumber: number, maxSeqNo: number, copied?: CopiedSegmentFiles): Promise<void> {
    const shard = this.openShardOf(handle, shardNumber);
    shard.finishImport(maxSeqNo);
    this.segmentFileImports.delete(`${handle.uuid}/${shardNumber}`);
    this.noteWrite(handle, maxSeqNo, shardNumber);
    const settling: Promise<void>[] = [];
    this.emit((listener) => {
      const done = listener.importFinished?.(handle, shardNumber, copied);
      if (done !== undefined) settling.push(done.catch((error: unknown) => this.log.warn({ err: error, index: handle.name, shard: shardNumber }, 'an index listener failed after a bootstrap')));
    });
    try {
      await Promise.all(settling);
    } finally {
      // What the searcher did not take (a searcher not open, or files it refused) is not needed: the store has every document.
      if (copied !== undefined) rmSync(copied.directory, { recursive: true, force: true });
    }
  }

  /** Applies leader operations of one shard to the same shard of a follower (spec ccr.md §4.2 step 6); idempotent by seq_no. */
  applyFollowerOperations(handle: IndexHandle, shardNumber: number, operations: readonly Operation[], options: { readonly deferSync?: boolean } = {}): number {
    const shard = this.openShardOf(handle, shardNumber);
    let applied: number;
    if (options.deferSync === true) {
      // Committed without its fsync: the caller awaits the shard's `syncDeferred()` (an fsync off
      // the event loop) before it counts the operations as written.
      shard.begin({ deferSync: true });
      try {
        applied = shard.applyOperations(operations);
        shard.commit();
      } catch (error) {
        shard.rollback();
        throw error;
      }
    } else {
      applied = shard.applyOperations(operations);
    }
    if (applied > 0) this.noteWrite(handle, shard.maxSeqNo, shardNumber);
    return applied;
  }

  /**
   * Brings a follower's mappings and replicated settings up to its leader's (spec ccr.md §4.2 step
   * 4): the leader mapping merges into the follower's; replicated settings are copied, the
   * follower's own non-replicated ones stay.
   */
  syncFollowerMetadata(handle: IndexHandle, leader: { settings: Readonly<Record<string, string>>; mappings: Readonly<Record<string, unknown>> }, isReplicated: (key: string) => boolean): void {
    const mutable = this.handles.get(handle.name);
    assert(mutable !== undefined, 'the follower index exists');
    const mappings = mergeMappings(mutable.metadata.mappings, parseMapping(leader.mappings));
    if (JSON.stringify(mappings) !== JSON.stringify(mutable.metadata.mappings)) this.setMapping(mutable, mappings);
    const settings: Record<string, string> = {};
    for (const [key, value] of Object.entries(mutable.metadata.settings)) if (!isReplicated(key) || key === 'index.xpack.ccr.following_index') settings[key] = value;
    for (const [key, value] of Object.entries(leader.settings)) if (isReplicated(key)) settings[key] = value;
    settings['index.xpack.ccr.following_index'] = mutable.metadata.settings['index.xpack.ccr.following_index'] ?? 'true';
    if (JSON.stringify(settings) !== JSON.stringify(mutable.metadata.settings)) {
      this.replaceMetadata(mutable, { ...mutable.metadata, settings, version: mutable.metadata.version + 1 });
    }
  }

  /**
   * Many nodes: static settings a follower took from its leader, as the master published them
   * (flat; null removes), applied to this node's copy in place as syncFollowerMetadata applies
   * them on the node whose task read them (and on one node).
   */
  applyFollowerLeaderSettings(handle: IndexHandle, changes: Readonly<Record<string, string | null>>): void {
    const mutable = this.handles.get(handle.name);
    assert(mutable !== undefined && mutable.metadata.settings['index.xpack.ccr.following_index'] === 'true', 'a follower index');
    const settings: Record<string, string> = { ...mutable.metadata.settings };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete settings[key];
      else settings[key] = value;
    }
    this.replaceMetadata(mutable, { ...mutable.metadata, settings, version: mutable.metadata.version + 1 });
  }

  /** Unfollow (spec ccr.md §3.3): the follower becomes an ordinary index. */
  clearFollowing(handle: IndexHandle): void {
    const mutable = this.handles.get(handle.name);
    assert(mutable !== undefined, 'the follower index exists');
    const { ['index.xpack.ccr.following_index']: _removed, ...settings } = mutable.metadata.settings;
    this.replaceMetadata(mutable, { ...mutable.metadata, settings, version: mutable.metadata.version + 1 });
  }

  /** Set while `holdingDynamicMappings` runs: a document's dynamic mapping update is refused here. */
  private dynamicMappingsHeldDepth = 0;

  /**
   * Runs `run` (synchronous) with dynamic mapping updates held: a document that would add to an
   * index's mapping throws DynamicMappingUpdateRequired (documents.ts) before anything of it is
   * written, instead of changing the mapping here. A multi-node primary runs its writes so, asks
   * the master to publish the update, and runs the document again under the mapping it applied,
   * as Elasticsearch's primary does (TransportShardBulkAction: MAPPING_UPDATE_REQUIRED).
   */
  holdingDynamicMappings<R>(run: () => R): R {
    this.dynamicMappingsHeldDepth++;
    try {
      return run();
    } finally {
      this.dynamicMappingsHeldDepth--;
    }
  }

  /** True while `holdingDynamicMappings` runs. */
  get dynamicMappingsHeld(): boolean {
    return this.dynamicMappingsHeldDepth > 0;
  }

  /** Stores a new mapping for one index (dynamic updates from documents come here too). */
  setMapping(handle: IndexHandle, mappings: RootMapping): void {
    const mutable = this.handles.get(handle.name);
    assert(mutable !== undefined, 'the index exists');
    this.replaceMetadata(mutable, { ...mutable.metadata, mappings, version: mutable.metadata.version + 1 });
    mutable.mapping = flattenMapping(mappings, storedNormalizersOf(mutable.metadata.settings), storedAnalyzersOf(mutable.metadata.settings));
    this.emit((listener) => listener.mappingChanged?.(mutable));
  }

  /** Applies a settings update to each index (all validated before any is stored). */
  updateSettings(handles: readonly IndexHandle[], input: unknown): void {
    const updates = handles.map((handle) => {
      const settings = applySettingsUpdate(handle.metadata.settings, input, {
        index: handle.name,
        uuid: handle.uuid,
        open: handle.metadata.state === 'open',
      });
      const onlyBlocks = Object.keys(settings)
        .concat(Object.keys(handle.metadata.settings))
        .filter((key) => settings[key] !== handle.metadata.settings[key])
        .every((key) => key.startsWith('index.blocks.'));
      if (!onlyBlocks) this.checkMetadataBlock(handle);
      // New analysis (allowed on a closed index) must build, and still define the mapping's normalizers.
      const analysisKeys = [...Object.keys(settings), ...Object.keys(handle.metadata.settings)].filter((key) => key.startsWith('index.analysis.'));
      if (analysisKeys.some((key) => settings[key] !== handle.metadata.settings[key])) {
        checkAnalysisNames(handle.metadata.mappings, normalizersOf(settings), analyzersOf(settings));
      }
      return { handle: this.handles.get(handle.name)!, settings };
    });
    for (const { handle, settings } of updates) {
      this.replaceMetadata(handle, { ...handle.metadata, settings, version: handle.metadata.version + 1 });
      for (const shard of handle.shards ?? []) shard.setDurability(durabilityOf(settings));
    }
  }

  /**
   * Makes everything written so far searchable (notifies the search engine). `scheduled`: the
   * `index.refresh_interval` refresh, which nobody waits for (the engine may spread its work).
   */
  refresh(handle: IndexHandle, scheduled = false, pending?: Promise<void>[]): void {
    const mutable = this.handles.get(handle.name);
    if (mutable === undefined || mutable.shards === undefined) return;
    mutable.lastRefreshMs = this.nowMs();
    // Operation history retention: `index.soft_deletes.retention.operations` > 0 keeps that many
    // operations below the refreshed point; 0 (the default) keeps every operation.
    // Retention leases (cross-cluster replication's followers) hold history back further.
    const retained = settingInteger(mutable.metadata.settings, 'index.soft_deletes.retention.operations');
    mutable.shards.forEach((shard, number) => {
      const maxSeqNo = shard.maxSeqNo;
      // A scheduled refresh leaves shards without new writes alone.
      if (scheduled && maxSeqNo <= mutable.refreshedSeqNos[number]!) return;
      mutable.refreshedSeqNos[number] = maxSeqNo;
      this.emit((listener) => {
        if (pending !== undefined && listener.refreshedStepwise !== undefined) pending.push(listener.refreshedStepwise(mutable, number, maxSeqNo));
        else listener.refreshed?.(mutable, number, maxSeqNo, scheduled);
      });
      // With the default (0) nothing is trimmed, so the leases are not even read on this hot path.
      if (retained <= 0) return;
      const floor = this.retentionFloor(mutable, number) ?? Number.MAX_SAFE_INTEGER;
      const trimBelow = Math.min(maxSeqNo - retained + 1, floor);
      if (trimBelow > 0) shard.trimOpsBelow(trimBelow);
    });
  }

  /**
   * `refresh` for the refresh API: the engine builds the new segments a step per event-loop turn,
   * so other requests are served meanwhile; settles once every operation written before the call
   * is searchable.
   */
  async refreshStepwise(handle: IndexHandle): Promise<void> {
    const pending: Promise<void>[] = [];
    this.refresh(handle, false, pending);
    await Promise.all(pending);
  }

  /** Called after each committed write (of shard `shard`). */
  noteWrite(handle: IndexHandle, seqNo: number, shard: number): void {
    this.emit((listener) => listener.written?.(handle, seqNo, shard));
  }

  private scheduledRefresh(): void {
    const now = this.nowMs();
    for (const handle of this.handles.values()) {
      if (handle.shards === undefined || handle.shards.every((shard, number) => shard.maxSeqNo <= handle.refreshedSeqNos[number]!)) continue;
      const interval = parseTimeMs(settingValue(handle.metadata.settings, 'index.refresh_interval') ?? '1s');
      if (interval < 0) continue;
      if (now - handle.lastRefreshMs >= interval) this.refresh(handle, true);
    }
  }

  // ---------------------------------------------------------------- aliases

  /** Applies alias actions atomically: all validated, then stored in one commit. */
  applyAliasActions(actions: readonly AliasAction[]): void {
    const next = new Map<string, IndexMetadata>();
    const current = (name: string): IndexMetadata => next.get(name) ?? this.handles.get(name)!.metadata;
    const removedIndices: string[] = [];
    for (const action of actions) {
      if (action.kind === 'remove_index') {
        removedIndices.push(action.index);
        continue;
      }
      const metadata = current(action.index);
      const aliases = { ...metadata.aliases };
      if (action.kind === 'add') {
        this.validateAliasName(action.alias);
        aliases[action.alias] = action.definition;
      } else {
        if (aliases[action.alias] === undefined) {
          if (action.mustExist) throw errors.aliasesNotFound([action.alias]);
          continue;
        }
        delete aliases[action.alias];
      }
      next.set(action.index, { ...metadata, aliases, version: metadata.version + 1 });
    }
    const all = this.all().map((handle) => next.get(handle.name) ?? handle.metadata).filter((metadata) => !removedIndices.includes(metadata.name));
    this.checkWriteIndexUniqueness(all);
    for (const name of removedIndices) next.delete(name);
    this.metadataStore.putAll([...next.values()]);
    for (const metadata of next.values()) this.handles.get(metadata.name)!.metadata = metadata;
    if (removedIndices.length > 0) this.deleteIndices(removedIndices.map((name) => this.handles.get(name)!).filter(Boolean));
  }

  private checkWriteIndexUniqueness(all: readonly IndexMetadata[]): void {
    const writers = new Map<string, string[]>();
    for (const metadata of all) {
      for (const [alias, definition] of Object.entries(metadata.aliases)) {
        if (definition.is_write_index !== true) continue;
        writers.set(alias, [...(writers.get(alias) ?? []), metadata.name]);
      }
    }
    for (const [alias, indices] of writers) {
      if (indices.length > 1) throw errors.illegalArgument(`alias [${alias}] has more than one write index [${indices.join(',')}]`);
    }
  }

  /** Alias names of the given indices matching any of `patterns` (all when empty). */
  matchingAliases(handle: IndexHandle, patterns: readonly string[]): string[] {
    const names = Object.keys(handle.metadata.aliases);
    if (patterns.length === 0 || patterns.includes('_all') || patterns.includes('*')) return names.sort();
    const included = names.filter((alias) => patterns.some((pattern) => !pattern.startsWith('-') && wildcardMatch(pattern, alias)));
    const excluded = patterns.filter((pattern) => pattern.startsWith('-')).map((pattern) => pattern.slice(1));
    return included.filter((alias) => !excluded.some((pattern) => wildcardMatch(pattern, alias))).sort();
  }

  close(): void {
    if (this.refreshTimer !== undefined) clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
    for (const handle of this.handles.values()) for (const shard of handle.shards ?? []) shard.close();
  }
}

export type AliasAction =
  | { readonly kind: 'add'; readonly index: string; readonly alias: string; readonly definition: AliasMetadata }
  | { readonly kind: 'remove'; readonly index: string; readonly alias: string; readonly mustExist: boolean }
  | { readonly kind: 'remove_index'; readonly index: string };

/** Parses an alias body (`filter`, `routing`, `index_routing`, `search_routing`, `is_write_index`, `is_hidden`). */
export function parseAliasDefinition(input: unknown): AliasMetadata {
  if (input === undefined || input === null) return {};
  if (!isPlainObject(input)) throw errors.parsing('alias definition must be an object');
  const definition: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'filter':
        if (!isPlainObject(value)) throw errors.parsing('[filter] must be an object');
        definition['filter'] = value;
        break;
      case 'routing':
        definition['index_routing'] = String(value);
        definition['search_routing'] = String(value);
        break;
      case 'index_routing':
      case 'search_routing':
        definition[key] = String(value);
        break;
      case 'is_write_index':
      case 'is_hidden':
        if (typeof value !== 'boolean') throw errors.parsing(`[${key}] must be a boolean`);
        definition[key] = value;
        break;
      default:
        throw errors.parsing(`[aliases] unknown field [${key}]`);
    }
  }
  return definition as AliasMetadata;
}

/**
 * An index setting's time value → milliseconds (-1 stays -1), by common/time-value.ts. The
 * settings validator refused what does not parse, so a value that still does not (a setting
 * stored before that validation) counts as -1, off.
 */
export function parseTimeMs(value: string): number {
  const parsed = timeValueMsOrReason(value, '');
  return 'ms' in parsed ? parsed.ms : -1;
}

export function openIndicesService(options: OpenIndicesServiceOptions): IndicesService {
  return new IndicesService(options);
}

/** Renders an index's settings as Elasticsearch does (node-set ones included), flat. */
export function renderFlatSettings(metadata: IndexMetadata): Record<string, string> {
  return {
    ...metadata.settings,
    'index.creation_date': String(metadata.creationDateMs),
    'index.provided_name': metadata.name,
    'index.uuid': metadata.uuid,
    'index.version.created': INDEX_VERSION_CREATED,
  };
}
