// formatDate's arithmetic path (years 0 to 9999, ISO formats) prints exactly what the Date-based
// rendering printed: Elasticsearch's default key_as_string, strict_date_optional_time with the
// zone's offset (search-aggregations-bucket-datehistogram-aggregation.html#datehistogram-aggregation-time-zone).
// The reference below is that rendering, kept here as the oracle; instants come from a seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDate, zoneOffsetMs } from '../../../src/index/query/date-math.js';
import { formatDatePattern } from '../../../src/index/query/date-pattern.js';
import { createRandom } from '../../harness/random.js';

function reference(utcMs: number, timeZone: string | undefined, formats?: string): string {
  const format = formats?.split('||')[0];
  if (format === 'epoch_millis') return String(utcMs);
  if (format === 'epoch_second') return String(Math.floor(utcMs / 1000));
  const offset = zoneOffsetMs(timeZone, utcMs);
  const local = new Date(utcMs + offset);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const patterned = format === undefined ? undefined : formatDatePattern(format, utcMs + offset, 0, offset);
  if (patterned !== undefined) return patterned;
  const base = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}`;
  if (offset === 0) return `${base}Z`;
  const sign = offset < 0 ? '-' : '+';
  const absolute = Math.abs(offset) / 60_000;
  return `${base}${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

const zones = [undefined, 'UTC', 'Z', '+05:30', '-08:00', '+14:00', 'America/New_York', 'Europe/Paris', 'Asia/Kolkata'];
const formats = [undefined, 'strict_date_optional_time||epoch_millis', 'date_optional_time', 'strict_date_time', "yyyy-MM-dd'T'HH:mm", 'epoch_millis||strict_date_optional_time', 'epoch_second'];
/** 0000-01-01 and 10000-01-01 UTC: the arithmetic path's bounds. */
const yearZero = -62_167_219_200_000;
const yearTenThousand = 253_402_300_800_000;

test('formatDate: the same text as the Date-based rendering for random instants, zones and formats', () => {
  const seed = Number(process.env['SEED'] ?? Math.floor(Math.random() * 2 ** 32));
  const random = createRandom(seed);
  const span = yearTenThousand - yearZero;
  for (let index = 0; index < 20_000; index++) {
    // Mostly whole milliseconds over years 0 to 9999, some beyond, some fractional.
    const pick = random();
    let utcMs = Math.floor(yearZero - span * 0.05 + random() * span * 1.1);
    if (pick < 0.05) utcMs += 0.5;
    const zone = zones[Math.floor(random() * zones.length)];
    const format = formats[Math.floor(random() * formats.length)];
    assert.equal(formatDate(utcMs, zone, format), reference(utcMs, zone, format), `seed ${seed}: ${utcMs} ${zone} ${format}`);
  }
});

test('formatDate: the bounds of the arithmetic path and the days around leap years', () => {
  const instants = [
    yearZero, yearZero - 1, yearZero + 1, yearTenThousand - 1, yearTenThousand, -1, 0, 1,
    Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(1900, 1, 28), Date.UTC(1900, 2, 1), Date.UTC(2100, 2, 1), Date.UTC(2024, 11, 31, 23, 59, 59, 999),
    Date.UTC(1969, 11, 31, 23, 59, 59, 999), -62_135_596_800_000 /* 0001-01-01 */, -62_104_060_800_001,
  ];
  for (const utcMs of instants) {
    for (const zone of zones) for (const format of formats) assert.equal(formatDate(utcMs, zone, format), reference(utcMs, zone, format), `${utcMs} ${zone} ${format}`);
  }
  assert.equal(formatDate(yearZero, undefined), '0000-01-01T00:00:00.000Z');
  assert.equal(formatDate(yearTenThousand - 1, undefined), '9999-12-31T23:59:59.999Z');
  assert.equal(formatDate(Date.UTC(2024, 0, 1), '-08:00'), '2023-12-31T16:00:00.000-08:00');
});
