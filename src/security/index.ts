/** The security layer: realms, API keys, roles, privileges and authorization. */
export { createSecurityService, NativeSecurityService, reservedUsers, parseTimeValue, publicUser, decodeApiKeyCredential, RESERVED_REALM, NATIVE_REALM, API_KEY_REALM } from './service.js';
export { parseRoleDescriptor, renderRoleDescriptor, reservedRoles, validateSecurityName, type RoleDescriptor, type IndicesPrivileges, type RemoteIndicesPrivileges, type RemoteClusterPermission } from './roles.js';
export { compilePermission, intersectPermissions, type Permission } from './permission.js';
export { ownKeyRequestAllowed, type ApiKeyRequestScope } from './api-key-scope.js';
export { clusterPrivileges, indexPrivileges, remoteClusterPrivileges, resolvePrivilege, privilegesGranting } from './privileges.js';
export { compilePatterns, globCovers } from './patterns.js';
export { hashSecret, verifySecret, VerificationCache } from './hashing.js';
export type { StoredApiKey, StoredUser, ApplicationPrivilege } from './store.js';
export type { Authentication, AuthenticatedUser, SecurityService, RealmRef, ApiKeyRef } from './types.js';
