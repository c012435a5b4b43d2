/**
 * The publications of shared metadata a request made (multi-node mode, issue #14), and the route
 * wrapper that answers only once etcd accepted each of them. Shared by the security metadata
 * (wire-security-sharing.ts) and the cluster metadata (templates, pipelines, stored scripts:
 * wire-metadata-sharing.ts): a store hands its writes to `track` synchronously inside the request,
 * the wrapper collects them through AsyncLocalStorage, so every route that writes is covered
 * without naming it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EsError } from '../common/index.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';

export class RequestPublications {
  private readonly collected = new AsyncLocalStorage<Promise<number>[]>();

  /**
   * @param failure the error a request answers with when etcd did not accept one of its writes,
   *   given etcd's error message.
   */
  constructor(private readonly failure: (cause: string) => EsError) {}

  /** One publication; a request waits for it, a write outside any request only logs its failure (the range does). */
  track(published: Promise<number>): void {
    const collected = this.collected.getStore();
    if (collected !== undefined) collected.push(published);
    else published.catch(() => undefined);
  }

  /** The routes, each answering only once the writes it published are in etcd. */
  applyTo(routes: readonly Route[]): Route[] {
    return routes.map((route) => ({
      ...route,
      handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
        const collected: Promise<number>[] = [];
        const response = await this.collected.run(collected, () => route.handle(request, context));
        if (collected.length > 0) {
          try {
            await Promise.all(collected);
          } catch (error) {
            throw this.failure(error instanceof Error ? error.message : String(error));
          }
        }
        return response;
      },
    }));
  }
}
