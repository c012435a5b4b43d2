/**
 * JSON text to values, keeping what JSON.parse loses and Painless sees: a number written with a
 * fraction or an exponent (`100.0`, `1e2`) is a double even when its value is whole, so
 * `params.count / params.total` with 100.0 and 1000.0 is 0.1, not the int division's 0 (pure).
 * Only script params go through it; the text has passed JSON.parse already, so this parser
 * assumes well-formed JSON and returns undefined on anything else.
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
