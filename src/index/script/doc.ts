/**
 * `doc['field']` for search scripts (pure): a document's doc values as Painless's ScriptDocValues
 * (`.value`, `.values`, `.size()`, `.empty`, `.length`, `[i]`, `.get(i)`). Long-like fields give
 * longs, float-like doubles, `date` a ZonedDateTime-like object (`.millis`, `toInstant()`,
 * `getYear()`...), `keyword` strings, `boolean` booleans; `text` has no doc values and is
 * refused as Elasticsearch refuses fielddata on it.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/painless/current/painless-walkthrough.html
 */
import type { DocValues, FieldMapping, FieldMappings, Segment } from '../engine/segment.js';
import { docGeoPoints } from '../engine/geo-encoding.js';
import { JavaFault, javaString, makeDouble, type ScriptObject, type Value } from './values.js';

/** What the host knows of one field of one document. */
export interface DocFieldValues {
  readonly mapping: FieldMapping | undefined;
  readonly docValues: DocValues | undefined;
  /** The terms of a keyword field (ordinals index them). */
  readonly terms: readonly string[] | undefined;
}

const longTypes = new Set(['long', 'integer', 'short', 'byte']);
const doubleTypes = new Set(['double', 'float']);

function missingValue(field: string): JavaFault {
  // Elasticsearch's message names no field: `<field>` is literal.
  void field;
  return new JavaFault('illegal_state_exception', "A document doesn't have a value for a field! Use doc[<field>].size()==0 to check if a document is missing a field!");
}

const dayNames = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

/** java.time.DayOfWeek: `value` 1 (Monday) to 7 (Sunday). */
function dayOfWeek(value: number): ScriptObject {
  return {
    javaType: 'java.time.DayOfWeek',
    call(name, args) {
      if (name === 'getValue' && args.length === 0) return value;
      if ((name === 'name' || name === 'toString' || name === 'toJson') && args.length === 0) return dayNames[value - 1]!;
      throw new JavaFault('illegal_argument_exception', `dynamic method [java.time.DayOfWeek, ${name}/${args.length}] not found`);
    },
  };
}

/** A date value: epoch milliseconds with the accessors scripts use. */
function dateValue(millis: number): ScriptObject {
  const date = new Date(millis);
  const iso = (): string => date.toISOString().replace('.000Z', 'Z');
  const self: ScriptObject = {
    javaType: 'java.time.ZonedDateTime',
    field(name) {
      if (name === 'millis') return BigInt(millis);
      throw new JavaFault('illegal_argument_exception', `dynamic getter [java.time.ZonedDateTime, ${name}] not found`);
    },
    call(name, args) {
      switch (`${name}/${args.length}`) {
        case 'getMillis/0':
        case 'toEpochMilli/0':
          return BigInt(millis);
        case 'toInstant/0':
          return self;
        case 'getEpochSecond/0':
          return BigInt(Math.floor(millis / 1000));
        case 'getYear/0':
          return date.getUTCFullYear();
        case 'getMonthValue/0':
          return date.getUTCMonth() + 1;
        case 'getDayOfMonth/0':
          return date.getUTCDate();
        case 'getDayOfYear/0':
          return Math.floor((Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
        case 'getHour/0':
          return date.getUTCHours();
        case 'getMinute/0':
          return date.getUTCMinutes();
        case 'getSecond/0':
          return date.getUTCSeconds();
        case 'getDayOfWeekEnum/0':
        case 'getDayOfWeek/0':
          return dayOfWeek(date.getUTCDay() === 0 ? 7 : date.getUTCDay());
        case 'toString/0':
        case 'toJson/0':
          return iso();
        case 'equals/1':
          return typeof args[0] === 'object' && args[0] !== null && 'javaType' in args[0] && (args[0] as ScriptObject).call?.('toEpochMilli', []) === BigInt(millis);
      }
      throw new JavaFault('illegal_argument_exception', `dynamic method [java.time.ZonedDateTime, ${name}/${args.length}] not found`);
    },
  };
  return self;
}

/** An org.elasticsearch.common.geo.GeoPoint: `lat`, `lon` and their getters. */
function geoPointObject(point: { lat: number; lon: number }): ScriptObject {
  return {
    javaType: 'org.elasticsearch.common.geo.GeoPoint',
    field(name) {
      if (name === 'lat') return makeDouble(point.lat);
      if (name === 'lon') return makeDouble(point.lon);
      throw new JavaFault('illegal_argument_exception', `dynamic getter [org.elasticsearch.common.geo.GeoPoint, ${name}] not found`);
    },
    call(name, args) {
      if (name === 'getLat' && args.length === 0) return makeDouble(point.lat);
      if (name === 'getLon' && args.length === 0) return makeDouble(point.lon);
      if (name === 'toString' && args.length === 0) return `${point.lat}, ${point.lon}`;
      throw new JavaFault('illegal_argument_exception', `dynamic method [org.elasticsearch.common.geo.GeoPoint, ${name}/${args.length}] not found`);
    },
  };
}

function valuesOf(field: string, index: string, values: DocFieldValues, doc: number): { javaType: string; items: Value[] } {
  const mapping = values.mapping;
  if (mapping === undefined) throw new JavaFault('illegal_argument_exception', `No field found for [${field}] in mapping`);
  if (mapping.type === 'text') {
    throw new JavaFault(
      'illegal_argument_exception',
      `Fielddata is disabled on [${field}] in [${index}]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`,
    );
  }
  if (mapping.type === 'constant_keyword') return { javaType: 'Strings', items: mapping.constantValue === undefined ? [] : [mapping.constantValue] };
  if (mapping.type === 'geo_point') {
    // Decoded (lat, lon) pairs, not the numeric column's raw steps.
    const docValues = values.docValues;
    const points = docValues === undefined || docValues.kind !== 'numeric' ? [] : docGeoPoints(docValues, doc);
    return { javaType: 'GeoPoints', items: points.map(geoPointObject) };
  }
  const docValues = values.docValues;
  const javaType = longTypes.has(mapping.type) ? 'Longs' : doubleTypes.has(mapping.type) ? 'Doubles' : mapping.type === 'boolean' ? 'Booleans' : mapping.type === 'date' || mapping.type === 'date_nanos' ? 'Dates' : 'Strings';
  if (docValues === undefined) return { javaType, items: [] };
  const from = docValues.valueStart[doc]!;
  const to = docValues.valueStart[doc + 1]!;
  const items: Value[] = [];
  for (let position = from; position < to; position++) {
    if (docValues.kind === 'keyword') items.push(values.terms?.[docValues.ordinals[position]!] ?? null);
    else {
      const number = docValues.values[position]!;
      if (javaType === 'Longs') items.push(BigInt(Math.trunc(number)));
      else if (javaType === 'Doubles') items.push(makeDouble(number));
      else if (javaType === 'Booleans') items.push(number !== 0);
      else if (javaType === 'Dates') items.push(dateValue(number));
      else items.push(makeDouble(number));
    }
  }
  return { javaType, items };
}

function scriptDocValues(field: string, javaType: string, items: Value[]): ScriptObject {
  const get = (index: Value): Value => {
    if (typeof index !== 'number') throw new JavaFault('class_cast_exception', 'Cannot cast to java.lang.Integer');
    if (index < 0 || index >= items.length) {
      if (items.length === 0) throw missingValue(field);
      throw new JavaFault('index_out_of_bounds_exception', `Index ${index} out of bounds for length ${items.length}`);
    }
    return items[index]!;
  };
  return {
    javaType: `org.elasticsearch.index.fielddata.ScriptDocValues$${javaType}`,
    field(name) {
      switch (name) {
        case 'value':
          return get(0);
        case 'values':
          return [...items];
        case 'empty':
          return items.length === 0;
        case 'length':
          return items.length;
        case 'date':
        case 'millis':
          if (javaType === 'Dates') return (get(0) as ScriptObject).field!(name === 'date' ? 'millis' : name);
          break;
        case 'lat':
        case 'lon':
          if (javaType === 'GeoPoints') return (get(0) as ScriptObject).field!(name);
      }
      throw new JavaFault('illegal_argument_exception', `dynamic getter [${this.javaType}, ${name}] not found`);
    },
    call(name, args) {
      switch (`${name}/${args.length}`) {
        case 'getValue/0':
          return get(0);
        case 'getValues/0':
        case 'toList/0':
          return [...items];
        case 'get/1':
          return get(args[0]!);
        case 'size/0':
        case 'getLength/0':
          return items.length;
        case 'isEmpty/0':
          return items.length === 0;
        case 'getLat/0':
        case 'getLon/0':
          if (javaType === 'GeoPoints') return (get(0) as ScriptObject).call!(name, []);
          break;
        case 'contains/1':
          return items.some((item) => javaString(item) === javaString(args[0]!));
        case 'toString/0':
          return `[${items.map(javaString).join(', ')}]`;
      }
      throw new JavaFault('illegal_argument_exception', `dynamic method [${this.javaType}, ${name}/${args.length}] not found`);
    },
  };
}

/**
 * The `doc` variable of one document: `fieldOf(name)` gives the host's view of a field (mapping and
 * doc values), read lazily for the fields the script names.
 */
export function docLookup(index: string, doc: number, fieldOf: (name: string) => DocFieldValues): ScriptObject {
  const cache = new Map<string, ScriptObject>();
  const lookup = (name: Value): ScriptObject => {
    const field = javaString(name);
    let values = cache.get(field);
    if (values === undefined) {
      const found = valuesOf(field, index, fieldOf(field), doc);
      values = scriptDocValues(field, found.javaType, found.items);
      cache.set(field, values);
    }
    return values;
  };
  return {
    javaType: 'org.elasticsearch.search.lookup.LeafDocLookup',
    field: (name) => lookup(name),
    call(name, args) {
      if (name === 'get' && args.length === 1) return lookup(args[0]!);
      if (name === 'containsKey' && args.length === 1) return fieldOf(javaString(args[0]!)).mapping !== undefined;
      throw new JavaFault('illegal_argument_exception', `dynamic method [${this.javaType}, ${name}/${args.length}] not found`);
    },
  };
}

/** `doc` for one document of a segment: the field's mapping (aliases followed), doc values and terms. */
export function segmentDocLookup(segment: Segment, mappings: FieldMappings, index: string, doc: number): ScriptObject {
  return docLookup(index, doc, (name) => {
    let mapping = mappings[name];
    let field = name;
    if (mapping?.aliasOf !== undefined) {
      field = mapping.aliasOf;
      mapping = mappings[field];
    }
    return { mapping, docValues: segment.docValues.get(field), terms: segment.postings.get(field)?.terms };
  });
}
