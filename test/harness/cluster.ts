/**
 * Test harness: real Strait node processes on 127.0.0.1 with ephemeral ports, certificates made by
 * our own `strait certutil`, the keystore made by `strait keystore`, and the official clients.
 * Every process and temp dir is registered and cleaned up, even when a test fails.
 *
 * Cleanup on every exit path of the process using the harness (node:test runs each test file in a
 * child process of its own):
 * - normal exit, an uncaught exception, a test file that fails while loading: the `exit` hook kills
 *   the nodes and removes the temp dirs;
 * - SIGINT, SIGTERM, SIGHUP (Ctrl-C, a runner or CI stopping the test file): the same cleanup,
 *   then exit with 128 + the signal's number;
 * - a failed `before` (or any failure) that leaves a node running: the nodes and their pipes do not
 *   keep the test file's event loop alive, so the file ends (rather than hanging) and its `exit`
 *   hook runs;
 * - SIGKILL or any death that runs no code: each node carries a watchdog (parent-watchdog.mjs) that
 *   removes its temp dir and ends it within 200 ms of its parent's death.
 * test/integration/ops-correctness.test.ts proves each path with the fixtures in fixtures/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import type { Client as Client8 } from 'es8';

/** The 8.x client, loaded by the few files that use it (loading it costs every test process about 0.2 s of CPU). */
function loadClient8(): typeof Client8 {
  return (createRequire(import.meta.url)('es8') as { Client: typeof Client8 }).Client;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// STRAIT_TEST_FROM_DIST=1 (set by scripts/run-tests.mjs once it has compiled src/ into dist/): nodes
// and CLI calls run the compiled JavaScript without tsx's loader, about 0.4 s of CPU less per
// process (the suite starts hundreds). Otherwise (a test file run on its own) they run from source.
const fromDist = process.env['STRAIT_TEST_FROM_DIST'] === '1';
const cliEntry = fromDist ? path.join(repoRoot, 'dist', 'cli', 'main.js') : path.join(repoRoot, 'src', 'cli', 'main.ts');
const tsxArgs = fromDist ? [] : ['--import', 'tsx'];
const watchdogArgs = ['--import', pathToFileURL(path.join(repoRoot, 'test', 'harness', 'parent-watchdog.mjs')).href];

/**
 * The environment `npm start` gives a node (package.json's start script), given to every node the
 * tests and the benches start so that they measure what a user runs. glibc's malloc otherwise
 * raises its mmap threshold to the size of the largest block freed (up to 32 MB), after which
 * segment arrays, merge outputs and request buffers are carved from heaps it never returns to the
 * system: measured with bench/memory-phases.ts (200,000 documents), the node's RSS outside the V8
 * heap and its ArrayBuffers grew by 200 MB through a bulk, a refresh and searches with the
 * threshold floating, and by 70 MB with it fixed at 128 KiB (glibc's starting value). A caller's
 * own MALLOC_MMAP_THRESHOLD_ wins (an A/B run sets it to 33554432 to compare).
 */
export const nodeProcessEnv: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

const liveProcesses = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Kills every node still running and removes every temp dir (synchronous: it runs in `exit`). */
function cleanUp(): void {
  for (const child of liveProcesses) child.kill('SIGKILL');
  liveProcesses.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    cleanUp();
    process.exit(128 + osConstants.signals[signal]);
  });
}

export function makeTempDir(prefix = 'strait-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Runs the real CLI to completion. */
export function runCli(args: readonly string[], options: { input?: string; cwd?: string } = {}): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...tsxArgs, cliEntry, ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function mustRunCli(args: readonly string[], input?: string): string {
  const result = runCli(args, input === undefined ? {} : { input });
  if (result.status !== 0) throw new Error(`strait ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

export interface Certificates {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly caPem: string;
}

/** The run's shared dir (STRAIT_TEST_SHARED_DIR, absolute), or undefined: an empty or relative value would write into the cwd. */
function sharedDir(): string | undefined {
  const shared = process.env['STRAIT_TEST_SHARED_DIR'];
  return shared !== undefined && path.isAbsolute(shared) ? shared : undefined;
}

/**
 * Under scripts/run-tests.mjs (STRAIT_TEST_SHARED_DIR), files made once for the run and copied by
 * every test file after: `name` is looked up there; when absent, `make(dir)` writes the files into
 * a fresh dir, which is published under `name` whole (a rename: no test file sees half of it; when
 * another file published first, its copy stays and ours is used by this process only). Returns the
 * dir to copy from. Without the shared dir, `make` runs into a temp dir of this process.
 */
function sharedFiles(name: string, make: (dir: string) => void): string {
  const shared = sharedDir();
  if (shared === undefined) {
    const dir = makeTempDir('strait-made-');
    make(dir);
    return dir;
  }
  const published = path.join(shared, name);
  if (existsSync(published)) return published;
  const partial = `${published}.${process.pid}`;
  mkdirSync(partial, { recursive: true });
  make(partial);
  try {
    renameSync(partial, published);
    return published;
  } catch {
    // Published meanwhile by another test file (a non-empty dir is not replaced): ours serves this process.
    tempDirs.add(partial);
    return partial;
  }
}

/**
 * How many CAs this process made: the n-th CA of every test file is the same run-wide CA (made by
 * `strait certutil ca` once, under STRAIT_TEST_SHARED_DIR), so the CAs of one file still differ from
 * each other (tests that need a foreign CA make a second one) while files no longer pay a CLI
 * process and an RSA key generation for each. Test files never talk to each other's nodes.
 */
let casMade = 0;

/** A CA made by `strait certutil ca` (the run's n-th, copied into a dir of its own). */
export function makeCa(): Certificates {
  const dir = makeTempDir('strait-ca-');
  const source = sharedFiles(`ca-${casMade++}`, (into) => mustRunCli(['certutil', 'ca', '--out', into]));
  for (const file of ['ca.crt', 'ca.key']) copyFileSync(path.join(source, file), path.join(dir, file));
  return { dir, caCert: path.join(dir, 'ca.crt'), caKey: path.join(dir, 'ca.key'), caPem: readFileSync(path.join(dir, 'ca.crt'), 'utf8') };
}

/** A node certificate made by `strait certutil cert`, copied into `targetDir` as node.crt/node.key. */
export function makeNodeCertificate(ca: Certificates, targetDir: string, name = 'node'): void {
  mustRunCli(['certutil', 'cert', '--ca-cert', ca.caCert, '--ca-key', ca.caKey, '--name', name, '--dns', 'localhost', '--ip', '127.0.0.1', '--out', targetDir]);
}

/**
 * The certificate `startNode` gives each node of a CA: made by `strait certutil cert` once per CA in
 * this process, then the same files for every node of that CA (one subject and addresses, as
 * Elasticsearch's guide copies one node certificate to every node). Saves a CLI process and a key
 * generation per node.
 */
const nodeCertificates = new Map<string, { readonly crt: Buffer; readonly key: Buffer }>();
function nodeCertificateOf(ca: Certificates, targetDir: string): void {
  // Keyed by the CA certificate itself: under scripts/run-tests.mjs, every test file with the same
  // run-wide CA (makeCa) shares the node certificate made for it.
  const caKey = createHash('sha256').update(ca.caPem).digest('hex').slice(0, 16);
  let made = nodeCertificates.get(caKey);
  if (made === undefined) {
    const source = sharedFiles(`node-certificate-${caKey}`, (into) => makeNodeCertificate(ca, into));
    made = { crt: readFileSync(path.join(source, 'node.crt')), key: readFileSync(path.join(source, 'node.key')) };
    nodeCertificates.set(caKey, made);
  }
  mkdirSync(targetDir, { recursive: true });
  writeFileSync(path.join(targetDir, 'node.crt'), made.crt);
  writeFileSync(path.join(targetDir, 'node.key'), made.key, { mode: 0o600 });
}

/**
 * A keystore holding `bootstrap.password`, made by `strait keystore add`. Under scripts/run-tests.mjs
 * (STRAIT_TEST_SHARED_DIR) the file made for a password is kept there and copied for the next node
 * of any test file with that password: the keystore's scrypt and a CLI process less per node.
 */
function keystoreWithPassword(configDir: string, password: string): void {
  // `keystore add` creates the keystore when there is none (test/integration/cli.test.ts covers
  // `keystore create`): one CLI process less per node.
  const source = sharedFiles(`keystore-${createHash('sha256').update(password).digest('hex').slice(0, 16)}`, (into) =>
    mustRunCli(['keystore', 'add', 'bootstrap.password', '--stdin', '--config-dir', into], password),
  );
  copyFileSync(path.join(source, 'strait.keystore'), path.join(configDir, 'strait.keystore'));
}

/**
 * Adds `entries` to the node's keystore (made if absent) with `strait keystore add`. The file made
 * for one starting keystore and one set of entries is kept (in this process, and for the run under
 * STRAIT_TEST_SHARED_DIR) and copied for the next node alike: a CLI process and a scrypt less per node.
 */
const keystoresWithEntries = new Map<string, Buffer>();
function keystoreWithEntries(configDir: string, entries: Readonly<Record<string, string>>): void {
  const file = path.join(configDir, 'strait.keystore');
  const start = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
  const key = createHash('sha256').update(start).update(JSON.stringify(Object.entries(entries).sort())).digest('hex');
  let made = keystoresWithEntries.get(key);
  if (made === undefined) {
    // Made once for the run (sharedFiles): the same starting keystore (the shared bootstrap one)
    // and entries in another test file copy it.
    const source = sharedFiles(`keystore-entries-${key.slice(0, 16)}`, (into) => {
      if (start.length > 0) writeFileSync(path.join(into, 'strait.keystore'), start, { mode: 0o600 });
      for (const [name, value] of Object.entries(entries)) mustRunCli(['keystore', 'add', name, '--stdin', '--force', '--config-dir', into], value);
    });
    made = readFileSync(path.join(source, 'strait.keystore'));
    keystoresWithEntries.set(key, made);
  }
  writeFileSync(file, made, { mode: 0o600 });
}

/** strait.yml lines that open the remote cluster interface (API-key-model remotes dial it) on a free port. */
export const REMOTE_CLUSTER_SERVER_YAML = [
  'remote_cluster_server.enabled: true',
  'remote_cluster.port: 0',
  'xpack.security.remote_cluster_server.ssl.key: certs/node.key',
  'xpack.security.remote_cluster_server.ssl.certificate: certs/node.crt',
].join('\n');

/** strait.yml line that trusts the shared test CA on the remote cluster client side. */
export const REMOTE_CLUSTER_CLIENT_YAML = 'xpack.security.remote_cluster_client.ssl.certificate_authorities: [certs/ca.crt]';

export interface NodeOptions {
  /** Security on (default) with TLS on HTTP and transport. */
  readonly security?: boolean;
  readonly httpTls?: boolean;
  readonly clusterName?: string;
  readonly nodeName?: string;
  readonly password?: string;
  /** Extra strait.yml lines. */
  readonly yaml?: string;
  /** Extra -E settings. */
  readonly settings?: readonly string[];
  /** Reuse a CA (several nodes trusting each other). */
  readonly ca?: Certificates;
  /** More CAs to trust on HTTP and transport, written as certs/trust-N.crt (clusters trusting each other's CA). */
  readonly trust?: readonly Certificates[];
  /** Keystore entries added before the start (`strait keystore add`), e.g. `cluster.coordination.etcd.password`. */
  readonly keystore?: Readonly<Record<string, string>>;
  /** Allow the test-only fault injection settings (`strait.test.*`): sets STRAIT_TEST_FAULT_INJECTION=1 for the node. */
  readonly faultInjection?: boolean;
}

export interface StartedNode {
  readonly configDir: string;
  readonly dataDir: string;
  readonly url: string;
  readonly caPem: string | undefined;
  readonly password: string;
  readonly logs: string[];
  readonly pid: number;
  /** `host:port` of the transport interface (certificate-model remotes dial it). */
  readonly transportAddress: string;
  /** `host:port` of the remote cluster interface, when `remote_cluster_server.enabled`. */
  readonly remoteClusterAddress: string | undefined;
  /** Adds (or replaces) a keystore entry; takes effect at restart or reload_secure_settings. */
  keystoreAdd(name: string, value: string): void;
  keystoreRemove(name: string): void;
  client(options?: { username?: string; password?: string; apiKey?: string }): Client;
  client8(options?: { username?: string; password?: string }): Client8;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** Starts the node again on the same config and data. */
  restart(): Promise<StartedNode>;
  /** Stops (if running) and removes its directories. */
  destroy(): Promise<void>;
}

interface Launch {
  readonly configDir: string;
  readonly dataDir: string;
  readonly root: string;
  readonly caPem: string | undefined;
  readonly password: string;
  readonly settings: readonly string[];
  readonly faultInjection: boolean;
}

export async function startNode(options: NodeOptions = {}): Promise<StartedNode> {
  const security = options.security ?? true;
  const httpTls = security && (options.httpTls ?? true);
  const root = makeTempDir('strait-node-');
  const configDir = path.join(root, 'config');
  const dataDir = path.join(root, 'data');
  mkdirSync(configDir, { recursive: true });
  const password = options.password ?? 'test-password-1';
  let caPem: string | undefined;
  const yaml: string[] = [`cluster.name: ${options.clusterName ?? 'test-cluster'}`, `node.name: ${options.nodeName ?? 'node-1'}`];
  if (security) {
    const ca = options.ca ?? makeCa();
    caPem = ca.caPem;
    nodeCertificateOf(ca, path.join(configDir, 'certs'));
    writeFileSync(path.join(configDir, 'certs', 'ca.crt'), ca.caPem);
    const authorities = ['certs/ca.crt'];
    (options.trust ?? []).forEach((other, index) => {
      writeFileSync(path.join(configDir, 'certs', `trust-${index}.crt`), other.caPem);
      authorities.push(`certs/trust-${index}.crt`);
    });
    yaml.push(
      'xpack.security.enabled: true',
      `xpack.security.http.ssl.enabled: ${httpTls}`,
      'xpack.security.http.ssl.key: certs/node.key',
      'xpack.security.http.ssl.certificate: certs/node.crt',
      `xpack.security.http.ssl.certificate_authorities: [${authorities.join(', ')}]`,
      'xpack.security.transport.ssl.enabled: true',
      'xpack.security.transport.ssl.key: certs/node.key',
      'xpack.security.transport.ssl.certificate: certs/node.crt',
      `xpack.security.transport.ssl.certificate_authorities: [${authorities.join(', ')}]`,
    );
    keystoreWithPassword(configDir, password);
  } else {
    yaml.push('xpack.security.enabled: false');
  }
  if (options.keystore !== undefined) keystoreWithEntries(configDir, options.keystore);
  if (options.yaml !== undefined) yaml.push(options.yaml);
  writeFileSync(path.join(configDir, 'strait.yml'), `${yaml.join('\n')}\n`);
  const settings = ['http.port=0', 'transport.port=0', `path.data=${dataDir}`, ...(options.settings ?? [])];
  return launch({ configDir, dataDir, root, caPem: httpTls ? caPem : undefined, password, settings, faultInjection: options.faultInjection === true });
}

async function launch(spec: Launch): Promise<StartedNode> {
  // STRAIT_NODE_FLAGS: extra Node flags for started nodes (profiling: `--cpu-prof --cpu-prof-dir=...`).
  const extraFlags = (process.env['STRAIT_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
  const args = [...extraFlags, ...tsxArgs, ...watchdogArgs, cliEntry, 'start', '--config-dir', spec.configDir, ...spec.settings.flatMap((setting) => ['-E', setting])];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...nodeProcessEnv,
      ...process.env,
      STRAIT_LOG_LEVEL: 'info',
      STRAIT_TEST_PARENT_PID: String(process.pid),
      STRAIT_TEST_NODE_ROOT: spec.root,
      STRAIT_TEST_FAULT_INJECTION: spec.faultInjection ? '1' : '0',
    },
  });
  liveProcesses.add(child);
  // A running node must not keep this process alive: when a test file fails (a throwing `before`,
  // an uncaught error) node:test waits for the event loop to empty, and would wait forever.
  // Whoever waits for the node holds a ref'd handle instead (the start timer, `stopWith`).
  child.unref();
  // The pipes of a spawned process are sockets (Readable in the types).
  (child.stdout as Socket).unref();
  (child.stderr as Socket).unref();
  const logs: string[] = [];
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    liveProcesses.delete(child);
    resolve();
  }));
  const address = await new Promise<{ http: string; scheme: string; transport: string; remoteCluster: string | undefined }>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`node did not start within 30 s:\n${logs.slice(-30).join('\n')}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        logs.push(line);
        if (line.includes('"msg":"started"')) {
          const entry = JSON.parse(line) as { http_address: string; http_scheme: string; transport_address: string; remote_cluster_address?: string };
          clearTimeout(timer);
          resolve({ http: entry.http_address, scheme: entry.http_scheme, transport: entry.transport_address, remoteCluster: entry.remote_cluster_address });
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => logs.push(`[stderr] ${chunk.toString('utf8')}`));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with code ${code} before it started:\n${logs.slice(-30).join('\n')}`));
    });
  });
  const url = `${address.scheme}://${address.http}`;
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (exited) return;
    // Waiting for the exit must keep the event loop alive (the child is unref'd above).
    child.ref();
    child.kill(signal);
    await exitPromise;
  };
  const node: StartedNode = {
    configDir: spec.configDir,
    dataDir: spec.dataDir,
    url,
    caPem: spec.caPem,
    password: spec.password,
    logs,
    pid: child.pid!,
    transportAddress: address.transport,
    remoteClusterAddress: address.remoteCluster,
    keystoreAdd: (name, value) => {
      if (!existsSync(path.join(spec.configDir, 'strait.keystore'))) mustRunCli(['keystore', 'create', '--config-dir', spec.configDir]);
      mustRunCli(['keystore', 'add', name, '--stdin', '--force', '--config-dir', spec.configDir], value);
    },
    keystoreRemove: (name) => mustRunCli(['keystore', 'remove', name, '--config-dir', spec.configDir]),
    client: (auth = {}) =>
      new Client({
        node: url,
        ...(spec.caPem !== undefined ? { tls: { ca: spec.caPem } } : {}),
        auth: auth.apiKey !== undefined ? { apiKey: auth.apiKey } : { username: auth.username ?? 'elastic', password: auth.password ?? spec.password },
        maxRetries: 0,
        requestTimeout: 30_000,
      }),
    client8: (auth = {}) =>
      new (loadClient8())({
        node: url,
        ...(spec.caPem !== undefined ? { tls: { ca: spec.caPem } } : {}),
        auth: { username: auth.username ?? 'elastic', password: auth.password ?? spec.password },
        maxRetries: 0,
        requestTimeout: 30_000,
      }),
    stop: () => stopWith('SIGTERM'),
    kill9: () => stopWith('SIGKILL'),
    restart: async () => {
      await stopWith('SIGTERM');
      return launch(spec);
    },
    destroy: async () => {
      await stopWith('SIGKILL');
      removeTempDir(spec.root);
    },
  };
  return node;
}

/** Raw HTTP(S) for what the official client cannot send (malformed bodies, odd headers). */
export async function rawRequest(
  node: StartedNode,
  method: string,
  requestPath: string,
  options: { body?: string | Buffer; headers?: Record<string, string>; auth?: boolean } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string; json: () => unknown }> {
  const url = new URL(requestPath, node.url);
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  // Node sends GET/DELETE bodies without framing unless told their length.
  if (options.body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length' || name.toLowerCase() === 'transfer-encoding')) {
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  if (options.auth !== false) headers['authorization'] ??= `Basic ${Buffer.from(`elastic:${node.password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method, headers, ...(node.caPem !== undefined ? { ca: node.caPem } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    outgoing.on('error', reject);
    if (options.body !== undefined) outgoing.write(options.body);
    outgoing.end();
  });
}
