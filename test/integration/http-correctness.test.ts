// Issue #9 ("Correctness first"), the HTTP items, against real node processes:
// 4. JSON nested deeper than Elasticsearch's parser limit (1000 levels) is refused with a 400
//    naming the limit before any recursive walk; every walk (documents, dynamic mapping with
//    index.mapping.depth.limit, explicit mappings, queries with indices.query.bool.max_nested_depth,
//    aggregations, filter_path, _bulk and _msearch lines) answers a 4xx, never a 500.
// 5. Malformed UTF-8 is refused with 400 x_content_parse_exception and never stored.
// 6. Headers over the limit get Elasticsearch's 400 too_long_http_header_exception, in its error shape.
// 17. `http.compression` (on for HTTP, off for HTTPS unless set) and `http.compression_level`:
//    https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-network.html#http-settings
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { gunzipSync, inflateSync } from 'node:zlib';
import { Client } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ security: false, clusterName: 'http-correctness', nodeName: 'h1' });
});
after(async () => {
  await node?.destroy();
});

const json = { 'content-type': 'application/json' };
const ndjson = { 'content-type': 'application/x-ndjson' };

interface ErrorBody {
  error: { type: string; reason: string; root_cause: { type: string; reason: string }[] };
  status: number;
}

async function send(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = json): Promise<{ status: number; body: ErrorBody & Record<string, unknown> }> {
  const response = await rawRequest(node, method, path, { ...(body !== undefined ? { body } : {}), headers });
  return { status: response.status, body: (response.text === '' ? {} : response.json()) as ErrorBody & Record<string, unknown> };
}

/** Asserts Elasticsearch's error shape with this status and type. */
function assertError(response: { status: number; body: ErrorBody }, status: number, type: string, reason?: RegExp): void {
  assert.equal(response.status, status, JSON.stringify(response.body).slice(0, 500));
  assert.equal(response.body.status, status);
  assert.equal(response.body.error.type, type, JSON.stringify(response.body).slice(0, 500));
  assert.ok(response.body.error.root_cause.length > 0);
  if (reason !== undefined) assert.match(response.body.error.reason, reason);
}

const nestedObjects = (depth: number, leaf = '1'): string => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const nestingLimit = /Document nesting depth \(1001\) exceeds the maximum allowed \(1000/;

// ---------------------------------------------------------------- item 4: nesting

test('100,000 nested objects in a document body: 400 naming the limit, nothing stored', async () => {
  assertError(await send('PUT', '/deep/_doc/1', nestedObjects(100_000)), 400, 'x_content_parse_exception', nestingLimit);
  assert.equal((await send('GET', '/deep/_doc/1')).status, 404);
});

test('1001 levels are refused in every body: search, mapping, settings, update, _bulk and _msearch lines', async () => {
  const tooDeep = nestedObjects(1001);
  assert.equal((await send('POST', '/_search', nestedObjects(1000))).status, 400); // parsed, then refused as a query
  assertError(await send('POST', '/_search', tooDeep), 400, 'x_content_parse_exception', nestingLimit);
  assertError(await send('PUT', '/deep-mapping', tooDeep), 400, 'x_content_parse_exception', nestingLimit);
  assertError(await send('POST', '/deep/_update/1', tooDeep), 400, 'x_content_parse_exception', nestingLimit);
  const bulk = `{"index":{"_index":"deep-bulk","_id":"1"}}\n${tooDeep}\n`;
  assertError(await send('POST', '/_bulk', bulk, ndjson), 400, 'x_content_parse_exception', /^\[2:\d+\] Document nesting depth/);
  assert.equal((await send('GET', '/deep-bulk/_doc/1')).status, 404);
  const msearch = `{}\n{"query":{"match_all":{}}}\n{}\n${tooDeep}\n`;
  assertError(await send('POST', '/_msearch', msearch, ndjson), 400, 'x_content_parse_exception', /^\[4:\d+\] Document nesting depth/);
});

test('a document 1000 levels deep under a disabled object is stored, returned and filtered intact', async () => {
  assert.equal((await send('PUT', '/raw', JSON.stringify({ mappings: { properties: { payload: { type: 'object', enabled: false } } } }))).status, 200);
  const document = `{"payload":${nestedObjects(999, '"bottom"')}}`; // 1000 levels with the root: the limit
  const indexed = await send('PUT', '/raw/_doc/1?refresh=true', document);
  assert.equal(indexed.status, 201, JSON.stringify(indexed.body).slice(0, 300));
  const fetched = await rawRequest(node, 'GET', '/raw/_doc/1');
  assert.equal(fetched.status, 200);
  assert.equal(JSON.stringify((fetched.json() as { _source: unknown })._source), document);
  const searched = await send('POST', '/raw/_search', JSON.stringify({ query: { match_all: {} } }));
  assert.equal(searched.status, 200);
  assert.equal(JSON.stringify((searched.body['hits'] as { hits: { _source: unknown }[] }).hits[0]!._source), document);
  const exact = `_source.payload.${Array.from({ length: 999 }, () => 'a').join('.')}`;
  const filtered = await rawRequest(node, 'GET', `/raw/_doc/1?filter_path=${exact}`);
  assert.equal(filtered.status, 200);
  assert.ok(filtered.text.endsWith(`"bottom"${'}'.repeat(1001)}`));
  const started = Date.now();
  const starred = await rawRequest(node, 'GET', `/raw/_doc/1?filter_path=${Array.from({ length: 12 }, () => '**').join('.')}.nothing`);
  assert.equal(starred.status, 200);
  assert.deepEqual(starred.json(), {});
  assert.ok(Date.now() - started < 10_000, 'repeated ** stays linear');
});

test('dynamic mapping stops at index.mapping.depth.limit (20): 400 document_parsing_exception, not stored', async () => {
  const response = await send('PUT', '/dynamic-deep/_doc/1', nestedObjects(999));
  assertError(response, 400, 'document_parsing_exception', /Limit of mapping depth \[20\] has been exceeded due to object field \[a(\.a){19}\]/);
  assert.equal((await send('GET', '/dynamic-deep/_doc/1')).status, 404);
  assert.equal((await send('PUT', '/dynamic-deep/_doc/2', nestedObjects(19))).status, 201);
  const bulk = `{"index":{"_index":"dynamic-deep","_id":"3"}}\n${nestedObjects(998)}\n{"index":{"_index":"dynamic-deep","_id":"4"}}\n{"ok":true}\n`;
  const bulkResponse = await send('POST', '/_bulk?refresh=true', bulk, ndjson);
  assert.equal(bulkResponse.status, 200);
  const items = bulkResponse.body['items'] as { index: { status: number; error?: { type: string } } }[];
  assert.equal(items[0]!.index.status, 400);
  assert.equal(items[0]!.index.error?.type, 'document_parsing_exception');
  assert.equal(items[1]!.index.status, 201);
});

test('explicit mappings deeper than the limit are refused with 400', async () => {
  let properties = '{"type":"keyword"}';
  for (let level = 0; level < 400; level++) properties = `{"properties":{"a":${properties}}}`;
  const response = await send('PUT', '/mapping-deep', `{"mappings":${properties}}`);
  assert.equal(response.status, 400, JSON.stringify(response.body).slice(0, 300));
  assert.match(response.body.error.reason, /Limit of mapping depth \[20\]/);
});

test('queries nest at most 30 deep (indices.query.bool.max_nested_depth), aggregations are bounded too', async () => {
  const nestedBool = (depth: number): unknown => {
    let query: unknown = { match_all: {} };
    for (let level = 1; level < depth; level++) query = { bool: { must: [query] } };
    return query;
  };
  assert.equal((await send('POST', '/raw/_search', JSON.stringify({ query: nestedBool(30) }))).status, 200);
  for (const depth of [31, 300]) {
    assertError(
      await send('POST', '/raw/_search', JSON.stringify({ query: nestedBool(depth) })),
      400,
      'illegal_argument_exception',
      /^The nested depth of the query exceeds the maximum nested depth for queries set in \[indices\.query\.bool\.max_nested_depth\]$/,
    );
  }
  assert.equal((await send('POST', '/raw/_count', JSON.stringify({ query: nestedBool(31) }))).status, 400);
  let aggregations = '{"terms":{"field":"x"}}';
  for (let level = 0; level < 300; level++) aggregations = `{"terms":{"field":"x"},"aggs":{"a":${aggregations}}}`;
  const deepAggs = await send('POST', '/raw/_search', `{"size":0,"aggs":{"a":${aggregations}}}`);
  assert.equal(deepAggs.status, 400, JSON.stringify(deepAggs.body).slice(0, 300));
});

// ---------------------------------------------------------------- item 5: UTF-8

const invalidUtf8 = Buffer.concat([Buffer.from('{"title":"caf'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);

test('malformed UTF-8 in a document: 400 x_content_parse_exception naming the byte, nothing stored', async () => {
  assertError(await send('PUT', '/utf8/_doc/1', invalidUtf8), 400, 'x_content_parse_exception', /^\[1:14\] Invalid UTF-8 start byte 0xff$/);
  assert.equal((await send('GET', '/utf8/_doc/1')).status, 404);
  assertError(await send('POST', '/utf8/_doc', Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])), 400, 'x_content_parse_exception', /Invalid UTF-8 middle byte 0x28/);
});

test('malformed UTF-8 in _bulk and _msearch bodies: 400 with the line, nothing stored', async () => {
  const bulk = Buffer.concat([Buffer.from('{"index":{"_index":"utf8","_id":"2"}}\n{"ok":1}\n{"index":{"_index":"utf8","_id":"3"}}\n'), invalidUtf8, Buffer.from('\n')]);
  assertError(await send('POST', '/_bulk', bulk, ndjson), 400, 'x_content_parse_exception', /^\[4:\d+\] Invalid UTF-8 start byte 0xff$/);
  assert.equal((await send('GET', '/utf8/_doc/2')).status, 404);
  assert.equal((await send('GET', '/utf8/_doc/3')).status, 404);
  const msearch = Buffer.concat([Buffer.from('{}\n{"query":{"match":{"title":"'), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from('"}}}\n')]);
  assertError(await send('POST', '/_msearch', msearch, ndjson), 400, 'x_content_parse_exception', /^\[2:\d+\] Invalid UTF-8 middle byte 0x28$/);
});

test('valid multi-byte UTF-8 is stored and returned exactly as sent', async () => {
  const title = 'café 𝄞 ✓ 日本語';
  assert.equal((await send('PUT', '/utf8/_doc/ok?refresh=true', Buffer.from(JSON.stringify({ title }), 'utf8'))).status, 201);
  const fetched = await send('GET', '/utf8/_doc/ok');
  assert.deepEqual(fetched.body['_source'], { title });
});

// ---------------------------------------------------------------- item 6: oversized headers

test('headers over the limit: 400 too_long_http_header_exception in Elasticsearch’s error shape', async () => {
  const response = await rawRequest(node, 'GET', '/', { headers: { 'x-padding': 'a'.repeat(20_000) } });
  assert.equal(response.status, 400);
  assert.equal(response.headers['content-type'], 'application/json');
  assert.equal(response.headers['x-elastic-product'], 'Elasticsearch');
  assert.deepEqual(response.json(), {
    error: {
      root_cause: [{ type: 'too_long_http_header_exception', reason: 'HTTP header is larger than 16384 bytes.' }],
      type: 'too_long_http_header_exception',
      reason: 'HTTP header is larger than 16384 bytes.',
    },
    status: 400,
  });
});

// ---------------------------------------------------------------- item 17: compression

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: Buffer;
}

/** One request, the response bytes untouched (no decoding). */
function rawBytes(target: StartedNode, method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const url = new URL(path, target.url);
  const auth = `Basic ${Buffer.from(`elastic:${target.password}`).toString('base64')}`;
  const options = { method, headers: { authorization: auth, ...headers }, ...(target.caPem !== undefined ? { ca: target.caPem } : {}) };
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** gzip's XFL header byte: 2 when zlib compressed at level 9, 4 at level 1, 0 otherwise (RFC 1952 §2.3.1). */
const gzipExtraFlags = (bytes: Buffer): number => bytes[8]!;

test('plain HTTP compresses by default when the client accepts gzip or deflate, and says so', async () => {
  const plain = await rawBytes(node, 'GET', '/');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers['vary'], 'Accept-Encoding');
  const info = JSON.parse(plain.bytes.toString('utf8')) as { cluster_name: string };
  assert.equal(info.cluster_name, 'http-correctness');

  const gzipped = await rawBytes(node, 'GET', '/', { 'accept-encoding': 'gzip, deflate' });
  assert.equal(gzipped.status, 200);
  assert.equal(gzipped.headers['content-encoding'], 'gzip');
  assert.equal(gzipped.headers['vary'], 'Accept-Encoding');
  assert.equal(Number(gzipped.headers['content-length']), gzipped.bytes.length);
  assert.equal(gzipExtraFlags(gzipped.bytes), 0, 'http.compression_level 3 by default');
  assert.deepEqual(JSON.parse(gunzipSync(gzipped.bytes).toString('utf8')), info);

  const deflated = await rawBytes(node, 'GET', '/', { 'accept-encoding': 'deflate' });
  assert.equal(deflated.headers['content-encoding'], 'deflate');
  assert.deepEqual(JSON.parse(inflateSync(deflated.bytes).toString('utf8')), info);

  const refused = await rawBytes(node, 'GET', '/', { 'accept-encoding': 'gzip;q=0, br' });
  assert.equal(refused.headers['content-encoding'], undefined);

  const errorResponse = await rawBytes(node, 'GET', '/missing-index/_doc/1', { 'accept-encoding': 'gzip' });
  assert.equal(errorResponse.status, 404);
  assert.equal(errorResponse.headers['content-encoding'], 'gzip');
  assert.equal((JSON.parse(gunzipSync(errorResponse.bytes).toString('utf8')) as ErrorBody).error.type, 'index_not_found_exception');

  const cat = await rawBytes(node, 'GET', '/_cat/health', { 'accept-encoding': 'gzip' });
  assert.equal(cat.headers['content-encoding'], 'gzip');
  assert.match(gunzipSync(cat.bytes).toString('utf8'), /http-correctness/);
});

test('HEAD answers carry no body and no content-encoding', async () => {
  const head = await rawBytes(node, 'HEAD', '/', { 'accept-encoding': 'gzip' });
  assert.equal(head.status, 200);
  assert.equal(head.bytes.length, 0);
  assert.equal(head.headers['content-encoding'], undefined);
});

test('the official client with compression on works against a compressing node', async () => {
  const client = new Client({ node: node.url, compression: true, maxRetries: 0, requestTimeout: 30_000 });
  try {
    await client.index({ index: 'compressed', id: '1', document: { title: 'squeezed', body: 'x'.repeat(5000) }, refresh: true });
    const result = await client.search<{ title: string }>({ index: 'compressed', query: { match: { title: 'squeezed' } } });
    assert.equal(result.hits.hits[0]?._source?.title, 'squeezed');
    const raw = await client.transport.request({ method: 'GET', path: '/compressed/_doc/1' }, { meta: true });
    assert.equal(raw.headers['content-encoding'], 'gzip');
  } finally {
    await client.close();
  }
});

test('HTTPS does not compress by default; http.compression: true and http.compression_level turn it on', async () => {
  const defaults = await startNode({ clusterName: 'https-default', nodeName: 'tls-1' });
  try {
    const response = await rawBytes(defaults, 'GET', '/', { 'accept-encoding': 'gzip' });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-encoding'], undefined);
    assert.equal((JSON.parse(response.bytes.toString('utf8')) as { cluster_name: string }).cluster_name, 'https-default');
  } finally {
    await defaults.destroy();
  }
  const enabled = await startNode({ clusterName: 'https-compressed', nodeName: 'tls-2', settings: ['http.compression=true', 'http.compression_level=9'] });
  try {
    const response = await rawBytes(enabled, 'GET', '/', { 'accept-encoding': 'gzip' });
    assert.equal(response.headers['content-encoding'], 'gzip');
    assert.equal(gzipExtraFlags(response.bytes), 2, 'level 9');
    assert.equal((JSON.parse(gunzipSync(response.bytes).toString('utf8')) as { cluster_name: string }).cluster_name, 'https-compressed');
    const client = enabled.client();
    try {
      assert.equal((await client.info()).cluster_name, 'https-compressed');
    } finally {
      await client.close();
    }
  } finally {
    await enabled.destroy();
  }
});
