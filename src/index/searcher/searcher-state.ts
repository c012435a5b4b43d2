/**
 * The searchable state of one shard (pure, style P1): an immutable list of segments with their
 * per-document metadata (seq_no, version, primary term) and the seq_no the state is refreshed
 * to. A refresh is a step `applyOperations(state, ops) → state`: operations after the last
 * refreshed seq_no become one new small segment, and older copies of the documents they touch
 * are deleted from earlier segments (live-docs only; segments never change in place). Merging is
 * a second step chosen by `pickMerge`, a small tiered policy in Lucene's spirit.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/near-real-time.html
 */
import { assert, runToEnd } from '../../common/index.js';
import { buildSegmentStepwise, isLive, mergeSegmentsStepwise, withDeletes, type FieldMappings, type MergedSegment, type Segment, type SourceTextsSink } from '../engine/index.js';
import type { RootMapping } from '../mapping/index.js';
import type { Operation } from '../store/index.js';
import { lazySegmentInputs } from './document-input.js';

/** Per-document metadata of one segment, indexed by segment doc id. */
export interface DocMetadata {
  readonly seqNos: Float64Array;
  readonly versions: Float64Array;
  readonly primaryTerms: Float64Array;
  /** `_routing` per document (null: none); absent when no document of the segment has one. */
  readonly routings?: readonly (string | null)[];
}

export interface SearcherState {
  /** Oldest first: the order documents were made searchable (the `_doc` order). */
  readonly segments: readonly Segment[];
  /** Parallel to `segments`. */
  readonly metadata: readonly DocMetadata[];
  /** Every operation up to this seq_no is reflected (-1: none). */
  readonly refreshedSeqNo: number;
  /** Segment names are `_<n in base 36>`, n counting up per shard (as Lucene names segments). */
  readonly nextSegmentNumber: number;
}

export const emptySearcherState: SearcherState = Object.freeze({ segments: [], metadata: [], refreshedSeqNo: -1, nextSegmentNumber: 0 });

/**
 * Limits of the merge policy (style P4): adjacent segments merge by levels, as Lucene's log merge
 * policies do (`pickMerge`), so that a document is merged about once per level (log10 of the
 * shard's size over a refresh's), however long indexing runs.
 */
export const mergePolicy = {
  /** How many adjacent segments of one level merge at once (Lucene's mergeFactor and segmentsPerTier default, 10). */
  segmentsPerMergeMax: 10,
  /**
   * Segments under this many live documents are one group whatever their levels (Lucene's
   * LogDocMergePolicy minMergeDocs default), and a group of bigger ones never takes them in.
   */
  levelFloorDocs: 1_000,
  /** A segment with more than this fraction of deleted docs is rewritten alone (expunge deletes). */
  deletedFractionMax: 0.5,
  /** ...but only from this many docs on: tiny segments are left for the level merges. */
  expungeDocsMin: 1_000,
} as const;

export function segmentName(number: number): string {
  return `_${number.toString(36)}`;
}

/** A stored document with the bookkeeping a search hit may show. */
export interface VersionedDocument {
  readonly id: string;
  readonly source: string;
  readonly seqNo: number;
  readonly version: number;
  readonly primaryTerm: number;
  readonly routing?: string | null | undefined;
}

/** The `routings` of a segment's metadata: only when some document has one. */
function routingsOf(routings: readonly (string | null | undefined)[]): { routings?: readonly (string | null)[] } {
  return routings.some((routing) => routing !== null && routing !== undefined) ? { routings: routings.map((routing) => routing ?? null) } : {};
}

export interface BuiltSegment {
  readonly segment: Segment;
  readonly metadata: DocMetadata;
  readonly unparsable: readonly string[];
}

/**
 * Where a build or merge puts the `_source` texts of the segment it makes: a fresh sink per call
 * (the searcher service passes one that spills large segments' texts to a file; default: memory).
 */
export type SourceSinks = () => SourceTextsSink;

/** Builds one segment from documents in the given order. */
export function buildSearcherSegment(documents: readonly VersionedDocument[], root: RootMapping, mappings: FieldMappings, name: string, maxSeqNo: number, sourceSinks?: SourceSinks): BuiltSegment {
  return runToEnd(buildSearcherSegmentStepwise(documents, root, mappings, name, maxSeqNo, sourceSinks));
}

/** `buildSearcherSegment` in steps (see `buildSegmentStepwise`). */
export function* buildSearcherSegmentStepwise(documents: readonly VersionedDocument[], root: RootMapping, mappings: FieldMappings, name: string, maxSeqNo: number, sourceSinks?: SourceSinks): Generator<void, BuiltSegment, void> {
  const { inputs, unparsable } = lazySegmentInputs(documents, root);
  const segment = yield* buildSegmentStepwise(inputs, mappings, { name, maxSeqNo, ...(sourceSinks === undefined ? {} : { sourceSink: sourceSinks() }) });
  const metadata: DocMetadata = {
    seqNos: Float64Array.from(documents, (document) => document.seqNo),
    versions: Float64Array.from(documents, (document) => document.version),
    primaryTerms: Float64Array.from(documents, (document) => document.primaryTerm),
    ...routingsOf(documents.map((document) => document.routing)),
  };
  return { segment, metadata, unparsable };
}

export interface RefreshStep {
  readonly state: SearcherState;
  readonly unparsable: readonly string[];
}

/**
 * Applies operations `state.refreshedSeqNo + 1 ..` in seq_no order (a gap is a caller bug: the
 * shell rebuilds from the store instead when history is missing). The last operation per id wins;
 * every earlier live copy of a touched id is deleted.
 */
export function applyOperations(state: SearcherState, operations: readonly Operation[], root: RootMapping, mappings: FieldMappings, sourceSinks?: SourceSinks): RefreshStep {
  if (operations.length === 0) return { state, unparsable: [] };
  const plan = planRefresh(state, operations);
  const built = plan.documents.length > 0 ? buildSearcherSegment(plan.documents, root, mappings, segmentName(state.nextSegmentNumber), plan.refreshedSeqNo, sourceSinks) : undefined;
  return {
    state: finishRefresh({ ...state, nextSegmentNumber: state.nextSegmentNumber + (built === undefined ? 0 : 1) }, plan, built === undefined ? [] : [built]),
    unparsable: built?.unparsable ?? [],
  };
}

/**
 * What a refresh over `operations` does: the documents to build (the last write per id, in
 * order) and the ids whose older copies it deletes. Building may then happen in pieces, several
 * segments one per event-loop turn (the searcher service does so for scheduled refreshes), and
 * `finishRefresh` makes it all visible at once.
 */
export interface RefreshPlan {
  readonly fromSeqNo: number;
  readonly refreshedSeqNo: number;
  /** Every id an operation touched: their copies in older segments are deleted. */
  readonly touchedIds: readonly string[];
  readonly documents: readonly VersionedDocument[];
}

export function planRefresh(state: SearcherState, operations: readonly Operation[]): RefreshPlan {
  assert(operations.length > 0, 'a refresh plan has operations');
  let expected = state.refreshedSeqNo + 1;
  for (const operation of operations) {
    assert(operation.seqNo === expected, `operations continue the refreshed state without a gap (expected ${expected}, got ${operation.seqNo})`);
    expected++;
  }
  const lastById = new Map<string, Operation>();
  for (const operation of operations) {
    lastById.delete(operation.id); // keep insertion order = order of the last write
    lastById.set(operation.id, operation);
  }
  const documents: VersionedDocument[] = [];
  for (const operation of lastById.values()) {
    if (operation.op !== 'index') continue;
    assert(operation.source !== null, 'an index operation carries its source');
    documents.push({ id: operation.id, source: operation.source, seqNo: operation.seqNo, version: operation.version, primaryTerm: operation.primaryTerm, routing: operation.routing });
  }
  return { fromSeqNo: operations[0]!.seqNo, refreshedSeqNo: operations[operations.length - 1]!.seqNo, touchedIds: [...lastById.keys()], documents };
}

/**
 * Makes a planned refresh visible: deletes the older copies of every touched id in the state's
 * segments (dropping segments left empty), then appends the built segments. The state must still
 * stand where the plan started (`fromSeqNo - 1`); segment names were reserved by the caller.
 */
export function finishRefresh(state: SearcherState, plan: RefreshPlan, built: readonly BuiltSegment[]): SearcherState {
  assert(state.refreshedSeqNo === plan.fromSeqNo - 1, `the refresh continues the refreshed state (at ${state.refreshedSeqNo}, planned from ${plan.fromSeqNo})`);
  const { segments, metadata } = withoutTouched(state, [plan.touchedIds]);
  for (const piece of built) {
    segments.push(piece.segment);
    metadata.push(piece.metadata);
  }
  return { ...state, segments, metadata, refreshedSeqNo: plan.refreshedSeqNo };
}

/**
 * The state's segments without the live copies of the ids written again or deleted (`touched`:
 * one list per refresh range applied at once), one lookup per id per segment; a segment left
 * without live documents is dropped.
 */
export function withoutTouched(state: SearcherState, touched: readonly (readonly string[])[]): { segments: Segment[]; metadata: DocMetadata[] } {
  const segments: Segment[] = [];
  const metadata: DocMetadata[] = [];
  state.segments.forEach((segment, segmentIndex) => {
    const deleted: number[] = [];
    for (const ids of touched) {
      for (const id of ids) {
        const doc = segment.idOrdinals.get(id);
        if (doc !== undefined && isLive(segment, doc)) deleted.push(doc);
      }
    }
    const next = deleted.length === 0 ? segment : withDeletes(segment, deleted);
    if (next.liveDocCount === 0) return; // nothing left to search: drop it
    segments.push(next);
    metadata.push(state.metadata[segmentIndex]!);
  });
  return { segments, metadata };
}

/** A state holding exactly these documents (a rebuild from the store's current documents). */
export function rebuildState(documents: readonly VersionedDocument[], root: RootMapping, mappings: FieldMappings, refreshedSeqNo: number, nextSegmentNumber: number, sourceSinks?: SourceSinks): RefreshStep {
  if (documents.length === 0) return { state: { segments: [], metadata: [], refreshedSeqNo, nextSegmentNumber }, unparsable: [] };
  const built = buildSearcherSegment(documents, root, mappings, segmentName(nextSegmentNumber), refreshedSeqNo, sourceSinks);
  return {
    state: { segments: [built.segment], metadata: [built.metadata], refreshedSeqNo, nextSegmentNumber: nextSegmentNumber + 1 },
    unparsable: built.unparsable,
  };
}

/** A half-open range of adjacent segment positions to merge into one. */
export interface MergeChoice {
  readonly start: number;
  readonly end: number;
}

/**
 * Chooses the next merge, or undefined. Segments are taken oldest first in groups of one level
 * (log base `segmentsPerMergeMax` of their live documents): from the first segment not grouped
 * yet, the group reaches the last segment whose level is within 0.75 of the highest level left
 * (all of them when every one left is below `levelFloorDocs`; never one below it otherwise); a
 * group of at least `segmentsPerMergeMax` segments merges its adjacent window of that many with the
 * fewest live documents (adjacent, so the `_doc` order of documents is kept). A big segment so never merges
 * again with the small ones refreshes keep adding, which the former rule (over 10 segments, merge
 * the cheapest window of 10) did: it merged a document again every ten refreshes, sixteen times
 * in 300 refreshes of one size, more the longer indexing went on. Without a level merge: a large
 * segment that is mostly deletes, alone.
 */
export function pickMerge(segments: readonly Pick<Segment, 'maxDoc' | 'liveDocCount'>[], policy: { readonly [K in keyof typeof mergePolicy]: number } = mergePolicy): MergeChoice | undefined {
  const count = segments.length;
  const factor = Math.max(2, policy.segmentsPerMergeMax);
  const levels = segments.map((segment) => Math.log(Math.max(segment.liveDocCount, 1)) / Math.log(factor));
  const floorLevel = Math.log(Math.max(policy.levelFloorDocs, 1)) / Math.log(factor);
  // The highest level from each position to the end.
  const highestFrom = new Float64Array(count + 1).fill(-Infinity);
  for (let position = count - 1; position >= 0; position--) highestFrom[position] = Math.max(levels[position]!, highestFrom[position + 1]!);
  for (let start = 0; start < count; ) {
    const highest = highestFrom[start]!;
    // Segments all below the floor are one group; above it, a group never reaches below the floor.
    const bottom = highest <= floorLevel ? -Infinity : Math.max(highest - 0.75, floorLevel);
    let upto = count - 1;
    while (upto > start && levels[upto]! < bottom) upto--;
    if (upto - start + 1 >= factor) {
      // The group's window with the fewest live documents: below the floor, ten of the smallest
      // merge together, not with a bigger neighbour that would be merged again each time.
      const window = cheapestWindow(segments.slice(start, upto + 1), factor)!;
      return { start: start + window.start, end: start + window.end };
    }
    start = upto + 1;
  }
  for (let position = 0; position < count; position++) {
    const segment = segments[position]!;
    if (segment.maxDoc >= policy.expungeDocsMin && segment.maxDoc - segment.liveDocCount > segment.maxDoc * policy.deletedFractionMax) {
      return { start: position, end: position + 1 };
    }
  }
  return undefined;
}

/** The window of `width` adjacent segments holding the fewest live documents (the first such, from the oldest). */
export function cheapestWindow(segments: readonly Pick<Segment, 'liveDocCount'>[], width: number): MergeChoice | undefined {
  let best: MergeChoice | undefined;
  let bestDocs = Infinity;
  for (let start = 0; start + width <= segments.length; start++) {
    let docs = 0;
    for (let position = start; position < start + width; position++) docs += segments[position]!.liveDocCount;
    if (docs < bestDocs) {
      bestDocs = docs;
      best = { start, end: start + width };
    }
  }
  return best;
}

/**
 * A merge under way: its inputs as they were when it started, and the name reserved for its
 * result. The merge itself runs outside the state, in slices (the searcher service drives
 * `mergeSegmentsStepwise`), while refreshes go on adding segments and deleting documents;
 * `finishMerge` then folds the result into whatever the state has become.
 */
export interface MergePlan {
  readonly name: string;
  readonly inputs: readonly Segment[];
  readonly metadata: readonly DocMetadata[];
}

/** Starts merging `choice`: reserves the result's segment name in the state. */
export function startMerge(state: SearcherState, choice: MergeChoice): { state: SearcherState; plan: MergePlan } {
  assert(choice.start >= 0 && choice.end <= state.segments.length && choice.start < choice.end, 'the merge range lies within the segments');
  return {
    state: { ...state, nextSegmentNumber: state.nextSegmentNumber + 1 },
    plan: { name: segmentName(state.nextSegmentNumber), inputs: state.segments.slice(choice.start, choice.end), metadata: state.metadata.slice(choice.start, choice.end) },
  };
}

/**
 * Replaces the merged inputs by the merged segment, in the state as it is now. Documents deleted
 * since the merge started are deleted in the result too; inputs dropped meanwhile (all their
 * documents deleted) count as wholly deleted. When none of the inputs is left (a rebuild replaced
 * the state, or everything was deleted), or they are no longer adjacent, the result is discarded:
 * a merge only ever re-arranges what the state already holds.
 */
export function finishMerge(state: SearcherState, plan: MergePlan, merged: MergedSegment): { state: SearcherState; merged: Segment | undefined } {
  const positions = plan.inputs.map((input) => state.segments.findIndex((segment) => segment.name === input.name));
  const present = positions.filter((position) => position >= 0);
  if (present.length === 0) return { state, merged: undefined };
  for (let index = 1; index < present.length; index++) if (present[index] !== present[index - 1]! + 1) return { state, merged: undefined };
  const deleted: number[] = [];
  plan.inputs.forEach((input, inputIndex) => {
    const docMap = merged.docMaps[inputIndex]!;
    const position = positions[inputIndex]!;
    const current = position >= 0 ? state.segments[position]! : undefined;
    if (current !== undefined && current.liveDocs === input.liveDocs) return; // no new deletes
    for (let doc = 0; doc < input.maxDoc; doc++) {
      if (docMap[doc]! >= 0 && (current === undefined || !isLive(current, doc))) deleted.push(docMap[doc]!);
    }
  });
  const seqNos: number[] = [];
  const versions: number[] = [];
  const primaryTerms: number[] = [];
  const routings: (string | null)[] = [];
  plan.inputs.forEach((segment, offset) => {
    const metadata = plan.metadata[offset]!;
    for (let doc = 0; doc < segment.maxDoc; doc++) {
      if (!isLive(segment, doc)) continue;
      seqNos.push(metadata.seqNos[doc]!);
      versions.push(metadata.versions[doc]!);
      primaryTerms.push(metadata.primaryTerms[doc]!);
      routings.push(metadata.routings?.[doc] ?? null);
    }
  });
  assert(seqNos.length === merged.segment.maxDoc, 'the merged metadata covers every merged document');
  const mergedMetadata: DocMetadata = {
    seqNos: Float64Array.from(seqNos),
    versions: Float64Array.from(versions),
    primaryTerms: Float64Array.from(primaryTerms),
    ...routingsOf(routings),
  };
  const result = deleted.length === 0 ? merged.segment : withDeletes(merged.segment, deleted);
  const first = present[0]!;
  const end = present[present.length - 1]! + 1;
  const keep = result.liveDocCount > 0;
  const segments = [...state.segments.slice(0, first), ...(keep ? [result] : []), ...state.segments.slice(end)];
  const metadata = [...state.metadata.slice(0, first), ...(keep ? [mergedMetadata] : []), ...state.metadata.slice(end)];
  return { state: { ...state, segments, metadata }, merged: keep ? result : undefined };
}

/** Merges `choice` into one segment holding their live documents, in order, at once. */
export function applyMerge(state: SearcherState, choice: MergeChoice): { state: SearcherState; merged: Segment } {
  const started = startMerge(state, choice);
  const result = runToEnd(mergeSegmentsStepwise(started.plan.inputs, started.plan.name));
  const finished = finishMerge(started.state, started.plan, result);
  return { state: finished.state, merged: finished.merged ?? result.segment };
}

/** Deleted doc ids of a segment (for the manifest). */
export function deletedDocs(segment: Segment): number[] {
  const deleted: number[] = [];
  if (segment.liveDocs === null) return deleted;
  for (let doc = 0; doc < segment.maxDoc; doc++) if (!isLive(segment, doc)) deleted.push(doc);
  return deleted;
}
