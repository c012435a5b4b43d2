import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowAllAccess,
  parseIndicesOptions,
  resolveIndexExpression,
  resolveSingleIndex,
  resolveWriteIndex,
  strictExpandOpen,
  type IndexView,
} from '../../../src/index/index.js';

// Reference: Elasticsearch "Multi-target syntax" (api-conventions.html#api-multi-index).
const view = (name: string, options: { open?: boolean; hidden?: boolean; aliases?: Record<string, { isWriteIndex?: boolean }> } = {}): IndexView => ({
  name,
  open: options.open ?? true,
  hidden: options.hidden ?? false,
  aliases: new Map(Object.entries(options.aliases ?? {})),
});

const state: IndexView[] = [
  view('logs-1', { aliases: { logs: { isWriteIndex: false } } }),
  view('logs-2', { aliases: { logs: { isWriteIndex: true } } }),
  view('metrics', { aliases: { single: {} } }),
  view('old', { open: false }),
  view('.secret', { hidden: true }),
];

const cases: ReadonlyArray<{ expression: string | undefined; query?: Record<string, string>; expected: string[] | RegExp }> = [
  { expression: undefined, expected: ['logs-1', 'logs-2', 'metrics'] },
  { expression: '_all', expected: ['logs-1', 'logs-2', 'metrics'] },
  { expression: '*', expected: ['logs-1', 'logs-2', 'metrics'] },
  { expression: 'logs-*', expected: ['logs-1', 'logs-2'] },
  { expression: 'logs-*,-logs-1', expected: ['logs-2'] },
  { expression: '*,-logs*', expected: ['metrics'] },
  { expression: 'logs', expected: ['logs-1', 'logs-2'] },
  { expression: 'metrics,logs-1', expected: ['metrics', 'logs-1'] },
  { expression: 'old', expected: ['old'] },
  { expression: '*', query: { expand_wildcards: 'closed' }, expected: ['old'] },
  { expression: '*', query: { expand_wildcards: 'all' }, expected: ['logs-1', 'logs-2', 'metrics', 'old', '.secret'] },
  { expression: '.*', expected: ['.secret'] },
  { expression: '*', query: { expand_wildcards: 'none' }, expected: [] },
  { expression: 'nope', expected: /no such index \[nope\]/ },
  { expression: 'nope,metrics', query: { ignore_unavailable: 'true' }, expected: ['metrics'] },
  { expression: 'nope*', expected: [] },
  { expression: 'nope*', query: { allow_no_indices: 'false' }, expected: /no such index \[nope\*\]/ },
];

for (const testCase of cases) {
  test(`resolve [${testCase.expression}] ${JSON.stringify(testCase.query ?? {})}`, () => {
    const options = parseIndicesOptions(testCase.query ?? {}, strictExpandOpen);
    if (testCase.expected instanceof RegExp) {
      assert.throws(() => resolveIndexExpression(testCase.expression, state, options, allowAllAccess), testCase.expected);
    } else {
      assert.deepEqual(resolveIndexExpression(testCase.expression, state, options, allowAllAccess).indices, testCase.expected);
    }
  });
}

test('wildcards expand only to allowed names; literals are handed to authorizeLiterals before not-found', () => {
  const literalCalls: string[][] = [];
  const access = {
    allows: (name: string) => name !== 'logs-2',
    authorizeLiterals: (names: readonly string[]) => {
      literalCalls.push([...names]);
      if (names.includes('forbidden')) throw new Error('403');
    },
  };
  assert.deepEqual(resolveIndexExpression('logs-*', state, strictExpandOpen, access).indices, ['logs-1']);
  assert.throws(() => resolveIndexExpression('forbidden', state, strictExpandOpen, access), /403/);
  assert.deepEqual(literalCalls, [[], ['forbidden']]);
});

test('write index: alias with is_write_index, single-index alias, auto-create, ambiguity', () => {
  assert.deepEqual(resolveWriteIndex('logs', state), { index: 'logs-2' });
  assert.deepEqual(resolveWriteIndex('single', state), { index: 'metrics' });
  assert.deepEqual(resolveWriteIndex('fresh', state), { create: 'fresh' });
  const ambiguous = [view('a', { aliases: { both: {} } }), view('b', { aliases: { both: {} } })];
  assert.throws(() => resolveWriteIndex('both', ambiguous), /no write index is defined for alias \[both\]/);
  assert.throws(() => resolveSingleIndex('both', ambiguous), /has more than one index associated with it \[a, b\]/);
  assert.throws(() => resolveSingleIndex('nope', ambiguous), /no such index \[nope\]/);
});
