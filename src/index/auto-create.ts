/**
 * `action.auto_create_index` (pure), as Elasticsearch's AutoCreateIndex: `true` (the default),
 * `false`, or a comma-separated list of index patterns, each optionally prefixed with `+` (allow)
 * or `-` (forbid). The first pattern that matches the new index's name decides; a list that
 * matches nothing forbids. A refused auto-create is a 404 `index_not_found_exception` that says why.
 */
import { errors, EsError } from '../common/index.js';
import { wildcardMatch } from './expression.js';

export interface AutoCreateIndexRule {
  /** The setting's value as written, for the error message. */
  readonly text: string;
  readonly allowAll: boolean;
  /** Empty with `allowAll: false` means `false`. */
  readonly patterns: readonly { readonly allow: boolean; readonly pattern: string }[];
}

export const autoCreateIndexAllowAll: AutoCreateIndexRule = { text: 'true', allowAll: true, patterns: [] };

const invalid = (text: string): EsError =>
  errors.illegalArgument(`Can't parse [${text}] for setting [action.auto_create_index] must be either [true, false, or a comma separated list of index patterns]`);

/** Parses the setting's value; throws a 400 naming the setting for an unusable value. */
export function parseAutoCreateIndex(text: string): AutoCreateIndexRule {
  const trimmed = text.trim();
  if (trimmed === 'true') return autoCreateIndexAllowAll;
  if (trimmed === 'false') return { text: 'false', allowAll: false, patterns: [] };
  const patterns: { allow: boolean; pattern: string }[] = [];
  for (const raw of trimmed.split(',')) {
    const element = raw.trim();
    if (element === '') throw invalid(text);
    const allow = !element.startsWith('-');
    const pattern = element.startsWith('-') || element.startsWith('+') ? element.slice(1) : element;
    if (pattern === '') throw invalid(text);
    patterns.push({ allow, pattern });
  }
  if (patterns.length === 0) throw invalid(text);
  return { text: trimmed, allowAll: false, patterns };
}

const refused = errors.indexNotFoundBecause;

/** Throws 404 unless the rule lets `index` be created by a write. */
export function checkAutoCreateIndex(rule: AutoCreateIndexRule, index: string): void {
  if (rule.allowAll) return;
  if (rule.patterns.length === 0) throw refused(index, '[action.auto_create_index] is [false]');
  for (const { allow, pattern } of rule.patterns) {
    if (!wildcardMatch(pattern, index)) continue;
    if (allow) return;
    throw refused(index, `[action.auto_create_index] contains [-${pattern}] which forbids automatic creation of the index`);
  }
  throw refused(index, `[action.auto_create_index] ([${rule.text}]) doesn't match`);
}
