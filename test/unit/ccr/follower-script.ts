// The text-script language for the follower state machine (style P10): each command drives one
// step (or prints stats) and renders the effects and a one-line state summary, so a script reads as
// a transcript of the shard follow task. Used by follower-scripts.test.ts.
import {
  createFollowerState,
  estimateOperationSizeBytes,
  followerShardStats,
  stepFollower,
  type FollowerEffects,
  type FollowerEvent,
  type FollowerState,
} from '../../../src/ccr/follower.js';
import type { ChangeOperation, FollowError, FollowParameters } from '../../../src/ccr/types.js';
import { defaultFollowParameters, followParameterFields } from '../../../src/ccr/parameters.js';

/** Elasticsearch's defaults (spec §2.2); scripts override them by wire name. */
export const scriptDefaultParameters: FollowParameters = defaultFollowParameters;

const parameterNames: Readonly<Record<string, keyof FollowParameters>> = followParameterFields;

export interface ScriptBlock {
  readonly comments: readonly string[];
  readonly command: string;
  readonly expected: string;
}

/** Blocks are separated by blank lines: `# comments`, one command, `----`, expected output. */
export function parseScript(text: string): ScriptBlock[] {
  const blocks: ScriptBlock[] = [];
  for (const chunk of text.split(/\n\s*\n/)) {
    const lines = chunk.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    const comments = lines.filter((line, index) => line.startsWith('#') && lines.slice(0, index).every((before) => before.startsWith('#')));
    const rest = lines.slice(comments.length);
    if (rest.length === 0) {
      blocks.push({ comments, command: '', expected: '' });
      continue;
    }
    const separator = rest.indexOf('----');
    const command = rest[0]!;
    if (separator !== -1 && separator !== 1) throw new Error(`one command per block, got: ${rest.slice(0, separator).join(' | ')}`);
    blocks.push({ comments, command, expected: separator === -1 ? '' : rest.slice(separator + 1).join('\n') });
  }
  return blocks;
}

export function renderScript(blocks: readonly ScriptBlock[]): string {
  return (
    blocks
      .map((block) => [...block.comments, ...(block.command === '' ? [] : [block.command, '----', block.expected])].join('\n'))
      .join('\n\n') + '\n'
  );
}

interface Arguments {
  readonly named: Map<string, string>;
  readonly flags: Set<string>;
}

function parseArguments(words: readonly string[]): Arguments {
  const named = new Map<string, string>();
  const flags = new Set<string>();
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals === -1) flags.add(word);
    else named.set(word.slice(0, equals), word.slice(equals + 1).replace(/^"(.*)"$/, '$1'));
  }
  return { named, flags };
}

/** Splits on spaces outside double quotes. */
function tokenize(line: string): string[] {
  return line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
}

/** `none`, or comma-separated seq_nos and inclusive ranges: `0..4,7,9..10`. */
function parseSeqNos(spec: string): number[] {
  if (spec === 'none') return [];
  const seqNos: number[] = [];
  for (const part of spec.split(',')) {
    const [low, high] = part.split('..');
    const from = Number(low);
    const to = high === undefined ? from : Number(high);
    if (!Number.isInteger(from) || !Number.isInteger(to)) throw new Error(`bad seq_no list [${spec}]`);
    for (let seqNo = from; seqNo <= to; seqNo++) seqNos.push(seqNo);
  }
  return seqNos;
}

/** A deterministic leader op: id `d<seq_no>`; `sourceBytes` pads the source to that length. */
export function leaderOperation(seqNo: number, sourceBytes?: number): ChangeOperation {
  let source = `{"n":${seqNo}}`;
  if (sourceBytes !== undefined) {
    const base = `{"n":${seqNo},"p":""}`;
    if (sourceBytes < base.length) throw new Error(`source_bytes=${sourceBytes} is below ${base.length}`);
    source = `{"n":${seqNo},"p":"${'x'.repeat(sourceBytes - base.length)}"}`;
  }
  return { seqNo, op: 'index', id: `d${seqNo}`, source, primaryTerm: 1, version: 1 };
}

function ranges(seqNos: readonly number[]): string {
  const parts: string[] = [];
  let index = 0;
  while (index < seqNos.length) {
    let end = index;
    while (end + 1 < seqNos.length && seqNos[end + 1] === seqNos[end]! + 1) end++;
    parts.push(end === index ? `${seqNos[index]}` : `${seqNos[index]}..${seqNos[end]}`);
    index = end + 1;
  }
  return parts.length === 0 ? 'none' : parts.join(',');
}

export class ScriptRunner {
  private state: FollowerState | undefined;
  private initVersions = { mappingVersion: 1, settingsVersion: 1, aliasesVersion: 1 };

  /** The machine's state after the last command. */
  current(): FollowerState {
    if (this.state === undefined) throw new Error('init first');
    return this.state;
  }

  run(command: string): string {
    const [name, ...words] = tokenize(command);
    const args = parseArguments(words);
    if (name === 'init') return this.init(args);
    const state = this.state;
    if (state === undefined) throw new Error(`${command}: init first`);
    if (name === 'stats') return JSON.stringify(followerShardStats(state, this.number(args, 'now')), null, 2);
    const event = this.event(name ?? '', args, state);
    const [next, effects] = stepFollower(state, event);
    this.state = next;
    return [...renderEffects(effects), summarize(next)].join('\n');
  }

  private number(args: Arguments, key: string, fallback?: number): number {
    const text = args.named.get(key);
    if (text === undefined) {
      if (fallback === undefined) throw new Error(`missing ${key}=`);
      return fallback;
    }
    const value = Number(text);
    if (!Number.isFinite(value)) throw new Error(`${key}=${text} is not a number`);
    return value;
  }

  private init(args: Arguments): string {
    const params: Record<string, number> = { ...scriptDefaultParameters };
    for (const [key, value] of args.named) {
      const field = parameterNames[key];
      if (field !== undefined) params[field] = Number(value);
      else if (!['checkpoint', 'mapping', 'settings', 'aliases', 'now'].includes(key)) throw new Error(`unknown init argument ${key}`);
    }
    this.initVersions = {
      mappingVersion: this.number(args, 'mapping', 1),
      settingsVersion: this.number(args, 'settings', 1),
      aliasesVersion: this.number(args, 'aliases', 1),
    };
    this.state = createFollowerState({
      params: params as unknown as FollowParameters,
      followerCheckpoint: this.number(args, 'checkpoint', -1),
      ...this.initVersions,
      nowMs: this.number(args, 'now', 0),
    });
    return summarize(this.state);
  }

  private error(args: Arguments): FollowError {
    const missing = args.named.get('missing');
    const type = args.named.get('type');
    if (type === undefined) throw new Error('missing type=');
    if (args.flags.has('retryable') === args.flags.has('fatal')) throw new Error('say retryable or fatal');
    return {
      type,
      reason: args.named.get('reason') ?? type,
      retryable: args.flags.has('retryable'),
      ...(missing !== undefined ? { extra: { requested_operations_missing: missing.split('..').map(Number) } } : {}),
    };
  }

  private event(name: string, args: Arguments, state: FollowerState): FollowerEvent {
    const nowMs = (): number => this.number(args, 'now');
    switch (name) {
      case 'tick':
        return { kind: 'tick', nowMs: nowMs() };
      case 'stop':
        return { kind: 'stop' };
      case 'read_ok': {
        const sourceBytes = args.named.has('source_bytes') ? this.number(args, 'source_bytes') : undefined;
        const operations = parseSeqNos(args.named.get('ops') ?? 'none').map((seqNo) => leaderOperation(seqNo, sourceBytes));
        const globalCheckpoint = this.number(args, 'gcp');
        const maxSeqNo = this.number(args, 'max', globalCheckpoint);
        return {
          kind: 'read_ok',
          nowMs: nowMs(),
          fromSeqNo: this.number(args, 'from'),
          response: {
            operations,
            globalCheckpoint,
            maxSeqNo,
            maxSeqNoOfUpdatesOrDeletes: this.number(args, 'msu', maxSeqNo),
            mappingVersion: this.number(args, 'mapping', this.initVersions.mappingVersion),
            settingsVersion: this.number(args, 'settings', this.initVersions.settingsVersion),
            aliasesVersion: this.number(args, 'aliases', this.initVersions.aliasesVersion),
            tookMs: this.number(args, 'took', 0),
          },
        };
      }
      case 'read_failed':
        return { kind: 'read_failed', nowMs: nowMs(), fromSeqNo: this.number(args, 'from'), error: this.error(args), random: this.number(args, 'random', 0) };
      case 'metadata_synced':
        return {
          kind: 'metadata_synced',
          nowMs: nowMs(),
          mappingVersion: this.number(args, 'mapping', state.leaderVersions.mappingVersion),
          settingsVersion: this.number(args, 'settings', state.leaderVersions.settingsVersion),
          aliasesVersion: this.number(args, 'aliases', state.leaderVersions.aliasesVersion),
        };
      case 'metadata_failed':
        return { kind: 'metadata_failed', nowMs: nowMs(), error: this.error(args), random: this.number(args, 'random', 0) };
      case 'write_ok': {
        const fromSeqNo = this.number(args, 'from');
        const write = state.writes.find((candidate) => candidate.fromSeqNo === fromSeqNo);
        const toSeqNo = this.number(args, 'to', write?.toSeqNo ?? fromSeqNo);
        const checkpoint = this.number(args, 'checkpoint', toSeqNo);
        return {
          kind: 'write_ok',
          nowMs: nowMs(),
          fromSeqNo,
          toSeqNo,
          followerCheckpoint: checkpoint,
          followerMaxSeqNo: this.number(args, 'max', toSeqNo),
          tookMs: this.number(args, 'took', 0),
        };
      }
      case 'write_failed':
        return { kind: 'write_failed', nowMs: nowMs(), fromSeqNo: this.number(args, 'from'), error: this.error(args), random: this.number(args, 'random', 0) };
      default:
        throw new Error(`unknown command ${name}`);
    }
  }
}

export function renderEffects(effects: FollowerEffects): string[] {
  const lines: string[] = [];
  for (const read of effects.reads) lines.push(`read from=${read.fromSeqNo} count=${read.maxOperationCount}`);
  for (const batch of effects.writes) {
    let bytes = 0;
    for (const operation of batch) bytes += estimateOperationSizeBytes(operation);
    lines.push(`write ${ranges(batch.map((operation) => operation.seqNo))} ops=${batch.length} bytes=${bytes}`);
  }
  if (effects.syncMetadata !== undefined) {
    const { mappingVersion, settingsVersion, aliasesVersion } = effects.syncMetadata;
    lines.push(`sync_metadata mapping=${mappingVersion} settings=${settingsVersion} aliases=${aliasesVersion}`);
  }
  if (effects.wakeAtMs !== undefined) lines.push(`wake_at=${effects.wakeAtMs}`);
  if (effects.fatalException !== undefined) lines.push(`fatal ${effects.fatalException.type}: ${effects.fatalException.reason}`);
  if (lines.length === 0) lines.push('(no effects)');
  return lines;
}

/** One line of what the machine holds: status, seq_no markers, in-flight requests, buffer. */
export function summarize(state: FollowerState): string {
  // `@t`: failed, waiting for its back-off until t.
  const pending = (request: string, retryAtMs: number | null): string => (retryAtMs === null ? request : `${request}@${retryAtMs}`);
  const reads = state.reads.map((read) => pending(`${read.fromSeqNo}`, read.retryAtMs)).join(',');
  const writes = state.writes.map((write) => pending(write.fromSeqNo === write.toSeqNo ? `${write.fromSeqNo}` : `${write.fromSeqNo}..${write.toSeqNo}`, write.retryAtMs)).join(',');
  const buffered: number[] = [];
  for (const run of state.buffer) for (let index = run.start; index < run.operations.length; index++) buffered.push(run.operations[index]!.seqNo);
  const versions = `${state.followerVersions.mappingVersion}/${state.followerVersions.settingsVersion}/${state.followerVersions.aliasesVersion}`;
  return (
    `> ${state.status} leader_gcp=${state.leaderGlobalCheckpoint} last_requested=${state.lastRequestedSeqNo} ` +
    `follower_gcp=${state.followerGlobalCheckpoint} next_write=${state.nextWriteSeqNo} reads=[${reads}] writes=[${writes}] ` +
    `buffer=${ranges(buffered)} (${state.bufferOperationCount} ops, ${state.bufferSizeBytes}b) metadata=${versions}`
  );
}
