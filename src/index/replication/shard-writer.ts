/**
 * Runs a shard's bulk items on the primary's store with internal versioning (Elasticsearch's
 * InternalEngine rules for index, create and delete, `if_seq_no`/`if_primary_term`): what the
 * `indices:data/write/bulk[s]` action executes before the operations are replicated. Each item
 * either writes one operation (a new seq_no under the primary's term) or fails alone, as a bulk
 * item does. Runs inside the caller's store transaction.
 */
import { errors, type EsError } from '../../common/errors.js';
import type { ShardStore } from '../store/shard-store.js';

export interface ShardWriteItem {
  readonly op: 'index' | 'create' | 'delete';
  readonly id: string;
  /** The `_source` as JSON text (index and create). */
  readonly source?: string;
  readonly routing?: string;
  readonly ifSeqNo?: number;
  readonly ifPrimaryTerm?: number;
}

export type ShardWriteResult =
  | { readonly id: string; readonly result: 'created' | 'updated' | 'deleted' | 'not_found'; readonly version: number; readonly seqNo: number; readonly primaryTerm: number; readonly status: number }
  | { readonly id: string; readonly error: EsError };

/** Writes the items in order; a failed item writes nothing. */
export type ShardWriter = (store: ShardStore, items: readonly ShardWriteItem[], target: { readonly index: string; readonly shard: number }) => ShardWriteResult[];

export const internalVersionWriter: ShardWriter = (store, items, target) =>
  items.map((item): ShardWriteResult => {
    const current = store.versionInfo(item.id);
    const live = current !== undefined && !current.deleted;
    const conflict = (reason: string): ShardWriteResult => ({ id: item.id, error: errors.versionConflict(item.id, reason, target.index, String(target.shard)) });
    if (item.ifSeqNo !== undefined || item.ifPrimaryTerm !== undefined) {
      if (!live) return conflict(`required seqNo [${item.ifSeqNo}], primary term [${item.ifPrimaryTerm}] but no document was found`);
      if (current.seqNo !== item.ifSeqNo || current.primaryTerm !== item.ifPrimaryTerm) {
        return conflict(`required seqNo [${item.ifSeqNo}], primary term [${item.ifPrimaryTerm}]. current document has seqNo [${current.seqNo}] and primary term [${current.primaryTerm}]`);
      }
    }
    if (item.op === 'create' && live) return conflict(`document already exists (current version [${current.version}])`);
    const version = (current?.version ?? 0) + 1;
    if (item.op === 'delete') {
      // A delete of a missing document still writes a tombstone operation (Elasticsearch does).
      const written = store.delete(item.id, version);
      return { id: item.id, result: live ? 'deleted' : 'not_found', version, seqNo: written.seqNo, primaryTerm: written.primaryTerm, status: live ? 200 : 404 };
    }
    const written = store.index(item.id, item.source!, version, item.routing);
    return { id: item.id, result: live ? 'updated' : 'created', version, seqNo: written.seqNo, primaryTerm: written.primaryTerm, status: live ? 200 : 201 };
  });
