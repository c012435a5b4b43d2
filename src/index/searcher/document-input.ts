/**
 * The bridge between the index layer's mappings and documents and the engine's segment input
 * (pure): which mapped fields the engine indexes, and each stored document as a
 * SegmentDocumentInput.
 *
 * The engine knows text, keyword, the numeric types, date, date_nanos, boolean, constant_keyword
 * and binary. Other mapped types are bridged where Elasticsearch's behaviour allows it:
 * `half_float` is indexed as a float and `scaled_float` as a double (their values were already
 * rounded to the type at parse time), `token_count` as an integer, `wildcard` as a keyword and
 * `match_only_text` as text, both scoring a constant as in Elasticsearch; `ip` as a keyword
 * (exact-match term queries and terms aggregations work; CIDR ranges do not). `geo_point` has
 * doc values only (Lucene's encoded latitude and longitude: engine/geo-encoding.ts).
 */
import type { FieldMapping, FieldMappings, FieldType as EngineFieldType, SegmentDocumentInput } from '../engine/index.js';
import { keyedFieldMappings } from './flattened-keys.js';
import { deepFreezeMapping, findProperty, keepsWholeSource, parseDocument, parseDocumentAgainst, parseOptionsOf, rootMappingOf, sourceMappingOf, storedSourceText, type FlattenedMapping, type MappedField, type RootMapping } from '../mapping/index.js';
import { registerNestedScope } from '../query/nested.js';
import { createNestedScope } from './nested-docs.js';

const bridgedTypes: Readonly<Record<string, EngineFieldType | undefined>> = {
  text: 'text',
  keyword: 'keyword',
  long: 'long',
  integer: 'integer',
  short: 'short',
  byte: 'byte',
  double: 'double',
  float: 'float',
  half_float: 'float',
  scaled_float: 'double',
  token_count: 'integer',
  date: 'date',
  date_nanos: 'date_nanos',
  boolean: 'boolean',
  ip: 'keyword',
  wildcard: 'keyword',
  match_only_text: 'text',
  constant_keyword: 'constant_keyword',
  binary: 'binary',
  flattened: 'keyword',
  geo_point: 'geo_point',
  // Suggestions come from completion-suggest.ts; like binary, nothing is indexed here and exists reads _source.
  completion: 'binary',
};

/** Mapped types whose queries score a constant in Elasticsearch. */
const constantScoreTypes: ReadonlySet<string> = new Set(['wildcard', 'match_only_text']);

function engineField(field: MappedField): FieldMapping | undefined {
  const type = bridgedTypes[field.type];
  if (type === undefined) return undefined;
  const mapping: { -readonly [K in keyof FieldMapping]: FieldMapping[K] } = { type };
  if (type === 'text') {
    if (field.analyzer !== undefined) mapping.analyzer = field.analyzer;
    if (field.searchAnalyzer !== undefined) mapping.searchAnalyzer = field.searchAnalyzer;
    if (field.analyzerDefinition !== undefined) mapping.analyzerDefinition = field.analyzerDefinition;
    if (field.searchAnalyzerDefinition !== undefined) mapping.searchAnalyzerDefinition = field.searchAnalyzerDefinition;
  }
  if (field.indexAnalyzers !== undefined) mapping.indexAnalyzers = field.indexAnalyzers;
  if (field.format !== undefined) mapping.format = field.format;
  if (field.type !== type) mapping.mappedType = field.type;
  if (constantScoreTypes.has(field.type)) mapping.constantScore = true;
  if (field.constantValue !== undefined) mapping.constantValue = field.constantValue;
  if (field.scalingFactor !== undefined) mapping.scalingFactor = field.scalingFactor;
  if (field.splitQueriesOnWhitespace === true && field.type === 'keyword') mapping.splitQueriesOnWhitespace = true;
  if (field.normalizer !== undefined && field.type === 'keyword') mapping.normalizer = field.normalizer;
  return mapping;
}

const cache = new WeakMap<FlattenedMapping, FieldMappings>();

function withFlattenedKeys(result: FieldMappings, mapping: FlattenedMapping): FieldMappings {
  const roots = [...mapping.fields.values()].filter((field) => field.type === 'flattened').map((field) => field.path);
  return roots.length === 0 ? result : keyedFieldMappings(result, roots);
}

/**
 * `nestedPath` unless the nested object's values also reach the root document: `include_in_root`,
 * or `include_in_parent` on a nested object whose parent is the root.
 */
function nestedOnlyPath(root: RootMapping, nestedPath: string): string | undefined {
  const nested = findProperty(root, nestedPath);
  if (nested?.['include_in_root'] === true) return undefined;
  if (nested?.['include_in_parent'] === true && !hasNestedAncestor(root, nestedPath)) return undefined;
  return nestedPath;
}

function hasNestedAncestor(root: RootMapping, path: string): boolean {
  const parts = path.split('.');
  for (let length = parts.length - 1; length > 0; length--) if (findProperty(root, parts.slice(0, length).join('.'))?.['type'] === 'nested') return true;
  return false;
}

/** The engine's view of an index mapping (cached per flattened mapping, which is immutable). */
export function engineMappings(mapping: FlattenedMapping): FieldMappings {
  const cached = cache.get(mapping);
  if (cached !== undefined) return cached;
  const result: Record<string, FieldMapping> = {};
  const root = rootMappingOf(mapping);
  for (const [path, field] of mapping.fields) {
    const bridged = engineField(field);
    if (bridged === undefined) continue;
    const nestedPath = field.nestedPath === undefined || root === undefined ? undefined : nestedOnlyPath(root, field.nestedPath);
    result[path] = nestedPath === undefined ? bridged : { ...bridged, nestedPath };
  }
  // Field aliases repeat their target's engine mapping and name it (the mapping layer validated it).
  for (const [path, field] of mapping.fields) {
    const target = field.aliasPath === undefined ? undefined : result[field.aliasPath];
    if (target !== undefined) result[path] = { ...target, aliasOf: field.aliasPath! };
  }
  // The `_ignored` metadata field (names of fields whose values were ignored), a keyword in every index.
  result['_ignored'] = { type: 'keyword', mappedType: '_ignored' };
  Object.freeze(result);
  const withKeyed = withFlattenedKeys(result, mapping);
  cache.set(mapping, withKeyed);
  // Nested queries and aggregations find the index's nested documents through its engine mappings.
  if (root !== undefined) registerNestedScope(withKeyed, createNestedScope(root, mapping, withKeyed));
  return withKeyed;
}

/** A document as the searcher receives it from the store. */
export interface SourceDocument {
  readonly id: string;
  /** The `_source` as stored JSON text. */
  readonly source: string;
}

export interface SegmentInputs {
  readonly inputs: SegmentDocumentInput[];
  /** Ids whose source no longer parses against the mapping: indexed without fields (searchable by id only). */
  readonly unparsable: string[];
}

/**
 * Turns stored documents into segment input, doc ids 0..n-1 in the given order. Documents were
 * validated against the mapping when written, and mappings only grow, so parsing cannot fail for
 * a consistent store; a document that does fail is still added (reachable by `ids` and
 * `match_all`) and reported, so one bad record cannot hide a whole refresh.
 */
export function toSegmentInputs(documents: readonly SourceDocument[], mapping: RootMapping): SegmentInputs {
  const lazy = lazySegmentInputs(documents, mapping);
  const inputs: SegmentDocumentInput[] = [];
  for (let docId = 0; docId < documents.length; docId++) inputs.push(lazy.inputs.at(docId));
  return { inputs, unparsable: lazy.unparsable };
}

/**
 * As `toSegmentInputs`, but each document is parsed only when the builder asks for it (once, in
 * doc id order), so its parsed form dies young. `unparsable` fills as the builder goes.
 */
export function lazySegmentInputs(documents: readonly SourceDocument[], mapping: RootMapping): { inputs: { readonly length: number; at(docId: number): SegmentDocumentInput }; unparsable: string[] } {
  const unparsable: string[] = [];
  // The index's parse options travel with its root mapping object, not with the copy.
  const options = parseOptionsOf(mapping);
  const frozen = deepFreezeMapping(structuredClone(mapping));
  // Fields are indexed from the whole document; reads see what the `_source` mapping keeps.
  const sourceMapping = sourceMappingOf(mapping);
  const wholeSource = keepsWholeSource(sourceMapping);
  const at = (docId: number): SegmentDocumentInput => {
    const document = documents[docId]!;
    let source = document.source;
    let fields: Readonly<Record<string, readonly unknown[]>> = {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(source) as unknown;
      fields = (parseDocumentAgainst(frozen, parsed, document.id, options) ?? parseDocument(mapping, parsed, document.id, options)).fields;
    } catch {
      unparsable.push(document.id);
      if (parsed === undefined) source = '{}'; // not JSON at all: nothing of it can be shown
    }
    return { docId, id: document.id, source: wholeSource ? source : storedSourceText(sourceMapping, source), fields };
  };
  return { inputs: { length: documents.length, at }, unparsable };
}
