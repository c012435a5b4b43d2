// The span_* queries end to end on one node through the official client (issue #15): span_term,
// span_near (slop, in_order), span_or, span_not (pre/post/dist), span_first, span_multi (prefix,
// wildcard, regexp, fuzzy, range; the expansion limit), span_containing, span_within and
// field_masking_span, with Elasticsearch's 400s for bad input
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/span-queries.html and each
// span query page; SpanNearQueryBuilderTests and friends for the parse errors).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { rootCauseFailure as failure } from '../harness/wait.js';

let node: StartedNode;
const index = 'spans';


async function ids(query: unknown, target = index): Promise<string[]> {
  const response = await node.client().search({ index: target, size: 50, query } as never);
  return response.hits.hits.map((hit) => hit._id!);
}

const term = (value: string, field = 'text') => ({ span_term: { [field]: value } });

before(async () => {
  node = await startNode({ clusterName: 'spans', nodeName: 's1' });
  const client = node.client();
  await client.indices.create({
    index,
    settings: { number_of_shards: 1 },
    mappings: { properties: { text: { type: 'text' }, stems: { type: 'text', analyzer: 'whitespace' }, tag: { type: 'keyword' }, mot: { type: 'match_only_text' } } },
  });
  const docs = [
    { text: 'the quick brown fox jumps over the lazy dog', stems: 'QUICK fox' },
    { text: 'a quick fox', stems: 'slow' },
    { text: 'fox quick brown', tag: 'k' },
    { text: 'brown dogs bark at the quick red fox' },
    { text: 'quick quick quick fox' },
  ];
  await client.bulk({ index, refresh: true, operations: docs.flatMap((doc, i) => [{ index: { _id: String(i + 1) } }, doc]) });
});

after(async () => {
  await node?.destroy();
});

test('span_term and span_near: slop and in_order decide the hits; tighter matches rank first', async () => {
  assert.deepEqual((await ids(term('brown'))).sort(), ['1', '3', '4']);
  assert.deepEqual((await ids({ span_term: { text: { value: 'lazy', boost: 2 } } })), ['1']);
  const near = (slop: number, inOrder: boolean) => ({ span_near: { clauses: [term('quick'), term('fox')], slop, in_order: inOrder } });
  assert.deepEqual((await ids(near(0, true))).sort(), ['2', '5']);
  assert.deepEqual((await ids(near(1, true))).sort(), ['1', '2', '4', '5']);
  assert.deepEqual((await ids(near(0, false))).sort(), ['2', '3', '5']);
  // Sloppy frequency: an adjacent pair in a short text (doc 2) outscores a pair one apart in a long one (doc 1).
  const ranked = await node.client().search({ index, query: near(1, true) } as never);
  const scores = new Map(ranked.hits.hits.map((hit) => [hit._id!, hit._score!]));
  assert.ok(scores.get('2')! > scores.get('1')!, JSON.stringify([...scores]));
  // Highlighting marks the span leaves (span_not's exclude left out); _name names a span_term.
  const highlighted = await node.client().search({
    index,
    query: { span_not: { include: { span_near: { clauses: [{ span_multi: { match: { prefix: { text: 'laz' } } } }, term('dog')], slop: 0, in_order: true } }, exclude: term('over') } },
    highlight: { fields: { text: {} } },
  } as never);
  assert.deepEqual(highlighted.hits.hits.map((hit) => hit.highlight), [{ text: ['the quick brown fox jumps over the <em>lazy</em> <em>dog</em>'] }]);
  const named = await node.client().search({ index, query: { span_term: { text: { value: 'lazy', _name: 'lz' } } } } as never);
  assert.deepEqual(named.hits.hits[0]!.matched_queries, ['lz']);
  // slop defaults to 0; a span_gap skips exact positions without spending slop.
  assert.deepEqual((await ids({ span_near: { clauses: [term('quick'), term('fox')] } })).sort(), ['2', '5']);
  // quick, one position, fox: doc 1 (brown), doc 4 (red), doc 5 (the second quick is the gap).
  assert.deepEqual((await ids({ span_near: { clauses: [term('quick'), { span_gap: { text: 1 } }, term('fox')], slop: 0, in_order: true } })).sort(), ['1', '4', '5']);
  assert.deepEqual(await ids({ span_near: { clauses: [term('quick'), { span_gap: { text: 2 } }, term('fox')], slop: 0, in_order: true } }), ['5']);
  assert.deepEqual((await ids({ span_near: { clauses: [term('the'), { span_gap: { text: 2 } }, term('fox')], slop: 0, in_order: true } })).sort(), ['1', '4']);
  const unorderedGap = await failure(node.client().search({ index, query: { span_near: { clauses: [term('quick'), { span_gap: { text: 1 } }, term('fox')], in_order: false } } } as never));
  assert.deepEqual(unorderedGap, { status: 400, type: 'illegal_argument_exception', reason: 'Cannot add gaps to unordered SpanNearQuery' });
  const gapField = await failure(node.client().search({ index, query: { span_near: { clauses: [term('quick'), { span_gap: { stems: 1 } }, term('fox')] } } } as never));
  assert.deepEqual(gapField, { status: 400, type: 'illegal_argument_exception', reason: '[span_near] clauses must have same field' });
  // Three clauses in order.
  assert.deepEqual(await ids({ span_near: { clauses: [term('quick'), term('brown'), term('fox')], slop: 0, in_order: true } }), ['1']);
});

test('span_or, span_first, span_not', async () => {
  assert.deepEqual((await ids({ span_or: { clauses: [term('lazy'), term('bark')] } })).sort(), ['1', '4']);
  assert.deepEqual((await ids({ span_first: { match: term('quick'), end: 1 } })).sort(), ['5']);
  assert.deepEqual((await ids({ span_first: { match: term('quick'), end: 2 } })).sort(), ['1', '2', '3', '5']);
  // quick followed by brown (docs 1, 3) is excluded with post 1; doc 4's brown is far before quick.
  const not = (extra: Record<string, number>) => ({ span_not: { include: term('quick'), exclude: term('brown'), ...extra } });
  assert.deepEqual((await ids(not({}))).sort(), ['1', '2', '3', '4', '5']);
  assert.deepEqual((await ids(not({ post: 1 }))).sort(), ['2', '4', '5']);
  assert.deepEqual((await ids(not({ dist: 5 }))).sort(), ['2', '5']);
  // include a whole near span, exclude a word inside it.
  const phrase = { span_near: { clauses: [term('quick'), term('fox')], slop: 1, in_order: true } };
  assert.deepEqual((await ids({ span_not: { include: phrase, exclude: term('red') } })).sort(), ['1', '2', '5']);
});

test('span_multi wraps prefix, wildcard, regexp, fuzzy and range; too many expansions are refused', async () => {
  const multi = (match: unknown) => ({ span_near: { clauses: [{ span_multi: { match } }, term('fox')], slop: 0, in_order: true } });
  assert.deepEqual((await ids(multi({ prefix: { text: 'qui' } }))).sort(), ['2', '5']);
  assert.deepEqual((await ids(multi({ wildcard: { text: 'q?ick' } }))).sort(), ['2', '5']);
  assert.deepEqual((await ids(multi({ regexp: { text: 'r.d' } }))), ['4']);
  assert.deepEqual((await ids(multi({ fuzzy: { text: { value: 'quack', fuzziness: 1 } } }))).sort(), ['2', '5']);
  assert.deepEqual((await ids(multi({ range: { text: { gte: 'r', lt: 's' } } }))), ['4']);
  const notMulti = await failure(node.client().search({ index, query: { span_multi: { match: { term: { text: 'fox' } } } } } as never));
  assert.deepEqual(notMulti, { status: 400, type: 'parsing_exception', reason: '[span_multi] [match] must be of type multi term query' });
  await node.client().indices.create({ index: 'many', mappings: { properties: { text: { type: 'text' } } } });
  const words = Array.from({ length: 1025 }, (_, i) => `w${String(i).padStart(4, '0')}`).join(' ');
  await node.client().index({ index: 'many', id: '1', document: { text: words }, refresh: true });
  const tooMany = await failure(node.client().search({ index: 'many', query: { span_multi: { match: { prefix: { text: 'w' } } } } } as never));
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.type, 'illegal_argument_exception');
  assert.equal(tooMany.reason, '[text:w* ] exceeds maxClauseCount [ Boolean maxClauseCount is set to 1024]');
  assert.deepEqual(await ids({ span_multi: { match: { prefix: { text: 'w100' } } } }, 'many'), ['1']);
});

test('span_containing, span_within, field_masking_span and mixed fields', async () => {
  const big = { span_near: { clauses: [term('quick'), term('fox')], slop: 2, in_order: true } };
  assert.deepEqual((await ids({ span_containing: { big, little: term('brown') } })), ['1']);
  assert.deepEqual((await ids({ span_within: { big, little: term('red') } })), ['4']);
  assert.deepEqual((await ids({ span_within: { big, little: term('brown') } })), ['1']);
  const mixed = await failure(node.client().search({ index, query: { span_near: { clauses: [term('quick'), term('fox', 'stems')], slop: 3, in_order: true } } } as never));
  assert.deepEqual(mixed, { status: 400, type: 'illegal_argument_exception', reason: 'Clauses must have same field.' });
  const mixedBig = await failure(node.client().search({ index, query: { span_containing: { big, little: term('fox', 'stems') } } } as never));
  assert.deepEqual(mixedBig, { status: 400, type: 'illegal_argument_exception', reason: 'big and little not same field' });
  // field_masking_span reports `stems` as `text`: text's quick@1 then stems' fox@1 → unordered overlap at 1 in doc 1.
  const masked = { span_near: { clauses: [term('quick'), { field_masking_span: { query: term('fox', 'stems'), field: 'text' } }], slop: 0, in_order: false } };
  assert.deepEqual(await ids(masked), ['1']);
  // whitespace analysis keeps case: QUICK is a term of `stems`, quick is not.
  assert.deepEqual(await ids(term('QUICK', 'stems')), ['1']);
  assert.deepEqual(await ids(term('quick', 'stems')), []);
});

test('bad input: parse errors, nested boosts, non-text fields', async () => {
  const search = (query: unknown) => failure(node.client().search({ index, query } as never));
  assert.deepEqual(await search({ span_near: { clauses: [{ match: { text: 'a' } }], slop: 0 } }), {
    status: 400,
    type: 'parsing_exception',
    reason: 'span_near [clauses] must be of type span query',
  });
  assert.deepEqual(await search({ span_near: { clauses: [{ span_term: { text: { value: 'a', boost: 2 } } }], slop: 0 } }), {
    status: 400,
    type: 'parsing_exception',
    reason: "span_near [clauses] as a nested span clause can't have non-default boost value [2.0]",
  });
  assert.deepEqual(await search({ span_or: { clauses: [term('a')], slop: 1 } }), { status: 400, type: 'parsing_exception', reason: '[span_or] query does not support [slop]' });
  assert.deepEqual(await search({ span_first: { end: 3 } }), { status: 400, type: 'parsing_exception', reason: 'span_first must have [match] span query clause' });
  assert.deepEqual(await search({ span_not: { exclude: term('a') } }), { status: 400, type: 'parsing_exception', reason: 'span_not must have [include] span query clause' });
  assert.deepEqual(await search({ span_within: { little: term('a') } }), { status: 400, type: 'parsing_exception', reason: 'span_within must include [big]' });
  assert.deepEqual(await search({ field_masking_span: { field: 'text' } }), { status: 400, type: 'parsing_exception', reason: 'field_masking_span must have [query] span query clause' });
  const keyword = await search(term('k', 'tag'));
  assert.equal(keyword.status, 400);
  assert.equal(keyword.type, 'illegal_argument_exception');
  assert.equal(keyword.reason, 'Span term query requires position data, but field tag was indexed without position data');
  const matchOnly = await search({ span_near: { clauses: [{ span_multi: { match: { prefix: { mot: 'a' } } } }, term('b', 'mot')] } });
  assert.deepEqual(matchOnly, { status: 400, type: 'illegal_argument_exception', reason: 'Span multi term query requires position data, but field mot was indexed without position data' });
  // Unmapped fields match nothing, as term queries do.
  assert.deepEqual(await ids(term('x', 'nope')), []);
});
