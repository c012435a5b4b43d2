// The shard store hooks replication needs: a promoted copy writes under its new primary term
// (persisted, never lower), and a peer recovery's full copy ends without marking the shard as a
// cross-cluster replication bootstrap.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { makeTempDir } from '../../harness/cluster.js';

test('raisePrimaryTerm: later writes carry the new term, it survives reopening, and it never goes back', () => {
  const file = path.join(makeTempDir('strait-store-term-'), 'shard-0.db');
  const store = ShardStore.open(file, { indexUuid: 'u', durability: 'async' });
  assert.equal(store.index('a', '{}', 1).primaryTerm, 1);
  store.raisePrimaryTerm(3);
  assert.deepEqual(store.index('b', '{}', 1), { seqNo: 1, primaryTerm: 3 });
  assert.throws(() => store.raisePrimaryTerm(2), /primary terms never go back/);
  store.close();
  const reopened = ShardStore.open(file, { indexUuid: 'u', durability: 'async' });
  assert.equal(reopened.primaryTerm, 3);
  reopened.close();
});

test('finishImport for a peer recovery sets max_seq_no without the bootstrap marker', () => {
  const dir = makeTempDir('strait-store-import-');
  const recovered = ShardStore.open(path.join(dir, 'r.db'), { indexUuid: 'u', durability: 'async' });
  recovered.importDocuments([{ id: 'x', source: '{"n":1}', seqNo: 4, primaryTerm: 2, version: 3 }]);
  recovered.finishImport(6, 'peer_recovery');
  assert.equal(recovered.maxSeqNo, 6);
  assert.equal(recovered.bootstrapped, false);
  assert.equal(recovered.get('x')?.version, 3);
  recovered.close();
  const follower = ShardStore.open(path.join(dir, 'f.db'), { indexUuid: 'u', durability: 'async' });
  follower.finishImport(0);
  assert.equal(follower.bootstrapped, true);
  follower.close();
});

test('importDocuments stores every document as given, many rows per statement and the rest one by one, a later copy of an id winning', () => {
  const dir = makeTempDir('strait-store-import-many-');
  const store = ShardStore.open(path.join(dir, 'i.db'), { indexUuid: 'u', durability: 'async' });
  const documents = Array.from({ length: 150 }, (_, n) => ({ id: `d${n}`, source: `{"n":${n},"t":"ü${n}"}`, seqNo: n, primaryTerm: 1 + (n % 3), version: 1 + (n % 5), ...(n % 7 === 0 ? { routing: `r${n}` } : {}) }));
  // d3 comes again later in the same call, with a newer copy: the later one is kept.
  store.importDocuments([...documents, { id: 'd3', source: '{"n":"again"}', seqNo: 200, primaryTerm: 2, version: 9 }]);
  for (const document of documents) {
    if (document.id === 'd3') continue;
    assert.deepEqual(store.get(document.id), document, document.id);
  }
  assert.deepEqual(store.get('d3'), { id: 'd3', source: '{"n":"again"}', seqNo: 200, primaryTerm: 2, version: 9 });
  assert.equal(store.docCount(), 150);
  store.close();
});
