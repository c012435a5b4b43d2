/**
 * A cross-cluster scroll asks each cluster for its page from the hits received so far
 * (src/search/ccs-scroll.ts), so a page whose answer was lost after the cluster advanced is asked
 * again rather than skipped. A cluster predating that (its answers name no offset) cannot answer
 * a page again: after a lost page the coordinator fails the scroll with a missing context (404)
 * instead of taking whatever page comes next. The integration test with a real connection closed
 * mid-page is in test/integration/search-modes.test.ts; here the remote is a second search
 * service's real scroll behind the ScrollRemotes boundary, answering as an older node does.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/paginate-search-results.html#scroll-search-results
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError, errors } from '../../../src/common/errors.js';
import { CrossClusterScrolls, type ScrollRemotes } from '../../../src/search/ccs-scroll.js';
import type { ClusterScrollNext, SearchAuthorizer } from '../../../src/search/search-service.js';
import { openSearchHarness } from '../search-api/harness.js';

const everything: SearchAuthorizer = { indices: () => undefined, allowsIndex: () => true };
const owner = { username: 'alice', realm: 'native' };
const remoteOwner = { username: 'alice', realm: 'remote:transport:native' };

test('a remote predating resendable pages: a page lost after it advanced fails the scroll with 404, never the next page', async (t) => {
  const local = openSearchHarness(t);
  const remote = openSearchHarness(t);
  await local.index('logs', { l1: { n: 1 } });
  await remote.index('logs', { r1: { n: 11 }, r2: { n: 12 }, r3: { n: 13 } });
  let loseNextAnswer = false;
  let resendNext = false;
  // The remote's real scroll, without offsets (as a node before them): every page advances it.
  const remotes: ScrollRemotes = {
    skipUnavailable: () => false,
    openScroll: async (alias, input) => remote.search.openScrollAsRemote(input, everything, remoteOwner, alias),
    scroll: async (_alias, scrollId, keepAlive) => {
      const { offset: _offset, ...page } = remote.search.scrollAsRemote(scrollId, keepAlive, remoteOwner, undefined);
      if (loseNextAnswer) {
        loseNextAnswer = false;
        throw errors.nodeDisconnected('far-1', '127.0.0.1:9300', 'indices:data/read/scroll');
      }
      if (resendNext) {
        // The remote client's own resend after a dropped connection, answered by the old node.
        resendNext = false;
        const again = remote.search.scrollAsRemote(scrollId, keepAlive, remoteOwner, undefined);
        return { scrollId: again.scrollId, hits: again.hits, tookMs: again.tookMs, resent: true } satisfies ClusterScrollNext;
      }
      return page;
    },
    clearScroll: async (_alias, ids) => remote.search.clearScroll(ids, remoteOwner).body['num_freed'] as number,
  };
  const scrolls = new CrossClusterScrolls(local.search, remotes, () => local.now, () => 'ctx');
  const plan = { local: 'logs', remotes: [{ alias: 'far', expression: 'logs' }] };
  const ids = (body: Record<string, unknown>) => (body['hits'] as { hits: { _id: string }[] }).hits.map((hit) => hit._id);

  const first = await scrolls.open({ expression: 'local:logs,far:logs', params: { scroll: '1m' }, body: { size: 1, sort: [{ n: 'desc' }] } }, plan, everything, owner, undefined);
  assert.deepEqual(ids(first), ['r3']);
  const scrollId = first['_scroll_id'] as string;
  // The remote computes r2's page, its answer is lost: the client sees the failure.
  loseNextAnswer = true;
  await assert.rejects(scrolls.scroll('ctx', scrollId, '1m', false, owner), (error: EsError) => error.type === 'node_disconnected_exception');
  // The retry cannot be answered exactly (the old remote would give r1 and r2 would be skipped): 404, every time.
  const uncertain = (error: EsError) =>
    error.status === 404 && error.type === 'search_phase_execution_exception' && error.causedBy?.type === 'search_context_missing_exception' && /cluster \[far\] may have advanced its scroll/.test(error.causedBy.message);
  await assert.rejects(scrolls.scroll('ctx', scrollId, '1m', false, owner), uncertain);
  await assert.rejects(scrolls.scroll('ctx', scrollId, '1m', false, owner), uncertain);
  assert.equal(await scrolls.clear('ctx', owner), 2);

  // The remote client's own resend answered by an old remote: the same 404 at once.
  const second = await scrolls.open({ expression: 'local:logs,far:logs', params: { scroll: '1m' }, body: { size: 1, sort: [{ n: 'desc' }] } }, plan, everything, owner, undefined);
  resendNext = true;
  await assert.rejects(scrolls.scroll('ctx', second['_scroll_id'] as string, '1m', false, owner), uncertain);
  await scrolls.clear('ctx', owner);

  // Without a lost page an old remote's pages are taken as they come: every hit once, in order.
  const third = await scrolls.open({ expression: 'local:logs,far:logs', params: { scroll: '1m' }, body: { size: 1, sort: [{ n: 'desc' }] } }, plan, everything, owner, undefined);
  const seen = ids(third);
  let latest = third['_scroll_id'] as string;
  for (let round = 0; round < 5; round++) {
    const page = await scrolls.scroll('ctx', latest, '1m', false, owner);
    seen.push(...ids(page));
    latest = page['_scroll_id'] as string;
  }
  assert.deepEqual(seen, ['r3', 'r2', 'r1', 'l1']);
});

test('each page\'s scroll id names its offset: the id whose answer was lost gets the same page again, an older id is a 404, an id naming no offset the next page', async (t) => {
  const local = openSearchHarness(t);
  const remote = openSearchHarness(t);
  await local.index('logs', { l1: { n: 1 }, l2: { n: 2 } });
  await remote.index('logs', { r1: { n: 11 }, r2: { n: 12 }, r3: { n: 13 } });
  const remotes: ScrollRemotes = {
    skipUnavailable: () => false,
    openScroll: async (alias, input) => remote.search.openScrollAsRemote(input, everything, remoteOwner, alias),
    scroll: async (_alias, scrollId, keepAlive, _caller, offset) => remote.search.scrollAsRemote(scrollId, keepAlive, remoteOwner, offset),
    clearScroll: async (_alias, ids) => remote.search.clearScroll(ids, remoteOwner).body['num_freed'] as number,
  };
  const scrolls = new CrossClusterScrolls(local.search, remotes, () => local.now, () => 'ctx');
  const plan = { local: 'logs', remotes: [{ alias: 'far', expression: 'logs' }] };
  const ids = (body: Record<string, unknown>) => (body['hits'] as { hits: { _id: string }[] }).hits.map((hit) => hit._id);
  const first = await scrolls.open({ expression: 'logs,far:logs', params: { scroll: '1m' }, body: { size: 2, sort: [{ n: 'desc' }] } }, plan, everything, owner, undefined);
  assert.deepEqual(ids(first), ['r3', 'r2']);
  const firstId = first['_scroll_id'] as string;
  const second = await scrolls.scroll('ctx', firstId, '1m', false, owner);
  assert.deepEqual(ids(second), ['r1', 'l2']);
  // The page's answer was lost (a node forwarding it, or the client's connection): the same id, the same page and next id.
  const again = await scrolls.scroll('ctx', firstId, '1m', false, owner);
  assert.deepEqual(ids(again), ['r1', 'l2']);
  assert.equal(again['_scroll_id'], second['_scroll_id']);
  const third = await scrolls.scroll('ctx', second['_scroll_id'] as string, '1m', false, owner);
  assert.deepEqual(ids(third), ['l1']);
  // Two pages back: that page cannot be answered again (404), and the scroll goes on from its latest id.
  await assert.rejects(
    scrolls.scroll('ctx', firstId, '1m', false, owner),
    (error: EsError) => error.status === 404 && error.causedBy?.type === 'search_context_missing_exception' && /at offset \[2\]: the scroll has answered \[5\] hits/.test(error.causedBy.message),
  );
  const last = await scrolls.scroll('ctx', third['_scroll_id'] as string, '1m', false, owner);
  assert.deepEqual(ids(last), []);
  // An id naming no offset (issued before ids named one) gets the next page, keeping its form.
  const legacy = Buffer.from('strait-ccs-scroll:ctx', 'utf8').toString('base64url');
  const legacyPage = await scrolls.scroll('ctx', legacy, '1m', false, owner);
  assert.deepEqual(ids(legacyPage), []);
  assert.equal(legacyPage['_scroll_id'], legacy);
  // Another caller's id is still a missing context.
  await assert.rejects(scrolls.scroll('ctx', third['_scroll_id'] as string, '1m', false, { username: 'bob', realm: 'native' }), (error: EsError) => error.status === 404);
  assert.equal(await scrolls.clear('ctx', owner), 2);
});
