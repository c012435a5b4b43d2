/**
 * The transport layer: Strait nodes talking to Strait nodes (shared/spec/remote-clusters.md §1,
 * §6, §8, §9). Our own framing (frame.ts), Elasticsearch's semantics: handshake first, action
 * names, thread-context headers, the symmetric version rule, cluster-name pinning.
 *
 * Public surface:
 *
 *   startTransportServer(options: TransportServerOptions): Promise<TransportServer>
 *     options: { host, port (0 = ephemeral), local: HandshakeInfo, handlers: Map<action, TransportHandler>,
 *                logger: pino Logger, tls?: { key, cert, ca?, passphrase?, clientAuthentication:
 *                'required'|'optional'|'none' }, name?, frameBytesMax?, handshakeTimeoutMs?,
 *                inFlightRequestsMax?, connectionsMax?, compress?, onHandshake?({ headers, peer }) }
 *     TransportServer: { address: { host, port }, connectionCount, close(): Promise<void> }
 *     TransportHandler = (request: { action, headers, body, peer: { address, certificate?, handshake } })
 *                        => Promise<unknown>; a thrown EsError goes back as an error frame.
 *     Unknown action → action_not_found_transport_exception. A refused handshake (version,
 *     transport format, onHandshake) is answered with an error frame and the socket closes.
 *
 *   connectTransport(options: TransportConnectOptions): Promise<TransportConnection>
 *     options: { address: { host, port }, local: HandshakeInfo, logger, tls?: { ca?, cert?, key?,
 *                passphrase?, verificationMode: 'full'|'certificate'|'none', serverName? },
 *                connectTimeoutMs?, expectedClusterName?, compress?, pingScheduleMs? (-1 = off),
 *                handshakeHeaders?, frameBytesMax?, pendingRequestsMax? }
 *     Rejects with connect_transport_exception (status 502) whose reason says why (TLS trust,
 *     hostname mismatch, client certificate required, version, cluster name, timeout...); when
 *     the remote node refused the handshake its EsError is the `causedBy` (for example the
 *     security_exception an onHandshake check threw).
 *     TransportConnection: { remote: HandshakeInfo, address, remoteCertificate?, closed,
 *       request(action, body, { headers?, timeoutMs? }): Promise<unknown>, close(), onClose(listener(reason)) }
 *     request rejects with the remote EsError (same status/type/reason/extra/causes),
 *     node_disconnected_exception when the connection closes first, receive_timeout_transport_exception
 *     after timeoutMs, es_rejected_execution_exception (429) beyond pendingRequestsMax.
 *
 * Pings (pingScheduleMs): the dialling side pings, the accepting side echoes; a dialling side that
 * hears nothing for `transportLimits.pingTicksSilentMax` intervals closes the connection.
 */
export { startTransportServer } from './server.js';
export type { TransportServer, TransportServerOptions, TransportHandler, TransportRequest, TransportPeer, TransportHandshakeRequest } from './server.js';
export { connectTransport, connectionFailureTypes } from './connection.js';
export type { TransportConnection, TransportConnectOptions, TransportRequestOptions } from './connection.js';
export type { TransportAddress } from './channel.js';
export { formatAddress } from './channel.js';
export type {
  ClientAuthentication,
  VerificationMode,
  PemInput,
  PeerCertificateInfo,
  TransportClientTlsOptions,
  TransportServerTlsOptions,
  TlsProtocols,
} from './tls.js';
export { tlsProtocols, protocolOptions } from './tls.js';
export { HANDSHAKE_ACTION, decideHandshake, encodeHandshake, parseHandshake, type HandshakeInfo, type HandshakeDecision } from './handshake.js';
export { TRANSPORT_FORMAT_VERSION, TRANSPORT_FORMAT_VERSION_MIN } from './frame.js';
export { formatVersion, incompatibilityReason, isTransportCompatible, parseVersion, type Version } from './version.js';
export { isSecretHeader, redactHeaders } from './message.js';
export { transportLimits } from './limits.js';
export { transportStats } from './stats.js';
