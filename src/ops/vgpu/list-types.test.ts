import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discover } from '../../discovery/discover.ts';
import { A10_SRIOV_MDEV, emulated, L40S } from './_test-hosts.ts';
import { listVgpuTypes, type VgpuType } from './list-types.ts';
import { parseNvidiaTypeName } from './nvidia-type-name.ts';

const pick = (types: VgpuType[], id: string) => types.find((t) => t.id === id);

describe('listVgpuTypes()', () => {
  test('lab: classic mdev types with the facts their descriptions state', async () => {
    const types = listVgpuTypes(await discover(emulated('lab').host));
    assert.deepEqual(pick(types, 'nvidia-223'), {
      gpu: '0000:3b:00.0',
      mechanism: 'mdev',
      id: 'nvidia-223',
      nvidiaTypeId: 223,
      name: 'GRID T4-2B',
      description: 'num_heads=4, frl_config=45, framebuffer=2048M, max_resolution=5120x2880, max_instance=8',
      deviceApi: 'vfio-pci',
      framebufferMiB: 2048,
      heads: 4,
      maxResolution: '5120x2880',
      frameRateLimit: 45,
      maxInstances: 8,
      availableInstances: 8,
      instances: 0,
      parents: ['0000:3b:00.0'],
    });
    // GVT-g has no name file; the L40S has no VFs, so no vendor-VFIO types yet.
    assert.equal(pick(types, 'i915-GVTg_V5_4')?.name, null);
    assert.equal(types.filter((t) => t.mechanism === 'vendor-vfio').length, 0);
  });

  test('kubevirt-t4 and samples: non-PCI parents are named by their parent', async () => {
    const kubevirt = listVgpuTypes(await discover(emulated('kubevirt-t4').host));
    assert.deepEqual(
      kubevirt.map((t) => [t.gpu, t.id, t.name, t.framebufferMiB, t.availableInstances]),
      [
        ['nvidia', 'nvidia-222', 'GRID T4-1B', 1024, 16],
        ['nvidia', 'nvidia-223', 'GRID T4-2B', 2048, 8],
      ],
    );
    const samples = listVgpuTypes(await discover(emulated('samples').host));
    assert.deepEqual([...new Set(samples.map((t) => t.gpu))], ['mbochs', 'mdpy', 'mtty']);
  });

  test('vendor-VFIO: types from creatable_vgpu_types, available bounded by free VFs and the framebuffer', async () => {
    const { host } = emulated(L40S(4));
    let types = listVgpuTypes(await discover(host));
    assert.deepEqual(
      ['nvidia-1145', 'nvidia-1155', 'nvidia-1156'].map((id) => [
        id,
        pick(types, id)?.name,
        pick(types, id)?.framebufferMiB,
        pick(types, id)?.availableInstances,
      ]),
      [
        ['nvidia-1145', 'NVIDIA L40S-1B', 1024, 4],
        ['nvidia-1155', 'NVIDIA L40S-24Q', 24576, 2],
        ['nvidia-1156', 'NVIDIA L40S-48Q', 49152, 1],
      ],
    );
    await host.write('/sys/bus/pci/devices/0000:41:00.4/nvidia/current_vgpu_type', '1145');
    types = listVgpuTypes(await discover(host));
    // One 1 GiB vGPU runs: only 1 GiB types are offered, on the 3 free VFs.
    assert.deepEqual(
      types.map((t) => [t.id, t.availableInstances, t.instances]),
      [
        ['nvidia-1145', 3, 1],
        ['nvidia-1147', 3, 0],
        ['nvidia-1157', 3, 0],
      ],
    );
  });

  test('SR-IOV + mdev: one row per type for the GPU, summed over its VF parents', async () => {
    const types = listVgpuTypes(await discover(emulated(A10_SRIOV_MDEV).host));
    assert.deepEqual(pick(types, 'nvidia-597')?.parents, [
      '0000:65:00.4',
      '0000:65:00.5',
      '0000:65:00.6',
      '0000:65:00.7',
    ]);
    assert.equal(pick(types, 'nvidia-593')?.availableInstances, 4);
    assert.equal(pick(types, 'nvidia-597')?.availableInstances, 1);
  });
});

describe('parseNvidiaTypeName()', () => {
  const cases: [string, object | undefined][] = [
    ['GRID T4-1B', { short: 'T4-1B', board: 'T4', migSlices: null, framebufferMiB: 1024, series: 'B' }],
    ['GRID T4-2B4', { short: 'T4-2B4', board: 'T4', migSlices: null, framebufferMiB: 2048, series: 'B' }],
    ['NVIDIA L40S-48Q', { short: 'L40S-48Q', board: 'L40S', migSlices: null, framebufferMiB: 49152, series: 'Q' }],
    ['GRID M60-0Q', { short: 'M60-0Q', board: 'M60', migSlices: null, framebufferMiB: 512, series: 'Q' }],
    ['NVIDIA A100-1-5CME', { short: 'A100-1-5CME', board: 'A100', migSlices: 1, framebufferMiB: 5120, series: 'C' }],
    ['Dual port serial', undefined],
    ['mdpy-vga', undefined],
  ];
  for (const [name, expected] of cases) test(name, () => assert.deepEqual(parseNvidiaTypeName(name), expected));
});
