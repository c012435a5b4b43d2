/**
 * TLS for the transport and remote-cluster interfaces (shared/spec/remote-clusters.md §1.3).
 * Server side: `clientAuthentication` required | optional | none (transport: mutual TLS by default;
 * remote cluster server: server-authenticated only). Client side: `verificationMode` full |
 * certificate | none. Options are spelled out at every call (style P13). The option builders and
 * the failure wording are pure; sockets live in server.ts and connection.ts.
 */
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate, type SecureVersion, type TLSSocket, type TlsOptions } from 'node:tls';
import { trustRestrictionRefusal, type TrustRestriction } from './trust-restrictions.js';

export type PemInput = string | Buffer;
export type ClientAuthentication = 'required' | 'optional' | 'none';
export type VerificationMode = 'full' | 'certificate' | 'none';

export interface TransportServerTlsOptions {
  readonly key: PemInput;
  readonly cert: PemInput;
  /** Authorities trusted for client certificates; needed unless clientAuthentication is 'none'. */
  readonly ca?: PemInput | readonly PemInput[];
  readonly passphrase?: string;
  readonly clientAuthentication: ClientAuthentication;
  /**
   * How a presented client certificate is checked: `none` trusts any (Elasticsearch's trust-all
   * manager); `full` and `certificate` verify the chain. A server has no name to match the client
   * against, so `full` checks no hostname here, as in Elasticsearch. Default `full`.
   */
  readonly verificationMode?: VerificationMode;
  /** `supported_protocols` and `cipher_suites`; the defaults when absent. */
  readonly protocols?: TlsProtocols;
  /** Restricted trust (transport only): asked per connection, so a reloaded file applies at once. */
  readonly trustRestriction?: () => TrustRestriction | undefined;
}

/** The protocol versions and cipher suites an interface offers (`supported_protocols`, `cipher_suites`). */
export interface TlsProtocols {
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  /** OpenSSL cipher string (TLS 1.3 suites included); Node's default list when absent. */
  readonly ciphers?: string;
}

export interface TransportClientTlsOptions {
  /** Authorities trusted for the server certificate (Node's bundled roots when absent). */
  readonly ca?: PemInput | readonly PemInput[];
  /** Client certificate and key for mutual TLS; both or neither. */
  readonly cert?: PemInput;
  readonly key?: PemInput;
  readonly passphrase?: string;
  readonly verificationMode: VerificationMode;
  /** SNI name; also the name the certificate must match under `full` (else the dialled host). */
  readonly serverName?: string;
  /** `supported_protocols` and `cipher_suites`; the defaults when absent. */
  readonly protocols?: TlsProtocols;
  /** Restricted trust (transport only): asked per connection, so a reloaded file applies at once. */
  readonly trustRestriction?: () => TrustRestriction | undefined;
}

/** What handlers learn about a peer's certificate (the leaf only). */
export interface PeerCertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly subjectAltName: string | undefined;
  readonly serialNumber: string;
  readonly fingerprint256: string;
  readonly validFrom: string;
  readonly validTo: string;
  /** Whether the chain verified against the configured authorities. */
  readonly authorized: boolean;
}

// Elasticsearch's supported_protocols default is TLSv1.3 and TLSv1.2; older protocols are refused.
const MIN_TLS_VERSION = 'TLSv1.2' as const;
const MAX_TLS_VERSION = 'TLSv1.3' as const;
const DEFAULT_PROTOCOLS: TlsProtocols = { minVersion: MIN_TLS_VERSION, maxVersion: MAX_TLS_VERSION };

/** The protocols Strait can offer, oldest first (Node's OpenSSL refuses TLSv1 and TLSv1.1 at its default security level). */
const PROTOCOLS: readonly SecureVersion[] = ['TLSv1.2', 'TLSv1.3'];

/**
 * Elasticsearch (JSSE) cipher suite names and their OpenSSL names. TLS 1.3 suites keep their
 * names; TLS 1.2 suites are renamed. A name outside this table is refused at start.
 */
const CIPHER_SUITES: ReadonlyMap<string, string> = new Map([
  ['TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
  ['TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
  ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
]);

/**
 * `<prefix>.supported_protocols` and `<prefix>.cipher_suites` as Node TLS options; throws an Error
 * naming the setting for a value this server cannot honour. Listing no TLS 1.3 suite leaves TLS
 * 1.3 out (Elasticsearch's JSSE could not negotiate it either); listing only TLS 1.3 suites leaves
 * TLS 1.2 out. `availableCiphers` is `tls.getCiphers()` (lower case), passed in to stay pure.
 */
export function tlsProtocols(
  prefix: string,
  supportedProtocols: readonly string[] | undefined,
  cipherSuites: readonly string[] | undefined,
  availableCiphers: readonly string[],
): TlsProtocols {
  let versions: SecureVersion[] = [...PROTOCOLS];
  if (supportedProtocols !== undefined) {
    if (supportedProtocols.length === 0) throw new Error(`[${prefix}.supported_protocols] must name at least one protocol`);
    for (const protocol of supportedProtocols) {
      if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
        throw new Error(`[${prefix}.supported_protocols] contains [${protocol}], which this server does not support; supported: [${PROTOCOLS.join(', ')}]`);
      }
    }
    versions = PROTOCOLS.filter((protocol) => supportedProtocols.includes(protocol));
  }
  let ciphers: string | undefined;
  if (cipherSuites !== undefined) {
    if (cipherSuites.length === 0) throw new Error(`[${prefix}.cipher_suites] must name at least one cipher suite`);
    const available = new Set(availableCiphers.map((name) => name.toLowerCase()));
    const openssl = cipherSuites.map((suite) => {
      const name = CIPHER_SUITES.get(suite);
      if (name === undefined || !available.has(name.toLowerCase())) throw new Error(`[${prefix}.cipher_suites] contains [${suite}], which this server does not support`);
      return name;
    });
    const tls13 = openssl.some((name) => name.startsWith('TLS_'));
    const tls12 = openssl.some((name) => !name.startsWith('TLS_'));
    versions = versions.filter((version) => (version === 'TLSv1.3' ? tls13 : tls12));
    if (versions.length === 0) {
      throw new Error(`[${prefix}.cipher_suites] names no cipher suite for the protocols in [${prefix}.supported_protocols]`);
    }
    ciphers = openssl.join(':');
  }
  if (supportedProtocols === undefined && cipherSuites === undefined) return DEFAULT_PROTOCOLS;
  return { minVersion: versions[0]!, maxVersion: versions[versions.length - 1]!, ...(ciphers !== undefined ? { ciphers } : {}) };
}

/** Node's options for a TlsProtocols (the defaults when absent). */
export function protocolOptions(protocols: TlsProtocols | undefined): Pick<TlsOptions, 'minVersion' | 'maxVersion' | 'ciphers'> {
  const chosen = protocols ?? DEFAULT_PROTOCOLS;
  return { minVersion: chosen.minVersion, maxVersion: chosen.maxVersion, ...(chosen.ciphers !== undefined ? { ciphers: chosen.ciphers } : {}) };
}

const caList = (ca: PemInput | readonly PemInput[] | undefined): PemInput[] | undefined =>
  ca === undefined ? undefined : Array.isArray(ca) ? [...(ca as readonly PemInput[])] : [ca as PemInput];

export function serverTlsOptions(options: TransportServerTlsOptions): TlsOptions {
  const ca = caList(options.ca);
  return {
    key: options.key,
    cert: options.cert,
    ...(ca !== undefined ? { ca } : {}),
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    requestCert: options.clientAuthentication !== 'none',
    // Deliberately false for 'required' and 'optional' alike: Node checks the chain after the TLS
    // handshake and, when rejecting, destroys the socket without a TLS alert, so the client learns
    // nothing. The server shell instead reads `authorized` itself, dispatches nothing, and answers
    // the client's handshake frame with the reason (server.ts, `clientCertificateRefusal`).
    rejectUnauthorized: false,
    ...protocolOptions(options.protocols),
  };
}

export function clientTlsOptions(host: string, options: TransportClientTlsOptions): ConnectionOptions {
  const ca = caList(options.ca);
  const serverName = options.serverName ?? (isIP(host) === 0 ? host : undefined); // RFC 6066: SNI is never an IP
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    ...(serverName !== undefined ? { servername: serverName } : {}),
    // full: chain and hostname/IP; certificate: chain only; none: nothing (tests and labs only).
    // The checks run in `verifyServer` after the TLS handshake, so that a refusal can name the
    // certificate (Node discards it when it rejects the chain itself).
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    ...protocolOptions(options.protocols),
  };
}

/**
 * The server checks of `verificationMode` on an established TLS socket: undefined when the server
 * may be trusted, else the reason, naming the certificate (subject, issuer, fingerprint).
 */
export function verifyServer(socket: TLSSocket, host: string, options: TransportClientTlsOptions): string | undefined {
  if (options.verificationMode === 'none') return undefined;
  const peer = socket.getPeerCertificate();
  const info = peerCertificateInfo(peer, socket.authorized);
  const named =
    info === undefined ? ' (the server sent no certificate)' : ` (server certificate subject [${info.subject}], issuer [${info.issuer}], sha256 fingerprint [${info.fingerprint256}], valid until [${info.validTo}])`;
  if (!socket.authorized) {
    const error = socket.authorizationError as (Error & { code?: string }) | string | null;
    const code = typeof error === 'string' ? error : (error?.code ?? String(error?.message ?? 'unverified'));
    return `${describeClientFailure(code, typeof error === 'string' ? error : (error?.message ?? ''))}${named}`;
  }
  if (options.verificationMode === 'full') {
    const identityError = checkServerIdentity(options.serverName ?? host, peer);
    if (identityError !== undefined) return `${describeClientFailure('ERR_TLS_CERT_ALTNAME_INVALID', identityError.message)}${named}`;
  }
  const restricted = trustRestrictionRefusal(options.trustRestriction?.(), peer.raw);
  if (restricted !== undefined) return `the server certificate is trusted, but ${restricted}${named}`;
  return undefined;
}

export function peerCertificateInfo(certificate: PeerCertificate | undefined, authorized: boolean): PeerCertificateInfo | undefined {
  if (certificate === undefined || certificate.raw === undefined || certificate.raw.length === 0) return undefined;
  const parsed = new X509Certificate(certificate.raw);
  return {
    subject: parsed.subject,
    issuer: parsed.issuer,
    subjectAltName: parsed.subjectAltName,
    serialNumber: parsed.serialNumber,
    fingerprint256: parsed.fingerprint256,
    validFrom: parsed.validFrom,
    validTo: parsed.validTo,
    authorized,
  };
}

const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
]);

/**
 * Why a dialled connection failed, in words an operator can act on (the §9 log phrases where
 * Elasticsearch has one). `code` is Node's error code, `message` its text.
 */
export function describeClientFailure(code: string | undefined, message: string): string {
  if (code !== undefined && UNTRUSTED_CODES.has(code)) {
    return `failed to establish trust with server: its certificate is not trusted by the configured certificate authorities [${code}]`;
  }
  switch (code) {
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `failed to establish trust with server: hostname mismatch, the server certificate does not match the address dialled (${message})`;
    case 'CERT_HAS_EXPIRED':
      return 'failed to establish trust with server: its certificate has expired';
    case 'CERT_NOT_YET_VALID':
      return 'failed to establish trust with server: its certificate is not yet valid';
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
      return 'the server requires a client certificate (mutual TLS) and none was presented';
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
      return 'TLS handshake failure: the server may require a client certificate, or no protocol or cipher is shared';
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
      return 'the server did not trust the client certificate: unknown certificate authority';
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
      return 'the server rejected the client certificate: bad_certificate';
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED':
      return 'the server rejected the client certificate: it has expired';
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return `the remote interface did not answer with TLS; is it a plain-text port? (${message})`;
    case 'ECONNREFUSED':
      return 'connect_exception: Connection refused';
    case 'ECONNRESET':
      return 'connection reset by peer';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `connect_exception: host unreachable (${message})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `connect_exception: unknown host (${message})`;
    default:
      return code !== undefined ? `${message} [${code}]` : message;
  }
}

/**
 * Whether an accepted TLS client may proceed under `clientAuthentication`; otherwise the reason,
 * worded for the client (it travels back in the handshake refusal).
 */
export function clientCertificateRefusal(
  clientAuthentication: ClientAuthentication,
  nodeName: string,
  presented: boolean,
  authorized: boolean,
  authorizationError: string | undefined,
  verificationMode: VerificationMode = 'full',
): string | undefined {
  if (clientAuthentication === 'none' || authorized) return undefined;
  // verification_mode none: any certificate is trusted, but `required` still needs one.
  if (presented && verificationMode === 'none') return undefined;
  if (!presented) {
    return clientAuthentication === 'required' ? `[${nodeName}] requires a client certificate (mutual TLS) and none was presented` : undefined;
  }
  return `[${nodeName}] did not trust the client certificate [${authorizationError ?? 'unverified'}]`;
}

/** Why an accepted TLS connection failed, from the server's side (for its log). */
export function describeServerFailure(code: string | undefined, message: string): string {
  if (code !== undefined && UNTRUSTED_CODES.has(code)) return `the client certificate is not trusted by the configured certificate authorities [${code}]`;
  switch (code) {
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return `client did not trust this server's certificate [${code}]`;
    case 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE':
      return 'the client presented no certificate and client authentication is required';
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_HTTP_REQUEST':
      return `the client did not speak TLS (${message})`;
    case 'ECONNRESET':
      // Node clients verify the server certificate after the TLS handshake and close without an alert.
      return `the client closed the connection during the TLS handshake; it may not trust this server's certificate [${code}]`;
    default:
      return code !== undefined ? `${message} [${code}]` : message;
  }
}
