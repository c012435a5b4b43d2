/**
 * A bootstrap chunk's documents without their `_source` (pure), Strait to Strait: a follower that
 * copies the leader's segment files takes each live document's source from them (the segments
 * store every `_source`), so the document stream sends only what the store needs besides it, as
 * columns (one string for the ids, one array per number), and a CRC-32 of each source's UTF-8 bytes,
 * by which the follower knows that the text it found is the leader's to the byte.
 *
 * A follower asks for it (`without_sources: true` in the chunk request); a leader that does not
 * know the field answers with `documents`, sources included, as before, and the follower uses them.
 */
import { crc32 } from 'node:zlib';
import { errors } from '../common/index.js';
import type { SnapshotDocument } from '../index/store/shard-snapshot.js';

export interface DocumentColumns {
  /** Every id, joined; `id_lengths` cuts them apart (UTF-16 code units, as JavaScript counts). */
  readonly ids: string;
  readonly id_lengths: readonly number[];
  readonly seq_nos: readonly number[];
  readonly primary_terms: readonly number[];
  readonly versions: readonly number[];
  /** CRC-32 of each `_source`'s UTF-8 bytes. */
  readonly source_crc32s: readonly number[];
  /** Present when a document has a `_routing` (null for those without). */
  readonly routings?: readonly (string | null)[];
}

/** A document of a chunk without its source: what the follower must find in the segment files. */
export interface SourcelessDocument {
  readonly id: string;
  readonly seqNo: number;
  readonly primaryTerm: number;
  readonly version: number;
  readonly routing?: string;
  readonly sourceCrc32: number;
}

export function sourceCrc32(source: string): number {
  return crc32(source);
}

export function encodeDocumentColumns(documents: readonly SnapshotDocument[]): DocumentColumns {
  const count = documents.length;
  const ids = new Array<string>(count);
  const idLengths = new Array<number>(count);
  const seqNos = new Array<number>(count);
  const primaryTerms = new Array<number>(count);
  const versions = new Array<number>(count);
  const crcs = new Array<number>(count);
  let routings: (string | null)[] | undefined;
  for (let index = 0; index < count; index++) {
    const document = documents[index]!;
    ids[index] = document.id;
    idLengths[index] = document.id.length;
    seqNos[index] = document.seqNo;
    primaryTerms[index] = document.primaryTerm;
    versions[index] = document.version;
    crcs[index] = crc32(document.source);
    const routing = document.routing ?? null;
    if (routing !== null) routings ??= new Array<string | null>(count).fill(null);
    if (routings !== undefined) routings[index] = routing;
  }
  return { ids: ids.join(''), id_lengths: idLengths, seq_nos: seqNos, primary_terms: primaryTerms, versions, source_crc32s: crcs, ...(routings !== undefined ? { routings } : {}) };
}

function malformed(reason: string): never {
  throw errors.illegalState(`malformed restore chunk document columns: ${reason}`);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The documents of a column answer; columns that do not add up are an illegal_state_exception. */
export function decodeDocumentColumns(wire: unknown): SourcelessDocument[] {
  if (typeof wire !== 'object' || wire === null) malformed('not an object');
  const columns = wire as Partial<Record<keyof DocumentColumns, unknown>>;
  const { ids, id_lengths: idLengths, seq_nos: seqNos, primary_terms: primaryTerms, versions, source_crc32s: crcs, routings } = columns;
  if (typeof ids !== 'string' || !Array.isArray(idLengths)) malformed('ids is a string and id_lengths an array');
  const count = idLengths.length;
  for (const [name, column] of [['seq_nos', seqNos], ['primary_terms', primaryTerms], ['versions', versions], ['source_crc32s', crcs]] as const) {
    if (!Array.isArray(column) || column.length !== count) malformed(`${name} has one entry per document`);
  }
  if (routings !== undefined && (!Array.isArray(routings) || routings.length !== count)) malformed('routings has one entry per document');
  const seqNoOf = seqNos as unknown[];
  const primaryTermOf = primaryTerms as unknown[];
  const versionOf = versions as unknown[];
  const crcOf = crcs as unknown[];
  const routingOf = routings as unknown[] | undefined;
  const documents = new Array<SourcelessDocument>(count);
  let idAt = 0;
  for (let index = 0; index < count; index++) {
    const idLength: unknown = idLengths[index];
    if (!isCount(idLength) || idAt + idLength > ids.length) malformed('id_lengths exceed ids');
    const id = ids.slice(idAt, idAt + idLength);
    idAt += idLength;
    const [seqNo, primaryTerm, version, crc] = [seqNoOf[index], primaryTermOf[index], versionOf[index], crcOf[index]];
    if (!isCount(seqNo) || !isCount(primaryTerm) || !isCount(version) || !isCount(crc) || crc > 0xffffffff) malformed('seq_nos, primary_terms, versions and source_crc32s are counts');
    const routing = routingOf?.[index] ?? null;
    if (routing !== null && typeof routing !== 'string') malformed('routings are strings or null');
    documents[index] = routing === null ? { id, seqNo, primaryTerm, version, sourceCrc32: crc } : { id, seqNo, primaryTerm, version, routing, sourceCrc32: crc };
  }
  if (idAt !== ids.length) malformed('id_lengths do not add up to ids');
  return documents;
}

/** Bytes msgpack spends on a non-negative integer (our transport's body encoding). */
function integerWireBytes(value: number): number {
  return value < 0x80 ? 1 : value < 0x100 ? 2 : value < 0x10000 ? 3 : value < 0x100000000 ? 5 : 9;
}

/**
 * About the bytes a chunk of documents takes on the wire (what the recovery rate limits pace):
 * strings at their length, numbers at msgpack's size; map keys and framing are left out.
 */
export function documentsWireBytes(documents: readonly (Omit<SnapshotDocument, 'source'> & { readonly source?: string })[]): number {
  let bytes = 0;
  for (const document of documents) {
    bytes += document.id.length + (document.source?.length ?? 0) + (document.routing?.length ?? 0);
    bytes += integerWireBytes(document.seqNo) + integerWireBytes(document.primaryTerm) + integerWireBytes(document.version);
  }
  return bytes;
}

/** As `documentsWireBytes`, for a column answer. */
export function documentColumnsWireBytes(columns: DocumentColumns): number {
  let bytes = columns.ids.length;
  for (const column of [columns.id_lengths, columns.seq_nos, columns.primary_terms, columns.versions, columns.source_crc32s]) for (const value of column) bytes += integerWireBytes(value);
  for (const routing of columns.routings ?? []) bytes += routing === null ? 1 : routing.length;
  return bytes;
}
