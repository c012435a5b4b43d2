/** Transport limits (style P4); each names its unit and says what happens beyond it. */
export const transportLimits = {
  /** Largest frame accepted or sent, bytes; like Elasticsearch's http.max_content_length default (100mb). Beyond it the connection closes (inbound) or the request fails (outbound). */
  frameBytesMax: 100 * 1024 * 1024,
  /**
   * Ours: largest frame before the handshake completes, bytes. The peer is not yet trusted (over TLS
   * its client certificate may even have failed verification), and a handshake with its headers
   * is small.
   */
  handshakeFrameBytesMax: 64 * 1024,
  /** Elasticsearch's transport.connect_timeout default: TCP connect + TLS + handshake. */
  connectTimeoutMs: 30_000,
  /** Ours: how long an accepted connection may take to send its handshake before it is closed. */
  handshakeTimeoutMs: 30_000,
  /** Ours: requests awaiting a response on one outbound connection; beyond it 429 es_rejected_execution_exception. */
  pendingRequestsMax: 1_000,
  /** Ours: open inbound connections per listener; Node closes any beyond it on accept. */
  inboundConnectionsMax: 10_000,
  /** Ours: requests one inbound connection may have in its handlers at once; beyond it 429. */
  inFlightRequestsMax: 1_000,
  /** Ours: ping ticks in a row without any byte from the peer before the connection is declared dead. */
  pingTicksSilentMax: 3,
  /**
   * Ours: TCP keep-alive idle time, ms. Elasticsearch leaves keep_idle to the OS (often 2 hours),
   * which outlives many middlebox idle timeouts; it caps the setting at 300 s, we pick 60 s.
   */
  keepAliveIdleMs: 60_000,
  /** Ours: nesting of `caused_by` read back from an error frame; deeper causes are dropped. */
  errorCauseDepthMax: 16,
} as const;
