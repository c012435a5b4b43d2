/**
 * Document routing against Elasticsearch's known values:
 * - Murmur3HashFunctionTests.testKnownValues (the hash of a routing string);
 * - OperationRoutingTests.testBWC (shard numbers of an 8-shard index whose routing shards are 8:
 *   IndexMetadata.builder leaves number_of_routing_shards at number_of_shards);
 * - MetadataCreateIndexServiceTests.testCalculateNumRoutingShards (the 7.0+ default);
 * - IndexMetadataTests.testNumberOfRoutingShards (the validation messages).
 * The 3-shard expectations apply Elasticsearch's formula by hand to the known hashes:
 * floorMod(hash, 768) / 256.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultRoutingShards, murmur3Utf16, routingLayoutOf, searchRoutingShards, shardNumber, validateRoutingShards } from '../../../src/index/routing.js';
import { EsError } from '../../../src/common/index.js';

test('murmur3 over UTF-16 code units matches Elasticsearch Murmur3HashFunctionTests', () => {
  const known: ReadonlyArray<readonly [number, string]> = [
    [0x5a0cb7c3, 'hell'],
    [0xd7c31989, 'hello'],
    [0x22ab2984, 'hello w'],
    [0xdf0ca123, 'hello wo'],
    [0xe7744d61, 'hello wor'],
    [0xe07db09c, 'The quick brown fox jumps over the lazy dog'],
    [0x4e63d2ad, 'The quick brown fox jumps over the lazy cog'],
  ];
  for (const [expected, text] of known) assert.equal(murmur3Utf16(text), expected | 0, text);
});

test('shard numbers of an 8-shard index (routing shards 8) match OperationRoutingTests.testBWC', () => {
  const termToShard: Record<string, number> = {
    sEERfFzPSI: 1, cNRiIrjzYd: 7, BgfLBXUyWT: 5, cnepjZhQnb: 3, OKCmuYkeCK: 6, OutXGRQUja: 5, yCdyocKWou: 1, KXuNWWNgVj: 2,
    DGJOYrpESx: 4, upLDybdTGs: 5, yhZhzCPQby: 1, EyCVeiCouA: 1, tFyVdQauWR: 6, nyeRYDnDQr: 6, hswhrppvDH: 0, BSiWvDOsNE: 5,
    YHicpFBSaY: 1, EquPtdKaBZ: 4, rSjLZHCDfT: 5, qoZALVcite: 7, yDCCPVBiCm: 7, ngizYtQgGK: 5, FYQRIBcNqz: 0, EBzEDAPODe: 2,
    YePigbXgKb: 1, PeGJjomyik: 3, cyQIvDmyYD: 7, yIEfZrYfRk: 5, kblouyFUbu: 7, xvIGbRiGJF: 3, KWimwsREPf: 4, wsNavvIcdk: 7,
    xkWaPcCmpT: 0, FKKTOnJMDy: 7, RuLzobYixn: 2, mFohLeFRvF: 4, aAMXnamRJg: 7, zKBMYJDmBI: 0, ElSVuJQQuw: 7, pezPtTQAAm: 7,
    zBjjNEjAex: 2, PGgHcLNPYX: 7, hOkpeQqTDF: 3, chZXraUPBH: 7, FAIcSmmNXq: 5, EZmDicyayC: 0, GRIueBeIyL: 7, qCChjGZYLp: 3,
    IsSZQwwnUT: 3, MGlxLFyyCK: 3, YmscwrKSpB: 0, czSljcjMop: 5, XhfGWwNlng: 1, cWpKJjlzgj: 7, eDzIfMKbvk: 1, WFFWYBfnTb: 0,
    oDdHJxGxja: 7, PDOQQqgIKE: 1, bGEIEBLATe: 6, xpRkJPWVpu: 2, kTwZnPEeIi: 2, DifcuqSsKk: 1, CEmLmljpXe: 5, cuNKtLtyJQ: 7,
    yNjiAnxAmt: 5, bVDJDCeaFm: 2, vdnUhGLFtl: 0, LnqSYezXbr: 5, EzHgydDCSR: 3, ZSKjhJlcpn: 1, WRjUoZwtUz: 3, RiBbcCdIgk: 4,
    yizTqyjuDn: 4, QnFjcpcZUT: 4, agYhXYUUpl: 7, UOjiTugjNC: 7, nICGuWTdfV: 0, NrnSmcnUVF: 2, ZSzFcbpDqP: 3, YOhahLSzzE: 5,
    iWswCilUaT: 1, zXAamKsRwj: 2, aqGsrUPHFq: 5, eDItImYWTS: 1, JAYDZMRcpW: 4, lmvAaEPflK: 7, IKuOwPjKCx: 5, schsINzlYB: 1,
    OqbFNxrKrF: 2, QrklDfvEJU: 6, VLxKRKdLbx: 4, imoydNTZhV: 1, uFZyTyOMRO: 4, nVAZVMPNNx: 3, rPIdESYaAO: 5, nbZWPWJsIM: 0,
    wRZXPSoEgd: 3, nGzpgwsSBc: 4, AITyyoyLLs: 4,
  };
  const layout = { shards: 8, routingShards: 8 };
  for (const [term, shard] of Object.entries(termToShard)) assert.equal(shardNumber(layout, term), shard, term);
});

test('the default number_of_routing_shards matches MetadataCreateIndexService.calculateNumRoutingShards', () => {
  const expected: ReadonlyArray<readonly [number, number]> = [[1, 1024], [2, 1024], [3, 768], [9, 576], [512, 1024], [1024, 2048], [2048, 4096]];
  for (const [shards, routingShards] of expected) assert.equal(defaultRoutingShards(shards), routingShards, `${shards} shards`);
  assert.deepEqual(routingLayoutOf({ 'index.number_of_shards': '3' }), { shards: 3, routingShards: 768 });
  assert.deepEqual(routingLayoutOf({ 'index.number_of_shards': '3', 'index.number_of_routing_shards': '6' }), { shards: 3, routingShards: 6 });
  assert.deepEqual(routingLayoutOf({}), { shards: 1, routingShards: 1024 });
});

test('a 3-shard index with the default 768 routing shards: floorMod(hash, 768) / 256 of the known hashes', () => {
  const layout = routingLayoutOf({ 'index.number_of_shards': '3' });
  // hell 0x5a0cb7c3 = 1510782915: mod 768 = 195 -> 0; hello 0xd7c31989 = -675079799: floorMod 768 = 649 -> 2.
  assert.equal(shardNumber(layout, 'hell'), 0);
  assert.equal(shardNumber(layout, 'hello'), 2);
  assert.equal(shardNumber(layout, 'hello w'), 0); // 581642628 mod 768 = 132
  assert.equal(shardNumber(layout, 'hello wo'), 2); // floorMod(-552820445, 768) = 547
  assert.deepEqual(searchRoutingShards(layout, ['hello', 'hell', 'hello wo']), [0, 2]);
  assert.equal(searchRoutingShards(layout, undefined), undefined);
  // One shard: every routing value lands on shard 0.
  assert.equal(shardNumber(routingLayoutOf({}), 'hello'), 0);
});

test('number_of_routing_shards is validated as IndexMetadata does', () => {
  const message = (fn: () => void): string => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof EsError);
      assert.equal(error.type, 'illegal_argument_exception');
      assert.equal(error.status, 400);
      return error.message;
    }
    assert.fail('expected a 400');
  };
  assert.equal(message(() => validateRoutingShards(8, 4)), 'index.number_of_routing_shards [4] must be >= index.number_of_shards [8]');
  assert.equal(message(() => validateRoutingShards(2, 3)), 'the number of source shards [2] must be a factor of [3]');
  validateRoutingShards(3, 3);
  validateRoutingShards(3, 768);
});
