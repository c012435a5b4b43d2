// Document and field level security in the search layer (pure): the role query decides which
// documents are live in a caller's segment views, evaluated with the full mappings; field level
// security removes hidden fields from mappings, postings and doc values.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/field-and-document-access-control.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSegment, computeShardStats, isLive } from '../../../src/index/engine/index.js';
import { flattenMapping, parseMapping } from '../../../src/index/mapping/index.js';
import { engineMappings, toSegmentInputs } from '../../../src/index/searcher/document-input.js';
import { documentLevelSegments, visibleEngineMappings, visibleMapping, visibleSegments } from '../../../src/search/read-restriction.js';

const root = parseMapping({ properties: { team: { type: 'keyword' }, secret: { type: 'keyword' }, customer: { properties: { name: { type: 'keyword' }, card: { type: 'keyword' } } } } });
const mapping = flattenMapping(root);
const mappings = engineMappings(mapping);
const documents = [
  { id: '1', source: JSON.stringify({ team: 'a', secret: 's1', customer: { name: 'c1', card: 'x1' } }) },
  { id: '2', source: JSON.stringify({ team: 'b', secret: 's2' }) },
  { id: '3', source: JSON.stringify({ team: 'a', secret: 's3' }) },
];
const segment = buildSegment(toSegmentInputs(documents, root).inputs, mappings, { name: 's0', maxSeqNo: 2 });
const context = { stats: computeShardStats([segment]), mappings, nowMs: 0, indexName: 'docs', defaultFields: ['*'] };
const liveIds = (views: readonly typeof segment[]): string[] => views.flatMap((view) => view.ids.filter((_, doc) => isLive(view, doc)));

test('the role query decides which documents are live; no restriction leaves segments as they are', () => {
  assert.equal(documentLevelSegments([segment], undefined, context)[0], segment);
  const views = documentLevelSegments([segment], { query: { term: { team: 'a' } } }, context);
  assert.deepEqual(liveIds(views), ['1', '3']);
  assert.equal(views[0]!.liveDocCount, 2);
  assert.equal(documentLevelSegments([segment], { query: { term: { team: 'a' } } }, context)[0], views[0], 'cached per segment and query');
});

test('a role query without fields searches the index\'s default fields, read anew after a settings update', () => {
  // q=s1 style role query: which documents it shows depends on index.query.default_field.
  const restriction = { query: { query_string: { query: 'a s1' } } };
  assert.deepEqual(liveIds(documentLevelSegments([segment], restriction, { ...context, defaultFields: ['team'] })), ['1', '3']);
  assert.deepEqual(liveIds(documentLevelSegments([segment], restriction, { ...context, defaultFields: ['secret'] })), ['1']);
  assert.deepEqual(liveIds(documentLevelSegments([segment], restriction, { ...context, defaultFields: ['team'] })), ['1', '3']);
});

test('the role query may use a field that field level security hides', () => {
  const hideSecret = (path: string): boolean => path !== 'secret';
  const views = visibleSegments(documentLevelSegments([segment], { query: { term: { secret: 's3' } }, fields: hideSecret }, context), hideSecret);
  assert.deepEqual(liveIds(views), ['3']);
  assert.equal(views[0]!.docValues.has('secret'), false);
  assert.equal(views[0]!.postings.has('secret'), false);
  assert.equal(views[0]!.docValues.has('team'), true);
});

test('field level security: mappings keep visible fields and the objects holding one', () => {
  const visible = (path: string): boolean => path === 'team' || path === 'customer.name';
  const restricted = visibleMapping(mapping, visible);
  assert.deepEqual([...restricted.fields.keys()].sort(), ['customer.name', 'team']);
  assert.deepEqual([...restricted.objects.keys()], ['customer']);
  assert.deepEqual(Object.keys(visibleEngineMappings(mappings, visible)).sort(), ['customer.name', 'team']);
  assert.deepEqual([...visibleMapping(mapping, (path) => path === 'team').objects.keys()], [], 'an object with no visible field is hidden too');
  assert.equal(visibleMapping(mapping, undefined), mapping);
});
