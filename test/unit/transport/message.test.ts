// Transport message envelope (shared/spec/remote-clusters.md §9.1 semantics: action, thread-context
// headers, body; errors travel with their Elasticsearch fields). Pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError, errors } from '../../../src/common/errors.js';
import {
  encodeErrorBody,
  encodeRequestBody,
  isSecretHeader,
  parseErrorBody,
  parseRequestBody,
  parseResponseBody,
  redactHeaders,
} from '../../../src/transport/message.js';
import { decodeFrames, emptyDecoder, encodeFrame, FrameFlags } from '../../../src/transport/frame.js';

/** Through real frame bytes, as the wire carries it. */
function overTheWire(body: unknown): unknown {
  const { frames } = decodeFrames(emptyDecoder, encodeFrame(FrameFlags.response | FrameFlags.error, 1, body), 1 << 20);
  const frame = frames[0]!;
  assert.equal(frame.kind, 'message');
  return frame.kind === 'message' ? frame.body : undefined;
}

test('requests round-trip with headers; malformed requests are refused, not thrown', () => {
  const body = overTheWire(encodeRequestBody({ action: 'indices:data/read/search', headers: { 'X-Opaque-Id': 'abc' }, payload: { size: 3 } }));
  assert.deepEqual(parseRequestBody(body), { action: 'indices:data/read/search', headers: { 'X-Opaque-Id': 'abc' }, payload: { size: 3 } });
  for (const bad of [null, 'x', [], { action: '' }, { action: 1 }, { action: 'a', headers: { h: 1 } }, { action: 'a', headers: ['h'] }]) {
    assert.equal(parseRequestBody(bad), undefined, JSON.stringify(bad));
  }
  assert.deepEqual(parseResponseBody(overTheWire({ payload: undefined })), { payload: null });
  assert.equal(parseResponseBody({ nothing: 1 }), undefined);
});

test('an EsError survives the wire with status, type, reason, extra, headers and causes', () => {
  const original = errors.searchPhaseFailed(503, 'all shards failed', 'query', [errors.indexNotFound('logs')], errors.indexNotFound('logs'), [{ shard: 0 }]);
  const parsed = parseErrorBody(overTheWire(encodeErrorBody(original)));
  assert.ok(parsed instanceof EsError);
  assert.deepEqual(parsed.toBody(), original.toBody());
  assert.equal(parsed.status, 503);
  const withHeaders = parseErrorBody(overTheWire(encodeErrorBody(errors.authenticationRequired('missing authentication credentials'))));
  assert.deepEqual(withHeaders?.headers, errors.authenticationRequired('x').headers);
  assert.equal(withHeaders?.status, 401);
});

test('malformed error bodies are refused', () => {
  for (const bad of [null, {}, { error: { status: 'x', type: 't', reason: 'r' } }, { error: { status: 99, type: 't', reason: 'r' } }, { error: { status: 500, type: 1, reason: 'r' } }]) {
    assert.equal(parseErrorBody(bad), undefined, JSON.stringify(bad));
  }
});

test('credential headers are recognised and redacted for logs', () => {
  for (const name of ['Authorization', '_cross_cluster_access_credentials', '_cross_cluster_access_subject_info', '_security_authentication', '_xpack_security_authentication', 'es-secondary-authorization']) {
    assert.equal(isSecretHeader(name), true, name);
  }
  assert.equal(isSecretHeader('X-Opaque-Id'), false);
  assert.deepEqual(redactHeaders({ authorization: 'ApiKey c2VjcmV0', 'X-Opaque-Id': 'q1' }), { authorization: '[redacted]', 'X-Opaque-Id': 'q1' });
});

test('transport error factories use Elasticsearch types and message shapes', () => {
  assert.deepEqual(errors.actionNotFoundTransport('indices:nope').toCause(), { type: 'action_not_found_transport_exception', reason: 'No handler for action [indices:nope]' });
  assert.equal(errors.nodeDisconnected('west-1', '127.0.0.1:9300', 'indices:data/read/search').message, '[west-1][127.0.0.1:9300][indices:data/read/search] disconnected');
  assert.equal(errors.receiveTimeout('west-1', '127.0.0.1:9300', 'a:b', 7, 50).message, '[west-1][127.0.0.1:9300][a:b] request_id [7] timed out after [50ms]');
  const connect = errors.connectTransport(undefined, '127.0.0.1:9300', 'connect_timeout[30000ms]');
  assert.deepEqual([connect.status, connect.type, connect.message], [502, 'connect_transport_exception', '[127.0.0.1:9300] connect_timeout[30000ms]']);
  assert.equal(errors.receiveTimeout('w', 'a', 'x:y', 1, 1).type, 'receive_timeout_transport_exception');
  assert.equal(errors.nodeDisconnected(undefined, undefined).message, 'disconnected');
});
