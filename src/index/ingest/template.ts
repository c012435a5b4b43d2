/**
 * Mustache templates in processor options (`"value": "{{host.name}}"`, `{{{_ingest.timestamp}}}`),
 * the subset ingest pipelines use: variables by dotted path over the document (source, metadata,
 * `_source.` and `_ingest.`). A missing variable renders as '' (Mustache's rule). Strings render
 * as they are, numbers and booleans as their text, objects and lists as JSON (Elasticsearch
 * renders Java maps as `{a=b}`; JSON is the readable form and says the same).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/ingest.html#template-snippets
 */
import type { IngestDocument } from './document.js';

const variablePattern = /\{\{\{\s*([^{}]+?)\s*\}\}\}|\{\{\s*([^{}#^/!>&][^{}]*?)\s*\}\}/g;

export type Template = string | ((document: IngestDocument) => string);

function isTemplate(text: string): boolean {
  variablePattern.lastIndex = 0;
  return variablePattern.test(text);
}

function render(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Compiles `text` once; a text without variables stays a constant. */
export function compileTemplate(text: string): Template {
  if (!isTemplate(text)) return text;
  return (document) =>
    text.replace(variablePattern, (_whole, triple: string | undefined, double: string | undefined) => {
      const path = (triple ?? double)!.trim();
      return render(document.getOptional(path));
    });
}

export function renderTemplate(template: Template, document: IngestDocument): string {
  return typeof template === 'string' ? template : template(document);
}

/** A `value` option: strings (map keys too) are templates, other values are taken as they are. */
export type ValueSource = (document: IngestDocument) => unknown;

export function compileValue(value: unknown): ValueSource {
  if (typeof value === 'string') {
    const template = compileTemplate(value);
    return (document) => renderTemplate(template, document);
  }
  if (Array.isArray(value)) {
    const items = value.map(compileValue);
    return (document) => items.map((item) => item(document));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => [compileTemplate(key), compileValue(item)] as const);
    return (document) => Object.fromEntries(entries.map(([key, item]) => [renderTemplate(key, document), item(document)]));
  }
  return () => value;
}
