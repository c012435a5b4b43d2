/**
 * The data stream service (I/O shell): data streams over hidden backing indices, persisted in the
 * node database (store/data-stream-store.ts), and the index-creation hooks that apply templates
 * (template-service.ts) to new indices. Rules live in data-streams.ts and templates.ts.
 *
 * The indices service sees a data stream as an alias of its backing indices whose write index is
 * the newest, so searches, counts and gets on the stream name resolve through the ordinary index
 * expression code; a stream's own rules (create-only writes, `@timestamp`, its write index not
 * deletable) come back here through IndexCreationHooks.
 */
import type { Logger } from 'pino';
import { errors, type SqlDatabase } from '../common/index.js';
import type { AliasView, IndicesOptions } from './expression.js';
import { wildcardMatch } from './expression.js';
import { indexHealth, worstStatus } from './health.js';
import type { CreateIndexInputs, DocumentWriteCheck, IndexCreationHooks, IndexHandle, IndicesService } from './indices-service.js';
import { resolveDateMathName, isDateMathName } from './date-math-names.js';
import { validateIndexName } from './names.js';
import { settingInteger } from './settings.js';
import { DataStreamStore, type DataStreamMetadata } from './store/data-stream-store.js';
import type { AliasMetadata, ShardStore } from './store/index.js';
import type { TemplateService } from './template-service.js';
import { applyTemplateContent, requestIsHidden, type ComposableTemplate } from './templates.js';
import {
  backingIndexName,
  checkTimestamp,
  evaluateRollover,
  nextRolloverIndexName,
  parseRolloverConditions,
  TIMESTAMP_FIELD,
  timestampMs,
  validateDataStreamName,
  type RolloverStats,
} from './data-streams.js';

export interface RolloverRequest {
  readonly target: string;
  readonly newIndex: string | undefined;
  readonly body: Record<string, unknown> | undefined;
  readonly dryRun: boolean;
  /**
   * The old write index's figures measured elsewhere (a multi-node cluster: its primaries on the
   * nodes holding them); without them the local shard copies are measured.
   */
  readonly measured?: MeasuredRolloverStats;
}

/** What a rollover's conditions compare, but the age (read from the index's creation date). */
export type MeasuredRolloverStats = Omit<RolloverStats, 'ageMs'>;

export interface StreamAccess {
  /** May the caller see this data stream through a wildcard? */
  allows(name: string): boolean;
  /** Throws 403 unless the caller may act on every literal name. */
  authorizeLiterals(names: readonly string[]): void;
}

/** The documents and bytes of an index, over all its shards. */
function indexDocs(handle: IndexHandle): number {
  return (handle.shards ?? []).reduce((sum, shard) => sum + shard.docCount(), 0);
}

function indexSizeBytes(handle: IndexHandle): number {
  return (handle.shards ?? []).reduce((sum, shard) => sum + shard.sizeBytes(), 0);
}

/**
 * The bytes of an index's live documents, what Elasticsearch's max_size/min_size compare
 * (DocsStats.totalSizeInBytes: 0 for an empty index, unlike its store size). Read once per rollover.
 */
function documentBytes(handle: IndexHandle): number {
  return (handle.shards ?? []).reduce((sum, shard) => sum + documentBytesOfShard(shard), 0);
}

/** Whether these conditions compare the documents' bytes (`max_size`, `min_size`), which means reading every document. */
export function rolloverNeedsDocumentBytes(conditions: readonly { readonly name: string }[]): boolean {
  return conditions.some((condition) => condition.name.endsWith('_size') && !condition.name.includes('primary'));
}

/** The bytes of one shard copy's live documents (as `documentBytes`), for a multi-node cluster's node. */
export function documentBytesOfShard(shard: Pick<ShardStore, 'scan'>): number {
  let bytes = 0;
  for (const document of shard.scan()) bytes += Buffer.byteLength(document.source) + Buffer.byteLength(document.id);
  return bytes;
}

/** Elasticsearch's deprecation of the `max_size` condition (RolloverConditions). */
const maxSizeDeprecation = 'Use of the [max_size] rollover condition has been deprecated in favour of the [max_primary_shard_size] condition and will be removed in a later version';

/**
 * The newest timestamp in these indices (0 without documents). Every document is read once:
 * Strait keeps no per-field maximum to look up.
 */
function maximumTimestamp(handles: readonly IndexHandle[], field: string): number {
  let maximum = 0;
  for (const handle of handles) for (const shard of handle.shards ?? []) maximum = Math.max(maximum, maximumTimestampOfShard(shard, field));
  return maximum;
}

/** The newest timestamp in one shard copy (0 without documents): a multi-node cluster asks each copy's node. */
export function maximumTimestampOfShard(shard: Pick<ShardStore, 'scan'>, field: string): number {
  let maximum = 0;
  for (const document of shard.scan()) {
    const value = timestampMs((JSON.parse(document.source) as Record<string, unknown>)[field]);
    if (value !== undefined && value > maximum) maximum = value;
  }
  return maximum;
}

export class DataStreamService implements IndexCreationHooks {
  private readonly streams = new Map<string, DataStreamMetadata>();
  /** Backing index name → its data stream's name. */
  private readonly streamOfIndex = new Map<string, string>();
  /**
   * Set while a multi-node cluster's published metadata is applied (`applyPublished`): indices
   * then come and go as the master decided, so the one-node rules on deleting a write index and
   * on detaching a deleted index do not apply to them.
   */
  private applyingPublished = false;
  /** The health of backing indices, when another source knows it better than their settings (a multi-node cluster's routing table). */
  private healthSource: ((indices: readonly string[]) => 'green' | 'yellow' | 'red') | undefined;

  private constructor(
    private readonly indices: IndicesService,
    private readonly templates: TemplateService,
    private readonly store: DataStreamStore,
    private readonly log: Logger,
  ) {
    for (const stored of store.loadAll()) {
      // A backing index removed while the node was down (or never finished) is dropped from its stream.
      const present = stored.indices.filter((index) => indices.get(index) !== undefined);
      this.remember({ ...stored, indices: present });
    }
    templates.setTemplatesInUse(() => {
      const inUse = new Map<string, string[]>();
      for (const stream of this.streams.values()) inUse.set(stream.template, [...(inUse.get(stream.template) ?? []), stream.name]);
      return inUse;
    });
    indices.addListener({
      indexDeleted: ({ name }) => {
        if (!this.applyingPublished) this.detach(name);
      },
    });
    indices.setCreationHooks(this);
  }

  static open(options: { nodeDb: SqlDatabase; indices: IndicesService; templates: TemplateService; log: Logger }): DataStreamService {
    return new DataStreamService(options.indices, options.templates, DataStreamStore.open(options.nodeDb), options.log);
  }

  private remember(stream: DataStreamMetadata): void {
    const previous = this.streams.get(stream.name);
    for (const index of previous?.indices ?? []) this.streamOfIndex.delete(index);
    this.streams.set(stream.name, stream);
    for (const index of stream.indices) this.streamOfIndex.set(index, stream.name);
  }

  private save(stream: DataStreamMetadata): void {
    this.store.put(stream);
    this.remember(stream);
  }

  /** Takes an index out of its data stream; a stream left without backing indices goes too. */
  detach(index: string): void {
    const stream = this.streamOf(index);
    if (stream === undefined) return;
    const indices = stream.indices.filter((name) => name !== index);
    if (indices.length > 0) {
      this.save({ ...stream, indices });
      return;
    }
    this.store.remove(stream.name);
    this.streams.delete(stream.name);
    this.streamOfIndex.delete(index);
    this.log.info({ data_stream: stream.name }, 'removed a data stream left without backing indices');
  }

  // ---------------------------------------------------------------- cross-cluster replication (ReplicatedDataStreams)

  /**
   * Spec ccr.md §2.3 "Data streams": a local stream that is no longer replicated takes no follower.
   * A multi-node cluster's master checks again against the published streams (master.ts
   * `follow_backing_index`), where another node may have promoted the stream meanwhile.
   */
  checkReplicated(name: string, followerIndex: string): void {
    validateDataStreamName(name);
    const stream = this.streams.get(name);
    if (stream !== undefined && !stream.replicated) {
      throw errors.illegalArgument(`cannot follow backing index [${followerIndex}], because local data stream [${name}] is no longer marked as replicated`);
    }
    if (stream === undefined && (this.indices.get(name) !== undefined || this.indices.aliasNames().has(name))) {
      throw errors.illegalArgument(`cannot follow backing index [${followerIndex}], because [${name}] is an index or alias, not a data stream`);
    }
  }

  /**
   * Adds a follower backing index to its local replicated data stream (created on first use),
   * backing indices ordered by generation so that the newest is the write index.
   */
  attachReplicated(name: string, index: IndexHandle, leader: { readonly template: string; readonly hidden: boolean }): void {
    this.checkReplicated(name, index.name);
    const generationOf = (backing: string): number => Number(/-(\d+)$/.exec(backing)?.[1] ?? '0');
    const existing = this.streams.get(name);
    const indices = [...(existing?.indices ?? []), index.name].sort((left, right) => generationOf(left) - generationOf(right) || (left < right ? -1 : 1));
    this.save({
      name,
      indices,
      generation: Math.max(existing?.generation ?? 1, generationOf(index.name)),
      template: existing?.template ?? leader.template,
      hidden: existing?.hidden ?? leader.hidden,
      meta: existing?.meta,
      timestampField: TIMESTAMP_FIELD,
      replicated: true,
    });
    this.log.info({ data_stream: name, index: index.name }, 'follower backing index joined its replicated data stream');
  }

  /** `POST /_data_stream/_promote/{name}`: a replicated stream becomes an ordinary one (rollover then writes locally). */
  promote(name: string): void {
    const stream = this.streams.get(name);
    if (stream === undefined) throw errors.resourceNotFound(`data stream [${name}] does not exist`);
    this.save({ ...stream, replicated: false });
  }

  get(name: string): DataStreamMetadata | undefined {
    return this.streams.get(name);
  }

  /** The data stream `index` backs, if any. */
  streamOf(index: string): DataStreamMetadata | undefined {
    const name = this.streamOfIndex.get(index);
    return name === undefined ? undefined : this.streams.get(name);
  }

  // ---------------------------------------------------------------- IndexCreationHooks

  applyTemplates(name: string, request: CreateIndexInputs): CreateIndexInputs {
    const resolved = this.templates.resolve(name, requestIsHidden(request.settings));
    if (resolved === undefined) return request;
    if (resolved.composable?.template.data_stream !== undefined) {
      throw errors.illegalArgument(
        `cannot create index with name [${name}], because it matches with template [${resolved.composable.name}] that creates data streams only, use create data stream api instead`,
      );
    }
    return applyTemplateContent(resolved.content, request);
  }

  autoCreate(name: string, checkDefault: () => void): IndexHandle | undefined {
    const resolved = this.templates.resolve(name, false);
    const template = resolved?.composable?.template;
    // A matching composable template's allow_auto_create overrides action.auto_create_index (AutoCreateIndex).
    if (template?.allow_auto_create === false) throw errors.indexNotFound(`composable template [${template.index_patterns.join(', ')}] forbids index auto creation`);
    if (template?.allow_auto_create !== true) checkDefault();
    if (template?.data_stream === undefined) return undefined;
    const stream = this.create(name, resolved!.composable!.name, template);
    return this.indices.get(stream.indices[stream.indices.length - 1]!);
  }

  streamAliases(index: string): ReadonlyArray<readonly [string, AliasView]> {
    const stream = this.streamOf(index);
    if (stream === undefined) return [];
    return [[stream.name, { isWriteIndex: stream.indices[stream.indices.length - 1] === index, isHidden: stream.hidden, dataStream: true }]];
  }

  checkDelete(indices: readonly string[]): void {
    if (this.applyingPublished) return;
    for (const index of indices) {
      const stream = this.streamOf(index);
      if (stream !== undefined && stream.indices[stream.indices.length - 1] === index) {
        throw errors.illegalArgument(`index [${index}] is the write index for data stream [${stream.name}] and cannot be deleted`);
      }
    }
  }

  checkClose(indices: readonly string[]): void {
    const writeIndices = indices.filter((index) => {
      const stream = this.streamOf(index);
      return stream !== undefined && stream.indices[stream.indices.length - 1] === index;
    });
    if (writeIndices.length > 0) throw errors.illegalArgument(`cannot close the following data stream write indices [${writeIndices.join(',')}]`);
  }

  checkDocumentWrite(write: DocumentWriteCheck): void {
    const stream = this.streams.get(write.target);
    if (stream !== undefined) {
      if (write.opType !== 'create') throw errors.illegalArgument('only write ops with an op_type of create are allowed in data streams');
      checkTimestamp(write.source, stream.timestampField);
      return;
    }
    const backing = this.streamOf(write.index.name);
    if (backing === undefined || write.target !== write.index.name) return;
    if (write.opType === 'create') {
      throw errors.illegalArgument(`index request with op_type=create targeting backing indices is disallowed, target corresponding data stream [${backing.name}] instead`);
    }
    if (write.opType === 'index' && !write.conditional) {
      throw errors.illegalArgument(
        `index request with op_type=index and no if_primary_term and if_seq_no set targeting backing indices is disallowed, target corresponding data stream [${backing.name}] instead`,
      );
    }
    if (write.opType === 'index') checkTimestamp(write.source, backing.timestampField);
  }

  // ---------------------------------------------------------------- lifecycle

  /** `PUT /_data_stream/{name}`. */
  createDataStream(name: string): DataStreamMetadata {
    validateDataStreamName(name);
    const resolved = this.templates.resolve(name, false);
    if (resolved?.composable === undefined) throw errors.illegalArgument(`no matching index template found for data stream [${name}]`);
    if (resolved.composable.template.data_stream === undefined) {
      throw errors.illegalArgument(`matching index template [${resolved.composable.name}] for data stream [${name}] has no data stream template`);
    }
    return this.create(name, resolved.composable.name, resolved.composable.template);
  }

  // ---------------------------------------------------------------- multi-node cluster

  /** Every data stream of this node, by name. */
  all(): DataStreamMetadata[] {
    return [...this.streams.values()].sort((left, right) => (left.name < right.name ? -1 : 1));
  }

  /**
   * Applies a multi-node cluster's published metadata: `applyIndices` creates and deletes the
   * published indices (the write-index rule is the master's there), then this node's data streams
   * become exactly `published`.
   */
  applyPublished(published: readonly DataStreamMetadata[], applyIndices: () => void): void {
    this.applyingPublished = true;
    try {
      applyIndices();
    } finally {
      this.applyingPublished = false;
    }
    const wanted = new Map(published.map((stream) => [stream.name, stream]));
    for (const name of [...this.streams.keys()]) {
      if (wanted.has(name)) continue;
      const stream = this.streams.get(name)!;
      this.store.remove(name);
      this.streams.delete(name);
      for (const index of stream.indices) this.streamOfIndex.delete(index);
    }
    for (const stream of published) if (JSON.stringify(this.streams.get(stream.name)) !== JSON.stringify(stream)) this.save(stream);
  }

  /** Backing index health from elsewhere (a multi-node cluster's routing table) instead of their settings. */
  setHealthSource(source: (indices: readonly string[]) => 'green' | 'yellow' | 'red'): void {
    this.healthSource = source;
  }

  private create(name: string, templateName: string, template: ComposableTemplate): DataStreamMetadata {
    validateDataStreamName(name);
    if (this.streams.has(name)) throw errors.dataStreamExists(name);
    const existing = this.indices.get(name);
    if (existing !== undefined) throw errors.resourceAlreadyExists(name, existing.uuid);
    if (this.indices.aliasNames().has(name)) throw errors.illegalArgument(`data_stream [${name}] conflicts with an existing alias`);
    const first = this.createBackingIndex(name, 1);
    const stream: DataStreamMetadata = {
      name,
      indices: [first.name],
      generation: 1,
      template: templateName,
      hidden: template.data_stream?.hidden ?? false,
      meta: template._meta,
      timestampField: TIMESTAMP_FIELD,
      replicated: false,
    };
    try {
      this.save(stream);
    } catch (error) {
      this.indices.deleteIndices([first]);
      throw error;
    }
    this.log.info({ data_stream: name, index: first.name, template: templateName }, 'created data stream');
    return stream;
  }

  /** A backing index with the stream's template content (resolved by the stream's name now). */
  private createBackingIndex(stream: string, generation: number): IndexHandle {
    const resolved = this.templates.resolve(stream, false);
    if (resolved?.composable?.template.data_stream === undefined) throw errors.illegalArgument(`no matching index template found for data stream [${stream}]`);
    const content = resolved.content;
    return this.indices.createIndex(
      backingIndexName(stream, generation, this.indices.nowMs()),
      { settings: { ...content.settings, 'index.hidden': 'true' }, mappings: content.mappings },
      { templates: false },
    );
  }

  /** The data streams an expression names (`*` wildcards, comma lists), by name. */
  resolve(expression: string | undefined, options: IndicesOptions, access: StreamAccess): DataStreamMetadata[] {
    const elements = (expression ?? '*').split(',').filter((element) => element !== '');
    const all = [...this.streams.values()].sort((left, right) => (left.name < right.name ? -1 : 1));
    const chosen = new Set<string>();
    const literals: string[] = [];
    const missing: string[] = [];
    const states = options.expandWildcards;
    const visible = (stream: DataStreamMetadata, pattern: string): boolean =>
      stream.hidden ? states.has('hidden') || (pattern.startsWith('.') && stream.name.startsWith('.')) : states.size > 0;
    for (const element of elements.length === 0 ? ['*'] : elements) {
      if (element.startsWith('-') && chosen.size > 0) {
        for (const name of [...chosen]) if (wildcardMatch(element.slice(1), name)) chosen.delete(name);
        continue;
      }
      const pattern = element === '_all' ? '*' : element;
      if (pattern.includes('*')) {
        for (const stream of all) if (wildcardMatch(pattern, stream.name) && visible(stream, pattern) && access.allows(stream.name)) chosen.add(stream.name);
        continue;
      }
      literals.push(pattern);
      if (this.streams.has(pattern)) chosen.add(pattern);
      else missing.push(pattern);
    }
    access.authorizeLiterals(literals);
    if (missing.length > 0 && !options.ignoreUnavailable) throw errors.indexNotFound(missing[0]!);
    return all.filter((stream) => chosen.has(stream.name));
  }

  /** `DELETE /_data_stream/{name}`: the streams, then their backing indices. */
  deleteDataStreams(streams: readonly DataStreamMetadata[]): void {
    for (const stream of streams) {
      this.store.remove(stream.name);
      this.streams.delete(stream.name);
      for (const index of stream.indices) this.streamOfIndex.delete(index);
      const handles = stream.indices.map((index) => this.indices.get(index)).filter((handle): handle is IndexHandle => handle !== undefined);
      this.indices.deleteIndices(handles);
      this.log.info({ data_stream: stream.name }, 'deleted data stream');
    }
  }

  /** The `GET /_data_stream` entry of one stream; `verbose` adds `maximum_timestamp`. */
  render(stream: DataStreamMetadata, verbose = false): Record<string, unknown> {
    const handles = stream.indices.map((index) => this.indices.get(index)).filter((handle): handle is IndexHandle => handle !== undefined);
    const status = this.healthSource !== undefined ? this.healthSource(handles.map((handle) => handle.name)) : worstStatus(
      handles.map(
        (handle) =>
          indexHealth({
            name: handle.name,
            numberOfShards: settingInteger(handle.metadata.settings, 'index.number_of_shards'),
            numberOfReplicas: settingInteger(handle.metadata.settings, 'index.number_of_replicas'),
          }).status,
      ),
    );
    const rendered: Record<string, unknown> = {
      name: stream.name,
      timestamp_field: { name: stream.timestampField },
      indices: handles.map((handle) => ({ index_name: handle.name, index_uuid: handle.uuid, prefer_ilm: true, managed_by: 'Unmanaged' })),
      generation: stream.generation,
    };
    if (stream.meta !== undefined) rendered['_meta'] = stream.meta;
    Object.assign(rendered, {
      status: status.toUpperCase(),
      template: stream.template,
      next_generation_managed_by: 'Unmanaged',
      prefer_ilm: true,
      hidden: stream.hidden,
      system: false,
      allow_custom_routing: false,
      replicated: stream.replicated,
      rollover_on_write: false,
    });
    if (verbose) rendered['maximum_timestamp'] = maximumTimestamp(handles, stream.timestampField);
    return rendered;
  }

  /** `GET /_data_stream/_stats`: backing indices, bytes and the newest `@timestamp` per stream. */
  stats(streams: readonly DataStreamMetadata[]): Record<string, unknown> {
    let shardsTotal = 0;
    let shardsSuccessful = 0;
    let backingTotal = 0;
    let bytesTotal = 0;
    const entries = streams.map((stream) => {
      let bytes = 0;
      const handles = stream.indices.map((index) => this.indices.get(index)).filter((handle): handle is IndexHandle => handle !== undefined);
      for (const handle of handles) {
        const shards = settingInteger(handle.metadata.settings, 'index.number_of_shards');
        shardsTotal += shards * (1 + settingInteger(handle.metadata.settings, 'index.number_of_replicas'));
        shardsSuccessful += shards;
        bytes += indexSizeBytes(handle);
      }
      backingTotal += handles.length;
      bytesTotal += bytes;
      return { data_stream: stream.name, backing_indices: handles.length, store_size_bytes: bytes, maximum_timestamp: maximumTimestamp(handles, stream.timestampField) };
    });
    return {
      _shards: { total: shardsTotal, successful: shardsSuccessful, failed: 0 },
      data_stream_count: streams.length,
      backing_indices: backingTotal,
      total_store_size_bytes: bytesTotal,
      data_streams: entries,
    };
  }

  // ---------------------------------------------------------------- rollover

  /** `POST /{target}/_rollover[/{new_index}]` for a data stream or an alias with a write index. */
  rollover(request: RolloverRequest): { readonly body: Record<string, unknown>; readonly warnings: readonly string[] } {
    const body = request.body ?? {};
    for (const key of Object.keys(body)) {
      if (!['conditions', 'settings', 'mappings', 'aliases'].includes(key)) throw errors.xContentParse(`[1:2] [rollover] unknown field [${key}]`);
    }
    const conditions = parseRolloverConditions(body['conditions']);
    const stream = this.streams.get(request.target);
    const oldIndex = stream !== undefined ? this.streamWriteIndex(stream) : this.aliasWriteIndex(request.target);
    const now = this.indices.nowMs();
    const stats: RolloverStats = {
      ageMs: now - oldIndex.metadata.creationDateMs,
      ...(request.measured ?? {
        docs: indexDocs(oldIndex),
        sizeBytes: rolloverNeedsDocumentBytes(conditions) ? documentBytes(oldIndex) : 0,
        primaryShardDocsMax: indexDocs(oldIndex),
        primaryShardSizeBytesMax: indexSizeBytes(oldIndex),
      }),
    };
    let newIndex: string;
    if (stream !== undefined) {
      if (stream.replicated) throw errors.illegalArgument(`data stream [${stream.name}] cannot be rolled over, because it is a replicated data stream`);
      if (request.newIndex !== undefined) throw errors.illegalArgument('new index name may not be specified when rolling over a data stream');
      if (['settings', 'mappings', 'aliases'].some((key) => body[key] !== undefined)) {
        throw errors.illegalArgument('aliases, mappings, and index settings may not be specified when rolling over a data stream');
      }
      newIndex = backingIndexName(stream.name, stream.generation + 1, now);
    } else {
      const given = request.newIndex === undefined ? undefined : isDateMathName(request.newIndex) ? resolveDateMathName(request.newIndex, now) : request.newIndex;
      newIndex = given ?? nextRolloverIndexName(oldIndex.name);
    }
    // The new name is checked even when nothing rolls over (dry_run, or conditions not met), as Elasticsearch does.
    validateIndexName(newIndex);
    const taken = this.indices.get(newIndex);
    if (taken !== undefined) throw errors.resourceAlreadyExists(newIndex, taken.uuid);
    const warnings = conditions.some((condition) => condition.name === 'max_size') ? [maxSizeDeprecation] : [];
    const { results, rollOver } = evaluateRollover(conditions, stats);
    const answer = (rolledOver: boolean): { body: Record<string, unknown>; warnings: readonly string[] } => ({ warnings, body: {
      acknowledged: rolledOver,
      shards_acknowledged: rolledOver,
      old_index: oldIndex.name,
      new_index: newIndex,
      rolled_over: rolledOver,
      dry_run: request.dryRun,
      lazy: false,
      conditions: results,
    } });
    if (request.dryRun || !rollOver) return answer(false);
    if (stream !== undefined) {
      const created = this.createBackingIndex(stream.name, stream.generation + 1);
      this.save({ ...stream, indices: [...stream.indices, created.name], generation: stream.generation + 1 });
      this.log.info({ data_stream: stream.name, old_index: oldIndex.name, new_index: created.name }, 'rolled over data stream');
      return answer(true);
    }
    const definition: AliasMetadata = oldIndex.metadata.aliases[request.target] ?? {};
    this.indices.createIndex(newIndex, { settings: body['settings'], mappings: body['mappings'], aliases: body['aliases'] });
    if (definition.is_write_index === true) {
      // An explicit write index stays an alias member, no longer the write index (MetadataRolloverService).
      this.indices.applyAliasActions([
        { kind: 'add', index: oldIndex.name, alias: request.target, definition: { ...definition, is_write_index: false } },
        { kind: 'add', index: newIndex, alias: request.target, definition: { ...definition, is_write_index: true } },
      ]);
    } else {
      this.indices.applyAliasActions([
        { kind: 'remove', index: oldIndex.name, alias: request.target, mustExist: true },
        { kind: 'add', index: newIndex, alias: request.target, definition },
      ]);
    }
    this.log.info({ alias: request.target, old_index: oldIndex.name, new_index: newIndex }, 'rolled over alias');
    return answer(true);
  }

  /** The index `target` (a data stream or an alias with a write index) would roll over from; throws as a rollover of it would. */
  rolloverSource(target: string): IndexHandle {
    const stream = this.streams.get(target);
    return stream !== undefined ? this.streamWriteIndex(stream) : this.aliasWriteIndex(target);
  }

  private streamWriteIndex(stream: DataStreamMetadata): IndexHandle {
    const handle = this.indices.get(stream.indices[stream.indices.length - 1] ?? '');
    if (handle === undefined) throw errors.illegalState(`data stream [${stream.name}] has no write index`);
    return handle;
  }

  private aliasWriteIndex(alias: string): IndexHandle {
    if (this.indices.get(alias) !== undefined) throw errors.illegalArgument('rollover target is a [concrete index] but one of [alias,data_stream] was expected');
    const members = this.indices.all().filter((handle) => handle.metadata.aliases[alias] !== undefined);
    if (members.length === 0) throw errors.resourceNotFound(`rollover target [${alias}] does not exist`);
    const explicit = members.filter((handle) => handle.metadata.aliases[alias]!.is_write_index === true);
    if (explicit.length === 1) return explicit[0]!;
    if (members.length === 1 && members[0]!.metadata.aliases[alias]!.is_write_index !== false) return members[0]!;
    throw errors.illegalArgument(`rollover target [${alias}] does not point to a write index`);
  }
}
