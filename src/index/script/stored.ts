/**
 * Stored scripts in the node database (I/O shell over SqlDatabase, P6): one row per script in
 * `stored_scripts`, the format version in `stored_scripts_meta`. Elasticsearch keeps them in the
 * cluster state; Strait's cluster is one node, whose node.db outlives restarts the same way.
 * The request parsing and validation of `PUT _scripts/{id}` is pure and lives here too.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/create-stored-script-api.html
 */
import { errors, limits, type SqlDatabase } from '../../common/index.js';
import { JsonDocumentTable } from '../store/versioned-tables.js';
import { checkCompiles, checkLang, setNodeStoredScripts, type ScriptContext, type StoredScript, type StoredScriptLookup } from './index.js';
import { ScriptCompileError } from './lexer.js';
import { parseScript } from './parser.js';
import { compileError } from './index.js';

/** The format of the `stored_scripts` rows (P12). Bump only with a migration. */
export const STORED_SCRIPTS_FORMAT_VERSION = 1;

export class SqlStoredScripts implements StoredScriptLookup {
  /** Multi-node mode: every put and delete also goes here (node/wire-metadata-sharing.ts), before the table commits it. */
  private sink: ((id: string, script: StoredScript | null) => void) | undefined;

  private constructor(private readonly table: JsonDocumentTable<StoredScript>) {}

  /** From now on every put and delete (null) is handed to `sink` first; the sink may refuse it (throws). */
  shareChanges(sink: (id: string, script: StoredScript | null) => void): void {
    this.sink = sink;
  }

  /** Every stored script, for sharing. */
  sharedEntries(): Array<[string, StoredScript]> {
    return this.table.entries();
  }

  /** A script another node put or deleted (null): stored as it was there, not handed to the sink. */
  applyShared(id: string, script: StoredScript | null): void {
    if (script === null) this.table.remove(id);
    else this.table.put(id, script);
  }

  static open(db: SqlDatabase): SqlStoredScripts {
    const store = new SqlStoredScripts(
      JsonDocumentTable.open(db, {
        metaTable: 'stored_scripts_meta',
        version: STORED_SCRIPTS_FORMAT_VERSION,
        subject: 'stored scripts have',
        table: 'stored_scripts',
        keyColumn: 'id',
        valueColumn: 'record',
      }),
    );
    setNodeStoredScripts(store);
    return store;
  }

  get(id: string): StoredScript | undefined {
    return this.table.get(id);
  }

  put(id: string, script: StoredScript): void {
    this.sink?.(id, script);
    this.table.put(id, script);
  }

  remove(id: string): boolean {
    if (this.sink !== undefined && this.table.get(id) !== undefined) this.sink(id, null);
    return this.table.remove(id);
  }
}

/** Contexts `PUT _scripts/{id}/{context}` may name, as Elasticsearch's script context names. */
const contextNames: Readonly<Record<string, ScriptContext>> = {
  update: 'update',
  ingest: 'ingest',
  score: 'score',
  filter: 'filter',
  field: 'field',
  sort: 'sort',
  number_sort: 'sort',
  string_sort: 'sort',
  update_by_query: 'update_by_query',
  reindex: 'reindex',
};

/** Runtime field contexts: Elasticsearch refuses to store scripts for them. */
const runtimeFieldContexts = new Set(['boolean_field', 'date_field', 'double_field', 'geo_point_field', 'ip_field', 'long_field', 'string_field', 'keyword_field', 'composite_field']);

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The body of `PUT _scripts/{id}[/{context}]` to the script to store, with Elasticsearch's
 * validation: an id without `#`, a `script` object with `lang` and `source`, a known language,
 * a size limit, and a source that compiles (in the named context when there is one).
 */
export function parseStoredScriptPut(id: string, context: string | undefined, body: unknown): StoredScript {
  const problems: string[] = [];
  if (id.includes('#')) problems.push("id cannot contain '#' for stored script");
  if (!isPlainObject(body)) throw errors.parsing('request body is required');
  for (const key of Object.keys(body)) {
    if (key !== 'script') throw errors.parsing(`[script] unknown field [${key}]`);
  }
  const script = body['script'];
  if (!isPlainObject(script)) {
    if (script === undefined) problems.push('must specify a script');
    else throw errors.parsing('unexpected token, expected [{] for [script]');
  }
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  const definition = script as Record<string, unknown>;
  let lang: string | undefined;
  let source: string | undefined;
  let options: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(definition)) {
    if (key === 'lang') {
      if (typeof value !== 'string') throw errors.parsing('[script] failed to parse field [lang]');
      lang = value;
    } else if (key === 'source' || key === 'code') {
      if (isPlainObject(value)) throw errors.illegalArgument('stored search templates (a JSON [source]) are not supported by Strait');
      if (typeof value !== 'string') throw errors.parsing('[script] failed to parse field [source]');
      source = value;
    } else if (key === 'options') {
      if (!isPlainObject(value)) throw errors.parsing('[script] failed to parse field [options]');
      options = Object.fromEntries(Object.entries(value).map(([name, item]) => [name, String(item)]));
    } else throw errors.parsing(`[script] unknown field [${key}]`);
  }
  if (lang === undefined || lang === '') throw errors.illegalArgument('must specify lang for stored script');
  if (source === undefined || source === '') throw errors.illegalArgument('must specify source for stored script');
  if (lang === 'mustache') throw errors.illegalArgument('stored search templates (lang [mustache]) are not supported by Strait');
  checkLang(lang);
  if (Buffer.byteLength(source, 'utf8') > limits.scriptSourceCharsMax) {
    throw errors.illegalArgument(`exceeded max allowed stored script size in bytes [${limits.scriptSourceCharsMax}] with size [${Buffer.byteLength(source, 'utf8')}] for script [${id}]`);
  }
  if (context !== undefined) {
    if (runtimeFieldContexts.has(context)) {
      const reason = `cannot store a script for context [${context}]`;
      throw errors.illegalArgumentCausedBy(reason, errors.illegalArgument(reason));
    }
    const known = contextNames[context];
    if (known === undefined) throw errors.illegalArgument(`Unknown context [${context}]`);
    checkCompiles(source, known);
  } else {
    // Without a context only the syntax can be checked: which variables exist depends on the use.
    try {
      parseScript(source);
    } catch (error) {
      if (error instanceof ScriptCompileError) throw compileError(source, error);
      throw error;
    }
  }
  return options === undefined || Object.keys(options).length === 0 ? { lang, source } : { lang, source, options };
}

/**
 * The contexts Strait runs painless in, by Elasticsearch's names, with what their `execute`
 * returns (`GET _script_context`, `GET _script_language`).
 */
export const scriptContextDescriptions: readonly { readonly name: string; readonly returnType: string }[] = [
  { name: 'aggregation_selector', returnType: 'boolean' },
  { name: 'boolean_field', returnType: 'void' },
  { name: 'bucket_aggregation', returnType: 'java.lang.Double' },
  { name: 'date_field', returnType: 'void' },
  { name: 'double_field', returnType: 'void' },
  { name: 'field', returnType: 'java.lang.Object' },
  { name: 'filter', returnType: 'boolean' },
  { name: 'ingest', returnType: 'void' },
  { name: 'keyword_field', returnType: 'void' },
  { name: 'long_field', returnType: 'void' },
  { name: 'moving-function', returnType: 'double' },
  { name: 'number_sort', returnType: 'double' },
  { name: 'reindex', returnType: 'void' },
  { name: 'score', returnType: 'double' },
  { name: 'string_sort', returnType: 'java.lang.String' },
  { name: 'update', returnType: 'void' },
  { name: 'update_by_query', returnType: 'void' },
];
