// Elastic's YAML client tests (shared/conformance/clients-tests, Apache-2.0) run through the
// official 9.x client against one real node, as user `elastic`.
//
// The suite lives outside this repository: STRAIT_CLIENTS_TESTS_DIR names it (default
// ../shared/conformance/clients-tests). When it is missing, a clone outside this workspace still
// passes `npm test`: the file reports one skipped test naming the path and the variable. Under CI
// (`CI` set to anything but `false` or `0`) a missing suite is a failure, never a skip.
import { after, before, describe, test } from 'node:test';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errors as clientErrors, type Client } from '@elastic/elasticsearch';
import { repoRoot, startNode, type StartedNode } from '../harness/cluster.js';
import { apiPath, parseYamlTestFile, runStep, Stash, type ApiCaller, type Step } from './yaml-runner.js';
import { skipped } from './skip.js';

const CLIENTS_TESTS_DIR_VARIABLE = 'STRAIT_CLIENTS_TESTS_DIR';
const suiteRoot = path.resolve(repoRoot, process.env[CLIENTS_TESTS_DIR_VARIABLE] || path.join('..', 'shared', 'conformance', 'clients-tests'));
const suiteFound = existsSync(suiteRoot) && statSync(suiteRoot).isDirectory();
const ciValue = process.env['CI'];
const underCi = ciValue !== undefined && ciValue !== '' && ciValue !== 'false' && ciValue !== '0';
const missingSuite = `clients-tests suite not found at ${suiteRoot} (set ${CLIENTS_TESTS_DIR_VARIABLE} to its directory)`;

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      return statSync(full).isDirectory() ? listFiles(full) : entry.endsWith('.yml') ? [full] : [];
    });
}

let node: StartedNode;
let client: Client;
const outcomes: { file: string; test: string; result: 'pass' | 'fail' | 'skip'; detail?: string }[] = [];

const call: ApiCaller = async (api, params, headers, ignore) => {
  let target: unknown = client;
  for (const part of apiPath(api)) target = (target as Record<string, unknown>)[part];
  if (typeof target !== 'function') return { status: -1, body: undefined, errorText: `unknown API [${api}]` };
  const owner = apiPath(api).length > 1 ? (client as unknown as Record<string, unknown>)[apiPath(api)[0]!] : client;
  try {
    const response = (await (target as (p: unknown, o: unknown) => Promise<{ statusCode: number; body: unknown }>).call(owner, params, { headers, meta: true, ignore })) as {
      statusCode: number;
      body: unknown;
    };
    return { status: response.statusCode ?? 200, body: response.body };
  } catch (error) {
    if (error instanceof clientErrors.ResponseError) {
      return { status: error.meta.statusCode ?? 500, body: error.meta.body, errorText: `${error.message} ${JSON.stringify(error.meta.body)}` };
    }
    return { status: -1, body: undefined, errorText: error instanceof Error ? error.message : String(error) };
  }
};

async function runSteps(steps: readonly Step[], stash: Stash): Promise<void> {
  for (const step of steps) await runStep(step, stash, call);
}

if (!suiteFound) {
  if (underCi) {
    test('clients-tests conformance suite is present', () => {
      throw new Error(`${missingSuite}; under CI=${ciValue} the suite must run`);
    });
  } else {
    test('clients-tests conformance', { skip: missingSuite }, () => undefined);
  }
} else {
  registerSuite();
}

function registerSuite(): void {
  before(async () => {
    node = await startNode();
    client = node.client();
  });

  after(async () => {
    await node?.destroy();
    const passed = outcomes.filter((outcome) => outcome.result === 'pass').length;
    const failed = outcomes.filter((outcome) => outcome.result === 'fail');
    const skippedCount = outcomes.filter((outcome) => outcome.result === 'skip').length;
    process.stdout.write(`\nclients-tests conformance: ${passed} passed, ${failed.length} failed, ${skippedCount} skipped\n`);
    for (const failure of failed) process.stdout.write(`  FAIL ${failure.file} :: ${failure.test}: ${failure.detail}\n`);
    if (process.env['CONFORMANCE_REPORT'] === '1') {
      const lines = ['| file | test | result |', '| --- | --- | --- |'];
      for (const outcome of outcomes) lines.push(`| ${outcome.file} | ${outcome.test} | ${outcome.result === 'skip' ? `skipped: ${outcome.detail}` : outcome.result} |`);
      writeFileSync(path.join(repoRoot, 'test', 'conformance', 'report.md'), `${lines.join('\n')}\n`);
    }
  });

  for (const file of listFiles(suiteRoot)) {
    const relative = path.relative(suiteRoot, file);
    const parsed = parseYamlTestFile(file);
    describe(relative, () => {
      for (const yamlTest of parsed.tests) {
        const skip = skipped.find((entry) => entry.file === relative && (entry.test === undefined || entry.test === yamlTest.name));
        const serverlessOnly = parsed.requires !== undefined && parsed.requires['stack'] === false;
        const reason = skip?.reason ?? (serverlessOnly ? 'serverless only (requires stack: false)' : undefined);
        if (reason !== undefined) {
          outcomes.push({ file: relative, test: yamlTest.name, result: 'skip', detail: reason });
          test(yamlTest.name, { skip: reason }, () => undefined);
          continue;
        }
        test(yamlTest.name, async () => {
          const stash = new Stash();
          try {
            await runSteps(parsed.setup, stash);
            await runSteps(yamlTest.steps, stash);
            outcomes.push({ file: relative, test: yamlTest.name, result: 'pass' });
          } catch (error) {
            outcomes.push({ file: relative, test: yamlTest.name, result: 'fail', detail: error instanceof Error ? error.message : String(error) });
            throw error;
          } finally {
            await runSteps(parsed.teardown, new Stash()).catch(() => undefined);
          }
        });
      }
    });
  }
}
