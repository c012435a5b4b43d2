export {
  parseMapping,
  mergeMappings,
  flattenMapping,
  rootMappingOf,
  countMappedFields,
  checkFieldLimits,
  checkAnalysisNames,
  findProperty,
  fieldTypes,
  numericTypes,
  DEFAULT_DATE_FORMAT,
  DEFAULT_DATE_NANOS_FORMAT,
  dateFormatOf,
  unsupportedFieldTypes,
  type RootMapping,
  type PropertyMapping,
  type FieldType,
  type ObjectType,
  type MappedField,
  type FlattenedMapping,
} from './mapping.js';
export { parseDocument, parseDocumentAgainst, deepFreezeMapping, indexableValue, DEFAULT_DYNAMIC_DATE_FORMATS, parseOptionsOf, withParseOptions, type DocumentParseOptions, type NestedDocument, type ParsedDocument } from './document.js';
export { keepsWholeSource, sourceMappingOf, storedSourceOf, storedSourceText, type SourceMapping } from './source-mapping.js';
