/**
 * The shell shared by both ends of a connection: bytes from a socket through the pure decoder
 * (frame.ts) to whole frames, and the socket options every transport socket gets.
 */
import type { Socket } from 'node:net';
import { decodeFrames, emptyDecoder, FRAME_PREFIX_BYTES, FrameError, type DecoderState, type Frame } from './frame.js';
import { transportLimits } from './limits.js';

export interface TransportAddress {
  readonly host: string;
  readonly port: number;
}

export function formatAddress(host: string | undefined, port: number | undefined): string {
  const shownHost = host === undefined ? 'unknown' : host.includes(':') ? `[${host}]` : host;
  return `${shownHost}:${port ?? 0}`;
}

/** TCP keep-alive on (shared/spec/remote-clusters.md §9: idle is normal), Nagle off for small frames. */
export function configureSocket(socket: Socket): void {
  socket.setKeepAlive(true, transportLimits.keepAliveIdleMs);
  socket.setNoDelay(true);
}

/** Bytes a frame counts against `frameBytesMax`: what follows magic and length. */
export function frameBytes(frame: Buffer): number {
  return frame.length - FRAME_PREFIX_BYTES;
}

/**
 * Feeds the socket's bytes to the decoder. `onBytes` sees every chunk (liveness); `onFrame` each
 * whole frame until the socket is destroyed; `onInvalid` the first FrameError, after which the
 * reader stops (the caller closes the connection).
 */
export function readFrames(
  socket: Socket,
  frameBytesMax: () => number, // asked per chunk: smaller until the handshake completes
  handlers: {
    readonly onBytes?: () => void;
    readonly onFrame: (frame: Frame) => void;
    readonly onInvalid: (error: FrameError) => void;
  },
): void {
  let state: DecoderState = emptyDecoder;
  let stopped = false;
  socket.on('data', (chunk: Buffer) => {
    if (stopped) return;
    handlers.onBytes?.();
    let frames: readonly Frame[];
    try {
      const result = decodeFrames(state, chunk, frameBytesMax());
      state = result.state;
      frames = result.frames;
    } catch (error) {
      stopped = true;
      if (error instanceof FrameError) handlers.onInvalid(error);
      else handlers.onInvalid(new FrameError(`invalid transport frame: ${(error as Error).message}`));
      return;
    }
    for (const frame of frames) {
      if (socket.destroyed || stopped) return;
      handlers.onFrame(frame);
    }
  });
}
