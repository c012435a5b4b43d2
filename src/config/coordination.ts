/**
 * Multi-node coordination settings (issue #14), pure: `discovery.type`, the etcd connection
 * (`cluster.coordination.etcd.*`) and the fault detection settings that size the node's etcd lease.
 *
 * `discovery.type: single-node` (the default) needs no etcd and accepts no coordination setting: a
 * setting we accept is one we honour, so a `cluster.coordination.*` or `cluster.fault_detection.*`
 * setting on a single node is refused rather than ignored. `multi-node` (Elasticsearch's name)
 * requires the endpoints, and every inconsistency (TLS files without an https endpoint, a
 * certificate without its key, a user without the keystore password) stops the start naming the
 * setting, before the node touches etcd.
 *
 * Fault detection: Elasticsearch's master checks each follower every `follower_check.interval`
 * (1s), waits `follower_check.timeout` (10s) per check and removes a node after
 * `follower_check.retry_count` (3) failures in a row. Here the check is the etcd lease: the node
 * renews it every `interval`, and the lease outlives `interval × retry_count + timeout`, so a node
 * that missed `retry_count` renewals and then `timeout` more is gone. The defaults (1s, 1s, 3: a
 * 4 s lease) keep failover under the 5 s target; Elasticsearch's 10 s timeout would not.
 */
import { ConfigError, type FlatConfig, type FlatValue } from './settings.js';
import { parseTimeValueMs } from './schema.js';
import type { SecureSettings } from './types.js';

export type DiscoveryType = 'single-node' | 'multi-node';

export interface EtcdTlsConfig {
  /** Absolute paths, resolved against the config dir. */
  readonly certificateAuthorities: readonly string[];
  readonly certificate: string | undefined;
  readonly key: string | undefined;
}

export interface CoordinationConfig {
  readonly endpoints: readonly string[];
  readonly tls: EtcdTlsConfig | undefined;
  readonly username: string | undefined;
  /** From the keystore (`cluster.coordination.etcd.password`), never from strait.yml. */
  readonly password: string | undefined;
  /** Every key of this cluster lives under it; ends with `/`. */
  readonly prefix: string;
  readonly keepAliveIntervalMs: number;
  /** The etcd lease TTL, whole seconds (etcd's unit). */
  readonly leaseTtlSeconds: number;
  /** How long a start waits for etcd before it refuses (`cluster.coordination.etcd.connect_timeout`). */
  readonly connectTimeoutMs: number;
}

export const coordinationDefaults = {
  followerCheckIntervalMs: 1_000,
  followerCheckTimeoutMs: 1_000,
  followerCheckRetryCount: 3,
  connectTimeoutMs: 5_000,
  /** etcd 3.4 refuses leases shorter than its minimum TTL (about 2 s with default election settings). */
  leaseTtlSecondsMin: 2,
} as const;

/** The keys this module owns (schema rows live in schema.ts with the other node settings). */
export const coordinationSettingKeys = [
  'discovery.type',
  'cluster.coordination.etcd.endpoints',
  'cluster.coordination.etcd.ssl.certificate_authorities',
  'cluster.coordination.etcd.ssl.certificate',
  'cluster.coordination.etcd.ssl.key',
  'cluster.coordination.etcd.username',
  'cluster.coordination.etcd.password',
  'cluster.coordination.etcd.prefix',
  'cluster.coordination.etcd.connect_timeout',
  'cluster.fault_detection.follower_check.interval',
  'cluster.fault_detection.follower_check.timeout',
  'cluster.fault_detection.follower_check.retry_count',
] as const;

function listOf(value: FlatValue | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return [...(value as readonly string[])];
  return (value as string).split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function textOf(value: FlatValue | undefined): string | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value.join(',') : (value as string);
}

/** An etcd endpoint: `http(s)://host:port`, nothing after the port. */
function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError(`invalid value [${endpoint}] for setting [cluster.coordination.etcd.endpoints]: expected a URL such as [https://127.0.0.1:2379]`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.port === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '') {
    throw new ConfigError(`invalid value [${endpoint}] for setting [cluster.coordination.etcd.endpoints]: expected [http://host:port] or [https://host:port]`);
  }
  return url;
}

/**
 * The discovery type and, for `multi-node`, the validated coordination configuration. Throws
 * ConfigError naming the setting.
 */
export function coordinationConfigOf(
  settings: FlatConfig,
  secure: SecureSettings,
  clusterName: string,
  resolvePath: (file: string) => string,
): { readonly discoveryType: DiscoveryType; readonly coordination: CoordinationConfig | undefined } {
  const discoveryType = (textOf(settings['discovery.type']) ?? 'single-node') as DiscoveryType;
  const given = coordinationSettingKeys.filter((key) => key !== 'discovery.type' && (settings[key] !== undefined || secure.has(key)));
  if (discoveryType === 'single-node') {
    if (given.length > 0) {
      throw new ConfigError(`setting [${given[0]}] requires [discovery.type] to be [multi-node]; a single-node cluster has no coordination service`);
    }
    return { discoveryType, coordination: undefined };
  }
  const endpoints = listOf(settings['cluster.coordination.etcd.endpoints']);
  if (endpoints.length === 0) throw new ConfigError('setting [cluster.coordination.etcd.endpoints] is required when [discovery.type] is [multi-node]');
  const urls = endpoints.map(parseEndpoint);
  const schemes = new Set(urls.map((url) => url.protocol));
  if (schemes.size > 1) throw new ConfigError('invalid value for setting [cluster.coordination.etcd.endpoints]: mixes http and https endpoints');
  const https = schemes.has('https:');
  const cas = listOf(settings['cluster.coordination.etcd.ssl.certificate_authorities']).map(resolvePath);
  const certificate = textOf(settings['cluster.coordination.etcd.ssl.certificate']);
  const key = textOf(settings['cluster.coordination.etcd.ssl.key']);
  const tlsGiven = cas.length > 0 || certificate !== undefined || key !== undefined;
  if (tlsGiven && !https) {
    const named = cas.length > 0 ? 'cluster.coordination.etcd.ssl.certificate_authorities' : certificate !== undefined ? 'cluster.coordination.etcd.ssl.certificate' : 'cluster.coordination.etcd.ssl.key';
    throw new ConfigError(`setting [${named}] requires https endpoints in [cluster.coordination.etcd.endpoints]`);
  }
  if ((certificate === undefined) !== (key === undefined)) {
    const missing = certificate === undefined ? 'cluster.coordination.etcd.ssl.certificate' : 'cluster.coordination.etcd.ssl.key';
    throw new ConfigError(`setting [${missing}] is required when [${missing === 'cluster.coordination.etcd.ssl.key' ? 'cluster.coordination.etcd.ssl.certificate' : 'cluster.coordination.etcd.ssl.key'}] is set`);
  }
  const username = textOf(settings['cluster.coordination.etcd.username']);
  const password = secure.getString('cluster.coordination.etcd.password');
  if (username !== undefined && password === undefined) {
    throw new ConfigError('setting [cluster.coordination.etcd.username] requires the keystore setting [cluster.coordination.etcd.password]');
  }
  if (username === undefined && password !== undefined) {
    throw new ConfigError('keystore setting [cluster.coordination.etcd.password] requires [cluster.coordination.etcd.username]');
  }
  let prefix = textOf(settings['cluster.coordination.etcd.prefix']) ?? `/strait/${clusterName}/`;
  if (!prefix.startsWith('/') || prefix.length < 2) {
    throw new ConfigError(`invalid value [${prefix}] for setting [cluster.coordination.etcd.prefix]: must start with [/] and name a path`);
  }
  if (!prefix.endsWith('/')) prefix = `${prefix}/`;
  const timeMs = (setting: string, fallback: number): number => {
    const value = textOf(settings[setting]);
    const parsed = value === undefined ? fallback : parseTimeValueMs(value)!;
    if (parsed <= 0) throw new ConfigError(`invalid value [${value}] for setting [${setting}]: must be positive`);
    return parsed;
  };
  const intervalMs = timeMs('cluster.fault_detection.follower_check.interval', coordinationDefaults.followerCheckIntervalMs);
  const timeoutMs = timeMs('cluster.fault_detection.follower_check.timeout', coordinationDefaults.followerCheckTimeoutMs);
  const retryText = textOf(settings['cluster.fault_detection.follower_check.retry_count']);
  const retryCount = retryText === undefined ? coordinationDefaults.followerCheckRetryCount : Number(retryText);
  const leaseMs = intervalMs * retryCount + timeoutMs;
  const leaseTtlSeconds = Math.ceil(leaseMs / 1000);
  if (leaseTtlSeconds < coordinationDefaults.leaseTtlSecondsMin) {
    throw new ConfigError(
      `settings [cluster.fault_detection.follower_check.interval] × [cluster.fault_detection.follower_check.retry_count] + [cluster.fault_detection.follower_check.timeout] give a lease of [${leaseMs}ms]; etcd needs at least [${coordinationDefaults.leaseTtlSecondsMin}s]`,
    );
  }
  if (intervalMs * 2 > leaseMs) {
    throw new ConfigError('setting [cluster.fault_detection.follower_check.interval] must leave room for at least two lease renewals within the lease');
  }
  return {
    discoveryType,
    coordination: {
      endpoints: urls.map((url) => `${url.protocol}//${url.host}`),
      tls: https ? { certificateAuthorities: cas, certificate: certificate === undefined ? undefined : resolvePath(certificate), key: key === undefined ? undefined : resolvePath(key) } : undefined,
      username,
      password,
      prefix,
      keepAliveIntervalMs: intervalMs,
      leaseTtlSeconds,
      connectTimeoutMs: timeMs('cluster.coordination.etcd.connect_timeout', coordinationDefaults.connectTimeoutMs),
    },
  };
}
