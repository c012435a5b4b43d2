/**
 * A consistent, point-in-time read of one shard store (I/O shell), for cross-cluster replication's
 * bootstrap (spec ccr.md §4.1: the leader pins a copy while the follower reads it in chunks).
 *
 * SQLite in WAL mode gives every read transaction a snapshot: a second, read-only connection opens
 * a transaction, reads `max_seq_no`, and every later page read on that connection sees the shard
 * exactly as it was at that seq_no, while the shard keeps accepting writes on its own connection.
 * Close it promptly: an open snapshot holds the WAL from being checkpointed past it.
 */
import Database from 'better-sqlite3';

export interface SnapshotDocument {
  readonly id: string;
  readonly source: string;
  readonly seqNo: number;
  readonly primaryTerm: number;
  readonly version: number;
  readonly routing?: string;
}

/** A live document without its source: what a follower that copied the leader's segment files checks them against. */
export interface SnapshotDocumentMetadata {
  readonly id: string;
  readonly seqNo: number;
  readonly primaryTerm: number;
  readonly version: number;
  readonly routing?: string;
  /** The UTF-8 bytes of its `_source`. */
  readonly sourceBytes: number;
}

interface MetadataRow {
  id: string;
  source_bytes: number;
  seq_no: number;
  primary_term: number;
  version: number;
  routing: string | null;
}

interface Row {
  id: string;
  source: string;
  seq_no: number;
  primary_term: number;
  version: number;
  routing: string | null;
}

function documentOf(row: Row): SnapshotDocument {
  return { id: row.id, source: row.source, seqNo: row.seq_no, primaryTerm: row.primary_term, version: row.version, ...(row.routing !== null ? { routing: row.routing } : {}) };
}

export class ShardSnapshot {
  private readonly db: Database.Database;
  private readonly page: Database.Statement<[string, number], Row>;
  private readonly metadataPage: Database.Statement<[string, number], MetadataRow>;
  private readonly byId: Database.Statement<[string], Row>;
  /** The shard's max seq_no when the snapshot was taken: every document read reflects it. */
  readonly maxSeqNo: number;
  /** Live documents in the snapshot. */
  readonly docCount: number;
  /** The UTF-8 bytes of the live documents' ids and sources (what a full copy sends: `_cat/recovery`'s bytes). */
  readonly documentBytes: number;

  private constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      this.db.pragma('busy_timeout = 5000');
      this.db.exec('BEGIN');
      // The first read starts the snapshot; everything below reads the same one.
      this.maxSeqNo = Number((this.db.prepare("SELECT value FROM store_meta WHERE key = 'max_seq_no'").get() as { value: string } | undefined)?.value ?? '-1');
      const live = this.db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(length(CAST(id AS BLOB)) + length(CAST(source AS BLOB))), 0) AS bytes FROM docs WHERE source IS NOT NULL').get() as { count: number; bytes: number };
      this.docCount = live.count;
      this.documentBytes = live.bytes;
      this.page = this.db.prepare<[string, number], Row>(
        'SELECT id, source, seq_no, primary_term, version, routing FROM docs WHERE source IS NOT NULL AND id > ? ORDER BY id LIMIT ?',
      );
      this.metadataPage = this.db.prepare<[string, number], MetadataRow>(
        'SELECT id, length(CAST(source AS BLOB)) AS source_bytes, seq_no, primary_term, version, routing FROM docs WHERE source IS NOT NULL AND id > ? ORDER BY id LIMIT ?',
      );
      this.byId = this.db.prepare<[string], Row>('SELECT id, source, seq_no, primary_term, version, routing FROM docs WHERE source IS NOT NULL AND id = ?');
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  static open(file: string): ShardSnapshot {
    return new ShardSnapshot(file);
  }

  /**
   * Live documents with an id after `afterId` ('' for the first page), in id order, until `limit`
   * documents or about `maxBytes` of sources (at least one document per page).
   */
  read(afterId: string, limit: number, maxBytes: number): SnapshotDocument[] {
    const documents: SnapshotDocument[] = [];
    let bytes = 0;
    for (const row of this.page.iterate(afterId, limit)) {
      documents.push(documentOf(row));
      bytes += row.source.length + row.id.length;
      if (bytes >= maxBytes) break;
    }
    return documents;
  }

  /** As `read`, without the sources (each one's UTF-8 length instead), until `limit` documents. */
  readMetadata(afterId: string, limit: number): SnapshotDocumentMetadata[] {
    const documents: SnapshotDocumentMetadata[] = [];
    for (const row of this.metadataPage.iterate(afterId, limit)) {
      documents.push({ id: row.id, sourceBytes: row.source_bytes, seqNo: row.seq_no, primaryTerm: row.primary_term, version: row.version, ...(row.routing !== null ? { routing: row.routing } : {}) });
    }
    return documents;
  }

  /** The live documents among `ids`, in the order given (ids the snapshot does not hold are left out). */
  readIds(ids: readonly string[]): SnapshotDocument[] {
    const documents: SnapshotDocument[] = [];
    for (const id of ids) {
      const row = this.byId.get(id);
      if (row !== undefined) documents.push(documentOf(row));
    }
    return documents;
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // The transaction ends with the connection anyway.
    }
    this.db.close();
  }
}
