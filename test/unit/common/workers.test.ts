// runLimited (src/common/workers.ts): at most `limit` items at a time, results in item order; a
// rejection stops further items and is thrown once every item under way has ended.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runLimited } from '../../../src/common/workers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('runLimited', () => {
  test('never runs more than the limit at once, and answers in item order', async () => {
    for (const limit of [1, 2, 5, 100]) {
      let running = 0;
      let peak = 0;
      const results = await runLimited([30, 5, 20, 1, 10, 2, 8], limit, async (delay, index) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, delay));
        running -= 1;
        return index * 10;
      });
      assert.deepEqual(results, [0, 10, 20, 30, 40, 50, 60]);
      assert.equal(peak, Math.min(limit, 7), `limit ${limit}`);
    }
  });

  test('no items: no work', async () => {
    assert.deepEqual(await runLimited([], 3, async () => assert.fail('no work expected')), []);
  });

  test('a rejection starts no further item and is thrown only after every item under way has ended', async () => {
    // The CCR bootstrap's segment file copy closes its files after it: an item still writing after
    // a sibling failed would write into a closed descriptor, or into a file that reused its number.
    const started: number[] = [];
    const ended: number[] = [];
    const boom = new Error('chunk refused');
    await assert.rejects(
      runLimited([5, 20, 20, 1, 1, 1], 3, async (delay, index) => {
        started.push(index);
        try {
          await sleep(delay);
          if (index === 0) throw boom;
        } finally {
          ended.push(index);
        }
      }),
      (error) => {
        assert.equal(error, boom);
        assert.deepEqual([...ended].sort(), [0, 1, 2], 'every item under way ended before the rejection');
        return true;
      },
    );
    assert.deepEqual(started, [0, 1, 2], 'no item started after the failure');
  });
});

