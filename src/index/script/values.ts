/**
 * Painless values in JavaScript (pure). Java's numeric types matter to scripts (`5 / 2` is 2, an
 * `int` wraps at 2^31, `"a" + 1.0` is "a1.0"), so each keeps its own representation:
 * - `int` (also byte, short): a JS number holding a 32-bit integer;
 * - `long`: a bigint wrapped to 64 bits;
 * - `double`: a `JDouble` box, `float`: a `JFloat` box (rounded with Math.fround);
 * - `char`: a `JChar` box; `String`: a JS string; `boolean`; `null`;
 * - `List`: a JS array; `Map`: a JS Map (insertion order, as the LinkedHashMap JSON sources become).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/painless/current/painless-types.html
 */
import { errors } from '../../common/errors.js';
import { limits } from '../../common/limits.js';
import { isWholeDouble } from './json-doubles.js';

export class JDouble {
  constructor(readonly v: number) {}
}
export class JFloat {
  constructor(readonly v: number) {}
}
export class JChar {
  constructor(readonly c: string) {}
}

/** What a def value holds at run time; `Value` is deliberately open (arrays and maps nest). */
export type Value = null | boolean | number | bigint | JDouble | JFloat | JChar | string | Value[] | Map<unknown, Value> | JavaArray | ScriptObject;

/** A Java array (`new int[3]`, `int[] a`): fixed length, typed elements. */
export class JavaArray {
  constructor(readonly elementType: string, readonly items: Value[]) {}
}

/** Objects the host hands to scripts (doc values, the ctx map, a map entry): each names its Java type. */
export interface ScriptObject {
  readonly javaType: string;
  field?(name: string): Value;
  setField?(name: string, value: Value): void;
  call?(name: string, args: readonly Value[]): Value;
}

/** A lambda (`x -> x * 2`): a function value the list and map methods call (removeIf, sort, forEach...). */
export class JLambda implements ScriptObject {
  readonly javaType = 'java.util.function.Function';
  constructor(
    readonly arity: number,
    readonly invoke: (args: readonly Value[]) => Value,
  ) {}
  call(name: string, args: readonly Value[]): Value {
    if (['apply', 'test', 'accept', 'compare', 'get', 'applyAsInt', 'applyAsLong', 'applyAsDouble'].includes(name)) return this.invoke(args);
    throw new JavaFault('illegal_argument_exception', `dynamic method [${this.javaType}, ${name}/${args.length}] not found`);
  }
}

/** A Java exception a script raised (or the runtime raised for it); the offset is added by the closure that saw it. */
export class JavaFault extends Error {
  offset: number | undefined;
  constructor(readonly esType: string, reason: string) {
    super(reason);
    this.name = 'JavaFault';
  }
}

export const fault = (esType: string, reason: string): JavaFault => new JavaFault(esType, reason);
export const npe = (reason: string): JavaFault => fault('null_pointer_exception', reason);
export const classCast = (from: Value, to: string): JavaFault =>
  fault('class_cast_exception', `Cannot cast ${javaClassName(from)} to ${to}`);

export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

export const toInt = (value: number): number => value | 0;
export const toLong = (value: bigint): bigint => BigInt.asIntN(64, value);

export function isObjectLike(value: unknown): value is ScriptObject {
  return typeof value === 'object' && value !== null && 'javaType' in value && typeof (value as ScriptObject).javaType === 'string';
}

/** Java's class name for a value, as exceptions and `getClass()` name it. */
export function javaClassName(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (typeof value === 'number') return 'java.lang.Integer';
  if (typeof value === 'bigint') return 'java.lang.Long';
  if (typeof value === 'string') return 'java.lang.String';
  if (value instanceof JDouble) return 'java.lang.Double';
  if (value instanceof JFloat) return 'java.lang.Float';
  if (value instanceof JChar) return 'java.lang.Character';
  if (Array.isArray(value)) return 'java.util.ArrayList';
  if (value instanceof Map) return 'java.util.HashMap';
  if (value instanceof JavaArray) return `${value.elementType}[]`;
  return value.javaType;
}

export type NumericKind = 'int' | 'long' | 'float' | 'double';

export function numericKind(value: Value): NumericKind | undefined {
  if (typeof value === 'number') return 'int';
  if (typeof value === 'bigint') return 'long';
  if (value instanceof JDouble) return 'double';
  if (value instanceof JFloat) return 'float';
  if (value instanceof JChar) return 'int';
  return undefined;
}

export function isNumeric(value: Value): boolean {
  return numericKind(value) !== undefined;
}

/** The value as a JS number (for doubles, comparisons and Math). */
export function asNumber(value: Value): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof JDouble || value instanceof JFloat) return value.v;
  if (value instanceof JChar) return value.c.charCodeAt(0);
  throw classCast(value, 'java.lang.Number');
}

export function asBigInt(value: Value): bigint {
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'bigint') return value;
  if (value instanceof JDouble || value instanceof JFloat) return doubleToLong(value.v);
  if (value instanceof JChar) return BigInt(value.c.charCodeAt(0));
  throw classCast(value, 'java.lang.Number');
}

/** Java's (long) cast of a double: NaN is 0, out of range saturates. */
export function doubleToLong(value: number): bigint {
  if (Number.isNaN(value)) return 0n;
  if (value >= 9.223372036854776e18) return LONG_MAX;
  if (value <= -9.223372036854776e18) return LONG_MIN;
  return BigInt(Math.trunc(value));
}

/** Java's (int) cast of a double: NaN is 0, out of range saturates. */
export function doubleToInt(value: number): number {
  if (Number.isNaN(value)) return 0;
  if (value >= INT_MAX) return INT_MAX;
  if (value <= INT_MIN) return INT_MIN;
  return Math.trunc(value);
}

export const makeDouble = (value: number): JDouble => new JDouble(value);
export const makeFloat = (value: number): JFloat => new JFloat(Math.fround(value));

/** A number of the given kind. */
export function numberOf(kind: NumericKind, value: number | bigint): Value {
  switch (kind) {
    case 'int':
      return typeof value === 'bigint' ? Number(BigInt.asIntN(32, value)) : toInt(value);
    case 'long':
      return typeof value === 'bigint' ? toLong(value) : toLong(BigInt(Math.trunc(value)));
    case 'float':
      return makeFloat(Number(value));
    case 'double':
      return makeDouble(Number(value));
  }
}

const kindRank: Record<NumericKind, number> = { int: 0, long: 1, float: 2, double: 3 };

/** Java's binary numeric promotion. */
export function promote(a: NumericKind, b: NumericKind): NumericKind {
  return kindRank[a] >= kindRank[b] ? a : b;
}

/** Java's Double.toString (shortest repr, with `.0` and `E` notation outside [1e-3, 1e7)). */
export function javaDoubleString(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${digits}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

/** Java's String.valueOf for any value (string concatenation, `toString()`). */
export function javaString(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof JDouble) return javaDoubleString(value.v);
  if (value instanceof JFloat) return javaDoubleString(Number(value.v.toPrecision(9)) === value.v ? value.v : Number(value.v.toPrecision(8)));
  if (value instanceof JChar) return value.c;
  if (Array.isArray(value)) return `[${value.map(javaString).join(', ')}]`;
  if (value instanceof Map) return `{${[...value.entries()].map(([k, v]) => `${javaString(k as Value)}=${javaString(v)}`).join(', ')}}`;
  if (value instanceof JavaArray) return `[${value.elementType}@array`;
  const described = value.call?.('toString', []);
  return typeof described === 'string' ? described : value.javaType;
}

/** Java's Object.equals, as `==` uses it in Painless (numbers compare by value across kinds). */
export function javaEquals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const ka = numericKind(a);
  const kb = numericKind(b);
  if (ka !== undefined && kb !== undefined) {
    if (a instanceof JChar && b instanceof JChar) return a.c === b.c;
    const kind = promote(ka, kb);
    if (kind === 'long' || kind === 'int') return asBigInt(a) === asBigInt(b);
    return asNumber(a) === asNumber(b);
  }
  if (a instanceof JChar && typeof b === 'string') return a.c === b;
  if (b instanceof JChar && typeof a === 'string') return b.c === a;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => javaEquals(item, b[index]!));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [key, item] of a) {
      if (!b.has(key) || !javaEquals(item, b.get(key)!)) return false;
    }
    return true;
  }
  return false;
}

/** A JS primitive key for a Map (numbers of any kind equal by value, as Java's boxed keys mostly are). */
export function mapKey(value: Value): unknown {
  if (typeof value === 'string' || value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return value;
  if (value instanceof JChar) return value.c;
  return value;
}

/** Turns parsed JSON into script values: integers that fit are int, larger ones long, others double. */
export function fromJson(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (value instanceof JDouble) return value; // a whole number written as a double (json-doubles.ts)
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      if (value >= INT_MIN && value <= INT_MAX) return value;
      if (Number.isSafeInteger(value)) return BigInt(value);
    }
    return makeDouble(value);
  }
  if (Array.isArray(value)) return value.map((item, index) => (typeof item === 'number' && isWholeDouble(value, index) ? makeDouble(item) : fromJson(item)));
  if (typeof value === 'object') {
    const map = new Map<unknown, Value>();
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) map.set(key, typeof item === 'number' && isWholeDouble(value, key) ? makeDouble(item) : fromJson(item));
    return map;
  }
  return null;
}

/**
 * Turns script values back into JSON (what `_source` and responses hold). A list or map that
 * contains itself cannot be written: Elasticsearch's 400 for it.
 */
export function toJson(value: Value): unknown {
  return toJsonWithin(value, new Set());
}

function toJsonWithin(value: Value, open: Set<unknown>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof JDouble) return Number.isFinite(value.v) ? value.v : javaDoubleString(value.v);
  if (value instanceof JFloat) return Number.isFinite(value.v) ? Number(javaString(value)) : javaDoubleString(value.v);
  if (value instanceof JChar) return value.c;
  if (open.has(value)) throw errors.illegalArgument('Iterable object is self-referencing itself');
  // `open` holds the lists and maps around this one: a script can nest them deeper than any JSON
  // body may (and deeper than this walk's stack), so the body's limit applies on the way out too.
  if (open.size >= limits.jsonNestingDepthMax) {
    throw errors.illegalArgument(`Document nesting depth (${open.size + 1}) exceeds the maximum allowed (${limits.jsonNestingDepthMax})`);
  }
  open.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => toJsonWithin(item, open));
    if (value instanceof JavaArray) return value.items.map((item) => toJsonWithin(item, open));
    if (value instanceof Map) {
      const object: Record<string, unknown> = {};
      for (const [key, item] of value) object[javaString(key as Value)] = toJsonWithin(item, open);
      return object;
    }
    const json = value.call?.('toJson', []);
    return json === undefined ? value.javaType : toJsonWithin(json, open);
  } finally {
    open.delete(value);
  }
}

/** Java type names scripts may declare, cast to or test with instanceof, with the Java class they stand for. */
export const typeNames: ReadonlyMap<string, string> = new Map([
  ['def', 'java.lang.Object'],
  ['Object', 'java.lang.Object'],
  ['int', 'int'],
  ['long', 'long'],
  ['short', 'short'],
  ['byte', 'byte'],
  ['char', 'char'],
  ['float', 'float'],
  ['double', 'double'],
  ['boolean', 'boolean'],
  ['Integer', 'java.lang.Integer'],
  ['Long', 'java.lang.Long'],
  ['Short', 'java.lang.Short'],
  ['Byte', 'java.lang.Byte'],
  ['Character', 'java.lang.Character'],
  ['Float', 'java.lang.Float'],
  ['Double', 'java.lang.Double'],
  ['Boolean', 'java.lang.Boolean'],
  ['Number', 'java.lang.Number'],
  ['String', 'java.lang.String'],
  ['CharSequence', 'java.lang.CharSequence'],
  ['List', 'java.util.List'],
  ['ArrayList', 'java.util.ArrayList'],
  ['Collection', 'java.util.Collection'],
  ['Map', 'java.util.Map'],
  ['HashMap', 'java.util.HashMap'],
  ['LinkedHashMap', 'java.util.LinkedHashMap'],
  ['Set', 'java.util.Set'],
  ['HashSet', 'java.util.HashSet'],
  ['StringBuilder', 'java.lang.StringBuilder'],
  // Functional interfaces: what lambdas are, as function parameters declare them.
  ['Supplier', 'java.util.function.Supplier'],
  ['Function', 'java.util.function.Function'],
  ['BiFunction', 'java.util.function.BiFunction'],
  ['Predicate', 'java.util.function.Predicate'],
  ['Consumer', 'java.util.function.Consumer'],
  ['BiConsumer', 'java.util.function.BiConsumer'],
  ['Comparator', 'java.util.Comparator'],
]);

const functionalTypes = new Set(['Supplier', 'Function', 'BiFunction', 'Predicate', 'Consumer', 'BiConsumer', 'Comparator']);

/** Whether `value` is an instance of the Painless type `type` (arrays: `int[]`). */
export function isInstance(value: Value, type: string): boolean {
  if (value === null) return false;
  if (type.endsWith('[]')) return value instanceof JavaArray && (type === 'def[]' || `${value.elementType}[]` === type);
  switch (type) {
    case 'def':
    case 'Object':
      return true;
    case 'int':
    case 'Integer':
      return typeof value === 'number';
    case 'long':
    case 'Long':
      return typeof value === 'bigint';
    case 'double':
    case 'Double':
      return value instanceof JDouble;
    case 'float':
    case 'Float':
      return value instanceof JFloat;
    case 'char':
    case 'Character':
      return value instanceof JChar;
    case 'boolean':
    case 'Boolean':
      return typeof value === 'boolean';
    case 'Number':
      return typeof value === 'number' || typeof value === 'bigint' || value instanceof JDouble || value instanceof JFloat;
    case 'String':
    case 'CharSequence':
      return typeof value === 'string';
    case 'List':
    case 'ArrayList':
    case 'Collection':
      return Array.isArray(value);
    case 'Map':
    case 'HashMap':
    case 'LinkedHashMap':
      return value instanceof Map;
    default:
      if (functionalTypes.has(type)) return value instanceof JLambda;
      return isObjectLike(value) && value.javaType.endsWith(`.${type}`);
  }
}

/**
 * Conversion to a declared or cast type. `explicit` allows narrowing (a cast); without it only
 * Java's widening conversions and unboxing are allowed, as an assignment to a typed local.
 */
export function convert(value: Value, type: string, explicit: boolean): Value {
  if (type === 'def' || type === 'Object') return value;
  const kind = numericKind(value);
  const primitive = ['int', 'long', 'short', 'byte', 'char', 'float', 'double'].includes(type);
  if (value === null) {
    if (primitive || type === 'boolean') throw classCast(value, type);
    return null;
  }
  if (primitive) {
    if (kind === undefined) {
      if (explicit && typeof value === 'string' && value.length === 1 && type === 'char') return new JChar(value);
      throw classCast(value, boxedName(type));
    }
    const widening: Record<string, readonly NumericKind[]> = {
      int: ['int'],
      long: ['int', 'long'],
      float: ['int', 'long', 'float'],
      double: ['int', 'long', 'float', 'double'],
      short: [],
      byte: [],
      char: [],
    };
    if (!explicit && !(widening[type] ?? []).includes(kind)) {
      if (!(value instanceof JChar && type === 'char') && !(value instanceof JChar && (type === 'int' || type === 'long' || type === 'float' || type === 'double'))) {
        throw classCast(value, boxedName(type));
      }
    }
    switch (type) {
      case 'int':
        if (value instanceof JChar) return value.c.charCodeAt(0);
        return kind === 'long' ? Number(BigInt.asIntN(32, value as bigint)) : kind === 'int' ? value : doubleToInt(asNumber(value));
      case 'short':
        return kind === 'long' ? Number(BigInt.asIntN(16, value as bigint)) : (toIntOf(value, kind) << 16) >> 16;
      case 'byte':
        return kind === 'long' ? Number(BigInt.asIntN(8, value as bigint)) : (toIntOf(value, kind) << 24) >> 24;
      case 'char':
        if (value instanceof JChar) return value;
        return new JChar(String.fromCharCode(toIntOf(value, kind) & 0xffff));
      case 'long':
        return kind === 'int' || kind === 'long' ? asBigInt(value) : doubleToLong(asNumber(value));
      case 'float':
        return makeFloat(asNumber(value));
      default:
        return makeDouble(asNumber(value));
    }
  }
  if (!isInstance(value, type)) {
    // Boxed numeric types accept the same widening as their primitives when explicit.
    if (explicit && kind !== undefined && ['Integer', 'Long', 'Double', 'Float', 'Short', 'Byte'].includes(type)) {
      return convert(value, unboxedName(type), true);
    }
    throw classCast(value, typeNames.get(type.replace(/\[\]$/, '')) ?? type);
  }
  return value;
}

function toIntOf(value: Value, kind: NumericKind | undefined): number {
  if (kind === 'int') return value instanceof JChar ? value.c.charCodeAt(0) : (value as number);
  return doubleToInt(asNumber(value));
}

const boxedName = (type: string): string =>
  ({ int: 'java.lang.Integer', long: 'java.lang.Long', short: 'java.lang.Short', byte: 'java.lang.Byte', char: 'java.lang.Character', float: 'java.lang.Float', double: 'java.lang.Double', boolean: 'java.lang.Boolean' })[type] ?? type;
const unboxedName = (type: string): string =>
  ({ Integer: 'int', Long: 'long', Short: 'short', Byte: 'byte', Double: 'double', Float: 'float' })[type] ?? type;

/** The default value of a declared local with no initializer. */
export function defaultValue(type: string): Value {
  switch (type) {
    case 'int':
    case 'short':
    case 'byte':
      return 0;
    case 'long':
      return 0n;
    case 'float':
      return makeFloat(0);
    case 'double':
      return makeDouble(0);
    case 'boolean':
      return false;
    case 'char':
      return new JChar('\u0000');
    default:
      return null;
  }
}

/** Painless truthiness is strict: conditions must be booleans. */
export function asBoolean(value: Value): boolean {
  if (typeof value === 'boolean') return value;
  throw classCast(value, 'java.lang.Boolean');
}

/**
 * `params` with `_source` read only when a script asks for it (`params._source`, `params['_source']`),
 * so scripts that do not look at the source cost no JSON parse per document.
 */
export class ParamsWithSource extends Map<unknown, Value> {
  private loaded = false;
  constructor(
    params: Map<unknown, Value>,
    private readonly source: () => unknown,
  ) {
    super(params);
  }
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    super.set('_source', fromJson(this.source()));
  }
  override get(key: unknown): Value | undefined {
    if (key === '_source') this.load();
    return super.get(key);
  }
  override has(key: unknown): boolean {
    if (key === '_source') this.load();
    return super.has(key);
  }
  override entries(): MapIterator<[unknown, Value]> {
    this.load();
    return super.entries();
  }
  override [Symbol.iterator](): MapIterator<[unknown, Value]> {
    this.load();
    return super[Symbol.iterator]();
  }
  override keys(): MapIterator<unknown> {
    this.load();
    return super.keys();
  }
  override values(): MapIterator<Value> {
    this.load();
    return super.values();
  }
  override forEach(callback: (value: Value, key: unknown, map: Map<unknown, Value>) => void): void {
    this.load();
    super.forEach(callback);
  }
  override get size(): number {
    this.load();
    return super.size;
  }
}
