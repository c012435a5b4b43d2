// A restore session serves a follower's bootstrap its documents three ways: in id order with their
// sources (as always), in id order without them (`without_sources`: ids, numbers and each source's
// UTF-8 length, for a follower that stores the documents from the copied segment files), and by id
// with their sources (`ids`: what the files did not hold). Malformed requests are 400s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaderLimits, type LeaderAuthorizer } from '../../../src/ccr/leader.js';
import { decodeDocumentColumns } from '../../../src/ccr/document-columns.js';
import { openLeaderHarness } from './leader-harness.js';

const access: LeaderAuthorizer = { allowsIndex: () => true, model: 'none' };

test('a restore session describes its documents without sources, and answers named ones with theirs', async (t) => {
  const { h, leader } = openLeaderHarness(t);
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'lead' } })).status, 200);
  await h.index('lead', { a: { t: 'plain' }, b: { t: 'ünïcödé ☃' }, c: { t: 'gone' } });
  assert.equal((await h.call('PUT', '/:index/_doc/:id', { params: { index: 'lead', id: 'r' }, query: { routing: 'blue' }, body: { t: 'routed' } })).status, 201);
  assert.equal((await h.call('DELETE', '/:index/_doc/:id', { params: { index: 'lead', id: 'c' } })).status, 200);
  const session = (await leader.restoreSessionPut({ index: 'lead', shard: 0 }, access)) as { session_uuid: string };
  const chunk = (body: Record<string, unknown>) => leader.restoreFileChunk({ index: 'lead', session_uuid: session.session_uuid, ...body }, access);

  const full = (await chunk({ after_id: '', max_docs: 10 })) as { documents: { id: string; source: string; seqNo: number; version: number; routing?: string }[] };
  assert.deepEqual(full.documents.map((document) => document.id), ['a', 'b', 'r']);
  const described = (await chunk({ after_id: '', max_docs: 2, without_sources: true })) as { document_columns: unknown; documents?: unknown };
  assert.equal(described.documents, undefined, 'no sources');
  const page = decodeDocumentColumns(described.document_columns);
  assert.deepEqual(
    page,
    full.documents.slice(0, 2).map(({ id, seqNo, primaryTerm, version }: { id: string; seqNo: number; primaryTerm?: number; version: number }) => ({ id, seqNo, primaryTerm, version, sourceBytes: Buffer.byteLength(full.documents.find((document) => document.id === id)!.source) })),
  );
  const rest = decodeDocumentColumns(((await chunk({ after_id: 'b', max_docs: 10, without_sources: true })) as { document_columns: unknown }).document_columns);
  assert.deepEqual(rest.map((document) => [document.id, document.routing]), [['r', 'blue']]);
  assert.deepEqual(decodeDocumentColumns(((await chunk({ after_id: 'r', max_docs: 10, without_sources: true })) as { document_columns: unknown }).document_columns), []);

  const named = (await chunk({ ids: ['r', 'a', 'c'] })) as { documents: unknown[] };
  assert.deepEqual(named.documents, [full.documents[2], full.documents[0]], 'in the order asked, a deleted one left out');

  for (const ids of ['a', [1], Array.from({ length: leaderLimits.restoreChunkDocsMax + 1 }, (_, n) => `d${n}`)]) {
    await assert.rejects(chunk({ ids }), (error: { status?: number; type?: string }) => error.status === 400 && error.type === 'bad_request', JSON.stringify(ids).slice(0, 40));
  }
});
