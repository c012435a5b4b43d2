/**
 * The table every `_cat` API answers with, rendered as Elasticsearch's RestTable does:
 * - `h` picks columns by name or alias (wildcards match both); a column picked by an alias is
 *   shown under that alias; a name no column has is skipped, as in Elasticsearch;
 * - `s` sorts by columns (name or alias, `:asc`/`:desc`) comparing the raw values: numbers as
 *   numbers, sizes by bytes, durations by length, anything else as text, empty cells first;
 * - `v` adds the header line; right-aligned columns align their header right too;
 * - `bytes` (b, kb, mb, gb, tb, pb, or k, m, g, t, p) and `time` (d, h, m, s, ms, micros, nanos)
 *   print sizes and durations as whole numbers of that unit; without them, or with a unit
 *   Elasticsearch does not know, sizes print as `6.1kb` and durations as `1.5s` (one decimal,
 *   truncated, `.0` dropped);
 * - `ts=false` drops the `epoch` and `timestamp` columns;
 * - `format=json` and `format=yaml` give one object per row keyed by the shown names, every value
 *   a string (or null); any other format Elasticsearch does not know gives the text table, as
 *   there; `smile` and `cbor`, binary formats Strait does not write, are refused.
 * - `help` lists every column: name, aliases and description.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/cat.html
 */
import { errors } from '../../common/index.js';
import { parseTimeValueMs } from '../../search/time-value.js';
import { booleanParam } from '../request.js';
import type { RestRequest, RestResponse } from '../route.js';

export interface CatColumn {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly description: string;
  /** Shown without `h`. */
  readonly byDefault: boolean;
  /** Right-aligned (Elasticsearch's `text-align:right`, its numeric columns). */
  readonly numeric?: boolean;
}

/** A size, printed by the request's `bytes` unit (Elasticsearch's ByteSizeValue cell). */
export interface CatBytes {
  readonly kind: 'bytes';
  readonly bytes: number;
}

/** A duration, printed by the request's `time` unit (Elasticsearch's TimeValue cell). */
export interface CatTime {
  readonly kind: 'time';
  readonly ms: number;
}

/** One table cell; null is shown empty in text and as null in JSON and YAML. */
export type CatCell = string | number | boolean | null | CatBytes | CatTime;
export type CatRow = Readonly<Record<string, CatCell>>;

export const bytesCell = (bytes: number): CatBytes => ({ kind: 'bytes', bytes });
export const timeCell = (ms: number): CatTime => ({ kind: 'time', ms });

export const catColumn = (name: string, aliases: string[], description: string, byDefault: boolean, numeric = false): CatColumn => ({
  name,
  aliases,
  description,
  byDefault,
  numeric,
});

const BYTE_UNITS = ['b', 'kb', 'mb', 'gb', 'tb', 'pb'] as const;

/** Elasticsearch's one-decimal rendering: truncated, a zero decimal dropped (`6.19` → `6.1`, `2.0` → `2`). */
function oneDecimal(value: number): string {
  const truncated = Math.floor(value * 10 + 1e-9) / 10;
  return Number.isInteger(truncated) ? String(truncated) : truncated.toFixed(1);
}

/**
 * A size as a `_cat` table prints it: a whole number of `unit` (b, kb... or k, m...), or, without
 * a known unit, the largest unit the size reaches with one decimal (`225b`, `6.1kb`, `10mb`).
 */
export function formatBytes(bytes: number, unit: string | undefined): string {
  const short = unit === undefined ? -1 : ['b', 'k', 'm', 'g', 't', 'p'].indexOf(unit);
  const index = short >= 0 ? short : unit === undefined ? -1 : BYTE_UNITS.indexOf(unit as (typeof BYTE_UNITS)[number]);
  if (index >= 0) return String(Math.floor(bytes / 1024 ** index));
  let auto = 0;
  while (auto < BYTE_UNITS.length - 1 && bytes >= 1024 ** (auto + 1)) auto++;
  return `${oneDecimal(bytes / 1024 ** auto)}${BYTE_UNITS[auto]}`;
}

const TIME_UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
  ['micros', 1e-3],
  ['nanos', 1e-6],
];

/**
 * A duration as a `_cat` table prints it: a whole number of `unit` (d, h, m, s, ms, micros,
 * nanos), or, without a known unit, the largest unit it reaches with one decimal (`1.5s`, `120ms`).
 */
export function formatTime(ms: number, unit: string | undefined): string {
  const fixed = TIME_UNITS.find(([name]) => name === unit);
  if (fixed !== undefined) return String(Math.floor(ms / fixed[1] + 1e-9));
  if (ms < 0) return String(Math.trunc(ms));
  if (ms === 0) return '0s';
  const [name, size] = TIME_UNITS.find(([, size]) => ms >= size) ?? TIME_UNITS[TIME_UNITS.length - 1]!;
  return `${oneDecimal(ms / size)}${name}`;
}

function renderValue(cell: CatCell | undefined, request: RestRequest): string | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'object') return cell.kind === 'bytes' ? formatBytes(cell.bytes, request.query['bytes']) : formatTime(cell.ms, request.query['time']);
  return String(cell);
}

interface Shown {
  readonly column: CatColumn;
  /** The name the request used: the column's name or the alias `h` named it by. */
  readonly display: string;
}

function simpleMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

function isTimestamp(column: CatColumn): boolean {
  return column.name === 'epoch' || column.name === 'timestamp';
}

function shownColumns(columns: readonly CatColumn[], request: RestRequest): Shown[] {
  const withTimestamps = booleanParam(request.query['ts'], true);
  const keep = (column: CatColumn): boolean => withTimestamps || !isTimestamp(column);
  const h = request.query['h'];
  if (h === undefined) return columns.filter((column) => column.byDefault && keep(column)).map((column) => ({ column, display: column.name }));
  // Wildcards expand to column names (matched by name or alias); each requested name shows once.
  const requested = new Set<string>();
  for (const raw of h.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!name.includes('*')) {
      requested.add(name);
      continue;
    }
    for (const column of columns) {
      if (simpleMatch(name, column.name) || column.aliases.some((alias) => simpleMatch(name, alias))) requested.add(column.name);
    }
  }
  const shown: Shown[] = [];
  for (const name of requested) {
    const byName = columns.find((column) => column.name === name);
    // As Elasticsearch looks an alias up: the last column declaring it wins.
    const byAlias = byName === undefined ? columns.filter((column) => column.aliases.includes(name)).at(-1) : undefined;
    const column = byName ?? byAlias;
    if (column !== undefined && keep(column)) shown.push({ column, display: name });
  }
  return shown;
}

function compareCells(left: CatCell | undefined, right: CatCell | undefined): number {
  const a = left ?? null;
  const b = right ?? null;
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'object' && typeof b === 'object' && a.kind === b.kind) {
    return a.kind === 'bytes' ? a.bytes - (b as CatBytes).bytes : a.ms - (b as CatTime).ms;
  }
  const textA = typeof a === 'object' ? JSON.stringify(a) : String(a);
  const textB = typeof b === 'object' ? JSON.stringify(b) : String(b);
  return textA < textB ? -1 : textA > textB ? 1 : 0;
}

function sortRows(rows: readonly CatRow[], columns: readonly CatColumn[], s: string | undefined): CatRow[] {
  if (s === undefined || s === '') return [...rows];
  const keys = s
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const descending = entry.endsWith(':desc');
      const name = descending ? entry.slice(0, -':desc'.length) : entry.endsWith(':asc') ? entry.slice(0, -':asc'.length) : entry;
      const column = columns.find((candidate) => candidate.name === name) ?? columns.filter((candidate) => candidate.aliases.includes(name)).at(-1);
      if (column === undefined) throw errors.illegalArgument(`Unable to sort by unknown sort key \`${name}\``);
      return { column, descending };
    });
  // Array.prototype.sort is stable: rows equal on every key keep the order the API built them in.
  return [...rows].sort((left, right) => {
    for (const { column, descending } of keys) {
      const order = compareCells(left[column.name], right[column.name]);
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
}

function renderText(shown: readonly Shown[], rows: readonly (string | null)[][], headers: boolean): string {
  const widths = shown.map((entry, index) => Math.max(headers ? entry.display.length : 0, ...rows.map((row) => row[index]?.length ?? 0)));
  const line = (cells: readonly (string | null)[]): string =>
    `${cells
      .map((cell, index) => {
        const text = cell ?? '';
        if (shown[index]!.column.numeric) return text.padStart(widths[index]!);
        return index === shown.length - 1 ? text : text.padEnd(widths[index]!);
      })
      .join(' ')}\n`;
  return (headers ? line(shown.map((entry) => entry.display)) : '') + rows.map(line).join('');
}

function renderHelp(columns: readonly CatColumn[]): string {
  const width = (values: string[]): number => Math.max(0, ...values.map((value) => value.length));
  const nameWidth = width(columns.map((column) => column.name));
  const aliasWidth = width(columns.map((column) => column.aliases.join(',')));
  return columns.map((column) => `${column.name.padEnd(nameWidth)} | ${column.aliases.join(',').padEnd(aliasWidth)} | ${column.description}\n`).join('');
}

/** A YAML list of string maps, as Elasticsearch's YAML writer prints a cat table (strings quoted). */
function renderYaml(shown: readonly Shown[], rows: readonly (string | null)[][]): string {
  if (rows.length === 0) return '--- []\n';
  const key = (name: string): string => (/^[A-Za-z_][\w.]*$/.test(name) ? name : JSON.stringify(name));
  let out = '---\n';
  for (const row of rows) {
    shown.forEach((entry, index) => {
      const value = row[index];
      out += `${index === 0 ? '- ' : '  '}${key(entry.display)}: ${value === null || value === undefined ? 'null' : JSON.stringify(value)}\n`;
    });
    if (shown.length === 0) out += '- {}\n';
  }
  return out;
}

/** Renders a cat table as Elasticsearch does for the request's `format`, `h`, `s`, `v`, `ts`, `bytes`, `time` and `help`. */
export function renderCat(request: RestRequest, columns: readonly CatColumn[], rows: readonly CatRow[]): RestResponse {
  // One node is its own master: there is nothing to wait for, but a malformed timeout is refused as there.
  const masterTimeout = request.query['master_timeout'];
  if (masterTimeout !== undefined) parseTimeValueMs(masterTimeout, 'master_timeout');
  if (booleanParam(request.query['help'])) return { status: 200, body: renderHelp(columns), contentType: 'text/plain; charset=UTF-8' };
  const format = (request.query['format'] ?? '').toLowerCase();
  if (format === 'smile' || format === 'cbor') throw errors.illegalArgument(`Unsupported format [${format}] for _cat: Strait answers text, json or yaml`);
  const shown = shownColumns(columns, request);
  const sorted = sortRows(rows, columns, request.query['s']);
  const cells = sorted.map((row) => shown.map((entry) => renderValue(row[entry.column.name], request)));
  if (format === 'json') return { status: 200, body: cells.map((row) => Object.fromEntries(shown.map((entry, index) => [entry.display, row[index]]))) };
  if (format === 'yaml') return { status: 200, body: renderYaml(shown, cells), contentType: 'application/yaml' };
  return { status: 200, body: renderText(shown, cells, booleanParam(request.query['v'])), contentType: 'text/plain; charset=UTF-8' };
}

/** The parameters every `_cat` API takes (Elasticsearch's AbstractCatAction response parameters and `help`). */
export const CAT_COMMON_PARAMS = ['format', 'h', 'help', 's', 'v', 'ts', 'bytes', 'time'] as const;
