/**
 * A byte-rate limit (`indices.recovery.max_bytes_per_sec`, `ccr.indices.recovery.max_bytes_per_sec`):
 * each transfer of `bytes` takes its slot after the previous ones, and waits for it. 0 or less is
 * unlimited, as in Elasticsearch. The clock is an input (style P1); the wait is the shell's.
 */
export class Pacer {
  private nextFreeMs = 0;
  private bytesPerSec: number;

  constructor(
    bytesPerSec: number,
    private readonly nowMs: () => number,
  ) {
    this.bytesPerSec = bytesPerSec;
  }

  setRate(bytesPerSec: number): void {
    this.bytesPerSec = bytesPerSec;
  }

  /** How long the caller must wait before sending `bytes` (and reserves that slot). */
  reserve(bytes: number): number {
    if (this.bytesPerSec <= 0 || bytes <= 0) return 0;
    const now = this.nowMs();
    const start = Math.max(now, this.nextFreeMs);
    this.nextFreeMs = start + (bytes * 1000) / this.bytesPerSec;
    return start - now;
  }

  async pace(bytes: number): Promise<void> {
    const waitMs = this.reserve(bytes);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/** `40mb` → bytes; `-1` and `0` → unlimited (0); Elasticsearch's ByteSizeValue units. */
export function bytesPerSecOf(value: string | readonly string[] | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const text = String(value).trim().toLowerCase();
  if (text === '-1' || text === '0') return 0;
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|pb)?$/.exec(text);
  if (match === null) return fallback;
  const factor: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };
  return Math.floor(Number(match[1]) * factor[match[2] ?? 'b']!);
}

export const recoveryBytesPerSecDefault = 40 * 1024 * 1024; // both settings' Elasticsearch default (40mb)
