// Transport TLS over real sockets with certificates from our own certificate code
// (src/security/certs): shared/spec/remote-clusters.md §1.3 (client_authentication on the server,
// verification_mode on the client; mutual TLS for the transport interface, server-only TLS for the
// remote cluster interface) and §9 (what a failed TLS link says on each side).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import tls from 'node:tls';
import { EsError, errors } from '../../../src/common/errors.js';
import { generateCa, generateNodeCertificate, type PemPair } from '../../../src/security/certs/index.js';
import {
  connectTransport,
  startTransportServer,
  type ClientAuthentication,
  type TransportClientTlsOptions,
  type TransportHandler,
  type TransportServer,
  type TransportServerOptions,
  tlsProtocols,
} from '../../../src/transport/index.js';
import { captureLogger, eventually, nodeInfo, rawClient } from './helpers.js';

const west = nodeInfo({ clusterName: 'west', nodeName: 'west-1', nodeId: 'west-node-id' });
const east = nodeInfo();

interface Certificates {
  readonly ca: PemPair;
  readonly otherCa: PemPair;
  readonly server: PemPair; // ca, SAN localhost + 127.0.0.1
  readonly serverNamedElsewhere: PemPair; // ca, SAN elsewhere.example only
  readonly serverFromOtherCa: PemPair; // otherCa, SAN 127.0.0.1
  readonly client: PemPair; // ca
  readonly clientFromOtherCa: PemPair; // otherCa
}
let certs: Certificates;

before(async () => {
  const [ca, otherCa] = await Promise.all([generateCa({ commonName: 'West CA' }), generateCa({ commonName: 'Rogue CA' })]);
  const [server, serverNamedElsewhere, serverFromOtherCa, client, clientFromOtherCa] = await Promise.all([
    generateNodeCertificate({ ca, name: 'west-1', dns: ['localhost'], ip: ['127.0.0.1'] }),
    generateNodeCertificate({ ca, name: 'west-2', dns: ['elsewhere.example'] }),
    generateNodeCertificate({ ca: otherCa, name: 'impostor', ip: ['127.0.0.1'] }),
    generateNodeCertificate({ ca, name: 'east-1', dns: ['east-1.example'] }),
    generateNodeCertificate({ ca: otherCa, name: 'intruder' }),
  ]);
  certs = { ca, otherCa, server, serverNamedElsewhere, serverFromOtherCa, client, clientFromOtherCa };
});

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const whoAmI: TransportHandler = async (request) => ({
  node: request.peer.handshake.nodeName,
  subject: request.peer.certificate?.subject ?? null,
  authorized: request.peer.certificate?.authorized ?? null,
});

async function tlsServer(clientAuthentication: ClientAuthentication, pair: PemPair = certs.server, overrides: Partial<TransportServerOptions> = {}) {
  const captured = captureLogger();
  const started = await startTransportServer({
    host: '127.0.0.1',
    port: 0,
    local: west,
    handlers: new Map([['test:who_am_i', whoAmI]]),
    logger: captured.logger,
    tls: { key: pair.keyPem, cert: pair.certPem, ca: certs.ca.certPem, clientAuthentication },
    ...overrides,
  });
  cleanups.push(() => started.close());
  return { server: started, lines: captured.lines };
}

async function dial(server: TransportServer, tls: TransportClientTlsOptions | undefined, host = '127.0.0.1') {
  const captured = captureLogger();
  const connection = await connectTransport({
    address: { host, port: server.address.port },
    local: east,
    logger: captured.logger,
    connectTimeoutMs: 10_000,
    ...(tls !== undefined ? { tls } : {}),
  });
  cleanups.push(() => connection.close());
  return connection;
}

async function refusal(promise: Promise<unknown>): Promise<EsError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EsError, `expected an EsError, got ${String(error)}`);
    assert.equal(error.type, 'connect_transport_exception');
    return error;
  }
  assert.fail('expected the connection to be refused');
}

test('server-authenticated TLS (the remote cluster interface): verified, no client certificate', async () => {
  const { server } = await tlsServer('none');
  const connection = await dial(server, { ca: certs.ca.certPem, verificationMode: 'full' });
  assert.match(connection.remoteCertificate?.subject ?? '', /CN=west-1/);
  assert.equal(connection.remoteCertificate?.authorized, true);
  assert.deepEqual(await connection.request('test:who_am_i', {}), { node: 'east-1', subject: null, authorized: null });
  // Under `full`, a DNS name in the certificate is matched too (SNI is sent for names, not IPs).
  const byName = await dial(server, { ca: certs.ca.certPem, verificationMode: 'full' }, 'localhost');
  assert.equal(byName.remote.nodeName, 'west-1');
});

test('mutual TLS (the transport interface): the handler sees the verified client certificate', async () => {
  const { server } = await tlsServer('required');
  const connection = await dial(server, { ca: certs.ca.certPem, cert: certs.client.certPem, key: certs.client.keyPem, verificationMode: 'full' });
  const answer = (await connection.request('test:who_am_i', {})) as { subject: string; authorized: boolean };
  assert.match(answer.subject, /CN=east-1/);
  assert.equal(answer.authorized, true);
});

test('client authentication required: a client without a certificate is refused, and says why', async () => {
  const { server, lines } = await tlsServer('required');
  const error = await refusal(dial(server, { ca: certs.ca.certPem, verificationMode: 'full' }));
  assert.match(error.message, /\[west-1\] requires a client certificate \(mutual TLS\) and none was presented/);
  assert.equal(error.causedBy?.type, 's_s_l_handshake_exception');
  assert.ok(lines.some((line) => line.includes('TLS client authentication of')), 'the server logged the failure');
  await eventually(() => server.connectionCount === 0, 'the server closed the connection');
});

test('client authentication required: a certificate from an untrusted CA is refused', async () => {
  const { server, lines } = await tlsServer('required');
  const error = await refusal(dial(server, { ca: certs.ca.certPem, cert: certs.clientFromOtherCa.certPem, key: certs.clientFromOtherCa.keyPem, verificationMode: 'full' }));
  assert.match(error.message, /\[west-1\] did not trust the client certificate \[[A-Z_]+\]/);
  assert.ok(lines.some((line) => line.includes('did not trust the client certificate')), 'the server logged the failure');
  await eventually(() => server.connectionCount === 0, 'the server closed the connection');
});

test('client authentication optional: no certificate is fine, a trusted one is seen, an untrusted one is refused', async () => {
  const { server, lines } = await tlsServer('optional');
  const anonymous = await dial(server, { ca: certs.ca.certPem, verificationMode: 'full' });
  assert.deepEqual(await anonymous.request('test:who_am_i', {}), { node: 'east-1', subject: null, authorized: null });
  const known = await dial(server, { ca: certs.ca.certPem, cert: certs.client.certPem, key: certs.client.keyPem, verificationMode: 'full' });
  assert.match(((await known.request('test:who_am_i', {})) as { subject: string }).subject, /CN=east-1/);
  const error = await refusal(dial(server, { ca: certs.ca.certPem, cert: certs.clientFromOtherCa.certPem, key: certs.clientFromOtherCa.keyPem, verificationMode: 'full' }));
  assert.match(error.message, /did not trust the client certificate/);
  assert.ok(lines.some((line) => line.includes('did not trust the client certificate')), 'the server logged the refusal');
});

test('a server certificate from an untrusted CA is refused under full and certificate, accepted under none', async () => {
  const { server, lines } = await tlsServer('none', certs.serverFromOtherCa);
  for (const verificationMode of ['full', 'certificate'] as const) {
    const error = await refusal(dial(server, { ca: certs.ca.certPem, verificationMode }));
    assert.match(error.message, /failed to establish trust with server: its certificate is not trusted/);
  }
  await eventually(() => lines.some((line) => line.includes('may not trust this server\'s certificate')), 'the server logged why');
  assert.ok(!lines.some((line) => line.includes('unknown:0')), 'the failing peer\'s address is logged');
  const unchecked = await dial(server, { ca: certs.ca.certPem, verificationMode: 'none' });
  assert.equal(unchecked.remoteCertificate?.authorized, false);
  assert.equal(unchecked.remote.nodeName, 'west-1');
});

test('a hostname mismatch is refused under full, accepted under certificate, and SNI names the host', async () => {
  const { server } = await tlsServer('none', certs.serverNamedElsewhere);
  const error = await refusal(dial(server, { ca: certs.ca.certPem, verificationMode: 'full' }));
  assert.match(error.message, /hostname mismatch/);
  assert.match(error.message, /127\.0\.0\.1/);
  const chainOnly = await dial(server, { ca: certs.ca.certPem, verificationMode: 'certificate' });
  assert.equal(chainOnly.remote.nodeName, 'west-1');
  const named = await dial(server, { ca: certs.ca.certPem, verificationMode: 'full', serverName: 'elsewhere.example' });
  assert.equal(named.remote.nodeName, 'west-1');
});

test('TLS on one side only fails the connection with a reason; the server keeps serving', async () => {
  const { server: secure, lines } = await tlsServer('none');
  const plainToTls = await refusal(dial(secure, undefined));
  assert.match(plainToTls.message, /does the remote interface expect TLS\?|invalid transport frame during the handshake/);
  await eventually(() => lines.some((line) => line.includes('the client did not speak TLS')), 'the server logged the plain-text client');
  assert.ok(!lines.some((line) => line.includes('unknown:0')), 'the failing peer\'s address is logged');
  const garbage = await rawClient(secure.address.port);
  garbage.socket.write('not a TLS client hello at all\r\n');
  await garbage.closed;
  assert.equal((await dial(secure, { ca: certs.ca.certPem, verificationMode: 'full' })).remote.nodeName, 'west-1');

  const captured = captureLogger();
  const plain = await startTransportServer({ host: '127.0.0.1', port: 0, local: west, handlers: new Map(), logger: captured.logger });
  cleanups.push(() => plain.close());
  const tlsToPlain = await refusal(dial(plain, { ca: certs.ca.certPem, verificationMode: 'full' }));
  assert.match(tlsToPlain.message, /is the remote interface plain-text\?|did not answer with TLS/);
  await eventually(() => captured.lines.some((line) => line.includes('is TLS enabled on the client only?')), 'the plain server logged the TLS client');
});

test('an encrypted server key opens with its passphrase', async () => {
  const passphrase = 'correct horse battery staple';
  const encryptedKey = createPrivateKey(certs.server.keyPem).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }) as string;
  const captured = captureLogger();
  const server = await startTransportServer({
    host: '127.0.0.1',
    port: 0,
    local: west,
    handlers: new Map([['test:who_am_i', whoAmI]]),
    logger: captured.logger,
    tls: { key: encryptedKey, cert: certs.server.certPem, passphrase, clientAuthentication: 'none' },
  });
  cleanups.push(() => server.close());
  const connection = await dial(server, { ca: certs.ca.certPem, verificationMode: 'full' });
  assert.equal(connection.remote.nodeName, 'west-1');
  for (const line of captured.lines) assert.ok(!line.includes(passphrase), 'the passphrase is never logged');
  // A wrong passphrase is a configuration error on either side, not a crash.
  await assert.rejects(
    startTransportServer({
      host: '127.0.0.1', port: 0, local: west, handlers: new Map(), logger: captured.logger,
      tls: { key: encryptedKey, cert: certs.server.certPem, passphrase: 'wrong', clientAuthentication: 'none' },
    }),
    (error: unknown) => error instanceof EsError && error.type === 'settings_exception' && /invalid TLS configuration for the \[transport\] interface/.test(error.message),
  );
  const encryptedClientKey = createPrivateKey(certs.client.keyPem).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }) as string;
  const error = await refusal(dial(server, { ca: certs.ca.certPem, cert: certs.client.certPem, key: encryptedClientKey, passphrase: 'wrong', verificationMode: 'full' }));
  assert.match(error.message, /invalid TLS configuration/);
  const withKey = await dial(server, { ca: certs.ca.certPem, cert: certs.client.certPem, key: encryptedClientKey, passphrase, verificationMode: 'full' });
  assert.equal(withKey.remote.nodeName, 'west-1');
});

test('errors cross a TLS link intact', async () => {
  const denied: TransportHandler = async () => {
    throw errors.securityForbidden('action [indices:data/read/search] towards remote cluster is unauthorized');
  };
  const { server } = await tlsServer('required', certs.server, { handlers: new Map([['test:denied', denied]]) });
  const connection = await dial(server, { ca: certs.ca.certPem, cert: certs.client.certPem, key: certs.client.keyPem, verificationMode: 'full' });
  await assert.rejects(connection.request('test:denied', {}), (error: unknown) => {
    assert.ok(error instanceof EsError);
    assert.deepEqual([error.status, error.type], [403, 'security_exception']);
    return true;
  });
});

test('server verification_mode none: any presented client certificate is trusted, but required still needs one', async () => {
  const { server } = await tlsServer('required', certs.server, {
    tls: { key: certs.server.keyPem, cert: certs.server.certPem, ca: certs.ca.certPem, clientAuthentication: 'required', verificationMode: 'none' },
  });
  const untrusted = await dial(server, { ca: certs.ca.certPem, cert: certs.clientFromOtherCa.certPem, key: certs.clientFromOtherCa.keyPem, verificationMode: 'full' });
  assert.equal(untrusted.remote.nodeName, 'west-1');
  const error = await refusal(dial(server, { ca: certs.ca.certPem, verificationMode: 'full' }));
  assert.match(error.message, /requires a client certificate/);
});

/** The protocol and cipher a plain Node TLS client negotiates with `server` (no transport handshake). */
async function negotiated(server: TransportServer, options: tls.ConnectionOptions = {}): Promise<{ protocol: string | null; cipher: string } | Error> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: server.address.port, rejectUnauthorized: false, ...options }, () => {
      const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.destroy();
      resolve(result);
    });
    socket.once('error', (error) => resolve(error));
  });
}

test('supported_protocols and cipher_suites bound what a TLS interface negotiates (ES SSL settings)', async () => {
  const withProtocols = (supported: string[] | undefined, suites: string[] | undefined) =>
    tlsServer('none', certs.server, {
      tls: { key: certs.server.keyPem, cert: certs.server.certPem, clientAuthentication: 'none', protocols: tlsProtocols('test.ssl', supported, suites, tls.getCiphers()) },
    });
  const { server: byDefault } = await withProtocols(undefined, undefined);
  assert.equal(((await negotiated(byDefault)) as { protocol: string }).protocol, 'TLSv1.3');
  assert.ok((await negotiated(byDefault, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })) instanceof Error, 'TLS 1.1 is refused');

  const { server: only12 } = await withProtocols(['TLSv1.2'], undefined);
  assert.equal(((await negotiated(only12)) as { protocol: string }).protocol, 'TLSv1.2');

  const { server: oneSuite } = await withProtocols(undefined, ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']);
  assert.deepEqual(await negotiated(oneSuite), { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
  assert.ok((await negotiated(oneSuite, { ciphers: 'ECDHE-RSA-AES256-GCM-SHA384', maxVersion: 'TLSv1.2' })) instanceof Error, 'a suite outside the list is refused');

  const { server: only13 } = await withProtocols(undefined, ['TLS_AES_256_GCM_SHA384']);
  assert.deepEqual(await negotiated(only13), { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
});

test('supported_protocols and cipher_suites this server cannot honour are refused, naming the setting', () => {
  const available = tls.getCiphers();
  assert.throws(() => tlsProtocols('xpack.security.transport.ssl', ['TLSv1.1'], undefined, available), /\[xpack\.security\.transport\.ssl\.supported_protocols\] contains \[TLSv1\.1\]/);
  assert.throws(() => tlsProtocols('xpack.security.transport.ssl', [], undefined, available), /must name at least one protocol/);
  assert.throws(() => tlsProtocols('p', undefined, ['TLS_NOT_A_SUITE'], available), /\[p\.cipher_suites\] contains \[TLS_NOT_A_SUITE\]/);
  assert.throws(() => tlsProtocols('p', ['TLSv1.3'], ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], available), /names no cipher suite for the protocols/);
  assert.deepEqual(tlsProtocols('p', ['TLSv1.3', 'TLSv1.2'], undefined, available), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  assert.deepEqual(tlsProtocols('p', undefined, ['TLS_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_128_CBC_SHA'], available), {
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: 'TLS_AES_128_GCM_SHA256:AES128-SHA',
  });
});
