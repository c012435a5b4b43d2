import type { Logger } from 'pino';
import type { SqlDatabase } from '../common/index.js';
import type { NodeConfig } from '../config/types.js';
import { securityRoutes } from '../http/routes/security.js';
import { createSecurityService, type NativeSecurityService } from '../security/index.js';
import { parseTimeValueMs } from '../config/schema.js';
import type { AnonymousAccess } from '../security/service.js';
import type { SecurityService } from '../security/types.js';
import { disabledSecurityService } from './security-disabled.js';

/** The security layer as the node runs it: the real one, or the open one when disabled. */
export async function wireSecurity(options: {
  config: NodeConfig;
  nodeDb: SqlDatabase;
  log: Logger;
  nowMs: () => number;
  elasticPassword: string | undefined;
}): Promise<{ service: SecurityService; native: NativeSecurityService | undefined; close(): void }> {
  if (!options.config.securityEnabled) {
    options.log.warn('security is disabled (xpack.security.enabled: false): every request is allowed without authentication');
    return { service: disabledSecurityService(), native: undefined, close: () => undefined };
  }
  const bootstrapPassword = options.config.secure.getString('bootstrap.password');
  const security = createSecurityService({
    db: options.nodeDb,
    log: options.log.child({ layer: 'security' }),
    nowMs: options.nowMs,
    ...(bootstrapPassword !== undefined ? { bootstrapPassword } : {}),
    anonymous: anonymousAccess(options.config),
    ...apiKeyCacheTtl(options.config),
  });
  if (options.elasticPassword !== undefined) security.ensureElasticPassword(options.elasticPassword);
  const routes = securityRoutes(security);
  const service: SecurityService = {
    enabled: true,
    authenticate: (headers, path) => security.authenticate(headers, path),
    authorizer: (authentication) => security.authorizer(authentication),
    routes: () => routes,
  };
  return { service, native: security, close: () => security.close() };
}

/** `xpack.security.authc.api_key.cache.ttl`, when set (the schema validated it as a time value). */
export function apiKeyCacheTtl(config: Pick<NodeConfig, "flat">): { apiKeyCacheTtlMs?: number } {
  const value = config.flat['xpack.security.authc.api_key.cache.ttl'];
  if (typeof value !== 'string') return {};
  const ms = parseTimeValueMs(value);
  return ms === undefined ? {} : { apiKeyCacheTtlMs: Math.max(0, ms) };
}

/** `xpack.security.authc.anonymous.*` (Elasticsearch's defaults: `_anonymous`, no roles = disabled, authz_exception true). */
function anonymousAccess(config: NodeConfig): AnonymousAccess {
  const value = (key: string): string | readonly string[] | undefined => config.flat[`xpack.security.authc.anonymous.${key}`];
  const roles = value('roles');
  const list = roles === undefined ? [] : typeof roles === 'string' ? roles.split(',') : roles;
  const username = value('username');
  return {
    username: typeof username === 'string' && username !== '' ? username : '_anonymous',
    roles: list.map((role) => role.trim()).filter((role) => role !== ''),
    authzException: value('authz_exception') !== 'false',
  };
}
