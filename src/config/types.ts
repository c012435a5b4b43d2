import type { CoordinationConfig, DiscoveryType } from './coordination.js';

/** TLS settings of one interface (`xpack.security.http.ssl.*`, `xpack.security.transport.ssl.*`). */
export interface SslConfig {
  readonly enabled: boolean;
  /** Absolute paths, resolved against the config dir. */
  readonly key: string | undefined;
  readonly certificate: string | undefined;
  readonly certificateAuthorities: readonly string[];
  /** From the keystore (`xpack.security.http.ssl.secure_key_passphrase`), never from strait.yml. */
  readonly keyPassphrase: string | undefined;
  readonly verificationMode: 'full' | 'certificate' | 'none';
  readonly clientAuthentication: 'required' | 'optional' | 'none';
}

/** Secure settings from `strait.keystore`. Values are never logged or rendered. */
export interface SecureSettings {
  has(name: string): boolean;
  /** The value as UTF-8 text, or undefined. */
  getString(name: string): string | undefined;
  names(): readonly string[];
}

/** The validated node configuration: strait.yml, then `-E` overrides, then the keystore. */
export interface NodeConfig {
  readonly configDir: string;
  readonly clusterName: string; // cluster.name, default 'elasticsearch'
  readonly nodeName: string; // node.name, default: the host name
  readonly nodeRoles: readonly string[]; // node.roles
  readonly pathData: string; // path.data, default <configDir>/../data
  readonly networkHost: string; // network.host, default 127.0.0.1 ('_local_')
  readonly httpHost: string; // http.host, default network.host
  readonly httpPort: number; // http.port, default 9200 (0 = any free port)
  readonly httpMaxContentLengthBytes: number; // http.max_content_length, default 100mb
  /** http.compression; undefined when not set: then on for HTTP, off for HTTPS (Elasticsearch's default, against BREACH). */
  readonly httpCompression: boolean | undefined;
  readonly httpCompressionLevel: number; // http.compression_level, 1..9, default 3
  readonly transportHost: string;
  readonly transportPort: number; // transport.port, default 9300 (0 = any free port)
  readonly securityEnabled: boolean; // xpack.security.enabled, default true
  readonly httpSsl: SslConfig;
  readonly transportSsl: SslConfig;
  readonly secure: SecureSettings;
  readonly discoveryType: DiscoveryType; // discovery.type, default 'single-node'
  /** The etcd coordination settings; undefined for a single node. */
  readonly coordination: CoordinationConfig | undefined;
  /** Every setting given, flat, with values as strings or string lists (for `GET /_nodes`). */
  readonly flat: Readonly<Record<string, string | readonly string[]>>;
}
