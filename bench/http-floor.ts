/**
 * The HTTP floor for `npm run bench` (issue 13): a node:http server in its own process that answers
 * every request with one fixed, small search response. The bench sends it the same
 * @elastic/elasticsearch client calls it sends Strait, so its latency and QPS are what the client,
 * the loopback and node:http cost before any search work: no server built on node:http can beat it.
 *
 * A child process, not a worker of the bench: the client must not share the server's thread, as it
 * does not with Strait. The child exits when the bench disconnects (or dies).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What Elasticsearch answers a search with no hits (the client checks the product header). */
const FIXED_BODY = Buffer.from(
  JSON.stringify({
    took: 0,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: { total: { value: 0, relation: 'eq' }, max_score: null, hits: [] },
  }),
);
const FIXED_HEADERS = { 'content-type': 'application/json', 'content-length': String(FIXED_BODY.length), 'x-elastic-product': 'Elasticsearch' };

export interface HttpFloor {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the floor server in a child process; resolves with its URL once it listens. */
export async function startHttpFloor(): Promise<HttpFloor> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const match = /listening (\d+)\n/.exec(buffer);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`http floor exited with code ${code} before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function serve(): void {
  const server = createServer((request, response) => {
    // Read the request body to its end, as a real server must, then answer.
    request.on('data', () => {});
    request.on('end', () => {
      response.writeHead(200, FIXED_HEADERS);
      response.end(FIXED_BODY);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[2] === 'serve' && import.meta.url === pathToFileURL(process.argv[1]!).href) serve();
