/**
 * Cross-cluster replication auto-follow patterns REST API (spec ccr.md §1, §5), on the follower
 * cluster. Each route names the Elasticsearch action it performs; `manage_ccr`
 * (`cluster:admin/xpack/ccr/*`) covers them all.
 */
import type { AutoFollowService } from '../../ccr/auto-follow.js';
import type { Route } from '../route.js';

const MASTER = ['master_timeout', 'timeout'];

export function autoFollowRoutes(autoFollow: AutoFollowService): readonly Route[] {
  return [
    {
      method: 'PUT',
      path: '/_ccr/auto_follow/:name',
      action: 'cluster:admin/xpack/ccr/auto_follow_pattern/put',
      scope: 'cluster',
      params: MASTER,
      handle: async (request, context) => {
        await autoFollow.put(request.params['name']!, request.json(), context.authentication);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    {
      method: 'GET',
      path: '/_ccr/auto_follow',
      action: 'cluster:admin/xpack/ccr/auto_follow_pattern/get',
      scope: 'cluster',
      params: MASTER,
      handle: () => ({ status: 200, body: autoFollow.get(undefined) }),
    },
    {
      method: 'GET',
      path: '/_ccr/auto_follow/:name',
      action: 'cluster:admin/xpack/ccr/auto_follow_pattern/get',
      scope: 'cluster',
      params: MASTER,
      handle: (request) => ({ status: 200, body: autoFollow.get(request.params['name']!) }),
    },
    {
      method: 'DELETE',
      path: '/_ccr/auto_follow/:name',
      action: 'cluster:admin/xpack/ccr/auto_follow_pattern/delete',
      scope: 'cluster',
      params: MASTER,
      handle: async (request) => {
        await autoFollow.delete(request.params['name']!);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    {
      method: 'POST',
      path: '/_ccr/auto_follow/:name/pause',
      action: 'cluster:admin/xpack/ccr/auto_follow_pattern/activate',
      scope: 'cluster',
      params: MASTER,
      handle: async (request) => {
        await autoFollow.activate(request.params['name']!, false);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    {
      method: 'POST',
      path: '/_ccr/auto_follow/:name/resume',
      action: 'cluster:admin/xpack/ccr/auto_follow_pattern/activate',
      scope: 'cluster',
      params: MASTER,
      handle: async (request) => {
        await autoFollow.activate(request.params['name']!, true);
        return { status: 200, body: { acknowledged: true } };
      },
    },
  ];
}
