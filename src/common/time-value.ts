/**
 * Elasticsearch's time values (TimeValue.parseTimeValue), the one parser every layer uses:
 * a whole number and a unit (`nanos`, `micros`, `ms`, `s`, `m`, `h`, `d`; blanks allowed between
 * them; units in any case except `m`, since `M` means months elsewhere), or `-1` and `0` without
 * a unit (`-01`, `00` too). Fractions, negative durations other than -1 and unknown units are
 * refused with Elasticsearch's reasons. Pure.
 * Reference: api-conventions.html#time-units.
 */
import { errors, type EsError } from './errors.js';

const unitsMs: readonly (readonly [string, number])[] = [
  ['nanos', 1e-6],
  ['micros', 1e-3],
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
];

/** What Java's Long.parseLong reads (an optional sign and decimal digits). */
const javaLong = /^[+-]?\d+$/;
/** What Java's Double.parseDouble reads, closely enough to tell a fraction from a non-number. */
const javaDouble = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;
const longMax = 2n ** 63n - 1n;
const longMin = -(2n ** 63n);

/** The milliseconds of a time value, or the reason Elasticsearch refuses it. */
export function timeValueMsOrReason(value: string, settingName: string): { readonly ms: number } | { readonly reason: string } {
  // Java's String.trim: only characters up to the space.
  const normalized = value.toLowerCase().replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  for (const [unit, factor] of unitsMs) {
    // Minutes are read from the text as given: `1M` is not a time value.
    const ends = unit === 'm' ? value.endsWith('m') : normalized.endsWith(unit);
    if (!ends) continue;
    const amount = normalized.slice(0, normalized.length - unit.length).replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
    if (!javaLong.test(amount) || BigInt(amount) > longMax || BigInt(amount) < longMin) {
      if (javaDouble.test(amount)) return { reason: `failed to parse [${value}], fractional time values are not supported` };
      return { reason: `failed to parse [${value}]` };
    }
    const whole = Number(amount);
    if (whole < -1) return { reason: `failed to parse setting [${settingName}] with value [${value}] as a time value: negative durations are not supported` };
    return { ms: whole * factor };
  }
  if (/^-0*1$/.test(normalized)) return { ms: -1 };
  if (/^0+$/.test(normalized)) return { ms: 0 };
  return { reason: `failed to parse setting [${settingName}] with value [${value}] as a time value: unit is missing or unrecognized` };
}

/**
 * The milliseconds of a time value, or `error(reason)` thrown. Elasticsearch raises an
 * IllegalArgumentException (400 illegal_argument_exception), the default; a caller whose
 * Elasticsearch counterpart wraps it differently passes its own factory.
 */
export function parseTimeValueMs(value: string, settingName: string, error: (reason: string) => EsError = errors.illegalArgument): number {
  const parsed = timeValueMsOrReason(value, settingName);
  if ('reason' in parsed) throw error(parsed.reason);
  return parsed.ms;
}

/** Renders milliseconds the way Elasticsearch prints a TimeValue in messages (`1d`, `24h`, `90s`, `500ms`). */
export function formatTimeValue(ms: number): string {
  for (const [unit, factor] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= factor && ms % factor === 0) return `${ms / factor}${unit}`;
  }
  return `${ms}ms`;
}
