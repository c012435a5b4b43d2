/**
 * IP addresses for `ip` fields (pure): parsing IPv4 and IPv6 text into one 128-bit number (IPv4
 * as IPv4-mapped IPv6, as Elasticsearch stores every address in 16 bytes), the canonical text
 * Elasticsearch prints (dotted IPv4; RFC 5952 IPv6), and CIDR blocks for term queries.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/ip.html
 */
import { isIP } from 'node:net';

const ipv4MappedPrefix = 0xffffn << 32n;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

/** The address as a 128-bit number, or undefined when the text is not an IP literal. */
export function parseIp(text: string): bigint | undefined {
  if (isIP(text) === 4) return ipv4MappedPrefix | parseIpv4(text)!;
  if (isIP(text) !== 6) return undefined;
  let address = text.toLowerCase();
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  const lastColon = address.lastIndexOf(':');
  if (address.slice(lastColon + 1).includes('.')) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) is two 16-bit groups.
    const v4 = parseIpv4(address.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    address = `${address.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const compressed = address.indexOf('::');
  const head = compressed < 0 ? address : address.slice(0, compressed);
  const rest = compressed < 0 ? '' : address.slice(compressed + 2);
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === '' ? [] : rest.split(':');
  const zeros = compressed < 0 ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, zeros)).fill('0'), ...restGroups].map((group) => BigInt(parseInt(group, 16)));
  if (groups.length !== 8) return undefined;
  return groups.reduce((value, group) => (value << 16n) | group, 0n);
}

/** Elasticsearch's text of an address: dotted IPv4 for IPv4(-mapped) addresses, RFC 5952 IPv6 otherwise. */
export function formatIp(value: bigint): string {
  if (value >> 32n === 0xffffn) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  // The longest run of two or more zero groups (the first of equal runs) becomes "::".
  let bestStart = -1;
  let bestLength = 0;
  for (let index = 0; index < 8; ) {
    if (groups[index] !== 0) {
      index++;
      continue;
    }
    let end = index;
    while (end < 8 && groups[end] === 0) end++;
    if (end - index > bestLength && end - index >= 2) (bestStart = index), (bestLength = end - index);
    index = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical text of an IP literal, or undefined. */
export function normalizeIp(text: string): string | undefined {
  const value = parseIp(text);
  return value === undefined ? undefined : formatIp(value);
}

/** A CIDR block (`192.168.0.0/16`, `2001:db8::/32`) as an inclusive 128-bit range, or undefined. */
export function parseCidr(text: string): { readonly from: bigint; readonly to: bigint } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const value = parseIp(address);
  const lengthText = text.slice(slash + 1);
  if (value === undefined || !/^\d{1,3}$/.test(lengthText)) return undefined;
  const length = Number(lengthText) + (isIP(address) === 4 ? 96 : 0);
  if (length > 128 || (isIP(address) === 4 && Number(lengthText) > 32)) return undefined;
  const hostBits = BigInt(128 - length);
  const from = (value >> hostBits) << hostBits;
  return { from, to: from + (1n << hostBits) - 1n };
}
