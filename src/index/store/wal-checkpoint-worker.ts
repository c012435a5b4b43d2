/**
 * The write-ahead log checkpointer's thread (see wal-checkpointer.ts). Every tick it reads each
 * registered shard database's wal-index header (the `-shm` file, SQLite's documented format:
 * `mxFrame` at byte 16, `nBackfill` at byte 96, native byte order) and, when at least
 * `framesMin` frames wait to be copied into the database, runs a PASSIVE checkpoint through its
 * own short-lived connection: it copies what no reader still needs and fsyncs the database, and
 * never blocks the main thread's readers or writer. A slot is only checkpointed after moving it
 * from OPEN to BUSY in the shared state array, and goes back to OPEN (with a notify) when the
 * connection is closed again; the main thread closes its store only from OPEN, so this thread never
 * holds a connection to a store being closed, reset or deleted.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SLOT, type CheckpointerMessage, type CheckpointerReport, type CheckpointerWorkerData } from './wal-checkpointer.js';
import { shouldCheckpoint } from './wal-checkpoint-policy.js';

const data = workerData as CheckpointerWorkerData;
const states = new Int32Array(data.states);
const files = new Map<number, string>();
/** When each store was last checkpointed with an unreadable header (wal-checkpoint-policy.ts). */
const blindAt = new Map<number, number>();
const header = Buffer.alloc(100);
const WAL_INDEX_VERSION = 3007000;

/** Frames written to the log and not yet copied into the database, or undefined when unknown. */
function pendingFrames(file: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(`${file}-shm`, 'r');
  } catch {
    return undefined; // no wal-index yet (or the store is gone)
  }
  try {
    if (readSync(fd, header, 0, header.length, 0) < header.length) return undefined;
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32LE(0) !== WAL_INDEX_VERSION || header[12] !== 1) return undefined;
  return header.readUInt32LE(16) - header.readUInt32LE(96);
}

function checkpoint(slot: number, file: string): void {
  if (Atomics.compareExchange(states, slot, SLOT.open, SLOT.busy) !== SLOT.open) return;
  try {
    const db = new Database(file, { fileMustExist: true, timeout: 0 });
    try {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      if (result !== undefined) parentPort!.postMessage({ kind: 'checkpointed', slot, frames: result.checkpointed } satisfies CheckpointerReport);
    } finally {
      db.close();
    }
  } catch (error) {
    parentPort!.postMessage({ kind: 'failed', slot, reason: (error as Error).message } satisfies CheckpointerReport);
  } finally {
    Atomics.store(states, slot, SLOT.open);
    Atomics.notify(states, slot);
  }
}

function tick(): void {
  const nowMs = performance.now();
  for (const [slot, file] of files) {
    const state = Atomics.load(states, slot);
    if (state === SLOT.closed) {
      files.delete(slot);
      blindAt.delete(slot);
      continue;
    }
    const pending = pendingFrames(file);
    // An unreadable header: checkpoint anyway (PASSIVE does nothing when nothing waits), but not at every tick.
    if (!shouldCheckpoint(pending, blindAt.get(slot), nowMs, data)) continue;
    if (pending === undefined) blindAt.set(slot, nowMs);
    checkpoint(slot, file);
  }
}

parentPort!.on('message', (message: CheckpointerMessage) => {
  if (message.kind === 'add') files.set(message.slot, message.file);
});
setInterval(tick, data.tickMs);
