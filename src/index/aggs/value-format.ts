/**
 * The `format` parameter of field aggregations (terms, min, max, avg, sum, stats, histogram,
 * range), as Elasticsearch's field types build a DocValueFormat from it: a date or date_nanos
 * field reads it as a date format (it replaces the field's own, for printing and for parsing
 * `missing`, include/exclude and range bounds), a numeric field as a java.text.DecimalFormat
 * pattern (keys and values then print `*_as_string`), and any other field refuses it
 * ("does not support custom formats"). Pure.
 * Reference: search-aggregations-metrics-min-aggregation.html (format),
 * search-aggregations-bucket-terms-aggregation.html, mapping-date-format.html.
 */
import { errors } from '../../common/errors.js';
import type { FieldMapping } from '../engine/segment.js';
import { tokenizeDatePattern } from '../query/date-pattern.js';
import { parseDecimalFormat } from './decimal-format.js';

/** Named date formats Strait prints exactly as Elasticsearch does; other names are refused rather than printed otherwise. */
const printedDateNames: ReadonlySet<string> = new Set([
  'epoch_millis',
  'epoch_second',
  'strict_date_optional_time',
  'date_optional_time',
  'strict_date_optional_time_nanos',
  'date_optional_time_nanos',
  'iso8601',
]);

const numericTypes: ReadonlySet<string> = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long']);

function isDate(mapping: FieldMapping): boolean {
  return mapping.type === 'date' || mapping.type === 'date_nanos';
}

/**
 * Checks an aggregation's `format` against its field (a 400 where Elasticsearch refuses it) and
 * gives the mapping the aggregation reads: a date field's with the format in place of its own.
 * Unmapped fields and aggregations without a format keep the mapping as it is.
 */
export function mappingWithAggregationFormat(format: unknown, mapping: FieldMapping | undefined, field: string, aggregation: string): FieldMapping | undefined {
  if (format === undefined || format === null || mapping === undefined) return mapping;
  if (typeof format !== 'string') throw errors.illegalArgument(`[format] of aggregation [${aggregation}] must be a string`);
  if (isDate(mapping)) {
    checkDateFormat(format, aggregation);
    return { ...mapping, format };
  }
  if (numericTypes.has(mapping.mappedType ?? mapping.type)) {
    parseDecimalFormat(format);
    return mapping;
  }
  throw errors.illegalArgument(`Field [${field}] of type [${mapping.mappedType ?? mapping.type}] does not support custom formats`);
}

function checkDateFormat(format: string, aggregation: string): void {
  // Of `a||b` Elasticsearch prints with the first; each must still be a format.
  for (const part of format.split('||')) {
    if (printedDateNames.has(part) || tokenizeDatePattern(part) !== undefined) continue;
    throw errors.illegalArgument(`Invalid format: [${format}] of aggregation [${aggregation}]: Strait prints dates with epoch_millis, epoch_second, strict_date_optional_time(_nanos) or patterns of the letters yyyy uuuu MM dd HH mm ss S X`);
  }
}
