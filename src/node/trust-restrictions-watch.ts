import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/index.js';
import { parseTrustRestrictionFields, parseTrustRestrictions, type TrustRestriction } from '../transport/trust-restrictions.js';
import { NodeStartError } from './errors.js';

const PATH_SETTING = 'xpack.security.transport.ssl.trust_restrictions.path';
const FIELDS_SETTING = 'xpack.security.transport.ssl.trust_restrictions.x509_fields';
/** How often the file is checked for changes (Elasticsearch's resource.reload.interval.high default). */
export const TRUST_RESTRICTIONS_RELOAD_MS = 5_000;

/**
 * The transport interface's trust restrictions, read at start (a bad file stops the start, naming
 * the setting) and reloaded when the file changes, as Elasticsearch's SSL reloader does; a reload
 * that fails keeps the previous restrictions and logs why.
 */
export function watchTrustRestrictions(config: NodeConfig, log: Logger): { current(): TrustRestriction | undefined; close(): void } {
  const configured = config.flat[PATH_SETTING];
  if (configured === undefined) return { current: () => undefined, close: () => undefined };
  const file = path.resolve(config.configDir, typeof configured === 'string' ? configured : configured.join(','));
  const rawFields = config.flat[FIELDS_SETTING];
  let fields;
  try {
    fields = parseTrustRestrictionFields(rawFields === undefined ? undefined : typeof rawFields === 'string' ? rawFields.split(',').map((entry) => entry.trim()) : rawFields);
  } catch (error) {
    throw new NodeStartError(`[${FIELDS_SETTING}]: ${(error as Error).message}`);
  }
  const load = (): TrustRestriction => parseTrustRestrictions(readFileSync(file, 'utf8'), fields);
  let current: TrustRestriction;
  try {
    current = load();
  } catch (error) {
    throw new NodeStartError(`cannot load [${PATH_SETTING}] file [${file}]: ${(error as Error).message}`);
  }
  const listener = (now: Stats, before: Stats): void => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
    try {
      current = load();
      log.info({ file, subject_names: current.subjectNames }, 'reloaded the transport trust restrictions');
    } catch (error) {
      log.error({ file, reason: (error as Error).message }, 'cannot reload the transport trust restrictions; keeping the previous ones');
    }
  };
  watchFile(file, { interval: TRUST_RESTRICTIONS_RELOAD_MS, persistent: false }, listener);
  return { current: () => current, close: () => unwatchFile(file, listener) };
}
