/**
 * The keys each aggregation's body may hold (pure), checked before the body is parsed.
 *
 * Project rule: a key we accept is a key we honour. Elasticsearch refuses a key its parser for
 * that aggregation does not declare; so does Strait, with the exception and wording of that
 * parser:
 * - ObjectParser-based builders (terms, histogram, the metrics, cumulative_sum, bucket_sort...):
 *   400 x_content_parse_exception "[terms] unknown field [x]", with the "did you mean" of
 *   SuggestingErrorOnUnknown (Lucene's Levenshtein similarity above 0.5, best first). Elasticsearch
 *   prefixes its reason with the `[line:col]` of the key; Strait parses JSON before it reads
 *   aggregations and has no positions, so its reason starts at the parser name.
 * - hand-written parsers (top_hits, filters, derivative, serial_diff, bucket_selector, the
 *   bucket-metrics siblings):
 *   400 parsing_exception with their own sentence ("Unknown key for a VALUE_STRING in [name]:
 *   [x].", "Unexpected token VALUE_STRING [x] in [name]").
 * A key Elasticsearch declares but Strait does not implement is refused with a 400 that says so,
 * unless its value is the default (which is what Strait computes). Keys that only tune speed or
 * accuracy of Elasticsearch's approximations, where Strait computes the exact answer, are
 * accepted: terms `execution_hint` and `collect_mode`, cardinality `precision_threshold` and
 * `execution_hint`.
 *
 * Not listed here: the geo aggregations (geo-aggs.ts and geo-distance.ts check their keys, with
 * parsing_exception where Elasticsearch's ObjectParser answers x_content_parse_exception) and
 * `filter` (its body is a query, refused by the query parser).
 *
 * References: ValuesSourceAggregationBuilder#declareFields and each *AggregationBuilder's PARSER
 * or parse method in elastic/elasticsearch; ObjectParser and SuggestingErrorOnUnknown.
 */
import { errors } from '../../common/errors.js';
import { utf16EditDistance } from '../../common/edit-distance.js';

type Json = Readonly<Record<string, unknown>>;

/** How the kind's Elasticsearch parser words an unknown key. */
type Wording = 'object_parser' | 'unknown_key' | 'unexpected_token' | 'derivative' | 'bucket_selector';

interface KindKeys {
  readonly wording: Wording;
  /** Every key Elasticsearch declares for the kind (the "did you mean" candidates). */
  readonly keys: readonly string[];
  /** Declared keys Strait does not implement, with the value Strait computes (accepted when given). */
  readonly unsupported?: Readonly<Record<string, unknown>>;
}

/** ValuesSourceAggregationBuilder#declareFields: field, missing, value_type, format and script. */
const valuesSource = ['field', 'missing', 'value_type', 'format', 'script'];
const metric: KindKeys = { wording: 'object_parser', keys: valuesSource };
const bucketMetrics = ['buckets_path', 'format', 'gap_policy'];

const kindKeys: Readonly<Record<string, KindKeys>> = {
  min: metric,
  max: metric,
  avg: metric,
  sum: metric,
  value_count: metric,
  stats: metric,
  extended_stats: { wording: 'object_parser', keys: [...valuesSource, 'sigma'] },
  cardinality: { wording: 'object_parser', keys: [...valuesSource, 'precision_threshold', 'execution_hint'] },
  percentiles: { wording: 'object_parser', keys: [...valuesSource, 'percents', 'keyed', 'tdigest', 'hdr'] },
  percentile_ranks: { wording: 'object_parser', keys: [...valuesSource, 'values', 'keyed', 'tdigest', 'hdr'] },
  terms: {
    wording: 'object_parser',
    keys: [...valuesSource, 'size', 'shard_size', 'min_doc_count', 'shard_min_doc_count', 'order', 'include', 'exclude', 'execution_hint', 'collect_mode', 'show_term_doc_count_error'],
    unsupported: { shard_min_doc_count: 0 },
  },
  multi_terms: {
    wording: 'object_parser',
    keys: ['terms', 'size', 'shard_size', 'min_doc_count', 'shard_min_doc_count', 'order', 'collect_mode', 'show_term_doc_count_error', 'format'],
    unsupported: { shard_min_doc_count: 0, format: undefined },
  },
  histogram: {
    wording: 'object_parser',
    keys: [...valuesSource, 'interval', 'offset', 'min_doc_count', 'extended_bounds', 'hard_bounds', 'order', 'keyed'],
    unsupported: { missing: undefined, hard_bounds: undefined },
  },
  date_histogram: {
    wording: 'object_parser',
    keys: [...valuesSource, 'time_zone', 'calendar_interval', 'fixed_interval', 'interval', 'offset', 'min_doc_count', 'extended_bounds', 'hard_bounds', 'order', 'keyed'],
    unsupported: { missing: undefined, hard_bounds: undefined },
  },
  range: { wording: 'object_parser', keys: [...valuesSource, 'ranges', 'keyed'], unsupported: { missing: undefined } },
  date_range: { wording: 'object_parser', keys: [...valuesSource, 'time_zone', 'ranges', 'keyed'], unsupported: { missing: undefined } },
  filters: { wording: 'unknown_key', keys: ['filters', 'other_bucket', 'other_bucket_key', 'keyed'] },
  nested: { wording: 'unexpected_token', keys: ['path'] },
  reverse_nested: { wording: 'unexpected_token', keys: ['path'] },
  top_hits: {
    wording: 'unknown_key',
    keys: ['from', 'size', 'sort', '_source', 'explain', 'version', 'seq_no_primary_term', 'track_scores', 'stored_fields', 'docvalue_fields', 'fields', 'script_fields', 'highlight'],
    unsupported: { explain: false, version: false, seq_no_primary_term: false, track_scores: false, stored_fields: undefined, docvalue_fields: undefined, fields: undefined, script_fields: undefined, highlight: undefined },
  },
  significant_terms: {
    wording: 'object_parser',
    keys: ['field', 'script', 'value_type', 'size', 'shard_size', 'min_doc_count', 'shard_min_doc_count', 'include', 'exclude', 'background_filter', 'execution_hint', 'jlh', 'percentage', 'mutual_information', 'chi_square', 'gnd', 'script_heuristic'],
  },
  rare_terms: { wording: 'object_parser', keys: ['field', 'script', 'max_doc_count', 'missing', 'include', 'exclude', 'precision', 'value_type'] },
  variable_width_histogram: { wording: 'object_parser', keys: ['field', 'script', 'value_type', 'buckets', 'shard_size', 'initial_buffer'] },
  auto_date_histogram: { wording: 'object_parser', keys: ['field', 'script', 'value_type', 'buckets', 'minimum_interval', 'time_zone', 'format', 'missing'] },
  composite: { wording: 'object_parser', keys: ['sources', 'size', 'after'] },
  moving_fn: { wording: 'object_parser', keys: ['buckets_path', 'script', 'window', 'shift', 'gap_policy', 'format'] },
  bucket_script: { wording: 'object_parser', keys: ['buckets_path', 'script', 'gap_policy', 'format'] },
  bucket_selector: { wording: 'bucket_selector', keys: ['buckets_path', 'script', 'gap_policy'] },
  cumulative_sum: { wording: 'object_parser', keys: ['buckets_path', 'format'] },
  bucket_sort: { wording: 'object_parser', keys: ['sort', 'from', 'size', 'gap_policy'] },
  derivative: { wording: 'derivative', keys: ['buckets_path', 'format', 'gap_policy', 'unit'] },
  serial_diff: { wording: 'derivative', keys: ['buckets_path', 'format', 'gap_policy', 'lag'] },
  avg_bucket: { wording: 'unexpected_token', keys: bucketMetrics },
  max_bucket: { wording: 'unexpected_token', keys: bucketMetrics },
  min_bucket: { wording: 'unexpected_token', keys: bucketMetrics },
  sum_bucket: { wording: 'unexpected_token', keys: bucketMetrics },
  stats_bucket: { wording: 'unexpected_token', keys: bucketMetrics },
  extended_stats_bucket: { wording: 'unexpected_token', keys: [...bucketMetrics, 'sigma'] },
  percentiles_bucket: { wording: 'unexpected_token', keys: [...bucketMetrics, 'percents', 'keyed'] },
};

/** The JSON token Jackson reports for a value, as Elasticsearch's hand-written parsers name it. */
function tokenOf(value: unknown): string {
  if (value === null) return 'VALUE_NULL';
  if (Array.isArray(value)) return 'START_ARRAY';
  switch (typeof value) {
    case 'string':
      return 'VALUE_STRING';
    case 'number':
      return 'VALUE_NUMBER';
    case 'boolean':
      return 'VALUE_BOOLEAN';
    default:
      return 'START_OBJECT';
  }
}

/**
 * SuggestingErrorOnUnknown's tail: the candidates whose Lucene Levenshtein similarity
 * (1 - edits / longer length) is above 0.5, most similar first, then by name.
 */
export function didYouMean(unknown: string, candidates: readonly string[]): string {
  const scored = candidates
    .map((candidate) => {
      const longer = Math.max(unknown.length, candidate.length);
      const edits = utf16EditDistance(unknown, candidate, longer, { transpositions: false });
      return { candidate, similarity: longer === 0 ? 1 : 1 - edits / longer };
    })
    .filter((entry) => entry.similarity > 0.5)
    .sort((left, right) => right.similarity - left.similarity || (left.candidate < right.candidate ? -1 : left.candidate > right.candidate ? 1 : 0))
    .map((entry) => entry.candidate);
  if (scored.length === 0) return '';
  return scored.length === 1 ? ` did you mean [${scored[0]}]?` : ` did you mean any of [${scored.join(', ')}]?`;
}

/**
 * Throws Elasticsearch's 400 for a key the `kind` aggregation named `name` does not declare, and
 * a 400 for a declared key Strait does not implement given a value other than the default.
 */
export function checkAggregationKeys(kind: string, body: Json, name: string): void {
  const known = kindKeys[kind];
  if (known === undefined) return;
  for (const [key, value] of Object.entries(body)) {
    if (!known.keys.includes(key)) throw unknownKey(kind, known, key, value, name);
    const unsupported = known.unsupported;
    if (unsupported !== undefined && Object.hasOwn(unsupported, key) && value !== unsupported[key] && value !== null) {
      throw errors.illegalArgument(`[${key}] of [${kind}] aggregation [${name}] is not supported by Strait`);
    }
  }
}

function unknownKey(kind: string, known: KindKeys, key: string, value: unknown, name: string): Error {
  const token = tokenOf(value);
  switch (known.wording) {
    case 'object_parser':
      return errors.xContentParse(`[${kind}] unknown field [${key}]${didYouMean(key, known.keys)}`);
    case 'unknown_key':
      // FiltersAggregationBuilder#parse reads no number and TopHitsAggregationBuilder#parse no
      // null under any key: such a token is "unexpected" there, without the key's name.
      if (token === 'VALUE_NULL' || (kind === 'filters' && token === 'VALUE_NUMBER')) return errors.parsing(`Unexpected token ${token} in [${name}].`);
      return errors.parsing(`Unknown key for a ${token} in [${name}]: [${key}].`);
    case 'unexpected_token':
      return errors.parsing(`Unexpected token ${token} [${key}] in [${name}]`);
    case 'bucket_selector':
      // BucketSelectorPipelineAggregationBuilder#parse: a string, an array or an object under an
      // unknown key names it; a number, a boolean or null does not.
      return token === 'VALUE_STRING' || token === 'START_ARRAY' || token === 'START_OBJECT'
        ? errors.parsing(`Unknown key for a ${token} in [${name}]: [${key}].`)
        : errors.parsing(`Unexpected token ${token} in [${name}].`);
    case 'derivative':
      // DerivativePipelineAggregationBuilder#parse (and serial_diff's, written alike): a string,
      // an array or (serial_diff's `lag`) a number under an unknown key names it; another token does not.
      return token === 'VALUE_STRING' || token === 'START_ARRAY' || (kind === 'serial_diff' && token === 'VALUE_NUMBER')
        ? errors.parsing(`Unknown key for a ${token} in [${name}]: [${key}].`)
        : errors.parsing(`Unexpected token ${token} in [${name}].`);
  }
}
