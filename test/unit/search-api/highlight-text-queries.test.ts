// Highlighting of the text queries (highlighting.html): regexp tokens by Lucene's syntax,
// match_bool_prefix with its trailing prefix, combined_fields on each of its fields, and the
// terms of intervals rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuery, type FieldMappings } from '../../../src/index/searcher/index.js';
import { highlightHit, parseHighlight } from '../../../src/search/index.js';

const mappings: FieldMappings = { title: { type: 'text' }, body: { type: 'text' }, tag: { type: 'keyword' } };

function highlight(query: unknown, source: Record<string, string>): Record<string, string[]> | undefined {
  return highlightHit(parseHighlight({ fields: { '*': {} } }), parseQuery(query), mappings, ['*'], (path) => (source[path] === undefined ? [] : [source[path]!]));
}

test('regexp, match_bool_prefix, combined_fields and intervals highlight the tokens they match', () => {
  assert.deepEqual(highlight({ regexp: { title: 'qu.*k' } }, { title: 'The quick quack quill' }), { title: ['The <em>quick</em> <em>quack</em> quill'] });
  assert.deepEqual(highlight({ regexp: { tag: { value: 'ab.*', case_insensitive: true } } }, { tag: 'ABC' }), { tag: ['<em>ABC</em>'] });
  assert.deepEqual(highlight({ match_bool_prefix: { title: 'brown fo' } }, { title: 'brown fox and fog' }), { title: ['<em>brown</em> <em>fox</em> and <em>fog</em>'] });
  assert.deepEqual(highlight({ combined_fields: { query: 'time event', fields: ['title', 'body'] } }, { title: 'Time flies', body: 'an event' }), {
    title: ['<em>Time</em> flies'],
    body: ['an <em>event</em>'],
  });
  assert.deepEqual(
    highlight({ intervals: { body: { all_of: { intervals: [{ match: { query: 'cold' } }, { prefix: { prefix: 'out' } }] } } } }, { body: 'Its cold outside' }),
    { body: ['Its <em>cold</em> <em>outside</em>'] },
  );
});
