/**
 * The latest recovery of each shard copy a multi-node node holds (Elasticsearch's RecoveryState,
 * which `_cat/recovery` prints): pure, time an input (style P1); the replication service feeds it
 * the events of its copies.
 *
 * - A primary opened from its own store: `empty_store` (a new shard) or `existing_store` (the copy
 *   the node held), done at once: the files it holds are reused, nothing is copied.
 * - A replica recovered from its primary on another node: `peer`. Stages as Elasticsearch names
 *   them: `init` until the primary answers, `index` while a full copy brings the documents (Strait
 *   copies the primary's documents rather than its files: the one shard store file is what the
 *   copy rebuilds, so a full copy counts one file, and its bytes are the UTF-8 bytes of the ids
 *   and sources, announced by the primary and counted as they arrive), `translog` while the
 *   retained operations are replayed (their number announced by the primary), `finalize`, `done`.
 * A promoted replica keeps its peer recovery (Elasticsearch does not recover a promoted copy).
 */

export type CopyRecoveryType = 'empty_store' | 'existing_store' | 'peer';
export type CopyRecoveryStage = 'init' | 'index' | 'translog' | 'finalize' | 'done';

export interface CopyRecovery {
  readonly index: string;
  readonly indexUuid: string;
  readonly shard: number;
  readonly allocationId: string;
  readonly type: CopyRecoveryType;
  readonly stage: CopyRecoveryStage;
  readonly startMs: number;
  /** Undefined while the recovery runs. */
  readonly stopMs: number | undefined;
  /** The node the copy recovered from (peer only). */
  readonly sourceNodeId: string | undefined;
  /** Files to recover (copied) and recovered; `filesReused`: files the copy kept as they were. */
  readonly filesToRecover: number;
  readonly filesRecovered: number;
  readonly filesReused: number;
  readonly bytesToRecover: number;
  readonly bytesRecovered: number;
  readonly bytesReused: number;
  /** Operations to replay (-1: not known yet) and replayed. */
  readonly translogOps: number;
  readonly translogOpsRecovered: number;
}

export interface StoreFiles {
  readonly files: number;
  readonly bytes: number;
}

export type CopyRecoveryEvent =
  /** The full copy starts: the primary announces the bytes of its documents. */
  | { readonly kind: 'documents_started'; readonly bytes: number }
  | { readonly kind: 'documents_received'; readonly bytes: number }
  | { readonly kind: 'documents_done' }
  /** Operations replayed; `total`: how many the primary replays in all. */
  | { readonly kind: 'operations_received'; readonly count: number; readonly total: number }
  | { readonly kind: 'finalize' }
  | { readonly kind: 'done'; readonly nowMs: number };

interface CopyRef {
  readonly index: string;
  readonly indexUuid: string;
  readonly shard: number;
  readonly allocationId: string;
}

/** A primary opened from its own store: done when it opened, its files all reused (none for an empty store). */
export function storeRecovery(copy: CopyRef, type: 'empty_store' | 'existing_store', files: StoreFiles, startMs: number, stopMs: number): CopyRecovery {
  const reused = type === 'empty_store' ? { files: 0, bytes: 0 } : files;
  return {
    ...copy,
    type,
    stage: 'done',
    startMs,
    stopMs,
    sourceNodeId: undefined,
    filesToRecover: 0,
    filesRecovered: 0,
    filesReused: reused.files,
    bytesToRecover: 0,
    bytesRecovered: 0,
    bytesReused: reused.bytes,
    translogOps: 0,
    translogOpsRecovered: 0,
  };
}

/** A replica starting to recover from its primary on `sourceNodeId`. */
export function peerRecovery(copy: CopyRef, sourceNodeId: string, startMs: number): CopyRecovery {
  return {
    ...copy,
    type: 'peer',
    stage: 'init',
    startMs,
    stopMs: undefined,
    sourceNodeId,
    filesToRecover: 0,
    filesRecovered: 0,
    filesReused: 0,
    bytesToRecover: 0,
    bytesRecovered: 0,
    bytesReused: 0,
    translogOps: -1,
    translogOpsRecovered: 0,
  };
}

export function stepCopyRecovery(state: CopyRecovery, event: CopyRecoveryEvent): CopyRecovery {
  if (state.stage === 'done') return state;
  switch (event.kind) {
    case 'documents_started':
      // A new full copy (one retried within the same recovery) starts over.
      return { ...state, stage: 'index', filesToRecover: 1, filesRecovered: 0, bytesToRecover: event.bytes, bytesRecovered: 0 };
    case 'documents_received':
      return { ...state, stage: 'index', bytesRecovered: state.bytesRecovered + event.bytes };
    case 'documents_done':
      return { ...state, stage: 'translog', filesRecovered: state.filesToRecover, bytesToRecover: Math.max(state.bytesToRecover, state.bytesRecovered) };
    case 'operations_received':
      return { ...state, stage: 'translog', translogOps: Math.max(event.total, state.translogOpsRecovered + event.count), translogOpsRecovered: state.translogOpsRecovered + event.count };
    case 'finalize':
      return { ...state, stage: 'finalize', translogOps: state.translogOps === -1 ? state.translogOpsRecovered : state.translogOps };
    case 'done':
      return { ...state, stage: 'done', stopMs: event.nowMs, translogOps: state.translogOps === -1 ? state.translogOpsRecovered : state.translogOps };
  }
}

/** Elasticsearch's percentages as `_cat/recovery` prints them (one decimal). */
export function recoveryPercents(state: CopyRecovery): { readonly files: string; readonly bytes: string; readonly translogOps: string } {
  const percent = (value: number): string => `${value.toFixed(1)}%`;
  // Nothing to copy: 100% once the copy knows its files (a store recovery, or a full copy done),
  // 0% while it knows none (Elasticsearch's RecoveryState.Index before any file details).
  const known = state.filesToRecover + state.filesReused > 0;
  const files = state.filesToRecover === 0 ? (known ? 100 : 0) : (100 * state.filesRecovered) / state.filesToRecover;
  const bytes = state.bytesToRecover === 0 ? (known ? 100 : 0) : (100 * Math.min(state.bytesRecovered, state.bytesToRecover)) / state.bytesToRecover;
  const operations = state.translogOps === -1 ? -1 : state.translogOps === 0 ? 100 : (100 * state.translogOpsRecovered) / state.translogOps;
  return { files: percent(files), bytes: percent(bytes), translogOps: percent(operations) };
}
