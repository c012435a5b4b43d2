/**
 * Index templates in the node database (I/O shell over SqlDatabase, P6): one row per template in
 * `index_templates`, keyed by kind (composable, component, legacy) and name; the body is the parsed
 * template as JSON. The format version lives in `index_template_meta`.
 */
import type { SqlDatabase } from '../../common/index.js';
import { openVersionedTables } from './versioned-tables.js';

/** Bump only with a migration. */
export const TEMPLATE_FORMAT_VERSION = 1;

export type TemplateKind = 'composable' | 'component' | 'legacy';

export class TemplateStore {
  private constructor(private readonly db: SqlDatabase) {}

  static open(db: SqlDatabase): TemplateStore {
    openVersionedTables(db, {
      metaTable: 'index_template_meta',
      version: TEMPLATE_FORMAT_VERSION,
      subject: 'index templates have',
      tablesSql: `
        CREATE TABLE IF NOT EXISTS index_templates (
          kind TEXT NOT NULL CHECK (kind IN ('composable', 'component', 'legacy')),
          name TEXT NOT NULL,
          body TEXT NOT NULL,
          PRIMARY KEY (kind, name)
        );
      `,
    });
    return new TemplateStore(db);
  }

  loadAll(kind: TemplateKind): Array<[string, unknown]> {
    const rows = this.db.prepare('SELECT name, body FROM index_templates WHERE kind = ? ORDER BY name').all(kind) as Array<{ name: string; body: string }>;
    return rows.map((row) => [row.name, JSON.parse(row.body) as unknown]);
  }

  put(kind: TemplateKind, name: string, body: unknown): void {
    this.db
      .prepare('INSERT INTO index_templates (kind, name, body) VALUES (?, ?, ?) ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body')
      .run(kind, name, JSON.stringify(body));
  }

  /** Removes several templates of one kind in one commit. */
  removeAll(kind: TemplateKind, names: readonly string[]): void {
    this.db.transaction(() => {
      for (const name of names) this.db.prepare('DELETE FROM index_templates WHERE kind = ? AND name = ?').run(kind, name);
    })();
  }
}
