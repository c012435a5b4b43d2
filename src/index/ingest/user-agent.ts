/**
 * The `user_agent` processor's parser: ua-parser's uap-core `regexes.yaml` (the data Elasticsearch's
 * ingest-user-agent module is built on), read from the `uap-core` package and compiled once, at the
 * first document a `user_agent` processor parses, so that neither start-up nor a pipeline put pays
 * for it.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/user-agent-processor.html
 * and uap-core's docs/specification.md (the meaning of each `*_replacement`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse as parseYaml } from 'yaml';
import { assert, errors, limits } from '../../common/index.js';
import { castError } from './document.js';
import type { ProcessorFactory } from './pipeline.js';

/** A browser, operating system or device as one regex entry names it; versions absent when unknown. */
export interface VersionedName {
  readonly name: string;
  readonly major: string | undefined;
  readonly minor: string | undefined;
  readonly patch: string | undefined;
  readonly build: string | undefined;
}

export interface UserAgentDetails {
  readonly userAgent: VersionedName | undefined;
  readonly os: VersionedName | undefined;
  readonly device: VersionedName | undefined;
}

interface Subpattern {
  readonly regex: RegExp;
  /** `family_replacement`, `os_replacement` or `device_replacement`; then the four version replacements. */
  readonly replacements: readonly (string | undefined)[];
}

type RegexEntry = Record<string, unknown>;

/** The replacement keys of each section, in the order name, major, minor, patch, build. */
const replacementKeys = {
  user_agent_parsers: ['family_replacement', 'v1_replacement', 'v2_replacement', 'v3_replacement', 'v4_replacement'],
  os_parsers: ['os_replacement', 'os_v1_replacement', 'os_v2_replacement', 'os_v3_replacement', 'os_v4_replacement'],
  device_parsers: ['device_replacement'],
} as const;

/**
 * True when a quantified group contains an unbounded quantifier (`(a+)*`, `(?:x.*y){2,}`): the
 * star-height-two shape whose backtracking grows exponentially with the input. JavaScript's
 * RegExp cannot be interrupted, so the bundled data must not hold one (a unit test checks it; the
 * compiler asserts it). Escapes and character classes are skipped; the scan is syntax only.
 */
export function hasNestedUnboundedQuantifier(source: string): boolean {
  const groupsUnbounded: boolean[] = [];
  let unboundedInside = false;
  let lastGroupUnbounded = false;
  for (let position = 0; position < source.length; position++) {
    const character = source[position]!;
    let closedGroup = false;
    if (character === '\\') {
      position++;
    } else if (character === '[') {
      for (position++; position < source.length && source[position] !== ']'; position++) if (source[position] === '\\') position++;
    } else if (character === '(') {
      groupsUnbounded.push(unboundedInside);
      unboundedInside = false;
    } else if (character === ')') {
      lastGroupUnbounded = unboundedInside;
      unboundedInside = (groupsUnbounded.pop() ?? false) || unboundedInside;
      closedGroup = true;
    }
    const quantifier = quantifierAt(source, position + 1);
    if (quantifier === undefined) continue;
    if (closedGroup && lastGroupUnbounded && quantifier.repeats) return true;
    if (quantifier.unbounded) unboundedInside = true;
    position += quantifier.length;
  }
  return false;
}

function quantifierAt(source: string, position: number): { unbounded: boolean; repeats: boolean; length: number } | undefined {
  const character = source[position];
  if (character === '*' || character === '+') return { unbounded: true, repeats: true, length: source[position + 1] === '?' ? 2 : 1 };
  if (character === '?') return { unbounded: false, repeats: false, length: source[position + 1] === '?' ? 2 : 1 };
  if (character !== '{') return undefined;
  const match = /^\{(\d+)(,(\d*))?\}\??/.exec(source.slice(position));
  if (match === null) return undefined;
  const upper = match[2] === undefined ? Number(match[1]) : match[3] === '' ? Infinity : Number(match[3]);
  return { unbounded: upper === Infinity, repeats: upper > 1, length: match[0].length - 1 };
}

function compileSection(entries: unknown, keys: readonly string[]): Subpattern[] {
  assert(Array.isArray(entries), 'a regexes.yaml section is a list');
  return (entries as RegexEntry[]).map((entry) => {
    const source = entry['regex'];
    assert(typeof source === 'string', 'a regexes.yaml entry has a regex');
    assert(!hasNestedUnboundedQuantifier(source), `regexes.yaml pattern [${source}] can backtrack catastrophically`);
    // regex_flag 'i' is the only flag the file uses (Elasticsearch's UserAgentParser honours it alone too).
    const regex = new RegExp(source, entry['regex_flag'] === 'i' ? 'i' : '');
    return { regex, replacements: keys.map((key) => (typeof entry[key] === 'string' ? (entry[key] as string) : undefined)) };
  });
}

/**
 * `$1`..`$9` in a replacement take the matching groups (absent groups: empty); the result is
 * trimmed, and an empty one is no value, as uap-core's specification asks.
 */
function replace(template: string, groups: readonly (string | undefined)[]): string | undefined {
  const value = template.replace(/\$(\d)/g, (_, digit: string) => groups[Number(digit)] ?? '').trim();
  return value === '' ? undefined : value;
}

function matchSubpattern(pattern: Subpattern, text: string): VersionedName | undefined {
  const match = pattern.regex.exec(text);
  if (match === null) return undefined;
  const groups = [...match] as (string | undefined)[];
  const field = (index: number): string | undefined => {
    const template = pattern.replacements[index];
    if (template !== undefined) return replace(template, groups);
    const group = groups[index + 1];
    return group === undefined || group === '' ? undefined : group;
  };
  const name = field(0);
  if (name === undefined) return undefined;
  return { name, major: field(1), minor: field(2), patch: field(3), build: field(4) };
}

function firstMatch(patterns: readonly Subpattern[], text: string): VersionedName | undefined {
  for (const pattern of patterns) {
    const found = matchSubpattern(pattern, text);
    if (found !== undefined) return found;
  }
  return undefined;
}

export class UserAgentParser {
  private readonly userAgents: readonly Subpattern[];
  private readonly operatingSystems: readonly Subpattern[];
  private readonly devices: readonly Subpattern[];
  /** Elasticsearch's UserAgentCache: the same strings come again and again from one client. */
  private readonly cache = new Map<string, UserAgentDetails>();

  /** `definitions`: the parsed regexes.yaml. */
  constructor(definitions: Record<string, unknown>) {
    this.userAgents = compileSection(definitions['user_agent_parsers'], replacementKeys.user_agent_parsers);
    this.operatingSystems = compileSection(definitions['os_parsers'], replacementKeys.os_parsers);
    this.devices = compileSection(definitions['device_parsers'], replacementKeys.device_parsers);
  }

  parse(text: string): UserAgentDetails {
    const cached = this.cache.get(text);
    if (cached !== undefined) return cached;
    if (text.length > limits.userAgentCharsMax) {
      throw errors.illegalArgument(`user agent of [${text.length}] characters is longer than the [${limits.userAgentCharsMax}] the user_agent processor parses`);
    }
    const details = { userAgent: firstMatch(this.userAgents, text), os: firstMatch(this.operatingSystems, text), device: firstMatch(this.devices, text) };
    if (this.cache.size >= limits.userAgentCacheEntriesMax) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(text, details);
    return details;
  }
}

let bundled: UserAgentParser | undefined;

/** The parser over the `uap-core` package's regexes.yaml, built at its first use. */
export function bundledUserAgentParser(): UserAgentParser {
  if (bundled === undefined) {
    const path = createRequire(import.meta.url).resolve('uap-core/regexes.yaml');
    bundled = new UserAgentParser(parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown>);
  }
  return bundled;
}

/** The properties the processor may write (`properties` picks a subset), in Elasticsearch's order. */
export const userAgentProperties = ['name', 'os', 'device', 'original', 'version'] as const;
export type UserAgentProperty = (typeof userAgentProperties)[number];

function joinVersion(name: VersionedName): string | undefined {
  if (name.major === undefined) return undefined;
  const parts = [name.major];
  for (const part of [name.minor, name.patch, name.build]) {
    if (part === undefined) break;
    parts.push(part);
  }
  return parts.join('.');
}

/**
 * The object the processor writes, as Elasticsearch's UserAgentProcessor builds it: `name` is
 * "Other" and `device.name` is "Other" when nothing matched; `version` and `os` are left out
 * when unknown; `os.version` and `os.full` only with a known name.
 */
export function userAgentObject(original: string, details: UserAgentDetails, properties: ReadonlySet<UserAgentProperty>): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  for (const property of userAgentProperties) {
    if (!properties.has(property)) continue;
    switch (property) {
      case 'original':
        output['original'] = original;
        break;
      case 'name':
        output['name'] = details.userAgent?.name ?? 'Other';
        break;
      case 'version': {
        const version = details.userAgent === undefined ? undefined : joinVersion(details.userAgent);
        if (version !== undefined) output['version'] = version;
        break;
      }
      case 'os': {
        if (details.os === undefined) break;
        const version = joinVersion(details.os) ?? '';
        output['os'] = { name: details.os.name, version, full: `${details.os.name} ${version}` };
        break;
      }
      case 'device':
        output['device'] = { name: details.device?.name ?? 'Other' };
        break;
    }
  }
  return output;
}

// ---------------------------------------------------------------- the processor

/**
 * `user_agent`: parses the string in `field` into `target_field` (default `user_agent`).
 * `regex_file` names a file in the node's config directory in Elasticsearch; Strait has only the
 * bundled uap-core data, so any name is refused with Elasticsearch's "doesn't exist" error.
 * `extract_device_type` (Elasticsearch's beta `device.type`) needs Elasticsearch's own device type
 * rules, which uap-core does not ship: `true` is refused rather than ignored.
 */
export const userAgentFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const targetField = config.string('target_field', 'user_agent');
  const regexFile = config.optionalString('regex_file');
  if (regexFile !== undefined) throw config.error('regex_file', `regex file [${regexFile}] doesn't exist (has to exist at node startup)`);
  const names = config.stringList('properties', false);
  const properties = new Set<UserAgentProperty>(names === undefined ? userAgentProperties : []);
  for (const name of names ?? []) {
    const property = name.toLowerCase() as UserAgentProperty;
    if (!userAgentProperties.includes(property)) {
      throw config.error('properties', `illegal property value [${name}]. valid values are [${userAgentProperties.map((known) => known.toUpperCase()).join(', ')}]`);
    }
    properties.add(property);
  }
  if (config.boolean('extract_device_type', false)) {
    throw config.error('extract_device_type', 'Strait does not extract the device type: it needs device type rules that the uap-core data does not include');
  }
  const ignoreMissing = config.boolean('ignore_missing', false);
  // `ecs` (7.x pipelines, Beats modules) chose the output shape; Elasticsearch 8 removes it
  // unread with a deprecation warning, its output always being the ECS one written here.
  config.optional('ecs');
  return (document) => {
    const value = ignoreMissing ? document.getOptional(field) : document.get(field);
    if (value === undefined || value === null) {
      if (ignoreMissing) return;
      throw errors.illegalArgument(`field [${field}] is null, cannot parse user-agent.`);
    }
    if (typeof value !== 'string') throw castError(field, value, 'java.lang.String');
    document.set(targetField, userAgentObject(value, bundledUserAgentParser().parse(value), properties));
  };
};
