/**
 * Cluster-wide metadata a multi-node cluster shares through etcd (issue #14): index templates
 * (composable, component, legacy), ingest pipelines and stored scripts. The pure part: key names,
 * the record format, and the apply rules. The etcd side is etcd-metadata-range.ts, the wiring
 * node/wire-metadata-sharing.ts.
 *
 * Elasticsearch keeps all of these in the cluster state, so a put through any node applies on
 * every node. Strait keeps each in its owning service's store on every node and shares it as one
 * etcd key per object under ONE range, `<prefix>metadata/`, with the kind in the key:
 * `templates/composable/<name>`, `templates/component/<name>`, `templates/legacy/<name>`,
 * `pipelines/<id>`, `scripts/<id>`, and the cluster settings' one `cluster_settings/scopes`. One range rather than one per kind because objects refer to
 * each other across kinds (a composable template composes component templates, a pipeline's script
 * processor names a stored script): one watch delivers every change in etcd revision order, so a
 * node applies a component template before the composable template put after it, as the master's
 * cluster state would order them.
 *
 * Apply rule (as security's, src/security/replication.ts): an event is applied when its revision is
 * newer than the one the node holds for its key, so the last writer by etcd revision wins on every
 * node. A full load (join, restart, etcd back) makes the node equal to the range; only a node that
 * never loaded from this cluster's etcd adopts (publishes when absent) what it had before.
 */

/** The version of a record's JSON in etcd (P12): a node refuses a record of another format. */
export const SHARED_METADATA_FORMAT = 1;

export type SharedMetadataKind = 'composable_template' | 'component_template' | 'legacy_template' | 'pipeline' | 'script' | 'cluster_settings';

const prefixes: Readonly<Record<SharedMetadataKind, string>> = {
  composable_template: 'templates/composable/',
  component_template: 'templates/component/',
  legacy_template: 'templates/legacy/',
  pipeline: 'pipelines/',
  script: 'scripts/',
  // One entry, CLUSTER_SETTINGS_NAME: both scopes' whole flat settings (PUT /_cluster/settings).
  cluster_settings: 'cluster_settings/',
};

/**
 * The one name of the cluster settings entry: `{persistent, transient}` together, so another node
 * applies an update of both scopes at once (Elasticsearch changes both in one cluster state
 * update). The per-scope entries of earlier versions (`cluster_settings/persistent`,
 * `cluster_settings/transient`) are not ours any more: a load reports and skips them.
 */
export const CLUSTER_SETTINGS_NAME = 'scopes';

/** The key of one object, relative to the range's prefix; the name is URI-encoded (one key part whatever it holds). */
export function sharedMetadataKey(kind: SharedMetadataKind, name: string): string {
  return `${prefixes[kind]}${encodeURIComponent(name)}`;
}

/** The kind and name of a key; undefined when it is not one of ours. */
export function parseSharedMetadataKey(key: string): { readonly kind: SharedMetadataKind; readonly name: string } | undefined {
  for (const [kind, prefix] of Object.entries(prefixes) as [SharedMetadataKind, string][]) {
    if (!key.startsWith(prefix)) continue;
    const encoded = key.slice(prefix.length);
    if (encoded === '' || encoded.includes('/')) return undefined;
    if (kind === 'cluster_settings' && encoded !== CLUSTER_SETTINGS_NAME) return undefined;
    try {
      return { kind, name: decodeURIComponent(encoded) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The etcd value of an object: its body (what the owning service stores) with the format. */
export function encodeSharedMetadata(body: unknown): string {
  return JSON.stringify({ format: SHARED_METADATA_FORMAT, body });
}

export type DecodedSharedMetadata = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly reason: string };

/** A value read from etcd; never throws (a bad entry is reported and skipped). */
export function decodeSharedMetadata(value: string): DecodedSharedMetadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'not an object' };
  const { format, body } = parsed as { format?: unknown; body?: unknown };
  if (format !== SHARED_METADATA_FORMAT) return { ok: false, reason: `record format [${String(format)}], this node reads [${SHARED_METADATA_FORMAT}]` };
  if (typeof body !== 'object' || body === null) return { ok: false, reason: 'no body object' };
  return { ok: true, body };
}

/**
 * Whether an event at `revision` replaces what the node holds for its key: the revision of the
 * last event applied (a deletion too), 0 after a local write etcd has not confirmed yet, undefined
 * when never seen. An older event (a full load raced a watched event) never goes back in time.
 */
export function isNewerRevision(held: number | undefined, revision: number): boolean {
  return held === undefined || revision > held;
}

export interface SharedLoadInput {
  /** The whole range as read, with each key's mod revision. */
  readonly entries: ReadonlyMap<string, { readonly value: string; readonly revision: number }>;
  /** The objects this node holds, by key, encoded (encodeSharedMetadata). */
  readonly local: ReadonlyMap<string, string>;
  /**
   * True when this node never loaded the range of this cluster (a new node, or one that ran
   * alone before): what it holds and etcd lacks predates sharing and is adopted. Otherwise a local
   * object etcd lacks was deleted elsewhere while the node was away, or is a write etcd refused.
   */
  readonly firstLoad: boolean;
}

export interface SharedLoadPlan {
  /** Objects to write locally (absent or different), with the revision to hold. */
  readonly puts: readonly { readonly key: string; readonly body: unknown; readonly revision: number }[];
  /** Keys to delete locally. */
  readonly deletes: readonly string[];
  /** Local objects to publish when still absent (first load only). */
  readonly adopt: readonly { readonly key: string; readonly value: string }[];
  /** Entries skipped (and logged): not one of our keys, or of another format. */
  readonly invalid: readonly { readonly key: string; readonly reason: string }[];
  /** The revisions to hold after the load: exactly the range's valid keys. */
  readonly revisions: ReadonlyMap<string, number>;
}

/** A full load: the range is the truth (pure). */
export function planSharedLoad(input: SharedLoadInput): SharedLoadPlan {
  const puts: { key: string; body: unknown; revision: number }[] = [];
  const invalid: { key: string; reason: string }[] = [];
  const revisions = new Map<string, number>();
  for (const [key, entry] of input.entries) {
    if (parseSharedMetadataKey(key) === undefined) {
      invalid.push({ key, reason: 'not a shared metadata key' });
      continue;
    }
    const decoded = decodeSharedMetadata(entry.value);
    if (!decoded.ok) {
      invalid.push({ key, reason: decoded.reason });
      continue;
    }
    revisions.set(key, entry.revision);
    const local = input.local.get(key);
    if (local !== undefined && sameBody(local, decoded.body)) continue;
    puts.push({ key, body: decoded.body, revision: entry.revision });
  }
  // Referenced kinds first: a pipeline parses against the stored scripts it names, a composable
  // template composes component ones (the watch keeps revision order; a full load has none).
  puts.sort((a, b) => kindRank(a.key) - kindRank(b.key));
  const deletes: string[] = [];
  const adopt: { key: string; value: string }[] = [];
  for (const [key, value] of input.local) {
    if (input.entries.has(key)) continue;
    if (input.firstLoad) adopt.push({ key, value });
    else deletes.push(key);
  }
  return { puts, deletes, adopt, invalid, revisions };
}

const kindOrder: readonly SharedMetadataKind[] = ['cluster_settings', 'script', 'component_template', 'composable_template', 'legacy_template', 'pipeline'];

function kindRank(key: string): number {
  return kindOrder.indexOf(parseSharedMetadataKey(key)!.kind);
}

function sameBody(localValue: string, body: unknown): boolean {
  const decoded = decodeSharedMetadata(localValue);
  return decoded.ok && JSON.stringify(decoded.body) === JSON.stringify(body);
}
