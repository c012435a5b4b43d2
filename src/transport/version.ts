/**
 * Transport-level version compatibility (shared/spec/remote-clusters.md §8.1), symmetric: same
 * major with any minor; adjacent majors only when the older side is the last minor of its major
 * (plus the documented 8.18 ↔ 9.0 and 6.7 ↔ 7.0 pairs); never two majors apart. Pure.
 */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** The last minor of each past major, the only one that talks to the next major. */
const LAST_MINOR_OF_MAJOR: Readonly<Record<number, number>> = { 5: 6, 6: 8, 7: 17, 8: 19 };

export function parseVersion(text: string): Version | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-[A-Za-z0-9.]+)?$/.exec(text.trim());
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export function formatVersion(version: Version): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

export function isTransportCompatible(a: Version, b: Version): boolean {
  if (a.major === b.major) return true;
  const [older, newer] = a.major < b.major ? [a, b] : [b, a];
  if (newer.major - older.major !== 1) return false;
  if (older.major === 8 && older.minor === 18) return newer.minor === 0;
  if (older.major === 6 && older.minor === 7) return newer.minor === 0;
  return LAST_MINOR_OF_MAJOR[older.major] === older.minor;
}

/** Why two versions cannot talk, naming both, or undefined when they can. */
export function incompatibilityReason(local: Version, remote: Version): string | undefined {
  if (isTransportCompatible(local, remote)) return undefined;
  return `remote node version [${formatVersion(remote)}] is incompatible with local node version [${formatVersion(local)}]`;
}
