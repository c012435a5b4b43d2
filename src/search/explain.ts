/**
 * Score explanations and the `_explain` API.
 *
 * The builder (pure) walks the Weight tree the planner built for a query and, for one document
 * of one segment, says whether each node matches and with what score, in the shape Lucene's
 * `Weight.explain` gives Elasticsearch: BM25 terms and phrases as `weight(field:term in doc)
 * [PerFieldSimilarity]` with boost, idf (n, N) and tf (freq, k1, b, dl, avgdl); bool as
 * `sum of:` with filter clauses as `match on required clause, product of:`; dis_max as
 * `max of:`; constant scores as the query text (`ConstantScore(..)`, `*:*`, `field:[a TO b]`).
 * Every value comes from the engine's own statistics and scorers: composite nodes take the value
 * of the very scorer the query phase runs (as Lucene's BooleanWeight does), so an explanation's
 * value is the document's `_score`.
 *
 * The action (shell) reads one document of one index from the searcher snapshot (not real-time,
 * as Elasticsearch's explain), under the caller's document and field level security: a document
 * the caller cannot see is absent (404), a field the caller cannot see matches nothing and is
 * left out of `get._source`.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-explain.html
 */
import { assert, errors, jsonTokenName } from '../common/index.js';
import {
  filterSource,
  filterSourceFields,
  parseRouting,
  queryDefaultFields,
  routingRequired,
  sourceFilterFromQuery,
  type IndexHandle,
  type IndicesService,
  type ReadRestriction,
  type SourceFilter,
} from '../index/index.js';
import { normLengthTable } from '../index/engine/small-float.js';
import {
  bm25B,
  bm25Idf,
  bm25K1,
  BoolWeight,
  ConstantScoreWeight,
  DisMaxWeight,
  DocSetWeight,
  MatchAllWeight,
  MatchNoneWeight,
  matchingChildren,
  NestedWeight,
  PhraseWeight,
  SynonymWeight,
  TermWeight,
  type PhraseScorer,
  type TermScorer,
  type TermUnionScorer,
  type Weight,
} from '../index/query/index.js';
import { engineMappings, isLive, parseQuery, planQuery, sourceOf, type QueryNode, type SearcherService, type Segment } from '../index/searcher/index.js';
import { aliasFilterDefinitions, combinedAliasFilter, withFilter } from './alias-filter.js';
import { ignoredFields } from './fetch.js';
import { documentLevelSegments, visibleEngineMappings, visibleSegments } from './read-restriction.js';
import { queryFromUrl } from './request.js';

/** An explanation as Elasticsearch renders it. */
export interface Explanation {
  readonly value: number;
  readonly description: string;
  readonly details: readonly Explanation[];
}

/** An explanation node while building: Lucene's Explanation, which also knows whether it matched. */
export interface ExplainedNode {
  readonly match: boolean;
  readonly value: number;
  readonly description: string;
  readonly details: readonly ExplainedNode[];
}

const matched = (value: number, description: string, details: readonly ExplainedNode[] = []): ExplainedNode => ({ match: true, value, description, details });
const notMatched = (description: string, details: readonly ExplainedNode[] = []): ExplainedNode => ({ match: false, value: 0, description, details });

/** Drops the `match` flags: the JSON Elasticsearch returns. */
export function renderExplanation(node: ExplainedNode): Explanation {
  return { value: node.value, description: node.description, details: node.details.map(renderExplanation) };
}

/** A float as Java's Float.toString prints it (`1.0`, `0.75`, `1.0E-4`), as Lucene's descriptions do. */
export function javaFloatText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  let shortest = value;
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = Number(value.toPrecision(precision));
    if (Math.fround(candidate) === Math.fround(value)) {
      shortest = candidate;
      break;
    }
  }
  const magnitude = Math.abs(shortest);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(shortest);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = shortest.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** Lucene's suffix for a constant score other than 1 (`^2.0`); filters (score 0) show none. */
function boostSuffix(score: number): string {
  return score === 1 || score === 0 ? '' : `^${javaFloatText(score)}`;
}

/**
 * Our doc-set descriptions (`terms f:[a,b]`, `exists f`, ...) as Lucene prints the query it
 * would run (`f:(a b)`, `FieldExistsQuery [field=f]`, ...).
 */
function docSetText(description: string): string {
  const space = description.indexOf(' ');
  if (space < 0) return description;
  const kind = description.slice(0, space);
  const rest = description.slice(space + 1);
  switch (kind) {
    case 'term':
    case 'range':
    case 'wildcard':
      return rest;
    case 'terms': {
      const list = /^([^:]*):\[(.*)\]$/s.exec(rest);
      return list === null ? rest : `${list[1]}:(${list[2]!.split(',').join(' ')})`;
    }
    case 'prefix':
      return `${rest}*`;
    case 'exists':
      return `FieldExistsQuery [field=${rest.replace(/ \(source\)$/, '')}]`;
    case 'ids': {
      const list = /^\[(.*)\]$/s.exec(rest);
      return list === null ? rest : `_id:(${list[1]!.split(',').join(' ')})`;
    }
    default:
      return description;
  }
}

function phraseText(weight: PhraseWeight): string {
  // Lucene prints a hole in the positions as `?`.
  const slots: string[] = [];
  const first = weight.offsets[0] ?? 0;
  weight.terms.forEach((term, index) => {
    const position = (weight.offsets[index] ?? index) - first;
    while (slots.length < position) slots.push('?');
    slots[position] = slots[position] === undefined ? term : `${slots[position]}|${term}`;
  });
  return `${weight.field}:"${slots.join(' ')}"${weight.slop > 0 ? `~${weight.slop}` : ''}`;
}

/** The query a weight runs, as Lucene's Query.toString prints it (for descriptions). */
export function queryText(weight: Weight): string {
  if (weight instanceof TermWeight) return `${weight.field}:${weight.term}`;
  if (weight instanceof PhraseWeight) return phraseText(weight);
  if (weight instanceof SynonymWeight) return `Synonym(${weight.terms.map((term) => `${weight.field}:${term}`).join(' ')})`;
  if (weight instanceof MatchAllWeight) return `*:*${boostSuffix(weight.score)}`;
  if (weight instanceof MatchNoneWeight) return `MatchNoDocsQuery("${weight.reason}")`;
  if (weight instanceof DocSetWeight) return `${docSetText(weight.description)}${boostSuffix(weight.score)}`;
  if (weight instanceof ConstantScoreWeight) return `ConstantScore(${queryText(weight.inner)})${boostSuffix(weight.score)}`;
  if (weight instanceof DisMaxWeight) {
    const inner = weight.children.map(queryText).join(' | ');
    return `(${inner})${weight.tieBreaker === 0 ? '' : `~${javaFloatText(weight.tieBreaker)}`}`;
  }
  if (weight instanceof BoolWeight) {
    // Elasticsearch adds clauses in this order: must, must_not, should, filter.
    const clause = (prefix: string, child: Weight): string => `${prefix}${child instanceof BoolWeight ? `(${queryText(child)})` : queryText(child)}`;
    const parts = [
      ...weight.must.map((child) => clause('+', child)),
      ...weight.mustNot.map((child) => clause('-', child)),
      ...weight.should.map((child) => clause('', child)),
      ...weight.filter.map((child) => clause('#', child)),
    ];
    // A bool of should clauses alone needs one of them anyway: Lucene's text shows a minimum only beyond that.
    const showMinimum = weight.minimumShouldMatch > 1 || (weight.minimumShouldMatch > 0 && weight.must.length + weight.filter.length > 0);
    return showMinimum ? `(${parts.join(' ')})~${weight.minimumShouldMatch}` : parts.join(' ');
  }
  if (weight instanceof NestedWeight) return `ToParentBlockJoinQuery (${queryText(weight.inner)})`;
  return weight.describe();
}

/** The weight's scorer positioned on `doc`, or null when the weight does not match it. */
function scorerOn(weight: Weight, segment: Segment, doc: number): ReturnType<Weight['scorer']> {
  const scorer = weight.scorer(segment);
  if (scorer === null) return null;
  return scorer.advance(doc) === doc ? scorer : null;
}

/**
 * BM25's `score(freq=..)` explanation (Lucene's BM25Scorer.explain): boost when not 1, the idf
 * explanation, and tf from freq, k1, b and the document's (norm-decoded) length.
 */
function bm25Explanation(score: number, freq: number, norm: number, boost: number, avgdl: number, normInverse: number, idf: ExplainedNode): ExplainedNode {
  const k1 = Math.fround(bm25K1);
  const b = Math.fround(bm25B);
  const length = normLengthTable[norm]!;
  const tf = Math.fround(1 - Math.fround(1 / Math.fround(1 + Math.fround(freq * normInverse))));
  const tfNode = matched(tf, 'tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl)) from:', [
    matched(freq, 'freq, occurrences of term within document'),
    matched(k1, 'k1, term saturation parameter'),
    matched(b, 'b, length normalization parameter'),
    // Norms keep lengths exactly up to 40 (SmallFloat's byte 39), approximately beyond.
    matched(length, norm > 39 ? 'dl, length of field (approximate)' : 'dl, length of field'),
    matched(avgdl, 'avgdl, average length of field'),
  ]);
  const factors = Math.fround(boost) === 1 ? [idf, tfNode] : [matched(Math.fround(boost), 'boost'), idf, tfNode];
  return matched(score, `score(freq=${javaFloatText(freq)}), computed as boost * idf * tf from:`, factors);
}

function idfExplanation(docFreq: number, docCount: number): ExplainedNode {
  return matched(bm25Idf(docCount, docFreq), 'idf, computed as log(1 + (N - n + 0.5) / (n + 0.5)) from:', [
    matched(docFreq, 'n, number of documents containing term'),
    matched(docCount, 'N, total number of documents with field'),
  ]);
}

function normOf(segment: Segment, field: string, doc: number): number {
  const postings = segment.postings.get(field);
  // Fields without norms (keywords) score as length 1, as Lucene's LeafSimScorer does.
  return postings !== undefined && postings.kind === 'text' ? postings.norms[doc]! : 1;
}

/**
 * One BM25 term's explanation: a term, or Lucene's SynonymQuery (the terms at one position as one
 * term with the summed frequency).
 */
function explainTerm(weight: TermWeight | SynonymWeight, segment: Segment, doc: number): ExplainedNode {
  const scorer = scorerOn(weight, segment, doc) as TermScorer | TermUnionScorer | null;
  if (scorer === null) return notMatched('no matching term');
  const score = scorer.score();
  // A term in filter context does not score: Elasticsearch shows the query as a constant.
  if (!weight.scoring) return matched(score, queryText(weight));
  const norm = normOf(segment, weight.field, doc);
  const bm25 = weight.bm25;
  const detail = bm25Explanation(score, scorer.freq(), norm, weight.boost, bm25.avgdl, bm25.normInverse[norm]!, idfExplanation(weight.docFreq, bm25.docCount));
  return matched(score, `weight(${queryText(weight)} in ${doc}) [PerFieldSimilarity], result of:`, [detail]);
}

function explainPhrase(weight: PhraseWeight, segment: Segment, doc: number): ExplainedNode {
  const scorer = scorerOn(weight, segment, doc) as PhraseScorer | null;
  if (scorer === null) return notMatched('no matching term');
  const score = scorer.score();
  if (!weight.scoring) return matched(score, queryText(weight));
  const norm = normOf(segment, weight.field, doc);
  const bm25 = weight.bm25;
  const idfs = weight.docFreqs.map((docFreq) => idfExplanation(docFreq, bm25.docCount));
  const idf = idfs.length === 1 ? idfs[0]! : matched(bm25.idf, 'idf, sum of:', idfs);
  const detail = bm25Explanation(score, scorer.freq(), norm, weight.boost, bm25.avgdl, bm25.normInverse[norm]!, idf);
  return matched(score, `weight(${queryText(weight)} in ${doc}) [PerFieldSimilarity], result of:`, [detail]);
}

/** Constant-score leaves (Lucene's ConstantScoreWeight.explain). */
function explainConstant(weight: Weight, score: number, segment: Segment, doc: number): ExplainedNode {
  const text = queryText(weight);
  const scorer = scorerOn(weight, segment, doc);
  return scorer === null ? notMatched(`${text} doesn't match id ${doc}`) : matched(score, text);
}

/** Lucene's BooleanWeight.explain: the clauses in Elasticsearch's order, the value from the scorer. */
function explainBool(weight: BoolWeight, segment: Segment, doc: number): ExplainedNode {
  const details: ExplainedNode[] = [];
  let failed = false;
  let matchCount = 0;
  let shouldMatchCount = 0;
  for (const clause of weight.must) {
    const explained = explainNode(clause, segment, doc);
    if (explained.match) {
      details.push(explained);
      matchCount++;
    } else {
      details.push(notMatched(`no match on required clause (${queryText(clause)})`, [explained]));
      failed = true;
    }
  }
  for (const clause of weight.mustNot) {
    const explained = explainNode(clause, segment, doc);
    if (explained.match) {
      details.push(notMatched(`match on prohibited clause (${queryText(clause)})`, [explained]));
      failed = true;
    }
  }
  for (const clause of weight.should) {
    const explained = explainNode(clause, segment, doc);
    if (explained.match) {
      details.push(explained);
      matchCount++;
      shouldMatchCount++;
    }
  }
  const filterClause = (explained: ExplainedNode): ExplainedNode => matched(0, 'match on required clause, product of:', [matched(0, '# clause'), explained]);
  for (const clause of weight.filter) {
    const explained = explainNode(clause, segment, doc);
    if (explained.match) {
      details.push(filterClause(explained));
      matchCount++;
    } else {
      details.push(notMatched(`no match on required clause (${queryText(clause)})`, [explained]));
      failed = true;
    }
  }
  if (weight.must.length + weight.should.length + weight.filter.length === 0 && weight.mustNot.length > 0) {
    // Only must_not clauses: Elasticsearch adds a match-all filter clause (the score is 0).
    details.push(filterClause(matched(0, '*:*')));
    matchCount++;
  }
  if (failed) return notMatched('Failure to meet condition(s) of required/prohibited clause(s)', details);
  if (matchCount === 0) return notMatched('No matching clauses', details);
  if (shouldMatchCount < weight.minimumShouldMatch) return notMatched(`Failure to match minimum number of optional clauses: ${weight.minimumShouldMatch}`, details);
  // As Lucene: the value is the scorer's, so that the explanation equals the score to the bit.
  const scorer = scorerOn(weight, segment, doc);
  assert(scorer !== null, `bool explanation matched doc ${doc} but its scorer does not`);
  return matched(scorer.score(), 'sum of:', details);
}

function explainDisMax(weight: DisMaxWeight, segment: Segment, doc: number): ExplainedNode {
  const details = weight.children.map((child) => explainNode(child, segment, doc)).filter((explained) => explained.match);
  if (details.length === 0) return notMatched('No matching clause');
  const scorer = scorerOn(weight, segment, doc);
  assert(scorer !== null, `dis_max explanation matched doc ${doc} but its scorer does not`);
  const description = weight.tieBreaker === 0 ? 'max of:' : `max plus ${javaFloatText(weight.tieBreaker)} times others of:`;
  return matched(scorer.score(), description, details);
}

/** Lucene's ScoreMode names, as ToParentBlockJoinQuery's explanation prints them. */
const luceneScoreModes: Readonly<Record<string, string>> = { avg: 'Avg', max: 'Max', min: 'Min', sum: 'Total', none: 'None' };

/**
 * A nested query (ToParentBlockJoinQuery.BlockJoinWeight#explain): the parent's score from its
 * matching nested documents, the best of them explained beneath (nested doc ids are those of the
 * nested level's segment, query/nested.ts).
 */
function explainNested(weight: NestedWeight, segment: Segment, doc: number): ExplainedNode {
  const scorer = scorerOn(weight, segment, doc);
  if (scorer === null) return notMatched('Not a match');
  const { level, docs, scores } = matchingChildren(weight, segment, doc);
  let best = 0;
  for (let index = 1; index < docs.length; index++) if (scores[index]! > scores[best]!) best = index;
  const description = `Score based on ${docs.length} child docs in range from ${docs[0]} to ${docs[docs.length - 1]}, using score mode ${luceneScoreModes[weight.node.scoreMode]}`;
  return matched(scorer.score(), description, [explainNode(weight.inner, level.segment, docs[best]!)]);
}

/** Explains one node of a weight tree for `doc` of `segment` (its doc id within the segment). */
export function explainNode(weight: Weight, segment: Segment, doc: number): ExplainedNode {
  if (weight instanceof TermWeight || weight instanceof SynonymWeight) return explainTerm(weight, segment, doc);
  if (weight instanceof PhraseWeight) return explainPhrase(weight, segment, doc);
  if (weight instanceof BoolWeight) return explainBool(weight, segment, doc);
  if (weight instanceof DisMaxWeight) return explainDisMax(weight, segment, doc);
  if (weight instanceof ConstantScoreWeight) return explainConstant(weight, weight.score, segment, doc);
  if (weight instanceof DocSetWeight) return explainConstant(weight, weight.score, segment, doc);
  if (weight instanceof MatchAllWeight) return explainConstant(weight, weight.score, segment, doc);
  if (weight instanceof MatchNoneWeight) return notMatched(weight.reason === '' ? 'MatchNoDocsQuery' : weight.reason);
  if (weight instanceof NestedWeight) return explainNested(weight, segment, doc);
  // A weight without a faithful tree (none is planned today): its real score, named, no details.
  const scorer = scorerOn(weight, segment, doc);
  return scorer === null ? notMatched(`${weight.describe()} doesn't match id ${doc}`) : matched(scorer.score(), weight.describe());
}

/**
 * The explanation of `doc` (a doc id within `segment`) for a planned query. A document that is
 * not live in the segment (deleted, or hidden by document level security) does not match, as in
 * Lucene's IndexSearcher.explain.
 */
export function explainDocument(weight: Weight, segment: Segment, doc: number): ExplainedNode {
  if (!isLive(segment, doc)) return notMatched(`Document ${doc} is deleted`);
  return explainNode(weight, segment, doc);
}

// ---------------------------------------------------------------------------------------------
// The `_explain` API

export const explainAction = 'indices:data/read/explain';

/** URL parameters of `_explain` (rest-api-spec explain.json). */
export const explainUrlParams = [
  'q', 'df', 'default_operator', 'analyzer', 'analyze_wildcard', 'lenient', 'routing', 'preference', '_source', '_source_includes', '_source_excludes',
  'stored_fields',
];

/** Parameters that only qualify `q` (Elasticsearch's RestActions.urlParamsToQueryBuilder reads them). */
const queryStringParams = ['df', 'default_operator', 'analyzer', 'analyze_wildcard', 'lenient'];

export interface ExplainRequest {
  readonly query: QueryNode;
  readonly routing: string | undefined;
  /** Undefined: no `get` section (neither `_source` nor `stored_fields` asked). */
  readonly source: SourceFilter | undefined;
  readonly storedFields: readonly string[] | undefined;
  /** `_source` was asked explicitly next to `stored_fields`. */
  readonly explicitSource: boolean;
}


/**
 * Parses an explain request as RestExplainAction does: the body's `query` (nothing else) when
 * there is a body, otherwise `q` with its companions; without either, ExplainRequest.validate's
 * "query is missing". Companions of `q` that are not used are unrecognized parameters.
 */
export function parseExplainRequest(params: Readonly<Record<string, string>>, body: unknown, path: string): ExplainRequest {
  let query: QueryNode | undefined;
  if (body !== undefined) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.parsing(`Expected [START_OBJECT] but found [${jsonTokenName(body)}]`);
    for (const key of Object.keys(body)) if (key !== 'query') throw errors.parsing(`request does not support [${key}]`);
    const raw = (body as Record<string, unknown>)['query'];
    if (raw !== undefined) query = parseQuery(raw);
  }
  if (body !== undefined || params['q'] === undefined) {
    const unused = queryStringParams.filter((name) => params[name] !== undefined);
    if (unused.length > 0) throw errors.unrecognizedParameters(path, unused);
  } else {
    query = queryFromUrl(params);
  }
  if (query === undefined) throw errors.actionRequestValidation(['query is missing']);
  const sourceAsked = ['_source', '_source_includes', '_source_excludes'].some((name) => params[name] !== undefined);
  const storedFields = params['stored_fields']?.split(',').map((field) => field.trim()).filter((field) => field !== '');
  return {
    query,
    routing: parseRouting(params['routing']),
    source: sourceAsked || storedFields !== undefined ? sourceFilterFromQuery(params) : undefined,
    storedFields,
    explicitSource: sourceAsked,
  };
}

/** The authorization `_explain` needs (the REST pipeline's RequestAuthorizer satisfies it). */
export interface ExplainAuthorizer {
  indices(action: string, names: readonly string[]): void;
  readRestriction?(action: string, index: string, aliases?: readonly string[]): ReadRestriction | undefined;
}

export interface ExplainServiceOptions {
  readonly indices: IndicesService;
  readonly searchers: SearcherService;
  readonly nowMs: () => number;
}

export class ExplainService {
  constructor(private readonly options: ExplainServiceOptions) {}

  /**
   * `GET|POST /{index}/_explain/{id}`: 200 with `matched` and the explanation, or 404 with
   * `matched: false` when the document does not exist or the caller may not see it.
   */
  explain(target: string, id: string, request: ExplainRequest, access: ExplainAuthorizer): { status: number; body: Record<string, unknown> } {
    const { handle, routing, aliasFilter } = this.resolve(target, id, request, access);
    const restriction = access.readRestriction?.(explainAction, handle.name, Object.keys(handle.metadata.aliases));
    return this.explainShard(handle, id, request, routing, combinedAliasFilter(aliasFilter), restriction);
  }

  /**
   * `_explain`'s target resolved and authorized: the index, the routing (the request's, or the
   * alias's index routing) and the alias's filter definitions. A multi-node cluster's coordinating
   * node resolves here, then the node holding a copy of the shard runs `explainShard`.
   */
  resolve(target: string, id: string, request: ExplainRequest, access: ExplainAuthorizer): { handle: IndexHandle; routing: string | undefined; aliasFilter: unknown[] | undefined } {
    const { indices } = this.options;
    access.indices(explainAction, [target]);
    const handle = indices.singleIndex(target);
    indices.openShardsOf(handle);
    indices.checkReadBlock(handle);
    // Metadata.resolveIndexRouting: an alias's index routing is the request's routing.
    const aliasRouting = target === handle.name ? undefined : handle.metadata.aliases[target]?.index_routing;
    let routing = request.routing;
    if (aliasRouting !== undefined) {
      if (aliasRouting.includes(',')) throw errors.illegalArgument(`index/alias [${target}] provided with routing value [${aliasRouting}] that resolved to several routing values, rejecting operation`);
      if (routing !== undefined && routing !== aliasRouting) {
        throw errors.illegalArgument(`Alias [${target}] has index routing associated with it [${aliasRouting}], and was provided with routing value [${routing}], rejecting operation`);
      }
      routing = aliasRouting;
    }
    if (routing === undefined && routingRequired(handle)) throw errors.routingMissing(handle.name, id);
    return { handle, routing, aliasFilter: aliasFilterDefinitions(target, handle.name, handle.metadata.aliases) };
  }

  /** Explains document `id` of `handle` on this node's copy of its shard (routed by `routing`, or the id), under the alias filter and the caller's restriction. */
  explainShard(handle: IndexHandle, id: string, request: ExplainRequest, routing: string | undefined, aliasFilter: QueryNode | undefined, restriction: ReadRestriction | undefined): { status: number; body: Record<string, unknown> } {
    const { indices, searchers } = this.options;
    // The document's shard, routed as its writes were (the routing, or the id).
    const snapshot = searchers.snapshot(handle, indices.routeDocument(handle, id, routing).number);
    const nowMs = this.options.nowMs();
    const fullMappings = engineMappings(handle.mapping);
    const defaultFields = queryDefaultFields(handle.metadata.settings);
    const documentLevel = documentLevelSegments(snapshot.state.segments, restriction, { stats: snapshot.stats, mappings: fullMappings, nowMs, indexName: handle.name, defaultFields });
    const segments = visibleSegments(documentLevel, restriction?.fields);
    const absent = { status: 404, body: { _index: handle.name, _id: id, matched: false } };

    // The refreshed snapshot, not the translog: Elasticsearch's explain is not real-time.
    let segmentIndex = -1;
    let doc = -1;
    for (let index = 0; index < snapshot.state.segments.length; index++) {
      const candidate = snapshot.state.segments[index]!.idOrdinals.get(id);
      if (candidate !== undefined && isLive(snapshot.state.segments[index]!, candidate)) {
        segmentIndex = index;
        doc = candidate;
      }
    }
    // Document level security: a document the role query hides does not exist for the caller.
    if (segmentIndex < 0 || !isLive(segments[segmentIndex]!, doc)) return absent;

    const query = withFilter(request.query, aliasFilter);
    const weight = planQuery(query, { stats: snapshot.stats, segments, mappings: visibleEngineMappings(fullMappings, restriction?.fields), nowMs, indexName: handle.name, defaultFields });
    const explained = explainDocument(weight, segments[segmentIndex]!, doc);
    const body: Record<string, unknown> = { _index: handle.name, _id: id, matched: explained.match, explanation: renderExplanation(explained) };
    if (request.source !== undefined && (request.source.fetch || request.storedFields !== undefined)) {
      const segment = snapshot.state.segments[segmentIndex]!;
      const metadata = snapshot.state.metadata[segmentIndex]!;
      // GetResult.toXContentEmbedded: sequence number and term, metadata fields, found, _source.
      const get: Record<string, unknown> = { _seq_no: metadata.seqNos[doc], _primary_term: metadata.primaryTerms[doc] };
      const documentRouting = metadata.routings?.[doc];
      if (documentRouting !== undefined && documentRouting !== null) get['_routing'] = documentRouting;
      // Elasticsearch's FieldsVisitor always loads `_ignored`, so the explain's get shows it as a get does.
      const ignored = ignoredFields(snapshot.state.segments[segmentIndex]!, doc, restriction?.fields);
      if (ignored.length > 0) get['_ignored'] = ignored;
      get['found'] = true;
      if (request.source.fetch && (request.storedFields === undefined || request.explicitSource)) {
        const stored = sourceOf(segment, doc);
        const visible = restriction?.fields === undefined || stored === null ? stored : filterSourceFields(stored, restriction.fields);
        if (visible !== null) get['_source'] = filterSource(visible, request.source); // null: the index keeps no `_source`
      }
      body['get'] = get;
    }
    return { status: 200, body };
  }
}
