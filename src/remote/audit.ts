import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The security audit trail (`xpack.security.audit.enabled`): one JSON line per cross-cluster
 * request on each side, sharing one request id. Never holds credentials.
 */
export interface AuditEvent {
  readonly 'event.action': string;
  readonly 'request.id': string;
  readonly origin: 'local' | 'remote';
  readonly 'user.name': string;
  readonly 'user.realm'?: string;
  readonly 'apikey.id'?: string;
  readonly 'remote.alias'?: string;
  readonly action: string;
  readonly indices?: readonly string[];
  readonly decision: 'granted' | 'denied' | 'failed';
  readonly reason?: string;
  readonly 'peer.address'?: string;
}

export class AuditTrail {
  constructor(
    private readonly file: string | undefined,
    private readonly nowMs: () => number,
  ) {
    if (file !== undefined) mkdirSync(path.dirname(file), { recursive: true });
  }

  get enabled(): boolean {
    return this.file !== undefined;
  }

  record(event: AuditEvent): void {
    if (this.file === undefined) return;
    appendFileSync(this.file, `${JSON.stringify({ '@timestamp': new Date(this.nowMs()).toISOString(), type: 'audit', ...event })}\n`);
  }
}
