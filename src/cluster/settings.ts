import { errors, type SqlDatabase } from '../common/index.js';

/**
 * Dynamic cluster settings (`PUT /_cluster/settings`): persistent ones live in node.db and survive
 * restarts, transient ones live in memory. The merge is pure; the store is a thin shell.
 */
export type SettingValue = string | readonly string[];
export type FlatSettings = Readonly<Record<string, SettingValue>>;

export interface DynamicSetting {
  /** An exact key, or a pattern with one `*` standing for a namespace (an alias, for example). */
  readonly key: string;
  /** Returns the normalized value or throws a 400 EsError naming the setting. */
  normalize(key: string, value: unknown): SettingValue;
  readonly defaultValue?: SettingValue;
}

export interface SettingsUpdate {
  readonly persistent: FlatSettings;
  readonly transient: FlatSettings;
}

const scalarString = (key: string, value: unknown): string => {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw errors.illegalArgument(`Failed to parse value [${JSON.stringify(value)}] for setting [${key}]`);
};

export const dynamicSettingTypes = {
  string: (key: string, value: unknown): SettingValue => scalarString(key, value),
  boolean: (key: string, value: unknown): SettingValue => {
    const text = scalarString(key, value);
    if (text !== 'true' && text !== 'false') {
      throw errors.illegalArgument(`Failed to parse value [${text}] as only [true] or [false] are allowed.`);
    }
    return text;
  },
  byteSize: (key: string, value: unknown): SettingValue => {
    const text = scalarString(key, value);
    if (!/^(-1|\d+(\.\d+)?(b|kb|mb|gb|tb|pb)?)$/i.test(text)) {
      throw errors.illegalArgument(`failed to parse setting [${key}] with value [${text}] as a size in bytes: unit is missing or unrecognized`);
    }
    return text;
  },
  timeValue: (key: string, value: unknown): SettingValue => {
    const text = scalarString(key, value);
    if (!/^(-1|0|\d+(\.\d+)?(nanos|micros|ms|s|m|h|d))$/.test(text)) {
      throw errors.illegalArgument(`failed to parse setting [${key}] with value [${text}] as a time value: unit is missing or unrecognized`);
    }
    return text;
  },
  integerAtLeast:
    (min: number) =>
    (key: string, value: unknown): SettingValue => {
      const text = scalarString(key, value);
      if (!/^-?\d+$/.test(text)) throw errors.illegalArgument(`Failed to parse value [${text}] for setting [${key}]`);
      if (Number(text) < min) throw errors.illegalArgument(`Failed to parse value [${text}] for setting [${key}] must be >= ${min}`);
      return String(Number(text));
    },
  /**
   * A list keeps the form it was given, as Elasticsearch echoes it: an array stays an array, a
   * (comma-separated) string stays a string; readers split strings on commas.
   */
  list: (key: string, value: unknown): SettingValue => {
    if (Array.isArray(value)) return value.map((item) => scalarString(key, item));
    return scalarString(key, value);
  },
} as const;

/**
 * `cluster.routing.allocation.enable`: on a one-node cluster only replicas are ever unassigned, so
 * `all` and `primaries` are honoured as they stand; `new_primaries` and `none` would leave primaries
 * unassigned, which Strait cannot do, so they are refused rather than accepted and ignored.
 */
function allocationEnable(key: string, value: unknown): SettingValue {
  const text = scalarString(key, value).toLowerCase();
  if (text === 'all' || text === 'primaries') return text;
  if (text === 'new_primaries' || text === 'none') {
    throw errors.illegalArgument(`[${key}] = [${text}] is not supported by Strait: a one-node cluster cannot leave primary shards unassigned`);
  }
  throw errors.illegalArgument(`No enum constant org.elasticsearch.cluster.routing.allocation.decider.EnableAllocationDecider.Allocation.${text.toUpperCase()}`);
}

/** `logger._root`: Elasticsearch's level names (any case); the node's log level follows at once. */
function loggerLevel(key: string, value: unknown): SettingValue {
  const text = scalarString(key, value).toUpperCase();
  if (!['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'ALL'].includes(text)) {
    throw errors.illegalArgument(`Unknown level constant [${text}].`);
  }
  return text;
}

/** The pino level for an Elasticsearch log level. */
export function pinoLevelOf(level: string): string {
  const map: Record<string, string> = { OFF: 'silent', FATAL: 'fatal', ERROR: 'error', WARN: 'warn', INFO: 'info', DEBUG: 'debug', TRACE: 'trace', ALL: 'trace' };
  return map[level.toUpperCase()] ?? 'info';
}

/**
 * The dynamic cluster settings this node knows, each honoured as soon as it is accepted (the
 * indices service, the search service and the remote clusters service listen for changes). Later
 * layers (remote clusters) add rows. A setting that nothing would honour is not listed, so that it
 * is refused as not recognized rather than acknowledged and ignored.
 */
export const baseDynamicSettings: readonly DynamicSetting[] = [
  // Bootstrap data this node serves to cross-cluster replication followers (Strait has no peer recovery).
  { key: 'indices.recovery.max_bytes_per_sec', normalize: dynamicSettingTypes.byteSize, defaultValue: '40mb' },
  // Bootstrap data this node copies from leaders as a follower.
  { key: 'ccr.indices.recovery.max_bytes_per_sec', normalize: dynamicSettingTypes.byteSize, defaultValue: '40mb' },
  { key: 'action.auto_create_index', normalize: dynamicSettingTypes.string, defaultValue: 'true' },
  { key: 'action.destructive_requires_name', normalize: dynamicSettingTypes.boolean, defaultValue: 'true' },
  { key: 'cluster.routing.allocation.enable', normalize: allocationEnable, defaultValue: 'all' },
  { key: 'search.default_search_timeout', normalize: dynamicSettingTypes.timeValue, defaultValue: '-1' },
  { key: 'cluster.max_shards_per_node', normalize: dynamicSettingTypes.integerAtLeast(1), defaultValue: '1000' },
  // The node's log level (Strait has one logger tree; per-package `logger.org.elasticsearch.*` keys are refused).
  { key: 'logger._root', normalize: loggerLevel },
];

function findSetting(registry: readonly DynamicSetting[], key: string): DynamicSetting | undefined {
  return registry.find((setting) => settingKeyMatches(setting.key, key));
}

/** `logger.*` matches any key under `logger.`; `cluster.remote.*.seeds` matches one namespace segment. Pure. */
export function settingKeyMatches(pattern: string, key: string): boolean {
  if (!pattern.includes('*')) return pattern === key;
  const [prefix, suffix] = pattern.split('*') as [string, string];
  if (!key.startsWith(prefix) || !key.endsWith(suffix)) return false;
  const middle = key.slice(prefix.length, key.length - suffix.length);
  if (middle === '') return false;
  return suffix === '' || !middle.includes('.');
}

/** Flattens `{"a":{"b":1}}` and `{"a.b":1}` alike into dotted keys; `null` marks a removal. Pure. */
export function flattenSettings(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value === null || value === undefined) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw errors.illegalArgument(`settings must be an object, got [${JSON.stringify(value)}]`);
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) flattenSettings(child, path, out);
    else out[path] = child;
  }
  return out;
}

/**
 * Applies one scope's update to its current settings: validates every key (400 naming it),
 * removes keys set to null (a key ending in `.*` or a namespace prefix removes all under it). Pure.
 */
export function applySettingsUpdate(
  registry: readonly DynamicSetting[],
  scope: 'persistent' | 'transient',
  current: FlatSettings,
  update: Record<string, unknown>,
): { readonly next: FlatSettings; readonly changed: FlatSettings } {
  const next: Record<string, SettingValue> = { ...current };
  const changed: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(update)) {
    if (value === null) {
      const namespace = key.endsWith('.*') ? key.slice(0, -1) : `${key}.`;
      for (const existing of Object.keys(next)) if (existing === key || existing.startsWith(namespace)) delete next[existing];
      if (findSetting(registry, key) === undefined && !key.endsWith('*') && !Object.keys(current).some((k) => k.startsWith(namespace))) {
        throw errors.illegalArgument(`${scope} setting [${key}], not recognized`);
      }
      continue;
    }
    const setting = findSetting(registry, key);
    if (setting === undefined) throw errors.illegalArgument(`${scope} setting [${key}], not recognized`);
    const normalized = setting.normalize(key, value);
    next[key] = normalized;
    changed[key] = normalized;
  }
  return { next, changed };
}

export class ClusterSettingsStore {
  private transientSettings: FlatSettings = {};
  private persistentSettings: FlatSettings;
  private readonly validators: ((effective: FlatSettings) => void)[] = [];
  private readonly listeners: ((effective: FlatSettings) => void)[] = [];

  constructor(
    private readonly db: SqlDatabase,
    private readonly registry: DynamicSetting[],
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS cluster_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const rows = db.prepare('SELECT key, value FROM cluster_settings').all() as { key: string; value: string }[];
    const persisted: Record<string, SettingValue> = {};
    for (const row of rows) persisted[row.key] = JSON.parse(row.value) as SettingValue;
    this.persistentSettings = persisted;
  }

  /** Later layers register their dynamic settings (for example `cluster.remote.*`). */
  register(settings: readonly DynamicSetting[]): void {
    this.registry.push(...settings);
  }

  /** Checks across keys (remote cluster rules): throws a 400 before anything is stored. */
  addValidator(validator: (effective: FlatSettings) => void): void {
    this.validators.push(validator);
  }

  /** Called with the effective settings after every accepted update. */
  onChange(listener: (effective: FlatSettings) => void): void {
    this.listeners.push(listener);
  }

  get persistent(): FlatSettings {
    return this.persistentSettings;
  }

  get transient(): FlatSettings {
    return this.transientSettings;
  }

  /** Transient settings override persistent ones, as in Elasticsearch. */
  effective(): FlatSettings {
    return { ...this.persistentSettings, ...this.transientSettings };
  }

  defaults(): FlatSettings {
    const defaults: Record<string, SettingValue> = {};
    for (const setting of this.registry) if (setting.defaultValue !== undefined && !setting.key.includes('*')) defaults[setting.key] = setting.defaultValue;
    return defaults;
  }

  /** Validates both scopes before changing either, then persists atomically. */
  update(body: { persistent?: unknown; transient?: unknown }): SettingsUpdate {
    const persistent = applySettingsUpdate(this.registry, 'persistent', this.persistentSettings, flattenSettings(body.persistent));
    const transient = applySettingsUpdate(this.registry, 'transient', this.transientSettings, flattenSettings(body.transient));
    for (const validate of this.validators) validate({ ...persistent.next, ...transient.next });
    // A multi-node cluster shares both scopes as one entry with every node (wire-metadata-sharing.ts):
    // another node applies them together, as Elasticsearch's one cluster state update does.
    if (this.share !== undefined && (!sameSettings(persistent.next, this.persistentSettings) || !sameSettings(transient.next, this.transientSettings))) {
      this.share({ persistent: persistent.next, transient: transient.next });
    }
    this.replace(persistent.next, transient.next);
    const effective = this.effective();
    for (const listener of this.listeners) listener(effective);
    return { persistent: persistent.changed, transient: transient.changed };
  }

  private replace(persistent: FlatSettings, transient: FlatSettings): void {
    if (!sameSettings(persistent, this.persistentSettings)) {
      const write = this.db.transaction((settings: FlatSettings) => {
        this.db.prepare('DELETE FROM cluster_settings').run();
        const insert = this.db.prepare('INSERT INTO cluster_settings (key, value) VALUES (?, ?)');
        for (const [key, value] of Object.entries(settings)) insert.run(key, JSON.stringify(value));
      });
      write(persistent);
    }
    this.persistentSettings = persistent;
    this.transientSettings = transient;
  }

  // ------------------------------------------------------------------ multi-node sharing

  private share: ((settings: SettingsUpdate) => void) | undefined;

  /**
   * Hands every accepted change (both scopes, whole, in one call) to `share` before it is
   * committed; `share` may refuse it.
   */
  shareChanges(share: (settings: SettingsUpdate) => void): void {
    this.share = share;
  }

  /** Both scopes, for the shared range's first load; undefined when neither holds a setting. */
  sharedEntry(): SettingsUpdate | undefined {
    if (Object.keys(this.persistentSettings).length === 0 && Object.keys(this.transientSettings).length === 0) return undefined;
    return { persistent: this.persistentSettings, transient: this.transientSettings };
  }

  /**
   * Both scopes as another node of the cluster changed them (null: both emptied), replaced in one
   * step so that no request here sees one scope changed and not the other. That node validated
   * them, so they are taken as they are (see sharedSettingsOf). Returns what the listeners threw
   * (each listener still runs).
   */
  applyShared(body: unknown): unknown[] {
    const { persistent, transient } = sharedSettingsOf(body);
    if (sameSettings(persistent, this.persistentSettings) && sameSettings(transient, this.transientSettings)) return [];
    this.replace(persistent, transient);
    const effective = this.effective();
    const failures: unknown[] = [];
    for (const listener of this.listeners) {
      try {
        listener(effective);
      } catch (error) {
        failures.push(error);
      }
    }
    return failures;
  }
}

/**
 * The two scopes of a shared cluster settings entry (`{persistent, transient}`; null: both
 * empty). A value that is not a string or a list of strings is left out, as is a scope that is
 * not an object. Pure.
 */
export function sharedSettingsOf(body: unknown): SettingsUpdate {
  const scopeOf = (value: unknown): FlatSettings => {
    const settings: Record<string, SettingValue> = {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return settings;
    for (const [key, setting] of Object.entries(value as Record<string, unknown>)) {
      if (typeof setting === 'string' || (Array.isArray(setting) && setting.every((item) => typeof item === 'string'))) settings[key] = setting as SettingValue;
    }
    return settings;
  };
  const object = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return { persistent: scopeOf(object['persistent']), transient: scopeOf(object['transient']) };
}

function sameSettings(a: FlatSettings, b: FlatSettings): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => JSON.stringify(a[key]) === JSON.stringify(b[key]));
}
