/**
 * Planning of `regexp`, `match_bool_prefix` and `combined_fields` (pure, style P7); `intervals`
 * is planned in intervals.ts. plan.ts hands these kinds here after resolving the field (patterns,
 * aliases, constant_keyword).
 */
import { errors } from '../../common/errors.js';
import { limits } from '../../common/limits.js';
import { type ParsedRegex, RegexSyntaxError, parseLuceneRegex, regexMatchesWhole } from '../../common/lucene-regexp.js';
import { normalizeKeyword } from '../analysis/index.js';
import { resolveAnalyzer } from '../engine/segment-builder.js';
import type { FieldMapping, Segment } from '../engine/segment.js';
import { intToByte4, normLengthTable } from '../engine/small-float.js';
import type { QueryNode } from './ast.js';
import { planIntervals } from './intervals.js';
import {
  BoolWeight,
  DocSetWeight,
  MatchAllWeight,
  MatchNoneWeight,
  type PlanContext,
  SynonymWeight,
  TermWeight,
  type Weight,
  bm25B,
  bm25K1,
  expandFieldPattern,
  fieldTypeError,
  filterOrdinals,
  fuzzyWeight,
  ordinalRange,
  prefixRange,
  queryAnalyzer,
  resolveMinimumShouldMatch,
  termSetScorer,
  termsByPosition,
} from './plan.js';
import { Scorer, noMoreDocs } from './scorers.js';

type RegexpNode = Extract<QueryNode, { kind: 'regexp' }>;
type MatchBoolPrefixNode = Extract<QueryNode, { kind: 'match_bool_prefix' }>;
type CombinedFieldsNode = Extract<QueryNode, { kind: 'combined_fields' }>;
type SingleFieldTextNode = Extract<QueryNode, { kind: 'regexp' | 'match_bool_prefix' | 'intervals' }>;

const formatNumber = (value: number): string => String(Number(Math.fround(value).toPrecision(7)));

/** regexp, match_bool_prefix and intervals on one resolved (non-alias) field. */
export function planTextQuery(node: SingleFieldTextNode, field: string, mapping: FieldMapping, context: PlanContext, boost: number, scoring: boolean): Weight {
  switch (node.kind) {
    case 'regexp':
      return planRegexp(node, field, mapping, context, boost, scoring);
    case 'match_bool_prefix':
      return planMatchBoolPrefix(node, field, mapping, context, boost, scoring);
    case 'intervals':
      if (mapping.type !== 'text') {
        throw errors.queryShard(`failed to create query: Can only use interval queries on text fields - not on [${field}] which is of type [${mapping.mappedType ?? mapping.type}]`, context.indexName);
      }
      return planIntervals(node, field, context, boost, scoring);
  }
}

/** These queries on a constant_keyword field: does its one value match (all documents or none)? */
export function textQueryMatchesConstant(node: SingleFieldTextNode, field: string, value: string, context: PlanContext): boolean {
  if (node.kind === 'regexp') return compileRegexp(node, context)(value);
  if (node.kind === 'match_bool_prefix') return value.startsWith(node.query); // keyword analysis: one token, a prefix query
  throw errors.queryShard(`failed to create query: Can only use interval queries on text fields - not on [${field}] which is of type [constant_keyword]`, context.indexName);
}

/**
 * The regexp as a predicate over terms. Length over `index.max_regex_length`'s default is refused
 * as Elasticsearch refuses it; a syntax error is Lucene's IllegalArgumentException, which
 * Elasticsearch reports as a 400 query_shard_exception.
 */
function compileRegexp(node: RegexpNode, context: PlanContext): (term: string) => boolean {
  const length = [...node.value].length;
  if (length > limits.regexLengthMax) {
    throw errors.illegalArgument(
      `The length of regex [${length}] used in the Regexp Query request has exceeded the allowed maximum of [${limits.regexLengthMax}]. This maximum can be set by changing the [index.max_regex_length] index level setting.`,
    );
  }
  let parsed: ParsedRegex;
  try {
    parsed = parseLuceneRegex(node.value, node.flags);
  } catch (error) {
    if (error instanceof RegexSyntaxError) throw errors.queryShard(`failed to create query: ${error.message}`, context.indexName);
    throw error;
  }
  if (parsed.namedAutomaton !== undefined) throw errors.queryShard(`failed to create query: '${parsed.namedAutomaton}' not found`, context.indexName);
  const options = {
    asciiCaseInsensitive: node.caseInsensitive,
    wordsMax: limits.securityRegexMatchWordsMax,
    tooComplex: (termLength: number) => errors.illegalArgument(`the regular expression [${node.value}] is too complex to match a term of ${termLength} characters`),
  };
  return (term) => regexMatchesWhole(parsed, term, options);
}

/** Matching terms over the shard's dictionaries, each decided once (segments repeat terms). */
function termPredicateMemo(accept: (term: string) => boolean): (term: string) => boolean {
  const answers = new Map<string, boolean>();
  return (term) => {
    let answer = answers.get(term);
    if (answer === undefined) {
      answer = accept(term);
      answers.set(term, answer);
    }
    return answer;
  };
}

/** A regexp is a constant-score multi-term query (Lucene's default CONSTANT_SCORE_BLENDED rewrite). */
function planRegexp(node: RegexpNode, field: string, mapping: FieldMapping, context: PlanContext, boost: number, scoring: boolean): Weight {
  if (mapping.type !== 'text' && mapping.type !== 'keyword') throw fieldTypeError('regexp', field, mapping, context);
  const accept = termPredicateMemo(compileRegexp(node, context));
  const flagsText = node.caseInsensitive ? ' case_insensitive' : '';
  return new DocSetWeight(`regexp ${field}:/${node.value}/${flagsText}`, scoring ? Math.fround(boost * node.boost) : 0, (segment, score) =>
    termSetScorer(segment, field, (postings) => filterOrdinals(postings, accept), score),
  );
}

/**
 * match_bool_prefix (MatchBoolPrefixQueryBuilder): the analyzed terms become a bool of term
 * queries (fuzzy ones with `fuzziness`) except the last, which is a constant-score prefix query;
 * `operator: and` makes every clause required, else `minimum_should_match` counts them.
 */
function planMatchBoolPrefix(node: MatchBoolPrefixNode, field: string, mapping: FieldMapping, context: PlanContext, boost: number, scoring: boolean): Weight {
  const score = boost * node.boost;
  const prefixWeight = (prefix: string): Weight =>
    new DocSetWeight(`prefix ${field}:${prefix}`, scoring ? Math.fround(score) : 0, (segment, s) => termSetScorer(segment, field, (postings) => ordinalRange(...prefixRange(postings.terms, prefix)), s));
  if (mapping.type === 'keyword') return prefixWeight(mapping.normalizer === undefined ? node.query : normalizeKeyword(mapping.normalizer, node.query));
  if (mapping.type !== 'text') throw fieldTypeError('prefix', field, mapping, context);
  const analyzer = queryAnalyzer(node.analyzer, mapping);
  const tokens = analyzer.analyze(node.query);
  if (tokens.terms.length === 0) return new MatchNoneWeight('no terms');
  // One clause per position: the terms a synonym filter stacked there are alternatives.
  const groups = termsByPosition(tokens.terms, tokens.positions);
  const anyOf = (weights: Weight[]): Weight => (weights.length === 1 ? weights[0]! : new BoolWeight([], weights, [], [], 1, scoring));
  const clauses = groups.map((terms, index): Weight => {
    if (index === groups.length - 1) return anyOf(terms.map(prefixWeight));
    if (node.fuzziness !== undefined) return anyOf(terms.map((term) => fuzzyWeight(field, term, node.fuzziness!, node.prefixLength, node.maxExpansions, node.transpositions, context, score, scoring)));
    return terms.length === 1 ? new TermWeight(field, terms[0]!, score, scoring, context.stats) : new SynonymWeight(field, terms, score, scoring, context.stats);
  });
  if (clauses.length === 1) return clauses[0]!;
  if (node.operator === 'and') return new BoolWeight(clauses, [], [], [], 0, scoring);
  const minimum = Math.max(1, resolveMinimumShouldMatch(node.minimumShouldMatch, clauses.length));
  return new BoolWeight([], clauses, [], [], minimum, scoring);
}

// ---------------------------------------------------------------------------------------------
// combined_fields: BM25F as Lucene's CombinedFieldQuery

interface WeightedField {
  readonly field: string;
  readonly weight: number;
}

/**
 * combined_fields (CombinedFieldsQueryBuilder over Lucene's CombinedFieldQuery): the fields are
 * scored as one field. Per term: the document frequency is the largest over the fields, the
 * term frequency in a document is Σ weight × tf, the document length Σ weight × length (each
 * field's length decoded from its norm byte, the sum rounded and encoded again), and the
 * collection statistics are merged alike (docCount: largest, sumTotalTermFreq: Σ weight × sum).
 * The per-term queries are combined as match combines its terms (operator, minimum_should_match).
 */
export function planCombinedFields(node: CombinedFieldsNode, context: PlanContext, boost: number, scoring: boolean): Weight {
  const fields = new Map<string, number>();
  for (const { field: pattern, boost: weight } of node.fields) {
    for (const field of expandFieldPattern(pattern, context.mappings)) {
      const mapping = context.mappings[field]!;
      if (mapping.type !== 'text') {
        if (pattern.includes('*')) continue; // a pattern picks only the fields the query can use
        throw errors.illegalArgument(`Field [${field}] of type [${mapping.mappedType ?? mapping.type}] does not support [combined_fields] queries`);
      }
      fields.set(field, Math.max(fields.get(field) ?? 0, weight));
    }
  }
  if (fields.size === 0) return new MatchNoneWeight('no fields');
  const weighted: WeightedField[] = [...fields].map(([field, weight]) => ({ field, weight }));
  const analyzerNames = new Set(weighted.map(({ field }) => {
    const mapping = context.mappings[field]!;
    return resolveAnalyzer(mapping, true).name;
  }));
  if (analyzerNames.size > 1) throw errors.illegalArgument('All fields in [combined_fields] query must have the same search analyzer');
  const analyzer = resolveAnalyzer(context.mappings[weighted[0]!.field], true);
  const terms = analyzer.analyze(node.query).terms;
  const score = boost * node.boost;
  if (terms.length === 0) return node.zeroTermsQuery === 'all' ? new MatchAllWeight(scoring ? Math.fround(score) : 0) : new MatchNoneWeight('no terms');
  const termWeights = terms.map((term) => new CombinedFieldWeight(weighted, term, score, scoring, context));
  if (termWeights.length === 1) return termWeights[0]!;
  if (node.operator === 'and') return new BoolWeight(termWeights, [], [], [], 0, scoring);
  const minimum = Math.max(1, resolveMinimumShouldMatch(node.minimumShouldMatch, termWeights.length));
  return new BoolWeight([], termWeights, [], [], minimum, scoring);
}

export class CombinedFieldWeight implements Weight {
  readonly children = [];
  readonly weight: number;
  readonly idf: number;
  readonly avgdl: number;
  readonly docFreq: number;
  private readonly normInverse = new Float64Array(256);
  constructor(readonly fields: readonly WeightedField[], readonly term: string, readonly boost: number, readonly scoring: boolean, context: PlanContext) {
    let docFreq = 0;
    let docCount = 0;
    let sumTotalTermFreq = 0;
    for (const { field, weight } of fields) {
      docFreq = Math.max(docFreq, context.stats.docFreq(field, term));
      const fieldStats = context.stats.fieldStats(field);
      if (fieldStats === undefined) continue;
      docCount = Math.max(docCount, fieldStats.docCount);
      sumTotalTermFreq += Math.trunc(weight * fieldStats.sumTotalTermFreq); // Java's long += double
    }
    if (docCount <= 0) docCount = 1;
    this.docFreq = docFreq;
    this.avgdl = Math.fround(Math.max(sumTotalTermFreq, 1) / docCount);
    this.idf = Math.fround(Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5)));
    this.weight = scoring ? Math.fround(boost * this.idf) : 0;
    const oneMinusB = Math.fround(1 - bm25B);
    const k1 = Math.fround(bm25K1);
    for (let norm = 0; norm < 256; norm++) {
      const relative = Math.fround(Math.fround(bm25B * normLengthTable[norm]!) / this.avgdl);
      this.normInverse[norm] = Math.fround(1 / Math.fround(k1 * Math.fround(oneMinusB + relative)));
    }
  }
  describe(): string {
    const fields = this.fields.map(({ field, weight }) => (weight === 1 ? field : `${field}^${weight}`)).join(',');
    return `combined_fields (${fields}):${this.term} df=${this.docFreq} ${this.scoring ? `idf=${formatNumber(this.idf)} avgdl=${formatNumber(this.avgdl)} boost=${formatNumber(this.boost)}` : 'filter'}`;
  }
  scorer(segment: Segment): Scorer | null {
    const freqs = new Map<number, number>();
    for (const { field, weight } of this.fields) {
      const postings = segment.postings.get(field);
      const ordinal = postings?.termOrdinals.get(this.term);
      if (postings === undefined || ordinal === undefined) continue;
      for (let index = postings.postingsStart[ordinal]!; index < postings.postingsStart[ordinal + 1]!; index++) {
        const doc = postings.docs[index]!;
        freqs.set(doc, Math.fround((freqs.get(doc) ?? 0) + Math.fround(weight * postings.freqs[index]!)));
      }
    }
    if (freqs.size === 0) return null;
    const docs = Int32Array.from(freqs.keys()).sort();
    const scores = new Float64Array(docs.length);
    for (let index = 0; index < docs.length; index++) {
      const doc = docs[index]!;
      let length = 0;
      for (const { field, weight } of this.fields) {
        const postings = segment.postings.get(field);
        if (postings !== undefined && postings.kind === 'text') length = Math.fround(length + Math.fround(weight * normLengthTable[postings.norms[doc]!]!));
      }
      const norm = intToByte4(Math.round(length));
      const weight = this.weight;
      scores[index] = Math.fround(weight - weight / (1 + freqs.get(doc)! * this.normInverse[norm]!));
    }
    return new PrecomputedScorer(docs, scores, this.weight);
  }
}

/** Docs (ascending) with their scores computed up front: for queries whose per-doc work is not a postings walk. */
export class PrecomputedScorer extends Scorer {
  private index = -1;
  constructor(private readonly docs: Int32Array, private readonly scores: Float64Array, private readonly bound: number) {
    super();
  }
  nextDoc(): number {
    this.index++;
    return (this.doc = this.index < this.docs.length ? this.docs[this.index]! : noMoreDocs);
  }
  advance(target: number): number {
    let index = Math.max(this.index + 1, 0);
    while (index < this.docs.length && this.docs[index]! < target) index++;
    this.index = index;
    return (this.doc = index < this.docs.length ? this.docs[index]! : noMoreDocs);
  }
  score(): number {
    return this.scores[this.index]!;
  }
  cost(): number {
    return this.docs.length;
  }
  maxScore(): number {
    return this.bound;
  }
}
