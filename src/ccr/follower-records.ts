/**
 * Durable follow state (I/O shell over node.db): one row per follower index with its leader, its
 * follow parameters, whether it is active or paused, and the identity its tasks run as (captured
 * when the follower was created or last resumed, spec ccr.md §4.2). The follower's checkpoint is not
 * here: it is the follower shard's own max_seq_no, committed with the operations it covers.
 */
import type { SqlDatabase } from '../common/index.js';
import type { RoleDescriptor } from '../security/index.js';
import type { Authentication } from '../security/types.js';
import type { FollowParameters } from './types.js';

/** The identity a follow task sends to the leader: who created (or resumed) it, with the role descriptors it had then. */
export interface StoredSubject {
  readonly authentication: Authentication;
  readonly descriptorSets: readonly (readonly RoleDescriptor[])[];
}

/** How a follower became writable (`POST /{follower}/_ccr/promote`). */
export interface PromotionRecord {
  readonly timestampMs: number;
  /** The leader index got `index.blocks.write` first, so two writers never coexisted. */
  readonly leaderFenced: boolean;
  /** `force=true` made it writable without fencing an unreachable leader. */
  readonly forced: boolean;
  /** The follower's checkpoint when it stopped following (the leader's last seq_no when fenced). */
  readonly checkpoint: number;
  /** Every shard's checkpoint, by shard number (records from before this field hold shard 0's only). */
  readonly shardCheckpoints?: readonly number[];
  readonly user: string;
}

export interface FollowerRecord {
  readonly followerIndex: string;
  readonly followerUuid: string;
  readonly remoteCluster: string;
  readonly leaderIndex: string;
  readonly leaderUuid: string;
  readonly leaderHistoryUuid: string;
  readonly params: FollowParameters;
  /** `promoted`: no longer a follower (writable), kept so that `_ccr/info` shows how it was promoted. */
  readonly status: 'active' | 'paused' | 'promoted';
  readonly promotion?: PromotionRecord;
  readonly subject: StoredSubject | undefined;
  /** The leader index metadata version the follower's mappings and settings are synced to. */
  readonly leaderMetadataVersion: number;
  readonly createdMs: number;
}

export class FollowerRecords {
  constructor(private readonly db: SqlDatabase) {
    db.exec('CREATE TABLE IF NOT EXISTS ccr_followers (follower_uuid TEXT PRIMARY KEY, follower_index TEXT NOT NULL, record TEXT NOT NULL)');
  }

  all(): FollowerRecord[] {
    return (this.db.prepare('SELECT record FROM ccr_followers ORDER BY follower_index').all() as { record: string }[]).map((row) => JSON.parse(row.record) as FollowerRecord);
  }

  get(followerUuid: string): FollowerRecord | undefined {
    const row = this.db.prepare('SELECT record FROM ccr_followers WHERE follower_uuid = ?').get(followerUuid) as { record: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.record) as FollowerRecord);
  }

  put(record: FollowerRecord): void {
    this.db
      .prepare('INSERT INTO ccr_followers (follower_uuid, follower_index, record) VALUES (?, ?, ?) ON CONFLICT (follower_uuid) DO UPDATE SET follower_index = excluded.follower_index, record = excluded.record')
      .run(record.followerUuid, record.followerIndex, JSON.stringify(record));
  }

  remove(followerUuid: string): void {
    this.db.prepare('DELETE FROM ccr_followers WHERE follower_uuid = ?').run(followerUuid);
  }
}
