import type { Client } from '@elastic/elasticsearch';
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type StartedNode } from './cluster.js';
import { remoteConnected } from './wait.js';

/** A leader cluster and a follower cluster (one node each, one CA) for cross-cluster replication tests. */
export interface CcrPair {
  readonly leader: StartedNode;
  readonly follower: StartedNode;
}

/**
 * Starts the pair with the remote-cluster server/client settings and connects the follower to the
 * leader as `alias` (sniff mode, `skip_unavailable: false`), waiting until `_remote/info` says so.
 */
export async function startCcrPair(alias = 'lc'): Promise<CcrPair> {
  const ca = makeCa();
  const [leader, follower] = await Promise.all([
    startNode({ ca, clusterName: 'leader-cluster', nodeName: 'leader-1', yaml: REMOTE_CLUSTER_SERVER_YAML }),
    startNode({ ca, clusterName: 'follower-cluster', nodeName: 'follower-1', yaml: REMOTE_CLUSTER_CLIENT_YAML }),
  ]);
  try {
    const followerAdmin: Client = follower.client();
    await followerAdmin.cluster.putSettings({ persistent: { [`cluster.remote.${alias}.seeds`]: [leader.transportAddress], [`cluster.remote.${alias}.skip_unavailable`]: false } });
    await remoteConnected(followerAdmin, alias);
  } catch (error) {
    await Promise.all([leader.destroy(), follower.destroy()]);
    throw error;
  }
  return { leader, follower };
}
