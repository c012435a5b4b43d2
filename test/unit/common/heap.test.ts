// test-runner: own process (it measures this process's heap, which other files' tests would share).
// Searchers move segment arrays into shared memory for the search pool and drop the heap copies;
// V8 sees no heap growth and would not collect them for a long time, so the searcher asks for a
// collection (src/common/heap.ts). It must actually free what is unreachable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectGarbage, compactHeap, oldSpaceSlackBytes } from '../../../src/common/heap.js';

test('collectGarbage runs a full collection: an unreachable ArrayBuffer is freed', async () => {
  let buffer: ArrayBuffer | undefined = new ArrayBuffer(8 * 1024 * 1024);
  const ref = new WeakRef(buffer);
  buffer = undefined;
  // A WeakRef's target stays alive until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(collectGarbage(), true);
  assert.equal(ref.deref(), undefined);
  assert.equal(collectGarbage(), true, 'callable again');
});

// After a bulk load and its refresh the main thread's heap kept twice the memory it used, spread
// over pages a plain full collection does not give back (bench/memory-phases.ts, issue 13).
test('compactHeap returns the pages a plain collection keeps; below its slack threshold it does nothing', () => {
  const mb = 1024 * 1024;
  // One object in ten survives: every page the others filled stays partly used.
  let all: { value: number; text: string }[] | undefined = [];
  const kept: { value: number; text: string }[] = [];
  for (let index = 0; index < 1_000_000; index++) {
    const entry = { value: index, text: `text ${index}` };
    all.push(entry);
    if (index % 10 === 0) kept.push(entry);
  }
  all = undefined;
  assert.equal(collectGarbage(), true);
  const slackAfterPlain = oldSpaceSlackBytes();
  assert.ok(slackAfterPlain > 16 * mb, `a plain collection keeps the fragmented pages (slack ${Math.round(slackAfterPlain / mb)} MB)`);
  assert.equal(compactHeap(Number.MAX_SAFE_INTEGER), false, 'not run below the threshold');
  assert.equal(compactHeap(16 * mb), true);
  const slackAfterCompaction = oldSpaceSlackBytes();
  assert.ok(slackAfterCompaction < slackAfterPlain / 2, `slack ${Math.round(slackAfterPlain / mb)} MB -> ${Math.round(slackAfterCompaction / mb)} MB`);
  assert.equal(kept.length, 100_000);
  assert.equal(kept[99_999]!.text, 'text 999990', 'live objects are kept');
  assert.equal(compactHeap(16 * mb), false, 'nothing left to compact');
});
