/**
 * The `_source` root mapping (pure): `enabled: false` keeps no `_source` to return, and
 * `includes`/`excludes` keep only part of it, as Elasticsearch's SourceFieldMapper does.
 *
 * Strait indexes a document's fields from the source it stores, so the store keeps the whole
 * document; what Elasticsearch would have stored is what every read returns: the segments' copy
 * of `_source` (hits, `fields`, highlighting, top_hits, scripts' `params._source`) is the
 * filtered one (document-input.ts), and get, mget, `_source` and update read it through
 * `storedSourceOf`. Consequences, as in Elasticsearch:
 * - a disabled `_source`: hits and get have no `_source`, `GET _source/{id}` is 404, an update of
 *   an existing document is refused (`document_source_missing_exception`), and reindex and
 *   update by query fail each document ("didn't store _source");
 * - includes/excludes: every read sees the filtered source, and an update rewrites the document
 *   from it (what was filtered out is gone from the updated document, as Elasticsearch warns).
 * Refused with a 400: `mode: synthetic` (Strait does not synthesize sources) and a filtered or
 * disabled `_source` beside a `completion` field (its suggestions are read from the source).
 * `_source` cannot change once set (Elasticsearch's merge conflict).
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping-source-field.html
 */
import { errors } from '../../common/index.js';
import { filterSource } from '../source-filter.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

export interface SourceMapping {
  readonly enabled: boolean;
  readonly includes: readonly string[];
  readonly excludes: readonly string[];
}

const keepAll: SourceMapping = { enabled: true, includes: [], excludes: [] };

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function stringList(value: unknown, parameter: string): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item) => typeof item === 'string')) throw errors.mapperParsing(`[_source] [${parameter}] must be a list of strings`);
  return list as string[];
}

/** The `_source` options of a root mapping as stored (already validated). */
export function sourceMappingOf(root: Readonly<Json>): SourceMapping {
  const source = root['_source'];
  if (!isObject(source)) return keepAll;
  const mode = source['mode'];
  const enabled = mode === 'disabled' ? false : source['enabled'] === undefined ? true : isTrue(source['enabled']);
  return { enabled, includes: stringList(source['includes'], 'includes'), excludes: stringList(source['excludes'], 'excludes') };
}

/** True when reads see the whole stored document. */
export function keepsWholeSource(options: SourceMapping): boolean {
  return options.enabled && options.includes.length === 0 && options.excludes.length === 0;
}

/** What Elasticsearch would have stored as `_source`: undefined when it is disabled. */
export function storedSourceOf(options: SourceMapping, source: unknown): unknown {
  if (!options.enabled) return undefined;
  if (options.includes.length === 0 && options.excludes.length === 0) return source;
  return filterSource(source, { fetch: true, includes: options.includes, excludes: options.excludes });
}

/** As storedSourceOf for the stored JSON text; `null` stands for no `_source`. */
export function storedSourceText(options: SourceMapping, text: string): string {
  if (keepsWholeSource(options)) return text;
  if (!options.enabled) return 'null';
  try {
    return JSON.stringify(storedSourceOf(options, JSON.parse(text) as unknown));
  } catch {
    return text; // not JSON: document-input.ts reports it as unparsable
  }
}

/**
 * Validates the root `_source` of a mapping definition: `enabled`, `includes`, `excludes` and
 * `mode` (`stored` or `disabled`); 400 mapper_parsing_exception otherwise (index creation prefixes
 * "Failed to parse mapping: ", as for every mapping error).
 */
export function checkSourceMapping(input: Readonly<Json>): void {
  const source = input['_source'];
  if (source === undefined) return;
  if (!isObject(source)) throw errors.mapperParsing(`[_source] must be an object, got [${JSON.stringify(source)}]`);
  for (const [key, value] of Object.entries(source)) {
    switch (key) {
      case 'enabled':
        if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') {
          throw errors.mapperParsing(`Failed to parse value [${String(value)}] as only [true] or [false] are allowed.`);
        }
        break;
      case 'includes':
      case 'excludes':
        stringList(value, key);
        break;
      case 'mode':
        if (value === 'synthetic') throw errors.mapperParsing('[_source] value [{"mode":"synthetic"}] is not supported by Strait (synthetic _source is not implemented)');
        if (value !== 'stored' && value !== 'disabled') throw errors.mapperParsing(`Unknown source mode [${String(value)}]`);
        break;
      default:
        throw errors.mapperParsing(`unknown parameter [${key}] on mapper [_source] of type [_source]`);
    }
  }
}

/** Elasticsearch's merge rule: `_source` parameters cannot be updated. */
export function checkSourceMappingUpdate(existing: Readonly<Json>, incoming: Readonly<Json>): void {
  if (incoming['_source'] === undefined) return;
  const before = sourceMappingOf(existing);
  const after = sourceMappingOf(incoming);
  const conflicts: string[] = [];
  if (before.enabled !== after.enabled) conflicts.push(`Cannot update parameter [enabled] from [${before.enabled}] to [${after.enabled}]`);
  if (JSON.stringify(before.includes) !== JSON.stringify(after.includes)) conflicts.push(`Cannot update parameter [includes] from [${JSON.stringify(before.includes)}] to [${JSON.stringify(after.includes)}]`);
  if (JSON.stringify(before.excludes) !== JSON.stringify(after.excludes)) conflicts.push(`Cannot update parameter [excludes] from [${JSON.stringify(before.excludes)}] to [${JSON.stringify(after.excludes)}]`);
  if (conflicts.length > 0) throw errors.illegalArgument(`Mapper for [_source] conflicts with existing mapper:\n\t${conflicts.join('\n\t')}`);
}

/** A completion field's suggestions are read from the source: it needs the whole of it. */
export function checkSourceWithCompletion(root: Readonly<Json>, completionPaths: readonly string[]): void {
  if (completionPaths.length === 0 || keepsWholeSource(sourceMappingOf(root))) return;
  throw errors.mapperParsing(
    `Failed to parse mapping: [_source] value [${JSON.stringify(root['_source'])}] is not supported by Strait beside the completion field [${completionPaths[0]}] (its suggestions are read from the whole _source)`,
  );
}
