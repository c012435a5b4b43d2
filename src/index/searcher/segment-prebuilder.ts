/**
 * Segments built ahead of the refresh (issue 13): while a bulk writes, the operations it committed
 * are read back from the shard store and built into segments that nobody searches yet, a slice per
 * turn of the background lane, between the bulk's own slices. A refresh then only publishes them
 * (in order, each as the refresh of its operation range would have: `finishRefresh`) and builds
 * the tail written since. This is Lucene's indexing buffer flushed into segments not yet visible:
 * a document still becomes searchable only at a refresh.
 *
 * Measured before choosing (CPU profiles of bench/refresh-path.ts and of a node under
 * bench/index-path.ts): a refresh after a 200,000-document bulk spends its time building segments
 * from the stored operations — analysis and inversion ~32%, JSON.parse of each source and the
 * builder's field loop ~23%, the mapping parse ~13%, the postings finish ~11%, the `_id` map ~8%,
 * copying the `_source` texts ~8% — plus garbage collection on top; none of it needs the refresh,
 * so all of it can run earlier.
 *
 * Each piece covers a contiguous range of operations and is built exactly as a refresh over that
 * range builds (`planRefresh`: the last write per id, in order; its deletes and overwrites of older
 * copies applied when it is published), so publishing the pieces one after another gives the state
 * refreshes at those boundaries give. The store stays the truth: pieces live in memory only, a
 * crash loses nothing but the work, and anything that makes a piece doubtful (the mapping changed,
 * history missing, a rebuild, a refresh that does not continue it) discards it, and the refresh
 * builds those operations itself as before.
 */
import { assert, runToEnd } from '../../common/index.js';
import { withDeletes, type FieldMappings } from '../engine/index.js';
import type { RootMapping } from '../mapping/index.js';
import type { ShardStore } from '../store/index.js';
import { buildSearcherSegmentStepwise, emptySearcherState, planRefresh, type BuiltSegment, type RefreshPlan, type SearcherState, type SourceSinks, withoutTouched } from './searcher-state.js';

/** Limits of building ahead (style P4). */
export interface PrebuildLimits {
  /**
   * Committed operations beyond the last piece (or the refreshed point) before a piece is started:
   * fewer are left to the refresh, so that small writes and their refreshes do not make extra
   * segments.
   */
  readonly operationsMin: number;
  /** Operations per piece at most (as a refresh step: `refreshLimits.operationsPerStepMax`). */
  readonly operationsPerPieceMax: number;
  /**
   * Operations built ahead and not published at most: past it, the rest waits for the refresh,
   * which bounds what a shard that is written to and never refreshed holds in memory (the pieces'
   * `_source` texts spill to a file as every segment's do).
   */
  readonly operationsUnpublishedMax: number;
  /** Longest one slice of building runs (ms; as `refreshLimits.mergeSliceMs` and bulk slices). */
  readonly sliceMs: number;
  /**
   * Fraction of the time building ahead takes at most while other background work (a bulk's
   * slices) waits in the lane: after a slice it then waits `sliceMs × (1 / share − 1)` before
   * queueing the next; with nothing else queued it goes on at the next turn. On one thread every
   * µs built ahead during a bulk is a µs the bulk waits, so this trades the bulk rate against the
   * refresh; the refresh builds what building ahead did not reach (and continues a piece in
   * progress). Measured A/B with bench/index-path.ts (200,000 documents, 2 clients, on a shared
   * machine at load 4-7; bulk docs/s and refresh µs/doc, base → this): a share of 0.2 gave
   * 20,450 → 13,624 and 15,997 → 11,725 docs/s with 31 → 3-4 µs/doc; 0.1 gave 15,722 → 10,794 and
   * 14,021 → 10,545 with 28-31 → 8-11; 0.05 gave 16,892 → 18,871 and 18,472 → 16,419 with 31 → 18
   * and 21 → 17. The bulk rate must stay (issue 13's ≥ 25,000 from ~35,000), so 0.05.
   */
  readonly share: number;
}

export const prebuildLimits: PrebuildLimits = Object.freeze({
  operationsMin: 25_000,
  operationsPerPieceMax: 50_000,
  operationsUnpublishedMax: 1_000_000,
  sliceMs: 4,
  share: 0.05,
});

/** What a piece was built against: a piece built against another mapping is discarded, not published. */
export interface MappingKey {
  readonly mappings: unknown;
  readonly flattened: unknown;
  readonly ignoreMalformed: boolean;
}

export function sameMappingKey(left: MappingKey, right: MappingKey): boolean {
  return left.mappings === right.mappings && left.flattened === right.flattened && left.ignoreMalformed === right.ignoreMalformed;
}

/** One range of operations built (or being built) ahead. */
export interface PrebuiltPiece {
  /**
   * Its range and the ids it touched; its documents (each with its `_source` text) only until its
   * segment is built (`settle`): a piece waits for the refresh with its segment alone, not also
   * with every document it was built from (at 100,000 documents those held 40 MB of the heap).
   */
  plan: RefreshPlan;
  readonly key: MappingKey;
  /** Undefined when the range holds no document to index (deletes only), and once the segment is built. */
  build: Generator<void, BuiltSegment, void> | undefined;
  built: BuiltSegment | undefined;
  /**
   * Docs of this piece's segment whose ids later pieces wrote again or deleted: found while those
   * were built (not at the refresh, where looking every id of every piece up in every earlier
   * piece cost more than the rest of publishing).
   */
  readonly laterDeletes: number[];
  /** Looks this piece's ids up in the earlier pieces (after its build), filling their `laterDeletes`. */
  readonly check: Generator<void, void, void>;
  /** True once `check` ran to its end. */
  checked: boolean;
  /** Handed to a refresh: its check no longer looks into the other pieces. */
  taken: boolean;
}

/** Ids looked up in the earlier pieces between two yields of a piece's check (style P4). */
const checkSliceIds = 5_000;

/** Its segment is built (or it has none). */
export function pieceBuilt(piece: PrebuiltPiece): boolean {
  return piece.build === undefined || piece.built !== undefined;
}

/** Keeps a piece's built segment and lets go of what built it (its documents, the finished build). */
function settle(piece: PrebuiltPiece, built: BuiltSegment): void {
  piece.built = built;
  piece.build = undefined;
  piece.plan = { ...piece.plan, documents: [] };
}

/** Built and checked: `publishPieces` can take it. */
export function pieceDone(piece: PrebuiltPiece): boolean {
  return pieceBuilt(piece) && piece.checked;
}

/** Runs what is left of a piece's build now (a refresh somebody waits for synchronously). */
export function finishPieceBuild(piece: PrebuiltPiece): void {
  if (piece.build !== undefined && piece.built === undefined) settle(piece, runToEnd(piece.build));
}

/** What the prebuilder needs from its shard's searcher. */
export interface PrebuildHost {
  store(): ShardStore | undefined;
  /** The searcher's refreshed seq_no. */
  refreshedSeqNo(): number;
  /** False while the searcher cannot take pieces (closed, or a sliced refresh under way). */
  accepting(): boolean;
  mappings(): { readonly root: RootMapping; readonly engine: FieldMappings; readonly key: MappingKey };
  /** Reserves the next segment name of the shard. */
  reserveSegmentName(): string;
  readonly sourceSinks: SourceSinks;
  /** Runs `slice` on a later turn of the background lane. */
  schedule(slice: () => void): void;
  /** Slices of other background work waiting in the lane. */
  backlog(): number;
}

export class SegmentPrebuilder {
  private pieces: PrebuiltPiece[] = [];
  private scheduled = false;

  constructor(
    private readonly host: PrebuildHost,
    private readonly limits: PrebuildLimits = prebuildLimits,
  ) {}

  /** Operations built ahead (whole or in part), not published. */
  get unpublishedOperations(): number {
    const last = this.pieces.at(-1);
    return last === undefined ? 0 : last.plan.refreshedSeqNo - this.pieces[0]!.plan.fromSeqNo + 1;
  }

  /** Documents the pieces hold to build from (those of the piece in progress: a built piece keeps its segment only). */
  get heldDocuments(): number {
    let documents = 0;
    for (const piece of this.pieces) documents += piece.plan.documents.length;
    return documents;
  }

  /** Pieces built ahead (the last may still be in progress). */
  get pieceCount(): number {
    return this.pieces.length;
  }

  /** The last piece is still being built or checked. */
  get inProgress(): boolean {
    const last = this.pieces.at(-1);
    return last !== undefined && !pieceDone(last);
  }

  /** The last seq_no the pieces cover (the refreshed point when there are none). */
  private frontier(): number {
    return this.pieces.at(-1)?.plan.refreshedSeqNo ?? this.host.refreshedSeqNo();
  }

  /** A write was committed: starts building once enough operations wait (cheap: called per write). */
  written(): void {
    if (this.scheduled || !this.host.accepting()) return;
    const store = this.host.store();
    if (store === undefined || store.maxSeqNo - this.frontier() < this.limits.operationsMin) return;
    this.scheduleSlice();
  }

  /**
   * Hands the pieces to a refresh, oldest first, and forgets them: the refresh publishes those that
   * continue its state and drops the rest.
   */
  take(): PrebuiltPiece[] {
    const pieces = this.pieces;
    this.pieces = [];
    for (const piece of pieces) piece.taken = true;
    return pieces;
  }

  /** Drops every piece (a rebuild, a reset, the searcher closing). */
  discard(): void {
    this.take();
  }

  private scheduleSlice(): void {
    this.scheduled = true;
    this.host.schedule(() => {
      if (!this.slice()) {
        this.scheduled = false;
        return;
      }
      // Other work waits (a bulk's slices): leave it the loop for a while (`share`).
      if (this.host.backlog() === 0 || this.limits.share >= 1) return this.scheduleSlice();
      const pauseMs = this.limits.sliceMs * (1 / this.limits.share - 1);
      setTimeout(() => this.scheduleSlice(), pauseMs).unref();
    });
  }

  /** One slice of building: true when more is left to do now. */
  private slice(): boolean {
    if (!this.host.accepting()) return false;
    const store = this.host.store();
    if (store === undefined) return false;
    const deadline = performance.now() + this.limits.sliceMs;
    for (;;) {
      const last = this.pieces.at(-1);
      if (last !== undefined && !pieceBuilt(last)) {
        const step = last.build!.next();
        if (step.done === true) settle(last, step.value);
      } else if (last !== undefined && !last.checked) {
        if (last.check.next().done === true) last.checked = true;
      } else if (!this.startPiece(store)) return false;
      if (performance.now() >= deadline) return true;
    }
  }

  /** Starts the next piece when enough committed operations wait: false when none is started. */
  private startPiece(store: ShardStore): boolean {
    // Mid-transaction operations may still roll back: only committed ones are built.
    if (store.inTransaction) return false;
    const from = this.frontier() + 1;
    const waiting = store.maxSeqNo - from + 1;
    if (waiting < this.limits.operationsMin) return false;
    const published = this.host.refreshedSeqNo();
    if (from - 1 - published >= this.limits.operationsUnpublishedMax) return false;
    const count = Math.min(waiting, this.limits.operationsPerPieceMax);
    const operations = store.readOps(from, count);
    // History missing (trimmed, or never kept): the refresh rebuilds from the store itself.
    if (operations.length !== count || operations[0]?.seqNo !== from) return false;
    const plan = planRefresh({ ...emptySearcherState, refreshedSeqNo: from - 1 }, operations);
    const { root, engine, key } = this.host.mappings();
    const build = plan.documents.length > 0 ? buildSearcherSegmentStepwise(plan.documents, root, engine, this.host.reserveSegmentName(), plan.refreshedSeqNo, this.host.sourceSinks) : undefined;
    const laterDeletes: number[] = [];
    const piece: PrebuiltPiece = { plan, key, build, built: undefined, laterDeletes, check: checkAgainst(plan.touchedIds, this.pieces.slice(), () => piece.taken), checked: false, taken: false };
    this.pieces.push(piece);
    return true;
  }
}

/**
 * Looks ids up in the earlier pieces (all built: pieces are built one after another), each hit
 * noted as a later delete of that piece's doc; stops once the piece was handed to a refresh.
 */
function* checkAgainst(ids: readonly string[], earlier: readonly PrebuiltPiece[], taken: () => boolean): Generator<void, void, void> {
  for (let start = 0; start < ids.length && earlier.length > 0; start += checkSliceIds) {
    if (start > 0) yield;
    if (taken()) return;
    const end = Math.min(ids.length, start + checkSliceIds);
    for (const previous of earlier) {
      const segment = previous.built?.segment;
      if (segment === undefined) continue;
      for (let index = start; index < end; index++) {
        const doc = segment.idOrdinals.get(ids[index]!);
        if (doc !== undefined) previous.laterDeletes.push(doc);
      }
    }
  }
}

/**
 * Publishes pieces (each checked against the ones before it) as refreshes over their ranges, one
 * after another, would: the state's segments lose the copies of every id the pieces touched, each
 * piece's segment the copies later pieces touched (`laterDeletes`), and segments left empty are
 * dropped. One lookup per touched id per state segment, as a refresh does.
 */
export function publishPieces(state: SearcherState, pieces: readonly PrebuiltPiece[]): SearcherState {
  if (pieces.length === 0) return state;
  let expected = state.refreshedSeqNo + 1;
  for (const piece of pieces) {
    assert(piece.plan.fromSeqNo === expected && pieceDone(piece), 'published pieces continue the state, are built, and were checked against each other');
    expected = piece.plan.refreshedSeqNo + 1;
  }
  const { segments, metadata } = withoutTouched(state, pieces.map((piece) => piece.plan.touchedIds));
  for (const piece of pieces) {
    if (piece.built === undefined) continue;
    const segment = piece.laterDeletes.length === 0 ? piece.built.segment : withDeletes(piece.built.segment, piece.laterDeletes);
    if (segment.liveDocCount === 0) continue;
    segments.push(segment);
    metadata.push(piece.built.metadata);
  }
  return { ...state, segments, metadata, refreshedSeqNo: pieces[pieces.length - 1]!.plan.refreshedSeqNo };
}
