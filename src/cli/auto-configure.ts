import { randomInt } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { CONFIG_FILE, Keystore, readFileSettings } from '../config/index.js';

/**
 * First start with no security settings at all: configure security as Elasticsearch 8+ does
 * (a CA, HTTP and transport certificates in `<config>/certs`, TLS settings appended to
 * strait.yml, a generated `elastic` password unless the keystore has `bootstrap.password`).
 */
export interface AutoConfiguration {
  readonly generatedPassword: string | undefined;
  readonly caFingerprint: string;
  readonly caFile: string;
}

export const AUTO_CONFIG_BEGIN = '#----------------------- BEGIN SECURITY AUTO CONFIGURATION -----------------------';
export const AUTO_CONFIG_END = '#----------------------- END SECURITY AUTO CONFIGURATION -------------------------';

/** Should this start configure security? Only when neither strait.yml, -E nor the keystore mention it. */
export function needsAutoConfiguration(configDir: string, overrides: readonly string[]): boolean {
  const mentionsSecurity = (key: string): boolean => key.startsWith('xpack.security.');
  if (Object.keys(readFileSettings(configDir)).some(mentionsSecurity)) return false;
  if (overrides.some((override) => mentionsSecurity(override.split('=')[0]!.trim()))) return false;
  const file = path.join(configDir, CONFIG_FILE);
  if (existsSync(file) && readFileSync(file, 'utf8').includes(AUTO_CONFIG_BEGIN)) return false;
  return !Keystore.load(configDir).names().some(mentionsSecurity);
}

/** 20 characters from an alphabet without look-alikes, as a generated password. */
export function generatePassword(length = 20): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789*+-_=';
  let password = '';
  for (let index = 0; index < length; index++) password += alphabet[randomInt(alphabet.length)];
  return password;
}

export async function autoConfigureSecurity(configDir: string, networkHost: string): Promise<AutoConfiguration> {
  // Loaded here, not at the top: a node that is already configured (every start but the first) never needs it.
  const { caFingerprint, generateCa, generateNodeCertificate, writePemPair } = await import('../security/certs/index.js');
  const certsDir = path.join(configDir, 'certs');
  mkdirSync(certsDir, { recursive: true });
  const ca = await generateCa({ commonName: 'Strait security auto-configuration HTTP CA' });
  writePemPair(certsDir, 'ca', ca);
  const host = hostname();
  const dns = [...new Set(['localhost', host])];
  const ip = [...new Set(['127.0.0.1', '::1', ...(/^[\d.]+$|:/.test(networkHost) && networkHost !== '0.0.0.0' ? [networkHost] : [])])];
  writePemPair(certsDir, 'http', await generateNodeCertificate({ ca, name: host, dns, ip }));
  writePemPair(certsDir, 'transport', await generateNodeCertificate({ ca, name: host, dns, ip }));
  const block = [
    '',
    AUTO_CONFIG_BEGIN,
    '# Written by the first start of this node. Certificates are in certs/.',
    'xpack.security.enabled: true',
    'xpack.security.http.ssl:',
    '  enabled: true',
    '  key: certs/http.key',
    '  certificate: certs/http.crt',
    '  certificate_authorities: [certs/ca.crt]',
    'xpack.security.transport.ssl:',
    '  enabled: true',
    '  verification_mode: certificate',
    '  key: certs/transport.key',
    '  certificate: certs/transport.crt',
    '  certificate_authorities: [certs/ca.crt]',
    AUTO_CONFIG_END,
    '',
  ].join('\n');
  appendFileSync(path.join(configDir, CONFIG_FILE), block, { mode: 0o644 });
  const keystore = Keystore.load(configDir);
  return {
    generatedPassword: keystore.has('bootstrap.password') ? undefined : generatePassword(),
    caFingerprint: caFingerprint(ca.certPem),
    caFile: path.join(certsDir, 'ca.crt'),
  };
}

/** The banner printed once, after the auto-configuring start. */
export function autoConfigurationBanner(configuration: AutoConfiguration, httpAddress: string): string {
  const url = `https://${httpAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
  const password = configuration.generatedPassword ?? '<the bootstrap.password from the keystore>';
  return [
    '',
    '━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━',
    '✅ Strait security features have been automatically configured!',
    '✅ Authentication is enabled and cluster connections are encrypted.',
    '',
    `ℹ️  Password for the elastic user (shown only now; change it with POST /_security/user/elastic/_password):`,
    `  ${password}`,
    '',
    `ℹ️  HTTPS address: ${url}`,
    '',
    'ℹ️  HTTP CA certificate SHA-256 fingerprint:',
    `  ${configuration.caFingerprint}`,
    '',
    'ℹ️  Try it with curl:',
    `  curl --cacert ${configuration.caFile} -u elastic:'${password}' ${url}/`,
    '',
    'ℹ️  Or with the official JavaScript client:',
    "  const { Client } = require('@elastic/elasticsearch');",
    `  const client = new Client({ node: '${url}', auth: { username: 'elastic', password: '${password}' },`,
    `    caFingerprint: '${configuration.caFingerprint}', tls: { rejectUnauthorized: false } });`,
    '━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━',
    '',
  ].join('\n');
}
