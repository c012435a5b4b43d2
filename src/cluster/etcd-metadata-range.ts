/**
 * One etcd key range of node-kept metadata shared by every node of a multi-node cluster (I/O
 * shell, issue #14); the security metadata (`<prefix>security/`) is its user. Each object is
 * one key; what a key's value means, and whether an event is newer than what the node holds, is
 * the target's (pure) business: this file only reads, writes and watches etcd.
 *
 * - `start()`: reads the whole range (and the revision of that read), hands it to the target,
 *   publishes the entries the target adopts when still absent, then watches from just after the
 *   read, so no change falls between the read and the watch: a node joining, restarting or coming
 *   back converges.
 * - `publish()`: one put or delete, in the order of the calls (a node's two writes of one object
 *   reach etcd in the order it made them); resolves with the revision etcd gave it once the watch
 *   has brought that revision back and the target applied every change up to it (so the node
 *   holds the write even when another node's older write of the object came in between), or
 *   rejects when etcd refused or could not be reached; then a full load follows as soon as etcd
 *   answers again, which puts the node back on etcd's values.
 * - The watch: every put and delete, in revision order, to `apply`. etcd3's watcher resumes from
 *   its last revision after a lost connection; a watch etcd cancels (its revision compacted away)
 *   is replaced by a full load.
 */
import type { Logger } from 'pino';
import type { Etcd3, Watcher } from 'etcd3';
import { errors, limits } from '../common/index.js';

export interface MetadataRangeTarget {
  /**
   * A full read of the range (keys relative to the range's prefix) with each key's mod revision.
   * Returns the entries this node has and etcd never had, to publish when still absent.
   */
  load(entries: ReadonlyMap<string, { readonly value: string; readonly revision: number }>): readonly { readonly key: string; readonly value: string }[];
  /** One watched change (value null: deleted), in revision order; this node's own writes come back this way too. */
  apply(key: string, value: string | null, revision: number): void;
}


export interface MetadataRangeOptions {
  readonly client: Etcd3;
  /** The full prefix, e.g. `/strait/<cluster.name>/security/`. */
  readonly prefix: string;
  readonly target: MetadataRangeTarget;
  readonly log: Logger;
  /** How long to wait between attempts of a full load while etcd is away. */
  readonly retryMs: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class EtcdMetadataRange {
  private watcher: Watcher | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private reloadTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private closed = false;
  /** The highest revision the target has seen: the last full load's, or the last watched event's. */
  private seenRevision = 0;
  private readonly revisionWaiters = new Set<{ readonly revision: number; readonly resolve: () => void }>();

  constructor(private readonly options: MetadataRangeOptions) {}

  /** The first full load and the watch; rejects when etcd cannot be read (the node does not start). */
  async start(): Promise<void> {
    await this.load();
  }

  /** Puts (or, for null, deletes) one key; resolves with etcd's revision for it. */
  publish(key: string, value: string | null): Promise<number> {
    const { client, prefix } = this.options;
    return this.inLine(
      key,
      async () => {
        const response = value === null ? await client.delete().key(`${prefix}${key}`).exec() : await client.put(`${prefix}${key}`).value(value).exec();
        return Number(response.header.revision);
      },
      (revision) => revision,
    );
  }

  /**
   * Puts one key only when etcd has none (a compare-and-swap on its create revision), in line
   * with `publish`; resolves with `created` and the revision of the answer once the target has
   * seen it (so a key another node made first is held here too when it resolves).
   */
  publishIfAbsent(key: string, value: string): Promise<{ readonly created: boolean; readonly revision: number }> {
    const { client, prefix } = this.options;
    return this.inLine(
      key,
      async () => {
        const response = await client.if(`${prefix}${key}`, 'Create', '==', 0).then(client.put(`${prefix}${key}`).value(value)).commit();
        return { created: response.succeeded, revision: Number(response.header.revision) };
      },
      (answer) => answer.revision,
    );
  }

  /**
   * Changes one key by compare-and-swap, in line with `publish`: reads the key (its value, null
   * when absent, and its mod revision), computes the next value with `change` (null: delete; the
   * value read: nothing to write), and writes it only while the key's mod revision is still the
   * one read (its create revision 0 when it was absent). When another writer got there first it
   * reads again and applies `change` to the newer value, so neither writer's change is lost (at
   * most limits.sharedMetadataCompareAndSwapAttemptsMax attempts, then a 503). Resolves with the
   * value written or kept once the target has seen it. What `change` throws is the caller's
   * answer (nothing is written). `change` may be async: a test holds it to order a race.
   */
  update(key: string, change: (current: string | null) => string | null | Promise<string | null>): Promise<{ readonly value: string | null; readonly revision: number }> {
    const { client, prefix } = this.options;
    const full = `${prefix}${key}`;
    const refusals = new WeakSet<object>();
    return this.inLine(
      key,
      async () => {
        const startedMs = performance.now();
        for (let attempt = 1; ; attempt++) {
          const read = await client.get(full).exec();
          const kv = read.kvs[0];
          const current = kv === undefined ? null : kv.value.toString('utf8');
          let next: string | null;
          try {
            next = await change(current);
          } catch (error) {
            if (typeof error === 'object' && error !== null) refusals.add(error);
            throw error;
          }
          if (next === current) return { value: current, revision: Number(read.header.revision) };
          const guard = kv === undefined ? client.if(full, 'Create', '==', 0) : client.if(full, 'Mod', '==', kv.mod_revision);
          const answer = await guard.then(next === null ? client.delete().key(full) : client.put(full).value(next)).commit();
          if (answer.succeeded) return { value: next, revision: Number(answer.header.revision) };
          if (attempt >= limits.sharedMetadataCompareAndSwapAttemptsMax) {
            throw errors.processClusterEventTimeout(`update [${key}]: changed by others at each of ${attempt} attempts`, Math.round(performance.now() - startedMs));
          }
        }
      },
      (answer) => answer.revision,
      (error) => typeof error === 'object' && error !== null && refusals.has(error),
    );
  }

  /**
   * Runs one etcd write after the ones before it (their order is the node's; the waits for the
   * watch overlap) and resolves once the target has seen its revision. A failed write is logged
   * and makes the node reload the range once etcd answers (not when `isAnswer` says the failure is
   * the caller's answer rather than etcd's).
   */
  private inLine<T>(key: string, write: () => Promise<T>, revisionOf: (answer: T) => number, isAnswer: (error: unknown) => boolean = () => false): Promise<T> {
    const attempt = async (): Promise<T> => {
      try {
        return await write();
      } catch (error) {
        if (isAnswer(error)) throw error;
        this.options.log.warn({ key, err: describe(error) }, 'publishing shared metadata to etcd failed; this node reloads the range once etcd answers');
        this.scheduleReload();
        throw error;
      }
    };
    const written = this.queue.then(attempt, attempt);
    this.queue = written.catch(() => undefined);
    return written.then(async (answer) => {
      await this.revisionSeen(revisionOf(answer));
      return answer;
    });
  }

  /**
   * Resolves once the target has seen `revision` (normally within milliseconds), or after
   * limits.sharedMetadataOwnEventWaitMsMax, logged: the write stands, etcd having accepted it.
   */
  private revisionSeen(revision: number): Promise<void> {
    if (this.seenRevision >= revision || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          this.revisionWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.options.log.warn({ revision, seen: this.seenRevision }, 'the shared metadata watch did not bring this write back in time; answering anyway (etcd accepted it)');
        waiter.resolve();
      }, limits.sharedMetadataOwnEventWaitMsMax);
      this.revisionWaiters.add(waiter);
    });
  }

  private saw(revision: number): void {
    if (revision <= this.seenRevision) return;
    this.seenRevision = revision;
    for (const waiter of this.revisionWaiters) if (waiter.revision <= revision) waiter.resolve();
  }

  private async load(): Promise<void> {
    if (this.loading !== undefined) return this.loading;
    const { client, prefix, target, log } = this.options;
    this.loading = (async () => {
      await this.watcher?.cancel().catch(() => undefined);
      this.watcher = undefined;
      const response = await client.getAll().prefix(prefix).exec();
      const entries = new Map<string, { value: string; revision: number }>();
      for (const kv of response.kvs) entries.set(kv.key.toString('utf8').slice(prefix.length), { value: kv.value.toString('utf8'), revision: Number(kv.mod_revision) });
      const adopt = target.load(entries);
      this.saw(Number(response.header.revision));
      const watcher = await client.watch().prefix(prefix).startRevision(String(BigInt(response.header.revision) + 1n)).create();
      this.watcher = watcher;
      const onEvent = (kv: { key: Buffer; value: Buffer; mod_revision: string }, deleted: boolean): void => {
        const revision = Number(kv.mod_revision);
        try {
          target.apply(kv.key.toString('utf8').slice(prefix.length), deleted ? null : kv.value.toString('utf8'), revision);
        } catch (error) {
          // A failed apply (the node's database) must not stop later changes; the next full load retries it.
          log.error({ err: describe(error), revision }, 'applying a shared metadata change failed; reloading the range');
          this.scheduleReload();
        }
        this.saw(revision);
      };
      watcher.on('put', (kv) => onEvent(kv, false));
      watcher.on('delete', (kv) => onEvent(kv, true));
      watcher.on('error', (error: unknown) => {
        log.warn({ err: describe(error) }, 'the shared metadata watch was cancelled; reloading the range');
        this.scheduleReload();
      });
      // Published only when absent: two nodes adopting one object keep the first; the watch brings it to the other.
      for (const { key, value } of adopt) {
        await client.if(`${prefix}${key}`, 'Create', '==', 0).then(client.put(`${prefix}${key}`).value(value)).commit();
      }
      if (adopt.length > 0) log.info({ adopted: adopt.length }, 'shared metadata this node had before it shared it');
    })();
    try {
      await this.loading;
    } finally {
      this.loading = undefined;
    }
  }

  private scheduleReload(): void {
    if (this.closed || this.reloadTimer !== undefined) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      if (this.closed) return;
      this.load().catch((error: unknown) => {
        this.options.log.warn({ err: describe(error) }, 'reloading the shared metadata failed; retrying');
        this.scheduleReload();
      });
    }, this.options.retryMs);
    this.reloadTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reloadTimer !== undefined) clearTimeout(this.reloadTimer);
    for (const waiter of this.revisionWaiters) waiter.resolve();
    await this.watcher?.cancel().catch(() => undefined);
  }
}
