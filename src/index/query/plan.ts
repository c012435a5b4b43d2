/**
 * The planner (style P7): binds a frozen query AST to shard statistics (analysis, idf, avgdl,
 * term expansion over the shard's dictionaries) and yields a Weight tree; a Weight makes a
 * Scorer for one segment. Pure: no I/O, no clock (`nowMs` is an input).
 * BM25 follows Lucene's BM25Similarity (k1 = 1.2, b = 0.75, idf = ln(1 + (N - n + 0.5)/(n + 0.5))
 * with N = docs having the field, no (k1 + 1) factor), in float precision as Lucene computes it.
 */
import { assert } from '../../common/assert.js';
import { errors, type EsError } from '../../common/errors.js';
import { utf16EditDistance } from '../../common/edit-distance.js';
import { compileAnalyzer, getAnalyzer, normalizeKeyword, normalizeWildcardPattern, type Analyzer } from '../analysis/index.js';
import { namedAnalyzer, resolveAnalyzer, toNumericValue } from '../engine/segment-builder.js';
import { type FieldMapping, type FieldMappings, type NumericDocValues, type PostingsField, type Segment, numericFieldTypes, sourceOf } from '../engine/segment.js';
import type { ShardStats } from '../engine/shard-stats.js';
import { normLengthTable } from '../engine/small-float.js';
import type { QueryNode, TermValue } from './ast.js';
import { formatIp, parseCidr, parseIp } from './ip.js';
import { planCombinedFields, planTextQuery, textQueryMatchesConstant } from './text-queries-plan.js';
import { planScriptQuery } from './script-queries.js';
import { geoPointFieldQueryError, planGeoQuery } from './geo.js';
import { planNestedQuery } from './nested.js';
import { planMoreLikeThis } from './more-like-this.js';
import { planSpanQuery } from './span.js';
import { DEFAULT_FIELDS, isDefaultFields, resolveQueryFields } from './default-fields.js';
import { resolveFieldBoosts } from './field-resolution.js';
import { DateParseError, type NanoInstant, compareNanoInstants, evaluateDateMath, evaluateDateMathNanos, maxNanoInstant, parseDate } from './date-math.js';
import {
  AllDocsScorer,
  BitSetScorer,
  type Bm25,
  BoostScorer,
  ConjunctionScorer,
  ConstantScorer,
  DisjunctionScorer,
  DisjunctionSumScorer,
  DocListScorer,
  EmptyScorer,
  ExclusionScorer,
  PhraseScorer,
  RequiredOptionalScorer,
  type Scorer,
  TermScorer,
  TermUnionScorer,
} from './scorers.js';

export const bm25K1 = 1.2;
export const bm25B = 0.75;

export interface PlanContext {
  readonly stats: ShardStats;
  /** All segments of the shard: multi-term queries expand over their union, as Lucene's rewrite. */
  readonly segments: readonly Segment[];
  readonly mappings: FieldMappings;
  readonly nowMs: number;
  /** For error messages (query_shard_exception carries the index). */
  readonly indexName: string;
  /** Each segment's `_seq_no`s by segment name, where the caller has them (search.ts ShardSearchContext). */
  readonly seqNos?: ReadonlyMap<string, ArrayLike<number>>;
  /**
   * The index's `index.query.default_field` entries (default-fields.ts): what a query parsed
   * without fields searches. Required, so that no way into the planner can forget the setting.
   */
  readonly defaultFields: readonly string[];
}

export interface Weight {
  /** One line for explainPlan. */
  describe(): string;
  readonly children: readonly Weight[];
  /** A scorer over this segment, or null when nothing in it can match. */
  scorer(segment: Segment): Scorer | null;
}

/** Prints the weight tree, one node per line, children indented by two spaces. */
export function explainPlan(weight: Weight): string {
  const lines: string[] = [];
  const visit = (node: Weight, depth: number): void => {
    lines.push(`${'  '.repeat(depth)}${node.describe()}`);
    for (const child of node.children) visit(child, depth + 1);
  };
  visit(weight, 0);
  return lines.join('\n');
}

const formatNumber = (value: number): string => String(Number(Math.fround(value).toPrecision(7)));

/** Lucene's idf, rounded to float. */
export function bm25Idf(docCount: number, docFreq: number): number {
  return Math.fround(Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5)));
}

/** The scorer constants for terms of `field` with these doc frequencies (phrases sum the idfs). */
export function bm25For(stats: ShardStats, field: string, docFreqs: readonly number[], boost: number): Bm25 & { readonly idf: number; readonly avgdl: number; readonly docCount: number } {
  const fieldStats = stats.fieldStats(field);
  const docCount = fieldStats === undefined || fieldStats.docCount <= 0 ? 1 : fieldStats.docCount;
  const sumTotalTermFreq = fieldStats === undefined ? 1 : fieldStats.sumTotalTermFreq;
  const avgdl = Math.fround(sumTotalTermFreq / docCount);
  let idf = 0;
  for (const docFreq of docFreqs) idf = Math.fround(idf + bm25Idf(docCount, docFreq));
  const weight = Math.fround(boost * idf);
  const normInverse = new Float64Array(256);
  const oneMinusB = Math.fround(1 - bm25B);
  const k1 = Math.fround(bm25K1);
  for (let norm = 0; norm < 256; norm++) {
    const relative = Math.fround(Math.fround(bm25B * normLengthTable[norm]!) / avgdl);
    normInverse[norm] = Math.fround(1 / Math.fround(k1 * Math.fround(oneMinusB + relative)));
  }
  return { weight, normInverse, idf, avgdl, docCount };
}

// ---------------------------------------------------------------------------------------------
// Weights

export class MatchNoneWeight implements Weight {
  readonly children = [];
  constructor(readonly reason = '') {}
  describe(): string {
    return `match_none${this.reason === '' ? '' : ` (${this.reason})`}`;
  }
  scorer(): Scorer | null {
    return null;
  }
}

export class MatchAllWeight implements Weight {
  readonly children = [];
  constructor(readonly score: number) {}
  describe(): string {
    return `match_all score=${formatNumber(this.score)}`;
  }
  scorer(segment: Segment): Scorer {
    return new AllDocsScorer(segment.maxDoc, this.score);
  }
}

export class TermWeight implements Weight {
  readonly children = [];
  readonly bm25: ReturnType<typeof bm25For>;
  readonly docFreq: number;
  constructor(readonly field: string, readonly term: string, readonly boost: number, readonly scoring: boolean, stats: ShardStats) {
    this.docFreq = stats.docFreq(field, term);
    this.bm25 = bm25For(stats, field, [this.docFreq], boost);
  }
  describe(): string {
    const scoring = this.scoring ? `idf=${formatNumber(this.bm25.idf)} avgdl=${formatNumber(this.bm25.avgdl)} boost=${formatNumber(this.boost)}` : 'filter';
    return `term ${this.field}:${this.term} df=${this.docFreq} ${scoring}`;
  }
  scorer(segment: Segment): Scorer | null {
    const postings = segment.postings.get(this.field);
    const ordinal = postings?.termOrdinals.get(this.term);
    if (postings === undefined || ordinal === undefined) return null;
    return new TermScorer(postings, ordinal, this.bm25, this.scoring);
  }
}

/** Any constant-score doc set computed per segment (ranges, terms on numbers, exists, ids, expansions). */
export class DocSetWeight implements Weight {
  readonly children = [];
  constructor(readonly description: string, readonly score: number, private readonly build: (segment: Segment, score: number) => Scorer | null) {}
  describe(): string {
    return `${this.description} score=${formatNumber(this.score)}`;
  }
  scorer(segment: Segment): Scorer | null {
    return this.build(segment, this.score);
  }
}

export class BoolWeight implements Weight {
  readonly children: readonly Weight[];
  constructor(
    readonly must: readonly Weight[],
    readonly should: readonly Weight[],
    readonly filter: readonly Weight[],
    readonly mustNot: readonly Weight[],
    readonly minimumShouldMatch: number,
    readonly scoring: boolean,
  ) {
    this.children = [...must, ...should, ...filter, ...mustNot];
  }
  describe(): string {
    const parts = [`must=${this.must.length}`, `should=${this.should.length}`, `filter=${this.filter.length}`, `must_not=${this.mustNot.length}`];
    if (this.minimumShouldMatch > 0) parts.push(`minimum_should_match=${this.minimumShouldMatch}`);
    if (!this.scoring) parts.push('filter');
    return `bool ${parts.join(' ')}`;
  }
  scorer(segment: Segment): Scorer | null {
    const must: Scorer[] = [];
    for (const weight of this.must) {
      const scorer = weight.scorer(segment);
      if (scorer === null) return null;
      must.push(scorer);
    }
    const filter: Scorer[] = [];
    for (const weight of this.filter) {
      const scorer = weight.scorer(segment);
      if (scorer === null) return null;
      filter.push(scorer);
    }
    const should: Scorer[] = [];
    for (const weight of this.should) {
      const scorer = weight.scorer(segment);
      if (scorer !== null) should.push(scorer);
    }
    if (should.length < this.minimumShouldMatch) return null;
    const mustNot: Scorer[] = [];
    for (const weight of this.mustNot) {
      const scorer = weight.scorer(segment);
      if (scorer !== null) mustNot.push(scorer);
    }
    let result: Scorer;
    const required = [...must, ...filter];
    if (required.length === 0) {
      if (should.length === 0) {
        result = new AllDocsScorer(segment.maxDoc, 0); // only must_not clauses: score 0, as Elasticsearch
      } else if (this.minimumShouldMatch <= 1) {
        result = should.length === 1 ? should[0]! : new DisjunctionSumScorer(should);
      } else {
        result = new DisjunctionScorer(should, this.minimumShouldMatch, 'sum', 0);
      }
    } else {
      let requiredScorer: Scorer;
      if (required.length === 1) requiredScorer = must.length === 1 ? must[0]! : new ConstantScorer(filter[0]!, 0);
      else requiredScorer = new ConjunctionScorer(required, must.length);
      if (should.length > 0) {
        if (this.minimumShouldMatch > 0) {
          const optional = this.minimumShouldMatch === 1 ? (should.length === 1 ? should[0]! : new DisjunctionSumScorer(should)) : new DisjunctionScorer(should, this.minimumShouldMatch, 'sum', 0);
          requiredScorer = new ConjunctionScorer(must.length > 0 ? [...must, optional, ...filter] : [optional, ...filter], must.length + 1);
        } else if (this.scoring) {
          requiredScorer = new RequiredOptionalScorer(requiredScorer, should.length === 1 ? should[0]! : new DisjunctionSumScorer(should));
        }
      }
      result = requiredScorer;
    }
    if (mustNot.length > 0) result = new ExclusionScorer(result, mustNot.length === 1 ? mustNot[0]! : new DisjunctionScorer(mustNot, 1, 'sum', 0));
    return result;
  }
}

export class ConstantScoreWeight implements Weight {
  readonly children: readonly Weight[];
  constructor(readonly inner: Weight, readonly score: number) {
    this.children = [inner];
  }
  describe(): string {
    return `constant_score score=${formatNumber(this.score)}`;
  }
  scorer(segment: Segment): Scorer | null {
    const inner = this.inner.scorer(segment);
    return inner === null ? null : new ConstantScorer(inner, this.score);
  }
}

export class DisMaxWeight implements Weight {
  constructor(readonly children: readonly Weight[], readonly tieBreaker: number) {}
  describe(): string {
    return `dis_max tie_breaker=${this.tieBreaker}`;
  }
  scorer(segment: Segment): Scorer | null {
    const scorers = this.children.map((child) => child.scorer(segment)).filter((scorer): scorer is Scorer => scorer !== null);
    if (scorers.length === 0) return null;
    if (scorers.length === 1) return scorers[0]!;
    return new DisjunctionScorer(scorers, 1, 'max', this.tieBreaker);
  }
}

class BoostWeight implements Weight {
  readonly children: readonly Weight[];
  constructor(readonly inner: Weight, readonly boost: number) {
    this.children = [inner];
  }
  describe(): string {
    return `boost ${formatNumber(this.boost)}`;
  }
  scorer(segment: Segment): Scorer | null {
    const inner = this.inner.scorer(segment);
    return inner === null ? null : new BoostScorer(inner, this.boost);
  }
}

/**
 * Several terms of one field at one position, scored as one term (Lucene's SynonymQuery, what
 * Elasticsearch builds for the terms a synonym filter stacks at one position): the frequencies
 * add up and the idf is the rarest-looking one's (the largest doc frequency), so a document is not
 * ranked higher for holding two synonyms of one word.
 */
export class SynonymWeight implements Weight {
  readonly children = [];
  readonly bm25: ReturnType<typeof bm25For>;
  readonly docFreq: number;
  constructor(readonly field: string, readonly terms: readonly string[], readonly boost: number, readonly scoring: boolean, stats: ShardStats) {
    assert(terms.length > 1, 'a synonym weight joins several terms');
    this.docFreq = Math.max(...terms.map((term) => stats.docFreq(field, term)));
    this.bm25 = bm25For(stats, field, [this.docFreq], boost);
  }
  describe(): string {
    const scoring = this.scoring ? `idf=${formatNumber(this.bm25.idf)} avgdl=${formatNumber(this.bm25.avgdl)} boost=${formatNumber(this.boost)}` : 'filter';
    return `synonym ${this.field}:(${this.terms.join('|')}) df=${this.docFreq} ${scoring}`;
  }
  scorer(segment: Segment): Scorer | null {
    const postings = segment.postings.get(this.field);
    if (postings === undefined) return null;
    const members: TermScorer[] = [];
    for (const term of this.terms) {
      const ordinal = postings.termOrdinals.get(term);
      if (ordinal !== undefined) members.push(new TermScorer(postings, ordinal, this.bm25, false));
    }
    if (members.length === 0) return null;
    return new TermUnionScorer(members, this.bm25, postings.norms, postings.kind === 'text', this.scoring);
  }
}

/**
 * A phrase: `terms[i]` at offset `offsets[i]`. Terms sharing an offset (synonyms) are
 * alternatives at that position (Lucene's MultiPhraseQuery); the idf is the sum over every term,
 * as Lucene's.
 */
export class PhraseWeight implements Weight {
  readonly children = [];
  readonly bm25: ReturnType<typeof bm25For>;
  readonly docFreqs: readonly number[];
  readonly boost: number;
  /** The distinct offsets ascending, and the terms at each. */
  private readonly groupOffsets: readonly number[];
  private readonly groupTerms: readonly (readonly string[])[];
  constructor(
    readonly field: string,
    readonly terms: readonly string[],
    readonly offsets: readonly number[],
    readonly slop: number,
    boost: number,
    readonly scoring: boolean,
    stats: ShardStats,
  ) {
    this.docFreqs = terms.map((term) => stats.docFreq(field, term));
    this.boost = scoring ? boost : 0;
    this.bm25 = bm25For(stats, field, this.docFreqs, this.boost);
    const groups = new Map<number, string[]>();
    terms.forEach((term, index) => {
      const offset = offsets[index]!;
      const group = groups.get(offset);
      if (group === undefined) groups.set(offset, [term]);
      else if (!group.includes(term)) group.push(term);
    });
    this.groupOffsets = [...groups.keys()].sort((left, right) => left - right);
    this.groupTerms = this.groupOffsets.map((offset) => groups.get(offset)!);
  }
  describe(): string {
    return `phrase ${this.field}:"${this.terms.map((term, index) => `${term}@${this.offsets[index]}`).join(' ')}" slop=${this.slop} idf=${formatNumber(this.bm25.idf)}`;
  }
  scorer(segment: Segment): Scorer | null {
    const postings = segment.postings.get(this.field);
    if (postings === undefined || postings.kind !== 'text') return null;
    const groups: TermScorer[][] = [];
    const iterators: Scorer[] = [];
    for (const terms of this.groupTerms) {
      const members: TermScorer[] = [];
      for (const term of terms) {
        const ordinal = postings.termOrdinals.get(term);
        if (ordinal !== undefined) members.push(new TermScorer(postings, ordinal, this.bm25, false));
      }
      if (members.length === 0) return null;
      groups.push(members);
      iterators.push(members.length === 1 ? members[0]! : new TermUnionScorer(members, this.bm25, postings.norms, true, false));
    }
    return new PhraseScorer(groups, iterators, this.groupOffsets, this.slop, this.bm25, postings.norms);
  }
}

// ---------------------------------------------------------------------------------------------
// Doc sets

export function bitSetFromDocs(maxDoc: number, docs: Int32Array, from: number, to: number, score: number): Scorer | null {
  const count = to - from;
  if (count <= 0) return null;
  if (count * 32 < maxDoc) {
    const list = docs.slice(from, to).sort();
    let unique = 0;
    for (let index = 0; index < list.length; index++) if (index === 0 || list[index] !== list[index - 1]) list[unique++] = list[index]!;
    return new DocListScorer(list.subarray(0, unique), score);
  }
  const bits = new Uint32Array((maxDoc + 31) >>> 5);
  for (let index = from; index < to; index++) {
    const doc = docs[index]!;
    bits[doc >>> 5] = bits[doc >>> 5]! | (1 << (doc & 31));
  }
  return new BitSetScorer(bits, maxDoc, count, score);
}

/** First index whose value is > bound (exclusive) or >= bound (inclusive). */
function lowerIndex(values: Float64Array, bound: number, inclusive: boolean): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const value = values[middle]!;
    if (inclusive ? value < bound : value <= bound) low = middle + 1;
    else high = middle;
  }
  return low;
}

function numericRangeScorer(segment: Segment, field: string, lower: number, includeLower: boolean, upper: number, includeUpper: boolean, score: number): Scorer | null {
  const values = segment.docValues.get(field);
  if (values === undefined || values.kind !== 'numeric') return null;
  const from = lowerIndex(values.pointValues, lower, includeLower);
  const to = lowerIndex(values.pointValues, upper, !includeUpper);
  return bitSetFromDocs(segment.maxDoc, values.pointDocs, from, to, score);
}

function numericSetScorer(segment: Segment, field: string, numbers: readonly number[], score: number): Scorer | null {
  const values = segment.docValues.get(field) as NumericDocValues | undefined;
  if (values === undefined || values.kind !== 'numeric') return null;
  const docs: number[] = [];
  for (const number of numbers) {
    const from = lowerIndex(values.pointValues, number, true);
    const to = lowerIndex(values.pointValues, number, false);
    for (let index = from; index < to; index++) docs.push(values.pointDocs[index]!);
  }
  return bitSetFromDocs(segment.maxDoc, Int32Array.from(docs), 0, docs.length, score);
}

/** Union of the postings of term ordinals chosen by `accept` (constant score). */
export function termSetScorer(segment: Segment, field: string, select: (postings: PostingsField) => Iterable<number>, score: number): Scorer | null {
  const postings = segment.postings.get(field);
  if (postings === undefined) return null;
  const docs: number[] = [];
  for (const ordinal of select(postings)) {
    for (let index = postings.postingsStart[ordinal]!; index < postings.postingsStart[ordinal + 1]!; index++) docs.push(postings.docs[index]!);
  }
  return bitSetFromDocs(segment.maxDoc, Int32Array.from(docs), 0, docs.length, score);
}

/** Ordinals of terms in [from, to) of a sorted dictionary, by binary search. */
function termRange(terms: readonly string[], lower: string | undefined, includeLower: boolean, upper: string | undefined, includeUpper: boolean): [number, number] {
  const search = (bound: string, inclusive: boolean): number => {
    let low = 0;
    let high = terms.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const term = terms[middle]!;
      if (inclusive ? term < bound : term <= bound) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const from = lower === undefined ? 0 : search(lower, includeLower);
  const to = upper === undefined ? terms.length : search(upper, !includeUpper);
  return [from, Math.max(from, to)];
}

export function* ordinalRange(from: number, to: number): Iterable<number> {
  for (let ordinal = from; ordinal < to; ordinal++) yield ordinal;
}

// ---------------------------------------------------------------------------------------------
// Planning

const numericTypeNames = numericFieldTypes;
const integerTypes: ReadonlySet<string> = new Set(['long', 'integer', 'short', 'byte']);

/** minimum_should_match ("2", "-1", "75%", "-25%", "3<90%") applied to a clause count. */
export function resolveMinimumShouldMatch(spec: string | undefined, optionalClauseCount: number): number {
  if (spec === undefined) return 0;
  const text = spec.trim();
  if (text.includes('<')) {
    let result = optionalClauseCount;
    for (const part of text.split(/\s+/)) {
      const [threshold, value] = part.split('<');
      if (optionalClauseCount > Number(threshold)) result = resolveMinimumShouldMatch(value, optionalClauseCount);
    }
    return result;
  }
  let result: number;
  if (text.endsWith('%')) {
    const percent = Number(text.slice(0, -1));
    const calculated = Math.trunc((Math.abs(percent) * optionalClauseCount) / 100);
    result = percent < 0 ? optionalClauseCount - calculated : calculated;
  } else {
    const count = Math.trunc(Number(text));
    if (!Number.isFinite(count)) throw errors.illegalArgument(`cannot parse minimum_should_match [${spec}]`);
    result = count < 0 ? optionalClauseCount + count : count;
  }
  return Math.max(0, Math.min(optionalClauseCount, result));
}

export function planQuery(node: QueryNode, context: PlanContext): Weight {
  return plan(node, context, 1, true);
}

function plan(node: QueryNode, context: PlanContext, boost: number, scoring: boolean): Weight {
  switch (node.kind) {
    case 'match_all':
      return new MatchAllWeight(scoring ? Math.fround(boost * node.boost) : 0);
    case 'match_none':
      return new MatchNoneWeight();
    case 'bool':
      return planBool(node, context, boost * node.boost, scoring);
    case 'constant_score':
      return new ConstantScoreWeight(plan(node.filter, context, 1, false), scoring ? Math.fround(boost * node.boost) : 0);
    case 'dis_max':
      return new DisMaxWeight(node.queries.map((query) => plan(query, context, boost * node.boost, scoring)), node.tieBreaker);
    case 'ids': {
      const ids = node.values;
      return new DocSetWeight(`ids [${ids.join(',')}]`, scoring ? Math.fround(boost * node.boost) : 0, (segment, score) => {
        const docs = ids.map((id) => segment.idOrdinals.get(id)).filter((doc): doc is number => doc !== undefined);
        return bitSetFromDocs(segment.maxDoc, Int32Array.from(docs), 0, docs.length, score);
      });
    }
    case 'multi_match':
      return planMultiMatch(node, context, boost * node.boost, scoring);
    case 'combined_fields':
      return planCombinedFields(node, context, boost * node.boost, scoring);
    case 'script':
    case 'script_score':
    case 'function_score':
      return planScriptQuery(node, context, boost, scoring, (query, innerScoring) => plan(query, context, 1, innerScoring));
    case 'geo_distance':
    case 'geo_bounding_box':
      return planGeoQuery(node, context, boost, scoring);
    case 'nested':
      return planNestedQuery(node, context, boost, scoring, plan);
    case 'more_like_this':
      return planMoreLikeThis(node, context, boost, scoring);
    case 'span':
      return planSpanQuery(node, context, boost, scoring);
    default:
      break;
  }
  if (node.kind === 'match' || node.kind === 'match_phrase') checkQueryAnalyzer(analyzerOwnerOf(node), node.analyzer, context);
  if (node.kind === 'match_bool_prefix') checkQueryAnalyzer('[match_bool_prefix] analyzer', node.analyzer, context);
  // Single-field queries: a field pattern expands into a dis_max over the matching fields.
  if (isDefaultFields(node.field)) return planDefaultFields(node, context, boost, scoring);
  const field = node.kind === 'exists' ? existsTarget(node.field, context.mappings) : node.field;
  if (field.includes('*')) {
    const fields = expandFieldPattern(field, context.mappings);
    if (fields.length === 0) return new MatchNoneWeight(`no field matches [${field}]`);
    const lenientNode = node.kind === 'match' ? { ...node, lenient: true } : node;
    const weights = fields.map((name) => planLenient({ ...lenientNode, field: name } as QueryNode, context, boost, scoring));
    return weights.length === 1 ? weights[0]! : new DisMaxWeight(weights, patternTieBreakerOf(node));
  }
  // query_string's quote_field_suffix: the phrase runs on `<field><suffix>` where that is mapped (QueryParserHelper).
  if (node.kind === 'match_phrase' && node.quoteFieldSuffix !== undefined) {
    const { quoteFieldSuffix, ...phrase } = node;
    return plan(context.mappings[field + quoteFieldSuffix] !== undefined ? { ...phrase, field: field + quoteFieldSuffix } : phrase, context, boost, scoring);
  }
  if (field === '_id') return planIdField(node, context, boost, scoring);
  const mapping = context.mappings[field];
  if (mapping === undefined) return new MatchNoneWeight(`unmapped field [${field}]`);
  if (mapping.aliasOf !== undefined) return plan({ ...node, field: mapping.aliasOf } as QueryNode, context, boost, scoring);
  if (mapping.type === 'constant_keyword') return planConstantKeyword(node, field, mapping, context, boost, scoring);
  if (mapping.type === 'geo_point' && node.kind !== 'exists') throw geoPointFieldQueryError(field, context.indexName);
  if (mapping.type === 'binary') {
    if (node.kind === 'exists') return new DocSetWeight(`exists ${field} (source)`, scoring ? Math.fround(boost * node.boost) : 0, (segment, s) => sourceExistsScorer(segment, field, s));
    // A completion field is bridged as binary (document-input.ts): its inputs are searched by the completion suggester only.
    if (mapping.mappedType === 'completion') throw errors.queryShard(`failed to create query: [${node.kind}] queries on completion field [${field}] are not supported by Strait; use the completion suggester`, context.indexName);
    throw errors.queryShard(`failed to create query: Binary fields do not support searching`, context.indexName);
  }
  if (mapping.constantScore === true) {
    // match_only_text and wildcard fields score every match with the boost alone.
    const inner = planField(node, field, mapping, context, 1, false);
    const nodeBoost = 'boost' in node ? node.boost : 1;
    return new ConstantScoreWeight(inner, scoring ? Math.fround(boost * nodeBoost) : 0);
  }
  return planField(node, field, mapping, context, boost, scoring);
}

/**
 * Queries on the `_id` metadata field: term, terms and match find documents by id, values of any
 * JSON type compared as strings (Elasticsearch turns `{"term": {"_id": 2}}` into the id "2");
 * exists matches every document. Other query kinds are refused as Elasticsearch refuses them.
 */
function planIdField(node: QueryNode, context: PlanContext, boost: number, scoring: boolean): Weight {
  const score = scoring ? Math.fround(boost * ('boost' in node ? node.boost : 1)) : 0;
  const idsWeight = (ids: readonly string[], description: string): Weight =>
    new DocSetWeight(description, score, (segment, s) => {
      const docs = ids.map((id) => segment.idOrdinals.get(id)).filter((doc): doc is number => doc !== undefined);
      return bitSetFromDocs(segment.maxDoc, Int32Array.from(docs), 0, docs.length, s);
    });
  switch (node.kind) {
    case 'term':
      return idsWeight([String(node.value)], `term _id:${String(node.value)}`);
    case 'terms': {
      const ids = [...new Set(node.values.map(String))];
      return idsWeight(ids, `terms _id:[${ids.join(',')}]`);
    }
    case 'match':
      return idsWeight([String(node.query)], `term _id:${String(node.query)}`);
    case 'match_phrase':
      return idsWeight([node.query], `term _id:${node.query}`);
    case 'exists':
      return new MatchAllWeight(score);
    case 'prefix':
    case 'wildcard':
    case 'fuzzy':
      throw errors.queryShard(`Can only use ${node.kind} queries on keyword and text fields - not on [_id] which is of type [_id]`, context.indexName);
    default:
      throw errors.queryShard(`Field [_id] of type [_id] does not support ${node.kind} queries`, context.indexName);
  }
}

/**
 * Queries on a constant_keyword field compare the query with the field's one value and match
 * every document or none (Elasticsearch rewrites them to match_all / match_none); a field whose
 * value is not set yet matches nothing.
 */
function planConstantKeyword(node: QueryNode, field: string, mapping: FieldMapping, context: PlanContext, boost: number, scoring: boolean): Weight {
  const value = mapping.constantValue;
  const score = scoring ? Math.fround(boost * ('boost' in node ? node.boost : 1)) : 0;
  if (value === undefined) return new MatchNoneWeight(`constant_keyword ${field} has no value`);
  let matches: boolean;
  switch (node.kind) {
    case 'term':
      matches = node.caseInsensitive ? String(node.value).toLowerCase() === value.toLowerCase() : String(node.value) === value;
      break;
    case 'terms':
      matches = node.values.some((candidate) => String(candidate) === value);
      break;
    case 'match':
      matches = String(node.query) === value;
      break;
    case 'match_phrase':
      matches = node.query === value;
      break;
    case 'exists':
      matches = true;
      break;
    case 'prefix':
      matches = node.caseInsensitive ? value.toLowerCase().startsWith(node.value.toLowerCase()) : value.startsWith(node.value);
      break;
    case 'wildcard':
      matches = wildcardToRegex(node.caseInsensitive ? node.value.toLowerCase() : node.value).test(node.caseInsensitive ? value.toLowerCase() : value);
      break;
    case 'fuzzy':
      matches = editDistance(node.value, value, fuzzinessEdits(node.fuzziness, node.value), node.transpositions) <= fuzzinessEdits(node.fuzziness, node.value);
      break;
    case 'range': {
      const lower = node.gte ?? node.gt;
      const upper = node.lte ?? node.lt;
      matches =
        (lower === undefined || (node.gte !== undefined ? value >= String(lower) : value > String(lower))) &&
        (upper === undefined || (node.lte !== undefined ? value <= String(upper) : value < String(upper)));
      break;
    }
    case 'regexp':
    case 'match_bool_prefix':
    case 'intervals':
      matches = textQueryMatchesConstant(node, field, value, context);
      break;
    default:
      throw errors.internal(`unplannable query kind [${node.kind}] on constant_keyword`);
  }
  void context;
  return matches ? new MatchAllWeight(score) : new MatchNoneWeight(`constant_keyword ${field}=${value}`);
}

/** Documents whose `_source` holds a value at `path` (fields without doc values or postings). */
function sourceExistsScorer(segment: Segment, path: string, score: number): Scorer | null {
  const docs: number[] = [];
  // A source can only hold the field if its text names the field's last key (unless escapes
  // could spell it otherwise): most documents are ruled out without parsing them.
  const key = `${path.slice(path.lastIndexOf('.') + 1)}"`;
  for (let doc = 0; doc < segment.maxDoc; doc++) {
    const text = segment.sources.text(doc);
    if (!text.includes(key) && !text.includes('\\')) continue;
    if (hasSourceValue(sourceOf(segment, doc), path)) docs.push(doc);
  }
  return bitSetFromDocs(segment.maxDoc, Int32Array.from(docs), 0, docs.length, score);
}

function hasSourceValue(value: unknown, rest: string): boolean {
  if (Array.isArray(value)) return value.some((item) => hasSourceValue(item, rest));
  if (rest === '') return value !== null && value !== undefined;
  if (value === null || typeof value !== 'object') return false;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (rest === key && hasSourceValue(child, '')) return true;
    if (rest.startsWith(`${key}.`) && hasSourceValue(child, rest.slice(key.length + 1))) return true;
  }
  return false;
}

/**
 * A single-field query parsed without fields (query_string, simple_query_string): a dis_max over
 * the index's default fields, each planned as if the query named it (patterns expand and are
 * lenient as above; `*` is every eligible field), its `^boost` times the query's.
 */
function planDefaultFields(node: QueryNode & { readonly field: string }, context: PlanContext, boost: number, scoring: boolean): Weight {
  const entries = resolveQueryFields([{ field: node.field, boost: 1 }], context.defaultFields, context.indexName);
  const boosted = (fieldBoost: number): QueryNode => (fieldBoost === 1 || !('boost' in node) ? node : ({ ...node, boost: node.boost * fieldBoost } as QueryNode));
  let weights: Weight[];
  if (entries.length === 1 && entries[0]!.field === '*') {
    // query_string's all-fields mode (field-resolution.ts): `*` alone, planned as a field pattern.
    weights = [plan({ ...boosted(entries[0]!.boost), field: '*' } as QueryNode, context, boost, scoring)];
  } else {
    // Each field once, with the product of the boosts of the entries reaching it (field-resolution.ts).
    weights = resolveFieldBoosts(entries, (entry) => fieldsOfEntry(entry, context.mappings)).map(({ field, boost: fieldBoost, fromPattern }) => {
      const perField = { ...boosted(fieldBoost), field } as QueryNode;
      return fromPattern ? planLenient(perField.kind === 'match' ? { ...perField, lenient: true } : perField, context, boost, scoring) : plan(perField, context, boost, scoring);
    });
  }
  if (weights.length === 0) return new MatchNoneWeight('no default fields');
  return weights.length === 1 ? weights[0]! : new DisMaxWeight(weights, patternTieBreakerOf(node));
}

/** How the fields a pattern or the default fields expand to combine (ast.ts `patternTieBreaker`; 0: the best one). */
function patternTieBreakerOf(node: QueryNode): number {
  return 'patternTieBreaker' in node && typeof node.patternTieBreaker === 'number' ? node.patternTieBreaker : 0;
}

function planLenient(node: QueryNode, context: PlanContext, boost: number, scoring: boolean): Weight {
  try {
    return plan(node, context, boost, scoring);
  } catch (error) {
    if ((error as EsError).status === 400) return new MatchNoneWeight('lenient');
    throw error;
  }
}

/**
 * The field (or pattern) an exists query reads: an object path, which names no mapped field,
 * stands for its sub-fields, as Elasticsearch retries `<field>.*` when the field or pattern
 * matches nothing (ExistsQueryBuilder).
 */
function existsTarget(field: string, mappings: FieldMappings): string {
  if (expandFieldPattern(field, mappings).length > 0) return field;
  const objectPattern = `${field}.*`;
  return expandFieldPattern(objectPattern, mappings).length > 0 ? objectPattern : field;
}

/** The mapped fields a field list entry stands for (an alias is its target, as a pattern expands to it), none when unmapped. */
function fieldsOfEntry(entry: string, mappings: FieldMappings): string[] {
  return expandFieldPattern(entry, mappings).map((name) => mappings[name]?.aliasOf ?? name);
}

export function expandFieldPattern(pattern: string, mappings: FieldMappings): string[] {
  if (!pattern.includes('*')) return mappings[pattern] !== undefined || pattern === '_id' ? [pattern] : [];
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const names = Object.keys(mappings).filter(
    // The metadata field `_ignored` is never part of a field pattern, as in Elasticsearch.
    (name) => regex.test(name) && name !== '_ignored' && (pattern !== '*' || mappings[name]!.type === 'text' || mappings[name]!.type === 'keyword' || numericTypeNames.has(mappings[name]!.type)),
  );
  // A field alias and its target are one field: each counts once.
  return [...new Set(names.map((name) => mappings[name]!.aliasOf ?? name))].sort();
}

function planBool(node: Extract<QueryNode, { kind: 'bool' }>, context: PlanContext, boost: number, scoring: boolean): Weight {
  if (node.must.length === 0 && node.should.length === 0 && node.filter.length === 0 && node.mustNot.length === 0) {
    return new MatchAllWeight(scoring ? Math.fround(boost) : 0);
  }
  const must = node.must.map((clause) => plan(clause, context, boost, scoring));
  const should = node.should.map((clause) => plan(clause, context, boost, scoring));
  const filter = node.filter.map((clause) => plan(clause, context, 1, false));
  const mustNot = node.mustNot.map((clause) => plan(clause, context, 1, false));
  // Elasticsearch: with should clauses and no must/filter, at least one should clause must match.
  let minimumShouldMatch = resolveMinimumShouldMatch(node.minimumShouldMatch, should.length);
  if (node.minimumShouldMatch === undefined && should.length > 0 && must.length === 0 && filter.length === 0) minimumShouldMatch = 1;
  if (!scoring && must.length === 0 && minimumShouldMatch === 0 && filter.length + mustNot.length > 0) {
    return new BoolWeight([], [], filter, mustNot, 0, false);
  }
  return new BoolWeight(must, should, filter, mustNot, minimumShouldMatch, scoring);
}

export function fieldTypeError(kind: string, field: string, mapping: FieldMapping, context: PlanContext): EsError {
  return errors.queryShard(`Can only use ${kind} queries on keyword and text fields - not on [${field}] which is of type [${mapping.mappedType ?? mapping.type}]`, context.indexName);
}

/** Converts a query value for a numeric/date/boolean field, or throws Elasticsearch's error. */
function numericQueryValue(value: TermValue, field: string, mapping: FieldMapping, context: PlanContext, roundUp = false, format?: string, timeZone?: string): number {
  if (mapping.type === 'date') {
    try {
      return evaluateDateMath(value as string | number, { nowMs: context.nowMs, roundUp, format: format ?? mapping.format, timeZone });
    } catch (error) {
      if (error instanceof DateParseError) throw errors.parse(`${error.message}: [${error.message}]`);
      throw error;
    }
  }
  if (mapping.type === 'boolean') {
    if (value === true || value === 'true') return 1;
    if (value === false || value === 'false' || value === '') return 0;
    throw errors.queryShard(`failed to create query: Can't parse boolean value [${String(value)}], expected [true] or [false]`, context.indexName);
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(number)) {
    throw errors.queryShard(`failed to create query: For input string: "${String(value)}"`, context.indexName, errors.numberFormat(`For input string: "${String(value)}"`));
  }
  return number;
}

/** A query value as a term; a keyword field's normalizer applies to it, as Elasticsearch's indexedValueForSearch. */
function keywordValue(value: TermValue, mapping?: FieldMapping): string {
  const normalizer = mapping?.normalizer;
  return normalizer === undefined ? String(value) : normalizeKeyword(normalizer, String(value));
}

/** First point index whose instant is > bound (exclusive) or >= bound (inclusive). */
function lowerIndexNanos(values: NumericDocValues, bound: NanoInstant, inclusive: boolean): number {
  const millis = values.pointValues;
  const nanos = values.pointNanos!;
  let low = 0;
  let high = millis.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const compared = millis[middle]! - bound.millis || nanos[middle]! - bound.nanos;
    if (inclusive ? compared < 0 : compared <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Documents with a value in the instant range (undefined bound: open). */
function nanoRangeScorer(segment: Segment, field: string, lower: NanoInstant | undefined, includeLower: boolean, upper: NanoInstant | undefined, includeUpper: boolean, score: number): Scorer | null {
  const values = segment.docValues.get(field);
  if (values === undefined || values.kind !== 'numeric' || values.pointNanos === undefined) return null;
  const from = lower === undefined ? 0 : lowerIndexNanos(values, lower, includeLower);
  const to = upper === undefined ? values.pointValues.length : lowerIndexNanos(values, upper, !includeUpper);
  return bitSetFromDocs(segment.maxDoc, values.pointDocs, from, to, score);
}

function nanoSetScorer(segment: Segment, field: string, instants: readonly NanoInstant[], score: number): Scorer | null {
  const values = segment.docValues.get(field);
  if (values === undefined || values.kind !== 'numeric' || values.pointNanos === undefined) return null;
  const docs: number[] = [];
  for (const instant of instants) {
    const to = lowerIndexNanos(values, instant, false);
    for (let index = lowerIndexNanos(values, instant, true); index < to; index++) docs.push(values.pointDocs[index]!);
  }
  return bitSetFromDocs(segment.maxDoc, Int32Array.from(docs), 0, docs.length, score);
}

function formatInstant(instant: NanoInstant): string {
  return `${instant.millis}.${String(instant.nanos).padStart(6, '0')}`;
}

/**
 * term, terms and range on a date_nanos field, in nanosecond resolution: bounds are parsed with
 * the field's (or the query's) format and date math, then clamped to the range the type can hold
 * (1970 to 2262), as Elasticsearch clamps them.
 */
function planDateNanos(node: Extract<QueryNode, { kind: 'term' | 'terms' | 'range' }>, field: string, mapping: FieldMapping, context: PlanContext, boost: number, scoring: boolean): Weight {
  const score = scoring ? Math.fround(boost * node.boost) : 0;
  const convert = (value: TermValue, roundUp: boolean, format?: string, timeZone?: string): NanoInstant => {
    let instant: NanoInstant;
    try {
      instant = evaluateDateMathNanos(value as string | number, { nowMs: context.nowMs, roundUp, format: format ?? mapping.format, timeZone });
    } catch (error) {
      if (error instanceof DateParseError) throw errors.parse(`${error.message}: [${error.message}]`);
      throw error;
    }
    if (instant.millis < 0) return { millis: 0, nanos: 0 };
    return compareNanoInstants(instant, maxNanoInstant) > 0 ? maxNanoInstant : instant;
  };
  if (node.kind === 'term') {
    const instant = convert(node.value, false);
    return new DocSetWeight(`term ${field}:${formatInstant(instant)}`, score, (segment, s) => nanoSetScorer(segment, field, [instant], s));
  }
  if (node.kind === 'terms') {
    const instants = node.values.map((value) => convert(value, false));
    return new DocSetWeight(`terms ${field}:[${instants.map(formatInstant).join(',')}]`, score, (segment, s) => nanoSetScorer(segment, field, instants, s));
  }
  let lower: NanoInstant | undefined;
  let upper: NanoInstant | undefined;
  let includeLower = true;
  let includeUpper = true;
  if (node.gte !== undefined) lower = convert(node.gte, false, node.format, node.timeZone);
  if (node.gt !== undefined) (lower = convert(node.gt, true, node.format, node.timeZone)), (includeLower = false);
  if (node.lte !== undefined) upper = convert(node.lte, true, node.format, node.timeZone);
  if (node.lt !== undefined) (upper = convert(node.lt, false, node.format, node.timeZone)), (includeUpper = false);
  const text = `range ${field}:${includeLower ? '[' : '{'}${lower === undefined ? '*' : formatInstant(lower)} TO ${upper === undefined ? '*' : formatInstant(upper)}${includeUpper ? ']' : '}'}`;
  return new DocSetWeight(text, score, (segment, s) => nanoRangeScorer(segment, field, lower, includeLower, upper, includeUpper, s));
}

/**
 * term, terms, match and range on an `ip` field (indexed as canonical address text): values are
 * addresses or CIDR blocks (`192.168.0.0/16`), compared as 128-bit numbers, constant score.
 */
function planIp(node: Extract<QueryNode, { kind: 'term' | 'terms' | 'range' | 'match' }>, field: string, context: PlanContext, boost: number, scoring: boolean): Weight {
  const score = scoring ? Math.fround(boost * node.boost) : 0;
  const invalid = (value: unknown): EsError => errors.queryShard(`failed to create query: '${String(value)}' is not an IP string literal.`, context.indexName);
  const block = (value: TermValue): { from: bigint; to: bigint } => {
    const text = String(value);
    const cidr = parseCidr(text);
    if (cidr !== undefined) return cidr;
    if (text.includes('/')) throw errors.queryShard(`failed to create query: Expected [ip/prefix] but was [${text}]`, context.indexName);
    const address = parseIp(text);
    if (address === undefined) throw invalid(value);
    return { from: address, to: address };
  };
  let blocks: { from: bigint; to: bigint }[];
  let description: string;
  if (node.kind === 'range') {
    const bound = (value: TermValue | undefined): bigint | undefined => {
      if (value === undefined) return undefined;
      const address = parseIp(String(value));
      if (address === undefined) throw invalid(value);
      return address;
    };
    let from = bound(node.gte) ?? 0n;
    let to = bound(node.lte) ?? (1n << 128n) - 1n;
    if (node.gt !== undefined) from = bound(node.gt)! + 1n;
    if (node.lt !== undefined) to = bound(node.lt)! - 1n;
    blocks = [{ from, to }];
    description = `range ${field}:[${formatIp(from)} TO ${formatIp(to)}]`;
  } else {
    const values = node.kind === 'terms' ? node.values : [node.kind === 'term' ? node.value : node.query];
    blocks = values.map(block);
    description = `${node.kind === 'terms' ? 'terms' : 'term'} ${field}:[${blocks.map((range) => (range.from === range.to ? formatIp(range.from) : `${formatIp(range.from)}-${formatIp(range.to)}`)).join(',')}]`;
  }
  if (blocks.every((range) => range.from === range.to)) {
    // Single addresses: dictionary lookups of their canonical text.
    const terms = blocks.map((range) => formatIp(range.from));
    return new DocSetWeight(description, score, (segment, s) =>
      termSetScorer(segment, field, (postings) => terms.map((term) => postings.termOrdinals.get(term)).filter((ordinal): ordinal is number => ordinal !== undefined), s),
    );
  }
  return new DocSetWeight(description, score, (segment, s) =>
    termSetScorer(
      segment,
      field,
      (postings) =>
        filterOrdinals(postings, (term) => {
          const address = parseIp(term);
          return address !== undefined && blocks.some((range) => address >= range.from && address <= range.to);
        }),
      s,
    ),
  );
}

function planField(node: QueryNode, field: string, mapping: FieldMapping, context: PlanContext, boost: number, scoring: boolean): Weight {
  if (mapping.mappedType === 'ip' && (node.kind === 'term' || node.kind === 'terms' || node.kind === 'range' || node.kind === 'match')) {
    return planIp(node, field, context, boost, scoring);
  }
  if (mapping.type === 'date_nanos' && (node.kind === 'term' || node.kind === 'terms' || node.kind === 'range')) {
    return planDateNanos(node, field, mapping, context, boost, scoring);
  }
  const isText = mapping.type === 'text';
  const isKeyword = mapping.type === 'keyword';
  const isNumeric = !isText && !isKeyword;
  switch (node.kind) {
    case 'term': {
      const score = boost * node.boost;
      if (isNumeric) {
        const number = numericQueryValue(node.value, field, mapping, context);
        const value = mapping.type === 'boolean' ? number : toNumericValue(number, mapping);
        if (value === undefined || (integerTypes.has(mapping.type) && !Number.isInteger(number))) return new MatchNoneWeight(`${field}:${number}`);
        return new DocSetWeight(`term ${field}:${value}`, scoring ? Math.fround(score) : 0, (segment, s) => numericSetScorer(segment, field, [value], s));
      }
      if (node.caseInsensitive) {
        const lower = keywordValue(node.value, mapping).toLowerCase();
        return expansionWeight(`term ${field}:${lower} case_insensitive`, field, context, score, scoring, (term) => term.toLowerCase() === lower);
      }
      return new TermWeight(field, keywordValue(node.value, mapping), score, scoring, context.stats);
    }
    case 'terms': {
      const score = scoring ? Math.fround(boost * node.boost) : 0;
      if (isNumeric) {
        const numbers = node.values
          .map((value) => numericQueryValue(value, field, mapping, context))
          .filter((number) => !integerTypes.has(mapping.type) || Number.isInteger(number))
          .map((number) => (mapping.type === 'boolean' ? number : toNumericValue(number, mapping)))
          .filter((v): v is number => v !== undefined);
        return new DocSetWeight(`terms ${field}:[${numbers.join(',')}]`, score, (segment, s) => numericSetScorer(segment, field, numbers, s));
      }
      const values = [...new Set(node.values.map((value) => keywordValue(value, mapping)))].sort();
      return new DocSetWeight(`terms ${field}:[${values.join(',')}]`, score, (segment, s) =>
        termSetScorer(segment, field, (postings) => values.map((value) => postings.termOrdinals.get(value)).filter((o): o is number => o !== undefined), s),
      );
    }
    case 'range': {
      const score = scoring ? Math.fround(boost * node.boost) : 0;
      if (isNumeric) {
        let lower = -Infinity;
        let upper = Infinity;
        let includeLower = true;
        let includeUpper = true;
        const convert = (value: TermValue, roundUp: boolean): number => numericQueryValue(value, field, mapping, context, roundUp, node.format, node.timeZone);
        if (node.gte !== undefined) lower = convert(node.gte, false);
        if (node.gt !== undefined) (lower = convert(node.gt, true)), (includeLower = false);
        if (node.lte !== undefined) upper = convert(node.lte, true);
        if (node.lt !== undefined) (upper = convert(node.lt, false)), (includeUpper = false);
        if (mapping.type !== 'double' && mapping.type !== 'float' && mapping.type !== 'date') {
          // Integer fields: Elasticsearch rounds fractional bounds inward.
          if (Number.isFinite(lower) && !Number.isInteger(lower)) (lower = Math.ceil(lower)), (includeLower = true);
          if (Number.isFinite(upper) && !Number.isInteger(upper)) (upper = Math.floor(upper)), (includeUpper = true);
        }
        const text = `range ${field}:${includeLower ? '[' : '{'}${lower} TO ${upper}${includeUpper ? ']' : '}'}`;
        return new DocSetWeight(text, score, (segment, s) => numericRangeScorer(segment, field, lower, includeLower, upper, includeUpper, s));
      }
      const lower = node.gte ?? node.gt;
      const upper = node.lte ?? node.lt;
      const lowerText = lower === undefined ? undefined : keywordValue(lower, mapping);
      const upperText = upper === undefined ? undefined : keywordValue(upper, mapping);
      const includeLower = node.gte !== undefined;
      const includeUpper = node.lte !== undefined;
      const text = `range ${field}:${includeLower ? '[' : '{'}${lowerText ?? '*'} TO ${upperText ?? '*'}${includeUpper ? ']' : '}'}`;
      return new DocSetWeight(text, score, (segment, s) =>
        termSetScorer(segment, field, (postings) => ordinalRange(...termRange(postings.terms, lowerText, includeLower, upperText, includeUpper)), s),
      );
    }
    case 'exists': {
      const score = scoring ? Math.fround(boost * node.boost) : 0;
      return new DocSetWeight(`exists ${field}`, score, (segment, s) => existsScorer(segment, field, s));
    }
    case 'prefix':
    case 'wildcard': {
      if (isNumeric) throw fieldTypeError(node.kind, field, mapping, context);
      const score = scoring ? Math.fround(boost * node.boost) : 0;
      const normalizer = mapping.normalizer;
      const normalized = normalizer === undefined ? node.value : node.kind === 'prefix' ? normalizeKeyword(normalizer, node.value) : normalizeWildcardPattern(normalizer, node.value);
      const value = node.caseInsensitive ? normalized.toLowerCase() : normalized;
      const transform = node.caseInsensitive ? (term: string) => term.toLowerCase() : (term: string) => term;
      if (node.kind === 'prefix') {
        return new DocSetWeight(`prefix ${field}:${value}`, score, (segment, s) =>
          termSetScorer(segment, field, (postings) => (node.caseInsensitive ? filterOrdinals(postings, (term) => transform(term).startsWith(value)) : ordinalRange(...prefixRange(postings.terms, value))), s),
        );
      }
      const regex = wildcardToRegex(value);
      return new DocSetWeight(`wildcard ${field}:${value}`, score, (segment, s) => termSetScorer(segment, field, (postings) => filterOrdinals(postings, (term) => regex.test(transform(term))), s));
    }
    case 'fuzzy': {
      if (isNumeric) throw fieldTypeError('fuzzy', field, mapping, context);
      return fuzzyWeight(field, keywordValue(node.value, mapping), node.fuzziness, node.prefixLength, node.maxExpansions, node.transpositions, context, boost * node.boost, scoring);
    }
    case 'match': {
      const score = boost * node.boost;
      if (isNumeric || isKeyword) {
        if (isNumeric) {
          try {
            return planField({ kind: 'term', field, value: node.query, caseInsensitive: false, boost: node.boost }, field, mapping, context, boost, scoring);
          } catch (error) {
            if (node.lenient && (error as EsError).status === 400) return new MatchNoneWeight('lenient');
            throw error;
          }
        }
        if (mapping.splitQueriesOnWhitespace !== true) {
          if (node.fuzziness !== undefined) return fuzzyWeight(field, keywordValue(node.query, mapping), node.fuzziness, node.prefixLength, node.maxExpansions, true, context, score, scoring);
          return new TermWeight(field, keywordValue(node.query, mapping), score, scoring, context.stats);
        }
      }
      // Text fields analyze the query; a split_queries_on_whitespace keyword field's search analyzer
      // is a whitespace tokenizer, so each whitespace-separated token is looked up as a term.
      const text = keywordValue(node.query);
      const tokens =
        isKeyword && node.analyzer === undefined ? { terms: text.split(/\s+/u).filter((term) => term !== '').map((term) => keywordValue(term, mapping)) } : queryAnalyzer(node.analyzer, mapping).analyze(text);
      if (tokens.terms.length === 0) return node.zeroTermsQuery === 'all' ? new MatchAllWeight(scoring ? Math.fround(score) : 0) : new MatchNoneWeight('no terms');
      // One clause per position: terms a synonym filter stacked at one position are one clause
      // (Elasticsearch's SynonymQuery), so `and` and minimum_should_match count positions.
      const groups = 'positions' in tokens ? termsByPosition(tokens.terms, tokens.positions) : tokens.terms.map((term) => [term]);
      const termWeights = groups.map((terms): Weight => {
        if (node.fuzziness !== undefined) {
          const fuzzy = terms.map((term) => fuzzyWeight(field, term, node.fuzziness!, node.prefixLength, node.maxExpansions, true, context, score, scoring));
          return fuzzy.length === 1 ? fuzzy[0]! : new BoolWeight([], fuzzy, [], [], 1, scoring);
        }
        return terms.length === 1 ? new TermWeight(field, terms[0]!, score, scoring, context.stats) : new SynonymWeight(field, terms, score, scoring, context.stats);
      });
      if (termWeights.length === 1) return termWeights[0]!;
      if (node.operator === 'and') return new BoolWeight(termWeights, [], [], [], 0, scoring);
      const minimum = Math.max(1, resolveMinimumShouldMatch(node.minimumShouldMatch, termWeights.length));
      return new BoolWeight([], termWeights, [], [], minimum, scoring);
    }
    case 'match_phrase': {
      const score = boost * node.boost;
      if (!isText) return planField({ kind: 'term', field, value: node.query, caseInsensitive: false, boost: node.boost }, field, mapping, context, boost, scoring);
      const analyzer = queryAnalyzer(node.analyzer, mapping);
      const tokens = analyzer.analyze(node.query);
      if (tokens.terms.length === 0) return new MatchNoneWeight('no terms');
      // Terms at one position (synonyms) are alternatives there (PhraseWeight); a phrase of one
      // position is a term or, with synonyms, a synonym query (Elasticsearch's MatchQueryParser).
      const lastOffset = tokens.positions[tokens.positions.length - 1]!;
      const singlePosition = tokens.positions.every((position) => position === lastOffset);
      if (node.prefixExpansions > 0) {
        // The terms at the last position are prefixes; the phrase runs once per expansion.
        const head = tokens.terms.filter((_, index) => tokens.positions[index] !== lastOffset);
        const headOffsets = tokens.positions.filter((position) => position !== lastOffset);
        const prefixes = [...new Set(tokens.terms.filter((_, index) => tokens.positions[index] === lastOffset))];
        const expansions = [...new Set(prefixes.flatMap((prefix) => expandTerms(context, field, (postings) => ordinalRange(...prefixRange(postings.terms, prefix)), node.prefixExpansions)))].slice(0, node.prefixExpansions);
        if (expansions.length === 0) return new MatchNoneWeight('no prefix expansions');
        if (singlePosition) {
          return new BoolWeight([], expansions.map((term) => new TermWeight(field, term, score, scoring, context.stats)), [], [], 1, scoring);
        }
        const phrases = expansions.map((term) => new PhraseWeight(field, [...head, term], [...headOffsets, lastOffset], node.slop, score, scoring, context.stats));
        return phrases.length === 1 ? phrases[0]! : new DisMaxWeight(phrases, 0);
      }
      if (singlePosition) {
        const terms = [...new Set(tokens.terms)];
        return terms.length === 1 ? new TermWeight(field, terms[0]!, score, scoring, context.stats) : new SynonymWeight(field, terms, score, scoring, context.stats);
      }
      return new PhraseWeight(field, tokens.terms, tokens.positions, node.slop, score, scoring, context.stats);
    }
    case 'regexp':
    case 'match_bool_prefix':
    case 'intervals':
      return planTextQuery(node, field, mapping, context, boost, scoring);
    default:
      throw errors.internal(`unplannable query kind [${node.kind}]`);
  }
}

/** Terms grouped by position, in position order (the terms an analyzer put at one position stay together). */
export function termsByPosition(terms: readonly string[], positions: readonly number[]): string[][] {
  const groups = new Map<number, string[]>();
  terms.forEach((term, index) => {
    const position = positions[index]!;
    const group = groups.get(position);
    if (group === undefined) groups.set(position, [term]);
    else if (!group.includes(term)) group.push(term);
  });
  return [...groups.keys()].sort((left, right) => left - right).map((position) => groups.get(position)!);
}

/**
 * A query's `analyzer` must name one of the index's analyzers (its own or a built-in one), whether
 * or not the field is mapped: Elasticsearch checks it before building the query and answers 400
 * query_shard_exception `[match] analyzer [nope] not found` (`owner` is the `[match] analyzer`
 * part: the query and the parameter).
 */
export function checkQueryAnalyzer(owner: string, name: string | undefined, context: PlanContext): void {
  if (name === undefined || namedAnalyzer(name, context.mappings) !== undefined) return;
  throw errors.queryShard(`${owner} [${name}] not found`, context.indexName);
}

/** Which query and parameter named a full-text node's analyzer, for checkQueryAnalyzer. */
function analyzerOwnerOf(node: Extract<QueryNode, { kind: 'match' | 'match_phrase' | 'multi_match' }>): string {
  if (node.analyzerOwner !== undefined) return node.analyzerOwner;
  const query = node.kind === 'match_phrase' && node.prefixExpansions > 0 ? 'match_phrase_prefix' : node.kind;
  return `[${query}] analyzer`;
}

export function queryAnalyzer(name: string | undefined, mapping: FieldMapping): Analyzer {
  if (name !== undefined) {
    // The index's analyzers first (an index analyzer may take a built-in name), then the built-in ones.
    const own = mapping.indexAnalyzers?.[name];
    if (own !== undefined) return compileAnalyzer(own);
    const analyzer = getAnalyzer(name);
    if (analyzer === undefined) throw errors.illegalArgument(`analyzer [${name}] has not been configured in mappings`);
    return analyzer;
  }
  return resolveAnalyzer(mapping, true);
}

function planMultiMatch(node: Extract<QueryNode, { kind: 'multi_match' }>, context: PlanContext, boost: number, scoring: boolean): Weight {
  checkQueryAnalyzer(analyzerOwnerOf(node), node.analyzer, context);
  const weights: Weight[] = [];
  // Each field once, with the product of the boosts of the entries reaching it (field-resolution.ts).
  for (const { field, boost: fieldBoost, fromPattern } of resolveFieldBoosts(resolveQueryFields(node.fields, context.defaultFields, context.indexName), (entry) => fieldsOfEntry(entry, context.mappings))) {
    const perField: QueryNode =
      node.type === 'bool_prefix'
        ? { kind: 'match_bool_prefix', field, query: String(node.query), analyzer: node.analyzer, operator: node.operator, minimumShouldMatch: node.minimumShouldMatch, fuzziness: node.fuzziness, prefixLength: 0, maxExpansions: 50, transpositions: true, boost: fieldBoost }
        : node.type === 'phrase' || node.type === 'phrase_prefix'
        ? { kind: 'match_phrase', field, query: String(node.query), slop: node.slop, analyzer: node.analyzer, prefixExpansions: node.type === 'phrase_prefix' ? 50 : 0, boost: fieldBoost, ...(node.quoteFieldSuffix === undefined ? {} : { quoteFieldSuffix: node.quoteFieldSuffix }) }
        : {
            kind: 'match',
            field,
            query: node.query,
            operator: node.operator,
            minimumShouldMatch: node.minimumShouldMatch,
            fuzziness: node.fuzziness,
            prefixLength: 0,
            maxExpansions: 50,
            analyzer: node.analyzer,
            zeroTermsQuery: 'none',
            lenient: node.lenient || fromPattern,
            boost: fieldBoost,
          };
    const lenient = node.lenient || fromPattern;
    weights.push(lenient ? planLenient(perField, context, boost, scoring) : plan(perField, context, boost, scoring));
  }
  if (weights.length === 0) return new MatchNoneWeight('no fields');
  if (weights.length === 1) return weights[0]!;
  // bool_prefix scores as most_fields does, with match_bool_prefix per field.
  if (node.type === 'most_fields' || node.type === 'bool_prefix') return new BoolWeight([], weights, [], [], 1, scoring);
  // best_fields (and the others, approximated): the best field's score plus tie_breaker × the others.
  return new DisMaxWeight(weights, node.tieBreaker);
}

function existsScorer(segment: Segment, field: string, score: number): Scorer | null {
  const maxDoc = segment.maxDoc;
  const bits = new Uint32Array((maxDoc + 31) >>> 5);
  let count = 0;
  const values = segment.docValues.get(field);
  const postings = segment.postings.get(field);
  if (values !== undefined) {
    for (let doc = 0; doc < maxDoc; doc++) {
      if (values.valueStart[doc + 1]! > values.valueStart[doc]!) {
        bits[doc >>> 5] = bits[doc >>> 5]! | (1 << (doc & 31));
        count++;
      }
    }
  } else if (postings !== undefined && postings.kind === 'text') {
    for (let doc = 0; doc < maxDoc; doc++) {
      if (postings.norms[doc] !== 0) {
        bits[doc >>> 5] = bits[doc >>> 5]! | (1 << (doc & 31));
        count++;
      }
    }
  }
  return count === 0 ? null : new BitSetScorer(bits, maxDoc, count, score);
}

export function* filterOrdinals(postings: PostingsField, accept: (term: string) => boolean): Iterable<number> {
  const terms = postings.terms;
  for (let ordinal = 0; ordinal < terms.length; ordinal++) if (accept(terms[ordinal]!)) yield ordinal;
}

export function prefixRange(terms: readonly string[], prefix: string): [number, number] {
  return termRange(terms, prefix, true, prefix + '\uffff', false);
}

export function wildcardToRegex(pattern: string): RegExp {
  let source = '^';
  for (let index = 0; index < pattern.length; index++) {
    const ch = pattern[index]!;
    if (ch === '\\' && index + 1 < pattern.length) source += pattern[++index]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(source + '$', 'u');
}

/** Distinct terms over every segment's dictionary of `field` chosen by `select`, sorted, at most `limit`. */
export function expandTerms(context: PlanContext, field: string, select: (postings: PostingsField) => Iterable<number>, limit: number): string[] {
  const terms = new Set<string>();
  for (const segment of context.segments) {
    const postings = segment.postings.get(field);
    if (postings === undefined) continue;
    for (const ordinal of select(postings)) terms.add(postings.terms[ordinal]!);
  }
  return [...terms].sort().slice(0, limit);
}

function expansionWeight(description: string, field: string, context: PlanContext, score: number, scoring: boolean, accept: (term: string) => boolean): Weight {
  return new DocSetWeight(description, scoring ? Math.fround(score) : 0, (segment, s) => termSetScorer(segment, field, (postings) => filterOrdinals(postings, accept), s));
}

/** Elasticsearch's fuzziness: 0, 1, 2, AUTO (= AUTO:3,6) or AUTO:low,high. */
export function fuzzinessEdits(fuzziness: string, term: string): number {
  const text = fuzziness.toUpperCase();
  if (text.startsWith('AUTO')) {
    let low = 3;
    let high = 6;
    if (text.startsWith('AUTO:')) {
      const [lowText, highText] = text.slice(5).split(',');
      low = Number(lowText);
      high = Number(highText);
    }
    const length = [...term].length;
    return length < low ? 0 : length < high ? 1 : 2;
  }
  const edits = Number(text);
  if (!Number.isFinite(edits) || edits < 0) throw errors.parsing(`failed to parse fuzziness [${fuzziness}]`);
  return Math.min(2, Math.floor(edits));
}

/** Optimal string alignment distance over UTF-16 code units, giving up above `limit`. */
export function editDistance(left: string, right: string, limit: number, transpositions: boolean): number {
  return utf16EditDistance(left, right, limit, { transpositions });
}

/**
 * Fuzzy expansion: terms within the edit distance (sharing `prefixLength` characters), the
 * `maxExpansions` closest kept, each scored as a term query with boost × (1 − edits / length)
 * (Lucene's FuzzyTermsEnum boost). Elasticsearch additionally blends document frequencies
 * (top_terms_blended_freqs); we do not, so fuzzy scores differ from Elasticsearch's.
 */
export function fuzzyWeight(field: string, value: string, fuzziness: string, prefixLength: number, maxExpansions: number, transpositions: boolean, context: PlanContext, score: number, scoring: boolean): Weight {
  const edits = fuzzinessEdits(fuzziness, value);
  if (edits === 0) return new TermWeight(field, value, score, scoring, context.stats);
  const prefix = value.slice(0, prefixLength);
  const candidates = new Map<string, number>();
  for (const segment of context.segments) {
    const postings = segment.postings.get(field);
    if (postings === undefined) continue;
    const [from, to] = prefix === '' ? [0, postings.terms.length] : prefixRange(postings.terms, prefix);
    for (let ordinal = from; ordinal < to; ordinal++) {
      const term = postings.terms[ordinal]!;
      if (candidates.has(term)) continue;
      const distance = editDistance(value, term, edits, transpositions);
      if (distance <= edits) candidates.set(term, distance);
    }
  }
  const chosen = [...candidates.entries()].sort((left, right) => left[1] - right[1] || (left[0] < right[0] ? -1 : 1)).slice(0, maxExpansions);
  if (chosen.length === 0) return new MatchNoneWeight(`fuzzy ${field}:${value} no expansions`);
  const weights = chosen.map(([term, distance]) => {
    const similarity = 1 - distance / Math.min([...term].length, [...value].length);
    return new TermWeight(field, term, score * Math.max(similarity, 0), scoring, context.stats);
  });
  return weights.length === 1 ? weights[0]! : new BoolWeight([], weights, [], [], 1, scoring);
}

export { BoostWeight, parseDate };
