/**
 * Application-level pings (shared/spec/remote-clusters.md §9: `transport.ping_schedule`, off by
 * default). Elasticsearch's pings are one-way and only surface a dead peer through a failed write;
 * ours are echoed by the accepting side, so the dialling side can also notice a peer that is still
 * connected but silent. Time is an input (style P1): the shell calls `stepPing` on each scheduled
 * tick and whenever bytes arrive; counting silent ticks instead of comparing clocks means one
 * delayed timer (a busy event loop) never looks like a dead peer by itself.
 */
import { transportLimits } from './limits.js';

export interface PingState {
  /** Ticks in a row that saw no bytes from the peer. */
  readonly silentTicks: number;
  readonly receivedSinceTick: boolean;
}

export type PingEvent = { readonly kind: 'tick' } | { readonly kind: 'received' };

export type PingEffect = 'none' | 'send_ping' | 'disconnect';

export const initialPingState: PingState = { silentTicks: 0, receivedSinceTick: false };

export function stepPing(
  state: PingState,
  event: PingEvent,
  silentTicksMax: number = transportLimits.pingTicksSilentMax,
): readonly [PingState, PingEffect] {
  if (event.kind === 'received') return [{ silentTicks: 0, receivedSinceTick: true }, 'none'];
  const silentTicks = state.receivedSinceTick ? 0 : state.silentTicks + 1;
  if (silentTicks >= silentTicksMax) return [{ silentTicks, receivedSinceTick: false }, 'disconnect'];
  return [{ silentTicks, receivedSinceTick: false }, 'send_ping'];
}
