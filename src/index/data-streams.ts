/**
 * Data stream rules (pure), as Elasticsearch's MetadataCreateDataStreamService, DataStream,
 * DataStreamTimestampFieldMapper and the rollover conditions state them.
 *
 * A data stream is a name over hidden backing indices `.ds-<name>-<yyyy.MM.dd>-<generation>`;
 * documents go to the newest (the write index) with `op_type=create` only, each with one
 * `@timestamp`. Rollover adds a backing index and bumps the generation.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/data-streams.html and
 * the rest-api-spec tests data_stream/10_basic, indices.rollover/*.
 */
import { errors, EsError } from '../common/index.js';
import { parseTimeValueMs } from '../common/time-value.js';
import { validateIndexName } from './names.js';

export const BACKING_INDEX_PREFIX = '.ds-';
export const TIMESTAMP_FIELD = '@timestamp';

/** MetadataCreateDataStreamService.validate, with Elasticsearch's wording (`data_stream [x] ...`). */
export function validateDataStreamName(name: string): void {
  if (name !== name.toLowerCase()) throw errors.illegalArgument(`data_stream [${name}] must be lowercase`);
  try {
    validateIndexName(name);
  } catch (error) {
    if (error instanceof EsError && error.type === 'invalid_index_name_exception') {
      throw errors.illegalArgument(`data_stream [${name}] ${error.message.replace(/^Invalid index name \[[^\]]*\], /, '')}`);
    }
    throw error;
  }
  if (name.startsWith(BACKING_INDEX_PREFIX)) throw errors.illegalArgument(`data_stream [${name}] must not start with '${BACKING_INDEX_PREFIX}'`);
}

/** `.ds-<stream>-<yyyy.MM.dd>-<generation, six digits>`, the date in UTC at `nowMs`. */
export function backingIndexName(stream: string, generation: number, nowMs: number): string {
  const date = new Date(nowMs);
  const day = `${date.getUTCFullYear()}.${String(date.getUTCMonth() + 1).padStart(2, '0')}.${String(date.getUTCDate()).padStart(2, '0')}`;
  return `${BACKING_INDEX_PREFIX}${stream}-${day}-${String(generation).padStart(6, '0')}`;
}

/** Elasticsearch's DataStreamTimestampFieldMapper check: exactly one timestamp value. */
export function checkTimestamp(source: unknown, field = TIMESTAMP_FIELD): void {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return; // the document parser answers this one
  const value = (source as Record<string, unknown>)[field];
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    throw errors.documentParsing(`failed to parse: data stream timestamp field [${field}] is missing`, errors.illegalArgument(`data stream timestamp field [${field}] is missing`));
  }
  if (Array.isArray(value) && value.length > 1) {
    throw errors.documentParsing(
      `failed to parse: data stream timestamp field [${field}] encountered multiple values`,
      errors.illegalArgument(`data stream timestamp field [${field}] encountered multiple values`),
    );
  }
}

/** A timestamp value as epoch milliseconds (ISO strings, epoch numbers), or undefined. */
export function timestampMs(value: unknown): number | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  if (typeof single === 'number' && Number.isFinite(single)) return single;
  if (typeof single === 'string') {
    if (/^\d+$/.test(single)) return Number(single);
    const parsed = Date.parse(single);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

// ---------------------------------------------------------------- rollover

export type RolloverConditionName =
  | 'max_age'
  | 'max_docs'
  | 'max_size'
  | 'max_primary_shard_size'
  | 'max_primary_shard_docs'
  | 'min_age'
  | 'min_docs'
  | 'min_size'
  | 'min_primary_shard_size'
  | 'min_primary_shard_docs';

export interface RolloverCondition {
  readonly name: RolloverConditionName;
  /** As given (what the answer's `[name: value]` key shows). */
  readonly text: string;
  /** Milliseconds for ages, bytes for sizes, a count for docs. */
  readonly value: number;
}

/** What a rollover's conditions are checked against: the write index now. */
export interface RolloverStats {
  readonly ageMs: number;
  readonly docs: number;
  readonly sizeBytes: number;
  /** The largest primary shard's documents and bytes. */
  readonly primaryShardDocsMax: number;
  readonly primaryShardSizeBytesMax: number;
}

const byteUnits: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };

function parseTimeValue(text: string, field: string): number {
  return parseTimeValueMs(text, field, errors.parse);
}

function parseByteSize(text: string, field: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|pb)$/i.exec(text.trim());
  if (match === null) throw errors.parse(`failed to parse setting [${field}] with value [${text}] as a size in bytes: unit is missing or unrecognized`);
  return Number(match[1]) * byteUnits[match[2]!.toLowerCase()]!;
}

const conditionKinds: Readonly<Record<RolloverConditionName, 'age' | 'docs' | 'size'>> = {
  max_age: 'age',
  max_docs: 'docs',
  max_size: 'size',
  max_primary_shard_size: 'size',
  max_primary_shard_docs: 'docs',
  min_age: 'age',
  min_docs: 'docs',
  min_size: 'size',
  min_primary_shard_size: 'size',
  min_primary_shard_docs: 'docs',
};

/** Parses a rollover body's `conditions`. */
export function parseRolloverConditions(input: unknown): RolloverCondition[] {
  if (input === undefined || input === null) return [];
  if (typeof input !== 'object' || Array.isArray(input)) throw errors.xContentParse('[1:2] [conditions] must be an object');
  const conditions: RolloverCondition[] = [];
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    const kind = conditionKinds[name as RolloverConditionName];
    if (kind === undefined) throw errors.xContentParse(`[1:2] [conditions] unknown field [${name}]`);
    const text = String(raw);
    let value: number;
    if (kind === 'docs') {
      if (!/^\d+$/.test(text)) throw errors.xContentParse(`[1:2] [conditions] failed to parse field [${name}]`);
      value = Number(text);
    } else value = kind === 'age' ? parseTimeValue(text, name) : parseByteSize(text, name);
    conditions.push({ name: name as RolloverConditionName, text, value });
  }
  const hasMax = conditions.some((condition) => condition.name.startsWith('max_'));
  if (conditions.length > 0 && !hasMax) throw errors.actionRequestValidation(['at least one max_* rollover condition must be set when using min_* conditions']);
  return conditions;
}

function conditionMet(condition: RolloverCondition, stats: RolloverStats): boolean {
  const measured: Record<RolloverConditionName, number> = {
    max_age: stats.ageMs,
    min_age: stats.ageMs,
    max_docs: stats.docs,
    min_docs: stats.docs,
    max_size: stats.sizeBytes,
    min_size: stats.sizeBytes,
    max_primary_shard_size: stats.primaryShardSizeBytesMax,
    min_primary_shard_size: stats.primaryShardSizeBytesMax,
    max_primary_shard_docs: stats.primaryShardDocsMax,
    min_primary_shard_docs: stats.primaryShardDocsMax,
  };
  return measured[condition.name] >= condition.value;
}

/**
 * Each condition's result (keyed `[name: value]`, as Elasticsearch answers) and whether to roll
 * over: no conditions, or any max_* met and every min_* met.
 */
export function evaluateRollover(conditions: readonly RolloverCondition[], stats: RolloverStats): { results: Record<string, boolean>; rollOver: boolean } {
  const results: Record<string, boolean> = {};
  let anyMax = false;
  let allMin = true;
  for (const condition of conditions) {
    const met = conditionMet(condition, stats);
    results[`[${condition.name}: ${condition.text}]`] = met;
    if (condition.name.startsWith('max_')) anyMax ||= met;
    else allMin &&= met;
  }
  return { results, rollOver: conditions.length === 0 || (anyMax && allMin) };
}

/** The next index of an alias rollover: `-000001` becomes `-000002` (MetadataRolloverService). */
export function nextRolloverIndexName(current: string): string {
  const match = /^(.*)-(\d+)$/.exec(current);
  if (match === null) throw errors.illegalArgument(`index name [${current}] does not match pattern '^.*-\\d+$'`);
  return `${match[1]}-${String(Number(match[2]) + 1).padStart(6, '0')}`;
}
