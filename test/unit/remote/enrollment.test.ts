// One-paste pairing tokens (issue #12 §1): base64 of versioned JSON with an expiry, whose CA must
// carry the fingerprint it names; and finding the CA that signed a certificate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { isEsError } from '../../../src/common/index.js';
import { caFingerprint, checkAlias, checkPresentedCa, decodeEnrollmentToken, encodeEnrollmentToken, pemCertificates, signingCa } from '../../../src/remote/enrollment.js';
import { generateCa, generateNodeCertificate } from '../../../src/security/certs/index.js';

const caPair = await generateCa({});
const otherPair = await generateCa({});
const leafPair = await generateNodeCertificate({ ca: caPair, name: 'node', dns: ['localhost'], ip: ['127.0.0.1'] });
const ca = { cert: caPair.certPem };
const otherCa = { cert: otherPair.certPem };
const leaf = { cert: leafPair.leafPem };
const NOW = 1_800_000_000_000;
const fields = { cluster_name: 'remote', addresses: ['127.0.0.1:9443'], ca_fingerprint: caFingerprint(ca.cert), ca: ca.cert, key: 'aWQ6c2VjcmV0', expires_at: NOW + 60_000 };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isEsError(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'illegal_argument_exception');
    return error.message;
  }
  assert.fail('expected a refusal');
}

test('encode/decode round trip: base64 of versioned JSON', () => {
  const token = encodeEnrollmentToken(fields);
  assert.match(token, /^[A-Za-z0-9+/=]+$/);
  assert.equal(JSON.parse(Buffer.from(token, 'base64').toString('utf8')).v, 1);
  assert.deepEqual(decodeEnrollmentToken(`  ${token}\n`, NOW), { v: 1, ...fields });
  assert.match(caFingerprint(ca.cert), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(caFingerprint(ca.cert), new X509Certificate(ca.cert).fingerprint256);
});

test('expiry: refused at and after expires_at', () => {
  const token = encodeEnrollmentToken(fields);
  assert.match(refusal(() => decodeEnrollmentToken(token, NOW + 60_000)), /the enrollment token expired at \[2027-01-15T08:01:00.000Z\]/);
  assert.doesNotThrow(() => decodeEnrollmentToken(token, NOW + 59_999));
});

test('malformed, other versions, missing fields and a CA that does not match its fingerprint are refused', () => {
  assert.match(refusal(() => decodeEnrollmentToken('not a token', NOW)), /invalid enrollment token: not base64 of JSON/);
  assert.match(refusal(() => decodeEnrollmentToken(Buffer.from('[1]').toString('base64'), NOW)), /not an object/);
  const v2 = Buffer.from(JSON.stringify({ ...fields, v: 2 })).toString('base64');
  assert.match(refusal(() => decodeEnrollmentToken(v2, NOW)), /unsupported version \[2\]/);
  assert.match(refusal(() => decodeEnrollmentToken(encodeEnrollmentToken({ ...fields, key: '' }), NOW)), /\[key\] is missing/);
  assert.match(refusal(() => decodeEnrollmentToken(encodeEnrollmentToken({ ...fields, addresses: [] }), NOW)), /\[addresses\] is missing/);
  assert.match(refusal(() => decodeEnrollmentToken(encodeEnrollmentToken({ ...fields, ca: 'junk' }), NOW)), /\[ca\] is not a PEM certificate/);
  const swapped = encodeEnrollmentToken({ ...fields, ca: otherCa.cert });
  assert.match(refusal(() => decodeEnrollmentToken(swapped, NOW)), /has fingerprint \[.+\], not the pinned \[.+\]; the token was altered/);
  // The fingerprint is compared whatever its case or separators.
  const lower = encodeEnrollmentToken({ ...fields, ca_fingerprint: fields.ca_fingerprint.toLowerCase().replace(/:/g, '') });
  assert.doesNotThrow(() => decodeEnrollmentToken(lower, NOW));
});

test('signingCa finds the issuer among candidates; aliases must be setting- and file-name safe', () => {
  assert.equal(signingCa(leaf.cert, [otherCa.cert, `${ca.cert}`]), pemCertificates(ca.cert)[0]);
  assert.equal(signingCa(leaf.cert, [otherCa.cert]), undefined);
  assert.doesNotThrow(() => checkAlias('my-remote_1'));
  assert.throws(() => checkAlias('../etc'), /must be lowercase letters/);
  assert.throws(() => checkAlias('A'), /must be lowercase letters/);
});

test('a token address that is not host:port is refused as a bad token (400), never a crash on dialling', async () => {
  // parseAddress's rules, as for cluster.remote.*.proxy_address (a port-less address once reached tls.connect as port NaN).
  for (const address of ['no-port', 'host:notaport', 'host:70000']) {
    assert.match(refusal(() => decodeEnrollmentToken(encodeEnrollmentToken({ ...fields, addresses: [address] }), NOW)), /invalid enrollment token: \[addresses\]/);
    await assert.rejects(checkPresentedCa(address, ca.cert, 1_000), (error: unknown) => isEsError(error) && error.status === 400 && error.type === 'illegal_argument_exception');
  }
});
