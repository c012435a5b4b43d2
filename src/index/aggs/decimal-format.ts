/**
 * The subset of Java's DecimalFormat patterns that aggregation `format` parameters use
 * ("0.00", "#,##0.0", "#.##", "0.0%", "$#,##0.00"): digits, grouping, a fraction, a literal
 * prefix and suffix. Rounding is HALF_EVEN on the exact binary value, as DecimalFormat's default.
 * https://docs.oracle.com/javase/8/docs/api/java/text/DecimalFormat.html
 */
import { errors } from '../../common/errors.js';

export interface DecimalFormat {
  readonly pattern: string;
  readonly prefix: string;
  readonly suffix: string;
  readonly integerDigitsMin: number;
  readonly fractionDigitsMin: number;
  readonly fractionDigitsMax: number;
  /** 0 when the pattern has no grouping separator. */
  readonly groupingSize: number;
  readonly multiplier: number;
}

/** Parses a positive DecimalFormat pattern; a pattern it cannot read is a 400, never ignored. */
export function parseDecimalFormat(pattern: string): DecimalFormat {
  const positive = pattern.split(';')[0]!;
  const match = /^([^#0,.]*)([#0,]*)(?:\.([0#]*))?([^#0,.]*)$/u.exec(positive);
  if (match === null || (match[2] === '' && match[3] === undefined)) {
    throw errors.illegalArgument(`Invalid format: [${pattern}]: malformed pattern`);
  }
  const [, prefix = '', integer = '', fraction = '', suffix = ''] = match;
  if (!/^#*0*$/u.test(integer.replaceAll(',', '')) || !/^0*#*$/u.test(fraction) || integer.endsWith(',')) {
    throw errors.illegalArgument(`Invalid format: [${pattern}]: malformed pattern`);
  }
  const lastComma = integer.lastIndexOf(',');
  return {
    pattern,
    prefix: prefix.replaceAll("'", ''),
    suffix: suffix.replaceAll("'", ''),
    integerDigitsMin: [...integer].filter((char) => char === '0').length,
    fractionDigitsMin: [...fraction].filter((char) => char === '0').length,
    fractionDigitsMax: fraction.length,
    groupingSize: lastComma < 0 ? 0 : integer.length - lastComma - 1,
    multiplier: suffix.includes('%') ? 100 : suffix.includes('\u2030') ? 1000 : 1,
  };
}

/** Rounds |value| to `digits` fraction digits, HALF_EVEN on exact ties, as decimal text. */
function roundHalfEven(value: number, digits: number): string {
  const rounded = value.toFixed(digits); // half-up on the exact binary expansion
  const exact = value.toFixed(Math.min(100, digits + 30));
  const tail = exact.slice(exact.indexOf('.') + 1 + digits);
  const isTie = /^50*$/u.test(tail) && (digits > 0 || exact.includes('.'));
  if (!isTie) return rounded;
  const lastDigit = Number(rounded.replace('.', '').slice(-1));
  if (lastDigit % 2 === 0) return rounded;
  const truncated = exact.slice(0, exact.indexOf('.') + (digits > 0 ? 1 + digits : 0));
  return truncated;
}

export function formatDecimal(format: DecimalFormat, input: number): string {
  if (Number.isNaN(input)) return 'NaN';
  if (!Number.isFinite(input)) return `${input < 0 ? '-' : ''}${format.prefix}\u221e${format.suffix}`;
  const value = input * format.multiplier;
  const negative = value < 0;
  const text = roundHalfEven(Math.abs(value), format.fractionDigitsMax);
  let [integer = '0', fraction = ''] = text.split('.');
  fraction = fraction.replace(/0+$/u, '');
  while (fraction.length < format.fractionDigitsMin) fraction += '0';
  integer = integer.replace(/^0+/u, '');
  while (integer.length < format.integerDigitsMin) integer = `0${integer}`;
  if (format.groupingSize > 0) {
    const groups: string[] = [];
    for (let end = integer.length; end > 0; end -= format.groupingSize) groups.unshift(integer.slice(Math.max(0, end - format.groupingSize), end));
    integer = groups.join(',');
  }
  if (integer === '' && fraction === '') integer = '0';
  const body = fraction.length > 0 ? `${integer}.${fraction}` : integer;
  const isZero = /^[0.,]*$/u.test(body);
  return `${negative && !isZero ? '-' : ''}${format.prefix}${body}${format.suffix}`;
}
