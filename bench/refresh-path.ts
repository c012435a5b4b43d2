/**
 * Whole refresh-path micro-benchmark (issue 13; not a test): in process, CPU time per document
 * of `applyOperations` on an empty searcher state, i.e. everything a refresh does with the new
 * operations: JSON.parse of each stored source, the mapping parse, analysis and inversion, and
 * the segment build. Seeded geonames-like documents; prints µs/doc for each round, then the best.
 * Run: node --import tsx bench/refresh-path.ts [docs] [rounds]
 * Profile: node --cpu-prof --cpu-prof-dir=/tmp/x --import tsx bench/refresh-path.ts
 */
import { applyOperations, emptySearcherState, engineMappings } from '../src/index/searcher/index.js';
import { flattenMapping } from '../src/index/index.js';
import { generateGeonames, geonamesMappings } from './geonames-corpus.js';

const n = Number(process.argv[2] ?? 100000);
const rounds = Number(process.argv[3] ?? 3);
const docs = generateGeonames(n, 42);
const root = { properties: geonamesMappings } as any;
const mapping = engineMappings(flattenMapping(root));
const ops = docs.map((d, i) => ({ seqNo: i, op: 'index' as const, id: d.id, source: JSON.stringify(d.source), primaryTerm: 1, version: 1 }));
let best = Infinity;
for (let r = 0; r < rounds; r++) {
  const t0 = process.cpuUsage();
  applyOperations(emptySearcherState, ops, root, mapping);
  const u = process.cpuUsage(t0);
  best = Math.min(best, (u.user + u.system) / n);
  console.log(`${((u.user + u.system) / n).toFixed(2)} µs/doc`);
}
console.log(`${n} docs, best of ${rounds}: ${best.toFixed(2)} µs/doc (CPU)`);
