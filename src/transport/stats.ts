/**
 * Process-wide transport counters, reported by `GET /_nodes/stats/transport` (Elasticsearch's
 * `total_outbound_connections`, `server_open` and friends) and used by the benchmark to prove that
 * connections are reused (no TLS handshake per request).
 */
export const transportStats = {
  /** Outbound connections opened (TCP connected, and TLS established when TLS is on). */
  outboundConnections: 0,
  /** Outbound TLS handshakes completed. */
  outboundTlsHandshakes: 0,
  /** Inbound connections accepted by any transport server of this process. */
  inboundConnections: 0,
  requestsSent: 0,
  requestsReceived: 0,
};
