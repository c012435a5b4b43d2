import { formatVersion, incompatibilityReason, parseVersion, type Version } from './version.js';

/**
 * The transport handshake (shared/spec/remote-clusters.md §8.3): each side sends who it is; the
 * dialling side pins the remote cluster name once known. The decision is pure.
 */
export const HANDSHAKE_ACTION = 'internal:tcp/handshake';

export interface HandshakeInfo {
  readonly clusterName: string;
  readonly clusterUuid: string;
  readonly nodeId: string;
  readonly nodeName: string;
  /** The Elasticsearch API level the node implements, `major.minor.patch`. */
  readonly version: string;
  readonly roles: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly transportFormatVersion: number;
}

export type HandshakeDecision =
  | { readonly accepted: true; readonly remote: HandshakeInfo }
  | { readonly accepted: false; readonly reason: string };

/** Reads an untrusted handshake body; undefined when it is not a handshake. */
export function parseHandshake(body: unknown): HandshakeInfo | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = body as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof value[key] === 'string' ? (value[key] as string) : undefined);
  const clusterName = text('cluster_name');
  const clusterUuid = text('cluster_uuid');
  const nodeId = text('node_id');
  const nodeName = text('node_name');
  const version = text('version');
  const roles = value['roles'];
  const attributes = value['attributes'];
  const formatVersion = value['transport_format_version'];
  if (clusterName === undefined || clusterUuid === undefined || nodeId === undefined || nodeName === undefined || version === undefined) return undefined;
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) return undefined;
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) return undefined;
  if (!Object.values(attributes).every((attribute) => typeof attribute === 'string')) return undefined;
  if (typeof formatVersion !== 'number' || !Number.isInteger(formatVersion)) return undefined;
  return {
    clusterName,
    clusterUuid,
    nodeId,
    nodeName,
    version,
    roles: roles as string[],
    attributes: attributes as Record<string, string>,
    transportFormatVersion: formatVersion,
  };
}

export function encodeHandshake(info: HandshakeInfo): Record<string, unknown> {
  return {
    cluster_name: info.clusterName,
    cluster_uuid: info.clusterUuid,
    node_id: info.nodeId,
    node_name: info.nodeName,
    version: info.version,
    roles: info.roles,
    attributes: info.attributes,
    transport_format_version: info.transportFormatVersion,
  };
}

export function decideHandshake(
  local: HandshakeInfo,
  remoteBody: unknown,
  options: { readonly expectedClusterName?: string; readonly transportFormatVersions: readonly [number, number] },
): HandshakeDecision {
  const remote = parseHandshake(remoteBody);
  if (remote === undefined) return { accepted: false, reason: 'handshake failed: malformed handshake message' };
  const localVersion = parseVersion(local.version) as Version;
  const remoteVersion = parseVersion(remote.version);
  if (remoteVersion === undefined) return { accepted: false, reason: `handshake with [${remote.nodeName}] failed: unreadable version [${remote.version}]` };
  const incompatible = incompatibilityReason(localVersion, remoteVersion);
  if (incompatible !== undefined) return { accepted: false, reason: `handshake with [${remote.nodeName}] failed: ${incompatible}` };
  const [formatMin, formatMax] = options.transportFormatVersions;
  if (remote.transportFormatVersion < formatMin || remote.transportFormatVersion > formatMax) {
    return {
      accepted: false,
      reason: `handshake with [${remote.nodeName}] failed: transport format version [${remote.transportFormatVersion}] is outside [${formatMin}, ${formatMax}] (node version [${formatVersion(remoteVersion)}])`,
    };
  }
  if (options.expectedClusterName !== undefined && remote.clusterName !== options.expectedClusterName) {
    return {
      accepted: false,
      reason: `handshake with [${remote.nodeName}] failed: remote cluster name [${remote.clusterName}] does not match expected remote cluster name [${options.expectedClusterName}]`,
    };
  }
  return { accepted: true, remote };
}
