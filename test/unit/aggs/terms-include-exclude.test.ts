// terms include/exclude value lists are read with the field's type, as Elasticsearch's
// IncludeExclude parses them through the field's DocValueFormat (terms.yml "Date exclude",
// "Boolean include", "Long include", "Double include"; search-aggregations-bucket-terms-aggregation.html
// "Filtering values"). Cases run on two shards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { type Doc, searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { str: { type: 'keyword' }, flag: { type: 'boolean' }, date: { type: 'date' }, number: { type: 'long' }, d: { type: 'double' } };
const keys = (result: any): unknown[] => result.buckets.map((bucket: any) => bucket.key);

test('terms: include/exclude values on a date field parse as dates (terms.yml date exclude)', () => {
  const docs: Doc[] = [{ date: '2016-05-03' }, { date: '2014-09-01' }, { date: '2016-05-03' }];
  assert.deepEqual(keys(searchAggs(docs, mappings, { aggs: { t: { terms: { field: 'date', exclude: ['2016-05-03'] } } } }, 2)['t']), [Date.UTC(2014, 8, 1)]);
  assert.deepEqual(keys(searchAggs(docs, mappings, { aggs: { t: { terms: { field: 'date', include: ['2016-05-03'] } } } }, 2)['t']), [Date.UTC(2016, 4, 3)]);
});

test('terms: include/exclude dates are read with the field format (a custom format as its DocValueFormat reads it)', () => {
  const custom: FieldMappings = { day: { type: 'date', format: 'yyyy/MM/dd' } };
  const docs: Doc[] = [{ day: Date.UTC(2020, 0, 1) }, { day: Date.UTC(2020, 0, 2) }];
  assert.deepEqual(keys(searchAggs(docs, custom, { aggs: { t: { terms: { field: 'day', exclude: ['2020/01/01'] } } } }, 2)['t']), [Date.UTC(2020, 0, 2)]);
  assert.deepEqual(keys(searchAggs(docs, custom, { aggs: { t: { rare_terms: { field: 'day', include: ['2020/01/02'] } } } }, 2)['t']), [Date.UTC(2020, 0, 2)]);
});

test('terms: include/exclude on boolean, long and double fields match the typed keys', () => {
  const docs: Doc[] = [{ flag: true, number: 1, d: 1.5 }, { flag: false, number: 2, d: 2.5 }, { flag: true, number: 3, d: 3 }];
  assert.deepEqual(keys(searchAggs(docs, mappings, { aggs: { t: { terms: { field: 'flag', include: [true] } } } }, 2)['t']), [1]);
  assert.deepEqual(keys(searchAggs(docs, mappings, { aggs: { t: { terms: { field: 'flag', exclude: ['true'] } } } }, 2)['t']), [0]);
  assert.deepEqual(keys(searchAggs(docs, mappings, { aggs: { t: { terms: { field: 'number', include: [1, 2] } } } }, 2)['t']).sort(), [1, 2]);
  assert.deepEqual(keys(searchAggs(docs, mappings, { aggs: { t: { terms: { field: 'number', exclude: ['3'] } } } }, 2)['t']).sort(), [1, 2]);
  assert.deepEqual(keys(searchAggs(docs, mappings, { aggs: { t: { terms: { field: 'd', include: [3, 1.5] } } } }, 2)['t']).sort(), [1.5, 3]);
  assert.deepEqual(keys(searchAggs(docs, mappings, { aggs: { t: { terms: { field: 'str', include: ['a'] } } } }, 2)['t']), []);
});

test('terms: a regular expression include on a non-string field is refused as Elasticsearch does', () => {
  assert.throws(
    () => searchAggs([{ number: 1 }], mappings, { aggs: { t: { terms: { field: 'number', include: '1.*' } } } }),
    (error: unknown) => error instanceof EsError && error.status === 400 && /cannot support regular expression style include\/exclude settings/.test(error.message),
  );
});
