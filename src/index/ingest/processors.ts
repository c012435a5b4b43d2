/**
 * The processor types (pure): each factory reads its options once, when the pipeline is parsed,
 * and returns what it does to a document. Messages are Elasticsearch's (they name Java types).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/processors.html
 */
import { isIP } from 'node:net';
import { checkJsonNestingDepth, errors } from '../../common/index.js';
import { castError, deepCopy, IngestDocument, isPlainObject, javaTypeName, type IngestMap } from './document.js';
import { checkTimeZone, compileDateFormat, dateIndexNameExpression, formatWithPattern, isDateRounding, type DateParser } from './dates.js';
import { compileGrok, grokPatternBank, matchGrok, type CompiledGrok } from './grok.js';
import { compileScript, parseScriptSpec, runIngestScript } from '../script/index.js';
import { runNestedProcessor, scriptClock, type ProcessorBody, type ProcessorConfig, type ProcessorFactory } from './pipeline.js';
import { compileTemplate, compileValue, renderTemplate, type Template } from './template.js';
import { userAgentFactory } from './user-agent.js';

/** Java's `Object.toString()` of a JSON value, as messages and `join` show it. */
function javaString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(javaString).join(', ')}]`;
  return `{${Object.entries(value as IngestMap).map(([key, item]) => `${key}=${javaString(item)}`).join(', ')}}`;
}

/** A field option that may hold a template (`{{...}}`), as set, append, remove and rename allow. */
function templatedField(config: ProcessorConfig, name: string): (document: IngestDocument) => string {
  const template = compileTemplate(config.string(name));
  return (document) => renderTemplate(template, document);
}

// ---------------------------------------------------------------- string processors

/**
 * Elasticsearch's AbstractStringProcessor: a string field (or a list of strings) is changed into
 * `target_field` (default: the field itself).
 */
/**
 * The value of `field` a processor works on: undefined (skip the document) when it is missing or
 * null under `ignore_missing`; otherwise a missing field throws as `get` does, and a null one
 * throws `nullMessage` (each processor words its own).
 */
function fieldToProcess(document: IngestDocument, field: string, ignoreMissing: boolean, nullMessage: string): {} | undefined {
  const value = ignoreMissing ? document.getOptional(field) : document.get(field);
  if ((value === undefined || value === null) && ignoreMissing) return undefined;
  if (value === undefined || value === null) throw errors.illegalArgument(nullMessage);
  return value;
}

function stringProcessor(change: (value: string) => string): ProcessorFactory {
  return (config) => stringBody(config, change);
}

function stringBody(config: ProcessorConfig, apply: (value: string) => unknown): ProcessorBody {
  const field = config.string('field');
  const ignoreMissing = config.boolean('ignore_missing', false);
  const targetField = config.string('target_field', field);
  return (document) => {
    const value = fieldToProcess(document, field, ignoreMissing, `field [${field}] is null, cannot process it.`);
    if (value === undefined) return;
    if (Array.isArray(value)) {
      const changed = value.map((item) => {
        if (typeof item !== 'string') throw errors.illegalArgument(`value [${javaString(item)}] of type [${javaTypeName(item)}] in list field [${field}] cannot be cast to [java.lang.String]`);
        return apply(item);
      });
      document.set(targetField, changed);
      return;
    }
    if (typeof value !== 'string') throw castError(field, value, 'java.lang.String');
    document.set(targetField, apply(value));
  };
}

function urlDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw errors.illegalArgument(`URLDecoder: Illegal hex characters in escape (%) pattern in [${value}]`);
  }
}

/** Java regular expressions are close to JavaScript's; a pattern JavaScript refuses is a configuration error. */
function compileRegex(config: ProcessorConfig, property: string, pattern: string, flags = ''): RegExp {
  try {
    return new RegExp(pattern.replace(/\(\?>/g, '(?:'), flags);
  } catch (error) {
    throw config.error(property, `Invalid regex pattern. ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A Java replacement string (`$1`, `${name}`, `\$`) as JavaScript's replace understands it. */
function javaReplacement(replacement: string): string {
  let output = '';
  for (let position = 0; position < replacement.length; position++) {
    const character = replacement[position]!;
    if (character === '\\' && position + 1 < replacement.length) {
      const next = replacement[++position]!;
      output += next === '$' ? '$$' : next;
    } else if (character === '$' && replacement[position + 1] === '{') {
      const end = replacement.indexOf('}', position);
      output += `$<${replacement.slice(position + 2, end)}>`;
      position = end;
    } else {
      output += character;
    }
  }
  return output;
}

/**
 * Java's String.split(regex, limit): no capture groups in the output; limit 0 drops trailing empty
 * strings. A global `separator` (what the processors compile) is used as it is, from its start.
 */
export function javaSplit(text: string, separator: RegExp, preserveTrailing: boolean, limit = 0): string[] {
  const global = separator.global ? separator : new RegExp(separator.source, `${separator.flags}g`);
  global.lastIndex = 0;
  const parts: string[] = [];
  let start = 0;
  for (let match = global.exec(text); match !== null; match = global.exec(text)) {
    if (match[0].length === 0) {
      if (match.index >= text.length) break;
      if (match.index === 0) {
        global.lastIndex += 1;
        continue;
      }
      parts.push(text.slice(start, match.index));
      start = match.index;
      global.lastIndex += 1;
    } else {
      parts.push(text.slice(start, match.index));
      start = match.index + match[0].length;
    }
    if (limit > 0 && parts.length === limit - 1) break;
  }
  parts.push(text.slice(start));
  if (!preserveTrailing && limit === 0) while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (!preserveTrailing && limit === 0 && parts.length === 1 && parts[0] === '' && text !== '') return [];
  return parts;
}

// ---------------------------------------------------------------- convert

type ConvertType = 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'string' | 'ip' | 'auto';
const convertTypes = new Set<string>(['integer', 'long', 'float', 'double', 'boolean', 'string', 'ip', 'auto']);
const integerMax = 2 ** 31 - 1;

function parseJavaInteger(text: string, bits: 32 | 64): number | undefined {
  let value: number;
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) value = (text.startsWith('-') ? -1 : 1) * Number.parseInt(text.replace(/^[+-]?0[xX]/, ''), 16);
  else if (/^[+-]?\d+$/.test(text)) value = Number(text);
  else return undefined;
  if (bits === 32 && (value > integerMax || value < -integerMax - 1)) return undefined;
  if (bits === 64 && !Number.isSafeInteger(value)) return undefined;
  return value;
}

function parseJavaDouble(text: string): number | undefined {
  const trimmed = text.trim().replace(/[dDfF]$/, '');
  if (trimmed === '' || !/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

/** The shortest decimal that reads back as the same 32-bit float (what Java's Float.toString prints). */
function asFloat(value: number): number {
  const float = Math.fround(value);
  if (!Number.isFinite(float)) return float;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(float.toPrecision(digits));
    if (Math.fround(candidate) === float) return candidate;
  }
  return float;
}

function convertValue(value: unknown, type: ConvertType): unknown {
  const text = javaString(value);
  switch (type) {
    case 'integer':
    case 'long': {
      const number = parseJavaInteger(text, type === 'integer' ? 32 : 64);
      if (number === undefined) throw errors.illegalArgument(`unable to convert [${text}] to ${type}`);
      return number;
    }
    case 'float':
    case 'double': {
      const number = parseJavaDouble(text);
      if (number === undefined) throw errors.illegalArgument(`unable to convert [${text}] to ${type}`);
      return type === 'float' ? asFloat(number) : number;
    }
    case 'boolean': {
      if (text.toLowerCase() === 'true') return true;
      if (text.toLowerCase() === 'false') return false;
      throw errors.illegalArgument(`[${text}] is not a boolean value, cannot convert to boolean`);
    }
    case 'string':
      return text;
    case 'ip':
      if (isIP(text) === 0) throw errors.illegalArgument(`'${text}' is not an IP string literal.`);
      return text;
    case 'auto': {
      if (typeof value !== 'string') return value;
      const integer = parseJavaInteger(value, 64);
      if (integer !== undefined) return integer;
      // Elasticsearch's auto tries float before double.
      const double = parseJavaDouble(value);
      if (double !== undefined) return asFloat(double);
      if (value.toLowerCase() === 'true') return true;
      if (value.toLowerCase() === 'false') return false;
      return value;
    }
  }
}

// ---------------------------------------------------------------- dissect

interface DissectKey {
  readonly name: string;
  readonly modifier: 'none' | 'append' | 'skip' | 'reference_key' | 'reference_value';
  readonly rightPadding: boolean;
  readonly order: number;
  readonly delimiter: string;
}

interface DissectPattern {
  readonly prefix: string;
  readonly keys: readonly DissectKey[];
}

function parseDissect(config: ProcessorConfig, pattern: string): DissectPattern {
  const keyPattern = /%\{([^}]*)\}/g;
  const first = pattern.indexOf('%{');
  if (first < 0) throw config.error('pattern', `Unable to find any keys or delimiters for pattern [${pattern}]`);
  const keys: DissectKey[] = [];
  const matches = [...pattern.matchAll(keyPattern)];
  matches.forEach((match, position) => {
    const end = match.index + match[0].length;
    const next = matches[position + 1]?.index ?? pattern.length;
    let body = match[1]!;
    let rightPadding = false;
    if (body.endsWith('->')) (rightPadding = true), (body = body.slice(0, -2));
    let modifier: DissectKey['modifier'] = 'none';
    if (body.startsWith('+')) (modifier = 'append'), (body = body.slice(1));
    else if (body.startsWith('?')) (modifier = 'skip'), (body = body.slice(1));
    else if (body.startsWith('*')) (modifier = 'reference_key'), (body = body.slice(1));
    else if (body.startsWith('&')) (modifier = 'reference_value'), (body = body.slice(1));
    let order = 0;
    const ordinal = /^(.*)\/(\d+)$/.exec(body);
    if (ordinal !== null && modifier === 'append') (body = ordinal[1]!), (order = Number(ordinal[2]));
    if (body === '') modifier = 'skip';
    keys.push({ name: body, modifier, rightPadding, order, delimiter: pattern.slice(end, next) });
  });
  const referenceKeys = new Set(keys.filter((key) => key.modifier === 'reference_key').map((key) => key.name));
  const referenceValues = new Set(keys.filter((key) => key.modifier === 'reference_value').map((key) => key.name));
  for (const name of referenceKeys) {
    if (!referenceValues.has(name)) throw config.error('pattern', `Unable to parse pattern [${pattern}]: the reference key [*${name}] has no reference value [&${name}]`);
  }
  return { prefix: pattern.slice(0, first), keys };
}

/** Splits `text` along the pattern's delimiters; undefined when a delimiter is not found. */
function dissect(pattern: DissectPattern, text: string, appendSeparator: string): Map<string, string> | undefined {
  if (!text.startsWith(pattern.prefix)) return undefined;
  let position = pattern.prefix.length;
  const values: { key: DissectKey; value: string }[] = [];
  for (let index = 0; index < pattern.keys.length; index++) {
    const key = pattern.keys[index]!;
    let value: string;
    if (key.delimiter === '') {
      if (index === pattern.keys.length - 1) {
        value = text.slice(position);
        position = text.length;
      } else {
        value = '';
      }
    } else {
      const found = text.indexOf(key.delimiter, position);
      if (found < 0) return undefined;
      value = text.slice(position, found);
      position = found + key.delimiter.length;
      if (key.rightPadding) while (text.startsWith(key.delimiter, position)) position += key.delimiter.length;
    }
    values.push({ key, value });
  }
  const last = pattern.keys[pattern.keys.length - 1];
  if (last !== undefined && last.delimiter !== '' && position < text.length) {
    // Text after the final delimiter belongs to no key: Elasticsearch appends it to the last value.
    values[values.length - 1]!.value += text.slice(position - last.delimiter.length);
  }
  const results = new Map<string, string>();
  const appended = new Map<string, { order: number; position: number; value: string }[]>();
  const referenceKeys = new Map<string, string>();
  const referenceValues = new Map<string, string>();
  values.forEach(({ key, value }, position) => {
    switch (key.modifier) {
      case 'skip':
        return;
      case 'append': {
        const list = appended.get(key.name) ?? [];
        list.push({ order: key.order, position, value });
        appended.set(key.name, list);
        return;
      }
      case 'reference_key':
        referenceKeys.set(key.name, value);
        return;
      case 'reference_value':
        referenceValues.set(key.name, value);
        return;
      case 'none':
        results.set(key.name, value);
    }
  });
  for (const [name, list] of appended) {
    list.sort((left, right) => left.order - right.order || left.position - right.position);
    results.set(name, list.map((item) => item.value).join(appendSeparator));
  }
  for (const [name, keyName] of referenceKeys) results.set(keyName, referenceValues.get(name) ?? '');
  return results;
}

// ---------------------------------------------------------------- kv

function trimCharacters(text: string, characters: string | undefined): string {
  if (characters === undefined || characters === '') return text;
  let start = 0;
  let end = text.length;
  while (start < end && characters.includes(text[start]!)) start++;
  while (end > start && characters.includes(text[end - 1]!)) end--;
  return text.slice(start, end);
}

function stripBrackets(text: string): string {
  const pairs: Record<string, string> = { '(': ')', '<': '>', '[': ']', '"': '"', "'": "'" };
  const closing = pairs[text[0] ?? ''];
  if (closing !== undefined && text.length >= 2 && text.endsWith(closing)) return text.slice(1, -1);
  return text;
}

// ---------------------------------------------------------------- the registry

const dateOutputDefault = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

/** A processor's date formats, each compiled once when the pipeline is parsed. */
interface DateFormats {
  readonly names: readonly string[];
  readonly parsers: readonly DateParser[];
}

function parseDateWithFormats(value: string, formats: DateFormats, timeZone: string, nowMs: number): number {
  const defaultYear = new Date(nowMs).getUTCFullYear();
  for (const parse of formats.parsers) {
    const parsed = parse(value, timeZone, defaultYear);
    if (parsed !== undefined && Number.isFinite(parsed)) return parsed;
  }
  throw errors.illegalArgumentCausedBy(`unable to parse date [${value}]`, errors.illegalArgument(`failed to parse date field [${value}] with formats [${formats.names.join(', ')}]`));
}

/** How the date and date_index_name processors read `field`: its text parsed by the first of `formats` that fits, in the rendered (and checked) `timezone`. */
function documentDate(document: IngestDocument, field: string, timeZone: Template, formats: DateFormats, nowMs: number): { utcMs: number; zone: string } {
  const value = document.get(field);
  const zone = renderTemplate(timeZone, document);
  checkTimeZone(zone);
  return { utcMs: parseDateWithFormats(javaString(value), formats, zone, nowMs), zone };
}

function checkDateFormats(config: ProcessorConfig, property: string, formats: readonly string[]): void {
  for (const format of formats) {
    try {
      if (!['ISO8601', 'UNIX', 'UNIX_MS', 'TAI64N'].includes(format) && !/^[a-z_]+$/.test(format)) formatWithPattern(0, format, 'UTC');
    } catch (error) {
      throw config.error(property, `Invalid format: [${format}]: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Checks the formats, then compiles them for the processor's body. */
function dateFormats(config: ProcessorConfig, property: string, names: readonly string[]): DateFormats {
  checkDateFormats(config, property, names);
  try {
    return { names, parsers: names.map(compileDateFormat) };
  } catch (error) {
    throw config.error(property, `Invalid format: [${names.join(', ')}]: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const setFactory: ProcessorFactory = (config) => {
  const field = templatedField(config, 'field');
  const hasValue = config.has('value');
  const hasCopyFrom = config.has('copy_from');
  if (hasValue && hasCopyFrom) throw config.error('copy_from', 'cannot set both `copy_from` and `value` in the same processor');
  const copyFrom = hasCopyFrom ? config.string('copy_from') : undefined;
  const value = copyFrom === undefined ? compileValue(config.required('value')) : undefined;
  if (copyFrom === undefined) config.optional('value');
  const override = config.boolean('override', true);
  const ignoreEmptyValue = config.boolean('ignore_empty_value', false);
  const mediaType = config.string('media_type', 'application/json');
  if (!['application/json', 'text/plain', 'application/x-www-form-urlencoded'].includes(mediaType)) throw config.error('media_type', `property does not contain a supported media type [${mediaType}]`);
  return (document) => {
    const path = field(document);
    let next: unknown;
    if (copyFrom !== undefined) {
      if (ignoreEmptyValue && !document.has(copyFrom)) return;
      next = deepCopy(document.get(copyFrom));
    } else {
      next = value!(document);
    }
    if (ignoreEmptyValue && (next === null || next === undefined || next === '')) return;
    if (!override && document.has(path) && document.get(path) !== null) return;
    document.set(path, next);
  };
};

const removeFactory: ProcessorFactory = (config) => {
  const fieldNames = config.stringOrList('field', false);
  const keep = config.stringOrList('keep', false);
  const ignoreMissing = config.boolean('ignore_missing', false);
  if (fieldNames === undefined && keep === undefined) throw config.error('field', '[field] required property is missing');
  if (fieldNames !== undefined && keep !== undefined) throw config.error('keep', 'Too many fields specified. Cannot specify both [field] and [keep].');
  if (keep !== undefined) {
    return (document) => {
      for (const name of Object.keys(document.source())) {
        if (!keep.some((path) => path === name || path.startsWith(`${name}.`))) document.remove(name);
      }
    };
  }
  const fields = fieldNames!.map(compileTemplate);
  return (document) => {
    for (const template of fields) {
      const path = renderTemplate(template, document);
      if (ignoreMissing && !document.has(path)) continue;
      document.remove(path);
    }
  };
};

const renameFactory: ProcessorFactory = (config) => {
  const field = templatedField(config, 'field');
  const targetField = templatedField(config, 'target_field');
  const ignoreMissing = config.boolean('ignore_missing', false);
  const override = config.boolean('override', false);
  return (document) => {
    const from = field(document);
    const to = targetField(document);
    if (!document.has(from)) {
      if (ignoreMissing) return;
      throw errors.illegalArgument(`field [${from}] doesn't exist`);
    }
    if (document.has(to) && !override) throw errors.illegalArgument(`field [${to}] already exists`);
    const value = document.get(from);
    document.remove(from);
    try {
      document.set(to, value);
    } catch (error) {
      document.set(from, value);
      throw error;
    }
  };
};

const appendFactory: ProcessorFactory = (config) => {
  const field = templatedField(config, 'field');
  const value = compileValue(config.required('value'));
  const allowDuplicates = config.boolean('allow_duplicates', true);
  return (document) => document.append(field(document), value(document), allowDuplicates);
};

/**
 * The bytes processor: a human readable size (`1kb`, `2.5mb`) to its number of bytes, with
 * Elasticsearch's units (b, kb, mb, gb, tb, pb; powers of 1024) and its error.
 */
export function parseByteSize(text: string): number {
  const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(text);
  const unit = match === null ? undefined : units[match[2]!.toLowerCase()];
  if (match === null || unit === undefined) {
    throw errors.illegalArgument(`failed to parse setting [Ingest Field] with value [${text}] as a size in bytes: unit is missing or unrecognized`);
  }
  return Math.round(Number(match[1]) * unit);
}

/** The sort processor: a list of numbers or of strings in natural order (Java's Collections.sort). */
const sortFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const order = config.string('order', 'asc');
  if (order !== 'asc' && order !== 'desc') throw config.error('order', `property [order] can only be one of [asc, desc]; found [${order}]`);
  const targetField = config.string('target_field', field);
  return (document) => {
    const value = document.get(field);
    if (value === null || value === undefined) throw errors.illegalArgument(`field [${field}] is null, cannot sort.`);
    if (!Array.isArray(value)) throw castError(field, value, 'java.util.List');
    const numbers = value.every((item) => typeof item === 'number');
    if (!numbers && !value.every((item) => typeof item === 'string')) throw errors.illegalArgument(`field [${field}] holds values of different types, which cannot be sorted`);
    const sorted = [...value].sort((left, right) => (numbers ? (left as number) - (right as number) : left < right ? -1 : left > right ? 1 : 0));
    if (order === 'desc') sorted.reverse();
    document.set(targetField, sorted);
  };
};

/**
 * The dot_expander processor: a source field whose name holds dots (`a.b`) becomes the object
 * path it names; `*` expands every such field of the object at `path`.
 */
const dotExpanderFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const path = config.optionalString('path');
  const override = config.boolean('override', false);
  if (field !== '*' && !field.includes('.')) throw config.error('field', 'field does not contain a dot and is not a wildcard');
  if (field.startsWith('.') || field.endsWith('.') || field.includes('..')) throw config.error('field', "Field can't start or end with a dot");
  return (document) => {
    const container = path === undefined ? document.root : document.get(path);
    if (!isPlainObject(container)) throw castError(path ?? '_source', container, 'java.util.Map');
    const names = field === '*' ? Object.keys(container).filter((name) => name.includes('.')) : [field];
    for (const name of names) {
      if (!Object.hasOwn(container, name)) continue;
      const full = path === undefined ? name : `${path}.${name}`;
      const value = container[name];
      if (document.has(full)) {
        delete container[name];
        if (override) document.set(full, value);
        else document.append(full, value, true);
        continue;
      }
      const parts = name.split('.');
      let probe: unknown = container;
      for (let index = 0; index < parts.length - 1 && isPlainObject(probe); index++) {
        probe = probe[parts[index]!];
        if (probe !== undefined && !isPlainObject(probe)) {
          throw errors.illegalArgument(`cannot expand [${name}], because [${parts.slice(0, index + 1).join('.')}] is not an object field, but a value field`);
        }
      }
      delete container[name];
      document.set(full, value);
    }
  };
};

/**
 * Splits one CSV line into its fields: `quote` encloses a field (a doubled quote inside is one
 * quote character), `trim` drops spaces around unquoted fields and around quotes. Errors as
 * Elasticsearch's CsvParser words them.
 */
export function parseCsvLine(text: string, separator: string, quote: string, trim: boolean): string[] {
  const fields: string[] = [];
  let position = 0;
  const skipSpaces = (): void => {
    if (trim) while (text[position] === ' ' || text[position] === '\t') position++;
  };
  for (;;) {
    skipSpaces();
    let value = '';
    if (text[position] === quote) {
      position++;
      for (;;) {
        if (position >= text.length) throw errors.illegalArgument('Unmatched quote');
        if (text[position] === quote) {
          if (text[position + 1] === quote) {
            value += quote;
            position += 2;
            continue;
          }
          position++;
          break;
        }
        value += text[position++];
      }
      skipSpaces();
      if (position < text.length && text[position] !== separator) throw errors.illegalArgument(`Illegal character after quote at ${position}`);
    } else {
      const start = position;
      while (position < text.length && text[position] !== separator) {
        if (text[position] === quote) throw errors.illegalArgument(`Illegal character inside unquoted field at ${position}`);
        position++;
      }
      value = text.slice(start, position);
      if (trim) value = value.replace(/[ \t]+$/, '');
    }
    fields.push(value);
    if (position >= text.length) return fields;
    position++; // the separator
  }
}

const csvFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const targetFields = config.stringList('target_fields', true)!;
  if (targetFields.length === 0) throw config.error('target_fields', 'target fields list can\'t be empty');
  const separator = config.string('separator', ',');
  if (separator.length !== 1) throw config.error('separator', 'separator has to be single character like , or ;');
  const quote = config.string('quote', '"');
  if (quote.length !== 1) throw config.error('quote', 'quote has to be single character like " or \'');
  const trim = config.boolean('trim', false);
  const ignoreMissing = config.boolean('ignore_missing', false);
  const hasEmptyValue = config.has('empty_value');
  const emptyValue = config.optional('empty_value');
  return (document) => {
    const value = fieldToProcess(document, field, ignoreMissing, `field [${field}] is null, cannot process it.`);
    if (value === undefined) return;
    if (typeof value !== 'string') throw castError(field, value, 'java.lang.String');
    const values = parseCsvLine(value, separator, quote, trim);
    targetFields.forEach((target, index) => {
      const item = values[index];
      if (item === undefined) return;
      if (item === '') {
        if (hasEmptyValue) document.set(target, emptyValue);
        return;
      }
      document.set(target, item);
    });
  };
};

/** RFC 3986's component split (appendix B): scheme, authority, path, query, fragment, kept as written. */
const uriPattern = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;

/**
 * The parts of a URI as the uri_parts processor names them (ECS `url.*`): scheme, domain, port,
 * user info (and its username and password), path, extension, query and fragment.
 */
export function uriParts(text: string): IngestMap | undefined {
  const match = uriPattern.exec(text);
  if (match === null || /\s/.test(text)) return undefined;
  const [, scheme, authority, path, query, fragment] = match;
  const parts: IngestMap = {};
  if (authority !== undefined) {
    const at = authority.lastIndexOf('@');
    const userInfo = at < 0 ? undefined : authority.slice(0, at);
    const hostPort = at < 0 ? authority : authority.slice(at + 1);
    // The shortest host that leaves `:port` (or nothing): `[::1]:80` splits after the bracket.
    const portMatch = /^(.*?)(?::(\d*))?$/.exec(hostPort)!;
    const host = portMatch[1]!;
    if (host !== '') parts['domain'] = host;
    if (portMatch[2] !== undefined && portMatch[2] !== '') parts['port'] = Number(portMatch[2]);
    if (userInfo !== undefined) {
      parts['user_info'] = userInfo;
      const colon = userInfo.indexOf(':');
      parts['username'] = colon < 0 ? userInfo : userInfo.slice(0, colon);
      if (colon >= 0) parts['password'] = userInfo.slice(colon + 1);
    }
  } else if (scheme === undefined) {
    return undefined;
  }
  if (scheme !== undefined) parts['scheme'] = scheme;
  if (path !== undefined && path !== '') {
    parts['path'] = path;
    const period = path.lastIndexOf('.');
    if (period > path.lastIndexOf('/') && period < path.length - 1) parts['extension'] = path.slice(period + 1);
  }
  if (query !== undefined) parts['query'] = query;
  if (fragment !== undefined) parts['fragment'] = fragment;
  return parts;
}

const uriPartsFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const targetField = config.string('target_field', 'url');
  const keepOriginal = config.boolean('keep_original', true);
  const removeIfSuccessful = config.boolean('remove_if_successful', false);
  const ignoreMissing = config.boolean('ignore_missing', false);
  return (document) => {
    const value = fieldToProcess(document, field, ignoreMissing, `field [${field}] is null, cannot process it.`);
    if (value === undefined) return;
    if (typeof value !== 'string') throw castError(field, value, 'java.lang.String');
    const parts = uriParts(value);
    if (parts === undefined) throw errors.illegalArgument(`unable to parse URI [${value}]`);
    if (keepOriginal) parts['original'] = value;
    if (removeIfSuccessful && targetField !== field) document.remove(field);
    document.set(targetField, parts);
  };
};

const terminateFactory: ProcessorFactory = () => (document) => {
  document.terminated = true;
};

const splitFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const separatorText = config.string('separator');
  const separator = compileRegex(config, 'separator', separatorText, 'g');
  const targetField = config.string('target_field', field);
  const ignoreMissing = config.boolean('ignore_missing', false);
  const preserveTrailing = config.boolean('preserve_trailing', false);
  return (document) => {
    const value = fieldToProcess(document, field, ignoreMissing, `field [${field}] is null, cannot split.`);
    if (value === undefined) return;
    if (typeof value !== 'string') throw castError(field, value, 'java.lang.String');
    document.set(targetField, javaSplit(value, separator, preserveTrailing));
  };
};

const joinFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const separator = config.string('separator');
  const targetField = config.string('target_field', field);
  return (document) => {
    const value = document.get(field);
    if (value === null || value === undefined) throw errors.illegalArgument(`field [${field}] is null, cannot join.`);
    if (!Array.isArray(value)) throw castError(field, value, 'java.util.List');
    document.set(targetField, value.map(javaString).join(separator));
  };
};

const convertFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const typeName = config.string('type');
  if (!convertTypes.has(typeName)) throw config.error('type', `type [${typeName}] not supported, cannot convert field.`);
  const type = typeName as ConvertType;
  const targetField = config.string('target_field', field);
  const ignoreMissing = config.boolean('ignore_missing', false);
  return (document) => {
    const value = fieldToProcess(document, field, ignoreMissing, `Field [${field}] is null, cannot be converted to type [${type}]`);
    if (value === undefined) return;
    document.set(targetField, Array.isArray(value) ? value.map((item) => convertValue(item, type)) : convertValue(value, type));
  };
};

const dateFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const targetField = config.string('target_field', '@timestamp');
  const formats = dateFormats(config, 'formats', config.stringList('formats', true)!);
  const timeZone = compileTemplate(config.string('timezone', 'UTC'));
  const locale = config.string('locale', 'ENGLISH');
  if (!/^(ENGLISH|ROOT|en([_-][A-Za-z]+)*)$/i.test(locale)) throw config.error('locale', `Strait parses dates in English only; locale [${locale}] is not supported`);
  const outputFormat = config.string('output_format', dateOutputDefault);
  checkDateFormats(config, 'output_format', [outputFormat]);
  return (document, context) => {
    const { utcMs, zone } = documentDate(document, field, timeZone, formats, context.nowMs);
    document.set(targetField, formatWithPattern(utcMs, outputFormat, zone));
  };
};

const dateIndexNameFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const prefix = compileTemplate(config.string('index_name_prefix', ''));
  const rounding = compileTemplate(config.string('date_rounding'));
  const formats = dateFormats(config, 'date_formats', config.stringList('date_formats', false) ?? ["yyyy-MM-dd'T'HH:mm:ss.SSSXX"]);
  const timeZone = compileTemplate(config.string('timezone', 'UTC'));
  config.string('locale', 'ENGLISH');
  const indexNameFormat = compileTemplate(config.string('index_name_format', 'yyyy-MM-dd'));
  return (document, context) => {
    const { utcMs, zone } = documentDate(document, field, timeZone, formats, context.nowMs);
    const unit = renderTemplate(rounding, document);
    if (!isDateRounding(unit)) throw errors.illegalArgument(`date rounding [${unit}] not supported, use one of [y, M, w, d, h, m, s]`);
    document.set('_index', dateIndexNameExpression(renderTemplate(prefix, document), utcMs, unit, renderTemplate(indexNameFormat, document), zone));
  };
};

const gsubFactory: ProcessorFactory = (config) => {
  const patternText = config.string('pattern');
  const pattern = compileRegex(config, 'pattern', patternText, 'g');
  const replacement = javaReplacement(config.string('replacement'));
  return stringBody(config, (value) => value.replace(pattern, replacement));
};

const dissectFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const patternText = config.string('pattern');
  const pattern = parseDissect(config, patternText);
  const appendSeparator = config.string('append_separator', '');
  const ignoreMissing = config.boolean('ignore_missing', false);
  return (document) => {
    const value = fieldToProcess(document, field, ignoreMissing, `field [${field}] is null, cannot process it.`);
    if (value === undefined) return;
    if (typeof value !== 'string') throw castError(field, value, 'java.lang.String');
    const results = dissect(pattern, value, appendSeparator);
    if (results === undefined) throw errors.illegalArgument(`Unable to find match for dissect pattern: ${patternText} against source: ${value}`);
    for (const [key, result] of results) document.set(key, result);
  };
};

const grokFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const patterns = config.stringList('patterns', true)!;
  if (patterns.length === 0) throw config.error('patterns', 'List of patterns must not be empty');
  const definitions = config.map('pattern_definitions') ?? {};
  const traceMatch = config.boolean('trace_match', false);
  const ignoreMissing = config.boolean('ignore_missing', false);
  const ecs = config.string('ecs_compatibility', 'disabled');
  if (ecs !== 'disabled' && ecs !== 'v1') throw config.error('ecs_compatibility', `unsupported ECS compatibility mode [${ecs}]`);
  if (ecs === 'v1') throw config.error('ecs_compatibility', 'Strait has the legacy grok pattern bank only; use [ecs_compatibility: disabled]');
  const bank: Record<string, string> = { ...grokPatternBank };
  for (const [name, definition] of Object.entries(definitions)) {
    if (typeof definition !== 'string') throw config.error('pattern_definitions', `[pattern_definitions] property isn't a map of strings`);
    bank[name] = definition;
  }
  let compiled: CompiledGrok[];
  try {
    compiled = patterns.map((pattern) => compileGrok(pattern, bank));
  } catch (error) {
    throw config.error('patterns', `Invalid regex pattern found in: [${patterns.join(', ')}]. ${error instanceof Error ? error.message : String(error)}`);
  }
  return (document) => {
    const value = fieldToProcess(document, field, ignoreMissing, `field [${field}] is null, cannot process it.`);
    if (value === undefined) return;
    if (typeof value !== 'string') throw castError(field, value, 'java.lang.String');
    for (let index = 0; index < compiled.length; index++) {
      const fields = matchGrok(compiled[index]!, value);
      if (fields === undefined) continue;
      for (const [name, captured] of fields) document.set(name, captured);
      if (traceMatch) document.set('_ingest._grok_match_index', String(index));
      return;
    }
    throw errors.illegalArgument(`Provided Grok expressions do not match field value: [${value}]`);
  };
};

const jsonFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const targetField = config.optionalString('target_field');
  const addToRoot = config.boolean('add_to_root', false);
  const strategyName = config.optionalString('add_to_root_conflict_strategy');
  const allowDuplicateKeys = config.boolean('allow_duplicate_keys', false);
  const strict = config.boolean('strict_json_parsing', true);
  if (addToRoot && targetField !== undefined) throw config.error('target_field', 'Cannot set a target field while also setting `add_to_root` to true');
  if (strategyName !== undefined && !addToRoot) throw config.error('add_to_root_conflict_strategy', 'Cannot set `add_to_root_conflict_strategy` if `add_to_root` is false');
  if (strategyName !== undefined && strategyName !== 'replace' && strategyName !== 'merge') {
    throw config.error('add_to_root_conflict_strategy', `conflict strategy [${strategyName}] not supported, cannot convert field.`);
  }
  const target = targetField ?? field;
  return (document) => {
    const value = document.get(field);
    const text = javaString(value);
    let parsed: unknown;
    try {
      // The nesting limit every JSON body gets: a string nested thousands deep overflowed the stack
      // of whatever walked the parsed value next (a 500 for the whole request).
      checkJsonNestingDepth(text);
      parsed = JSON.parse(strict ? text : firstJsonValue(text));
    } catch (error) {
      throw errors.illegalArgument(`Unrecognized JSON in field [${field}]: ${error instanceof Error ? error.message : String(error)}`);
    }
    // JSON.parse keeps the last of duplicate keys silently; Elasticsearch refuses them unless allowed.
    if (!allowDuplicateKeys && hasDuplicateKeys(text)) throw errors.illegalArgument(`Duplicate field in the JSON of field [${field}]`);
    if (!addToRoot) {
      document.set(target, parsed);
      return;
    }
    if (!isPlainObject(parsed)) throw errors.illegalArgument('cannot add non-map fields to root of document');
    for (const [key, item] of Object.entries(parsed)) {
      const existing = document.root[key];
      document.root[key] = strategyName === 'merge' && isPlainObject(existing) && isPlainObject(item) ? mergeMaps(existing, item) : item;
    }
  };
};

/**
 * The text of the first JSON value in `text` (`strict_json_parsing: false`: Elasticsearch reads one
 * value and ignores what follows it, so `123 foo` is 123).
 */
export function firstJsonValue(text: string): string {
  const trimmed = text.trimStart();
  const first = trimmed[0];
  if (first === '{' || first === '[' || first === '"') {
    let depth = 0;
    for (let position = 0; position < trimmed.length; position++) {
      const character = trimmed[position]!;
      if (character === '"') {
        position += 1;
        while (position < trimmed.length && trimmed[position] !== '"') position += trimmed[position] === '\\' ? 2 : 1;
        if (depth === 0) return trimmed.slice(0, position + 1);
      } else if (character === '{' || character === '[') {
        depth += 1;
      } else if (character === '}' || character === ']') {
        depth -= 1;
        if (depth === 0) return trimmed.slice(0, position + 1);
      }
    }
    return trimmed;
  }
  const scalar = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(trimmed);
  return scalar === null ? trimmed : scalar[1]!;
}

function mergeMaps(target: IngestMap, source: IngestMap): IngestMap {
  const merged: IngestMap = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = merged[key];
    merged[key] = isPlainObject(existing) && isPlainObject(value) ? mergeMaps(existing, value) : value;
  }
  return merged;
}

/** True when an object in the JSON text repeats a key (a scan of the token stream). */
export function hasDuplicateKeys(text: string): boolean {
  const stack: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let position = 0; position < text.length; position++) {
    const character = text[position]!;
    if (character === '"') {
      let end = position + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const raw = text.slice(position, end + 1);
      const top = stack[stack.length - 1];
      if (expectKey && top !== undefined) {
        const key = JSON.parse(raw) as string;
        if (top.has(key)) return true;
        top.add(key);
      }
      expectKey = false;
      position = end;
    } else if (character === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (character === '[') {
      stack.push(undefined);
    } else if (character === '}' || character === ']') {
      stack.pop();
    } else if (character === ',') {
      expectKey = stack[stack.length - 1] !== undefined;
    }
  }
  return false;
}

const kvFactory: ProcessorFactory = (config) => {
  const field = config.string('field');
  const fieldSplitText = config.string('field_split');
  const valueSplitText = config.string('value_split');
  const fieldSplit = compileRegex(config, 'field_split', fieldSplitText, 'g');
  const valueSplit = compileRegex(config, 'value_split', valueSplitText, 'g');
  const targetField = config.optionalString('target_field');
  const includeKeys = config.stringList('include_keys', false);
  const excludeKeys = config.stringList('exclude_keys', false);
  const prefix = config.string('prefix', '');
  const trimKey = config.optionalString('trim_key');
  const trimValue = config.optionalString('trim_value');
  const strip = config.boolean('strip_brackets', false);
  const ignoreMissing = config.boolean('ignore_missing', false);
  return (document) => {
    const value = fieldToProcess(document, field, ignoreMissing, `field [${field}] is null, cannot extract key-value pairs.`);
    if (value === undefined) return;
    if (typeof value !== 'string') throw castError(field, value, 'java.lang.String');
    const pathPrefix = targetField === undefined ? '' : `${targetField}.`;
    for (const pair of javaSplit(value, fieldSplit, false)) {
      const parts = javaSplit(pair, valueSplit, true, 2);
      if (parts.length !== 2) throw errors.illegalArgument(`field [${field}] does not contain value_split [${valueSplitText}]`);
      const key = trimCharacters(parts[0]!, trimKey);
      let item = trimCharacters(parts[1]!, trimValue);
      if (strip) item = stripBrackets(item);
      if (includeKeys !== undefined && !includeKeys.includes(key)) continue;
      if (excludeKeys !== undefined && excludeKeys.includes(key)) continue;
      const path = `${pathPrefix}${prefix}${key}`;
      if (document.has(path)) document.append(path, item, true);
      else document.set(path, item);
    }
  };
};

const failFactory: ProcessorFactory = (config) => {
  const message = compileTemplate(config.string('message'));
  return (document) => {
    throw errors.failProcessor(renderTemplate(message, document));
  };
};

const dropFactory: ProcessorFactory = () => (document) => {
  document.dropped = true;
};

const pipelineFactory: ProcessorFactory = (config) => {
  const pipelineName = config.string('name');
  const name = compileTemplate(pipelineName);
  const ignoreMissingPipeline = config.boolean('ignore_missing_pipeline', false);
  return {
    body: () => undefined,
    pipelineName,
    callsPipeline: (document, context) => {
      const id = renderTemplate(name, document);
      const pipeline = context.pipeline(id);
      if (pipeline === undefined && !ignoreMissingPipeline) throw errors.illegalStateOfRequest(`Pipeline processor configured for non-existent pipeline [${id}]`);
      return pipeline;
    },
  };
};

const foreachFactory: ProcessorFactory = (config, context) => {
  const field = config.string('field');
  const ignoreMissing = config.boolean('ignore_missing', false);
  const definition = config.required('processor');
  if (!isPlainObject(definition)) throw config.error('processor', `[processor] property isn't a map, but of type [${javaTypeName(definition)}]`);
  const processor = context.parseProcessor(definition);
  return (document, runContext) => {
    const value = fieldToProcess(document, field, ignoreMissing, `field [${field}] is null, cannot loop over its elements.`);
    if (value === undefined) return;
    const savedValue = document.ingest['_value'];
    const savedKey = document.ingest['_key'];
    try {
      if (Array.isArray(value)) {
        const results: unknown[] = [];
        for (const item of value) {
          document.ingest['_value'] = item;
          runNestedProcessor(processor, document, runContext);
          if (document.dropped) return;
          results.push(document.ingest['_value']);
        }
        document.set(field, results);
      } else if (isPlainObject(value)) {
        const results: IngestMap = {};
        for (const [key, item] of Object.entries(value)) {
          document.ingest['_key'] = key;
          document.ingest['_value'] = item;
          runNestedProcessor(processor, document, runContext);
          if (document.dropped) return;
          results[String(document.ingest['_key'])] = document.ingest['_value'];
        }
        document.set(field, results);
      } else {
        throw errors.illegalArgument(`field [${field}] of type [${javaTypeName(value)}] cannot be cast to a list or map`);
      }
    } finally {
      if (savedValue === undefined) delete document.ingest['_value'];
      else document.ingest['_value'] = savedValue;
      if (savedKey === undefined) delete document.ingest['_key'];
      else document.ingest['_key'] = savedKey;
    }
  };
};

/**
 * The script processor: a Painless script (inline `source` or stored `id`, with `params`) whose
 * `ctx` is the document, changed in place.
 */
const scriptFactory: ProcessorFactory = (config, context) => {
  const definition: Record<string, unknown> = {};
  for (const key of ['source', 'inline', 'id', 'lang', 'params', 'options']) {
    const value = config.optional(key);
    if (value !== undefined) definition[key] = value;
  }
  const script = compileScript(parseScriptSpec(definition, 'script'), 'ingest', context.scripts);
  return (document, runContext) => {
    const changed = runIngestScript(script, document.root, scriptClock(runContext));
    for (const key of Object.keys(document.root)) delete document.root[key];
    Object.assign(document.root, changed);
  };
};

/** The processor types Strait runs (`GET /_nodes` lists them under `ingest.processors`). */
export function availableProcessorTypes(): string[] {
  return [...processorRegistry.keys()].sort();
}

export const processorRegistry: ReadonlyMap<string, ProcessorFactory> = new Map<string, ProcessorFactory>([
  ['set', setFactory],
  ['remove', removeFactory],
  ['rename', renameFactory],
  ['append', appendFactory],
  ['lowercase', stringProcessor((value) => value.toLowerCase())],
  ['uppercase', stringProcessor((value) => value.toUpperCase())],
  ['trim', stringProcessor((value) => value.trim())],
  ['urldecode', stringProcessor(urlDecode)],
  ['bytes', (config) => stringBody(config, parseByteSize)],
  ['split', splitFactory],
  ['sort', sortFactory],
  ['csv', csvFactory],
  ['terminate', terminateFactory],
  ['uri_parts', uriPartsFactory],
  ['dot_expander', dotExpanderFactory],
  ['join', joinFactory],
  ['convert', convertFactory],
  ['date', dateFactory],
  ['date_index_name', dateIndexNameFactory],
  ['gsub', gsubFactory],
  ['dissect', dissectFactory],
  ['grok', grokFactory],
  ['json', jsonFactory],
  ['kv', kvFactory],
  ['fail', failFactory],
  ['drop', dropFactory],
  ['pipeline', pipelineFactory],
  ['foreach', foreachFactory],
  ['script', scriptFactory],
  ['user_agent', userAgentFactory],
]);
