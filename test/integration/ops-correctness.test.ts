// Issue #9, operations items, with real processes:
// - index.auto_expand_replicas and cluster health on one node (index-modules.html#dynamic-index-settings,
//   cluster-health.html, rest-api-spec cluster.health/20_request_timeout.yml);
// - GET /_cat/aliases (cat-alias.html, rest-api-spec cat.aliases/*.yml) through HTTPS and security;
// - the clients-tests suite location (STRAIT_CLIENTS_TESTS_DIR, skipped outside CI, required under CI);
// - no node survives the test file that started it, whichever way that file ends.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, rawRequest, repoRoot, startNode, type StartedNode } from '../harness/cluster.js';
import type { FixtureReport } from '../harness/fixtures/report.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'ops' });
});
after(async () => {
  await node?.destroy();
});

async function json(method: string, requestPath: string, body?: unknown, auth?: { username: string; password: string }) {
  const response = await rawRequest(node, method, requestPath, {
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headers: {
      'content-type': 'application/json',
      ...(auth === undefined ? {} : { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }),
    },
  });
  const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
  return { status: response.status, text: response.text, body: isJson && response.text !== '' ? (response.json() as any) : undefined };
}

describe('index.auto_expand_replicas and cluster health', () => {
  test('0-1 and 0-all: number_of_replicas 0 in GET _settings, health green at once; wait_for_status=green answers 200', async () => {
    for (const [index, value] of [['expand-0-1', '0-1'], ['expand-0-all', '0-all']] as const) {
      const created = await json('PUT', `/${index}`, { settings: { index: { auto_expand_replicas: value, number_of_replicas: 2 } } });
      assert.equal(created.status, 200, created.text);
      const settings = await json('GET', `/${index}/_settings`);
      assert.equal(settings.body[index].settings.index.auto_expand_replicas, value);
      assert.equal(settings.body[index].settings.index.number_of_replicas, '0');
      const health = await json('GET', `/_cluster/health/${index}?wait_for_status=green&timeout=10s`);
      assert.equal(health.status, 200, health.text);
      assert.equal(health.body.status, 'green');
      assert.equal(health.body.timed_out, false);
      assert.equal(health.body.unassigned_shards, 0);
      assert.equal(health.body.number_of_data_nodes, 1);
    }
    const cat = await json('GET', '/_cat/indices/expand-*?format=json&h=index,health,rep&s=index');
    assert.deepEqual(cat.body, [
      { index: 'expand-0-1', health: 'green', rep: '0' },
      { index: 'expand-0-all', health: 'green', rep: '0' },
    ]);
  });

  test('1-all: one replica that one node cannot hold, so yellow; wait_for_status=green times out with 408 and timed_out: true', async () => {
    assert.equal((await json('PUT', '/expand-1-all', { settings: { auto_expand_replicas: '1-all', number_of_replicas: 0 } })).status, 200);
    const settings = await json('GET', '/expand-1-all/_settings?flat_settings=true');
    assert.equal(settings.body['expand-1-all'].settings['index.number_of_replicas'], '1');
    const health = await json('GET', '/_cluster/health/expand-1-all?wait_for_status=green&timeout=1s');
    assert.equal(health.status, 408);
    assert.equal(health.body.timed_out, true);
    assert.equal(health.body.status, 'yellow');
    assert.equal(health.body.unassigned_shards, 1);
    // Dynamic: 0-1 brings it to green, and the wait is met.
    assert.equal((await json('PUT', '/expand-1-all/_settings', { index: { auto_expand_replicas: '0-1' } })).status, 200);
    const green = await json('GET', '/_cluster/health/expand-1-all?wait_for_status=green&timeout=10s');
    assert.equal(green.status, 200);
    assert.equal(green.body.status, 'green');
    const updated = await json('GET', '/expand-1-all/_settings');
    assert.equal(updated.body['expand-1-all'].settings.index.number_of_replicas, '0');
  });

  test('wait_for_nodes that one node never meets: 408 with timed_out: true (cluster.health/20_request_timeout.yml)', async () => {
    const health = await json('GET', '/_cluster/health?wait_for_nodes=10&timeout=1s');
    assert.equal(health.status, 408);
    assert.equal(health.body.timed_out, true);
    assert.equal(health.body.number_of_nodes, 1);
  });

  test('return_200_for_cluster_health_timeout is not a parameter of Elasticsearch 9: 400', async () => {
    const refused = await json('GET', '/_cluster/health?return_200_for_cluster_health_timeout=true&timeout=1s');
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.type, 'illegal_argument_exception');
    assert.match(refused.body.error.reason, /unrecognized parameter: \[return_200_for_cluster_health_timeout\]/);
  });

  test('invalid values: Elasticsearch 400s on create and on update, nothing stored', async () => {
    const iae = (reason: string, causedBy?: string) => ({
      error: {
        root_cause: [{ type: 'illegal_argument_exception', reason }],
        type: 'illegal_argument_exception',
        reason,
        ...(causedBy === undefined ? {} : { caused_by: { type: 'number_format_exception', reason: causedBy } }),
      },
      status: 400,
    });
    const noDash = await json('PUT', '/expand-bad', { settings: { auto_expand_replicas: 'true' } });
    assert.equal(noDash.status, 400);
    assert.deepEqual(noDash.body, iae('failed to parse [index.auto_expand_replicas] from value: [true] at index -1'));
    const notANumber = await json('PUT', '/expand-bad', { settings: { auto_expand_replicas: '0-x' } });
    assert.deepEqual(notANumber.body, iae('failed to parse [index.auto_expand_replicas] from value: [0-x] at index 1', 'For input string: "x"'));
    assert.equal((await json('HEAD', '/expand-bad')).status, 404);
    const inverted = await json('PUT', '/expand-0-1/_settings', { index: { auto_expand_replicas: '3-1' } });
    assert.equal(inverted.status, 400);
    assert.deepEqual(inverted.body, iae("[index.auto_expand_replicas] minReplicas must be =< maxReplicas but wasn't 3 > 1"));
    const unchanged = await json('GET', '/expand-0-1/_settings');
    assert.equal(unchanged.body['expand-0-1'].settings.index.auto_expand_replicas, '0-1');
  });
});

describe('GET /_cat/aliases', () => {
  test('text with v, h, s and a name; json; help; local is refused as in Elasticsearch 9', async () => {
    assert.equal((await json('PUT', '/cat-books', { aliases: { 'cat-library': { is_write_index: true }, 'cat-shelf': { filter: { term: { a: 'b' } }, routing: '1' } } })).status, 200);
    assert.equal((await json('PUT', '/cat-logs', { aliases: { 'cat-archive': {} } })).status, 200);
    const text = await json('GET', '/_cat/aliases/cat-*?v=true&s=alias');
    assert.equal(text.status, 200);
    assert.equal(
      text.text,
      [
        'alias       index     filter routing.index routing.search is_write_index',
        'cat-archive cat-logs  -      -             -              -',
        'cat-library cat-books -      -             -              true',
        'cat-shelf   cat-books *      1             1              -',
        '',
      ].join('\n'),
    );
    const named = await json('GET', '/_cat/aliases/cat-archive,cat-library?format=json&h=alias,index,is_write_index&s=alias:desc');
    assert.deepEqual(named.body, [
      { alias: 'cat-library', index: 'cat-books', is_write_index: 'true' },
      { alias: 'cat-archive', index: 'cat-logs', is_write_index: '-' },
    ]);
    const help = await json('GET', '/_cat/aliases?help');
    assert.match(help.text, /^alias +\| a +\| alias name\n/);
    assert.match(help.text, /\nis_write_index +\| w,isWriteIndex +\| write index\n$/);
    const local = await json('GET', '/_cat/aliases?local=true');
    assert.equal(local.status, 400);
    assert.match(local.body.error.reason, /unrecognized parameter: \[local\]/);
    assert.equal((await json('GET', '/_cat/aliases/nothing-matches')).text, '');
  });

  test('a user sees only aliases of indices (and alias names) its role grants indices:admin/aliases/get on', async () => {
    assert.equal((await json('PUT', '/_security/role/cat_alias_reader', { indices: [{ names: ['cat-logs', 'cat-archive'], privileges: ['view_index_metadata'] }] })).status, 200);
    assert.equal((await json('PUT', '/_security/user/carol', { password: 'carol-password', roles: ['cat_alias_reader'] })).status, 200);
    assert.equal((await json('PUT', '/_security/user/nobody', { password: 'nobody-password', roles: [] })).status, 200);
    const carol = await json('GET', '/_cat/aliases?h=alias,index&s=alias', undefined, { username: 'carol', password: 'carol-password' });
    assert.equal(carol.status, 200);
    assert.equal(carol.text, 'cat-archive cat-logs\n');
    const nobody = await json('GET', '/_cat/aliases', undefined, { username: 'nobody', password: 'nobody-password' });
    assert.equal(nobody.status, 200);
    assert.equal(nobody.text, '');
  });
});

describe('clients-tests suite location', () => {
  const conformanceFile = path.join('test', 'conformance', 'clients-tests.test.ts');
  const runConformance = (env: Record<string, string | undefined>) =>
    runProcess(['--import', 'tsx', '--test', '--test-reporter=tap', conformanceFile], env, 60_000);

  test('outside CI, a missing suite is one skipped test naming the path and STRAIT_CLIENTS_TESTS_DIR; exit 0', async () => {
    const missing = path.join(makeTempDir('strait-no-suite-'), 'clients-tests');
    const result = await runConformance({ STRAIT_CLIENTS_TESTS_DIR: missing, CI: undefined });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, new RegExp(`# SKIP clients-tests suite not found at ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(set STRAIT_CLIENTS_TESTS_DIR to its directory\\)`));
    assert.match(result.output, /# skipped 1\n/);
  });

  test('under CI=true, a missing suite fails the run', async () => {
    const missing = path.join(makeTempDir('strait-no-suite-'), 'clients-tests');
    const result = await runConformance({ STRAIT_CLIENTS_TESTS_DIR: missing, CI: 'true' });
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /not ok \d+ - clients-tests conformance suite is present/);
    assert.match(result.output, /under CI=true the suite must run/);
  });
});

describe('no node outlives the test file that started it', () => {
  const fixture = (name: string): string => path.join('test', 'harness', 'fixtures', `${name}.ts`);

  test('a test file that throws while loading, after starting a node', async () => {
    const report = makeTempDir('strait-fixture-') + '/report.json';
    const result = await runProcess(['--import', 'tsx', '--test', fixture('crash-at-load')], { STRAIT_FIXTURE_REPORT: report }, 60_000);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /crash at load, after starting a node/);
    await assertGone(readReport(report));
  });

  test('a before hook that throws after starting a node: the file ends instead of hanging', async () => {
    const report = makeTempDir('strait-fixture-') + '/report.json';
    const result = await runProcess(['--import', 'tsx', '--test', fixture('before-throws')], { STRAIT_FIXTURE_REPORT: report }, 60_000);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /before failed, after starting a node/);
    await assertGone(readReport(report));
  });

  for (const [victim, signal] of [['file', 'SIGKILL'], ['file', 'SIGTERM'], ['runner', 'SIGTERM'], ['runner', 'SIGINT']] as const) {
    test(`${signal} to the ${victim === 'file' ? 'test file process' : 'test runner'} while its node runs`, async () => {
      const report = makeTempDir('strait-fixture-') + '/report.json';
      const running = runProcess(['--import', 'tsx', '--test', fixture('waits')], { STRAIT_FIXTURE_REPORT: report }, 60_000);
      const started = await waitForReport(report);
      process.kill(victim === 'file' ? started.filePid : running.pid, signal);
      await running;
      await assertGone(started);
    });
  }
});

interface ProcessResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs `node <args>` from the repository root; fails (and kills it) if it outlives `timeoutMs`. */
function runProcess(args: readonly string[], env: Record<string, string | undefined>, timeoutMs: number): Promise<ProcessResult> & { pid: number } {
  const merged: Record<string, string> = {};
  // NODE_TEST_CONTEXT marks this file as a child of a test runner: a nested `node --test` would
  // report into it instead of running its own file.
  for (const [name, value] of Object.entries({ ...process.env, NODE_TEST_CONTEXT: undefined, ...env })) if (value !== undefined) merged[name] = value;
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const result = new Promise<ProcessResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not end within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  return Object.assign(result, { pid: child.pid! });
}

function readReport(file: string): FixtureReport {
  return JSON.parse(readFileSync(file, 'utf8')) as FixtureReport;
}

async function waitForReport(file: string): Promise<FixtureReport> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (existsSync(file)) return readReport(file);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no fixture report at ${file}`);
}

/** Running, as opposed to ended (a zombie nobody reaped has ended too). */
function processRunning(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (existsSync('/proc/self/stat')) {
    if (!existsSync(stat)) return false;
    const state = readFileSync(stat, 'utf8').replace(/^.*\) /s, '')[0];
    return state !== 'Z' && state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The node has ended and its temp dir is gone (within a few seconds: the watchdog checks every 200 ms). */
async function assertGone(report: FixtureReport): Promise<void> {
  for (let attempt = 0; attempt < 50 && (processRunning(report.nodePid) || existsSync(report.nodeRoot) || processRunning(report.filePid)); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const survived = processRunning(report.nodePid);
  // A survivor is this test's own leak: end it before failing.
  if (survived) process.kill(report.nodePid, 'SIGKILL');
  assert.equal(survived, false, `node ${report.nodePid} still running`);
  assert.equal(existsSync(report.nodeRoot), false, `${report.nodeRoot} still exists`);
  assert.equal(processRunning(report.filePid), false, `test file process ${report.filePid} still running`);
}
