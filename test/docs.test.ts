import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { ERROR_CLASS, EXIT_CODES } from '../src/core/errors.ts';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  test('documents every error code with its exit status', () => {
    for (const [code, cls] of Object.entries(ERROR_CLASS)) {
      const row = readme.split('\n').find((line) => line.includes(`\`${code}\``) && line.startsWith('|'));
      assert.ok(row, `${code} is missing from the exit-code table`);
      assert.ok(row.startsWith(`| ${EXIT_CODES[cls]} |`), `${code} should be under exit status ${EXIT_CODES[cls]}`);
    }
  });

  test('keeps the two-command Quick start', () => {
    assert.match(readme, /## Quick start\n\n```sh\nnpm install && npm start .*\nnpm test .*\n```/);
  });

  test("CI runs the README's test command, which typechecks, lints (unused code too) and tests", async () => {
    const ci = await readFile(new URL('../.ci/run', import.meta.url), 'utf8');
    const commands = ci.split('\n').filter((line) => /^npm /.test(line));
    assert.deepEqual(commands, ['npm ci --no-audit --no-fund', 'npm test']);
    const { scripts } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(scripts.test, 'npm run typecheck && npm run lint && npm run test:unit');
    assert.match(scripts.lint ?? '', /\bknip\b/);
    assert.match(scripts['test:unit'] ?? '', /tsx --test/);
  });
});
