/**
 * Document operations (the shell between REST routes and the shard stores): index, create,
 * get, delete, update, bulk and mget with Elasticsearch's versioning rules.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-index_.html
 * (optimistic concurrency: if_seq_no/if_primary_term; external versions), docs-update.html,
 * docs-bulk.html, docs-multi-get.html.
 */
import { assert, checkJsonNestingDepth, errors, EsError, limits, runToEnd } from '../common/index.js';
import type { IndexHandle, IndicesService } from './indices-service.js';
import { checkFieldLimits, checkAnalysisNames, deepFreezeMapping, keepsWholeSource, parseDocument, parseDocumentAgainst, sourceMappingOf, storedSourceOf, type RootMapping } from './mapping/index.js';
import { storedAnalyzersOf, storedNormalizersOf } from './analysis/index.js';
import { validateDocumentId } from './names.js';
import { settingBoolean, settingInteger } from './settings.js';
import { documentMatchesQuery } from './document-visibility.js';
import { ignoredFieldsOf } from './document-ignored.js';
import { fetchWholeSource, filterSource, filterSourceFields, sourceFilterFromBody, type ReadRestriction, type SourceFilter } from './source-filter.js';
import type { ShardStore } from './store/index.js';
import type { IngestOutcome, IngestRequest } from './ingest/index.js';
import { compileScript, parseScriptSpec, runWriteScript } from './script/index.js';

export type RefreshPolicy = 'false' | 'true' | 'wait_for';
export type VersionType = 'internal' | 'external' | 'external_gte';
export type OpType = 'index' | 'create';
type WriteKind = OpType | 'delete' | 'update';

/**
 * Elasticsearch's reserved version values (Versions.java): "any version" is what a request
 * without `version` carries; "deleted" is what a create resolves to (the id must not exist).
 * Both may also be sent explicitly with internal versioning.
 */
export const versionMatchAny = -3;
export const versionMatchDeleted = -4;
/** Elasticsearch's unassigned `if_seq_no` (SequenceNumbers.UNASSIGNED_SEQ_NO): the same as absent. */
const seqNoUnassigned = -2;

export interface Concurrency {
  readonly ifSeqNo?: number;
  readonly ifPrimaryTerm?: number;
  /** Absent: any version (Elasticsearch's MATCH_ANY). */
  readonly version?: number;
  readonly versionType?: VersionType;
}

export interface WriteOutcome {
  readonly handle: IndexHandle;
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** False for a noop update: nothing was written. */
  readonly wrote: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `_shards` of a write: the primary succeeded; replicas cannot be assigned on one node. */
export function writeShards(handle: IndexHandle): { total: number; successful: number; failed: number } {
  return { total: 1 + settingInteger(handle.metadata.settings, 'index.number_of_replicas'), successful: 1, failed: 0 };
}

export function parseRefresh(value: string | undefined): RefreshPolicy {
  if (value === undefined || value === 'false') return 'false';
  if (value === '' || value === 'true') return 'true';
  if (value === 'wait_for') return 'wait_for';
  throw errors.illegalArgument(`Unknown value for refresh: [${value}].`);
}

export function parseVersionType(value: string | undefined): VersionType {
  if (value === undefined || value === 'internal') return 'internal';
  if (value === 'external' || value === 'external_gt') return 'external';
  if (value === 'external_gte') return 'external_gte';
  if (value === 'force') throw errors.illegalArgument('version type [force] may no longer be used');
  throw errors.illegalArgument(`No version type match [${value}]`);
}

/** The version type as Elasticsearch names it in messages (the Java enum constant). */
function versionTypeName(versionType: VersionType): string {
  return versionType.toUpperCase();
}

/** Java's long range, as decimal text, for telling "not a long" from "a long we cannot hold". */
const longMinText = '-9223372036854775808';
const longMaxText = '9223372036854775807';

function withinLong(digits: string): boolean {
  const negative = digits.startsWith('-');
  const magnitude = (negative ? digits.slice(1) : digits).replace(/^0+(?=\d)/, '');
  const bound = negative ? longMinText.slice(1) : longMaxText;
  return magnitude.length < bound.length || (magnitude.length === bound.length && magnitude <= bound);
}

/**
 * A long parameter (`version`, `if_seq_no`, `if_primary_term`), from a query string or bulk
 * metadata. Text that is no long is Elasticsearch's 400; a long beyond what a JavaScript number
 * holds exactly (2^53 - 1) is refused with its own 400 rather than silently rounded.
 */
export function parseLong(value: string | number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const failed = (): EsError => errors.illegalArgument(`Failed to parse long parameter [${name}] with value [${text}]`);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw failed();
  } else if (!/^[+-]?\d+$/.test(value) || !withinLong(value.replace(/^\+/, ''))) {
    throw failed();
  }
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw errors.illegalArgument(`[${name}] value [${text}] is beyond the largest value Strait stores exactly [${Number.MAX_SAFE_INTEGER}]`);
  }
  return number;
}

/**
 * Reads `if_seq_no`, `if_primary_term`, `version`, `version_type` (query parameters or bulk
 * metadata). Negative sequence numbers and primary terms are refused here, as Elasticsearch's
 * request setters do; the unassigned values (`if_seq_no=-2`, `if_primary_term=0`) mean "absent".
 */
export function parseConcurrency(source: Readonly<Record<string, unknown>>): Concurrency {
  const read = (name: string): number | undefined => {
    const value = source[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') throw errors.illegalArgument(`Failed to parse long parameter [${name}] with value [${JSON.stringify(value)}]`);
    return parseLong(value, name);
  };
  const concurrency: { -readonly [K in keyof Concurrency]: Concurrency[K] } = {};
  const ifSeqNo = read('if_seq_no');
  const ifPrimaryTerm = read('if_primary_term');
  const version = read('version');
  const versionTypeRaw = source['version_type'];
  if (ifSeqNo !== undefined && ifSeqNo < 0 && ifSeqNo !== seqNoUnassigned) throw errors.illegalArgument(`sequence numbers must be non negative. got [${ifSeqNo}].`);
  if (ifPrimaryTerm !== undefined && ifPrimaryTerm < 0) throw errors.illegalArgument(`primary term must be non negative. got [${ifPrimaryTerm}]`);
  if (ifSeqNo !== undefined && ifSeqNo !== seqNoUnassigned) concurrency.ifSeqNo = ifSeqNo;
  if (ifPrimaryTerm !== undefined && ifPrimaryTerm !== 0) concurrency.ifPrimaryTerm = ifPrimaryTerm;
  if (version !== undefined && version !== versionMatchAny) concurrency.version = version;
  if (versionTypeRaw !== undefined && versionTypeRaw !== null && typeof versionTypeRaw !== 'string') {
    throw errors.illegalArgument(`No version type match [${JSON.stringify(versionTypeRaw)}]`);
  }
  concurrency.versionType = parseVersionType(typeof versionTypeRaw === 'string' ? versionTypeRaw : undefined);
  return concurrency;
}

/** Elasticsearch's VersionType.validateVersionForWrites. */
function validForWrites(versionType: VersionType, version: number): boolean {
  if (versionType === 'internal') return version > 0 || version === versionMatchAny || version === versionMatchDeleted;
  return version >= 0;
}

/** Elasticsearch's VersionType.validateVersionForReads. */
function validForReads(versionType: VersionType, version: number): boolean {
  if (versionType === 'internal') return version > 0 || version === versionMatchAny;
  return version >= 0 || version === versionMatchAny;
}

/**
 * The validation problems of a write's versioning parameters, in Elasticsearch's order
 * (IndexRequest, DeleteRequest and UpdateRequest `validate`, then
 * DocWriteRequest.validateSeqNoBasedCASParams). Empty when the request is valid.
 */
export function concurrencyProblems(concurrency: Concurrency, kind: WriteKind, hasId: boolean): string[] {
  const problems: string[] = [];
  const { ifSeqNo, ifPrimaryTerm, versionType = 'internal' } = concurrency;
  const explicit = concurrency.version ?? versionMatchAny;
  // A create resolves "any version" to "must not exist" (IndexRequest.resolveVersionDefaults).
  const version = kind === 'create' && explicit === versionMatchAny ? versionMatchDeleted : explicit;
  if (kind === 'create') {
    if (versionType !== 'internal') return ['create operations only support internal versioning. use index instead'];
    if (version !== versionMatchDeleted) return ['create operations do not support explicit versions. use index instead'];
    if (ifSeqNo !== undefined || ifPrimaryTerm !== undefined) return ['create operations do not support compare and set. use index instead'];
  }
  if (kind === 'index' && !hasId && (versionType !== 'internal' || (version !== versionMatchDeleted && version !== versionMatchAny))) {
    problems.push('an id must be provided if version type or value are set');
  }
  if (kind === 'update' && versionType !== 'internal') problems.push(`version type [${versionTypeName(versionType)}] is not supported by the update API`);
  if (!validForWrites(versionType, version)) problems.push(`illegal version value [${version}] for version type [${versionTypeName(versionType)}]`);
  if (versionType === 'internal' && version !== versionMatchAny && version !== versionMatchDeleted) {
    problems.push('internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead');
  }
  if (ifSeqNo !== undefined && (versionType !== 'internal' || version !== versionMatchAny)) problems.push('compare and write operations can not use versioning');
  if (ifSeqNo !== undefined && ifPrimaryTerm === undefined) problems.push('ifSeqNo is set, but primary term is [0]');
  if (ifSeqNo === undefined && ifPrimaryTerm !== undefined) problems.push(`ifSeqNo is unassigned, but primary term is [${ifPrimaryTerm}]`);
  return problems;
}

function validateConcurrency(concurrency: Concurrency, kind: WriteKind, hasId = true): void {
  const problems = concurrencyProblems(concurrency, kind, hasId);
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
}

function checkSeqNo(id: string, index: { readonly name: string; readonly uuid: string }, concurrency: Concurrency, current: { seqNo: number; primaryTerm: number } | undefined, shardNumber: number): void {
  if (concurrency.ifSeqNo === undefined) return;
  const required = `required seqNo [${concurrency.ifSeqNo}], primary term [${concurrency.ifPrimaryTerm}].`;
  if (current === undefined) throw errors.versionConflict(id, `${required} but no document was found`, index.name, String(shardNumber), index.uuid);
  if (current.seqNo !== concurrency.ifSeqNo || current.primaryTerm !== concurrency.ifPrimaryTerm) {
    throw errors.versionConflict(id, `${required} current document has seqNo [${current.seqNo}] and primary term [${current.primaryTerm}]`, index.name, String(shardNumber), index.uuid);
  }
}

/**
 * The version a write gets, or a 409 (Elasticsearch's VersionType.isVersionConflictForWrites):
 * internal versions count up from the id's last version (tombstones included); "must not exist"
 * conflicts with a live document; external versions must be newer (`external_gte`: not older)
 * than the id's last version and become the document's version.
 */
function nextVersion(id: string, index: { readonly name: string; readonly uuid: string }, shard: ShardStore, concurrency: Concurrency, shardNumber: number): number {
  const info = shard.versionInfo(id);
  const versionType = concurrency.versionType ?? 'internal';
  if (versionType === 'internal') {
    if (concurrency.version === versionMatchDeleted && info !== undefined && !info.deleted) {
      throw errors.versionConflict(id, `document already exists (current version [${info.version}])`, index.name, String(shardNumber), index.uuid);
    }
    return info === undefined ? 1 : info.version + 1;
  }
  const provided = concurrency.version ?? versionMatchAny;
  assert(provided >= 0, 'validation required a non-negative external version');
  if (info !== undefined) {
    if (versionType === 'external' && provided <= info.version) {
      throw errors.versionConflict(id, `current version [${info.version}] is higher or equal to the one provided [${provided}]`, index.name, String(shardNumber), index.uuid);
    }
    if (versionType === 'external_gte' && provided < info.version) {
      throw errors.versionConflict(id, `current version [${info.version}] is higher than the one provided [${provided}]`, index.name, String(shardNumber), index.uuid);
    }
  }
  return provided;
}

// ---------------------------------------------------------------- routing

/** `_routing: {required: true}` in the index mapping (Elasticsearch's RoutingFieldMapper). */
export function routingRequired(handle: IndexHandle): boolean {
  const routing = handle.metadata.mappings['_routing'];
  return isPlainObject(routing) && (routing['required'] === true || routing['required'] === 'true');
}

/**
 * A routing value from a parameter or bulk/mget metadata. Elasticsearch treats an empty routing
 * as none. It selects the document's shard (routing.ts; the id does without one), is stored with
 * the document and shown as `_routing`, and is checked where the mapping requires it.
 */
export function parseRouting(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw errors.illegalArgument(`[routing] must be a string, found [${JSON.stringify(value)}]`);
  const text = String(value);
  return text === '' ? undefined : text;
}

/**
 * The routing of an operation addressed to `target` (Elasticsearch's Metadata.resolveIndexRouting
 * and resolveWriteIndexRouting): through an alias with `index_routing`, the alias's routing,
 * which refuses a different one; otherwise the request's. Then `_routing.required` is checked.
 */
export function resolveRouting(handle: IndexHandle, target: string, id: string, routing: string | undefined): string | undefined {
  const aliasRouting = target === handle.name ? undefined : handle.metadata.aliases[target]?.index_routing;
  let resolved = routing;
  if (aliasRouting !== undefined) {
    if (aliasRouting.includes(',')) {
      throw errors.illegalArgument(`index/alias [${target}] provided with routing value [${aliasRouting}] that resolved to several routing values, rejecting operation`);
    }
    if (routing !== undefined && routing !== aliasRouting) {
      throw errors.illegalArgument(`Alias [${target}] has index routing associated with it [${aliasRouting}], and was provided with routing value [${routing}], rejecting operation`);
    }
    resolved = aliasRouting;
  }
  if (resolved === undefined && routingRequired(handle)) throw errors.routingMissing(handle.name, id);
  return resolved;
}

/**
 * A frozen copy of each mapping documents are checked against (index metadata is replaced, never
 * changed in place, so the mapping object identifies its version). Copying the mapping for every
 * document of a bulk request cost more than parsing the document.
 */
const frozenMappings = new WeakMap<RootMapping, RootMapping>();

function frozenMappingOf(mappings: RootMapping): RootMapping {
  let frozen = frozenMappings.get(mappings);
  if (frozen === undefined) {
    frozen = deepFreezeMapping(structuredClone(mappings));
    frozenMappings.set(mappings, frozen);
  }
  return frozen;
}

/**
 * A document needs a dynamic mapping update while the index's updates are held
 * (IndicesService.holdingDynamicMappings): nothing of the document was written. `mappings` is the
 * index's whole mapping with the update (validated here: field limits, normalizers), for the
 * master to merge into the published one. Not an EsError: it never reaches a client.
 */
export class DynamicMappingUpdateRequired extends Error {
  constructor(
    readonly index: string,
    readonly mappings: RootMapping,
    /** The mapping the document was parsed against: `mappings` less it is what the document adds. */
    readonly base: RootMapping,
  ) {
    super(`a document needs a dynamic mapping update of index [${index}] published first`);
    this.name = 'DynamicMappingUpdateRequired';
  }
}

/** Parses the document against the mapping and stores dynamic mapping updates first, as Elasticsearch does. */
function applyMapping(service: IndicesService, handle: IndexHandle, id: string, source: unknown, dynamicTemplates?: Readonly<Record<string, string>>): void {
  // Most documents fit the mapping as it is: checked against the frozen copy without copying it.
  // One that would change it is parsed again on a copy, which decides as before; an invalid one
  // throws the same error either way (both walks are the same up to the first mapping change).
  const options = {
    ignoreMalformed: settingBoolean(handle.metadata.settings, 'index.mapping.ignore_malformed'),
    nestedObjectsLimit: settingInteger(handle.metadata.settings, 'index.mapping.nested_objects.limit'),
    ...(dynamicTemplates !== undefined ? { dynamicTemplates } : {}),
  };
  if (parseDocumentAgainst(frozenMappingOf(handle.metadata.mappings), source, id, options) !== undefined) return;
  const parsed = parseDocument(handle.metadata.mappings, source, id, options);
  if (parsed.mappingUpdate === undefined) return;
  try {
    checkFieldLimits(parsed.mappingUpdate, settingInteger(handle.metadata.settings, 'index.mapping.total_fields.limit'), settingInteger(handle.metadata.settings, 'index.mapping.nested_fields.limit'));
    checkAnalysisNames(parsed.mappingUpdate, storedNormalizersOf(handle.metadata.settings), storedAnalyzersOf(handle.metadata.settings)); // a dynamic template may name one
  } catch (error) {
    if (error instanceof EsError) throw errors.documentParsing(`failed to parse: ${error.message}`, error);
    throw error;
  }
  if (service.dynamicMappingsHeld) throw new DynamicMappingUpdateRequired(handle.name, parsed.mappingUpdate, handle.metadata.mappings);
  service.setMapping(handle, parsed.mappingUpdate);
}

function writeBody(handle: IndexHandle, id: string, version: number, result: string, seqNo: number, primaryTerm: number): Record<string, unknown> {
  return {
    _index: handle.name,
    _id: id,
    _version: version,
    result,
    _shards: writeShards(handle),
    _seq_no: seqNo,
    _primary_term: primaryTerm,
  };
}

export interface IndexDocumentRequest extends Concurrency {
  readonly target: string;
  readonly id: string | undefined;
  readonly source: unknown;
  readonly opType: OpType;
  /** Stored with the document as `_routing`. */
  readonly routing?: string;
  readonly requireAlias?: boolean;
  /** `require_data_stream`: the target must be (or auto-create as) a data stream. */
  readonly requireDataStream?: boolean;
  /** Called before an index is auto-created for this write; throws when the caller may not. */
  readonly authorizeCreate?: (index: string) => void;
  /** Called with the document's shard before it is read or written (bulk opens that shard's transaction). */
  readonly beforeWrite?: (shard: ShardStore) => void;
  /** A bulk item's `dynamic_templates`: field path → the dynamic template a new field there uses. */
  readonly dynamicTemplates?: Readonly<Record<string, string>>;
}

/** Indexes (or creates) one document. Auto-creates the index; resolves aliases to their write index. */
export function indexDocument(service: IndicesService, request: IndexDocumentRequest): WriteOutcome {
  validateConcurrency(request, request.opType, request.id !== undefined);
  if (request.id !== undefined) validateDocumentId(request.id);
  const handle = service.writeIndex(request.target, {
    requireAlias: request.requireAlias ?? false,
    requireDataStream: request.requireDataStream ?? false,
    ...(request.authorizeCreate ? { authorizeCreate: request.authorizeCreate } : {}),
  });
  service.checkDocumentWrite({ target: request.target, index: handle, opType: request.opType, source: request.source, conditional: request.ifSeqNo !== undefined });
  service.openShardsOf(handle);
  service.checkWriteBlock(handle);
  const id = request.id ?? service.newDocumentId();
  const routing = resolveRouting(handle, request.target, id, request.routing);
  const { number: shardNumber, store: shard } = service.routeDocument(handle, id, routing);
  request.beforeWrite?.(shard);
  if (!isPlainObject(request.source)) {
    throw errors.documentParsing('failed to parse, document is empty', errors.illegalArgument('root value must be an object'));
  }
  applyMapping(service, handle, id, request.source, request.dynamicTemplates);
  const current = shard.get(id);
  if (request.opType === 'create' && current !== undefined) {
    throw errors.versionConflict(id, `document already exists (current version [${current.version}])`, handle.name, String(shardNumber), handle.uuid);
  }
  checkSeqNo(id, handle, request, current, shardNumber);
  const version = nextVersion(id, handle, shard, request, shardNumber);
  const written = shard.index(id, JSON.stringify(request.source), version, routing);
  service.noteWrite(handle, written.seqNo, shardNumber);
  const created = current === undefined;
  return {
    handle,
    status: created ? 201 : 200,
    body: writeBody(handle, id, version, created ? 'created' : 'updated', written.seqNo, written.primaryTerm),
    wrote: true,
  };
}

export interface DeleteDocumentRequest extends Concurrency {
  readonly target: string;
  readonly id: string;
  /** Selects the shard (with the id without it); checked against `_routing.required`. */
  readonly routing?: string;
  readonly beforeWrite?: (shard: ShardStore) => void;
}

/** Deletes one document; answers 404 `not_found` (after recording the delete) when it is missing. */
export function deleteDocument(service: IndicesService, request: DeleteDocumentRequest): WriteOutcome {
  validateConcurrency(request, 'delete');
  validateDocumentId(request.id);
  // Deletes never auto-create an index.
  if (service.get(request.target) === undefined && !service.isAliasOrDataStream(request.target)) throw errors.indexNotFound(request.target);
  const handle = service.writeIndex(request.target);
  service.checkDocumentWrite({ target: request.target, index: handle, opType: 'delete', conditional: request.ifSeqNo !== undefined });
  const routing = resolveRouting(handle, request.target, request.id, request.routing);
  const { number: shardNumber, store: shard } = service.routeDocument(handle, request.id, routing);
  service.checkWriteBlock(handle, 'delete');
  request.beforeWrite?.(shard);
  const current = shard.get(request.id);
  checkSeqNo(request.id, handle, request, current, shardNumber);
  const version = nextVersion(request.id, handle, shard, request, shardNumber);
  const written = shard.delete(request.id, version);
  service.noteWrite(handle, written.seqNo, shardNumber);
  const found = current !== undefined;
  return {
    handle,
    status: found ? 200 : 404,
    body: writeBody(handle, request.id, version, found ? 'deleted' : 'not_found', written.seqNo, written.primaryTerm),
    wrote: true,
  };
}

/** Deep merge for partial updates: objects merge key by key, everything else is replaced. */
export function mergeSource(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const existing = merged[key];
    merged[key] = isPlainObject(existing) && isPlainObject(value) ? mergeSource(existing, value) : value;
  }
  return merged;
}

export interface UpdateDocumentRequest extends Concurrency {
  readonly target: string;
  readonly id: string;
  readonly body: unknown;
  /** `_source` from query parameters; the body's `_source` wins when present. */
  readonly sourceFilter?: SourceFilter;
  /** The updated document's `_routing`; without it the document keeps the one it has. */
  readonly routing?: string;
  /** `retry_on_conflict`: only validated (one thread runs each update from read to write, so none can conflict midway). */
  readonly retryOnConflict?: number;
  readonly requireAlias?: boolean;
  readonly authorizeCreate?: (index: string) => void;
  readonly beforeWrite?: (shard: ShardStore) => void;
  /**
   * Ingest pipelines for the document a scripted upsert creates (they run after the script, as
   * Elasticsearch sends that document through the bulk action): the document to write, or
   * undefined when a pipeline dropped it. Throws when a pipeline fails.
   */
  readonly ingestScriptedUpsert?: (source: Record<string, unknown>) => Record<string, unknown> | undefined;
}

const updateBodyFields = new Set(['doc', 'upsert', 'doc_as_upsert', 'detect_noop', 'scripted_upsert', 'script', '_source', 'lang']);

/** Partial update (`doc`), upsert and `doc_as_upsert`, with `detect_noop` (default true), or a `script` (scriptedUpdate). */
/**
 * Elasticsearch's UpdateRequest.validate (the id aside): versioning parameters, then what
 * compare-and-write excludes, then the body's doc/script/upsert combination.
 */
export function updateProblems(concurrency: Concurrency, body: Readonly<Record<string, unknown>>, retryOnConflict: number): string[] {
  const problems = concurrencyProblems(concurrency, 'update', true);
  if (concurrency.ifSeqNo !== undefined) {
    if (retryOnConflict > 0) problems.push('compare and write operations can not be retried');
    if (body['doc_as_upsert'] === true) problems.push('compare and write operations can not be used with upsert');
    if (body['upsert'] !== undefined) problems.push("upsert requests don't support `if_seq_no` and `if_primary_term`");
  }
  if (body['script'] === undefined && body['doc'] === undefined) problems.push('script or doc is missing');
  if (body['script'] !== undefined && body['doc'] !== undefined) problems.push("can't provide both script and doc");
  if (body['doc'] === undefined && body['doc_as_upsert'] === true) problems.push('doc must be specified if doc_as_upsert is enabled');
  return problems;
}

/** The update body's fields, or the parse error Elasticsearch's UpdateRequest parser gives. */
function updateBodyOf(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw errors.parsing('request body must be an object');
  for (const key of Object.keys(body)) {
    if (!updateBodyFields.has(key)) throw errors.xContentParse(`[1:2] [UpdateRequest] unknown field [${key}]`);
  }
  // UpdateRequest's parser reads these as booleans (true, false, or those words as strings); any
  // other value was read as false (doc_as_upsert: "maybe" updated the document).
  let normalized: Record<string, unknown> | undefined;
  for (const key of ['doc_as_upsert', 'detect_noop', 'scripted_upsert']) {
    const value = body[key];
    if (value === undefined || typeof value === 'boolean') continue;
    if (value !== 'true' && value !== 'false') throw errors.xContentParse(`[1:2] [UpdateRequest] failed to parse field [${key}]`);
    normalized = { ...(normalized ?? body), [key]: value === 'true' };
  }
  return normalized ?? body;
}

/**
 * Where an update (partial document or script) reads and writes: the write index after its
 * checks, the shard the request's routing (or the id) finds, as Elasticsearch's update routes,
 * and the current document. The routing to write is UpdateHelper.calculateRouting's: the
 * request's, else the stored one.
 */
function updateTarget(service: IndicesService, request: UpdateDocumentRequest) {
  const handle = service.writeIndex(request.target, { requireAlias: request.requireAlias ?? false, ...(request.authorizeCreate ? { authorizeCreate: request.authorizeCreate } : {}) });
  service.checkDocumentWrite({ target: request.target, index: handle, opType: 'update', conditional: request.ifSeqNo !== undefined });
  const requestRouting = resolveRouting(handle, request.target, request.id, request.routing);
  const { number: shardNumber, store: shard } = service.routeDocument(handle, request.id, requestRouting);
  service.checkWriteBlock(handle);
  request.beforeWrite?.(shard);
  const current = withStoredSource(handle, shard.get(request.id), request.id, shardNumber);
  return { handle, shardNumber, shard, current, routing: requestRouting ?? current?.routing };
}

/**
 * The current document as an update reads it: its source as the `_source` mapping keeps it
 * (an update rewrites the document from the filtered source, as in Elasticsearch); none kept is
 * Elasticsearch's 400 document_source_missing_exception.
 */
function withStoredSource<T extends { readonly source: string }>(handle: IndexHandle, current: T | undefined, id: string, shardNumber: number): T | undefined {
  const options = sourceMappingOf(handle.metadata.mappings);
  if (current === undefined || keepsWholeSource(options)) return current;
  const stored = storedSourceOf(options, JSON.parse(current.source) as unknown);
  if (stored === undefined) throw errors.documentSourceMissing(id, handle.name, handle.uuid, String(shardNumber));
  return { ...current, source: JSON.stringify(stored) };
}

export function updateDocument(service: IndicesService, request: UpdateDocumentRequest): WriteOutcome {
  validateDocumentId(request.id);
  if (request.body === undefined) throw errors.actionRequestValidation([...concurrencyProblems(request, 'update', true), 'script or doc is missing']);
  const body = updateBodyOf(request.body);
  const problems = updateProblems(request, body, request.retryOnConflict ?? 0);
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  if (body['script'] !== undefined) return scriptedUpdate(service, request, body);
  const doc = body['doc'];
  const upsert = body['upsert'];
  if (!isPlainObject(doc)) throw errors.parsing('[doc] must be an object');
  if (upsert !== undefined && !isPlainObject(upsert)) throw errors.parsing('[upsert] must be an object');
  const docAsUpsert = body['doc_as_upsert'] === true;
  const detectNoop = body['detect_noop'] !== false;
  const sourceFilter = sourceFilterFromBody(body['_source']) ?? request.sourceFilter;
  const { handle, shardNumber, shard, current, routing } = updateTarget(service, request);
  let source: Record<string, unknown>;
  let result: 'created' | 'updated';
  if (current === undefined) {
    if (!docAsUpsert && upsert === undefined) throw errors.documentMissing(request.id, handle.name, handle.uuid, String(shardNumber));
    source = docAsUpsert ? doc : (upsert as Record<string, unknown>);
    result = 'created';
  } else {
    checkSeqNo(request.id, handle, request, current, shardNumber);
    const existing = JSON.parse(current.source) as Record<string, unknown>;
    source = mergeSource(existing, doc);
    result = 'updated';
    if (detectNoop && JSON.stringify(source) === current.source) {
      const noop: Record<string, unknown> = {
        _index: handle.name,
        _id: request.id,
        _version: current.version,
        result: 'noop',
        _shards: { total: 0, successful: 0, failed: 0 },
        _seq_no: current.seqNo,
        _primary_term: current.primaryTerm,
      };
      if (sourceFilter !== undefined && sourceFilter.fetch) noop['get'] = getSection(current.seqNo, current.primaryTerm, existing, sourceFilter);
      return { handle, status: 200, body: noop, wrote: false };
    }
  }
  applyMapping(service, handle, request.id, source);
  const version = current === undefined ? nextVersion(request.id, handle, shard, {}, shardNumber) : current.version + 1;
  const written = shard.index(request.id, JSON.stringify(source), version, routing);
  service.noteWrite(handle, written.seqNo, shardNumber);
  const response = writeBody(handle, request.id, version, result, written.seqNo, written.primaryTerm);
  if (sourceFilter !== undefined && sourceFilter.fetch) response['get'] = getSection(written.seqNo, written.primaryTerm, source, sourceFilter);
  return { handle, status: result === 'created' ? 201 : 200, body: response, wrote: true };
}

/**
 * An update with a `script` (Elasticsearch's UpdateHelper): an existing document runs the script
 * on `ctx._source` and does what `ctx.op` says (`index`, `noop` or `delete`); a missing one gets
 * `upsert` as it is, or, with `scripted_upsert`, runs the script on it with `ctx.op` `create`.
 */
function scriptedUpdate(service: IndicesService, request: UpdateDocumentRequest, body: Record<string, unknown>): WriteOutcome {
  const spec = parseScriptSpec(body['script']);
  const upsert = body['upsert'];
  if (upsert !== undefined && !isPlainObject(upsert)) throw errors.parsing('[upsert] must be an object');
  const script = compileScript(spec, 'update', service.storedScripts);
  const sourceFilter = sourceFilterFromBody(body['_source']) ?? request.sourceFilter;
  const { handle, shardNumber, shard, current, routing } = updateTarget(service, request);
  const clock = { nowMs: service.nowMs, random: Math.random };
  let source: Record<string, unknown>;
  let op: 'index' | 'noop' | 'delete' | 'create';
  if (current === undefined) {
    if (upsert === undefined) throw errors.documentMissing(request.id, handle.name, handle.uuid, String(shardNumber));
    if (body['scripted_upsert'] === true) {
      const outcome = runWriteScript(script, { source: upsert as Record<string, unknown>, index: handle.name, id: request.id, version: undefined, routing, op: 'create' }, clock);
      // Elasticsearch creates on `create` and does nothing for any other op.
      op = outcome.op === 'create' ? 'create' : 'noop';
      source = outcome.source;
      if (op === 'create' && request.ingestScriptedUpsert !== undefined) {
        const ingested = request.ingestScriptedUpsert(source);
        if (ingested === undefined) op = 'noop';
        else source = ingested;
      }
    } else {
      op = 'create';
      source = upsert as Record<string, unknown>;
    }
  } else {
    checkSeqNo(request.id, handle, request, current, shardNumber);
    const existing = JSON.parse(current.source) as Record<string, unknown>;
    const outcome = runWriteScript(script, { source: existing, index: handle.name, id: request.id, version: current.version, routing: current.routing, op: 'index' }, clock);
    op = outcome.op === 'create' ? 'noop' : outcome.op;
    source = outcome.source;
  }
  if (op === 'noop') {
    const noop: Record<string, unknown> = {
      _index: handle.name,
      _id: request.id,
      _version: current?.version ?? -1,
      result: 'noop',
      _shards: { total: 0, successful: 0, failed: 0 },
      _seq_no: current?.seqNo ?? -2,
      _primary_term: current?.primaryTerm ?? 0,
    };
    if (current !== undefined && sourceFilter !== undefined && sourceFilter.fetch) noop['get'] = getSection(current.seqNo, current.primaryTerm, JSON.parse(current.source), sourceFilter);
    return { handle, status: 200, body: noop, wrote: false };
  }
  if (op === 'delete') {
    assert(current !== undefined, 'a delete op comes from a script run on an existing document');
    const version = current.version + 1;
    const written = shard.delete(request.id, version);
    service.noteWrite(handle, written.seqNo, shardNumber);
    return { handle, status: 200, body: writeBody(handle, request.id, version, 'deleted', written.seqNo, written.primaryTerm), wrote: true };
  }
  applyMapping(service, handle, request.id, source);
  const version = current === undefined ? nextVersion(request.id, handle, shard, {}, shardNumber) : current.version + 1;
  const written = shard.index(request.id, JSON.stringify(source), version, routing);
  service.noteWrite(handle, written.seqNo, shardNumber);
  const created = current === undefined;
  const response = writeBody(handle, request.id, version, created ? 'created' : 'updated', written.seqNo, written.primaryTerm);
  if (sourceFilter !== undefined && sourceFilter.fetch) response['get'] = getSection(written.seqNo, written.primaryTerm, source, sourceFilter);
  return { handle, status: created ? 201 : 200, body: response, wrote: true };
}

function getSection(seqNo: number, primaryTerm: number, source: unknown, filter: SourceFilter): Record<string, unknown> {
  return { _seq_no: seqNo, _primary_term: primaryTerm, found: true, _source: filterSource(source, filter) };
}

export interface GetDocumentRequest {
  readonly index: string;
  readonly id: string;
  readonly sourceFilter: SourceFilter;
  /** `stored_fields`: when given, `_source` is left out unless requested explicitly. */
  readonly storedFields?: readonly string[];
  readonly explicitSource?: boolean;
  readonly version?: number;
  readonly versionType?: VersionType;
  /** Selects the shard (with the id without it); checked against `_routing.required`. */
  readonly routing?: string;
  /** Document and field level security: a hidden document is not found, hidden fields are left out. */
  readonly restriction?: ReadRestriction;
}

export interface GetOutcome {
  readonly found: boolean;
  readonly body: Record<string, unknown>;
  readonly source: unknown;
}

/** Real-time get from the shard store. Throws 404 for a missing index, 400 for a closed one. */
/**
 * The document and field level security on the index `name` names (an index or an alias), with
 * the aliases of that index: entries naming an alias grant the index read through it.
 */
export function readRestrictionFor(service: IndicesService, authorizer: Pick<BulkAuthorizer, 'readRestriction'>, action: string, name: string): ReadRestriction | undefined {
  if (authorizer.readRestriction === undefined) return undefined;
  let handle: IndexHandle | undefined;
  try {
    handle = service.singleIndex(name);
  } catch (error) {
    if (!(error instanceof EsError)) throw error;
  }
  return handle === undefined ? authorizer.readRestriction(action, name) : authorizer.readRestriction(action, handle.name, Object.keys(handle.metadata.aliases));
}

export function getDocument(service: IndicesService, request: GetDocumentRequest): GetOutcome {
  const versionType = request.versionType ?? 'internal';
  // GetRequest.validate: a version that cannot be read with this version type.
  if (request.version !== undefined && !validForReads(versionType, request.version)) {
    throw errors.actionRequestValidation([`illegal version value [${request.version}] for version type [${versionTypeName(versionType)}]`]);
  }
  validateDocumentId(request.id);
  const handle = service.singleIndex(request.index);
  service.openShardsOf(handle);
  service.checkReadBlock(handle);
  const routing = resolveRouting(handle, request.index, request.id, request.routing);
  const { number: shardNumber, store } = service.routeDocument(handle, request.id, routing);
  const document = store.get(request.id);
  const restriction = request.restriction;
  const hidden =
    document !== undefined && restriction?.query !== undefined && !documentMatchesQuery(handle, request.id, document.source, restriction.query, service.nowMs());
  if (document === undefined || hidden) return { found: false, body: { _index: handle.name, _id: request.id, found: false }, source: undefined };
  // Reads compare versions for equality whatever the version type (VersionType.isVersionConflictForReads).
  if (request.version !== undefined && request.version !== versionMatchAny && document.version !== request.version) {
    throw errors.versionConflict(request.id, `current version [${document.version}] is different than the one provided [${request.version}]`, handle.name, String(shardNumber), handle.uuid);
  }
  const whole = JSON.parse(document.source) as unknown;
  // What the `_source` mapping keeps (undefined: none).
  const stored = storedSourceOf(sourceMappingOf(handle.metadata.mappings), whole);
  const source = restriction?.fields === undefined || stored === undefined ? stored : filterSourceFields(stored, restriction.fields);
  // GetResult's order: metadata fields such as `_routing` come between `_primary_term` and `found`.
  const body: Record<string, unknown> = {
    _index: handle.name,
    _id: request.id,
    _version: document.version,
    _seq_no: document.seqNo,
    _primary_term: document.primaryTerm,
    ...(document.routing !== undefined ? { _routing: document.routing } : {}),
  };
  const ignored = ignoredFieldsOf(handle, request.id, whole, restriction?.fields);
  if (ignored.length > 0) body['_ignored'] = ignored;
  body['found'] = true;
  const withSource = request.sourceFilter.fetch && (request.storedFields === undefined || request.explicitSource === true);
  if (withSource && source !== undefined) body['_source'] = filterSource(source, request.sourceFilter);
  return { found: true, body, source: source === undefined ? undefined : filterSource(source, request.sourceFilter) };
}

// ---------------------------------------------------------------- bulk

export interface BulkDefaults {
  readonly index: string | undefined;
  readonly requireAlias: boolean;
  /** The bulk `require_data_stream` parameter; an item's own flag wins. */
  readonly requireDataStream?: boolean;
  readonly sourceFilter: SourceFilter | undefined;
  /** The `routing` parameter: the routing of items that name none. */
  readonly routing?: string | undefined;
}

export interface BulkAuthorizer {
  allowsIndex(action: string, index: string): boolean;
  /** Document and field level security for reads (mget). */
  readRestriction?(action: string, index: string, aliases?: readonly string[]): ReadRestriction | undefined;
  readonly username: string;
}

type BulkOperation = 'index' | 'create' | 'update' | 'delete';

export interface BulkItem {
  readonly operation: BulkOperation;
  readonly line: number;
  readonly metadata: Record<string, unknown>;
  readonly index: string;
  readonly id: string | undefined;
  readonly payload: unknown;
  readonly concurrency: Concurrency;
  readonly routing: string | undefined;
}

export const bulkActions: Readonly<Record<BulkOperation, string>> = {
  index: 'indices:data/write/index',
  create: 'indices:data/write/index:op_type/create',
  update: 'indices:data/write/update',
  delete: 'indices:data/write/delete',
};

const bulkMetadataFields = new Set([
  '_index',
  '_id',
  'routing',
  'if_seq_no',
  'if_primary_term',
  'version',
  'version_type',
  'pipeline',
  'require_alias',
  'require_data_stream',
  'retry_on_conflict',
  '_source',
  'dynamic_templates',
  'list_executed_pipelines',
  'op_type',
]);

/**
 * A bulk item's `dynamic_templates` (BulkRequestParser): an object of field path → template name,
 * on index and create items only.
 */
function checkBulkDynamicTemplates(value: unknown, operation: string, lineNumber: number): void {
  if (value === null) return;
  if (!isPlainObject(value) || !Object.values(value).every((name) => typeof name === 'string')) {
    throw errors.illegalArgument(`Malformed action/metadata line [${lineNumber}], [dynamic_templates] must be an object of field names to template names`);
  }
  if (Object.keys(value).length > 0 && (operation === 'update' || operation === 'delete')) {
    throw errors.illegalArgument(`${operation === 'update' ? 'Update' : 'Delete'} request in line [${lineNumber}] does not accept dynamic_templates`);
  }
}

function tokenName(value: unknown): string {
  if (value === null) return 'VALUE_NULL';
  if (Array.isArray(value)) return 'START_ARRAY';
  if (typeof value === 'string') return 'VALUE_STRING';
  if (typeof value === 'number') return Number.isInteger(value) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (typeof value === 'boolean') return value ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return 'START_OBJECT';
}

function parseLine(text: string, line: number): unknown {
  // Nesting deeper than the limit needs more brackets than that: a shorter line cannot exceed it,
  // and the scan costs more than JSON.parse itself on typical documents.
  if (text.length > limits.jsonNestingDepthMax) checkJsonNestingDepth(text, line);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw errors.xContentParse(`[${line}:1] failed to parse the bulk line as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Parses an NDJSON bulk body into items. A malformed action line fails the whole request (400),
 * as Elasticsearch does, and so do invalid versioning parameters or a missing id of any item
 * (BulkRequest.validate gathers every item's validation problems into one 400); problems found
 * while writing (conflicts, mapping errors) fail only their item later.
 */
export function parseBulkBody(text: string, defaults: BulkDefaults): BulkItem[] {
  return runToEnd(parseBulkBodyStepwise(text, defaults, () => false));
}

/**
 * `parseBulkBody` as a generator that yields between lines when `sliceDone` says so (a `_bulk`
 * of thousands of items takes milliseconds to parse). Nothing is written before the whole body
 * parsed, so a malformed line still refuses the whole request.
 */
export function* parseBulkBodyStepwise(text: string, defaults: BulkDefaults, sliceDone: () => boolean): Generator<void, BulkItem[], void> {
  if (text.length > 0 && !text.endsWith('\n')) {
    throw errors.illegalArgument('The bulk request must be terminated by a newline [\\n]');
  }
  const lines = text.split('\n');
  const items: BulkItem[] = [];
  const problems: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (index > 0 && sliceDone()) yield;
    const raw = lines[index]!;
    if (raw.trim() === '') continue;
    const lineNumber = index + 1;
    const action = parseLine(raw, lineNumber);
    if (!isPlainObject(action)) {
      throw errors.illegalArgument(`Malformed action/metadata line [${lineNumber}], expected START_OBJECT or END_OBJECT but found [${tokenName(action)}]`);
    }
    const keys = Object.keys(action);
    if (keys.length !== 1) {
      throw errors.illegalArgument(
        keys.length === 0
          ? `Malformed action/metadata line [${lineNumber}], expected FIELD_NAME but found [END_OBJECT]`
          : `Malformed action/metadata line [${lineNumber}], expected END_OBJECT but found [FIELD_NAME]`,
      );
    }
    const operation = keys[0]!;
    if (operation !== 'index' && operation !== 'create' && operation !== 'update' && operation !== 'delete') {
      throw errors.illegalArgument(`Malformed action/metadata line [${lineNumber}], expected field [create], [delete], [index] or [update] but found [${operation}]`);
    }
    const metadata = action[operation];
    if (!isPlainObject(metadata)) {
      throw errors.illegalArgument(`Malformed action/metadata line [${lineNumber}], expected START_OBJECT but found [${tokenName(metadata)}]`);
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (!bulkMetadataFields.has(key)) throw errors.illegalArgument(`Action/metadata line [${lineNumber}] contains an unknown parameter [${key}]`);
      // Only `_source` and `dynamic_templates` take objects; every other field is a simple value (BulkRequestParser).
      const structured = value !== null && typeof value === 'object';
      if (structured && (Array.isArray(value) || (key !== '_source' && key !== 'dynamic_templates'))) {
        throw errors.illegalArgument(`Malformed action/metadata line [${lineNumber}], expected a simple value for field [${key}] but found [${tokenName(value)}]`);
      }
      if (key === 'dynamic_templates') checkBulkDynamicTemplates(value, operation, lineNumber);
    }
    const indexName = metadata['_index'] ?? defaults.index;
    if (indexName === undefined) throw errors.actionRequestValidation(['index is missing']);
    const id = metadata['_id'];
    let payload: unknown;
    if (operation !== 'delete') {
      let next = index + 1;
      while (next < lines.length && lines[next]!.trim() === '') next++;
      if (next >= lines.length) throw errors.actionRequestValidation([`source is missing`]);
      payload = parseLine(lines[next]!, next + 1);
      index = next;
    }
    if (items.length >= limits.bulkItemsMax) {
      throw errors.illegalArgument(`a bulk request may hold at most [${limits.bulkItemsMax}] items`);
    }
    const itemId = id === undefined || id === null ? undefined : String(id);
    const concurrency = parseConcurrency(metadata);
    const kind: WriteKind = operation === 'create' || (operation === 'index' && metadata['op_type'] === 'create') ? 'create' : operation;
    if (operation === 'update' && (concurrency.version !== undefined || concurrency.versionType !== 'internal')) {
      // BulkRequestParser refuses these while parsing (the REST update API answers a validation error instead).
      throw errors.illegalArgument('Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead');
    }
    if ((operation === 'delete' || operation === 'update') && (itemId === undefined || itemId === '')) problems.push('id is missing');
    if (operation === 'update' && isPlainObject(payload) && Object.keys(payload).every((key) => updateBodyFields.has(key))) {
      // Bodies that do not parse fail their item later; parsed ones are validated with the request.
      problems.push(...updateProblems(concurrency, payload, retryOnConflictOf(metadata['retry_on_conflict'])));
    } else {
      problems.push(...concurrencyProblems(concurrency, kind, itemId !== undefined));
    }
    items.push({
      // An index item with op_type create is a create: authorized, run and answered under that
      // name, as Elasticsearch keys bulk items by the request's op type.
      operation: kind === 'create' ? 'create' : operation,
      line: lineNumber,
      metadata,
      index: String(indexName),
      id: itemId,
      payload,
      concurrency,
      routing: parseRouting(metadata['routing']) ?? defaults.routing,
    });
  }
  if (items.length === 0) problems.unshift('no requests added');
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  return items;
}

/** `retry_on_conflict` of bulk metadata: an int (Elasticsearch reads it with the parser's intValue). */
function retryOnConflictOf(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) throw errors.illegalArgument(`Failed to parse int parameter [retry_on_conflict] with value [${String(value)}]`);
  return number;
}

function itemError(item: BulkItem, index: string, error: EsError): Record<string, unknown> {
  return { _index: index, _id: item.id ?? null, status: error.status, error: error.toCause() };
}

export interface BulkResult {
  readonly body: Record<string, unknown>;
  readonly touched: IndexHandle[];
  /**
   * Set when dynamic mappings are held (IndicesService.holdingDynamicMappings) and the item at
   * `position` needs a mapping update: the run stopped there, `body.items` holds the items before
   * it (written and committed), and that item and the ones after it were not run.
   */
  readonly mappingUpdateRequired?: { readonly position: number; readonly update: DynamicMappingUpdateRequired };
}

/**
 * Runs bulk items in order. Consecutive items for the same shard share one commit (one fsync);
 * the whole response is sent only after every commit.
 */
export function executeBulk(
  service: IndicesService,
  items: readonly BulkItem[],
  defaults: BulkDefaults,
  authorizer: BulkAuthorizer,
  nowMs: () => number,
  ingest?: (request: IngestRequest) => IngestOutcome,
): BulkResult {
  return runToEnd(executeBulkStepwise(service, items, defaults, authorizer, nowMs, ingest, () => false));
}

/**
 * `executeBulk` in slices: after each item, `sliceDone` says whether the slice is over; then the
 * open transaction is committed (with the index's durability: an fsync for `request`, unless
 * `deferredSync` is given: then the caller fsyncs once at the end) and the
 * generator yields, with no transaction open, so the caller can let other requests run before the
 * next slice. Between slices other writes may land, as they may between the shard-level requests
 * Elasticsearch splits a bulk into; each item still runs against the store as it is then.
 */
export function* executeBulkStepwise(
  service: IndicesService,
  items: readonly BulkItem[],
  defaults: BulkDefaults,
  authorizer: BulkAuthorizer,
  nowMs: () => number,
  ingest: ((request: IngestRequest) => IngestOutcome) | undefined,
  sliceDone: () => boolean,
  /** Given: commits skip their fsync and the shards are collected here, for the caller to `syncDeferred()` before answering. */
  deferredSync?: Set<ShardStore>,
): Generator<void, BulkResult, void> {
  const started = nowMs();
  const results: Record<string, unknown>[] = [];
  const touched = new Map<string, IndexHandle>();
  // Each shard written in the slice keeps its transaction open until the slice ends (shards are
  // separate databases): items of an index with several shards alternate between them, and a
  // commit at every alternation cost a commit (an fsync, before deferred syncs) per document.
  const openShards = new Set<ShardStore>();
  const switchTo = (shard: ShardStore | undefined): void => {
    if (shard === undefined) {
      for (const open of openShards) open.commit();
      openShards.clear();
      return;
    }
    if (openShards.has(shard)) return;
    shard.begin({ deferSync: deferredSync !== undefined });
    openShards.add(shard);
    deferredSync?.add(shard);
  };
  let errorsSeen = false;
  let position = 0;
  let mappingUpdateRequired: BulkResult['mappingUpdateRequired'];
  try {
    for (const requested of items) {
      if (position++ > 0 && sliceDone()) {
        switchTo(undefined); // the slice is committed before anything else runs
        yield;
      }
      // Ingest pipelines run on index and create items before anything is written (src/index/ingest).
      const requestedPipeline = requested.metadata['pipeline'];
      const ingested =
        ingest !== undefined && requested.operation !== 'delete'
          ? ingest({
              index: requested.index,
              id: requested.id,
              routing: requested.routing,
              source: requested.payload,
              pipeline: requestedPipeline === undefined || requestedPipeline === null ? undefined : String(requestedPipeline),
              update: requested.operation === 'update',
            })
          : undefined;
      if (ingested?.kind === 'dropped') {
        results.push({ [requested.operation]: { ...ingested.body, status: 200 } });
        continue;
      }
      if (ingested?.kind === 'failed') {
        errorsSeen = true;
        results.push({ [requested.operation]: { _index: ingested.index, _id: ingested.id, status: ingested.error.status, error: ingested.error.toCause() } });
        continue;
      }
      const item = ingested?.kind !== 'write' ? requested : requested.operation === 'update' ? { ...requested, payload: ingested.source } : { ...requested, index: ingested.index, id: ingested.id, routing: ingested.routing, payload: ingested.source };
      const action = bulkActions[item.operation];
      if (!authorizer.allowsIndex(action, item.index)) {
        errorsSeen = true;
        results.push({
          [item.operation]: itemError(item, item.index, errors.actionDenied(action.replace(/:op_type\/create$/, ''), authorizer.username, ` on indices [${item.index}]`)),
        });
        continue;
      }
      try {
        // Open the target's transaction before writing (auto-creating the index if needed).
        if (item.operation !== 'delete' || service.get(item.index) !== undefined || service.isAliasOrDataStream(item.index)) {
          const pipeline = item.metadata['pipeline'];
          if (pipeline !== undefined && pipeline !== '_none' && ingest === undefined) throw pipelineNotSupported(String(pipeline));
          service.writeIndex(item.index, {
            requireAlias: item.metadata['require_alias'] === true || defaults.requireAlias,
            requireDataStream: requireDataStreamOf(item, defaults),
            authorizeCreate: (index) => {
              if (!authorizer.allowsIndex('indices:admin/auto_create', index)) {
                throw errors.actionDenied('indices:admin/auto_create', authorizer.username, ` on indices [${index}]`);
              }
            },
          });
        }
        if (item.operation === 'update' && readRestrictionFor(service, authorizer, action, item.index) !== undefined) throw errors.updateWithDocumentFieldSecurity();
        // Each item opens its shard's transaction (runs of items for one shard share it).
        const outcome = runBulkItem(service, item, defaults, switchTo);
        touched.set(outcome.handle.name, outcome.handle);
        results.push({ [item.operation]: { ...outcome.body, status: outcome.status } });
      } catch (error) {
        if (error instanceof DynamicMappingUpdateRequired) {
          // Nothing of this item was written; the items before it are committed below.
          mappingUpdateRequired = { position: position - 1, update: error };
          break;
        }
        if (!(error instanceof EsError)) throw error;
        errorsSeen = true;
        results.push({ [item.operation]: itemError(item, service.get(item.index)?.name ?? item.index, error) });
      }
    }
    switchTo(undefined);
  } catch (error) {
    for (const open of openShards) open.rollback();
    throw error;
  }
  return {
    body: { errors: errorsSeen, took: Math.max(0, Math.round(nowMs() - started)), items: results },
    touched: [...touched.values()],
    ...(mappingUpdateRequired !== undefined ? { mappingUpdateRequired } : {}),
  };
}

export function pipelineNotSupported(pipeline: string): EsError {
  return errors.illegalArgument(`ingest pipelines are not supported by Strait; the request names pipeline [${pipeline}]`);
}

/** An index or create item's `require_data_stream`: its own flag, else the bulk parameter (updates and deletes take none). */
function requireDataStreamOf(item: BulkItem, defaults: BulkDefaults): boolean {
  if (item.operation === 'update' || item.operation === 'delete') return false;
  const own = item.metadata['require_data_stream'];
  return own === undefined || own === null ? defaults.requireDataStream === true : own === true || own === 'true';
}

function runBulkItem(service: IndicesService, item: BulkItem, defaults: BulkDefaults, beforeWrite: (shard: ShardStore) => void): WriteOutcome {
  const concurrency = { ...item.concurrency, beforeWrite };
  const routing = item.routing !== undefined ? { routing: item.routing } : {};
  const requireAlias = item.metadata['require_alias'] === true || defaults.requireAlias;
  switch (item.operation) {
    case 'index':
    case 'create': {
      const opType: OpType = item.operation === 'create' || item.metadata['op_type'] === 'create' ? 'create' : 'index';
      const dynamicTemplates = item.metadata['dynamic_templates'] as Readonly<Record<string, string>> | null | undefined;
      return indexDocument(service, {
        ...concurrency,
        ...routing,
        target: item.index,
        id: item.id,
        source: item.payload,
        opType,
        requireAlias,
        requireDataStream: requireDataStreamOf(item, defaults),
        ...(dynamicTemplates !== undefined && dynamicTemplates !== null ? { dynamicTemplates } : {}),
      });
    }
    case 'delete':
      assert(item.id !== undefined, 'parseBulkBody refused a delete without id');
      return deleteDocument(service, { ...concurrency, ...routing, target: item.index, id: item.id });
    case 'update': {
      assert(item.id !== undefined, 'parseBulkBody refused an update without id');
      const bodySource = isPlainObject(item.payload) ? item.payload : undefined;
      const filter = sourceFilterFromBody(item.metadata['_source']) ?? defaults.sourceFilter;
      return updateDocument(service, {
        ...concurrency,
        target: item.index,
        id: item.id,
        body: bodySource ?? item.payload,
        ...(filter !== undefined ? { sourceFilter: filter } : {}),
        ...routing,
        retryOnConflict: retryOnConflictOf(item.metadata['retry_on_conflict']),
        requireAlias,
      });
    }
  }
}

// ---------------------------------------------------------------- mget

export interface MgetDoc {
  readonly index: string;
  readonly id: string;
  readonly sourceFilter: SourceFilter;
  readonly storedFields?: readonly string[];
  readonly explicitSource: boolean;
  readonly routing?: string;
  readonly version?: number;
  readonly versionType?: VersionType;
}

/** Parses an mget body: `{docs: [{_index, _id, _source, stored_fields, routing}]}` or `{ids: [...]}`. */
export function parseMgetBody(body: unknown, defaultIndex: string | undefined, defaultFilter: SourceFilter, explicitSource: boolean, defaultRouting?: string): MgetDoc[] {
  const routingOf = (value: unknown): { routing?: string } => {
    const routing = parseRouting(value) ?? defaultRouting;
    return routing === undefined ? {} : { routing };
  };
  if (!isPlainObject(body)) throw errors.actionRequestValidation(['no documents to get']);
  const docs: MgetDoc[] = [];
  const problems: string[] = [];
  const list = body['docs'] ?? body['ids'];
  if (!Array.isArray(list) || list.length === 0) throw errors.actionRequestValidation(['no documents to get']);
  for (const key of Object.keys(body)) {
    if (key !== 'docs' && key !== 'ids') throw errors.parsing(`unknown key [${key}] for a START_ARRAY, expected [docs] or [ids]`);
  }
  if (list.length > limits.mgetDocsMax) throw errors.illegalArgument(`an mget request may hold at most [${limits.mgetDocsMax}] documents`);
  list.forEach((entry, position) => {
    if (body['ids'] !== undefined) {
      if (typeof entry !== 'string' && typeof entry !== 'number') throw errors.parsing('ids must be strings');
      if (defaultIndex === undefined) problems.push(`index is missing for doc ${position}`);
      docs.push({ index: defaultIndex ?? '', id: String(entry), sourceFilter: defaultFilter, explicitSource, ...routingOf(undefined) });
      return;
    }
    if (!isPlainObject(entry)) throw errors.parsing('docs must be objects');
    const index = entry['_index'] ?? defaultIndex;
    const id = entry['_id'];
    if (index === undefined) problems.push(`index is missing for doc ${position}`);
    if (id === undefined || id === null) problems.push(`id is missing for doc ${position}`);
    const filter = sourceFilterFromBody(entry['_source']);
    const storedFields = entry['stored_fields'];
    const { version, versionType } = parseConcurrency({ version: entry['version'], version_type: entry['version_type'] });
    docs.push({
      ...routingOf(entry['routing']),
      ...(version !== undefined ? { version } : {}),
      ...(versionType !== undefined ? { versionType } : {}),
      index: String(index ?? ''),
      id: String(id ?? ''),
      sourceFilter: filter ?? defaultFilter,
      explicitSource: filter !== undefined || explicitSource,
      ...(storedFields !== undefined
        ? { storedFields: Array.isArray(storedFields) ? storedFields.map(String) : String(storedFields).split(',') }
        : {}),
    });
  });
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  return docs;
}

/** The mget answer: one get response or per-document error, in request order. */
export function executeMget(service: IndicesService, docs: readonly MgetDoc[], authorizer: BulkAuthorizer): Record<string, unknown> {
  const action = 'indices:data/read/mget[shard]';
  return {
    docs: docs.map((doc) => {
      if (!authorizer.allowsIndex(action, doc.index)) {
        return { _index: doc.index, _id: doc.id, error: errors.actionDenied(action, authorizer.username, ` on indices [${doc.index}]`).toBody().error };
      }
      try {
        const restriction = readRestrictionFor(service, authorizer, action, doc.index);
        return getDocument(service, {
          index: doc.index,
          id: doc.id,
          ...(restriction !== undefined ? { restriction } : {}),
          sourceFilter: doc.sourceFilter,
          explicitSource: doc.explicitSource,
          ...(doc.storedFields !== undefined ? { storedFields: doc.storedFields } : {}),
          ...(doc.routing !== undefined ? { routing: doc.routing } : {}),
          ...(doc.version !== undefined ? { version: doc.version } : {}),
          ...(doc.versionType !== undefined ? { versionType: doc.versionType } : {}),
        }).body;
      } catch (error) {
        if (!(error instanceof EsError)) throw error;
        return { _index: doc.index, _id: doc.id, error: error.toBody().error };
      }
    }),
  };
}

export { fetchWholeSource };
