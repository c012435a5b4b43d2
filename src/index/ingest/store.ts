/**
 * Stored ingest pipelines in the node database (I/O shell over SqlDatabase, P6): one row per
 * pipeline in `ingest_pipelines` with the definition as it was put (what `GET
 * /_ingest/pipeline/{id}` answers), the format version in `ingest_meta`. Elasticsearch keeps
 * pipelines in the cluster state; a one-node Strait keeps them here, so they survive restarts.
 */
import type { SqlDatabase } from '../../common/index.js';
import { JsonDocumentTable } from '../store/versioned-tables.js';

/** The format of the `ingest_pipelines` rows (P12). Bump only with a migration. */
export const INGEST_PIPELINES_FORMAT_VERSION = 1;

export interface StoredPipeline {
  readonly id: string;
  readonly definition: Record<string, unknown>;
}

export class SqlPipelineStore {
  private constructor(private readonly table: JsonDocumentTable<Record<string, unknown>>) {}

  static open(db: SqlDatabase): SqlPipelineStore {
    return new SqlPipelineStore(
      JsonDocumentTable.open(db, {
        metaTable: 'ingest_meta',
        version: INGEST_PIPELINES_FORMAT_VERSION,
        subject: 'ingest pipelines have',
        table: 'ingest_pipelines',
        keyColumn: 'id',
        valueColumn: 'definition',
      }),
    );
  }

  all(): StoredPipeline[] {
    return this.table.entries().map(([id, definition]) => ({ id, definition }));
  }

  put(id: string, definition: Readonly<Record<string, unknown>>): void {
    this.table.put(id, definition);
  }

  /** Removes the pipelines in one commit. */
  remove(ids: readonly string[]): void {
    this.table.removeAll(ids);
  }
}
