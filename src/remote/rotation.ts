import { EsError } from '../common/index.js';

/**
 * Overlapping key rotation (issue #12 §4): `cluster.remote.<alias>.credentials_next` holds the key
 * that replaces `cluster.remote.<alias>.credentials`. The current key is tried first; a 401 that says
 * the key itself no longer works (invalidated, expired, unknown, wrong secret) is retried once with
 * the next key, and the next key is promoted after its first success. A 401 for any other reason (a
 * REST key where a cross-cluster key is needed) is not retried: the next key would not mend it.
 */
const KEY_REJECTED = /has been invalidated|is expired|unable to find apikey|invalid credentials for API key/;

/** The remote's own 401 inside a connection failure, or the error itself. */
function securityCause(error: unknown): EsError | undefined {
  let current: EsError | undefined = error instanceof EsError ? error : undefined;
  while (current !== undefined) {
    if (current.status === 401) return current;
    current = current.causedBy;
  }
  return undefined;
}

/** True when the remote refused the API key itself as invalid or expired. */
export function isKeyRejected(error: unknown): boolean {
  const refusal = securityCause(error);
  if (refusal === undefined) return false;
  const detail = refusal.extra['additional_unsuccessful_credentials'];
  return KEY_REJECTED.test(typeof detail === 'string' ? detail : '') || KEY_REJECTED.test(refusal.message);
}

/** Where the API key model reads an alias's credentials: read at each use, so a promotion needs no reconnect. */
export interface CredentialSource {
  current(): string | undefined;
  /** The key to retry with after `used` was rejected, if any. */
  fallback(used: string): string | undefined;
  /** `used` just succeeded: when it is the next key, it becomes the current one. */
  succeeded(used: string): void;
}

/**
 * The per-alias credential pairs of one node. Pure state; the node wires `onPromote` to persist the
 * keystore and log.
 */
export class CredentialRotation {
  constructor(
    private current: Map<string, string>,
    private next: Map<string, string>,
    private readonly onPromote: (alias: string, credentials: string) => void,
  ) {}

  /** After reload_secure_settings: the keystore's pairs replace the known ones. */
  reset(current: Map<string, string>, next: Map<string, string>): void {
    this.current = current;
    this.next = next;
  }

  currentOf(alias: string): string | undefined {
    return this.current.get(alias);
  }

  nextOf(alias: string): string | undefined {
    return this.next.get(alias);
  }

  currentMap(): Map<string, string> {
    return this.current;
  }

  /**
   * The credential to retry with once `used` was refused: the next key while one is set, else the
   * current key when another request promoted it meanwhile; never `used` again.
   */
  fallback(alias: string, used: string): string | undefined {
    const candidate = this.next.get(alias) ?? this.current.get(alias);
    return candidate !== undefined && candidate !== used ? candidate : undefined;
  }

  /** `used` worked for `alias`: promote it if it is the next key (once, whatever the concurrency). */
  succeeded(alias: string, used: string): void {
    if (this.next.get(alias) !== used) return;
    this.current = new Map(this.current).set(alias, used);
    const next = new Map(this.next);
    next.delete(alias);
    this.next = next;
    this.onPromote(alias, used);
  }

  sourceFor(alias: string): CredentialSource {
    return {
      current: () => this.currentOf(alias),
      fallback: (used) => this.fallback(alias, used),
      succeeded: (used) => this.succeeded(alias, used),
    };
  }
}
