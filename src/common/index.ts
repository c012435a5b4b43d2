export { EsError, errors, isEsError, type EsErrorCause, type ErrorFactoryName } from './errors.js';
export { assert, AssertionError } from './assert.js';
export { limits } from './limits.js';
export type { SqlDatabase, SqlStatement } from './sql.js';
export { claimFormatVersion } from './sql.js';
export * from './version.js';
export { checkJsonNestingDepth, decodeUtf8, findInvalidUtf8, jsonTokenName } from './json.js';
export { runToEnd } from './steps.js';
export { editDistance, utf16EditDistance, type EditDistanceOptions } from './edit-distance.js';
