/**
 * The `intervals` query (Elasticsearch's IntervalQueryBuilder over Lucene's interval sources),
 * pure. A rule becomes a source tree; per document a source yields its intervals of positions,
 * [start, end], and a document matches when the root yields at least one.
 *
 * Semantics, as Lucene's Intervals:
 * - a term yields [p, p] per position; `prefix`, `wildcard`, `regexp`, `fuzzy` and `range` yield
 *   the positions of every term they expand to (at most 128 terms, else 400);
 * - `any_of` yields every interval of any of its rules;
 * - `all_of` (and a `match` of several terms) yields the minimal intervals holding one interval
 *   of each rule: in order without overlap when `ordered`, else in any order; `max_gaps` keeps
 *   those whose positions not covered by the chosen sub-intervals number at most max_gaps
 *   (`ordered` with `max_gaps: 0` is a phrase);
 * - a `filter` keeps the intervals that contain / are contained by / overlap / come before /
 *   come after an interval of its rule (or, for the `not_` forms, none).
 * Minimal: no yielded interval contains another.
 *
 * Score (Lucene's IntervalQuery with its default saturation function, pivot 1): with
 * freq = Σ over the root's intervals of 1 / max(width − minExtent + 1, 1), the score is
 * boost × freq / (1 + freq); minExtent is the narrowest width the rule can match.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-intervals-query.html
 */
import { errors } from '../../common/errors.js';
import { limits } from '../../common/limits.js';
import { parseLuceneRegex, regexFlagsAll, regexMatchesWhole, RegexSyntaxError } from '../../common/lucene-regexp.js';
import type { Analyzer } from '../analysis/index.js';
import { namedAnalyzer, resolveAnalyzer } from '../engine/segment-builder.js';
import type { PostingsField, Segment } from '../engine/segment.js';
import type { QueryNode } from './ast.js';
import { MatchNoneWeight, type PlanContext, type Weight, editDistance, fuzzinessEdits, wildcardToRegex } from './plan.js';
import type { Scorer } from './scorers.js';
import type { IntervalsFilter, IntervalsFilterKind, IntervalsRule } from './text-queries-ast.js';
import { PrecomputedScorer } from './text-queries-plan.js';

type IntervalsNode = Extract<QueryNode, { kind: 'intervals' }>;

/** An interval of positions; `gaps` counts the positions inside it its parts do not cover. */
export interface Interval {
  readonly start: number;
  readonly end: number;
  readonly gaps: number;
}

/** A source bound to one document: its intervals, sorted by start then end. */
type DocIntervals = (doc: number) => readonly Interval[];

export type IntervalSource =
  | { readonly kind: 'terms'; readonly field: string; readonly terms: readonly string[]; readonly text: string }
  | { readonly kind: 'or'; readonly sources: readonly IntervalSource[] }
  | { readonly kind: 'ordered' | 'unordered'; readonly sources: readonly IntervalSource[]; readonly maxGaps: number }
  | { readonly kind: 'filter'; readonly filter: IntervalsFilterKind; readonly source: IntervalSource; readonly by: IntervalSource }
  | { readonly kind: 'none' };

export function minExtent(source: IntervalSource): number {
  switch (source.kind) {
    case 'terms':
      return 1;
    case 'or':
      return Math.min(...source.sources.map(minExtent));
    case 'ordered':
    case 'unordered':
      return source.sources.reduce((sum, inner) => sum + minExtent(inner), 0);
    case 'filter':
      return minExtent(source.source);
    case 'none':
      return 1;
  }
}

/** The source tree as text (one line), for the plan description and profile. */
export function describeSource(source: IntervalSource): string {
  switch (source.kind) {
    case 'terms':
      return source.terms.length === 1 ? source.terms[0]! : `${source.text}[${source.terms.join('|')}]`;
    case 'or':
      return `or(${source.sources.map(describeSource).join(',')})`;
    case 'ordered':
    case 'unordered':
      return `${source.kind}${source.maxGaps >= 0 ? `/${source.maxGaps}` : ''}(${source.sources.map(describeSource).join(',')})`;
    case 'filter':
      return `${source.filter}(${describeSource(source.source)},${describeSource(source.by)})`;
    case 'none':
      return 'no_intervals';
  }
}

// ---------------------------------------------------------------------------------------------
// Rule → source

interface BuildContext {
  readonly plan: PlanContext;
  readonly field: string;
}

function fieldAnalyzer(build: BuildContext, field: string, analyzerName: string | undefined): Analyzer {
  const mapping = build.plan.mappings[field];
  if (mapping === undefined || mapping.type !== 'text') {
    throw errors.queryShard(`failed to create query: Can only use interval queries on text fields - not on [${field}] which is of type [${mapping?.mappedType ?? mapping?.type ?? 'unmapped'}]`, build.plan.indexName);
  }
  // A name the index does not know falls back quietly to the field's search analyzer (IntervalsSourceProvider).
  return (analyzerName === undefined ? undefined : namedAnalyzer(analyzerName, build.plan.mappings)) ?? resolveAnalyzer(mapping, true);
}

/** The analyzer's normalization of a term pattern (Elasticsearch's Analyzer#normalize): lowercasing when the analyzer lowercases. */
function normalize(analyzer: Analyzer, text: string): string {
  return analyzer.analyze('A').terms[0] === 'a' ? text.toLowerCase() : text;
}

/** Terms of `field` over every segment accepted by `accept`; more than the expansion limit is refused. */
function expand(build: BuildContext, field: string, text: string, accept: (term: string) => boolean): IntervalSource {
  const terms = new Set<string>();
  for (const segment of build.plan.segments) {
    const postings = segment.postings.get(field);
    if (postings === undefined) continue;
    for (const term of postings.terms) {
      if (terms.has(term) || !accept(term)) continue;
      terms.add(term);
      if (terms.size > limits.intervalsExpansionsMax) {
        throw errors.illegalArgument(`Automaton [${text}] expanded to too many terms (limit ${limits.intervalsExpansionsMax})`);
      }
    }
  }
  if (terms.size === 0) return { kind: 'none' };
  return { kind: 'terms', field, terms: [...terms].sort(), text };
}

function combine(sources: IntervalSource[], maxGaps: number, ordered: boolean): IntervalSource {
  if (sources.length === 1) return sources[0]!;
  if (sources.some((source) => source.kind === 'none')) return { kind: 'none' };
  return { kind: ordered ? 'ordered' : 'unordered', sources, maxGaps };
}

function withFilter(source: IntervalSource, filter: IntervalsFilter | undefined, build: BuildContext): IntervalSource {
  if (filter === undefined) return source;
  return { kind: 'filter', filter: filter.kind, source, by: buildSource(filter.rule, build) };
}

export function buildSource(rule: IntervalsRule, build: BuildContext): IntervalSource {
  switch (rule.kind) {
    case 'match': {
      const field = rule.useField ?? build.field;
      const tokens = fieldAnalyzer(build, field, rule.analyzer).analyze(rule.query);
      if (tokens.terms.length === 0) return { kind: 'none' };
      // Tokens at one position (synonyms) are alternatives.
      const byPosition = new Map<number, string[]>();
      tokens.terms.forEach((term, index) => {
        const list = byPosition.get(tokens.positions[index]!) ?? [];
        list.push(term);
        byPosition.set(tokens.positions[index]!, list);
      });
      const sources: IntervalSource[] = [...byPosition.values()].map((terms) => ({ kind: 'terms', field, terms: [...new Set(terms)], text: terms.join('|') }));
      return withFilter(combine(sources, rule.maxGaps, rule.ordered), rule.filter, build);
    }
    case 'prefix': {
      const field = rule.useField ?? build.field;
      const prefix = normalize(fieldAnalyzer(build, field, rule.analyzer), rule.prefix);
      return expand(build, field, `${prefix}*`, (term) => term.startsWith(prefix));
    }
    case 'wildcard': {
      const field = rule.useField ?? build.field;
      const pattern = normalize(fieldAnalyzer(build, field, rule.analyzer), rule.pattern);
      const regex = wildcardToRegex(pattern);
      return expand(build, field, pattern, (term) => regex.test(term));
    }
    case 'regexp': {
      const field = rule.useField ?? build.field;
      fieldAnalyzer(build, field, undefined);
      let parsed;
      try {
        parsed = parseLuceneRegex(rule.pattern, regexFlagsAll);
      } catch (error) {
        if (error instanceof RegexSyntaxError) throw errors.queryShard(`failed to create query: ${error.message}`, build.plan.indexName);
        throw error;
      }
      const options = {
        asciiCaseInsensitive: false,
        wordsMax: limits.securityRegexMatchWordsMax,
        tooComplex: (length: number) => errors.illegalArgument(`the regular expression [${rule.pattern}] is too complex to match a term of ${length} characters`),
      };
      return expand(build, field, `/${rule.pattern}/`, (term) => regexMatchesWhole(parsed, term, options));
    }
    case 'fuzzy': {
      const field = rule.useField ?? build.field;
      const term = normalize(fieldAnalyzer(build, field, rule.analyzer), rule.term);
      const edits = fuzzinessEdits(rule.fuzziness, term);
      const prefix = term.slice(0, rule.prefixLength);
      return expand(build, field, `${term}~${edits}`, (candidate) => candidate.startsWith(prefix) && editDistance(term, candidate, edits, rule.transpositions) <= edits);
    }
    case 'range': {
      const field = rule.useField ?? build.field;
      const analyzer = fieldAnalyzer(build, field, rule.analyzer);
      const lower = rule.lower === undefined ? undefined : normalize(analyzer, rule.lower);
      const upper = rule.upper === undefined ? undefined : normalize(analyzer, rule.upper);
      const text = `${rule.includeLower ? '[' : '{'}${lower ?? '*'} TO ${upper ?? '*'}${rule.includeUpper ? ']' : '}'}`;
      return expand(
        build,
        field,
        text,
        (term) =>
          (lower === undefined || (rule.includeLower ? term >= lower : term > lower)) && (upper === undefined || (rule.includeUpper ? term <= upper : term < upper)),
      );
    }
    case 'all_of':
      return withFilter(
        combine(rule.intervals.map((inner) => buildSource(inner, build)), rule.maxGaps, rule.ordered),
        rule.filter,
        build,
      );
    case 'any_of': {
      const sources = rule.intervals.map((inner) => buildSource(inner, build)).filter((source) => source.kind !== 'none');
      const source: IntervalSource = sources.length === 0 ? { kind: 'none' } : sources.length === 1 ? sources[0]! : { kind: 'or', sources };
      return withFilter(source, rule.filter, build);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation over one document

const byStartThenEnd = (a: Interval, b: Interval): number => a.start - b.start || a.end - b.end || a.gaps - b.gaps;
const width = (interval: Interval): number => interval.end - interval.start + 1;

/** The minimal intervals among `candidates` (none contains another), sorted; equal spans keep the fewest gaps. */
export function minimize(candidates: Interval[]): Interval[] {
  candidates.sort(byStartThenEnd);
  const result: Interval[] = [];
  for (const candidate of candidates) {
    const last = result[result.length - 1];
    if (last !== undefined && last.start === candidate.start && last.end === candidate.end) continue;
    result.push(candidate);
  }
  return result.filter((outer) => !result.some((inner) => inner !== outer && outer.start <= inner.start && inner.end <= outer.end));
}

/** Work counter for one document's combination search. */
interface Budget {
  steps: number;
}

function spend(budget: Budget): void {
  if (++budget.steps > limits.intervalsSearchStepsMax) {
    throw errors.illegalArgument(`the intervals query needs more than ${limits.intervalsSearchStepsMax} steps to match one document; use fewer or narrower rules`);
  }
}

/**
 * Ordered: chains a1 < a2 < ... (each starting after the previous ends). Without max_gaps the
 * earliest-ending chain from each first interval suffices; with it every chain within the gap
 * budget is tried (gaps only grow along a chain, so the search prunes early).
 */
export function orderedIntervals(lists: readonly (readonly Interval[])[], maxGaps: number, budget: Budget = { steps: 0 }): Interval[] {
  const candidates: Interval[] = [];
  if (lists.some((list) => list.length === 0)) return candidates;
  if (maxGaps < 0) {
    for (const first of lists[0]!) {
      let end = first.end;
      let covered = width(first);
      let complete = true;
      for (let index = 1; index < lists.length && complete; index++) {
        let best: Interval | undefined;
        for (const next of lists[index]!) {
          spend(budget);
          if (next.start > end && (best === undefined || next.end < best.end)) best = next;
        }
        if (best === undefined) complete = false;
        else (end = best.end), (covered += width(best));
      }
      if (complete) candidates.push({ start: first.start, end, gaps: end - first.start + 1 - covered });
    }
    return minimize(candidates);
  }
  const search = (index: number, start: number, end: number, gaps: number): void => {
    if (index === lists.length) {
      candidates.push({ start, end, gaps });
      return;
    }
    for (const next of lists[index]!) {
      spend(budget);
      if (next.start <= end) continue;
      const added = gaps + (next.start - end - 1);
      if (added > maxGaps) continue;
      search(index + 1, start, next.end, added);
    }
  };
  for (const first of lists[0]!) search(1, first.start, first.end, 0);
  return minimize(candidates);
}

/**
 * Unordered: for each interval taken as the leftmost, every other rule contributes its
 * earliest-ending interval starting at or after it; the spans found are minimized, then
 * max_gaps filters them.
 */
export function unorderedIntervals(lists: readonly (readonly Interval[])[], maxGaps: number, budget: Budget = { steps: 0 }): Interval[] {
  const candidates: Interval[] = [];
  if (lists.some((list) => list.length === 0)) return candidates;
  lists.forEach((list, leftIndex) => {
    for (const left of list) {
      let end = left.end;
      let covered = width(left);
      let complete = true;
      for (let index = 0; index < lists.length && complete; index++) {
        if (index === leftIndex) continue;
        let best: Interval | undefined;
        for (const other of lists[index]!) {
          spend(budget);
          if (other.start >= left.start && (best === undefined || other.end < best.end)) best = other;
        }
        if (best === undefined) complete = false;
        else (end = Math.max(end, best.end)), (covered += width(best));
      }
      if (complete) candidates.push({ start: left.start, end, gaps: Math.max(0, end - left.start + 1 - covered) });
    }
  });
  const minimal = minimize(candidates);
  return maxGaps < 0 ? minimal : minimal.filter((interval) => interval.gaps <= maxGaps);
}

/** The intervals of `main` that pass `kind` against the intervals of the filter rule. */
export function filterIntervals(kind: IntervalsFilterKind, main: readonly Interval[], by: readonly Interval[]): Interval[] {
  const contains = (outer: Interval, inner: Interval): boolean => outer.start <= inner.start && inner.end <= outer.end;
  const overlaps = (a: Interval, b: Interval): boolean => a.start <= b.end && b.start <= a.end;
  const test: Record<IntervalsFilterKind, (interval: Interval) => boolean> = {
    containing: (interval) => by.some((other) => contains(interval, other)),
    not_containing: (interval) => !by.some((other) => contains(interval, other)),
    contained_by: (interval) => by.some((other) => contains(other, interval)),
    not_contained_by: (interval) => !by.some((other) => contains(other, interval)),
    overlapping: (interval) => by.some((other) => overlaps(interval, other)),
    not_overlapping: (interval) => !by.some((other) => overlaps(interval, other)),
    before: (interval) => by.some((other) => interval.end < other.start),
    after: (interval) => by.some((other) => interval.start > other.end),
  };
  return main.filter(test[kind]);
}

/** Positions of one term in one document, or none. */
export function termPositions(postings: PostingsField, ordinal: number, doc: number): Int32Array | undefined {
  let low = postings.postingsStart[ordinal]!;
  let high = postings.postingsStart[ordinal + 1]!;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (postings.docs[middle]! < doc) low = middle + 1;
    else high = middle;
  }
  if (low >= postings.postingsStart[ordinal + 1]! || postings.docs[low] !== doc) return undefined;
  return postings.positions.subarray(postings.positionsStart[low]!, postings.positionsStart[low + 1]!);
}

/** Binds a source to a segment: the candidate documents (every doc holding a leaf term) and the evaluator. */
export function bindSource(source: IntervalSource, segment: Segment): { readonly candidates: ReadonlySet<number>; readonly intervals: DocIntervals } {
  const candidates = new Set<number>();
  const bind = (node: IntervalSource, budget: Budget): DocIntervals => {
    switch (node.kind) {
      case 'none':
        return () => [];
      case 'terms': {
        const postings = segment.postings.get(node.field);
        if (postings === undefined || postings.kind !== 'text') return () => [];
        const ordinals = node.terms.map((term) => postings.termOrdinals.get(term)).filter((ordinal): ordinal is number => ordinal !== undefined);
        for (const ordinal of ordinals) {
          for (let index = postings.postingsStart[ordinal]!; index < postings.postingsStart[ordinal + 1]!; index++) candidates.add(postings.docs[index]!);
        }
        return (doc) => {
          const found: Interval[] = [];
          for (const ordinal of ordinals) {
            const positions = termPositions(postings, ordinal, doc);
            if (positions !== undefined) for (const position of positions) found.push({ start: position, end: position, gaps: 0 });
          }
          return ordinals.length === 1 ? found : minimize(found);
        };
      }
      case 'or': {
        const inner = node.sources.map((child) => bind(child, budget));
        return (doc) => {
          const all = inner.flatMap((evaluate) => [...evaluate(doc)]);
          all.sort(byStartThenEnd);
          return all.filter((interval, index) => index === 0 || interval.start !== all[index - 1]!.start || interval.end !== all[index - 1]!.end);
        };
      }
      case 'ordered':
      case 'unordered': {
        const inner = node.sources.map((child) => bind(child, budget));
        const combine = node.kind === 'ordered' ? orderedIntervals : unorderedIntervals;
        return (doc) => combine(inner.map((evaluate) => evaluate(doc)), node.maxGaps, budget);
      }
      case 'filter': {
        const main = bind(node.source, budget);
        const by = bind(node.by, { steps: 0 });
        return (doc) => filterIntervals(node.filter, main(doc), by(doc));
      }
    }
  };
  const budget: Budget = { steps: 0 };
  const evaluate = bind(source, budget);
  // Candidates are a superset to test (a filter rule's terms add some): extra ones cost time, never correctness.
  return {
    candidates,
    intervals: (doc) => {
      budget.steps = 0;
      return evaluate(doc);
    },
  };
}

/** Lucene's interval frequency and saturation score. */
export function intervalsScore(intervals: readonly Interval[], extent: number, boost: number): number {
  let freq = 0;
  for (const interval of intervals) freq = Math.fround(freq + 1 / Math.max(width(interval) - extent + 1, 1));
  return Math.fround((boost * freq) / (1 + freq));
}

export class IntervalsWeight implements Weight {
  readonly children = [];
  readonly extent: number;
  constructor(readonly field: string, readonly source: IntervalSource, readonly boost: number) {
    this.extent = minExtent(source);
  }
  describe(): string {
    return `intervals ${this.field}:${describeSource(this.source)} boost=${this.boost}`;
  }
  scorer(segment: Segment): Scorer | null {
    const bound = bindSource(this.source, segment);
    if (bound.candidates.size === 0) return null;
    const docs: number[] = [];
    const scores: number[] = [];
    for (const doc of [...bound.candidates].sort((a, b) => a - b)) {
      const intervals = bound.intervals(doc);
      if (intervals.length === 0) continue;
      docs.push(doc);
      scores.push(intervalsScore(intervals, this.extent, this.boost));
    }
    if (docs.length === 0) return null;
    return new PrecomputedScorer(Int32Array.from(docs), Float64Array.from(scores), this.boost);
  }
}

export function planIntervals(node: IntervalsNode, field: string, context: PlanContext, boost: number, scoring: boolean): Weight {
  const source = buildSource(node.rule, { plan: context, field });
  if (source.kind === 'none') return new MatchNoneWeight(`intervals ${field}: no intervals`);
  return new IntervalsWeight(field, source, scoring ? Math.fround(boost * node.boost) : 0);
}
