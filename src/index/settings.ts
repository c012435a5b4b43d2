/**
 * Index settings (pure): normalization of nested or flat input to flat `index.*` keys, the table of
 * settings Strait knows (with Elasticsearch's names, defaults and dynamic flag), and validation.
 * Values are kept as strings, as Elasticsearch renders them in `GET /{index}/_settings`.
 */
import { errors } from '../common/index.js';
import { parseTimeValueMs } from '../common/time-value.js';
import { encodeSettingList, renderSettingValue, settingList } from './setting-lists.js';

export type FlatSettings = Readonly<Record<string, string>>;

type Validator = (value: string, key: string) => void;

interface SettingSpec {
  readonly dynamic: boolean;
  /** Elasticsearch's default; undefined when the setting has no default worth rendering. */
  readonly defaultValue?: string;
  readonly validate: Validator;
  /** Settings set by the node, never by a request (`index.uuid`, `index.creation_date`, ...). */
  readonly internal?: boolean;
  /** Settings that can never change after creation, even on a closed index. */
  readonly final?: boolean;
  /** List settings (Elasticsearch's listSetting): a list given is kept and rendered as a list (setting-lists.ts). */
  readonly list?: boolean;
}

const failedToParse = (value: string, key: string, detail = ''): never => {
  throw errors.illegalArgument(`Failed to parse value [${value}] for setting [${key}]${detail}`);
};

const integerIn =
  (min: number, max: number): Validator =>
  (value, key) => {
    if (!/^-?\d+$/.test(value)) failedToParse(value, key);
    const number = Number(value);
    if (number < min) failedToParse(value, key, ` must be >= ${min}`);
    if (number > max) failedToParse(value, key, ` must be <= ${max}`);
  };

const booleanValue: Validator = (value, key) => {
  if (value !== 'true' && value !== 'false') {
    throw errors.illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
  }
  void key;
};

const anyValue: Validator = () => undefined;

/** Elasticsearch's time values (common/time-value.ts), refused with its reasons as illegal_argument_exception. */
const timeValue: Validator = (value, key) => {
  parseTimeValueMs(value, key);
};

const oneOf =
  (...allowed: string[]): Validator =>
  (value, key) => {
    if (!allowed.includes(value.toLowerCase())) {
      throw errors.illegalArgument(`Failed to parse value [${value}] for setting [${key}], must be one of [${allowed.join(', ')}]`);
    }
  };

/** Data nodes in a Strait cluster: always one (multi-node clusters are not supported). */
export const CLUSTER_DATA_NODES = 1;

/** `index.auto_expand_replicas` when enabled: the bounds of the replica count (`all` is 2^31 - 1). */
export interface AutoExpandReplicas {
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

const AUTO_EXPAND_REPLICAS = 'index.auto_expand_replicas';
const JAVA_INT_MAX = 2 ** 31 - 1;

/** Java's Integer.parseInt: an optional sign and decimal digits within 32 bits; undefined otherwise. */
function javaParseInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const number = Number(text);
  return number < -(2 ** 31) || number > JAVA_INT_MAX ? undefined : number;
}

/**
 * Parses `index.auto_expand_replicas` as Elasticsearch's AutoExpandReplicas does: `false` disables
 * it (undefined); otherwise `min-max` split at the first dash, `max` a number or `all`. Refusals
 * carry Elasticsearch's exact reasons: the dash position (-1 when absent), with the Java
 * NumberFormatException as cause when a bound is not a number; and min > max.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/index-modules.html#dynamic-index-settings
 */
export function parseAutoExpandReplicas(value: string): AutoExpandReplicas | undefined {
  if (value === 'false') return undefined;
  const dash = value.indexOf('-');
  const failure = `failed to parse [${AUTO_EXPAND_REPLICAS}] from value: [${value}] at index ${dash}`;
  if (dash === -1) throw errors.illegalArgument(failure);
  const bound = (text: string): number => {
    const number = javaParseInt(text);
    if (number === undefined) throw errors.illegalArgumentCausedBy(failure, errors.numberFormat(`For input string: "${text}"`));
    return number;
  };
  const minReplicas = bound(value.slice(0, dash));
  const maxText = value.slice(dash + 1);
  const maxReplicas = maxText === 'all' ? JAVA_INT_MAX : bound(maxText);
  if (minReplicas > maxReplicas) {
    throw errors.illegalArgument(`[${AUTO_EXPAND_REPLICAS}] minReplicas must be =< maxReplicas but wasn't ${minReplicas} > ${maxReplicas}`);
  }
  return { minReplicas, maxReplicas };
}

/** The replica count auto-expansion asks for: one per other data node, held within [min, max]. */
export function autoExpandedReplicas(bounds: AutoExpandReplicas, dataNodes: number): number {
  return Math.min(Math.max(dataNodes - 1, bounds.minReplicas), bounds.maxReplicas);
}

/**
 * Settings with `index.number_of_replicas` set to what `index.auto_expand_replicas` asks for on a
 * cluster of `dataNodes` data nodes; unchanged when auto-expansion is off. Elasticsearch's
 * allocation writes this count into the index metadata (so `GET _settings` shows it, and health
 * follows it) whenever an index is created, its settings change or the nodes change; auto-expansion
 * wins over an explicit `number_of_replicas`.
 */
export function withAutoExpandedReplicas(settings: FlatSettings, dataNodes: number = CLUSTER_DATA_NODES): Record<string, string> {
  const result: Record<string, string> = { ...settings };
  const raw = settings[AUTO_EXPAND_REPLICAS];
  const bounds = raw === undefined ? undefined : parseAutoExpandReplicas(raw);
  if (bounds !== undefined) result['index.number_of_replicas'] = String(autoExpandedReplicas(bounds, dataNodes));
  return result;
}

const autoExpand: Validator = (value) => {
  parseAutoExpandReplicas(value);
};

/** The settings Strait accepts, with Elasticsearch's defaults and dynamic flags. */
export const indexSettingSpecs: Readonly<Record<string, SettingSpec>> = {
  'index.number_of_shards': { dynamic: false, final: true, defaultValue: '1', validate: integerIn(1, 1024) },
  'index.number_of_replicas': { dynamic: true, defaultValue: '1', validate: integerIn(0, 1024) },
  'index.number_of_routing_shards': { dynamic: false, final: true, validate: integerIn(1, 1024 * 1024) },
  'index.auto_expand_replicas': { dynamic: true, defaultValue: 'false', validate: autoExpand },
  'index.refresh_interval': { dynamic: true, defaultValue: '1s', validate: timeValue },
  'index.max_result_window': { dynamic: true, defaultValue: '10000', validate: integerIn(1, 2 ** 31 - 1) },
  'index.max_inner_result_window': { dynamic: true, defaultValue: '100', validate: integerIn(1, 2 ** 31 - 1) },
  'index.max_rescore_window': { dynamic: true, defaultValue: '10000', validate: integerIn(1, 2 ** 31 - 1) },
  'index.max_terms_count': { dynamic: true, defaultValue: '65536', validate: integerIn(1, 2 ** 31 - 1) },
  'index.max_regex_length': { dynamic: true, defaultValue: '1000', validate: integerIn(1, 2 ** 31 - 1) },
  'index.max_ngram_diff': { dynamic: true, defaultValue: '1', validate: integerIn(0, 2 ** 31 - 1) },
  'index.max_shingle_diff': { dynamic: true, defaultValue: '3', validate: integerIn(0, 2 ** 31 - 1) },
  'index.max_docvalue_fields_search': { dynamic: true, defaultValue: '100', validate: integerIn(0, 2 ** 31 - 1) },
  'index.max_script_fields': { dynamic: true, defaultValue: '32', validate: integerIn(0, 2 ** 31 - 1) },
  'index.highlight.max_analyzed_offset': { dynamic: true, defaultValue: '1000000', validate: integerIn(1, 2 ** 31 - 1) },
  'index.blocks.read_only': { dynamic: true, defaultValue: 'false', validate: booleanValue },
  'index.blocks.read_only_allow_delete': { dynamic: true, defaultValue: 'false', validate: booleanValue },
  'index.blocks.read': { dynamic: true, defaultValue: 'false', validate: booleanValue },
  'index.blocks.write': { dynamic: true, defaultValue: 'false', validate: booleanValue },
  'index.blocks.metadata': { dynamic: true, defaultValue: 'false', validate: booleanValue },
  'index.hidden': { dynamic: true, defaultValue: 'false', validate: booleanValue },
  // Marks a cross-cluster replication follower (spec ccr.md §6): set by put-follow, removed by unfollow.
  'index.xpack.ccr.following_index': { dynamic: false, validate: booleanValue, internal: true },
  'index.priority': { dynamic: true, validate: integerIn(0, 2 ** 31 - 1) },
  // Entries are field names or patterns with an optional ^boost, unchecked here as in Elasticsearch:
  // the queries that read them refuse a bad boost (query/default-fields.ts).
  'index.query.default_field': { dynamic: true, list: true, defaultValue: encodeSettingList(['*']), validate: anyValue },
  'index.translog.durability': { dynamic: true, defaultValue: 'request', validate: oneOf('request', 'async') },
  'index.translog.sync_interval': { dynamic: false, defaultValue: '5s', validate: timeValue },
  'index.translog.flush_threshold_size': { dynamic: true, defaultValue: '10gb', validate: anyValue },
  'index.soft_deletes.enabled': { dynamic: false, defaultValue: 'true', validate: oneOf('true') },
  'index.soft_deletes.retention_lease.period': { dynamic: true, defaultValue: '12h', validate: timeValue },
  'index.soft_deletes.retention.operations': { dynamic: true, defaultValue: '0', validate: integerIn(0, Number.MAX_SAFE_INTEGER) },
  'index.gc_deletes': { dynamic: true, defaultValue: '60s', validate: timeValue },
  'index.mapping.total_fields.limit': { dynamic: true, defaultValue: '1000', validate: integerIn(0, 2 ** 31 - 1) },
  'index.mapping.depth.limit': { dynamic: true, defaultValue: '20', validate: integerIn(1, 2 ** 31 - 1) },
  'index.mapping.nested_fields.limit': { dynamic: true, defaultValue: '50', validate: integerIn(0, 2 ** 31 - 1) },
  'index.mapping.nested_objects.limit': { dynamic: true, defaultValue: '10000', validate: integerIn(0, 2 ** 31 - 1) },
  'index.mapping.field_name_length.limit': { dynamic: true, validate: integerIn(1, 2 ** 31 - 1) },
  'index.mapping.ignore_malformed': { dynamic: false, defaultValue: 'false', validate: booleanValue },
  'index.mapping.coerce': { dynamic: false, defaultValue: 'true', validate: booleanValue },
  'index.codec': { dynamic: false, defaultValue: 'default', validate: oneOf('default', 'best_compression') },
  'index.write.wait_for_active_shards': { dynamic: true, defaultValue: '1', validate: anyValue },
  'index.unassigned.node_left.delayed_timeout': { dynamic: true, defaultValue: '1m', validate: timeValue },
  'index.default_pipeline': { dynamic: true, defaultValue: '_none', validate: anyValue },
  'index.final_pipeline': { dynamic: true, defaultValue: '_none', validate: anyValue },
  'index.lifecycle.name': { dynamic: true, validate: anyValue },
  'index.lifecycle.rollover_alias': { dynamic: true, validate: anyValue },
  // Set by the node at creation; a request may not set them.
  'index.uuid': { dynamic: false, internal: true, validate: anyValue },
  'index.creation_date': { dynamic: false, internal: true, validate: anyValue },
  'index.provided_name': { dynamic: false, internal: true, validate: anyValue },
  'index.version.created': { dynamic: false, internal: true, validate: anyValue },
};

/** Setting prefixes accepted as groups (their members are free-form, as in Elasticsearch). */
const groupPrefixes: readonly { prefix: string; dynamic: boolean }[] = [
  { prefix: 'index.routing.allocation.', dynamic: true },
  { prefix: 'index.analysis.', dynamic: false },
  { prefix: 'index.similarity.', dynamic: false },
  { prefix: 'index.sort.', dynamic: false },
  { prefix: 'index.routing.rebalance.', dynamic: true },
  { prefix: 'index.search.slowlog.', dynamic: true },
  { prefix: 'index.indexing.slowlog.', dynamic: true },
];

/** The `index.version.created` Strait records: Elasticsearch 9.1's index version id. */
export const INDEX_VERSION_CREATED = '9033000';

/** Whether a running index may change `key` (Elasticsearch's dynamic index settings; not final or internal ones). */
export function isDynamicIndexSetting(key: string): boolean {
  const spec = specOf(key);
  return spec !== undefined && spec.dynamic && spec.final !== true && spec.internal !== true;
}

function specOf(key: string): { dynamic: boolean; final?: boolean; validate: Validator; internal?: boolean } | undefined {
  const spec = indexSettingSpecs[key];
  if (spec !== undefined) return spec;
  const group = groupPrefixes.find((candidate) => key.startsWith(candidate.prefix));
  return group === undefined ? undefined : { dynamic: group.dynamic, validate: anyValue };
}

function scalarToString(value: unknown, key: string): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    // Settings hold lists of values only (Elasticsearch's Settings parser), never lists of lists.
    if (value.some(Array.isArray)) throw errors.illegalArgument(`Failed to parse value for setting [${key}]`);
    const items = value.map((item) => scalarToString(item, key) ?? '');
    // A group setting (analysis lists: filter, stopwords...) and a list setting keep their list
    // (setting-lists.ts); another named setting keeps the comma-joined string it always had.
    const spec = indexSettingSpecs[key];
    return spec === undefined || spec.list === true ? encodeSettingList(items) : items.join(',');
  }
  throw errors.illegalArgument(`Failed to parse value for setting [${key}]`);
}

/**
 * Flattens `{index: {number_of_shards: 1}}`, `{number_of_shards: 1}` and `{"index.number_of_shards": 1}`
 * alike to `{"index.number_of_shards": "1"}`; `null` values stay `null` (reset to default on update).
 */
export function flattenSettings(input: unknown): Record<string, string | null> {
  const flat: Record<string, string | null> = {};
  const walk = (value: unknown, prefix: string): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, prefix === '' ? key : `${prefix}.${key}`);
      return;
    }
    const key = prefix.startsWith('index.') ? prefix : `index.${prefix}`;
    flat[key] = scalarToString(value, key);
  };
  if (input === undefined || input === null) return flat;
  if (typeof input !== 'object' || Array.isArray(input)) throw errors.illegalArgument('settings must be an object');
  walk(input, '');
  return flat;
}

function unknownSetting(key: string): never {
  throw errors.illegalArgument(
    `unknown setting [${key}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings`,
  );
}

function normalizeValue(key: string, value: string): string {
  // Booleans are stored as Elasticsearch renders them.
  const spec = indexSettingSpecs[key];
  if (spec?.validate === booleanValue) return value.toLowerCase() === 'true' ? 'true' : value.toLowerCase() === 'false' ? 'false' : value;
  return value;
}

/**
 * Validates the settings of a create-index request; returns the flat settings given (no defaults),
 * plus the `index.number_of_replicas` that `index.auto_expand_replicas` implies when it is on.
 */
export function parseCreateSettings(input: unknown): Record<string, string> {
  const flat = flattenSettings(input);
  const result: Record<string, string> = {};
  for (const [key, raw] of Object.entries(flat)) {
    const spec = specOf(key);
    if (spec === undefined) unknownSetting(key);
    if (spec.internal) {
      throw errors.illegalArgument(`private index setting [${key}] can not be set explicitly`);
    }
    if (raw === null) continue;
    const value = normalizeValue(key, raw);
    spec.validate(value, key);
    result[key] = value;
  }
  return withAutoExpandedReplicas(result);
}

/**
 * Applies a settings update to current settings. Static settings are refused on open indices, as
 * Elasticsearch does; `null` resets a setting to its default.
 */
export function applySettingsUpdate(
  current: FlatSettings,
  input: unknown,
  target: { readonly index: string; readonly uuid: string; readonly open: boolean },
): Record<string, string> {
  const flat = flattenSettings(input);
  const next: Record<string, string> = { ...current };
  const staticKeys: string[] = [];
  for (const [key, raw] of Object.entries(flat)) {
    const spec = specOf(key);
    if (spec === undefined) unknownSetting(key);
    if (spec.internal || spec.final) {
      if (raw !== null && current[key] === raw) continue;
      throw errors.illegalArgument(`final ${target.index} setting [${key}], not updateable`);
    }
    if (!spec.dynamic && current[key] !== raw) staticKeys.push(key);
    if (raw === null) {
      delete next[key];
      continue;
    }
    const value = normalizeValue(key, raw);
    spec.validate(value, key);
    next[key] = value;
  }
  if (staticKeys.length > 0 && target.open) {
    throw errors.illegalArgument(
      `Can't update non dynamic settings [[${staticKeys.join(', ')}]] for open indices [[${target.index}/${target.uuid}]]`,
    );
  }
  return withAutoExpandedReplicas(next);
}

/** The defaults of every known setting not present in `settings` (for `include_defaults`). */
export function defaultSettings(settings: FlatSettings): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [key, spec] of Object.entries(indexSettingSpecs)) {
    if (spec.defaultValue !== undefined && settings[key] === undefined) defaults[key] = spec.defaultValue;
  }
  return defaults;
}

/** A setting's value, falling back to its Elasticsearch default. */
export function settingValue(settings: FlatSettings, key: string): string | undefined {
  return settings[key] ?? indexSettingSpecs[key]?.defaultValue;
}

/**
 * `index.query.default_field`: the fields and patterns (with optional `^boost`) that queries naming
 * no fields search (query/default-fields.ts); a comma-delimited string is a list, as Elasticsearch's
 * list settings read one.
 */
export function queryDefaultFields(settings: FlatSettings): string[] {
  return settingList(settingValue(settings, 'index.query.default_field'));
}

export function settingBoolean(settings: FlatSettings, key: string): boolean {
  return settingValue(settings, key) === 'true';
}

export function settingInteger(settings: FlatSettings, key: string): number {
  const value = settingValue(settings, key);
  return value === undefined ? 0 : Number(value);
}

/** Nests flat `a.b.c` keys into objects, as `flat_settings=false` renders. */
export function nestFlatSettings(flat: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const nested: Record<string, unknown> = {};
  for (const key of Object.keys(flat).sort()) {
    const parts = key.split('.');
    let cursor = nested;
    for (const part of parts.slice(0, -1)) {
      const next = cursor[part];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) cursor[part] = {};
      cursor = cursor[part] as Record<string, unknown>;
    }
    cursor[parts[parts.length - 1]!] = renderSettingValue(flat[key]);
  }
  return nested;
}
