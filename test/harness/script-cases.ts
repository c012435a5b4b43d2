// Replays text scripts (style P10): every `.txt` file of a directory becomes one test that runs
// each block's command through a fresh runner and compares the printed result with the text under
// the block's `----`. REWRITE=1 writes the actual results back instead; review the diff in git.
// Shared by the CCR follower, replication and cluster allocation scripts, which differ only in
// their runner and block syntax.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

export interface ScriptCaseBlock {
  readonly command: string;
  readonly expected: string;
}

export function replayScriptCases<Block extends ScriptCaseBlock>(options: {
  /** Test names are `${label} ${file}`. */
  readonly label: string;
  readonly directory: string;
  readonly newRunner: () => { run(command: string): string };
  readonly parse: (text: string) => Block[];
  readonly render: (blocks: readonly Block[]) => string;
  /** Blocks with an empty command (comments only) are kept as they are, not run. */
  readonly skipEmptyCommands: boolean;
}): void {
  const { label, directory, parse, render } = options;
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.txt')).sort()) {
    test(`${label} ${file}`, () => {
      const original = readFileSync(path.join(directory, file), 'utf8');
      const runner = options.newRunner();
      const blocks = parse(original).map((block) => {
        if (options.skipEmptyCommands && block.command === '') return block;
        let actual: string;
        try {
          actual = runner.run(block.command);
        } catch (error) {
          actual = `error: ${(error as Error).message}`;
        }
        return { ...block, expected: actual };
      });
      const rewritten = render(blocks);
      if (process.env['REWRITE'] === '1') writeFileSync(path.join(directory, file), rewritten);
      else assert.equal(rewritten, original);
    });
  }
}
