/**
 * The service account credentials API (`GET /_security/service/{namespace}/{service}/credential`)
 * in a multi-node cluster (issue #14). Elasticsearch answers it in two parts: `tokens`, the tokens
 * of the security index, which every node shares (Strait shares them through etcd,
 * src/security/replication.ts, so the node's own store answers), and `nodes_credentials`, the
 * file-backed tokens each node holds, gathered from every node of the cluster by a nodes action
 * (`cluster:admin/xpack/security/service_account/credential/get[n]`), with `_nodes` counting the
 * nodes asked, those that answered and those that failed. Strait keeps no file-backed tokens, so
 * each node that answers reports none; but `_nodes` counts the cluster's nodes, not this one alone
 * (it said `total: 1` on every node). A node that does not answer is a failure in
 * `_nodes.failures`, as Elasticsearch lists a FailedNodeException.
 * References: security-api-get-service-credentials.html, GetServiceAccountNodesCredentialsAction,
 * TransportGetServiceAccountNodesCredentialsAction. Loaded only in multi-node mode (node.ts).
 */
import type { Logger } from 'pino';
import { EsError, errors } from '../common/index.js';
import type { Route } from '../http/route.js';
import type { TransportHandler } from '../transport/index.js';
import type { CoordinationWiring } from './wire-coordination.js';
import type { DataPlaneWiring } from './wire-data-plane.js';
import { askEachNode } from './ask-nodes.js';
import type { MultiNodeWiringOptions } from './multi-node-wiring.js';

export const SERVICE_CREDENTIALS_ACTION = 'cluster:admin/xpack/security/service_account/credential/get';
export const SERVICE_CREDENTIALS_NODE_ACTION = `${SERVICE_CREDENTIALS_ACTION}[n]`;

/** How long the coordinating node waits for each node's answer. */
const nodeRequestTimeoutMs = 30_000;

/** One node's answer: the file-backed token names it holds for the service account. */
interface NodeCredentials {
  readonly file_tokens: readonly string[];
}

/**
 * `nodes_credentials` from the nodes' answers (pure): a file token lists the names of the nodes
 * holding it; `_nodes` counts every node asked.
 */
export function renderNodesCredentials(answers: ReadonlyMap<string, { readonly nodeName: string; readonly answer: NodeCredentials | EsError }>): Record<string, unknown> {
  const fileTokens: Record<string, { nodes: string[] }> = {};
  const failures: Record<string, unknown>[] = [];
  for (const [nodeId, { nodeName, answer }] of answers) {
    if (answer instanceof EsError) {
      failures.push(errors.failedNode(nodeId, answer).toCause());
      continue;
    }
    for (const name of answer.file_tokens) (fileTokens[name] ??= { nodes: [] }).nodes.push(nodeName);
  }
  const nodes: Record<string, unknown> = { total: answers.size, successful: answers.size - failures.length, failed: failures.length };
  if (failures.length > 0) nodes['failures'] = failures;
  return { _nodes: nodes, file_tokens: fileTokens };
}

export type ServiceCredentialsWiringOptions = MultiNodeWiringOptions;

export interface ServiceCredentialsWiring {
  applyTo(routes: readonly Route[]): Route[];
}

export function wireServiceCredentials(options: ServiceCredentialsWiringOptions): ServiceCredentialsWiring {
  const { nodeId, dataPlane } = options;
  const { coordinator } = options.coordination;
  // Strait keeps no file-backed service tokens (README): this node holds none for any account.
  const local = (body: unknown): NodeCredentials => {
    const principal = (body as { service_account?: unknown } | null)?.service_account;
    if (typeof principal !== 'string') throw errors.illegalArgument('a node credentials request names its [service_account]');
    return { file_tokens: [] };
  };
  options.addTransportHandlers(new Map<string, TransportHandler>([[SERVICE_CREDENTIALS_NODE_ACTION, dataPlane.replication.internalHandler(local)]]));

  const gather = async (principal: string): Promise<Record<string, unknown>> => {
    const state = coordinator.state();
    const asked = await askEachNode({ nodeId, channel: dataPlane.channel, log: options.log }, Object.keys(state.nodes), SERVICE_CREDENTIALS_NODE_ACTION, { service_account: principal }, nodeRequestTimeoutMs, local, (answer, node) => {
      if (!Array.isArray(answer.file_tokens)) throw errors.illegalArgument(`node [${node}] answered without [file_tokens]`);
      return answer;
    });
    const answers = new Map([...asked].map(([node, answer]) => [node, { nodeName: state.nodes[node]!.name, answer }]));
    return renderNodesCredentials(answers);
  };

  return {
    applyTo: (routes) =>
      routes.map((route): Route => {
        if (route.action !== SERVICE_CREDENTIALS_ACTION) return route;
        return {
          ...route,
          handle: async (request, context) => {
            // The tokens of the shared store, as one node answers them; the nodes part from every node.
            const answer = await route.handle(request, context);
            const body = answer.body as Record<string, unknown>;
            const nodesCredentials = await gather(String(body['service_account']));
            // Elasticsearch's count is the index tokens plus the file tokens.
            const count = Object.keys(body['tokens'] as Record<string, unknown>).length + Object.keys(nodesCredentials['file_tokens'] as Record<string, unknown>).length;
            return { ...answer, body: { ...body, count, nodes_credentials: nodesCredentials } };
          },
        };
      }),
  };
}
