// Shared by the normalizer and char filter tests: `index.analysis` settings as the index holds
// them, and the 400 Elasticsearch gives for a bad normalizer definition.
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { normalizersOf } from '../../../src/index/analysis/index.js';
import { flattenSettings } from '../../../src/index/settings.js';

export const settingsOf = (analysis: unknown): Record<string, string> => flattenSettings({ analysis }) as Record<string, string>;

/** Asserts that `parse` fails with an illegal_argument_exception (400) of this reason. */
export function refusedWith(parse: () => unknown, reason: string | RegExp): void {
  assert.throws(parse, (error: unknown) => {
    assert.ok(error instanceof EsError, `an EsError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.type, 'illegal_argument_exception');
    if (typeof reason === 'string') assert.equal(error.message, reason);
    else assert.match(error.message, reason);
    return true;
  });
}

/** Asserts that parsing these normalizers fails with an illegal_argument_exception (400) of this reason. */
export function refused(analysis: unknown, reason: string | RegExp): void {
  refusedWith(() => normalizersOf(settingsOf(analysis)), reason);
}
