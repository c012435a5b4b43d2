/**
 * Drives the in-process Lucene reference (bench/lucene/LuceneBench.java) for `npm run bench`
 * (issue 13). Needs a JDK (java, javac) and Debian's liblucene8-java (jars in /usr/share/java).
 * When either is missing and the bench runs as root with apt-get, it installs them
 * (default-jdk-headless, liblucene8-java); otherwise it gives up with one line saying why, and the
 * bench prints Strait's figures without Lucene's. `npm test` never needs any of this.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const JAR_DIR = '/usr/share/java';
/** The jars the program compiles and runs against (Debian names them with the upstream version). */
const JAR_STEMS = ['lucene-core', 'lucene-analyzers-common'];
const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lucene', 'LuceneBench.java');

export interface LuceneFigures {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly qps: number;
  readonly requests: number;
}

export interface LuceneHit {
  readonly _id: string;
  readonly _score: number;
}

/** What LuceneBench.java prints (see its main). */
export interface LuceneResult {
  readonly lucene_version: string;
  readonly java_version: string;
  readonly java_options: string;
  readonly docs: number;
  readonly indexing: { docs_per_s: number; seconds: number; threads: number; refresh_ms: number; merge_wait_ms: number; ram_buffer_mb: number; segments: number; index_bytes: number };
  /** (a)-(c): the query phase alone (top 10 doc ids and scores); (d), (e): the aggregation. */
  readonly queries: Record<string, Record<string, LuceneFigures>>;
  /** (a)-(c) with the fetch of the 10 hits' `_id` and `_source` (`queries` has their query phase alone). */
  readonly queries_with_fetch: Record<string, Record<string, LuceneFigures>>;
  readonly top10: { a: LuceneHit[]; c: LuceneHit[]; a_by_score_then_latitude: LuceneHit[]; c_by_score_then_latitude: LuceneHit[] };
  readonly totals: { a: number; c: number };
  readonly terms_agg: { key: string; doc_count: number }[];
  /** Non-empty months only, keyed by the month's first millisecond (UTC). */
  readonly date_histogram: { key: number; doc_count: number }[];
  readonly peak_rss_mb: number;
  readonly max_heap_mb: number;
}

export interface LuceneOptions {
  readonly commonTerm: string;
  readonly rareTerm: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly bulkThreads: number;
  readonly searchThreads: number;
  /** JVM options; the heap bound decides much of the JVM's RSS. */
  readonly javaOptions: readonly string[];
}

function findJars(): string[] | undefined {
  if (!existsSync(JAR_DIR)) return undefined;
  const names = readdirSync(JAR_DIR);
  const jars: string[] = [];
  for (const stem of JAR_STEMS) {
    const pattern = new RegExp(`^${stem}(-[0-9][0-9.]*)?\\.jar$`);
    const name = names.filter((candidate) => pattern.test(candidate)).sort().at(-1);
    if (name === undefined) return undefined;
    jars.push(path.join(JAR_DIR, name));
  }
  return jars;
}

const has = (command: string, args: readonly string[]): boolean => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/** Installs Debian packages quietly; on failure refreshes the package lists once and retries. */
function aptInstall(packages: readonly string[]): { ok: boolean; error: string } {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): ReturnType<typeof spawnSync> => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore', env });
    result = install();
  }
  return { ok: result.status === 0, error: (result.stderr?.toString() ?? '').trim().split('\n').at(-1) ?? '' };
}

/**
 * The Lucene jars, installing what is missing (a JDK: default-jdk-headless; the jars:
 * liblucene8-java) when running as root with apt-get; or, when that cannot be, why Lucene is skipped.
 */
export function locateLucene(): { jars: string[] } | { skipped: string } {
  const missing: string[] = [];
  if (!has('java', ['-version']) || !has('javac', ['-version'])) missing.push('default-jdk-headless');
  if (findJars() === undefined) missing.push('liblucene8-java');
  if (missing.length > 0) {
    if (process.getuid?.() !== 0 || !has('apt-get', ['--version'])) {
      return { skipped: `${missing.join(' and ')} not installed (need java, javac and the ${JAR_STEMS.join(', ')} jars in ${JAR_DIR}) and this is not root with apt-get; install with: apt-get install -y ${missing.join(' ')}` };
    }
    console.log(`installing ${missing.join(' ')} (apt-get install -y)…`);
    const installed = aptInstall(missing);
    if (!installed.ok) return { skipped: `apt-get install -y ${missing.join(' ')} failed: ${installed.error}` };
  }
  if (!has('java', ['-version']) || !has('javac', ['-version'])) return { skipped: 'no JDK (java and javac) on PATH' };
  const jars = findJars();
  if (jars === undefined) return { skipped: `no ${JAR_STEMS.join(', ')} jar in ${JAR_DIR} after installing liblucene8-java` };
  return { jars };
}

/**
 * Compiles LuceneBench.java, writes `documents` as NDJSON (each with `_id` = its position, the ids
 * the Strait bulk uses), runs the program and returns what it printed. Temp files are removed.
 */
export async function runLuceneBench(jars: readonly string[], documents: readonly Record<string, unknown>[], options: LuceneOptions): Promise<LuceneResult> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'strait-lucene-bench-'));
  try {
    const classes = path.join(work, 'classes');
    const classPath = jars.join(path.delimiter);
    const compile = spawnSync('javac', ['-encoding', 'UTF-8', '-d', classes, '-cp', classPath, SOURCE], { encoding: 'utf8' });
    if (compile.status !== 0) throw new Error(`javac failed:\n${compile.stderr}`);
    const docsFile = path.join(work, 'docs.ndjson');
    writeFileSync(docsFile, documents.map((doc, position) => JSON.stringify({ _id: String(position), ...doc })).join('\n') + '\n');
    const args = [
      ...options.javaOptions,
      '-cp',
      [classes, ...jars].join(path.delimiter),
      'LuceneBench',
      docsFile,
      path.join(work, 'index'),
      options.commonTerm,
      options.rareTerm,
      String(options.seconds),
      String(options.warmupSeconds),
      String(options.bulkThreads),
      String(options.searchThreads),
    ];
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      const errors: string[] = [];
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        errors.push(text);
        process.stdout.write(text); // progress lines
      });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`LuceneBench exited with ${code}:\n${errors.join('').slice(-4000)}`))));
    });
    const lastLine = stdout.trim().split('\n').at(-1) ?? '';
    return { ...(JSON.parse(lastLine) as Omit<LuceneResult, 'java_options'>), java_options: options.javaOptions.join(' ') };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
