import type { NodeConfig } from '../config/types.js';
import type { Logger } from 'pino';

export interface StartOptions {
  /** A password to give the reserved `elastic` user if it has none yet (auto-configuration). */
  readonly elasticPassword?: string;
  readonly log: Logger;
}

export interface RunningNode {
  /** `host:port` the HTTP interface is bound to. */
  readonly httpAddress: string;
  readonly httpScheme: 'http' | 'https';
  stop(): Promise<void>;
}

export { startNode } from './node.js';
