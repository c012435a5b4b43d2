/**
 * How each shard's store came to be open on this node, for `_cat/recovery` (Elasticsearch's
 * RecoveryState of a store recovery). Strait recovers only from its own disk:
 * - `existing_store`: the index was on disk when the node started (or was reopened); every file
 *   of the shard is reused, so nothing is copied (files and bytes to recover are 0, 100.0%);
 * - `empty_store`: the index was created on this node and started with empty files.
 * Stores open together at start: their start time is when the node began opening them and their
 * stop time when all were open. A created index starts at its creation date and stops when its
 * stores are open; a reopened index when its reopen is done (the hook runs after the stores opened,
 * so its time is the hook's moment, not measured). The stage is always `done`: a store is
 * either open or the index is closed.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IndexHandle, IndicesService } from './indices-service.js';
import { searcherDirectory } from './searcher/searcher-files.js';

export type StoreRecoveryType = 'empty_store' | 'existing_store';

export interface ShardFiles {
  readonly files: number;
  readonly bytes: number;
}

export interface StoreRecovery {
  readonly index: string;
  readonly type: StoreRecoveryType;
  readonly startMs: number;
  readonly stopMs: number;
  /** Per shard number: the files and bytes the shard had when it opened. */
  readonly shards: readonly ShardFiles[];
}

/** How many shard stores an open index has (0 when closed). */
export function openShardCount(handle: IndexHandle): number {
  return handle.metadata.state === 'open' ? (handle.shards?.length ?? 0) : 0;
}

function filesIn(directory: string, accept: (name: string) => boolean): ShardFiles {
  let files = 0;
  let bytes = 0;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return { files, bytes };
  }
  for (const name of names) {
    if (!accept(name)) continue;
    try {
      const stats = statSync(path.join(directory, name));
      if (!stats.isFile()) continue;
      files++;
      bytes += stats.size;
    } catch {
      // Gone between listing and stat: it is not part of the shard any more.
    }
  }
  return { files, bytes };
}

/** A shard's files: its store (`shard-N.db` with SQLite's -wal/-shm) and its persisted segments. */
export function shardFiles(indexDirectory: string, shard: number): ShardFiles {
  const store = filesIn(indexDirectory, (name) => name.startsWith(`shard-${shard}.db`));
  const segments = filesIn(searcherDirectory(indexDirectory, shard), () => true);
  return { files: store.files + segments.files, bytes: store.bytes + segments.bytes };
}

export class RecoveryLog {
  private readonly byUuid = new Map<string, StoreRecovery>();

  /**
   * `storesOpeningMs`: when the node began opening the stores of the indices on disk (before
   * `openIndicesService`); the log is made right after it returns.
   */
  constructor(
    private readonly indices: IndicesService,
    storesOpeningMs: number,
    private readonly nowMs: () => number,
  ) {
    const openedMs = nowMs();
    for (const handle of indices.all()) {
      if (openShardCount(handle) > 0) this.record(handle, 'existing_store', storesOpeningMs, openedMs);
    }
    indices.addListener({
      indexCreated: (handle) => this.record(handle, 'empty_store', Math.min(handle.metadata.creationDateMs, this.nowMs()), this.nowMs()),
      indexOpened: (handle) => this.record(handle, 'existing_store', this.nowMs(), this.nowMs()),
      indexDeleted: (index) => this.byUuid.delete(index.uuid),
      indexClosed: (index) => this.byUuid.delete(index.uuid),
    });
  }

  private record(handle: IndexHandle, type: StoreRecoveryType, startMs: number, stopMs: number): void {
    const directory = this.indices.indexDirectory(handle.uuid);
    // An empty store recovers nothing: its new files are made, not recovered (Elasticsearch shows 0).
    const shards = Array.from({ length: openShardCount(handle) }, (_, shard) => (type === 'empty_store' ? { files: 0, bytes: 0 } : shardFiles(directory, shard)));
    this.byUuid.set(handle.uuid, { index: handle.name, type, startMs, stopMs, shards });
  }

  /** The recovery of an open index's stores (undefined: closed, or not opened by this node). */
  of(handle: IndexHandle): StoreRecovery | undefined {
    return this.byUuid.get(handle.uuid);
  }
}
