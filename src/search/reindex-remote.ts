/**
 * The remote source of a reindex (`source.remote`): a scroll search on another cluster over its
 * HTTP interface, as Elasticsearch's RemoteScrollableHitSource does (`POST /{index}/_search?scroll=`,
 * then `POST /_search/scroll`, then `DELETE /_search/scroll`).
 *
 * Credentials (`username`/`password`, `headers` such as `Authorization: ApiKey ...`) go on the
 * wire and nowhere else: errors name the host and port only, never a header or a password.
 * TLS follows the node's `reindex.ssl.*` settings, spelled out at the call (style P13).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-reindex.html#reindex-from-remote
 */
import http from 'node:http';
import https from 'node:https';
import { errors, EsError } from '../common/index.js';
import { taskCancelled } from '../tasks/task-manager.js';
import { bulkByScrollLimits, type RemoteSource } from './bulk-by-scroll.js';

/** `reindex.ssl.*`: how this node trusts (and identifies itself to) remote sources over HTTPS. */
export interface RemoteTlsOptions {
  /** PEM CAs from `reindex.ssl.certificate_authorities`; undefined: Node's default trust store. */
  readonly certificateAuthorities: readonly Buffer[] | undefined;
  /** `reindex.ssl.verification_mode`: `full` (certificate and host name), `certificate`, or `none`. */
  readonly verificationMode: 'full' | 'certificate' | 'none';
  /** `reindex.ssl.certificate` and `reindex.ssl.key`: a client certificate, when the remote asks for one. */
  readonly certificate: Buffer | undefined;
  readonly key: Buffer | undefined;
}

export const defaultRemoteTls: RemoteTlsOptions = { certificateAuthorities: undefined, verificationMode: 'full', certificate: undefined, key: undefined };

/** One hit of a remote page, as the runner needs it. */
export interface RemoteHit {
  readonly index: string;
  readonly id: string;
  readonly version: number | undefined;
  readonly routing: string | undefined;
  readonly source: unknown;
}

export interface RemotePage {
  readonly total: number;
  readonly hits: readonly RemoteHit[];
  readonly scrollId: string | undefined;
  /** The whole answer (its `timed_out` and `_shards.failures` are read by the runner). */
  readonly response: Record<string, unknown>;
}

/** Elasticsearch's failure to reach a remote (`connect_exception`); names only the address. */
function remoteConnectFailure(remote: RemoteSource, reason: string): EsError {
  return errors.remoteConnect(`${reason}: ${remote.scheme}://${remote.host}:${remote.port}`);
}

function remoteResponseFailure(status: number, body: unknown, remote: RemoteSource): EsError {
  const error = (body as { error?: unknown } | undefined)?.error;
  if (error !== null && typeof error === 'object' && typeof (error as Record<string, unknown>)['type'] === 'string') {
    const cause = error as Record<string, unknown>;
    // The remote's own error is relayed as it came (its type and reason), with its status.
    return new EsError(status >= 400 && status < 600 ? status : 500, String(cause['type']), String(cause['reason'] ?? ''));
  }
  return errors.status(status >= 400 && status < 600 ? status : 500, `remote [${remote.host}:${remote.port}] answered with status [${status}]`);
}

/** Sends one JSON request to the remote and parses its JSON answer; throws EsError for failures. */
function send(remote: RemoteSource, tls: RemoteTlsOptions, method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<unknown> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  const headers: Record<string, string> = { accept: 'application/json', ...remote.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (remote.username !== undefined) headers['authorization'] = `Basic ${Buffer.from(`${remote.username}:${remote.password ?? ''}`, 'utf8').toString('base64')}`;
  const common = { host: remote.host, port: remote.port, method, path: `${remote.pathPrefix}${path}`, headers, agent: false as const };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: EsError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      outgoing.destroy();
      reject(error);
    };
    const outgoing =
      remote.scheme === 'https'
        ? https.request({
            ...common,
            ca: tls.certificateAuthorities === undefined ? undefined : [...tls.certificateAuthorities],
            cert: tls.certificate,
            key: tls.key,
            // verification_mode: `none` trusts any certificate; `certificate` checks the chain but not the host name.
            rejectUnauthorized: tls.verificationMode !== 'none',
            ...(tls.verificationMode === 'full' ? {} : { checkServerIdentity: () => undefined }),
            servername: /^[\d.]+$|:/.test(remote.host) ? undefined : remote.host,
            minVersion: 'TLSv1.2',
          })
        : http.request(common);
    const connectTimer = setTimeout(() => fail(remoteConnectFailure(remote, 'Connect timed out')), remote.connectTimeoutMs);
    outgoing.on('socket', (socket) => {
      const connected = (): void => clearTimeout(connectTimer);
      if (!socket.connecting) connected();
      else socket.once(remote.scheme === 'https' ? 'secureConnect' : 'connect', connected);
    });
    outgoing.setTimeout(remote.socketTimeoutMs, () => fail(errors.remoteSocketTimeout(`remote [${remote.host}:${remote.port}] did not answer within [${remote.socketTimeoutMs}ms]`)));
    outgoing.on('error', (error: Error & { code?: string }) => {
      const reason = error.code === 'ECONNREFUSED' ? 'Connection refused' : error.code !== undefined ? `Connection failed (${error.code})` : 'Connection failed';
      fail(remoteConnectFailure(remote, reason));
    });
    const onAbort = (): void => fail(signal!.reason instanceof EsError ? signal!.reason : taskCancelled('by user request'));
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > bulkByScrollLimits.remoteResponseBytesMax) {
          fail(errors.illegalStateOfRequest(`remote [${remote.host}:${remote.port}] answered with more than [${bulkByScrollLimits.remoteResponseBytesMax}] bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', () => fail(remoteConnectFailure(remote, 'Connection reset')));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          reject(errors.illegalStateOfRequest(`remote [${remote.host}:${remote.port}] answered with a body that is not JSON (status [${response.statusCode ?? 0}])`));
          return;
        }
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(parsed);
        else reject(remoteResponseFailure(status, parsed, remote));
      });
    });
    if (payload !== undefined) outgoing.write(payload);
    outgoing.end();
  });
}

function pageOf(body: unknown, remote: RemoteSource): RemotePage {
  const hitsBlock = (body as { hits?: { total?: unknown; hits?: unknown } } | undefined)?.hits;
  if (hitsBlock === undefined || !Array.isArray(hitsBlock.hits)) {
    throw errors.illegalStateOfRequest(`remote [${remote.host}:${remote.port}] answered a search without hits`);
  }
  const totalRaw = hitsBlock.total;
  const total = typeof totalRaw === 'number' ? totalRaw : typeof totalRaw === 'object' && totalRaw !== null ? Number((totalRaw as { value?: unknown }).value ?? 0) : 0;
  const hits = (hitsBlock.hits as Record<string, unknown>[]).map((hit) => ({
    index: String(hit['_index']),
    id: String(hit['_id']),
    version: typeof hit['_version'] === 'number' ? hit['_version'] : undefined,
    routing: typeof hit['_routing'] === 'string' ? hit['_routing'] : undefined,
    source: hit['_source'],
  }));
  const scrollId = (body as { _scroll_id?: unknown })._scroll_id;
  return { total, hits, scrollId: typeof scrollId === 'string' ? scrollId : undefined, response: body as Record<string, unknown> };
}

/** A scroll over a remote cluster's indices. */
export class RemoteScroll {
  private scrollId: string | undefined;

  constructor(
    private readonly remote: RemoteSource,
    private readonly tls: RemoteTlsOptions,
    private readonly keepAliveMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Opens the scroll: the first page. `search` holds size, query, `_source` and sort, sent as the remote's search body. */
  async open(indices: readonly string[], search: Record<string, unknown>): Promise<RemotePage> {
    const path = `/${indices.map((name) => encodeURIComponent(name)).join(',')}/_search?scroll=${Math.ceil(this.keepAliveMs)}ms&version=true`;
    const page = pageOf(await send(this.remote, this.tls, 'POST', path, search, this.signal), this.remote);
    this.scrollId = page.scrollId;
    return page;
  }

  /** The next page; the context is kept alive `extraKeepAliveMs` longer (the wait before it is used). */
  async next(extraKeepAliveMs: number): Promise<RemotePage> {
    if (this.scrollId === undefined) return { total: 0, hits: [], scrollId: undefined, response: {} };
    const body = { scroll: `${Math.ceil(this.keepAliveMs + extraKeepAliveMs)}ms`, scroll_id: this.scrollId };
    const page = pageOf(await send(this.remote, this.tls, 'POST', '/_search/scroll', body, this.signal), this.remote);
    this.scrollId = page.scrollId ?? this.scrollId;
    return page;
  }

  /** Frees the remote context; failures are ignored (the context expires on its own). */
  async close(): Promise<void> {
    if (this.scrollId === undefined) return;
    const scrollId = this.scrollId;
    this.scrollId = undefined;
    try {
      await send(this.remote, this.tls, 'DELETE', '/_search/scroll', { scroll_id: [scrollId] }, undefined);
    } catch {
      // Elasticsearch logs and goes on: an unreleased scroll times out on the remote.
    }
  }
}
