// Transport framing: partial bytes in, whole frames out; limits enforced before buffering (style P4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrames, emptyDecoder, encodeFrame, encodePing, FrameError, FrameFlags, type DecoderState, type Frame } from '../../../src/transport/frame.js';
import { createRandom } from '../../harness/random.js';


test('frames round-trip, compressed or not, with pings between', () => {
  const bytes = Buffer.concat([
    encodeFrame(0, 7, { action: 'indices:data/read/search', headers: { a: 'b' }, payload: { size: 10 } }),
    encodePing(),
    encodeFrame(FrameFlags.response, 7, { hits: ['x'.repeat(1000)] }, true),
  ]);
  const { frames, state } = decodeFrames(emptyDecoder, bytes, 1 << 20);
  assert.equal(state.length, 0);
  assert.equal(state.chunks.length, 0);
  assert.deepEqual(frames, [
    { kind: 'message', flags: 0, requestId: 7, body: { action: 'indices:data/read/search', headers: { a: 'b' }, payload: { size: 10 } } },
    { kind: 'ping' },
    { kind: 'message', flags: FrameFlags.response | FrameFlags.compressed, requestId: 7, body: { hits: ['x'.repeat(1000)] } },
  ]);
});

const seed = Number(process.env['SEED'] ?? Math.floor(Math.random() * 2 ** 32));
test(`frames split at random points decode the same (seed=${seed})`, () => {
  const random = createRandom(seed);
  const messages = Array.from({ length: 20 }, (_, index) => ({ index, text: 'y'.repeat(Math.floor(random() * 300)) }));
  const bytes = Buffer.concat(messages.map((body, index) => encodeFrame(0, index, body, index % 3 === 0)));
  let state: DecoderState = emptyDecoder;
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const size = 1 + Math.floor(random() * 64);
    const result = decodeFrames(state, bytes.subarray(offset, offset + size), 1 << 20);
    state = result.state;
    frames.push(...result.frames);
    offset += size;
  }
  assert.deepEqual(frames.map((frame) => (frame.kind === 'message' ? frame.body : null)), messages);
});

test('a large frame arriving in pieces is buffered unjoined until it is whole, then decoded once', () => {
  const body = { documents: Array.from({ length: 2000 }, (_, index) => ({ id: String(index), source: `{"n":${index},"text":"${'w'.repeat(200)}"}` })) };
  const bytes = Buffer.concat([encodeFrame(FrameFlags.response, 3, body), encodePing()]);
  let state: DecoderState = emptyDecoder;
  const pieces = Math.ceil(bytes.length / 65536);
  for (let piece = 0; piece < pieces - 1; piece++) {
    const result = decodeFrames(state, bytes.subarray(piece * 65536, (piece + 1) * 65536), 1 << 24);
    assert.deepEqual(result.frames, []);
    state = result.state;
    // No copy per piece: the pieces are kept as they came.
    assert.equal(state.chunks.length, piece + 1);
    assert.equal(state.length, (piece + 1) * 65536);
  }
  const last = decodeFrames(state, bytes.subarray((pieces - 1) * 65536), 1 << 24);
  assert.deepEqual(last.frames, [{ kind: 'message', flags: FrameFlags.response, requestId: 3, body }, { kind: 'ping' }]);
  assert.equal(last.state.length, 0);
});

test('garbage, oversized and undecodable frames are refused', () => {
  assert.throws(() => decodeFrames(emptyDecoder, Buffer.from('GET / HTTP/1.1\r\n'), 1024), FrameError);
  const big = encodeFrame(0, 1, { text: 'z'.repeat(5000) });
  // The limit is checked from the prefix alone, before the body arrives.
  assert.throws(() => decodeFrames(emptyDecoder, big.subarray(0, 8), 1024), /exceeds the limit of 1024 bytes/);
  const corrupt = Buffer.from(encodeFrame(0, 1, { a: 1 }, true));
  corrupt.fill(0xff, 11);
  assert.throws(() => decodeFrames(emptyDecoder, corrupt, 1024), FrameError);
});
