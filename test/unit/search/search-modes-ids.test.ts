// Point in time bookkeeping and the opaque ids of cross-cluster scrolls and points in time (pure parts).
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/point-in-time-api.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { decodePitId, encodePitId, parsePitKeepAlive, PointInTimeRegistry } from '../../../src/search/pit.js';
import { decodeCrossClusterPitId, pitIdOf } from '../../../src/search/ccs-pit.js';
import { decodeCrossClusterScrollId } from '../../../src/search/ccs-scroll.js';
import { encodeScrollId } from '../../../src/search/scroll.js';

const pinned = [{ name: 'a', uuid: 'u1', snapshots: [{} as never] }, { name: 'b', uuid: 'u2', snapshots: [{} as never] }];

test('point in time registry: use renews the keep-alive; expiry and close free it; close counts shard contexts', () => {
  const registry = new PointInTimeRegistry();
  registry.open('p', pinned, 1000, 0);
  assert.equal(registry.use('p', undefined, 900)?.length, 2);
  assert.equal(registry.use('p', 5000, 1800)?.length, 2); // renewed at 900 to 1900, now 5s from 1800
  assert.equal(registry.peek('p', 6700)?.length, 2);
  assert.equal(registry.use('p', undefined, 6900), undefined);
  registry.open('q', pinned, 1000, 0);
  assert.equal(registry.close('q'), 2);
  assert.equal(registry.close('q'), 0);
});

test('point in time registry: too many open is a 429; keep_alive is required and bounded', () => {
  const registry = new PointInTimeRegistry(1);
  registry.open('p', pinned, 1000, 0);
  assert.throws(() => registry.open('q', pinned, 1000, 0), (error: EsError) => error.status === 429);
  assert.throws(() => parsePitKeepAlive(undefined), (error: EsError) => error.type === 'action_request_validation_exception');
  assert.throws(() => parsePitKeepAlive('2d'), (error: EsError) => error.status === 400);
  assert.equal(parsePitKeepAlive('1m'), 60_000);
});

test('ids: a point in time id round-trips; anything else is a 400; cross-cluster ids are told apart', () => {
  assert.equal(decodePitId(encodePitId('abc')), 'abc');
  assert.throws(() => decodePitId('nope!'), (error: EsError) => error.status === 400);
  assert.equal(decodeCrossClusterPitId(encodePitId('abc')), undefined);
  assert.equal(decodeCrossClusterScrollId(encodeScrollId('abc')), undefined);
  const crossCluster = Buffer.from(`strait-ccs-pit:${JSON.stringify({ local: 'L', remotes: { rc: 'R' } })}`).toString('base64url');
  assert.deepEqual(decodeCrossClusterPitId(crossCluster), { local: 'L', remotes: { rc: 'R' } });
  const broken = Buffer.from('strait-ccs-pit:{"remotes":{"rc":1}}').toString('base64url');
  assert.throws(() => decodeCrossClusterPitId(broken), (error: EsError) => error.status === 400);
  assert.equal(pitIdOf({ pit: { id: 'x' } }), 'x');
  assert.equal(pitIdOf({ query: {} }), undefined);
  assert.equal(pitIdOf(undefined), undefined);
});
