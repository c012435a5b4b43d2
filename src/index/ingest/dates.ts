/**
 * Dates for the `date` and `date_index_name` processors (pure; `now` is an input): the special
 * formats `ISO8601`, `UNIX`, `UNIX_MS` and `TAI64N`, Elasticsearch's named formats (through the
 * query layer's parser), and Java time patterns (`dd/MMM/yyyy:HH:mm:ss Z`, `yyyy-MM-dd'T'HH:mm:ss.SSSXXX`)
 * parsed and formatted here, since the query layer knows only a few pattern letters.
 * Not shared with the query layer's parser (date-math.ts tryFormat, used by mappings and range
 * queries) on purpose for now: a date without a year takes the current year here (Elasticsearch's
 * ingest DateFormat) but 1970 there, and the two still disagree where ES's strict parser decides
 * (here: month names, one-digit fields, 2023-02-30 refused; there: exactly-sized digits, unknown
 * letters fail the format instead of throwing). Joining them changes what mappings accept, so it
 * needs the mapping side's tests against Elasticsearch's YAML first.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/date-processor.html,
 * https://docs.oracle.com/javase/8/docs/api/java/time/format/DateTimeFormatter.html (pattern letters).
 */
import { errors } from '../../common/index.js';
import { isValidTimeZone, localToUtc, parseDate, roundDown, zoneOffsetMs, type DateUnit } from '../query/date-math.js';

const monthsShort = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const monthsLong = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const daysShort = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const daysLong = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** Splits a Java pattern into letter runs, quoted literals and other characters. */
function tokenize(pattern: string): string[] {
  return pattern.match(/'(?:[^']|'')*'|([a-zA-Z])\1*|[^a-zA-Z']/g) ?? [];
}

/** A time zone parameter: `UTC`, an offset (`+01:00`) or an IANA id (`Europe/Amsterdam`). */
export function checkTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw errors.illegalArgument(`Unknown time-zone ID: ${timeZone}`);
}

interface Fields {
  year?: number;
  /** Week-based year (`Y`) and week of it (`w`): ISO weeks, Monday first, as Elasticsearch's ROOT locale counts them. */
  weekYear?: number;
  week?: number;
  month?: number;
  day?: number;
  hour?: number;
  pm?: boolean;
  minute?: number;
  second?: number;
  millis?: number;
  offsetMs?: number;
  zone?: string;
}

function offsetOf(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?(?::?(\d{2}))?$/.exec(text);
  if (match === null) return undefined;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3_600_000 + Number(match[3] ?? 0) * 60_000 + Number(match[4] ?? 0) * 1000);
}

/** Parses a text in a time zone, with the year to take when the text names none; undefined when it does not match. */
export type DateParser = (text: string, timeZone: string, defaultYear: number) => number | undefined;

/**
 * Compiles a Java pattern once into its parser (the regex and the field setters depend only on
 * the pattern, so a processor builds them when the pipeline is parsed, not per document).
 */
function compilePattern(pattern: string): DateParser {
  let regex = '^';
  const setters: ((value: string, fields: Fields) => boolean)[] = [];
  const number = (min: number, max: number, set: (value: number, fields: Fields) => void): void => {
    regex += `(\\d{${min},${max}})`;
    setters.push((value, fields) => {
      set(Number(value), fields);
      return true;
    });
  };
  const names = (list: readonly string[], set: (index: number, fields: Fields) => void): void => {
    regex += '([A-Za-z]+)';
    setters.push((value, fields) => {
      const index = list.indexOf(value.toLowerCase());
      if (index < 0) return false;
      set(index, fields);
      return true;
    });
  };
  for (const token of tokenize(pattern)) {
    const letter = token[0]!;
    const width = token.length;
    if (letter === "'") {
      regex += escapeRegex(token.length === 2 ? "'" : token.slice(1, -1).replace(/''/g, "'"));
      continue;
    }
    if (!/[a-zA-Z]/.test(letter)) {
      regex += escapeRegex(token);
      continue;
    }
    switch (letter) {
      case 'y':
      case 'u':
        if (width === 2) number(2, 2, (value, fields) => (fields.year = 2000 + value));
        else number(width <= 4 ? 1 : width, 9, (value, fields) => (fields.year = value));
        break;
      case 'Y':
        if (width === 2) number(2, 2, (value, fields) => (fields.weekYear = 2000 + value));
        else number(width <= 4 ? 1 : width, 9, (value, fields) => (fields.weekYear = value));
        break;
      case 'w':
        number(width, 2, (value, fields) => (fields.week = value));
        break;
      case 'M':
      case 'L':
        if (width >= 4) names(monthsLong, (index, fields) => (fields.month = index + 1));
        else if (width === 3) names(monthsShort, (index, fields) => (fields.month = index + 1));
        else number(width, 2, (value, fields) => (fields.month = value));
        break;
      case 'd':
        number(width, 2, (value, fields) => (fields.day = value));
        break;
      case 'H':
      case 'k':
        number(width, 2, (value, fields) => (fields.hour = value));
        break;
      case 'h':
      case 'K':
        number(width, 2, (value, fields) => (fields.hour = value % 12));
        break;
      case 'a':
        regex += '([AaPp][Mm])';
        setters.push((value, fields) => {
          fields.pm = value.toLowerCase() === 'pm';
          return true;
        });
        break;
      case 'm':
        number(width, 2, (value, fields) => (fields.minute = value));
        break;
      case 's':
        number(width, 2, (value, fields) => (fields.second = value));
        break;
      case 'S':
        regex += `(\\d{${width}})`;
        setters.push((value, fields) => {
          fields.millis = Number(value.padEnd(3, '0').slice(0, 3));
          return true;
        });
        break;
      case 'E':
        names(width >= 4 ? daysLong : daysShort, () => undefined);
        break;
      case 'X':
      case 'x':
      case 'Z':
        regex += '(Z|[+-]\\d{2}(?::?\\d{2})?(?::?\\d{2})?)';
        setters.push((value, fields) => {
          const offset = offsetOf(value);
          if (offset === undefined) return false;
          fields.offsetMs = offset;
          return true;
        });
        break;
      case 'z':
      case 'V':
        regex += '([A-Za-z_]+(?:/[A-Za-z_]+)*|[+-]\\d{2}:?\\d{2})';
        setters.push((value, fields) => {
          const offset = offsetOf(value);
          if (offset !== undefined) fields.offsetMs = offset;
          else if (isValidTimeZone(value)) fields.zone = value;
          else return false;
          return true;
        });
        break;
      default:
        throw errors.illegalArgument(`Unknown pattern letter: ${letter}`);
    }
  }
  const compiled = new RegExp(`${regex}$`);
  return (text, timeZone, defaultYear) => matchPattern(compiled, setters, text, timeZone, defaultYear);
}

function matchPattern(
  compiled: RegExp,
  setters: readonly ((value: string, fields: Fields) => boolean)[],
  text: string,
  timeZone: string,
  defaultYear: number,
): number | undefined {
  const match = compiled.exec(text);
  if (match === null) return undefined;
  const fields: Fields = {};
  for (let index = 0; index < setters.length; index++) if (!setters[index]!(match[index + 1]!, fields)) return undefined;
  const hour = (fields.hour ?? 0) + (fields.pm === true ? 12 : 0);
  if (fields.week !== undefined || fields.weekYear !== undefined) {
    const week = fields.week ?? 1;
    if (week < 1 || week > 53) return undefined;
    const local = isoWeekMonday(fields.weekYear ?? fields.year ?? defaultYear) + (week - 1) * 7 * dayMs + hour * 3_600_000 + (fields.minute ?? 0) * 60_000 + (fields.second ?? 0) * 1000 + (fields.millis ?? 0);
    return fields.offsetMs !== undefined ? local - fields.offsetMs : localToUtc(fields.zone ?? timeZone, local);
  }
  const month = fields.month ?? 1;
  const day = fields.day ?? 1;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || (fields.minute ?? 0) > 59 || (fields.second ?? 0) > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(fields.year ?? defaultYear, month - 1, day);
  date.setUTCHours(hour, fields.minute ?? 0, fields.second ?? 0, fields.millis ?? 0);
  if (date.getUTCDate() !== day) return undefined;
  const local = date.getTime();
  if (fields.offsetMs !== undefined) return local - fields.offsetMs;
  return localToUtc(fields.zone ?? timeZone, local);
}

const dayMs = 86_400_000;

/** The Monday (UTC midnight, ms) of ISO week 1 of `weekYear`: the week holding January 4th. */
function isoWeekMonday(weekYear: number): number {
  const date = new Date(0);
  date.setUTCFullYear(weekYear, 0, 4);
  const january4 = date.getTime();
  return january4 - ((date.getUTCDay() + 6) % 7) * dayMs;
}

/** The ISO week-based year and week of a local date. */
function isoWeekOf(local: Date): { readonly weekYear: number; readonly week: number } {
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const thursday = midnight + (3 - ((local.getUTCDay() + 6) % 7)) * dayMs;
  const weekYear = new Date(thursday).getUTCFullYear();
  return { weekYear, week: Math.floor((thursday - isoWeekMonday(weekYear)) / (7 * dayMs)) + 1 };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** TAI64N: `@` and 24 hex digits (TAI seconds since 1970 + 2^62, nanoseconds); TAI runs 10 s ahead of UTC. */
function parseTai64n(text: string): number | undefined {
  const hex = text.startsWith('@') ? text.slice(1) : text;
  if (!/^[0-9a-fA-F]{24}$/.test(hex)) return undefined;
  const seconds = BigInt(`0x${hex.slice(0, 16)}`) - 2n ** 62n - 10n;
  const nanos = Number.parseInt(hex.slice(16), 16);
  return Number(seconds) * 1000 + Math.floor(nanos / 1_000_000);
}

/**
 * Parses `value` with one of the date processor's formats, in `timeZone` when the text names no
 * offset; undefined when it does not match (the processor then tries its next format).
 */
export function parseWithFormat(value: string, format: string, timeZone: string, defaultYear: number): number | undefined {
  return compileDateFormat(format)(value, timeZone, defaultYear);
}

/** `parseWithFormat` with the format compiled once. Throws on a pattern letter it does not know. */
export function compileDateFormat(format: string): DateParser {
  const parse = formatParser(format);
  return (value, timeZone, defaultYear) => parse(value.trim(), timeZone, defaultYear);
}

function formatParser(format: string): DateParser {
  switch (format) {
    case 'ISO8601':
      return (text, timeZone) => tryNamed(text, 'strict_date_optional_time', timeZone);
    case 'UNIX':
      // Elasticsearch: (long) (Double.parseDouble(text) * 1000), which truncates.
      return (text) => (/^-?\d+(\.\d+)?$/.test(text) ? Math.trunc(Number(text) * 1000) : undefined);
    case 'UNIX_MS':
      return (text) => (/^-?\d+$/.test(text) ? Number(text) : undefined);
    case 'TAI64N':
      return (text) => parseTai64n(text);
    default:
      break;
  }
  // Fractions of epoch seconds below a millisecond are truncated, as Elasticsearch's epoch parser does.
  if (format === 'epoch_second') return (text) => (/^-?\d+(\.\d+)?$/.test(text) ? Math.trunc(Number(text) * 1000) : undefined);
  if (/^[a-z_]+$/.test(format)) return (text, timeZone) => tryNamed(text, format, timeZone);
  return compilePattern(format);
}

function tryNamed(text: string, format: string, timeZone: string): number | undefined {
  try {
    return parseDate(text, format, timeZone);
  } catch {
    return undefined;
  }
}

/** Formats `utcMs` in `timeZone` with a Java pattern (or a named format Elasticsearch knows). */
export function formatWithPattern(utcMs: number, pattern: string, timeZone: string): string {
  if (pattern === 'strict_date_optional_time' || pattern === 'date_optional_time' || pattern === 'iso8601') pattern = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";
  if (pattern === 'epoch_millis') return String(utcMs);
  if (pattern === 'epoch_second') return String(Math.floor(utcMs / 1000));
  const offset = zoneOffsetMs(timeZone, utcMs);
  const local = new Date(utcMs + offset);
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  const zone = (colon: boolean, zForZero: boolean): string => {
    if (offset === 0 && zForZero) return 'Z';
    const minutes = Math.abs(offset) / 60_000;
    return `${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60), 2)}${colon ? ':' : ''}${pad(minutes % 60, 2)}`;
  };
  let output = '';
  for (const token of tokenize(pattern)) {
    const letter = token[0]!;
    const width = token.length;
    if (letter === "'") {
      output += token.length === 2 ? "'" : token.slice(1, -1).replace(/''/g, "'");
      continue;
    }
    switch (letter) {
      case 'y':
      case 'u':
        output += width === 2 ? pad(local.getUTCFullYear() % 100, 2) : pad(local.getUTCFullYear(), Math.max(width, 1));
        break;
      case 'Y': {
        const { weekYear } = isoWeekOf(local);
        output += width === 2 ? pad(weekYear % 100, 2) : pad(weekYear, Math.max(width, 1));
        break;
      }
      case 'w':
        output += pad(isoWeekOf(local).week, width);
        break;
      case 'M':
      case 'L':
        if (width >= 4) output += capitalize(monthsLong[local.getUTCMonth()]!);
        else if (width === 3) output += capitalize(monthsShort[local.getUTCMonth()]!);
        else output += pad(local.getUTCMonth() + 1, width);
        break;
      case 'd':
        output += pad(local.getUTCDate(), width);
        break;
      case 'H':
      case 'k':
        output += pad(local.getUTCHours(), width);
        break;
      case 'h':
      case 'K':
        output += pad(local.getUTCHours() % 12 === 0 && letter === 'h' ? 12 : local.getUTCHours() % 12, width);
        break;
      case 'a':
        output += local.getUTCHours() < 12 ? 'AM' : 'PM';
        break;
      case 'm':
        output += pad(local.getUTCMinutes(), width);
        break;
      case 's':
        output += pad(local.getUTCSeconds(), width);
        break;
      case 'S':
        output += pad(local.getUTCMilliseconds(), 3).padEnd(width, '0').slice(0, width);
        break;
      case 'E':
        output += capitalize((width >= 4 ? daysLong : daysShort)[local.getUTCDay()]!);
        break;
      case 'X':
        output += zone(width >= 3, true);
        break;
      case 'x':
        output += zone(width >= 3, false);
        break;
      case 'Z':
        output += width >= 5 ? zone(true, true) : zone(false, false);
        break;
      case 'z':
      case 'V':
        output += timeZone;
        break;
      default:
        if (/[a-zA-Z]/.test(letter)) throw errors.illegalArgument(`Unknown pattern letter: ${letter}`);
        output += token;
    }
  }
  return output;
}

const roundingUnits = new Set(['y', 'M', 'w', 'd', 'h', 'm', 's']);

export function isDateRounding(value: string): value is DateUnit {
  return roundingUnits.has(value);
}

/**
 * The date math index name the date_index_name processor sets as `_index`:
 * `<prefix{2016-04-25T12:24:20.101Z||/M{yyyy-MM-dd|UTC}}>`, as Elasticsearch writes it.
 */
export function dateIndexNameExpression(prefix: string, utcMs: number, rounding: string, format: string, timeZone: string): string {
  return `<${prefix}{${formatWithPattern(utcMs, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'UTC')}||/${rounding}{${format}|${timeZone}}}>`;
}

const dateIndexNamePattern = /^<(.*)\{([^{}|]+)\|\|\/([yMwdhms])\{([^{}|]+)\|([^{}|]+)\}\}>$/s;

/**
 * Resolves an expression of the form `dateIndexNameExpression` writes (the index layer resolves
 * only `now`-anchored names); undefined for any other name.
 */
export function resolveDateIndexName(name: string): string | undefined {
  const match = dateIndexNamePattern.exec(name);
  if (match === null) return undefined;
  const [, prefix, date, rounding, format, timeZone] = match;
  const utcMs = tryNamed(date!, 'strict_date_optional_time', 'UTC');
  if (utcMs === undefined || !isValidTimeZone(timeZone!)) return undefined;
  return `${prefix}${formatWithPattern(roundDown(utcMs, rounding as DateUnit, timeZone), format!, timeZone!)}`;
}
