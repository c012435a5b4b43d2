// Bad scripts never crash the node (issue #15: "bad input must never produce a 5xx"): random
// expression and statement mixes, mostly ill-typed, compile and run in the update context and
// must fail, if they fail, only with Elasticsearch errors (script_exception and the like).
// Seeded (style P10): SEED=<n> replays a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { compileScript, parseScriptSpec, runWriteScript } from '../../../src/index/script/index.js';

const seed = Number(process.env['SEED'] ?? Math.floor(Math.random() * 2 ** 31));

test(`random scripts fail only with Elasticsearch errors (seed=${seed})`, () => {
  let state = seed;
  const rand = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const atoms = ['1', '0', '-1', '2147483647', '9223372036854775807L', '1.5', '3f', "'a'", '"b,c"', 'null', 'true', 'x', 'y', 'params.a', 'params.l', 'params.m', 'params.missing', 'ctx._source', 'ctx._source.a', 'ctx._source.l', 'ctx._source.m', '[1, "b"]', "['k': 1]", '[:]', 'new ArrayList()', 'new int[2]', 'Math.PI'];
  const binary = ['+', '-', '*', '/', '%', '<<', '>>>', '&', '|', '^', '==', '!=', '===', '<', '>=', '&&', '||', '?:'];
  const methods = ['size()', 'get(0)', 'add(1)', 'remove(0)', 'length()', 'substring(1)', 'charAt(0)', 'keySet()', 'isEmpty()', 'toString()', 'contains(1)', 'put("k", 2)', 'sort(null)', 'splitOnToken(",")', 'compareTo(1)', 'trim()', 'entrySet()'];
  const expr = (depth: number): string => {
    if (depth <= 0) return pick(atoms);
    switch (Math.floor(rand() * 8)) {
      case 0:
        return `(${expr(depth - 1)} ${pick(binary)} ${expr(depth - 1)})`;
      case 1:
        return `${expr(depth - 1)}.${pick(methods)}`;
      case 2:
        return `${expr(depth - 1)}[${expr(depth - 1)}]`;
      case 3:
        return `(${pick(['int', 'long', 'double', 'String', 'def', 'List', 'Map', 'byte', 'char'])}) ${expr(depth - 1)}`;
      case 4:
        return `${pick(['!', '-', '~'])}${expr(depth - 1)}`;
      case 5:
        return `${expr(depth - 1)} ? ${expr(depth - 1)} : ${expr(depth - 1)}`;
      case 6:
        return `Math.max(${expr(depth - 1)}, ${expr(depth - 1)})`;
      default:
        return `${expr(depth - 1)}?.${pick(methods)}`;
    }
  };
  const statement = (depth: number): string => {
    switch (Math.floor(rand() * 6)) {
      case 0:
        return `x = ${expr(depth)};`;
      case 1:
        return `y ${pick(['+=', '-=', '*=', '/=', '<<='])} ${expr(depth)};`;
      case 2:
        return `if (${expr(depth)}) { ${statement(depth - 1)} } else { ${statement(depth - 1)} }`;
      case 3:
        return `for (def z : ${expr(depth)}) { ${statement(depth - 1)} }`;
      case 4:
        return `ctx._source.${pick(['a', 'b', 'l'])} = ${expr(depth)};`;
      default:
        return `x++; y--;`;
    }
  };
  for (let index = 0; index < 3000; index++) {
    const source = `def x = ${expr(2)}; def y = ${expr(1)}; ${statement(2)} ${statement(2)} return x;`;
    try {
      const script = compileScript({ ...parseScriptSpec(source), params: { a: 1, l: [1, 2], m: { k: 'v' } } }, 'update');
      runWriteScript(script, { source: { a: 1, l: [1], m: { z: 2 } }, index: 'i', id: '1', version: 1, routing: undefined, op: 'index' }, { nowMs: () => 0 });
    } catch (error) {
      assert.ok(error instanceof EsError, `${source}: ${String(error)}`);
      assert.ok(error.status < 500, `${source}: ${error.status}`);
    }
  }
});
