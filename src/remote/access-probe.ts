import { errors } from '../common/index.js';
import { resolvePrivilege, renderRoleDescriptor, type Permission, type RoleDescriptor } from '../security/index.js';

/**
 * Two Strait-internal actions the connection doctor and access explain send to a remote cluster
 * (issue #12 §2 step 6, §3). Both are allowlisted on the remote cluster interface and reveal only
 * the caller's own access: the verdict for one index and privilege, and the descriptors that grant
 * the caller anything there (the cross-cluster API key's own access, or, under the certificate
 * model, the remote's roles of the caller's role names). Pure: the handlers in server.ts pass the
 * permissions they already computed for the request.
 */
export const ACCESS_PROBE_ACTIONS = {
  /** May the caller (as the remote decides) use `privilege` on `index`? */
  diagnoseAccess: 'cluster:internal/strait/remote/diagnose_access',
  /** What the remote grants the caller: the key's descriptor, or the roles of the subject's names. */
  ownAccess: 'cluster:internal/strait/remote/own_access',
} as const;

/** Who refused on the remote side. */
export type RemoteRefuser = 'cross_cluster_api_key' | 'remote_indices' | 'remote_roles';

export interface AccessVerdict {
  readonly allowed: boolean;
  readonly index: string;
  readonly privilege: string;
  /** When refused: which rule refused, and the words for it. */
  readonly refused_by?: RemoteRefuser;
  readonly reason: string;
}

/** An index privilege named by a caller; 400 for an unknown name. */
export function checkedIndexPrivilege(name: string): string {
  if (resolvePrivilege('index', name) === undefined) throw errors.illegalArgument(`unknown index privilege [${name}]`);
  return name;
}

function probeInput(body: Record<string, unknown>): { index: string; privilege: string } {
  const index = body['index'];
  const privilege = body['privilege'];
  if (typeof index !== 'string' || index === '' || typeof privilege !== 'string') throw errors.badRequest('malformed access probe: [index] and [privilege] are required');
  return { index, privilege: checkedIndexPrivilege(privilege) };
}

/**
 * The remote's verdict for its caller. `permission` is what the request runs with (under the API
 * key model the key intersected with the subject's descriptors), `keyPermission` the key alone.
 */
export function accessVerdict(
  body: Record<string, unknown>,
  caller: { readonly username: string; readonly roles: readonly string[]; readonly apiKeyId?: string; readonly permission: Permission | undefined; readonly keyPermission?: Permission },
): AccessVerdict {
  const { index, privilege } = probeInput(body);
  if (caller.permission === undefined) return { allowed: true, index, privilege, reason: 'security is not enabled on the remote cluster' };
  const allowed = caller.permission.hasIndexPrivilege(index, privilege, false);
  if (caller.keyPermission !== undefined) {
    if (!caller.keyPermission.hasIndexPrivilege(index, privilege, false)) {
      return {
        allowed: false,
        index,
        privilege,
        refused_by: 'cross_cluster_api_key',
        reason: `the cross-cluster API key [${caller.apiKeyId}] does not grant [${privilege}] on [${index}]`,
      };
    }
    if (!allowed) {
      return {
        allowed: false,
        index,
        privilege,
        refused_by: 'remote_indices',
        reason: `the key grants [${privilege}] on [${index}], but the remote_indices privileges the querying cluster sent for user [${caller.username}] do not`,
      };
    }
    return { allowed: true, index, privilege, reason: `both the cross-cluster API key [${caller.apiKeyId}] and the remote_indices of user [${caller.username}] grant [${privilege}] on [${index}]` };
  }
  const roles = `[${[...caller.roles].sort().join(',')}]`;
  return allowed
    ? { allowed: true, index, privilege, reason: `the remote cluster's roles ${roles} grant [${privilege}] on [${index}]` }
    : { allowed: false, index, privilege, refused_by: 'remote_roles', reason: `none of the remote cluster's roles ${roles} of user [${caller.username}] grants [${privilege}] on [${index}]` };
}

/** The descriptors as they are shown: index and cluster privileges, no metadata beyond names. */
export function renderAccess(descriptors: readonly RoleDescriptor[]): Record<string, unknown>[] {
  return descriptors.map((descriptor) => {
    const rendered = renderRoleDescriptor(descriptor, { transientMetadata: false }) as Record<string, unknown>;
    return { name: descriptor.name, cluster: rendered['cluster'] ?? [], indices: rendered['indices'] ?? [] };
  });
}
