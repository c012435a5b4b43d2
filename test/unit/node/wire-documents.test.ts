/**
 * Pure pieces of the multi-node document routing (issue #14, wiring step 3; src/node/wire-documents.ts):
 * - `_shards` of a write as Elasticsearch's ReplicationResponse.ShardInfo renders it (docs-index_.html
 *   response body: `total` is how many shard copies the operation should run on, unassigned replicas
 *   included, `successful` how many ran it, `failures` the failed replicas); a noop update keeps
 *   its zeros (docs-update.html: "result": "noop" with `_shards` 0/0/0).
 * - the NDJSON a coordinating node sends a primary: the concrete index, id and routing it
 *   resolved, without what only the coordinating node runs (pipelines, require_alias, ...).
 * - the started primary's node of a shard, for one incarnation (uuid) of the index.
 * - the TimeValue text of unavailable_shards_exception ("Timeout: [1m]").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyClusterState, type ClusterState, type ShardRouting } from '../../../src/cluster/state.js';
import { parseBulkBody } from '../../../src/index/documents.js';
import { activeShardsShortfall, formatTimeout, mappingRetryWaitMs, parseActiveShardCount, shardBulkLines, startedPrimaryNode, withShardCounts } from '../../../src/node/wire-documents.js';

const target = { indexUuid: 'u1', index: 'books', shard: 1 };

test('a write answers the true copy counts; unassigned replicas count in total; a noop and a failed item are left as they are', () => {
  const written = { _index: 'books', _id: '1', result: 'created', _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: 0 };
  assert.deepEqual(withShardCounts(written, { total: 2, successful: 2, failed: 0, failures: [] }, target, 2)['_shards'], { total: 2, successful: 2, failed: 0 });
  // 2 replicas, one unassigned: the write went to 2 copies out of 3.
  assert.deepEqual(withShardCounts(written, { total: 2, successful: 2, failed: 0, failures: [] }, target, 3)['_shards'], { total: 3, successful: 2, failed: 0 });
  const failed = withShardCounts(written, { total: 2, successful: 1, failed: 1, failures: [{ allocationId: 'r1', reason: 'node_disconnected_exception: gone' }] }, target, 2)['_shards'] as any;
  assert.equal(failed.failed, 1);
  assert.equal(failed.failures[0]._index, 'books');
  assert.equal(failed.failures[0]._shard, 1);
  assert.equal(failed.failures[0].primary, false);
  const noop = { _index: 'books', _id: '1', result: 'noop', _shards: { total: 0, successful: 0, failed: 0 } };
  assert.deepEqual(withShardCounts(noop, { total: 2, successful: 1, failed: 0, failures: [] }, target, 2), noop);
  const error = { _index: 'books', _id: '1', status: 409, error: { type: 'version_conflict_engine_exception' } };
  assert.deepEqual(withShardCounts(error, { total: 2, successful: 1, failed: 0, failures: [] }, target, 2), error);
});

test('a shard bulk item names the resolved index, id and routing, and drops what the coordinating node ran', () => {
  const [index, remove] = parseBulkBody(
    `${JSON.stringify({ index: { _index: 'alias', pipeline: 'p', require_alias: true, routing: 'r0', if_seq_no: 3, if_primary_term: 1, dynamic_templates: { a: 't' } } })}\n{"a":1}\n${JSON.stringify({ delete: { _index: 'books', _id: 'x' } })}\n`,
    { index: undefined, requireAlias: false, sourceFilter: undefined },
  );
  const lines = shardBulkLines(index!, 'books-000001', 'generated', 'r1').split('\n');
  assert.deepEqual(JSON.parse(lines[0]!), { index: { if_seq_no: 3, if_primary_term: 1, dynamic_templates: { a: 't' }, _index: 'books-000001', _id: 'generated', routing: 'r1' } });
  assert.deepEqual(JSON.parse(lines[1]!), { a: 1 });
  assert.equal(lines.length, 3);
  // A delete is one line; it parses back to the same operation.
  const deleted = shardBulkLines(remove!, 'books', 'x', undefined);
  assert.equal(deleted, `${JSON.stringify({ delete: { _index: 'books', _id: 'x' } })}\n`);
  const [parsed] = parseBulkBody(deleted, { index: undefined, requireAlias: false, sourceFilter: undefined });
  assert.equal(parsed!.operation, 'delete');
  assert.equal(parsed!.id, 'x');
});

function stateWith(copies: ShardRouting[], uuid = 'u1'): ClusterState {
  const empty = emptyClusterState('strait', 'cu');
  return {
    ...empty,
    version: 3,
    metadata: {
      ...empty.metadata,
      indices: {
        books: {
          version: 1, mapping_version: 1, settings_version: 1, aliases_version: 1, routing_num_shards: 1024, state: 'open',
          settings: { 'index.number_of_shards': '2', 'index.uuid': uuid }, mappings: {}, aliases: {},
          primary_terms: { '0': 1, '1': 1 }, in_sync_allocations: { '0': [], '1': [] },
        },
      },
    },
    routing_table: { indices: { books: { shards: { '1': copies } } } },
  };
}

const copy = (primary: boolean, node: string | null, state: ShardRouting['state']): ShardRouting => ({ state, primary, node, relocating_node: null, shard: 1, index: 'books', ...(node !== null ? { allocation_id: { id: `${node}-a` } } : {}) });

test('writes go to the node of a started primary of the same index incarnation only', () => {
  assert.equal(startedPrimaryNode(stateWith([copy(true, 'n1', 'STARTED'), copy(false, 'n2', 'INITIALIZING')]), target), 'n1');
  assert.equal(startedPrimaryNode(stateWith([copy(true, 'n1', 'INITIALIZING'), copy(false, null, 'UNASSIGNED')]), target), undefined);
  assert.equal(startedPrimaryNode(stateWith([copy(true, null, 'UNASSIGNED')]), target), undefined);
  // The index was deleted and made again: the old incarnation has no primary any more.
  assert.equal(startedPrimaryNode(stateWith([copy(true, 'n1', 'STARTED')], 'u2'), target), undefined);
});

test('the timeout of unavailable_shards_exception prints as a TimeValue', () => {
  assert.equal(formatTimeout(60_000), '1m');
  assert.equal(formatTimeout(1_000), '1s');
  assert.equal(formatTimeout(1_500), '1500ms');
  assert.equal(formatTimeout(7_200_000), '2h');
  assert.equal(formatTimeout(0), '0ms');
});

test('wait_for_active_shards parses as ActiveShardCount.parseString; default is the index setting, else 1', () => {
  assert.equal(parseActiveShardCount(undefined, undefined), 1);
  assert.equal(parseActiveShardCount('default', '2'), 2);
  assert.equal(parseActiveShardCount(undefined, 'all'), 'all');
  assert.equal(parseActiveShardCount('all', '2'), 'all');
  assert.equal(parseActiveShardCount('0', undefined), 0);
  assert.throws(() => parseActiveShardCount('many', undefined), (error: any) => error.type === 'illegal_argument_exception' && error.message === 'cannot parse ActiveShardCount[many]');
  assert.throws(() => parseActiveShardCount('-2', undefined), (error: any) => error.message === 'shard count cannot be a negative value');
});

test('a write waits until enough copies of its shard are active (ReplicationOperation.checkActiveShardCount)', () => {
  const yellow = stateWith([copy(true, 'n1', 'STARTED'), copy(false, null, 'UNASSIGNED')]);
  assert.equal(activeShardsShortfall(yellow, target, 1), undefined);
  assert.equal(activeShardsShortfall(yellow, target, 'all'), 'Not enough active copies to meet shard count of [ALL] (have 1, needed 2).');
  assert.equal(activeShardsShortfall(yellow, target, 2), 'Not enough active copies to meet shard count of [2] (have 1, needed 2).');
  assert.equal(activeShardsShortfall(stateWith([copy(true, 'n1', 'STARTED'), copy(false, 'n2', 'STARTED')]), target, 'all'), undefined);
});

test('a document that still needs a mapping update after the master answered waits for a newer state first, backing off from 10 ms to at most 1 s (then again, up to its timeout)', () => {
  assert.deepEqual([1, 2, 3, 4, 8, 9, 50, 10_000].map(mappingRetryWaitMs), [0, 10, 20, 40, 640, 1000, 1000, 1000]);
});
