/**
 * Refresh-path micro-benchmark (issue 13; not a test): in process, CPU time of the pieces a
 * refresh and its merges run, on seeded geonames-like documents: building one segment, merging
 * ten segments into one, and serializing the result (what `persist` writes).
 * Run: node --import tsx bench/refresh-micro.ts [docs] [rounds]
 * (BENCH_ENGINE_ROOT=/path/to/another/checkout compares another tree's engine on the same input.)
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { engineInputs, generateGeonames, geonamesMappings } from './geonames-corpus.js';

const docCount = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const root = process.env['BENCH_ENGINE_ROOT'] ?? path.resolve(import.meta.dirname, '..');
const engine = (await import(pathToFileURL(path.join(root, 'src/index/engine/index.ts')).href)) as typeof import('../src/index/engine/index.js');

const documents = engineInputs(generateGeonames(docCount, 42));
const cpuMs = (fn: () => void): number => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const best = { build: Infinity, merge: Infinity, serialize: Infinity };
for (let round = 0; round < rounds; round++) {
  let whole: ReturnType<typeof engine.buildSegment> | undefined;
  best.build = Math.min(best.build, cpuMs(() => (whole = engine.buildSegment(documents, geonamesMappings, { name: 'whole', maxSeqNo: docCount - 1 }))));
  void whole;
  const per = Math.ceil(docCount / 10);
  const parts = Array.from({ length: 10 }, (_, index) =>
    engine.buildSegment(documents.slice(index * per, (index + 1) * per).map((doc, docId) => ({ ...doc, docId })), geonamesMappings, { name: `p${index}`, maxSeqNo: 0 }),
  );
  let merged: ReturnType<typeof engine.mergeSegments> | undefined;
  best.merge = Math.min(best.merge, cpuMs(() => (merged = engine.mergeSegments(parts, 'merged'))));
  best.serialize = Math.min(best.serialize, cpuMs(() => engine.serializeSegment(merged!)));
}
const us = (ms: number): string => ((ms * 1000) / docCount).toFixed(2);
console.log(`${docCount} docs, best of ${rounds}, CPU ms (µs/doc): build ${best.build.toFixed(0)} (${us(best.build)}), merge 10→1 ${best.merge.toFixed(0)} (${us(best.merge)}), serialize ${best.serialize.toFixed(0)} (${us(best.serialize)})`);
