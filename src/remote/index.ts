/** Remote clusters, local side: settings, connection strategies, the service, `_remote/info`. */
export { RemoteClusterService, type RemoteClusterServiceOptions } from './service.js';
export { RemoteConnections, isEligibleGateway, type ConnectTarget, type RemoteConnection, type RemoteModel, type RemoteNodeInfo, type SniffedNode } from './strategy.js';
export { formatAddress, needsReconnect, parseAddress, resolveRemoteAliases, timeValueMs, type Address, type Flat, type RemoteAliasSettings, type RemoteDefaults } from './settings.js';
