/**
 * Segments in shared memory, so that search worker threads read an index without copying it.
 *
 * - `shareSegmentArrays` moves every typed array of a segment's postings and doc values into one
 *   SharedArrayBuffer (8-byte aligned sections) and returns the same segment over those views: the
 *   searcher keeps that copy and drops the heap one, so sharing costs one memcpy, not a second index.
 *   Searchers share a segment only once a worker is asked to search it (ShardSearcher.shareSoon),
 *   so refreshes on a node whose searches all run on the main thread copy nothing.
 * - `describeSharedSegment` is what a worker is sent once per segment: the shared views, the scalar
 *   fields, and each field's terms as UTF-8 bytes with an offsets array (one shared buffer per
 *   segment: strings and Maps cannot be shared between threads). It is made on first use and kept
 *   beside the segment's postings map, which a delete (`withDeletes`) keeps.
 * - `reviveSharedSegment` (in the worker) turns a description back into a Segment whose term
 *   dictionaries are decoded the first time a query reads them, and whose `_id`s and `_source`s
 *   are not there: reading them throws `MainThreadOnly`, and the search then runs on the main
 *   thread (ids and top_hits and scripts that read `_source` are rare in the query phase).
 * - Live docs change with every delete: `sharedLiveDocs` copies a live-docs bitset into shared
 *   memory once (cached by the bitset, which is never mutated) and requests carry it.
 */
import { withLazyTerms, type DocValues, type IdOrdinals, type FieldMappings, type PostingsField, type Segment } from './segment.js';
import type { SourceTexts } from './source-texts.js';

type TypedArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type TypedArrayConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;

/** Thrown in a worker when the query phase reads what only the main thread has (`_id`s, `_source`s). */
export class MainThreadOnly extends Error {
  constructor(what: string) {
    super(`[${what}] is only on the main thread`);
    this.name = 'MainThreadOnly';
  }
}

function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

export function isSharedView(view: ArrayBufferView): boolean {
  return view.buffer instanceof SharedArrayBuffer;
}

const align = (bytes: number): number => (bytes + 7) & ~7;

/** Copies `arrays` into one SharedArrayBuffer; the views come back in the same order. */
function packShared(arrays: readonly TypedArray[]): TypedArray[] {
  let total = 0;
  for (const array of arrays) total += align(array.byteLength);
  const buffer = new SharedArrayBuffer(Math.max(8, total));
  const views: TypedArray[] = [];
  let offset = 0;
  for (const array of arrays) {
    const view = new (array.constructor as TypedArrayConstructor)(buffer, offset, array.length);
    (view as Uint8Array).set(array as Uint8Array);
    views.push(view);
    offset += align(array.byteLength);
  }
  return views;
}

/** Postings maps whose fields' arrays are all shared (the segments `shareSegmentArrays` made, and their copies with deletes). */
const sharedPostings = new WeakSet<object>();
/** A heap core's shared copy, by the heap postings map (kept while the heap core lives). */
const sharedCores = new WeakMap<object, { readonly postings: ReadonlyMap<string, PostingsField>; readonly docValues: ReadonlyMap<string, DocValues> }>();

/** The typed-array entries of a field (postings or doc values) that are not in shared memory yet. */
function unsharedArrays(field: object): [string, TypedArray][] {
  return Object.entries(field).filter((entry): entry is [string, TypedArray] => isTypedArray(entry[1]) && !isSharedView(entry[1]));
}

/**
 * The segment with its postings and doc values in shared memory (the segment itself when they are
 * already). Live docs stay as they are (see `sharedLiveDocs`).
 */
export function shareSegmentArrays(segment: Segment): Segment {
  if (sharedPostings.has(segment.postings)) return segment;
  // The same heap core seen again (a copy with deletes made before its sharing was swapped in):
  // the shared copy made the first time, not a second one.
  const known = sharedCores.get(segment.postings);
  if (known !== undefined) return { ...segment, postings: known.postings, docValues: known.docValues };
  const fields: { kind: 'postings' | 'docValues'; path: string; field: object; entries: [string, TypedArray][] }[] = [];
  for (const [path, field] of segment.postings) fields.push({ kind: 'postings', path, field, entries: unsharedArrays(field) });
  for (const [path, field] of segment.docValues) fields.push({ kind: 'docValues', path, field, entries: unsharedArrays(field) });
  const views = packShared(fields.flatMap((entry) => entry.entries.map(([, array]) => array)));
  let next = 0;
  const postings = new Map<string, PostingsField>();
  const docValues = new Map<string, DocValues>();
  for (const { kind, path, field, entries } of fields) {
    const replaced: Record<string, unknown> = { ...field };
    for (const [name] of entries) replaced[name] = views[next++];
    if (kind === 'postings') postings.set(path, replaced as unknown as PostingsField);
    else docValues.set(path, replaced as unknown as DocValues);
  }
  sharedPostings.add(postings);
  sharedCores.set(segment.postings, { postings, docValues });
  return { ...segment, postings, docValues };
}

/** The bytes of a segment's postings and doc values arrays (what sharing it copies). */
export function segmentArrayBytes(segment: Segment): number {
  let bytes = 0;
  for (const fields of [segment.postings.values(), segment.docValues.values()]) {
    for (const field of fields) for (const value of Object.values(field)) if (isTypedArray(value)) bytes += value.byteLength;
  }
  return bytes;
}

/** Whether a segment's postings and doc values are in shared memory (a worker can search it). */
export function isSharedSegment(segment: Segment): boolean {
  return sharedPostings.has(segment.postings);
}

const sharedLiveDocsCache = new WeakMap<Uint32Array, Uint32Array>();

/** A live-docs bitset in shared memory (copied once per bitset: bitsets are replaced, never changed). */
export function sharedLiveDocs(liveDocs: Uint32Array | null): Uint32Array | null {
  if (liveDocs === null || isSharedView(liveDocs)) return liveDocs;
  let shared = sharedLiveDocsCache.get(liveDocs);
  if (shared === undefined) {
    shared = packShared([liveDocs])[0] as Uint32Array;
    sharedLiveDocsCache.set(liveDocs, shared);
  }
  return shared;
}

/** One field as a worker receives it: scalars (copied) and typed arrays (shared views). */
export interface SharedFieldDescription {
  readonly path: string;
  readonly scalars: Readonly<Record<string, unknown>>;
  readonly arrays: Readonly<Record<string, TypedArray>>;
  /** Postings only: the terms as UTF-8 bytes, term i in `termBytes[termStarts[i]..termStarts[i + 1]]`. */
  readonly termStarts?: Int32Array;
  readonly termBytes?: Uint8Array;
}

/** What a worker needs to search a segment (all arrays shared; structured-cloneable). */
export interface SharedSegmentDescription {
  /** Unique per segment core in this process (deletes keep it). */
  readonly key: number;
  readonly name: string;
  readonly maxDoc: number;
  readonly maxSeqNo: number;
  readonly mappings: FieldMappings;
  readonly postings: readonly SharedFieldDescription[];
  readonly docValues: readonly SharedFieldDescription[];
}

const descriptions = new WeakMap<object, SharedSegmentDescription>();
let nextDescriptionKey = 1;

/** Terms as UTF-8 bytes + offsets in shared memory. */
function encodeTerms(terms: readonly string[]): { termStarts: Int32Array; termBytes: Uint8Array } {
  const starts = new Int32Array(new SharedArrayBuffer(4 * (terms.length + 1)));
  let total = 0;
  for (let index = 0; index < terms.length; index++) {
    starts[index] = total;
    total += Buffer.byteLength(terms[index]!, 'utf8');
  }
  starts[terms.length] = total;
  const bytes = Buffer.from(new SharedArrayBuffer(Math.max(1, total)), 0, total);
  let position = 0;
  for (const term of terms) position += bytes.write(term, position, 'utf8');
  return { termStarts: starts, termBytes: new Uint8Array(bytes.buffer, 0, total) };
}

function describeField(path: string, field: object, withTerms: boolean): SharedFieldDescription {
  const scalars: Record<string, unknown> = {};
  const arrays: Record<string, TypedArray> = {};
  for (const [name, value] of Object.entries(field)) {
    if (isTypedArray(value)) arrays[name] = value;
    else if (name !== 'terms' && name !== 'termOrdinals') scalars[name] = value;
  }
  return { path, scalars, arrays, ...(withTerms ? encodeTerms((field as PostingsField).terms) : {}) };
}

/**
 * The worker's description of a segment whose arrays are shared (`shareSegmentArrays`); undefined
 * when they are not (the segment is then searched on the main thread).
 */
export function describeSharedSegment(segment: Segment): SharedSegmentDescription | undefined {
  let description = descriptions.get(segment.postings);
  if (description !== undefined) return description;
  if (!sharedPostings.has(segment.postings)) return undefined;
  description = {
    key: nextDescriptionKey++,
    name: segment.name,
    maxDoc: segment.maxDoc,
    maxSeqNo: segment.maxSeqNo,
    mappings: segment.mappings,
    postings: [...segment.postings].map(([path, field]) => describeField(path, field, true)),
    docValues: [...segment.docValues].map(([path, field]) => describeField(path, field, false)),
  };
  descriptions.set(segment.postings, description);
  return description;
}

/** The object whose lifetime is the segment core's (for a FinalizationRegistry). */
export function segmentCoreOf(segment: Segment): object {
  return segment.postings;
}

function decodeTerms(starts: Int32Array, bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const terms = new Array<string>(starts.length - 1);
  for (let index = 0; index < terms.length; index++) terms[index] = text.toString('utf8', starts[index]!, starts[index + 1]!);
  return terms;
}

/** A postings field whose terms are decoded on first read (most queries touch one or two fields). */
function revivePostingsField(description: SharedFieldDescription): PostingsField {
  return withLazyTerms({ ...description.scalars, ...description.arrays }, () => decodeTerms(description.termStarts!, description.termBytes!));
}

/** A segment's shared core in a worker; `withLiveDocs` makes the Segment a request searches. */
export interface RevivedSegmentCore {
  readonly description: SharedSegmentDescription;
  readonly postings: ReadonlyMap<string, PostingsField>;
  readonly docValues: ReadonlyMap<string, DocValues>;
}

export function reviveSharedSegment(description: SharedSegmentDescription): RevivedSegmentCore {
  return {
    description,
    postings: new Map(description.postings.map((field) => [field.path, revivePostingsField(field)])),
    docValues: new Map(description.docValues.map((field) => [field.path, { ...field.scalars, ...field.arrays } as unknown as DocValues])),
  };
}

/** The Segment a worker searches: the shared core with the request's live docs. */
class WorkerSegment implements Segment {
  readonly name: string;
  readonly maxDoc: number;
  readonly maxSeqNo: number;
  readonly mappings: FieldMappings;
  readonly postings: ReadonlyMap<string, PostingsField>;
  readonly docValues: ReadonlyMap<string, DocValues>;

  constructor(
    core: RevivedSegmentCore,
    readonly liveDocs: Uint32Array | null,
    readonly liveDocCount: number,
  ) {
    this.name = core.description.name;
    this.maxDoc = core.description.maxDoc;
    this.maxSeqNo = core.description.maxSeqNo;
    this.mappings = core.description.mappings;
    this.postings = core.postings;
    this.docValues = core.docValues;
  }

  get ids(): readonly string[] {
    throw new MainThreadOnly('_id');
  }

  get idOrdinals(): IdOrdinals {
    throw new MainThreadOnly('_id');
  }

  get sources(): SourceTexts {
    throw new MainThreadOnly('_source');
  }
}

export function segmentWithLiveDocs(core: RevivedSegmentCore, liveDocs: Uint32Array | null, liveDocCount: number): Segment {
  return new WorkerSegment(core, liveDocs, liveDocCount);
}
