/**
 * How the master folds a put-mapping into the published mapping of an index (multi-node mode):
 * the index layer's mapping merge, as Elasticsearch's master merges each mapping update into the
 * current mapping. Nodes send their whole local mapping (a primary's dynamic fields included), so
 * two primaries adding different fields at once each keep theirs; a conflicting change throws the
 * merge's EsError (illegal_argument_exception), which the master answers with.
 * The published form is `{ _doc: <mapping> }`, or `{}` before any field exists.
 */
import { checkFieldLimits, mergeMappings, parseMapping } from '../index/mapping/index.js';
import { settingInteger } from '../index/settings.js';

/**
 * The merged mapping is checked against the index's `index.mapping.total_fields.limit` and
 * `index.mapping.nested_fields.limit` (`settings`: the published index settings), as Elasticsearch's
 * master checks a merged mapping: each node checked only its own copy, so two updates made at once
 * through two nodes can each keep within the limit and pass it together; the one that would pass it
 * is refused (400) rather than published where no node could apply it.
 */
export function mergePublishedMappings(published: Readonly<Record<string, unknown>>, incoming: Readonly<Record<string, unknown>>, settings: Readonly<Record<string, string>>): Record<string, unknown> {
  const current = published['_doc'];
  const update = incoming['_doc'];
  if (update === undefined) return { ...published };
  const merged = current === undefined ? parseMapping(update) : mergeMappings(parseMapping(current), parseMapping(update));
  checkFieldLimits(merged, settingInteger(settings, 'index.mapping.total_fields.limit'), settingInteger(settings, 'index.mapping.nested_fields.limit'));
  return { _doc: merged };
}
