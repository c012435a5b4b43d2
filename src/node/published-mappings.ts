/**
 * How the master folds a put-mapping into the published mapping of an index (multi-node mode):
 * the index layer's mapping merge, as Elasticsearch's master merges each mapping update into the
 * current mapping. Nodes send their whole local mapping (a primary's dynamic fields included), so
 * two primaries adding different fields at once each keep theirs; a conflicting change throws the
 * merge's EsError (illegal_argument_exception), which the master answers with.
 * The published form is `{ _doc: <mapping> }`, or `{}` before any field exists.
 */
import { mergeMappings, parseMapping } from '../index/mapping/index.js';

export function mergePublishedMappings(published: Readonly<Record<string, unknown>>, incoming: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const current = published['_doc'];
  const update = incoming['_doc'];
  if (update === undefined) return { ...published };
  if (current === undefined) return { _doc: parseMapping(update) };
  return { _doc: mergeMappings(parseMapping(current), parseMapping(update)) };
}
