import { startNode } from '../test/harness/cluster.js';
process.env['STRAIT_TEST_FROM_DIST'] = '1';
const node = await startNode({ httpTls: false });
await node.stop();
process.env['STRAIT_NODE_FLAGS'] = '--cpu-prof --cpu-prof-dir=/tmp/prof3';
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const again = await node.restart();
  console.log('ready ms', Math.round(performance.now() - t));
  await again.stop();
}
