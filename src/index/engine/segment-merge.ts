/**
 * Merges segments into one holding only their live documents (pure). Doc ids are renumbered in
 * input order (all live docs of the first segment, then the second...), so relative order is
 * kept. Postings are merged directly (no re-analysis), as Lucene's merge does.
 *
 * The merge is a generator that yields every few thousand terms or documents, so that its caller
 * can run it in slices between other work (a merge of large segments takes seconds, and the node
 * must keep answering meanwhile); `mergeSegments` runs it to the end at once.
 */
import { assert } from '../../common/assert.js';
import { runToEnd } from '../../common/steps.js';
import { createSegment, finishPostingsStepwise, sortNanoPoints, sortPoints } from './segment-builder.js';
import { type DocValues, type FieldMapping, type PostingsField, type Segment, isLive, numericFieldTypes } from './segment.js';
import { memorySourceSink, type SourceTextsSink } from './source-texts.js';

/** Work between two yields of a stepwise merge (style P4). */
export const mergeSliceLimits = {
  termsPerSlice: 1_024,
  postingsPerSlice: 32_768,
  docsPerSlice: 4_096,
} as const;

export interface MergedSegment {
  readonly segment: Segment;
  /** Per input segment, per doc: its doc id in the merged segment, or -1 (it was deleted). */
  readonly docMaps: readonly Int32Array[];
}

export function mergeSegments(segments: readonly Segment[], name: string): Segment {
  return runToEnd(mergeSegmentsStepwise(segments, name)).segment;
}

/** `sourceSink`: where the merged `_source` texts go (default: a buffer in memory). */
export function* mergeSegmentsStepwise(segments: readonly Segment[], name: string, sourceSink: SourceTextsSink = memorySourceSink()): Generator<void, MergedSegment, void> {
  const mappings: Record<string, FieldMapping> = {};
  for (const segment of segments) Object.assign(mappings, segment.mappings);
  const docMaps: Int32Array[] = [];
  const ids: string[] = [];
  let maxSeqNo = -1;
  for (const segment of segments) {
    const docMap = new Int32Array(segment.maxDoc).fill(-1);
    // Live documents' sources are copied a run of consecutive live docs at a time (bytes as they are).
    let runStart = -1;
    for (let doc = 0; doc < segment.maxDoc; doc++) {
      if (!isLive(segment, doc)) {
        if (runStart >= 0) sourceSink.appendRange(segment.sources, runStart, doc);
        runStart = -1;
        continue;
      }
      if (runStart < 0) runStart = doc;
      docMap[doc] = ids.length;
      ids.push(segment.ids[doc]!);
      if (ids.length % mergeSliceLimits.docsPerSlice === 0) {
        sourceSink.appendRange(segment.sources, runStart, doc + 1);
        runStart = -1;
        yield;
      }
    }
    if (runStart >= 0) sourceSink.appendRange(segment.sources, runStart, segment.maxDoc);
    docMaps.push(docMap);
    maxSeqNo = Math.max(maxSeqNo, segment.maxSeqNo);
  }
  const maxDoc = ids.length;
  const postings = new Map<string, PostingsField>();
  const docValues = new Map<string, DocValues>();
  const ordinalMaps = new Map<string, Int32Array[]>();
  for (const [path, mapping] of Object.entries(mappings)) {
    if (mapping.aliasOf !== undefined) continue; // nothing is indexed under a field alias
    if (mapping.type === 'text' || mapping.type === 'keyword') {
      const { field, ordinalMapsPerSegment } = yield* mergePostings(path, mapping.type, segments, docMaps, maxDoc);
      yield;
      postings.set(path, field);
      ordinalMaps.set(path, ordinalMapsPerSegment);
    }
    if (mapping.type === 'text' || !(mapping.type === 'keyword' || mapping.type === 'geo_point' || numericFieldTypes.has(mapping.type))) continue;
    // geo_point pairs (latitude, longitude steps) merge as date_nanos (millis, nanos) pairs do.
    docValues.set(path, yield* mergeDocValues(path, mapping.type === 'keyword', segments, docMaps, maxDoc, ordinalMaps.get(path), mapping.type === 'date_nanos' || mapping.type === 'geo_point'));
    yield;
  }
  const idOrdinals = new Map<string, number>();
  for (let doc = 0; doc < ids.length; doc++) {
    if (doc > 0 && doc % mergeSliceLimits.docsPerSlice === 0) yield;
    idOrdinals.set(ids[doc]!, doc);
  }
  return { segment: createSegment({ name, maxSeqNo, mappings, ids, sources: sourceSink.finish(), postings, docValues, liveDocs: null, idOrdinals }), docMaps };
}

/**
 * The first `length` elements of an array sized by an upper bound: the array itself when the bound
 * was exact (a merge without deleted documents), so that it is not copied once more.
 */
function exactly<A extends Int32Array | Float64Array>(array: A, length: number): A {
  return array.length === length ? array : (array.slice(0, length) as A);
}

function* mergePostings(
  path: string,
  kind: 'text' | 'keyword',
  segments: readonly Segment[],
  docMaps: readonly Int32Array[],
  maxDoc: number,
): Generator<void, { field: PostingsField; ordinalMapsPerSegment: Int32Array[] }, void> {
  const fields = segments.map((segment) => segment.postings.get(path));
  // Upper bounds: every posting and position of every input segment.
  let postingsBound = 0;
  let positionsBound = 0;
  for (const field of fields) {
    if (field === undefined) continue;
    postingsBound += field.docs.length;
    positionsBound += field.positions.length;
  }
  const docs = new Int32Array(postingsBound);
  const freqs = new Int32Array(postingsBound);
  const positionsStartAll = new Int32Array(kind === 'text' ? postingsBound + 1 : 0);
  const positions = new Int32Array(positionsBound);
  let postingCount = 0;
  let positionCount = 0;
  const keptTerms: string[] = [];
  const postingsStartList: number[] = [];
  // Each input dictionary is sorted: a k-way merge of them visits the union in order, with no
  // set of all terms, no sort and no hash lookup per (term, segment).
  const ordinalMapsPerSegment = fields.map((old) => (old === undefined ? new Int32Array(0) : new Int32Array(old.terms.length).fill(-1)));
  const cursors = new Int32Array(segments.length);
  const matching: number[] = [];
  let visited = 0;
  let postingsAtYield = 0;
  for (;;) {
    // A slice ends after so many terms, or so many postings (a few common terms can hold most).
    if (++visited % mergeSliceLimits.termsPerSlice === 0 || postingCount - postingsAtYield > mergeSliceLimits.postingsPerSlice) {
      postingsAtYield = postingCount;
      yield;
    }
    let term: string | undefined;
    matching.length = 0;
    for (let segmentIndex = 0; segmentIndex < segments.length; segmentIndex++) {
      const field = fields[segmentIndex];
      if (field === undefined || cursors[segmentIndex]! >= field.terms.length) continue;
      const candidate = field.terms[cursors[segmentIndex]!]!;
      if (term === undefined || candidate < term) {
        term = candidate;
        matching.length = 0;
        matching.push(segmentIndex);
      } else if (candidate === term) matching.push(segmentIndex);
    }
    if (term === undefined) break;
    const start = postingCount;
    for (const segmentIndex of matching) {
      const field = fields[segmentIndex]!;
      const ordinal = cursors[segmentIndex]!;
      cursors[segmentIndex] = ordinal + 1;
      const docMap = docMaps[segmentIndex]!;
      const oldDocs = field.docs;
      const oldFreqs = field.freqs;
      const oldPositionsStart = field.positionsStart;
      const oldPositions = field.positions;
      const end = field.postingsStart[ordinal + 1]!;
      for (let posting = field.postingsStart[ordinal]!; posting < end; posting++) {
        const newDoc = docMap[oldDocs[posting]!]!;
        if (newDoc < 0) continue;
        docs[postingCount] = newDoc;
        freqs[postingCount] = oldFreqs[posting]!;
        if (kind === 'text') {
          positionsStartAll[postingCount] = positionCount;
          const from = oldPositionsStart[posting]!;
          const to = oldPositionsStart[posting + 1]!;
          for (let index = from; index < to; index++) positions[positionCount++] = oldPositions[index]!;
        }
        postingCount++;
      }
    }
    if (postingCount === start) continue; // every doc with this term was deleted
    for (const segmentIndex of matching) ordinalMapsPerSegment[segmentIndex]![cursors[segmentIndex]! - 1] = keptTerms.length;
    keptTerms.push(term);
    postingsStartList.push(start);
  }
  postingsStartList.push(postingCount);
  if (kind === 'text') positionsStartAll[postingCount] = positionCount;
  const norms = new Uint8Array(kind === 'text' ? maxDoc : 0);
  if (kind === 'text') {
    for (let segmentIndex = 0; segmentIndex < segments.length; segmentIndex++) {
      const field = fields[segmentIndex];
      if (field === undefined) continue;
      const docMap = docMaps[segmentIndex]!;
      for (let doc = 0; doc < docMap.length; doc++) if (docMap[doc]! >= 0) norms[docMap[doc]!] = field.norms[doc]!;
    }
  }
  const field = yield* finishPostingsStepwise(
    kind,
    path,
    keptTerms,
    Int32Array.from(postingsStartList),
    exactly(docs, postingCount),
    exactly(freqs, postingCount),
    kind === 'text' ? exactly(positionsStartAll, postingCount + 1) : new Int32Array(0),
    exactly(positions, positionCount),
    norms,
  );
  if (kind === 'keyword') {
    let docCount = 0;
    for (let segmentIndex = 0; segmentIndex < segments.length; segmentIndex++) {
      const values = segments[segmentIndex]!.docValues.get(path);
      if (values === undefined) continue;
      const docMap = docMaps[segmentIndex]!;
      for (let doc = 0; doc < docMap.length; doc++) if (docMap[doc]! >= 0 && values.valueStart[doc + 1]! > values.valueStart[doc]!) docCount++;
    }
    return { field: { ...field, docCount }, ordinalMapsPerSegment };
  }
  return { field, ordinalMapsPerSegment };
}

function* mergeDocValues(
  path: string,
  keyword: boolean,
  segments: readonly Segment[],
  docMaps: readonly Int32Array[],
  maxDoc: number,
  ordinalMaps: Int32Array[] | undefined,
  withNanos: boolean,
): Generator<void, DocValues, void> {
  const valueStart = new Int32Array(maxDoc + 1);
  // Typed columns sized by every value of the inputs (deleted documents' too), not JS arrays
  // grown a push at a time on the heap; cut to the values kept at the end.
  let valuesBound = 0;
  for (const segment of segments) {
    const old = segment.docValues.get(path);
    if (old !== undefined) valuesBound += old.valueStart[old.valueStart.length - 1]!;
  }
  const ordinals = keyword ? new Int32Array(valuesBound) : undefined;
  const numbers = keyword ? undefined : new Float64Array(valuesBound);
  const nanos = withNanos ? new Int32Array(valuesBound) : undefined;
  const valueDocs = new Int32Array(valuesBound);
  let valueCount = 0;
  let singleValued = true;
  let newDoc = 0;
  for (let segmentIndex = 0; segmentIndex < segments.length; segmentIndex++) {
    const old = segments[segmentIndex]!.docValues.get(path);
    const docMap = docMaps[segmentIndex]!;
    for (let doc = 0; doc < docMap.length; doc++) {
      if (docMap[doc]! < 0) continue;
      if (newDoc % mergeSliceLimits.docsPerSlice === mergeSliceLimits.docsPerSlice - 1) yield;
      valueStart[newDoc] = valueCount;
      if (old !== undefined) {
        const from = old.valueStart[doc]!;
        const to = old.valueStart[doc + 1]!;
        if (to - from > 1) singleValued = false;
        for (let index = from; index < to; index++) {
          // Ordinal maps are monotonic (both dictionaries are sorted), so per-doc order holds.
          const value = old.kind === 'keyword' ? ordinalMaps![segmentIndex]![old.ordinals[index]!]! : old.values[index]!;
          if (ordinals !== undefined) ordinals[valueCount] = value;
          else numbers![valueCount] = value;
          if (nanos !== undefined) nanos[valueCount] = old.kind === 'numeric' ? (old.nanos?.[index] ?? 0) : 0;
          valueDocs[valueCount] = newDoc;
          valueCount++;
        }
      }
      newDoc++;
    }
  }
  valueStart[maxDoc] = valueCount;
  assert(valueCount <= valuesBound, 'a merge keeps at most the values of its inputs');
  if (ordinals !== undefined) return { kind: 'keyword', valueStart, ordinals: exactly(ordinals, valueCount), singleValued };
  const numeric = exactly(numbers!, valueCount);
  const docsOfValues = exactly(valueDocs, valueCount);
  if (nanos !== undefined) {
    const nanosColumn = exactly(nanos, valueCount);
    const { pointValues, pointDocs, pointNanos } = sortNanoPoints(numeric, nanosColumn, docsOfValues);
    return { kind: 'numeric', valueStart, values: numeric, singleValued, pointValues, pointDocs, nanos: nanosColumn, pointNanos };
  }
  const { pointValues, pointDocs } = sortPoints(numeric, docsOfValues);
  return { kind: 'numeric', valueStart, values: numeric, singleValued, pointValues, pointDocs };
}
