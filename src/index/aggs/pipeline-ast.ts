/**
 * Pipeline aggregations parsed into frozen nodes (style P7). They collect nothing on a shard: they
 * run once, at the final reduce, over the reduced buckets of other aggregations (see pipeline.ts).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-pipeline.html
 */
import { errors } from '../../common/errors.js';
import { parseDecimalFormat, type DecimalFormat } from './decimal-format.js';
import { compileScript, parseScriptSpec, type ScriptSpec } from '../script/index.js';

export type GapPolicy = 'skip' | 'insert_zeros' | 'keep_values';

/** One `>`-separated step of a `buckets_path`: an aggregation name, optionally `[bucket key]`. */
export interface PathElement {
  readonly name: string;
  readonly key: string | undefined;
}

/** `agg1>agg2.metric`, `agg[key]>metric`, `_count`, `_key`, `percentiles[99.9]`. */
export interface BucketsPath {
  readonly text: string;
  readonly elements: readonly PathElement[];
  /** The value name after the last element (`.avg`, `.99`, or the `[99.9]` of a percentiles). */
  readonly metric: string | undefined;
}

export type SiblingPipelineKind = 'avg_bucket' | 'max_bucket' | 'min_bucket' | 'sum_bucket' | 'stats_bucket' | 'extended_stats_bucket' | 'percentiles_bucket';
export type ParentPipelineKind = 'cumulative_sum' | 'derivative' | 'serial_diff' | 'moving_fn' | 'bucket_sort' | 'bucket_script' | 'bucket_selector';

export type PipelineNode =
  | {
      readonly kind: SiblingPipelineKind;
      readonly bucketsPath: BucketsPath;
      readonly gapPolicy: GapPolicy;
      readonly format: DecimalFormat | undefined;
      /** extended_stats_bucket's `sigma`. */
      readonly sigma: number;
      /** percentiles_bucket's `percents` and `keyed`. */
      readonly percents: readonly number[];
      readonly keyed: boolean;
    }
  | { readonly kind: 'cumulative_sum'; readonly bucketsPath: BucketsPath; readonly format: DecimalFormat | undefined }
  | { readonly kind: 'derivative'; readonly bucketsPath: BucketsPath; readonly gapPolicy: GapPolicy; readonly format: DecimalFormat | undefined; readonly unitMs: number | undefined }
  | { readonly kind: 'serial_diff'; readonly bucketsPath: BucketsPath; readonly gapPolicy: GapPolicy; readonly format: DecimalFormat | undefined; readonly lag: number }
  | {
      /** A script over each bucket's window of earlier values (`values`), with the MovingFunctions helpers. */
      readonly kind: 'moving_fn';
      readonly bucketsPath: BucketsPath;
      readonly script: ScriptSpec;
      readonly window: number;
      readonly shift: number;
      readonly gapPolicy: GapPolicy;
      readonly format: DecimalFormat | undefined;
    }
  | {
      /** bucket_script (a number per bucket) or bucket_selector (keeps the buckets whose script is true). */
      readonly kind: 'bucket_script' | 'bucket_selector';
      /** Script variable name (in `params`) → path. */
      readonly bucketsPaths: readonly { readonly name: string; readonly path: BucketsPath }[];
      readonly script: ScriptSpec;
      readonly gapPolicy: GapPolicy;
      readonly format: DecimalFormat | undefined;
    }
  | {
      readonly kind: 'bucket_sort';
      readonly sort: readonly { readonly path: BucketsPath; readonly direction: 'asc' | 'desc' }[];
      readonly from: number;
      readonly size: number | undefined;
      readonly gapPolicy: GapPolicy;
    };

export const siblingPipelineKinds: ReadonlySet<string> = new Set<SiblingPipelineKind>([
  'avg_bucket',
  'max_bucket',
  'min_bucket',
  'sum_bucket',
  'stats_bucket',
  'extended_stats_bucket',
  'percentiles_bucket',
]);
export const parentPipelineKinds: ReadonlySet<string> = new Set<ParentPipelineKind>(['cumulative_sum', 'derivative', 'serial_diff', 'moving_fn', 'bucket_sort', 'bucket_script', 'bucket_selector']);
export const pipelineKinds: ReadonlySet<string> = new Set([...siblingPipelineKinds, ...parentPipelineKinds]);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Splits a buckets path as Elasticsearch's AggregationPath does (`>` between steps, `[key]` or `.metric` on a step). */
export function parseBucketsPath(text: string): BucketsPath {
  if (text.length === 0) throw errors.illegalArgument('Invalid path []');
  const steps: string[] = [];
  let current = '';
  let inBracket = false;
  for (const char of text) {
    if (char === '[') inBracket = true;
    else if (char === ']') inBracket = false;
    if (char === '>' && !inBracket) {
      steps.push(current);
      current = '';
    } else current += char;
  }
  steps.push(current);
  const elements: PathElement[] = [];
  let metric: string | undefined;
  steps.forEach((step, index) => {
    const last = index === steps.length - 1;
    if (step.length === 0) throw errors.illegalArgument(`Invalid path [${text}]`);
    // The last '[' and '.' split, as AggregationPath.parse does: an aggregation name may hold dots
    // (`v.v.value` is metric `value` of `v.v`), and a metric may follow a key (`agg['k'].value`).
    const bracket = step.lastIndexOf('[');
    if (bracket >= 0) {
      const close = step.lastIndexOf(']');
      const dotAfter = last ? step.lastIndexOf('.') : -1;
      const metricAfter = dotAfter > close && close > bracket;
      if (bracket === 0 || close < bracket || (!metricAfter && close !== step.length - 1)) throw errors.illegalArgument(`Invalid path [${text}]`);
      const key = step.slice(bracket + 1, close).replace(/^'(.*)'$/u, '$1');
      const name = step.slice(0, bracket);
      elements.push({ name, key });
      if (metricAfter) {
        metric = step.slice(dotAfter + 1);
        if (metric.length === 0) throw errors.illegalArgument(`Invalid path [${text}]`);
      }
      return;
    }
    const dot = last ? step.lastIndexOf('.') : -1;
    if (dot > 0) {
      elements.push({ name: step.slice(0, dot), key: undefined });
      metric = step.slice(dot + 1);
      if (metric.length === 0) throw errors.illegalArgument(`Invalid path [${text}]`);
      return;
    }
    elements.push({ name: step, key: undefined });
  });
  return { text, elements, metric };
}

function gapPolicyOf(value: unknown, name: string): GapPolicy {
  if (value === undefined) return 'skip';
  if (value === 'skip' || value === 'insert_zeros' || value === 'keep_values') return value;
  throw errors.illegalArgument(`[${name}] unknown gap_policy [${String(value)}]; valid values are [skip, insert_zeros, keep_values]`);
}

function singleBucketsPath(body: Json, kind: string, name: string): BucketsPath {
  const raw = body['buckets_path'];
  if (raw === undefined) throw errors.illegalArgument(`[buckets_path] must be set for aggregation [${name}]`);
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length !== 1 || typeof list[0] !== 'string') {
    throw errors.parsing(`[${kind}] aggregation [${name}] requires exactly one [buckets_path] string`);
  }
  return parseBucketsPath(list[0]);
}

function formatOf(body: Json): DecimalFormat | undefined {
  const format = body['format'];
  if (format === undefined || format === null) return undefined;
  if (typeof format !== 'string') throw errors.parsing('[format] must be a string');
  return parseDecimalFormat(format);
}

function numberOf(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) throw errors.parsing(`[${field}] failed to parse field [${field}]`);
  return number;
}

/** An int field as Elasticsearch's parser reads it: a whole number (or its text) within int range. */
function integerOf(value: unknown, field: string): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isInteger(number) || number > 2 ** 31 - 1 || number < -(2 ** 31)) throw errors.parsing(`[${field}] failed to parse field [${field}]`);
  return number;
}

/** Units of a derivative's `unit`: a calendar unit name or a fixed time value (`1d`, `30m`). */
function unitMsOf(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const named: Record<string, number> = {
    second: 1000, '1s': 1000, minute: 60_000, '1m': 60_000, hour: 3_600_000, '1h': 3_600_000,
    day: 86_400_000, '1d': 86_400_000, week: 604_800_000, '1w': 604_800_000,
  };
  if (named[text] !== undefined) return named[text];
  const match = /^(\d+)(ms|s|m|h|d)$/u.exec(text);
  if (match === null) throw errors.illegalArgument(`failed to parse setting [${name}.unit] with value [${text}] as a time value: unit is missing or unrecognized`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
}

/** Parses the body of a pipeline aggregation (the caller knows `kind` is one of `pipelineKinds`). */
export function parsePipelineBody(kind: string, body: Json, name: string): PipelineNode {
  switch (kind) {
    case 'cumulative_sum':
      return { kind, bucketsPath: singleBucketsPath(body, kind, name), format: formatOf(body) };
    case 'derivative':
      return { kind, bucketsPath: singleBucketsPath(body, kind, name), gapPolicy: gapPolicyOf(body['gap_policy'], name), format: formatOf(body), unitMs: unitMsOf(body['unit'], name) };
    case 'serial_diff': {
      const lag = numberOf(body['lag'], 'lag', 1);
      if (!Number.isInteger(lag) || lag <= 0) throw errors.illegalArgument(`[lag] must be a positive integer: [${name}]`);
      return { kind, bucketsPath: singleBucketsPath(body, kind, name), gapPolicy: gapPolicyOf(body['gap_policy'], name), format: formatOf(body), lag };
    }
    case 'moving_fn': {
      for (const key of Object.keys(body)) {
        if (!['buckets_path', 'script', 'window', 'shift', 'gap_policy', 'format'].includes(key)) throw errors.parsing(`[moving_fn] unknown field [${key}]`);
      }
      const bucketsPath = body['buckets_path'];
      if (typeof bucketsPath !== 'string') throw errors.illegalArgument(`[buckets_path] must be set for aggregation [${name}]`);
      if (body['script'] === undefined) throw errors.illegalArgument(`[script] must be set for aggregation [${name}]`);
      if (body['window'] === undefined) throw errors.illegalArgument(`[window] must be set for aggregation [${name}]`);
      const window = integerOf(body['window'], 'window');
      if (window <= 0) throw errors.illegalArgument('[window] must be a positive, non-zero integer.');
      const shift = body['shift'] === undefined ? 0 : integerOf(body['shift'], 'shift');
      const script = parseScriptSpec(body['script']);
      compileScript(script, 'moving_function'); // a script that does not compile is a 400 now
      return { kind, bucketsPath: parseBucketsPath(bucketsPath), script, window, shift, gapPolicy: gapPolicyOf(body['gap_policy'], name), format: formatOf(body) };
    }
    case 'bucket_script':
    case 'bucket_selector': {
      for (const key of Object.keys(body)) {
        if (!['buckets_path', 'script', 'gap_policy', 'format'].includes(key) || (kind === 'bucket_selector' && key === 'format')) throw errors.parsing(`[${kind}] unknown field [${key}]`);
      }
      const raw = body['buckets_path'];
      let entries: [string, unknown][];
      // A map names the variables; a list names them _value0, _value1...; a string is _value.
      if (isObject(raw)) entries = Object.entries(raw);
      else if (Array.isArray(raw)) entries = raw.map((path, index) => [`_value${index}`, path]);
      else if (typeof raw === 'string') entries = [['_value', raw]];
      else throw errors.illegalArgument(`[buckets_path] must be set for aggregation [${name}]`);
      const bucketsPaths = entries.map(([variable, path]) => {
        if (typeof path !== 'string') throw errors.parsing(`[${kind}] [buckets_path] values must be strings in [${name}]`);
        return { name: variable, path: parseBucketsPath(path) };
      });
      if (body['script'] === undefined) throw errors.illegalArgument(`[script] must be set for aggregation [${name}]`);
      const script = parseScriptSpec(body['script']);
      compileScript(script, kind === 'bucket_script' ? 'bucket_aggregation' : 'aggregation_selector'); // a script that does not compile is a 400 now
      return { kind, bucketsPaths, script, gapPolicy: gapPolicyOf(body['gap_policy'], name), format: kind === 'bucket_script' ? formatOf(body) : undefined };
    }
    case 'bucket_sort': {
      const from = numberOf(body['from'], 'from', 0);
      if (!Number.isInteger(from) || from < 0) throw errors.illegalArgument(`[from] must be a non-negative integer: [${from}]`);
      const sizeRaw = body['size'];
      const size = sizeRaw === undefined || sizeRaw === null ? undefined : numberOf(sizeRaw, 'size', 0);
      if (size !== undefined && (!Number.isInteger(size) || size <= 0)) throw errors.illegalArgument(`[size] must be a positive integer: [${size}]`);
      const sortRaw = body['sort'];
      const list = sortRaw === undefined ? [] : Array.isArray(sortRaw) ? sortRaw : [sortRaw];
      const sort = list.map((item: unknown): { path: BucketsPath; direction: 'asc' | 'desc' } => {
        if (typeof item === 'string') return { path: parseBucketsPath(item), direction: 'asc' as const };
        if (!isObject(item) || Object.keys(item).length !== 1) throw errors.parsing(`[bucket_sort] [${name}] has an invalid [sort] element`);
        const [path, spec] = Object.entries(item)[0]!;
        const order = isObject(spec) ? spec['order'] : spec;
        if (order !== 'asc' && order !== 'desc') throw errors.parsing(`Unknown sort order [${String(order)}] in [bucket_sort] [${name}]`);
        return { path: parseBucketsPath(path), direction: order as 'asc' | 'desc' };
      });
      return { kind, sort, from, size, gapPolicy: gapPolicyOf(body['gap_policy'], name) };
    }
    default: {
      const percentsRaw = body['percents'];
      const percents = Array.isArray(percentsRaw) ? percentsRaw.map((percent) => numberOf(percent, 'percents', 0)) : [1, 5, 25, 50, 75, 95, 99];
      for (const percent of percents) {
        if (percent < 0 || percent > 100) throw errors.illegalArgument(`[percents] must only contain non-null doubles from 0.0-100.0 inclusive`);
      }
      const sigma = numberOf(body['sigma'], 'sigma', 2);
      if (sigma < 0) throw errors.illegalArgument(`[sigma] must be greater than or equal to 0. Found [${sigma}] in [${name}]`);
      return {
        kind: kind as SiblingPipelineKind,
        bucketsPath: singleBucketsPath(body, kind, name),
        gapPolicy: gapPolicyOf(body['gap_policy'], name),
        format: formatOf(body),
        sigma,
        percents,
        keyed: body['keyed'] !== false,
      };
    }
  }
}
