// `/regex/` name patterns are Lucene regular expressions (Elasticsearch's "Regular expression
// syntax" reference and Lucene's RegExp grammar; Elasticsearch's Automatons builds index patterns
// with RegExp.ALL | RegExp.DEPRECATED_COMPLEMENT, so `&`, `~`, `#`, `@` and `<n-m>` are all on),
// matched against the whole name. Invalid ones are refused when a role is written, as
// RoleDescriptorRequestValidator does: 400 action_request_validation_exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePatterns, globCovers, parseRoleDescriptor } from '../../../src/security/index.js';
import { globsMayOverlap, patternError } from '../../../src/security/patterns.js';
import { isEsError, limits } from '../../../src/common/index.js';

/** Does `/body/` match `name`? */
const matches = (body: string, name: string): boolean => compilePatterns([`/${body}/`])(name);
const expectMatches = (body: string, yes: readonly string[], no: readonly string[]): void => {
  for (const name of yes) assert.equal(matches(body, name), true, `/${body}/ should match ${JSON.stringify(name)}`);
  for (const name of no) assert.equal(matches(body, name), false, `/${body}/ should not match ${JSON.stringify(name)}`);
};

test('kibana_system\'s Fleet regexp: metrics-* except the Endpoint metadata_current_default indices', () => {
  const body = 'metrics-.*&~(metrics-endpoint\\.metadata_current_default.*)';
  expectMatches(
    body,
    ['metrics-system.cpu-default', 'metrics-endpoint.metadata-default', 'metrics-endpoint.metadata_current_defaul', 'metrics-', 'metrics-endpointXmetadata_current_default'],
    ['metrics-endpoint.metadata_current_default-x', 'metrics-endpoint.metadata_current_default', 'logs-system-default', 'xmetrics-a', ''],
  );
});

test('anchoring: the expression matches the whole name, never a part of it', () => {
  expectMatches('abc', ['abc'], ['xabc', 'abcx', 'ab', '']);
  expectMatches('b.*', ['b', 'bcd'], ['ab']);
  assert.equal(patternError('/abc/'), undefined);
});

test('union, concatenation, grouping and the empty string', () => {
  expectMatches('ab|cd', ['ab', 'cd'], ['abcd', 'a', 'ad']);
  expectMatches('a(b|c)d', ['abd', 'acd'], ['ad', 'abcd']);
  expectMatches('a()b', ['ab'], ['a b']);
  expectMatches('()', [''], ['a']);
  expectMatches('', [''], ['a']);
  // A `|` where an expression starts is a plain character, as in Lucene's parser.
  expectMatches('|a', ['|a'], ['a', '']);
});

test('intersection & and complement ~', () => {
  expectMatches('.*a.*&.*b.*', ['ab', 'ba', 'xaybz'], ['aa', 'bb', '']);
  expectMatches('~(abc)', ['', 'ab', 'abcd', 'xyz'], ['abc']);
  expectMatches('~(a.*)', ['', 'b', 'ba'], ['a', 'abc']);
  expectMatches('~~(ab)', ['ab'], ['a', 'abc']);
  // `~` binds tighter than repetition: (~a)* is every string but "a" (no split of "a" avoids it).
  expectMatches('~a*', ['', 'aa', 'b', 'ab'], ['a']);
  // Elasticsearch's viewer role pattern: names not starting with `.` or `ilm-history-`.
  expectMatches('~(([.]|ilm-history-).*)', ['logs', 'ilm-historyx', ''], ['.kibana', 'ilm-history-1']);
});

test('repetition: ? * + {n} {n,} {n,m}', () => {
  expectMatches('ab?c', ['ac', 'abc'], ['abbc']);
  expectMatches('ab*c', ['ac', 'abc', 'abbbc'], ['adc']);
  expectMatches('ab+c', ['abc', 'abbc'], ['ac']);
  expectMatches('a{3}', ['aaa'], ['aa', 'aaaa']);
  expectMatches('a{2,}', ['aa', 'aaaaa'], ['a', '']);
  expectMatches('a{1,2}', ['a', 'aa'], ['', 'aaa']);
  expectMatches('(ab){0,2}', ['', 'ab', 'abab'], ['ababab', 'a']);
  expectMatches('(a*){3,5}', ['', 'a', 'aaaaaaa'], ['b']);
  expectMatches('(a|bc){2}', ['aa', 'abc', 'bca', 'bcbc'], ['a', 'bc', 'abca']);
  // Counts far beyond the name's length are fine.
  expectMatches('a{0,2000000000}', ['', 'aaaa'], ['b']);
  expectMatches('a{100}', [], ['a'.repeat(99), 'a'.repeat(101)]);
  assert.equal(matches('a{100}', 'a'.repeat(100)), true);
});

test('any character, any string, the empty language, literal strings', () => {
  expectMatches('a.c', ['abc', 'a.c', 'a\u00e9c', 'a\u{1F600}c'], ['ac', 'abbc']);
  expectMatches('a@', ['a', 'abc'], ['ba']);
  expectMatches('@', ['', 'anything'], []);
  expectMatches('#', [], ['', 'a']);
  expectMatches('a|#', ['a'], ['']);
  expectMatches('"a.b*"c', ['a.b*c'], ['aXbc', 'abbc']);
  expectMatches('"a"|"b"', ['a', 'b'], ['ab']);
});

test('character classes, negated classes, ranges and predefined classes', () => {
  expectMatches('[abc]x', ['ax', 'cx'], ['dx', 'x']);
  expectMatches('[a-c0-9]+', ['a1b2', '999'], ['d', 'a-']);
  expectMatches('[^a-c]', ['d', '-', '\u00e9'], ['a', 'c', '', 'dd']);
  expectMatches('[]]', [']'], ['[']);
  expectMatches('[-a]', ['-', 'a'], ['b']);
  expectMatches('[a\\-z]', ['a', '-', 'z'], ['b']);
  expectMatches('\\d\\D', ['1a'], ['11', 'aa']);
  expectMatches('\\s\\S', [' a', '\ta'], ['  ', 'ab']);
  expectMatches('\\w+\\W', ['a_9!'], ['a_9', 'a b ']);
  expectMatches('[\\d.]+', ['1.2', '..'], ['a']);
  expectMatches('[^\\d]', ['a'], ['5']);
});

test('numeric intervals <n-m>: same-width bounds fix the width, others allow leading zeros', () => {
  expectMatches('<1-10>', ['1', '5', '10', '01', '0007'], ['0', '11', '', 'a', '1a']);
  expectMatches('<01-10>', ['01', '05', '10'], ['1', '5', '010', '11']);
  expectMatches('<5-1>', ['1', '3', '5'], ['0', '6', '01']);
  expectMatches('logs-<2020-2024>-.*', ['logs-2022-x'], ['logs-2019-x', 'logs-2025-x']);
});

test('escapes: a backslash makes the next character literal', () => {
  expectMatches('a\\.b', ['a.b'], ['axb']);
  expectMatches('\\*\\+\\?\\|\\&\\~\\#\\@', ['*+?|&~#@'], ['']);
  expectMatches('\\(\\)', ['()'], ['']);
  expectMatches('\\\\', ['\\'], ['\\\\']);
  expectMatches('\\"a', ['"a'], ['a']);
  // Characters without a special meaning need no escape, in or out of classes.
  expectMatches('a-b/c}d]e^f$g,h', ['a-b/c}d]e^f$g,h'], []);
});

test('several patterns: exact names, globs and regexes combine as a union', () => {
  const match = compilePatterns(['exact', 'logs-*', '/metrics-[0-9]+/', '/a&b/']);
  assert.equal(match('exact'), true);
  assert.equal(match('logs-1'), true);
  assert.equal(match('metrics-42'), true);
  assert.equal(match('metrics-x'), false);
  assert.equal(match('a'), false, 'a&b is empty');
});

test('invalid expressions are refused (patternError) and never match silently', () => {
  const invalid = [
    '/[/', '/(/', '/a)/', '/a|/', '/a&/', '/"abc/', '/<1-/', '/<a-b>/', '/<1-2-3>/', '/<-5>/', '/a{/', '/a{x}/', '/a{2,1}/',
    '/a{99999999999}/', '/[z-a]/', '/[a-]/', '/\\q/', '/[\\q]/', '/\\/', '/a~/', '/~/', '/<name>/', '/', '/abc', '/abc/x',
  ];
  for (const pattern of invalid) {
    assert.ok(patternError(pattern) !== undefined, `${pattern} should be refused`);
    assert.throws(() => compilePatterns([pattern]), (error: unknown) => isEsError(error) && error.status === 400 && error.type === 'illegal_argument_exception', pattern);
  }
  assert.match(patternError('/abc')!, /must also end with '\//);
  assert.equal(patternError('/<name>/'), "'name' not found");
  // Patterns that do not start with `/` are wildcard patterns and always valid.
  for (const pattern of ['logs-*', '[', 'a(b', 'x/']) assert.equal(patternError(pattern), undefined, pattern);
  // `~)` is a literal tilde before a stray `)` for Elasticsearch's validation parse: refused.
  assert.ok(patternError('/~)/') !== undefined);
});

test('pathological input is bounded: pattern length, nesting depth and match work', () => {
  const longest = 'a'.repeat(limits.securityRegexCodePointsMax);
  assert.equal(patternError(`/${longest}/`), undefined);
  assert.match(patternError(`/${longest}a/`)!, /longer than/);
  const deep = '('.repeat(limits.securityRegexNestingDepthMax + 1) + 'a' + ')'.repeat(limits.securityRegexNestingDepthMax + 1);
  assert.match(patternError(`/${deep}/`)!, /nested/);
  const deepest = '('.repeat(limits.securityRegexNestingDepthMax) + 'a' + ')'.repeat(limits.securityRegexNestingDepthMax);
  assert.equal(matches(deepest, 'a'), true);
  // Classic catastrophic-backtracking shapes finish quickly: the matcher is memoised, not backtracking.
  const started = Date.now();
  assert.equal(matches('(a*)*b', 'a'.repeat(255)), false);
  assert.equal(matches('(a|aa)+c', 'a'.repeat(255)), false);
  assert.equal(matches('(.*a){20}', 'a'.repeat(255)), true);
  assert.equal(matches('~(.*b.*)&(a|a)*', 'a'.repeat(255)), true);
  assert.ok(Date.now() - started < 5_000, 'memoised matching stays polynomial');
  // A name so long that the matcher would pass its work budget is a 400, not a stall or a 5xx.
  const heavy = `(${'.*'.repeat(400)})`;
  assert.throws(
    () => matches(heavy, 'x'.repeat(100_000)),
    (error: unknown) => isEsError(error) && error.status === 400 && /too complex/.test(error.message),
  );
});

test('role validation: invalid regexes are 400 action_request_validation_exception, one line per name', () => {
  const put = (names: string[]) => () => parseRoleDescriptor('r', { indices: [{ names, privileges: ['read'] }] });
  assert.throws(put(['logs-*', '/[/']), (error: unknown) => {
    assert.ok(isEsError(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'action_request_validation_exception');
    assert.equal(error.message, 'Validation Failed: 1: invalid regular expression pattern [/[/];');
    return true;
  });
  assert.throws(put(['/(/', '/abc']), (error: unknown) => isEsError(error) && error.message === 'Validation Failed: 1: invalid regular expression pattern [/(/];2: invalid regular expression pattern [/abc];');
  assert.throws(
    () => parseRoleDescriptor('r', { remote_indices: [{ clusters: ['*'], names: ['/a{2,1}/'], privileges: ['read'] }] }, { allowRemote: true }),
    (error: unknown) => isEsError(error) && error.type === 'action_request_validation_exception',
  );
  const role = parseRoleDescriptor('r', { indices: [{ names: ['/metrics-.*&~(metrics-endpoint\\.metadata_current_default.*)/'], privileges: ['read'] }] });
  assert.equal(role.indices[0]!.names[0], '/metrics-.*&~(metrics-endpoint\\.metadata_current_default.*)/');
});

test('subset checks with regexes stay conservative (sound), exact against literal names', () => {
  const fleet = '/metrics-.*&~(metrics-endpoint\\.metadata_current_default.*)/';
  assert.equal(globCovers(fleet, 'metrics-system.cpu-default'), true);
  assert.equal(globCovers(fleet, 'metrics-endpoint.metadata_current_default-1'), false);
  assert.equal(globCovers(fleet, 'metrics-system*'), false, 'a wildcard inner pattern is not compared with a regex');
  assert.equal(globCovers('metrics-*', fleet), false, 'a regex inner pattern is covered only by itself or *');
  assert.equal(globCovers('*', fleet), true);
  assert.equal(globCovers(fleet, fleet), true);
  assert.equal(globCovers('/[/', 'x'), false, 'an unusable regex covers nothing');
  assert.equal(globsMayOverlap(fleet, 'metrics-endpoint.metadata_current_default-1'), false);
  assert.equal(globsMayOverlap(fleet, 'metrics-a'), true);
  assert.equal(globsMayOverlap(fleet, 'logs-*'), true, 'assumed to overlap');
  assert.equal(globsMayOverlap('/[/', 'x'), true, 'an unusable regex is assumed to overlap');
});

// Properties over generated expressions (seeded, so a failure reproduces). Lucene and JavaScript
// agree on the shared operators (| * + ? {n,m} ( ) [ ] [^ ] .) when the JavaScript expression is
// anchored and dot-all; & and ~ must behave as set intersection and complement.
const random = (() => {
  let seed = 20_261_206;
  return (below: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % below;
  };
})();
const generate = (depth: number): string => {
  const choice = random(depth <= 0 ? 4 : 11);
  switch (choice) {
    case 0: return 'a';
    case 1: return 'b';
    case 2: return '.';
    case 3: return ['[ab]', '[^a]', '[a-c]'][random(3)]!;
    case 4: return `${generate(depth - 1)}${generate(depth - 1)}`;
    case 5: return `(${generate(depth - 1)}|${generate(depth - 1)})`;
    case 6: return `(${generate(depth - 1)})*`;
    case 7: return `(${generate(depth - 1)})+`;
    case 8: return `(${generate(depth - 1)})?`;
    case 9: {
      const min = random(3);
      return `(${generate(depth - 1)}){${min},${min + random(3)}}`;
    }
    default: return `(${generate(depth - 1)})`;
  }
};
const sample = (): string => Array.from({ length: random(7) }, () => 'abc'[random(3)]).join('');

test('property: on the operators both share, matching agrees with an anchored JavaScript RegExp', () => {
  for (let round = 0; round < 300; round++) {
    const body = generate(4);
    const reference = new RegExp(`^(?:${body})$`, 'su');
    for (let probe = 0; probe < 20; probe++) {
      const name = sample();
      assert.equal(matches(body, name), reference.test(name), `/${body}/ on ${JSON.stringify(name)}`);
    }
  }
});

test('property: & is intersection and ~ is complement of whole-name matching', () => {
  for (let round = 0; round < 300; round++) {
    const first = generate(3);
    const second = generate(3);
    for (let probe = 0; probe < 20; probe++) {
      const name = sample();
      assert.equal(matches(`(${first})&(${second})`, name), matches(first, name) && matches(second, name), `(${first})&(${second}) on ${name}`);
      assert.equal(matches(`~(${first})`, name), !matches(first, name), `~(${first}) on ${name}`);
      assert.equal(matches(`(${first})&~(${second})`, name), matches(first, name) && !matches(second, name), `(${first})&~(${second}) on ${name}`);
    }
  }
});
