/**
 * Segment builds off the main thread (issue 10's bootstrap): one worker thread
 * (segment-build-worker.ts), started on first use and stopped after a while without work, builds
 * segments from documents the main thread hands it, one job after another. While a follower's
 * bootstrap copies the leader's documents into its store on the main thread, the worker builds the
 * segments of the documents copied so far on another core; the main thread then only loads them
 * (as a restart loads persisted segments) instead of building them all once the copy ends.
 *
 * Failure paths: a job the worker answers with an error, a worker that dies (every job in flight
 * fails with it; the next job starts a new worker) and a job past its time limit (the worker is
 * stopped) all reject, and the caller builds the documents itself as before. Nothing here is the
 * truth: the documents are in the shard store already.
 */
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../../common/module-worker.js';
import type { RootMapping } from '../mapping/index.js';
import type { VersionedDocument } from './searcher-state.js';

export interface BuildJob {
  readonly id: number;
  readonly mappings: RootMapping;
  /** The index settings (flat), for its analysis definitions. */
  readonly settings: Readonly<Record<string, string>>;
  readonly ignoreMalformed: boolean;
  readonly name: string;
  readonly maxSeqNo: number;
  readonly documents: readonly VersionedDocument[];
}

export type BuildAnswer =
  | { readonly id: number; readonly ok: true; readonly segment: ArrayBuffer; readonly metadata: ArrayBuffer; readonly unparsable: readonly string[] }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** A built segment in its file formats (segment-codec.ts, searcher-files.ts `encodeDocMetadata`). */
export interface WorkerBuiltSegment {
  readonly name: string;
  readonly segment: Buffer;
  readonly metadata: Buffer;
  readonly unparsable: readonly string[];
}

/** Limits (style P4). */
export interface SegmentBuildLimits {
  readonly idleStopMs: number;
  readonly jobMsBase: number;
  readonly jobMsPerDocument: number;
}

export const segmentBuildLimits: SegmentBuildLimits = {
  /** A worker with no job for this long is stopped (ms): it holds a V8 heap of its own. */
  idleStopMs: 10_000,
  /** A job's time limit: this much plus `jobMsPerDocument` per document (ms). */
  jobMsBase: 60_000,
  jobMsPerDocument: 1,
};

export interface SegmentBuilder {
  build(job: Omit<BuildJob, 'id'>): Promise<WorkerBuiltSegment>;
}

/** A job sent to the worker and not answered. */
interface PendingJob {
  readonly name: string;
  readonly resolve: (built: WorkerBuiltSegment) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class SegmentBuildPool implements SegmentBuilder {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, PendingJob>();
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    /** How a worker is started (tests start one that fails). */
    private readonly spawn: () => Worker = () => spawnModuleWorker(import.meta.url, 'segment-build-worker'),
    private readonly limits: SegmentBuildLimits = segmentBuildLimits,
  ) {}

  /** Jobs sent and not answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Whether a worker thread runs now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  build(job: Omit<BuildJob, 'id'>): Promise<WorkerBuiltSegment> {
    if (this.closed) return Promise.reject(new Error('the segment build pool is closed'));
    const id = this.nextId++;
    const worker = this.started();
    worker.ref(); // a job in flight keeps the process alive, as any pending I/O does
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    return new Promise<WorkerBuiltSegment>((resolve, reject) => {
      const limitMs = this.limits.jobMsBase + this.limits.jobMsPerDocument * job.documents.length;
      const timer = setTimeout(() => this.stopWorker(worker, new Error(`segment build [${job.name}] took longer than ${limitMs} ms`)), limitMs);
      timer.unref();
      this.pending.set(id, { name: job.name, resolve, reject, timer });
      try {
        worker.postMessage({ ...job, id } satisfies BuildJob);
      } catch (error) {
        this.settle(id)?.reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Stops the worker; jobs in flight fail. */
  close(): void {
    this.closed = true;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    if (this.worker !== undefined) this.stopWorker(this.worker, new Error('the segment build pool is closed'));
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = this.spawn();
    worker.unref(); // an idle worker never keeps the process alive (`build` refs it while jobs are in flight)
    worker.on('message', (answer: BuildAnswer) => this.answered(answer));
    worker.on('error', (error) => this.stopWorker(worker, error));
    worker.on('exit', (code) => this.stopWorker(worker, new Error(`the segment build worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private answered(answer: BuildAnswer): void {
    const job = this.settle(answer.id);
    if (job !== undefined) {
      if (answer.ok) job.resolve({ name: job.name, segment: Buffer.from(answer.segment), metadata: Buffer.from(answer.metadata), unparsable: answer.unparsable });
      else job.reject(new Error(answer.message));
    }
    if (this.pending.size === 0 && this.worker !== undefined && this.idleTimer === undefined) {
      const worker = this.worker;
      worker.unref();
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.pending.size === 0 && this.worker === worker) this.stopWorker(worker, new Error('idle'));
      }, this.limits.idleStopMs);
      this.idleTimer.unref();
    }
  }

  private settle(id: number): PendingJob | undefined {
    const job = this.pending.get(id);
    if (job === undefined) return undefined;
    this.pending.delete(id);
    clearTimeout(job.timer);
    return job;
  }

  /** Forgets `worker` (once) and fails every job in flight on it. */
  private stopWorker(worker: Worker, reason: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    void worker.terminate();
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(reason);
  }
}

/** The process's pool (its worker starts on first use). */
export const segmentBuildPool = new SegmentBuildPool();
