/**
 * A search worker thread (search-pool.ts starts it): keeps the segments it was sent (their arrays
 * shared with the main thread), and runs query phases over them, one job at a time.
 */
import { parentPort } from 'node:worker_threads';
import { EsError } from '../../common/errors.js';
import { reviveSharedSegment, segmentWithLiveDocs, type RevivedSegmentCore } from '../engine/shared-segment.js';
import { computeShardStats } from '../engine/shard-stats.js';
import { runShardQuery } from '../query/shard-query.js';
import { encodeRenderedAggregations, isJsonExact, renderShardAggregations, type RenderedAggregations } from '../query/prerendered-aggregations.js';
import type { ShardResult } from '../query/search.js';
import { encodeErrorBody } from '../../transport/message.js';
import { isPlainData, type FromWorker, type ToWorker } from './search-pool.js';

const port = parentPort;
if (port === null) throw new Error('search-worker.ts runs as a worker thread');
const cores = new Map<number, RevivedSegmentCore>();

function answer(message: Extract<ToWorker, { type: 'job' }>): FromWorker {
  const { id, interrupt } = message;
  const segments = [];
  for (const { key, liveDocs, liveDocCount } of message.segments) {
    const core = cores.get(key);
    if (core === undefined) return { id, kind: 'inline', reason: `segment [${key}] was not sent` };
    segments.push(segmentWithLiveDocs(core, liveDocs, liveDocCount));
  }
  const started = performance.now();
  try {
    const context = { ...message.context, interrupted: () => Atomics.load(interrupt, 0) !== 0 };
    const result = runShardQuery(segments, computeShardStats(segments), message.request, message.postFiltered, context);
    if (!isPlainData(result)) return { id, kind: 'inline', reason: 'the shard result is not plain data' };
    const aggregations = renderedAggregations(message, result);
    // The work's cost, for the pool's choice of where the same job runs next (shard-cost.ts).
    const micros = Math.round((performance.now() - started) * 1000);
    if (aggregations === undefined) return { id, kind: 'result', result, micros };
    // Rendered here, the partials are read on the main thread only if that rendering is not
    // taken: as JSON text they cost one string copy instead of a clone of every bucket.
    if (result.aggregations !== undefined && isJsonExact(result.aggregations)) {
      return { id, kind: 'result', result: { ...result, aggregations: undefined }, aggregations, partialsJson: JSON.stringify(result.aggregations), micros };
    }
    return { id, kind: 'result', result, aggregations, micros };
  } catch (error) {
    if (error instanceof EsError) return { id, kind: 'error', error: encodeErrorBody(error) };
    // Reading `_id`s or `_source`s (MainThreadOnly), or anything else: the main thread runs the
    // same search again and answers as it would have without the pool.
    return { id, kind: 'inline', reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * A search of one shard with aggregations: their final reduce and rendering, done here rather
 * than on the main thread (prerendered-aggregations.ts). Undefined when the search has more
 * shards, or when rendering fails (the main thread then renders, and fails, as without the pool).
 */
function renderedAggregations(message: Extract<ToWorker, { type: 'job' }>, result: ShardResult): RenderedAggregations | undefined {
  const nodes = message.request.aggregations;
  if (nodes.length === 0 || message.context.shardCount !== 1) return undefined;
  try {
    const rendered = renderShardAggregations(nodes, [result.aggregations ?? {}]);
    const encoded = encodeRenderedAggregations(rendered);
    // JSON text is plain data: only an answer sent as the object itself needs the clone check.
    return 'json' in encoded || isPlainData(rendered) ? encoded : undefined;
  } catch {
    return undefined;
  }
}

port.postMessage({ kind: 'ready' } satisfies FromWorker);
port.on('message', (message: ToWorker) => {
  if (message.type === 'segment') cores.set(message.description.key, reviveSharedSegment(message.description));
  else if (message.type === 'release') cores.delete(message.key);
  else port.postMessage(answer(message));
});
