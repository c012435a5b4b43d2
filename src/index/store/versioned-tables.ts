/**
 * The shape the node.db stores share (I/O shell over SqlDatabase, P6). Each store keeps its
 * tables next to a `(key, value)` meta table holding the rows' format version (P12): a fresh
 * database records this node's version, a database of another version is refused.
 * `openVersionedTables` is that opening; `JsonDocumentTable` is the commonest table behind it:
 * one JSON document per text key (stored pipelines, stored scripts, data streams).
 */
import { claimFormatVersion, type SqlDatabase } from '../../common/index.js';
import { StoreFormatError } from './shard-store.js';

export interface VersionedTables {
  /** The `(key TEXT PRIMARY KEY, value TEXT NOT NULL)` table holding `format_version`. */
  readonly metaTable: string;
  readonly version: number;
  /** `CREATE TABLE IF NOT EXISTS ...` statements for the store's own tables. */
  readonly tablesSql: string;
  /** What the refusal names, with its verb: "ingest pipelines have", "index metadata has". */
  readonly subject: string;
}

/** Creates the meta table and the store's tables, and claims the format version or throws StoreFormatError. */
export function openVersionedTables(db: SqlDatabase, tables: VersionedTables): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${tables.metaTable} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    ${tables.tablesSql}
  `);
  const found = claimFormatVersion(db, tables.metaTable, tables.version);
  if (found !== undefined) throw new StoreFormatError(`${tables.subject} format version [${found}], this node reads [${tables.version}]`);
}

export interface JsonDocumentTableSpec {
  readonly metaTable: string;
  readonly version: number;
  readonly subject: string;
  /** The table: `(<keyColumn> TEXT PRIMARY KEY, <valueColumn> TEXT NOT NULL)`, the value a JSON document. */
  readonly table: string;
  readonly keyColumn: string;
  readonly valueColumn: string;
}

/** One JSON document per text key, in a versioned table. Names come from code, never from requests. */
export class JsonDocumentTable<T> {
  private constructor(
    private readonly db: SqlDatabase,
    private readonly spec: JsonDocumentTableSpec,
  ) {}

  static open<T>(db: SqlDatabase, spec: JsonDocumentTableSpec): JsonDocumentTable<T> {
    openVersionedTables(db, {
      metaTable: spec.metaTable,
      version: spec.version,
      subject: spec.subject,
      tablesSql: `CREATE TABLE IF NOT EXISTS ${spec.table} (${spec.keyColumn} TEXT PRIMARY KEY, ${spec.valueColumn} TEXT NOT NULL);`,
    });
    return new JsonDocumentTable<T>(db, spec);
  }

  /** Every row, in key order. */
  entries(): Array<[string, T]> {
    const { table, keyColumn, valueColumn } = this.spec;
    const rows = this.db.prepare(`SELECT ${keyColumn} AS key, ${valueColumn} AS value FROM ${table} ORDER BY ${keyColumn}`).all() as { key: string; value: string }[];
    return rows.map((row) => [row.key, JSON.parse(row.value) as T]);
  }

  get(key: string): T | undefined {
    const { table, keyColumn, valueColumn } = this.spec;
    const row = this.db.prepare(`SELECT ${valueColumn} AS value FROM ${table} WHERE ${keyColumn} = ?`).get(key) as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  /** Inserts or replaces the document of `key` (one commit). */
  put(key: string, value: T): void {
    const { table, keyColumn, valueColumn } = this.spec;
    this.db
      .prepare(`INSERT INTO ${table} (${keyColumn}, ${valueColumn}) VALUES (?, ?) ON CONFLICT (${keyColumn}) DO UPDATE SET ${valueColumn} = excluded.${valueColumn}`)
      .run(key, JSON.stringify(value));
  }

  /** Whether there was a row to remove. */
  remove(key: string): boolean {
    return this.db.prepare(`DELETE FROM ${this.spec.table} WHERE ${this.spec.keyColumn} = ?`).run(key).changes > 0;
  }

  /** Removes the rows in one commit. */
  removeAll(keys: readonly string[]): void {
    const statement = this.db.prepare(`DELETE FROM ${this.spec.table} WHERE ${this.spec.keyColumn} = ?`);
    this.db.transaction(() => {
      for (const key of keys) statement.run(key);
    })();
  }
}
