export {
  type Analyzer,
  type AnalyzeToken,
  type Tokens,
  type SpanSink,
  analyzeForApi,
  builtInAnalyzers,
  englishStopWords,
  getAnalyzer,
  standardTokenLengthMax,
} from './analyzers.js';
export { porterStem } from './porter-stemmer.js';
export { normalizeKeyword, normalizersOf, normalizeWildcardPattern, storedNormalizersOf, type NormalizerDefinition } from './normalizers.js';
export {
  analyzersOf,
  compileAnalyzer,
  storedAnalyzersOf,
  type AnalyzerDefinition,
} from './custom-analyzers.js';
