/**
 * A bootstrap chunk's documents without their `_source` (pure), Strait to Strait. A follower that
 * copies the leader's segment files stores each live document from them (the segments keep every
 * `_source`), so it asks the leader's snapshot only for what it checks them against: each
 * document's id, seq_no, primary term, version, routing and the UTF-8 length of its source, as
 * columns (one string for the ids, one array per number).
 *
 * A follower asks for them with `without_sources: true`; a leader that does not know the field
 * answers `documents` with their sources, as before, and the follower stores those.
 */
import { errors } from '../common/index.js';
import type { SnapshotDocument, SnapshotDocumentMetadata } from '../index/store/shard-snapshot.js';
import { checkColumnLengths, isCount, routingsColumn } from './columns.js';

export interface DocumentColumns {
  /** Every id, joined; `id_lengths` cuts them apart (UTF-16 code units, as JavaScript counts). */
  readonly ids: string;
  readonly id_lengths: readonly number[];
  readonly seq_nos: readonly number[];
  readonly primary_terms: readonly number[];
  readonly versions: readonly number[];
  /** Each `_source`'s UTF-8 bytes. */
  readonly source_lengths: readonly number[];
  /** Present when a document has a `_routing` (null for those without). */
  readonly routings?: readonly (string | null)[];
}

export function encodeDocumentColumns(documents: readonly SnapshotDocumentMetadata[]): DocumentColumns {
  const count = documents.length;
  const ids = new Array<string>(count);
  const idLengths = new Array<number>(count);
  const seqNos = new Array<number>(count);
  const primaryTerms = new Array<number>(count);
  const versions = new Array<number>(count);
  const sourceLengths = new Array<number>(count);
  for (let index = 0; index < count; index++) {
    const document = documents[index]!;
    ids[index] = document.id;
    idLengths[index] = document.id.length;
    seqNos[index] = document.seqNo;
    primaryTerms[index] = document.primaryTerm;
    versions[index] = document.version;
    sourceLengths[index] = document.sourceBytes;
  }
  const routings = routingsColumn(documents, (document) => document.routing);
  return { ids: ids.join(''), id_lengths: idLengths, seq_nos: seqNos, primary_terms: primaryTerms, versions, source_lengths: sourceLengths, ...(routings !== undefined ? { routings } : {}) };
}

function malformed(reason: string): never {
  throw errors.illegalState(`malformed restore chunk document columns: ${reason}`);
}

/** The documents of a column answer; columns that do not add up are an illegal_state_exception. */
export function decodeDocumentColumns(wire: unknown): SnapshotDocumentMetadata[] {
  if (typeof wire !== 'object' || wire === null) malformed('not an object');
  const columns = wire as Partial<Record<keyof DocumentColumns, unknown>>;
  const { ids, id_lengths: idLengths, seq_nos: seqNos, primary_terms: primaryTerms, versions, source_lengths: sourceLengths, routings } = columns;
  if (typeof ids !== 'string' || !Array.isArray(idLengths)) malformed('ids is a string and id_lengths an array');
  const count = idLengths.length;
  checkColumnLengths([['seq_nos', seqNos], ['primary_terms', primaryTerms], ['versions', versions], ['source_lengths', sourceLengths]], routings, count, 'document', malformed);
  const seqNoOf = seqNos as unknown[];
  const primaryTermOf = primaryTerms as unknown[];
  const versionOf = versions as unknown[];
  const sourceBytesOf = sourceLengths as unknown[];
  const routingOf = routings as unknown[] | undefined;
  const documents = new Array<SnapshotDocumentMetadata>(count);
  let idAt = 0;
  for (let index = 0; index < count; index++) {
    const idLength: unknown = idLengths[index];
    if (!isCount(idLength) || idLength === 0 || idAt + idLength > ids.length) malformed('id_lengths exceed ids');
    const id = ids.slice(idAt, idAt + idLength);
    idAt += idLength;
    const [seqNo, primaryTerm, version, sourceBytes] = [seqNoOf[index], primaryTermOf[index], versionOf[index], sourceBytesOf[index]];
    if (!isCount(seqNo) || !isCount(primaryTerm) || !isCount(version) || !isCount(sourceBytes)) malformed('seq_nos, primary_terms, versions and source_lengths are counts');
    const routing = routingOf?.[index] ?? null;
    if (routing !== null && typeof routing !== 'string') malformed('routings are strings or null');
    documents[index] = routing === null ? { id, seqNo, primaryTerm, version, sourceBytes } : { id, seqNo, primaryTerm, version, routing, sourceBytes };
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
export function documentsWireBytes(documents: readonly SnapshotDocument[]): number {
  let bytes = 0;
  for (const document of documents) {
    bytes += document.id.length + document.source.length + (document.routing?.length ?? 0);
    bytes += integerWireBytes(document.seqNo) + integerWireBytes(document.primaryTerm) + integerWireBytes(document.version);
  }
  return bytes;
}

/** As `documentsWireBytes`, for a column answer. */
export function documentColumnsWireBytes(columns: DocumentColumns): number {
  let bytes = columns.ids.length;
  for (const column of [columns.id_lengths, columns.seq_nos, columns.primary_terms, columns.versions, columns.source_lengths]) for (const value of column) bytes += integerWireBytes(value);
  for (const routing of columns.routings ?? []) bytes += routing === null ? 1 : routing.length;
  return bytes;
}
