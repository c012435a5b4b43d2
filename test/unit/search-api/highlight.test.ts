// Highlighting (highlighting.html): terms per field from the query, fragments, tags, encoders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuery, type FieldMappings } from '../../../src/index/searcher/index.js';
import { collectQueryTerms, highlightHit, parseHighlight } from '../../../src/search/index.js';

const mappings: FieldMappings = { title: { type: 'text' }, body: { type: 'text', analyzer: 'english' }, tag: { type: 'keyword' }, year: { type: 'long' } };

function highlight(query: unknown, spec: unknown, source: Record<string, unknown>): Record<string, string[]> | undefined {
  return highlightHit(parseHighlight(spec), parseQuery(query), mappings, ['*'], (path) => {
    const value = source[path];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  });
}

test('query terms are collected per field with the search analyzer; must_not is left out', () => {
  const terms = collectQueryTerms(parseQuery({ bool: { must: [{ match: { body: 'running dogs' } }], must_not: [{ match: { title: 'cats' } }], filter: [{ term: { tag: 'A' } }] } }), mappings, ['*']);
  assert.deepEqual([...terms.keys()].sort(), ['body', 'tag']);
  assert.deepEqual(terms.get('body'), [{ kind: 'term', term: 'run' }, { kind: 'term', term: 'dog' }]);
});

test('matching tokens are wrapped in tags, keyword values whole; require_field_match', () => {
  assert.deepEqual(highlight({ match: { body: 'dog' } }, { fields: { body: {} } }, { body: 'Dogs bark. Cats sleep.' }), { body: ['<em>Dogs</em> bark. Cats sleep.'] });
  assert.deepEqual(highlight({ term: { tag: 'red' } }, { fields: { '*': {} }, pre_tags: ['['], post_tags: [']'] }, { tag: 'red', title: 'red' }), { tag: ['[red]'] });
  assert.deepEqual(highlight({ match: { title: 'red' } }, { fields: { '*': {} }, require_field_match: false }, { tag: 'nope', title: 'a red car', body: 'red' }), {
    title: ['a <em>red</em> car'],
    body: ['<em>red</em>'],
  });
  assert.equal(highlight({ match: { title: 'zzz' } }, { fields: { title: {} } }, { title: 'nothing here' }), undefined);
});

test('long values are cut into sentence fragments; number_of_fragments 0 returns whole values; html encoder; no_match_size', () => {
  const text = `${'Filler words go here. '.repeat(10)}The fox appears once. ${'More filler text now. '.repeat(10)}Another fox at the end.`;
  const fragments = highlight({ match: { title: 'fox' } }, { fields: { title: { fragment_size: 40, number_of_fragments: 1 } } }, { title: text })!['title']!;
  assert.deepEqual(fragments, ['The <em>fox</em> appears once.']);
  const whole = highlight({ match: { title: 'fox' } }, { fields: { title: { number_of_fragments: 0 } } }, { title: text })!['title']!;
  assert.equal(whole.length, 1);
  assert.equal(whole[0]!.match(/<em>fox<\/em>/g)!.length, 2);
  assert.deepEqual(highlight({ match: { title: 'b' } }, { encoder: 'html', fields: { title: {} } }, { title: 'a<b' }), { title: ['a&lt;<em>b</em>'] });
  assert.deepEqual(highlight({ match: { title: 'zzz' } }, { fields: { title: { no_match_size: 9 } } }, { title: 'nothing here at all' }), { title: ['nothing'] });
  assert.throws(() => parseHighlight({ fields: { title: {} }, colour: 1 }), { type: 'parsing_exception' });
});
