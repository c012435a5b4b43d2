import { randomUUID } from 'node:crypto';
import { errors } from '../../common/index.js';
import type { AuditTrail } from '../../remote/audit.js';
import {
  caFingerprint,
  checkAlias,
  checkPresentedCa,
  decodeEnrollmentToken,
  encodeEnrollmentToken,
  ENROLLMENT_TOKEN_TTL_MS,
  reasonOf,
  type EnrollmentToken,
} from '../../remote/enrollment.js';
import { parseTimeValue, type NativeSecurityService } from '../../security/index.js';
import type { Route } from '../route.js';
import { crossClusterAccessToDescriptor } from './security.js';

/** Both routes need `manage_remote_enrollment` (or `manage`); see src/security/privileges.ts. */
export const ENROLLMENT_CREATE_ACTION = 'cluster:admin/strait/remote/enrollment';
export const ENROLL_ACTION = 'cluster:admin/strait/remote/enroll';

/** What the local side's enrollment does to the node; each step undone when a later one fails. */
export interface EnrollmentEffects {
  isConfigured(alias: string): boolean;
  /** The transport handshake with the key, trusting only the pinned CA: the key works, the cluster is the named one. */
  verifyKey(alias: string, address: string, token: EnrollmentToken): Promise<void>;
  /** Writes the CA file, the keystore entry (and reloads), and the settings; undoes the written ones when a later write fails. */
  configure(alias: string, token: EnrollmentToken, settings: Record<string, unknown>): Promise<void>;
  /** `_remote/info` for the alias, once connected (bounded wait). */
  infoWhenConnected(alias: string): Promise<Record<string, unknown>>;
}

export function remoteEnrollmentRoutes(options: {
  security: NativeSecurityService | undefined;
  clusterName: string;
  remoteClusterAddresses(): string[];
  /** The CA that signed the remote cluster interface's certificate, or why none can be named. */
  remoteClusterCa(): string;
  effects: EnrollmentEffects;
  audit: AuditTrail;
  nowMs(): number;
  connectTimeoutMs: number;
}): Route[] {
  const { audit } = options;
  return [
    {
      method: 'POST',
      path: '/_strait/remote/enrollment',
      action: ENROLLMENT_CREATE_ACTION,
      scope: 'cluster',
      handle: async (request, context) => {
        const security = options.security;
        if (security === undefined) throw errors.illegalArgument('enrollment requires [xpack.security.enabled] to be true');
        if (context.authentication.apiKey !== undefined) {
          throw errors.illegalArgument('authentication via API key not supported: An API key cannot be used to create a cross-cluster API key');
        }
        const addresses = options.remoteClusterAddresses();
        if (addresses.length === 0) throw errors.illegalArgument('enrollment requires the remote cluster interface: set [remote_cluster_server.enabled] to true');
        const ca = options.remoteClusterCa();
        const body = request.json();
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.parse('request body is required');
        let name: string | undefined;
        let expiration: number | null = null;
        let translated: ReturnType<typeof crossClusterAccessToDescriptor> | undefined;
        for (const [field, value] of Object.entries(body as Record<string, unknown>)) {
          if (field === 'name') {
            if (typeof value !== 'string') throw errors.parse(`failed to parse enrollment request. [name] must be a string`);
            name = value;
          } else if (field === 'expiration') expiration = value === null ? null : parseTimeValue('expiration', value);
          else if (field === 'access') translated = crossClusterAccessToDescriptor(value);
          else throw errors.parse(`failed to parse enrollment request. unexpected field [${field}]`);
        }
        if (name === undefined) throw errors.actionRequestValidation(['Required [name]']);
        if (translated === undefined) throw errors.actionRequestValidation(['Required [access]']);
        const created = await security.createApiKey(context.authentication, {
          name,
          expirationMs: expiration,
          roleDescriptors: [translated.descriptor],
          metadata: { strait_enrollment: true },
          type: 'cross_cluster',
          access: translated.access,
        });
        const now = options.nowMs();
        const expiresAt = Math.min(now + ENROLLMENT_TOKEN_TTL_MS, created.expirationMs ?? Number.POSITIVE_INFINITY);
        const token = encodeEnrollmentToken({
          cluster_name: options.clusterName,
          addresses,
          ca_fingerprint: caFingerprint(ca),
          ca,
          key: Buffer.from(`${created.id}:${created.secret}`, 'utf8').toString('base64'),
          expires_at: expiresAt,
        });
        audit.record({
          'event.action': 'remote_enrollment_token_created',
          'request.id': randomUUID(),
          origin: 'local',
          'user.name': context.authentication.user.username,
          'apikey.id': created.id,
          action: ENROLLMENT_CREATE_ACTION,
          decision: 'granted',
        });
        // Shown once: the secret is not stored anywhere but in the key's hash.
        return { status: 200, body: { token, key_id: created.id, expires_at: new Date(expiresAt).toISOString() } };
      },
    },
    {
      method: 'POST',
      path: '/_strait/remote/:alias/_enroll',
      action: ENROLL_ACTION,
      scope: 'cluster',
      handle: async (request, context) => {
        const alias = request.params['alias'] ?? '';
        const requestId = randomUUID();
        const record = (decision: 'granted' | 'failed', reason?: string) =>
          audit.record({
            'event.action': 'remote_enrollment',
            'request.id': requestId,
            origin: 'local',
            'user.name': context.authentication.user.username,
            'remote.alias': alias,
            action: ENROLL_ACTION,
            decision,
            ...(reason !== undefined ? { reason } : {}),
          });
        try {
          checkAlias(alias);
          const body = request.json();
          if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.parse('request body is required');
          let text: string | undefined;
          let mode = 'proxy';
          let skipUnavailable = false;
          for (const [field, value] of Object.entries(body as Record<string, unknown>)) {
            if (field === 'token' && typeof value === 'string') text = value;
            else if (field === 'mode' && (value === 'proxy' || value === 'sniff')) mode = value;
            else if (field === 'skip_unavailable' && typeof value === 'boolean') skipUnavailable = value;
            else if (field === 'token' || field === 'mode' || field === 'skip_unavailable') throw errors.parse(`failed to parse enrollment request. [${field}] has an invalid value`);
            else throw errors.parse(`failed to parse enrollment request. unexpected field [${field}]`);
          }
          if (text === undefined) throw errors.actionRequestValidation(['Required [token]']);
          if (options.effects.isConfigured(alias)) throw errors.illegalArgument(`remote cluster [${alias}] is already configured; remove its settings and credentials first`);
          const token = decodeEnrollmentToken(text, options.nowMs());
          const address = await firstReachable(token, options.connectTimeoutMs);
          try {
            await options.effects.verifyKey(alias, address, token);
          } catch (error) {
            throw errors.illegalArgument(`the remote cluster at [${address}] refused the enrollment: ${reasonOf(error)}`);
          }
          const settings =
            mode === 'proxy'
              ? { [`cluster.remote.${alias}.mode`]: 'proxy', [`cluster.remote.${alias}.proxy_address`]: address, [`cluster.remote.${alias}.skip_unavailable`]: skipUnavailable }
              : { [`cluster.remote.${alias}.mode`]: 'sniff', [`cluster.remote.${alias}.seeds`]: [...token.addresses], [`cluster.remote.${alias}.skip_unavailable`]: skipUnavailable };
          await options.effects.configure(alias, token, settings);
          const info = await options.effects.infoWhenConnected(alias);
          record('granted');
          return { status: 200, body: { [alias]: info } };
        } catch (error) {
          record('failed', reasonOf(error));
          throw error;
        }
      },
    },
  ];
}

/**
 * The first address that answers with a certificate from the pinned CA. A CA mismatch refuses at
 * once (another address would not make the token trustworthy); unreachable addresses are skipped.
 */
export async function firstReachable(token: EnrollmentToken, timeoutMs: number): Promise<string> {
  const unreachable: string[] = [];
  for (const address of token.addresses) {
    try {
      await checkPresentedCa(address, token.ca, timeoutMs);
      return address;
    } catch (error) {
      const reason = reasonOf(error);
      if (!reason.startsWith('cannot reach')) throw error;
      unreachable.push(reason);
    }
  }
  throw errors.illegalArgument(`cannot reach remote cluster [${token.cluster_name}] at any of its addresses [${token.addresses.join(', ')}]: ${unreachable.join('; ')}`);
}
