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
import { canonicalJson } from '../common/index.js';

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

/**
 * What mapping `next` adds to or changes in `base` (pure), as a mapping update the master can merge
 * into the published mapping: the fields (and runtime fields) of `next` that `base` lacks or holds
 * otherwise, object fields narrowed to what changed within them, and every other root parameter
 * that differs. A dynamic update is the whole local mapping with the document's fields added; the
 * local mapping may hold put-mappings this node has not had published yet, which are theirs to
 * send (and the master's to refuse), not the document's.
 */
export function mappingAdditions(base: Readonly<Record<string, unknown>>, next: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const additions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (key === 'properties' || key === 'runtime') {
      const fields = fieldAdditions((base[key] ?? {}) as Record<string, unknown>, (value ?? {}) as Record<string, unknown>, key === 'properties');
      if (Object.keys(fields).length > 0) additions[key] = fields;
    } else if (!sameJson(base[key], value)) {
      additions[key] = value;
    }
  }
  return additions;
}

function fieldAdditions(base: Readonly<Record<string, unknown>>, next: Readonly<Record<string, unknown>>, nested: boolean): Record<string, unknown> {
  const additions: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(next)) {
    const before = base[name];
    if (sameJson(before, field)) continue;
    const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
    if (nested && isObject(before) && isObject(field) && isObject(field['properties'])) {
      const { properties: _properties, ...rest } = field;
      const { properties: _before, ...restBefore } = before;
      if (sameJson(rest, restBefore)) {
        additions[name] = { ...rest, properties: fieldAdditions((before['properties'] ?? {}) as Record<string, unknown>, field['properties'], true) };
        continue;
      }
    }
    additions[name] = field;
  }
  return additions;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === undefined || b === undefined ? a === b : canonicalJson(a) === canonicalJson(b);
}
