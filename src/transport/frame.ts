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
  /**
   * Bytes received and not consumed yet, as the socket delivered them. They are joined only once
   * a whole frame is there: joining on every chunk copied a large frame over and over (quadratic
   * in its size; replication bootstrap chunks of megabytes arrive in 64 KiB pieces).
   */
  readonly chunks: readonly Buffer[];
  readonly length: number;
}

export const emptyDecoder: DecoderState = { chunks: [], length: 0 };

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
  const chunks: Buffer[] = chunk.length === 0 ? [...state.chunks] : [...state.chunks, chunk];
  let length = state.length + chunk.length;
  const frames: Frame[] = [];
  // Joins the first `bytes` buffered bytes into chunks[0] (when they span several chunks).
  const gather = (bytes: number): Buffer => {
    if (chunks[0]!.length < bytes) chunks.splice(0, chunks.length, Buffer.concat(chunks, length));
    return chunks[0]!;
  };
  const consume = (bytes: number): void => {
    const rest = chunks[0]!.subarray(bytes);
    if (rest.length === 0) chunks.shift();
    else chunks[0] = rest;
    length -= bytes;
  };
  while (length >= PREFIX_BYTES) {
    const head = gather(PREFIX_BYTES);
    if (head[0] !== MAGIC_0 || head[1] !== MAGIC_1) {
      throw new FrameError(`invalid transport frame: expected magic [ST] but got [0x${head.subarray(0, 2).toString('hex')}]`);
    }
    const frameLength = head.readUInt32BE(2);
    if (frameLength === PING_LENGTH) {
      frames.push({ kind: 'ping' });
      consume(PREFIX_BYTES);
      continue;
    }
    if (frameLength < HEADER_BYTES) throw new FrameError(`invalid transport frame: length ${frameLength} is shorter than its header`);
    if (frameLength > frameBytesMax) throw new FrameError(`transport frame of ${frameLength} bytes exceeds the limit of ${frameBytesMax} bytes`);
    if (length < PREFIX_BYTES + frameLength) break;
    const buffer = gather(PREFIX_BYTES + frameLength);
    const flags = buffer[6]!;
    const requestId = buffer.readUInt32BE(7);
    let payload = buffer.subarray(PREFIX_BYTES + HEADER_BYTES, PREFIX_BYTES + frameLength);
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
    consume(PREFIX_BYTES + frameLength);
  }
  return { state: { chunks, length }, frames };
}
