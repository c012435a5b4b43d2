/**
 * Finished async searches in the node database (I/O shell over SqlDatabase, P6): one row per kept
 * result in `async_search_results`, the format version in `async_search_meta`. This is Strait's
 * counterpart of Elasticsearch's `.async-search` system index: a result written here is answered
 * by `GET _async_search/{id}` and its status after the node restarts, until its keep-alive passes.
 * A row holds the submitter's identity (user name and realm, or API key id: never a credential),
 * so that ownership still holds after a restart.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/async-search.html
 */
import type { SqlDatabase } from '../common/index.js';
import { openVersionedTables } from '../index/index.js';
import type { AsyncSearchResults, StoredAsyncSearch } from './async-search.js';

/** The format of the `async_search_results` rows (P12). Bump only with a migration. */
export const ASYNC_SEARCH_RESULTS_FORMAT_VERSION = 1;

/** The JSON in a row's `record` column (the expiration is its own column: it is renewed and swept). */
interface RecordJson {
  readonly owner: StoredAsyncSearch['owner'];
  readonly start_ms: number;
  readonly completion_ms: number;
  readonly outcome: StoredAsyncSearch['outcome'];
}

export class SqlAsyncSearchResults implements AsyncSearchResults {
  private constructor(private readonly db: SqlDatabase) {}

  static open(db: SqlDatabase): SqlAsyncSearchResults {
    openVersionedTables(db, {
      metaTable: 'async_search_meta',
      version: ASYNC_SEARCH_RESULTS_FORMAT_VERSION,
      subject: 'async search results have',
      tablesSql: `
        CREATE TABLE IF NOT EXISTS async_search_results (
          id TEXT PRIMARY KEY,
          expiration_ms INTEGER NOT NULL,
          record TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS async_search_results_expiration ON async_search_results (expiration_ms);
      `,
    });
    return new SqlAsyncSearchResults(db);
  }

  put(result: StoredAsyncSearch, bytesMax: number): boolean {
    const json: RecordJson = { owner: result.owner, start_ms: result.startMs, completion_ms: result.completionMs, outcome: result.outcome };
    const encoded = JSON.stringify(json);
    if (Buffer.byteLength(encoded, 'utf8') > bytesMax) return false;
    // One commit: the row is there whole or not at all.
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO async_search_results (id, expiration_ms, record) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET expiration_ms = excluded.expiration_ms, record = excluded.record')
        .run(result.id, result.expiresAtMs, encoded);
    })();
    return true;
  }

  get(id: string): StoredAsyncSearch | undefined {
    const row = this.db.prepare('SELECT expiration_ms, record FROM async_search_results WHERE id = ?').get(id) as { expiration_ms: number; record: string } | undefined;
    if (row === undefined) return undefined;
    const json = JSON.parse(row.record) as RecordJson;
    return { id, owner: json.owner, startMs: json.start_ms, expiresAtMs: row.expiration_ms, completionMs: json.completion_ms, outcome: json.outcome };
  }

  setExpiration(id: string, expiresAtMs: number): boolean {
    return this.db.prepare('UPDATE async_search_results SET expiration_ms = ? WHERE id = ?').run(expiresAtMs, id).changes > 0;
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM async_search_results WHERE id = ?').run(id).changes > 0;
  }

  removeExpired(nowMs: number): number {
    return this.db.prepare('DELETE FROM async_search_results WHERE expiration_ms <= ?').run(nowMs).changes;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM async_search_results').get() as { n: number }).n;
  }
}
