/**
 * Index and document name rules (pure), as Elasticsearch's MetadataCreateIndexService
 * `validateIndexOrAliasName` and IndexRequest `validate` state them.
 */
import { errors, limits } from '../common/index.js';

/** Elasticsearch's Strings.INVALID_FILENAME_CHARS, in the order its error message prints them. */
const INVALID_CHARACTERS = [' ', '"', '*', '\\', '<', '|', ',', '>', '/', '?'] as const;

/** Throws 400 invalid_index_name_exception when `name` cannot name an index (or an alias). */
export function validateIndexName(name: string): void {
  if (INVALID_CHARACTERS.some((character) => name.includes(character))) {
    throw errors.invalidIndexName(name, `must not contain the following characters [${INVALID_CHARACTERS.join(', ')}]`);
  }
  if (name === '') throw errors.invalidIndexName(name, 'must not be empty');
  if (name.includes('#')) throw errors.invalidIndexName(name, "must not contain '#'");
  if (name.includes(':')) throw errors.invalidIndexName(name, "must not contain ':'");
  if (name.startsWith('_') || name.startsWith('-') || name.startsWith('+')) {
    throw errors.invalidIndexName(name, "must not start with '_', '-', or '+'");
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > limits.indexNameBytesMax) {
    throw errors.invalidIndexName(name, `index name is too long, (${bytes} > ${limits.indexNameBytesMax})`);
  }
  if (name === '.' || name === '..') throw errors.invalidIndexName(name, "must not be '.' or '..'");
  if (name !== name.toLowerCase()) throw errors.invalidIndexName(name, 'must be lowercase');
}

/** Elasticsearch's limit on `_id` (IndexRequest.MAX_DOCUMENT_ID_LENGTH_IN_BYTES). */
export const documentIdBytesMax = 512;

/** Throws 400 action_request_validation_exception for an id Elasticsearch refuses. */
export function validateDocumentId(id: string): void {
  if (id === '') throw errors.actionRequestValidation(['if _id is specified it must not be empty']);
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes > documentIdBytesMax) {
    throw errors.actionRequestValidation([`id [${id}] is too long, must be no longer than ${documentIdBytesMax} bytes but was: ${bytes}`]);
  }
}
