/**
 * Field mapping parameters Strait accepts but implements only for some values (pure).
 *
 * Project rule: a setting we accept is a setting we honour. `mapping.ts` lists every parameter a
 * field type accepts (as Elasticsearch does); this module refuses, with a 400
 * mapper_parsing_exception naming the parameter, each value that would make Strait behave
 * differently from Elasticsearch. The value Strait implements (usually Elasticsearch's default) is
 * accepted.
 *
 * Accepted parameters not checked here, and why:
 * - honoured elsewhere: index, doc_values, store, meta (`_field_caps`), null_value, coerce, copy_to
 *   (copy-to.ts),
 *   ignore_malformed, ignore_above, analyzer, search_analyzer, format, scaling_factor,
 *   split_queries_on_whitespace, ignore_z_value (document.ts, segment-builder.ts, query planner),
 *   normalizer (analysis/normalizers.ts; names checked by mapping.ts checkAnalysisNames);
 * - change no result, only loading or indexing speed: eager_global_ordinals (when global ordinals
 *   are built), index_phrases and index_prefixes (extra index structures that make phrase and
 *   prefix queries faster; the matches and scores are the same), term_vector (Strait has no term
 *   vectors API, and its highlighter re-analyzes `_source`, which gives the same fragments);
 * - informational outside a time-series index (Strait has no `index.mode: time_series`):
 *   time_series_dimension, time_series_metric.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping-params.html
 */
import { errors } from '../../common/index.js';
import { checkSourceMapping } from './source-mapping.js';

type Definition = Readonly<Record<string, unknown>>;

function refuse(parameter: string, value: unknown, path: string, supported: string): never {
  throw errors.mapperParsing(
    `Failed to parse mapping: [${parameter}] value [${typeof value === 'object' ? JSON.stringify(value) : String(value)}] on mapper [${path}] is not supported by Strait (${supported})`,
  );
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function isFalse(value: unknown): boolean {
  return value === false || value === 'false';
}

/** Elasticsearch's analyzer for quoted query_string text: search_quote_analyzer → search_analyzer → analyzer. */
function effectiveSearchAnalyzer(definition: Definition): unknown {
  return definition['search_analyzer'] ?? definition['analyzer'] ?? 'standard';
}

/**
 * Throws 400 mapper_parsing_exception when `definition` (a field of `type` at `path`, whose
 * parameter names were already checked) sets a parameter to a value Strait does not implement.
 */
export function checkSupportedParameterValues(path: string, type: string, definition: Definition): void {
  const has = (parameter: string): boolean => definition[parameter] !== undefined;
  const value = (parameter: string): unknown => definition[parameter];

  // Index-time field boost (deprecated in Elasticsearch) multiplies scores; Strait scores without it.
  if (has('boost') && Number(value('boost')) !== 1) refuse('boost', value('boost'), path, 'only the default boost [1.0] is supported');
  // Strait scores every field with BM25 (Elasticsearch's default similarity).
  if (has('similarity') && value('similarity') !== 'BM25') refuse('similarity', value('similarity'), path, 'only [BM25] is supported');

  if (type === 'keyword') {
    // Keyword fields are indexed without norms and with docs only, as Elasticsearch's defaults.
    if (has('norms') && !isFalse(value('norms'))) refuse('norms', value('norms'), path, 'keyword fields have no norms');
    if (has('index_options') && value('index_options') !== 'docs') refuse('index_options', value('index_options'), path, 'only [docs] is supported for keyword fields');
  }

  if (type === 'text') {
    // Text fields always keep norms, frequencies and positions (Elasticsearch's defaults): disabling
    // them changes scores and phrase matching. `offsets` only adds data the highlighter may use; Strait
    // highlights from the re-analyzed `_source`, with the same fragments.
    if (has('norms') && !isTrue(value('norms'))) refuse('norms', value('norms'), path, 'text fields always keep norms');
    const options = value('index_options');
    if (options !== undefined && options !== 'positions' && options !== 'offsets') {
      refuse('index_options', options, path, 'only [positions] and [offsets] are supported for text fields');
    }
    // Aggregating or sorting on a text field is refused whatever `fielddata` says (aggregators.ts).
    if (has('fielddata') && !isFalse(value('fielddata'))) refuse('fielddata', value('fielddata'), path, 'fielddata on text fields is not supported');
    if (has('fielddata_frequency_filter')) refuse('fielddata_frequency_filter', value('fielddata_frequency_filter'), path, 'fielddata on text fields is not supported');
    // The gap between values of a multi-valued text field is fixed (segment-builder.ts).
    if (has('position_increment_gap') && Number(value('position_increment_gap')) !== 100) {
      refuse('position_increment_gap', value('position_increment_gap'), path, 'only the default [100] is supported');
    }
    // Quoted query_string text is analyzed with the search analyzer.
    if (has('search_quote_analyzer') && value('search_quote_analyzer') !== effectiveSearchAnalyzer(definition)) {
      refuse('search_quote_analyzer', value('search_quote_analyzer'), path, 'it must equal the field\'s search analyzer');
    }
  }

  if (type === 'date' || type === 'date_nanos') {
    // Dates are parsed and printed with English month and day names only.
    const locale = value('locale');
    if (locale !== undefined && !(typeof locale === 'string' && /^(ENGLISH|ROOT|en([_-][A-Za-z]+)*)$/i.test(locale))) {
      refuse('locale', locale, path, 'dates are parsed in English only');
    }
    if (has('print_format')) refuse('print_format', value('print_format'), path, 'dates are rendered with [format]');
  }

  // token_count counts every token position (the default); skipping removed positions is not implemented.
  if (type === 'token_count' && has('enable_position_increments') && !isTrue(value('enable_position_increments'))) {
    refuse('enable_position_increments', value('enable_position_increments'), path, 'only [true] is supported');
  }
}

/**
 * Root mapping parameters: `_source` is checked by source-mapping.ts (enabled, includes,
 * excludes and mode are honoured; synthetic sources are refused). `_meta` is informational
 * (rendered back); `_routing.required` is honoured by documents.ts.
 */
export function checkSupportedRootParameters(input: Definition): void {
  checkSourceMapping(input);
}
