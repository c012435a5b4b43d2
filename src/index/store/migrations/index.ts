/**
 * Shard store migrations (style P12): each step takes a shard database from one format version to
 * the next, inside one transaction, so a data directory written by an earlier release still opens.
 * A step is never edited once released; a new format adds a step. Frozen files of every released
 * format live in test/fixtures/store-v<N>/ and the store tests open them.
 */
import type Database from 'better-sqlite3';

export interface ShardStoreMigration {
  readonly from: number;
  readonly to: number;
  /** What the step changes, for the log and for readers of this list. */
  readonly description: string;
  readonly statements: readonly string[];
}

export const shardStoreMigrations: readonly ShardStoreMigration[] = [
  {
    from: 1,
    to: 2,
    description: 'documents and operations keep the routing value they were written with (`_routing`)',
    // NULL for every existing row: documents written before format 2 had no routing stored.
    statements: ['ALTER TABLE docs ADD COLUMN routing TEXT', 'ALTER TABLE ops ADD COLUMN routing TEXT'],
  },
  {
    from: 2,
    to: 3,
    description: 'operations keep the time they were acknowledged (`timestamp_ms`), for cross-cluster replication lag',
    // NULL for every existing row: their acknowledgement time was not recorded.
    statements: ['ALTER TABLE ops ADD COLUMN timestamp_ms INTEGER'],
  },
];

/**
 * Runs the steps from `fromVersion` up to `toVersion` in one transaction and records the new
 * format version. Returns the descriptions of the steps run. Throws when no chain of steps leads
 * there (the caller reports it as a format error).
 */
export function migrateShardStore(db: Database.Database, fromVersion: number, toVersion: number): string[] {
  const applied: string[] = [];
  db.transaction(() => {
    let version = fromVersion;
    while (version < toVersion) {
      const step = shardStoreMigrations.find((migration) => migration.from === version);
      if (step === undefined) throw new Error(`no migration from shard store format version [${version}]`);
      for (const statement of step.statements) db.exec(statement);
      applied.push(step.description);
      version = step.to;
    }
    db.prepare('UPDATE store_meta SET value = ? WHERE key = ?').run(String(version), 'format_version');
  })();
  return applied;
}
