/**
 * Lucene's SmallFloat.intToByte4/byte4ToInt: the 1-byte field-length norm BM25Similarity stores
 * (exact up to 40, then 4 significant bits). We store norms this way so our scores equal
 * Elasticsearch's for the same documents, lossy lengths included.
 */
const maxInt4 = longToInt4(Number.MAX_SAFE_INTEGER > 2 ** 31 - 1 ? 2 ** 31 - 1 : 0);
const numFreeValues = 255 - maxInt4;

function numberOfLeadingZeros32(value: number): number {
  return Math.clz32(value);
}

function longToInt4(value: number): number {
  // value is a non-negative int32 here
  const numBits = 32 - numberOfLeadingZeros32(value);
  if (numBits < 4) return value;
  const shift = numBits - 4;
  let encoded = Math.floor(value / 2 ** shift) & 0x07; // drop the implicit leading bit
  encoded |= (shift + 1) << 3;
  return encoded;
}

function int4ToLong(encoded: number): number {
  const bits = encoded & 0x07;
  const shift = (encoded >>> 3) - 1;
  if (shift === -1) return bits;
  return (bits | 0x08) * 2 ** shift;
}

/** Encodes a field length (>= 0) into Lucene's norm byte (0..255). */
export function intToByte4(value: number): number {
  if (value < numFreeValues) return value;
  return numFreeValues + longToInt4(value - numFreeValues);
}

/** Decodes a norm byte back to the (approximate) field length. */
export function byte4ToInt(encoded: number): number {
  if (encoded < numFreeValues) return encoded;
  return numFreeValues + int4ToLong(encoded - numFreeValues);
}

/** byte4ToInt for every byte value: BM25's LENGTH_TABLE. */
export const normLengthTable: Float64Array = (() => {
  const table = new Float64Array(256);
  for (let index = 0; index < 256; index++) table[index] = byte4ToInt(index);
  return table;
})();

/** Rounds to the nearest IEEE 754 half-precision value (ties to even), as Lucene's HalfFloatPoint. */
export function toHalfFloat(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const sign = value < 0 ? -1 : 1;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign * Infinity; // beyond the largest half (65504) after rounding
  // Half floats keep 11 significant bits; below 2^-14 the spacing is fixed at 2^-24 (subnormals).
  const exponent = Math.max(Math.floor(Math.log2(magnitude)), -14);
  const step = 2 ** (exponent - 10);
  const scaled = magnitude / step;
  let rounded = Math.round(scaled);
  if (Math.abs(scaled - Math.trunc(scaled) - 0.5) < 1e-12 && rounded % 2 === 1) rounded -= 1; // ties to even
  return sign * rounded * step;
}
