/**
 * Data streams in the node database (I/O shell over SqlDatabase, P6): one row per stream in
 * `data_streams`, its definition as JSON (backing index names in generation order, generation,
 * template, hidden, _meta). The backing indices themselves are ordinary indices in `index_metadata`.
 */
import type { SqlDatabase } from '../../common/index.js';
import { JsonDocumentTable } from './versioned-tables.js';

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
  private constructor(private readonly table: JsonDocumentTable<DataStreamMetadata>) {}

  static open(db: SqlDatabase): DataStreamStore {
    return new DataStreamStore(
      JsonDocumentTable.open(db, {
        metaTable: 'data_stream_meta',
        version: DATA_STREAM_FORMAT_VERSION,
        subject: 'data streams have',
        table: 'data_streams',
        keyColumn: 'name',
        valueColumn: 'definition',
      }),
    );
  }

  loadAll(): DataStreamMetadata[] {
    return this.table.entries().map(([, stream]) => stream);
  }

  put(stream: DataStreamMetadata): void {
    this.table.put(stream.name, stream);
  }

  remove(name: string): void {
    this.table.remove(name);
  }
}
