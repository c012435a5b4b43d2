/**
 * The completion suggester (pure): documents whose `completion` field has an input starting with
 * the `prefix` (or `text`), within `fuzzy` edits of it, or matching the `regex` at its start, best
 * `weight` first; each option is a document (its best matching input), with the hit's `_index`,
 * `_id`, `_score` (the weight) and `_source` as the search's fetch renders them.
 *
 * On a field with category contexts a context query is required: a suggestion matches when one of
 * its categories is queried (exactly, or as a prefix), its score multiplied by the best boost, and
 * the option lists the categories matched under `contexts`.
 *
 * Inputs are matched by their analyzed form, as Lucene's completion postings hold them: the
 * tokens of the field's `analyzer` (default `simple`) joined by a separator (0x1F) when
 * `preserve_separators`, with one more separator per position hole (a removed stopword) when
 * `preserve_position_increments`; the prefix is analyzed alike by the `search_analyzer`.
 *
 * Lucene keeps these forms in a per-segment FST; here they come from the documents' `_source`,
 * parsed by the index's mapping (so multi-fields, weights and truncation are those of indexing)
 * once per segment and mapping, and kept beside the segment while it lives. Deleted documents
 * and those document level security hides are skipped by the caller's live documents; a field
 * field level security hides suggests nothing, as the term and phrase suggesters do.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-suggesters.html#completion-suggester
 */
import { editDistance, errors } from '../common/index.js';
import { parseLuceneRegex, regexMatchesWhole, RegexSyntaxError, type ParsedRegex } from '../common/lucene-regexp.js';
import { limits } from '../common/index.js';
import { getAnalyzer, type Analyzer } from '../index/analysis/index.js';
import { contextMappingsOf, type CategoryContext, type CompletionInput } from '../index/mapping/completion.js';
import { deepFreezeMapping, findProperty, parseDocument, parseDocumentAgainst, withParseOptions, type FlattenedMapping, type RootMapping } from '../index/mapping/index.js';
import { fuzzinessEdits } from '../index/query/plan.js';
import { regexFlagsFromNames } from '../index/query/text-queries-parse.js';
import type { Segment, ShardHit } from '../index/searcher/index.js';
import type { SourceTexts } from '../index/engine/index.js';
import { settingBoolean, type FlatSettings } from '../index/settings.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Lucene's separator label between the tokens of an analyzed input (ConcatenateGraphFilter.SEP_LABEL). */
const separator = '\u001f';

export interface CompletionFuzzy {
  readonly fuzziness: string;
  readonly transpositions: boolean;
  readonly minLength: number;
  readonly prefixLength: number;
  readonly unicodeAware: boolean;
}

export interface CompletionSuggestSpec {
  readonly name: string;
  readonly kind: 'completion';
  /** The entry's `text`: the prefix, text or regex as written. */
  readonly text: string;
  readonly match: { readonly kind: 'prefix'; readonly prefix: string } | { readonly kind: 'regex'; readonly regex: ParsedRegex; readonly source: string };
  readonly field: string;
  readonly size: number;
  readonly skipDuplicates: boolean;
  readonly fuzzy: CompletionFuzzy | undefined;
  /** Category context queries per context name (undefined: none given). */
  readonly contexts: Readonly<Record<string, readonly CategoryQuery[]>> | undefined;
}

/** One category of a context query: suggestions in it match, their score multiplied by `boost`. */
export interface CategoryQuery {
  readonly context: string;
  readonly boost: number;
  readonly prefix: boolean;
}

function parseCategoryQuery(name: string, value: unknown): CategoryQuery {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return { context: String(value), boost: 1, prefix: false };
  if (!isObject(value)) throw errors.parsing(`[${name}] context must be a string, number, boolean or object`);
  for (const key of Object.keys(value)) if (!['context', 'boost', 'prefix'].includes(key)) throw errors.parsing(`[category] unknown field [${key}]`);
  const context = value['context'];
  if (typeof context !== 'string' && typeof context !== 'number' && typeof context !== 'boolean') throw errors.parsing('[category] field [context] must be a string, number or boolean');
  const boost = value['boost'] === undefined ? 1 : integer(value['boost'], 'boost');
  if (boost < 0) throw errors.illegalArgument(`[boost] must be greater than 0, got [${boost}]`);
  return { context: String(context), boost, prefix: value['prefix'] === undefined ? false : boolean(value['prefix'], 'prefix') };
}

function parseContextQueries(value: unknown): Record<string, CategoryQuery[]> {
  if (!isObject(value)) throw errors.parsing('[completion] failed to parse field [contexts]');
  const contexts: Record<string, CategoryQuery[]> = {};
  for (const [name, entries] of Object.entries(value)) contexts[name] = (Array.isArray(entries) ? entries : [entries]).map((entry) => parseCategoryQuery(name, entry));
  return contexts;
}

const completionOptions = ['field', 'size', 'skip_duplicates', 'fuzzy', 'regex', 'contexts', 'analyzer', 'shard_size'];
const fuzzyOptions = ['fuzziness', 'transpositions', 'min_length', 'prefix_length', 'unicode_aware', 'max_determinized_states'];
const regexOptions = ['flags', 'max_determinized_states'];

function integer(value: unknown, name: string): number {
  const result = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isInteger(result)) throw errors.parsing(`[completion] failed to parse field [${name}]`);
  return result;
}

function boolean(value: unknown, name: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw errors.parsing(`[completion] failed to parse field [${name}]`);
}

function parseFuzzy(value: unknown): CompletionFuzzy | undefined {
  if (value === false) return undefined;
  const body = value === true ? {} : value;
  if (!isObject(body)) throw errors.parsing('[completion] failed to parse field [fuzzy]');
  for (const key of Object.keys(body)) if (!fuzzyOptions.includes(key)) throw errors.parsing(`[fuzzy] unknown field [${key}]`);
  const fuzziness = body['fuzziness'] === undefined ? 'AUTO' : String(body['fuzziness']);
  if (!/^(AUTO(:\d+,\d+)?|\d+(\.0+)?)$/i.test(fuzziness)) throw errors.parsing(`failed to parse fuzziness [${fuzziness}]`);
  if (!/^AUTO/i.test(fuzziness) && Number(fuzziness) > 2) throw errors.illegalArgument('Valid edit distances are [0, 1, 2] but was [' + Number(fuzziness) + ']');
  const minLength = body['min_length'] === undefined ? 3 : integer(body['min_length'], 'min_length');
  const prefixLength = body['prefix_length'] === undefined ? 1 : integer(body['prefix_length'], 'prefix_length');
  if (minLength < 0) throw errors.illegalArgument('minLength must not be negative');
  if (prefixLength < 0) throw errors.illegalArgument('prefixLength must not be negative');
  // Strait matches without building an automaton: the bound is validated and has nothing to bound.
  if (body['max_determinized_states'] !== undefined && integer(body['max_determinized_states'], 'max_determinized_states') < 0) {
    throw errors.illegalArgument('maxDeterminizedStates must not be negative');
  }
  return {
    fuzziness,
    transpositions: body['transpositions'] === undefined ? true : boolean(body['transpositions'], 'transpositions'),
    minLength,
    prefixLength,
    unicodeAware: body['unicode_aware'] === undefined ? false : boolean(body['unicode_aware'], 'unicode_aware'),
  };
}

function parseRegex(source: string, options: unknown): ParsedRegex {
  const body = options ?? {};
  if (!isObject(body)) throw errors.parsing('[completion] failed to parse field [regex]');
  for (const key of Object.keys(body)) if (!regexOptions.includes(key)) throw errors.parsing(`[regex] unknown field [${key}]`);
  if (body['flags'] !== undefined && typeof body['flags'] !== 'string') throw errors.parsing('[regex] failed to parse field [flags]');
  // As for fuzzy: the matcher builds no automaton, so the bound is validated only.
  if (body['max_determinized_states'] !== undefined && integer(body['max_determinized_states'], 'max_determinized_states') < 0) {
    throw errors.illegalArgument('maxDeterminizedStates must not be negative');
  }
  try {
    const parsed = parseLuceneRegex(source, regexFlagsFromNames(typeof body['flags'] === 'string' ? body['flags'] : 'ALL'));
    if (parsed.namedAutomaton !== undefined) throw errors.illegalArgument(`'${parsed.namedAutomaton}' not found`);
    return parsed;
  } catch (error) {
    if (error instanceof RegexSyntaxError) throw errors.illegalArgument(error.message);
    throw error;
  }
}

/**
 * A `completion` suggestion: `prefix` (or the entry's or global `text`) or `regex`, and the
 * suggester's options; `contexts` (category queries) for a context enabled field. `analyzer` and
 * `shard_size` are refused (see README).
 */
export function parseCompletion(name: string, text: string | undefined, prefix: string | undefined, regex: string | undefined, body: Json): CompletionSuggestSpec {
  for (const key of Object.keys(body)) if (!completionOptions.includes(key)) throw errors.parsing(`[completion] unknown field [${key}]`);
  for (const key of ['analyzer', 'shard_size']) {
    if (body[key] !== undefined) throw errors.illegalArgument(`[${key}] of the completion suggester is not supported by Strait`);
  }
  if (typeof body['field'] !== 'string') throw errors.illegalArgument('suggestion requires [field] to be set');
  const size = body['size'] === undefined ? 5 : integer(body['size'], 'size');
  if (size <= 0) throw errors.illegalArgument('size must be positive');
  const fuzzy = body['fuzzy'] === undefined ? undefined : parseFuzzy(body['fuzzy']);
  const skipDuplicates = body['skip_duplicates'] === undefined ? false : boolean(body['skip_duplicates'], 'skip_duplicates');
  const contexts = body['contexts'] === undefined ? undefined : parseContextQueries(body['contexts']);
  const common = { name, kind: 'completion' as const, field: body['field'], size, skipDuplicates, fuzzy, contexts };
  if (prefix !== undefined) return { ...common, text: prefix, match: { kind: 'prefix', prefix } };
  if (regex !== undefined) {
    if (fuzzy !== undefined) throw errors.illegalArgument('[fuzzy] cannot be combined with [regex] in a completion suggestion');
    return { ...common, text: regex, match: { kind: 'regex', regex: parseRegex(regex, body['regex']), source: regex } };
  }
  if (body['regex'] !== undefined) throw errors.illegalArgument("'prefix/text' or 'regex' must be defined");
  if (text !== undefined) return { ...common, text, match: { kind: 'prefix', prefix: text } };
  throw errors.illegalArgument("'prefix/text' or 'regex' must be defined");
}

/** An input's analyzed form (see the header): what prefixes, edits and regexes are matched against. */
export function analyzedForm(analyzer: Analyzer, text: string, preserveSeparators: boolean, preservePositionIncrements: boolean): string {
  const tokens = analyzer.analyze(text);
  let form = '';
  let previous = -1;
  for (let index = 0; index < tokens.terms.length; index++) {
    const position = tokens.positions[index]!;
    if (preserveSeparators) {
      if (index > 0) form += separator;
      if (preservePositionIncrements) form += separator.repeat(Math.max(0, position - previous - 1));
    }
    form += tokens.terms[index]!;
    previous = position;
  }
  return form;
}

/** One segment's inputs of one completion field, sorted by analyzed form. */
interface FieldInputs {
  readonly forms: readonly string[];
  readonly inputs: readonly string[];
  readonly weights: readonly number[];
  readonly docs: readonly number[];
  readonly contexts: readonly (Readonly<Record<string, readonly string[]>> | undefined)[];
}

interface FieldSettings {
  readonly analyzer: Analyzer;
  readonly searchAnalyzer: Analyzer;
  readonly preserveSeparators: boolean;
  readonly preservePositionIncrements: boolean;
  readonly contexts: readonly CategoryContext[];
}

function fieldSettings(root: RootMapping, mapping: FlattenedMapping, field: string): FieldSettings | undefined {
  const mapped = mapping.fields.get(field);
  const property = findProperty(root, field);
  if (mapped?.type !== 'completion' || property === undefined) return undefined;
  const analyzer = getAnalyzer(mapped.analyzer ?? 'simple');
  const searchAnalyzer = getAnalyzer(mapped.searchAnalyzer ?? mapped.analyzer ?? 'simple');
  if (analyzer === undefined || searchAnalyzer === undefined) throw errors.illegalState(`the analyzers of completion field [${field}] are not configured`);
  return { analyzer, searchAnalyzer, preserveSeparators: property['preserve_separators'] !== false, preservePositionIncrements: property['preserve_position_increments'] !== false, contexts: contextMappingsOf(property) };
}

/** Per segment (its source array, shared by every view of the segment): the completion inputs per field, for one mapping. */
const inputsCache = new WeakMap<SourceTexts, { readonly root: RootMapping; readonly fields: Map<string, FieldInputs> }>();

function segmentInputs(segment: Segment, root: RootMapping, field: string, settings: FieldSettings): FieldInputs {
  let cached = inputsCache.get(segment.sources);
  if (cached === undefined || cached.root !== root) {
    cached = { root, fields: new Map() };
    inputsCache.set(segment.sources, cached);
  }
  const known = cached.fields.get(field);
  if (known !== undefined) return known;
  const frozen = deepFreezeMapping(structuredClone(root));
  const entries: { form: string; input: string; weight: number; doc: number; contexts: CompletionInput['contexts'] }[] = [];
  for (let doc = 0; doc < segment.sources.count; doc++) {
    let values: readonly unknown[] | undefined;
    try {
      const source = JSON.parse(segment.sources.text(doc)) as unknown;
      const id = segment.ids[doc] ?? '';
      values = (parseDocumentAgainst(frozen, source, id) ?? parseDocument(root, source, id)).fields[field];
    } catch {
      continue; // a stored document its mapping no longer parses is searchable by id only (document-input.ts)
    }
    if (values === undefined) continue;
    // One suggestion per input and document, with the input's highest weight (as Elasticsearch indexes them).
    const best = new Map<string, CompletionInput>();
    for (const value of values) {
      const entry = value as CompletionInput;
      const seen = best.get(entry.input);
      if (seen === undefined || seen.weight < entry.weight) best.set(entry.input, entry);
    }
    for (const [input, entry] of best) {
      entries.push({ form: analyzedForm(settings.analyzer, input, settings.preserveSeparators, settings.preservePositionIncrements), input, weight: entry.weight, doc, contexts: entry.contexts });
    }
  }
  entries.sort((left, right) => (left.form < right.form ? -1 : left.form > right.form ? 1 : left.doc - right.doc));
  const inputs: FieldInputs = { forms: entries.map((entry) => entry.form), inputs: entries.map((entry) => entry.input), weights: entries.map((entry) => entry.weight), docs: entries.map((entry) => entry.doc), contexts: entries.map((entry) => entry.contexts) };
  cached.fields.set(field, inputs);
  return inputs;
}

const utf8 = new TextEncoder();

/** The units fuzzy matching counts: code points with `unicode_aware`, else UTF-8 bytes (Lucene's default automaton). */
function units(text: string, unicodeAware: boolean): number[] {
  return unicodeAware ? Array.from(text, (ch) => ch.codePointAt(0)!) : [...utf8.encode(text)];
}

/**
 * Lucene's FuzzyCompletionQuery match: the first `prefixLength` units equal, then the rest of the
 * query within `edits` (Damerau-Levenshtein when `transpositions`) of some prefix of the rest of
 * the input.
 */
function fuzzyPrefixMatches(query: readonly number[], input: readonly number[], prefixLength: number, edits: number, transpositions: boolean): boolean {
  for (let index = 0; index < prefixLength; index++) if (input[index] !== query[index]) return false;
  return editDistance(query.slice(prefixLength), input.slice(prefixLength), edits, { transpositions, prefixOfRight: true }) <= edits;
}

/** Whether some prefix of `form` matches the whole regex (Lucene's RegexCompletionQuery). */
function regexPrefixMatches(regex: ParsedRegex, source: string, form: string): boolean {
  const options = {
    asciiCaseInsensitive: false,
    wordsMax: limits.securityRegexMatchWordsMax,
    tooComplex: (length: number) => errors.illegalArgument(`the regular expression [${source}] is too complex to match an input of ${length} characters`),
  };
  const points = Array.from(form);
  for (let length = 0; length <= points.length; length++) if (regexMatchesWhole(regex, points.slice(0, length).join(''), options)) return true;
  return false;
}

/** A suggestion option of one shard, before the fetch. */
export interface CompletionOption {
  readonly text: string;
  /** The categories the suggestion matched, per context (context queries only). */
  readonly contexts?: Readonly<Record<string, readonly string[]>>;
  readonly score: number;
  readonly shardOrder: number;
  readonly hit: ShardHit;
}

/** What the suggester reads of one searched shard (search-service's Target has these). */
export interface CompletionShard {
  readonly shardKey: string;
  readonly indexName: string;
  readonly handle: { readonly mapping: FlattenedMapping; readonly metadata: { readonly mappings: RootMapping; readonly settings: FlatSettings } };
  /** Segments with the caller's live documents (document level security). */
  readonly segments: readonly Segment[];
  /** Field level security: the readable fields (undefined: all). */
  readonly fieldVisibility: ((path: string) => boolean) | undefined;
}

function compareOptions(left: CompletionOption, right: CompletionOption): number {
  // Lucene's TopSuggestDocs: score, then the suggestion's text, then shard and document order.
  return right.score - left.score || (left.text < right.text ? -1 : left.text > right.text ? 1 : 0) || left.shardOrder - right.shardOrder || left.hit.globalDoc - right.hit.globalDoc;
}

/**
 * The query phase's check of a shard: each completion suggestion names a completion field of its
 * index, else the shard fails (partial results, or all shards failed) as Elasticsearch's
 * CompletionSuggestionBuilder fails it.
 */
export function checkCompletionFields(specs: readonly { readonly kind: string }[], shard: Pick<CompletionShard, 'handle'>): void {
  for (const spec of specs) {
    if (spec.kind !== 'completion') continue;
    const { field, contexts } = spec as CompletionSuggestSpec;
    const settings = fieldSettings(shard.handle.metadata.mappings, shard.handle.mapping, field);
    if (settings === undefined) throw errors.illegalArgument(`Field [${field}] is not a completion suggest field`);
    if (settings.contexts.length === 0) {
      if (contexts !== undefined) throw errors.illegalArgument(`suggester [${field}] doesn't expect any context`);
      continue;
    }
    if (contexts === undefined || Object.values(contexts).every((queries) => queries.length === 0)) throw errors.illegalArgument('Missing mandatory contexts in context query');
    for (const name of Object.keys(contexts)) {
      if (!settings.contexts.some((context) => context.name === name)) throw errors.illegalArgument(`Unknown context name [${name}], must be one of [${settings.contexts.map((context) => context.name).join(', ')}]`);
    }
  }
}

/** One shard's best options: a document's best matching input each, `size` of them. */
export function shardCompletionSuggest(spec: CompletionSuggestSpec, shard: CompletionShard, shardOrder: number): CompletionOption[] {
  const root = withParseOptions(shard.handle.metadata.mappings, { ignoreMalformed: settingBoolean(shard.handle.metadata.settings, 'index.mapping.ignore_malformed') });
  const settings = fieldSettings(root, shard.handle.mapping, spec.field);
  // Not a completion field here: the query phase failed this shard (checkCompletionFields).
  if (settings === undefined) return [];
  if (shard.fieldVisibility !== undefined && !shard.fieldVisibility(spec.field)) return [];
  const match = spec.match;
  const queryForm = match.kind === 'prefix' ? analyzedForm(settings.searchAnalyzer, match.prefix, settings.preserveSeparators, settings.preservePositionIncrements) : '';
  const fuzzy = spec.fuzzy;
  const queryUnits = fuzzy === undefined ? [] : units(queryForm, fuzzy.unicodeAware);
  const edits = fuzzy === undefined || queryUnits.length <= fuzzy.prefixLength || queryUnits.length < fuzzy.minLength ? 0 : fuzzinessEdits(fuzzy.fuzziness, match.kind === 'prefix' ? match.prefix : '');
  const best = new Map<number, CompletionOption>();
  let docBase = 0;
  shard.segments.forEach((segment, segmentIndex) => {
    const inputs = segmentInputs(segment, root, spec.field, settings);
    const live = segment.liveDocs;
    let start = 0;
    let end = inputs.forms.length;
    if (match.kind === 'prefix' && edits === 0) {
      // Exact prefix: the sorted forms' range starting with the query form.
      let low = 0;
      let high = end;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (inputs.forms[middle]! < queryForm) low = middle + 1;
        else high = middle;
      }
      start = low;
      end = start;
      while (end < inputs.forms.length && inputs.forms[end]!.startsWith(queryForm)) end++;
    }
    for (let index = start; index < end; index++) {
      const doc = inputs.docs[index]!;
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      const form = inputs.forms[index]!;
      let boost = 0;
      if (match.kind === 'regex') {
        if (!regexPrefixMatches(match.regex, match.source, form)) continue;
      } else if (edits > 0 && fuzzy !== undefined) {
        const formUnits = units(form, fuzzy.unicodeAware);
        if (!fuzzyPrefixMatches(queryUnits, formUnits, fuzzy.prefixLength, edits, fuzzy.transpositions)) continue;
        // Lucene's FuzzyCompletionWeight boosts by the units matched exactly from the start
        // (the query's last unit not counted, so an exact match ties with one edit at the end).
        let common = 0;
        while (common < queryUnits.length - 1 && common < formUnits.length && queryUnits[common] === formUnits[common]) common++;
        boost = common;
      }
      let contextBoost = 0;
      let matched: Record<string, string[]> | undefined;
      if (settings.contexts.length > 0 && spec.contexts !== undefined) {
        // Category contexts: the suggestion is in one of the queried categories; the best boost counts.
        const categories = inputs.contexts[index] ?? {};
        matched = {};
        for (const [name, queries] of Object.entries(spec.contexts)) {
          for (const query of queries) {
            for (const category of categories[name] ?? []) {
              if (query.prefix ? !category.startsWith(query.context) : category !== query.context) continue;
              contextBoost = Math.max(contextBoost, query.boost);
              const list = (matched[name] ??= []);
              if (!list.includes(category)) list.push(category);
            }
          }
        }
        if (Object.keys(matched).length === 0) continue;
      }
      const weight = inputs.weights[index]!;
      const score = Math.fround((boost === 0 ? weight : weight * boost) * (contextBoost === 0 ? 1 : contextBoost));
      const globalDoc = docBase + doc;
      const option: CompletionOption = {
        text: inputs.inputs[index]!,
        ...(matched !== undefined ? { contexts: matched } : {}),
        score,
        shardOrder,
        hit: { shardKey: shard.shardKey, index: shard.indexName, segmentIndex, doc, globalDoc, score, sortValues: undefined },
      };
      const seen = best.get(globalDoc);
      if (seen === undefined || compareOptions(option, seen) < 0) best.set(globalDoc, option);
    }
    docBase += segment.maxDoc;
  });
  return keepBest([...best.values()], spec);
}

function keepBest(options: CompletionOption[], spec: CompletionSuggestSpec): CompletionOption[] {
  options.sort(compareOptions);
  const kept: CompletionOption[] = [];
  const texts = new Set<string>();
  for (const option of options) {
    if (kept.length >= spec.size) break;
    if (spec.skipDuplicates) {
      if (texts.has(option.text)) continue;
      texts.add(option.text);
    }
    kept.push(option);
  }
  return kept;
}

/**
 * The coordinator's reduce: the shards' options (`parts` in shard order) by score, duplicates
 * skipped across shards too, `size` kept. The options' hits are fetched afterwards.
 */
export function mergeCompletionSuggest(spec: CompletionSuggestSpec, parts: readonly (readonly CompletionOption[])[]): CompletionOption[] {
  return keepBest(parts.flatMap((options, shardOrder) => options.map((option) => ({ ...option, shardOrder }))), spec);
}

/**
 * The rendered suggestion: each kept option as `text` then its fetched hit (`documents` in option
 * order; an option whose hit could not be fetched, its shard lost after the query phase, is left
 * out as the page's hits are).
 */
export function renderCompletionSuggest(spec: CompletionSuggestSpec, options: readonly CompletionOption[], documents: readonly (Json | undefined)[]): Json[] {
  const rendered = options.flatMap((option, index) => {
    const document = documents[index];
    return document === undefined ? [] : [{ text: option.text, ...document, ...(option.contexts !== undefined ? { contexts: option.contexts } : {}) }];
  });
  return [{ text: spec.text, offset: 0, length: spec.text.length, options: rendered }];
}
