import { gunzipSync, inflateSync } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import { checkJsonNestingDepth, decodeUtf8, errors, EsError } from '../common/index.js';
import type { HttpMethod, RestRequest } from './route.js';
import { markWholeDoubles } from '../index/script/json-doubles.js';

/** Media types a request body may have (http-compat.md: vendor types from the 8.x and 9.x clients). */
const JSON_TYPES = new Set(['application/json', 'application/vnd.elasticsearch+json']);
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/vnd.elasticsearch+x-ndjson']);
/** `compatible-with` versions accepted: this API level (9) and the previous major, as Elasticsearch. */
export const COMPATIBLE_VERSIONS = new Set([8, 9]);

export interface MediaType {
  readonly type: string;
  readonly compatibleWith: number | undefined;
}

/** Parses a Content-Type or Accept value; undefined when absent or `*\/*`. Pure. */
export function parseMediaType(header: string, value: string | undefined): MediaType | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  // Accept may list several types; the first one that we know decides.
  const candidates = header === 'Accept' ? value.split(',') : [value];
  for (const candidate of candidates) {
    const [rawType, ...parameters] = candidate.split(';');
    const type = rawType!.trim().toLowerCase();
    if (type === '*/*' || type === '') continue;
    let compatibleWith: number | undefined;
    for (const parameter of parameters) {
      const [name, parameterValue] = parameter.split('=').map((part) => part.trim().toLowerCase());
      if (name !== 'compatible-with') continue;
      const version = Number(parameterValue);
      if (!Number.isInteger(version) || !COMPATIBLE_VERSIONS.has(version)) {
        throw new EsError(400, 'media_type_header_exception', `Invalid media-type value on headers [${header}]`, {
          causedBy: errors.illegalArgument(
            `A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept=${header === 'Accept' ? value : 'null'}, Content-Type=${header === 'Content-Type' ? value : 'null'}: [${parameterValue}] is not a supported compatible version`,
          ),
        });
      }
      compatibleWith = version;
    }
    return { type, compatibleWith };
  }
  return undefined;
}

export function isNdjsonType(type: string | undefined): boolean {
  return type !== undefined && NDJSON_TYPES.has(type);
}

/** Checks a body's Content-Type. JSON, NDJSON and their vendor forms are accepted (also text/plain from tools). */
export function checkContentType(contentType: MediaType | undefined, raw: string | undefined): void {
  if (contentType === undefined) return;
  if (JSON_TYPES.has(contentType.type) || NDJSON_TYPES.has(contentType.type)) return;
  throw errors.unsupportedMediaType('Content-Type', raw ?? '');
}

/** Decodes `content-encoding: gzip|deflate` bodies, refusing what would inflate past the limit. */
export function decodeBody(raw: Buffer, encoding: string | undefined, bodyBytesMax: number): Buffer {
  const normalized = (encoding ?? 'identity').trim().toLowerCase();
  if (normalized === 'identity' || normalized === '') return raw;
  try {
    if (normalized === 'gzip' || normalized === 'x-gzip') return gunzipSync(raw, { maxOutputLength: bodyBytesMax });
    if (normalized === 'deflate') return inflateSync(raw, { maxOutputLength: bodyBytesMax });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw errors.contentTooLong(bodyBytesMax + 1, bodyBytesMax);
    throw errors.parse(`failed to decode the request body with content-encoding [${normalized}]`);
  }
  throw errors.illegalArgument(`unsupported content-encoding [${normalized}]`);
}

export type ContentEncoding = 'gzip' | 'deflate';

/**
 * The response encoding an `Accept-Encoding` header allows: gzip or deflate (zlib), preferring
 * the higher quality value and gzip on a tie, as Elasticsearch's HTTP layer (Netty's content
 * compressor) does; undefined means identity. `q=0` refuses a coding, `*` stands for any not
 * named. Pure.
 */
export function negotiateContentEncoding(header: string | undefined): ContentEncoding | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const quality = new Map<string, number>();
  for (const part of header.split(',')) {
    const [rawName, ...parameters] = part.split(';');
    const name = rawName!.trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    for (const parameter of parameters) {
      const [key, value] = parameter.split('=').map((piece) => piece.trim().toLowerCase());
      if (key === 'q') q = Number.isFinite(Number(value)) ? Number(value) : 0;
    }
    quality.set(name === 'x-gzip' ? 'gzip' : name, q);
  }
  const qualityOf = (coding: ContentEncoding): number => quality.get(coding) ?? quality.get('*') ?? 0;
  const gzip = qualityOf('gzip');
  const deflate = qualityOf('deflate');
  if (gzip <= 0 && deflate <= 0) return undefined;
  return gzip >= deflate ? 'gzip' : 'deflate';
}

/**
 * Parses one JSON text the way the REST layer reports errors: 400 x_content_parse_exception with a
 * position. Nesting beyond Elasticsearch's limit is refused before a value is built, so nothing
 * downstream walks more than `limits.jsonNestingDepthMax` levels.
 */
export function parseJson(text: string, lineNumber = 1): unknown {
  checkJsonNestingDepth(text, lineNumber);
  try {
    const value: unknown = JSON.parse(text);
    // Script params keep the doubles JSON.parse turns into integers (`100.0`), as Painless sees them.
    markWholeDoubles(value, text);
    return value;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw errors.xContentParse(`[${lineNumber}:1] failed to parse the request body as JSON: ${message}`);
  }
}

export function parseNdjson(text: string): unknown[] {
  const lines = text.split('\n');
  const values: unknown[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    values.push(parseJson(line, index + 1));
  }
  return values;
}

export function createRestRequest(fields: {
  method: HttpMethod;
  rawPath: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
}): RestRequest {
  let text: string | undefined;
  let parsedJson: { value: unknown } | undefined;
  let parsedNdjson: unknown[] | undefined;
  // Strict UTF-8: a lenient decode would turn malformed bytes into U+FFFD and store that. A leading
  // byte order mark is skipped, as Elasticsearch's JSON parser skips it: it is not part of the content.
  const bodyText = (): string => (text ??= fields.body === undefined ? '' : decodeUtf8(fields.body).replace(/^\uFEFF/, ''));
  const opaque = fields.headers['x-opaque-id'];
  return {
    ...fields,
    opaqueId: Array.isArray(opaque) ? opaque[0] : opaque,
    text: bodyText,
    json(): unknown {
      if (fields.body === undefined || fields.body.length === 0) return undefined;
      parsedJson ??= { value: parseJson(bodyText()) };
      return parsedJson.value;
    },
    ndjson(): unknown[] {
      if (fields.body === undefined) return [];
      parsedNdjson ??= parseNdjson(bodyText());
      return parsedNdjson;
    },
  };
}

/** Query string → decoded map; repeated names keep the last value, as Elasticsearch does. */
export function parseQuery(search: string): Record<string, string> {
  const query: Record<string, string> = {};
  if (search === '') return query;
  for (const [name, value] of new URLSearchParams(search)) query[name] = value;
  return query;
}

/** Elasticsearch's boolean parameter rule: present with no value or "true" is true. */
export function booleanParam(value: string | undefined, fallback = false): boolean {
  if (value === undefined) return fallback;
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw errors.illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
}
