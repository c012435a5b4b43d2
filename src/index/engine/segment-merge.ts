/**
 * Merges segments into one holding only their live documents (pure). Doc ids are renumbered in
 * input order (all live docs of the first segment, then the second...), so relative order is
 * kept. Postings are merged directly (no re-analysis), as Lucene's merge does.
 */
import { compareStrings, createSegment, finishPostings, sortNanoPoints, sortPoints } from './segment-builder.js';
import { type DocValues, type FieldMapping, type PostingsField, type Segment, isLive, numericFieldTypes } from './segment.js';

export function mergeSegments(segments: readonly Segment[], name: string): Segment {
  const mappings: Record<string, FieldMapping> = {};
  for (const segment of segments) Object.assign(mappings, segment.mappings);
  const docMaps: Int32Array[] = [];
  const ids: string[] = [];
  const sources: unknown[] = [];
  let maxSeqNo = -1;
  for (const segment of segments) {
    const docMap = new Int32Array(segment.maxDoc).fill(-1);
    for (let doc = 0; doc < segment.maxDoc; doc++) {
      if (!isLive(segment, doc)) continue;
      docMap[doc] = ids.length;
      ids.push(segment.ids[doc]!);
      sources.push(segment.sources[doc]);
    }
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
      const { field, ordinalMapsPerSegment } = mergePostings(path, mapping.type, segments, docMaps, maxDoc);
      postings.set(path, field);
      ordinalMaps.set(path, ordinalMapsPerSegment);
    }
    if (mapping.type === 'text' || !(mapping.type === 'keyword' || numericFieldTypes.has(mapping.type))) continue;
    docValues.set(path, mergeDocValues(path, mapping.type === 'keyword', segments, docMaps, maxDoc, ordinalMaps.get(path), mapping.type === 'date_nanos'));
  }
  return createSegment({ name, maxSeqNo, mappings, ids, sources, postings, docValues, liveDocs: null });
}

function mergePostings(
  path: string,
  kind: 'text' | 'keyword',
  segments: readonly Segment[],
  docMaps: readonly Int32Array[],
  maxDoc: number,
): { field: PostingsField; ordinalMapsPerSegment: Int32Array[] } {
  const fields = segments.map((segment) => segment.postings.get(path));
  const termSet = new Set<string>();
  for (const field of fields) if (field !== undefined) for (const term of field.terms) termSet.add(term);
  const allTerms = [...termSet].sort(compareStrings);
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
  const newOrdinalOf = new Map<string, number>();
  for (const term of allTerms) {
    const start = postingCount;
    for (let segmentIndex = 0; segmentIndex < segments.length; segmentIndex++) {
      const field = fields[segmentIndex];
      if (field === undefined) continue;
      const ordinal = field.termOrdinals.get(term);
      if (ordinal === undefined) continue;
      const docMap = docMaps[segmentIndex]!;
      const oldDocs = field.docs;
      const oldFreqs = field.freqs;
      const oldPositionsStart = field.positionsStart;
      for (let posting = field.postingsStart[ordinal]!; posting < field.postingsStart[ordinal + 1]!; posting++) {
        const newDoc = docMap[oldDocs[posting]!]!;
        if (newDoc < 0) continue;
        docs[postingCount] = newDoc;
        freqs[postingCount] = oldFreqs[posting]!;
        if (kind === 'text') {
          positionsStartAll[postingCount] = positionCount;
          const from = oldPositionsStart[posting]!;
          const to = oldPositionsStart[posting + 1]!;
          for (let index = from; index < to; index++) positions[positionCount++] = field.positions[index]!;
        }
        postingCount++;
      }
    }
    if (postingCount === start) continue; // every doc with this term was deleted
    newOrdinalOf.set(term, keptTerms.length);
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
  const field = finishPostings(
    kind,
    path,
    keptTerms,
    Int32Array.from(postingsStartList),
    docs.slice(0, postingCount),
    freqs.slice(0, postingCount),
    kind === 'text' ? positionsStartAll.slice(0, postingCount + 1) : new Int32Array(0),
    positions.slice(0, positionCount),
    norms,
  );
  const ordinalMapsPerSegment = fields.map((old) => {
    if (old === undefined) return new Int32Array(0);
    const map = new Int32Array(old.terms.length).fill(-1);
    for (let ordinal = 0; ordinal < old.terms.length; ordinal++) map[ordinal] = newOrdinalOf.get(old.terms[ordinal]!) ?? -1;
    return map;
  });
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

function mergeDocValues(
  path: string,
  keyword: boolean,
  segments: readonly Segment[],
  docMaps: readonly Int32Array[],
  maxDoc: number,
  ordinalMaps: Int32Array[] | undefined,
  withNanos: boolean,
): DocValues {
  const valueStart = new Int32Array(maxDoc + 1);
  const values: number[] = [];
  const nanos: number[] = [];
  const valueDocs: number[] = [];
  let singleValued = true;
  let newDoc = 0;
  for (let segmentIndex = 0; segmentIndex < segments.length; segmentIndex++) {
    const old = segments[segmentIndex]!.docValues.get(path);
    const docMap = docMaps[segmentIndex]!;
    for (let doc = 0; doc < docMap.length; doc++) {
      if (docMap[doc]! < 0) continue;
      valueStart[newDoc] = values.length;
      if (old !== undefined) {
        const from = old.valueStart[doc]!;
        const to = old.valueStart[doc + 1]!;
        if (to - from > 1) singleValued = false;
        for (let index = from; index < to; index++) {
          // Ordinal maps are monotonic (both dictionaries are sorted), so per-doc order holds.
          values.push(old.kind === 'keyword' ? ordinalMaps![segmentIndex]![old.ordinals[index]!]! : old.values[index]!);
          if (withNanos) nanos.push(old.kind === 'numeric' ? (old.nanos?.[index] ?? 0) : 0);
          valueDocs.push(newDoc);
        }
      }
      newDoc++;
    }
  }
  valueStart[maxDoc] = values.length;
  if (keyword) return { kind: 'keyword', valueStart, ordinals: Int32Array.from(values), singleValued };
  const numeric = Float64Array.from(values);
  if (withNanos) {
    const nanosColumn = Int32Array.from(nanos);
    const { pointValues, pointDocs, pointNanos } = sortNanoPoints(numeric, nanosColumn, Int32Array.from(valueDocs));
    return { kind: 'numeric', valueStart, values: numeric, singleValued, pointValues, pointDocs, nanos: nanosColumn, pointNanos };
  }
  const { pointValues, pointDocs } = sortPoints(numeric, Int32Array.from(valueDocs));
  return { kind: 'numeric', valueStart, values: numeric, singleValued, pointValues, pointDocs };
}
