/**
 * Test harness: a real etcd (Debian's etcd-server 3.4, `/usr/bin/etcd`) on free 127.0.0.1 ports
 * with a temp data dir, for the multi-node tests (issue #14).
 *
 * Cleanup on every exit path: the harness kills the etcd process group and removes its data dir
 * in the `exit` hook and on SIGINT/SIGTERM/SIGHUP (cluster.ts registers those hooks for its temp
 * dirs; this file adds its processes); when the test process dies without running code (SIGKILL)
 * the shell wrapper around etcd sees its parent gone within half a second, stops etcd and removes
 * the data dir.
 *
 * Where etcd is absent: `etcdSkipReason()` says why, and tests skip with that reason, unless
 * CI=true, where a missing etcd is a failure (`.ci/run` installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Etcd3, Range } from 'etcd3';
import { createServer } from 'node:net';
import path from 'node:path';
import { makeTempDir, removeTempDir } from './cluster.js';

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.prependListener(signal, () => {
    for (const child of running) killGroup(child, 'SIGKILL');
    running.clear();
  });
}

/** Why etcd tests cannot run here, or undefined when they can (under CI=true a missing etcd throws). */
export function etcdSkipReason(): string | undefined {
  const found = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return undefined;
  const reason = 'etcd is not installed (Debian package etcd-server; .ci/run installs it)';
  if (process.env['CI'] === 'true') throw new Error(`${reason}, and CI=true requires the multi-node tests to run`);
  return reason;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface EtcdTls {
  /** PEM files etcd serves with and trusts for client certificates. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly trustedCaFile: string;
}

export interface RunningEtcd {
  /** `http://127.0.0.1:PORT` (or https with TLS). */
  readonly endpoint: string;
  readonly dataDir: string;
  /** A client of this etcd as root (no auth) or as a user; the caller closes it. */
  client(auth?: { username: string; password: string }): Etcd3;
  /** Creates `root` and `user` (read-write on every key) and turns authentication on. */
  enableAuth(user: string, password: string): Promise<void>;
  /** Stops etcd (SIGTERM) and waits; the data dir stays, so `start` resumes the same store. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops etcd and removes its data dir. */
  destroy(): Promise<void>;
}

export async function startEtcd(options: { tls?: EtcdTls } = {}): Promise<RunningEtcd> {
  const root = makeTempDir('strait-etcd-');
  const dataDir = path.join(root, 'data');
  const clientPort = await freePort();
  const peerPort = await freePort();
  const scheme = options.tls === undefined ? 'http' : 'https';
  const endpoint = `${scheme}://127.0.0.1:${clientPort}`;
  const args = [
    '--name', 'strait-test',
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-cluster', `strait-test=http://127.0.0.1:${peerPort}`,
    '--log-level', 'warn',
    ...(options.tls === undefined ? [] : ['--cert-file', options.tls.certFile, '--key-file', options.tls.keyFile, '--trusted-ca-file', options.tls.trustedCaFile, '--client-cert-auth']),
  ];
  let child: ChildProcess | undefined;
  const logs: string[] = [];
  const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
  // The wrapper: etcd in the background; when the test process is gone, stop etcd and remove its dir.
  const script = `etcd ${args.map(quote).join(' ')} & E=$!; trap 'kill $E 2>/dev/null; wait $E; exit 0' TERM INT; while kill -0 ${process.pid} 2>/dev/null && kill -0 $E 2>/dev/null; do sleep 0.5; done; if ! kill -0 ${process.pid} 2>/dev/null; then kill -9 $E 2>/dev/null; rm -rf ${quote(root)}; fi`;
  const client = (auth?: { username: string; password: string }): Etcd3 =>
    new Etcd3({
      hosts: [endpoint],
      dialTimeout: 2_000,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 2_000 }),
      ...(options.tls === undefined ? {} : { credentials: { rootCertificate: readFileSync(options.tls.trustedCaFile), privateKey: readFileSync(options.tls.keyFile), certChain: readFileSync(options.tls.certFile) } }),
      ...(auth === undefined ? {} : { auth }),
    });
  const healthy = async (): Promise<boolean> => {
    const probe = client();
    try {
      await probe.get('health').string();
      return true;
    } catch {
      return false;
    } finally {
      probe.close();
    }
  };
  const start = async (): Promise<void> => {
    child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    child.unref();
    child.stdout?.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    (child.stdout as unknown as { unref?: () => void })?.unref?.();
    (child.stderr as unknown as { unref?: () => void })?.unref?.();
    const own = child;
    own.once('exit', () => running.delete(own));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (await healthy()) return;
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy within 20 s:\n${logs.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const stop = async (): Promise<void> => {
    const current = child;
    if (current === undefined || current.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    killGroup(current, 'SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    killGroup(current, 'SIGKILL');
    running.delete(current);
    child = undefined;
  };
  await start();
  return {
    endpoint,
    dataDir,
    client,
    enableAuth: async (user, password) => {
      const admin = client();
      try {
        await admin.role('root').create();
        await admin.user('root').create(`${password}-root`);
        await admin.user('root').addRole('root');
        await admin.role('strait').create();
        await admin.role('strait').grant({ permission: 'Readwrite', range: Range.prefix('/') });
        await admin.user(user).create(password);
        await admin.user(user).addRole('strait');
        await admin.auth.authEnable();
      } finally {
        admin.close();
      }
    },
    stop,
    start,
    destroy: async () => {
      await stop();
      removeTempDir(root);
    },
  };
}
