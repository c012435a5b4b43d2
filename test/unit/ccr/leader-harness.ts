// A leader service over the search harness's indices (the leader side of cross-cluster replication,
// without a transport), closed with the test.
import Database from 'better-sqlite3';
import pino from 'pino';
import type { SqlDatabase } from '../../../src/common/index.js';
import { CcrLeaderService } from '../../../src/ccr/leader.js';
import { openSearchHarness, type SearchHarness } from '../search-api/harness.js';

export function openLeaderHarness(t: Parameters<typeof openSearchHarness>[0]): { h: SearchHarness; leader: CcrLeaderService } {
  const h = openSearchHarness(t);
  const db = new Database(':memory:');
  const leader = new CcrLeaderService(h.service, db as unknown as SqlDatabase, () => Date.now(), pino({ level: 'silent' }));
  t.after(() => {
    leader.close();
    db.close();
  });
  return { h, leader };
}
