/**
 * The README's examples work as written: every command of its ```sh blocks that runs on the
 * emulated lab host (`--emulate lab`) runs, in the README's order, on one fresh state, and
 * succeeds.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { runCli, tempDir } from '../../test/helpers/fixtures.ts';

/** Splits a shell line into words: quotes group, `#` outside quotes starts a comment. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const char of line) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (char === '#' && word === undefined) {
      break;
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  assert.equal(quote, undefined, `unbalanced quote in README line: ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * The vgpuctl commands of the README's ```sh blocks that use `--emulate lab`, in order, with the
 * exit status the README promises: 0, or the N of a trailing `# exits N` comment.
 */
async function readmeLabCommands(): Promise<{ args: string[]; status: number }[]> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const commands: { args: string[]; status: number }[] = [];
  for (const block of readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const words = shellWords(line);
      if (words[0] !== 'vgpuctl') continue;
      // A line that pipes or redirects is a shell recipe, not one vgpuctl command.
      if (words.some((w) => /^(?:[<>|;]|>>|&&|\|\|)$/.test(w) || w.startsWith('>'))) continue;
      const at = words.indexOf('--emulate');
      if (at === -1 || words[at + 1] !== 'lab') continue;
      commands.push({ args: words.slice(1), status: Number(/#\s*exits (\d+)/.exec(line)?.[1] ?? 0) });
    }
  }
  return commands;
}

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-readme-');
});
after(() => state.cleanup());

test('shellWords keeps quoted words and drops comments', () => {
  assert.deepEqual(shellWords('vgpuctl define --type "GRID T4-2B" --auto   # note'), [
    'vgpuctl',
    'define',
    '--type',
    'GRID T4-2B',
    '--auto',
  ]);
});

test("every README command on --emulate lab succeeds, in the README's order", async () => {
  const commands = await readmeLabCommands();
  assert.ok(commands.length >= 10, `found only ${commands.length} README commands`);
  assert.ok(
    commands.some(({ args }) => args.includes('define') && args.includes('GRID T4-2B')),
    'the define after create example is among them',
  );
  for (const { args, status } of commands) {
    const run = await runCli(args, { VGPUCTL_STATE_DIR: state.dir });
    assert.equal(run.status, status, `vgpuctl ${args.join(' ')}\n${run.stderr}`);
  }
});
