/**
 * Write-ahead log checkpoints on the node's checkpointer thread (issue 13: searches and writes no
 * longer wait behind the checkpoint SQLite runs inside the commit that grows the log past 1,000
 * pages). The checkpointer follows SQLite's own rule (https://www.sqlite.org/wal.html#automatic_checkpoint)
 * from the wal-index header, checkpoints PASSIVE through its own connection, and never holds a
 * connection to a store that is closing, reset or deleted; if it stops, stores go back to SQLite's
 * automatic checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ShardStore } from '../../../src/index/index.js';
import { WalCheckpointer, walCheckpointerLimits } from '../../../src/index/store/wal-checkpointer.js';
import { shouldCheckpoint } from '../../../src/index/store/wal-checkpoint-policy.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-wal-checkpointer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const source = JSON.stringify({ text: 'lorem ipsum dolor sit amet '.repeat(40) });

/** Writes enough for more than `framesMin` log frames, in bulk-sized commits. */
function fill(store: ShardStore, prefix: string, docs: number): void {
  for (let start = 0; start < docs; start += 100) {
    store.transaction(() => {
      for (let i = start; i < Math.min(docs, start + 100); i++) store.index(`${prefix}${i}`, source, 1);
    });
  }
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('stores registered with the checkpointer turn SQLite automatic checkpoint off, and the worker checkpoints past 1,000 frames', async (t) => {
  const dir = tempDir(t);
  const checkpointer = new WalCheckpointer(pino({ level: 'silent' }));
  t.after(() => checkpointer.stop());
  const file = path.join(dir, 'shard-0.db');
  const store = ShardStore.open(file, { indexUuid: 'u1', durability: 'request', checkpointer });
  t.after(() => store.close());
  assert.equal(store.autoCheckpointPages, 0);
  const before = statSync(file).size;
  fill(store, 'a', 3_000); // ~3,000 frames of 4 KiB with the ops rows
  await until(() => checkpointer.checkpoints > 0, 'a background checkpoint');
  // The checkpoint copied the log into the database file.
  await until(() => statSync(file).size > before + walCheckpointerLimits.framesMin * 1024, 'the database file to grow');
  assert.equal(store.docCount(), 3_000);
  // A store without the checkpointer keeps SQLite's default.
  const own = ShardStore.open(path.join(dir, 'shard-1.db'), { indexUuid: 'u1', durability: 'request' });
  t.after(() => own.close());
  assert.equal(own.autoCheckpointPages, walCheckpointerLimits.framesMin);
});

test('closing, deleting and recreating a store at the same path while the worker checkpoints loses nothing of the new store', async (t) => {
  const dir = tempDir(t);
  const checkpointer = new WalCheckpointer(pino({ level: 'silent' }));
  t.after(() => checkpointer.stop());
  const file = path.join(dir, 'shard-0.db');
  for (let round = 0; round < 8; round++) {
    const store = ShardStore.open(file, { indexUuid: 'u1', durability: 'request', checkpointer });
    fill(store, `r${round}-`, 1_500);
    // Give the worker a chance to be mid-checkpoint when the store closes (a peer recovery's reset does this).
    await new Promise((resolve) => setTimeout(resolve, round * 15));
    store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    const fresh = ShardStore.open(file, { indexUuid: 'u1', durability: 'request', checkpointer });
    fresh.index('only', '{}', 1);
    await new Promise((resolve) => setTimeout(resolve, walCheckpointerLimits.tickMs * 2));
    fresh.close();
    const reopened = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
    assert.equal(reopened.docCount(), 1, `round ${round}: the recreated store keeps its one document`);
    assert.equal(reopened.get('only')?.source, '{}');
    reopened.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  }
  assert.ok(checkpointer.checkpoints > 0, 'the worker did checkpoint meanwhile');
});

test('when the checkpointer stops, its stores checkpoint on their own again', async (t) => {
  const dir = tempDir(t);
  const checkpointer = new WalCheckpointer(pino({ level: 'silent' }));
  const store = ShardStore.open(path.join(dir, 'shard-0.db'), { indexUuid: 'u1', durability: 'request', checkpointer });
  t.after(() => store.close());
  assert.equal(store.autoCheckpointPages, 0);
  await checkpointer.stop();
  assert.equal(store.autoCheckpointPages, walCheckpointerLimits.framesMin);
  // Later stores are not registered.
  const later = ShardStore.open(path.join(dir, 'shard-1.db'), { indexUuid: 'u1', durability: 'request', checkpointer });
  t.after(() => later.close());
  assert.equal(later.autoCheckpointPages, walCheckpointerLimits.framesMin);
});

test('the checkpoint rule: SQLite\'s 1,000 frames from a readable header; an unreadable one at most every blindIntervalMs (wal-checkpoint-policy.ts)', () => {
  const policy = { framesMin: 1_000, blindIntervalMs: 5_000 };
  assert.equal(shouldCheckpoint(999, undefined, 0, policy), false);
  assert.equal(shouldCheckpoint(1_000, undefined, 0, policy), true);
  // A readable header ignores when the store was last checkpointed blind.
  assert.equal(shouldCheckpoint(1_500, 100, 150, policy), true);
  assert.equal(shouldCheckpoint(undefined, undefined, 0, policy), true, 'never checkpointed blind: at once');
  assert.equal(shouldCheckpoint(undefined, 1_000, 1_100, policy), false, 'one tick later: not again');
  assert.equal(shouldCheckpoint(undefined, 1_000, 5_999, policy), false);
  assert.equal(shouldCheckpoint(undefined, 1_000, 6_000, policy), true);
});

test('a store whose wal-index header cannot be read is not checkpointed at every tick', async (t) => {
  const dir = tempDir(t);
  const checkpointer = new WalCheckpointer(pino({ level: 'silent' }));
  t.after(() => checkpointer.stop());
  // A database closed cleanly has no -shm file: each checkpoint's connection creates one and its
  // close removes it again, so the header stays unreadable at every tick.
  const file = path.join(dir, 'shard-0.db');
  const store = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  store.index('a', '{}', 1);
  store.close();
  const slot = checkpointer.register(file, () => {});
  assert.ok(slot !== undefined);
  t.after(() => slot.release());
  // Ten ticks: one blind checkpoint at first, none after (it was one per tick).
  await new Promise((resolve) => setTimeout(resolve, walCheckpointerLimits.tickMs * 10));
  assert.ok(checkpointer.checkpoints <= 1, `${checkpointer.checkpoints} checkpoints in 10 ticks`);
});
