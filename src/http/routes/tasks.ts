import { errors } from '../../common/index.js';
import type { Route } from '../route.js';
import type { NodeIdentity } from './node-info.js';

/**
 * Rethrottling by-query tasks. Strait runs `_delete_by_query`, `_update_by_query` synchronously, so
 * no task of this node is ever running: a task id naming another node is a node failure, one
 * naming this node is a missing task, as Elasticsearch answers for finished tasks.
 */
export function taskRoutes(identity: NodeIdentity): readonly Route[] {
  const rethrottle = (kind: string): Route => ({
    method: 'POST',
    path: `/_${kind}/:task_id/_rethrottle`,
    action: `cluster:admin/${kind === 'reindex' ? 'reindex' : kind.replace('_by_query', 'byquery')}/rethrottle`,
    scope: 'cluster',
    params: ['requests_per_second'],
    handle: (request) => {
      const taskId = request.params['task_id']!;
      const colon = taskId.indexOf(':');
      if (colon <= 0 || !/^\d+$/.test(taskId.slice(colon + 1))) {
        throw errors.illegalArgument(`malformed task id ${taskId}`);
      }
      const rps = request.query['requests_per_second'];
      if (rps === undefined) throw errors.actionRequestValidation(['requestsPerSecond must be set']);
      if (rps !== '-1' && !(Number(rps) > 0)) throw errors.actionRequestValidation([`requests_per_second must be more than 0 but was [${rps}]`]);
      const nodeId = taskId.slice(0, colon);
      if (nodeId !== identity.nodeId) {
        const causedBy = { type: 'no_such_node_exception', reason: `No such node [${nodeId}]`, node_id: nodeId };
        return { status: 200, body: { nodes: {}, node_failures: [{ type: 'failed_node_exception', reason: `Failed node [${nodeId}]`, node_id: nodeId, caused_by: causedBy }] } };
      }
      const missing = errors.resourceNotFound(`task [${taskId}] is missing`).toCause();
      return { status: 200, body: { nodes: {}, task_failures: [{ task_id: Number(taskId.slice(colon + 1)), node_id: nodeId, status: 'NOT_FOUND', reason: missing }] } };
    },
  });
  return [rethrottle('delete_by_query'), rethrottle('update_by_query'), rethrottle('reindex')];
}
