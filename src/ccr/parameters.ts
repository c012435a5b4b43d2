/**
 * Follow parameters (pure): parsing, validation, defaults and rendering, as spec ccr.md §2.2 lists
 * them. Shared by create-follower, resume-follow and auto-follow patterns. Counts are JSON
 * integers, sizes byte-size strings (`32mb`, `1024k`), times time-value strings (`30s`).
 */
import { errors } from '../common/index.js';
import { formatTimeValue, parseTimeValueMs } from '../common/time-value.js';
import type { FollowParameters } from './types.js';

/** Elasticsearch's "unlimited" write request size, rendered `9223372036854775807b`. */
const unlimitedBytes = Number.MAX_SAFE_INTEGER;
const unlimitedBytesText = '9223372036854775807b';
/** The hard ceiling of `max_retry_delay` (spec §2.2). */
const retryDelayCeilingMs = 5 * 60_000;

export const defaultFollowParameters: FollowParameters = {
  maxReadRequestOperationCount: 5120,
  maxOutstandingReadRequests: 12,
  maxReadRequestSizeBytes: 32 * 1024 * 1024,
  maxWriteRequestOperationCount: 5120,
  maxWriteRequestSizeBytes: unlimitedBytes,
  maxOutstandingWriteRequests: 9,
  maxWriteBufferCount: 2147483647,
  maxWriteBufferSizeBytes: 512 * 1024 * 1024,
  maxRetryDelayMs: 500,
  readPollTimeoutMs: 60_000,
};

/** The body fields that are follow parameters, wire name → field. */
export const followParameterFields = {
  max_read_request_operation_count: 'maxReadRequestOperationCount',
  max_outstanding_read_requests: 'maxOutstandingReadRequests',
  max_read_request_size: 'maxReadRequestSizeBytes',
  max_write_request_operation_count: 'maxWriteRequestOperationCount',
  max_write_request_size: 'maxWriteRequestSizeBytes',
  max_outstanding_write_requests: 'maxOutstandingWriteRequests',
  max_write_buffer_count: 'maxWriteBufferCount',
  max_write_buffer_size: 'maxWriteBufferSizeBytes',
  max_retry_delay: 'maxRetryDelayMs',
  read_poll_timeout: 'readPollTimeoutMs',
} as const satisfies Record<string, keyof FollowParameters>;

type WireName = keyof typeof followParameterFields;
const countFields: readonly WireName[] = ['max_read_request_operation_count', 'max_outstanding_read_requests', 'max_write_request_operation_count', 'max_outstanding_write_requests', 'max_write_buffer_count'];
const sizeFields: readonly WireName[] = ['max_read_request_size', 'max_write_request_size', 'max_write_buffer_size'];

export function isFollowParameterField(name: string): boolean {
  return Object.hasOwn(followParameterFields, name) || name === 'max_lag';
}

/** `max_lag: {"time": "30s", "operations": 10000}` (either or both; Strait's lag objective). */
function parseMaxLag(raw: unknown, problems: string[]): { maxLagMs?: number; maxLagOperations?: number } {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw errors.xContentParse('[max_lag] must be an object with [time] and/or [operations]');
  const value = raw as Record<string, unknown>;
  for (const key of Object.keys(value)) if (key !== 'time' && key !== 'operations') throw errors.xContentParse(`[max_lag] unknown field [${key}]`);
  const result: { maxLagMs?: number; maxLagOperations?: number } = {};
  if (value['time'] !== undefined) {
    result.maxLagMs = parseTimeValue('max_lag.time', value['time']);
    if (result.maxLagMs <= 0) problems.push('max_lag.time must be larger than 0');
  }
  if (value['operations'] !== undefined) {
    if (typeof value['operations'] !== 'number' || !Number.isInteger(value['operations'])) throw errors.xContentParse('[max_lag.operations] must be an integer');
    result.maxLagOperations = value['operations'];
    if (result.maxLagOperations <= 0) problems.push('max_lag.operations must be larger than 0');
  }
  if (result.maxLagMs === undefined && result.maxLagOperations === undefined) problems.push('max_lag must set [time] or [operations]');
  return result;
}

const BYTE_FACTORS: Readonly<Record<string, number>> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, p: 1024 ** 5, pb: 1024 ** 5 };

/** A byte-size value (Elasticsearch's ByteSizeValue units); 400 `parse_exception` naming the field otherwise. */
export function parseByteSizeValue(field: string, value: unknown): number {
  const text = typeof value === 'number' ? `${value}b` : typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === '-1') return unlimitedBytes;
  const match = text === undefined ? null : /^(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb|t|tb|p|pb)$/.exec(text);
  if (match === null) {
    throw errors.parse(`failed to parse setting [${field}] with value [${String(value)}] as a size in bytes: unit is missing or unrecognized`);
  }
  return Math.min(unlimitedBytes, Math.floor(Number(match[1]) * BYTE_FACTORS[match[2]!]!));
}

/** A time value (`500ms`, `30s`; common/time-value.ts); 400 `parse_exception` with Elasticsearch's reason otherwise. */
export function parseTimeValue(field: string, value: unknown): number {
  if (typeof value !== 'string') {
    throw errors.parse(`failed to parse setting [${field}] with value [${String(value)}] as a time value: unit is missing or unrecognized`);
  }
  return parseTimeValueMs(value, field, errors.parse);
}

/** Renders milliseconds as Elasticsearch prints a TimeValue (`500ms`, `1m`, `30s`). */
export const renderTimeValue = formatTimeValue;

/** Renders bytes as Elasticsearch prints a ByteSizeValue (`32mb`, `512mb`, `9223372036854775807b`). */
export function renderByteSize(bytes: number): string {
  if (bytes >= unlimitedBytes) return unlimitedBytesText;
  for (const [unit, factor] of [['pb', 1024 ** 5], ['tb', 1024 ** 4], ['gb', 1024 ** 3], ['mb', 1024 ** 2], ['kb', 1024]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}b`;
}

/**
 * Reads the follow parameters present in `body` (other keys are the caller's business) over the
 * defaults: an omitted parameter is the default, never a previous value (spec §3.2). Problems are
 * collected and thrown together as one 400 `action_request_validation_exception`; a value of the
 * wrong shape is a 400 `parse_exception` / `x_content_parse_exception` naming the field.
 */
export function parseFollowParameters(body: Readonly<Record<string, unknown>>): FollowParameters {
  const values: Record<string, number> = { ...defaultFollowParameters };
  const problems: string[] = [];
  for (const [wire, field] of Object.entries(followParameterFields) as [WireName, keyof FollowParameters][]) {
    const raw = body[wire];
    if (raw === undefined || raw === null) continue;
    let value: number;
    if (countFields.includes(wire)) {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw errors.xContentParse(`[${wire}] failed to parse field [${wire}]: expected an integer, got [${JSON.stringify(raw)}]`);
      value = raw;
      if (value <= 0) problems.push(`${wire} must be larger than 0`);
    } else if (sizeFields.includes(wire)) {
      value = parseByteSizeValue(wire, raw);
      if (value <= 0) problems.push(`${wire} must be larger than 0`);
    } else {
      value = parseTimeValue(wire, raw);
      if (wire === 'max_retry_delay') {
        if (value <= 0) problems.push(`[max_retry_delay] must be positive but was [${typeof raw === 'string' ? raw : renderTimeValue(value)}]`);
        else if (value > retryDelayCeilingMs) problems.push(`[max_retry_delay] must be less than [5m] but was [${String(raw)}]`);
      }
    }
    values[field] = value;
  }
  const maxLag = parseMaxLag(body['max_lag'], problems);
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  return { ...(values as unknown as FollowParameters), ...maxLag };
}

/** The `parameters` object of `_ccr/info` (spec §3.5): every parameter, defaults included. */
export function renderFollowParameters(params: FollowParameters): Record<string, unknown> {
  return {
    max_read_request_operation_count: params.maxReadRequestOperationCount,
    max_read_request_size: renderByteSize(params.maxReadRequestSizeBytes),
    max_outstanding_read_requests: params.maxOutstandingReadRequests,
    max_write_request_operation_count: params.maxWriteRequestOperationCount,
    max_write_request_size: renderByteSize(params.maxWriteRequestSizeBytes),
    max_outstanding_write_requests: params.maxOutstandingWriteRequests,
    max_write_buffer_count: params.maxWriteBufferCount,
    max_write_buffer_size: renderByteSize(params.maxWriteBufferSizeBytes),
    max_retry_delay: renderTimeValue(params.maxRetryDelayMs),
    read_poll_timeout: renderTimeValue(params.readPollTimeoutMs),
    ...(params.maxLagMs !== undefined || params.maxLagOperations !== undefined
      ? {
          max_lag: {
            ...(params.maxLagMs !== undefined ? { time: renderTimeValue(params.maxLagMs) } : {}),
            ...(params.maxLagOperations !== undefined ? { operations: params.maxLagOperations } : {}),
          },
        }
      : {}),
  };
}
