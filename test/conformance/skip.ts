/**
 * Conformance files and tests we do not run yet, each with its reason (never skipped silently:
 * node:test reports them as skipped with this text).
 */
export interface SkipEntry {
  readonly file: string; // relative to shared/conformance/clients-tests
  readonly test?: string; // one test of the file; whole file when absent
  readonly reason: string;
}

export const skipped: readonly SkipEntry[] = [];
