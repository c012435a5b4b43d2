/**
 * Key paths of `flattened` fields in the engine's field mappings. A flattened field `labels` is
 * a keyword; so is every key path below it (`labels.host.name`), which no mapping lists: the
 * key paths are whatever the documents hold. The engine mappings of an index with flattened
 * fields answer any such path with a keyword mapping of mapped type `flattened` (a key path
 * looked up, never enumerated: `Object.keys` lists the mapped fields only), so that queries,
 * sorts and aggregations plan against it as against any keyword. The segment builder indexes
 * the key paths a document has, and records them in the segment's own mappings.
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/flattened.html
 */
import type { FieldMapping, FieldMappings } from '../engine/index.js';

const keyedMapping: FieldMapping = Object.freeze({ type: 'keyword', mappedType: 'flattened' });

/** The flattened root of a key path (the longest root `path` starts with followed by a dot). */
function flattenedRootOf(roots: readonly string[], path: string): string | undefined {
  let found: string | undefined;
  for (const root of roots) {
    if (path.length > root.length + 1 && path.startsWith(root) && path[root.length] === '.' && (found === undefined || root.length > found.length)) found = root;
  }
  return found;
}

/** `mappings` (frozen), answering also the key paths below the given flattened roots. */
export function keyedFieldMappings(mappings: FieldMappings, roots: readonly string[]): FieldMappings {
  return new Proxy(mappings, {
    get(target, property, receiver) {
      if (typeof property !== 'string' || Object.hasOwn(target, property)) return Reflect.get(target, property, receiver) as unknown;
      return flattenedRootOf(roots, property) === undefined ? undefined : keyedMapping;
    },
  });
}
