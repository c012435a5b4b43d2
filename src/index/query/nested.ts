/**
 * The `nested` query (pure): each object under a `nested` mapping is matched on its own, as a
 * document of its own (Elasticsearch's hidden nested Lucene documents and ToParentBlockJoinQuery).
 *
 * Nested documents are not in the shard's segments: every existing query and aggregation keeps
 * seeing parent documents only. A `NestedScope` (built by the searcher layer from the segments'
 * stored `_source`, searcher/nested-docs.ts) gives, per segment and nested path, a "level": a
 * segment of the nested documents and, per nested document, its parent document. The inner query
 * is planned against the levels' statistics and run over a level's segment; each matching nested
 * document scores its parent by `score_mode`.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-nested-query.html
 */
import { errors } from '../../common/errors.js';
import type { DocValues, FieldMappings, KeywordDocValues, Segment } from '../engine/segment.js';
import { finishNumericField } from '../engine/segment-builder.js';
import { computeShardStats } from '../engine/shard-stats.js';
import type { QueryNode } from './ast.js';
import { MatchNoneWeight, planQuery, type PlanContext, type Weight } from './plan.js';
import type { SortSpec } from './sort.js';
import { type HitCollector, Scorer, noMoreDocs } from './scorers.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

export type NestedScoreMode = 'avg' | 'max' | 'min' | 'sum' | 'none';

/** A nested query's `inner_hits`: the matching nested documents of each hit. */
export interface NestedInnerHits {
  readonly name: string | undefined;
  readonly from: number;
  readonly size: number;
  /** `_source` as given (parsed by the fetch phase's source filter parser). */
  readonly source: unknown;
  /** `version` and `seq_no_primary_term`: the parent document's, as in Elasticsearch. */
  readonly version: boolean;
  readonly seqNoPrimaryTerm: boolean;
}

export interface NestedQueryNode {
  readonly kind: 'nested';
  readonly path: string;
  readonly query: QueryNode;
  readonly scoreMode: NestedScoreMode;
  readonly ignoreUnmapped: boolean;
  readonly innerHits: NestedInnerHits | undefined;
  readonly boost: number;
}

/**
 * The nested documents of one nested path in one segment. Nested documents of one parent are
 * consecutive, and in parent order, so `childStart` describes them as ranges.
 */
export interface NestedLevel {
  readonly path: string;
  /** The nested documents as a segment (their `_source` is the nested object). */
  readonly segment: Segment;
  /** Per nested document: its parent's doc id in the segment the level was asked for. */
  readonly parentOf: Int32Array;
  /** Per doc of that segment (maxDoc + 1 entries): its first nested document. */
  readonly childStart: Int32Array;
  /** `_nested` of a nested document as inner hits render it (`{field, offset, _nested?}`), from the root document down. */
  identity(child: number): Json;
}

/** An index's nested objects, and its segments' nested documents. */
export interface NestedScope {
  /** Paths of `nested` objects. */
  readonly nestedPaths: ReadonlySet<string>;
  /** Paths of every object mapper (nested or not). */
  readonly objectPaths: ReadonlySet<string>;
  /**
   * The nested documents of `path` under `segment` (a shard segment, or a level's segment of an
   * enclosing nested path). Throws an EsError when the index cannot derive them.
   */
  level(segment: Segment, path: string): NestedLevel;
  /** `_nested` of a document of a level's segment (undefined for a shard segment's, or when the scope cannot tell). */
  identity?(segment: Segment, doc: number): Json | undefined;
}

/**
 * Scopes by the engine mappings object they belong to (registered on the main thread, where the
 * segments' `_source` is readable). A search worker has copies of the mappings and finds none.
 */
const scopes = new WeakMap<FieldMappings, NestedScope>();

export function registerNestedScope(mappings: FieldMappings, scope: NestedScope): void {
  scopes.set(mappings, scope);
}

export function nestedScopeOf(mappings: FieldMappings): NestedScope | undefined {
  return scopes.get(mappings);
}

/**
 * The scope for a query or aggregation on `path`. Without one, this is a search worker (which
 * cannot read `_source`): a plain Error makes the pool run the shard on the main thread.
 */
export function requireNestedScope(mappings: FieldMappings): NestedScope {
  const scope = scopes.get(mappings);
  if (scope === undefined) throw new Error('nested documents are derived on the main thread');
  return scope;
}

/** Elasticsearch's errors for a nested path that is not a nested object (NestedQueryBuilder, NestedAggregationBuilder). */
export function checkNestedPath(scope: NestedScope, path: string, what: string, indexName: string): boolean {
  if (scope.nestedPaths.has(path)) return true;
  if (scope.objectPaths.has(path)) throw errors.queryShard(`[${what}] nested object under path [${path}] is not of nested type`, indexName);
  throw errors.queryShard(`[${what}] failed to find nested object under path [${path}]`, indexName);
}

// ---------------------------------------------------------------------------------------------
// Parsing

const innerHitsKeys = ['name', 'from', 'size', '_source', 'version', 'seq_no_primary_term'];
/** `index.max_inner_result_window` default (the setting itself is not read: as for collapse's inner hits). */
const innerResultWindowMax = 100;

function parseInnerHits(value: unknown): NestedInnerHits {
  if (!isObject(value)) throw errors.parsing('[inner_hits] failed to parse field [inner_hits]');
  for (const key of Object.keys(value)) {
    if (key === 'sort') {
      // Inner hits are sorted by score, as by default; other sorts are not implemented.
      if (isScoreSort(value[key])) continue;
      throw errors.illegalArgument('[inner_hits] of a [nested] query: only sorting by [_score] is supported by Strait');
    }
    if (!innerHitsKeys.includes(key)) throw errors.illegalArgument(`[inner_hits] option [${key}] of a [nested] query is not supported by Strait`);
  }
  const integer = (name: string, fallback: number): number => {
    const raw = value[name];
    if (raw === undefined || raw === null) return fallback;
    const number = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(number)) throw errors.parsing(`[inner_hits] failed to parse field [${name}]`);
    return number;
  };
  const from = integer('from', 0);
  const size = integer('size', 3);
  if (from < 0) throw errors.illegalArgument(`[from] parameter cannot be negative, found [${from}]`);
  if (size < 0) throw errors.illegalArgument(`[size] parameter cannot be negative, found [${size}]`);
  const name = value['name'];
  if (name !== undefined && typeof name !== 'string') throw errors.parsing('[inner_hits] failed to parse field [name]');
  const flag = (key: string): boolean => {
    const raw = value[key];
    if (raw === undefined) return false;
    if (typeof raw !== 'boolean') throw errors.parsing(`[inner_hits] failed to parse field [${key}]`);
    return raw;
  };
  return { name, from, size, source: value['_source'], version: flag('version'), seqNoPrimaryTerm: flag('seq_no_primary_term') };
}

function isScoreSort(value: unknown): boolean {
  const items = Array.isArray(value) ? value : [value];
  return items.every((item) => {
    if (item === '_score') return true;
    if (!isObject(item) || Object.keys(item).length !== 1 || item['_score'] === undefined) return false;
    const spec = item['_score'];
    return spec === 'desc' || (isObject(spec) && (spec['order'] === undefined || spec['order'] === 'desc') && Object.keys(spec).every((key) => key === 'order'));
  });
}

const scoreModes: readonly NestedScoreMode[] = ['avg', 'max', 'min', 'sum', 'none'];

/** The parser of `nested` (and undefined for other query names), as parse.ts asks each query module. */
export function nestedQueryParser(kind: string, parseNode: (json: unknown) => QueryNode): ((body: Json) => NestedQueryNode) | undefined {
  if (kind !== 'nested') return undefined;
  return (body) => {
    let path: string | undefined;
    let query: QueryNode | undefined;
    let scoreMode: NestedScoreMode = 'avg';
    let ignoreUnmapped = false;
    let innerHits: NestedInnerHits | undefined;
    let boost = 1;
    for (const [key, value] of Object.entries(body)) {
      switch (key) {
        case 'path':
          if (typeof value !== 'string') throw errors.parsing('[nested] failed to parse field [path]');
          path = value;
          break;
        case 'query':
          query = parseNode(value);
          break;
        case 'score_mode':
          if (typeof value !== 'string' || !scoreModes.includes(value as NestedScoreMode)) throw errors.illegalArgument(`No score mode for child query [${String(value)}] found`);
          scoreMode = value as NestedScoreMode;
          break;
        case 'ignore_unmapped':
          if (value !== true && value !== false && value !== 'true' && value !== 'false') throw errors.parsing('[nested] failed to parse field [ignore_unmapped]');
          ignoreUnmapped = value === true || value === 'true';
          break;
        case 'inner_hits':
          innerHits = parseInnerHits(value);
          break;
        case 'boost': {
          const number = typeof value === 'number' ? value : Number(value);
          if (!Number.isFinite(number)) throw errors.parsing('[nested] failed to parse field [boost]');
          boost = number;
          break;
        }
        case '_name':
          break;
        default:
          throw errors.parsing(`[nested] query does not support [${key}]`);
      }
    }
    if (path === undefined) throw errors.parsing("[nested] requires 'path' field");
    if (query === undefined) throw errors.parsing("[nested] requires 'query' field");
    if (innerHits !== undefined && innerHits.from + innerHits.size > innerResultWindowMax) {
      throw errors.illegalArgument(
        `Inner result window is too large, the inner hit definition's [${innerHits.name ?? path}]'s from + size must be less than or equal to: [${innerResultWindowMax}] but was [${innerHits.from + innerHits.size}]. This limit can be set by changing the [index.max_inner_result_window] index level setting.`,
      );
    }
    return { kind: 'nested', path, query, scoreMode, ignoreUnmapped, innerHits, boost };
  };
}

// ---------------------------------------------------------------------------------------------
// Planning and scoring

/**
 * Plans a nested query: the inner query against the statistics of the nested documents of
 * `path` in every segment of the shard (Lucene's index statistics include the nested documents,
 * and only they have the nested fields), the boost passed down as ToParentBlockJoinQuery does.
 */
export function planNestedQuery(
  node: NestedQueryNode,
  context: PlanContext,
  boost: number,
  scoring: boolean,
  planInner: (query: QueryNode, context: PlanContext, boost: number, scoring: boolean) => Weight,
): Weight {
  const scope = requireNestedScope(context.mappings);
  if (!scope.nestedPaths.has(node.path) && node.ignoreUnmapped) return new MatchNoneWeight(`unmapped nested path [${node.path}]`);
  checkNestedPath(scope, node.path, 'nested', context.indexName);
  const levels = context.segments.map((segment) => scope.level(segment, node.path).segment);
  const inner = innerContext(context, levels);
  const innerScoring = scoring && node.scoreMode !== 'none';
  const weight = planInner(node.query, inner, boost * node.boost, innerScoring);
  return new NestedWeight(node, scope, weight, innerScoring, inner);
}

/** The plan context of the nested documents (their segments and statistics). */
export function innerContext(context: PlanContext, levelSegments: readonly Segment[]): PlanContext {
  return { ...context, stats: computeShardStats(levelSegments), segments: levelSegments };
}

export class NestedWeight implements Weight {
  readonly children: readonly Weight[];
  constructor(
    readonly node: NestedQueryNode,
    readonly scope: NestedScope,
    readonly inner: Weight,
    private readonly scoring: boolean,
    /** The nested documents' plan context: inner hits plan the inner query again in it, scoring. */
    readonly innerPlanContext: PlanContext,
  ) {
    this.children = [inner];
  }
  describe(): string {
    return `nested path=${this.node.path} score_mode=${this.node.scoreMode}`;
  }
  scorer(segment: Segment): Scorer | null {
    const level = this.scope.level(segment, this.node.path);
    if (level.segment.maxDoc === 0) return null;
    const child = this.inner.scorer(level.segment);
    if (child === null) return null;
    const parents: number[] = [];
    const scores: number[] = [];
    const mode = this.node.scoreMode;
    let current = -1;
    let sum = 0;
    let count = 0;
    const flush = (): void => {
      if (current < 0) return;
      parents.push(current);
      // Lucene's BlockJoinScorer: child scores summed (min/max kept) in double, then to float.
      scores.push(!this.scoring ? 0 : Math.fround(mode === 'avg' ? sum / count : sum));
    };
    for (let doc = child.nextDoc(); doc !== noMoreDocs; doc = child.nextDoc()) {
      const parent = level.parentOf[doc]!;
      const score = this.scoring ? child.score() : 0;
      if (parent !== current) {
        flush();
        current = parent;
        sum = score;
        count = 1;
        continue;
      }
      count++;
      if (mode === 'max') sum = Math.max(sum, score);
      else if (mode === 'min') sum = Math.min(sum, score);
      else sum += score;
    }
    flush();
    return parents.length === 0 ? null : new ParentListScorer(Int32Array.from(parents), Float64Array.from(scores));
  }
}

/** The nested documents of one parent that match the inner query, with their scores (inner hits). */
export function matchingChildren(weight: NestedWeight, segment: Segment, parent: number, inner: Weight = weight.inner): { readonly level: NestedLevel; readonly docs: readonly number[]; readonly scores: readonly number[] } {
  const level = weight.scope.level(segment, weight.node.path);
  const docs: number[] = [];
  const scores: number[] = [];
  const first = level.childStart[parent]!;
  const end = level.childStart[parent + 1]!;
  if (first === end) return { level, docs, scores };
  const scorer = inner.scorer(level.segment);
  if (scorer === null) return { level, docs, scores };
  for (let doc = scorer.advance(first); doc < end; doc = scorer.nextDoc()) {
    docs.push(doc);
    scores.push(scorer.score());
  }
  return { level, docs, scores };
}

/** Parent docs (ascending) with their scores. */
export class ParentListScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    const docs = this.docs;
    for (let index = this.index + 1; index < docs.length; index++) {
      const doc = docs[index]!;
      this.index = index;
      this.doc = doc;
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.scores[index]!)) return false;
    }
    this.index = docs.length;
    this.doc = noMoreDocs;
    return true;
  }
  private index = -1;
  private readonly top: number;
  constructor(
    private readonly docs: Int32Array,
    private readonly scores: Float64Array,
  ) {
    super();
    let top = 0;
    for (const score of scores) if (score > top) top = score;
    this.top = top;
  }
  nextDoc(): number {
    const index = ++this.index;
    return (this.doc = index < this.docs.length ? this.docs[index]! : noMoreDocs);
  }
  advance(target: number): number {
    const docs = this.docs;
    let low = this.index + 1;
    let high = docs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (docs[middle]! < target) low = middle + 1;
      else high = middle;
    }
    this.index = low;
    return (this.doc = low < docs.length ? docs[low]! : noMoreDocs);
  }
  score(): number {
    return this.scores[this.index]!;
  }
  cost(): number {
    return this.docs.length;
  }
  maxScore(): number {
    return this.top;
  }
}

// ---------------------------------------------------------------------------------------------
// Sorting by fields of nested objects

/**
 * Field sorts with a `nested` option read, per parent, the values of its nested documents at
 * `path` that match `filter`: the segments become views with those values as a column of their
 * own (under a name no query can reach), and each such sort reads that column; `mode` (or the
 * order's default, min ascending and max descending) picks the key as for any multi-valued field.
 * Undefined when no sort has a `nested` option.
 */
export function withNestedSortValues(segments: readonly Segment[], sort: readonly SortSpec[], context: PlanContext): { readonly segments: readonly Segment[]; readonly sort: readonly SortSpec[] } | undefined {
  if (!sort.some((spec) => spec.kind === 'field' && spec.nested !== undefined)) return undefined;
  const scope = requireNestedScope(context.mappings);
  const views = segments.map((segment) => ({ ...segment, docValues: new Map(segment.docValues), postings: new Map(segment.postings) }));
  const rewritten = sort.map((spec, position): SortSpec => {
    if (spec.kind !== 'field' || spec.nested === undefined) return spec;
    const path = spec.nested.path;
    checkNestedPath(scope, path, 'nested', context.indexName);
    if (context.mappings[spec.field]?.type === 'date_nanos') throw errors.illegalArgument(`sorting on the date_nanos field [${spec.field}] of nested objects is not supported by Strait`);
    const name = `${spec.field}\u0000nested${position}`;
    const levels = segments.map((segment) => scope.level(segment, path));
    const filter = spec.nested.filter === undefined ? undefined : planQuery(spec.nested.filter, innerContext(context, levels.map((level) => level.segment)));
    levels.forEach((level, index) => {
      const accepted = filter === undefined ? undefined : matchingDocs(filter.scorer(level.segment), level.segment.maxDoc);
      const values = level.segment.docValues.get(spec.field);
      if (values === undefined) return;
      views[index]!.docValues.set(name, parentValues(values, level, accepted, segments[index]!.maxDoc));
      const postings = level.segment.postings.get(spec.field);
      if (postings !== undefined) views[index]!.postings.set(name, postings); // keyword keys are the level's term ordinals
    });
    const { nested: _resolved, ...plain } = spec;
    return { ...plain, field: name };
  });
  return { segments: views, sort: rewritten };
}

function matchingDocs(scorer: Scorer | null, maxDoc: number): Uint8Array {
  const accepted = new Uint8Array(maxDoc);
  if (scorer !== null) for (let doc = scorer.nextDoc(); doc !== noMoreDocs; doc = scorer.nextDoc()) accepted[doc] = 1;
  return accepted;
}

/** A column over the parents: each parent's values are those of its (accepted) nested documents, ascending. */
function parentValues(values: DocValues, level: NestedLevel, accepted: Uint8Array | undefined, parentMaxDoc: number): DocValues {
  const starts = level.childStart;
  if (values.kind === 'numeric') {
    const perDoc: (number[] | undefined)[] = new Array(parentMaxDoc);
    for (let parent = 0; parent < parentMaxDoc; parent++) {
      for (let child = starts[parent]!; child < starts[parent + 1]!; child++) {
        if (accepted !== undefined && accepted[child] === 0) continue;
        for (let at = values.valueStart[child]!; at < values.valueStart[child + 1]!; at++) (perDoc[parent] ??= []).push(values.values[at]!);
      }
    }
    return finishNumericField(perDoc, parentMaxDoc);
  }
  const valueStart = new Int32Array(parentMaxDoc + 1);
  const ordinals: number[] = [];
  let singleValued = true;
  for (let parent = 0; parent < parentMaxDoc; parent++) {
    valueStart[parent] = ordinals.length;
    const own = new Set<number>();
    for (let child = starts[parent]!; child < starts[parent + 1]!; child++) {
      if (accepted !== undefined && accepted[child] === 0) continue;
      for (let at = values.valueStart[child]!; at < values.valueStart[child + 1]!; at++) own.add(values.ordinals[at]!);
    }
    if (own.size > 1) singleValued = false;
    ordinals.push(...[...own].sort((left, right) => left - right));
  }
  valueStart[parentMaxDoc] = ordinals.length;
  const column: KeywordDocValues = { kind: 'keyword', valueStart, ordinals: Int32Array.from(ordinals), singleValued };
  return column;
}
