/**
 * JSON text to values, keeping what JSON.parse loses and Painless sees: a number written with a
 * fraction or an exponent (`100.0`, `1e2`) is a double even when its value is whole, so
 * `params.count / params.total` with 100.0 and 1000.0 is 0.1, not the int division's 0 (pure).
 * The REST layer re-reads request bodies that hold script `params` with it and marks, beside the
 * JSON.parse result, which keys held such doubles (`markWholeDoubles`); `fromJson` honours the
 * marks. The text has passed JSON.parse already, so this parser assumes well-formed JSON and
 * returns undefined on anything else.
 */
import { JDouble } from './values.js';

export function parseJsonKeepingDoubles(text: string): unknown {
  let index = 0;
  const space = (): void => {
    while (index < text.length && ' \t\n\r'.includes(text[index]!)) index++;
  };
  const fail = (): never => {
    throw new SyntaxError(`unexpected JSON at ${index}`);
  };
  const value = (): unknown => {
    space();
    const c = text[index];
    if (c === '{') {
      index++;
      const object: Record<string, unknown> = {};
      space();
      if (text[index] === '}') {
        index++;
        return object;
      }
      for (;;) {
        space();
        const key = string();
        space();
        if (text[index++] !== ':') fail();
        object[key] = value();
        space();
        const next = text[index++];
        if (next === '}') return object;
        if (next !== ',') fail();
      }
    }
    if (c === '[') {
      index++;
      const array: unknown[] = [];
      space();
      if (text[index] === ']') {
        index++;
        return array;
      }
      for (;;) {
        array.push(value());
        space();
        const next = text[index++];
        if (next === ']') return array;
        if (next !== ',') fail();
      }
    }
    if (c === '"') return string();
    for (const [word, result] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, index)) {
        index += word.length;
        return result;
      }
    }
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(index, index + 400));
    if (match === null) return fail();
    index += match[0].length;
    const number = Number(match[0]);
    return (match[1] !== undefined || match[2] !== undefined) && Number.isInteger(number) ? new JDouble(number) : number;
  };
  const string = (): string => {
    if (text[index] !== '"') fail();
    const start = index++;
    while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
    index++;
    return JSON.parse(text.slice(start, index)) as string;
  };
  try {
    const result = value();
    space();
    return index === text.length ? result : undefined;
  } catch {
    return undefined;
  }
}

/** Per parsed object or array: the keys (or indices) whose number was written as a double. */
const wholeDoubleKeys = new WeakMap<object, Set<string | number>>();

/** Whether `container[key]` was written as a double (a whole number JSON.parse made an integer). */
export function isWholeDouble(container: object, key: string | number): boolean {
  return wholeDoubleKeys.get(container)?.has(key) === true;
}

/**
 * Marks in `parsed` (JSON.parse's value of `text`) the whole numbers `text` writes as doubles.
 * Only bodies that name `params` are re-read: script params are where Painless sees the type.
 */
export function markWholeDoubles(parsed: unknown, text: string): void {
  if (!text.includes('"params"') || !/\d(\.\d|[eE][+-]?\d)/.test(text)) return;
  const reread = parseJsonKeepingDoubles(text);
  if (reread !== undefined) walk(parsed, reread);
}

function walk(parsed: unknown, reread: unknown): void {
  if (typeof parsed !== 'object' || parsed === null || typeof reread !== 'object' || reread === null) return;
  const entries: [string | number, unknown][] = Array.isArray(parsed) ? parsed.map((item, index) => [index, item]) : Object.entries(parsed);
  for (const [key, value] of entries) {
    const other = (reread as Record<string | number, unknown>)[key];
    if (other instanceof JDouble && typeof value === 'number') {
      let keys = wholeDoubleKeys.get(parsed);
      if (keys === undefined) wholeDoubleKeys.set(parsed, (keys = new Set()));
      keys.add(key);
    } else walk(value, other);
  }
}
