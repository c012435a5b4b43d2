/**
 * The accepting side of the transport (shared/spec/remote-clusters.md §1.1, §8.3, §9): listens,
 * optionally over TLS, requires the handshake as each connection's first frame, then dispatches
 * requests by action name to handlers and answers with response or error frames. A misbehaving
 * connection (garbage, oversized frame, request before handshake, TLS failure) is logged and
 * closed; the server keeps serving every other connection.
 */
import net, { type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { assert } from '../common/assert.js';
import { EsError, errors, isEsError } from '../common/errors.js';
import { configureSocket, formatAddress, frameBytes, readFrames, type TransportAddress } from './channel.js';
import { encodeFrame, encodePing, FrameFlags, TRANSPORT_FORMAT_VERSION, TRANSPORT_FORMAT_VERSION_MIN, type Frame } from './frame.js';
import { decideHandshake, encodeHandshake, HANDSHAKE_ACTION, type HandshakeInfo } from './handshake.js';
import { transportLimits } from './limits.js';
import { encodeErrorBody, encodeResponseBody, parseRequestBody, redactHeaders } from './message.js';
import { transportStats } from './stats.js';
import { clientCertificateRefusal, describeServerFailure, peerCertificateInfo, serverTlsOptions, type PeerCertificateInfo, type TransportServerTlsOptions } from './tls.js';
import { trustRestrictionRefusal } from './trust-restrictions.js';

/** Restricted trust on the server side: a presented, trusted client certificate must also match the restrictions. */
function restrictedClient(tlsOptions: TransportServerTlsOptions, socket: TLSSocket): string | undefined {
  const restricted = trustRestrictionRefusal(tlsOptions.trustRestriction?.(), socket.getPeerCertificate().raw);
  return restricted === undefined ? undefined : `the client certificate is trusted, but ${restricted}`;
}
import { parseVersion } from './version.js';

/** Who sent a request: the socket address, the TLS client certificate if any, and its handshake. */
export interface TransportPeer {
  /** `host:port` of the remote end of the socket. */
  readonly address: string;
  /** The verified client certificate (mutual TLS only). */
  readonly certificate: PeerCertificateInfo | undefined;
  readonly handshake: HandshakeInfo;
}

export interface TransportRequest {
  readonly action: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly peer: TransportPeer;
  /**
   * Destroys the connection the request came on, so it is never answered (the peer's pending
   * requests fail as disconnected). Only test-only fault injection uses it
   * (`strait.test.remote.scroll_disconnect_aliases`); absent outside a transport server.
   */
  readonly closeConnection?: () => void;
}

/** Resolves to the response body; an EsError thrown or rejected travels back as an error frame. */
export type TransportHandler = (request: TransportRequest) => Promise<unknown>;

export interface TransportHandshakeRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly peer: TransportPeer;
}

export interface TransportServerOptions {
  readonly host: string;
  /** 0 = an ephemeral port; `TransportServer.address` reports the bound one. */
  readonly port: number;
  /** What this node answers to every handshake. */
  readonly local: HandshakeInfo;
  /** Looked up per request, so handlers may be added to the map after start. */
  readonly handlers: ReadonlyMap<string, TransportHandler>;
  readonly logger: Logger;
  /** Absent: plain TCP. */
  readonly tls?: TransportServerTlsOptions;
  /** For logs: which interface this is ('transport', 'remote_cluster'). */
  readonly name?: string;
  readonly frameBytesMax?: number;
  readonly handshakeTimeoutMs?: number;
  readonly inFlightRequestsMax?: number;
  readonly connectionsMax?: number;
  /** Compress every response; otherwise responses are compressed when their request was. */
  readonly compress?: boolean;
  /**
   * Runs after the version checks and before the handshake is answered, with the handshake's
   * headers (the API-key model sends its credential there). Throwing refuses the handshake: the
   * error goes back to the dialling side and the connection closes.
   */
  readonly onHandshake?: (request: TransportHandshakeRequest) => Promise<void>;
}

export interface TransportServer {
  readonly address: TransportAddress;
  /** Connections currently open (handshaken or not). */
  readonly connectionCount: number;
  /** Stops listening and closes every connection; in-flight responses are dropped. */
  close(): Promise<void>;
}

type InboundPhase =
  | { readonly kind: 'awaiting_handshake' }
  | { readonly kind: 'handshaking' }
  | { readonly kind: 'ready'; readonly peer: TransportPeer }
  | { readonly kind: 'closed' };

const LINGER_AFTER_REFUSAL_MS = 5_000; // ours: time for a refusal frame to reach the peer before the socket is destroyed

export async function startTransportServer(options: TransportServerOptions): Promise<TransportServer> {
  assert(parseVersion(options.local.version) !== undefined, `local version [${options.local.version}] must parse`);
  assert(options.local.transportFormatVersion === TRANSPORT_FORMAT_VERSION, 'local handshake carries this build\'s transport format');
  const name = options.name ?? 'transport';
  const logger = options.logger.child({ transport: name });
  const frameBytesMax = options.frameBytesMax ?? transportLimits.frameBytesMax;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? transportLimits.handshakeTimeoutMs;
  const inFlightRequestsMax = options.inFlightRequestsMax ?? transportLimits.inFlightRequestsMax;
  const connections = new Set<Socket>(); // accepted sockets (TLS: after the TLS handshake)
  const rawSockets = new Set<Socket>(); // TLS only: TCP sockets, so close() also ends those mid TLS handshake

  /** `refusal`: the TLS client certificate failed `clientAuthentication`; the handshake is refused with it. */
  const accept = (socket: Socket, certificate: PeerCertificateInfo | undefined, refusal?: string): void => {
    transportStats.inboundConnections++;
    const address = formatAddress(socket.remoteAddress, socket.remotePort);
    configureSocket(socket);
    let phase: InboundPhase = { kind: 'awaiting_handshake' };
    let inFlight = 0;
    const handshakeTimer = setTimeout(() => {
      logger.warn({ peer: address }, `closing transport connection from [${address}]: no handshake within [${handshakeTimeoutMs}ms]`);
      socket.destroy();
    }, handshakeTimeoutMs);
    handshakeTimer.unref();

    const drop = (message: string): void => {
      if (phase.kind === 'closed') return;
      logger.warn({ peer: address }, `closing transport connection from [${address}]: ${message}`);
      phase = { kind: 'closed' };
      socket.destroy();
    };
    connections.add(socket);
    socket.on('close', () => {
      phase = { kind: 'closed' };
      clearTimeout(handshakeTimer);
      connections.delete(socket);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // Resets and aborted TLS sessions are routine on long-lived links; 'close' follows.
      logger.debug({ peer: address, code: error.code }, `transport connection from [${address}] failed: ${error.message}`);
    });

    const send = (flags: number, requestId: number, body: unknown, compress: boolean): void => {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(encodeFrame(flags, requestId, body, compress));
    };
    const sendError = (requestId: number, error: EsError, extraFlags: number): void => {
      send(FrameFlags.response | FrameFlags.error | extraFlags, requestId, encodeErrorBody(error), options.compress === true);
    };

    const refuseHandshake = (requestId: number, error: EsError): void => {
      logger.warn({ peer: address, type: error.type }, `refused transport handshake from [${address}]: ${error.message}`);
      sendError(requestId, error, FrameFlags.handshake);
      phase = { kind: 'closed' };
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_AFTER_REFUSAL_MS).unref();
    };

    const handleHandshake = (frame: Extract<Frame, { kind: 'message' }>): void => {
      const request = parseRequestBody(frame.body);
      if ((frame.flags & FrameFlags.handshake) === 0 || (frame.flags & FrameFlags.response) !== 0 || request === undefined || request.action !== HANDSHAKE_ACTION) {
        drop(`expected a handshake [${HANDSHAKE_ACTION}] as the first frame`);
        return;
      }
      clearTimeout(handshakeTimer);
      if (refusal !== undefined) {
        refuseHandshake(frame.requestId, errors.sslHandshake(refusal));
        return;
      }
      const decision = decideHandshake(options.local, request.payload, {
        transportFormatVersions: [TRANSPORT_FORMAT_VERSION_MIN, TRANSPORT_FORMAT_VERSION],
      });
      if (!decision.accepted) {
        refuseHandshake(frame.requestId, errors.illegalState(`[${options.local.nodeName}] ${decision.reason}`));
        return;
      }
      const peer: TransportPeer = { address, certificate, handshake: decision.remote };
      phase = { kind: 'handshaking' };
      const admitted = options.onHandshake === undefined ? Promise.resolve() : Promise.resolve().then(() => options.onHandshake!({ headers: request.headers, peer }));
      admitted.then(
        () => {
          if (phase.kind !== 'handshaking') return;
          phase = { kind: 'ready', peer };
          logger.debug({ peer: address, node: peer.handshake.nodeName, cluster: peer.handshake.clusterName }, `transport handshake with [${peer.handshake.nodeName}] at [${address}] completed`);
          send(FrameFlags.response | FrameFlags.handshake, frame.requestId, encodeResponseBody(encodeHandshake(options.local)), false);
        },
        (error: unknown) => {
          if (phase.kind !== 'handshaking') return;
          if (!isEsError(error)) logger.error({ peer: address, err: error }, 'handshake check failed unexpectedly');
          refuseHandshake(frame.requestId, isEsError(error) ? error : errors.internal(`handshake check failed: ${(error as Error).message}`));
        },
      );
    };

    const handleRequest = (peer: TransportPeer, frame: Extract<Frame, { kind: 'message' }>): void => {
      if ((frame.flags & (FrameFlags.response | FrameFlags.handshake)) !== 0) {
        drop(`unexpected ${(frame.flags & FrameFlags.response) !== 0 ? 'response' : 'second handshake'} frame`);
        return;
      }
      const request = parseRequestBody(frame.body);
      if (request === undefined) {
        drop('malformed transport request');
        return;
      }
      const compress = options.compress === true || (frame.flags & FrameFlags.compressed) !== 0;
      transportStats.requestsReceived++;
      const handler = options.handlers.get(request.action);
      if (handler === undefined) {
        logger.debug({ peer: address, action: request.action }, 'no handler for transport action');
        sendError(frame.requestId, errors.actionNotFoundTransport(request.action), 0);
        return;
      }
      if (inFlight >= inFlightRequestsMax) {
        sendError(frame.requestId, errors.rejectedExecution(`rejected execution of transport action [${request.action}]: [${inFlight}] requests already in flight on this connection, the limit is [${inFlightRequestsMax}]`), 0);
        return;
      }
      inFlight += 1;
      logger.trace({ peer: address, action: request.action, headers: redactHeaders(request.headers) }, 'transport request');
      Promise.resolve()
        .then(() => handler({ action: request.action, headers: request.headers, body: request.payload, peer, closeConnection: () => socket.destroy() }))
        .then(
          (result) => {
            let response: Buffer;
            try {
              response = encodeFrame(FrameFlags.response, frame.requestId, encodeResponseBody(result), compress);
            } catch (error) {
              throw errors.illegalState(`cannot encode the response to [${request.action}]: ${(error as Error).message}`);
            }
            if (frameBytes(response) > frameBytesMax) {
              throw errors.illegalState(`the response to [${request.action}] of [${frameBytes(response)}] bytes exceeds the transport frame limit of [${frameBytesMax}] bytes`);
            }
            if (!socket.destroyed && !socket.writableEnded) socket.write(response);
          },
        )
        .catch((error: unknown) => {
          if (!isEsError(error)) logger.error({ peer: address, action: request.action, err: error }, 'transport handler failed');
          sendError(frame.requestId, isEsError(error) ? error : errors.internal((error as Error)?.message ?? String(error)), 0);
        })
        .finally(() => {
          inFlight -= 1;
        });
    };

    const frameLimit = (): number => (phase.kind === 'ready' ? frameBytesMax : Math.min(frameBytesMax, transportLimits.handshakeFrameBytesMax));
    readFrames(socket, frameLimit, {
      onInvalid: (error) =>
        drop(options.tls === undefined && error.message.includes('[0x1603]') ? `${error.message} (a TLS handshake: this interface is plain-text, is TLS enabled on the client only?)` : error.message),
      onFrame: (frame) => {
        if (frame.kind === 'ping') {
          // Answered only once the handshake is done; a ping first is as bad as any other frame.
          if (phase.kind === 'ready') socket.write(encodePing());
          else drop('ping before the handshake');
          return;
        }
        switch (phase.kind) {
          case 'awaiting_handshake':
            handleHandshake(frame);
            return;
          case 'handshaking':
            drop('frame received before the handshake completed');
            return;
          case 'ready':
            handleRequest(phase.peer, frame);
            return;
          case 'closed':
            return;
        }
      },
    });
  };

  let server: net.Server;
  try {
    server = options.tls === undefined ? net.createServer() : tls.createServer(serverTlsOptions(options.tls));
  } catch (error) {
    // Unreadable PEM, a key that does not match its certificate, a wrong passphrase.
    throw errors.settingsException(`invalid TLS configuration for the [${name}] interface: ${(error as Error).message}`);
  }
  if (options.tls === undefined) {
    server.on('connection', (socket: Socket) => accept(socket, undefined));
  } else {
    const clientAuthentication = options.tls.clientAuthentication;
    const verificationMode = options.tls.verificationMode ?? 'full';
    const rawAddresses = new WeakMap<Socket, string>();
    server.on('connection', (socket: Socket) => {
      rawSockets.add(socket);
      rawAddresses.set(socket, formatAddress(socket.remoteAddress, socket.remotePort));
      socket.on('close', () => rawSockets.delete(socket));
    });
    // A TLS socket that failed its handshake has often lost its address already; Node offers no
    // public link to the TCP socket underneath, so `_parent` (private, hence guarded) finds the
    // address read on accept.
    const tlsPeerAddress = (socket: TLSSocket): string => {
      const parent = (socket as unknown as { _parent?: unknown })._parent;
      const recorded = parent instanceof net.Socket ? rawAddresses.get(parent) : undefined;
      return recorded ?? formatAddress(socket.remoteAddress, socket.remotePort);
    };
    server.on('secureConnection', (socket: TLSSocket) => {
      const address = formatAddress(socket.remoteAddress, socket.remotePort);
      const certificate = peerCertificateInfo(socket.getPeerCertificate(), socket.authorized);
      const refusal = clientCertificateRefusal(
        clientAuthentication,
        options.local.nodeName,
        certificate !== undefined,
        socket.authorized,
        socket.authorizationError?.toString(),
        verificationMode,
      ) ?? (certificate !== undefined ? restrictedClient(options.tls!, socket) : undefined);
      if (refusal !== undefined) {
        // Nothing is dispatched on this connection: it may only send its handshake, answered with the refusal.
        const described =
          certificate === undefined ? '' : ` (client certificate subject [${certificate.subject}], issuer [${certificate.issuer}], sha256 fingerprint [${certificate.fingerprint256}], valid until [${certificate.validTo}])`;
        logger.warn({ peer: address }, `TLS client authentication of [${address}] failed: ${refusal}${described}`);
        accept(socket, undefined, refusal);
        return;
      }
      accept(socket, certificate?.authorized === true ? certificate : undefined);
    });
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      const address = tlsPeerAddress(socket);
      logger.warn({ peer: address, code: error.code }, `TLS handshake with [${address}] failed: ${describeServerFailure(error.code, error.message)}`);
    });
  }

  server.maxConnections = options.connectionsMax ?? transportLimits.inboundConnectionsMax;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'transport server error'));
  const bound = server.address() as net.AddressInfo;
  logger.info({ address: formatAddress(bound.address, bound.port) }, `${name} listening on [${formatAddress(bound.address, bound.port)}]`);

  return {
    address: { host: bound.address, port: bound.port },
    get connectionCount() {
      return connections.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of connections) socket.destroy();
        for (const socket of rawSockets) socket.destroy();
      }),
  };
}
