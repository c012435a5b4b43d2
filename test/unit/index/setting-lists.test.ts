// List values in flat index settings (setting-lists.ts): a list given as an array is kept as one
// (Elasticsearch's Settings print `"filter": ["lowercase", "asciifolding"]`, flat or nested), an
// item may hold a comma, and a value stored before lists were kept (a comma-joined string) reads
// as it did. Reference: index-modules-analysis / analysis-normalizers.html; Settings#getAsList.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nestFlatSettings, parseCreateSettings } from '../../../src/index/settings.js';
import { decodeSettingList, renderFlatSettingValues, settingList } from '../../../src/index/setting-lists.js';

test('an array in a group setting round-trips, commas inside items included', () => {
  const settings = parseCreateSettings({ analysis: { filter: { s: { type: 'stop', stopwords: ['a,b', 'c'] } } } });
  const stored = settings['index.analysis.filter.s.stopwords']!;
  assert.deepEqual(decodeSettingList(stored), ['a,b', 'c']);
  assert.deepEqual(settingList(stored), ['a,b', 'c']);
  assert.deepEqual(renderFlatSettingValues(settings)['index.analysis.filter.s.stopwords'], ['a,b', 'c']);
  assert.deepEqual((nestFlatSettings(settings) as any).index.analysis.filter.s.stopwords, ['a,b', 'c']);
  assert.equal(renderFlatSettingValues(settings)['index.analysis.filter.s.type'], 'stop');
});

test('a stored comma-joined string (earlier format, or a string given) reads as a list and prints as given', () => {
  assert.deepEqual(settingList('lowercase, asciifolding'), ['lowercase', 'asciifolding']);
  assert.equal(decodeSettingList('lowercase,asciifolding'), undefined);
  assert.deepEqual(renderFlatSettingValues({ 'index.analysis.normalizer.n.filter': 'lowercase,asciifolding' }), { 'index.analysis.normalizer.n.filter': 'lowercase,asciifolding' });
});
