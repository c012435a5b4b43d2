// A node-level fan-out (Elasticsearch's TransportNodesAction): every node asked has an entry, its
// answer or the failure that a response lists (a FailedNodeException's cause); this node answers
// for itself without the transport.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { EsError, errors } from '../../../src/common/index.js';
import { askEachNode } from '../../../src/node/ask-nodes.js';

test('each node asked answers or fails in its own entry, in the order asked; this node answers locally', async () => {
  const sent: string[] = [];
  const channel = {
    request: async (node: string, action: string, body: unknown) => {
      sent.push(`${node} ${action}`);
      if (node === 'down') throw new Error('connection refused');
      if (node === 'refusing') throw errors.illegalArgument('no such action');
      if (node === 'odd') return { other: true };
      return { from: node, body };
    },
  };
  const answers = await askEachNode({ nodeId: 'me', channel, log: pino({ level: 'silent' }) }, ['down', 'me', 'peer', 'refusing', 'odd'], 'x[n]', { q: 1 }, 1_000, (body) => ({ from: 'local', body }), (answer: { from?: string }, node) => {
    if (answer.from === undefined) throw errors.illegalArgument(`node [${node}] answered without [from]`);
    return answer;
  });
  assert.deepEqual([...answers.keys()], ['down', 'me', 'peer', 'refusing', 'odd']);
  assert.deepEqual(sent.sort(), ['down x[n]', 'odd x[n]', 'peer x[n]', 'refusing x[n]'], 'this node is not asked through the transport');
  assert.deepEqual(answers.get('me'), { from: 'local', body: { q: 1 } });
  assert.deepEqual(answers.get('peer'), { from: 'peer', body: { q: 1 } });
  const down = answers.get('down');
  assert.ok(down instanceof EsError);
  assert.equal(down.type, 'connect_transport_exception');
  assert.match(down.message, /connection refused/);
  assert.equal((answers.get('refusing') as EsError).type, 'illegal_argument_exception', 'a remote refusal keeps its own type');
  assert.match((answers.get('odd') as EsError).message, /node \[odd\] answered without \[from\]/);
});
