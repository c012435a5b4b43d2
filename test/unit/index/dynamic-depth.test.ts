// `index.mapping.depth.limit` (default 20) holds for objects a document introduces dynamically, as
// it does for explicit mappings: Elasticsearch refuses the document with a document_parsing_exception
// ("failed to parse: Limit of mapping depth [20] has been exceeded due to object field [...]").
// https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping-settings-limit.html
// Issue #9 item 4: a 1000-level document must not build a 1000-level mapping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/index.js';
import { parseDocument } from '../../../src/index/index.js';

/** `{a:{a:...{leaf:1}}}` with `objects` object levels below the root. */
const nestedDocument = (objects: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 0; level < objects; level++) value = { a: value };
  return value;
};

const path = (segments: number): string => Array.from({ length: segments }, () => 'a').join('.');

test('objects down to depth 20 (19 object levels under the root) are mapped dynamically', () => {
  const parsed = parseDocument({}, nestedDocument(19), '1');
  assert.deepEqual(parsed.fields[`${path(19)}.leaf`], [1]);
});

test('the object at depth 21 is refused, naming it', () => {
  assert.throws(
    () => parseDocument({}, nestedDocument(20), '1'),
    (error: unknown) =>
      error instanceof EsError &&
      error.status === 400 &&
      error.type === 'document_parsing_exception' &&
      error.message === `failed to parse: Limit of mapping depth [20] has been exceeded due to object field [${path(20)}]` &&
      error.causedBy?.type === 'illegal_argument_exception',
  );
});

test('a 999-level document stops at the limit instead of mapping 999 objects', () => {
  assert.throws(() => parseDocument({}, nestedDocument(999), '1'), (error: unknown) => error instanceof EsError && error.status === 400);
});

test('objects below a disabled object or under dynamic false are not mapped, so no limit applies', () => {
  const disabled = parseDocument({ properties: { raw: { type: 'object', enabled: false } } }, { raw: nestedDocument(999) }, '1');
  assert.equal(disabled.mappingUpdate, undefined);
  const unmapped = parseDocument({ dynamic: 'false' }, nestedDocument(999), '1');
  assert.equal(unmapped.mappingUpdate, undefined);
});
