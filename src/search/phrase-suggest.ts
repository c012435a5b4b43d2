/**
 * The phrase suggester (pure), as Elasticsearch's PhraseSuggester computes it: the text is
 * analyzed into tokens; each token's candidates come from direct generators (the term
 * suggester's DirectSpellChecker search, see suggest.ts) and the token itself; a noisy-channel
 * model scores each path of candidates: per token log10(channel × language model), where the
 * channel is `real_word_error_likelihood` for the token as written and the candidate's string
 * similarity otherwise, and the language model is stupid backoff over the field's term
 * frequencies ((1 + ttf) / (Σttf + number of terms) for one word; a missing n-gram backs off
 * with `discount`). A path's score is exp of the summed logs (Elasticsearch's own mix of bases),
 * at most `max_errors` tokens are replaced, and only paths scoring above `confidence` × the
 * input's score are kept, best first.
 *
 * Frequencies are those of the documents the caller can see (as in suggest.ts).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-suggesters.html#phrase-suggester
 */
import { errors } from '../common/index.js';
import { resolveAnalyzer, type Analyzer, type FieldMappings, type Segment } from '../index/searcher/index.js';
import { shardTermSuggest, suggesterAnalyzer, visibleTermStats, type SuggestMode, type TermSuggestSpec } from './suggest.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

export interface DirectGeneratorSpec {
  readonly field: string;
  readonly suggestMode: SuggestMode;
  readonly accuracy: number;
  readonly size: number;
  readonly maxEdits: number;
  readonly prefixLength: number;
  readonly minWordLength: number;
  readonly minDocFreq: number;
  readonly maxTermFreq: number;
  readonly maxInspections: number;
}

export interface PhraseSuggestSpec {
  readonly name: string;
  readonly kind: 'phrase';
  readonly text: string;
  readonly field: string;
  readonly analyzer: string | undefined;
  readonly size: number;
  readonly shardSize: number;
  readonly realWordErrorLikelihood: number;
  readonly confidence: number;
  readonly maxErrors: number;
  readonly separator: string;
  readonly gramSize: number;
  readonly tokenLimit: number;
  readonly discount: number;
  readonly generators: readonly DirectGeneratorSpec[];
  readonly highlight: { readonly preTag: string; readonly postTag: string } | undefined;
}

function number(value: unknown, name: string): number {
  const result = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(result)) throw errors.parsing(`suggester[phrase] failed to parse field [${name}]`);
  return result;
}

const generatorKeys = ['field', 'suggest_mode', 'accuracy', 'size', 'max_edits', 'prefix_length', 'min_word_length', 'min_doc_freq', 'max_term_freq', 'max_inspections', 'sort', 'string_distance'];

function parseGenerator(value: unknown, defaultField: string | undefined): DirectGeneratorSpec {
  const body = isObject(value) ? value : {};
  for (const key of Object.keys(body)) {
    if (key === 'pre_filter' || key === 'post_filter') throw errors.illegalArgument(`[direct_generator] [${key}] is not supported by Strait`);
    if (!generatorKeys.includes(key)) throw errors.parsing(`[direct_generator] unknown field [${key}]`);
  }
  if (body['string_distance'] !== undefined && body['string_distance'] !== 'internal') throw errors.illegalArgument(`[direct_generator] string_distance [${String(body['string_distance'])}] is not supported by Strait (only [internal])`);
  if (body['sort'] !== undefined && body['sort'] !== 'score') throw errors.illegalArgument(`[direct_generator] sort [${String(body['sort'])}] is not supported by Strait (only [score])`);
  const field = typeof body['field'] === 'string' ? body['field'] : defaultField;
  if (field === undefined) throw errors.illegalArgument('[direct_generator] requires [field]');
  const mode = body['suggest_mode'] === undefined ? 'missing' : String(body['suggest_mode']).toLowerCase();
  if (mode !== 'missing' && mode !== 'popular' && mode !== 'always') throw errors.illegalArgument(`Illegal suggest mode ${String(body['suggest_mode']).toUpperCase()}`);
  return {
    field,
    suggestMode: mode,
    accuracy: body['accuracy'] === undefined ? 0.5 : number(body['accuracy'], 'accuracy'),
    size: body['size'] === undefined ? 5 : number(body['size'], 'size'),
    maxEdits: body['max_edits'] === undefined ? 2 : number(body['max_edits'], 'max_edits'),
    prefixLength: body['prefix_length'] === undefined ? 1 : number(body['prefix_length'], 'prefix_length'),
    minWordLength: body['min_word_length'] === undefined ? 4 : number(body['min_word_length'], 'min_word_length'),
    minDocFreq: body['min_doc_freq'] === undefined ? 0 : number(body['min_doc_freq'], 'min_doc_freq'),
    maxTermFreq: body['max_term_freq'] === undefined ? 0.01 : number(body['max_term_freq'], 'max_term_freq'),
    maxInspections: body['max_inspections'] === undefined ? 5 : number(body['max_inspections'], 'max_inspections'),
  };
}

const phraseKeys = [
  'field', 'analyzer', 'size', 'shard_size', 'real_word_error_likelihood', 'confidence', 'max_errors', 'separator', 'gram_size', 'token_limit',
  'force_unigrams', 'direct_generator', 'smoothing', 'highlight',
];

export function parsePhrase(name: string, text: string | undefined, body: Json): PhraseSuggestSpec {
  for (const key of Object.keys(body)) {
    if (key === 'collate') throw errors.illegalArgument('suggester[phrase] [collate] is not supported by Strait (it needs search templates)');
    if (!phraseKeys.includes(key)) throw errors.parsing(`suggester[phrase] doesn't support field [${key}]`);
  }
  if (typeof body['field'] !== 'string') throw errors.parse('the required field option [field] is missing');
  if (text === undefined) throw errors.illegalArgument('The required text option is missing');
  const field = body['field'];
  const size = body['size'] === undefined ? 5 : number(body['size'], 'size');
  if (size <= 0) throw errors.illegalArgument('size must be positive');
  let discount = 0.4;
  if (body['smoothing'] !== undefined) {
    const smoothing = body['smoothing'];
    if (!isObject(smoothing) || Object.keys(smoothing).length !== 1 || !isObject(smoothing['stupid_backoff'])) {
      throw errors.illegalArgument('suggester[phrase] smoothing other than [stupid_backoff] is not supported by Strait');
    }
    const model = smoothing['stupid_backoff'] as Json;
    if (model['discount'] !== undefined) discount = number(model['discount'], 'discount');
  }
  if (body['force_unigrams'] === false) throw errors.illegalArgument('suggester[phrase] [force_unigrams: false] is not supported by Strait (its analyzers emit unigrams only)');
  const generatorsRaw = body['direct_generator'];
  const generators = generatorsRaw === undefined ? [parseGenerator({}, field)] : (Array.isArray(generatorsRaw) ? generatorsRaw : [generatorsRaw]).map((item) => parseGenerator(item, undefined));
  let highlight: PhraseSuggestSpec['highlight'];
  if (body['highlight'] !== undefined) {
    const value = body['highlight'];
    if (!isObject(value) || typeof value['pre_tag'] !== 'string' || typeof value['post_tag'] !== 'string') throw errors.parsing('suggester[phrase][highlight] requires [pre_tag] and [post_tag]');
    highlight = { preTag: value['pre_tag'], postTag: value['post_tag'] };
  }
  const maxErrors = body['max_errors'] === undefined ? 1 : number(body['max_errors'], 'max_errors');
  if (maxErrors <= 0) throw errors.illegalArgument('max_error must be > 0.0');
  const gramSize = body['gram_size'] === undefined ? 1 : number(body['gram_size'], 'gram_size');
  if (gramSize < 1) throw errors.illegalArgument('gram_size must be >= 1');
  return {
    name,
    kind: 'phrase',
    text,
    field,
    analyzer: typeof body['analyzer'] === 'string' ? body['analyzer'] : undefined,
    size,
    shardSize: body['shard_size'] === undefined ? Math.max(size, 5) : number(body['shard_size'], 'shard_size'),
    realWordErrorLikelihood: body['real_word_error_likelihood'] === undefined ? 0.95 : number(body['real_word_error_likelihood'], 'real_word_error_likelihood'),
    confidence: body['confidence'] === undefined ? 1 : number(body['confidence'], 'confidence'),
    maxErrors,
    separator: typeof body['separator'] === 'string' ? body['separator'] : ' ',
    gramSize,
    tokenLimit: body['token_limit'] === undefined ? 10 : number(body['token_limit'], 'token_limit'),
    discount,
    generators,
    highlight,
  };
}

interface Candidate {
  readonly term: string;
  /** Total term frequency in the suggest field's visible documents. */
  readonly totalTermFreq: number;
  /** String similarity (1 for the token as written). */
  readonly stringDistance: number;
  /** Generator score: stringDistance × (ttf + 1) / (Σttf + 1). */
  readonly score: number;
  readonly userInput: boolean;
}

/** Σ ttf over the field's visible documents and the number of distinct terms (Lucene's Terms.size(): -1 over several segments). */
function fieldStats(segments: readonly Segment[], field: string): { sumTotalTermFreq: number; numTerms: number } {
  let sum = 0;
  for (const segment of segments) {
    const postings = segment.postings.get(field);
    if (postings === undefined) continue;
    const live = segment.liveDocs;
    for (let index = 0; index < postings.docs.length; index++) {
      const doc = postings.docs[index]!;
      if (live === null || (live[doc >>> 5]! & (1 << (doc & 31))) !== 0) sum += postings.freqs[index]!;
    }
  }
  const withField = segments.filter((segment) => segment.postings.has(field));
  const numTerms = withField.length === 1 ? withField[0]!.postings.get(field)!.terms.length : -1;
  return { sumTotalTermFreq: sum, numTerms };
}

/** Lucene's DirectCandidateGenerator#thresholdTermFrequency (frequencyPlateau from min_doc_freq). */
function thresholdTermFrequency(docFreq: number, plateau: number): number {
  if (docFreq <= 0) return 0;
  return Math.max(0, Math.round(docFreq * (Math.log10(docFreq - plateau) * (1 / Math.log10(5))) + 1));
}

const byStrength = (left: Candidate, right: Candidate): number => right.score - left.score || (left.term < right.term ? -1 : left.term > right.term ? 1 : 0);

export interface PhraseOption {
  readonly text: string;
  readonly highlighted?: string;
  readonly score: number;
}

/** One shard's phrase suggestion: the corrections of the text, best first (at most shard_size). */
export function shardPhraseSuggest(spec: PhraseSuggestSpec, segments: readonly Segment[], mappings: FieldMappings): PhraseOption[] {
  const mapping = mappings[spec.field];
  if (mapping === undefined) return [];
  const field = mapping.aliasOf ?? spec.field;
  const analyzer: Analyzer = spec.analyzer === undefined ? resolveAnalyzer(mapping, true) : suggesterAnalyzer(spec.analyzer, mappings);
  const tokens = analyzer.analyze(spec.text).terms;
  if (tokens.length === 0 || tokens.length >= spec.tokenLimit) return [];
  const stats = fieldStats(segments, field);
  const sumTotalTermFreq = stats.sumTotalTermFreq;
  // WordScorer: a term count that would make the denominator 1 or less counts as 0.
  const numTerms = sumTotalTermFreq + stats.numTerms > 1 ? stats.numTerms : 0;
  if (sumTotalTermFreq === 0) return [];
  const visibleDocs = segments.reduce((sum, segment) => sum + (segment.liveDocs === null ? segment.maxDoc : segment.liveDocCount), 0);
  const generatorScore = (totalTermFreq: number, distance: number): number => distance * ((totalTermFreq + 1) / (sumTotalTermFreq + 1));
  const sets = tokens.map((token) => {
    const stats = visibleTermStats(segments, field, token);
    const original: Candidate = { term: token, totalTermFreq: stats.totalTermFreq, stringDistance: 1, score: generatorScore(stats.totalTermFreq, 1), userInput: true };
    const found = new Map<string, Candidate>();
    for (const generator of spec.generators) {
      const generatorField = mappings[generator.field]?.aliasOf ?? generator.field;
      const generatorStats = visibleTermStats(segments, generatorField, token);
      let minDocFreq = generator.minDocFreq;
      if (generator.suggestMode !== 'always') {
        const plateau = generator.minDocFreq >= 1 ? Math.trunc(generator.minDocFreq) : Math.trunc(visibleDocs * generator.minDocFreq);
        const threshold = thresholdTermFrequency(generatorStats.docFreq, plateau);
        const current = generator.minDocFreq >= 1 ? generator.minDocFreq : Math.ceil(generator.minDocFreq * visibleDocs);
        if (current < threshold) minDocFreq = threshold;
      }
      const termSpec: TermSuggestSpec = {
        name: spec.name,
        kind: 'term',
        text: token,
        field: generator.field,
        analyzer: 'keyword',
        size: generator.size,
        sort: 'score',
        suggestMode: generator.suggestMode,
        accuracy: generator.accuracy,
        maxEdits: generator.maxEdits,
        prefixLength: generator.prefixLength,
        minWordLength: generator.minWordLength,
        minDocFreq,
        maxTermFreq: generator.maxTermFreq,
        lowercaseTerms: false,
        shardSize: generator.size,
        maxInspections: generator.maxInspections,
      };
      for (const option of shardTermSuggest(termSpec, segments, mappings)[0]?.options ?? []) {
        const ttf = visibleTermStats(segments, field, option.text).totalTermFreq;
        if (!found.has(option.text)) found.set(option.text, { term: option.text, totalTermFreq: ttf, stringDistance: option.score, score: generatorScore(ttf, option.score), userInput: false });
      }
    }
    found.delete(token);
    const candidates = [...found.values()].sort(byStrength).slice(0, spec.shardSize);
    return { original, candidates };
  });

  const frequency = (term: string): number => visibleTermStats(segments, field, term).totalTermFreq;
  const unigram = (candidate: Candidate): number => (1 + candidate.totalTermFreq) / (sumTotalTermFreq + numTerms);
  const channel = (candidate: Candidate): number => (candidate.stringDistance === 1 ? spec.realWordErrorLikelihood : candidate.stringDistance);
  const bigram = (word: Candidate, previous: Candidate): number => {
    const count = frequency(`${previous.term}${spec.separator}${word.term}`);
    return count < 1 ? spec.discount * unigram(word) : count / (previous.totalTermFreq + 0.00000000001);
  };
  const trigram = (word: Candidate, previous: Candidate, before: Candidate): number => {
    const bigramCount = frequency(`${previous.term}${spec.separator}${word.term}`);
    if (bigramCount < 1) return spec.discount * unigram(word);
    const trigramCount = frequency(`${before.term}${spec.separator}${previous.term}${spec.separator}${word.term}`);
    if (trigramCount < 1) return spec.discount * (bigramCount / (previous.totalTermFreq + 0.00000000001));
    return trigramCount / (bigramCount + 0.00000000001);
  };
  const scoreAt = (path: readonly Candidate[], at: number): number => {
    const word = path[at]!;
    if (at === 0 || spec.gramSize === 1) return Math.log10(channel(word) * unigram(word));
    if (at === 1 || spec.gramSize === 2) return Math.log10(channel(word) * bigram(word, path[at - 1]!));
    return Math.log10(channel(word) * trigram(word, path[at - 1]!, path[at - 2]!));
  };

  const originals = sets.map((set) => set.original);
  let cutoff = Number.MIN_VALUE;
  if (spec.confidence > 0) cutoff = Math.exp(originals.reduce((sum, _, index) => sum + scoreAt(originals, index), 0)) * spec.confidence;
  const misspellings = Math.max(1, spec.maxErrors >= 1 ? Math.trunc(spec.maxErrors) : Math.round(spec.maxErrors * sets.length));
  const corrections: { score: number; path: Candidate[] }[] = [];
  const path: Candidate[] = new Array(sets.length);
  const visit = (at: number, left: number, pathScore: number): void => {
    const set = sets[at]!;
    const choices = left > 0 ? [set.original, ...set.candidates] : [set.original];
    for (const choice of choices) {
      path[at] = choice;
      const score = pathScore + scoreAt(path, at);
      const nextLeft = choice === set.original ? left : left - 1;
      if (at === sets.length - 1) {
        const total = Math.exp(score);
        if (total > cutoff) corrections.push({ score: total, path: [...path] });
      } else visit(at + 1, nextLeft, score);
    }
  };
  visit(0, misspellings, 0);
  const join = (candidates: readonly Candidate[], tags: PhraseSuggestSpec['highlight']): string =>
    candidates.map((candidate) => (tags !== undefined && !candidate.userInput ? `${tags.preTag}${candidate.term}${tags.postTag}` : candidate.term)).join(' ');
  corrections.sort((left, right) => right.score - left.score || (join(left.path, undefined) < join(right.path, undefined) ? -1 : 1));
  return corrections.slice(0, spec.shardSize).map((correction) => ({
    text: join(correction.path, undefined),
    ...(spec.highlight !== undefined ? { highlighted: join(correction.path, spec.highlight) } : {}),
    score: Math.fround(correction.score),
  }));
}

/** The coordinator's reduce: the shards' options merged by text (best score), best first, `size` kept. */
export function mergePhraseSuggest(spec: PhraseSuggestSpec, parts: readonly (readonly PhraseOption[])[]): Json[] {
  const merged = new Map<string, PhraseOption>();
  for (const part of parts) for (const option of part) if ((merged.get(option.text)?.score ?? -Infinity) < option.score) merged.set(option.text, option);
  const options = [...merged.values()].sort((left, right) => right.score - left.score || (left.text < right.text ? -1 : 1)).slice(0, spec.size);
  return [{ text: spec.text, offset: 0, length: spec.text.length, options }];
}
