import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePciIds } from './pci-ids.ts';

const SAMPLE = [
  '# comment',
  '10de  NVIDIA Corporation',
  '\t1eb8  TU104GL [Tesla T4]',
  '\t\t10de 12a2  TU104GL [Tesla T4]',
  '\t2786  AD104 [GeForce RTX 4070]',
  '8086  Intel Corporation',
  '\t3e92  CoffeeLake-S GT2 [UHD Graphics 630]',
  'C 03  Display controller',
  '\t00  VGA compatible controller',
  '\t\t00  VGA controller',
  '\t02  3D controller',
  'C 04  Multimedia controller',
  '\t03  Audio device',
].join('\n');

describe('parsePciIds()', () => {
  const ids = parsePciIds(SAMPLE);
  test('resolves vendor, device and subsystem names', () => {
    assert.deepEqual(ids.names(0x10de, 0x1eb8, 0x10de, 0x12a2), {
      vendor: 'NVIDIA Corporation',
      device: 'TU104GL [Tesla T4]',
      subsystem: 'TU104GL [Tesla T4]',
    });
  });
  test('returns undefined for unknown ids instead of guessing', () => {
    assert.deepEqual(ids.names(0x10de, 0xffff, 0x10de, 0x0001), {
      vendor: 'NVIDIA Corporation',
      device: undefined,
      subsystem: undefined,
    });
    assert.equal(ids.vendorName(0x1234), undefined);
  });
  test('resolves class and subclass names', () => {
    assert.deepEqual(ids.className(0x030200), { base: 'Display controller', sub: '3D controller' });
    assert.deepEqual(ids.className(0x040300), { base: 'Multimedia controller', sub: 'Audio device' });
    assert.deepEqual(ids.className(0x0c0330), { base: undefined, sub: undefined });
  });
  test('a class section ends the vendor section', () => {
    assert.equal(ids.names(0x8086, 0x3e92).device, 'CoffeeLake-S GT2 [UHD Graphics 630]');
  });
});
