// The _cat table renderer against Elasticsearch's RestTable (server/.../rest/action/cat/RestTable.java
// behaviour, as the cat.*/10_basic.yml tests and cat.html describe it): ByteSizeValue and TimeValue
// rendering (one decimal, truncated), `bytes`/`time` units, `h` aliases as headers, wildcards,
// right-aligned headers, `s` on raw values with empty cells first, `ts`, json and yaml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesCell, catColumn, formatBytes, formatTime, renderCat, timeCell, type CatRow } from '../../../src/http/routes/cat-table.js';
import type { RestRequest } from '../../../src/http/route.js';

function request(query: Record<string, string>): RestRequest {
  return { query } as unknown as RestRequest;
}

test('sizes: largest unit with one truncated decimal, or whole numbers of the unit asked', () => {
  assert.equal(formatBytes(225, undefined), '225b');
  assert.equal(formatBytes(1024, undefined), '1kb');
  // 6348 bytes are 6.199kb: Elasticsearch truncates to 6.1kb (an earlier version rounded to 6.2kb).
  assert.equal(formatBytes(6348, undefined), '6.1kb');
  assert.equal(formatBytes(10 * 1024 * 1024, undefined), '10mb');
  assert.equal(formatBytes(1536 * 1024 ** 3, undefined), '1.5tb');
  assert.equal(formatBytes(6348, 'b'), '6348');
  assert.equal(formatBytes(6348, 'kb'), '6');
  assert.equal(formatBytes(6348, 'k'), '6');
  assert.equal(formatBytes(3 * 1024 ** 3, 'mb'), '3072');
  // An unknown unit prints the default form, as RestTable.renderValue does.
  assert.equal(formatBytes(6348, 'zb'), '6.1kb');
});

test('durations: largest unit with one truncated decimal, or whole numbers of the unit asked', () => {
  assert.equal(formatTime(0, undefined), '0s');
  assert.equal(formatTime(1500, undefined), '1.5s');
  assert.equal(formatTime(120, undefined), '120ms');
  assert.equal(formatTime(90_000, undefined), '1.5m');
  assert.equal(formatTime(0.25, undefined), '250micros');
  assert.equal(formatTime(2 * 86_400_000, undefined), '2d');
  assert.equal(formatTime(1500, 'ms'), '1500');
  assert.equal(formatTime(1500, 's'), '1');
  assert.equal(formatTime(1500, 'micros'), '1500000');
  assert.equal(formatTime(1500, 'nanos'), '1500000000');
  assert.equal(formatTime(7_200_000, 'h'), '2');
});

const columns = [
  catColumn('name', ['n'], 'the name', true),
  catColumn('size', ['si', 'sz'], 'a size', true, true),
  catColumn('took', ['t'], 'a duration', false, true),
  catColumn('epoch', ['e'], 'seconds', false),
];
const rows: CatRow[] = [
  { name: 'b', size: bytesCell(2048), took: timeCell(1500), epoch: 1 },
  { name: 'a', size: bytesCell(512), took: timeCell(20), epoch: 2 },
  { name: 'c', size: null, took: timeCell(60_000), epoch: 3 },
];

test('text: default columns, v headers right-aligned with their column, h aliases as headers', () => {
  assert.equal(renderCat(request({ v: 'true' }), columns, rows).body, 'name size\nb     2kb\na    512b\nc        \n');
  assert.equal(renderCat(request({ h: 'n,sz,t', v: 'true', time: 'ms' }), columns, rows).body, 'n   sz     t\nb  2kb  1500\na 512b    20\nc      60000\n');
  assert.equal(renderCat(request({ h: 's*', bytes: 'b' }), columns, rows).body, '2048\n 512\n    \n');
  assert.equal(renderCat(request({ h: 'name,epoch', ts: 'false' }), columns, rows).body, 'b\na\nc\n');
});

test('s: raw values (sizes by bytes, durations by length), empty first, :desc and aliases', () => {
  const names = (query: Record<string, string>): unknown => (renderCat(request({ ...query, format: 'json', h: 'name' }), columns, rows).body as { name: string }[]).map((row) => row.name);
  assert.deepEqual(names({ s: 'size' }), ['c', 'a', 'b']);
  assert.deepEqual(names({ s: 'si:desc' }), ['b', 'a', 'c']);
  assert.deepEqual(names({ s: 't:asc' }), ['a', 'b', 'c']);
  assert.throws(() => renderCat(request({ s: 'nope' }), columns, rows), /Unable to sort by unknown sort key `nope`/);
});

test('json and yaml: strings keyed by the shown names; unknown formats as text; binary formats refused', () => {
  assert.deepEqual(renderCat(request({ format: 'json', h: 'n,size' }), columns, rows).body, [
    { n: 'b', size: '2kb' },
    { n: 'a', size: '512b' },
    { n: 'c', size: null },
  ]);
  const yaml = renderCat(request({ format: 'yaml', h: 'name,size', s: 'name' }), columns, rows);
  assert.equal(yaml.contentType, 'application/yaml');
  assert.equal(yaml.body, '---\n- name: "a"\n  size: "512b"\n- name: "b"\n  size: "2kb"\n- name: "c"\n  size: null\n');
  assert.equal(renderCat(request({ format: 'yaml' }), columns, []).body, '--- []\n');
  assert.equal(renderCat(request({ format: 'something', h: 'name' }), columns, rows.slice(0, 1)).body, 'b\n');
  assert.throws(() => renderCat(request({ format: 'cbor' }), columns, rows), /Unsupported format \[cbor\]/);
});

test('help: name, aliases and description of every column', () => {
  assert.equal(renderCat(request({ help: 'true' }), columns, rows).body, 'name  | n     | the name\nsize  | si,sz | a size\ntook  | t     | a duration\nepoch | e     | seconds\n');
});

test('master_timeout: a time value, or the parse error Elasticsearch gives', () => {
  assert.equal(renderCat(request({ master_timeout: '30s', h: 'name' }), columns, rows.slice(0, 1)).body, 'b\n');
  assert.throws(() => renderCat(request({ master_timeout: 'soon' }), columns, rows), /failed to parse setting \[master_timeout\] with value \[soon\] as a time value/);
});
