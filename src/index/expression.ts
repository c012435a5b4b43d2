/**
 * Local index expression resolution (pure), as Elasticsearch's IndexNameExpressionResolver:
 * comma lists, `*` wildcards, `-` exclusions, `_all`, aliases → concrete index names, under the
 * indices options `ignore_unavailable`, `allow_no_indices` and `expand_wildcards`.
 *
 * Security: wildcards expand only to names `access.allows(name)` accepts; names given literally are
 * handed to `access.authorizeLiterals` (which throws 403) before any "no such index" answer, so a
 * caller learns nothing about indices it may not see.
 */
import { errors } from '../common/index.js';

/** Elasticsearch's boolean parameter rule: present with no value or "true" is true. */
function booleanParam(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw errors.illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
}

export interface AliasView {
  readonly isWriteIndex?: boolean;
  readonly isHidden?: boolean;
  /** A data stream's name on its backing indices (resolved as an alias, refused where aliases are). */
  readonly dataStream?: boolean;
}

export interface IndexView {
  readonly name: string;
  readonly open: boolean;
  readonly hidden: boolean;
  readonly aliases: ReadonlyMap<string, AliasView>;
}

export type WildcardState = 'open' | 'closed' | 'hidden';

export interface IndicesOptions {
  readonly ignoreUnavailable: boolean;
  readonly allowNoIndices: boolean;
  readonly expandWildcards: ReadonlySet<WildcardState>;
  /**
   * Resolve against indices only, as Elasticsearch's delete-index and alias actions do: a literal
   * alias is refused (400) and wildcards do not expand through aliases, so a destructive request
   * never reaches an index the caller did not name.
   */
  readonly ignoreAliases?: boolean;
}

export interface IndexAccess {
  /** May the caller see this index or alias through a wildcard? */
  allows(name: string): boolean;
  /** Throws 403 unless the caller may act on every name (called with the literal names, maybe none). */
  authorizeLiterals(names: readonly string[]): void;
}

export const allowAllAccess: IndexAccess = { allows: () => true, authorizeLiterals: () => undefined };

/** Elasticsearch's defaults for most read and admin APIs (`IndicesOptions.strictExpandOpen`). */
export const strictExpandOpen: IndicesOptions = {
  ignoreUnavailable: false,
  allowNoIndices: true,
  expandWildcards: new Set(['open']),
};

/** Parses `expand_wildcards` (open, closed, hidden, all, none; comma-separated). */
export function parseExpandWildcards(value: string): Set<WildcardState> {
  const states = new Set<WildcardState>();
  for (const raw of value.split(',')) {
    const word = raw.trim().toLowerCase();
    if (word === 'open' || word === 'closed' || word === 'hidden') states.add(word);
    else if (word === 'all') {
      states.add('open');
      states.add('closed');
      states.add('hidden');
    } else if (word === 'none') states.clear();
    else throw errors.illegalArgument(`No enum constant org.elasticsearch.action.support.IndicesOptions.WildcardStates.${word.toUpperCase()}`);
  }
  return states;
}

/** Reads the indices options query parameters over `defaults`. */
export function parseIndicesOptions(query: Readonly<Record<string, string>>, defaults: IndicesOptions = strictExpandOpen): IndicesOptions {
  return {
    ignoreUnavailable: booleanParam(query['ignore_unavailable'], defaults.ignoreUnavailable),
    allowNoIndices: booleanParam(query['allow_no_indices'], defaults.allowNoIndices),
    expandWildcards: query['expand_wildcards'] === undefined ? defaults.expandWildcards : parseExpandWildcards(query['expand_wildcards']),
  };
}

/** Wildcard match where `*` is the only special character. */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  let position = 0;
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!;
    if (index === 0) {
      if (!value.startsWith(part)) return false;
      position = part.length;
      continue;
    }
    if (index === parts.length - 1) return value.length - position >= part.length && value.endsWith(part);
    const found = value.indexOf(part, position);
    if (found < 0) return false;
    position = found + part.length;
  }
  return true;
}

export interface ResolvedIndices {
  /** Concrete index names, without duplicates, in resolution order. */
  readonly indices: readonly string[];
  /** Names the expression gave literally (existing or not). */
  readonly literals: readonly string[];
}

function stateAllowed(index: IndexView, states: ReadonlySet<WildcardState>, pattern: string): boolean {
  if (index.open ? !states.has('open') : !states.has('closed')) return false;
  // Hidden indices match only with expand_wildcards=hidden, or a pattern that starts with a dot
  // for a dot-prefixed hidden index, as Elasticsearch does.
  if (index.hidden && !states.has('hidden') && !(pattern.startsWith('.') && index.name.startsWith('.'))) return false;
  return true;
}

function aliasesOf(state: readonly IndexView[]): Map<string, IndexView[]> {
  const aliases = new Map<string, IndexView[]>();
  for (const index of state) {
    for (const alias of index.aliases.keys()) {
      const list = aliases.get(alias) ?? [];
      list.push(index);
      aliases.set(alias, list);
    }
  }
  return aliases;
}

/**
 * Resolves an index expression against the indices that exist. An empty expression, `_all` and
 * `*` mean every index the wildcard options allow.
 */
export function resolveIndexExpression(
  expression: string | readonly string[] | undefined,
  state: readonly IndexView[],
  options: IndicesOptions,
  access: IndexAccess,
): ResolvedIndices {
  const elements = (typeof expression === 'string' ? expression.split(',') : expression ?? []).filter((element) => element !== '');
  const byName = new Map(state.map((index) => [index.name, index]));
  const aliases = aliasesOf(state);
  const result: string[] = [];
  const literals: string[] = [];
  const missing: string[] = [];
  const aliasLiterals: string[] = [];
  const expandWildcard = (pattern: string): string[] => {
    const matched: string[] = [];
    for (const index of state) {
      if (wildcardMatch(pattern, index.name) && stateAllowed(index, options.expandWildcards, pattern) && access.allows(index.name)) {
        matched.push(index.name);
      }
    }
    if (options.ignoreAliases === true) return matched;
    for (const [alias, members] of aliases) {
      if (!wildcardMatch(pattern, alias) || !access.allows(alias)) continue;
      const hiddenAlias = members.some((member) => member.aliases.get(alias)?.isHidden === true);
      if (hiddenAlias && !options.expandWildcards.has('hidden') && !pattern.startsWith('.')) continue;
      for (const member of members) {
        if (member.open ? options.expandWildcards.has('open') : options.expandWildcards.has('closed')) matched.push(member.name);
      }
    }
    return matched;
  };
  const all = elements.length === 0 || (elements.length === 1 && (elements[0] === '_all' || elements[0] === '*'));
  if (all) {
    result.push(...expandWildcard('*'));
  } else {
    let sawWildcard = false;
    for (let position = 0; position < elements.length; position++) {
      const element = elements[position]!;
      if (element.startsWith('-') && sawWildcard) {
        const pattern = element.slice(1);
        const excluded = new Set<string>();
        for (const index of state) if (wildcardMatch(pattern, index.name)) excluded.add(index.name);
        if (options.ignoreAliases !== true) {
          for (const [alias, members] of aliases) if (wildcardMatch(pattern, alias)) for (const member of members) excluded.add(member.name);
        }
        for (let index = result.length - 1; index >= 0; index--) if (excluded.has(result[index]!)) result.splice(index, 1);
        continue;
      }
      if (element.includes('*')) {
        sawWildcard = true;
        if (options.expandWildcards.size > 0) result.push(...expandWildcard(element));
        continue;
      }
      if (element === '_all') {
        result.push(...expandWildcard('*'));
        continue;
      }
      literals.push(element);
      const index = byName.get(element);
      if (index !== undefined) {
        result.push(index.name);
        continue;
      }
      const members = aliases.get(element);
      if (members !== undefined) {
        if (options.ignoreAliases === true) aliasLiterals.push(element);
        else result.push(...members.map((member) => member.name));
        continue;
      }
      missing.push(element);
    }
  }
  access.authorizeLiterals(literals);
  // After authorization, so the refusal tells nothing about names the caller may not see.
  if (aliasLiterals.length > 0) {
    const literal = aliasLiterals[0]!;
    const isDataStream = aliases.get(literal)!.some((member) => member.aliases.get(literal)?.dataStream === true);
    throw isDataStream ? errors.expressionMatchesDataStream(literal) : errors.expressionMatchesAlias(literal);
  }
  if (missing.length > 0 && !options.ignoreUnavailable) throw errors.indexNotFound(missing[0]!);
  const indices = [...new Set(result)];
  if (indices.length === 0 && !options.allowNoIndices) {
    throw errors.indexNotFound(elements.length === 0 ? '_all' : elements.join(','));
  }
  return { indices, literals };
}

/**
 * The index a single-document write goes to: the index itself, or an alias's write index.
 * Returns `{ create: name }` when nothing has that name (auto-create).
 */
export function resolveWriteIndex(name: string, state: readonly IndexView[]): { readonly index: string } | { readonly create: string } {
  const index = state.find((candidate) => candidate.name === name);
  if (index !== undefined) return { index: index.name };
  const members = state.filter((candidate) => candidate.aliases.has(name));
  if (members.length === 0) return { create: name };
  const explicit = members.filter((member) => member.aliases.get(name)?.isWriteIndex === true);
  if (explicit.length === 1) return { index: explicit[0]!.name };
  if (members.length === 1 && members[0]!.aliases.get(name)?.isWriteIndex !== false) return { index: members[0]!.name };
  throw errors.illegalArgument(
    `no write index is defined for alias [${name}]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index`,
  );
}

/** The one index a single-document read targets (an index, or an alias with exactly one index). */
export function resolveSingleIndex(name: string, state: readonly IndexView[]): string {
  const index = state.find((candidate) => candidate.name === name);
  if (index !== undefined) return index.name;
  const members = state.filter((candidate) => candidate.aliases.has(name));
  if (members.length === 0) throw errors.indexNotFound(name);
  if (members.length > 1) {
    throw errors.illegalArgument(
      `alias [${name}] has more than one index associated with it [${members.map((member) => member.name).join(', ')}], can't execute a single index op`,
    );
  }
  return members[0]!.name;
}
