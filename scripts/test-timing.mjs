// Loaded with --import by scripts/run-tests.mjs when STRAIT_TEST_TIMINGS names a file: each test
// file's process appends its wall time there on exit, to see which files take the time.
import { appendFileSync } from 'node:fs';

const out = process.env['STRAIT_TEST_TIMINGS'];
const file = process.argv[1];
if (out && file && /\.test\.m?[jt]s$/.test(file)) {
  const started = performance.now();
  process.on('exit', () => appendFileSync(out, `${Math.round(performance.now() - started)}\t${file}\n`));
}
