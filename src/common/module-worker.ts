/**
 * Starts a worker thread on a module of this code base: the compiled `.js` file beside the caller
 * when it runs from `dist/`, or the `.ts` source through tsx when it runs from source (tests, the
 * bench's source mode). `name` is the module's file name without its extension.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The process's `--cpu-prof` flags, which a worker must be given to write its own profile (one per
 * thread); the other flags (the parent's `--import` loaders and watchdogs) are not the worker's.
 */
const profilerFlags = process.execArgv.filter((flag) => flag.startsWith('--cpu-prof'));

export function spawnModuleWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl);
  if (!fromSource) return new Worker(entry, { ...options, execArgv: profilerFlags });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: profilerFlags });
}
