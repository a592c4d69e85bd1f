/**
 * Golden files: every format for every fixture, compared exactly with
 * test/golden/vmconfig/<fixture>.<format>.<ext>. After a deliberate change, regenerate with
 *   UPDATE_GOLDEN=1 npx tsx --test src/vmconfig/golden.test.ts
 * and review the diff.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { FIXTURE_CONFIGS } from './_test-configs.ts';
import { renderVmConfig, VM_CONFIG_FORMATS, type VmConfigFormat } from './render.ts';

const DIR = new URL('../../test/golden/vmconfig/', import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const EXTENSION: Record<VmConfigFormat, string> = {
  qemu: 'sh',
  'qemu-full': 'sh',
  libvirt: 'xml',
  'libvirt-fragment': 'xml',
  'cloud-hypervisor': 'sh',
  kubevirt: 'yaml',
};

describe('vmconfig golden files', () => {
  for (const [fixture, config] of Object.entries(FIXTURE_CONFIGS)) {
    for (const format of VM_CONFIG_FORMATS) {
      const name = `${fixture}.${format}.${EXTENSION[format]}`;
      test(`${fixture} as ${format} matches ${name}`, async () => {
        const actual = renderVmConfig(format, config);
        const file = new URL(name, DIR);
        if (UPDATE) {
          await mkdir(DIR, { recursive: true });
          await writeFile(file, actual);
          return;
        }
        const expected = await readFile(file, 'utf8').catch(() => {
          throw new Error(`golden file ${name} is missing: run with UPDATE_GOLDEN=1 to create it`);
        });
        assert.equal(actual, expected);
      });
    }
  }
});
