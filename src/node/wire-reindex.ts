import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { SqlDatabase } from '../common/index.js';
import { ConfigError } from '../config/index.js';
import type { NodeConfig } from '../config/types.js';
import { SqlTaskResults } from '../tasks/task-results.js';
import type { IndicesService } from '../index/index.js';
import type { IngestService } from '../index/ingest/index.js';
import { BulkByScrollService, type BulkByScrollReader, type BulkByScrollWriter } from '../search/bulk-by-scroll-runner.js';
import type { RemoteTlsOptions } from '../search/reindex-remote.js';
import type { SearchService } from '../search/index.js';

export function listSetting(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? value.split(',') : [...value];
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * The node's `reindex.ssl.*` settings, files read and checked once at start (a missing or invalid
 * file stops the start, as Elasticsearch's SSL configuration does).
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
    throw new ConfigError('[reindex.ssl.certificate] and [reindex.ssl.key] must be set together');
  }
  const read = (setting: string, file: string): Buffer => {
    try {
      return readFileSync(resolve(file));
    } catch (error) {
      throw new ConfigError(`cannot read [${setting}] file [${resolve(file)}]: ${(error as Error).message}`);
    }
  };
  const options: RemoteTlsOptions = {
    certificateAuthorities: authorities.length === 0 ? undefined : authorities.map((file) => read('reindex.ssl.certificate_authorities', file)),
    verificationMode: (single('reindex.ssl.verification_mode') ?? 'full') as RemoteTlsOptions['verificationMode'],
    certificate: certificate === undefined ? undefined : read('reindex.ssl.certificate', certificate),
    key: key === undefined ? undefined : read('reindex.ssl.key', key),
  };
  // Checked now, so that a bad certificate, key or CA stops the start instead of failing each reindex.
  try {
    createSecureContext({
      ...(options.certificateAuthorities !== undefined ? { ca: [...options.certificateAuthorities] } : {}),
      ...(options.certificate !== undefined ? { cert: options.certificate, key: options.key } : {}),
    });
  } catch (error) {
    throw new ConfigError(`invalid [reindex.ssl.*] settings: ${(error as Error).message}`);
  }
  return options;
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
  return bulkByScrollService(options);
}

/**
 * The bulk-by-scroll engine over the node's task manager and settings: reading and writing this
 * node's shard copies, or through `ports` (a multi-node cluster's cross-node reader and writer).
 */
export function bulkByScrollService(
  options: { config: NodeConfig; search: SearchService; indices: IndicesService; ingest: IngestService; log: Logger; nowMs: () => number },
  ports: { reader?: BulkByScrollReader; writer?: BulkByScrollWriter } = {},
): BulkByScrollService {
  return new BulkByScrollService({
    search: options.search,
    indices: options.indices,
    tasks: options.search.tasks,
    log: options.log.child({ component: 'reindex' }),
    nowMs: options.nowMs,
    remoteWhitelist: listSetting(options.config.flat['reindex.remote.whitelist']),
    remoteTls: reindexTls(options.config),
    // Written documents go through the destination's pipelines as bulk items do (with a writer
    // port, the routed bulk runs them; this serves the preflight check of a named pipeline).
    ingest: (request) => options.ingest.applyPipelines(request),
    ...(ports.reader === undefined ? {} : { reader: ports.reader }),
    ...(ports.writer === undefined ? {} : { writer: ports.writer }),
  });
}
