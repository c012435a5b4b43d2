/**
 * The SQL boundary (style P6): core code depends on this interface, not on better-sqlite3's types.
 * The node opens the real database (`better-sqlite3`, WAL) and hands it down; tests use the real
 * library too (`new Database(':memory:')`), never a mock.
 */
export interface SqlStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  exec(sql: string): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
}

/**
 * Records `version` as the format of a fresh store (its `metaTable(key, value)` has no
 * `format_version` yet), or reads the one recorded. Returns the recorded version when it differs,
 * for the caller to refuse with its own error; undefined when the store is of this format.
 */
export function claimFormatVersion(db: SqlDatabase, metaTable: string, version: number): string | undefined {
  const row = db.prepare(`SELECT value FROM ${metaTable} WHERE key = ?`).get('format_version') as { value: string } | undefined;
  if (row === undefined) {
    db.prepare(`INSERT INTO ${metaTable} (key, value) VALUES (?, ?)`).run('format_version', String(version));
    return undefined;
  }
  return Number(row.value) === version ? undefined : row.value;
}
