/**
 * date_histogram rounding. Calendar intervals in a time zone are turned into a sorted table of
 * bucket starts covering the field's value range (built once per request with Intl offsets,
 * so DST is exact), then each value finds its bucket by binary search: no Date objects and no
 * Intl calls per document. Fixed intervals are arithmetic.
 */
import { addUnits, localToUtc, roundDown, zoneOffsetMs } from '../query/date-math.js';
import type { CalendarUnit } from './ast.js';

export interface DateRounding {
  /** Bucket key (UTC millis of the bucket start) for a value. */
  round(value: number): number;
  /** The next bucket start after `key`. */
  next(key: number): number;
  /** Bucket index in the start table (for dense counting), or -1 when out of the table. */
  indexOf(value: number): number;
  readonly starts: Float64Array | null;
}

const tableSizeMax = 200_000;

function calendarRoundDown(value: number, unit: CalendarUnit, timeZone: string | undefined): number {
  switch (unit) {
    case 'minute':
      return roundDown(value, 'm', timeZone);
    case 'hour':
      return roundDown(value, 'h', timeZone);
    case 'day':
      return roundDown(value, 'd', timeZone);
    case 'week':
      return roundDown(value, 'w', timeZone);
    case 'month':
      return roundDown(value, 'M', timeZone);
    case 'year':
      return roundDown(value, 'y', timeZone);
    case 'quarter': {
      const month = roundDown(value, 'M', timeZone);
      const local = new Date(month + zoneOffsetMs(timeZone, month));
      return addUnits(month, -(local.getUTCMonth() % 3), 'M', timeZone);
    }
  }
}

function calendarNext(key: number, unit: CalendarUnit, timeZone: string | undefined): number {
  switch (unit) {
    case 'minute':
      return addUnits(key, 1, 'm', timeZone);
    case 'hour':
      return addUnits(key, 1, 'h', timeZone);
    case 'day':
      return addUnits(key, 1, 'd', timeZone);
    case 'week':
      return addUnits(key, 1, 'w', timeZone);
    case 'month':
      return addUnits(key, 1, 'M', timeZone);
    case 'year':
      return addUnits(key, 1, 'y', timeZone);
    case 'quarter':
      return addUnits(key, 3, 'M', timeZone);
  }
}

export function createDateRounding(
  options: { readonly calendarInterval: CalendarUnit | undefined; readonly fixedIntervalMs: number | undefined; readonly timeZone: string | undefined; readonly offsetMs: number },
  valueMin: number,
  valueMax: number,
): DateRounding {
  const { calendarInterval, fixedIntervalMs, timeZone, offsetMs } = options;
  const isUtc = timeZone === undefined || timeZone === 'UTC' || timeZone === 'Z' || timeZone === '+00:00';
  if (calendarInterval === undefined) {
    const interval = fixedIntervalMs!;
    if (isUtc) {
      const round = (value: number): number => Math.floor((value - offsetMs) / interval) * interval + offsetMs;
      return { round, next: (key) => key + interval, indexOf: () => -1, starts: null };
    }
    // Fixed intervals in a zone round local time, then map back to UTC.
    const round = (value: number): number => {
      const local = value + zoneOffsetMs(timeZone, value) - offsetMs;
      return localToUtc(timeZone, Math.floor(local / interval) * interval) + offsetMs;
    };
    return { round, next: (key) => round(key + interval + interval / 2), indexOf: () => -1, starts: null };
  }
  const roundSlow = (value: number): number => calendarRoundDown(value - offsetMs, calendarInterval, timeZone) + offsetMs;
  const nextSlow = (key: number): number => calendarNext(key - offsetMs, calendarInterval, timeZone) + offsetMs;
  let starts: Float64Array | null = null;
  if (Number.isFinite(valueMin) && Number.isFinite(valueMax) && valueMin <= valueMax) {
    const list: number[] = [];
    for (let key = roundSlow(valueMin); key <= valueMax && list.length <= tableSizeMax; key = nextSlow(key)) list.push(key);
    if (list.length <= tableSizeMax) {
      list.push(nextSlow(list[list.length - 1]!)); // sentinel: end of the last bucket
      starts = Float64Array.from(list);
    }
  }
  if (starts === null) return { round: roundSlow, next: nextSlow, indexOf: () => -1, starts: null };
  const table = starts;
  const lastIndex = table.length - 1;
  const first = table[0]!;
  const end = table[lastIndex]!;
  // Buckets have nearly equal widths (months: 28-31 days), so interpolation lands within a step
  // or two of the right bucket: no branch-heavy binary search per document.
  const scale = lastIndex / (end - first);
  const indexOf = (value: number): number => {
    if (!(value >= first && value < end)) return -1;
    let index = Math.floor((value - first) * scale);
    if (index >= lastIndex) index = lastIndex - 1;
    while (table[index]! > value) index--;
    while (table[index + 1]! <= value) index++;
    return index;
  };
  return {
    round(value) {
      const index = indexOf(value);
      return index >= 0 ? table[index]! : roundSlow(value);
    },
    next: nextSlow,
    indexOf,
    starts: table,
  };
}
