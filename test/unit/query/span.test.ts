// The span_* queries: the position matching of src/index/query/span.ts (Lucene's NearSpansOrdered,
// NearSpansUnordered, SpanNotQuery, SpanFirstQuery, SpanContainingQuery, SpanWithinQuery), then
// parsing, field checks and hits through the real search path. Expectations follow the span query
// pages of the Elasticsearch reference and its span query builder tests:
// https://www.elastic.co/guide/en/elasticsearch/reference/current/span-queries.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Span, nearOrdered, nearUnordered, spanContaining, spanFirst, spanNot, spanOr, spanWithin } from '../../../src/index/query/span.js';
import { parseQuery } from '../../../src/index/query/parse.js';
import { openSearchHarness, type SearchHarness } from '../search-api/harness.js';

const at = (...positions: number[]): Span[] => positions.map((position) => ({ start: position, end: position + 1, width: 0 }));
const bounds = (spans: readonly Span[]): string[] => spans.map((span) => `${span.start}-${span.end}`);

test('span_near in order: slop counts the gaps between the clauses', () => {
  // "quick brown fox": quick@0 fox@2 → one gap.
  assert.deepEqual(bounds(nearOrdered([at(0), at(2)], 0)), []);
  assert.deepEqual(bounds(nearOrdered([at(0), at(2)], 1)), ['0-3']);
  assert.equal(nearOrdered([at(0), at(2)], 1)[0]!.width, 1);
  // Reversed order never matches in order, whatever the slop.
  assert.deepEqual(bounds(nearOrdered([at(2), at(0)], 10)), []);
  // Each first-clause span starts a match; a later clause only moves forward.
  assert.deepEqual(bounds(nearOrdered([at(0, 4), at(1, 5)], 0)), ['0-2', '4-6']);
  // Three clauses, gaps summed.
  assert.deepEqual(bounds(nearOrdered([at(0), at(2), at(5)], 3)), ['0-6']);
  assert.deepEqual(bounds(nearOrdered([at(0), at(2), at(5)], 2)), []);
  // Overlap is not allowed: the same position cannot serve two clauses.
  assert.deepEqual(bounds(nearOrdered([at(3), at(3)], 5)), []);
});

test('span_near in order with a span_gap: the gap positions are skipped, not counted as slop', () => {
  // "a x x b": a@0, gap 2, b@3.
  assert.deepEqual(bounds(nearOrdered([at(0), 2, at(3)], 0)), ['0-4']);
  assert.equal(nearOrdered([at(0), 2, at(3)], 0)[0]!.width, 0);
  assert.deepEqual(bounds(nearOrdered([at(0), 1, at(3)], 0)), []);
  assert.deepEqual(bounds(nearOrdered([at(0), 1, at(3)], 1)), ['0-4']);
  assert.deepEqual(bounds(nearOrdered([at(0), 3, at(3)], 5)), []); // b would have to start at 4 or later
});

test('span_near unordered: any order, slop over the window minus the spans', () => {
  assert.deepEqual(bounds(nearUnordered([at(2), at(0)], 0)), []);
  assert.deepEqual(bounds(nearUnordered([at(2), at(0)], 1)), ['0-3']);
  assert.deepEqual(bounds(nearUnordered([at(1), at(0)], 0)), ['0-2']);
  assert.deepEqual(bounds(nearUnordered([at(0), at(9)], 7)), []);
  assert.deepEqual(bounds(nearUnordered([at(0), at(9)], 8)), ['0-10']);
  assert.deepEqual(bounds(nearUnordered([at(0), []], 8)), []);
});

test('span_or, span_first, span_containing and span_within', () => {
  assert.deepEqual(bounds(spanOr([at(4, 1), at(2)])), ['1-2', '2-3', '4-5']);
  assert.deepEqual(bounds(spanFirst(at(0, 2, 3), 3)), ['0-1', '2-3']);
  const big = [{ start: 1, end: 4, width: 1 }];
  assert.deepEqual(bounds(spanContaining(big, at(2))), ['1-4']);
  assert.deepEqual(bounds(spanContaining(big, at(5))), []);
  assert.deepEqual(bounds(spanWithin(big, at(0, 2, 3, 4))), ['2-3', '3-4']);
});

test('span_not: pre and post widen the span the exclude may not touch', () => {
  const include = [{ start: 2, end: 4, width: 0 }];
  assert.deepEqual(bounds(spanNot(include, at(3), 0, 0)), []); // exclude inside
  assert.deepEqual(bounds(spanNot(include, at(1), 0, 0)), ['2-4']); // just before
  assert.deepEqual(bounds(spanNot(include, at(1), 1, 0)), []); // pre 1 reaches it
  assert.deepEqual(bounds(spanNot(include, at(4), 0, 0)), ['2-4']); // just after
  assert.deepEqual(bounds(spanNot(include, at(5), 0, 1)), ['2-4']); // post 1 reaches position 4 only
  assert.deepEqual(bounds(spanNot(include, at(5), 0, 2)), []);
});

test('parsing: shapes, required keys and nested boosts are refused as Elasticsearch refuses them', () => {
  const refusal = (query: unknown): { type: string; reason: string } => {
    try {
      parseQuery(query);
    } catch (error) {
      const body = (error as { toBody(): { error: { type: string; reason: string } } }).toBody();
      return { type: body.error.type, reason: body.error.reason };
    }
    assert.fail(`accepted ${JSON.stringify(query)}`);
  };
  const term = { span_term: { f: 'a' } };
  // slop defaults to 0 (SpanNearQueryBuilder.DEFAULT_SLOP).
  const defaulted = parseQuery({ span_near: { clauses: [term] } });
  assert.equal(defaulted.kind === 'span' && defaulted.span.kind === 'span_near' ? defaulted.span.slop : -1, 0);
  assert.deepEqual(refusal({ span_or: { clauses: [{ span_gap: { f: 1 } }] } }), {
    type: 'parsing_exception',
    reason: 'span_or [clauses] may not hold a [span_gap]: it is only a clause of [span_near]',
  });
  assert.deepEqual(refusal({ span_near: { clauses: [term, { span_gap: { f: 1, g: 2 } }] } }), { type: 'parsing_exception', reason: "[span_gap] query doesn't support multiple fields, found [f] and [g]" });
  assert.deepEqual(refusal({ span_near: { clauses: [], slop: 1 } }), { type: 'parsing_exception', reason: 'span_near must include [clauses]' });
  assert.deepEqual(refusal({ span_near: { clauses: [term], slop: 1, bogus: 1 } }), { type: 'parsing_exception', reason: '[span_near] query does not support [bogus]' });
  assert.deepEqual(refusal({ span_near: { clauses: [{ term: { f: 'a' } }], slop: 1 } }), { type: 'parsing_exception', reason: 'span_near [clauses] must be of type span query' });
  assert.deepEqual(refusal({ span_or: { clauses: [{ span_term: { f: { value: 'a', boost: 2 } } }] } }), {
    type: 'parsing_exception',
    reason: "span_or [clauses] as a nested span clause can't have non-default boost value [2.0]",
  });
  assert.deepEqual(refusal({ span_not: { include: term } }), { type: 'parsing_exception', reason: 'span_not must have [exclude] span query clause' });
  assert.deepEqual(refusal({ span_not: { include: term, exclude: term, dist: 1, pre: 1 } }), {
    type: 'parsing_exception',
    reason: 'span_not can either use [dist] or [pre] & [post] (or none)',
  });
  assert.deepEqual(refusal({ span_first: { match: term } }), { type: 'parsing_exception', reason: 'span_first must have [end] set for it' });
  assert.deepEqual(refusal({ span_multi: { match: { term: { f: 'a' } } } }), { type: 'parsing_exception', reason: '[span_multi] [match] must be of type multi term query' });
  assert.deepEqual(refusal({ span_containing: { big: term } }), { type: 'parsing_exception', reason: 'span_containing must include [little]' });
  assert.deepEqual(refusal({ field_masking_span: { query: term } }), { type: 'parsing_exception', reason: 'field_masking_span must have [field] set for it' });
  assert.deepEqual(refusal({ span_term: { f: 'a', g: 'b' } }), { type: 'parsing_exception', reason: "[span_term] query doesn't support multiple fields, found [f] and [g]" });
  assert.deepEqual(refusal({ span_term: { f: { value: 'a', slop: 1 } } }), { type: 'parsing_exception', reason: '[span_term] query does not support [slop]' });
});

async function hits(harness: SearchHarness, query: unknown): Promise<{ status: number; ids: string[]; body: any }> {
  const response = await harness.call('POST', '/:index/_search', { params: { index: 's' }, body: { query, size: 100 } });
  return { status: response.status, ids: response.status === 200 ? response.body.hits.hits.map((hit: { _id: string }) => hit._id) : [], body: response.body };
}

test('span queries through the search path: hits, ranking, field checks', async (t) => {
  const harness = openSearchHarness(t);
  await harness.call('PUT', '/:index', {
    params: { index: 's' },
    body: { mappings: { properties: { text: { type: 'text' }, other: { type: 'text' }, tag: { type: 'keyword' }, alias: { type: 'alias', path: 'text' } } } },
  });
  await harness.index('s', {
    1: { text: 'the quick brown fox', other: 'quick fox' },
    2: { text: 'the quick red fox jumps', tag: 'x' },
    3: { text: 'fox quick' },
    4: { text: 'quick brown dog' },
  });
  const near = (slop: number, inOrder = true) => ({ span_near: { clauses: [{ span_term: { text: 'quick' } }, { span_term: { text: 'fox' } }], slop, in_order: inOrder } });
  assert.deepEqual((await hits(harness, near(0))).ids, []);
  // Both docs 1 and 2 have one position between quick and fox.
  assert.deepEqual((await hits(harness, near(1))).ids.sort(), ['1', '2']);
  // Unordered: "fox quick" (doc 3) matches with slop 0.
  assert.deepEqual((await hits(harness, near(0, false))).ids, ['3']);
  assert.deepEqual((await hits(harness, near(1, false))).ids.sort(), ['1', '2', '3']);
  // span_term ranks as a term query: tf and length normalization.
  const term = await hits(harness, { span_term: { text: 'quick' } });
  assert.deepEqual(term.ids.sort(), ['1', '2', '3', '4']);
  const asTerm = await hits(harness, { term: { text: 'quick' } });
  assert.deepEqual(
    term.body.hits.hits.map((hit: { _id: string; _score: number }) => [hit._id, hit._score]),
    asTerm.body.hits.hits.map((hit: { _id: string; _score: number }) => [hit._id, hit._score]),
  );
  // A tighter match scores higher (sloppy frequency 1 / (1 + gaps)).
  const sloppy = await hits(harness, near(2, false));
  assert.equal(sloppy.ids[0], '3');
  // span_first: quick ending within the first `end` positions (doc 4 has it at 0, the others at 1).
  assert.deepEqual((await hits(harness, { span_first: { match: { span_term: { text: 'quick' } }, end: 2 } })).ids.sort(), ['1', '2', '3', '4']);
  assert.deepEqual((await hits(harness, { span_first: { match: { span_term: { text: 'quick' } }, end: 1 } })).ids, ['4']);
  // span_or and span_not.
  assert.deepEqual((await hits(harness, { span_or: { clauses: [{ span_term: { text: 'dog' } }, { span_term: { text: 'jumps' } }] } })).ids.sort(), ['2', '4']);
  const not = (pre: number, post: number) => ({ span_not: { include: { span_term: { text: 'quick' } }, exclude: { span_term: { text: 'brown' } }, pre, post } });
  assert.deepEqual((await hits(harness, not(0, 0))).ids.sort(), ['1', '2', '3', '4']);
  assert.deepEqual((await hits(harness, not(0, 1))).ids.sort(), ['2', '3']);
  // span_multi expands a prefix; span_containing / span_within.
  assert.deepEqual((await hits(harness, { span_near: { clauses: [{ span_multi: { match: { prefix: { text: 'qu' } } } }, { span_term: { text: 'red' } }], slop: 0, in_order: true } })).ids, ['2']);
  const bigNear = { span_near: { clauses: [{ span_term: { text: 'quick' } }, { span_term: { text: 'fox' } }], slop: 2, in_order: true } };
  assert.deepEqual((await hits(harness, { span_containing: { big: bigNear, little: { span_term: { text: 'red' } } } })).ids, ['2']);
  assert.deepEqual((await hits(harness, { span_within: { big: bigNear, little: { span_term: { text: 'brown' } } } })).ids, ['1']);
  // An alias resolves to its field; mixed fields are refused unless masked.
  assert.deepEqual((await hits(harness, { span_term: { alias: 'jumps' } })).ids, ['2']);
  const mixed = await hits(harness, { span_near: { clauses: [{ span_term: { text: 'quick' } }, { span_term: { other: 'fox' } }], slop: 5, in_order: true } });
  assert.equal(mixed.status, 400);
  assert.equal(mixed.body.error.root_cause[0].type, 'illegal_argument_exception');
  assert.equal(mixed.body.error.root_cause[0].reason, 'Clauses must have same field.');
  const masked = await hits(harness, {
    span_near: { clauses: [{ span_term: { text: 'quick' } }, { field_masking_span: { query: { span_term: { other: 'fox' } }, field: 'text' } }], slop: 0, in_order: false },
  });
  assert.deepEqual(masked.ids, ['1']); // text's quick@1 and other's fox@1 share a position; only doc 1 has `other`
  const keyword = await hits(harness, { span_term: { tag: 'x' } });
  assert.equal(keyword.status, 400);
  assert.match(keyword.body.error.root_cause[0].reason, /requires position data/);
});
