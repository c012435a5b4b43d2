// Shared by the transport tests: real loggers capturing their output, handshake identities, and a
// bare TCP peer driven by our own frame codec for behaviours a well-behaved node never shows.
import net from 'node:net';
import { pino, type Logger } from 'pino';
import { decodeFrames, emptyDecoder, encodeFrame, FrameFlags, TRANSPORT_FORMAT_VERSION, type DecoderState, type Frame } from '../../../src/transport/frame.js';
import { encodeHandshake, type HandshakeInfo } from '../../../src/transport/handshake.js';

export interface CapturedLogger {
  readonly logger: Logger;
  readonly lines: string[];
}

/** A real pino logger at trace level writing into memory, so tests can read what was logged. */
export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

export function nodeInfo(overrides: Partial<HandshakeInfo> = {}): HandshakeInfo {
  return {
    clusterName: 'east',
    clusterUuid: 'east-uuid',
    nodeId: 'east-node-id',
    nodeName: 'east-1',
    version: '9.1.0',
    roles: ['data', 'remote_cluster_client'],
    attributes: { zone: 'a' },
    transportFormatVersion: TRANSPORT_FORMAT_VERSION,
    ...overrides,
  };
}

/** Resolves once `predicate` holds, polling; never asserts on how long that took. */
export async function eventually(predicate: () => boolean, what: string, attemptsMax = 500): Promise<void> {
  for (let attempt = 0; attempt < attemptsMax; attempt += 1) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

/** A raw socket to `port`, with a promise that settles when the server closes it. */
export function rawClient(port: number): Promise<{ socket: net.Socket; closed: Promise<void>; received: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<void>((resolveClosed) => socket.on('close', () => resolveClosed()));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed, received }));
    socket.once('error', reject);
  });
}

/**
 * A peer that answers the handshake with `info` (no checks of its own) and then ignores everything,
 * pings included: the silent or incompatible remote that a Strait server never is.
 */
export async function startHandshakeOnlyPeer(info: HandshakeInfo): Promise<{ port: number; close: () => Promise<void>; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let state: DecoderState = emptyDecoder;
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      const result = decodeFrames(state, chunk, 1 << 20);
      state = result.state;
      for (const frame of result.frames as Frame[]) {
        if (frame.kind === 'message' && !answered) {
          answered = true;
          socket.write(encodeFrame(FrameFlags.response | FrameFlags.handshake, frame.requestId, { payload: encodeHandshake(info) }));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
