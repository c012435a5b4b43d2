/**
 * Stored ingest pipelines in the node database (I/O shell over SqlDatabase, P6): one row per
 * pipeline in `ingest_pipelines` with the definition as it was put (what `GET
 * /_ingest/pipeline/{id}` answers), the format version in `ingest_meta`. Elasticsearch keeps
 * pipelines in the cluster state; a one-node Strait keeps them here, so they survive restarts.
 */
import { claimFormatVersion, type SqlDatabase } from '../../common/index.js';
import { StoreFormatError } from '../store/index.js';

/** The format of the `ingest_pipelines` rows (P12). Bump only with a migration. */
export const INGEST_PIPELINES_FORMAT_VERSION = 1;

export interface StoredPipeline {
  readonly id: string;
  readonly definition: Record<string, unknown>;
}

export class SqlPipelineStore {
  private constructor(private readonly db: SqlDatabase) {}

  static open(db: SqlDatabase): SqlPipelineStore {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ingest_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ingest_pipelines (id TEXT PRIMARY KEY, definition TEXT NOT NULL);
    `);
    const found = claimFormatVersion(db, 'ingest_meta', INGEST_PIPELINES_FORMAT_VERSION);
    if (found !== undefined) throw new StoreFormatError(`ingest pipelines have format version [${found}], this node reads [${INGEST_PIPELINES_FORMAT_VERSION}]`);
    return new SqlPipelineStore(db);
  }

  all(): StoredPipeline[] {
    const rows = this.db.prepare('SELECT id, definition FROM ingest_pipelines ORDER BY id').all() as { id: string; definition: string }[];
    return rows.map((row) => ({ id: row.id, definition: JSON.parse(row.definition) as Record<string, unknown> }));
  }

  put(id: string, definition: Readonly<Record<string, unknown>>): void {
    this.db
      .prepare('INSERT INTO ingest_pipelines (id, definition) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition')
      .run(id, JSON.stringify(definition));
  }

  /** Removes the pipelines in one commit. */
  remove(ids: readonly string[]): void {
    const statement = this.db.prepare('DELETE FROM ingest_pipelines WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) statement.run(id);
    })();
  }
}
