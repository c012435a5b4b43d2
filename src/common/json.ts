/**
 * The edge where request bytes become JSON values (pure). Two of Elasticsearch's input rules
 * apply here, before any code walks the value recursively:
 *
 * - The bytes must be valid UTF-8. Elasticsearch's JSON parser refuses malformed sequences with a
 *   400 `x_content_parse_exception`; decoding them leniently would store U+FFFD instead of what the
 *   client sent.
 * - Objects and arrays may nest at most `limits.jsonNestingDepthMax` (1000) levels, the default
 *   of the JSON parser's stream read constraints that Elasticsearch keeps. Deeper input is refused
 *   with a 400 naming the limit, so no later walk (mapping, query, aggregation, document,
 *   filter_path) ever sees more than 1000 levels.
 */
import { isUtf8 } from 'node:buffer';
import { assert } from './assert.js';
import { errors } from './errors.js';
import { limits } from './limits.js';

/** Line and column (both from 1) of a byte or character offset, as the JSON parser reports them. */
interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * Decodes request bytes as UTF-8, refusing malformed sequences (invalid start or continuation
 * bytes, overlong forms, surrogates, code points above U+10FFFF) with a 400 that names the byte
 * and its position.
 */
export function decodeUtf8(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const failure = findInvalidUtf8(bytes);
  assert(failure !== undefined, 'isUtf8 refused bytes that the scanner accepts');
  const position = bytePosition(bytes, failure.offset);
  const hex = bytes[failure.offset]!.toString(16).padStart(2, '0');
  throw errors.xContentParse(`[${position.line}:${position.column}] Invalid UTF-8 ${failure.kind} byte 0x${hex}`);
}

/** The first malformed UTF-8 sequence: the offending byte and whether it starts or continues a sequence. */
export function findInvalidUtf8(bytes: Uint8Array): { offset: number; kind: 'start' | 'middle' } | undefined {
  let index = 0;
  while (index < bytes.length) {
    const first = bytes[index]!;
    if (first < 0x80) {
      index++;
      continue;
    }
    let length: number;
    let low = 0x80; // allowed range of the second byte (RFC 3629 table 3-7)
    let high = 0xbf;
    if (first >= 0xc2 && first <= 0xdf) length = 2;
    else if (first >= 0xe0 && first <= 0xef) {
      length = 3;
      if (first === 0xe0) low = 0xa0; // overlong
      if (first === 0xed) high = 0x9f; // UTF-16 surrogates
    } else if (first >= 0xf0 && first <= 0xf4) {
      length = 4;
      if (first === 0xf0) low = 0x90; // overlong
      if (first === 0xf4) high = 0x8f; // above U+10FFFF
    } else {
      return { offset: index, kind: 'start' };
    }
    for (let next = 1; next < length; next++) {
      const offset = index + next;
      if (offset >= bytes.length) return { offset: offset - 1, kind: 'middle' }; // truncated at the end
      const byte = bytes[offset]!;
      const min = next === 1 ? low : 0x80;
      const max = next === 1 ? high : 0xbf;
      if (byte < min || byte > max) return { offset, kind: 'middle' };
    }
    index += length;
  }
  return undefined;
}

function bytePosition(bytes: Uint8Array, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset; index++) {
    if (bytes[index] === 0x0a) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const NEWLINE = 0x0a;

/**
 * Refuses JSON text whose objects and arrays nest deeper than `depthMax`, without building any
 * value and without recursion (one pass over the characters, strings skipped). Malformed text
 * is left to `JSON.parse`, which reports it. `firstLine` is the line of `text` in its body (NDJSON).
 */
export function checkJsonNestingDepth(text: string, firstLine = 1, depthMax: number = limits.jsonNestingDepthMax): void {
  let depth = 0;
  let inString = false;
  let line = firstLine;
  let lineStart = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
      continue;
    }
    if (code === QUOTE) inString = true;
    else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      depth++;
      if (depth > depthMax) {
        throw errors.xContentParse(
          `[${line}:${index - lineStart + 1}] Document nesting depth (${depth}) exceeds the maximum allowed (${depthMax}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`,
        );
      }
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) depth--;
    else if (code === NEWLINE) {
      line++;
      lineStart = index + 1;
    }
  }
}

/** The parser token Elasticsearch names in body errors for a JSON value ("Expected [START_OBJECT] but found [..]"). */
export function jsonTokenName(value: unknown): string {
  if (value === null) return 'VALUE_NULL';
  if (Array.isArray(value)) return 'START_ARRAY';
  if (typeof value === 'string') return 'VALUE_STRING';
  if (typeof value === 'number') return 'VALUE_NUMBER';
  if (typeof value === 'boolean') return 'VALUE_BOOLEAN';
  return 'START_OBJECT';
}

/**
 * JSON text with every object's keys sorted: equal for two values that differ only in key order
 * (a mapping merged on two nodes in different orders, for instance).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
