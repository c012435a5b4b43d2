import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateDocumentId, validateIndexName } from '../../../src/index/index.js';
import { EsError } from '../../../src/common/index.js';

// Elasticsearch MetadataCreateIndexService.validateIndexOrAliasName and validateIndexName.
const invalid: ReadonlyArray<readonly [string, string]> = [
  ['UPPER', 'must be lowercase'],
  ['a b', 'must not contain the following characters'],
  ['a*b', 'must not contain the following characters'],
  ['a,b', 'must not contain the following characters'],
  ['a/b', 'must not contain the following characters'],
  ['a\\b', 'must not contain the following characters'],
  ['a?b', 'must not contain the following characters'],
  ['a"b', 'must not contain the following characters'],
  ['a<b', 'must not contain the following characters'],
  ['a>b', 'must not contain the following characters'],
  ['a|b', 'must not contain the following characters'],
  ['a#b', "must not contain '#'"],
  ['a:b', "must not contain ':'"],
  ['_a', "must not start with '_', '-', or '+'"],
  ['-a', "must not start with '_', '-', or '+'"],
  ['+a', "must not start with '_', '-', or '+'"],
  ['.', "must not be '.' or '..'"],
  ['..', "must not be '.' or '..'"],
  ['', 'must not be empty'],
  ['a'.repeat(256), 'index name is too long, (256 > 255)'],
];

for (const [name, reason] of invalid) {
  test(`index name [${name.slice(0, 20)}] is refused: ${reason} (ES create index API, index name rules)`, () => {
    assert.throws(
      () => validateIndexName(name),
      (error: unknown) =>
        error instanceof EsError &&
        error.status === 400 &&
        error.type === 'invalid_index_name_exception' &&
        error.message.startsWith(`Invalid index name [${name}], `) &&
        error.message.includes(reason),
    );
  });
}

for (const name of ['logs', 'logs-2024.01.01', '.hidden', 'a'.repeat(255), 'émoji', 'a_b+c']) {
  test(`index name [${name.slice(0, 20)}] is accepted`, () => {
    validateIndexName(name);
  });
}

test('document ids: empty and longer than 512 bytes are refused (IndexRequest.validate)', () => {
  assert.throws(() => validateDocumentId(''), /if _id is specified it must not be empty/);
  assert.throws(() => validateDocumentId('x'.repeat(513)), /is too long, must be no longer than 512 bytes but was: 513/);
  validateDocumentId('x'.repeat(512));
});
