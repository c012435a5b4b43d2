/**
 * variable_width_histogram: buckets shaped by the data. Values become clusters (one per distinct
 * value), and the two adjacent clusters whose centroids are closest merge (the leftmost pair on a
 * tie) until few enough remain: `shard_size` on a shard, `buckets` at the reduce, as Elasticsearch
 * merges at its reduce. A cluster keeps its min, max, centroid (mean) and count.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-variablewidthhistogram-aggregation.html
 */

export interface Cluster {
  readonly min: number;
  readonly max: number;
  readonly centroid: number;
  readonly docCount: number;
}

/** Clusters of raw values: one per distinct value. */
export function clustersOfValues(values: readonly number[]): Cluster[] {
  const sorted = [...values].sort((left, right) => left - right);
  const clusters: Cluster[] = [];
  for (const value of sorted) {
    const last = clusters[clusters.length - 1];
    if (last !== undefined && last.centroid === value) clusters[clusters.length - 1] = { ...last, docCount: last.docCount + 1 };
    else clusters.push({ min: value, max: value, centroid: value, docCount: 1 });
  }
  return clusters;
}

/**
 * Sorts clusters by centroid (then min, max, count: a total order, so shards merge the same in any
 * order) and merges closest adjacent pairs until at most `target` remain. A heap keyed by
 * (distance, position) finds the pair in O(log n).
 */
export function mergeClusters(input: readonly Cluster[], target: number): Cluster[] {
  const clusters = [...input].sort((left, right) => left.centroid - right.centroid || left.min - right.min || left.max - right.max || left.docCount - right.docCount);
  const count = clusters.length;
  if (count <= target) return clusters;
  const current: (Cluster | undefined)[] = [...clusters];
  const next = Array.from({ length: count }, (_, index) => (index + 1 < count ? index + 1 : -1));
  const previous = Array.from({ length: count }, (_, index) => index - 1);
  const version = new Array<number>(count).fill(0);
  // Heap entries: [distance, left position, left version, right version].
  const heap: [number, number, number, number][] = [];
  const less = (a: [number, number, number, number], b: [number, number, number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const push = (entry: [number, number, number, number]): void => {
    heap.push(entry);
    for (let index = heap.length - 1; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (!less(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  };
  const pop = (): [number, number, number, number] => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let index = 0; ; ) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && less(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && less(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
        index = smallest;
      }
    }
    return top;
  };
  const pairOf = (left: number): void => {
    const right = next[left]!;
    if (right < 0) return;
    push([current[right]!.centroid - current[left]!.centroid, left, version[left]!, version[right]!]);
  };
  for (let index = 0; index + 1 < count; index++) pairOf(index);
  let remaining = count;
  while (remaining > target && heap.length > 0) {
    const [, left, leftVersion, rightVersion] = pop();
    const right = next[left]!;
    if (current[left] === undefined || right < 0 || version[left] !== leftVersion || version[right] !== rightVersion) continue;
    const a = current[left]!;
    const b = current[right]!;
    const docCount = a.docCount + b.docCount;
    current[left] = { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), centroid: (a.centroid * a.docCount + b.centroid * b.docCount) / docCount, docCount };
    current[right] = undefined;
    version[left]!++;
    next[left] = next[right]!;
    if (next[right]! >= 0) previous[next[right]!] = left;
    remaining--;
    pairOf(left);
    // The pair ending at `left` is stale now (left's version moved): queue it with the new centroid.
    if (previous[left]! >= 0) pairOf(previous[left]!);
  }
  return current.filter((cluster): cluster is Cluster => cluster !== undefined);
}
