/** Calls the index layer's route handlers directly with RestRequest-shaped objects (no sockets). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { SqlDatabase } from '../../../src/common/index.js';
import type { HttpMethod, Route } from '../../../src/http/route.js';
import { callRoute, type RouteCallOptions } from '../../harness/routes.js';
import { catRoutes, countThroughSearch } from '../../../src/http/routes/cat.js';
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

export type CallOptions = RouteCallOptions;

export function openHarness(t: { after: (fn: () => void) => void }, options: { nowMs?: () => number; missingShardFilesStayAbsent?: boolean } = {}): Harness {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-routes-'));
  const nodeDb = new Database(':memory:') as unknown as SqlDatabase;
  const service = openIndicesService({ nodeDb, pathData: dir, log: pino({ level: 'silent' }), nowMs: options.nowMs ?? (() => 1_700_000_000_000), refreshTickMs: 0, missingShardFilesStayAbsent: options.missingShardFilesStayAbsent ?? false });
  const searchers = new SearcherService(service, pino({ level: 'silent' }));
  const search = new SearchService({ indices: service, searchers, nowMs: options.nowMs ?? (() => 1_700_000_000_000), nodeId: 'test-node' });
  const routes: Route[] = [
    ...indicesRoutes(service),
    ...documentRoutes(service),
    ...searchRoutes(search),
    ...catRoutes(service, { clusterName: 'strait', countDocuments: countThroughSearch(search), docsDeleted: (handle, shard) => searchers.docsDeleted(handle, shard) }),
    ...clusterHealthRoutes(service, { clusterName: 'strait' }),
  ];
  const harness: Harness = {
    service,
    dir,
    call: (method, template, callOptions = {}) => callRoute(routes, method, template, callOptions),
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
