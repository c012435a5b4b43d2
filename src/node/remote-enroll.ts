import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ClusterSettingsStore } from '../cluster/settings.js';
import { errors } from '../common/index.js';
import { Keystore } from '../config/index.js';
import type { EnrollmentEffects } from '../http/routes/remote-enrollment.js';
import type { ModelOptions } from '../remote/client.js';
import { aliasCaFile, pemCertificates, signingCa, verifyEnrollmentKey } from '../remote/enrollment.js';
import type { RemoteClusterService } from '../remote/index.js';

/** How long the enroll answer waits for the new alias to connect before answering with what it has. */
const ENROLL_CONNECT_WAIT_MS = 10_000;

/**
 * The CAs pinned per alias at enrollment (issue #12 §1), each read from disk once: connections and
 * doctor runs ask for them often, and enrollment (the only writer while the node runs) tells the
 * cache what it wrote or removed.
 */
export class PinnedAliasCas {
  private readonly cache = new Map<string, Buffer | undefined>();

  constructor(private readonly configDir: string) {}

  /** The CA pinned for this alias, if any (read from disk the first time). */
  get(alias: string): Buffer | undefined {
    if (!this.cache.has(alias)) {
      const file = path.join(this.configDir, aliasCaFile(alias));
      this.cache.set(alias, existsSync(file) ? readFileSync(file) : undefined);
    }
    return this.cache.get(alias);
  }

  /** Enrollment wrote (a PEM) or removed (undefined) this alias's CA file. */
  set(alias: string, pem: string | undefined): void {
    this.cache.set(alias, pem === undefined ? undefined : Buffer.from(pem, 'utf8'));
  }

  /**
   * The remote cluster client's TLS for one alias: the configured authorities plus the CA pinned for
   * this alias, so a pinned CA is trusted for its alias only.
   */
  modelOptions(base: ModelOptions, alias: string): ModelOptions {
    const tls = base.remoteClusterClientTls;
    const pinned = tls === undefined ? undefined : this.get(alias);
    if (tls === undefined || pinned === undefined) return base;
    const configured = tls.ca === undefined ? [] : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
    return { ...base, remoteClusterClientTls: { ...tls, ca: [...configured, pinned] } };
  }
}

/** What `POST /_strait/remote/{alias}/_enroll` does to this node, each step undone if a later one fails. */
export function enrollmentEffects(deps: {
  configDir: string;
  modelOptions: ModelOptions;
  pinnedCas: PinnedAliasCas;
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
      await verifyEnrollmentKey(deps.modelOptions, tls, alias, address, token);
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
        deps.pinnedCas.set(alias, token.ca);
        undo.push(() => {
          deps.pinnedCas.set(alias, undefined);
          unlinkSync(file);
        });
        editKeystore((keystore) => keystore.set(credentialName(alias), Buffer.from(token.key, 'utf8')));
        undo.push(() => editKeystore((keystore) => void keystore.remove(credentialName(alias))));
        deps.clusterSettings.update({ persistent: settings });
        undo.push(() => void deps.clusterSettings.update({ persistent: Object.fromEntries(Object.keys(settings).map((key) => [key, null])) }));
      } catch (error) {
        rollback();
        throw error;
      }
      deps.log.info({ alias, cluster: token.cluster_name }, `remote cluster [${alias}] enrolled: CA pinned in [${aliasCaFile(alias)}], credentials in the keystore`);
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
