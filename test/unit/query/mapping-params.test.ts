// Mapping parameters Strait accepts only for the values it implements (project rule: a setting we
// accept is a setting we honour). Every other value is a 400 mapper_parsing_exception naming the
// parameter, instead of being stored and silently ignored.
// References: mapping-params.html (normalizer, copy_to, similarity, norms, index_options,
// fielddata, position_increment_gap, search_quote_analyzer), date.html (locale),
// token-count.html (enable_position_increments), mapping-field-meta.html (meta).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { parseMapping } from '../../../src/index/mapping/index.js';

function refused(field: Record<string, unknown>, parameter: string): void {
  assert.throws(
    () => parseMapping({ properties: { f: field } }),
    (error: unknown) => {
      assert.ok(error instanceof EsError, `an EsError, got ${String(error)}`);
      assert.equal(error.status, 400);
      assert.equal(error.type, 'mapper_parsing_exception');
      assert.match(error.message, new RegExp(`\\[${parameter}\\] value .* on mapper \\[f\\] is not supported by Strait`));
      return true;
    },
    `${JSON.stringify(field)} is refused`,
  );
}

function accepted(field: Record<string, unknown>): void {
  assert.doesNotThrow(() => parseMapping({ properties: { f: field } }), `${JSON.stringify(field)} is accepted`);
}

test('keyword normalizer is accepted (honoured: keyword-normalizer.test.ts); its name is checked against the index settings when the index is written', () => {
  accepted({ type: 'keyword', normalizer: 'lowercase' });
  accepted({ type: 'text', fields: { raw: { type: 'keyword', normalizer: 'my_normalizer' } } });
});

test('copy_to is accepted (honoured, mapping-copy-to.test.ts); a non-default index-time boost is refused', () => {
  accepted({ type: 'keyword', copy_to: 'all' });
  accepted({ type: 'text', copy_to: ['a', 'b'] });
  refused({ type: 'long', boost: 2 }, 'boost');
  accepted({ type: 'long', boost: 1 });
});

test('similarity: only BM25 (the default and what Strait scores with)', () => {
  accepted({ type: 'text', similarity: 'BM25' });
  accepted({ type: 'keyword', similarity: 'BM25' });
  refused({ type: 'text', similarity: 'boolean' }, 'similarity');
  refused({ type: 'keyword', similarity: 'my_similarity' }, 'similarity');
});

test('keyword norms and index_options: only the defaults (no norms, docs)', () => {
  accepted({ type: 'keyword', norms: false, index_options: 'docs' });
  refused({ type: 'keyword', norms: true }, 'norms');
  refused({ type: 'keyword', index_options: 'freqs' }, 'index_options');
});

test('text norms, index_options, fielddata, position_increment_gap, search_quote_analyzer', () => {
  accepted({ type: 'text', norms: true, index_options: 'positions', fielddata: false, position_increment_gap: 100 });
  accepted({ type: 'text', index_options: 'offsets' });
  accepted({ type: 'text', analyzer: 'whitespace', search_quote_analyzer: 'whitespace' });
  refused({ type: 'text', norms: false }, 'norms');
  refused({ type: 'text', index_options: 'docs' }, 'index_options');
  refused({ type: 'text', index_options: 'freqs' }, 'index_options');
  refused({ type: 'text', fielddata: true }, 'fielddata');
  refused({ type: 'text', fielddata_frequency_filter: { min: 0.001 } }, 'fielddata_frequency_filter');
  refused({ type: 'text', position_increment_gap: 0 }, 'position_increment_gap');
  refused({ type: 'text', analyzer: 'standard', search_quote_analyzer: 'whitespace' }, 'search_quote_analyzer');
});

test('date locale (English only), print_format, token_count enable_position_increments', () => {
  accepted({ type: 'date', locale: 'en_US' });
  accepted({ type: 'date', locale: 'ROOT' });
  refused({ type: 'date', locale: 'de_DE' }, 'locale');
  refused({ type: 'date_nanos', print_format: 'yyyy' }, 'print_format');
  accepted({ type: 'token_count', analyzer: 'standard', enable_position_increments: true });
  refused({ type: 'token_count', analyzer: 'standard', enable_position_increments: false }, 'enable_position_increments');
});

test('parameters that change no result stay accepted', () => {
  accepted({ type: 'keyword', eager_global_ordinals: true, time_series_dimension: true, meta: { unit: 'none' } });
  accepted({ type: 'text', eager_global_ordinals: true, index_phrases: true, index_prefixes: { min_chars: 2 }, term_vector: 'with_positions_offsets' });
  accepted({ type: 'long', time_series_metric: 'gauge' });
});

test('root mapping: a synthetic _source is refused; disabled and filtered ones are accepted (source-mapping.test.ts); dynamic_templates are accepted (mapping-dynamic-templates.test.ts)', () => {
  const rootRefused = (mapping: Record<string, unknown>, parameter: string): void => {
    assert.throws(
      () => parseMapping(mapping),
      (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'mapper_parsing_exception' && error.message.includes(`[${parameter}]`) && error.message.includes('not supported by Strait'),
      JSON.stringify(mapping),
    );
  };
  assert.doesNotThrow(() => parseMapping({ dynamic_templates: [{ strings: { match_mapping_type: 'string', mapping: { type: 'keyword' } } }] }));
  assert.doesNotThrow(() => parseMapping({ _source: { enabled: false } }));
  assert.doesNotThrow(() => parseMapping({ _source: { excludes: ['secret'] } }));
  rootRefused({ _source: { mode: 'synthetic' } }, '_source');
  assert.doesNotThrow(() => parseMapping({ dynamic_templates: [], _source: { enabled: true }, _meta: { owner: 'x' } }));
});
