/**
 * The multi-node point in time id (src/search/multi-node-pit-id.ts): it names, for every shard, the
 * node holding its reader context and the context's id there, as Elasticsearch's point in time id
 * encodes each shard's node and context (point-in-time-api.html). An id we could not have issued is
 * Elasticsearch's 400 `illegal_argument_exception` "invalid id: [..]", never a 5xx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/errors.js';
import { contextsOf, decodeMultiNodePitId, encodeMultiNodePitId } from '../../../src/search/multi-node-pit-id.js';
import { encodePitId } from '../../../src/search/pit.js';
import { encodeOpaqueId } from '../../../src/search/scroll.js';

const a = encodePitId('aaaa');
const b = encodePitId('bbbb');
const shards = [
  { index: 'books', shard: 0, node: 'n1', context: a },
  { index: 'books', shard: 2, node: 'n1', context: a },
  { index: 'books', shard: 1, node: 'n2', context: b },
  { index: 'films', shard: 0, node: 'n2', context: encodePitId('cccc') },
];

test('a multi-node point in time id round-trips every shard with its node and context', () => {
  assert.deepEqual(decodeMultiNodePitId(encodeMultiNodePitId(shards)), shards);
  assert.deepEqual(decodeMultiNodePitId(encodeMultiNodePitId([])), [], 'a point in time over no index');
});

test('other ids are not multi-node ones: a single node\'s point in time id, a cross-cluster one, garbage', () => {
  assert.equal(decodeMultiNodePitId(a), undefined);
  assert.equal(decodeMultiNodePitId('not an id'), undefined);
  assert.equal(decodeMultiNodePitId(encodeOpaqueId('strait-ccs-pit:', '{}')), undefined);
});

test('a forged or malformed multi-node id is a 400 invalid id', () => {
  const forged = (body: string): string => encodeOpaqueId('strait-mn-pit:', body);
  for (const body of [
    'not json',
    '{}',
    '{"shards":{}}',
    '{"shards":[["books",0,"n1"]]}',
    '{"shards":[["books",-1,"n1","x"]]}',
    `{"shards":[["books",0.5,"n1",${JSON.stringify(a)}]]}`,
    `{"shards":[["",0,"n1",${JSON.stringify(a)}]]}`,
    `{"shards":[["books",0,"",${JSON.stringify(a)}]]}`,
    '{"shards":[["books",0,"n1","not-a-context"]]}',
    `{"shards":[["books",0,"n1",${JSON.stringify(a)}],["books",0,"n2",${JSON.stringify(b)}]]}`,
  ]) {
    const id = forged(body);
    assert.throws(
      () => decodeMultiNodePitId(id),
      (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'illegal_argument_exception' && error.reason === `invalid id: [${id}]`,
      body,
    );
  }
});

test('contextsOf groups the shards by node, context and index', () => {
  assert.deepEqual(contextsOf(shards), [
    { node: 'n1', index: 'books', context: a, shards: [0, 2] },
    { node: 'n2', index: 'books', context: b, shards: [1] },
    { node: 'n2', index: 'films', context: encodePitId('cccc'), shards: [0] },
  ]);
});
