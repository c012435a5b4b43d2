/**
 * AST nodes of the text queries `regexp`, `match_bool_prefix`, `combined_fields` and
 * `intervals` (style P7: frozen, built by text-queries-parse.ts, planned by
 * text-queries-plan.ts and intervals.ts). Part of the QueryNode union in ast.ts.
 */
import type { RegexSyntaxFlags } from '../../common/lucene-regexp.js';
import type { FieldBoost } from './ast.js';

export type TextQueryNode =
  | {
      readonly kind: 'regexp';
      readonly field: string;
      readonly value: string;
      readonly flags: RegexSyntaxFlags;
      readonly caseInsensitive: boolean;
      readonly maxDeterminizedStates: number;
      readonly boost: number;
    }
  | {
      readonly kind: 'match_bool_prefix';
      readonly field: string;
      readonly query: string;
      readonly analyzer: string | undefined;
      readonly operator: 'or' | 'and';
      readonly minimumShouldMatch: string | undefined;
      readonly fuzziness: string | undefined;
      readonly prefixLength: number;
      readonly maxExpansions: number;
      readonly transpositions: boolean;
      readonly boost: number;
    }
  | {
      readonly kind: 'combined_fields';
      readonly fields: readonly FieldBoost[];
      readonly query: string;
      readonly operator: 'or' | 'and';
      readonly minimumShouldMatch: string | undefined;
      readonly zeroTermsQuery: 'none' | 'all';
      readonly boost: number;
    }
  | { readonly kind: 'intervals'; readonly field: string; readonly rule: IntervalsRule; readonly boost: number };

/** `use_field`: the rule reads another field's positions (analyzed by that field's analyzer). */
type UseField = { readonly useField: string | undefined };

export type IntervalsFilterKind =
  | 'containing'
  | 'contained_by'
  | 'not_containing'
  | 'not_contained_by'
  | 'overlapping'
  | 'not_overlapping'
  | 'before'
  | 'after';

export interface IntervalsFilter {
  readonly kind: IntervalsFilterKind;
  readonly rule: IntervalsRule;
}

export type IntervalsRule =
  | ({
      readonly kind: 'match';
      readonly query: string;
      /** -1: no limit. */
      readonly maxGaps: number;
      readonly ordered: boolean;
      readonly analyzer: string | undefined;
      readonly filter: IntervalsFilter | undefined;
    } & UseField)
  | ({ readonly kind: 'prefix'; readonly prefix: string; readonly analyzer: string | undefined } & UseField)
  | ({ readonly kind: 'wildcard'; readonly pattern: string; readonly analyzer: string | undefined } & UseField)
  | ({ readonly kind: 'regexp'; readonly pattern: string } & UseField)
  | ({
      readonly kind: 'fuzzy';
      readonly term: string;
      readonly fuzziness: string;
      readonly prefixLength: number;
      readonly transpositions: boolean;
      readonly analyzer: string | undefined;
    } & UseField)
  | ({
      readonly kind: 'range';
      readonly lower: string | undefined;
      readonly includeLower: boolean;
      readonly upper: string | undefined;
      readonly includeUpper: boolean;
      readonly analyzer: string | undefined;
    } & UseField)
  | { readonly kind: 'all_of'; readonly intervals: readonly IntervalsRule[]; readonly maxGaps: number; readonly ordered: boolean; readonly filter: IntervalsFilter | undefined }
  | { readonly kind: 'any_of'; readonly intervals: readonly IntervalsRule[]; readonly filter: IntervalsFilter | undefined };
