/**
 * The IO side of `more_like_this`: reads the `_source` of liked stored documents (`{_index, _id}`
 * items) for the query's planner, with the caller's read authorization and document/field level
 * security, as Elasticsearch fetches them through a get as the caller.
 */
import { getDocument, readRestrictionFor } from '../index/documents.js';
import type { IndicesService } from '../index/indices-service.js';
import { fetchWholeSource } from '../index/source-filter.js';
import { bindMoreLikeThisLookup } from '../index/query/more-like-this.js';
import type { QueryNode } from '../index/query/ast.js';
import type { SearchAuthorizer } from './search-service.js';

const getAction = 'indices:data/read/get';

/** Binds a document lookup to the `more_like_this` clauses of these queries. */
export function bindMoreLikeThisDocuments(queries: readonly (QueryNode | undefined)[], service: IndicesService, access: SearchAuthorizer): void {
  const lookup = (index: string, id: string): unknown => {
    access.indices(getAction, [index]);
    const restriction = readRestrictionFor(service, access, getAction, index);
    const outcome = getDocument(service, { index, id, sourceFilter: fetchWholeSource, ...(restriction !== undefined ? { restriction } : {}) });
    return outcome.found ? outcome.source : undefined;
  };
  for (const query of queries) bindMoreLikeThisLookup(query, lookup);
}
