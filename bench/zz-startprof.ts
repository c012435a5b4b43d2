/**
 * Start-up profile (issue 13's "ready after a restart"; not a test): starts a node (security on,
 * plain HTTP) from dist/, stops it, then restarts it three times with `--cpu-prof`, printing how
 * long each restart took to be ready. Profiles go to START_PROFILE_DIR (default /tmp/strait-start-prof);
 * summarize one with bench/profile-summary.mjs.
 * Run: npm run build && STRAIT_TEST_FROM_DIST=1 node --import tsx bench/zz-startprof.ts
 */
import { startNode } from '../test/harness/cluster.js';

const profileDir = process.env['START_PROFILE_DIR'] ?? '/tmp/strait-start-prof';
const node = await startNode({ httpTls: false });
await node.stop();
process.env['STRAIT_NODE_FLAGS'] = `${process.env['STRAIT_NODE_FLAGS'] ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`;
for (let round = 0; round < 3; round++) {
  const started = performance.now();
  const again = await node.restart();
  console.log(`restart ${round + 1}: ready in ${Math.round(performance.now() - started)} ms`);
  await again.stop();
}
console.log(`profiles in ${profileDir}`);
