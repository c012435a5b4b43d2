/**
 * Calls the search, document and index route handlers directly with RestRequest-shaped objects
 * (no sockets): a real IndicesService over a temp directory, the real searchers and the real
 * search coordinator. The clock is an input, so scroll expiry is deterministic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { SqlDatabase } from '../../../src/common/index.js';
import type { HttpMethod, Route } from '../../../src/http/route.js';
import { callRoute, type RouteCallOptions } from '../../harness/routes.js';
import { documentRoutes } from '../../../src/http/routes/documents.js';
import { indicesRoutes } from '../../../src/http/routes/indices.js';
import { searchRoutes } from '../../../src/http/routes/search.js';
import { reindexRoutes } from '../../../src/http/routes/reindex.js';
import { BulkByScrollService } from '../../../src/search/bulk-by-scroll-runner.js';
import { defaultRemoteTls } from '../../../src/search/reindex-remote.js';
import { openIndicesService, type IndicesService } from '../../../src/index/index.js';
import { SearcherService, type PrebuildLimits } from '../../../src/index/searcher/index.js';
import type { SegmentBuilder } from '../../../src/index/searcher/segment-build-pool.js';
import { SearchService } from '../../../src/search/index.js';

export interface SearchHarness {
  readonly service: IndicesService;
  readonly searchers: SearcherService;
  readonly search: SearchService;
  readonly dir: string;
  /** The injected clock (ms); tests move it forward. */
  now: number;
  call(method: HttpMethod, template: string, options?: CallOptions): Promise<{ status: number; body: any }>;
  /** Indexes documents with one refresh at the end. */
  index(index: string, documents: Record<string, unknown>, options?: { refresh?: boolean }): Promise<void>;
  /** Closes the services and opens them again on the same data path (a node restart). */
  reopen(): SearchHarness;
  close(): void;
}

export type CallOptions = RouteCallOptions;

function open(dir: string, nodeDb: SqlDatabase, clock: { now: number }, onOpen: (harness: SearchHarness) => void, shareSegments: boolean, prebuild?: PrebuildLimits, builder?: SegmentBuilder): SearchHarness {
  const log = pino({ level: 'silent' });
  const service = openIndicesService({ nodeDb, pathData: dir, log, nowMs: () => clock.now, refreshTickMs: 0 });
  const searchers = new SearcherService(service, log, shareSegments, prebuild, builder);
  const search = new SearchService({ indices: service, searchers, nowMs: () => clock.now, nodeId: 'node-test', scrollSweepMs: 0 });
  const bulkByScroll = new BulkByScrollService({ search, indices: service, tasks: search.tasks, log, nowMs: () => clock.now, remoteWhitelist: [], remoteTls: defaultRemoteTls });
  const routes: Route[] = [...indicesRoutes(service), ...documentRoutes(service), ...searchRoutes(search), ...reindexRoutes(bulkByScroll)];
  const harness: SearchHarness = {
    service,
    searchers,
    search,
    dir,
    get now() {
      return clock.now;
    },
    set now(value: number) {
      clock.now = value;
    },
    call: (method, template, callOptions = {}) => callRoute(routes, method, template, callOptions),
    async index(index, documents, options = {}) {
      const lines = Object.entries(documents).flatMap(([id, source]) => [JSON.stringify({ index: { _index: index, _id: id } }), JSON.stringify(source)]);
      const response = await harness.call('POST', '/_bulk', { text: `${lines.join('\n')}\n`, query: options.refresh === false ? {} : { refresh: 'true' } });
      if (response.status !== 200 || response.body.errors) throw new Error(`bulk failed: ${JSON.stringify(response.body)}`);
    },
    reopen() {
      search.close();
      searchers.close();
      service.close();
      return open(dir, nodeDb, clock, onOpen, shareSegments, prebuild, builder);
    },
    close() {
      search.close();
      searchers.close();
      service.close();
    },
  };
  onOpen(harness);
  return harness;
}

/** `clock` replaces the manual clock (a test may give one whose `now` moves on every read). */
export function openSearchHarness(t: { after: (fn: () => void) => void }, options: { now?: number; clock?: { now: number }; shareSegments?: boolean; prebuild?: PrebuildLimits; builder?: SegmentBuilder } = {}): SearchHarness {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-search-'));
  const nodeDb = new Database(path.join(dir, 'node.db')) as unknown as SqlDatabase;
  const clock = options.clock ?? { now: options.now ?? 1_700_000_000_000 };
  let current: SearchHarness | undefined;
  const harness = open(dir, nodeDb, clock, (opened) => (current = opened), options.shareSegments === true, options.prebuild, options.builder);
  t.after(() => {
    current?.close();
    nodeDb.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return harness;
}
