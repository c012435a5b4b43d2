/**
 * Document and field level security (pure): what part of an index a caller may read.
 *
 * A role's `indices` entry may carry a `query` (document level security, DLS) and a
 * `field_security` `{grant, except}` (field level security, FLS). Elasticsearch combines them in
 * two different ways (reference: "Multiple roles with document and field level security",
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/field-and-document-access-control.html):
 * - within one set of role descriptors (a user's roles), the entries that grant the action on the
 *   index are alternatives: their queries are OR-ed and their field grants unioned; one entry
 *   without a query (or without field_security) lifts that restriction for the whole set;
 * - across sets (an API key's descriptors limited by its owner's roles; a cross-cluster key's
 *   `search` part intersected with the user's `remote_indices`), each set restricts further:
 *   queries are AND-ed, visible fields intersected.
 * `IndexAccess` keeps the sets apart (`queries[i]` / `fields[i]` is set i's alternatives) so both
 * rules are applied once, by `dlsQueryOf` and `fieldVisibilityOf`.
 */
import { errors } from '../common/index.js';
import { parseQuery } from '../index/query/parse.js';
import type { ReadRestriction } from '../index/source-filter.js';
import { compilePatterns, globCovers } from './patterns.js';

export interface FieldSecurity {
  readonly grant: readonly string[];
  readonly except: readonly string[];
}

/** The DLS/FLS parts of a role `indices` entry. */
export interface DocumentFieldSecurity {
  /** The role query as written: a query object, a JSON string, or a `{template: {source, params}}`. */
  readonly query?: unknown;
  readonly fieldSecurity?: FieldSecurity;
}

/**
 * What restricts a caller's reads of one index. Empty lists: no restriction of that kind.
 * `queries[i]` holds one set's OR-ed queries; `fields[i]` one set's unioned grants.
 */
export interface IndexAccess {
  readonly queries: readonly (readonly unknown[])[];
  readonly fields: readonly (readonly FieldSecurity[])[];
}

/** An entry's DLS/FLS parts, only those it has (a descriptor entry, a compiled group, a remote entry). */
export function documentFieldSecurityOf(entry: DocumentFieldSecurity): DocumentFieldSecurity {
  return {
    ...(entry.query !== undefined ? { query: entry.query } : {}),
    ...(entry.fieldSecurity !== undefined ? { fieldSecurity: entry.fieldSecurity } : {}),
  };
}

/** The DLS/FLS parts as Elasticsearch renders an indices entry: `field_security` (no empty `except`), then the query as text. */
export function renderDocumentFieldSecurity(entry: DocumentFieldSecurity): Record<string, unknown> {
  return {
    ...(entry.fieldSecurity !== undefined ? { field_security: { grant: entry.fieldSecurity.grant, ...(entry.fieldSecurity.except.length > 0 ? { except: entry.fieldSecurity.except } : {}) } } : {}),
    // Elasticsearch keeps the role query as text and renders it as a string.
    ...(entry.query !== undefined ? { query: typeof entry.query === 'string' ? entry.query : JSON.stringify(entry.query) } : {}),
  };
}

export const unrestrictedAccess: IndexAccess = { queries: [], fields: [] };

/** One set's contribution from the entries that grant the action on the index (no entry: no restriction; `allowsIndex` refuses such a read anyway). */
export function accessOfEntries(entries: readonly DocumentFieldSecurity[]): IndexAccess {
  if (entries.length === 0) return unrestrictedAccess;
  const allDocuments = entries.some((entry) => entry.query === undefined);
  const allFields = entries.some((entry) => entry.fieldSecurity === undefined);
  return {
    queries: allDocuments ? [] : [entries.map((entry) => entry.query)],
    fields: allFields ? [] : [entries.map((entry) => entry.fieldSecurity!)],
  };
}

/** Both sets restrict: their queries AND, their fields intersect. */
export function intersectAccess(first: IndexAccess, second: IndexAccess): IndexAccess {
  if (second.queries.length === 0 && second.fields.length === 0) return first;
  if (first.queries.length === 0 && first.fields.length === 0) return second;
  return { queries: [...first.queries, ...second.queries], fields: [...first.fields, ...second.fields] };
}

export function isRestricted(access: IndexAccess): boolean {
  return access.queries.length > 0 || access.fields.length > 0;
}

// ---------------------------------------------------------------- parsing

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function patternList(role: string, field: string, value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw errors.parse(`failed to parse indices privileges for role [${role}]. [field_security.${field}] must be a string or an array of strings`);
  }
  return value as string[];
}

/** `field_security: {grant, except}`; `except` must only remove fields that `grant` gives. */
export function parseFieldSecurity(role: string, value: unknown): FieldSecurity {
  if (!isRecord(value)) throw errors.parse(`failed to parse indices privileges for role [${role}]. [field_security] must be an object`);
  let grant: string[] | undefined;
  let except: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (key === 'grant') grant = patternList(role, key, item);
    else if (key === 'except') except = patternList(role, key, item);
    else throw errors.parse(`failed to parse indices privileges for role [${role}]. unexpected field [field_security.${key}]`);
  }
  // Elasticsearch reads a missing grant as "grant nothing" only when except is also missing; we
  // require the list so that a typo cannot silently hide every field.
  if (grant === undefined) throw errors.parse(`failed to parse indices privileges for role [${role}]. [field_security] requires [grant]`);
  const outside = except.filter((pattern) => !grant!.some((granted) => globCovers(granted, pattern)));
  if (outside.length > 0) {
    throw errors.parse(`Exceptions for field permissions must be a subset of the granted fields but [${outside.join(', ')}] are not in the grant list`);
  }
  return { grant, except };
}

/** A role query: an object, or a string holding a JSON object. Checked to be one-key JSON here. */
export function parseRoleQuery(role: string, value: unknown): unknown {
  let query: unknown = value;
  if (typeof value === 'string') {
    try {
      query = JSON.parse(value) as unknown;
    } catch {
      throw errors.parse(`failed to parse indices privileges for role [${role}]. [query] is not valid JSON`);
    }
  }
  if (!isRecord(query) || Object.keys(query).length !== 1) {
    throw errors.parse(`failed to parse indices privileges for role [${role}]. [query] must be a query object with a single query`);
  }
  if (isRecord(query['template'])) {
    const source = query['template']['source'] ?? query['template']['inline'];
    if (source === undefined) throw errors.parse(`failed to parse indices privileges for role [${role}]. [query.template] requires [source]`);
  }
  return value;
}

// ---------------------------------------------------------------- templates

/** The `_user` object a templated role query sees (Elasticsearch's names). */
export interface TemplateUser {
  readonly username: string;
  readonly roles: readonly string[];
  readonly fullName: string | null;
  readonly email: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}

function lookup(path: string, params: Readonly<Record<string, unknown>>): unknown {
  let value: unknown = params;
  for (const part of path.trim().split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(part)) value = value[Number(part)];
    else if (isRecord(value)) value = value[part];
    else return undefined;
  }
  return value;
}

/**
 * Mustache as role queries use it: `{{var}}` (dotted path; arrays join with commas, missing is
 * empty) and `{{#toJson}}var{{/toJson}}` (the value as JSON). Values inside JSON strings are
 * JSON-escaped so that a username cannot break out of the query.
 */
export function renderTemplate(source: string, params: Readonly<Record<string, unknown>>): string {
  return source
    .replace(/\{\{#toJson\}\}([^{}]+)\{\{\/toJson\}\}/g, (_, path: string) => JSON.stringify(lookup(path, params) ?? null))
    .replace(/\{\{\{?([^#/{}][^{}]*)\}?\}\}/g, (_, path: string) => {
      const value = lookup(path, params);
      if (value === undefined || value === null) return '';
      const text = Array.isArray(value) ? value.map(String).join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value);
      return JSON.stringify(text).slice(1, -1);
    });
}

/**
 * Checks role queries when a role is stored, as Elasticsearch does: each must parse as a query
 * (a template is rendered for a user with empty values first). 400 `parse_exception` naming the
 * entry otherwise.
 */
export function validateRoleQueries(entries: readonly { readonly names: readonly string[]; readonly query?: unknown }[]): void {
  const probe: TemplateUser = { username: '', roles: [], fullName: null, email: null, metadata: {} };
  entries.forEach((entry, position) => {
    if (entry.query === undefined) return;
    try {
      parseQuery(resolveRoleQuery(entry.query, probe));
    } catch (error) {
      const detail = error instanceof Error ? `: ${error.message}` : '';
      throw errors.parse(`failed to parse field 'query' for indices [${entry.names.join(',')}] at index privilege [${position}] of role descriptor${detail}`);
    }
  });
}

/** The query a role query stands for, for this user (templates rendered). Throws 400 on bad JSON. */
export function resolveRoleQuery(query: unknown, user: TemplateUser): unknown {
  const parsed: unknown = typeof query === 'string' ? JSON.parse(query) : query;
  if (!isRecord(parsed) || !isRecord(parsed['template'])) return parsed;
  const template = parsed['template'];
  const source = template['source'] ?? template['inline'];
  const params = {
    ...(isRecord(template['params']) ? template['params'] : {}),
    _user: { username: user.username, roles: user.roles, full_name: user.fullName, email: user.email, metadata: user.metadata },
  };
  const text = typeof source === 'string' ? source : JSON.stringify(source);
  const rendered = renderTemplate(text, params);
  try {
    return JSON.parse(rendered) as unknown;
  } catch {
    throw errors.parse(`failed to parse the rendered role query [${rendered}]`);
  }
}

/**
 * The DLS filter as a query object (OR within a set, AND across sets), or undefined when every
 * document is visible.
 */
export function dlsQueryOf(access: IndexAccess, user: TemplateUser): Record<string, unknown> | undefined {
  if (access.queries.length === 0) return undefined;
  const perSet = access.queries.map((alternatives) => {
    const resolved = alternatives.map((query) => resolveRoleQuery(query, user));
    return resolved.length === 1 ? resolved[0] : { bool: { should: resolved, minimum_should_match: 1 } };
  });
  return perSet.length === 1 ? (perSet[0] as Record<string, unknown>) : { bool: { filter: perSet } };
}

// ---------------------------------------------------------------- fields

/** Metadata fields stay readable whatever the field grants (Elasticsearch's FieldPermissions). */
const metadataFields = new Set(['_id', '_index', '_routing', '_version', '_seq_no', '_primary_term', '_source', '_score', '_doc', '_ignored', '_tier', '_data_stream_timestamp', '_field_names', '_size', '_type', '_parent', '_timestamp', '_ttl']);

/** Is a dotted field path readable? `undefined` from `fieldVisibilityOf`: every field. */
export type FieldVisibility = (path: string) => boolean;

function compileFieldSecurity(security: FieldSecurity): FieldVisibility {
  const granted = compilePatterns(security.grant);
  const excepted = compilePatterns(security.except);
  return (path) => granted(path) && !excepted(path);
}

/** Ours: answers remembered per predicate (a mapping rarely has more fields). */
const fieldVisibilityCacheEntriesMax = 10_000;

/** Compiled predicates by access object: a permission hands out the same object for the same read. */
const compiledVisibility = new WeakMap<IndexAccess, FieldVisibility>();

/** Union within a set, intersection across sets; metadata fields always visible. */
export function fieldVisibilityOf(access: IndexAccess): FieldVisibility | undefined {
  if (access.fields.length === 0) return undefined;
  let visibility = compiledVisibility.get(access);
  if (visibility === undefined) compiledVisibility.set(access, (visibility = compileFieldVisibility(access)));
  return visibility;
}

function compileFieldVisibility(access: IndexAccess): FieldVisibility {
  const sets = access.fields.map((alternatives) => alternatives.map(compileFieldSecurity));
  const cache = new Map<string, boolean>();
  return (path) => {
    if (metadataFields.has(path)) return true;
    let visible = cache.get(path);
    if (visible === undefined) {
      visible = sets.every((alternatives) => alternatives.some((matches) => matches(path)));
      if (cache.size < fieldVisibilityCacheEntriesMax) cache.set(path, visible);
    }
    return visible;
  };
}

/** What the read paths enforce: the DLS query and the FLS predicate, or undefined when neither. */
export function readRestrictionOf(access: IndexAccess, user: TemplateUser): ReadRestriction | undefined {
  if (!isRestricted(access)) return undefined;
  const query = dlsQueryOf(access, user);
  const fields = fieldVisibilityOf(access);
  return { ...(query !== undefined ? { query } : {}), ...(fields !== undefined ? { fields, fieldSets: access.fields } : {}) };
}

/**
 * A restriction that travelled to this node with a multi-node search's shard request: the DLS
 * query as the coordinating node resolved it (templates rendered) and the FLS sets it compiled
 * from; the field predicate is compiled here as there.
 */
export function readRestrictionFromParts(query: Readonly<Record<string, unknown>> | undefined, fieldSets: readonly (readonly FieldSecurity[])[] | undefined): ReadRestriction | undefined {
  if (query === undefined && (fieldSets === undefined || fieldSets.length === 0)) return undefined;
  const fields = fieldSets === undefined || fieldSets.length === 0 ? undefined : compileFieldVisibility({ queries: [], fields: fieldSets });
  return { ...(query !== undefined ? { query } : {}), ...(fields !== undefined ? { fields, fieldSets: fieldSets! } : {}) };
}

/**
 * CVE-2024-23445's rule (Elasticsearch 8.14+): a cross-cluster key whose `search` part has DLS or
 * FLS may not also grant replication, because replication copies whole documents. Keys stored
 * before the rule are refused on use with this reason (undefined: the key is fine).
 */
export function crossClusterKeyProblem(indices: readonly { readonly privileges: readonly string[]; readonly query?: unknown; readonly fieldSecurity?: FieldSecurity }[]): string | undefined {
  const replication = indices.some((entry) => entry.privileges.includes('cross_cluster_replication'));
  const restrictedSearch = indices.some((entry) => !entry.privileges.includes('cross_cluster_replication') && (entry.query !== undefined || entry.fieldSecurity !== undefined));
  return replication && restrictedSearch ? 'search does not support document or field level security if replication is assigned' : undefined;
}
