/**
 * Field level security for the scripts of a query phase (pure): runtime fields, script queries,
 * script scores and script sorts read `_source` (`params._source`, runtime fields without a
 * script), so under FLS the segments they see hold sources without the hidden fields, filtered
 * when a document's source is read. Doc values and postings are already filtered
 * (read-restriction.ts visibleSegments).
 */
import { filterSourceFields } from '../index/index.js';
import type { Segment } from '../index/searcher/index.js';
import type { SourceTexts } from '../index/engine/index.js';

export function withVisibleSources(segments: readonly Segment[], visible: ((path: string) => boolean) | undefined): readonly Segment[] {
  if (visible === undefined) return segments;
  return segments.map((segment) => {
    const stored = segment.sources;
    const filtered = new Map<number, string>();
    const sources: SourceTexts = {
      count: stored.count,
      text(doc: number): string {
        let text = filtered.get(doc);
        if (text === undefined) {
          text = JSON.stringify(filterSourceFields(JSON.parse(stored.text(doc)) as unknown, visible));
          filtered.set(doc, text);
        }
        return text;
      },
      // The query phase reads texts; only merges and persisting read bytes, never through this view.
      get byteLength(): number {
        throw new Error('a field-filtered source view is read as texts only');
      },
      offsetOf(): number {
        throw new Error('a field-filtered source view is read as texts only');
      },
      bytesOf(): Uint8Array {
        throw new Error('a field-filtered source view is read as texts only');
      },
    };
    return { ...segment, sources };
  });
}
