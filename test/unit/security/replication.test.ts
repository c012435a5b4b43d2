// Security metadata shared through etcd in multi-node mode (issue #14; Elasticsearch keeps it in the
// replicated `.security` index, so every node sees the same users, roles and keys): the pure keys,
// records and load plan (src/security/replication.ts), and the store's apply rule over a real
// SQLite database: a change is applied only when its etcd revision is newer than the one held, so
// the last writer by revision wins on every node whatever order events and answers arrive in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { SqlDatabase } from '../../../src/common/index.js';
import { decodeRecord, encodeRecord, parseSecurityKey, planLoad, recordKey, securityKeys, SECURITY_RECORD_FORMAT, type SecurityRecord } from '../../../src/security/replication.js';
import { SecurityStore, type SecurityChange, type StoredUser } from '../../../src/security/store.js';
import { NativeSecurityService } from '../../../src/security/service.js';
import { hashSecret } from '../../../src/security/hashing.js';

const user = (username: string, fullName: string | null = null, passwordHash: string | null = 'hash'): StoredUser => ({
  username,
  passwordHash,
  roles: ['r1'],
  fullName,
  email: null,
  metadata: {},
  enabled: true,
});
const userRecord = (username: string, fullName: string | null = null): SecurityRecord => ({ kind: 'user', user: user(username, fullName) });
const openStore = (): SecurityStore => new SecurityStore(new Database(':memory:') as unknown as SqlDatabase);

test('keys name the kind and URI-encode each part (a service account principal holds a slash)', () => {
  assert.equal(securityKeys.user('alice', false), 'user/alice');
  assert.equal(securityKeys.user('elastic', true), 'reserved_user/elastic');
  assert.equal(securityKeys.serviceToken('elastic/fleet-server', 't1'), 'service_token/elastic%2Ffleet-server/t1');
  assert.deepEqual(parseSecurityKey('service_token/elastic%2Ffleet-server/t1'), { kind: 'service_token', parts: ['elastic/fleet-server', 't1'] });
  assert.deepEqual(parseSecurityKey('privilege/app%20one/read'), { kind: 'privilege', parts: ['app one', 'read'] });
  assert.equal(parseSecurityKey('nodes/abc'), undefined);
  assert.equal(parseSecurityKey('user'), undefined);
  assert.equal(parseSecurityKey('user/%E0%A4%A'), undefined, 'a malformed escape is not a key');
});

test('a record round-trips with its format; a wrong format, kind, key or text is refused with a reason', () => {
  const record = userRecord('alice', 'Alice');
  const text = encodeRecord(record);
  assert.equal(JSON.parse(text).format, SECURITY_RECORD_FORMAT);
  assert.deepEqual(decodeRecord('user/alice', text), { ok: true, record });
  assert.equal(recordKey(record), 'user/alice');
  const refused = (key: string, value: string): string => {
    const decoded = decodeRecord(key, value);
    assert.equal(decoded.ok, false);
    return decoded.ok ? '' : decoded.reason;
  };
  assert.match(refused('user/bob', text), /belongs under \[user\/alice\]/);
  assert.match(refused('user/alice', JSON.stringify({ ...JSON.parse(text), format: 2 })), /record format \[2\], this node reads \[1\]/);
  assert.match(refused('user/alice', '{'), /not JSON/);
  assert.match(refused('user/alice', JSON.stringify({ format: 1, kind: 'group', group: {} })), /unknown record kind \[group\]/);
  assert.match(refused('user/alice', JSON.stringify({ format: 1, kind: 'user' })), /unknown record kind/);
});

test('planLoad: etcd is the truth; tracked keys gone from it are deleted; untracked local records are adopted, reserved ones stay local', () => {
  const entries = new Map([
    ['user/alice', { value: encodeRecord(userRecord('alice', 'new')), revision: 12 }],
    ['user/same', { value: encodeRecord(userRecord('same')), revision: 5 }],
    ['user/broken', { value: '{', revision: 6 }],
  ]);
  const local = new Map<string, SecurityRecord>([
    ['user/alice', userRecord('alice', 'old')],
    ['user/same', userRecord('same')],
    ['user/gone', userRecord('gone')],
    ['user/mine', userRecord('mine')],
    ['reserved_user/elastic', { kind: 'reserved_user', user: user('elastic') }],
  ]);
  const plan = planLoad({ entries, tracked: new Map([['user/alice', 9], ['user/same', 5], ['user/gone', 3]]), local });
  assert.deepEqual(plan.puts.map((put) => [put.key, put.revision]), [['user/alice', 12]]);
  assert.deepEqual(plan.deletes, ['user/gone']);
  assert.deepEqual(plan.adopt.map(recordKey), ['user/mine']);
  assert.deepEqual(plan.invalid.map((entry) => entry.key), ['user/broken']);
  assert.deepEqual([...plan.revisions], [['user/alice', 12], ['user/same', 5]]);
  // Nothing tracked (a first join, or another etcd): nothing deleted, every local-only record adopted.
  const first = planLoad({ entries, tracked: new Map(), local });
  assert.deepEqual(first.deletes, []);
  assert.deepEqual(first.adopt.map(recordKey).sort(), ['user/gone', 'user/mine']);
  assert.deepEqual(first.puts.map((put) => put.key).sort(), ['user/alice', 'user/same']);
  // A local write etcd never confirmed (held revision 0) is put back to etcd's value.
  const unconfirmed = planLoad({ entries, tracked: new Map([['user/same', 0]]), local });
  assert.ok(unconfirmed.puts.some((put) => put.key === 'user/same'));
});

test('the store tells its sink each write (the held revision becomes 0); shared changes are applied in revision order only', () => {
  const store = openStore();
  const changes: SecurityChange[] = [];
  store.setChangeSink((change) => changes.push(change), 10_000);
  store.putUser(user('alice', 'local'), false);
  store.setLocalPasswordHash('elastic', 'hash');
  assert.deepEqual(changes.map((change) => change.key), ['user/alice'], 'a local-only password is not shared');
  assert.equal(store.localPasswordHash('elastic'), 'hash');
  assert.equal(store.records().has('reserved_user/elastic'), false, 'nor one of the shared records');
  assert.equal(store.replicationState().revisions.get('user/alice'), 0);
  // An older writer's event arrives before this node's own write came back: applied (etcd ordered it first) ...
  assert.equal(store.applyShared('user/alice', userRecord('alice', 'older'), 9), true);
  // ... then the own write's event (revision 10) restores it (the write's request waits for it); a replay of 9 changes nothing.
  assert.equal(store.applyShared('user/alice', userRecord('alice', 'local'), 10), true);
  assert.equal(store.applyShared('user/alice', userRecord('alice', 'older'), 9), false);
  assert.equal(store.applyShared('user/alice', userRecord('alice', 'local'), 10), false);
  assert.equal(store.getUser('alice', false)?.fullName, 'local');
  assert.equal(store.replicationState().revisions.get('user/alice'), 10);
  // Two nodes write at once: etcd orders them (mine 20, theirs 21); every node applies both in that order and ends with theirs.
  store.putUser(user('alice', 'mine'), false);
  assert.equal(store.applyShared('user/alice', userRecord('alice', 'mine'), 20), true);
  assert.equal(store.applyShared('user/alice', userRecord('alice', 'theirs'), 21), true);
  assert.equal(store.replicationState().revisions.get('user/alice'), 21);
  assert.equal(store.getUser('alice', false)?.fullName, 'theirs');
  // A deletion is held too: an older put cannot bring the user back.
  assert.equal(store.applyShared('user/alice', null, 22), true);
  assert.equal(store.applyShared('user/alice', userRecord('alice', 'zombie'), 21), false);
  assert.equal(store.getUser('alice', false), undefined);
  assert.equal(changes.length, 2, 'applying shared changes tells the sink nothing');
  // Every kind is written and deleted by key.
  const records: SecurityRecord[] = [
    { kind: 'role', role: { name: 'r1', cluster: ['monitor'], indices: [], applications: [], run_as: [], metadata: {} } as never },
    { kind: 'privilege', privilege: { application: 'app', name: 'read', actions: ['data:read/*'], metadata: {} } },
    { kind: 'service_token', token: { principal: 'elastic/fleet-server', name: 't1', hash: 'h', creationMs: 1 } },
    { kind: 'reserved_user', user: user('kibana_system', null, 'h2') },
  ];
  for (const [index, record] of records.entries()) assert.equal(store.applyShared(recordKey(record), record, 30 + index), true);
  assert.equal(store.getRole('r1')?.name, 'r1');
  assert.equal(store.listApplicationPrivileges()[0]?.name, 'read');
  assert.equal(store.getServiceToken('elastic/fleet-server', 't1')?.hash, 'h');
  assert.equal(store.getUser('kibana_system', true)?.passwordHash, 'h2');
  for (const [index, record] of records.entries()) assert.equal(store.applyShared(recordKey(record), null, 40 + index), true);
  assert.equal(store.getRole('r1'), undefined);
  assert.equal(store.listApplicationPrivileges().length, 0);
  assert.equal(store.getServiceToken('elastic/fleet-server', 't1'), undefined);
  assert.equal(store.getUser('kibana_system', true), undefined);
});

test('the service forgets a cached password when a shared change replaces it, and a full load deletes and adopts', async () => {
  const db = new Database(':memory:') as unknown as SqlDatabase;
  const service = new NativeSecurityService({ db, log: pino({ level: 'silent' }), nowMs: () => 1_000 });
  const published: [string, string | null][] = [];
  service.shareChanges((key, value) => published.push([key, value]), 10_000);
  await service.putUser('alice', { password: 'first-secret', roles: ['r1'] });
  assert.deepEqual(published.map(([key]) => key), ['user/alice']);
  await service.authenticatePassword('alice', 'first-secret', 'test'); // now remembered by the cache
  const replaced: SecurityRecord = { kind: 'user', user: user('alice', null, await hashSecret('second-secret')) };
  service.applyShared('user/alice', encodeRecord(replaced), 5);
  await assert.rejects(service.authenticatePassword('alice', 'first-secret', 'test'), /unable to authenticate user \[alice\]/);
  assert.equal((await service.authenticatePassword('alice', 'second-secret', 'test')).user.username, 'alice');
  service.applyShared('user/alice', '{"format":1', 6); // unreadable: logged and skipped
  assert.ok(service.store.getUser('alice', false) !== undefined);
  // A full load from the same etcd: alice (tracked) was deleted there; bob, made before sharing, is adopted.
  new SecurityStore(db).putUser(user('bob'), false); // another store on the same database: no sink, as before sharing
  const adopted = service.loadShared(new Map(), 'uuid-1');
  assert.deepEqual(adopted.map((entry) => entry.key), ['user/alice', 'user/bob'], 'another etcd (no uuid yet): everything local is adopted');
  // Both published (the watch brings them back), then alice is deleted through another node while this one is away.
  service.applyShared('user/alice', adopted[0]!.value, 6);
  service.applyShared('user/bob', adopted[1]!.value, 7);
  const again = service.loadShared(new Map([['user/bob', { value: adopted[1]!.value, revision: 7 }]]), 'uuid-1');
  assert.deepEqual(again, []);
  assert.equal(service.store.getUser('alice', false), undefined, 'tracked and gone from etcd: deleted');
  assert.equal(service.store.getUser('bob', false)?.username, 'bob');
});

test('a record too large for etcd is refused with a 400 before anything is written or published', () => {
  const store = openStore();
  const changes: SecurityChange[] = [];
  store.setChangeSink((change) => changes.push(change), 2_000);
  const role = { name: 'big', cluster: [], indices: [], applications: [], run_as: [], metadata: { blob: 'x'.repeat(3_000) } } as never;
  assert.throws(() => store.putRole(role), (error: { status?: number; type?: string; message?: string }) => {
    assert.equal(error.status, 400);
    assert.equal(error.type, 'illegal_argument_exception');
    assert.match(error.message ?? '', /\[role\] \[role\/big\] takes \[\d+\] bytes, more than the \[2000\] bytes a multi-node cluster can share through etcd/);
    return true;
  });
  assert.equal(store.getRole('big'), undefined);
  assert.deepEqual(changes, []);
  // A single node (no sink) has no such limit.
  const single = openStore();
  single.putRole(role);
  assert.equal(single.getRole('big')?.name, 'big');
});
