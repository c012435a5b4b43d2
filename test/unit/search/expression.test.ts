// CCS index expression grammar: shared/spec/remote-clusters.md §7.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { splitIndexExpression } from '../../../src/search/expression.js';

const aliases = ['eu_logs', 'eu_old', 'us_logs'];
const split = (expression: string) => {
  const result = splitIndexExpression(expression, aliases);
  return { local: result.local, remote: Object.fromEntries(result.remote) };
};

test('no colon means local; local and remote mix', () => {
  assert.deepEqual(split('logs-*,eu_logs:logs-*,*:metrics-*'), {
    local: ['logs-*'],
    remote: { eu_logs: ['logs-*', 'metrics-*'], eu_old: ['metrics-*'], us_logs: ['metrics-*'] },
  });
});

test('`*:*` does not include the local cluster', () => {
  assert.deepEqual(split('*:*').local, []);
});

test('per-cluster exclusions stay with that cluster; whole-cluster exclusion removes it', () => {
  assert.deepEqual(split('eu_*:logs-*,eu_logs:-logs-debug,-eu_old:*'), { local: [], remote: { eu_logs: ['logs-*', '-logs-debug'] } });
});

test('a literal unknown alias is a 404 no_such_remote_cluster_exception; a wildcard matching nothing is empty', () => {
  assert.throws(() => split('nowhere:logs'), (error: EsError) => error.status === 404 && error.type === 'no_such_remote_cluster_exception' && error.message === 'no such remote cluster: [nowhere]');
  assert.deepEqual(split('ap_*:logs,local'), { local: ['local'], remote: {} });
});

test('the errors of §7.1', () => {
  assert.throws(() => split(':logs'), (error: EsError) => error.status === 400 && /remote part is empty/.test(error.message));
  assert.throws(() => split('eu_logs:logs,-eu_logs:logs'), /must specify the '\*' wildcard/);
  assert.throws(() => split('eu_logs:logs,-us_*:*'), /Attempt to exclude cluster \[us_\*\]/);
  assert.throws(() => split('eu_logs:logs,-eu_logs:*'), /excludes all indexes/);
});

test('date math is always local', () => {
  assert.deepEqual(split('<logs-{now/d}>').local, ['<logs-{now/d}>']);
});
