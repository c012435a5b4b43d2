import type { Authentication } from './types.js';

/** What a get or invalidate API key request names, as Elasticsearch's request objects carry it. */
export interface ApiKeyRequestScope {
  /** `id` (get) or `ids` (invalidate); undefined when not given. */
  readonly ids?: readonly string[];
  readonly username?: string;
  readonly realmName?: string;
  /** The `owner` flag: only the caller's own keys. */
  readonly owner: boolean;
}

/**
 * Elasticsearch's `manage_own_api_key` rule for get and invalidate (ManageOwnApiKeyClusterPrivilege):
 * holding only that privilege, a request must scope itself to the caller, in one of three forms,
 * judged on the request alone, before any key is read:
 * 1. `owner: true` (a user; an API key may not use it);
 * 2. `username` and `realm_name` both naming the caller;
 * 3. an API key naming its own id (and only it).
 * Anything else (no parameters, an id, a name, another user, a realm alone) is a 403, even when the
 * keys it would find are the caller's own. Pure.
 */
export function ownKeyRequestAllowed(caller: Authentication, scope: ApiKeyRequestScope): boolean {
  const ids = scope.ids ?? [];
  if (ids.length === 0) return scopedToCaller(caller, undefined, scope);
  return ids.every((id) => scopedToCaller(caller, id, scope));
}

function scopedToCaller(caller: Authentication, id: string | undefined, scope: ApiKeyRequestScope): boolean {
  // An API key owns no other key: it may name only itself.
  if (caller.apiKey !== undefined) return id !== undefined && id === caller.apiKey.id;
  if (scope.owner) return true;
  if (scope.username !== undefined && scope.realmName !== undefined) {
    return scope.username === caller.user.username && scope.realmName === caller.authenticatingRealm.name;
  }
  return false;
}
