/**
 * Each document's `_source` as stored JSON text, kept as UTF-8 bytes out of the JS heap (issue
 * 13). A segment used to hold one JS string per document: for 200k geonames documents that was
 * 76 MB of live heap, which the collector traced on every major GC and which made V8 size the
 * heap (and the process) for it, though a search reads the `_source` of ten hits.
 *
 * `SourceTexts` is what the engine reads through; two kinds exist:
 * - in memory (`memorySourceTexts`): one byte buffer with an offsets array, for small segments
 *   and the pure paths (tests, codec round-trips);
 * - in a file (searcher/source-file.ts, the I/O shell): only the offsets stay in memory and a fetch
 *   reads its hits' bytes with one positioned read each.
 * Texts are written once through a `SourceTextsSink`, in doc id order, and never change.
 */
import { assert } from '../../common/assert.js';

export interface SourceTexts {
  /** Documents (the segment's maxDoc). */
  readonly count: number;
  /** Bytes of every text together. */
  readonly byteLength: number;
  /** The stored JSON text of doc's `_source`. */
  text(doc: number): string;
  /** UTF-8 byte offset of doc's text among all of them (`doc` = count: the total). */
  offsetOf(doc: number): number;
  /** The UTF-8 bytes of docs first..last-1, one after another (a copy or a view: read only). */
  bytesOf(first: number, last: number): Uint8Array;
}

/** Where a build or merge writes its texts, in doc id order. */
export interface SourceTextsSink {
  appendText(text: string): void;
  /** Appends docs first..last-1 of `from` (their bytes are copied as they are). */
  appendRange(from: SourceTexts, first: number, last: number): void;
  finish(): SourceTexts;
}

/** Bytes copied per read when texts are copied from one SourceTexts to another. */
export const sourceCopyBytesMax = 1024 * 1024;

/** Texts in one byte buffer (off the JS heap: Buffers live in external memory). */
class MemorySourceTexts implements SourceTexts {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly offsets: Float64Array,
  ) {}

  get count(): number {
    return this.offsets.length - 1;
  }

  get byteLength(): number {
    return this.offsets[this.offsets.length - 1]!;
  }

  text(doc: number): string {
    assert(doc >= 0 && doc < this.count, 'a source is read within the segment');
    const bytes = this.bytes;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', this.offsets[doc]!, this.offsets[doc + 1]!);
  }

  offsetOf(doc: number): number {
    return this.offsets[doc]!;
  }

  bytesOf(first: number, last: number): Uint8Array {
    return this.bytes.subarray(this.offsets[first]!, this.offsets[last]!);
  }
}

/** Texts over bytes and offsets already laid out (a segment file's section: viewed, not copied). */
export function memorySourceTexts(bytes: Uint8Array, offsets: Float64Array): SourceTexts {
  assert(offsets.length >= 1 && offsets[offsets.length - 1]! <= bytes.length, 'source offsets lie within their bytes');
  return new MemorySourceTexts(bytes, offsets);
}

/** Texts from strings (tests and small builds). */
export function sourceTextsOf(texts: readonly string[]): SourceTexts {
  const sink = memorySourceSink();
  for (const text of texts) sink.appendText(text);
  return sink.finish();
}

/** Every text, in doc order (tests, and callers that really need them all). */
export function allSourceTexts(sources: SourceTexts): string[] {
  return Array.from({ length: sources.count }, (_, doc) => sources.text(doc));
}

/** A growable offsets column (amortized doubling). */
export class OffsetsColumn {
  private data = new Float64Array(256);
  length = 1; // offsets[0] = 0

  push(offset: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = offset;
  }

  last(): number {
    return this.data[this.length - 1]!;
  }

  /** Exactly sized. */
  finish(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Bytes of each piece a memory sink fills (a text larger than that gets a piece of its own). */
const memorySinkPieceBytes = 1024 * 1024;

/**
 * A sink that keeps the texts in pieces of about a megabyte, copied once into one exactly sized
 * buffer by `finish` (a buffer that doubled as it grew copied every byte about twice more, and
 * its discarded copies were external memory that pushed V8 into full collections).
 */
export function memorySourceSink(): SourceTextsSink {
  const pieces: Buffer[] = [];
  let piece = Buffer.allocUnsafe(4096);
  let used = 0; // bytes used in `piece`
  let before = 0; // bytes in `pieces`
  const offsets = new OffsetsColumn();
  const reserve = (extra: number): void => {
    if (used + extra <= piece.length) return;
    if (used > 0) pieces.push(piece.subarray(0, used));
    before += used;
    // The first pieces grow from 4 KiB, so that a small build does not take a megabyte.
    piece = Buffer.allocUnsafe(Math.max(Math.min(memorySinkPieceBytes, (before + extra) * 2), extra));
    used = 0;
  };
  return {
    appendText(text: string): void {
      reserve(text.length * 3); // a UTF-16 unit takes at most 3 UTF-8 bytes
      used += piece.write(text, used, 'utf8');
      offsets.push(before + used);
    },
    appendRange(from: SourceTexts, first: number, last: number): void {
      copyRange(from, first, last, (chunk, chunkFirst, chunkLast) => {
        reserve(chunk.length);
        piece.set(chunk, used);
        const base = before + used - from.offsetOf(chunkFirst);
        for (let doc = chunkFirst + 1; doc <= chunkLast; doc++) offsets.push(base + from.offsetOf(doc));
        used += chunk.length;
      });
    },
    finish(): SourceTexts {
      // Exactly sized, so that a segment does not keep the growth slack.
      const exact = new Uint8Array(before + used);
      let at = 0;
      for (const full of pieces) {
        exact.set(full, at);
        at += full.length;
      }
      exact.set(piece.subarray(0, used), at);
      return new MemorySourceTexts(exact, offsets.finish());
    },
  };
}

/**
 * Calls `write` with the bytes of docs first..last-1 of `from` in chunks of whole documents of
 * about `sourceCopyBytesMax` bytes (one document larger than that is one chunk).
 */
export function copyRange(from: SourceTexts, first: number, last: number, write: (bytes: Uint8Array, first: number, last: number) => void): void {
  let start = first;
  while (start < last) {
    let end = start + 1;
    const limit = from.offsetOf(start) + sourceCopyBytesMax;
    while (end < last && from.offsetOf(end + 1) <= limit) end++;
    write(from.bytesOf(start, end), start, end);
    start = end;
  }
}
