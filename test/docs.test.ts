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
});
