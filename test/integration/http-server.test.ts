// The REST pipeline with real sockets: shared/spec/http-compat.md (headers, media types, gzip,
// errors in Elasticsearch's shape) and the common options of the Elasticsearch REST API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { errors } from '../../src/common/index.js';
import type { Route } from '../../src/http/route.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { disabledSecurityService } from '../../src/node/security-disabled.js';

const routes: Route[] = [
  {
    method: ['GET', 'POST'],
    path: '/:index/_echo',
    action: 'indices:data/read/echo',
    scope: 'indices',
    params: ['flag', 'master_timeout', 'timeout'],
    handle: (request, context) => {
      context.authorize.indices('indices:data/read/echo', [request.params['index']!]);
      return { status: 200, body: { index: request.params['index'], body: request.json() ?? null, query: request.query } };
    },
  },
  { method: 'GET', path: '/_forgetful/:index', action: 'indices:data/read/forget', scope: 'indices', handle: () => ({ status: 200, body: {} }) },
  { method: 'HEAD', path: '/_exists', action: 'cluster:monitor/exists', scope: 'cluster', handle: () => ({ status: 404 }) },
  { method: 'POST', path: '/_lines', action: 'cluster:monitor/lines', scope: 'cluster', handle: (request) => ({ status: 200, body: { lines: request.ndjson().length } }) },
  { method: 'GET', path: '/_fail', action: 'cluster:monitor/fail', scope: 'cluster', handle: () => { throw errors.indexNotFound('nope'); } },
];

let server: HttpServer;
let base: string;
before(async () => {
  server = await startHttpServer({ host: '127.0.0.1', port: 0, tls: undefined, bodyBytesMax: 1024 * 1024, routes, security: disabledSecurityService(), log: pino({ level: 'silent' }) });
  base = `http://${server.address}`;
});
after(() => server.close());

test('percent-encoded multi-target paths are decoded per segment', async () => {
  const response = await fetch(`${base}/books%2Cremote1%3Alogs-*/_echo?flag=1`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('x-elastic-product'), 'Elasticsearch');
  assert.equal(response.headers.get('content-type'), 'application/json');
  const body = (await response.json()) as { index: string; query: Record<string, string> };
  assert.equal(body.index, 'books,remote1:logs-*');
  assert.deepEqual(body.query, { flag: '1' });
});

test('GET with a gzip JSON body, vendor media types echoed, opaque id echoed', async () => {
  const response = await fetch(`${base}/a/_echo`, {
    method: 'POST',
    headers: {
      'content-type': 'application/vnd.elasticsearch+json; compatible-with=9',
      accept: 'application/vnd.elasticsearch+json; compatible-with=9',
      'content-encoding': 'gzip',
      'x-opaque-id': 'trace-1',
    },
    body: gzipSync(JSON.stringify({ query: { match_all: {} } })),
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/vnd.elasticsearch+json;compatible-with=9');
  assert.equal(response.headers.get('x-opaque-id'), 'trace-1');
  assert.deepEqual(((await response.json()) as { body: unknown }).body, { query: { match_all: {} } });
});

test('malformed JSON is a 400 in Elasticsearch shape', async () => {
  const response = await fetch(`${base}/a/_echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
  assert.equal(response.status, 400);
  const body = (await response.json()) as { error: { type: string; root_cause: { type: string }[] }; status: number };
  assert.equal(body.status, 400);
  assert.equal(body.error.type, 'x_content_parse_exception');
  assert.equal(body.error.root_cause[0]!.type, 'x_content_parse_exception');
});

test('unknown parameters, unknown paths and wrong methods are refused', async () => {
  const unknownParameter = await fetch(`${base}/a/_echo?bogus=1`);
  assert.equal(unknownParameter.status, 400);
  assert.match(((await unknownParameter.json()) as { error: { reason: string } }).error.reason, /unrecognized parameter: \[bogus\]/);
  const unknownPath = await fetch(`${base}/_nothing/here/at/all`);
  assert.equal(unknownPath.status, 400);
  const wrongMethod = await fetch(`${base}/a/_echo`, { method: 'DELETE' });
  assert.equal(wrongMethod.status, 405);
  assert.match(wrongMethod.headers.get('allow') ?? '', /GET/);
});

test('master_timeout and timeout are time values wherever a route takes them (RestRequest.paramAsTime)', async () => {
  for (const query of ['master_timeout=forever', 'timeout=10', 'timeout=1x', 'master_timeout=']) {
    const refused = await fetch(`${base}/a/_echo?${query}`);
    assert.equal(refused.status, 400, query);
    const body = (await refused.json()) as { error: { type: string; reason: string } };
    // TimeValue.parseTimeValue raises an IllegalArgumentException.
    assert.equal(body.error.type, 'illegal_argument_exception', query);
    assert.match(body.error.reason, /^failed to parse setting \[(master_)?timeout\] with value \[.*\] as a time value: unit is missing or unrecognized$/, query);
  }
  for (const query of ['master_timeout=30s', 'timeout=-1', 'timeout=0', 'master_timeout=1500ms']) {
    assert.equal((await fetch(`${base}/a/_echo?${query}`)).status, 200, query);
  }
});

test('pretty, filter_path and error_trace', async () => {
  const pretty = await fetch(`${base}/a/_echo?pretty&filter_path=index`);
  assert.equal(await pretty.text(), '{\n  "index": "a"\n}\n');
  const traced = await fetch(`${base}/_fail?error_trace=true`);
  assert.equal(traced.status, 404);
  const body = (await traced.json()) as { error: { type: string; stack_trace?: string; index: string } };
  assert.equal(body.error.type, 'index_not_found_exception');
  assert.equal(body.error.index, 'nope');
  assert.equal(typeof body.error.stack_trace, 'string');
});

test('HEAD answers a status and no body', async () => {
  const response = await fetch(`${base}/_exists`, { method: 'HEAD' });
  assert.equal(response.status, 404);
  assert.equal(await response.text(), '');
});

test('NDJSON bodies', async () => {
  const response = await fetch(`${base}/_lines`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"a":1}\n{"b":2}\n' });
  assert.deepEqual(await response.json(), { lines: 2 });
});

test('a body over http.max_content_length is a 413 and the server keeps serving', async () => {
  const response = await fetch(`${base}/a/_echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }) });
  assert.equal(response.status, 413);
  assert.equal(((await response.json()) as { error: { type: string } }).error.type, 'content_too_long_exception');
  assert.equal((await fetch(`${base}/a/_echo`)).status, 200);
});

test('a route that forgets to authorize its target indices fails closed (500)', async () => {
  const response = await fetch(`${base}/_forgetful/secret`);
  assert.equal(response.status, 500);
});

test('garbage on the port gets a 400 and the server keeps serving', async () => {
  const [host, port] = [server.address.split(':')[0]!, Number(server.address.split(':')[1])];
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, host, () => socket.write('\x16\x03\x01garbage that is not http\r\n\r\n'));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  assert.equal((await fetch(`${base}/a/_echo`)).status, 200);
});
