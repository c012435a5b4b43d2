/**
 * Template validation at put and simulate time (pure): Elasticsearch builds a temporary index
 * service from a template's settings and merges its mappings into it
 * (MetadataIndexTemplateService#validateTemplate, #validateCompositeTemplate), so a mapping that
 * names a normalizer the settings do not define, or analysis settings that do not parse, fail the
 * put rather than the first index created from the template.
 *
 * Errors, as Elasticsearch words them:
 * - legacy and component templates: the mapping error itself (400 mapper_parsing_exception
 *   "Failed to parse mapping: normalizer [n] not found for field [f]", its cause the root cause);
 * - a composable template (put, `_simulate`, `_simulate_index`): 400 illegal_argument_exception
 *   "composable template [t] template after composition [with component templates [a, b] ]is
 *   invalid", caused by "invalid composite mappings for [t]" when the mappings fail, caused by the
 *   mapping error; its root cause is the outer exception (Elasticsearch finds root causes among
 *   its own exceptions only);
 * - a component template whose change breaks a composable template using it: 400
 *   illegal_argument_exception "updating component template [c] results in invalid composable
 *   template [t] after templates are merged", caused by the composable template's error.
 */
import { errors, EsError } from '../common/index.js';
import { normalizersOf } from './analysis/normalizers.js';
import { analyzersOf } from './analysis/custom-analyzers.js';
import { checkAnalysisNames, parseMapping } from './mapping/index.js';
import type { ComposableTemplate, TemplateContent } from './templates.js';

const mappingPrefix = 'Failed to parse mapping: ';

/** MapperService#parseMapping's wrapping, once (some of our parsers already say it). */
function parsedMapping(mappings: Readonly<Record<string, unknown>>): ReturnType<typeof parseMapping> {
  try {
    return parseMapping(mappings);
  } catch (error) {
    if (!(error instanceof EsError) || error.type !== 'mapper_parsing_exception') throw error;
    const cause = error.message.startsWith(mappingPrefix) ? errors.mapperParsing(error.message.slice(mappingPrefix.length)) : error;
    throw errors.mapperParsing(`${mappingPrefix}${cause.message}`, cause);
  }
}

/** checkAnalysisNames, its mapping errors wrapped as parsedMapping wraps them. */
function checkNames(mappings: ReturnType<typeof parseMapping>, normalizers: ReturnType<typeof normalizersOf>, analyzers: ReturnType<typeof analyzersOf>): void {
  try {
    checkAnalysisNames(mappings, normalizers, analyzers);
  } catch (error) {
    if (!(error instanceof EsError) || error.type !== 'mapper_parsing_exception' || error.message.startsWith(mappingPrefix)) throw error;
    throw errors.mapperParsing(`${mappingPrefix}${error.message}`, error);
  }
}

/** Throws the mapping or analysis error of a template's content (settings and mappings together). */
export function checkTemplateContent(content: TemplateContent): void {
  const normalizers = normalizersOf(content.settings);
  const analyzers = analyzersOf(content.settings);
  checkNames(parsedMapping(content.mappings), normalizers, analyzers);
}

/** As `checkTemplateContent`, for a composable template composed with its components, wrapped as Elasticsearch wraps it. */
export function checkComposedTemplate(name: string, template: ComposableTemplate, composed: TemplateContent): void {
  try {
    const normalizers = normalizersOf(composed.settings);
    const analyzers = analyzersOf(composed.settings);
    try {
      checkNames(parsedMapping(composed.mappings), normalizers, analyzers);
    } catch (error) {
      if (!(error instanceof EsError)) throw error;
      throw errors.illegalArgumentCausedBy(`invalid composite mappings for [${name}]`, error);
    }
  } catch (error) {
    if (!(error instanceof EsError)) throw error;
    const components = template.composed_of.length > 0 ? `with component templates [${template.composed_of.join(', ')}] ` : '';
    throw errors.illegalArgumentCausedBy(`composable template [${name}] template after composition ${components}is invalid`, error);
  }
}

/** A component template change that breaks a composable template using it. */
export function componentBreaksComposable(component: string, composable: string, error: unknown): unknown {
  if (!(error instanceof EsError)) return error;
  return errors.illegalArgumentCausedBy(`updating component template [${component}] results in invalid composable template [${composable}] after templates are merged`, error);
}
