/**
 * Immutable in-memory segments (style P7): everything a query touches lives in typed arrays.
 *
 * - Text and keyword fields: a sorted term dictionary (term → ordinal), postings as plain
 *   Int32Array doc ids (segment-local, ascending per term), term frequencies, positions
 *   (text only), and per 128-posting block the Pareto frontier of (freq, norm) "impacts" plus
 *   the block's last doc id, for block-max pruning and skipping.
 * - Norms: Lucene's lossy 1-byte SmallFloat field length (so BM25 scores equal Elasticsearch's).
 *   Keyword fields have no norms (as in Elasticsearch); they score with length 1.
 * - Doc values: keyword ordinals and numeric (long/double/date millis/boolean 0|1) values per
 *   document, multi-valued through offsets (`valueStart[doc]..valueStart[doc+1]`), sorted per
 *   document; plus a sorted (value, doc) "points" column for range and term queries.
 * - Deletes: a live-docs bitset replaced, never mutated, by `withDeletes`.
 */
import type { AnalyzerDefinition, NormalizerDefinition } from '../analysis/index.js';
import type { SourceTexts } from './source-texts.js';

export type FieldType =
  | 'text'
  | 'keyword'
  | 'long'
  | 'integer'
  | 'short'
  | 'byte'
  | 'double'
  | 'float'
  | 'date'
  | 'date_nanos'
  | 'boolean'
  /** No postings and no doc values: every document of the index has `constantValue`. */
  | 'constant_keyword'
  /** Kept in `_source` only: not searchable (queries on it are refused, as Elasticsearch does). */
  | 'binary'
  /**
   * Doc values only: each point as Lucene's (latitude, longitude) 32-bit steps, latitude in
   * `values` and longitude in `nanos` of a numeric column (geo-encoding.ts reads them back).
   */
  | 'geo_point';

export interface FieldMapping {
  readonly type: FieldType;
  /**
   * The mapping type when it differs from the engine type it is indexed as (`wildcard` and
   * `ip` as keyword, `match_only_text` as text, `half_float`/`scaled_float` as double or float,
   * `token_count` as integer): named in error messages and rendering.
   */
  readonly mappedType?: string;
  /** `scaled_float`: values are multiples of 1 / scalingFactor (query values are rounded alike). */
  readonly scalingFactor?: number;
  /** Queries on this field score a constant (the boost), as `match_only_text` and `wildcard` do. */
  readonly constantScore?: boolean;
  /** `constant_keyword`: the value (undefined until a document or mapping update sets it). */
  readonly constantValue?: string;
  /**
   * A field alias: the path of the field it stands for (whose type this mapping repeats). Nothing
   * is indexed under an alias; queries, sorts, aggregations and fetches resolve it to the target.
   */
  readonly aliasOf?: string;
  /** Index-time analyzer for text fields (default `standard`). */
  readonly analyzer?: string;
  /** Query-time analyzer for text fields (default: `analyzer`). */
  readonly searchAnalyzer?: string;
  /** The index analyzer text is indexed with, when the index defines it (it wins over `analyzer` as a built-in name). */
  readonly analyzerDefinition?: AnalyzerDefinition;
  /** The index analyzer queries use, when the index defines it (`search_analyzer` or `default_search`). */
  readonly searchAnalyzerDefinition?: AnalyzerDefinition;
  /** Every analyzer the index defines (one object shared by the fields), for a query's `analyzer` parameter. */
  readonly indexAnalyzers?: Readonly<Record<string, AnalyzerDefinition>>;
  /** Elasticsearch's date `format` of this field, used to render key_as_string and parse ranges. */
  readonly format?: string;
  /**
   * keyword `split_queries_on_whitespace`: Elasticsearch then searches the field with a whitespace
   * tokenizer, so match-family queries look up each whitespace-separated token as its own term.
   */
  readonly splitQueriesOnWhitespace?: boolean;
  /** keyword `normalizer`: applied to each value when it is indexed and to query values (normalizers.ts). */
  readonly normalizer?: NormalizerDefinition;
  /**
   * The innermost `nested` object holding this field, when its values are in nested documents
   * only (not also in the root document through `include_in_root`/`include_in_parent`): sorting
   * on it needs a nested context, as in Elasticsearch.
   */
  readonly nestedPath?: string;
}

export type FieldMappings = Readonly<Record<string, FieldMapping>>;

export const postingsBlockSize = 128;
export const postingsBlockShift = 7;

export interface PostingsField {
  readonly kind: 'text' | 'keyword';
  readonly name: string;
  /** Sorted ascending by UTF-16 code units (Lucene sorts UTF-8 bytes: they differ only above U+FFFF). */
  readonly terms: readonly string[];
  readonly termOrdinals: ReadonlyMap<string, number>;
  /** Per term ordinal: first posting index; length terms + 1. */
  readonly postingsStart: Int32Array;
  readonly docs: Int32Array;
  /** Per posting; keyword fields: all 1. */
  readonly freqs: Int32Array;
  /** Text: per posting its first position index; length postings + 1. Keyword: empty. */
  readonly positionsStart: Int32Array;
  readonly positions: Int32Array;
  /** Per term ordinal: first block index; length terms + 1. */
  readonly blockStart: Int32Array;
  /** Per block: the last doc id in the block. */
  readonly blockLastDoc: Int32Array;
  /** Per block: first impact index; length blocks + 1. */
  readonly impactStart: Int32Array;
  readonly impactFreqs: Int32Array;
  readonly impactNorms: Uint8Array;
  /** Per doc: SmallFloat-encoded field length (0: no value). Keyword: empty. */
  readonly norms: Uint8Array;
  /** Documents having at least one token (Lucene's docCount; deleted docs included). */
  readonly docCount: number;
  readonly sumTotalTermFreq: number;
  readonly sumDocFreq: number;
}

export interface KeywordDocValues {
  readonly kind: 'keyword';
  /** Length maxDoc + 1. */
  readonly valueStart: Int32Array;
  /** Term ordinals, ascending (deduplicated) per doc. */
  readonly ordinals: Int32Array;
  /** True when no document has two values: then `ordinals[valueStart[doc]]` is its only one. */
  readonly singleValued: boolean;
}

export interface NumericDocValues {
  readonly kind: 'numeric';
  readonly valueStart: Int32Array;
  /** Values ascending per doc (duplicates kept, as Lucene's SortedNumericDocValues). */
  readonly values: Float64Array;
  readonly singleValued: boolean;
  /** All (value, doc) pairs sorted by value then doc: the points structure for ranges. */
  readonly pointValues: Float64Array;
  readonly pointDocs: Int32Array;
  /**
   * `date_nanos` only: `values` hold epoch milliseconds (floor) and these the nanoseconds within
   * the millisecond (0..999_999), parallel to `values` and to `pointValues`; (millis, nanos) pairs
   * are what is sorted. Aggregations read the milliseconds, as Elasticsearch's do.
   */
  readonly nanos?: Int32Array;
  readonly pointNanos?: Int32Array;
}

export type DocValues = KeywordDocValues | NumericDocValues;

/** Looks a document up by `_id` (a `Map` fits). */
export interface IdOrdinals {
  get(id: string): number | undefined;
}

/**
 * `_id` → doc number built on the first lookup: a segment loaded at a restart answers searches
 * without it (a map of every id was most of a large segment's load), and the first refresh with a
 * write or the first lookup by id builds it once. Spreading a segment copies this object, so the
 * copies share one map.
 */
export function lazyIdOrdinals(ids: readonly string[]): IdOrdinals {
  let map: Map<string, number> | undefined;
  return {
    get(id: string): number | undefined {
      if (map === undefined) {
        map = new Map<string, number>();
        for (let doc = 0; doc < ids.length; doc++) map.set(ids[doc]!, doc);
      }
      return map.get(id);
    },
  };
}

export interface Segment {
  readonly name: string;
  readonly maxDoc: number;
  /** The highest sequence number any document in this segment carries (persisted with it). */
  readonly maxSeqNo: number;
  readonly mappings: FieldMappings;
  readonly ids: readonly string[];
  /** `_id` → doc number (the last doc of an id, as the ids array lists them); see `lazyIdOrdinals`. */
  readonly idOrdinals: IdOrdinals;
  /**
   * Each document's `_source` as the stored JSON text, parsed only for the hits a fetch renders
   * (`sourceOf`). Kept as UTF-8 bytes off the JS heap, in memory or in a file (source-texts.ts):
   * parsed object graphs, and later one string per document, made the collector trace (and V8
   * size the heap for) every document's source.
   */
  readonly sources: SourceTexts;
  readonly postings: ReadonlyMap<string, PostingsField>;
  readonly docValues: ReadonlyMap<string, DocValues>;
  /** Bit per doc (1 = live); null when nothing is deleted. */
  readonly liveDocs: Uint32Array | null;
  readonly liveDocCount: number;
}

/** The parsed `_source` of one document (a fresh object: callers may change it). */
export function sourceOf(segment: Segment, doc: number): unknown {
  return JSON.parse(segment.sources.text(doc)) as unknown;
}

export function isLive(segment: Segment, doc: number): boolean {
  const live = segment.liveDocs;
  return live === null || (live[doc >>> 5]! & (1 << (doc & 31))) !== 0;
}

/** A copy of the segment with these docs also deleted (segments are immutable). */
export function withDeletes(segment: Segment, deletedDocs: Iterable<number>): Segment {
  const words = (segment.maxDoc + 31) >>> 5;
  const live = segment.liveDocs === null ? new Uint32Array(words).fill(0xffffffff) : segment.liveDocs.slice();
  let liveDocCount = segment.liveDocCount;
  for (const doc of deletedDocs) {
    if (doc < 0 || doc >= segment.maxDoc) continue;
    const mask = 1 << (doc & 31);
    if ((live[doc >>> 5]! & mask) !== 0) {
      live[doc >>> 5] = live[doc >>> 5]! & ~mask;
      liveDocCount--;
    }
  }
  return { ...segment, liveDocs: live, liveDocCount };
}

export const numericFieldTypes: ReadonlySet<FieldType> = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'date', 'date_nanos', 'boolean']);
/** Engine types with doc values and points (numbers, dates, booleans). */
export function isNumericFieldType(type: FieldType): boolean {
  return numericFieldTypes.has(type);
}
export const integerFieldTypes: ReadonlySet<FieldType> = new Set(['long', 'integer', 'short', 'byte']);

/**
 * Gives a postings field (every part but its terms) `terms` and `termOrdinals` made from
 * `readTerms` on first read: a search touches a few fields, and a JS string and a Map entry per
 * term of every field was most of a segment's load. Getters: copy such a field with its
 * descriptors, a spread would call them.
 */
export function withLazyTerms(field: object, readTerms: () => string[]): PostingsField {
  let terms: string[] | undefined;
  let ordinals: Map<string, number> | undefined;
  const list = (): string[] => (terms ??= readTerms());
  Object.defineProperty(field, 'terms', { enumerable: true, get: list });
  Object.defineProperty(field, 'termOrdinals', {
    enumerable: true,
    get: (): Map<string, number> => {
      if (ordinals === undefined) {
        const all = list();
        ordinals = new Map();
        for (let ordinal = 0; ordinal < all.length; ordinal++) ordinals.set(all[ordinal]!, ordinal);
      }
      return ordinals;
    },
  });
  return field as PostingsField;
}
