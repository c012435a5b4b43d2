/**
 * What the text queries (`regexp`, `match_bool_prefix`, `combined_fields`, `intervals`) highlight
 * (pure): the analyzed query text per field (a trailing prefix for match_bool_prefix), and for
 * the multi-term forms a predicate over tokens. highlight.ts turns these into its matchers.
 */
import { limits } from '../common/index.js';
import { parseLuceneRegex, regexMatchesWhole, RegexSyntaxError } from '../common/lucene-regexp.js';
import type { QueryNode } from '../index/query/index.js';
import type { IntervalsRule } from '../index/query/text-queries-ast.js';

export interface TextQueryHighlightSink {
  /** Query text analyzed with the field's (or the named) analyzer; `lastIsPrefix` for a trailing prefix. */
  text(fieldPattern: string, text: string, analyzer: string | undefined, lastIsPrefix: boolean): void;
  /** Tokens of the field accepted by `test`. */
  predicate(fieldPattern: string, test: (token: string) => boolean): void;
}

/** A Lucene regexp as a token predicate; a pattern that does not parse highlights nothing (the query phase refused it). */
export function regexpPredicate(pattern: string, flags: Parameters<typeof parseLuceneRegex>[1], caseInsensitive: boolean): (token: string) => boolean {
  let parsed: ReturnType<typeof parseLuceneRegex>;
  try {
    parsed = parseLuceneRegex(pattern, flags);
  } catch (error) {
    if (error instanceof RegexSyntaxError) return () => false;
    throw error;
  }
  const options = { asciiCaseInsensitive: caseInsensitive, wordsMax: limits.securityRegexMatchWordsMax, tooComplex: () => new Error('too complex') };
  return (token) => {
    try {
      return regexMatchesWhole(parsed, token, options);
    } catch {
      return false;
    }
  };
}

function wildcardPredicate(pattern: string): (token: string) => boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`, 'i');
  return (token) => regex.test(token);
}

function intervalsRule(field: string, rule: IntervalsRule, sink: TextQueryHighlightSink): void {
  const target = 'useField' in rule && rule.useField !== undefined ? rule.useField : field;
  switch (rule.kind) {
    case 'match':
      sink.text(target, rule.query, rule.analyzer, false);
      if (rule.filter !== undefined && !rule.filter.kind.startsWith('not_')) intervalsRule(field, rule.filter.rule, sink);
      return;
    case 'prefix':
      sink.predicate(target, (token) => token.startsWith(rule.prefix.toLowerCase()) || token.startsWith(rule.prefix));
      return;
    case 'wildcard':
      sink.predicate(target, wildcardPredicate(rule.pattern));
      return;
    case 'regexp':
      sink.predicate(target, regexpPredicate(rule.pattern, { intersection: true, complement: false, empty: true, anyString: true, interval: true, automaton: true }, false));
      return;
    case 'fuzzy':
      sink.text(target, rule.term, rule.analyzer, false);
      return;
    case 'range':
      sink.predicate(
        target,
        (token) =>
          (rule.lower === undefined || (rule.includeLower ? token >= rule.lower : token > rule.lower)) && (rule.upper === undefined || (rule.includeUpper ? token <= rule.upper : token < rule.upper)),
      );
      return;
    case 'all_of':
    case 'any_of':
      for (const inner of rule.intervals) intervalsRule(field, inner, sink);
      return;
  }
}

/** Feeds the highlightable parts of a text query to `sink`; other kinds are left alone. */
export function highlightTextQuery(node: QueryNode, sink: TextQueryHighlightSink): void {
  switch (node.kind) {
    case 'regexp':
      sink.predicate(node.field, regexpPredicate(node.value, node.flags, node.caseInsensitive));
      return;
    case 'match_bool_prefix':
      sink.text(node.field, node.query, node.analyzer, true);
      return;
    case 'combined_fields':
      for (const { field } of node.fields) sink.text(field, node.query, undefined, false);
      return;
    case 'intervals':
      intervalsRule(node.field, node.rule, sink);
      return;
    default:
      return;
  }
}
