import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Packr } from 'msgpackr';

/**
 * Strait's transport framing (not Java wire compatible; shared/spec/remote-clusters.md §9.1 allows
 * our own encoding). A frame is:
 *
 *   'S' 'T' | uint32 BE length of what follows | flags (1 byte) | uint32 BE request id | body
 *
 * where body is a msgpack map, deflate-raw compressed when the `compressed` flag is set. A ping
 * is 'S' 'T' followed by the length 0xFFFFFFFF and nothing else. The decoder is a pure step over
 * bytes: partial input in, whole frames out; it never trusts a length beyond `frameBytesMax`.
 */
export const TRANSPORT_FORMAT_VERSION = 1; // P12: bump with a compatibility note
/** The oldest format this build still reads; the handshake refuses peers outside [MIN, CURRENT]. */
export const TRANSPORT_FORMAT_VERSION_MIN = 1;
const MAGIC_0 = 0x53; // 'S'
const MAGIC_1 = 0x54; // 'T'
const PREFIX_BYTES = 6;
/** Magic and length: the bytes of a frame that its length (and so `frameBytesMax`) does not count. */
export const FRAME_PREFIX_BYTES = PREFIX_BYTES;
const HEADER_BYTES = 5; // flags + request id
const PING_LENGTH = 0xffffffff;

export const FrameFlags = {
  response: 0b0001,
  error: 0b0010,
  compressed: 0b0100,
  handshake: 0b1000,
} as const;

export type Frame =
  | { readonly kind: 'ping' }
  | { readonly kind: 'message'; readonly flags: number; readonly requestId: number; readonly body: unknown };

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

// Records off: bodies are plain maps, so a peer cannot make us build arbitrary structures.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

export function encodeFrame(flags: number, requestId: number, body: unknown, compress = false): Buffer {
  if (!Number.isInteger(requestId) || requestId < 0 || requestId > 0xffffffff) throw new FrameError(`request id out of range: ${requestId}`);
  let payload: Buffer = packr.pack(body);
  let frameFlags = flags & ~FrameFlags.compressed;
  if (compress) {
    payload = deflateRawSync(payload);
    frameFlags |= FrameFlags.compressed;
  }
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + HEADER_BYTES + payload.length);
  frame[0] = MAGIC_0;
  frame[1] = MAGIC_1;
  frame.writeUInt32BE(HEADER_BYTES + payload.length, 2);
  frame[6] = frameFlags;
  frame.writeUInt32BE(requestId, 7);
  payload.copy(frame, PREFIX_BYTES + HEADER_BYTES);
  return frame;
}

export function encodePing(): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES);
  frame[0] = MAGIC_0;
  frame[1] = MAGIC_1;
  frame.writeUInt32BE(PING_LENGTH, 2);
  return frame;
}

export interface DecoderState {
  readonly pending: Buffer;
}

export const emptyDecoder: DecoderState = { pending: Buffer.alloc(0) };

/**
 * Consumes bytes and returns the frames completed by them plus the new state. Throws FrameError
 * on bad magic, a frame over `frameBytesMax` (checked before buffering it) or an undecodable body;
 * the caller then closes the connection.
 */
export function decodeFrames(
  state: DecoderState,
  chunk: Buffer,
  frameBytesMax: number,
): { readonly state: DecoderState; readonly frames: readonly Frame[] } {
  let buffer = state.pending.length === 0 ? chunk : Buffer.concat([state.pending, chunk]);
  const frames: Frame[] = [];
  while (buffer.length >= PREFIX_BYTES) {
    if (buffer[0] !== MAGIC_0 || buffer[1] !== MAGIC_1) {
      throw new FrameError(`invalid transport frame: expected magic [ST] but got [0x${buffer.subarray(0, 2).toString('hex')}]`);
    }
    const length = buffer.readUInt32BE(2);
    if (length === PING_LENGTH) {
      frames.push({ kind: 'ping' });
      buffer = buffer.subarray(PREFIX_BYTES);
      continue;
    }
    if (length < HEADER_BYTES) throw new FrameError(`invalid transport frame: length ${length} is shorter than its header`);
    if (length > frameBytesMax) throw new FrameError(`transport frame of ${length} bytes exceeds the limit of ${frameBytesMax} bytes`);
    if (buffer.length < PREFIX_BYTES + length) break;
    const flags = buffer[6]!;
    const requestId = buffer.readUInt32BE(7);
    let payload = buffer.subarray(PREFIX_BYTES + HEADER_BYTES, PREFIX_BYTES + length);
    if ((flags & FrameFlags.compressed) !== 0) {
      try {
        payload = inflateRawSync(payload, { maxOutputLength: frameBytesMax });
      } catch (error) {
        throw new FrameError(`invalid transport frame: cannot decompress body (${(error as Error).message})`);
      }
    }
    let body: unknown;
    try {
      body = packr.unpack(payload);
    } catch (error) {
      throw new FrameError(`invalid transport frame: cannot decode body (${(error as Error).message})`);
    }
    frames.push({ kind: 'message', flags, requestId, body });
    buffer = buffer.subarray(PREFIX_BYTES + length);
  }
  return { state: { pending: Buffer.from(buffer) }, frames };
}
