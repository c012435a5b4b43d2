/**
 * How aggregations print a value of a date or date_nanos field (terms keys, min/max/avg/stats
 * values): Elasticsearch's DocValueFormat.DateTime of the field, that is the first of the field's
 * formats (`strict_date_optional_time` for a date field without one, and
 * `strict_date_optional_time_nanos` for date_nanos). Aggregations read both types in epoch
 * milliseconds, so a date_nanos value prints with zero nanoseconds, and a fractional value (an
 * average) is truncated to its millisecond as Java's `(long)` cast does.
 * Reference: search-aggregations-bucket-terms-aggregation.html, search-aggregations-metrics-min-aggregation.html.
 */
import { formatDateNanos } from '../query/date-math.js';

export function formatDateValue(epochMs: number, fieldFormat: string | undefined): string {
  return formatDateNanos({ millis: Math.trunc(epochMs), nanos: 0 }, undefined, fieldFormat?.split('||')[0]);
}
