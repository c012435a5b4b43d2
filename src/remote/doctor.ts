/**
 * The connection doctor (issue #12 §2): `GET /_remote/{alias}/_diagnose` runs each step of a
 * remote connection against the alias's configured addresses (and, under sniff, each sniffed
 * node) and reports every step with its timing, the first that failed, and what to change, naming
 * the setting. The report building and the advice are pure (`nodeReport`, `diagnoseReport`,
 * `advice*`); `runDiagnosis` is the shell that dials. Nothing secret is ever put in a report: the
 * API key's id is shown, never the key.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls, { type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { EsError } from '../common/index.js';
import { connectTransport, type HandshakeInfo, type TransportConnection } from '../transport/index.js';
import { clientTlsOptions, describeClientFailure, peerCertificateInfo, verifyServer, type TransportClientTlsOptions } from '../transport/tls.js';
import { formatVersion, isTransportCompatible, parseVersion } from '../transport/version.js';
import { ACCESS_PROBE_ACTIONS, type AccessVerdict } from './access-probe.js';
import { listRemoteNodes } from './client.js';
import { parseAddress, type RemoteAliasSettings } from './settings.js';
import { CROSS_CLUSTER_CREDENTIALS_HEADER } from './subject.js';

export const DIAGNOSE_STEPS = ['name_resolution', 'tcp_connect', 'tls_handshake', 'transport_handshake', 'authentication', 'authorization'] as const;
export type StepName = (typeof DIAGNOSE_STEPS)[number];
export type StepStatus = 'passed' | 'failed' | 'skipped' | 'not_run';

/** One step as measured: `not_run` steps after a failure are filled in by `nodeReport`. */
export interface StepOutcome {
  readonly name: StepName;
  readonly status: Exclude<StepStatus, 'not_run'>;
  readonly tookMs: number;
  readonly details?: Record<string, unknown>;
  readonly reason?: string;
  /** What to change, in plain words, and the setting it names. */
  readonly fix?: string;
  readonly setting?: string;
  /** Step 6: which cluster's configuration refused. */
  readonly side?: 'local' | 'remote';
}

export interface FirstFailed {
  readonly address: string;
  readonly step: number;
  readonly name: StepName;
  readonly reason: string;
  readonly fix: string;
  readonly setting: string | undefined;
  readonly side?: 'local' | 'remote';
}

export interface NodeDiagnosis {
  readonly address: string;
  readonly source: 'seed' | 'proxy_address' | 'sniffed';
  readonly node_name?: string;
  readonly ok: boolean;
  readonly first_failed: FirstFailed | null;
  readonly steps: Record<string, unknown>[];
}

/** Every step in order; the ones after the first failure are `not_run`. Pure. */
export function nodeReport(address: string, source: NodeDiagnosis['source'], outcomes: readonly StepOutcome[], nodeName?: string): NodeDiagnosis {
  const byName = new Map(outcomes.map((outcome) => [outcome.name, outcome]));
  let failed: FirstFailed | null = null;
  const steps = DIAGNOSE_STEPS.map((name, i) => {
    const outcome = byName.get(name);
    if (outcome === undefined || failed !== null) return { step: i + 1, name, status: 'not_run' as StepStatus };
    if (outcome.status === 'failed') {
      failed = {
        address,
        step: i + 1,
        name,
        reason: outcome.reason ?? 'failed',
        fix: outcome.fix ?? 'see the reason',
        setting: outcome.setting,
        ...(outcome.side !== undefined ? { side: outcome.side } : {}),
      };
    }
    return {
      step: i + 1,
      name,
      status: outcome.status,
      took_ms: outcome.tookMs,
      ...(outcome.details !== undefined ? { details: outcome.details } : {}),
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      ...(outcome.fix !== undefined ? { fix: outcome.fix } : {}),
      ...(outcome.setting !== undefined ? { setting: outcome.setting } : {}),
      ...(outcome.side !== undefined ? { side: outcome.side } : {}),
    };
  });
  return { address, source, ...(nodeName !== undefined ? { node_name: nodeName } : {}), ok: failed === null, first_failed: failed, steps };
}

/** The whole report: the alias, its model and mode, each node, and the first failure of all. Pure. */
export function diagnoseReport(
  alias: string,
  settings: RemoteAliasSettings,
  model: 'api_key' | 'certificate',
  connected: boolean,
  nodes: readonly NodeDiagnosis[],
  tookMs: number,
  lastConnectError?: string,
): Record<string, unknown> {
  const first = nodes.find((node) => node.first_failed !== null)?.first_failed ?? null;
  return {
    alias,
    mode: settings.mode,
    model,
    connected,
    // `_remote/info` says only connected: false; the live connections' own last failure is here.
    ...(lastConnectError !== undefined ? { last_connect_error: lastConnectError } : {}),
    ok: first === null && nodes.length > 0,
    took_ms: tookMs,
    first_failed: first,
    nodes,
  };
}

/** The setting that holds the addresses of the alias, for its mode. */
export function addressSetting(alias: string, settings: Pick<RemoteAliasSettings, 'mode'>): string {
  return settings.mode === 'proxy' ? `cluster.remote.${alias}.proxy_address` : `cluster.remote.${alias}.seeds`;
}

/** The remote port this model dials: the remote cluster interface (API key model) or transport. */
function remotePortSetting(model: 'api_key' | 'certificate'): string {
  return model === 'api_key' ? 'remote_cluster.port' : 'transport.port';
}

/** The local settings family whose authorities must trust the remote's certificate. */
export function trustSetting(model: 'api_key' | 'certificate'): string {
  return model === 'api_key' ? 'xpack.security.remote_cluster_client.ssl.certificate_authorities' : 'xpack.security.transport.ssl.certificate_authorities';
}

/** Advice for a failed TCP connect (step 2). Pure. */
export function adviceForConnect(alias: string, settings: Pick<RemoteAliasSettings, 'mode'>, model: 'api_key' | 'certificate', address: string, code: string | undefined): { fix: string; setting: string } {
  const setting = addressSetting(alias, settings);
  const iface = model === 'api_key' ? 'remote cluster interface' : 'transport interface';
  const what = code === 'ECONNREFUSED' ? 'nothing listens there' : code === 'ETIMEDOUT' || code === 'connect_timeout' ? 'no answer within the connect timeout (a firewall, or the wrong host)' : 'the address cannot be reached';
  return {
    fix: `[${address}] ${what}: set [${setting}] to the remote's ${iface} address (the remote's [${remotePortSetting(model)}]), and check that the remote is running and reachable from this node`,
    setting,
  };
}

/** Advice for a refused server certificate (step 3). Pure. */
export function adviceForTls(alias: string, model: 'api_key' | 'certificate', code: string | undefined): { fix: string; setting: string } {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      fix: `the remote's certificate does not name the address dialled: dial a name its SANs list, set [cluster.remote.${alias}.server_name] to one (proxy mode), or relax [${model === 'api_key' ? 'xpack.security.remote_cluster_client.ssl.verification_mode' : 'xpack.security.transport.ssl.verification_mode'}] to certificate`,
      setting: model === 'api_key' ? 'xpack.security.remote_cluster_client.ssl.verification_mode' : 'xpack.security.transport.ssl.verification_mode',
    };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return { fix: `the remote's certificate is outside its validity period: renew it on the remote (${model === 'api_key' ? 'xpack.security.remote_cluster_server.ssl.certificate' : 'xpack.security.transport.ssl.certificate'})`, setting: model === 'api_key' ? 'xpack.security.remote_cluster_server.ssl.certificate' : 'xpack.security.transport.ssl.certificate' };
  }
  const setting = trustSetting(model);
  return { fix: `add the certificate authority that signed the remote's certificate (its issuer is shown above) to [${setting}] on this cluster, then restart this node`, setting };
}

/** Advice for a failed transport handshake or authentication (steps 4 and 5), from the refusal. Pure. */
export function adviceForHandshake(alias: string, model: 'api_key' | 'certificate', reason: string, status: number | undefined): { step: 'transport_handshake' | 'authentication'; fix: string; setting: string | undefined } {
  if (status === 401) {
    return {
      step: 'authentication',
      fix: `the remote refused the credential: create a cross-cluster API key on the remote (POST /_security/cross_cluster/api_key), store its "encoded" value as [cluster.remote.${alias}.credentials] in this node's keystore, and call POST /_nodes/reload_secure_settings`,
      setting: `cluster.remote.${alias}.credentials`,
    };
  }
  if (/client certificate/.test(reason)) {
    return {
      step: 'authentication',
      fix: 'the remote did not accept this node\'s transport certificate: add the authority that signed [xpack.security.transport.ssl.certificate] of this node to the remote\'s [xpack.security.transport.ssl.certificate_authorities]',
      setting: 'xpack.security.transport.ssl.certificate',
    };
  }
  if (/incompatible/.test(reason)) {
    return { step: 'transport_handshake', fix: 'the two versions cannot talk (same major, or the last minor of the previous major): upgrade the older cluster', setting: undefined };
  }
  if (/does not match expected remote cluster name/.test(reason)) {
    return { step: 'transport_handshake', fix: `the address of [${alias}] points at another cluster than the one this alias connected to first: correct it, or remove and re-add the alias`, setting: undefined };
  }
  if (/plain-text|did not answer with TLS|expect TLS/.test(reason)) {
    return {
      step: 'transport_handshake',
      fix: model === 'api_key' ? `the address is not the remote's remote cluster interface: use the remote's [remote_cluster.port] (default 9443)` : `the address is not the remote's transport interface: use the remote's [transport.port] (default 9300)`,
      setting: undefined,
    };
  }
  return { step: 'transport_handshake', fix: 'the remote answered but not with a handshake this node accepts: check that the address is the remote\'s ' + (model === 'api_key' ? 'remote cluster interface ([remote_cluster.port])' : 'transport interface ([transport.port])'), setting: undefined };
}

/** Advice for a refused authorization probe (step 6). Pure. */
export function adviceForAuthorization(alias: string, model: 'api_key' | 'certificate', verdict: Pick<AccessVerdict, 'refused_by' | 'privilege' | 'index'>): { fix: string; setting: string; side: 'local' | 'remote' } {
  switch (verdict.refused_by) {
    case 'cross_cluster_api_key': {
      const access = verdict.privilege.startsWith('cross_cluster_replication') ? 'replication' : 'search';
      return {
        side: 'remote',
        fix: `the cross-cluster API key (on the remote) does not grant [${verdict.privilege}] on [${verdict.index}]: update it on the remote (PUT /_security/cross_cluster/api_key/<id>) so that its access.${access} names [${verdict.index}]`,
        setting: `cluster.remote.${alias}.credentials`,
      };
    }
    case 'remote_indices':
      return {
        side: 'local',
        fix: `the key grants it, but the caller's roles on this cluster do not: add a remote_indices entry with clusters [${alias}], names [${verdict.index}] and privileges [${verdict.privilege}] to one of the caller's roles`,
        setting: 'remote_indices',
      };
    default:
      return {
        side: 'remote',
        fix: `under the certificate model the remote's roles of the same names decide: give a role of that name on the remote the index privilege [${verdict.privilege}] on [${verdict.index}]`,
        setting: 'indices',
      };
  }
}

export interface DoctorDeps {
  readonly local: () => HandshakeInfo;
  readonly log: Logger;
  /** Per-step bound, ms (transport.connect_timeout, capped by DIAGNOSE_STEP_TIMEOUT_MS_MAX). */
  readonly connectTimeoutMs: number;
  /** The TLS client options a connection to `alias` uses (an enrolled alias trusts its pinned CA too). */
  readonly tlsFor: (model: 'api_key' | 'certificate', alias: string) => TransportClientTlsOptions | undefined;
  /** The alias's credential (API key model); never put in a report. */
  readonly credential: (alias: string) => string | undefined;
  /** Headers a request of the caller would carry; throws the local 403 when none apply. */
  readonly probeHeaders: (alias: string, action: string, caller: unknown) => Record<string, string>;
  /** Monotonic clock, ms. */
  readonly clock: () => number;
  /** The name the alias's live connections pinned, if any. */
  readonly pinnedClusterName: (alias: string) => string | undefined;
}

/** A step never waits longer than this, whatever transport.connect_timeout says (the report must come back). */
export const DIAGNOSE_STEP_TIMEOUT_MS_MAX = 10_000;
/** Sniff: at most this many sniffed nodes are diagnosed. */
export const DIAGNOSE_SNIFFED_NODES_MAX = 32;

export interface DiagnoseInput {
  readonly alias: string;
  readonly settings: RemoteAliasSettings;
  readonly model: 'api_key' | 'certificate';
  readonly connected: boolean;
  readonly lastConnectError?: string | undefined;
  readonly index: string | undefined;
  readonly privilege: string;
  readonly caller: unknown;
}

/** The credential's id only: the encoded key is `base64(id:secret)`. */
function keyIdOf(credential: string | undefined): string | undefined {
  if (credential === undefined) return undefined;
  const decoded = Buffer.from(credential, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

function certificateChain(socket: TLSSocket): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  let current: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (current !== undefined && current.raw !== undefined && current.raw.length > 0 && !seen.has(current.fingerprint256) && chain.length < 10) {
    seen.add(current.fingerprint256);
    const parsed = peerCertificateInfo(current, socket.authorized)!;
    chain.push({
      subject: parsed.subject.replace(/\n/g, ', '),
      issuer: parsed.issuer.replace(/\n/g, ', '),
      subject_alt_names: parsed.subjectAltName?.split(', ') ?? [],
      not_before: parsed.validFrom,
      not_after: parsed.validTo,
      sha256_fingerprint: parsed.fingerprint256,
    });
    current = current.issuerCertificate;
  }
  return chain;
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after [${ms}ms]`), { code: 'connect_timeout' })), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
};

/**
 * Steps 2 and 3 dial the same way: `read` runs once `socket` emits `ready`, the promise fails on a
 * socket error or after `ms`, and the socket is destroyed whichever comes first.
 */
function settleSocket<T>(socket: net.Socket, ready: 'connect' | 'secureConnect', ms: number, read: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connect_timeout[${ms}ms]`), { code: 'connect_timeout' }));
    }, ms);
    socket.once(ready, () => {
      clearTimeout(timer);
      try {
        resolve(read());
      } catch (error) {
        reject(error);
      } finally {
        socket.destroy();
      }
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/** Runs steps 1–6 against one address; returns the outcomes and, when the handshake passed, the connection (for sniffing). */
async function diagnoseAddress(
  deps: DoctorDeps,
  input: DiagnoseInput,
  addressText: string,
): Promise<{ outcomes: StepOutcome[]; connection: TransportConnection | undefined }> {
  const { alias, settings, model } = input;
  const outcomes: StepOutcome[] = [];
  const timeoutMs = Math.min(deps.connectTimeoutMs, DIAGNOSE_STEP_TIMEOUT_MS_MAX);
  const timed = async <T>(run: () => Promise<T>): Promise<{ value?: T; error?: unknown; tookMs: number }> => {
    const start = deps.clock();
    try {
      const value = await run();
      return { value, tookMs: Math.round(deps.clock() - start) };
    } catch (error) {
      return { error, tookMs: Math.round(deps.clock() - start) };
    }
  };
  const address = parseAddress(addressText);
  // 1. name resolution
  const resolved = await timed(() => withTimeout(lookup(address.host, { all: true }), timeoutMs, 'name resolution'));
  if (resolved.error !== undefined) {
    const code = (resolved.error as NodeJS.ErrnoException).code;
    outcomes.push({
      name: 'name_resolution',
      status: 'failed',
      tookMs: resolved.tookMs,
      reason: `cannot resolve [${address.host}]: ${describeClientFailure(code, (resolved.error as Error).message)}`,
      fix: `[${address.host}] is not a name this node can resolve: correct [${addressSetting(alias, settings)}], or fix this node's DNS`,
      setting: addressSetting(alias, settings),
    });
    return { outcomes, connection: undefined };
  }
  const ips = resolved.value!.map((entry) => entry.address);
  outcomes.push({ name: 'name_resolution', status: 'passed', tookMs: resolved.tookMs, details: { host: address.host, addresses: ips } });
  // 2. TCP connect
  const tcp = await timed(
    () =>
      settleSocket(net.connect({ host: ips[0]!, port: address.port }), 'connect', timeoutMs, () => undefined),
  );
  if (tcp.error !== undefined) {
    const code = (tcp.error as NodeJS.ErrnoException).code;
    outcomes.push({
      name: 'tcp_connect',
      status: 'failed',
      tookMs: tcp.tookMs,
      reason: describeClientFailure(code, (tcp.error as Error).message),
      ...adviceForConnect(alias, settings, model, addressText, code),
    });
    return { outcomes, connection: undefined };
  }
  outcomes.push({ name: 'tcp_connect', status: 'passed', tookMs: tcp.tookMs, details: { address: `${ips[0]}:${address.port}` } });
  // 3. TLS handshake
  const tlsOptions = deps.tlsFor(model, alias);
  const serverName = settings.serverName === '' ? undefined : settings.serverName;
  const effectiveTls = tlsOptions === undefined ? undefined : { ...tlsOptions, ...(serverName !== undefined ? { serverName } : {}) };
  if (effectiveTls === undefined) {
    outcomes.push({ name: 'tls_handshake', status: 'skipped', tookMs: 0, details: { tls: false, why: model === 'api_key' ? 'xpack.security.remote_cluster_client.ssl.enabled is false' : 'security is not enabled: the transport interface is plain TCP' } });
  } else {
    const handshake = await timed(
      () =>
        {
          const socket = tls.connect({ host: address.host, port: address.port, ...clientTlsOptions(address.host, effectiveTls) });
          return settleSocket(socket, 'secureConnect', timeoutMs, () => {
            const error = socket.authorizationError as (Error & { code?: string }) | string | null;
            return {
              chain: certificateChain(socket),
              authorized: socket.authorized,
              authorizationError: error === null ? undefined : typeof error === 'string' ? error : (error.code ?? error.message),
              refusal: verifyServer(socket, address.host, effectiveTls),
              protocol: socket.getProtocol(),
            };
          });
        },
    );
    if (handshake.error !== undefined) {
      const code = (handshake.error as NodeJS.ErrnoException).code;
      outcomes.push({ name: 'tls_handshake', status: 'failed', tookMs: handshake.tookMs, reason: describeClientFailure(code, (handshake.error as Error).message), ...adviceForTls(alias, model, code) });
      return { outcomes, connection: undefined };
    }
    const result = handshake.value!;
    const details = {
      protocol: result.protocol,
      verification_mode: effectiveTls.verificationMode,
      trust_settings: trustSetting(model),
      trusted: result.authorized,
      ...(result.authorizationError !== undefined ? { trust_error: result.authorizationError } : {}),
      certificate_chain: result.chain,
    };
    if (result.refusal !== undefined) {
      const code = result.authorized ? 'ERR_TLS_CERT_ALTNAME_INVALID' : result.authorizationError;
      outcomes.push({ name: 'tls_handshake', status: 'failed', tookMs: handshake.tookMs, details, reason: result.refusal, ...adviceForTls(alias, model, code) });
      return { outcomes, connection: undefined };
    }
    outcomes.push({ name: 'tls_handshake', status: 'passed', tookMs: handshake.tookMs, details });
  }
  // 4. transport handshake, and 5. authentication (the API key model's handshake carries the key;
  // the certificate model's is the mutual TLS the remote checks before answering).
  const credential = model === 'api_key' ? deps.credential(alias) : undefined;
  const local = deps.local();
  const opened = await timed(() =>
    connectTransport({
      address,
      local,
      logger: deps.log,
      ...(effectiveTls !== undefined ? { tls: effectiveTls } : {}),
      connectTimeoutMs: timeoutMs,
      compress: settings.compress,
      pingScheduleMs: -1,
      ...(model === 'api_key' ? { handshakeHeaders: { [CROSS_CLUSTER_CREDENTIALS_HEADER]: `ApiKey ${credential ?? ''}` } } : {}),
    }),
  );
  const versionRule = 'same major with any minor; adjacent majors only from the last minor of the older major';
  if (opened.error !== undefined) {
    const error = opened.error;
    const cause = error instanceof EsError ? (error.causedBy ?? error) : undefined;
    const reason = error instanceof Error ? error.message : String(error);
    const advice = adviceForHandshake(alias, model, reason, cause?.status);
    if (advice.step === 'authentication') {
      // The remote checks the version before the credential: it accepted this node's handshake.
      outcomes.push({
        name: 'transport_handshake',
        status: 'passed',
        tookMs: opened.tookMs,
        details: { local_version: local.version, version_rule: versionRule, note: "the remote accepted this node's version and then refused the credential, so its own handshake was not sent" },
      });
      outcomes.push({
        name: 'authentication',
        status: 'failed',
        tookMs: 0,
        details: model === 'api_key' ? { credential: credential === undefined ? 'none' : `cross-cluster API key id [${keyIdOf(credential) ?? 'unreadable'}]` } : { credential: 'this node\'s transport certificate' },
        reason: cause?.message ?? reason,
        fix: advice.fix,
        ...(advice.setting !== undefined ? { setting: advice.setting } : {}),
      });
    } else {
      outcomes.push({ name: 'transport_handshake', status: 'failed', tookMs: opened.tookMs, details: { local_version: local.version, version_rule: versionRule }, reason, fix: advice.fix, ...(advice.setting !== undefined ? { setting: advice.setting } : {}) });
    }
    return { outcomes, connection: undefined };
  }
  const connection = opened.value!;
  const remote = connection.remote;
  const pinned = deps.pinnedClusterName(alias);
  const compatible = isTransportCompatible(parseVersion(local.version)!, parseVersion(remote.version)!);
  const handshakeDetails = {
    local_version: local.version,
    remote_version: formatVersion(parseVersion(remote.version)!),
    version_rule: versionRule,
    compatible,
    cluster_name: remote.clusterName,
    node_name: remote.nodeName,
    ...(pinned !== undefined ? { pinned_cluster_name: pinned } : {}),
  };
  if (pinned !== undefined && pinned !== remote.clusterName) {
    connection.close();
    outcomes.push({
      name: 'transport_handshake',
      status: 'failed',
      tookMs: opened.tookMs,
      details: handshakeDetails,
      reason: `remote cluster name [${remote.clusterName}] does not match the cluster [${pinned}] this alias connected to first`,
      fix: `[${addressSetting(alias, settings)}] names a node of another cluster: correct it`,
      setting: addressSetting(alias, settings),
    });
    return { outcomes, connection: undefined };
  }
  outcomes.push({ name: 'transport_handshake', status: 'passed', tookMs: opened.tookMs, details: handshakeDetails });
  outcomes.push({
    name: 'authentication',
    status: 'passed',
    tookMs: 0,
    details:
      model === 'api_key'
        ? { credential: `cross-cluster API key id [${keyIdOf(credential) ?? 'unreadable'}]`, how: 'the remote authenticated the key at the handshake' }
        : { credential: effectiveTls?.cert !== undefined ? "this node's transport certificate (mutual TLS)" : 'none (security is not enabled)', how: 'the remote accepted the connection' },
  });
  // 6. authorization, as the calling user, as the remote decides it
  if (input.index === undefined) {
    outcomes.push({ name: 'authorization', status: 'skipped', tookMs: 0, details: { why: 'give ?index= (and ?privilege=, default read) to check what the calling user may do there' } });
    return { outcomes, connection };
  }
  const probe = await timed(async () => {
    const headers = deps.probeHeaders(alias, ACCESS_PROBE_ACTIONS.diagnoseAccess, input.caller);
    return (await connection.request(ACCESS_PROBE_ACTIONS.diagnoseAccess, { index: input.index, privilege: input.privilege, cluster_alias: alias }, { headers, timeoutMs })) as AccessVerdict;
  });
  const asked = { index: input.index, privilege: input.privilege };
  if (probe.error !== undefined) {
    const error = probe.error;
    const localRefusal = error instanceof EsError && error.status === 403 && /towards remote cluster \[/.test(error.message) && /no remote indices privileges apply/.test(error.message);
    outcomes.push({
      name: 'authorization',
      status: 'failed',
      tookMs: probe.tookMs,
      details: asked,
      reason: error instanceof Error ? error.message : String(error),
      ...(localRefusal
        ? {
            side: 'local' as const,
            fix: `this cluster refused before sending: none of the caller's roles has a remote_indices entry whose clusters match [${alias}] (check the alias spelled in clusters); add one with clusters [${alias}], names [${input.index}] and privileges [${input.privilege}]`,
            setting: 'remote_indices',
          }
        : { fix: 'the probe failed; see the reason' }),
    });
    return { outcomes, connection };
  }
  const verdict = probe.value!;
  if (!verdict.allowed) {
    outcomes.push({ name: 'authorization', status: 'failed', tookMs: probe.tookMs, details: { ...asked, refused_by: verdict.refused_by }, reason: verdict.reason, ...adviceForAuthorization(alias, model, verdict) });
  } else {
    outcomes.push({ name: 'authorization', status: 'passed', tookMs: probe.tookMs, details: { ...asked, decided_by: verdict.reason } });
  }
  return { outcomes, connection };
}

/** The shell: every configured address, then (sniff) every node the first good seed lists. */
export async function runDiagnosis(deps: DoctorDeps, input: DiagnoseInput): Promise<Record<string, unknown>> {
  const start = deps.clock();
  const nodes: NodeDiagnosis[] = [];
  const { settings } = input;
  const configured = settings.mode === 'proxy' ? [{ address: settings.proxyAddress, source: 'proxy_address' as const }] : settings.seeds.map((seed) => ({ address: seed, source: 'seed' as const }));
  let sniffed: { name: string; address: string }[] | undefined;
  let sniffError: string | undefined;
  for (const target of configured) {
    const { outcomes, connection } = await diagnoseAddress(deps, input, target.address);
    const named = outcomes.find((outcome) => outcome.name === 'transport_handshake')?.details?.['node_name'];
    nodes.push(nodeReport(target.address, target.source, outcomes, typeof named === 'string' ? named : undefined));
    if (connection !== undefined) {
      if (settings.mode === 'sniff' && sniffed === undefined) {
        try {
          const listed = await listRemoteNodes(connection, input.model, input.model === 'api_key' ? deps.credential(input.alias) : undefined, Math.min(deps.connectTimeoutMs, DIAGNOSE_STEP_TIMEOUT_MS_MAX));
          sniffed = listed.slice(0, DIAGNOSE_SNIFFED_NODES_MAX).map((node) => ({ name: node.nodeName, address: node.address }));
        } catch (error) {
          sniffError = error instanceof Error ? error.message : String(error);
        }
      }
      connection.close();
    }
  }
  for (const node of sniffed ?? []) {
    const { outcomes, connection } = await diagnoseAddress(deps, input, node.address);
    connection?.close();
    nodes.push(nodeReport(node.address, 'sniffed', outcomes, node.name));
  }
  const report = diagnoseReport(input.alias, settings, input.model, input.connected, nodes, Math.round(deps.clock() - start), input.lastConnectError);
  return sniffError === undefined ? report : { ...report, sniff_error: sniffError };
}
