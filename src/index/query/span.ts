/**
 * The `span_*` queries (Elasticsearch's span query builders over Lucene's Spans), pure: parse,
 * plan, and the position matching.
 *
 * A span is [start, end) over token positions (a term at p is [p, p+1)), with a `width` used
 * for scoring (Lucene's Spans#width). Per document each span clause yields its spans, sorted by
 * start then end:
 * - span_term: its positions (width 0);
 * - span_near ordered: Lucene's NearSpansOrdered: from each span of the first clause, every later
 *   clause takes its first span starting at or after the previous one's end (later clauses only
 *   move forward); a match needs Σ gaps between them ≤ slop; width = Σ gaps;
 * - span_near unordered: NearSpansUnordered: one current span per clause, the leftmost advanced
 *   each step; a match when maxEnd − minStart − Σ lengths ≤ slop (overlap allowed);
 * - span_or: every clause's spans; span_multi: span_or over the terms its query expands to;
 * - span_not: include spans with no exclude span inside [start − pre, end + post);
 * - span_first: spans ending at or before `end`;
 * - span_containing: big spans holding a little span; span_within: little spans inside a big one;
 * - field_masking_span: the inner spans, reported as the masked field's.
 * Clauses of one query must be on one field (field_masking_span changes the field reported).
 *
 * Score (Lucene's SpanWeight / SpanScorer with BM25): idf is Σ idf of the leaf terms (span_not's
 * exclude not counted), freq = Σ over the root's spans of 1 / (1 + width), length normalization
 * by the root field's norms; score = boost × idf × (1 − 1 / (1 + freq × normInverse)).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/span-queries.html
 */
import { errors } from '../../common/errors.js';
import { limits } from '../../common/limits.js';
import { parseLuceneRegex, regexMatchesWhole, RegexSyntaxError } from '../../common/lucene-regexp.js';
import type { PostingsField, Segment } from '../engine/segment.js';
import type { QueryNode } from './ast.js';
import { termPositions } from './intervals.js';
import { boolean, checkKnown, number, singleField, stringValue } from './parse.js';
import { MatchNoneWeight, type PlanContext, type Weight, bm25For, editDistance, fuzzinessEdits, wildcardToRegex } from './plan.js';
import type { Scorer } from './scorers.js';
import { PrecomputedScorer } from './text-queries-plan.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A multi-term query span_multi may wrap. */
export type SpanMultiTermNode = Extract<QueryNode, { kind: 'prefix' | 'wildcard' | 'regexp' | 'fuzzy' | 'range' }>;

export type SpanNode =
  | { readonly kind: 'span_term'; readonly field: string; readonly value: string; readonly boost: number }
  /** Only as a clause of an in-order span_near: `width` positions skipped (Lucene's SpanNearQuery.Builder#addGap). */
  | { readonly kind: 'span_gap'; readonly field: string; readonly width: number; readonly boost: number }
  | { readonly kind: 'span_near'; readonly clauses: readonly SpanNode[]; readonly slop: number; readonly inOrder: boolean; readonly boost: number }
  | { readonly kind: 'span_or'; readonly clauses: readonly SpanNode[]; readonly boost: number }
  | { readonly kind: 'span_not'; readonly include: SpanNode; readonly exclude: SpanNode; readonly pre: number; readonly post: number; readonly boost: number }
  | { readonly kind: 'span_first'; readonly match: SpanNode; readonly end: number; readonly boost: number }
  | { readonly kind: 'span_multi'; readonly match: SpanMultiTermNode; readonly boost: number }
  | { readonly kind: 'span_containing' | 'span_within'; readonly big: SpanNode; readonly little: SpanNode; readonly boost: number }
  | { readonly kind: 'field_masking_span'; readonly query: SpanNode; readonly field: string; readonly boost: number };

/** The query-DSL node: one span query at the top of a span tree. */
export interface SpanQueryNode {
  readonly kind: 'span';
  readonly span: SpanNode;
  readonly boost: number;
}

const spanKinds: ReadonlySet<string> = new Set([
  'span_term', 'span_near', 'span_or', 'span_not', 'span_first', 'span_multi', 'span_containing', 'span_within', 'field_masking_span',
]);
const multiTermKinds: ReadonlySet<string> = new Set(['prefix', 'wildcard', 'regexp', 'fuzzy', 'range']);

// ---------------------------------------------------------------------------------------------
// Parsing

type ParseNode = (json: unknown) => QueryNode;

/** The parser of a span query kind, or undefined (parse.ts asks for kinds it does not know). */
export function spanQueryParser(kind: string, parseNode: ParseNode): ((body: Json) => QueryNode) | undefined {
  if (!spanKinds.has(kind)) return undefined;
  return (body) => {
    const span = parseSpan(kind, body, parseNode);
    return { kind: 'span', span, boost: span.boost };
  };
}

/** Java's float printing of a boost (`2` is `2.0`). */
const javaFloat = (value: number): string => (Number.isInteger(value) ? `${value}.0` : String(value));

/** A nested span clause: must be a span query, and may not carry its own boost (SpanQueryBuilderUtil.checkNoBoost). */
function clause(json: unknown, parent: string, part: string, parseNode: ParseNode): SpanNode {
  if (isObject(json) && Object.keys(json).length === 1) {
    const kind = Object.keys(json)[0]!;
    if (kind === 'span_gap') {
      if (parent !== 'span_near') throw errors.parsing(`${parent} [${part}] may not hold a [span_gap]: it is only a clause of [span_near]`);
      return parseGap(json[kind]);
    }
    if (spanKinds.has(kind)) {
      const node = parseNode(json);
      if (node.kind !== 'span') throw errors.internal(`span clause [${kind}] parsed as [${node.kind}]`);
      if (node.span.boost !== 1) throw errors.parsing(`${parent} [${part}] as a nested span clause can't have non-default boost value [${javaFloat(node.span.boost)}]`);
      return node.span;
    }
  }
  parseNode(json); // a malformed or unknown query is reported as such first
  throw errors.parsing(`${parent} [${part}] must be of type span query`);
}

/** `{"span_gap": {"field": width}}`. */
function parseGap(body: unknown): SpanNode {
  if (!isObject(body)) throw errors.parsing('[span_gap] query malformed, no start_object after query name');
  let field: string | undefined;
  let width = 0;
  for (const [key, value] of Object.entries(body)) {
    if (field !== undefined) throw errors.parsing(`[span_gap] query doesn't support multiple fields, found [${field}] and [${key}]`);
    field = key;
    width = integer(value, 'span_gap', key);
  }
  if (field === undefined || field === '') throw errors.illegalArgument('[span_gap] field name is null or empty');
  return { kind: 'span_gap', field, width, boost: 1 };
}

function integer(value: unknown, query: string, name: string): number {
  const parsed = number(value, query, name);
  if (!Number.isInteger(parsed)) throw errors.parsing(`[${query}] [${name}] must be an integer, got [${parsed}]`);
  return parsed;
}

function boostOf(body: Json, query: string): number {
  return body['boost'] === undefined ? 1 : number(body['boost'], query, 'boost');
}

function parseSpan(kind: string, body: Json, parseNode: ParseNode): SpanNode {
  switch (kind) {
    case 'span_term': {
      const { field, options } = singleField('span_term', body, 'value');
      checkKnown('span_term', options, ['value', 'term', 'boost', '_name']);
      const raw = options['value'] ?? options['term'];
      if (raw === undefined || raw === null) throw errors.illegalArgument('value cannot be null');
      const value = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : stringValue(raw, 'span_term', 'value');
      return { kind: 'span_term', field, value, boost: boostOf(options, 'span_term') };
    }
    case 'span_near': {
      checkKnown('span_near', body, ['clauses', 'slop', 'in_order', 'boost', '_name']);
      const raw = body['clauses'];
      if (raw !== undefined && !Array.isArray(raw)) throw errors.parsing('[span_near] query does not support [clauses]');
      const clauses = (raw ?? []).map((item) => clause(item, 'span_near', 'clauses', parseNode));
      if (clauses.length === 0) throw errors.parsing('span_near must include [clauses]');
      return {
        kind: 'span_near',
        clauses,
        slop: body['slop'] === undefined ? 0 : integer(body['slop'], 'span_near', 'slop'), // SpanNearQueryBuilder.DEFAULT_SLOP
        inOrder: body['in_order'] === undefined ? true : boolean(body['in_order'], 'span_near', 'in_order'),
        boost: boostOf(body, 'span_near'),
      };
    }
    case 'span_or': {
      checkKnown('span_or', body, ['clauses', 'boost', '_name']);
      const raw = body['clauses'];
      if (raw !== undefined && !Array.isArray(raw)) throw errors.parsing('[span_or] query does not support [clauses]');
      const clauses = (raw ?? []).map((item) => clause(item, 'span_or', 'clauses', parseNode));
      if (clauses.length === 0) throw errors.parsing('span_or must include [clauses]');
      return { kind: 'span_or', clauses, boost: boostOf(body, 'span_or') };
    }
    case 'span_not': {
      checkKnown('span_not', body, ['include', 'exclude', 'pre', 'post', 'dist', 'boost', '_name']);
      if (body['include'] === undefined) throw errors.parsing('span_not must have [include] span query clause');
      if (body['exclude'] === undefined) throw errors.parsing('span_not must have [exclude] span query clause');
      const include = clause(body['include'], 'span_not', 'include', parseNode);
      const exclude = clause(body['exclude'], 'span_not', 'exclude', parseNode);
      const dist = body['dist'] === undefined ? undefined : integer(body['dist'], 'span_not', 'dist');
      if (dist !== undefined && (body['pre'] !== undefined || body['post'] !== undefined)) {
        throw errors.parsing('span_not can either use [dist] or [pre] & [post] (or none)');
      }
      // Lucene's SpanNotQuery takes a negative pre/post as 0.
      const pre = Math.max(0, dist ?? (body['pre'] === undefined ? 0 : integer(body['pre'], 'span_not', 'pre')));
      const post = Math.max(0, dist ?? (body['post'] === undefined ? 0 : integer(body['post'], 'span_not', 'post')));
      return { kind: 'span_not', include, exclude, pre, post, boost: boostOf(body, 'span_not') };
    }
    case 'span_first': {
      checkKnown('span_first', body, ['match', 'end', 'boost', '_name']);
      if (body['match'] === undefined) throw errors.parsing('span_first must have [match] span query clause');
      const match = clause(body['match'], 'span_first', 'match', parseNode);
      if (body['end'] === undefined) throw errors.parsing('span_first must have [end] set for it');
      const end = integer(body['end'], 'span_first', 'end');
      if (end < 0) throw errors.illegalArgument('parameter [end] needs to be positive.');
      return { kind: 'span_first', match, end, boost: boostOf(body, 'span_first') };
    }
    case 'span_multi': {
      checkKnown('span_multi', body, ['match', 'boost', '_name']);
      if (body['match'] === undefined) throw errors.parsing('span_multi must have [match] multi term query clause');
      const inner = parseNode(body['match']);
      if (!multiTermKinds.has(inner.kind)) throw errors.parsing('[span_multi] [match] must be of type multi term query');
      return { kind: 'span_multi', match: inner as SpanMultiTermNode, boost: boostOf(body, 'span_multi') };
    }
    case 'span_containing':
    case 'span_within': {
      checkKnown(kind, body, ['big', 'little', 'boost', '_name']);
      if (body['big'] === undefined) throw errors.parsing(`${kind} must include [big]`);
      if (body['little'] === undefined) throw errors.parsing(`${kind} must include [little]`);
      const big = clause(body['big'], kind, 'big', parseNode);
      const little = clause(body['little'], kind, 'little', parseNode);
      return { kind, big, little, boost: boostOf(body, kind) };
    }
    case 'field_masking_span': {
      checkKnown('field_masking_span', body, ['query', 'field', 'boost', '_name']);
      if (body['query'] === undefined) throw errors.parsing('field_masking_span must have [query] span query clause');
      const query = clause(body['query'], 'field_masking_span', 'query', parseNode);
      if (body['field'] === undefined || body['field'] === null) throw errors.parsing('field_masking_span must have [field] set for it');
      return { kind: 'field_masking_span', query, field: stringValue(body['field'], 'field_masking_span', 'field'), boost: boostOf(body, 'field_masking_span') };
    }
    default:
      throw errors.internal(`not a span query [${kind}]`);
  }
}

// ---------------------------------------------------------------------------------------------
// Matching (per document, over sorted span lists)

export interface Span {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly width: number;
}

const byStartThenEnd = (a: Span, b: Span): number => a.start - b.start || a.end - b.end;

/** Lucene's NearSpansOrdered over the clauses' spans of one document. */
export function nearOrdered(lists: readonly (readonly Span[] | number)[], slop: number): Span[] {
  const found: Span[] = [];
  if (lists.some((list) => typeof list !== 'number' && list.length === 0) || typeof lists[0] === 'number') return found;
  const cursor = lists.map(() => 0);
  for (const first of lists[0] as readonly Span[]) {
    let previousEnd = first.end;
    let gaps = 0;
    for (let index = 1; index < lists.length; index++) {
      const list = lists[index]!;
      if (typeof list === 'number') {
        // A span_gap is the `list` positions right after the previous clause: not counted as slop.
        previousEnd += list;
        continue;
      }
      while (cursor[index]! < list.length && list[cursor[index]!]!.start < previousEnd) cursor[index]!++;
      if (cursor[index]! >= list.length) return found; // a later clause is exhausted: no more matches
      const next = list[cursor[index]!]!;
      gaps += next.start - previousEnd;
      previousEnd = next.end;
    }
    if (gaps <= slop) found.push({ start: first.start, end: previousEnd, width: gaps });
  }
  return found;
}

/** Lucene's NearSpansUnordered: the leftmost current span advances until one clause is exhausted. */
export function nearUnordered(lists: readonly (readonly Span[])[], slop: number): Span[] {
  const found: Span[] = [];
  if (lists.some((list) => list.length === 0)) return found;
  const cursor = lists.map(() => 0);
  for (;;) {
    let min = 0;
    let maxEnd = -1;
    let maxEndStart = 0;
    let total = 0;
    lists.forEach((list, index) => {
      const span = list[cursor[index]!]!;
      const least = lists[min]![cursor[min]!]!;
      if (byStartThenEnd(span, least) < 0) min = index;
      if (span.end > maxEnd) (maxEnd = span.end), (maxEndStart = span.start);
      total += span.end - span.start;
    });
    const minStart = lists[min]![cursor[min]!]!.start;
    if (maxEnd - minStart - total <= slop) found.push({ start: minStart, end: maxEnd, width: maxEndStart - minStart });
    cursor[min]!++;
    if (cursor[min]! >= lists[min]!.length) break;
  }
  return found.sort(byStartThenEnd);
}

/** span_not: include spans with no exclude span overlapping [start − pre, end + post). */
export function spanNot(include: readonly Span[], exclude: readonly Span[], pre: number, post: number): Span[] {
  return include.filter((span) => !exclude.some((other) => other.end > span.start - pre && other.start < span.end + post));
}

export function spanOr(lists: readonly (readonly Span[])[]): Span[] {
  return lists.flat().sort(byStartThenEnd);
}

export function spanFirst(spans: readonly Span[], end: number): Span[] {
  return spans.filter((span) => span.end <= end);
}

const holds = (outer: Span, inner: Span): boolean => outer.start <= inner.start && inner.end <= outer.end;

export function spanContaining(big: readonly Span[], little: readonly Span[]): Span[] {
  return big.filter((outer) => little.some((inner) => holds(outer, inner)));
}

export function spanWithin(big: readonly Span[], little: readonly Span[]): Span[] {
  return little.filter((inner) => big.some((outer) => holds(outer, inner)));
}

// ---------------------------------------------------------------------------------------------
// Planning: a resolved tree (fields resolved, multi-terms expanded) and its weight

/** The span tree with fields resolved (aliases) and span_multi expanded to terms. */
type Resolved =
  | { readonly kind: 'terms'; readonly field: string; readonly terms: readonly string[] }
  | { readonly kind: 'near'; readonly clauses: readonly Resolved[]; readonly slop: number; readonly inOrder: boolean }
  | { readonly kind: 'gap'; readonly width: number }
  | { readonly kind: 'or'; readonly clauses: readonly Resolved[] }
  | { readonly kind: 'not'; readonly include: Resolved; readonly exclude: Resolved; readonly pre: number; readonly post: number }
  | { readonly kind: 'first'; readonly match: Resolved; readonly end: number }
  | { readonly kind: 'containing' | 'within'; readonly big: Resolved; readonly little: Resolved };

interface Resolution {
  readonly node: Resolved;
  /** The field this clause reports (Lucene's SpanQuery#getField). */
  readonly field: string;
}

function resolveField(field: string, context: PlanContext, query: string): string {
  const mapping = context.mappings[field];
  if (mapping === undefined) return field; // unmapped: matches nothing
  const target = mapping.aliasOf ?? field;
  const resolved = context.mappings[target];
  // match_only_text is bridged as text but, as in Elasticsearch, keeps no positions for span queries.
  if (resolved !== undefined && (resolved.type !== 'text' || resolved.mappedType === 'match_only_text')) {
    throw errors.illegalArgument(`${query} query requires position data, but field ${field} was indexed without position data`);
  }
  return target;
}

const sameField = (fields: readonly string[]): void => {
  if (new Set(fields).size > 1) throw errors.illegalArgument('Clauses must have same field.');
};

function multiTermPredicate(node: SpanMultiTermNode, context: PlanContext): (term: string) => boolean {
  switch (node.kind) {
    case 'prefix': {
      const prefix = node.caseInsensitive ? node.value.toLowerCase() : node.value;
      return (term) => (node.caseInsensitive ? term.toLowerCase() : term).startsWith(prefix);
    }
    case 'wildcard': {
      const regex = wildcardToRegex(node.caseInsensitive ? node.value.toLowerCase() : node.value);
      return (term) => regex.test(node.caseInsensitive ? term.toLowerCase() : term);
    }
    case 'regexp': {
      if ([...node.value].length > limits.regexLengthMax) {
        throw errors.illegalArgument(
          `The length of regex [${[...node.value].length}] used in the Regexp Query request has exceeded the allowed maximum of [${limits.regexLengthMax}]. This maximum can be set by changing the [index.max_regex_length] index level setting.`,
        );
      }
      let parsed;
      try {
        parsed = parseLuceneRegex(node.value, node.flags);
      } catch (error) {
        if (error instanceof RegexSyntaxError) throw errors.queryShard(`failed to create query: ${error.message}`, context.indexName);
        throw error;
      }
      const options = {
        asciiCaseInsensitive: node.caseInsensitive,
        wordsMax: limits.securityRegexMatchWordsMax,
        tooComplex: (length: number) => errors.illegalArgument(`the regular expression [${node.value}] is too complex to match a term of ${length} characters`),
      };
      return (term) => regexMatchesWhole(parsed, term, options);
    }
    case 'fuzzy': {
      const edits = fuzzinessEdits(node.fuzziness, node.value);
      const prefix = node.value.slice(0, node.prefixLength);
      return (term) => term.startsWith(prefix) && editDistance(node.value, term, edits, node.transpositions) <= edits;
    }
    case 'range': {
      const bound = (value: unknown): string | undefined => (value === undefined ? undefined : String(value));
      const lower = bound(node.gte ?? node.gt);
      const upper = bound(node.lte ?? node.lt);
      const includeLower = node.gte !== undefined;
      const includeUpper = node.lte !== undefined;
      return (term) =>
        (lower === undefined || (includeLower ? term >= lower : term > lower)) && (upper === undefined || (includeUpper ? term <= upper : term < upper));
    }
  }
}

/** The multi-term query as Lucene prints it (`text:qu*`, `text:/r.d/`, `text:[a TO b}`), for the expansion error. */
function luceneText(node: SpanMultiTermNode, field: string): string {
  switch (node.kind) {
    case 'prefix':
      return `${field}:${node.value}*`;
    case 'wildcard':
      return `${field}:${node.value}`;
    case 'regexp':
      return `${field}:/${node.value}/`;
    case 'fuzzy':
      return `${field}:${node.value}~${fuzzinessEdits(node.fuzziness, node.value)}`;
    case 'range':
      return `${field}:${node.gte !== undefined ? '[' : '{'}${node.gte ?? node.gt ?? '*'} TO ${node.lte ?? node.lt ?? '*'}${node.lte !== undefined ? ']' : '}'}`;
  }
}

/** The terms a span_multi expands to: all of them (at most the clause limit), or fuzzy's closest max_expansions. */
function expandMulti(node: SpanMultiTermNode, field: string, context: PlanContext): string[] {
  const accept = multiTermPredicate(node, context);
  const terms = new Set<string>();
  for (const segment of context.segments) {
    const postings = segment.postings.get(field);
    if (postings === undefined) continue;
    for (const term of postings.terms) {
      if (terms.has(term) || !accept(term)) continue;
      terms.add(term);
      if (node.kind !== 'fuzzy' && terms.size > limits.spanMultiExpansionsMax) {
        // Elasticsearch's SpanBooleanQueryRewriteWithMaxClause refuses the rewrite (a runtime_exception
        // there, a 5xx; bad input here is a 400).
        throw errors.illegalArgument(`[${luceneText(node, field)} ] exceeds maxClauseCount [ Boolean maxClauseCount is set to ${limits.spanMultiExpansionsMax}]`);
      }
    }
  }
  const sorted = [...terms].sort();
  if (node.kind !== 'fuzzy') return sorted;
  // A fuzzy query rewrites to its top max_expansions terms (closest first).
  const edits = fuzzinessEdits(node.fuzziness, node.value);
  return sorted
    .map((term) => ({ term, distance: editDistance(node.value, term, edits, node.transpositions) }))
    .sort((a, b) => a.distance - b.distance || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0))
    .slice(0, node.maxExpansions)
    .map(({ term }) => term)
    .sort();
}

function resolve(node: SpanNode, context: PlanContext): Resolution {
  switch (node.kind) {
    case 'span_term': {
      const field = resolveField(node.field, context, 'Span term');
      return { node: { kind: 'terms', field, terms: [node.value] }, field };
    }
    case 'span_multi': {
      const field = resolveField(node.match.field, context, 'Span multi term');
      return { node: { kind: 'terms', field, terms: expandMulti(node.match, field, context) }, field };
    }
    case 'span_gap': {
      const mapping = context.mappings[node.field];
      return { node: { kind: 'gap', width: node.width }, field: mapping?.aliasOf ?? node.field };
    }
    case 'span_near':
    case 'span_or': {
      const clauses = node.clauses.map((inner) => resolve(inner, context));
      if (node.kind === 'span_near' && node.clauses.some((inner) => inner.kind === 'span_gap')) {
        // Lucene's SpanNearQuery.Builder refuses these (an exception there; bad input here).
        if (!node.inOrder) throw errors.illegalArgument('Cannot add gaps to unordered SpanNearQuery');
        if (node.clauses[0]!.kind === 'span_gap') throw errors.illegalArgument('[span_near] a [span_gap] may not be the first clause');
        const nearField = clauses[0]!.field;
        node.clauses.forEach((inner, index) => {
          if (inner.kind === 'span_gap' && clauses[index]!.field !== nearField) throw errors.illegalArgument('[span_near] clauses must have same field');
        });
      }
      sameField(clauses.filter((_, index) => node.kind !== 'span_near' || node.clauses[index]!.kind !== 'span_gap').map((inner) => inner.field));
      const resolved = clauses.map((inner) => inner.node);
      return {
        node: node.kind === 'span_near' ? { kind: 'near', clauses: resolved, slop: node.slop, inOrder: node.inOrder } : { kind: 'or', clauses: resolved },
        field: clauses[0]!.field,
      };
    }
    case 'span_not': {
      const include = resolve(node.include, context);
      const exclude = resolve(node.exclude, context);
      sameField([include.field, exclude.field]);
      return { node: { kind: 'not', include: include.node, exclude: exclude.node, pre: node.pre, post: node.post }, field: include.field };
    }
    case 'span_first': {
      const match = resolve(node.match, context);
      return { node: { kind: 'first', match: match.node, end: node.end }, field: match.field };
    }
    case 'span_containing':
    case 'span_within': {
      const big = resolve(node.big, context);
      const little = resolve(node.little, context);
      if (big.field !== little.field) throw errors.illegalArgument('big and little not same field');
      return { node: { kind: node.kind === 'span_containing' ? 'containing' : 'within', big: big.node, little: little.node }, field: big.field };
    }
    case 'field_masking_span': {
      const inner = resolve(node.query, context);
      const mapping = context.mappings[node.field];
      return { node: inner.node, field: mapping?.aliasOf ?? node.field };
    }
  }
}

/** Leaf terms scored by the query (span_not's exclude is not). */
function scoredTerms(node: Resolved, out: { field: string; term: string }[]): void {
  switch (node.kind) {
    case 'terms':
      for (const term of node.terms) out.push({ field: node.field, term });
      return;
    case 'gap':
      return;
    case 'near':
    case 'or':
      for (const inner of node.clauses) scoredTerms(inner, out);
      return;
    case 'not':
      scoredTerms(node.include, out);
      return;
    case 'first':
      scoredTerms(node.match, out);
      return;
    case 'containing':
    case 'within':
      scoredTerms(node.big, out);
      scoredTerms(node.little, out);
      return;
  }
}

function describe(node: Resolved): string {
  switch (node.kind) {
    case 'terms':
      return node.terms.length === 1 ? `${node.field}:${node.terms[0]}` : `${node.field}:[${node.terms.join('|')}]`;
    case 'gap':
      return `gap(${node.width})`;
    case 'near':
      return `near${node.inOrder ? '' : '_unordered'}/${node.slop}(${node.clauses.map(describe).join(',')})`;
    case 'or':
      return `or(${node.clauses.map(describe).join(',')})`;
    case 'not':
      return `not(${describe(node.include)},${describe(node.exclude)},${node.pre},${node.post})`;
    case 'first':
      return `first(${describe(node.match)},${node.end})`;
    case 'containing':
    case 'within':
      return `${node.kind}(${describe(node.big)},${describe(node.little)})`;
  }
}

type DocSpans = (doc: number) => readonly Span[];

/** Binds the tree to a segment: candidate documents (those holding a scored leaf term) and the per-document spans. */
function bind(root: Resolved, segment: Segment): { readonly candidates: ReadonlySet<number>; readonly spans: DocSpans } {
  const candidates = new Set<number>();
  const visit = (node: Resolved, collect: boolean): DocSpans => {
    switch (node.kind) {
      case 'terms': {
        const postings = segment.postings.get(node.field);
        if (postings === undefined || postings.kind !== 'text') return () => [];
        const ordinals = node.terms.map((term) => postings.termOrdinals.get(term)).filter((ordinal): ordinal is number => ordinal !== undefined);
        if (collect) {
          for (const ordinal of ordinals) {
            for (let index = postings.postingsStart[ordinal]!; index < postings.postingsStart[ordinal + 1]!; index++) candidates.add(postings.docs[index]!);
          }
        }
        return (doc) => {
          const found: Span[] = [];
          for (const ordinal of ordinals) {
            const positions = termPositions(postings, ordinal, doc);
            if (positions !== undefined) for (const position of positions) found.push({ start: position, end: position + 1, width: 0 });
          }
          return ordinals.length === 1 ? found : found.sort(byStartThenEnd);
        };
      }
      case 'gap':
        return () => [];
      case 'near': {
        const inner = node.clauses.map((child) => (child.kind === 'gap' ? child.width : visit(child, collect)));
        if (node.inOrder) return (doc) => nearOrdered(inner.map((evaluate) => (typeof evaluate === 'number' ? evaluate : evaluate(doc))), node.slop);
        return (doc) => nearUnordered(inner.map((evaluate) => (evaluate as DocSpans)(doc)), node.slop);
      }
      case 'or': {
        const inner = node.clauses.map((child) => visit(child, collect));
        return (doc) => spanOr(inner.map((evaluate) => evaluate(doc)));
      }
      case 'not': {
        const include = visit(node.include, collect);
        const exclude = visit(node.exclude, false);
        return (doc) => spanNot(include(doc), exclude(doc), node.pre, node.post);
      }
      case 'first': {
        const match = visit(node.match, collect);
        return (doc) => spanFirst(match(doc), node.end);
      }
      case 'containing':
      case 'within': {
        const big = visit(node.big, collect);
        const little = visit(node.little, collect);
        const combine = node.kind === 'containing' ? spanContaining : spanWithin;
        return (doc) => combine(big(doc), little(doc));
      }
    }
  };
  const spans = visit(root, true);
  return { candidates, spans };
}

export class SpanWeight implements Weight {
  readonly children = [];
  readonly bm25: ReturnType<typeof bm25For>;
  constructor(readonly field: string, readonly root: Resolved, readonly boost: number, readonly scoring: boolean, context: PlanContext) {
    const terms: { field: string; term: string }[] = [];
    scoredTerms(root, terms);
    this.bm25 = bm25For(context.stats, field, terms.map(({ field: termField, term }) => context.stats.docFreq(termField, term)), scoring ? boost : 0);
  }
  describe(): string {
    return `span ${describe(this.root)} boost=${this.boost}`;
  }
  scorer(segment: Segment): Scorer | null {
    const bound = bind(this.root, segment);
    if (bound.candidates.size === 0) return null;
    const norms = segment.postings.get(this.field);
    const docs: number[] = [];
    const scores: number[] = [];
    const weight = this.bm25.weight;
    for (const doc of [...bound.candidates].sort((a, b) => a - b)) {
      const spans = bound.spans(doc);
      if (spans.length === 0) continue;
      docs.push(doc);
      if (!this.scoring) {
        scores.push(0);
        continue;
      }
      let freq = 0;
      for (const span of spans) freq = Math.fround(freq + 1 / (1 + Math.max(0, span.width)));
      const norm = norms !== undefined && norms.kind === 'text' ? norms.norms[doc]! : 1;
      scores.push(Math.fround(weight - weight / (1 + freq * this.bm25.normInverse[norm]!)));
    }
    if (docs.length === 0) return null;
    return new PrecomputedScorer(Int32Array.from(docs), Float64Array.from(scores), weight);
  }
}

/** Plans a span query: fields resolved and checked, span_multi expanded, then one weight over the tree. */
export function planSpanQuery(node: SpanQueryNode, context: PlanContext, boost: number, scoring: boolean): Weight {
  const { node: root, field } = resolve(node.span, context);
  const terms: { field: string; term: string }[] = [];
  scoredTerms(root, terms);
  if (terms.length === 0) return new MatchNoneWeight(`span ${describe(root)}: no terms`);
  return new SpanWeight(field, root, Math.fround(boost * node.boost), scoring, context);
}

/**
 * The leaves a highlighter marks: span_term terms and span_multi queries, span_not's exclude left
 * out (it never matches what is returned), as Elasticsearch's highlighters extract them.
 */
export function spanHighlightLeaves(node: SpanNode): { readonly terms: { field: string; term: string }[]; readonly multi: SpanMultiTermNode[] } {
  const terms: { field: string; term: string }[] = [];
  const multi: SpanMultiTermNode[] = [];
  const visit = (span: SpanNode): void => {
    switch (span.kind) {
      case 'span_term':
        terms.push({ field: span.field, term: span.value });
        return;
      case 'span_multi':
        multi.push(span.match);
        return;
      case 'span_gap':
        return;
      case 'span_near':
      case 'span_or':
        span.clauses.forEach(visit);
        return;
      case 'span_not':
        visit(span.include);
        return;
      case 'span_first':
        visit(span.match);
        return;
      case 'span_containing':
      case 'span_within':
        visit(span.big);
        visit(span.little);
        return;
      case 'field_masking_span':
        visit(span.query);
        return;
    }
  };
  visit(node);
  return { terms, multi };
}
