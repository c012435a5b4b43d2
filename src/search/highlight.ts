/**
 * Highlighting (pure), a simplified form of Elasticsearch's default `unified` highlighter:
 * the query's terms are collected per field (analyzed with the field's search analyzer, as the
 * query analyzed them), each stored value is re-analyzed with the field's index analyzer, and
 * matching tokens are wrapped in the pre/post tags. Values are cut into sentence passages of at
 * most `fragment_size` characters; the best `number_of_fragments` (by matched tokens) are returned
 * in text order; `number_of_fragments: 0` returns whole values.
 *
 * Not modelled: phrase positions (each term of a phrase is highlighted wherever it occurs), the
 * `plain` and `fvh` highlighters, `boundary_scanner`, `matched_fields`, `tags_schema`.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/highlighting.html
 */
import { errors } from '../common/index.js';
import { wildcardMatch } from '../index/index.js';
import { compileAnalyzer } from '../index/analysis/index.js';
import { getAnalyzer, normalizeKeyword, parseQuery, resolveAnalyzer, type Analyzer, type FieldMapping, type FieldMappings, type QueryNode } from '../index/searcher/index.js';
import { normalizeWildcardPattern } from '../index/analysis/index.js';
import { highlightTextQuery } from './highlight-text-queries.js';
import { spanHighlightLeaves } from '../index/query/span.js';
import { defaultFieldNames, isDefaultFields } from '../index/query/default-fields.js';

export interface HighlightFieldSpec {
  /** A field name or `*` pattern. */
  readonly pattern: string;
  readonly fragmentSize: number;
  readonly numberOfFragments: number;
  readonly preTags: readonly string[];
  readonly postTags: readonly string[];
  readonly requireFieldMatch: boolean;
  readonly noMatchSize: number;
  readonly highlightQuery: QueryNode | undefined;
  readonly encoder: 'default' | 'html';
  readonly order: 'none' | 'score';
}

export interface HighlightSpec {
  readonly fields: readonly HighlightFieldSpec[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

const highlightOptions = new Set([
  'pre_tags', 'post_tags', 'fragment_size', 'number_of_fragments', 'require_field_match', 'no_match_size', 'highlight_query', 'encoder', 'order',
  'type', 'boundary_scanner', 'boundary_chars', 'boundary_max_scan', 'boundary_scanner_locale', 'fragmenter', 'fragment_offset', 'phrase_limit',
  'tags_schema', 'max_analyzed_offset', 'matched_fields', 'force_source',
]);

function integerOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(number)) throw errors.parsing(`[highlight] failed to parse field [${name}]`);
  return number;
}

function tagsOption(value: unknown, name: string, fallback: readonly string[]): readonly string[] {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw errors.parsing(`[highlight] failed to parse field [${name}]`);
}

/** Options shared by the top level and each field (field values win). */
function readOptions(json: Json, base: Omit<HighlightFieldSpec, 'pattern'>, where: string): Omit<HighlightFieldSpec, 'pattern'> {
  for (const key of Object.keys(json)) {
    if (!highlightOptions.has(key) && !(where === 'highlight' && key === 'fields')) throw errors.parsing(`[${where}] unknown field [${key}]`);
  }
  if (json['tags_schema'] !== undefined && json['tags_schema'] !== 'styled') throw errors.illegalArgument(`Unknown tag schema [${String(json['tags_schema'])}]`);
  const styled = json['tags_schema'] === 'styled';
  const encoder = json['encoder'] ?? base.encoder;
  if (encoder !== 'default' && encoder !== 'html') throw errors.illegalArgument(`Unknown encoder [${String(encoder)}]`);
  const order = json['order'] ?? base.order;
  if (order !== 'none' && order !== 'score') throw errors.illegalArgument(`Unknown order [${String(order)}]`);
  const type = json['type'];
  if (type !== undefined && type !== 'unified' && type !== 'plain' && type !== 'fvh') throw errors.illegalArgument(`unknown highlighter type [${String(type)}] for the field`);
  return {
    fragmentSize: integerOption(json['fragment_size'], 'fragment_size', base.fragmentSize),
    numberOfFragments: integerOption(json['number_of_fragments'], 'number_of_fragments', base.numberOfFragments),
    preTags: tagsOption(json['pre_tags'], 'pre_tags', styled ? styledPreTags : base.preTags),
    postTags: tagsOption(json['post_tags'], 'post_tags', styled ? styledPreTags.map(() => '</em>') : base.postTags),
    requireFieldMatch: json['require_field_match'] === undefined ? base.requireFieldMatch : json['require_field_match'] === true || json['require_field_match'] === 'true',
    noMatchSize: integerOption(json['no_match_size'], 'no_match_size', base.noMatchSize),
    highlightQuery: json['highlight_query'] === undefined ? base.highlightQuery : parseQuery(json['highlight_query']),
    encoder,
    order,
  };
}

const styledPreTags = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((number) => `<em class="hlt${number}">`);

const defaults: Omit<HighlightFieldSpec, 'pattern'> = {
  fragmentSize: 100,
  numberOfFragments: 5,
  preTags: ['<em>'],
  postTags: ['</em>'],
  requireFieldMatch: true,
  noMatchSize: 0,
  highlightQuery: undefined,
  encoder: 'default',
  order: 'none',
};

/** Parses the search body's `highlight` object. */
export function parseHighlight(json: unknown): HighlightSpec {
  if (!isObject(json)) throw errors.parsing('[highlight] must be an object');
  const base = readOptions(json, defaults, 'highlight');
  const fieldsJson = json['fields'];
  if (fieldsJson === undefined) throw errors.illegalArgument('[highlight] requires [fields]');
  const entries: [string, unknown][] = [];
  if (Array.isArray(fieldsJson)) {
    for (const item of fieldsJson) {
      if (!isObject(item) || Object.keys(item).length !== 1) throw errors.parsing('[highlight] [fields] as an array must hold objects with one field each');
      entries.push(Object.entries(item)[0]!);
    }
  } else if (isObject(fieldsJson)) {
    entries.push(...Object.entries(fieldsJson));
  } else {
    throw errors.parsing('[highlight] [fields] must be an object or an array');
  }
  const fields = entries.map(([pattern, options]): HighlightFieldSpec => {
    if (options !== null && options !== undefined && !isObject(options)) throw errors.parsing(`[highlight_field] [${pattern}] must be an object`);
    return { pattern, ...readOptions(options ?? {}, base, 'highlight_field') };
  });
  return { fields };
}

// ---------------------------------------------------------------- query terms

type Matcher =
  | { readonly kind: 'term'; readonly term: string }
  | { readonly kind: 'prefix'; readonly prefix: string; readonly caseInsensitive: boolean }
  | { readonly kind: 'regex'; readonly regex: { test(token: string): boolean } };

/** Terms per field path; the key `*` holds terms of every field (require_field_match: false). */
export type QueryTerms = ReadonlyMap<string, readonly Matcher[]>;

function fieldsMatching(pattern: string, mappings: FieldMappings, defaultFields: readonly string[]): string[] {
  // A query without fields searched the index's default fields (index.query.default_field).
  if (isDefaultFields(pattern)) return [...new Set(defaultFieldNames(defaultFields).flatMap((name) => fieldsMatching(name, mappings, defaultFields)))];
  if (!pattern.includes('*')) return mappings[pattern] !== undefined ? [pattern] : [];
  return Object.keys(mappings).filter((path) => wildcardMatch(pattern, path) && (mappings[path]!.type === 'text' || mappings[path]!.type === 'keyword'));
}

function analyzerFor(mapping: FieldMapping, analyzerName: string | undefined): Analyzer | undefined {
  if (mapping.type !== 'text') return undefined;
  if (analyzerName !== undefined) {
    const own = mapping.indexAnalyzers?.[analyzerName];
    return own !== undefined ? compileAnalyzer(own) : (getAnalyzer(analyzerName) ?? resolveAnalyzer(mapping, true));
  }
  return resolveAnalyzer(mapping, true);
}

function wildcardRegex(pattern: string, caseInsensitive: boolean): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '');
}

/**
 * Collects the terms a query would highlight, per field (must_not clauses excluded, as Elasticsearch
 * does); `defaultFields` (the index's `index.query.default_field`) are the fields of a query that
 * names none.
 */
export function collectQueryTerms(query: QueryNode, mappings: FieldMappings, defaultFields: readonly string[]): Map<string, Matcher[]> {
  const terms = new Map<string, Matcher[]>();
  const add = (field: string, matcher: Matcher): void => {
    const list = terms.get(field) ?? [];
    // A keyword normalizer applies to query terms as it does in the query (highlightValues normalizes the values).
    const normalizer = mappings[field]?.normalizer;
    if (normalizer === undefined || matcher.kind === 'regex') list.push(matcher);
    else if (matcher.kind === 'term') list.push({ kind: 'term', term: normalizeKeyword(normalizer, matcher.term) });
    else list.push({ ...matcher, prefix: normalizeKeyword(normalizer, matcher.prefix) });
    terms.set(field, list);
  };
  /** A wildcard pattern as the query on this field runs it (normalized on a keyword field with a normalizer). */
  const wildcardOf = (field: string, pattern: string): string => {
    const normalizer = mappings[field]?.normalizer;
    return normalizer === undefined ? pattern : normalizeWildcardPattern(normalizer, pattern);
  };
  const addText = (pattern: string, text: string, analyzerName: string | undefined, lastIsPrefix: boolean, quoteFieldSuffix?: string): void => {
    for (const matched of fieldsMatching(pattern, mappings, defaultFields)) {
      // query_string's quote_field_suffix: the phrase ran on `<field><suffix>` where that is mapped.
      const field = quoteFieldSuffix !== undefined && mappings[matched + quoteFieldSuffix] !== undefined ? matched + quoteFieldSuffix : matched;
      const mapping = mappings[field]!;
      const analyzer = analyzerFor(mapping, analyzerName);
      if (analyzer === undefined) {
        add(field, { kind: 'term', term: text });
        continue;
      }
      const analyzed = analyzer.analyze(text).terms;
      analyzed.forEach((term, index) => add(field, lastIsPrefix && index === analyzed.length - 1 ? { kind: 'prefix', prefix: term, caseInsensitive: false } : { kind: 'term', term }));
    }
  };
  const visit = (node: QueryNode): void => {
    switch (node.kind) {
      case 'match':
        addText(node.field, String(node.query), node.analyzer, false);
        return;
      case 'match_phrase':
        addText(node.field, node.query, node.analyzer, node.prefixExpansions > 0, node.quoteFieldSuffix);
        return;
      case 'multi_match':
        for (const { field } of node.fields) addText(field, String(node.query), node.analyzer, node.type === 'phrase_prefix' || node.type === 'bool_prefix', node.quoteFieldSuffix);
        return;
      case 'term':
        for (const field of fieldsMatching(node.field, mappings, defaultFields)) {
          add(field, node.caseInsensitive ? { kind: 'regex', regex: wildcardRegex(wildcardOf(field, String(node.value)), true) } : { kind: 'term', term: String(node.value) });
        }
        return;
      case 'terms':
        for (const field of fieldsMatching(node.field, mappings, defaultFields)) for (const value of node.values) add(field, { kind: 'term', term: String(value) });
        return;
      case 'prefix':
        for (const field of fieldsMatching(node.field, mappings, defaultFields)) add(field, { kind: 'prefix', prefix: node.value, caseInsensitive: node.caseInsensitive });
        return;
      case 'wildcard':
        for (const field of fieldsMatching(node.field, mappings, defaultFields)) add(field, { kind: 'regex', regex: wildcardRegex(wildcardOf(field, node.value), node.caseInsensitive) });
        return;
      case 'fuzzy':
        for (const field of fieldsMatching(node.field, mappings, defaultFields)) add(field, { kind: 'term', term: node.value });
        return;
      case 'bool':
        for (const child of [...node.must, ...node.should, ...node.filter]) visit(child);
        return;
      case 'constant_score':
        visit(node.filter);
        return;
      case 'dis_max':
        for (const child of node.queries) visit(child);
        return;
      case 'script_score':
      case 'function_score':
        // The scripts only score; the wrapped query's terms are what matched.
        visit(node.query);
        return;
      case 'span': {
        const leaves = spanHighlightLeaves(node.span);
        for (const { field: pattern, term } of leaves.terms) for (const field of fieldsMatching(pattern, mappings, defaultFields)) add(field, { kind: 'term', term });
        for (const multi of leaves.multi) visit(multi);
        return;
      }
      case 'regexp':
      case 'match_bool_prefix':
      case 'combined_fields':
      case 'intervals':
        highlightTextQuery(node, {
          text: (pattern, text, analyzer, lastIsPrefix) => addText(pattern, text, analyzer, lastIsPrefix),
          predicate: (pattern, test) => {
            for (const field of fieldsMatching(pattern, mappings, defaultFields)) add(field, { kind: 'regex', regex: { test } });
          },
        });
        return;
      default:
        return;
    }
  };
  visit(query);
  return terms;
}

function matches(matchers: readonly Matcher[], token: string): boolean {
  for (const matcher of matchers) {
    if (matcher.kind === 'term' && matcher.term === token) return true;
    if (matcher.kind === 'prefix' && (matcher.caseInsensitive ? token.toLowerCase().startsWith(matcher.prefix.toLowerCase()) : token.startsWith(matcher.prefix))) return true;
    if (matcher.kind === 'regex' && matcher.regex.test(token)) return true;
  }
  return false;
}

// ---------------------------------------------------------------- fragments

interface Span {
  readonly start: number;
  readonly end: number;
}

function encode(text: string, encoder: 'default' | 'html'): string {
  if (encoder === 'default') return text;
  return text.replace(/[&<>"'/]/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '/': '&#x2F;' })[character]!);
}

function markUp(text: string, from: number, to: number, spans: readonly Span[], spec: HighlightFieldSpec): string {
  let output = '';
  let cursor = from;
  const pre = spec.preTags[0] ?? '<em>';
  const post = spec.postTags[0] ?? '</em>';
  for (const span of spans) {
    if (span.end <= from || span.start >= to) continue;
    output += encode(text.slice(cursor, span.start), spec.encoder);
    output += pre + encode(text.slice(span.start, span.end), spec.encoder) + post;
    cursor = span.end;
  }
  return output + encode(text.slice(cursor, to), spec.encoder);
}

/** Sentence passages of at most `size` characters (longer sentences are cut at whitespace). */
function passages(text: string, size: number): Span[] {
  const result: Span[] = [];
  const sentence = /[^.!?]*(?:[.!?]+|$)\s*/g;
  for (let match = sentence.exec(text); match !== null && match[0] !== ''; match = sentence.exec(text)) {
    let start = match.index;
    const end = match.index + match[0].length;
    while (end - start > size) {
      let cut = text.lastIndexOf(' ', start + size);
      if (cut <= start) cut = start + size;
      result.push({ start, end: cut });
      start = cut;
    }
    if (end > start) result.push({ start, end });
  }
  return result;
}

function trimmed(text: string, span: Span): Span {
  let { start, end } = span;
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { start, end };
}

/** Highlights one field's values; undefined when nothing matched (and no_match_size is 0). */
export function highlightValues(values: readonly string[], matchers: readonly Matcher[], mapping: FieldMapping, spec: HighlightFieldSpec): string[] | undefined {
  const fragments: { text: string; score: number; order: number }[] = [];
  let order = 0;
  for (const value of values) {
    let spans: Span[];
    if (mapping.type === 'text') {
      const tokens = resolveAnalyzer(mapping, false).analyze(value);
      spans = [];
      for (let index = 0; index < tokens.terms.length; index++) {
        if (matches(matchers, tokens.terms[index]!)) spans.push({ start: tokens.startOffsets[index]!, end: tokens.endOffsets[index]! });
      }
    } else {
      // A keyword field matches on its indexed (normalized) value; the whole original value is highlighted.
      const indexed = mapping.normalizer === undefined ? value : normalizeKeyword(mapping.normalizer, value);
      spans = matches(matchers, indexed) ? [{ start: 0, end: value.length }] : [];
    }
    if (spans.length === 0) continue;
    if (spec.numberOfFragments === 0 || value.length <= spec.fragmentSize || mapping.type !== 'text') {
      fragments.push({ text: markUp(value, 0, value.length, spans, spec), score: spans.length, order: order++ });
      continue;
    }
    for (const passage of passages(value, spec.fragmentSize)) {
      const inside = spans.filter((span) => span.start >= passage.start && span.end <= passage.end);
      if (inside.length === 0) continue;
      const bounds = trimmed(value, passage);
      fragments.push({ text: markUp(value, bounds.start, bounds.end, inside, spec), score: inside.length, order: order++ });
    }
  }
  if (fragments.length === 0) {
    if (spec.noMatchSize <= 0 || values.length === 0) return undefined;
    const first = values[0]!;
    let end = Math.min(first.length, spec.noMatchSize);
    if (end < first.length) {
      const space = first.lastIndexOf(' ', end);
      if (space > 0) end = space;
    }
    return [encode(first.slice(0, end), spec.encoder)];
  }
  if (spec.numberOfFragments === 0) return fragments.map((fragment) => fragment.text);
  const best = [...fragments].sort((left, right) => right.score - left.score || left.order - right.order).slice(0, spec.numberOfFragments);
  if (spec.order === 'none') best.sort((left, right) => left.order - right.order);
  return best.map((fragment) => fragment.text);
}

/** The distinct `highlight_query` queries of a highlight spec (each field's, or the top level's they inherit). */
export function highlightQueriesOf(spec: HighlightSpec | undefined): QueryNode[] {
  return spec === undefined ? [] : [...new Set(spec.fields.flatMap((field) => (field.highlightQuery === undefined ? [] : [field.highlightQuery])))];
}

/**
 * The `highlight` section of one hit. `valuesOf(path)` returns a field's values as stored in
 * `_source` (strings; multi-fields read their parent's values).
 */
export function highlightHit(
  spec: HighlightSpec,
  query: QueryNode,
  mappings: FieldMappings,
  defaultFields: readonly string[],
  valuesOf: (path: string) => readonly unknown[],
): Record<string, string[]> | undefined {
  const result: Record<string, string[]> = {};
  const termsByQuery = new Map<QueryNode, Map<string, Matcher[]>>();
  const termsOf = (node: QueryNode): Map<string, Matcher[]> => {
    let terms = termsByQuery.get(node);
    if (terms === undefined) {
      terms = collectQueryTerms(node, mappings, defaultFields);
      termsByQuery.set(node, terms);
    }
    return terms;
  };
  for (const field of spec.fields) {
    const terms = termsOf(field.highlightQuery ?? query);
    const allTerms = field.requireFieldMatch ? undefined : [...terms.values()].flat();
    const paths = field.pattern.includes('*')
      ? Object.keys(mappings).filter((path) => wildcardMatch(field.pattern, path) && (mappings[path]!.type === 'text' || mappings[path]!.type === 'keyword'))
      : [field.pattern];
    for (const path of paths) {
      const mapping = mappings[path];
      if (mapping === undefined || (mapping.type !== 'text' && mapping.type !== 'keyword')) continue;
      const matchers = allTerms ?? terms.get(path) ?? [];
      if (matchers.length === 0 && field.noMatchSize <= 0) continue;
      const values = valuesOf(path)
        .filter((value) => value !== null && value !== undefined && typeof value !== 'object')
        .map(String);
      if (values.length === 0) continue;
      const fragments = highlightValues(values, matchers, mapping, field);
      if (fragments !== undefined) result[path] = fragments;
    }
  }
  return Object.keys(result).length === 0 ? undefined : result;
}
