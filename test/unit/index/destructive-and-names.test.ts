// Issue 9 items 1 and 14: resolution that never deletes an index the caller did not name, the
// dynamic settings that gate writes and index creation, and date math in index names.
// References: Elasticsearch "Delete index API" (an alias is refused), "Aliases API"
// (`remove_index`), "Index management settings" (`action.auto_create_index`,
// `action.destructive_requires_name`), "Cluster-level shard allocation settings"
// (`cluster.max_shards_per_node`), and "Date math support in index and index alias names".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import {
  allowAllAccess,
  checkAutoCreateIndex,
  checkShardLimit,
  parseAutoCreateIndex,
  resolveDateMathExpression,
  resolveDateMathName,
  resolveIndexExpression,
  shardCopies,
  type IndexView,
  type IndicesOptions,
} from '../../../src/index/index.js';

const view = (name: string, aliases: string[] = []): IndexView => ({ name, open: true, hidden: false, aliases: new Map(aliases.map((alias) => [alias, {}])) });
const state = [view('victim', ['va']), view('other', ['va', 'shared']), view('vb')];
const deleteOptions: IndicesOptions = { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['open', 'closed']), ignoreAliases: true };

function thrown(run: () => unknown): EsError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EsError, String(error));
    return error;
  }
  assert.fail('expected an EsError');
}

test('ignoreAliases: a literal alias is refused with the name, after authorization', () => {
  const error = thrown(() => resolveIndexExpression('va', state, deleteOptions, allowAllAccess));
  assert.equal(error.status, 400);
  assert.equal(error.type, 'illegal_argument_exception');
  assert.equal(error.message, 'The provided expression [va] matches an alias, specify the corresponding concrete indices instead.');
  const denied = thrown(() =>
    resolveIndexExpression('va', state, deleteOptions, {
      allows: () => false,
      authorizeLiterals: () => {
        throw new EsError(403, 'security_exception', 'denied');
      },
    }),
  );
  assert.equal(denied.status, 403);
});

test('ignoreAliases: wildcards and exclusions see indices only', () => {
  assert.deepEqual(resolveIndexExpression('v*', state, deleteOptions, allowAllAccess).indices, ['victim', 'vb']);
  assert.deepEqual(resolveIndexExpression('va*', state, deleteOptions, allowAllAccess).indices, []);
  assert.deepEqual(resolveIndexExpression('*,-shared', state, deleteOptions, allowAllAccess).indices, ['victim', 'other', 'vb']);
  const strict = thrown(() => resolveIndexExpression('va*', state, { ...deleteOptions, allowNoIndices: false }, allowAllAccess));
  assert.equal(strict.status, 404);
  assert.equal(strict.type, 'index_not_found_exception');
  // Without the option an alias still resolves to its indices (searches, gets, closes).
  assert.deepEqual(resolveIndexExpression('va', state, { ...deleteOptions, ignoreAliases: false }, allowAllAccess).indices, ['victim', 'other']);
});

test('action.auto_create_index: true, false and ordered +/- patterns', () => {
  checkAutoCreateIndex(parseAutoCreateIndex('true'), 'anything');
  const off = thrown(() => checkAutoCreateIndex(parseAutoCreateIndex('false'), 'logs'));
  assert.equal(off.status, 404);
  assert.equal(off.type, 'index_not_found_exception');
  assert.equal(off.message, 'no such index [logs] and [action.auto_create_index] is [false]');
  const rule = parseAutoCreateIndex('+logs-*,-logs-secret*,-tmp*,other');
  checkAutoCreateIndex(rule, 'logs-1');
  checkAutoCreateIndex(rule, 'logs-secret'); // the first matching pattern decides
  checkAutoCreateIndex(rule, 'other');
  assert.equal(thrown(() => checkAutoCreateIndex(rule, 'tmp1')).message, 'no such index [tmp1] and [action.auto_create_index] contains [-tmp*] which forbids automatic creation of the index');
  assert.equal(thrown(() => checkAutoCreateIndex(rule, 'metrics')).message, "no such index [metrics] and [action.auto_create_index] ([+logs-*,-logs-secret*,-tmp*,other]) doesn't match");
  assert.equal(thrown(() => parseAutoCreateIndex('+,x')).status, 400);
});

test('cluster.max_shards_per_node counts primaries and replicas of open indices', () => {
  assert.equal(shardCopies({ 'index.number_of_shards': '2', 'index.number_of_replicas': '1' }), 4);
  checkShardLimit(2, 998, 1000, 1);
  const error = thrown(() => checkShardLimit(2, 999, 1000, 1));
  assert.equal(error.status, 400);
  assert.equal(error.type, 'validation_exception');
  assert.equal(error.message, 'Validation Failed: 1: this action would add [2] shards, but this cluster currently has [999]/[1000] maximum normal shards open;');
});

test('date math index names resolve against the given now, in UTC by default', () => {
  const nowMs = Date.UTC(2026, 11, 6, 22, 30, 0); // 2026-12-06T22:30:00Z
  assert.equal(resolveDateMathName('<logs-{now/d}>', nowMs), 'logs-2026.12.06');
  assert.equal(resolveDateMathName('<logs-{now/M}>', nowMs), 'logs-2026.12.01');
  assert.equal(resolveDateMathName('<logs-{now/M{yyyy.MM}}>', nowMs), 'logs-2026.12');
  assert.equal(resolveDateMathName('<logs-{now/M-1M{yyyy.MM}}>', nowMs), 'logs-2026.11');
  assert.equal(resolveDateMathName('<logs-{now/d{yyyy.MM.dd|+12:00}}>', nowMs), 'logs-2026.12.07');
  assert.equal(resolveDateMathName('<elastic\\{ON\\}-{now/M}>', nowMs), 'elastic{ON}-2026.12.01');
  assert.equal(resolveDateMathName('plain', nowMs), 'plain');
  assert.equal(resolveDateMathExpression('a,<logs-{now/d}>,-<logs-{now/d-1d}>,eu:<x-{now/d}>', nowMs), 'a,logs-2026.12.06,-logs-2026.12.05,eu:<x-{now/d}>');
  for (const [bad, reason] of [
    ['<logs-{now/d{}}>', 'missing date format'],
    ['<logs-{now/d>', 'date math placeholder is open ended'],
    ['<lo}gs-{now/d}>', 'invalid character at position'],
  ] as const) {
    const error = thrown(() => resolveDateMathName(bad, nowMs));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'parse_exception');
    assert.match(error.message, new RegExp(`invalid dynamic name expression \\[.*\\]\\. ${reason}`));
  }
});
