// Ping schedule (shared/spec/remote-clusters.md §9, transport.ping_schedule): silent ticks counted,
// any received byte resets them. Pure; ticks are the clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialPingState, stepPing, type PingEffect, type PingEvent, type PingState } from '../../../src/transport/keep-alive.js';

function run(events: readonly PingEvent['kind'][], silentTicksMax = 3): PingEffect[] {
  let state: PingState = initialPingState;
  const effects: PingEffect[] = [];
  for (const kind of events) {
    const [next, effect] = stepPing(state, { kind }, silentTicksMax);
    state = next;
    effects.push(effect);
  }
  return effects;
}

test('a silent peer is declared dead after the configured number of silent ticks', () => {
  assert.deepEqual(run(['tick', 'tick', 'tick']), ['send_ping', 'send_ping', 'disconnect']);
});

test('a peer that answers between ticks stays alive', () => {
  assert.deepEqual(run(['tick', 'received', 'tick', 'received', 'tick', 'tick', 'received', 'tick', 'tick']), [
    'send_ping', 'none', 'send_ping', 'none', 'send_ping', 'send_ping', 'none', 'send_ping', 'send_ping',
  ]);
});
