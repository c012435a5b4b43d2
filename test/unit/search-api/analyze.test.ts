// The _analyze API (indices-analyze.html): analyzers, fields, custom chains, explain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from '../../../src/search/index.js';

test('built-in analyzers, arrays of text with the position gap, field analyzers', () => {
  const standard = analyze({ text: ['Hello World', 'Again'] }, { mappings: undefined }) as { tokens: { token: string; position: number; start_offset: number }[] };
  assert.deepEqual(standard.tokens.map((token) => [token.token, token.position, token.start_offset]), [['hello', 0, 0], ['world', 1, 6], ['again', 102, 12]]);
  const field = analyze({ field: 'body', text: 'Running' }, { mappings: { body: { type: 'text', analyzer: 'english' } } }) as { tokens: { token: string }[] };
  assert.deepEqual(field.tokens.map((token) => token.token), ['run']);
});

test('custom chains: tokenizer and filters, explain detail with bytes', () => {
  const chain = analyze({ tokenizer: 'standard', filter: ['lowercase', 'asciifolding', 'porter_stem', 'unique'], text: 'Café cafés CAFE' }, { mappings: undefined }) as { tokens: { token: string }[] };
  assert.deepEqual(chain.tokens.map((token) => token.token), ['cafe']);
  const explained = analyze({ tokenizer: 'keyword', filter: ['uppercase'], text: 'ab', explain: true }, { mappings: undefined }) as { detail: any };
  assert.equal(explained.detail.custom_analyzer, true);
  assert.deepEqual(explained.detail.tokenizer.tokens[0].bytes, '[61 62]');
  assert.equal(explained.detail.tokenfilters[0].tokens[0].token, 'AB');
  const named = analyze({ analyzer: 'whitespace', text: 'A b', explain: true }, { mappings: undefined }) as { detail: any };
  assert.equal(named.detail.analyzer.name, 'whitespace');
});

test('errors: missing text, unknown analyzer, tokenizer and filter, extra components on a named analyzer', () => {
  assert.throws(() => analyze({ analyzer: 'standard' }, { mappings: undefined }), { message: 'Validation Failed: 1: text is missing;' });
  assert.throws(() => analyze({ analyzer: 'nope', text: 'x' }, { mappings: {} }), { message: 'failed to find analyzer [nope]' });
  assert.throws(() => analyze({ tokenizer: 'nope', text: 'x' }, { mappings: undefined }), { message: 'failed to find global tokenizer under [nope]' });
  assert.throws(() => analyze({ filter: ['nope'], text: 'x' }, { mappings: undefined }), { message: 'failed to find global filter under [nope]' });
  assert.throws(() => analyze({ analyzer: 'standard', filter: ['lowercase'], text: 'x' }, { mappings: undefined }), { type: 'illegal_argument_exception' });
});
