// The pure core of auto-follow patterns (spec ccr.md §5): body validation (§5.1), matching with
// exclusions, `{{leader_index}}` templating, "only new indices" bookkeeping and candidate selection
// with conflicts and soft deletes (§5.3), the stats counters (§3.7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import {
  AutoFollowStats,
  autoFollowLimits,
  existingMatches,
  followerIndexName,
  parseAutoFollowPatternBody,
  patternMatches,
  planAutoFollow,
  pruneFollowed,
  renderPattern,
  type AutoFollowPatternRecord,
  type LeaderIndexEntry,
} from '../../../src/ccr/auto-follow.js';

function refusal(run: () => unknown): EsError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EsError);
    return error;
  }
  assert.fail('expected an error');
}

const leader = (name: string, extra: Partial<LeaderIndexEntry> = {}): LeaderIndexEntry => ({ name, uuid: `u-${name}`, open: true, creation_date: 1, soft_deletes: true, ...extra });

function record(name: string, inclusions: string[], extra: Partial<AutoFollowPatternRecord> = {}): AutoFollowPatternRecord {
  return {
    name,
    remoteCluster: 'lc',
    leaderIndexPatterns: inclusions,
    leaderIndexExclusionPatterns: [],
    followIndexPattern: '{{leader_index}}',
    settings: undefined,
    parameters: {},
    active: true,
    subject: undefined,
    followedLeaderUuids: [],
    ...extra,
  };
}

test('§5.1 validation: missing fields are collected into one action_request_validation_exception', () => {
  const error = refusal(() => parseAutoFollowPatternBody('', {}));
  assert.equal(error.status, 400);
  assert.equal(error.type, 'action_request_validation_exception');
  assert.equal(error.message, 'Validation Failed: 1: [name] is missing;2: [remote_cluster] is missing;3: [leader_index_patterns] is missing;');
  // An empty array is missing too.
  assert.match(refusal(() => parseAutoFollowPatternBody('p', { remote_cluster: 'lc', leader_index_patterns: [] })).message, /\[leader_index_patterns\] is missing/);
  assert.match(refusal(() => parseAutoFollowPatternBody('_p', { remote_cluster: 'lc', leader_index_patterns: ['a'] })).message, /\[name\] name must not start with '_'/);
  assert.match(refusal(() => parseAutoFollowPatternBody('a,b', { remote_cluster: 'lc', leader_index_patterns: ['a'] })).message, /\[name\] name must not contain a ','/);
  assert.match(refusal(() => parseAutoFollowPatternBody('x'.repeat(256), { remote_cluster: 'lc', leader_index_patterns: ['a'] })).message, /\[name\] name is too long \(256 > 255\)/);
  assert.equal(autoFollowLimits.nameBytesMax, 255);
});

test('§5.1 validation: follow parameters, unknown fields and wrong shapes', () => {
  const bad = refusal(() => parseAutoFollowPatternBody('p', { remote_cluster: 'lc', leader_index_patterns: ['a'], max_read_request_operation_count: 0 }));
  assert.equal(bad.type, 'action_request_validation_exception');
  assert.match(bad.message, /max_read_request_operation_count must be larger than 0/);
  const unknown = refusal(() => parseAutoFollowPatternBody('p', { remote_cluster: 'lc', leader_index_patterns: ['a'], bogus: 1 }));
  assert.equal(unknown.type, 'x_content_parse_exception');
  assert.match(unknown.message, /\[put_auto_follow_pattern_request\] unknown field \[bogus\]/);
  assert.equal(refusal(() => parseAutoFollowPatternBody('p', { remote_cluster: 'lc', leader_index_patterns: [1] })).type, 'x_content_parse_exception');
  // A lone string is a one-element list, as Elasticsearch's string-array fields accept.
  assert.deepEqual(parseAutoFollowPatternBody('p', { remote_cluster: 'lc', leader_index_patterns: 'a-*' }).leaderIndexPatterns, ['a-*']);
  assert.equal(refusal(() => parseAutoFollowPatternBody('p', undefined)).type, 'parse_exception');
});

test('§5.1 defaults: follow_index_pattern is {{leader_index}}; only given parameters are kept and rendered', () => {
  const spec = parseAutoFollowPatternBody('p', { remote_cluster: 'lc', leader_index_patterns: ['logs-*'], max_read_request_size: '1024k', max_retry_delay: '10s' });
  assert.equal(spec.followIndexPattern, '{{leader_index}}');
  assert.deepEqual(spec.leaderIndexExclusionPatterns, []);
  assert.deepEqual(spec.parameters, { max_read_request_size: '1024k', max_retry_delay: '10s' });
  const rendered = renderPattern({ ...record('p', ['logs-*']), ...spec });
  assert.deepEqual(rendered, {
    active: true,
    remote_cluster: 'lc',
    leader_index_patterns: ['logs-*'],
    leader_index_exclusion_patterns: [],
    follow_index_pattern: '{{leader_index}}',
    max_read_request_size: '1mb',
    max_retry_delay: '10s',
  });
  // Every follow parameter the follower accepts is kept, Strait's max_lag objective included.
  const lag = parseAutoFollowPatternBody('p', { remote_cluster: 'lc', leader_index_patterns: ['a'], max_lag: { time: '30s' } });
  assert.deepEqual(lag.parameters, { max_lag: { time: '30s' } });
  assert.deepEqual(renderPattern({ ...record('p', ['a']), ...lag })['max_lag'], { time: '30s' });
});

test('§5.1 matching: an exclusion wins over an inclusion; templating replaces every {{leader_index}}', () => {
  const pattern = { leaderIndexPatterns: ['logs-*', 'metrics'], leaderIndexExclusionPatterns: ['logs-debug-*'] };
  assert.equal(patternMatches(pattern, 'logs-eu'), true);
  assert.equal(patternMatches(pattern, 'metrics'), true);
  assert.equal(patternMatches(pattern, 'metrics-1'), false);
  assert.equal(patternMatches(pattern, 'logs-debug-1'), false);
  assert.equal(followerIndexName('{{leader_index}}', 'logs-1'), 'logs-1');
  assert.equal(followerIndexName('copy-{{leader_index}}-{{leader_index}}', 'a'), 'copy-a-a');
});

test('§5.3 only new indices: matches at PUT time are handled; bookkeeping of vanished leaders is pruned', () => {
  const indices = [leader('logs-1'), leader('logs-2'), leader('other')];
  assert.deepEqual(existingMatches({ leaderIndexPatterns: ['logs-*'], leaderIndexExclusionPatterns: ['logs-2'] }, indices), ['u-logs-1']);
  assert.deepEqual(pruneFollowed(['u-logs-1', 'u-gone'], indices), ['u-logs-1']);
  const plan = planAutoFollow(record('p', ['logs-*'], { followedLeaderUuids: ['u-logs-1'], followIndexPattern: 'copy-{{leader_index}}' }), [], indices);
  assert.deepEqual(plan.follow.map((entry) => [entry.leader.name, entry.followerIndex]), [['logs-2', 'copy-logs-2']]);
  assert.deepEqual(plan.failures, []);
});

test('§5.3 candidates: closed indices wait; soft deletes off is an error once; conflicts are errors each round for both patterns', () => {
  const indices = [leader('logs-closed', { open: false }), leader('logs-nosd', { soft_deletes: false }), leader('logs-both')];
  const p1 = record('p1', ['logs-*']);
  const p2 = record('p2', ['logs-both'], { active: false });
  const elsewhere = { ...record('p3', ['logs-*']), remoteCluster: 'other' };
  const plan = planAutoFollow(p1, [p1, p2, elsewhere], indices);
  assert.deepEqual(plan.follow, []);
  assert.deepEqual(
    plan.failures.map((failure) => [failure.leader.name, failure.handled, failure.error.message]),
    [
      ['logs-nosd', true, 'index [logs-nosd] cannot be followed, because soft deletes are not enabled'],
      ['logs-both', false, 'index to follow [logs-both] for pattern [p1] matches with other patterns [p2]'],
    ],
  );
  const symmetric = planAutoFollow(p2, [p1, p2], indices);
  assert.deepEqual(symmetric.failures.map((failure) => failure.error.message), ['index to follow [logs-both] for pattern [p2] matches with other patterns [p1]']);
});

test('§3.7 stats: counters, errors keyed <pattern>:<index>, cleared on success, bounded; clusters with time since last check', () => {
  const stats = new AutoFollowStats();
  stats.followFailed('p', 'logs-1', 1000, new EsError(400, 'illegal_argument_exception', 'nope'));
  stats.remoteStateFailed('p', 1500, new EsError(404, 'no_such_remote_cluster_exception', 'no such remote cluster: [lc]'));
  stats.remoteStateFetched('p', 'lc', 2000, 7);
  stats.followSucceeded('p', 'logs-2');
  let json = stats.render(2500) as Record<string, unknown>;
  assert.equal(json['number_of_failed_follow_indices'], 1);
  assert.equal(json['number_of_failed_remote_cluster_state_requests'], 1);
  assert.equal(json['number_of_successful_follow_indices'], 1);
  assert.deepEqual(json['recent_auto_follow_errors'], [{ leader_index: 'p:logs-1', timestamp: 1000, auto_follow_exception: { type: 'illegal_argument_exception', reason: 'nope' } }]);
  assert.deepEqual(json['auto_followed_clusters'], [{ cluster_name: 'lc', time_since_last_check_millis: 500, last_seen_metadata_version: 7 }]);
  stats.followSucceeded('p', 'logs-1');
  stats.retainClusters(new Set());
  json = stats.render(3000) as Record<string, unknown>;
  assert.deepEqual(json['recent_auto_follow_errors'], []);
  assert.deepEqual(json['auto_followed_clusters'], []);
  for (let i = 0; i < autoFollowLimits.recentErrorsMax + 10; i++) stats.followFailed('p', `i${i}`, i, new EsError(500, 'exception', 'x'));
  json = stats.render(0) as Record<string, unknown>;
  const recent = json['recent_auto_follow_errors'] as { leader_index: string }[];
  assert.equal(recent.length, autoFollowLimits.recentErrorsMax);
  assert.equal(recent[0]!.leader_index, 'p:i10');
});
