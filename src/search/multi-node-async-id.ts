/**
 * The id of an async search submitted in a multi-node cluster (issue #14; pure). The search runs on
 * the node that coordinated the submit and its result is kept there (src/search/async-search.ts),
 * so the id names that node with the node's own async search id, as Elasticsearch's async search
 * id encodes the coordinating node's task id (async-search.html: get, status and delete are routed
 * to it). Any node can decode it and ask that node.
 */
import { errors } from '../common/errors.js';
import { encodeOpaqueId, opaqueIdBody } from './scroll.js';

export interface MultiNodeAsyncId {
  /** The node that runs (ran) the search and keeps its result. */
  readonly node: string;
  /** The id that node's async search store issued (`strait-async:` ...). */
  readonly local: string;
}

const idPrefix = 'strait-mn-async:';
const localPrefix = 'strait-async:';

export function encodeMultiNodeAsyncId(id: MultiNodeAsyncId): string {
  return encodeOpaqueId(idPrefix, JSON.stringify([id.node, id.local]));
}

/**
 * The node and local id a multi-node async search id names; undefined for any other id (one a
 * single node issued). One that claims to be ours but does not parse is Elasticsearch's 400.
 */
export function decodeMultiNodeAsyncId(id: string): MultiNodeAsyncId | undefined {
  const body = opaqueIdBody(idPrefix, id);
  if (body === undefined) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && parsed[0] !== '' && typeof parsed[1] === 'string' && opaqueIdBody(localPrefix, parsed[1]) !== undefined) {
      return { node: parsed[0], local: parsed[1] };
    }
  } catch {
    // falls through to the 400
  }
  throw errors.illegalArgument(`invalid id: [${id}]`);
}
