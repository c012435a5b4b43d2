/**
 * The document stream of a follower shard's bootstrap (I/O shell; ccr/service.ts `bootstrapShard`
 * runs it against the leader's restore session): every live document of the leader's snapshot,
 * in id order, a chunk at a time, into the follower's store.
 *
 * With the leader's segment files copied and loaded first (`sources`), the chunks are asked for
 * without sources (`without_sources`, document-columns.ts): each source is taken from the files,
 * as the live document with that id, seq_no, primary term, version and routing, and the CRC-32 of
 * the leader's text. What the files do not hold so (a `_source` mapping that keeps less than the
 * document, a file the leader changed) is asked for again with sources: the same chunk from the
 * same snapshot. A leader that does not know the field sends the sources anyway; they are used.
 */
import { errors } from '../common/index.js';
import type { CopiedSegmentSources } from '../index/indices-service.js';
import type { StoredDocument } from '../index/store/index.js';
import { decodeDocumentColumns, documentColumnsWireBytes, documentsWireBytes, type DocumentColumns, type SourcelessDocument } from './document-columns.js';

export interface DocumentChunkRequest {
  readonly after_id: string;
  readonly max_docs: number;
  readonly without_sources?: true;
}

export interface BootstrapDocumentsOptions {
  /** Asks the leader's restore session for a chunk (`restore/file_chunk/get`); its answer as it came. */
  readonly fetch: (request: DocumentChunkRequest) => Promise<unknown>;
  /** The copied segment files' sources; undefined: the leader sends them. */
  readonly sources: CopiedSegmentSources | undefined;
  readonly chunkDocs: number;
  /** Stores a chunk (with every source). */
  readonly store: (documents: StoredDocument[]) => void;
  /** Waits until `bytes` more may come (the recovery rate). */
  readonly pace: (bytes: number) => Promise<void>;
  /** Thrown at the next chunk when it answers true (the node is closing). */
  readonly stopped: () => boolean;
  /** Told how many documents of a chunk of `of` the files did not hold as the leader has them. */
  readonly sourcesAsked?: (documents: number, of: number) => void;
}

export interface BootstrapDocumentsResult {
  readonly documents: number;
  /** About what the stream took on the wire (document-columns.ts counts). */
  readonly bytes: number;
  /** Documents whose sources the leader sent (all of them without `sources`). */
  readonly sourcesSent: number;
}

export async function copyBootstrapDocuments(options: BootstrapDocumentsOptions): Promise<BootstrapDocumentsResult> {
  const { sources } = options;
  let bytes = 0;
  let documentsCopied = 0;
  let sourcesSent = 0;
  const fetch = (afterId: string): Promise<unknown> => {
    const fetched = options.fetch({ after_id: afterId, max_docs: options.chunkDocs, ...(sources !== undefined ? { without_sources: true as const } : {}) });
    fetched.catch(() => undefined); // awaited below, or dropped with the copy that failed
    return fetched;
  };
  // One chunk is asked for ahead: the leader reads and sends the next while this one is stored.
  let afterId = '';
  let next = fetch(afterId);
  for (;;) {
    if (options.stopped()) throw errors.illegalState('node is closing');
    const answer = (await next) as { documents?: StoredDocument[]; document_columns?: unknown };
    let documents: StoredDocument[];
    if (answer.document_columns !== undefined) {
      if (sources === undefined) throw errors.illegalState('the leader sent documents without the sources nobody asked it to leave out');
      const columns = answer.document_columns as DocumentColumns;
      const sourceless = decodeDocumentColumns(columns);
      if (sourceless.length === 0) break;
      next = fetch(sourceless[sourceless.length - 1]!.id);
      bytes += documentColumnsWireBytes(columns);
      await options.pace(documentColumnsWireBytes(columns));
      const filled = await withSources(options, sources, afterId, sourceless);
      documents = filled.documents;
      bytes += filled.bytes;
      sourcesSent += filled.sent;
    } else {
      // Sources included: asked so, or a leader that does not know `without_sources`.
      documents = answer.documents ?? [];
      if (documents.length === 0) break;
      next = fetch(documents[documents.length - 1]!.id);
      bytes += documentsWireBytes(documents);
      await options.pace(documentsWireBytes(documents));
      sourcesSent += documents.length;
    }
    afterId = documents[documents.length - 1]!.id;
    options.store(documents);
    documentsCopied += documents.length;
  }
  return { documents: documentsCopied, bytes, sourcesSent };
}

/**
 * A chunk sent without sources (the documents after `afterId`), each source taken from the files;
 * those the files do not hold as the leader described them are asked for with their sources.
 */
async function withSources(
  options: BootstrapDocumentsOptions,
  sources: CopiedSegmentSources,
  afterId: string,
  sourceless: readonly SourcelessDocument[],
): Promise<{ documents: StoredDocument[]; bytes: number; sent: number }> {
  const documents = new Array<StoredDocument>(sourceless.length);
  let missing = 0;
  let lastMissing = -1;
  for (let index = 0; index < sourceless.length; index++) {
    const described = sourceless[index]!;
    const source = sources.sourceOf(described);
    if (source === undefined) {
      missing++;
      lastMissing = index;
      continue;
    }
    documents[index] = described.routing === undefined
      ? { id: described.id, source, seqNo: described.seqNo, primaryTerm: described.primaryTerm, version: described.version }
      : { id: described.id, source, seqNo: described.seqNo, primaryTerm: described.primaryTerm, version: described.version, routing: described.routing };
  }
  if (missing === 0) return { documents, bytes: 0, sent: 0 };
  options.sourcesAsked?.(missing, sourceless.length);
  const sent = missing;
  let bytes = 0;
  const positions = new Map(sourceless.map((document, index) => [document.id, index] as const));
  // From the chunk's start to its last document without a source (a leader may answer fewer: then on from there).
  for (let from = afterId, position = -1; position < lastMissing; ) {
    const answer = (await options.fetch({ after_id: from, max_docs: lastMissing - position })) as { documents?: StoredDocument[] };
    const fetched = answer.documents ?? [];
    if (fetched.length === 0) throw errors.illegalState(`the leader's restore session ended before document [${sourceless[lastMissing]!.id}] of the chunk it had sent`);
    bytes += documentsWireBytes(fetched);
    await options.pace(documentsWireBytes(fetched));
    for (const document of fetched) {
      const index = positions.get(document.id);
      if (index === undefined) throw errors.illegalState(`the leader answered document [${document.id}], not of the chunk it had sent`);
      const expected = sourceless[index]!;
      if (document.seqNo !== expected.seqNo || document.version !== expected.version || document.primaryTerm !== expected.primaryTerm) {
        throw errors.illegalState(`the leader sent document [${document.id}] at seq_no [${document.seqNo}] and version [${document.version}], where its chunk had [${expected.seqNo}] and [${expected.version}]`);
      }
      if (documents[index] === undefined) {
        documents[index] = document;
        missing--;
      }
    }
    from = fetched[fetched.length - 1]!.id;
    position = positions.get(from)!;
  }
  if (missing > 0) throw errors.illegalState(`the leader did not send the sources of [${missing}] documents of a bootstrap chunk`);
  return { documents, bytes, sent };
}
