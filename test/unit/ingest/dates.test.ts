/**
 * Dates of the date and date_index_name processors: Java patterns both ways, the special formats,
 * and the date math name date_index_name writes (https://www.elastic.co/guide/en/elasticsearch/reference/current/date-index-name-processor.html).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateIndexNameExpression, formatWithPattern, parseWithFormat, resolveDateIndexName } from '../../../src/index/ingest/dates.js';

test('Java patterns parse names, 12-hour clocks, fractions and offsets; formatting mirrors them', () => {
  assert.equal(parseWithFormat('Mon, 02 Jan 2006 03:04:05 PM +0100', 'EEE, dd MMM yyyy hh:mm:ss a Z', 'UTC', 2024), Date.UTC(2006, 0, 2, 14, 4, 5));
  assert.equal(parseWithFormat('2020-02-29 23:59:59.5', 'yyyy-MM-dd HH:mm:ss.S', 'UTC', 2024), Date.UTC(2020, 1, 29, 23, 59, 59, 500));
  assert.equal(parseWithFormat('2021-02-29', 'yyyy-MM-dd', 'UTC', 2024), undefined);
  assert.equal(parseWithFormat('12/06/2010', 'dd/MM/yyyy', '+02:00', 2024), Date.UTC(2010, 5, 11, 22));
  assert.equal(formatWithPattern(Date.UTC(2006, 0, 2, 15, 4, 5, 7), "EEEE, MMMM d yyyy 'at' hh:mm:ss.SSS a XXX", 'UTC'), 'Monday, January 2 2006 at 03:04:05.007 PM Z');
  assert.equal(formatWithPattern(Date.UTC(2006, 0, 2, 15), 'yyyy-MM-dd HH:mmZ', '-05:00'), '2006-01-02 10:00-0500');
});

test('the special formats: UNIX with fractions, UNIX_MS, ISO8601 with and without an offset', () => {
  assert.equal(parseWithFormat('1.5', 'UNIX', 'UTC', 2024), 1500);
  assert.equal(parseWithFormat('-1000', 'UNIX_MS', 'UTC', 2024), -1000);
  assert.equal(parseWithFormat('2016-06-12T00:00:00', 'ISO8601', 'Europe/Amsterdam', 2024), Date.UTC(2016, 5, 11, 22));
  assert.equal(parseWithFormat('x', 'ISO8601', 'UTC', 2024), undefined);
});

test('date_index_name expressions resolve to the rounded, formatted index name', () => {
  const expression = dateIndexNameExpression('events-', Date.UTC(2016, 3, 25, 12, 24, 20, 101), 'M', 'yyyy-MM-dd', 'UTC');
  assert.equal(expression, '<events-{2016-04-25T12:24:20.101Z||/M{yyyy-MM-dd|UTC}}>');
  assert.equal(resolveDateIndexName(expression), 'events-2016-04-01');
  assert.equal(resolveDateIndexName(dateIndexNameExpression('w-', Date.UTC(2024, 4, 17), 'w', 'yyyy.MM.dd', 'UTC')), 'w-2024.05.13');
  assert.equal(resolveDateIndexName('plain'), undefined);
});
