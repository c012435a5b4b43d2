/**
 * `_source` texts kept as bytes off the heap (issue 13: "keep `_source` out of the heap"): in
 * memory and in a scratch file, written by builds and merges, persisted in the segment file. Each
 * text must come back byte for byte (Elasticsearch returns `_source` exactly as it was sent:
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping-source-field.html).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  allSourceTexts,
  buildSegment,
  deserializeSegment,
  isLive,
  memorySourceSink,
  mergeSegmentsStepwise,
  serializeSegment,
  sourceCopyBytesMax,
  sourceOf,
  sourceTextsOf,
  withDeletes,
  type SourceTexts,
} from '../../../src/index/engine/index.js';
import { runToEnd } from '../../../src/common/index.js';
import { segmentFileSourceTexts, spillingSourceSink } from '../../../src/index/searcher/source-file.js';
import { corpusMappings, createRandom, testSeed } from './test-corpus.js';

const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '\u00e9', '\u6771', '\ud83d\ude00', '\n'];

function randomTexts(random: () => number, count: number): string[] {
  return Array.from({ length: count }, () => {
    const length = random() < 0.02 ? 50_000 + Math.floor(random() * 2 * sourceCopyBytesMax) : Math.floor(random() * 300);
    let value = '';
    for (let index = 0; index < length; index++) value += alphabet[Math.floor(random() * alphabet.length)];
    return JSON.stringify({ value });
  });
}

function assertSameTexts(actual: SourceTexts, expected: readonly string[]): void {
  assert.equal(actual.count, expected.length);
  assert.deepEqual(allSourceTexts(actual), expected);
  // Offsets against prefix sums of the byte lengths (computed once: some texts are megabytes).
  const offsets = [0];
  for (const text of expected) offsets.push(offsets.at(-1)! + Buffer.byteLength(text));
  assert.equal(actual.byteLength, offsets.at(-1));
  for (let doc = 0; doc <= expected.length; doc++) assert.equal(actual.offsetOf(doc), offsets[doc]);
  if (expected.length > 2) assert.equal(Buffer.from(actual.bytesOf(1, expected.length - 1)).toString('utf8'), expected.slice(1, -1).join(''));
}

const seed = testSeed();

test(`texts round-trip through a memory sink and a spilling file sink, appended whole or as ranges (seed=${seed})`, () => {
  const random = createRandom(seed);
  const directory = mkdtempSync(path.join(tmpdir(), 'strait-sources-'));
  try {
    const texts = randomTexts(random, 400);
    for (const makeSink of [() => memorySourceSink(), () => spillingSourceSink(directory, 200), () => spillingSourceSink(directory, Infinity)]) {
      const sink = makeSink();
      for (const text of texts) sink.appendText(text);
      const whole = sink.finish();
      assertSameTexts(whole, texts);
      // Ranges of another texts object, in random runs (a merge copies runs of live documents).
      const copy = makeSink();
      const expected: string[] = [];
      for (let first = 0; first < texts.length; ) {
        const last = Math.min(texts.length, first + 1 + Math.floor(random() * 40));
        if (random() < 0.7) {
          copy.appendRange(whole, first, last);
          expected.push(...texts.slice(first, last));
        }
        first = last;
      }
      assertSameTexts(copy.finish(), expected);
    }
    assert.deepEqual(readdirSync(directory), [], 'scratch files are unlinked once open');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test(`segments whose sources are in scratch files merge, persist and load with every text kept (seed=${seed})`, () => {
  const random = createRandom(seed + 1);
  const directory = mkdtempSync(path.join(tmpdir(), 'strait-sources-'));
  try {
    const texts = randomTexts(random, 300);
    const build = (part: readonly string[], name: string) =>
      buildSegment(
        part.map((source, docId) => ({ docId, id: `${name}-${docId}`, source, fields: {} })),
        corpusMappings,
        { name, maxSeqNo: 0, sourceSink: spillingSourceSink(directory, 100) },
      );
    const first = build(texts.slice(0, 150), 'a');
    const second = build(texts.slice(150), 'b');
    assertSameTexts(first.sources, texts.slice(0, 150));
    const deleted = [0, 3, 4, 5, 149];
    const merged = runToEnd(mergeSegmentsStepwise([withDeletes(first, deleted), second], 'm', spillingSourceSink(directory, 100))).segment;
    const live = [...texts.slice(0, 150).filter((_, doc) => !deleted.includes(doc)), ...texts.slice(150)];
    assertSameTexts(merged.sources, live);
    assert.deepEqual(sourceOf(merged, 0), JSON.parse(live[0]!));
    const loaded = deserializeSegment(serializeSegment(merged));
    assertSameTexts(loaded.sources, live);
    // A segment file is the same whether its texts were read from a scratch file or from memory.
    assert.ok(serializeSegment(merged).equals(serializeSegment({ ...merged, sources: sourceTextsOf(live) })));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test(`a segment loaded with its texts left in its file reads them from there, and keeps every other section, live docs included (seed=${seed})`, () => {
  const random = createRandom(seed + 2);
  const directory = mkdtempSync(path.join(tmpdir(), 'strait-sources-'));
  try {
    const texts = randomTexts(random, 200);
    const built = buildSegment(
      texts.map((source, docId) => ({ docId, id: String(docId), source, fields: { title: [`word${docId % 7}`], count: [docId] } })),
      corpusMappings,
      { name: 's', maxSeqNo: 3 },
    );
    const segment = withDeletes(built, [1, 199]);
    const bytes = serializeSegment(segment); // live docs are written after the texts
    const file = path.join(directory, 's.seg');
    writeFileSync(file, bytes);
    let asked = 0;
    const loaded = deserializeSegment(Buffer.from(bytes), {
      sources: (position, offsets) => {
        asked++;
        return segmentFileSourceTexts(file, position, offsets);
      },
    });
    assert.equal(asked, 1);
    assertSameTexts(loaded.sources, texts);
    assert.equal(loaded.liveDocCount, 198);
    assert.equal(isLive(loaded, 1), false);
    assert.equal(isLive(loaded, 2), true);
    assert.ok(serializeSegment(loaded).equals(bytes), 'every section survives the load');
    // Answering undefined keeps the texts in memory, viewed in the buffer.
    assertSameTexts(deserializeSegment(bytes, { sources: () => undefined }).sources, texts);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
