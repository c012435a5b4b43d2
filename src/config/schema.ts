/**
 * The node settings Strait knows, with Elasticsearch's names (pure). A key may contain one `*`
 * standing for one namespace segment (an alias in `cluster.remote.*.seeds`). Later layers add
 * rows here; an unknown key stops the start naming it, as Elasticsearch does.
 */
import { timeValueMsOrReason } from '../common/time-value.js';

export type SettingType =
  | { readonly kind: 'string' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'byteSize' }
  | { readonly kind: 'time' }
  | { readonly kind: 'list' }
  | { readonly kind: 'path' }
  | { readonly kind: 'pathList' }
  | { readonly kind: 'enum'; readonly values: readonly string[] };

export interface SettingDefinition {
  readonly key: string;
  readonly type: SettingType;
  /** Only allowed in the keystore (passwords, keys), never in strait.yml or -E. */
  readonly secure?: boolean;
  /** Allowed in either place (`bootstrap.password` is keystore-only in Elasticsearch). */
  readonly description?: string;
  /** TEST ONLY fault injection: refused unless the environment sets STRAIT_TEST_FAULT_INJECTION=1 (validateSettings). */
  readonly faultInjection?: true;
}

const string: SettingType = { kind: 'string' };
const boolean: SettingType = { kind: 'boolean' };
const port: SettingType = { kind: 'integer', min: 0, max: 65535 };
const time: SettingType = { kind: 'time' };
const list: SettingType = { kind: 'list' };
const pathType: SettingType = { kind: 'path' };
const pathList: SettingType = { kind: 'pathList' };

/** `side: 'client'` (remote_cluster_client) has no client_authentication: it never accepts connections. */
function sslSettings(prefix: string, side: 'server' | 'client' = 'server'): SettingDefinition[] {
  return [
    { key: `${prefix}.enabled`, type: boolean },
    { key: `${prefix}.key`, type: pathType },
    { key: `${prefix}.certificate`, type: pathType },
    { key: `${prefix}.certificate_authorities`, type: pathList },
    { key: `${prefix}.verification_mode`, type: { kind: 'enum', values: ['full', 'certificate', 'none'] } },
    ...(side === 'server' ? [{ key: `${prefix}.client_authentication`, type: { kind: 'enum', values: ['required', 'optional', 'none'] } } satisfies SettingDefinition] : []),
    { key: `${prefix}.supported_protocols`, type: list },
    { key: `${prefix}.cipher_suites`, type: list },
    { key: `${prefix}.secure_key_passphrase`, type: string, secure: true },
  ];
}

export const nodeSettingDefinitions: readonly SettingDefinition[] = [
  { key: 'cluster.name', type: string },
  { key: 'node.name', type: string },
  { key: 'node.roles', type: list },
  { key: 'node.attr.*', type: string },
  { key: 'path.data', type: pathType },
  { key: 'path.logs', type: pathType },
  { key: 'network.host', type: string },
  { key: 'network.bind_host', type: string },
  { key: 'network.publish_host', type: string },
  { key: 'http.host', type: string },
  { key: 'http.bind_host', type: string },
  { key: 'http.publish_host', type: string },
  { key: 'http.port', type: port },
  { key: 'http.max_content_length', type: { kind: 'byteSize' } },
  { key: 'http.compression', type: boolean },
  { key: 'http.compression_level', type: { kind: 'integer', min: 1, max: 9 } },
  { key: 'transport.host', type: string },
  { key: 'transport.bind_host', type: string },
  { key: 'transport.publish_host', type: string },
  { key: 'transport.port', type: port },
  { key: 'transport.compress', type: { kind: 'enum', values: ['true', 'false', 'indexing_data'] } },
  { key: 'transport.ping_schedule', type: time },
  { key: 'transport.connect_timeout', type: time },
  { key: 'remote_cluster_server.enabled', type: boolean },
  { key: 'remote_cluster.host', type: string },
  { key: 'remote_cluster.bind_host', type: string },
  { key: 'remote_cluster.publish_host', type: string },
  { key: 'remote_cluster.port', type: port },
  { key: 'remote_cluster.publish_port', type: port },
  { key: 'transport.publish_port', type: port },
  {
    key: 'strait.test.version',
    type: string,
    description: 'TEST ONLY fault injection (refused unless STRAIT_TEST_FAULT_INJECTION=1): the version this node claims in its handshake and GET / (to test the version rule end to end).',
    faultInjection: true,
  },
  {
    key: 'strait.test.search.shard_delay',
    type: time,
    description:
      'TEST ONLY fault injection (refused unless STRAIT_TEST_FAULT_INJECTION=1): a wait before each shard of a cancellable search (REST, async and remote searches), so tests can see and cancel a running search.',
    faultInjection: true,
  },
  {
    key: 'strait.test.scroll.node_page_disconnect',
    type: boolean,
    description:
      'TEST ONLY fault injection (refused unless STRAIT_TEST_FAULT_INJECTION=1): a scroll page another node of its cluster asks of this node (a page of a cross-cluster scroll held here, forwarded to it, or this node\'s part of a page of a scroll across nodes) is computed, then the connection it came on closed instead of answered, once per scroll id and offset.',
    faultInjection: true,
  },
  {
    key: 'strait.test.remote.scroll_disconnect_aliases',
    type: list,
    description:
      'TEST ONLY fault injection (refused unless STRAIT_TEST_FAULT_INJECTION=1): a cross-cluster scroll page asked by a cluster that calls this one by one of these aliases is computed, then its connection closed instead of answered, once per scroll id and offset.',
    faultInjection: true,
  },
  { key: 'xpack.security.enabled', type: boolean },
  { key: 'xpack.security.audit.enabled', type: boolean },
  { key: 'xpack.security.authc.api_key.cache.ttl', type: time },
  { key: 'xpack.security.authc.anonymous.username', type: string },
  { key: 'xpack.security.authc.anonymous.roles', type: list },
  { key: 'xpack.security.authc.anonymous.authz_exception', type: boolean },
  ...sslSettings('xpack.security.http.ssl'),
  ...sslSettings('xpack.security.transport.ssl'),
  { key: 'xpack.security.transport.ssl.trust_restrictions.path', type: pathType },
  { key: 'xpack.security.transport.ssl.trust_restrictions.x509_fields', type: list },
  ...sslSettings('xpack.security.remote_cluster_server.ssl'),
  ...sslSettings('xpack.security.remote_cluster_client.ssl', 'client'),
  { key: 'cluster.remote.connections_per_cluster', type: { kind: 'integer', min: 1, max: 1000 } },
  { key: 'cluster.remote.node.attr', type: string },
  { key: 'cluster.remote.initial_connect_timeout', type: time },
  { key: 'cluster.remote.*.mode', type: { kind: 'enum', values: ['sniff', 'proxy'] } },
  { key: 'cluster.remote.*.seeds', type: list },
  { key: 'cluster.remote.*.node_connections', type: { kind: 'integer', min: 1, max: 1000 } },
  { key: 'cluster.remote.*.proxy_address', type: string },
  { key: 'cluster.remote.*.proxy', type: string },
  { key: 'cluster.remote.*.proxy_socket_connections', type: { kind: 'integer', min: 1, max: 1000 } },
  { key: 'cluster.remote.*.server_name', type: string },
  { key: 'cluster.remote.*.skip_unavailable', type: boolean },
  { key: 'cluster.remote.*.transport.ping_schedule', type: time },
  { key: 'cluster.remote.*.transport.compress', type: { kind: 'enum', values: ['true', 'false', 'indexing_data'] } },
  { key: 'cluster.remote.*.credentials', type: string, secure: true },
  // Reindex from remote (src/search/reindex-remote.ts): which hosts, and how their HTTPS is trusted.
  { key: 'reindex.remote.whitelist', type: list },
  // Worker threads for shards' query phases (src/index/searcher/search-pool.ts); 0: the main thread.
  { key: 'thread_pool.search.size', type: { kind: 'integer', min: 0, max: 64 } },
  { key: 'reindex.ssl.certificate_authorities', type: pathList },
  { key: 'reindex.ssl.verification_mode', type: { kind: 'enum', values: ['full', 'certificate', 'none'] } },
  { key: 'reindex.ssl.certificate', type: pathType },
  { key: 'reindex.ssl.key', type: pathType },
  // Multi-node coordination on etcd (src/config/coordination.ts validates them together).
  { key: 'discovery.type', type: { kind: 'enum', values: ['single-node', 'multi-node'] } },
  { key: 'cluster.coordination.etcd.endpoints', type: list },
  { key: 'cluster.coordination.etcd.ssl.certificate_authorities', type: pathList },
  { key: 'cluster.coordination.etcd.ssl.certificate', type: pathType },
  { key: 'cluster.coordination.etcd.ssl.key', type: pathType },
  { key: 'cluster.coordination.etcd.username', type: string },
  { key: 'cluster.coordination.etcd.password', type: string, secure: true },
  { key: 'cluster.coordination.etcd.prefix', type: string },
  { key: 'cluster.coordination.etcd.connect_timeout', type: time },
  { key: 'cluster.fault_detection.follower_check.interval', type: time },
  { key: 'cluster.fault_detection.follower_check.timeout', type: time },
  { key: 'cluster.fault_detection.follower_check.retry_count', type: { kind: 'integer', min: 1, max: 100 } },
  { key: 'bootstrap.password', type: string, secure: true },
  { key: 'keystore.seed', type: string, secure: true },
];

/** Does `key` match a definition key with at most one `*` for one segment? */
export function definitionMatches(pattern: string, key: string): boolean {
  if (!pattern.includes('*')) return pattern === key;
  const [prefix, suffix] = pattern.split('*') as [string, string];
  if (!key.startsWith(prefix) || !key.endsWith(suffix)) return false;
  const middle = key.slice(prefix.length, key.length - suffix.length);
  return middle !== '' && !middle.includes('.');
}

export function findDefinition(key: string, definitions: readonly SettingDefinition[] = nodeSettingDefinitions): SettingDefinition | undefined {
  return definitions.find((definition) => definitionMatches(definition.key, key));
}

const BYTE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };

/** `100mb` → 104857600; undefined when unparsable. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|pb)$/i.exec(text.trim());
  if (match === null) return undefined;
  return Math.floor(Number(match[1]) * BYTE_UNITS[match[2]!.toLowerCase()]!);
}

/** `30s` → 30000; `-1` → -1; undefined when unparsable (common/time-value.ts, Elasticsearch's rules). */
export function parseTimeValueMs(text: string): number | undefined {
  const parsed = timeValueMsOrReason(text, '');
  return 'ms' in parsed ? parsed.ms : undefined;
}
