/**
 * Multi-node coordination on etcd (I/O shell, issue #14): membership by lease, one elected master,
 * the cluster state published by compare-and-swap and applied in version order on every node.
 * The decisions are pure (master.ts, allocation.ts); this file only talks to etcd.
 *
 * Keys, all under `cluster.coordination.etcd.prefix`:
 * - `cluster`: `{cluster_name, cluster_uuid}`, written once by the first node; a node of another
 *   cluster name at the same prefix is refused.
 * - `nodes/<node id>`: the node's DiscoveryNode, under its lease: lease expiry is the node leaving.
 * - `names/<node.name>`: the node id holding the name, under its lease (duplicate names refused).
 * - `term`: the last master term; `master`: `{node_id, term}` under the master's lease. A campaign
 *   is one transaction: "if no `master` key and `term` unchanged, put both with term + 1", so
 *   every new master has a higher term than any before it.
 * - `state`: the published ClusterState (JSON). Only a transaction that finds the `master` key
 *   created at this master's revision (fencing: a deposed master's write fails) and the `state`
 *   key at the revision the master last wrote (compare-and-swap) may replace it.
 * - `requests/<id>` and `responses/<id>`: index-level requests from any node (create, delete,
 *   mappings, settings, shard reports). The master consumes a request in the same transaction that
 *   publishes its effect (deleting the request and writing the response), so a request is applied
 *   exactly once even across a change of master, and a pending request survives that change; this
 *   is why requests go through etcd rather than over the transport to the current master. Both keys
 *   carry the requester's lease, so a requester that dies leaves nothing behind.
 *
 * Fault detection is the lease: the node renews it every `follower_check.interval`; when etcd
 * cannot be reached, `available()` turns false (health says so) while the node keeps serving
 * reads from the state it applied; when the lease was lost, the node joins again with a new one.
 */
import type { Logger } from 'pino';
import { Etcd3, type IOptions, type Lease, type Watcher } from 'etcd3';
import { EsError, errors } from '../common/index.js';
import type { CoordinationConfig } from '../config/coordination.js';
import { incompatibilityReason, parseVersion } from '../transport/version.js';
import { stepMaster, type MasterEvent, type MasterInput } from './master.js';
import { emptyClusterState, isMasterEligible, type ClusterState, type DiscoveryNode } from './state.js';

/** etcd's default `--max-request-bytes` (1.5 MiB): a larger state cannot be written in one request. */
export const etcdRequestBytesMax = 1.5 * 1024 * 1024;

/** A start-up refusal: the node must not start half-joined. The message names the setting. */
export class CoordinationStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoordinationStartError';
  }
}

export interface CoordinatorOptions {
  readonly config: CoordinationConfig;
  readonly clusterName: string;
  readonly nodeId: string;
  readonly node: DiscoveryNode;
  readonly log: Logger;
  readonly nowMs: () => number;
  readonly newUuid: () => string;
  /** Reads a TLS file named by a setting (throws naming the setting when unreadable). */
  readonly readFile: (setting: string, file: string) => Buffer;
  /** The master's merge of a put-mapping into the published mapping (MasterInput.mergeMappings). */
  readonly mergeMappings: MasterInput['mergeMappings'];
  readonly isDynamicIndexSetting: MasterInput['isDynamicIndexSetting'];
}

interface ResponseRecord {
  readonly ok: boolean;
  readonly version: number;
  readonly error?: { readonly status: number; readonly type: string; readonly reason: string };
}

interface RequestRecord {
  readonly event: MasterEvent;
  readonly from: string;
  readonly lease: string;
}

type StateListener = (state: ClusterState, previous: ClusterState) => void;

/** Never a growing wait: etcd3's default watch backoff reaches 30 s, too slow to resume after an outage. */
const watchBackoff = { duration: 500, next: () => watchBackoff };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class EtcdCoordinator {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private lease: Lease | undefined;
  private leaseId = '';
  private watcher: Watcher | undefined;
  private applied: ClusterState;
  private readonly listeners: StateListener[] = [];
  private lastRenewalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private rejoining = false;
  /** Set while this node is the master: the create revision of its `master` key (the fence) and its term. */
  private mastership: { readonly fence: string; readonly term: number; stateRevision: string } | undefined;
  private masterQueue: Promise<void> = Promise.resolve();
  private campaigning = false;
  private readonly responseWaiters = new Map<string, (record: ResponseRecord) => void>();
  /** This node as registered (the HTTP address is added once bound). */
  private node: DiscoveryNode;
  clusterUuid = '';

  private constructor(private readonly options: CoordinatorOptions) {
    const { config } = options;
    this.prefix = config.prefix;
    const etcdOptions: IOptions = {
      hosts: [...config.endpoints],
      dialTimeout: config.connectTimeoutMs,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + config.connectTimeoutMs }),
      faultHandling: { watchBackoff },
      ...(config.tls === undefined
        ? {}
        : {
            credentials: {
              rootCertificate: Buffer.concat(config.tls.certificateAuthorities.map((file) => options.readFile('cluster.coordination.etcd.ssl.certificate_authorities', file))),
              ...(config.tls.key === undefined ? {} : { privateKey: options.readFile('cluster.coordination.etcd.ssl.key', config.tls.key) }),
              ...(config.tls.certificate === undefined ? {} : { certChain: options.readFile('cluster.coordination.etcd.ssl.certificate', config.tls.certificate) }),
            },
          }),
      ...(config.username === undefined ? {} : { auth: { username: config.username, password: config.password ?? '' } }),
    };
    this.client = new Etcd3(etcdOptions);
    this.node = options.node;
    this.applied = emptyClusterState(options.clusterName, '_na_');
    this.lastRenewalMs = options.nowMs();
  }

  /**
   * Joins the cluster or refuses with a CoordinationStartError naming the problem: etcd down or
   * refusing credentials or TLS, another cluster at the prefix, a version-incompatible member, a
   * duplicate `node.name`. On refusal nothing of this node is left in etcd.
   */
  static async join(options: CoordinatorOptions): Promise<EtcdCoordinator> {
    const coordinator = new EtcdCoordinator(options);
    try {
      await coordinator.start();
      return coordinator;
    } catch (error) {
      await coordinator.close();
      throw error;
    }
  }

  private key(name: string): string {
    return `${this.prefix}${name}`;
  }

  private async start(): Promise<void> {
    const { config, clusterName } = this.options;
    // Probe: reachability, credentials and TLS, before anything is written.
    let identity: string | null;
    try {
      identity = await this.client.get(this.key('cluster')).string();
    } catch (error) {
      throw this.connectError(error);
    }
    if (identity === null) {
      const record = JSON.stringify({ cluster_name: clusterName, cluster_uuid: this.options.newUuid() });
      await this.client.if(this.key('cluster'), 'Create', '==', 0).then(this.client.put(this.key('cluster')).value(record)).commit();
      identity = await this.client.get(this.key('cluster')).string();
    }
    const cluster = JSON.parse(identity ?? '{}') as { cluster_name?: string; cluster_uuid?: string };
    if (cluster.cluster_name !== clusterName) {
      throw new CoordinationStartError(
        `etcd prefix [${this.prefix}] ([cluster.coordination.etcd.prefix]) belongs to cluster [${cluster.cluster_name}], but this node's [cluster.name] is [${clusterName}]`,
      );
    }
    this.clusterUuid = cluster.cluster_uuid ?? '_na_';
    this.applied = emptyClusterState(clusterName, this.clusterUuid);
    this.checkVersions(await this.members());
    await this.grantAndRegister(true);
    await this.watch(await this.loadState());
    this.timer = setInterval(() => void this.tick(), config.keepAliveIntervalMs);
    this.timer.unref();
    if (isMasterEligible(this.node)) void this.campaign();
  }

  private connectError(error: unknown): CoordinationStartError {
    const { config } = this.options;
    const name = (error as { constructor?: { name?: string } })?.constructor?.name ?? '';
    const message = describe(error);
    if (name === 'EtcdAuthenticationFailedError' || /authentication failed|invalid auth token|user name is empty/i.test(message)) {
      return new CoordinationStartError(`etcd at [${config.endpoints.join(', ')}] refused the credentials of [cluster.coordination.etcd.username] [${config.username}] (keystore [cluster.coordination.etcd.password]): ${message}`);
    }
    if (/authentication is not enabled/i.test(message)) {
      return new CoordinationStartError(`etcd at [${config.endpoints.join(', ')}] has authentication disabled, but [cluster.coordination.etcd.username] is set: ${message}`);
    }
    if (/permission denied/i.test(message)) {
      return new CoordinationStartError(`etcd user [${config.username}] ([cluster.coordination.etcd.username]) may not read or write under [${this.prefix}] ([cluster.coordination.etcd.prefix]): ${message}`);
    }
    const tlsHint = config.tls === undefined ? '' : '; check [cluster.coordination.etcd.ssl.certificate_authorities], [cluster.coordination.etcd.ssl.certificate] and [cluster.coordination.etcd.ssl.key]';
    return new CoordinationStartError(
      `cannot reach etcd at [${config.endpoints.join(', ')}] ([cluster.coordination.etcd.endpoints]) within [${config.connectTimeoutMs}ms] ([cluster.coordination.etcd.connect_timeout])${tlsHint}: ${message}`,
    );
  }

  /** The transport handshake's version rule, applied to every registered member. */
  private checkVersions(members: Readonly<Record<string, DiscoveryNode>>): void {
    const local = parseVersion(this.options.node.version);
    if (local === undefined) return;
    for (const [id, member] of Object.entries(members)) {
      if (id === this.options.nodeId) continue;
      const remote = parseVersion(member.version);
      const reason = remote === undefined ? `unparsable version [${member.version}]` : incompatibilityReason(local, remote);
      if (reason !== undefined) {
        throw new CoordinationStartError(`cannot join cluster [${this.options.clusterName}]: node [${member.name}] ({${id}}) has version [${member.version}]: ${reason}`);
      }
    }
  }

  private async members(): Promise<Record<string, DiscoveryNode>> {
    const entries = await this.client.getAll().prefix(this.key('nodes/')).strings();
    const nodes: Record<string, DiscoveryNode> = {};
    for (const [key, value] of Object.entries(entries)) nodes[key.slice(this.key('nodes/').length)] = JSON.parse(value) as DiscoveryNode;
    return nodes;
  }

  /** A new lease, the name claimed, the node registered (at start, and again after a lost lease). */
  private async grantAndRegister(starting: boolean): Promise<void> {
    const { config, nodeId } = this.options;
    const node = this.node;
    const lease = this.client.lease(config.leaseTtlSeconds, { autoKeepAlive: false });
    const leaseId = await lease.grant();
    const nameKey = this.key(`names/${node.name}`);
    const claim = await this.client
      .if(nameKey, 'Create', '==', 0)
      .then(this.client.put(nameKey).value(nodeId).lease(leaseId))
      .else(this.client.get(nameKey))
      .commit();
    if (!claim.succeeded) {
      const holder = claim.responses[0]?.response_range?.kvs[0]?.value.toString('utf8');
      if (holder !== nodeId) {
        await lease.revoke().catch(() => undefined);
        const message = `node name [${node.name}] ([node.name]) is already used by node [${holder}] in cluster [${this.options.clusterName}]; each node needs its own name`;
        if (starting) throw new CoordinationStartError(message);
        this.options.log.error(message);
        return;
      }
      // Our own name from a previous life of this node (its old lease has not expired yet).
      await this.client.put(nameKey).value(nodeId).lease(leaseId);
    }
    await this.client.put(this.key(`nodes/${nodeId}`)).value(JSON.stringify(node)).lease(leaseId);
    this.lease = lease;
    this.leaseId = leaseId;
    this.lastRenewalMs = this.options.nowMs();
  }

  /** Reads the published state; returns the etcd revision of the read, from which the watch starts. */
  private async loadState(): Promise<string> {
    const response = await this.client.get(this.key('state')).exec();
    const kv = response.kvs[0];
    if (kv !== undefined) this.apply(JSON.parse(kv.value.toString('utf8')) as ClusterState);
    return response.header.revision;
  }

  /** Watches every key of the cluster from just after `revision`, so no publication falls between the read and the watch. */
  private async watch(revision: string): Promise<void> {
    const watcher = await this.client.watch().prefix(this.prefix).startRevision(String(BigInt(revision) + 1n)).create();
    this.watcher = watcher;
    watcher.on('put', (kv) => this.onPut(kv.key.toString('utf8'), kv.value.toString('utf8'), kv.create_revision));
    watcher.on('delete', (kv) => this.onDelete(kv.key.toString('utf8')));
    watcher.on('error', (error: unknown) => this.options.log.warn({ err: error }, 'etcd watch failed; it reconnects'));
  }

  private onPut(key: string, value: string, createRevision: string): void {
    const name = key.slice(this.prefix.length);
    if (name === 'state') {
      this.apply(JSON.parse(value) as ClusterState);
    } else if (name.startsWith('nodes/')) {
      if (this.mastership !== undefined) this.enqueueMaster(async () => this.runMaster({ kind: 'nodes_changed', nodes: await this.members() }));
    } else if (name.startsWith('requests/')) {
      if (this.mastership !== undefined) {
        const id = name.slice('requests/'.length);
        this.enqueueMaster(async () => this.runMaster(undefined, { id, record: JSON.parse(value) as RequestRecord }));
      }
    } else if (name.startsWith('responses/')) {
      const id = name.slice('responses/'.length);
      this.responseWaiters.get(id)?.(JSON.parse(value) as ResponseRecord);
    }
    void createRevision;
  }

  private onDelete(key: string): void {
    const name = key.slice(this.prefix.length);
    if (name === 'master') {
      if (this.mastership !== undefined) {
        this.options.log.warn({ term: this.mastership.term }, 'master key gone: this node is no longer the master');
        this.mastership = undefined;
      }
      if (isMasterEligible(this.node)) void this.campaign();
    } else if (name.startsWith('nodes/')) {
      if (this.mastership !== undefined) this.enqueueMaster(async () => this.runMaster({ kind: 'nodes_changed', nodes: await this.members() }));
      if (name === `nodes/${this.options.nodeId}` && !this.closed) void this.rejoin('this node was removed from the cluster (its lease expired)');
    }
  }

  /** Applies a published state when it is newer (higher version, never a lower term), in order. */
  private apply(state: ClusterState): void {
    const previous = this.applied;
    if (state.version <= previous.version || state.term < previous.term) return;
    this.applied = state;
    // A copy: a satisfied waiter removes its listener while this runs.
    for (const listener of [...this.listeners]) {
      try {
        listener(state, previous);
      } catch (error) {
        this.options.log.error({ err: error, version: state.version }, 'a cluster state listener failed');
      }
    }
  }

  private async tick(): Promise<void> {
    if (this.closed || this.lease === undefined) return;
    try {
      const response = await this.lease.keepaliveOnce({ deadline: Date.now() + this.options.config.keepAliveIntervalMs });
      if (Number(response.TTL) <= 0) {
        await this.rejoin('the etcd lease expired');
        return;
      }
      this.lastRenewalMs = this.options.nowMs();
      if (this.mastership !== undefined) this.enqueueMaster(() => this.reconcile());
      else if (isMasterEligible(this.node)) {
        const master = await this.client.get(this.key('master')).exists();
        if (!master) void this.campaign();
      }
    } catch (error) {
      const name = (error as { constructor?: { name?: string } })?.constructor?.name ?? '';
      if (name === 'EtcdLeaseInvalidError') await this.rejoin('the etcd lease expired');
      else this.options.log.warn({ err: describe(error) }, 'etcd lease renewal failed');
    }
  }

  private async rejoin(reason: string): Promise<void> {
    if (this.rejoining || this.closed) return;
    this.rejoining = true;
    this.mastership = undefined;
    this.options.log.warn({ reason }, 'joining the cluster again with a new etcd lease');
    try {
      this.lease?.release();
      await this.grantAndRegister(false);
      if (isMasterEligible(this.node)) void this.campaign();
    } catch (error) {
      this.options.log.warn({ err: describe(error) }, 'rejoining failed; retrying at the next renewal');
      this.lease = this.client.lease(this.options.config.leaseTtlSeconds, { autoKeepAlive: false });
      // The next tick's renewal of this never-granted lease fails and lands here again.
    } finally {
      this.rejoining = false;
    }
  }

  /** Re-registers this node with new details (its HTTP address once bound), under the same lease. */
  async updateNode(node: DiscoveryNode): Promise<void> {
    this.node = node;
    await this.client.put(this.key(`nodes/${this.options.nodeId}`)).value(JSON.stringify(node)).lease(this.leaseId);
  }

  /** The etcd client, shared by the other ranges this node keeps in etcd (security metadata: etcd-metadata-range.ts). */
  etcdClient(): Etcd3 {
    return this.client;
  }

  /** True while the lease was renewed within its TTL: etcd (and so the master) is reachable. */
  available(): boolean {
    return !this.closed && this.options.nowMs() - this.lastRenewalMs < this.options.config.leaseTtlSeconds * 1000;
  }

  isMaster(): boolean {
    return this.mastership !== undefined;
  }

  state(): ClusterState {
    return this.applied;
  }

  onApplied(listener: StateListener): void {
    this.listeners.push(listener);
  }

  /** Resolves when the applied state satisfies `predicate` (true), or after `timeoutMs` (false). */
  waitForState(predicate: (state: ClusterState) => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate(this.applied)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      let done = false;
      const listener: StateListener = (state) => {
        if (!done && predicate(state)) finish(true);
      };
      const finish = (result: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        // A waiter's listener goes with it: each write waiting for a state would otherwise leave one behind.
        const at = this.listeners.indexOf(listener);
        if (at >= 0) this.listeners.splice(at, 1);
        resolve(result);
      };
      this.listeners.push(listener);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Election and the master's loop.
  // -------------------------------------------------------------------------------------------

  private async campaign(): Promise<void> {
    if (this.campaigning || this.closed || this.mastership !== undefined || this.leaseId === '') return;
    this.campaigning = true;
    try {
      const termResponse = await this.client.get(this.key('term')).exec();
      const termKv = termResponse.kvs[0];
      const term = termKv === undefined ? 0 : Number(termKv.value.toString('utf8'));
      const next = term + 1;
      const won = await this.client
        .if(this.key('master'), 'Create', '==', 0)
        .and(this.key('term'), 'Mod', '==', termKv === undefined ? 0 : Number(termKv.mod_revision))
        .then(this.client.put(this.key('master')).value(JSON.stringify({ node_id: this.options.nodeId, term: next })).lease(this.leaseId), this.client.put(this.key('term')).value(String(next)))
        .commit();
      if (!won.succeeded) return;
      const fence = won.header.revision;
      const stateResponse = await this.client.get(this.key('state')).exec();
      const stateKv = stateResponse.kvs[0];
      const published = stateKv === undefined ? emptyClusterState(this.options.clusterName, this.clusterUuid) : (JSON.parse(stateKv.value.toString('utf8')) as ClusterState);
      this.mastership = { fence, term: next, stateRevision: stateKv === undefined ? '0' : stateKv.mod_revision };
      this.options.log.info({ term: next }, 'elected master');
      this.enqueueMaster(async () => {
        await this.runMaster({ kind: 'elected', nodeId: this.options.nodeId, term: next, nodes: await this.members() }, undefined, published);
        // Requests left by the previous master (or sent while there was none).
        const pending = await this.client.getAll().prefix(this.key('requests/')).strings();
        for (const [key, value] of Object.entries(pending)) {
          this.enqueueMaster(async () => this.runMaster(undefined, { id: key.slice(this.key('requests/').length), record: JSON.parse(value) as RequestRecord }));
        }
      });
    } catch (error) {
      this.options.log.warn({ err: describe(error) }, 'master campaign failed; retrying');
    } finally {
      this.campaigning = false;
    }
  }

  /**
   * The master's periodic check (each renewal): the published nodes match the live ones, and no
   * request waits unseen. Watch events make changes quick; this makes them certain, even after a
   * failed step or a watch that missed events while etcd was away.
   */
  private async reconcile(): Promise<void> {
    if (this.mastership === undefined) return;
    const members = await this.members();
    const published = (this.lastPublished ?? this.applied).nodes;
    const same = Object.keys(members).length === Object.keys(published).length && Object.entries(members).every(([id, node]) => JSON.stringify(published[id]) === JSON.stringify(node));
    if (!same) await this.runMaster({ kind: 'nodes_changed', nodes: members });
    const pending = await this.client.getAll().prefix(this.key('requests/')).strings();
    for (const [key, value] of Object.entries(pending)) await this.runMaster(undefined, { id: key.slice(this.key('requests/').length), record: JSON.parse(value) as RequestRecord });
  }

  private enqueueMaster(work: () => Promise<void>): void {
    this.masterQueue = this.masterQueue.then(work).catch((error: unknown) => this.options.log.error({ err: describe(error) }, 'master step failed'));
  }

  /**
   * One master step: the event (or the request's event), then a fenced compare-and-swap publish,
   * consuming the request and answering it in the same transaction. `base` is the state to build on
   * (the last one this master published, or the one it found when elected).
   */
  private async runMaster(event: MasterEvent | undefined, request?: { id: string; record: RequestRecord }, base?: ClusterState): Promise<void> {
    const mastership = this.mastership;
    if (mastership === undefined) return;
    const current = base ?? this.lastPublished ?? this.applied;
    const step = event ?? request!.record.event;
    let result = stepMaster(current, step, { nowIso: new Date(this.options.nowMs()).toISOString(), stateUuid: this.options.newUuid(), newAllocationId: this.options.newUuid, mergeMappings: this.options.mergeMappings, isDynamicIndexSetting: this.options.isDynamicIndexSetting });
    const requestKey = request === undefined ? undefined : this.key(`requests/${request.id}`);
    if (result.ok && result.changed && Buffer.byteLength(JSON.stringify(result.state)) > etcdRequestBytesMax) {
      result = { ok: false, error: errors.illegalArgument(`the cluster state would exceed [${etcdRequestBytesMax}] bytes, etcd's request limit`) };
    }
    const response: ResponseRecord = result.ok
      ? { ok: true, version: result.state.version }
      : { ok: false, version: current.version, error: { status: result.error.status, type: result.error.type, reason: result.error.message } };
    const operations = [];
    if (result.ok && result.changed) operations.push(this.client.put(this.key('state')).value(JSON.stringify(result.state)));
    if (request !== undefined) {
      operations.push(this.client.delete().key(requestKey!));
      operations.push(this.client.put(this.key(`responses/${request.id}`)).value(JSON.stringify(response)).lease(request.record.lease));
    }
    if (operations.length === 0) return;
    let txn = this.client.if(this.key('master'), 'Create', '==', Number(mastership.fence)).and(this.key('state'), 'Mod', '==', Number(mastership.stateRevision));
    // The request must still be pending: a request seen twice (watch and rescan) is applied once.
    if (requestKey !== undefined) txn = txn.and(requestKey, 'Create', '>', 0);
    const committed = await txn.then(...operations).commit();
    if (!committed.succeeded) {
      // Deposed (the fence moved), the request already consumed, or the state moved under us.
      const master = await this.client.get(this.key('master')).exec();
      if (master.kvs[0]?.create_revision !== mastership.fence) {
        this.options.log.warn({ term: mastership.term }, 'publication refused: another master was elected');
        this.mastership = undefined;
        return;
      }
      if (requestKey !== undefined && !(await this.client.get(requestKey).exists())) return;
      const stateKv = (await this.client.get(this.key('state')).exec()).kvs[0];
      mastership.stateRevision = stateKv?.mod_revision ?? '0';
      this.lastPublished = stateKv === undefined ? undefined : (JSON.parse(stateKv.value.toString('utf8')) as ClusterState);
      this.enqueueMaster(async () => this.runMaster(event, request));
      return;
    }
    if (result.ok && result.changed) {
      mastership.stateRevision = committed.header.revision;
      this.lastPublished = result.state;
      this.apply(result.state);
    }
  }

  private lastPublished: ClusterState | undefined;

  /**
   * Sends an event to the master (whichever node it is now or becomes) and resolves with the
   * state that holds its effect, applied on this node; rejects with the master's EsError, or a
   * 503 when no master answered within `timeoutMs`.
   */
  async submit(event: MasterEvent, timeoutMs: number): Promise<ClusterState> {
    if (this.leaseId === '') throw errors.illegalState('not joined to the cluster');
    const id = this.options.newUuid();
    const answered = new Promise<ResponseRecord>((resolve) => this.responseWaiters.set(id, resolve));
    const record: RequestRecord = { event, from: this.options.nodeId, lease: this.leaseId };
    await this.client.put(this.key(`requests/${id}`)).value(JSON.stringify(record)).lease(this.leaseId);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      const response = await Promise.race([answered, timeout]);
      if (response === undefined) {
        await this.client.delete().key(this.key(`requests/${id}`)).exec().catch(() => undefined);
        throw errors.processClusterEventTimeout(event.kind, timeoutMs);
      }
      await this.client.delete().key(this.key(`responses/${id}`)).exec().catch(() => undefined);
      if (!response.ok) throw new EsError(response.error!.status, response.error!.type, response.error!.reason);
      await this.waitForState((state) => state.version >= response.version, timeoutMs);
      return this.applied;
    } finally {
      clearTimeout(timer);
      this.responseWaiters.delete(id);
    }
  }

  /** Leaves the cluster: the lease is revoked (the node's keys go at once), the client closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    try {
      await this.watcher?.cancel();
    } catch {
      // The watch stream may already be gone with etcd.
    }
    try {
      if (this.leaseId !== '') await this.lease?.revoke({ deadline: Date.now() + 1000 });
    } catch {
      // etcd unreachable: the lease expires on its own.
    }
    this.client.close();
  }
}
