/**
 * `_field_caps` (pure): the type, searchability and aggregatability of fields across indices,
 * read from their mappings.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-field-caps.html
 */
import { errors } from '../common/index.js';
import { wildcardMatch, type FlattenedMapping } from '../index/index.js';
import { parseQuery, type QueryNode } from '../index/query/index.js';

export interface FieldCapsIndex {
  readonly name: string;
  readonly mapping: FlattenedMapping;
}

export interface FieldCapsOptions {
  readonly fields: readonly string[];
  readonly includeUnmapped: boolean;
  /** `filters`: +metadata, -metadata, -nested, -multifield, -parent. */
  readonly filters: readonly string[];
  /** `types`: only fields of these types (empty: all). */
  readonly types: readonly string[];
  /** `index_filter`: only indices where a document the caller can see matches this query. */
  readonly indexFilter?: QueryNode;
}

interface Capability {
  readonly type: string;
  readonly metadataField: boolean;
  readonly searchable: boolean;
  readonly aggregatable: boolean;
  /** The mapping's `meta` in this index. */
  readonly meta?: Readonly<Record<string, string>>;
}

/** Metadata fields every index has, as Elasticsearch reports them. */
const metadataFields: readonly (Capability & { readonly path: string })[] = [
  { path: '_id', type: '_id', metadataField: true, searchable: true, aggregatable: false },
  { path: '_ignored', type: '_ignored', metadataField: true, searchable: true, aggregatable: false },
  { path: '_index', type: '_index', metadataField: true, searchable: true, aggregatable: true },
  { path: '_routing', type: '_routing', metadataField: true, searchable: true, aggregatable: false },
  { path: '_seq_no', type: '_seq_no', metadataField: true, searchable: true, aggregatable: true },
  { path: '_source', type: '_source', metadataField: true, searchable: false, aggregatable: false },
  { path: '_tier', type: '_tier', metadataField: true, searchable: true, aggregatable: true },
  { path: '_version', type: '_version', metadataField: true, searchable: false, aggregatable: true },
];

function capabilityOf(type: string, indexed: boolean): Capability {
  if (type === 'text' || type === 'match_only_text' || type === 'completion') return { type, metadataField: false, searchable: indexed, aggregatable: false };
  // binary values live in _source only: neither searchable nor aggregatable.
  if (type === 'binary') return { type, metadataField: false, searchable: false, aggregatable: false };
  return { type, metadataField: false, searchable: indexed, aggregatable: true };
}

/** Elasticsearch's boolean parameter rule (`include_unmapped`): present with no value or "true" is true, "false" false, else refused. */
function booleanParam(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === '' || value === 'true') return true;
  throw errors.illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
}

const knownFilters = new Set(['+metadata', '-metadata', '-nested', '-multifield', '-parent']);

export function parseFieldCapsOptions(query: Readonly<Record<string, string>>, body: unknown): FieldCapsOptions {
  const split = (value: unknown): string[] => {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value.map(String);
    return String(value).split(',').map((item) => item.trim()).filter((item) => item !== '');
  };
  // Elasticsearch reads a body with its field_caps_request object parser, which wants an object
  if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
    const token = body === null ? 'VALUE_NULL' : Array.isArray(body) ? 'START_ARRAY' : typeof body === 'string' ? 'VALUE_STRING' : typeof body === 'number' ? 'VALUE_NUMBER' : 'VALUE_BOOLEAN';
    throw errors.xContentParse(`[1:1] [field_caps_request] Expected START_OBJECT but was: ${token}`);
  }
  const bodyJson = (body ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(bodyJson)) {
    if (key !== 'fields' && key !== 'index_filter' && key !== 'runtime_mappings') throw errors.parsing(`[field_caps_request] unknown field [${key}]`);
  }
  if (bodyJson['runtime_mappings'] !== undefined) throw errors.illegalArgument('[runtime_mappings] is not supported by Strait');
  const fields = query['fields'] !== undefined ? split(query['fields']) : split(bodyJson['fields']);
  if (fields.length === 0) throw errors.actionRequestValidation(['specified fields can\'t be null']);
  const filters = split(query['filters']);
  for (const filter of filters) if (!knownFilters.has(filter)) throw errors.illegalArgument(`${filter} is not a recognized filter option`);
  const includeUnmapped = booleanParam(query['include_unmapped']);
  const indexFilter = bodyJson['index_filter'] === undefined ? undefined : parseQuery(bodyJson['index_filter']);
  return { fields, includeUnmapped, filters, types: split(query['types']), ...(indexFilter !== undefined ? { indexFilter } : {}) };
}

/** The `_field_caps` answer for these (already authorized) indices. */
export function fieldCaps(indices: readonly FieldCapsIndex[], options: FieldCapsOptions): Record<string, unknown> {
  const matches = (path: string): boolean => options.fields.some((pattern) => wildcardMatch(pattern, path));
  // path → type → { capability, indices, nonSearchable, nonAggregatable }
  const found = new Map<string, Map<string, { capability: Capability; indices: string[]; nonSearchable: string[]; nonAggregatable: string[]; meta: Map<string, Set<string>> }>>();
  const add = (path: string, index: string, capability: Capability): void => {
    let byType = found.get(path);
    if (byType === undefined) found.set(path, (byType = new Map()));
    let entry = byType.get(capability.type);
    if (entry === undefined) byType.set(capability.type, (entry = { capability, indices: [], nonSearchable: [], nonAggregatable: [], meta: new Map() }));
    entry.indices.push(index);
    // `meta` merges across indices: each key lists the distinct values, sorted (FieldCapabilities.Builder).
    for (const [key, value] of Object.entries(capability.meta ?? {})) {
      const values = entry.meta.get(key) ?? new Set<string>();
      values.add(String(value));
      entry.meta.set(key, values);
    }
    if (!capability.searchable) entry.nonSearchable.push(index);
    if (!capability.aggregatable) entry.nonAggregatable.push(index);
  };
  const wantMetadata = !options.filters.includes('-metadata');
  for (const index of indices) {
    if (wantMetadata) for (const field of metadataFields) if (matches(field.path)) add(field.path, index.name, field);
    for (const [path, field] of index.mapping.fields) {
      if (!matches(path)) continue;
      if (field.parentPath !== undefined && options.filters.includes('-multifield')) continue;
      if (field.nestedPath !== undefined && options.filters.includes('-nested')) continue;
      // A field alias reports its target's capabilities, as Elasticsearch does.
      const target = field.aliasPath === undefined ? field : index.mapping.fields.get(field.aliasPath);
      if (target !== undefined) add(path, index.name, { ...capabilityOf(target.type, target.indexed), ...(target.meta !== undefined ? { meta: target.meta } : {}) });
    }
    if (!options.filters.includes('-parent')) {
      for (const [path, type] of index.mapping.objects) {
        if (!matches(path)) continue;
        if (type === 'nested' && options.filters.includes('-nested')) continue;
        add(path, index.name, { type, metadataField: false, searchable: false, aggregatable: false });
      }
    }
  }
  const names = indices.map((index) => index.name).sort();
  const fields: Record<string, unknown> = {};
  for (const path of [...found.keys()].sort()) {
    const byType = found.get(path)!;
    const rendered: Record<string, unknown> = {};
    let mappedIn = 0;
    for (const [type, entry] of [...byType.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))) {
      if (options.types.length > 0 && !options.types.includes(type)) continue;
      mappedIn += entry.indices.length;
      const searchable = entry.nonSearchable.length === 0;
      const aggregatable = entry.nonAggregatable.length === 0;
      const capability: Record<string, unknown> = { type, metadata_field: entry.capability.metadataField, searchable, aggregatable };
      if (byType.size > 1 || (options.includeUnmapped && entry.indices.length < names.length && !entry.capability.metadataField)) capability['indices'] = [...entry.indices].sort();
      if (!searchable && entry.nonSearchable.length < entry.indices.length) capability['non_searchable_indices'] = [...entry.nonSearchable].sort();
      if (!aggregatable && entry.nonAggregatable.length < entry.indices.length) capability['non_aggregatable_indices'] = [...entry.nonAggregatable].sort();
      if (entry.meta.size > 0) capability['meta'] = Object.fromEntries([...entry.meta].sort(([left], [right]) => (left < right ? -1 : 1)).map(([key, values]) => [key, [...values].sort()]));
      rendered[type] = capability;
    }
    if (Object.keys(rendered).length === 0) continue;
    const mapped = new Set([...byType.values()].flatMap((entry) => entry.indices));
    if (options.includeUnmapped && mapped.size < names.length && mappedIn > 0) {
      rendered['unmapped'] = { type: 'unmapped', metadata_field: false, searchable: false, aggregatable: false, indices: names.filter((name) => !mapped.has(name)) };
    }
    fields[path] = rendered;
  }
  return { indices: names, fields };
}
