import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { openIndicesService, indexDocument, deleteDocument } from '/work/main/src/index/index.js';
import { SearcherService, parseSearchRequest, searchShard, mergeShardResults, engineMappings } from '/work/main/src/index/searcher/index.js';
const dir = mkdtempSync(path.join(tmpdir(), 's1-'));
const log = pino({ level: 'debug' });
const nodeDb = new Database(path.join(dir, 'node.db')) as any;
let service = openIndicesService({ nodeDb, pathData: dir, log, nowMs: () => Date.now(), refreshTickMs: 0 });
let searchers = new SearcherService(service, log);
for (let i = 0; i < 30; i++) {
  indexDocument(service, { target: 'books', id: String(i % 20), source: { title: `book number ${i}`, n: i, tag: i % 2 ? 'odd' : 'even' }, opType: 'index' });
  if (i % 3 === 0) service.refresh(service.get('books')!);
}
deleteDocument(service, { target: 'books', id: '1' });
service.refresh(service.get('books')!);
const run = () => {
  const h = service.get('books')!;
  const snap = searchers.snapshot(h);
  const req = parseSearchRequest({ query: { match: { title: 'book' } }, size: 3, track_total_hits: true, aggs: { t: { terms: { field: 'tag.keyword' } } } });
  const r = searchShard(snap.state.segments, snap.stats, req, { mappings: engineMappings(h.mapping), indexName: 'books', shardKey: 'books:0', nowMs: Date.now() });
  const m = mergeShardResults([r], req);
  console.log(snap.state.segments.length, snap.state.refreshedSeqNo, m.total, JSON.stringify(m.aggregations), m.hits.map(h => snap.state.segments[h.segmentIndex]!.ids[h.doc]));
};
run();
service.close(); searchers.close();
service = openIndicesService({ nodeDb, pathData: dir, log, nowMs: () => Date.now(), refreshTickMs: 0 });
searchers = new SearcherService(service, log);
run();
indexDocument(service, { target: 'books', id: 'x', source: { title: 'another book' }, opType: 'index' });
service.refresh(service.get('books')!);
run();
