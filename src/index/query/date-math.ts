/**
 * Dates for queries and aggregations (pure; `now` is an input, style P1): Elasticsearch's
 * default date format `strict_date_optional_time||epoch_millis`, the `epoch_second` format,
 * date math (`now-1d/d`, `2024-01-01||+1M/d`) and time zones (`+01:00`, `Europe/Paris` via Intl).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/common-options.html#date-math
 */
import { formatDatePattern, parseDatePattern } from './date-pattern.js';

const fixedOffsetPattern = /^([+-])(\d{2}):?(\d{2})$/;
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** True when the zone is UTC, a fixed offset or an IANA zone Intl knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone === 'Z' || timeZone === 'UTC' || fixedOffsetPattern.test(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Offset of local time from UTC (ms) in `timeZone` at the instant `utcMs`. */
export function zoneOffsetMs(timeZone: string | undefined, utcMs: number): number {
  if (timeZone === undefined || timeZone === 'Z' || timeZone === 'UTC' || timeZone === 'GMT') return 0;
  const fixed = fixedOffsetPattern.exec(timeZone);
  if (fixed !== null) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 3600_000 + Number(fixed[3]) * 60_000);
  let formatter = zoneFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(utcMs))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const localAsUtc = Date.UTC(parts['year']!, parts['month']! - 1, parts['day']!, parts['hour']!, parts['minute']!, parts['second']!);
  const truncated = utcMs - (((utcMs % 1000) + 1000) % 1000);
  return localAsUtc - truncated;
}

/** UTC instant of a local wall-clock time in `timeZone` (earlier offset wins in overlaps). */
export function localToUtc(timeZone: string | undefined, localMs: number): number {
  let guess = localMs - zoneOffsetMs(timeZone, localMs);
  guess = localMs - zoneOffsetMs(timeZone, guess);
  return guess;
}

const isoPattern = /^([+-]?\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

export class DateParseError extends Error {}

/**
 * Parses a date in Elasticsearch's default format (or `format`, when it names epoch_millis,
 * epoch_second or a pattern we understand), in `timeZone` when the text has no offset.
 */
export function parseDate(text: string | number, format: string | undefined, timeZone: string | undefined): number {
  const formats = (format ?? 'strict_date_optional_time||epoch_millis').split('||');
  if (typeof text === 'number') {
    if (formats.includes('epoch_second')) return Math.round(text * 1000);
    return text;
  }
  for (const name of formats) {
    const value = tryFormat(text.trim(), name, timeZone);
    if (value !== undefined) return value;
  }
  throw new DateParseError(`failed to parse date field [${text}] with format [${format ?? 'strict_date_optional_time||epoch_millis'}]`);
}

function tryFormat(text: string, format: string, timeZone: string | undefined): number | undefined {
  if (format === 'epoch_millis') return /^-?\d+(\.\d+)?$/.test(text) ? Math.trunc(Number(text)) : undefined;
  if (format === 'epoch_second') return /^-?\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : undefined;
  if (/^(strict_)?(date_optional_time|date_time|date_time_no_millis|date|date_hour_minute_second|date_hour_minute|year_month_day|year_month|year)$/.test(format) || format === 'strict_date_optional_time_nanos' || format === 'iso8601') {
    return parseIso(text, timeZone);
  }
  // Java patterns (yyyy-MM-dd, dd/MM/yyyy, yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS): date-pattern.ts. The
  // ingest date processor has a fuller Java-pattern parser (ingest/dates.ts); why they are apart is said there.
  const parts = parseDatePattern(text, format);
  return parts === undefined ? undefined : localToUtc(timeZone, parts.localMs);
}

function parseIso(text: string, timeZone: string | undefined): number | undefined {
  const match = isoPattern.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  const monthNumber = month === undefined ? 1 : Number(month);
  const dayNumber = day === undefined ? 1 : Number(day);
  if (monthNumber < 1 || monthNumber > 12 || dayNumber < 1 || dayNumber > 31) return undefined;
  if (hour !== undefined && Number(hour) > 23) return undefined;
  if (minute !== undefined && Number(minute) > 59) return undefined;
  if (second !== undefined && Number(second) > 59) return undefined;
  const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  date.setUTCFullYear(Number(year), monthNumber - 1, dayNumber);
  date.setUTCHours(Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0), millis);
  const local = date.getTime();
  if (date.getUTCDate() !== dayNumber) return undefined; // 2023-02-30
  if (offset !== undefined) {
    if (offset === 'Z') return local;
    const sign = offset[0] === '-' ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    return local - sign * (Number(digits.slice(0, 2)) * 3600_000 + Number(digits.slice(2, 4) || '0') * 60_000);
  }
  return localToUtc(timeZone, local);
}

export type DateUnit = 'y' | 'M' | 'w' | 'd' | 'h' | 'H' | 'm' | 's';

/** Adds `amount` units in local calendar time of `timeZone`. */
export function addUnits(utcMs: number, amount: number, unit: DateUnit, timeZone: string | undefined): number {
  if (unit === 'h' || unit === 'H') return utcMs + amount * 3600_000;
  if (unit === 'm') return utcMs + amount * 60_000;
  if (unit === 's') return utcMs + amount * 1000;
  const local = new Date(utcMs + zoneOffsetMs(timeZone, utcMs));
  if (unit === 'y') local.setUTCFullYear(local.getUTCFullYear() + amount);
  else if (unit === 'M') local.setUTCMonth(local.getUTCMonth() + amount);
  else if (unit === 'w') local.setUTCDate(local.getUTCDate() + 7 * amount);
  else local.setUTCDate(local.getUTCDate() + amount);
  return localToUtc(timeZone, local.getTime());
}

/** Rounds down to the start of the unit in local time (weeks start on Monday, as ES). */
export function roundDown(utcMs: number, unit: DateUnit, timeZone: string | undefined): number {
  const local = new Date(utcMs + zoneOffsetMs(timeZone, utcMs));
  switch (unit) {
    case 'y':
      local.setUTCMonth(0, 1);
      local.setUTCHours(0, 0, 0, 0);
      break;
    case 'M':
      local.setUTCDate(1);
      local.setUTCHours(0, 0, 0, 0);
      break;
    case 'w': {
      const day = (local.getUTCDay() + 6) % 7;
      local.setUTCDate(local.getUTCDate() - day);
      local.setUTCHours(0, 0, 0, 0);
      break;
    }
    case 'd':
      local.setUTCHours(0, 0, 0, 0);
      break;
    case 'h':
    case 'H':
      local.setUTCMinutes(0, 0, 0);
      break;
    case 'm':
      local.setUTCSeconds(0, 0);
      break;
    case 's':
      local.setUTCMilliseconds(0);
      break;
  }
  return localToUtc(timeZone, local.getTime());
}

/**
 * Evaluates date math. `roundUp` picks the last millisecond of a rounded unit (used for `gt`
 * and `lte`, as Elasticsearch does).
 */
export function evaluateDateMath(
  expression: string | number,
  options: { readonly nowMs: number; readonly roundUp: boolean; readonly format?: string | undefined; readonly timeZone?: string | undefined },
): number {
  if (typeof expression === 'number') return parseDate(expression, options.format, options.timeZone);
  let time: number;
  let math: string;
  if (expression.startsWith('now')) {
    time = options.nowMs;
    math = expression.slice(3);
  } else {
    const separator = expression.indexOf('||');
    if (separator < 0) return parseDate(expression, options.format, options.timeZone);
    time = parseDate(expression.slice(0, separator), options.format, options.timeZone);
    math = expression.slice(separator + 2);
  }
  let index = 0;
  while (index < math.length) {
    const operator = math[index++];
    if (operator === '/') {
      const unit = math[index++] as DateUnit;
      if (!'yMwdhHms'.includes(unit ?? '?')) throw new DateParseError(`unit [${unit}] not supported for date math [${math}]`);
      time = roundDown(time, unit, options.timeZone);
      if (options.roundUp) time = addUnits(time, 1, unit, options.timeZone) - 1;
    } else if (operator === '+' || operator === '-') {
      let digits = '';
      while (index < math.length && /\d/.test(math[index]!)) digits += math[index++];
      const amount = digits === '' ? 1 : Number(digits);
      const unit = math[index++] as DateUnit;
      if (!'yMwdhHms'.includes(unit ?? '?')) throw new DateParseError(`unit [${unit}] not supported for date math [${math}]`);
      time = addUnits(time, operator === '+' ? amount : -amount, unit, options.timeZone);
    } else {
      throw new DateParseError(`operator not supported for date math [${math}]`);
    }
  }
  return time;
}

/** Formats epoch millis as Elasticsearch's default key_as_string (strict_date_optional_time, UTC or zone offset). */
export function formatDate(utcMs: number, timeZone: string | undefined, formats?: string): string {
  // Of `a||b` formats Elasticsearch prints with the first (the others only parse).
  const format = formats === undefined ? undefined : firstFormat(formats);
  if (format === 'epoch_millis') return String(utcMs);
  if (format === 'epoch_second') return String(Math.floor(utcMs / 1000));
  const offset = zoneOffsetMs(timeZone, utcMs);
  // Years 0 to 9999 (every date of a histogram's buckets in practice): the text below computed
  // from the epoch day, with no Date object and no string per field (a date_histogram renders each
  // bucket's key_as_string with it, on the thread that answers every request).
  const localMs = utcMs + offset;
  if (Number.isInteger(localMs) && localMs >= isoFastFromMs && localMs < isoFastToMs && (format === undefined || isoNamedFormat(format))) {
    const text = isoLocalText(localMs);
    return offset === 0 ? `${text}Z` : `${text}${offsetSuffix(offset)}`;
  }
  const local = new Date(utcMs + offset);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  // A Java pattern (date-pattern.ts): a millisecond date prints zeros past the millisecond.
  const patterned = format === undefined ? undefined : formatDatePattern(format, utcMs + offset, 0, offset);
  if (patterned !== undefined) return patterned;
  const base = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}`;
  if (offset === 0) return `${base}Z`;
  return `${base}${offsetSuffix(offset)}`;
}

/** 0000-01-01T00:00:00.000 to 9999-12-31T23:59:59.999 (wall-clock milliseconds): `isoLocalText`'s range. */
const isoFastFromMs = -62_167_219_200_000;
const isoFastToMs = 253_402_300_800_000;
const twoDigits = Array.from({ length: 100 }, (_, value) => String(value).padStart(2, '0'));
const threeDigits = Array.from({ length: 1000 }, (_, value) => String(value).padStart(3, '0'));
const dayMs = 86_400_000;

/**
 * `yyyy-MM-ddTHH:mm:ss.SSS` of wall-clock milliseconds in `isoFastFromMs..isoFastToMs`: the
 * proleptic Gregorian date of the epoch day (the civil-from-days arithmetic), as Date prints it.
 */
function isoLocalText(localMs: number): string {
  const days = Math.floor(localMs / dayMs);
  let rest = localMs - days * dayMs;
  const shifted = days + 719_468; // days since 0000-03-01
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const yearText = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  return `${yearText}-${twoDigits[month]}-${twoDigits[day]}T${twoDigits[hours]}:${twoDigits[minutes]}:${twoDigits[seconds]}.${threeDigits[millis]}`;
}

/** `+hh:mm` or `-hh:mm` for a non-zero zone offset. */
function offsetSuffix(offset: number): string {
  const absolute = Math.abs(offset) / 60_000;
  return `${offset < 0 ? '-' : '+'}${String(Math.floor(absolute / 60)).padStart(2, '0')}:${String(absolute % 60).padStart(2, '0')}`;
}

/** The first of `a||b` formats, by the formats text (a histogram formats every key with one). */
const firstFormats = new Map<string, string>();
function firstFormat(formats: string): string {
  let first = firstFormats.get(formats);
  if (first === undefined) {
    first = formats.split('||')[0]!;
    if (firstFormats.size >= dateFormatCacheMax) firstFormats.clear();
    firstFormats.set(formats, first);
  }
  return first;
}

/** Formats that print as the default does (no Java pattern): `formatDatePattern` answers undefined for them. */
const isoNamedFormats = new Map<string, boolean>();
function isoNamedFormat(format: string): boolean {
  let iso = isoNamedFormats.get(format);
  if (iso === undefined) {
    iso = formatDatePattern(format, 0, 0, 0) === undefined;
    if (isoNamedFormats.size >= dateFormatCacheMax) isoNamedFormats.clear();
    isoNamedFormats.set(format, iso);
  }
  return iso;
}

/** Distinct format texts remembered by `formatDate` (they come from mappings and requests). */
const dateFormatCacheMax = 256;

// ---------------------------------------------------------------------------------------------
// Nanosecond resolution (`date_nanos`)

/**
 * An instant in nanosecond resolution as two exact numbers: epoch milliseconds (floor) and the
 * nanoseconds within that millisecond (0..999_999). JavaScript numbers cannot hold epoch
 * nanoseconds exactly (they pass 2^53 in 1970 + 104 days), so the pair is the exact form.
 */
export interface NanoInstant {
  readonly millis: number;
  readonly nanos: number;
}

/** Elasticsearch's default format of `date_nanos` fields. */
export const DEFAULT_DATE_NANOS_FORMAT = 'strict_date_optional_time_nanos||epoch_millis';

/** The largest instant `date_nanos` can hold: 2262-04-11T23:47:16.854775807Z (Long.MAX_VALUE nanos). */
export const maxNanoInstant: NanoInstant = { millis: 9_223_372_036_854, nanos: 775_807 };

/** Orders two instants. */
export function compareNanoInstants(left: NanoInstant, right: NanoInstant): number {
  return left.millis - right.millis || left.nanos - right.nanos;
}

/** Epoch nanoseconds as exact decimal digits (non-negative instants). */
export function epochNanosString(instant: NanoInstant): string {
  return (BigInt(instant.millis) * 1_000_000n + BigInt(instant.nanos)).toString();
}

/** Reads exact epoch nanoseconds (decimal digits, optionally signed); undefined when not an integer. */
export function parseEpochNanos(text: string): NanoInstant | undefined {
  if (!/^-?\d{1,20}$/.test(text)) return undefined;
  const value = BigInt(text);
  let millis = value / 1_000_000n;
  let nanos = value % 1_000_000n;
  if (nanos < 0n) (nanos += 1_000_000n), (millis -= 1n);
  return { millis: Number(millis), nanos: Number(nanos) };
}

/** Splits a fraction of a millisecond given as decimal digits after the point ("456789" → 456789). */
function nanosOfFraction(digits: string | undefined): number {
  return digits === undefined || digits === '' ? 0 : Number(digits.padEnd(6, '0').slice(0, 6));
}

const isoNameFormat = /^(strict_)?(date_optional_time(_nanos)?|date_time|date_time_no_millis|date|date_hour_minute_second|date_hour_minute|year_month_day|year_month|year)$/;

function tryFormatNanos(text: string, format: string, timeZone: string | undefined): NanoInstant | undefined {
  if (format === 'epoch_millis') {
    // Elasticsearch's epoch_millis reads up to six fraction digits for nanosecond fields.
    const match = /^(-?\d+)(?:\.(\d{1,6}))?$/.exec(text);
    if (match === null) return undefined;
    const whole = Number(match[1]);
    if (!Number.isSafeInteger(whole)) return undefined;
    return { millis: whole, nanos: nanosOfFraction(match[2]) };
  }
  if (format === 'epoch_second') {
    const match = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(text);
    if (match === null) return undefined;
    const fraction = (match[2] ?? '').padEnd(9, '0');
    return { millis: Number(match[1]) * 1000 + Number(fraction.slice(0, 3)), nanos: Number(fraction.slice(3)) };
  }
  if (isoNameFormat.test(format) || format === 'iso8601') {
    const millis = tryFormat(text, format, timeZone);
    if (millis === undefined) return undefined;
    const fraction = isoPattern.exec(text)?.[7];
    return { millis, nanos: fraction === undefined ? 0 : nanosOfFraction(fraction.slice(3)) };
  }
  // A Java pattern's fraction (S to SSSSSSSSS) reads the digits beyond the millisecond too.
  const parts = parseDatePattern(text, format);
  return parts === undefined ? undefined : { millis: localToUtc(timeZone, parts.localMs), nanos: parts.nanos };
}

/**
 * Parses a date in nanosecond resolution: ISO 8601 text keeps up to nine fraction digits,
 * `epoch_millis` up to six (a JSON number is epoch milliseconds, its fraction kept to the
 * nanosecond as written). Throws DateParseError like `parseDate`.
 */
export function parseDateNanos(text: string | number, format: string | undefined, timeZone: string | undefined): NanoInstant {
  const formatText = format ?? DEFAULT_DATE_NANOS_FORMAT;
  const formats = formatText.split('||');
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new DateParseError(`failed to parse date field [${text}] with format [${formatText}]`);
    if (formats.includes('epoch_second') && !formats.includes('epoch_millis')) {
      const millis = Math.floor(text * 1000);
      return { millis, nanos: Math.round((text * 1000 - millis) * 1_000_000) % 1_000_000 };
    }
    // The decimal text of the number, not its binary value: 1.5e12 + 0.000123 keeps "123".
    const written = /^(-?\d+)(?:\.(\d+))?$/.exec(Number.isInteger(text) ? text.toFixed(0) : String(text));
    if (written !== null) return { millis: Number(written[1]), nanos: nanosOfFraction(written[2]) };
    return { millis: Math.floor(text), nanos: 0 };
  }
  for (const name of formats) {
    const value = tryFormatNanos(text.trim(), name, timeZone);
    if (value !== undefined && Number.isFinite(value.millis)) return value;
  }
  throw new DateParseError(`failed to parse date field [${text}] with format [${formatText}]`);
}

/**
 * Date math in nanosecond resolution: the anchor keeps its nanoseconds through `+`/`-` steps; a
 * rounding step (`/d`) works in milliseconds as Elasticsearch's parser does, so the sub-millisecond
 * part becomes 0 (rounding up ends one millisecond before the next unit).
 */
export function evaluateDateMathNanos(
  expression: string | number,
  options: { readonly nowMs: number; readonly roundUp: boolean; readonly format?: string | undefined; readonly timeZone?: string | undefined },
): NanoInstant {
  if (typeof expression === 'number') return parseDateNanos(expression, options.format, options.timeZone);
  if (expression.startsWith('now')) return { millis: evaluateDateMath(expression, options), nanos: 0 };
  const separator = expression.indexOf('||');
  if (separator < 0) return parseDateNanos(expression, options.format, options.timeZone);
  const anchor = parseDateNanos(expression.slice(0, separator), options.format, options.timeZone);
  const math = expression.slice(separator + 2);
  const millis = evaluateDateMath(`${anchor.millis}||${math}`, { ...options, format: 'epoch_millis' });
  return { millis, nanos: math.includes('/') ? 0 : anchor.nanos };
}

/**
 * Formats an instant in nanosecond resolution. `strict_date_optional_time_nanos` prints three to
 * nine fraction digits (trailing zeros beyond the millisecond dropped), the millisecond ISO
 * formats three; `epoch_millis` prints the sub-millisecond part as a fraction
 * ("1540815132123.456789"); Java-style patterns print `S` digits as asked and `X` as the offset.
 */
export function formatDateNanos(instant: NanoInstant, timeZone: string | undefined, format: string | undefined): string {
  const name = format ?? 'strict_date_optional_time_nanos';
  if (name === 'epoch_millis') {
    const fraction = String(instant.nanos).padStart(6, '0').replace(/0+$/, '');
    return fraction === '' ? String(instant.millis) : `${instant.millis}.${fraction}`;
  }
  if (name === 'epoch_second') return String(Math.floor(instant.millis / 1000));
  const nineDigits = `${String(((instant.millis % 1000) + 1000) % 1000).padStart(3, '0')}${String(instant.nanos).padStart(6, '0')}`;
  if (/_nanos$/.test(name) || name === 'iso8601') {
    const base = formatDate(instant.millis, timeZone, undefined);
    const fraction = nineDigits.replace(/0+$/, '').padEnd(3, '0');
    return base.replace(/\.\d{3}/, `.${fraction}`);
  }
  const offset = zoneOffsetMs(timeZone, instant.millis);
  const patterned = formatDatePattern(name, instant.millis + offset, instant.nanos, offset);
  if (patterned !== undefined) return patterned;
  return formatDate(instant.millis, timeZone, name);
}
