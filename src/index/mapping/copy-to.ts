/**
 * `copy_to` mapping checks (pure): the rules Elasticsearch applies to a whole mapping after a
 * create or a merge. The copying itself happens at document parse time (document.ts).
 *
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/copy-to.html
 */
import { errors } from '../../common/index.js';
import { isObjectMapping, type PropertyMapping, type RootMapping } from './mapping.js';

/** The target paths of a field's `copy_to` (a string or a list of strings); empty when unset. */
export function copyToTargets(mapping: PropertyMapping): readonly string[] {
  const value = mapping['copy_to'];
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Refuses a `copy_to` value that is neither a string nor a list of strings (mapping parse time). */
export function checkCopyToValue(path: string, value: unknown): void {
  if (value === undefined) return;
  const ok = typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
  if (!ok) throw errors.mapperParsing(`Failed to parse mapping: [copy_to] on mapper [${path}] must be a string or a list of strings`);
}

interface Walked {
  /** Object paths to whether they are nested. */
  readonly objects: Map<string, boolean>;
  /** Multi-field paths (`title.raw`). */
  readonly multiFields: Set<string>;
  /** Fields with a `copy_to`, by path. */
  readonly sources: Map<string, PropertyMapping>;
}

function walk(properties: Record<string, PropertyMapping>, prefix: string, into: Walked): void {
  for (const [name, mapping] of Object.entries(properties)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (isObjectMapping(mapping)) {
      into.objects.set(path, mapping['type'] === 'nested');
      walk((mapping['properties'] ?? {}) as Record<string, PropertyMapping>, path, into);
      continue;
    }
    if (mapping['copy_to'] !== undefined) into.sources.set(path, mapping);
    for (const [subName, sub] of Object.entries((mapping['fields'] ?? {}) as Record<string, PropertyMapping>)) {
      into.multiFields.add(`${path}.${subName}`);
      if (sub['copy_to'] !== undefined) into.sources.set(`${path}.${subName}`, sub);
    }
  }
}

/** The path of the innermost nested object holding `path`, or undefined (the root document). */
function nestedScope(path: string, objects: ReadonlyMap<string, boolean>): string | undefined {
  const parts = path.split('.');
  for (let length = parts.length - 1; length > 0; length--) {
    const parent = parts.slice(0, length).join('.');
    if (objects.get(parent) === true) return parent;
  }
  return undefined;
}

/**
 * Throws 400 illegal_argument_exception, as Elasticsearch's mapping validation does, when a
 * multi-field has a `copy_to`, or a target is a multi-field, an object, or a field in a nested
 * object that is not the source's nested object or one of its parents.
 */
export function checkCopyTo(root: RootMapping): void {
  const walked: Walked = { objects: new Map(), multiFields: new Set(), sources: new Map() };
  walk((root['properties'] ?? {}) as Record<string, PropertyMapping>, '', walked);
  for (const [path, mapping] of walked.sources) {
    if (walked.multiFields.has(path)) throw errors.illegalArgument(`[copy_to] may not be used to copy from a multi-field: [${path}]`);
    const sourceScope = nestedScope(path, walked.objects);
    for (const target of copyToTargets(mapping)) {
      if (walked.multiFields.has(target)) throw errors.illegalArgument(`[copy_to] may not be used to copy to a multi-field: [${target}]`);
      if (walked.objects.has(target)) throw errors.illegalArgument(`Cannot copy to field [${target}] since it is mapped as an object`);
      const targetScope = nestedScope(target, walked.objects);
      if (targetScope !== undefined && targetScope !== sourceScope && !(sourceScope ?? '').startsWith(`${targetScope}.`)) {
        throw errors.illegalArgument(
          `Illegal combination of [copy_to] and [nested] mappings: [copy_to] may only copy data to the current nested document or any of its parents, however one [copy_to] directive is trying to copy data from nested object [${sourceScope ?? 'null'}] to [${targetScope}]`,
        );
      }
    }
  }
}
