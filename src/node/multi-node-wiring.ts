/**
 * What every multi-node wiring that asks the other nodes gets from node.ts (types only): this
 * node's id, the coordination and data plane it runs on, a way to serve transport actions, a log.
 */
import type { Logger } from 'pino';
import type { TransportHandler } from '../transport/index.js';
import type { CoordinationWiring } from './wire-coordination.js';
import type { DataPlaneWiring } from './wire-data-plane.js';

export interface MultiNodeWiringOptions {
  readonly nodeId: string;
  readonly coordination: CoordinationWiring;
  readonly dataPlane: DataPlaneWiring;
  readonly addTransportHandlers: (handlers: ReadonlyMap<string, TransportHandler>) => void;
  readonly log: Logger;
}
