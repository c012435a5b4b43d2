/**
 * Murmur3 x86_32 over bytes (pure), as a signed 32-bit integer (Java's int). One core for the two
 * hashes Elasticsearch takes from it: document routing (Murmur3HashFunction, seed 0, over a
 * string's UTF-16 code units as little-endian byte pairs) and scroll slices on `_id`
 * (TermsSliceQuery via Lucene's StringHelper.murmurhash3_x86_32, seed 7919).
 */

const c1 = 0xcc9e2d51;
const c2 = 0x1b873593;

/** The block mix shared by full blocks and the tail. */
function mixK1(k1: number): number {
  k1 = Math.imul(k1, c1);
  k1 = (k1 << 15) | (k1 >>> 17);
  return Math.imul(k1, c2);
}

/** murmur3_x86_32 of `bytes` with `seed`. */
export function murmur3(bytes: Uint8Array, seed: number): number {
  let h1 = seed | 0;
  const roundedEnd = bytes.length & ~3;
  for (let i = 0; i < roundedEnd; i += 4) {
    h1 ^= mixK1(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  }
  let k1 = 0;
  const tail = bytes.length & 3;
  if (tail === 3) k1 = bytes[roundedEnd + 2]! << 16;
  if (tail >= 2) k1 |= bytes[roundedEnd + 1]! << 8;
  if (tail >= 1) h1 ^= mixK1(k1 | bytes[roundedEnd]!);
  h1 ^= bytes.length;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 | 0;
}

/** `text`'s UTF-16 code units as little-endian byte pairs (unpaired surrogates kept as they are). */
export function utf16leBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes[2 * i] = unit & 0xff;
    bytes[2 * i + 1] = unit >>> 8;
  }
  return bytes;
}
