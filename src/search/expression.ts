import { errors } from '../common/index.js';

/**
 * Splits a multi-target expression into its local part and one part per remote cluster alias
 * (shared/spec/remote-clusters.md §7.1). Pure: the configured aliases arrive as input.
 *
 * `logs-*,eu_*:logs-*,-eu_old:*` with aliases [eu_new, eu_old] →
 *   local ['logs-*'], remote { eu_new: ['logs-*'] }.
 */
export interface SplitExpression {
  /** Local index expressions, in order; empty when no element targets the local cluster. */
  readonly local: readonly string[];
  /** Per alias, the index expressions (with their own `-` exclusions) sent to that cluster. */
  readonly remote: ReadonlyMap<string, readonly string[]>;
}

function wildcardMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

export function splitIndexExpression(expression: string, aliases: readonly string[]): SplitExpression {
  const local: string[] = [];
  const remote = new Map<string, string[]>();
  const excludedClusters: string[] = [];
  const elements = expression.split(',').map((element) => element.trim()).filter((element) => element !== '');
  for (const element of elements) {
    const exclusion = element.startsWith('-');
    const body = exclusion ? element.slice(1) : element;
    const colon = body.indexOf(':');
    // Date math (`<logs-{now/d}>`) is always local, whatever it contains.
    if (colon === -1 || body.startsWith('<')) {
      local.push(element);
      continue;
    }
    if (colon === 0) throw errors.invalidIndexName(body, 'is invalid because the remote part is empty');
    const aliasPattern = body.slice(0, colon);
    const indexPart = body.slice(colon + 1);
    if (exclusion) {
      if (indexPart !== '*') {
        throw errors.illegalArgument(`To exclude a cluster you must specify the '*' wildcard for the index expression, but found: [${indexPart}]`);
      }
      excludedClusters.push(aliasPattern);
      continue;
    }
    let matched: string[];
    if (aliasPattern.includes('*')) {
      matched = aliases.filter((alias) => wildcardMatches(aliasPattern, alias));
    } else {
      if (!aliases.includes(aliasPattern)) throw errors.noSuchRemoteCluster(aliasPattern);
      matched = [aliasPattern];
    }
    for (const alias of matched) {
      const list = remote.get(alias) ?? [];
      list.push(indexPart);
      remote.set(alias, list);
    }
  }
  for (const pattern of excludedClusters) {
    const excluded = [...remote.keys()].filter((alias) => wildcardMatches(pattern, alias));
    if (excluded.length === 0) {
      throw errors.illegalArgument(`Attempt to exclude cluster [${pattern}] failed as it is not included in the list of clusters to be included: [${[...remote.keys()].join(', ')}]`);
    }
    for (const alias of excluded) remote.delete(alias);
  }
  if (excludedClusters.length > 0 && remote.size === 0 && local.every((element) => element.startsWith('-'))) {
    throw errors.illegalArgument("The '-' exclusions in the index expression list excludes all indexes. Nothing to search.");
  }
  return { local, remote };
}
