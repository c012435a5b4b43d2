import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Keystore } from './keystore.js';
import { buildNodeConfig, ConfigError, parseOverrides, parseYamlSettings, type FlatValue } from './settings.js';
import type { NodeConfig } from './types.js';

export { ConfigError, flattenYaml, parseOverrides, parseYamlSettings, validateSettings, buildNodeConfig, type SettingsPolicy } from './settings.js';
export { Keystore, KEYSTORE_FILE, KEYSTORE_FORMAT_VERSION } from './keystore.js';
export { parseByteSize, parseTimeValueMs, nodeSettingDefinitions, findDefinition } from './schema.js';
export type { NodeConfig, SecureSettings, SslConfig } from './types.js';

export const CONFIG_FILE = 'strait.yml';

/** Reads `DIR/strait.yml` (optional), applies `-E` overrides, loads the keystore, validates. */
export function loadNodeConfig(configDir: string, overrides: readonly string[] = []): NodeConfig {
  const directory = path.resolve(configDir);
  const file = path.join(directory, CONFIG_FILE);
  const fromFile: Record<string, FlatValue> = existsSync(file) ? parseYamlSettings(readFileSync(file, 'utf8'), file) : {};
  const merged = { ...fromFile, ...parseOverrides(overrides) };
  const keystore = Keystore.load(directory);
  // Test-only fault injection settings need the test flag in the environment (the harness sets it where a test asks).
  return buildNodeConfig(directory, merged, keystore, { faultInjectionAllowed: process.env['STRAIT_TEST_FAULT_INJECTION'] === '1' });
}

/** The raw settings of strait.yml alone (auto-configuration checks them). */
export function readFileSettings(configDir: string): Record<string, FlatValue> {
  const file = path.join(path.resolve(configDir), CONFIG_FILE);
  if (!existsSync(file)) return {};
  return parseYamlSettings(readFileSync(file, 'utf8'), file);
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
