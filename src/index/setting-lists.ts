/**
 * List values in flat index settings (pure).
 *
 * Elasticsearch's Settings keep a list as a list: `GET /<index>/_settings` prints
 * `"filter": ["lowercase", "asciifolding"]`, with or without `flat_settings`, and an item may hold
 * a comma. Strait's flat settings map each key to a string; a list given for a group setting
 * (`index.analysis.*` and the other open groups) is kept as one string that cannot be typed: a NUL
 * character, then the list as JSON. `settingList` reads it back (and, for values written before
 * lists were kept, or given as a string, splits on commas, as Elasticsearch's `getAsList` splits
 * a comma-delimited string); rendering turns it into the array again.
 *
 * Stored format: a value without the marker is read as before, so indices written by earlier
 * versions need no migration (their lists print as the comma-joined string they were stored as).
 */

const listMarker = '\u0000';

/** The stored form of a list value. */
export function encodeSettingList(items: readonly string[]): string {
  return `${listMarker}${JSON.stringify(items)}`;
}

/** The list a stored value holds, or undefined when it holds a plain string. */
export function decodeSettingList(value: string): string[] | undefined {
  if (!value.startsWith(listMarker)) return undefined;
  try {
    const items: unknown = JSON.parse(value.slice(listMarker.length));
    return Array.isArray(items) && items.every((item) => typeof item === 'string') ? items : undefined;
  } catch {
    return undefined;
  }
}

/** A list setting's items: the stored list, or a comma-delimited string split and trimmed. */
export function settingList(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  const list = decodeSettingList(value);
  if (list !== undefined) return list;
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** A stored value as Elasticsearch prints it: a list as an array, a string as it is. */
export function renderSettingValue(value: unknown): unknown {
  return typeof value === 'string' ? (decodeSettingList(value) ?? value) : value;
}

/** Flat settings as `flat_settings=true` prints them (keys kept in their order). */
export function renderFlatSettingValues(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, renderSettingValue(value)]));
}
