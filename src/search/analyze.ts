/**
 * The `_analyze` API (pure): built-in analyzers, a field's analyzer, or a custom chain of a
 * built-in tokenizer and token filters, with Elasticsearch's `explain` detail.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/indices-analyze.html
 */
import { errors } from '../common/index.js';
import { analyzeForApi, builtInAnalyzers, englishStopWords, getAnalyzer, normalizeKeyword, porterStem, resolveAnalyzer, type Analyzer, type AnalyzeToken, type FieldMappings, type NormalizerDefinition } from '../index/searcher/index.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

const bodyKeys = new Set(['analyzer', 'text', 'field', 'tokenizer', 'filter', 'token_filter', 'char_filter', 'normalizer', 'explain', 'attributes']);

/** Elasticsearch's position_increment_gap between values of an array `text`. */
const positionIncrementGap = 100;

interface ChainToken {
  term: string;
  readonly start: number;
  readonly end: number;
  readonly type: string;
  readonly position: number;
}

type Tokenizer = { readonly name: string; run(text: string): ChainToken[] };
type TokenFilter = { readonly name: string; run(tokens: ChainToken[]): ChainToken[] };

function fromAnalyzer(analyzer: Analyzer, text: string, keepCase: boolean): ChainToken[] {
  const tokens = analyzer.analyze(text);
  return tokens.terms.map((term, index) => ({
    term: keepCase ? text.slice(tokens.startOffsets[index]!, tokens.endOffsets[index]!) : term,
    start: tokens.startOffsets[index]!,
    end: tokens.endOffsets[index]!,
    type: tokens.types[index]!,
    position: tokens.positions[index]!,
  }));
}

const tokenizers: Readonly<Record<string, (text: string) => ChainToken[]>> = {
  standard: (text) => fromAnalyzer(builtInAnalyzers.get('standard')!, text, true),
  whitespace: (text) => fromAnalyzer(builtInAnalyzers.get('whitespace')!, text, true),
  keyword: (text) => fromAnalyzer(builtInAnalyzers.get('keyword')!, text, true),
  letter: (text) => fromAnalyzer(builtInAnalyzers.get('simple')!, text, true),
  lowercase: (text) => fromAnalyzer(builtInAnalyzers.get('simple')!, text, false),
};

function stopFilter(words: ReadonlySet<string>): (tokens: ChainToken[]) => ChainToken[] {
  return (tokens) => tokens.filter((token) => !words.has(token.term));
}

function stopWordsOf(value: unknown): ReadonlySet<string> {
  if (value === undefined || value === '_english_') return englishStopWords;
  if (value === '_none_') return new Set();
  if (Array.isArray(value)) return new Set(value.map(String));
  throw errors.illegalArgument(`stopwords [${String(value)}] are not supported by Strait: use _english_, _none_ or a list`);
}

function tokenFilter(spec: unknown): TokenFilter {
  const type = typeof spec === 'string' ? spec : isObject(spec) ? spec['type'] : undefined;
  const options: Json = isObject(spec) ? spec : {};
  const name = typeof spec === 'string' ? spec : `__anonymous__${String(type)}`;
  const map = (transform: (term: string) => string) => (tokens: ChainToken[]): ChainToken[] => tokens.map((token) => ({ ...token, term: transform(token.term) }));
  switch (type) {
    case 'lowercase':
      return { name, run: map((term) => term.toLowerCase()) };
    case 'uppercase':
      return { name, run: map((term) => term.toUpperCase()) };
    case 'stop':
      return { name, run: stopFilter(stopWordsOf(options['stopwords'])) };
    case 'porter_stem':
      return { name, run: map(porterStem) };
    case 'stemmer': {
      const language = options['language'] ?? options['name'] ?? 'english';
      if (language !== 'english' && language !== 'porter') throw errors.illegalArgument(`stemmer language [${String(language)}] is not supported by Strait`);
      return { name, run: map(porterStem) };
    }
    case 'asciifolding':
      return { name, run: map((term) => term.normalize('NFD').replace(/\p{M}/gu, '')) };
    case 'trim':
      return { name, run: map((term) => term.trim()) };
    case 'reverse':
      return { name, run: map((term) => [...term].reverse().join('')) };
    case 'truncate': {
      const length = Number(options['length'] ?? 10);
      return { name, run: map((term) => term.slice(0, length)) };
    }
    case 'unique': {
      return {
        name,
        run: (tokens) => {
          const seen = new Set<string>();
          return tokens.filter((token) => !seen.has(token.term) && (seen.add(token.term), true));
        },
      };
    }
    case 'length': {
      const min = Number(options['min'] ?? 0);
      const max = Number(options['max'] ?? Number.MAX_SAFE_INTEGER);
      return { name, run: (tokens) => tokens.filter((token) => token.term.length >= min && token.term.length <= max) };
    }
    default:
      throw errors.illegalArgument(`failed to find global filter under [${String(type)}]`);
  }
}

function tokenizerOf(spec: unknown): Tokenizer {
  const type = typeof spec === 'string' ? spec : isObject(spec) ? spec['type'] : undefined;
  const run = typeof type === 'string' ? tokenizers[type] : undefined;
  if (run === undefined) throw errors.illegalArgument(`failed to find global tokenizer under [${String(type)}]`);
  return { name: typeof spec === 'string' ? spec : `__anonymous__${type as string}`, run };
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function toApi(tokens: readonly ChainToken[]): AnalyzeToken[] {
  return tokens.map((token) => ({ token: token.term, start_offset: token.start, end_offset: token.end, type: token.type, position: token.position }));
}

/** Runs one stage over every text, positions and offsets continuing as Elasticsearch does for arrays. */
function overTexts(texts: readonly string[], stage: (text: string) => ChainToken[]): ChainToken[] {
  const result: ChainToken[] = [];
  let positionBase = 0;
  let offsetBase = 0;
  for (const text of texts) {
    const tokens = stage(text);
    let lastPosition = -1;
    for (const token of tokens) {
      result.push({ ...token, start: token.start + offsetBase, end: token.end + offsetBase, position: token.position + positionBase });
      lastPosition = token.position + positionBase;
    }
    positionBase = (lastPosition >= 0 ? lastPosition + 1 : positionBase) + positionIncrementGap;
    offsetBase += text.length + 1;
  }
  return result;
}

function explainTokens(tokens: readonly AnalyzeToken[]): Json[] {
  return tokens.map((token) => ({
    ...token,
    bytes: `[${[...Buffer.from(token.token, 'utf8')].map((byte) => byte.toString(16).padStart(2, '0')).join(' ')}]`,
    positionLength: 1,
    termFrequency: 1,
  }));
}

export interface AnalyzeContext {
  /** Mappings of the index in the path, when there is one. */
  readonly mappings: FieldMappings | undefined;
  /** Normalizers of the index in the path (its own and the built-in `lowercase`), when there is one. */
  readonly normalizers?: ReadonlyMap<string, NormalizerDefinition>;
}

/**
 * A normalizer as an analyzer: the keyword tokenizer (the whole text, type `word`) and the
 * normalizer's filters, as Elasticsearch builds it.
 */
function normalizerAnalyzer(definition: NormalizerDefinition): Analyzer {
  return {
    name: definition.name,
    analyze(text) {
      return { terms: [normalizeKeyword(definition, text)], positions: [0], startOffsets: [0], endOffsets: [text.length], types: ['word'] };
    },
  };
}

/** `explain` for a normalizer: Elasticsearch shows it as a custom analyzer over the keyword tokenizer. */
function explainNormalizer(definition: NormalizerDefinition, texts: readonly string[]): Json {
  const keyword = getAnalyzer('keyword')!;
  const charFilters = definition.charFilters ?? [];
  // Each char filter's stage: the texts as filtered so far (Elasticsearch's `filtered_text`).
  const charfilters = charFilters.map((charFilter, index) => {
    const partial: NormalizerDefinition = { name: definition.name, filters: [], charFilters: charFilters.slice(0, index + 1) };
    return { name: charFilter.name, filtered_text: texts.map((text) => normalizeKeyword(partial, text)) };
  });
  const filtered = charfilters.length === 0 ? texts : (charfilters[charfilters.length - 1]!.filtered_text as string[]);
  const stages: Json[] = [];
  for (let count = 1; count <= definition.filters.length; count++) {
    const partial: NormalizerDefinition = { name: definition.name, filters: definition.filters.slice(0, count), charFilters, ...(definition.filterOptions === undefined ? {} : { filterOptions: definition.filterOptions.slice(0, count) }) };
    stages.push({ name: definition.filters[count - 1]!, tokens: explainTokens(analyzeForApi(normalizerAnalyzer(partial), texts, positionIncrementGap)) });
  }
  // The keyword tokenizer reads the filtered text; offsets stay those of the original (Lucene's correctOffset).
  const original = analyzeForApi(keyword, texts, positionIncrementGap);
  const tokenized = analyzeForApi(keyword, filtered, positionIncrementGap);
  const tokens = tokenized.length === original.length ? tokenized.map((token, index) => ({ ...token, start_offset: original[index]!.start_offset, end_offset: original[index]!.end_offset })) : tokenized;
  return { detail: { custom_analyzer: true, charfilters, tokenizer: { name: 'keyword', tokens: explainTokens(tokens) }, tokenfilters: stages } };
}

/** Answers one `_analyze` body. */
export function analyze(body: unknown, context: AnalyzeContext): Json {
  if (!isObject(body)) throw errors.actionRequestValidation(['text is missing']);
  for (const key of Object.keys(body)) if (!bodyKeys.has(key)) throw errors.parsing(`[analyze_request] unknown field [${key}]`);
  const textValue = body['text'];
  if (textValue === undefined || textValue === null || (Array.isArray(textValue) && textValue.length === 0)) throw errors.actionRequestValidation(['text is missing']);
  const texts = asList(textValue).map(String);
  const explain = body['explain'] === true || body['explain'] === 'true';
  const filters = [...asList(body['filter']), ...asList(body['token_filter'])];
  if (asList(body['char_filter']).length > 0) {
    const first = asList(body['char_filter'])[0];
    throw errors.illegalArgument(`failed to find global char_filter under [${typeof first === 'string' ? first : String((first as Json)['type'])}]`);
  }
  const analyzerName = body['analyzer'];
  if (body['normalizer'] !== undefined) {
    // Elasticsearch's AnalyzeAction.Request.validate, then TransportAnalyzeAction's lookup order.
    if (body['tokenizer'] !== undefined || analyzerName !== undefined) throw errors.actionRequestValidation(['tokenizer/analyze should be null if normalizer is specified']);
    if (context.mappings === undefined) throw errors.illegalArgument('analysis based on a normalizer requires an index');
    const definition = context.normalizers?.get(String(body['normalizer']));
    if (definition === undefined) throw errors.illegalArgument(`failed to find normalizer under [${String(body['normalizer'])}]`);
    if (explain) return explainNormalizer(definition, texts);
    return { tokens: analyzeForApi(normalizerAnalyzer(definition), texts, positionIncrementGap) };
  }
  if (analyzerName !== undefined && (body['tokenizer'] !== undefined || filters.length > 0)) {
    throw errors.illegalArgument('cannot define extra components on a named analyzer');
  }
  if (body['tokenizer'] !== undefined || filters.length > 0) {
    const tokenizer = tokenizerOf(body['tokenizer'] ?? 'keyword');
    const chain = filters.map(tokenFilter);
    const tokenized = overTexts(texts, tokenizer.run);
    if (!explain) return { tokens: toApi(chain.reduce((tokens, filter) => filter.run(tokens), tokenized)) };
    const stages: Json[] = [];
    let current = tokenized;
    for (const filter of chain) {
      current = filter.run(current);
      stages.push({ name: filter.name, tokens: explainTokens(toApi(current)) });
    }
    return { detail: { custom_analyzer: true, charfilters: [], tokenizer: { name: tokenizer.name, tokens: explainTokens(toApi(tokenized)) }, tokenfilters: stages } };
  }
  let analyzer: Analyzer;
  if (analyzerName !== undefined) {
    const found = getAnalyzer(String(analyzerName));
    if (found === undefined) {
      throw errors.illegalArgument(context.mappings === undefined ? `failed to find global analyzer [${String(analyzerName)}]` : `failed to find analyzer [${String(analyzerName)}]`);
    }
    analyzer = found;
  } else if (body['field'] !== undefined) {
    if (context.mappings === undefined) throw errors.illegalArgument('analysis with a [field] requires an index');
    const mapping = context.mappings[String(body['field'])];
    analyzer =
      mapping === undefined
        ? getAnalyzer('standard')!
        : mapping.type === 'text'
          ? resolveAnalyzer(mapping, false)
          : mapping.normalizer !== undefined
            ? normalizerAnalyzer(mapping.normalizer)
            : getAnalyzer('keyword')!;
  } else {
    analyzer = getAnalyzer('standard')!;
  }
  const tokens = analyzeForApi(analyzer, texts, positionIncrementGap);
  if (!explain) return { tokens };
  return { detail: { custom_analyzer: false, analyzer: { name: analyzer.name, tokens: explainTokens(tokens) } } };
}
