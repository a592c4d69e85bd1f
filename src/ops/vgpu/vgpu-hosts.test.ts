import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareTypeIds } from './vgpu-hosts.ts';

test('compareTypeIds orders as the numeric "en" collator does, ids of one family by number', () => {
  const ids = [
    'nvidia-222',
    'nvidia-63',
    'nvidia-1145',
    'nvidia-0222',
    'nvidia-22',
    'nvidia-2',
    'i915-GVTg_V5_4',
    'i915-GVTg_V5_8',
    'i915-GVTg_V5_16',
    'mtty-2',
    'mtty-1',
    'mbochs-small',
    'mbochs-large',
    'mdpy-vga',
    'Nvidia-7',
    'nvidia',
    'nvidia-',
    '7',
    '10',
  ];
  const collator = new Intl.Collator('en', { numeric: true });
  const sign = (n: number) => Math.sign(n);
  for (const a of ids) {
    for (const b of ids) assert.equal(sign(compareTypeIds(a, b)), sign(collator.compare(a, b)), `${a} vs ${b}`);
  }
  assert.ok(compareTypeIds('nvidia-63', 'nvidia-222') < 0);
});
