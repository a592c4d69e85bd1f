import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { OVERRIDE_KEYS, sizeInBytes } from './override-keys.ts';

describe('vgpu_unlock-rs override keys', () => {
  test('docs/profile-overrides.md documents every key', async () => {
    const doc = await readFile(new URL('../../docs/profile-overrides.md', import.meta.url), 'utf8');
    for (const key of Object.keys(OVERRIDE_KEYS)) assert.match(doc, new RegExp(`^\\| \`${key}\` \\|`, 'm'), key);
    assert.equal(Object.keys(OVERRIDE_KEYS).length, 25);
  });

  test('sizes: integers and K/M/G/T strings in binary units', () => {
    assert.equal(sizeInBytes(0x38000000), 0x38000000);
    assert.equal(sizeInBytes('2G'), 2 * 1024 ** 3);
    assert.equal(sizeInBytes('512MiB'), 512 * 1024 ** 2);
    assert.equal(sizeInBytes('1.5G'), 1.5 * 1024 ** 3);
    assert.equal(sizeInBytes('two'), undefined);
    assert.equal(sizeInBytes(-1), undefined);
    assert.equal(sizeInBytes(true), undefined);
  });
});
