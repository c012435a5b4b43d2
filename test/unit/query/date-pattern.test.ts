// Java DateTimeFormatter patterns for date and date_nanos fields (DateTimeFormatter "Patterns for
// Formatting and Parsing"; mapping-date-format.html#custom-date-formats): quoted literals, `''`,
// fraction digits to the nanosecond, strict widths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDatePattern, parseDatePattern, tokenizeDatePattern } from '../../../src/index/query/date-pattern.js';
import { formatDate, formatDateNanos, parseDate, parseDateNanos } from '../../../src/index/query/date-math.js';

const nine = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS";

test('tokens: quoted literals (with a doubled quote), letter runs, other characters', () => {
  assert.deepEqual(tokenizeDatePattern("yyyy-MM-dd'T'HH"), [
    { kind: 'field', letter: 'y', width: 4 },
    { kind: 'literal', text: '-' },
    { kind: 'field', letter: 'M', width: 2 },
    { kind: 'literal', text: '-' },
    { kind: 'field', letter: 'd', width: 2 },
    { kind: 'literal', text: 'T' },
    { kind: 'field', letter: 'H', width: 2 },
  ]);
  assert.deepEqual(tokenizeDatePattern("HH'' 'o''clock'"), [{ kind: 'field', letter: 'H', width: 2 }, { kind: 'literal', text: "' o'clock" }]);
  // An unknown letter (unquoted T), a width we do not read, an unclosed quote: no pattern.
  for (const unknown of ['yyyy-MM-ddTHH', 'yyyy-MMM-dd', 'yy-MM-dd', "yyyy-MM-dd'T", 'SSSSSSSSSS', 'strict_date_optional_time', 'date']) {
    assert.equal(tokenizeDatePattern(unknown), undefined, unknown);
  }
});

test('parse: exactly as many fraction digits as S, to the nanosecond; impossible dates refused', () => {
  assert.deepEqual(parseDatePattern('2024-03-01T10:20:30.123456789', nine), { localMs: Date.UTC(2024, 2, 1, 10, 20, 30, 123), nanos: 456_789 });
  assert.deepEqual(parseDatePattern('2024-03-01T10:20:30.1', "yyyy-MM-dd'T'HH:mm:ss.S"), { localMs: Date.UTC(2024, 2, 1, 10, 20, 30, 100), nanos: 0 });
  for (const bad of ['2024-03-01T10:20:30.12345678', '2024-03-01T10:20:30.1234567890', '2024-03-01 10:20:30.123456789', '2024-02-30T10:20:30.123456789', '2024-13-01T10:20:30.123456789']) {
    assert.equal(parseDatePattern(bad, nine), undefined, bad);
  }
  assert.deepEqual(parseDateNanos('2024-03-01T10:20:30.123456789', nine, '+01:00'), { millis: Date.UTC(2024, 2, 1, 9, 20, 30, 123), nanos: 456_789 });
  assert.equal(parseDate('2024-03-01T10:20:30.123456789', nine, undefined), Date.UTC(2024, 2, 1, 10, 20, 30, 123));
  assert.equal(parseDate("01/03/2024 at 10h", "dd/MM/yyyy 'at' HH'h'", undefined), Date.UTC(2024, 2, 1, 10));
});

test('format: nanoseconds as written, a millisecond date with zeros past the millisecond, offsets', () => {
  const instant = { millis: Date.UTC(2024, 2, 1, 10, 20, 30, 123), nanos: 456_789 };
  assert.equal(formatDateNanos(instant, undefined, nine), '2024-03-01T10:20:30.123456789');
  assert.equal(formatDateNanos(instant, '+01:30', `${nine}XXX`), '2024-03-01T11:50:30.123456789+01:30');
  assert.equal(formatDate(instant.millis, undefined, nine), '2024-03-01T10:20:30.123000000');
  assert.equal(formatDate(instant.millis, undefined, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX||epoch_millis"), '2024-03-01T10:20:30.123Z');
  assert.equal(formatDatePattern("dd/MM/yyyy ''HH''", Date.UTC(2024, 2, 1, 10), 0, 0), "01/03/2024 '10'");
  assert.equal(formatDatePattern('yyyy-MM-ddTHH', 0, 0, 0), undefined);
});
