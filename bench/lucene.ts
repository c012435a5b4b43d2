/**
 * Drives the in-process Lucene reference (bench/lucene/LuceneBench.java) for `npm run bench`
 * (issue 13). Needs a JDK (java, javac) and Debian's liblucene8-java (jars in /usr/share/java).
 * When the jars are missing and the bench runs as root with apt-get, it installs the package;
 * otherwise it gives up with one line saying why, and the bench prints Strait's figures without
 * Lucene's. `npm test` never needs any of this.
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
  readonly indexing: { docs_per_s: number; seconds: number; threads: number; refresh_ms: number; segments: number; index_bytes: number };
  readonly queries: Record<string, Record<string, LuceneFigures>>;
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

/** The Lucene jars, installing liblucene8-java when missing and allowed; or why Lucene is skipped. */
export function locateLucene(): { jars: string[] } | { skipped: string } {
  if (!has('java', ['-version']) || !has('javac', ['-version'])) return { skipped: 'no JDK (java and javac) on PATH' };
  let jars = findJars();
  if (jars === undefined) {
    if (process.getuid?.() !== 0 || !has('apt-get', ['--version'])) {
      return { skipped: `liblucene8-java is not installed (no ${JAR_STEMS.join(', ')} jar in ${JAR_DIR}) and this is not root with apt-get; install it with: apt-get install -y liblucene8-java` };
    }
    console.log('installing liblucene8-java (apt-get install -y liblucene8-java)…');
    const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'liblucene8-java'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    jars = findJars();
    if (jars === undefined) return { skipped: `apt-get install -y liblucene8-java failed (status ${install.status}): ${install.stderr.toString('utf8').trim().split('\n').at(-1) ?? ''}` };
  }
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
