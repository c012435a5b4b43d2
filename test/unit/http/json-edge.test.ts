// The JSON edge of the REST layer (issue #9, items 4, 5, 6, 17):
// - nesting: Elasticsearch's JSON parser keeps the stream read constraints' default of 1000
//   levels (ES XContentImplUtils only lifts the string length limit) and refuses deeper input
//   with a 400 naming the limit;
// - UTF-8: Elasticsearch's parser refuses malformed UTF-8 with 400 x_content_parse_exception
//   ("Invalid UTF-8 start byte" / "middle byte") instead of substituting U+FFFD;
// - Accept-Encoding: https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-network.html
//   (`http.compression`: "Support for compression when possible (with Accept-Encoding)");
// - oversized headers: Elasticsearch answers 400 too_long_http_header_exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJsonNestingDepth, decodeUtf8, EsError, findInvalidUtf8, limits } from '../../../src/common/index.js';
import { createRestRequest, negotiateContentEncoding, parseJson, parseNdjson } from '../../../src/http/request.js';
import { malformedRequestError } from '../../../src/http/server.js';

const nestedObjects = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

const isNestingError = (line: number) => (error: EsError): boolean =>
  error.status === 400 &&
  error.type === 'x_content_parse_exception' &&
  error.message.startsWith(`[${line}:`) &&
  error.message.includes(`Document nesting depth (${limits.jsonNestingDepthMax + 1}) exceeds the maximum allowed (${limits.jsonNestingDepthMax}`);

test('the nesting limit is 1000 levels, objects and arrays alike, and 1000 itself is accepted', () => {
  assert.equal(limits.jsonNestingDepthMax, 1000);
  assert.equal((parseJson(nestedObjects(1000)) as Record<string, unknown>)['a'] !== undefined, true);
  assert.deepEqual(parseJson(nestedArrays(1000)) instanceof Array, true);
  assert.throws(() => parseJson(nestedObjects(1001)), isNestingError(1));
  assert.throws(() => parseJson(nestedArrays(1001)), isNestingError(1));
  assert.throws(() => parseJson(`{"x":${nestedArrays(1000)}}`), isNestingError(1));
});

test('100,000 nested objects are refused with 400, not a stack overflow', () => {
  assert.throws(() => parseJson(nestedObjects(100_000)), isNestingError(1));
});

test('brackets inside strings (escaped quotes too) do not count as nesting', () => {
  const text = JSON.stringify({ text: '{'.repeat(5000) + '\\"[' + '['.repeat(5000) });
  checkJsonNestingDepth(text);
  assert.equal((parseJson(text) as { text: string }).text.length, 10_003);
});

test('NDJSON reports the line of the too deep entry', () => {
  assert.throws(() => parseNdjson(`{"a":1}\n${nestedObjects(1001)}\n`), isNestingError(2));
  assert.throws(() => checkJsonNestingDepth(nestedObjects(1001), 7), isNestingError(7));
});

test('valid UTF-8 decodes as is, every form of malformed UTF-8 is refused with its byte and position', () => {
  assert.equal(decodeUtf8(Buffer.from('{"t":"café 𝄞 ✓"}')), '{"t":"café 𝄞 ✓"}');
  const cases: readonly [string, readonly number[], 'start' | 'middle', number][] = [
    ['lone continuation byte', [0x80], 'start', 0],
    ['0xff', [0xff], 'start', 0],
    ['overlong two-byte form', [0xc0, 0xaf], 'start', 0],
    ['truncated two-byte sequence', [0xc3, 0x41], 'middle', 1],
    ['overlong three-byte form', [0xe0, 0x80, 0x80], 'middle', 1],
    ['UTF-16 surrogate', [0xed, 0xa0, 0x80], 'middle', 1],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 'middle', 1],
    ['three-byte sequence cut short by the closing quote', [0xe2, 0x82], 'middle', 2],
  ];
  for (const [label, bytes, kind, offset] of cases) {
    const body = Buffer.concat([Buffer.from('{"t":"'), Buffer.from(bytes), Buffer.from('"}')]);
    const found = findInvalidUtf8(body);
    assert.deepEqual(found, { offset: 6 + offset, kind }, label);
    assert.throws(
      () => decodeUtf8(body),
      (error: EsError) =>
        error.status === 400 &&
        error.type === 'x_content_parse_exception' &&
        error.message === `[1:${7 + offset}] Invalid UTF-8 ${kind} byte 0x${body[6 + offset]!.toString(16).padStart(2, '0')}`,
      label,
    );
  }
});

test('a sequence cut by the end of the body is refused at its last byte', () => {
  assert.deepEqual(findInvalidUtf8(Buffer.from([0x41, 0xe2, 0x82])), { offset: 2, kind: 'middle' });
});

test('the position of malformed UTF-8 counts lines (NDJSON bodies)', () => {
  const body = Buffer.concat([Buffer.from('{"index":{}}\n{"t":"'), Buffer.from([0xfe]), Buffer.from('"}\n')]);
  assert.throws(() => decodeUtf8(body), (error: EsError) => error.message === '[2:7] Invalid UTF-8 start byte 0xfe');
});

test('a request body with malformed UTF-8 is refused by text(), json() and ndjson() alike', () => {
  const request = createRestRequest({
    method: 'POST',
    rawPath: '/_bulk',
    params: {},
    query: {},
    headers: {},
    body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
  });
  for (const read of [() => request.text(), () => request.json(), () => request.ndjson()]) {
    assert.throws(read, (error: EsError) => error.status === 400 && error.type === 'x_content_parse_exception');
  }
  const empty = createRestRequest({ method: 'GET', rawPath: '/', params: {}, query: {}, headers: {}, body: undefined });
  assert.equal(empty.text(), '');
});

test('a UTF-8 byte order mark before the body is skipped, as the JSON parser does', () => {
  const request = createRestRequest({ method: 'PUT', rawPath: '/a/_doc/1', params: {}, query: {}, headers: {}, body: Buffer.from('\uFEFF{"t":"\uFEFFx"}', 'utf8') });
  assert.deepEqual(request.json(), { t: '\uFEFFx' }); // only the leading mark goes; one inside a string is content
});

test('Accept-Encoding negotiation: gzip preferred, deflate when asked, q=0 refuses, identity otherwise', () => {
  assert.equal(negotiateContentEncoding(undefined), undefined);
  assert.equal(negotiateContentEncoding(''), undefined);
  assert.equal(negotiateContentEncoding('gzip'), 'gzip');
  assert.equal(negotiateContentEncoding('gzip,deflate'), 'gzip'); // what the official clients send
  assert.equal(negotiateContentEncoding('deflate, gzip;q=0.5'), 'deflate');
  assert.equal(negotiateContentEncoding('gzip;q=0, deflate'), 'deflate');
  assert.equal(negotiateContentEncoding('GZIP;Q=1.0'), 'gzip');
  assert.equal(negotiateContentEncoding('x-gzip'), 'gzip');
  assert.equal(negotiateContentEncoding('*'), 'gzip');
  assert.equal(negotiateContentEncoding('*;q=0'), undefined);
  assert.equal(negotiateContentEncoding('br'), undefined);
  assert.equal(negotiateContentEncoding('identity'), undefined);
  assert.equal(negotiateContentEncoding('gzip;q=0'), undefined);
});

test('requests the HTTP parser refuses get an Elasticsearch error, headers over the limit its 400', () => {
  const headers = malformedRequestError(Object.assign(new Error('overflow'), { code: 'HPE_HEADER_OVERFLOW', rawPacket: Buffer.from(`GET / HTTP/1.1\r\nx: ${'a'.repeat(20_000)}`) }));
  assert.equal(headers.status, 400);
  assert.equal(headers.type, 'too_long_http_header_exception');
  assert.equal(headers.message, `HTTP header is larger than ${limits.httpHeaderBytesMax} bytes.`);
  const line = malformedRequestError(Object.assign(new Error('overflow'), { code: 'HPE_HEADER_OVERFLOW', rawPacket: Buffer.from(`GET /${'a'.repeat(20_000)}`) }));
  assert.equal(line.type, 'too_long_http_line_exception');
  const garbage = malformedRequestError(Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' }));
  assert.equal(garbage.status, 400);
  assert.equal(garbage.type, 'illegal_argument_exception');
});
