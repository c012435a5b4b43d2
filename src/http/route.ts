import type { IncomingHttpHeaders } from 'node:http';
import type { Authentication } from '../security/types.js';
import type { ReadRestriction } from '../index/source-filter.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';

/** A parsed REST request as every route handler sees it. */
export interface RestRequest {
  readonly method: HttpMethod;
  /** The path without the query string, still percent-encoded. */
  readonly rawPath: string;
  /** Route parameters, each percent-decoded (`/books%2Clogs/_search` → `index: 'books,logs'`). */
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters, decoded. The 9.x client sends some parameters in the body instead. */
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The body bytes, gunzipped; undefined when there is none. */
  readonly body: Buffer | undefined;
  /** The body decoded as UTF-8 ('' without a body). Throws a 400 EsError for malformed UTF-8, never substitutes U+FFFD. */
  text(): string;
  /** The body parsed as one JSON value; undefined without a body. Throws a 400 EsError when malformed. */
  json(): unknown;
  /** The body parsed as NDJSON lines (bulk, msearch). Throws a 400 EsError when a line is malformed. */
  ndjson(): unknown[];
  readonly opaqueId: string | undefined;
}

export interface RestResponse {
  readonly status: number;
  /** A JSON value, or a string for text responses (`_cat`), or undefined for no body (HEAD). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Set for non-JSON bodies, for example 'text/plain; charset=UTF-8'. */
  readonly contentType?: string;
}

/**
 * Authorization duties of the request pipeline. Routes call these for targets known only after
 * reading the body (bulk items, mget docs); the pipeline itself checks `route.action` first.
 */
export interface RequestAuthorizer {
  /** Throws a 403 EsError unless the caller may perform this cluster action. */
  cluster(action: string): void;
  /** Throws a 403 EsError unless the caller may perform this index action on every named index. */
  indices(action: string, indices: readonly string[]): void;
  /** True when the caller may perform this index action on this index (no throw). */
  allowsIndex(action: string, index: string): boolean;
  /** Document and field level security on this index for this action (undefined: none). */
  readRestriction?(action: string, index: string, aliases?: readonly string[]): ReadRestriction | undefined;
  /**
   * The targets live on remote clusters, which authorize them (cross-cluster search): marks the
   * request's targets as handled without a local index check.
   */
  delegateToRemote?(): void;
}

export interface RequestContext {
  readonly authentication: Authentication;
  readonly authorize: RequestAuthorizer;
}

/**
 * How the pipeline authorizes a route before calling its handler.
 * - 'cluster': `action` as a cluster action.
 * - 'indices': `action` on the index expression in route param `index` (handlers resolve wildcards
 *    with `authorize.allowsIndex` so a wildcard expands only to indices the caller may use).
 * - 'handler': the handler authorizes each target itself (bulk, mget); the caller must still be
 *    authenticated.
 * - 'authenticated': any authenticated caller (`_authenticate`, `_has_privileges`, own password).
 */
export type AuthorizationScope = 'cluster' | 'indices' | 'handler' | 'authenticated';

export interface Route {
  readonly method: HttpMethod | readonly HttpMethod[];
  /** find-my-way syntax: '/:index/_doc/:id'. */
  readonly path: string;
  /** The Elasticsearch action this route performs, e.g. 'indices:data/write/index'. */
  readonly action: string;
  readonly scope: AuthorizationScope;
  /** Query parameters accepted besides the common ones (pretty, human, error_trace, filter_path). */
  readonly params?: readonly string[];
  handle(request: RestRequest, context: RequestContext): Promise<RestResponse> | RestResponse;
}

export const ok = (body: unknown, status = 200): RestResponse => ({ status, body });

/** The first value of a request header (`name` in lower case), or undefined. */
export function headerOf(request: Pick<RestRequest, 'headers'>, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
