/**
 * Nested documents of a segment (query/nested.ts `NestedScope`): derived from the segment's
 * stored `_source` the first time a nested query or aggregation asks, and kept while the
 * segment's texts live (a WeakMap keyed by them). Segments themselves hold parent documents
 * only, so queries and aggregations that know nothing of nested documents never meet one, and
 * a parent's nested documents change with it (an update or delete writes a new `_source`).
 *
 * Each document is parsed against the index mapping as a write parses it (mapping/document.ts),
 * which yields its nested objects as documents of their own with their indexable fields; per
 * nested path they become one segment, built by the engine's usual builder.
 */
import { errors } from '../../common/errors.js';
import { buildSegment, type FieldMappings, type Segment, type SegmentDocumentInput, type SourceTexts } from '../engine/index.js';
import type { NestedLevel, NestedScope } from '../query/nested.js';
import { deepFreezeMapping, keepsWholeSource, parseDocument, parseDocumentAgainst, parseOptionsOf, sourceMappingOf, type FlattenedMapping, type NestedDocument, type RootMapping } from '../mapping/index.js';

type Json = Record<string, unknown>;

/** One nested path's documents under one shard segment, parents being the enclosing level's documents. */
interface StoredLevel {
  readonly path: string;
  /** The enclosing nested path ('' for the root documents). */
  readonly parentPath: string;
  readonly segment: Segment;
  /** Per nested document: its parent's index in the enclosing level (or the root doc id). */
  readonly parentOf: Int32Array;
  readonly offsets: Int32Array;
}

interface SegmentNested {
  readonly rootMaxDoc: number;
  readonly levels: ReadonlyMap<string, StoredLevel>;
  /** Levels asked for from a given segment, by `${fromPath}\u0000${path}`. */
  readonly views: Map<string, NestedLevel>;
}

/** Where a level's segment comes from: the shard segment's nested documents and the level's path. */
interface LevelOrigin {
  readonly nested: SegmentNested;
  readonly path: string;
}

const emptyLevels: ReadonlyMap<string, StoredLevel> = new Map();

/** The nested scope of an index mapping (one per mapping object: a mapping update makes a new one). */
export function createNestedScope(root: RootMapping, flattened: FlattenedMapping, mappings: FieldMappings): NestedScope {
  const nestedPaths = new Set<string>();
  const objectPaths = new Set<string>();
  for (const [path, type] of flattened.objects) {
    objectPaths.add(path);
    if (type === 'nested') nestedPaths.add(path);
  }
  const bySources = new WeakMap<SourceTexts, SegmentNested>();
  const origins = new WeakMap<Segment, LevelOrigin>();
  let frozen: RootMapping | undefined;

  const derive = (segment: Segment): SegmentNested => {
    let nested = bySources.get(segment.sources);
    if (nested !== undefined) return nested;
    if (nestedPaths.size === 0) {
      nested = { rootMaxDoc: segment.maxDoc, levels: emptyLevels, views: new Map() };
      bySources.set(segment.sources, nested);
      return nested;
    }
    if (!keepsWholeSource(sourceMappingOf(root))) {
      throw errors.illegalArgument('[nested] queries and aggregations need the whole _source, which this index does not keep (_source disabled or filtered): Strait derives nested documents from it');
    }
    frozen ??= deepFreezeMapping(structuredClone(root));
    const options = parseOptionsOf(root);
    const collected = new Map<string, { parentPath: string; inputs: { id: string; source: string; fields: Record<string, unknown[]> }[]; parentOf: number[]; offsets: number[] }>();
    const visit = (documents: readonly NestedDocument[], parentPath: string, parent: number, id: string): void => {
      for (const document of documents) {
        let level = collected.get(document.path);
        if (level === undefined) {
          level = { parentPath, inputs: [], parentOf: [], offsets: [] };
          collected.set(document.path, level);
        }
        const index = level.inputs.length;
        level.inputs.push({ id, source: JSON.stringify(document.source), fields: document.fields });
        level.parentOf.push(parent);
        level.offsets.push(document.offset);
        visit(document.children, document.path, index, id);
      }
    };
    for (let doc = 0; doc < segment.maxDoc; doc++) {
      let parsed;
      try {
        const source = JSON.parse(segment.sources.text(doc)) as unknown;
        parsed = parseDocumentAgainst(frozen, source, segment.ids[doc]!, options) ?? parseDocument(root, source, segment.ids[doc]!, options);
      } catch {
        continue; // a document that no longer parses is searchable by id only (document-input.ts): no nested documents
      }
      visit(parsed.nested, '', doc, segment.ids[doc]!);
    }
    const levels = new Map<string, StoredLevel>();
    for (const [path, level] of collected) {
      const inputs = level.inputs;
      const documents = { length: inputs.length, at: (docId: number): SegmentDocumentInput => ({ docId, ...inputs[docId]! }) };
      const levelSegment = buildSegment(documents, mappings, { name: `${segment.name}[${path}]`, maxSeqNo: segment.maxSeqNo });
      levels.set(path, { path, parentPath: level.parentPath, segment: levelSegment, parentOf: Int32Array.from(level.parentOf), offsets: Int32Array.from(level.offsets) });
    }
    nested = { rootMaxDoc: segment.maxDoc, levels, views: new Map() };
    bySources.set(segment.sources, nested);
    for (const level of levels.values()) origins.set(level.segment, { nested, path: level.path });
    return nested;
  };

  const level = (segment: Segment, path: string): NestedLevel => {
    const origin = origins.get(segment);
    const nested = origin?.nested ?? derive(segment);
    const fromPath = origin?.path ?? '';
    const key = `${fromPath}\u0000${path}`;
    let view = nested.views.get(key);
    if (view === undefined) {
      view = levelView(nested, fromPath, path, segment.maxDoc, mappings);
      nested.views.set(key, view);
      origins.set(view.segment, { nested, path });
    }
    return view;
  };

  const identity = (segment: Segment, doc: number): Json | undefined => {
    const origin = origins.get(segment);
    const stored = origin?.nested.levels.get(origin.path);
    return origin === undefined || stored === undefined || stored.segment !== segment ? undefined : nestedIdentity(origin.nested, stored, doc);
  };

  return { nestedPaths, objectPaths, level, identity };
}

/** A level's nested documents with parents among the documents of `fromPath` (an ancestor level, or the root). */
function levelView(nested: SegmentNested, fromPath: string, path: string, parentMaxDoc: number, mappings: FieldMappings): NestedLevel {
  const stored = nested.levels.get(path);
  const under = fromPath === '' || path.startsWith(`${fromPath}.`);
  if (stored === undefined || !under) {
    const segment = buildSegment({ length: 0, at: () => undefined }, mappings, { name: `[${path}]`, maxSeqNo: -1 });
    return { path, segment, parentOf: new Int32Array(0), childStart: new Int32Array(parentMaxDoc + 1), identity: () => ({}) };
  }
  // Parents among `fromPath`'s documents: follow parent links up through the levels between.
  const parentOf = stored.parentOf.slice();
  for (let parentPath = stored.parentPath; parentPath !== fromPath; ) {
    const parentLevel = nested.levels.get(parentPath);
    if (parentLevel === undefined) break; // not reached: parent paths come from the same walk
    for (let index = 0; index < parentOf.length; index++) parentOf[index] = parentLevel.parentOf[parentOf[index]!]!;
    parentPath = parentLevel.parentPath;
  }
  const childStart = new Int32Array(parentMaxDoc + 1);
  for (let index = 0; index < parentOf.length; index++) childStart[parentOf[index]! + 1]!++;
  for (let doc = 0; doc < parentMaxDoc; doc++) childStart[doc + 1]! += childStart[doc]!;
  return { path, segment: stored.segment, parentOf, childStart, identity: (child) => nestedIdentity(nested, stored, child) };
}

/**
 * `_nested` of a nested document: from the root whatever level asked (as Elasticsearch's nested
 * identity), outermost first, each level's field relative to the one above it.
 */
function nestedIdentity(nested: SegmentNested, stored: StoredLevel, child: number): Json {
  const steps: { field: string; offset: number }[] = [];
  let index = child;
  let at = stored;
  for (;;) {
    const field = at.parentPath === '' ? at.path : at.path.slice(at.parentPath.length + 1);
    steps.unshift({ field, offset: at.offsets[index]! });
    if (at.parentPath === '') break;
    index = at.parentOf[index]!;
    at = nested.levels.get(at.parentPath)!;
  }
  let result: Json | undefined;
  for (let step = steps.length - 1; step >= 0; step--) result = { field: steps[step]!.field, offset: steps[step]!.offset, ...(result === undefined ? {} : { _nested: result }) };
  return result!;
}
