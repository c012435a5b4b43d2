// Unknown keys in an aggregation body are refused as Elasticsearch's parser for that kind refuses
// them, never ignored: ObjectParser builders answer x_content_parse_exception "[kind] unknown
// field [x]" with SuggestingErrorOnUnknown's "did you mean"; the hand-written parsers of
// top_hits, filters, derivative, serial_diff and the bucket-metrics siblings answer their
// parsing_exception sentences. Every key Elasticsearch declares that Strait honours still parses.
// References: ValuesSourceAggregationBuilder#declareFields, TermsAggregationBuilder.PARSER,
// DerivativePipelineAggregationBuilder#parse, SerialDiffPipelineAggregationBuilder#parse,
// BucketMetricsParser#parse, FiltersAggregationBuilder#parse, TopHitsAggregationBuilder#parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { parseAggregations } from '../../../src/index/aggs/index.js';
import { didYouMean } from '../../../src/index/aggs/known-keys.js';

function refused(aggs: unknown, type: string, reason: string): void {
  assert.throws(() => parseAggregations(aggs), (error: unknown) => {
    assert.ok(error instanceof EsError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, type);
    assert.equal(error.message, reason);
    return true;
  });
}

test('a values-source aggregation refuses an unknown key: `params` beside `script`, a misspelt option', () => {
  refused({ a: { terms: { script: 'doc.x.value', params: { k: 1 } } } }, 'x_content_parse_exception', '[terms] unknown field [params]');
  refused({ a: { terms: { field: 'x', sise: 3 } } }, 'x_content_parse_exception', '[terms] unknown field [sise] did you mean [size]?');
  refused({ a: { terms: { fields: 'x' } } }, 'x_content_parse_exception', '[terms] unknown field [fields] did you mean [field]?');
  refused({ a: { avg: { field: 'x', params: {} } } }, 'x_content_parse_exception', '[avg] unknown field [params]');
  refused({ a: { max: { field: 'x', missng: 1 } } }, 'x_content_parse_exception', '[max] unknown field [missng] did you mean [missing]?');
  refused({ a: { extended_stats: { field: 'x', sigmas: 1 } } }, 'x_content_parse_exception', '[extended_stats] unknown field [sigmas] did you mean [sigma]?');
  refused({ a: { histogram: { field: 'x', interval: 5, intervall: 5 } } }, 'x_content_parse_exception', '[histogram] unknown field [intervall] did you mean [interval]?');
  refused({ a: { date_histogram: { field: 'd', calendar_interval: 'day', timezone: 'UTC' } } }, 'x_content_parse_exception', '[date_histogram] unknown field [timezone] did you mean [time_zone]?');
  // `range` is not time-zone aware (only date_range is).
  refused({ a: { range: { field: 'x', ranges: [{ to: 1 }], time_zone: 'UTC' } } }, 'x_content_parse_exception', '[range] unknown field [time_zone]');
  refused({ a: { percentiles: { field: 'x', percent: [50] } } }, 'x_content_parse_exception', '[percentiles] unknown field [percent] did you mean [percents]?');
  refused({ a: { multi_terms: { terms: [{ field: 'a' }, { field: 'b' }], field: 'c' } } }, 'x_content_parse_exception', '[multi_terms] unknown field [field]');
  // Several near candidates: all of them, most similar first.
  assert.equal(didYouMean('min_count', ['min_doc_count', 'max_count', 'size']), ' did you mean any of [max_count, min_doc_count]?');
});

test('hand-written parsers word an unknown key their way', () => {
  refused({ a: { top_hits: { size: 1, sizes: 2 } } }, 'parsing_exception', 'Unknown key for a VALUE_NUMBER in [a]: [sizes].');
  refused({ a: { top_hits: { query: { match_all: {} } } } }, 'parsing_exception', 'Unknown key for a START_OBJECT in [a]: [query].');
  refused({ a: { filters: { filters: { x: { match_all: {} } }, other: true } } }, 'parsing_exception', 'Unknown key for a VALUE_BOOLEAN in [a]: [other].');
  refused({ a: { filters: { filters: { x: { match_all: {} } }, size: 1 } } }, 'parsing_exception', 'Unexpected token VALUE_NUMBER in [a].');
  const histogram = (pipeline: Record<string, unknown>): unknown => ({ h: { histogram: { field: 'x', interval: 1 }, aggs: { m: { max: { field: 'x' } }, p: pipeline } } });
  refused(histogram({ derivative: { buckets_path: 'm', units: '1d' } }), 'parsing_exception', 'Unknown key for a VALUE_STRING in [p]: [units].');
  refused(histogram({ derivative: { buckets_path: 'm', lag: 1 } }), 'parsing_exception', 'Unexpected token VALUE_NUMBER in [p].');
  refused(histogram({ serial_diff: { buckets_path: 'm', window: 1 } }), 'parsing_exception', 'Unknown key for a VALUE_NUMBER in [p]: [window].');
  refused(histogram({ cumulative_sum: { buckets_path: 'm', gap_policy: 'skip' } }), 'x_content_parse_exception', '[cumulative_sum] unknown field [gap_policy]');
  refused(histogram({ bucket_sort: { sort: [], sizes: 1 } }), 'x_content_parse_exception', '[bucket_sort] unknown field [sizes] did you mean [size]?');
  const sibling = (pipeline: Record<string, unknown>): unknown => ({ h: { histogram: { field: 'x', interval: 1 }, aggs: { m: { max: { field: 'x' } } } }, p: pipeline });
  refused(sibling({ avg_bucket: { buckets_path: 'h>m', sigma: 2 } }), 'parsing_exception', 'Unexpected token VALUE_NUMBER [sigma] in [p]');
  refused(sibling({ stats_bucket: { buckets_path: 'h>m', percents: [50] } }), 'parsing_exception', 'Unexpected token START_ARRAY [percents] in [p]');
});

test('a declared key Strait does not implement is refused unless it holds the default', () => {
  refused({ a: { terms: { field: 'x', shard_min_doc_count: 2 } } }, 'illegal_argument_exception', '[shard_min_doc_count] of [terms] aggregation [a] is not supported by Strait');
  refused({ a: { histogram: { field: 'x', interval: 1, hard_bounds: { min: 0, max: 5 } } } }, 'illegal_argument_exception', '[hard_bounds] of [histogram] aggregation [a] is not supported by Strait');
  refused({ a: { histogram: { field: 'x', interval: 1, missing: 0 } } }, 'illegal_argument_exception', '[missing] of [histogram] aggregation [a] is not supported by Strait');
  refused({ a: { top_hits: { highlight: { fields: { x: {} } } } } }, 'illegal_argument_exception', '[highlight] of [top_hits] aggregation [a] is not supported by Strait');
  parseAggregations({ a: { terms: { field: 'x', shard_min_doc_count: 0 } }, b: { top_hits: { version: false, explain: false } } });
});

test('every key Strait honours still parses', () => {
  const parsed = parseAggregations({
    terms: { terms: { field: 'k', size: 3, shard_size: 5, min_doc_count: 1, order: { _key: 'asc' }, include: ['a'], exclude: ['b'], missing: 'm', show_term_doc_count_error: true, execution_hint: 'map', collect_mode: 'breadth_first' } },
    scripted: { terms: { script: { source: "doc['k'].value", params: { p: 1 } }, value_type: 'string' } },
    multi: { multi_terms: { terms: [{ field: 'a' }, { field: 'b' }], size: 2, shard_size: 4, min_doc_count: 1, order: { _count: 'desc' }, show_term_doc_count_error: false, collect_mode: 'depth_first' } },
    card: { cardinality: { field: 'k', precision_threshold: 100, missing: 'x' } },
    ext: { extended_stats: { field: 'n', sigma: 3, missing: 0 } },
    pct: { percentiles: { field: 'n', percents: [50], keyed: false, tdigest: { compression: 50 }, missing: 1 } },
    ranks: { percentile_ranks: { field: 'n', values: [1], keyed: true } },
    hist: { histogram: { field: 'n', interval: 2, offset: 1, min_doc_count: 0, extended_bounds: { min: 0, max: 10 }, order: { _key: 'desc' }, keyed: true } },
    dates: { date_histogram: { field: 'd', calendar_interval: 'month', time_zone: 'Europe/Paris', offset: '1d', min_doc_count: 0, keyed: false }, aggs: { m: { max: { field: 'n' } }, d: { derivative: { buckets_path: 'm', gap_policy: 'skip', unit: 'day' } }, s: { serial_diff: { buckets_path: 'm', lag: 1, gap_policy: 'insert_zeros' } }, c: { cumulative_sum: { buckets_path: 'm' } }, b: { bucket_sort: { sort: [{ m: { order: 'desc' } }], from: 0, size: 2, gap_policy: 'skip' } } } },
    ranges: { range: { field: 'n', ranges: [{ to: 5 }, { from: 5 }], keyed: true } },
    dranges: { date_range: { field: 'd', ranges: [{ to: 'now' }], time_zone: 'UTC' } },
    filters: { filters: { filters: { a: { match_all: {} } }, other_bucket_key: 'rest', keyed: true } },
    top: { top_hits: { size: 1, from: 0, sort: [{ n: 'desc' }], _source: ['n'] } },
    stats: { stats_bucket: { buckets_path: 'hist>_count', gap_policy: 'skip' } },
    pb: { percentiles_bucket: { buckets_path: 'hist>_count', percents: [50], keyed: false } },
    eb: { extended_stats_bucket: { buckets_path: 'hist>_count', sigma: 2 } },
  });
  assert.equal(parsed.length, 16);
});

test('kinds that checked their keys before answer as their Elasticsearch parser does', () => {
  refused({ a: { significant_terms: { field: 'x', jlp: {} } } }, 'x_content_parse_exception', '[significant_terms] unknown field [jlp] did you mean [jlh]?');
  refused({ a: { rare_terms: { field: 'x', max_doc_counts: 1 } } }, 'x_content_parse_exception', '[rare_terms] unknown field [max_doc_counts] did you mean [max_doc_count]?');
  refused({ a: { composite: { sources: [], sise: 1 } } }, 'x_content_parse_exception', '[composite] unknown field [sise] did you mean [size]?');
  const histogram = (pipeline: Record<string, unknown>): unknown => ({ h: { histogram: { field: 'x', interval: 1 }, aggs: { m: { max: { field: 'x' } }, p: pipeline } } });
  refused(histogram({ bucket_script: { buckets_path: { v: 'm' }, script: 'params.v', params: {} } }), 'x_content_parse_exception', '[bucket_script] unknown field [params]');
  refused(histogram({ bucket_selector: { buckets_path: { v: 'm' }, script: 'params.v > 1', format: '0.0' } }), 'parsing_exception', 'Unknown key for a VALUE_STRING in [p]: [format].');
  refused(histogram({ bucket_selector: { buckets_path: { v: 'm' }, script: 'params.v > 1', size: 1 } }), 'parsing_exception', 'Unexpected token VALUE_NUMBER in [p].');
});
