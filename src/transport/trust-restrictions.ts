/**
 * Restricted trust for the transport interface (`xpack.security.transport.ssl.trust_restrictions.*`,
 * Elasticsearch's "restricting connections with trust restrictions"): a peer whose certificate
 * chain is trusted is still refused unless one of its certificate names matches a pattern of the
 * restrictions file (`trust.subject_name: [...]`). Which names count is `x509_fields`:
 * `subjectAltName.otherName.commonName` (the default) and/or `subjectAltName.dnsName`. Pure; the
 * file is read and watched by the node wiring.
 */
import { parse as parseYaml } from 'yaml';
import { compilePatterns } from '../security/patterns.js';

export const TRUST_RESTRICTION_FIELDS = ['subjectAltName.otherName.commonName', 'subjectAltName.dnsName'] as const;
export type TrustRestrictionField = (typeof TRUST_RESTRICTION_FIELDS)[number];

export interface TrustRestriction {
  readonly subjectNames: readonly string[];
  readonly fields: readonly TrustRestrictionField[];
  /** Whether any of `names` matches a pattern. */
  matches(names: readonly string[]): boolean;
}

/** Parses the restrictions file; throws an Error naming the problem (the caller names the file). */
export function parseTrustRestrictions(text: string, fields: readonly TrustRestrictionField[]): TrustRestriction {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new Error(`cannot parse the trust restrictions file: ${(error as Error).message}`);
  }
  const root = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  const trust = root['trust'] as Record<string, unknown> | undefined;
  const names = root['trust.subject_name'] ?? (typeof trust === 'object' && trust !== null ? trust['subject_name'] : undefined);
  const list = typeof names === 'string' ? [names] : names;
  if (!Array.isArray(list) || list.length === 0 || !list.every((name) => typeof name === 'string' && name !== '')) {
    throw new Error('the trust restrictions file must hold [trust.subject_name]: a non-empty list of name patterns');
  }
  const subjectNames = list as string[];
  const matcher = compilePatterns(subjectNames);
  return { subjectNames, fields, matches: (candidates) => candidates.some((name) => matcher(name)) };
}

/** `x509_fields` values, validated (Elasticsearch accepts only these two). */
export function parseTrustRestrictionFields(values: readonly string[] | undefined): TrustRestrictionField[] {
  if (values === undefined || values.length === 0) return ['subjectAltName.otherName.commonName'];
  for (const value of values) {
    if (!(TRUST_RESTRICTION_FIELDS as readonly string[]).includes(value)) {
      throw new Error(`invalid x509_fields value [${value}]: expected one of [${TRUST_RESTRICTION_FIELDS.join(', ')}]`);
    }
  }
  return values as TrustRestrictionField[];
}

// ---- the certificate's names (a minimal DER walk: SAN otherName commonName and dNSName) -----------

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

function readTlv(buffer: Buffer, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new Error('truncated DER');
  const tag = buffer[offset]!;
  let length = buffer[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > limit) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + buffer[start + i]!;
    start += bytes;
  }
  if (start + length > limit) throw new Error('truncated DER');
  return { tag, start, end: start + length };
}

function children(buffer: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = readTlv(buffer, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

const SAN_OID = Buffer.from([0x55, 0x1d, 0x11]); // 2.5.29.17
const COMMON_NAME_OID = Buffer.from([0x55, 0x04, 0x03]); // 2.5.4.3

/** The names `fields` select from a DER certificate's subjectAltName; [] when it has none or cannot be read. */
export function certificateNames(der: Buffer, fields: readonly TrustRestrictionField[]): string[] {
  try {
    const certificate = readTlv(der, 0, der.length);
    const tbs = children(der, certificate)[0]!;
    const extensionsWrapper = children(der, tbs).find((child) => child.tag === 0xa3);
    if (extensionsWrapper === undefined) return [];
    const extensions = children(der, children(der, extensionsWrapper)[0]!);
    const names: string[] = [];
    for (const extension of extensions) {
      const parts = children(der, extension);
      const oid = parts[0]!;
      if (oid.tag !== 0x06 || !der.subarray(oid.start, oid.end).equals(SAN_OID)) continue;
      const value = parts[parts.length - 1]!;
      const generalNames = readTlv(der, value.start, value.end);
      for (const name of children(der, generalNames)) {
        if (name.tag === 0x82 && fields.includes('subjectAltName.dnsName')) {
          names.push(der.subarray(name.start, name.end).toString('latin1'));
        } else if (name.tag === 0xa0 && fields.includes('subjectAltName.otherName.commonName')) {
          const [typeId, explicit] = children(der, name);
          if (typeId?.tag !== 0x06 || explicit === undefined || !der.subarray(typeId.start, typeId.end).equals(COMMON_NAME_OID)) continue;
          const text = readTlv(der, explicit.start, explicit.end);
          names.push(der.subarray(text.start, text.end).toString('utf8'));
        }
      }
    }
    return names;
  } catch {
    return [];
  }
}

/** Why a trusted peer is still refused under `restriction`, or undefined when one of its names matches. */
export function trustRestrictionRefusal(restriction: TrustRestriction | undefined, der: Buffer | undefined): string | undefined {
  if (restriction === undefined) return undefined;
  const names = der === undefined ? [] : certificateNames(der, restriction.fields);
  if (restriction.matches(names)) return undefined;
  return `the peer certificate's names [${names.join(',')}] (from [${restriction.fields.join(',')}]) match none of the trust restrictions [${restriction.subjectNames.join(',')}]`;
}
