/**
 * Segment serialization (style P12): a versioned, checksummed binary format so the store layer
 * can persist segments next to the seq_no checkpoint they contain, and detect corruption.
 *
 * Layout: magic "STRSEG01" (8 bytes) · format version u32 LE · header length u32 LE ·
 * CRC-32 of everything after the checksum field u32 LE · header JSON (UTF-8) · padding to 8 ·
 * sections (typed arrays, each 8-byte aligned). The header lists each section's dtype, offset
 * and length; terms and ids are JSON arrays stored as UTF-8 sections; sources, JSON texts
 * already, are stored as their UTF-8 bytes one after another with an offsets section beside
 * them (quoting every source inside one JSON array cost more than the rest of the segment).
 */
import { crc32 } from 'node:zlib';
import { createSegment } from './segment-builder.js';
import { withLazyTerms, type DocValues, type FieldMappings, type PostingsField, type Segment } from './segment.js';
import { memorySourceTexts, type SourceTexts } from './source-texts.js';

/**
 * Version 2: date_nanos doc values (`nanos`, `pointNanos` sections) and the engine types
 * constant_keyword and binary. Version 3: sources as UTF-8 texts with offsets (`text` sections).
 * Version 4: the same layout, but fields under a `nested` object are no longer indexed in their
 * parent document (nested queries derive nested documents apart, query/nested.ts), so a version 3
 * segment of an index with nested objects would match them where Elasticsearch does not.
 * Segments are derived from the store, so a segment of another version is not migrated: loading
 * refuses it and the searcher rebuilds it from the store.
 */
export const SEGMENT_FORMAT_VERSION = 4;
const magic = Buffer.from('STRSEG01', 'latin1');
const fixedHeaderBytes = 8 + 4 + 4 + 4; // magic, version, header length, CRC-32
const zeroPadding = new Uint8Array(8);

type SectionType = 'i32' | 'u32' | 'u8' | 'f64' | 'json' | 'text';
interface SectionRef {
  readonly type: SectionType;
  readonly offset: number;
  readonly length: number; // elements (json: bytes; text: strings)
  /** `text`: the section of length + 1 i32 byte offsets. */
  readonly offsets?: SectionRef;
}

export class SegmentFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentFormatError';
  }
}

/** Where a segment file keeps the CRC-32 of every byte after its fixed header. */
export const SEGMENT_CRC_OFFSET = 16;
/** Pieces of `serializeSegmentPieces` stay about this small (bytes), so that a writer can pause between them. */
const pieceBytesMax = 4 * 1024 * 1024;

/** A piece of the file, made when it is written (texts are packed then, not all at once). */
type Piece = Uint8Array | (() => Uint8Array);

/**
 * The bytes of a segment file, in pieces of a few megabytes at most, so that a large segment can
 * be written a piece at a time between other work. The first piece is the fixed header, whose
 * CRC-32 (at `SEGMENT_CRC_OFFSET`) is zero: the writer computes it over all later pieces and
 * writes it there last (`serializeSegment` does the same in memory).
 */
export function* serializeSegmentPieces(segment: Segment): Generator<Uint8Array, void, void> {
  const pieces: Piece[] = [];
  let offset = 0;
  const pad = (): void => {
    const padding = (8 - (offset % 8)) % 8;
    if (padding > 0) {
      pieces.push(zeroPadding.subarray(0, padding));
      offset += padding;
    }
  };
  const section = (type: SectionType, data: Int32Array | Uint32Array | Uint8Array | Float64Array | unknown): SectionRef => {
    if (type === 'text') {
      const texts = data as SourceTexts;
      const count = texts.count;
      const total = texts.byteLength;
      if (total > 0x7fffffff) throw new SegmentFormatError('a segment holds at most 2 GiB of _source texts');
      const starts = new Int32Array(count + 1);
      for (let index = 0; index <= count; index++) starts[index] = texts.offsetOf(index);
      const offsets = section('i32', starts);
      const at = offset;
      // Pieces of whole documents, read from the texts (possibly a file) only when written.
      let first = 0;
      while (first < count) {
        let last = first + 1;
        while (last < count && starts[last + 1]! - starts[first]! <= pieceBytesMax) last++;
        const [from, to] = [first, last];
        pieces.push(() => texts.bytesOf(from, to));
        first = last;
      }
      offset += total;
      pad();
      return { type, offset: at, length: count, offsets };
    }
    let bytes: Uint8Array;
    let length: number;
    if (type === 'json') {
      bytes = Buffer.from(JSON.stringify(data), 'utf8');
      length = bytes.length;
    } else {
      const array = data as Int32Array | Uint32Array | Uint8Array | Float64Array;
      bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      length = array.length;
    }
    const at = offset;
    for (let start = 0; start < bytes.length; start += pieceBytesMax) pieces.push(bytes.subarray(start, Math.min(bytes.length, start + pieceBytesMax)));
    offset += bytes.length;
    pad();
    return { type, offset: at, length };
  };
  const postings: Record<string, unknown> = {};
  for (const [path, field] of segment.postings) {
    postings[path] = {
      kind: field.kind,
      docCount: field.docCount,
      sumTotalTermFreq: field.sumTotalTermFreq,
      sumDocFreq: field.sumDocFreq,
      terms: section('json', field.terms),
      postingsStart: section('i32', field.postingsStart),
      docs: section('i32', field.docs),
      freqs: section('i32', field.freqs),
      positionsStart: section('i32', field.positionsStart),
      positions: section('i32', field.positions),
      blockStart: section('i32', field.blockStart),
      blockLastDoc: section('i32', field.blockLastDoc),
      impactStart: section('i32', field.impactStart),
      impactFreqs: section('i32', field.impactFreqs),
      impactNorms: section('u8', field.impactNorms),
      norms: section('u8', field.norms),
    };
  }
  const docValues: Record<string, unknown> = {};
  for (const [path, values] of segment.docValues) {
    docValues[path] =
      values.kind === 'keyword'
        ? { kind: 'keyword', singleValued: values.singleValued, valueStart: section('i32', values.valueStart), ordinals: section('i32', values.ordinals) }
        : {
            kind: 'numeric',
            singleValued: values.singleValued,
            valueStart: section('i32', values.valueStart),
            values: section('f64', values.values),
            pointValues: section('f64', values.pointValues),
            pointDocs: section('i32', values.pointDocs),
            ...(values.nanos !== undefined && values.pointNanos !== undefined
              ? { nanos: section('i32', values.nanos), pointNanos: section('i32', values.pointNanos) }
              : {}),
          };
  }
  const header = {
    name: segment.name,
    maxSeqNo: segment.maxSeqNo,
    mappings: segment.mappings,
    ids: section('json', segment.ids),
    sources: section('text', segment.sources),
    liveDocs: segment.liveDocs === null ? null : section('u32', segment.liveDocs),
    postings,
    docValues,
  };
  const headerJson = Buffer.from(JSON.stringify(header), 'utf8');
  const headerLength = headerJson.length + ((8 - ((fixedHeaderBytes + headerJson.length) % 8)) % 8);
  const fixed = Buffer.alloc(fixedHeaderBytes);
  magic.copy(fixed, 0);
  fixed.writeUInt32LE(SEGMENT_FORMAT_VERSION, 8);
  fixed.writeUInt32LE(headerLength, 12);
  yield fixed;
  const headerBytes = Buffer.alloc(headerLength, 0x20);
  headerJson.copy(headerBytes, 0);
  yield headerBytes;
  for (const piece of pieces) yield typeof piece === 'function' ? piece() : piece;
}

/** A segment file's bytes, in one buffer. */
export function serializeSegment(segment: Segment): Buffer {
  const output = Buffer.concat([...serializeSegmentPieces(segment)]);
  output.writeUInt32LE(crc32(output.subarray(fixedHeaderBytes)), SEGMENT_CRC_OFFSET);
  return output;
}

export interface DeserializeOptions {
  /**
   * Makes the `_source` texts from where they lie in the file (`position`: the byte position of
   * the first text, `offsets`: each text's start, from there) instead of viewing them in `buffer`;
   * undefined keeps the view. When it answers, every other section is copied out of `buffer`, so
   * that the whole file read into memory is not kept alive for them (the loader reads large
   * segments' texts from the file at fetch instead: searcher/source-file.ts).
   */
  readonly sources?: (position: number, offsets: Float64Array) => SourceTexts | undefined;
}

/** Loads a serialized segment; throws SegmentFormatError when the bytes are not a valid segment. */
export function deserializeSegment(buffer: Buffer, options: DeserializeOptions = {}): Segment {
  if (buffer.length < fixedHeaderBytes || !buffer.subarray(0, 8).equals(magic)) throw new SegmentFormatError('not a Strait segment');
  const version = buffer.readUInt32LE(8);
  if (version !== SEGMENT_FORMAT_VERSION) throw new SegmentFormatError(`unsupported segment format version [${version}]`);
  const headerLength = buffer.readUInt32LE(12);
  const body = buffer.subarray(fixedHeaderBytes);
  if (crc32(body) !== buffer.readUInt32LE(SEGMENT_CRC_OFFSET)) throw new SegmentFormatError('segment checksum mismatch');
  let header: any;
  try {
    header = JSON.parse(body.subarray(0, headerLength).toString('utf8'));
  } catch {
    throw new SegmentFormatError('unreadable segment header');
  }
  // Typed arrays view the sections in place when the input is 8-byte aligned (fresh buffers
  // are); otherwise the sections are copied once into an aligned buffer.
  let sectionBase = buffer.byteOffset + fixedHeaderBytes + headerLength;
  let data: ArrayBuffer = buffer.buffer as ArrayBuffer;
  if (sectionBase % 8 !== 0) {
    const copy = new Uint8Array(body.length - headerLength);
    copy.set(body.subarray(headerLength));
    data = copy.buffer;
    sectionBase = 0;
  }
  const textRef: SectionRef = header.sources;
  let sources: SourceTexts | undefined;
  let textEnd = Infinity; // sections from here on (after the texts) are read from `original`
  const original = { data, sectionBase };
  if (options.sources !== undefined) {
    const offsets = Float64Array.from(new Int32Array(data, sectionBase + textRef.offsets!.offset, textRef.length + 1));
    sources = options.sources(fixedHeaderBytes + headerLength + textRef.offset, offsets);
    if (sources !== undefined) {
      // Sections lie in the order they were written; the texts come after every section a query
      // reads (only live docs may follow, which a copy of their own carries).
      const before = new Uint8Array(textRef.offset);
      before.set(new Uint8Array(data, sectionBase, textRef.offset));
      data = before.buffer;
      sectionBase = 0;
      textEnd = textRef.offset + offsets[textRef.length]!;
    }
  }
  const read = (ref: SectionRef): any => {
    if (ref.offset >= textEnd) {
      const from = original.sectionBase + ref.offset;
      const bytes = ref.type === 'u32' || ref.type === 'i32' ? ref.length * 4 : ref.type === 'f64' ? ref.length * 8 : ref.length;
      const copy = new Uint8Array(bytes);
      copy.set(new Uint8Array(original.data, from, bytes));
      return readIn({ ...ref, offset: 0 }, copy.buffer, 0);
    }
    return readIn(ref, data, sectionBase);
  };
  const readIn = (ref: SectionRef, data: ArrayBuffer, sectionBase: number): any => {
    const start = sectionBase + ref.offset;
    if (ref.type === 'json') return JSON.parse(Buffer.from(data, start, ref.length).toString('utf8'));
    if (ref.type === 'text') {
      // Viewed in place (off the heap), not decoded into one string per document.
      const offsets = Float64Array.from(new Int32Array(data, sectionBase + ref.offsets!.offset, ref.length + 1));
      return memorySourceTexts(new Uint8Array(data, start, offsets[ref.length]!), offsets);
    }
    if (ref.type === 'i32') return new Int32Array(data, start, ref.length);
    if (ref.type === 'u32') return new Uint32Array(data, start, ref.length);
    if (ref.type === 'u8') return new Uint8Array(data, start, ref.length);
    return new Float64Array(data, start, ref.length);
  };
  const postings = new Map<string, PostingsField>();
  for (const [path, ref] of Object.entries<any>(header.postings)) {
    // A field's terms are parsed on first read: a search touches a few fields, and parsing every
    // field's dictionary (a JS string and a Map entry per term) was most of a segment's load.
    // Their bytes are taken now (a view where the data stays anyway, else a copy of their own).
    const termsRef: SectionRef = ref.terms;
    const termsBytes = termsRef.offset >= textEnd ? Buffer.from(new Uint8Array(original.data, original.sectionBase + termsRef.offset, termsRef.length)) : Buffer.from(data, sectionBase + termsRef.offset, termsRef.length);
    const field = {
      kind: ref.kind,
      name: path,
      postingsStart: read(ref.postingsStart),
      docs: read(ref.docs),
      freqs: read(ref.freqs),
      positionsStart: read(ref.positionsStart),
      positions: read(ref.positions),
      blockStart: read(ref.blockStart),
      blockLastDoc: read(ref.blockLastDoc),
      impactStart: read(ref.impactStart),
      impactFreqs: read(ref.impactFreqs),
      impactNorms: read(ref.impactNorms),
      norms: read(ref.norms),
      docCount: ref.docCount,
      sumTotalTermFreq: ref.sumTotalTermFreq,
      sumDocFreq: ref.sumDocFreq,
    };
    postings.set(
      path,
      withLazyTerms(field, () => {
        const parsed: unknown = JSON.parse(termsBytes.toString('utf8'));
        if (!Array.isArray(parsed)) throw new SegmentFormatError('a term dictionary is not an array');
        return parsed as string[];
      }),
    );
  }
  const docValues = new Map<string, DocValues>();
  for (const [path, ref] of Object.entries<any>(header.docValues)) {
    docValues.set(
      path,
      ref.kind === 'keyword'
        ? { kind: 'keyword', singleValued: ref.singleValued, valueStart: read(ref.valueStart), ordinals: read(ref.ordinals) }
        : {
            kind: 'numeric',
            singleValued: ref.singleValued,
            valueStart: read(ref.valueStart),
            values: read(ref.values),
            pointValues: read(ref.pointValues),
            pointDocs: read(ref.pointDocs),
            ...(ref.nanos !== undefined ? { nanos: read(ref.nanos), pointNanos: read(ref.pointNanos) } : {}),
          },
    );
  }
  return createSegment({
    name: header.name,
    maxSeqNo: header.maxSeqNo,
    mappings: header.mappings as FieldMappings,
    ids: read(header.ids),
    sources: sources ?? read(header.sources),
    postings,
    docValues,
    liveDocs: header.liveDocs === null ? null : read(header.liveDocs),
  });
}
