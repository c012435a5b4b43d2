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
