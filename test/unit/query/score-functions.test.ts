// function_score's built-in functions (issue #15): field_value_factor, the gauss/linear/exp decay
// functions on numeric, date and geo_point fields, and random_score. Expected values come from the
// formulas of query-dsl-function-score-query.html (each decay function equals `decay` at
// origin ± (offset + scale) and 1 within the offset; a document without the field scores 1),
// field_value_factor's modifiers and its "must not produce negative scores" refusal, and
// random_score's [0, 1) scores that depend on seed and field only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decayScore, fieldValueFactorScore, randomScoreOf, selectDistance } from '../../../src/index/query/score-functions.js';
import { arcDistanceMeters } from '../../../src/index/query/geo.js';
import { segmentIndex, throwsEs } from './segment-index.js';

const close = (actual: number, expected: number, message?: string): void => assert.ok(Math.abs(actual - expected) < 1e-6, `${message ?? ''} ${actual} ≈ ${expected}`);

test('decay formulas: decay at offset + scale, 1 inside the offset, the documented curves between', () => {
  for (const kind of ['gauss', 'linear', 'exp'] as const) {
    close(decayScore(kind, 15, 10, 5, 0.5), 0.5, kind);
    close(decayScore(kind, 12, 20, 0, 0.3), kind === 'gauss' ? Math.exp((-144 * -Math.log(0.3)) / 400) : kind === 'exp' ? Math.exp((Math.log(0.3) / 20) * 12) : (20 / 0.7 - 12) / (20 / 0.7), kind);
    assert.equal(decayScore(kind, 3, 10, 5, 0.5), 1, kind);
    assert.equal(decayScore(kind, 0, 10, 0, 0.5), 1, kind);
  }
  // gauss: exp(-d²/2σ²) with σ² = -scale²/(2 ln decay)
  const sigma2 = -(10 * 10) / (2 * Math.log(0.5));
  close(decayScore('gauss', 7, 10, 0, 0.5), Math.exp(-(7 * 7) / (2 * sigma2)));
  // linear reaches 0 at scale / (1 - decay) and stays there
  assert.equal(decayScore('linear', 20, 10, 0, 0.5), 0);
  assert.equal(decayScore('linear', 30, 10, 0, 0.5), 0);
});

test('multi_value_mode selects among a document\'s distances', () => {
  assert.equal(selectDistance('min', [4, 1, 9]), 1);
  assert.equal(selectDistance('max', [4, 1, 9]), 9);
  assert.equal(selectDistance('sum', [4, 1, 9]), 14);
  assert.equal(selectDistance('avg', [4, 1, 10]), 5);
  assert.equal(selectDistance('median', [4, 1, 10, 6]), 5);
});

test('field_value_factor modifiers, factor as a float, and the negative score refusal', () => {
  assert.equal(fieldValueFactorScore(100, 1, 'log'), 2);
  close(fieldValueFactorScore(9, 1, 'log1p'), 1);
  close(fieldValueFactorScore(8, 1, 'log2p'), 1);
  close(fieldValueFactorScore(Math.E, 1, 'ln'), 1);
  close(fieldValueFactorScore(Math.E - 1, 1, 'ln1p'), 1);
  close(fieldValueFactorScore(Math.E - 2, 1, 'ln2p'), 1);
  assert.equal(fieldValueFactorScore(3, 2, 'square'), 36);
  assert.equal(fieldValueFactorScore(8, 2, 'sqrt'), 4);
  assert.equal(fieldValueFactorScore(4, 1, 'reciprocal'), 0.25);
  assert.equal(fieldValueFactorScore(5, 1.2, 'none'), 5 * Math.fround(1.2));
  throwsEs(() => fieldValueFactorScore(0.5, 1, 'log'), 'illegal_argument_exception', 'field value function must not produce negative scores, but got: [-0.3010299956639812] for field value: [0.5]; consider using log1p or log2p instead of log to avoid negative scores');
  throwsEs(() => fieldValueFactorScore(0.5, 1, 'ln'), 'illegal_argument_exception', /consider using ln1p or ln2p instead of ln/);
  throwsEs(() => fieldValueFactorScore(-3, 1, 'none'), 'illegal_argument_exception', 'field value function must not produce negative scores, but got: [-3.0] for field value: [-3.0]');
  assert.equal(randomScoreOf(0xffffffff | 0), (2 ** 24 - 1) / 2 ** 24);
  assert.equal(randomScoreOf(0), 0);
});

const mapping = { properties: { n: { type: 'long' }, price: { type: 'double' }, when: { type: 'date' }, at: { type: 'geo_point' }, tag: { type: 'keyword' }, title: { type: 'text' } } };
const docs = [
  { n: 4, price: 10, when: '2024-01-15', at: { lat: 0, lon: 0 }, tag: 'a' },
  { n: 9, price: 20, when: '2024-01-05', at: { lat: 0, lon: 1 }, tag: 'b' },
  { n: [1, 20], price: 30, when: '2023-12-26', at: [[2, 0], [0, 0.5]], tag: 'c' },
  { price: 40, tag: 'd', title: 'no numbers' },
];
const index = segmentIndex(mapping, docs);
const fscore = (body: Record<string, unknown>) => index.search({ query: { function_score: { boost_mode: 'replace', ...body } }, sort: ['_score', { price: 'asc' }] });

test('field_value_factor end to end: sorted hits, missing, filters and weights', () => {
  const result = fscore({ query: { exists: { field: 'n' } }, field_value_factor: { field: 'n', factor: 2, modifier: 'sqrt' } });
  assert.deepEqual(result.ids, ['2', '1', '3']);
  assert.deepEqual(result.scores, [Math.fround(Math.sqrt(18)), Math.fround(Math.sqrt(8)), Math.fround(Math.sqrt(2))]); // the first (lowest) value of a multi-valued field
  const missing = fscore({ field_value_factor: { field: 'n', missing: 100 } });
  assert.deepEqual(missing.ids, ['4', '2', '1', '3']);
  assert.deepEqual(missing.scores, [100, 9, 4, 1]);
  throwsEs(() => fscore({ field_value_factor: { field: 'n' } }), 'illegal_argument_exception', 'Missing value for field [n]');
  const filtered = fscore({ functions: [{ filter: { term: { tag: 'a' } }, field_value_factor: { field: 'n' }, weight: 3 }, { weight: 2 }], score_mode: 'sum' });
  assert.deepEqual(filtered.scores, [14, 2, 2, 2]);
  const unmapped = fscore({ field_value_factor: { field: 'nope', missing: 7 } });
  assert.deepEqual(unmapped.scores, [7, 7, 7, 7]);
  throwsEs(() => fscore({ field_value_factor: { field: 'nope' } }), 'query_shard_exception', "failed to create query: Unable to find a field mapper for field [nope]. No 'missing' value defined.");
  throwsEs(() => fscore({ field_value_factor: { field: 'tag' } }), 'query_shard_exception', /not numeric/);
  throwsEs(() => fscore({ field_value_factor: { field: 'n', modifier: 'cube' } }), 'illegal_argument_exception', /Modifier\.CUBE/);
  throwsEs(() => fscore({ field_value_factor: { factor: 2 } }), 'parsing_exception', "[field_value_factor] required field 'field' missing");
  throwsEs(() => fscore({ field_value_factor: { field: 'n', factor: [2] } }), 'parsing_exception', "[field_value_factor] field 'factor' does not support lists or objects");
  throwsEs(() => fscore({ field_value_factor: { field: 'n', scale: 2 } }), 'parsing_exception', 'field_value_factor query does not support [scale]');
  // a date is its epoch millis
  const dates = fscore({ query: { exists: { field: 'when' } }, field_value_factor: { field: 'when', modifier: 'log' } });
  assert.deepEqual(dates.ids, ['1', '2', '3']);
  assert.equal(dates.scores[0], Math.fround(Math.log10(Date.UTC(2024, 0, 15))));
});

test('decay functions on a numeric field: offset, decay, multi_value_mode, missing scores 1', () => {
  const gauss = fscore({ gauss: { n: { origin: 4, scale: 5, offset: 0, decay: 0.5 } } });
  assert.deepEqual(gauss.ids, ['1', '4', '3', '2']);
  assert.equal(gauss.scores[0], 1);
  assert.equal(gauss.scores[1], 1); // no value: distance 0
  assert.equal(gauss.scores[2], Math.fround(decayScore('gauss', 3, 5, 0, 0.5))); // min distance of [1, 20] to 4
  assert.equal(gauss.scores[3], 0.5); // 9 is origin + scale
  const max = fscore({ query: { term: { tag: 'c' } }, linear: { n: { origin: 4, scale: 20, decay: 0.25 }, multi_value_mode: 'max' } });
  assert.deepEqual(max.scores, [Math.fround(decayScore('linear', 16, 20, 0, 0.25))]);
  const avg = fscore({ query: { term: { tag: 'c' } }, exp: { n: { origin: 4, scale: 10, offset: 2 }, multi_value_mode: 'avg' } });
  assert.deepEqual(avg.scores, [Math.fround(Math.exp((Math.log(0.5) / 10) * ((1 + 14) / 2)))]);
  throwsEs(() => fscore({ gauss: { n: { scale: 5 } } }), 'query_shard_exception', 'failed to create query: both [scale] and [origin] must be set for numeric fields.');
  throwsEs(() => fscore({ gauss: { n: { origin: 1, scale: 0 } } }), 'query_shard_exception', 'failed to create query: function_score : scale must be > 0.0.');
  throwsEs(() => fscore({ gauss: { n: { origin: 1, scale: 1, decay: 1 } } }), 'query_shard_exception', 'failed to create query: function_score : decay must be in the range [0..1].');
  throwsEs(() => fscore({ gauss: { n: { origin: 1, scale: 1, offset: -1 } } }), 'query_shard_exception', 'failed to create query: function_score : offset must be > 0.0');
  throwsEs(() => fscore({ gauss: { n: { origin: 1, scale: 1, far: 1 } } }), 'query_shard_exception', 'failed to create query: parameter [far] not supported!');
  throwsEs(() => fscore({ gauss: { nope: { origin: 1, scale: 1 } } }), 'parsing_exception', 'unknown field [nope]');
  throwsEs(() => fscore({ gauss: { tag: { origin: 1, scale: 1 } } }), 'parsing_exception', 'field [tag] is of type [keyword], but only numeric types are supported.');
  throwsEs(() => fscore({ gauss: { n: { origin: 1, scale: 1 }, multi_value_mode: 'first' } }), 'illegal_argument_exception', 'Unknown MultiValueMode [first]');
  throwsEs(() => fscore({ gauss: { multi_value_mode: 'min' } }), 'parsing_exception', 'malformed score function score parameters.');
});

test('decay functions on a date field: origin defaults to now, date math, time value scale and offset', () => {
  // now is 2024-01-15 in segmentIndex
  const byNow = fscore({ query: { exists: { field: 'when' } }, gauss: { when: { scale: '10d' } } });
  assert.deepEqual(byNow.ids, ['1', '2', '3']);
  assert.deepEqual(byNow.scores, [1, 0.5, Math.fround(decayScore('gauss', 20, 10, 0, 0.5))]);
  const math = fscore({ query: { exists: { field: 'when' } }, exp: { when: { origin: 'now-10d', scale: '5d', offset: '5d', decay: 0.2 } } });
  assert.deepEqual(math.ids.slice(0, 1), ['2']);
  assert.deepEqual(math.scores, [1, Math.fround(0.2), Math.fround(0.2)]);
  const explicit = fscore({ query: { exists: { field: 'when' } }, linear: { when: { origin: '2023-12-26', scale: '20d' } } });
  assert.deepEqual(explicit.ids, ['3', '2', '1']);
  assert.deepEqual(explicit.scores, [1, 0.75, 0.5]);
  throwsEs(() => fscore({ gauss: { when: { origin: 'now' } } }), 'query_shard_exception', 'failed to create query: [scale] must be set for date fields.');
  throwsEs(() => fscore({ gauss: { when: { origin: 'now', scale: 'forever' } } }), 'query_shard_exception', /failed to parse setting \[DecayFunctionParser.scale\] with value \[forever\] as a time value/);
  throwsEs(() => fscore({ gauss: { when: { origin: 'yesterday', scale: '1d' } } }), 'query_shard_exception', /failed to parse date field \[yesterday\]/);
});

test('decay functions on a geo_point field: any origin form, distances with units, arc distance', () => {
  const oneDegree = arcDistanceMeters(0, 0, 0, 1);
  const result = fscore({ query: { exists: { field: 'at' } }, gauss: { at: { origin: '0,0', scale: `${oneDegree / 1000}km` } } });
  assert.deepEqual(result.ids, ['1', '3', '2']);
  assert.equal(result.scores[0], 1);
  close(result.scores[2]!, 0.5);
  const asArray = fscore({ query: { exists: { field: 'at' } }, gauss: { at: { origin: [0, 0], scale: oneDegree } } });
  assert.deepEqual(asArray.scores, result.scores);
  const withOffset = fscore({ query: { exists: { field: 'at' } }, linear: { at: { origin: { lat: 0, lon: 1 }, scale: '100km', offset: '50km' } } });
  assert.deepEqual(withOffset.ids, ['2', '1', '3']);
  assert.equal(withOffset.scores[0], 1);
  close(withOffset.scores[1]!, (200_000 - (oneDegree - 50_000)) / 200_000);
  const far = fscore({ query: { exists: { field: 'at' } }, linear: { at: { origin: 's00000', scale: '1m', offset: '1000km' } } }); // a geohash origin
  assert.deepEqual(far.scores, [1, 1, 1]);
  throwsEs(() => fscore({ gauss: { at: { origin: '0,0' } } }), 'query_shard_exception', 'failed to create query: [origin] and [scale] must be set for geo fields.');
  throwsEs(() => fscore({ gauss: { at: { origin: '0,0', scale: 'far' } } }), 'query_shard_exception', /failed to parse \[scale\]/);
});

test('random_score: [0, 1), stable for a seed and field, different seeds order differently', () => {
  const many = segmentIndex({ properties: { k: { type: 'keyword' }, n: { type: 'long' } } }, Array.from({ length: 40 }, (_, i) => ({ k: `key-${i}`, n: i })));
  const run = (random: Record<string, unknown>) => many.search({ size: 40, query: { function_score: { random_score: random, boost_mode: 'replace' } } });
  for (const random of [{ seed: 7, field: 'k' }, { seed: 'abc', field: 'n' }, {}]) {
    const first = run(random);
    assert.equal(first.ids.length, 40);
    for (const score of first.scores) assert.ok(score >= 0 && score < 1, `${score} in [0, 1)`);
    assert.ok(new Set(first.scores).size > 30, 'spread scores');
    if ('seed' in random) assert.deepEqual([run(random).ids, run(random).scores], [first.ids, first.scores]);
  }
  assert.notDeepEqual(run({ seed: 7, field: 'k' }).ids, run({ seed: 8, field: 'k' }).ids);
  throwsEs(() => run({ seed: 1, field: 'nope' }), 'query_shard_exception', 'failed to create query: Field [nope] is not mapped on [[idx]] and cannot be used as a source of random numbers.');
  throwsEs(() => run({ seed: {} }), 'parsing_exception', /random_score seed must be an int, long or string/);
  throwsEs(() => run({ seed: 1, size: 2 }), 'parsing_exception', 'random_score query does not support [size]');
  // _seq_no lives in the shard's doc metadata, which only the main thread's search passes in
  assert.throws(() => run({ seed: 1, field: '_seq_no' }), (error: unknown) => error instanceof Error && error.name === 'MainThreadOnly');
  assert.throws(() => run({ seed: 1 }), (error: unknown) => error instanceof Error && error.name === 'MainThreadOnly'); // a seed alone hashes _seq_no too
  // a long seed folds to an int as Long.hashCode does: 2^32 + 5 and 4 hash alike ((2^32+5) ^ 1 = 4 in the low word)
  assert.deepEqual(run({ seed: 2 ** 32 + 5, field: 'k' }).scores, run({ seed: 4, field: 'k' }).scores);
});

test('function_score parsing: one function per entry, one inline function', () => {
  throwsEs(() => fscore({ functions: [{ gauss: { n: { origin: 1, scale: 1 } }, random_score: {} }] }), 'parsing_exception', 'failed to parse function_score functions. already found [gauss], now encountering [random_score].');
  throwsEs(() => fscore({ gauss: { n: { origin: 1, scale: 1 } }, random_score: {} }), 'parsing_exception', /already found function \[gauss\], now encountering \[random_score\]/);
  throwsEs(() => fscore({ functions: [], random_score: {} }), 'parsing_exception', /already found \[functions\] array/);
});
