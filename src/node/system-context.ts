/**
 * The request context of work a node does for another node of its cluster (multi-node mode): the
 * coordinating node authorized the caller already, and what travels is only what it decided (a
 * read restriction, a task id). The `_system` user carries no roles and is never a REST caller.
 */
import type { RequestAuthorizer, RequestContext } from '../http/route.js';

export const SYSTEM_AUTHENTICATION: RequestContext['authentication'] = {
  user: { username: '_system', roles: [], fullName: null, email: null, metadata: {}, enabled: true },
  authenticatingRealm: { name: '__attach', type: '__attach' },
  lookupRealm: { name: '__attach', type: '__attach' },
  authenticationType: 'internal',
};

/** Allows everything: for requests the coordinating node authorized. */
export const ALLOW_ALL: RequestAuthorizer = { cluster: () => undefined, indices: () => undefined, allowsIndex: () => true };

export const SYSTEM_CONTEXT: RequestContext = { authentication: SYSTEM_AUTHENTICATION, authorize: ALLOW_ALL };
