import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './settings.js';
import type { SecureSettings } from './types.js';

/**
 * `strait.keystore`: secure settings encrypted with AES-256-GCM under a key derived by scrypt from a
 * password (STRAIT_KEYSTORE_PASSWORD, empty by default: obfuscation, as Elasticsearch's keystore
 * without a password, with a light scrypt cost). The GCM tag detects corruption and a wrong password alike. File mode 0600,
 * written atomically. Versioned (style P12).
 */
export const KEYSTORE_FILE = 'strait.keystore';
export const KEYSTORE_FORMAT_VERSION = 1;
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024, keyLength: 32 } as const;
/**
 * scrypt's cost without a password: the file is obfuscated only (anybody who can read it can open
 * it whatever the cost), so stretching the empty password would only slow every start (about 0.25 s
 * at N = 2^15 on a small machine) and every keystore command. With a password, SCRYPT.N. The cost
 * is stored in each file, so files written before open as they were.
 */
const OBFUSCATION_N = 1 << 10;
const SETTING_NAME = /^[a-z0-9_\-.]+$/;

interface KeystoreFile {
  readonly format: 'strait-keystore';
  readonly version: number;
  readonly kdf: { readonly name: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly salt: string };
  readonly cipher: 'aes-256-gcm';
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

export class Keystore implements SecureSettings {
  private constructor(
    readonly file: string,
    private readonly entries: Map<string, Buffer>,
  ) {}

  static pathIn(configDir: string): string {
    return path.join(configDir, KEYSTORE_FILE);
  }

  static exists(configDir: string): boolean {
    return existsSync(Keystore.pathIn(configDir));
  }

  static create(configDir: string): Keystore {
    return new Keystore(Keystore.pathIn(configDir), new Map());
  }

  /** An absent keystore reads as empty; a corrupt one is a ConfigError. */
  static load(configDir: string, password = process.env['STRAIT_KEYSTORE_PASSWORD'] ?? ''): Keystore {
    const file = Keystore.pathIn(configDir);
    if (!existsSync(file)) return new Keystore(file, new Map());
    let parsed: KeystoreFile;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as KeystoreFile;
    } catch {
      throw new ConfigError(`the keystore [${file}] is corrupt: not a Strait keystore`);
    }
    if (parsed.format !== 'strait-keystore' || parsed.version !== KEYSTORE_FORMAT_VERSION || parsed.kdf?.name !== 'scrypt') {
      throw new ConfigError(`the keystore [${file}] is corrupt or has an unsupported format version [${String(parsed.version)}]`);
    }
    try {
      const key = scryptSync(password, Buffer.from(parsed.kdf.salt, 'base64'), SCRYPT.keyLength, {
        N: parsed.kdf.N,
        r: parsed.kdf.r,
        p: parsed.kdf.p,
        maxmem: SCRYPT.maxmem,
      });
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parsed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(parsed.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(parsed.data, 'base64')), decipher.final()]);
      const entries = JSON.parse(plain.toString('utf8')) as Record<string, string>;
      return new Keystore(file, new Map(Object.entries(entries).map(([name, value]) => [name, Buffer.from(value, 'base64')])));
    } catch {
      throw new ConfigError(`the keystore [${file}] is corrupt or the password is wrong`);
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  getString(name: string): string | undefined {
    return this.entries.get(name)?.toString('utf8');
  }

  getBytes(name: string): Buffer | undefined {
    return this.entries.get(name);
  }

  names(): readonly string[] {
    return [...this.entries.keys()].filter((name) => name !== 'keystore.seed').sort();
  }

  set(name: string, value: Buffer): void {
    if (!SETTING_NAME.test(name)) {
      throw new ConfigError(`setting name [${name}] is invalid: use lowercase letters, digits, '.', '_' and '-'`);
    }
    this.entries.set(name, value);
  }

  remove(name: string): boolean {
    return this.entries.delete(name);
  }

  save(password = process.env['STRAIT_KEYSTORE_PASSWORD'] ?? ''): void {
    if (!this.entries.has('keystore.seed')) this.entries.set('keystore.seed', randomBytes(20));
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const n = password === '' ? OBFUSCATION_N : SCRYPT.N;
    const key = scryptSync(password, salt, SCRYPT.keyLength, { N: n, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT.maxmem });
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const plain = Buffer.from(JSON.stringify(Object.fromEntries([...this.entries].map(([name, value]) => [name, value.toString('base64')]))));
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    const contents: KeystoreFile = {
      format: 'strait-keystore',
      version: KEYSTORE_FORMAT_VERSION,
      kdf: { name: 'scrypt', N: n, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString('base64') },
      cipher: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    const temporary = `${this.file}.tmp-${process.pid}`;
    writeFileSync(temporary, JSON.stringify(contents), { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }
}
