import { errors } from '../../common/index.js';
import type { StoredApiKey } from '../../security/index.js';

/**
 * `_security/_query/api_key`: a small query DSL over API key fields (id, name, type, username,
 * realm_name, creation, expiration, invalidated, invalidation, metadata.*). Pure.
 */
type Body = Record<string, unknown>;
type Predicate = (key: StoredApiKey) => boolean;

const isRecord = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

const FIELDS = new Set(['id', 'name', 'type', 'username', 'realm_name', 'creation', 'expiration', 'invalidated', 'invalidation']);

function fieldValue(key: StoredApiKey, field: string): unknown {
  switch (field) {
    case 'id':
      return key.id;
    case 'name':
      return key.name;
    case 'type':
      return key.type;
    case 'username':
      return key.username;
    case 'realm_name':
      return key.realm;
    case 'creation':
      return key.creationMs;
    case 'expiration':
      return key.expirationMs;
    case 'invalidated':
      return key.invalidated;
    case 'invalidation':
      return key.invalidationMs;
    default: {
      let current: unknown = key.metadata;
      for (const part of field.slice('metadata.'.length).split('.')) current = isRecord(current) ? current[part] : undefined;
      return current;
    }
  }
}

function checkField(field: string): string {
  const name = field === 'api_key_type' ? 'type' : field === 'realm' ? 'realm_name' : field;
  if (!FIELDS.has(name) && !name.startsWith('metadata.')) {
    throw errors.badRequest(`Field [${field}] is not allowed for querying or aggregation`);
  }
  return name;
}

function single(body: unknown, kind: string): [string, unknown] {
  if (!isRecord(body) || Object.keys(body).length !== 1) throw errors.parse(`[${kind}] query malformed, expected a single field`);
  const [field, value] = Object.entries(body)[0]!;
  return [checkField(field), value];
}

function valueOf(spec: unknown): unknown {
  return isRecord(spec) && 'value' in spec ? spec['value'] : spec;
}

const equals = (actual: unknown, wanted: unknown): boolean => actual !== undefined && actual !== null && String(actual) === String(wanted);

function toMs(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const parsed = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw errors.parse(`failed to parse date or number [${String(value)}]`);
}

export function compileKeyQuery(query: unknown, nowMs: number): Predicate {
  if (query === undefined) return () => true;
  if (!isRecord(query) || Object.keys(query).length !== 1) throw errors.parse('query malformed, must be an object with a single query type');
  const [type, body] = Object.entries(query)[0]!;
  switch (type) {
    case 'match_all':
      return () => true;
    case 'ids': {
      const values = isRecord(body) && Array.isArray(body['values']) ? (body['values'] as unknown[]).map(String) : [];
      return (key) => values.includes(key.id);
    }
    case 'term': {
      const [field, spec] = single(body, type);
      const wanted = valueOf(spec);
      return (key) => equals(fieldValue(key, field), wanted);
    }
    case 'terms': {
      const [field, values] = single(body, type);
      if (!Array.isArray(values)) throw errors.parse('[terms] query requires an array of values');
      return (key) => values.some((value) => equals(fieldValue(key, field), value));
    }
    case 'match': {
      const [field, spec] = single(body, type);
      const wanted = String(isRecord(spec) ? spec['query'] : spec).toLowerCase().split(/\s+/);
      return (key) => {
        const actual = fieldValue(key, field);
        return actual !== undefined && actual !== null && wanted.some((token) => String(actual).toLowerCase().split(/\s+/).includes(token));
      };
    }
    case 'prefix': {
      const [field, spec] = single(body, type);
      const prefix = String(valueOf(spec));
      return (key) => {
        const actual = fieldValue(key, field);
        return typeof actual === 'string' && actual.startsWith(prefix);
      };
    }
    case 'wildcard': {
      const [field, spec] = single(body, type);
      const pattern = String(isRecord(spec) ? (spec['value'] ?? spec['wildcard']) : spec);
      const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
      return (key) => {
        const actual = fieldValue(key, field);
        return typeof actual === 'string' && regex.test(actual);
      };
    }
    case 'exists': {
      const field = checkField(String(isRecord(body) ? body['field'] : ''));
      return (key) => {
        const actual = fieldValue(key, field);
        return actual !== undefined && actual !== null;
      };
    }
    case 'range': {
      const [field, spec] = single(body, type);
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
        const actual = fieldValue(key, field);
        return typeof actual === 'number' && checks.every((check) => check(actual));
      };
    }
    case 'bool': {
      if (!isRecord(body)) throw errors.parse('[bool] query malformed');
      const clauses = (name: string): Predicate[] => {
        const value = body[name];
        if (value === undefined) return [];
        return (Array.isArray(value) ? value : [value]).map((clause) => compileKeyQuery(clause, nowMs));
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

export function queryApiKeys(keys: readonly StoredApiKey[], body: Body, nowMs: number): { total: number; keys: { key: StoredApiKey; sort?: unknown[] }[] } {
  for (const field of Object.keys(body)) {
    if (!['query', 'from', 'size', 'sort', 'search_after', 'aggs', 'aggregations'].includes(field)) {
      throw errors.parse(`failed to parse query api key request. unexpected field [${field}]`);
    }
  }
  if (body['aggs'] !== undefined || body['aggregations'] !== undefined) {
    throw errors.illegalArgument('aggregations in the query API key API are not supported by this server');
  }
  const predicate = compileKeyQuery(body['query'], nowMs);
  const matching = keys.filter(predicate);
  const from = body['from'] === undefined ? 0 : Number(body['from']);
  const size = body['size'] === undefined ? 10 : Number(body['size']);
  if (!Number.isInteger(from) || from < 0) throw errors.illegalArgument('[from] parameter cannot be negative');
  if (!Number.isInteger(size) || size < 0) throw errors.illegalArgument('[size] parameter cannot be negative');
  const sortSpec = body['sort'];
  const sorts: { field: string; desc: boolean }[] = [];
  if (sortSpec !== undefined) {
    for (const entry of Array.isArray(sortSpec) ? sortSpec : [sortSpec]) {
      if (typeof entry === 'string') sorts.push({ field: checkField(entry), desc: false });
      else if (isRecord(entry)) {
        for (const [field, spec] of Object.entries(entry)) {
          const order = typeof spec === 'string' ? spec : isRecord(spec) ? spec['order'] : 'asc';
          sorts.push({ field: checkField(field), desc: order === 'desc' });
        }
      }
    }
  }
  const compare = (a: StoredApiKey, b: StoredApiKey): number => {
    for (const { field, desc } of sorts) {
      const x = fieldValue(a, field) as string | number | null;
      const y = fieldValue(b, field) as string | number | null;
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
        const x = fieldValue(key, field) as string | number;
        const y = after[i] as string | number;
        if (x === y) continue;
        return desc ? x < y : x > y;
      }
      return false;
    });
  }
  return {
    total: matching.length,
    keys: ordered.slice(from, from + size).map((key) => (sorts.length > 0 ? { key, sort: sorts.map((s) => fieldValue(key, s.field)) } : { key })),
  };
}
