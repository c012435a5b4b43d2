/**
 * The `nested` and `reverse_nested` aggregations (single bucket, Elasticsearch's
 * NestedAggregator and ReverseNestedAggregator). `nested` feeds its sub-aggregations the nested
 * documents of `path` of each collected document, counting them; `reverse_nested`, inside it,
 * feeds its sub-aggregations the parents (at `path`, or the root documents) of the collected
 * nested documents, each parent once per bucket, counting them. Sub-aggregations run over the
 * level's segments (query/nested.ts), with that level's statistics.
 *
 * References: search-aggregations-bucket-nested-aggregation.html,
 * search-aggregations-bucket-reverse-nested-aggregation.html
 */
import { errors } from '../../common/errors.js';
import type { Segment } from '../engine/segment.js';
import { computeShardStats } from '../engine/shard-stats.js';
import { requireNestedScope, type NestedScope } from '../query/nested.js';
import type { Aggregator, AggregationContext } from './aggregators.js';
import type { AggregationPartial, PartialMap } from './partials.js';

/** Where an aggregation context stands among nested levels (absent: the root documents). */
export interface NestedAggregationLevel {
  /** The nested path whose documents this context's segments hold. */
  readonly path: string;
  /** The enclosing contexts, outermost (the root documents') first. */
  readonly parents: readonly AggregationContext[];
}

class Counts {
  private array = new Float64Array(8);
  add(bucket: number, count: number): void {
    if (bucket >= this.array.length) {
      const grown = new Float64Array(Math.max(bucket + 1, this.array.length * 2));
      grown.set(this.array);
      this.array = grown;
    }
    this.array[bucket]! += count;
  }
  get(bucket: number): number {
    return bucket < this.array.length ? this.array[bucket]! : 0;
  }
}

function subPartials(subs: readonly Aggregator[], bucket: number): PartialMap {
  const result: Record<string, AggregationPartial> = {};
  for (const sub of subs) result[sub.name] = sub.partial(bucket);
  return result;
}

/** A context over other segments (a nested level's, or an ancestor's), with their statistics. */
function contextOver(context: AggregationContext, segments: readonly Segment[], nested: NestedAggregationLevel | undefined): AggregationContext {
  const { nested: _dropped, ...rest } = context;
  return { ...rest, segments, stats: computeShardStats(segments), ...(nested === undefined ? {} : { nested }) };
}

export function createNestedAggregator(name: string, path: string, context: AggregationContext, createSubs: (context: AggregationContext) => Aggregator[]): Aggregator {
  const scope = requireNestedScope(context.mappings);
  if (!scope.nestedPaths.has(path)) {
    // An unmapped path collects nothing (Elasticsearch's unmapped nested aggregator); an object that is not nested is an error.
    if (scope.objectPaths.has(path)) throw errors.aggregationExecution(`[nested] nested path [${path}] is not nested`);
    return new NestedAggregator(name, path, scope, [], undefined);
  }
  const levels = context.segments.map((segment) => scope.level(segment, path).segment);
  const parents = [...(context.nested?.parents ?? []), context];
  return new NestedAggregator(name, path, scope, createSubs(contextOver(context, levels, { path, parents })), levels);
}

class NestedAggregator implements Aggregator {
  private readonly counts = new Counts();
  private childStart: Int32Array | undefined;
  private childDocBase = 0;
  constructor(
    readonly name: string,
    private readonly path: string,
    private readonly scope: NestedScope,
    private readonly subs: readonly Aggregator[],
    /** Per segment of the context: its level segment (undefined: the path is unmapped). */
    private readonly levels: readonly Segment[] | undefined,
  ) {}
  setSegment(segment: Segment, segmentIndex: number): void {
    if (this.levels === undefined) return;
    const level = this.scope.level(segment, this.path);
    this.childStart = level.childStart;
    for (const sub of this.subs) sub.setSegment(level.segment, segmentIndex, this.childDocBase);
    this.childDocBase += level.segment.maxDoc;
  }
  collect(doc: number, bucket: number, score: number): void {
    const starts = this.childStart;
    if (starts === undefined) return;
    const first = starts[doc]!;
    const end = starts[doc + 1]!;
    if (first === end) return;
    this.counts.add(bucket, end - first);
    const subs = this.subs;
    for (let child = first; child < end; child++) for (let index = 0; index < subs.length; index++) subs[index]!.collect(child, bucket, score);
  }
  collectAllDocs(maxDoc: number, score: number): void {
    for (let doc = 0; doc < maxDoc; doc++) this.collect(doc, 0, score);
  }
  finish(): void {
    for (const sub of this.subs) sub.finish();
  }
  partial(bucket: number): AggregationPartial {
    return { type: 'single_bucket', docCount: this.counts.get(bucket), aggs: subPartials(this.subs, bucket) };
  }
}

export function createReverseNestedAggregator(name: string, path: string | undefined, context: AggregationContext, createSubs: (context: AggregationContext) => Aggregator[]): Aggregator {
  const nested = context.nested;
  if (nested === undefined) throw errors.illegalArgument(`Reverse nested aggregation [${name}] can only be used inside a [nested] aggregation`);
  const scope = requireNestedScope(context.mappings);
  let target: AggregationContext;
  if (path === undefined) target = nested.parents[0]!;
  else {
    if (!scope.nestedPaths.has(path)) {
      if (scope.objectPaths.has(path)) throw errors.aggregationExecution(`[reverse_nested] nested path [${path}] is not nested`);
      return new ReverseNestedAggregator(name, nested.path, scope, [], undefined);
    }
    const found = nested.parents.find((parent) => parent.nested?.path === path);
    if (found === undefined) throw errors.aggregationExecution(`[reverse_nested] nested path [${path}] is not a parent of the nested path [${nested.path}]`);
    target = found;
  }
  return new ReverseNestedAggregator(name, nested.path, scope, createSubs(target), target.segments);
}

class ReverseNestedAggregator implements Aggregator {
  private readonly counts = new Counts();
  /** Per bucket: the parent collected last (children arrive in doc order, so a parent's are consecutive). */
  private lastParent = new Map<number, number>();
  private parentOf: Int32Array | undefined;
  private targetDocBase = 0;
  constructor(
    readonly name: string,
    /** The nested path of the documents collected. */
    private readonly path: string,
    private readonly scope: NestedScope,
    private readonly subs: readonly Aggregator[],
    /** Per segment: the target level's segment (undefined: the path is unmapped). */
    private readonly targets: readonly Segment[] | undefined,
  ) {}
  setSegment(_segment: Segment, segmentIndex: number): void {
    this.lastParent = new Map();
    const target = this.targets?.[segmentIndex];
    if (target === undefined) {
      this.parentOf = undefined;
      return;
    }
    this.parentOf = this.scope.level(target, this.path).parentOf;
    for (const sub of this.subs) sub.setSegment(target, segmentIndex, this.targetDocBase);
    this.targetDocBase += target.maxDoc;
  }
  collect(doc: number, bucket: number, score: number): void {
    const parentOf = this.parentOf;
    if (parentOf === undefined) return;
    const parent = parentOf[doc]!;
    if (this.lastParent.get(bucket) === parent) return;
    this.lastParent.set(bucket, parent);
    this.counts.add(bucket, 1);
    for (const sub of this.subs) sub.collect(parent, bucket, score);
  }
  collectAllDocs(maxDoc: number, score: number): void {
    for (let doc = 0; doc < maxDoc; doc++) this.collect(doc, 0, score);
  }
  finish(): void {
    for (const sub of this.subs) sub.finish();
  }
  partial(bucket: number): AggregationPartial {
    return { type: 'single_bucket', docCount: this.counts.get(bucket), aggs: subPartials(this.subs, bucket) };
  }
}
