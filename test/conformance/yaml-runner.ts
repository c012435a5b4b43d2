/**
 * A runner for Elastic's YAML client tests (shared/conformance/README.md describes the format):
 * each `do` calls the API through the official client; assertions read the last response.
 * The pure parts (path lookup, stash substitution, regex values, API name mapping) are exported
 * for unit tests.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';

export type Step = Readonly<Record<string, unknown>>;

export interface YamlTest {
  readonly name: string;
  readonly steps: readonly Step[];
}

export interface YamlFile {
  readonly requires: Readonly<Record<string, unknown>> | undefined;
  readonly setup: readonly Step[];
  readonly teardown: readonly Step[];
  readonly tests: readonly YamlTest[];
}

/**
 * Elastic's files (read by SnakeYAML) sometimes continue a flow map on lines indented no deeper
 * than the `- match: {` that opens it, which YAML 1.2 parsers refuse. Indent such continuation
 * lines under their opener.
 */
export function indentFlowContinuations(text: string): string {
  const lines = text.split('\n');
  let depth = 0;
  let indent = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (depth > 0) lines[i] = indent + line;
    const code = line.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '').replace(/#.*$/, '');
    const before = depth;
    for (const ch of code) {
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') depth--;
    }
    if (before === 0 && depth > 0) indent = ' '.repeat((/^\s*/.exec(line)?.[0].length ?? 0) + 4);
    if (depth < 0) depth = 0;
  }
  return lines.join('\n');
}

export function parseYamlTestFile(file: string): YamlFile {
  const text = readFileSync(file, 'utf8');
  let documents = parseAllDocuments(text);
  if (documents.some((document) => document.errors.length > 0)) documents = parseAllDocuments(indentFlowContinuations(text));
  let requires: Record<string, unknown> | undefined;
  let setup: Step[] = [];
  let teardown: Step[] = [];
  const tests: YamlTest[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
    const value = document.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
    if (value === null || value === undefined) continue;
    for (const [key, body] of Object.entries(value)) {
      if (key === 'requires') requires = body as Record<string, unknown>;
      else if (key === 'setup') setup = body as Step[];
      else if (key === 'teardown') teardown = body as Step[];
      else tests.push({ name: key, steps: (body as Step[]) ?? [] });
    }
  }
  return { requires, setup, teardown, tests };
}

/** `security.create_cross_cluster_api_key` → ['security', 'createCrossClusterApiKey']. */
export function apiPath(api: string): string[] {
  return api.split('.').map((part) => part.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()));
}

/** Splits `hits.hits.0._source.a\.b` into segments, honouring `\.` escapes. */
export function splitPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < path.length; index++) {
    const char = path[index]!;
    if (char === '\\' && path[index + 1] === '.') {
      current += '.';
      index++;
    } else if (char === '.') {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

export class Stash {
  private readonly values = new Map<string, unknown>();
  body: unknown = undefined;

  set(name: string, value: unknown): void {
    this.values.set(name, value);
  }

  get(name: string): unknown {
    if (name === 'body') return this.body;
    if (!this.values.has(name)) throw new Error(`nothing stashed as [${name}]`);
    return this.values.get(name);
  }

  /** Replaces `$name` (whole value) and `${name}` (inside strings and keys), recursively. */
  substitute(value: unknown): unknown {
    if (typeof value === 'string') {
      if (/^\$[A-Za-z_][\w]*$/.test(value)) return this.get(value.slice(1));
      return value.replace(/\$\{([A-Za-z_][\w]*)\}/g, (_, name: string) => String(this.get(name)));
    }
    if (Array.isArray(value)) return value.map((item) => this.substitute(item));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) out[this.substitute(key) as string] = this.substitute(child);
      return out;
    }
    return value;
  }
}

/** Reads a dotted path from a response; `$body` is the whole body; numeric segments index arrays. */
export function lookup(body: unknown, path: string, stash: Stash): unknown {
  if (path === '$body' || path === '') return body;
  let current: unknown = body;
  for (const rawSegment of splitPath(path)) {
    const segment = rawSegment.startsWith('$') ? String(stash.get(rawSegment.slice(1))) : rawSegment;
    if (current === null || current === undefined) return undefined;
    if (segment === '_arbitrary_key_' && typeof current === 'object') {
      current = Object.keys(current as object)[0];
      continue;
    }
    if (Array.isArray(current)) {
      const index = Number(segment);
      current = Number.isInteger(index) ? current[index] : undefined;
    } else if (typeof current === 'object') {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** A `/…/` expected value is a regex in Java's COMMENTS mode: whitespace and `#` comments ignored. */
export function asRegex(expected: unknown): RegExp | undefined {
  if (typeof expected !== 'string') return undefined;
  const trimmed = expected.trim();
  if (trimmed.length < 2 || !trimmed.startsWith('/') || !trimmed.endsWith('/')) return undefined;
  const source = trimmed
    .slice(1, -1)
    .split('\n')
    .map((line) => line.replace(/(^|[^\\])#.*$/, '$1'))
    .join('')
    .replace(/(\\\s)|\s+/g, (match, escaped: string | undefined) => (escaped !== undefined ? escaped : ''));
  return new RegExp(source, 's');
}

function numbersEqual(actual: unknown, expected: unknown): boolean {
  return typeof actual === 'number' && typeof expected === 'number' && actual === expected;
}

export function valuesMatch(actual: unknown, expected: unknown): boolean {
  const regex = asRegex(expected);
  if (regex !== undefined) return regex.test(typeof actual === 'string' ? actual : JSON.stringify(actual));
  if (numbersEqual(actual, expected)) return true;
  if (typeof expected === 'number' && typeof actual === 'string' && String(expected) === actual) return false;
  return isDeepStrictEqual(normalize(actual), normalize(expected));
}

function normalize(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

export function isTruthy(value: unknown): boolean {
  return !(value === undefined || value === null || value === false || value === '' || value === 'false' || value === 0);
}

const CATCH_STATUS: Readonly<Record<string, number>> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  missing: 404,
  request_timeout: 408,
  conflict: 409,
  unavailable: 503,
};

export interface CallOutcome {
  readonly status: number;
  readonly body: unknown;
  readonly errorText?: string;
}

/** Something that can call an API by its YAML name with params and headers. */
export type ApiCaller = (api: string, params: Record<string, unknown>, headers: Record<string, string>, ignore: number[]) => Promise<CallOutcome>;

export class AssertionFailure extends Error {}

/** Executes one step against the stash; throws AssertionFailure with a precise message. */
export async function runStep(step: Step, stash: Stash, call: ApiCaller): Promise<void> {
  const [kind, rawArgument] = Object.entries(step)[0] as [string, unknown];
  if (kind === 'do') {
    const argument = rawArgument as Record<string, unknown>;
    const headers = (stash.substitute(argument['headers'] ?? {}) as Record<string, string>) ?? {};
    const expectedCatch = argument['catch'] as string | undefined;
    const apiEntry = Object.entries(argument).find(([key]) => !['headers', 'catch', 'warnings', 'allowed_warnings', 'node_selector', 'allowed_warnings_regex', 'warnings_regex'].includes(key));
    if (apiEntry === undefined) throw new AssertionFailure('a do step without an API');
    const [api, rawParams] = apiEntry;
    // A string body is parsed first so that `$name` inside it is substituted as a whole value.
    const unparsed = { ...((rawParams ?? {}) as Record<string, unknown>) };
    if (typeof unparsed['body'] === 'string') {
      try {
        unparsed['body'] = JSON.parse((unparsed['body'] as string).trim());
      } catch {
        // Not JSON: NDJSON strings for bulk stay strings.
      }
    }
    const params = { ...((stash.substitute(unparsed) as Record<string, unknown>) ?? {}) };
    const ignoreValue = params['ignore'];
    delete params['ignore'];
    const ignore = ignoreValue === undefined ? [] : (Array.isArray(ignoreValue) ? ignoreValue : [ignoreValue]).map(Number);
    if (typeof params['body'] === 'string') {
      const text = (params['body'] as string).trim();
      try {
        params['body'] = JSON.parse(text);
      } catch {
        // Not JSON: send as is (NDJSON strings for bulk).
      }
    }
    const outcome = await call(api, params, headers, ignore);
    stash.body = outcome.body;
    if (expectedCatch !== undefined) {
      const regex = asRegex(expectedCatch);
      if (regex !== undefined) {
        if (outcome.status < 400 || !regex.test(outcome.errorText ?? JSON.stringify(outcome.body))) {
          throw new AssertionFailure(`${api}: expected an error matching ${expectedCatch}, got ${outcome.status} ${JSON.stringify(outcome.body)}`);
        }
      } else if (expectedCatch === 'param') {
        if (outcome.status !== -1) throw new AssertionFailure(`${api}: expected a client-side parameter error, got ${outcome.status}`);
      } else if (expectedCatch === 'request') {
        if (outcome.status < 400) throw new AssertionFailure(`${api}: expected an error, got ${outcome.status}`);
      } else {
        const status = CATCH_STATUS[expectedCatch];
        if (outcome.status !== status) throw new AssertionFailure(`${api}: expected ${expectedCatch} (${status}), got ${outcome.status} ${JSON.stringify(outcome.body)}`);
      }
      return;
    }
    // HEAD-style APIs (exists, exists_alias, ...) answer 404 as the value false, not as an error.
    const headMiss = outcome.status === 404 && outcome.body === false;
    if (outcome.status >= 400 && !ignore.includes(outcome.status) && !headMiss) {
      throw new AssertionFailure(`${api}: unexpected ${outcome.status} ${outcome.errorText ?? JSON.stringify(outcome.body)}`);
    }
    return;
  }
  if (kind === 'set') {
    for (const [path, name] of Object.entries(rawArgument as Record<string, string>)) stash.set(name, lookup(stash.body, path, stash));
    return;
  }
  if (kind === 'is_true' || kind === 'is_false') {
    const path = String(rawArgument ?? '');
    const value = lookup(stash.body, path, stash);
    if (isTruthy(value) !== (kind === 'is_true')) throw new AssertionFailure(`${kind} ${path}: got ${JSON.stringify(value)}`);
    return;
  }
  if (kind === 'exists' && typeof rawArgument === 'string') {
    if (lookup(stash.body, rawArgument, stash) === undefined) throw new AssertionFailure(`exists ${rawArgument}: missing`);
    return;
  }
  const comparisons = Object.entries(stash.substitute(rawArgument) as Record<string, unknown>);
  for (const [path, expected] of comparisons) {
    const actual = lookup(stash.body, path, stash);
    const fail = (): never => {
      throw new AssertionFailure(`${kind} ${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    };
    switch (kind) {
      case 'match':
        if (!valuesMatch(actual, expected)) fail();
        break;
      case 'length': {
        const length = Array.isArray(actual) ? actual.length : actual !== null && typeof actual === 'object' ? Object.keys(actual).length : typeof actual === 'string' ? actual.length : -1;
        if (length !== Number(expected)) fail();
        break;
      }
      case 'gt':
        if (!(Number(actual) > Number(expected))) fail();
        break;
      case 'gte':
        if (!(Number(actual) >= Number(expected))) fail();
        break;
      case 'lt':
        if (!(Number(actual) < Number(expected))) fail();
        break;
      case 'lte':
        if (!(Number(actual) <= Number(expected))) fail();
        break;
      case 'contains':
        if (!Array.isArray(actual) || !actual.some((item) => containsValue(item, expected))) fail();
        break;
      case 'exists':
        if (actual === undefined) fail();
        break;
      default:
        throw new AssertionFailure(`unsupported step [${kind}]`);
    }
  }
}

function containsValue(item: unknown, expected: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected) && item !== null && typeof item === 'object') {
    return Object.entries(expected).every(([key, value]) => valuesMatch((item as Record<string, unknown>)[key], value));
  }
  return valuesMatch(item, expected);
}
