/**
 * Character filters (pure): the two Elasticsearch allows in a normalizer
 * (NormalizingCharFilterFactory): `mapping` and `pattern_replace`. A definition is plain JSON, so a
 * field mapping carrying a normalizer can travel to a worker or a remote cluster; `compileCharFilter`
 * turns it into a function once.
 *
 * References: analysis-mapping-charfilter.html, analysis-pattern-replace-charfilter.html,
 * Lucene's MappingCharFilter (longest match at each position, output not scanned again) and
 * PatternReplaceCharFilter (Java's Matcher.replaceAll over the whole input).
 */
import { errors } from '../../common/index.js';

export type CharFilterDefinition =
  | { readonly name: string; readonly type: 'mapping'; readonly mappings: readonly (readonly [string, string])[] }
  | { readonly name: string; readonly type: 'pattern_replace'; readonly pattern: string; readonly flags: string; readonly replacement: string };

// ---------------------------------------------------------------- mapping

/** A rule `source => target` (MappingCharFilterFactory's pattern: the last `=>` separates). */
const rulePattern = /(.*)\s*=>\s*(.*)\s*$/;

/** MappingCharFilterFactory's escapes: `\\ \n \t \r \b \f \uXXXX`; any other `\x` is x. */
function unescapeRule(text: string): string {
  let out = '';
  for (let position = 0; position < text.length; position++) {
    let character = text[position]!;
    if (character === '\\') {
      if (position + 1 >= text.length) throw errors.illegalArgument(`Invalid escaped char in [${text}]`);
      character = text[++position]!;
      const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
      if (character === 'u') {
        const hex = text.slice(position + 1, position + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw errors.illegalArgument(`Invalid escaped char in [${text}]`);
        character = String.fromCharCode(Number.parseInt(hex, 16));
        position += 4;
      } else {
        character = escapes[character] ?? character;
      }
    }
    out += character;
  }
  return out;
}

/** The `mappings` rules as pairs; Elasticsearch's and Lucene's errors for a bad rule. */
export function parseMappingRules(rules: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    const match = rulePattern.exec(rule);
    if (match === null) throw errors.illegalArgument(`Invalid Mapping Rule : [${rule}]`);
    const source = unescapeRule(match[1]!.trim());
    const target = unescapeRule(match[2]!.trim());
    // Lucene's NormalizeCharMap.Builder refuses these two.
    if (source === '') throw errors.illegalArgument('cannot match the empty string');
    if (seen.has(source)) throw errors.illegalArgument(`match "${source}" was already added`);
    seen.add(source);
    pairs.push([source, target]);
  }
  return pairs;
}

// ---------------------------------------------------------------- pattern_replace

/** Elasticsearch's Regex.flagsFromString names, as JavaScript flags where JavaScript has them. */
const javaFlags: Readonly<Record<string, string>> = { CASE_INSENSITIVE: 'i', MULTILINE: 'm', DOTALL: 's', UNICODE_CASE: '' };
const unsupportedJavaFlags = new Set(['CANON_EQ', 'UNIX_LINES', 'LITERAL', 'COMMENTS', 'UNICODE_CHARACTER_CLASS']);

/** `flags` (`CASE_INSENSITIVE|DOTALL`) as JavaScript flags; an unknown name is Elasticsearch's error. */
export function javaRegexFlags(flags: string | undefined): string {
  let out = '';
  for (const part of (flags ?? '').split('|')) {
    const name = part.trim().toUpperCase();
    if (name === '') continue;
    const flag = javaFlags[name];
    if (flag !== undefined) {
      if (!out.includes(flag)) out += flag;
      continue;
    }
    if (unsupportedJavaFlags.has(name)) throw errors.illegalArgument(`regex flag [${name}] is not supported by Strait (CASE_INSENSITIVE, MULTILINE, DOTALL and UNICODE_CASE are)`);
    throw errors.illegalArgument(`Unknown regex flag [${name}]`);
  }
  return out;
}

/** Java constructs that JavaScript would read as something else without a syntax error. */
const javaOnlyEscapes = /\\[AZzGQEhHRXK]/;

/**
 * A Java pattern as a JavaScript RegExp (global: replaceAll). `\p{..}` classes need JavaScript's
 * unicode mode; Java-only escapes and syntax JavaScript refuses are 400s, never silently different.
 */
export function compileJavaRegex(pattern: string, flags: string): RegExp {
  const javaOnly = javaOnlyEscapes.exec(pattern.replace(/\\\\/g, ''));
  if (javaOnly !== null) throw errors.illegalArgument(`Invalid regex pattern [${pattern}]: [${javaOnly[0]}] is not supported by Strait`);
  const unicode = /\\[pP]\{/.test(pattern) ? 'u' : '';
  try {
    return new RegExp(pattern, `${flags}${unicode}g`);
  } catch (error) {
    throw errors.illegalArgument(`Invalid regex pattern [${pattern}]: ${error instanceof Error ? error.message : String(error)}`);
  }
}

type ReplacementPart = string | number | { readonly name: string };

/** The number of capturing groups a RegExp has. */
function groupCount(regex: RegExp): number {
  return new RegExp(`${regex.source}|`, regex.flags.replace('g', '')).exec('')!.length - 1;
}

/**
 * Java's Matcher.appendReplacement syntax: `$n` (the longest group number that exists), `${name}`,
 * `\x` for a literal x. A reference to a group the pattern does not have is refused when the
 * filter is defined (Java fails at the first match instead).
 */
function parseJavaReplacement(replacement: string, regex: RegExp): readonly ReplacementPart[] {
  const groups = groupCount(regex);
  const parts: ReplacementPart[] = [];
  let literal = '';
  for (let position = 0; position < replacement.length; position++) {
    const character = replacement[position]!;
    if (character === '\\') {
      if (position + 1 >= replacement.length) throw errors.illegalArgument('character to be escaped is missing');
      literal += replacement[++position];
    } else if (character === '$') {
      if (position + 1 >= replacement.length) throw errors.illegalArgument('Illegal group reference: group index is missing');
      if (replacement[position + 1] === '{') {
        const end = replacement.indexOf('}', position);
        const name = end < 0 ? '' : replacement.slice(position + 2, end);
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw errors.illegalArgument('named capturing group is missing trailing \'}\'');
        if (!new RegExp(`\\(\\?<${name}>`).test(regex.source)) throw errors.illegalArgument(`No group with name {${name}}`);
        if (literal !== '') parts.push(literal), (literal = '');
        parts.push({ name });
        position = end;
        continue;
      }
      const first = replacement.charCodeAt(position + 1) - 48;
      if (first < 0 || first > 9) throw errors.illegalArgument('Illegal group reference');
      let group = first;
      position++;
      while (position + 1 < replacement.length) {
        const digit = replacement.charCodeAt(position + 1) - 48;
        if (digit < 0 || digit > 9 || group * 10 + digit > groups) break;
        group = group * 10 + digit;
        position++;
      }
      if (group > groups) throw errors.illegalArgument(`No group ${group}`);
      if (literal !== '') parts.push(literal), (literal = '');
      parts.push(group);
    } else {
      literal += character;
    }
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

/**
 * Java's Matcher.replaceAll (or replaceFirst, `all` false: the pattern_replace token filter's
 * option) as a function. Throws 400 for a bad pattern or replacement.
 */
export function compilePatternReplace(pattern: string, flags: string, replacement: string, all = true): (text: string) => string {
  const global = compileJavaRegex(pattern, flags);
  const regex = all ? global : new RegExp(global.source, global.flags.replace('g', ''));
  const replacer = javaReplacer(parseJavaReplacement(replacement, global));
  return (text) => text.replace(regex, replacer);
}

/** A String.replace callback producing a parsed Java replacement. */
function javaReplacer(parts: readonly ReplacementPart[]): (...args: unknown[]) => string {
  return (...args: unknown[]) => {
    const named = typeof args[args.length - 1] === 'object' ? (args[args.length - 1] as Record<string, string | undefined>) : {};
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else if (typeof part === 'number') out += (args[part] as string | undefined) ?? '';
      else out += named[part.name] ?? '';
    }
    return out;
  };
}

/** A replaced stretch of a char filter's input: where it was and where its replacement is. */
export interface OffsetCorrection {
  readonly outputStart: number;
  readonly outputEnd: number;
  readonly inputStart: number;
  readonly inputEnd: number;
}

/** A char filter's output with the replaced stretches, so token offsets can point into the input (Lucene's correctOffset). */
export interface FilteredText {
  readonly text: string;
  readonly corrections: readonly OffsetCorrection[];
}

/** As compileCharFilter, reporting where each replacement was made. */
export function compileCharFilterWithOffsets(definition: CharFilterDefinition): (text: string) => FilteredText {
  if (definition.type === 'mapping') {
    const targets = new Map<string, string>(definition.mappings.map(([source, target]) => [source, target]));
    const lengths = [...new Set(definition.mappings.map(([source]) => source.length))].sort((a, b) => b - a);
    return (text) => {
      let out = '';
      const corrections: OffsetCorrection[] = [];
      let position = 0;
      while (position < text.length) {
        let matched = false;
        for (const length of lengths) {
          if (position + length > text.length) continue;
          const target = targets.get(text.slice(position, position + length));
          if (target === undefined) continue;
          corrections.push({ outputStart: out.length, outputEnd: out.length + target.length, inputStart: position, inputEnd: position + length });
          out += target;
          position += length;
          matched = true;
          break;
        }
        if (!matched) out += text[position++];
      }
      return { text: out, corrections };
    };
  }
  const regex = compileJavaRegex(definition.pattern, definition.flags);
  const replacer = javaReplacer(parseJavaReplacement(definition.replacement, regex));
  return (text) => {
    const corrections: OffsetCorrection[] = [];
    let shift = 0;
    const out = text.replace(regex, (...args: unknown[]) => {
      const matched = args[0] as string;
      const offset = args.find((arg, index) => index > 0 && typeof arg === 'number') as number;
      const replaced = replacer(...args);
      corrections.push({ outputStart: offset + shift, outputEnd: offset + shift + replaced.length, inputStart: offset, inputEnd: offset + matched.length });
      shift += replaced.length - matched.length;
      return replaced;
    });
    return { text: out, corrections };
  };
}

/** The function a definition stands for. Throws 400 for a bad one (definitions are checked when parsed). */
export function compileCharFilter(definition: CharFilterDefinition): (text: string) => string {
  if (definition.type === 'mapping') {
    const filtered = compileCharFilterWithOffsets(definition);
    return (text) => filtered(text).text;
  }
  return compilePatternReplace(definition.pattern, definition.flags, definition.replacement);
}
