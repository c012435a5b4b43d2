/**
 * Dates for queries and aggregations (pure; `now` is an input, style P1): Elasticsearch's
 * default date format `strict_date_optional_time||epoch_millis`, the `epoch_second` format,
 * date math (`now-1d/d`, `2024-01-01||+1M/d`) and time zones (`+01:00`, `Europe/Paris` via Intl).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/common-options.html#date-math
 */
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
  // A few Java-style patterns: yyyy-MM-dd, yyyy/MM/dd, yyyy-MM-dd HH:mm:ss, dd/MM/yyyy.
  const tokens = format.match(/yyyy|uuuu|MM|dd|HH|mm|ss|SSS|[^A-Za-z]+|[A-Za-z]+/g);
  if (tokens === null) return undefined;
  let regex = '^';
  const fields: string[] = [];
  for (const token of tokens) {
    if (token === 'yyyy' || token === 'uuuu') (regex += '(\\d{4})'), fields.push('y');
    else if (['MM', 'dd', 'HH', 'mm', 'ss'].includes(token)) (regex += '(\\d{2})'), fields.push(token);
    else if (token === 'SSS') (regex += '(\\d{3})'), fields.push('S');
    else if (/^[A-Za-z]+$/.test(token)) return undefined;
    else regex += token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, '');
  }
  const match = new RegExp(regex + '$').exec(text);
  if (match === null) return undefined;
  const get = (name: string, fallback: number): number => {
    const index = fields.indexOf(name);
    return index < 0 ? fallback : Number(match[index + 1]);
  };
  const local = Date.UTC(get('y', 1970), get('MM', 1) - 1, get('dd', 1), get('HH', 0), get('mm', 0), get('ss', 0), get('S', 0));
  return localToUtc(timeZone, local);
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
export function formatDate(utcMs: number, timeZone: string | undefined, format?: string): string {
  if (format === 'epoch_millis') return String(utcMs);
  if (format === 'epoch_second') return String(Math.floor(utcMs / 1000));
  const offset = zoneOffsetMs(timeZone, utcMs);
  const local = new Date(utcMs + offset);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  if (format !== undefined && !/date_optional_time|date_time/.test(format) && /^[yMdHmsS\-/: .T']+$/.test(format)) {
    return format
      .replace(/yyyy|uuuu/g, String(local.getUTCFullYear()))
      .replace(/MM/g, pad(local.getUTCMonth() + 1))
      .replace(/dd/g, pad(local.getUTCDate()))
      .replace(/HH/g, pad(local.getUTCHours()))
      .replace(/mm/g, pad(local.getUTCMinutes()))
      .replace(/ss/g, pad(local.getUTCSeconds()))
      .replace(/SSS/g, pad(local.getUTCMilliseconds(), 3))
      .replace(/'/g, '');
  }
  const base = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}`;
  if (offset === 0) return `${base}Z`;
  const sign = offset < 0 ? '-' : '+';
  const absolute = Math.abs(offset) / 60_000;
  return `${base}${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}
