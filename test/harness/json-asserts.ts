/**
 * Raw JSON calls bound to one node, with the two checks correctness tests repeat: an answer that
 * succeeded (its body), and Elasticsearch's error shape with a given status, type and reason.
 * The node is read when a call is made, so a suite can build these before its `before` starts it.
 */
import assert from 'node:assert/strict';
import type { StartedNode } from './cluster.js';
import { jsonCall, type JsonAnswer } from './json-call.js';

export function jsonAsserts(node: () => StartedNode) {
  const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> => jsonCall(node(), method, path, body);

  async function ok(method: string, path: string, body?: unknown): Promise<any> {
    const answer = await call(method, path, body);
    assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${answer.text}`);
    return answer.body;
  }

  async function fails(method: string, path: string, body: unknown, status: number, type: string, reason?: string | RegExp): Promise<any> {
    const answer = await call(method, path, body);
    assert.equal(answer.status, status, `${method} ${path}: ${answer.text}`);
    assert.equal(answer.body.status, status);
    assert.equal(answer.body.error.type, type, answer.text);
    if (typeof reason === 'string') assert.equal(answer.body.error.reason, reason);
    else if (reason !== undefined) assert.match(answer.body.error.reason, reason);
    return answer.body;
  }

  return { call, ok, fails };
}
