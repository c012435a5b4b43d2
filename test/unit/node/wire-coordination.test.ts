/**
 * `_cluster/health?wait_for_nodes=` forms (cluster-health.html: `N`, `>=N`, `<=N`, `>N`, `<N`,
 * and `ge(N)`, `le(N)`, `gt(N)`, `lt(N)`); anything else is a 400.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWaitForNodes } from '../../../src/node/wire-coordination.js';
import { EsError } from '../../../src/common/index.js';

test('wait_for_nodes comparisons', () => {
  const cases: ReadonlyArray<readonly [string, number, boolean]> = [
    ['3', 3, true], ['3', 2, false], ['>=3', 4, true], ['>=3', 2, false], ['<=2', 2, true], ['<=2', 3, false],
    ['>2', 3, true], ['>2', 2, false], ['<2', 1, true], ['<2', 2, false], ['ge(3)', 3, true], ['le(3)', 4, false], ['gt(1)', 2, true], ['lt(1)', 0, true],
  ];
  for (const [value, count, expected] of cases) assert.equal(parseWaitForNodes(value)(count), expected, `${value} with ${count}`);
});

test('a malformed wait_for_nodes is a 400 illegal_argument_exception', () => {
  assert.throws(() => parseWaitForNodes('three'), (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'illegal_argument_exception');
});
