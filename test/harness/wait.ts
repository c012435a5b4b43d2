import assert from 'node:assert/strict';
import { errors as clientErrors } from '@elastic/elasticsearch';

/** Polls `probe` every 100 ms until it returns a value (no timing assertion: only "eventually"). */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, attempts = 150): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The Elasticsearch error a client call must fail with: status, type and reason. */
export async function failure(promise: Promise<unknown>): Promise<{ status: number; type: string; reason: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof clientErrors.ResponseError, String(error));
    const body = error.meta.body as { error: { type: string; reason: string } };
    return { status: error.meta.statusCode ?? 0, type: body.error.type, reason: body.error.reason };
  }
  assert.fail('expected an error response');
}

/** The first root cause of a request that must fail with Elasticsearch's error shape (per-shard failures name the cause there). */
export async function rootCauseFailure(promise: Promise<unknown>): Promise<{ status: number; type: string; reason: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof clientErrors.ResponseError, String(error));
    const body = error.meta.body as { error: { root_cause: { type: string; reason: string }[] } };
    return { status: error.meta.statusCode ?? 0, type: body.error.root_cause[0]!.type, reason: body.error.root_cause[0]!.reason };
  }
  assert.fail('expected an error response');
}

/** Waits until `client`'s cluster reports the remote cluster `alias` connected (`GET /_remote/info`). */
export async function remoteConnected(client: { cluster: { remoteInfo(): Promise<unknown> } }, alias: string): Promise<Record<string, unknown>> {
  return until(`${alias} to connect`, async () => {
    const info = (await client.cluster.remoteInfo()) as Record<string, Record<string, unknown>>;
    return info[alias]?.['connected'] === true ? info[alias] : undefined;
  });
}
