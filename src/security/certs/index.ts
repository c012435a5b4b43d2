import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import { webcrypto, X509Certificate as NodeX509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

/**
 * Certificates for the HTTP, transport and remote-cluster interfaces (`strait certutil`): a CA and
 * node certificates it signs. RSA 2048 with SHA-256 for broad client support; node certificates
 * carry both serverAuth and clientAuth so one works for mutual TLS on the transport interface too.
 */
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA: webcrypto.RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const DAY_MS = 86_400_000;

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f; // positive
  return Buffer.from(bytes).toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return (await webcrypto.subtle.importKey('pkcs8', der, RSA, true, ['sign'])) as unknown as CryptoKey;
}

function escapeDnValue(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

export async function generateCa(options: { commonName?: string; days?: number; nowMs?: number } = {}): Promise<PemPair> {
  const now = options.nowMs ?? Date.now();
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${escapeDnValue(options.commonName ?? 'Strait Certificate Authority')}`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + (options.days ?? 3 * 365) * DAY_MS),
    keys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

export interface NodeCertificateOptions {
  readonly ca: PemPair;
  readonly name: string;
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  readonly days?: number;
  readonly nowMs?: number;
}

/** A node certificate signed by `ca`; `certPem` holds the leaf followed by the CA (the full chain). */
export async function generateNodeCertificate(options: NodeCertificateOptions): Promise<PemPair & { readonly leafPem: string }> {
  const now = options.nowMs ?? Date.now();
  for (const address of options.ip ?? []) {
    if (isIP(address) === 0) throw new Error(`[${address}] is not an IP address`);
  }
  const caCert = new x509.X509Certificate(options.ca.certPem);
  const caKey = await importKeyPem(options.ca.keyPem);
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const altNames = [
    ...(options.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ip ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${escapeDnValue(options.name)}`,
    issuer: caCert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + (options.days ?? 3 * 365) * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: RSA,
    extensions,
  });
  const leafPem = cert.toString('pem');
  return { leafPem, certPem: `${leafPem}\n${options.ca.certPem}\n`, keyPem: await exportKeyPem(keys.privateKey) };
}

/** The CA fingerprint as Elasticsearch prints it and the client's `caFingerprint` expects (AA:BB:…). */
export function caFingerprint(certPem: string): string {
  return new NodeX509Certificate(certPem).fingerprint256;
}

/** Writes `<name>.crt` and `<name>.key` (0600) into `directory`. */
export function writePemPair(directory: string, name: string, pair: PemPair): { certFile: string; keyFile: string } {
  mkdirSync(directory, { recursive: true });
  const certFile = path.join(directory, `${name}.crt`);
  const keyFile = path.join(directory, `${name}.key`);
  writeFileSync(certFile, pair.certPem, { mode: 0o644 });
  writeFileSync(keyFile, pair.keyPem, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}
