import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { SqlDatabase } from '../common/index.js';
import type { NodeConfig } from '../config/types.js';
import { SqlTaskResults } from '../tasks/task-results.js';
import type { IndicesService } from '../index/index.js';
import type { IngestService } from '../index/ingest/index.js';
import { BulkByScrollService } from '../search/bulk-by-scroll-runner.js';
import type { RemoteTlsOptions } from '../search/reindex-remote.js';
import type { SearchService } from '../search/index.js';

function listSetting(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? value.split(',') : [...value];
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * The node's `reindex.ssl.*` settings, files read once at start (a missing file stops the start,
 * as Elasticsearch's SSL configuration does).
 */
export function reindexTls(config: NodeConfig): RemoteTlsOptions {
  const flat = config.flat;
  const resolve = (file: string): string => path.resolve(config.configDir, file);
  const single = (key: string): string | undefined => {
    const value = flat[key];
    return value === undefined ? undefined : typeof value === 'string' ? value : value.join(',');
  };
  const authorities = listSetting(flat['reindex.ssl.certificate_authorities']);
  const certificate = single('reindex.ssl.certificate');
  const key = single('reindex.ssl.key');
  if ((certificate === undefined) !== (key === undefined)) {
    throw new Error('[reindex.ssl.certificate] and [reindex.ssl.key] must be set together');
  }
  return {
    certificateAuthorities: authorities.length === 0 ? undefined : authorities.map((file) => readFileSync(resolve(file))),
    verificationMode: (single('reindex.ssl.verification_mode') ?? 'full') as RemoteTlsOptions['verificationMode'],
    certificate: certificate === undefined ? undefined : readFileSync(resolve(certificate)),
    key: key === undefined ? undefined : readFileSync(resolve(key)),
  };
}

/** `_reindex`, `_update_by_query` and `_delete_by_query` over this node's search and write paths. */
export function wireReindex(options: {
  config: NodeConfig;
  nodeDb: SqlDatabase;
  search: SearchService;
  indices: IndicesService;
  ingest: IngestService;
  log: Logger;
  nowMs: () => number;
}): BulkByScrollService {
  // Results of tasks run with wait_for_completion=false outlive a restart, as in Elasticsearch's `.tasks` index.
  options.search.tasks.keepResultsIn(SqlTaskResults.open(options.nodeDb));
  return new BulkByScrollService({
    search: options.search,
    indices: options.indices,
    tasks: options.search.tasks,
    log: options.log.child({ component: 'reindex' }),
    nowMs: options.nowMs,
    remoteWhitelist: listSetting(options.config.flat['reindex.remote.whitelist']),
    remoteTls: reindexTls(options.config),
    // Written documents go through the destination's pipelines as bulk items do.
    ingest: (request) => options.ingest.applyPipelines(request),
  });
}
