/**
 * A merging t-digest (Dunning), the sketch behind Elasticsearch's `percentiles` and
 * `percentile_ranks`: sorted centroids (mean, weight) whose sizes follow the k2 scale function, so
 * the tails keep single values and the middle is compressed. A digest is plain data (JSON-safe), and
 * merging digests sorts all centroids canonically first, so shards merge to the same digest in any
 * order (style P8).
 *
 * The quantile and cdf interpolations follow the t-digest library Elasticsearch forked
 * (MergingDigest): a single-value centroid is never interpolated into, which is what makes small
 * sets come out exact, as Elasticsearch's REST tests assert (percentiles of 1, 51, 101, 151: the
 * 25th is 51, the 50th 101; the rank of 100 is 50%).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-metrics-percentile-aggregation.html
 */

export interface TDigest {
  readonly compression: number;
  /** null when the digest holds no value. */
  readonly min: number | null;
  readonly max: number | null;
  /** Centroid means, ascending, and their weights (value counts). */
  readonly means: readonly number[];
  readonly weights: readonly number[];
}

/** Elasticsearch's default `tdigest.compression`. */
export const compressionDefault = 100;

export function emptyDigest(compression: number): TDigest {
  return { compression, min: null, max: null, means: [], weights: [] };
}

/**
 * Compresses centroids (in any order) into a digest: sorted by mean (then weight, a total order),
 * then adjacent centroids merge while the merged weight stays under the k2 limit at both ends of
 * its quantile range. The first and last centroids never merge, so min and max stay exact.
 */
function compress(compression: number, inputMeans: ArrayLike<number>, inputWeights: ArrayLike<number>, min: number, max: number): TDigest {
  const count = inputMeans.length;
  if (count === 0) return emptyDigest(compression);
  const order = Array.from({ length: count }, (_, index) => index).sort((left, right) => inputMeans[left]! - inputMeans[right]! || inputWeights[left]! - inputWeights[right]!);
  let totalWeight = 0;
  for (let index = 0; index < count; index++) totalWeight += inputWeights[index]!;
  // k2 scale function: the weight a centroid may reach around quantile q is total × q(1 − q) / normalizer.
  const normalizer = compression / (4 * Math.log(totalWeight / compression) + 24);
  const limit = (q: number): number => (q * (1 - q)) / normalizer;
  const means: number[] = [inputMeans[order[0]!]!];
  const weights: number[] = [inputWeights[order[0]!]!];
  let weightSoFar = 0;
  for (let position = 1; position < count; position++) {
    const index = order[position]!;
    const last = means.length - 1;
    const proposed = weights[last]! + inputWeights[index]!;
    const q0 = weightSoFar / totalWeight;
    const q2 = (weightSoFar + proposed) / totalWeight;
    const fits = position !== 1 && position !== count - 1 && proposed <= totalWeight * Math.min(limit(q0), limit(q2));
    if (fits) {
      weights[last] = proposed;
      means[last] = means[last]! + ((inputMeans[index]! - means[last]!) * inputWeights[index]!) / proposed;
    } else {
      weightSoFar += weights[last]!;
      means.push(inputMeans[index]!);
      weights.push(inputWeights[index]!);
    }
  }
  return { compression, min, max, means, weights };
}

/** The digest of raw values (each of weight 1). */
export function digestOfValues(values: ArrayLike<number>, compression: number): TDigest {
  if (values.length === 0) return emptyDigest(compression);
  let min = Infinity;
  let max = -Infinity;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return compress(compression, values, new Float64Array(values.length).fill(1), min, max);
}

/** Merges digests (e.g. one per shard); the result does not depend on their order. */
export function mergeDigests(digests: readonly TDigest[], compression: number): TDigest {
  const means: number[] = [];
  const weights: number[] = [];
  let min = Infinity;
  let max = -Infinity;
  for (const digest of digests) {
    if (digest.min === null || digest.max === null) continue;
    for (let index = 0; index < digest.means.length; index++) {
      means.push(digest.means[index]!);
      weights.push(digest.weights[index]!);
    }
    min = Math.min(min, digest.min);
    max = Math.max(max, digest.max);
  }
  return compress(compression, means, weights, min, max);
}

function weightedAverage(x1: number, w1: number, x2: number, w2: number): number {
  const [low, high] = x1 <= x2 ? [x1, x2] : [x2, x1];
  const value = (x1 * w1 + x2 * w2) / (w1 + w2);
  return Math.max(low, Math.min(high, value));
}

/** The value at quantile q (0..1); NaN for an empty digest. */
export function quantile(digest: TDigest, q: number): number {
  const { means, weights } = digest;
  const n = means.length;
  if (n === 0 || digest.min === null || digest.max === null) return NaN;
  if (n === 1) return means[0]!;
  const min = digest.min;
  const max = digest.max;
  let totalWeight = 0;
  for (const weight of weights) totalWeight += weight;
  const index = q * totalWeight;
  if (index < 1) return min;
  // The first and last centroids hold one sample exactly at min (max) even when heavier.
  if (weights[0]! > 1 && index < weights[0]! / 2) return min + ((index - 1) / (weights[0]! / 2 - 1)) * (means[0]! - min);
  if (index > totalWeight - 1) return max;
  if (weights[n - 1]! > 1 && totalWeight - index <= weights[n - 1]! / 2) {
    return max - ((totalWeight - index - 1) / (weights[n - 1]! / 2 - 1)) * (max - means[n - 1]!);
  }
  let weightSoFar = weights[0]! / 2;
  for (let i = 0; i < n - 1; i++) {
    const dw = (weights[i]! + weights[i + 1]!) / 2;
    if (weightSoFar + dw > index) {
      // A single-value centroid owns the half unit of weight around it: no interpolation there.
      let leftUnit = 0;
      if (weights[i] === 1) {
        if (index - weightSoFar < 0.5) return means[i]!;
        leftUnit = 0.5;
      }
      let rightUnit = 0;
      if (weights[i + 1] === 1) {
        if (weightSoFar + dw - index <= 0.5) return means[i + 1]!;
        rightUnit = 0.5;
      }
      const z1 = index - weightSoFar - leftUnit;
      const z2 = weightSoFar + dw - index - rightUnit;
      return weightedAverage(means[i]!, z2, means[i + 1]!, z1);
    }
    weightSoFar += dw;
  }
  const z1 = index - totalWeight - weights[n - 1]! / 2;
  const z2 = weights[n - 1]! / 2 - z1;
  return weightedAverage(means[n - 1]!, z1, max, z2);
}

/** The fraction of values at or below x, half counting values equal to x; NaN for an empty digest. */
export function cdf(digest: TDigest, x: number): number {
  const { means, weights } = digest;
  const n = means.length;
  if (n === 0 || digest.min === null || digest.max === null) return NaN;
  const min = digest.min;
  const max = digest.max;
  let totalWeight = 0;
  for (const weight of weights) totalWeight += weight;
  if (n === 1) {
    if (x < min) return 0;
    if (x > max) return 1;
    return max - min <= 0 ? 0.5 : (x - min) / (max - min);
  }
  if (x < min) return 0;
  if (x > max) return 1;
  if (x < means[0]!) {
    if (x === min) return 0.5 / totalWeight;
    return (1 + ((x - min) / (means[0]! - min)) * (weights[0]! / 2 - 1)) / totalWeight;
  }
  if (x > means[n - 1]!) {
    if (x === max) return 1 - 0.5 / totalWeight;
    return 1 - (1 + ((max - x) / (max - means[n - 1]!)) * (weights[n - 1]! / 2 - 1)) / totalWeight;
  }
  let weightSoFar = 0;
  for (let it = 0; it < n - 1; it++) {
    if (means[it] === x) {
      let dw = 0;
      while (it < n && means[it] === x) dw += weights[it++]!;
      return (weightSoFar + dw / 2) / totalWeight;
    }
    if (means[it]! <= x && x < means[it + 1]!) {
      const left = means[it]!;
      const right = means[it + 1]!;
      const dw = (weights[it]! + weights[it + 1]!) / 2;
      if (right - left <= 0) return (weightSoFar + dw) / totalWeight;
      // Two single values: the left one is at or below x, the right one above.
      if (weights[it] === 1 && weights[it + 1] === 1) return (weightSoFar + 1) / totalWeight;
      const leftExcluded = weights[it] === 1 ? 0.5 : 0;
      const rightExcluded = weights[it] !== 1 && weights[it + 1] === 1 ? 0.5 : 0;
      const base = weightSoFar + weights[it]! / 2 + leftExcluded;
      return (base + (dw - leftExcluded - rightExcluded) * ((x - left) / (right - left))) / totalWeight;
    }
    weightSoFar += weights[it]!;
  }
  return 1 - 0.5 / totalWeight; // x is the last centroid's mean
}
