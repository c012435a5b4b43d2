/**
 * A NodeChannel that hands each request to the named node's ReplicationService handlers in this
 * process, as a peer of cluster `strait`/`cu` would send it; an unknown node is disconnected.
 */
import { errors } from '../../../src/common/errors.js';
import type { NodeChannel, ReplicationService } from '../../../src/index/replication/service.js';
import { TRANSPORT_FORMAT_VERSION } from '../../../src/transport/index.js';

export function inProcessChannel(services: ReadonlyMap<string, ReplicationService>): NodeChannel {
  return {
    request: async (nodeId, action, body) => {
      const handler = services.get(nodeId)?.handlers().get(action);
      if (handler === undefined) throw errors.nodeDisconnected(nodeId, undefined, action);
      const handshake = { clusterName: 'strait', clusterUuid: 'cu', nodeId: 'x', nodeName: 'x', version: '9.1.0', roles: [], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION };
      return handler({ action, headers: {}, body, peer: { address: 'in-process', certificate: undefined, handshake } });
    },
  };
}
