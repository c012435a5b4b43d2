/**
 * Parses Elasticsearch's query DSL JSON into the frozen AST (style P7). Bad input becomes the
 * error Elasticsearch returns (400 `parsing_exception` / `illegal_argument_exception`, same
 * reasons); line and col are reported as 1:1 because the body arrives already parsed.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl.html
 */
import { errors } from '../../common/errors.js';
import { limits } from '../../common/limits.js';
import { type FieldBoost, type Nodes, type QueryNode, type TermValue, deepFreeze } from './ast.js';
import { isValidTimeZone } from './date-math.js';
import { parseQueryString } from './query-string.js';
import { nameQuery, queryNameOf } from './named-queries.js';
import { textQueryParser } from './text-queries-parse.js';
import { scriptQueryParser } from './script-queries.js';
import { geoQueryParser } from './geo.js';
import { nestedQueryParser } from './nested.js';
import { parseMoreLikeThis } from './more-like-this.js';
import { spanQueryParser } from './span.js';
import { DEFAULT_FIELDS, DEFAULT_FIELDS_WEIGHTED } from './default-fields.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

export function parseQuery(json: unknown): QueryNode {
  return deepFreeze(parseNode(json));
}

/**
 * How many `parseNode` calls are in progress (queries inside queries). Parsing is synchronous, so
 * one counter serves every request; it returns to 0 when the outermost call ends, thrown or not.
 */
let nestedDepth = 0;

/**
 * Parses one query clause. A query nested deeper than `indices.query.bool.max_nested_depth` (30)
 * is refused as Elasticsearch does, before its inner clauses are walked.
 */
export function parseNode(json: unknown): QueryNode {
  if (nestedDepth >= limits.queryNestedDepthMax) {
    throw errors.illegalArgument('The nested depth of the query exceeds the maximum nested depth for queries set in [indices.query.bool.max_nested_depth]');
  }
  nestedDepth++;
  try {
    return parseClause(json);
  } finally {
    nestedDepth--;
  }
}

function parseClause(json: unknown): QueryNode {
  if (!isObject(json)) throw errors.parsing('[_na] query malformed, must start with start_object');
  const keys = Object.keys(json);
  if (keys.length === 0) throw errors.parsing('query malformed, empty clause found at [1:1]');
  if (keys.length > 1) throw errors.parsing(`[${keys[0]}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]`);
  const kind = keys[0]!;
  const body = json[kind];
  const parser = Object.hasOwn(parsers, kind) ? parsers[kind] : (textQueryParser(kind) ?? scriptQueryParser(kind, parseNode) ?? geoQueryParser(kind) ?? nestedQueryParser(kind, parseNode) ?? spanQueryParser(kind, parseNode) ?? (kind === 'more_like_this' ? parseMoreLikeThis : undefined));
  if (parser === undefined) throw errors.parsing(`unknown query [${kind}]`);
  if (!isObject(body)) throw errors.parsing(`[${kind}] query malformed, no start_object after query name`);
  const node = parser(body);
  const name = queryNameOf(kind, body);
  if (name !== undefined) nameQuery(node, name);
  return node;
}

export function number(value: unknown, query: string, name: string): number {
  const result = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(result)) throw errors.parsing(`[${query}] failed to parse field [${name}]`);
  return result;
}

export function boolean(value: unknown, query: string, name: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw errors.parsing(`[${query}] failed to parse field [${name}]`);
}

function termValue(value: unknown, query: string): TermValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value === null) throw errors.illegalArgument(`value cannot be null`);
  throw errors.parsing(`[${query}] query does not support array or object values`);
}

export function stringValue(value: unknown, query: string, name: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw errors.parsing(`[${query}] failed to parse field [${name}]`);
}

export function optionalString(value: unknown, query: string, name: string): string | undefined {
  return value === undefined || value === null ? undefined : stringValue(value, query, name);
}

export function fuzzinessValue(value: unknown, query: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  throw errors.parsing(`[${query}] failed to parse field [fuzziness]`);
}

/**
 * The single-field form shared by term-level and full-text queries: `{ field: value }` or
 * `{ field: { <valueKey>: value, ...options } }`; `boost`/`_name` may also sit beside the field.
 */
export function singleField(query: string, body: Json, valueKey: string): { field: string; options: Json } {
  let field: string | undefined;
  let options: Json = {};
  const outer: Json = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'boost' || key === '_name') {
      outer[key] = value;
      continue;
    }
    if (field !== undefined) throw errors.parsing(`[${query}] query doesn't support multiple fields, found [${field}] and [${key}]`);
    field = key;
    options = isObject(value) ? value : { [valueKey]: value };
  }
  if (field === undefined) throw errors.illegalArgument(`[${query}] requires a field name`); // ES: "fieldName must not be null or empty"
  return { field, options: { ...outer, ...options } };
}

export function checkKnown(query: string, options: Json, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw errors.parsing(`[${query}] query does not support [${key}]`);
  }
}

export function boostOf(options: Json, query: string): number {
  return options['boost'] === undefined ? 1 : number(options['boost'], query, 'boost');
}

function clauses(value: unknown): Nodes {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map((item) => parseNode(item));
  return [parseNode(value)];
}

export function minimumShouldMatch(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  throw errors.parsing('[bool] failed to parse field [minimum_should_match]');
}

export function fieldBoosts(value: unknown, query: string): FieldBoost[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.map((item) => {
    const text = stringValue(item, query, 'fields');
    const caret = text.lastIndexOf('^');
    if (caret > 0) return { field: text.slice(0, caret), boost: number(text.slice(caret + 1), query, 'fields') };
    return { field: text, boost: 1 };
  });
}

const matchOptions = [
  'query', 'operator', 'minimum_should_match', 'fuzziness', 'prefix_length', 'max_expansions', 'analyzer', 'zero_terms_query',
  'lenient', 'boost', '_name', 'fuzzy_transpositions', 'fuzzy_rewrite', 'auto_generate_synonyms_phrase_query', 'cutoff_frequency',
];

export function operatorOf(value: unknown, query: string): 'or' | 'and' {
  if (value === undefined) return 'or';
  const text = stringValue(value, query, 'operator').toLowerCase();
  if (text !== 'or' && text !== 'and') throw errors.illegalArgument(`No enum constant org.elasticsearch.index.query.Operator.${text.toUpperCase()}`);
  return text;
}

/** The fields of a query that names none: the index's `index.query.default_field`, resolved by the planner. */
const defaultFields: readonly FieldBoost[] = Object.freeze([Object.freeze({ field: DEFAULT_FIELDS, boost: 1 })]);
/** The same for `simple_query_string` and `multi_match`, which keep every default field's boost (default-fields.ts). */
const weightedDefaultFields: readonly FieldBoost[] = Object.freeze([Object.freeze({ field: DEFAULT_FIELDS_WEIGHTED, boost: 1 })]);

const parsers: Record<string, (body: Json) => QueryNode> = {
  match_all: (body) => {
    checkKnown('match_all', body, ['boost', '_name']);
    return { kind: 'match_all', boost: boostOf(body, 'match_all') };
  },
  match_none: (body) => {
    checkKnown('match_none', body, ['boost', '_name']);
    return { kind: 'match_none' };
  },
  match: (body) => {
    const { field, options } = singleField('match', body, 'query');
    checkKnown('match', options, matchOptions);
    if (options['query'] === undefined) throw errors.parsing('[match] requires query value');
    const zeroTerms = optionalString(options['zero_terms_query'], 'match', 'zero_terms_query') ?? 'none';
    if (zeroTerms !== 'none' && zeroTerms !== 'all') throw errors.parsing(`[match] unsupported zero_terms_query value [${zeroTerms}]`);
    return {
      kind: 'match',
      field,
      query: termValue(options['query'], 'match'),
      operator: operatorOf(options['operator'], 'match'),
      minimumShouldMatch: minimumShouldMatch(options['minimum_should_match']),
      fuzziness: fuzzinessValue(options['fuzziness'], 'match'),
      prefixLength: options['prefix_length'] === undefined ? 0 : number(options['prefix_length'], 'match', 'prefix_length'),
      maxExpansions: options['max_expansions'] === undefined ? 50 : number(options['max_expansions'], 'match', 'max_expansions'),
      analyzer: optionalString(options['analyzer'], 'match', 'analyzer'),
      zeroTermsQuery: zeroTerms,
      lenient: options['lenient'] === undefined ? false : boolean(options['lenient'], 'match', 'lenient'),
      boost: boostOf(options, 'match'),
    };
  },
  match_phrase: (body) => phrase('match_phrase', body, 0),
  match_phrase_prefix: (body) => phrase('match_phrase_prefix', body, 50),
  multi_match: (body) => {
    checkKnown('multi_match', body, [...matchOptions, 'fields', 'type', 'tie_breaker', 'slop']);
    if (body['query'] === undefined) throw errors.parsing('[multi_match] requires query value');
    const type = optionalString(body['type'], 'multi_match', 'type') ?? 'best_fields';
    const types = ['best_fields', 'most_fields', 'phrase', 'phrase_prefix', 'bool_prefix', 'cross_fields'] as const;
    if (!(types as readonly string[]).includes(type)) throw errors.parsing(`[multi_match] query does not allow type [${type}]`); // ES: "failed to parse [multi_match] query type [x]. unknown type."
    const fields = fieldBoosts(body['fields'], 'multi_match');
    if (type === 'bool_prefix') {
      for (const key of ['slop', 'cutoff_frequency']) if (body[key] !== undefined) throw errors.illegalArgument(`[${key}] not allowed for type [bool_prefix]`);
    }
    return {
      kind: 'multi_match',
      fields: fields.length === 0 ? weightedDefaultFields : fields,
      query: termValue(body['query'], 'multi_match'),
      type: type as (typeof types)[number],
      tieBreaker: body['tie_breaker'] === undefined ? 0 : number(body['tie_breaker'], 'multi_match', 'tie_breaker'),
      operator: operatorOf(body['operator'], 'multi_match'),
      minimumShouldMatch: minimumShouldMatch(body['minimum_should_match']),
      fuzziness: fuzzinessValue(body['fuzziness'], 'multi_match'),
      analyzer: optionalString(body['analyzer'], 'multi_match', 'analyzer'),
      slop: body['slop'] === undefined ? 0 : number(body['slop'], 'multi_match', 'slop'),
      lenient: body['lenient'] === undefined ? false : boolean(body['lenient'], 'multi_match', 'lenient'),
      boost: boostOf(body, 'multi_match'),
    };
  },
  term: (body) => {
    const { field, options } = singleField('term', body, 'value');
    checkKnown('term', options, ['value', 'boost', '_name', 'case_insensitive']);
    if (options['value'] === undefined) throw errors.illegalArgument('value cannot be null');
    return {
      kind: 'term',
      field,
      value: termValue(options['value'], 'term'),
      caseInsensitive: options['case_insensitive'] === undefined ? false : boolean(options['case_insensitive'], 'term', 'case_insensitive'),
      boost: boostOf(options, 'term'),
    };
  },
  terms: (body) => {
    let field: string | undefined;
    let values: TermValue[] = [];
    for (const [key, value] of Object.entries(body)) {
      if (key === 'boost' || key === '_name') continue;
      if (field !== undefined) throw errors.parsing(`[terms] query does not support multiple fields`);
      if (!Array.isArray(value)) {
        if (isObject(value)) throw errors.parsing('[terms] query does not support terms lookup yet');
        throw errors.parsing(`[terms] query does not support [${key}]`);
      }
      field = key;
      values = value.map((item) => termValue(item, 'terms'));
    }
    if (field === undefined) throw errors.illegalArgument('field name cannot be null.'); // ES: "[terms] query requires a field"
    return { kind: 'terms', field, values, boost: boostOf(body, 'terms') };
  },
  range: (body) => {
    const { field, options } = singleField('range', body, 'gte');
    checkKnown('range', options, ['gt', 'gte', 'lt', 'lte', 'from', 'to', 'include_lower', 'include_upper', 'format', 'time_zone', 'boost', '_name', 'relation']);
    const bound = (key: string): TermValue | undefined => (options[key] === undefined || options[key] === null ? undefined : termValue(options[key], 'range'));
    let gt = bound('gt');
    let gte = bound('gte');
    let lt = bound('lt');
    let lte = bound('lte');
    if (options['from'] !== undefined && options['from'] !== null) {
      if (options['include_lower'] === false) gt = bound('from');
      else gte = bound('from');
    }
    if (options['to'] !== undefined && options['to'] !== null) {
      if (options['include_upper'] === false) lt = bound('to');
      else lte = bound('to');
    }
    const timeZone = optionalString(options['time_zone'], 'range', 'time_zone');
    if (timeZone !== undefined && !isValidTimeZone(timeZone)) throw errors.illegalArgument(`Unknown time-zone ID: ${timeZone}`);
    return {
      kind: 'range',
      field,
      gt,
      gte,
      lt,
      lte,
      format: optionalString(options['format'], 'range', 'format'),
      timeZone,
      boost: boostOf(options, 'range'),
    };
  },
  exists: (body) => {
    checkKnown('exists', body, ['field', 'boost', '_name']);
    if (body['field'] === undefined) throw errors.parsing('[exists] must be provided with a [field]');
    return { kind: 'exists', field: stringValue(body['field'], 'exists', 'field'), boost: boostOf(body, 'exists') };
  },
  ids: (body) => {
    checkKnown('ids', body, ['values', 'boost', '_name']);
    const values = body['values'];
    if (!Array.isArray(values)) throw errors.parsing('[ids] failed to parse field [values]');
    return { kind: 'ids', values: values.map((value) => stringValue(value, 'ids', 'values')), boost: boostOf(body, 'ids') };
  },
  prefix: (body) => multiTerm('prefix', body),
  wildcard: (body) => multiTerm('wildcard', body),
  fuzzy: (body) => {
    const { field, options } = singleField('fuzzy', body, 'value');
    checkKnown('fuzzy', options, ['value', 'fuzziness', 'prefix_length', 'max_expansions', 'transpositions', 'rewrite', 'boost', '_name']);
    if (options['value'] === undefined) throw errors.parsing('[fuzzy] query requires a value');
    return {
      kind: 'fuzzy',
      field,
      value: stringValue(options['value'], 'fuzzy', 'value'),
      fuzziness: fuzzinessValue(options['fuzziness'], 'fuzzy') ?? 'AUTO',
      prefixLength: options['prefix_length'] === undefined ? 0 : number(options['prefix_length'], 'fuzzy', 'prefix_length'),
      maxExpansions: options['max_expansions'] === undefined ? 50 : number(options['max_expansions'], 'fuzzy', 'max_expansions'),
      transpositions: options['transpositions'] === undefined ? true : boolean(options['transpositions'], 'fuzzy', 'transpositions'),
      boost: boostOf(options, 'fuzzy'),
    };
  },
  bool: (body) => {
    checkKnown('bool', body, ['must', 'should', 'filter', 'must_not', 'minimum_should_match', 'boost', '_name', 'adjust_pure_negative']);
    return {
      kind: 'bool',
      must: clauses(body['must']),
      should: clauses(body['should']),
      filter: clauses(body['filter']),
      mustNot: clauses(body['must_not']),
      minimumShouldMatch: minimumShouldMatch(body['minimum_should_match']),
      boost: boostOf(body, 'bool'),
    };
  },
  constant_score: (body) => {
    checkKnown('constant_score', body, ['filter', 'boost', '_name']);
    if (body['filter'] === undefined) throw errors.parsing('[constant_score] requires a \'filter\' element');
    return { kind: 'constant_score', filter: parseNode(body['filter']), boost: boostOf(body, 'constant_score') };
  },
  dis_max: (body) => {
    checkKnown('dis_max', body, ['queries', 'tie_breaker', 'boost', '_name']);
    if (body['queries'] === undefined) throw errors.parsing('[dis_max] requires \'queries\' field with at least one clause');
    return {
      kind: 'dis_max',
      queries: clauses(body['queries']),
      tieBreaker: body['tie_breaker'] === undefined ? 0 : number(body['tie_breaker'], 'dis_max', 'tie_breaker'),
      boost: boostOf(body, 'dis_max'),
    };
  },
  query_string: (body) => {
    checkKnown('query_string', body, [
      'query', 'default_field', 'fields', 'default_operator', 'analyzer', 'boost', '_name', 'lenient', 'allow_leading_wildcard',
      'analyze_wildcard', 'minimum_should_match', 'fuzziness', 'phrase_slop', 'tie_breaker', 'type', 'time_zone', 'quote_analyzer',
      'auto_generate_synonyms_phrase_query', 'enable_position_increments', 'escape', 'max_determinized_states', 'rewrite',
      'fuzzy_max_expansions', 'fuzzy_prefix_length', 'fuzzy_transpositions', 'quote_field_suffix',
    ]);
    if (body['query'] === undefined) throw errors.parsing('[query_string] must be provided with a [query]');
    const defaultField = optionalString(body['default_field'], 'query_string', 'default_field');
    const listed = fieldBoosts(body['fields'], 'query_string');
    // Both would be accepted and one ignored: Elasticsearch refuses the pair (QueryStringQueryBuilder).
    if (listed.length > 0 && defaultField !== undefined) throw errors.queryValidation(['cannot use [fields] parameter in conjunction with [default_field]']);
    const fields = listed.length > 0 ? listed : defaultField !== undefined ? [{ field: defaultField, boost: 1 }] : defaultFields;
    return parseQueryString(stringValue(body['query'], 'query_string', 'query'), {
      fields,
      defaultOperator: operatorOf(body['default_operator'], 'query_string'),
      analyzer: optionalString(body['analyzer'], 'query_string', 'analyzer'),
      quoteAnalyzer: optionalString(body['quote_analyzer'], 'query_string', 'quote_analyzer'),
      simple: false,
      boost: boostOf(body, 'query_string'),
      lenient: body['lenient'] === undefined ? fields.some((field) => field.field.includes('*')) : boolean(body['lenient'], 'query_string', 'lenient'),
      phraseSlop: body['phrase_slop'] === undefined ? 0 : number(body['phrase_slop'], 'query_string', 'phrase_slop'),
      quoteFieldSuffix: optionalString(body['quote_field_suffix'], 'query_string', 'quote_field_suffix'),
    });
  },
  simple_query_string: (body) => {
    checkKnown('simple_query_string', body, [
      'query', 'fields', 'default_operator', 'analyzer', 'boost', '_name', 'lenient', 'flags', 'analyze_wildcard', 'minimum_should_match',
      'auto_generate_synonyms_phrase_query', 'fuzzy_max_expansions', 'fuzzy_prefix_length', 'fuzzy_transpositions', 'quote_field_suffix',
    ]);
    if (body['query'] === undefined) throw errors.parsing('[simple_query_string] query text missing');
    const listed = fieldBoosts(body['fields'], 'simple_query_string');
    const fields = listed.length > 0 ? listed : weightedDefaultFields;
    return parseQueryString(stringValue(body['query'], 'simple_query_string', 'query'), {
      fields,
      defaultOperator: operatorOf(body['default_operator'], 'simple_query_string'),
      analyzer: optionalString(body['analyzer'], 'simple_query_string', 'analyzer'),
      quoteAnalyzer: undefined,
      simple: true,
      boost: boostOf(body, 'simple_query_string'),
      lenient: true, // simple_query_string never fails on type mismatches of its terms
      phraseSlop: 0,
      quoteFieldSuffix: optionalString(body['quote_field_suffix'], 'simple_query_string', 'quote_field_suffix'),
    });
  },
};

function phrase(query: 'match_phrase' | 'match_phrase_prefix', body: Json, defaultExpansions: number): QueryNode {
  const { field, options } = singleField(query, body, 'query');
  checkKnown(query, options, ['query', 'slop', 'analyzer', 'boost', '_name', 'max_expansions', 'zero_terms_query']);
  if (options['query'] === undefined) throw errors.parsing(`[${query}] requires query value`);
  return {
    kind: 'match_phrase',
    field,
    query: stringValue(options['query'], query, 'query'),
    slop: options['slop'] === undefined ? 0 : number(options['slop'], query, 'slop'),
    analyzer: optionalString(options['analyzer'], query, 'analyzer'),
    prefixExpansions: query === 'match_phrase' ? 0 : options['max_expansions'] === undefined ? defaultExpansions : number(options['max_expansions'], query, 'max_expansions'),
    boost: boostOf(options, query),
  };
}

function multiTerm(query: 'prefix' | 'wildcard', body: Json): QueryNode {
  const { field, options } = singleField(query, body, 'value');
  checkKnown(query, options, ['value', 'wildcard', 'boost', '_name', 'rewrite', 'case_insensitive']);
  const value = options['value'] ?? options['wildcard'];
  if (value === undefined) throw errors.parsing(`[${query}] requires a value`);
  return {
    kind: query,
    field,
    value: stringValue(value, query, 'value'),
    caseInsensitive: options['case_insensitive'] === undefined ? false : boolean(options['case_insensitive'], query, 'case_insensitive'),
    boost: boostOf(options, query),
  };
}
