// `nodes_credentials` of the service account credentials API from the nodes' answers
// (security-api-get-service-credentials.html: "file_tokens: file-backed tokens collected from all
// nodes", `_nodes` the nodes that answered or failed, as Elasticsearch's nodes actions count them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors } from '../../../src/common/index.js';
import { renderNodesCredentials } from '../../../src/node/wire-service-credentials.js';

test('every node asked counts; a file token names the nodes holding it', () => {
  const answers = new Map([
    ['id-a', { nodeName: 'a', answer: { file_tokens: ['t1'] } }],
    ['id-b', { nodeName: 'b', answer: { file_tokens: ['t1', 't2'] } }],
    ['id-c', { nodeName: 'c', answer: { file_tokens: [] } }],
  ]);
  assert.deepEqual(renderNodesCredentials(answers), { _nodes: { total: 3, successful: 3, failed: 0 }, file_tokens: { t1: { nodes: ['a', 'b'] }, t2: { nodes: ['b'] } } });
});

test('a node that did not answer is a failure, listed as a failed_node_exception with its cause', () => {
  const answers = new Map([
    ['id-a', { nodeName: 'a', answer: { file_tokens: [] as string[] } }],
    ['id-b', { nodeName: 'b', answer: errors.connectTransport('id-b', undefined, 'connection refused') }],
  ]);
  const rendered = renderNodesCredentials(answers) as { _nodes: { total: number; successful: number; failed: number; failures: { type: string; node_id: string; caused_by: { type: string } }[] }; file_tokens: object };
  assert.deepEqual([rendered._nodes.total, rendered._nodes.successful, rendered._nodes.failed], [2, 1, 1]);
  assert.deepEqual(rendered._nodes.failures.map((failure) => [failure.type, failure.node_id, failure.caused_by.type]), [['failed_node_exception', 'id-b', 'connect_transport_exception']]);
  assert.deepEqual(rendered.file_tokens, {});
});
