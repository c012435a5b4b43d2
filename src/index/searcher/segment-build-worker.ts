/**
 * A segment build worker thread (segment-build-pool.ts starts it): builds one segment from the
 * documents it is sent, against the index mapping and analysis settings it is sent (the same pure
 * functions the main thread uses: `flattenMapping`, `engineMappings`, `buildSearcherSegment`), and
 * answers the segment and its doc metadata in their file formats (segment-codec.ts,
 * searcher-files.ts), their bytes transferred, not copied. The main thread loads them as a restart
 * loads persisted segments.
 */
import { parentPort } from 'node:worker_threads';
import { serializeSegment } from '../engine/index.js';
import { flattenMapping, withParseOptions } from '../mapping/index.js';
import { storedAnalyzersOf } from '../analysis/custom-analyzers.js';
import { storedNormalizersOf } from '../analysis/normalizers.js';
import { engineMappings } from './document-input.js';
import { encodeDocMetadata } from './searcher-files.js';
import { buildSearcherSegment } from './searcher-state.js';
import type { BuildJob, BuildAnswer } from './segment-build-pool.js';

const port = parentPort;
if (port === null) throw new Error('segment-build-worker.ts runs as a worker thread');

/** The transferable bytes of a buffer (a copy only when it shares its ArrayBuffer with others). */
function ownBytes(buffer: Buffer): ArrayBuffer {
  if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength && buffer.buffer instanceof ArrayBuffer) return buffer.buffer;
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

function build(job: BuildJob): { answer: BuildAnswer; transfer: ArrayBuffer[] } {
  try {
    const flattened = flattenMapping(job.mappings, storedNormalizersOf(job.settings), storedAnalyzersOf(job.settings));
    const root = withParseOptions(job.mappings, { ignoreMalformed: job.ignoreMalformed });
    const built = buildSearcherSegment(job.documents, root, engineMappings(flattened), job.name, job.maxSeqNo);
    const segment = ownBytes(serializeSegment(built.segment));
    const metadata = ownBytes(encodeDocMetadata(built.metadata));
    return { answer: { id: job.id, ok: true, segment, metadata, unparsable: [...built.unparsable] }, transfer: [segment, metadata] };
  } catch (error) {
    return { answer: { id: job.id, ok: false, message: error instanceof Error ? error.message : String(error) }, transfer: [] };
  }
}

port.on('message', (job: BuildJob) => {
  const { answer, transfer } = build(job);
  port.postMessage(answer, transfer);
});
