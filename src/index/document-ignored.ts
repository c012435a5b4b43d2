/**
 * The `_ignored` metadata field of a realtime get (get, mget): the fields of the stored document
 * whose values ignore_malformed or ignore_above dropped (and blank completion inputs), found by
 * parsing the document with the index's mapping and settings as the write did. Elasticsearch's
 * realtime get shows it between `_primary_term` and `found`, as a search hit shows it.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping-ignored-field.html
 */
import { EsError } from '../common/index.js';
import type { IndexHandle } from './indices-service.js';
import { deepFreezeMapping, parseDocument, parseDocumentAgainst, withParseOptions, type RootMapping } from './mapping/index.js';
import { ignoredFieldName } from './mapping/document.js';
import { settingBoolean } from './settings.js';

/** A frozen copy per root mapping object (mappings are replaced, never changed), so a get copies no mapping. */
const frozenRoots = new WeakMap<RootMapping, RootMapping>();

/** The ignored field names of one stored document (field level security's hidden ones left out). */
export function ignoredFieldsOf(handle: IndexHandle, id: string, source: unknown, visible: ((path: string) => boolean) | undefined): string[] {
  const root = withParseOptions(handle.metadata.mappings, { ignoreMalformed: settingBoolean(handle.metadata.settings, 'index.mapping.ignore_malformed') });
  let names: readonly unknown[];
  try {
    let frozen = frozenRoots.get(root);
    if (frozen === undefined) frozenRoots.set(root, (frozen = deepFreezeMapping(structuredClone(root))));
    const options = { ignoreMalformed: settingBoolean(handle.metadata.settings, 'index.mapping.ignore_malformed') };
    names = (parseDocumentAgainst(frozen, source, id, options) ?? parseDocument(root, source, id)).fields[ignoredFieldName] ?? [];
  } catch (error) {
    // A stored document its mapping no longer parses has no indexed fields, `_ignored` included (document-input.ts).
    if (error instanceof EsError) return [];
    throw error;
  }
  // In term order, as a search hit lists them (from the keyword doc values).
  return names.map(String).filter((name) => visible === undefined || visible(name)).sort();
}
