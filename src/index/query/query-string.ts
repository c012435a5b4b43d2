/**
 * `query_string` and `simple_query_string` (the common syntax) compiled into ordinary AST nodes:
 * terms, "phrases"~slop, field:value, +/-, AND/OR/NOT (&&, ||, !), (groups), [a TO b] / {a TO b}
 * ranges, field:>=5, wildcards (* ?), term~fuzziness, ^boost, _exists_:field.
 * Clause combination follows Lucene's classic QueryParser (QueryParserBase.addClause); the
 * simple syntax maps `+` to AND, `|` to OR and `-` to NOT.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-query-string-query.html
 */
import { errors } from '../../common/errors.js';
import type { FieldBoost, QueryNode } from './ast.js';
import { isDefaultFields } from './default-fields.js';

export interface QueryStringOptions {
  readonly fields: readonly FieldBoost[];
  readonly defaultOperator: 'or' | 'and';
  readonly analyzer: string | undefined;
  /** query_string's `quote_analyzer`: what analyzes "quoted phrases" (default: `analyzer`). */
  readonly quoteAnalyzer: string | undefined;
  readonly simple: boolean;
  readonly boost: number;
  readonly lenient: boolean;
  readonly phraseSlop: number;
  /** `quote_field_suffix`: "quoted phrases" run on `<field><suffix>` where that field is mapped (else the field). */
  readonly quoteFieldSuffix: string | undefined;
}

type Token =
  | { readonly type: 'term'; readonly text: string; readonly quoted: boolean; readonly hasWildcard: boolean }
  | { readonly type: 'op'; readonly text: 'AND' | 'OR' | 'NOT' | '+' | '-' | '(' | ')' | ':' | '^' | '~' }
  | { readonly type: 'range'; readonly lower: string; readonly upper: string; readonly includeLower: boolean; readonly includeUpper: boolean };

function tokenize(text: string, simple: boolean): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  const special = simple ? '+|-"()~*' : '+-!():^[]"{}~*?\\/&|';
  while (index < text.length) {
    const ch = text[index]!;
    if (/\s/.test(ch)) {
      index++;
      continue;
    }
    if (ch === '"') {
      let end = index + 1;
      let value = '';
      while (end < text.length && text[end] !== '"') {
        if (text[end] === '\\' && end + 1 < text.length) end++;
        value += text[end];
        end++;
      }
      if (end >= text.length && !simple) throw errors.parsing(`Failed to parse query [${text}]`); // ES: query_shard_exception wrapping a ParseException
      tokens.push({ type: 'term', text: value, quoted: true, hasWildcard: false });
      index = end + 1;
      continue;
    }
    if (!simple && (ch === '[' || ch === '{')) {
      const close = text.slice(index).search(/[\]}]/);
      if (close < 0) throw errors.parsing(`Failed to parse query [${text}]`);
      const inner = text.slice(index + 1, index + close);
      const parts = inner.split(/\s+TO\s+/);
      if (parts.length !== 2) throw errors.parsing(`Failed to parse query [${text}]`);
      tokens.push({ type: 'range', lower: parts[0]!.trim(), upper: parts[1]!.trim(), includeLower: ch === '[', includeUpper: text[index + close] === ']' });
      index += close + 1;
      continue;
    }
    if (simple) {
      if (ch === '+') (tokens.push({ type: 'op', text: 'AND' }), index++);
      else if (ch === '|') (tokens.push({ type: 'op', text: 'OR' }), index++);
      else if (ch === '-') (tokens.push({ type: 'op', text: 'NOT' }), index++);
      else if (ch === '(' || ch === ')' || ch === '~') (tokens.push({ type: 'op', text: ch }), index++);
      else index = readWord(text, index, special, tokens);
      continue;
    }
    if (ch === '&' && text[index + 1] === '&') (tokens.push({ type: 'op', text: 'AND' }), (index += 2));
    else if (ch === '|' && text[index + 1] === '|') (tokens.push({ type: 'op', text: 'OR' }), (index += 2));
    else if (ch === '!') (tokens.push({ type: 'op', text: 'NOT' }), index++);
    else if (ch === '+' || ch === '-' || ch === '(' || ch === ')' || ch === ':' || ch === '^' || ch === '~') (tokens.push({ type: 'op', text: ch }), index++);
    else index = readWord(text, index, special, tokens);
  }
  return tokens;
}

function readWord(text: string, start: number, special: string, tokens: Token[]): number {
  let index = start;
  let value = '';
  let hasWildcard = false;
  while (index < text.length) {
    const ch = text[index]!;
    if (ch === '\\' && index + 1 < text.length) {
      value += text[index + 1];
      index += 2;
      continue;
    }
    if (/\s/.test(ch)) break;
    if (ch === '*' || ch === '?') {
      hasWildcard = true;
      value += ch;
      index++;
      continue;
    }
    if (special.includes(ch) && !(ch === '-' && value.length > 0) && !(ch === '/' && value.length > 0)) break;
    value += ch;
    index++;
  }
  if (value === 'AND' || value === 'OR' || value === 'NOT') tokens.push({ type: 'op', text: value });
  else if (value.length > 0) tokens.push({ type: 'term', text: value, quoted: false, hasWildcard });
  else index++;
  return index;
}

type Occur = 'must' | 'should' | 'must_not';
interface Clause {
  occur: Occur;
  node: QueryNode;
}

export function parseQueryString(text: string, options: QueryStringOptions): QueryNode {
  const tokens = tokenize(text, options.simple);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const isOp = (token: Token | undefined, op: string): boolean => token !== undefined && token.type === 'op' && token.text === op;

  const parseQuery = (fields: readonly FieldBoost[], depth: number): QueryNode => {
    const clauses: Clause[] = [];
    while (position < tokens.length && !isOp(peek(), ')')) {
      let conjunction: 'AND' | 'OR' | undefined;
      if (isOp(peek(), 'AND') || isOp(peek(), 'OR')) {
        conjunction = (peek() as { text: 'AND' | 'OR' }).text;
        position++;
      }
      let modifier: '+' | '-' | undefined;
      if (isOp(peek(), '+')) (modifier = '+'), position++;
      else if (isOp(peek(), '-') || isOp(peek(), 'NOT')) (modifier = '-'), position++;
      if (position >= tokens.length || isOp(peek(), ')')) break;
      const node = parseClause(fields, depth);
      addClause(clauses, conjunction, modifier, node, options.defaultOperator);
    }
    if (clauses.length === 1 && clauses[0]!.occur !== 'must_not') return clauses[0]!.node;
    if (clauses.length === 0) return { kind: 'match_none' };
    return {
      kind: 'bool',
      must: clauses.filter((clause) => clause.occur === 'must').map((clause) => clause.node),
      should: clauses.filter((clause) => clause.occur === 'should').map((clause) => clause.node),
      filter: [],
      mustNot: clauses.filter((clause) => clause.occur === 'must_not').map((clause) => clause.node),
      minimumShouldMatch: undefined,
      boost: 1,
    };
  };

  const parseClause = (fields: readonly FieldBoost[], depth: number): QueryNode => {
    if (depth > 32) throw errors.parsing('query_string nested too deeply');
    let token = tokens[position]!;
    let clauseFields = fields;
    if (!options.simple && token.type === 'term' && !token.quoted && isOp(tokens[position + 1], ':')) {
      const fieldName = token.text;
      position += 2;
      if (fieldName === '_exists_') {
        const target = tokens[position++];
        if (target === undefined || target.type !== 'term') throw errors.parsing(`Failed to parse query [${text}]`);
        return { kind: 'exists', field: target.text, boost: 1 };
      }
      clauseFields = [{ field: fieldName, boost: 1 }];
      token = tokens[position]!;
      if (token === undefined) throw errors.parsing(`Failed to parse query [${text}]`);
    }
    let node: QueryNode;
    if (isOp(token, '(')) {
      position++;
      node = parseQuery(clauseFields, depth + 1);
      if (isOp(peek(), ')')) position++;
      else if (!options.simple) throw errors.parsing(`Failed to parse query [${text}]`);
    } else if (token.type === 'range') {
      position++;
      node = perField(clauseFields, options.simple, (field) => ({
        kind: 'range',
        field,
        gt: !token.includeLower && token.lower !== '*' ? token.lower : undefined,
        gte: token.includeLower && token.lower !== '*' ? token.lower : undefined,
        lt: !token.includeUpper && token.upper !== '*' ? token.upper : undefined,
        lte: token.includeUpper && token.upper !== '*' ? token.upper : undefined,
        format: undefined,
        timeZone: undefined,
        boost: 1,
      }));
    } else if (token.type === 'term') {
      position++;
      let fuzziness: string | undefined;
      let slop = options.phraseSlop;
      if (isOp(peek(), '~')) {
        position++;
        const next = peek();
        let amount: string | undefined;
        if (next !== undefined && next.type === 'term' && /^\d+(\.\d+)?$/.test(next.text)) {
          amount = next.text;
          position++;
        }
        if (token.quoted) slop = Number(amount ?? 0);
        else fuzziness = amount ?? (options.simple ? '2' : '2');
      }
      node = termNode(token.text, token.quoted, token.hasWildcard, fuzziness, slop, clauseFields, text);
    } else {
      throw errors.parsing(`Failed to parse query [${text}]`);
    }
    if (isOp(peek(), '^')) {
      position++;
      const next = peek();
      if (next === undefined || next.type !== 'term' || !/^\d+(\.\d+)?$/.test(next.text)) throw errors.parsing(`Failed to parse query [${text}]`);
      position++;
      node = withBoost(node, Number(next.text));
    }
    return node;
  };

  const termNode = (
    value: string,
    quoted: boolean,
    hasWildcard: boolean,
    fuzziness: string | undefined,
    slop: number,
    fields: readonly FieldBoost[],
    original: string,
  ): QueryNode => {
    if (!options.simple && !quoted && (value.startsWith('>') || value.startsWith('<'))) {
      const inclusive = value[1] === '=';
      const bound = value.slice(inclusive ? 2 : 1);
      const lower = value[0] === '>';
      return perField(fields, options.simple, (field) => ({
        kind: 'range',
        field,
        gt: lower && !inclusive ? bound : undefined,
        gte: lower && inclusive ? bound : undefined,
        lt: !lower && !inclusive ? bound : undefined,
        lte: !lower && inclusive ? bound : undefined,
        format: undefined,
        timeZone: undefined,
        boost: 1,
      }));
    }
    if (quoted) {
      const owner = options.quoteAnalyzer !== undefined ? { analyzer: options.quoteAnalyzer, analyzerOwner: `[${queryName}] quote_analyzer` } : { analyzer: options.analyzer, analyzerOwner };
      const suffix = options.quoteFieldSuffix === undefined || options.quoteFieldSuffix === '' ? {} : { quoteFieldSuffix: options.quoteFieldSuffix };
      if (fields.length === 1) return { kind: 'match_phrase', field: fields[0]!.field, query: value, slop, prefixExpansions: 0, boost: fields[0]!.boost, ...owner, ...suffix };
      return { ...multiMatch(fields, value, 'phrase', slop), ...owner, ...suffix };
    }
    // `*` alone on one field is `exists`; on every field (`*`, or default fields that may be `*`) it stays a wildcard per field.
    if (hasWildcard && !(value === '*' && fields.length === 1 && fields[0]!.field !== '*' && !isDefaultFields(fields[0]!.field))) {
      const lower = value.toLowerCase(); // ES lowercases wildcard terms for text fields (normalizer)
      const isPrefix = /^[^*?]+\*$/.test(lower);
      return perField(fields, options.simple, (field) =>
        isPrefix ? { kind: 'prefix', field, value: lower.slice(0, -1), caseInsensitive: false, boost: 1, ...fieldsAddUp } : { kind: 'wildcard', field, value: lower, caseInsensitive: false, boost: 1, ...fieldsAddUp },
      );
    }
    if (value === '*') return { kind: 'exists', field: fields[0]!.field, boost: 1 };
    if (fuzziness !== undefined) {
      return perField(fields, options.simple, (field) => ({ kind: 'fuzzy', field, value: value.toLowerCase(), fuzziness, prefixLength: 0, maxExpansions: 50, transpositions: true, boost: 1, ...fieldsAddUp }));
    }
    void original;
    // simple_query_string sums the fields' scores (most_fields) wherever one entry stands for several fields.
    if (fields.length === 1 && !(options.simple && (fields[0]!.field.includes('*') || isDefaultFields(fields[0]!.field)))) {
      return {
        kind: 'match',
        field: fields[0]!.field,
        query: value,
        operator: 'or',
        minimumShouldMatch: undefined,
        fuzziness: undefined,
        prefixLength: 0,
        maxExpansions: 50,
        analyzer: options.analyzer,
        analyzerOwner,
        zeroTermsQuery: 'none',
        lenient: options.lenient,
        boost: fields[0]!.boost,
      };
    }
    return multiMatch(fields, value, options.simple ? 'most_fields' : 'best_fields', 0);
  };

  // An unknown analyzer name is refused in the words of the query that named it.
  const queryName = options.simple ? 'simple_query_string' : 'query_string';
  const analyzerOwner = `[${queryName}] analyzer`;

  // simple_query_string: the fields one pattern (or the default fields) stands for add up too.
  const fieldsAddUp = options.simple ? { patternTieBreaker: 1 } : {};

  const multiMatch = (fields: readonly FieldBoost[], value: string, type: 'best_fields' | 'most_fields' | 'phrase', slop: number): QueryNode => ({
    kind: 'multi_match',
    fields,
    query: value,
    type,
    tieBreaker: 0,
    operator: 'or',
    minimumShouldMatch: undefined,
    fuzziness: undefined,
    analyzer: options.analyzer,
    analyzerOwner,
    slop,
    lenient: options.lenient,
    boost: 1,
  });

  const root = parseQuery(options.fields, 0);
  if (position < tokens.length && !options.simple) throw errors.parsing(`Failed to parse query [${text}]`);
  return options.boost === 1 ? root : withBoost(root, options.boost);
}

/**
 * A term query per field entry, the best field's score: query_string's default (best_fields,
 * tie_breaker 0); simple_query_string adds them up (dis_max with tie_breaker 1, as its parser's
 * prefix and fuzzy queries are).
 */
function perField(fields: readonly FieldBoost[], simple: boolean, build: (field: string) => QueryNode): QueryNode {
  if (fields.length === 1) return withBoost(build(fields[0]!.field), fields[0]!.boost);
  return { kind: 'dis_max', queries: fields.map((field) => withBoost(build(field.field), field.boost)), tieBreaker: simple ? 1 : 0, boost: 1 };
}

function withBoost(node: QueryNode, boost: number): QueryNode {
  if (boost === 1 || node.kind === 'match_none') return node;
  return { ...node, boost: node.boost * boost } as QueryNode;
}

function addClause(clauses: Clause[], conjunction: 'AND' | 'OR' | undefined, modifier: '+' | '-' | undefined, node: QueryNode, defaultOperator: 'or' | 'and'): void {
  const previous = clauses[clauses.length - 1];
  if (conjunction === 'AND' && previous !== undefined && previous.occur !== 'must_not') previous.occur = 'must';
  if (conjunction === 'OR' && defaultOperator === 'and' && previous !== undefined && previous.occur !== 'must_not') previous.occur = 'should';
  const prohibited = modifier === '-';
  let required: boolean;
  if (defaultOperator === 'or') required = modifier === '+' || (conjunction === 'AND' && !prohibited);
  else required = !prohibited && conjunction !== 'OR';
  clauses.push({ occur: prohibited ? 'must_not' : required ? 'must' : 'should', node });
}
