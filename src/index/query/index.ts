export type { QueryNode, QueryKind, Nodes, TermValue, FieldBoost } from './ast.js';
export { parseQuery } from './parse.js';
export { namedQueries } from './named-queries.js';
export { planQuery, explainPlan, bm25For, bm25Idf, bm25K1, bm25B, resolveMinimumShouldMatch, type PlanContext, type Weight } from './plan.js';
// The weight classes, read (never built) by the score explanations of src/search/explain.ts.
export { BoolWeight, ConstantScoreWeight, DisMaxWeight, DocSetWeight, MatchAllWeight, MatchNoneWeight, PhraseWeight, SynonymWeight, TermWeight } from './plan.js';
export { Scorer, noMoreDocs, PhraseScorer, TermScorer, TermUnionScorer } from './scorers.js';
export { parseSort, fielddataDisabled, type SortSpec, type SortValue, type SortOrder } from './sort.js';
export { evaluateDateMath, parseDate, formatDate, isValidTimeZone, DateParseError } from './date-math.js';
export {
  parseSearchRequest,
  searchShard,
  mergeShardResults,
  mergeAggregationPartials,
  trackTotalHitsDefault,
  type SearchRequest,
  type ShardSearchContext,
  type ShardHit,
  type ShardResult,
  type MergedSearchResult,
} from './search.js';
export { matchingChildren, nestedScopeOf, registerNestedScope, NestedWeight, type NestedLevel, type NestedScope, type NestedInnerHits, type NestedQueryNode } from './nested.js';
