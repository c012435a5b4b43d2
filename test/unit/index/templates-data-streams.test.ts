// Data stream rules (src/index/data-streams.ts), from Elastic's "Data streams" and "Rollover API"
// pages (https://www.elastic.co/guide/en/elasticsearch/reference/current/indices-rollover-index.html)
// and the YAML tests data_stream/10_basic.yml and indices.rollover/*: name rules, backing index
// names, the timestamp check, and when conditions roll an index over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import {
  backingIndexName,
  checkTimestamp,
  evaluateRollover,
  nextRolloverIndexName,
  parseRolloverConditions,
  timestampMs,
  validateDataStreamName,
} from '../../../src/index/data-streams.js';

function thrown(fn: () => unknown): EsError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EsError);
    return error;
  }
  assert.fail('expected an error');
}

test('data stream names: Elasticsearch wording for each rule', () => {
  assert.equal(thrown(() => validateDataStreamName('Logs')).message, 'data_stream [Logs] must be lowercase');
  assert.equal(thrown(() => validateDataStreamName('a#b')).message, "data_stream [a#b] must not contain '#'");
  assert.equal(thrown(() => validateDataStreamName('.ds-x')).message, "data_stream [.ds-x] must not start with '.ds-'");
  assert.equal(thrown(() => validateDataStreamName('_x')).type, 'illegal_argument_exception');
  validateDataStreamName('logs-app-default');
});

test('backing index names: .ds-<name>-<yyyy.MM.dd in UTC>-<generation on six digits>', () => {
  assert.equal(backingIndexName('logs', 1, Date.UTC(2099, 2, 7, 23, 59)), '.ds-logs-2099.03.07-000001');
  assert.equal(backingIndexName('logs', 12, Date.UTC(2024, 11, 31)), '.ds-logs-2024.12.31-000012');
});

test('the timestamp check: missing, empty and multiple values are document_parsing_exception caused by illegal_argument_exception', () => {
  const missing = thrown(() => checkTimestamp({ foo: 1 }));
  assert.equal(missing.type, 'document_parsing_exception');
  assert.equal(missing.causedBy?.type, 'illegal_argument_exception');
  assert.equal(missing.causedBy?.message, 'data stream timestamp field [@timestamp] is missing');
  assert.equal(thrown(() => checkTimestamp({ '@timestamp': [] })).causedBy?.message, 'data stream timestamp field [@timestamp] is missing');
  assert.equal(thrown(() => checkTimestamp({ '@timestamp': ['a', 'b'] })).causedBy?.message, 'data stream timestamp field [@timestamp] encountered multiple values');
  checkTimestamp({ '@timestamp': '2020-12-12' });
  checkTimestamp({ '@timestamp': ['2020-12-12'] });
  assert.equal(timestampMs('2020-12-12'), Date.UTC(2020, 11, 12));
  assert.equal(timestampMs(1000), 1000);
  assert.equal(timestampMs('1000'), 1000);
  assert.equal(timestampMs({}), undefined);
});

test('rollover conditions: any max_* met and every min_* met; none given always rolls over', () => {
  const stats = { ageMs: 2 * 86_400_000, docs: 10, sizeBytes: 2048, primaryShardDocsMax: 10, primaryShardSizeBytesMax: 2048 };
  const conditions = parseRolloverConditions({ max_docs: 5, max_age: '7d', min_size: '1kb' });
  assert.deepEqual(evaluateRollover(conditions, stats), { results: { '[max_docs: 5]': true, '[max_age: 7d]': false, '[min_size: 1kb]': true }, rollOver: true });
  assert.equal(evaluateRollover(parseRolloverConditions({ max_docs: 5, min_docs: 11 }), stats).rollOver, false);
  assert.equal(evaluateRollover(parseRolloverConditions({ max_primary_shard_docs: 11, max_size: '3kb' }), stats).rollOver, false);
  assert.equal(evaluateRollover([], stats).rollOver, true);
  assert.equal(thrown(() => parseRolloverConditions({ min_docs: 1 })).type, 'action_request_validation_exception');
  assert.equal(thrown(() => parseRolloverConditions({ max_age: 'soon' })).type, 'parse_exception');
  assert.equal(thrown(() => parseRolloverConditions({ max_everything: 1 })).type, 'x_content_parse_exception');
});

test('alias rollover names: the trailing number increments on six digits, a name without one is refused', () => {
  assert.equal(nextRolloverIndexName('logs-000001'), 'logs-000002');
  assert.equal(nextRolloverIndexName('logs-9'), 'logs-000010');
  assert.equal(thrown(() => nextRolloverIndexName('logs')).message, "index name [logs] does not match pattern '^.*-\\d+$'");
});
