/** Who made a request, as `GET /_security/_authenticate` shows it. */
export interface AuthenticatedUser {
  readonly username: string;
  readonly roles: readonly string[];
  readonly fullName: string | null;
  readonly email: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
}

export interface RealmRef {
  readonly name: string; // 'reserved', 'default_native', '_es_api_key'
  readonly type: string; // 'reserved', 'native', '_es_api_key'
}

export interface ApiKeyRef {
  readonly id: string;
  readonly name: string | null;
  /** 'rest' or 'cross_cluster'. */
  readonly type: 'rest' | 'cross_cluster';
}

export interface Authentication {
  readonly user: AuthenticatedUser;
  readonly authenticatingRealm: RealmRef;
  readonly lookupRealm: RealmRef;
  /** 'realm' | 'api_key' | 'token' | 'anonymous' | 'internal', as Elasticsearch names it. */
  readonly authenticationType: 'realm' | 'api_key' | 'anonymous' | 'token' | 'internal';
  readonly apiKey?: ApiKeyRef;
  /** A service account's token (`authentication_type: token`). */
  readonly serviceToken?: { readonly name: string; readonly type: string };
}

import type { IncomingHttpHeaders } from 'node:http';
import type { RequestAuthorizer, Route } from '../http/route.js';

/**
 * What the REST pipeline needs from the security layer. With `xpack.security.enabled: false`
 * the node uses an implementation that authenticates everyone as an anonymous superuser.
 */
export interface SecurityService {
  readonly enabled: boolean;
  /** Resolves the caller from the Authorization header; throws a 401 EsError (with WWW-Authenticate). */
  authenticate(headers: IncomingHttpHeaders, path?: string): Promise<Authentication>;
  /** The authorization checks for one authenticated caller. Throws 403 EsErrors naming action and user. */
  authorizer(authentication: Authentication): RequestAuthorizer;
  /** The `/_security/...` REST routes. */
  routes(): readonly Route[];
}
