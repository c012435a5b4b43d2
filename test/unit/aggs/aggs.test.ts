// Aggregations against brute force on generated data, and the order-independent reduce (P8):
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import { mergeShardResults, parseSearchRequest, searchShard } from '../../../src/index/query/index.js';
import { buildSegments, type CorpusDoc, corpusMappings, corpusTags, createRandom, generateCorpus, testSeed } from '../engine/test-corpus.js';

const seed = 77;
const docs = generateCorpus(900, seed);
const segments = buildSegments(docs, createRandom(seed), 3);
const context = { mappings: corpusMappings, indexName: 'corpus', shardKey: 'corpus:0', nowMs: Date.UTC(2024, 0, 15), defaultFields: ['*'] };

function aggs(body: Record<string, unknown>, query?: unknown): Record<string, any> {
  const request = parseSearchRequest({ size: 0, aggs: body, ...(query === undefined ? {} : { query }) });
  return mergeShardResults([searchShard(segments, undefined, request, context)], request).aggregations!;
}

function countBy<K>(keys: K[]): Map<K, number> {
  const counts = new Map<K, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

test('terms on a multi-valued keyword: top buckets by count, sum_other_doc_count, error bound 0 on one shard (search-aggregations-bucket-terms-aggregation)', () => {
  const counts = countBy(docs.flatMap((doc) => doc.tags));
  const expected = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const result = aggs({ tags: { terms: { field: 'tag', size: 3 } } }).tags;
  assert.deepEqual(result, {
    doc_count_error_upper_bound: 0,
    sum_other_doc_count: expected.slice(3).reduce((sum, [, count]) => sum + count, 0),
    buckets: expected.slice(0, 3).map(([key, count]) => ({ key, doc_count: count })),
  });
});

test('terms include/exclude by regular expression and by exact values', () => {
  const counts = countBy(docs.flatMap((doc) => doc.tags));
  const keys = (body: Record<string, unknown>) => aggs({ t: { terms: { field: 'tag', order: { _key: 'asc' }, ...body } } }).t.buckets.map((bucket: any) => [bucket.key, bucket.doc_count]);
  assert.deepEqual(keys({ include: 'bl.*' }), ['black', 'blue'].map((tag) => [tag, counts.get(tag)]));
  assert.deepEqual(keys({ exclude: ['red', 'green'] }), ['black', 'blue', 'white'].map((tag) => [tag, counts.get(tag)]));
});

test('terms: numeric keys ordered by _key, min_doc_count, missing; booleans with key_as_string', () => {
  const counts = countBy(docs.map((doc) => doc.count ?? -1));
  const expected = [...counts].filter(([, count]) => count >= 12).sort((a, b) => a[0] - b[0]);
  const result = aggs({ counts: { terms: { field: 'count', size: 1000, order: { _key: 'asc' }, min_doc_count: 12, missing: -1 } } }).counts;
  assert.deepEqual(result.buckets, expected.map(([key, count]) => ({ key, doc_count: count })));
  const flags = aggs({ flags: { terms: { field: 'flag' } } }).flags;
  const trues = docs.filter((doc) => doc.flag).length;
  const buckets = [
    { key: 1, key_as_string: 'true', doc_count: trues },
    { key: 0, key_as_string: 'false', doc_count: docs.length - trues },
  ].sort((a, b) => b.doc_count - a.doc_count || a.key - b.key);
  assert.deepEqual(flags.buckets, buckets);
});

test('metrics: value_count, min, max, sum, avg, stats, extended_stats, cardinality, percentiles (t-digest, close to exact)', () => {
  const prices = docs.map((doc) => doc.price);
  const sum = prices.reduce((a, b) => a + b, 0);
  const result = aggs({
    count: { value_count: { field: 'price' } },
    low: { min: { field: 'price' } },
    high: { max: { field: 'price' } },
    total: { sum: { field: 'price' } },
    mean: { avg: { field: 'price' } },
    all: { stats: { field: 'count' } },
    extended: { extended_stats: { field: 'price' } },
    distinct: { cardinality: { field: 'count' } },
    quartiles: { percentiles: { field: 'price', percents: [25, 50, 75] } },
  });
  assert.equal(result.count.value, docs.length);
  assert.equal(result.low.value, Math.min(...prices));
  assert.equal(result.high.value, Math.max(...prices));
  assert.ok(Math.abs(result.total.value - sum) < 1e-6);
  assert.ok(Math.abs(result.mean.value - sum / docs.length) < 1e-9);
  const counts = docs.map((doc) => doc.count).filter((count): count is number => count !== undefined);
  assert.deepEqual(result.all, { count: counts.length, min: Math.min(...counts), max: Math.max(...counts), avg: counts.reduce((a, b) => a + b, 0) / counts.length, sum: counts.reduce((a, b) => a + b, 0) });
  const variance = prices.reduce((acc, price) => acc + (price - sum / docs.length) ** 2, 0) / docs.length;
  assert.ok(Math.abs(result.extended.variance - variance) < 1e-6);
  assert.ok(Math.abs(result.extended.std_deviation - Math.sqrt(variance)) < 1e-6);
  assert.equal(result.distinct.value, new Set(counts).size);
  const sorted = [...prices].sort((a, b) => a - b);
  const at = (p: number): number => {
    const position = (p / 100) * (sorted.length - 1);
    const low = Math.floor(position);
    return sorted[low]! + (sorted[Math.ceil(position)]! - sorted[low]!) * (position - low);
  };
  // 900 values compress (t-digest, compression 100): each quartile is within 0.5% of the value range.
  const tolerance = (sorted[sorted.length - 1]! - sorted[0]!) * 0.005;
  assert.deepEqual(Object.keys(result.quartiles.values), ['25.0', '50.0', '75.0']);
  for (const percent of [25, 50, 75]) assert.ok(Math.abs(result.quartiles.values[`${percent}.0`] - at(percent)) <= tolerance, `p${percent}: ${result.quartiles.values[`${percent}.0`]} vs ${at(percent)}`);
  const none = aggs({ m: { max: { field: 'price' } }, a: { avg: { field: 'price' } } }, { term: { tag: 'nope' } });
  assert.deepEqual(none, { m: { value: null }, a: { value: null } });
});

test('histogram with interval and min_doc_count 0 fills empty buckets (search-aggregations-bucket-histogram-aggregation)', () => {
  const subset = docs.filter((doc) => doc.tags.includes('red'));
  const counts = countBy(subset.map((doc) => Math.floor(doc.price / 10) * 10));
  const keys = [...counts.keys()].sort((a, b) => a - b);
  const expected = [];
  for (let key = keys[0]!; key <= keys[keys.length - 1]!; key += 10) expected.push({ key, doc_count: counts.get(key) ?? 0 });
  assert.deepEqual(aggs({ h: { histogram: { field: 'price', interval: 10 } } }, { term: { tag: 'red' } }).h.buckets, expected);
  assert.deepEqual(aggs({ h: { histogram: { field: 'price', interval: 10, min_doc_count: 1 } } }, { term: { tag: 'red' } }).h.buckets, expected.filter((bucket) => bucket.doc_count > 0));
});

// The oracle's formatters, one per time zone (making an Intl.DateTimeFormat costs far more than
// using one), and its answers per local month (every date of a month has the same month start).
const monthFormats = new Map<string, { month: Intl.DateTimeFormat; minute: Intl.DateTimeFormat }>();
const monthStarts = new Map<string, number>();
function localMonthStartUtc(utcMs: number, timeZone: string): number {
  let formats = monthFormats.get(timeZone);
  if (formats === undefined) {
    formats = {
      month: new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' }),
      minute: new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }),
    };
    monthFormats.set(timeZone, formats);
  }
  const parts = Object.fromEntries(formats.month.formatToParts(new Date(utcMs)).map((part) => [part.type, Number(part.value)]));
  const monthKey = `${timeZone} ${parts['year']}-${parts['month']}`;
  const known = monthStarts.get(monthKey);
  if (known !== undefined) return known;
  // Find the UTC instant of local midnight on the 1st by scanning candidate offsets (-14h..+14h).
  for (let offsetMinutes = -14 * 60; offsetMinutes <= 14 * 60; offsetMinutes += 15) {
    const candidate = Date.UTC(parts['year']!, parts['month']! - 1, 1) - offsetMinutes * 60_000;
    const local = formats.minute
      .formatToParts(new Date(candidate))
      .map((part) => part.value)
      .join('');
    if (local === `${parts['month']}/1/${parts['year']}, 00:00`) {
      monthStarts.set(monthKey, candidate);
      return candidate;
    }
  }
  throw new Error('no local midnight');
}

test('date_histogram per month in UTC and in America/New_York (DST), key_as_string with offset (search-aggregations-bucket-datehistogram-aggregation)', () => {
  for (const timeZone of [undefined, 'America/New_York']) {
    const counts = countBy(docs.map((doc) => localMonthStartUtc(doc.date, timeZone ?? 'UTC')));
    const expected = [...counts].sort((a, b) => a[0] - b[0]);
    const result = aggs({ months: { date_histogram: { field: 'date', calendar_interval: 'month', ...(timeZone ? { time_zone: timeZone } : {}) } } }).months;
    assert.deepEqual(
      result.buckets.map((bucket: any) => [bucket.key, bucket.doc_count]),
      expected,
      timeZone,
    );
    if (timeZone === undefined) assert.equal(result.buckets[0].key_as_string, '2023-01-01T00:00:00.000Z');
    else {
      assert.match(result.buckets[0].key_as_string, /^20\d\d-\d\d-01T00:00:00\.000-05:00$/);
      assert.equal(Date.parse(result.buckets[0].key_as_string), result.buckets[0].key);
      const july = result.buckets.find((bucket: any) => bucket.key_as_string.startsWith('2023-07'));
      assert.equal(july.key_as_string, '2023-07-01T00:00:00.000-04:00'); // daylight saving time
    }
  }
  // The same through a query (per-doc path) instead of match_all (column path).
  const flagged = docs.filter((doc) => doc.flag);
  const counts = countBy(flagged.map((doc) => localMonthStartUtc(doc.date, 'UTC')));
  const keys = [...counts.keys()].sort((a, b) => a - b);
  const result = aggs({ months: { date_histogram: { field: 'date', calendar_interval: '1M', min_doc_count: 1 } } }, { term: { flag: true } }).months;
  assert.deepEqual(result.buckets.map((bucket: any) => [bucket.key, bucket.doc_count]), keys.map((key) => [key, counts.get(key)]));
  const fixed = aggs({ days: { date_histogram: { field: 'date', fixed_interval: '7d', min_doc_count: 1 } } }).days;
  const weekCounts = countBy(docs.map((doc) => Math.floor(doc.date / (7 * 86_400_000)) * 7 * 86_400_000));
  assert.deepEqual(fixed.buckets.map((bucket: any) => [bucket.key, bucket.doc_count]), [...weekCounts].sort((a, b) => a[0] - b[0]));
});

test('range, date_range, filter, filters (with other bucket) and sub-aggregations', () => {
  const result = aggs({
    prices: { range: { field: 'price', ranges: [{ to: 10 }, { from: 10, to: 50 }, { from: 50 }] }, aggs: { n: { value_count: { field: 'count' } } } },
    dates: { date_range: { field: 'date', ranges: [{ to: '2023-06-01' }, { from: '2023-06-01' }] } },
    red: { filter: { term: { tag: 'red' } }, aggs: { avg_price: { avg: { field: 'price' } } } },
    groups: { filters: { filters: { cheap: { range: { price: { lt: 20 } } }, flagged: { term: { flag: true } } }, other_bucket_key: 'rest' } },
  });
  const inRange = (doc: CorpusDoc, from: number, to: number) => doc.price >= from && doc.price < to;
  assert.deepEqual(result.prices.buckets, [
    { key: '*-10.0', to: 10, doc_count: docs.filter((d) => inRange(d, -Infinity, 10)).length, n: { value: docs.filter((d) => inRange(d, -Infinity, 10) && d.count !== undefined).length } },
    { key: '10.0-50.0', from: 10, to: 50, doc_count: docs.filter((d) => inRange(d, 10, 50)).length, n: { value: docs.filter((d) => inRange(d, 10, 50) && d.count !== undefined).length } },
    { key: '50.0-*', from: 50, doc_count: docs.filter((d) => inRange(d, 50, Infinity)).length, n: { value: docs.filter((d) => inRange(d, 50, Infinity) && d.count !== undefined).length } },
  ]);
  const june = Date.UTC(2023, 5, 1);
  assert.deepEqual(result.dates.buckets, [
    { key: '*-2023-06-01T00:00:00.000Z', to: june, to_as_string: '2023-06-01T00:00:00.000Z', doc_count: docs.filter((d) => d.date < june).length },
    { key: '2023-06-01T00:00:00.000Z-*', from: june, from_as_string: '2023-06-01T00:00:00.000Z', doc_count: docs.filter((d) => d.date >= june).length },
  ]);
  const red = docs.filter((doc) => doc.tags.includes('red'));
  assert.equal(result.red.doc_count, red.length);
  assert.ok(Math.abs(result.red.avg_price.value - red.reduce((sum, doc) => sum + doc.price, 0) / red.length) < 1e-9);
  assert.deepEqual(result.groups.buckets, {
    cheap: { doc_count: docs.filter((d) => d.price < 20).length },
    flagged: { doc_count: docs.filter((d) => d.flag).length },
    rest: { doc_count: docs.filter((d) => !(d.price < 20) && !d.flag).length },
  });
});

test('terms with sub-aggregations ordered by a metric, and top_hits per bucket', () => {
  const result = aggs({ tags: { terms: { field: 'tag', order: { max_price: 'desc' } }, aggs: { max_price: { max: { field: 'price' } }, cheapest: { top_hits: { size: 1, sort: [{ price: 'asc' }] } } } } }).tags;
  const expected = corpusTags
    .map((tag) => {
      const tagged = docs.filter((doc) => doc.tags.includes(tag));
      const cheapest = [...tagged].sort((a, b) => a.price - b.price || docs.indexOf(a) - docs.indexOf(b))[0]!;
      return { tag, count: tagged.length, max: Math.max(...tagged.map((doc) => doc.price)), cheapest: cheapest.id };
    })
    .sort((a, b) => b.max - a.max || (a.tag < b.tag ? -1 : 1));
  assert.deepEqual(
    result.buckets.map((bucket: any) => [bucket.key, bucket.doc_count, bucket.max_price.value, bucket.cheapest.hits.hits[0]._id]),
    expected.map((entry) => [entry.tag, entry.count, entry.max, entry.cheapest]),
  );
  assert.equal(result.buckets[0].cheapest.hits.total.value, result.buckets[0].doc_count);
});

test('bad aggregation input: unknown type, terms on a text field without fielddata (Elasticsearch messages)', () => {
  assert.throws(() => parseSearchRequest({ aggs: { x: { foo: { field: 'a' } } } }), (error: EsError) => error.type === 'parsing_exception' && error.reason === 'Unknown aggregation type [foo]');
  assert.throws(
    () => aggs({ x: { terms: { field: 'body' } } }),
    (error: EsError) =>
      error.type === 'illegal_argument_exception' &&
      error.reason ===
        'Fielddata is disabled on [body] in [corpus]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [body] in order to load field data by uninverting the inverted index. Note that this can use significant memory.',
  );
  assert.throws(() => aggs({ x: { avg: { field: 'tag' } } }), (error: EsError) => error.reason === 'Field [tag] of type [keyword] is not supported for aggregation [avg]');
});

const shuffleSeed = testSeed();
test(`reduce is order-independent and equals the single-shard result for exact aggregations (seed=${shuffleSeed})`, () => {
  const random = createRandom(shuffleSeed);
  const shards = [docs.slice(0, 250), docs.slice(250, 600), docs.slice(600)].map((part, index) => ({ segments: buildSegments(part, random, 2), shardKey: `corpus:${index}` }));
  const body = {
    size: 0,
    aggs: {
      tags: { terms: { field: 'tag', size: 10 }, aggs: { s: { stats: { field: 'price' } } } },
      months: { date_histogram: { field: 'date', calendar_interval: 'month' }, aggs: { c: { cardinality: { field: 'count' } } } },
      h: { histogram: { field: 'count', interval: 5 } },
    },
  };
  // percentiles are approximate (a t-digest): shards merge in any order to the same digest, close to one shard's.
  const percentilesRequest = parseSearchRequest({ size: 0, aggs: { p: { percentiles: { field: 'price' } } } });
  const percentileResults = shards.map((shard) => searchShard(shard.segments, undefined, percentilesRequest, { ...context, shardKey: shard.shardKey, shardCount: 3 }));
  const percentilesReference = (mergeShardResults([searchShard(segments, undefined, percentilesRequest, context)], percentilesRequest).aggregations as Record<string, any>)['p'].values;
  const percentilesMerged = (mergeShardResults(percentileResults, percentilesRequest).aggregations as Record<string, any>)['p'].values;
  assert.deepEqual((mergeShardResults([...percentileResults].reverse(), percentilesRequest).aggregations as Record<string, any>)['p'].values, percentilesMerged);
  for (const [percent, value] of Object.entries(percentilesMerged)) assert.ok(Math.abs((value as number) - percentilesReference[percent]) < 1, `p${percent}`);
  const request = parseSearchRequest(body);
  const results = shards.map((shard) => searchShard(shard.segments, undefined, request, { ...context, shardKey: shard.shardKey, shardCount: 3 }));
  const reference = mergeShardResults([searchShard(segments, undefined, request, context)], request).aggregations;
  for (let attempt = 0; attempt < 6; attempt++) {
    const shuffled = [...results].sort(() => random() - 0.5);
    const merged = mergeShardResults(shuffled, request).aggregations!;
    // Float sums may differ in the last bits between a split and an unsplit corpus: compare within 1e-9.
    assert.deepEqual(JSON.parse(JSON.stringify(merged, (_, value) => (typeof value === 'number' ? Number(value.toPrecision(12)) : value))), JSON.parse(JSON.stringify(reference, (_, value) => (typeof value === 'number' ? Number(value.toPrecision(12)) : value))));
  }
});
