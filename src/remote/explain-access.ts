/**
 * Access explain (issue #12 §3): for a user of this cluster, what they may do on a remote alias,
 * and which rule decides each privilege. Pure: the caller passes the user's roles (resolved here)
 * and what the remote said it grants (fetched through ACCESS_PROBE_ACTIONS.ownAccess).
 *
 * Rules, as the two sides apply them:
 * - API key model: this cluster sends only the user's `remote_indices` entries whose `clusters`
 *   match the alias (none → it refuses before sending); the remote intersects them with the
 *   cross-cluster API key's own access. Both must grant.
 * - Certificate model: the user's role names travel; the remote's roles of the same names alone
 *   decide (local `remote_indices` play no part).
 */
import { compilePatterns, compilePermission, parseRoleDescriptor, type RoleDescriptor } from '../security/index.js';
import { renderAccess } from './access-probe.js';
import { remoteDescriptorSets } from './subject.js';

export interface LocalEntry {
  readonly role: string;
  readonly kind: 'remote_indices' | 'remote_cluster';
  readonly clusters: readonly string[];
  readonly names?: readonly string[];
  readonly privileges: readonly string[];
  readonly applies: boolean;
}

export interface PrivilegeVerdict {
  readonly privilege: string;
  readonly allowed: boolean;
  /** `local`: this cluster's remote_indices; `remote`: the key or the remote roles; `both`: allowed by both. */
  readonly decided_by: 'local' | 'remote' | 'both';
  readonly rule: string;
}

/** The local roles' remote entries, each marked with whether its `clusters` match the alias. */
export function localEntries(alias: string, roles: readonly RoleDescriptor[]): LocalEntry[] {
  return roles.flatMap((role) => [
    ...role.remoteIndices.map((entry) => ({
      role: role.name,
      kind: 'remote_indices' as const,
      clusters: entry.clusters,
      names: entry.names,
      privileges: entry.privileges,
      applies: compilePatterns(entry.clusters)(alias),
    })),
    ...role.remoteCluster.map((entry) => ({ role: role.name, kind: 'remote_cluster' as const, clusters: entry.clusters, privileges: entry.privileges, applies: compilePatterns(entry.clusters)(alias) })),
  ]);
}

/** Reads the descriptors the remote returned (its own rendering) back into role descriptors. */
export function remoteDescriptors(rendered: readonly Record<string, unknown>[]): RoleDescriptor[] {
  return rendered.map((entry) => {
    const { name, ...body } = entry;
    return parseRoleDescriptor(typeof name === 'string' ? name : '_remote', body);
  });
}

/** The verdict per privilege with the rule that decided it. Pure. */
export function explainVerdicts(input: {
  readonly alias: string;
  readonly model: 'api_key' | 'certificate';
  readonly username: string;
  readonly localRoles: readonly RoleDescriptor[];
  readonly remote: readonly RoleDescriptor[];
  /** The key id (API key model) or the role names (certificate model), for the words. */
  readonly remoteName: string;
  readonly index: string;
  readonly privileges: readonly string[];
}): { verdicts: PrivilegeVerdict[]; intersection: Record<string, unknown>[] } {
  const { alias, index } = input;
  const remotePermission = compilePermission(input.remote);
  if (input.model === 'certificate') {
    const verdicts = input.privileges.map((privilege): PrivilegeVerdict => {
      const allowed = remotePermission.hasIndexPrivilege(index, privilege, false);
      return {
        privilege,
        allowed,
        decided_by: 'remote',
        rule: allowed
          ? `the remote's ${input.remoteName} grants [${privilege}] on [${index}] (certificate model: the remote's roles of the same names decide)`
          : `no remote role of the names ${input.remoteName} grants [${privilege}] on [${index}] (certificate model: local remote_indices do not apply)`,
      };
    });
    return { verdicts, intersection: renderAccess(input.remote) };
  }
  const sets = remoteDescriptorSets(alias, [[...input.localRoles]]);
  const localPermission = sets === undefined ? undefined : compilePermission(sets[0]!);
  const verdicts = input.privileges.map((privilege): PrivilegeVerdict => {
    const localAllows = localPermission?.hasIndexPrivilege(index, privilege, false) ?? false;
    const keyAllows = remotePermission.hasIndexPrivilege(index, privilege, false);
    if (sets === undefined) {
      const named = [...new Set(localEntries(alias, input.localRoles).flatMap((entry) => entry.clusters))].sort();
      return {
        privilege,
        allowed: false,
        decided_by: 'local',
        rule: `no remote_indices entry of user [${input.username}]'s roles names a cluster matching [${alias}]${named.length > 0 ? ` (they name [${named.join(',')}])` : ''}: this cluster refuses before sending`,
      };
    }
    if (!localAllows) {
      return { privilege, allowed: false, decided_by: 'local', rule: `the remote_indices entries for [${alias}] of user [${input.username}]'s roles do not grant [${privilege}] on [${index}]` };
    }
    if (!keyAllows) {
      return { privilege, allowed: false, decided_by: 'remote', rule: `the cross-cluster API key ${input.remoteName} does not grant [${privilege}] on [${index}]` };
    }
    return { privilege, allowed: true, decided_by: 'both', rule: `granted by the remote_indices entries for [${alias}] and by the cross-cluster API key ${input.remoteName}` };
  });
  // The intersection, as index entries: the local entries' names and privileges kept where the key grants the same privilege on them.
  const intersection = (sets?.[0] ?? []).flatMap((descriptor) =>
    descriptor.indices.map((entry) => ({
      names: entry.names,
      privileges: entry.privileges.filter((privilege) => entry.names.every((name) => remotePermission.hasIndexPrivilege(name, privilege, false))),
      local_privileges: entry.privileges,
    })),
  );
  return { verdicts, intersection };
}
