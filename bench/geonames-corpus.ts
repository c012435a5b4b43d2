/**
 * Seeded geonames-like documents for the engine micro-benchmark (not a test): name and
 * alternate names (text), a 10-30 word description over a Zipf vocabulary (text), country code
 * and feature class (keyword), population (long), elevation (integer), lat/lon (double),
 * modification date (date, epoch millis).
 */
import type { Client } from '@elastic/elasticsearch';
import type { FieldMappings, SegmentDocumentInput } from '../src/index/engine/index.js';
import { createRandom } from '../test/harness/random.js';

export { createRandom };

export const geonamesMappings: FieldMappings = {
  name: { type: 'text' },
  alternatenames: { type: 'text' },
  description: { type: 'text' },
  country_code: { type: 'keyword' },
  feature_class: { type: 'keyword' },
  population: { type: 'long' },
  elevation: { type: 'integer' },
  latitude: { type: 'double' },
  longitude: { type: 'double' },
  modification_date: { type: 'date' },
};

const syllables = ['ka', 'lo', 'mi', 'ne', 'ra', 'to', 'vi', 'su', 'pe', 'da', 'ri', 'on', 'el', 'am', 'us', 'ba', 'go', 'ze', 'fu', 'yo', 'chi', 'tra', 'ste', 'bur', 'gan'];

function word(random: () => number, syllableCount: number): string {
  let text = '';
  for (let index = 0; index < syllableCount; index++) text += syllables[Math.floor(random() * syllables.length)];
  return text;
}

/** Samples ranks 0..n-1 with probability ∝ 1/(rank+1)^s via a precomputed CDF. */
function zipfSampler(random: () => number, n: number, s: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let rank = 0; rank < n; rank++) {
    sum += 1 / Math.pow(rank + 1, s);
    cdf[rank] = sum;
  }
  for (let rank = 0; rank < n; rank++) cdf[rank]! /= sum;
  return () => {
    const target = random();
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cdf[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** A generated document: its source as an object, and as the engine's input once stringified (`engineInput`). */
export type GeonamesDocument = Omit<SegmentDocumentInput, 'source'> & { readonly source: Record<string, unknown> };

/** The engine's input for generated documents (the engine keeps sources as JSON text). */
export function engineInputs(documents: readonly GeonamesDocument[]): SegmentDocumentInput[] {
  return documents.map((doc) => ({ ...doc, source: JSON.stringify(doc.source) }));
}

/** The benches' common term: the description word whose document frequency is nearest 70%. */
export function commonTerm(descriptions: readonly string[]): string {
  const df = new Map<string, number>();
  for (const text of descriptions) for (const term of new Set(text.split(' '))) df.set(term, (df.get(term) ?? 0) + 1);
  let best = '';
  let gap = Infinity;
  for (const [term, count] of df) {
    const distance = Math.abs(count / descriptions.length - 0.7);
    if (distance < gap) {
      gap = distance;
      best = term;
    }
  }
  return best;
}

export function generateGeonames(count: number, seed: number): GeonamesDocument[] {
  const random = createRandom(seed);
  const vocabulary: string[] = [];
  const seen = new Set<string>();
  while (vocabulary.length < 50_000) {
    const candidate = word(random, 2 + Math.floor(random() * 3));
    if (!seen.has(candidate)) {
      seen.add(candidate);
      vocabulary.push(candidate);
    }
  }
  const countries: string[] = [];
  for (let index = 0; index < 250; index++) countries.push(String.fromCharCode(65 + (index % 26)) + String.fromCharCode(65 + Math.floor(index / 26)));
  const featureClasses = ['A', 'H', 'L', 'P', 'R', 'S', 'T', 'U', 'V'];
  const wordRank = zipfSampler(random, vocabulary.length, 1.0);
  const countryRank = zipfSampler(random, countries.length, 0.8);
  const dateStart = Date.UTC(2000, 0, 1);
  const dateSpan = Date.UTC(2024, 0, 1) - dateStart;
  const documents: GeonamesDocument[] = [];
  for (let doc = 0; doc < count; doc++) {
    const length = 10 + Math.floor(random() * 21);
    const words: string[] = [];
    for (let index = 0; index < length; index++) words.push(vocabulary[wordRank()]!);
    const name = `${word(random, 2)} ${word(random, 3)}`;
    const source = {
      name,
      alternatenames: `${word(random, 2)}, ${word(random, 3)}`,
      description: words.join(' '),
      country_code: countries[countryRank()]!,
      feature_class: featureClasses[Math.floor(random() * featureClasses.length)]!,
      population: Math.floor(Math.exp(random() * 14)),
      elevation: Math.floor(random() * 4000) - 100,
      latitude: random() * 180 - 90,
      longitude: random() * 360 - 180,
      modification_date: dateStart + Math.floor(random() * dateSpan),
    };
    const fields: Record<string, unknown[]> = {};
    for (const [key, value] of Object.entries(source)) fields[key] = [value];
    documents.push({ docId: doc, id: String(doc), source, fields });
  }
  return documents;
}

/**
 * Bulk-indexes `documents` into `index` over HTTP, 1,000 per `_bulk`, one worker per client (ids
 * are the documents' positions). `afterBatch` runs after each batch with its 1-based number.
 */
export async function bulkIndexDocuments(
  clients: readonly Client[],
  index: string,
  documents: readonly Record<string, unknown>[],
  afterBatch?: (batchNumber: number) => Promise<void>,
): Promise<void> {
  const batches: (readonly Record<string, unknown>[])[] = [];
  for (let i = 0; i < documents.length; i += 1000) batches.push(documents.slice(i, i + 1000));
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < batches.length) {
        const batchIndex = next++;
        const batch = batches[batchIndex]!;
        const response = await client.bulk({ operations: batch.flatMap((doc, i) => [{ index: { _index: index, _id: String(batchIndex * 1000 + i) } }, doc]) });
        if (response.errors) throw new Error(`bulk errors: ${JSON.stringify(response.items.find((item) => item.index?.error))}`);
        if (afterBatch !== undefined) await afterBatch(batchIndex + 1);
      }
    }),
  );
}
