// Transport I/O over real sockets on 127.0.0.1 (plain TCP; TLS is in tls.test.ts):
// shared/spec/remote-clusters.md §8.3 (handshake first, version refusal, cluster-name pinning),
// §9 (long-lived multiplexed connections, pings), §6.1 (headers, handshake credentials).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EsError, errors } from '../../../src/common/errors.js';
import {
  connectTransport,
  HANDSHAKE_ACTION,
  startTransportServer,
  type TransportHandler,
  type TransportServer,
  type TransportServerOptions,
  type TransportConnectOptions,
} from '../../../src/transport/index.js';
import { encodeFrame, encodePing, FrameFlags } from '../../../src/transport/frame.js';
import { encodeRequestBody } from '../../../src/transport/message.js';
import { encodeHandshake } from '../../../src/transport/handshake.js';
import { captureLogger, eventually, nodeInfo, rawClient, startHandshakeOnlyPeer } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const west = nodeInfo({ clusterName: 'west', clusterUuid: 'west-uuid', nodeId: 'west-node-id', nodeName: 'west-1', attributes: { rack: 'r1' } });
const east = nodeInfo();

const echo: TransportHandler = async (request) => ({ action: request.action, headers: request.headers, body: request.body, peer: request.peer.handshake.nodeName });

async function server(overrides: Partial<TransportServerOptions> = {}, handlers: Record<string, TransportHandler> = {}) {
  const captured = captureLogger();
  const started = await startTransportServer({
    host: '127.0.0.1',
    port: 0,
    local: west,
    handlers: new Map(Object.entries({ 'test:echo': echo, ...handlers })),
    logger: captured.logger,
    ...overrides,
  });
  cleanups.push(() => started.close());
  return { server: started, lines: captured.lines };
}

async function connect(target: TransportServer | number, overrides: Partial<TransportConnectOptions> = {}) {
  const captured = captureLogger();
  const port = typeof target === 'number' ? target : target.address.port;
  const connection = await connectTransport({ address: { host: '127.0.0.1', port }, local: east, logger: captured.logger, connectTimeoutMs: 10_000, ...overrides });
  cleanups.push(() => connection.close());
  return { connection, lines: captured.lines };
}

async function rejection(promise: Promise<unknown>): Promise<EsError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EsError, `expected an EsError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

test('the handshake exchanges node identities; port 0 reports the bound port (§8.3)', async () => {
  const { server: started } = await server();
  assert.ok(started.address.port > 0);
  const { connection } = await connect(started);
  assert.deepEqual(connection.remote, west);
  assert.equal(connection.closed, false);
  assert.equal(connection.remoteCertificate, undefined);
  const answer = (await connection.request('test:echo', { q: 1 })) as Record<string, unknown>;
  assert.equal(answer['peer'], 'east-1', 'handlers see the dialling node\'s handshake');
});

for (const [clientVersion, serverVersion] of [['9.1.0', '7.17.0'], ['7.17.0', '9.1.0']] as const) {
  test(`version ${clientVersion} dialling ${serverVersion} is refused, naming both versions (§8.1, §8.3)`, async () => {
    const { server: started, lines } = await server({ local: { ...west, version: serverVersion } });
    const error = await rejection(connect(started, { local: { ...east, version: clientVersion } }));
    assert.equal(error.type, 'connect_transport_exception');
    assert.equal(error.status, 502);
    assert.match(error.message, /handshake refused by the remote node/);
    assert.match(error.message, new RegExp(`remote node version \\[${clientVersion}\\] is incompatible with local node version \\[${serverVersion}\\]`));
    assert.equal(error.causedBy?.type, 'illegal_state_exception');
    await eventually(() => started.connectionCount === 0, 'the refused connection is closed');
    assert.ok(lines.some((line) => line.includes('refused transport handshake')));
  });
}

test('the dialling side refuses an incompatible peer too (§8.1 is symmetric)', async () => {
  const peer = await startHandshakeOnlyPeer({ ...west, version: '7.17.3' });
  cleanups.push(() => peer.close());
  const error = await rejection(connect(peer.port));
  assert.equal(error.type, 'connect_transport_exception');
  assert.match(error.message, /remote node version \[7\.17\.3\] is incompatible with local node version \[9\.1\.0\]/);
  await eventually(() => peer.sockets.size === 0, 'the client closed its socket');
});

test('cluster-name pinning refuses another cluster with a clear message (§8.3)', async () => {
  const { server: started } = await server();
  const error = await rejection(connect(started, { expectedClusterName: 'south' }));
  assert.equal(error.type, 'connect_transport_exception');
  assert.match(error.message, /remote cluster name \[west\] does not match expected remote cluster name \[south\]/);
  const { connection } = await connect(started, { expectedClusterName: 'west' });
  assert.equal(connection.remote.clusterName, 'west');
});

test('requests, responses and errors round-trip with headers and EsError fields', async () => {
  const failing: TransportHandler = async () => {
    throw errors.indexNotFound('logs-*');
  };
  const crashing: TransportHandler = async () => {
    throw new TypeError('boom');
  };
  const { server: started } = await server({}, { 'test:fail': failing, 'test:crash': crashing });
  const { connection } = await connect(started);
  const answer = await connection.request('test:echo', { query: { match_all: {} }, list: [1, 'two', null] }, { headers: { 'X-Opaque-Id': 'q-1', _cross_cluster_access_credentials: 'ApiKey secret' } });
  assert.deepEqual(answer, {
    action: 'test:echo',
    headers: { 'X-Opaque-Id': 'q-1', _cross_cluster_access_credentials: 'ApiKey secret' },
    body: { query: { match_all: {} }, list: [1, 'two', null] },
    peer: 'east-1',
  });
  const error = await rejection(connection.request('test:fail', {}));
  assert.deepEqual(error.toBody(), errors.indexNotFound('logs-*').toBody());
  const crash = await rejection(connection.request('test:crash', {}));
  assert.deepEqual([crash.status, crash.type, crash.message], [500, 'exception', 'boom']);
  assert.equal(connection.closed, false, 'errors do not close the connection');
});

test('an unknown action answers action_not_found_transport_exception', async () => {
  const { server: started } = await server();
  const { connection } = await connect(started);
  const error = await rejection(connection.request('indices:data/read/nope', {}));
  assert.deepEqual(error.toCause(), { type: 'action_not_found_transport_exception', reason: 'No handler for action [indices:data/read/nope]' });
  assert.equal(connection.closed, false);
});

test('concurrent requests are multiplexed and answered out of order', async () => {
  const releases = new Map<number, () => void>();
  const held: TransportHandler = (request) =>
    new Promise((resolve) => {
      const index = (request.body as { index: number }).index;
      releases.set(index, () => resolve({ index }));
    });
  const { server: started } = await server({}, { 'test:held': held });
  const { connection } = await connect(started);
  const count = 50;
  const answers = Array.from({ length: count }, (_, index) => connection.request('test:held', { index }));
  await eventually(() => releases.size === count, 'every request reached its handler');
  for (let index = count - 1; index >= 0; index -= 1) releases.get(index)!();
  assert.deepEqual(await Promise.all(answers), Array.from({ length: count }, (_, index) => ({ index })));
});

test('compressed requests get compressed responses and read the same', async () => {
  const { server: started } = await server();
  const { connection } = await connect(started, { compress: true });
  const text = 'compressible '.repeat(10_000);
  const answer = (await connection.request('test:echo', { text })) as { body: { text: string } };
  assert.equal(answer.body.text, text);
  // The limit also bounds what a frame inflates to: 130 kB of text sent as a 1 kB frame to a
  // server with a 64 kB limit is a decompression bomb as far as it can tell, and closes the link.
  const small = await server({ frameBytesMax: 64 * 1024 });
  const { connection: compressed } = await connect(small.server, { compress: true });
  assert.equal((await rejection(compressed.request('test:echo', { text }))).type, 'node_disconnected_exception');
  assert.ok(small.lines.some((line) => line.includes('cannot decompress body')));
});

test('garbage bytes close only that connection; the server keeps serving', async () => {
  const { server: started, lines } = await server();
  const { connection } = await connect(started);
  const raw = await rawClient(started.address.port);
  raw.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await raw.closed;
  assert.ok(lines.some((line) => line.includes('expected magic')), 'the reason is logged');
  assert.deepEqual(await connection.request('test:echo', 1), { action: 'test:echo', headers: {}, body: 1, peer: 'east-1' });
  const { connection: another } = await connect(started);
  assert.equal(another.remote.nodeName, 'west-1');
});

test('a request or ping before the handshake closes the connection', async () => {
  const { server: started, lines } = await server();
  const raw = await rawClient(started.address.port);
  raw.socket.write(encodeFrame(0, 1, encodeRequestBody({ action: 'test:echo', headers: {}, payload: 1 })));
  await raw.closed;
  assert.equal(Buffer.concat(raw.received).length, 0, 'nothing was answered');
  assert.ok(lines.some((line) => line.includes('expected a handshake')));
  const pinger = await rawClient(started.address.port);
  pinger.socket.write(encodePing());
  await pinger.closed;
  // A handshake frame that carries a different action is not a handshake either.
  const liar = await rawClient(started.address.port);
  liar.socket.write(encodeFrame(FrameFlags.handshake, 1, encodeRequestBody({ action: 'test:echo', headers: {}, payload: encodeHandshake(east) })));
  await liar.closed;
  assert.equal((await connect(started)).connection.remote.nodeName, 'west-1');
});

test('an oversized frame closes only that connection and fails its pending requests', async () => {
  const { server: started, lines } = await server({ frameBytesMax: 4096 });
  const { connection: bystander } = await connect(started);
  const { connection } = await connect(started, { frameBytesMax: 1 << 20 });
  const closeReasons: string[] = [];
  connection.onClose((reason) => closeReasons.push(reason));
  const error = await rejection(connection.request('test:echo', { text: 'x'.repeat(10_000) }));
  assert.equal(error.type, 'node_disconnected_exception');
  assert.match(error.message, /^\[west-1\]\[127\.0\.0\.1:\d+\]\[test:echo\] disconnected$/);
  assert.equal(connection.closed, true);
  assert.equal(closeReasons.length, 1);
  assert.ok(lines.some((line) => line.includes('exceeds the limit of 4096 bytes')));
  assert.equal(((await bystander.request('test:echo', 'still here')) as { body: string }).body, 'still here');
  // The dialling side refuses to send what its own limit forbids instead of losing the connection.
  const { connection: limited } = await connect(started, { frameBytesMax: 4096 });
  const tooBig = await rejection(limited.request('test:echo', { text: 'x'.repeat(10_000) }));
  assert.match(tooBig.message, /exceeds the transport frame limit of \[4096\] bytes/);
  assert.equal(limited.closed, false);
});

test('a response over the server\'s frame limit becomes an error, not a dropped connection', async () => {
  const big: TransportHandler = async () => ({ text: 'y'.repeat(10_000) });
  const { server: started } = await server({ frameBytesMax: 4096 }, { 'test:big': big });
  const { connection } = await connect(started);
  const error = await rejection(connection.request('test:big', {}));
  assert.equal(error.type, 'illegal_state_exception');
  assert.match(error.message, /exceeds the transport frame limit of \[4096\] bytes/);
  assert.equal(connection.closed, false);
});

test('when the peer closes, pending requests fail with node_disconnected_exception', async () => {
  const never: TransportHandler = () => new Promise(() => undefined);
  const { server: started } = await server({}, { 'test:never': never });
  const { connection } = await connect(started);
  const reasons: string[] = [];
  connection.onClose((reason) => reasons.push(reason));
  const pending = [connection.request('test:never', 1), connection.request('test:never', 2)];
  await eventually(() => started.connectionCount === 1, 'the server holds the connection');
  await started.close();
  for (const request of pending) assert.equal((await rejection(request)).type, 'node_disconnected_exception');
  assert.equal(connection.closed, true);
  assert.deepEqual(reasons, ['closed by the remote node']);
  assert.equal((await rejection(connection.request('test:echo', 1))).type, 'node_disconnected_exception');
  const late: string[] = [];
  connection.onClose((reason) => late.push(reason));
  await eventually(() => late.length === 1, 'a late listener is told too');
});

test('closing locally fails pending requests; a timeout fails only its request', async () => {
  const never: TransportHandler = () => new Promise(() => undefined);
  const { server: started } = await server({}, { 'test:never': never });
  const { connection } = await connect(started);
  const timedOut = await rejection(connection.request('test:never', 1, { timeoutMs: 20 }));
  assert.equal(timedOut.type, 'receive_timeout_transport_exception');
  assert.match(timedOut.message, /^\[west-1\]\[127\.0\.0\.1:\d+\]\[test:never\] request_id \[\d+\] timed out after \[20ms\]$/);
  assert.equal(connection.closed, false);
  const pending = connection.request('test:never', 2);
  connection.close();
  assert.equal((await rejection(pending)).type, 'node_disconnected_exception');
  await eventually(() => started.connectionCount === 0, 'the server saw the close');
});

test('pending requests beyond the limit are rejected with 429', async () => {
  const never: TransportHandler = () => new Promise(() => undefined);
  const { server: started } = await server({}, { 'test:never': never });
  const { connection } = await connect(started, { pendingRequestsMax: 2 });
  void connection.request('test:never', 1).catch(() => undefined);
  void connection.request('test:never', 2).catch(() => undefined);
  const error = await rejection(connection.request('test:never', 3));
  assert.deepEqual([error.status, error.type], [429, 'es_rejected_execution_exception']);
});

test('requests beyond the server\'s in-flight limit per connection are rejected with 429', async () => {
  const never: TransportHandler = () => new Promise(() => undefined);
  const { server: started } = await server({ inFlightRequestsMax: 1 }, { 'test:never': never });
  const { connection } = await connect(started);
  void connection.request('test:never', 1).catch(() => undefined);
  const error = await rejection(connection.request('test:never', 2));
  assert.deepEqual([error.status, error.type], [429, 'es_rejected_execution_exception']);
  assert.match(error.message, /\[1\] requests already in flight on this connection/);
});

test('a malformed request after the handshake closes that connection', async () => {
  const { server: started, lines } = await server();
  const raw = await rawClient(started.address.port);
  raw.socket.write(encodeFrame(FrameFlags.handshake, 1, encodeRequestBody({ action: HANDSHAKE_ACTION, headers: {}, payload: encodeHandshake(east) })));
  await eventually(() => raw.received.length > 0, 'the handshake was answered');
  raw.socket.write(encodeFrame(0, 2, { no_action: true }));
  await raw.closed;
  assert.ok(lines.some((line) => line.includes('malformed transport request')));
});

test('the ping schedule keeps a live peer and drops a silent one (§9)', async () => {
  const { server: started } = await server();
  const { connection: live } = await connect(started, { pingScheduleMs: 20 });
  const silent = await startHandshakeOnlyPeer(west);
  cleanups.push(() => silent.close());
  const { connection, lines } = await connect(silent.port, { pingScheduleMs: 10 });
  const reasons: string[] = [];
  connection.onClose((reason) => reasons.push(reason));
  await eventually(() => connection.closed, 'the silent peer is declared disconnected');
  assert.match(reasons[0] ?? '', /no bytes from the remote node for \[3\] ping intervals of \[10ms\]/);
  assert.ok(lines.some((line) => line.includes('ping intervals')));
  assert.equal((await rejection(connection.request('test:echo', 1))).type, 'node_disconnected_exception');
  // The live connection answered its pings throughout.
  assert.equal(live.closed, false);
  assert.equal(((await live.request('test:echo', 'alive')) as { body: string }).body, 'alive');
});

test('handshake headers reach onHandshake, whose refusal is the cause of the connect failure (§6.1)', async () => {
  const seen: Record<string, string>[] = [];
  const { server: started, lines } = await server({
    onHandshake: async ({ headers, peer }) => {
      seen.push({ ...headers });
      assert.equal(peer.handshake.clusterName, 'east');
      if (headers['_cross_cluster_access_credentials'] !== 'ApiKey good-secret') {
        throw errors.authenticationFailed('unable to authenticate with provided credentials and anonymous access is not allowed for this request');
      }
    },
  });
  const error = await rejection(connect(started, { handshakeHeaders: { _cross_cluster_access_credentials: 'ApiKey bad-secret' } }));
  assert.equal(error.type, 'connect_transport_exception');
  assert.equal(error.causedBy?.type, 'security_exception');
  assert.equal(error.causedBy?.status, 401);
  const { connection, lines: clientLines } = await connect(started, { handshakeHeaders: { _cross_cluster_access_credentials: 'ApiKey good-secret' } });
  assert.equal(connection.remote.nodeName, 'west-1');
  assert.deepEqual(seen.map((headers) => headers['_cross_cluster_access_credentials']), ['ApiKey bad-secret', 'ApiKey good-secret']);
  await connection.request('test:echo', {}, { headers: { authorization: 'Basic c2VjcmV0', _security_token: 'tok-secret' } });
  for (const line of [...lines, ...clientLines]) {
    assert.doesNotMatch(line, /good-secret|bad-secret|c2VjcmV0|tok-secret/, 'credentials never reach the log');
  }
});

test('a connection refused or timing out is a connect_transport_exception', async () => {
  const { server: started } = await server();
  const port = started.address.port;
  await started.close();
  const refused = await rejection(connect(port));
  assert.equal(refused.type, 'connect_transport_exception');
  assert.match(refused.message, /Connection refused/);
  // A node that never answers the handshake.
  const { server: slow } = await server({
    onHandshake: () => new Promise(() => undefined),
  });
  const timeout = await rejection(connect(slow, { connectTimeoutMs: 50 }));
  assert.match(timeout.message, /connect_timeout\[50ms\]/);
});

test('a connection that never sends its handshake is closed by the server', async () => {
  const { server: started, lines } = await server({ handshakeTimeoutMs: 30 });
  assert.equal(HANDSHAKE_ACTION, 'internal:tcp/handshake');
  const raw = await rawClient(started.address.port);
  await raw.closed;
  assert.ok(lines.some((line) => line.includes('no handshake within [30ms]')));
});
