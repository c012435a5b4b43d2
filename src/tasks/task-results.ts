/**
 * Finished tasks' results in the node database (I/O shell over SqlDatabase, P6): Strait's
 * counterpart of Elasticsearch's `.tasks` index. A bulk-by-scroll request run with
 * `wait_for_completion=false` writes its response (or error) here, and `GET /_tasks/{id}` answers
 * with it, also after the node restarts. At most taskLimits.resultsMax rows are kept; the oldest go
 * first. Rows hold what `GET /_tasks` shows (never credentials: descriptions name no secrets).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/tasks.html
 */
import type { SqlDatabase } from '../common/index.js';
import { openVersionedTables } from '../index/index.js';
import { taskLimits, type TaskResult, type TaskResultStore } from './task-manager.js';

/** The format of the `task_results` rows (P12). Bump only with a migration. */
export const TASK_RESULTS_FORMAT_VERSION = 1;

export class SqlTaskResults implements TaskResultStore {
  private constructor(
    private readonly db: SqlDatabase,
    private readonly rowsMax: number,
  ) {}

  static open(db: SqlDatabase, rowsMax: number = taskLimits.resultsMax): SqlTaskResults {
    openVersionedTables(db, {
      metaTable: 'task_results_meta',
      version: TASK_RESULTS_FORMAT_VERSION,
      subject: 'task results have',
      tablesSql: `
        CREATE TABLE IF NOT EXISTS task_results (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          task_id TEXT NOT NULL UNIQUE,
          node_id TEXT NOT NULL,
          task_number INTEGER NOT NULL,
          result TEXT NOT NULL
        );
      `,
    });
    return new SqlTaskResults(db, rowsMax);
  }

  put(taskId: string, result: TaskResult): void {
    const colon = taskId.lastIndexOf(':');
    // One commit: the row replaces an older one of the same id, and the oldest rows past the bound go.
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM task_results WHERE task_id = ?').run(taskId);
      this.db
        .prepare('INSERT INTO task_results (task_id, node_id, task_number, result) VALUES (?, ?, ?, ?)')
        .run(taskId, taskId.slice(0, colon), Number(taskId.slice(colon + 1)), JSON.stringify(result));
      this.db.prepare('DELETE FROM task_results WHERE seq <= (SELECT MAX(seq) FROM task_results) - ?').run(this.rowsMax);
    })();
  }

  get(taskId: string): TaskResult | undefined {
    const row = this.db.prepare('SELECT result FROM task_results WHERE task_id = ?').get(taskId) as { result: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.result) as TaskResult);
  }

  maxTaskNumber(nodeId: string): number {
    const row = this.db.prepare('SELECT MAX(task_number) AS n FROM task_results WHERE node_id = ?').get(nodeId) as { n: number | null };
    return row.n ?? 0;
  }
}
