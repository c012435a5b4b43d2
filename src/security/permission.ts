import { accessOfEntries, documentFieldSecurityOf, intersectAccess, type DocumentFieldSecurity, type IndexAccess } from './document-field-access.js';
import { compilePatterns, globCovers, type NameMatcher } from './patterns.js';
import { compilePrivileges, resolvePrivilege, type ActionMatcher } from './privileges.js';
import { isRestrictedIndex, patternMayNameRestricted } from './restricted-indices.js';
import type { RoleDescriptor } from './roles.js';

/**
 * What a set of roles allows, compiled once per role set. Pure: built from descriptors, queried by
 * action name and index name.
 */
export interface Permission {
  readonly roleNames: readonly string[];
  allowsCluster(action: string): boolean;
  allowsIndex(action: string, index: string): boolean;
  hasClusterPrivilege(privilege: string): boolean;
  /** Does the permission grant `privilege` on every index that `indexPattern` can name? */
  hasIndexPrivilege(indexPattern: string, privilege: string, allowRestricted: boolean): boolean;
  /**
   * The document and field level security on `index` for `action`: one set of alternatives per
   * descriptor set (see document-field-access.ts). Meaningful only where `allowsIndex` is true.
   */
  indexAccess(action: string, index: string, aliases?: readonly string[]): IndexAccess;
  /** The remote_indices / remote_cluster entries, kept for the cross-cluster layers. */
  readonly descriptors: readonly RoleDescriptor[];
}

interface IndexGroup {
  readonly patterns: readonly string[];
  readonly names: NameMatcher;
  /** `allow_restricted_indices`: without it the group's names never reach a restricted index (restricted-indices.ts). */
  readonly allowRestrictedIndices: boolean;
  readonly actions: ActionMatcher;
  readonly security: DocumentFieldSecurity;
}

/** Ours: the (action, index, aliases) answers a compiled permission remembers. */
const indexAccessCacheEntriesMax = 1_000;

export function compilePermission(descriptors: readonly RoleDescriptor[]): Permission {
  const cluster = compilePrivileges('cluster', descriptors.flatMap((d) => d.cluster));
  const groups: IndexGroup[] = descriptors.flatMap((d) =>
    d.indices.map((entry) => ({
      patterns: entry.names,
      names: compilePatterns(entry.names),
      allowRestrictedIndices: entry.allowRestrictedIndices,
      actions: compilePrivileges('index', entry.privileges),
      security: documentFieldSecurityOf(entry),
    })),
  );
  const accessCache = new Map<string, IndexAccess>();
  const reaches = (group: IndexGroup, name: string): boolean => group.names(name) && (group.allowRestrictedIndices || !isRestrictedIndex(name));
  return {
    roleNames: descriptors.map((d) => d.name),
    descriptors,
    allowsCluster: (action) => cluster.matches(action),
    allowsIndex: (action, index) => groups.some((group) => group.actions.matches(action) && reaches(group, index)),
    // An index read through an alias: entries naming the alias grant it too, so they count as alternatives.
    // Remembered (a permission lives as long as its roles), so that the same access object, and
    // with it the compiled field predicate (fieldVisibilityOf), serves every request.
    indexAccess: (action, index, aliases = []) => {
      const key = `${action}\u0000${index}\u0000${aliases.join('\u0000')}`;
      let access = accessCache.get(key);
      if (access === undefined) {
        access = accessOfEntries(
          groups.filter((group) => group.actions.matches(action) && (reaches(group, index) || aliases.some((alias) => reaches(group, alias)))).map((group) => group.security),
        );
        if (accessCache.size >= indexAccessCacheEntriesMax) accessCache.clear();
        accessCache.set(key, access);
      }
      return access;
    },
    hasClusterPrivilege: (privilege) => {
      const definition = resolvePrivilege('cluster', privilege);
      return definition !== undefined && cluster.covers(definition);
    },
    hasIndexPrivilege: (indexPattern, privilege, allowRestricted) => {
      const definition = resolvePrivilege('index', privilege);
      if (definition === undefined) return false;
      // Every action pattern of the privilege must be covered by some group that covers the index
      // pattern. Asked with allow_restricted_indices, the restricted names the pattern can name
      // must be covered too: a group without the flag then covers only a pattern naming none.
      const restrictedAsked = allowRestricted && patternMayNameRestricted(indexPattern);
      return definition.include.every((actionPattern) =>
        groups.some(
          (group) =>
            (group.allowRestrictedIndices || !restrictedAsked) &&
            group.patterns.some((pattern) => globCovers(pattern, indexPattern)) &&
            group.actions.covers({ include: [actionPattern] }),
        ),
      );
    },
  };
}

/** Both must allow: an API key's own descriptors limited by its owner's roles. */
export function intersectPermissions(first: Permission, limitedBy: Permission): Permission {
  return {
    roleNames: first.roleNames,
    descriptors: first.descriptors,
    allowsCluster: (action) => first.allowsCluster(action) && limitedBy.allowsCluster(action),
    allowsIndex: (action, index) => first.allowsIndex(action, index) && limitedBy.allowsIndex(action, index),
    indexAccess: (action, index, aliases) => intersectAccess(first.indexAccess(action, index, aliases), limitedBy.indexAccess(action, index, aliases)),
    hasClusterPrivilege: (privilege) => first.hasClusterPrivilege(privilege) && limitedBy.hasClusterPrivilege(privilege),
    hasIndexPrivilege: (index, privilege, restricted) =>
      first.hasIndexPrivilege(index, privilege, restricted) && limitedBy.hasIndexPrivilege(index, privilege, restricted),
  };
}
