/**
 * The scripted queries (pure, style P7): `script` (a filter), `script_score` and `function_score`
 * (with `script_score` and `weight` functions, and the built-in ones of score-functions.ts). Parsing keeps the script as data; planning
 * compiles it (so a bad script fails the shard, as Elasticsearch reports it) and binds it to a
 * segment's doc values through `doc['field']`.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-script-query.html,
 * query-dsl-script-score-query.html, query-dsl-function-score-query.html.
 */
import { errors } from '../../common/errors.js';
import { isLive, sourceOf, type Segment } from '../engine/segment.js';
import { compileScript, fromJson, segmentDocLookup, fault, wallClock, parseScriptSpec, ParamsWithSource, type CompiledScript, type ScriptSpec, type Value } from '../script/index.js';
import { JDouble, JFloat, asNumber, numericKind } from '../script/values.js';
import type { QueryNode } from './ast.js';
import type { PlanContext, Weight } from './plan.js';
import { Scorer, noMoreDocs } from './scorers.js';
import { bindBuiltinFunction, builtinFunctionNames, parseBuiltinFunction, type BuiltinFunction } from './score-functions.js';

export type ScoreMode = 'multiply' | 'sum' | 'avg' | 'first' | 'max' | 'min';
export type BoostMode = 'multiply' | 'replace' | 'sum' | 'avg' | 'max' | 'min';

export interface ScoreFunction {
  readonly filter: QueryNode | undefined;
  /** undefined: the function is its weight alone. */
  readonly script: ScriptSpec | undefined;
  /** field_value_factor, a decay function or random_score (score-functions.ts). */
  readonly builtin?: BuiltinFunction | undefined;
  readonly weight: number;
}

export type ScriptQueryNode =
  | { readonly kind: 'script'; readonly script: ScriptSpec; readonly boost: number }
  | { readonly kind: 'script_score'; readonly query: QueryNode; readonly script: ScriptSpec; readonly minScore: number | undefined; readonly boost: number }
  | {
      readonly kind: 'function_score';
      readonly query: QueryNode;
      readonly functions: readonly ScoreFunction[];
      readonly scoreMode: ScoreMode;
      readonly boostMode: BoostMode;
      readonly maxBoost: number;
      readonly minScore: number | undefined;
      readonly boost: number;
    };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function numberField(value: unknown, query: string, name: string): number {
  const result = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(result)) throw errors.parsing(`[${query}] failed to parse field [${name}]`);
  return result;
}

/** The parser of a scripted query kind, or undefined for other kinds. `parseNode` parses inner queries. */
export function scriptQueryParser(kind: string, parseNode: (json: unknown) => QueryNode): ((body: Json) => QueryNode) | undefined {
  switch (kind) {
    case 'script':
      return parseScriptQuery;
    case 'script_score':
      return (body) => parseScriptScore(body, parseNode);
    case 'function_score':
      return (body) => parseFunctionScore(body, parseNode);
    default:
      return undefined;
  }
}

function parseScriptQuery(body: Json): QueryNode {
  let script: ScriptSpec | undefined;
  let boost = 1;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'script') script = parseScriptSpec(value);
    else if (key === 'boost') boost = numberField(value, 'script', 'boost');
    else if (key !== '_name') throw errors.parsing(`[script] query does not support [${key}]`);
  }
  if (script === undefined) throw errors.parsing('script must be provided with a [script] query');
  return { kind: 'script', script, boost };
}

function parseScriptScore(body: Json, parseNode: (json: unknown) => QueryNode): QueryNode {
  let query: QueryNode | undefined;
  let script: ScriptSpec | undefined;
  let minScore: number | undefined;
  let boost = 1;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'query') query = parseNode(value);
    else if (key === 'script') script = parseScriptSpec(value);
    else if (key === 'min_score') minScore = numberField(value, 'script_score', 'min_score');
    else if (key === 'boost') boost = numberField(value, 'script_score', 'boost');
    else if (key !== '_name') throw errors.parsing(`[script_score] query does not support [${key}]`);
  }
  if (query === undefined) throw errors.parsing("[script_score] requires 'query' field");
  if (script === undefined) throw errors.parsing("[script_score] requires 'script' field");
  return { kind: 'script_score', query, script, minScore, boost };
}

const scoreModes: readonly ScoreMode[] = ['multiply', 'sum', 'avg', 'first', 'max', 'min'];
const boostModes: readonly BoostMode[] = ['multiply', 'replace', 'sum', 'avg', 'max', 'min'];

/** One function of `functions`, or the single function written inline in the function_score body. */
function parseFunction(json: Json, parseNode: (json: unknown) => QueryNode, allowFilter: boolean): ScoreFunction {
  let filter: QueryNode | undefined;
  let script: ScriptSpec | undefined;
  let builtin: BuiltinFunction | undefined;
  let functionName: string | undefined;
  let weight: number | undefined;
  const oneFunction = (name: string): void => {
    if (functionName !== undefined) throw errors.parsing(`failed to parse function_score functions. already found [${functionName}], now encountering [${name}].`);
    functionName = name;
  };
  for (const [key, value] of Object.entries(json)) {
    if (key === 'filter' && allowFilter) filter = parseNode(value);
    else if (key === 'weight') {
      weight = numberField(value, 'function_score', 'weight');
      // ScoreFunctionBuilder#setWeight (negative scores are refused since 7.0); the double space is Elasticsearch's
      if (weight < 0) throw errors.illegalArgument('[weight] cannot be negative  for a filtering function');
    }
    else if (key === 'script_score') {
      oneFunction(key);
      if (!isObject(value)) throw errors.parsing('[function_score] malformed score function [script_score]');
      for (const inner of Object.keys(value)) if (inner !== 'script') throw errors.parsing(`script_score query does not support [${inner}]`);
      if (value['script'] === undefined) throw errors.parsing('script_score function requires a [script]');
      script = parseScriptSpec(value['script']);
    } else if (builtinFunctionNames.has(key)) {
      oneFunction(key);
      builtin = parseBuiltinFunction(key, value);
    } else throw errors.parsing(`failed to parse [function_score] query. field [${key}] is not supported`);
  }
  if (script === undefined && builtin === undefined && weight === undefined) throw errors.parsing('failed to parse [function_score] query. an entry in functions list is missing a function.');
  return { filter, script, builtin, weight: weight ?? 1 };
}

function parseFunctionScore(body: Json, parseNode: (json: unknown) => QueryNode): QueryNode {
  let query: QueryNode | undefined;
  let functions: ScoreFunction[] | undefined;
  const inline: Json = {};
  let scoreMode: ScoreMode = 'multiply';
  let boostMode: BoostMode = 'multiply';
  let maxBoost = 3.4028234663852886e38; // Float.MAX_VALUE
  let minScore: number | undefined;
  let boost = 1;
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'query':
        query = parseNode(value);
        break;
      case 'functions':
        if (!Array.isArray(value)) throw errors.parsing('[function_score] query malformed, [functions] must be an array');
        functions = value.map((entry) => {
          if (!isObject(entry)) throw errors.parsing('[function_score] malformed query, expected a [START_OBJECT] while parsing functions');
          return parseFunction(entry, parseNode, true);
        });
        break;
      case 'score_mode':
        if (!scoreModes.includes(value as ScoreMode)) throw errors.illegalArgument(`illegal score_mode [${String(value)}]`);
        scoreMode = value as ScoreMode;
        break;
      case 'boost_mode':
        if (!boostModes.includes(value as BoostMode)) throw errors.illegalArgument(`illegal boost_mode [${String(value)}]`);
        boostMode = value as BoostMode;
        break;
      case 'max_boost':
        maxBoost = numberField(value, 'function_score', 'max_boost');
        break;
      case 'min_score':
        minScore = numberField(value, 'function_score', 'min_score');
        break;
      case 'boost':
        boost = numberField(value, 'function_score', 'boost');
        break;
      case '_name':
        break;
      case 'weight':
        inline[key] = value;
        break;
      default:
        if (key === 'script_score' || builtinFunctionNames.has(key)) {
          const found = Object.keys(inline).find((name) => name !== 'weight');
          if (found !== undefined) throw errors.parsing(`failed to parse [function_score] query. already found function [${found}], now encountering [${key}]. use [functions] array if you want to define several functions.`);
          inline[key] = value;
          break;
        }
        throw errors.parsing(`failed to parse [function_score] query. field [${key}] is not supported`);
    }
  }
  if (functions !== undefined && Object.keys(inline).length > 0) {
    throw errors.parsing('failed to parse [function_score] query. already found [functions] array, now encountering [' + Object.keys(inline)[0] + '].');
  }
  const list = functions ?? (Object.keys(inline).length > 0 ? [parseFunction(inline, parseNode, false)] : []);
  return { kind: 'function_score', query: query ?? { kind: 'match_all', boost: 1 }, functions: list, scoreMode, boostMode, maxBoost, minScore, boost };
}

// ---------------------------------------------------------------- planning

/** `doc` for one document of a segment. */
function docFor(segment: Segment, context: PlanContext, doc: number): Value {
  return segmentDocLookup(segment, context.mappings, context.indexName, doc);
}

/** A score a script returned, as the float Lucene keeps; anything but a number is Painless's ClassCastException. */
function scoreOf(script: CompiledScript, value: Value): number {
  if (numericKind(value) === undefined) throw script.runtimeFailure(fault('class_cast_exception', `Cannot cast from [${value === null ? 'null' : typeof value}] to [double]`));
  return Math.fround(value instanceof JDouble || value instanceof JFloat ? value.v : asNumber(value));
}

/** `params` with the document's `_source` behind `params._source`, parsed only if the script reads it. */
function paramsFor(script: CompiledScript, segment: Segment, doc: number): Value {
  return new ParamsWithSource(fromJson(script.params) as Map<unknown, Value>, () => sourceOf(segment, doc));
}

function runScore(script: CompiledScript, segment: Segment, context: PlanContext, doc: number, score: number): number {
  return scoreOf(script, script.execute({ doc: docFor(segment, context, doc), params: paramsFor(script, segment, doc), _score: new JDouble(score) }, wallClock));
}

/** Plans a scripted query; `plan` plans inner queries (boost 1, the given scoring). */
export function planScriptQuery(node: ScriptQueryNode, context: PlanContext, boost: number, scoring: boolean, plan: (query: QueryNode, scoring: boolean) => Weight): Weight {
  switch (node.kind) {
    case 'script': {
      const script = compileScript(node.script, 'filter');
      const score = scoring ? Math.fround(boost * node.boost) : 0;
      return {
        children: [],
        describe: () => `script [${script.source}] score=${score}`,
        scorer: (segment) =>
          new PredicateScorer(segment.maxDoc, score, (doc) => {
            if (!isLive(segment, doc)) return false;
            const result = script.execute({ doc: docFor(segment, context, doc), params: paramsFor(script, segment, doc) }, wallClock);
            if (typeof result !== 'boolean') throw script.runtimeFailure(fault('class_cast_exception', `Cannot cast from [${result === null ? 'null' : typeof result}] to [boolean]`));
            return result;
          }),
      };
    }
    case 'script_score': {
      const script = compileScript(node.script, 'score');
      const inner = plan(node.query, true);
      const factor = scoring ? boost * node.boost : 0;
      const minScore = node.minScore;
      return {
        children: [inner],
        describe: () => `script_score [${script.source}]${minScore === undefined ? '' : ` min_score=${minScore}`} boost=${factor}`,
        scorer: (segment) => {
          const scorer = inner.scorer(segment);
          if (scorer === null) return null;
          return new ComputedScorer(scorer, minScore, (doc, innerScore) => {
            const score = runScore(script, segment, context, doc, innerScore);
            if (score < 0 || Number.isNaN(score)) {
              throw errors.illegalArgument(`script_score script returned an invalid score [${javaFloat(score)}] for doc [${doc}]. Must be a non-negative score!`);
            }
            return score;
          }, factor);
        },
      };
    }
    case 'function_score': {
      const inner = plan(node.query, true);
      const functions = node.functions.map((fn) => ({
        filter: fn.filter === undefined ? undefined : plan(fn.filter, false),
        script: fn.script === undefined ? undefined : compileScript(fn.script, 'score'),
        builtin: fn.builtin === undefined ? undefined : bindBuiltinFunction(fn.builtin, context),
        weight: fn.weight,
      }));
      const factor = scoring ? boost * node.boost : 0;
      const { scoreMode, boostMode, maxBoost, minScore } = node;
      return {
        children: [inner, ...functions.flatMap((fn) => (fn.filter === undefined ? [] : [fn.filter]))],
        describe: () => `function_score functions=${functions.length} score_mode=${scoreMode} boost_mode=${boostMode} boost=${factor}`,
        scorer: (segment) => {
          const scorer = inner.scorer(segment);
          if (scorer === null) return null;
          const filters = functions.map((fn) => (fn.filter === undefined ? undefined : fn.filter.scorer(segment)));
          const builtins = functions.map((fn) => fn.builtin?.forSegment(segment));
          return new ComputedScorer(scorer, minScore, (doc, queryScore) => {
            const scores: number[] = [];
            const weights: number[] = [];
            functions.forEach((fn, index) => {
              const filter = filters[index];
              if (fn.filter !== undefined) {
                if (filter === null || filter === undefined) return;
                if (filter.doc < doc) filter.advance(doc);
                if (filter.doc !== doc) return;
              }
              const builtin = builtins[index];
              const value = fn.script !== undefined ? runScore(fn.script, segment, context, doc, queryScore) : builtin !== undefined ? builtin(doc) : 1;
              scores.push(fn.weight * value);
              weights.push(fn.weight);
            });
            let functionScore: number;
            if (scores.length === 0) functionScore = 1; // no function matched: Elasticsearch's factor of 1
            else if (scoreMode === 'first') functionScore = scores[0]!;
            else if (scoreMode === 'sum') functionScore = scores.reduce((a, b) => a + b, 0);
            else if (scoreMode === 'avg') functionScore = scores.reduce((a, b) => a + b, 0) / weights.reduce((a, b) => a + b, 0);
            else if (scoreMode === 'max') functionScore = Math.max(...scores);
            else if (scoreMode === 'min') functionScore = Math.min(...scores);
            else functionScore = scores.reduce((a, b) => a * b, 1);
            functionScore = Math.min(functionScore, maxBoost);
            switch (boostMode) {
              case 'replace':
                return Math.fround(functionScore);
              case 'sum':
                return Math.fround(queryScore + functionScore);
              case 'avg':
                return Math.fround((queryScore + functionScore) / 2);
              case 'max':
                return Math.fround(Math.max(queryScore, functionScore));
              case 'min':
                return Math.fround(Math.min(queryScore, functionScore));
              default:
                return Math.fround(queryScore * functionScore);
            }
          }, factor);
        },
      };
    }
  }
}

/** Java's Float.toString for the few messages that print a score. */
function javaFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** Every live document for which `matches` holds, with a constant score. */
class PredicateScorer extends Scorer {
  constructor(
    private readonly maxDoc: number,
    private readonly constantScore: number,
    private readonly matches: (doc: number) => boolean,
  ) {
    super();
  }
  nextDoc(): number {
    return this.advance(this.doc + 1);
  }
  advance(target: number): number {
    for (let doc = Math.max(target, this.doc + 1); doc < this.maxDoc; doc++) {
      if (this.matches(doc)) return (this.doc = doc);
    }
    return (this.doc = noMoreDocs);
  }
  score(): number {
    return this.constantScore;
  }
  cost(): number {
    return this.maxDoc;
  }
  maxScore(): number {
    return this.constantScore;
  }
}

/** The inner scorer's documents with a computed score (times the boost), dropping those under `minScore`. */
class ComputedScorer extends Scorer {
  private current = 0;
  constructor(
    private readonly inner: Scorer,
    private readonly minScore: number | undefined,
    private readonly compute: (doc: number, innerScore: number) => number,
    private readonly factor: number,
  ) {
    super();
  }
  private settle(doc: number): number {
    for (let candidate = doc; candidate !== noMoreDocs; candidate = this.inner.nextDoc()) {
      const score = this.compute(candidate, this.inner.score());
      if (this.minScore === undefined || score >= this.minScore) {
        this.current = Math.fround(score * this.factor);
        return (this.doc = candidate);
      }
    }
    return (this.doc = noMoreDocs);
  }
  nextDoc(): number {
    return this.settle(this.inner.nextDoc());
  }
  advance(target: number): number {
    return this.settle(this.inner.advance(target));
  }
  score(): number {
    return this.current;
  }
  cost(): number {
    return this.inner.cost();
  }
  maxScore(): number {
    // A script can return any score: no bound, so no pruning skips documents it might lift.
    return Infinity;
  }
}
