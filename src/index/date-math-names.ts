/**
 * Date math in index names (pure; `now` is an input, style P1), as Elasticsearch documents it:
 * `<static{date_math_expr{date_format|time_zone}}static>`. `<logs-{now/d}>` names today's index,
 * `<logs-{now/M-1M{yyyy.MM}}>` last month's. The default format is `uuuu.MM.dd`, the default zone
 * UTC; `\` escapes `{`, `}` and itself in the static text and in the format.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/api-conventions.html#api-date-math-index-names
 */
import { errors } from '../common/index.js';
import { DateParseError, evaluateDateMath, isValidTimeZone, zoneOffsetMs } from './query/date-math.js';

const defaultFormat = 'uuuu.MM.dd';

/** True when `name` is a date math expression (`<…>`). */
export function isDateMathName(name: string): boolean {
  return name.length > 1 && name.startsWith('<') && name.endsWith('>');
}

const invalid = (expression: string, problem: string) => errors.parse(`invalid dynamic name expression [${expression}]. ${problem}`);

/** Formats `utcMs` in `timeZone` with the Java-style pattern letters an index name uses. */
function formatForName(expression: string, utcMs: number, timeZone: string, pattern: string): string {
  const local = new Date(utcMs + zoneOffsetMs(timeZone, utcMs));
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  let output = '';
  for (const token of pattern.match(/'[^']*'|([a-zA-Z])\1*|[^a-zA-Z']+/g) ?? []) {
    if (token.startsWith("'")) output += token.length === 2 ? "'" : token.slice(1, -1);
    else if (/^[yuY]+$/.test(token)) output += token.length === 2 ? pad(local.getUTCFullYear() % 100, 2) : pad(local.getUTCFullYear(), Math.max(4, token.length));
    else if (/^M+$/.test(token)) output += pad(local.getUTCMonth() + 1, token.length);
    else if (/^d+$/.test(token)) output += pad(local.getUTCDate(), token.length);
    else if (/^H+$/.test(token)) output += pad(local.getUTCHours(), token.length);
    else if (/^m+$/.test(token)) output += pad(local.getUTCMinutes(), token.length);
    else if (/^s+$/.test(token)) output += pad(local.getUTCSeconds(), token.length);
    else if (/^S+$/.test(token)) output += pad(local.getUTCMilliseconds(), 3).slice(0, token.length).padEnd(token.length, '0');
    else if (/^[a-zA-Z]+$/.test(token)) throw invalid(expression, `unsupported date format letter [${token[0]}] in [${pattern}]`);
    else output += token;
  }
  return output;
}

/** Evaluates one placeholder's content: `now/d` or `now/M{yyyy.MM|+01:00}`. */
function evaluatePlaceholder(expression: string, content: string, nowMs: number): string {
  let math = content;
  let pattern = defaultFormat;
  let timeZone = 'UTC';
  const formatStart = content.indexOf('{');
  if (formatStart >= 0) {
    if (!content.endsWith('}')) throw invalid(expression, 'missing closing `}` for date math format');
    if (formatStart === content.length - 2) throw invalid(expression, 'missing date format');
    math = content.slice(0, formatStart);
    const format = content.slice(formatStart + 1, -1);
    const bar = format.lastIndexOf('|');
    pattern = bar >= 0 ? format.slice(0, bar) : format;
    if (bar >= 0) timeZone = format.slice(bar + 1);
    if (pattern === '') throw invalid(expression, 'missing date format');
    if (!isValidTimeZone(timeZone)) throw invalid(expression, `unknown time zone [${timeZone}]`);
  }
  if (!math.startsWith('now')) throw invalid(expression, `date math expression [${math}] must start with [now]`);
  let utcMs: number;
  try {
    utcMs = evaluateDateMath(math, { nowMs, roundUp: false, timeZone });
  } catch (error) {
    if (error instanceof DateParseError) throw invalid(expression, error.message);
    throw error;
  }
  return formatForName(expression, utcMs, timeZone, pattern);
}

/**
 * Resolves a date math index name against `nowMs`; any other name is returned as it is. Throws a
 * 400 `parse_exception` naming the expression when it is malformed.
 */
export function resolveDateMathName(name: string, nowMs: number): string {
  if (!isDateMathName(name)) return name;
  const text = name.slice(1, -1);
  let output = '';
  let placeholder: string | undefined;
  let inFormat = false;
  let escaped = false;
  for (let position = 0; position < text.length; position++) {
    const character = text[position]!;
    if (escaped) {
      escaped = false;
      if (placeholder === undefined) output += character;
      else placeholder += character === '{' || character === '}' ? `\\${character}` : character;
      continue;
    }
    if (character === '\\') {
      escaped = true;
      continue;
    }
    if (placeholder === undefined) {
      if (character === '{') placeholder = '';
      else if (character === '}') throw invalid(name, `invalid character at position [${position}]. ` + 'escape it with `\\` to use it in the name');
      else output += character;
      continue;
    }
    if (character === '{') {
      if (inFormat) throw invalid(name, `invalid character in placeholder at position [${position}]`);
      inFormat = true;
      placeholder += character;
    } else if (character === '}') {
      if (inFormat) {
        inFormat = false;
        placeholder += character;
      } else {
        if (placeholder === '') throw invalid(name, 'missing date math expression');
        output += evaluatePlaceholder(name, placeholder.replace(/\\([{}])/g, '$1'), nowMs);
        placeholder = undefined;
      }
    } else {
      placeholder += character;
    }
  }
  if (placeholder !== undefined) throw invalid(name, 'date math placeholder is open ended');
  if (escaped) throw invalid(name, 'escape character at the end of the expression');
  return output;
}

/**
 * Resolves the date math of each element of a comma-separated index expression (an exclusion
 * `-<…>` too); elements without date math, remote ones (`cluster:<…>`, resolved by the remote)
 * included, are kept as they are.
 */
export function resolveDateMathExpression(expression: string, nowMs: number): string {
  if (!expression.includes('<')) return expression;
  return expression
    .split(',')
    .map((element) => (element.startsWith('-') && isDateMathName(element.slice(1)) ? `-${resolveDateMathName(element.slice(1), nowMs)}` : resolveDateMathName(element, nowMs)))
    .join(',');
}
