/**
 * `_source` texts of a large segment in a file instead of memory (I/O shell of
 * engine/source-texts.ts; issue 13). A segment keeps only the texts' offsets; a fetch reads the
 * bytes of its hits with one positioned read each (from the page cache, which the process's RSS
 * does not count), and merging and persisting copy them a megabyte at a time.
 *
 * The file is a scratch file: created in the shard's searcher directory, unlinked at once, and
 * reached only through its open descriptor, which is closed when the last segment reading it is
 * collected (`FinalizationRegistry`). A segment replaced by a merge can still serve a scroll or a
 * point in time that holds it, and nothing has to be cleaned up after a crash or an index
 * deletion. (Persisted segments keep their own copy of the texts in the `.seg` file.) Small
 * segments, the many tiny ones of tests and of refreshes between few writes, stay in memory:
 * a sink spills to a file only past `sourceBytesInMemoryMax`.
 */
import { closeSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { assert } from '../../common/index.js';
import { copyRange, memorySourceSink, OffsetsColumn, sourceCopyBytesMax, type SourceTexts, type SourceTextsSink } from '../engine/index.js';

/** A segment's texts stay in memory up to this many bytes; beyond, they go to a scratch file (style P4). */
export const sourceBytesInMemoryMax = 1024 * 1024;

/** An open file (scratch or segment); its descriptor is closed when nothing refers to it any more. */
class ScratchFile {
  constructor(readonly descriptor: number) {}
}

const openFiles = new FinalizationRegistry<number>((descriptor) => {
  try {
    closeSync(descriptor);
  } catch {
    // already closed: nothing to free
  }
});

let scratchCounter = 0;

function openScratchFile(directory: string): ScratchFile {
  mkdirSync(directory, { recursive: true });
  // A name no manifest lists: if the process dies before the unlink, the next manifest write removes it.
  const file = path.join(directory, `sources-${process.pid}-${scratchCounter++}.tmp`);
  const descriptor = openSync(file, 'w+');
  unlinkSync(file);
  const scratch = new ScratchFile(descriptor);
  openFiles.register(scratch, descriptor);
  return scratch;
}

function readFully(descriptor: number, bytes: Uint8Array, position: number): void {
  let read = 0;
  while (read < bytes.length) {
    const count = readSync(descriptor, bytes, read, bytes.length - read, position + read);
    assert(count > 0, 'a source file holds every byte its offsets name');
    read += count;
  }
}

/** Texts in a file: `offsets` are positions in the file, the first text at `base`. */
class FileSourceTexts implements SourceTexts {
  constructor(
    private readonly file: ScratchFile,
    private readonly offsets: Float64Array,
    private readonly base = 0,
  ) {}

  get count(): number {
    return this.offsets.length - 1;
  }

  get byteLength(): number {
    return this.offsets[this.offsets.length - 1]! - this.base;
  }

  text(doc: number): string {
    assert(doc >= 0 && doc < this.count, 'a source is read within the segment');
    const bytes = Buffer.allocUnsafe(this.offsets[doc + 1]! - this.offsets[doc]!);
    readFully(this.file.descriptor, bytes, this.offsets[doc]!);
    return bytes.toString('utf8');
  }

  offsetOf(doc: number): number {
    return this.offsets[doc]! - this.base;
  }

  bytesOf(first: number, last: number): Uint8Array {
    const bytes = Buffer.allocUnsafe(this.offsets[last]! - this.offsets[first]!);
    readFully(this.file.descriptor, bytes, this.offsets[first]!);
    return bytes;
  }
}

/**
 * A sink that keeps texts in memory until they pass `inMemoryMax` bytes, then moves them into a
 * scratch file in `directory` and writes the rest there (buffered, a megabyte per write).
 */
export function spillingSourceSink(directory: string, inMemoryMax = sourceBytesInMemoryMax): SourceTextsSink {
  let memory: SourceTextsSink | undefined = memorySourceSink();
  let memoryBytes = 0;
  let file: ScratchFile | undefined;
  const offsets = new OffsetsColumn();
  let pending = Buffer.allocUnsafe(sourceCopyBytesMax);
  let pendingLength = 0;
  let written = 0;
  const flush = (): void => {
    let done = 0;
    while (done < pendingLength) done += writeSync(file!.descriptor, pending, done, pendingLength - done, written + done);
    written += pendingLength;
    pendingLength = 0;
  };
  const writeBytes = (bytes: Uint8Array): void => {
    if (pendingLength + bytes.length > pending.length) flush();
    if (bytes.length > pending.length) {
      let done = 0;
      while (done < bytes.length) done += writeSync(file!.descriptor, bytes, done, bytes.length - done, written + done);
      written += bytes.length;
      return;
    }
    pending.set(bytes, pendingLength);
    pendingLength += bytes.length;
  };
  /** Past the limit: what memory holds goes to a new scratch file, and memory is let go. */
  const spill = (): void => {
    const held = memory!.finish();
    memory = undefined;
    file = openScratchFile(directory);
    copyRange(held, 0, held.count, (bytes, first, last) => {
      writeBytes(bytes);
      for (let doc = first + 1; doc <= last; doc++) offsets.push(held.offsetOf(doc));
    });
  };
  return {
    appendText(text: string): void {
      if (memory !== undefined) {
        memory.appendText(text);
        memoryBytes += text.length;
        if (memoryBytes > inMemoryMax) spill();
        return;
      }
      if (pendingLength + text.length * 3 > pending.length) flush();
      if (text.length * 3 > pending.length) {
        writeBytes(Buffer.from(text, 'utf8'));
      } else {
        pendingLength += pending.write(text, pendingLength, 'utf8');
      }
      offsets.push(written + pendingLength);
    },
    appendRange(from: SourceTexts, first: number, last: number): void {
      if (memory !== undefined) {
        memory.appendRange(from, first, last);
        memoryBytes += from.offsetOf(last) - from.offsetOf(first);
        if (memoryBytes > inMemoryMax) spill();
        return;
      }
      copyRange(from, first, last, (bytes, chunkFirst, chunkLast) => {
        const base = written + pendingLength - from.offsetOf(chunkFirst);
        writeBytes(bytes);
        for (let doc = chunkFirst + 1; doc <= chunkLast; doc++) offsets.push(base + from.offsetOf(doc));
      });
    },
    finish(): SourceTexts {
      if (memory !== undefined) return memory.finish();
      flush();
      pending = Buffer.alloc(0);
      return new FileSourceTexts(file!, offsets.finish());
    },
  };
}

/**
 * The texts of a persisted segment, read from its `.seg` file (`position`: where the first text
 * starts, `offsets` from there). Segment files are written once under names never used again, so
 * the file does not change under the descriptor; one removed after a merge stays readable
 * through it until the segment is collected.
 */
export function segmentFileSourceTexts(file: string, position: number, offsets: Float64Array): SourceTexts {
  const descriptor = openSync(file, 'r');
  const opened = new ScratchFile(descriptor);
  openFiles.register(opened, descriptor);
  const shifted = new Float64Array(offsets.length);
  for (let index = 0; index < offsets.length; index++) shifted[index] = offsets[index]! + position;
  return new FileSourceTexts(opened, shifted, position);
}
