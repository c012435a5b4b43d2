/**
 * Restricted indices: the names that an index privilege reaches only when its entry says
 * `allow_restricted_indices: true` (Elasticsearch's RestrictedIndices, built from the system
 * index descriptors). Strait keeps its own system data (users, roles, API keys, tasks, async
 * search results) in node.db, not in indices, so no restricted index exists unless someone
 * creates one by name; the names are still restricted, as in Elasticsearch, so that a role on
 * `*` never reaches an index that Elasticsearch would guard. Pure.
 *
 * The patterns are those of Elasticsearch's security, async search and task result system
 * indices (RestrictedIndicesNamesTests, SecuritySystemIndexTests): `.security` and
 * `.security-<digits>...` (main), `.security-tokens-...`, `.security-profile-...`,
 * `.async-search...` and `.tasks...`.
 * Reference: security-privileges.html#privileges-list-indices (allow_restricted_indices).
 */
const restrictedIndexPattern = /^(?:\.security|\.security-[0-9]+.*|\.security-tokens-.*|\.security-profile-.*|\.async-search.*|\.tasks.*)$/s;

export function isRestrictedIndex(name: string): boolean {
  return restrictedIndexPattern.test(name);
}

/**
 * Can an index pattern (wildcards `*` `?`, or a `/regex/`) name a restricted index? Every
 * restricted name starts with `.`, so a pattern starting with any other literal character
 * cannot; a wildcard or regex start may, and a plain name is asked directly.
 */
export function patternMayNameRestricted(pattern: string): boolean {
  if (pattern.startsWith('/')) return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return isRestrictedIndex(pattern);
  return pattern.startsWith('*') || pattern.startsWith('?') || pattern.startsWith('.');
}
