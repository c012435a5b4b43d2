import { errors } from '../common/index.js';

const unitMs: Readonly<Record<string, number>> = { nanos: 1e-6, micros: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses an Elasticsearch time value (`30s`, `1m`, `500ms`; `0` and `-1` need no unit) into
 * milliseconds, with Elasticsearch's error for anything else (TimeValue.parseTimeValue).
 */
export function parseTimeValueMs(value: string, settingName: string): number {
  const text = value.trim();
  if (text === '-1') return -1;
  if (text === '0') return 0;
  const match = /^(\d+(?:\.\d+)?)\s*(nanos|micros|ms|s|m|h|d)$/.exec(text.toLowerCase()); // Elasticsearch lowercases before parsing
  if (match === null) {
    throw errors.parse(`failed to parse setting [${settingName}] with value [${value}] as a time value: unit is missing or unrecognized`);
  }
  return Number(match[1]) * unitMs[match[2]!]!;
}

/** Renders milliseconds the way Elasticsearch prints a TimeValue in messages (`1d`, `24h`, `90s`). */
export function formatTimeValue(ms: number): string {
  for (const [unit, factor] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= factor && ms % factor === 0) return `${ms / factor}${unit}`;
  }
  return `${ms}ms`;
}
