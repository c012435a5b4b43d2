/** Seeded corpora for engine, query and aggregation tests (not a test file). */
import { buildSegment, type FieldMappings, type Segment, type SegmentDocumentInput } from '../../../src/index/engine/index.js';
import { createRandom } from '../../harness/random.js';

export { createRandom };


/** A seed from SEED or a random one (tests print it in their names, style P10). */
export function testSeed(): number {
  return Number(process.env['SEED'] ?? Math.floor(Math.random() * 2 ** 32));
}

export const corpusMappings: FieldMappings = {
  body: { type: 'text' },
  title: { type: 'text', analyzer: 'english' },
  tag: { type: 'keyword' },
  count: { type: 'long' },
  price: { type: 'double' },
  date: { type: 'date' },
  flag: { type: 'boolean' },
};

export interface CorpusDoc {
  readonly id: string;
  readonly body: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly count: number | undefined;
  readonly price: number;
  readonly date: number;
  readonly flag: boolean;
}

export const corpusWords = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];
export const corpusTags = ['red', 'green', 'blue', 'black', 'white'];

/** Skewed word choice (word i with weight 1/(i+1)) so terms span common to rare. */
export function generateCorpus(count: number, seed: number): CorpusDoc[] {
  const random = createRandom(seed);
  const weights = corpusWords.map((_, index) => 1 / (index + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = (): string => {
    let target = random() * total;
    for (let index = 0; index < corpusWords.length; index++) {
      target -= weights[index]!;
      if (target <= 0) return corpusWords[index]!;
    }
    return corpusWords[corpusWords.length - 1]!;
  };
  const docs: CorpusDoc[] = [];
  for (let index = 0; index < count; index++) {
    const length = 1 + Math.floor(random() * 12);
    const words: string[] = [];
    for (let word = 0; word < length; word++) words.push(pick());
    const tagCount = Math.floor(random() * 3);
    const tags = [...new Set(Array.from({ length: tagCount }, () => corpusTags[Math.floor(random() * corpusTags.length)]!))];
    docs.push({
      id: `d${index}`,
      body: words.join(' '),
      title: `${pick()} ${pick()}ing`,
      tags,
      count: random() < 0.1 ? undefined : Math.floor(random() * 100),
      price: Math.round(random() * 10_000) / 100,
      date: Date.UTC(2023, 0, 1) + Math.floor(random() * 400 * 86_400_000),
      flag: random() < 0.5,
    });
  }
  return docs;
}

export function toInput(doc: CorpusDoc, docId: number): SegmentDocumentInput {
  const fields: Record<string, unknown[]> = {
    body: [doc.body],
    title: [doc.title],
    tag: [...doc.tags],
    price: [doc.price],
    date: [doc.date],
    flag: [doc.flag],
  };
  if (doc.count !== undefined) fields['count'] = [doc.count];
  return { docId, id: doc.id, source: JSON.stringify(doc), fields };
}

/** Splits the corpus into segments of random sizes (at least one doc each). */
export function buildSegments(docs: readonly CorpusDoc[], random: () => number, segmentCountMax: number): Segment[] {
  const segments: Segment[] = [];
  let start = 0;
  let index = 0;
  while (start < docs.length) {
    const remaining = docs.length - start;
    const size = index === segmentCountMax - 1 ? remaining : Math.max(1, Math.min(remaining, Math.floor(random() * (docs.length / segmentCountMax) * 2)));
    segments.push(buildSegment(docs.slice(start, start + size).map(toInput), corpusMappings, { name: `s${index}`, maxSeqNo: start + size - 1 }));
    start += size;
    index++;
  }
  return segments;
}
