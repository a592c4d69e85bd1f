import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseCmdline,
  parseCreatableVgpuTypes,
  parseLinkSpeed,
  parseResourceFile,
  parseVramInfo,
} from './sysfs-formats.ts';

describe('parseResourceFile()', () => {
  test('reads 32-bit, 64-bit prefetchable and I/O BARs and skips empty ones', () => {
    const zero = '0x0000000000000000 0x0000000000000000 0x0000000000000000';
    const text = [
      '0x00000000fb000000 0x00000000fbffffff 0x0000000000040200',
      '0x0000038000000000 0x000003800fffffff 0x000000000014220c',
      zero,
      '0x0000000000003000 0x000000000000307f 0x0000000000040101',
      zero,
      zero,
      zero,
    ].join('\n');
    assert.deepEqual(parseResourceFile(`${text}\n`), [
      { index: 0, start: '0xfb000000', sizeBytes: 16 << 20, kind: 'mem32', prefetchable: false },
      { index: 1, start: '0x38000000000', sizeBytes: 256 << 20, kind: 'mem64', prefetchable: true },
      { index: 3, start: '0x3000', sizeBytes: 128, kind: 'io', prefetchable: false },
    ]);
  });
});

describe('parseLinkSpeed()', () => {
  for (const [text, want] of [
    ['16.0 GT/s PCIe\n', 16],
    ['2.5 GT/s PCIe\n', 2.5],
    ['8 GT/s\n', 8],
    ['Unknown\n', undefined],
    ['Unknown speed\n', undefined],
  ] as const) {
    test(`reads ${JSON.stringify(text)}`, () => assert.equal(parseLinkSpeed(text), want));
  }
});

describe('parseCmdline()', () => {
  test('splits flags and values, keeping quoted values whole', () => {
    const params = parseCmdline('BOOT_IMAGE=/vmlinuz ro quiet intel_iommu=on iommu=pt foo="a b"\n');
    assert.equal(params.get('intel_iommu'), 'on');
    assert.equal(params.get('iommu'), 'pt');
    assert.equal(params.get('quiet'), '');
    assert.equal(params.get('foo'), 'a b');
    assert.equal(params.has('amd_iommu'), false);
  });
});

describe('parseCreatableVgpuTypes()', () => {
  test('skips the header and reads id : name lines', () => {
    assert.deepEqual(
      parseCreatableVgpuTypes('ID    : vGPU Name\n1414 : NVIDIA H200X-1-18C\n1415 : NVIDIA H200X-2-35C\n'),
      [
        { id: 1414, name: 'NVIDIA H200X-1-18C' },
        { id: 1415, name: 'NVIDIA H200X-2-35C' },
      ],
    );
  });
  test('a full GPU leaves only the header', () => {
    assert.deepEqual(parseCreatableVgpuTypes('ID    : vGPU Name\n'), []);
  });
});

describe('parseVramInfo()', () => {
  test("reads seed 000's format", () => {
    const text =
      'GPU: Nvidia GeForce RTX 4070\nTotal VRAM: 10240 MB (10 GB)\nPhysical VRAM: 8192 MB (8 GB)\nVirtual VRAM: 2048 MB (2 GB)\n';
    assert.deepEqual(parseVramInfo(text), {
      gpuName: 'Nvidia GeForce RTX 4070',
      totalMiB: 10240,
      physicalMiB: 8192,
      virtualMiB: 2048,
    });
  });
});
