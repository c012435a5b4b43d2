/**
 * Cross-cluster replication REST API (spec ccr.md §1): follower-side endpoints, and
 * `forget_follower` on the leader side. Each route names the Elasticsearch action it performs.
 */
import { errors } from '../../common/index.js';
import type { CcrService } from '../../ccr/service.js';
import type { CcrLeaderService } from '../../ccr/leader.js';
import { retentionLeaseId } from '../../ccr/leader.js';
import type { IndicesService } from '../../index/index.js';
import type { Route } from '../route.js';
import { booleanParam } from '../request.js';

const MASTER = ['master_timeout', 'timeout'];

export function ccrRoutes(ccr: CcrService, leader: CcrLeaderService, indices: IndicesService): readonly Route[] {
  return [
    {
      method: 'PUT',
      path: '/:index/_ccr/follow',
      action: 'indices:admin/xpack/ccr/put_follow',
      scope: 'indices',
      params: ['wait_for_active_shards', ...MASTER],
      handle: async (request, context) => {
        const name = request.params['index']!;
        context.authorize.indices('indices:admin/xpack/ccr/put_follow', [name]);
        // Creating a follower starts its task, which manage_ccr governs (spec §7.4).
        context.authorize.cluster('cluster:admin/xpack/ccr/resume_follow');
        const body = await ccr.follow(name, request.json(), request.query['wait_for_active_shards'], context.authentication);
        return { status: 200, body };
      },
    },
    {
      method: 'POST',
      path: '/:index/_ccr/pause_follow',
      action: 'cluster:admin/xpack/ccr/pause_follow',
      scope: 'cluster',
      params: MASTER,
      handle: async (request) => {
        await ccr.pause(request.params['index']!);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    {
      method: 'POST',
      path: '/:index/_ccr/resume_follow',
      action: 'cluster:admin/xpack/ccr/resume_follow',
      scope: 'cluster',
      params: MASTER,
      handle: async (request, context) => {
        await ccr.resume(request.params['index']!, request.json(), context.authentication);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    {
      method: 'POST',
      path: '/:index/_ccr/unfollow',
      action: 'indices:admin/xpack/ccr/unfollow',
      scope: 'indices',
      params: MASTER,
      handle: async (request, context) => {
        const name = request.params['index']!;
        context.authorize.indices('indices:admin/xpack/ccr/unfollow', [name]);
        await ccr.unfollow(name);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    {
      method: 'GET',
      path: '/:index/_ccr/info',
      action: 'cluster:monitor/ccr/follow_info',
      scope: 'cluster',
      params: MASTER,
      handle: (request) => ({ status: 200, body: ccr.info(request.params['index']) }),
    },
    {
      method: 'GET',
      path: '/:index/_ccr/stats',
      action: 'cluster:monitor/ccr/follow_stats',
      scope: 'cluster',
      params: MASTER,
      handle: async (request) => ({ status: 200, body: await ccr.stats(request.params['index']) }),
    },
    {
      method: 'GET',
      path: '/_ccr/stats',
      action: 'cluster:monitor/ccr/stats',
      scope: 'cluster',
      params: MASTER,
      handle: async () => ({ status: 200, body: await ccr.clusterStats() }),
    },
    {
      // Strait's fenced failover (beyond Elasticsearch): managing the follower index's life-cycle.
      method: 'POST',
      path: '/:index/_ccr/promote',
      action: 'indices:admin/xpack/ccr/promote',
      scope: 'indices',
      params: ['force', ...MASTER],
      handle: async (request, context) => {
        const name = request.params['index']!;
        context.authorize.indices('indices:admin/xpack/ccr/promote', [name]);
        const force = booleanParam(request.query['force']);
        return { status: 200, body: await ccr.promote(name, force, context.authentication) };
      },
    },
    {
      method: 'POST',
      path: '/:index/_ccr/forget_follower',
      action: 'indices:admin/xpack/ccr/forget_follower',
      scope: 'indices',
      params: MASTER,
      handle: async (request, context) => {
        const name = request.params['index']!;
        context.authorize.indices('indices:admin/xpack/ccr/forget_follower', [name]);
        const body = request.json();
        if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.parse('request body is required');
        const input = body as Record<string, unknown>;
        const fields = ['follower_cluster', 'follower_index', 'follower_index_uuid', 'leader_remote_cluster'] as const;
        for (const key of Object.keys(input)) if (!(fields as readonly string[]).includes(key)) throw errors.xContentParse(`[forget_follower_request] unknown field [${key}]`);
        const missing = fields.filter((field) => typeof input[field] !== 'string' || input[field] === '');
        if (missing.length > 0) throw errors.actionRequestValidation(missing.map((field) => `${field} is missing`));
        const handle = indices.get(name);
        if (handle === undefined) throw errors.indexNotFound(name);
        const leaseId = retentionLeaseId(
          input['follower_cluster'] as string,
          input['follower_index'] as string,
          input['follower_index_uuid'] as string,
          input['leader_remote_cluster'] as string,
          handle.name,
          handle.uuid,
        );
        return { status: 200, body: { _shards: await leader.forgetFollower(handle, leaseId) } };
      },
    },
  ];
}
