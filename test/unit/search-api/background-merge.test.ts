// Merges run after the refresh that needed them, one step per event-loop turn, so a refresh never
// blocks the node for a merge (issue 13). Merging keeps every live document in order, so hits,
// scores (no deletes here) and buckets are the same before and after; a node stopping with merges
// pending still persists its segments, and a restart finds every document.
// https://www.elastic.co/guide/en/elasticsearch/reference/current/index-modules-merge.html
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { allSourceTexts, buildSegment, buildSliceDocs, deserializeSegment, serializeSegment } from '../../../src/index/engine/index.js';
import { loadSearcherFiles, mergePolicy, refreshLimits, searcherDirectory } from '../../../src/index/searcher/index.js';
import { writeSegmentFilesStepwise } from '../../../src/index/searcher/searcher-files.js';
import { openSearchHarness, type SearchHarness } from './harness.js';
import { indexDocument } from '../../../src/index/documents.js';

const words = ['alpha', 'beta', 'gamma', 'delta'];
const refreshes = mergePolicy.segmentsPerMergeMax + 3;
// The refreshes' small segments are one level: ten of them merge into one.
const mergedCount = refreshes - mergePolicy.segmentsPerMergeMax + 1;

async function searchAll(harness: SearchHarness): Promise<{ hits: unknown; buckets: unknown }> {
  const response = await harness.call('POST', '/:index/_search', {
    params: { index: 'logs' },
    body: { size: 100, query: { match: { body: 'alpha gamma' } }, aggs: { tags: { terms: { field: 'tag' } } } },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return { hits: response.body.hits, buckets: response.body.aggregations.tags.buckets };
}

test('a refresh leaves merging to later event-loop turns; results are the same before and after the merges', async (t) => {
  const harness = openSearchHarness(t);
  assert.equal((await harness.call('PUT', '/:index', { params: { index: 'logs' }, body: { settings: { refresh_interval: '-1' }, mappings: { properties: { body: { type: 'text' }, tag: { type: 'keyword' } } } } })).status, 200);
  const handle = harness.service.get('logs')!;
  // Written and refreshed in one turn (a `_bulk` answers over several turns, in which merges may
  // already run): one segment per batch, and no turn yet for the merges.
  for (let batch = 0; batch < refreshes; batch++) {
    for (let index = 0; index < 5; index++) {
      const n = batch * 5 + index;
      indexDocument(harness.service, { target: 'logs', id: `d${n}`, source: { body: `${words[n % 4]} ${words[(n * 7) % 4]} ${words[(n * 3) % 4]}`, tag: `t${n % 3}` }, opType: 'index' });
    }
    harness.service.refresh(handle);
  }
  const before = harness.searchers.snapshot(handle, 0);
  assert.ok(before.state.segments.length > mergedCount, `the refresh returned before merging (${before.state.segments.length} segments)`);
  const resultsBefore = await searchAll(harness);
  for (let turn = 0; turn < 20 && harness.searchers.snapshot(handle, 0).state.segments.length > mergedCount; turn++) await nextTurn();
  const after = harness.searchers.snapshot(handle, 0);
  assert.equal(after.state.segments.length, mergedCount, `merges ran in later turns (${after.state.segments.length} segments)`);
  assert.deepEqual(after.state.segments.flatMap((segment) => segment.ids), before.state.segments.flatMap((segment) => segment.ids), 'every document kept, in order');
  assert.deepEqual(await searchAll(harness), resultsBefore);
});

test('stopping with merges pending persists the segments; a restart finds every document', async (t) => {
  let harness = openSearchHarness(t);
  assert.equal((await harness.call('PUT', '/:index', { params: { index: 'logs' }, body: { settings: { refresh_interval: '-1' }, mappings: { properties: { body: { type: 'text' }, tag: { type: 'keyword' } } } } })).status, 200);
  for (let batch = 0; batch < refreshes; batch++) await harness.index('logs', { [`d${batch}`]: { body: words[batch % 4], tag: `t${batch % 3}` } });
  const resultsBefore = await searchAll(harness);
  const uuid = harness.service.get('logs')!.uuid;
  harness = harness.reopen(); // no turn passed: merges and persisting were still pending
  const persisted = loadSearcherFiles(searcherDirectory(harness.service.indexDirectory(uuid)), uuid);
  assert.equal(persisted?.refreshedSeqNo, refreshes - 1, 'the stop wrote the refreshed segments');
  assert.deepEqual(await searchAll(harness), resultsBefore);
  const count = await harness.call('GET', '/:index/_count', { params: { index: 'logs' } });
  assert.equal(count.body.count, refreshes);
});

test('persisting waits until the shard is idle, then writes segments first and the manifest last; a stop before it still restarts with every document', async (t) => {
  let harness = openSearchHarness(t);
  assert.equal((await harness.call('PUT', '/:index', { params: { index: 'logs' }, body: { settings: { refresh_interval: '-1' }, mappings: { properties: { body: { type: 'text' }, tag: { type: 'keyword' } } } } })).status, 200);
  const handle = harness.service.get('logs')!;
  const directory = searcherDirectory(harness.service.indexDirectory(handle.uuid));
  const idle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, refreshLimits.persistAfterIdleMs + 300));
  await harness.index('logs', { first: { body: 'alpha', tag: 't0' } });
  for (let turn = 0; turn < 10; turn++) await nextTurn();
  assert.equal(loadSearcherFiles(directory, handle.uuid), undefined, 'a shard refreshed just now is not persisted yet');
  await idle();
  assert.equal(loadSearcherFiles(directory, handle.uuid)?.refreshedSeqNo, 0, 'once idle, the refresh was persisted');
  for (let batch = 0; batch < 3; batch++) await harness.index('logs', { [`d${batch}`]: { body: words[batch], tag: `t${batch}` } });
  await idle();
  assert.equal(loadSearcherFiles(directory, handle.uuid)?.refreshedSeqNo, 3, 'then the manifest names them all');
  await harness.index('logs', { last: { body: 'delta', tag: 't3' } });
  harness = harness.reopen(); // stopped before the shard went idle: the stop persists
  assert.equal(loadSearcherFiles(directory, handle.uuid)?.refreshedSeqNo, 4);
  const count = await harness.call('GET', '/:index/_count', { params: { index: 'logs' } });
  assert.equal(count.body.count, 5);
});

test('a segment file written piece by piece is byte for byte the one-buffer serialization; stopped part-way, it is not a valid segment', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'strait-seg-'));
  try {
    const texts = Array.from({ length: 40_000 }, (_, doc) => `{"n":${doc},"body":"${words[doc % 4]} ${'x'.repeat(doc % 50)}"}`);
    const segment = buildSegment(
      texts.map((source, docId) => ({ docId, id: `d${docId}`, source, fields: { body: [`${words[docId % 4]} ${words[(docId * 7) % 4]}`], tag: [`t${docId % 3}`] } })),
      { body: { type: 'text' }, tag: { type: 'keyword' } },
      { name: '_7', maxSeqNo: texts.length - 1 },
    );
    const metadata = { seqNos: new Float64Array(texts.length), versions: new Float64Array(texts.length).fill(1), primaryTerms: new Float64Array(texts.length).fill(1) };
    const partial = writeSegmentFilesStepwise(directory, segment, metadata);
    for (let step = 0; step < 3; step++) assert.equal(partial.next().done, false, 'a large segment takes several pieces');
    partial.return();
    assert.throws(() => deserializeSegment(readFileSync(path.join(directory, '_7.seg'))));
    const whole = writeSegmentFilesStepwise(directory, segment, metadata);
    let steps = 0;
    while (whole.next().done !== true) steps++;
    assert.ok(steps > 3, `written in ${steps} pieces`);
    const bytes = readFileSync(path.join(directory, '_7.seg'));
    assert.ok(bytes.equals(serializeSegment(segment)));
    assert.deepEqual(allSourceTexts(deserializeSegment(bytes).sources), texts);
    assert.deepEqual(readdirSync(directory).sort(), ['_7.meta', '_7.seg']);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a scheduled refresh builds its segment a slice per event-loop turn and shows it all at once; a refresh somebody waits for finishes it first', async (t) => {
  const harness = openSearchHarness(t);
  assert.equal((await harness.call('PUT', '/:index', { params: { index: 'logs' }, body: { settings: { refresh_interval: '-1' }, mappings: { properties: { body: { type: 'text' }, tag: { type: 'keyword' } } } } })).status, 200);
  const handle = harness.service.get('logs')!;
  const total = buildSliceDocs * 10 + 10;
  const batch = (prefix: string): Record<string, Record<string, unknown>> =>
    Object.fromEntries(Array.from({ length: total }, (_, n) => [`${prefix}${n}`, { body: words[n % 4], tag: `t${n % 3}` }]));
  await harness.index('logs', batch('a'), { refresh: false });
  const before = harness.searchers.snapshot(handle, 0).state;
  harness.service.refresh(handle, true); // what index.refresh_interval does
  assert.equal(harness.searchers.snapshot(handle, 0).state.refreshedSeqNo, before.refreshedSeqNo, 'nothing is visible in the turn the scheduled refresh started');
  assert.equal(harness.searchers.snapshot(handle, 0).state.segments, before.segments);
  await nextTurn();
  assert.equal(harness.searchers.snapshot(handle, 0).state.refreshedSeqNo, before.refreshedSeqNo, 'not after one chunk either');
  for (let turn = 0; turn < 100 && harness.searchers.snapshot(handle, 0).state.refreshedSeqNo < handle.shards![0]!.maxSeqNo; turn++) await nextTurn();
  const after = harness.searchers.snapshot(handle, 0).state;
  assert.equal(after.refreshedSeqNo, handle.shards![0]!.maxSeqNo);
  assert.equal(after.segments.length, 1, 'one segment, built over several turns');
  const count = await harness.call('GET', '/:index/_count', { params: { index: 'logs' } });
  assert.equal(count.body.count, total);
  // Updates of every document, refreshed on schedule, then a refresh that is waited for in between.
  await harness.index('logs', batch('a'), { refresh: false });
  harness.service.refresh(handle, true);
  await nextTurn();
  harness.service.refresh(handle); // the refresh API: everything visible when it returns
  assert.equal(harness.searchers.snapshot(handle, 0).state.refreshedSeqNo, handle.shards![0]!.maxSeqNo);
  const ids = harness.searchers.snapshot(handle, 0).state.segments.flatMap((segment) => segment.ids.filter((_, doc) => segment.liveDocs === null || (segment.liveDocs[doc >>> 5]! & (1 << (doc & 31))) !== 0));
  assert.equal(ids.length, total, 'each updated document is live once');
  assert.equal(new Set(ids).size, total);
});
