export {
  parseMapping,
  mergeMappings,
  flattenMapping,
  countMappedFields,
  checkFieldLimits,
  findProperty,
  fieldTypes,
  numericTypes,
  DEFAULT_DATE_FORMAT,
  type RootMapping,
  type PropertyMapping,
  type FieldType,
  type ObjectType,
  type MappedField,
  type FlattenedMapping,
} from './mapping.js';
export { parseDocument, parseDocumentAgainst, deepFreezeMapping, indexableValue, DEFAULT_DYNAMIC_DATE_FORMATS, type ParsedDocument } from './document.js';
