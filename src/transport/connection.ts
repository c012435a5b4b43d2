/**
 * The dialling side of the transport (shared/spec/remote-clusters.md §6.1 steps 1–2, §8.3, §9):
 * opens a TCP or TLS connection, sends the handshake with this node's HandshakeInfo (and any
 * handshake headers), checks the answer (version rule, transport format, cluster-name pinning),
 * then multiplexes requests by request id. Every failure before the handshake completes is a
 * connect_transport_exception whose reason says why; after it, a closed socket fails every pending
 * request with node_disconnected_exception.
 */
import net, { type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { assert } from '../common/assert.js';
import { EsError, errors } from '../common/errors.js';
import { configureSocket, formatAddress, frameBytes, readFrames, type TransportAddress } from './channel.js';
import { encodeFrame, encodePing, FrameFlags, TRANSPORT_FORMAT_VERSION, TRANSPORT_FORMAT_VERSION_MIN, type Frame } from './frame.js';
import { decideHandshake, HANDSHAKE_ACTION, type HandshakeInfo } from './handshake.js';
import { initialPingState, stepPing, type PingState } from './keep-alive.js';
import { transportLimits } from './limits.js';
import { encodeHandshake } from './handshake.js';
import { encodeRequestBody, parseErrorBody, parseResponseBody } from './message.js';
import { transportStats } from './stats.js';
import { clientTlsOptions, describeClientFailure, peerCertificateInfo, verifyServer, type PeerCertificateInfo, type TransportClientTlsOptions } from './tls.js';
import { parseVersion } from './version.js';

export interface TransportConnectOptions {
  readonly address: TransportAddress;
  /** What this node sends in its handshake. */
  readonly local: HandshakeInfo;
  readonly logger: Logger;
  /** Absent: plain TCP. */
  readonly tls?: TransportClientTlsOptions;
  /** TCP connect + TLS + handshake; default transport.connect_timeout (30 s). */
  readonly connectTimeoutMs?: number;
  /** Pinning: a remote answering with another cluster name fails the handshake. */
  readonly expectedClusterName?: string;
  /** Compress request frames (transport.compress). */
  readonly compress?: boolean;
  /** transport.ping_schedule: -1 (default) = off; otherwise ping every N ms and close on a silent peer. */
  readonly pingScheduleMs?: number;
  /** Headers sent with the handshake request (the API-key model sends its credential here). */
  readonly handshakeHeaders?: Readonly<Record<string, string>>;
  readonly frameBytesMax?: number;
  readonly pendingRequestsMax?: number;
}

export interface TransportRequestOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Absent: wait until the response arrives or the connection closes. */
  readonly timeoutMs?: number;
}

export interface TransportConnection {
  /** The remote node's handshake answer. */
  readonly remote: HandshakeInfo;
  readonly address: TransportAddress;
  /** The server certificate presented over TLS (verified unless verificationMode is 'none'). */
  readonly remoteCertificate: PeerCertificateInfo | undefined;
  readonly closed: boolean;
  /** Resolves to the response body; rejects with the remote EsError, or a transport error. */
  request(action: string, body: unknown, options?: TransportRequestOptions): Promise<unknown>;
  /** Closes the socket; pending requests fail with node_disconnected_exception. Idempotent. */
  close(): void;
  /** Called once with why the connection closed; immediately (next tick) if it already has. */
  onClose(listener: (reason: string) => void): void;
}

interface PendingRequest {
  readonly action: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: EsError) => void;
  readonly timer: NodeJS.Timeout | undefined;
}

const REQUEST_ID_MAX = 0xffffffff;

/**
 * The error types of a request whose node could not be reached or answered no more (the connection
 * failed, closed or timed out), as opposed to a node that answered with a refusal: callers take
 * the node as gone, or try again or elsewhere.
 */
export const connectionFailureTypes: ReadonlySet<string> = new Set([
  'connect_transport_exception',
  'node_disconnected_exception',
  'node_not_connected_exception',
  'node_closed_exception',
  'receive_timeout_transport_exception',
  'send_request_transport_exception',
]);

/** Opens a connection and completes the handshake; rejects with connect_transport_exception. */
export async function connectTransport(options: TransportConnectOptions): Promise<TransportConnection> {
  assert(parseVersion(options.local.version) !== undefined, `local version [${options.local.version}] must parse`);
  assert(options.local.transportFormatVersion === TRANSPORT_FORMAT_VERSION, 'local handshake carries this build\'s transport format');
  assert(options.pingScheduleMs === undefined || options.pingScheduleMs === -1 || options.pingScheduleMs > 0, 'ping schedule is -1 or positive');
  assert((options.tls?.cert === undefined) === (options.tls?.key === undefined), 'client certificate and key come together');
  const connection = new OutboundConnection(options);
  await connection.open();
  return connection;
}

class OutboundConnection implements TransportConnection {
  private phase: 'connecting' | 'ready' | 'closed' = 'connecting';
  private socket: Socket | undefined;
  private remoteInfo: HandshakeInfo | undefined;
  private certificate: PeerCertificateInfo | undefined;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private closeReason: string | undefined;
  private requestIdLast = 0;
  private pingState: PingState = initialPingState;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly addressText: string;
  private readonly logger: Logger;
  private readonly frameBytesMax: number;
  private readonly pendingRequestsMax: number;

  constructor(private readonly options: TransportConnectOptions) {
    this.addressText = formatAddress(options.address.host, options.address.port);
    this.logger = options.logger.child({ transport: 'outbound', remote: this.addressText });
    this.frameBytesMax = options.frameBytesMax ?? transportLimits.frameBytesMax;
    this.pendingRequestsMax = options.pendingRequestsMax ?? transportLimits.pendingRequestsMax;
  }

  get remote(): HandshakeInfo {
    assert(this.remoteInfo !== undefined, 'remote is read after the handshake');
    return this.remoteInfo;
  }

  get address(): TransportAddress {
    return this.options.address;
  }

  get remoteCertificate(): PeerCertificateInfo | undefined {
    return this.certificate;
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  open(): Promise<void> {
    const { address, local } = this.options;
    const connectTimeoutMs = this.options.connectTimeoutMs ?? transportLimits.connectTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let socket: Socket | undefined;
      let timer: NodeJS.Timeout | undefined;
      const fail = (reason: string, causedBy?: EsError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.phase = 'closed';
        this.closeReason = reason;
        socket?.destroy();
        this.logger.warn({ code: causedBy?.type }, `failed to connect to [${this.addressText}]: ${reason}`);
        reject(errors.connectTransport(undefined, this.addressText, reason, causedBy));
      };
      const handshakeRequestId = this.nextRequestId();
      try {
        socket =
          this.options.tls === undefined
            ? net.connect({ host: address.host, port: address.port })
            : tls.connect({ host: address.host, port: address.port, ...clientTlsOptions(address.host, this.options.tls) });
      } catch (error) {
        // Unreadable PEM, a wrong key passphrase: Node throws before any byte is sent.
        fail(`invalid TLS configuration: ${(error as Error).message}`);
        return;
      }
      timer = setTimeout(() => fail(`connect_timeout[${connectTimeoutMs}ms]`), connectTimeoutMs);
      this.socket = socket;
      const connection: Socket = socket;
      let connected = false; // TCP and, over TLS, the TLS handshake done
      connection.once(this.options.tls === undefined ? 'connect' : 'secureConnect', () => {
        connected = true;
        transportStats.outboundConnections++;
        if (this.options.tls !== undefined) transportStats.outboundTlsHandshakes++;
        configureSocket(connection);
        if (this.options.tls !== undefined) {
          const tlsSocket = connection as TLSSocket;
          const refusal = verifyServer(tlsSocket, address.host, this.options.tls);
          if (refusal !== undefined) {
            fail(refusal);
            return;
          }
          this.certificate = peerCertificateInfo(tlsSocket.getPeerCertificate(), tlsSocket.authorized);
        }
        const body = encodeRequestBody({ action: HANDSHAKE_ACTION, headers: this.options.handshakeHeaders ?? {}, payload: encodeHandshake(local) });
        connection.write(encodeFrame(FrameFlags.handshake, handshakeRequestId, body, false));
      });
      connection.on('error', (error: NodeJS.ErrnoException) => {
        if (!settled) {
          const reason = describeClientFailure(error.code, error.message);
          const plainServerHint = this.options.tls !== undefined && !connected && error.code === 'ECONNRESET' ? ' during the TLS handshake; is the remote interface plain-text?' : '';
          fail(`${reason}${plainServerHint}`);
          return;
        }
        this.logger.debug({ code: error.code }, `transport connection to [${this.addressText}] failed: ${error.message}`);
      });
      connection.on('close', () => {
        if (!settled) {
          const hint =
            this.options.tls === undefined
              ? ' (does the remote interface expect TLS?)'
              : this.options.tls.cert !== undefined
                ? ' (it may not trust this node\'s client certificate)'
                : '';
          fail(`the connection was closed by the remote node during the handshake${hint}`);
          return;
        }
        this.shutdown(this.closeReason ?? 'closed by the remote node');
      });

      const onHandshakeFrame = (frame: Frame): void => {
        if (frame.kind !== 'message' || (frame.flags & FrameFlags.response) === 0 || frame.requestId !== handshakeRequestId) {
          fail('the remote node sent something other than a handshake response');
          return;
        }
        if ((frame.flags & FrameFlags.error) !== 0) {
          const remoteError = parseErrorBody(frame.body);
          fail(`handshake refused by the remote node: ${remoteError?.message ?? 'malformed error'}`, remoteError);
          return;
        }
        const response = parseResponseBody(frame.body);
        const decision = decideHandshake(local, response?.payload, {
          transportFormatVersions: [TRANSPORT_FORMAT_VERSION_MIN, TRANSPORT_FORMAT_VERSION],
          ...(this.options.expectedClusterName !== undefined ? { expectedClusterName: this.options.expectedClusterName } : {}),
        });
        if (!decision.accepted) {
          fail(decision.reason);
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.remoteInfo = decision.remote;
        this.phase = 'ready';
        this.startPings();
        this.logger.debug({ node: decision.remote.nodeName, cluster: decision.remote.clusterName }, `connected to [${decision.remote.nodeName}] at [${this.addressText}]`);
        resolve();
      };

      const frameLimit = (): number => (this.phase === 'ready' ? this.frameBytesMax : Math.min(this.frameBytesMax, transportLimits.handshakeFrameBytesMax));
      readFrames(connection, frameLimit, {
        onBytes: () => {
          this.pingState = stepPing(this.pingState, { kind: 'received' })[0];
        },
        onInvalid: (error) => {
          if (!settled) fail(`received an invalid transport frame during the handshake (${error.message}); is the address a transport port, with TLS configured alike on both sides?`);
          else this.shutdown(`invalid frame from the remote node: ${error.message}`, 'warn');
        },
        onFrame: (frame) => {
          if (!settled) onHandshakeFrame(frame);
          else this.handleFrame(frame);
        },
      });
    });
  }

  request(action: string, body: unknown, options: TransportRequestOptions = {}): Promise<unknown> {
    transportStats.requestsSent++;
    assert(action.length > 0, 'action is named');
    const headers = options.headers ?? {};
    assert(Object.values(headers).every((value) => typeof value === 'string'), 'header values are strings');
    const nodeName = this.remoteInfo?.nodeName;
    if (this.phase !== 'ready' || this.socket === undefined) return Promise.reject(errors.nodeDisconnected(nodeName, this.addressText, action));
    if (this.pending.size >= this.pendingRequestsMax) {
      return Promise.reject(
        errors.rejectedExecution(`rejected execution of transport action [${action}] to [${this.addressText}]: [${this.pending.size}] requests already pending, the limit is [${this.pendingRequestsMax}]`),
      );
    }
    const requestId = this.nextRequestId();
    let frame: Buffer;
    try {
      frame = encodeFrame(0, requestId, encodeRequestBody({ action, headers, payload: body }), this.options.compress === true);
    } catch (error) {
      return Promise.reject(errors.illegalArgument(`cannot encode transport request [${action}]: ${(error as Error).message}`));
    }
    if (frameBytes(frame) > this.frameBytesMax) {
      return Promise.reject(errors.illegalArgument(`transport request [${action}] of [${frameBytes(frame)}] bytes exceeds the transport frame limit of [${this.frameBytesMax}] bytes`));
    }
    const socket = this.socket;
    return new Promise<unknown>((resolve, reject) => {
      const timeoutMs = options.timeoutMs;
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              if (this.pending.delete(requestId)) reject(errors.receiveTimeout(nodeName, this.addressText, action, requestId, timeoutMs));
            }, timeoutMs);
      this.pending.set(requestId, { action, resolve, reject, timer });
      socket.write(frame);
    });
  }

  close(): void {
    this.shutdown('closed by this node');
  }

  onClose(listener: (reason: string) => void): void {
    if (this.phase === 'closed') {
      const reason = this.closeReason ?? 'closed';
      process.nextTick(() => listener(reason));
      return;
    }
    this.closeListeners.push(listener);
  }

  private handleFrame(frame: Frame): void {
    if (frame.kind === 'ping') return; // the accepting side's echo; liveness was noted on the bytes
    if ((frame.flags & FrameFlags.response) === 0) {
      this.shutdown('protocol violation: the remote node sent a request on an outbound connection', 'warn');
      return;
    }
    const pending = this.pending.get(frame.requestId);
    if (pending === undefined) {
      // A response that arrived after its request timed out (Elasticsearch logs these too).
      this.logger.debug({ requestId: frame.requestId }, 'transport response for an unknown or timed out request');
      return;
    }
    this.pending.delete(frame.requestId);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    if ((frame.flags & FrameFlags.error) !== 0) {
      const remoteError = parseErrorBody(frame.body);
      if (remoteError !== undefined) pending.reject(remoteError);
      else {
        pending.reject(errors.illegalState(`malformed error response to [${pending.action}] from [${this.addressText}]`));
        this.shutdown('malformed error response', 'warn');
      }
      return;
    }
    const response = parseResponseBody(frame.body);
    if (response !== undefined) pending.resolve(response.payload);
    else {
      pending.reject(errors.illegalState(`malformed response to [${pending.action}] from [${this.addressText}]`));
      this.shutdown('malformed response', 'warn');
    }
  }

  private startPings(): void {
    const scheduleMs = this.options.pingScheduleMs ?? -1;
    if (scheduleMs === -1) return;
    this.pingState = initialPingState;
    this.pingTimer = setInterval(() => {
      const [state, effect] = stepPing(this.pingState, { kind: 'tick' });
      this.pingState = state;
      if (effect === 'send_ping') this.socket?.write(encodePing());
      else if (effect === 'disconnect') {
        this.shutdown(`no bytes from the remote node for [${state.silentTicks}] ping intervals of [${scheduleMs}ms]`, 'warn');
      }
    }, scheduleMs);
    this.pingTimer.unref();
  }

  private nextRequestId(): number {
    do {
      this.requestIdLast = this.requestIdLast >= REQUEST_ID_MAX ? 1 : this.requestIdLast + 1;
    } while (this.pending.has(this.requestIdLast));
    return this.requestIdLast;
  }

  private shutdown(reason: string, level: 'debug' | 'warn' = 'debug'): void {
    if (this.phase === 'closed') return;
    const wasReady = this.phase === 'ready';
    this.phase = 'closed';
    this.closeReason = reason;
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.socket?.destroy();
    const nodeName = this.remoteInfo?.nodeName;
    for (const [, pending] of this.pending) {
      if (pending.timer !== undefined) clearTimeout(pending.timer);
      pending.reject(errors.nodeDisconnected(nodeName, this.addressText, pending.action));
    }
    this.pending.clear();
    if (wasReady) this.logger[level]({ node: nodeName }, `transport connection to [${nodeName}] at [${this.addressText}] closed: ${reason}`);
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener(reason);
      } catch (error) {
        this.logger.error({ err: error }, 'transport close listener failed');
      }
    }
  }
}
