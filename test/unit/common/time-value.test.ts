// Time values: the one parser (src/common/time-value.ts) with Elasticsearch's rules
// (TimeValue.parseTimeValue; api-conventions.html#time-units), and each caller's error as its
// Elasticsearch counterpart gives it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/index.js';
import { formatTimeValue, parseTimeValueMs, timeValueMsOrReason } from '../../../src/common/time-value.js';
import { parseTimeValueMs as parseSettingTimeMs } from '../../../src/config/schema.js';
import { parseTimeValue as parseFollowTime } from '../../../src/ccr/parameters.js';
import { parseTimeValue as parseSecurityTime } from '../../../src/security/service.js';
import { parseCreateSettings } from '../../../src/index/settings.js';
import { parseTimeMs } from '../../../src/index/indices-service.js';

const refusal = (run: () => unknown): EsError => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EsError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
};

test('every unit, blanks between number and unit, any case but m; -1 and 0 without a unit', () => {
  const cases: [string, number][] = [
    ['1500000nanos', 1.5], ['2000micros', 2], ['500ms', 500], ['30s', 30_000], ['2m', 120_000], ['3h', 10_800_000], ['1d', 86_400_000],
    ['10 s', 10_000], ['10S', 10_000], ['5MS', 5], ['1H', 3_600_000], [' 7d ', 604_800_000],
    ['-1', -1], ['-01', -1], ['0', 0], ['000', 0], ['0s', 0], ['+5s', 5_000], ['-1s', -1_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseTimeValueMs(text, 'timeout'), ms, text);
});

test("Elasticsearch's refusals: unit missing or unknown (1M is months), fractions, negative durations, no number", () => {
  const reasons: [string, string][] = [
    ['10', 'failed to parse setting [timeout] with value [10] as a time value: unit is missing or unrecognized'],
    ['1M', 'failed to parse setting [timeout] with value [1M] as a time value: unit is missing or unrecognized'],
    ['1w', 'failed to parse setting [timeout] with value [1w] as a time value: unit is missing or unrecognized'],
    ['', 'failed to parse setting [timeout] with value [] as a time value: unit is missing or unrecognized'],
    ['1.5s', 'failed to parse [1.5s], fractional time values are not supported'],
    ['-5s', 'failed to parse setting [timeout] with value [-5s] as a time value: negative durations are not supported'],
    ['abcs', 'failed to parse [abcs]'],
    ['ms', 'failed to parse [ms]'],
  ];
  for (const [text, reason] of reasons) {
    assert.deepEqual(timeValueMsOrReason(text, 'timeout'), { reason }, text);
    const error = refusal(() => parseTimeValueMs(text, 'timeout'));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'illegal_argument_exception');
    assert.equal(error.reason, reason);
  }
  assert.equal(formatTimeValue(86_400_000), '1d');
  assert.equal(formatTimeValue(90_000), '90s');
  assert.equal(formatTimeValue(1_500), '1500ms');
});

test("each caller keeps its error: node settings (undefined), follow parameters and API key expiration (parse_exception), index settings (illegal_argument_exception)", () => {
  assert.equal(parseSettingTimeMs('30s'), 30_000);
  assert.equal(parseSettingTimeMs('1.5s'), undefined);
  assert.equal(parseSettingTimeMs('-1'), -1);

  assert.equal(parseFollowTime('read_poll_timeout', '1m'), 60_000);
  const follow = refusal(() => parseFollowTime('read_poll_timeout', '1.5m'));
  assert.equal(follow.type, 'parse_exception');
  assert.equal(follow.reason, 'failed to parse [1.5m], fractional time values are not supported');
  assert.equal(refusal(() => parseFollowTime('read_poll_timeout', 5)).reason, 'failed to parse setting [read_poll_timeout] with value [5] as a time value: unit is missing or unrecognized');

  assert.equal(parseSecurityTime('expiration', '1D'), 86_400_000);
  assert.equal(parseSecurityTime('expiration', '1500micros'), 1);
  const expiration = refusal(() => parseSecurityTime('expiration', 'soon'));
  assert.equal(expiration.type, 'parse_exception');
  assert.equal(expiration.reason, 'failed to parse setting [expiration] with value [soon] as a time value: unit is missing or unrecognized');

  const setting = refusal(() => parseCreateSettings({ index: { refresh_interval: '1.5s' } }));
  assert.equal(setting.type, 'illegal_argument_exception');
  assert.equal(setting.reason, 'failed to parse [1.5s], fractional time values are not supported');
  assert.equal(parseCreateSettings({ index: { refresh_interval: '2S' } })['index.refresh_interval'], '2S');
  assert.equal(parseTimeMs('2S'), 2_000);
  assert.equal(parseTimeMs('-1'), -1);
});
