/**
 * Keyword normalizers (pure): Elasticsearch's `analysis.normalizer` chains, which turn a whole
 * keyword value into one normalized token, applied when a keyword is indexed and to the values of
 * term-level and match queries on the field.
 *
 * A normalizer here is a plain JSON definition (`NormalizerDefinition`), so a field mapping that
 * carries one can be copied to a worker or a remote cluster; `normalizeKeyword` compiles it once
 * per definition object.
 *
 * Supported: the built-in `lowercase` normalizer, and `type: custom` normalizers whose `filter`
 * list names the per-character filters Strait implements (`lowercase`, `uppercase`,
 * `asciifolding`, `trim`), built-in or defined under `analysis.filter` with only `type`, after
 * the `char_filter` list: the `mapping` and `pattern_replace` character filters defined under
 * `analysis.char_filter` (char-filters.ts), the two Elasticsearch allows in a normalizer.
 * Elasticsearch refuses filters that do not work per character (`stop`, stemmers, ...) in a
 * normalizer with "Custom normalizer [n] may not use filter [f]", and character filters that are
 * not normalizing (`html_strip`) with "may not use char filter [c]"; Strait does the same.
 * Elasticsearch's other normalizing filters (`cjk_width`, `elision`, the language
 * normalizations, ...) are refused with a 400 naming them, never ignored.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/analysis-normalizers.html
 */
import { assert, errors } from '../../common/index.js';
import { settingList } from '../setting-lists.js';
import { compileCharFilter, compilePatternReplace, javaRegexFlags, parseMappingRules, type CharFilterDefinition } from './char-filters.js';

/** One filter of a normalizer chain, by the Lucene filter it stands for. */
export type NormalizerFilterKind = 'lowercase' | 'uppercase' | 'asciifolding' | 'trim' | 'pattern_replace';

/** A `pattern_replace` token filter's options (PatternReplaceTokenFilterFactory). */
export interface PatternReplaceFilterOptions {
  readonly pattern: string;
  /** JavaScript flags, from Elasticsearch's `flags` names. */
  readonly flags: string;
  readonly replacement: string;
  /** Every match (true, the default) or the first one only. */
  readonly all: boolean;
}

export interface NormalizerDefinition {
  readonly name: string;
  readonly filters: readonly NormalizerFilterKind[];
  /** Applied, in order, before `filters`; absent when there are none. */
  readonly charFilters?: readonly CharFilterDefinition[];
  /** Beside `filters`, index for index: the options of each `pattern_replace` (null for the others); absent when none. */
  readonly filterOptions?: readonly (PatternReplaceFilterOptions | null)[];
}

type Settings = Readonly<Record<string, string>>;

/** Elasticsearch's built-in `lowercase` normalizer (a LowerCaseFilter over the keyword tokenizer). */
const lowercaseNormalizer: NormalizerDefinition = Object.freeze({ name: 'lowercase', filters: Object.freeze(['lowercase'] as const) });

const implementedFilters: ReadonlySet<string> = new Set<NormalizerFilterKind>(['lowercase', 'uppercase', 'asciifolding', 'trim']);

/** Parameters of the configurable filter Strait implements in a normalizer. */
const patternReplaceParameters: ReadonlySet<string> = new Set(['type', 'pattern', 'replacement', 'flags', 'all']);

/** Filters Elasticsearch allows in a normalizer (NormalizingTokenFilterFactory) that Strait does not implement. */
const unimplementedNormalizingFilters: ReadonlySet<string> = new Set([
  'arabic_normalization', 'bengali_normalization', 'cjk_width', 'decimal_digit', 'elision', 'german_normalization',
  'hindi_normalization', 'indic_normalization', 'persian_normalization', 'scandinavian_folding',
  'scandinavian_normalization', 'serbian_normalization', 'sorani_normalization', 'apostrophe', 'classic', 'icu_folding',
  'icu_normalizer', 'icu_transform', 'irish_lowercase', 'greek_lowercase', 'turkish_lowercase',
]);

/** Built-in token filters that exist in Elasticsearch but do not work per character: refused in a normalizer. */
const tokenizingFilters: ReadonlySet<string> = new Set([
  'stop', 'stemmer', 'porter_stem', 'kstem', 'snowball', 'shingle', 'ngram', 'edge_ngram', 'word_delimiter',
  'word_delimiter_graph', 'synonym', 'synonym_graph', 'unique', 'length', 'truncate', 'reverse', 'keyword_marker',
  'common_grams', 'limit', 'min_hash', 'fingerprint', 'hunspell', 'dictionary_decompounder',
  'hyphenation_decompounder', 'keep', 'keep_types', 'multiplexer', 'condition', 'predicate_token_filter',
  'remove_duplicates', 'delimited_payload', 'flatten_graph', 'stemmer_override', 'phonetic',
]);

const normalizerPrefix = 'index.analysis.normalizer.';

/** A custom `pattern_replace` filter's options, checked as PatternReplaceTokenFilterFactory checks them. */
function patternReplaceOptions(filterName: string, customPrefix: string, settings: Settings): PatternReplaceFilterOptions {
  const pattern = settings[`${customPrefix}pattern`];
  if (pattern === undefined || pattern === '') throw errors.illegalArgument(`pattern is missing for [${filterName}] token filter of type 'pattern_replace'`);
  const flags = javaRegexFlags(settings[`${customPrefix}flags`]);
  const replacement = settings[`${customPrefix}replacement`] ?? '';
  const allText = settings[`${customPrefix}all`] ?? 'true';
  if (allText !== 'true' && allText !== 'false') throw errors.illegalArgument(`Failed to parse value [${allText}] as only [true] or [false] are allowed.`);
  compilePatternReplace(pattern, flags, replacement);
  return Object.freeze({ pattern, flags, replacement, all: allText === 'true' });
}

/** The filter kind a name in a normalizer's `filter` list stands for (with its options), or the error Elasticsearch gives. */
function resolveFilter(normalizer: string, filterName: string, settings: Settings): { kind: NormalizerFilterKind; options: PatternReplaceFilterOptions | null } {
  const customPrefix = `index.analysis.filter.${filterName}.`;
  const customKeys = Object.keys(settings).filter((key) => key.startsWith(customPrefix));
  let type = filterName;
  if (customKeys.length > 0) {
    type = settings[`${customPrefix}type`] ?? '';
    const allowed = type === 'pattern_replace' ? patternReplaceParameters : new Set(['type']);
    const extra = customKeys.map((key) => key.slice(customPrefix.length)).filter((key) => !allowed.has(key));
    if (type === 'pattern_replace' && extra.length === 0) return { kind: 'pattern_replace', options: patternReplaceOptions(filterName, customPrefix, settings) };
    if (extra.length > 0) {
      throw errors.illegalArgument(`Custom normalizer [${normalizer}] uses filter [${filterName}] with [${extra.join(', ')}], which Strait does not support in a normalizer`);
    }
  }
  if (implementedFilters.has(type)) return { kind: type as NormalizerFilterKind, options: null };
  if (tokenizingFilters.has(type)) throw errors.illegalArgument(`Custom normalizer [${normalizer}] may not use filter [${filterName}]`);
  if (unimplementedNormalizingFilters.has(type)) {
    throw errors.illegalArgument(`Custom normalizer [${normalizer}] uses filter [${filterName}] of type [${type}], which Strait does not implement (lowercase, uppercase, asciifolding, trim and pattern_replace are)`);
  }
  throw errors.illegalArgument(`Custom normalizer [${normalizer}] failed to find filter under name [${filterName}]`);
}

/** Character filters Elasticsearch has that are not normalizing (refused in a normalizer by name). */
const tokenizingCharFilters: ReadonlySet<string> = new Set(['html_strip', 'icu_normalizer', 'kuromoji_iteration_mark']);

/** The parameters each normalizing char filter type takes. */
const charFilterParameters: Readonly<Record<string, ReadonlySet<string>>> = {
  mapping: new Set(['type', 'mappings', 'mappings_path']),
  pattern_replace: new Set(['type', 'pattern', 'replacement', 'flags']),
};

/** A name in a normalizer's `char_filter` list, resolved as Elasticsearch's CustomNormalizerProvider does. */
function resolveCharFilter(normalizer: string, charFilterName: string, settings: Settings): CharFilterDefinition {
  const prefix = `index.analysis.char_filter.${charFilterName}.`;
  const parameters = new Map<string, string>();
  for (const key of Object.keys(settings)) if (key.startsWith(prefix)) parameters.set(key.slice(prefix.length).replace(/\.\d+$/, ''), settings[key]!);
  if (parameters.size === 0) {
    if (tokenizingCharFilters.has(charFilterName)) throw errors.illegalArgument(`Custom normalizer [${normalizer}] may not use char filter [${charFilterName}]`);
    throw errors.illegalArgument(`Custom normalizer [${normalizer}] failed to find char_filter under name [${charFilterName}]`);
  }
  const type = parameters.get('type');
  if (type === undefined) throw errors.illegalArgument(`char_filter [${charFilterName}] must specify either an analyzer type, or a tokenizer`);
  const known = charFilterParameters[type];
  if (known === undefined) {
    if (tokenizingCharFilters.has(type)) throw errors.illegalArgument(`Custom normalizer [${normalizer}] may not use char filter [${charFilterName}]`);
    throw errors.illegalArgument(`Unknown char_filter type [${type}] for [${charFilterName}]`);
  }
  const extra = [...parameters.keys()].filter((parameter) => !known.has(parameter));
  if (extra.length > 0) throw errors.illegalArgument(`char_filter [${charFilterName}] of type [${type}] has [${extra.join(', ')}], which Strait does not support`);
  if (type === 'mapping') {
    if (parameters.has('mappings_path')) throw errors.illegalArgument(`char_filter [${charFilterName}]: [mappings_path] is not supported by Strait (it reads no files from the config directory); give the rules in [mappings]`);
    const rules = parameters.get('mappings');
    if (rules === undefined) throw errors.illegalArgument('mapping requires either `mappings` or `mappings_path` to be configured');
    return Object.freeze({ name: charFilterName, type, mappings: Object.freeze(parseMappingRules(settingList(rules))) });
  }
  const pattern = parameters.get('pattern');
  if (pattern === undefined || pattern === '') throw errors.illegalArgument(`pattern is missing for [${charFilterName}] char filter of type 'pattern_replace'`);
  const flags = javaRegexFlags(parameters.get('flags'));
  const replacement = parameters.get('replacement') ?? '';
  // Checked now (400 when the index is created), as for the token filter above.
  compilePatternReplace(pattern, flags, replacement);
  return Object.freeze({ name: charFilterName, type: 'pattern_replace', pattern, flags, replacement });
}

/** Parses one `index.analysis.normalizer.<name>` group; throws Elasticsearch's 400 for a bad one. */
function parseNormalizer(name: string, settings: Settings): NormalizerDefinition {
  const prefix = `${normalizerPrefix}${name}.`;
  const filters: NormalizerFilterKind[] = [];
  const filterOptions: (PatternReplaceFilterOptions | null)[] = [];
  const charFilters: CharFilterDefinition[] = [];
  for (const key of Object.keys(settings)) {
    if (!key.startsWith(prefix)) continue;
    const parameter = key.slice(prefix.length).replace(/\.\d+$/, '');
    if (parameter === 'type') continue;
    if (parameter === 'filter') {
      for (const filterName of settingList(settings[key])) {
        const { kind, options } = resolveFilter(name, filterName, settings);
        filters.push(kind);
        filterOptions.push(options);
      }
      continue;
    }
    if (parameter === 'char_filter') {
      for (const charFilterName of settingList(settings[key])) charFilters.push(resolveCharFilter(name, charFilterName, settings));
      continue;
    }
    if (parameter === 'tokenizer') throw errors.illegalArgument(`Custom normalizer [${name}] cannot configure a tokenizer`);
    throw errors.illegalArgument(`Custom normalizer [${name}] has parameter [${parameter}], which Strait does not support (type, filter, char_filter)`);
  }
  const type = settings[`${prefix}type`];
  if (type !== undefined && type !== 'custom') throw errors.illegalArgument(`Unknown normalizer type [${type}] for [${name}]`);
  return Object.freeze({
    name,
    filters: Object.freeze(filters),
    ...(charFilters.length === 0 ? {} : { charFilters: Object.freeze(charFilters) }),
    ...(filterOptions.every((options) => options === null) ? {} : { filterOptions: Object.freeze(filterOptions) }),
  });
}

const cache = new WeakMap<object, ReadonlyMap<string, NormalizerDefinition>>();

/**
 * The normalizers an index defines in its settings, plus the built-in `lowercase` (an index
 * normalizer of that name wins, as in Elasticsearch). Throws 400 illegal_argument_exception for a
 * definition Elasticsearch or Strait refuses. Cached per settings object.
 */
export function normalizersOf(settings: Settings): ReadonlyMap<string, NormalizerDefinition> {
  const cached = cache.get(settings);
  if (cached !== undefined) return cached;
  const result = new Map<string, NormalizerDefinition>([['lowercase', lowercaseNormalizer]]);
  const names = new Set<string>();
  for (const key of Object.keys(settings)) {
    if (!key.startsWith(normalizerPrefix)) continue;
    const rest = key.slice(normalizerPrefix.length);
    const dot = rest.indexOf('.');
    names.add(dot < 0 ? rest : rest.slice(0, dot));
  }
  for (const name of names) result.set(name, parseNormalizer(name, settings));
  cache.set(settings, result);
  return result;
}

/**
 * As `normalizersOf`, but an invalid definition leaves that normalizer out instead of throwing:
 * for metadata already stored (validated when it was written), so that reading it never fails.
 */
export function storedNormalizersOf(settings: Settings): ReadonlyMap<string, NormalizerDefinition> {
  try {
    return normalizersOf(settings);
  } catch {
    return new Map([['lowercase', lowercaseNormalizer]]);
  }
}

// Java's Character.isWhitespace: Unicode space separators except the no-break spaces, plus the
// ASCII controls \t \n \v \f \r and the information separators U+001C..U+001F (Lucene's TrimFilter).
const javaWhitespace = '[\\t\\n\\u000B\\f\\r\\u001C-\\u001F \\u1680\\u2000-\\u2006\\u2008-\\u200A\\u2028\\u2029\\u205F\\u3000]';
const trimPattern = new RegExp(`^${javaWhitespace}+|${javaWhitespace}+$`, 'gu');

/** LowerCaseFilter: Java's per-code-point simple case mapping. */
export function lowercase(value: string): string {
  const lower = value.toLowerCase();
  if (lower.length === value.length) return lower;
  // A full mapping that changed the length (U+0130 → "i̇"): map per code point, keeping the first
  // code point as Java's simple mapping does.
  let out = '';
  for (const ch of value) out += String.fromCodePoint(ch.toLowerCase().codePointAt(0)!);
  return out;
}

/** UpperCaseFilter: Java's per-code-point simple case mapping (ß stays ß, not "SS"). */
export function uppercase(value: string): string {
  const upper = value.toUpperCase();
  if (upper.length === value.length) return upper;
  let out = '';
  for (const ch of value) {
    const mapped = ch.toUpperCase();
    out += [...mapped].length === 1 ? mapped : ch;
  }
  return out;
}

/** Letters ASCIIFoldingFilter folds that have no canonical decomposition. */
const foldings: Readonly<Record<string, string>> = {
  'ß': 'ss', 'æ': 'ae', 'Æ': 'AE', 'ø': 'o', 'Ø': 'O', 'œ': 'oe', 'Œ': 'OE', 'đ': 'd', 'Đ': 'D', 'ł': 'l', 'Ł': 'L',
  'þ': 'th', 'Þ': 'TH', 'ð': 'd', 'Ð': 'D', 'ı': 'i', 'ħ': 'h', 'Ħ': 'H', 'ŧ': 't', 'Ŧ': 'T', 'ŀ': 'l', 'Ŀ': 'L',
  'ĸ': 'q', 'ŋ': 'n', 'Ŋ': 'N', 'ﬀ': 'ff', 'ﬁ': 'fi', 'ﬂ': 'fl', 'ﬃ': 'ffi', 'ﬄ': 'ffl', 'ﬆ': 'st',
  '\u2018': "'", '\u2019': "'", '\u201C': '"', '\u201D': '"', '\u2013': '-', '\u2014': '-',
};

/**
 * ASCIIFoldingFilter: a letter whose canonical decomposition is an ASCII letter plus combining
 * marks becomes that letter (é → e), the table above covers the common letters without one;
 * anything else is kept.
 */
export function asciifolding(value: string): string {
  let ascii = true;
  for (let index = 0; index < value.length; index++) if (value.charCodeAt(index) >= 0x80) (ascii = false), (index = value.length);
  if (ascii) return value;
  let out = '';
  for (const ch of value) {
    if (ch.charCodeAt(0) < 0x80) {
      out += ch;
      continue;
    }
    const folded = foldings[ch];
    if (folded !== undefined) {
      out += folded;
      continue;
    }
    const decomposed = ch.normalize('NFD');
    out += decomposed.length > 1 && decomposed.charCodeAt(0) < 0x80 && /^\p{M}+$/u.test(decomposed.slice(1)) ? decomposed[0]! : ch;
  }
  return out;
}

export function trim(value: string): string {
  return value.replace(trimPattern, '');
}

const filterFunctions: Readonly<Record<Exclude<NormalizerFilterKind, 'pattern_replace'>, (value: string) => string>> = { lowercase, uppercase, asciifolding, trim };

function filterFunction(kind: NormalizerFilterKind, options: PatternReplaceFilterOptions | null | undefined): (value: string) => string {
  if (kind !== 'pattern_replace') return filterFunctions[kind];
  assert(options !== null && options !== undefined, 'a pattern_replace filter carries its options');
  return compilePatternReplace(options.pattern, options.flags, options.replacement, options.all);
}

const compiled = new WeakMap<NormalizerDefinition, (value: string) => string>();

function compile(definition: NormalizerDefinition): (value: string) => string {
  const steps = [...(definition.charFilters ?? []).map(compileCharFilter), ...definition.filters.map((kind, index) => filterFunction(kind, definition.filterOptions?.[index]))];
  if (steps.length === 1) return steps[0]!;
  return (value) => {
    let result = value;
    for (const step of steps) result = step(result);
    return result;
  };
}

/** A keyword value as `definition` normalizes it (one token: the whole value). */
export function normalizeKeyword(definition: NormalizerDefinition, value: string): string {
  let run = compiled.get(definition);
  if (run === undefined) {
    run = compile(definition);
    compiled.set(definition, run);
  }
  return run(value);
}

/**
 * A wildcard pattern normalized as Elasticsearch does for a keyword field with a normalizer: the
 * literal runs between `*`, `?` and escaped characters are normalized, the wildcards and escapes
 * are kept.
 */
export function normalizeWildcardPattern(definition: NormalizerDefinition, pattern: string): string {
  let out = '';
  let literal = '';
  const flush = (): void => {
    if (literal !== '') out += normalizeKeyword(definition, literal);
    literal = '';
  };
  for (let index = 0; index < pattern.length; index++) {
    const ch = pattern[index]!;
    if (ch === '*' || ch === '?') {
      flush();
      out += ch;
    } else if (ch === '\\' && index + 1 < pattern.length) {
      flush();
      out += ch + pattern[index + 1]!;
      index++;
    } else literal += ch;
  }
  flush();
  return out;
}
