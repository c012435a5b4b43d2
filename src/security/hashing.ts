import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * Secrets (passwords, API key secrets) are stored only as salted scrypt hashes:
 * `{scrypt}N$r$p$salt$hash`, salt and hash in base64url. Verification is constant-time.
 */
const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const PREFIX = '{scrypt}';

function derive(secret: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, N, R, P);
  return `${PREFIX}${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Synchronous variant for start-up (bootstrap password) only. */
export function hashSecretSync(secret: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(secret, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 256 * N * R + 1024 * 1024 });
  return `${PREFIX}${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export function isSecretHash(value: string): boolean {
  return parseHash(value) !== undefined;
}

function parseHash(stored: string): { n: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  if (!stored.startsWith(PREFIX)) return undefined;
  const parts = stored.slice(PREFIX.length).split('$');
  if (parts.length !== 5) return undefined;
  const [n, r, p] = parts.slice(0, 3).map(Number) as [number, number, number];
  if (![n, r, p].every((v) => Number.isInteger(v) && v > 0) || n > 1 << 20 || r > 32 || p > 16) return undefined;
  const salt = Buffer.from(parts[3]!, 'base64url');
  const key = Buffer.from(parts[4]!, 'base64url');
  if (salt.length < 8 || key.length !== KEY_LENGTH) return undefined;
  return { n, r, p, salt, key };
}

/** Constant-time check of a secret against a stored hash. A malformed stored hash never matches. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === undefined) return false;
  const candidate = await derive(secret, parsed.salt, parsed.n, parsed.r, parsed.p);
  return timingSafeEqual(candidate, parsed.key);
}

/**
 * Successful verifications, remembered so that a repeated check costs a SHA-256 instead of an
 * scrypt. Keyed by principal (user name or key id); holds a salted fast digest of the secret that
 * was verified together with the stored hash it was verified against, so a changed credential
 * never matches a stale entry. Bounded (oldest dropped first), entries expire.
 */
export class VerificationCache {
  private readonly entries = new Map<string, { storedHash: string; digest: Buffer; expiresAtMs: number }>();
  private readonly salt = randomBytes(16);

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly nowMs: () => number,
  ) {}

  private digest(secret: string): Buffer {
    return createHash('sha256').update(this.salt).update(secret, 'utf8').digest();
  }

  matches(principal: string, secret: string, storedHash: string): boolean {
    const entry = this.entries.get(principal);
    if (entry === undefined) return false;
    if (entry.expiresAtMs <= this.nowMs() || entry.storedHash !== storedHash) {
      this.entries.delete(principal);
      return false;
    }
    return timingSafeEqual(entry.digest, this.digest(secret));
  }

  remember(principal: string, secret: string, storedHash: string): void {
    this.entries.delete(principal);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(principal, { storedHash, digest: this.digest(secret), expiresAtMs: this.nowMs() + this.ttlMs });
  }

  invalidate(principal: string): void {
    this.entries.delete(principal);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
