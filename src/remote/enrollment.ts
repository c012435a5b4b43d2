import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { EsError, errors } from '../common/index.js';
import { apiKeyModel, type ModelOptions } from './client.js';
import { parseAddress } from './settings.js';

/**
 * One-paste pairing (issue #12 §1). The remote cluster mints an enrollment token: base64 of
 * versioned JSON carrying a new cross-cluster API key, the remote cluster interface's publish
 * addresses, the cluster name, the SHA-256 fingerprint of the CA that signed that interface's
 * certificate (and the CA certificate itself, which is public, so a node that only receives the leaf
 * certificate can still pin it), and an expiry. The token holds a secret: it is shown once and
 * never logged.
 */
export const ENROLLMENT_TOKEN_VERSION = 1;
/** How long a token may wait to be pasted (shortened to the key's own expiration when that is sooner). */
export const ENROLLMENT_TOKEN_TTL_MS = 30 * 60 * 1000;
/** The alias's pinned CA, under the config directory: trusted by the remote cluster client for that alias only. */
export const aliasCaFile = (alias: string): string => `certs/remote-${alias}-ca.crt`;
/** An alias is a setting-name segment: it must fit a keystore name and a file name. */
const ALIAS = /^[a-z0-9_\-]+$/;

export interface EnrollmentToken {
  readonly v: number;
  readonly cluster_name: string;
  readonly addresses: readonly string[];
  readonly ca_fingerprint: string;
  readonly ca: string;
  readonly key: string;
  readonly expires_at: number;
}

export function encodeEnrollmentToken(token: Omit<EnrollmentToken, 'v'>): string {
  return Buffer.from(JSON.stringify({ v: ENROLLMENT_TOKEN_VERSION, ...token }), 'utf8').toString('base64');
}

const invalid = (why: string) => errors.illegalArgument(`invalid enrollment token: ${why}`);

/** Decodes and checks a token: its shape, its version, its expiry, and that its CA has its fingerprint. */
export function decodeEnrollmentToken(text: string, nowMs: number): EnrollmentToken {
  let parsed: unknown;
  try {
    const trimmed = text.trim();
    if (!/^[A-Za-z0-9+/=]+$/.test(trimmed)) throw new Error('not base64');
    parsed = JSON.parse(Buffer.from(trimmed, 'base64').toString('utf8'));
  } catch {
    throw invalid('not base64 of JSON (paste the whole token)');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('not an object');
  const value = parsed as Record<string, unknown>;
  if (value['v'] !== ENROLLMENT_TOKEN_VERSION) throw invalid(`unsupported version [${String(value['v'])}], this node reads version [${ENROLLMENT_TOKEN_VERSION}]`);
  for (const field of ['cluster_name', 'ca_fingerprint', 'ca', 'key'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') throw invalid(`[${field}] is missing`);
  }
  const addresses = value['addresses'];
  if (!Array.isArray(addresses) || addresses.length === 0 || !addresses.every((entry) => typeof entry === 'string')) throw invalid('[addresses] is missing');
  for (const address of addresses as string[]) {
    try {
      parseAddress(address);
    } catch (error) {
      throw invalid(`[addresses]: ${reasonOf(error)}`);
    }
  }
  if (typeof value['expires_at'] !== 'number') throw invalid('[expires_at] is missing');
  const token = value as unknown as EnrollmentToken;
  if (token.expires_at <= nowMs) throw errors.illegalArgument(`the enrollment token expired at [${new Date(token.expires_at).toISOString()}]; create a new one on the remote cluster`);
  let fingerprint: string;
  try {
    fingerprint = caFingerprint(token.ca);
  } catch {
    throw invalid('[ca] is not a PEM certificate');
  }
  if (fingerprint !== normalizeFingerprint(token.ca_fingerprint)) {
    throw errors.illegalArgument(`the CA certificate in the enrollment token has fingerprint [${fingerprint}], not the pinned [${token.ca_fingerprint}]; the token was altered`);
  }
  return token;
}

export function checkAlias(alias: string): void {
  if (!ALIAS.test(alias)) throw errors.illegalArgument(`remote cluster alias [${alias}] must be lowercase letters, digits, '_' and '-'`);
}

/** `AA:BB:…` as `openssl x509 -fingerprint -sha256` and the auto-configure banner print it. */
export function caFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? '';
}

/** Splits a PEM bundle into its certificates. */
export function pemCertificates(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((pem) => `${pem}\n`) ?? [];
}

/**
 * The CA that signed `leafPem`, among candidate PEM bundles (the chain in the certificate file, the
 * configured authorities). Undefined when none did: the remote cannot say which CA to pin.
 */
export function signingCa(leafPem: string, candidates: readonly string[]): string | undefined {
  const leaf = new X509Certificate(leafPem);
  for (const pem of candidates.flatMap(pemCertificates)) {
    const ca = new X509Certificate(pem);
    if (ca.fingerprint256 !== leaf.fingerprint256 && leaf.checkIssued(ca) && leaf.verify(ca.publicKey)) return pem;
  }
  return undefined;
}

/**
 * Trust on first use, pinned by the fingerprint: dials `address` over TLS and checks that what the
 * server presents is, or was signed by, the pinned CA. Refuses an unreachable address and a
 * mismatch with their own clear reasons.
 */
export async function checkPresentedCa(address: string, caPem: string, timeoutMs: number): Promise<void> {
  const { host, port } = parseAddress(address);
  const pinned = new X509Certificate(caPem);
  const chain = await new Promise<X509Certificate[]>((resolve, reject) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(errors.illegalArgument(`cannot reach the remote cluster interface at [${address}]: no TLS handshake within [${timeoutMs}ms]`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const out: X509Certificate[] = [];
      let current = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (current?.raw !== undefined && !seen.has(current.fingerprint256)) {
        seen.add(current.fingerprint256);
        out.push(new X509Certificate(current.raw));
        current = current.issuerCertificate;
      }
      socket.end();
      resolve(out);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(errors.illegalArgument(`cannot reach the remote cluster interface at [${address}]: ${error.message}`));
    });
  });
  if (chain.length === 0) throw errors.illegalArgument(`the remote cluster interface at [${address}] presented no certificate`);
  const matches = chain.some((certificate) => certificate.fingerprint256 === pinned.fingerprint256 || (certificate.checkIssued(pinned) && certificate.verify(pinned.publicKey)));
  if (!matches) {
    throw errors.illegalArgument(
      `the certificate presented by [${address}] (subject [${chain[0]!.subject.replace(/\n/g, ', ')}], issuer [${chain[0]!.issuer.replace(/\n/g, ', ')}]) was not signed by the CA with fingerprint [${pinned.fingerprint256}] named in the enrollment token`,
    );
  }
}

/**
 * The transport handshake with the token's key, trusting only the token's pinned CA: the key works
 * and the cluster is the one the token names. The node's enroll API and the CLI both check this.
 */
export async function verifyEnrollmentKey(options: ModelOptions, tls: NonNullable<ModelOptions['remoteClusterClientTls']>, alias: string, address: string, token: EnrollmentToken): Promise<void> {
  const model = apiKeyModel({ ...options, remoteClusterClientTls: { ...tls, ca: [token.ca] } }, token.key);
  const connection = await model.connect({ alias, address: parseAddress(address), serverName: undefined, expectedClusterName: token.cluster_name, compress: false, pingScheduleMs: -1 });
  connection.close();
}

/** An error's reason, for a refusal that says which step failed. */
export function reasonOf(error: unknown): string {
  if (error instanceof EsError) {
    const cause = error.causedBy;
    return cause !== undefined ? `${error.message}: ${reasonOf(cause)}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
