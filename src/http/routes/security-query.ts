import { errors, limits } from '../../common/index.js';
import type { RoleDescriptor, StoredApiKey, StoredUser } from '../../security/index.js';

/**
 * The `_security/_query/{api_key,user,role}` APIs: a small query DSL (match_all, ids, term, terms,
 * match, prefix, wildcard, exists, range, bool) with from/size/sort/search_after over the fields of
 * one kind of security object. Pure.
 */
type Body = Record<string, unknown>;

/** How one kind of object exposes its fields to queries. */
export interface QuerySchema<T> {
  readonly what: string;
  /** The canonical field name for a queried one, or undefined when it may not be queried. */
  field(name: string): string | undefined;
  value(item: T, field: string): unknown;
  id(item: T): string;
}

const isRecord = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

function metadataValue(metadata: Record<string, unknown>, field: string): unknown {
  let current: unknown = metadata;
  for (const part of field.slice('metadata.'.length).split('.')) current = isRecord(current) ? current[part] : undefined;
  return current;
}

const API_KEY_FIELDS: Record<string, string> = {
  id: 'id', name: 'name', type: 'type', api_key_type: 'type', username: 'username', realm_name: 'realm_name', realm: 'realm_name',
  creation: 'creation', expiration: 'expiration', invalidated: 'invalidated', invalidation: 'invalidation',
};

export const apiKeySchema: QuerySchema<StoredApiKey> = {
  what: 'API key',
  field: (name) => API_KEY_FIELDS[name] ?? (name.startsWith('metadata.') ? name : undefined),
  id: (key) => key.id,
  value: (key, field) => {
    switch (field) {
      case 'id': return key.id;
      case 'name': return key.name;
      case 'type': return key.type;
      case 'username': return key.username;
      case 'realm_name': return key.realm;
      case 'creation': return key.creationMs;
      case 'expiration': return key.expirationMs;
      case 'invalidated': return key.invalidated;
      case 'invalidation': return key.invalidationMs;
      default: return metadataValue(key.metadata, field);
    }
  },
};

function checkField<T>(schema: QuerySchema<T>, field: string): string {
  const name = schema.field(field);
  if (name === undefined) throw errors.badRequest(`Field [${field}] is not allowed for ${schema.what} query or aggregation`);
  return name;
}

function single<T>(schema: QuerySchema<T>, body: unknown, kind: string): [string, unknown] {
  if (!isRecord(body) || Object.keys(body).length !== 1) throw errors.parse(`[${kind}] query malformed, expected a single field`);
  const [field, value] = Object.entries(body)[0]!;
  return [checkField(schema, field), value];
}

function valueOf(spec: unknown): unknown {
  return isRecord(spec) && 'value' in spec ? spec['value'] : spec;
}

const equals = (actual: unknown, wanted: unknown): boolean =>
  Array.isArray(actual) ? actual.some((one) => equals(one, wanted)) : actual !== undefined && actual !== null && String(actual) === String(wanted);

function toMs(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const parsed = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw errors.parse(`failed to parse date or number [${String(value)}]`);
}

export function compileQuery<T>(schema: QuerySchema<T>, query: unknown, nowMs: number, depth = 1): (item: T) => boolean {
  if (query === undefined) return () => true;
  // The query DSL's nesting limit (indices.query.bool.max_nested_depth) applies here as to _search.
  if (depth > limits.queryNestedDepthMax) {
    throw errors.illegalArgument('The nested depth of the query exceeds the maximum nested depth for queries set in [indices.query.bool.max_nested_depth]');
  }
  if (!isRecord(query) || Object.keys(query).length !== 1) throw errors.parse('query malformed, must be an object with a single query type');
  const [type, body] = Object.entries(query)[0]!;
  switch (type) {
    case 'match_all':
      return () => true;
    case 'ids': {
      const values = isRecord(body) && Array.isArray(body['values']) ? (body['values'] as unknown[]).map(String) : [];
      return (key) => values.includes(schema.id(key));
    }
    case 'term': {
      const [field, spec] = single(schema, body, type);
      const wanted = valueOf(spec);
      return (key) => equals(schema.value(key, field), wanted);
    }
    case 'terms': {
      const [field, values] = single(schema, body, type);
      if (!Array.isArray(values)) throw errors.parse('[terms] query requires an array of values');
      return (key) => values.some((value) => equals(schema.value(key, field), value));
    }
    case 'match': {
      const [field, spec] = single(schema, body, type);
      const wanted = String(isRecord(spec) ? spec['query'] : spec).toLowerCase().split(/\s+/);
      return (key) => {
        const actual = schema.value(key, field);
        return actual !== undefined && actual !== null && wanted.some((token) => String(actual).toLowerCase().split(/\s+/).includes(token));
      };
    }
    case 'prefix': {
      const [field, spec] = single(schema, body, type);
      const prefix = String(valueOf(spec));
      return (key) => {
        const actual = schema.value(key, field);
        return typeof actual === 'string' && actual.startsWith(prefix);
      };
    }
    case 'wildcard': {
      const [field, spec] = single(schema, body, type);
      const pattern = String(isRecord(spec) ? (spec['value'] ?? spec['wildcard']) : spec);
      const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
      return (key) => {
        const actual = schema.value(key, field);
        return typeof actual === 'string' && regex.test(actual);
      };
    }
    case 'exists': {
      const field = checkField(schema, String(isRecord(body) ? body['field'] : ''));
      return (key) => {
        const actual = schema.value(key, field);
        return actual !== undefined && actual !== null;
      };
    }
    case 'range': {
      const [field, spec] = single(schema, body, type);
      if (!isRecord(spec)) throw errors.parse('[range] query malformed');
      const bound = (value: unknown): number => (value === 'now' ? nowMs : toMs(value));
      const checks: ((v: number) => boolean)[] = [];
      for (const [op, value] of Object.entries(spec)) {
        if (op === 'gt') checks.push((v) => v > bound(value));
        else if (op === 'gte') checks.push((v) => v >= bound(value));
        else if (op === 'lt') checks.push((v) => v < bound(value));
        else if (op === 'lte') checks.push((v) => v <= bound(value));
        else if (op !== 'format' && op !== 'time_zone') throw errors.parse(`[range] query does not support [${op}]`);
      }
      return (key) => {
        const actual = schema.value(key, field);
        return typeof actual === 'number' && checks.every((check) => check(actual));
      };
    }
    case 'bool': {
      if (!isRecord(body)) throw errors.parse('[bool] query malformed');
      const clauses = (name: string): ((item: T) => boolean)[] => {
        const value = body[name];
        if (value === undefined) return [];
        return (Array.isArray(value) ? value : [value]).map((clause) => compileQuery(schema, clause, nowMs, depth + 1));
      };
      const must = [...clauses('must'), ...clauses('filter')];
      const should = clauses('should');
      const mustNot = clauses('must_not');
      const minimumShould = Number(body['minimum_should_match'] ?? (must.length === 0 && should.length > 0 ? 1 : 0));
      return (key) =>
        must.every((p) => p(key)) && !mustNot.some((p) => p(key)) && should.filter((p) => p(key)).length >= minimumShould;
    }
    default:
      throw errors.badRequest(`Query type [${type}] is not currently supported in this context`);
  }
}

export function runQuery<T>(schema: QuerySchema<T>, keys: readonly T[], body: Body, nowMs: number): { total: number; items: { item: T; sort?: unknown[] }[] } {
  for (const field of Object.keys(body)) {
    if (!['query', 'from', 'size', 'sort', 'search_after', 'aggs', 'aggregations'].includes(field)) {
      throw errors.parse(`failed to parse ${schema.what} query request. unexpected field [${field}]`);
    }
  }
  if (body['aggs'] !== undefined || body['aggregations'] !== undefined) {
    throw errors.illegalArgument(`aggregations in the ${schema.what} query API are not supported by this server`);
  }
  const predicate = compileQuery(schema, body['query'], nowMs);
  const matching = keys.filter(predicate);
  const from = body['from'] === undefined ? 0 : Number(body['from']);
  const size = body['size'] === undefined ? 10 : Number(body['size']);
  if (!Number.isInteger(from) || from < 0) throw errors.illegalArgument('[from] parameter cannot be negative');
  if (!Number.isInteger(size) || size < 0) throw errors.illegalArgument('[size] parameter cannot be negative');
  const sortSpec = body['sort'];
  const sorts: { field: string; desc: boolean }[] = [];
  if (sortSpec !== undefined) {
    for (const entry of Array.isArray(sortSpec) ? sortSpec : [sortSpec]) {
      if (typeof entry === 'string') sorts.push({ field: checkField(schema, entry), desc: false });
      else if (isRecord(entry)) {
        for (const [field, spec] of Object.entries(entry)) {
          const order = typeof spec === 'string' ? spec : isRecord(spec) ? spec['order'] : 'asc';
          sorts.push({ field: checkField(schema, field), desc: order === 'desc' });
        }
      }
    }
  }
  const compare = (a: T, b: T): number => {
    for (const { field, desc } of sorts) {
      const x = schema.value(a, field) as string | number | null;
      const y = schema.value(b, field) as string | number | null;
      if (x === y) continue;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const c = x < y ? -1 : 1;
      return desc ? -c : c;
    }
    return 0;
  };
  let ordered = sorts.length > 0 ? [...matching].sort(compare) : matching;
  const after = body['search_after'];
  if (Array.isArray(after) && sorts.length > 0) {
    ordered = ordered.filter((key) => {
      for (let i = 0; i < sorts.length; i++) {
        const { field, desc } = sorts[i]!;
        const x = schema.value(key, field) as string | number;
        const y = after[i] as string | number;
        if (x === y) continue;
        return desc ? x < y : x > y;
      }
      return false;
    });
  }
  return {
    total: matching.length,
    items: ordered.slice(from, from + size).map((item) => (sorts.length > 0 ? { item, sort: sorts.map((s) => schema.value(item, s.field)) } : { item })),
  };
}

export const userSchema: QuerySchema<StoredUser> = {
  what: 'user',
  field: (name) => (['username', 'roles', 'enabled', 'full_name', 'email'].includes(name) ? name : undefined),
  id: (user) => user.username,
  value: (user, field) => {
    switch (field) {
      case 'username': return user.username;
      case 'roles': return user.roles;
      case 'enabled': return user.enabled;
      case 'full_name': return user.fullName;
      default: return user.email;
    }
  },
};

export const roleSchema: QuerySchema<RoleDescriptor> = {
  what: 'role',
  field: (name) =>
    ['name', 'description'].includes(name) || name.startsWith('metadata.') ? name : name === 'applications.application' || name === 'applications.resources' ? name : undefined,
  id: (role) => role.name,
  value: (role, field) => {
    if (field === 'name') return role.name;
    if (field === 'description') return role.description ?? null;
    if (field === 'applications.application') return role.applications.map((a) => a['application']);
    if (field === 'applications.resources') return role.applications.flatMap((a) => (Array.isArray(a['resources']) ? a['resources'] : []));
    return metadataValue(role.metadata, field);
  },
};
