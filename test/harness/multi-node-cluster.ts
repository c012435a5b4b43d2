/**
 * Test harness: a real etcd and N real Strait nodes forming one multi-node cluster (issue #14),
 * with security on by default: every node trusts one shared CA (mutual TLS on transport, the data
 * plane's internode actions) and has the same bootstrap `elastic` password, so a client made by
 * any node authenticates on every node.
 *
 * ```ts
 * const cluster = await startMultiNodeCluster({ clusterName: 'remote', nodes: 3, remoteClusterServer: true });
 * await cluster.nodes[0]!.client().security.putUser(...);
 * ...
 * await cluster.destroy();
 * ```
 *
 * Tests call `etcdSkipReason()` themselves (describe's `skip`), as the other multi-node tests do.
 */
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, removeTempDir, startNode, type Certificates, type StartedNode } from './cluster.js';
import { startEtcd, type RunningEtcd } from './etcd.js';
import { jsonCall } from './json-call.js';

export interface MultiNodeClusterOptions {
  /** How many nodes (3). */
  readonly nodes?: number;
  /** `cluster.name` (`multi`); node names are `<clusterName>-1`, `-2`, ... */
  readonly clusterName?: string;
  /** Security with TLS on HTTP and transport (true). */
  readonly security?: boolean;
  /** The `elastic` bootstrap password of every node (`test-password-1`). */
  readonly password?: string;
  /** Extra strait.yml lines for every node, or per node (index from 0). */
  readonly yaml?: string | ((index: number) => string);
  /** Opens the remote cluster interface on every node (the API key model's server side). */
  readonly remoteClusterServer?: boolean;
  /** Trusts the shared CA on the remote cluster client side (to connect to remotes made with the same `ca`). */
  readonly remoteClusterClient?: boolean;
  /** Reuse this etcd (another cluster at another prefix) instead of starting one; not destroyed by `destroy()`. */
  readonly etcd?: RunningEtcd;
  /** Reuse this CA (clusters trusting each other); otherwise one is made and removed by `destroy()`. */
  readonly ca?: Certificates;
  /** Keystore entries of every node (such as `cluster.coordination.etcd.password`). */
  readonly keystore?: Readonly<Record<string, string>>;
  /** Allows the test-only fault injection settings on every node (startNode's `faultInjection`). */
  readonly faultInjection?: boolean;
}

export interface MultiNodeCluster {
  readonly etcd: RunningEtcd;
  readonly ca: Certificates | undefined;
  /** The running nodes, in start order; `restart(i)` replaces entry i. */
  readonly nodes: StartedNode[];
  /** Node i's strait.yml extra lines (what `startNode` got), e.g. to start a further node alike. */
  readonly yamlOf: (index: number) => string;
  /** Waits until node `via` (0) sees `count` nodes (all by default) in `_cluster/health`. */
  waitForNodes(count?: number, via?: number): Promise<void>;
  /** Restarts node i (SIGTERM, then the same config and data) and waits for the cluster to list it. */
  restart(index: number): Promise<StartedNode>;
  /** Destroys every node, then etcd and the CA (unless they were given). */
  destroy(): Promise<void>;
}

export async function startMultiNodeCluster(options: MultiNodeClusterOptions = {}): Promise<MultiNodeCluster> {
  const count = options.nodes ?? 3;
  const clusterName = options.clusterName ?? 'multi';
  const security = options.security ?? true;
  const etcd = options.etcd ?? (await startEtcd());
  const ca = security ? (options.ca ?? makeCa()) : undefined;
  const nodes: StartedNode[] = [];
  const yamlOf = (index: number): string =>
    [
      'discovery.type: multi-node',
      `cluster.coordination.etcd.endpoints: ${etcd.endpoint}`,
      ...(options.remoteClusterServer === true ? [REMOTE_CLUSTER_SERVER_YAML] : []),
      ...(options.remoteClusterClient === true ? [REMOTE_CLUSTER_CLIENT_YAML] : []),
      ...(options.yaml === undefined ? [] : [typeof options.yaml === 'string' ? options.yaml : options.yaml(index)]),
    ].join('\n');
  const destroy = async (): Promise<void> => {
    for (const node of nodes) await node.destroy();
    if (options.etcd === undefined) await etcd.destroy();
    if (ca !== undefined && options.ca === undefined) removeTempDir(ca.dir);
  };
  const waitForNodes = async (wanted = nodes.length, via = 0): Promise<void> => {
    const health = await jsonCall(nodes[via]!, 'GET', `/_cluster/health?wait_for_nodes=${wanted}&timeout=30s`);
    if (health.status !== 200) throw new Error(`cluster [${clusterName}] did not reach ${wanted} nodes: ${health.text}`);
  };
  const startOne = (index: number): Promise<StartedNode> =>
    startNode({
      security,
      clusterName,
      nodeName: `${clusterName}-${index + 1}`,
      yaml: yamlOf(index),
      ...(ca !== undefined ? { ca } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.keystore !== undefined ? { keystore: options.keystore } : {}),
      ...(options.faultInjection === true ? { faultInjection: true } : {}),
    });
  try {
    // The first node alone (it is elected master, as tests restarting node 2 expect), then the
    // others together: they join a formed cluster at once, as a rolling start would, and their
    // start-ups overlap instead of queuing (one node start is seconds of a 2-core CI machine).
    nodes.push(await startOne(0));
    const others = await Promise.allSettled(Array.from({ length: count - 1 }, (_, i) => startOne(i + 1)));
    for (const other of others) if (other.status === 'fulfilled') nodes.push(other.value);
    const refused = others.find((other): other is PromiseRejectedResult => other.status === 'rejected');
    if (refused !== undefined) throw refused.reason;
    await waitForNodes(count);
  } catch (error) {
    await destroy();
    throw error;
  }
  return {
    etcd,
    ca,
    nodes,
    yamlOf,
    waitForNodes,
    restart: async (index) => {
      const restarted = await nodes[index]!.restart();
      nodes[index] = restarted;
      await waitForNodes(nodes.length, index);
      return restarted;
    },
    destroy,
  };
}
