/**
 * The cluster privileges of the ingest APIs, as Elasticsearch's security privileges page lists them
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/security-privileges.html):
 * manage_pipeline and manage_ingest_pipelines cover every pipeline action; read_pipeline only get and simulate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePrivileges } from '../../../src/security/privileges.js';

test('read_pipeline allows getting and simulating pipelines, not changing them', () => {
  const read = compilePrivileges('cluster', ['read_pipeline']);
  assert.equal(read.matches('cluster:admin/ingest/pipeline/get'), true);
  assert.equal(read.matches('cluster:admin/ingest/pipeline/simulate'), true);
  assert.equal(read.matches('cluster:admin/ingest/pipeline/put'), false);
  assert.equal(read.matches('cluster:admin/ingest/pipeline/delete'), false);
  const manage = compilePrivileges('cluster', ['manage_ingest_pipelines']);
  for (const action of ['put', 'get', 'delete', 'simulate']) assert.equal(manage.matches(`cluster:admin/ingest/pipeline/${action}`), true);
});
