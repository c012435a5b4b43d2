// dynamic_templates and copy_to on one real node with the official client: a log shipper's
// template (strings as keyword via match_mapping_type string, `*_text` as text via match) and
// copy_to into an `all` field searched with match. References: dynamic-templates.html,
// copy-to.html; rest-api-spec indices.put_mapping tests with dynamic_templates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { errors as clientErrors } from '@elastic/elasticsearch';
import { startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;

before(async () => {
  node = await startNode();
});

after(async () => {
  await node?.destroy();
});

test('a log shipper template maps new fields; copy_to fills a searchable all field', async () => {
  const client = node.client();
  await client.indices.create({
    index: 'logs-dt',
    mappings: {
      dynamic_templates: [
        { texts: { match: '*_text', mapping: { type: 'text', copy_to: 'all' } } },
        { strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
      ],
      properties: { all: { type: 'text' }, title: { type: 'text', copy_to: ['all'] } },
    },
  });
  await client.index({ index: 'logs-dt', id: '1', document: { title: 'quick fox', message_text: 'lazy dog', host: 'web-1' }, refresh: true });
  const mapping = await client.indices.getMapping({ index: 'logs-dt' });
  const properties = mapping['logs-dt']!.mappings.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(properties['message_text'], { type: 'text', copy_to: ['all'] });
  assert.deepEqual(properties['host'], { type: 'keyword', ignore_above: 1024 });
  assert.deepEqual(properties['title']!['copy_to'], ['all']);
  for (const word of ['fox', 'dog']) {
    const result = await client.search({ index: 'logs-dt', query: { match: { all: word } } });
    assert.deepEqual(result.hits.hits.map((hit) => hit._id), ['1'], word);
    // The copy is indexed, not added to _source.
    assert.equal((result.hits.hits[0]!._source as Record<string, unknown>)['all'], undefined);
  }
  const term = await client.search({ index: 'logs-dt', query: { term: { host: 'web-1' } } });
  assert.equal(term.hits.hits.length, 1);
});

test('invalid copy_to target and template are refused with 400', async () => {
  const client = node.client();
  for (const [mappings, type] of [
    [{ properties: { a: { type: 'text', copy_to: 'o' }, o: { properties: { x: { type: 'keyword' } } } } }, 'illegal_argument_exception'],
    [{ dynamic_templates: [{ t: { match_mapping_type: 'foo', mapping: { type: 'keyword' } } }] }, 'mapper_parsing_exception'],
  ] as const) {
    try {
      await client.indices.create({ index: 'bad-dt', mappings: mappings as never });
      assert.fail('expected a 400');
    } catch (error) {
      assert.ok(error instanceof clientErrors.ResponseError, String(error));
      assert.equal(error.meta.statusCode, 400);
      assert.equal((error.meta.body as { error: { type: string } }).error.type, type);
    }
  }
  assert.equal(await client.indices.exists({ index: 'bad-dt' }), false);
});
