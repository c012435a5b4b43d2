// Certificates usable on the HTTP, transport and remote cluster interfaces (issue: certutil).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { caFingerprint, generateCa, generateNodeCertificate } from '../../../src/security/certs/index.js';

test('a CA signs node certificates that verify, with SANs and a full chain; mutual TLS works', async () => {
  const ca = await generateCa();
  const node = await generateNodeCertificate({ ca, name: 'node-1', dns: ['localhost'], ip: ['127.0.0.1'] });
  const caCert = new X509Certificate(ca.certPem);
  const leaf = new X509Certificate(node.leafPem);
  assert.equal(caCert.ca, true);
  assert.equal(leaf.ca, false);
  assert.equal(leaf.checkIssued(caCert), true);
  assert.equal(leaf.verify(caCert.publicKey), true);
  assert.equal(leaf.checkHost('localhost'), 'localhost');
  assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(leaf.checkHost('example.com'), undefined);
  assert.equal(node.certPem.split('BEGIN CERTIFICATE').length - 1, 2, 'leaf followed by the CA');
  assert.match(caFingerprint(ca.certPem), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

  const server = tls.createServer({ key: node.keyPem, cert: node.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (socket) => socket.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = await generateNodeCertificate({ ca, name: 'node-2' });
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: ca.certPem, key: client.keyPem, cert: client.certPem, servername: 'localhost', rejectUnauthorized: true }, () => undefined);
      let data = '';
      socket.on('data', (chunk) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    assert.equal(reply, 'hello');
    // A client whose certificate another CA signed is refused.
    const otherCa = await generateCa();
    const stranger = await generateNodeCertificate({ ca: otherCa, name: 'stranger' });
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: ca.certPem, key: stranger.keyPem, cert: stranger.certPem, servername: 'localhost' });
        socket.on('data', () => resolve());
        socket.on('error', reject);
        socket.on('end', () => reject(new Error('closed')));
      }),
    );
  } finally {
    server.close();
  }
});

test('IP SANs must be IP addresses', async () => {
  const ca = await generateCa();
  await assert.rejects(generateNodeCertificate({ ca, name: 'x', ip: ['not-an-ip'] }), /not an IP address/);
});
