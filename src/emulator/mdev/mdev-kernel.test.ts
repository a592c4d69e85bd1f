/** The mdev core and vendor drivers inside the real EmulatedKernel (conformance #18–#25). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmulatedKernel } from '../kernel.ts';
import { errnoOf } from '../kernfs/_test-errno.ts';
import { Scenario } from '../scenario/schema.ts';

const UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const MTTY2 = '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2';

function boot(input: Parameters<typeof Scenario.parse>[0]): EmulatedKernel {
  return EmulatedKernel.boot(Scenario.parse(input));
}

function text(k: EmulatedKernel, path: string): string {
  return Buffer.from(k.read(path)).toString('latin1');
}

describe('mdev in the emulated kernel', () => {
  test('samples: create, group, /dev/vfio, remove (#18, #19, #23, #24)', () => {
    const k = boot({ name: 'samples-it', samples: ['mtty', 'mdpy'] });
    assert.equal(text(k, `${MTTY2}/available_instances`), '12\n');
    assert.equal(
      errnoOf(() => k.read(`${MTTY2}/create`)),
      'EACCES',
    );
    assert.equal(k.write(`${MTTY2}/create`, `${UUID}\n`), 37);
    const dev = `/sys/bus/mdev/devices/${UUID}`;
    const group = k.tree.realpath(`${dev}/iommu_group`).split('/').pop() ?? '';
    assert.deepEqual([...k.tree.dir(`/sys/kernel/iommu_groups/${group}/devices`).children.keys()], [UUID]);
    assert.ok(k.tree.find(`/dev/vfio/${group}`));
    assert.equal(text(k, `${dev}/uevent`), 'DRIVER=mtty\n');
    assert.equal(
      errnoOf(() => k.write(`${MTTY2}/create`, UUID.toUpperCase())),
      'EEXIST',
    );
    assert.equal(k.write(`${dev}/remove`, '1\n'), 2);
    assert.equal(k.tree.find(`/dev/vfio/${group}`), undefined);
    assert.equal(k.tree.find(`/sys/kernel/iommu_groups/${group}`), undefined);
    assert.equal(
      errnoOf(() => k.write(`${dev}/remove`, '1\n')),
      'ENOENT',
    );
  });

  test('a T4 in classic mdev mode with a pre-created vGPU keeps the framebuffer rule', () => {
    const k = boot({
      name: 't4-it',
      gpus: [{ address: '0000:3b:00.0', model: 'tesla-t4', vgpu: 'mdev', mdevs: [{ uuid: UUID, type: 'nvidia-222' }] }],
    });
    const types = '/sys/class/mdev_bus/0000:3b:00.0/mdev_supported_types';
    assert.equal(text(k, `${types}/nvidia-222/available_instances`), '15\n');
    assert.equal(text(k, `${types}/nvidia-223/available_instances`), '0\n');
    assert.equal(
      errnoOf(() => k.write(`${types}/nvidia-223/create`, '11111111-2222-4333-8444-555555555555')),
      'EINVAL',
    );
    assert.equal(k.tree.realpath(`/sys/bus/mdev/devices/${UUID}/driver`), '/sys/bus/mdev/drivers/nvidia-vgpu-vfio');
  });

  test('vendor-specific VFIO on an L40S: no mdev bus, creatable list shrinks across VFs (#25)', () => {
    const k = boot({
      name: 'l40s-it',
      gpus: [{ address: '0000:41:00.0', model: 'l40s', vgpu: 'vendor-vfio', sriovNumVfs: 4 }],
    });
    const vf = (n: number): string => `/sys/bus/pci/devices/0000:41:00.${4 + n}/nvidia`;
    assert.equal(k.tree.find('/sys/bus/mdev'), undefined);
    assert.equal(k.tree.find('/sys/bus/pci/devices/0000:41:00.0/nvidia'), undefined);
    assert.equal(text(k, `${vf(0)}/current_vgpu_type`), '0\n');
    k.write(`${vf(0)}/current_vgpu_type`, '1155\n');
    assert.equal(text(k, `${vf(0)}/current_vgpu_type`), '1155\n');
    assert.equal(
      text(k, `${vf(1)}/creatable_vgpu_types`),
      'ID    : vGPU Name\n1155  : NVIDIA L40S-24Q\n1165  : NVIDIA L40S-24A\n1172  : NVIDIA L40S-24C\n',
    );
    k.write(`${vf(1)}/current_vgpu_type`, '1165');
    assert.equal(text(k, `${vf(2)}/creatable_vgpu_types`), 'ID    : vGPU Name\n');
    k.write(`${vf(0)}/current_vgpu_type`, '0');
    assert.equal(text(k, `${vf(0)}/current_vgpu_type`), '0\n');
    assert.match(text(k, `${vf(2)}/creatable_vgpu_types`), /^1155 {2}: NVIDIA L40S-24Q$/m);
  });

  test('nvidia-smi -q -x reports the bound GPUs', () => {
    const k = boot({ name: 'smi-it', gpus: [{ address: '0000:3b:00.0', model: 'tesla-t4', vgpu: 'mdev' }] });
    const result = k.exec('nvidia-smi', ['-q', '-x']);
    assert.ok(result, 'nvidia-smi is installed');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /<gpu id="00000000:3B:00.0">/);
    assert.match(result.stdout, /<host_vgpu_mode>Non SR-IOV<\/host_vgpu_mode>/);
  });
});
