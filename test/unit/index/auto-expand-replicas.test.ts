// index.auto_expand_replicas: parsing with Elasticsearch's exact refusals (AutoExpandReplicas.parse),
// the replica count it asks for (clamp(data nodes - 1, min, max)) and the one-node health it leads to.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/index-modules.html#dynamic-index-settings
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { EsError, type SqlDatabase } from '../../../src/common/index.js';
import {
  applySettingsUpdate,
  autoExpandedReplicas,
  indexHealth,
  MetadataStore,
  openIndicesService,
  parseAutoExpandReplicas,
  parseCreateSettings,
  settingInteger,
} from '../../../src/index/index.js';

function refusal(value: string): ReturnType<EsError['toBody']> {
  try {
    parseAutoExpandReplicas(value);
  } catch (error) {
    assert.ok(error instanceof EsError, String(error));
    return error.toBody();
  }
  assert.fail(`[${value}] was accepted`);
}

test('auto_expand_replicas: false, 0-1, 0-all, 1-all and a-b parse to their bounds', () => {
  assert.equal(parseAutoExpandReplicas('false'), undefined);
  assert.deepEqual(parseAutoExpandReplicas('0-1'), { minReplicas: 0, maxReplicas: 1 });
  assert.deepEqual(parseAutoExpandReplicas('0-all'), { minReplicas: 0, maxReplicas: 2 ** 31 - 1 });
  assert.deepEqual(parseAutoExpandReplicas('1-all'), { minReplicas: 1, maxReplicas: 2 ** 31 - 1 });
  assert.deepEqual(parseAutoExpandReplicas('2-5'), { minReplicas: 2, maxReplicas: 5 });
  // Java's Integer.parseInt takes a plus sign.
  assert.deepEqual(parseAutoExpandReplicas('+0-+3'), { minReplicas: 0, maxReplicas: 3 });
});

test('auto_expand_replicas without a dash: 400 at index -1, no cause (only the exact `false` disables)', () => {
  for (const value of ['true', 'FALSE', '', '3', 'all']) {
    const body = refusal(value);
    const reason = `failed to parse [index.auto_expand_replicas] from value: [${value}] at index -1`;
    assert.deepEqual(body, {
      error: { root_cause: [{ type: 'illegal_argument_exception', reason }], type: 'illegal_argument_exception', reason },
      status: 400,
    });
  }
});

test('auto_expand_replicas with a bound that is not an int: 400 at the dash, NumberFormatException as cause, IAE as root cause', () => {
  const cases: ReadonlyArray<readonly [string, number, string]> = [
    ['a-1', 1, 'a'],
    ['-1', 0, ''],
    ['0-', 1, ''],
    ['0-b', 1, 'b'],
    ['0-ALL', 1, 'ALL'],
    ['0-1-2', 1, '1-2'],
    ['0-2147483648', 1, '2147483648'],
    [' 0-1', 2, ' 0'],
  ];
  for (const [value, dash, input] of cases) {
    const reason = `failed to parse [index.auto_expand_replicas] from value: [${value}] at index ${dash}`;
    assert.deepEqual(refusal(value), {
      error: {
        root_cause: [{ type: 'illegal_argument_exception', reason }],
        type: 'illegal_argument_exception',
        reason,
        caused_by: { type: 'number_format_exception', reason: `For input string: "${input}"` },
      },
      status: 400,
    }, value);
  }
});

test('auto_expand_replicas with min > max: 400 naming both', () => {
  const reason = "[index.auto_expand_replicas] minReplicas must be =< maxReplicas but wasn't 3 > 1";
  assert.deepEqual(refusal('3-1'), {
    error: { root_cause: [{ type: 'illegal_argument_exception', reason }], type: 'illegal_argument_exception', reason },
    status: 400,
  });
  assert.match(refusal('1--1').error.reason as string, /but wasn't 1 > -1$/);
});

test('the replica count is data nodes - 1 held within [min, max]', () => {
  const all = 2 ** 31 - 1;
  assert.equal(autoExpandedReplicas({ minReplicas: 0, maxReplicas: 1 }, 1), 0);
  assert.equal(autoExpandedReplicas({ minReplicas: 0, maxReplicas: all }, 1), 0);
  assert.equal(autoExpandedReplicas({ minReplicas: 1, maxReplicas: all }, 1), 1);
  assert.equal(autoExpandedReplicas({ minReplicas: 0, maxReplicas: 1 }, 5), 1);
  assert.equal(autoExpandedReplicas({ minReplicas: 0, maxReplicas: all }, 5), 4);
  assert.equal(autoExpandedReplicas({ minReplicas: 2, maxReplicas: 3 }, 1), 2);
});

test('create: auto-expansion sets number_of_replicas on one node (over an explicit value); health green for 0-1 and 0-all, yellow for 1-all', () => {
  const health = (value: string, extra: Record<string, unknown> = {}): { replicas: number; status: string } => {
    const settings = { 'index.number_of_shards': '1', 'index.number_of_replicas': '1', ...parseCreateSettings({ auto_expand_replicas: value, ...extra }) };
    const replicas = settingInteger(settings, 'index.number_of_replicas');
    return { replicas, status: indexHealth({ name: 'i', numberOfShards: 1, numberOfReplicas: replicas }).status };
  };
  assert.deepEqual(health('0-1'), { replicas: 0, status: 'green' });
  assert.deepEqual(health('0-all'), { replicas: 0, status: 'green' });
  assert.deepEqual(health('0-all', { number_of_replicas: 3 }), { replicas: 0, status: 'green' });
  assert.deepEqual(health('1-all'), { replicas: 1, status: 'yellow' });
  assert.deepEqual(health('false'), { replicas: 1, status: 'yellow' });
  assert.deepEqual(parseCreateSettings({ index: { auto_expand_replicas: '0-1' } }), {
    'index.auto_expand_replicas': '0-1',
    'index.number_of_replicas': '0',
  });
});

test('update: turning auto-expansion on adjusts replicas; turning it off keeps the last count; a bad value is refused', () => {
  const target = { index: 'i', uuid: 'u', open: true };
  const start = { 'index.number_of_shards': '1', 'index.number_of_replicas': '1' };
  const on = applySettingsUpdate(start, { index: { auto_expand_replicas: '0-all' } }, target);
  assert.equal(on['index.number_of_replicas'], '0');
  assert.equal(on['index.auto_expand_replicas'], '0-all');
  // An explicit number_of_replicas loses to auto-expansion, as Elasticsearch's next reroute does.
  assert.equal(applySettingsUpdate(on, { number_of_replicas: 2 }, target)['index.number_of_replicas'], '0');
  const off = applySettingsUpdate(on, { auto_expand_replicas: 'false' }, target);
  assert.equal(off['index.number_of_replicas'], '0');
  const reset = applySettingsUpdate(on, { auto_expand_replicas: null }, target);
  assert.equal(reset['index.auto_expand_replicas'], undefined);
  assert.equal(reset['index.number_of_replicas'], '0');
  const upToOne = applySettingsUpdate(on, { auto_expand_replicas: '1-all' }, target);
  assert.equal(upToOne['index.number_of_replicas'], '1');
  assert.throws(() => applySettingsUpdate(on, { auto_expand_replicas: '0-x' }, target), (error: unknown) => {
    assert.ok(error instanceof EsError);
    assert.equal(error.message, 'failed to parse [index.auto_expand_replicas] from value: [0-x] at index 1');
    return true;
  });
});

test('start: an index stored with auto-expansion gets the count it implies (as the first reroute of Elasticsearch)', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-auto-expand-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const nodeDb = new Database(':memory:') as unknown as SqlDatabase;
  // Stored as an earlier Strait left it: auto-expansion accepted but number_of_replicas untouched.
  MetadataStore.open(nodeDb).put({
    name: 'stored',
    uuid: 'stored-uuid',
    creationDateMs: 1,
    state: 'close',
    settings: { 'index.number_of_shards': '1', 'index.number_of_replicas': '1', 'index.auto_expand_replicas': '0-all' },
    mappings: {},
    aliases: {},
    version: 1,
  });
  const service = openIndicesService({ nodeDb, pathData: dir, log: pino({ level: 'silent' }), nowMs: () => 1, refreshTickMs: 0 });
  t.after(() => service.close());
  const [handle] = service.all();
  assert.equal(handle!.metadata.settings['index.number_of_replicas'], '0');
  assert.equal(handle!.metadata.settings['index.auto_expand_replicas'], '0-all');
});
