/**
 * `_field_caps`' `index_filter` (pure): an index takes part when at least one document the caller
 * can see matches the filter. Elasticsearch skips an index when the filter rewrites to match_none
 * on its shards (a range outside the shard's values, an unmapped field, match_none); reading the
 * documents gives the same answer for those and is exact where a rewrite cannot tell (a term no
 * document holds skips the index here, where Elasticsearch would keep it).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-field-caps.html
 */
import { noMoreDocs, planQuery, type PlanContext, type QueryNode } from '../index/query/index.js';
import { isLive } from '../index/searcher/index.js';

export function anyDocumentMatches(filter: QueryNode, context: PlanContext): boolean {
  const weight = planQuery(filter, context);
  for (const segment of context.segments) {
    const scorer = weight.scorer(segment);
    if (scorer === null) continue;
    for (let doc = scorer.nextDoc(); doc !== noMoreDocs; doc = scorer.nextDoc()) if (isLive(segment, doc)) return true;
  }
  return false;
}
