/**
 * Index metadata in the node database (I/O shell over SqlDatabase, P6): one row per index in
 * `index_metadata`, the format version in `index_store_meta`. Aliases live in the index's row,
 * as in Elasticsearch's IndexMetadata.
 */
import type { SqlDatabase } from '../../common/index.js';
import { openVersionedTables } from './versioned-tables.js';

/**
 * The format of the `index_metadata` table, versioned on its own (P12): shard stores moved to
 * format 2 (routing) while this table did not change. Bump only with a migration.
 */
export const METADATA_FORMAT_VERSION = 1;

export interface AliasMetadata {
  readonly is_write_index?: boolean;
  readonly is_hidden?: boolean;
  readonly filter?: Record<string, unknown>;
  readonly index_routing?: string;
  readonly search_routing?: string;
}

export interface IndexMetadata {
  readonly name: string;
  readonly uuid: string;
  readonly creationDateMs: number;
  readonly state: 'open' | 'close';
  /** Flat `index.*` settings as strings, without the node-set ones (uuid, creation_date, ...). */
  readonly settings: Readonly<Record<string, string>>;
  readonly mappings: Readonly<Record<string, unknown>>;
  readonly aliases: Readonly<Record<string, AliasMetadata>>;
  /** Bumped on every metadata change. */
  readonly version: number;
}

interface Row {
  name: string;
  uuid: string;
  creation_date: number;
  state: 'open' | 'close';
  settings: string;
  mappings: string;
  aliases: string;
  version: number;
}

export class MetadataStore {
  private constructor(private readonly db: SqlDatabase) {}

  static open(db: SqlDatabase): MetadataStore {
    openVersionedTables(db, {
      metaTable: 'index_store_meta',
      version: METADATA_FORMAT_VERSION,
      subject: 'index metadata has',
      tablesSql: `
        CREATE TABLE IF NOT EXISTS index_metadata (
          name TEXT PRIMARY KEY,
          uuid TEXT NOT NULL UNIQUE,
          creation_date INTEGER NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('open', 'close')),
          settings TEXT NOT NULL,
          mappings TEXT NOT NULL,
          aliases TEXT NOT NULL,
          version INTEGER NOT NULL
        );
      `,
    });
    return new MetadataStore(db);
  }

  loadAll(): IndexMetadata[] {
    const rows = this.db.prepare('SELECT * FROM index_metadata ORDER BY name').all() as Row[];
    return rows.map((row) => ({
      name: row.name,
      uuid: row.uuid,
      creationDateMs: row.creation_date,
      state: row.state,
      settings: JSON.parse(row.settings) as Record<string, string>,
      mappings: JSON.parse(row.mappings) as Record<string, unknown>,
      aliases: JSON.parse(row.aliases) as Record<string, AliasMetadata>,
      version: row.version,
    }));
  }

  /** Inserts or replaces the metadata of one index (one commit). */
  put(metadata: IndexMetadata): void {
    this.db
      .prepare(
        'INSERT INTO index_metadata (name, uuid, creation_date, state, settings, mappings, aliases, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (name) DO UPDATE SET uuid = excluded.uuid, creation_date = excluded.creation_date, state = excluded.state, ' +
          'settings = excluded.settings, mappings = excluded.mappings, aliases = excluded.aliases, version = excluded.version',
      )
      .run(
        metadata.name,
        metadata.uuid,
        metadata.creationDateMs,
        metadata.state,
        JSON.stringify(metadata.settings),
        JSON.stringify(metadata.mappings),
        JSON.stringify(metadata.aliases),
        metadata.version,
      );
  }

  /** Several puts in one commit (alias actions across indices). */
  putAll(list: readonly IndexMetadata[]): void {
    this.db.transaction(() => {
      for (const metadata of list) this.put(metadata);
    })();
  }

  remove(name: string): void {
    this.db.prepare('DELETE FROM index_metadata WHERE name = ?').run(name);
  }
}
