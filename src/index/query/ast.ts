/**
 * The query DSL as a frozen AST (style P7): a discriminated union on `kind`, built by
 * `parseQuery` from Elasticsearch's JSON and never mutated afterwards. Names follow the DSL.
 */
import type { TextQueryNode } from './text-queries-ast.js';
import type { ScriptQueryNode } from './script-queries.js';
import type { GeoQueryNode } from './geo.js';
import type { NestedQueryNode } from './nested.js';
import type { MoreLikeThisNode } from './more-like-this.js';
import type { SpanQueryNode } from './span.js';

export type Nodes = readonly QueryNode[];
export type TermValue = string | number | boolean;

export interface FieldBoost {
  /** A field name or pattern (`title*`, `*`), resolved against mappings by the planner. */
  readonly field: string;
  readonly boost: number;
}

export type QueryNode =
  | { readonly kind: 'match_all'; readonly boost: number }
  | { readonly kind: 'match_none' }
  | {
      readonly kind: 'match';
      readonly field: string;
      readonly query: TermValue;
      readonly operator: 'or' | 'and';
      readonly minimumShouldMatch: string | undefined;
      readonly fuzziness: string | undefined;
      readonly prefixLength: number;
      readonly maxExpansions: number;
      readonly analyzer: string | undefined;
      /** Which query and parameter named `analyzer` when not this node's own (query_string's `quote_analyzer`): `[query_string] quote_analyzer`. */
      readonly analyzerOwner?: string;
      readonly zeroTermsQuery: 'none' | 'all';
      readonly lenient: boolean;
      readonly boost: number;
    }
  | {
      readonly kind: 'match_phrase';
      readonly field: string;
      readonly query: string;
      readonly slop: number;
      readonly analyzer: string | undefined;
      /** Which query and parameter named `analyzer` when not this node's own (query_string's `quote_analyzer`): `[query_string] quote_analyzer`. */
      readonly analyzerOwner?: string;
      /** match_phrase_prefix: the last term is a prefix, expanded to at most this many terms (0: exact phrase). */
      readonly prefixExpansions: number;
      readonly boost: number;
      /** query_string's `quote_field_suffix`: the phrase runs on `<field><suffix>` where that field is mapped. */
      readonly quoteFieldSuffix?: string;
    }
  | {
      readonly kind: 'multi_match';
      readonly fields: readonly FieldBoost[];
      readonly query: TermValue;
      readonly type: 'best_fields' | 'most_fields' | 'phrase' | 'phrase_prefix' | 'bool_prefix' | 'cross_fields';
      readonly tieBreaker: number;
      readonly operator: 'or' | 'and';
      readonly minimumShouldMatch: string | undefined;
      readonly fuzziness: string | undefined;
      readonly analyzer: string | undefined;
      /** Which query and parameter named `analyzer` when not this node's own (query_string's `quote_analyzer`): `[query_string] quote_analyzer`. */
      readonly analyzerOwner?: string;
      readonly slop: number;
      readonly lenient: boolean;
      readonly boost: number;
      /** query_string's `quote_field_suffix` (type phrase only): each field's phrase runs on `<field><suffix>` where that field is mapped. */
      readonly quoteFieldSuffix?: string;
    }
  | { readonly kind: 'term'; readonly field: string; readonly value: TermValue; readonly caseInsensitive: boolean; readonly boost: number }
  | { readonly kind: 'terms'; readonly field: string; readonly values: readonly TermValue[]; readonly boost: number }
  | {
      readonly kind: 'range';
      readonly field: string;
      readonly gt: TermValue | undefined;
      readonly gte: TermValue | undefined;
      readonly lt: TermValue | undefined;
      readonly lte: TermValue | undefined;
      readonly format: string | undefined;
      readonly timeZone: string | undefined;
      readonly boost: number;
    }
  | { readonly kind: 'exists'; readonly field: string; readonly boost: number }
  | { readonly kind: 'ids'; readonly values: readonly string[]; readonly boost: number }
  | { readonly kind: 'prefix'; readonly field: string; readonly value: string; readonly caseInsensitive: boolean; readonly boost: number; readonly patternTieBreaker?: number }
  | { readonly kind: 'wildcard'; readonly field: string; readonly value: string; readonly caseInsensitive: boolean; readonly boost: number; readonly patternTieBreaker?: number }
  | {
      readonly kind: 'fuzzy';
      readonly field: string;
      readonly value: string;
      readonly fuzziness: string;
      readonly prefixLength: number;
      readonly maxExpansions: number;
      readonly transpositions: boolean;
      readonly boost: number;
      /**
       * The tie breaker over the fields a pattern (or the default fields) expands to: 0 (the best
       * field scores) but for simple_query_string, whose fields add up (1).
       */
      readonly patternTieBreaker?: number;
    }
  | {
      readonly kind: 'bool';
      readonly must: Nodes;
      readonly should: Nodes;
      readonly filter: Nodes;
      readonly mustNot: Nodes;
      readonly minimumShouldMatch: string | undefined;
      readonly boost: number;
    }
  | { readonly kind: 'constant_score'; readonly filter: QueryNode; readonly boost: number }
  | { readonly kind: 'dis_max'; readonly queries: Nodes; readonly tieBreaker: number; readonly boost: number }
  | TextQueryNode
  | ScriptQueryNode
  | GeoQueryNode
  | NestedQueryNode
  | SpanQueryNode
  | MoreLikeThisNode;

export type QueryKind = QueryNode['kind'];

/** Deep-freezes a parsed value (AST nodes are plain objects and arrays). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
