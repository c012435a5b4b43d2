/**
 * `search_type=dfs_query_then_fetch` (pure): Elasticsearch first collects term and field
 * statistics from every shard the search reads (the DFS phase), then scores each shard with those
 * summed statistics, so BM25 sees the whole corpus rather than one shard's part of it. The default
 * `query_then_fetch` scores each shard with its own statistics, as Lucene does per index.
 * Reference: search-search.html#search-type, DfsPhase / AggregatedDfs.
 */
import { errors } from '../common/errors.js';
import type { FieldStats, ShardStats } from '../index/engine/index.js';

/** The statistics of several shards summed, as AggregatedDfs holds them. */
export function aggregatedStats(shards: readonly ShardStats[]): ShardStats {
  const fieldCache = new Map<string, FieldStats | undefined>();
  return {
    maxDoc: shards.reduce((sum, shard) => sum + shard.maxDoc, 0),
    fieldStats(field) {
      if (fieldCache.has(field)) return fieldCache.get(field);
      let combined: FieldStats | undefined;
      for (const shard of shards) {
        const stats = shard.fieldStats(field);
        if (stats === undefined) continue;
        combined =
          combined === undefined
            ? stats
            : { docCount: combined.docCount + stats.docCount, sumTotalTermFreq: combined.sumTotalTermFreq + stats.sumTotalTermFreq, sumDocFreq: combined.sumDocFreq + stats.sumDocFreq };
      }
      fieldCache.set(field, combined);
      return combined;
    },
    docFreq(field, term) {
      let docFreq = 0;
      for (const shard of shards) docFreq += shard.docFreq(field, term);
      return docFreq;
    },
  };
}

/**
 * The statistics one node's shards hold for the terms and fields a query scores with (the DFS
 * phase of a search whose shards live on several nodes, `indices:data/read/search[phase/dfs]`):
 * summed by the coordinating node and sent with every node's query phase, as Elasticsearch's
 * DfsSearchResult and AggregatedDfs travel.
 */
export interface DfsStatistics {
  readonly max_doc: number;
  readonly fields: Readonly<Record<string, FieldStats>>;
  /** Document frequency by field, then term. */
  readonly terms: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Wraps a shard's statistics and records every field and term a query planned over it asks for. */
export function recordingStats(inner: ShardStats): { readonly stats: ShardStats; collected(): DfsStatistics } {
  const fields = new Map<string, FieldStats>();
  const terms = new Map<string, Map<string, number>>();
  return {
    stats: {
      maxDoc: inner.maxDoc,
      fieldStats(field) {
        const stats = inner.fieldStats(field);
        if (stats !== undefined) fields.set(field, stats);
        return stats;
      },
      docFreq(field, term) {
        const docFreq = inner.docFreq(field, term);
        (terms.get(field) ?? terms.set(field, new Map()).get(field)!).set(term, docFreq);
        return docFreq;
      },
    },
    collected: () => ({
      max_doc: inner.maxDoc,
      fields: Object.fromEntries(fields),
      terms: Object.fromEntries([...terms].map(([field, byTerm]) => [field, Object.fromEntries(byTerm)])),
    }),
  };
}

/** Several shards' or nodes' DFS statistics summed. */
export function sumDfsStatistics(parts: readonly DfsStatistics[]): DfsStatistics {
  // Maps, not objects: a field or term may be named like an Object.prototype member.
  const fields = new Map<string, FieldStats>();
  const terms = new Map<string, Map<string, number>>();
  let maxDoc = 0;
  for (const part of parts) {
    maxDoc += part.max_doc;
    for (const [field, stats] of Object.entries(part.fields)) {
      const before = fields.get(field);
      fields.set(field, before === undefined ? stats : { docCount: before.docCount + stats.docCount, sumTotalTermFreq: before.sumTotalTermFreq + stats.sumTotalTermFreq, sumDocFreq: before.sumDocFreq + stats.sumDocFreq });
    }
    for (const [field, byTerm] of Object.entries(part.terms)) {
      const into = terms.get(field) ?? terms.set(field, new Map()).get(field)!;
      for (const [term, docFreq] of Object.entries(byTerm)) into.set(term, (into.get(term) ?? 0) + docFreq);
    }
  }
  return { max_doc: maxDoc, fields: Object.fromEntries(fields), terms: Object.fromEntries([...terms].map(([field, byTerm]) => [field, Object.fromEntries(byTerm)])) };
}

/**
 * A shard's statistics as the DFS phase summed them; a field or term the DFS phase did not see
 * (a query expanded differently on this shard) keeps the shard's own, as Elasticsearch's searcher
 * falls back to its local statistics for terms missing from the AggregatedDfs.
 */
export function statsFromDfs(dfs: DfsStatistics, local: ShardStats): ShardStats {
  return {
    maxDoc: dfs.max_doc,
    fieldStats: (field) => (Object.hasOwn(dfs.fields, field) ? dfs.fields[field] : local.fieldStats(field)),
    docFreq: (field, term) => {
      const byTerm = Object.hasOwn(dfs.terms, field) ? dfs.terms[field]! : undefined;
      return byTerm !== undefined && Object.hasOwn(byTerm, term) ? byTerm[term]! : local.docFreq(field, term);
    },
  };
}

/** Validates DFS statistics received over the transport (a malformed request is a 400). */
export function parseDfsStatistics(value: unknown, action: string): DfsStatistics {
  const bad = (what: string): never => {
    throw errors.illegalArgument(`malformed [${action}] request: [dfs] ${what}`);
  };
  const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(value)) return bad('must be an object');
  if (!isCount(value['max_doc'])) bad('[max_doc] must be a non-negative integer');
  const fields = value['fields'];
  const terms = value['terms'];
  if (!isObject(fields) || !isObject(terms)) return bad('[fields] and [terms] must be objects');
  for (const stats of Object.values(fields)) {
    if (!isObject(stats) || !isCount(stats['docCount']) || !isCount(stats['sumTotalTermFreq']) || !isCount(stats['sumDocFreq'])) bad('[fields] must hold field statistics');
  }
  for (const byTerm of Object.values(terms)) {
    if (!isObject(byTerm) || !Object.values(byTerm).every(isCount)) bad('[terms] must map terms to document frequencies');
  }
  return value as unknown as DfsStatistics;
}
