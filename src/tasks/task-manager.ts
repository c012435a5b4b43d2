/**
 * The task manager of one node (bookkeeping core; clocks are inputs): every running search, async
 * search and remote search is a task with Elasticsearch's id (`<nodeId>:<number>`), action,
 * parent, headers and cancellation flag, listed by `GET /_tasks` and cancelled by `_cancel`.
 *
 * It lives in its own layer (src/tasks) because three layers share it without depending on one
 * another: the search coordinator checks a task's cancellation at its yield points, the HTTP
 * routes register and list tasks, and the remote cluster side registers the tasks another
 * cluster started (children of that cluster's task) and cancels them when it asks.
 *
 * The running task travels with the work through AsyncLocalStorage (`currentTask`), so the
 * cross-cluster client can name it as the parent of what it sends without every signature in
 * between carrying it.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/tasks.html
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EsError, errors } from '../common/index.js';
import { wildcardMatch } from '../index/expression.js';

export const taskLimits = {
  /** Ours: remote parents remembered as cancelled, so their late children start cancelled. */
  bannedParentsMax: 1000,
  /**
   * Ours: finished tasks' results kept for `GET /_tasks/{id}` (oldest dropped first), in node.db
   * (src/tasks/task-results.ts) as Elasticsearch keeps them in its `.tasks` index.
   */
  resultsMax: 10_000,
} as const;

export const taskActions = {
  list: 'cluster:monitor/tasks/lists',
  get: 'cluster:monitor/task/get',
  cancel: 'cluster:admin/tasks/cancel',
} as const;

/** Elasticsearch's cancelled-task failure: `task cancelled [reason]`. */
export function taskCancelled(reason: string): EsError {
  return new EsError(400, 'task_cancelled_exception', `task cancelled [${reason}]`);
}

export interface TaskStart {
  readonly action: string;
  /** Shown with `detailed` (Elasticsearch describes a search by its indices and source). */
  readonly description: string;
  readonly type?: 'transport' | 'direct';
  readonly cancellable: boolean;
  /** `<nodeId>:<number>` of the task that started this one (on this node or another cluster's). */
  readonly parentTaskId?: string;
  /** `X-Opaque-Id` and `trace.id` of the caller. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Who may cancel this task by its parent: a remote cluster's caller identity for tasks another
   * cluster started (undefined: a task of this cluster's own callers).
   */
  readonly origin?: string;
  /** The task's progress (`status` of `GET /_tasks?detailed` and `GET /_tasks/{id}`), for tasks that report one. */
  readonly status?: () => Record<string, unknown>;
  /** Changes the task's `requests_per_second` (the `_rethrottle` APIs); absent: the task cannot be rethrottled. */
  readonly rethrottle?: (requestsPerSecond: number) => void;
}

/** What `GET /_tasks/{id}` answers for a finished task that kept its result. */
export interface TaskResult {
  /** The task as it was when it finished (its info, detailed). */
  readonly task: Record<string, unknown>;
  readonly response?: unknown;
  readonly error?: Record<string, unknown>;
}

/** Where finished tasks' results are kept (Elasticsearch's `.tasks` index); bounded by its own rule. */
export interface TaskResultStore {
  put(taskId: string, result: TaskResult): void;
  get(taskId: string): TaskResult | undefined;
  /** The highest task number kept for this node (0: none), so new tasks do not reuse a kept id. */
  maxTaskNumber(nodeId: string): number;
}

/** Results in memory, oldest dropped first past taskLimits.resultsMax: the default until a durable store is attached. */
export class MemoryTaskResults implements TaskResultStore {
  private readonly results = new Map<string, TaskResult>();

  put(taskId: string, result: TaskResult): void {
    this.results.delete(taskId);
    if (this.results.size >= taskLimits.resultsMax) this.results.delete(this.results.keys().next().value as string);
    this.results.set(taskId, result);
  }

  get(taskId: string): TaskResult | undefined {
    return this.results.get(taskId);
  }

  maxTaskNumber(nodeId: string): number {
    let max = 0;
    for (const taskId of this.results.keys()) if (taskId.startsWith(`${nodeId}:`)) max = Math.max(max, Number(taskId.slice(nodeId.length + 1)));
    return max;
  }
}

export class Task {
  private readonly controller = new AbortController();
  private readonly cancelHooks: ((reason: string) => void)[] = [];
  private cancelReason: string | undefined;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    readonly nodeId: string,
    readonly id: number,
    readonly start: TaskStart,
    readonly startMs: number,
    readonly startNanos: bigint,
  ) {}

  get taskId(): string {
    return `${this.nodeId}:${this.id}`;
  }

  get cancelled(): boolean {
    return this.cancelReason !== undefined;
  }

  /** Fires when the task is cancelled (work waiting on I/O stops waiting). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Runs `hook` when the task is cancelled (at once when it already is): children on other clusters are cancelled this way. */
  onCancel(hook: (reason: string) => void): void {
    if (this.cancelReason !== undefined) hook(this.cancelReason);
    else this.cancelHooks.push(hook);
  }

  /** Throws `task_cancelled_exception` once cancelled: the search's yield points call this. */
  throwIfCancelled(): void {
    if (this.cancelReason !== undefined) throw taskCancelled(this.cancelReason);
  }

  /** Marks the task cancelled; false when it already was. */
  markCancelled(reason: string): boolean {
    if (this.cancelReason !== undefined) return false;
    this.cancelReason = reason;
    this.controller.abort(taskCancelled(reason));
    for (const hook of this.cancelHooks.splice(0)) hook(reason);
    return true;
  }

  finish(): void {
    this.resolveDone();
  }
}

/** The running task of the current asynchronous context (undefined outside a task). */
export const currentTask = new AsyncLocalStorage<Task>();

/** Elasticsearch's `actions` filter: comma-separated patterns with `*` wildcards. */
export function actionMatcher(patterns: string | undefined): (action: string) => boolean {
  if (patterns === undefined || patterns === '') return () => true;
  const list = patterns.split(',').filter((pattern) => pattern !== '');
  return (action) => list.some((pattern) => wildcardMatch(pattern, action));
}

/** Java's long range: TaskId reads the number with Long.parseLong. */
const taskNumberMin = -(2n ** 63n);
const taskNumberMax = 2n ** 63n - 1n;

/** A task id as Elasticsearch's TaskId holds it. */
export interface ParsedTaskId {
  readonly nodeId: string;
  /** Past 2^53 approximate, which names no task here. */
  readonly id: number;
  /** TaskId.isSet(): false for an empty id, `unset`, or the number -1 (whatever the node id). */
  readonly set: boolean;
  /** TaskId.toString(): `<nodeId>:<number>` with the number as a long prints (`abc:+05` is `abc:5`), or `unset`. */
  readonly taskId: string;
}

/**
 * Parses a task id as Elasticsearch's TaskId(String) does, or throws its 400: empty or `unset` is
 * the unset id; otherwise split at the first colon (`a:b:1` is malformed), the node id may be
 * empty, and the number is read by Long.parseLong, so a sign is allowed (`abc:+5` is task 5 of
 * `abc`, `abc:-1` is the unset id, `abc:-5` a task id of no task) and past the long range it is
 * malformed.
 */
export function parseTaskId(value: string): ParsedTaskId {
  if (value === '' || value === 'unset') return { nodeId: '', id: -1, set: false, taskId: 'unset' };
  const colon = value.indexOf(':');
  const number = value.slice(colon + 1);
  const long = colon >= 0 && /^[+-]?\d+$/.test(number) ? BigInt(number) : undefined;
  if (long === undefined || long < taskNumberMin || long > taskNumberMax) throw errors.illegalArgument(`malformed task id ${value}`);
  if (long === -1n) return { nodeId: value.slice(0, colon), id: -1, set: false, taskId: 'unset' };
  return { nodeId: value.slice(0, colon), id: Number(long), set: true, taskId: `${value.slice(0, colon)}:${long}` };
}

/** The caller's headers a task keeps (Elasticsearch's task headers): `X-Opaque-Id`, and `trace.id` from a W3C `traceparent`. */
export function taskHeaders(get: (name: string) => string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const opaqueId = get('x-opaque-id');
  if (opaqueId !== undefined) headers['X-Opaque-Id'] = opaqueId;
  const traceId = get('trace.id') ?? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(get('traceparent') ?? '')?.[1];
  if (traceId !== undefined) headers['trace.id'] = traceId;
  return headers;
}

export interface TaskFilter {
  readonly actions?: (action: string) => boolean;
  readonly parentTaskId?: string;
  /** Only tasks started by this remote caller. */
  readonly origin?: string;
}

export class TaskManager {
  private readonly tasks = new Map<number, Task>();
  private nextId = 1;
  /** Parents cancelled by a remote caller before their children arrived here (bounded; oldest dropped first). */
  private readonly bannedParents = new Map<string, string>();
  /** Results of finished tasks that keep one. */
  private results: TaskResultStore = new MemoryTaskResults();

  constructor(
    readonly nodeId: string,
    private readonly nowMs: () => number,
    private readonly nowNanos: () => bigint = process.hrtime.bigint,
  ) {}

  register(start: TaskStart): Task {
    const task = new Task(this.nodeId, this.nextId++, start, this.nowMs(), this.nowNanos());
    this.tasks.set(task.id, task);
    // A child registered after its parent (on this node) was cancelled starts cancelled, as Elasticsearch bans a cancelled parent's new children.
    const parent = start.parentTaskId === undefined ? undefined : this.localTask(start.parentTaskId);
    if (parent?.cancelled === true) task.markCancelled('parent task was cancelled');
    const ban = start.parentTaskId === undefined ? undefined : this.bannedParents.get(start.parentTaskId);
    if (ban !== undefined && ban === (start.origin ?? '')) task.markCancelled('parent task was cancelled');
    return task;
  }

  unregister(task: Task): void {
    this.tasks.delete(task.id);
    task.finish();
  }

  /** Registers a task, runs `work` as the current task, and unregisters it however it ends. */
  async run<T>(start: TaskStart, work: (task: Task) => Promise<T> | T): Promise<T> {
    const task = this.register(start);
    try {
      return await currentTask.run(task, () => work(task));
    } finally {
      this.unregister(task);
    }
  }

  private localTask(taskId: string): Task | undefined {
    try {
      return this.get(taskId);
    } catch {
      return undefined;
    }
  }

  /**
   * Cancels the tasks `origin` started here as children of `parentTaskId` (another cluster's
   * task), and bans that parent so children still on their way start cancelled. Returns them.
   */
  cancelChildrenOf(parentTaskId: string, origin: string, reason: string): Task[] {
    if (this.bannedParents.size >= taskLimits.bannedParentsMax) this.bannedParents.delete(this.bannedParents.keys().next().value as string);
    this.bannedParents.set(parentTaskId, origin);
    const children = this.list({ parentTaskId }).filter((task) => (task.start.origin ?? '') === origin && task.start.cancellable);
    for (const child of children) this.cancel(child, reason);
    return children;
  }

  /**
   * Keeps a finished task's result for `GET /_tasks/{id}` (Elasticsearch's task result, stored in
   * its `.tasks` index): call before `unregister`, so whoever waits on the task finds it.
   */
  storeResult(task: Task, outcome: { readonly response: unknown } | { readonly error: Record<string, unknown> }): void {
    this.results.put(task.taskId, { task: this.info(task, true), ...outcome });
  }

  /**
   * Keeps results in `store` from now on (the node's database, so they outlive a restart); task
   * numbers continue above the highest one kept, so a new task never answers with an old result.
   */
  keepResultsIn(store: TaskResultStore): void {
    this.results = store;
    this.nextId = Math.max(this.nextId, store.maxTaskNumber(this.nodeId) + 1);
  }

  /** The kept result of a finished task, if it kept one. */
  result(taskId: string): TaskResult | undefined {
    return this.results.get(taskId);
  }

  /** The task with this `<nodeId>:<number>` id on this node. */
  get(taskId: string): Task | undefined {
    const { nodeId, id, set } = parseTaskId(taskId);
    return set && nodeId === this.nodeId ? this.tasks.get(id) : undefined;
  }

  list(filter: TaskFilter = {}): Task[] {
    return [...this.tasks.values()].filter(
      (task) =>
        (filter.actions === undefined || filter.actions(task.start.action)) &&
        (filter.parentTaskId === undefined || task.start.parentTaskId === filter.parentTaskId) &&
        (filter.origin === undefined || task.start.origin === filter.origin),
    );
  }

  /** Cancels a task and, as Elasticsearch does, its children on this node (theirs too); hooks cancel those on other clusters. */
  cancel(task: Task, reason: string): void {
    task.markCancelled(reason);
    for (const child of this.list({ parentTaskId: task.taskId })) if (!child.cancelled && child.start.cancellable) this.cancel(child, reason);
  }

  /** The task's description as `GET /_tasks` shows it. */
  info(task: Task, detailed: boolean): Record<string, unknown> {
    const info: Record<string, unknown> = { node: task.nodeId, id: task.id, type: task.start.type ?? 'transport', action: task.start.action };
    if (detailed && task.start.status !== undefined) info['status'] = task.start.status();
    if (detailed) info['description'] = task.start.description;
    info['start_time_in_millis'] = task.startMs;
    const running = this.nowNanos() - task.startNanos;
    info['running_time_in_nanos'] = Number(running > 0n ? running : 0n);
    info['cancellable'] = task.start.cancellable;
    if (task.start.cancellable) info['cancelled'] = task.cancelled;
    if (task.start.parentTaskId !== undefined) info['parent_task_id'] = task.start.parentTaskId;
    info['headers'] = { ...(task.start.headers ?? {}) };
    return info;
  }
}

/**
 * Waits until the current task's work may go on: yields to the event loop (so `_tasks`, `_cancel`
 * and a delete of the async search get to run) and fails with `task_cancelled_exception` once the
 * task is cancelled. Outside a task it does nothing.
 */
export async function checkpoint(delayMs = 0): Promise<void> {
  const task = currentTask.getStore();
  if (task === undefined) return;
  task.throwIfCancelled();
  await new Promise<void>((resolve) => (delayMs > 0 ? setTimeout(resolve, delayMs) : setImmediate(resolve)));
  task.throwIfCancelled();
}

/** Rejects with the task's cancellation once it is cancelled, so its caller stops waiting on work elsewhere (remote clusters). */
export function untilCancelled<T>(work: Promise<T>, task: Task): Promise<T> {
  return untilAborted(work, task.signal, () => task.signal.reason as Error);
}

/** Rejects with `reason()` once `signal` fires, so a caller stops waiting on work elsewhere. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, reason: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A search's task description, as Elasticsearch's SearchRequest describes itself. */
export function searchDescription(expression: string | undefined, body: unknown): string {
  return `indices[${expression ?? ''}], search_type[QUERY_THEN_FETCH], source[${JSON.stringify(body ?? {})}]`;
}
