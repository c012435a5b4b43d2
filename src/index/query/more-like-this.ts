/**
 * The `more_like_this` query: parse (the JSON of Elasticsearch's MoreLikeThisQueryBuilder), term
 * selection (Lucene's MoreLikeThis: term frequencies of the liked texts per field, document
 * frequencies from the shard, tf * idf with the classic idf, the best `max_query_terms`) and plan
 * (a bool of should term queries with `minimum_should_match`).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-mlt-query.html
 *
 * Liked documents (`{_index, _id}`) are read through a lookup the search service binds to the
 * node after parsing (`bindMoreLikeThisLookup`): the lookup is a function, so such a query is not
 * plain data and runs on the main thread (search-pool.ts), where the lookup can read the store.
 */
import { errors } from '../../common/errors.js';
import { normalizeKeyword } from '../analysis/index.js';
import type { FieldMapping, Segment } from '../engine/segment.js';
import { namedAnalyzer, resolveAnalyzer } from '../engine/segment-builder.js';
import type { QueryNode } from './ast.js';
import { defaultFieldBoosts } from './default-fields.js';
import { boolean, boostOf, checkKnown, minimumShouldMatch, number, optionalString, stringValue } from './parse.js';
import {
  BoolWeight,
  DocSetWeight,
  MatchNoneWeight,
  type PlanContext,
  TermWeight,
  type Weight,
  bitSetFromDocs,
  expandFieldPattern,
  resolveMinimumShouldMatch,
} from './plan.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** One `like` / `unlike` entry: free text, an artificial document, or a stored document. */
export type MltItem =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'doc'; readonly index: string | undefined; readonly doc: Json }
  | { readonly kind: 'id'; readonly index: string | undefined; readonly id: string };

/** Reads a stored document's `_source` (undefined: no such document or index). */
export type MltDocumentLookup = (index: string, id: string) => unknown;

/** The term selection limits (TermSelectionOptions) as parsed, with the stop words as listed. */
export interface MoreLikeThisNode extends Omit<TermSelectionOptions, 'stopWords'> {
  readonly kind: 'more_like_this';
  /** undefined: the index's `index.query.default_field` (default `*`: every text and keyword field). */
  readonly fields: readonly string[] | undefined;
  readonly like: readonly MltItem[];
  readonly unlike: readonly MltItem[];
  readonly stopWords: readonly string[];
  readonly analyzer: string | undefined;
  readonly minimumShouldMatch: string;
  readonly failOnUnsupportedField: boolean;
  readonly boostTerms: number;
  readonly include: boolean;
  readonly boost: number;
  /**
   * Holds the document lookup under the key `lookup` once the search service binds it (a Map
   * stays writable when the AST is frozen). Present only when an item names a stored document.
   */
  readonly lookups: Map<'lookup', MltDocumentLookup> | undefined;
}

const mltOptions = [
  'fields', 'like', 'unlike', 'max_query_terms', 'min_term_freq', 'min_doc_freq', 'max_doc_freq', 'min_word_length',
  'max_word_length', 'stop_words', 'analyzer', 'minimum_should_match', 'fail_on_unsupported_field', 'boost_terms', 'include',
  'boost', '_name',
];

function items(value: unknown): MltItem[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.map((item): MltItem => {
    if (typeof item === 'string') return { kind: 'text', text: item };
    if (!isObject(item)) throw errors.parsing('[more_like_this] failed to parse field [like]');
    for (const key of Object.keys(item)) {
      if (key !== '_index' && key !== '_id' && key !== 'doc') throw errors.parsing(`[more_like_this] item does not support [${key}]`);
    }
    const index = optionalString(item['_index'], 'more_like_this', '_index');
    if (item['doc'] !== undefined) {
      if (item['_id'] !== undefined) throw errors.illegalArgument('[more_like_this] an item must have either an [_id] or a [doc], not both');
      if (!isObject(item['doc'])) throw errors.parsing('[more_like_this] failed to parse field [doc]');
      return { kind: 'doc', index, doc: item['doc'] };
    }
    if (item['_id'] === undefined) throw errors.illegalArgument('[more_like_this] an item requires either an [_id] or a [doc]');
    return { kind: 'id', index, id: stringValue(item['_id'], 'more_like_this', '_id') };
  });
}

function nonNegative(body: Json, key: string, fallback: number): number {
  if (body[key] === undefined) return fallback;
  const value = number(body[key], 'more_like_this', key);
  if (!Number.isInteger(value) || value < 0) throw errors.illegalArgument(`[more_like_this] requires '${key}' to be a non-negative integer, got [${value}]`);
  return value;
}

export function parseMoreLikeThis(body: Json): QueryNode {
  checkKnown('more_like_this', body, mltOptions);
  const like = items(body['like']);
  if (like.length === 0) throw errors.parsing("more_like_this requires 'like' to be specified");
  const unlike = items(body['unlike']);
  let fields: string[] | undefined;
  if (body['fields'] !== undefined) {
    if (!Array.isArray(body['fields'])) throw errors.parsing('[more_like_this] failed to parse field [fields]');
    fields = body['fields'].map((field) => stringValue(field, 'more_like_this', 'fields'));
    if (fields.length === 0) throw errors.illegalArgument("more_like_this requires 'fields' to be non-empty");
  }
  const stopWords = body['stop_words'] === undefined ? [] : Array.isArray(body['stop_words']) ? body['stop_words'] : [body['stop_words']];
  const boostTerms = body['boost_terms'] === undefined ? 0 : number(body['boost_terms'], 'more_like_this', 'boost_terms');
  if (boostTerms < 0) throw errors.illegalArgument(`[more_like_this] requires 'boost_terms' to be non-negative, got [${boostTerms}]`);
  const needsLookup = [...like, ...unlike].some((item) => item.kind === 'id');
  const node: MoreLikeThisNode = {
    kind: 'more_like_this',
    fields,
    like,
    unlike,
    maxQueryTerms: nonNegative(body, 'max_query_terms', 25),
    minTermFreq: nonNegative(body, 'min_term_freq', 2),
    minDocFreq: nonNegative(body, 'min_doc_freq', 5),
    maxDocFreq: body['max_doc_freq'] === undefined ? Number.MAX_SAFE_INTEGER : nonNegative(body, 'max_doc_freq', 0),
    minWordLength: nonNegative(body, 'min_word_length', 0),
    maxWordLength: nonNegative(body, 'max_word_length', 0),
    stopWords: stopWords.map((word) => stringValue(word, 'more_like_this', 'stop_words')),
    analyzer: optionalString(body['analyzer'], 'more_like_this', 'analyzer'),
    minimumShouldMatch: minimumShouldMatch(body['minimum_should_match']) ?? '30%',
    failOnUnsupportedField: body['fail_on_unsupported_field'] === undefined ? true : boolean(body['fail_on_unsupported_field'], 'more_like_this', 'fail_on_unsupported_field'),
    boostTerms,
    include: body['include'] === undefined ? false : boolean(body['include'], 'more_like_this', 'include'),
    boost: boostOf(body, 'more_like_this'),
    lookups: needsLookup ? new Map() : undefined,
  };
  return node as QueryNode;
}

/** Binds the stored-document lookup to every `more_like_this` node of a parsed query that needs one. */
export function bindMoreLikeThisLookup(root: QueryNode | undefined, lookup: MltDocumentLookup): void {
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || value instanceof Map) return;
    seen.add(value);
    const node = value as Partial<MoreLikeThisNode>;
    if (node.kind === 'more_like_this' && node.lookups !== undefined) node.lookups.set('lookup', lookup);
    for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child);
  };
  visit(root);
}

// ---------------------------------------------------------------------------------------------
// Term selection (pure)

export interface TermSelectionOptions {
  readonly maxQueryTerms: number;
  readonly minTermFreq: number;
  readonly minDocFreq: number;
  readonly maxDocFreq: number;
  readonly minWordLength: number;
  readonly maxWordLength: number;
  readonly stopWords: ReadonlySet<string>;
}

export interface SelectedTerm {
  readonly field: string;
  readonly term: string;
  /** tf * idf. */
  readonly score: number;
}

/** Lucene's ClassicSimilarity idf, which MoreLikeThis scores terms with: 1 + ln((numDocs + 1) / (docFreq + 1)). */
export function classicIdf(docFreq: number, numDocs: number): number {
  return Math.log((numDocs + 1) / (docFreq + 1)) + 1;
}

/** Is this word kept (MoreLikeThis.isNoiseWord's length and stop-word tests)? */
export function acceptWord(term: string, options: TermSelectionOptions): boolean {
  const length = term.length;
  if (options.minWordLength > 0 && length < options.minWordLength) return false;
  if (options.maxWordLength > 0 && length > options.maxWordLength) return false;
  return !options.stopWords.has(term);
}

/**
 * Picks the query terms: per field, every liked term with tf >= min_term_freq whose document
 * frequency lies in [min_doc_freq, max_doc_freq] (terms no document has are dropped: they cannot
 * match), not a term of an unliked text, scored tf * idf; the best `maxQueryTerms` across fields,
 * highest score first (ties: field, then term, for a stable order).
 */
export function selectTerms(
  termFreqs: ReadonlyMap<string, ReadonlyMap<string, number>>,
  skip: ReadonlyMap<string, ReadonlySet<string>>,
  docFreq: (field: string, term: string) => number,
  numDocs: number,
  options: TermSelectionOptions,
): SelectedTerm[] {
  const candidates: SelectedTerm[] = [];
  for (const [field, freqs] of termFreqs) {
    const skipped = skip.get(field);
    for (const [term, tf] of freqs) {
      if (tf < options.minTermFreq || skipped?.has(term) === true) continue;
      const df = docFreq(field, term);
      if (df === 0 || df < options.minDocFreq || df > options.maxDocFreq) continue;
      candidates.push({ field, term, score: tf * classicIdf(df, numDocs) });
    }
  }
  candidates.sort((a, b) => b.score - a.score || (a.field < b.field ? -1 : a.field > b.field ? 1 : 0) || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
  return candidates.slice(0, options.maxQueryTerms);
}

// ---------------------------------------------------------------------------------------------
// Planning

const isStringField = (mapping: FieldMapping): boolean => mapping.type === 'text' || mapping.type === 'keyword';

/**
 * The fields the query analyzes: the named ones (patterns expanded), or else the index's
 * `index.query.default_field` (`*`: every text/keyword field). As Elasticsearch, free text cannot
 * be liked under the default `*` alone: which field's analyzer would read it is unknown.
 */
function mltFields(node: MoreLikeThisNode, context: PlanContext): string[] {
  let patterns = node.fields;
  if (patterns === undefined) {
    const hasText = [...node.like, ...node.unlike].some((item) => item.kind === 'text');
    if (hasText && context.defaultFields.length === 1 && context.defaultFields[0] === '*') {
      const reason =
        '[more_like_this] query cannot infer the field to analyze the free text, you should update the [index.query.default_field] index setting to a field that exists in the mapping or set the [fields] option in the query.';
      throw errors.queryShard(`failed to create query: ${reason}`, context.indexName, errors.illegalArgument(reason));
    }
    patterns = defaultFieldBoosts(context.defaultFields, context.indexName).map((entry) => entry.field);
  }
  const fields: string[] = [];
  for (const pattern of patterns) {
    const names = pattern.includes('*') ? expandFieldPattern(pattern, context.mappings) : [pattern];
    for (const name of names) {
      let mapping = context.mappings[name];
      if (mapping?.aliasOf !== undefined) mapping = context.mappings[mapping.aliasOf];
      if (mapping === undefined) continue;
      if (!isStringField(mapping) || mapping.constantScore === true) {
        // Patterns (and the default `*`) keep only the fields the query can use.
        if (node.failOnUnsupportedField && node.fields !== undefined && !pattern.includes('*')) {
          throw errors.queryShard(`failed to create query: more_like_this only supports text/keyword fields: [${name}]`, context.indexName);
        }
        continue;
      }
      if (!fields.includes(name)) fields.push(name);
    }
  }
  return fields;
}

/** The values at a dotted path of a source object (objects and arrays walked, as source filtering does). */
function valuesAt(source: unknown, path: string): string[] {
  const out: string[] = [];
  const walk = (value: unknown, rest: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, rest);
      return;
    }
    if (rest === '') {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
      return;
    }
    if (!isObject(value)) return;
    if (Object.hasOwn(value, rest)) walk(value[rest], '');
    for (let dot = rest.indexOf('.'); dot > 0; dot = rest.indexOf('.', dot + 1)) {
      const head = rest.slice(0, dot);
      if (Object.hasOwn(value, head)) walk(value[head], rest.slice(dot + 1));
    }
  };
  walk(source, path);
  return out;
}

interface FieldTexts {
  /** Per field, the texts to analyze. */
  readonly texts: Map<string, string[]>;
  /** `_id`s of liked stored documents of this index (excluded from hits unless `include`). */
  readonly ids: string[];
}

function collectTexts(node: MoreLikeThisNode, list: readonly MltItem[], fields: readonly string[], context: PlanContext): FieldTexts {
  const texts = new Map<string, string[]>(fields.map((field) => [field, []]));
  const ids: string[] = [];
  for (const item of list) {
    if (item.kind === 'text') {
      for (const field of fields) texts.get(field)!.push(item.text);
      continue;
    }
    let source: unknown;
    if (item.kind === 'doc') {
      source = item.doc;
    } else {
      const lookup = node.lookups?.get('lookup');
      if (lookup === undefined) throw errors.illegalArgument('[more_like_this] documents in [like] and [unlike] are supported by the search APIs only');
      const index = item.index ?? context.indexName;
      source = lookup(index, item.id);
      if (index === context.indexName) ids.push(item.id);
      if (source === undefined) continue; // Elasticsearch ignores a liked document it cannot find.
    }
    for (const field of fields) texts.get(field)!.push(...valuesAt(source, field));
  }
  return { texts, ids };
}

function termFrequencies(node: MoreLikeThisNode, texts: ReadonlyMap<string, readonly string[]>, context: PlanContext, options: TermSelectionOptions): Map<string, Map<string, number>> {
  const result = new Map<string, Map<string, number>>();
  for (const [field, values] of texts) {
    const mapping = context.mappings[field]!;
    const target = mapping.aliasOf === undefined ? mapping : context.mappings[mapping.aliasOf]!;
    const freqs = new Map<string, number>();
    // The named analyzer, or (none named, or a name the index does not know: no error, as
    // MoreLikeThisQueryBuilder falls back quietly) the field's index analyzer: a keyword field's normalizer.
    const named = node.analyzer === undefined ? undefined : namedAnalyzer(node.analyzer, context.mappings);
    const analyzer = named ?? (target.type === 'keyword' ? undefined : resolveAnalyzer(target, false));
    for (const value of values) {
      let terms: readonly string[];
      if (analyzer === undefined) terms = [target.normalizer === undefined ? value : normalizeKeyword(target.normalizer, value)];
      else terms = analyzer.analyze(value).terms;
      for (const term of terms) if (acceptWord(term, options)) freqs.set(term, (freqs.get(term) ?? 0) + 1);
    }
    result.set(mapping.aliasOf ?? field, freqs);
  }
  return result;
}

function liveDocs(segments: readonly Segment[]): number {
  let count = 0;
  for (const segment of segments) {
    const live = segment.liveDocs;
    if (live === null) {
      count += segment.maxDoc;
      continue;
    }
    for (let doc = 0; doc < segment.maxDoc; doc++) if ((live[doc >>> 5]! >>> (doc & 31)) & 1) count++;
  }
  return count;
}

export function planMoreLikeThis(node: MoreLikeThisNode, context: PlanContext, boost: number, scoring: boolean): Weight {
  const fields = mltFields(node, context);
  if (fields.length === 0) return new MatchNoneWeight('more_like_this: no text or keyword field');
  const options: TermSelectionOptions = { ...node, stopWords: new Set(node.stopWords) };
  const liked = collectTexts(node, node.like, fields, context);
  const unliked = collectTexts(node, node.unlike, fields, context);
  const freqs = termFrequencies(node, liked.texts, context, options);
  const skip = new Map<string, Set<string>>();
  for (const [field, terms] of termFrequencies(node, unliked.texts, context, options)) skip.set(field, new Set(terms.keys()));
  const selected = selectTerms(freqs, skip, (field, term) => context.stats.docFreq(field, term), liveDocs(context.segments), options);
  if (selected.length === 0) return new MatchNoneWeight('more_like_this: no terms selected');
  const score = boost * node.boost;
  const best = selected[0]!.score;
  const should = selected.map(
    (term) => new TermWeight(term.field, term.term, node.boostTerms > 0 ? (score * node.boostTerms * term.score) / best : score, scoring, context.stats),
  );
  const minimum = Math.max(1, resolveMinimumShouldMatch(node.minimumShouldMatch, should.length));
  const query = new BoolWeight([], should, [], [], minimum, scoring);
  if (node.include || liked.ids.length === 0) return query;
  const ids = liked.ids;
  const excluded = new DocSetWeight(`ids ${ids.join(',')}`, 0, (segment) => {
    const docs = ids.map((id) => segment.idOrdinals.get(id)).filter((doc): doc is number => doc !== undefined).sort((a, b) => a - b);
    return bitSetFromDocs(segment.maxDoc, Int32Array.from(docs), 0, docs.length, 0);
  });
  return new BoolWeight([query], [], [], [excluded], 0, scoring);
}
