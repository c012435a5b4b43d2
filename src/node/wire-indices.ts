import type { Logger } from 'pino';
import type { SqlDatabase } from '../common/index.js';
import type { NodeConfig } from '../config/types.js';
import type { Route } from '../http/route.js';
import { catRoutes } from '../http/routes/cat.js';
import { clusterHealthRoutes } from '../http/routes/cluster-health.js';
import { documentRoutes } from '../http/routes/documents.js';
import { indicesRoutes } from '../http/routes/indices.js';
import { openIndicesService } from '../index/index.js';

export function wireIndices(options: { config: NodeConfig; nodeDb: SqlDatabase; log: Logger; nowMs: () => number }): {
  routes(identity: { clusterName: string }): Route[];
  close(): void;
} {
  const service = openIndicesService({
    nodeDb: options.nodeDb,
    pathData: options.config.pathData,
    log: options.log.child({ layer: 'index' }),
    nowMs: options.nowMs,
  });
  return {
    routes: (identity) => [
      ...indicesRoutes(service),
      ...documentRoutes(service),
      ...catRoutes(service, identity),
      ...clusterHealthRoutes(service, identity),
    ],
    close: () => service.close(),
  };
}
