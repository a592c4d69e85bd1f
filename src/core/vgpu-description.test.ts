import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseVgpuDescription } from './vgpu-description.ts';

describe('parseVgpuDescription()', () => {
  const cases: [string, string, object][] = [
    [
      'NVIDIA key=value list',
      'num_heads=4, frl_config=60, framebuffer=2048M, max_resolution=7680x4320, max_instance=24\n',
      {
        format: 'nvidia',
        heads: 4,
        frameRateLimit: 60,
        framebufferMiB: 2048,
        maxResolution: '7680x4320',
        maxInstances: 24,
      },
    ],
    [
      'NVIDIA B-series (frl 45) from seed 004',
      'num_heads=4, frl_config=45, framebuffer=1024M, max_resolution=5120x2880, max_instance=24',
      {
        format: 'nvidia',
        heads: 4,
        frameRateLimit: 45,
        framebufferMiB: 1024,
        maxResolution: '5120x2880',
        maxInstances: 24,
      },
    ],
    [
      'Intel GVT-g lines',
      'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n',
      { format: 'gvt-g', framebufferMiB: 640, maxResolution: '1920x1200' },
    ],
    ['mdpy free text', 'virtual display, 1024x768 framebuffer\n', { format: 'text', maxResolution: '1024x768' }],
    ['mbochs free text', 'virtual display, 16 MB video memory\n', { format: 'text', framebufferMiB: 16 }],
    ["KubeVirt's fake module", 'NVIDIA GRID vGPU (1b), 1024MB framebuffer', { format: 'text', framebufferMiB: 1024 }],
  ];
  for (const [name, text, want] of cases) {
    test(`parses ${name}`, () => {
      const { fields: _fields, ...facts } = parseVgpuDescription(text);
      assert.deepEqual(facts, want);
    });
  }
  test('keeps every NVIDIA field as written', () => {
    assert.equal(
      parseVgpuDescription('num_heads=1, frl_config=60, framebuffer=4096M, max_resolution=4096x2160, max_instance=4')
        .fields.framebuffer,
      '4096M',
    );
  });
  test('states nothing for an empty description', () => {
    assert.deepEqual(parseVgpuDescription(''), { format: 'text', fields: {} });
  });
});
