// Versioning parameters of document writes, validated as Elasticsearch validates them
// (DocWriteRequest.validateSeqNoBasedCASParams, IndexRequest/DeleteRequest/UpdateRequest.validate,
// VersionType.validateVersionForWrites; the request setters for if_seq_no and if_primary_term).
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-index_.html#index-versioning
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEsError } from '../../../src/common/index.js';
import { concurrencyProblems, parseConcurrency, parseLong } from '../../../src/index/documents.js';

const internalVersioning = 'internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead';

test('concurrencyProblems: one row per case, in Elasticsearch order', () => {
  const rows: [Record<string, string>, 'index' | 'create' | 'delete' | 'update', boolean, string[]][] = [
    [{}, 'index', true, []],
    [{ version: '0', version_type: 'external' }, 'index', true, []],
    [{ version: '0', version_type: 'external_gte' }, 'delete', true, []],
    [{ version: '-3' }, 'index', true, []],
    [{ version: '-4' }, 'index', true, []],
    [{ version_type: 'external' }, 'index', true, ['illegal version value [-3] for version type [EXTERNAL]']],
    [{ version: '-7', version_type: 'external_gte' }, 'delete', true, ['illegal version value [-7] for version type [EXTERNAL_GTE]']],
    [{ version: '5' }, 'index', true, [internalVersioning]],
    [{ version: '0' }, 'delete', true, ['illegal version value [0] for version type [INTERNAL]', internalVersioning]],
    [{ if_seq_no: '1', if_primary_term: '1', version: '2', version_type: 'external' }, 'index', true, ['compare and write operations can not use versioning']],
    [{ if_seq_no: '1' }, 'index', true, ['ifSeqNo is set, but primary term is [0]']],
    [{ if_primary_term: '3' }, 'delete', true, ['ifSeqNo is unassigned, but primary term is [3]']],
    [{ version: '2', version_type: 'external' }, 'create', true, ['create operations only support internal versioning. use index instead']],
    [{ version: '2' }, 'create', true, ['create operations do not support explicit versions. use index instead']],
    [{ if_seq_no: '0', if_primary_term: '1' }, 'create', true, ['create operations do not support compare and set. use index instead']],
    [{ version: '2', version_type: 'external' }, 'index', false, ['an id must be provided if version type or value are set']],
    [{ version: '2', version_type: 'external' }, 'update', true, ['version type [EXTERNAL] is not supported by the update API']],
    [{ version: '2', version_type: 'external_gte' }, 'update', true, ['version type [EXTERNAL_GTE] is not supported by the update API']],
  ];
  for (const [params, kind, hasId, expected] of rows) {
    assert.deepEqual(concurrencyProblems(parseConcurrency(params), kind, hasId), expected, `${kind} ${JSON.stringify(params)}`);
  }
});

test('parseConcurrency: reserved values mean "absent"; negative seq_no and terms are refused with Elasticsearch reasons', () => {
  assert.deepEqual(parseConcurrency({ if_seq_no: '-2', if_primary_term: '0', version: '-3' }), { versionType: 'internal' });
  const reason = (params: Record<string, unknown>): string => {
    try {
      parseConcurrency(params);
    } catch (error) {
      assert.ok(isEsError(error));
      assert.equal(error.status, 400);
      return `${error.type}: ${error.message}`;
    }
    return 'no error';
  };
  assert.equal(reason({ if_seq_no: '-1', if_primary_term: '1' }), 'illegal_argument_exception: sequence numbers must be non negative. got [-1].');
  assert.equal(reason({ if_seq_no: '1', if_primary_term: '-1' }), 'illegal_argument_exception: primary term must be non negative. got [-1]');
  assert.equal(reason({ version: '1.5' }), 'illegal_argument_exception: Failed to parse long parameter [version] with value [1.5]');
  assert.equal(reason({ version: 1.5 }), 'illegal_argument_exception: Failed to parse long parameter [version] with value [1.5]');
  assert.equal(reason({ version: { a: 1 } }), 'illegal_argument_exception: Failed to parse long parameter [version] with value [{"a":1}]');
  assert.equal(reason({ version_type: 7 }), 'illegal_argument_exception: No version type match [7]');
  assert.equal(reason({ version_type: 'external_gt', version: '1' }), 'no error');
});

test('parseLong: Java long range; beyond 2^53 - 1 refused rather than rounded', () => {
  assert.equal(parseLong('9007199254740991', 'version'), Number.MAX_SAFE_INTEGER);
  assert.equal(parseLong('-12', 'if_seq_no'), -12);
  assert.equal(parseLong('+12', 'version'), 12);
  assert.throws(() => parseLong('9223372036854775808', 'version'), /Failed to parse long parameter \[version\] with value \[9223372036854775808\]/);
  assert.throws(() => parseLong('9223372036854775807', 'version'), /beyond the largest value Strait stores exactly/);
  assert.throws(() => parseLong('1e3', 'version'), /Failed to parse long parameter/);
  assert.throws(() => parseLong('', 'version'), /Failed to parse long parameter/);
});
