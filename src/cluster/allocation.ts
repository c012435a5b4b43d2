/**
 * Shard allocation (pure): given a cluster state whose nodes or indices changed, produce the
 * routing table Elasticsearch's allocator would aim for, with the same deciders and words:
 *
 * - same_shard: never two copies of one shard on one node;
 * - filter: `index.routing.allocation.require/include/exclude.<attribute>` with `_name`, `_id` or
 *   any `node.attr.*` attribute (comma-separated values, `*` wildcards);
 * - awareness: `cluster.routing.allocation.awareness.attributes`: the copies of a shard spread over
 *   the attribute's values, at most ceil(copies / values) per value;
 * - replica_after_primary_active: a replica is placed only once its primary is started;
 * - data roles: only nodes with a data role hold copies.
 *
 * A primary whose node left is replaced by an in-sync started replica (its primary term goes up by
 * one); without one it stays unassigned (`no_valid_shard_copy`) until a node with an in-sync copy
 * returns. Rebalancing (after a node joins) moves started copies, replicas first, then primaries: the source
 * copy is RELOCATING with `relocating_node` the target, the target INITIALIZING (PEER recovery)
 * with `relocating_node` the source; the source goes when the target starts, so the shard never
 * has fewer copies while it moves. A started copy, primary or replica, that may no longer stay on
 * its node (an index or cluster allocation filter now excludes it: FilterAllocationDecider's
 * canRemain) moves the same way, before any rebalancing; a moved primary's target recovers as a
 * replica and, once started, becomes the primary under primary term + 1 (Elasticsearch hands the
 * primary over under the same term; the new term fences the old copy instead).
 *
 * Time (`nowIso`) and new allocation ids (`newAllocationId`) are inputs.
 * References: AllocationDeciders, SameShardAllocationDecider, FilterAllocationDecider,
 * AwarenessAllocationDecider, ReplicaAfterPrimaryActiveAllocationDecider, BalancedShardsAllocator,
 * cluster-allocation-explain.html.
 */
import type { ClusterState, DiscoveryNode, IndexMetadata, IndexRoutingTable, ShardRouting, UnassignedReason } from './state.js';
import { isDataNode } from './state.js';
import { dynamicSettingTypes, type DynamicSetting } from './settings.js';

/**
 * `cluster.routing.allocation.awareness.attributes`: accepted only in multi-node mode (node.ts adds
 * it there), where the master's allocation honours it; a single node has nothing to spread.
 */
export const awarenessAttributesSetting: DynamicSetting = { key: 'cluster.routing.allocation.awareness.attributes', normalize: dynamicSettingTypes.list };

/**
 * `cluster.routing.allocation.{require,include,exclude}.<attribute>`: the cluster-wide filters
 * (decommissioning a node by `exclude._name`), accepted only in multi-node mode, as awareness.
 */
export const clusterFilterSettings: readonly DynamicSetting[] = (['require', 'include', 'exclude'] as const).map((kind) => ({ key: `cluster.routing.allocation.${kind}.*`, normalize: dynamicSettingTypes.list }));

/** The cluster settings the master's allocation reads from the published state. */
export const allocationClusterSettingKeys: readonly string[] = ['cluster.routing.allocation.awareness.attributes', 'cluster.routing.allocation.enable'];

/** Whether the master's allocation reads this cluster setting (the fixed keys and the cluster filters). */
export function isAllocationClusterSetting(key: string): boolean {
  return allocationClusterSettingKeys.includes(key) || /^cluster\.routing\.allocation\.(require|include|exclude)\../.test(key);
}

export interface AllocationContext {
  readonly nowIso: string;
  readonly newAllocationId: () => string;
}

export type DecisionType = 'YES' | 'NO' | 'THROTTLE';

/** One decider's verdict, as allocation explain renders it. */
export interface Decision {
  readonly decider: string;
  readonly decision: DecisionType;
  readonly explanation: string;
}

export interface NodeDecision {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly transportAddress: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** `yes` when every decider says YES, otherwise `no`. */
  readonly decision: 'yes' | 'no';
  /** Every decider's verdict (explain shows the NO ones, and the YES ones with include_yes_decisions). */
  readonly deciders: readonly Decision[];
  readonly weightRanking: number;
}

function numberSetting(settings: Readonly<Record<string, string>>, key: string, fallback: number): number {
  const value = settings[key];
  return value === undefined ? fallback : Number(value);
}

export function replicasOf(metadata: IndexMetadata): number {
  return numberSetting(metadata.settings, 'index.number_of_replicas', 1);
}

export function shardsOf(metadata: IndexMetadata): number {
  return numberSetting(metadata.settings, 'index.number_of_shards', 1);
}

function globMatches(pattern: string, value: string): boolean {
  const expression = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return expression.test(value);
}

function nodeAttribute(nodeId: string, node: DiscoveryNode, attribute: string): string | undefined {
  if (attribute === '_name') return node.name;
  if (attribute === '_id') return nodeId;
  return node.attributes[attribute];
}

/**
 * FilterAllocationDecider: the index's `index.routing.allocation.{require,include,exclude}.*`, then
 * the cluster's `cluster.routing.allocation.{require,include,exclude}.*`.
 */
function filterDecision(state: ClusterState, metadata: IndexMetadata, nodeId: string, node: DiscoveryNode): Decision {
  return filterDecisionOver(metadata.settings, 'index', nodeId, node) ?? filterDecisionOver(state.metadata.persistent_settings, 'cluster', nodeId, node) ?? { decider: 'filter', decision: 'YES', explanation: 'node passes include/exclude/require filters' };
}

/** One scope's filters: a NO decision, or undefined when the node passes them. */
function filterDecisionOver(settings: Readonly<Record<string, string>>, scope: 'index' | 'cluster', nodeId: string, node: DiscoveryNode): Decision | undefined {
  for (const kind of ['require', 'include', 'exclude'] as const) {
    const prefix = `${scope}.routing.allocation.${kind}.`;
    // `_tier_preference` belongs to the data tier decider, not to the filters.
    const filters = Object.entries(settings).filter(([key]) => key.startsWith(prefix) && key !== `${prefix}_tier_preference`);
    if (filters.length === 0) continue;
    const matches = filters.map(([key, value]) => {
      const attribute = key.slice(prefix.length);
      const actual = nodeAttribute(nodeId, node, attribute);
      const patterns = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
      return { key, value, matched: actual !== undefined && patterns.some((pattern) => globMatches(pattern, actual)) };
    });
    // The group's filters as Elasticsearch prints them (DiscoveryNodeFilters): `attr:"values"`,
    // joined by AND for `require`, by OR for `include` and `exclude`.
    const shown = (join: string): string => matches.map((m) => `${m.key.slice(prefix.length)}:"${m.value}"`).join(join);
    const group = prefix.slice(0, -1);
    if (kind === 'require') {
      if (matches.some((match) => !match.matched)) return { decider: 'filter', decision: 'NO', explanation: `node does not match ${scope} setting [${group}] filters [${shown(' AND ')}]` };
    } else if (kind === 'include') {
      if (!matches.some((match) => match.matched)) return { decider: 'filter', decision: 'NO', explanation: `node does not match ${scope} setting [${group}] filters [${shown(' OR ')}]` };
    } else if (matches.some((match) => match.matched)) {
      return { decider: 'filter', decision: 'NO', explanation: `node matches ${scope} setting [${group}] filters [${shown(' OR ')}]` };
    }
  }
  return undefined;
}

/** The deciders for placing one copy of (index, shard) on a node, given the shard's other copies. */
export function decide(
  state: ClusterState,
  awarenessAttributes: readonly string[],
  metadata: IndexMetadata,
  copies: readonly ShardRouting[],
  copy: ShardRouting,
  nodeId: string,
): Decision[] {
  const node = state.nodes[nodeId]!;
  const decisions: Decision[] = [];
  // DataTierAllocationDecider: the generic `data` role holds every tier; otherwise the node needs a
  // role of the index's `_tier_preference` (the first tier any node has, as Elasticsearch picks).
  const preference = (metadata.settings['index.routing.allocation.include._tier_preference'] ?? '').split(',').map((tier) => tier.trim()).filter((tier) => tier !== '');
  const present = preference.find((tier) => Object.values(state.nodes).some((other) => other.roles.includes(tier) || other.roles.includes('data')));
  if (!isDataNode(node)) {
    decisions.push({ decider: 'data_tier', decision: 'NO', explanation: `node does not have a data role [${[...node.roles].sort().join(', ')}]` });
  } else if (present !== undefined && !node.roles.includes('data') && !node.roles.includes(present)) {
    decisions.push({ decider: 'data_tier', decision: 'NO', explanation: `index has a preference for tiers [${preference.join(',')}] and node does not meet the required [${present}] tier` });
  } else {
    decisions.push({ decider: 'data_tier', decision: 'YES', explanation: 'node passes tier preference filters' });
  }
  const same = copies.find((other) => other !== copy && (other.node === nodeId || other.relocating_node === nodeId));
  decisions.push(
    same === undefined
      ? { decider: 'same_shard', decision: 'YES', explanation: 'this node does not hold a copy of this shard' }
      : {
          decider: 'same_shard',
          decision: 'NO',
          explanation: `a copy of this shard is already allocated to this node [[${copy.index}][${copy.shard}], node[${nodeId}], [${same.primary ? 'P' : 'R'}], s[${same.state}], a[id=${same.allocation_id?.id ?? ''}]]`,
        },
  );
  decisions.push(filterDecision(state, metadata, nodeId, node));
  // EnableAllocationDecider: `primaries` places no new replica (the one-node registry refuses the other values).
  if (!copy.primary && copy.state === 'UNASSIGNED' && state.metadata.persistent_settings['cluster.routing.allocation.enable'] === 'primaries') {
    decisions.push({ decider: 'enable', decision: 'NO', explanation: 'replica allocations are forbidden due to cluster setting [cluster.routing.allocation.enable=primaries]' });
  }
  if (!copy.primary) {
    const primary = copies.find((other) => other.primary);
    decisions.push(
      primary?.state === 'STARTED' || primary?.state === 'RELOCATING'
        ? { decider: 'replica_after_primary_active', decision: 'YES', explanation: 'primary shard for this replica is already active' }
        : { decider: 'replica_after_primary_active', decision: 'NO', explanation: 'primary shard for this replica is not yet active' },
    );
  }
  for (const attribute of awarenessAttributes) {
    const value = node.attributes[attribute];
    if (value === undefined) {
      decisions.push({ decider: 'awareness', decision: 'NO', explanation: `node does not contain the awareness attribute [${attribute}]; required attributes cluster setting [cluster.routing.allocation.awareness.attributes=${awarenessAttributes.join(',')}]` });
      continue;
    }
    const values = new Set(Object.values(state.nodes).map((other) => other.attributes[attribute]).filter((v): v is string => v !== undefined));
    const total = copies.length;
    const cap = Math.ceil(total / values.size);
    const onValue = copies.filter((other) => other !== copy && other.node !== null && state.nodes[other.node]?.attributes[attribute] === value).length + 1;
    decisions.push(
      onValue > cap
        ? {
            decider: 'awareness',
            decision: 'NO',
            explanation: `there are [${total}] copies of this shard and [${values.size}] values for attribute [${attribute}] ([${[...values].sort().join(', ')}] from nodes in the cluster and no forced awareness) so there may be at most [${cap}] copies of this shard allocated to nodes with each value, but (including this copy) there would be [${onValue}] copies allocated to nodes with [node.attr.${attribute}: ${value}]`,
          }
        : { decider: 'awareness', decision: 'YES', explanation: 'node meets all awareness attribute requirements' },
    );
  }
  return decisions;
}

/** Shards held per node (every assigned copy counts, relocation targets too). */
function shardCounts(state: ClusterState, indices: Readonly<Record<string, IndexRoutingTable>>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of Object.keys(state.nodes)) counts.set(id, 0);
  for (const table of Object.values(indices)) {
    for (const copies of Object.values(table.shards)) {
      for (const copy of copies) if (copy.node !== null && counts.has(copy.node)) counts.set(copy.node, counts.get(copy.node)! + 1);
    }
  }
  return counts;
}

/** Eligible nodes, lightest first (ties by node id, so the result is deterministic). */
function candidates(state: ClusterState, awareness: readonly string[], metadata: IndexMetadata, copies: readonly ShardRouting[], copy: ShardRouting, counts: Map<string, number>): string[] {
  return Object.keys(state.nodes)
    .filter((nodeId) => decide(state, awareness, metadata, copies, copy, nodeId).every((decision) => decision.decision === 'YES'))
    .sort((a, b) => counts.get(a)! - counts.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
}

function unassigned(index: string, shard: number, primary: boolean, reason: UnassignedReason, ctx: AllocationContext, extra: { lastNode?: string; status?: 'no_attempt' | 'no_valid_shard_copy' | 'decider_no'; details?: string } = {}): ShardRouting {
  return {
    state: 'UNASSIGNED',
    primary,
    node: null,
    relocating_node: null,
    shard,
    index,
    recovery_source: { type: primary ? (reason === 'INDEX_CREATED' ? 'EMPTY_STORE' : 'EXISTING_STORE') : 'PEER' },
    unassigned_info: {
      reason,
      at: ctx.nowIso,
      delayed: false,
      allocation_status: extra.status ?? 'no_attempt',
      ...(extra.details === undefined ? {} : { details: extra.details }),
      ...(extra.lastNode === undefined ? {} : { last_allocated_node: extra.lastNode }),
    },
  };
}

function assignedTo(copy: ShardRouting, nodeId: string, allocationId: string, source: 'EMPTY_STORE' | 'EXISTING_STORE' | 'PEER'): ShardRouting {
  return { state: 'INITIALIZING', primary: copy.primary, node: nodeId, relocating_node: null, shard: copy.shard, index: copy.index, allocation_id: { id: allocationId }, recovery_source: { type: source } };
}

export function awarenessAttributesOf(state: ClusterState): string[] {
  const value = state.metadata.persistent_settings['cluster.routing.allocation.awareness.attributes'];
  return value === undefined ? [] : value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

interface ShardPlan {
  copies: ShardRouting[];
  inSync: string[];
  primaryTerm: number;
}

/**
 * Brings one shard's copies in line with the nodes present and the replica count; returns the
 * shard's new copies, in-sync set and primary term (before placement).
 */
function settleShard(state: ClusterState, metadata: IndexMetadata, index: string, shard: number, ctx: AllocationContext): ShardPlan {
  const key = String(shard);
  let copies = [...(state.routing_table.indices[index]?.shards[key] ?? [])];
  let inSync = [...(metadata.in_sync_allocations[key] ?? [])];
  let primaryTerm = metadata.primary_terms[key] ?? 1;
  if (copies.length === 0) copies = [unassigned(index, shard, true, 'INDEX_CREATED', ctx)];
  // Copies on nodes that left become unassigned (NODE_LEFT); relocations touching them end.
  copies = copies.flatMap((copy): ShardRouting[] => {
    if (copy.node === null) return [copy];
    const present = state.nodes[copy.node] !== undefined;
    if (copy.state === 'RELOCATING' && copy.relocating_node !== null && state.nodes[copy.relocating_node] === undefined) {
      return present ? [{ ...copy, state: 'STARTED', relocating_node: null }] : [unassigned(index, shard, copy.primary, 'NODE_LEFT', ctx, { lastNode: copy.node })];
    }
    if (present) return [copy];
    if (copy.state === 'INITIALIZING' && copy.relocating_node !== null) return []; // a relocation target: its source keeps the copy
    return [unassigned(index, shard, copy.primary, 'NODE_LEFT', ctx, { lastNode: copy.node })];
  });
  copies = copies.map((copy) => (copy.state === 'RELOCATING' && !copies.some((other) => other.node === copy.relocating_node) ? { ...copy, state: 'STARTED', relocating_node: null } : copy));
  // A lost primary: promote an in-sync started replica (new primary term), as Elasticsearch's failover does.
  const primaryIndex = copies.findIndex((copy) => copy.primary);
  const primary = copies[primaryIndex]!;
  if (primary.state === 'UNASSIGNED') {
    const promotable = copies.findIndex((copy) => !copy.primary && (copy.state === 'STARTED' || copy.state === 'RELOCATING') && inSync.includes(copy.allocation_id!.id));
    if (promotable >= 0) {
      const replica = copies[promotable]!;
      copies[promotable] = { ...replica, primary: true, state: 'STARTED', relocating_node: null };
      copies[primaryIndex] = { ...primary, primary: false, recovery_source: { type: 'PEER' } };
      primaryTerm += 1;
    }
  }
  // Copies no longer present leave the in-sync set while another in-sync copy is active, so the set
  // never empties and a stale copy never comes back as primary.
  const activeIds = new Set(copies.filter((copy) => copy.allocation_id !== undefined && copy.state !== 'INITIALIZING').map((copy) => copy.allocation_id!.id));
  const activeInSync = inSync.filter((id) => activeIds.has(id));
  if (activeInSync.length > 0) inSync = activeInSync;
  // Replica count: drop unassigned extras, then initializing ones, then started ones on the busiest node.
  const desired = 1 + replicasOf(metadata);
  const relocating = copies.some((copy) => copy.state === 'RELOCATING');
  const rank = (copy: ShardRouting): number => (copy.state === 'UNASSIGNED' ? 0 : copy.state === 'INITIALIZING' ? 1 : 2);
  const extraCount = copies.length - desired - (relocating ? copies.filter((copy) => copy.state === 'RELOCATING').length : 0);
  if (extraCount > 0) {
    const removable = copies.filter((copy) => !copy.primary && copy.state !== 'RELOCATING' && !(copy.state === 'INITIALIZING' && copy.relocating_node !== null)).sort((a, b) => rank(a) - rank(b));
    const dropped = new Set(removable.slice(0, extraCount));
    copies = copies.filter((copy) => !dropped.has(copy));
    for (const copy of dropped) if (copy.allocation_id !== undefined) inSync = inSync.filter((id) => id !== copy.allocation_id!.id || inSync.length === 1);
  }
  const present = copies.length - copies.filter((copy) => copy.state === 'INITIALIZING' && copy.relocating_node !== null).length;
  for (let missing = desired - present; missing > 0; missing--) copies.push(unassigned(index, shard, false, metadata.version === 1 ? 'INDEX_CREATED' : 'REPLICA_ADDED', ctx));
  // The primary first, as Elasticsearch lists a shard's copies.
  copies.sort((a, b) => Number(b.primary) - Number(a.primary));
  return { copies, inSync, primaryTerm };
}

/**
 * Allocates every open index of `state` (a closed index keeps its routing table, settled but not
 * placed) and returns the new routing table and the indices' metadata with their primary terms and
 * in-sync sets. Leaves `version`, `state_uuid` and `term` to the caller (the master's step).
 */
export function allocate(state: ClusterState, ctx: AllocationContext): ClusterState {
  const awareness = awarenessAttributesOf(state);
  const indices: Record<string, IndexRoutingTable> = {};
  const metadataOut: Record<string, IndexMetadata> = {};
  const plans: { index: string; shard: number; plan: ShardPlan; metadata: IndexMetadata }[] = [];
  /** Shards of closed indices: settled (nodes that left, failover) but never placed or moved. */
  const closed: { index: string; shard: number; plan: ShardPlan; metadata: IndexMetadata }[] = [];
  for (const index of Object.keys(state.metadata.indices).sort()) {
    const metadata = state.metadata.indices[index]!;
    metadataOut[index] = metadata;
    if (metadata.state !== 'open') {
      // A closed index keeps the routing table it had (Elasticsearch 7.2+ replicates closed
      // indices), so a reopen finds each copy where its files are. Its copies are not recovered
      // while it is closed: a copy lost meanwhile is placed again once the index is open.
      if (state.routing_table.indices[index] === undefined) continue;
      const stopped = stopRelocations(state, index);
      for (let shard = 0; shard < shardsOf(metadata); shard++) closed.push({ index, shard, plan: settleShard(stopped, metadata, index, shard, ctx), metadata });
      continue;
    }
    for (let shard = 0; shard < shardsOf(metadata); shard++) plans.push({ index, shard, plan: settleShard(state, metadata, index, shard, ctx), metadata });
  }
  const current = (): Record<string, IndexRoutingTable> => {
    const tables: Record<string, { shards: Record<string, ShardRouting[]> }> = {};
    for (const { index, shard, plan } of [...plans, ...closed]) (tables[index] ??= { shards: {} }).shards[String(shard)] = plan.copies;
    return tables;
  };
  const view = (): ClusterState => ({ ...state, routing_table: { indices: current() } });
  // Placement: primaries first (so replicas can follow them in the same round), then replicas.
  for (const wantPrimary of [true, false]) {
    for (const entry of plans) {
      const { plan, metadata, index, shard } = entry;
      for (let i = 0; i < plan.copies.length; i++) {
        const copy = plan.copies[i]!;
        if (copy.state !== 'UNASSIGNED' || copy.primary !== wantPrimary) continue;
        const counts = shardCounts(state, current());
        if (copy.primary) {
          if (plan.inSync.length === 0) {
            const [target] = candidates(view(), awareness, metadata, plan.copies, copy, counts);
            if (target !== undefined) plan.copies[i] = assignedTo(copy, target, ctx.newAllocationId(), 'EMPTY_STORE');
            else plan.copies[i] = withStatus(copy, 'decider_no');
            continue;
          }
          // Only a node holding an in-sync copy may bring the primary back (no data loss by choice).
          const back = copy.unassigned_info?.last_allocated_node;
          const eligible = back !== undefined && state.nodes[back] !== undefined && candidates(view(), awareness, metadata, plan.copies, copy, counts).includes(back);
          if (eligible) plan.copies[i] = assignedTo(copy, back, plan.inSync[0]!, 'EXISTING_STORE');
          else plan.copies[i] = withStatus(copy, 'no_valid_shard_copy');
          continue;
        }
        // A replica waits for its primary without an attempt (ReplicaAfterPrimaryActiveAllocationDecider).
        const primaryActive = plan.copies.some((other) => other.primary && (other.state === 'STARTED' || other.state === 'RELOCATING'));
        if (!primaryActive) continue;
        const [target] = candidates(view(), awareness, metadata, plan.copies, copy, counts);
        if (target !== undefined) plan.copies[i] = assignedTo(copy, target, ctx.newAllocationId(), 'PEER');
        else plan.copies[i] = withStatus(copy, 'decider_no');
      }
      void index;
      void shard;
    }
  }
  const round: AllocationRound = { state, awareness, plans, current, view, ctx };
  moveOffForbiddenNodes(round);
  rebalance(round);
  for (const [index, table] of Object.entries(current())) indices[index] = table;
  const byIndex = new Map<string, ShardPlan[]>();
  for (const { index, plan } of [...plans, ...closed]) (byIndex.get(index) ?? byIndex.set(index, []).get(index)!).push(plan);
  for (const [index, shardPlans] of byIndex) {
    const metadata = metadataOut[index]!;
    const primaryTerms: Record<string, number> = {};
    const inSync: Record<string, string[]> = {};
    shardPlans.forEach((plan, shard) => {
      primaryTerms[String(shard)] = plan.primaryTerm;
      inSync[String(shard)] = plan.inSync;
    });
    metadataOut[index] = { ...metadata, primary_terms: primaryTerms, in_sync_allocations: inSync };
  }
  return { ...state, metadata: { ...state.metadata, indices: metadataOut }, routing_table: { indices } };
}

/**
 * A closed index's routing table without relocations: a relocation target (its files half copied)
 * goes and its source stays where it is, started.
 */
function stopRelocations(state: ClusterState, index: string): ClusterState {
  const table = state.routing_table.indices[index]!;
  const relocating = Object.values(table.shards).some((copies) => copies.some((copy) => copy.relocating_node !== null));
  if (!relocating) return state;
  const shards: Record<string, ShardRouting[]> = {};
  for (const [shard, copies] of Object.entries(table.shards)) {
    shards[shard] = copies.filter((copy) => !(copy.state === 'INITIALIZING' && copy.relocating_node !== null)).map((copy) => (copy.state === 'RELOCATING' ? { ...copy, state: 'STARTED', relocating_node: null } : copy));
  }
  return { ...state, routing_table: { indices: { ...state.routing_table.indices, [index]: { shards } } } };
}

function withStatus(copy: ShardRouting, status: 'decider_no' | 'no_valid_shard_copy'): ShardRouting {
  if (copy.unassigned_info === undefined || copy.unassigned_info.allocation_status === status) return copy;
  return { ...copy, unassigned_info: { ...copy.unassigned_info, allocation_status: status } };
}

/** One allocation's inputs and its shards' plans as they are being placed (`allocate`). */
interface AllocationRound {
  readonly state: ClusterState;
  readonly awareness: readonly string[];
  readonly plans: { index: string; shard: number; plan: ShardPlan; metadata: IndexMetadata }[];
  /** The routing table the plans make so far. */
  readonly current: () => Record<string, IndexRoutingTable>;
  /** `state` with that routing table. */
  readonly view: () => ClusterState;
  readonly ctx: AllocationContext;
}

/**
 * Moves started copies (primaries too) off nodes the allocation filters no longer allow
 * (AllocationService's moveShards, before rebalancing): each to the lightest node where every
 * decider says YES, one move per shard at a time; with no such node the copy stays.
 */
function moveOffForbiddenNodes(round: AllocationRound): void {
  const { state, awareness, plans, current, view, ctx } = round;
  for (const { plan, metadata } of plans) {
    if (plan.copies.some((copy) => copy.state !== 'STARTED')) continue;
    for (let index = 0; index < plan.copies.length; index++) {
      const source = plan.copies[index]!;
      const from = source.node!;
      const node = state.nodes[from];
      if (node === undefined || filterDecision(state, metadata, from, node).decision === 'YES') continue;
      const counts = shardCounts(state, current());
      const others = plan.copies.filter((copy) => copy !== source);
      const target = Object.keys(state.nodes)
        .filter((nodeId) => nodeId !== from)
        .filter((nodeId) => {
          const moved = { ...source, node: nodeId } as ShardRouting;
          return decide(view(), awareness, metadata, [...others, moved], moved, nodeId).every((decision) => decision.decision === 'YES');
        })
        .sort((a, b) => counts.get(a)! - counts.get(b)! || (a < b ? -1 : 1))[0];
      if (target === undefined) continue;
      plan.copies[index] = { ...source, state: 'RELOCATING', relocating_node: target };
      plan.copies.push({ state: 'INITIALIZING', primary: false, node: target, relocating_node: from, shard: source.shard, index: source.index, allocation_id: { id: ctx.newAllocationId() }, recovery_source: { type: 'PEER' } });
      break;
    }
  }
}

/**
 * Moves started copies from the busiest data node to the lightest one while the two differ by
 * more than one copy, one relocation per shard at a time (BalancedShardsAllocator's goal, without
 * its weights). Replicas are tried first; a primary moves as a filter moves one (its target
 * recovers as a replica and takes the primary over under primary term + 1 once started).
 */
function rebalance(round: AllocationRound): void {
  const { state, awareness, plans, current, view, ctx } = round;
  const dataNodes = Object.keys(state.nodes).filter((id) => isDataNode(state.nodes[id]!));
  if (dataNodes.length < 2) return;
  for (let moves = 0; moves < 1000; moves++) {
    const counts = shardCounts(state, current());
    const ordered = dataNodes.sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1));
    const heavy = ordered[0]!;
    const light = ordered[ordered.length - 1]!;
    if (counts.get(heavy)! - counts.get(light)! <= 1) return;
    let moved = false;
    // Replicas first (a moved replica costs a recovery); primaries (a handover as well) only once
    // every shard copy is active (Elasticsearch's cluster.routing.allocation.allow_rebalance
    // default, indices_all_active), so a replica about to become movable is not beaten to it.
    const allActive = plans.every(({ plan }) => plan.copies.every((copy) => copy.state === 'STARTED'));
    for (const primary of allActive ? [false, true] : [false]) {
      for (const { plan, metadata } of plans) {
        if (plan.copies.some((copy) => copy.state !== 'STARTED')) continue;
        const index = plan.copies.findIndex((copy) => copy.primary === primary && copy.node === heavy);
        if (index < 0) continue;
        const source = plan.copies[index]!;
        const target = { ...source, node: light } as ShardRouting;
        const others = plan.copies.filter((copy) => copy !== source);
        const decisions = decide(view(), awareness, metadata, [...others, target], target, light);
        if (!decisions.every((decision) => decision.decision === 'YES')) continue;
        plan.copies[index] = { ...source, state: 'RELOCATING', relocating_node: light };
        plan.copies.push({ state: 'INITIALIZING', primary: false, node: light, relocating_node: heavy, shard: source.shard, index: source.index, allocation_id: { id: ctx.newAllocationId() }, recovery_source: { type: 'PEER' } });
        moved = true;
        break;
      }
      if (moved) break;
    }
    if (!moved) return;
  }
}

/**
 * A copy finished recovery (`internal:cluster/shard/started`): it becomes STARTED and joins the
 * in-sync set; a relocation target replaces its source. Unknown or stale reports change nothing.
 */
export function startShard(state: ClusterState, index: string, shard: number, allocationId: string): ClusterState {
  const key = String(shard);
  const copies = state.routing_table.indices[index]?.shards[key];
  const metadata = state.metadata.indices[index];
  if (copies === undefined || metadata === undefined) return state;
  const target = copies.find((copy) => copy.allocation_id?.id === allocationId && copy.state === 'INITIALIZING');
  if (target === undefined) return state;
  const source = target.relocating_node === null ? undefined : copies.find((copy) => copy.node === target.relocating_node && copy.state === 'RELOCATING');
  // A moved primary's target takes the primary over under a new term, which fences the old copy.
  const handover = source?.primary === true;
  const next = copies
    .filter((copy) => copy !== source)
    .map((copy): ShardRouting => (copy === target ? { state: 'STARTED', primary: copy.primary || handover, node: copy.node, relocating_node: null, shard, index, allocation_id: copy.allocation_id! } : copy));
  next.sort((a, b) => Number(b.primary) - Number(a.primary));
  const inSync = [...new Set([...(metadata.in_sync_allocations[key] ?? []).filter((id) => id !== source?.allocation_id?.id), allocationId])];
  const primaryTerms = handover ? { ...metadata.primary_terms, [key]: (metadata.primary_terms[key] ?? 1) + 1 } : metadata.primary_terms;
  return withShard(state, index, key, next, { ...metadata, primary_terms: primaryTerms, in_sync_allocations: { ...metadata.in_sync_allocations, [key]: inSync } });
}

/**
 * A copy failed (`internal:cluster/shard/failure`): it is unassigned (ALLOCATION_FAILED) and, when
 * asked (markAsStale), leaves the in-sync set, unless it is the last in-sync copy. A failed primary
 * is replaced by an in-sync replica at the next allocation.
 */
export function failShard(state: ClusterState, index: string, shard: number, allocationId: string, message: string, markAsStale: boolean, ctx: AllocationContext): ClusterState {
  const key = String(shard);
  const copies = state.routing_table.indices[index]?.shards[key];
  const metadata = state.metadata.indices[index];
  if (copies === undefined || metadata === undefined) return state;
  const failed = copies.find((copy) => copy.allocation_id?.id === allocationId);
  if (failed === undefined) return state;
  const failures = (failed.unassigned_info?.failed_allocation_attempts ?? 0) + 1;
  const replacement: ShardRouting = {
    ...unassigned(index, shard, failed.primary, failed.primary ? 'PRIMARY_FAILED' : 'ALLOCATION_FAILED', ctx, { lastNode: failed.node ?? undefined, details: message }),
  };
  const withFailures: ShardRouting = { ...replacement, unassigned_info: { ...replacement.unassigned_info!, failed_allocation_attempts: failures } };
  const next = copies.filter((copy) => !(failed.state === 'RELOCATING' && copy.node === failed.relocating_node)).map((copy) => (copy === failed ? withFailures : copy));
  const current = metadata.in_sync_allocations[key] ?? [];
  const inSync = markAsStale && current.length > 1 ? current.filter((id) => id !== allocationId) : current;
  return withShard(state, index, key, next, { ...metadata, in_sync_allocations: { ...metadata.in_sync_allocations, [key]: inSync } });
}

function withShard(state: ClusterState, index: string, key: string, copies: ShardRouting[], metadata: IndexMetadata): ClusterState {
  const table = state.routing_table.indices[index]!;
  return {
    ...state,
    metadata: { ...state.metadata, indices: { ...state.metadata.indices, [index]: metadata } },
    routing_table: { indices: { ...state.routing_table.indices, [index]: { shards: { ...table.shards, [key]: copies } } } },
  };
}

/** Per-node decisions for an unassigned (or any) copy, for `GET /_cluster/allocation/explain`. */
export function explainCopy(state: ClusterState, index: string, shard: number, primary: boolean): NodeDecision[] | undefined {
  const metadata = state.metadata.indices[index];
  const copies = state.routing_table.indices[index]?.shards[String(shard)];
  if (metadata === undefined || copies === undefined) return undefined;
  const copy = copies.find((candidate) => candidate.primary === primary && candidate.state === 'UNASSIGNED') ?? copies.find((candidate) => candidate.primary === primary);
  if (copy === undefined) return undefined;
  const awareness = awarenessAttributesOf(state);
  const counts = shardCounts(state, state.routing_table.indices);
  const decisions = Object.keys(state.nodes).map((nodeId) => {
    const node = state.nodes[nodeId]!;
    const all = decide(state, awareness, metadata, copies, copy, nodeId);
    const no = all.filter((decision) => decision.decision === 'NO');
    return { nodeId, nodeName: node.name, transportAddress: node.transport_address, attributes: node.attributes, decision: no.length === 0 ? 'yes' : 'no', deciders: all, weightRanking: 0 } as NodeDecision;
  });
  const ranked = [...decisions].sort((a, b) => counts.get(a.nodeId)! - counts.get(b.nodeId)! || (a.nodeId < b.nodeId ? -1 : 1));
  return decisions.map((decision) => ({ ...decision, weightRanking: ranked.indexOf(decision) + 1 }));
}
