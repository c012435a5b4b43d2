/**
 * The Painless subset's allowlist (pure): the methods of String, List, Map, the numbers and the
 * static classes (Math, Integer, Long, Double, Float, Boolean, String, Collections), with Java's
 * results and exceptions. A method outside the list is Painless's "dynamic method not found".
 * Reference: https://www.elastic.co/guide/en/elasticsearch/painless/current/painless-api-reference-shared.html
 */
import { limits } from '../../common/limits.js';
import {
  JChar,
  JDouble,
  JLambda,
  asBoolean,
  JFloat,
  JavaArray,
  asBigInt,
  asNumber,
  classCast,
  doubleToInt,
  doubleToLong,
  fault,
  isObjectLike,
  javaClassName,
  javaEquals,
  javaString,
  makeDouble,
  makeFloat,
  mapKey,
  npe,
  numericKind,
  promote,
  type ScriptObject,
  type Value,
} from './values.js';

const notFound = (target: Value, name: string, arity: number): Error =>
  fault('illegal_argument_exception', `dynamic method [${javaClassName(target)}, ${name}/${arity}] not found`);

const outOfBounds = (index: number, length: number): Error => fault('index_out_of_bounds_exception', `Index ${index} out of bounds for length ${length}`);

function intArg(value: Value | undefined, target: Value, name: string, arity: number): number {
  if (typeof value === 'number') return value;
  if (value instanceof JChar) return value.c.charCodeAt(0);
  if (value === null || value === undefined) throw npe(`Cannot invoke "${name}" with a null argument`);
  throw notFound(target, name, arity);
}

function stringArg(value: Value | undefined): string {
  if (typeof value === 'string') return value;
  if (value instanceof JChar) return value.c;
  if (value === null || value === undefined) throw npe('Cannot invoke "String.length()" because "str" is null');
  throw classCast(value, 'java.lang.String');
}

/** Natural ordering (Comparable.compareTo) of two values of the same family. */
export function compareValues(a: Value, b: Value): number {
  if (a === null || b === null) throw npe('Cannot compare a null value');
  const ka = numericKind(a);
  const kb = numericKind(b);
  if (ka !== undefined && kb !== undefined) {
    const kind = promote(ka, kb);
    if (kind === 'int' || kind === 'long') {
      const x = asBigInt(a);
      const y = asBigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const x = asNumber(a);
    const y = asNumber(b);
    return x < y ? -1 : x > y ? 1 : Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : Number.isNaN(y) ? -1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return javaStringCompare(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  throw classCast(b, javaClassName(a));
}

/** Java's String.compareTo: UTF-16 code units, then length. */
function javaStringCompare(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const diff = a.charCodeAt(index) - b.charCodeAt(index);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/** A Map.Entry as entrySet() yields it. */
function entryOf(map: Map<unknown, Value>, key: unknown, value: Value): ScriptObject {
  return {
    javaType: 'java.util.Map$Entry',
    field(name) {
      if (name === 'key') return key as Value;
      if (name === 'value') return map.get(key) ?? value;
      throw fault('illegal_argument_exception', `dynamic getter [java.util.Map$Entry, ${name}] not found`);
    },
    call(name, args) {
      if (name === 'getKey' && args.length === 0) return key as Value;
      if (name === 'getValue' && args.length === 0) return map.has(key) ? map.get(key)! : value;
      if (name === 'setValue' && args.length === 1) {
        const previous = map.get(key) ?? null;
        map.set(key, args[0]!);
        return previous;
      }
      if (name === 'toString' && args.length === 0) return `${javaString(key as Value)}=${javaString(map.get(key) ?? value)}`;
      throw notFound(this as ScriptObject, name, args.length);
    },
  };
}

/** Calls `name` on `target` (never null: the caller raised the NullPointerException). */
export function callMethod(target: Value, name: string, args: readonly Value[]): Value {
  const arity = args.length;
  if (typeof target === 'string') return stringMethod(target, name, args);
  if (Array.isArray(target)) return listMethod(target, name, args);
  if (target instanceof Map) return mapMethod(target, name, args);
  if (target instanceof JavaArray) {
    if (name === 'getLength' && arity === 0) return target.items.length;
  }
  const kind = numericKind(target);
  if (kind !== undefined) {
    switch (name) {
      case 'intValue':
        return doubleToIntOf(target);
      case 'longValue':
        return kind === 'long' || kind === 'int' ? asBigInt(target) : doubleToLong(asNumber(target));
      case 'doubleValue':
        return makeDouble(asNumber(target));
      case 'floatValue':
        return makeFloat(asNumber(target));
      case 'compareTo':
        if (arity === 1) return compareValues(target, args[0]!);
        break;
      case 'isNaN':
        if (arity === 0 && (target instanceof JDouble || target instanceof JFloat)) return Number.isNaN(target.v);
        break;
    }
  }
  if (typeof target === 'boolean' && name === 'booleanValue' && arity === 0) return target;
  if (isObjectLike(target) && target.call !== undefined) return target.call(name, args);
  if (name === 'toString' && arity === 0) return javaString(target);
  if (name === 'equals' && arity === 1) return javaEquals(target, args[0]!);
  if (name === 'compareTo' && arity === 1) return compareValues(target, args[0]!);
  throw notFound(target, name, arity);
}

function doubleToIntOf(value: Value): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(BigInt.asIntN(32, value));
  return doubleToInt(asNumber(value));
}

function stringMethod(target: string, name: string, args: readonly Value[]): Value {
  const arity = args.length;
  const bounds = (begin: number, end: number): void => {
    if (begin < 0 || end > target.length || begin > end) throw fault('string_index_out_of_bounds_exception', `begin ${begin}, end ${end}, length ${target.length}`);
  };
  switch (`${name}/${arity}`) {
    case 'length/0':
      return target.length;
    case 'isEmpty/0':
      return target.length === 0;
    case 'substring/1': {
      const begin = intArg(args[0], target, name, arity);
      bounds(begin, target.length);
      return target.substring(begin);
    }
    case 'substring/2': {
      const begin = intArg(args[0], target, name, arity);
      const end = intArg(args[1], target, name, arity);
      bounds(begin, end);
      return target.substring(begin, end);
    }
    case 'indexOf/1':
      return target.indexOf(stringArg(args[0]));
    case 'indexOf/2':
      return target.indexOf(stringArg(args[0]), Math.max(0, intArg(args[1], target, name, arity)));
    case 'lastIndexOf/1':
      return target.lastIndexOf(stringArg(args[0]));
    case 'contains/1':
      return target.includes(stringArg(args[0]));
    case 'startsWith/1':
      return target.startsWith(stringArg(args[0]));
    case 'endsWith/1':
      return target.endsWith(stringArg(args[0]));
    case 'toLowerCase/0':
      return target.toLowerCase();
    case 'toUpperCase/0':
      return target.toUpperCase();
    case 'trim/0':
      // Java's trim removes code points <= U+0020 only.
      return target.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
    case 'strip/0':
      return target.trim();
    case 'replace/2':
      return target.split(stringArg(args[0])).join(stringArg(args[1]));
    case 'concat/1':
      return target + stringArg(args[0]);
    case 'splitOnToken/1':
    case 'splitOnToken/2': {
      const token = stringArg(args[0]);
      if (token.length === 0) throw fault('illegal_argument_exception', 'Cannot split on empty token');
      const limit = arity === 2 ? intArg(args[1], target, name, arity) : 0;
      // Painless's splitOnToken returns a String[].
      const parts = target.split(token);
      if (limit > 0 && parts.length > limit) return new JavaArray('String', [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(token)]);
      return new JavaArray('String', parts);
    }
    case 'equals/1':
      return typeof args[0] === 'string' && args[0] === target;
    case 'equalsIgnoreCase/1':
      return typeof args[0] === 'string' && args[0].toLowerCase() === target.toLowerCase();
    case 'charAt/1': {
      const index = intArg(args[0], target, name, arity);
      if (index < 0 || index >= target.length) throw fault('string_index_out_of_bounds_exception', `Index ${index} out of bounds for length ${target.length}`);
      return new JChar(target[index]!);
    }
    case 'compareTo/1':
      return javaStringCompare(target, stringArg(args[0]));
    case 'toString/0':
      return target;
    case 'hashCode/0': {
      let hash = 0;
      for (let index = 0; index < target.length; index++) hash = (Math.imul(hash, 31) + target.charCodeAt(index)) | 0;
      return hash;
    }
  }
  throw notFound(target, name, arity);
}

/** Checks a list index as Java's ArrayList does. */
function listIndex(list: Value[], value: Value | undefined, name: string, arity: number, allowEnd = false): number {
  const index = intArg(value, list, name, arity);
  if (index < 0 || index > list.length || (!allowEnd && index === list.length)) throw outOfBounds(index, list.length);
  return index;
}

/** A list or map may not grow past this (doubling with addAll in a short loop would exhaust memory long before the loop counter). */
function checkGrowth(size: number): void {
  if (size > limits.scriptCollectionItemsMax) {
    throw fault('painless_error', `The script built a collection of [${size}] items, more than the [${limits.scriptCollectionItemsMax}] Strait allows.`);
  }
}

/** The function a lambda argument stands for; anything else is Java's ClassCastException. */
function functionOf(value: Value | undefined): (args: readonly Value[]) => Value {
  if (value instanceof JLambda) return value.invoke;
  throw classCast(value ?? null, 'java.util.function.Function');
}

function listMethod(target: Value[], name: string, args: readonly Value[]): Value {
  const arity = args.length;
  if (name === 'add') checkGrowth(target.length + 1);
  const indexOf = (value: Value): number => target.findIndex((item) => javaEquals(item, value));
  switch (`${name}/${arity}`) {
    case 'size/0':
    case 'getLength/0':
      return target.length;
    case 'isEmpty/0':
      return target.length === 0;
    case 'add/1':
      target.push(args[0]!);
      return true;
    case 'add/2':
      target.splice(listIndex(target, args[0], name, arity, true), 0, args[1]!);
      return null;
    case 'get/1':
      return target[listIndex(target, args[0], name, arity)]!;
    case 'set/2': {
      const index = listIndex(target, args[0], name, arity);
      const previous = target[index]!;
      target[index] = args[1]!;
      return previous;
    }
    case 'remove/1': {
      // List.remove(int) for an Integer argument, List.remove(Object) otherwise, as Java resolves it.
      if (typeof args[0] === 'number') return target.splice(listIndex(target, args[0], name, arity), 1)[0]!;
      const index = indexOf(args[0]!);
      if (index < 0) return false;
      target.splice(index, 1);
      return true;
    }
    case 'contains/1':
      return indexOf(args[0]!) >= 0;
    case 'indexOf/1':
      return indexOf(args[0]!);
    case 'lastIndexOf/1': {
      for (let index = target.length - 1; index >= 0; index--) if (javaEquals(target[index]!, args[0]!)) return index;
      return -1;
    }
    case 'addAll/1': {
      const items = iterate(args[0]!);
      checkGrowth(target.length + items.length);
      for (const item of [...items]) target.push(item);
      return items.length > 0;
    }
    case 'clear/0':
      target.length = 0;
      return null;
    case 'sort/1': {
      if (args[0] === null) {
        sortList(target);
        return null;
      }
      const compare = functionOf(args[0]);
      target.sort((left, right) => {
        const order = compare([left, right]);
        if (typeof order !== 'number') throw classCast(order, 'java.lang.Integer');
        return order;
      });
      return null;
    }
    case 'removeIf/1': {
      const test = functionOf(args[0]);
      const kept = target.filter((item) => !asBoolean(test([item])));
      const removed = kept.length !== target.length;
      target.length = 0;
      for (const item of kept) target.push(item);
      return removed;
    }
    case 'forEach/1': {
      const accept = functionOf(args[0]);
      for (const item of [...target]) accept([item]);
      return null;
    }
    case 'replaceAll/1': {
      const apply = functionOf(args[0]);
      for (let index = 0; index < target.length; index++) target[index] = apply([target[index]!]);
      return null;
    }
    case 'subList/2': {
      const from = intArg(args[0], target, name, arity);
      const to = intArg(args[1], target, name, arity);
      if (from < 0 || to > target.length || from > to) throw fault('index_out_of_bounds_exception', `fromIndex: ${from}, toIndex: ${to}, size: ${target.length}`);
      return target.slice(from, to);
    }
    case 'equals/1':
      return javaEquals(target, args[0]!);
    case 'toString/0':
      return javaString(target);
  }
  throw notFound(target, name, arity);
}

export function sortList(target: Value[]): void {
  // Array.prototype.sort is stable, as Java's List.sort (TimSort) is.
  target.sort(compareValues);
}

function mapMethod(target: Map<unknown, Value>, name: string, args: readonly Value[]): Value {
  const arity = args.length;
  switch (`${name}/${arity}`) {
    case 'get/1':
      return target.get(mapKey(args[0]!)) ?? null;
    case 'getOrDefault/2': {
      const key = mapKey(args[0]!);
      return target.has(key) ? target.get(key)! : args[1]!;
    }
    case 'put/2': {
      const key = mapKey(args[0]!);
      const previous = target.get(key) ?? null;
      target.set(key, args[1]!);
      checkGrowth(target.size);
      return previous;
    }
    case 'putIfAbsent/2': {
      const key = mapKey(args[0]!);
      const previous = target.get(key) ?? null;
      if (previous === null) target.set(key, args[1]!);
      return previous;
    }
    case 'putAll/1': {
      const other = args[0];
      if (!(other instanceof Map)) throw classCast(other ?? null, 'java.util.Map');
      for (const [key, value] of other) target.set(key, value);
      return null;
    }
    case 'containsKey/1':
      return target.has(mapKey(args[0]!));
    case 'forEach/1': {
      const accept = functionOf(args[0]);
      for (const [key, value] of [...target.entries()]) accept([key as Value, value]);
      return null;
    }
    case 'computeIfAbsent/2': {
      const key = mapKey(args[0]!);
      const existing = target.get(key) ?? null;
      if (existing !== null) return existing;
      const computed = functionOf(args[1])([args[0]!]);
      if (computed !== null) {
        target.set(key, computed);
        checkGrowth(target.size);
      }
      return computed;
    }
    case 'containsValue/1':
      return [...target.values()].some((value) => javaEquals(value, args[0]!));
    case 'remove/1': {
      const key = mapKey(args[0]!);
      const previous = target.get(key) ?? null;
      target.delete(key);
      return previous;
    }
    case 'keySet/0':
      return [...target.keys()] as Value[];
    case 'values/0':
      return [...target.values()];
    case 'entrySet/0':
      return [...target.entries()].map(([key, value]) => entryOf(target, key, value));
    case 'size/0':
      return target.size;
    case 'isEmpty/0':
      return target.size === 0;
    case 'clear/0':
      target.clear();
      return null;
    case 'equals/1':
      return javaEquals(target, args[0]!);
    case 'toString/0':
      return javaString(target);
  }
  throw notFound(target, name, arity);
}

/** The items a for-each loop visits: a list, an array, a map's entries are not iterable (as in Java). */
export function iterate(value: Value): Value[] {
  if (value === null) throw npe('Cannot iterate over a null value');
  if (Array.isArray(value)) return value;
  if (value instanceof JavaArray) return value.items;
  if (isObjectLike(value) && value.call !== undefined) {
    const items = value.call('toList', []);
    if (Array.isArray(items)) return items;
  }
  throw fault('illegal_argument_exception', `Cannot iterate over [${javaClassName(value)}]`);
}

// ---------------------------------------------------------------- static classes

const numberFormat = (text: string): Error => fault('number_format_exception', `For input string: "${text}"`);

function parseJavaInteger(text: Value, bits: 32 | 64, radix = 10): bigint {
  if (text === null) throw fault('number_format_exception', 'Cannot parse null string: null');
  const source = stringArg(text);
  const digits = radix === 16 ? /^[+-]?[0-9a-fA-F]+$/ : radix === 8 ? /^[+-]?[0-7]+$/ : radix === 2 ? /^[+-]?[01]+$/ : /^[+-]?\d+$/;
  if (!digits.test(source)) throw numberFormat(source);
  const negative = source.startsWith('-');
  const body = source.replace(/^[+-]/, '');
  const value = [...body].reduce((sum, digit) => sum * BigInt(radix) + BigInt(parseInt(digit, radix)), 0n) * (negative ? -1n : 1n);
  const max = bits === 32 ? 2147483647n : (1n << 63n) - 1n;
  if (value > max || value < -max - 1n) throw numberFormat(source);
  return value;
}

function parseJavaDouble(text: Value): number {
  if (text === null) throw npe('Cannot invoke "String.trim()" because "in" is null');
  const source = stringArg(text).trim();
  if (/^[+-]?(NaN|Infinity)$/.test(source)) return Number(source.replace(/^\+/, ''));
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(source)) throw numberFormat(stringArg(text));
  return Number(source.replace(/[fFdD]$/, ''));
}

const mathUnary: Record<string, (x: number) => number> = {
  sqrt: Math.sqrt, cbrt: Math.cbrt, log: Math.log, log10: Math.log10, log1p: Math.log1p, exp: Math.exp, expm1: Math.expm1,
  floor: Math.floor, ceil: Math.ceil, sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan,
  sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh, rint: (x) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x)),
  toRadians: (x) => (x / 180) * Math.PI, toDegrees: (x) => (x * 180) / Math.PI,
};

/** Java's Math.round: floor(x + 0.5), NaN to 0, saturating. */
function javaRound(value: Value): Value {
  if (value instanceof JFloat) return doubleToInt(Math.floor(value.v + 0.5));
  return doubleToLong(Math.floor(asNumber(value) + 0.5));
}

/** `Math.PI`, `Integer.MAX_VALUE` and the other static fields. */
export function staticField(className: string, name: string): Value | undefined {
  const fields: Record<string, Value> = {
    'Math.PI': makeDouble(Math.PI),
    'Math.E': makeDouble(Math.E),
    'Integer.MAX_VALUE': 2147483647,
    'Integer.MIN_VALUE': -2147483648,
    'Long.MAX_VALUE': (1n << 63n) - 1n,
    'Long.MIN_VALUE': -(1n << 63n),
    'Double.MAX_VALUE': makeDouble(Number.MAX_VALUE),
    'Double.MIN_VALUE': makeDouble(Number.MIN_VALUE),
    'Double.POSITIVE_INFINITY': makeDouble(Infinity),
    'Double.NEGATIVE_INFINITY': makeDouble(-Infinity),
    'Double.NaN': makeDouble(NaN),
    'Float.MAX_VALUE': makeFloat(3.4028234663852886e38),
  };
  return fields[`${className}.${name}`];
}

/** Whether `Class.name/arity` is on the allowlist (checked at compile time). */
export function hasStaticMethod(className: string, name: string, arity: number): boolean {
  const key = `${className}.${name}/${arity}`;
  if (className === 'Math') {
    if (name in mathUnary || name === 'abs' || name === 'signum' || name === 'round') return arity === 1;
    if (name === 'max' || name === 'min' || name === 'pow' || name === 'atan2' || name === 'hypot') return arity === 2;
    return name === 'random' && arity === 0;
  }
  return staticMethodKeys.has(key);
}

const staticMethodKeys = new Set([
  'Integer.parseInt/1', 'Integer.parseInt/2', 'Integer.valueOf/1', 'Integer.toString/1', 'Integer.compare/2', 'Integer.max/2', 'Integer.min/2', 'Integer.sum/2',
  'Long.parseLong/1', 'Long.valueOf/1', 'Long.toString/1', 'Long.compare/2', 'Long.max/2', 'Long.min/2', 'Long.sum/2',
  'Double.parseDouble/1', 'Double.valueOf/1', 'Double.toString/1', 'Double.compare/2', 'Double.isNaN/1', 'Double.isInfinite/1', 'Double.max/2', 'Double.min/2', 'Double.sum/2',
  'Float.parseFloat/1', 'Float.valueOf/1', 'Float.toString/1',
  'Boolean.parseBoolean/1', 'Boolean.valueOf/1', 'Boolean.toString/1',
  'String.valueOf/1', 'String.join/2', 'String.format/2',
  'Character.isDigit/1', 'Character.isLetter/1', 'Character.isWhitespace/1', 'Character.isUpperCase/1', 'Character.isLowerCase/1', 'Character.toUpperCase/1', 'Character.toLowerCase/1',
  'Collections.sort/1', 'Collections.reverse/1', 'Collections.max/1', 'Collections.min/1', 'Collections.emptyList/0', 'Collections.emptyMap/0', 'Collections.singletonList/1',
]);

/** Calls an allowlisted static method (hasStaticMethod said yes at compile time). */
export function callStatic(className: string, name: string, args: readonly Value[], random: () => number): Value {
  const [a, b] = args as [Value, Value];
  if (className === 'Math') {
    const unary = mathUnary[name];
    if (unary !== undefined) return makeDouble(unary(asNumber(a)));
    switch (name) {
      case 'abs': {
        const kind = numericKind(a);
        if (kind === 'int') return (a as number) === -2147483648 ? a : Math.abs(a as number);
        if (kind === 'long') return BigInt.asIntN(64, (a as bigint) < 0n ? -(a as bigint) : (a as bigint));
        if (kind === 'float') return makeFloat(Math.abs(asNumber(a)));
        return makeDouble(Math.abs(asNumber(a)));
      }
      case 'signum':
        return a instanceof JFloat ? makeFloat(Math.sign(a.v)) : makeDouble(Math.sign(asNumber(a)));
      case 'round':
        return javaRound(a);
      case 'max':
      case 'min': {
        const kind = promote(numericKindOrThrow(a), numericKindOrThrow(b));
        const pick = compareValues(a, b) >= 0 === (name === 'max') ? a : b;
        if (kind === 'double' || kind === 'float') {
          if (Number.isNaN(asNumber(a)) || Number.isNaN(asNumber(b))) return kind === 'double' ? makeDouble(NaN) : makeFloat(NaN);
          return kind === 'double' ? makeDouble(asNumber(pick)) : makeFloat(asNumber(pick));
        }
        return kind === 'long' ? asBigInt(pick) : pick;
      }
      case 'pow':
        return makeDouble(Math.pow(asNumber(a), asNumber(b)));
      case 'atan2':
        return makeDouble(Math.atan2(asNumber(a), asNumber(b)));
      case 'hypot':
        return makeDouble(Math.hypot(asNumber(a), asNumber(b)));
      case 'random':
        return makeDouble(random());
    }
  }
  switch (`${className}.${name}`) {
    case 'Integer.parseInt':
      return Number(parseJavaInteger(a, 32, args.length === 2 ? (b as number) : 10));
    case 'Integer.valueOf':
      return typeof a === 'number' ? a : Number(parseJavaInteger(a, 32));
    case 'Long.parseLong':
      return parseJavaInteger(a, 64);
    case 'Long.valueOf':
      return typeof a === 'bigint' ? a : typeof a === 'number' ? BigInt(a) : parseJavaInteger(a, 64);
    case 'Double.parseDouble':
      return makeDouble(parseJavaDouble(a));
    case 'Double.valueOf':
      return numericKind(a) !== undefined ? makeDouble(asNumber(a)) : makeDouble(parseJavaDouble(a));
    case 'Float.parseFloat':
    case 'Float.valueOf':
      return makeFloat(numericKind(a) !== undefined ? asNumber(a) : parseJavaDouble(a));
    case 'Boolean.parseBoolean':
    case 'Boolean.valueOf':
      return typeof a === 'boolean' ? a : typeof a === 'string' && a.toLowerCase() === 'true';
    case 'Integer.toString':
    case 'Long.toString':
    case 'Double.toString':
    case 'Float.toString':
    case 'Boolean.toString':
    case 'String.valueOf':
      return javaString(a);
    case 'Integer.compare':
    case 'Long.compare':
    case 'Double.compare':
      return Math.sign(compareValues(a, b));
    case 'Integer.max':
    case 'Long.max':
    case 'Double.max':
      return compareValues(a, b) >= 0 ? a : b;
    case 'Integer.min':
    case 'Long.min':
    case 'Double.min':
      return compareValues(a, b) <= 0 ? a : b;
    case 'Integer.sum':
      return ((a as number) + (b as number)) | 0;
    case 'Long.sum':
      return BigInt.asIntN(64, asBigInt(a) + asBigInt(b));
    case 'Double.sum':
      return makeDouble(asNumber(a) + asNumber(b));
    case 'Double.isNaN':
      return Number.isNaN(asNumber(a));
    case 'Double.isInfinite':
      return Math.abs(asNumber(a)) === Infinity;
    case 'String.join': {
      const delimiter = stringArg(a);
      return iterate(b).map((item) => javaString(item)).join(delimiter);
    }
    case 'String.format':
      throw fault('illegal_argument_exception', 'String.format is not supported by Strait\'s Painless subset');
    case 'Character.isDigit':
      return /^\d$/.test(charOf(a));
    case 'Character.isLetter':
      return /^\p{L}$/u.test(charOf(a));
    case 'Character.isWhitespace':
      return /^\s$/.test(charOf(a));
    case 'Character.isUpperCase':
      return /^\p{Lu}$/u.test(charOf(a));
    case 'Character.isLowerCase':
      return /^\p{Ll}$/u.test(charOf(a));
    case 'Character.toUpperCase':
      return new JChar(charOf(a).toUpperCase());
    case 'Character.toLowerCase':
      return new JChar(charOf(a).toLowerCase());
    case 'Collections.sort':
      sortList(listOf(a));
      return null;
    case 'Collections.reverse':
      listOf(a).reverse();
      return null;
    case 'Collections.max':
    case 'Collections.min': {
      const list = listOf(a);
      if (list.length === 0) throw fault('no_such_element_exception', 'No value present');
      return list.reduce((best, item) => (compareValues(item, best) * (name === 'max' ? 1 : -1) > 0 ? item : best));
    }
    case 'Collections.emptyList':
      return [];
    case 'Collections.emptyMap':
      return new Map();
    case 'Collections.singletonList':
      return [a];
  }
  throw fault('illegal_argument_exception', `unknown static method [${className}.${name}/${args.length}]`);
}

function numericKindOrThrow(value: Value): NonNullable<ReturnType<typeof numericKind>> {
  const kind = numericKind(value);
  if (kind === undefined) throw classCast(value, 'java.lang.Number');
  return kind;
}

function charOf(value: Value): string {
  if (value instanceof JChar) return value.c;
  if (typeof value === 'number') return String.fromCharCode(value);
  throw classCast(value, 'java.lang.Character');
}

function listOf(value: Value): Value[] {
  if (Array.isArray(value)) return value;
  throw classCast(value, 'java.util.List');
}
