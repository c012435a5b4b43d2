/**
 * Index analyzers (pure): Elasticsearch's `index.analysis.analyzer.<name>` definitions, built from
 * the `analysis.tokenizer`, `analysis.filter` and `analysis.char_filter` components of the index
 * and the built-in ones, as Elasticsearch's AnalysisRegistry builds them.
 *
 * A definition is plain JSON (`AnalyzerDefinition`), so a field mapping carrying one can be copied
 * to a search worker or another node; `compileAnalyzer` turns it into an `Analyzer` once.
 *
 * What Strait does not implement is refused when the index is created (400
 * illegal_argument_exception), with Elasticsearch's reason where Elasticsearch refuses it too
 * ("Custom Analyzer [a] failed to find tokenizer under name [t]", "Unknown filter type [x] for
 * [f]", the `index.max_ngram_diff` check) and a reason naming what Strait lacks otherwise: an
 * analysis setting is honoured or refused, never accepted and ignored.
 *
 * The built-in analyzers (analyzers.ts) stay as they are, with their fast paths; an index analyzer
 * runs the general chain below: char filters (with offset correction), a tokenizer, token filters
 * (each token carrying its position increment and keyword mark, as Lucene's attributes).
 *
 * References: analysis-custom-analyzer.html, analysis-tokenizers.html, analysis-tokenfilters.html,
 * analysis-charfilters.html (Elasticsearch reference).
 */
import { errors } from '../../common/index.js';
import { decodeSettingList, settingList } from '../setting-lists.js';
import { englishStopWords, removePossessive, standardTokenize, stemCached, type Analyzer, type Tokens } from './analyzers.js';
import { compileCharFilterWithOffsets, compileJavaRegex, compilePatternReplace, javaRegexFlags, parseMappingRules, type CharFilterDefinition, type OffsetCorrection } from './char-filters.js';
import { asciifolding, lowercase, trim, uppercase, type PatternReplaceFilterOptions } from './normalizers.js';

// ---------------------------------------------------------------- definitions (plain JSON)

export type TokenizerDefinition =
  | { readonly type: 'standard' | 'whitespace' | 'letter' | 'lowercase'; readonly maxTokenLength: number }
  | { readonly type: 'keyword' }
  | { readonly type: 'pattern'; readonly pattern: string; readonly flags: string; readonly group: number }
  | { readonly type: 'ngram' | 'edge_ngram'; readonly minGram: number; readonly maxGram: number; readonly tokenChars: readonly string[]; readonly customTokenChars: string }
  | { readonly type: 'char_group'; readonly tokenizeOnChars: readonly string[]; readonly maxTokenLength: number };

export type TokenFilterDefinition =
  | { readonly type: 'lowercase' | 'uppercase' | 'trim' | 'reverse' | 'porter_stem' | 'possessive_english' | 'minimal_english' }
  | { readonly type: 'asciifolding'; readonly preserveOriginal: boolean }
  | { readonly type: 'stop'; readonly stopwords: readonly string[]; readonly ignoreCase: boolean; readonly removeTrailing: boolean }
  | { readonly type: 'keyword_marker'; readonly keywords: readonly string[]; readonly ignoreCase: boolean }
  | { readonly type: 'length'; readonly min: number; readonly max: number }
  | { readonly type: 'truncate'; readonly length: number }
  | { readonly type: 'unique'; readonly onlyOnSamePosition: boolean }
  | { readonly type: 'ngram' | 'edge_ngram'; readonly minGram: number; readonly maxGram: number; readonly preserveOriginal: boolean }
  | { readonly type: 'pattern_replace'; readonly options: PatternReplaceFilterOptions }
  | { readonly type: 'elision'; readonly articles: readonly string[]; readonly ignoreCase: boolean }
  | { readonly type: 'synonym'; readonly rules: readonly string[]; readonly expand: boolean; readonly lenient: boolean }
  /** A synonym filter once its rules went through the chain before it (resolveSynonyms): term → replacements. */
  | { readonly type: 'synonym_map'; readonly map: Readonly<Record<string, readonly string[]>> }
  | {
      readonly type: 'shingle';
      readonly minShingleSize: number;
      readonly maxShingleSize: number;
      readonly outputUnigrams: boolean;
      readonly outputUnigramsIfNoShingles: boolean;
      readonly tokenSeparator: string;
      readonly fillerToken: string;
    };

export interface AnalyzerDefinition {
  readonly name: string;
  /** `type: custom` (explain lists its stages), or a configured built-in type (explain shows the analyzer). */
  readonly custom: boolean;
  /** The names the definition gives its tokenizer, filters and char filters (what `_analyze` explain prints). */
  readonly names: { readonly tokenizer: string; readonly filters: readonly string[]; readonly charFilters: readonly string[] };
  readonly charFilters: readonly CharFilterDefinition[];
  readonly tokenizer: TokenizerDefinition;
  readonly filters: readonly TokenFilterDefinition[];
}

type Settings = Readonly<Record<string, string>>;

// ---------------------------------------------------------------- parameters

/** One component's parameters (flat settings or an inline `_analyze` object), each read once. */
class Parameters {
  private readonly read = new Set<string>(['type']);
  constructor(
    readonly describe: string,
    readonly values: ReadonlyMap<string, string | readonly string[]>,
  ) {}

  static fromSettings(settings: Settings, prefix: string, describe: string): Parameters {
    const values = new Map<string, string | string[]>();
    for (const key of Object.keys(settings)) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const indexed = /^(.*)\.(\d+)$/.exec(rest);
      if (indexed === null) values.set(rest, settings[key]!);
      else {
        const list = values.get(indexed[1]!);
        const items = Array.isArray(list) ? (list as string[]) : [];
        items[Number(indexed[2])] = settings[key]!;
        values.set(indexed[1]!, items);
      }
    }
    return new Parameters(describe, values);
  }

  static fromObject(object: Readonly<Record<string, unknown>>, describe: string): Parameters {
    const values = new Map<string, string | string[]>();
    for (const [key, value] of Object.entries(object)) {
      if (value === null || value === undefined) continue;
      values.set(key, Array.isArray(value) ? value.map(String) : String(value));
    }
    return new Parameters(describe, values);
  }

  get size(): number {
    return this.values.size;
  }
  has(name: string): boolean {
    return this.values.has(name);
  }
  string(name: string): string | undefined {
    this.read.add(name);
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return value.join(',');
    return decodeSettingList(value)?.join(',') ?? value;
  }
  list(name: string): string[] | undefined {
    this.read.add(name);
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    return typeof value === 'string' ? settingList(value) : value.filter((item) => item !== undefined);
  }
  integer(name: string, fallback: number): number {
    const text = this.string(name);
    if (text === undefined) return fallback;
    const number = Number(text.trim());
    if (text.trim() === '' || !Number.isSafeInteger(number)) throw errors.illegalArgument(`Failed to parse value [${text}] for setting [${name}] of ${this.describe}`);
    return number;
  }
  boolean(name: string, fallback: boolean): boolean {
    const text = this.string(name);
    if (text === undefined) return fallback;
    if (text !== 'true' && text !== 'false') throw errors.illegalArgument(`Failed to parse value [${text}] as only [true] or [false] are allowed.`);
    return text === 'true';
  }
  /** Refuses what was given and never read: Strait would otherwise accept and ignore it. */
  checkAllRead(): void {
    const extra = [...this.values.keys()].filter((key) => !this.read.has(key));
    if (extra.length > 0) throw errors.illegalArgument(`${this.describe} has [${extra.join(', ')}], which Strait does not support`);
  }
}

// ---------------------------------------------------------------- stop words

const namedStopWords: Readonly<Record<string, ReadonlySet<string>>> = { _english_: englishStopWords, _none_: new Set() };

/** Elasticsearch's Analysis.parseWords: `_none_`, a named list (`_english_`) or words (a named list inside expands). */
function stopWordsOf(parameters: Parameters, name: string, fallback: string): string[] {
  if (parameters.has(`${name}_path`)) {
    parameters.string(`${name}_path`);
    throw errors.illegalArgument(`${parameters.describe}: [${name}_path] is not supported by Strait (it reads no files from the config directory); give the words in [${name}]`);
  }
  const words = parameters.list(name) ?? [fallback];
  const out: string[] = [];
  for (const word of words) {
    if (/^_\w+_$/.test(word)) {
      const named = namedStopWords[word];
      if (named === undefined) throw errors.illegalArgument(`${parameters.describe}: the stop word list [${word}] is not supported by Strait (_english_ and _none_ are, or give the words)`);
      out.push(...named);
    } else out.push(word);
  }
  return out;
}

// ---------------------------------------------------------------- components

/** Elasticsearch's built-in tokenizers that Strait does not implement (refused by name). */
const unimplementedTokenizers: ReadonlySet<string> = new Set([
  'classic', 'uax_url_email', 'path_hierarchy', 'PathHierarchy', 'simple_pattern', 'simple_pattern_split', 'thai', 'icu_tokenizer',
  'kuromoji_tokenizer', 'nori_tokenizer', 'smartcn_tokenizer', 'hmm_chinese', 'nGram', 'edgeNGram',
]);

/** Elasticsearch's built-in token filters that Strait does not implement in an analyzer (refused by name). */
const unimplementedFilters: ReadonlySet<string> = new Set([
  'word_delimiter', 'word_delimiter_graph', 'kstem', 'snowball', 'hunspell',
  'stemmer_override', 'common_grams', 'limit', 'min_hash', 'fingerprint', 'dictionary_decompounder',
  'hyphenation_decompounder', 'keep', 'keep_types', 'multiplexer', 'condition', 'predicate_token_filter', 'remove_duplicates',
  'delimited_payload', 'flatten_graph', 'phonetic', 'cjk_width', 'cjk_bigram', 'decimal_digit', 'apostrophe', 'classic',
  'arabic_normalization', 'bengali_normalization', 'german_normalization', 'hindi_normalization', 'indic_normalization',
  'persian_normalization', 'scandinavian_folding', 'scandinavian_normalization', 'serbian_normalization',
  'sorani_normalization', 'icu_folding', 'icu_normalizer', 'icu_transform', 'irish_lowercase', 'greek_lowercase',
  'turkish_lowercase', 'nGram', 'edgeNGram', 'stemmer_override', 'kuromoji_stemmer', 'porter_stem_ascii',
]);

/** Elasticsearch's char filters that Strait does not implement. */
const unimplementedCharFilters: ReadonlySet<string> = new Set(['html_strip', 'icu_normalizer', 'kuromoji_iteration_mark']);

const tokenCharClasses: ReadonlySet<string> = new Set(['letter', 'digit', 'whitespace', 'punctuation', 'symbol', 'custom']);

/** The difference Elasticsearch allows between max_gram and min_gram of an ngram tokenizer or filter. */
function checkNgramDiff(minGram: number, maxGram: number, settings: Settings): void {
  const allowed = Number(settings['index.max_ngram_diff'] ?? '1');
  if (maxGram - minGram > allowed) {
    throw errors.illegalArgument(
      `The difference between max_gram and min_gram in NGram Tokenizer must be less than or equal to: [${allowed}] but was [${maxGram - minGram}]. This limit can be set by changing the [index.max_ngram_diff] index level setting.`,
    );
  }
}

/** `min_gram` and `max_gram` of an ngram or edge_ngram tokenizer or filter, checked (an ngram's spread against `index.max_ngram_diff`). */
function gramRange(type: string, parameters: Parameters, settings: Settings): { minGram: number; maxGram: number } {
  const minGram = parameters.integer('min_gram', 1);
  const maxGram = parameters.integer('max_gram', 2);
  if (minGram < 1) throw errors.illegalArgument(`${parameters.describe}: minGram must be greater than zero`);
  if (minGram > maxGram) throw errors.illegalArgument(`${parameters.describe}: minGram must not be greater than maxGram`);
  if (type === 'ngram') checkNgramDiff(minGram, maxGram, settings);
  return { minGram, maxGram };
}

function tokenizerOf(type: string, parameters: Parameters, settings: Settings): TokenizerDefinition {
  let definition: TokenizerDefinition;
  switch (type) {
    case 'standard':
    case 'whitespace':
    case 'letter':
    case 'lowercase': {
      const maxTokenLength = type === 'letter' || type === 'lowercase' ? 255 : parameters.integer('max_token_length', 255);
      if (maxTokenLength < 1 || maxTokenLength > 1024 * 1024) throw errors.illegalArgument(`maxTokenLength must be greater than 0 and less than 1048576 passed: ${maxTokenLength}`);
      definition = { type, maxTokenLength };
      break;
    }
    case 'keyword': {
      const bufferSize = parameters.integer('buffer_size', 256);
      if (bufferSize < 1) throw errors.illegalArgument(`bufferSize must be > 0`);
      definition = { type };
      break;
    }
    case 'pattern': {
      const pattern = parameters.string('pattern') ?? '\\W+';
      const flags = javaRegexFlags(parameters.string('flags'));
      compileJavaRegex(pattern, flags);
      definition = { type, pattern, flags, group: parameters.integer('group', -1) };
      break;
    }
    case 'ngram':
    case 'edge_ngram': {
      const { minGram, maxGram } = gramRange(type, parameters, settings);
      const tokenChars = parameters.list('token_chars') ?? [];
      for (const name of tokenChars) if (!tokenCharClasses.has(name)) throw errors.illegalArgument(`Unknown token type: '${name}', must be one of [${[...tokenCharClasses].join(', ')}]`);
      const customTokenChars = parameters.string('custom_token_chars') ?? '';
      if (tokenChars.includes('custom') && customTokenChars === '') throw errors.illegalArgument('Token type: \'custom\' requires setting `custom_token_chars`');
      definition = { type, minGram, maxGram, tokenChars, customTokenChars };
      break;
    }
    case 'char_group': {
      const tokenizeOnChars = parameters.list('tokenize_on_chars') ?? [];
      if (tokenizeOnChars.length === 0) throw errors.illegalArgument('[tokenize_on_chars] cannot be empty');
      for (const entry of tokenizeOnChars) {
        if ([...entry].length !== 1 && !charGroupClasses.has(entry) && !/^\\[nrtfu]/.test(entry)) throw errors.illegalArgument(`Invalid escaped char in [${entry}]`);
      }
      definition = { type, tokenizeOnChars: tokenizeOnChars.map(unescapeCharGroup), maxTokenLength: parameters.integer('max_token_length', 255) };
      break;
    }
    default:
      throw errors.illegalArgument(`${parameters.describe} is of type [${type}], which Strait does not implement (standard, whitespace, keyword, letter, lowercase, pattern, ngram, edge_ngram and char_group are)`);
  }
  parameters.checkAllRead();
  return Object.freeze(definition);
}

const charGroupClasses: ReadonlySet<string> = new Set(['whitespace', 'letter', 'digit', 'punctuation', 'symbol']);

function unescapeCharGroup(entry: string): string {
  if (charGroupClasses.has(entry) || !entry.startsWith('\\')) return entry;
  const escapes: Record<string, string> = { '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\f': '\f' };
  if (escapes[entry] !== undefined) return escapes[entry]!;
  if (/^\\u[0-9a-fA-F]{4}$/.test(entry)) return String.fromCharCode(Number.parseInt(entry.slice(2), 16));
  throw errors.illegalArgument(`Invalid escaped char in [${entry}]`);
}

/** The `stemmer` filter's languages Strait implements, by the filter each stands for. */
const stemmerLanguages: Readonly<Record<string, 'porter_stem' | 'possessive_english' | 'minimal_english'>> = {
  english: 'porter_stem',
  porter: 'porter_stem',
  possessive_english: 'possessive_english',
  minimal_english: 'minimal_english',
};

/** Lucene's FrenchAnalyzer.DEFAULT_ARTICLES: the `elision` filter's default articles. */
const frenchArticles = ['l', 'm', 't', 'qu', 'n', 's', 'j', 'd', 'c', 'jusqu', 'quoiqu', 'lorsqu', 'puisqu'];

function filterOf(type: string, parameters: Parameters, settings: Settings): TokenFilterDefinition {
  let definition: TokenFilterDefinition;
  switch (type) {
    case 'lowercase': {
      const language = parameters.string('language');
      if (language !== undefined) throw errors.illegalArgument(`${parameters.describe}: lowercase [language] [${language}] is not supported by Strait`);
      definition = { type };
      break;
    }
    case 'uppercase':
    case 'trim':
    case 'reverse':
    case 'porter_stem':
      definition = { type };
      break;
    case 'asciifolding':
      definition = { type, preserveOriginal: parameters.boolean('preserve_original', false) };
      break;
    case 'stop':
      definition = { type, stopwords: stopWordsOf(parameters, 'stopwords', '_english_'), ignoreCase: parameters.boolean('ignore_case', false), removeTrailing: parameters.boolean('remove_trailing', true) };
      break;
    case 'stemmer': {
      const language = parameters.string('language') ?? parameters.string('name') ?? 'english';
      const kind = stemmerLanguages[language];
      if (kind === undefined) throw errors.illegalArgument(`${parameters.describe}: stemmer language [${language}] is not supported by Strait (english, porter, possessive_english and minimal_english are)`);
      definition = { type: kind };
      break;
    }
    case 'length': {
      const min = parameters.integer('min', 0);
      const max = parameters.integer('max', 2 ** 31 - 1);
      if (min < 0) throw errors.illegalArgument('minimum length must be greater than or equal to zero');
      if (min > max) throw errors.illegalArgument('maximum length must not be greater than minimum length');
      definition = { type, min, max };
      break;
    }
    case 'truncate': {
      const length = parameters.integer('length', 10);
      if (length <= 0) throw errors.illegalArgument('length parameter must be provided');
      definition = { type, length };
      break;
    }
    case 'unique':
      definition = { type, onlyOnSamePosition: parameters.boolean('only_on_same_position', false) };
      break;
    case 'ngram':
    case 'edge_ngram': {
      const { minGram, maxGram } = gramRange(type, parameters, settings);
      if (type === 'edge_ngram') {
        const side = parameters.string('side');
        if (side !== undefined && side !== 'front') throw errors.illegalArgument(`${parameters.describe}: [side] [${side}] is not supported by Strait (only front; use a reverse filter before and after)`);
      }
      definition = { type, minGram, maxGram, preserveOriginal: parameters.boolean('preserve_original', false) };
      break;
    }
    case 'pattern_replace': {
      const pattern = parameters.string('pattern');
      if (pattern === undefined || pattern === '') throw errors.illegalArgument(`pattern is missing for [${parameters.describe}] token filter of type 'pattern_replace'`);
      const flags = javaRegexFlags(parameters.string('flags'));
      const replacement = parameters.string('replacement') ?? '';
      const all = parameters.boolean('all', true);
      compilePatternReplace(pattern, flags, replacement, all);
      definition = { type, options: Object.freeze({ pattern, flags, replacement, all }) };
      break;
    }
    case 'synonym':
    case 'synonym_graph': {
      for (const unsupported of ['synonyms_path', 'synonyms_set']) {
        if (parameters.has(unsupported)) throw errors.illegalArgument(`${parameters.describe}: [${unsupported}] is not supported by Strait; give the rules in [synonyms]`);
      }
      const format = parameters.string('format') ?? 'solr';
      if (format !== 'solr') throw errors.illegalArgument(`${parameters.describe}: synonym format [${format}] is not supported by Strait (solr is)`);
      parameters.boolean('updateable', false);
      if (parameters.string('updateable') === 'true') throw errors.illegalArgument(`${parameters.describe}: [updateable] synonyms are not supported by Strait`);
      const rules = parameters.list('synonyms');
      if (rules === undefined) throw errors.illegalArgument('synonym requires either `synonyms`, `synonyms_set` or `synonyms_path` to be configured');
      definition = { type: 'synonym', rules, expand: parameters.boolean('expand', true), lenient: parameters.boolean('lenient', false) };
      break;
    }
    case 'shingle': {
      const minShingleSize = parameters.integer('min_shingle_size', 2);
      const maxShingleSize = parameters.integer('max_shingle_size', 2);
      const outputUnigrams = parameters.boolean('output_unigrams', true);
      const allowed = Number(settings['index.max_shingle_diff'] ?? '3');
      const diff = maxShingleSize - minShingleSize + (outputUnigrams ? 1 : 0);
      if (diff > allowed) {
        throw errors.illegalArgument(
          `In Shingle TokenFilter the difference between max_shingle_size and min_shingle_size (and +1 if outputting unigrams) must be less than or equal to: [${allowed}] but was [${diff}]. This limit can be set by changing the [index.max_shingle_diff] index level setting.`,
        );
      }
      if (minShingleSize < 2) throw errors.illegalArgument('Min shingle size must be >= 2');
      if (maxShingleSize < minShingleSize) throw errors.illegalArgument('Max shingle size must be >= min shingle size');
      definition = {
        type,
        minShingleSize,
        maxShingleSize,
        outputUnigrams,
        outputUnigramsIfNoShingles: parameters.boolean('output_unigrams_if_no_shingles', false),
        tokenSeparator: parameters.string('token_separator') ?? ' ',
        fillerToken: parameters.string('filler_token') ?? '_',
      };
      break;
    }
    case 'keyword_marker': {
      for (const unsupported of ['keywords_path', 'keywords_pattern']) {
        if (parameters.has(unsupported)) throw errors.illegalArgument(`${parameters.describe}: [${unsupported}] is not supported by Strait; give the words in [keywords]`);
      }
      const keywords = parameters.list('keywords');
      if (keywords === undefined) throw errors.illegalArgument('keyword filter requires either `keywords`, `keywords_path`, or `keywords_pattern` to be configured');
      definition = { type, keywords, ignoreCase: parameters.boolean('ignore_case', false) };
      break;
    }
    case 'elision': {
      if (parameters.has('articles_path')) throw errors.illegalArgument(`${parameters.describe}: [articles_path] is not supported by Strait; give the articles in [articles]`);
      const articles = parameters.list('articles');
      const ignoreCase = parameters.boolean('articles_case', false);
      definition = articles === undefined ? { type, articles: frenchArticles, ignoreCase: true } : { type, articles, ignoreCase };
      break;
    }
    default:
      throw errors.illegalArgument(`${parameters.describe} is of type [${type}], which Strait does not implement in an analyzer`);
  }
  parameters.checkAllRead();
  return Object.freeze(definition);
}

function charFilterOf(name: string, type: string, parameters: Parameters): CharFilterDefinition {
  if (type === 'mapping') {
    if (parameters.has('mappings_path')) throw errors.illegalArgument(`char_filter [${name}]: [mappings_path] is not supported by Strait (it reads no files from the config directory); give the rules in [mappings]`);
    const rules = parameters.list('mappings');
    if (rules === undefined) throw errors.illegalArgument('mapping requires either `mappings` or `mappings_path` to be configured');
    parameters.checkAllRead();
    return Object.freeze({ name, type, mappings: Object.freeze(parseMappingRules(rules)) });
  }
  if (type === 'pattern_replace') {
    const pattern = parameters.string('pattern');
    if (pattern === undefined || pattern === '') throw errors.illegalArgument(`pattern is missing for [${name}] char filter of type 'pattern_replace'`);
    const flags = javaRegexFlags(parameters.string('flags'));
    const replacement = parameters.string('replacement') ?? '';
    compilePatternReplace(pattern, flags, replacement);
    parameters.checkAllRead();
    return Object.freeze({ name, type, pattern, flags, replacement });
  }
  if (unimplementedCharFilters.has(type)) throw errors.illegalArgument(`${parameters.describe} is of type [${type}], which Strait does not implement (mapping and pattern_replace are)`);
  throw errors.illegalArgument(`Unknown char_filter type [${type}] for [${name}]`);
}

const builtInTokenizers: ReadonlySet<string> = new Set(['standard', 'whitespace', 'keyword', 'letter', 'lowercase', 'pattern', 'ngram', 'edge_ngram']);
const builtInFilters: ReadonlySet<string> = new Set(['lowercase', 'uppercase', 'trim', 'reverse', 'porter_stem', 'asciifolding', 'stop', 'stemmer', 'length', 'truncate', 'unique', 'ngram', 'edge_ngram', 'elision', 'shingle']);

/** Every component the index defines, parsed (Elasticsearch builds them all, used or not). */
export interface Components {
  readonly tokenizers: ReadonlyMap<string, TokenizerDefinition>;
  readonly filters: ReadonlyMap<string, TokenFilterDefinition>;
  readonly charFilters: ReadonlyMap<string, CharFilterDefinition>;
}

function namesUnder(settings: Settings, prefix: string): Set<string> {
  const names = new Set<string>();
  for (const key of Object.keys(settings)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    names.add(dot < 0 ? rest : rest.slice(0, dot));
  }
  return names;
}

/** A normalizer-only filter (pattern_replace options keyed as normalizers.ts reads them) is fine here too. */
function parseComponents(settings: Settings): Components {
  const tokenizers = new Map<string, TokenizerDefinition>();
  for (const name of namesUnder(settings, 'index.analysis.tokenizer.')) {
    const parameters = Parameters.fromSettings(settings, `index.analysis.tokenizer.${name}.`, `tokenizer [${name}]`);
    const type = parameters.string('type');
    if (type === undefined) throw errors.illegalArgument(`tokenizer [${name}] must specify either an analyzer type, or a tokenizer`);
    if (!builtInTokenizers.has(type) && type !== 'char_group' && !unimplementedTokenizers.has(type)) throw errors.illegalArgument(`Unknown tokenizer type [${type}] for [${name}]`);
    tokenizers.set(name, tokenizerOf(type, parameters, settings));
  }
  const filters = new Map<string, TokenFilterDefinition>();
  for (const name of namesUnder(settings, 'index.analysis.filter.')) {
    const parameters = Parameters.fromSettings(settings, `index.analysis.filter.${name}.`, `filter [${name}]`);
    const type = parameters.string('type');
    if (type === undefined) throw errors.illegalArgument(`filter [${name}] must specify either an analyzer type, or a tokenizer`);
    if (!builtInFilters.has(type) && !['pattern_replace', 'keyword_marker', 'synonym', 'synonym_graph'].includes(type) && !unimplementedFilters.has(type)) throw errors.illegalArgument(`Unknown filter type [${type}] for [${name}]`);
    filters.set(name, filterOf(type, parameters, settings));
  }
  const charFilters = new Map<string, CharFilterDefinition>();
  for (const name of namesUnder(settings, 'index.analysis.char_filter.')) {
    const parameters = Parameters.fromSettings(settings, `index.analysis.char_filter.${name}.`, `char_filter [${name}]`);
    const type = parameters.string('type');
    if (type === undefined) throw errors.illegalArgument(`char_filter [${name}] must specify either an analyzer type, or a tokenizer`);
    charFilters.set(name, charFilterOf(name, type, parameters));
  }
  return { tokenizers, filters, charFilters };
}

function resolveTokenizer(analyzer: string, name: string, components: Components, settings: Settings): TokenizerDefinition {
  const own = components.tokenizers.get(name);
  if (own !== undefined) return own;
  if (builtInTokenizers.has(name)) return tokenizerOf(name, new Parameters(`tokenizer [${name}]`, new Map()), settings);
  if (unimplementedTokenizers.has(name)) throw errors.illegalArgument(`Custom Analyzer [${analyzer}] uses tokenizer [${name}], which Strait does not implement`);
  throw errors.illegalArgument(`Custom Analyzer [${analyzer}] failed to find tokenizer under name [${name}]`);
}

function resolveFilter(analyzer: string, name: string, components: Components, settings: Settings): TokenFilterDefinition {
  const own = components.filters.get(name);
  if (own !== undefined) return own;
  if (builtInFilters.has(name)) return filterOf(name, new Parameters(`filter [${name}]`, new Map()), settings);
  if (unimplementedFilters.has(name)) throw errors.illegalArgument(`Custom Analyzer [${analyzer}] uses filter [${name}], which Strait does not implement in an analyzer`);
  throw errors.illegalArgument(`Custom Analyzer [${analyzer}] failed to find filter under name [${name}]`);
}

function resolveCharFilter(analyzer: string, name: string, components: Components): CharFilterDefinition {
  const own = components.charFilters.get(name);
  if (own !== undefined) return own;
  if (unimplementedCharFilters.has(name)) throw errors.illegalArgument(`Custom Analyzer [${analyzer}] uses char_filter [${name}], which Strait does not implement`);
  throw errors.illegalArgument(`Custom Analyzer [${analyzer}] failed to find char_filter under name [${name}]`);
}

const lowercaseFilter: TokenFilterDefinition = Object.freeze({ type: 'lowercase' });

function stopFilter(words: readonly string[]): TokenFilterDefinition[] {
  return words.length === 0 ? [] : [Object.freeze({ type: 'stop', stopwords: words, ignoreCase: false, removeTrailing: true })];
}

/** One `index.analysis.analyzer.<name>` group as a definition; the built-in types as the chains Lucene builds for them. */
function parseAnalyzer(name: string, settings: Settings, components: Components): AnalyzerDefinition {
  const parameters = Parameters.fromSettings(settings, `index.analysis.analyzer.${name}.`, `analyzer [${name}]`);
  const tokenizerName = parameters.string('tokenizer');
  let type = parameters.string('type');
  if (type === undefined) {
    if (tokenizerName === undefined) throw errors.illegalArgument(`analyzer [${name}] must specify either an analyzer type, or a tokenizer`);
    type = 'custom';
  }
  const gap = parameters.integer('position_increment_gap', 100);
  if (gap !== 100) throw errors.illegalArgument(`analyzer [${name}]: [position_increment_gap] [${gap}] is not supported by Strait (only the default [100] is)`);
  const build = (tokenizer: TokenizerDefinition, filters: TokenFilterDefinition[], charFilters: CharFilterDefinition[] = [], names?: AnalyzerDefinition['names']): AnalyzerDefinition => {
    parameters.checkAllRead();
    return Object.freeze({
      name,
      custom: names !== undefined,
      names: names ?? { tokenizer: tokenizer.type, filters: filters.map((filter) => filter.type), charFilters: charFilters.map((charFilter) => charFilter.name) },
      charFilters: Object.freeze(charFilters),
      tokenizer,
      filters: Object.freeze(filters),
    });
  };
  if (type !== 'custom') {
    for (const component of ['tokenizer', 'filter', 'char_filter']) {
      if (parameters.has(component)) throw errors.illegalArgument(`analyzer [${name}] of type [${type}] has [${component}], which only a custom analyzer takes`);
    }
  }
  switch (type) {
    case 'custom': {
      if (tokenizerName === undefined) throw errors.illegalArgument(`Custom Analyzer [${name}] must be configured with a tokenizer`);
      const tokenizer = resolveTokenizer(name, tokenizerName, components, settings);
      const charFilterNames = parameters.list('char_filter') ?? [];
      const filterNames = parameters.list('filter') ?? [];
      const charFilters = charFilterNames.map((charFilter) => resolveCharFilter(name, charFilter, components));
      const filters = resolveSynonyms(tokenizer, charFilters, filterNames.map((filter) => resolveFilter(name, filter, components, settings)));
      return build(tokenizer, filters, charFilters, { tokenizer: tokenizerName, filters: filterNames, charFilters: charFilterNames });
    }
    case 'standard': {
      const maxTokenLength = parameters.integer('max_token_length', 255);
      return build(tokenizerOf('standard', new Parameters(`analyzer [${name}]`, new Map([['max_token_length', String(maxTokenLength)]])), settings), [lowercaseFilter, ...stopFilter(stopWordsOf(parameters, 'stopwords', '_none_'))]);
    }
    case 'simple':
      return build({ type: 'lowercase', maxTokenLength: 255 }, []);
    case 'whitespace':
      return build({ type: 'whitespace', maxTokenLength: 255 }, []);
    case 'keyword':
      return build({ type: 'keyword' }, []);
    case 'stop':
      return build({ type: 'lowercase', maxTokenLength: 255 }, stopFilter(stopWordsOf(parameters, 'stopwords', '_english_')));
    case 'english': {
      const stopwords = stopWordsOf(parameters, 'stopwords', '_english_');
      const exclusion = parameters.list('stem_exclusion') ?? [];
      return build({ type: 'standard', maxTokenLength: 255 }, [
        { type: 'possessive_english' },
        lowercaseFilter,
        ...stopFilter(stopwords),
        ...(exclusion.length === 0 ? [] : [Object.freeze({ type: 'keyword_marker' as const, keywords: exclusion, ignoreCase: false })]),
        { type: 'porter_stem' },
      ]);
    }
    case 'pattern': {
      const pattern = parameters.string('pattern') ?? '\\W+';
      const flags = javaRegexFlags(parameters.string('flags'));
      compileJavaRegex(pattern, flags);
      const lower = parameters.boolean('lowercase', true);
      const stopwords = stopWordsOf(parameters, 'stopwords', '_none_');
      return build({ type: 'pattern', pattern, flags, group: -1 }, [...(lower ? [lowercaseFilter] : []), ...stopFilter(stopwords)]);
    }
    default:
      throw errors.illegalArgument(`Unknown analyzer type [${type}] for [${name}]`);
  }
}

/** What an index's analysis settings build to, or why they do not; parsed once per settings object. */
type Parsed<T> = { readonly value: T } | { readonly error: unknown };
const componentsCache = new WeakMap<object, Parsed<Components>>();
const analyzersCache = new WeakMap<object, Parsed<ReadonlyMap<string, AnalyzerDefinition>>>();

function parsedOnce<T>(cache: WeakMap<object, Parsed<T>>, settings: Settings, parse: () => T): Parsed<T> {
  let parsed = cache.get(settings);
  if (parsed === undefined) {
    try {
      parsed = { value: parse() };
    } catch (error) {
      parsed = { error };
    }
    cache.set(settings, parsed);
  }
  return parsed;
}

function valueOf<T>(parsed: Parsed<T>): T {
  if ('error' in parsed) throw parsed.error;
  return parsed.value;
}

/** Every tokenizer, filter and char filter an index defines, checked (throws 400 for a bad one). */
function componentsOf(settings: Settings): Components {
  return valueOf(parsedOnce(componentsCache, settings, () => parseComponents(settings)));
}

/**
 * The analyzers an index defines in its settings (`index.analysis.analyzer.*`), after checking
 * every tokenizer, filter and char filter it defines. Throws 400 illegal_argument_exception for a
 * definition Elasticsearch or Strait refuses. Cached per settings object, a refusal too.
 */
export function analyzersOf(settings: Settings): ReadonlyMap<string, AnalyzerDefinition> {
  return valueOf(
    parsedOnce(analyzersCache, settings, () => {
      const components = componentsOf(settings);
      const result = new Map<string, AnalyzerDefinition>();
      for (const name of namesUnder(settings, 'index.analysis.analyzer.')) result.set(name, parseAnalyzer(name, settings, components));
      return result;
    }),
  );
}

const noComponents: Components = { tokenizers: new Map(), filters: new Map(), charFilters: new Map() };

/** The tokenizers, filters and char filters an index defines (for `_analyze` naming them); empty when they do not build. */
export function storedComponentsOf(settings: Settings): Components {
  const parsed = parsedOnce(componentsCache, settings, () => parseComponents(settings));
  return 'error' in parsed ? noComponents : parsed.value;
}

/** As `analyzersOf`, without throwing: for metadata already validated when it was written. */
export function storedAnalyzersOf(settings: Settings): ReadonlyMap<string, AnalyzerDefinition> {
  try {
    return analyzersOf(settings);
  } catch {
    return new Map();
  }
}

/** An inline `_analyze` tokenizer (a name or an object with `type`), or undefined when the name is unknown. */
export function inlineTokenizer(spec: unknown, components?: Components): TokenizerDefinition | undefined {
  if (typeof spec === 'string' && components?.tokenizers.has(spec) === true) return components.tokenizers.get(spec);
  if (typeof spec === 'string') return builtInTokenizers.has(spec) ? tokenizerOf(spec, new Parameters(`tokenizer [${spec}]`, new Map()), {}) : undefined;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return undefined;
  const type = (spec as Record<string, unknown>)['type'];
  if (typeof type !== 'string' || (!builtInTokenizers.has(type) && type !== 'char_group')) return undefined;
  return tokenizerOf(type, Parameters.fromObject(spec as Record<string, unknown>, `tokenizer [__anonymous__${type}]`), {});
}

/** An inline `_analyze` token filter, or undefined when the name is unknown. */
export function inlineFilter(spec: unknown, components?: Components): TokenFilterDefinition | undefined {
  if (typeof spec === 'string' && components?.filters.has(spec) === true) return components.filters.get(spec);
  if (typeof spec === 'string') return builtInFilters.has(spec) ? filterOf(spec, new Parameters(`filter [${spec}]`, new Map()), {}) : undefined;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return undefined;
  const type = (spec as Record<string, unknown>)['type'];
  if (typeof type !== 'string' || (!builtInFilters.has(type) && !['pattern_replace', 'keyword_marker', 'synonym', 'synonym_graph'].includes(type))) return undefined;
  return filterOf(type, Parameters.fromObject(spec as Record<string, unknown>, `filter [__anonymous__${type}]`), {});
}

/** An inline `_analyze` char filter (an object with `type`), or undefined when it is not one. */
export function inlineCharFilter(spec: unknown, components?: Components): CharFilterDefinition | undefined {
  if (typeof spec === 'string') return components?.charFilters.get(spec);
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return undefined;
  const type = (spec as Record<string, unknown>)['type'];
  if (type !== 'mapping' && type !== 'pattern_replace') return undefined;
  return charFilterOf(`__anonymous__${type}`, type, Parameters.fromObject(spec as Record<string, unknown>, `char_filter [__anonymous__${type}]`));
}

// ---------------------------------------------------------------- running a chain

/** A token between chain stages (Lucene's attributes: term, position increment, offsets, type, keyword). */
export interface ChainToken {
  term: string;
  positionIncrement: number;
  start: number;
  end: number;
  type: string;
  keyword: boolean;
}

const token = (term: string, start: number, end: number, type = 'word', positionIncrement = 1): ChainToken => ({ term, positionIncrement, start, end, type, keyword: false });

// Java's Character.isWhitespace (see normalizers.ts trim).
const javaWhitespace = /[\t\n\u000B\f\r\u001C-\u001F \u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000]/u;

/** CharTokenizer: maximal runs of code points `isTokenChar` accepts, split at `maxTokenLength` code units. */
function charTokenize(text: string, isTokenChar: (ch: string) => boolean, maxTokenLength: number, lower: boolean): ChainToken[] {
  const out: ChainToken[] = [];
  let start = -1;
  let index = 0;
  const flush = (end: number): void => {
    if (start >= 0) {
      const term = text.slice(start, end);
      out.push(token(lower ? lowercase(term) : term, start, end));
    }
    start = -1;
  };
  while (index < text.length) {
    const ch = String.fromCodePoint(text.codePointAt(index)!);
    if (isTokenChar(ch)) {
      if (start < 0) start = index;
      else if (index + ch.length - start > maxTokenLength) {
        flush(index);
        start = index;
      }
    } else flush(index);
    index += ch.length;
  }
  flush(text.length);
  return out;
}

const letterPattern = /^\p{L}$/u;
const tokenCharTests: Readonly<Record<string, (ch: string) => boolean>> = {
  letter: (ch) => /^[\p{L}\p{M}]$/u.test(ch),
  digit: (ch) => /^\p{Nd}$/u.test(ch),
  whitespace: (ch) => javaWhitespace.test(ch),
  punctuation: (ch) => /^\p{P}$/u.test(ch),
  symbol: (ch) => /^\p{S}$/u.test(ch),
};

function tokenize(definition: TokenizerDefinition, text: string): ChainToken[] {
  switch (definition.type) {
    case 'standard': {
      const out: ChainToken[] = [];
      const sink = {
        span(source: string, start: number, end: number, _position: number, type: string): void {
          out.push(token(source.slice(start, end), start, end, type));
        },
        asciiSpan(source: string, start: number, end: number, position: number, type: string): void {
          sink.span(source, start, end, position, type);
        },
      };
      standardTokenize(text, sink, definition.maxTokenLength);
      return out;
    }
    case 'whitespace':
      return charTokenize(text, (ch) => !javaWhitespace.test(ch), definition.maxTokenLength, false);
    case 'letter':
      return charTokenize(text, (ch) => letterPattern.test(ch), definition.maxTokenLength, false);
    case 'lowercase':
      return charTokenize(text, (ch) => letterPattern.test(ch), definition.maxTokenLength, true);
    case 'keyword':
      return text === '' ? [] : [token(text, 0, text.length)];
    case 'char_group': {
      const chars = new Set(definition.tokenizeOnChars.filter((entry) => !charGroupClasses.has(entry)));
      const classes = definition.tokenizeOnChars.filter((entry) => charGroupClasses.has(entry)).map((entry) => tokenCharTests[entry]!);
      return charTokenize(text, (ch) => !chars.has(ch) && !classes.some((test) => test(ch)), definition.maxTokenLength, false);
    }
    case 'pattern': {
      const regex = memo(definition, () => compileJavaRegex(definition.pattern, definition.flags));
      const out: ChainToken[] = [];
      if (definition.group >= 0) {
        const withIndices = memo(regex, () => new RegExp(regex.source, `${regex.flags}d`));
        for (const match of text.matchAll(withIndices)) {
          const value = match[definition.group];
          const span = match.indices?.[definition.group];
          if (value === undefined || value === '' || span === undefined) continue;
          out.push(token(value, span[0], span[1]));
        }
        return out;
      }
      let start = 0;
      for (const match of text.matchAll(regex)) {
        if (match.index > start) out.push(token(text.slice(start, match.index), start, match.index));
        start = match.index + match[0].length;
      }
      if (start < text.length) out.push(token(text.slice(start), start, text.length));
      return out;
    }
    case 'ngram':
    case 'edge_ngram': {
      const tests = definition.tokenChars.filter((name) => name !== 'custom').map((name) => tokenCharTests[name]!);
      const custom = new Set([...definition.customTokenChars]);
      const isTokenChar = definition.tokenChars.length === 0 ? () => true : (ch: string) => custom.has(ch) || tests.some((test) => test(ch));
      // Words: maximal runs of token characters, as code point offsets into the text.
      const out: ChainToken[] = [];
      const points: { ch: string; offset: number }[] = [];
      const emit = (): void => {
        const length = points.length;
        const end = (index: number): number => points[index]!.offset + points[index]!.ch.length;
        for (let from = 0; from < (definition.type === 'edge_ngram' ? Math.min(1, length) : length); from++) {
          for (let size = definition.minGram; size <= definition.maxGram && from + size <= length; size++) {
            const start = points[from]!.offset;
            out.push(token(text.slice(start, end(from + size - 1)), start, end(from + size - 1)));
          }
        }
        points.length = 0;
      };
      let index = 0;
      while (index < text.length) {
        const ch = String.fromCodePoint(text.codePointAt(index)!);
        if (isTokenChar(ch)) points.push({ ch, offset: index });
        else emit();
        index += ch.length;
      }
      emit();
      return out;
    }
  }
}

/** EnglishMinimalStemmer (Lucene): plural `s`, `es`, `ies` only. */
function minimalEnglishStem(term: string): string {
  const length = term.length;
  if (length < 3 || term[length - 1] !== 's') return term;
  switch (term[length - 2]) {
    case 'u':
    case 's':
      return term;
    case 'e':
      if (length > 3 && term[length - 3] === 'i' && term[length - 4] !== 'a' && term[length - 4] !== 'e') return `${term.slice(0, length - 3)}y`;
      if (term[length - 3] === 'i' || term[length - 3] === 'a' || term[length - 3] === 'o' || term[length - 3] === 'e') return term;
      return term.slice(0, length - 1);
    default:
      return term.slice(0, length - 1);
  }
}

/** Drops the tokens `keep` refuses, adding their position increments to the next kept token (FilteringTokenFilter). */
function filtering(tokens: ChainToken[], keep: (token: ChainToken, index: number) => boolean): ChainToken[] {
  const out: ChainToken[] = [];
  let skipped = 0;
  for (let index = 0; index < tokens.length; index++) {
    const current = tokens[index]!;
    if (keep(current, index)) {
      out.push(skipped === 0 ? current : { ...current, positionIncrement: current.positionIncrement + skipped });
      skipped = 0;
    } else skipped += current.positionIncrement;
  }
  return out;
}

const mapTerms = (tokens: ChainToken[], transform: (term: string) => string): ChainToken[] => tokens.map((current) => ({ ...current, term: transform(current.term) }));
const stemTerms = (tokens: ChainToken[], stem: (term: string) => string): ChainToken[] => tokens.map((current) => (current.keyword ? current : { ...current, term: stem(current.term) }));

/** Grams of a token (the ngram and edge_ngram token filters): all at the token's position, with its offsets. */
function gramFilter(tokens: ChainToken[], definition: Extract<TokenFilterDefinition, { type: 'ngram' | 'edge_ngram' }>): ChainToken[] {
  const out: ChainToken[] = [];
  let pendingIncrement = 0;
  for (const current of tokens) {
    const points = [...current.term];
    const grams: string[] = [];
    const starts = definition.type === 'edge_ngram' ? Math.min(1, points.length) : points.length;
    for (let from = 0; from < starts; from++) {
      for (let size = definition.minGram; size <= definition.maxGram && from + size <= points.length; size++) grams.push(points.slice(from, from + size).join(''));
    }
    if (definition.preserveOriginal && (points.length < definition.minGram || points.length > definition.maxGram)) grams.push(current.term);
    if (grams.length === 0) {
      pendingIncrement += current.positionIncrement;
      continue;
    }
    grams.forEach((gram, index) => out.push({ ...current, term: gram, positionIncrement: index === 0 ? current.positionIncrement + pendingIncrement : 0 }));
    pendingIncrement = 0;
  }
  return out;
}

function runFilter(definition: TokenFilterDefinition, tokens: ChainToken[], textLength: number): ChainToken[] {
  switch (definition.type) {
    case 'lowercase':
      return mapTerms(tokens, lowercase);
    case 'uppercase':
      return mapTerms(tokens, uppercase);
    case 'trim':
      return mapTerms(tokens, trim);
    case 'reverse':
      return mapTerms(tokens, (term) => [...term].reverse().join(''));
    case 'porter_stem':
      return stemTerms(tokens, stemCached);
    case 'possessive_english':
      return mapTerms(tokens, removePossessive);
    case 'minimal_english':
      return stemTerms(tokens, minimalEnglishStem);
    case 'asciifolding': {
      if (!definition.preserveOriginal) return mapTerms(tokens, asciifolding);
      const out: ChainToken[] = [];
      for (const current of tokens) {
        const folded = asciifolding(current.term);
        out.push({ ...current, term: folded });
        if (folded !== current.term) out.push({ ...current, positionIncrement: 0 });
      }
      return out;
    }
    case 'stop': {
      const words = memo(definition, () => new Set(definition.ignoreCase ? definition.stopwords.map(lowercase) : definition.stopwords));
      const isStop = (term: string): boolean => words.has(definition.ignoreCase ? lowercase(term) : term);
      // remove_trailing false (SuggestStopFilter): a stop word ending the text, with nothing after it, is kept.
      return filtering(tokens, (current, index) => !isStop(current.term) || (!definition.removeTrailing && index === tokens.length - 1 && current.end === textLength));
    }
    case 'keyword_marker': {
      const words = memo(definition, () => new Set(definition.ignoreCase ? definition.keywords.map(lowercase) : definition.keywords));
      return tokens.map((current) => (words.has(definition.ignoreCase ? lowercase(current.term) : current.term) ? { ...current, keyword: true } : current));
    }
    case 'length':
      return filtering(tokens, (current) => current.term.length >= definition.min && current.term.length <= definition.max);
    case 'truncate':
      return mapTerms(tokens, (term) => (term.length > definition.length ? term.slice(0, definition.length) : term));
    case 'unique': {
      const seen = new Set<string>();
      const out: ChainToken[] = [];
      for (const current of tokens) {
        if (definition.onlyOnSamePosition && current.positionIncrement > 0) seen.clear();
        if (seen.has(current.term)) continue;
        seen.add(current.term);
        out.push(current);
      }
      return out;
    }
    case 'ngram':
    case 'edge_ngram':
      return gramFilter(tokens, definition);
    case 'pattern_replace': {
      const { pattern, flags, replacement, all } = definition.options;
      return mapTerms(tokens, memo(definition, () => compilePatternReplace(pattern, flags, replacement, all)));
    }
    case 'shingle':
      return shingles(tokens, definition);
    case 'synonym':
      return tokens; // resolveSynonyms replaces it before a chain runs
    case 'synonym_map': {
      const out: ChainToken[] = [];
      for (const current of tokens) {
        const replacements = Object.hasOwn(definition.map, current.term) ? definition.map[current.term] : undefined;
        if (replacements === undefined || replacements.length === 0) {
          out.push(current);
          continue;
        }
        replacements.forEach((term, index) => out.push({ ...current, term, type: 'SYNONYM', positionIncrement: index === 0 ? current.positionIncrement : 0 }));
      }
      return out;
    }
    case 'elision': {
      const articles = memo(definition, () => new Set(definition.ignoreCase ? definition.articles.map(lowercase) : definition.articles));
      return mapTerms(tokens, (term) => {
        const apostrophe = term.search(/['\u2019]/);
        if (apostrophe < 0) return term;
        const article = term.slice(0, apostrophe);
        return articles.has(definition.ignoreCase ? lowercase(article) : article) ? term.slice(apostrophe + 1) : term;
      });
    }
  }
}

// Compiled parts of component definitions (regexes, word sets), per definition object.
const parts = new WeakMap<object, unknown>();
function memo<T>(key: object, build: () => T): T {
  let value = parts.get(key) as T | undefined;
  if (value === undefined) {
    value = build();
    parts.set(key, value);
  }
  return value;
}

/** Splits a Solr rule side on commas (`\,` is a comma inside a term), trimmed. */
function ruleTerms(side: string): string[] {
  return side.split(/(?<!\\),/).map((term) => term.replace(/\\,/g, ',').trim()).filter((term) => term !== '');
}

/**
 * Synonym filters with their rules analyzed by the chain before them (Elasticsearch's
 * chain-aware synonym factories), as maps from a term to its replacements. Rules in Solr format:
 * `a, b, c` (each to all with `expand`, else to the first) and `a, b => c`. A rule word that the
 * chain removes is an error, or skipped with `lenient`; multi-word synonyms are refused.
 */
export function resolveSynonyms(tokenizer: TokenizerDefinition, charFilters: readonly CharFilterDefinition[], filters: readonly TokenFilterDefinition[]): TokenFilterDefinition[] {
  const out: TokenFilterDefinition[] = [];
  for (let index = 0; index < filters.length; index++) {
    const filter = filters[index]!;
    if (filter.type !== 'synonym') {
      out.push(filter);
      continue;
    }
    const before = { charFilters, tokenizer, filters: out.slice() };
    const analyzeTerm = (term: string): string | undefined => {
      const terms = runChain(before, term).map((current) => current.term);
      if (terms.length === 0) {
        if (filter.lenient) return undefined;
        throw errors.illegalArgument(`failed to build synonyms: term: [${term}] was completely eliminated by analyzer`);
      }
      if (terms.length > 1) throw errors.illegalArgument(`failed to build synonyms: [${term}] analyzes to several terms; multi-word synonyms are not supported by Strait`);
      return terms[0]!;
    };
    const map = new Map<string, string[]>();
    const add = (input: string, outputs: readonly string[]): void => {
      const list = map.get(input) ?? [];
      for (const output of outputs) if (!list.includes(output)) list.push(output);
      map.set(input, list);
    };
    for (const rule of filter.rules) {
      if (rule.trim() === '' || rule.trim().startsWith('#')) continue;
      const arrow = rule.split('=>');
      if (arrow.length > 2) throw errors.illegalArgument(`failed to build synonyms: more than one explicit mapping specified on the same line [${rule}]`);
      const analyzeSide = (side: string): string[] => ruleTerms(side).map(analyzeTerm).filter((term): term is string => term !== undefined);
      if (arrow.length === 2) {
        const inputs = analyzeSide(arrow[0]!);
        const outputs = analyzeSide(arrow[1]!);
        if (outputs.length === 0) continue;
        for (const input of inputs) add(input, outputs);
        continue;
      }
      const group = analyzeSide(rule);
      for (const input of group) add(input, filter.expand ? group : [group[0]!]);
    }
    out.push(Object.freeze({ type: 'synonym_map', map: Object.freeze(Object.fromEntries(map)) }));
  }
  return out;
}

/**
 * ShingleFilter: word n-grams of min..max tokens, each at the position of its first token, after
 * that token's unigram (when output). A position gap (a removed stop word) is a filler token that
 * takes part in shingles but is never output alone.
 */
function shingles(tokens: ChainToken[], definition: Extract<TokenFilterDefinition, { type: 'shingle' }>): ChainToken[] {
  type Slot = { readonly token: ChainToken | undefined; readonly position: number };
  const slots: Slot[] = [];
  let position = -1;
  for (const current of tokens) {
    for (let gap = 1; gap < current.positionIncrement; gap++) slots.push({ token: undefined, position: position + gap });
    position += current.positionIncrement === 0 ? 1 : current.positionIncrement;
    slots.push({ token: current, position });
  }
  const build = (withUnigrams: boolean): { token: ChainToken; position: number }[] => {
    const out: { token: ChainToken; position: number }[] = [];
    for (let start = 0; start < slots.length; start++) {
      const first = slots[start]!;
      if (withUnigrams && first.token !== undefined) out.push({ token: first.token, position: first.position });
      for (let size = definition.minShingleSize; size <= definition.maxShingleSize && start + size <= slots.length; size++) {
        const window = slots.slice(start, start + size);
        const real = window.filter((slot) => slot.token !== undefined).map((slot) => slot.token!);
        if (real.length === 0) continue;
        const term = window.map((slot) => slot.token?.term ?? definition.fillerToken).join(definition.tokenSeparator);
        out.push({ token: { term, positionIncrement: 0, start: real[0]!.start, end: real[real.length - 1]!.end, type: 'shingle', keyword: false }, position: first.position });
      }
    }
    return out;
  };
  let out = build(definition.outputUnigrams);
  if (!definition.outputUnigrams && out.length === 0 && definition.outputUnigramsIfNoShingles) out = build(true);
  let previous = -1;
  return out.map(({ token: current, position: at }) => {
    const increment = at - previous;
    previous = at;
    return { ...current, positionIncrement: increment };
  });
}

/** Lucene's correctOffset over the replacements a char filter made. */
function correctOffset(corrections: readonly OffsetCorrection[], offset: number): number {
  let found: OffsetCorrection | undefined;
  for (const correction of corrections) {
    if (correction.outputStart > offset) break;
    found = correction;
  }
  if (found === undefined) return offset;
  if (offset >= found.outputEnd) return found.inputEnd + (offset - found.outputEnd);
  return found.inputStart + Math.min(offset - found.outputStart, found.inputEnd - found.inputStart);
}

/** The chain's tokens for one text (offsets into the original text), stage by stage when `stages` is given. */
export function runChain(
  definition: Pick<AnalyzerDefinition, 'charFilters' | 'tokenizer' | 'filters'>,
  text: string,
  stages?: { charFilters: string[]; tokenizer: ChainToken[]; filters: ChainToken[][] },
): ChainToken[] {
  let filtered = text;
  const layers: (readonly OffsetCorrection[])[] = [];
  for (const charFilter of definition.charFilters) {
    const result = memo(charFilter, () => compileCharFilterWithOffsets(charFilter))(filtered);
    filtered = result.text;
    layers.push(result.corrections);
    stages?.charFilters.push(filtered);
  }
  let tokens = tokenize(definition.tokenizer, filtered);
  if (layers.length > 0) {
    const correct = (offset: number): number => layers.reduceRight((value, corrections) => correctOffset(corrections, value), offset);
    tokens = tokens.map((current) => ({ ...current, start: correct(current.start), end: correct(current.end) }));
  }
  if (stages !== undefined) stages.tokenizer = tokens;
  for (const filter of definition.filters) {
    tokens = runFilter(filter, tokens, text.length);
    stages?.filters.push(tokens);
  }
  return tokens;
}

/** Chain tokens as Tokens (positions from the increments, as Lucene counts them from -1). */
export function chainTokens(chain: readonly ChainToken[]): Tokens {
  const out: Tokens = { terms: [], positions: [], startOffsets: [], endOffsets: [], types: [] };
  let position = -1;
  for (const current of chain) {
    position += current.positionIncrement;
    if (position < 0) position = 0;
    out.terms.push(current.term);
    out.positions.push(position);
    out.startOffsets.push(current.start);
    out.endOffsets.push(current.end);
    out.types.push(current.type);
  }
  return out;
}

// Compiled analyzers by definition text: definitions reach search workers as copies, so an
// object key would miss; the text of a definition is small. Bounded.
const compiled = new Map<string, Analyzer>();
const compiledEntriesMax = 1_000;

/** The analyzer a definition stands for. */
export function compileAnalyzer(definition: AnalyzerDefinition): Analyzer {
  // The same object (the main thread's mappings) first, without serializing it.
  const known = compiledByObject.get(definition);
  if (known !== undefined) return known;
  const key = JSON.stringify(definition);
  let analyzer = compiled.get(key);
  if (analyzer === undefined) {
    analyzer = { name: definition.name, analyze: (text) => chainTokens(runChain(definition, text)) };
    if (compiled.size >= compiledEntriesMax) compiled.clear();
    compiled.set(key, analyzer);
  }
  compiledByObject.set(definition, analyzer);
  return analyzer;
}
const compiledByObject = new WeakMap<AnalyzerDefinition, Analyzer>();
