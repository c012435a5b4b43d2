/**
 * The background lane (issue 13: "searches stay within 2 × their idle p99 while bulk indexing
 * runs"): sliced background work runs one slice per event-loop turn, in order, held back while a
 * search is in flight but never longer than its bound. Driven by a fake host: turns and time are
 * advanced by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackgroundLane, decideLaneTurn, type LaneHost } from '../../../src/common/background-lane.js';

/** A host whose turns run when `turn()` is called and whose clock moves when `advance()` is. */
function fakeHost(): LaneHost & { turn(): number; advance(ms: number): void; pendingTurns(): number } {
  let now = 0;
  let turns: (() => void)[] = [];
  let timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  return {
    nowMs: () => now,
    nextTurn: (run) => void turns.push(run),
    after: (delayMs, run) => {
      const timer = { at: now + delayMs, run, cancelled: false };
      timers.push(timer);
      return { cancel: () => void (timer.cancelled = true) };
    },
    /** Runs the turns queued before this one (those queued while running wait for the next); returns how many ran. */
    turn: () => {
      const running = turns;
      turns = [];
      for (const run of running) run();
      return running.length;
    },
    advance: (ms) => {
      now += ms;
      const due = timers.filter((timer) => timer.at <= now && !timer.cancelled);
      timers = timers.filter((timer) => timer.at > now && !timer.cancelled);
      for (const timer of due) timer.run();
    },
    pendingTurns: () => turns.length,
  };
}

test('decideLaneTurn: idle with nothing queued, run without searches, defer with one until the bound', () => {
  assert.deepEqual(decideLaneTurn(0, 3, undefined, 100, 50), { kind: 'idle' });
  assert.deepEqual(decideLaneTurn(2, 0, undefined, 100, 50), { kind: 'run' });
  assert.deepEqual(decideLaneTurn(2, 1, undefined, 100, 50), { kind: 'defer', deferredSinceMs: 100, retryInMs: 50 });
  assert.deepEqual(decideLaneTurn(2, 1, 100, 130, 50), { kind: 'defer', deferredSinceMs: 100, retryInMs: 20 });
  assert.deepEqual(decideLaneTurn(2, 1, 100, 150, 50), { kind: 'run' });
});

test('one slice per turn, in the order they were scheduled', () => {
  const host = fakeHost();
  const lane = new BackgroundLane(host, 50);
  const ran: string[] = [];
  lane.schedule(() => ran.push('bulk-a 1'));
  lane.schedule(() => ran.push('bulk-b 1'));
  lane.schedule(() => ran.push('refresh 1'));
  assert.equal(ran.length, 0, 'nothing runs before a turn');
  host.turn();
  assert.deepEqual(ran, ['bulk-a 1']);
  lane.schedule(() => ran.push('bulk-a 2')); // a job yields again: it goes behind the others
  host.turn();
  host.turn();
  host.turn();
  assert.deepEqual(ran, ['bulk-a 1', 'bulk-b 1', 'refresh 1', 'bulk-a 2']);
  assert.equal(host.turn(), 0, 'no turn is asked for once the queue is empty');
  assert.equal(lane.queued, 0);
});

test('while a search is in flight no slice runs; its end lets the next one run', () => {
  const host = fakeHost();
  const lane = new BackgroundLane(host, 50);
  const ran: number[] = [];
  lane.schedule(() => ran.push(1));
  lane.schedule(() => ran.push(2));
  const leave = lane.enterForeground();
  host.turn();
  host.advance(10);
  host.turn();
  assert.deepEqual(ran, []);
  assert.equal(lane.foregroundCount, 1);
  leave();
  leave(); // a second call changes nothing
  assert.equal(lane.foregroundCount, 0);
  host.turn();
  assert.deepEqual(ran, [1]);
  host.turn();
  assert.deepEqual(ran, [1, 2]);
});

test('two searches: slices wait for both to end', () => {
  const host = fakeHost();
  const lane = new BackgroundLane(host, 50);
  const ran: number[] = [];
  const leaveFirst = lane.enterForeground();
  const leaveSecond = lane.enterForeground();
  lane.schedule(() => ran.push(1));
  host.turn();
  leaveFirst();
  host.turn();
  assert.deepEqual(ran, []);
  leaveSecond();
  host.turn();
  assert.deepEqual(ran, [1]);
});

test('searches without pause cannot hold a slice back longer than the bound', () => {
  const host = fakeHost();
  const lane = new BackgroundLane(host, 50);
  const ran: number[] = [];
  lane.enterForeground(); // never ends
  lane.schedule(() => ran.push(1));
  lane.schedule(() => ran.push(2));
  host.turn();
  host.advance(49);
  host.turn();
  assert.deepEqual(ran, []);
  host.advance(1); // the retry timer asks for a turn
  host.turn();
  assert.deepEqual(ran, [1]);
  // The bound counts again from the slice that ran: the next one waits another 50 ms.
  host.turn();
  host.advance(30);
  host.turn();
  assert.deepEqual(ran, [1]);
  host.advance(20);
  host.turn();
  assert.deepEqual(ran, [1, 2]);
});

test('turn() resolves on the caller turn, after the slices queued before it', async () => {
  const host = fakeHost();
  const lane = new BackgroundLane(host, 50);
  const ran: string[] = [];
  lane.schedule(() => ran.push('first'));
  const turned = lane.turn().then(() => ran.push('awaited'));
  host.turn();
  await Promise.resolve();
  assert.deepEqual(ran, ['first']);
  host.turn();
  await turned;
  assert.deepEqual(ran, ['first', 'awaited']);
});

test('a slice that throws does not stall the slices behind it', () => {
  const host = fakeHost();
  const lane = new BackgroundLane(host, 50);
  const ran: number[] = [];
  lane.schedule(() => {
    throw new Error('the job failed');
  });
  lane.schedule(() => ran.push(2));
  assert.throws(() => host.turn(), /the job failed/);
  host.turn();
  assert.deepEqual(ran, [2]);
});
