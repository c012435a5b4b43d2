/**
 * The `_analyze` API (pure): built-in analyzers, a field's analyzer, or a custom chain of a
 * built-in tokenizer and token filters, with Elasticsearch's `explain` detail.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/indices-analyze.html
 */
import { errors } from '../common/index.js';
import { analyzeForApi, getAnalyzer, normalizeKeyword, resolveAnalyzer, type Analyzer, type AnalyzeToken, type FieldMappings, type NormalizerDefinition } from '../index/searcher/index.js';
import { chainTokens, compileAnalyzer, inlineCharFilter, inlineFilter, inlineTokenizer, runChain, type AnalyzerDefinition, type ChainToken, type Components } from '../index/analysis/custom-analyzers.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

const bodyKeys = new Set(['analyzer', 'text', 'field', 'tokenizer', 'filter', 'token_filter', 'char_filter', 'normalizer', 'explain', 'attributes']);

/** Elasticsearch's position_increment_gap between values of an array `text`. */
const positionIncrementGap = 100;

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A chain's tokens for every text, positions and offsets continuing as Elasticsearch does for arrays. */
function overTexts(texts: readonly string[], stage: (text: string) => ChainToken[]): AnalyzeToken[] {
  const result: AnalyzeToken[] = [];
  let positionBase = 0;
  let offsetBase = 0;
  for (const text of texts) {
    const tokens = chainTokens(stage(text));
    let lastPosition = -1;
    for (let index = 0; index < tokens.terms.length; index++) {
      const position = tokens.positions[index]! + positionBase;
      result.push({ token: tokens.terms[index]!, start_offset: tokens.startOffsets[index]! + offsetBase, end_offset: tokens.endOffsets[index]! + offsetBase, type: tokens.types[index]!, position });
      lastPosition = position;
    }
    positionBase = (lastPosition >= 0 ? lastPosition + 1 : positionBase) + positionIncrementGap;
    offsetBase += text.length + 1;
  }
  return result;
}

type Chain = Pick<AnalyzerDefinition, 'charFilters' | 'tokenizer' | 'filters'>;

/** `explain` for a chain (an index analyzer or an inline one): each stage's tokens, as Elasticsearch's detail. */
function explainChain(chain: Chain, texts: readonly string[], names: { readonly charFilters: readonly string[]; readonly tokenizer: string; readonly filters: readonly string[] }): Json {
  const charfilters = chain.charFilters.map((_, index) => ({
    name: names.charFilters[index]!,
    filtered_text: texts.map((text) => {
      const stages = { charFilters: [] as string[], tokenizer: [] as ChainToken[], filters: [] as ChainToken[][] };
      runChain({ charFilters: chain.charFilters.slice(0, index + 1), tokenizer: chain.tokenizer, filters: [] }, text, stages);
      return stages.charFilters[index]!;
    }),
  }));
  const tokenizer = overTexts(texts, (text) => runChain({ ...chain, filters: [] }, text));
  const tokenfilters = chain.filters.map((_, index) => ({ name: names.filters[index]!, tokens: explainTokens(overTexts(texts, (text) => runChain({ ...chain, filters: chain.filters.slice(0, index + 1) }, text))) }));
  return { detail: { custom_analyzer: true, charfilters, tokenizer: { name: names.tokenizer, tokens: explainTokens(tokenizer) }, tokenfilters } };
}

/** An inline component's name in `explain`: its own name, or `__anonymous__<type>`. */
function componentName(spec: unknown): string {
  return typeof spec === 'string' ? spec : `__anonymous__${String(isObject(spec) ? spec['type'] : spec)}`;
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
  /** Analyzers the index in the path defines (`index.analysis.analyzer`), when there is one. */
  readonly analyzers?: ReadonlyMap<string, AnalyzerDefinition>;
  /** The tokenizers, filters and char filters the index in the path defines, which an inline chain may name. */
  readonly components?: Components;
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
  const charFilters = asList(body['char_filter']);
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
  if (analyzerName !== undefined && (body['tokenizer'] !== undefined || filters.length > 0 || charFilters.length > 0)) {
    throw errors.illegalArgument('cannot define extra components on a named analyzer');
  }
  if (body['tokenizer'] !== undefined || filters.length > 0 || charFilters.length > 0) {
    // An inline chain of built-in components (or ones given as objects with their parameters).
    const tokenizerSpec = body['tokenizer'] ?? 'keyword';
    const tokenizer = inlineTokenizer(tokenizerSpec, context.components);
    if (tokenizer === undefined) throw errors.illegalArgument(`failed to find global tokenizer under [${isObject(tokenizerSpec) ? String(tokenizerSpec['type']) : String(tokenizerSpec)}]`);
    const chain: Chain = {
      tokenizer,
      charFilters: charFilters.map((spec) => {
        const definition = inlineCharFilter(spec, context.components);
        if (definition === undefined) throw errors.illegalArgument(`failed to find global char_filter under [${isObject(spec) ? String(spec['type']) : String(spec)}]`);
        return definition;
      }),
      filters: filters.map((spec) => {
        const definition = inlineFilter(spec, context.components);
        if (definition === undefined) throw errors.illegalArgument(`failed to find global filter under [${isObject(spec) ? String(spec['type']) : String(spec)}]`);
        return definition;
      }),
    };
    if (!explain) return { tokens: overTexts(texts, (text) => runChain(chain, text)) };
    return explainChain(chain, texts, { charFilters: charFilters.map(componentName), tokenizer: componentName(tokenizerSpec), filters: filters.map(componentName) });
  }
  let analyzer: Analyzer;
  if (analyzerName !== undefined) {
    const own = context.mappings === undefined ? undefined : context.analyzers?.get(String(analyzerName));
    if (own !== undefined) {
      if (!explain) return { tokens: overTexts(texts, (text) => runChain(own, text)) };
      if (own.custom) return explainChain(own, texts, own.names);
      // A configured built-in type: Elasticsearch explains it as one analyzer.
      return { detail: { custom_analyzer: false, analyzer: { name: own.name, tokens: explainTokens(overTexts(texts, (text) => runChain(own, text))) } } };
    }
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
        ? context.analyzers?.get('default') !== undefined
          ? compileAnalyzer(context.analyzers.get('default')!)
          : getAnalyzer('standard')!
        : mapping.type === 'text'
          ? resolveAnalyzer(mapping, false)
          : mapping.normalizer !== undefined
            ? normalizerAnalyzer(mapping.normalizer)
            : getAnalyzer('keyword')!;
  } else {
    const own = context.mappings === undefined ? undefined : context.analyzers?.get('default');
    analyzer = own === undefined ? getAnalyzer('standard')! : compileAnalyzer(own);
  }
  const tokens = analyzeForApi(analyzer, texts, positionIncrementGap);
  if (!explain) return { tokens };
  return { detail: { custom_analyzer: false, analyzer: { name: analyzer.name, tokens: explainTokens(tokens) } } };
}
