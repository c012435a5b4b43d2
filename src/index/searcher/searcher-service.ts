/**
 * Per-shard searchers (I/O shell around searcher-state.ts): which segments each shard of each
 * open index searches, kept current by the indices service's `refreshed` hook (refresh API, `refresh=true`,
 * `wait_for`, and the scheduled `index.refresh_interval` refresh, which only fires after writes).
 *
 * Real-time GET keeps reading the shard store; search reads only what the last refresh made
 * visible, as in Elasticsearch. A searcher opens lazily on first use: it loads its persisted
 * segments, then replays the store's operations after their seq_no (or rebuilds from the store's
 * documents when the files are missing, corrupt, or the history was trimmed) up to the store's
 * max seq_no — like Elasticsearch's recovery, which makes every acknowledged write searchable.
 */
import type { Logger } from 'pino';
import { backgroundLane, runToEnd } from '../../common/index.js';
import { computeShardStats, mergeSegmentsStepwise, type FieldMappings, type MergedSegment, type Segment, type ShardStats, type SourceTextsSink } from '../engine/index.js';
import type { CopiedSegmentFiles, IndexHandle, IndicesService, SegmentFilesSnapshot } from '../indices-service.js';
import type { ShardStore } from '../store/index.js';
import { engineMappings } from './document-input.js';
import { isSharedSegment, segmentArrayBytes, shareSegmentArrays } from '../engine/shared-segment.js';
import { collectGarbage, compactHeap } from '../../common/heap.js';
import { spillingSourceSink } from './source-file.js';
import { withParseOptions } from '../mapping/index.js';
import { settingBoolean } from '../settings.js';
import { clearSearcherFiles, loadListedSegment, loadSearcherFiles, SearcherFilesError, searcherDirectory, writeAndLoadSegmentFiles, writeManifest, writeSearcherFiles, writeSegmentFilesStepwise } from './searcher-files.js';
import { segmentInputsDigest } from '../segment-inputs.js';
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { segmentBuildPool, type SegmentBuilder, type WorkerBuiltSegment } from './segment-build-pool.js';
import { finishPieceBuild, pieceBuilt, pieceDone, prebuildLimits, publishPieces, sameMappingKey, SegmentPrebuilder, type MappingKey, type PrebuildLimits, type PrebuiltPiece } from './segment-prebuilder.js';
import { applyOperations, buildSearcherSegmentStepwise, deletedDocs, emptySearcherState, finishMerge, finishRefresh, pickMerge, planRefresh, rebuildState, segmentName, startMerge, type BuiltSegment, type DocMetadata, type MergeChoice, type MergePlan, type RefreshPlan, type SearcherState, type VersionedDocument } from './searcher-state.js';
import { pickForceMerge, type ForceMergeRequest } from './force-merge.js';
import { docsDeletedOf } from './docs-deleted.js';

/** Limits of refresh work (style P4). */
export const refreshLimits = {
  /** Operations read from the store per refresh step: each step makes one segment. */
  operationsPerStepMax: 50_000,
  /** Documents per segment when rebuilding from the store. */
  rebuildDocsPerSegmentMax: 200_000,
  /**
   * Documents per segment built off the main thread while a follower's bootstrap copies them
   * (`imported`): each batch is built on the build worker while the next is copied; smaller
   * batches leave less to build after the copy ends, larger ones fewer segments to search.
   */
  importDocsPerSegment: 50_000,
  /**
   * Longest a merge, a scheduled refresh's build or a segment write runs before yielding to other
   * work (ms): they run in slices of about this much (one step more at most), one per event-loop
   * turn, so requests are answered between them.
   */
  mergeSliceMs: 4, // was 10: a search waits for at most one slice (bulk-slices.ts sliceMs, measured alike)
  /**
   * Persisting waits until the shard has had no refresh for this long (ms), as Elasticsearch
   * flushes a shard that went inactive, so that segments merged away soon are not written at all...
   */
  persistAfterIdleMs: 2_000,
  /**
   * ...or until this many operations are searchable but not persisted, which bounds what a restart
   * after a crash replays from the store (as `index.translog.flush_threshold_size` bounds it).
   */
  persistOperationsMax: 200_000,
  /**
   * Bytes of segment arrays moved into shared memory (for the search pool) after which the heap
   * copies they leave behind are collected, so that the process briefly holds about this much of
   * an index twice, not all of it.
   */
  sharedCopyCollectBytes: 32 * 1024 * 1024,
} as const;

const statsCache = new WeakMap<SearcherState, ShardStats>();

/** BM25 statistics over a state's segments (cached: states are immutable). */
export function shardStatsOf(state: SearcherState): ShardStats {
  let stats = statsCache.get(state);
  if (stats === undefined) {
    stats = computeShardStats(state.segments);
    statsCache.set(state, stats);
  }
  return stats;
}

/** Segments of a bootstrap's imported documents being built on the build worker (`ShardSearcher.imported`). */
interface ImportBuild {
  readonly key: MappingKey;
  batch: VersionedDocument[];
  readonly jobs: Promise<WorkerBuiltSegment>[];
  /** Documents handed over (in `batch` or in a job). */
  documents: number;
  /** The documents cannot all be built there (the mapping changed under the import): the refresh builds them. */
  abandoned: boolean;
  /** The copy ended (`settleImport` waits for the builds): scheduled refreshes leave the shard to it. */
  settling: boolean;
}

class ShardSearcher {
  private written = new Set<string>();
  private importBuild: ImportBuild | undefined;
  private backgroundScheduled = false;
  private merge: { readonly plan: MergePlan; readonly steps: Generator<void, MergedSegment, void> } | undefined;
  /** The state the persisted manifest describes (undefined: none written by this process yet). */
  private persisted: SearcherState | undefined;
  /** A scheduled refresh being built a chunk per turn (`refreshInSlices`). */
  private building: { readonly plan: RefreshPlan; readonly steps: Generator<void, BuiltSegment, void> | undefined; built: BuiltSegment | undefined; nextTarget: number } | undefined;
  /** When the last refresh or rebuild changed the state (performance.now()). */
  private changedAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** A segment being written, a piece per slice. */
  private writing: { readonly name: string; readonly steps: Generator<void, void, void> } | undefined;
  private closed = false;
  private sharing = false;
  /** Stepwise refreshes somebody waits for (`refreshStepwise`), settled once their target is searchable. */
  private waiters: { readonly target: number; readonly resolve: () => void }[] = [];
  private current: SearcherState = emptySearcherState;
  private readonly directory: string;
  /** Large segments keep their `_source` texts in a scratch file, not in memory (source-file.ts). */
  private readonly sourceSinks: () => SourceTextsSink;
  /** Segments built from committed operations before a refresh asks for them (segment-prebuilder.ts). */
  readonly prebuilder: SegmentPrebuilder;
  /**
   * The force merge under way (force-merge.ts): its request, the segments it may merge (those it
   * started with and the ones its merges made) and who waits for it. Force merges run one at a
   * time, in the order they came (`forceMerges` chains them), as Elasticsearch queues them.
   */
  private forced: { readonly request: ForceMergeRequest; readonly eligible: Set<string>; readonly done: () => void } | undefined;
  private forceMerges: Promise<void> = Promise.resolve();

  constructor(
    private readonly handle: IndexHandle,
    private readonly shardNumber: number,
    indexDirectory: string,
    private readonly log: Logger,
    /** Search workers may read the segments: they go to shared memory when a worker first needs them (`shareSoon`). */
    private readonly shareSegments: boolean,
    prebuild: PrebuildLimits = prebuildLimits,
    /** Where a bootstrap's imported documents are built (a worker thread; tests pass a failing one). */
    private readonly builder: SegmentBuilder = segmentBuildPool,
  ) {
    this.directory = searcherDirectory(indexDirectory, shardNumber);
    this.sourceSinks = () => spillingSourceSink(this.directory);
    this.prebuilder = new SegmentPrebuilder(
      {
        store: () => this.store,
        refreshedSeqNo: () => this.state.refreshedSeqNo,
        accepting: () => !this.closed && this.building === undefined,
        mappings: () => this.mappings(),
        reserveSegmentName: () => this.reserveSegmentName(),
        sourceSinks: this.sourceSinks,
        schedule: (slice) => backgroundLane.schedule(slice),
        backlog: () => backgroundLane.queued,
      },
      prebuild,
    );
  }

  get state(): SearcherState {
    return this.current;
  }

  set state(state: SearcherState) {
    this.current = state;
  }

  /**
   * Moves the current segments that are still on the heap into shared memory, one segment per
   * event-loop turn, swapping each shared copy into the state as it is made (same name, arrays and
   * live docs: refreshes, merges and deletes meanwhile go on from whichever copy the state holds).
   * Called by the search pool when a job names a segment that is not shared: sharing costs a copy
   * of the segment, paid only by a node whose searches actually run on workers, not by every
   * refresh (a bulk load with no concurrent searches copies nothing).
   */
  shareSoon(): void {
    if (!this.shareSegments || this.sharing || this.closed) return;
    this.sharing = true;
    let copied = 0;
    const step = (): void => {
      const state = this.current;
      const index = this.closed ? -1 : state.segments.findIndex((segment) => !isSharedSegment(segment));
      if (index < 0) {
        this.sharing = false;
        // Compacting when the heap copies left much of it empty (compactHeap's threshold), else a plain collection.
        if (copied > 0 && !compactHeap()) collectGarbage();
        return;
      }
      const segments = state.segments.slice();
      copied += segmentArrayBytes(segments[index]!);
      segments[index] = shareSegmentArrays(segments[index]!);
      this.current = { ...state, segments };
      // The same segments, written already: the persisted state must not keep the heap copies alive.
      if (this.persisted === state) this.persisted = this.current;
      // The heap copies are garbage now, but V8 sees no pressure to collect them (its heap did not
      // grow): without a collection the process would hold the index twice.
      if (copied >= refreshLimits.sharedCopyCollectBytes) {
        copied = 0;
        collectGarbage();
      }
      setImmediate(step);
    };
    setImmediate(step);
  }

  private get store(): ShardStore | undefined {
    return this.handle.shards?.[this.shardNumber];
  }

  private mappings(): { root: Record<string, unknown>; engine: FieldMappings; key: MappingKey } {
    const ignoreMalformed = settingBoolean(this.handle.metadata.settings, 'index.mapping.ignore_malformed');
    const root = withParseOptions(this.handle.metadata.mappings, { ignoreMalformed });
    return { root, engine: engineMappings(this.handle.mapping), key: { mappings: this.handle.metadata.mappings, flattened: this.handle.mapping, ignoreMalformed } };
  }

  /**
   * Publishes the segments built ahead that continue the state, up to `targetSeqNo`, oldest first,
   * as refreshes over their ranges would; the rest are dropped, and the caller builds their
   * operations itself. A piece still in progress is finished now when `wait`; otherwise it becomes
   * the sliced refresh's build (true is returned: the caller continues it).
   */
  private publishPrebuilt(targetSeqNo: number, wait: boolean): boolean {
    const pieces = this.prebuilder.take();
    if (pieces.length === 0) return false;
    const { key } = this.mappings();
    const ready: PrebuiltPiece[] = [];
    let unfinished: PrebuiltPiece | undefined;
    let next = this.state.refreshedSeqNo + 1;
    for (const piece of pieces) {
      if (piece.plan.fromSeqNo !== next || piece.plan.refreshedSeqNo > targetSeqNo || !sameMappingKey(piece.key, key)) break;
      if (!pieceDone(piece)) {
        unfinished = piece; // only the last piece is ever in progress
        break;
      }
      ready.push(piece);
      next = piece.plan.refreshedSeqNo + 1;
    }
    let continued = false;
    for (const piece of ready) if (piece.built !== undefined) this.reportUnparsable(piece.built.unparsable);
    this.state = publishPieces(this.state, ready);
    if (unfinished !== undefined) {
      if (!pieceBuilt(unfinished) && !wait) {
        this.building = { plan: unfinished.plan, steps: unfinished.build, built: undefined, nextTarget: targetSeqNo };
        continued = true;
      } else {
        // Built but not checked against the others: published as any refresh is.
        finishPieceBuild(unfinished);
        if (unfinished.built !== undefined) this.reportUnparsable(unfinished.built.unparsable);
        this.state = finishRefresh(this.state, unfinished.plan, unfinished.built === undefined ? [] : [unfinished.built]);
      }
    }
    if (ready.length > 0 || (unfinished !== undefined && !continued)) {
      this.changedAt = performance.now();
      this.scheduleBackgroundWork();
    }
    return continued;
  }

  /** Loads persisted segments, then catches up with the store. */
  open(): void {
    const store = this.store;
    if (store === undefined) return;
    let loaded: SearcherState | undefined;
    try {
      loaded = loadSearcherFiles(this.directory, this.handle.uuid);
      if (loaded !== undefined && loaded.refreshedSeqNo > store.maxSeqNo) {
        throw new SearcherFilesError(`segments are refreshed to seq_no [${loaded.refreshedSeqNo}] beyond the store's max seq_no [${store.maxSeqNo}]`);
      }
    } catch (error) {
      if (!(error instanceof SearcherFilesError)) throw error;
      this.log.warn({ index: this.handle.name, reason: error.message }, 'persisted search segments are unusable; rebuilding them from the shard store');
      clearSearcherFiles(this.directory);
      this.rebuild();
      return;
    }
    if (loaded === undefined) {
      if (store.maxSeqNo >= 0) this.log.info({ index: this.handle.name }, 'no persisted search segments; building them from the shard store');
      this.rebuild();
      return;
    }
    this.state = loaded;
    this.persisted = this.state;
    this.written = new Set(loaded.segments.map((segment) => segment.name));
    this.refreshTo(store.maxSeqNo);
  }

  /**
   * A scheduled refresh (nobody waits for it): its documents are built a chunk per event-loop
   * turn, and made searchable together at the end, so a large one does not stall the node. A
   * refresh somebody waits for (`refreshTo`) first finishes it at once.
   */
  refreshInSlices(targetSeqNo: number): void {
    const store = this.store;
    if (store === undefined || this.closed) return;
    if (this.importBuild?.settling === true) return; // settleImport makes the copied documents searchable
    if (this.building !== undefined) {
      this.building.nextTarget = Math.max(this.building.nextTarget, targetSeqNo);
      return;
    }
    if (this.publishPrebuilt(targetSeqNo, false)) {
      this.scheduleBuildSlice();
      return;
    }
    const from = this.state.refreshedSeqNo + 1;
    const target = Math.min(targetSeqNo, store.maxSeqNo, from + refreshLimits.operationsPerStepMax - 1);
    if (target < from) return;
    const operations = store.readOps(from, target - from + 1);
    if (operations.length !== target - from + 1 || operations[0]?.seqNo !== from) {
      this.refreshTo(targetSeqNo); // history is missing: the synchronous path rebuilds
      return;
    }
    const plan = planRefresh(this.state, operations);
    let steps: Generator<void, BuiltSegment, void> | undefined;
    if (plan.documents.length > 0) {
      const { root, engine } = this.mappings();
      steps = buildSearcherSegmentStepwise(plan.documents, root, engine, segmentName(this.state.nextSegmentNumber), plan.refreshedSeqNo, this.sourceSinks);
      this.state = { ...this.state, nextSegmentNumber: this.state.nextSegmentNumber + 1 }; // its name is reserved
    }
    this.building = { plan, steps, built: undefined, nextTarget: targetSeqNo };
    this.scheduleBuildSlice();
  }

  private scheduleBuildSlice(): void {
    // A slice per turn of the background lane (one per event-loop turn, none while a search runs).
    backgroundLane.schedule(() => {
      const building = this.building;
      if (this.closed || building === undefined) return;
      const deadline = performance.now() + refreshLimits.mergeSliceMs;
      while (building.steps !== undefined && building.built === undefined && performance.now() < deadline) {
        const step = building.steps.next();
        if (step.done === true) building.built = step.value;
      }
      if (building.steps !== undefined && building.built === undefined) {
        this.scheduleBuildSlice();
        return;
      }
      this.publishBuild();
      if (building.nextTarget > this.state.refreshedSeqNo) this.refreshInSlices(building.nextTarget);
    });
  }

  /**
   * A refresh somebody waits for, built stepwise as a scheduled one is (the refresh API: a large
   * refresh takes seconds, and the node keeps answering meanwhile); settles when operations up to
   * `targetSeqNo` (at most the store's max seq_no now) are searchable.
   */
  refreshStepwise(targetSeqNo: number): Promise<void> {
    const store = this.store;
    if (store === undefined || this.closed) return Promise.resolve();
    const target = Math.min(targetSeqNo, store.maxSeqNo);
    if (this.state.refreshedSeqNo >= target) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
    this.refreshInSlices(target);
    this.settleWaiters(); // the history may be missing: refreshInSlices then refreshed at once
    return done;
  }

  /** Settles the waiters whose operations are searchable (all of them once closed: a new searcher catches up on open). */
  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const reached = this.state.refreshedSeqNo;
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (this.closed || waiter.target <= reached) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  /** Builds what is left of a sliced refresh now, and makes it searchable. */
  private publishBuild(): void {
    const building = this.building;
    if (building === undefined) return;
    if (building.steps !== undefined) building.built ??= runToEnd(building.steps);
    this.building = undefined;
    if (building.built !== undefined) this.reportUnparsable(building.built.unparsable);
    this.state = finishRefresh(this.state, building.plan, building.built === undefined ? [] : [building.built]);
    this.changedAt = performance.now();
    this.scheduleBackgroundWork();
    this.settleWaiters();
  }

  /** Makes operations up to `targetSeqNo` searchable. */
  refreshTo(targetSeqNo: number): void {
    const store = this.store;
    if (store === undefined) return;
    this.publishBuild();
    const target = Math.min(targetSeqNo, store.maxSeqNo);
    this.publishPrebuilt(target, true);
    let changed = false;
    while (this.state.refreshedSeqNo < target) {
      const from = this.state.refreshedSeqNo + 1;
      const count = Math.min(target - from + 1, refreshLimits.operationsPerStepMax);
      const operations = store.readOps(from, count);
      if (operations.length !== count || operations[0]?.seqNo !== from) {
        // The history was trimmed (or never kept): the documents themselves are the truth.
        this.log.warn({ index: this.handle.name, from_seq_no: from }, 'operation history is missing; rebuilding search segments from the shard store');
        this.rebuild();
        return;
      }
      const { root, engine } = this.mappings();
      const step = applyOperations(this.state, operations, root, engine, this.sourceSinks);
      this.reportUnparsable(step.unparsable);
      this.state = step.state;
      changed = true;
    }
    if (changed) {
      this.changedAt = performance.now();
      this.scheduleBackgroundWork();
    }
    this.settleWaiters();
  }

  /**
   * Documents a follower's bootstrap copied into the (empty) store, in order: built into segments on
   * the build worker, a batch at a time, while the copy goes on (`settleImport` makes them the
   * state). Only while the state is empty; anything unexpected leaves them to the refresh, which
   * rebuilds from the store as without the worker.
   */
  imported(documents: readonly VersionedDocument[]): void {
    if (this.closed || documents.length === 0) return;
    const { key } = this.mappings();
    let build = this.importBuild;
    if (build === undefined) {
      if (!this.searchesNothing()) return;
      build = this.importBuild = { key, batch: [], jobs: [], documents: 0, abandoned: false, settling: false };
    }
    if (build.abandoned) return;
    if (!sameMappingKey(build.key, key)) {
      build.abandoned = true;
      build.batch = [];
      return;
    }
    for (const document of documents) build.batch.push(document);
    build.documents += documents.length;
    if (build.batch.length >= refreshLimits.importDocsPerSegment) this.sendImportBatch(build);
  }

  /** No segment, nothing refreshed: the state a bootstrap's copied documents may replace. */
  private searchesNothing(): boolean {
    return this.state.segments.length === 0 && this.state.refreshedSeqNo < 0;
  }

  /** The next segment name of the shard (`_<n>`), taken from the state's counter. */
  private reserveSegmentName(): string {
    const name = segmentName(this.state.nextSegmentNumber);
    this.state = { ...this.state, nextSegmentNumber: this.state.nextSegmentNumber + 1 };
    return name;
  }

  private sendImportBatch(build: ImportBuild): void {
    const documents = build.batch;
    build.batch = [];
    let maxSeqNo = -1;
    for (const document of documents) if (document.seqNo > maxSeqNo) maxSeqNo = document.seqNo;
    // Built under the mapping the documents were taken against (`imported` checks the key per chunk).
    const { mappings, settings } = this.handle.metadata;
    const job = this.builder.build({ mappings, settings, ignoreMalformed: build.key.ignoreMalformed, name: this.reserveSegmentName(), maxSeqNo, documents });
    job.catch(() => undefined); // awaited (and its failure handled) by settleImport
    build.jobs.push(job);
  }

  /**
   * The bootstrap's copy ended (the store stands at its max seq_no): the segments built from its
   * documents become the state, refreshed to the store's max seq_no, as a rebuild would make them.
   * When they are not exactly the store's documents, or a build failed, nothing changes and the
   * next refresh rebuilds from the store.
   */
  async settleImport(copied?: CopiedSegmentFiles): Promise<void> {
    if (copied !== undefined) {
      this.takeCopiedSegments(copied);
      return;
    }
    const build = this.importBuild;
    if (build === undefined) return;
    build.settling = true;
    if (!build.abandoned && build.batch.length > 0) this.sendImportBatch(build);
    let results: WorkerBuiltSegment[] | undefined;
    try {
      results = await Promise.all(build.jobs);
    } catch (error) {
      this.log.warn({ index: this.handle.name, reason: (error as Error).message }, 'building copied documents off the main thread failed; building them from the shard store');
    }
    if (this.importBuild !== build) return; // a rebuild or a reset came first
    this.importBuild = undefined;
    const store = this.store;
    if (this.closed || store === undefined) return;
    const loaded = results === undefined || build.abandoned ? undefined : this.loadImported(build, results, store);
    if (loaded === undefined) {
      // The refresh builds them from the store, as without the worker (now, when somebody waits).
      if (this.waiters.length > 0) this.refreshInSlices(store.maxSeqNo);
      return;
    }
    this.installImported(loaded.segments, loaded.metadata, store.maxSeqNo, this.state.nextSegmentNumber);
  }

  /** Segments made for a bootstrap's documents (built off the main thread, or the leader's own) become the state; their files are on disk. */
  private installImported(segments: SearcherState['segments'], metadata: SearcherState['metadata'], refreshedSeqNo: number, nextSegmentNumber: number): void {
    this.state = { segments, metadata, refreshedSeqNo, nextSegmentNumber };
    for (const segment of segments) this.written.add(segment.name);
    this.merge = undefined;
    this.building = undefined;
    this.prebuilder.discard();
    this.changedAt = performance.now();
    this.scheduleBackgroundWork();
    this.settleWaiters();
  }

  /**
   * The bootstrap copied the leader's segment files with its documents: they become the state, as
   * the segments built from those documents would (the leader's searcher made them from the same
   * documents at the same seq_no, under the same mapping and analysis). When they cannot be taken
   * (another mapping, another seq_no, a file that does not load), nothing changes and the refresh
   * builds the documents from the store, as without them.
   */
  private takeCopiedSegments(copied: CopiedSegmentFiles): void {
    const store = this.store;
    if (this.closed || store === undefined) return;
    const refuse = (reason: string): void => {
      this.log.warn({ index: this.handle.name, shard: this.shardNumber, reason }, "the leader's segment files are not usable here; building the copied documents from the shard store");
      if (this.waiters.length > 0) this.refreshInSlices(store.maxSeqNo);
    };
    if (!this.searchesNothing() || this.importBuild !== undefined) return refuse('the shard searches other segments already');
    if (copied.refreshedSeqNo !== store.maxSeqNo) return refuse(`the files are refreshed to seq_no [${copied.refreshedSeqNo}], the shard stands at [${store.maxSeqNo}]`);
    if (copied.digest !== segmentInputsDigest(this.handle.metadata)) return refuse('the leader built them under another mapping or analysis');
    const loaded: { segments: Segment[]; metadata: DocMetadata[] } = { segments: [], metadata: [] };
    try {
      mkdirSync(this.directory, { recursive: true });
      for (const entry of copied.segments) {
        for (const suffix of ['.seg', '.meta']) renameSync(path.join(copied.directory, `${entry.name}${suffix}`), path.join(this.directory, `${entry.name}${suffix}`));
      }
      // Loaded already when the bootstrap stored their documents: the renamed files stay open under their new names.
      for (const entry of copied.segments) {
        const { segment, metadata } = copied.loaded?.get(entry.name) ?? loadListedSegment(this.directory, entry, 'what the leader described');
        loaded.segments.push(segment);
        loaded.metadata.push(metadata);
      }
    } catch (error) {
      return refuse((error as Error).message);
    }
    this.installImported(loaded.segments, loaded.metadata, store.maxSeqNo, Math.max(this.state.nextSegmentNumber, copied.nextSegmentNumber));
  }

  /**
   * The shard's searchable state as files, refreshed to the store's max seq_no now (a follower's
   * bootstrap copies them beside the store's documents at the same seq_no): segments not on disk
   * yet are written first. Undefined when the state cannot be had at that seq_no.
   */
  segmentFiles(): SegmentFilesSnapshot | undefined {
    const store = this.store;
    if (store === undefined || this.closed || this.importBuild !== undefined) return undefined;
    this.refreshTo(store.maxSeqNo);
    if (this.state.refreshedSeqNo !== store.maxSeqNo) return undefined;
    if (this.persisted !== this.state) {
      // Persisted now, whole (a segment half written stepwise is written again by `persist`).
      this.writing?.steps.return();
      this.writing = undefined;
      this.persist();
      if (this.persisted !== this.state) return undefined; // persist logged why
    }
    return {
      refreshedSeqNo: this.state.refreshedSeqNo,
      nextSegmentNumber: this.state.nextSegmentNumber,
      digest: segmentInputsDigest(this.handle.metadata),
      segments: this.state.segments.map((segment) => ({ name: segment.name, maxDoc: segment.maxDoc, deleted: deletedDocs(segment), directory: this.directory })),
    };
  }

  /** The segments built from a bootstrap's documents, loaded; undefined when they are not exactly the store's documents or unusable. */
  private loadImported(build: ImportBuild, results: readonly WorkerBuiltSegment[], store: ShardStore): Pick<SearcherState, 'segments' | 'metadata'> | undefined {
    if (store.docCount() !== build.documents || !this.searchesNothing() || !sameMappingKey(build.key, this.mappings().key)) return undefined;
    const segments: SearcherState['segments'][number][] = [];
    const metadata: SearcherState['metadata'][number][] = [];
    try {
      for (const result of results) {
        const loaded = writeAndLoadSegmentFiles(this.directory, result.name, result);
        segments.push(loaded.segment);
        metadata.push(loaded.metadata);
      }
    } catch (error) {
      this.log.warn({ index: this.handle.name, reason: (error as Error).message }, 'segments built off the main thread are unusable; building them from the shard store');
      return undefined;
    }
    for (const result of results) this.reportUnparsable(result.unparsable);
    return { segments, metadata };
  }

  /** Replaces the state by segments built from the store's current documents. */
  private rebuild(): void {
    this.importBuild = undefined; // built from the store itself now
    const store = this.store;
    if (store === undefined) return;
    const { root, engine } = this.mappings();
    const refreshedSeqNo = store.maxSeqNo;
    let nextSegmentNumber = this.state.nextSegmentNumber;
    const segments: SearcherState['segments'][number][] = [];
    const metadata: SearcherState['metadata'][number][] = [];
    let chunk: VersionedDocument[] = [];
    const flush = (): void => {
      const step = rebuildState(chunk, root, engine, refreshedSeqNo, nextSegmentNumber, this.sourceSinks);
      this.reportUnparsable(step.unparsable);
      segments.push(...step.state.segments);
      metadata.push(...step.state.metadata);
      nextSegmentNumber = step.state.nextSegmentNumber;
      chunk = [];
    };
    for (const document of store.scan()) {
      chunk.push(document);
      if (chunk.length >= refreshLimits.rebuildDocsPerSegmentMax) flush();
    }
    if (chunk.length > 0) flush();
    this.state = { segments, metadata, refreshedSeqNo, nextSegmentNumber };
    this.written = new Set();
    this.merge = undefined; // its inputs are gone
    this.building = undefined; // the rebuild covers its operations
    this.prebuilder.discard(); // and theirs
    this.changedAt = performance.now();
    this.scheduleBackgroundWork();
    this.settleWaiters();
  }

  /**
   * Merging and persisting run after the refresh that needed them, never inside it, and a merge
   * runs in slices of `mergeSliceMs`, one per event-loop turn: a merge of a large index takes
   * seconds, and the node must keep answering (and refreshing) meanwhile; `finishMerge` folds the
   * deletes that happened during the merge into its result. Merges keep every live document and its order, so hits and buckets are
   * the same before and after; BM25 statistics count deleted documents until a merge drops them,
   * as in Lucene, so scores of an index with updates or deletes settle when the merges do (in
   * Elasticsearch merges run in the background too). Persisting is a cache for restarts (the store
   * is the truth and a restart replays it), so it waits until the merges settle and the shard is
   * idle (or much is unpersisted), and writes the merged segments once instead of every small
   * segment on the way.
   */
  private scheduleBackgroundWork(): void {
    if (this.backgroundScheduled || this.closed) return;
    this.backgroundScheduled = true;
    // Two hops: an immediate set from an I/O callback (the refresh) runs before the loop polls
    // again, one set from an immediate runs after it, so requests that waited for the refresh are
    // read before the first background step starts.
    // The second hop is a turn of the background lane (one slice per turn, none while a search runs).
    setImmediate(() => backgroundLane.schedule(() => {
      this.backgroundScheduled = false;
      if (this.closed) return;
      if (this.merge === undefined) {
        const choice = this.nextMerge();
        if (choice === undefined) {
          if (this.persisted === this.state && this.writing === undefined) return;
          const idleFor = performance.now() - this.changedAt;
          const unpersisted = this.state.refreshedSeqNo - (this.persisted?.refreshedSeqNo ?? -1);
          if (this.writing === undefined && idleFor < refreshLimits.persistAfterIdleMs && unpersisted < refreshLimits.persistOperationsMax) {
            // Not yet: look again when the shard will have been idle long enough.
            if (this.idleTimer === undefined) {
              this.idleTimer = setTimeout(() => {
                this.idleTimer = undefined;
                this.scheduleBackgroundWork();
              }, refreshLimits.persistAfterIdleMs - idleFor + 1);
              this.idleTimer.unref();
            }
            return;
          }
          const deadline = performance.now() + refreshLimits.mergeSliceMs;
          let done = this.persistStep();
          while (!done && performance.now() < deadline) done = this.persistStep();
          if (!done) this.scheduleBackgroundWork();
          return;
        }
        const started = startMerge(this.state, choice);
        this.state = started.state;
        this.merge = { plan: started.plan, steps: mergeSegmentsStepwise(started.plan.inputs, started.plan.name, this.sourceSinks()) };
      }
      const merge = this.merge;
      const deadline = performance.now() + refreshLimits.mergeSliceMs;
      let step = merge.steps.next();
      while (step.done !== true && performance.now() < deadline) step = merge.steps.next();
      if (step.done === true) {
        this.merge = undefined;
        this.state = finishMerge(this.state, merge.plan, step.value).state;
        const eligible = this.forced?.eligible;
        if (eligible !== undefined && merge.plan.inputs.some((input) => eligible.has(input.name))) eligible.add(merge.plan.name);
      }
      this.scheduleBackgroundWork();
    }));
  }

  /**
   * The index was deleted, closed or reopened, or the node stops: pending merges are dropped
   * (they must not touch a deleted index's files); with `flush`, segments not persisted yet are
   * written first, so that a restart loads them instead of replaying the store.
   */
  close(flush: boolean): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // A segment half written stays unnamed by any manifest (the next manifest write removes it).
    this.writing?.steps.return();
    this.writing = undefined;
    this.prebuilder.discard(); // derived from the store, which a restart replays
    if (flush && !this.closed && this.persisted !== this.state && this.state !== emptySearcherState) this.persist();
    this.closed = true;
    this.forced?.done();
    this.forced = undefined;
    this.settleWaiters();
  }

  /**
   * Merges this shard's segments as `request` asks (the force merge API); settles once no merge it
   * wants is left (or the searcher closed). The merges run in the background lane's slices, as the
   * policy's do.
   */
  forceMerge(request: ForceMergeRequest): Promise<void> {
    const run = (): Promise<void> =>
      new Promise<void>((resolve) => {
        if (this.closed) return resolve();
        this.forced = { request, eligible: new Set(this.state.segments.map((segment) => segment.name)), done: resolve };
        this.scheduleBackgroundWork();
      });
    this.forceMerges = this.forceMerges.then(run);
    return this.forceMerges;
  }

  /** The next merge: a force merge's while one is under way (over the segments it may touch, a prefix), then the policy's. */
  private nextMerge(): MergeChoice | undefined {
    const forced = this.forced;
    if (forced !== undefined) {
      const segments = this.state.segments;
      let prefix = 0;
      while (prefix < segments.length && forced.eligible.has(segments[prefix]!.name)) prefix++;
      const choice = pickForceMerge(segments.slice(0, prefix), forced.request);
      if (choice !== undefined) return choice;
      this.forced = undefined;
      forced.done();
    }
    return pickMerge(this.state.segments);
  }

  private reportUnparsable(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.log.error({ index: this.handle.name, ids: ids.slice(0, 10), count: ids.length }, 'stored documents no longer parse against the mapping; indexed without fields');
  }

  /** Persisting is a cache for restarts: a failure is logged, the in-memory state stays. */
  private persist(): void {
    try {
      this.written = writeSearcherFiles(this.directory, this.handle.uuid, this.state, this.written);
      this.persisted = this.state;
    } catch (error) {
      this.log.error({ err: error, index: this.handle.name }, 'failed to persist search segments');
    }
  }

  /**
   * One step of persisting, run in slices like merges: a piece of a segment not on disk yet, or,
   * once every segment of the current state is, the manifest. True when nothing is left to write.
   */
  private persistStep(): boolean {
    if (this.persisted === this.state && this.writing === undefined) return true;
    try {
      if (this.writing !== undefined) {
        const writing = this.writing;
        if (writing.steps.next().done === true) {
          this.writing = undefined;
          this.written.add(writing.name);
        }
        return false;
      }
      const position = this.state.segments.findIndex((segment) => !this.written.has(segment.name));
      if (position >= 0) {
        const segment = this.state.segments[position]!;
        this.writing = { name: segment.name, steps: writeSegmentFilesStepwise(this.directory, segment, this.state.metadata[position]!) };
        return false;
      }
      this.written = writeManifest(this.directory, this.handle.uuid, this.state);
      this.persisted = this.state;
      // The shard has settled (merged, written, idle for persistAfterIdleMs): the builds and
      // merges that got it here left a heap of mostly empty pages, which V8 keeps (bench/memory-phases.ts:
      // 257 MB committed for 98 MB in use after 200,000 documents) until it is compacted.
      compactHeap();
    } catch (error) {
      this.writing = undefined;
      this.log.error({ err: error, index: this.handle.name }, 'failed to persist search segments');
      this.persisted = this.state; // retried after the next change, not in a loop
    }
    return true;
  }
}

/** The searchable view of one shard of an index at one moment (immutable; scroll contexts keep it). */
export interface ShardSnapshot {
  readonly index: string;
  readonly uuid: string;
  readonly shard: number;
  readonly state: SearcherState;
  readonly stats: ShardStats;
  /** Asks for the shard's segments in shared memory (soon: the search pool calls it when a job cannot run on a worker yet). */
  readonly shareSegments?: () => void;
}

function searcherKey(uuid: string, shard: number): string {
  return `${uuid}/${shard}`;
}

export class SearcherService {
  private readonly searchers = new Map<string, ShardSearcher>();
  private readonly removeListener: () => void;

  constructor(
    private readonly indices: IndicesService,
    private readonly log: Logger,
    /** True when search workers read the segments (their arrays then live in shared memory). */
    private readonly shareSegments = false,
    /** When segments are built ahead of refreshes (segment-prebuilder.ts; tests make pieces small). */
    private readonly prebuild: PrebuildLimits = prebuildLimits,
    /** Where a bootstrap's copied documents are built (segment-build-pool.ts; tests pass a failing one). */
    private readonly builder: SegmentBuilder = segmentBuildPool,
  ) {
    this.removeListener = indices.addListener({
      indexCreated: (handle) => {
        // A new index is empty: nothing to load, so its searchers exist from the start.
        (handle.shards ?? []).forEach((_, shard) => this.searchers.set(searcherKey(handle.uuid, shard), new ShardSearcher(handle, shard, indices.indexDirectory(handle.uuid), log, shareSegments, prebuild, builder)));
      },
      indexDeleted: (index) => this.forget(index.uuid, false),
      indexClosed: (index) => this.forget(index.uuid, true),
      indexOpened: (handle) => this.forget(handle.uuid, true),
      shardReset: (handle, shard) => {
        // Segments built from the old store would answer for documents the new one lacks.
        const key = searcherKey(handle.uuid, shard);
        this.searchers.get(key)?.close(false);
        this.searchers.delete(key);
        clearSearcherFiles(searcherDirectory(indices.indexDirectory(handle.uuid), shard));
      },
      refreshed: (handle, shard, maxSeqNo, scheduled) => {
        // A searcher not opened yet catches up with the store when it opens.
        const searcher = this.searchers.get(searcherKey(handle.uuid, shard));
        if (scheduled === true) searcher?.refreshInSlices(maxSeqNo);
        else searcher?.refreshTo(maxSeqNo);
      },
      // Committed writes are built into segments ahead of the refresh that will publish them.
      written: (handle, _seqNo, shard) => this.searchers.get(searcherKey(handle.uuid, shard))?.prebuilder.written(),
      refreshedStepwise: (handle, shard, maxSeqNo) => this.searchers.get(searcherKey(handle.uuid, shard))?.refreshStepwise(maxSeqNo) ?? Promise.resolve(),
      // A bootstrap's copied documents are built on the build worker while the copy goes on (by the
      // searcher the new follower index got: one opened now would first build what was copied so far).
      imported: (handle, shard, documents) => this.searchers.get(searcherKey(handle.uuid, shard))?.imported(documents),
      importFinished: (handle, shard, copied) => this.searchers.get(searcherKey(handle.uuid, shard))?.settleImport(copied) ?? Promise.resolve(),
      segmentFiles: (handle, shard) => (handle.shards?.[shard] !== undefined ? this.searcherOf(handle, shard).segmentFiles() : undefined),
    });
  }

  /** The searcher of one shard of an open index, opened on first use. */
  private searcherOf(handle: IndexHandle, shard: number): ShardSearcher {
    const key = searcherKey(handle.uuid, shard);
    let searcher = this.searchers.get(key);
    if (searcher === undefined) {
      searcher = new ShardSearcher(handle, shard, this.indices.indexDirectory(handle.uuid), this.log, this.shareSegments, this.prebuild, this.builder);
      searcher.open();
      this.searchers.set(key, searcher);
    }
    return searcher;
  }

  /** The current searchable view of one shard of an open index (opens its searcher on first use). */
  snapshot(handle: IndexHandle, shard: number): ShardSnapshot {
    const searcher = this.searcherOf(handle, shard);
    const state = searcher.state;
    const owner = searcher;
    // Only a searcher that shares its segments (a search pool runs) offers to: the search pool's job
    // then carries no `share` that would do nothing.
    return { index: handle.name, uuid: handle.uuid, shard, state, stats: shardStatsOf(state), ...(this.shareSegments ? { shareSegments: () => owner.shareSoon() } : {}) };
  }

  /** Segments built ahead of the next refresh of a shard, not searchable yet (for tests and stats). */
  prebuilt(handle: IndexHandle, shard: number): { readonly pieces: number; readonly operations: number; readonly inProgress: boolean; readonly heldDocuments: number } {
    const prebuilder = this.searchers.get(searcherKey(handle.uuid, shard))?.prebuilder;
    return { pieces: prebuilder?.pieceCount ?? 0, operations: prebuilder?.unpublishedOperations ?? 0, inProgress: prebuilder?.inProgress ?? false, heldDocuments: prebuilder?.heldDocuments ?? 0 };
  }

  /** The current searchable views of every shard of an open index, by shard number. */
  snapshots(handle: IndexHandle): ShardSnapshot[] {
    return (handle.shards ?? []).map((_, shard) => this.snapshot(handle, shard));
  }

  /** `docs.deleted` of one shard of an open index (docs-deleted.ts; opens its searcher on first use, as `_cat/segments` does). */
  docsDeleted(handle: IndexHandle, shard: number): number {
    return docsDeletedOf(this.searcherOf(handle, shard).state);
  }

  /** Force merges every shard of an open index (opening their searchers); settles when all are done. */
  async forceMerge(handle: IndexHandle, request: ForceMergeRequest): Promise<void> {
    await Promise.all((handle.shards ?? []).map((_, shard) => this.forceMergeShard(handle, shard, request)));
  }

  /** Force merges one shard of an open index (a multi-node cluster merges the copies a node holds). */
  forceMergeShard(handle: IndexHandle, shard: number, request: ForceMergeRequest): Promise<void> {
    return this.searcherOf(handle, shard).forceMerge(request);
  }

  private forget(uuid: string, flush: boolean): void {
    for (const [key, searcher] of this.searchers) {
      if (!key.startsWith(`${uuid}/`)) continue;
      searcher.close(flush);
      this.searchers.delete(key);
    }
  }

  close(): void {
    this.removeListener();
    for (const searcher of this.searchers.values()) searcher.close(true);
    this.searchers.clear();
  }
}
