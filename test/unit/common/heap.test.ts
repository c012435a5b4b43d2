// Searchers move segment arrays into shared memory for the search pool and drop the heap copies;
// V8 sees no heap growth and would not collect them for a long time, so the searcher asks for a
// collection (src/common/heap.ts). It must actually free what is unreachable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectGarbage } from '../../../src/common/heap.js';

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
