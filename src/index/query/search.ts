/**
 * Search over one shard's segments and the pure merge of shard results (style P8).
 *
 * `searchShard` plans the query against shard-level statistics, runs one scorer per segment,
 * collects the top `from + size` hits (by score with block-max pruning, or by sort keys), counts
 * hits up to `track_total_hits`, and collects aggregation partials. `mergeShardResults` merges
 * any number of shard results (in any order: the tie-break is total) into the response parts.
 * Hits name (shardKey, segmentIndex, doc) so the caller fetches `_source` and renders them.
 */
import { errors } from '../../common/errors.js';
import { limits } from '../../common/limits.js';
import { type AggregationNode, parseAggregations } from '../aggs/ast.js';
import { type AggregationContext, type Aggregator, createAggregators } from '../aggs/aggregators.js';
import type { PartialMap } from '../aggs/partials.js';
import { reduceAggregations } from '../aggs/reduce.js';
import { type FieldMappings, type NumericDocValues, type Segment } from '../engine/segment.js';
import { type ShardStats, computeShardStats } from '../engine/shard-stats.js';
import type { QueryNode } from './ast.js';
import { parseQuery } from './parse.js';
import { renderShardAggregations, takeRenderedAggregations } from './prerendered-aggregations.js';
import { type PlanContext, type Weight, planQuery } from './plan.js';
import { withNestedSortValues } from './nested.js';
import { AllDocsScorer, type HitCollector, type Scorer } from './scorers.js';
import { type SortSpec, type SortValue, applyMissing, checkSortFields, compareHits, compareSortValues, fieldSortValue, normalizeSearchAfter, parseSort, resolveSortAliases } from './sort.js';
import type { RuntimeField } from '../script/runtime-fields.js';

export interface SearchRequest {
  readonly query: QueryNode;
  readonly from: number;
  readonly size: number;
  /** Undefined: by score (ties by doc order). */
  readonly sort: readonly SortSpec[] | undefined;
  readonly searchAfter: readonly SortValue[] | undefined;
  /** true: exact; false: not tracked; a number: exact up to it, then "gte". */
  readonly trackTotalHits: boolean | number;
  readonly aggregations: readonly AggregationNode[];
  readonly minScore: number | undefined;
  readonly terminateAfter: number | undefined;
  readonly trackScores: boolean;
  /** `timeout`: collection stops after this many ms and the shard answers what it has (timed_out). */
  readonly timeoutMs?: number;
  /** `runtime_mappings`: fields computed per document for this search (script/runtime-fields.ts). */
  readonly runtimeFields?: readonly RuntimeField[];
}

export const trackTotalHitsDefault = 10_000;

/** A search's `timeout` as a clock deadline; collectors ask every 256 hits and between segments. */
class Deadline {
  private readonly at: number;
  constructor(
    timeoutMs: number | undefined,
    private readonly interrupted?: () => boolean,
  ) {
    this.at = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
  }
  passed(): boolean {
    if (this.interrupted !== undefined && this.interrupted()) return true;
    return this.at !== Infinity && performance.now() > this.at;
  }
  /** The cheap per-hit check: only every 256th hit reads the clock. */
  passedAt(totalHits: number): boolean {
    return (totalHits & 255) === 0 && this.passed();
  }
}

/** scorers.noMoreDocs, as a module-local constant for the hot loops. */
const noMoreDocs = 0x7fffffff;

type Json = Record<string, unknown>;

/**
 * The search body's query/paging/sort/aggregation parts (other keys such as `_source`,
 * `highlight`, `fields` belong to the fetch phase and are ignored here). URL parameters
 * (`from`, `size`, `sort`, `track_total_hits`) override the body when given.
 */
export function parseSearchRequest(body: unknown, overrides: { from?: number; size?: number; sort?: unknown; trackTotalHits?: boolean | number } = {}): SearchRequest {
  const json: Json = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : {};
  const integer = (value: unknown, name: string, fallback: number): number => {
    if (value === undefined || value === null) return fallback;
    const number = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(number)) throw errors.parsing(`[${name}] failed to parse field [${name}]`);
    return number;
  };
  const from = overrides.from ?? integer(json['from'], 'from', 0);
  const size = overrides.size ?? integer(json['size'], 'size', 10);
  if (from < 0) throw errors.illegalArgument(`[from] parameter cannot be negative, found [${from}]`);
  if (size < 0) throw errors.illegalArgument(`[size] parameter cannot be negative, found [${size}]`);
  if (from + size > limits.searchResultWindowMax) {
    throw errors.illegalArgument(
      `Result window is too large, from + size must be less than or equal to: [${limits.searchResultWindowMax}] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`,
    );
  }
  let trackTotalHits: boolean | number = trackTotalHitsDefault;
  const trackRaw = overrides.trackTotalHits ?? json['track_total_hits'];
  if (trackRaw === true || trackRaw === 'true') trackTotalHits = true;
  else if (trackRaw === false || trackRaw === 'false') trackTotalHits = false;
  else if (trackRaw !== undefined) {
    const number = Number(trackRaw);
    if (!Number.isInteger(number) || number < -1) throw errors.illegalArgument(`[track_total_hits] parameter must be positive or equals to -1, got ${String(trackRaw)}`);
    trackTotalHits = number === -1 ? true : number;
  }
  const sortRaw = overrides.sort ?? json['sort'];
  let sort = sortRaw === undefined ? undefined : parseSort(sortRaw);
  const aggsRaw = json['aggs'] ?? json['aggregations'];
  if (json['aggs'] !== undefined && json['aggregations'] !== undefined) throw errors.parsing('Found two aggregation definitions: [aggs] and [aggregations]'); // ES rejects both keys
  const searchAfter = json['search_after'];
  if (searchAfter !== undefined && !Array.isArray(searchAfter)) throw errors.parsing('[search_after] must be an array');
  // A sorted search through a point in time gets `_shard_doc` as its last sort key when it has none
  // (Elasticsearch's SearchRequest#rewrite: "All PIT search requests add an implicit sort tiebreaker
  // field called _shard_doc"), so that search_after pages never skip or repeat documents whose sort
  // values tie; a search_after without a value for it (one value per explicit sort) goes without.
  if (json['pit'] !== undefined && sort !== undefined && sort.length > 0) {
    const last = sort[sort.length - 1]!;
    const hasTiebreaker = last.kind === 'doc' && last.shardDoc === true;
    if (!hasTiebreaker && (searchAfter === undefined || searchAfter.length === sort.length + 1)) sort = [...sort, { kind: 'doc', order: 'asc', shardDoc: true }];
  }
  if (searchAfter !== undefined && (sort === undefined ? 1 : sort.length) !== searchAfter.length) {
    throw errors.illegalArgument(`search_after has ${searchAfter.length} value(s) but sort has ${sort === undefined ? 1 : sort.length}.`);
  }
  if (searchAfter !== undefined && from > 0) throw errors.illegalArgument('[from] parameter must be set to 0 when [search_after] is used');
  return {
    query: json['query'] === undefined ? parseQuery({ match_all: {} }) : parseQuery(json['query']),
    from,
    size,
    sort: sort === undefined || (sort.length === 1 && sort[0]!.kind === 'score' && sort[0]!.order === 'desc') ? undefined : sort,
    searchAfter: searchAfter as SortValue[] | undefined,
    trackTotalHits,
    aggregations: aggsRaw === undefined ? [] : parseAggregations(aggsRaw),
    minScore: json['min_score'] === undefined ? undefined : Number(json['min_score']),
    terminateAfter: json['terminate_after'] === undefined ? undefined : integer(json['terminate_after'], 'terminate_after', 0),
    trackScores: json['track_scores'] === true,
  };
}

export interface ShardSearchContext {
  readonly mappings: FieldMappings;
  readonly indexName: string;
  /** Orders shards (and clusters) in the merge tie-break: e.g. `${cluster}:${index}:${shard}`. */
  readonly shardKey: string;
  readonly nowMs: number;
  /** How many shards the whole request targets (terms uses shard_size = size with one). */
  readonly shardCount?: number;
  /** The filtered aliases' filter, already in the query; aggregations that look past the query (significant_terms' background) honour it. */
  readonly aliasFilter?: QueryNode | undefined;
  /**
   * Asked with the timeout: true stops collection as a passed timeout does. A search worker's
   * cancelled job answers this way, so the worker is free for the next one (its answer is dropped).
   */
  readonly interrupted?: () => boolean;
  /**
   * Each segment's `_seq_no`s by segment name (random_score over `_seq_no` reads them); set on the
   * main thread only, so a search worker asked for them hands the search back (MainThreadOnly).
   */
  readonly seqNos?: ReadonlyMap<string, ArrayLike<number>>;
  /** The index's `index.query.default_field` entries, read for this search (PlanContext.defaultFields). */
  readonly defaultFields: readonly string[];
}

export interface ShardHit {
  readonly shardKey: string;
  readonly index: string;
  readonly segmentIndex: number;
  readonly doc: number;
  /** Doc position within the shard (segment doc bases + doc): the `_doc` order. */
  readonly globalDoc: number;
  /** NaN when scores are not computed (sorted by field without track_scores). */
  readonly score: number;
  /** Present when sorted by fields: the values Elasticsearch returns in `sort`. */
  readonly sortValues: readonly SortValue[] | undefined;
}

export interface ShardResult {
  readonly shardKey: string;
  readonly totalHits: number;
  readonly totalRelation: 'eq' | 'gte';
  readonly maxScore: number;
  readonly hits: readonly ShardHit[];
  readonly aggregations: PartialMap | undefined;
  readonly terminatedEarly: boolean;
  /** The shard hit its `timeout` and answered with what it had collected. */
  readonly timedOut?: boolean;
}

/** Runs the query phase over one shard. `stats` defaults to statistics over `segments`. */
export function searchShard(segments: readonly Segment[], stats: ShardStats | undefined, original: SearchRequest, context: ShardSearchContext): ShardResult {
  // Sorting on a field alias reads its target's doc values.
  const sort = original.sort === undefined ? undefined : resolveSortAliases(original.sort, context.mappings);
  const request: SearchRequest = sort === original.sort ? original : { ...original, sort };
  const shardStats = stats ?? computeShardStats(segments);
  const planContext: PlanContext = {
    stats: shardStats,
    segments,
    mappings: context.mappings,
    nowMs: context.nowMs,
    indexName: context.indexName,
    defaultFields: context.defaultFields,
    ...(context.seqNos === undefined ? {} : { seqNos: context.seqNos }),
  };
  const weight = planQuery(request.query, planContext);
  if (request.sort !== undefined) checkSortFields(request.sort, context.mappings, context.indexName);
  // Sorts on fields of nested objects read a column derived from the nested documents (nested.ts).
  const nestedSort = request.sort === undefined ? undefined : withNestedSortValues(segments, request.sort, planContext);
  const aggregationContext: AggregationContext = {
    mappings: context.mappings,
    indexName: context.indexName,
    nowMs: context.nowMs,
    stats: shardStats,
    segments,
    shardKey: context.shardKey,
    shardCount: context.shardCount ?? 1,
    aliasFilter: context.aliasFilter,
    defaultFields: context.defaultFields,
  };
  const aggregators = createAggregators(request.aggregations, aggregationContext);
  const result =
    request.sort === undefined
      ? collectByScore(segments, weight, request, context, aggregators)
      : nestedSort === undefined
        ? collectBySort(segments, weight, request, context, aggregators)
        : collectBySort(nestedSort.segments, weight, { ...request, sort: nestedSort.sort }, context, aggregators);
  let aggregations: PartialMap | undefined;
  if (aggregators.length > 0) {
    for (const aggregator of aggregators) aggregator.finish();
    const partials: Record<string, ReturnType<Aggregator['partial']>> = {};
    for (const aggregator of aggregators) partials[aggregator.name] = aggregator.partial(0);
    aggregations = partials;
  }
  return { ...result, aggregations };
}

function threshold(request: SearchRequest): number {
  if (request.trackTotalHits === true) return Infinity;
  if (request.trackTotalHits === false) return 0;
  return request.trackTotalHits;
}

/**
 * The top-hits-by-score collector: a binary min-heap of (score, shard doc) in typed arrays whose
 * root is the worst kept hit; hit counting up to track_total_hits; aggregation feeding; and
 * block-max pruning (it raises the scorer's minimum competitive score) once counting may stop.
 * Scorers drive it through `Scorer.scoreAll`, so the per-doc loop runs inside each scorer class
 * with monomorphic calls.
 */
export class ScoreCollector implements HitCollector {
  readonly heapScores: Float64Array;
  readonly heapDocs: Float64Array;
  readonly heapSegments: Int32Array;
  heapSize = 0;
  totalHits = 0;
  maxScore = -Infinity;
  pruning = false;
  terminatedEarly = false;
  timedOut = false;
  deadline = new Deadline(undefined);
  private scorer: Scorer | null = null;
  private docBase = 0;
  private segmentIndex = 0;
  private readonly afterScore: number;
  private readonly terminateAfter: number;
  private readonly minScore: number;
  private readonly canPrune: boolean;
  constructor(
    readonly capacity: number,
    private readonly countLimit: number,
    request: SearchRequest,
    private readonly aggregators: readonly Aggregator[],
  ) {
    const size = Math.max(1, capacity);
    this.heapScores = new Float64Array(size);
    this.heapDocs = new Float64Array(size);
    this.heapSegments = new Int32Array(size);
    this.afterScore = request.searchAfter === undefined ? Infinity : Number(request.searchAfter[0]);
    this.terminateAfter = request.terminateAfter ?? Infinity;
    this.minScore = request.minScore ?? -Infinity;
    this.canPrune = aggregators.length === 0 && request.minScore === undefined && request.searchAfter === undefined;
    this.checkAt = Math.min(this.terminateAfter, this.canPrune ? countLimit + 1 : Infinity);
  }

  setSegment(scorer: Scorer, segmentIndex: number, docBase: number): void {
    this.scorer = scorer;
    this.segmentIndex = segmentIndex;
    this.docBase = docBase;
    if (this.pruning && this.heapSize === this.capacity) scorer.setMinCompetitiveScore(this.heapScores[0]!);
  }

  /** Returns false when the search must stop (terminate_after, or the count alone was asked and is known). */
  collect(doc: number, score: number): boolean {
    if (score < this.minScore) return true;
    const totalHits = ++this.totalHits;
    if (this.deadline.passedAt(totalHits)) {
      this.timedOut = true;
      return false;
    }
    if (this.aggregators.length > 0) this.collectAggregations(doc, score);
    if (score > this.maxScore) this.maxScore = score;
    if (this.heapSize === this.capacity) {
      if (score > this.heapScores[0]! && score < this.afterScore && this.capacity > 0) {
        this.heapScores[0] = score;
        this.heapDocs[0] = this.docBase + doc;
        this.heapSegments[0] = this.segmentIndex;
        this.siftDown(0);
        if (this.pruning) this.scorer!.setMinCompetitiveScore(this.heapScores[0]!);
      }
    } else if (score < this.afterScore) {
      const slot = this.heapSize++;
      this.heapScores[slot] = score;
      this.heapDocs[slot] = this.docBase + doc;
      this.heapSegments[slot] = this.segmentIndex;
      this.siftUp(slot);
    }
    return totalHits < this.checkAt ? true : this.checkLimits(totalHits);
  }

  /** The count at which `checkLimits` must run (terminate_after or the track_total_hits threshold). */
  private checkAt: number;

  private checkLimits(totalHits: number): boolean {
    if (totalHits >= this.terminateAfter) {
      this.terminatedEarly = true;
      return false;
    }
    if (!this.pruning && this.canPrune && totalHits > this.countLimit) {
      if (this.capacity === 0) return false; // the count passed the threshold and no hits are wanted
      if (this.heapSize === this.capacity) {
        this.pruning = true;
        this.scorer!.setMinCompetitiveScore(this.heapScores[0]!);
        this.checkAt = this.terminateAfter;
      }
    }
    return true;
  }

  private collectAggregations(doc: number, score: number): void {
    const aggregators = this.aggregators;
    for (let index = 0; index < aggregators.length; index++) aggregators[index]!.collect(doc, 0, score);
  }

  /** Heap order: a is worse than b (lower score; equal scores: the later doc). */
  private worse(a: number, b: number): boolean {
    const scoreA = this.heapScores[a]!;
    const scoreB = this.heapScores[b]!;
    return scoreA < scoreB || (scoreA === scoreB && this.heapDocs[a]! > this.heapDocs[b]!);
  }
  private siftUp(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.worse(index, parent)) return;
      this.swap(index, parent);
      index = parent;
    }
  }
  private siftDown(index: number): void {
    for (;;) {
      const left = 2 * index + 1;
      if (left >= this.heapSize) return;
      const right = left + 1;
      const worst = right < this.heapSize && this.worse(right, left) ? right : left;
      if (!this.worse(worst, index)) return;
      this.swap(index, worst);
      index = worst;
    }
  }
  private swap(left: number, right: number): void {
    const scores = this.heapScores;
    const docs = this.heapDocs;
    const segments = this.heapSegments;
    const score = scores[left]!;
    scores[left] = scores[right]!;
    scores[right] = score;
    const doc = docs[left]!;
    docs[left] = docs[right]!;
    docs[right] = doc;
    const segment = segments[left]!;
    segments[left] = segments[right]!;
    segments[right] = segment;
  }
}

function collectByScore(segments: readonly Segment[], weight: Weight, request: SearchRequest, context: ShardSearchContext, aggregators: readonly Aggregator[]): Omit<ShardResult, 'aggregations'> {
  const capacity = request.from + request.size;
  const countLimit = threshold(request);
  const collector = new ScoreCollector(capacity, countLimit, request, aggregators);
  collector.deadline = new Deadline(request.timeoutMs, context.interrupted);
  let docBase = 0;
  for (let segmentIndex = 0; segmentIndex < segments.length; segmentIndex++) {
    const segment = segments[segmentIndex]!;
    if ((collector.timedOut ||= collector.deadline.passed())) break;
    for (const aggregator of aggregators) aggregator.setSegment(segment, segmentIndex, docBase);
    const scorer = weight.scorer(segment);
    if (
      scorer instanceof AllDocsScorer &&
      capacity === 0 &&
      segment.liveDocs === null &&
      request.minScore === undefined &&
      request.terminateAfter === undefined &&
      aggregators.length > 0
    ) {
      // match_all with size 0: aggregations read whole columns; every doc is a hit.
      const score = scorer.score();
      for (const aggregator of aggregators) aggregator.collectAllDocs(segment.maxDoc, score);
      collector.totalHits += segment.maxDoc;
      if (segment.maxDoc > 0 && score > collector.maxScore) collector.maxScore = score;
    } else if (scorer !== null) {
      collector.setSegment(scorer, segmentIndex, docBase);
      if (!scorer.scoreAll(collector, segment.liveDocs)) break;
    }
    docBase += segment.maxDoc;
  }
  const { heapScores, heapDocs, heapSegments, heapSize } = collector;
  const order = Array.from({ length: heapSize }, (_, index) => index).sort((left, right) => heapScores[right]! - heapScores[left]! || heapDocs[left]! - heapDocs[right]!);
  const segmentBases = docBases(segments);
  const hits: ShardHit[] = order.map((index) => {
    const segmentIndex = heapSegments[index]!;
    const globalDoc = heapDocs[index]!;
    return { shardKey: context.shardKey, index: context.indexName, segmentIndex, doc: globalDoc - segmentBases[segmentIndex]!, globalDoc, score: heapScores[index]!, sortValues: undefined };
  });
  const relation = collector.totalHits > countLimit ? 'gte' : 'eq';
  return {
    shardKey: context.shardKey,
    totalHits: collector.totalHits,
    totalRelation: relation,
    maxScore: capacity === 0 ? NaN : collector.maxScore,
    hits,
    terminatedEarly: collector.terminatedEarly,
    ...(collector.timedOut ? { timedOut: true } : {}),
  };
}

function docBases(segments: readonly Segment[]): number[] {
  const bases: number[] = [];
  let base = 0;
  for (const segment of segments) {
    bases.push(base);
    base += segment.maxDoc;
  }
  return bases;
}

interface SortedCandidate {
  readonly segmentIndex: number;
  readonly doc: number;
  readonly globalDoc: number;
  readonly score: number;
  readonly keys: SortValue[];
}

/** Compares candidates by sort keys, then shard order, then doc order. */
function compareBySort(left: { keys: readonly SortValue[]; shardKey?: string; globalDoc: number }, right: { keys: readonly SortValue[]; shardKey?: string; globalDoc: number }, sort: readonly SortSpec[]): number {
  for (let index = 0; index < sort.length; index++) {
    const compared = compareSortValues(left.keys[index]!, right.keys[index]!, sort[index]!);
    if (compared !== 0) return compared;
  }
  if (left.shardKey !== undefined && right.shardKey !== undefined && left.shardKey !== right.shardKey) return left.shardKey < right.shardKey ? -1 : 1;
  return left.globalDoc - right.globalDoc;
}

/** Collects candidates by sort keys (no pruning): keeps about 2 × (from + size), trimming by sort order. */
class SortCollector implements HitCollector {
  candidates: SortedCandidate[] = [];
  totalHits = 0;
  maxScore = -Infinity;
  terminatedEarly = false;
  timedOut = false;
  deadline = new Deadline(undefined);
  private segment: Segment | null = null;
  private segmentIndex = 0;
  private docBase = 0;
  private worst: SortedCandidate | undefined;
  private readonly terminateAfter: number;
  constructor(
    private readonly sort: readonly SortSpec[],
    private readonly capacity: number,
    private readonly request: SearchRequest,
    private readonly aggregators: readonly Aggregator[],
    private readonly after: readonly SortValue[] | undefined,
  ) {
    this.terminateAfter = request.terminateAfter ?? Infinity;
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    this.segment = segment;
    this.segmentIndex = segmentIndex;
    this.docBase = docBase;
    const spec = this.sort[0]!;
    const values = spec.kind === 'field' ? segment.docValues.get(spec.field) : undefined;
    // The cheap first-key rejection reads raw numbers: not for nanosecond keys or converted types.
    this.firstNumeric = values !== undefined && values.kind === 'numeric' && values.nanos === undefined && spec.kind === 'field' && spec.numericType === undefined ? values : null;
    this.firstUsesMax = spec.kind === 'field' && (spec.mode === 'max' || (spec.mode === undefined && spec.order === 'desc'));
  }
  private firstNumeric: NumericDocValues | null = null;
  private firstUsesMax = false;
  collect(doc: number, score: number): boolean {
    if (this.request.minScore !== undefined && score < this.request.minScore) return true;
    this.totalHits++;
    if (score > this.maxScore) this.maxScore = score;
    for (let index = 0; index < this.aggregators.length; index++) this.aggregators[index]!.collect(doc, 0, score);
    if (this.capacity > 0) {
      const sort = this.sort;
      const segment = this.segment!;
      const worst = this.worst;
      if (worst !== undefined && this.candidates.length >= this.capacity) {
        // Cheap rejection on the first key before building the candidate.
        const spec = sort[0]!;
        let firstKey: SortValue;
        const numeric = this.firstNumeric;
        if (numeric !== null) {
          const from = numeric.valueStart[doc]!;
          const to = numeric.valueStart[doc + 1]!;
          firstKey = from === to ? applyMissing(null, spec) : numeric.values[this.firstUsesMax ? to - 1 : from]!;
        } else firstKey = applyMissing(spec.kind === 'score' ? score : spec.kind === 'doc' ? (spec.base ?? 0) + this.docBase + doc : fieldSortValue(segment, spec, doc, score), spec);
        if (compareSortValues(firstKey, worst.keys[0]!, spec) > 0) return this.countAndContinue();
      }
      const keys = sort.map((spec) => applyMissing(spec.kind === 'score' ? score : spec.kind === 'doc' ? (spec.base ?? 0) + this.docBase + doc : fieldSortValue(segment, spec, doc, score), spec));
      const candidate: SortedCandidate = { segmentIndex: this.segmentIndex, doc, globalDoc: this.docBase + doc, score, keys };
      const passes = this.after === undefined || compareBySort({ keys, globalDoc: 0 }, { keys: this.after, globalDoc: 0 }, sort) > 0;
      if (passes && (this.worst === undefined || this.candidates.length < this.capacity || compareBySort(candidate, this.worst, sort) < 0)) {
        this.candidates.push(candidate);
        if (this.candidates.length >= this.capacity * 2 + 64) {
          this.candidates.sort((left, right) => compareBySort(left, right, sort));
          this.candidates.length = this.capacity;
          this.worst = this.candidates[this.capacity - 1];
        }
      }
    }
    return this.countAndContinue();
  }
  private countAndContinue(): boolean {
    if (this.deadline.passedAt(this.totalHits)) {
      this.timedOut = true;
      return false;
    }
    if (this.totalHits >= this.terminateAfter) {
      this.terminatedEarly = true;
      return false;
    }
    return true;
  }
}

function collectBySort(segments: readonly Segment[], weight: Weight, request: SearchRequest, context: ShardSearchContext, aggregators: readonly Aggregator[]): Omit<ShardResult, 'aggregations'> {
  const sort = request.sort!;
  const capacity = request.from + request.size;
  const countLimit = threshold(request);
  const after = request.searchAfter?.map((value, index) => normalizeSearchAfter(value, sort[index]!, context.mappings));
  const collector = new SortCollector(sort, capacity, request, aggregators, after);
  collector.deadline = new Deadline(request.timeoutMs, context.interrupted);
  let docBase = 0;
  for (let segmentIndex = 0; segmentIndex < segments.length; segmentIndex++) {
    const segment = segments[segmentIndex]!;
    if ((collector.timedOut ||= collector.deadline.passed())) break;
    for (const aggregator of aggregators) aggregator.setSegment(segment, segmentIndex, docBase);
    const scorer = weight.scorer(segment);
    if (scorer !== null) {
      collector.setSegment(segment, segmentIndex, docBase);
      if (!scorer.scoreAll(collector, segment.liveDocs)) break;
    }
    docBase += segment.maxDoc;
  }
  const candidates = collector.candidates.sort((left, right) => compareBySort(left, right, sort)).slice(0, capacity);
  const keepScores = request.trackScores || sort.some((spec) => spec.kind === 'score');
  const hits: ShardHit[] = candidates.map((candidate) => ({
    shardKey: context.shardKey,
    index: context.indexName,
    segmentIndex: candidate.segmentIndex,
    doc: candidate.doc,
    globalDoc: candidate.globalDoc,
    score: keepScores ? candidate.score : NaN,
    sortValues: candidate.keys,
  }));
  const relation = collector.totalHits > countLimit ? 'gte' : 'eq';
  return {
    shardKey: context.shardKey,
    totalHits: collector.totalHits,
    totalRelation: relation,
    maxScore: request.trackScores ? collector.maxScore : NaN,
    hits,
    terminatedEarly: collector.terminatedEarly,
    ...(collector.timedOut ? { timedOut: true } : {}),
  };
}

export interface MergedSearchResult {
  /** Undefined when track_total_hits is false. */
  readonly total: { readonly value: number; readonly relation: 'eq' | 'gte' } | undefined;
  readonly maxScore: number | null;
  /** The page: from..from+size of the merged order. */
  readonly hits: readonly ShardHit[];
  readonly aggregations: Record<string, unknown> | undefined;
  readonly terminatedEarly: boolean;
  readonly timedOut: boolean;
}

/**
 * Merges shard results (any order gives the same answer). Each shard returns its top
 * from + size hits; the merged page skips `from`. `aggregations` is rendered in Elasticsearch's
 * shape. Partial reduces for cross-cluster search use `mergeAggregationPartials`.
 */
export function mergeShardResults(results: readonly ShardResult[], request: SearchRequest): MergedSearchResult {
  const countLimit = threshold(request);
  let totalHits = 0;
  let gte = false;
  let maxScore = -Infinity;
  for (const result of results) {
    totalHits += result.totalHits;
    if (result.totalRelation === 'gte') gte = true;
    if (result.maxScore > maxScore) maxScore = result.maxScore;
  }
  let total: MergedSearchResult['total'];
  if (request.trackTotalHits !== false) {
    total = gte || totalHits > countLimit ? { value: Math.min(totalHits, countLimit), relation: 'gte' } : { value: totalHits, relation: 'eq' };
  }
  const all = results.flatMap((result) => result.hits);
  const sort = request.sort;
  all.sort((left, right) => compareHits(left, right, sort));
  const hits = all.slice(request.from, request.from + request.size);
  const aggregations =
    request.aggregations.length === 0
      ? undefined
      : (takeRenderedAggregations(results, request.aggregations) ?? renderShardAggregations(request.aggregations, results.map((result) => result.aggregations ?? {})));
  return {
    total,
    maxScore: Number.isFinite(maxScore) && !Number.isNaN(maxScore) ? maxScore : null,
    hits,
    aggregations,
    terminatedEarly: results.some((result) => result.terminatedEarly),
    timedOut: results.some((result) => result.timedOut === true),
  };
}

/** The partial (non-rendered) reduce, for a coordinator that merges again later (CCS). */
export function mergeAggregationPartials(nodes: readonly AggregationNode[], parts: readonly PartialMap[]): PartialMap {
  return reduceAggregations(nodes, parts);
}
