/** Calls the index layer's route handlers directly with RestRequest-shaped objects (no sockets). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { errors, isEsError, type SqlDatabase } from '../../../src/common/index.js';
import { createRestRequest } from '../../../src/http/request.js';
import type { HttpMethod, RequestContext, Route } from '../../../src/http/route.js';
import { catRoutes } from '../../../src/http/routes/cat.js';
import { clusterHealthRoutes } from '../../../src/http/routes/cluster-health.js';
import { documentRoutes } from '../../../src/http/routes/documents.js';
import { indicesRoutes } from '../../../src/http/routes/indices.js';
import { searchRoutes } from '../../../src/http/routes/search.js';
import { openIndicesService, type IndicesService } from '../../../src/index/index.js';
import { SearcherService } from '../../../src/index/searcher/index.js';
import { SearchService } from '../../../src/search/index.js';

export interface Harness {
  readonly service: IndicesService;
  readonly dir: string;
  call(method: HttpMethod, template: string, options?: CallOptions): Promise<{ status: number; body: any }>;
  close(): void;
}

export interface CallOptions {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  /** Raw body text (NDJSON). */
  readonly text?: string;
  /** Indices the caller may not touch (everything else allowed). */
  readonly denied?: readonly string[];
}

export function openHarness(t: { after: (fn: () => void) => void }, options: { nowMs?: () => number } = {}): Harness {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-routes-'));
  const nodeDb = new Database(':memory:') as unknown as SqlDatabase;
  const service = openIndicesService({ nodeDb, pathData: dir, log: pino({ level: 'silent' }), nowMs: options.nowMs ?? (() => 1_700_000_000_000), refreshTickMs: 0 });
  const searchers = new SearcherService(service, pino({ level: 'silent' }));
  const search = new SearchService({ indices: service, searchers, log: pino({ level: 'silent' }), nowMs: options.nowMs ?? (() => 1_700_000_000_000), nodeId: 'test-node' });
  const routes: Route[] = [
    ...indicesRoutes(service),
    ...documentRoutes(service),
    ...searchRoutes(search),
    ...catRoutes(service, { clusterName: 'strait' }),
    ...clusterHealthRoutes(service, { clusterName: 'strait' }),
  ];
  const harness: Harness = {
    service,
    dir,
    async call(method, template, callOptions = {}) {
      const route = routes.find((candidate) => candidate.path === template && (Array.isArray(candidate.method) ? candidate.method.includes(method) : candidate.method === method));
      if (route === undefined) throw new Error(`no route ${method} ${template}`);
      const query = callOptions.query ?? {};
      const unknown = Object.keys(query).filter((name) => !(route.params ?? []).includes(name));
      if (unknown.length > 0) throw new Error(`route ${template} does not list params ${unknown.join(',')}`);
      const text = callOptions.text ?? (callOptions.body === undefined ? undefined : JSON.stringify(callOptions.body));
      const request = createRestRequest({
        method,
        rawPath: template,
        params: callOptions.params ?? {},
        query,
        headers: {},
        body: text === undefined ? undefined : Buffer.from(text),
      });
      const denied = new Set(callOptions.denied ?? []);
      let authorized = false;
      const context: RequestContext = {
        authentication: {
          user: { username: 'tester', roles: [], fullName: null, email: null, metadata: {}, enabled: true },
          authenticatingRealm: { name: 'test', type: 'test' },
          lookupRealm: { name: 'test', type: 'test' },
          authenticationType: 'realm',
        },
        authorize: {
          cluster: () => undefined,
          indices: (action, names) => {
            authorized = true;
            for (const name of names) if (denied.has(name)) throw errors.actionDenied(action, 'tester', ` on indices [${name}]`);
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
    },
    close() {
      search.close();
      searchers.close();
      service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  t.after(() => harness.close());
  return harness;
}
