/**
 * The index setting `index.query.default_field` (pure): the fields that `query_string` (and the URI
 * search `q=` without `df`), `simple_query_string`, `multi_match` and `more_like_this` search when
 * the query names no fields. Its value is a list of field names and patterns, each with an optional
 * `^boost` (`["title^2", "body", "meta.*"]`); the default `["*"]` means every eligible field.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/index-modules.html#index-query-default-field
 *
 * Parsing cannot see the index, and one search may read several indices with different settings;
 * so such queries are parsed with the field `DEFAULT_FIELDS` and the planner replaces it with the
 * fields of the index it plans for (PlanContext.defaultFields), as Elasticsearch reads
 * `context.defaultFields()` when it builds each shard's query.
 */
import { errors } from '../../common/errors.js';
import type { FieldBoost } from './ast.js';

/**
 * The field name a query without fields is parsed with. No mapping holds a field by this name (a
 * request that spells it out only asks for the default fields, which it could ask for anyway).
 */
export const DEFAULT_FIELDS = '\u0000index.query.default_field';

/**
 * The field name `simple_query_string` and `multi_match` are parsed with when they name no fields:
 * unlike `query_string` (`DEFAULT_FIELDS`), they keep the boosts of the other entries when the
 * setting holds `*` (field-resolution.ts).
 */
export const DEFAULT_FIELDS_WEIGHTED = '\u0000index.query.default_field^';

/** Whether a field name stands for the index's default fields (either sentinel). */
export function isDefaultFields(field: string): boolean {
  return field === DEFAULT_FIELDS || field === DEFAULT_FIELDS_WEIGHTED;
}

/** Java's Float.parseFloat, as Elasticsearch reads a `^boost`; its NumberFormatException's message otherwise. */
function javaParseFloat(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed === '') return 'empty String';
  if (/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/.test(trimmed)) return Math.fround(Number(trimmed.replace(/[fFdD]$/, '')));
  return `For input string: "${text}"`;
}

/**
 * The setting's entries as fields and boosts, as Elasticsearch's QueryParserHelper
 * parseFieldsAndWeights reads them: the text after the first `^` is the boost, and a field listed
 * twice multiplies its boosts. A boost that is not a number fails the query (not the setting, which
 * Elasticsearch stores unchecked): query_shard_exception with the NumberFormatException as cause.
 */
export function defaultFieldBoosts(entries: readonly string[], indexName: string): FieldBoost[] {
  const boosts = new Map<string, number>();
  for (const entry of entries) {
    const caret = entry.indexOf('^');
    let field = entry;
    let boost = 1;
    if (caret !== -1) {
      field = entry.slice(0, caret);
      const parsed = javaParseFloat(entry.slice(caret + 1));
      if (typeof parsed === 'string') throw errors.queryShard(`failed to create query: ${parsed}`, indexName, errors.numberFormat(parsed));
      boost = parsed;
    }
    boosts.set(field, (boosts.get(field) ?? 1) * boost);
  }
  return [...boosts].map(([field, boost]) => ({ field, boost }));
}

/**
 * The fields and boosts a query's field list stands for: a default-fields sentinel replaced by the
 * index's default fields (their boosts times its own). For `DEFAULT_FIELDS` (`query_string`), when
 * the setting holds the entry `*` the query searches every eligible field with boost 1, as
 * Elasticsearch's all-fields mode does, so `*` alone replaces them; `DEFAULT_FIELDS_WEIGHTED` keeps
 * every entry (field-resolution.ts then multiplies the boosts of a field reached twice).
 */
export function resolveQueryFields(fields: readonly FieldBoost[], defaultFields: readonly string[], indexName: string): FieldBoost[] {
  if (!fields.some((entry) => isDefaultFields(entry.field))) return [...fields];
  const defaults = defaultFieldBoosts(defaultFields, indexName);
  const resolved: FieldBoost[] = [];
  for (const entry of fields) {
    if (!isDefaultFields(entry.field)) resolved.push(entry);
    else if (entry.field === DEFAULT_FIELDS && defaultFields.includes('*')) resolved.push({ field: '*', boost: entry.boost });
    else for (const field of defaults) resolved.push({ field: field.field, boost: entry.boost * field.boost });
  }
  return resolved;
}

/**
 * The field names and patterns of the entries, boosts dropped unread: for choosing fields only
 * (highlighting), where the query that searched them already refused a bad boost.
 */
export function defaultFieldNames(entries: readonly string[]): string[] {
  const names = entries.map((entry) => (entry.includes('^') ? entry.slice(0, entry.indexOf('^')) : entry));
  return names.includes('*') ? ['*'] : [...new Set(names)];
}
