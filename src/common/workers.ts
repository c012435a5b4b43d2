/**
 * `count` copies of an async worker loop at once, settled only when every copy has ended: the
 * first failure is thrown then, and `failed()` tells the other copies to stop at their next turn.
 * (`Promise.all` would reject while siblings still run, so what they hold, open files say, could be
 * released under them.)
 */
export async function runWorkers(count: number, worker: (failed: () => boolean) => Promise<void>): Promise<void> {
  let failure: { readonly error: unknown } | undefined;
  const failed = (): boolean => failure !== undefined;
  await Promise.all(
    Array.from({ length: count }, () =>
      worker(failed).catch((error: unknown) => {
        failure ??= { error };
      }),
    ),
  );
  if (failure !== undefined) throw failure.error;
}
