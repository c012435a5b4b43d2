export { type AggregationNode, type AggregationKind, type BucketOrder, type CalendarUnit, parseAggregations } from './ast.js';
export { type AggregationContext, Aggregator, createAggregators } from './aggregators.js';
export { reduceAggregations, renderAggregations, javaDoubleString } from './reduce.js';
export type { AggregationPartial, PartialMap, TermsBucketPartial, TopHitPartial } from './partials.js';
