import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ClusterSettingsStore } from '../cluster/settings.js';
import { errors } from '../common/index.js';
import { Keystore } from '../config/index.js';
import type { EnrollmentEffects } from '../http/routes/remote-enrollment.js';
import { apiKeyModel, type ModelOptions } from '../remote/client.js';
import { aliasCaFile, pemCertificates, signingCa } from '../remote/enrollment.js';
import { parseAddress, type RemoteClusterService } from '../remote/index.js';

/** How long the enroll answer waits for the new alias to connect before answering with what it has. */
const ENROLL_CONNECT_WAIT_MS = 10_000;

/**
 * The remote cluster client's TLS for one alias: the configured authorities plus the CA pinned for
 * this alias at enrollment (issue #12 §1), so a pinned CA is trusted for its alias only.
 */
export function aliasModelOptions(base: ModelOptions, configDir: string, alias: string): ModelOptions {
  const tls = base.remoteClusterClientTls;
  const file = path.join(configDir, aliasCaFile(alias));
  if (tls === undefined || !existsSync(file)) return base;
  const configured = tls.ca === undefined ? [] : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
  return { ...base, remoteClusterClientTls: { ...tls, ca: [...configured, readFileSync(file)] } };
}

/** What `POST /_strait/remote/{alias}/_enroll` does to this node, each step undone if a later one fails. */
export function enrollmentEffects(deps: {
  configDir: string;
  modelOptions: ModelOptions;
  service: RemoteClusterService;
  clusterSettings: ClusterSettingsStore;
  keystorePassword(): string;
  reload(password: string): void;
  log: Logger;
}): EnrollmentEffects {
  const credentialName = (alias: string) => `cluster.remote.${alias}.credentials`;
  const caPath = (alias: string) => path.join(deps.configDir, aliasCaFile(alias));
  const editKeystore = (edit: (keystore: Keystore) => void) => {
    const password = deps.keystorePassword();
    const keystore = Keystore.load(deps.configDir, password);
    edit(keystore);
    keystore.save(password);
    deps.reload(password);
  };
  return {
    isConfigured: (alias) =>
      deps.service.has(alias) ||
      existsSync(caPath(alias)) ||
      Keystore.load(deps.configDir, deps.keystorePassword()).has(credentialName(alias)) ||
      Object.keys(deps.clusterSettings.effective()).some((key) => key.startsWith(`cluster.remote.${alias}.`)),
    verifyKey: async (alias, address, token) => {
      const tls = deps.modelOptions.remoteClusterClientTls;
      if (tls === undefined) throw errors.illegalArgument('enrollment requires [xpack.security.remote_cluster_client.ssl.enabled] to be true');
      const model = apiKeyModel({ ...deps.modelOptions, remoteClusterClientTls: { ...tls, ca: [token.ca] } }, token.key);
      const connection = await model.connect({ alias, address: parseAddress(address), serverName: undefined, expectedClusterName: token.cluster_name, compress: false, pingScheduleMs: -1 });
      connection.close();
    },
    configure: async (alias, token, settings) => {
      const undo: (() => void)[] = [];
      const rollback = () => {
        for (const step of undo.reverse()) {
          try {
            step();
          } catch (error) {
            deps.log.warn({ alias, reason: (error as Error).message }, 'undoing a failed enrollment step failed');
          }
        }
      };
      try {
        const file = caPath(alias);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(`${file}.tmp`, token.ca, { mode: 0o644 });
        renameSync(`${file}.tmp`, file);
        undo.push(() => unlinkSync(file));
        editKeystore((keystore) => keystore.set(credentialName(alias), Buffer.from(token.key, 'utf8')));
        undo.push(() => editKeystore((keystore) => void keystore.remove(credentialName(alias))));
        deps.clusterSettings.update({ persistent: settings });
        undo.push(() => void deps.clusterSettings.update({ persistent: Object.fromEntries(Object.keys(settings).map((key) => [key, null])) }));
      } catch (error) {
        rollback();
        throw error;
      }
      deps.log.info({ alias, cluster: token.cluster_name }, `remote cluster [${alias}] enrolled: CA pinned in [${aliasCaFile(alias)}], credentials in the keystore`);
      return async () => rollback();
    },
    infoWhenConnected: async (alias) => {
      const deadline = Date.now() + Math.min(ENROLL_CONNECT_WAIT_MS, deps.modelOptions.connectTimeoutMs);
      while (!deps.service.isConnected(alias) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      return deps.service.info()[alias] as Record<string, unknown>;
    },
  };
}

/**
 * The CA that signed the remote cluster interface's certificate, as an enrollment token pins it:
 * found in the certificate file's chain or among the node's configured authorities.
 */
export function remoteClusterCa(certificateFile: string | undefined, authorityFiles: readonly string[]): string {
  if (certificateFile === undefined) throw errors.illegalArgument('enrollment requires [xpack.security.remote_cluster_server.ssl.certificate]');
  const bundle = readFileSync(certificateFile, 'utf8');
  const leaf = pemCertificates(bundle)[0];
  const candidates = [bundle, ...authorityFiles.filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8'))];
  const ca = leaf === undefined ? undefined : signingCa(leaf, candidates);
  if (ca === undefined) {
    throw errors.illegalArgument(
      'cannot name the CA that signed [xpack.security.remote_cluster_server.ssl.certificate]: add it to the certificate file or to [xpack.security.remote_cluster_server.ssl.certificate_authorities]',
    );
  }
  return ca;
}
