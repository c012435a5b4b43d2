/**
 * Field level security for the scripts of a query phase (pure): runtime fields, script queries,
 * script scores and script sorts read `_source` (`params._source`, runtime fields without a
 * script), so under FLS the segments they see hold sources without the hidden fields, filtered
 * when a document's source is read. Doc values and postings are already filtered
 * (read-restriction.ts visibleSegments).
 */
import { filterSourceFields } from '../index/index.js';
import type { Segment } from '../index/searcher/index.js';

export function withVisibleSources(segments: readonly Segment[], visible: ((path: string) => boolean) | undefined): readonly Segment[] {
  if (visible === undefined) return segments;
  return segments.map((segment) => {
    const stored = segment.sources;
    const filtered = new Map<number, string>();
    const sources = new Proxy(stored as string[], {
      get(target, property, receiver) {
        if (typeof property === 'string' && /^\d+$/.test(property)) {
          const doc = Number(property);
          let text = filtered.get(doc);
          if (text === undefined) {
            const raw = target[doc];
            if (raw === undefined) return undefined;
            text = JSON.stringify(filterSourceFields(JSON.parse(raw) as unknown, visible));
            filtered.set(doc, text);
          }
          return text;
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    return { ...segment, sources };
  });
}
