// Transport compatibility: shared/spec/remote-clusters.md §8.1 (symmetric rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incompatibilityReason, isTransportCompatible, parseVersion } from '../../../src/transport/version.js';

const cases: readonly [string, string, boolean][] = [
  ['9.1.0', '9.0.3', true], // same major, any minor
  ['9.1.0', '9.4.0', true],
  ['8.19.2', '9.1.0', true], // last minor of 8 with any 9
  ['8.18.1', '9.0.0', true], // released together
  ['8.18.1', '9.1.0', false],
  ['8.17.0', '9.1.0', false], // not the last minor
  ['7.17.9', '8.5.0', true],
  ['7.17.9', '9.1.0', false], // two majors apart
  ['6.7.0', '7.0.1', true],
  ['6.7.0', '7.1.0', false],
];

for (const [a, b, expected] of cases) {
  test(`${a} ↔ ${b}: ${expected ? 'compatible' : 'refused'} (both directions)`, () => {
    const left = parseVersion(a)!;
    const right = parseVersion(b)!;
    assert.equal(isTransportCompatible(left, right), expected);
    assert.equal(isTransportCompatible(right, left), expected);
  });
}

test('the refusal names both versions', () => {
  assert.equal(
    incompatibilityReason(parseVersion('9.1.0')!, parseVersion('7.17.0')!),
    'remote node version [7.17.0] is incompatible with local node version [9.1.0]',
  );
});

test('versions parse strictly', () => {
  assert.deepEqual(parseVersion('9.1.0'), { major: 9, minor: 1, patch: 0 });
  assert.deepEqual(parseVersion('8.19.2-SNAPSHOT'), { major: 8, minor: 19, patch: 2 });
  assert.equal(parseVersion('9.1'), undefined);
  assert.equal(parseVersion('nine'), undefined);
});
