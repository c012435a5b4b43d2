// Replays the master and allocation scripts in test/cases/cluster/*.txt (style P10): each command
// feeds stepMaster (src/cluster/master.ts) one event and prints the routing table, in-sync sets,
// primary terms and health. REWRITE=1 regenerates the expectations; review the diff in git. Each
// script names the Elasticsearch behaviour it pins (cluster-allocation-explain.html,
// shard-allocation-filtering.html, shard-allocation-awareness.html, issue #14 "Allocation",
// indices-close.html and indices-open-close.html for close-and-open.txt, cluster-state.html's
// `wait_for_metadata_version` for metadata-version.txt).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataStreamsOf, emptyClusterState, metadataVersionOf, type ClusterState, type DiscoveryNode } from '../../../src/cluster/state.js';
import { healthStatusOf, stepMaster, type MasterEvent } from '../../../src/cluster/master.js';
import { explainCopy } from '../../../src/cluster/allocation.js';
import { isDynamicIndexSetting } from '../../../src/index/settings.js';
import { mergePublishedMappings } from '../../../src/node/published-mappings.js';
import { replayScriptCases } from '../../harness/script-cases.js';

const casesDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cases/cluster');

/** key=value words after the command; a value may hold commas. */
function words(args: readonly string[]): Record<string, string> {
  return Object.fromEntries(args.map((arg) => [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]));
}

class Runner {
  state: ClusterState = emptyClusterState('test', 'cu');
  private nodes: Record<string, DiscoveryNode> = {};
  private ids = 0;
  private uuids = 0;
  private clock = 0;
  private readonly creates = new Map<string, number>();

  private step(event: MasterEvent): string {
    this.clock += 1;
    const result = stepMaster(this.state, event, { nowIso: new Date(this.clock * 1000).toISOString(), stateUuid: `s${++this.uuids}`, newAllocationId: () => `a${++this.ids}`, mergeMappings: mergePublishedMappings, isDynamicIndexSetting });
    if (!result.ok) return `error: ${result.error.type}: ${result.error.message}`;
    this.state = result.state;
    return result.changed ? this.render() : 'unchanged';
  }

  render(): string {
    const lines = [`v${this.state.version} term=${this.state.term} master=${this.state.master_node ?? '-'} health=${healthStatusOf(this.state)}`];
    for (const [index, table] of Object.entries(this.state.routing_table.indices).sort()) {
      const metadata = this.state.metadata.indices[index]!;
      for (const [shard, copies] of Object.entries(table.shards)) {
        const rendered = copies.map((copy) => {
          const where = copy.node === null ? `(${copy.unassigned_info?.reason} ${copy.unassigned_info?.allocation_status})` : copy.node;
          const moving = copy.relocating_node === null ? '' : `<->${copy.relocating_node}`;
          return `${copy.primary ? 'P' : 'R'}:${copy.state.slice(0, 4)}:${where}${moving}${copy.allocation_id === undefined ? '' : `:${copy.allocation_id.id}`}`;
        });
        // A closed index is marked; open ones print as they always did.
        const closed = metadata.state === 'close' ? ' (close)' : '';
        lines.push(`${index}${closed}[${shard}] term=${metadata.primary_terms[shard]} in_sync=[${(metadata.in_sync_allocations[shard] ?? []).join(',')}] ${rendered.join(' ')}`);
      }
    }
    for (const [name, stream] of Object.entries(dataStreamsOf(this.state)).sort()) {
      // `replicated` (cross-cluster replication's streams) is printed only when set, so the other scripts read as before.
      lines.push(`data_stream ${name} generation=${stream.generation} template=${stream.template} hidden=${stream.hidden}${stream.replicated ? ' replicated=true' : ''} indices=[${stream.indices.map((index) => `${index.index_name}/${index.index_uuid}`).join(',')}]`);
    }
    return lines.join('\n');
  }

  run(command: string): string {
    const [verb, ...args] = command.split(/\s+/);
    const named = words(args.slice(1));
    switch (verb) {
      case 'join': {
        const [id] = args;
        const attributes = Object.fromEntries(Object.entries(named).filter(([key]) => key.startsWith('attr.')).map(([key, value]) => [key.slice(5), value]));
        this.nodes = { ...this.nodes, [id!]: { name: `name-${id}`, ephemeral_id: `e-${id}`, transport_address: `127.0.0.1:93${id!.slice(1)}`, external_id: `name-${id}`, attributes, roles: (named['roles'] ?? 'data,master').split(','), version: '9.1.0' } };
        return this.step(this.state.master_node === null ? { kind: 'elected', nodeId: id!, term: this.state.term + 1, nodes: this.nodes } : { kind: 'nodes_changed', nodes: this.nodes });
      }
      case 'leave': {
        const rest = { ...this.nodes };
        delete rest[args[0]!];
        this.nodes = rest;
        if (this.state.master_node !== args[0]) return this.step({ kind: 'nodes_changed', nodes: this.nodes });
        // The master left: the first master-eligible node wins the next election (a higher term).
        const next = Object.keys(this.nodes).sort().find((id) => this.nodes[id]!.roles.includes('master'));
        return this.step(next === undefined ? { kind: 'nodes_changed', nodes: this.nodes } : { kind: 'elected', nodeId: next, term: this.state.term + 1, nodes: this.nodes });
      }
      case 'elect':
        return this.step({ kind: 'elected', nodeId: args[0]!, term: Number(named['term']), nodes: this.nodes });
      case 'create': {
        const settings = Object.fromEntries(Object.entries(named).map(([key, value]) => [`index.${key}`, value]));
        // Each create is another request with its own uuid (the master takes a create of a uuid it already made as done).
        const made = (this.creates.get(args[0]!) ?? 0) + 1;
        this.creates.set(args[0]!, made);
        return this.step({ kind: 'create_index', name: args[0]!, uuid: made === 1 ? `u-${args[0]}` : `u-${args[0]}-${made}`, settings, mappings: {}, aliases: {}, routingNumShards: 1024 });
      }
      case 'delete':
        return this.step({ kind: 'delete_index', name: args[0]! });
      case 'close':
        return this.step({ kind: 'close_indices', names: args[0]!.split(',') });
      case 'open':
        return this.step({ kind: 'open_indices', names: args[0]!.split(',') });
      case 'create-data-stream':
      case 'rollover-data-stream': {
        // The backing index a node made locally: `.ds-<stream>-<date>-<generation>`, uuid named by `uuid=` (two nodes racing give two uuids).
        const name = args[0]!;
        const generation = verb === 'create-data-stream' ? 1 : Number(named['from']) + 1;
        const backing = `.ds-${name}-2026.12.07-${String(generation).padStart(6, '0')}`;
        const settings = { 'index.hidden': 'true', 'index.number_of_replicas': named['number_of_replicas'] ?? '0' };
        const backingIndex = { name: backing, uuid: named['uuid'] ?? `u-${backing}`, settings, mappings: {}, aliases: {}, routingNumShards: 1024 };
        if (verb === 'rollover-data-stream') return this.step({ kind: 'rollover_data_stream', name, generation: Number(named['from']), backingIndex });
        return this.step({ kind: 'create_data_stream', name, template: named['template'] ?? 'logs', hidden: false, timestampField: '@timestamp', backingIndex });
      }
      case 'follow-backing-index': {
        // A follower backing index a node made locally for leader index `args[1]` (put-follow of a
        // leader data stream's backing index), joining local stream `args[0]`.
        const [name, backing] = args;
        const options = words(args.slice(2));
        const settings = { 'index.hidden': 'true', 'index.number_of_replicas': options['number_of_replicas'] ?? '0', 'index.xpack.ccr.following_index': 'true' };
        const backingIndex = { name: backing!, uuid: options['uuid'] ?? `u-${backing}`, settings, mappings: {}, aliases: {}, routingNumShards: 1024 };
        return this.step({ kind: 'follow_backing_index', name: name!, template: options['template'] ?? 'logs', hidden: false, timestampField: '@timestamp', backingIndex });
      }
      case 'promote-data-stream':
        return this.step({ kind: 'promote_data_stream', name: args[0]! });
      case 'delete-data-streams':
        return this.step({ kind: 'delete_data_streams', names: args[0]!.split(',') });
      case 'alias':
        return this.step({ kind: 'update_aliases', changes: [{ index: args[0]!, alias: args[1]!, definition: {} }], deleteIndices: [] });
      case 'set': {
        const settings = Object.fromEntries(Object.entries(named).map(([key, value]) => [key, value === 'null' ? null : value]));
        return this.step({ kind: 'update_settings', name: args[0]!, settings });
      }
      case 'cluster-set':
        return this.step({ kind: 'cluster_settings', persistent: words(args) });
      case 'started':
      case 'failed': {
        const [index, shard, allocationId] = args;
        const named = words(args.slice(3));
        const term = named['term'] === undefined ? (this.state.metadata.indices[index!]?.primary_terms[shard!] ?? 1) : Number(named['term']);
        const report =
          verb === 'started'
            ? ({ kind: 'shard_started', index: index!, shard: Number(shard), allocationId: allocationId!, primaryTerm: term } as const)
            : ({ kind: 'shard_failed', index: index!, shard: Number(shard), allocationId: allocationId!, primaryTerm: term, message: 'test failure', markAsStale: true } as const);
        return this.step({ kind: 'shard_report', report });
      }
      case 'start-all': {
        // Every initializing copy reports started, primaries first (replicas recover from them).
        const outputs: string[] = [];
        for (let round = 0; round < 10; round++) {
          const initializing = Object.values(this.state.routing_table.indices).flatMap((table) => Object.values(table.shards).flat()).filter((copy) => copy.state === 'INITIALIZING');
          if (initializing.length === 0) break;
          for (const copy of initializing.sort((a, b) => Number(b.primary) - Number(a.primary))) {
            const term = this.state.metadata.indices[copy.index]!.primary_terms[String(copy.shard)]!;
            outputs.push(this.step({ kind: 'shard_report', report: { kind: 'shard_started', index: copy.index, shard: copy.shard, allocationId: copy.allocation_id!.id, primaryTerm: term } }));
          }
        }
        return outputs.length === 0 ? 'unchanged' : outputs[outputs.length - 1]!;
      }
      case 'metadata-version':
        // Metadata.version beside the state version (metadata-version.txt).
        return `v${this.state.version} metadata_version=${metadataVersionOf(this.state)}`;
      case 'explain': {
        const decisions = explainCopy(this.state, args[0]!, Number(args[1]), args[2] === 'primary');
        if (decisions === undefined) return 'no such shard';
        return decisions.map((decision) => `${decision.nodeId} ${decision.decision} ${decision.deciders.filter((d) => d.decision === 'NO').map((d) => `${d.decider}: ${d.explanation}`).join(' | ')}`).join('\n');
      }
      default:
        throw new Error(`unknown command [${verb}]`);
    }
  }
}

interface Block {
  readonly comments: string[];
  readonly command: string;
  readonly expected: string;
}

function parse(text: string): Block[] {
  const blocks: Block[] = [];
  for (const chunk of text.split(/\n\n+/)) {
    const lines = chunk.split('\n').filter((line) => line !== '');
    if (lines.length === 0) continue;
    const comments = lines.filter((line, i) => line.startsWith('#') && i < lines.indexOf('----'));
    const rest = lines.slice(comments.length);
    const command = rest[0] ?? '';
    const separator = rest.indexOf('----');
    blocks.push({ comments, command, expected: separator < 0 ? '' : rest.slice(separator + 1).join('\n') });
  }
  return blocks;
}

function render(blocks: readonly Block[]): string {
  return blocks.map((block) => [...block.comments, block.command, '----', block.expected].join('\n')).join('\n\n') + '\n';
}

replayScriptCases({ label: 'cluster allocation script', directory: casesDirectory, newRunner: () => new Runner(), parse, render, skipEmptyCommands: false });
