import { errors } from '../common/index.js';
import { timeValueMsOrReason } from '../common/time-value.js';

/**
 * Remote cluster settings (`cluster.remote.<alias>.*`, spec §2): which aliases exist, how each
 * connects, and the validation rules of §2.2. Pure: computed from the flat settings the node has
 * (strait.yml, overridden by persistent, overridden by transient cluster settings).
 */
export type FlatSettingValue = string | readonly string[];
export type Flat = Readonly<Record<string, FlatSettingValue>>;

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface RemoteAliasSettings {
  readonly alias: string;
  readonly mode: 'sniff' | 'proxy';
  readonly seeds: readonly string[];
  readonly nodeConnections: number;
  readonly proxyAddress: string;
  readonly proxySocketConnections: number;
  readonly serverName: string;
  readonly skipUnavailable: boolean;
  readonly pingScheduleMs: number;
  readonly compress: boolean;
}

export interface RemoteDefaults {
  readonly connectionsPerCluster: number;
  readonly pingScheduleMs: number;
  readonly compress: boolean;
}

const PREFIX = 'cluster.remote.';
const NODE_WIDE = new Set(['connections_per_cluster', 'node', 'initial_connect_timeout']);
const SNIFF_ONLY = ['seeds', 'node_connections', 'proxy'];
const PROXY_ONLY = ['proxy_address', 'proxy_socket_connections', 'server_name'];

/** `host:port` (IPv6 as `[::1]:9300`); throws the spec's 400s. */
export function parseAddress(value: string): Address {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) throw errors.illegalArgument(`remote hosts need to be configured as [host:port], found [${value}] instead`);
  let host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  if (!/^-?\d+$/.test(portText)) throw errors.illegalArgument(`failed to parse port [${portText}] of [${value}]`);
  const port = Number(portText);
  if (port <= 0) throw errors.illegalArgument(`port number must be > 0 but was: [${port}]`);
  if (port > 65535) throw errors.illegalArgument(`failed to parse port [${portText}] of [${value}]`);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port };
}

export function formatAddress(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** A node setting's time value → whole ms (common/time-value.ts); `-1` (off) stays -1, as does a value the settings validation would have refused. */
export function timeValueMs(text: string): number {
  const parsed = timeValueMsOrReason(text, '');
  return 'ms' in parsed ? Math.round(parsed.ms) : -1;
}

function aliasKeys(flat: Flat): Map<string, Map<string, FlatSettingValue>> {
  const byAlias = new Map<string, Map<string, FlatSettingValue>>();
  for (const [key, value] of Object.entries(flat)) {
    if (!key.startsWith(PREFIX)) continue;
    const rest = key.slice(PREFIX.length);
    const dot = rest.indexOf('.');
    if (dot < 0) continue;
    const alias = rest.slice(0, dot);
    if (NODE_WIDE.has(alias)) continue;
    const setting = rest.slice(dot + 1);
    if (!byAlias.has(alias)) byAlias.set(alias, new Map());
    byAlias.get(alias)!.set(setting, value);
  }
  return byAlias;
}

const asList = (value: FlatSettingValue | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? value.split(',').map((v) => v.trim()).filter((v) => v !== '') : value;
const asString = (value: FlatSettingValue | undefined): string => (value === undefined ? '' : typeof value === 'string' ? value : value.join(','));

/**
 * Validates the combined remote settings (spec §2.2) and returns the enabled aliases. Throws a 400
 * `illegal_argument_exception` naming the offending key.
 */
export function resolveRemoteAliases(flat: Flat, defaults: RemoteDefaults): Map<string, RemoteAliasSettings> {
  const result = new Map<string, RemoteAliasSettings>();
  for (const [alias, keys] of aliasKeys(flat)) {
    if (alias === '') throw errors.illegalArgument('remote cluster alias must not be empty');
    const modeText = asString(keys.get('mode') ?? 'sniff').toLowerCase();
    if (modeText !== 'sniff' && modeText !== 'proxy') {
      throw errors.illegalArgument(`Failed to parse value [${modeText}] for setting [${PREFIX}${alias}.mode]: must be [sniff] or [proxy]`);
    }
    const mode = modeText as 'sniff' | 'proxy';
    const seeds = asList(keys.get('seeds'));
    const proxyAddress = asString(keys.get('proxy_address'));
    for (const seed of seeds) parseAddress(seed);
    if (proxyAddress !== '') parseAddress(proxyAddress);
    const wrongMode = mode === 'sniff' ? PROXY_ONLY : SNIFF_ONLY;
    for (const key of wrongMode) {
      if (keys.has(key) && asString(keys.get(key)) !== '') {
        const required = mode === 'sniff' ? 'PROXY' : 'SNIFF';
        throw errors.illegalArgument(
          `Setting "${PREFIX}${alias}.${key}" cannot be used with the configured "${PREFIX}${alias}.mode" [required=${required}, configured=${mode.toUpperCase()}]`,
        );
      }
    }
    const enabled = mode === 'sniff' ? seeds.length > 0 : proxyAddress !== '';
    if (!enabled) {
      for (const key of keys.keys()) {
        if (key !== 'mode' && key !== 'seeds' && key !== 'proxy_address') {
          throw errors.illegalArgument(`Cannot configure setting [${PREFIX}${alias}.${key}] if remote cluster is not enabled.`);
        }
      }
      continue;
    }
    const integer = (key: string, fallback: number): number => {
      const value = keys.get(key);
      if (value === undefined) return fallback;
      const number = Number(asString(value));
      if (!Number.isInteger(number) || number < 1) throw errors.illegalArgument(`Failed to parse value [${asString(value)}] for setting [${PREFIX}${alias}.${key}] must be >= 1`);
      return number;
    };
    const skip = keys.get('skip_unavailable');
    const ping = keys.get('transport.ping_schedule');
    const compress = keys.get('transport.compress');
    result.set(alias, {
      alias,
      mode,
      seeds,
      nodeConnections: integer('node_connections', defaults.connectionsPerCluster),
      proxyAddress,
      proxySocketConnections: integer('proxy_socket_connections', 18),
      serverName: asString(keys.get('server_name')),
      skipUnavailable: skip === undefined ? true : asString(skip) === 'true',
      pingScheduleMs: ping === undefined ? defaults.pingScheduleMs : timeValueMs(asString(ping)),
      compress: compress === undefined ? defaults.compress : asString(compress) === 'true',
    });
  }
  return result;
}

/** Do two settings of one alias need new connections (spec §2.3)? skip_unavailable alone does not. */
export function needsReconnect(before: RemoteAliasSettings, after: RemoteAliasSettings): boolean {
  const { skipUnavailable: _a, ...restBefore } = before;
  const { skipUnavailable: _b, ...restAfter } = after;
  return JSON.stringify(restBefore) !== JSON.stringify(restAfter);
}
