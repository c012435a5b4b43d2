import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDatabase } from '../common/index.js';

/**
 * Opens a SQLite database in WAL mode with FULL synchronous commits: a write acknowledged to a
 * client is on disk before the response, so it survives `kill -9` and power loss alike.
 */
export function openDatabase(file: string, options: { synchronous?: 'FULL' | 'NORMAL' } = {}): SqlDatabase {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  return db as unknown as SqlDatabase;
}
