// Restricted trust (Elasticsearch's "trust restrictions" for the transport interface): the
// restrictions file's trust.subject_name patterns against the certificate's subjectAltName
// otherName commonName (default x509_fields) or dNSName.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { certificateNames, parseTrustRestrictionFields, parseTrustRestrictions, trustRestrictionRefusal } from '../../../src/transport/trust-restrictions.js';

// Test data: a self-signed certificate (made with openssl) whose SAN holds otherName
// 2.5.4.3=node1.cluster1, DNS localhost and IP 127.0.0.1.
const PEM = `-----BEGIN CERTIFICATE-----
MIIBrTCCAVKgAwIBAgIUcrPR7GMhtaH8Jb9HwAc3b4r2Lq0wCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEdGVzdDAgFw0yNjEyMDYwMjUzMzlaGA8yMTI2MTExMjAyNTMz
OVowDzENMAsGA1UEAwwEdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGZX
wqLDJ4++L5OyalOGOj69uRfJr6GsniJ6vppRX6HGaKnQaFnTBpIL5UHwsgoaB+x1
hMn19iE+B9U1sGeLWH+jgYkwgYYwHQYDVR0OBBYEFJxAxUke3VyLcw/R80Bt/CDs
n4gfMB8GA1UdIwQYMBaAFJxAxUke3VyLcw/R80Bt/CDsn4gfMA8GA1UdEwEB/wQF
MAMBAf8wMwYDVR0RBCwwKqAXBgNVBAOgEAwObm9kZTEuY2x1c3RlcjGCCWxvY2Fs
aG9zdIcEfwAAATAKBggqhkjOPQQDAgNJADBGAiEAqhZ0pLIQK5nHD1Ou3qmxzOXA
KdhjyvxWmPr0uoV6lRcCIQCIUc9bO0OhVKUv9u1Ue04Fdgm7uO06FMXSiM6RBfle
Fg==
-----END CERTIFICATE-----`;
const der = new X509Certificate(PEM).raw;

test('the certificate names x509_fields selects', () => {
  assert.deepEqual(certificateNames(der, ['subjectAltName.otherName.commonName']), ['node1.cluster1']);
  assert.deepEqual(certificateNames(der, ['subjectAltName.dnsName']), ['localhost']);
  assert.deepEqual(certificateNames(der, ['subjectAltName.otherName.commonName', 'subjectAltName.dnsName']), ['node1.cluster1', 'localhost']);
  assert.deepEqual(certificateNames(Buffer.from('not a certificate'), ['subjectAltName.dnsName']), []);
});

test('subject_name patterns decide; the default field is otherName commonName', () => {
  const fields = parseTrustRestrictionFields(undefined);
  assert.deepEqual(fields, ['subjectAltName.otherName.commonName']);
  assert.equal(trustRestrictionRefusal(parseTrustRestrictions('trust.subject_name: ["*.cluster1"]', fields), der), undefined);
  assert.equal(trustRestrictionRefusal(parseTrustRestrictions('trust:\n  subject_name:\n    - node1.cluster1\n', fields), der), undefined);
  const refused = trustRestrictionRefusal(parseTrustRestrictions('trust.subject_name: ["*.cluster2"]', fields), der);
  assert.match(refused!, /names \[node1\.cluster1\].*match none of the trust restrictions \[\*\.cluster2\]/);
  // localhost is a DNS name: it counts only when x509_fields says so.
  assert.notEqual(trustRestrictionRefusal(parseTrustRestrictions('trust.subject_name: localhost', fields), der), undefined);
  assert.equal(trustRestrictionRefusal(parseTrustRestrictions('trust.subject_name: localhost', ['subjectAltName.dnsName']), der), undefined);
  assert.equal(trustRestrictionRefusal(undefined, der), undefined, 'no restrictions: any trusted peer');
});

test('a malformed file or field is an error naming the problem', () => {
  assert.throws(() => parseTrustRestrictions('other: 1', ['subjectAltName.dnsName']), /must hold \[trust\.subject_name\]/);
  assert.throws(() => parseTrustRestrictions('trust.subject_name: []', ['subjectAltName.dnsName']), /non-empty list/);
  assert.throws(() => parseTrustRestrictions('trust: [', ['subjectAltName.dnsName']), /cannot parse/);
  assert.throws(() => parseTrustRestrictionFields(['subject.cn']), /invalid x509_fields value \[subject\.cn\]/);
});
