/**
 * What the column answers between Strait nodes share (pure): `shard_changes` operations
 * (operation-columns.ts) and a restore session's documents without sources (document-columns.ts).
 */

/** A non-negative safe integer. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Checks that every named column is an array of `count` entries, and `routings` too unless absent;
 * otherwise `malformed` throws, naming the column and `unit` (what one entry stands for).
 */
export function checkColumnLengths(columns: readonly (readonly [string, unknown])[], routings: unknown, count: number, unit: string, malformed: (reason: string) => never): void {
  for (const [name, column] of columns) {
    if (!Array.isArray(column) || column.length !== count) malformed(`${name} has one entry per ${unit}`);
  }
  if (routings !== undefined && (!Array.isArray(routings) || routings.length !== count)) malformed(`routings has one entry per ${unit}`);
}

/** The `routings` column: absent when no item has a routing, else one entry per item (null for those without). */
export function routingsColumn<T>(items: readonly T[], routingOf: (item: T) => string | null | undefined): (string | null)[] | undefined {
  if (!items.some((item) => (routingOf(item) ?? null) !== null)) return undefined;
  return items.map((item) => routingOf(item) ?? null);
}
