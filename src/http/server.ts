import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { deflate, gzip } from 'node:zlib';
import FindMyWay from 'find-my-way';
import type { Logger } from 'pino';
import { assert, AssertionError, backgroundLane, errors, EsError, isEsError, limits } from '../common/index.js';
import { resolveDateMathExpression } from '../index/index.js';
import { parseTimeValueMs } from '../search/time-value.js';
import type { SecurityService } from '../security/types.js';
import { protocolOptions, type TlsProtocols, type VerificationMode } from '../transport/index.js';
import { filterPath } from './filter-path.js';
import {
  booleanParam,
  checkContentType,
  createRestRequest,
  decodeBody,
  negotiateContentEncoding,
  parseMediaType,
  parseQuery,
  type ContentEncoding,
  type MediaType,
} from './request.js';
import type { HttpMethod, RequestAuthorizer, RestResponse, Route } from './route.js';

/** Parameters every route accepts (Elasticsearch's common options). */
const COMMON_PARAMS = new Set(['pretty', 'human', 'error_trace', 'filter_path', 'format']);
const TIME_PARAMS = ['master_timeout', 'timeout'] as const;
const METHODS: readonly HttpMethod[] = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];
const ROUTE_PARAM_LENGTH_MAX = 8192;

export interface HttpTlsOptions {
  readonly key: Buffer;
  /** Leaf certificate followed by its CA, so clients can pin the CA fingerprint. */
  readonly cert: Buffer;
  readonly ca: Buffer[];
  readonly passphrase: string | undefined;
  readonly clientAuthentication: 'required' | 'optional' | 'none';
  /** `verification_mode` of client certificates: `none` trusts any presented one. Default `full`. */
  readonly verificationMode?: VerificationMode;
  /** `supported_protocols` and `cipher_suites`; the defaults when absent. */
  readonly protocols?: TlsProtocols;
}

/**
 * Response compression (`http.compression`, `http.compression_level`): when enabled, a response
 * with a body is gzip- or deflate-encoded if the request's Accept-Encoding allows it.
 */
export interface HttpCompression {
  readonly enabled: boolean;
  /** zlib level, 1 (fastest) to 9 (smallest). */
  readonly level: number;
}

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: HttpTlsOptions | undefined;
  readonly bodyBytesMax: number;
  /** Absent: responses are never compressed. */
  readonly compression?: HttpCompression;
  /** The node's clock, for date math index names (style P1: time is an input); Date.now when absent. */
  readonly nowMs?: () => number;
  readonly routes: readonly Route[];
  readonly security: SecurityService;
  readonly log: Logger;
}

export interface HttpServer {
  /** `host:port` actually bound. */
  readonly address: string;
  close(): Promise<void>;
}

type RouteStore = { readonly route: Route };

/** Builds the one route table (style P9): every route names its action; duplicates are refused. */
export function buildRouter(routes: readonly Route[]): FindMyWay.Instance<FindMyWay.HTTPVersion.V1> {
  const router = FindMyWay({ maxParamLength: ROUTE_PARAM_LENGTH_MAX, ignoreTrailingSlash: true });
  for (const route of routes) {
    assert(route.action.includes(':'), `${route.path}: a route must name its Elasticsearch action`);
    const methods = typeof route.method === 'string' ? [route.method] : route.method;
    for (const method of methods) {
      router.on(method, route.path, () => undefined, { route } satisfies RouteStore);
    }
  }
  return router;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const router = buildRouter(options.routes);
  const { log } = options;
  const listener = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    handleRequest(request, response, router, options).catch((error: unknown) => {
      // Rendering itself failed: the connection is all we can still close.
      log.error({ err: error }, 'failed to answer a request');
      response.destroy();
    });
  };
  const server: http.Server = options.tls
    ? https.createServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ca: options.tls.ca.length > 0 ? options.tls.ca : undefined,
          passphrase: options.tls.passphrase,
          requestCert: options.tls.clientAuthentication !== 'none',
          // verification_mode none: any certificate is trusted; `required` is then checked on accept.
          rejectUnauthorized: options.tls.clientAuthentication === 'required' && options.tls.verificationMode !== 'none',
          ...protocolOptions(options.tls.protocols),
          maxHeaderSize: limits.httpHeaderBytesMax,
        },
        listener,
      )
    : http.createServer({ maxHeaderSize: limits.httpHeaderBytesMax }, listener);
  if (options.tls?.clientAuthentication === 'required' && options.tls.verificationMode === 'none') {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.getPeerCertificate().raw === undefined) {
        log.warn({ remote: socket.remoteAddress }, 'TLS client authentication failed on the HTTP interface: no client certificate was presented');
        socket.destroy();
      }
    });
  }
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0; // long searches and bulk bodies are bounded by size, not wall time
  server.maxHeadersCount = 200;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    // Garbage on the port, oversized headers, a TLS client that hung up: answer if we can, never crash.
    log.warn({ code: error.code, remote: socket.remoteAddress }, 'rejected a malformed HTTP request');
    if (socket.writable && error.code !== 'ECONNRESET') {
      const refusal = malformedRequestError(error);
      const status = refusal.status;
      const body = JSON.stringify(refusal.toBody());
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
          `x-elastic-product: Elasticsearch\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  });
  if (options.tls) {
    server.on('tlsClientError', (error: Error & { code?: string }, socket: Socket) => {
      log.warn({ code: error.code, reason: error.message, remote: socket.remoteAddress }, 'TLS handshake failed on the HTTP interface');
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    address: `${host}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Connections still busy get a moment, then go.
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, 2_000).unref();
      }),
  };
}

/**
 * The answer to a request Node's HTTP parser refused, in Elasticsearch's error shape. Headers over
 * the limit get what Elasticsearch sends for them: 400 `too_long_http_header_exception` (or
 * `too_long_http_line_exception` when the request line alone is too long).
 */
export function malformedRequestError(error: Error & { code?: string; rawPacket?: Buffer }): EsError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    const lineEnd = error.rawPacket?.indexOf('\r\n') ?? -1;
    return lineEnd === -1 || lineEnd > limits.httpHeaderBytesMax
      ? errors.tooLongHttpLine(limits.httpHeaderBytesMax)
      : errors.tooLongHttpHeader(limits.httpHeaderBytesMax);
  }
  return errors.illegalArgument(`malformed HTTP request: ${error.code ?? 'parse error'}`);
}

async function readBody(request: http.IncomingMessage, bodyBytesMax: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > bodyBytesMax) {
    request.resume(); // drain so the error can be written on a live connection
    throw errors.contentTooLong(declared, bodyBytesMax);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > bodyBytesMax) {
      request.resume();
      throw errors.contentTooLong(size, bodyBytesMax);
    }
    chunks.push(chunk as Buffer);
  }
  return size === 0 ? undefined : Buffer.concat(chunks, size);
}

interface Rendering {
  pretty: boolean;
  filterPath: string | undefined;
  errorTrace: boolean;
  accept: MediaType | undefined;
}

async function handleRequest(
  incoming: http.IncomingMessage,
  response: http.ServerResponse,
  router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>,
  options: HttpServerOptions,
): Promise<void> {
  const started = process.hrtime.bigint();
  const url = incoming.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const method = (incoming.method ?? 'GET').toUpperCase() as HttpMethod;
  const opaqueHeader = incoming.headers['x-opaque-id'];
  const opaqueId = Array.isArray(opaqueHeader) ? opaqueHeader[0] : opaqueHeader;
  const rendering: Rendering = { pretty: false, filterPath: undefined, errorTrace: false, accept: undefined };
  let result: RestResponse;
  let action: string | undefined;
  let leaveForeground: (() => void) | undefined;
  try {
    const query = parseQuery(queryStart === -1 ? '' : url.slice(queryStart + 1));
    rendering.pretty = booleanParam(query['pretty']);
    rendering.errorTrace = booleanParam(query['error_trace']);
    rendering.filterPath = query['filter_path'];
    rendering.accept = parseMediaType('Accept', headerValue(incoming.headers['accept']));
    const contentType = parseMediaType('Content-Type', headerValue(incoming.headers['content-type']));
    if (!METHODS.includes(method)) throw errors.methodNotAllowed(method, rawPath, []);
    const found = router.find(method, rawPath);
    if (found === null) {
      const allowed = METHODS.filter((other) => other !== method && router.find(other, rawPath) !== null);
      await drain(incoming);
      throw allowed.length > 0 ? errors.methodNotAllowed(method, rawPath, allowed) : errors.noHandler(method, rawPath);
    }
    const { route } = found.store as RouteStore;
    action = route.action;
    const unknown = Object.keys(query).filter((name) => !COMMON_PARAMS.has(name) && !(route.params ?? []).includes(name));
    if (unknown.length > 0) {
      await drain(incoming);
      throw errors.unrecognizedParameters(rawPath, unknown);
    }
    // Elasticsearch reads these two as time values on every API that takes them, before the
    // handler runs; one node never waits on a master, but a malformed value is still a 400.
    for (const name of TIME_PARAMS) {
      const value = query[name];
      if (value !== undefined) parseTimeValueMs(value, name);
    }
    // Authenticate before reading a possibly large body from an unknown caller.
    const authentication = await options.security.authenticate(incoming.headers, rawPath);
    const rawBody = await readBody(incoming, options.bodyBytesMax);
    // Reads (search, count, get...) go before the background lane's slices until answered; only
    // once their body is in, so that a client slow to send one holds nothing back.
    if (action.startsWith('indices:data/read/')) leaveForeground = backgroundLane.enterForeground();
    if (rawBody !== undefined) checkContentType(contentType, headerValue(incoming.headers['content-type']));
    const body =
      rawBody === undefined ? undefined : decodeBody(rawBody, headerValue(incoming.headers['content-encoding']), options.bodyBytesMax);
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.params)) if (value !== undefined) params[name] = value;
    // Date math index names (`<logs-{now/d}>`) resolve before authorization and every handler.
    if (params['index'] !== undefined) params['index'] = resolveDateMathExpression(params['index'], (options.nowMs ?? Date.now)());
    const restRequest = createRestRequest({ method, rawPath, params, query, headers: incoming.headers, body });
    const authorizer = options.security.authorizer(authentication);
    let authorizedTargets = false;
    const tracked: RequestAuthorizer = {
      cluster: (clusterAction) => authorizer.cluster(clusterAction),
      indices: (indexAction, indices) => {
        authorizer.indices(indexAction, indices);
        authorizedTargets = true;
      },
      allowsIndex: (indexAction, index) => {
        authorizedTargets = true;
        return authorizer.allowsIndex(indexAction, index);
      },
      delegateToRemote: () => {
        authorizedTargets = true;
      },
      // Document and field level security (an authorizer without it restricts nothing).
      ...(authorizer.readRestriction !== undefined ? { readRestriction: authorizer.readRestriction } : {}),
    };
    if (route.scope === 'cluster') authorizer.cluster(route.action);
    result = await route.handle(restRequest, { authentication, authorize: tracked });
    if (route.scope === 'indices' && !authorizedTargets && result.status < 300) {
      throw new AssertionError(`${method} ${route.path} [${route.action}] answered without authorizing its target indices`);
    }
  } catch (error) {
    result = errorResponse(error, rendering.errorTrace, options.log, { method, path: rawPath, opaqueId, action });
    await drain(incoming);
  }
  const compression =
    options.compression?.enabled === true
      ? { encoding: negotiateContentEncoding(headerValue(incoming.headers['accept-encoding'])), level: options.compression.level }
      : undefined;
  try {
    await writeResponse(response, method, result, rendering, opaqueId, compression);
  } finally {
    leaveForeground?.();
  }
  const tookMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status >= 400) {
    options.log.info({ method, path: rawPath, status: result.status, action, opaque_id: opaqueId, took_ms: tookMs }, 'request failed');
  } else {
    options.log.debug({ method, path: rawPath, status: result.status, action, opaque_id: opaqueId, took_ms: tookMs }, 'request');
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function drain(incoming: http.IncomingMessage): Promise<void> {
  if (incoming.readableEnded) return;
  incoming.resume();
}

function errorResponse(
  error: unknown,
  errorTrace: boolean,
  log: Logger,
  context: { method: string; path: string; opaqueId: string | undefined; action: string | undefined },
): RestResponse {
  if (isEsError(error)) {
    if (error.status >= 500) log.error({ err: error, ...context }, 'request failed with a server error');
    const body = error.toBody();
    if (errorTrace && error.stack) body.error['stack_trace'] = error.stack;
    return { status: error.status, body, headers: error.headers };
  }
  // A bug, not bad input (style P3): log it whole, fail only this request.
  const internal = new EsError(500, error instanceof AssertionError ? 'assertion_error' : 'exception', error instanceof Error ? error.message : String(error));
  log.error({ err: error, ...context }, 'request failed with an unexpected error');
  const body = internal.toBody();
  if (errorTrace && error instanceof Error && error.stack) body.error['stack_trace'] = error.stack;
  return { status: 500, body };
}

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);

async function writeResponse(
  response: http.ServerResponse,
  method: HttpMethod,
  result: RestResponse,
  rendering: Rendering,
  opaqueId: string | undefined,
  /** Undefined: compression is off. `encoding` undefined: the client accepts neither gzip nor deflate. */
  compression: { readonly encoding: ContentEncoding | undefined; readonly level: number } | undefined,
): Promise<void> {
  response.statusCode = result.status;
  response.setHeader('X-elastic-product', 'Elasticsearch');
  if (opaqueId !== undefined) response.setHeader('X-Opaque-Id', opaqueId);
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, value);
  let payload: string | undefined;
  if (result.body !== undefined) {
    if (typeof result.body === 'string' && result.contentType !== undefined) {
      payload = result.body;
      response.setHeader('Content-Type', result.contentType);
    } else {
      let body: unknown = result.body;
      if (rendering.filterPath !== undefined && rendering.filterPath !== '') body = filterPath(body, rendering.filterPath);
      payload = rendering.pretty ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body);
      const compatible = rendering.accept?.compatibleWith;
      response.setHeader(
        'Content-Type',
        compatible !== undefined && rendering.accept?.type.startsWith('application/vnd.elasticsearch')
          ? `application/vnd.elasticsearch+json;compatible-with=${compatible}`
          : 'application/json',
      );
    }
  }
  if (payload === undefined) {
    response.setHeader('Content-Length', '0');
    response.end();
    return;
  }
  // HEAD: the headers of the GET answer, no body (and nothing to encode).
  if (method === 'HEAD') {
    response.setHeader('Content-Length', String(Buffer.byteLength(payload, 'utf8')));
    response.end();
    return;
  }
  // The body depends on Accept-Encoding whenever compression is on: caches must key on it.
  if (compression !== undefined) response.setHeader('Vary', 'Accept-Encoding');
  if (compression?.encoding === undefined || payload.length === 0) {
    // As text, Node writes the head and the body in one string write (a Buffer goes as a writev
    // of two chunks, after a copy into it): one copy less per answer.
    response.setHeader('Content-Length', String(Buffer.byteLength(payload, 'utf8')));
    response.end(payload, 'utf8');
    return;
  }
  // Off the event loop: zlib runs on the thread pool.
  const options = { level: compression.level };
  const plain = Buffer.from(payload, 'utf8');
  const bytes = compression.encoding === 'gzip' ? await gzipAsync(plain, options) : await deflateAsync(plain, options);
  response.setHeader('Content-Encoding', compression.encoding);
  response.setHeader('Content-Length', String(bytes.length));
  response.end(bytes);
}
