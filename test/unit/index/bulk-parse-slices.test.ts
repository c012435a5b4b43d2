/**
 * A `_bulk` body parsed in slices (issue 13: a body of thousands of items takes milliseconds to
 * parse, and searches wait behind it): the items are those of the one-go parse, and a malformed
 * line anywhere still refuses the whole request with the bulk API's 400, as Elasticsearch's
 * BulkRequestParser does before any item runs:
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEsError } from '../../../src/common/index.js';
import { parseBulkBody, parseBulkBodyStepwise } from '../../../src/index/documents.js';
import { parseBulkBodyInSlices } from '../../../src/index/bulk-slices.js';

const defaults = { index: 'logs', requireAlias: false, sourceFilter: undefined };

function body(count: number, extra = ''): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify({ index: { _id: `d${i}` } }), JSON.stringify({ n: i }));
  lines.push(JSON.stringify({ delete: { _index: 'other', _id: 'x' } }));
  return `${lines.join('\n')}\n${extra}`;
}

test('parsed stepwise, yielding whenever asked, the items equal the one-go parse', () => {
  const text = body(50);
  let yields = 0;
  const steps = parseBulkBodyStepwise(text, defaults, () => true);
  let step = steps.next();
  while (step.done !== true) {
    yields++;
    step = steps.next();
  }
  assert.ok(yields >= 50, `it yielded between lines (${yields})`);
  assert.deepEqual(step.value, parseBulkBody(text, defaults));
  assert.equal(step.value.length, 51);
  assert.equal(step.value[50]!.operation, 'delete');
  assert.equal(step.value[50]!.index, 'other');
});

test('in slices over event-loop turns: the same items; a malformed last line is the whole request 400', async () => {
  const text = body(2_000);
  assert.deepEqual(await parseBulkBodyInSlices(text, defaults), parseBulkBody(text, defaults));
  await assert.rejects(parseBulkBodyInSlices(body(2_000, '{"index":{"_id":"bad"}}\n{"broken"\n'), defaults), (error: unknown) => {
    assert.ok(isEsError(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'x_content_parse_exception');
    return true;
  });
});
