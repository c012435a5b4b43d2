/**
 * The `suggest` section of a search: the term suggester (pure). Per shard, each analyzed token of
 * the suggest text gets spelling candidates from the field's term dictionary the way Lucene's
 * DirectSpellChecker finds them (Elasticsearch's TermSuggester): terms within `max_edits`
 * (Damerau-Levenshtein) sharing the first `prefix_length` characters, scored
 * 1 − edits / min(length of token, length of candidate) and kept at or above `accuracy`, as often
 * as `suggest_mode` allows; the coordinator merges the shards' options (frequencies summed) and
 * keeps `size` per token in `sort` order.
 *
 * Frequencies count only the documents the caller can see: the segments are the ones the query
 * phase reads (document level security's live documents, field level security's fields), and a
 * term is a candidate only when a visible document holds it, so suggestions never reveal terms
 * of hidden documents or fields.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-suggesters.html#term-suggester
 */
import { editDistance, errors, EsError } from '../common/index.js';
import { namedAnalyzer, resolveAnalyzer, type Analyzer, type FieldMappings, type Segment, type ShardHit } from '../index/searcher/index.js';
import { mergePhraseSuggest, parsePhrase, shardPhraseSuggest, type PhraseOption, type PhraseSuggestSpec } from './phrase-suggest.js';
import { mergeCompletionSuggest, parseCompletion, renderCompletionSuggest, shardCompletionSuggest, type CompletionOption, type CompletionShard, type CompletionSuggestSpec } from './completion-suggest.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

export type SuggestMode = 'missing' | 'popular' | 'always';

export interface TermSuggestSpec {
  readonly name: string;
  readonly kind: 'term';
  readonly text: string;
  readonly field: string;
  readonly analyzer: string | undefined;
  readonly size: number;
  readonly sort: 'score' | 'frequency';
  readonly suggestMode: SuggestMode;
  readonly accuracy: number;
  readonly maxEdits: number;
  readonly prefixLength: number;
  readonly minWordLength: number;
  readonly minDocFreq: number;
  readonly maxTermFreq: number;
  readonly lowercaseTerms: boolean;
  /** Candidates each shard returns per token (default max(size, 5)). */
  readonly shardSize: number;
  /** Lucene's DirectSpellChecker inspects shard_size × max_inspections of the closest terms. */
  readonly maxInspections: number;
}

export type SuggestSpec = TermSuggestSpec | PhraseSuggestSpec | CompletionSuggestSpec;

const termOptions = [
  'field', 'analyzer', 'size', 'shard_size', 'sort', 'suggest_mode', 'accuracy', 'max_edits', 'max_inspections', 'max_term_freq', 'prefix_length',
  'min_word_length', 'min_doc_freq', 'string_distance', 'lowercase_terms',
];

function number(value: unknown, name: string): number {
  const result = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(result)) throw errors.parsing(`[term] failed to parse field [${name}]`);
  return result;
}

function parseTerm(name: string, text: string | undefined, body: Json): TermSuggestSpec {
  for (const key of Object.keys(body)) if (!termOptions.includes(key)) throw errors.parsing(`[term] unknown field [${key}]`);
  if (typeof body['field'] !== 'string') throw errors.illegalArgument('suggestion requires [field] to be set');
  if (text === undefined) throw errors.illegalArgument('The required text option is missing');
  const mode = body['suggest_mode'] === undefined ? 'missing' : String(body['suggest_mode']).toLowerCase();
  if (mode !== 'missing' && mode !== 'popular' && mode !== 'always') throw errors.illegalArgument(`Illegal suggest mode ${String(body['suggest_mode']).toUpperCase()}`);
  const sort = body['sort'] === undefined ? 'score' : String(body['sort']).toLowerCase();
  if (sort !== 'score' && sort !== 'frequency') throw errors.illegalArgument(`Illegal suggest sort ${String(body['sort'])}`);
  const distance = body['string_distance'] === undefined ? 'internal' : String(body['string_distance']);
  // Other distances (damerau_levenshtein, levenshtein, jaro_winkler, ngram) score differently.
  if (distance !== 'internal') throw errors.illegalArgument(`[term] suggester string_distance [${distance}] is not supported by Strait (only [internal])`);
  const maxEdits = body['max_edits'] === undefined ? 2 : number(body['max_edits'], 'max_edits');
  if (!Number.isInteger(maxEdits) || maxEdits < 1 || maxEdits > 2) throw errors.illegalArgument('Illegal max_edits value ' + maxEdits);
  const size = body['size'] === undefined ? 5 : number(body['size'], 'size');
  if (size <= 0) throw errors.illegalArgument('size must be positive');
  return {
    name,
    kind: 'term',
    text,
    field: body['field'],
    analyzer: typeof body['analyzer'] === 'string' ? body['analyzer'] : undefined,
    size,
    sort,
    suggestMode: mode,
    accuracy: body['accuracy'] === undefined ? 0.5 : number(body['accuracy'], 'accuracy'),
    maxEdits,
    prefixLength: body['prefix_length'] === undefined ? 1 : number(body['prefix_length'], 'prefix_length'),
    minWordLength: body['min_word_length'] === undefined ? 4 : number(body['min_word_length'], 'min_word_length'),
    minDocFreq: body['min_doc_freq'] === undefined ? 0 : number(body['min_doc_freq'], 'min_doc_freq'),
    maxTermFreq: body['max_term_freq'] === undefined ? 0.01 : number(body['max_term_freq'], 'max_term_freq'),
    lowercaseTerms: body['lowercase_terms'] === true,
    shardSize: body['shard_size'] === undefined ? Math.max(size, 5) : number(body['shard_size'], 'shard_size'),
    maxInspections: body['max_inspections'] === undefined ? 5 : number(body['max_inspections'], 'max_inspections'),
  };
}

/**
 * The suggest section of a search body (`text` may be global), or the URL's `suggest_field`,
 * `suggest_text`, `suggest_mode` and `suggest_size` (a term suggestion named after the field).
 */
export function parseSuggest(value: unknown, query: Readonly<Record<string, string>>): readonly SuggestSpec[] {
  const specs: SuggestSpec[] = [];
  if (query['suggest_field'] !== undefined) {
    const body: Json = { field: query['suggest_field'] };
    if (query['suggest_mode'] !== undefined) body['suggest_mode'] = query['suggest_mode'];
    if (query['suggest_size'] !== undefined) body['size'] = query['suggest_size'];
    specs.push(parseTerm(query['suggest_field'], query['suggest_text'], body));
  }
  if (value === undefined || value === null) return specs;
  if (!isObject(value)) throw errors.parsing('[suggest] expected an object');
  const globalText = value['text'];
  if (globalText !== undefined && typeof globalText !== 'string') throw errors.parsing('[suggest] text must be a string');
  for (const [name, entry] of Object.entries(value)) {
    if (name === 'text') continue;
    if (!isObject(entry)) throw errors.parsing(`suggestion does not support [${name}]`);
    let text = typeof globalText === 'string' ? globalText : undefined;
    let termBody: Json | undefined;
    let phraseBody: Json | undefined;
    let completionBody: Json | undefined;
    let prefix: string | undefined;
    let regex: string | undefined;
    for (const [key, inner] of Object.entries(entry)) {
      if (key === 'text') {
        if (typeof inner !== 'string') throw errors.parsing('[text] must be a string');
        text = inner;
      } else if (key === 'prefix' || key === 'regex') {
        if (typeof inner !== 'string') throw errors.parsing(`[${key}] must be a string`);
        if (key === 'prefix') prefix = inner;
        else regex = inner;
      } else if (key === 'term') {
        if (!isObject(inner)) throw errors.parsing('[term] suggester expects an object');
        termBody = inner;
      } else if (key === 'phrase') {
        if (!isObject(inner)) throw errors.parsing('[phrase] suggester expects an object');
        phraseBody = inner;
      } else if (key === 'completion') {
        if (!isObject(inner)) throw errors.parsing('[completion] suggester expects an object');
        completionBody = inner;
      } else {
        throw errors.parsing(`suggestion does not support [${key}]`);
      }
    }
    if (completionBody !== undefined) specs.push(parseCompletion(name, text, prefix, regex, completionBody));
    else if (prefix !== undefined || regex !== undefined) throw errors.illegalArgument(`[${prefix !== undefined ? 'prefix' : 'regex'}] is only used by the completion suggester`);
    else if (phraseBody !== undefined) specs.push(parsePhrase(name, text, phraseBody));
    else if (termBody !== undefined) specs.push(parseTerm(name, text, termBody));
    else throw errors.illegalArgument('missing suggestion type');
  }
  return specs;
}

/** One token of the suggest text and its candidates from one shard. */
export interface SuggestEntryPart {
  readonly text: string;
  readonly offset: number;
  readonly length: number;
  readonly options: readonly { readonly text: string; readonly score: number; readonly freq: number }[];
}

/**
 * A term's frequencies over the documents the caller can see (live docs only): how many hold it,
 * and how often it occurs in them all. The term and phrase suggesters both read these.
 */
export function visibleTermStats(segments: readonly Segment[], field: string, term: string): { docFreq: number; totalTermFreq: number } {
  let docFreq = 0;
  let totalTermFreq = 0;
  for (const segment of segments) {
    const postings = segment.postings.get(field);
    const ordinal = postings?.termOrdinals.get(term);
    if (postings === undefined || ordinal === undefined) continue;
    const live = segment.liveDocs;
    for (let index = postings.postingsStart[ordinal]!; index < postings.postingsStart[ordinal + 1]!; index++) {
      const doc = postings.docs[index]!;
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      docFreq++;
      totalTermFreq += postings.freqs[index]!;
    }
  }
  return { docFreq, totalTermFreq };
}

function analyzerFor(spec: TermSuggestSpec, mappings: FieldMappings): Analyzer {
  if (spec.analyzer !== undefined) return suggesterAnalyzer(spec.analyzer, mappings);
  return resolveAnalyzer(mappings[spec.field], true);
}

/**
 * A suggester's `analyzer` (term and phrase): one of the index's analyzers, its own or a built-in
 * one; any other name is Elasticsearch's 400 (SuggestionBuilder#populateCommonFields).
 */
export function suggesterAnalyzer(name: string, mappings: FieldMappings): Analyzer {
  const analyzer = namedAnalyzer(name, mappings);
  if (analyzer === undefined) throw errors.illegalArgument(`analyzer [${name}] doesn't exists`);
  return analyzer;
}

/** One shard's term suggestions for one spec (nothing when the field is unmapped or hidden). */
export function shardTermSuggest(spec: TermSuggestSpec, segments: readonly Segment[], mappings: FieldMappings): SuggestEntryPart[] {
  const mapping = mappings[spec.field];
  const field = mapping?.aliasOf ?? spec.field;
  const tokens = analyzerFor(spec, mappings).analyze(spec.text);
  const visibleDocs = segments.reduce((sum, segment) => sum + (segment.liveDocs === null ? segment.maxDoc : segment.liveDocCount), 0);
  return tokens.terms.map((raw, index) => {
    const token = spec.lowercaseTerms ? raw.toLowerCase() : raw;
    const entry = { text: token, offset: tokens.startOffsets[index]!, length: tokens.endOffsets[index]! - tokens.startOffsets[index]! };
    if (mapping === undefined) return { ...entry, options: [] };
    const codePoints = Array.from(token, (ch) => ch.codePointAt(0)!);
    const docFreq = visibleTermStats(segments, field, token).docFreq;
    // DirectSpellChecker: a token in the index needs no correction in `missing` mode; a frequent
    // one (above max_term_freq: a count when >= 1, else a fraction of the documents) needs none.
    if (spec.suggestMode === 'missing' && docFreq > 0) return { ...entry, options: [] };
    if (spec.maxTermFreq >= 1 ? docFreq > spec.maxTermFreq : docFreq > Math.ceil(spec.maxTermFreq * visibleDocs)) return { ...entry, options: [] };
    if (codePoints.length < spec.minWordLength) return { ...entry, options: [] };
    const prefix = codePoints.slice(0, spec.prefixLength);
    const candidates = new Map<string, { score: number; freq: number }>();
    for (const segment of segments) {
      const postings = segment.postings.get(field);
      if (postings === undefined) continue;
      for (const term of postings.terms) {
        if (term === token || candidates.has(term)) continue;
        const termPoints = Array.from(term, (ch) => ch.codePointAt(0)!);
        if (prefix.some((point, position) => termPoints[position] !== point)) continue;
        const edits = editDistance(codePoints, termPoints, spec.maxEdits);
        if (edits > spec.maxEdits) continue;
        const score = Math.fround(1 - edits / Math.min(codePoints.length, termPoints.length));
        if (score < spec.accuracy) continue;
        const freq = visibleTermStats(segments, field, term).docFreq;
        if (freq === 0 || freq < (spec.minDocFreq >= 1 ? spec.minDocFreq : Math.ceil(spec.minDocFreq * visibleDocs))) continue;
        if (spec.suggestMode === 'popular' && freq <= docFreq) continue;
        candidates.set(term, { score, freq });
      }
    }
    // DirectSpellChecker: the closest shard_size × max_inspections terms (ties: the earlier term),
    // then the best shard_size of them in the requested order.
    const options = [...candidates].map(([text, { score, freq }]) => ({ text, score, freq }));
    const inspected = options.sort((left, right) => right.score - left.score || (left.text < right.text ? -1 : left.text > right.text ? 1 : 0)).slice(0, spec.shardSize * spec.maxInspections);
    return { ...entry, options: inspected.sort(compareOptions(spec.sort)).slice(0, spec.shardSize) };
  });
}

function compareOptions(sort: 'score' | 'frequency') {
  return (left: { text: string; score: number; freq: number }, right: { text: string; score: number; freq: number }): number => {
    const byScore = right.score - left.score;
    const byFreq = right.freq - left.freq;
    const byText = left.text < right.text ? -1 : left.text > right.text ? 1 : 0;
    return sort === 'score' ? byScore || byFreq || byText : byFreq || byScore || byText;
  };
}

/** The coordinator's reduce: per token, the shards' options merged by text (frequencies summed, best score), sorted, `size` kept. */
export function mergeTermSuggest(spec: TermSuggestSpec, parts: readonly (readonly SuggestEntryPart[])[]): Json[] {
  const first = parts[0];
  if (first === undefined) return [];
  return first.map((entry, index) => {
    const merged = new Map<string, { text: string; score: number; freq: number }>();
    for (const part of parts) {
      for (const option of part[index]?.options ?? []) {
        const seen = merged.get(option.text);
        if (seen === undefined) merged.set(option.text, { ...option });
        else merged.set(option.text, { text: option.text, score: Math.max(seen.score, option.score), freq: seen.freq + option.freq });
      }
    }
    const options = [...merged.values()].sort(compareOptions(spec.sort)).slice(0, spec.size);
    return { text: entry.text, offset: entry.offset, length: entry.length, options };
  });
}

/** One suggestion's part from one shard, or the error computing it there (a bad `analyzer`). */
export type ShardSuggestPart =
  | { readonly kind: 'term'; readonly entries: readonly SuggestEntryPart[] }
  | { readonly kind: 'phrase'; readonly options: readonly PhraseOption[] }
  | { readonly kind: 'completion'; readonly options: readonly CompletionOption[] }
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly reason: string };

/**
 * The suggest phase of one shard (Elasticsearch runs it in each shard's query phase): every
 * suggestion's part, in request order, and whether the shard maps (or field level security hides)
 * each suggestion's field. Plain data: a data node sends it to the coordinating node.
 */
export interface ShardSuggest {
  readonly index: string;
  readonly shard: number;
  readonly fieldKnown: readonly boolean[];
  readonly parts: readonly ShardSuggestPart[];
}

/** What the suggesters read of one searched shard (search-service's Target has these). */
export type SuggestShard = CompletionShard & { readonly shard: number; readonly mappings: FieldMappings };

/** The suggest phase over one shard's visible documents and fields. */
export function shardSuggest(specs: readonly SuggestSpec[], shard: SuggestShard): ShardSuggest {
  const parts = specs.map((spec): ShardSuggestPart => {
    try {
      if (spec.kind === 'completion') return { kind: 'completion', options: shardCompletionSuggest(spec, shard, 0) };
      if (spec.kind === 'phrase') return { kind: 'phrase', options: shardPhraseSuggest(spec, shard.segments, shard.mappings) };
      return { kind: 'term', entries: shardTermSuggest(spec, shard.segments, shard.mappings) };
    } catch (error) {
      if (!(error instanceof EsError)) throw error;
      return { kind: 'error', status: error.status, type: error.type, reason: error.message };
    }
  });
  const fieldKnown = specs.map((spec) => shard.mappings[spec.field] !== undefined || (shard.fieldVisibility !== undefined && !shard.fieldVisibility(spec.field)));
  return { index: shard.indexName, shard: shard.shard, fieldKnown, parts };
}

/** The coordinator's reduce of every shard's suggest phase: the hits completion options need, then the section rendered with them. */
export interface MergedSuggest {
  /** The completion options' hits, to fetch as the page's hits are. */
  readonly hits: readonly ShardHit[];
  /** The `suggest` section, given the fetched `hits` in order (undefined: that hit's fetch failed). */
  render(documents: readonly (Json | undefined)[]): Json;
}

/**
 * Merges the shards' suggest phases (`shards` in the search's shard order, the same on one node
 * and across nodes). Throws a suggestion's 400 in request order: its field unmapped on every
 * shard (checkSuggestField), else the first shard's error computing it.
 */
export function mergeSuggest(specs: readonly SuggestSpec[], shards: readonly ShardSuggest[], typedKeys: boolean): MergedSuggest {
  const merged: { key: string; value: Json[] | undefined; completion?: { spec: CompletionSuggestSpec; options: CompletionOption[]; from: number } }[] = [];
  const hits: ShardHit[] = [];
  specs.forEach((spec, position) => {
    if (spec.kind !== 'completion') checkSuggestField(spec.field, shards, position);
    const parts = shards.map((shard) => shard.parts[position]!);
    const failed = parts.find((part) => part.kind === 'error');
    if (failed !== undefined) throw new EsError(failed.status, failed.type, failed.reason);
    const key = typedKeys ? `${spec.kind}#${spec.name}` : spec.name;
    const of = <K extends ShardSuggestPart['kind']>(kind: K) => parts.map((part) => (part.kind === kind ? (part as Extract<ShardSuggestPart, { kind: K }>) : undefined)).filter((part) => part !== undefined);
    if (spec.kind === 'completion') {
      const options = mergeCompletionSuggest(spec, of('completion').map((part) => part.options));
      merged.push({ key, value: undefined, completion: { spec, options, from: hits.length } });
      hits.push(...options.map((option) => option.hit));
    } else if (spec.kind === 'phrase') {
      merged.push({ key, value: mergePhraseSuggest(spec, of('phrase').map((part) => part.options)) });
    } else {
      merged.push({ key, value: mergeTermSuggest(spec, of('term').map((part) => part.entries)) });
    }
  });
  return {
    hits,
    render: (documents) => {
      const result: Json = {};
      for (const { key, value, completion } of merged) {
        result[key] = completion === undefined ? value : renderCompletionSuggest(completion.spec, completion.options, documents.slice(completion.from, completion.from + completion.options.length));
      }
      return result;
    },
  };
}

/**
 * The rendered `suggest` section of a search on this node's shards (`typed_keys` prefixes each
 * name with `term#`). Completion options are documents: `fetch` renders their hits as the
 * search's fetch phase does.
 */
export function renderSuggest(specs: readonly SuggestSpec[], shards: readonly SuggestShard[], typedKeys: boolean, fetch: (hits: readonly ShardHit[]) => Json[]): Json {
  const merged = mergeSuggest(
    specs,
    shards.map((shard) => shardSuggest(specs, shard)),
    typedKeys,
  );
  return merged.render(merged.hits.length === 0 ? [] : fetch(merged.hits));
}

/**
 * A term or phrase suggester's field must be mapped: Elasticsearch refuses an unmapped one with
 * 400 illegal_argument_exception `no mapping found for field [x]` (SuggestionBuilder#populateCommonFields),
 * before it looks at the analyzer. A field that field level security hides answers nothing instead,
 * mapped or not, so a restricted caller cannot tell a hidden field from an absent one. Strait
 * refuses only when no searched shard maps (or hides) the field; where some indices map it, the
 * others add no suggestions (Elasticsearch reports those shards as failed).
 */
function checkSuggestField(field: string, shards: readonly ShardSuggest[], position: number): void {
  if (shards.length === 0) return;
  if (!shards.some((shard) => shard.fieldKnown[position] === true)) throw errors.illegalArgument(`no mapping found for field [${field}]`);
}
