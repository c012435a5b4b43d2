/**
 * A node-level fan-out (Elasticsearch's TransportNodesAction shape): the coordinating node asks each
 * node for `action`, answering for itself without the transport, and keeps per node its answer or
 * the reason it failed, so a node that does not answer is a failure the response lists rather than
 * a failed request. Used by the stats and service credentials wirings.
 */
import type { Logger } from 'pino';
import { EsError, errors } from '../common/index.js';
import type { NodeChannel } from '../index/replication/service.js';

export interface NodeFanOut {
  readonly nodeId: string;
  readonly channel: NodeChannel;
  readonly log: Logger;
}

/**
 * Asks each of `nodes` (in that order in the answer) for `action` with `body`, `local` answering for
 * this node; `accept` checks an answer (throwing makes it that node's failure).
 */
export async function askEachNode<T>(
  fanOut: NodeFanOut,
  nodes: Iterable<string>,
  action: string,
  body: unknown,
  timeoutMs: number,
  local: (body: unknown) => T | Promise<T>,
  accept: (answer: T, node: string) => T = (answer) => answer,
): Promise<Map<string, T | EsError>> {
  const answered = await Promise.all(
    [...nodes].map(async (node): Promise<[string, T | EsError]> => {
      try {
        return [node, accept(node === fanOut.nodeId ? await local(body) : ((await fanOut.channel.request(node, action, body, timeoutMs)) as T), node)];
      } catch (error) {
        fanOut.log.warn({ err: error, node, action }, 'a node did not answer a node-level request');
        return [node, error instanceof EsError ? error : errors.connectTransport(node, undefined, error instanceof Error ? error.message : String(error))];
      }
    }),
  );
  return new Map(answered);
}
