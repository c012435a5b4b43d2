/**
 * The `user_agent` processor against what Elasticsearch's ingest-user-agent tests assert
 * (modules/ingest-user-agent: yamlRestTest 20_useragent_processor.yml, UserAgentProcessorTests,
 * UserAgentProcessorFactoryTests) and
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/user-agent-processor.html.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { limits } from '../../../src/common/index.js';
import { hasNestedUnboundedQuantifier } from '../../../src/index/ingest/user-agent.js';
import { configError, run } from './helpers.js';

const chromeOnMac = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/33.0.1750.149 Safari/537.36';

test('user_agent with defaults: Chrome on Mac OS X into user_agent (20_useragent_processor.yml "with defaults")', () => {
  const ran = run([{ user_agent: { field: 'field1' } }], { field1: chromeOnMac });
  assert.equal(ran.error, undefined);
  assert.deepEqual(ran.source, {
    field1: chromeOnMac,
    user_agent: {
      name: 'Chrome',
      version: '33.0.1750.149',
      original: chromeOnMac,
      os: { name: 'Mac OS X', version: '10.9.2', full: 'Mac OS X 10.9.2' },
      device: { name: 'Mac' },
    },
  });
});

test('user_agent: Firefox, Windows, an Android tablet, an iPad (UserAgentProcessorTests)', () => {
  const parsed = (text: string) => run([{ user_agent: { field: 'ua' } }], { ua: text }).source['user_agent'] as Record<string, unknown>;
  const firefox = parsed('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0');
  assert.equal(firefox['name'], 'Firefox');
  assert.equal(firefox['version'], '128.0');
  assert.deepEqual(firefox['os'], { name: 'Windows', version: '10', full: 'Windows 10' });
  const chromeWindows = parsed('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.141 Safari/537.36');
  assert.equal(chromeWindows['version'], '87.0.4280.141');
  assert.deepEqual(chromeWindows['device'], { name: 'Other' });
  const xoom = parsed('Mozilla/5.0 (Linux; U; Android 3.0; en-us; Xoom Build/HRI39) AppleWebKit/525.10+ (KHTML, like Gecko) Version/3.0.4 Mobile Safari/523.12.2');
  assert.deepEqual([xoom['name'], xoom['version'], xoom['os'], xoom['device']], ['Android', '3.0', { name: 'Android', version: '3.0', full: 'Android 3.0' }, { name: 'Motorola Xoom' }]);
  const ipad = parsed('Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1 Mobile/15E148 Safari/604.1');
  assert.deepEqual([ipad['name'], ipad['version'], ipad['os'], ipad['device']], ['Mobile Safari', '12.1', { name: 'iOS', version: '12.2', full: 'iOS 12.2' }, { name: 'iPad' }]);
});

test('user_agent: a crawler has no version or os; its device is Spider (UserAgentProcessorTests.testSpider)', () => {
  const ua = 'Mozilla/5.0 (compatible; EasouSpider; +http://www.easou.com/search/spider.html)';
  assert.deepEqual(run([{ user_agent: { field: 'ua' } }], { ua }).source['user_agent'], { name: 'EasouSpider', original: ua, device: { name: 'Spider' } });
});

test('user_agent: an unknown string is name Other and device Other, without version or os (testUnknown)', () => {
  const ua = 'Something I made up v42.0.1';
  assert.deepEqual(run([{ user_agent: { field: 'ua' } }], { ua }).source['user_agent'], { name: 'Other', original: ua, device: { name: 'Other' } });
});

test('user_agent with target_field and properties writes only those (20_useragent_processor.yml "with parameters")', () => {
  const ran = run([{ user_agent: { field: 'field1', target_field: 'field2', properties: ['os'] } }], { field1: chromeOnMac });
  assert.deepEqual(ran.source, { field1: chromeOnMac, field2: { os: { name: 'Mac OS X', version: '10.9.2', full: 'Mac OS X 10.9.2' } } });
  const upper = run([{ user_agent: { field: 'field1', properties: ['NAME', 'Version'] } }], { field1: chromeOnMac });
  assert.deepEqual(upper.source['user_agent'], { name: 'Chrome', version: '33.0.1750.149' });
});

test('user_agent: missing and null fields fail unless ignore_missing; a non-string fails (testNonExistentWithoutIgnoreMissing, testNullWithoutIgnoreMissing)', () => {
  assert.equal(run([{ user_agent: { field: 'source_field' } }], {}).error?.message, 'field [source_field] not present as part of path [source_field]');
  assert.equal(run([{ user_agent: { field: 'source_field' } }], { source_field: null }).error?.message, 'field [source_field] is null, cannot parse user-agent.');
  assert.deepEqual(run([{ user_agent: { field: 'source_field', ignore_missing: true } }], {}).source, {});
  assert.deepEqual(run([{ user_agent: { field: 'source_field', ignore_missing: true } }], { source_field: null }).source, { source_field: null });
  const number = run([{ user_agent: { field: 'n' } }], { n: 5 }).error;
  assert.equal(number?.type, 'illegal_argument_exception');
  assert.equal(number?.message, 'field [n] of type [java.lang.Integer] cannot be cast to [java.lang.String]');
});

test('user_agent: configuration errors (UserAgentProcessorFactoryTests): properties, regex_file, extract_device_type, unknown options', () => {
  const property = configError([{ user_agent: { field: 'ua', properties: ['invalid'] } }]);
  assert.equal(property.type, 'parse_exception');
  assert.equal(property.message, '[properties] illegal property value [invalid]. valid values are [NAME, OS, DEVICE, ORIGINAL, VERSION]');
  assert.equal(property.extra['property_name'], 'properties');
  const file = configError([{ user_agent: { field: 'ua', regex_file: 'does-not-exist.yml' } }]);
  assert.equal(file.message, '[regex_file] regex file [does-not-exist.yml] doesn\'t exist (has to exist at node startup)');
  const deviceType = configError([{ user_agent: { field: 'ua', extract_device_type: true } }]);
  assert.equal(deviceType.status, 400);
  assert.equal(deviceType.extra['property_name'], 'extract_device_type');
  assert.equal(run([{ user_agent: { field: 'ua', extract_device_type: false } }], { ua: 'x' }).error, undefined);
  assert.equal(configError([{ user_agent: {} }]).message, '[field] required property is missing');
  // 7.x pipelines' `ecs` is dropped unread, as Elasticsearch 8 does (its output is always ECS).
  assert.deepEqual(run([{ user_agent: { field: 'ua', ecs: true, properties: ['name'] } }], { ua: 'Something I made up v42.0.1' }).source['user_agent'], { name: 'Other' });
  assert.equal(configError([{ user_agent: { field: 'ua', bogus: 1 } }]).message, 'processor [user_agent] doesn\'t support one or more provided configuration parameters [bogus]');
});

test('user_agent: on_failure and if apply as to every processor', () => {
  const failed = run([{ user_agent: { field: 'missing', on_failure: [{ set: { field: 'failed', value: true } }] } }], {});
  assert.deepEqual(failed.source, { failed: true });
  const skipped = run([{ user_agent: { field: 'ua', if: 'ctx.parse == true' } }], { ua: chromeOnMac, parse: false });
  assert.equal(skipped.source['user_agent'], undefined);
});

test('user_agent: a string longer than limits.userAgentCharsMax is refused, not parsed (our guard against regex backtracking)', () => {
  const error = run([{ user_agent: { field: 'ua' } }], { ua: 'a'.repeat(limits.userAgentCharsMax + 1) }).error;
  assert.equal(error?.type, 'illegal_argument_exception');
  assert.match(error?.message ?? '', /longer than/);
  assert.equal(run([{ user_agent: { field: 'ua' } }], { ua: '/a'.repeat(limits.userAgentCharsMax / 2) }).error, undefined);
});

test('the bundled uap-core regexes hold no nested unbounded quantifier (the compiler asserts it at first use)', () => {
  assert.equal(hasNestedUnboundedQuantifier('(a+)*'), true);
  assert.equal(hasNestedUnboundedQuantifier('(?:x.*y){2,}'), true);
  assert.equal(hasNestedUnboundedQuantifier('((?:ab)+)+'), true);
  assert.equal(hasNestedUnboundedQuantifier('(a+)?'), false);
  assert.equal(hasNestedUnboundedQuantifier('[(]a+[)]*'), false);
  assert.equal(hasNestedUnboundedQuantifier('\\(a+\\)*'), false);
  assert.equal(hasNestedUnboundedQuantifier('(ab)+(.{0,200})'), false);
  const definitions = parseYaml(readFileSync(createRequire(import.meta.url).resolve('uap-core/regexes.yaml'), 'utf8')) as Record<string, { regex: string }[]>;
  const patterns = Object.values(definitions).flat().map((entry) => entry.regex);
  assert.ok(patterns.length > 1000);
  assert.deepEqual(patterns.filter(hasNestedUnboundedQuantifier), []);
});
