// Built-in service account descriptors and Lucene `/regex/` index patterns on a real node.
// Elasticsearch's kibana_system (KibanaOwnedReservedRoleDescriptors) grants Fleet package upgrades
// on `/metrics-.*&~(metrics-endpoint\.metadata_current_default.*)/`: `&` intersects and `~`
// complements, so every metrics-* index but the Endpoint transform destinations. Role validation
// (RoleDescriptorRequestValidator) refuses an invalid regex with 400
// action_request_validation_exception "invalid regular expression pattern [...]".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

const FLEET_REGEX = '/metrics-.*&~(metrics-endpoint\\.metadata_current_default.*)/';
const INCLUDED = 'metrics-system.cpu-default';
const EXCLUDED = 'metrics-endpoint.metadata_current_default-x';

let node: StartedNode;
before(async () => {
  node = await startNode();
  const admin = node.client();
  await admin.indices.create({ index: INCLUDED });
  await admin.indices.create({ index: EXCLUDED });
  await admin.index({ index: INCLUDED, id: '1', document: { value: 1 }, refresh: true });
  await admin.index({ index: EXCLUDED, id: '1', document: { value: 2 }, refresh: true });
});
after(async () => {
  await node?.destroy();
});

type Body = Record<string, unknown> & { error?: { type: string; reason: string; root_cause: { type: string; reason: string }[] } };
const call = async (method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}) => {
  const response = await rawRequest(node, method, path, {
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: response.status, body: response.json() as Body, text: response.text };
};

test('GET /_security/service/elastic/kibana shows the Fleet package entry with its Lucene regexp', async () => {
  const kibana = await call('GET', '/_security/service/elastic/kibana');
  assert.equal(kibana.status, 200, kibana.text);
  const descriptor = (kibana.body['elastic/kibana'] as { role_descriptor: { indices: { names: string[]; privileges: string[]; allow_restricted_indices: boolean }[] } }).role_descriptor;
  const fleet = descriptor.indices.find((entry) => entry.names.includes(FLEET_REGEX));
  assert.ok(fleet !== undefined, 'the regexp name is in the descriptor');
  assert.deepEqual(fleet.names.slice(0, 4), ['logs-*', 'synthetics-*', 'traces-*', FLEET_REGEX]);
  assert.deepEqual(fleet.privileges, ['indices:admin/settings/update', 'indices:admin/mapping/put', 'indices:admin/rollover', 'indices:admin/data_stream/lifecycle/put', 'indices:admin/forcemerge*']);
  assert.equal(fleet.allow_restricted_indices, false);
});

test('elastic/kibana may update mappings of metrics-* indices but not of the Endpoint metadata_current_default ones', async () => {
  const created = await call('POST', '/_security/service/elastic/kibana/credential/token/descriptors');
  assert.equal(created.status, 200, created.text);
  const bearer = { authorization: `Bearer ${(created.body['token'] as { value: string }).value}` };
  const mapping = { properties: { added: { type: 'keyword' } } };
  const allowed = await call('PUT', `/${INCLUDED}/_mapping`, { headers: bearer, body: mapping });
  assert.equal(allowed.status, 200, allowed.text);
  assert.deepEqual(allowed.body, { acknowledged: true });
  const refused = await call('PUT', `/${EXCLUDED}/_mapping`, { headers: bearer, body: mapping });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.body.error!.type, 'security_exception');
  assert.match(refused.body.error!.reason, /^action \[indices:admin\/mapping\/put\] is unauthorized for service account \[elastic\/kibana\] on indices \[metrics-endpoint\.metadata_current_default-x\]/);
});

test('a role with a Lucene regexp (& and ~) grants exactly the names it matches', async () => {
  const role = await call('PUT', '/_security/role/metrics_but_endpoint', { body: { indices: [{ names: [FLEET_REGEX], privileges: ['read'] }] } });
  assert.equal(role.status, 200, role.text);
  const stored = await call('GET', '/_security/role/metrics_but_endpoint');
  assert.deepEqual((stored.body['metrics_but_endpoint'] as { indices: { names: string[] }[] }).indices[0]!.names, [FLEET_REGEX]);
  const user = await call('PUT', '/_security/user/mira', { body: { password: 'mira-password', roles: ['metrics_but_endpoint'] } });
  assert.equal(user.status, 200, user.text);
  const mira = { authorization: `Basic ${Buffer.from('mira:mira-password').toString('base64')}` };
  const readable = await call('GET', `/${INCLUDED}/_search`, { headers: mira });
  assert.equal(readable.status, 200, readable.text);
  assert.equal((readable.body as unknown as { hits: { total: { value: number } } }).hits.total.value, 1);
  const hidden = await call('GET', `/${EXCLUDED}/_search`, { headers: mira });
  assert.equal(hidden.status, 403, hidden.text);
  assert.match(hidden.body.error!.reason, /^action \[indices:data\/read\/search\] is unauthorized for user \[mira\]/);
  // A wildcard search sees only the matching index.
  const wildcard = await call('GET', '/metrics-*/_search', { headers: mira });
  assert.equal(wildcard.status, 200, wildcard.text);
  const indices = (wildcard.body as unknown as { hits: { hits: { _index: string }[] } }).hits.hits.map((hit) => hit._index);
  assert.deepEqual(indices, [INCLUDED]);
});

test('an invalid regex is refused when a role or an API key is written: 400 action_request_validation_exception', async () => {
  const expectInvalid = (response: { status: number; body: Body; text: string }, reason: string) => {
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body.error!.type, 'action_request_validation_exception');
    assert.equal(response.body.error!.reason, reason);
    assert.equal(response.body.error!.root_cause[0]!.type, 'action_request_validation_exception');
  };
  expectInvalid(await call('PUT', '/_security/role/bad_regex', { body: { indices: [{ names: ['/metrics-[/'], privileges: ['read'] }] } }), 'Validation Failed: 1: invalid regular expression pattern [/metrics-[/];');
  expectInvalid(await call('PUT', '/_security/role/bad_slash', { body: { indices: [{ names: ['logs-*', '/logs'], privileges: ['read'] }] } }), 'Validation Failed: 1: invalid regular expression pattern [/logs];');
  expectInvalid(
    await call('POST', '/_security/api_key', { body: { name: 'k', role_descriptors: { r: { indices: [{ names: ['/a{3,1}/'], privileges: ['read'] }] } } } }),
    'Validation Failed: 1: invalid regular expression pattern [/a{3,1}/];',
  );
  assert.equal((await call('GET', '/_security/role/bad_regex')).status, 404, 'nothing was stored');
});
