/**
 * What a shard's search segments are built from besides its documents: the mapping and the index
 * settings that shape analysis and parsing. Two indices with the same digest build the same
 * segments from the same documents, so a follower's bootstrap may take its leader's segment files
 * instead of building its own (ccr/service.ts); any difference makes it build them.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/index.js';
import type { IndexMetadata } from './store/index.js';

/** Index settings (flat keys) that change what a segment holds, by prefix. */
const segmentSettingPrefixes = ['index.analysis.', 'index.mapping.', 'index.similarity.', 'index.max_ngram_diff', 'index.max_shingle_diff'];

export function segmentInputsDigest(metadata: Pick<IndexMetadata, 'mappings' | 'settings'>): string {
  const settings = Object.fromEntries(Object.entries(metadata.settings).filter(([key]) => segmentSettingPrefixes.some((prefix) => key.startsWith(prefix))));
  return createHash('sha256').update(canonicalJson({ mappings: metadata.mappings, settings })).digest('hex');
}
