/**
 * Builds an immutable Segment from documents (pure; no I/O). Documents arrive with their
 * fields already flattened by the mapping layer: `fields['user.name'] = ['kimchy']`.
 */
import { assert } from '../../common/assert.js';
import { runToEnd } from '../../common/steps.js';
import { compileAnalyzer, getAnalyzer, normalizeKeyword, type Analyzer } from '../analysis/index.js';
import {
  type DocValues,
  type FieldMapping,
  type FieldMappings,
  type KeywordDocValues,
  type NumericDocValues,
  type PostingsField,
  type Segment,
  type IdOrdinals,
  lazyIdOrdinals,
  numericFieldTypes,
  postingsBlockSize,
} from './segment.js';
import { intToByte4, toHalfFloat } from './small-float.js';
import { encodeGeoPoint } from './geo-encoding.js';
import { memorySourceSink, type SourceTexts, type SourceTextsSink } from './source-texts.js';

export interface SegmentDocumentInput {
  /** Segment-local doc id: documents must be given with ids 0, 1, 2, ... in order. */
  readonly docId: number;
  /** The document's `_id`. */
  readonly id: string;
  /** The `_source` as stored JSON text (kept as is; see Segment.sources). */
  readonly source: string;
  readonly fields: Readonly<Record<string, readonly unknown[]>>;
}

/**
 * The documents of one build, read once each, in doc id order. An array is one; a lazy view that
 * makes each document's input when asked (`at`) keeps only one parsed document alive at a time,
 * so a large build does not hold every document's parsed fields at once (which pushed them all
 * into the old generation, and made the collector a third of a rebuild's time).
 */
export interface SegmentDocuments {
  readonly length: number;
  at(docId: number): SegmentDocumentInput | undefined;
}

export interface BuildSegmentOptions {
  readonly name: string;
  readonly maxSeqNo: number;
  /** Where the `_source` texts go (default: a buffer in memory); a fresh sink per build. */
  readonly sourceSink?: SourceTextsSink;
}

/** Elasticsearch's default position_increment_gap between values of a multi-valued text field. */
export const positionIncrementGap = 100;

/**
 * Inversion buffer of one text field: every token as (term id, position) in growable typed
 * arrays, with its doc run-length encoded (one run per document, not one doc per token); `finishTextFieldStepwise` groups them by term with a counting sort (stable, so docs and
 * positions stay ascending). Terms are interned in an open-addressing table keyed by a hash of
 * their characters, so analyzers that report spans (`analyzeSpans`) index an already-known
 * term without allocating a string. No per-term arrays, no per-token objects.
 *
 * Memory layout, for a lookup that touches two cache lines rather than five: each table slot
 * holds (hash, id + 1, start, length) side by side, and an all-ASCII term's characters are kept
 * once more as bytes in `termBytes` at `start`, so a span is compared with the bytes it would
 * equal without reaching the term's string (a term with other characters has start -1: it can
 * never equal a lowercased ASCII span, and is found through `intern` by string comparison).
 */
/** Slots of a new term table (a power of two; it doubles at half full). */
const initialTableSlots = 1024;

class TextInverter {
  readonly termList: string[] = [];
  /** Slots of four Int32s: hash, id + 1 (0 = empty), start in termBytes (or -1), length. */
  private table = new Int32Array(initialTableSlots * 4);
  private termBytes = new Uint8Array(8192);
  private termBytesLength = 0;
  tokenTerms = new Int32Array(1024);
  tokenPositions = new Int32Array(1024);
  tokenCount = 0;
  /**
   * The doc of each token, run-length encoded: run r holds the tokens from runEnds[r - 1] (0 for
   * the first) to runEnds[r] - 1, all of doc runDocs[r]. Documents arrive in doc order and a doc's
   * tokens of one field one after another, so a field has at most one run per document instead of
   * one doc per token.
   */
  runDocs = new Int32Array(256);
  runEnds = new Int32Array(256);
  runCount = 0;
  // The document being inverted through span(): set by the builder before analyzeSpans.
  doc = 0;
  positionBase = 0;
  lastPosition = -1;
  spanCount = 0;

  /** SpanSink: a token equal to text.slice(start, end).toLowerCase(). */
  span(text: string, start: number, end: number, position: number): void {
    let hash = 0;
    let ascii = true;
    for (let index = start; index < end; index++) {
      let code = text.charCodeAt(index);
      if (code >= 128) {
        ascii = false;
        break;
      }
      if (code >= 65 && code <= 90) code += 32;
      hash = (Math.imul(hash, 31) + code) | 0;
    }
    this.recordSpan(ascii ? this.internSpan(text, start, end, hash) : this.intern(text.slice(start, end).toLowerCase()), position);
  }

  /** SpanSink: an all-ASCII span whose lowercase form hashes to `hash` (the tokenizer hashed it while scanning). */
  asciiSpan(text: string, start: number, end: number, position: number, _type: string, hash: number): void {
    this.recordSpan(this.internSpan(text, start, end, hash), position);
  }

  add(term: string, doc: number, position: number): void {
    this.record(this.intern(term), doc, position);
  }

  /** A span's token: at its position after `positionBase`, in the document being inverted. */
  private recordSpan(id: number, position: number): void {
    const absolute = this.positionBase + position;
    this.record(id, this.doc, absolute);
    this.lastPosition = absolute;
    this.spanCount++;
  }

  private record(id: number, doc: number, position: number): void {
    const index = this.tokenCount;
    if (index === this.tokenTerms.length) this.grow();
    this.tokenTerms[index] = id;
    this.tokenPositions[index] = position;
    this.tokenCount = index + 1;
    const run = this.runCount;
    if (run > 0 && this.runDocs[run - 1] === doc) this.runEnds[run - 1] = index + 1;
    else {
      assert(run === 0 || this.runDocs[run - 1]! < doc, 'tokens arrive in doc order');
      if (run === this.runDocs.length) this.growRuns();
      this.runDocs[run] = doc;
      this.runEnds[run] = index + 1;
      this.runCount = run + 1;
    }
  }

  /** The id of the lowercased ASCII span text[start, end) whose hash is `hash`. */
  private internSpan(text: string, start: number, end: number, hash: number): number {
    const table = this.table;
    const mask = (table.length >> 2) - 1;
    const length = end - start;
    const bytes = this.termBytes;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const base = slot << 2;
      const idPlusOne = table[base + 1]!;
      if (idPlusOne === 0) break;
      if (table[base] !== hash || table[base + 3] !== length) continue;
      const at = table[base + 2]!;
      if (at < 0) continue;
      let equal = true;
      for (let offset = 0; offset < length; offset++) {
        let code = text.charCodeAt(start + offset);
        if (code >= 65 && code <= 90) code += 32;
        if (code !== bytes[at + offset]) {
          equal = false;
          break;
        }
      }
      if (equal) return idPlusOne - 1;
    }
    return this.insert(text.slice(start, end).toLowerCase(), hash);
  }

  /** The id of an interned term. */
  idOf(term: string): number {
    return this.intern(term);
  }

  private intern(term: string): number {
    let hash = 0;
    for (let index = 0; index < term.length; index++) hash = (Math.imul(hash, 31) + term.charCodeAt(index)) | 0;
    const table = this.table;
    const mask = (table.length >> 2) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const base = slot << 2;
      const idPlusOne = table[base + 1]!;
      if (idPlusOne === 0) break;
      if (table[base] === hash && this.termList[idPlusOne - 1] === term) return idPlusOne - 1;
    }
    return this.insert(term, hash);
  }

  private insert(term: string, hash: number): number {
    const id = this.termList.length;
    this.termList.push(term);
    const length = term.length;
    let start = this.termBytesLength;
    if (start + length > this.termBytes.length) {
      const grown = new Uint8Array(Math.max(this.termBytes.length * 2, start + length));
      grown.set(this.termBytes.subarray(0, start));
      this.termBytes = grown;
    }
    const bytes = this.termBytes;
    for (let offset = 0; offset < length; offset++) {
      const code = term.charCodeAt(offset);
      if (code >= 128) {
        start = -1;
        break;
      }
      bytes[start + offset] = code;
    }
    if (start >= 0) this.termBytesLength = start + length;
    if ((id + 1) * 2 > this.table.length >> 2) this.rehash((this.table.length >> 2) * 2);
    this.place(this.table, hash, id, start, length);
    return id;
  }

  private place(table: Int32Array, hash: number, id: number, start: number, length: number): void {
    const mask = (table.length >> 2) - 1;
    let slot = hash & mask;
    while (table[(slot << 2) + 1] !== 0) slot = (slot + 1) & mask;
    const base = slot << 2;
    table[base] = hash;
    table[base + 1] = id + 1;
    table[base + 2] = start;
    table[base + 3] = length;
  }

  private rehash(slots: number): void {
    const old = this.table;
    const table = new Int32Array(slots * 4);
    for (let base = 0; base < old.length; base += 4) {
      if (old[base + 1] !== 0) this.place(table, old[base]!, old[base + 1]! - 1, old[base + 2]!, old[base + 3]!);
    }
    this.table = table;
  }

  private grow(): void {
    this.tokenTerms = doubled(this.tokenTerms);
    this.tokenPositions = doubled(this.tokenPositions);
  }

  private growRuns(): void {
    this.runDocs = doubled(this.runDocs);
    this.runEnds = doubled(this.runEnds);
  }
}

/** A copy of `values` in an array twice its length. */
function doubled(values: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(values.length * 2);
  grown.set(values);
  return grown;
}

export function resolveAnalyzer(mapping: FieldMapping | undefined, forSearch: boolean): Analyzer {
  // The index's own analyzers (mapping.ts flattenMapping resolved them) before the built-in names.
  if (forSearch && mapping?.searchAnalyzerDefinition !== undefined) return compileAnalyzer(mapping.searchAnalyzerDefinition);
  if (!(forSearch && mapping?.searchAnalyzer !== undefined) && mapping?.analyzerDefinition !== undefined) return compileAnalyzer(mapping.analyzerDefinition);
  const name = (forSearch ? mapping?.searchAnalyzer : undefined) ?? mapping?.analyzer ?? 'standard';
  const analyzer = getAnalyzer(name);
  assert(analyzer !== undefined, `analyzer [${name}] exists (the mapping layer validates names)`);
  return analyzer;
}

/**
 * The analyzer a request names (a query's or a suggester's `analyzer`): the index's own first
 * (every text and keyword field carries them, flattenMapping), then the built-in ones; undefined
 * when the index has none by that name (Elasticsearch's IndexAnalyzers#get). An index whose
 * mapping has no text or keyword field carries no definitions, so only built-in names resolve there.
 */
export function namedAnalyzer(name: string, mappings: FieldMappings): Analyzer | undefined {
  for (const mapping of Object.values(mappings)) {
    if (mapping.indexAnalyzers === undefined) continue;
    const own = mapping.indexAnalyzers[name];
    if (own !== undefined) return compileAnalyzer(own);
    break; // one object shared by every field
  }
  return getAnalyzer(name);
}

/** A growable typed column (amortized doubling; no JS array of numbers per field). */
class GrowableColumn<A extends Int32Array | Float64Array> {
  length = 0;
  constructor(
    public data: A,
    private readonly allocate: (size: number) => A,
  ) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = this.allocate(this.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  view(): A {
    return this.data.subarray(0, this.length) as A;
  }
}

class IntColumn extends GrowableColumn<Int32Array> {
  constructor() {
    super(new Int32Array(256), (size) => new Int32Array(size));
  }
}

class DoubleColumn extends GrowableColumn<Float64Array> {
  constructor() {
    super(new Float64Array(256), (size) => new Float64Array(size));
  }
}

/**
 * A keyword field's (value, doc) pairs in doc order, each value interned on arrival: the column
 * keeps one id per value instead of one string per value (which kept every document's strings
 * alive, and promoted, until the build ended).
 */
class KeywordColumn {
  readonly terms: string[] = [];
  readonly termIds = new Map<string, number>();
  readonly ids = new IntColumn();
  readonly docs = new IntColumn();
  add(value: string, doc: number): void {
    let id = this.termIds.get(value);
    if (id === undefined) {
      id = this.terms.length;
      this.terms.push(value);
      this.termIds.set(value, id);
    }
    this.ids.push(id);
    this.docs.push(doc);
  }
}

/** A numeric field's (value, doc) pairs in doc order, values sorted within a doc. */
class NumericColumn {
  readonly values = new DoubleColumn();
  readonly docs = new IntColumn();
  readonly nanos: IntColumn | undefined;
  constructor(withNanos: boolean) {
    this.nanos = withNanos ? new IntColumn() : undefined;
  }
}

const fieldText = 0;
const fieldKeyword = 1;
const fieldDateNanos = 2;
const fieldNumeric = 3;

/** What the build does with one mapped path: one lookup per field per document. */
interface FieldSlot {
  readonly kind: number;
  readonly mapping: FieldMapping;
  readonly inverter: TextInverter | undefined;
  readonly analyzer: Analyzer | undefined;
  readonly norms: Uint8Array | undefined;
  readonly keywords: KeywordColumn | undefined;
  readonly numbers: NumericColumn | undefined;
}

export function buildSegment(documents: SegmentDocuments, mappings: FieldMappings, options: BuildSegmentOptions): Segment {
  return runToEnd(buildSegmentStepwise(documents, mappings, options));
}

/**
 * Documents inverted between two yields of a stepwise build (style P4): about 3-4 ms of geonames-like
 * documents (15 µs each), within the 4 ms slices of the background lane's jobs; at 1,000 a step
 * held the loop ~15 ms, and a bulk slice queued behind a build ahead of the refresh waited that
 * long (segment-prebuilder.ts), which cut the bulk rate.
 */
export const buildSliceDocs = 250;

/**
 * `buildSegment` as a generator that yields every `buildSliceDocs` documents and between the
 * fields' finishing steps, so that a caller can spread a large build over several event-loop
 * turns and still get one segment.
 */
export function* buildSegmentStepwise(documents: SegmentDocuments, mappings: FieldMappings, options: BuildSegmentOptions): Generator<void, Segment, void> {
  const maxDoc = documents.length;
  const ids: string[] = new Array(maxDoc);
  const sourceSink = options.sourceSink ?? memorySourceSink();
  const slots = new Map<string, FieldSlot>();
  for (const [path, mapping] of Object.entries(mappings)) {
    if (mapping.aliasOf !== undefined) continue; // nothing is indexed under a field alias
    const slot = { mapping, inverter: undefined, analyzer: undefined, norms: undefined, keywords: undefined, numbers: undefined };
    if (mapping.type === 'text') {
      slots.set(path, { ...slot, kind: fieldText, inverter: new TextInverter(), norms: new Uint8Array(maxDoc), analyzer: resolveAnalyzer(mapping, false) });
    } else if (mapping.type === 'keyword') slots.set(path, { ...slot, kind: fieldKeyword, keywords: new KeywordColumn() });
    else if (mapping.type === 'date_nanos' || mapping.type === 'geo_point') slots.set(path, { ...slot, kind: fieldDateNanos, numbers: new NumericColumn(true) });
    else if (numericFieldTypes.has(mapping.type)) slots.set(path, { ...slot, kind: fieldNumeric, numbers: new NumericColumn(false) });
    // constant_keyword and binary: nothing indexed.
  }
  const keyedPaths = new Map<string, FieldMapping>();

  for (let doc = 0; doc < maxDoc; doc++) {
    if (doc > 0 && doc % buildSliceDocs === 0) yield;
    const input = documents.at(doc)!;
    assert(input.docId === doc, 'documents arrive with dense, ordered doc ids');
    ids[doc] = input.id;
    sourceSink.appendText(input.source);
    const fields = input.fields;
    for (const path in fields) {
      const values = fields[path]!;
      if (values.length === 0) continue;
      let slot = slots.get(path);
      if (slot === undefined) {
        // A flattened field's key path: a keyword the mappings answer for without listing it.
        // (A key path seen before already has its slot.)
        const keyed = Object.hasOwn(mappings, path) ? undefined : mappings[path];
        if (keyed === undefined || keyed.type !== 'keyword' || keyed.aliasOf !== undefined) continue;
        slot = { mapping: keyed, inverter: undefined, analyzer: undefined, norms: undefined, keywords: new KeywordColumn(), numbers: undefined, kind: fieldKeyword };
        slots.set(path, slot);
        keyedPaths.set(path, keyed);
      }
      const kind = slot.kind;
      if (kind === fieldText) {
        const terms = slot.inverter!;
        const analyzer = slot.analyzer!;
        let positionBase = 0;
        let length = 0;
        for (let valueIndex = 0; valueIndex < values.length; valueIndex++) {
          const value = values[valueIndex];
          if (value === null || value === undefined) continue;
          let lastPosition = -1;
          if (analyzer.analyzeSpans !== undefined) {
            terms.doc = doc;
            terms.positionBase = positionBase;
            terms.lastPosition = -1;
            terms.spanCount = 0;
            analyzer.analyzeSpans(String(value), terms);
            lastPosition = terms.lastPosition;
            length += terms.spanCount;
          } else {
            const tokens = analyzer.analyze(String(value));
            const count = tokens.terms.length;
            for (let index = 0; index < count; index++) {
              const position = positionBase + tokens.positions[index]!;
              // Lucene's field length discounts overlapping tokens (a position increment of 0:
              // grams of one token, a preserved original); the built-in analyzers have none.
              if (position !== lastPosition) length++;
              lastPosition = position;
              terms.add(tokens.terms[index]!, doc, lastPosition);
            }
          }
          if (lastPosition >= 0) positionBase = lastPosition + 1 + positionIncrementGap;
        }
        if (length > 0) slot.norms![doc] = intToByte4(length);
      } else if (kind === fieldKeyword) {
        const column = slot.keywords!;
        const normalizer = slot.mapping.normalizer;
        for (let valueIndex = 0; valueIndex < values.length; valueIndex++) {
          const value = values[valueIndex];
          if (value === null || value === undefined) continue;
          column.add(normalizer === undefined ? String(value) : normalizeKeyword(normalizer, String(value)), doc);
        }
      } else if (kind === fieldDateNanos) {
        const column = slot.numbers!;
        const first = column.values.length;
        // geo_point columns carry (latitude step, longitude step) pairs the same way.
        const encode = slot.mapping.type === 'geo_point' ? encodeGeoPoint : toNanoInstant;
        for (let valueIndex = 0; valueIndex < values.length; valueIndex++) {
          const instant = encode(values[valueIndex]);
          if (instant === undefined) continue;
          column.values.push(instant.millis);
          column.nanos!.push(instant.nanos);
          column.docs.push(doc);
        }
        const count = column.values.length - first;
        if (count > 1) {
          const millis = column.values.data;
          const nanos = column.nanos!.data;
          const pairs: (readonly [number, number])[] = [];
          for (let index = 0; index < count; index++) pairs.push([millis[first + index]!, nanos[first + index]!]);
          pairs.sort((left, right) => left[0] - right[0] || left[1] - right[1]);
          for (let index = 0; index < count; index++) {
            millis[first + index] = pairs[index]![0];
            nanos[first + index] = pairs[index]![1];
          }
        }
      } else {
        const column = slot.numbers!;
        const mapping = slot.mapping;
        const first = column.values.length;
        for (let valueIndex = 0; valueIndex < values.length; valueIndex++) {
          const number = toNumericValue(values[valueIndex], mapping);
          if (number === undefined) continue;
          column.values.push(number);
          column.docs.push(doc);
        }
        const count = column.values.length - first;
        if (count > 1) {
          // A comparator sort of a plain array: the same order (and the same -0/+0 ties) as before.
          const data = column.values.data;
          const sorted = Array.from(data.subarray(first, first + count)).sort((a, b) => a - b);
          for (let index = 0; index < count; index++) data[first + index] = sorted[index]!;
        }
      }
    }
  }

  const postings = new Map<string, PostingsField>();
  const docValues = new Map<string, DocValues>();
  // Text fields first, then keyword, then numeric: the Map order the segment always had.
  for (const [path, slot] of slots) {
    if (slot.kind !== fieldText) continue;
    yield;
    postings.set(path, yield* finishTextFieldStepwise(path, slot.inverter!, slot.norms!));
  }
  for (const [path, slot] of slots) {
    if (slot.kind !== fieldKeyword) continue;
    yield;
    const { field, values } = yield* finishKeywordFieldStepwise(path, slot.keywords!, maxDoc);
    postings.set(path, field);
    docValues.set(path, values);
  }
  for (const [path, slot] of slots) {
    if (slot.kind !== fieldNumeric && slot.kind !== fieldDateNanos) continue;
    yield;
    const column = slot.numbers!;
    const count = column.values.length;
    docValues.set(path, finishNumericColumn(column.values.data.slice(0, count), column.docs.data.slice(0, count), maxDoc, column.nanos?.data.slice(0, count)));
  }
  // Key paths indexed above join the segment's own mappings, so that merges carry them on.
  const segmentMappings = keyedPaths.size === 0 ? mappings : Object.freeze({ ...mappings, ...Object.fromEntries(keyedPaths) });
  return createSegment({ name: options.name, maxSeqNo: options.maxSeqNo, mappings: segmentMappings, ids, sources: sourceSink.finish(), postings, docValues, liveDocs: null });
}

/**
 * A date_nanos value as (millis, nanos of the millisecond): the mapping layer hands exact epoch
 * nanoseconds as decimal digits (a number is taken as epoch nanoseconds too).
 */
export function toNanoInstant(value: unknown): { millis: number; nanos: number } | undefined {
  if (typeof value === 'bigint') {
    return { millis: Number(value / 1_000_000n), nanos: Number(value % 1_000_000n) };
  }
  const text = typeof value === 'number' && Number.isInteger(value) ? value.toFixed(0) : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^\d{1,19}$/.test(text)) return undefined;
  const digits = text.padStart(7, '0');
  return { millis: Number(digits.slice(0, -6)), nanos: Number(digits.slice(-6)) };
}

/** Converts an indexed value to its doc-values number (booleans 1/0; dates are epoch millis). */
export function toNumericValue(value: unknown, mapping: FieldMapping): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (mapping.type === 'boolean') {
    if (value === true || value === 'true') return 1;
    if (value === false || value === 'false' || value === '') return 0;
    return undefined;
  }
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) return undefined;
  // Query values round as indexed values did (Elasticsearch's term query on these types does).
  if (mapping.mappedType === 'half_float') return toHalfFloat(number);
  if (mapping.mappedType === 'scaled_float' && mapping.scalingFactor !== undefined) return Math.round(number * mapping.scalingFactor) / mapping.scalingFactor;
  if (mapping.type === 'float') return Math.fround(number);
  if (mapping.type === 'long' || mapping.type === 'integer' || mapping.type === 'short' || mapping.type === 'byte') return Math.trunc(number);
  return number;
}

export function createSegment(parts: {
  name: string;
  maxSeqNo: number;
  mappings: FieldMappings;
  ids: readonly string[];
  sources: SourceTexts;
  postings: Map<string, PostingsField>;
  docValues: Map<string, DocValues>;
  liveDocs: Uint32Array | null;
  /** `_id` → doc, when the caller built it already (a stepwise merge does, between yields). */
  idOrdinals?: IdOrdinals;
}): Segment {
  const idOrdinals = parts.idOrdinals ?? lazyIdOrdinals(parts.ids);
  let liveDocCount = parts.ids.length;
  if (parts.liveDocs !== null) {
    liveDocCount = 0;
    for (let doc = 0; doc < parts.ids.length; doc++) if ((parts.liveDocs[doc >>> 5]! & (1 << (doc & 31))) !== 0) liveDocCount++;
  }
  return {
    name: parts.name,
    maxDoc: parts.ids.length,
    maxSeqNo: parts.maxSeqNo,
    mappings: parts.mappings,
    ids: parts.ids,
    idOrdinals,
    sources: parts.sources,
    postings: parts.postings,
    docValues: parts.docValues,
    liveDocs: parts.liveDocs,
    liveDocCount,
  };
}

/** Tokens (or terms) a step of `finishTextFieldStepwise` handles before it yields (style P4). */
const finishSliceTokens = 65_536;

/**
 * A text field's postings from its inversion buffer, as a generator that yields every
 * `finishSliceTokens` tokens or terms, so that a refresh of 50,000 documents does not hold the
 * thread for one field (a geonames `description` took 190–280 ms in one step).
 */
function* finishTextFieldStepwise(name: string, inverter: TextInverter, norms: Uint8Array): Generator<void, PostingsField, void> {
  const termCount = inverter.termList.length;
  // The default sort orders strings by UTF-16 code units, as compareStrings does, without a call
  // back into JS per comparison; each term's id is then found again in the term table.
  const sortedTerms = inverter.termList.slice().sort();
  yield;
  const rankOf = new Int32Array(termCount);
  for (let rank = 0; rank < termCount; rank++) {
    if (rank > 0 && rank % finishSliceTokens === 0) yield;
    rankOf[inverter.idOf(sortedTerms[rank]!)] = rank;
  }
  // Counting sort of tokens by term rank (stable: doc and position order are kept).
  const tokenCount = inverter.tokenCount;
  const tokenStart = new Int32Array(termCount + 1);
  const tokenTerms = inverter.tokenTerms;
  for (let from = 0; from < tokenCount; from += finishSliceTokens) {
    yield;
    const to = Math.min(tokenCount, from + finishSliceTokens);
    for (let index = from; index < to; index++) tokenStart[rankOf[tokenTerms[index]!]! + 1]!++;
  }
  for (let rank = 0; rank < termCount; rank++) tokenStart[rank + 1]! += tokenStart[rank]!;
  const fill = tokenStart.slice(0, termCount);
  const positions = new Int32Array(tokenCount);
  const sortedDocs = new Int32Array(tokenCount);
  const tokenPositions = inverter.tokenPositions;
  const runDocs = inverter.runDocs;
  const runEnds = inverter.runEnds;
  let index = 0;
  let sliceEnd = finishSliceTokens;
  for (let run = 0; run < inverter.runCount; run++) {
    const doc = runDocs[run]!;
    const end = runEnds[run]!;
    for (; index < end; index++) {
      const slot = fill[rankOf[tokenTerms[index]!]!]!++;
      positions[slot] = tokenPositions[index]!;
      sortedDocs[slot] = doc;
    }
    if (index >= sliceEnd) {
      sliceEnd = index + finishSliceTokens;
      yield;
    }
  }
  // Run-length encode docs per term into postings.
  let postingCount = 0;
  sliceEnd = finishSliceTokens;
  for (let rank = 0; rank < termCount; rank++) {
    let previous = -1;
    const end = tokenStart[rank + 1]!;
    for (let index = tokenStart[rank]!; index < end; index++) {
      if (sortedDocs[index] !== previous) {
        postingCount++;
        previous = sortedDocs[index]!;
      }
    }
    if (end >= sliceEnd) {
      sliceEnd = end + finishSliceTokens;
      yield;
    }
  }
  const postingsStart = new Int32Array(termCount + 1);
  const docs = new Int32Array(postingCount);
  const freqs = new Int32Array(postingCount);
  const positionsStart = new Int32Array(postingCount + 1);
  let posting = 0;
  sliceEnd = finishSliceTokens;
  for (let rank = 0; rank < termCount; rank++) {
    postingsStart[rank] = posting;
    let previous = -1;
    const end = tokenStart[rank + 1]!;
    for (let index = tokenStart[rank]!; index < end; index++) {
      const doc = sortedDocs[index]!;
      if (doc !== previous) {
        docs[posting] = doc;
        positionsStart[posting] = index;
        posting++;
        previous = doc;
      }
      freqs[posting - 1]!++;
    }
    if (end >= sliceEnd) {
      sliceEnd = end + finishSliceTokens;
      yield;
    }
  }
  postingsStart[termCount] = posting;
  positionsStart[posting] = tokenCount;
  yield;
  return yield* finishPostingsStepwise('text', name, sortedTerms, postingsStart, docs, freqs, positionsStart, positions, norms);
}

/** Computes block data and statistics for flattened postings. Shared with segment merge. */
export function finishPostings(...args: Parameters<typeof finishPostingsStepwise>): PostingsField {
  return runToEnd(finishPostingsStepwise(...args));
}

/** Postings (or terms) handled between two yields of `finishPostingsStepwise` (style P4). */
const finishSlicePostings = 65_536;

/** `finishPostings` as a generator that yields every few hundred thousand postings or terms. */
export function* finishPostingsStepwise(
  kind: 'text' | 'keyword',
  name: string,
  terms: readonly string[],
  postingsStart: Int32Array,
  docs: Int32Array,
  freqs: Int32Array,
  positionsStart: Int32Array,
  positions: Int32Array,
  norms: Uint8Array,
): Generator<void, PostingsField, void> {
  const termCount = terms.length;
  const blockStart = new Int32Array(termCount + 1);
  let blockCount = 0;
  for (let ordinal = 0; ordinal < termCount; ordinal++) {
    blockStart[ordinal] = blockCount;
    blockCount += Math.ceil((postingsStart[ordinal + 1]! - postingsStart[ordinal]!) / postingsBlockSize);
  }
  blockStart[termCount] = blockCount;
  const blockLastDoc = new Int32Array(blockCount);
  const impactStart = new Int32Array(blockCount + 1);
  let impactFreqs = new Int32Array(Math.max(16, blockCount * 2));
  let impactNorms = new Uint8Array(impactFreqs.length);
  let impactCount = 0;
  const frontierFreqs = new Int32Array(postingsBlockSize);
  const frontierNorms = new Int32Array(postingsBlockSize);
  const hasNorms = kind === 'text';
  let sumTotalTermFreq = 0;
  let block = 0;
  let sliceEnd = finishSlicePostings;
  for (let ordinal = 0; ordinal < termCount; ordinal++) {
    const end = postingsStart[ordinal + 1]!;
    if (end > sliceEnd) {
      sliceEnd = end + finishSlicePostings;
      yield;
    }
    for (let first = postingsStart[ordinal]!; first < end; first += postingsBlockSize) {
      const last = Math.min(end, first + postingsBlockSize);
      let frontierSize = 0;
      for (let posting = first; posting < last; posting++) {
        const freq = freqs[posting]!;
        sumTotalTermFreq += freq;
        const norm = hasNorms ? norms[docs[posting]!]! : 1;
        // Keep (freq, norm) only if no kept impact has freq >= and norm <= (it would score at least as high).
        let dominated = false;
        for (let index = 0; index < frontierSize; index++) {
          if (frontierFreqs[index]! >= freq && frontierNorms[index]! <= norm) {
            dominated = true;
            break;
          }
        }
        if (dominated) continue;
        let kept = 0;
        for (let index = 0; index < frontierSize; index++) {
          if (!(freq >= frontierFreqs[index]! && norm <= frontierNorms[index]!)) {
            frontierFreqs[kept] = frontierFreqs[index]!;
            frontierNorms[kept] = frontierNorms[index]!;
            kept++;
          }
        }
        frontierFreqs[kept] = freq;
        frontierNorms[kept] = norm;
        frontierSize = kept + 1;
      }
      if (impactCount + frontierSize > impactFreqs.length) {
        const grownFreqs = new Int32Array((impactFreqs.length + frontierSize) * 2);
        grownFreqs.set(impactFreqs);
        impactFreqs = grownFreqs;
        const grownNorms = new Uint8Array(grownFreqs.length);
        grownNorms.set(impactNorms);
        impactNorms = grownNorms;
      }
      impactStart[block] = impactCount;
      for (let index = 0; index < frontierSize; index++) {
        impactFreqs[impactCount] = frontierFreqs[index]!;
        impactNorms[impactCount] = frontierNorms[index]!;
        impactCount++;
      }
      blockLastDoc[block] = docs[last - 1]!;
      block++;
    }
  }
  impactStart[blockCount] = impactCount;
  let docCount = 0;
  if (hasNorms) {
    for (let doc = 0; doc < norms.length; doc++) if (norms[doc] !== 0) docCount++;
  }
  const termOrdinals = new Map<string, number>();
  for (let ordinal = 0; ordinal < termCount; ordinal++) {
    if (ordinal > 0 && ordinal % finishSlicePostings === 0) yield;
    termOrdinals.set(terms[ordinal]!, ordinal);
  }
  return {
    kind,
    name,
    terms,
    termOrdinals,
    postingsStart,
    docs,
    freqs,
    positionsStart,
    positions,
    blockStart,
    blockLastDoc,
    impactStart,
    impactFreqs: impactFreqs.slice(0, impactCount),
    impactNorms: impactNorms.slice(0, impactCount),
    norms: hasNorms ? norms : new Uint8Array(0),
    docCount: hasNorms ? docCount : -1, // keyword: set by the caller from doc values
    sumTotalTermFreq,
    sumDocFreq: postingsStart[termCount]!,
  };
}

export function compareStrings(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** A keyword field's postings and doc values, yielding between its passes over the documents (as `finishTextFieldStepwise`). */
function* finishKeywordFieldStepwise(name: string, column: KeywordColumn, maxDoc: number): Generator<void, { field: PostingsField; values: KeywordDocValues }, void> {
  const firstSeen = column.terms;
  const order = firstSeen.map((_, id) => id).sort((left, right) => compareStrings(firstSeen[left]!, firstSeen[right]!));
  const terms = order.map((id) => firstSeen[id]!);
  const ordinalOfId = new Int32Array(firstSeen.length);
  for (let ordinal = 0; ordinal < order.length; ordinal++) ordinalOfId[order[ordinal]!] = ordinal;
  const columnIds = column.ids.view();
  const columnDocs = column.docs.view();
  const valueStart = new Int32Array(maxDoc + 1);
  let ordinals = new Int32Array(columnIds.length);
  let ordinalCount = 0;
  let singleValued = true;
  let docCount = 0;
  const docFreq = new Int32Array(terms.length);
  let index = 0;
  for (let doc = 0; doc < maxDoc; doc++) {
    valueStart[doc] = ordinalCount;
    if (index >= columnDocs.length || columnDocs[index] !== doc) continue;
    docCount++;
    const first = ordinalCount;
    while (index < columnDocs.length && columnDocs[index] === doc) ordinals[ordinalCount++] = ordinalOfId[columnIds[index++]!]!;
    if (ordinalCount - first > 1) {
      // Sorted, deduplicated ordinals per doc (SortedSetDocValues).
      const unique = [...new Set(ordinals.subarray(first, ordinalCount))].sort((a, b) => a - b);
      ordinalCount = first;
      for (const ordinal of unique) ordinals[ordinalCount++] = ordinal;
      if (unique.length > 1) singleValued = false;
    }
    for (let at = first; at < ordinalCount; at++) docFreq[ordinals[at]!]!++;
  }
  valueStart[maxDoc] = ordinalCount;
  if (ordinalCount !== ordinals.length) ordinals = ordinals.slice(0, ordinalCount);
  yield;
  const postingsStart = new Int32Array(terms.length + 1);
  for (let ordinal = 0; ordinal < terms.length; ordinal++) postingsStart[ordinal + 1] = postingsStart[ordinal]! + docFreq[ordinal]!;
  const docs = new Int32Array(ordinals.length);
  const fill = postingsStart.slice(0, terms.length);
  for (let doc = 0; doc < maxDoc; doc++) {
    for (let at = valueStart[doc]!; at < valueStart[doc + 1]!; at++) docs[fill[ordinals[at]!]!++] = doc;
  }
  const freqs = new Int32Array(docs.length).fill(1);
  yield;
  const field = yield* finishPostingsStepwise('keyword', name, terms, postingsStart, docs, freqs, new Int32Array(0), new Int32Array(0), new Uint8Array(0));
  return { field: { ...field, docCount }, values: { kind: 'keyword', valueStart, ordinals, singleValued } };
}

/** Numeric doc values from flat (value, doc) lists in doc order, values sorted within a doc. */
function finishNumericColumn(values: Float64Array, pointDocsUnsorted: Int32Array, maxDoc: number, nanos: Int32Array | undefined): NumericDocValues {
  const valueStart = new Int32Array(maxDoc + 1);
  let singleValued = true;
  let index = 0;
  for (let doc = 0; doc < maxDoc; doc++) {
    valueStart[doc] = index;
    const first = index;
    while (index < pointDocsUnsorted.length && pointDocsUnsorted[index] === doc) index++;
    if (index - first > 1) singleValued = false;
  }
  valueStart[maxDoc] = index;
  if (nanos !== undefined) {
    const { pointValues, pointDocs, pointNanos } = sortNanoPoints(values, nanos, pointDocsUnsorted);
    return { kind: 'numeric', valueStart, values, singleValued, pointValues, pointDocs, nanos, pointNanos };
  }
  const { pointValues, pointDocs } = sortPoints(values, pointDocsUnsorted);
  return { kind: 'numeric', valueStart, values, singleValued, pointValues, pointDocs };
}

/** Sorts (millis, nanos, doc) triples by instant, then doc: the points of a date_nanos field. */
export function sortNanoPoints(values: Float64Array, nanos: Int32Array, docs: Int32Array): { pointValues: Float64Array; pointDocs: Int32Array; pointNanos: Int32Array } {
  const order = new Uint32Array(values.length);
  for (let index = 0; index < order.length; index++) order[index] = index;
  order.sort((left, right) => values[left]! - values[right]! || nanos[left]! - nanos[right]! || left - right);
  const pointValues = new Float64Array(values.length);
  const pointNanos = new Int32Array(values.length);
  const pointDocs = new Int32Array(values.length);
  for (let index = 0; index < order.length; index++) {
    pointValues[index] = values[order[index]!]!;
    pointNanos[index] = nanos[order[index]!]!;
    pointDocs[index] = docs[order[index]!]!;
  }
  return { pointValues, pointDocs, pointNanos };
}

export function finishNumericField(perDoc: (readonly number[] | undefined)[], maxDoc: number): NumericDocValues {
  const valueStart = new Int32Array(maxDoc + 1);
  let total = 0;
  for (let doc = 0; doc < maxDoc; doc++) total += perDoc[doc]?.length ?? 0;
  const values = new Float64Array(total);
  const pointDocsUnsorted = new Int32Array(total);
  let singleValued = true;
  let index = 0;
  for (let doc = 0; doc < maxDoc; doc++) {
    valueStart[doc] = index;
    const docValues = perDoc[doc];
    if (docValues === undefined) continue;
    if (docValues.length > 1) singleValued = false;
    const sorted = docValues.length > 1 ? [...docValues].sort((a, b) => a - b) : docValues;
    for (const value of sorted) {
      values[index] = value;
      pointDocsUnsorted[index] = doc;
      index++;
    }
  }
  valueStart[maxDoc] = index;
  const { pointValues, pointDocs } = sortPoints(values, pointDocsUnsorted);
  return { kind: 'numeric', valueStart, values, singleValued, pointValues, pointDocs };
}

/** Below this many points a comparison sort beats the radix sort's fixed histogram cost. */
const radixSortPointsMin = 4096;

/** Sorts (value, doc) pairs by value, then doc (input docs are ascending, so a stable sort). */
export function sortPoints(values: Float64Array, docs: Int32Array): { pointValues: Float64Array; pointDocs: Int32Array } {
  const order = values.length >= radixSortPointsMin ? radixSortOrder(values) : comparisonSortOrder(values);
  const pointValues = new Float64Array(values.length);
  const pointDocs = new Int32Array(values.length);
  for (let index = 0; index < order.length; index++) {
    pointValues[index] = values[order[index]!]!;
    pointDocs[index] = docs[order[index]!]!;
  }
  return { pointValues, pointDocs };
}

export { numericFieldTypes };

/** Positions 0..n-1 ordered by value, ties by position (the reference order of `sortPoints`). */
export function comparisonSortOrder(values: Float64Array): Uint32Array {
  const order = new Uint32Array(values.length);
  for (let index = 0; index < order.length; index++) order[index] = index;
  return order.sort((left, right) => values[left]! - values[right]! || left - right);
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The same order as `comparisonSortOrder` for finite values, by a stable LSD radix sort on 16-bit
 * digits of each double's order-preserving 64-bit key (sign bit flipped for positives, all bits
 * flipped for negatives; -0 keyed as +0, since the comparison treats them as equal). Digits that
 * are equal for every value (the high bits of small integers, say) are skipped. A comparator sort
 * calls back into JS once per comparison, which made it the largest single cost of building a
 * numeric field.
 */
export function radixSortOrder(values: Float64Array): Uint32Array {
  const count = values.length;
  const keys = new Float64Array(count);
  for (let index = 0; index < count; index++) keys[index] = values[index]! === 0 ? 0 : values[index]!;
  const words = new Uint32Array(keys.buffer);
  const lowWord = littleEndian ? 0 : 1;
  const highWord = 1 - lowWord;
  for (let index = 0; index < count; index++) {
    const high = words[2 * index + highWord]!;
    if ((high & 0x80000000) !== 0) {
      words[2 * index + highWord] = ~high >>> 0;
      words[2 * index + lowWord] = ~words[2 * index + lowWord]! >>> 0;
    } else words[2 * index + highWord] = (high ^ 0x80000000) >>> 0;
  }
  let order = new Uint32Array(count);
  for (let index = 0; index < count; index++) order[index] = index;
  let scratch = new Uint32Array(count);
  const histogram = new Int32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lowWord : highWord;
    const shift = pass % 2 === 0 ? 0 : 16;
    histogram.fill(0);
    for (let index = 0; index < count; index++) histogram[(words[2 * index + word]! >>> shift) & 0xffff]!++;
    if (histogram[(words[word]! >>> shift) & 0xffff] === count) continue; // one digit for all: order unchanged
    let sum = 0;
    for (let digit = 0; digit < 65536; digit++) {
      const size = histogram[digit]!;
      histogram[digit] = sum;
      sum += size;
    }
    for (let index = 0; index < count; index++) {
      const position = order[index]!;
      scratch[histogram[(words[2 * position + word]! >>> shift) & 0xffff]!++] = position;
    }
    const swap = order;
    order = scratch;
    scratch = swap;
  }
  return order;
}
