// Media types and bodies real clients send: shared/spec/http-compat.md "What clients send".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { EsError } from '../../../src/common/index.js';
import { booleanParam, checkContentType, decodeBody, parseMediaType, parseNdjson, parseQuery } from '../../../src/http/request.js';

test('vendor media types carry the compatible-with version (8 and 9 accepted)', () => {
  assert.deepEqual(parseMediaType('Accept', 'application/vnd.elasticsearch+json; compatible-with=9'), {
    type: 'application/vnd.elasticsearch+json',
    compatibleWith: 9,
  });
  assert.equal(parseMediaType('Content-Type', 'application/vnd.elasticsearch+x-ndjson;compatible-with=8')?.compatibleWith, 8);
  assert.throws(() => parseMediaType('Accept', 'application/vnd.elasticsearch+json;compatible-with=7'), (error: EsError) => error.status === 400 && error.type === 'media_type_header_exception');
  assert.equal(parseMediaType('Accept', '*/*'), undefined);
});

test('a form-encoded body is refused with 406 naming the header', () => {
  const formType = parseMediaType('Content-Type', 'application/x-www-form-urlencoded');
  assert.throws(() => checkContentType(formType, 'application/x-www-form-urlencoded'), (error: EsError) => error.status === 406);
  checkContentType(parseMediaType('Content-Type', 'application/json; charset=UTF-8'), 'application/json');
});

test('gzip bodies are decoded and bombs are refused with 413', () => {
  const text = JSON.stringify({ a: 'x'.repeat(1000) });
  assert.equal(decodeBody(gzipSync(text), 'gzip', 1 << 20).toString(), text);
  assert.throws(() => decodeBody(gzipSync(Buffer.alloc(10_000)), 'gzip', 1000), (error: EsError) => error.status === 413);
  assert.throws(() => decodeBody(Buffer.from('not gzip'), 'gzip', 1000), (error: EsError) => error.status === 400);
});

test('NDJSON reports the line of a malformed entry', () => {
  assert.deepEqual(parseNdjson('{"a":1}\n\n{"b":2}\n'), [{ a: 1 }, { b: 2 }]);
  assert.throws(() => parseNdjson('{"a":1}\n{oops\n'), (error: EsError) => error.status === 400 && /\[2:1\]/.test(error.message));
});

test('query parameters decode and boolean flags follow Elasticsearch', () => {
  assert.deepEqual(parseQuery('pretty&filter_path=a%2Cb&x=1&x=2'), { pretty: '', filter_path: 'a,b', x: '2' });
  assert.equal(booleanParam(''), true);
  assert.equal(booleanParam(undefined, true), true);
  assert.equal(booleanParam('false'), false);
  assert.throws(() => booleanParam('yes'), (error: EsError) => error.status === 400);
});
