/**
 * The `MovingFunctions` helpers a moving_fn script calls over its window of values (pure), with the
 * formulas Elasticsearch's MovingFunctions documents: NaN values are left out, and an empty window
 * gives NaN (sum gives 0). Also the `MovingFunctions` host object the script sees.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-pipeline-movfn-aggregation.html
 */
import { JavaArray, JavaFault, asNumber, makeDouble, numericKind, type ScriptObject, type Value } from '../script/values.js';

const present = (values: readonly number[]): number[] => values.filter((value) => !Number.isNaN(value));

export function movingMax(values: readonly number[]): number {
  // Java's DoubleStream.max: NaN wins over every number, and an empty window has no maximum.
  if (values.length === 0) return NaN;
  return values.reduce((max, value) => (Number.isNaN(max) || Number.isNaN(value) ? NaN : Math.max(max, value)));
}

export function movingMin(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return values.reduce((min, value) => (Number.isNaN(min) || Number.isNaN(value) ? NaN : Math.min(min, value)));
}

export function movingSum(values: readonly number[]): number {
  return present(values).reduce((sum, value) => sum + value, 0);
}

export function unweightedAvg(values: readonly number[]): number {
  const kept = present(values);
  return kept.length === 0 ? NaN : movingSum(kept) / kept.length;
}

/** Population standard deviation of the values around `avg` (the caller's average). */
export function stdDev(values: readonly number[], avg: number): number {
  if (Number.isNaN(avg)) return NaN;
  const kept = present(values);
  return Math.sqrt(kept.reduce((sum, value) => sum + (value - avg) ** 2, 0) / kept.length);
}

/** Weights 1, 2, 3... oldest first; the divisor starts at 1, as Elasticsearch's does (so [1, 2] gives 5/4). */
export function linearWeightedAvg(values: readonly number[]): number {
  let sum = 0;
  let totalWeight = 1;
  let weight = 1;
  for (const value of present(values)) {
    sum += value * weight;
    totalWeight += weight;
    weight++;
  }
  return totalWeight === 1 ? NaN : sum / totalWeight;
}

/** Single exponential smoothing, seeded with the first value. */
export function ewma(values: readonly number[], alpha: number): number {
  let avg = NaN;
  for (const value of present(values)) avg = Number.isNaN(avg) ? value : value * alpha + avg * (1 - alpha);
  return avg;
}

/** Double exponential smoothing (level and trend); the trend starts at 0. */
export function holt(values: readonly number[], alpha: number, beta: number): number {
  const kept = present(values);
  if (kept.length === 0) return NaN;
  let level = kept[0]!;
  let trend = 0;
  for (let index = 1; index < kept.length; index++) {
    const lastLevel = level;
    level = alpha * kept[index]! + (1 - alpha) * (lastLevel + trend);
    trend = beta * (level - lastLevel) + (1 - beta) * trend;
  }
  return level;
}

/**
 * Triple exponential smoothing with a seasonal component of `period` values, additive or
 * multiplicative. It needs two whole periods; fewer is Elasticsearch's IllegalArgumentException.
 * The seasonal update subtracts the last level and trend (additive) or divides by their sum.
 */
export function holtWinters(values: readonly number[], alpha: number, beta: number, gamma: number, period: number, multiplicative: boolean): number {
  if (values.length === 0) return NaN;
  if (values.length < period * 2) {
    throw new JavaFault(
      'illegal_argument_exception',
      `Holt-Winters aggregation requires at least (2 * period == 2 * ${period} == ${2 * period}) data-points to function.  Only [${values.length}] were provided.`,
    );
  }
  // A multiplicative model divides by the values: a tiny padding keeps zeros out.
  const padding = multiplicative ? 1e-10 : 0;
  const kept = present(values).map((value) => value + padding);
  if (kept.length === 0) return NaN;
  // Series with NaNs left out are shorter; the missing tail reads as 0 as Elasticsearch's array does.
  const series = values.map((_, index) => kept[index] ?? 0);
  let level = 0;
  let trend = 0;
  for (let index = 0; index < period; index++) {
    level += series[index]!;
    trend += (series[index + period]! - series[index]!) / period;
  }
  level /= period;
  trend /= period;
  const seasonal = new Array<number>(series.length).fill(0);
  if (level !== 0) for (let index = 0; index < period; index++) seasonal[index] = series[index]! / level;
  let lastLevel = level;
  let lastTrend = 0;
  for (let index = period; index < series.length; index++) {
    const value = series[index]!;
    level = multiplicative ? alpha * (value / seasonal[index - period]!) + (1 - alpha) * (lastLevel + lastTrend) : alpha * (value - seasonal[index - period]!) + (1 - alpha) * (lastLevel + lastTrend);
    trend = beta * (level - lastLevel) + (1 - beta) * lastTrend;
    seasonal[index] = multiplicative
      ? gamma * (value / (lastLevel + lastTrend)) + (1 - gamma) * seasonal[index - period]!
      : gamma * (value - (lastLevel - lastTrend)) + (1 - gamma) * seasonal[index - period]!;
    lastLevel = level;
    lastTrend = trend;
  }
  const seasonIndex = series.length - period;
  return multiplicative ? (level + trend) * seasonal[seasonIndex]! : level + trend + seasonal[seasonIndex]!;
}

// ---------------------------------------------------------------------------------------------
// The script's view

function windowArg(value: Value | undefined, method: string): number[] {
  const items = value instanceof JavaArray ? value.items : Array.isArray(value) ? value : undefined;
  if (items === undefined) throw new JavaFault('class_cast_exception', `Cannot cast [${value === undefined || value === null ? 'null' : String(value)}] to double[] for [MovingFunctions.${method}]`);
  return items.map((item) => numberArg(item, method));
}

function numberArg(value: Value | undefined, method: string): number {
  if (value === undefined || numericKind(value) === undefined) throw new JavaFault('class_cast_exception', `Cannot cast [${value === undefined || value === null ? 'null' : String(value)}] to a number for [MovingFunctions.${method}]`);
  return asNumber(value);
}

const arities: Readonly<Record<string, number>> = { max: 1, min: 1, sum: 1, unweightedAvg: 1, linearWeightedAvg: 1, stdDev: 2, ewma: 2, holt: 3, holtWinters: 6 };

/** `MovingFunctions.max(values)` and its siblings, as the moving_function script context offers them. */
export const movingFunctionsObject: ScriptObject = {
  javaType: 'org.elasticsearch.aggregations.pipeline.MovingFunctions',
  call(name: string, args: readonly Value[]): Value {
    if (arities[name] !== args.length) throw new JavaFault('illegal_argument_exception', `unknown static method [${name}] with [${args.length}] arguments for class [MovingFunctions].`);
    const values = windowArg(args[0], name);
    const number = (index: number): number => numberArg(args[index], name);
    switch (name) {
      case 'max':
        return makeDouble(movingMax(values));
      case 'min':
        return makeDouble(movingMin(values));
      case 'sum':
        return makeDouble(movingSum(values));
      case 'unweightedAvg':
        return makeDouble(unweightedAvg(values));
      case 'linearWeightedAvg':
        return makeDouble(linearWeightedAvg(values));
      case 'stdDev':
        return makeDouble(stdDev(values, number(1)));
      case 'ewma':
        return makeDouble(ewma(values, number(1)));
      case 'holt':
        return makeDouble(holt(values, number(1), number(2)));
      default: {
        const multiplicative = args[5];
        if (typeof multiplicative !== 'boolean') throw new JavaFault('class_cast_exception', 'Cannot cast the multiplicative argument of [MovingFunctions.holtWinters] to boolean');
        return makeDouble(holtWinters(values, number(1), number(2), number(3), Math.trunc(number(4)), multiplicative));
      }
    }
  },
};
