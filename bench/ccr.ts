/**
 * Cross-cluster replication figures (issue 10), on loopback: a leader cluster and a follower
 * cluster, one node each, real processes, the certificate model (the follower's alias `lc` sniffs
 * the leader's transport interface); the lag is measured again over the API key model (alias `lk`,
 * proxy mode to the leader's remote cluster interface) unless BENCH_CCR_API_KEY=0.
 *
 * 1. Replication lag under a paced 5,000 docs/s on the leader (50 docs per _bulk every 10 ms):
 *    from the moment the leader's _bulk response arrives (its acknowledgement) to the moment the
 *    bulk's probe document (its last one) is visible on the follower. "Visible" is measured twice:
 *    - by a real-time multi-get by id (`_mget`, realtime is the default): the replication lag itself,
 *      what a reader by id sees, independent of the follower's refresh schedule;
 *    - by a search (`ids` query) as the user of search sees it: the replication lag plus the wait
 *      for the follower's next scheduled refresh (`index.refresh_interval`, 1s by default).
 *    One poller per kind asks for every outstanding probe in ONE request each round, so the probing
 *    costs one request per round whatever the number of probes (resolution: the round trip plus the
 *    pause between rounds, given below). The time of visibility is when that poll's answer arrives
 *    (an upper bound).
 * 2. The leader's indexing throughput, unpaced (1,000 docs per _bulk, 2 clients), with and without
 *    one active follower, alternating A/B/A/B/A/B on fresh indices (BENCH_CCR_ROUNDS rounds); with
 *    the leader's CPU time per 1,000 documents (from /proc), because on one machine the follower's
 *    own work competes with the leader for the same cores.
 * 3. Bootstrap: BENCH_CCR_DOCS documents indexed on the leader, then the time of
 *    `PUT /{follower}/_ccr/follow?wait_for_active_shards=1` until its response.
 *
 * Targets from issue 10 are printed beside the figures; nothing here asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type StartedNode } from '../test/harness/cluster.js';
import { remoteConnected } from '../test/harness/wait.js';
import { generateGeonames } from './geonames-corpus.js';
import { cpuMs, threadCpuMs, threadCpuPer1000, waitUntilIdle } from './node-idle.js';

export interface CcrBenchOptions {
  /** Duration of the paced lag run, per security model (s). */
  readonly seconds: number;
  /** Documents for the bootstrap measurement. */
  readonly docs: number;
  /** Also measure the lag over the API key model. */
  readonly apiKeyLag: boolean;
  /** The paced indexing rate of the lag runs, docs/s (default 5,000: 50 docs per _bulk every 10 ms). */
  readonly rate?: number;
  /**
   * `index.refresh_interval` of the lag runs' leader and follower indices (default: the index
   * default, 1s). `-1` shows the lag without the scheduled refreshes (and their merges); the
   * search lag is then not measured.
   */
  readonly refreshInterval?: string;
  /** Which parts to run: `lag`, `throughput`, `bootstrap` (all by default). */
  readonly sections?: ReadonlySet<string>;
}

export const ccrTargets = {
  lag_p99_ms: 1000,
  leader_throughput_loss_pct: 10,
  bootstrap_docs_per_s: 20_000,
} as const;

const PACE_DEFAULT_DOCS_PER_S = 5000;
const PACE_DOCS_PER_BULK = 50;
const MAX_IN_FLIGHT_BULKS = 16; // the pacer waits (and falls behind) beyond this
const GET_POLL_PAUSE_MS = 10;
const SEARCH_POLL_PAUSE_MS = 50;
const UNPACED_DOCS_PER_BULK = 1000;
const UNPACED_CLIENTS = 2;
/**
 * Rounds of the throughput measure, each a phase without and one with a follower: on this shared
 * machine two phases alike differ by up to a fifth (runs of 2026-12-07), as much as the effect
 * measured, so three rounds by default (BENCH_CCR_ROUNDS).
 */
const THROUGHPUT_ROUNDS = Math.max(1, Number(process.env['BENCH_CCR_ROUNDS'] ?? 3));

const LEADER_YAML = REMOTE_CLUSTER_SERVER_YAML;
const FOLLOWER_YAML = REMOTE_CLUSTER_CLIENT_YAML;

const round = (value: number): number => Math.round(value * 1000) / 1000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface LagFigures {
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  probes: number;
  unresolved: number;
}

function lagFigures(lags: readonly number[], unresolved: number): LagFigures {
  const sorted = [...lags].sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(sorted, 50)),
    p90_ms: round(percentile(sorted, 90)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1] ?? NaN),
    probes: lags.length + unresolved,
    unresolved,
  };
}

/** Per window of acknowledgement time: [p50, max] lag (ms), to show whether the lag drifts or spikes. */
function lagWindows(acks: readonly number[], lags: readonly number[], startedAt: number, windowMs: number): [number, number][] {
  const windows: number[][] = [];
  acks.forEach((ackedAt, i) => (windows[Math.floor((ackedAt - startedAt) / windowMs)] ??= []).push(lags[i]!));
  return Array.from(windows, (window) => {
    const sorted = [...(window ?? [])].sort((a, b) => a - b);
    return [Math.round(percentile(sorted, 50)), Math.round(sorted[sorted.length - 1] ?? NaN)];
  });
}

const connected = async (client: Client, alias: string): Promise<void> => void (await remoteConnected(client, alias));

/**
 * A pool of seeded geonames-like sources as JSON texts, reused under fresh ids: a bulk body is
 * assembled from the texts, so the load generator (which shares the 2 cores with both nodes) does
 * not serialize 1,000 objects per request; its own CPU per 1,000 documents is still reported.
 */
interface SourcePool {
  readonly texts: readonly string[];
}

function sourcePool(size: number): SourcePool {
  return { texts: generateGeonames(size, 10).map((doc) => JSON.stringify(doc.source)) };
}

async function bulkOrThrow(client: Client, index: string, ids: readonly string[], pool: SourcePool, poolOffset: number): Promise<void> {
  // Lines given as strings go into the NDJSON body as they are (the client serializes only objects).
  const operations: string[] = [];
  for (let i = 0; i < ids.length; i++) operations.push(JSON.stringify({ index: { _index: index, _id: ids[i] } }), pool.texts[(poolOffset + i) % pool.texts.length]!);
  const response = await client.bulk({ operations: operations as unknown as Record<string, unknown>[] });
  if (response.errors) throw new Error(`bulk errors: ${JSON.stringify(response.items.find((item) => item.index?.error))}`);
}

async function followerStats(client: Client, index: string): Promise<Record<string, unknown>> {
  const stats = (await client.transport.request({ method: 'GET', path: `/${index}/_ccr/stats` })) as { indices: { shards: Record<string, unknown>[] }[] };
  return stats.indices[0]?.shards[0] ?? {};
}

// ------------------------------------------------------------------------------------------ lag

/**
 * Polls the follower for outstanding probes, one request per round, until `done()` and nothing is
 * outstanding (or `giveUpAt`). Resolves each probe's lag from its acknowledgement time.
 */
async function probePoller(
  outstanding: Map<string, number>,
  lags: number[],
  done: () => boolean,
  pauseMs: number,
  lookup: (ids: string[]) => Promise<string[]>,
  acks?: number[],
): Promise<{ rounds: number; roundMs: number[] }> {
  let rounds = 0;
  const roundMs: number[] = [];
  let giveUpAt = Infinity;
  for (;;) {
    if (done()) {
      if (outstanding.size === 0) break;
      if (giveUpAt === Infinity) giveUpAt = performance.now() + 30_000;
      if (performance.now() > giveUpAt) break;
    }
    if (outstanding.size > 0) {
      const ids = [...outstanding.keys()];
      const t0 = performance.now();
      const found = await lookup(ids);
      const seenAt = performance.now();
      rounds++;
      roundMs.push(seenAt - t0);
      for (const id of found) {
        const ackedAt = outstanding.get(id);
        if (ackedAt === undefined) continue;
        outstanding.delete(id);
        lags.push(seenAt - ackedAt);
        acks?.push(ackedAt);
      }
    }
    await sleep(pauseMs);
  }
  return { rounds, roundMs };
}

interface PacedRun {
  achieved_docs_per_s: number;
  docs_indexed: number;
  seconds: number;
  pacer_waited_for_a_free_slot: number;
  leader_bulk_p50_ms: number;
  leader_bulk_p99_ms: number;
  /** CPU used per wall-clock second, in ms (1000 = one core busy), by each process. */
  cpu_ms_per_s: { leader: number; follower: number; bench_client: number };
}

/**
 * Sends `seconds × 100` bulks of 50 documents on a fixed schedule (one every 10 ms), open loop: a
 * bulk does not wait for the previous one's answer; beyond MAX_IN_FLIGHT_BULKS the pacer waits,
 * falls behind its schedule, and the achieved rate shows it. `onAck` gets each bulk's probe id
 * (its last document) when the leader's answer arrives.
 */
async function pacedIndexing(
  leader: Client,
  rate: number,
  pids: { leader: number; follower: number },
  index: string,
  seconds: number,
  pool: SourcePool,
  onAck: (probe: string, ackedAt: number) => void,
): Promise<PacedRun> {
  const bulkLatencies: number[] = [];
  let inFlight = 0;
  let waitedForSlot = 0;
  let docsAcked = 0;
  const slotFreed: (() => void)[] = [];
  const intervalMs = (PACE_DOCS_PER_BULK * 1000) / rate;
  const bulks = Math.round((seconds * 1000) / intervalMs);
  const cpu0 = { leader: cpuMs(pids.leader), follower: cpuMs(pids.follower), bench: process.cpuUsage() };
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let bulk = 0; bulk < bulks; bulk++) {
    const wait = started + bulk * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    while (inFlight >= MAX_IN_FLIGHT_BULKS) {
      waitedForSlot++;
      await new Promise<void>((resolve) => slotFreed.push(resolve));
    }
    inFlight++;
    const ids = Array.from({ length: PACE_DOCS_PER_BULK }, (_, j) => `b${bulk}-${j}`);
    const sent = performance.now();
    pending.push(
      bulkOrThrow(leader, index, ids, pool, bulk * PACE_DOCS_PER_BULK).then(() => {
        const ackedAt = performance.now();
        bulkLatencies.push(ackedAt - sent);
        docsAcked += ids.length;
        onAck(ids[ids.length - 1]!, ackedAt);
        inFlight--;
        slotFreed.shift()?.();
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = performance.now() - started;
  const bench = process.cpuUsage(cpu0.bench);
  const sorted = [...bulkLatencies].sort((a, b) => a - b);
  const perSecond = (ms: number): number => Math.round((ms / elapsed) * 1000);
  return {
    achieved_docs_per_s: Math.round((docsAcked / elapsed) * 1000),
    docs_indexed: docsAcked,
    seconds: round(elapsed / 1000),
    pacer_waited_for_a_free_slot: waitedForSlot,
    leader_bulk_p50_ms: round(percentile(sorted, 50)),
    leader_bulk_p99_ms: round(percentile(sorted, 99)),
    cpu_ms_per_s: {
      leader: perSecond(cpuMs(pids.leader) - cpu0.leader),
      follower: perSecond(cpuMs(pids.follower) - cpu0.follower),
      bench_client: perSecond((bench.user + bench.system) / 1000),
    },
  };
}

/** The paced load on a leader index that nobody follows: what the leader sustains on its own here. */
async function measurePacedBaseline(
  leaderNode: StartedNode,
  followerNode: StartedNode,
  rate: number,
  refreshInterval: string | undefined,
  seconds: number,
  pool: SourcePool,
): Promise<PacedRun> {
  const leader = leaderNode.client();
  await leader.indices.create({ index: 'paced-alone', settings: { number_of_replicas: 0, ...(refreshInterval === undefined ? {} : { refresh_interval: refreshInterval }) } });
  for (let i = 0; i < 20; i++) await bulkOrThrow(leader, 'paced-alone', Array.from({ length: PACE_DOCS_PER_BULK }, (_, j) => `warm-${i}-${j}`), pool, i * PACE_DOCS_PER_BULK);
  console.log(`ccr baseline: the same paced load on a leader index without a follower for ${seconds}s…`);
  const run = await pacedIndexing(leader, rate, { leader: leaderNode.pid, follower: followerNode.pid }, 'paced-alone', seconds, pool, () => undefined);
  await leader.indices.delete({ index: 'paced-alone' });
  return run;
}

async function measureLag(
  leaderNode: StartedNode,
  followerNode: StartedNode,
  alias: string,
  name: string,
  rate: number,
  refreshInterval: string | undefined,
  seconds: number,
  pool: SourcePool,
): Promise<Record<string, unknown>> {
  const leader = leaderNode.client();
  const follower = followerNode.client();
  const leaderIndex = `lag-${name}`;
  const followerIndex = `lag-${name}-copy`;
  const refresh = refreshInterval === undefined ? {} : { refresh_interval: refreshInterval };
  await leader.indices.create({ index: leaderIndex, settings: { number_of_replicas: 0, ...refresh } });
  await follower.ccr.follow({ index: followerIndex, remote_cluster: alias, leader_index: leaderIndex, wait_for_active_shards: 1, ...(refreshInterval === undefined ? {} : { settings: { 'index.refresh_interval': refreshInterval } }) });
  // Warm-up: 1,000 documents through the whole path (JIT, connections).
  for (let i = 0; i < 20; i++) await bulkOrThrow(leader, leaderIndex, Array.from({ length: PACE_DOCS_PER_BULK }, (_, j) => `warm-${i}-${j}`), pool, i * PACE_DOCS_PER_BULK);
  for (let i = 0; i < 600; i++) {
    const got = await follower.get({ index: followerIndex, id: `warm-19-${PACE_DOCS_PER_BULK - 1}` }, { ignore: [404] });
    if (got.found) break;
    await sleep(10);
  }

  console.log(`ccr lag (${name} model): ${rate} docs/s on the leader (${PACE_DOCS_PER_BULK} docs per _bulk every ${round((PACE_DOCS_PER_BULK * 1000) / rate)} ms) for ${seconds}s…`);
  const getOutstanding = new Map<string, number>();
  const searchOutstanding = new Map<string, number>();
  const getLags: number[] = [];
  const getAcks: number[] = [];
  const searchLags: number[] = [];
  let pacing = true;
  const getPoller = probePoller(getOutstanding, getLags, () => !pacing, GET_POLL_PAUSE_MS, async (ids) => {
    const response = await follower.mget({ index: followerIndex, ids, _source: false });
    return response.docs.filter((doc) => 'found' in doc && doc.found).map((doc) => doc._id);
  }, getAcks);
  const searchable = refreshInterval !== '-1';
  const searchPoller = probePoller(searchOutstanding, searchLags, () => !pacing, SEARCH_POLL_PAUSE_MS, async (ids) => {
    if (!searchable) return ids;
    const response = await follower.search({ index: followerIndex, size: ids.length, _source: false, query: { ids: { values: ids } } });
    return response.hits.hits.map((hit) => hit._id!);
  });
  const pacingStarted = performance.now();
  const run = await pacedIndexing(leader, rate, { leader: leaderNode.pid, follower: followerNode.pid }, leaderIndex, seconds, pool, (probe, ackedAt) => {
    getOutstanding.set(probe, ackedAt);
    searchOutstanding.set(probe, ackedAt);
  });
  pacing = false;
  const [getRounds, searchRounds] = await Promise.all([getPoller, searchPoller]);
  const sortedRound = [...getRounds.roundMs].sort((a, b) => a - b);
  const stats = await followerStats(follower, followerIndex);
  return {
    security_model: name === 'cert' ? 'certificate (sniff to the transport interface)' : 'API key (proxy to the remote cluster interface)',
    target_docs_per_s: rate,
    ...run,
    lag_get_realtime: lagFigures(getLags, getOutstanding.size),
    lag_get_realtime_p50_max_per_5s_of_acks: lagWindows(getAcks, getLags, pacingStarted, 5000),
    refresh_interval: refreshInterval ?? '1s (default)',
    ...(searchable ? { lag_search: lagFigures(searchLags, searchOutstanding.size) } : {}),
    get_poll: { pause_ms: GET_POLL_PAUSE_MS, rounds: getRounds.rounds, round_trip_p50_ms: round(percentile(sortedRound, 50)), round_trip_p99_ms: round(percentile(sortedRound, 99)) },
    search_poll: { pause_ms: SEARCH_POLL_PAUSE_MS, rounds: searchRounds.rounds },
    follower_stats_after: {
      operations_written: stats['operations_written'],
      successful_read_requests: stats['successful_read_requests'],
      successful_write_requests: stats['successful_write_requests'],
      total_read_time_millis: stats['total_read_time_millis'],
      total_read_remote_exec_time_millis: stats['total_read_remote_exec_time_millis'],
      total_write_time_millis: stats['total_write_time_millis'],
    },
  };
}

// ----------------------------------------------------------------------------------- throughput

async function unpacedPhase(
  leaderNode: StartedNode,
  index: string,
  seconds: number,
  pool: SourcePool,
  followerPid?: number,
): Promise<{ docs_per_s: number; docs: number; leader_cpu_ms_per_1000_docs: number; leader_threads_cpu_ms_per_1000_docs: Record<string, { user: number; system: number }>; follower_cpu_ms_per_1000_docs?: number; bench_client_cpu_ms_per_1000_docs: number }> {
  const clients = Array.from({ length: UNPACED_CLIENTS }, () => leaderNode.client());
  let next = 0;
  let docs = 0;
  const cpu0 = cpuMs(leaderNode.pid);
  const threads0 = threadCpuMs(leaderNode.pid);
  const followerCpu0 = followerPid === undefined ? NaN : cpuMs(followerPid);
  const clientCpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        const bulk = next++;
        await bulkOrThrow(client, index, Array.from({ length: UNPACED_DOCS_PER_BULK }, (_, j) => `u${bulk}-${j}`), pool, bulk * UNPACED_DOCS_PER_BULK);
        docs += UNPACED_DOCS_PER_BULK;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const cpu = cpuMs(leaderNode.pid) - cpu0;
  const leaderThreads = threadCpuPer1000(threads0, threadCpuMs(leaderNode.pid), docs);
  const followerCpu = followerPid === undefined ? NaN : cpuMs(followerPid) - followerCpu0;
  const clientCpu = process.cpuUsage(clientCpu0);
  await Promise.all(clients.map((client) => client.close()));
  return {
    docs_per_s: Math.round((docs / elapsed) * 1000),
    docs,
    leader_cpu_ms_per_1000_docs: round((cpu / docs) * 1000),
    leader_threads_cpu_ms_per_1000_docs: leaderThreads,
    ...(followerPid === undefined ? {} : { follower_cpu_ms_per_1000_docs: round((followerCpu / docs) * 1000) }),
    bench_client_cpu_ms_per_1000_docs: round(((clientCpu.user + clientCpu.system) / 1000 / docs) * 1000),
  };
}

/** Every thread of `pid` (and the threads it starts later) on the given cores; undefined when done, else why not. */
function setAffinity(pid: number, cores: string): string | undefined {
  const result = spawnSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { encoding: 'utf8' });
  if (result.error !== undefined) return `taskset is not available (${result.error.message})`;
  return result.status === 0 ? undefined : `taskset failed: ${result.stderr.trim()}`;
}

/** The leader on core 0, the follower and this process on core 1; a reason when it cannot be done. */
function pinToCores(leaderPid: number, followerPid: number): string | undefined {
  if (cpus().length < 2) return 'skipped, one core only';
  return setAffinity(leaderPid, '0') ?? setAffinity(followerPid, '1') ?? setAffinity(process.pid, '1');
}

function unpin(pids: readonly number[]): void {
  for (const pid of pids) setAffinity(pid, `0-${cpus().length - 1}`);
}

async function measureThroughput(leaderNode: StartedNode, followerNode: StartedNode, seconds: number, pool: SourcePool, prefix = 'tp-'): Promise<Record<string, unknown>> {
  const leader = leaderNode.client();
  const follower = followerNode.client();
  const phaseSeconds = Math.max(5, Math.round(seconds / 4));
  const phases: Record<string, unknown>[] = [];
  const rates: Record<'without' | 'with', number[]> = { without: [], with: [] };
  const cpu: Record<'without' | 'with', number[]> = { without: [], with: [] };
  // Warm the unpaced path once (JIT), outside the figures.
  await leader.indices.create({ index: 'tp-warm', settings: { number_of_replicas: 0 } });
  await unpacedPhase(leaderNode, 'tp-warm', 3, pool);
  await leader.indices.delete({ index: 'tp-warm' });
  const order = Array.from({ length: THROUGHPUT_ROUNDS }, (_, round) => [[round + 1, 'without'], [round + 1, 'with']] as const).flat();
  for (const [round_, mode] of order) {
    const index = `${prefix}${mode}-${round_}`;
    // Each phase starts with both nodes settled (the previous phase's merges and persisting done).
    await waitUntilIdle(leaderNode.pid, 60_000);
    await waitUntilIdle(followerNode.pid, 60_000);
    await leader.indices.create({ index, settings: { number_of_replicas: 0 } });
    if (mode === 'with') await follower.ccr.follow({ index: `${index}-copy`, remote_cluster: 'lc', leader_index: index, wait_for_active_shards: 1 });
    console.log(`ccr leader throughput ${mode} a follower (round ${round_}): unpaced, ${UNPACED_CLIENTS} clients × ${UNPACED_DOCS_PER_BULK} docs per _bulk for ${phaseSeconds}s…`);
    const figures = await unpacedPhase(leaderNode, index, phaseSeconds, pool, followerNode.pid);
    const phase: Record<string, unknown> = { mode, round: round_, ...figures };
    if (mode === 'with') {
      // How far behind the follower was when the leader stopped, and how long it took to catch up.
      const leaderCount = figures.docs;
      const stopped = performance.now();
      const behind = await followerStats(follower, `${index}-copy`);
      phase['follower_ops_behind_at_stop'] = Number(behind['leader_max_seq_no'] ?? NaN) - Number(behind['follower_global_checkpoint'] ?? NaN);
      for (;;) {
        const stats = await followerStats(follower, `${index}-copy`);
        if (Number(stats['follower_global_checkpoint']) >= leaderCount - 1) break;
        if (performance.now() - stopped > 120_000) break;
        await sleep(50);
      }
      phase['follower_caught_up_ms_after_stop'] = Math.round(performance.now() - stopped);
      await follower.ccr.pauseFollow({ index: `${index}-copy` });
      // Each round starts from the same follower: the copies of earlier rounds would add heap (and
      // collector work) round after round to the follower of the 'with' phases only.
      await follower.indices.delete({ index: `${index}-copy` });
    }
    rates[mode].push(figures.docs_per_s);
    cpu[mode].push(figures.leader_cpu_ms_per_1000_docs);
    phases.push(phase);
    await leader.indices.delete({ index });
  }
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const without = mean(rates.without);
  const withFollower = mean(rates.with);
  return {
    phase_seconds: phaseSeconds,
    docs_per_bulk: UNPACED_DOCS_PER_BULK,
    clients: UNPACED_CLIENTS,
    phases,
    without_follower_docs_per_s: Math.round(without),
    with_follower_docs_per_s: Math.round(withFollower),
    loss_pct: round(((without - withFollower) / without) * 100),
    loss_pct_per_round: rates.with.map((rate, index) => round(((rates.without[index]! - rate) / rates.without[index]!) * 100)),
    leader_cpu_ms_per_1000_docs_without: round(mean(cpu.without)),
    leader_cpu_ms_per_1000_docs_with: round(mean(cpu.with)),
  };
}

// ------------------------------------------------------------------------------------ bootstrap

async function measureBootstrap(leaderNode: StartedNode, followerNode: StartedNode, docs: number, pool: SourcePool): Promise<Record<string, unknown>> {
  const leader = leaderNode.client();
  const follower = followerNode.client();
  await leader.indices.create({ index: 'boot', settings: { number_of_replicas: 0 } });
  console.log(`ccr bootstrap: indexing ${docs} documents on the leader…`);
  const clients = [leaderNode.client(), leaderNode.client()];
  let next = 0;
  const batches = Math.ceil(docs / UNPACED_DOCS_PER_BULK);
  await Promise.all(
    clients.map(async (client) => {
      while (next < batches) {
        const batch = next++;
        const size = Math.min(UNPACED_DOCS_PER_BULK, docs - batch * UNPACED_DOCS_PER_BULK);
        await bulkOrThrow(client, 'boot', Array.from({ length: size }, (_, j) => String(batch * UNPACED_DOCS_PER_BULK + j)), pool, batch * UNPACED_DOCS_PER_BULK);
      }
    }),
  );
  await leader.indices.refresh({ index: 'boot' });
  const leaderCount = (await leader.count({ index: 'boot' })).count;
  if (leaderCount !== docs) throw new Error(`expected ${docs} documents on the leader, counted ${leaderCount}`);
  // The leader's merges and segment persisting after the load end first (as the search figures
  // wait for them), so that the bootstrap is timed on its own, not beside the leader's
  // background work; the wait is reported.
  const leaderSettleMs = await waitUntilIdle(leaderNode.pid);
  await waitUntilIdle(followerNode.pid);
  console.log(`ccr bootstrap: PUT /boot-copy/_ccr/follow?wait_for_active_shards=1 (the leader settled ${leaderSettleMs} ms after the load)…`);
  const followerCpu0 = cpuMs(followerNode.pid);
  const leaderCpu0 = cpuMs(leaderNode.pid);
  const started = performance.now();
  const response = await follower.ccr.follow({ index: 'boot-copy', remote_cluster: 'lc', leader_index: 'boot', wait_for_active_shards: 1 }, { requestTimeout: 600_000 }).catch((error: unknown) => {
    // What the nodes said last, so that a failed bootstrap can be told apart from a slow one.
    console.log(`ccr bootstrap failed after ${Math.round(performance.now() - started)} ms; the follower's last log lines:\n${followerNode.logs.slice(-40).join('\n')}\nthe leader's:\n${leaderNode.logs.slice(-20).join('\n')}`);
    throw error;
  });
  const ms = performance.now() - started;
  const followerCpu = cpuMs(followerNode.pid) - followerCpu0;
  const leaderCpu = cpuMs(leaderNode.pid) - leaderCpu0;
  const followerCount = (await follower.count({ index: 'boot-copy' })).count;
  await Promise.all(clients.map((client) => client.close()));
  return {
    docs,
    response,
    ms: Math.round(ms),
    docs_per_s: Math.round((docs / ms) * 1000),
    follower_count_at_response: followerCount,
    follower_cpu_ms: followerCpu,
    leader_cpu_ms: leaderCpu,
    leader_background_settle_ms_before: leaderSettleMs,
  };
}

// ----------------------------------------------------------------------------------------- main

export async function runCcrBench(options: CcrBenchOptions): Promise<Record<string, unknown>> {
  console.log('cross-cluster replication: a leader and a follower cluster on loopback…');
  const ca = makeCa();
  let leaderNode: StartedNode | undefined;
  let followerNode: StartedNode | undefined;
  try {
    [leaderNode, followerNode] = await Promise.all([
      startNode({ ca, clusterName: 'bench-leader', nodeName: 'leader-1', yaml: LEADER_YAML }),
      startNode({ ca, clusterName: 'bench-follower', nodeName: 'follower-1', yaml: FOLLOWER_YAML }),
    ]);
    const follower = followerNode.client();
    await follower.cluster.putSettings({ persistent: { 'cluster.remote.lc.seeds': [leaderNode.transportAddress], 'cluster.remote.lc.skip_unavailable': false } });
    await connected(follower, 'lc');
    const pool = sourcePool(20_000);
    const results: Record<string, unknown> = { targets: ccrTargets };
    // Every process here (bench client, leader, follower) shares the machine's cores with whatever
    // else runs on it: the load average beside each part says how much else did.
    const machine: Record<string, unknown> = { cpus: cpus().length };
    results['machine'] = machine;
    const runs = (section: string): boolean => options.sections === undefined || options.sections.has(section);
    const loads = async (section: string, work: () => Promise<void>): Promise<void> => {
      const before = loadavg()[0]!;
      await work();
      machine[`load_average_1m_${section}`] = { before: round(before), after: round(loadavg()[0]!) };
    };
    if (runs('lag')) await loads('lag', () => lagSections(leaderNode!, followerNode!, options, pool, results));
    if (runs('throughput')) await loads('throughput', async () => void (results['leader_throughput'] = await measureThroughput(leaderNode!, followerNode!, options.seconds, pool)));
    if (runs('throughput_own_cores')) {
      // The same A/B/A/B, with the leader's process on core 0 and the follower's (and this bench
      // client's) on core 1: the two clusters no longer take CPU from each other, as on two machines,
      // so the loss left is what serving a follower costs the leader itself (shard_changes reads,
      // leases, the network). Shown beside the figure above, not instead of it.
      const pinned = pinToCores(leaderNode.pid, followerNode.pid);
      if (pinned !== undefined) console.log(`ccr leader throughput, each cluster on its own core: ${pinned}`);
      else {
        try {
          await loads('throughput_own_cores', async () => void (results['leader_throughput_own_cores'] = await measureThroughput(leaderNode!, followerNode!, options.seconds, pool, 'oc-')));
        } finally {
          unpin([leaderNode.pid, followerNode.pid, process.pid]);
        }
      }
    }
    if (runs('bootstrap')) await loads('bootstrap', async () => void (results['bootstrap'] = await measureBootstrap(leaderNode!, followerNode!, options.docs, pool)));
    return results;
  } finally {
    // A graceful stop first, so that nodes started with STRAIT_NODE_FLAGS=--cpu-prof write their profiles.
    await Promise.all([leaderNode?.stop().catch(() => undefined), followerNode?.stop().catch(() => undefined)]);
    await Promise.all([leaderNode?.destroy(), followerNode?.destroy()]);
  }
}

async function lagSections(leaderNode: StartedNode, followerNode: StartedNode, options: CcrBenchOptions, pool: SourcePool, results: Record<string, unknown>): Promise<void> {
  const leader = leaderNode.client();
  const follower = followerNode.client();
  const rate = options.rate ?? PACE_DEFAULT_DOCS_PER_S;
  results['paced_baseline_without_follower'] = { offered_docs_per_s: rate, ...(await measurePacedBaseline(leaderNode, followerNode, rate, options.refreshInterval, Math.min(options.seconds, 20), pool)) };
  results['lag_certificate_model'] = await measureLag(leaderNode, followerNode, 'lc', 'cert', rate, options.refreshInterval, options.seconds, pool);
  if (options.apiKeyLag) {
    const key = await leader.security.createCrossClusterApiKey({ name: 'bench-replication', access: { replication: [{ names: ['lag-*'] }] } });
    followerNode.keystoreAdd('cluster.remote.lk.credentials', key.encoded);
    await follower.nodes.reloadSecureSettings();
    await follower.cluster.putSettings({ persistent: { 'cluster.remote.lk.mode': 'proxy', 'cluster.remote.lk.proxy_address': leaderNode.remoteClusterAddress!, 'cluster.remote.lk.skip_unavailable': false } });
    await connected(follower, 'lk');
    results['lag_api_key_model'] = await measureLag(leaderNode, followerNode, 'lk', 'apikey', rate, options.refreshInterval, options.seconds, pool);
  }
  // Stop the lag followers and delete both sides' indices, so that the sections after start from
  // clusters that hold nothing (a paused copy of 300,000 documents kept the follower's heap, and
  // its collector's work, larger in every later section).
  for (const name of ['lag-cert-copy', 'lag-apikey-copy']) await follower.ccr.pauseFollow({ index: name }).catch(() => undefined);
  await follower.indices.delete({ index: 'lag-cert-copy,lag-apikey-copy', ignore_unavailable: true });
  await leader.indices.delete({ index: 'lag-cert,lag-apikey', ignore_unavailable: true });
}

/** The CCR figures beside issue 10's targets. */
export function printCcrTable(ccr: Record<string, unknown>): void {
  const rows: string[][] = [['ccr measure', 'figure', 'target (issue 10)']];
  const baseline = ccr['paced_baseline_without_follower'] as (PacedRun & { offered_docs_per_s: number }) | undefined;
  if (baseline !== undefined) rows.push(['paced load, no follower: achieved rate', `${baseline.achieved_docs_per_s} docs/s (bulk p50 ${baseline.leader_bulk_p50_ms} ms)`, `${baseline.offered_docs_per_s} docs/s offered`]);
  for (const key of ['lag_certificate_model', 'lag_api_key_model'] as const) {
    const lag = ccr[key] as Record<string, unknown> | undefined;
    if (lag === undefined) continue;
    const model = key === 'lag_certificate_model' ? 'cert' : 'API key';
    const get = lag['lag_get_realtime'] as LagFigures;
    const search = lag['lag_search'] as LagFigures | undefined;
    rows.push([`lag (${model}) achieved indexing rate`, `${String(lag['achieved_docs_per_s'])} docs/s (bulk p50 ${String(lag['leader_bulk_p50_ms'])} ms)`, `${String(lag['target_docs_per_s'])} docs/s offered`]);
    rows.push([`lag (${model}) GET realtime p50 / p99`, `${get.p50_ms} / ${get.p99_ms} ms (${get.probes} probes, ${get.unresolved} unseen)`, `p99 < ${ccrTargets.lag_p99_ms} ms`]);
    if (search !== undefined) rows.push([`lag (${model}) search p50 / p99`, `${search.p50_ms} / ${search.p99_ms} ms (refresh_interval ${String(lag['refresh_interval'])})`, '(includes the refresh wait)']);
  }
  const tp = ccr['leader_throughput'] as Record<string, unknown> | undefined;
  if (tp !== undefined) {
    rows.push(['leader throughput without follower', `${String(tp['without_follower_docs_per_s'])} docs/s`, '']);
    rows.push(['leader throughput with 1 follower', `${String(tp['with_follower_docs_per_s'])} docs/s`, '']);
    const perRound = Array.isArray(tp['loss_pct_per_round']) ? ` (rounds: ${(tp['loss_pct_per_round'] as number[]).join(', ')} %)` : '';
    rows.push(['leader throughput loss', `${String(tp['loss_pct'])} %${perRound}`, `< ${ccrTargets.leader_throughput_loss_pct} %`]);
    rows.push(['leader CPU per 1,000 docs without / with', `${String(tp['leader_cpu_ms_per_1000_docs_without'])} / ${String(tp['leader_cpu_ms_per_1000_docs_with'])} ms`, '']);
  }
  const own = ccr['leader_throughput_own_cores'] as Record<string, unknown> | undefined;
  if (own !== undefined) {
    rows.push(['each cluster on its own core: without / with follower', `${String(own['without_follower_docs_per_s'])} / ${String(own['with_follower_docs_per_s'])} docs/s`, '']);
    rows.push(['each cluster on its own core: leader throughput loss', `${String(own['loss_pct'])} %`, `(the figure above is the target's)`]);
  }
  const boot = ccr['bootstrap'] as Record<string, unknown> | undefined;
  if (boot !== undefined) {
    rows.push([`bootstrap ${String(boot['docs'])} docs`, `${String(boot['ms'])} ms, ${String(boot['docs_per_s'])} docs/s`, `≥ ${ccrTargets.bootstrap_docs_per_s} docs/s`]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  console.log('');
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
}
