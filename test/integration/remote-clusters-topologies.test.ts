// More remote-cluster topologies with real processes: three clusters, two CAs trusted cross-wise,
// a proxy through a real TCP relay (SNI checked), the API key model in sniff mode, a killed and
// restarted remote, a mixed-version pair, and hostile input on the transport and remote cluster ports.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import type { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import { makeCa, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { failure, until } from '../harness/wait.js';
import { connectTransport, TRANSPORT_FORMAT_VERSION } from '../../src/transport/index.js';

let caA: Certificates;
let caB: Certificates;
let qc: StartedNode;
let fcA: StartedNode;
let fcB: StartedNode;
let qcAdmin: Client;
const relays: net.Server[] = [];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}


const remoteInfo = async (): Promise<Record<string, Record<string, unknown>>> => (await qcAdmin.cluster.remoteInfo()) as unknown as Record<string, Record<string, unknown>>;
const connected = (alias: string) => until(`${alias} to connect`, async () => ((await remoteInfo())[alias]?.['connected'] === true ? true : undefined));


/** Reads the SNI host name from a TLS ClientHello (RFC 8446 §4.1.2, RFC 6066 §3). */
function sniOf(hello: Buffer): string | undefined {
  try {
    if (hello[0] !== 0x16 || hello[5] !== 0x01) return undefined;
    let offset = 5 + 4 + 2 + 32; // record header, handshake header, version, random
    offset += 1 + hello[offset]!; // session id
    offset += 2 + hello.readUInt16BE(offset); // cipher suites
    offset += 1 + hello[offset]!; // compression methods
    const end = offset + 2 + hello.readUInt16BE(offset);
    offset += 2;
    while (offset + 4 <= end) {
      const type = hello.readUInt16BE(offset);
      const length = hello.readUInt16BE(offset + 2);
      if (type === 0) {
        const nameLength = hello.readUInt16BE(offset + 4 + 3);
        return hello.subarray(offset + 4 + 5, offset + 4 + 5 + nameLength).toString('ascii');
      }
      offset += 4 + length;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** A plain TCP relay (a load balancer stand-in) that records the SNI of each TLS connection. */
async function startRelay(target: string): Promise<{ address: string; sni: string[] }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sni: string[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    client.once('data', (first: Buffer) => {
      const name = sniOf(first);
      if (name !== undefined) sni.push(name);
      upstream.write(first);
      client.pipe(upstream).pipe(client);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relays.push(server);
  return { address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, sni };
}

let fcATransportPort: number;
let fcARemotePort: number;

before(async () => {
  caA = makeCa();
  caB = makeCa();
  fcATransportPort = await freePort();
  fcARemotePort = await freePort();
  const rcsYaml = [
    'remote_cluster_server.enabled: true',
    'xpack.security.remote_cluster_server.ssl.key: certs/node.key',
    'xpack.security.remote_cluster_server.ssl.certificate: certs/node.crt',
  ].join('\n');
  [qc, fcA, fcB] = await Promise.all([
    startNode({ ca: caA, trust: [caB], clusterName: 'hq', nodeName: 'hq-1', yaml: 'xpack.security.remote_cluster_client.ssl.certificate_authorities: [certs/ca.crt]' }),
    startNode({ ca: caA, clusterName: 'east', nodeName: 'east-1', yaml: rcsYaml, settings: [`transport.port=${fcATransportPort}`, `remote_cluster.port=${fcARemotePort}`] }),
    startNode({ ca: caB, trust: [caA], clusterName: 'west', nodeName: 'west-1', yaml: `${rcsYaml}\nremote_cluster.port: 0` }),
  ]);
  qcAdmin = qc.client();
  await fcA.client().bulk({ refresh: true, operations: [{ index: { _index: 'docs', _id: 'e1' } }, { text: 'east doc', n: 2 }, { index: { _index: 'other', _id: 'o1' } }, { text: 'east other', n: 9 }] });
  await fcB.client().bulk({ refresh: true, operations: [{ index: { _index: 'docs', _id: 'w1' } }, { text: 'west doc', n: 3 }] });
  await qcAdmin.index({ index: 'docs', id: 'h1', document: { text: 'hq doc', n: 1 }, refresh: true });
});

after(async () => {
  for (const relay of relays) relay.close();
  await Promise.all([qc?.destroy(), fcA?.destroy(), fcB?.destroy()]);
});

test('two CAs trusted cross-wise, certificate model through a TCP relay in proxy mode with SNI', async () => {
  const relay = await startRelay(fcB.transportAddress);
  await qcAdmin.cluster.putSettings({
    persistent: { 'cluster.remote.west.mode': 'proxy', 'cluster.remote.west.proxy_address': relay.address, 'cluster.remote.west.server_name': 'localhost', 'cluster.remote.west.proxy_socket_connections': 2 },
  });
  await connected('west');
  const info = (await remoteInfo())['west']!;
  assert.equal(info['server_name'], 'localhost');
  assert.equal(info['num_proxy_sockets_connected'], 2);
  assert.ok(relay.sni.length >= 2 && relay.sni.every((name) => name === 'localhost'), `SNI seen by the relay: ${relay.sni.join(',')}`);
  const result = await qcAdmin.search({ index: 'west:docs' });
  assert.deepEqual(result.hits.hits.map((hit) => hit._index), ['west:docs']);
});

test('API key model in sniff mode, and three clusters in one search', async () => {
  const key = await fcA.client().security.createCrossClusterApiKey({ name: 'hq', access: { search: [{ names: ['docs'] }] } });
  qc.keystoreAdd('cluster.remote.east.credentials', key.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.east.seeds': [fcA.remoteClusterAddress!], 'cluster.remote.east.skip_unavailable': true } });
  await connected('east');
  const info = (await remoteInfo())['east']!;
  assert.equal(info['mode'], 'sniff');
  assert.equal(info['num_nodes_connected'], 1);
  const all = await qcAdmin.search({ index: 'docs,east:docs,west:docs', sort: [{ n: 'asc' }] });
  assert.deepEqual(all.hits.hits.map((hit) => hit._index), ['docs', 'east:docs', 'west:docs']);
  assert.equal(all._clusters!.total, 3);
  assert.equal(all._clusters!.successful, 3);
  // The key covers docs only: other is refused by the FC, even for the QC's superuser; with
  // skip_unavailable the refusal makes the cluster skipped (spec §7.4), with the reason.
  const refused = await qcAdmin.search({ index: 'docs,east:other' });
  assert.equal(refused._clusters!.details!['east']!.status, 'skipped');
  assert.equal(refused._clusters!.details!['east']!.failures![0]!.reason.type, 'security_exception');
  assert.match(String(refused._clusters!.details!['east']!.failures![0]!.reason.reason), /does not grant it on \[other\]/);
});

test('a hand-crafted subject that claims more than the key is still bounded by the key', async () => {
  const key = await fcA.client().security.createCrossClusterApiKey({ name: 'crafted', access: { search: [{ names: ['docs'] }] } });
  const connection = await connectTransport({
    address: { host: '127.0.0.1', port: fcARemotePort },
    local: { clusterName: 'mallory', clusterUuid: 'x', nodeId: 'm1', nodeName: 'mallory-1', version: '9.1.0', roles: ['data'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION },
    logger: pino({ level: 'silent' }),
    tls: { ca: caA.caPem, verificationMode: 'full' },
    handshakeHeaders: { _cross_cluster_access_credentials: `ApiKey ${key.encoded}` },
  });
  try {
    const subject = Buffer.from(
      JSON.stringify({ username: 'mallory', roles: ['superuser'], realm: { name: 'x', type: 'x' }, descriptorSets: [[{ name: 'greedy', indices: [{ names: ['*'], privileges: ['all'] }] }]] }),
    ).toString('base64');
    const headers = { _cross_cluster_access_credentials: `ApiKey ${key.encoded}`, _cross_cluster_access_subject_info: subject };
    const ok = (await connection.request('indices:data/read/search', { expression: 'docs', params: {}, body: null, cluster_alias: 'x' }, { headers })) as { totalHits: number };
    assert.equal(ok.totalHits, 1);
    await assert.rejects(connection.request('indices:data/read/search', { expression: 'other', params: {}, body: null, cluster_alias: 'x' }, { headers }), /cross-cluster API key \[.+\] does not grant it on \[other\]/);
    // Outside the allowlist, foreign headers, garbage subject, unknown key: refused with a reason.
    await assert.rejects(connection.request('cluster:monitor/state', {}, { headers }), /is not allowed as a cross cluster operation on the dedicated remote cluster server port/);
    await assert.rejects(connection.request('indices:data/read/search', { expression: 'docs', cluster_alias: 'x' }, { headers: { ...headers, authorization: 'Basic eA==' } }), /Transport request header \[authorization\] is not allowed/);
    await assert.rejects(connection.request('indices:data/read/search', { expression: 'docs', cluster_alias: 'x' }, { headers: { ...headers, _cross_cluster_access_subject_info: 'not base64 json' } }), /invalid transport header/);
    await assert.rejects(
      connection.request('indices:data/read/search', { expression: 'docs', cluster_alias: 'x' }, { headers: { ...headers, _cross_cluster_access_credentials: `ApiKey ${Buffer.from('unknown:secret').toString('base64')}` } }),
      // A secret of the wrong length is refused while parsing, before any lookup (as in Elasticsearch).
      /invalid cross-cluster API key value/,
    );
    await assert.rejects(connection.request('indices:data/read/search', { expression: 'docs', cluster_alias: 'x' }, { headers: { _cross_cluster_access_subject_info: subject } }), /require transport header \[_cross_cluster_access_credentials\]/);
    await assert.rejects(
      connection.request('indices:data/read/search', { expression: 'docs', cluster_alias: 'x' }, { headers: { ...headers, _cross_cluster_access_subject_info: 'A'.repeat(2 * 1024 * 1024) } }),
      /is too large/,
    );
    await assert.rejects(
      connection.request('indices:data/read/search', { expression: 'docs', cluster_alias: 'x' }, { headers: { ...headers, _cross_cluster_access_credentials: `ApiKey ${key.encoded.slice(0, 10)}` } }),
      /unable to authenticate/,
    );
    // A flood of failed authentications does not stop the node serving the good ones.
    const bad = { ...headers, _cross_cluster_access_credentials: `ApiKey ${Buffer.from(`${key.id}:wrong-secret`).toString('base64')}` };
    await Promise.all(Array.from({ length: 30 }, () => connection.request('indices:data/read/search', { expression: 'docs', cluster_alias: 'x' }, { headers: bad }).catch(() => undefined)));
    assert.equal(((await connection.request('indices:data/read/search', { expression: 'docs', params: {}, body: null, cluster_alias: 'x' }, { headers })) as { totalHits: number }).totalHits, 1);
  } finally {
    connection.close();
  }
  const logs = fcA.logs.join('\n');
  assert.ok(!logs.includes(key.api_key), 'the key secret never reaches the log');
});

test('an expired cross-cluster key stops working', async () => {
  const key = await fcA.client().security.createCrossClusterApiKey({ name: 'short', expiration: '1s', access: { search: [{ names: ['docs'] }] } });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await assert.rejects(
    connectTransport({
      address: { host: '127.0.0.1', port: fcARemotePort },
      local: { clusterName: 'hq', clusterUuid: 'x', nodeId: 'q1', nodeName: 'q', version: '9.1.0', roles: ['data'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION },
      logger: pino({ level: 'silent' }),
      tls: { ca: caA.caPem, verificationMode: 'full' },
      handshakeHeaders: { _cross_cluster_access_credentials: `ApiKey ${key.encoded}` },
    }),
    (error: Error & { causedBy?: { message: string } }) => /expired/.test(String((error as { causedBy?: { extra?: Record<string, unknown> } }).causedBy?.extra?.['additional_unsuccessful_credentials'] ?? error.message)),
  );
});

test('a remote cluster interface whose certificate the QC does not trust: connected false, the log names the certificate', async () => {
  // west's remote cluster interface serves a CA-B certificate; hq's remote_cluster_client trusts only CA-A.
  const key = await fcB.client().security.createCrossClusterApiKey({ name: 'hq', access: { search: [{ names: ['docs'] }] } });
  qc.keystoreAdd('cluster.remote.westkey.credentials', key.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.westkey.seeds': [fcB.remoteClusterAddress!] } });
  await until('the refusal in the log', async () => (qc.logs.some((line) => line.includes('failed to establish trust with server') && line.includes('fingerprint')) ? true : undefined)).catch((error) => {
    console.log(qc.logs.filter((line) => line.includes('westkey')).join('\n'));
    throw error;
  });
  assert.equal((await remoteInfo())['westkey']!['connected'], false);
  const skipped = await qcAdmin.search({ index: 'docs,westkey:docs' });
  assert.equal(skipped._clusters!.skipped, 1);
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.westkey.seeds': null } });
});

test('hostile bytes on the transport and remote cluster ports: connections close, the node keeps serving', async () => {
  for (const address of [fcA.transportAddress, fcA.remoteClusterAddress!]) {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    // Plaintext garbage to a TLS port.
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + 'x'.repeat(10_000))));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    // TLS, then garbage frames.
    await new Promise<void>((resolve) => {
      const socket = tls.connect({ port, host: '127.0.0.1', ca: caA.caPem, servername: 'localhost', cert: undefined }, () => socket.write(Buffer.alloc(70_000, 0x41)));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
  }
  assert.equal((await fcA.client().count({ index: 'docs' })).count, 1);
  assert.equal((await qcAdmin.search({ index: 'east:docs' })).hits.hits.length, 1);
});

test('skip_unavailable with the remote killed, then reconnect after it restarts on the same ports', async () => {
  await fcA.kill9();
  const skipped = await qcAdmin.search({ index: 'docs,east:docs' });
  assert.equal(skipped._clusters!.details!['east']!.status, 'skipped');
  assert.equal(skipped.hits.hits.length, 1);
  fcA = await fcA.restart();
  await until('east to come back', async () => {
    try {
      const result = await qcAdmin.search({ index: 'east:docs' });
      return result._clusters?.successful === 1 ? true : undefined;
    } catch {
      return undefined;
    }
  });
  assert.equal((await remoteInfo())['east']!['connected'], true);
});

test('mixed versions: a remote claiming 8.19.0 is accepted by a 9.1.0 node', async () => {
  const old = await startNode({ ca: caA, clusterName: 'legacy', nodeName: 'legacy-1', settings: ['strait.test.version=8.19.0'], faultInjection: true });
  try {
    await old.client().index({ index: 'docs', id: 'l1', document: { text: 'legacy' }, refresh: true });
    await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.legacy.seeds': [old.transportAddress], 'cluster.remote.legacy.skip_unavailable': false } });
    await connected('legacy');
    assert.equal((await qcAdmin.search({ index: 'legacy:docs' })).hits.hits.length, 1);
    const resolved = (await qcAdmin.indices.resolveCluster({ name: 'legacy:docs' })) as unknown as Record<string, { version?: { number: string } }>;
    assert.equal(resolved['legacy']!.version!.number, '8.19.0');
  } finally {
    await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.legacy.seeds': null, 'cluster.remote.legacy.skip_unavailable': null } });
    await old.destroy();
  }
});

test('a node without the remote_cluster_client role refuses cross-cluster requests', async () => {
  const plain = await startNode({ ca: caA, clusterName: 'plain', nodeName: 'plain-1', settings: ['node.roles=data,master'] });
  try {
    const client = plain.client();
    await client.cluster.putSettings({ persistent: { 'cluster.remote.east.seeds': [fcA.transportAddress], 'cluster.remote.east.skip_unavailable': false } });
    const refused = await failure(client.search({ index: 'east:docs' }));
    assert.equal(refused.status, 400);
    assert.match(refused.reason, /node \[plain-1\] does not have the \[remote_cluster_client\] role/);
  } finally {
    await plain.destroy();
  }
});
