/**
 * When the write-ahead log checkpointer's thread checkpoints a store (pure, style P1; time is an
 * input). A readable wal-index header decides by SQLite's own rule: at least `framesMin` frames
 * wait. An unreadable one (no `-shm` file yet, a store that is gone, a header this code does not
 * know) says nothing about what waits: the store is checkpointed blind, in case frames do wait, but
 * at most once every `blindIntervalMs` per store, not at every tick. Each blind checkpoint opens a
 * connection, and for a store with no `-shm` file that connection creates one and its close
 * removes it again, so the next tick would find it unreadable once more: at every tick (100 ms),
 * for every such store, for ever.
 */

export interface CheckpointPolicy {
  readonly framesMin: number;
  readonly blindIntervalMs: number;
}

/**
 * Whether to checkpoint now: `pendingFrames` from the header (undefined: unreadable),
 * `lastBlindMs` when this store was last checkpointed blind (undefined: never).
 */
export function shouldCheckpoint(pendingFrames: number | undefined, lastBlindMs: number | undefined, nowMs: number, policy: CheckpointPolicy): boolean {
  if (pendingFrames !== undefined) return pendingFrames >= policy.framesMin;
  return lastBlindMs === undefined || nowMs - lastBlindMs >= policy.blindIntervalMs;
}
