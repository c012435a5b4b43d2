// The `_source` root mapping: enabled, includes and excludes as Elasticsearch's SourceFieldMapper
// keeps the source, its validation and merge conflicts, and searches over segments that index
// the whole document while their hits show the kept source.
// References: mapping-source-field.html ("Disabling the _source field", "Including / excluding
// fields from _source": the fields are still indexed and searchable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { mergeMappings, parseMapping, sourceMappingOf, storedSourceOf, storedSourceText } from '../../../src/index/mapping/index.js';
import { segmentIndex } from '../query/segment-index.js';
import { allSourceTexts } from '../../../src/index/engine/index.js';

const throwsEs = (fn: () => unknown, type: string, reason: RegExp): void => {
  assert.throws(fn, (error: unknown) => error instanceof EsError && error.status === 400 && error.type === type && reason.test(error.message));
};

test('the kept source: whole, filtered by includes/excludes, or none', () => {
  const doc = { title: 'a', meta: { secret: 's', visible: 'v' }, count: 3 };
  assert.deepEqual(storedSourceOf(sourceMappingOf({}), doc), doc);
  assert.equal(storedSourceOf(sourceMappingOf({ _source: { enabled: false } }), doc), undefined);
  assert.equal(storedSourceOf(sourceMappingOf({ _source: { mode: 'disabled' } }), doc), undefined);
  assert.deepEqual(storedSourceOf(sourceMappingOf({ _source: { excludes: ['meta.secret'] } }), doc), { title: 'a', meta: { visible: 'v' }, count: 3 });
  assert.deepEqual(storedSourceOf(sourceMappingOf({ _source: { includes: ['meta.*'], excludes: ['*.secret'] } }), doc), { meta: { visible: 'v' } });
  assert.equal(storedSourceText(sourceMappingOf({ _source: { enabled: false } }), JSON.stringify(doc)), 'null');
});

test('validation: unknown parameters, non-boolean enabled, synthetic mode; _source cannot change once set', () => {
  throwsEs(() => parseMapping({ _source: { compress: true } }), 'mapper_parsing_exception', /unknown parameter \[compress\] on mapper \[_source\]/);
  throwsEs(() => parseMapping({ _source: { enabled: 'maybe' } }), 'mapper_parsing_exception', /only \[true\] or \[false\]/);
  throwsEs(() => parseMapping({ _source: { includes: [1] } }), 'mapper_parsing_exception', /includes/);
  throwsEs(() => parseMapping({ _source: { mode: 'synthetic' } }), 'mapper_parsing_exception', /not supported by Strait/);
  const disabled = parseMapping({ _source: { enabled: false } });
  throwsEs(() => mergeMappings(disabled, parseMapping({ _source: { enabled: true } })), 'illegal_argument_exception', /Cannot update parameter \[enabled\] from \[false\] to \[true\]/);
  throwsEs(() => mergeMappings({}, parseMapping({ _source: { excludes: ['x'] } })), 'illegal_argument_exception', /Cannot update parameter \[excludes\]/);
  assert.doesNotThrow(() => mergeMappings(disabled, parseMapping({ _source: { enabled: false }, properties: { a: { type: 'keyword' } } })));
});

test('a filtered source still indexes every field: searches match excluded values, hits show the kept source', () => {
  const { search } = segmentIndex({ _source: { excludes: ['secret'] }, properties: { secret: { type: 'keyword' }, title: { type: 'keyword' } } }, [
    { title: 'one', secret: 'hidden' },
    { title: 'two', secret: 'other' },
  ]);
  const result = search({ query: { term: { secret: 'hidden' } }, fields: ['secret', 'title'] });
  assert.deepEqual(result.ids, ['1']);
  // `fields` reads the kept source, as Elasticsearch's source-based value fetchers do; doc values still hold it.
  assert.deepEqual(result.fields('*'), [{ title: ['one'] }]);
  assert.deepEqual(result.docValues('secret'), [{ secret: ['hidden'] }]);
});

test('a disabled source: searches and doc values work, the segment keeps no source', () => {
  const { search, segment } = segmentIndex({ _source: { enabled: false }, properties: { n: { type: 'long' } } }, [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(search({ query: { range: { n: { gte: 2 } } } }).ids, ['2']);
  assert.deepEqual(allSourceTexts(segment.sources), ['null', 'null']);
});
