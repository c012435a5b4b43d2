/**
 * Data streams in the node database (I/O shell over SqlDatabase, P6): one row per stream in
 * `data_streams`, its definition as JSON (backing index names in generation order, generation,
 * template, hidden, _meta). The backing indices themselves are ordinary indices in `index_metadata`.
 */
import { claimFormatVersion, type SqlDatabase } from '../../common/index.js';
import { StoreFormatError } from './shard-store.js';

/** Bump only with a migration. */
export const DATA_STREAM_FORMAT_VERSION = 1;

export interface DataStreamMetadata {
  readonly name: string;
  /** Backing index names, oldest first; the last is the write index. */
  readonly indices: readonly string[];
  readonly generation: number;
  /** The composable template the stream was created from. */
  readonly template: string;
  readonly hidden: boolean;
  readonly meta: Readonly<Record<string, unknown>> | undefined;
  readonly timestampField: string;
  /** Set on a data stream created by cross-cluster replication (its backing indices are followers). */
  readonly replicated: boolean;
}

export class DataStreamStore {
  private constructor(private readonly db: SqlDatabase) {}

  static open(db: SqlDatabase): DataStreamStore {
    db.exec(`
      CREATE TABLE IF NOT EXISTS data_stream_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS data_streams (name TEXT PRIMARY KEY, definition TEXT NOT NULL);
    `);
    const found = claimFormatVersion(db, 'data_stream_meta', DATA_STREAM_FORMAT_VERSION);
    if (found !== undefined) throw new StoreFormatError(`data streams have format version [${found}], this node reads [${DATA_STREAM_FORMAT_VERSION}]`);
    return new DataStreamStore(db);
  }

  loadAll(): DataStreamMetadata[] {
    const rows = this.db.prepare('SELECT definition FROM data_streams ORDER BY name').all() as Array<{ definition: string }>;
    return rows.map((row) => JSON.parse(row.definition) as DataStreamMetadata);
  }

  put(stream: DataStreamMetadata): void {
    this.db
      .prepare('INSERT INTO data_streams (name, definition) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET definition = excluded.definition')
      .run(stream.name, JSON.stringify(stream));
  }

  remove(name: string): void {
    this.db.prepare('DELETE FROM data_streams WHERE name = ?').run(name);
  }
}
