/**
 * The durable store of one shard (I/O shell): a better-sqlite3 database in WAL mode at
 * `<path.data>/indices/<index uuid>/shard-<n>.db` (n = the shard number; indices made before
 * shards existed have their one shard at `shard-0.db`).
 *
 * Tables (format version STORE_FORMAT_VERSION, P12):
 * - `store_meta(key, value)`: format_version, index_uuid, primary_term, max_seq_no, and
 *   global_checkpoint (absent: -1) once a replicated copy learnt one: the highest seq_no every
 *   in-sync copy holds, as Elasticsearch persists it in the translog checkpoint, so a restarted
 *   copy knows it at once (stats, recovery, promotion, what a follower may read).
 * - `docs(id PK, source, seq_no, primary_term, version, routing)`: the latest state of every id
 *   (`routing` is the `_routing` it was written with, NULL without one). A deleted
 *   document stays as a tombstone (`source` NULL) so its version keeps counting up when the id is
 *   indexed again, as Elasticsearch does within `index.gc_deletes` (we keep tombstones for good).
 * - `ops(seq_no PK, op, id, source, primary_term, version, routing)`: the operation history, one row per
 *   acknowledged write, in seq_no order: what cross-cluster replication reads ("changes") later.
 *   Retention: every operation is kept (Elasticsearch keeps them under retention leases); trimming
 *   is `trimOpsBelow`, for the replication layer to call when no follower needs older operations.
 *
 * Format history: 1 (first release); 2 adds `routing` to `docs` and `ops`; 3 adds `timestamp_ms`
 * to `ops` (when the leader acknowledged the operation: cross-cluster replication measures lag in
 * time from it). Older files are migrated on open (migrations/index.ts); newer ones are refused.
 *
 * Writes are serialized by the single Node thread, so `local_checkpoint == max_seq_no` after each
 * commit. Each write commits before it returns; with `index.translog.durability: request`
 * (default) the commit is fsynced (synchronous=FULL), with `async` it is not (NORMAL). A `_bulk`'s
 * slices commit without the fsync (`begin({ deferSync: true })`) and the bulk answers after one
 * `syncDeferred()`, an fsync of the write-ahead log off the event loop (libuv's thread pool) that
 * makes all of them durable at once, as Elasticsearch fsyncs its translog once per bulk shard request.
 * In a node, the write-ahead log is folded into the database by the checkpointer thread
 * (wal-checkpointer.ts), not inside this thread's commits.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { assert } from '../../common/index.js';
import { migrateShardStore } from './migrations/index.js';
import { walCheckpointerLimits, type CheckpointSlot, type WalCheckpointer } from './wal-checkpointer.js';

/** Bump only with a migration in index/store/migrations/. */
export const STORE_FORMAT_VERSION = 3;

export type Durability = 'request' | 'async';

export interface StoredDocument {
  readonly id: string;
  /** The `_source` as stored JSON text. */
  readonly source: string;
  readonly seqNo: number;
  readonly primaryTerm: number;
  readonly version: number;
  /** The `_routing` the document was indexed with; undefined without one. */
  readonly routing?: string;
}

/** The version bookkeeping of an id, tombstones included. */
export interface VersionInfo {
  readonly seqNo: number;
  readonly primaryTerm: number;
  readonly version: number;
  readonly deleted: boolean;
}

export interface Operation {
  readonly seqNo: number;
  readonly op: 'index' | 'delete';
  readonly id: string;
  readonly source: string | null;
  readonly primaryTerm: number;
  readonly version: number;
  /** The `_routing` of an index operation; null (or absent) without one, and for deletes. */
  readonly routing?: string | null;
  /** When the (first) leader acknowledged it, epoch ms; absent for operations older than format 3. */
  readonly timestampMs?: number;
}

export interface WriteResult {
  readonly seqNo: number;
  readonly primaryTerm: number;
}

interface DocRow {
  id: string;
  source: string | null;
  seq_no: number;
  primary_term: number;
  version: number;
  routing: string | null;
}

export class StoreFormatError extends Error {}

/**
 * The most recent committed operations stay in memory as well (style P4 bounds), because the
 * readers of the history nearly always want the newest: a refresh reads what the last writes
 * added, and a follower tailing the shard reads what it has not seen yet. Reading them back from
 * SQLite cost a query and a row decode per operation on both sides of replication.
 */
export const recentOperationsLimits = {
  count: 50_000,
  /** Characters of `_source` and ids, roughly the bytes they hold. */
  chars: 32 * 1024 * 1024,
} as const;

/** Rows per statement when replicated operations are written (8 values a row: far below SQLite's 32,766 variables). */
const replicatedRowsPerStatement = 64;

const DOC_UPSERT_CONFLICT =
  'ON CONFLICT (id) DO UPDATE SET source = excluded.source, seq_no = excluded.seq_no, primary_term = excluded.primary_term, version = excluded.version, routing = excluded.routing';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
  id TEXT PRIMARY KEY,
  source TEXT,
  seq_no INTEGER NOT NULL,
  primary_term INTEGER NOT NULL,
  version INTEGER NOT NULL,
  routing TEXT
);
CREATE TABLE IF NOT EXISTS ops (
  seq_no INTEGER PRIMARY KEY,
  op TEXT NOT NULL CHECK (op IN ('index', 'delete')),
  id TEXT NOT NULL,
  source TEXT,
  primary_term INTEGER NOT NULL,
  version INTEGER NOT NULL,
  routing TEXT,
  timestamp_ms INTEGER
);
`;

/** `replicatedRowsPerStatement` rows of `columns` placeholders each, for a multi-row statement. */
function rowPlaceholders(columns: number): string {
  return new Array<string>(replicatedRowsPerStatement).fill(`(${new Array<string>(columns).fill('?').join(', ')})`).join(', ');
}

/**
 * Runs `many` (a statement of `replicatedRowsPerStatement` rows of `columns` values) over the items
 * while that many are left, then `one` per item left; `fill` writes an item's values at `at`. Rows
 * apply in item order.
 */
function runInRows<T>(items: readonly T[], many: Database.Statement, one: Database.Statement, columns: number, fill: (values: unknown[], at: number, item: T) => void): void {
  const rows = replicatedRowsPerStatement;
  let index = 0;
  if (items.length >= rows) {
    const values = new Array<unknown>(rows * columns);
    for (; index + rows <= items.length; index += rows) {
      for (let row = 0; row < rows; row++) fill(values, row * columns, items[index + row]!);
      many.run(values);
    }
  }
  const values = new Array<unknown>(columns);
  for (; index < items.length; index++) {
    fill(values, 0, items[index]!);
    one.run(values);
  }
}

export class ShardStore {
  private readonly db: Database.Database;
  private readonly statements;
  private maxSeqNoValue: number;
  private primaryTermValue: number;
  private globalCheckpointValue: number;
  private liveCountCache: number | undefined;
  private openTransactionDepth = 0;
  private transactionStartSeqNo = -1;
  /** Committed operations with contiguous seq_nos ending at the newest commit (see recentOperationsLimits). */
  /** Entries before `recentStart` are dropped: emptied at once (they held a `_source` each), compacted away lazily. */
  private recent: (Operation | undefined)[] = [];
  private recentStart = 0; // index of the oldest kept entry in `recent`
  private recentChars = 0;
  /** Operations written in the open transaction: remembered when it commits, forgotten if it rolls back. */
  private uncommitted: Operation[] = [];
  private durability: Durability = 'request';
  /** The open transaction commits without an fsync (begun with `deferSync` under `request` durability). */
  private transactionDefersSync = false;
  /** Commits made without their fsync so far, and how many of them an fsync has covered. */
  private deferredCommits = 0;
  private syncedCommits = 0;
  private syncing: Promise<void> | undefined;
  /**
   * Elasticsearch's persisted local checkpoint: every operation up to it is committed and fsynced
   * (or committed under `async` durability, which never waits for an fsync). A deferred commit
   * counts only once `syncDeferred`'s fsync covered it.
   */
  private persistedSeqNoValue: number;
  /** Callers of `waitForPersisted`, settled as the persisted checkpoint moves or the store closes. */
  private persistedWaiters: { readonly seqNo: number; readonly settle: () => void }[] = [];
  /** `docs` upserts and `ops` inserts of `replicatedRowsPerStatement` rows per statement, prepared at first use. */
  private docRows: Database.Statement | undefined;
  private opRows: Database.Statement | undefined;
  /** Registered with the node's write-ahead log checkpointer (undefined: SQLite checkpoints inside commits). */
  private checkpointSlot: CheckpointSlot | undefined;

  private constructor(
    /** The shard's database file (where it is or would be: a stand-in keeps the path it stands for). */
    readonly file: string,
    db: Database.Database,
    /** False for a stand-in (`ShardStore.standIn`): an empty store in memory, nothing on disk. */
    readonly onDisk = true,
  ) {
    this.db = db;
    this.statements = {
      metaGet: db.prepare<[string], { value: string }>('SELECT value FROM store_meta WHERE key = ?'),
      metaSet: db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      docGet: db.prepare<[string], DocRow>('SELECT id, source, seq_no, primary_term, version, routing FROM docs WHERE id = ?'),
      docUpsert: db.prepare(`INSERT INTO docs (id, source, seq_no, primary_term, version, routing) VALUES (?, ?, ?, ?, ?, ?) ${DOC_UPSERT_CONFLICT}`),
      opInsert: db.prepare('INSERT INTO ops (seq_no, op, id, source, primary_term, version, routing, timestamp_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      opsFrom: db.prepare<
        [number, number],
        { seq_no: number; op: 'index' | 'delete'; id: string; source: string | null; primary_term: number; version: number; routing: string | null; timestamp_ms: number | null }
      >('SELECT seq_no, op, id, source, primary_term, version, routing, timestamp_ms FROM ops WHERE seq_no >= ? ORDER BY seq_no LIMIT ?'),
      opsTrim: db.prepare('DELETE FROM ops WHERE seq_no < ?'),
      liveCount: db.prepare<[], { count: number }>('SELECT COUNT(*) AS count FROM docs WHERE source IS NOT NULL'),
      scan: db.prepare<[], DocRow>('SELECT id, source, seq_no, primary_term, version, routing FROM docs WHERE source IS NOT NULL ORDER BY seq_no'),
      opsCount: db.prepare<[], { count: number; min: number | null }>('SELECT COUNT(*) AS count, MIN(seq_no) AS min FROM ops'),
    };
    this.maxSeqNoValue = Number(this.statements.metaGet.get('max_seq_no')?.value ?? '-1');
    this.primaryTermValue = Number(this.statements.metaGet.get('primary_term')?.value ?? '1');
    this.globalCheckpointValue = Math.min(this.maxSeqNoValue, Number(this.statements.metaGet.get('global_checkpoint')?.value ?? '-1'));
    // What the file holds when it opens is what survived: it is the persisted history.
    this.persistedSeqNoValue = this.maxSeqNoValue;
  }

  /**
   * Opens (creating when absent) the shard database. Refuses a file of another index or of a
   * format this build does not know.
   */
  static open(file: string, options: { readonly indexUuid: string; readonly durability: Durability; readonly checkpointer?: WalCheckpointer | undefined }): ShardStore {
    mkdirSync(path.dirname(file), { recursive: true });
    return ShardStore.openDatabase(file, file, options);
  }

  /**
   * An empty store held in memory for shard file `file`, which stays absent: it stands in for a
   * shard this node holds no copy of (a multi-node cluster), so that nothing of the shard stays on
   * disk. Whoever gives this node a copy of the shard opens the file first (`open`); nothing is
   * ever written to a stand-in.
   */
  static standIn(file: string, options: { readonly indexUuid: string; readonly durability: Durability }): ShardStore {
    return ShardStore.openDatabase(file, ':memory:', { indexUuid: options.indexUuid, durability: options.durability });
  }

  private static openDatabase(file: string, databasePath: string, options: { readonly indexUuid: string; readonly durability: Durability; readonly checkpointer?: WalCheckpointer | undefined }): ShardStore {
    const db = new Database(databasePath);
    let slot: CheckpointSlot | undefined;
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.durability === 'async' ? 'NORMAL' : 'FULL'}`);
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      const meta = (key: string): string | undefined =>
        (db.prepare('SELECT value FROM store_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
      const format = meta('format_version');
      if (format === undefined) {
        const set = db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?)');
        db.transaction(() => {
          set.run('format_version', String(STORE_FORMAT_VERSION));
          set.run('index_uuid', options.indexUuid);
          set.run('primary_term', '1');
          set.run('max_seq_no', '-1');
        })();
      } else {
        const version = Number(format);
        if (!Number.isInteger(version) || version < 1 || version > STORE_FORMAT_VERSION) {
          throw new StoreFormatError(`shard store [${file}] has format version [${format}], this node reads [1] to [${STORE_FORMAT_VERSION}]`);
        }
        if (meta('index_uuid') !== options.indexUuid) {
          throw new StoreFormatError(`shard store [${file}] belongs to index uuid [${meta('index_uuid')}], expected [${options.indexUuid}]`);
        }
        // An earlier release wrote this file: bring it to the current format before any use.
        if (version < STORE_FORMAT_VERSION) migrateShardStore(db, version, STORE_FORMAT_VERSION);
      }
      // Checkpoints run on the node's checkpointer thread, not inside this thread's commits.
      slot = options.checkpointer?.register(file, () => {
        if (db.open) db.pragma(`wal_autocheckpoint = ${walCheckpointerLimits.framesMin}`);
      });
      if (slot !== undefined) db.pragma('wal_autocheckpoint = 0');
    } catch (error) {
      slot?.release();
      db.close();
      throw error;
    }
    const store = new ShardStore(file, db, databasePath === file);
    store.durability = options.durability;
    store.checkpointSlot = slot;
    return store;
  }

  setDurability(durability: Durability): void {
    this.db.pragma(`synchronous = ${durability === 'async' ? 'NORMAL' : 'FULL'}`);
    this.durability = durability;
  }

  get primaryTerm(): number {
    return this.primaryTermValue;
  }

  /** A replica promoted to primary writes under its new term from now on (terms never go back). */
  raisePrimaryTerm(primaryTerm: number): void {
    assert(Number.isSafeInteger(primaryTerm) && primaryTerm >= this.primaryTermValue, 'primary terms never go back');
    this.statements.metaSet.run('primary_term', String(primaryTerm));
    this.primaryTermValue = primaryTerm;
  }

  /** The persisted global checkpoint (never above the local checkpoint); -1 when none was persisted. */
  get globalCheckpoint(): number {
    return this.globalCheckpointValue;
  }

  /**
   * Persists a global checkpoint this copy learnt (from its primary, or as the primary), when it is
   * higher than the persisted one; capped at the local checkpoint (a copy never knows more).
   * Committed on its own (under the store's durability); false when nothing changed, or while a
   * transaction is open (whatever it writes may still roll back: the caller tries again later).
   */
  persistGlobalCheckpoint(globalCheckpoint: number): boolean {
    assert(Number.isSafeInteger(globalCheckpoint) && globalCheckpoint >= -1, 'a global checkpoint is a seq_no or -1');
    const capped = Math.min(globalCheckpoint, this.maxSeqNoValue);
    if (capped <= this.globalCheckpointValue || this.openTransactionDepth > 0 || !this.db.open) return false;
    this.statements.metaSet.run('global_checkpoint', String(capped));
    this.globalCheckpointValue = capped;
    return true;
  }

  /** The highest seq_no written; -1 for an empty shard. */
  get maxSeqNo(): number {
    return this.maxSeqNoValue;
  }

  /** A transaction (`begin`) is open: operations above its start may still roll back. */
  get inTransaction(): boolean {
    return this.openTransactionDepth !== 0;
  }

  /** Every operation up to this seq_no is committed (writes are sequential, so it equals maxSeqNo). */
  get localCheckpoint(): number {
    return this.maxSeqNoValue;
  }

  /** The live document, or undefined (missing or deleted). */
  get(id: string): StoredDocument | undefined {
    const row = this.statements.docGet.get(id);
    if (row === undefined || row.source === null) return undefined;
    return storedDocument(row, row.source);
  }

  /** Version bookkeeping of an id, tombstones included. */
  versionInfo(id: string): VersionInfo | undefined {
    const row = this.statements.docGet.get(id);
    if (row === undefined) return undefined;
    return { seqNo: row.seq_no, primaryTerm: row.primary_term, version: row.version, deleted: row.source === null };
  }

  /**
   * Writes a document with the next seq_no, with its `_routing` when it has one. Commits before
   * returning unless inside `transaction`.
   */
  index(id: string, source: string, version: number, routing?: string): WriteResult {
    return this.write('index', id, source, version, routing ?? null);
  }

  /** Writes a delete (a tombstone) with the next seq_no. */
  delete(id: string, version: number): WriteResult {
    return this.write('delete', id, null, version, null);
  }

  private write(op: 'index' | 'delete', id: string, source: string | null, version: number, routing: string | null): WriteResult {
    // Internal versions start at 1; external versions (version_type=external) may be 0. The
    // document layer refuses negative versions with a 400 before any write.
    assert(Number.isSafeInteger(version) && version >= 0, 'versions are non-negative integers');
    const seqNo = this.maxSeqNoValue + 1;
    const timestampMs = Date.now();
    const run = (): void => {
      this.statements.docUpsert.run(id, source, seqNo, this.primaryTermValue, version, routing);
      this.statements.opInsert.run(seqNo, op, id, source, this.primaryTermValue, version, routing, timestampMs);
      this.statements.metaSet.run('max_seq_no', String(seqNo));
    };
    const operation: Operation = { seqNo, op, id, source, primaryTerm: this.primaryTermValue, version, routing, timestampMs };
    if (this.openTransactionDepth > 0) {
      run();
      this.uncommitted.push(operation);
    } else {
      this.db.transaction(run)();
      this.remember([operation]);
    }
    this.maxSeqNoValue = seqNo;
    if (this.openTransactionDepth === 0) this.persisted(seqNo);
    this.liveCountCache = undefined;
    return { seqNo, primaryTerm: this.primaryTermValue };
  }

  /**
   * Runs several writes in one commit (a bulk request's items for this shard). On a throw
   * everything in it rolls back and the in-memory seq_no returns to the committed one.
   */
  transaction<T>(fn: () => T): T {
    if (this.openTransactionDepth > 0) return fn();
    const before = this.maxSeqNoValue;
    this.openTransactionDepth++;
    this.uncommitted = [];
    try {
      const result = this.db.transaction(fn)();
      this.remember(this.uncommitted);
      this.persisted(this.maxSeqNoValue);
      return result;
    } catch (error) {
      this.maxSeqNoValue = before;
      this.liveCountCache = undefined;
      throw error;
    } finally {
      this.uncommitted = [];
      this.openTransactionDepth--;
    }
  }

  /**
   * Opens a transaction spanning several writes (a bulk request's run of items for this shard);
   * `commit` makes them durable together, `rollback` forgets them.
   */
  begin(options: { readonly deferSync?: boolean } = {}): void {
    assert(this.openTransactionDepth === 0, 'no transaction is open');
    // SQLite refuses to change the safety level inside a transaction: it is lowered before it
    // begins and raised again once it ends (commit or rollback), nothing else runs in between.
    this.transactionDefersSync = options.deferSync === true && this.durability === 'request';
    if (this.transactionDefersSync) this.db.pragma('synchronous = NORMAL');
    this.db.exec('BEGIN IMMEDIATE');
    this.openTransactionDepth = 1;
    this.transactionStartSeqNo = this.maxSeqNoValue;
    this.uncommitted = [];
  }

  commit(): void {
    assert(this.openTransactionDepth === 1, 'a transaction opened by begin() is open');
    this.db.exec('COMMIT');
    this.openTransactionDepth = 0;
    if (this.transactionDefersSync) {
      this.deferredCommits++;
      this.restoreSyncAfterDeferred();
    } else {
      this.persisted(this.maxSeqNoValue);
    }
    this.remember(this.uncommitted);
    this.uncommitted = [];
  }

  rollback(): void {
    if (this.openTransactionDepth !== 1) return;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    if (this.transactionDefersSync) this.restoreSyncAfterDeferred();
    this.openTransactionDepth = 0;
    this.uncommitted = [];
    this.maxSeqNoValue = this.transactionStartSeqNo;
    this.liveCountCache = undefined;
  }

  /**
   * Operations with seq_no ≥ `fromSeqNo`, in order, at most `limit`: committed ones from memory when
   * `fromSeqNo` is among the recent ones, else from the database. The objects may be shared with
   * other readers: they are never changed.
   */
  readOps(fromSeqNo: number, limit: number): Operation[] {
    const kept = this.recent.length - this.recentStart;
    if (kept > 0 && limit > 0) {
      const index = fromSeqNo - this.recent[this.recentStart]!.seqNo;
      if (index >= 0 && index < kept) return this.recent.slice(this.recentStart + index, this.recentStart + Math.min(kept, index + limit)) as Operation[];
    }
    return this.statements.opsFrom.all(fromSeqNo, limit).map((row) => ({
      seqNo: row.seq_no,
      op: row.op,
      id: row.id,
      source: row.source,
      primaryTerm: row.primary_term,
      version: row.version,
      routing: row.routing,
      ...(row.timestamp_ms !== null ? { timestampMs: row.timestamp_ms } : {}),
    }));
  }

  /** Drops history below `seqNo` (for the replication layer's retention). */
  trimOpsBelow(seqNo: number): number {
    const below = Math.min(seqNo, this.maxSeqNoValue);
    const changes = this.statements.opsTrim.run(below).changes;
    // Memory never answers for history the database no longer has.
    while (this.recentStart < this.recent.length && this.recent[this.recentStart]!.seqNo < below) this.forgetOldest();
    return changes;
  }

  /** Keeps newly committed operations in memory (they continue the kept ones, or replace them). */
  private remember(operations: readonly Operation[]): void {
    if (operations.length === 0) return;
    const last = this.recent.length > this.recentStart ? this.recent[this.recent.length - 1]!.seqNo : undefined;
    if (last !== undefined && operations[0]!.seqNo !== last + 1) this.forgetRecent();
    for (const operation of operations) {
      this.recent.push(operation);
      this.recentChars += charsOf(operation);
    }
    while (this.recent.length - this.recentStart > recentOperationsLimits.count || (this.recentChars > recentOperationsLimits.chars && this.recent.length - this.recentStart > 1)) this.forgetOldest();
    // Compact once the dropped prefix outweighs what is kept.
    if (this.recentStart > 1024 && this.recentStart * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentStart);
      this.recentStart = 0;
    }
  }

  private forgetOldest(): void {
    this.recentChars -= charsOf(this.recent[this.recentStart]!);
    // Up to as many dropped operations as kept ones wait for the compaction: they must not keep
    // their sources alive meanwhile (a bulk of 50,000 documents held twice the bound in the heap).
    this.recent[this.recentStart] = undefined;
    this.recentStart++;
  }

  private forgetRecent(): void {
    this.recent = [];
    this.recentStart = 0;
    this.recentChars = 0;
  }

  /** How many operations are retained and the lowest retained seq_no (-1 when none). */
  opsRetained(): { count: number; minSeqNo: number } {
    const row = this.statements.opsCount.get()!;
    return { count: row.count, minSeqNo: row.min ?? -1 };
  }

  /** Live documents in seq_no order. */
  *scan(): IterableIterator<StoredDocument> {
    for (const row of this.statements.scan.iterate()) yield storedDocument(row, row.source!);
  }

  docCount(): number {
    this.liveCountCache ??= this.statements.liveCount.get()!.count;
    return this.liveCountCache;
  }

  /** Bytes on disk: the database file and its WAL. */
  sizeBytes(): number {
    if (!this.onDisk) return 0;
    let total = 0;
    for (const file of [this.file, `${this.file}-wal`]) {
      if (existsSync(file)) total += statSync(file).size;
    }
    return total;
  }

  /**
   * Cross-cluster replication, follower side: applies leader operations with the leader's seq_no,
   * primary term and version, in one commit. Operations at or below max_seq_no were applied before
   * and are skipped (retries are idempotent); the rest must follow on without a gap (the follower
   * writes its contiguous prefix only). Returns how many were applied.
   */
  applyOperations(operations: readonly Operation[]): number {
    let applied = 0;
    const written: Operation[] = [];
    const run = (): void => {
      for (const op of operations) {
        if (op.seqNo <= this.maxSeqNoValue) continue;
        assert(op.seqNo === this.maxSeqNoValue + 1, 'replicated operations are applied without gaps');
        assert(op.version >= 0, 'replicated versions are not negative');
        const routing = op.routing ?? null;
        written.push({
          seqNo: op.seqNo,
          op: op.op,
          id: op.id,
          source: op.op === 'delete' ? null : op.source,
          primaryTerm: op.primaryTerm,
          version: op.version,
          routing: op.op === 'delete' ? null : routing,
          ...(op.timestampMs !== undefined && op.timestampMs !== null ? { timestampMs: op.timestampMs } : {}),
        });
        this.maxSeqNoValue = op.seqNo;
        applied++;
      }
      this.insertReplicated(written);
      this.statements.metaSet.run('max_seq_no', String(this.maxSeqNoValue));
    };
    const before = this.maxSeqNoValue;
    try {
      if (this.openTransactionDepth > 0) {
        run();
        this.uncommitted.push(...written);
      } else {
        this.db.transaction(run)();
        this.remember(written);
        this.persisted(this.maxSeqNoValue);
      }
    } catch (error) {
      this.maxSeqNoValue = before;
      throw error;
    } finally {
      this.liveCountCache = undefined;
    }
    return applied;
  }

  /**
   * Writes replicated operations (normalized: a delete has no source and no routing) to `docs` and
   * `ops`, `replicatedRowsPerStatement` rows per statement while that many are left: a statement
   * per row and table cost a follower about a third more CPU per operation (issue #10). Rows of one
   * statement apply in order, so a later operation on the same id still wins.
   */
  private insertReplicated(written: readonly Operation[]): void {
    this.upsertDocs(written);
    this.opRows ??= this.db.prepare(`INSERT INTO ops (seq_no, op, id, source, primary_term, version, routing, timestamp_ms) VALUES ${rowPlaceholders(8)}`);
    // The leader's acknowledgement time travels with the operation (a follower can lead again).
    runInRows(written, this.opRows, this.statements.opInsert, 8, (values, at, op) => {
      values[at] = op.seqNo;
      values[at + 1] = op.op;
      values[at + 2] = op.id;
      values[at + 3] = op.source;
      values[at + 4] = op.primaryTerm;
      values[at + 5] = op.version;
      values[at + 6] = op.routing ?? null;
      values[at + 7] = op.timestampMs ?? null;
    });
  }

  /** Upserts `docs` rows in order (a later row of an id wins), many per statement; a row without source is a delete's. */
  private upsertDocs(documents: readonly { readonly id: string; readonly source: string | null; readonly seqNo: number; readonly primaryTerm: number; readonly version: number; readonly routing?: string | null | undefined }[]): void {
    this.docRows ??= this.db.prepare(`INSERT INTO docs (id, source, seq_no, primary_term, version, routing) VALUES ${rowPlaceholders(6)} ${DOC_UPSERT_CONFLICT}`);
    runInRows(documents, this.docRows, this.statements.docUpsert, 6, (values, at, document) => {
      values[at] = document.id;
      values[at + 1] = document.source;
      values[at + 2] = document.seqNo;
      values[at + 3] = document.primaryTerm;
      values[at + 4] = document.version;
      values[at + 5] = document.routing ?? null;
    });
  }

  /**
   * Cross-cluster replication bootstrap: stores documents copied from a leader snapshot as they are
   * (seq_no, primary term, version, routing), without history rows, in one commit (many rows per
   * statement, as replicated operations). The shard's max_seq_no is set once by `finishImport`, so a
   * crash mid-copy leaves a shard that says so.
   */
  importDocuments(documents: readonly StoredDocument[]): void {
    this.db.transaction(() => this.upsertDocs(documents))();
    this.liveCountCache = undefined;
  }

  /**
   * Ends a bootstrap: the shard now stands at the snapshot's max seq_no. A peer recovery's full copy
   * (`'peer_recovery'`) ends the same way without marking the shard as a follower's bootstrap.
   */
  finishImport(maxSeqNo: number, copyOf: 'ccr_bootstrap' | 'peer_recovery' = 'ccr_bootstrap'): void {
    assert(this.maxSeqNoValue <= maxSeqNo, 'a bootstrap never moves max_seq_no backwards');
    this.statements.metaSet.run('max_seq_no', String(maxSeqNo));
    if (copyOf === 'ccr_bootstrap') this.statements.metaSet.run('ccr_bootstrapped', 'true');
    this.maxSeqNoValue = maxSeqNo;
    this.persisted(maxSeqNo);
    this.forgetRecent(); // the shard jumped to the snapshot's seq_no without history
  }

  /** True once `finishImport` committed (a follower shard whose bootstrap completed). */
  get bootstrapped(): boolean {
    return this.statements.metaGet.get('ccr_bootstrapped')?.value === 'true';
  }

  /**
   * Flush (Elasticsearch's flush: a Lucene commit, then the translog trimmed): every write is
   * already committed, so this folds the write-ahead log into the database file and empties it.
   */
  flush(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Commits made without their fsync that no fsync has covered yet. */
  get unsyncedCommits(): number {
    return this.deferredCommits - this.syncedCommits;
  }

  /** Whether a commit outside a deferred transaction fsyncs: SQLite's `synchronous` (2 FULL, 1 NORMAL). */
  get synchronousLevel(): number {
    return this.db.pragma('synchronous', { simple: true }) as number;
  }

  /** SQLite's `wal_autocheckpoint` on this connection: 0 while the node's checkpointer does it. */
  get autoCheckpointPages(): number {
    return this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  }

  private restoreSyncAfterDeferred(): void {
    this.transactionDefersSync = false;
    if (this.db.open) this.db.pragma('synchronous = FULL');
  }

  /**
   * Makes every commit made without its fsync durable: resolves once an fsync of the write-ahead
   * log that started after the last of them has ended (one fsync serves every caller waiting
   * when it starts). Rejects when the fsync fails: those writes must not be acknowledged.
   */
  async syncDeferred(): Promise<void> {
    const target = this.deferredCommits;
    while (this.syncedCommits < target) {
      if (this.syncing === undefined) {
        const covers = this.deferredCommits;
        // No transaction is open across an await: everything committed so far is in the log.
        const coversSeqNo = this.openTransactionDepth > 0 ? this.transactionStartSeqNo : this.maxSeqNoValue;
        this.syncing = fsyncWal(`${this.file}-wal`)
          .then(() => {
            this.syncedCommits = Math.max(this.syncedCommits, covers);
            this.persisted(coversSeqNo);
          })
          .finally(() => {
            this.syncing = undefined;
          });
      }
      await this.syncing;
    }
  }

  /**
   * The persisted local checkpoint (see `persistedSeqNoValue`): what cross-cluster replication may
   * hand to a follower, as Elasticsearch's global checkpoint only counts fsynced operations
   * (elastic/elasticsearch#43205), so a follower never holds an operation its leader could lose.
   */
  get persistedLocalCheckpoint(): number {
    return this.persistedSeqNoValue;
  }

  /**
   * Settles once the persisted checkpoint reaches `seqNo` (true), after `timeoutMs` (false), or when
   * the store closes (false).
   */
  waitForPersisted(seqNo: number, timeoutMs: number): Promise<boolean> {
    if (this.persistedSeqNoValue >= seqNo) return Promise.resolve(true);
    if (!this.db.open || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        seqNo,
        settle: () => {
          clearTimeout(timer);
          resolve(this.persistedSeqNoValue >= seqNo);
        },
      };
      const timer = setTimeout(() => {
        this.persistedWaiters = this.persistedWaiters.filter((other) => other !== waiter);
        resolve(this.persistedSeqNoValue >= seqNo);
      }, timeoutMs);
      timer.unref();
      this.persistedWaiters.push(waiter);
    });
  }

  /** Operations up to `seqNo` are durable: the persisted checkpoint moves on (never back). */
  private persisted(seqNo: number): void {
    if (seqNo <= this.persistedSeqNoValue) return;
    this.persistedSeqNoValue = seqNo;
    if (this.persistedWaiters.length === 0) return;
    const due = this.persistedWaiters.filter((waiter) => waiter.seqNo <= seqNo);
    if (due.length === 0) return;
    this.persistedWaiters = this.persistedWaiters.filter((waiter) => waiter.seqNo > seqNo);
    for (const waiter of due) waiter.settle();
  }

  close(): void {
    const waiting = this.persistedWaiters;
    this.persistedWaiters = [];
    for (const waiter of waiting) waiter.settle();
    // The checkpointer lets go of the file first: its connection must never outlive this one.
    this.checkpointSlot?.release();
    this.checkpointSlot = undefined;
    if (this.db.open) this.db.close();
  }
}

/**
 * fsync of a write-ahead log file on libuv's thread pool (fsync is per file, so another
 * descriptor of it flushes what SQLite wrote). A missing file was folded into the database when
 * its connection closed, which SQLite does durably.
 */
async function fsyncWal(file: string): Promise<void> {
  let handle;
  try {
    handle = await openFile(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function charsOf(operation: Operation): number {
  return operation.id.length + (operation.source?.length ?? 0) + 64;
}

function storedDocument(row: DocRow, source: string): StoredDocument {
  const document = { id: row.id, source, seqNo: row.seq_no, primaryTerm: row.primary_term, version: row.version };
  return row.routing === null ? document : { ...document, routing: row.routing };
}
