/**
 * What travels inside a frame body (frame.ts carries it as a msgpack map). Pure: encode from our
 * types, parse untrusted bodies back (undefined when malformed, never a throw).
 *
 *   request:  { action, headers: {name: value}, payload }
 *   response: { payload }                                  (flag `response`)
 *   error:    { error: { status, type, reason, extra, headers, caused_by?, root_causes? } }
 *                                                          (flags `response` | `error`)
 *
 * Headers are Elasticsearch's thread-context request headers (shared/spec/remote-clusters.md §6.1,
 * §9.1): string to string, and the place where credentials such as
 * `_cross_cluster_access_credentials` travel, so they are never logged (see `redactHeaders`).
 */
import { EsError } from '../common/errors.js';
import { transportLimits } from './limits.js';

export interface TransportRequestMessage {
  readonly action: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: unknown;
}

export function encodeRequestBody(message: TransportRequestMessage): Record<string, unknown> {
  return { action: message.action, headers: message.headers, payload: message.payload ?? null };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Headers must be a map of strings; anything else is not a header map. */
export function parseHeaders(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    if (typeof headerValue !== 'string') return undefined;
    headers[name] = headerValue;
  }
  return headers;
}

export function parseRequestBody(body: unknown): TransportRequestMessage | undefined {
  if (!isPlainObject(body)) return undefined;
  const action = body['action'];
  if (typeof action !== 'string' || action.length === 0) return undefined;
  const headers = parseHeaders(body['headers']);
  if (headers === undefined) return undefined;
  return { action, headers, payload: body['payload'] ?? null };
}

export function encodeResponseBody(payload: unknown): Record<string, unknown> {
  return { payload: payload ?? null };
}

export function parseResponseBody(body: unknown): { readonly payload: unknown } | undefined {
  if (!isPlainObject(body) || !('payload' in body)) return undefined;
  return { payload: body['payload'] ?? null };
}

interface WireError {
  readonly status: number;
  readonly type: string;
  readonly reason: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly caused_by?: WireError;
  readonly root_causes?: readonly WireError[];
}

function toWireError(error: EsError, depth: number): WireError {
  const wire: {
    -readonly [K in keyof WireError]: WireError[K];
  } = { status: error.status, type: error.type, reason: error.message, extra: error.extra, headers: error.headers };
  if (depth < transportLimits.errorCauseDepthMax) {
    if (error.causedBy !== undefined) wire.caused_by = toWireError(error.causedBy, depth + 1);
    if (error.rootCauses !== undefined) wire.root_causes = error.rootCauses.map((cause) => toWireError(cause, depth + 1));
  }
  return wire;
}

export function encodeErrorBody(error: EsError): Record<string, unknown> {
  return { error: toWireError(error, 0) };
}

function fromWireError(value: unknown, depth: number): EsError | undefined {
  if (!isPlainObject(value)) return undefined;
  const { status, type, reason } = value;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  if (typeof type !== 'string' || typeof reason !== 'string') return undefined;
  const extra = isPlainObject(value['extra']) ? value['extra'] : {};
  const headers = parseHeaders(value['headers']) ?? {};
  let causedBy: EsError | undefined;
  let rootCauses: EsError[] | undefined;
  if (depth < transportLimits.errorCauseDepthMax) {
    causedBy = value['caused_by'] === undefined ? undefined : fromWireError(value['caused_by'], depth + 1);
    const wireRootCauses = value['root_causes'];
    if (Array.isArray(wireRootCauses)) {
      rootCauses = wireRootCauses.map((cause) => fromWireError(cause, depth + 1)).filter((cause): cause is EsError => cause !== undefined);
    }
  }
  return new EsError(status, type, reason, {
    extra,
    headers,
    ...(causedBy !== undefined ? { causedBy } : {}),
    ...(rootCauses !== undefined ? { rootCauses } : {}),
  });
}

/** The EsError an error frame carries, with the same status, type, reason, extra and causes. */
export function parseErrorBody(body: unknown): EsError | undefined {
  if (!isPlainObject(body)) return undefined;
  return fromWireError(body['error'], 0);
}

const SECRET_HEADER_PREFIXES = ['_cross_cluster_access', '_security', '_xpack_security'] as const;
const SECRET_HEADER_NAMES = new Set(['authorization', 'proxy-authorization', 'es-secondary-authorization', 'cookie']);

/** True for headers whose values are credentials or authentication state. */
export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADER_NAMES.has(lower) || SECRET_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/** Headers safe to log: secret values replaced by `[redacted]`. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) redacted[name] = isSecretHeader(name) ? '[redacted]' : value;
  return redacted;
}
