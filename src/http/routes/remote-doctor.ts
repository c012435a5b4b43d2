import { errors } from '../../common/index.js';
import type { RemoteClusterService } from '../../remote/index.js';
import type { RemoteClustersClient } from '../../remote/client.js';
import { ACCESS_PROBE_ACTIONS, checkedIndexPrivilege } from '../../remote/access-probe.js';
import { runDiagnosis, type DoctorDeps } from '../../remote/doctor.js';
import { explainVerdicts, localEntries, remoteDescriptors } from '../../remote/explain-access.js';
import type { NativeSecurityService, RoleDescriptor } from '../../security/index.js';
import type { Route } from '../route.js';

/** `GET /_remote/{alias}/_diagnose` and `GET /_strait/remote/{alias}/_explain_access` (issue #12 §2, §3). */
export function remoteDoctorRoutes(options: {
  remotes: RemoteClusterService;
  client: RemoteClustersClient;
  security: NativeSecurityService | undefined;
  doctor: Omit<DoctorDeps, 'probeHeaders'>;
  /** The same bound the doctor uses per step. */
  timeoutMs: number;
}): readonly Route[] {
  const { remotes, client, security } = options;
  const doctor: DoctorDeps = { ...options.doctor, probeHeaders: (alias, action, caller) => client.probeHeaders(alias, action, caller) };
  const aliasOf = (name: string | undefined): string => {
    if (name === undefined || !remotes.has(name)) throw errors.noSuchRemoteCluster(name ?? '');
    return name;
  };
  return [
    {
      method: 'GET',
      path: '/_remote/:alias/_diagnose',
      action: 'cluster:monitor/strait/remote/diagnose',
      scope: 'cluster',
      params: ['index', 'privilege'],
      handle: async (request, context) => {
        const alias = aliasOf(request.params['alias']);
        const index = request.query['index'];
        if (index === '') throw errors.illegalArgument('[index] must not be empty');
        const privilege = checkedIndexPrivilege(request.query['privilege'] ?? 'read');
        const body = await runDiagnosis(doctor, {
          alias,
          settings: remotes.settingsOf(alias),
          model: remotes.modelOf(alias),
          connected: remotes.isConnected(alias),
          lastConnectError: remotes.lastConnectError(alias),
          index,
          privilege,
          caller: context.authentication,
        });
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      path: '/_strait/remote/:alias/_explain_access',
      // manage_security covers cluster:admin/xpack/security/*; manage does not.
      action: 'cluster:admin/xpack/security/strait/remote/explain_access',
      scope: 'cluster',
      params: ['user', 'index', 'privilege'],
      handle: async (request) => {
        const alias = aliasOf(request.params['alias']);
        if (security === undefined) throw errors.illegalArgument('access explain needs security: [xpack.security.enabled] is false');
        const username = request.query['user'];
        const index = request.query['index'];
        if (username === undefined || username === '') throw errors.illegalArgument('[user] is required');
        if (index === undefined || index === '') throw errors.illegalArgument('[index] is required');
        const privileges = (request.query['privilege'] ?? 'read').split(',').map((name) => checkedIndexPrivilege(name.trim()));
        const user = security.getUsers([username])[0];
        if (user === undefined) throw errors.resourceNotFound(`user [${username}] not found`);
        const roles = user.roles.map((name) => security.findRole(name)).filter((role): role is RoleDescriptor => role !== undefined);
        const model = remotes.modelOf(alias);
        const connection = await remotes.connection(alias, { wait: true });
        const answer = (await connection.request(ACCESS_PROBE_ACTIONS.ownAccess, { cluster_alias: alias }, { headers: client.explainHeaders(alias, user), timeoutMs: options.timeoutMs })) as Record<
          string,
          unknown
        >;
        const descriptors = Array.isArray(answer['descriptors']) ? (answer['descriptors'] as Record<string, unknown>[]) : [];
        const key = answer['api_key'] as { id?: string } | undefined;
        const remoteName = model === 'api_key' ? `[${key?.id ?? '?'}]` : `roles [${[...user.roles].sort().join(',')}]`;
        const { verdicts, intersection } = explainVerdicts({ alias, model, username, localRoles: roles, remote: remoteDescriptors(descriptors), remoteName, index, privileges });
        const { descriptors: _descriptors, model: _model, ...remoteRest } = answer;
        return {
          status: 200,
          body: {
            alias,
            model,
            user: username,
            index,
            local: { roles: user.roles, entries: localEntries(alias, roles) },
            remote: { ...remoteRest, grants: descriptors },
            intersection,
            verdicts,
          },
        };
      },
    },
  ];
}
