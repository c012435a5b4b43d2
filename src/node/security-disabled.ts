import { errors } from '../common/index.js';
import type { RequestAuthorizer, Route } from '../http/route.js';
import type { Authentication, SecurityService } from '../security/types.js';

/**
 * `xpack.security.enabled: false`: every request runs as an anonymous caller that may do anything,
 * and the security APIs answer as Elasticsearch does when security is off.
 */
const ANONYMOUS: Authentication = {
  user: { username: '_anonymous', roles: ['superuser'], fullName: null, email: null, metadata: {}, enabled: true },
  authenticatingRealm: { name: '__anonymous', type: 'anonymous' },
  lookupRealm: { name: '__anonymous', type: 'anonymous' },
  authenticationType: 'internal',
};

const ALLOW_ALL: RequestAuthorizer = {
  cluster: () => undefined,
  indices: () => undefined,
  allowsIndex: () => true,
};

export function disabledSecurityService(): SecurityService {
  const refuse = () => {
    throw errors.illegalArgument('Security is not enabled but a security rest handler is registered');
  };
  const route = (method: Route['method'], path: string): Route => ({
    method,
    path,
    action: 'cluster:admin/xpack/security/disabled',
    scope: 'authenticated',
    handle: refuse,
  });
  return {
    enabled: false,
    authenticate: async () => ANONYMOUS,
    authorizer: () => ALLOW_ALL,
    routes: () => [route(['GET', 'POST', 'PUT', 'DELETE'], '/_security/*')],
  };
}
