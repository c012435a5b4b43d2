/**
 * The functions score scripts may call besides the allowlist (Elasticsearch's ScoreScriptUtils):
 * `saturation`, `sigmoid`, and the numeric and date decay functions (linear, exp, gauss) with
 * function_score's decay formulas. Pure: the document's value is an argument.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-script-score-query.html#script-score-functions
 */
import { parseDate } from '../query/date-math.js';
import { timeValueMsOrReason } from '../../common/time-value.js';
import { JavaFault, asNumber, isObjectLike, javaString, makeDouble, numericKind, type Value } from './values.js';

type Fn = (args: readonly Value[]) => Value;

function numberArg(value: Value | undefined, name: string): number {
  if (value === undefined || numericKind(value) === undefined) throw new JavaFault('class_cast_exception', `Cannot cast [${value === undefined || value === null ? 'null' : javaString(value)}] to a number for [${name}]`);
  return asNumber(value);
}

/** A time value (`1h`, `30m`; `0` needs no unit) in milliseconds, as the date decay functions read scale and offset. */
function timeValueMs(value: Value | undefined, name: string): number {
  const parsed = timeValueMsOrReason(value === undefined || value === null ? '' : javaString(value), name);
  if ('reason' in parsed) throw new JavaFault('illegal_argument_exception', parsed.reason);
  return parsed.ms;
}

function dateMillis(value: Value | undefined): number {
  if (isObjectLike(value) && value.call !== undefined) return asNumber(value.call('toEpochMilli', []));
  if (typeof value === 'string') return parseDate(value, undefined, undefined);
  return numberArg(value, 'date');
}

type Decay = (distance: number, scale: number, decay: number) => number;

const linear: Decay = (distance, scale, decay) => {
  const scaling = scale / (1 - decay);
  return Math.max(0, (scaling - distance) / scaling);
};
const exponential: Decay = (distance, scale, decay) => Math.exp((Math.log(decay) / scale) * distance);
const gauss: Decay = (distance, scale, decay) => Math.exp((0.5 * distance * distance) / ((0.5 * scale * scale) / Math.log(decay)));

function numericDecay(decayOf: Decay): Fn {
  return ([origin, scale, offset, decay, value]) => {
    const distance = Math.max(0, Math.abs(numberArg(value, 'value') - numberArg(origin, 'origin')) - numberArg(offset, 'offset'));
    return makeDouble(decayOf(distance, numberArg(scale, 'scale'), numberArg(decay, 'decay')));
  };
}

function dateDecay(decayOf: Decay): Fn {
  return ([origin, scale, offset, decay, value]) => {
    const distance = Math.max(0, Math.abs(dateMillis(value) - dateMillis(origin)) - timeValueMs(offset, 'offset'));
    return makeDouble(decayOf(distance, timeValueMs(scale, 'scale'), numberArg(decay, 'decay')));
  };
}

export const scoreFunctions: Readonly<Record<string, Fn>> = {
  saturation: ([value, k]) => {
    const v = numberArg(value, 'value');
    return makeDouble(v / (numberArg(k, 'k') + v));
  },
  sigmoid: ([value, k, a]) => {
    const power = numberArg(a, 'a');
    const v = Math.pow(numberArg(value, 'value'), power);
    return makeDouble(v / (Math.pow(numberArg(k, 'k'), power) + v));
  },
  decayNumericLinear: numericDecay(linear),
  decayNumericExp: numericDecay(exponential),
  decayNumericGauss: numericDecay(gauss),
  decayDateLinear: dateDecay(linear),
  decayDateExp: dateDecay(exponential),
  decayDateGauss: dateDecay(gauss),
};

/** Their arities, for the compile-time check of calls. */
export const scoreFunctionArities: Readonly<Record<string, readonly number[]>> = {
  saturation: [2],
  sigmoid: [3],
  decayNumericLinear: [5],
  decayNumericExp: [5],
  decayNumericGauss: [5],
  decayDateLinear: [5],
  decayDateExp: [5],
  decayDateGauss: [5],
};
