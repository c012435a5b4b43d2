/**
 * Shard-level statistics for BM25 (what Lucene's IndexSearcher computes over all leaves): per
 * field docCount and sumTotalTermFreq, per term docFreq, summed over every segment of the shard,
 * deleted documents included (as in Lucene until a merge drops them). Scores therefore do not
 * depend on how documents are split into segments.
 */
import type { Segment } from './segment.js';

export interface FieldStats {
  readonly docCount: number;
  readonly sumTotalTermFreq: number;
  readonly sumDocFreq: number;
}

export interface ShardStats {
  readonly maxDoc: number;
  fieldStats(field: string): FieldStats | undefined;
  docFreq(field: string, term: string): number;
}

export function computeShardStats(segments: readonly Segment[]): ShardStats {
  let maxDoc = 0;
  const fields = new Map<string, { docCount: number; sumTotalTermFreq: number; sumDocFreq: number }>();
  for (const segment of segments) {
    maxDoc += segment.maxDoc;
    for (const [path, field] of segment.postings) {
      let stats = fields.get(path);
      if (stats === undefined) {
        stats = { docCount: 0, sumTotalTermFreq: 0, sumDocFreq: 0 };
        fields.set(path, stats);
      }
      stats.docCount += field.docCount;
      stats.sumTotalTermFreq += field.sumTotalTermFreq;
      stats.sumDocFreq += field.sumDocFreq;
    }
  }
  return {
    maxDoc,
    fieldStats: (field) => fields.get(field),
    docFreq(field, term) {
      let docFreq = 0;
      for (const segment of segments) {
        const postings = segment.postings.get(field);
        if (postings === undefined) continue;
        const ordinal = postings.termOrdinals.get(term);
        if (ordinal !== undefined) docFreq += postings.postingsStart[ordinal + 1]! - postings.postingsStart[ordinal]!;
      }
      return docFreq;
    },
  };
}
