// runWorkers: a failed worker's error is thrown only once every sibling has ended (the CCR
// bootstrap's segment file copy closes its files after it: a sibling still writing would write into
// a closed descriptor, or into a file that reused its number).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runWorkers } from '../../../src/common/workers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('the first failure is thrown after every worker ended; the others see failed() and stop at their next turn', async () => {
  const ended: number[] = [];
  const turnsAfterFailure: number[] = [0, 0, 0];
  let next = 0;
  const boom = new Error('chunk refused');
  await assert.rejects(
    runWorkers(3, async (failed) => {
      const me = next++;
      try {
        for (let turn = 0; ; turn++) {
          if (failed()) return;
          if (me === 0 && turn === 1) throw boom;
          await sleep(me === 0 ? 5 : 20);
          if (failed()) turnsAfterFailure[me]! += 1;
        }
      } finally {
        ended.push(me);
      }
    }),
    (error) => {
      assert.equal(error, boom);
      assert.deepEqual([...ended].sort(), [0, 1, 2], 'every worker ended before the failure was thrown');
      return true;
    },
  );
  assert.deepEqual(turnsAfterFailure.slice(1), [1, 1], 'each sibling finished the turn under way, then stopped');
});

test('without failures every worker runs to its end', async () => {
  let done = 0;
  await runWorkers(4, async () => {
    await sleep(1);
    done += 1;
  });
  assert.equal(done, 4);
});
