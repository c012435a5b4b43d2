import { hostname } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { NodeConfig, SecureSettings, SslConfig } from './types.js';
import { findDefinition, parseByteSize, parseTimeValueMs, type SettingDefinition } from './schema.js';
import { coordinationConfigOf } from './coordination.js';

/** A setting problem the operator must fix; the CLI prints it and exits 78, as Elasticsearch does. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type FlatValue = string | readonly string[];
export type FlatConfig = Readonly<Record<string, FlatValue>>;

const DEFAULT_ROLES = ['data', 'ingest', 'master', 'remote_cluster_client'];
const KNOWN_ROLES = new Set(['master', 'data', 'data_content', 'data_hot', 'data_warm', 'data_cold', 'data_frozen', 'ingest', 'ml', 'remote_cluster_client', 'transform', 'voting_only']);

function scalar(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ConfigError(`invalid value for setting [${key}]: expected a scalar but got ${JSON.stringify(value)}`);
}

/** Nested YAML maps and dotted keys flatten alike (`a: {b: 1}` ≡ `a.b: 1`). Pure. */
export function flattenYaml(value: unknown, prefix = '', out: Record<string, FlatValue> = {}): Record<string, FlatValue> {
  if (value === null || value === undefined) return out;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError('strait.yml must hold a map of settings');
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const full = prefix === '' ? key : `${prefix}.${key}`;
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) flattenYaml(child, full, out);
    else if (Array.isArray(child)) out[full] = child.map((item) => scalar(full, item));
    else if (child === null) continue;
    else out[full] = scalar(full, child);
  }
  return out;
}

export function parseYamlSettings(text: string, source = 'strait.yml'): Record<string, FlatValue> {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`cannot parse [${source}]: ${(error as Error).message}`);
  }
  return flattenYaml(document);
}

/** `-E name=value` arguments. Pure. */
export function parseOverrides(overrides: readonly string[]): Record<string, FlatValue> {
  const out: Record<string, FlatValue> = {};
  for (const override of overrides) {
    const equals = override.indexOf('=');
    if (equals <= 0) throw new ConfigError(`setting [${override}] must be in the form name=value`);
    out[override.slice(0, equals).trim()] = override.slice(equals + 1);
  }
  return out;
}

function checkValue(definition: SettingDefinition, key: string, value: FlatValue): void {
  const type = definition.type;
  const fail = (expected: string): never => {
    throw new ConfigError(`invalid value [${String(value)}] for setting [${key}]: ${expected}`);
  };
  if (type.kind === 'list' || type.kind === 'pathList') return;
  if (Array.isArray(value)) fail('expected a single value, not a list');
  const text = value as string;
  switch (type.kind) {
    case 'boolean':
      if (text !== 'true' && text !== 'false') fail('only [true] or [false] are allowed');
      return;
    case 'integer': {
      const number = Number(text);
      if (!/^-?\d+$/.test(text) || number < type.min || number > type.max) fail(`expected an integer in [${type.min}, ${type.max}]`);
      return;
    }
    case 'byteSize':
      if (parseByteSize(text) === undefined) fail('expected a byte size such as [100mb]');
      return;
    case 'time':
      if (parseTimeValueMs(text) === undefined) fail('expected a time value such as [30s]');
      return;
    case 'enum':
      if (!type.values.includes(text)) fail(`expected one of [${type.values.join(', ')}]`);
      return;
    default:
      return;
  }
}

/** Who may set what: fault injection settings only where a test asked for them (the environment's STRAIT_TEST_FAULT_INJECTION=1). */
export interface SettingsPolicy {
  readonly faultInjectionAllowed: boolean;
}

/**
 * Validates the merged settings: unknown keys, keystore-only keys and (without the test flag)
 * fault injection keys stop the start with a message naming the setting. Pure.
 */
export function validateSettings(settings: FlatConfig, policy: SettingsPolicy = { faultInjectionAllowed: false }): void {
  for (const [key, value] of Object.entries(settings)) {
    const definition = findDefinition(key);
    if (definition === undefined) {
      throw new ConfigError(`unknown setting [${key}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings`);
    }
    if (definition.faultInjection === true && !policy.faultInjectionAllowed) {
      throw new ConfigError(`setting [${key}] injects faults for tests and is refused unless the environment sets STRAIT_TEST_FAULT_INJECTION=1`);
    }
    if (definition.secure === true) {
      throw new ConfigError(`setting [${key}] is a secure setting and must be stored inside the keystore, but was found inside strait.yml or on the command line`);
    }
    checkValue(definition, key, value);
  }
}

export function validateSecureSettingNames(names: readonly string[]): void {
  for (const name of names) {
    const definition = findDefinition(name);
    if (definition === undefined || definition.secure !== true) {
      throw new ConfigError(`unknown secure setting [${name}] in the keystore`);
    }
  }
}

function list(value: FlatValue | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return [...value];
  return (value as string).split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function text(value: FlatValue | undefined): string | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value.join(',') : (value as string);
}

/** `_local_` and friends, as Elasticsearch's special network values. */
function resolveHost(value: string): string {
  switch (value) {
    case '_local_':
    case '_site_':
      return '127.0.0.1';
    case '_local:ipv6_':
      return '::1';
    case '0.0.0.0':
    case '_global_':
      return '0.0.0.0';
    default:
      return value;
  }
}

/** Builds the NodeConfig from validated flat settings (pure but for the host name default). */
export function buildNodeConfig(configDir: string, settings: FlatConfig, secure: SecureSettings, policy?: SettingsPolicy): NodeConfig {
  validateSettings(settings, policy);
  validateSecureSettingNames(secure.names());
  const resolvePath = (file: string): string => path.resolve(configDir, file);
  const ssl = (prefix: string, defaults: { clientAuthentication: SslConfig['clientAuthentication'] }): SslConfig => ({
    enabled: text(settings[`${prefix}.enabled`]) === 'true',
    key: text(settings[`${prefix}.key`]) === undefined ? undefined : resolvePath(text(settings[`${prefix}.key`])!),
    certificate: text(settings[`${prefix}.certificate`]) === undefined ? undefined : resolvePath(text(settings[`${prefix}.certificate`])!),
    certificateAuthorities: (list(settings[`${prefix}.certificate_authorities`]) ?? []).map(resolvePath),
    keyPassphrase: secure.getString(`${prefix}.secure_key_passphrase`),
    verificationMode: (text(settings[`${prefix}.verification_mode`]) ?? 'full') as SslConfig['verificationMode'],
    clientAuthentication: (text(settings[`${prefix}.client_authentication`]) ?? defaults.clientAuthentication) as SslConfig['clientAuthentication'],
  });
  const roles = list(settings['node.roles']) ?? DEFAULT_ROLES;
  for (const role of roles) if (!KNOWN_ROLES.has(role)) throw new ConfigError(`invalid value [${role}] for setting [node.roles]: unknown role [${role}]`);
  const networkHost = resolveHost(text(settings['network.host']) ?? '127.0.0.1');
  // network.bind_host: every interface's default bind address (Elasticsearch's NetworkService).
  const bindHost = text(settings['network.bind_host']) ?? networkHost;
  const httpHost = resolveHost(text(settings['http.host']) ?? text(settings['http.bind_host']) ?? bindHost);
  const transportHost = resolveHost(text(settings['transport.host']) ?? text(settings['transport.bind_host']) ?? bindHost);
  const maxContent = text(settings['http.max_content_length']);
  const clusterName = text(settings['cluster.name']) ?? 'elasticsearch';
  const { discoveryType, coordination } = coordinationConfigOf(settings, secure, clusterName, resolvePath);
  return {
    configDir,
    clusterName,
    nodeName: text(settings['node.name']) ?? hostname(),
    nodeRoles: roles,
    pathData: resolvePath(text(settings['path.data']) ?? path.join('..', 'data')),
    networkHost,
    httpHost,
    httpPort: Number(text(settings['http.port']) ?? 9200),
    httpMaxContentLengthBytes: maxContent === undefined ? 100 * 1024 * 1024 : parseByteSize(maxContent)!,
    httpCompression: text(settings['http.compression']) === undefined ? undefined : text(settings['http.compression']) === 'true',
    httpCompressionLevel: Number(text(settings['http.compression_level']) ?? 3),
    transportHost,
    transportPort: Number(text(settings['transport.port']) ?? 9300),
    securityEnabled: text(settings['xpack.security.enabled']) !== 'false',
    httpSsl: ssl('xpack.security.http.ssl', { clientAuthentication: 'none' }),
    transportSsl: ssl('xpack.security.transport.ssl', { clientAuthentication: 'required' }),
    secure,
    discoveryType,
    coordination,
    flat: settings,
  };
}
