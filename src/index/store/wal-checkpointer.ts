/**
 * Write-ahead log checkpoints off the main thread (I/O shell). SQLite's automatic checkpoint runs
 * inside the COMMIT that grows the log past 1,000 pages: on the main thread, that commit copies
 * the log into the database file and fsyncs it (about 10 ms on this machine), and every search and
 * write waiting behind it waits as long. With a checkpointer, each shard database turns the
 * automatic checkpoint off and one worker thread per node does it instead, by the same rule (at
 * least `framesMin` frames waiting, SQLite's default of 1,000), with PASSIVE checkpoints that
 * never block the main thread's connection. Durability is unchanged: a checkpoint only copies
 * committed frames, syncing the log first and the database after, as SQLite's own does.
 *
 * Each registered store has a slot in a shared state array: OPEN (the worker may checkpoint it),
 * BUSY (the worker holds a connection to it), CLOSED. `release` (the store closing) moves OPEN to
 * CLOSED, waiting out a BUSY checkpoint first, so the worker never holds a connection to a file
 * that is closed, reset or deleted (its close could otherwise be the last one, which removes the
 * log by path). Slots are never reused. When the worker stops, or the slots run out, stores go
 * back to SQLite's automatic checkpoint (`fallback`).
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { spawnModuleWorker } from '../../common/module-worker.js';

export const SLOT = { free: 0, open: 1, busy: 2, closed: 3 } as const;

export const walCheckpointerLimits = {
  /** Shard stores registered over a node's life (a slot each, never reused); later ones use SQLite's own checkpoint. */
  slotsMax: 65_536,
  /** SQLite's `wal_autocheckpoint` default: checkpoint once this many frames wait. */
  framesMin: 1_000,
  /** How often the worker reads each store's wal-index header (ms). */
  tickMs: 100,
  /** A store whose wal-index header cannot be read is checkpointed at most this often (ms; wal-checkpoint-policy.ts). */
  blindIntervalMs: 5_000,
  /** How long a closing store waits for a running checkpoint before giving up on the worker (ms). */
  releaseWaitMs: 60_000,
} as const;

export interface CheckpointerWorkerData {
  readonly states: SharedArrayBuffer;
  readonly framesMin: number;
  readonly tickMs: number;
  readonly blindIntervalMs: number;
}

export type CheckpointerMessage = { readonly kind: 'add'; readonly slot: number; readonly file: string };
export type CheckpointerReport =
  | { readonly kind: 'checkpointed'; readonly slot: number; readonly frames: number }
  | { readonly kind: 'failed'; readonly slot: number; readonly reason: string };

/** A store's registration: `release` before its connection closes. */
export interface CheckpointSlot {
  release(): void;
}

export class WalCheckpointer {
  private readonly states = new Int32Array(new SharedArrayBuffer(walCheckpointerLimits.slotsMax * 4));
  private nextSlot = 1; // slot 0 stays free
  private readonly fallbacks = new Map<number, () => void>();
  private stopped = false;
  private exited = false;
  private checkpointsDone = 0;
  private readonly worker: Worker;

  constructor(private readonly log: Logger) {
    const workerData: CheckpointerWorkerData = {
      states: this.states.buffer as SharedArrayBuffer,
      framesMin: walCheckpointerLimits.framesMin,
      tickMs: walCheckpointerLimits.tickMs,
      blindIntervalMs: walCheckpointerLimits.blindIntervalMs,
    };
    this.worker = spawnModuleWorker(import.meta.url, 'wal-checkpoint-worker', { workerData });
    this.worker.unref();
    this.worker.on('message', (report: CheckpointerReport) => {
      if (report.kind === 'checkpointed') this.checkpointsDone++;
      else this.log.warn({ reason: report.reason }, 'a background write-ahead log checkpoint failed; it is retried at the next tick');
    });
    this.worker.on('error', (error: Error) => this.fallBack(error.message));
    this.worker.on('exit', (code: number) => {
      this.exited = true;
      this.fallBack(`exit code [${code}]`);
    });
  }

  /** Checkpoints the worker finished (for tests and stats). */
  get checkpoints(): number {
    return this.checkpointsDone;
  }

  /**
   * Registers a store's database; undefined when the caller must keep SQLite's automatic
   * checkpoint (worker stopped, or no slot left). `fallback` turns it back on should the worker stop.
   */
  register(file: string, fallback: () => void): CheckpointSlot | undefined {
    if (this.stopped || this.nextSlot >= walCheckpointerLimits.slotsMax) return undefined;
    const slot = this.nextSlot++;
    Atomics.store(this.states, slot, SLOT.open);
    this.fallbacks.set(slot, fallback);
    this.worker.postMessage({ kind: 'add', slot, file } satisfies CheckpointerMessage);
    return { release: () => this.release(slot) };
  }

  private release(slot: number): void {
    this.fallbacks.delete(slot);
    const deadline = Date.now() + walCheckpointerLimits.releaseWaitMs;
    // A worker that exited closed its connections with it (better-sqlite3 closes them at thread exit).
    while (!this.exited && Atomics.compareExchange(this.states, slot, SLOT.open, SLOT.closed) === SLOT.busy) {
      // A checkpoint of this store is running: it ends with a notify (tens of ms at most).
      const left = deadline - Date.now();
      if (left <= 0) {
        this.log.error({ slot }, 'a write-ahead log checkpoint did not end; closing the store anyway');
        break;
      }
      Atomics.wait(this.states, slot, SLOT.busy, left);
    }
    Atomics.store(this.states, slot, SLOT.closed);
  }

  private fallBack(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.log.error({ reason }, 'the write-ahead log checkpointer stopped; shard stores checkpoint on their own again');
    for (const fallback of this.fallbacks.values()) fallback();
    this.fallbacks.clear();
  }

  /** Stops the worker (node shutdown, after every store closed). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const fallback of this.fallbacks.values()) fallback();
    this.fallbacks.clear();
    await this.worker.terminate();
  }
}
