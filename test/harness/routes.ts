/** Calls route handlers directly with RestRequest-shaped objects (no sockets), for route unit tests. */
import { errors, isEsError } from '../../src/common/index.js';
import { createRestRequest } from '../../src/http/request.js';
import type { HttpMethod, RequestContext, Route } from '../../src/http/route.js';

export interface RouteCallOptions {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  /** Raw body text (NDJSON). */
  readonly text?: string;
  /** Indices the caller may not touch (everything else allowed). */
  readonly denied?: readonly string[];
  /** The calling user (default `tester`). */
  readonly user?: string;
}

/**
 * Finds the route for `method` + `template`, checks its parameters as the pipeline does, calls it
 * as a user allowed everything but `denied`, and renders EsErrors as the pipeline would. A route
 * of scope `indices` that answers without authorizing its targets fails the call.
 */
export async function callRoute(routes: readonly Route[], method: HttpMethod, template: string, options: RouteCallOptions = {}): Promise<{ status: number; body: any }> {
  const route = routes.find((candidate) => candidate.path === template && (Array.isArray(candidate.method) ? candidate.method.includes(method) : candidate.method === method));
  if (route === undefined) throw new Error(`no route ${method} ${template}`);
  const query = options.query ?? {};
  const unknown = Object.keys(query).filter((name) => !(route.params ?? []).includes(name));
  if (unknown.length > 0) throw new Error(`route ${template} does not list params ${unknown.join(',')}`);
  const text = options.text ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const request = createRestRequest({ method, rawPath: template, params: options.params ?? {}, query, headers: {}, body: text === undefined ? undefined : Buffer.from(text) });
  const denied = new Set(options.denied ?? []);
  const username = options.user ?? 'tester';
  let authorized = false;
  const context: RequestContext = {
    authentication: {
      user: { username, roles: [], fullName: null, email: null, metadata: {}, enabled: true },
      authenticatingRealm: { name: 'test', type: 'test' },
      lookupRealm: { name: 'test', type: 'test' },
      authenticationType: 'realm',
    },
    authorize: {
      cluster: () => undefined,
      indices: (action, names) => {
        authorized = true;
        for (const name of names) if (denied.has(name)) throw errors.actionDenied(action, username, ` on indices [${name}]`);
      },
      allowsIndex: (_action, name) => {
        authorized = true;
        return !denied.has(name);
      },
    },
  };
  try {
    const response = await route.handle(request, context);
    if (route.scope === 'indices' && response.status < 300 && !authorized) throw new Error(`${template} answered without authorizing`);
    return { status: response.status, body: response.body };
  } catch (error) {
    if (isEsError(error)) return { status: error.status, body: error.toBody() };
    throw error;
  }
}
