/**
 * IndicesService.resetShard (issue #14): a peer recovery's full copy (Elasticsearch's
 * RecoveryTarget cleaning the store before the files arrive) drops one shard copy's documents and
 * history and starts it empty; the index's other shards keep theirs, and what search built from the
 * old store is dropped, so a search never answers for documents the copy no longer holds.
 * createIndex with a given uuid: a multi-node node creates the published index under its uuid.
 * releaseShard: a multi-node node deletes every file of a shard it no longer holds a copy of
 * (Elasticsearch's IndicesStore deletes the shard's directory), and makes none again for it at a
 * reopen or start until it is given a copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openHarness } from '../index-routes/harness.js';
import { routingLayoutOf, shardNumber } from '../../../src/index/routing.js';

test('resetting one shard empties that copy only; search forgets what it built from it', async (t) => {
  const harness = openHarness(t);
  assert.equal((await harness.call('PUT', '/:index', { params: { index: 'two' }, body: { settings: { number_of_shards: 2 } } })).status, 200);
  const handle = harness.service.get('two')!;
  const layout = routingLayoutOf(handle.metadata.settings);
  const ids = Array.from({ length: 20 }, (_, i) => `d${i}`);
  for (const id of ids) assert.equal((await harness.call('PUT', '/:index/_doc/:id', { params: { index: 'two', id }, body: { id } })).status, 201);
  await harness.call('POST', '/:index/_refresh', { params: { index: 'two' } });
  const onShard = (shard: number): string[] => ids.filter((id) => shardNumber(layout, id) === shard);
  assert.ok(onShard(0).length > 0 && onShard(1).length > 0);
  assert.equal((await harness.call('GET', '/:index/_count', { params: { index: 'two' } })).body.count, 20);

  const resets: number[] = [];
  harness.service.addListener({ shardReset: (_, shard) => resets.push(shard) });
  const fresh = harness.service.resetShard(handle, 0);
  assert.deepEqual(resets, [0]);
  assert.equal(fresh.maxSeqNo, -1);
  assert.equal(fresh.docCount(), 0);
  assert.equal(harness.service.get('two')!.shards![0], fresh, 'the index reads the new store');
  assert.equal(harness.service.get('two')!.shards![1]!.docCount(), onShard(1).length, 'the other shard keeps its documents');
  // Realtime GET and search both see the empty copy.
  assert.equal((await harness.call('GET', '/:index/_doc/:id', { params: { index: 'two', id: onShard(0)[0]! } })).status, 404);
  assert.equal((await harness.call('GET', '/:index/_doc/:id', { params: { index: 'two', id: onShard(1)[0]! } })).status, 200);
  await harness.call('POST', '/:index/_refresh', { params: { index: 'two' } });
  assert.equal((await harness.call('GET', '/:index/_count', { params: { index: 'two' } })).body.count, onShard(1).length);
  // The reset copy takes writes again.
  assert.equal((await harness.call('PUT', '/:index/_doc/:id', { params: { index: 'two', id: onShard(0)[0]! }, body: { again: true } })).status, 201);
});

test('an index created with a given uuid carries it (files and metadata)', (t) => {
  const harness = openHarness(t);
  const handle = harness.service.createIndex('given', undefined, { uuid: 'published-uuid-1' });
  assert.equal(handle.uuid, 'published-uuid-1');
  assert.equal(harness.service.get('given')!.uuid, 'published-uuid-1');
  assert.match(harness.service.openShardOf(handle, 0).file, /published-uuid-1/);
});

test('releasing a shard deletes its database, write-ahead log and segment files; an empty stand-in answers until a copy makes the file again', async (t) => {
  const harness = openHarness(t, { missingShardFilesStayAbsent: true });
  assert.equal((await harness.call('PUT', '/:index', { params: { index: 'gone' }, body: { settings: { number_of_shards: 2 } } })).status, 200);
  for (let i = 0; i < 10; i++) assert.equal((await harness.call('PUT', '/:index/_doc/:id', { params: { index: 'gone', id: `d${i}` }, body: { i } })).status, 201);
  await harness.call('POST', '/:index/_refresh', { params: { index: 'gone' } });
  const handle = harness.service.get('gone')!;
  const directory = harness.service.indexDirectory(handle.uuid);
  const shardZeroFiles = (): string[] => readdirSync(directory).filter((name) => name.startsWith('shard-0.db') || name === 'searcher');
  assert.ok(shardZeroFiles().includes('shard-0.db'));
  const held = handle.shards![0]!.docCount();
  assert.ok(held > 0);

  const standIn = harness.service.releaseShard(handle, 0, 'moved away');
  assert.deepEqual(shardZeroFiles(), []);
  assert.equal(standIn.onDisk, false);
  assert.deepEqual([standIn.maxSeqNo, standIn.docCount(), standIn.sizeBytes()], [-1, 0, 0]);
  assert.ok(existsSync(path.join(directory, 'shard-1.db')), 'the other shard keeps its file');
  // Closed and opened again (a node start opens the same way): no file is made for the released shard.
  assert.equal((await harness.call('POST', '/:index/_close', { params: { index: 'gone' } })).status, 200);
  assert.equal((await harness.call('POST', '/:index/_open', { params: { index: 'gone' } })).status, 200);
  assert.deepEqual(shardZeroFiles(), []);
  assert.equal(harness.service.get('gone')!.shards![0]!.onDisk, false);
  assert.equal(harness.service.get('gone')!.shards![1]!.docCount(), 10 - held);
  // A copy given to the node again: resetShard makes the file, which takes writes.
  const fresh = harness.service.resetShard(harness.service.get('gone')!, 0);
  assert.equal(fresh.onDisk, true);
  assert.ok(existsSync(path.join(directory, 'shard-0.db')));
});
