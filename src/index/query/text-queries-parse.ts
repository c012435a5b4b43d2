/**
 * Parsers of `regexp`, `match_bool_prefix`, `combined_fields` and `intervals` (the JSON shapes of
 * Elasticsearch's RegexpQueryBuilder, MatchBoolPrefixQueryBuilder, CombinedFieldsQueryBuilder and
 * IntervalQueryBuilder / IntervalsSourceProvider). parse.ts asks `textQueryParser` for a kind it
 * does not know itself.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-regexp-query.html
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-intervals-query.html
 */
import { type RegexSyntaxFlags, regexFlagsAll } from '../../common/lucene-regexp.js';
import { errors } from '../../common/errors.js';
import type { QueryNode } from './ast.js';
import {
  boolean,
  boostOf,
  checkKnown,
  fieldBoosts,
  fuzzinessValue,
  minimumShouldMatch,
  number,
  operatorOf,
  optionalString,
  singleField,
  stringValue,
} from './parse.js';
import type { IntervalsFilter, IntervalsFilterKind, IntervalsRule } from './text-queries-ast.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The parser of one of these query kinds, or undefined. */
export function textQueryParser(kind: string): ((body: Json) => QueryNode) | undefined {
  switch (kind) {
    case 'regexp':
      return parseRegexp;
    case 'match_bool_prefix':
      return parseMatchBoolPrefix;
    case 'combined_fields':
      return parseCombinedFields;
    case 'intervals':
      return parseIntervals;
    default:
      return undefined;
  }
}

/** Elasticsearch's default `max_determinized_states` (Operations.DEFAULT_DETERMINIZE_WORK_LIMIT). */
const maxDeterminizedStatesDefault = 10_000;

/**
 * RegexpFlag.resolveValue: `|`-separated names, case-insensitive; empty means ALL; ALL (which
 * includes COMPLEMENT in Elasticsearch) wins over anything listed with it; NONE adds nothing.
 */
export function regexFlagsFromNames(text: string): RegexSyntaxFlags {
  const all: RegexSyntaxFlags = { ...regexFlagsAll, complement: true };
  if (text === '') return all;
  const flags = { intersection: false, complement: false, empty: false, anyString: false, interval: false, automaton: false };
  for (const name of text.split('|')) {
    if (name === '') continue;
    switch (name.toUpperCase()) {
      case 'ALL':
        return all;
      case 'NONE':
        break;
      case 'INTERSECTION':
        flags.intersection = true;
        break;
      case 'COMPLEMENT':
        flags.complement = true;
        break;
      case 'EMPTY':
        flags.empty = true;
        break;
      case 'ANYSTRING':
        flags.anyString = true;
        break;
      case 'INTERVAL':
        flags.interval = true;
        break;
      default:
        throw errors.illegalArgument(`Unknown regexp flag [${name}]`);
    }
  }
  return flags;
}

/** `flags_value`: Lucene's RegExp bit mask (INTERSECTION 1, EMPTY 4, ANYSTRING 8, AUTOMATON 16, INTERVAL 32, DEPRECATED_COMPLEMENT 65536; ALL 0xff). */
function regexFlagsFromValue(value: number): RegexSyntaxFlags {
  if (value < 0) return { ...regexFlagsAll, complement: true }; // Elasticsearch's own "ALL" is -1 in older clients
  return {
    intersection: (value & 0x1) !== 0,
    complement: (value & 0x10000) !== 0 || (value & 0x2) !== 0,
    empty: (value & 0x4) !== 0,
    anyString: (value & 0x8) !== 0,
    automaton: (value & 0x10) !== 0,
    interval: (value & 0x20) !== 0,
  };
}

function parseRegexp(body: Json): QueryNode {
  const { field, options } = singleField('regexp', body, 'value');
  checkKnown('regexp', options, ['value', 'flags', 'flags_value', 'case_insensitive', 'max_determinized_states', 'rewrite', 'boost', '_name']);
  if (options['value'] === undefined || options['value'] === null) throw errors.illegalArgument('value cannot be null');
  let flags: RegexSyntaxFlags = { ...regexFlagsAll, complement: true };
  if (options['flags'] !== undefined) flags = regexFlagsFromNames(stringValue(options['flags'], 'regexp', 'flags'));
  if (options['flags_value'] !== undefined) flags = regexFlagsFromValue(number(options['flags_value'], 'regexp', 'flags_value'));
  // Lucene bounds the automaton it determinizes; Strait matches without determinizing (see
  // common/lucene-regexp.ts) and bounds each term's match by limits.securityRegexMatchWordsMax
  // instead, so the value is validated and kept in the AST but has nothing to bound here.
  const maxStates = options['max_determinized_states'] === undefined ? maxDeterminizedStatesDefault : number(options['max_determinized_states'], 'regexp', 'max_determinized_states');
  if (maxStates < 1) throw errors.illegalArgument(`[max_determinized_states] must be positive, got ${maxStates}`);
  return {
    kind: 'regexp',
    field,
    value: stringValue(options['value'], 'regexp', 'value'),
    flags,
    caseInsensitive: options['case_insensitive'] === undefined ? false : boolean(options['case_insensitive'], 'regexp', 'case_insensitive'),
    maxDeterminizedStates: maxStates,
    boost: boostOf(options, 'regexp'),
  };
}

function parseMatchBoolPrefix(body: Json): QueryNode {
  const { field, options } = singleField('match_bool_prefix', body, 'query');
  checkKnown('match_bool_prefix', options, [
    'query', 'analyzer', 'operator', 'minimum_should_match', 'fuzziness', 'prefix_length', 'max_expansions', 'fuzzy_transpositions', 'fuzzy_rewrite', 'boost', '_name',
  ]);
  if (options['query'] === undefined || options['query'] === null) throw errors.illegalArgument('[match_bool_prefix] requires query value');
  // MatchBoolPrefixQueryBuilder's setters refuse these
  const prefixLength = options['prefix_length'] === undefined ? 0 : number(options['prefix_length'], 'match_bool_prefix', 'prefix_length');
  if (prefixLength < 0) throw errors.illegalArgument('[match_bool_prefix] requires prefix length to be non-negative.');
  const maxExpansions = options['max_expansions'] === undefined ? 50 : number(options['max_expansions'], 'match_bool_prefix', 'max_expansions');
  if (maxExpansions <= 0) throw errors.illegalArgument('[match_bool_prefix] requires maxExpansions to be positive.');
  return {
    kind: 'match_bool_prefix',
    field,
    query: stringValue(options['query'], 'match_bool_prefix', 'query'),
    analyzer: optionalString(options['analyzer'], 'match_bool_prefix', 'analyzer'),
    operator: operatorOf(options['operator'], 'match_bool_prefix'),
    minimumShouldMatch: minimumShouldMatch(options['minimum_should_match']),
    fuzziness: fuzzinessValue(options['fuzziness'], 'match_bool_prefix'),
    prefixLength,
    maxExpansions,
    transpositions: options['fuzzy_transpositions'] === undefined ? true : boolean(options['fuzzy_transpositions'], 'match_bool_prefix', 'fuzzy_transpositions'),
    boost: boostOf(options, 'match_bool_prefix'),
  };
}

function parseCombinedFields(body: Json): QueryNode {
  checkKnown('combined_fields', body, ['query', 'fields', 'operator', 'minimum_should_match', 'zero_terms_query', 'auto_generate_synonyms_phrase_query', 'boost', '_name']);
  if (body['query'] === undefined || body['query'] === null) throw errors.parsing('[combined_fields] requires query value');
  const fields = fieldBoosts(body['fields'], 'combined_fields');
  if (fields.length === 0) throw errors.illegalArgument('In [combined_fields] query, at least one field must be provided');
  for (const { field, boost } of fields) {
    // Lucene's CombinedFieldQuery: a weight below 1 would make a term's merged frequency shrink.
    if (boost < 1) throw errors.illegalArgument(`[combined_fields] requires field boosts to be >= 1.0, found [${boost}] for [${field}]`);
  }
  const zeroTerms = optionalString(body['zero_terms_query'], 'combined_fields', 'zero_terms_query') ?? 'none';
  if (zeroTerms !== 'none' && zeroTerms !== 'all') throw errors.parsing(`[combined_fields] unsupported zero_terms_query value [${zeroTerms}]`);
  return {
    kind: 'combined_fields',
    fields,
    query: stringValue(body['query'], 'combined_fields', 'query'),
    operator: operatorOf(body['operator'], 'combined_fields'),
    minimumShouldMatch: minimumShouldMatch(body['minimum_should_match']),
    zeroTermsQuery: zeroTerms,
    boost: boostOf(body, 'combined_fields'),
  };
}

function parseIntervals(body: Json): QueryNode {
  let field: string | undefined;
  let rule: IntervalsRule | undefined;
  let boost = 1;
  for (const [key, value] of Object.entries(body)) {
    if (field !== undefined) throw errors.parsing(`Expected [END_OBJECT] but got [FIELD_NAME] after [${field}]`);
    field = key;
    if (!isObject(value)) throw errors.parsing(`Expected [START_OBJECT] but got [${value === null ? 'VALUE_NULL' : 'VALUE_STRING'}]`);
    for (const [name, inner] of Object.entries(value)) {
      if (name === 'boost') boost = number(inner, 'intervals', 'boost');
      else if (name === '_name') continue;
      else {
        if (rule !== undefined) throw errors.parsing(`Only one interval rule can be specified, found [${ruleName(rule)}] and [${name}]`);
        rule = parseRule(name, inner);
      }
    }
  }
  if (field === undefined) throw errors.parsing('Expected [FIELD_NAME] but got [END_OBJECT]');
  if (rule === undefined) throw errors.parsing('Missing intervals from interval query definition');
  return { kind: 'intervals', field, rule, boost };
}

const ruleName = (rule: IntervalsRule): string => rule.kind;

function ruleBody(name: string, value: unknown): Json {
  if (!isObject(value)) throw errors.parsing(`[${name}] failed to parse, expected an object`);
  return value;
}

function rules(name: string, value: unknown): IntervalsRule[] {
  if (!Array.isArray(value) || value.length === 0) throw errors.parsing(`[${name}] requires [intervals] with at least one rule`);
  return value.map((item) => {
    if (!isObject(item) || Object.keys(item).length !== 1) throw errors.parsing(`[${name}] each entry of [intervals] must hold exactly one rule`);
    const [inner, innerBody] = Object.entries(item)[0]!;
    return parseRule(inner, innerBody);
  });
}

function maxGapsOf(body: Json, name: string): number {
  return body['max_gaps'] === undefined ? -1 : number(body['max_gaps'], name, 'max_gaps');
}

function useFieldOf(body: Json, name: string): string | undefined {
  return optionalString(body['use_field'], name, 'use_field');
}

function required(body: Json, name: string, key: string): string {
  if (body[key] === undefined || body[key] === null) throw errors.parsing(`[${name}] requires [${key}]`);
  return stringValue(body[key], name, key);
}

function parseRule(name: string, value: unknown): IntervalsRule {
  const body = ruleBody(name, value);
  switch (name) {
    case 'match':
      checkKnown('match', body, ['query', 'max_gaps', 'ordered', 'analyzer', 'filter', 'use_field']);
      return {
        kind: 'match',
        query: required(body, 'match', 'query'),
        maxGaps: maxGapsOf(body, 'match'),
        ordered: body['ordered'] === undefined ? false : boolean(body['ordered'], 'match', 'ordered'),
        analyzer: optionalString(body['analyzer'], 'match', 'analyzer'),
        filter: parseFilter(body['filter']),
        useField: useFieldOf(body, 'match'),
      };
    case 'prefix':
      checkKnown('prefix', body, ['prefix', 'analyzer', 'use_field']);
      return { kind: 'prefix', prefix: required(body, 'prefix', 'prefix'), analyzer: optionalString(body['analyzer'], 'prefix', 'analyzer'), useField: useFieldOf(body, 'prefix') };
    case 'wildcard':
      checkKnown('wildcard', body, ['pattern', 'analyzer', 'use_field']);
      return { kind: 'wildcard', pattern: required(body, 'wildcard', 'pattern'), analyzer: optionalString(body['analyzer'], 'wildcard', 'analyzer'), useField: useFieldOf(body, 'wildcard') };
    case 'regexp':
      checkKnown('regexp', body, ['pattern', 'use_field']);
      return { kind: 'regexp', pattern: required(body, 'regexp', 'pattern'), useField: useFieldOf(body, 'regexp') };
    case 'fuzzy':
      checkKnown('fuzzy', body, ['term', 'fuzziness', 'prefix_length', 'transpositions', 'analyzer', 'use_field']);
      return {
        kind: 'fuzzy',
        term: required(body, 'fuzzy', 'term'),
        fuzziness: fuzzinessValue(body['fuzziness'], 'fuzzy') ?? 'AUTO',
        prefixLength: body['prefix_length'] === undefined ? 0 : number(body['prefix_length'], 'fuzzy', 'prefix_length'),
        transpositions: body['transpositions'] === undefined ? true : boolean(body['transpositions'], 'fuzzy', 'transpositions'),
        analyzer: optionalString(body['analyzer'], 'fuzzy', 'analyzer'),
        useField: useFieldOf(body, 'fuzzy'),
      };
    case 'range': {
      checkKnown('range', body, ['gt', 'gte', 'lt', 'lte', 'analyzer', 'use_field']);
      const bound = (key: string): string | undefined => optionalString(body[key], 'range', key);
      if (bound('gt') !== undefined && bound('gte') !== undefined) throw errors.parsing('[range] only one of [gt] or [gte] may be given');
      if (bound('lt') !== undefined && bound('lte') !== undefined) throw errors.parsing('[range] only one of [lt] or [lte] may be given');
      return {
        kind: 'range',
        lower: bound('gte') ?? bound('gt'),
        includeLower: bound('gt') === undefined,
        upper: bound('lte') ?? bound('lt'),
        includeUpper: bound('lt') === undefined,
        analyzer: optionalString(body['analyzer'], 'range', 'analyzer'),
        useField: useFieldOf(body, 'range'),
      };
    }
    case 'all_of':
      checkKnown('all_of', body, ['intervals', 'max_gaps', 'ordered', 'filter']);
      return {
        kind: 'all_of',
        intervals: rules('all_of', body['intervals']),
        maxGaps: maxGapsOf(body, 'all_of'),
        ordered: body['ordered'] === undefined ? false : boolean(body['ordered'], 'all_of', 'ordered'),
        filter: parseFilter(body['filter']),
      };
    case 'any_of':
      checkKnown('any_of', body, ['intervals', 'filter']);
      return { kind: 'any_of', intervals: rules('any_of', body['intervals']), filter: parseFilter(body['filter']) };
    default:
      throw errors.parsing(`Unknown interval type [${name}], expecting one of [match, any_of, all_of, prefix, wildcard, regexp, range, fuzzy]`);
  }
}

const filterKinds: readonly IntervalsFilterKind[] = ['containing', 'contained_by', 'not_containing', 'not_contained_by', 'overlapping', 'not_overlapping', 'before', 'after'];

function parseFilter(value: unknown): IntervalsFilter | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || Object.keys(value).length !== 1) throw errors.parsing('[filter] must hold exactly one filter');
  const [kind, inner] = Object.entries(value)[0]!;
  if (kind === 'script') throw errors.illegalArgument('[intervals] script filters are not supported by Strait');
  if (!(filterKinds as readonly string[]).includes(kind)) throw errors.parsing(`Unknown filter type [${kind}]`);
  if (!isObject(inner) || Object.keys(inner).length !== 1) throw errors.parsing(`[${kind}] must hold exactly one interval rule`);
  const [ruleKind, ruleValue] = Object.entries(inner)[0]!;
  return { kind: kind as IntervalsFilterKind, rule: parseRule(ruleKind, ruleValue) };
}
