/**
 * Persisted searcher state (I/O shell, formats versioned per style P12). Layout under the index
 * directory:
 *
 *   searcher/manifest.json   which segments make up the state, their deletes, and the seq_no the
 *                            state is refreshed to (written to a temp file, then renamed)
 *   searcher/_<n>.seg        one immutable segment (engine/segment-codec.ts, checksummed)
 *   searcher/_<n>.meta       its per-document seq_no, version, primary term and, from format 2
 *                            on, `_routing` (checksummed; format 1 files still load)
 *
 * Segment files are written once and never changed; deletes live in the manifest (as Lucene keeps
 * them in separate live-docs files). Files no manifest names are leftovers of an interrupted
 * refresh and are removed. Anything unreadable makes `loadSearcherFiles` throw; the caller then
 * rebuilds from the shard store, which is the source of truth.
 */
import { runToEnd } from '../../common/index.js';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { deserializeSegment, SEGMENT_CRC_OFFSET, serializeSegmentPieces, withDeletes, type Segment } from '../engine/index.js';
import { deletedDocs, type DocMetadata, type SearcherState } from './searcher-state.js';
import { segmentFileSourceTexts, sourceBytesInMemoryMax } from './source-file.js';

export const SEARCHER_MANIFEST_FORMAT_VERSION = 1;
/** Format 1: three float64 arrays. Format 2 appends the routings as a JSON array (P12: 1 still loads). */
const metadataMagicV1 = Buffer.from('STRMETA1', 'latin1');
const metadataMagic = Buffer.from('STRMETA2', 'latin1');
const metadataHeaderBytes = 8 + 4 + 4; // magic, doc count, CRC-32 of everything after the header

export class SearcherFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearcherFilesError';
  }
}

interface ManifestSegment {
  readonly name: string;
  readonly max_seq_no: number;
  readonly max_doc: number;
  readonly deleted: readonly number[];
}

interface Manifest {
  readonly format_version: number;
  readonly index_uuid: string;
  readonly refreshed_seq_no: number;
  readonly next_segment_number: number;
  readonly segments: readonly ManifestSegment[];
}

export function encodeDocMetadata(metadata: DocMetadata): Buffer {
  const count = metadata.seqNos.length;
  const arrays = Buffer.alloc(count * 8 * 3);
  const view = new Float64Array(arrays.buffer, arrays.byteOffset, count * 3);
  view.set(metadata.seqNos, 0);
  view.set(metadata.versions, count);
  view.set(metadata.primaryTerms, count * 2);
  const routings = Buffer.from(JSON.stringify(metadata.routings ?? []), 'utf8');
  const body = Buffer.concat([arrays, routings]);
  const header = Buffer.alloc(metadataHeaderBytes);
  metadataMagic.copy(header, 0);
  header.writeUInt32LE(count, 8);
  header.writeUInt32LE(crc32(body), 12);
  return Buffer.concat([header, body]);
}

export function decodeDocMetadata(buffer: Buffer): DocMetadata {
  const magic = buffer.subarray(0, 8);
  const version = magic.equals(metadataMagic) ? 2 : magic.equals(metadataMagicV1) ? 1 : 0;
  if (buffer.length < metadataHeaderBytes || version === 0) throw new SearcherFilesError('not a Strait doc metadata file');
  const count = buffer.readUInt32LE(8);
  const body = buffer.subarray(metadataHeaderBytes);
  if (version === 1 ? body.length !== count * 24 : body.length < count * 24) throw new SearcherFilesError('doc metadata file has the wrong length');
  if (crc32(body) !== buffer.readUInt32LE(12)) throw new SearcherFilesError('doc metadata checksum mismatch');
  const copy = new Float64Array(count * 3);
  new Uint8Array(copy.buffer).set(body.subarray(0, count * 24));
  const metadata = { seqNos: copy.subarray(0, count), versions: copy.subarray(count, count * 2), primaryTerms: copy.subarray(count * 2) };
  if (version === 1) return metadata;
  let routings: unknown;
  try {
    routings = JSON.parse(body.subarray(count * 24).toString('utf8'));
  } catch {
    throw new SearcherFilesError('doc metadata routings do not parse');
  }
  if (!Array.isArray(routings) || !routings.every((routing) => routing === null || typeof routing === 'string')) throw new SearcherFilesError('malformed doc metadata routings');
  if (routings.length === 0) return metadata;
  if (routings.length !== count) throw new SearcherFilesError('doc metadata routings do not match the doc count');
  return { ...metadata, routings: routings as (string | null)[] };
}

export function searcherDirectory(indexDirectory: string, shard = 0): string {
  // Shard 0 keeps the directory name of the time every index had one shard.
  return path.join(indexDirectory, shard === 0 ? 'searcher' : `searcher-${shard}`);
}

/** Loads the persisted state; undefined when there is none yet. Throws SearcherFilesError when it is unusable. */
export function loadSearcherFiles(directory: string, indexUuid: string): SearcherState | undefined {
  const manifestFile = path.join(directory, 'manifest.json');
  if (!existsSync(manifestFile)) return undefined;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  } catch (error) {
    throw new SearcherFilesError(`unreadable searcher manifest: ${(error as Error).message}`);
  }
  if (manifest.format_version !== SEARCHER_MANIFEST_FORMAT_VERSION) throw new SearcherFilesError(`unsupported searcher manifest format [${manifest.format_version}]`);
  if (manifest.index_uuid !== indexUuid) throw new SearcherFilesError(`searcher manifest belongs to index uuid [${manifest.index_uuid}], expected [${indexUuid}]`);
  if (!Number.isInteger(manifest.refreshed_seq_no) || !Number.isInteger(manifest.next_segment_number) || !Array.isArray(manifest.segments)) {
    throw new SearcherFilesError('malformed searcher manifest');
  }
  const { segments, metadata } = loadListedSegments(
    directory,
    manifest.segments.map((entry) => ({ name: entry.name, maxDoc: entry.max_doc, deleted: entry.deleted })),
    'the manifest',
  );
  return { segments, metadata, refreshedSeqNo: manifest.refreshed_seq_no, nextSegmentNumber: manifest.next_segment_number };
}

/**
 * Loads segments a list describes (a manifest, or a leader's restore session): each must have the
 * name and doc count listed, and gets the deletes listed. Throws SearcherFilesError otherwise.
 */
export function loadListedSegments(
  directory: string,
  entries: readonly { readonly name: string; readonly maxDoc: number; readonly deleted: readonly number[] }[],
  describedBy: string,
): { segments: Segment[]; metadata: DocMetadata[] } {
  const segments: Segment[] = [];
  const metadata: DocMetadata[] = [];
  for (const entry of entries) {
    const loaded = loadListedSegment(directory, entry, describedBy);
    segments.push(loaded.segment);
    metadata.push(loaded.metadata);
  }
  return { segments, metadata };
}

/** One listed segment's files, checked against the listing (name, doc count), with its deletes. */
export function loadListedSegment(
  directory: string,
  entry: { readonly name: string; readonly maxDoc: number; readonly deleted: readonly number[] },
  describedBy: string,
): { segment: Segment; metadata: DocMetadata } {
  const { segment, metadata } = loadSegmentFiles(directory, entry.name);
  if (segment.name !== entry.name || segment.maxDoc !== entry.maxDoc || metadata.seqNos.length !== segment.maxDoc) {
    throw new SearcherFilesError(`segment [${entry.name}] does not match ${describedBy}`);
  }
  return { segment: entry.deleted.length > 0 ? withDeletes(segment, entry.deleted) : segment, metadata };
}

/**
 * Loads one segment's files (`<name>.seg`, `<name>.meta`); throws SearcherFilesError when they are
 * unusable. A large segment's `_source` texts stay in its file (read at fetch); only small ones are
 * kept in memory.
 */
export function loadSegmentFiles(directory: string, name: string, bytes?: { readonly segment: Buffer; readonly metadata: Buffer }): { segment: Segment; metadata: DocMetadata } {
  try {
    const file = path.join(directory, `${name}.seg`);
    const segment = deserializeSegment(bytes?.segment ?? readFileSync(file), {
      sources: (position, offsets) => (offsets[offsets.length - 1]! > sourceBytesInMemoryMax ? segmentFileSourceTexts(file, position, offsets) : undefined),
    });
    return { segment, metadata: decodeDocMetadata(bytes?.metadata ?? readFileSync(path.join(directory, `${name}.meta`))) };
  } catch (error) {
    throw new SearcherFilesError(`segment [${name}]: ${(error as Error).message}`);
  }
}

/**
 * Writes one segment's files from their bytes (a segment built elsewhere in the file format), then
 * loads it from them: the caller names it in the state at once, so that no manifest write in
 * between removes the files.
 */
export function writeAndLoadSegmentFiles(directory: string, name: string, bytes: { readonly segment: Buffer; readonly metadata: Buffer }): { segment: Segment; metadata: DocMetadata } {
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, `${name}.seg`), bytes.segment);
  writeFileSync(path.join(directory, `${name}.meta`), bytes.metadata);
  return loadSegmentFiles(directory, name, bytes);
}

/**
 * Writes the segments the directory does not hold yet, then the manifest, then removes files the
 * manifest no longer names. `written` lists segment names already on disk (returned updated).
 */
export function writeSearcherFiles(directory: string, indexUuid: string, state: SearcherState, written: ReadonlySet<string>): Set<string> {
  const onDisk = new Set(written);
  state.segments.forEach((segment, position) => {
    if (onDisk.has(segment.name)) return;
    writeSegmentFiles(directory, segment, state.metadata[position]!);
    onDisk.add(segment.name);
  });
  return writeManifest(directory, indexUuid, state);
}

/**
 * Writes one segment's files (step one of persisting, one segment at a time so that a large one
 * does not hold up other work for all the others). The manifest does not name it yet.
 */
export function writeSegmentFiles(directory: string, segment: Segment, metadata: DocMetadata): void {
  runToEnd(writeSegmentFilesStepwise(directory, segment, metadata));
}

/**
 * As `writeSegmentFiles`, a piece of a few megabytes per step, so that the caller can write a
 * large segment between other work. Stopping part-way leaves a file no manifest names, which the
 * next manifest write removes.
 */
export function* writeSegmentFilesStepwise(directory: string, segment: Segment, metadata: DocMetadata): Generator<void, void, void> {
  mkdirSync(directory, { recursive: true });
  // Deletes are always taken from the manifest: the segment file holds every document, live or not.
  const bare = segment.liveDocs === null ? segment : { ...segment, liveDocs: null, liveDocCount: segment.maxDoc };
  const descriptor = openSync(path.join(directory, `${segment.name}.seg`), 'w');
  try {
    let crc: number | undefined; // over every piece after the fixed header
    let position = 0;
    for (const piece of serializeSegmentPieces(bare)) {
      position += writeFully(descriptor, piece, position);
      crc = crc === undefined ? 0 : crc32(piece, crc);
      yield;
    }
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32LE(crc ?? 0);
    writeFully(descriptor, checksum, SEGMENT_CRC_OFFSET);
  } finally {
    closeSync(descriptor);
  }
  writeFileSync(path.join(directory, `${segment.name}.meta`), encodeDocMetadata(metadata));
}

function writeFully(descriptor: number, bytes: Uint8Array, position: number): number {
  let written = 0;
  while (written < bytes.length) written += writeSync(descriptor, bytes, written, bytes.length - written, position + written);
  return bytes.length;
}

/**
 * Makes the state the persisted one (every segment of it must be on disk already), then removes
 * files the manifest no longer names. Returns the names on disk.
 */
export function writeManifest(directory: string, indexUuid: string, state: SearcherState): Set<string> {
  mkdirSync(directory, { recursive: true });
  const names = new Set(state.segments.map((segment) => segment.name));
  const manifest: Manifest = {
    format_version: SEARCHER_MANIFEST_FORMAT_VERSION,
    index_uuid: indexUuid,
    refreshed_seq_no: state.refreshedSeqNo,
    next_segment_number: state.nextSegmentNumber,
    segments: state.segments.map((segment) => ({ name: segment.name, max_seq_no: segment.maxSeqNo, max_doc: segment.maxDoc, deleted: deletedDocs(segment) })),
  };
  const temporary = path.join(directory, 'manifest.json.tmp');
  writeFileSync(temporary, JSON.stringify(manifest));
  renameSync(temporary, path.join(directory, 'manifest.json'));
  removeUnreferenced(directory, names);
  return names;
}

function removeUnreferenced(directory: string, names: ReadonlySet<string>): void {
  for (const file of readdirSync(directory)) {
    if (file === 'manifest.json') continue;
    const name = file.replace(/\.(seg|meta)$/, '');
    if (name !== file && names.has(name)) continue;
    rmSync(path.join(directory, file), { force: true });
  }
}

/** Removes every persisted file (before a rebuild). */
export function clearSearcherFiles(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}
