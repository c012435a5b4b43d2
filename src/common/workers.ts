/**
 * Runs `work` on every item, at most `limit` at a time, in item order as slots free up; the
 * results in item order. When an item's work rejects, no further item starts, and the first
 * rejection is thrown once every item already under way has ended (`Promise.all` would reject
 * while the others still ran, so what they use, open files say, could be released under them).
 */
export async function runLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure !== undefined) throw failure.error;
  return results;
}
