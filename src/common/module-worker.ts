/**
 * Starts a worker thread on a module of this code base: the compiled `.js` file beside the caller
 * when it runs from `dist/`, or the `.ts` source through tsx when it runs from source (tests, the
 * bench's source mode). `name` is the module's file name without its extension.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function spawnModuleWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl);
  if (!fromSource) return new Worker(entry, { ...options, execArgv: [] });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [] });
}
