// Drives the replication state machines (src/index/replication/primary.ts, replica.ts) from the text
// scripts in test/cases/replication/*.txt (style P10): one command per block, its effects and the
// state printed under it.
import { createPrimaryState, stepPrimary, type PrimaryEffect, type PrimaryState } from '../../../src/index/replication/primary.js';
import { createReplicaState, stepReplica, type ReplicaState } from '../../../src/index/replication/replica.js';

function parseArguments(words: readonly string[]): Map<string, string> {
  const named = new Map<string, string>();
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals === -1) throw new Error(`expected name=value, got [${word}]`);
    named.set(word.slice(0, equals), word.slice(equals + 1).replace(/^"(.*)"$/, '$1'));
  }
  return named;
}

function tokenize(line: string): string[] {
  return line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
}

function list(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(',');
}

/** `0..3` or `0,1,3`. */
function seqNos(value: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(value);
  if (range !== null) {
    const numbers: number[] = [];
    for (let seqNo = Number(range[1]); seqNo <= Number(range[2]); seqNo++) numbers.push(seqNo);
    return numbers;
  }
  return list(value).map(Number);
}

function renderPrimaryEffect(effect: PrimaryEffect): string {
  switch (effect.kind) {
    case 'replicate':
      return `replicate request=${effect.requestId} to=${effect.allocationId} gcp=${effect.globalCheckpoint}`;
    case 'report_failure':
      return `report_failure copy=${effect.allocationId} term=${effect.primaryTerm} reason="${effect.reason}"`;
    case 'acknowledge':
      return `acknowledge request=${effect.requestId} succeeded=${effect.succeeded} failed=[${effect.failures.map((failure) => failure.allocationId).join(',')}] gcp=${effect.globalCheckpoint}`;
    case 'refuse':
      return `refuse request=${effect.requestId} reason="${effect.reason}"`;
  }
}

export function summarizePrimary(state: PrimaryState): string {
  const checkpoints = Object.entries(state.checkpoints).sort(([a], [b]) => a.localeCompare(b)).map(([id, checkpoint]) => `${id}:${checkpoint}`).join(',');
  const pending = state.pending.map((write) => `${write.requestId}{awaiting=[${write.awaiting.join(',')}] failing=[${write.failing.join(',')}]}`).join(' ');
  const failed = Object.entries(state.failed).map(([id, report]) => (report.reportAgainAtMs === undefined ? id : `${id}@${report.reportAgainAtMs}`)).join(',');
  return `> ${state.mode} term=${state.primaryTerm} in_sync=[${state.inSync.join(',')}] recovering=[${state.recovering.join(',')}] checkpoints=[${checkpoints}] gcp=${state.globalCheckpoint} failed=[${failed}] pending=[${pending}]`;
}

function summarizeReplica(state: ReplicaState): string {
  return `> replica ${state.allocationId} term=${state.operationPrimaryTerm} checkpoint=${state.localCheckpoint} gcp=${state.globalCheckpoint}${state.mustRecover ? ' must_recover' : ''}`;
}

export class ReplicationScript {
  private primary: PrimaryState | undefined;
  private replica: ReplicaState | undefined;

  run(command: string): string {
    const [verb, ...words] = tokenize(command);
    const args = parseArguments(words);
    const text = (name: string): string => {
      const value = args.get(name);
      if (value === undefined) throw new Error(`[${verb}] needs ${name}=`);
      return value;
    };
    const number = (name: string): number => Number(text(name));
    if (verb === 'primary') {
      this.primary = createPrimaryState(text('copy'), number('term'), number('checkpoint'), list(args.get('in_sync')));
      return summarizePrimary(this.primary);
    }
    if (verb === 'replica') {
      this.replica = createReplicaState(text('copy'), number('term'), number('checkpoint'), number('gcp'));
      return summarizeReplica(this.replica);
    }
    if (verb === 'ops' || verb === 'replica_cluster_state' || verb === 'resync') {
      if (this.replica === undefined) throw new Error('no replica');
      // resync: `seq=6..9` with `terms=1,1,2,2` (one per operation; default all `term`), `local=6:1,7:1` the copy's own.
      const operationTerms = list(args.get('terms')).map(Number);
      const operations = seqNos(args.get('seq') ?? '').map((seqNo, index) => ({ seqNo, primaryTerm: operationTerms[index] ?? number('term') }));
      const localTerms = Object.fromEntries(list(args.get('local')).map((pair) => pair.split(':').map(Number) as [number, number]));
      const [next, outcome] =
        verb === 'ops'
          ? stepReplica(this.replica, { kind: 'operations', primaryTerm: number('term'), globalCheckpoint: number('gcp'), operations })
          : verb === 'resync'
            ? stepReplica(this.replica, { kind: 'resync', primaryTerm: number('term'), globalCheckpoint: number('gcp'), maxSeqNo: number('max'), operations, localTerms })
            : stepReplica(this.replica, { kind: 'cluster_state', primaryTerm: number('term') });
      this.replica = next;
      const shown =
        outcome.kind === 'apply'
          ? `apply [${outcome.operations.map((operation) => operation.seqNo).join(',')}] checkpoint=${outcome.localCheckpoint} gcp=${outcome.globalCheckpoint}`
          : outcome.kind === 'refuse'
            ? `refuse fenced=${outcome.fenced} reason="${outcome.reason}"`
            : '(no effects)';
      return `${shown}\n${summarizeReplica(next)}`;
    }
    if (this.primary === undefined) throw new Error('no primary');
    let event: Parameters<typeof stepPrimary>[1];
    switch (verb) {
      case 'cluster_state':
        event = { kind: 'cluster_state', primaryAllocationId: args.get('primary'), primaryTerm: number('term'), inSync: list(args.get('in_sync')), assigned: list(args.get('assigned')) };
        break;
      case 'written':
        event = { kind: 'written', requestId: number('request'), seqNoMax: number('seq_no'), localCheckpoint: number('seq_no') };
        break;
      case 'replica_ok':
        event = { kind: 'replica_ok', requestId: number('request'), allocationId: text('copy'), localCheckpoint: number('checkpoint') };
        break;
      case 'replica_failed':
        event = { kind: 'replica_failed', requestId: number('request'), allocationId: text('copy'), reason: text('reason') };
        break;
      case 'failure_answer':
        event = { kind: 'failure_answer', allocationId: text('copy'), answer: text('answer') as 'confirmed', nowMs: Number(args.get('now') ?? '0') };
        break;
      case 'track':
      case 'untrack':
        event = { kind: verb, allocationId: text('copy') };
        break;
      case 'tick':
        event = { kind: 'tick', nowMs: number('now') };
        break;
      default:
        throw new Error(`unknown command [${verb}]`);
    }
    const [next, effects] = stepPrimary(this.primary, event);
    this.primary = next;
    return [...(effects.length === 0 ? ['(no effects)'] : effects.map(renderPrimaryEffect)), summarizePrimary(next)].join('\n');
  }
}
