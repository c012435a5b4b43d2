/**
 * The documents of a follower shard's bootstrap when it copies the leader's segment files (pure
 * parts; ccr/service.ts `bootstrapShard` runs them against the leader's restore session).
 *
 * The files hold every live document of the leader's snapshot with its `_source`, seq_no, version,
 * primary term and routing, so the follower stores the documents from them, a segment at a time as
 * each segment's files are in (the first segments are stored while the later ones are copied).
 * Each `_source` then crosses the wire once, in the files, instead of twice. What a segment holds
 * is taken only as the leader's snapshot describes the document (`describeLeaderDocuments`: ids
 * and numbers with each source's UTF-8 length, no source): same seq_no, primary term, version,
 * routing and source length. Whatever is left (a segment whose files do not load, a `_source`
 * mapping that keeps less than the document, a document the files do not hold) is asked for by id,
 * with its source, from the same snapshot.
 */
import { errors } from '../common/index.js';
import { isLive, loadListedSegment, type DocMetadata, type Segment } from '../index/searcher/index.js';
import type { StoredDocument } from '../index/store/index.js';
import type { SnapshotDocumentMetadata } from '../index/store/shard-snapshot.js';
import { decodeDocumentColumns, documentColumnsWireBytes, type DocumentColumns } from './document-columns.js';

/** The leader snapshot's live documents without sources, by id; each one stored is removed. */
export interface LeaderDocuments {
  readonly byId: Map<string, SnapshotDocumentMetadata>;
  /** About what describing them took on the wire. */
  readonly bytes: number;
}

/**
 * Every live document of the restore session's snapshot without its source, chunk by chunk
 * (`fetch` asks with `without_sources`). Undefined when the leader answers with sources (a leader
 * that does not know the field): the caller then stores the documents as they come.
 */
export async function describeLeaderDocuments(options: {
  readonly fetch: (afterId: string) => Promise<unknown>;
  readonly pace: (bytes: number) => Promise<void>;
  readonly stopped: () => boolean;
}): Promise<LeaderDocuments | undefined> {
  const byId = new Map<string, SnapshotDocumentMetadata>();
  let bytes = 0;
  for (let afterId = ''; ; ) {
    if (options.stopped()) throw errors.illegalState('the bootstrap stopped');
    const answer = (await options.fetch(afterId)) as { document_columns?: unknown };
    if (answer.document_columns === undefined) return undefined;
    const documents = decodeDocumentColumns(answer.document_columns);
    const wire = documentColumnsWireBytes(answer.document_columns as DocumentColumns);
    bytes += wire;
    await options.pace(wire);
    if (documents.length === 0) return { byId, bytes };
    for (const document of documents) {
      if (document.id <= afterId) throw errors.illegalState(`the leader's restore chunk after [${afterId}] went back to [${document.id}]`);
      byId.set(document.id, document);
      afterId = document.id;
    }
  }
}

/**
 * The live documents of one copied segment (with its deletes at the snapshot's seq_no) that the
 * leader's snapshot holds exactly so, each removed from `leader`, with its source from the files,
 * in batches of `batchDocs` (the caller stores each and lets other work run before the next). A
 * document that differs in anything (or is not live, or not in `leader`) is left there.
 */
export function* documentsFromSegment(segment: Segment, metadata: DocMetadata, leader: Map<string, SnapshotDocumentMetadata>, batchDocs: number): Generator<StoredDocument[], void, void> {
  let documents: StoredDocument[] = [];
  const sources = segment.sources;
  // The texts are read a window of about a megabyte at a time (a large segment's stay in its file).
  let windowFirst = 0;
  let windowLast = 0;
  let window: Buffer = Buffer.alloc(0);
  const textOf = (doc: number): string => {
    if (doc >= windowLast) {
      windowFirst = doc;
      windowLast = doc + 1;
      while (windowLast < segment.maxDoc && sources.offsetOf(windowLast + 1) - sources.offsetOf(windowFirst) <= sourceWindowBytes) windowLast++;
      const bytes = sources.bytesOf(windowFirst, windowLast);
      window = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const base = sources.offsetOf(windowFirst);
    return window.toString('utf8', sources.offsetOf(doc) - base, sources.offsetOf(doc + 1) - base);
  };
  for (let doc = 0; doc < segment.maxDoc; doc++) {
    if (!isLive(segment, doc)) continue;
    const id = segment.ids[doc]!;
    const described = leader.get(id);
    if (described === undefined) continue;
    if (metadata.seqNos[doc] !== described.seqNo || metadata.primaryTerms[doc] !== described.primaryTerm || metadata.versions[doc] !== described.version) continue;
    const routing = metadata.routings?.[doc] ?? null;
    if (routing !== (described.routing ?? null)) continue;
    // The segment keeps what the `_source` mapping stores, which need not be the document's text.
    if (sources.offsetOf(doc + 1) - sources.offsetOf(doc) !== described.sourceBytes) continue;
    leader.delete(id);
    const source = textOf(doc);
    const { seqNo, primaryTerm, version } = described;
    documents.push(routing === null ? { id, source, seqNo, primaryTerm, version } : { id, source, seqNo, primaryTerm, version, routing });
    if (documents.length === batchDocs) {
      yield documents;
      documents = [];
    }
  }
  if (documents.length > 0) yield documents;
}

/**
 * Stores the documents of the copied segments, a segment at a time in the order listed, each as
 * soon as `written(position)` says its files are in: each segment's documents the description
 * holds exactly so (`documentsFromSegment`, `batchDocs` per `store` call, `between` awaited after
 * each), then the rest of the description by id with their sources (`fetchByIds`, `batchDocs` ids
 * a call; it must answer every one). A segment whose files do not load is reported
 * (`unloadable`) and its documents come by id. The loaded segments are put in `loaded`, by name.
 * Answers how many documents came by id.
 */
export async function storeDocumentsFromFiles(options: {
  readonly directory: string;
  readonly segments: readonly { readonly name: string; readonly maxDoc: number; readonly deleted: readonly number[] }[];
  readonly written: (position: number) => Promise<void>;
  readonly described: LeaderDocuments;
  readonly batchDocs: number;
  readonly store: (documents: readonly StoredDocument[]) => void;
  readonly between: () => Promise<void>;
  readonly unloadable: (name: string, reason: string) => void;
  readonly fetchByIds: (ids: string[]) => Promise<readonly StoredDocument[]>;
  readonly loaded: Map<string, { readonly segment: Segment; readonly metadata: DocMetadata }>;
}): Promise<number> {
  const { described, batchDocs } = options;
  for (let position = 0; position < options.segments.length; position++) {
    await options.written(position);
    const entry = options.segments[position]!;
    let loaded: { segment: Segment; metadata: DocMetadata };
    try {
      loaded = loadListedSegment(options.directory, entry, 'what the leader described');
    } catch (error) {
      options.unloadable(entry.name, (error as Error).message);
      continue;
    }
    options.loaded.set(entry.name, loaded);
    for (const documents of documentsFromSegment(loaded.segment, loaded.metadata, described.byId, batchDocs)) {
      options.store(documents);
      await options.between();
    }
  }
  const left = [...described.byId.keys()];
  for (let at = 0; at < left.length; at += batchDocs) {
    const ids = left.slice(at, at + batchDocs);
    const documents = await options.fetchByIds(ids);
    if (documents.length !== ids.length) throw errors.illegalState(`the leader's restore session answered [${documents.length}] of the [${ids.length}] documents asked for by id`);
    options.store(documents);
  }
  return left.length;
}

/** Bytes of `_source` texts read from a segment at a time. */
const sourceWindowBytes = 1024 * 1024;
