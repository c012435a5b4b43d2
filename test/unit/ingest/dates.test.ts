/**
 * Dates of the date and date_index_name processors: Java patterns both ways, the special formats,
 * and the date math name date_index_name writes (https://www.elastic.co/guide/en/elasticsearch/reference/current/date-index-name-processor.html).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDateFormat, dateIndexNameExpression, formatWithPattern, parseWithFormat, resolveDateIndexName } from '../../../src/index/ingest/dates.js';

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

test('the samples of 30_date_processor.yml: offsets, H:m:s, epoch_second truncation, week-based dates', () => {
  const iso = (utcMs: number | undefined): string | undefined => (utcMs === undefined ? undefined : new Date(utcMs).toISOString());
  assert.equal(iso(parseWithFormat('2018-02-05T13:44:56.657+0100', "yyyy-MM-dd'T'HH:mm:ss.SSSZZ", 'UTC', 2024)), '2018-02-05T12:44:56.657Z');
  assert.equal(iso(parseWithFormat('2017-04-04 13:43:09 +0200', 'yyyy-MM-dd HH:mm:ss Z', 'UTC', 2024)), '2017-04-04T11:43:09.000Z');
  assert.equal(iso(parseWithFormat('10/Aug/2018:09:45:56 +0200', 'dd/MMM/yyyy:H:m:s Z', 'UTC', 2024)), '2018-08-10T07:45:56.000Z');
  assert.equal(iso(parseWithFormat('1688548995.987654321', 'epoch_second', 'UTC', 2024)), '2023-07-05T09:23:15.987Z');
  assert.equal(iso(parseWithFormat('2018-02-05T13:44:56.657+0100', 'ISO8601', 'UTC', 2024)), '2018-02-05T12:44:56.657Z');
  assert.equal(iso(parseWithFormat('2020-33', 'YYYY-ww', 'UTC', 2024)), '2020-08-10T00:00:00.000Z');
  assert.equal(formatWithPattern(Date.UTC(2021, 0, 3), 'YYYY-ww', 'UTC'), '2020-53');
  assert.equal(formatWithPattern(Date.UTC(2010, 5, 1), "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", '+01:00'), '2010-06-01T01:00:00.000+01:00');
});

test('a format compiles once into a parser that serves every document; an unknown pattern letter fails the compile, not a document', () => {
  const parse = compileDateFormat('dd/MMM/yyyy:H:m:s Z');
  assert.equal(parse(' 10/Aug/2018:09:45:56 +0200 ', 'UTC', 2024), Date.UTC(2018, 7, 10, 7, 45, 56));
  assert.equal(parse('11/Aug/2018:09:45:56 +0200', 'UTC', 2024), Date.UTC(2018, 7, 11, 7, 45, 56));
  assert.equal(parse('not a date', 'UTC', 2024), undefined);
  assert.equal(compileDateFormat('dd/MM')('12/06', '+02:00', 2024), Date.UTC(2024, 5, 11, 22));
  assert.throws(() => compileDateFormat('yyyy-qq'), /Unknown pattern letter: q/);
});
