/**
 * Plain JavaScript, so that nodes started from `dist/` need no tsx. Preloaded (`node --import`) into every node the harness starts, never part of Strait itself: the
 * node ends once the process that started it is gone, however it went (a test file that crashed
 * while loading, one killed with SIGKILL, a runner stopped by CI), since a dead parent runs no
 * cleanup of its own. The parent's death shows as a change of parent id (the orphan is adopted by
 * init or a subreaper). The orphan removes its temp directory, which nobody else is left to
 * remove, then kills itself with SIGKILL: its data is thrown away anyway, and a clean stop is not
 * safe here, since its stdout's reader is gone with the parent and pino's exit-time flush retries a
 * failing write (EPIPE) forever.
 *
 * Environment: STRAIT_TEST_PARENT_PID (the harness's pid; no watchdog without it),
 * STRAIT_TEST_NODE_ROOT (the node's temp directory).
 */
import { rmSync } from 'node:fs';

/** How often the parent id is checked (ours): an orphan outlives its parent by at most this. */
const parentCheckMs = 200;

const parentPid = Number(process.env['STRAIT_TEST_PARENT_PID']);
const nodeRoot = process.env['STRAIT_TEST_NODE_ROOT'];

function endOrphan() {
  if (nodeRoot !== undefined && nodeRoot !== '') rmSync(nodeRoot, { recursive: true, force: true });
  process.kill(process.pid, 'SIGKILL');
}

if (Number.isInteger(parentPid) && parentPid > 0) {
  // A parent that died while this process was being spawned is already gone.
  if (process.ppid !== parentPid) endOrphan();
  const timer = setInterval(() => {
    if (process.ppid !== parentPid) endOrphan();
  }, parentCheckMs);
  // The watchdog never keeps a node alive by itself.
  timer.unref();
}
