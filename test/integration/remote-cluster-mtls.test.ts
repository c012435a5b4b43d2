// Mutual TLS on the remote cluster interface (API key model) with real processes: the querying
// cluster presents `xpack.security.remote_cluster_client.ssl.key`/`certificate` when configured,
// and the fulfilling cluster's `xpack.security.remote_cluster_server.ssl.client_authentication`
// (required, optional, none) decides whether it must. Elasticsearch docs: "Remote cluster
// security settings" (remote_cluster_server / remote_cluster_client SSL settings).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, makeNodeCertificate, makeTempDir, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { until } from '../harness/wait.js';

let ca: Certificates;
let fc: StartedNode;
let qc: StartedNode;

const FC_YAML = (clientAuthentication: string) =>
  [
    REMOTE_CLUSTER_SERVER_YAML,
    'xpack.security.remote_cluster_server.ssl.certificate_authorities: [certs/ca.crt]',
    `xpack.security.remote_cluster_server.ssl.client_authentication: ${clientAuthentication}`,
  ].join('\n');
const QC_CLIENT_CERTIFICATE = ['xpack.security.remote_cluster_client.ssl.key: certs/node.key', 'xpack.security.remote_cluster_client.ssl.certificate: certs/node.crt'];
const QC_YAML = [REMOTE_CLUSTER_CLIENT_YAML, ...QC_CLIENT_CERTIFICATE].join('\n');

/** Rewrites the lines of a node's strait.yml that start with `prefix` (a restart reads them). */
function setYaml(node: StartedNode, prefix: string, lines: readonly string[]): void {
  const file = path.join(node.configDir, 'strait.yml');
  const kept = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith(prefix));
  writeFileSync(file, `${[...kept, ...lines].join('\n')}\n`);
}

async function pointAtFc(): Promise<Client> {
  const admin = qc.client();
  await admin.cluster.putSettings({
    persistent: { 'cluster.remote.fc.mode': 'proxy', 'cluster.remote.fc.proxy_address': fc.remoteClusterAddress!, 'cluster.remote.fc.skip_unavailable': false },
  });
  return admin;
}

/** `_resolve/cluster` connects (waiting) and reports the outcome for the alias. */
async function resolveFc(admin: Client): Promise<Record<string, unknown>> {
  const resolved = (await admin.indices.resolveCluster({ name: 'fc:docs' })) as unknown as Record<string, Record<string, unknown>>;
  return resolved['fc']!;
}

async function searchesFc(admin: Client): Promise<void> {
  const found = await until('a search through the remote cluster interface', async () => {
    try {
      const response = await admin.search({ index: 'fc:docs' });
      return response.hits.hits.length > 0 ? response : undefined;
    } catch {
      return undefined;
    }
  });
  assert.deepEqual(found.hits.hits.map((hit) => hit._index), ['fc:docs']);
}

before(async () => {
  ca = makeCa();
  [fc, qc] = await Promise.all([
    startNode({ ca, clusterName: 'fulfilling', nodeName: 'fc-1', yaml: FC_YAML('required') }),
    startNode({ ca, clusterName: 'querying', nodeName: 'qc-1', yaml: QC_YAML }),
  ]);
  await fc.client().index({ index: 'docs', id: '1', document: { text: 'hello' }, refresh: true });
  const key = await fc.client().security.createCrossClusterApiKey({ name: 'for-qc', access: { search: [{ names: ['docs'] }] } });
  qc.keystoreAdd('cluster.remote.fc.credentials', key.encoded);
  await qc.client().nodes.reloadSecureSettings();
});

after(async () => {
  await Promise.all([qc?.destroy(), fc?.destroy()]);
});

test('client_authentication: required — the QC presents its configured client certificate; without one the FC refuses', async () => {
  const admin = await pointAtFc();
  await searchesFc(admin);

  setYaml(qc, 'xpack.security.remote_cluster_client.ssl.key', []);
  setYaml(qc, 'xpack.security.remote_cluster_client.ssl.certificate:', []);
  qc = await qc.restart();
  const withoutCertificate = await resolveFc(qc.client());
  // The connection failed: not connected, no error text (Elasticsearch's resolve cluster action); the log says why.
  assert.equal(withoutCertificate['connected'], false);
  assert.ok(!('error' in withoutCertificate));
  await until('the refusal in the QC log', async () => (qc.logs.some((line) => line.includes('requires a client certificate')) ? true : undefined));
});

test('client_authentication: optional — a QC without a certificate is served, and one with a trusted certificate too', async () => {
  setYaml(fc, 'xpack.security.remote_cluster_server.ssl.client_authentication', ['xpack.security.remote_cluster_server.ssl.client_authentication: optional']);
  fc = await fc.restart();
  await searchesFc(await pointAtFc());

  setYaml(qc, 'xpack.security.remote_cluster_client.ssl.key', QC_CLIENT_CERTIFICATE);
  qc = await qc.restart();
  await searchesFc(qc.client());
});

test('client_authentication: none — no certificate is asked for; the QC with one configured is served', async () => {
  setYaml(fc, 'xpack.security.remote_cluster_server.ssl.client_authentication', ['xpack.security.remote_cluster_server.ssl.client_authentication: none']);
  fc = await fc.restart();
  await searchesFc(await pointAtFc());
});

test('supported_protocols and cipher_suites bound what the remote cluster interface negotiates; the QC still connects', async () => {
  setYaml(fc, 'xpack.security.remote_cluster_server.ssl.supported_protocols', ['xpack.security.remote_cluster_server.ssl.supported_protocols: [TLSv1.2]']);
  setYaml(fc, 'xpack.security.remote_cluster_server.ssl.cipher_suites', ['xpack.security.remote_cluster_server.ssl.cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]']);
  fc = await fc.restart();
  const address = fc.remoteClusterAddress!;
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const negotiated = await new Promise<{ protocol: string | null; cipher: string }>((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.caPem, servername: 'localhost' }, () => {
      resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().name });
      socket.destroy();
    });
    socket.once('error', reject);
  });
  assert.deepEqual(negotiated, { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' });
  await searchesFc(await pointAtFc());
});

test('_resolve/cluster: a refusal by the remote marks it not connected, with the reason (ES resolve cluster API)', async () => {
  const resolved = (await qc.client().indices.resolveCluster({ name: 'fc:not-in-the-key' })) as unknown as Record<string, Record<string, unknown>>;
  assert.equal(resolved['fc']!['connected'], false);
  assert.match(String(resolved['fc']!['error']), /is unauthorized .* on indices \[not-in-the-key\]/);
  assert.equal((await resolveFc(qc.client()))['matching_indices'], true);
});

test('TLS settings the node cannot honour stop the start, naming the setting', async () => {
  await assert.rejects(
    startNode({ ca, clusterName: 'broken', yaml: 'xpack.security.remote_cluster_client.ssl.key: certs/node.key' }),
    /cannot specify \[xpack\.security\.remote_cluster_client\.ssl\.key\] without also setting \[xpack\.security\.remote_cluster_client\.ssl\.certificate\]/,
  );
  await assert.rejects(
    startNode({ ca, clusterName: 'broken', yaml: 'xpack.security.transport.ssl.supported_protocols: [TLSv1.1]' }),
    /\[xpack\.security\.transport\.ssl\.supported_protocols\] contains \[TLSv1\.1\]/,
  );
  // A client has no client authentication to configure (Elasticsearch has no such setting).
  await assert.rejects(startNode({ ca, clusterName: 'broken', yaml: 'xpack.security.remote_cluster_client.ssl.client_authentication: required' }), /remote_cluster_client\.ssl\.client_authentication/);
});

test('the HTTP interface honours supported_protocols, cipher_suites and verification_mode none (any client certificate, but one is required)', async () => {
  setYaml(fc, 'xpack.security.http.ssl.supported_protocols', ['xpack.security.http.ssl.supported_protocols: [TLSv1.2]']);
  setYaml(fc, 'xpack.security.http.ssl.cipher_suites', ['xpack.security.http.ssl.cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]']);
  setYaml(fc, 'xpack.security.http.ssl.client_authentication', ['xpack.security.http.ssl.client_authentication: required']);
  setYaml(fc, 'xpack.security.http.ssl.verification_mode', ['xpack.security.http.ssl.verification_mode: none']);
  fc = await fc.restart();
  const url = new URL(fc.url);
  // A client certificate from a CA the node does not trust: accepted under verification_mode none.
  const rogue = makeCa();
  const dir = makeTempDir('strait-rogue-client-');
  makeNodeCertificate(rogue, dir, 'rogue');
  const exchange = (withCertificate: boolean) =>
    new Promise<{ protocol: string | null; cipher: string; status: string } | Error>((resolve) => {
      const socket = tls.connect(
        {
          host: '127.0.0.1',
          port: Number(url.port),
          ca: ca.caPem,
          servername: 'localhost',
          ...(withCertificate ? { cert: readFileSync(path.join(dir, 'rogue.crt')), key: readFileSync(path.join(dir, 'rogue.key')) } : {}),
        },
        () => {
          const negotiated = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
          socket.write(`GET / HTTP/1.1\r\nhost: localhost\r\nauthorization: Basic ${Buffer.from(`elastic:${fc.password}`).toString('base64')}\r\nconnection: close\r\n\r\n`);
          let text = '';
          socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          socket.on('close', () => resolve(text === '' ? new Error('closed without an answer') : { ...negotiated, status: text.slice(0, text.indexOf('\r\n')) }));
        },
      );
      socket.once('error', (error) => resolve(error));
    });
  assert.deepEqual(await exchange(true), { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', status: 'HTTP/1.1 200 OK' });
  assert.ok((await exchange(false)) instanceof Error, 'no client certificate: no answer');
});
